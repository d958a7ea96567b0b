//! The read model against the real demo records (`crates/sharaka-persistence/seed/demo.json`):
//! trilingual names and labels with their fallback, every root list with its filters, orders and
//! cursor pagination, LIKE wildcards that match themselves, every relation in both directions
//! (with nested `first` applied per parent), Relay's `node` / `nodes`, and `includeArchived`.
//!
//! Expected values are copied from `demo.json` and the code tables of `sharaka-domain`, never
//! read back from the API. Default order is by local id (byte order); the demo ids are ASCII.

use serde_json::{Value, json};
use sharaka_persistence::seed::{self, SyntheticSize};
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The demo's organisations, by local id.
const ORGS: [&str; 10] = [
    "org:anapec",
    "org:attawfiq",
    "org:be-justice",
    "org:bf-prisons",
    "org:dgapr",
    "org:emi",
    "org:fm6",
    "org:fr-dap",
    "org:pri",
    "org:us-inl",
];
const PARTNERSHIPS: [&str; 7] = [
    "ps:be", "ps:bf", "ps:emi", "ps:fm6", "ps:fr", "ps:pri", "ps:us",
];
const AGREEMENTS: [&str; 4] = [
    "agr:bf-protocol",
    "agr:emi-groundwater",
    "agr:fm6-generic",
    "agr:fr-dap",
];
const PROJECTS: [&str; 8] = [
    "prj:be-capacity",
    "prj:fm6-alert",
    "prj:fm6-education",
    "prj:fm6-humanisation",
    "prj:fm6-postcare",
    "prj:groundwater",
    "prj:pri-cooperation",
    "prj:us-exchange",
];
const SESSIONS: [&str; 3] = ["trn:be-1", "trn:be-2", "trn:be-3"];
const VISITS: [&str; 2] = ["vis:ma-to-us", "vis:us-to-ma"];
const REGIONS: [&str; 12] = [
    "MA-01", "MA-02", "MA-03", "MA-04", "MA-05", "MA-06", "MA-07", "MA-08", "MA-09", "MA-10",
    "MA-11", "MA-12",
];
const SITES: [&str; 21] = [
    "site:ali-moumen",
    "site:capc-agadir",
    "site:capc-casablanca",
    "site:capc-fes",
    "site:capc-oujda",
    "site:capc-sale",
    "site:capc-tanger",
    "site:cnfc-tiflet",
    "site:dr-beni-mellal-khenifra",
    "site:dr-casablanca-settat",
    "site:dr-draa-tafilalet",
    "site:dr-laayoune-sakia-el-hamra",
    "site:dr-marrakech-safi",
    "site:dr-rabat-sale-kenitra",
    "site:dr-souss-massa",
    "site:el-adir",
    "site:fkih-ben-salah",
    "site:hq",
    "site:outita-1",
    "site:outita-2",
    "site:rommani",
];
const AGRICULTURAL_PRISONS: [&str; 6] = [
    "site:ali-moumen",
    "site:el-adir",
    "site:fkih-ben-salah",
    "site:outita-1",
    "site:outita-2",
    "site:rommani",
];
const POST_CARE_CENTRES: [&str; 6] = [
    "site:capc-agadir",
    "site:capc-casablanca",
    "site:capc-fes",
    "site:capc-oujda",
    "site:capc-sale",
    "site:capc-tanger",
];

/// The key field of a root's items: regions have an ISO code, everything else a local id.
fn key_of(root: &str) -> &'static str {
    if root == "regions" {
        "isoCode"
    } else {
        "localId"
    }
}

/// A JSON list literal of global IDs of `kind`, for use inside a query text.
fn ids(kind: &str, locals: &[&str]) -> String {
    let quoted: Vec<String> = locals
        .iter()
        .map(|l| format!("\"{}\"", global_id(kind, l)))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The values of `key` in a connection's `nodes`.
fn keys_in(connection: &Value, key: &str) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .expect("a connection with nodes")
        .iter()
        .map(|n| n[key].as_str().expect("a string key").to_owned())
        .collect()
}

/// The items of `root(args)` (one page of at most 50), checking that `totalCount` agrees.
async fn list(app: &TestApp, root: &str, args: &str) -> Vec<String> {
    let key = key_of(root);
    let query = format!("{{ {root}{args} {{ totalCount nodes {{ {key} }} }} }}");
    let data = app.data(&query, json!({})).await;
    let found = keys_in(&data[root], key);
    assert_eq!(
        data[root]["totalCount"],
        json!(found.len()),
        "totalCount of {root}{args}"
    );
    found
}

/// Asserts that `root(args)` lists exactly `expected`, in that order.
async fn assert_list(app: &TestApp, root: &str, args: &str, expected: &[&str]) {
    assert_eq!(list(app, root, args).await, expected, "{root}{args}");
}

/// Pages through `root` two items at a time (with `args`, e.g. `, filter: {…}`), checking every
/// page's size, cursors and `pageInfo`; returns the items in the order visited.
async fn walk(app: &TestApp, root: &str, args: &str) -> Vec<String> {
    let key = key_of(root);
    let query = format!(
        "query($after: String) {{ {root}(first: 2, after: $after{args}) {{ totalCount \
         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} \
         edges {{ cursor node {{ {key} }} }} }} }}"
    );
    let mut after = Value::Null;
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        let data = app.data(&query, json!({ "after": after })).await;
        let connection = &data[root];
        let total = connection["totalCount"].as_u64().expect("totalCount") as usize;
        let edges = connection["edges"].as_array().expect("edges");
        let info = &connection["pageInfo"];
        assert!(
            edges.len() <= 2,
            "page {pages} of {root}{args} holds {} items",
            edges.len()
        );
        assert_eq!(
            info["hasPreviousPage"],
            json!(pages > 0),
            "hasPreviousPage, page {pages} of {root}{args}"
        );
        match (edges.first(), edges.last()) {
            (Some(first), Some(last)) => {
                assert_eq!(
                    info["startCursor"], first["cursor"],
                    "startCursor of {root}{args}"
                );
                assert_eq!(
                    info["endCursor"], last["cursor"],
                    "endCursor of {root}{args}"
                );
            }
            _ => {
                assert_eq!(info["startCursor"], Value::Null);
                assert_eq!(info["endCursor"], Value::Null);
            }
        }
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"][key].as_str().expect("key").to_owned()),
        );
        assert_eq!(
            info["hasNextPage"],
            json!(seen.len() < total),
            "hasNextPage, page {pages} of {root}{args}"
        );
        pages += 1;
        if info["hasNextPage"] != json!(true) {
            assert_eq!(seen.len(), total, "{root}{args}: visited all items");
            break;
        }
        assert!(
            !edges.is_empty(),
            "{root}{args}: an empty page claims a next page"
        );
        after = info["endCursor"].clone();
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "{root}{args}: an item was visited twice: {seen:?}"
    );
    seen
}

/// Asserts that paging through `root(args)` two at a time visits exactly `expected` in order,
/// and that `first: 0` returns no items but the right total and page info.
async fn assert_pages(app: &TestApp, root: &str, args: &str, expected: &[&str]) {
    assert_eq!(
        walk(app, root, args).await,
        expected,
        "pages of {root}{args}"
    );
    let key = key_of(root);
    let query = format!(
        "{{ {root}(first: 0{args}) {{ totalCount nodes {{ {key} }} \
         pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
    );
    let data = app.data(&query, json!({})).await;
    let connection = &data[root];
    assert_eq!(connection["nodes"], json!([]), "first: 0 of {root}{args}");
    assert_eq!(
        connection["totalCount"],
        json!(expected.len()),
        "first: 0 of {root}{args}"
    );
    assert_eq!(
        connection["pageInfo"],
        json!({ "hasNextPage": !expected.is_empty(), "hasPreviousPage": false, "startCursor": null, "endCursor": null }),
        "first: 0 of {root}{args}"
    );
}

/// Asserts that sorting `root` (with `filter`, e.g. `filter: {…}, `, or nothing) by a field whose
/// values are unique gives `ascending`, ascending being the default, and descending its reverse.
async fn assert_reversible_order(
    app: &TestApp,
    root: &str,
    filter: &str,
    field: &str,
    ascending: &[&str],
) {
    let asc = list(
        app,
        root,
        &format!("({filter}orderBy: [{{ field: {field}, direction: ASC }}])"),
    )
    .await;
    assert_eq!(asc, ascending, "{root}({filter}) by {field} ASC");
    let implicit = list(
        app,
        root,
        &format!("({filter}orderBy: [{{ field: {field} }}])"),
    )
    .await;
    assert_eq!(
        implicit, ascending,
        "{root}({filter}) by {field}: ascending is the default"
    );
    let mut descending = strings(ascending);
    descending.reverse();
    let desc = list(
        app,
        root,
        &format!("({filter}orderBy: [{{ field: {field}, direction: DESC }}])"),
    )
    .await;
    assert_eq!(desc, descending, "{root}({filter}) by {field} DESC");
}

/// Selects `field` in Arabic, French, English and the default language, under aliases.
fn tri(field: &str) -> String {
    format!(
        "{field}Ar: {field}(lang: AR) {field}Fr: {field}(lang: FR) {field}En: {field}(lang: EN) {field}Default: {field}"
    )
}

/// Checks the four aliases of [`tri`]; the default language is French.
fn assert_tri(object: &Value, field: &str, [ar, fr, en]: [&str; 3]) {
    assert_eq!(object[format!("{field}Ar")], json!(ar), "{field}(lang: AR)");
    assert_eq!(object[format!("{field}Fr")], json!(fr), "{field}(lang: FR)");
    assert_eq!(object[format!("{field}En")], json!(en), "{field}(lang: EN)");
    assert_eq!(
        object[format!("{field}Default")],
        json!(fr),
        "{field} without lang is French"
    );
}

/// Selects a `LocalizedText` with its three languages and `text` in each language.
const TEXT: &str =
    "{ ar fr en textAr: text(lang: AR) textFr: text(lang: FR) textEn: text(lang: EN) text }";

/// Checks a `LocalizedText` selected with [`TEXT`] whose three languages are all present.
fn assert_text(text: &Value, [ar, fr, en]: [&str; 3]) {
    assert_eq!(
        *text,
        json!({ "ar": ar, "fr": fr, "en": en, "textAr": ar, "textFr": fr, "textEn": en, "text": fr }),
        "localized text"
    );
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------------

backend_tests!(
    dgapr_in_three_languages,
    Data::Demo,
    |app: TestApp| async move {
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on Organisation {{ id localId name {TEXT} acronym \
         category {} iatiOrgType iatiOrgTypeCode {} legalNature countryCode foundedOn website \
         description {TEXT} identifiers isHome demo }} }} }}",
            tri("categoryLabel"),
            tri("iatiOrgTypeLabel"),
        );
        let dgapr = global_id("Organisation", "org:dgapr");
        let data = app.data(&query, json!({ "id": dgapr })).await;
        let org = &data["node"];
        assert_eq!(org["id"], json!(dgapr));
        assert_eq!(org["localId"], json!("org:dgapr"));
        assert_text(
            &org["name"],
            [
                "المندوبية العامة لإدارة السجون وإعادة الإدماج",
                "Délégation générale à l'administration pénitentiaire et à la réinsertion",
                "General Delegation for Prison Administration and Reintegration",
            ],
        );
        assert_eq!(org["acronym"], json!("DGAPR"));
        assert_eq!(org["category"], json!("PUBLIC_LAW_ENTITY"));
        assert_tri(
            org,
            "categoryLabel",
            [
                "شخص من أشخاص القانون العام",
                "Personne morale de droit public",
                "Public-law legal person",
            ],
        );
        assert_eq!(org["iatiOrgType"], json!("GOVERNMENT"));
        assert_eq!(org["iatiOrgTypeCode"], json!(10));
        assert_tri(
            org,
            "iatiOrgTypeLabel",
            ["حكومة", "Gouvernement", "Government"],
        );
        assert_eq!(org["legalNature"], json!("PUBLIC_LAW"));
        assert_eq!(org["countryCode"], json!("MA"));
        assert_eq!(org["foundedOn"], json!("2008"));
        assert_eq!(org["website"], Value::Null);
        // No description in any language: every field and `text` are null, whatever the language.
        assert_eq!(
            org["description"],
            json!({ "ar": null, "fr": null, "en": null, "textAr": null, "textFr": null, "textEn": null, "text": null })
        );
        assert_eq!(org["identifiers"], json!([]));
        assert_eq!(org["isHome"], json!(true));
        assert_eq!(org["demo"], json!(false));
    }
);

backend_tests!(
    demo_records_in_three_languages,
    Data::Demo,
    |app: TestApp| async move {
        let query = format!(
            "query($agr: ID!, $prj: ID!, $trn: ID!, $vis: ID!, $site: ID!, $reg: ID!) {{
          agreement: node(id: $agr) {{ ... on Agreement {{ title {TEXT} objectives {TEXT} }} }}
          project: node(id: $prj) {{ ... on Project {{ title {TEXT} }} }}
          session: node(id: $trn) {{ ... on TrainingSession {{ title {TEXT} }} }}
          visit: node(id: $vis) {{ ... on ExchangeVisit {{ title {TEXT} }} }}
          site: node(id: $site) {{ ... on Site {{ name {TEXT} city }} }}
          region: node(id: $reg) {{ ... on Region {{ name {TEXT} capital {TEXT} }} }}
        }}"
        );
        let vars = json!({
            "agr": global_id("Agreement", "agr:bf-protocol"),
            "prj": global_id("Project", "prj:fm6-postcare"),
            "trn": global_id("TrainingSession", "trn:be-1"),
            "vis": global_id("ExchangeVisit", "vis:ma-to-us"),
            "site": global_id("Site", "site:rommani"),
            "reg": global_id("Region", "MA-11"),
        });
        let data = app.data(&query, vars).await;
        assert_text(
            &data["agreement"]["title"],
            [
                "مشروع بروتوكول تعاون مع بوركينا فاسو في مجال التكوين وتبادل الخبرات",
                "Projet de protocole de coopération avec le Burkina Faso (formation, échange d'expertise)",
                "Draft cooperation protocol with Burkina Faso on training and exchange of expertise",
            ],
        );
        assert_text(
            &data["agreement"]["objectives"],
            [
                "التكوين وتبادل الخبرات في الشأن السجني",
                "Formation et échange d'expertise en matière pénitentiaire",
                "Training and exchange of expertise in prison matters",
            ],
        );
        assert_text(
            &data["project"]["title"],
            [
                "وحدات الرعاية اللاحقة وتعميمها على الجهات",
                "Unités (centres) d'accompagnement post-carcéral et leur généralisation aux régions",
                "Post-care units and their extension to all regions",
            ],
        );
        assert_text(
            &data["session"]["title"],
            [
                "دورة تكوينية في مجال الضبط القضائي",
                "Cycle de formation : greffe / contrôle judiciaire (à vérifier)",
                "Training cycle: judicial registry / control (to be checked)",
            ],
        );
        assert_text(
            &data["visit"]["title"],
            [
                "زيارة استطلاعية لخبراء السجون المغاربة لبعض المؤسسات السجنية بالولايات المتحدة",
                "Visite d'étude d'experts pénitentiaires marocains dans des établissements pénitentiaires américains",
                "Study visit of Moroccan prison experts to US prisons",
            ],
        );
        assert_text(
            &data["site"]["name"],
            [
                "السجن الفلاحي بالرماني",
                "Prison agricole de Rommani",
                "Rommani agricultural prison",
            ],
        );
        assert_eq!(data["site"]["city"], json!("Rommani"));
        assert_text(
            &data["region"]["name"],
            [
                "العيون - الساقية الحمراء",
                "Laâyoune-Sakia El Hamra",
                "Laayoune-Sakia El Hamra",
            ],
        );
        assert_text(
            &data["region"]["capital"],
            ["العيون", "Laâyoune", "Laayoune"],
        );
    }
);

backend_tests!(
    labels_in_three_languages,
    Data::Demo,
    |app: TestApp| async move {
        let query = format!(
        "query($frDap: ID!, $emiAgr: ID!, $ps: ID!, $closed: ID!, $active: ID!, $trn: ID!, $vis: ID!, $site: ID!) {{
          frDap: node(id: $frDap) {{ ... on Agreement {{ status agreementType {} {} }} }}
          emiAgr: node(id: $emiAgr) {{ ... on Agreement {{ status {}
            parties {{ nodes {{ role {} }} }}
            commitments(first: 1) {{ nodes {{ kind {} status {} overdue illustrative }} }} }} }}
          ps: node(id: $ps) {{ ... on Partnership {{ scope {} modality {} status {} isStrategic themes }} }}
          closed: node(id: $closed) {{ ... on Project {{ status statusCode {} }} }}
          active: node(id: $active) {{ ... on Project {{ status statusCode {}
            participants {{ nodes {{ role roleCode {} organisation {{ localId }} }} }} }} }}
          trn: node(id: $trn) {{ ... on TrainingSession {{ audience {} topics {} status {} seriesId cycleNumber }} }}
          vis: node(id: $vis) {{ ... on ExchangeVisit {{ direction {} visitType {} status {} countryCode }} }}
          site: node(id: $site) {{ ... on Site {{ siteType {} status {} }} }}
        }}",
        tri("statusLabel"),
        tri("agreementTypeLabel"),
        tri("statusLabel"),
        tri("roleLabel"),
        tri("kindLabel"),
        tri("statusLabel"),
        tri("scopeLabel"),
        tri("modalityLabel"),
        tri("statusLabel"),
        tri("statusLabel"),
        tri("statusLabel"),
        tri("roleLabel"),
        tri("audienceLabel"),
        tri("topicLabels"),
        tri("statusLabel"),
        tri("directionLabel"),
        tri("visitTypeLabel"),
        tri("statusLabel"),
        tri("siteTypeLabel"),
        tri("statusLabel"),
    );
        let vars = json!({
            "frDap": global_id("Agreement", "agr:fr-dap"),
            "emiAgr": global_id("Agreement", "agr:emi-groundwater"),
            "ps": global_id("Partnership", "ps:be"),
            "closed": global_id("Project", "prj:be-capacity"),
            "active": global_id("Project", "prj:groundwater"),
            "trn": global_id("TrainingSession", "trn:be-2"),
            "vis": global_id("ExchangeVisit", "vis:us-to-ma"),
            "site": global_id("Site", "site:rommani"),
        });
        let data = app.data(&query, vars).await;

        let fr_dap = &data["frDap"];
        assert_eq!(fr_dap["status"], json!("AGREED_PENDING_SIGNATURE"));
        assert_tri(
            fr_dap,
            "statusLabel",
            [
                "جاهزة في انتظار التوقيع",
                "Finalisée, en attente de signature",
                "Agreed, pending signature",
            ],
        );
        assert_eq!(fr_dap["agreementType"], json!("COOPERATION_AGREEMENT"));
        assert_tri(
            fr_dap,
            "agreementTypeLabel",
            [
                "اتفاقية تعاون",
                "Convention (accord) de coopération",
                "Cooperation agreement",
            ],
        );

        let emi = &data["emiAgr"];
        assert_eq!(emi["status"], json!("ACTIVE"));
        assert_tri(
            emi,
            "statusLabel",
            ["سارية المفعول", "En vigueur", "Active (in force)"],
        );
        let parties = emi["parties"]["nodes"].as_array().expect("parties");
        assert_eq!(parties.len(), 3);
        assert_eq!(parties[0]["role"], json!("SIGNATORY"));
        assert_tri(
            &parties[0],
            "roleLabel",
            ["طرف موقع", "Signataire", "Signatory"],
        );
        assert_eq!(parties[2]["role"], json!("TECHNICAL_PARTNER"));
        assert_tri(
            &parties[2],
            "roleLabel",
            ["شريك تقني", "Partenaire technique", "Technical partner"],
        );
        let commitment = &emi["commitments"]["nodes"][0];
        assert_eq!(commitment["kind"], json!("STUDIES"));
        assert_tri(
            commitment,
            "kindLabel",
            [
                "إنجاز الدراسات",
                "Réalisation d'études",
                "Studies / surveys",
            ],
        );
        assert_tri(commitment, "statusLabel", ["مبرمج", "Prévu", "Planned"]);
        assert_eq!(
            commitment["overdue"],
            json!(false),
            "no due date, so never overdue"
        );
        assert_eq!(commitment["illustrative"], json!(true));

        let ps = &data["ps"];
        assert_eq!(ps["scope"], json!("INTERNATIONAL"));
        assert_tri(
            ps,
            "scopeLabel",
            [
                "شراكة دولية",
                "Partenariat international",
                "International partnership",
            ],
        );
        assert_eq!(ps["modality"], json!("BILATERAL"));
        assert_tri(ps, "modalityLabel", ["ثنائية", "Bilatéral", "Bilateral"]);
        assert_eq!(ps["status"], json!("ACTIVE"));
        assert_tri(ps, "statusLabel", ["نشطة", "Actif", "Active"]);
        assert_eq!(ps["isStrategic"], json!(false));
        assert_eq!(ps["themes"], json!(["CAPACITY_BUILDING"]));

        let closed = &data["closed"];
        assert_eq!(
            (&closed["status"], &closed["statusCode"]),
            (&json!("CLOSED"), &json!(4))
        );
        assert_tri(closed, "statusLabel", ["مغلق", "Fermé", "Closed"]);
        let active = &data["active"];
        assert_eq!(
            (&active["status"], &active["statusCode"]),
            (&json!("IMPLEMENTATION"), &json!(2))
        );
        assert_tri(
            active,
            "statusLabel",
            ["في طور التنفيذ", "Actif", "Implementation"],
        );
        let participants = active["participants"]["nodes"]
            .as_array()
            .expect("participants");
        assert_eq!(participants.len(), 2);
        assert_eq!(
            participants[0]["organisation"]["localId"],
            json!("org:dgapr")
        );
        assert_eq!(
            (&participants[0]["role"], &participants[0]["roleCode"]),
            (&json!("ACCOUNTABLE"), &json!(2))
        );
        assert_tri(
            &participants[0],
            "roleLabel",
            ["المسؤولية", "Responsabilité", "Accountable"],
        );
        assert_eq!(participants[1]["organisation"]["localId"], json!("org:emi"));
        assert_eq!(
            (&participants[1]["role"], &participants[1]["roleCode"]),
            (&json!("IMPLEMENTING"), &json!(4))
        );
        assert_tri(
            &participants[1],
            "roleLabel",
            ["التنفيذ", "Mise en œuvre", "Implementing"],
        );

        let trn = &data["trn"];
        assert_eq!(trn["audience"], json!("STAFF"));
        assert_tri(
            trn,
            "audienceLabel",
            ["موظفو المندوبية", "Personnel de la DGAPR", "DGAPR staff"],
        );
        assert_eq!(trn["topics"], json!(["HR_MANAGEMENT"]));
        assert_eq!(trn["topicLabelsAr"], json!(["تدبير الموارد البشرية"]));
        assert_eq!(
            trn["topicLabelsFr"],
            json!(["Gestion des ressources humaines"])
        );
        assert_eq!(trn["topicLabelsEn"], json!(["HR management"]));
        assert_eq!(
            trn["topicLabelsDefault"],
            json!(["Gestion des ressources humaines"])
        );
        assert_tri(trn, "statusLabel", ["منجزة", "Réalisée", "Delivered"]);
        assert_eq!(
            (&trn["seriesId"], &trn["cycleNumber"]),
            (&json!("be-cycles"), &json!(2))
        );

        let vis = &data["vis"];
        assert_eq!(vis["direction"], json!("INBOUND"));
        assert_tri(
            vis,
            "directionLabel",
            ["زيارة وافدة إلى المغرب", "Visite entrante", "Inbound"],
        );
        assert_eq!(vis["visitType"], json!("STUDY_VISIT"));
        assert_tri(
            vis,
            "visitTypeLabel",
            ["زيارة دراسية", "Visite d'étude", "Study visit"],
        );
        assert_eq!(vis["status"], json!("COMPLETED"));
        assert_tri(vis, "statusLabel", ["منجزة", "Réalisée", "Completed"]);
        assert_eq!(vis["countryCode"], json!("MA"));

        let site = &data["site"];
        assert_eq!(site["siteType"], json!("AGRICULTURAL_PRISON"));
        assert_tri(
            site,
            "siteTypeLabel",
            ["السجن الفلاحي", "Prison agricole", "Agricultural prison"],
        );
        assert_eq!(site["status"], json!("OPERATIONAL"));
        assert_tri(
            site,
            "statusLabel",
            ["قيد الاشتغال", "Opérationnel", "Operational"],
        );
    }
);

backend_tests!(
    missing_languages_fall_back_french_first,
    Data::Empty,
    |app: TestApp| async move {
        // The synthetic generator writes the home organisation in French only, agreements in French
        // and English, and partners in all three languages: enough to see the fallback order.
        seed::synthetic(
            app.store(),
            SyntheticSize {
                partners: 1,
                agreements_per_partner: 1,
                projects_per_agreement: 1,
                seed: 1,
            },
        )
        .await
        .expect("synthetic seed");
        let query = format!(
            "query($home: ID!, $agr: ID!, $partner: ID!) {{
          home: node(id: $home) {{ ... on Organisation {{ name {TEXT} }} }}
          agr: node(id: $agr) {{ ... on Agreement {{ title {TEXT} }} }}
          partner: node(id: $partner) {{ ... on Organisation {{ name {TEXT} }} }}
        }}"
        );
        let vars = json!({
            "home": global_id("Organisation", "org:dgapr"),
            "agr": global_id("Agreement", "syn:agr:0:0"),
            "partner": global_id("Organisation", "syn:org:0"),
        });
        let data = app.data(&query, vars).await;
        let fr = "Délégation générale à l'administration pénitentiaire et à la réinsertion";
        // Only French: every language falls back to it.
        assert_eq!(
            data["home"]["name"],
            json!({ "ar": null, "fr": fr, "en": null, "textAr": fr, "textFr": fr, "textEn": fr, "text": fr })
        );
        // French and English, no Arabic: Arabic falls back to French, not English.
        assert_eq!(
            data["agr"]["title"],
            json!({
                "ar": null, "fr": "Convention synthétique 0-0", "en": "Synthetic agreement 0-0",
                "textAr": "Convention synthétique 0-0", "textFr": "Convention synthétique 0-0",
                "textEn": "Synthetic agreement 0-0", "text": "Convention synthétique 0-0",
            })
        );
        assert_text(
            &data["partner"]["name"],
            [
                "شريك تجريبي 0",
                "Partenaire synthétique 0",
                "Synthetic partner 0",
            ],
        );
    }
);

backend_tests!(
    accept_language_sets_the_default_language,
    Data::Demo,
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let client = reqwest::Client::new();
        let query = format!(
            "{{ node(id: \"{}\") {{ ... on Agreement {{ title {{ text textFr: text(lang: FR) }} statusLabel }} }} }}",
            global_id("Agreement", "agr:fr-dap")
        );
        let cases = [
            (
                Some("ar-MA,fr;q=0.8"),
                "مشروع اتفاقية تعاون مع إدارة السجون الفرنسية (سيتم توقيعها قريبا)",
                "جاهزة في انتظار التوقيع",
            ),
            (
                Some("en"),
                "Draft cooperation agreement with the French prison administration (to be signed soon)",
                "Agreed, pending signature",
            ),
            (
                Some("de, es"),
                "Projet de convention de coopération avec l'administration pénitentiaire française (signature prochaine)",
                "Finalisée, en attente de signature",
            ),
            (
                None,
                "Projet de convention de coopération avec l'administration pénitentiaire française (signature prochaine)",
                "Finalisée, en attente de signature",
            ),
        ];
        for (header, title, label) in cases {
            let mut request = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": query }));
            if let Some(h) = header {
                request = request.header("Accept-Language", h);
            }
            let response = request.send().await.expect("response");
            assert!(response.status().is_success(), "status for {header:?}");
            let body: Value = response.json().await.expect("JSON body");
            assert!(
                body.get("errors").is_none(),
                "errors for {header:?}: {body}"
            );
            let node = &body["data"]["node"];
            assert_eq!(
                node["title"]["text"],
                json!(title),
                "title for Accept-Language {header:?}"
            );
            assert_eq!(
                node["statusLabel"],
                json!(label),
                "label for Accept-Language {header:?}"
            );
            // An explicit `lang` wins over the header.
            assert_eq!(
                node["title"]["textFr"],
                json!(
                    "Projet de convention de coopération avec l'administration pénitentiaire française (signature prochaine)"
                )
            );
        }
    }
);

// ---------------------------------------------------------------------------------------------
// Root lists: filters, orders, pagination
// ---------------------------------------------------------------------------------------------

backend_tests!(
    regions_all_twelve_in_iso_order,
    Data::Demo,
    |app: TestApp| async move {
        let data = app
            .data(
                "{ regions { totalCount nodes { isoCode name { fr } capital { ar } } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["regions"]["totalCount"], json!(12));
        assert_eq!(keys_in(&data["regions"], "isoCode"), REGIONS);
        let names: Vec<&str> = data["regions"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["name"]["fr"].as_str().expect("fr"))
            .collect();
        assert_eq!(
            names,
            [
                "Tanger-Tétouan-Al Hoceïma",
                "L'Oriental",
                "Fès-Meknès",
                "Rabat-Salé-Kénitra",
                "Béni Mellal-Khénifra",
                "Casablanca-Settat",
                "Marrakech-Safi",
                "Drâa-Tafilalet",
                "Souss-Massa",
                "Guelmim-Oued Noun",
                "Laâyoune-Sakia El Hamra",
                "Dakhla-Oued Ed-Dahab",
            ]
        );
        assert_eq!(
            data["regions"]["nodes"][3]["capital"]["ar"],
            json!("الرباط")
        );

        // Filters: ISO codes (case-insensitive), names in Arabic and French.
        assert_list(
            &app,
            "regions",
            r#"(filter: { isoCodeIn: ["ma-09", "MA-04"] })"#,
            &["MA-04", "MA-09"],
        )
        .await;
        assert_list(
            &app,
            "regions",
            r#"(filter: { nameContains: "الرباط" })"#,
            &["MA-04"],
        )
        .await;
        assert_list(
            &app,
            "regions",
            r#"(filter: { nameContains: "sakia" })"#,
            &["MA-11"],
        )
        .await;
        assert_list(
            &app,
            "regions",
            r#"(filter: { nameContains: "Oued" })"#,
            &["MA-10", "MA-12"],
        )
        .await;
        assert_list(
            &app,
            "regions",
            r#"(filter: { nameContains: "Oued", isoCodeIn: ["MA-12"] })"#,
            &["MA-12"],
        )
        .await;

        // Orders.
        assert_reversible_order(&app, "regions", "", "ISO_CODE", &REGIONS).await;
        let by_name = list(&app, "regions", "(orderBy: [{ field: NAME_FR }])").await;
        // "L'Oriental" and "Laâyoune…" compare differently under different collations: leave them
        // out of the exact comparison, but both sort between Guelmim and Marrakech.
        let position = |iso: &str| by_name.iter().position(|r| r == iso).expect("listed");
        assert!(position("MA-10") < position("MA-02") && position("MA-02") < position("MA-07"));
        assert!(position("MA-10") < position("MA-11") && position("MA-11") < position("MA-07"));
        let unambiguous: Vec<&String> = by_name
            .iter()
            .filter(|r| *r != "MA-02" && *r != "MA-11")
            .collect();
        assert_eq!(
            unambiguous,
            [
                "MA-05", "MA-06", "MA-12", "MA-08", "MA-03", "MA-10", "MA-07", "MA-04", "MA-09",
                "MA-01"
            ]
        );
        let mut reversed = list(
            &app,
            "regions",
            "(orderBy: [{ field: NAME_FR, direction: DESC }])",
        )
        .await;
        reversed.reverse();
        assert_eq!(reversed, by_name, "NAME_FR DESC is the reverse of ASC");

        // Pagination.
        assert_pages(&app, "regions", "", &REGIONS).await;
        assert_pages(
            &app,
            "regions",
            ", orderBy: [{ field: ISO_CODE, direction: DESC }]",
            &{
                let mut r = REGIONS;
                r.reverse();
                r
            },
        )
        .await;
        assert_pages(
            &app,
            "regions",
            r#", filter: { nameContains: "Oued" }"#,
            &["MA-10", "MA-12"],
        )
        .await;
    }
);

backend_tests!(
    organisations_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "organisations";
        assert_list(&app, r, "", &ORGS).await;
        // Booleans, enumerations, countries.
        assert_list(&app, r, "(filter: { isHome: true })", &["org:dgapr"]).await;
        assert_eq!(list(&app, r, "(filter: { isHome: false })").await.len(), 9);
        assert_list(
            &app,
            r,
            "(filter: { category: { eq: FOREIGN_ADMINISTRATION } })",
            &[
                "org:be-justice",
                "org:bf-prisons",
                "org:fr-dap",
                "org:us-inl",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { category: { in: [FOUNDATION, ACADEMIC_INSTITUTION] } })",
            &["org:emi", "org:fm6"],
        )
        .await;
        assert_list(&app, r, "(filter: { category: { in: [] } })", &[]).await;
        assert_list(
            &app,
            r,
            r#"(filter: { countryIn: ["ma"] })"#,
            &[
                "org:anapec",
                "org:attawfiq",
                "org:dgapr",
                "org:emi",
                "org:fm6",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { countryIn: ["GB", "US"] })"#,
            &["org:pri", "org:us-inl"],
        )
        .await;
        // Partnership relations.
        assert_list(
            &app,
            r,
            "(filter: { partnershipModality: { eq: BILATERAL } })",
            &[
                "org:be-justice",
                "org:bf-prisons",
                "org:fr-dap",
                "org:us-inl",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { partnershipModality: { in: [MULTILATERAL, DIRECT_NATIONAL] } })",
            &["org:emi", "org:fm6", "org:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { partnershipScope: { eq: NATIONAL } })",
            &["org:emi", "org:fm6"],
        )
        .await;
        // Ids and agreement parties.
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ ids: {} }})",
                ids("Organisation", &["org:pri", "org:emi"])
            ),
            &["org:emi", "org:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ partyTo: {} }})",
                ids("Agreement", &["agr:emi-groundwater"])
            ),
            &["org:dgapr", "org:emi"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ partyTo: {} }})",
                ids("Agreement", &["agr:fm6-generic", "agr:bf-protocol"])
            ),
            &["org:bf-prisons", "org:dgapr", "org:fm6"],
        )
        .await;
        // Names in Arabic, French, English, and acronyms; ASCII case does not matter.
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "السجون" })"#,
            &["org:dgapr", "org:fr-dap", "org:us-inl"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "pénitentiaire" })"#,
            &["org:bf-prisons", "org:dgapr", "org:fr-dap", "org:us-inl"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "réinsertion" })"#,
            &["org:dgapr", "org:fm6"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "PENAL reform" })"#,
            &["org:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "dap" })"#,
            &["org:fr-dap"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "Micro-Finance" })"#,
            &["org:attawfiq"],
        )
        .await;
        // and / or / not.
        assert_list(
            &app,
            r,
            r#"(filter: { and: [{ countryIn: ["MA"] }, { not: { isHome: true } }] })"#,
            &["org:anapec", "org:attawfiq", "org:emi", "org:fm6"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { or: [{ partnershipModality: { eq: MULTILATERAL } }, { isHome: true }] })",
            &["org:dgapr", "org:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { not: { category: { in: [FOREIGN_ADMINISTRATION, PUBLIC_LAW_ENTITY] } } })",
            &["org:attawfiq", "org:emi", "org:fm6", "org:pri"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { countryIn: ["MA"], category: { eq: PUBLIC_LAW_ENTITY }, isHome: false })"#, &["org:anapec"]).await;
        assert_list(&app, r, "(filter: { or: [] })", &[]).await;
        assert_list(&app, r, "(filter: { and: [] })", &ORGS).await;

        // Orders on unique keys reverse exactly.
        assert_reversible_order(
            &app,
            r,
            "",
            "NAME_EN",
            &[
                "org:attawfiq",
                "org:be-justice",
                "org:bf-prisons",
                "org:fr-dap",
                "org:dgapr",
                "org:emi",
                "org:fm6",
                "org:anapec",
                "org:pri",
                "org:us-inl",
            ],
        )
        .await;
        assert_reversible_order(
            &app,
            r,
            "",
            "NAME_AR",
            &[
                "org:fr-dap",
                "org:bf-prisons",
                "org:attawfiq",
                "org:us-inl",
                "org:emi",
                "org:dgapr",
                "org:pri",
                "org:anapec",
                "org:fm6",
                "org:be-justice",
            ],
        )
        .await;
        // Ties are broken by id, ascending whatever the direction.
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: COUNTRY_CODE, direction: DESC }])",
            &[
                "org:us-inl",
                "org:anapec",
                "org:attawfiq",
                "org:dgapr",
                "org:emi",
                "org:fm6",
                "org:pri",
                "org:fr-dap",
                "org:bf-prisons",
                "org:be-justice",
            ],
        )
        .await;
        // Several keys: category, then English name descending.
        assert_list(
        &app,
        r,
        "(orderBy: [{ field: CATEGORY }, { field: NAME_EN, direction: DESC }], filter: { isHome: false })",
        &["org:emi", "org:us-inl", "org:fr-dap", "org:bf-prisons", "org:be-justice", "org:fm6", "org:pri", "org:attawfiq", "org:anapec"],
    )
    .await;

        // Pagination, plain, filtered and ordered.
        assert_pages(&app, r, "", &ORGS).await;
        assert_pages(
            &app,
            r,
            ", filter: { isHome: false }, orderBy: [{ field: NAME_EN, direction: DESC }]",
            &[
                "org:us-inl",
                "org:pri",
                "org:anapec",
                "org:fm6",
                "org:emi",
                "org:fr-dap",
                "org:bf-prisons",
                "org:be-justice",
                "org:attawfiq",
            ],
        )
        .await;
        assert_pages(&app, r, r#", filter: { nameContains: "zzz" }"#, &[]).await;
    }
);

backend_tests!(
    partnerships_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "partnerships";
        assert_list(&app, r, "", &PARTNERSHIPS).await;
        assert_list(
            &app,
            r,
            "(filter: { modality: { eq: BILATERAL } })",
            &["ps:be", "ps:bf", "ps:fr", "ps:us"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { modality: { in: [DIRECT_NATIONAL, MULTILATERAL] } })",
            &["ps:emi", "ps:fm6", "ps:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { scope: { eq: NATIONAL } })",
            &["ps:emi", "ps:fm6"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { eq: ACTIVE } })",
            &PARTNERSHIPS,
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { in: [DORMANT, ENDED] } })",
            &[],
        )
        .await;
        assert_list(&app, r, "(filter: { isStrategic: true })", &["ps:fm6"]).await;
        // Themes match whole tags: EXPERTISE_EXCHANGE is not a prefix match of anything else.
        assert_list(
            &app,
            r,
            "(filter: { themes: { eq: EXPERTISE_EXCHANGE } })",
            &["ps:bf", "ps:fr", "ps:us"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { themes: { in: [POST_CARE, PRISON_LABOUR_AGRICULTURE] } })",
            &["ps:emi", "ps:fm6"],
        )
        .await;
        assert_list(&app, r, "(filter: { themes: { eq: INFRASTRUCTURE } })", &[]).await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ partner: {} }})",
                ids("Organisation", &["org:pri", "org:emi"])
            ),
            &["ps:emi", "ps:pri"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { not: { scope: { eq: NATIONAL } } })",
            &["ps:be", "ps:bf", "ps:fr", "ps:pri", "ps:us"],
        )
        .await;
        assert_list(&app, r, "(filter: { and: [{ scope: { eq: INTERNATIONAL } }, { themes: { eq: CAPACITY_BUILDING } }] })", &["ps:be", "ps:bf", "ps:pri"]).await;
        assert_list(
            &app,
            r,
            "(filter: { or: [{ isStrategic: true }, { modality: { eq: MULTILATERAL } }] })",
            &["ps:fm6", "ps:pri"],
        )
        .await;

        // MODALITY sorts by code; ties stay in id order in both directions.
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: MODALITY }])",
            &[
                "ps:be", "ps:bf", "ps:fr", "ps:us", "ps:emi", "ps:fm6", "ps:pri",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: MODALITY, direction: DESC }])",
            &[
                "ps:pri", "ps:emi", "ps:fm6", "ps:be", "ps:bf", "ps:fr", "ps:us",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: SCOPE, direction: DESC }, { field: MODALITY, direction: DESC }])",
            &[
                "ps:emi", "ps:fm6", "ps:pri", "ps:be", "ps:bf", "ps:fr", "ps:us",
            ],
        )
        .await;

        assert_pages(&app, r, "", &PARTNERSHIPS).await;
        assert_pages(
            &app,
            r,
            ", orderBy: [{ field: MODALITY, direction: DESC }]",
            &[
                "ps:pri", "ps:emi", "ps:fm6", "ps:be", "ps:bf", "ps:fr", "ps:us",
            ],
        )
        .await;
        assert_pages(&app, r, ", filter: { isStrategic: true }", &["ps:fm6"]).await;
    }
);

backend_tests!(
    agreements_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "agreements";
        assert_list(&app, r, "", &AGREEMENTS).await;
        assert_list(
            &app,
            r,
            "(filter: { status: { eq: ACTIVE } })",
            &["agr:emi-groundwater", "agr:fm6-generic"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { in: [DRAFT, AGREED_PENDING_SIGNATURE] } })",
            &["agr:bf-protocol", "agr:fr-dap"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { agreementType: { eq: PARTNERSHIP_AGREEMENT } })",
            &["agr:emi-groundwater", "agr:fm6-generic"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { agreementType: { in: [COOPERATION_PROTOCOL, COOPERATION_AGREEMENT] } })",
            &["agr:bf-protocol", "agr:fr-dap"],
        )
        .await;
        // Parties and partnerships.
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ party: {} }})",
                ids("Organisation", &["org:emi"])
            ),
            &["agr:emi-groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ party: {} }})",
                ids("Organisation", &["org:dgapr"])
            ),
            &["agr:bf-protocol", "agr:emi-groundwater", "agr:fr-dap"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ party: {} }})",
                ids("Organisation", &["org:pri"])
            ),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ partnership: {} }})",
                ids("Partnership", &["ps:fr", "ps:fm6"])
            ),
            &["agr:fm6-generic", "agr:fr-dap"],
        )
        .await;
        // Titles in Arabic, French and English.
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "بروتوكول" })"#,
            &["agr:bf-protocol"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "اتفاقية" })"#,
            &["agr:emi-groundwater", "agr:fr-dap"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "convention" })"#,
            &["agr:emi-groundwater", "agr:fm6-generic", "agr:fr-dap"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "DRAFT" })"#,
            &["agr:bf-protocol", "agr:fr-dap"],
        )
        .await;
        // Dates: the demo agreements have none, so every range keeps nothing.
        assert_list(&app, r, r#"(filter: { signedOn: { from: "1900" } })"#, &[]).await;
        assert_list(
            &app,
            r,
            r#"(filter: { effectiveTo: { to: "2100-12-31" } })"#,
            &[],
        )
        .await;
        assert_list(&app, r, "(filter: { expiringWithinDays: 36500 })", &[]).await;
        // and / or / not.
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ and: [{{ party: {} }}, {{ not: {{ status: {{ eq: DRAFT }} }} }}] }})",
                ids("Organisation", &["org:dgapr"])
            ),
            &["agr:emi-groundwater", "agr:fr-dap"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { or: [{ titleContains: "Burkina" }, { status: { eq: AGREED_PENDING_SIGNATURE } }] })"#, &["agr:bf-protocol", "agr:fr-dap"]).await;

        assert_reversible_order(
            &app,
            r,
            "",
            "TITLE_FR",
            &[
                "agr:emi-groundwater",
                "agr:fm6-generic",
                "agr:fr-dap",
                "agr:bf-protocol",
            ],
        )
        .await;
        // Status codes sort as text: ACTIVE < AGREED_PENDING_SIGNATURE < DRAFT.
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: STATUS }])",
            &[
                "agr:emi-groundwater",
                "agr:fm6-generic",
                "agr:fr-dap",
                "agr:bf-protocol",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: STATUS, direction: DESC }])",
            &[
                "agr:bf-protocol",
                "agr:fr-dap",
                "agr:emi-groundwater",
                "agr:fm6-generic",
            ],
        )
        .await;

        assert_pages(&app, r, "", &AGREEMENTS).await;
        assert_pages(
            &app,
            r,
            ", orderBy: [{ field: TITLE_FR, direction: DESC }]",
            &[
                "agr:bf-protocol",
                "agr:fr-dap",
                "agr:fm6-generic",
                "agr:emi-groundwater",
            ],
        )
        .await;
    }
);

backend_tests!(
    agreement_date_ranges_are_inclusive,
    Data::Empty,
    |app: TestApp| async move {
        // The demo agreements carry no dates; synthetic ones have a signature year and an end date.
        seed::synthetic(
            app.store(),
            SyntheticSize {
                partners: 10,
                agreements_per_partner: 3,
                projects_per_agreement: 0,
                seed: 42,
            },
        )
        .await
        .expect("synthetic seed");
        let data = app
            .data(
                "{ agreements(first: 500) { totalCount nodes { localId signedOn effectiveTo } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["agreements"]["totalCount"], json!(30));
        let all: Vec<(String, i64, String)> = data["agreements"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                let signed = n["signedOn"]
                    .as_str()
                    .expect("signedOn")
                    .parse()
                    .expect("a year");
                (
                    n["localId"].as_str().expect("id").to_owned(),
                    signed,
                    n["effectiveTo"].as_str().expect("effectiveTo").to_owned(),
                )
            })
            .collect();
        let expect = |keep: &dyn Fn(&(String, i64, String)) -> bool| -> Vec<String> {
            let mut v: Vec<String> = all
                .iter()
                .filter(|a| keep(a))
                .map(|a| a.0.clone())
                .collect();
            v.sort();
            v
        };
        let ranges = [(2012, 2014), (2016, 2016), (2010, 2025), (2030, 2040)];
        for (from, to) in ranges {
            let found = list(
                &app,
                "agreements",
                &format!(
                    "(first: 500, filter: {{ signedOn: {{ from: \"{from}\", to: \"{to}\" }} }})"
                ),
            )
            .await;
            assert_eq!(
                found,
                expect(&|a| a.1 >= from && a.1 <= to),
                "signedOn {from}..={to}"
            );
        }
        let found = list(
            &app,
            "agreements",
            "(first: 500, filter: { signedOn: { to: \"2015\" } })",
        )
        .await;
        assert_eq!(found, expect(&|a| a.1 <= 2015), "signedOn ..=2015");
        let found = list(
            &app,
            "agreements",
            "(first: 500, filter: { effectiveTo: { from: \"2018-12-31\", to: \"2021-06\" } })",
        )
        .await;
        assert_eq!(
            found,
            expect(&|a| a.2.as_str() >= "2018-12-31" && a.2.as_str() <= "2021-06-30"),
            "effectiveTo range"
        );
        let found = list(
            &app,
            "agreements",
            "(first: 500, filter: { not: { signedOn: { from: \"2016\" } } })",
        )
        .await;
        assert_eq!(found, expect(&|a| a.1 < 2016), "not signedOn 2016..");
        // SIGNED_ON orders by year; ties by id. Descending is the reverse of ascending, except ties.
        let asc = list(
            &app,
            "agreements",
            "(first: 500, orderBy: [{ field: SIGNED_ON }])",
        )
        .await;
        let mut sorted = all.clone();
        sorted.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        assert_eq!(asc, sorted.iter().map(|a| a.0.clone()).collect::<Vec<_>>());
        let desc = list(
            &app,
            "agreements",
            "(first: 500, orderBy: [{ field: SIGNED_ON, direction: DESC }])",
        )
        .await;
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        assert_eq!(desc, sorted.iter().map(|a| a.0.clone()).collect::<Vec<_>>());
    }
);

backend_tests!(
    projects_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "projects";
        let fm6 = [
            "prj:fm6-alert",
            "prj:fm6-education",
            "prj:fm6-humanisation",
            "prj:fm6-postcare",
        ];
        assert_list(&app, r, "", &PROJECTS).await;
        assert_list(
            &app,
            r,
            "(filter: { status: { eq: CLOSED } })",
            &["prj:be-capacity"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { in: [IMPLEMENTATION] } })",
            &PROJECTS[1..],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { in: [PIPELINE, SUSPENDED] } })",
            &[],
        )
        .await;
        // Places.
        assert_list(
            &app,
            r,
            &format!("(filter: {{ region: {} }})", ids("Region", &["MA-04"])),
            &["prj:fm6-postcare", "prj:groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!("(filter: {{ region: {} }})", ids("Region", &["MA-05"])),
            &["prj:groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!("(filter: {{ region: {} }})", ids("Region", &["MA-12"])),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!("(filter: {{ site: {} }})", ids("Site", &["site:capc-fes"])),
            &["prj:fm6-postcare"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ site: {} }})",
                ids("Site", &["site:rommani", "site:capc-sale"])
            ),
            &["prj:fm6-postcare", "prj:groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!("(filter: {{ site: {} }})", ids("Site", &["site:hq"])),
            &[],
        )
        .await;
        // Participants, agreements, sectors.
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ participant: {} }})",
                ids("Organisation", &["org:anapec"])
            ),
            &["prj:fm6-postcare"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ participant: {} }})",
                ids("Organisation", &["org:fm6"])
            ),
            &fm6,
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ participant: {} }})",
                ids("Organisation", &["org:dgapr"])
            ),
            &[
                "prj:be-capacity",
                "prj:fm6-education",
                "prj:fm6-humanisation",
                "prj:fm6-postcare",
                "prj:groundwater",
                "prj:pri-cooperation",
                "prj:us-exchange",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ agreement: {} }})",
                ids("Agreement", &["agr:fm6-generic"])
            ),
            &fm6,
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ agreement: {} }})",
                ids("Agreement", &["agr:fr-dap"])
            ),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { sectorIn: ["15160"] })"#,
            &["prj:fm6-alert", "prj:pri-cooperation"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { sectorIn: ["31140", "16020"] })"#,
            &["prj:fm6-postcare", "prj:groundwater"],
        )
        .await;
        assert_eq!(
            list(&app, r, r#"(filter: { sectorIn: ["15137"] })"#).await,
            PROJECTS,
            "every project is in 15137 (prisons)"
        );
        // Titles.
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "الرعاية اللاحقة" })"#,
            &["prj:fm6-postcare"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "السجناء" })"#,
            &["prj:fm6-education", "prj:groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "détenus" })"#,
            &["prj:fm6-education", "prj:groundwater"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "penal reform" })"#,
            &["prj:pri-cooperation"],
        )
        .await;
        // Dates: none in the demo.
        assert_list(
            &app,
            r,
            r#"(filter: { actualStart: { from: "1900", to: "2100" } })"#,
            &[],
        )
        .await;
        // and / or / not.
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ and: [{{ region: {} }}, {{ not: {{ site: {} }} }}] }})",
                ids("Region", &["MA-06"]),
                ids("Site", &["site:el-adir"])
            ),
            &["prj:fm6-postcare"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ or: [{{ status: {{ eq: CLOSED }} }}, {{ participant: {} }}] }})",
                ids("Organisation", &["org:pri"])
            ),
            &["prj:be-capacity", "prj:pri-cooperation"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ not: {{ participant: {} }} }})",
                ids("Organisation", &["org:dgapr"])
            ),
            &["prj:fm6-alert"],
        )
        .await;

        assert_reversible_order(
            &app,
            r,
            "",
            "TITLE_FR",
            &[
                "prj:pri-cooperation",
                "prj:be-capacity",
                "prj:fm6-humanisation",
                "prj:fm6-education",
                "prj:groundwater",
                "prj:fm6-alert",
                "prj:fm6-postcare",
                "prj:us-exchange",
            ],
        )
        .await;
        // STATUS sorts by IATI code (2 before 4); ties by id.
        let mut by_status: Vec<&str> = PROJECTS[1..].to_vec();
        by_status.push("prj:be-capacity");
        assert_list(&app, r, "(orderBy: [{ field: STATUS }])", &by_status).await;
        assert_list(
            &app,
            r,
            "(orderBy: [{ field: STATUS, direction: DESC }])",
            &PROJECTS,
        )
        .await;

        assert_pages(&app, r, "", &PROJECTS).await;
        assert_pages(
            &app,
            r,
            &format!(
                ", filter: {{ participant: {} }}",
                ids("Organisation", &["org:fm6"])
            ),
            &fm6,
        )
        .await;
        assert_pages(&app, r, ", orderBy: [{ field: STATUS }]", &by_status).await;
    }
);

backend_tests!(
    training_sessions_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "trainingSessions";
        assert_list(&app, r, "", &SESSIONS).await;
        assert_list(&app, r, "(filter: { audience: { eq: STAFF } })", &SESSIONS).await;
        assert_list(
            &app,
            r,
            "(filter: { audience: { in: [PRISONERS_ADULT, FAMILIES] } })",
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { status: { eq: DELIVERED } })",
            &SESSIONS,
        )
        .await;
        assert_list(&app, r, "(filter: { status: { eq: PLANNED } })", &[]).await;
        assert_list(
            &app,
            r,
            "(filter: { topics: { eq: HR_MANAGEMENT } })",
            &["trn:be-2"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { topics: { in: [JUDICIAL_REGISTRY_OR_CONTROL, BUDGET_MANAGEMENT] } })",
            &["trn:be-1", "trn:be-3"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ provider: {} }})",
                ids("Organisation", &["org:be-justice"])
            ),
            &SESSIONS,
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ provider: {} }})",
                ids("Organisation", &["org:dgapr"])
            ),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ project: {} }})",
                ids("Project", &["prj:be-capacity"])
            ),
            &SESSIONS,
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ project: {} }})",
                ids("Project", &["prj:groundwater"])
            ),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "الموارد البشرية" })"#,
            &["trn:be-2"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "budgétaire" })"#,
            &["trn:be-3"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "JUDICIAL" })"#,
            &["trn:be-1"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { startDate: { from: "1900" } })"#, &[]).await;
        assert_list(
            &app,
            r,
            "(filter: { not: { topics: { eq: HR_MANAGEMENT } } })",
            &["trn:be-1", "trn:be-3"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { or: [{ titleContains: "budgétaire" }, { titleContains: "الضبط القضائي" }] })"#, &["trn:be-1", "trn:be-3"]).await;
        assert_list(
            &app,
            r,
            r#"(filter: { and: [{ status: { eq: DELIVERED } }, { titleContains: "humaines" }] })"#,
            &["trn:be-2"],
        )
        .await;

        assert_reversible_order(&app, r, "", "CYCLE_NUMBER", &SESSIONS).await;
        assert_reversible_order(
            &app,
            r,
            "",
            "TITLE_FR",
            &["trn:be-3", "trn:be-2", "trn:be-1"],
        )
        .await;

        assert_pages(&app, r, "", &SESSIONS).await;
        assert_pages(
            &app,
            r,
            ", orderBy: [{ field: CYCLE_NUMBER, direction: DESC }]",
            &["trn:be-3", "trn:be-2", "trn:be-1"],
        )
        .await;
    }
);

backend_tests!(
    exchange_visits_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "exchangeVisits";
        assert_list(&app, r, "", &VISITS).await;
        assert_list(
            &app,
            r,
            "(filter: { direction: { eq: INBOUND } })",
            &["vis:us-to-ma"],
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { direction: { in: [OUTBOUND] } })",
            &["vis:ma-to-us"],
        )
        .await;
        assert_list(&app, r, "(filter: { status: { eq: COMPLETED } })", &VISITS).await;
        assert_list(
            &app,
            r,
            "(filter: { status: { in: [PROPOSED, CANCELLED] } })",
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { countryIn: ["us"] })"#,
            &["vis:ma-to-us"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { countryIn: ["MA", "US"] })"#, &VISITS).await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "بالولايات المتحدة" })"#,
            &["vis:ma-to-us"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "marocains" })"#,
            &VISITS,
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { titleContains: "dans des établissements pénitentiaires marocains" })"#,
            &["vis:us-to-ma"],
        )
        .await;
        assert_list(&app, r, r#"(filter: { startDate: { to: "2100" } })"#, &[]).await;
        assert_list(
            &app,
            r,
            "(filter: { not: { direction: { eq: INBOUND } } })",
            &["vis:ma-to-us"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { and: [{ status: { eq: COMPLETED } }, { countryIn: ["MA"] }] })"#,
            &["vis:us-to-ma"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { or: [{ countryIn: ["FR"] }, { direction: { eq: OUTBOUND } }] })"#,
            &["vis:ma-to-us"],
        )
        .await;

        assert_reversible_order(
            &app,
            r,
            "",
            "COUNTRY_CODE",
            &["vis:us-to-ma", "vis:ma-to-us"],
        )
        .await;

        assert_pages(&app, r, "", &VISITS).await;
        assert_pages(
            &app,
            r,
            ", orderBy: [{ field: COUNTRY_CODE, direction: DESC }]",
            &VISITS,
        )
        .await;
    }
);

backend_tests!(
    sites_filter_order_paginate,
    Data::Demo,
    |app: TestApp| async move {
        let r = "sites";
        assert_list(&app, r, "", &SITES).await;
        assert_list(
            &app,
            r,
            "(filter: { siteType: { eq: AGRICULTURAL_PRISON } })",
            &AGRICULTURAL_PRISONS,
        )
        .await;
        assert_list(
            &app,
            r,
            "(filter: { siteType: { in: [HEADQUARTERS, TRAINING_CENTRE] } })",
            &["site:cnfc-tiflet", "site:hq"],
        )
        .await;
        assert_eq!(
            list(
                &app,
                r,
                "(filter: { siteType: { eq: REGIONAL_DIRECTORATE } })"
            )
            .await
            .len(),
            7
        );
        assert_list(
            &app,
            r,
            "(filter: { status: { eq: UNDER_CONSTRUCTION } })",
            &["site:capc-oujda"],
        )
        .await;
        assert_eq!(
            list(&app, r, "(filter: { status: { eq: OPERATIONAL } })")
                .await
                .len(),
            20
        );
        assert_list(
            &app,
            r,
            &format!("(filter: {{ region: {} }})", ids("Region", &["MA-04"])),
            &[
                "site:capc-sale",
                "site:cnfc-tiflet",
                "site:dr-rabat-sale-kenitra",
                "site:hq",
                "site:outita-1",
                "site:outita-2",
                "site:rommani",
            ],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ region: {} }})",
                ids("Region", &["MA-10", "MA-12"])
            ),
            &[],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ operator: {} }})",
                ids("Organisation", &["org:fm6"])
            ),
            &POST_CARE_CENTRES,
        )
        .await;
        // Names in Arabic and French, and cities.
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "الفلاحي" })"#,
            &AGRICULTURAL_PRISONS,
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "post-carcéral" })"#,
            &POST_CARE_CENTRES,
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "outita" })"#,
            &["site:outita-1", "site:outita-2"],
        )
        .await;
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "Tiflet" })"#,
            &["site:cnfc-tiflet"],
        )
        .await;
        // The headquarters' names do not say Rabat, its city does.
        assert_list(
            &app,
            r,
            r#"(filter: { nameContains: "rabat" })"#,
            &["site:dr-rabat-sale-kenitra", "site:hq"],
        )
        .await;
        assert_list(
            &app,
            r,
            &format!(
                "(filter: {{ and: [{{ operator: {} }}, {{ not: {{ region: {} }} }}] }})",
                ids("Organisation", &["org:fm6"]),
                ids("Region", &["MA-04", "MA-06"])
            ),
            &[
                "site:capc-agadir",
                "site:capc-fes",
                "site:capc-oujda",
                "site:capc-tanger",
            ],
        )
        .await;
        assert_list(&app, r, "(filter: { or: [{ siteType: { eq: HEADQUARTERS } }, { status: { eq: UNDER_CONSTRUCTION } }] })", &["site:capc-oujda", "site:hq"]).await;

        // REGION sorts by ISO code; ties by id in both directions.
        let by_region = [
            "site:capc-tanger",
            "site:capc-oujda",
            "site:capc-fes",
            "site:capc-sale",
            "site:cnfc-tiflet",
            "site:dr-rabat-sale-kenitra",
            "site:hq",
            "site:outita-1",
            "site:outita-2",
            "site:rommani",
            "site:dr-beni-mellal-khenifra",
            "site:fkih-ben-salah",
            "site:ali-moumen",
            "site:capc-casablanca",
            "site:dr-casablanca-settat",
            "site:el-adir",
            "site:dr-marrakech-safi",
            "site:dr-draa-tafilalet",
            "site:capc-agadir",
            "site:dr-souss-massa",
            "site:dr-laayoune-sakia-el-hamra",
        ];
        assert_list(&app, r, "(orderBy: [{ field: REGION }])", &by_region).await;
        assert_list(
            &app,
            r,
            &format!(
                "(orderBy: [{{ field: REGION, direction: DESC }}], filter: {{ operator: {} }})",
                ids("Organisation", &["org:fm6"])
            ),
            &[
                "site:capc-agadir",
                "site:capc-casablanca",
                "site:capc-sale",
                "site:capc-fes",
                "site:capc-oujda",
                "site:capc-tanger",
            ],
        )
        .await;
        // French names of the regional directorates differ after a shared prefix, in any collation.
        let directorates = [
            "site:dr-beni-mellal-khenifra",
            "site:dr-casablanca-settat",
            "site:dr-draa-tafilalet",
            "site:dr-laayoune-sakia-el-hamra",
            "site:dr-marrakech-safi",
            "site:dr-rabat-sale-kenitra",
            "site:dr-souss-massa",
        ];
        assert_reversible_order(
            &app,
            r,
            "filter: { siteType: { eq: REGIONAL_DIRECTORATE } }, ",
            "NAME_FR",
            &directorates,
        )
        .await;

        assert_pages(&app, r, "", &SITES).await;
        let mut descending = directorates;
        descending.reverse();
        assert_pages(
        &app,
        r,
        ", filter: { siteType: { eq: REGIONAL_DIRECTORATE } }, orderBy: [{ field: NAME_FR, direction: DESC }]",
        &descending,
    )
    .await;
    }
);

backend_tests!(
    sorting_on_a_nullable_field_keeps_nulls_together,
    Data::Demo,
    |app: TestApp| async move {
        // Three organisations have a founding date (PRI 1989, FM6 2002-01-16, DGAPR 2008); the other
        // seven have none. Dated ones sort chronologically; the undated ones stay together, by id.
        let undated = [
            "org:anapec",
            "org:attawfiq",
            "org:be-justice",
            "org:bf-prisons",
            "org:emi",
            "org:fr-dap",
            "org:us-inl",
        ];
        for (direction, dated) in [
            ("ASC", ["org:pri", "org:fm6", "org:dgapr"]),
            ("DESC", ["org:dgapr", "org:fm6", "org:pri"]),
        ] {
            let found = list(
                &app,
                "organisations",
                &format!("(orderBy: [{{ field: FOUNDED_ON, direction: {direction} }}])"),
            )
            .await;
            let nulls_first: Vec<&str> = undated.iter().chain(dated.iter()).copied().collect();
            let nulls_last: Vec<&str> = dated.iter().chain(undated.iter()).copied().collect();
            assert!(
                found == nulls_first || found == nulls_last,
                "FOUNDED_ON {direction}: {found:?}"
            );
        }
    }
);

backend_tests!(
    like_wildcards_match_only_themselves,
    Data::Demo,
    |app: TestApp| async move {
        // No demo name or title holds `%`, `_` or `\`: escaped, they match nothing.
        let filters = [
            ("organisations", "nameContains"),
            ("regions", "nameContains"),
            ("sites", "nameContains"),
            ("agreements", "titleContains"),
            ("projects", "titleContains"),
            ("trainingSessions", "titleContains"),
            ("exchangeVisits", "titleContains"),
        ];
        for (root, field) in filters {
            for text in ["%", "_", "%%", "_%_", "\\\\", "\\\\%", "Rabat%", "R_bat"] {
                assert_list(
                    &app,
                    root,
                    &format!("(filter: {{ {field}: \"{text}\" }})"),
                    &[],
                )
                .await;
            }
        }
        // Controls: the same filters find real text, and an empty text keeps everything.
        assert_list(
            &app,
            "sites",
            r#"(filter: { nameContains: "Rabat" })"#,
            &["site:dr-rabat-sale-kenitra", "site:hq"],
        )
        .await;
        assert_list(
            &app,
            "organisations",
            r#"(filter: { nameContains: "Micro-Finance" })"#,
            &["org:attawfiq"],
        )
        .await;
        assert_list(
            &app,
            "organisations",
            r#"(filter: { nameContains: "" })"#,
            &ORGS,
        )
        .await;
        assert_list(
            &app,
            "projects",
            r#"(filter: { titleContains: "(locaux, équipements" })"#,
            &["prj:fm6-humanisation"],
        )
        .await;
    }
);

backend_tests!(
    include_archived_lists_the_same_when_nothing_is_archived,
    Data::Demo,
    |app: TestApp| async move {
        let data = app
        .data(
            "{
              o1: organisations { totalCount } o2: organisations(includeArchived: true) { totalCount }
              p1: partnerships { totalCount } p2: partnerships(includeArchived: true) { totalCount }
              a1: agreements { totalCount } a2: agreements(includeArchived: true) { totalCount }
              j1: projects { totalCount } j2: projects(includeArchived: true) { totalCount }
              t1: trainingSessions { totalCount } t2: trainingSessions(includeArchived: true) { totalCount }
              v1: exchangeVisits { totalCount } v2: exchangeVisits(includeArchived: true) { totalCount }
              s1: sites { totalCount } s2: sites(includeArchived: false) { totalCount } s3: sites(includeArchived: true) { totalCount }
              r: regions { totalCount }
            }",
            json!({}),
        )
        .await;
        for (alias, count) in [
            ("o", 10),
            ("p", 7),
            ("a", 4),
            ("j", 8),
            ("t", 3),
            ("v", 2),
            ("s", 21),
        ] {
            assert_eq!(
                data[format!("{alias}1")]["totalCount"],
                json!(count),
                "{alias} without includeArchived"
            );
            assert_eq!(
                data[format!("{alias}2")]["totalCount"],
                json!(count),
                "{alias} with includeArchived"
            );
        }
        assert_eq!(data["s3"]["totalCount"], json!(21));
        assert_eq!(data["r"]["totalCount"], json!(12));
        // Regions are never archived: the argument does not exist there.
        let response = app
            .query(
                "{ regions(includeArchived: true) { totalCount } }",
                json!({}),
            )
            .await;
        assert!(
            response.get("errors").is_some(),
            "regions take no includeArchived: {response}"
        );
    }
);

// ---------------------------------------------------------------------------------------------
// Relations, both directions
// ---------------------------------------------------------------------------------------------

backend_tests!(
    organisation_partnerships_and_partners,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($fm6: ID!, $dgapr: ID!) {
      fm6: node(id: $fm6) { ... on Organisation {
        partnerships { totalCount nodes { localId isStrategic partner { localId } home { localId }
          agreements { nodes { localId } } } }
        homePartnerships { totalCount }
      } }
      dgapr: node(id: $dgapr) { ... on Organisation {
        partnerships { totalCount }
        homePartnerships { totalCount nodes { localId partner { localId partnerships { nodes { localId } } } } }
      } }
      partnerships(filter: { modality: { eq: BILATERAL } }) { nodes { localId partner { localId countryCode } } }
    }";
        let vars = json!({ "fm6": global_id("Organisation", "org:fm6"), "dgapr": global_id("Organisation", "org:dgapr") });
        let data = app.data(query, vars).await;
        assert_eq!(
            data["fm6"]["partnerships"],
            json!({ "totalCount": 1, "nodes": [{ "localId": "ps:fm6", "isStrategic": true, "partner": { "localId": "org:fm6" },
            "home": { "localId": "org:dgapr" }, "agreements": { "nodes": [{ "localId": "agr:fm6-generic" }] } }] })
        );
        assert_eq!(data["fm6"]["homePartnerships"]["totalCount"], json!(0));
        // DGAPR is never a partner: it holds all seven partnerships as the home organisation, and
        // each partner's partnerships lead back to the same partnership.
        assert_eq!(data["dgapr"]["partnerships"]["totalCount"], json!(0));
        assert_eq!(data["dgapr"]["homePartnerships"]["totalCount"], json!(7));
        let home = data["dgapr"]["homePartnerships"]["nodes"]
            .as_array()
            .expect("nodes");
        let partners = [
            "org:be-justice",
            "org:bf-prisons",
            "org:emi",
            "org:fm6",
            "org:fr-dap",
            "org:pri",
            "org:us-inl",
        ];
        assert_eq!(home.len(), 7);
        for ((partnership, expected_id), expected_partner) in
            home.iter().zip(PARTNERSHIPS).zip(partners)
        {
            assert_eq!(partnership["localId"], json!(expected_id));
            assert_eq!(partnership["partner"]["localId"], json!(expected_partner));
            assert_eq!(
                partnership["partner"]["partnerships"]["nodes"],
                json!([{ "localId": expected_id }])
            );
        }
        assert_eq!(
            data["partnerships"]["nodes"],
            json!([
                { "localId": "ps:be", "partner": { "localId": "org:be-justice", "countryCode": "BE" } },
                { "localId": "ps:bf", "partner": { "localId": "org:bf-prisons", "countryCode": "BF" } },
                { "localId": "ps:fr", "partner": { "localId": "org:fr-dap", "countryCode": "FR" } },
                { "localId": "ps:us", "partner": { "localId": "org:us-inl", "countryCode": "US" } },
            ])
        );
    }
);

backend_tests!(
    agreement_parties_and_partnerships,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($agr: ID!, $emi: ID!, $dgapr: ID!) {
      agr: node(id: $agr) { ... on Agreement {
        partnerships { nodes { localId partner { localId } agreements { nodes { localId } } } }
        parties { totalCount nodes { id role organisation { localId
          agreementParties { totalCount nodes { role agreement { localId } } } } agreement { localId } } }
      } }
      emi: node(id: $emi) { ... on Organisation { agreementParties { totalCount nodes { role agreement { localId } } } } }
      dgapr: node(id: $dgapr) { ... on Organisation { agreementParties { totalCount nodes { role agreement { localId } } } } }
    }";
        let vars = json!({
            "agr": global_id("Agreement", "agr:emi-groundwater"),
            "emi": global_id("Organisation", "org:emi"),
            "dgapr": global_id("Organisation", "org:dgapr"),
        });
        let data = app.data(query, vars).await;
        let agr = &data["agr"];
        assert_eq!(
            agr["partnerships"]["nodes"],
            json!([{ "localId": "ps:emi", "partner": { "localId": "org:emi" }, "agreements": { "nodes": [{ "localId": "agr:emi-groundwater" }] } }])
        );
        // Three places: DGAPR signs; EMI signs and is the technical partner.
        let parties = &agr["parties"];
        assert_eq!(parties["totalCount"], json!(3));
        let expected = [
            ("pty:emi-groundwater:dgapr", "SIGNATORY", "org:dgapr"),
            ("pty:emi-groundwater:emi", "SIGNATORY", "org:emi"),
            (
                "pty:emi-groundwater:emi:technical-partner",
                "TECHNICAL_PARTNER",
                "org:emi",
            ),
        ];
        for (party, (id, role, org)) in parties["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .zip(expected)
        {
            assert_eq!(party["id"], json!(global_id("AgreementParty", id)));
            assert_eq!(party["role"], json!(role));
            assert_eq!(party["organisation"]["localId"], json!(org));
            assert_eq!(party["agreement"]["localId"], json!("agr:emi-groundwater"));
        }
        // Back from the organisation: every place it holds, in any agreement.
        let emi_places = json!({ "totalCount": 2, "nodes": [
        { "role": "SIGNATORY", "agreement": { "localId": "agr:emi-groundwater" } },
        { "role": "TECHNICAL_PARTNER", "agreement": { "localId": "agr:emi-groundwater" } },
    ] });
        assert_eq!(
            parties["nodes"][1]["organisation"]["agreementParties"],
            emi_places
        );
        assert_eq!(data["emi"]["agreementParties"], emi_places);
        let dgapr_places = json!({ "totalCount": 3, "nodes": [
        { "role": "SIGNATORY", "agreement": { "localId": "agr:bf-protocol" } },
        { "role": "SIGNATORY", "agreement": { "localId": "agr:emi-groundwater" } },
        { "role": "SIGNATORY", "agreement": { "localId": "agr:fr-dap" } },
    ] });
        assert_eq!(
            parties["nodes"][0]["organisation"]["agreementParties"],
            dgapr_places
        );
        assert_eq!(data["dgapr"]["agreementParties"], dgapr_places);
    }
);

backend_tests!(
    agreement_commitments_and_their_parties,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($agr: ID!, $emi: ID!, $dgapr: ID!) {
      agr: node(id: $agr) { ... on Agreement { commitments { totalCount nodes { id kind status party { localId } agreement { localId }
        description { fr } } } } }
      emi: node(id: $emi) { ... on Organisation { commitments { totalCount nodes { kind } } } }
      dgapr: node(id: $dgapr) { ... on Organisation { commitments { totalCount nodes { kind } } } }
      others: agreements(filter: { status: { in: [DRAFT, AGREED_PENDING_SIGNATURE] } }) { nodes { localId commitments { totalCount } } }
    }";
        let vars = json!({
            "agr": global_id("Agreement", "agr:emi-groundwater"),
            "emi": global_id("Organisation", "org:emi"),
            "dgapr": global_id("Organisation", "org:dgapr"),
        });
        let data = app.data(query, vars).await;
        let commitments = &data["agr"]["commitments"];
        assert_eq!(commitments["totalCount"], json!(7));
        let expected = [
            ("STUDIES", "org:emi"),
            ("EXPERTISE", "org:emi"),
            ("FACILITY_ACCESS", "org:dgapr"),
            ("WORKS", "org:dgapr"),
            ("COORDINATION", "org:dgapr"),
            ("REPORTING", "org:emi"),
            ("REPORTING", "org:dgapr"),
        ];
        let nodes = commitments["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 7);
        for (i, (commitment, (kind, party))) in nodes.iter().zip(expected).enumerate() {
            assert_eq!(
                commitment["id"],
                json!(global_id(
                    "Commitment",
                    &format!("cmt:emi-groundwater:{}", i + 1)
                ))
            );
            assert_eq!(commitment["kind"], json!(kind));
            assert_eq!(commitment["status"], json!("PLANNED"));
            assert_eq!(commitment["party"]["localId"], json!(party));
            assert_eq!(
                commitment["agreement"]["localId"],
                json!("agr:emi-groundwater")
            );
        }
        assert_eq!(
            nodes[3]["description"]["fr"],
            json!("Forage et équipement des puits (exemple illustratif)")
        );
        assert_eq!(
            data["emi"]["commitments"],
            json!({ "totalCount": 3, "nodes": [{ "kind": "STUDIES" }, { "kind": "EXPERTISE" }, { "kind": "REPORTING" }] })
        );
        assert_eq!(
            data["dgapr"]["commitments"],
            json!({ "totalCount": 4, "nodes": [{ "kind": "FACILITY_ACCESS" }, { "kind": "WORKS" }, { "kind": "COORDINATION" }, { "kind": "REPORTING" }] })
        );
        assert_eq!(
            data["others"]["nodes"],
            json!([{ "localId": "agr:bf-protocol", "commitments": { "totalCount": 0 } }, { "localId": "agr:fr-dap", "commitments": { "totalCount": 0 } }])
        );
    }
);

backend_tests!(
    projects_and_agreements_both_ways,
    Data::Demo,
    |app: TestApp| async move {
        let data = app
        .data(
            "{ projects { nodes { localId agreements { totalCount nodes { localId projects { totalCount nodes { localId } } } } } }
               agreements { nodes { localId projects { totalCount nodes { localId } } } } }",
            json!({}),
        )
        .await;
        let fm6 = json!({ "totalCount": 4, "nodes": [
        { "localId": "prj:fm6-alert" }, { "localId": "prj:fm6-education" },
        { "localId": "prj:fm6-humanisation" }, { "localId": "prj:fm6-postcare" },
    ] });
        let groundwater = json!({ "totalCount": 1, "nodes": [{ "localId": "prj:groundwater" }] });
        let none = json!({ "totalCount": 0, "nodes": [] });
        assert_eq!(
            data["agreements"]["nodes"],
            json!([
                { "localId": "agr:bf-protocol", "projects": none },
                { "localId": "agr:emi-groundwater", "projects": groundwater },
                { "localId": "agr:fm6-generic", "projects": fm6 },
                { "localId": "agr:fr-dap", "projects": none },
            ])
        );
        for project in data["projects"]["nodes"].as_array().expect("nodes") {
            let id = project["localId"].as_str().expect("id");
            let agreements = &project["agreements"];
            match id {
                "prj:groundwater" => {
                    assert_eq!(
                        agreements,
                        &json!({ "totalCount": 1, "nodes": [{ "localId": "agr:emi-groundwater", "projects": groundwater }] })
                    );
                }
                _ if id.starts_with("prj:fm6-") => {
                    assert_eq!(
                        agreements,
                        &json!({ "totalCount": 1, "nodes": [{ "localId": "agr:fm6-generic", "projects": fm6 }] }),
                        "{id}"
                    );
                }
                _ => assert_eq!(agreements, &none, "{id}"),
            }
        }
    }
);

backend_tests!(
    project_participants_and_participations,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($prj: ID!, $dgapr: ID!) {
      prj: node(id: $prj) { ... on Project { participants { totalCount nodes { role roleCode project { localId }
        organisation { localId participations { totalCount nodes { role project { localId } } } } } } } }
      dgapr: node(id: $dgapr) { ... on Organisation { participations { totalCount nodes { role roleCode project { localId } } } } }
    }";
        let vars = json!({ "prj": global_id("Project", "prj:fm6-postcare"), "dgapr": global_id("Organisation", "org:dgapr") });
        let data = app.data(query, vars).await;
        let participants = &data["prj"]["participants"];
        assert_eq!(participants["totalCount"], json!(5));
        let expected = [
            ("org:anapec", "IMPLEMENTING", 4),
            ("org:attawfiq", "IMPLEMENTING", 4),
            ("org:dgapr", "ACCOUNTABLE", 2),
            ("org:fm6", "FUNDING", 1),
            ("org:fm6", "IMPLEMENTING", 4),
        ];
        let nodes = participants["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 5);
        for (node, (org, role, code)) in nodes.iter().zip(expected) {
            assert_eq!(node["organisation"]["localId"], json!(org));
            assert_eq!(node["role"], json!(role));
            assert_eq!(node["roleCode"], json!(code));
            assert_eq!(node["project"]["localId"], json!("prj:fm6-postcare"));
        }
        // Back from the organisations.
        assert_eq!(
            nodes[0]["organisation"]["participations"],
            json!({ "totalCount": 1, "nodes": [{ "role": "IMPLEMENTING", "project": { "localId": "prj:fm6-postcare" } }] })
        );
        assert_eq!(
            nodes[3]["organisation"]["participations"],
            json!({ "totalCount": 7, "nodes": [
            { "role": "IMPLEMENTING", "project": { "localId": "prj:fm6-alert" } },
            { "role": "FUNDING", "project": { "localId": "prj:fm6-education" } },
            { "role": "IMPLEMENTING", "project": { "localId": "prj:fm6-education" } },
            { "role": "FUNDING", "project": { "localId": "prj:fm6-humanisation" } },
            { "role": "IMPLEMENTING", "project": { "localId": "prj:fm6-humanisation" } },
            { "role": "FUNDING", "project": { "localId": "prj:fm6-postcare" } },
            { "role": "IMPLEMENTING", "project": { "localId": "prj:fm6-postcare" } },
        ] })
        );
        let dgapr = &data["dgapr"]["participations"];
        assert_eq!(dgapr["totalCount"], json!(7));
        let projects: Vec<&str> = dgapr["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["project"]["localId"].as_str().expect("id"))
            .collect();
        assert_eq!(
            projects,
            [
                "prj:be-capacity",
                "prj:fm6-education",
                "prj:fm6-humanisation",
                "prj:fm6-postcare",
                "prj:groundwater",
                "prj:pri-cooperation",
                "prj:us-exchange"
            ]
        );
        for node in dgapr["nodes"].as_array().expect("nodes") {
            assert_eq!(
                (&node["role"], &node["roleCode"]),
                (&json!("ACCOUNTABLE"), &json!(2))
            );
        }
    }
);

backend_tests!(
    projects_sites_and_regions_both_ways,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($prj: ID!, $reg: ID!, $site: ID!) {
      prj: node(id: $prj) { ... on Project {
        regions { totalCount nodes { isoCode } }
        sites { totalCount nodes { localId projects { nodes { localId } } region { isoCode sites { totalCount } } } }
      } }
      reg: node(id: $reg) { ... on Region { sites { totalCount nodes { localId region { isoCode } } } projects { totalCount nodes { localId } } } }
      site: node(id: $site) { ... on Site { projects { nodes { localId } } operator { localId } region { isoCode } } }
      regions { nodes { isoCode projects { totalCount } sites { totalCount } } }
    }";
        let vars = json!({
            "prj": global_id("Project", "prj:groundwater"),
            "reg": global_id("Region", "MA-05"),
            "site": global_id("Site", "site:capc-oujda"),
        });
        let data = app.data(query, vars).await;
        let prj = &data["prj"];
        assert_eq!(
            prj["regions"],
            json!({ "totalCount": 3, "nodes": [{ "isoCode": "MA-04" }, { "isoCode": "MA-05" }, { "isoCode": "MA-06" }] })
        );
        assert_eq!(prj["sites"]["totalCount"], json!(6));
        let sites = prj["sites"]["nodes"].as_array().expect("nodes");
        let expected = [
            ("site:ali-moumen", "MA-06", 4),
            ("site:el-adir", "MA-06", 4),
            ("site:fkih-ben-salah", "MA-05", 2),
            ("site:outita-1", "MA-04", 7),
            ("site:outita-2", "MA-04", 7),
            ("site:rommani", "MA-04", 7),
        ];
        assert_eq!(sites.len(), expected.len());
        for (site, (id, region, region_sites)) in sites.iter().zip(expected) {
            assert_eq!(site["localId"], json!(id));
            assert_eq!(
                site["projects"]["nodes"],
                json!([{ "localId": "prj:groundwater" }]),
                "{id}"
            );
            assert_eq!(site["region"]["isoCode"], json!(region), "{id}");
            assert_eq!(
                site["region"]["sites"]["totalCount"],
                json!(region_sites),
                "{id}"
            );
        }
        assert_eq!(
            data["reg"],
            json!({
                "sites": { "totalCount": 2, "nodes": [
                    { "localId": "site:dr-beni-mellal-khenifra", "region": { "isoCode": "MA-05" } },
                    { "localId": "site:fkih-ben-salah", "region": { "isoCode": "MA-05" } },
                ] },
                "projects": { "totalCount": 1, "nodes": [{ "localId": "prj:groundwater" }] },
            })
        );
        assert_eq!(
            data["site"],
            json!({ "projects": { "nodes": [{ "localId": "prj:fm6-postcare" }] }, "operator": { "localId": "org:fm6" }, "region": { "isoCode": "MA-02" } })
        );
        // Every region: projects through project_regions, sites through the sites' region.
        let projects_per_region = [1, 1, 1, 2, 1, 2, 0, 0, 1, 0, 0, 0];
        let sites_per_region = [1, 1, 1, 7, 2, 4, 1, 1, 2, 0, 1, 0];
        let regions = data["regions"]["nodes"].as_array().expect("nodes");
        assert_eq!(regions.len(), 12);
        for ((region, projects), sites) in regions
            .iter()
            .zip(projects_per_region)
            .zip(sites_per_region)
        {
            assert_eq!(
                region["projects"]["totalCount"],
                json!(projects),
                "projects in {}",
                region["isoCode"]
            );
            assert_eq!(
                region["sites"]["totalCount"],
                json!(sites),
                "sites in {}",
                region["isoCode"]
            );
        }
    }
);

backend_tests!(
    site_hierarchy_parent_and_children,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($site: ID!, $hq: ID!) {
      site: node(id: $site) { ... on Site { localId parent { localId siteType children { totalCount nodes { localId } }
        parent { localId parent { localId } } } children { totalCount } } }
      hq: node(id: $hq) { ... on Site { parent { localId } operator { localId } region { isoCode } city
        children { totalCount nodes { localId parent { localId } } } } }
      sites(filter: { siteType: { eq: POST_CARE_CENTRE } }) { nodes { parent { localId } children { totalCount } } }
    }";
        let vars = json!({ "site": global_id("Site", "site:rommani"), "hq": global_id("Site", "site:hq") });
        let data = app.data(query, vars).await;
        assert_eq!(
            data["site"],
            json!({
                "localId": "site:rommani",
                "parent": {
                    "localId": "site:dr-rabat-sale-kenitra",
                    "siteType": "REGIONAL_DIRECTORATE",
                    "children": { "totalCount": 3, "nodes": [{ "localId": "site:outita-1" }, { "localId": "site:outita-2" }, { "localId": "site:rommani" }] },
                    "parent": { "localId": "site:hq", "parent": null },
                },
                "children": { "totalCount": 0 },
            })
        );
        let hq = &data["hq"];
        assert_eq!(hq["parent"], Value::Null);
        assert_eq!(hq["operator"]["localId"], json!("org:dgapr"));
        assert_eq!(hq["region"]["isoCode"], json!("MA-04"));
        assert_eq!(hq["city"], json!("Rabat"));
        assert_eq!(hq["children"]["totalCount"], json!(8));
        let children: Vec<&str> = hq["children"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["localId"].as_str().expect("id"))
            .collect();
        assert_eq!(
            children,
            [
                "site:cnfc-tiflet",
                "site:dr-beni-mellal-khenifra",
                "site:dr-casablanca-settat",
                "site:dr-draa-tafilalet",
                "site:dr-laayoune-sakia-el-hamra",
                "site:dr-marrakech-safi",
                "site:dr-rabat-sale-kenitra",
                "site:dr-souss-massa",
            ]
        );
        for child in hq["children"]["nodes"].as_array().expect("nodes") {
            assert_eq!(child["parent"]["localId"], json!("site:hq"));
        }
        // The post-care centres stand alone.
        assert_eq!(
            data["sites"]["nodes"],
            json!(vec![
                json!({ "parent": null, "children": { "totalCount": 0 } });
                6
            ])
        );
    }
);

backend_tests!(
    training_sessions_providers_and_projects,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($trn: ID!, $be: ID!, $dgapr: ID!) {
      trn: node(id: $trn) { ... on TrainingSession {
        providers { totalCount nodes { localId trainingSessionsProvided { totalCount nodes { localId } } } }
        project { localId trainingSessions { totalCount nodes { localId project { localId } } } }
        organiser { localId } venue { localId } agreement { localId } participants tallies { sex }
      } }
      be: node(id: $be) { ... on Organisation { trainingSessionsOrganised { totalCount } trainingSessionsProvided { totalCount } } }
      dgapr: node(id: $dgapr) { ... on Organisation { trainingSessionsOrganised { totalCount nodes { localId organiser { localId } } }
        trainingSessionsProvided { totalCount } } }
    }";
        let vars = json!({
            "trn": global_id("TrainingSession", "trn:be-1"),
            "be": global_id("Organisation", "org:be-justice"),
            "dgapr": global_id("Organisation", "org:dgapr"),
        });
        let data = app.data(query, vars).await;
        let sessions = json!([{ "localId": "trn:be-1" }, { "localId": "trn:be-2" }, { "localId": "trn:be-3" }]);
        let trn = &data["trn"];
        assert_eq!(
            trn["providers"],
            json!({ "totalCount": 1, "nodes": [{ "localId": "org:be-justice", "trainingSessionsProvided": { "totalCount": 3, "nodes": sessions } }] })
        );
        assert_eq!(trn["project"]["localId"], json!("prj:be-capacity"));
        assert_eq!(trn["project"]["trainingSessions"]["totalCount"], json!(3));
        for (i, session) in trn["project"]["trainingSessions"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .enumerate()
        {
            assert_eq!(session["localId"], sessions[i]["localId"]);
            assert_eq!(session["project"]["localId"], json!("prj:be-capacity"));
        }
        assert_eq!(trn["organiser"]["localId"], json!("org:dgapr"));
        assert_eq!(
            (&trn["venue"], &trn["agreement"]),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(
            (&trn["participants"], &trn["tallies"]),
            (&json!(0), &json!([]))
        );
        assert_eq!(
            data["be"],
            json!({ "trainingSessionsOrganised": { "totalCount": 0 }, "trainingSessionsProvided": { "totalCount": 3 } })
        );
        let dgapr = &data["dgapr"];
        assert_eq!(dgapr["trainingSessionsOrganised"]["totalCount"], json!(3));
        for session in dgapr["trainingSessionsOrganised"]["nodes"]
            .as_array()
            .expect("nodes")
        {
            assert_eq!(session["organiser"]["localId"], json!("org:dgapr"));
        }
        assert_eq!(dgapr["trainingSessionsProvided"]["totalCount"], json!(0));
    }
);

backend_tests!(
    exchange_visits_hosts_and_visitors,
    Data::Demo,
    |app: TestApp| async move {
        let query = "query($dgapr: ID!, $inl: ID!) {
      exchangeVisits { nodes { localId direction host { localId } visitor { localId } project { localId exchangeVisits { totalCount } }
        agreement { localId } sitesVisited { totalCount } delegation { count } } }
      dgapr: node(id: $dgapr) { ... on Organisation { visitsHosted { nodes { localId host { localId } } } visitsMade { nodes { localId visitor { localId } } } } }
      inl: node(id: $inl) { ... on Organisation { visitsHosted { nodes { localId } } visitsMade { nodes { localId } } } }
    }";
        let vars = json!({ "dgapr": global_id("Organisation", "org:dgapr"), "inl": global_id("Organisation", "org:us-inl") });
        let data = app.data(query, vars).await;
        let project =
            json!({ "localId": "prj:us-exchange", "exchangeVisits": { "totalCount": 2 } });
        assert_eq!(
            data["exchangeVisits"]["nodes"],
            json!([
                { "localId": "vis:ma-to-us", "direction": "OUTBOUND", "host": { "localId": "org:us-inl" }, "visitor": { "localId": "org:dgapr" },
                  "project": project, "agreement": null, "sitesVisited": { "totalCount": 0 }, "delegation": [] },
                { "localId": "vis:us-to-ma", "direction": "INBOUND", "host": { "localId": "org:dgapr" }, "visitor": { "localId": "org:us-inl" },
                  "project": project, "agreement": null, "sitesVisited": { "totalCount": 0 }, "delegation": [] },
            ])
        );
        assert_eq!(
            data["dgapr"],
            json!({
                "visitsHosted": { "nodes": [{ "localId": "vis:us-to-ma", "host": { "localId": "org:dgapr" } }] },
                "visitsMade": { "nodes": [{ "localId": "vis:ma-to-us", "visitor": { "localId": "org:dgapr" } }] },
            })
        );
        assert_eq!(
            data["inl"],
            json!({ "visitsHosted": { "nodes": [{ "localId": "vis:ma-to-us" }] }, "visitsMade": { "nodes": [{ "localId": "vis:us-to-ma" }] } })
        );
    }
);

backend_tests!(
    nested_first_applies_per_parent,
    Data::Demo,
    |app: TestApp| async move {
        let data = app
        .data(
            "{ agreements { nodes { localId parties(first: 1) { totalCount
                 pageInfo { hasNextPage hasPreviousPage } edges { cursor node { role organisation { localId } } } } } }
               regions(first: 6) { nodes { isoCode sites(first: 2) { totalCount pageInfo { hasNextPage } nodes { localId } } } } }",
            json!({}),
        )
        .await;
        // Each agreement gets its own first party (by party id), and its full count.
        let expected = [
            ("agr:bf-protocol", 2, "org:bf-prisons"),
            ("agr:emi-groundwater", 3, "org:dgapr"),
            ("agr:fm6-generic", 1, "org:fm6"),
            ("agr:fr-dap", 2, "org:dgapr"),
        ];
        let agreements = data["agreements"]["nodes"].as_array().expect("nodes");
        assert_eq!(agreements.len(), 4);
        for (agreement, (id, total, first)) in agreements.iter().zip(expected) {
            let parties = &agreement["parties"];
            assert_eq!(agreement["localId"], json!(id));
            assert_eq!(parties["totalCount"], json!(total), "{id}");
            assert_eq!(parties["edges"].as_array().map(Vec::len), Some(1), "{id}");
            assert_eq!(
                parties["edges"][0]["node"]["organisation"]["localId"],
                json!(first),
                "{id}"
            );
            assert_eq!(
                parties["pageInfo"],
                json!({ "hasNextPage": total > 1, "hasPreviousPage": false }),
                "{id}"
            );
        }
        // Sites, two per region at most, each region its own window.
        let expected_sites: [&[&str]; 6] = [
            &["site:capc-tanger"],
            &["site:capc-oujda"],
            &["site:capc-fes"],
            &["site:capc-sale", "site:cnfc-tiflet"],
            &["site:dr-beni-mellal-khenifra", "site:fkih-ben-salah"],
            &["site:ali-moumen", "site:capc-casablanca"],
        ];
        let totals = [1, 1, 1, 7, 2, 4];
        let regions = data["regions"]["nodes"].as_array().expect("nodes");
        for ((region, sites), total) in regions.iter().zip(expected_sites).zip(totals) {
            assert_eq!(
                keys_in(&region["sites"], "localId"),
                sites,
                "{}",
                region["isoCode"]
            );
            assert_eq!(region["sites"]["totalCount"], json!(total));
            assert_eq!(region["sites"]["pageInfo"]["hasNextPage"], json!(total > 2));
        }

        // A nested cursor continues within its parent.
        let cursor = agreements[1]["parties"]["edges"][0]["cursor"].clone();
        let query = "query($id: ID!, $after: String) { node(id: $id) { ... on Agreement {
        parties(first: 1, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { role organisation { localId } } } } } }";
        let next = app
            .data(
                query,
                json!({ "id": global_id("Agreement", "agr:emi-groundwater"), "after": cursor }),
            )
            .await;
        assert_eq!(
            next["node"]["parties"],
            json!({ "totalCount": 3, "pageInfo": { "hasNextPage": true, "hasPreviousPage": true },
                "nodes": [{ "role": "SIGNATORY", "organisation": { "localId": "org:emi" } }] })
        );
        let last = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Agreement { parties(first: 0) { totalCount nodes { role } pageInfo { hasNextPage } } } } }",
            json!({ "id": global_id("Agreement", "agr:emi-groundwater") }),
        )
        .await;
        assert_eq!(
            last["node"]["parties"],
            json!({ "totalCount": 3, "nodes": [], "pageInfo": { "hasNextPage": true } })
        );
    }
);

// ---------------------------------------------------------------------------------------------
// node / nodes
// ---------------------------------------------------------------------------------------------

backend_tests!(
    node_fetches_every_kind,
    Data::Demo,
    |app: TestApp| async move {
        let cases = [
            (
                "Organisation",
                "org:emi",
                "... on Organisation { localId name { fr } }",
                json!({ "localId": "org:emi", "name": { "fr": "École Mohammadia d'Ingénieurs" } }),
            ),
            (
                "Region",
                "MA-04",
                "... on Region { isoCode capital { fr } }",
                json!({ "isoCode": "MA-04", "capital": { "fr": "Rabat" } }),
            ),
            (
                "Site",
                "site:capc-oujda",
                "... on Site { localId status }",
                json!({ "localId": "site:capc-oujda", "status": "UNDER_CONSTRUCTION" }),
            ),
            (
                "Partnership",
                "ps:pri",
                "... on Partnership { localId modality }",
                json!({ "localId": "ps:pri", "modality": "MULTILATERAL" }),
            ),
            (
                "Agreement",
                "agr:fr-dap",
                "... on Agreement { localId status }",
                json!({ "localId": "agr:fr-dap", "status": "AGREED_PENDING_SIGNATURE" }),
            ),
            (
                "AgreementParty",
                "pty:fr-dap:fr-dap",
                "... on AgreementParty { role organisation { localId } agreement { localId } }",
                json!({ "role": "SIGNATORY", "organisation": { "localId": "org:fr-dap" }, "agreement": { "localId": "agr:fr-dap" } }),
            ),
            (
                "Commitment",
                "cmt:emi-groundwater:4",
                "... on Commitment { kind party { localId } }",
                json!({ "kind": "WORKS", "party": { "localId": "org:dgapr" } }),
            ),
            (
                "Project",
                "prj:be-capacity",
                "... on Project { localId statusCode }",
                json!({ "localId": "prj:be-capacity", "statusCode": 4 }),
            ),
            (
                "TrainingSession",
                "trn:be-3",
                "... on TrainingSession { localId cycleNumber }",
                json!({ "localId": "trn:be-3", "cycleNumber": 3 }),
            ),
            (
                "ExchangeVisit",
                "vis:us-to-ma",
                "... on ExchangeVisit { localId direction }",
                json!({ "localId": "vis:us-to-ma", "direction": "INBOUND" }),
            ),
        ];
        for (kind, local, fragment, expected) in cases {
            let id = global_id(kind, local);
            let query =
                format!("query($id: ID!) {{ node(id: $id) {{ __typename id {fragment} }} }}");
            let data = app.data(&query, json!({ "id": id })).await;
            let mut expected = expected;
            expected["__typename"] = json!(kind);
            expected["id"] = json!(id);
            assert_eq!(data["node"], expected, "node({kind}:{local})");
        }
        // A well-formed id of a record that does not exist is null, not an error.
        for (kind, local) in [
            ("Organisation", "org:nobody"),
            ("Region", "MA-13"),
            ("Project", "prj:none"),
        ] {
            let data = app
                .data(
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": global_id(kind, local) }),
                )
                .await;
            assert_eq!(data["node"], Value::Null, "{kind}:{local}");
        }
        // The ID of a kind that is not a node, or not an ID at all, is bad input.
        for id in [
            global_id("Nothing", "x"),
            "not base64!".to_owned(),
            global_id("Organisation", ""),
        ] {
            let response = app
                .query(
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                error_codes(&response),
                ["BAD_USER_INPUT"],
                "{id}: {response}"
            );
        }
        // A relation filter refuses an ID of the wrong kind.
        let response = app
            .query(
                &format!(
                    "{{ agreements(filter: {{ party: {} }}) {{ totalCount }} }}",
                    ids("Agreement", &["agr:fr-dap"])
                ),
                json!({}),
            )
            .await;
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
    }
);

backend_tests!(
    nodes_keep_order_and_null_the_unknown,
    Data::Demo,
    |app: TestApp| async move {
        let requested = [
            global_id("ExchangeVisit", "vis:ma-to-us"),
            global_id("Organisation", "org:emi"),
            global_id("Organisation", "org:unknown"),
            global_id("Region", "MA-12"),
            global_id("Organisation", "org:emi"),
            global_id("Agreement", "agr:bf-protocol"),
        ];
        let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
               ... on Organisation { localId } ... on Region { isoCode } ... on ExchangeVisit { localId } ... on Agreement { localId } } }",
            json!({ "ids": requested }),
        )
        .await;
        assert_eq!(
            data["nodes"],
            json!([
                { "__typename": "ExchangeVisit", "id": requested[0], "localId": "vis:ma-to-us" },
                { "__typename": "Organisation", "id": requested[1], "localId": "org:emi" },
                null,
                { "__typename": "Region", "id": requested[3], "isoCode": "MA-12" },
                { "__typename": "Organisation", "id": requested[4], "localId": "org:emi" },
                { "__typename": "Agreement", "id": requested[5], "localId": "agr:bf-protocol" },
            ])
        );
        let empty = app.data("{ nodes(ids: []) { id } }", json!({})).await;
        assert_eq!(empty["nodes"], json!([]));
        // Every id a list returns fetches the same record back.
        let listed = app
            .data("{ organisations { nodes { id localId } } }", json!({}))
            .await;
        let nodes = listed["organisations"]["nodes"].as_array().expect("nodes");
        let ids: Vec<Value> = nodes.iter().map(|n| n["id"].clone()).collect();
        let back = app
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organisation { id localId } } }",
                json!({ "ids": ids }),
            )
            .await;
        assert_eq!(back["nodes"], listed["organisations"]["nodes"]);
        for node in nodes {
            assert_eq!(
                node["id"],
                json!(global_id(
                    "Organisation",
                    node["localId"].as_str().expect("id")
                ))
            );
        }
        assert_eq!(
            strings(&ORGS),
            nodes
                .iter()
                .map(|n| n["localId"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        );
    }
);

// ---------------------------------------------------------------------------------------------
// Known bugs: the intended behaviour, ignored until the product is fixed
// (`cargo test -p sharaka-integration-tests --test integration read_model::known_bugs -- --ignored`).
// ---------------------------------------------------------------------------------------------

mod known_bugs {
    use super::*;
    use sharaka_test_support::{Backend, postgres_url};

    async fn on_each_backend<F, Fut>(check: F)
    where
        F: Fn(TestApp) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        check(
            TestApp::new(Backend::Sqlite, Data::Demo)
                .await
                .expect("SQLite app"),
        )
        .await;
        if postgres_url().is_some() {
            check(
                TestApp::new(Backend::Postgres, Data::Demo)
                    .await
                    .expect("PostgreSQL app"),
            )
            .await;
        }
    }

    /// `Organisation.agreements` and `Organisation.projects` join through `agreement_parties` and
    /// `project_participants`, which hold one row per role: an organisation with two roles in one
    /// agreement or project gets it twice (and counted twice).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "organisation.agreements / organisation.projects repeat a record per role row"]
    async fn organisation_agreements_and_projects_are_distinct() {
        on_each_backend(|app| async move {
            let data = app
                .data(
                    "query($emi: ID!, $fm6: ID!) {
                      emi: node(id: $emi) { ... on Organisation { agreements { totalCount nodes { localId } } } }
                      fm6: node(id: $fm6) { ... on Organisation { projects { totalCount nodes { localId } } } }
                    }",
                    json!({ "emi": global_id("Organisation", "org:emi"), "fm6": global_id("Organisation", "org:fm6") }),
                )
                .await;
            assert_eq!(
                data["emi"]["agreements"],
                json!({ "totalCount": 1, "nodes": [{ "localId": "agr:emi-groundwater" }] }),
                "{:?}",
                app.backend
            );
            assert_eq!(
                data["fm6"]["projects"],
                json!({ "totalCount": 4, "nodes": [
                    { "localId": "prj:fm6-alert" }, { "localId": "prj:fm6-education" },
                    { "localId": "prj:fm6-humanisation" }, { "localId": "prj:fm6-postcare" },
                ] }),
                "{:?}",
                app.backend
            );
        })
        .await;
    }

    /// `nameContains` is documented as case-insensitive, and the pattern is lowercased in Rust
    /// (Unicode), but SQLite's `lower()` only folds ASCII: on SQLite, "École" and "école" do not
    /// find "École Mohammadia d'Ingénieurs" (PostgreSQL finds it).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "SQLite: case-insensitive text filters do not fold non-ASCII letters"]
    async fn text_filters_fold_accented_capitals() {
        on_each_backend(|app| async move {
            for text in ["École", "école", "ÉCOLE", "INGÉNIEURS"] {
                let found = list(
                    &app,
                    "organisations",
                    &format!("(filter: {{ nameContains: \"{text}\" }})"),
                )
                .await;
                assert_eq!(found, ["org:emi"], "{text} on {:?}", app.backend);
            }
            let found = list(&app, "regions", "(filter: { nameContains: \"DRÂA\" })").await;
            assert_eq!(found, ["MA-08"], "DRÂA on {:?}", app.backend);
        })
        .await;
    }
}

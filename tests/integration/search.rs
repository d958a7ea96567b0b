//! Multilingual search (`search`) and the normalised text filters, on the demo data: Arabic with
//! or without diacritics and with variant letters, French with or without accents, English,
//! acronyms, typos and Arabic-Indic digits; ranking; access scope; and that writes are
//! searchable at once.

use serde_json::{Value, json};
use sharaka_domain::{Principal, Role};
use sharaka_test_support::{Data, TestApp, backend_tests, global_id};

const SEARCH: &str = "query($q: String!, $types: [SearchType!], $lang: Lang, $first: Int, $after: String) { \
    search(query: $q, types: $types, lang: $lang, first: $first, after: $after) { totalCount \
      pageInfo { hasNextPage endCursor } \
      edges { cursor node { type field lang matched score text snippet record { id } } } } }";

/// The global id of a demo record from its local id (`org:pri` → `Organisation:org:pri`).
fn gid(local: &str) -> String {
    let kind = match local.split(':').next().unwrap_or("") {
        "org" => "Organisation",
        "ps" => "Partnership",
        "agr" => "Agreement",
        "prj" => "Project",
        "site" => "Site",
        "trn" => "TrainingSession",
        "vis" => "ExchangeVisit",
        other => panic!("unknown demo id prefix {other}"),
    };
    global_id(kind, local)
}

/// Runs a search as `principal` and returns the response's `search` object.
async fn search_as(app: &TestApp, principal: Principal, variables: Value) -> Value {
    let response = app.query_as(principal, SEARCH, variables).await;
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    response["data"]["search"].clone()
}

async fn search(app: &TestApp, variables: Value) -> Value {
    search_as(app, sharaka_test_support::test_principal(), variables).await
}

/// The global ids of the hits, in rank order.
fn hit_ids(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["record"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a case's expected record must be.
#[derive(Clone, Copy, Debug)]
enum Rank {
    /// The first hit.
    Top,
    /// Anywhere on the first page.
    Any,
}

use Rank::{Any, Top};

/// Query → expected hit, in Arabic, French and English.
const CASES: &[(&str, &str, Rank)] = &[
    // Arabic: diacritics, tatweel, alef / ta marbuta / alef maqsura / hamza-seat variants.
    ("المندوبيه العامه لاداره السجون", "org:dgapr", Top),
    ("مؤسسة محمد السادس", "org:fm6", Top),
    ("مؤسسه محمد السادس", "org:fm6", Top),
    ("اعادة الادماج", "org:dgapr", Any),
    ("المدرسة المحمدية للمهندسين", "org:emi", Top),
    ("المَدْرَسَة المُحَمَّدِيَّة", "org:emi", Top),
    ("الـمـنـدوبـيـة العامة", "org:dgapr", Top),
    ("المنظمة الدولية للإصلاح الجنائي", "org:pri", Top),
    ("الاصلاح الجنائي", "org:pri", Top),
    ("وزارة العدل البلجيكية", "org:be-justice", Top),
    ("التوفيق", "org:attawfiq", Top),
    ("الوكالة الوطنية لانعاش التشغيل", "org:anapec", Top),
    ("السجن الفلاحي بالرماني", "site:rommani", Top),
    ("الرعايه اللاحقه بفاس", "site:capc-fes", Top),
    ("الموارد البشريه", "trn:be-2", Top),
    ("التدبير الميزانياتي", "trn:be-3", Top),
    ("المياه الجوفيه", "prj:groundwater", Any),
    ("المياه الجوفيه", "agr:emi-groundwater", Any),
    ("بروتوكول تعاون", "agr:bf-protocol", Top),
    ("زيارة استطلاعية لخبراء السجون المغاربة", "vis:ma-to-us", Top),
    ("انسنه ظروف الاعتقال", "prj:fm6-humanisation", Top),
    // Arabic-Indic and Persian digits match ASCII digits.
    ("أوطيطة ١", "site:outita-1", Top),
    ("اوطيطه ٢", "site:outita-2", Top),
    ("Outita ۲", "site:outita-2", Top),
    // French: accents, case, apostrophes, typos.
    ("fondation mohammed vi", "org:fm6", Top),
    ("reinsertion", "org:dgapr", Any),
    ("reinsertion", "org:fm6", Any),
    ("REINSERTION DES DETENUS", "org:fm6", Top),
    ("ecole mohammadia", "org:emi", Top),
    ("Mohamadia", "org:emi", Top),
    ("Mohammadia d'Ingenieurs", "org:emi", Top),
    ("delegation generale", "org:dgapr", Top),
    ("administration penitentiaire", "org:fr-dap", Any),
    ("Penitentiare", "org:bf-prisons", Any),
    ("prison agricole", "site:rommani", Any),
    ("Rabat Salé Kénitra", "site:dr-rabat-sale-kenitra", Top),
    ("Fès", "site:capc-fes", Top),
    ("convention de partenariat", "agr:emi-groundwater", Top),
    ("gestion budgetaire", "trn:be-3", Top),
    ("visite d'etude", "vis:us-to-ma", Any),
    (
        "humanisation des conditions de detention",
        "prj:fm6-humanisation",
        Top,
    ),
    ("Coopération avec Penal Reform", "prj:pri-cooperation", Top),
    ("Micro Finance", "org:attawfiq", Top),
    // English and acronyms.
    ("penal reform", "org:pri", Top),
    ("PRI", "org:pri", Top),
    ("pri", "org:pri", Top),
    ("DGAPR", "org:dgapr", Top),
    ("EMI", "org:emi", Top),
    ("ANAPEC", "org:anapec", Top),
    ("Mohammed VI Foundation", "org:fm6", Top),
    ("reintegration of prisoners", "org:fm6", Top),
    ("groundwater exploration", "prj:groundwater", Any),
    ("Belgian", "org:be-justice", Any),
    ("study visit of moroccan", "vis:ma-to-us", Top),
    ("HR management", "trn:be-2", Top),
    ("Tiflet", "site:cnfc-tiflet", Top),
    ("Engeneers", "org:emi", Any),
    ("Burkina Faso", "org:bf-prisons", Any),
    ("State Dept INL", "org:us-inl", Top),
    ("French Prison Administration", "org:fr-dap", Top),
    ("post care centre", "site:capc-casablanca", Any),
];

backend_tests!(
    query_table_finds_expected_records,
    Data::Demo,
    |app: TestApp| async move {
        assert!(CASES.len() >= 40);
        let mut failures = Vec::new();
        for (query, expected, rank) in CASES {
            let result = search(&app, json!({ "q": query })).await;
            let ids = hit_ids(&result);
            let want = gid(expected);
            let ok = match rank {
                Top => ids.first() == Some(&want),
                Any => ids.contains(&want),
            };
            if !ok {
                let texts: Vec<&str> = result["edges"]
                    .as_array()
                    .map(|e| {
                        e.iter()
                            .take(5)
                            .filter_map(|e| e["node"]["text"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                failures.push(format!("{query:?} → {expected} ({rank:?}); got {texts:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed on {:?}:\n{}",
            failures.len(),
            CASES.len(),
            app.backend,
            failures.join("\n")
        );
    }
);

backend_tests!(
    exact_name_ranks_before_partial,
    Data::Demo,
    |app: TestApp| async move {
        let result = search(&app, json!({ "q": "Penal Reform International" })).await;
        let ids = hit_ids(&result);
        let edges = result["edges"].as_array().cloned().unwrap_or_default();
        assert_eq!(ids.first(), Some(&gid("org:pri")), "{result:#}");
        assert_eq!(edges[0]["node"]["matched"], "EXACT");
        assert_eq!(edges[0]["node"]["score"], 1.0);
        let project = ids
            .iter()
            .position(|id| *id == gid("prj:pri-cooperation"))
            .expect("the project whose title contains the name");
        assert_eq!(edges[project]["node"]["matched"], "PARTIAL");
        assert!(project > 0);
        let scores: Vec<f64> = edges
            .iter()
            .filter_map(|e| e["node"]["score"].as_f64())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }
);

backend_tests!(
    hits_describe_the_match,
    Data::Demo,
    |app: TestApp| async move {
        let result = search(
            &app,
            json!({ "q": "ingenieurs", "types": ["ORGANISATION"] }),
        )
        .await;
        let hit = &result["edges"][0]["node"];
        assert_eq!(hit["type"], "ORGANISATION");
        assert_eq!(hit["field"], "name");
        assert_eq!(hit["lang"], "FR");
        assert_eq!(hit["text"], "École Mohammadia d'Ingénieurs");
        assert_eq!(
            hit["snippet"],
            "École Mohammadia d&#39;<mark>Ingénieurs</mark>"
        );
        let result = search(&app, json!({ "q": "PRI", "types": ["PARTNERSHIP"] })).await;
        let hit = &result["edges"][0]["node"];
        assert_eq!(hit["record"]["id"], gid("ps:pri"));
        assert_eq!(hit["field"], "partnerAcronym");
        assert_eq!(hit["lang"], Value::Null);
        let result = search(
            &app,
            json!({ "q": "اعادة الادماج", "types": ["ORGANISATION"] }),
        )
        .await;
        let snippets: Vec<&str> = result["edges"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|e| e["node"]["snippet"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            snippets.contains(&"المندوبية العامة لإدارة السجون و<mark>إعادة الإدماج</mark>"),
            "{snippets:?}"
        );
    }
);

backend_tests!(
    types_and_lang_narrow_the_search,
    Data::Demo,
    |app: TestApp| async move {
        let result = search(&app, json!({ "q": "Mohammadia", "types": ["PARTNERSHIP"] })).await;
        assert_eq!(hit_ids(&result), [gid("ps:emi")]);
        let result = search(&app, json!({ "q": "Penal Reform", "lang": "AR" })).await;
        assert_eq!(result["totalCount"], 0, "{result:#}");
        let result = search(&app, json!({ "q": "الإصلاح الجنائي", "lang": "AR" })).await;
        assert_eq!(hit_ids(&result).first(), Some(&gid("org:pri")));
        let result = search(&app, json!({ "q": "   --- " })).await;
        assert_eq!(result["totalCount"], 0);
        let result = search(&app, json!({ "q": "zzzqqq" })).await;
        assert_eq!(result["totalCount"], 0);
    }
);

backend_tests!(pages_are_stable, Data::Demo, |app: TestApp| async move {
    let all = search(&app, json!({ "q": "prison", "first": 100 })).await;
    let all_ids = hit_ids(&all);
    assert!(all_ids.len() > 4, "{all:#}");
    assert_eq!(all["totalCount"], json!(all_ids.len()));
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = search(&app, json!({ "q": "prison", "first": 3, "after": after })).await;
        paged.extend(hit_ids(&page));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, all_ids);
});

backend_tests!(
    results_obey_the_principal_scope,
    Data::Demo,
    |app: TestApp| async move {
        let public = || Principal::anonymous(Role::Public);
        let query = json!({ "q": "protocole de coopération Burkina Faso", "types": ["AGREEMENT"] });
        let admin = search(&app, query.clone()).await;
        assert!(
            hit_ids(&admin).contains(&gid("agr:bf-protocol")),
            "{admin:#}"
        );
        let anonymous = search_as(&app, public(), query).await;
        assert!(
            !hit_ids(&anonymous).contains(&gid("agr:bf-protocol")),
            "{anonymous:#}"
        );
        assert_eq!(anonymous["totalCount"], json!(hit_ids(&anonymous).len()));
        // A published agreement stays findable by the public.
        let published = search_as(&app, public(), json!({ "q": "eaux souterraines" })).await;
        assert!(
            hit_ids(&published).contains(&gid("agr:emi-groundwater")),
            "{published:#}"
        );
    }
);

backend_tests!(
    writes_are_searchable_at_once,
    Data::Demo,
    |app: TestApp| async move {
        let created = app
        .data(
            "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }",
            json!({ "input": {
                "name": { "fr": "Association Œuvre d'Entraide Pénitentiaire", "ar": "جمعية التآزر" },
                "acronym": "AOEP",
                "category": "INTERNATIONAL_NGO"
            } }),
        )
        .await["createOrganisation"]["id"]
        .as_str()
        .map(str::to_owned)
        .expect("created id");
        for query in [
            "oeuvre d entraide",
            "AOEP",
            "جمعيه التازر",
            "entraide penitentiare",
        ] {
            let result = search(&app, json!({ "q": query })).await;
            assert!(hit_ids(&result).contains(&created), "{query}: {result:#}");
        }
        let renamed = app
        .query(
            "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }",
            json!({ "input": { "id": created, "expectedVersion": 1,
                               "name": { "fr": "Fraternité des greffes" } } }),
        )
        .await;
        assert!(renamed.get("errors").is_none(), "{renamed:#}");
        let result = search(&app, json!({ "q": "fraternite greffes" })).await;
        assert_eq!(hit_ids(&result).first(), Some(&created), "{result:#}");
        let result = search(&app, json!({ "q": "entraide" })).await;
        assert!(!hit_ids(&result).contains(&created), "{result:#}");
    }
);

backend_tests!(
    text_filters_use_the_same_normalisation,
    Data::Demo,
    |app: TestApp| async move {
        let cases = [
            (
                "organisations",
                "nameContains",
                "ecole mohammadia",
                "org:emi",
            ),
            (
                "organisations",
                "nameContains",
                "المدرسه المحمديه",
                "org:emi",
            ),
            (
                "organisations",
                "nameContains",
                "REINSERTION DES DÉTENUS",
                "org:fm6",
            ),
            (
                "agreements",
                "titleContains",
                "اتفاقيه شراكه",
                "agr:emi-groundwater",
            ),
            ("sites", "nameContains", "أوطيطة ١", "site:outita-1"),
            (
                "trainingSessions",
                "titleContains",
                "BUDGETAIRE",
                "trn:be-3",
            ),
            (
                "exchangeVisits",
                "titleContains",
                "etablissements penitentiaires",
                "vis:us-to-ma",
            ),
            (
                "projects",
                "titleContains",
                "ÉDUCATION",
                "prj:fm6-education",
            ),
        ];
        for (root, filter, text, expected) in cases {
            let ids = filtered(&app, root, filter, text).await;
            assert!(ids.contains(&gid(expected)), "{root} {text}: {ids:?}");
        }
    }
);

/// The ids a root list returns for one text filter (first 100).
async fn filtered(app: &TestApp, root: &str, filter: &str, text: &str) -> Vec<String> {
    let query = format!(
        "query($t: String) {{ {root}(first: 100, filter: {{ {filter}: $t }}) {{ nodes {{ id }} }} }}"
    );
    let data = app.data(&query, json!({ "t": text })).await;
    data[root]["nodes"]
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

// Text filters read each record's own search keys (`text_key`): they follow a write at once,
// cover exactly the filter's texts (a title filter does not match the reference), and survive
// a rebuild of the index.
backend_tests!(
    text_filters_follow_writes_and_rebuilds,
    Data::Demo,
    |app: TestApp| async move {
        let agreement = gid("agr:emi-groundwater");
        let version = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Agreement { version } } }",
                json!({ "id": agreement }),
            )
            .await["node"]["version"]
            .as_i64()
            .expect("version");
        let updated = app
            .query(
                "mutation($input: UpdateAgreementInput!) { updateAgreement(input: $input) { id } }",
                json!({ "input": { "id": agreement, "expectedVersion": version,
                                   "reference": "ZQX-2026-17",
                                   "title": { "fr": "Convention hydrogéologique du Tafilalet" } } }),
            )
            .await;
        assert!(updated.get("errors").is_none(), "{updated:#}");
        let renamed = app
            .query(
                "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }",
                json!({ "input": { "id": gid("org:emi"), "expectedVersion": 1, "acronym": "EMIQZ" } }),
            )
            .await;
        assert!(renamed.get("errors").is_none(), "{renamed:#}");

        let check = || async {
            assert_eq!(
                filtered(
                    &app,
                    "agreements",
                    "titleContains",
                    "HYDROGEOLOGIQUE du tafilalet"
                )
                .await,
                vec![agreement.as_str()]
            );
            assert!(
                filtered(&app, "agreements", "titleContains", "ZQX 2026")
                    .await
                    .is_empty(),
                "a title filter does not search the reference"
            );
            assert_eq!(
                filtered(&app, "organisations", "nameContains", "emiqz").await,
                [gid("org:emi")]
            );
            assert!(
                filtered(&app, "organisations", "nameContains", "EMI")
                    .await
                    .contains(&gid("org:emi")),
                "a key matches inside a longer word"
            );
        };
        check().await;
        app.store().reindex_search().await.expect("rebuild");
        check().await;
    }
);

// Running a seed again indexes the seed's own records only: the statements it costs do not
// grow with the rest of the database (it used to rebuild the whole index, 400,000 entries at
// benchmark scale M, each time).
backend_tests!(
    a_seed_indexes_only_its_own_records,
    Data::Demo,
    |app: TestApp| async move {
        use sharaka_persistence::seed::{self, SyntheticSize};
        app.counter.reset();
        seed::demo(app.store()).await.expect("demo seed again");
        let small = app.counter.get();
        seed::synthetic(
            app.store(),
            SyntheticSize {
                partners: 300,
                agreements_per_partner: 3,
                projects_per_agreement: 1,
                seed: 11,
            },
        )
        .await
        .expect("synthetic seed");
        // The synthetic records were indexed by their own seed.
        let found = filtered(&app, "organisations", "nameContains", "partenaire").await;
        assert!(!found.is_empty(), "synthetic organisations are indexed");
        app.counter.reset();
        seed::demo(app.store()).await.expect("demo seed once more");
        let large = app.counter.get();
        assert_eq!(
            small, large,
            "re-seeding cost {small} statements before and {large} after 300 more partners"
        );
        assert!(
            !filtered(&app, "organisations", "nameContains", "partenaire")
                .await
                .is_empty()
        );
    }
);

// When more index entries qualify than a search ranks (a common word's trigrams match most
// records of a kind at scale), the entries holding the whole query come first: an exact or
// partial match is never cut off by fuzzy candidates that happen to sort before it.
backend_tests!(
    whole_query_matches_survive_the_candidate_limit,
    Data::Demo,
    |app: TestApp| async move {
        use sharaka_domain::search::search_key;
        use sharaka_persistence::search::SearchRequest;
        let key = search_key("Maroc");
        let tables = ["organisations", "agreements", "projects", "sites"];
        let request = |limit| SearchRequest {
            key: &key,
            tables: &tables,
            lang: None,
            limit,
        };
        let all = app
            .store()
            .search_candidates(&request(10_000))
            .await
            .expect("candidates");
        let whole: Vec<_> = all.iter().filter(|e| e.key.contains(&key)).collect();
        let partial_only = all.len() - whole.len();
        assert!(!whole.is_empty() && partial_only > 0, "{all:#?}");
        // Not trivially so: in record order, a fuzzy candidate comes before a whole match.
        let mut by_record: Vec<_> = all.iter().collect();
        by_record.sort_by(|a, b| (&a.table, &a.record_id).cmp(&(&b.table, &b.record_id)));
        let first_whole = by_record.iter().position(|e| e.key.contains(&key));
        assert!(first_whole.is_some_and(|i| i > 0), "{by_record:#?}");

        let limited = app
            .store()
            .search_candidates(&request(whole.len() as u64))
            .await
            .expect("candidates");
        assert_eq!(limited.len(), whole.len());
        assert!(
            limited.iter().all(|e| e.key.contains(&key)),
            "only whole matches fit: {limited:#?}"
        );
    }
);

// Rebuilding the index (after a bulk load) gives the same answers, and on PostgreSQL ends with
// `VACUUM (ANALYZE)`, which must run outside the rebuild's transaction.
backend_tests!(
    the_index_rebuilds_in_place,
    Data::Demo,
    |app: TestApp| async move {
        let query = json!({ "q": "prison", "first": 100 });
        let before = search(&app, query.clone()).await;
        assert!(!hit_ids(&before).is_empty(), "{before:#}");
        let entries = app.store().reindex_search().await.expect("rebuild");
        assert!(entries > 0);
        let again = app.store().reindex_search().await.expect("rebuild twice");
        assert_eq!(again, entries, "a rebuild replaces, it does not add");
        let after = search(&app, query).await;
        assert_eq!(hit_ids(&after), hit_ids(&before));
        assert_eq!(after["totalCount"], before["totalCount"]);
    }
);

// Search checks visibility on ids alone and loads whole records for the page only: the
// statements are the same whatever the page's size, and an archived record leaves both the
// hits and the count.
backend_tests!(
    archived_records_leave_hits_and_count,
    Data::Demo,
    |app: TestApp| async move {
        let query =
            |first: i64| json!({ "q": "prison", "types": ["ORGANISATION"], "first": first });
        let all = search(&app, query(100)).await;
        let all_ids = hit_ids(&all);
        assert!(all_ids.len() >= 2, "{all:#}");
        for first in [1, 100] {
            app.counter.reset();
            let page = search(&app, query(first)).await;
            // The entries holding the whole query, the fuzzy candidates, which of their records
            // the reader may see (ids only), and the page's records.
            assert_eq!(app.counter.get(), 4, "statements for first: {first}");
            assert_eq!(page["totalCount"], all["totalCount"]);
        }
        app.archive("Organisation", &all_ids[0]).await;
        let after = search(&app, query(1)).await;
        assert_eq!(hit_ids(&after), all_ids[1..2], "{after:#}");
        assert_eq!(after["totalCount"], json!(all_ids.len() - 1));
    }
);

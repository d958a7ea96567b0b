//! The write path of issue 3, through `App::execute` (in-process, one transaction per mutation
//! request) and once over HTTP: happy paths of the mutations, validation that lists every invalid
//! field at once in the request's language, the agreement lifecycle as a table-driven walk,
//! optimistic concurrency with real concurrent writers, the all-or-nothing rule for a request
//! with several mutation fields, idempotent creates, the audit trail, and archive / restore.
//!
//! Every test runs on SQLite and on PostgreSQL (`TEST_DATABASE_URL`). Expected values are written
//! here from the issue and the domain's tables (`sharaka-domain/src/lifecycle.rs`), never read back
//! from the code under test. Audit rows are read through the public store API
//! (`Store::list::<AuditEvent>`).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use sharaka_domain::{Lang, Principal, Role};
use sharaka_gateway::App;
use sharaka_persistence::audit::AuditEvent;
use sharaka_persistence::{Filter, ListQuery, Op, Resource, Value as DbValue};
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id, test_principal};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Runs one request on an `App` (usable from spawned tasks) as `principal`, in `lang`; returns
/// the JSON response.
async fn run_as(
    app: &App,
    principal: Principal,
    query: &str,
    variables: Value,
    lang: Lang,
) -> Value {
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    serde_json::to_value(app.execute_as(request, principal, lang).await)
        .expect("the response serialises")
}

/// Runs one request as the test administrator `dev`, in `lang`.
async fn run_in(app: &App, query: &str, variables: Value, lang: Lang) -> Value {
    run_as(app, test_principal(), query, variables, lang).await
}

/// Runs one request as the test administrator `dev`, in the default language.
async fn run(app: &App, query: &str, variables: Value) -> Value {
    run_in(app, query, variables, Lang::default()).await
}

/// An administrator other than `dev`.
fn someone_else(actor: &str) -> Principal {
    Principal::with_role(actor, Role::Admin)
}

/// Asserts that `response` failed with exactly one error of `code`; returns its extensions.
#[track_caller]
fn refused<'a>(response: &'a Value, code: &str) -> &'a Value {
    assert_eq!(error_codes(response), [code], "{response:#}");
    &response["errors"][0]["extensions"]
}

/// `(path, problem)` of each entry of `extensions.fields`, in order.
fn field_problems(extensions: &Value) -> Vec<(String, String)> {
    extensions["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or_default().to_owned(),
                        f["problem"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Owned `(path, problem)` pairs from literals, for comparisons.
fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect()
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// Every record of `R`, archived or not.
async fn count<R: Resource>(app: &TestApp) -> u64 {
    app.store()
        .count::<R>(&ListQuery {
            include_archived: true,
            ..ListQuery::first(1)
        })
        .await
        .expect("count")
}

/// Every audit event (any record).
async fn audit_total(app: &TestApp) -> u64 {
    count::<AuditEvent>(app).await
}

/// The audit events of one record (by local id), oldest first.
async fn audit_of(app: &TestApp, record_id: &str) -> Vec<AuditEvent> {
    let mut events = app
        .store()
        .list::<AuditEvent>(&ListQuery {
            filter: Some(Filter::Compare {
                field: "record_id",
                op: Op::Eq,
                value: DbValue::Text(record_id.to_owned()),
            }),
            ..ListQuery::first(10_000)
        })
        .await
        .expect("audit events");
    events.sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
    events
}

fn actions(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

const ORG_FIELDS: &str = "id localId version name { ar fr en } acronym category iatiOrgType \
                          legalNature countryCode foundedOn website description { ar fr en }";

fn create_org_query() -> String {
    format!(
        "mutation($input: CreateOrganisationInput!, $key: String) {{ \
         createOrganisation(input: $input, idempotencyKey: $key) {{ {ORG_FIELDS} }} }}"
    )
}

fn update_org_query() -> String {
    format!(
        "mutation($input: UpdateOrganisationInput!) {{ \
         updateOrganisation(input: $input) {{ {ORG_FIELDS} }} }}"
    )
}

fn read_org_query() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ ... on Organisation {{ {ORG_FIELDS} }} }} }}")
}

/// The smallest valid organisation.
fn org_input(name: &str) -> Value {
    json!({ "name": { "fr": name }, "category": "INTERNATIONAL_NGO" })
}

/// Creates an organisation that must be valid; returns it.
async fn create_org(app: &TestApp, input: Value) -> Value {
    app.data(&create_org_query(), json!({ "input": input }))
        .await["createOrganisation"]
        .clone()
}

async fn read_org(app: &TestApp, id: &str) -> Value {
    app.data(&read_org_query(), json!({ "id": id })).await["node"].clone()
}

/// How many organisations a name search finds, archived ones included.
async fn orgs_named(app: &TestApp, name: &str) -> i64 {
    int(&app
        .data(
            "query($n: String!) { organisations(filter: { nameContains: $n }, \
             includeArchived: true) { totalCount } }",
            json!({ "n": name }),
        )
        .await["organisations"]["totalCount"])
}

const AGREEMENT_FIELDS: &str = "id localId version status reference title { ar fr en } \
    agreementType themes draftedOn agreedOn signedOn effectiveFrom effectiveTo terminatedOn \
    partnerships { nodes { id } } \
    parties { totalCount nodes { id role signedOn organisation { id } } } \
    commitments { totalCount nodes { kind description { ar fr en } dueOn status \
                  party { id } agreement { id } } }";

fn create_agreement_query() -> String {
    format!(
        "mutation($input: CreateAgreementInput!, $key: String) {{ \
         createAgreement(input: $input, idempotencyKey: $key) {{ {AGREEMENT_FIELDS} }} }}"
    )
}

/// An agreement between `a` and `b` (global ids): both sign; `b` is also the technical
/// partner; each owes one commitment. Its dates are in order and in the past.
fn agreement_input(a: &str, b: &str) -> Value {
    json!({
        "reference": "CONV-2024-017",
        "title": { "fr": "Convention de réinsertion", "en": "Reintegration agreement" },
        "agreementType": "PARTNERSHIP_AGREEMENT",
        "themes": ["REINTEGRATION", "EDUCATION_TRAINING"],
        "draftedOn": "2023-11",
        "agreedOn": "2024-02-01",
        "effectiveFrom": "2024-06-01",
        "effectiveTo": "2027-05-31",
        "parties": [
            { "organisationId": a, "role": "SIGNATORY" },
            { "organisationId": b, "role": "SIGNATORY" },
            { "organisationId": b, "role": "TECHNICAL_PARTNER" }
        ],
        "commitments": [
            {
                "partyOrganisationId": b,
                "kind": "TRAINING_DELIVERY",
                "description": { "fr": "Former 40 agents" },
                "dueOn": "2025"
            },
            {
                "partyOrganisationId": a,
                "kind": "FACILITY_ACCESS",
                "description": { "en": "Open two workshops" }
            }
        ]
    })
}

/// Two fresh organisations, as global ids.
async fn two_orgs(app: &TestApp) -> (String, String) {
    let a = create_org(app, org_input("Direction pénitentiaire A")).await;
    let b = create_org(app, org_input("Fondation B")).await;
    (text(&a["id"]), text(&b["id"]))
}

async fn create_agreement(app: &TestApp, input: Value) -> Value {
    app.data(&create_agreement_query(), json!({ "input": input }))
        .await["createAgreement"]
        .clone()
}

// ---------------------------------------------------------------------------------------------
// 1. Happy paths
// ---------------------------------------------------------------------------------------------

backend_tests!(
    create_organisation_then_read_it_back,
    Data::Empty,
    create_organisation_then_read_it_back
);
async fn create_organisation_then_read_it_back(app: TestApp) {
    let created = create_org(
        &app,
        json!({
            "name": { "ar": "المنظمة الدولية للإصلاح الجنائي", "fr": "Penal Reform International",
                      "en": "Penal Reform International" },
            "acronym": "PRI",
            "category": "INTERNATIONAL_NGO",
            "iatiOrgType": "INTERNATIONAL_NGO",
            "legalNature": "PRIVATE_LAW",
            "countryCode": "gb",
            "foundedOn": "1989",
            "website": "https://www.penalreform.org/",
            "description": { "en": "Works for fair and effective criminal justice." }
        }),
    )
    .await;
    assert_eq!(created["version"], 1);
    // The code is normalised to upper case.
    assert_eq!(created["countryCode"], "GB");
    let local = text(&created["localId"]);
    assert_eq!(created["id"], global_id("Organisation", &local));

    let read = read_org(&app, &text(&created["id"])).await;
    assert_eq!(read, created, "node(id) reads what the mutation returned");
    assert_eq!(read["name"]["ar"], "المنظمة الدولية للإصلاح الجنائي");
    assert_eq!(read["acronym"], "PRI");
    assert_eq!(read["iatiOrgType"], "INTERNATIONAL_NGO");
    assert_eq!(read["legalNature"], "PRIVATE_LAW");
    assert_eq!(read["foundedOn"], "1989");
    assert_eq!(read["website"], "https://www.penalreform.org/");
    assert_eq!(
        read["description"],
        json!({ "ar": null, "fr": null, "en": "Works for fair and effective criminal justice." })
    );
    assert_eq!(count::<sharaka_domain::Organisation>(&app).await, 1);
}

backend_tests!(
    update_organisation_is_partial_and_null_clears,
    Data::Empty,
    update_organisation_is_partial_and_null_clears
);
async fn update_organisation_is_partial_and_null_clears(app: TestApp) {
    let created = create_org(
        &app,
        json!({
            "name": { "fr": "Fondation Mohammed VI", "en": "Mohammed VI Foundation" },
            "acronym": "FM6",
            "category": "FOUNDATION",
            "countryCode": "MA",
            "foundedOn": "2002-04",
            "website": "https://www.fm6reinsertion.ma",
            "description": { "fr": "Réinsertion des détenus" }
        }),
    )
    .await;
    let id = text(&created["id"]);

    // Only `acronym`, explicitly null: it is cleared, every absent field stays.
    let updated = app
        .data(
            &update_org_query(),
            json!({ "input": { "id": id, "expectedVersion": 1, "acronym": null } }),
        )
        .await["updateOrganisation"]
        .clone();
    let mut expected = created.clone();
    expected["acronym"] = Value::Null;
    expected["version"] = json!(2);
    assert_eq!(updated, expected);
    assert_eq!(read_org(&app, &id).await, expected);

    // A value replaces a field; a text is replaced as a whole (its other languages go).
    let updated = app
        .data(
            &update_org_query(),
            json!({ "input": {
                "id": id, "expectedVersion": 2,
                "website": "https://fm6.example.ma/reinsertion",
                "description": { "en": "Reintegration of prisoners" }
            } }),
        )
        .await["updateOrganisation"]
        .clone();
    expected["website"] = json!("https://fm6.example.ma/reinsertion");
    expected["description"] = json!({ "ar": null, "fr": null, "en": "Reintegration of prisoners" });
    expected["version"] = json!(3);
    assert_eq!(updated, expected);

    // Several nulls at once; the category (absent) and the name stay.
    let updated = app
        .data(
            &update_org_query(),
            json!({ "input": {
                "id": id, "expectedVersion": 3,
                "countryCode": null, "foundedOn": null, "description": null
            } }),
        )
        .await["updateOrganisation"]
        .clone();
    expected["countryCode"] = Value::Null;
    expected["foundedOn"] = Value::Null;
    expected["description"] = json!({ "ar": null, "fr": null, "en": null });
    expected["version"] = json!(4);
    assert_eq!(updated, expected);
    assert_eq!(read_org(&app, &id).await, expected);
    assert_eq!(read_org(&app, &id).await["category"], "FOUNDATION");
}

backend_tests!(
    create_agreement_with_parties_and_commitments,
    Data::Demo,
    create_agreement_with_parties_and_commitments
);
async fn create_agreement_with_parties_and_commitments(app: TestApp) {
    let dgapr = global_id("Organisation", "org:dgapr");
    let pri = global_id("Organisation", "org:pri");
    let mut input = agreement_input(&dgapr, &pri);
    input["partnershipIds"] = json!([global_id("Partnership", "ps:pri")]);
    let agreements_before = count::<sharaka_domain::Agreement>(&app).await;
    let parties_before = count::<sharaka_domain::AgreementParty>(&app).await;
    let commitments_before = count::<sharaka_domain::Commitment>(&app).await;

    let created = create_agreement(&app, input).await;
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["version"], 1);
    assert_eq!(created["reference"], "CONV-2024-017");
    assert_eq!(
        created["title"],
        json!({ "ar": null, "fr": "Convention de réinsertion", "en": "Reintegration agreement" })
    );
    assert_eq!(created["agreementType"], "PARTNERSHIP_AGREEMENT");
    assert_eq!(
        created["themes"],
        json!(["REINTEGRATION", "EDUCATION_TRAINING"])
    );
    assert_eq!(created["draftedOn"], "2023-11");
    assert_eq!(created["agreedOn"], "2024-02-01");
    assert_eq!(created["signedOn"], Value::Null);
    assert_eq!(created["effectiveFrom"], "2024-06-01");
    assert_eq!(created["effectiveTo"], "2027-05-31");
    assert_eq!(created["terminatedOn"], Value::Null);
    assert_eq!(
        created["partnerships"]["nodes"],
        json!([{ "id": global_id("Partnership", "ps:pri") }])
    );

    // Read back through `node`, and check the nested records.
    let id = text(&created["id"]);
    let read = app
        .data(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on Agreement {{ {AGREEMENT_FIELDS} }} }} }}"),
            json!({ "id": id }),
        )
        .await["node"]
        .clone();
    assert_eq!(read, created);

    assert_eq!(read["parties"]["totalCount"], 3);
    let parties: BTreeSet<(String, String, String)> = read["parties"]["nodes"]
        .as_array()
        .expect("parties")
        .iter()
        .map(|p| {
            (
                text(&p["organisation"]["id"]),
                text(&p["role"]),
                p["signedOn"].to_string(),
            )
        })
        .collect();
    let unsigned = || "null".to_owned();
    let expected: BTreeSet<(String, String, String)> = [
        (dgapr.clone(), "SIGNATORY".to_owned(), unsigned()),
        (pri.clone(), "SIGNATORY".to_owned(), unsigned()),
        (pri.clone(), "TECHNICAL_PARTNER".to_owned(), unsigned()),
    ]
    .into();
    assert_eq!(parties, expected);

    assert_eq!(read["commitments"]["totalCount"], 2);
    let commitments: BTreeSet<String> = read["commitments"]["nodes"]
        .as_array()
        .expect("commitments")
        .iter()
        .map(|c| {
            assert_eq!(c["status"], "PLANNED");
            assert_eq!(c["agreement"]["id"], id);
            format!(
                "{} {} {} {}",
                text(&c["party"]["id"]),
                text(&c["kind"]),
                c["description"],
                c["dueOn"]
            )
        })
        .collect();
    let expected: BTreeSet<String> = [
        format!(
            "{pri} TRAINING_DELIVERY {} \"2025\"",
            json!({ "ar": null, "fr": "Former 40 agents", "en": null })
        ),
        format!(
            "{dgapr} FACILITY_ACCESS {} null",
            json!({ "ar": null, "fr": null, "en": "Open two workshops" })
        ),
    ]
    .into();
    assert_eq!(commitments, expected);

    // The other side of the relations sees it too.
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Organisation { \
             agreements(first: 50) { nodes { id } } commitments(first: 50) { nodes { kind } } } } }",
            json!({ "id": pri }),
        )
        .await;
    let pri_agreements: Vec<&Value> = data["node"]["agreements"]["nodes"]
        .as_array()
        .expect("agreements")
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert!(pri_agreements.contains(&&json!(id)), "{data:#}");

    assert_eq!(
        count::<sharaka_domain::Agreement>(&app).await,
        agreements_before + 1
    );
    assert_eq!(
        count::<sharaka_domain::AgreementParty>(&app).await,
        parties_before + 3
    );
    assert_eq!(
        count::<sharaka_domain::Commitment>(&app).await,
        commitments_before + 2
    );
}

backend_tests!(
    update_agreement_is_partial,
    Data::Empty,
    update_agreement_is_partial
);
async fn update_agreement_is_partial(app: TestApp) {
    let (a, b) = two_orgs(&app).await;
    let created = create_agreement(&app, agreement_input(&a, &b)).await;
    let id = text(&created["id"]);
    let update = format!(
        "mutation($input: UpdateAgreementInput!) {{ updateAgreement(input: $input) {{ {AGREEMENT_FIELDS} }} }}"
    );

    let updated = app
        .data(
            &update,
            json!({ "input": {
                "id": id, "expectedVersion": 1,
                "title": { "fr": "Convention de réinsertion (révisée)" },
                "reference": null,
                "effectiveTo": "2028-12",
                "agreementType": "COOPERATION_AGREEMENT"
            } }),
        )
        .await["updateAgreement"]
        .clone();
    let mut expected = created.clone();
    expected["version"] = json!(2);
    expected["title"] =
        json!({ "ar": null, "fr": "Convention de réinsertion (révisée)", "en": null });
    expected["reference"] = Value::Null;
    expected["effectiveTo"] = json!("2028-12");
    expected["agreementType"] = json!("COOPERATION_AGREEMENT");
    // Status, themes, other dates, parties and commitments are untouched.
    assert_eq!(updated, expected);

    let updated = app
        .data(
            &update,
            json!({ "input": { "id": id, "expectedVersion": 2, "themes": ["HUMANISATION"],
                               "draftedOn": null } }),
        )
        .await["updateAgreement"]
        .clone();
    expected["version"] = json!(3);
    expected["themes"] = json!(["HUMANISATION"]);
    expected["draftedOn"] = Value::Null;
    assert_eq!(updated, expected);

    // The merged agreement is validated as a whole: moving the end before the start is refused.
    let response = app
        .query(
            &update,
            json!({ "input": { "id": id, "expectedVersion": 3, "effectiveTo": "2024-01" } }),
        )
        .await;
    let ext = refused(&response, "BAD_USER_INPUT");
    assert_eq!(field_problems(ext), pairs(&[("effectiveTo", "DATE_ORDER")]));
    // A stale version is a conflict.
    let response = app
        .query(
            &update,
            json!({ "input": { "id": id, "expectedVersion": 2, "reference": "X" } }),
        )
        .await;
    assert_eq!(refused(&response, "CONFLICT")["currentVersion"], 3);
    // Neither refusal wrote anything.
    let audit = audit_of(&app, &text(&created["localId"])).await;
    assert_eq!(
        actions(&audit),
        ["createAgreement", "updateAgreement", "updateAgreement"]
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Validation
// ---------------------------------------------------------------------------------------------

/// True when `s` has at least one letter of the Arabic script.
fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

backend_tests!(
    every_invalid_organisation_field_is_listed_at_once_in_the_request_language,
    Data::Empty,
    every_invalid_organisation_field_is_listed_at_once_in_the_request_language
);
async fn every_invalid_organisation_field_is_listed_at_once_in_the_request_language(app: TestApp) {
    let bad = json!({
        "name": { "fr": "  " },
        "category": "FOUNDATION",
        "countryCode": "UK",
        "foundedOn": "1989-13",
        "website": "ftp://pri.org"
    });
    let expected = pairs(&[
        ("name", "NEEDS_ONE_LANGUAGE"),
        ("countryCode", "INVALID_COUNTRY_CODE"),
        ("foundedOn", "INVALID_DATE"),
        ("website", "INVALID_URL"),
    ]);
    let mut reasons_by_lang = Vec::new();
    for lang in [Lang::Ar, Lang::Fr, Lang::En] {
        let response = run_in(&app.app, &create_org_query(), json!({ "input": bad }), lang).await;
        assert_eq!(response["data"], Value::Null, "{response:#}");
        let ext = refused(&response, "BAD_USER_INPUT");
        assert_eq!(field_problems(ext), expected, "{lang:?}");
        let reasons: Vec<String> = ext["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| text(&f["reason"]))
            .collect();
        assert!(reasons.iter().all(|r| !r.trim().is_empty()), "{reasons:?}");
        let message = text(&response["errors"][0]["message"]);
        if lang == Lang::Ar {
            assert!(
                reasons.iter().all(|r| has_arabic(r)),
                "every reason is in Arabic: {reasons:?}"
            );
            assert!(message.starts_with("مدخلات غير صالحة"), "{message}");
        } else {
            assert!(
                reasons.iter().all(|r| !has_arabic(r)),
                "{lang:?}: {reasons:?}"
            );
        }
        reasons_by_lang.push(reasons);
    }
    // Three languages, three different wordings of each reason.
    for i in 0..expected.len() {
        let words: BTreeSet<&String> = reasons_by_lang.iter().map(|r| &r[i]).collect();
        assert_eq!(words.len(), 3, "{}: {words:?}", expected[i].0);
    }
    assert_eq!(count::<sharaka_domain::Organisation>(&app).await, 0);
    assert_eq!(audit_total(&app).await, 0);
}

backend_tests!(
    an_invalid_update_lists_every_field_and_writes_nothing,
    Data::Empty,
    an_invalid_update_lists_every_field_and_writes_nothing
);
async fn an_invalid_update_lists_every_field_and_writes_nothing(app: TestApp) {
    let created = create_org(&app, org_input("Association Relais")).await;
    let id = text(&created["id"]);
    // `name: null` empties a required text; the acronym is too long; the website is not a URL.
    let response = app
        .query(
            &update_org_query(),
            json!({ "input": {
                "id": id, "expectedVersion": 1, "name": null,
                "acronym": "A".repeat(33), "website": "www.relais.ma"
            } }),
        )
        .await;
    let ext = refused(&response, "BAD_USER_INPUT");
    assert_eq!(
        field_problems(ext),
        pairs(&[
            ("name", "NEEDS_ONE_LANGUAGE"),
            ("acronym", "TOO_LONG"),
            ("website", "INVALID_URL"),
        ])
    );
    assert_eq!(read_org(&app, &id).await, created);
    assert_eq!(
        actions(&audit_of(&app, &text(&created["localId"])).await),
        ["createOrganisation"]
    );
}

backend_tests!(
    agreement_validation_refusals,
    Data::Empty,
    agreement_validation_refusals
);
async fn agreement_validation_refusals(app: TestApp) {
    let (a, b) = two_orgs(&app).await;
    let outsider = text(&create_org(&app, org_input("Tiers")).await["id"]);

    /// What a case changes in a valid input (given the outsider's id).
    type Edit = fn(&mut Value, &str);
    /// A case: what it shows, its change, and the expected `(path, problem)` refusals.
    type Case = (&'static str, Edit, Vec<(String, String)>);
    let cases: Vec<Case> = vec![
        (
            "a commitment owed by an organisation that is not a party",
            |i, outsider| i["commitments"][1]["partyOrganisationId"] = json!(outsider),
            pairs(&[("commitments[1].partyOrganisationId", "NOT_A_PARTY")]),
        ),
        (
            "the end before the start",
            |i, _| i["effectiveTo"] = json!("2024-05"),
            pairs(&[("effectiveTo", "DATE_ORDER")]),
        ),
        (
            "agreed before drafted",
            |i, _| i["agreedOn"] = json!("2023-01-15"),
            pairs(&[("agreedOn", "DATE_ORDER")]),
        ),
        (
            "no party",
            |i, _| {
                i["parties"] = json!([]);
                i["commitments"] = json!([]);
            },
            pairs(&[("parties", "AT_LEAST_ONE_REQUIRED")]),
        ),
        (
            "an amendment without the agreement it amends",
            |i, _| i["agreementType"] = json!("AMENDMENT"),
            pairs(&[("parentId", "AMENDMENT_NEEDS_PARENT")]),
        ),
        (
            "the same party twice in the same role",
            |i, _| i["parties"][2]["role"] = json!("SIGNATORY"),
            pairs(&[("parties[2].role", "DUPLICATE_ENTRY")]),
        ),
        (
            "every invalid field at once",
            |i, outsider| {
                i["title"] = json!({ "fr": "" });
                i["effectiveTo"] = json!("2010");
                i["parties"][0]["signedOn"] = json!("yesterday");
                i["commitments"][0]["partyOrganisationId"] = json!(outsider);
                i["commitments"][1]["description"] = json!({});
                i["commitments"][1]["dueOn"] = json!("2025-02-30");
            },
            pairs(&[
                ("title", "NEEDS_ONE_LANGUAGE"),
                ("effectiveTo", "DATE_ORDER"),
                ("parties[0].signedOn", "INVALID_DATE"),
                ("commitments[0].partyOrganisationId", "NOT_A_PARTY"),
                ("commitments[1].description", "NEEDS_ONE_LANGUAGE"),
                ("commitments[1].dueOn", "INVALID_DATE"),
            ]),
        ),
    ];
    for (what, edit, expected) in cases {
        let mut input = agreement_input(&a, &b);
        edit(&mut input, &outsider);
        let response = app
            .query(&create_agreement_query(), json!({ "input": input }))
            .await;
        assert_eq!(
            error_codes(&response),
            ["BAD_USER_INPUT"],
            "{what}: {response:#}"
        );
        assert_eq!(
            field_problems(&response["errors"][0]["extensions"]),
            expected,
            "{what}"
        );
    }

    // A party that does not exist is named by its path.
    let mut input = agreement_input(&a, &b);
    input["parties"][1]["organisationId"] = json!(global_id("Organisation", "org:nowhere"));
    input["commitments"] = json!([]);
    let response = app
        .query(&create_agreement_query(), json!({ "input": input }))
        .await;
    let ext = refused(&response, "BAD_USER_INPUT");
    let paths: Vec<String> = field_problems(ext).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["parties[1].organisationId"]);

    assert_eq!(count::<sharaka_domain::Agreement>(&app).await, 0);
    assert_eq!(count::<sharaka_domain::AgreementParty>(&app).await, 0);
    assert_eq!(count::<sharaka_domain::Commitment>(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// 3. The agreement lifecycle, table-driven
// ---------------------------------------------------------------------------------------------

/// Every transition mutation and the action code it applies (DOMAIN.md §4.5).
const TRANSITIONS: [(&str, &str); 12] = [
    ("submitAgreement", "SUBMIT"),
    ("redraftAgreement", "REDRAFT"),
    ("agreeAgreement", "AGREE"),
    ("reopenAgreement", "REOPEN"),
    ("signAgreement", "SIGN"),
    ("enterAgreementIntoForce", "ENTER_INTO_FORCE"),
    ("suspendAgreement", "SUSPEND"),
    ("resumeAgreement", "RESUME"),
    ("completeAgreement", "COMPLETE"),
    ("terminateAgreement", "TERMINATE"),
    ("supersedeAgreement", "SUPERSEDE"),
    ("abandonAgreement", "ABANDON"),
];

/// The actions the agreement table allows from each status, in declaration order. `EXPIRE` is
/// time-driven and has no mutation.
fn allowed(status: &str) -> &'static [&'static str] {
    match status {
        "DRAFT" => &["SUBMIT", "ABANDON"],
        "UNDER_NEGOTIATION" => &["REDRAFT", "AGREE", "ABANDON"],
        "AGREED_PENDING_SIGNATURE" => &["REOPEN", "SIGN", "ABANDON"],
        "SIGNED" => &["ENTER_INTO_FORCE", "TERMINATE"],
        "ACTIVE" => &["SUSPEND", "COMPLETE", "EXPIRE", "TERMINATE", "SUPERSEDE"],
        "SUSPENDED" => &["RESUME", "TERMINATE"],
        "COMPLETED" | "EXPIRED" | "TERMINATED" | "SUPERSEDED" | "ABANDONED" => &[],
        other => panic!("unknown status {other}"),
    }
}

/// One step of a walk through the lifecycle.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The transition (mutation, reason, date) succeeds and leads to the status.
    Go(
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
    ),
    /// The transition is refused (by the table or a guard) from the current status.
    Refused(&'static str, Option<&'static str>, Option<&'static str>),
    /// The party of organisation `i` (0 or 1) in role `SIGNATORY` signs on the date.
    Signs(usize, &'static str),
    /// A successor agreement naming this one in `supersedesId` is created.
    SuccessorCreated,
}

async fn apply_transition(
    app: &TestApp,
    mutation: &str,
    id: &str,
    version: i64,
    reason: Option<&str>,
    date: Option<&str>,
) -> Value {
    app.query(
        &format!(
            "mutation($id: ID!, $v: Int!, $reason: String, $date: String) {{ \
             {mutation}(id: $id, expectedVersion: $v, reason: $reason, date: $date) {{ \
             id version status signedOn effectiveFrom terminatedOn }} }}"
        ),
        json!({ "id": id, "v": version, "reason": reason, "date": date }),
    )
    .await
}

/// The party's global id and version. `AgreementParty` does not expose its `version` in the
/// API, so it is read from the store.
async fn signatory(app: &TestApp, agreement: &str, organisation: &str) -> (String, i32) {
    let parties = app
        .store()
        .list::<sharaka_domain::AgreementParty>(&ListQuery {
            filter: Some(Filter::All(vec![
                Filter::Compare {
                    field: "agreement_id",
                    op: Op::Eq,
                    value: DbValue::Text(agreement.to_owned()),
                },
                Filter::Compare {
                    field: "organisation_id",
                    op: Op::Eq,
                    value: DbValue::Text(organisation.to_owned()),
                },
                Filter::Compare {
                    field: "role",
                    op: Op::Eq,
                    value: DbValue::Text("SIGNATORY".to_owned()),
                },
            ])),
            ..ListQuery::first(10)
        })
        .await
        .expect("parties");
    assert_eq!(parties.len(), 1, "one signatory party");
    let party = &parties[0];
    (
        global_id("AgreementParty", party.id.as_str()),
        party.meta.version,
    )
}

/// An agreement under test: its ids and its two organisations' local ids.
struct Walked {
    id: String,
    local: String,
    orgs: [String; 2],
}

async fn new_walked(app: &TestApp, effective_from: &str) -> Walked {
    let a = create_org(app, org_input("Direction pénitentiaire")).await;
    let b = create_org(app, org_input("Fondation partenaire")).await;
    let mut input = agreement_input(&text(&a["id"]), &text(&b["id"]));
    input["effectiveFrom"] = json!(effective_from);
    input["effectiveTo"] = Value::Null;
    let created = create_agreement(app, input).await;
    Walked {
        id: text(&created["id"]),
        local: text(&created["localId"]),
        orgs: [text(&a["localId"]), text(&b["localId"])],
    }
}

/// Asserts that every transition the table forbids from `status` is refused with
/// `INVALID_TRANSITION`, the current status and the allowed actions, and writes nothing.
async fn probe_forbidden(app: &TestApp, id: &str, status: &str, version: i64) {
    for (mutation, action) in TRANSITIONS {
        if allowed(status).contains(&action) {
            continue;
        }
        let response = apply_transition(
            app,
            mutation,
            id,
            version,
            Some("probe"),
            Some("2025-01-01"),
        )
        .await;
        let ext = refused(&response, "INVALID_TRANSITION");
        assert_eq!(ext["currentStatus"], status, "{mutation} from {status}");
        assert_eq!(
            ext["allowedTransitions"],
            json!(allowed(status)),
            "{mutation} from {status}"
        );
    }
}

/// Walks `steps` from `DRAFT`; after every status reached, probes every forbidden transition.
/// Checks the audit trail of the agreement at the end: one event per successful step.
async fn walk(app: &TestApp, agreement: &Walked, steps: &[Step]) {
    let mut status = "DRAFT".to_owned();
    let mut version = 1;
    let mut expected_events: Vec<(&str, Option<&str>, String, String)> = Vec::new();
    probe_forbidden(app, &agreement.id, &status, version).await;
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Go(mutation, reason, date, to) => {
                let response =
                    apply_transition(app, mutation, &agreement.id, version, reason, date).await;
                assert!(
                    response.get("errors").is_none(),
                    "step {i} {step:?} from {status}: {response:#}"
                );
                let moved = &response["data"][mutation];
                assert_eq!(moved["status"], to, "step {i} {step:?}");
                assert_eq!(int(&moved["version"]), version + 1, "step {i} {step:?}");
                expected_events.push((mutation, reason, status.clone(), to.to_owned()));
                status = to.to_owned();
                version += 1;
                probe_forbidden(app, &agreement.id, &status, version).await;
            }
            Step::Refused(mutation, reason, date) => {
                let response =
                    apply_transition(app, mutation, &agreement.id, version, reason, date).await;
                let ext = refused(&response, "INVALID_TRANSITION");
                assert_eq!(ext["currentStatus"], status.as_str(), "step {i} {step:?}");
                assert_eq!(
                    ext["allowedTransitions"],
                    json!(allowed(&status)),
                    "step {i} {step:?}"
                );
            }
            Step::Signs(org, on) => {
                let (party, party_version) =
                    signatory(app, &agreement.local, &agreement.orgs[org]).await;
                let signed = app
                    .data(
                        "mutation($id: ID!, $v: Int!, $on: String!) { \
                         recordPartySignature(partyId: $id, expectedVersion: $v, signedOn: $on) \
                         { id signedOn } }",
                        json!({ "id": party, "v": party_version, "on": on }),
                    )
                    .await;
                assert_eq!(
                    signed["recordPartySignature"],
                    json!({ "id": party, "signedOn": on })
                );
            }
            Step::SuccessorCreated => {
                let (a, b) = (
                    global_id("Organisation", &agreement.orgs[0]),
                    global_id("Organisation", &agreement.orgs[1]),
                );
                let mut input = agreement_input(&a, &b);
                input["supersedesId"] = json!(agreement.id);
                create_agreement(app, input).await;
            }
        }
    }
    // The audit trail holds the creation and each transition, with the states and reasons.
    let events = audit_of(app, &agreement.local).await;
    assert_eq!(events.len(), expected_events.len() + 1, "{events:#?}");
    assert_eq!(events[0].action, "createAgreement");
    for (event, (action, reason, from, to)) in events[1..].iter().zip(&expected_events) {
        assert_eq!(event.action, *action);
        assert_eq!(event.entity, "Agreement");
        assert_eq!(event.actor, "dev");
        assert_eq!(event.reason.as_deref(), *reason, "{action}");
        let before = event.before.as_ref().expect("before");
        let after = event.after.as_ref().expect("after");
        assert_eq!(before["status"], from.as_str(), "{action}");
        assert_eq!(after["status"], to.as_str(), "{action}");
        assert_eq!(
            int(&after["version"]),
            int(&before["version"]) + 1,
            "{action}"
        );
    }
    // The API's `history` tells the same story.
    let history = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Agreement { \
             history(first: 100) { nodes { action reason } } } } }",
            json!({ "id": agreement.id }),
        )
        .await;
    let told: Vec<(String, Option<String>)> = history["node"]["history"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .map(|n| (text(&n["action"]), n["reason"].as_str().map(str::to_owned)))
        .collect();
    let stored: Vec<(String, Option<String>)> = events
        .iter()
        .map(|e| (e.action.clone(), e.reason.clone()))
        .collect();
    assert_eq!(told, stored);
}

backend_tests!(
    agreement_lifecycle_from_draft_to_termination,
    Data::Empty,
    agreement_lifecycle_from_draft_to_termination
);
async fn agreement_lifecycle_from_draft_to_termination(app: TestApp) {
    use Step::*;
    let agreement = new_walked(&app, "2024-06-01").await;
    let reason = Some("Audit des comptes du partenaire");
    walk(
        &app,
        &agreement,
        &[
            Refused("signAgreement", None, None),
            Go("submitAgreement", None, None, "UNDER_NEGOTIATION"),
            Go("agreeAgreement", None, None, "AGREED_PENDING_SIGNATURE"),
            // No signatory has a date yet, then one of two.
            Refused("signAgreement", None, None),
            Signs(0, "2024-03-01"),
            Refused("signAgreement", None, None),
            Signs(1, "2024-03-05"),
            Go("signAgreement", None, None, "SIGNED"),
            Refused("suspendAgreement", reason, None),
            Go("enterAgreementIntoForce", None, None, "ACTIVE"),
            Refused("suspendAgreement", None, None),
            Refused("suspendAgreement", Some("   "), None),
            Go("suspendAgreement", reason, None, "SUSPENDED"),
            Go("resumeAgreement", None, None, "ACTIVE"),
            Refused("terminateAgreement", None, Some("2025-06-30")),
            Refused("terminateAgreement", Some("Fin anticipée"), None),
            Go(
                "terminateAgreement",
                Some("Fin anticipée"),
                Some("2025-06-30"),
                "TERMINATED",
            ),
        ],
    )
    .await;
    // Signing recorded the latest signature; termination its date.
    let read = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Agreement { status signedOn \
             effectiveFrom terminatedOn parties { nodes { role signedOn } } } } }",
            json!({ "id": agreement.id }),
        )
        .await["node"]
        .clone();
    assert_eq!(read["status"], "TERMINATED");
    assert_eq!(read["signedOn"], "2024-03-05");
    assert_eq!(read["effectiveFrom"], "2024-06-01");
    assert_eq!(read["terminatedOn"], "2025-06-30");
    // The signatures are audited on the parties, whose versions moved on.
    for org in &agreement.orgs {
        let (_, version) = signatory(&app, &agreement.local, org).await;
        assert_eq!(version, 2);
    }
    let party_events = app
        .store()
        .list::<AuditEvent>(&ListQuery {
            filter: Some(Filter::Compare {
                field: "action",
                op: Op::Eq,
                value: DbValue::Text("recordPartySignature".to_owned()),
            }),
            ..ListQuery::first(100)
        })
        .await
        .expect("audit");
    assert_eq!(party_events.len(), 2);
    assert!(party_events.iter().all(|e| e.entity == "AgreementParty"));
    let parties = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Agreement { parties { nodes { role \
             organisation { localId } history { nodes { action after } } } } } } }",
            json!({ "id": agreement.id }),
        )
        .await;
    for party in parties["node"]["parties"]["nodes"]
        .as_array()
        .expect("parties")
    {
        let history = party["history"]["nodes"].as_array().expect("history");
        if party["role"] == "SIGNATORY" {
            assert_eq!(history.len(), 1, "{party:#}");
            assert_eq!(history[0]["action"], "recordPartySignature");
            let expected = if party["organisation"]["localId"] == agreement.orgs[0].as_str() {
                "2024-03-01"
            } else {
                "2024-03-05"
            };
            assert_eq!(history[0]["after"]["signed_on"], expected);
        } else {
            assert!(history.is_empty(), "{party:#}");
        }
    }
}

backend_tests!(
    agreement_lifecycle_other_edges,
    Data::Empty,
    agreement_lifecycle_other_edges
);
async fn agreement_lifecycle_other_edges(app: TestApp) {
    use Step::*;
    let until_signed = [
        Go("submitAgreement", None, None, "UNDER_NEGOTIATION"),
        Go("agreeAgreement", None, None, "AGREED_PENDING_SIGNATURE"),
        Signs(0, "2024-03-01"),
        Signs(1, "2024-03-05"),
        Go("signAgreement", None, None, "SIGNED"),
    ];
    let walks: Vec<(&str, Vec<Step>)> = vec![
        (
            "abandoned as a draft",
            vec![Go("abandonAgreement", None, None, "ABANDONED")],
        ),
        (
            "redrafted, reopened, then abandoned while pending signature",
            vec![
                Go("submitAgreement", None, None, "UNDER_NEGOTIATION"),
                Go("redraftAgreement", None, None, "DRAFT"),
                Go("submitAgreement", None, None, "UNDER_NEGOTIATION"),
                Go("agreeAgreement", None, None, "AGREED_PENDING_SIGNATURE"),
                Go("reopenAgreement", None, None, "UNDER_NEGOTIATION"),
                Go("abandonAgreement", None, None, "ABANDONED"),
            ],
        ),
        (
            "abandoned pending signature",
            vec![
                Go("submitAgreement", None, None, "UNDER_NEGOTIATION"),
                Go("agreeAgreement", None, None, "AGREED_PENDING_SIGNATURE"),
                Go("abandonAgreement", None, None, "ABANDONED"),
            ],
        ),
        (
            "terminated once signed",
            until_signed
                .iter()
                .copied()
                .chain([
                    Refused("terminateAgreement", None, None),
                    Go(
                        "terminateAgreement",
                        Some("Le partenaire s'est retiré"),
                        Some("2024-05"),
                        "TERMINATED",
                    ),
                ])
                .collect(),
        ),
        (
            "completed",
            until_signed
                .iter()
                .copied()
                .chain([
                    Go("enterAgreementIntoForce", None, None, "ACTIVE"),
                    Go("completeAgreement", None, None, "COMPLETED"),
                ])
                .collect(),
        ),
        (
            "superseded by a successor",
            until_signed
                .iter()
                .copied()
                .chain([
                    Go("enterAgreementIntoForce", None, None, "ACTIVE"),
                    Refused("supersedeAgreement", None, None),
                    SuccessorCreated,
                    Go("supersedeAgreement", None, None, "SUPERSEDED"),
                ])
                .collect(),
        ),
        (
            "suspended then terminated",
            until_signed
                .iter()
                .copied()
                .chain([
                    Go("enterAgreementIntoForce", None, None, "ACTIVE"),
                    Go("suspendAgreement", Some("Enquête"), None, "SUSPENDED"),
                    Go(
                        "terminateAgreement",
                        Some("Enquête concluante"),
                        Some("2025-01-31"),
                        "TERMINATED",
                    ),
                ])
                .collect(),
        ),
    ];
    for (what, steps) in walks {
        eprintln!("walk: {what}");
        let agreement = new_walked(&app, "2024-06-01").await;
        walk(&app, &agreement, &steps).await;
    }

    // Not yet in force: the effective date is in the future.
    let agreement = new_walked(&app, "2999-01-01").await;
    walk(
        &app,
        &agreement,
        &until_signed
            .iter()
            .copied()
            .chain([Refused("enterAgreementIntoForce", None, None)])
            .collect::<Vec<_>>(),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// 4. Optimistic concurrency
// ---------------------------------------------------------------------------------------------

backend_tests!(
    a_stale_version_is_a_conflict_and_writes_nothing,
    Data::Empty,
    a_stale_version_is_a_conflict_and_writes_nothing
);
async fn a_stale_version_is_a_conflict_and_writes_nothing(app: TestApp) {
    let created = create_org(&app, org_input("Observatoire marocain des prisons")).await;
    let id = text(&created["id"]);
    app.data(
        &update_org_query(),
        json!({ "input": { "id": id, "expectedVersion": 1, "acronym": "OMP" } }),
    )
    .await;
    let audit_before = audit_total(&app).await;
    for stale in [1, 0, 7] {
        let response = app
            .query(
                &update_org_query(),
                json!({ "input": { "id": id, "expectedVersion": stale, "acronym": "LOST" } }),
            )
            .await;
        let ext = refused(&response, "CONFLICT");
        assert_eq!(ext["currentVersion"], 2, "expected version {stale}");
    }
    let read = read_org(&app, &id).await;
    assert_eq!(read["acronym"], "OMP");
    assert_eq!(read["version"], 2);
    assert_eq!(audit_total(&app).await, audit_before);

    // An unknown record is NOT_FOUND, not a conflict.
    let response = app
        .query(
            &update_org_query(),
            json!({ "input": { "id": global_id("Organisation", "org:nowhere"),
                               "expectedVersion": 1, "acronym": "X" } }),
        )
        .await;
    refused(&response, "NOT_FOUND");
}

const READ_DESCRIPTION: &str =
    "query($id: ID!) { node(id: $id) { ... on Organisation { version description { fr } } } }";
const WRITE_DESCRIPTION: &str = "mutation($id: ID!, $v: Int!, $fr: String!) { \
    updateOrganisation(input: { id: $id, expectedVersion: $v, description: { fr: $fr } }) \
    { version description { fr } } }";

/// Reads the organisation's version and French description.
async fn read_description(app: &App, id: &str) -> (i64, String) {
    let response = run(app, READ_DESCRIPTION, json!({ "id": id })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let node = &response["data"]["node"];
    (
        int(&node["version"]),
        node["description"]["fr"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Appends `token` to the description at `version`: `Ok(new version)` or `Err(current version)`
/// on a conflict (any other error fails the test).
async fn append(
    app: &App,
    id: &str,
    version: i64,
    description: &str,
    token: &str,
) -> Result<i64, i64> {
    let response = run(
        app,
        WRITE_DESCRIPTION,
        json!({ "id": id, "v": version, "fr": format!("{description}{token};") }),
    )
    .await;
    if response.get("errors").is_none() {
        return Ok(int(&response["data"]["updateOrganisation"]["version"]));
    }
    let ext = refused(&response, "CONFLICT");
    Err(int(&ext["currentVersion"]))
}

backend_tests!(
    concurrent_writers_lose_no_update,
    Data::Empty,
    concurrent_writers_lose_no_update
);
async fn concurrent_writers_lose_no_update(app: TestApp) {
    const WRITERS: usize = 8;
    let created = create_org(&app, org_input("Concurrence")).await;
    let id = text(&created["id"]);
    let local = text(&created["localId"]);

    // Rounds: every writer still waiting reads the same version, then all write at once.
    // Exactly one wins each round; the others get CONFLICT with the winner's version and retry
    // in the next round, re-reading what the winner wrote.
    let mut waiting: Vec<usize> = (0..WRITERS).collect();
    let mut version = 1;
    let mut round = 0;
    while !waiting.is_empty() {
        let barrier = Arc::new(tokio::sync::Barrier::new(waiting.len()));
        let tasks: Vec<_> = waiting
            .iter()
            .map(|&writer| {
                let (app, barrier, id) = (app.app.clone(), barrier.clone(), id.clone());
                tokio::spawn(async move {
                    let (read, description) = read_description(&app, &id).await;
                    barrier.wait().await;
                    let outcome =
                        append(&app, &id, read, &description, &format!("r{writer}")).await;
                    (writer, read, outcome)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (writer, read, outcome) = task.await.expect("writer task");
            assert_eq!(
                read, version,
                "round {round}: every writer read the same version"
            );
            match outcome {
                Ok(new) => {
                    assert_eq!(new, version + 1);
                    winners.push(writer);
                }
                Err(current) => assert_eq!(current, version + 1, "round {round}"),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one writer wins: {winners:?}"
        );
        waiting.retain(|w| *w != winners[0]);
        version += 1;
        round += 1;
    }
    assert_eq!(round, WRITERS);

    // Free for all: each writer appends three tokens, retrying on CONFLICT until it succeeds.
    const EACH: usize = 3;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (app, id) = (app.app.clone(), id.clone());
            tokio::spawn(async move {
                let mut conflicts = 0;
                for n in 0..EACH {
                    loop {
                        let (read, description) = read_description(&app, &id).await;
                        match append(&app, &id, read, &description, &format!("f{writer}.{n}")).await
                        {
                            Ok(_) => break,
                            Err(_) => conflicts += 1,
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.expect("writer task");
    }
    eprintln!("free for all: {conflicts} conflicts retried");

    let (final_version, description) = read_description(&app.app, &id).await;
    let successes = WRITERS + WRITERS * EACH;
    assert_eq!(
        final_version,
        1 + successes as i64,
        "one version per successful update"
    );
    let tokens: Vec<&str> = description.split(';').filter(|t| !t.is_empty()).collect();
    assert_eq!(tokens.len(), successes, "{description}");
    let distinct: BTreeSet<&str> = tokens.iter().copied().collect();
    assert_eq!(distinct.len(), successes, "no token twice: {description}");
    for writer in 0..WRITERS {
        assert!(
            distinct.contains(format!("r{writer}").as_str()),
            "{description}"
        );
        for n in 0..EACH {
            assert!(
                distinct.contains(format!("f{writer}.{n}").as_str()),
                "{description}"
            );
        }
    }
    // One audit event per successful update, none for a conflict.
    let events = audit_of(&app, &local).await;
    assert_eq!(events.len(), 1 + successes);
}

// ---------------------------------------------------------------------------------------------
// 5. Atomicity: a mutation request is all-or-nothing
// ---------------------------------------------------------------------------------------------

backend_tests!(
    several_mutation_fields_are_all_or_nothing_a_failure_half_way_writes_nothing,
    Data::Empty,
    several_mutation_fields_are_all_or_nothing_a_failure_half_way_writes_nothing
);
/// The rule (`App::execute`): a request's mutation fields run in one transaction, committed only
/// when every field succeeded. A failure in the second field rolls back the first.
async fn several_mutation_fields_are_all_or_nothing_a_failure_half_way_writes_nothing(
    app: TestApp,
) {
    let existing = create_org(&app, org_input("Existant")).await;
    let existing_id = text(&existing["id"]);
    let orgs_before = count::<sharaka_domain::Organisation>(&app).await;
    let audit_before = audit_total(&app).await;

    // Create OK, then an invalid create.
    let response = app
        .query(
            "mutation($ok: CreateOrganisationInput!, $bad: CreateOrganisationInput!) { \
             first: createOrganisation(input: $ok, idempotencyKey: \"atomic-1\") { id } \
             second: createOrganisation(input: $bad) { id } }",
            json!({
                "ok": org_input("Atomique premier"),
                "bad": { "name": {}, "category": "OTHER" }
            }),
        )
        .await;
    let ext = refused(&response, "BAD_USER_INPUT");
    assert_eq!(
        field_problems(ext),
        pairs(&[("name", "NEEDS_ONE_LANGUAGE")])
    );
    assert_eq!(response["errors"][0]["path"], json!(["second"]));
    assert_eq!(
        orgs_named(&app, "Atomique").await,
        0,
        "the first create was rolled back"
    );

    // Update OK, then a stale update of the same record.
    let response = app
        .query(
            "mutation($id: ID!) { \
             a: updateOrganisation(input: { id: $id, expectedVersion: 1, acronym: \"EX\" }) { version } \
             b: updateOrganisation(input: { id: $id, expectedVersion: 1, acronym: \"EY\" }) { version } }",
            json!({ "id": existing_id }),
        )
        .await;
    assert_eq!(refused(&response, "CONFLICT")["currentVersion"], 2);
    assert_eq!(
        read_org(&app, &existing_id).await,
        existing,
        "the first update was rolled back"
    );

    // A create, an update and an invalid transition.
    let response = app
        .query(
            "mutation($id: ID!, $agreement: ID!) { \
             c: createOrganisation(input: { name: { en: \"Atomic third\" }, category: OTHER }) { id } \
             u: updateOrganisation(input: { id: $id, expectedVersion: 1, website: \"https://ex.ma\" }) { version } \
             t: submitAgreement(id: $agreement, expectedVersion: 1) { id } }",
            json!({ "id": existing_id, "agreement": global_id("Agreement", "agr:nowhere") }),
        )
        .await;
    refused(&response, "NOT_FOUND");
    assert_eq!(orgs_named(&app, "Atomic third").await, 0);
    assert_eq!(read_org(&app, &existing_id).await, existing);

    assert_eq!(
        count::<sharaka_domain::Organisation>(&app).await,
        orgs_before
    );
    assert_eq!(
        audit_total(&app).await,
        audit_before,
        "no audit event survives a rollback"
    );

    // The rolled-back create did not consume its idempotency key.
    let again = app
        .data(
            &create_org_query(),
            json!({ "input": org_input("Atomique premier"), "key": "atomic-1" }),
        )
        .await;
    assert_eq!(
        again["createOrganisation"]["name"]["fr"],
        "Atomique premier"
    );
    assert_eq!(orgs_named(&app, "Atomique").await, 1);
}

backend_tests!(
    nested_agreement_creates_are_atomic,
    Data::Empty,
    nested_agreement_creates_are_atomic
);
async fn nested_agreement_creates_are_atomic(app: TestApp) {
    let (a, b) = two_orgs(&app).await;
    let outsider = text(&create_org(&app, org_input("Tiers")).await["id"]);
    let audit_before = audit_total(&app).await;

    // An invalid commitment: no agreement, party or commitment is written.
    let mut input = agreement_input(&a, &b);
    input["commitments"][1]["partyOrganisationId"] = json!(outsider);
    let response = app
        .query(&create_agreement_query(), json!({ "input": input }))
        .await;
    refused(&response, "BAD_USER_INPUT");

    // A valid nested create (agreement, 3 parties, 2 commitments) followed, in the same
    // request, by a failing field: everything the nested create wrote is rolled back.
    let response = app
        .query(
            "mutation($input: CreateAgreementInput!, $id: ID!) { \
             created: createAgreement(input: $input) { id parties { totalCount } } \
             failed: updateOrganisation(input: { id: $id, expectedVersion: 99, acronym: \"X\" }) { id } }",
            json!({ "input": agreement_input(&a, &b), "id": a }),
        )
        .await;
    refused(&response, "CONFLICT");

    assert_eq!(count::<sharaka_domain::Agreement>(&app).await, 0);
    assert_eq!(count::<sharaka_domain::AgreementParty>(&app).await, 0);
    assert_eq!(count::<sharaka_domain::Commitment>(&app).await, 0);
    assert_eq!(audit_total(&app).await, audit_before);
    let listed = app
        .data(
            "{ agreements(includeArchived: true) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["agreements"]["totalCount"], 0);
}

// ---------------------------------------------------------------------------------------------
// 6. Idempotency
// ---------------------------------------------------------------------------------------------

backend_tests!(idempotent_creates, Data::Empty, idempotent_creates);
async fn idempotent_creates(app: TestApp) {
    let input = org_input("Idempotence");
    let first = app
        .data(
            &create_org_query(),
            json!({ "input": input, "key": "req-42" }),
        )
        .await["createOrganisation"]
        .clone();
    let second = app
        .data(
            &create_org_query(),
            json!({ "input": input, "key": "req-42" }),
        )
        .await["createOrganisation"]
        .clone();
    assert_eq!(second, first, "the retry returns the first result");
    assert_eq!(orgs_named(&app, "Idempotence").await, 1);
    assert_eq!(
        actions(&audit_of(&app, &text(&first["localId"])).await),
        ["createOrganisation"],
        "the retry writes no second audit event"
    );

    // Without a key, each create is a new record.
    create_org(&app, input.clone()).await;
    create_org(&app, input.clone()).await;
    assert_eq!(orgs_named(&app, "Idempotence").await, 3);

    // The same key for another mutation is refused, and creates nothing.
    let sites_before = count::<sharaka_domain::Site>(&app).await;
    let response = app
        .query(
            "mutation { createSite(input: { siteType: LOCAL_PRISON, name: { fr: \"Prison locale\" } }, \
             idempotencyKey: \"req-42\") { id } }",
            json!({}),
        )
        .await;
    refused(&response, "BAD_USER_INPUT");
    assert_eq!(count::<sharaka_domain::Site>(&app).await, sites_before);

    // A refused create does not consume its key.
    let response = app
        .query(
            &create_org_query(),
            json!({ "input": { "name": {}, "category": "OTHER" }, "key": "req-43" }),
        )
        .await;
    refused(&response, "BAD_USER_INPUT");
    let created = app
        .data(
            &create_org_query(),
            json!({ "input": org_input("Clé réutilisée"), "key": "req-43" }),
        )
        .await;
    assert_eq!(
        created["createOrganisation"]["name"]["fr"],
        "Clé réutilisée"
    );

    // Keys belong to an actor: another identity's key of the same name is its own.
    let theirs = run_as(
        &app.app,
        someone_else("autre.agent"),
        &create_org_query(),
        json!({ "input": input, "key": "req-42" }),
        Lang::default(),
    )
    .await;
    assert!(theirs.get("errors").is_none(), "{theirs:#}");
    assert_ne!(theirs["data"]["createOrganisation"]["id"], first["id"]);
    assert_eq!(orgs_named(&app, "Idempotence").await, 4);
}

backend_tests!(
    concurrent_retries_with_one_key_create_one_record,
    Data::Empty,
    concurrent_retries_with_one_key_create_one_record
);
async fn concurrent_retries_with_one_key_create_one_record(app: TestApp) {
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let app = app.app.clone();
            tokio::spawn(async move {
                run(
                    &app,
                    &create_org_query(),
                    json!({ "input": org_input("Course"), "key": "same-key" }),
                )
                .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        let response = task.await.expect("task");
        if response.get("errors").is_none() {
            ids.insert(text(&response["data"]["createOrganisation"]["id"]));
        } else {
            // A retry racing the first attempt may lose on the key's uniqueness; it writes
            // nothing and a later retry returns the first result.
            refused(&response, "CONFLICT");
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(orgs_named(&app, "Course").await, 1);
    let again = app
        .data(
            &create_org_query(),
            json!({ "input": org_input("Course"), "key": "same-key" }),
        )
        .await;
    assert!(ids.contains(&text(&again["createOrganisation"]["id"])));
}

// ---------------------------------------------------------------------------------------------
// 7. Audit
// ---------------------------------------------------------------------------------------------

backend_tests!(
    every_change_writes_one_audit_event,
    Data::Empty,
    every_change_writes_one_audit_event
);
async fn every_change_writes_one_audit_event(app: TestApp) {
    let created = create_org(
        &app,
        json!({ "name": { "fr": "Audit" }, "acronym": "AUD", "category": "OTHER" }),
    )
    .await;
    let (id, local) = (text(&created["id"]), text(&created["localId"]));
    let events = audit_of(&app, &local).await;
    assert_eq!(events.len(), 1);
    let create = &events[0];
    assert_eq!(create.actor, "dev");
    assert_eq!(create.entity, "Organisation");
    assert_eq!(create.record_id, local);
    assert_eq!(create.action, "createOrganisation");
    assert_eq!(create.reason, None);
    assert_eq!(create.before, None);
    assert_eq!(
        create.request_id, None,
        "in-process requests have no request id"
    );
    let after = create.after.as_ref().expect("after");
    assert_eq!(after["id"], local.as_str());
    assert_eq!(after["name_fr"], "Audit");
    assert_eq!(after["acronym"], "AUD");
    assert_eq!(int(&after["version"]), 1);

    app.data(
        &update_org_query(),
        json!({ "input": { "id": id, "expectedVersion": 1, "acronym": "AUD2" } }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 2, reason: \"Doublon\") { id } }",
        json!({ "id": id }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { restoreRecord(id: $id, expectedVersion: 3) { id } }",
        json!({ "id": id }),
    )
    .await;

    let events = audit_of(&app, &local).await;
    assert_eq!(
        actions(&events),
        [
            "createOrganisation",
            "updateOrganisation",
            "archive",
            "restore"
        ]
    );
    for (i, event) in events.iter().enumerate().skip(1) {
        assert_eq!(event.actor, "dev");
        assert_eq!(event.entity, "Organisation");
        let (before, after) = (
            event.before.as_ref().expect("before"),
            event.after.as_ref().expect("after"),
        );
        assert_eq!(int(&before["version"]), i as i64, "{}", event.action);
        assert_eq!(int(&after["version"]), i as i64 + 1, "{}", event.action);
        // Each event's `before` is the previous event's `after`, but for what changed.
        let previous = events[i - 1].after.as_ref().expect("after");
        assert_eq!(before["acronym"], previous["acronym"]);
    }
    let update = &events[1];
    assert_eq!(update.before.as_ref().expect("before")["acronym"], "AUD");
    assert_eq!(update.after.as_ref().expect("after")["acronym"], "AUD2");
    assert_eq!(update.reason, None);
    let archive = &events[2];
    assert_eq!(archive.reason.as_deref(), Some("Doublon"));
    assert!(archive.before.as_ref().expect("before")["archived_at"].is_null());
    assert!(!archive.after.as_ref().expect("after")["archived_at"].is_null());
    let restore = &events[3];
    assert!(!restore.before.as_ref().expect("before")["archived_at"].is_null());
    assert!(restore.after.as_ref().expect("after")["archived_at"].is_null());

    // Refusals of every kind write no event.
    let total = audit_total(&app).await;
    for (query, variables) in [
        (
            update_org_query(),
            json!({ "input": { "id": id, "expectedVersion": 1, "acronym": "STALE" } }),
        ),
        (
            update_org_query(),
            json!({ "input": { "id": id, "expectedVersion": 4, "website": "nope" } }),
        ),
        (
            create_org_query(),
            json!({ "input": { "name": {}, "category": "OTHER" } }),
        ),
    ] {
        let response = app.query(&query, variables).await;
        assert!(response.get("errors").is_some(), "{response:#}");
    }
    assert_eq!(audit_total(&app).await, total);
}

backend_tests!(
    the_audit_actor_is_the_request_principal,
    Data::Empty,
    the_audit_actor_is_the_request_principal
);
async fn the_audit_actor_is_the_request_principal(app: TestApp) {
    let response = run_as(
        &app.app,
        someone_else("amina.benali"),
        &create_org_query(),
        json!({ "input": org_input("Acteur") }),
        Lang::default(),
    )
    .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let local = text(&response["data"]["createOrganisation"]["localId"]);
    let events = audit_of(&app, &local).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, "amina.benali");
}

backend_tests!(
    the_request_id_is_recorded_over_http,
    Data::Empty,
    the_request_id_is_recorded_over_http
);
async fn the_request_id_is_recorded_over_http(app: TestApp) {
    let base = app.spawn().await.expect("server");
    let response: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("x-request-id", "write-path-req-1")
        .json(&json!({
            "query": create_org_query(),
            "variables": { "input": org_input("Par HTTP") }
        }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(response.get("errors").is_none(), "{response:#}");
    let local = text(&response["data"]["createOrganisation"]["localId"]);
    let events = audit_of(&app, &local).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].request_id.as_deref(), Some("write-path-req-1"));
    // Without credentials the request acts as the anonymous principal (an administrator in
    // the test configuration).
    assert_eq!(events[0].actor, "anonymous");
}

// ---------------------------------------------------------------------------------------------
// 8. Archive and restore
// ---------------------------------------------------------------------------------------------

async fn listed_orgs(app: &TestApp, include_archived: bool) -> (i64, Vec<String>) {
    let data = app
        .data(
            "query($all: Boolean!) { organisations(includeArchived: $all, first: 100) \
             { totalCount nodes { id } } }",
            json!({ "all": include_archived }),
        )
        .await;
    let ids = data["organisations"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| text(&n["id"]))
        .collect();
    (int(&data["organisations"]["totalCount"]), ids)
}

backend_tests!(archive_and_restore, Data::Empty, archive_and_restore);
async fn archive_and_restore(app: TestApp) {
    create_org(&app, org_input("Reste visible")).await;
    let target = create_org(&app, org_input("À archiver")).await;
    let id = text(&target["id"]);
    assert_eq!(listed_orgs(&app, false).await.0, 2);

    let archived = app
        .data(
            "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1, reason: \"Doublon\") \
             { id ... on Organisation { version } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(archived["archiveRecord"], json!({ "id": id, "version": 2 }));

    let (total, ids) = listed_orgs(&app, false).await;
    assert_eq!(
        (total, ids.contains(&id)),
        (1, false),
        "hidden from the default list"
    );
    let (total, ids) = listed_orgs(&app, true).await;
    assert_eq!(
        (total, ids.contains(&id)),
        (2, true),
        "shown with includeArchived"
    );
    let read = read_org(&app, &id).await;
    assert_eq!(read["version"], 2, "node(id) still reads it");
    assert_eq!(read["name"], target["name"]);

    // A stale version is refused; nothing changes.
    let response = app
        .query(
            "mutation($id: ID!) { restoreRecord(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(refused(&response, "CONFLICT")["currentVersion"], 2);
    let response = app
        .query(
            "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(refused(&response, "CONFLICT")["currentVersion"], 2);
    assert_eq!(listed_orgs(&app, false).await.0, 1);

    let restored = app
        .data(
            "mutation($id: ID!) { restoreRecord(id: $id, expectedVersion: 2) \
             { id ... on Organisation { version } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(restored["restoreRecord"], json!({ "id": id, "version": 3 }));
    let (total, ids) = listed_orgs(&app, false).await;
    assert_eq!(
        (total, ids.contains(&id)),
        (2, true),
        "back in the default list"
    );

    // Archiving with a stale version after the restore is a conflict too.
    let response = app
        .query(
            "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(refused(&response, "CONFLICT")["currentVersion"], 3);

    // An unknown record is NOT_FOUND.
    let response = app
        .query(
            "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": global_id("Organisation", "org:nowhere") }),
        )
        .await;
    refused(&response, "NOT_FOUND");
}

backend_tests!(
    an_archived_agreement_is_hidden_and_kept,
    Data::Empty,
    an_archived_agreement_is_hidden_and_kept
);
async fn an_archived_agreement_is_hidden_and_kept(app: TestApp) {
    let (a, b) = two_orgs(&app).await;
    let created = create_agreement(&app, agreement_input(&a, &b)).await;
    let id = text(&created["id"]);
    app.data(
        "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1) { id } }",
        json!({ "id": id }),
    )
    .await;
    let data = app
        .data(
            "{ default: agreements { totalCount } all: agreements(includeArchived: true) \
             { totalCount nodes { id version parties { totalCount } commitments { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["default"]["totalCount"], 0);
    assert_eq!(
        data["all"]["nodes"],
        json!([{ "id": id, "version": 2, "parties": { "totalCount": 3 },
                 "commitments": { "totalCount": 2 } }]),
        "archiving keeps its relations"
    );
}

backend_tests!(
    history_and_the_audit_events_connection,
    Data::Empty,
    history_and_the_audit_events_connection
);
/// The query side of the audit trail: `history` on a node (oldest first) and the `auditEvents`
/// root connection (newest first) with its filters.
async fn history_and_the_audit_events_connection(app: TestApp) {
    let created = create_org(
        &app,
        json!({ "name": { "fr": "Historique" }, "acronym": "HIS", "category": "OTHER" }),
    )
    .await;
    let id = text(&created["id"]);
    app.data(
        &update_org_query(),
        json!({ "input": { "id": id, "expectedVersion": 1, "acronym": "HIS2" } }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 2, reason: \"Doublon\") { id } }",
        json!({ "id": id }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { restoreRecord(id: $id, expectedVersion: 3) { id } }",
        json!({ "id": id }),
    )
    .await;
    let theirs = run_as(
        &app.app,
        someone_else("amina.benali"),
        &create_org_query(),
        json!({ "input": org_input("Autre") }),
        Lang::default(),
    )
    .await;
    let theirs = text(&theirs["data"]["createOrganisation"]["id"]);
    // A refused change leaves no trace.
    let response = app
        .query(
            &update_org_query(),
            json!({ "input": { "id": id, "expectedVersion": 1, "acronym": "STALE" } }),
        )
        .await;
    refused(&response, "CONFLICT");

    let history = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Organisation { history { totalCount nodes { \
             entity recordId action actor reason requestId changedFields before after } } } } }",
            json!({ "id": id }),
        )
        .await["node"]["history"]
        .clone();
    assert_eq!(history["totalCount"], 4);
    let nodes = history["nodes"].as_array().expect("history");
    let got: Vec<(String, Value, Value)> = nodes
        .iter()
        .map(|n| {
            assert_eq!(n["entity"], "Organisation");
            assert_eq!(n["recordId"], id.as_str());
            assert_eq!(n["actor"], "dev");
            assert_eq!(n["requestId"], Value::Null);
            (
                text(&n["action"]),
                n["reason"].clone(),
                n["changedFields"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "createOrganisation".to_owned(),
                Value::Null,
                got[0].2.clone()
            ),
            (
                "updateOrganisation".to_owned(),
                Value::Null,
                json!(["acronym"])
            ),
            (
                "archive".to_owned(),
                json!("Doublon"),
                json!(["archived_at"])
            ),
            ("restore".to_owned(), Value::Null, json!(["archived_at"])),
        ]
    );
    assert_eq!(nodes[0]["before"], Value::Null);
    assert_eq!(nodes[0]["after"]["acronym"], "HIS");
    assert_eq!(nodes[1]["before"]["acronym"], "HIS");
    assert_eq!(nodes[1]["after"]["acronym"], "HIS2");

    let events = |filter: Value| {
        let app = &app;
        async move {
            app.data(
                "query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount \
                 nodes { action actor recordId } } }",
                json!({ "f": filter }),
            )
            .await["auditEvents"]
                .clone()
        }
    };
    let of_record = events(json!({ "record": [id] })).await;
    let newest_first: Vec<&str> = of_record["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        newest_first,
        [
            "restore",
            "archive",
            "updateOrganisation",
            "createOrganisation"
        ]
    );
    assert_eq!(
        events(json!({ "actorIn": ["amina.benali"] })).await["nodes"],
        json!([{ "action": "createOrganisation", "actor": "amina.benali", "recordId": theirs }])
    );
    assert_eq!(
        events(json!({ "actionIn": ["archive", "restore"] })).await["totalCount"],
        2
    );
    assert_eq!(
        events(json!({ "entityIn": ["Organisation"] })).await["totalCount"],
        5
    );
    assert_eq!(
        events(json!({ "entityIn": ["Agreement"] })).await["totalCount"],
        0
    );
    assert_eq!(
        events(json!({ "record": [id, theirs], "actorIn": ["dev"] })).await["totalCount"],
        4
    );
    assert_eq!(
        events(json!({ "occurred": { "from": "2000-01-01T00:00:00Z" } })).await["totalCount"],
        5
    );
    assert_eq!(
        events(json!({ "occurred": { "to": "2000-01-01T00:00:00Z" } })).await["totalCount"],
        0
    );
    assert_eq!(events(json!(null)).await["totalCount"], 5);
}

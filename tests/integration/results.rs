//! IATI's result model on projects (issue 5): a result created with nested indicators and
//! periods in one atomic step; actuals recorded at a version (a stale one is `CONFLICT`);
//! validation errors with their codes and field lists; access following the project's; target
//! against actual on the dashboard, checked against hand-computed numbers; and `<result>`
//! elements in the IATI export, validated against the 2.03 XSD.

use serde_json::{Value, json};
use sharaka_domain::{OrganisationId, Principal, Role};
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

/// The `(path, problem)` pairs of a `BAD_USER_INPUT` response.
fn fields(response: &Value) -> Vec<(String, String)> {
    response["errors"][0]["extensions"]["fields"]
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

fn pair(path: &str, problem: &str) -> (String, String) {
    (path.to_owned(), problem.to_owned())
}

fn partner(org: &str) -> Principal {
    Principal {
        organisation: Some(OrganisationId::parse(org).expect("organisation")),
        ..Principal::with_role(format!("partner.{org}"), Role::Partner)
    }
}

const CREATE: &str = "mutation($input: CreateProjectResultInput!, $key: String) { \
    createProjectResult(input: $input, idempotencyKey: $key) { \
      id version resultType resultTypeCode aggregationStatus title { fr en } project { localId } \
      indicators { totalCount nodes { id measure measureCode ascending countsPeople baselineYear baselineValue \
        periods { nodes { id version periodStart periodEnd target actual achievement \
          targetDisaggregations { dimension value amount } } } } } } }";

/// An output of the groundwater project (EMI implements it): prisoners trained in agriculture,
/// 2025 and 2026, the 2025 target split by sex.
fn groundwater_output() -> Value {
    json!({
        "projectId": global_id("Project", "prj:groundwater"),
        "resultType": "OUTPUT",
        "aggregationStatus": true,
        "title": { "fr": "Détenus formés à l'agriculture", "en": "Prisoners trained in farming" },
        "indicators": [{
            "measure": "UNIT",
            "countsPeople": true,
            "title": { "fr": "Détenus ayant achevé la formation" },
            "baselineYear": 2024,
            "baselineValue": 0.0,
            "periods": [
                {
                    "periodStart": "2025-01-01", "periodEnd": "2025-12-31", "target": 120.0,
                    "targetDisaggregations": [
                        { "dimension": "SEX", "value": "FEMALE", "amount": 20.0 },
                        { "dimension": "SEX", "value": "MALE", "amount": 100.0 }
                    ]
                },
                { "periodStart": "2026-01-01", "periodEnd": "2026-12-31", "target": 150.0 }
            ]
        }, {
            "measure": "PERCENTAGE",
            "ascending": false,
            "title": { "en": "Reoffending within a year of release" },
            "baselineYear": 2024,
            "baselineValue": 40.0,
            "periods": [{ "periodStart": "2025-01-01", "periodEnd": "2025-12-31", "target": 30.0 }]
        }]
    })
}

const RECORD: &str = "mutation($id: ID!, $v: Int!, $actual: Float!, $parts: [DisaggregationInput!], $comment: String) { \
    recordIndicatorActual(periodId: $id, expectedVersion: $v, actual: $actual, disaggregations: $parts, comment: $comment) { \
      id version actual actualComment achievement \
      actualDisaggregations { dimension value amount valueLabel(lang: FR) } \
      targetDisaggregations { value amount } history { totalCount nodes { action } } } }";

async fn create_output(app: &TestApp) -> Value {
    app.data(CREATE, json!({ "input": groundwater_output() }))
        .await["createProjectResult"]
        .clone()
}

backend_tests!(
    a_result_is_created_with_its_indicators_and_periods_in_one_step,
    Data::Demo,
    |app: TestApp| async move {
        let created = app
            .data(
                CREATE,
                json!({ "input": groundwater_output(), "key": "r-1" }),
            )
            .await["createProjectResult"]
            .clone();
        assert_eq!(created["resultType"], "OUTPUT");
        assert_eq!(created["resultTypeCode"], 1);
        assert_eq!(created["aggregationStatus"], true);
        assert_eq!(created["project"]["localId"], "prj:groundwater");
        assert_eq!(created["indicators"]["totalCount"], 2);
        let people = &created["indicators"]["nodes"][0];
        assert_eq!(people["measureCode"], 1);
        assert_eq!(people["ascending"], true);
        assert_eq!(people["countsPeople"], true);
        assert_eq!(people["baselineYear"], 2024);
        let periods = people["periods"]["nodes"].as_array().expect("periods");
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0]["periodStart"], "2025-01-01");
        assert_eq!(periods[0]["target"], 120.0);
        assert_eq!(periods[0]["actual"], Value::Null);
        assert_eq!(periods[0]["achievement"], Value::Null);
        assert_eq!(
            periods[0]["targetDisaggregations"],
            json!([
                { "dimension": "SEX", "value": "FEMALE", "amount": 20.0 },
                { "dimension": "SEX", "value": "MALE", "amount": 100.0 }
            ])
        );
        let reoffending = &created["indicators"]["nodes"][1];
        assert_eq!(reoffending["measure"], "PERCENTAGE");
        assert_eq!(reoffending["ascending"], false);

        // A retry with the same key returns the first result and creates nothing more.
        let again = app
            .data(
                CREATE,
                json!({ "input": groundwater_output(), "key": "r-1" }),
            )
            .await["createProjectResult"]
            .clone();
        assert_eq!(again["id"], created["id"]);
        let project = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Project { results { totalCount nodes { id } } } } }",
                json!({ "id": global_id("Project", "prj:groundwater") }),
            )
            .await;
        assert_eq!(project["node"]["results"]["totalCount"], 1);

        // Every node is reachable by its global ID.
        for id in [
            created["id"].clone(),
            people["id"].clone(),
            periods[0]["id"].clone(),
        ] {
            let found = app
                .data(
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(found["node"]["id"], id);
        }

        // All or nothing: an invalid period deep down leaves no result behind.
        let mut bad = groundwater_output();
        bad["indicators"][1]["periods"][0]["target"] = json!(130.0);
        let refused = app.query(CREATE, json!({ "input": bad })).await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
        let project = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Project { results { totalCount } } } }",
                json!({ "id": global_id("Project", "prj:groundwater") }),
            )
            .await;
        assert_eq!(project["node"]["results"]["totalCount"], 1);
    }
);

backend_tests!(
    actuals_are_versioned_audited_and_replace_their_breakdown,
    Data::Demo,
    |app: TestApp| async move {
        let created = create_output(&app).await;
        let period = created["indicators"]["nodes"][0]["periods"]["nodes"][0].clone();
        let id = period["id"].as_str().expect("id").to_owned();
        assert_eq!(period["version"], 1);

        let recorded = app
            .data(
                RECORD,
                json!({
                    "id": id, "v": 1, "actual": 90.0, "comment": "Bilan annuel",
                    "parts": [
                        { "dimension": "SEX", "value": "FEMALE", "amount": 15.0 },
                        { "dimension": "SEX", "value": "MALE", "amount": 75.0 },
                        { "dimension": "REGION", "value": "MA-04", "amount": 50.0 },
                        { "dimension": "AUDIENCE", "value": "PRISONERS_ADULT", "amount": 90.0 }
                    ]
                }),
            )
            .await["recordIndicatorActual"]
            .clone();
        assert_eq!(recorded["version"], 2);
        assert_eq!(recorded["actual"], 90.0);
        assert_eq!(recorded["actualComment"], "Bilan annuel");
        assert_eq!(recorded["achievement"], 0.75);
        assert_eq!(recorded["actualDisaggregations"][0]["valueLabel"], "Femmes");
        assert_eq!(
            recorded["actualDisaggregations"].as_array().map(Vec::len),
            Some(4)
        );
        // The target's breakdown is untouched.
        assert_eq!(
            recorded["targetDisaggregations"].as_array().map(Vec::len),
            Some(2)
        );
        let actions: Vec<&str> = recorded["history"]["nodes"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(actions, ["createIndicatorPeriod", "recordIndicatorActual"]);

        // A stale version is a conflict and writes nothing.
        let stale = app
            .query(RECORD, json!({ "id": id, "v": 1, "actual": 100.0 }))
            .await;
        assert_eq!(error_codes(&stale), ["CONFLICT"]);

        // A new record replaces the breakdown.
        let again = app
            .data(
                RECORD,
                json!({ "id": id, "v": 2, "actual": 130.0,
                        "parts": [{ "dimension": "SEX", "value": "FEMALE", "amount": 30.0 }] }),
            )
            .await["recordIndicatorActual"]
            .clone();
        assert_eq!(again["version"], 3);
        assert_eq!(
            again["actualDisaggregations"],
            json!([{ "dimension": "SEX", "value": "FEMALE", "amount": 30.0, "valueLabel": "Femmes" }])
        );
        assert_eq!(
            again["achievement"].as_f64().map(|a| (a * 1e6).round()),
            Some(1_083_333.0)
        );

        // Descending: reoffending from 40 % towards 30 %; 35 % is half the way.
        let reoffending = created["indicators"]["nodes"][1]["periods"]["nodes"][0]["id"].clone();
        let halfway = app
            .data(RECORD, json!({ "id": reoffending, "v": 1, "actual": 35.0 }))
            .await["recordIndicatorActual"]
            .clone();
        assert_eq!(halfway["achievement"], 0.5);

        // Periods are added later, idempotently.
        let add = "mutation($id: ID!) { addIndicatorPeriod(indicatorId: $id, idempotencyKey: \"p-2027\", \
            input: { periodStart: \"2027-01-01\", periodEnd: \"2027-12-31\", target: 160 }) { id target version } }";
        let indicator = created["indicators"]["nodes"][0]["id"].clone();
        let first = app.data(add, json!({ "id": indicator })).await;
        let second = app.data(add, json!({ "id": indicator })).await;
        assert_eq!(
            first["addIndicatorPeriod"]["id"],
            second["addIndicatorPeriod"]["id"]
        );
        assert_eq!(first["addIndicatorPeriod"]["target"], 160.0);

        // The result's own fields change at its version.
        let update = "mutation($id: ID!, $v: Int!) { updateProjectResult(input: { id: $id, expectedVersion: $v, \
            resultType: OUTCOME, description: { fr: \"Insertion par le travail agricole\" } }) { version resultType description { fr } } }";
        let updated = app
            .data(update, json!({ "id": created["id"], "v": 1 }))
            .await;
        assert_eq!(updated["updateProjectResult"]["version"], 2);
        assert_eq!(updated["updateProjectResult"]["resultType"], "OUTCOME");
        let stale = app
            .query(update, json!({ "id": created["id"], "v": 1 }))
            .await;
        assert_eq!(error_codes(&stale), ["CONFLICT"]);
    }
);

backend_tests!(
    invalid_results_and_actuals_list_every_field,
    Data::Demo,
    |app: TestApp| async move {
        let mut bad = groundwater_output();
        bad["title"] = json!({});
        bad["indicators"][0]["baselineYear"] = Value::Null;
        bad["indicators"][0]["periods"][0]["periodEnd"] = json!("2024-12-31");
        bad["indicators"][0]["periods"][0]["targetDisaggregations"][1]["amount"] = json!(101.0);
        bad["indicators"][1]["periods"][0]["target"] = json!(120.0);
        let refused = app.query(CREATE, json!({ "input": bad })).await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
        assert_eq!(
            fields(&refused),
            [
                pair("title", "NEEDS_ONE_LANGUAGE"),
                pair("indicators[0].baselineYear", "REQUIRED"),
                pair("indicators[0].periods[0].periodEnd", "DATE_ORDER"),
                pair(
                    "indicators[0].periods[0].targetDisaggregations",
                    "DISAGGREGATION_EXCEEDS_TOTAL"
                ),
                pair("indicators[1].periods[0].target", "PERCENTAGE_OVER_100"),
            ]
        );

        let created = create_output(&app).await;
        let people = created["indicators"]["nodes"][0]["periods"]["nodes"][0]["id"].clone();
        let refused = app
            .query(
                RECORD,
                json!({ "id": people, "v": 1, "actual": -3.0, "parts": [
                    { "dimension": "SEX", "value": "WOMEN", "amount": 1.0 },
                    { "dimension": "REGION", "value": "MA-04", "amount": 2.0 },
                    { "dimension": "REGION", "value": "ma-04", "amount": 1.0 }
                ] }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
        assert_eq!(
            fields(&refused),
            [
                pair("actual", "NEGATIVE"),
                pair("disaggregations[0].value", "INVALID_DIMENSION_VALUE"),
                pair("disaggregations[2].value", "DUPLICATE_ENTRY"),
            ]
        );
        let over = app
            .query(
                RECORD,
                json!({ "id": people, "v": 1, "actual": 10.0, "parts": [
                    { "dimension": "AUDIENCE", "value": "PRISONERS_ADULT", "amount": 8.0 },
                    { "dimension": "AUDIENCE", "value": "PRISONERS_JUVENILE", "amount": 3.0 }
                ] }),
            )
            .await;
        assert_eq!(
            fields(&over),
            [pair("disaggregations", "DISAGGREGATION_EXCEEDS_TOTAL")]
        );
        let percentage = created["indicators"]["nodes"][1]["periods"]["nodes"][0]["id"].clone();
        let over = app
            .query(RECORD, json!({ "id": percentage, "v": 1, "actual": 100.5 }))
            .await;
        assert_eq!(fields(&over), [pair("actual", "PERCENTAGE_OVER_100")]);
        // Nothing was written: the period is still at version 1.
        let period = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on IndicatorPeriod { version actual } } }",
                json!({ "id": people }),
            )
            .await;
        assert_eq!(period["node"], json!({ "version": 1, "actual": null }));
    }
);

backend_tests!(
    results_follow_their_projects_access,
    Data::Demo,
    |app: TestApp| async move {
        let created = create_output(&app).await;
        let result = created["id"].clone();
        let period = created["indicators"]["nodes"][0]["periods"]["nodes"][0]["id"].clone();
        let read = "query($id: ID!) { node(id: $id) { id } }";

        // EMI implements the groundwater project: it reads and records its results.
        let emi = partner("org:emi");
        let seen = app
            .query_as(emi.clone(), read, json!({ "id": result }))
            .await;
        assert_eq!(seen["data"]["node"]["id"], result);
        let recorded = app
            .query_as(emi, RECORD, json!({ "id": period, "v": 1, "actual": 12.0 }))
            .await;
        assert!(recorded.get("errors").is_none(), "{recorded}");

        // FM6 takes no part in it: the result does not exist for it.
        let fm6 = partner("org:fm6");
        let unseen = app
            .query_as(fm6.clone(), read, json!({ "id": result }))
            .await;
        assert_eq!(unseen["data"]["node"], Value::Null);
        let refused = app
            .query_as(
                fm6.clone(),
                RECORD,
                json!({ "id": period, "v": 2, "actual": 13.0 }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["NOT_FOUND"]);
        let refused = app
            .query_as(fm6, CREATE, json!({ "input": groundwater_output() }))
            .await;
        assert_eq!(error_codes(&refused), ["NOT_FOUND"]);

        // DGAPR is accountable, not implementing: it reads the results but may not record.
        let dgapr = partner("org:dgapr");
        let refused = app
            .query_as(
                dgapr,
                RECORD,
                json!({ "id": period, "v": 2, "actual": 13.0 }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["FORBIDDEN"]);

        // A viewer reads everything and changes nothing.
        let viewer = Principal::with_role("viewer", Role::Viewer);
        let refused = app
            .query_as(
                viewer,
                RECORD,
                json!({ "id": period, "v": 2, "actual": 13.0 }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["FORBIDDEN"]);
        let period_now = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on IndicatorPeriod { version actual } } }",
                json!({ "id": period }),
            )
            .await;
        assert_eq!(period_now["node"], json!({ "version": 2, "actual": 12.0 }));
    }
);

const PROGRESS: &str = "query($by: [ResultDimension!], $filter: ResultProgressFilter) { stats { \
    resultProgress(groupBy: $by, filter: $filter) { suppressionThreshold rows { \
      project resultType indicator periodStart periodEnd periods reported target actual achievement \
      targetDisaggregations { dimension value amount display suppressed } \
      actualDisaggregations { dimension value amount display suppressed protected } } } } }";

backend_tests!(
    target_against_actual_matches_hand_computed_figures,
    Data::Demo,
    |app: TestApp| async move {
        let created = create_output(&app).await;
        let people = &created["indicators"]["nodes"][0];
        let p2025 = people["periods"]["nodes"][0]["id"].clone();
        app.data(
            RECORD,
            json!({ "id": p2025, "v": 1, "actual": 90.0, "parts": [
                { "dimension": "SEX", "value": "FEMALE", "amount": 3.0 },
                { "dimension": "SEX", "value": "MALE", "amount": 87.0 },
                { "dimension": "AUDIENCE", "value": "STAFF", "amount": 2.0 }
            ] }),
        )
        .await;
        // A second output of another project, 2025: target 50, actual 60.
        let mut other = groundwater_output();
        other["projectId"] = json!(global_id("Project", "prj:fm6-humanisation"));
        other["indicators"] = json!([{
            "measure": "UNIT", "title": { "fr": "Ateliers" },
            "periods": [{ "periodStart": "2025-01-01", "periodEnd": "2025-12-31", "target": 50.0 }]
        }]);
        let second = app.data(CREATE, json!({ "input": other })).await;
        let p_other = second["createProjectResult"]["indicators"]["nodes"][0]["periods"]["nodes"]
            [0]["id"]
            .clone();
        app.data(RECORD, json!({ "id": p_other, "v": 1, "actual": 60.0 }))
            .await;

        // By result type: the 2025 outputs add up (120 + 50 targets, 90 + 60 actuals; the
        // reoffending percentage is another indicator of the same output, 30 and unreported).
        let by_type =
            app.data(PROGRESS, json!({ "by": ["RESULT_TYPE"] })).await["stats"]["resultProgress"]
                .clone();
        assert_eq!(by_type["suppressionThreshold"], Value::Null);
        let rows = by_type["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0]["resultType"], "OUTPUT");
        assert_eq!(rows[0]["periodStart"], "2025-01-01");
        assert_eq!(rows[0]["periods"], 3);
        assert_eq!(rows[0]["reported"], 2);
        assert_eq!(rows[0]["target"], 200.0);
        assert_eq!(rows[0]["actual"], 150.0);
        assert_eq!(rows[0]["achievement"], Value::Null);
        assert_eq!(rows[1]["periodStart"], "2026-01-01");
        assert_eq!(rows[1]["target"], 150.0);
        assert_eq!(rows[1]["actual"], Value::Null);

        // By indicator, within the groundwater project: exact figures and achievements.
        let by_indicator = app
            .data(
                PROGRESS,
                json!({ "by": ["PROJECT", "INDICATOR"],
                        "filter": { "projects": [global_id("Project", "prj:groundwater")],
                                    "period": { "from": "2025", "to": "2025" } } }),
            )
            .await["stats"]["resultProgress"]["rows"]
            .clone();
        let rows = by_indicator.as_array().expect("rows");
        assert_eq!(rows.len(), 2, "{rows:?}");
        let people_row = rows
            .iter()
            .find(|r| r["indicator"] == people["id"])
            .expect("people row");
        assert_eq!(
            people_row["project"],
            global_id("Project", "prj:groundwater")
        );
        assert_eq!(people_row["target"], 120.0);
        assert_eq!(people_row["actual"], 90.0);
        assert_eq!(people_row["achievement"], 0.75);
        assert_eq!(
            people_row["targetDisaggregations"],
            json!([
                { "dimension": "SEX", "value": "FEMALE", "amount": 20.0, "display": "20", "suppressed": false },
                { "dimension": "SEX", "value": "MALE", "amount": 100.0, "display": "100", "suppressed": false }
            ])
        );
        assert_eq!(
            people_row["actualDisaggregations"].as_array().map(Vec::len),
            Some(3)
        );

        // For EMI (a partner), the 3 women are a small count of people: withheld, and the men
        // with them so that 90 − men cannot give it away; the staff count is not protected.
        let emi = app
            .query_as(
                partner("org:emi"),
                PROGRESS,
                json!({ "by": ["INDICATOR"],
                        "filter": { "indicators": [people["id"]], "period": { "from": "2025", "to": "2025" } } }),
            )
            .await;
        let controlled = &emi["data"]["stats"]["resultProgress"];
        assert_eq!(controlled["suppressionThreshold"], 5, "{emi}");
        let parts = &controlled["rows"][0]["actualDisaggregations"];
        assert_eq!(
            parts,
            &json!([
                { "dimension": "AUDIENCE", "value": "STAFF", "amount": 2.0, "display": "2", "suppressed": false, "protected": false },
                { "dimension": "SEX", "value": "FEMALE", "amount": null, "display": "<5", "suppressed": true, "protected": true },
                { "dimension": "SEX", "value": "MALE", "amount": null, "display": "x", "suppressed": true, "protected": true }
            ])
        );
        // EMI's scope leaves FM6's project out of the totals.
        let emi_types = app
            .query_as(
                partner("org:emi"),
                PROGRESS,
                json!({ "by": ["RESULT_TYPE"] }),
            )
            .await;
        assert_eq!(
            emi_types["data"]["stats"]["resultProgress"]["rows"][0]["target"],
            150.0
        );
    }
);

backend_tests!(
    the_iati_export_carries_results_and_validates,
    Data::Demo,
    |app: TestApp| async move {
        let created = create_output(&app).await;
        let p2025 = created["indicators"]["nodes"][0]["periods"]["nodes"][0]["id"].clone();
        app.data(
            RECORD,
            json!({ "id": p2025, "v": 1, "actual": 90.0, "comment": "Bilan <annuel> & vérifié",
                    "parts": [{ "dimension": "REGION", "value": "MA-04", "amount": 40.0 }] }),
        )
        .await;
        // A result without indicators is left out (IATI requires one).
        let mut bare = groundwater_output();
        bare["indicators"] = json!([]);
        app.data(CREATE, json!({ "input": bare })).await;

        let data = app
            .data(
                "{ export { iatiActivitiesXml(filter: { titleContains: \"eaux souterraines\" }) } }",
                json!({}),
            )
            .await;
        let xml = data["export"]["iatiActivitiesXml"].as_str().expect("xml");
        assert_eq!(xml.matches("<iati-activity ").count(), 1, "{xml}");
        assert_eq!(xml.matches("<result ").count(), 1);
        for fragment in [
            "<result type=\"1\" aggregation-status=\"1\"><title><narrative xml:lang=\"fr\">Détenus formés à l&apos;agriculture</narrative>",
            "<indicator measure=\"1\" ascending=\"1\">",
            "<indicator measure=\"2\" ascending=\"0\">",
            "<baseline year=\"2024\" value=\"40\">",
            "<period><period-start iso-date=\"2025-01-01\"/><period-end iso-date=\"2025-12-31\"/><target value=\"120\"></target>",
            "<target value=\"20\"><dimension name=\"sex\" value=\"female\"/></target>",
            "<actual value=\"90\"><comment><narrative>Bilan &lt;annuel&gt; &amp; vérifié</narrative></comment></actual>",
            "<actual value=\"40\"><dimension name=\"region\" value=\"MA-04\"/></actual>",
        ] {
            assert!(xml.contains(fragment), "missing {fragment} in {xml}");
        }
        crate::stats::validate_iati(xml);
    }
);

const UPDATE_INDICATOR: &str = "mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { \
    id version measure ascending title { fr en } baselineYear baselineValue baselineComment \
    history { nodes { action } } } }";

async fn indicator_now(app: &TestApp, id: &Value) -> Value {
    app.data(
        "query($id: ID!) { node(id: $id) { ... on Indicator { version measure title { fr } baselineValue } } }",
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

backend_tests!(
    indicators_change_at_their_version_and_keep_their_measure_once_periods_exist,
    Data::Demo,
    |app: TestApp| async move {
        let created = create_output(&app).await;
        let trained = created["indicators"]["nodes"][0]["id"].clone();

        // Absent fields stay; the baseline gains a value and a comment.
        let updated = app
            .data(
                UPDATE_INDICATOR,
                json!({ "input": { "id": trained, "expectedVersion": 1,
                    "title": { "fr": "Détenus certifiés" },
                    "baselineValue": 10.0, "baselineComment": "Recensement 2024" } }),
            )
            .await["updateIndicator"]
            .clone();
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["title"]["fr"], "Détenus certifiés");
        assert_eq!(updated["measure"], "UNIT");
        assert_eq!(updated["baselineYear"], 2024);
        assert_eq!(updated["baselineValue"], 10.0);
        assert_eq!(updated["baselineComment"], "Recensement 2024");
        let actions: Vec<&str> = updated["history"]["nodes"]
            .as_array()
            .expect("history")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(actions, ["createIndicator", "updateIndicator"]);

        // A stale version is a conflict.
        let stale = app
            .query(
                UPDATE_INDICATOR,
                json!({ "input": { "id": trained, "expectedVersion": 1, "ascending": false } }),
            )
            .await;
        assert_eq!(error_codes(&stale), ["CONFLICT"]);

        // Its periods are counted in units: the measure stays, and nothing is written.
        let refused = app
            .query(
                UPDATE_INDICATOR,
                json!({ "input": { "id": trained, "expectedVersion": 2,
                    "measure": "PERCENTAGE", "title": { "fr": "Part des détenus certifiés" } } }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"], "{refused}");
        assert_eq!(
            fields(&refused),
            [pair("measure", "MEASURE_FIXED_BY_PERIODS")]
        );
        let now = indicator_now(&app, &trained).await;
        assert_eq!(
            (&now["version"], &now["measure"], &now["title"]["fr"]),
            (&json!(2), &json!("UNIT"), &json!("Détenus certifiés"))
        );

        // Clearing the baseline year of a baseline with a value is refused as on creation.
        let refused = app
            .query(
                UPDATE_INDICATOR,
                json!({ "input": { "id": trained, "expectedVersion": 2, "baselineYear": null } }),
            )
            .await;
        assert_eq!(fields(&refused), [pair("baselineYear", "REQUIRED")]);

        // An indicator without periods may change its measure, and is then held to it.
        let mut bare = groundwater_output();
        bare["indicators"] = json!([{ "measure": "UNIT", "title": { "en": "Workshops held" } }]);
        let bare = app.data(CREATE, json!({ "input": bare })).await["createProjectResult"]
            ["indicators"]["nodes"][0]["id"]
            .clone();
        let changed = app
            .data(
                UPDATE_INDICATOR,
                json!({ "input": { "id": bare, "expectedVersion": 1, "measure": "PERCENTAGE",
                    "baselineYear": 2024, "baselineValue": 55.0 } }),
            )
            .await["updateIndicator"]
            .clone();
        assert_eq!(changed["measure"], "PERCENTAGE");
        let refused = app
            .query(
                UPDATE_INDICATOR,
                json!({ "input": { "id": bare, "expectedVersion": 2, "baselineValue": 120.0 } }),
            )
            .await;
        assert_eq!(
            fields(&refused),
            [pair("baselineValue", "PERCENTAGE_OVER_100")]
        );

        // Access follows the project's, as for actuals: EMI implements it, DGAPR does not,
        // and FM6 cannot see it.
        let rename = |v: i64| json!({ "input": { "id": trained, "expectedVersion": v, "title": { "en": "Certified" } } });
        let refused = app
            .query_as(partner("org:dgapr"), UPDATE_INDICATOR, rename(2))
            .await;
        assert_eq!(error_codes(&refused), ["FORBIDDEN"]);
        let refused = app
            .query_as(partner("org:fm6"), UPDATE_INDICATOR, rename(2))
            .await;
        assert_eq!(error_codes(&refused), ["NOT_FOUND"]);
        let allowed = app
            .query_as(partner("org:emi"), UPDATE_INDICATOR, rename(2))
            .await;
        assert!(allowed.get("errors").is_none(), "{allowed}");
        assert_eq!(indicator_now(&app, &trained).await["version"], 3);
    }
);

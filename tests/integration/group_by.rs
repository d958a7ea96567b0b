//! `stats.groupBy` (issue 5): the generic aggregate, against hand-computed figures on the
//! dashboards' fixture (`stats::fixture`), with scope, disclosure control, refused combinations
//! and the one-statement rule.
//!
//! Hand-computed from the fixture (every session status, as `groupBy` takes every session the
//! reader can see):
//! - training by AUDIENCE: STAFF 1 session, 5 participants, 50 h; PRISONERS_ADULT 2, 51, 54 h
//!   (1 × 4 h validated + 50 × 1 h delivered); PRISONERS_JUVENILE 1, 4, 8 h; FORMER_PRISONERS 1,
//!   5, 5 h; FAMILIES 1, 0, 0 h. By SEX: FEMALE 3 sessions, 6, 36 h; MALE 4, 59, 81 h;
//!   NOT_RECORDED 1, 0, 0 h.
//! - contributions (cancelled left out) by CURRENCY: MAD 1, 1 500 000.00; EUR 1, 25.00; none 1.
//!   By PARTNER × TYPE: org:a CASH 2, org:b EXPERTISE 1. By YEAR: 2021 2, 2022 1.
//! - agreements by STATUS: ACTIVE 2, DRAFT 1; by YEAR (signature, else drafting): 2019 1, 2020
//!   1, 2021 1.
//! - exchange visits (cancelled left out) by DIRECTION: INBOUND 2 visits, 6 delegates;
//!   OUTBOUND 1, 0.

use serde_json::{Value, json};
use sharaka_domain::{Principal, Role};
use sharaka_test_support::{Data, TestApp, backend_tests, global_id};

use crate::stats::{data_as, fixture, partner, sorted};

const GROUP: &str = "query G($s: GroupSubject!, $d: [GroupDimension!]!, $m: [GroupMeasure!]!,
                             $f: StatsFilterInput) {
  stats { groupBy(subject: $s, dimensions: $d, measures: $m, filter: $f) {
    keys { dimension code label } values { measure value suppressed } } } }";

fn vars(s: &str, d: Value, m: Value) -> Value {
    json!({"s": s, "d": d, "m": m})
}

/// Rows as `(codes, values)` pairs, sorted, for exact comparison.
fn compact(data: &Value) -> Vec<Value> {
    let rows = data["stats"]["groupBy"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let codes: Vec<Value> = r["keys"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| k["code"].clone())
                .collect();
            let values: Vec<Value> = r["values"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v["value"].clone())
                .collect();
            json!([codes, values])
        })
        .collect::<Vec<_>>();
    sorted(&Value::Array(rows))
}

fn expect(data: &Value, rows: Value) {
    assert_eq!(compact(data), sorted(&rows), "actual: {data:#}");
}

/// The row whose first key has `code`.
fn row<'a>(data: &'a Value, code: &str) -> &'a Value {
    data["stats"]["groupBy"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["keys"][0]["code"] == code))
        .unwrap_or_else(|| panic!("no row {code} in {data:#}"))
}

backend_tests!(
    group_by_each_subject,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        let q = |v: Value| {
            let app = &app;
            async move { app.data(GROUP, v).await }
        };
        let m = json!(["SESSIONS", "PARTICIPANTS", "PARTICIPANT_HOURS"]);
        expect(
            &q(vars("TRAINING_SESSIONS", json!(["AUDIENCE"]), m.clone())).await,
            json!([
                [["STAFF"], [1.0, 5.0, 50.0]],
                [["PRISONERS_ADULT"], [2.0, 51.0, 54.0]],
                [["PRISONERS_JUVENILE"], [1.0, 4.0, 8.0]],
                [["FORMER_PRISONERS"], [1.0, 5.0, 5.0]],
                [["FAMILIES"], [1.0, 0.0, 0.0]],
            ]),
        );
        expect(
            &q(vars("TRAINING_SESSIONS", json!(["SEX"]), m.clone())).await,
            json!([
                [["FEMALE"], [3.0, 6.0, 36.0]],
                [["MALE"], [4.0, 59.0, 81.0]],
                [["NOT_RECORDED"], [1.0, 0.0, 0.0]],
            ]),
        );
        // Two dimensions, and a label in the request's language (French by default).
        let two = q(vars(
            "TRAINING_SESSIONS",
            json!(["YEAR", "SEX"]),
            json!(["PARTICIPANTS"]),
        ))
        .await;
        expect(
            &two,
            json!([
                [["2022", "FEMALE"], [4.0]],
                [["2022", "MALE"], [2.0]],
                [["2023", "FEMALE"], [2.0]],
                [["2023", "MALE"], [57.0]],
                [["2023", "NOT_RECORDED"], [0.0]],
            ]),
        );
        let label = two["stats"]["groupBy"][0]["keys"][1]["label"].clone();
        assert!(label.is_string(), "a sex has a label: {two:#}");
        // The region filter and key: only the Tanger venue's adult session.
        let ma01 = global_id("Region", "MA-01");
        let region = q(
            json!({"s": "TRAINING_SESSIONS", "d": ["REGION"], "m": ["PARTICIPANTS"],
                         "f": {"regions": [ma01]}}),
        )
        .await;
        expect(&region, json!([[[ma01], [1.0]]]));

        expect(
            &q(vars(
                "CONTRIBUTIONS",
                json!(["CURRENCY"]),
                json!(["COUNT", "AMOUNT"]),
            ))
            .await,
            json!([
                [["MAD"], [1.0, 1_500_000.0]],
                [["EUR"], [1.0, 25.0]],
                [[null], [1.0, 0.0]],
            ]),
        );
        let a = global_id("Organisation", "org:a");
        let b = global_id("Organisation", "org:b");
        expect(
            &q(vars(
                "CONTRIBUTIONS",
                json!(["PARTNER", "TYPE"]),
                json!(["COUNT"]),
            ))
            .await,
            json!([[[a, "CASH"], [2.0]], [[b, "EXPERTISE"], [1.0]]]),
        );
        expect(
            &q(vars("CONTRIBUTIONS", json!(["YEAR"]), json!(["COUNT"]))).await,
            json!([[["2021"], [2.0]], [["2022"], [1.0]]]),
        );
        // The partner filter.
        expect(
        &q(json!({"s": "CONTRIBUTIONS", "d": ["TYPE"], "m": ["COUNT"], "f": {"partners": [b]}}))
            .await,
        json!([[["EXPERTISE"], [1.0]]]),
    );

        expect(
            &q(vars("AGREEMENTS", json!(["STATUS"]), json!(["COUNT"]))).await,
            json!([[["ACTIVE"], [2.0]], [["DRAFT"], [1.0]]]),
        );
        expect(
            &q(vars("AGREEMENTS", json!(["YEAR"]), json!(["COUNT"]))).await,
            json!([[["2019"], [1.0]], [["2020"], [1.0]], [["2021"], [1.0]]]),
        );
        // The period filter on the signature (else drafting) date.
        expect(
            &q(json!({"s": "AGREEMENTS", "d": ["STATUS"], "m": ["COUNT"],
                  "f": {"period": {"from": "2020", "to": "2021"}}}))
            .await,
            json!([[["ACTIVE"], [2.0]]]),
        );

        expect(
            &q(vars(
                "EXCHANGE_VISITS",
                json!(["DIRECTION", "COUNTRY"]),
                json!(["COUNT", "PARTICIPANTS"]),
            ))
            .await,
            json!([
                [["INBOUND", "US"], [2.0, 6.0]],
                [["OUTBOUND", "FR"], [1.0, 0.0]],
            ]),
        );
    }
);

backend_tests!(group_by_scope, Data::Empty, |app: TestApp| async move {
    fixture(&app).await;
    let public = Principal::anonymous(Role::Public);
    let agreements = data_as(
        &app,
        public.clone(),
        GROUP,
        vars("AGREEMENTS", json!(["STATUS"]), json!(["COUNT"])),
    )
    .await;
    // The draft is counted for the administration (group_by_each_subject), never for PUBLIC.
    let rows = agreements["stats"]["groupBy"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        rows.iter().all(|r| r["keys"][0]["code"] != "DRAFT"),
        "PUBLIC sees a draft's count: {agreements:#}"
    );
    // PUBLIC reads no training session (as in trainingReach): no group at all.
    let training = data_as(
        &app,
        public,
        GROUP,
        vars(
            "TRAINING_SESSIONS",
            json!(["AUDIENCE"]),
            json!(["SESSIONS"]),
        ),
    )
    .await;
    assert_eq!(training["stats"]["groupBy"], json!([]));
});

backend_tests!(
    group_by_disclosure,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        // In 2022: 5 staff and 1 adult prisoner. The prisoner is suppressed (primary), and the
        // staff cell with it, since the total less the staff would give the prisoner away.
        let v = json!({"s": "TRAINING_SESSIONS", "d": ["AUDIENCE"],
                   "m": ["SESSIONS", "PARTICIPANTS", "PARTICIPANT_HOURS"],
                   "f": {"period": {"from": "2022", "to": "2022"}}});
        let as_partner = data_as(&app, partner("org:b"), GROUP, v.clone()).await;
        let adult = row(&as_partner, "PRISONERS_ADULT");
        assert_eq!(
            adult["values"],
            json!([
                {"measure": "SESSIONS", "value": 1.0, "suppressed": false},
                {"measure": "PARTICIPANTS", "value": null, "suppressed": true},
                {"measure": "PARTICIPANT_HOURS", "value": null, "suppressed": true},
            ])
        );
        let staff = row(&as_partner, "STAFF");
        assert_eq!(staff["values"][1]["suppressed"], true);
        // 4 juveniles (2023, validated): suppressed too; the 5 former prisoners are the only
        // other cell, so they are suppressed as well (else the total would give the 4 away).
        let later = data_as(
            &app,
            partner("org:b"),
            GROUP,
            json!({"s": "TRAINING_SESSIONS", "d": ["AUDIENCE"], "m": ["PARTICIPANTS"],
               "f": {"period": {"from": "2023-01", "to": "2023-02"}}}),
        )
        .await;
        assert_eq!(
            row(&later, "PRISONERS_JUVENILE")["values"][0]["suppressed"],
            true
        );
        assert_eq!(
            row(&later, "FORMER_PRISONERS")["values"][0]["suppressed"],
            true,
            "{later:#}"
        );
        // The administration sees the exact figures.
        let admin = app.data(GROUP, v).await;
        assert_eq!(row(&admin, "PRISONERS_ADULT")["values"][1]["value"], 1.0);
        assert_eq!(row(&admin, "STAFF")["values"][1]["value"], 5.0);
    }
);

backend_tests!(
    group_by_refuses_bad_combinations,
    Data::Empty,
    |app: TestApp| async move {
        for (v, needle) in [
            (
                vars("AGREEMENTS", json!(["SEX"]), json!(["COUNT"])),
                "AGREEMENTS has no dimension SEX; use YEAR, TYPE, STATUS",
            ),
            (
                vars("AGREEMENTS", json!(["STATUS"]), json!(["PARTICIPANTS"])),
                "AGREEMENTS has no measure PARTICIPANTS; use COUNT",
            ),
            (
                vars("EXCHANGE_VISITS", json!([]), json!(["COUNT"])),
                "takes 1 to 3 dimensions, not 0",
            ),
            (
                vars(
                    "TRAINING_SESSIONS",
                    json!(["YEAR", "SEX", "REGION", "TOPIC"]),
                    json!(["SESSIONS"]),
                ),
                "takes 1 to 3 dimensions, not 4",
            ),
            (
                vars("CONTRIBUTIONS", json!(["TYPE"]), json!([])),
                "needs at least one measure; CONTRIBUTIONS has COUNT, AMOUNT",
            ),
            (
                vars("CONTRIBUTIONS", json!(["TYPE"]), json!(["AMOUNT"])),
                "AMOUNT needs the CURRENCY dimension",
            ),
        ] {
            let response = app.query(GROUP, v.clone()).await;
            let error = &response["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "{v}: {response:#}"
            );
            let message = error["message"].as_str().unwrap_or_default();
            assert!(message.contains(needle), "{v}: {message}");
            // No partial figures: the error nulls the `stats` object.
            assert_eq!(response["data"]["stats"], Value::Null, "{v}");
        }
    }
);

backend_tests!(
    group_by_is_one_statement,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        for v in [
            vars(
                "TRAINING_SESSIONS",
                json!(["TOPIC", "PROVIDER", "SEX"]),
                json!(["SESSIONS", "PARTICIPANTS", "PARTICIPANT_HOURS"]),
            ),
            vars(
                "CONTRIBUTIONS",
                json!(["PARTNER", "CURRENCY"]),
                json!(["COUNT", "AMOUNT"]),
            ),
            vars(
                "AGREEMENTS",
                json!(["STATUS", "TYPE", "YEAR"]),
                json!(["COUNT"]),
            ),
            vars(
                "EXCHANGE_VISITS",
                json!(["YEAR"]),
                json!(["COUNT", "PARTICIPANTS"]),
            ),
        ] {
            app.counter.reset();
            let data = app.data(GROUP, v.clone()).await;
            assert!(
                data["stats"]["groupBy"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty()),
                "{v}: {data:#}"
            );
            assert_eq!(app.counter.get(), 1, "one statement for {v}");
        }
    }
);

backend_tests!(
    group_by_agreement_and_project_filters,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        const LINKED: &str = "query G($s: GroupSubject!, $d: [GroupDimension!]!, \
            $m: [GroupMeasure!]!, $a: [ID!], $p: [ID!]) { stats { groupBy(subject: $s, \
            dimensions: $d, measures: $m, agreements: $a, projects: $p) { \
            keys { code } values { value } } } }";
        let cells = |response: &Value| -> Vec<(String, f64)> {
            response["stats"]["groupBy"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    (
                        r["keys"][0]["code"].as_str().unwrap_or_default().to_owned(),
                        r["values"][0]["value"].as_f64().unwrap_or(-1.0),
                    )
                })
                .collect()
        };
        let project = global_id("Project", "prj:1");
        let agreement = |id: &str| global_id("Agreement", id);
        // prj:1 carries k1 and k2 (cash; k4 is cancelled); agr:2 carries k3 (expertise).
        let by_project = app
            .data(
                LINKED,
                json!({"s": "CONTRIBUTIONS", "d": ["TYPE"], "m": ["COUNT"], "p": [project]}),
            )
            .await;
        assert_eq!(
            cells(&by_project),
            [("CASH".to_owned(), 2.0)],
            "{by_project:#}"
        );
        let by_agreement = app
            .data(
                LINKED,
                json!({"s": "CONTRIBUTIONS", "d": ["TYPE"], "m": ["COUNT"], "a": [agreement("agr:2")]}),
            )
            .await;
        assert_eq!(cells(&by_agreement), [("EXPERTISE".to_owned(), 1.0)]);
        // For agreements, the filter is the agreement itself.
        let one = app
            .data(
                LINKED,
                json!({"s": "AGREEMENTS", "d": ["STATUS"], "m": ["COUNT"], "a": [agreement("agr:3")]}),
            )
            .await;
        assert_eq!(cells(&one), [("DRAFT".to_owned(), 1.0)]);
        // A global ID of another kind is refused.
        let wrong = app
            .query(
                LINKED,
                json!({"s": "AGREEMENTS", "d": ["STATUS"], "m": ["COUNT"], "a": [project]}),
            )
            .await;
        assert_eq!(
            wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{wrong:#}"
        );
    }
);

//! The aggregates added to the dashboards: the agreement pipeline's median durations, idle
//! agreements and stale drafts; training completion rates; resources converted to MAD at stored
//! rates (set through the audited `setExchangeRate` mutation). Each figure is checked on the
//! fixture of `stats.rs`, extended below, against a number computed by hand in the comments.

use serde_json::{Value, json};
use sharaka_domain::{Principal, Role};
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

use crate::stats::{data_as, fixture, i, partner, row, same, t};

fn days_ago(days: u64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Days::new(days)).to_string()
}

/// Agreements with full dates, on top of the fixture's agr:1 (signed and in force 2020-01-01,
/// drafted "2019"), agr:2 (signed 2021-06-01, in force 2022-01-01) and agr:3 (a draft of "2019").
/// Days: agr:4 drafted → signed 10, signed → in force 49 (Jan 11 → Mar 1, 2023);
/// agr:5 31 (Jan 1 → Feb 1), never in force; agr:6 365, then 60 (2024 is a leap year);
/// agr:8 signed after it entered into force (a data error: left out of that median).
async fn agreements(app: &TestApp) {
    let today = days_ago(0);
    for (id, status, drafted, signed, from) in [
        (
            "agr:4",
            "ACTIVE",
            "2023-01-01",
            Some("2023-01-11"),
            Some("2023-03-01"),
        ),
        ("agr:5", "SIGNED", "2023-01-01", Some("2023-02-01"), None),
        (
            "agr:6",
            "ACTIVE",
            "2023-01-01",
            Some("2024-01-01"),
            Some("2024-03-01"),
        ),
        ("agr:7", "DRAFT", today.as_str(), None, None),
        (
            "agr:8",
            "SIGNED",
            "2023",
            Some("2023-05-01"),
            Some("2023-04-01"),
        ),
    ] {
        row(
            app,
            "agreements",
            &[
                ("id", t(id)),
                ("agreement_type", t("PARTNERSHIP_AGREEMENT")),
                ("status", t(status)),
                ("title_fr", t(&format!("Convention {id}"))),
                ("themes", t("")),
                ("drafted_on", t(drafted)),
                ("signed_on", Cell::opt_text(signed)),
                ("effective_from", Cell::opt_text(from)),
            ],
        )
        .await;
    }
}

const PIPELINE: &str =
    "query($f: StatsFilterInput, $m: Int! = 12) { stats { agreementPipeline(filter: $f) {
    draftToSignature { median agreements }
    signatureToEntryIntoForce { median agreements }
    idle(months: $m) { months count }
    staleDrafts(olderThanMonths: 6) { months count } } } }";

backend_tests!(
    pipeline_medians_and_idle_agreements,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        agreements(&app).await;
        let pipeline = |variables: Value| {
            let app = &app;
            async move { app.data(PIPELINE, variables).await["stats"]["agreementPipeline"].clone() }
        };
        let p = pipeline(json!({})).await;
        // Drafted → signed: [10, 31, 365] (the fixture's drafts of "2019" are not full dates).
        assert_eq!(
            p["draftToSignature"],
            json!({"median": 31.0, "agreements": 3})
        );
        // Signed → in force: [0, 49, 60, 214]: even, so the mean of 49 and 60.
        assert_eq!(
            p["signatureToEntryIntoForce"],
            json!({"median": 54.5, "agreements": 4})
        );
        // ACTIVE: agr:1 (its commitments have left PLANNED, recorded today), agr:2, agr:4, agr:6;
        // the last three have nothing dated in the last 12 months.
        assert_eq!(p["idle"], json!({"months": 12, "count": 3}));
        // Drafts: agr:3 ("2019") is stale, agr:7 (today) is not.
        assert_eq!(p["staleDrafts"], json!({"months": 6, "count": 1}));

        // The period (on the signature date): 2023 keeps agr:4, agr:5 and agr:8.
        let in_2023 = pipeline(json!({"f": {"period": {"from": "2023", "to": "2023"}}})).await;
        assert_eq!(
            in_2023["draftToSignature"],
            json!({"median": 20.5, "agreements": 2})
        );

        // Activity: a visit under agr:4 a month ago; a session of a project linked to agr:6;
        // a cancelled visit under agr:2 counts for nothing.
        row(
            &app,
            "project_agreements",
            &[("project_id", t("prj:2")), ("agreement_id", t("agr:6"))],
        )
        .await;
        row(
            &app,
            "training_sessions",
            &[
                ("id", t("t-recent")),
                ("title_fr", t("Session récente")),
                ("organiser_org_id", t("org:home")),
                ("project_id", t("prj:2")),
                ("audience", t("STAFF")),
                ("topics", t("HEALTH")),
                ("start_date", t(&days_ago(10))),
                ("status", t("DELIVERED")),
            ],
        )
        .await;
        for (id, agreement, status) in [
            ("v-recent", "agr:4", "COMPLETED"),
            ("v-off", "agr:2", "CANCELLED"),
        ] {
            row(
                &app,
                "exchange_visits",
                &[
                    ("id", t(id)),
                    ("title_fr", t("Visite")),
                    ("direction", t("INBOUND")),
                    ("visit_type", t("STUDY_VISIT")),
                    ("host_org_id", t("org:home")),
                    ("visitor_org_id", t("org:b")),
                    ("country_code", t("FR")),
                    ("start_date", t(&days_ago(30))),
                    ("topics", t("")),
                    ("status", t(status)),
                    ("agreement_id", t(agreement)),
                ],
            )
            .await;
        }
        assert_eq!(pipeline(json!({})).await["idle"]["count"], 1);
        // A window of 100 years reaches every signature.
        assert_eq!(pipeline(json!({"m": 1200})).await["idle"]["count"], 0);

        // Scope: partner org:b is party to agr:2 only.
        let scoped = data_as(&app, partner("org:b"), PIPELINE, json!({})).await;
        let s = &scoped["stats"]["agreementPipeline"];
        assert_eq!(
            s["signatureToEntryIntoForce"],
            json!({"median": 214.0, "agreements": 1})
        );
        assert_eq!(
            s["draftToSignature"],
            json!({"median": null, "agreements": 0})
        );
        assert_eq!(s["idle"]["count"], 1);

        // A window that is not a number of months is refused.
        let bad = app.query(PIPELINE, json!({"m": 0})).await;
        assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{bad:#}");
        let message = bad["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("from 1 to 1200"), "{message}");
    }
);

backend_tests!(
    training_completion_rate,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        // A validated STAFF session: 10 enrolled, 8 attended, 6 completed; and a tally with no
        // enrolment recorded (3 attended, 3 completed), left out of the rate.
        row(
            &app,
            "training_sessions",
            &[
                ("id", t("t7")),
                ("title_fr", t("Session t7")),
                ("organiser_org_id", t("org:home")),
                ("audience", t("STAFF")),
                ("topics", t("HEALTH")),
                ("venue_site_id", t("site:p1")),
                ("start_date", t("2023-03-01")),
                ("contact_hours", Cell::Float(2.0)),
                ("status", t("VALIDATED")),
            ],
        )
        .await;
        for (id, sex, enrolled, attended, completed) in
            [("t7:f", "FEMALE", 10, 8, 6), ("t7:m", "MALE", 0, 3, 3)]
        {
            row(
                &app,
                "training_tallies",
                &[
                    ("id", t(id)),
                    ("training_session_id", t("t7")),
                    ("sex", t(sex)),
                    ("enrolled", i(enrolled)),
                    ("attended", i(attended)),
                    ("completed", i(completed)),
                ],
            )
            .await;
        }
        let query = "{ stats { trainingReach(groupBy: [AUDIENCE]) {
            rows { audience completed { value } enrolled { value } completionRate }
            total { enrolled { value } completionRate } } } }";
        let r = app.data(query, json!({})).await["stats"]["trainingReach"].clone();
        // STAFF: t1 enrolled 5, completed 4; t7 enrolled 10, completed 6 (+3 without enrolment).
        // FAMILIES records no enrolment: no rate rather than 0 %.
        same(
            &r["rows"],
            json!([
                {"audience": "STAFF", "completed": {"value": 13}, "enrolled": {"value": 15}, "completionRate": 10.0 / 15.0},
                {"audience": "PRISONERS_ADULT", "completed": {"value": 1}, "enrolled": {"value": 1}, "completionRate": 1.0},
                {"audience": "PRISONERS_JUVENILE", "completed": {"value": 4}, "enrolled": {"value": 4}, "completionRate": 1.0},
                {"audience": "FORMER_PRISONERS", "completed": {"value": 5}, "enrolled": {"value": 5}, "completionRate": 1.0},
                {"audience": "FAMILIES", "completed": {"value": 0}, "enrolled": {"value": 0}, "completionRate": null},
            ]),
        );
        // 25 enrolled, 20 of them completed.
        assert_eq!(
            r["total"],
            json!({"enrolled": {"value": 25}, "completionRate": 0.8})
        );

        // A partner sees the small protected counts withheld, and no rate derived from them.
        let scoped = data_as(&app, partner("org:b"), query, json!({})).await;
        let rows = &scoped["stats"]["trainingReach"]["rows"];
        let adult = crate::stats::by(rows, "audience", "PRISONERS_ADULT");
        assert_eq!(adult["enrolled"]["value"], Value::Null);
        assert_eq!(adult["completionRate"], Value::Null);
        assert_eq!(
            scoped["stats"]["trainingReach"]["total"]["completionRate"],
            Value::Null
        );
    }
);

const SET_RATE: &str = "mutation($c: String!, $r: Float!, $d: String!, $v: Int) {
    setExchangeRate(input: { currency: $c, rateToMad: $r, validFrom: $d, source: \"test: hand-set\", expectedVersion: $v }) {
        currency rateToMad validFrom source version } }";

async fn set_rate(app: &TestApp, currency: &str, rate: f64, from: &str) -> Value {
    app.data(SET_RATE, json!({"c": currency, "r": rate, "d": from}))
        .await["setExchangeRate"]
        .clone()
}

backend_tests!(
    resources_in_mad_at_the_rate_in_force,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        // More contributions on top of the fixture's k1 (1,500,000.00 MAD) and k2 (25.00 EUR),
        // both for prj:1, which started 2021-03 (so dated 2021-03-01); k3 is unvalued and k4
        // cancelled, both left out.
        for (id, org, project, amount, currency) in [
            ("k5", "org:b", "prj:1", 10_000, "USD"), // 100.00 USD: no USD rate
            ("k6", "org:b", "prj:2", 1_000, "EUR"),  // 10.00 EUR on an undated project
            ("k7", "org:c", "prj:1", 5_000, "XOF"),  // 5000 XOF (no minor unit)
            ("k8", "org:a", "prj:1", 1_500, "KWD"),  // 1.500 KWD (thousandths)
        ] {
            row(
                &app,
                "contributions",
                &[
                    ("id", t(id)),
                    ("contributor_org_id", t(org)),
                    ("project_id", t(project)),
                    ("contribution_type", t("CASH")),
                    ("amount_minor", i(amount)),
                    ("currency", t(currency)),
                    ("status", t("PLEDGED")),
                ],
            )
            .await;
        }
        // Rates. In force on 2021-03-01: EUR 10.5 (11.0 starts later), XOF 0.0165, KWD 32 (from
        // that very day: a partial date counts from its first day).
        let first = set_rate(&app, "eur", 10.0, "2020-01-01").await;
        assert_eq!(
            first,
            json!({"currency": "EUR", "rateToMad": 10.0, "validFrom": "2020-01-01", "source": "test: hand-set", "version": 1})
        );
        set_rate(&app, "EUR", 10.5, "2021-01-01").await;
        set_rate(&app, "EUR", 12.0, "2021-04-01").await;
        set_rate(&app, "XOF", 0.0165, "2020-01-01").await;
        set_rate(&app, "KWD", 32.0, "2021-03-01").await;

        // Replacing a day's rate needs the version read.
        let again = app
            .query(SET_RATE, json!({"c": "EUR", "r": 11.0, "d": "2021-04-01"}))
            .await;
        assert_eq!(error_codes(&again), ["CONFLICT"], "{again:#}");
        let replaced = app
            .data(
                SET_RATE,
                json!({"c": "EUR", "r": 11.0, "d": "2021-04-01", "v": 1}),
            )
            .await;
        assert_eq!(replaced["setExchangeRate"]["version"], 2);
        assert_eq!(replaced["setExchangeRate"]["rateToMad"], 11.0);

        // Every change is audited.
        let audit = app
            .data(
                "{ auditEvents(filter: { entityIn: [\"ExchangeRate\"] }) { totalCount nodes { action actor } } }",
                json!({}),
            )
            .await;
        assert_eq!(audit["auditEvents"]["totalCount"], 6);
        assert_eq!(
            audit["auditEvents"]["nodes"][0]["action"],
            "setExchangeRate"
        );

        let query = "query($f: StatsFilterInput) { stats { resourcesInMad(filter: $f) {
            total { currency value } convertedCount unconvertedCount
            unconverted { currency count amount { currency value } }
            byContributor { contributor count amount { value } } }
            exchangeRates(currency: \"EUR\") { validFrom rateToMad } } }";
        let data = app.data(query, json!({})).await;
        let mad = &data["stats"]["resourcesInMad"];
        // k1 150,000,000 + k2 2500 × 10.5 = 26,250 + k7 5000 × 0.0165 × 100 = 8,250
        // + k8 1500 × 32 × 0.1 = 4,800 centimes = 1,500,393.00 MAD.
        assert_eq!(
            mad["total"],
            json!({"currency": "MAD", "value": "1500393.00"})
        );
        assert_eq!(mad["convertedCount"], 4);
        assert_eq!(mad["unconvertedCount"], 2);
        same(
            &mad["unconverted"],
            json!([
                {"currency": "EUR", "count": 1, "amount": {"currency": "EUR", "value": "10.00"}},
                {"currency": "USD", "count": 1, "amount": {"currency": "USD", "value": "100.00"}},
            ]),
        );
        same(
            &mad["byContributor"],
            json!([
                {"contributor": global_id("Organisation", "org:a"), "count": 3, "amount": {"value": "1500310.50"}},
                {"contributor": global_id("Organisation", "org:c"), "count": 1, "amount": {"value": "82.50"}},
            ]),
        );
        assert_eq!(
            data["stats"]["exchangeRates"],
            json!([
                {"validFrom": "2020-01-01", "rateToMad": 10.0},
                {"validFrom": "2021-01-01", "rateToMad": 10.5},
                {"validFrom": "2021-04-01", "rateToMad": 11.0},
            ])
        );

        // Scope: partner org:c reads its own contributions only, and not prj:1, which dates k7
        // (org:c is not one of its participants): for this reader k7 is undated, so it is
        // reported unconverted — in XOF, not dropped and not zero.
        let scoped = data_as(&app, partner("org:c"), query, json!({})).await;
        let s = &scoped["stats"]["resourcesInMad"];
        assert_eq!(s["total"]["value"], "0.00");
        assert_eq!(s["convertedCount"], 0);
        assert_eq!(
            s["unconverted"],
            json!([{"currency": "XOF", "count": 1, "amount": {"currency": "XOF", "value": "5000"}}])
        );
        // Partner org:a reads prj:1: k1, k2 and k8 are converted as for an administrator.
        let scoped = data_as(&app, partner("org:a"), query, json!({})).await;
        let s = &scoped["stats"]["resourcesInMad"];
        assert_eq!(s["total"]["value"], "1500310.50");
        assert_eq!(s["unconvertedCount"], 0);

        // Only administrators and editors set rates; bad input lists every field.
        let viewer = app
            .query_as(
                Principal::with_role("viewer", Role::Viewer),
                SET_RATE,
                json!({"c": "USD", "r": 9.9, "d": "2021-01-01"}),
            )
            .await;
        assert_eq!(error_codes(&viewer), ["FORBIDDEN"], "{viewer:#}");
        let bad = app
            .query(SET_RATE, json!({"c": "MAD", "r": 0.0, "d": "2021-13-01"}))
            .await;
        assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{bad:#}");
        let fields: Vec<&str> = bad["errors"][0]["extensions"]["fields"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["path"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["currency", "rateToMad", "validFrom"], "{bad:#}");
    }
);

backend_tests!(
    only_administrators_and_editors_set_exchange_rates,
    Data::Empty,
    |app: TestApp| async move {
        use sharaka_domain::RegionId;
        let officer = Principal {
            regions: vec![RegionId::parse("MA-04").expect("region")],
            ..Principal::with_role("officer", Role::RegionalOfficer)
        };
        // Every role of the access matrix: who may set a rate, and that a refusal writes nothing.
        let cases = [
            (Principal::with_role("admin", Role::Admin), true),
            (Principal::with_role("editor", Role::Editor), true),
            (officer, false),
            (partner("org:emi"), false),
            (Principal::with_role("viewer", Role::Viewer), false),
            (Principal::anonymous(Role::Public), false),
        ];
        let mut stored = 0;
        for (i, (who, allowed)) in cases.into_iter().enumerate() {
            let role = who.role;
            let day = format!("2020-01-{:02}", i + 1);
            let response = app
                .query_as(who, SET_RATE, json!({"c": "EUR", "r": 10.5, "d": day}))
                .await;
            if allowed {
                assert!(response["errors"].is_null(), "{role:?}: {response:#}");
                stored += 1;
            } else {
                assert_eq!(
                    error_codes(&response),
                    ["FORBIDDEN"],
                    "{role:?}: {response:#}"
                );
            }
            let rates = app
                .data("{ stats { exchangeRates { validFrom } } }", json!({}))
                .await;
            let count = rates["stats"]["exchangeRates"]
                .as_array()
                .map(Vec::len)
                .unwrap_or_default();
            assert_eq!(count, stored, "{role:?}: a refused change wrote nothing");
        }
    }
);

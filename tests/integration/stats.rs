//! Dashboards and exports (issue 5, "Aggregates" and "Exports").
//!
//! One small fixture, inserted row by row, whose every figure is computed by hand in the
//! comments below; each aggregate is checked against it on SQLite and PostgreSQL. Disclosure
//! control is checked as a partner (who sees every session, as their provider) for the cases 0,
//! 1, 4 and 5 and for a total that would give a lone suppressed cell away. Exports: a CSV
//! round-trip with Arabic text and formula neutralisation, and the IATI XML validated against
//! the official 2.03 XSD (`tests/fixtures/iati/`) with `xmllint`.

use serde_json::{Value, json};
use sharaka_domain::{OrganisationId, Principal, Role};
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Data, TestApp, backend_tests, global_id};

pub(crate) fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

pub(crate) fn i(n: i64) -> Cell {
    Cell::Int(n)
}

pub(crate) async fn row(app: &TestApp, table: &'static str, cells: &[(&'static str, Cell)]) {
    app.store()
        .insert(table, cells)
        .await
        .unwrap_or_else(|e| panic!("insert into {table}: {e}"));
}

/// The fixture. Hand-computed figures:
/// - landscape: (NATIONAL, DIRECT_NATIONAL, FOUNDATION, MA) 1, (INTERNATIONAL, BILATERAL,
///   FOREIGN_ADMINISTRATION, FR) 1, (INTERNATIONAL, MULTILATERAL, INTERNATIONAL_NGO, GB) 1;
///   per year 2015: 2, 2019: 1.
/// - pipeline: ACTIVE 2, DRAFT 1; expiring within 90 days 1, within 500 days 2.
/// - commitments: org:a 3 (1 fulfilled, 1 not, 1 open: share 1/3); org:home 2 (1 overdue
///   planned, 1 waived: share 0/1); agr:1 5 (share 1/4); overdue 1.
/// - training (validated): STAFF 1 session, 5 participants (3 female), 4 completed, 50 h;
///   PRISONERS_ADULT 1, 1 (1 female), 4 h; PRISONERS_JUVENILE 1, 4, 8 h; FORMER_PRISONERS 1, 5
///   (2 female), 5 h; FAMILIES 1, 0. Total 5 sessions, 15 participants, 6 female, 67 h.
pub(crate) async fn fixture(app: &TestApp) {
    for (id, name) in [("MA-01", "Tanger"), ("MA-04", "Rabat")] {
        row(app, "regions", &[("id", t(id)), ("name_fr", t(name))]).await;
    }
    // (id, category, country, IATI type, is home, acronym, Arabic name)
    type Org<'a> = (
        &'a str,
        &'a str,
        &'a str,
        i64,
        bool,
        Option<&'a str>,
        &'a str,
    );
    let orgs: [Org<'_>; 4] = [
        (
            "org:home",
            "PUBLIC_LAW_ENTITY",
            "MA",
            10,
            true,
            None,
            "المندوبية العامة",
        ),
        ("org:a", "FOUNDATION", "MA", 60, false, None, "مؤسسة"),
        (
            "org:b",
            "FOREIGN_ADMINISTRATION",
            "FR",
            10,
            false,
            Some("-DAP"),
            "إدارة",
        ),
        (
            "org:c",
            "INTERNATIONAL_NGO",
            "GB",
            21,
            false,
            Some("=HYPERLINK(\"http://x\")"),
            "المنظمة الدولية للإصلاح الجنائي",
        ),
    ];
    for (id, category, country, iati, home, acronym, ar) in orgs {
        row(
            app,
            "organisations",
            &[
                ("id", t(id)),
                ("name_ar", t(ar)),
                ("name_fr", t(&format!("Organisation {id}"))),
                ("acronym", Cell::opt_text(acronym)),
                ("category", t(category)),
                ("iati_org_type", i(iati)),
                ("country_code", t(country)),
                ("is_home", Cell::Bool(home)),
            ],
        )
        .await;
    }
    for (id, partner, scope, modality, since) in [
        ("ps:a", "org:a", "NATIONAL", "DIRECT_NATIONAL", "2015"),
        ("ps:b", "org:b", "INTERNATIONAL", "BILATERAL", "2015-06"),
        ("ps:c", "org:c", "INTERNATIONAL", "MULTILATERAL", "2019"),
    ] {
        row(
            app,
            "partnerships",
            &[
                ("id", t(id)),
                ("home_org_id", t("org:home")),
                ("partner_org_id", t(partner)),
                ("scope", t(scope)),
                ("modality", t(modality)),
                ("themes", t("")),
                ("since", t(since)),
                ("status", t("ACTIVE")),
                ("is_strategic", Cell::Bool(false)),
            ],
        )
        .await;
    }
    let today = chrono::Utc::now().date_naive();
    let soon = (today + chrono::Days::new(30)).to_string();
    let later = (today + chrono::Days::new(400)).to_string();
    for (id, status, signed, from, to, party) in [
        (
            "agr:1",
            "ACTIVE",
            Some("2020-01-01"),
            Some("2020-01-01"),
            Some(soon.as_str()),
            "org:a",
        ),
        (
            "agr:2",
            "ACTIVE",
            Some("2021-06-01"),
            Some("2022-01-01"),
            Some(later.as_str()),
            "org:b",
        ),
        ("agr:3", "DRAFT", None, None, None, "org:c"),
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
                ("drafted_on", t("2019")),
                ("signed_on", Cell::opt_text(signed)),
                ("effective_from", Cell::opt_text(from)),
                ("effective_to", Cell::opt_text(to)),
            ],
        )
        .await;
        for org in ["org:home", party] {
            row(
                app,
                "agreement_parties",
                &[
                    ("id", t(&format!("pty:{id}:{org}"))),
                    ("agreement_id", t(id)),
                    ("organisation_id", t(org)),
                    ("role", t("SIGNATORY")),
                ],
            )
            .await;
        }
    }
    for (id, party, status, due) in [
        ("c1", "org:a", "FULFILLED", Some("2021-01-01")),
        ("c2", "org:a", "NOT_FULFILLED", Some("2021")),
        ("c3", "org:home", "PLANNED", Some("2020-06-01")),
        ("c4", "org:home", "WAIVED", None),
        ("c5", "org:a", "IN_PROGRESS", Some("2999-01-01")),
    ] {
        row(
            app,
            "commitments",
            &[
                ("id", t(id)),
                ("agreement_id", t("agr:1")),
                ("party_org_id", t(party)),
                ("kind", t("STUDIES")),
                ("due_on", Cell::opt_text(due)),
                ("status", t(status)),
                ("illustrative", Cell::Bool(false)),
            ],
        )
        .await;
    }
    for (id, kind, status, region) in [
        ("site:p1", "LOCAL_PRISON", "OPERATIONAL", "MA-04"),
        ("site:p2", "LOCAL_PRISON", "OPERATIONAL", "MA-04"),
        ("site:pc1", "POST_CARE_CENTRE", "OPERATIONAL", "MA-04"),
        ("site:pc2", "POST_CARE_CENTRE", "PLANNED", "MA-01"),
        ("site:pc3", "POST_CARE_CENTRE", "OPERATIONAL", "MA-01"),
    ] {
        row(
            app,
            "sites",
            &[
                ("id", t(id)),
                ("site_type", t(kind)),
                ("name_fr", t(&format!("Site {id}"))),
                ("name_ar", t("سجن")),
                ("region_id", t(region)),
                ("status", t(status)),
            ],
        )
        .await;
    }
    for (id, status, planned, actual) in [
        ("prj:1", 2, Some("2021-01-01"), Some("2021-03")),
        ("prj:2", 1, None, None),
    ] {
        row(
            app,
            "projects",
            &[
                ("id", t(id)),
                ("title_fr", t(&format!("Projet {id} & <co>"))),
                ("title_ar", t("مشروع")),
                ("status", i(status)),
                ("planned_start", Cell::opt_text(planned)),
                ("actual_start", Cell::opt_text(actual)),
            ],
        )
        .await;
    }
    for (org, role) in [("org:a", 1), ("org:home", 4)] {
        row(
            app,
            "project_participants",
            &[
                ("id", t(&format!("pp:{org}:{role}"))),
                ("project_id", t("prj:1")),
                ("organisation_id", t(org)),
                ("role", i(role)),
            ],
        )
        .await;
    }
    for (code, pc) in [("15137", 60), ("11330", 40)] {
        row(
            app,
            "project_sectors",
            &[
                ("project_id", t("prj:1")),
                ("vocabulary", i(1)),
                ("code", t(code)),
                ("percentage", i(pc)),
            ],
        )
        .await;
    }
    row(
        app,
        "project_sites",
        &[("project_id", t("prj:1")), ("site_id", t("site:p1"))],
    )
    .await;
    for (id, org, project, agreement, kind, amount, currency, status) in [
        (
            "k1",
            "org:a",
            Some("prj:1"),
            None,
            "CASH",
            Some(150_000_000),
            Some("MAD"),
            "DELIVERED",
        ),
        (
            "k2",
            "org:a",
            Some("prj:1"),
            None,
            "CASH",
            Some(2_500),
            Some("EUR"),
            "PLEDGED",
        ),
        (
            "k3",
            "org:b",
            None,
            Some("agr:2"),
            "EXPERTISE",
            None,
            None,
            "COMMITTED",
        ),
        (
            "k4",
            "org:c",
            Some("prj:1"),
            None,
            "CASH",
            Some(1_000),
            Some("XOF"),
            "CANCELLED",
        ),
    ] {
        row(
            app,
            "contributions",
            &[
                ("id", t(id)),
                ("contributor_org_id", t(org)),
                ("project_id", Cell::opt_text(project)),
                ("agreement_id", Cell::opt_text(agreement)),
                ("contribution_type", t(kind)),
                ("amount_minor", amount.map_or(Cell::Null, i)),
                ("currency", Cell::opt_text(currency)),
                ("status", t(status)),
            ],
        )
        .await;
    }
    // (id, audience, status, start, hours, topics, venue, tallies (sex, attended, completed))
    type Session<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        f64,
        &'a str,
        &'a str,
        Vec<(&'a str, i64, i64)>,
    );
    let sessions: Vec<Session<'_>> = vec![
        (
            "t1",
            "STAFF",
            "VALIDATED",
            "2022-05-01",
            10.0,
            "HR_MANAGEMENT,HEALTH",
            "site:p1",
            vec![("FEMALE", 3, 3), ("MALE", 2, 1)],
        ),
        (
            "t2",
            "PRISONERS_ADULT",
            "VALIDATED",
            "2022-09",
            4.0,
            "VOCATIONAL",
            "site:pc3",
            vec![("FEMALE", 1, 1)],
        ),
        (
            "t3",
            "PRISONERS_JUVENILE",
            "VALIDATED",
            "2023-01-10",
            2.0,
            "LITERACY_EDUCATION",
            "site:p1",
            vec![("MALE", 4, 4)],
        ),
        (
            "t4",
            "FORMER_PRISONERS",
            "VALIDATED",
            "2023-02",
            1.0,
            "POST_RELEASE",
            "site:p1",
            vec![("FEMALE", 2, 2), ("MALE", 3, 3)],
        ),
        (
            "t5",
            "FAMILIES",
            "VALIDATED",
            "2023",
            1.0,
            "POST_RELEASE",
            "site:p1",
            vec![("NOT_RECORDED", 0, 0)],
        ),
        (
            "t6",
            "PRISONERS_ADULT",
            "DELIVERED",
            "2023",
            1.0,
            "VOCATIONAL",
            "site:p1",
            vec![("MALE", 50, 50)],
        ),
    ];
    for (id, audience, status, start, hours, topics, venue, tallies) in sessions {
        row(
            app,
            "training_sessions",
            &[
                ("id", t(id)),
                ("title_fr", t(&format!("Session {id}"))),
                ("organiser_org_id", t("org:home")),
                ("audience", t(audience)),
                ("topics", t(topics)),
                ("venue_site_id", t(venue)),
                ("start_date", t(start)),
                ("contact_hours", Cell::Float(hours)),
                ("status", t(status)),
            ],
        )
        .await;
        let providers: &[&str] = if id == "t1" {
            &["org:b", "org:c"]
        } else {
            &["org:b"]
        };
        for org in providers {
            row(
                app,
                "training_providers",
                &[("training_session_id", t(id)), ("organisation_id", t(org))],
            )
            .await;
        }
        for (sex, attended, completed) in tallies {
            row(
                app,
                "training_tallies",
                &[
                    ("id", t(&format!("{id}:{sex}"))),
                    ("training_session_id", t(id)),
                    ("sex", t(sex)),
                    ("enrolled", i(attended)),
                    ("attended", i(attended)),
                    ("completed", i(completed)),
                ],
            )
            .await;
        }
    }
    for (id, direction, country, start, status, tallies) in [
        (
            "v1",
            "INBOUND",
            "US",
            "2019-05-01",
            "COMPLETED",
            vec![("FEMALE", 2), ("MALE", 3)],
        ),
        (
            "v2",
            "INBOUND",
            "US",
            "2019-10",
            "REPORTED",
            vec![("MALE", 1)],
        ),
        ("v3", "OUTBOUND", "FR", "2020", "APPROVED", vec![]),
        (
            "v4",
            "OUTBOUND",
            "FR",
            "2020",
            "CANCELLED",
            vec![("MALE", 9)],
        ),
    ] {
        row(
            app,
            "exchange_visits",
            &[
                ("id", t(id)),
                ("title_fr", t(&format!("Visite {id}"))),
                ("direction", t(direction)),
                ("visit_type", t("STUDY_VISIT")),
                ("host_org_id", t("org:home")),
                ("visitor_org_id", t("org:b")),
                ("country_code", t(country)),
                ("start_date", t(start)),
                ("topics", t("")),
                ("status", t(status)),
            ],
        )
        .await;
        for (sex, count) in tallies {
            row(
                app,
                "exchange_visit_tallies",
                &[
                    ("id", t(&format!("{id}:{sex}"))),
                    ("exchange_visit_id", t(id)),
                    ("sex", t(sex)),
                    ("count", i(count)),
                ],
            )
            .await;
        }
    }
}

pub(crate) fn partner(org: &str) -> Principal {
    Principal {
        organisation: Some(OrganisationId::parse(org).expect("organisation")),
        ..Principal::with_role("stats.partner", Role::Partner)
    }
}

pub(crate) async fn data_as(app: &TestApp, who: Principal, query: &str, variables: Value) -> Value {
    let response = app.query_as(who, query, variables).await;
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    response["data"].clone()
}

/// Rows sorted by their JSON text, so comparisons do not depend on SQL's group order.
pub(crate) fn sorted(value: &Value) -> Vec<Value> {
    let mut rows = value.as_array().cloned().unwrap_or_default();
    rows.sort_by_key(|r| r.to_string());
    rows
}

pub(crate) fn same(actual: &Value, expected: Value) {
    assert_eq!(sorted(actual), sorted(&expected), "actual: {actual:#}");
}

backend_tests!(
    landscape_pipeline_commitments,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        let data = app
            .data(
                "{ stats {
                partnerLandscape { cells { scope modality category country partnerships partners }
                                   perYear { year count } }
                agreementPipeline { byStatus { status count } expiring expiringWithinDays }
                later: agreementPipeline(expiringWithinDays: 500) { expiring }
                commitments { overdue
                  byParty { id total fulfilled notFulfilled waived open fulfilledShare }
                  byAgreement { id total fulfilledShare } } } }",
                json!({}),
            )
            .await;
        let s = &data["stats"];
        same(
            &s["partnerLandscape"]["cells"],
            json!([
                {"scope": "NATIONAL", "modality": "DIRECT_NATIONAL", "category": "FOUNDATION", "country": "MA", "partnerships": 1, "partners": 1},
                {"scope": "INTERNATIONAL", "modality": "BILATERAL", "category": "FOREIGN_ADMINISTRATION", "country": "FR", "partnerships": 1, "partners": 1},
                {"scope": "INTERNATIONAL", "modality": "MULTILATERAL", "category": "INTERNATIONAL_NGO", "country": "GB", "partnerships": 1, "partners": 1},
            ]),
        );
        same(
            &s["partnerLandscape"]["perYear"],
            json!([{"year": "2015", "count": 2}, {"year": "2019", "count": 1}]),
        );
        same(
            &s["agreementPipeline"]["byStatus"],
            json!([{"status": "ACTIVE", "count": 2}, {"status": "DRAFT", "count": 1}]),
        );
        assert_eq!(s["agreementPipeline"]["expiring"], 1);
        assert_eq!(s["agreementPipeline"]["expiringWithinDays"], 90);
        assert_eq!(s["later"]["expiring"], 2);
        let c = &s["commitments"];
        assert_eq!(c["overdue"], 1);
        same(
            &c["byParty"],
            json!([
                {"id": global_id("Organisation", "org:a"), "total": 3, "fulfilled": 1, "notFulfilled": 1, "waived": 0, "open": 1, "fulfilledShare": 1.0 / 3.0},
                {"id": global_id("Organisation", "org:home"), "total": 2, "fulfilled": 0, "notFulfilled": 0, "waived": 1, "open": 1, "fulfilledShare": 0.0},
            ]),
        );
        same(
            &c["byAgreement"],
            json!([{"id": global_id("Agreement", "agr:1"), "total": 5, "fulfilledShare": 0.25}]),
        );

        // Filters: the partner filter and the period.
        let filtered = app
        .data(
            "query($f: StatsFilterInput) { stats { partnerLandscape(filter: $f) { perYear { year count } } } }",
            json!({"f": {"partners": [global_id("Organisation", "org:b")], "period": {"from": "2015", "to": "2015"}}}),
        )
        .await;
        same(
            &filtered["stats"]["partnerLandscape"]["perYear"],
            json!([{"year": "2015", "count": 1}]),
        );

        // Scope: partner org:a sees its own partnership and agreement only.
        let scoped = data_as(
            &app,
            partner("org:a"),
            "{ stats { partnerLandscape { cells { partnerships } }
                   agreementPipeline { byStatus { status count } } } }",
            json!({}),
        )
        .await;
        same(
            &scoped["stats"]["partnerLandscape"]["cells"],
            json!([{"partnerships": 1}]),
        );
        same(
            &scoped["stats"]["agreementPipeline"]["byStatus"],
            json!([{"status": "ACTIVE", "count": 1}]),
        );
    }
);

backend_tests!(
    resources_coverage_visits,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        // The three figures of resources are folded from one grouped statement.
        app.counter.reset();
        let alone = app
            .data(
                "{ stats { resources { byContributor { count } funnel { currency }
                                       cashInKind { count } } } }",
                json!({}),
            )
            .await;
        assert_eq!(app.counter.get(), 1, "statements for resources");
        assert_eq!(
            alone["stats"]["resources"]["byContributor"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        let data = app
        .data(
            "{ stats {
                resources {
                  byContributor { contributor contributionType year count amount { currency value } }
                  funnel { currency pledged { count amount { value } } committed { count }
                           delivered { count } fullyDelivered { count } cancelled { count amount { value } } }
                  cashInKind { cash count amount { currency value } } }
                coverage { regionsWithPostCare regionsTotal postCareRegions
                           sites { region siteType sites covered } }
                exchangeVisits { direction country year visits delegates } } }",
            json!({}),
        )
        .await;
        let s = &data["stats"];
        let a = global_id("Organisation", "org:a");
        let b = global_id("Organisation", "org:b");
        same(
            &s["resources"]["byContributor"],
            json!([
                {"contributor": a, "contributionType": "CASH", "year": "2021", "count": 1, "amount": {"currency": "MAD", "value": "1500000.00"}},
                {"contributor": a, "contributionType": "CASH", "year": "2021", "count": 1, "amount": {"currency": "EUR", "value": "25.00"}},
                {"contributor": b, "contributionType": "EXPERTISE", "year": "2022", "count": 1, "amount": {"currency": null, "value": "0.00"}},
            ]),
        );
        same(
            &s["resources"]["funnel"],
            json!([
                {"currency": "MAD", "pledged": {"count": 1, "amount": {"value": "1500000.00"}}, "committed": {"count": 1}, "delivered": {"count": 1}, "fullyDelivered": {"count": 1}, "cancelled": {"count": 0, "amount": {"value": "0.00"}}},
                {"currency": "EUR", "pledged": {"count": 1, "amount": {"value": "25.00"}}, "committed": {"count": 0}, "delivered": {"count": 0}, "fullyDelivered": {"count": 0}, "cancelled": {"count": 0, "amount": {"value": "0.00"}}},
                {"currency": null, "pledged": {"count": 1, "amount": {"value": "0.00"}}, "committed": {"count": 1}, "delivered": {"count": 0}, "fullyDelivered": {"count": 0}, "cancelled": {"count": 0, "amount": {"value": "0.00"}}},
                {"currency": "XOF", "pledged": {"count": 0, "amount": {"value": "0"}}, "committed": {"count": 0}, "delivered": {"count": 0}, "fullyDelivered": {"count": 0}, "cancelled": {"count": 1, "amount": {"value": "1000"}}},
            ]),
        );
        same(
            &s["resources"]["cashInKind"],
            json!([
                {"cash": true, "count": 1, "amount": {"currency": "MAD", "value": "1500000.00"}},
                {"cash": true, "count": 1, "amount": {"currency": "EUR", "value": "25.00"}},
                {"cash": false, "count": 1, "amount": {"currency": null, "value": "0.00"}},
            ]),
        );
        let cov = &s["coverage"];
        assert_eq!(cov["regionsWithPostCare"], 2);
        assert_eq!(cov["regionsTotal"], 12);
        same(
            &cov["postCareRegions"],
            json!([global_id("Region", "MA-01"), global_id("Region", "MA-04")]),
        );
        same(
            &cov["sites"],
            json!([
                {"region": global_id("Region", "MA-04"), "siteType": "LOCAL_PRISON", "sites": 2, "covered": 1},
                {"region": global_id("Region", "MA-04"), "siteType": "POST_CARE_CENTRE", "sites": 1, "covered": 0},
                {"region": global_id("Region", "MA-01"), "siteType": "POST_CARE_CENTRE", "sites": 2, "covered": 0},
            ]),
        );
        same(
            &s["exchangeVisits"],
            json!([
                {"direction": "INBOUND", "country": "US", "year": "2019", "visits": 2, "delegates": 6},
                {"direction": "OUTBOUND", "country": "FR", "year": "2020", "visits": 1, "delegates": 0},
            ]),
        );
    }
);

const REACH: &str =
    "query($g: [TrainingDimension!]! = [], $v: Boolean! = true, $f: StatsFilterInput) {
  stats { trainingReach(groupBy: $g, validatedOnly: $v, filter: $f) {
    suppressionThreshold
    rows { audience topic region year provider sessions participantHours femaleShare protected
           participants { value display suppressed rounded }
           femaleParticipants { value display suppressed }
           completed { value } }
    total { sessions participantHours
            participants { value display suppressed rounded }
            femaleParticipants { value rounded } } } } }";

pub(crate) fn by<'a>(rows: &'a Value, field: &str, key: &str) -> &'a Value {
    rows.as_array()
        .and_then(|rows| rows.iter().find(|r| r[field] == key))
        .unwrap_or_else(|| panic!("no row with {field} = {key} in {rows:#}"))
}

backend_tests!(
    training_reach_exact,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        let reach = |g: Value, v: Value| {
            let app = &app;
            async move {
                app.data(REACH, json!({"g": g, "v": v})).await["stats"]["trainingReach"].clone()
            }
        };
        let r = reach(json!(["AUDIENCE"]), json!(true)).await;
        assert_eq!(r["suppressionThreshold"], Value::Null);
        let rows = &r["rows"];
        assert_eq!(rows.as_array().map(Vec::len), Some(5));
        let staff = by(rows, "audience", "STAFF");
        assert_eq!(staff["sessions"], 1);
        assert_eq!(staff["participants"]["value"], 5);
        assert_eq!(staff["femaleParticipants"]["value"], 3);
        assert_eq!(staff["completed"]["value"], 4);
        assert_eq!(staff["participantHours"], 50.0);
        assert_eq!(staff["femaleShare"], 0.6);
        assert_eq!(staff["protected"], false);
        let adult = by(rows, "audience", "PRISONERS_ADULT");
        assert_eq!(adult["participants"]["value"], 1);
        assert_eq!(adult["participantHours"], 4.0);
        assert_eq!(adult["protected"], true);
        assert_eq!(
            by(rows, "audience", "PRISONERS_JUVENILE")["participantHours"],
            8.0
        );
        assert_eq!(by(rows, "audience", "FAMILIES")["participants"]["value"], 0);
        let total = &r["total"];
        assert_eq!(total["sessions"], 5);
        assert_eq!(total["participants"]["value"], 15);
        assert_eq!(total["participants"]["rounded"], false);
        assert_eq!(total["femaleParticipants"]["value"], 6);
        assert_eq!(total["participantHours"], 67.0);

        // Every session, validated or not: the undelivered adult session adds 50.
        let all = reach(json!(["AUDIENCE"]), json!(false)).await;
        let adult = by(&all["rows"], "audience", "PRISONERS_ADULT");
        assert_eq!(adult["sessions"], 2);
        assert_eq!(adult["participants"]["value"], 51);

        let topics = reach(json!(["TOPIC"]), json!(true)).await;
        for (topic, sessions, participants) in [
            ("HR_MANAGEMENT", 1, 5),
            ("HEALTH", 1, 5),
            ("VOCATIONAL", 1, 1),
            ("LITERACY_EDUCATION", 1, 4),
            ("POST_RELEASE", 2, 5),
        ] {
            let row = by(&topics["rows"], "topic", topic);
            assert_eq!(row["sessions"], sessions, "{topic}");
            assert_eq!(row["participants"]["value"], participants, "{topic}");
        }
        assert_eq!(topics["rows"].as_array().map(Vec::len), Some(5));

        let regions = reach(json!(["REGION"]), json!(true)).await;
        let ma04 = global_id("Region", "MA-04");
        let ma01 = global_id("Region", "MA-01");
        assert_eq!(
            by(&regions["rows"], "region", &ma04)["participants"]["value"],
            14
        );
        assert_eq!(by(&regions["rows"], "region", &ma04)["sessions"], 4);
        assert_eq!(
            by(&regions["rows"], "region", &ma01)["participants"]["value"],
            1
        );

        let years = reach(json!(["YEAR"]), json!(true)).await;
        assert_eq!(
            by(&years["rows"], "year", "2022")["participants"]["value"],
            6
        );
        assert_eq!(by(&years["rows"], "year", "2023")["sessions"], 3);

        let providers = reach(json!(["PROVIDER"]), json!(true)).await;
        let b = global_id("Organisation", "org:b");
        let c = global_id("Organisation", "org:c");
        assert_eq!(by(&providers["rows"], "provider", &b)["sessions"], 5);
        assert_eq!(
            by(&providers["rows"], "provider", &b)["participants"]["value"],
            15
        );
        assert_eq!(
            by(&providers["rows"], "provider", &c)["participants"]["value"],
            5
        );

        // The region filter.
        let filtered = app
            .data(REACH, json!({"g": [], "f": {"regions": [ma01]}}))
            .await;
        assert_eq!(
            filtered["stats"]["trainingReach"]["total"]["participants"]["value"],
            1
        );
    }
);

backend_tests!(
    training_reach_disclosure,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        // org:b provides every session, so as a partner it reads them all.
        let r = data_as(&app, partner("org:b"), REACH, json!({"g": ["AUDIENCE"]})).await;
        let r = &r["stats"]["trainingReach"];
        assert_eq!(r["suppressionThreshold"], 5);
        let rows = &r["rows"];
        // 5 staff: never suppressed.
        let staff = by(rows, "audience", "STAFF");
        assert_eq!(staff["participants"]["value"], 5);
        assert_eq!(staff["participants"]["suppressed"], false);
        // 1 adult prisoner: suppressed, with what would reveal it.
        let adult = by(rows, "audience", "PRISONERS_ADULT");
        assert_eq!(
            adult["participants"],
            json!({"value": null, "display": "<5", "suppressed": true, "rounded": false})
        );
        assert_eq!(adult["participantHours"], Value::Null);
        assert_eq!(adult["femaleShare"], Value::Null);
        assert_eq!(adult["femaleParticipants"]["suppressed"], true);
        // 4 juveniles: suppressed.
        let juvenile = by(rows, "audience", "PRISONERS_JUVENILE");
        assert_eq!(juvenile["participants"]["suppressed"], true);
        assert_eq!(juvenile["participants"]["display"], "<5");
        // 5 former prisoners: shown; their 2 women (and so the 3 men) are not.
        let former = by(rows, "audience", "FORMER_PRISONERS");
        assert_eq!(former["participants"]["value"], 5);
        assert_eq!(former["participants"]["suppressed"], false);
        assert_eq!(former["femaleParticipants"]["suppressed"], true);
        assert_eq!(former["femaleShare"], Value::Null);
        // 0 families: shown, it discloses nobody.
        let families = by(rows, "audience", "FAMILIES");
        assert_eq!(families["participants"]["value"], 0);
        assert_eq!(families["participants"]["suppressed"], false);
        // The total is rounded (15 stays 15; 6 women become 5), with no exact hours.
        assert_eq!(r["total"]["participants"]["value"], 15);
        assert_eq!(r["total"]["participants"]["rounded"], true);
        assert_eq!(r["total"]["femaleParticipants"]["value"], 5);
        assert_eq!(r["total"]["participantHours"], Value::Null);

        // A derivable total: in 2022 there are 5 staff and 1 adult prisoner. With the adult cell
        // alone suppressed, total − staff would give it away, so the staff cell goes too.
        let year = data_as(
            &app,
            partner("org:b"),
            REACH,
            json!({"g": ["AUDIENCE"], "f": {"period": {"from": "2022", "to": "2022"}}}),
        )
        .await;
        let year = &year["stats"]["trainingReach"];
        let staff = by(&year["rows"], "audience", "STAFF");
        assert_eq!(staff["participants"]["suppressed"], true);
        assert_eq!(staff["participants"]["display"], "x");
        assert_eq!(
            by(&year["rows"], "audience", "PRISONERS_ADULT")["participants"]["suppressed"],
            true
        );
        assert_eq!(year["total"]["participants"]["value"], 5);
        assert_eq!(year["total"]["participants"]["rounded"], true);

        // The administration sees exact figures.
        let admin = app.data(REACH, json!({"g": ["AUDIENCE"]})).await;
        let adult = by(
            &admin["stats"]["trainingReach"]["rows"],
            "audience",
            "PRISONERS_ADULT",
        );
        assert_eq!(adult["participants"]["value"], 1);
        assert_eq!(adult["participants"]["suppressed"], false);

        // The public reads no training session at all: nothing to disclose.
        let public = data_as(
            &app,
            Principal::anonymous(Role::Public),
            REACH,
            json!({"g": ["AUDIENCE"]}),
        )
        .await;
        assert_eq!(public["stats"]["trainingReach"]["rows"], json!([]));
        assert_eq!(public["stats"]["trainingReach"]["total"]["sessions"], 0);
    }
);

/// Strips the byte-order mark and parses CSV into records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let body = text
        .strip_prefix('\u{feff}')
        .expect("CSV starts with a BOM");
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

backend_tests!(csv_exports, Data::Empty, |app: TestApp| async move {
    fixture(&app).await;
    let data = app
        .data(
            "{ export { organisationsCsv agreementsCsv(filter: { status: { eq: ACTIVE } })
                        projectsCsv trainingSessionsCsv } }",
            json!({}),
        )
        .await;
    let orgs = parse_csv(data["export"]["organisationsCsv"].as_str().expect("csv"));
    assert_eq!(orgs.len(), 4);
    let pri = orgs.iter().find(|r| r[0] == "org:c").expect("org:c");
    assert_eq!(pri[2], "المنظمة الدولية للإصلاح الجنائي");
    assert_eq!(pri[1], "'=HYPERLINK(\"http://x\")");
    let dap = orgs.iter().find(|r| r[0] == "org:b").expect("org:b");
    assert_eq!(dap[1], "'-DAP");
    // The same filters as the lists.
    let agreements = parse_csv(data["export"]["agreementsCsv"].as_str().expect("csv"));
    assert_eq!(agreements.len(), 2);
    assert!(agreements.iter().all(|r| r[3] == "ACTIVE"));
    assert_eq!(
        parse_csv(data["export"]["projectsCsv"].as_str().expect("csv")).len(),
        2
    );
    let sessions = parse_csv(data["export"]["trainingSessionsCsv"].as_str().expect("csv"));
    assert_eq!(sessions.len(), 6);
    // The same access rules: the public reads no session and only published agreements.
    let public = data_as(
        &app,
        Principal::anonymous(Role::Public),
        "{ export { trainingSessionsCsv agreementsCsv } }",
        json!({}),
    )
    .await;
    assert_eq!(
        parse_csv(
            public["export"]["trainingSessionsCsv"]
                .as_str()
                .expect("csv")
        )
        .len(),
        0
    );
    assert_eq!(
        parse_csv(public["export"]["agreementsCsv"].as_str().expect("csv")).len(),
        2
    );
});

backend_tests!(
    iati_export_validates,
    Data::Empty,
    |app: TestApp| async move {
        fixture(&app).await;
        let data = app
            .data("{ export { iatiActivitiesXml } }", json!({}))
            .await;
        let xml = data["export"]["iatiActivitiesXml"].as_str().expect("xml");
        assert_eq!(xml.matches("<iati-activity ").count(), 2);
        assert!(xml.contains("<participating-org role=\"1\" ref=\"org:a\" type=\"60\">"));
        assert!(xml.contains("<sector vocabulary=\"1\" code=\"15137\" percentage=\"60\"/>"));
        assert!(xml.contains("<transaction-type code=\"1\"/>"));
        assert!(
            xml.contains("<value currency=\"MAD\" value-date=\"2021-03-01\">1500000.00</value>")
        );
        assert!(xml.contains("<feature-designation code=\"PRN\"/>"));
        assert!(xml.contains("Projet prj:1 &amp; &lt;co&gt;"));
        validate_iati(xml);

        // Filtered: one project.
        let one = app
            .data(
                "{ export { iatiActivitiesXml(filter: { status: { eq: PIPELINE } }) } }",
                json!({}),
            )
            .await;
        let xml = one["export"]["iatiActivitiesXml"].as_str().expect("xml");
        assert_eq!(xml.matches("<iati-activity ").count(), 1);
        validate_iati(xml);
    }
);

/// Validates against the official IATI 2.03 activity schema with `xmllint`.
pub(crate) fn validate_iati(xml: &str) {
    let dir = tempfile_dir();
    let path = dir.join(format!("iati-{}.xml", std::process::id()));
    std::fs::write(&path, xml).expect("write xml");
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/iati/iati-activities-schema.xsd"
    );
    let output = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&path)
        .output()
        .expect("xmllint must be installed (apt-get install libxml2-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "IATI XML does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sharaka-iati-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

backend_tests!(
    iati_export_of_the_demo_data_validates,
    Data::Demo,
    |app: TestApp| async move {
        let data = app
            .data("{ export { iatiActivitiesXml } }", json!({}))
            .await;
        let xml = data["export"]["iatiActivitiesXml"].as_str().expect("xml");
        assert_eq!(xml.matches("<iati-activity ").count(), 8);
        validate_iati(xml);
    }
);

//! The write path of partnerships, projects, commitments, contributions, training sessions,
//! exchange visits and sites: nested creates, partial updates that replace lists, and the
//! lifecycles' named transitions with their guards, dates and audited reasons.

use serde_json::{Value, json};
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

fn org(local: &str) -> String {
    global_id("Organisation", local)
}

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

/// Runs `mutation` (a field taking `$id`, `expectedVersion: $v` and optional `$reason`,
/// `$date`) and returns the whole response.
async fn step(
    app: &TestApp,
    mutation: &str,
    id: &str,
    version: i64,
    reason: Option<&str>,
    date: Option<&str>,
    selection: &str,
) -> Value {
    let dated = if date.is_some() { ", date: $date" } else { "" };
    let date_var = if date.is_some() {
        ", $date: String"
    } else {
        ""
    };
    let q = format!(
        "mutation($id: ID!, $v: Int!, $reason: String{date_var}) {{ \
         {mutation}(id: $id, expectedVersion: $v, reason: $reason{dated}) {{ {selection} }} }}"
    );
    app.query(
        &q,
        json!({ "id": id, "v": version, "reason": reason, "date": date }),
    )
    .await
}

backend_tests!(
    partnerships_take_the_home_organisation_and_the_partners_typology,
    Data::Demo,
    |app: TestApp| async move {
        let create = "mutation($input: CreatePartnershipInput!) { createPartnership(input: $input, idempotencyKey: \"p-1\") { id version scope modality themes since status isStrategic home { localId } partner { localId } } }";
        let refused = app
            .query(
                create,
                json!({ "input": { "partnerId": org("org:fr-dap"), "scope": "NATIONAL", "modality": "MULTILATERAL" } }),
            )
            .await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"]);
        assert_eq!(
            fields(&refused),
            [
                pair("scope", "FOREIGN_PARTNER_MUST_BE_INTERNATIONAL"),
                pair("modality", "MULTILATERAL_NEEDS_INTERNATIONAL_BODY"),
            ]
        );

        let input = json!({ "input": {
            "partnerId": org("org:fr-dap"), "scope": "INTERNATIONAL", "modality": "BILATERAL",
            "themes": ["REINTEGRATION", "REINTEGRATION"], "since": "2019-05" } });
        let created = app.data(create, input.clone()).await["createPartnership"].clone();
        assert_eq!(created["home"]["localId"], json!("org:dgapr"));
        assert_eq!(created["partner"]["localId"], json!("org:fr-dap"));
        assert_eq!(created["themes"], json!(["REINTEGRATION"]));
        assert_eq!(created["status"], json!("ACTIVE"));
        assert_eq!(created["isStrategic"], json!(false));
        let retried = app.data(create, input).await;
        assert_eq!(retried["createPartnership"]["id"], created["id"]);

        let update = "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { version since status isStrategic modality } }";
        let id = created["id"].as_str().expect("id");
        let updated = app
            .data(
                update,
                json!({ "input": { "id": id, "expectedVersion": 1, "since": null, "isStrategic": true, "status": "DORMANT" } }),
            )
            .await;
        assert_eq!(
            updated["updatePartnership"],
            json!({ "version": 2, "since": null, "status": "DORMANT", "isStrategic": true, "modality": "BILATERAL" })
        );
        let stale = app
            .query(
                update,
                json!({ "input": { "id": id, "expectedVersion": 1, "isStrategic": false } }),
            )
            .await;
        assert_eq!(error_codes(&stale), ["CONFLICT"]);
        let home = app
            .query(
                update,
                json!({ "input": { "id": id, "expectedVersion": 2, "partnerId": org("org:dgapr"), "scope": "NATIONAL", "modality": "DIRECT_NATIONAL" } }),
            )
            .await;
        assert_eq!(fields(&home), [pair("partnerId", "PARTNER_IS_HOME")]);
    }
);

const PROJECT: &str = "id version status statusCode actualStart actualEnd \
    participants { nodes { roleCode organisation { localId } } } \
    sectors { vocabulary code percentage } sites { nodes { localId } } \
    regions { nodes { isoCode } } agreements { nodes { localId } }";

backend_tests!(
    a_project_is_created_with_its_lists_which_updates_replace,
    Data::Demo,
    |app: TestApp| async move {
        let create = format!(
            "mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ {PROJECT} }} }}"
        );
        let refused = app
            .query(
                &create,
                json!({ "input": {
                    "title": {},
                    "participants": [{ "organisationId": org("org:nowhere"), "role": "FUNDING" }],
                    "sectors": [{ "vocabulary": 1, "code": "123", "percentage": 120 }],
                    "regionCodes": ["MA-99"] } }),
            )
            .await;
        assert_eq!(
            fields(&refused),
            [
                pair("title", "NEEDS_ONE_LANGUAGE"),
                pair("sectors[0].code", "INVALID_SECTOR_CODE"),
                pair("sectors[0].percentage", "PERCENTAGE_OUT_OF_RANGE"),
                pair("participants[0].organisationId", "NOT_FOUND"),
                pair("regionCodes[0]", "NOT_FOUND"),
            ]
        );

        let site = global_id("Site", "site:ali-moumen");
        let created = app
            .data(
                &create,
                json!({ "input": {
                    "title": { "fr": "Projet pilote" }, "plannedStart": "2025",
                    "participants": [
                        { "organisationId": org("org:dgapr"), "role": "ACCOUNTABLE" },
                        { "organisationId": org("org:emi"), "role": "IMPLEMENTING" }],
                    "sectors": [{ "vocabulary": 1, "code": "15137", "percentage": 60 }],
                    "siteIds": [site, site], "regionCodes": ["ma-04"],
                    "agreementIds": [global_id("Agreement", "agr:emi-groundwater")] } }),
            )
            .await["createProject"]
            .clone();
        assert_eq!(created["status"], json!("PIPELINE"));
        assert_eq!(created["statusCode"], json!(1));
        assert_eq!(
            created["participants"]["nodes"],
            json!([
                { "roleCode": 2, "organisation": { "localId": "org:dgapr" } },
                { "roleCode": 4, "organisation": { "localId": "org:emi" } }])
        );
        assert_eq!(
            created["sites"]["nodes"],
            json!([{ "localId": "site:ali-moumen" }])
        );
        assert_eq!(created["regions"]["nodes"], json!([{ "isoCode": "MA-04" }]));

        let update = format!(
            "mutation($input: UpdateProjectInput!) {{ updateProject(input: $input) {{ {PROJECT} }} }}"
        );
        let id = created["id"].as_str().expect("id");
        let updated = app
            .data(
                &update,
                json!({ "input": { "id": id, "expectedVersion": 1, "siteIds": [],
                    "sectors": [{ "vocabulary": 7, "code": "16.3" }] } }),
            )
            .await["updateProject"]
            .clone();
        assert_eq!(updated["version"], json!(2));
        assert_eq!(updated["sites"]["nodes"], json!([]));
        assert_eq!(
            updated["sectors"],
            json!([{ "vocabulary": 7, "code": "16.3", "percentage": null }])
        );
        // Lists that were not given are kept.
        assert_eq!(updated["participants"], created["participants"]);
        assert_eq!(updated["agreements"], created["agreements"]);
    }
);

backend_tests!(
    project_transitions_need_their_dates_and_closing_counts_open_commitments,
    Data::Demo,
    |app: TestApp| async move {
        let agreement = global_id("Agreement", "agr:emi-groundwater");
        let created = app
            .data(
                "mutation($a: ID!) { createProject(input: { title: { en: \"Pilot\" }, agreementIds: [$a] }) { id } }",
                json!({ "a": agreement }),
            )
            .await;
        let id = created["createProject"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let sel = "status version actualStart actualEnd";

        let undated = step(&app, "startProject", &id, 1, None, None, sel).await;
        assert_eq!(error_codes(&undated), ["INVALID_TRANSITION"]);
        assert_eq!(
            undated["errors"][0]["extensions"]["allowedTransitions"],
            json!(["START", "CANCEL"])
        );
        let started = step(
            &app,
            "startProject",
            &id,
            1,
            Some("kick-off"),
            Some("2025-03-01"),
            sel,
        )
        .await;
        assert_eq!(
            started["data"]["startProject"],
            json!({ "status": "IMPLEMENTATION", "version": 2, "actualStart": "2025-03-01", "actualEnd": null })
        );
        let early = step(
            &app,
            "completeProjectPhysically",
            &id,
            2,
            None,
            Some("2024"),
            sel,
        )
        .await;
        assert_eq!(fields(&early), [pair("date", "DATE_ORDER")]);
        let done = step(
            &app,
            "completeProjectPhysically",
            &id,
            2,
            None,
            Some("2026-06"),
            sel,
        )
        .await;
        assert_eq!(
            done["data"]["completeProjectPhysically"]["status"],
            json!("FINALISATION")
        );

        // A commitment of the agreement the project implements is started: closing is refused
        // unless a reason overrides it.
        let commitments = app
            .data(
                "query($a: ID!) { node(id: $a) { ... on Agreement { commitments(first: 1) { nodes { id version } } } } }",
                json!({ "a": agreement }),
            )
            .await;
        let commitment = commitments["node"]["commitments"]["nodes"][0].clone();
        let cid = commitment["id"].as_str().expect("commitment").to_owned();
        let v = commitment["version"].as_i64().expect("version");
        let started = step(
            &app,
            "startCommitment",
            &cid,
            v,
            Some("work begins"),
            None,
            "status version",
        )
        .await;
        assert_eq!(
            started["data"]["startCommitment"]["status"],
            json!("IN_PROGRESS")
        );
        let refused = step(&app, "closeProject", &id, 3, None, None, sel).await;
        assert_eq!(error_codes(&refused), ["INVALID_TRANSITION"]);
        let closed = step(&app, "closeProject", &id, 3, Some("handed over"), None, sel).await;
        assert_eq!(closed["data"]["closeProject"]["status"], json!("CLOSED"));
        let stale = step(&app, "cancelProject", &id, 3, None, None, sel).await;
        assert_eq!(error_codes(&stale), ["CONFLICT"]);

        let waived = step(&app, "fulfilCommitment", &cid, v + 1, None, None, "status").await;
        assert_eq!(
            waived["data"]["fulfilCommitment"]["status"],
            json!("FULFILLED")
        );

        let history = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Project { history { nodes { action reason } } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            history["node"]["history"]["nodes"],
            json!([
                { "action": "createProject", "reason": null },
                { "action": "startProject", "reason": "kick-off" },
                { "action": "completeProjectPhysically", "reason": null },
                { "action": "closeProject", "reason": "handed over" }])
        );
    }
);

backend_tests!(
    contributions_store_exact_minor_units_and_move_through_their_lifecycle,
    Data::Demo,
    |app: TestApp| async move {
        let create = "mutation($input: CreateContributionInput!) { createContribution(input: $input) { id status amount currency agreement { localId } project { localId } } }";
        let agreement = global_id("Agreement", "agr:emi-groundwater");
        let refused = app
            .query(
                create,
                json!({ "input": { "contributorId": org("org:us-inl"), "agreementId": agreement,
                    "trainingSessionId": global_id("TrainingSession", "trn:be-1"),
                    "contributionType": "CASH", "amount": "10.001", "currency": "USD" } }),
            )
            .await;
        assert_eq!(
            fields(&refused),
            [
                pair("agreementId", "EXACTLY_ONE_TARGET"),
                pair("trainingSessionId", "EXACTLY_ONE_TARGET"),
                pair("amount", "TOO_MANY_DECIMALS"),
            ]
        );
        let created = app
            .data(
                create,
                json!({ "input": { "contributorId": org("org:us-inl"), "agreementId": agreement,
                    "contributionType": "CASH", "amount": "3000000.125", "currency": "tnd" } }),
            )
            .await["createContribution"]
            .clone();
        assert_eq!(created["amount"], json!("3000000.125"));
        assert_eq!(created["currency"], json!("TND"));
        assert_eq!(created["status"], json!("PLEDGED"));
        let id = created["id"].as_str().expect("id").to_owned();

        let project = app
            .data(
                "mutation { createProject(input: { title: { fr: \"Cible\" } }) { id localId } }",
                json!({}),
            )
            .await["createProject"]
            .clone();
        let moved = app
            .data(
                "mutation($input: UpdateContributionInput!) { updateContribution(input: $input) { version amount currency agreement { localId } project { localId } } }",
                json!({ "input": { "id": id, "expectedVersion": 1, "agreementId": null,
                    "projectId": project["id"], "amount": "1500", "currency": "XOF" } }),
            )
            .await;
        assert_eq!(
            moved["updateContribution"],
            json!({ "version": 2, "amount": "1500", "currency": "XOF", "agreement": null,
                "project": { "localId": project["localId"] } })
        );

        let early = step(&app, "deliverContribution", &id, 2, None, None, "status").await;
        assert_eq!(error_codes(&early), ["INVALID_TRANSITION"]);
        assert_eq!(
            early["errors"][0]["extensions"]["allowedTransitions"],
            json!(["COMMIT", "CANCEL"])
        );
        for (version, mutation, status) in [
            (2, "commitContribution", "COMMITTED"),
            (3, "partiallyDeliverContribution", "PARTIALLY_DELIVERED"),
        ] {
            let r = step(&app, mutation, &id, version, None, None, "status").await;
            assert_eq!(r["data"][mutation]["status"], json!(status), "{r}");
        }
    }
);

const SESSION: &str = "id version status contactHours startDate \
    tallies { sex enrolled attended completed } participants providers { nodes { localId } }";

backend_tests!(
    a_training_session_is_created_with_tallies_and_its_numbers_lock_once_validated,
    Data::Demo,
    |app: TestApp| async move {
        let create = format!(
            "mutation($input: CreateTrainingSessionInput!) {{ createTrainingSession(input: $input, idempotencyKey: \"t-1\") {{ {SESSION} }} }}"
        );
        let input = json!({ "input": {
            "title": { "fr": "Gestion budgétaire" }, "audience": "STAFF",
            "organiserId": org("org:dgapr"), "providerIds": [org("org:be-justice"), org("org:be-justice")],
            "startDate": "2026-05-07", "endDate": "2026-05-11",
            "tallies": [{ "sex": "FEMALE", "enrolled": 8, "attended": 8, "completed": 7 }] } });
        let created = app.data(&create, input.clone()).await["createTrainingSession"].clone();
        assert_eq!(created["status"], json!("PLANNED"));
        assert_eq!(created["participants"], json!(8));
        assert_eq!(
            created["providers"]["nodes"],
            json!([{ "localId": "org:be-justice" }])
        );
        let retried = app.data(&create, input).await;
        assert_eq!(retried["createTrainingSession"]["id"], created["id"]);
        let id = created["id"].as_str().expect("id").to_owned();

        let postponed = step(
            &app,
            "postponeTrainingSession",
            &id,
            1,
            Some("trainer ill"),
            None,
            "status",
        )
        .await;
        assert_eq!(
            postponed["data"]["postponeTrainingSession"]["status"],
            json!("POSTPONED")
        );
        let late = step(
            &app,
            "rescheduleTrainingSession",
            &id,
            2,
            None,
            Some("2026-06-01"),
            "status",
        )
        .await;
        assert_eq!(fields(&late), [pair("endDate", "DATE_ORDER")]);
        let moved = step(
            &app,
            "rescheduleTrainingSession",
            &id,
            2,
            None,
            Some("2026-05-08"),
            "status startDate",
        )
        .await;
        assert_eq!(
            moved["data"]["rescheduleTrainingSession"],
            json!({ "status": "CONFIRMED", "startDate": "2026-05-08" })
        );
        let begun = step(&app, "beginTrainingSession", &id, 3, None, None, "status").await;
        assert_eq!(
            begun["data"]["beginTrainingSession"]["status"],
            json!("IN_PROGRESS")
        );
        let no_hours = step(&app, "finishTrainingSession", &id, 4, None, None, "status").await;
        assert_eq!(error_codes(&no_hours), ["INVALID_TRANSITION"]);

        let update = format!(
            "mutation($input: UpdateTrainingSessionInput!) {{ updateTrainingSession(input: $input) {{ {SESSION} }} }}"
        );
        let updated = app
            .data(
                &update,
                json!({ "input": { "id": id, "expectedVersion": 4, "contactHours": 30,
                    "tallies": [
                        { "sex": "FEMALE", "enrolled": 8, "attended": 8, "completed": 7 },
                        { "sex": "MALE", "enrolled": 12, "attended": 11, "completed": 11 }] } }),
            )
            .await["updateTrainingSession"]
            .clone();
        assert_eq!(updated["participants"], json!(19));
        assert_eq!(updated["contactHours"], json!(30.0));
        for (version, mutation, status) in [
            (5, "finishTrainingSession", "DELIVERED"),
            (6, "validateTrainingSession", "VALIDATED"),
        ] {
            let r = step(&app, mutation, &id, version, None, None, "status").await;
            assert_eq!(r["data"][mutation]["status"], json!(status), "{r}");
        }

        let locked = app
            .query(
                &update,
                json!({ "input": { "id": id, "expectedVersion": 7, "contactHours": 31, "tallies": [] } }),
            )
            .await;
        assert_eq!(
            fields(&locked),
            [
                pair("tallies", "LOCKED_AFTER_VALIDATION"),
                pair("contactHours", "LOCKED_AFTER_VALIDATION"),
            ]
        );
        let other = app
            .data(
                &update,
                json!({ "input": { "id": id, "expectedVersion": 7, "venueCity": "Bruxelles" } }),
            )
            .await;
        assert_eq!(other["updateTrainingSession"]["version"], json!(8));
        assert_eq!(other["updateTrainingSession"]["participants"], json!(19));
    }
);

backend_tests!(
    an_exchange_visit_is_created_updated_and_scheduled,
    Data::Demo,
    |app: TestApp| async move {
        let created = app
            .data(
                "mutation($input: CreateExchangeVisitInput!) { createExchangeVisit(input: $input) { id status version } }",
                json!({ "input": {
                    "title": { "en": "Study visit" }, "direction": "OUTBOUND", "visitType": "STUDY_VISIT",
                    "hostId": org("org:be-justice"), "visitorId": org("org:dgapr"), "countryCode": "be",
                    "startDate": "2026-09-10", "endDate": "2026-09-12",
                    "delegation": [{ "sex": "MALE", "count": 3 }, { "sex": "FEMALE", "count": 2 }],
                    "siteIds": [global_id("Site", "site:ali-moumen")] } }),
            )
            .await["createExchangeVisit"]
            .clone();
        assert_eq!(created["status"], json!("PROPOSED"));
        let id = created["id"].as_str().expect("id").to_owned();

        let refused = app
            .query(
                "mutation($input: UpdateExchangeVisitInput!) { updateExchangeVisit(input: $input) { id } }",
                json!({ "input": { "id": id, "expectedVersion": 1,
                    "delegation": [{ "sex": "MALE", "count": -1 }], "hostId": org("org:nowhere") } }),
            )
            .await;
        assert_eq!(
            fields(&refused),
            [
                pair("delegation[0].count", "NEGATIVE"),
                pair("hostId", "NOT_FOUND"),
            ]
        );
        let updated = app
            .data(
                "mutation($input: UpdateExchangeVisitInput!) { updateExchangeVisit(input: $input) { version endDate } }",
                json!({ "input": { "id": id, "expectedVersion": 1, "endDate": null, "siteIds": [] } }),
            )
            .await;
        assert_eq!(
            updated["updateExchangeVisit"],
            json!({ "version": 2, "endDate": null })
        );
        let unapproved = step(
            &app,
            "scheduleExchangeVisit",
            &id,
            2,
            None,
            Some("2026-09-15"),
            "status",
        )
        .await;
        assert_eq!(error_codes(&unapproved), ["INVALID_TRANSITION"]);
        for (version, mutation, date, status) in [
            (2, "approveExchangeVisit", None, "APPROVED"),
            (3, "scheduleExchangeVisit", Some("2026-09-15"), "SCHEDULED"),
            (4, "completeExchangeVisit", None, "COMPLETED"),
            (5, "reportExchangeVisit", None, "REPORTED"),
        ] {
            let r = step(&app, mutation, &id, version, None, date, "status startDate").await;
            assert_eq!(r["data"][mutation]["status"], json!(status), "{r}");
        }
        let after = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on ExchangeVisit { startDate version } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            after["node"],
            json!({ "startDate": "2026-09-15", "version": 6 })
        );
    }
);

backend_tests!(
    a_site_is_updated_and_a_failing_field_undoes_the_whole_request,
    Data::Demo,
    |app: TestApp| async move {
        let site = global_id("Site", "site:ali-moumen");
        let update = "mutation($input: UpdateSiteInput!) { updateSite(input: $input) { version city status region { isoCode } } }";
        let itself = app
            .query(
                update,
                json!({ "input": { "id": site, "expectedVersion": 1, "parentId": site } }),
            )
            .await;
        assert_eq!(error_codes(&itself), ["BAD_USER_INPUT"]);
        let updated = app
            .data(
                update,
                json!({ "input": { "id": site, "expectedVersion": 1, "city": "Oujda", "regionCode": "MA-02", "status": "CLOSED" } }),
            )
            .await;
        assert_eq!(
            updated["updateSite"],
            json!({ "version": 2, "city": "Oujda", "status": "CLOSED", "region": { "isoCode": "MA-02" } })
        );

        // A nested create followed by a failing field in the same request leaves nothing.
        let both = app
            .query(
                "mutation($site: ID!) {
                    created: createTrainingSession(input: { title: { fr: \"Éphémère\" }, audience: STAFF,
                        tallies: [{ sex: MALE, enrolled: 1, attended: 1, completed: 1 }] }) { id }
                    stale: updateSite(input: { id: $site, expectedVersion: 1, city: \"Fès\" }) { id } }",
                json!({ "site": site }),
            )
            .await;
        assert_eq!(error_codes(&both), ["CONFLICT"]);
        let sessions = app
            .data(
                "{ trainingSessions(first: 500) { nodes { title { fr } } } }",
                json!({}),
            )
            .await;
        let titles: Vec<&Value> = sessions["trainingSessions"]["nodes"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| &s["title"]["fr"])
            .collect();
        assert!(!titles.contains(&&json!("Éphémère")), "{titles:?}");
    }
);

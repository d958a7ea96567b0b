//! Time-driven changes: a signed agreement enters into force on its effective date and an active
//! one expires after its end date, each recorded in the audit trail by the `system` actor.

use serde_json::json;
use sharaka_gateway::jobs::{SYSTEM_ACTOR, apply_time_driven};
use sharaka_test_support::{Data, TestApp, backend_tests, global_id};

async fn signed_agreement(app: &TestApp) -> String {
    let dgapr = global_id("Organisation", "org:dgapr");
    let created = app
        .data(
            "mutation($org: ID!) { createAgreement(input: {
                title: { fr: \"Convention à échéance\" }, agreementType: PARTNERSHIP_AGREEMENT,
                effectiveFrom: \"2020-01-01\", effectiveTo: \"2021-12-31\",
                parties: [{ organisationId: $org, role: SIGNATORY, signedOn: \"2019-12-15\" }] }) { id } }",
            json!({ "org": dgapr }),
        )
        .await;
    let id = created["createAgreement"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for (version, transition) in [
        (1, "submitAgreement"),
        (2, "agreeAgreement"),
        (3, "signAgreement"),
    ] {
        let q = format!(
            "mutation($id: ID!) {{ {transition}(id: $id, expectedVersion: {version}) {{ status }} }}"
        );
        app.data(&q, json!({ "id": id })).await;
    }
    id
}

backend_tests!(
    signed_then_active_then_expired,
    Data::Demo,
    |app: TestApp| async move {
        let id = signed_agreement(&app).await;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");

        let first = apply_time_driven(app.store(), today).await.expect("run");
        assert_eq!(first.len(), 1, "only the new agreement is due: {first:?}");
        let status = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Agreement { status } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(status["node"]["status"], json!("ACTIVE"));

        // Past its end date without renewal or successor, the next run expires it.
        let second = apply_time_driven(app.store(), today).await.expect("run");
        assert_eq!(second.len(), 1);
        let data = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Agreement { status history { nodes { action actor reason } } } } }",
            json!({ "id": id }),
        )
        .await;
        assert_eq!(data["node"]["status"], json!("EXPIRED"));
        let history = data["node"]["history"]["nodes"]
            .as_array()
            .expect("history");
        let scheduled: Vec<_> = history
            .iter()
            .filter(|e| e["actor"] == json!(SYSTEM_ACTOR))
            .collect();
        assert_eq!(scheduled.len(), 2);
        assert_eq!(scheduled[0]["action"], json!("enterAgreementIntoForce"));
        assert_eq!(scheduled[1]["action"], json!("expireAgreement"));
        assert!(
            scheduled[1]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("2026-11-29"))
        );

        // Nothing else is due: the demo agreements have no dates, so no rule applies to them.
        assert!(
            apply_time_driven(app.store(), today)
                .await
                .expect("run")
                .is_empty()
        );
    }
);

backend_tests!(
    nothing_is_due_before_the_effective_date,
    Data::Demo,
    |app: TestApp| async move {
        let id = signed_agreement(&app).await;
        let before = chrono::NaiveDate::from_ymd_opt(2019, 12, 31).expect("date");
        assert!(
            apply_time_driven(app.store(), before)
                .await
                .expect("run")
                .is_empty()
        );
        let status = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Agreement { status } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(status["node"]["status"], json!("SIGNED"));
    }
);

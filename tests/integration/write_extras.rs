//! Hard deletion (administrators only, never-referenced records only) and audit events that
//! show a record's lists before and after a change.

use serde_json::json;
use sharaka_domain::{Principal, Role};
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

const CREATE_ORG: &str = "mutation { createOrganisation(input: { name: { fr: \"Association éphémère\" }, category: OTHER }) { id } }";

backend_tests!(
    only_admins_delete_and_only_unreferenced_records,
    Data::Demo,
    |app: TestApp| async move {
        let created = app.data(CREATE_ORG, json!({})).await;
        let id = created["createOrganisation"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let delete = "mutation($id: ID!) { deleteRecord(id: $id, reason: \"created by mistake\") }";

        let editor = Principal::with_role("editor", Role::Editor);
        let refused = app.query_as(editor, delete, json!({ "id": id })).await;
        assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused:#}");

        // DGAPR is referred to by partnerships, parties, sites…: it can only be archived.
        let dgapr = global_id("Organisation", "org:dgapr");
        let referenced = app.query(delete, json!({ "id": dgapr })).await;
        assert_eq!(error_codes(&referenced), vec!["CONFLICT"], "{referenced:#}");

        let deleted = app.data(delete, json!({ "id": id })).await;
        assert_eq!(deleted["deleteRecord"], json!(id));
        let gone = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(gone["node"], json!(null));
        let trail = app
        .data(
            "query($id: ID!) { auditEvents(filter: { record: [$id] }) { nodes { action reason before after } } }",
            json!({ "id": id }),
        )
        .await;
        let events = trail["auditEvents"]["nodes"].as_array().expect("events");
        assert_eq!(events.len(), 2, "created then deleted: {events:#?}");
        assert_eq!(events[0]["action"], json!("deleteRecord"));
        assert_eq!(events[0]["reason"], json!("created by mistake"));
        assert_eq!(events[0]["after"], json!(null));
        assert_eq!(
            events[0]["before"]["name_fr"],
            json!("Association éphémère")
        );
    }
);

backend_tests!(
    an_update_that_replaces_lists_shows_them_in_its_audit_event,
    Data::Demo,
    |app: TestApp| async move {
        let project = global_id("Project", "prj:groundwater");
        let before = app
        .data("query($id: ID!) { node(id: $id) { ... on Project { version participants { totalCount } } } }", json!({ "id": project }))
        .await;
        let version = before["node"]["version"].as_i64().expect("version");
        assert_eq!(before["node"]["participants"]["totalCount"], json!(2));
        let emi = global_id("Organisation", "org:emi");
        let updated = app
        .query(
            "mutation($id: ID!, $v: Int!, $emi: ID!) { updateProject(input: { id: $id, expectedVersion: $v,
                participants: [{ organisationId: $emi, role: IMPLEMENTING }] }) { participants { totalCount } } }",
            json!({ "id": project, "v": version, "emi": emi }),
        )
        .await;
        assert!(updated.get("errors").is_none(), "{updated:#}");
        assert_eq!(
            updated["data"]["updateProject"]["participants"]["totalCount"],
            json!(1)
        );
        let history = app
        .data("query($id: ID!) { node(id: $id) { ... on Project { history { nodes { action before after } } } } }", json!({ "id": project }))
        .await;
        let events = history["node"]["history"]["nodes"]
            .as_array()
            .expect("history");
        let last = events.last().expect("an event");
        assert_eq!(last["action"], json!("updateProject"));
        assert_eq!(
            last["before"]["project_participants"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            last["after"]["project_participants"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(
            last["after"]["project_participants"][0]["organisation_id"],
            json!("org:emi")
        );
    }
);

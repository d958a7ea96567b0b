//! `contributions.dated_on`: the date a contribution counts at in the figures, kept by triggers
//! on both backends. It must always equal the date its links give (the session's start, else
//! the project's actual then planned start, else the agreement's entry into force then
//! signature), whatever writes: a contribution's insert or change of link, a change of the
//! dating records' dates, and their deletion.

use sharaka_persistence::Store;
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Data, TestApp, backend_tests};

fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// Every contribution's stored date equals the date its links give; returns the date of `id`.
async fn checked_date(store: &Store, id: &str) -> Option<String> {
    let dates = store
        .contribution_dates()
        .await
        .expect("contribution dates");
    for (contribution, stored, from_links) in &dates {
        assert_eq!(stored, from_links, "the stored date of {contribution}");
    }
    dates
        .into_iter()
        .find(|(contribution, _, _)| contribution == id)
        .map(|(_, stored, _)| stored)
        .expect("the contribution exists")
}

async fn version(store: &Store, table: &'static str, id: &str) -> i32 {
    let row = store.snapshot(table, id).await.expect("snapshot");
    let version = row.expect("the record exists")["version"].as_i64();
    i32::try_from(version.expect("a version")).expect("a small version")
}

backend_tests!(
    the_stored_date_follows_every_write,
    Data::Demo,
    the_stored_date_follows_every_write
);
async fn the_stored_date_follows_every_write(app: TestApp) {
    let store = app.store();
    // The demo records, dated by the triggers as the seed wrote them.
    for (contribution, stored, from_links) in store.contribution_dates().await.expect("dates") {
        assert_eq!(stored, from_links, "the stored date of {contribution}");
    }
    store
        .insert(
            "agreements",
            &[
                ("id", t("t:agr")),
                ("agreement_type", t("PARTNERSHIP_AGREEMENT")),
                ("status", t("SIGNED")),
                ("title_fr", t("Accord de test")),
                ("signed_on", t("2019-03-01")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await
        .expect("agreement");
    store
        .insert(
            "projects",
            &[
                ("id", t("t:prj")),
                ("title_fr", t("Projet de test")),
                ("status", Cell::Int(2)),
                ("planned_start", t("2020")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await
        .expect("project");
    store
        .insert(
            "training_sessions",
            &[
                ("id", t("t:ses")),
                ("title_fr", t("Session de test")),
                ("project_id", t("t:prj")),
                ("organiser_org_id", t("org:dgapr")),
                ("audience", t("PRISONERS_ADULT")),
                ("topics", t("")),
                ("delivery_mode", t("IN_PERSON")),
                ("start_date", t("2021-06-01")),
                ("contact_hours", Cell::Float(10.0)),
                ("status", t("DELIVERED")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await
        .expect("session");
    store
        .insert(
            "contributions",
            &[
                ("id", t("t:ctb")),
                ("contributor_org_id", t("org:dgapr")),
                ("agreement_id", t("t:agr")),
                ("contribution_type", t("CASH")),
                ("status", t("DELIVERED")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await
        .expect("contribution");
    // Inserted: dated by its agreement's signature.
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2019-03-01")
    );

    // The agreement enters into force: that date comes before the signature's.
    let v = version(store, "agreements", "t:agr").await;
    store
        .update(
            "agreements",
            "t:agr",
            v,
            &[("effective_from", t("2019-05"))],
        )
        .await
        .expect("update the agreement");
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2019-05")
    );

    // Linked to the project as well: the project's planned start wins over the agreement.
    let v = version(store, "contributions", "t:ctb").await;
    store
        .update("contributions", "t:ctb", v, &[("project_id", t("t:prj"))])
        .await
        .expect("link the project");
    assert_eq!(checked_date(store, "t:ctb").await.as_deref(), Some("2020"));

    // The project starts: its actual start wins over its planned one.
    let v = version(store, "projects", "t:prj").await;
    store
        .update("projects", "t:prj", v, &[("actual_start", t("2020-09-15"))])
        .await
        .expect("start the project");
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2020-09-15")
    );

    // And the session, once linked, wins over everything; its date moves the contribution.
    let v = version(store, "contributions", "t:ctb").await;
    store
        .update(
            "contributions",
            "t:ctb",
            v,
            &[("training_session_id", t("t:ses"))],
        )
        .await
        .expect("link the session");
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2021-06-01")
    );
    let v = version(store, "training_sessions", "t:ses").await;
    store
        .update(
            "training_sessions",
            "t:ses",
            v,
            &[("start_date", t("2022-01-10"))],
        )
        .await
        .expect("move the session");
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2022-01-10")
    );

    // Deleting the session clears the link: back to the project's start.
    store
        .delete("training_sessions", "t:ses")
        .await
        .expect("delete the session");
    assert_eq!(
        checked_date(store, "t:ctb").await.as_deref(),
        Some("2020-09-15")
    );

    // Unlinked from everything: undated.
    let v = version(store, "contributions", "t:ctb").await;
    store
        .update(
            "contributions",
            "t:ctb",
            v,
            &[("project_id", Cell::Null), ("agreement_id", Cell::Null)],
        )
        .await
        .expect("unlink");
    assert_eq!(checked_date(store, "t:ctb").await, None);
}

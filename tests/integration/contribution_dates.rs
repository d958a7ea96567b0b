//! `contributions.dated_on`: the date a contribution counts at in the figures, kept by triggers
//! on both backends. It must always equal the date its links give (the session's start, else
//! the project's actual then planned start, else the agreement's entry into force then
//! signature), whatever writes: a contribution's insert or change of link, a change of the
//! dating records' dates, and their deletion.

use sharaka_persistence::Store;
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Data, TestApp, backend_tests};

use crate::stats::t;

/// Every contribution's stored date equals the date its links give, and the test
/// contribution's is `expected`.
async fn assert_dated(store: &Store, expected: Option<&str>) {
    let dates = store
        .contribution_dates()
        .await
        .expect("contribution dates");
    for (contribution, stored, from_links) in &dates {
        assert_eq!(stored, from_links, "the stored date of {contribution}");
    }
    let ours = dates
        .iter()
        .find(|(contribution, _, _)| contribution == "t:ctb");
    assert_eq!(
        ours.map(|(_, stored, _)| stored.as_deref()),
        Some(expected),
        "the test contribution's date"
    );
}

/// Updates `id` in `table` at its current version.
async fn change(store: &Store, table: &'static str, id: &str, cells: &[(&'static str, Cell)]) {
    let row = store.snapshot(table, id).await.expect("snapshot");
    let version = row.expect("the record exists")["version"].as_i64();
    let version = i32::try_from(version.expect("a version")).expect("a small version");
    store
        .update(table, id, version, cells)
        .await
        .unwrap_or_else(|e| panic!("updating {table} {id}: {e}"));
}

backend_tests!(
    the_stored_date_follows_every_write,
    Data::Demo,
    the_stored_date_follows_every_write
);
async fn the_stored_date_follows_every_write(app: TestApp) {
    let store = app.store();
    // Every check also covers the demo records, dated by the triggers as the seed wrote them.
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
    assert_dated(store, Some("2019-03-01")).await;

    // The agreement enters into force: that date comes before the signature's.
    change(
        store,
        "agreements",
        "t:agr",
        &[("effective_from", t("2019-05"))],
    )
    .await;
    assert_dated(store, Some("2019-05")).await;

    // Linked to the project as well: the project's planned start wins over the agreement.
    change(
        store,
        "contributions",
        "t:ctb",
        &[("project_id", t("t:prj"))],
    )
    .await;
    assert_dated(store, Some("2020")).await;

    // The project starts: its actual start wins over its planned one.
    change(
        store,
        "projects",
        "t:prj",
        &[("actual_start", t("2020-09-15"))],
    )
    .await;
    assert_dated(store, Some("2020-09-15")).await;

    // And the session, once linked, wins over everything; its date moves the contribution.
    change(
        store,
        "contributions",
        "t:ctb",
        &[("training_session_id", t("t:ses"))],
    )
    .await;
    assert_dated(store, Some("2021-06-01")).await;
    change(
        store,
        "training_sessions",
        "t:ses",
        &[("start_date", t("2022-01-10"))],
    )
    .await;
    assert_dated(store, Some("2022-01-10")).await;

    // Deleting the session clears the link: back to the project's start.
    store
        .delete("training_sessions", "t:ses")
        .await
        .expect("delete the session");
    assert_dated(store, Some("2020-09-15")).await;

    // Unlinked from everything: undated.
    change(
        store,
        "contributions",
        "t:ctb",
        &[("project_id", Cell::Null), ("agreement_id", Cell::Null)],
    )
    .await;
    assert_dated(store, None).await;
}

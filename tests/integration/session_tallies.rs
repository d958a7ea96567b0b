//! `training_sessions.tallies`: each session's tallies copied onto its own row, kept by
//! triggers on both backends, so that a page of sessions brings its tallies without a statement
//! of their own. The copy must always equal `training_tallies`, whatever writes a tally: an
//! insert (one row or many sessions' in one statement), a change of figures, a move to another
//! session, a deletion; a session without tallies carries an empty copy; and a session whose
//! copy is missing (`NULL`) still answers, from the table.

use serde_json::json;
use sharaka_persistence::Store;
use sharaka_persistence::seed::{self, SyntheticSize};
use sharaka_persistence::write::Cell;
use sharaka_test_support::{Backend, Data, TestApp, backend_tests, backend_tests_on_one_thread};

use crate::stats::{row, t};

/// Synthetic partners with sessions and tallies beside the demo's records (which have no
/// tallies), written as a bulk load writes them.
async fn synthetic(store: &Store) {
    seed::synthetic(
        store,
        SyntheticSize {
            partners: 6,
            agreements_per_partner: 2,
            projects_per_agreement: 2,
            seed: 11,
        },
    )
    .await
    .expect("synthetic seed");
}

/// A raw insert of tallies, to be followed by their rows' values.
const INSERT_TALLY: &str = "INSERT INTO training_tallies \
    (id, training_session_id, sex, age_band, enrolled, attended, completed) VALUES ";

/// Every session's copy equals its tallies in the table; returns how many tallies the test
/// sessions `t:a` and `t:b` have.
async fn assert_copied(store: &Store) -> (usize, usize) {
    let copies = store.tally_copies().await.expect("tally copies");
    assert!(!copies.is_empty(), "there are sessions");
    for copy in &copies {
        assert_eq!(
            copy.copied.as_ref(),
            Some(&copy.recorded),
            "the copy of session {}",
            copy.session
        );
    }
    let count = |id: &str| {
        copies
            .iter()
            .find(|c| c.session == id)
            .map_or(0, |c| c.recorded.len())
    };
    (count("t:a"), count("t:b"))
}

async fn session(app: &TestApp, id: &str) {
    row(
        app,
        "training_sessions",
        &[
            ("id", t(id)),
            ("title_fr", t("Session de test")),
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
    .await;
}

async fn tally(app: &TestApp, id: &str, session: &str, sex: &str, attended: i64) {
    row(
        app,
        "training_tallies",
        &[
            ("id", t(id)),
            ("training_session_id", t(session)),
            ("sex", t(sex)),
            ("age_band", t("ADULT")),
            ("enrolled", Cell::Int(attended + 1)),
            ("attended", Cell::Int(attended)),
            ("completed", Cell::Int(attended)),
        ],
    )
    .await;
}

backend_tests!(
    the_copy_follows_every_write,
    Data::Demo,
    the_copy_follows_every_write
);
async fn the_copy_follows_every_write(app: TestApp) {
    let store = app.store();
    synthetic(store).await;
    // The synthetic sessions were copied as the seed wrote their tallies.
    let copies = store.tally_copies().await.expect("tally copies");
    assert!(
        copies.iter().any(|c| !c.recorded.is_empty()),
        "the seed wrote tallies to copy"
    );
    assert_copied(store).await;

    // A new session has no tallies: its copy is empty, not missing.
    session(&app, "t:a").await;
    session(&app, "t:b").await;
    assert_eq!(assert_copied(store).await, (0, 0));

    // Inserted one at a time (the write path), in an order other than their ids'.
    tally(&app, "t:a:2", "t:a", "MALE", 5).await;
    tally(&app, "t:a:1", "t:a", "FEMALE", 7).await;
    assert_eq!(assert_copied(store).await, (2, 0));

    // Several sessions' tallies in one statement (a bulk load).
    app.execute_sql(&[&format!(
        "{INSERT_TALLY} ('t:a:3', 't:a', 'MALE', 'UNDER_18', 3, 2, 1), \
         ('t:b:1', 't:b', 'FEMALE', NULL, 9, 9, 8)"
    )])
    .await;
    assert_eq!(assert_copied(store).await, (3, 1));

    // Figures change; then a tally moves to the other session: both copies follow.
    app.execute_sql(&[
        "UPDATE training_tallies SET attended = 4, completed = 3 WHERE id = 't:a:2'",
    ])
    .await;
    assert_eq!(assert_copied(store).await, (3, 1));
    app.execute_sql(&[
        "UPDATE training_tallies SET training_session_id = 't:b' WHERE id = 't:a:3'",
    ])
    .await;
    assert_eq!(assert_copied(store).await, (2, 2));

    // Deleted, as the write path replaces a session's tallies: the copy empties.
    store
        .delete_where("training_tallies", "training_session_id", "t:a")
        .await
        .expect("delete tallies");
    assert_eq!(assert_copied(store).await, (0, 2));
}

backend_tests!(
    a_change_of_format_rewrites_every_copy,
    Data::Demo,
    a_change_of_format_rewrites_every_copy
);
/// `m20261205_000001_compact_tally_copies` rewrites the copies already there, and the
/// triggers, both ways: back in the objects of `m20261204_000001_session_tallies` (which
/// this reader refuses as corrupt, rather than misreading them), then as arrays again,
/// with a tally written under the old triggers copied too.
async fn a_change_of_format_rewrites_every_copy(app: TestApp) {
    let store = app.store();
    synthetic(store).await;
    session(&app, "t:a").await;
    tally(&app, "t:a:1", "t:a", "FEMALE", 7).await;
    assert_eq!(assert_copied(store).await, (1, 0));
    // Undone with the migrations that came after it (none of which touches the copies).
    let status = store.migration_status().await.expect("status");
    let steps = status
        .iter()
        .rev()
        .position(|(name, _)| name == "m20261205_000001_compact_tally_copies")
        .expect("the migration is applied")
        + 1;
    let steps = u32::try_from(steps).expect("a few migrations");

    store.migrate_down(steps).await.expect("down to objects");
    assert!(
        matches!(
            store.tally_copies().await,
            Err(sharaka_persistence::PersistenceError::Corrupt { .. })
        ),
        "the objects are not read as arrays"
    );
    // Written under the old triggers, in the old format; out of id order.
    tally(&app, "t:a:0", "t:a", "MALE", 3).await;

    store.migrate_up(steps).await.expect("up to arrays");
    assert_eq!(assert_copied(store).await, (2, 0));
    // The new triggers copy in the new format.
    tally(&app, "t:a:2", "t:a", "MALE", 5).await;
    assert_eq!(assert_copied(store).await, (3, 0));
}

const SESSIONS: &str = "{ trainingSessions(first: 200) { nodes { localId participants \
    participantHours tallies { sex ageBand enrolled attended completed } } } }";

// On one thread: the statement counts below need each batch's keys in one batch, which a
// loaded machine's second worker can split by firing the batch's timer mid-way.
backend_tests_on_one_thread!(
    a_missing_copy_reads_from_the_table,
    a_missing_copy_reads_from_the_table
);
async fn a_missing_copy_reads_from_the_table(backend: Backend) {
    let app = TestApp::new(backend, Data::Demo).await.expect("test app");
    synthetic(app.store()).await;
    let from_copies = app.data(SESSIONS, json!({})).await;
    let with_tallies = from_copies["trainingSessions"]["nodes"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| s["tallies"].as_array().is_some_and(|t| !t.is_empty()))
        .count();
    assert!(with_tallies > 0, "the seed wrote sessions with tallies");

    // A page of sessions with their tallies costs one statement: the tallies come with it.
    app.counter.reset();
    app.data(SESSIONS, json!({})).await;
    assert_eq!(app.counter.get(), 1, "the sessions' page only");

    app.execute_sql(&["UPDATE training_sessions SET tallies = NULL"])
        .await;
    app.counter.reset();
    let from_table = app.data(SESSIONS, json!({})).await;
    assert_eq!(from_table, from_copies, "the same answer from the table");
    assert_eq!(
        app.counter.get(),
        2,
        "the sessions' page, then their tallies"
    );
}

/// Two transactions write tallies of one session at once (on PostgreSQL; SQLite has one
/// writer at a time): the second's copy must include the first's tally, committed while the
/// second waited, not only what its own snapshot saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_of_one_session_both_count() {
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};
    if sharaka_test_support::postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL test did not run");
        return;
    }
    let app = TestApp::new(sharaka_test_support::Backend::Postgres, Data::Demo)
        .await
        .expect("test app");
    session(&app, "t:a").await;
    let first = Database::connect(app.database_url()).await.expect("first");
    let second = Database::connect(app.database_url()).await.expect("second");
    let txn = first.begin().await.expect("begin");
    txn.execute_unprepared(&format!(
        "{INSERT_TALLY} ('t:a:1', 't:a', 'FEMALE', NULL, 4, 4, 4)"
    ))
    .await
    .expect("the first tally");
    // The second writer's copy waits for the first transaction's lock on the session.
    let waiting = tokio::spawn(async move {
        second
            .execute_unprepared(&format!(
                "{INSERT_TALLY} ('t:a:2', 't:a', 'MALE', NULL, 5, 5, 5)"
            ))
            .await
            .map(|_| ())
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "the second writer waits for the first"
    );
    txn.commit().await.expect("commit");
    waiting
        .await
        .expect("the second writer")
        .expect("the second tally");
    assert_eq!(assert_copied(app.store()).await, (2, 0));
}

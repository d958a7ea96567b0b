//! The migrations walk both ways: each `down` leaves the schema exactly as it was before its
//! `up` (tables, columns with their collations, indexes, constraints, triggers and functions),
//! and every `up` runs again after its `down`.

use sharaka_test_support::{Data, TestApp, backend_tests};

backend_tests!(
    every_migration_down_undoes_its_up,
    Data::Empty,
    |app: TestApp| async move {
        let store = app.store();
        let n = u32::try_from(store.migration_status().await.expect("status").len())
            .expect("a few migrations");
        let full = store.schema_outline().await.expect("outline");
        // The outline sees what the last migrations add: a column, its index and triggers.
        for part in ["dated_on", "idx_contributions_dated_on", "trigger "] {
            assert!(full.iter().any(|l| l.contains(part)), "{part}: {full:#?}");
        }

        store.migrate_down(n).await.expect("all the way down");
        let empty = store.schema_outline().await.expect("outline");
        let left: Vec<_> = empty
            .iter()
            .filter(|line| !line.contains("seaql_migrations"))
            .collect();
        assert!(left.is_empty(), "left after every down: {left:#?}");

        // Up one at a time, noting each state, then down one at a time back through them.
        let mut states = vec![empty];
        for _ in 0..n {
            store.migrate_up(1).await.expect("up one");
            states.push(store.schema_outline().await.expect("outline"));
        }
        assert_eq!(states.last(), Some(&full), "up again ends where it started");
        let names: Vec<String> = store
            .migration_status()
            .await
            .expect("status")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        for k in (1..=n as usize).rev() {
            store.migrate_down(1).await.expect("down one");
            let now = store.schema_outline().await.expect("outline");
            let before = &states[k - 1];
            let added: Vec<_> = now.iter().filter(|l| !before.contains(l)).collect();
            let lost: Vec<_> = before.iter().filter(|l| !now.contains(l)).collect();
            assert!(
                added.is_empty() && lost.is_empty(),
                "{}'s down left {added:#?} and lost {lost:#?}",
                names[k - 1]
            );
        }
        store.migrate().await.expect("up again");
        assert_eq!(store.schema_outline().await.expect("outline"), full);
    }
);

//! No N+1: a query five relation levels deep over hundreds of parents runs a fixed number of SQL
//! statements — one per level (plus one per `totalCount` asked for) — whatever the row count.
//!
//! The count is exact only if every resolver of a level queues its key before the DataLoader's
//! batch timer fires. Resolving hundreds of list items takes a few milliseconds in a debug
//! build, and large lists yield between items, so these tests give batches a 250 ms window on
//! a current-thread runtime. (In production the window is 1 ms: a level of a large query may
//! then split into a few batches under load, but never into one statement per row.)

use serde_json::json;
use sharaka_gateway::Config;
use sharaka_persistence::seed::{self, SyntheticSize};
use sharaka_test_support::{Backend, Data, TestApp, postgres_url};

const DEEP: &str = r#"
query Deep {
  organisations(first: 500, filter: { isHome: false }) {
    totalCount
    nodes {
      name { fr }
      partnerships(first: 5) {
        totalCount
        nodes {
          modality
          agreements(first: 5) {
            nodes {
              status
              parties(first: 5) { nodes { role organisation { acronym } } }
              projects(first: 5) {
                nodes {
                  statusCode
                  trainingSessions(first: 5) {
                    nodes { audience participants tallies { sex attended } }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}"#;

/// Levels that hit the database: organisations (+ its count), partnerships (+ count),
/// agreements, parties, the parties' organisations, projects, sessions, tallies.
const EXPECTED_STATEMENTS: u64 = 10;

async fn statements_for(app: &TestApp, partners: u32) -> (u64, usize) {
    seed::synthetic(
        app.store(),
        SyntheticSize {
            partners,
            agreements_per_partner: 3,
            projects_per_agreement: 2,
            seed: 7,
        },
    )
    .await
    .expect("synthetic seed");
    app.counter.reset();
    let data = app.data(DEEP, json!({})).await;
    let statements = app.counter.get();
    let orgs = data["organisations"]["nodes"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    // The data really is deep: every partner has its partnership, 3 agreements with 2 parties,
    // 2 projects each with one session and two tallies.
    let first = &data["organisations"]["nodes"][0]["partnerships"]["nodes"][0];
    assert_eq!(
        first["agreements"]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    let agreement = &first["agreements"]["nodes"][0];
    assert_eq!(
        agreement["parties"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    let project = &agreement["projects"]["nodes"][0];
    assert_eq!(
        project["trainingSessions"]["nodes"][0]["tallies"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    (statements, orgs)
}

fn patient_batches() -> Config {
    Config {
        loader_delay_ms: 250,
        ..Config::default()
    }
}

async fn statement_count_is_independent_of_rows(backend: Backend) {
    let app = TestApp::with_config(backend, Data::Empty, patient_batches())
        .await
        .expect("test app");
    let (small, small_orgs) = statements_for(&app, 20).await;
    let (large, large_orgs) = statements_for(&app, 220).await;
    assert_eq!(small_orgs, 20);
    assert_eq!(large_orgs, 220);
    assert_eq!(
        small, large,
        "the statement count grew with the rows: {small} for 20 partners, {large} for 220"
    );
    assert_eq!(
        large, EXPECTED_STATEMENTS,
        "one statement per level plus the two counts"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn deep_query_statement_count_sqlite() {
    statement_count_is_independent_of_rows(Backend::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
async fn deep_query_statement_count_postgres() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
        return;
    }
    statement_count_is_independent_of_rows(Backend::Postgres).await;
}

async fn nested_first_is_applied_per_parent(backend: Backend) {
    let app = TestApp::new(backend, Data::Empty).await.expect("test app");
    seed::synthetic(
        app.store(),
        SyntheticSize {
            partners: 30,
            agreements_per_partner: 4,
            projects_per_agreement: 1,
            seed: 3,
        },
    )
    .await
    .expect("synthetic seed");
    let data = app
        .data(
            "{ partnerships(first: 30) { nodes { agreements(first: 2) { totalCount pageInfo { hasNextPage } nodes { localId } } } } }",
            json!({}),
        )
        .await;
    let partnerships = data["partnerships"]["nodes"].as_array().expect("list");
    assert_eq!(partnerships.len(), 30);
    for p in partnerships {
        assert_eq!(
            p["agreements"]["nodes"].as_array().map(Vec::len),
            Some(2),
            "first: 2 per parent"
        );
        assert_eq!(p["agreements"]["totalCount"], json!(4));
        assert_eq!(p["agreements"]["pageInfo"]["hasNextPage"], json!(true));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn nested_first_per_parent_sqlite() {
    nested_first_is_applied_per_parent(Backend::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
async fn nested_first_per_parent_postgres() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
        return;
    }
    nested_first_is_applied_per_parent(Backend::Postgres).await;
}

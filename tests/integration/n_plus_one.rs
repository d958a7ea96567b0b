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
use sharaka_test_support::{Backend, Data, TestApp, backend_tests_on_one_thread};

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
/// agreements, parties, the parties' organisations, projects, sessions. The tallies come with
/// their sessions (`training_sessions.tallies`, kept by triggers): no statement of their own.
const EXPECTED_STATEMENTS: u64 = 9;

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

/// A batch window long enough that a level's keys all arrive in one batch even on a loaded
/// machine (with 250 ms, a build running beside the tests split the 220-partner levels): the
/// test is about how many statements a level costs, not about the window.
fn patient_batches() -> Config {
    Config {
        loader_delay_ms: 1_500,
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

backend_tests_on_one_thread!(
    deep_query_statement_count,
    statement_count_is_independent_of_rows
);

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

backend_tests_on_one_thread!(nested_first_per_parent, nested_first_is_applied_per_parent);

// ---------------------------------------------------------------------------------------------
// Results (issue 5): projects → results → indicators → periods (with achievement and breakdown).

const RESULTS: &str = r#"
query Results {
  projects(first: 500) {
    nodes {
      results(first: 5) {
        nodes {
          resultType
          indicators(first: 5) {
            nodes {
              measure
              periods(first: 5) {
                nodes { target actual achievement targetDisaggregations { value amount } }
              }
            }
          }
        }
      }
    }
  }
}"#;

/// projects, results, indicators, periods, the periods' values, and the indicators of the
/// periods whose achievement is asked (by id, for their direction and baseline).
const RESULT_STATEMENTS: u64 = 6;

/// Gives every synthetic project one result with one indicator and two periods (the first with
/// an actual and a breakdown of its target), straight into the store.
async fn add_results(app: &TestApp) -> usize {
    use sharaka_persistence::write::Cell;
    let data = app
        .data(
            "{ projects(first: 500) { nodes { localId results(first: 1) { totalCount } } } }",
            json!({}),
        )
        .await;
    let all = data["projects"]["nodes"].as_array().expect("projects");
    // A second, larger seed keeps the first one's projects, which have their results already.
    let projects: Vec<String> = all
        .iter()
        .filter(|p| p["results"]["totalCount"] == 0)
        .filter_map(|p| p["localId"].as_str().map(str::to_owned))
        .collect();
    let text = |s: &str| Cell::Text(s.to_owned());
    for project in &projects {
        let result = format!("{project}:result");
        let indicator = format!("{project}:indicator");
        let insert = |table: &'static str, cells: Vec<(&'static str, Cell)>| async move {
            app.store().insert(table, &cells).await.expect("insert");
        };
        insert(
            "project_results",
            vec![
                ("id", text(&result)),
                ("project_id", text(project)),
                ("result_type", text("OUTPUT")),
                ("title_fr", text("Résultat synthétique")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await;
        insert(
            "result_indicators",
            vec![
                ("id", text(&indicator)),
                ("result_id", text(&result)),
                ("project_id", text(project)),
                ("measure", text("UNIT")),
                ("title_fr", text("Indicateur synthétique")),
                ("demo", Cell::Bool(true)),
            ],
        )
        .await;
        for (n, actual) in [(1, Cell::Float(8.0)), (2, Cell::Null)] {
            let period = format!("{project}:period:{n}");
            insert(
                "indicator_periods",
                vec![
                    ("id", text(&period)),
                    ("indicator_id", text(&indicator)),
                    ("result_id", text(&result)),
                    ("project_id", text(project)),
                    ("period_start", text(&format!("202{n}-01-01"))),
                    ("period_end", text(&format!("202{n}-12-31"))),
                    ("target_value", Cell::Float(10.0)),
                    ("actual_value", actual),
                    ("demo", Cell::Bool(true)),
                ],
            )
            .await;
            insert(
                "indicator_period_values",
                vec![
                    ("id", text(&format!("{period}:female"))),
                    ("period_id", text(&period)),
                    ("project_id", text(project)),
                    ("kind", text("TARGET")),
                    ("dimension", text("SEX")),
                    ("dimension_value", text("FEMALE")),
                    ("value", Cell::Float(4.0)),
                ],
            )
            .await;
        }
    }
    all.len()
}

async fn result_statements_for(app: &TestApp, partners: u32) -> (u64, usize) {
    seed::synthetic(
        app.store(),
        SyntheticSize {
            partners,
            agreements_per_partner: 1,
            projects_per_agreement: 2,
            seed: 11,
        },
    )
    .await
    .expect("synthetic seed");
    let projects = add_results(app).await;
    app.counter.reset();
    let data = app.data(RESULTS, json!({})).await;
    let statements = app.counter.get();
    let first = &data["projects"]["nodes"][0]["results"]["nodes"][0]["indicators"]["nodes"][0];
    assert_eq!(
        first["periods"]["nodes"][0],
        json!({ "target": 10.0, "actual": 8.0, "achievement": 0.8,
                "targetDisaggregations": [{ "value": "FEMALE", "amount": 4.0 }] })
    );
    (statements, projects)
}

async fn result_statement_count_is_independent_of_rows(backend: Backend) {
    let app = TestApp::with_config(backend, Data::Empty, patient_batches())
        .await
        .expect("test app");
    let (small, small_projects) = result_statements_for(&app, 5).await;
    let (large, large_projects) = result_statements_for(&app, 60).await;
    assert_eq!(small_projects, 10);
    assert_eq!(large_projects, 120);
    assert_eq!(
        small, large,
        "the statement count grew with the rows: {small} for 10 projects, {large} for 120"
    );
    assert_eq!(large, RESULT_STATEMENTS, "one statement per level");
}

backend_tests_on_one_thread!(
    results_statement_count,
    result_statement_count_is_independent_of_rows
);

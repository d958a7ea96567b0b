//! Property tests of the filter-to-SQL translation (`sharaka_persistence::query`), on SQLite:
//! random filter trees (`all` / `any` / `not` over `contains` and id comparisons) with random
//! text full of `%`, `_`, `\`, quotes and non-ASCII letters, over random rows.
//!
//! - With ASCII text and no NULLs, the SQL keeps exactly the rows an in-memory evaluation keeps
//!   (`contains` = the lowercase column contains the lowercase text): wildcards and quotes
//!   match themselves, nothing more.
//! - With any (NUL-free) Unicode and NULL columns, the SQL never keeps a row the in-memory
//!   evaluation drops. (It may keep fewer: SQLite's `LOWER` folds ASCII only, and SQL's NULL
//!   makes `NOT contains` unknown rather than true.)
//!
//! Every query must execute without error. A `contains` also matches through the search index
//! (kept current by every insert): a row matches when its lowercase text contains the lowercase
//! text, or when its normalised search key contains the text's (non-empty) key, the latter only
//! for text without `%`, `_` or `\`; the in-memory evaluation models both, with the domain's
//! own `search_key`. (This pins the contract of `contains`: a change to it must change this.)

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use sharaka_domain::Region;
use sharaka_domain::search::search_key;
use sharaka_persistence::write::Cell;
use sharaka_persistence::{Filter, ListQuery, Op, Page, Store, StoreConfig, Value};
use sharaka_test_support::{Backend, TestDb};

/// Text columns a `contains` may look in.
const FIELD_SETS: &[&[&str]] = &[
    &["name_fr"],
    &["name_en"],
    &["name_fr", "name_en", "name_ar"],
];
const COLUMNS: [&str; 3] = ["name_fr", "name_en", "name_ar"];

/// A filter tree with placeholders for the case's ids.
#[derive(Debug, Clone)]
enum Tree {
    Contains(usize, String),
    IdIs(usize),
    All(Vec<Tree>),
    Any(Vec<Tree>),
    Not(Box<Tree>),
}

/// One row: its three names (`None` is NULL).
type Row = [Option<String>; 3];

fn text(ascii: bool, max: usize) -> BoxedStrategy<String> {
    let mut chars = vec![
        'a', 'A', 'b', 'B', 'o', 'O', '%', '_', '\\', '\'', '"', ' ', '-', ';', '*', '[', ']',
    ];
    if !ascii {
        chars.extend(['é', 'É', 'ب', 'ـ', 'ß', 'İ', '\u{202E}', '🇲', 'Ⅻ']);
    }
    prop::collection::vec(prop::sample::select(chars), 0..=max)
        .prop_map(|cs| cs.into_iter().collect())
        .boxed()
}

fn tree(ascii: bool) -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        4 => (0..FIELD_SETS.len(), text(ascii, 3)).prop_map(|(f, t)| Tree::Contains(f, t)),
        1 => (0usize..8).prop_map(Tree::IdIs),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::All),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Any),
            inner.prop_map(|t| Tree::Not(Box::new(t))),
        ]
    })
}

fn rows(ascii: bool) -> impl Strategy<Value = Vec<Row>> {
    let cell = if ascii {
        text(true, 10).prop_map(Some).boxed()
    } else {
        prop_oneof![4 => text(false, 10).prop_map(Some), 1 => Just(None)].boxed()
    };
    prop::collection::vec([cell.clone(), cell.clone(), cell], 1..8)
}

fn to_filter(tree: &Tree, ids: &[String]) -> Filter {
    match tree {
        Tree::Contains(f, t) => Filter::Contains {
            fields: FIELD_SETS[*f],
            text: t.clone(),
        },
        Tree::IdIs(i) => Filter::Compare {
            field: "id",
            op: Op::Eq,
            value: Value::Text(ids.get(*i).cloned().unwrap_or_else(|| "nope".to_owned())),
        },
        Tree::All(items) => Filter::All(items.iter().map(|t| to_filter(t, ids)).collect()),
        Tree::Any(items) => Filter::Any(items.iter().map(|t| to_filter(t, ids)).collect()),
        Tree::Not(inner) => Filter::Not(Box::new(to_filter(inner, ids))),
    }
}

/// The in-memory meaning of a tree for one row (NULL contains nothing).
fn holds(tree: &Tree, id: &str, ids: &[String], row: &Row) -> bool {
    match tree {
        Tree::Contains(f, t) => {
            let needle = t.to_lowercase();
            // Text with LIKE wildcards is matched literally only (no search-key branch).
            let key = if t.contains(['%', '_', '\\']) {
                String::new()
            } else {
                search_key(t)
            };
            FIELD_SETS[*f].iter().any(|field| {
                let column = COLUMNS.iter().position(|c| c == field).unwrap_or(0);
                row[column].as_ref().is_some_and(|v| {
                    v.to_lowercase().contains(&needle)
                        || (!key.is_empty() && search_key(v).contains(&key))
                })
            })
        }
        Tree::IdIs(i) => ids.get(*i).is_some_and(|x| x == id),
        Tree::All(items) => items.iter().all(|t| holds(t, id, ids, row)),
        Tree::Any(items) => items.iter().any(|t| holds(t, id, ids, row)),
        Tree::Not(inner) => !holds(inner, id, ids, row),
    }
}

/// Inserts the rows under fresh ids and returns what the SQL keeps and what memory keeps.
async fn run_case(
    store: &Store,
    case: usize,
    rows: &[Row],
    tree: &Tree,
) -> Result<(BTreeSet<String>, BTreeSet<String>), TestCaseError> {
    let ids: Vec<String> = (0..rows.len()).map(|i| format!("p{case}-{i}")).collect();
    for (id, row) in ids.iter().zip(rows) {
        let mut cells = vec![("id", Cell::Text(id.clone()))];
        for (column, value) in COLUMNS.iter().zip(row) {
            cells.push((*column, value.clone().map_or(Cell::Null, Cell::Text)));
        }
        store
            .insert("regions", &cells)
            .await
            .map_err(|e| TestCaseError::fail(format!("insert: {e}")))?;
    }
    // Only this case's rows.
    let filter = Filter::All(vec![
        Filter::In {
            field: "id",
            values: ids.iter().cloned().map(Value::Text).collect(),
        },
        to_filter(tree, &ids),
    ]);
    let query = ListQuery {
        filter: Some(filter),
        order: Vec::new(),
        page: Page {
            offset: 0,
            limit: 100,
        },
        include_archived: true,
    };
    let found = store
        .list::<Region>(&query)
        .await
        .map_err(|e| TestCaseError::fail(format!("the SQL failed: {e}")))?;
    let counted = store
        .count::<Region>(&query)
        .await
        .map_err(|e| TestCaseError::fail(format!("the count failed: {e}")))?;
    prop_assert_eq!(counted as usize, found.len());
    let sql: BTreeSet<String> = found.iter().map(|r| r.id.to_string()).collect();
    let memory: BTreeSet<String> = ids
        .iter()
        .zip(rows)
        .filter(|(id, row)| holds(tree, id, &ids, row))
        .map(|(id, _)| id.clone())
        .collect();
    Ok((sql, memory))
}

fn check(ascii: bool, cases: u32) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (store, _db) = runtime.block_on(async {
        let db = TestDb::new(Backend::Sqlite).await.expect("database");
        let store = Store::connect(StoreConfig::new(db.url.clone()))
            .await
            .expect("store");
        store.migrate().await.expect("migrations");
        (store, db)
    });
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let case = std::cell::Cell::new(0usize);
    let result = runner.run(&(rows(ascii), tree(ascii)), |(rows, tree)| {
        case.set(case.get() + 1);
        let (sql, memory) = runtime.block_on(run_case(&store, case.get(), &rows, &tree))?;
        if ascii {
            prop_assert_eq!(&sql, &memory, "rows {:?}, filter {:?}", rows, tree);
        } else {
            prop_assert!(
                sql.is_subset(&memory),
                "the SQL kept more: {:?} ⊄ {:?}; rows {:?}, filter {:?}",
                sql,
                memory,
                rows,
                tree
            );
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    println!(
        "filter-to-SQL property ({}): {} cases",
        if ascii {
            "ASCII, exact"
        } else {
            "Unicode and NULLs, never more rows"
        },
        case.get()
    );
}

#[test]
fn ascii_contains_matches_exactly_the_rows_that_contain_the_text() {
    check(true, 256);
}

#[test]
fn unicode_filters_never_match_more_than_memory() {
    check(false, 256);
}

//! Loading data: the real demo records (DOMAIN.md §5, shipped as `seed/demo.json`) and a seeded
//! synthetic generator for tests and benchmarks. Both are idempotent (`ON CONFLICT DO NOTHING`)
//! and each runs in one transaction, so a failure leaves nothing half-loaded. Synthetic ids start
//! with `syn:` and every synthetic row has `demo = true`, so it never passes for real data.

use sea_orm::sea_query::{Alias, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::Deserialize;

use crate::{PersistenceError, Store};

const DEMO_JSON: &str = include_str!("../seed/demo.json");

#[derive(Deserialize)]
struct SeedFile {
    tables: Vec<SeedTable>,
}

#[derive(Deserialize)]
struct SeedTable {
    table: String,
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// What a seed inserted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Rows offered.
    pub rows: u64,
    /// Rows actually inserted (the rest existed already).
    pub inserted: u64,
}

fn json_to_expr(value: &serde_json::Value) -> Result<SimpleExpr, PersistenceError> {
    Ok(match value {
        // An untyped NULL: a text-typed one is refused by PostgreSQL for numeric columns.
        serde_json::Value::Null => Expr::null(),
        serde_json::Value::Bool(b) => Expr::val(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Expr::val(i),
            (None, Some(f)) => Expr::val(f),
            _ => return Err(PersistenceError::Seed(format!("unsupported number {n}"))),
        },
        serde_json::Value::String(s) => Expr::val(s.clone()),
        other => return Err(PersistenceError::Seed(format!("unsupported value {other}"))),
    })
}

async fn load(store: &Store, file: SeedFile) -> Result<SeedReport, PersistenceError> {
    let txn = store.connection().begin().await?;
    let mut report = SeedReport::default();
    for table in &file.tables {
        for row in &table.rows {
            let columns: Vec<Alias> = row.keys().map(Alias::new).collect();
            let values = row
                .values()
                .map(json_to_expr)
                .collect::<Result<Vec<_>, _>>()?;
            let insert = Query::insert()
                .into_table(Alias::new(&table.table))
                .columns(columns)
                .values(values)
                .map_err(|e| PersistenceError::Seed(e.to_string()))?
                .on_conflict(OnConflict::new().do_nothing().to_owned())
                .to_owned();
            let result = txn.execute(&insert).await?;
            report.rows += 1;
            report.inserted += result.rows_affected();
        }
    }
    // Index the seed's records, in the same transaction (idempotent like the load). Only
    // those: rebuilding the whole index here rewrote every entry of a large database (400,000
    // at benchmark scale M, 50 s) each time the seed ran again.
    for table in &file.tables {
        let ids: Vec<String> = table
            .rows
            .iter()
            .filter_map(|row| row.get("id").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
            .collect();
        crate::search::index_records(&txn, &table.table, &ids).await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// Loads the real demo records. Safe to run again: existing rows are left as they are.
pub async fn demo(store: &Store) -> Result<SeedReport, PersistenceError> {
    let file: SeedFile =
        serde_json::from_str(DEMO_JSON).map_err(|e| PersistenceError::Seed(e.to_string()))?;
    load(store, file).await
}

/// True when the database holds no organisation at all (a fresh database).
pub async fn is_empty(store: &Store) -> Result<bool, PersistenceError> {
    let select = Query::select()
        .expr_as(Expr::col(Alias::new("id")), Alias::new("id"))
        .from(Alias::new("organisations"))
        .limit(1)
        .to_owned();
    Ok(store.connection().query_one(&select).await?.is_none())
}

/// The size of a synthetic data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSize {
    /// Partner organisations (each with one partnership).
    pub partners: u32,
    /// Agreements per partner (each with two parties and two commitments).
    pub agreements_per_partner: u32,
    /// Projects per agreement (each with two participants and one session).
    pub projects_per_agreement: u32,
    /// Generator seed: the same seed gives the same data.
    pub seed: u64,
}

/// A small deterministic generator (SplitMix64): reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = items.len().max(1) as u64;
        items
            .get((self.next() % len) as usize)
            .copied()
            .unwrap_or("")
    }
}

fn row(pairs: &[(&str, serde_json::Value)]) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Generates a synthetic graph around the home organisation `org:dgapr` (created if absent).
/// Every row is flagged `demo` and every id starts with `syn:`.
pub async fn synthetic(store: &Store, size: SyntheticSize) -> Result<SeedReport, PersistenceError> {
    use serde_json::json;
    let mut rng = Rng(size.seed);
    let categories = [
        "FOUNDATION",
        "ACADEMIC_INSTITUTION",
        "FOREIGN_ADMINISTRATION",
        "INTERNATIONAL_NGO",
        "PRIVATE_ECONOMIC_ACTOR",
    ];
    let statuses = [
        "DRAFT",
        "UNDER_NEGOTIATION",
        "SIGNED",
        "ACTIVE",
        "COMPLETED",
    ];
    let audiences = [
        "STAFF",
        "PRISONERS_ADULT",
        "PRISONERS_JUVENILE",
        "FORMER_PRISONERS",
    ];
    let (mut orgs, mut partnerships, mut agreements, mut links, mut parties, mut commitments) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut projects, mut participants, mut project_agreements, mut sessions, mut tallies) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    orgs.push(row(&[
        ("id", json!("org:dgapr")),
        (
            "name_fr",
            json!("Délégation générale à l'administration pénitentiaire et à la réinsertion"),
        ),
        ("category", json!("PUBLIC_LAW_ENTITY")),
        ("country_code", json!("MA")),
        ("is_home", json!(true)),
    ]));
    for p in 0..size.partners {
        let org = format!("syn:org:{p}");
        let category = rng.pick(&categories);
        let foreign = matches!(category, "FOREIGN_ADMINISTRATION" | "INTERNATIONAL_NGO");
        orgs.push(row(&[
            ("id", json!(org)),
            ("name_ar", json!(format!("شريك تجريبي {p}"))),
            ("name_fr", json!(format!("Partenaire synthétique {p}"))),
            ("name_en", json!(format!("Synthetic partner {p}"))),
            ("category", json!(category)),
            ("country_code", json!(if foreign { "FR" } else { "MA" })),
            ("demo", json!(true)),
        ]));
        let ps = format!("syn:ps:{p}");
        partnerships.push(row(&[
            ("id", json!(ps)),
            ("home_org_id", json!("org:dgapr")),
            ("partner_org_id", json!(org)),
            (
                "scope",
                json!(if foreign { "INTERNATIONAL" } else { "NATIONAL" }),
            ),
            (
                "modality",
                json!(if category == "INTERNATIONAL_NGO" {
                    "MULTILATERAL"
                } else if foreign {
                    "BILATERAL"
                } else {
                    "DIRECT_NATIONAL"
                }),
            ),
            ("themes", json!("CAPACITY_BUILDING")),
            ("status", json!("ACTIVE")),
            ("demo", json!(true)),
        ]));
        for a in 0..size.agreements_per_partner {
            let agr = format!("syn:agr:{p}:{a}");
            let year = 2010 + (rng.next() % 16);
            agreements.push(row(&[
                ("id", json!(agr)),
                ("agreement_type", json!("PARTNERSHIP_AGREEMENT")),
                ("status", json!(rng.pick(&statuses))),
                ("title_fr", json!(format!("Convention synthétique {p}-{a}"))),
                ("title_en", json!(format!("Synthetic agreement {p}-{a}"))),
                ("signed_on", json!(format!("{year}"))),
                ("effective_to", json!(format!("{}-12-31", year + 3))),
                ("demo", json!(true)),
            ]));
            links.push(row(&[
                ("agreement_id", json!(agr)),
                ("partnership_id", json!(ps)),
            ]));
            for (i, party) in ["org:dgapr", org.as_str()].iter().enumerate() {
                parties.push(row(&[
                    ("id", json!(format!("syn:pty:{p}:{a}:{i}"))),
                    ("agreement_id", json!(agr)),
                    ("organisation_id", json!(party)),
                    ("role", json!("SIGNATORY")),
                    ("demo", json!(true)),
                ]));
                commitments.push(row(&[
                    ("id", json!(format!("syn:cmt:{p}:{a}:{i}"))),
                    ("agreement_id", json!(agr)),
                    ("party_org_id", json!(party)),
                    (
                        "kind",
                        json!(if i == 0 {
                            "FACILITY_ACCESS"
                        } else {
                            "EXPERTISE"
                        }),
                    ),
                    ("description_fr", json!("Engagement synthétique")),
                    ("status", json!("PLANNED")),
                    ("illustrative", json!(true)),
                    ("demo", json!(true)),
                ]));
            }
            for j in 0..size.projects_per_agreement {
                let prj = format!("syn:prj:{p}:{a}:{j}");
                projects.push(row(&[
                    ("id", json!(prj)),
                    ("title_fr", json!(format!("Projet synthétique {p}-{a}-{j}"))),
                    ("status", json!(1 + (rng.next() % 6) as i64)),
                    ("demo", json!(true)),
                ]));
                project_agreements.push(row(&[
                    ("project_id", json!(prj)),
                    ("agreement_id", json!(agr)),
                ]));
                for (i, (party, role)) in [("org:dgapr", 2), (org.as_str(), 4)].iter().enumerate() {
                    participants.push(row(&[
                        ("id", json!(format!("syn:pp:{p}:{a}:{j}:{i}"))),
                        ("project_id", json!(prj)),
                        ("organisation_id", json!(party)),
                        ("role", json!(role)),
                    ]));
                }
                let trn = format!("syn:trn:{p}:{a}:{j}");
                sessions.push(row(&[
                    ("id", json!(trn)),
                    (
                        "title_fr",
                        json!(format!("Session synthétique {p}-{a}-{j}")),
                    ),
                    ("project_id", json!(prj)),
                    ("agreement_id", json!(agr)),
                    ("organiser_org_id", json!("org:dgapr")),
                    ("audience", json!(rng.pick(&audiences))),
                    ("contact_hours", json!(6 + (rng.next() % 30) as i64)),
                    ("status", json!("DELIVERED")),
                    ("demo", json!(true)),
                ]));
                for (i, sex) in ["FEMALE", "MALE"].iter().enumerate() {
                    let enrolled = 5 + (rng.next() % 20) as i64;
                    let attended = enrolled - (rng.next() % 3) as i64;
                    tallies.push(row(&[
                        ("id", json!(format!("syn:tly:{p}:{a}:{j}:{i}"))),
                        ("training_session_id", json!(trn)),
                        ("sex", json!(sex)),
                        ("enrolled", json!(enrolled)),
                        ("attended", json!(attended)),
                        ("completed", json!(attended - (rng.next() % 2) as i64)),
                    ]));
                }
            }
        }
    }
    // Exchange rates for the MAD figures: round illustrative values, labelled as such, never
    // taken for sourced rates (and the demo data carries none).
    let rates = [("EUR", 10.8), ("USD", 9.9), ("XOF", 0.0165)]
        .iter()
        .map(|(currency, rate)| {
            row(&[
                ("id", json!(format!("syn:fx:{currency}:2010"))),
                ("currency", json!(currency)),
                ("rate_to_mad", json!(rate)),
                ("valid_from", json!("2010-01-01")),
                (
                    "source",
                    json!("synthetic seed: illustrative rate, not a sourced figure"),
                ),
                ("demo", json!(true)),
            ])
        })
        .collect();
    let tables = [
        ("exchange_rates", rates),
        ("organisations", orgs),
        ("partnerships", partnerships),
        ("agreements", agreements),
        ("agreement_partnerships", links),
        ("agreement_parties", parties),
        ("commitments", commitments),
        ("projects", projects),
        ("project_participants", participants),
        ("project_agreements", project_agreements),
        ("training_sessions", sessions),
        ("training_tallies", tallies),
    ];
    let file = SeedFile {
        tables: tables
            .into_iter()
            .map(|(t, rows)| SeedTable {
                table: t.to_owned(),
                rows,
            })
            .collect(),
    };
    load(store, file).await
}

//! The synthetic data set: deterministic from a seed (every value is a hash of the seed, the table
//! and the row number, so tables are generated independently, chunk by chunk), shaped like the
//! migration's tables, every row `demo = true` and every id prefixed `bench:`. Loaded with
//! multi-row `INSERT`s, one transaction per chunk, in foreign-key order.

use std::time::Instant;

use anyhow::Context as _;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value,
};

/// The home organisation, loaded by the demo seed.
pub const HOME: &str = "org:dgapr";

/// Words of the agreement titles; the `list` scenario filters on them.
pub const WORDS: [&str; 8] = [
    "formation",
    "réinsertion",
    "santé",
    "éducation",
    "sport",
    "culture",
    "agriculture",
    "numérique",
];

/// How many rows of each kind.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Scale {
    pub organisations: u64,
    pub agreements: u64,
    pub projects: u64,
    pub sessions: u64,
    pub visits: u64,
    pub sites: u64,
    pub contributions: u64,
}

impl Scale {
    /// Scale M times `factor` (S = 1/20, L = 5, the smoke test's = 1/200), at least one of each.
    pub fn of(factor: f64) -> Self {
        let n = |m: f64| ((m * factor).round() as u64).max(1);
        Self {
            organisations: n(2_000.0),
            agreements: n(20_000.0),
            projects: n(50_000.0),
            sessions: n(200_000.0),
            visits: n(20_000.0),
            sites: n(2_000.0),
            contributions: n(40_000.0),
        }
    }
}

/// What a load did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    pub rows: u64,
    pub seconds: f64,
    pub skipped: bool,
    pub tables: Vec<(String, u64)>,
}

/// SplitMix64 of the seed, a table tag and a row number: reproducible without any state.
fn hash(seed: u64, tag: u64, i: u64) -> u64 {
    let mut z = seed
        .wrapping_add(tag.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(i.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(items: &[&'a str], h: u64) -> &'a str {
    items[(h % items.len() as u64) as usize]
}

fn s(v: impl Into<String>) -> Value {
    Value::from(v.into())
}

/// Ids of the generated records, shared by the generator and the scenarios.
pub fn org_id(i: u64) -> String {
    format!("bench:org:{i}")
}
pub fn agreement_id(i: u64) -> String {
    format!("bench:agr:{i}")
}
pub fn project_id(i: u64) -> String {
    format!("bench:prj:{i}")
}
pub fn session_id(i: u64) -> String {
    format!("bench:trn:{i}")
}

fn region(h: u64) -> String {
    format!("MA-{:02}", 1 + h % 12)
}

/// The partner of agreement `a`: agreements are spread round-robin over the organisations.
fn partner_of(scale: &Scale, a: u64) -> u64 {
    a % scale.organisations
}

/// A third organisation, distinct from `p` when there are at least two.
fn other_org(scale: &Scale, p: u64, h: u64) -> u64 {
    if scale.organisations < 2 {
        p
    } else {
        (p + 1 + h % (scale.organisations - 1)) % scale.organisations
    }
}

type Row = Vec<Value>;

/// One table: its columns and a generator of its `count` rows (one call may give several rows).
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    count: u64,
    rows: Box<dyn Fn(u64) -> Vec<Row> + Send + Sync>,
}

fn tables(scale: Scale, seed: u64) -> Vec<Table> {
    let sc = scale;
    vec![
        Table {
            name: "organisations",
            columns: &[
                "id",
                "name_ar",
                "name_fr",
                "name_en",
                "acronym",
                "category",
                "country_code",
                "demo",
            ],
            count: sc.organisations,
            rows: Box::new(move |i| {
                let h = hash(seed, 1, i);
                let category = pick(
                    &[
                        "FOUNDATION",
                        "ACADEMIC_INSTITUTION",
                        "FOREIGN_ADMINISTRATION",
                        "INTERNATIONAL_NGO",
                        "PRIVATE_ECONOMIC_ACTOR",
                    ],
                    h,
                );
                let foreign = matches!(category, "FOREIGN_ADMINISTRATION" | "INTERNATIONAL_NGO");
                vec![vec![
                    s(org_id(i)),
                    s(format!("شريك {i}")),
                    s(format!("Partenaire {} {i}", pick(&WORDS, h >> 8))),
                    s(format!("Partner {i}")),
                    s(format!("P{i}")),
                    s(category),
                    s(if foreign { "FR" } else { "MA" }),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "sites",
            columns: &[
                "id",
                "site_type",
                "name_fr",
                "operator_org_id",
                "region_id",
                "city",
                "status",
                "demo",
            ],
            count: sc.sites,
            rows: Box::new(move |i| {
                let h = hash(seed, 2, i);
                let operator = if i.is_multiple_of(4) {
                    HOME.to_owned()
                } else {
                    org_id(i % sc.organisations)
                };
                vec![vec![
                    s(format!("bench:site:{i}")),
                    s(pick(
                        &[
                            "LOCAL_PRISON",
                            "CENTRAL_PRISON",
                            "AGRICULTURAL_PRISON",
                            "REFORM_EDUCATION_CENTRE",
                            "TRAINING_CENTRE",
                        ],
                        h,
                    )),
                    s(format!("Établissement {i}")),
                    s(operator),
                    s(region(h >> 8)),
                    s(format!("Ville {}", i % 97)),
                    s("OPERATIONAL"),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "partnerships",
            columns: &[
                "id",
                "home_org_id",
                "partner_org_id",
                "scope",
                "modality",
                "themes",
                "since",
                "status",
                "demo",
            ],
            count: sc.organisations,
            rows: Box::new(move |i| {
                let h = hash(seed, 3, i);
                vec![vec![
                    s(format!("bench:ps:{i}")),
                    s(HOME),
                    s(org_id(i)),
                    s("NATIONAL"),
                    s("DIRECT_NATIONAL"),
                    s("CAPACITY_BUILDING"),
                    s(format!("{}", 2005 + h % 20)),
                    s("ACTIVE"),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "agreements",
            columns: &[
                "id",
                "agreement_type",
                "status",
                "title_ar",
                "title_fr",
                "title_en",
                "signed_on",
                "effective_to",
                "demo",
            ],
            count: sc.agreements,
            rows: Box::new(move |i| {
                let h = hash(seed, 4, i);
                let year = 2010 + h % 16;
                let month = 1 + (h >> 8) % 12;
                let word = pick(&WORDS, h >> 16);
                vec![vec![
                    s(agreement_id(i)),
                    s("PARTNERSHIP_AGREEMENT"),
                    s(pick(
                        &[
                            "DRAFT",
                            "UNDER_NEGOTIATION",
                            "SIGNED",
                            "ACTIVE",
                            "COMPLETED",
                        ],
                        h >> 24,
                    )),
                    s(format!("اتفاقية {i}")),
                    s(format!("Convention {i} : {word}")),
                    s(format!("Agreement {i}")),
                    s(format!("{year}-{month:02}")),
                    s(format!("{}-12-31", year + 3)),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "agreement_partnerships",
            columns: &["agreement_id", "partnership_id"],
            count: sc.agreements,
            rows: Box::new(move |a| {
                vec![vec![
                    s(agreement_id(a)),
                    s(format!("bench:ps:{}", partner_of(&sc, a))),
                ]]
            }),
        },
        Table {
            name: "agreement_parties",
            columns: &["id", "agreement_id", "organisation_id", "role", "demo"],
            count: sc.agreements,
            rows: Box::new(move |a| {
                let p = partner_of(&sc, a);
                let third = other_org(&sc, p, hash(seed, 5, a));
                let mut parties = vec![(HOME.to_owned(), "SIGNATORY"), (org_id(p), "SIGNATORY")];
                if third != p {
                    parties.push((org_id(third), "TECHNICAL_PARTNER"));
                }
                parties
                    .into_iter()
                    .enumerate()
                    .map(|(k, (org, role))| {
                        vec![
                            s(format!("bench:pty:{a}:{k}")),
                            s(agreement_id(a)),
                            s(org),
                            s(role),
                            true.into(),
                        ]
                    })
                    .collect()
            }),
        },
        Table {
            name: "commitments",
            columns: &[
                "id",
                "agreement_id",
                "party_org_id",
                "kind",
                "description_fr",
                "status",
                "illustrative",
                "demo",
            ],
            count: sc.agreements,
            rows: Box::new(move |a| {
                let p = partner_of(&sc, a);
                let third = other_org(&sc, p, hash(seed, 5, a));
                let orgs = [HOME.to_owned(), org_id(p), org_id(p), org_id(third)];
                let kinds = [
                    "FACILITY_ACCESS",
                    "EXPERTISE",
                    "EXPERTISE",
                    "FACILITY_ACCESS",
                ];
                (0..4)
                    .map(|k| {
                        vec![
                            s(format!("bench:cmt:{a}:{k}")),
                            s(agreement_id(a)),
                            s(orgs[k].clone()),
                            s(kinds[k]),
                            s(format!("Engagement {k} de la convention {a}")),
                            s("PLANNED"),
                            true.into(),
                            true.into(),
                        ]
                    })
                    .collect()
            }),
        },
        Table {
            name: "projects",
            columns: &[
                "id",
                "title_fr",
                "title_en",
                "status",
                "planned_start",
                "demo",
            ],
            count: sc.projects,
            rows: Box::new(move |j| {
                let h = hash(seed, 6, j);
                vec![vec![
                    s(project_id(j)),
                    s(format!("Projet {j} : {}", pick(&WORDS, h))),
                    s(format!("Project {j}")),
                    Value::from(1 + ((h >> 8) % 6) as i32),
                    s(format!("{}", 2010 + (h >> 16) % 16)),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "project_participants",
            columns: &["id", "project_id", "organisation_id", "role"],
            count: sc.projects,
            rows: Box::new(move |j| {
                let p = partner_of(&sc, j % sc.agreements);
                vec![
                    vec![
                        s(format!("bench:pp:{j}:0")),
                        s(project_id(j)),
                        s(HOME),
                        Value::from(2_i32),
                    ],
                    vec![
                        s(format!("bench:pp:{j}:1")),
                        s(project_id(j)),
                        s(org_id(p)),
                        Value::from(4_i32),
                    ],
                ]
            }),
        },
        Table {
            name: "project_agreements",
            columns: &["project_id", "agreement_id"],
            count: sc.projects,
            rows: Box::new(move |j| {
                vec![vec![s(project_id(j)), s(agreement_id(j % sc.agreements))]]
            }),
        },
        Table {
            name: "project_regions",
            columns: &["project_id", "region_id"],
            count: sc.projects,
            rows: Box::new(move |j| vec![vec![s(project_id(j)), s(region(hash(seed, 7, j)))]]),
        },
        Table {
            name: "training_sessions",
            columns: &[
                "id",
                "title_fr",
                "project_id",
                "agreement_id",
                "organiser_org_id",
                "audience",
                "topics",
                "delivery_mode",
                "venue_site_id",
                "start_date",
                "contact_hours",
                "status",
                "demo",
            ],
            count: sc.sessions,
            rows: Box::new(move |t| {
                let h = hash(seed, 8, t);
                let j = t % sc.projects;
                vec![vec![
                    s(session_id(t)),
                    s(format!("Session {t}")),
                    s(project_id(j)),
                    s(agreement_id(j % sc.agreements)),
                    s(HOME),
                    s(pick(
                        &[
                            "STAFF",
                            "PRISONERS_ADULT",
                            "PRISONERS_JUVENILE",
                            "FORMER_PRISONERS",
                        ],
                        h,
                    )),
                    s(""),
                    s(pick(&["IN_PERSON", "REMOTE", "BLENDED"], h >> 8)),
                    s(format!("bench:site:{}", t % sc.sites)),
                    s(format!(
                        "{}-{:02}-{:02}",
                        2012 + (h >> 16) % 14,
                        1 + (h >> 24) % 12,
                        1 + (h >> 32) % 28
                    )),
                    Value::from((6 + (h >> 40) % 30) as f64),
                    s("DELIVERED"),
                    true.into(),
                ]]
            }),
        },
        Table {
            name: "training_tallies",
            columns: &[
                "id",
                "training_session_id",
                "sex",
                "enrolled",
                "attended",
                "completed",
            ],
            count: sc.sessions,
            rows: Box::new(move |t| {
                ["FEMALE", "MALE", "NOT_RECORDED"]
                    .iter()
                    .enumerate()
                    .map(|(k, sex)| {
                        let h = hash(seed, 9, t * 3 + k as u64);
                        let enrolled = 5 + (h % 20) as i32;
                        let attended = enrolled - ((h >> 8) % 3) as i32;
                        let completed = attended - ((h >> 16) % 2) as i32;
                        vec![
                            s(format!("bench:tly:{t}:{k}")),
                            s(session_id(t)),
                            s(*sex),
                            Value::from(enrolled),
                            Value::from(attended),
                            Value::from(completed),
                        ]
                    })
                    .collect()
            }),
        },
        Table {
            name: "exchange_visits",
            columns: &[
                "id",
                "title_fr",
                "direction",
                "visit_type",
                "host_org_id",
                "visitor_org_id",
                "country_code",
                "start_date",
                "topics",
                "status",
                "project_id",
                "demo",
            ],
            count: sc.visits,
            rows: Box::new(move |v| {
                let h = hash(seed, 10, v);
                let inbound = h.is_multiple_of(2);
                let partner = org_id(v % sc.organisations);
                let (host, visitor) = if inbound {
                    (HOME.to_owned(), partner)
                } else {
                    (partner, HOME.to_owned())
                };
                vec![vec![
                    s(format!("bench:vis:{v}")),
                    s(format!("Visite {v}")),
                    s(if inbound { "INBOUND" } else { "OUTBOUND" }),
                    s(pick(
                        &[
                            "STUDY_VISIT",
                            "EXPERT_MISSION",
                            "ASSESSMENT",
                            "CONFERENCE",
                            "PEER_EXCHANGE",
                        ],
                        h >> 8,
                    )),
                    s(host),
                    s(visitor),
                    s(if inbound { "MA" } else { "FR" }),
                    s(format!(
                        "{}-{:02}",
                        2012 + (h >> 16) % 14,
                        1 + (h >> 24) % 12
                    )),
                    s(""),
                    s("COMPLETED"),
                    s(project_id(v % sc.projects)),
                    true.into(),
                ]]
            }),
        },
        // Loaded last: `loaded` looks for the last contribution.
        Table {
            name: "contributions",
            columns: &[
                "id",
                "contributor_org_id",
                "project_id",
                "agreement_id",
                "training_session_id",
                "contribution_type",
                "description_fr",
                "amount_minor",
                "currency",
                "status",
                "demo",
            ],
            count: sc.contributions,
            rows: Box::new(move |c| {
                let h = hash(seed, 11, c);
                // Each contribution goes to a project, an agreement or a session, which dates it.
                let (project, agreement, session) = match h % 3 {
                    0 => (Value::from(project_id(c % sc.projects)), null(), null()),
                    1 => (null(), Value::from(agreement_id(c % sc.agreements)), null()),
                    _ => (null(), null(), Value::from(session_id(c % sc.sessions))),
                };
                let kind = pick(
                    &[
                        "CASH",
                        "CASH",
                        "IN_KIND_GOODS",
                        "IN_KIND_SERVICES",
                        "EXPERTISE",
                        "TRAINING",
                        "FACILITIES",
                        "STAFF_TIME",
                    ],
                    h >> 8,
                );
                // Cash and goods are valued; the rest is counted only.
                let valued = matches!(kind, "CASH" | "IN_KIND_GOODS");
                let (amount, currency) = if valued {
                    (
                        Value::from(Some((1_000 + (h >> 16) % 500_000) as i64 * 100)),
                        Value::from(pick(&["MAD", "MAD", "EUR", "USD"], h >> 40)),
                    )
                } else {
                    (Value::BigInt(None), Value::String(None))
                };
                vec![vec![
                    s(format!("bench:ctb:{c}")),
                    s(org_id(c % sc.organisations)),
                    project,
                    agreement,
                    session,
                    s(kind),
                    s(format!("Contribution {c}")),
                    amount,
                    currency,
                    s(pick(
                        &[
                            "PLEDGED",
                            "COMMITTED",
                            "DELIVERED",
                            "DELIVERED",
                            "PARTIALLY_DELIVERED",
                            "CANCELLED",
                        ],
                        h >> 48,
                    )),
                    true.into(),
                ]]
            }),
        },
    ]
}

/// A NULL text.
fn null() -> Value {
    Value::String(None)
}

/// Most bound parameters in one statement (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 30_000;
/// Rows per `INSERT` are also capped, so a chunk's transaction stays short.
const MAX_ROWS: usize = 5_000;

fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                DbBackend::Postgres => sql.push_str(&format!("${n}")),
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

async fn flush(db: &DatabaseConnection, table: &Table, rows: &mut Vec<Row>) -> anyhow::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    let sql = insert_sql(backend, table.name, table.columns, rows.len());
    let values: Vec<Value> = rows.drain(..).flatten().collect();
    let txn = db.begin().await?;
    let result = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .with_context(|| format!("inserting into {}", table.name))?;
    txn.commit().await?;
    Ok(result.rows_affected())
}

/// Whether the bench data set is already there (then it is reused, not reloaded).
pub async fn loaded(db: &DatabaseConnection, scale: &Scale) -> anyhow::Result<bool> {
    let backend = db.get_database_backend();
    let last = format!("bench:ctb:{}", scale.contributions - 1);
    let sql = match backend {
        DbBackend::Postgres => "SELECT id FROM contributions WHERE id = $1",
        _ => "SELECT id FROM contributions WHERE id = ?",
    };
    let found = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [s(last)]))
        .await?;
    let orgs = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM organisations WHERE id LIKE 'bench:%'",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(found.is_some() && orgs as u64 == scale.organisations)
}

/// Loads the data set (the regions and the home organisation must exist: see `seed::demo`).
pub async fn load(url: &str, scale: Scale, seed: u64, quiet: bool) -> anyhow::Result<LoadReport> {
    let db = Database::connect(url)
        .await
        .context("connecting for the load")?;
    let started = Instant::now();
    if loaded(&db, &scale).await? {
        db.close().await?;
        return Ok(LoadReport {
            rows: 0,
            seconds: 0.0,
            skipped: true,
            tables: Vec::new(),
        });
    }
    let mut report = LoadReport {
        rows: 0,
        seconds: 0.0,
        skipped: false,
        tables: Vec::new(),
    };
    for table in tables(scale, seed) {
        let table_started = Instant::now();
        let per_insert = (MAX_PARAMS / table.columns.len()).min(MAX_ROWS);
        let mut rows: Vec<Row> = Vec::with_capacity(per_insert);
        let mut inserted = 0;
        for i in 0..table.count {
            rows.extend((table.rows)(i));
            if rows.len() >= per_insert {
                let mut chunk: Vec<Row> = rows.drain(per_insert..).collect();
                std::mem::swap(&mut rows, &mut chunk);
                inserted += flush(&db, &table, &mut chunk).await?;
            }
        }
        inserted += flush(&db, &table, &mut rows).await?;
        if !quiet {
            eprintln!(
                "  {:<24} {:>9} rows  {:>7.2} s",
                table.name,
                inserted,
                table_started.elapsed().as_secs_f64()
            );
        }
        report.rows += inserted;
        report.tables.push((table.name.to_owned(), inserted));
    }
    // Fresh statistics for the planner after a bulk load.
    db.execute_unprepared("ANALYZE").await?;
    report.seconds = started.elapsed().as_secs_f64();
    db.close().await?;
    Ok(report)
}

/// Whether the search index already covers the bench data set: the bulk load bypasses the write
/// path, so its records are indexed only by a rebuild, which runs in one transaction: entries
/// for the last organisation and the last session mean it ran over this data set.
pub async fn search_indexed(url: &str, scale: &Scale) -> anyhow::Result<bool> {
    let db = Database::connect(url)
        .await
        .context("connecting to check the search index")?;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT record_id FROM search_entries WHERE record_id = $1",
        _ => "SELECT record_id FROM search_entries WHERE record_id = ?",
    };
    let mut found = true;
    for id in [
        org_id(scale.organisations - 1),
        session_id(scale.sessions - 1),
    ] {
        found &= db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [s(id)]))
            .await?
            .is_some();
    }
    db.close().await?;
    Ok(found)
}

//! `sharaka-bench`: loads a deterministic synthetic data set at scale S, M or L into SQLite or
//! PostgreSQL, starts the server in-process on a free loopback port (or targets `--url`), and
//! drives named scenarios with N concurrent clients for T seconds over HTTP, reporting requests
//! per second, latency percentiles, errors, SQL statements per request, server CPU per 1,000
//! requests and peak memory. `--smoke` runs scale S briefly and fails on any error or
//! unexpected statement count (for CI).

mod data;
mod scenarios;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use sharaka_persistence::{StatementCounter, Store, StoreConfig};

use crate::scenarios::{Outcome, Scenario, Target};

/// The same allocator as the `sharaka` binary, so that the in-process server measures what
/// production runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize)]
enum ScaleName {
    /// The smoke test's: M / 200.
    Tiny,
    /// M / 20.
    S,
    /// About 2,000 organisations, 20,000 agreements, 50,000 projects, 200,000 sessions.
    M,
    /// M × 5.
    L,
}

impl ScaleName {
    fn factor(self) -> f64 {
        match self {
            Self::Tiny => 1.0 / 200.0,
            Self::S => 1.0 / 20.0,
            Self::M => 1.0,
            Self::L => 5.0,
        }
    }
}

/// Benchmark of the Sharaka GraphQL server.
#[derive(Debug, Parser)]
#[command(name = "sharaka-bench", version)]
struct Cli {
    /// Data set size.
    #[arg(long, value_enum, default_value = "s")]
    scale: ScaleName,
    /// Generator seed: the same seed gives the same data.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Database to load and serve (`sqlite://…?mode=rwc` or `postgres://…`); default: a fresh
    /// SQLite file in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Target a running server instead of starting one (no statement, CPU or memory figures;
    /// `--token` is then required and nothing is loaded).
    #[arg(long)]
    url: Option<String>,
    /// API token for `--url`.
    #[arg(long, env = "SHARAKA_BENCH_TOKEN")]
    token: Option<String>,
    /// Scenarios to run, in order (`--scenario` is an alias).
    #[arg(
        long,
        alias = "scenario",
        value_enum,
        value_delimiter = ',',
        default_value = "dashboard,list,node,mixed,stats,search"
    )]
    scenarios: Vec<Scenario>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Warm-up seconds before each scenario (not measured).
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Server database pool size (in-process server).
    #[arg(long, default_value_t = 10)]
    pool: u32,
    /// Server worker threads (in-process server).
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
    /// DataLoader batch delay in milliseconds (in-process server; the server's default when
    /// unset). The smoke test uses 20 so that, even in a slow debug build, each level's keys
    /// land in one batch and the statement counts are exact.
    #[arg(long)]
    loader_delay_ms: Option<u64>,
    /// How long the in-process server trusts a verified API token without looking it up again
    /// (`SHARAKA_TOKEN_CACHE_MS`; the server's default, off, when unset). With it, requests
    /// within the window cost no token lookup.
    #[arg(long)]
    token_cache_ms: Option<u64>,
    /// Bytes of `stats` answers the in-process server keeps until the data changes
    /// (`SHARAKA_ANSWER_CACHE_BYTES`; the server's default when unset, 0 keeps none: every
    /// request answered afresh).
    #[arg(long)]
    answer_cache_bytes: Option<usize>,
    /// Operations the in-process server executes at once (`SHARAKA_MAX_OPERATIONS`; the
    /// server's default when unset).
    #[arg(long)]
    max_operations: Option<usize>,
    /// Operations building a large answer (`stats`, `export`) the in-process server runs at
    /// once (`SHARAKA_MAX_LARGE_ANSWERS`; the server's default when unset).
    #[arg(long)]
    max_large_answers: Option<usize>,
    /// Rebuild the search index even when it already covers the data set (it is built after
    /// loading whenever it does not; the `search` scenario needs it).
    #[arg(long)]
    reindex: bool,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// CI smoke test: scale S (the issue's), 2 s per scenario, 4 clients; fails on errors or
    /// unexpected statement counts. A debug build loads it in about a second.
    #[arg(long)]
    smoke: bool,
}

#[derive(Debug, serde::Serialize)]
struct Results {
    backend: String,
    scale: ScaleName,
    sizes: data::Scale,
    seed: u64,
    clients: usize,
    seconds: u64,
    /// The in-process server's DataLoader delay and token cache window, in milliseconds.
    loader_delay_ms: Option<u64>,
    token_cache_ms: Option<u64>,
    /// Whether the in-process server kept verified tokens while listening for changes to them
    /// (PostgreSQL, `SHARAKA_TOKEN_WATCH_MS`): then a request's token check costs nothing.
    tokens_watched: Option<bool>,
    /// The in-process server's budget for kept `stats` answers, in bytes (0: none kept).
    answer_cache_bytes: Option<usize>,
    /// The in-process server's bound on operations executing at once (0: none).
    max_operations: Option<usize>,
    /// The in-process server's bound on large answers building at once (0: none).
    max_large_answers: Option<usize>,
    load: Option<data::LoadReport>,
    startup_to_first_answer_ms: Option<f64>,
    baseline_statements: Option<u64>,
    /// Statements each dashboard level adds (the first includes the token check).
    dashboard_statements_by_level: Vec<(&'static str, i64)>,
    scenarios: Vec<Outcome>,
    peak_memory_mib: Option<f64>,
}

fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    if cli.smoke {
        cli.scale = ScaleName::S;
        cli.seconds = 2;
        cli.clients = 4;
        cli.warmup = 0;
        // A debug build on a busy machine can take longer than a short window to register a
        // level's keys, splitting it into two statements; the smoke test checks the counts,
        // not the latency, so it waits long enough for any machine.
        cli.loader_delay_ms = Some(cli.loader_delay_ms.unwrap_or(200));
    }
    if cli.clients == 0 || cli.clients > 1024 || cli.seconds == 0 || cli.seconds > 3600 {
        anyhow::bail!("--clients must be 1..=1024 and --seconds 1..=3600");
    }
    // Two runtimes: the server's threads are named so that its CPU time can be told apart from
    // the clients' (both live in this process).
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()?;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.server_threads.max(1))
        .thread_name("bench-server")
        .enable_all()
        .build()?;
    let outcome = client_rt.block_on(run(&cli, &server_rt));
    server_rt.shutdown_timeout(Duration::from_secs(5));
    let ok = outcome?;
    if !ok {
        eprintln!("smoke test FAILED");
        std::process::exit(1);
    }
    Ok(())
}

async fn run(cli: &Cli, server_rt: &tokio::runtime::Runtime) -> anyhow::Result<bool> {
    let sizes = data::Scale::of(cli.scale.factor());
    let mut results = Results {
        backend: String::new(),
        scale: cli.scale,
        sizes,
        seed: cli.seed,
        clients: cli.clients,
        seconds: cli.seconds,
        loader_delay_ms: None,
        token_cache_ms: None,
        tokens_watched: None,
        answer_cache_bytes: None,
        max_operations: None,
        max_large_answers: None,
        load: None,
        startup_to_first_answer_ms: None,
        baseline_statements: None,
        dashboard_statements_by_level: Vec::new(),
        scenarios: Vec::new(),
        peak_memory_mib: None,
    };
    let _tempdir;
    let (target, counter, answers, shutdown) = if let Some(url) = &cli.url {
        let token = cli
            .token
            .clone()
            .context("--url needs --token (an API token)")?;
        results.backend = "remote".into();
        (Target::new(url.clone(), token)?, None, None, None)
    } else {
        let database_url = match &cli.database_url {
            Some(url) => url.clone(),
            None => {
                let dir = tempfile::tempdir()?;
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                );
                _tempdir = dir;
                url
            }
        };
        results.backend = if database_url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        }
        .into();
        eprintln!(
            "== loading scale {:?} ({} organisations, {} agreements, {} projects, {} sessions) into {}",
            cli.scale,
            sizes.organisations,
            sizes.agreements,
            sizes.projects,
            sizes.sessions,
            sharaka_gateway::config::mask_url(&database_url)
        );
        let store = Store::connect(StoreConfig::new(database_url.clone())).await?;
        store.migrate().await.context("migrating")?;
        sharaka_persistence::seed::demo(&store)
            .await
            .context("loading the demo seed")?;
        let load = data::load(&database_url, sizes, cli.seed, cli.smoke).await?;
        if load.skipped {
            eprintln!("   the data set is already loaded: reusing it");
        } else {
            eprintln!("   {} rows in {:.1} s", load.rows, load.seconds);
        }
        // The bulk load bypasses the write path, which maintains the search index: build it
        // once for this data set (a reused database keeps its index), or again on `--reindex`.
        if cli.reindex || !data::search_indexed(&database_url, &sizes).await? {
            let started = Instant::now();
            let n = store
                .reindex_search()
                .await
                .context("building the search index")?;
            eprintln!(
                "   search index: {n} entries in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        } else {
            eprintln!("   search index: already built for this data set");
        }
        let (_, token) = sharaka_gateway::auth::issue_token(
            &store,
            "bench",
            sharaka_domain::Role::Admin,
            &[],
            None,
            None,
        )
        .await?;
        drop(store);
        results.load = Some(load);

        let counter = StatementCounter::default();
        let mut config = sharaka_gateway::Config {
            database_url,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            migrate_on_start: false,
            seed_demo: false,
            max_connections: cli.pool,
            scheduler_interval_secs: 0,
            ..sharaka_gateway::Config::default()
        };
        // The benchmark measures throughput: no rate limit on its own loopback server.
        if let Some(delay) = cli.loader_delay_ms {
            config.loader_delay_ms = delay;
        }
        if let Some(window) = cli.token_cache_ms {
            config.token_cache_ms = window;
        }
        if let Some(bytes) = cli.answer_cache_bytes {
            config.answer_cache_bytes = bytes;
        }
        if let Some(turns) = cli.max_operations {
            config.max_operations = turns;
        }
        if let Some(turns) = cli.max_large_answers {
            config.max_large_answers = turns;
        }
        results.loader_delay_ms = Some(config.loader_delay_ms);
        results.token_cache_ms = Some(config.token_cache_ms);
        results.answer_cache_bytes = Some(config.answer_cache_bytes);
        results.max_operations = Some(config.max_operations);
        results.max_large_answers = Some(config.max_large_answers);
        config.limits.rate_per_minute = 0;
        config.limits.rate_per_address_per_minute = 0;
        let started = Instant::now();
        let build_counter = counter.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr, answers, watched) = server_rt
            .spawn(async move {
                let app = sharaka_gateway::App::build(config, Some(build_counter)).await?;
                // On PostgreSQL, verified tokens are kept once the server listens for changes
                // to them: waiting for it makes every request's statement count the same.
                let watched = app.tokens_watched_within(Duration::from_secs(10)).await;
                let answers = app.answers().clone();
                let listener =
                    tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                let addr = listener.local_addr()?;
                tokio::spawn(async move {
                    if let Err(error) = app
                        .serve(listener, async {
                            let _ = rx.await;
                        })
                        .await
                    {
                        eprintln!("server error: {error:#}");
                    }
                });
                Ok::<_, anyhow::Error>((addr, answers, watched))
            })
            .await??;
        let target = Target::new(format!("http://{addr}/graphql"), token)?;
        target.first_answer().await?;
        results.startup_to_first_answer_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        results.tokens_watched = Some(watched);
        (target, Some(counter), Some(answers), Some(tx))
    };

    // Statements a trivial authenticated request costs (the token check), added to each
    // scenario's expected count.
    if let Some(counter) = &counter {
        counter.reset();
        target.typename().await?;
        results.baseline_statements = Some(counter.get());
        results.dashboard_statements_by_level =
            scenarios::dashboard_levels(&target, counter, &sizes).await?;
    }
    let mut ok = true;
    for &scenario in &cli.scenarios {
        let reset = scenarios::reset_peak_memory();
        let mut outcome = scenarios::run(
            scenario,
            &target,
            &sizes,
            cli.seed,
            cli.clients,
            Duration::from_secs(cli.seconds),
            Duration::from_secs(cli.warmup),
            counter.as_ref(),
            results.baseline_statements,
            answers.as_ref(),
        )
        .await?;
        if counter.is_some() && reset {
            outcome.peak_memory_mib = scenarios::vm_hwm_mib();
        }
        if cli.smoke {
            ok &= outcome.check();
        }
        results.scenarios.push(outcome);
    }
    // The whole run's peak under load: the highest scenario's, when the peak could be reset
    // before each; else the process's, loading included.
    results.peak_memory_mib = counter.as_ref().and_then(|_| {
        results
            .scenarios
            .iter()
            .filter_map(|o| o.peak_memory_mib)
            .reduce(f64::max)
            .or_else(scenarios::vm_hwm_mib)
    });
    if let Some(tx) = shutdown {
        let _ = tx.send(());
    }
    print_table(&results);
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_string_pretty(&results)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ok)
}

fn opt(value: Option<f64>, precision: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.precision$}"))
}

fn print_table(results: &Results) {
    println!();
    println!(
        "backend {} · scale {:?} · {} clients · {} s per scenario · start-up to first answer {} ms · baseline {} statement(s)/request (token check)",
        results.backend,
        results.scale,
        results.clients,
        results.seconds,
        opt(results.startup_to_first_answer_ms, 0),
        results
            .baseline_statements
            .map_or_else(|| "-".to_owned(), |b| b.to_string()),
    );
    if let (Some(delay), Some(window), Some(watched), Some(turns), Some(large)) = (
        results.loader_delay_ms,
        results.token_cache_ms,
        results.tokens_watched,
        results.max_operations,
        results.max_large_answers,
    ) {
        let watched = if watched { "yes" } else { "no" };
        println!(
            "server: DataLoader delay {delay} ms · token cache {window} ms (0: off) · tokens \
             watched {watched} · operations at once {turns}, large answers {large} (0: no bound)"
        );
    }
    if let Some(load) = &results.load {
        if load.skipped {
            println!("load: reused an existing data set");
        } else {
            println!(
                "load: {} rows in {:.1} s ({:.0} rows/s)",
                load.rows,
                load.seconds,
                load.rows as f64 / load.seconds.max(1e-9)
            );
        }
    }
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>13} {:>8}",
        "scenario",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "stmt/req",
        "alone/exp",
        "cpu s/1k req",
        "peak MiB"
    );
    for o in &results.scenarios {
        println!(
            "{:<10} {:>9} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9} {:>9} {:>13} {:>8}",
            o.scenario,
            o.requests,
            o.requests_per_second,
            o.p50_ms,
            o.p95_ms,
            o.p99_ms,
            o.errors,
            opt(o.statements_per_request, 2),
            match (o.statements_alone, o.expected_statements) {
                (Some(a), Some(e)) => format!("{a}/{e}"),
                _ => "-".to_owned(),
            },
            opt(o.server_cpu_seconds_per_1000, 3),
            opt(o.peak_memory_mib, 1),
        );
        for e in &o.error_samples {
            println!("    error: {e}");
        }
        if let Some(kept) = o.kept_answers {
            let lookups = kept.hits + kept.misses;
            println!(
                "    kept answers: {} of {lookups} served again ({:.1}%), {} statement(s) each; expected {} statements per request",
                kept.hits,
                100.0 * kept.hits as f64 / lookups.max(1) as f64,
                kept.statements_per_hit,
                opt(o.expected_average(), 3),
            );
        }
    }
    if !results.dashboard_statements_by_level.is_empty() {
        let levels: Vec<String> = results
            .dashboard_statements_by_level
            .iter()
            .map(|(level, n)| format!("{level} {n}"))
            .collect();
        println!(
            "dashboard statements by level (first includes the token check): {}",
            levels.join(", ")
        );
    }
    println!(
        "peak memory under load (VmHWM reset before each scenario; server and clients): {} MiB",
        opt(results.peak_memory_mib, 1)
    );
}

//! The `sharaka` binary. `main` only parses the command line, sets up logging, loads the
//! configuration and calls into the library.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sharaka_domain::{Coded, Role};
use sharaka_gateway::{App, Config};
use sharaka_persistence::seed::{self, SyntheticSize};

/// mimalloc instead of the system allocator: a GraphQL response allocates thousands of small
/// values across worker threads, and glibc's malloc spent about a tenth of the dashboard
/// benchmark's server time waiting on its arena locks (issue 7).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sharaka (شراكة): the GraphQL backend of DGAPR's partnership graph.
///
/// Configuration comes from environment variables (`DATABASE_URL`, `SHARAKA_*`; see the README)
/// and, optionally, a TOML file (`--config`), which the environment overrides.
/// With none set, `sharaka serve` runs on an SQLite file `./sharaka.db`, created, migrated and
/// loaded with the demo data on first start.
#[derive(Parser, Debug)]
#[command(name = "sharaka", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file: the settings of the README, in lower case without `SHARAKA_`
    /// (`listen = "0.0.0.0:8080"`). Environment variables override it.
    #[arg(long, global = true, env = "SHARAKA_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve GraphQL at /graphql (GraphiQL in a browser) until Ctrl-C or SIGTERM (the default).
    Serve,
    /// Apply, undo or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Load data: the real demo records, or a seeded synthetic graph.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Issue or revoke API tokens for machines and dashboards.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Check the configuration and print it, with secrets masked.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Copy the SQLite database to a file while it stays online (PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy (must not exist).
        path: String,
    },
}

#[derive(Subcommand, Debug)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Undo the last migrations.
    Down {
        /// How many to undo.
        #[arg(default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand, Debug)]
enum SeedWhat {
    /// The real records of DOMAIN.md §5 (idempotent).
    Demo,
    /// A synthetic graph for tests and benchmarks: every row flagged `demo`, ids `syn:…`.
    Synthetic {
        /// Partner organisations (each with 3 agreements of 2 projects).
        #[arg(long, default_value_t = 100)]
        partners: u32,
        /// Generator seed: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Issue a token and print it once (it is stored only as a hash).
    Create {
        /// ADMIN, EDITOR, REGIONAL_OFFICER, PARTNER, VIEWER or PUBLIC.
        #[arg(long)]
        role: String,
        /// A name saying who or what uses it (recorded as `token:<name>` in the audit trail).
        #[arg(long, default_value = "bootstrap")]
        name: String,
        /// A region (MA-01 … MA-12) a REGIONAL_OFFICER token is scoped to; repeat for several.
        #[arg(long = "region")]
        regions: Vec<String>,
        /// The organisation a PARTNER token is scoped to (its local id, e.g. org:pri).
        #[arg(long)]
        organisation: Option<String>,
        /// Days until it expires (never, if absent).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token's id, as printed by `token create`.
        id: String,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigAction {
    /// Validate the configuration and print the effective values, and where each came from.
    Check,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for ctrl-c");
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => tracing::error!(%error, "could not listen for SIGTERM"),
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}

/// Connects and migrates, without loading demo data (for the maintenance commands).
async fn maintenance_app(config: Config) -> anyhow::Result<App> {
    App::build(
        Config {
            seed_demo: false,
            ..config
        },
        None,
    )
    .await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let sources = sharaka_gateway::config::Sources::load(cli.config.as_deref())?;
    // Logs go to stderr, so that what a command prints (a token, the SDL) stays clean on stdout.
    // Dropping `telemetry` (on any return) flushes the spans not yet exported.
    let telemetry = sharaka_gateway::telemetry::init(&sources.telemetry())?;
    let config = Config::from_sources(&sources)?;
    let result = run(cli.command.unwrap_or(Command::Serve), config, &sources).await;
    telemetry.shutdown();
    result
}

async fn run(
    command: Command,
    config: Config,
    sources: &sharaka_gateway::config::Sources,
) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let listen = config.listen;
            let interval = config.scheduler_interval_secs;
            let app = App::build(config, None).await?;
            if interval > 0 {
                tokio::spawn(sharaka_gateway::jobs::run_scheduler(
                    app.store.clone(),
                    std::time::Duration::from_secs(interval),
                ));
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("could not listen on {listen}"))?;
            tracing::info!(
                "Sharaka serves GraphQL at http://{listen}/graphql (GraphiQL in a browser)"
            );
            app.serve(listener, shutdown_signal()).await
        }
        Command::Migrate { action } => {
            let app = App::build(
                Config {
                    seed_demo: false,
                    migrate_on_start: false,
                    ..config
                },
                None,
            )
            .await?;
            match action.unwrap_or(MigrateAction::Up) {
                MigrateAction::Up => {
                    app.store.migrate().await?;
                    app.store.backfill_search_index().await?;
                }
                MigrateAction::Down { steps } => app.store.migrate_down(steps).await?,
                MigrateAction::Status => {}
            }
            for (name, applied) in app.store.migration_status().await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
            Ok(())
        }
        Command::Seed { what } => {
            let app = maintenance_app(config).await?;
            match what {
                SeedWhat::Demo => {
                    let report = seed::demo(&app.store).await?;
                    println!(
                        "demo data: {} rows offered, {} inserted",
                        report.rows, report.inserted
                    );
                }
                SeedWhat::Synthetic {
                    partners,
                    seed: seed_value,
                } => {
                    let size = SyntheticSize {
                        partners,
                        agreements_per_partner: 3,
                        projects_per_agreement: 2,
                        seed: seed_value,
                    };
                    let report = seed::synthetic(&app.store, size).await?;
                    println!(
                        "synthetic data (every row flagged demo, ids syn:…): {} rows offered, {} inserted",
                        report.rows, report.inserted
                    );
                }
            }
            Ok(())
        }
        Command::Token { action } => {
            let app = maintenance_app(config).await?;
            match action {
                TokenAction::Create {
                    role,
                    name,
                    regions,
                    organisation,
                    expires_in_days,
                } => {
                    let role = Role::parse(&role.to_ascii_uppercase())
                        .map_err(|e| anyhow::anyhow!("--role: {e}"))?;
                    let expires = expires_in_days
                        .map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
                    let (id, secret) = sharaka_gateway::auth::issue_token(
                        &app.store,
                        &name,
                        role,
                        &regions,
                        organisation.as_deref(),
                        expires,
                    )
                    .await?;
                    println!("token id: {id}");
                    println!("role: {}", role.code());
                    println!("secret (shown once; send it as `Authorization: Bearer <secret>`):");
                    println!("{secret}");
                }
                TokenAction::Revoke { id } => {
                    if app.store.revoke_token(&id).await? {
                        println!("revoked {id}");
                    } else {
                        anyhow::bail!("no active token with id {id}");
                    }
                }
            }
            Ok(())
        }
        Command::ExportSchema => {
            print!("{}", sharaka_gateway::build_schema().sdl());
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            println!("{config:#?}");
            match sources.file() {
                Some(file) => println!("\nconfiguration file: {}", file.display()),
                None => println!("\nno configuration file"),
            }
            println!("where each setting came from:");
            for (name, origin) in sources.origins() {
                println!("  {name:<44} {origin}");
            }
            Ok(())
        }
        Command::Backup { path } => {
            let app = maintenance_app(config).await?;
            app.store.backup_sqlite(&path).await?;
            println!("backed up to {path}");
            Ok(())
        }
    }
}

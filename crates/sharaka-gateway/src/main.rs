//! The `sharaka` binary: `serve` (the default), `migrate`, `seed demo`, `seed synthetic`.

use anyhow::Context as _;
use sharaka_gateway::{App, Config};
use sharaka_persistence::seed::{self, SyntheticSize};
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: sharaka [serve | migrate | seed demo | seed synthetic [PARTNERS] [SEED]]";

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let config = Config::from_env()?;
    match args.as_slice() {
        [] | ["serve"] => {
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
        ["migrate"] => {
            let app = App::build(
                Config {
                    seed_demo: false,
                    ..config
                },
                None,
            )
            .await?;
            tracing::info!(backend = ?app.store.backend(), "migrations applied");
            Ok(())
        }
        ["seed", "demo"] => {
            let app = App::build(
                Config {
                    seed_demo: false,
                    ..config
                },
                None,
            )
            .await?;
            let report = seed::demo(&app.store).await?;
            println!(
                "demo data: {} rows offered, {} inserted",
                report.rows, report.inserted
            );
            Ok(())
        }
        ["seed", "synthetic", rest @ ..] => {
            let partners = rest
                .first()
                .map(|p| p.parse())
                .transpose()
                .context("PARTNERS must be a number")?
                .unwrap_or(100);
            let seed_value = rest
                .get(1)
                .map(|s| s.parse())
                .transpose()
                .context("SEED must be a number")?
                .unwrap_or(42);
            let app = App::build(
                Config {
                    seed_demo: false,
                    ..config
                },
                None,
            )
            .await?;
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
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

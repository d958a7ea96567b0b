//! Sharaka's gateway: the GraphQL schema over the partnership graph, its DataLoaders, the axum
//! server and its configuration. `build` assembles everything; `main.rs` only parses the
//! command line and calls it.

pub mod config;
pub mod error;
pub mod http;
pub mod loaders;
pub mod schema;

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sharaka_persistence::{StatementCounter, Store, StoreConfig};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use schema::{AppSchema, build_schema};

/// A built application: its store and its router.
#[derive(Clone)]
pub struct App {
    /// The store, for seeding and checks.
    pub store: Store,
    /// The schema, for in-process execution.
    pub schema: AppSchema,
    config: Config,
}

impl App {
    /// Connects to the store (migrating and seeding as configured) and builds the schema.
    pub async fn build(config: Config, counter: Option<StatementCounter>) -> anyhow::Result<Self> {
        let store = Store::connect(StoreConfig {
            url: config.database_url.clone(),
            max_connections: config.max_connections,
            counter,
        })
        .await
        .context("could not connect to the database")?;
        if config.migrate_on_start {
            store
                .migrate()
                .await
                .context("could not migrate the database")?;
        }
        if config.seed_demo && sharaka_persistence::seed::is_empty(&store).await? {
            let report = sharaka_persistence::seed::demo(&store)
                .await
                .context("could not load the demo data")?;
            tracing::info!(
                rows = report.inserted,
                "loaded the demo data into an empty database"
            );
        }
        Ok(Self::from_store(store, config))
    }

    /// Builds the application over an existing store.
    pub fn from_store(store: Store, config: Config) -> Self {
        let deps = schema::AppDeps {
            store: store.clone(),
            loader: Arc::new(loaders::register(
                store.clone(),
                std::time::Duration::from_millis(config.loader_delay_ms),
            )),
        };
        let schema = build_schema(Some(deps));
        Self {
            store,
            schema,
            config,
        }
    }

    /// The HTTP router.
    pub fn router(&self) -> Router {
        let state = http::HttpState {
            schema: self.schema.clone(),
            max_batch: self.config.max_batch,
            store: self.store.clone(),
        };
        http::router(state, self.config.body_limit).layer(TraceLayer::new_for_http())
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error")
    }
}

//! Sharaka's gateway: the GraphQL schema over the partnership graph, its DataLoaders, the axum
//! server and its configuration. `build` assembles everything; `main.rs` only parses the
//! command line and calls it.

pub mod config;
pub mod error;
pub mod http;
pub mod jobs;
pub mod loaders;
pub mod schema;

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sharaka_persistence::{StatementCounter, Store, StoreConfig};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// Whether the operation a request selects is a mutation (an unparsable query is not: it fails
/// in execution with a parse error).
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::OperationType;
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, op)| {
        let selected = match (&request.operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

/// A response for a failure outside execution: logged, shown as a generic coded error.
fn internal_response(detail: &str) -> async_graphql::Response {
    use async_graphql::ErrorExtensions;
    let error = error::ApiError::Internal(detail.to_owned()).extend();
    async_graphql::Response::from_errors(vec![
        error.into_server_error(async_graphql::Pos::default()),
    ])
}
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

    /// Executes one GraphQL request. A mutation request runs in one database transaction that
    /// is committed only when every mutation field succeeded: several mutations in one request
    /// are all-or-nothing, like Hasura's. Queries read from the pool.
    pub async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.execute_in(request, sharaka_domain::Lang::default())
            .await
    }

    /// Like [`App::execute`], answering in `lang` (labels, texts and error reasons).
    pub async fn execute_in(
        &self,
        request: async_graphql::Request,
        lang: sharaka_domain::Lang,
    ) -> async_graphql::Response {
        error::ERROR_LANG
            .scope(
                lang,
                self.execute_scoped(request.data(schema::RequestLang(lang))),
            )
            .await
    }

    async fn execute_scoped(&self, request: async_graphql::Request) -> async_graphql::Response {
        let request = request.data(schema::Viewer {
            actor: self.config.dev_actor.clone(),
        });
        if !is_mutation(&request) {
            return self.schema.execute(request).await;
        }
        let txn = match self.store.begin().await {
            Ok(txn) => txn,
            Err(error) => return internal_response(&error.to_string()),
        };
        let deps = schema::AppDeps {
            store: txn.clone(),
            loader: Arc::new(loaders::register(
                txn.clone(),
                std::time::Duration::from_millis(self.config.loader_delay_ms),
            )),
        };
        let response = self.schema.execute(request.data(deps)).await;
        if response.errors.is_empty() {
            if let Err(error) = txn.commit().await {
                return internal_response(&error.to_string());
            }
        } else if let Err(error) = txn.rollback().await {
            tracing::error!(%error, "rollback failed");
        }
        response
    }

    /// The HTTP router.
    pub fn router(&self) -> Router {
        let state = http::HttpState {
            app: self.clone(),
            max_batch: self.config.max_batch,
        };
        // Layers run outside-in: the request id is set first, so the trace span (and every
        // log line inside it, including internal errors) carries it, and it is echoed back.
        http::router(state, self.config.body_limit)
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %request_id)
            }))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
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

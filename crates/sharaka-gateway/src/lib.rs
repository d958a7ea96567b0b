//! Sharaka's gateway: the GraphQL schema over the partnership graph, its DataLoaders, the axum
//! server and its configuration. `build` assembles everything; `main.rs` only parses the
//! command line and calls it.

pub mod access;
pub mod answers;
pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod jobs;
pub mod json;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod metrics;
pub mod schema;
pub mod telemetry;
pub mod ws;

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sharaka_persistence::{StatementCounter, Store, StoreConfig};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// The operation of `document` a request selects: the one named `name`, or the first when the
/// request names none (async-graphql refuses an unnamed request with several operations).
pub(crate) fn operation_named<'d>(
    document: &'d async_graphql::parser::types::ExecutableDocument,
    name: Option<&str>,
) -> Option<(
    Option<&'d async_graphql::Name>,
    &'d async_graphql::parser::types::OperationDefinition,
)> {
    document
        .operations
        .iter()
        .find(|(operation, _)| match (name, operation) {
            (Some(wanted), Some(operation)) => wanted == operation.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        })
        .map(|(operation, definition)| (operation, &definition.node))
}

/// The name and type (`query`, `mutation`, `subscription`) of the operation a request selects.
/// An unnamed operation is `anonymous`; an unparsable query is a `query` (it fails in execution
/// with a parse error). Uses the request's cached parse, so the query is parsed once per request.
pub(crate) fn selected_operation(request: &mut async_graphql::Request) -> (String, &'static str) {
    use async_graphql::parser::types::OperationType;
    let wanted = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return (wanted.unwrap_or_else(|| "anonymous".to_owned()), "query");
    };
    let selected = operation_named(document, wanted.as_deref());
    let kind = match selected.map(|(_, op)| op.ty) {
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        _ => "query",
    };
    let name = wanted
        .or_else(|| selected.and_then(|(name, _)| name.map(|n| n.to_string())))
        .unwrap_or_else(|| "anonymous".to_owned());
    (name, kind)
}

/// A coded error raised outside any field (no location, no path).
fn server_error(error: error::ApiError) -> async_graphql::ServerError {
    use async_graphql::ErrorExtensions;
    let extended = error.extend();
    let mut server_error = async_graphql::ServerError::new(extended.message, None);
    server_error.extensions = extended.extensions;
    server_error
}

/// A response with one coded error and no data.
fn coded_response(code: error::Code, message: &str) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    async_graphql::Response::from_errors(vec![error])
}

/// A response for a storage failure outside execution (begin, commit): coded through
/// [`error::ApiError`], so an unreachable database is `SERVICE_UNAVAILABLE`, anything else a
/// logged internal error.
fn failure_response(error: sharaka_persistence::PersistenceError) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![server_error(error::ApiError::from(error))])
}
pub use schema::{AppSchema, build_schema};

/// A built application: its store and its router.
#[derive(Clone)]
pub struct App {
    /// The store, for seeding and checks.
    pub store: Store,
    /// The schema, for in-process execution.
    pub schema: AppSchema,
    /// The live-update hub (subscriptions).
    pub live: live::Live,
    /// The schema `PUBLIC` requests run on when introspection is off for them (no suggestions).
    public_schema: Option<AppSchema>,
    /// API tokens verified recently (`SHARAKA_TOKEN_CACHE_MS`, `SHARAKA_TOKEN_WATCH_MS`).
    tokens: auth::TokenCache,
    /// Parsed documents by query text, shared by every transport.
    documents: limits::parsed::DocumentCache,
    /// Turns to execute an operation and to build a large answer (`SHARAKA_MAX_OPERATIONS`,
    /// `SHARAKA_MAX_LARGE_ANSWERS`).
    turns: limits::turns::Turns,
    /// `stats` answers kept until the data changes (`SHARAKA_ANSWER_CACHE_BYTES`).
    answers: answers::AnswerCache,
    config: Config,
}

impl App {
    /// Connects to the store (migrating and seeding as configured) and builds the schema.
    pub async fn build(config: Config, counter: Option<StatementCounter>) -> anyhow::Result<Self> {
        let store = Store::connect(StoreConfig {
            max_connections: config.max_connections,
            counter,
            acquire_timeout: std::time::Duration::from_millis(config.db_acquire_timeout_ms),
            statement_timeout: (config.db_statement_timeout_ms > 0)
                .then(|| std::time::Duration::from_millis(config.db_statement_timeout_ms)),
            ..StoreConfig::new(config.database_url.clone())
        })
        .await
        .context("could not connect to the database")?;
        if config.migrate_on_start {
            store
                .migrate()
                .await
                .context("could not migrate the database")?;
            // A database that held records before the search index existed gets it built once.
            store
                .backfill_search_index()
                .await
                .context("could not build the search index")?;
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
        metrics::install();
        // Dependencies are attached per request (scoped to the principal), not to the schema.
        let schema = build_schema();
        let public_schema = (!config.public_introspection).then(schema::build_public_schema);
        let live = live::Live::new(store.clone(), config.live);
        let tokens = auth::TokenCache::new(
            std::time::Duration::from_millis(config.token_cache_ms),
            std::time::Duration::from_millis(config.token_watch_ms),
        );
        Self {
            store,
            schema,
            public_schema,
            live,
            tokens,
            documents: limits::parsed::DocumentCache::default(),
            turns: limits::turns::Turns::new(config.max_operations, config.max_large_answers),
            answers: answers::AnswerCache::new(config.answer_cache_bytes),
            config,
        }
    }

    /// Who is asking, from an `Authorization` header value (none: the anonymous role).
    pub async fn authenticate(
        &self,
        header: Option<&str>,
    ) -> Result<sharaka_domain::Principal, auth::AuthError> {
        auth::authenticate(header, &self.config.auth, &self.store, &self.tokens).await
    }

    /// Waits up to `within` for this process to listen for changes to API tokens (PostgreSQL,
    /// `SHARAKA_TOKEN_WATCH_MS`), starting to if it has not; whether it does. Until then every
    /// request with an API token looks it up.
    pub async fn tokens_watched_within(&self, within: std::time::Duration) -> bool {
        self.tokens.watched_within(&self.store, within).await
    }

    /// Executes one GraphQL request as the configured anonymous principal, in French. See
    /// [`App::execute_as`].
    pub async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        let principal = sharaka_domain::Principal::anonymous(self.config.auth.anonymous_role);
        self.execute_as(request, principal, sharaka_domain::Lang::default())
            .await
    }

    /// Executes one GraphQL request as `principal`, answering in `lang` (labels, texts, error
    /// reasons). Reads see only what the principal may read. A mutation request runs in one
    /// database transaction, committed only when every mutation field succeeded and every record
    /// it changed passes the access check: several mutations in one request are all-or-nothing,
    /// like Hasura's.
    ///
    /// Before anything else, the request is held to the document limits (see
    /// [`limits::document`]); an operation that runs past [`limits::Limits::request_timeout`]
    /// is stopped, its transaction rolled back, and answered with the code `TIMEOUT`.
    pub async fn execute_as(
        &self,
        mut request: async_graphql::Request,
        principal: sharaka_domain::Principal,
        lang: sharaka_domain::Lang,
    ) -> async_graphql::Response {
        match limits::check_request(
            &mut request,
            &self.config.limits.document(),
            &self.documents,
        ) {
            Ok(usage) => self.execute_checked(request, principal, lang, usage).await,
            Err(refusal) => coded_response(refusal.code(), &refusal.to_string()),
        }
    }

    /// [`App::execute_as`] for a request already held to the document limits (over HTTP, by
    /// `http::precheck`), with what that check measured: the document is not walked twice.
    /// The operation runs in the span of [`telemetry::operation_span`].
    pub(crate) async fn execute_checked(
        &self,
        request: async_graphql::Request,
        principal: sharaka_domain::Principal,
        lang: sharaka_domain::Lang,
        usage: Option<limits::document::Usage>,
    ) -> async_graphql::Response {
        self.execute_in_turn(request, principal, lang, usage)
            .await
            .0
    }

    /// [`App::execute_checked`], returning with the answer the turn it ran in (see
    /// [`limits::turns`]), for a caller that goes on holding the answer: the HTTP handler keeps
    /// the turn until the answer is serialised, so that the bounds count every answer held in
    /// memory, not only those being computed (a stats answer of 6,000 rows is megabytes as a
    /// value tree; finished answers waiting for their serialisation once took the server past
    /// 150 MiB).
    pub(crate) async fn execute_in_turn(
        &self,
        mut request: async_graphql::Request,
        principal: sharaka_domain::Principal,
        lang: sharaka_domain::Lang,
        usage: Option<limits::document::Usage>,
    ) -> (async_graphql::Response, Option<limits::turns::Turn>) {
        use tracing::Instrument as _;
        let started = std::time::Instant::now();
        let (name, kind) = selected_operation(&mut request);
        let mutation = kind == "mutation";
        let span = telemetry::operation_span(&name, kind, usage);
        let request = request
            .data(schema::RequestLang(lang))
            .data(schema::plain::RepeatedKeys::default())
            .data(schema::columns::SelectedColumns::default());
        let run = error::ERROR_LANG.scope(lang, async {
            // Waiting for a turn counts towards the deadline.
            let turn = self.turns.operation().await;
            let request = request.data(turn.large());
            (
                self.execute_scoped(request, principal, mutation).await,
                Some(turn),
            )
        });
        // Dropping `run` at the deadline rolls its transaction back. On PostgreSQL the server's
        // `statement_timeout` also stops the statement; on SQLite the statement in progress runs
        // on until its next row (sqlx has no interrupt we can reach; see the README).
        let (response, turn) = match limits::optional(self.config.limits.request_timeout) {
            None => run.instrument(span.clone()).await,
            Some(deadline) => match tokio::time::timeout(deadline, run)
                .instrument(span.clone())
                .await
            {
                Ok(answered) => answered,
                Err(_) => {
                    tracing::warn!(
                        parent: &span,
                        ?deadline,
                        "an operation ran past its deadline and was stopped"
                    );
                    let response = coded_response(
                        error::Code::Timeout,
                        &format!(
                            "the operation took longer than {} ms and was stopped",
                            deadline.as_millis()
                        ),
                    );
                    (response, None)
                }
            },
        };
        let codes: Vec<String> = response
            .errors
            .iter()
            .map(|e| {
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map_or_else(
                        || "UNCODED".to_owned(),
                        |v| v.to_string().trim_matches('"').to_owned(),
                    )
            })
            .collect();
        let elapsed = started.elapsed();
        telemetry::finish_operation(&span, elapsed, &codes);
        metrics::operation(&name, kind, elapsed, &codes);
        (response, turn)
    }

    /// Executes one request that may be a subscription (the WebSocket transport): a query or
    /// mutation answers once, exactly as [`App::execute_as`]; a subscription answers once per
    /// event, under the same document limits and the principal's scope.
    pub fn execute_stream_as(
        &self,
        mut request: async_graphql::Request,
        principal: sharaka_domain::Principal,
        lang: sharaka_domain::Lang,
    ) -> futures::stream::BoxStream<'static, async_graphql::Response> {
        use futures::StreamExt as _;
        let usage = match limits::check_request(
            &mut request,
            &self.config.limits.document(),
            &self.documents,
        ) {
            Ok(usage) => usage,
            Err(refusal) => {
                let response = coded_response(refusal.code(), &refusal.to_string());
                return futures::stream::once(async move { response }).boxed();
            }
        };
        let (name, kind) = selected_operation(&mut request);
        if kind != "subscription" {
            // Already held to the limits: answered once, as over HTTP, without a second walk.
            let app = self.clone();
            return futures::stream::once(async move {
                app.execute_checked(request, principal, lang, usage).await
            })
            .boxed();
        }
        metrics::operation(&name, kind, std::time::Duration::ZERO, &[]);
        let (schema, request) = self.schema_for(&principal, request);
        let deps = self.deps(self.store.clone(), principal);
        schema
            .execute_stream(request.data(schema::RequestLang(lang)).data(deps))
            .boxed()
    }

    /// The schema `principal` is served, with the request adjusted to it: `PUBLIC` may be kept
    /// from introspecting the schema (`SHARAKA_PUBLIC_INTROSPECTION`), and then gets a schema
    /// that suggests no field names either.
    fn schema_for(
        &self,
        principal: &sharaka_domain::Principal,
        request: async_graphql::Request,
    ) -> (&AppSchema, async_graphql::Request) {
        match &self.public_schema {
            Some(public) if principal.role == sharaka_domain::Role::Public => {
                (public, request.disable_introspection())
            }
            _ => (&self.schema, request),
        }
    }

    fn deps(&self, store: Store, principal: sharaka_domain::Principal) -> schema::AppDeps {
        let scoped = store.scoped(Arc::new(access::PrincipalVisibility(principal.clone())));
        schema::AppDeps {
            loader: Arc::new(loaders::register(
                scoped.clone(),
                std::time::Duration::from_millis(self.config.loader_delay_ms),
            )),
            store: scoped,
            principal,
            touched: access::TouchLog::default(),
            live: self.live.clone(),
        }
    }

    async fn execute_scoped(
        &self,
        request: async_graphql::Request,
        principal: sharaka_domain::Principal,
        mutation: bool,
    ) -> async_graphql::Response {
        let (schema, request) = self.schema_for(&principal, request);
        if !mutation {
            let deps = self.deps(self.store.clone(), principal);
            return schema.execute(request.data(deps)).await;
        }
        let txn = match self.store.begin().await {
            Ok(txn) => txn,
            Err(error) => return failure_response(error),
        };
        let deps = self.deps(txn.clone(), principal.clone());
        let touched = deps.touched.clone();
        let mut response = schema.execute(request.data(deps)).await;
        // Where every changed record ends up must be within the principal's reach too. The check
        // runs even when a field already failed: a create whose result the principal cannot read
        // back fails with NOT_FOUND, and the right answer is that the change was FORBIDDEN.
        // When the request already failed, only a refusal replaces its errors (the transaction
        // may be unusable for anything else).
        let failed = !response.errors.is_empty();
        for change in touched.take() {
            match access::authorize(&txn, &principal, change.action, change.kind, &change.id).await
            {
                Ok(()) => {}
                Err(error @ error::ApiError::Forbidden(_)) => {
                    response = async_graphql::Response::from_errors(vec![server_error(error)]);
                    break;
                }
                Err(error) if !failed => {
                    response = async_graphql::Response::from_errors(vec![server_error(error)]);
                    break;
                }
                Err(_) => {}
            }
        }
        if response.errors.is_empty() {
            if let Err(error) = txn.commit().await {
                return failure_response(error);
            }
            // Publish the outbox events this transaction wrote, now they are committed.
            self.live.wake();
        } else if let Err(error) = txn.rollback().await {
            tracing::error!(%error, "rollback failed");
        }
        response
    }

    /// The configuration the app was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The kept `stats` answers (see [`answers`]).
    pub fn answers(&self) -> &answers::AnswerCache {
        &self.answers
    }

    /// The data's generation: the id of the newest outbox event (see [`answers`]).
    pub(crate) async fn data_generation(
        &self,
    ) -> Result<i64, sharaka_persistence::PersistenceError> {
        self.store.outbox_head().await
    }

    /// Large-answer turns free now (`None` when unbounded; see [`limits::turns`]).
    pub fn large_answers_free(&self) -> Option<usize> {
        self.turns.large_answers_free()
    }

    /// The parsed documents kept by query text.
    pub fn documents(&self) -> &limits::parsed::DocumentCache {
        &self.documents
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
                // `client` is recorded by `http::identify_client` (it knows the trusted proxies).
                tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %request_id, client = tracing::field::Empty)
            }))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    }

    /// Serves until `shutdown` completes, then drains in-flight requests. Unlike `axum::serve`,
    /// the connections have deadlines: headers must arrive within
    /// [`limits::Limits::header_timeout`] (see [`limits::serve`]), and each request carries
    /// the client's address for rate limiting.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let deadlines = self.config.limits.deadlines();
        let live = self.live.clone();
        // WebSocket connections are not requests the drain can wait for: tell them to close
        // (`1001`) as soon as shutdown starts.
        let shutdown = async move {
            shutdown.await;
            live.close_all();
        };
        let router = self.router();
        limits::serve::serve(listener, router, deadlines, shutdown)
            .await
            .context("server error")
    }
}

//! The HTTP face of the API, following the GraphQL-over-HTTP specification:
//! - `POST /graphql` takes `application/json` only (else `415`), answers `application/json` or,
//!   when asked, `application/graphql-response+json`;
//! - `GET /graphql?query=…` runs queries only (a mutation is `405`); without `query`, it serves
//!   GraphiQL (also at `/graphiql`);
//! - request bodies are limited (`413` beyond the limit), batches are refused unless configured;
//! - every error carries `extensions.code`, and messages are short: a parse error names the
//!   position, never echoes the query; at most [`MAX_ERRORS`] errors are returned.
//!
//! And the protocol defences of [`crate::limits`]:
//! - `/graphql` is rate limited per identity and per client address (`429`, `Retry-After`,
//!   `RATE_LIMITED`), before the body is read;
//! - a body must arrive within the body deadline (`408`) and, declared or not, stay under the
//!   body limit (`413`);
//! - persisted queries (automatic, or an allow-list) are resolved, then [`precheck`] holds the
//!   query to the document limits before async-graphql parses or validates anything;
//! - CORS answers only the configured origins (none by default). Cross-site forms cannot reach
//!   the API: a POST must be `application/json` (which a browser only sends cross-origin after
//!   a CORS preflight), and GET never runs a mutation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request, Response as GqlResponse, ServerError, Variables};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use serde::Deserialize;
use sharaka_domain::Lang;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::answers::{self, AnswerKey, KeptAnswer, Lookup};
use crate::auth::AuthError;
use crate::error::Code;
use crate::limits::document::{self, DocumentLimits, Refusal as LimitRefusal, Usage};
use crate::limits::parsed::DocumentCache;
use crate::limits::persisted::{self, Mode};
use crate::limits::rate::{RateLimits, retry_after_secs};
use crate::schema::{RequestId, RequestLang};
use sharaka_domain::Principal;

mod export;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const MAX_MESSAGE: usize = 300;
/// The most errors one response carries (a query with ten thousand bad fields gets the first
/// hundred).
pub const MAX_ERRORS: usize = 100;

/// What the HTTP layer needs.
#[derive(Clone)]
pub struct HttpState {
    /// The application (schema, store, unit of work).
    pub app: crate::App,
    /// The most operations one batch may hold; 0 or 1 refuses batches.
    pub max_batch: usize,
}

/// Everything the handlers share: the state, and the defences' own state (buckets, the
/// persisted query cache), created once per router.
struct Shared {
    state: HttpState,
    body_limit: usize,
    body_timeout: Option<Duration>,
    document: DocumentLimits,
    rate: RateLimits,
    mode: Mode,
    cache: persisted::Cache,
    trusted_proxies: Vec<ipnet::IpNet>,
}

type SharedState = Arc<Shared>;

/// The router: `/graphql`, `/graphiql`, `/health/live`, `/health/ready`.
pub fn router(state: HttpState, body_limit: usize) -> Router {
    let config = state.app.config().clone();
    let shared = Arc::new(Shared {
        body_limit,
        body_timeout: crate::limits::optional(config.limits.body_timeout),
        document: config.limits.document(),
        rate: config.limits.rate_limits(),
        mode: config.persisted_queries.clone(),
        cache: persisted::Cache::new(config.limits.apq_cache_bytes),
        trusted_proxies: config.trusted_proxies.clone(),
        state,
    });
    let router = Router::new()
        .route("/graphql", get(get_graphql).post(post_graphql))
        .route("/export/{file}", get(export::export_csv))
        .route_layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            rate_limit,
        ))
        .route("/graphiql", get(graphiql))
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(compression())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            identify_client,
        ))
        .with_state(shared);
    match cors_layer(&config.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// Answers are compressed (gzip or Brotli) when the client says it accepts them: JSON shrinks
/// several times (a 4.3 KB demo answer to 1.8 KB), which an NGO's dashboard on a slow link
/// needs. The fastest level of each: the server's CPU is what a busy server runs short of, and
/// JSON compresses well at any level. Bodies under 32 bytes, server-sent events and upgrades
/// (no body) are left alone, and a client that asks for nothing gets plain JSON.
fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(tower_http::CompressionLevel::Fastest)
}

/// A panic in a handler (a bug) is logged and answered with a coded `500`, instead of a
/// connection dropped without a word.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %detail, "a request handler panicked");
    closing(error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::InternalServerError,
        "internal error",
    ))
}

/// CORS for the configured origins; none configured, no CORS headers at all (browsers then
/// refuse cross-origin reads, and preflights fail).
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let request_id = HeaderName::from_static("x-request-id");
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                header::ACCEPT_LANGUAGE,
                request_id.clone(),
            ])
            .expose_headers([request_id, header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

/// The client's address, as [`identify_client`] found it.
#[derive(Debug, Clone, Copy)]
struct ClientAddress(std::net::IpAddr);

/// The client's address, for rate limiting.
fn client_address(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    extensions
        .get::<ClientAddress>()
        .map(|ClientAddress(address)| *address)
}

/// Finds who the client is: the peer the server loop recorded or, behind trusted proxies, the
/// right-most untrusted `X-Forwarded-For` hop (see [`crate::limits::proxy`]). Records it on the
/// request's span and for the rate limit.
async fn identify_client(
    State(shared): State<SharedState>,
    mut request: axum::extract::Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    if let Some(peer) = peer {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let client = crate::limits::proxy::client_address(peer, forwarded, &shared.trusted_proxies);
        tracing::Span::current().record("client", tracing::field::display(client));
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

/// Marks a response sent before its request's body was read: the connection cannot carry
/// another request (the rest of the body is still on it), so the client must not reuse it.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn too_many_requests(wait: Duration) -> Response {
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        Code::RateLimited,
        "too many requests: slow down and retry after the time in `Retry-After`",
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs(wait)),
    );
    response
}

/// Takes one request from the caller's buckets before anything else is done.
async fn rate_limit(
    State(shared): State<SharedState>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let checked = shared.rate.check(
        request
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes),
        client_address(request.extensions()),
        1,
    );
    match checked {
        Ok(()) => next.run(request).await,
        Err(wait) => closing(too_many_requests(wait)),
    }
}

/// Prometheus metrics, in the text exposition format.
async fn metrics_text(State(shared): State<SharedState>) -> Response {
    let (size, idle) = shared.state.app.store.pool_stats();
    crate::metrics::pool(size, idle);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
        .into_response()
}

/// Ready: the database answers and every migration is applied.
async fn ready(State(shared): State<SharedState>) -> Response {
    match shared.state.app.store.migrations_applied().await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Sharaka — GraphiQL")
            .finish(),
    )
}

/// A coded error body, as a GraphQL response with no data.
fn error_response(status: StatusCode, code: Code, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    (status, Json(body)).into_response()
}

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE))
}

/// The media type an answer is sent as: the GraphQL one when the client asks for it.
fn answer_content_type(headers: &HeaderMap) -> &'static str {
    if wants_graphql_response(headers) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    }
}

fn request_lang(headers: &HeaderMap) -> RequestLang {
    RequestLang(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or_default(),
    )
}

/// Attaches what resolvers need from the HTTP request: its id.
fn with_request_data(request: Request, headers: &HeaderMap) -> Request {
    let mut request = request;
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        request = request.data(RequestId(id.to_owned()));
    }
    request
}

fn truncate(message: &str) -> String {
    if message.len() <= MAX_MESSAGE {
        return message.to_owned();
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

/// Gives every error a code and a short message. Errors raised by resolvers already carry a
/// code; the rest come from async-graphql's validation.
pub(crate) fn finish_errors(errors: &mut Vec<ServerError>) {
    errors.truncate(MAX_ERRORS);
    for error in errors.iter_mut() {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            // A value the schema does not define (an unknown enum value) is a validation
            // failure; a value of the right type that is not acceptable is bad input.
            let code = if error.message.contains("does not contain the value") {
                Code::GraphqlValidationFailed
            } else if error.message.contains("Invalid value for argument")
                || error.message.contains("Failed to parse")
                || error.message.contains("Invalid value for variable")
                || error.message.starts_with("Expected input type")
                || (error.message.starts_with("Variable ")
                    && error.message.ends_with("is not defined."))
            {
                Code::BadUserInput
            } else if error.path.is_empty() {
                Code::GraphqlValidationFailed
            } else {
                Code::InternalServerError
            };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code.as_str());
        }
        error.message = truncate(&error.message);
    }
}

/// A refusal produced before execution (boxed: a response is large).
type Refusal = Box<Response>;

/// A refusal of the kind GraphQL-over-HTTP treats like a validation error: `200` with
/// `application/json`, `400` with `application/graphql-response+json`.
fn graphql_refusal(headers: &HeaderMap, code: Code, message: &str) -> Refusal {
    let status = if wants_graphql_response(headers) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Box::new(error_response(status, code, message))
}

fn limit_refusal(headers: &HeaderMap, refusal: &LimitRefusal) -> Refusal {
    match refusal {
        LimitRefusal::Nesting { .. } => Box::new(error_response(
            StatusCode::BAD_REQUEST,
            refusal.code(),
            &refusal.to_string(),
        )),
        LimitRefusal::Nul => Box::new(error_response(
            StatusCode::OK,
            refusal.code(),
            &refusal.to_string(),
        )),
        _ => graphql_refusal(headers, refusal.code(), &refusal.to_string()),
    }
}

/// Resolves `extensions.persistedQuery` (see [`crate::limits::persisted`]): fills in the text
/// of a known hash, refuses unknown hashes and, in allow-list mode, anything not listed. Returns
/// the hash to register once the query has passed [`precheck`].
fn resolve_persisted(
    shared: &Shared,
    headers: &HeaderMap,
    request: &mut Request,
) -> Result<Option<String>, Refusal> {
    let extension = request.extensions.remove("persistedQuery");
    if matches!(shared.mode, Mode::Off) {
        return Ok(None);
    }
    let extension = extension
        .map(|value| persisted::extension(&value))
        .transpose()
        .map_err(|e| {
            Box::new(error_response(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                e.0,
            ))
        })?;
    let has_text = !request.query.trim().is_empty();
    if let Some(extension) = &extension
        && has_text
        && persisted::sha256_hex(&request.query) != extension.sha256
    {
        return Err(Box::new(error_response(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "`persistedQuery.sha256Hash` is not the SHA-256 of the query",
        )));
    }
    match (&shared.mode, extension) {
        (Mode::Off, _) | (Mode::Automatic, None) => Ok(None),
        (Mode::Automatic, Some(extension)) if has_text => Ok(Some(extension.sha256)),
        (Mode::Automatic, Some(extension)) => match shared.cache.get(&extension.sha256) {
            Some(query) => {
                request.query = query.to_string();
                Ok(None)
            }
            // Apollo's clients look for this message as well as the code.
            None => Err(graphql_refusal(
                headers,
                Code::PersistedQueryNotFound,
                "PersistedQueryNotFound",
            )),
        },
        (Mode::AllowList(list), extension) => {
            let hash = match extension {
                Some(extension) => extension.sha256,
                None if has_text => persisted::sha256_hex(&request.query),
                // No text and no hash: `precheck` reports the missing query.
                None => return Ok(None),
            };
            match list.get(&hash) {
                Some(query) => {
                    if !has_text {
                        request.query = query.to_string();
                    }
                    Ok(None)
                }
                None => Err(Box::new(error_response(
                    StatusCode::FORBIDDEN,
                    Code::OperationNotAllowed,
                    "this server runs only registered operations, and this is not one of them",
                ))),
            }
        }
    }
}

/// Checks the query text before execution: no NUL anywhere (PostgreSQL refuses them), a query
/// present, brackets nested within the limit (before the parser, which recurses), a parse, no
/// mutation over GET, and the document limits. The parsed document stays in the request, so
/// async-graphql does not parse it again, and what the check measured is returned for the
/// operation's span.
fn precheck(
    request: &mut Request,
    allow_mutation: bool,
    limits: &DocumentLimits,
    documents: &DocumentCache,
    headers: &HeaderMap,
) -> Result<Usage, Refusal> {
    if request.query.contains('\0') {
        return Err(Box::new(error_response(
            StatusCode::OK,
            Code::BadUserInput,
            "text may not contain NUL characters",
        )));
    }
    if request.query.trim().is_empty() {
        return Err(Box::new(error_response(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "the request has no `query`",
        )));
    }
    document::scan_nesting(&request.query, limits.max_nesting)
        .map_err(|refusal| limit_refusal(headers, &refusal))?;
    let variables = std::mem::take(&mut request.variables);
    let operation_name = request.operation_name.clone();
    let checked = match documents.parse(request) {
        Err(error) => {
            let position = error
                .locations
                .first()
                .map(|p| format!(" at line {}, column {}", p.line, p.column));
            Err(Box::new(error_response(
                StatusCode::BAD_REQUEST,
                Code::GraphqlParseFailed,
                &format!("the query does not parse{}", position.unwrap_or_default()),
            )))
        }
        Ok(parsed) => {
            if !allow_mutation && selects_non_query(parsed, operation_name.as_deref()) {
                let mut response = error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    Code::BadRequest,
                    "mutations and subscriptions must be sent with POST",
                );
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                Err(Box::new(response))
            } else {
                document::check(parsed, &variables, limits)
                    .map_err(|refusal| limit_refusal(headers, &refusal))
            }
        }
    };
    request.variables = variables;
    checked
}

/// Whether the operation selected (by name, or any when unnamed) is not a query.
fn selects_non_query(
    document: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
) -> bool {
    document.operations.iter().any(|(name, op)| {
        let selected = match (operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        selected && op.node.ty != OperationType::Query
    })
}

/// Resolves persisted queries, runs [`precheck`], and registers an automatic persisted query
/// that passed.
fn prepare(
    shared: &Shared,
    headers: &HeaderMap,
    request: &mut Request,
    allow_mutation: bool,
) -> Result<Usage, Refusal> {
    let register = resolve_persisted(shared, headers, request)?;
    let usage = precheck(
        request,
        allow_mutation,
        &shared.document,
        shared.state.app.documents(),
        headers,
    )?;
    if let Some(hash) = register {
        shared.cache.put(hash, Arc::from(request.query.as_str()));
    }
    Ok(usage)
}

/// Who is asking, from the `Authorization` header; a refusal is a coded `401`.
async fn principal(state: &HttpState, headers: &HeaderMap) -> Result<Principal, Refusal> {
    let header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| {
            Box::new(error_response(
                StatusCode::UNAUTHORIZED,
                Code::Unauthenticated,
                &AuthError::Malformed.to_string(),
            ))
        })?),
    };
    state.app.authenticate(header).await.map_err(|error| {
        let (status, code) = match error {
            AuthError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Code::ServiceUnavailable),
            _ => (StatusCode::UNAUTHORIZED, Code::Unauthenticated),
        };
        let mut response = error_response(status, code, &error.to_string());
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        Box::new(response)
    })
}

/// The key under which `request`'s answer may be kept, when it selects only `stats` (see
/// [`crate::answers`]). Reading the generation costs one statement; if it fails the request is
/// simply answered afresh.
async fn answer_key(
    state: &HttpState,
    headers: &HeaderMap,
    principal: &Principal,
    request: &mut Request,
) -> Option<AnswerKey> {
    let answers = state.app.answers();
    if !answers.enabled() || !answers::is_kept(request) {
        return None;
    }
    match state.app.data_generation().await {
        Ok(generation) => Some(AnswerKey::new(
            generation,
            principal,
            request_lang(headers).0,
            request,
        )),
        Err(error) => {
            tracing::warn!(%error, "could not read the data generation; answering afresh");
            None
        }
    }
}

/// A kept answer, gzip-compressed as kept when the client accepts it, inflated as it is sent
/// otherwise. The operation is counted and traced as any other.
fn kept_response(
    headers: &HeaderMap,
    request: &mut Request,
    usage: Usage,
    kept: &KeptAnswer,
    started: std::time::Instant,
) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(answers::accepts_gzip);
    let content_type = answer_content_type(headers);
    let mut response = if gzip {
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            kept.gzip(),
        )
            .into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type)],
            Body::from_stream(kept.json_chunks()),
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    trace_kept(request, usage, started);
    response
}

/// Counts and traces an operation answered without executing it.
fn trace_kept(request: &mut Request, usage: Usage, started: std::time::Instant) {
    let (name, kind) = crate::selected_operation(request);
    let span = crate::telemetry::operation_span(&name, kind, Some(usage));
    let elapsed = started.elapsed();
    crate::telemetry::finish_operation(&span, elapsed, &[]);
    crate::metrics::operation(&name, kind, elapsed, &[]);
}

/// The validators of a kept-answer response to `GET`: its entity tag, to be revalidated
/// before each use and kept by no shared cache (it is the principal's), varying with what the
/// answer depends on beside the URL.
fn with_validators(mut response: Response, etag: Option<&str>) -> Response {
    let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) else {
        return response;
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, accept-language, authorization"),
    );
    response
}

/// Executes one operation. A query of `stats` only is served its kept answer when there is one
/// (see [`crate::answers`]); over `GET` (`conditional`) it also carries an entity tag, and a
/// request whose `If-None-Match` names the current one is answered `304 Not Modified`.
async fn execute(
    state: &HttpState,
    headers: &HeaderMap,
    principal: &Principal,
    mut request: Request,
    usage: Usage,
    conditional: bool,
) -> Response {
    let started = std::time::Instant::now();
    let key = answer_key(state, headers, principal, &mut request).await;
    let answers = state.app.answers();
    if conditional
        && let Some(key) = &key
        && let Some(wanted) = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        && let Some(current) = answers.current(key)
        && answers::none_match(wanted, &current)
    {
        answers.not_modified();
        trace_kept(&mut request, usage, started);
        return with_validators(StatusCode::NOT_MODIFIED.into_response(), Some(&current));
    }
    let computing = match key {
        None => None,
        Some(key) => match answers.lookup(key).await {
            Lookup::Kept(kept) => {
                let response = kept_response(headers, &mut request, usage, &kept, started);
                return with_validators(response, Some(kept.etag()).filter(|_| conditional));
            }
            Lookup::Compute(computing) => Some(computing),
        },
    };
    // The turn is held until the answer is bytes (see `App::execute_in_turn`).
    let (mut response, turn): (GqlResponse, _) = state
        .app
        .execute_in_turn(
            with_request_data(request, headers),
            principal.clone(),
            request_lang(headers).0,
            Some(usage),
        )
        .await;
    finish_errors(&mut response.errors);
    let graphql_response = wants_graphql_response(headers);
    let status =
        if graphql_response && response.data == async_graphql::Value::Null && response.is_err() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let content_type = answer_content_type(headers);
    let complete = response.errors.is_empty();
    let body = crate::json::answer(&response);
    drop(response);
    drop(turn);
    match body {
        Ok(body) => {
            let body = Bytes::from(body);
            let response =
                (status, [(header::CONTENT_TYPE, content_type)], body.clone()).into_response();
            match computing {
                Some(computing) if complete => {
                    let etag = computing.finish(&body);
                    with_validators(response, etag.as_deref().filter(|_| conditional))
                }
                _ => response,
            }
        }
        Err(error) => {
            tracing::error!(%error, "could not serialise a response");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::InternalServerError,
                "internal error",
            )
        }
    }
}

/// Reads a body within the body limit and the body deadline.
async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let too_large = || {
        Box::new(closing(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::BadRequest,
            "the request body is larger than this server accepts",
        )))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.body_limit as u64) {
        return Err(too_large());
    }
    let collect = http_body_util::Limited::new(body, shared.body_limit).collect();
    let collected = match shared.body_timeout {
        None => collect.await,
        Some(deadline) => match tokio::time::timeout(deadline, collect).await {
            Ok(collected) => collected,
            Err(_) => {
                return Err(Box::new(closing(error_response(
                    StatusCode::REQUEST_TIMEOUT,
                    Code::BadRequest,
                    "the request body did not arrive in time",
                ))));
            }
        },
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(Box::new(closing(error_response(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "the request body could not be read",
        )))),
    }
}

async fn post_graphql(
    State(shared): State<SharedState>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return closing(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadRequest,
            "send GraphQL requests as application/json",
        ));
    }
    let body = match read_body(&shared, headers, body).await {
        Ok(body) => body,
        Err(refusal) => return *refusal,
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => {
            let message = format!(
                "the body is not a GraphQL request in JSON (line {}, column {})",
                error.line(),
                error.column()
            );
            return error_response(StatusCode::BAD_REQUEST, Code::BadRequest, &message);
        }
    };
    let state = &shared.state;
    // A batch is checked and charged (one request per operation; the rate limit counted one)
    // before anyone is authenticated.
    if let BatchRequest::Batch(requests) = &batch {
        if requests.len() > state.max_batch || state.max_batch <= 1 {
            let message = if state.max_batch <= 1 {
                "batched requests are not accepted: send one operation per request".to_owned()
            } else {
                format!(
                    "batched requests are limited to {} operations",
                    state.max_batch
                )
            };
            return error_response(StatusCode::BAD_REQUEST, Code::BadRequest, &message);
        }
        let extra = u32::try_from(requests.len().saturating_sub(1)).unwrap_or(u32::MAX);
        if let Err(wait) = shared.rate.check(
            headers
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes),
            client_address(&parts.extensions),
            extra,
        ) {
            return too_many_requests(wait);
        }
    }
    let principal = match principal(state, headers).await {
        Ok(principal) => principal,
        Err(refusal) => return *refusal,
    };
    match batch {
        BatchRequest::Single(mut request) => match prepare(&shared, headers, &mut request, true) {
            Ok(usage) => execute(state, headers, &principal, request, usage, false).await,
            Err(response) => *response,
        },
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for mut request in requests {
                let usage = match prepare(&shared, headers, &mut request, true) {
                    Ok(usage) => usage,
                    Err(response) => return *response,
                };
                let mut response = state
                    .app
                    .execute_checked(
                        with_request_data(request, headers),
                        principal.clone(),
                        request_lang(headers).0,
                        Some(usage),
                    )
                    .await;
                finish_errors(&mut response.errors);
                responses.push(response);
            }
            Json(responses).into_response()
        }
    }
}

#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn get_graphql(
    State(shared): State<SharedState>,
    headers: HeaderMap,
    websocket: Result<
        axum::extract::ws::WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Ok(websocket) = websocket {
        return crate::ws::upgrade(
            shared.state.app.clone(),
            websocket,
            &headers,
            request_lang(&headers).0,
        );
    }
    let Ok(Query(params)) = params else {
        return error_response(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "malformed query string",
        );
    };
    if params.query.is_none() && params.extensions.is_none() {
        return graphiql().await.into_response();
    }
    let mut request = Request::new(params.query.unwrap_or_default());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value) => request = request.variables(Variables::from_json(value)),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    Code::BadRequest,
                    "`variables` is not JSON",
                );
            }
        }
    }
    if let Some(extensions) = params.extensions {
        match serde_json::from_str::<async_graphql::Extensions>(&extensions) {
            Ok(extensions) => request.extensions = extensions,
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    Code::BadRequest,
                    "`extensions` is not a JSON object",
                );
            }
        }
    }
    let usage = match prepare(&shared, &headers, &mut request, false) {
        Ok(usage) => usage,
        Err(response) => return *response,
    };
    let principal = match principal(&shared.state, &headers).await {
        Ok(principal) => principal,
        Err(refusal) => return *refusal,
    };
    execute(&shared.state, &headers, &principal, request, usage, true).await
}

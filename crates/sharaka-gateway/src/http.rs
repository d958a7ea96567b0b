//! The HTTP face of the API, following the GraphQL-over-HTTP specification:
//! - `POST /graphql` takes `application/json` only (else `415`), answers `application/json` or,
//!   when asked, `application/graphql-response+json`;
//! - `GET /graphql?query=…` runs queries only (a mutation is `405`); without `query`, it serves
//!   GraphiQL (also at `/graphiql`);
//! - request bodies are limited (`413` beyond the limit), batches are refused unless configured;
//! - every error carries `extensions.code`, and messages are short: a parse error names the
//!   position, never echoes the query.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request, Response as GqlResponse, ServerError, Variables};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use sharaka_domain::Lang;

use crate::auth::AuthError;
use crate::error::Code;
use crate::schema::{RequestId, RequestLang};
use sharaka_domain::Principal;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const MAX_MESSAGE: usize = 300;

/// What the HTTP layer needs.
#[derive(Clone)]
pub struct HttpState {
    /// The application (schema, store, unit of work).
    pub app: crate::App,
    /// The most operations one batch may hold; 0 or 1 refuses batches.
    pub max_batch: usize,
}

/// The router: `/graphql`, `/graphiql`, `/health/live`, `/health/ready`.
pub fn router(state: HttpState, body_limit: usize) -> Router {
    Router::new()
        .route("/graphql", get(get_graphql).post(post_graphql))
        .route("/graphiql", get(graphiql))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(Arc::new(state))
}

async fn ready(State(state): State<Arc<HttpState>>) -> Response {
    match state.app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
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
fn finish_errors(errors: &mut [ServerError]) {
    for error in errors {
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

/// Checks the query text before execution: it must parse, must not be a mutation over GET, and
/// no text anywhere may hold a NUL character (PostgreSQL refuses them).
fn precheck(request: &Request, allow_mutation: bool) -> Result<(), Refusal> {
    if request.query.contains('\0') || variables_contain_nul(&request.variables) {
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
    let document = async_graphql::parser::parse_query(&request.query).map_err(|error| {
        let position = error
            .positions()
            .next()
            .map(|p| format!(" at line {}, column {}", p.line, p.column));
        error_response(
            StatusCode::BAD_REQUEST,
            Code::GraphqlParseFailed,
            &format!("the query does not parse{}", position.unwrap_or_default()),
        )
    })?;
    if !allow_mutation {
        let is_mutation = document.operations.iter().any(|(name, op)| {
            let selected = match (&request.operation_name, name) {
                (Some(wanted), Some(name)) => wanted == name.as_str(),
                (None, _) => true,
                (Some(_), None) => false,
            };
            selected && op.node.ty != OperationType::Query
        });
        if is_mutation {
            let mut response = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                Code::BadRequest,
                "mutations and subscriptions must be sent with POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return Err(Box::new(response));
        }
    }
    Ok(())
}

fn variables_contain_nul(variables: &Variables) -> bool {
    fn has_nul(value: &async_graphql::Value) -> bool {
        match value {
            async_graphql::Value::String(s) => s.contains('\0'),
            async_graphql::Value::List(list) => list.iter().any(has_nul),
            async_graphql::Value::Object(map) => map.values().any(has_nul),
            _ => false,
        }
    }
    variables.values().any(has_nul)
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
    crate::auth::authenticate(header, &state.app.config().auth, &state.app.store)
        .await
        .map_err(|error| {
            let (status, code) = match error {
                AuthError::Unavailable => {
                    (StatusCode::SERVICE_UNAVAILABLE, Code::ServiceUnavailable)
                }
                _ => (StatusCode::UNAUTHORIZED, Code::Unauthenticated),
            };
            let mut response = error_response(status, code, &error.to_string());
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Box::new(response)
        })
}

async fn execute(
    state: &HttpState,
    headers: &HeaderMap,
    principal: &Principal,
    request: Request,
) -> Response {
    let mut response: GqlResponse = state
        .app
        .execute_as(
            with_request_data(request, headers),
            principal.clone(),
            request_lang(headers).0,
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
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    match serde_json::to_vec(&response) {
        Ok(body) => (status, [(header::CONTENT_TYPE, content_type)], body).into_response(),
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

async fn post_graphql(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the request body is larger than this server accepts"
            } else {
                "the request body could not be read"
            };
            return error_response(status, Code::BadRequest, message);
        }
    };
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
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadRequest,
            "send GraphQL requests as application/json",
        );
    }
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
    let principal = match principal(&state, &headers).await {
        Ok(principal) => principal,
        Err(refusal) => return *refusal,
    };
    match batch {
        BatchRequest::Single(request) => {
            if let Err(response) = precheck(&request, true) {
                return *response;
            }
            execute(&state, &headers, &principal, request).await
        }
        BatchRequest::Batch(requests) => {
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
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                if let Err(response) = precheck(&request, true) {
                    return *response;
                }
                let mut response = state
                    .app
                    .execute_as(
                        with_request_data(request, &headers),
                        principal.clone(),
                        request_lang(&headers).0,
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
}

async fn get_graphql(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return error_response(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            "malformed query string",
        );
    };
    let Some(query) = params.query else {
        return graphiql().await.into_response();
    };
    let mut request = Request::new(query);
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
    if let Err(response) = precheck(&request, false) {
        return *response;
    }
    let principal = match principal(&state, &headers).await {
        Ok(principal) => principal,
        Err(refusal) => return *refusal,
    };
    execute(&state, &headers, &principal, request).await
}

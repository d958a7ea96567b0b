//! `GET /export/{list}.csv`: a root list as a CSV file, streamed page by page.
//!
//! - Lists: `organisations`, `partnerships`, `agreements`, `projects`, `contributions`,
//!   `training-sessions`, `visits`, `sites` (an unknown list is `404 NOT_FOUND`).
//! - Parameters: `filter`, the JSON of the GraphQL list's filter input (e.g.
//!   `{"status":{"in":["ACTIVE"]}}`), `orderBy`, the JSON of its `orderBy` list, and
//!   `includeArchived=true`. They are parsed by the same GraphQL input types as the list, so a
//!   filter means the same thing here; a bad one is `400` with a JSON body and
//!   `extensions.code` `BAD_USER_INPUT`. Contributions have no root list, hence no filter: only
//!   the reader's access scope applies to them.
//! - Authentication and access: the `Authorization` header as for `/graphql` (API token or JWT;
//!   the anonymous role without one), and the reader's scoped store, so the file holds exactly
//!   what the reader could list (a PUBLIC reader gets no drafts).
//! - The body is UTF-8 with a byte-order mark, columns as the GraphQL `exports` fields, formulas
//!   neutralised ([`crate::schema::export::neutralise`]). Rows are read [`PAGE`] at a time and
//!   each page is written and sent before the next is read, so memory does not grow with the
//!   list. Each page starts after the last record sent (its keys and id, in the list's order),
//!   so no page reads the rows of the pages before it again and a record archived meanwhile
//!   shifts nothing; with one sort key the pages walk its index. Pages are separate
//!   statements, not one snapshot: a record changed during a long export may appear in the
//!   state of either page, and one whose sort key changes may move past the walk or back
//!   into it. The first page is read before the response starts, so a failure there is still
//!   a coded JSON error; a later failure (among them the last record sent being deleted,
//!   which loses the walk's place) is logged and cuts the transfer short (the client sees an
//!   incomplete chunked body, never a truncated file that looks whole).

use std::sync::Arc;

use async_graphql::InputType;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream;
use serde::Deserialize;
use sharaka_domain as domain;
use sharaka_persistence::{Filter, Order, Store};

use super::{Refusal, SharedState, error_response, principal};
use crate::access::PrincipalVisibility;
use crate::error::{ApiError, Code};
use crate::schema::export::{BOM, CsvRecord, csv_chunk};
use crate::schema::filters::*;

/// Rows read, written and sent at a time.
pub const PAGE: u64 = 500;

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ExportParams {
    /// JSON of the list's GraphQL filter input.
    filter: Option<String>,
    /// JSON of the list's GraphQL `orderBy` list.
    #[serde(rename = "orderBy")]
    order_by: Option<String>,
    /// Include archived records.
    #[serde(rename = "includeArchived", default)]
    include_archived: bool,
}

fn bad_request(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
}

/// A refusal before the stream starts (boxed: a response is large).
fn refuse(message: &str) -> Refusal {
    Box::new(bad_request(message))
}

/// Parses the JSON of a GraphQL input value of type `T`; `name` is the parameter, for messages.
fn parse<T: InputType>(raw: Option<&str>, name: &str) -> Result<Option<T>, Refusal> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let json: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| refuse(&format!("`{name}` is not valid JSON ({e})")))?;
    let value = T::parse(Some(
        async_graphql::Value::from_json(json.clone())
            .map_err(|e| refuse(&format!("`{name}` is not a valid input value ({e})")))?,
    ))
    .map_err(|e| {
        let message = e.into_server_error(Default::default()).message;
        refuse(&format!("`{name}` is invalid: {message}"))
    })?;
    // Input objects ignore fields they do not know (GraphQL's validation, which refuses them,
    // does not run here): a misspelt field would silently filter nothing, so refuse it.
    if let Some(path) = unknown_field(&json, &value.to_value(), name) {
        return Err(refuse(&format!(
            "`{name}` is invalid: unknown field `{path}`"
        )));
    }
    Ok(Some(value))
}

/// The path of the first field of `input` that the parsed value does not have.
fn unknown_field(
    input: &serde_json::Value,
    parsed: &async_graphql::Value,
    path: &str,
) -> Option<String> {
    use async_graphql::Value as G;
    use serde_json::Value as J;
    match (input, parsed) {
        (J::Object(fields), G::Object(known)) => fields.iter().find_map(|(key, value)| {
            let here = format!("{path}.{key}");
            match known.get(key.as_str()) {
                None => Some(here),
                Some(known) => unknown_field(value, known, &here),
            }
        }),
        (J::Array(items), G::List(known)) => items
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (item, known))| unknown_field(item, known, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// The persistence filter of a parsed GraphQL filter input.
fn filter_of<F>(
    input: Option<F>,
    convert: impl Fn(&F) -> Result<Filter, ApiError>,
) -> Result<Option<Filter>, Refusal> {
    input
        .as_ref()
        .map(convert)
        .transpose()
        .map_err(|e| match e {
            ApiError::BadUserInput { .. } | ApiError::NotFound(_) => {
                refuse(&format!("`filter` is invalid: {e}"))
            }
            other => Box::new(internal(&other)),
        })
}

fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "CSV export failed");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::InternalServerError,
        "internal error",
    )
}

/// The handler: authenticates, parses the list's filter and order, then streams.
pub(super) async fn export_csv(
    State(shared): State<SharedState>,
    Path(file): Path<String>,
    params: Result<Query<ExportParams>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Some(list) = file.strip_suffix(".csv") else {
        return not_found(&file);
    };
    let Ok(Query(params)) = params else {
        return bad_request(
            "the query string is malformed: use `filter`, `orderBy` and `includeArchived`",
        );
    };
    let principal = match principal(&shared.state, &headers).await {
        Ok(principal) => principal,
        Err(refusal) => return *refusal,
    };
    let store = shared
        .state
        .app
        .store
        .scoped(Arc::new(PrincipalVisibility(principal)));
    let filter = params.filter.as_deref();
    let order = params.order_by.as_deref();
    let archived = params.include_archived;

    // One arm per list: the list's own GraphQL filter and order inputs.
    macro_rules! list {
        ($record:ty, $filter:ty, $order:ty) => {{
            let filter = match parse::<$filter>(filter, "filter")
                .and_then(|f| filter_of(f, <$filter>::to_filter))
            {
                Ok(f) => f,
                Err(refusal) => return *refusal,
            };
            let order = match parse::<Vec<$order>>(order, "orderBy") {
                Ok(o) => <$order>::to_orders(&o),
                Err(refusal) => return *refusal,
            };
            stream_csv::<$record>(store, list, filter, order, archived).await
        }};
    }
    match list {
        "organisations" => list!(domain::Organisation, OrganisationFilter, OrganisationOrder),
        "partnerships" => list!(domain::Partnership, PartnershipFilter, PartnershipOrder),
        "agreements" => list!(domain::Agreement, AgreementFilter, AgreementOrder),
        "projects" => list!(domain::Project, ProjectFilter, ProjectOrder),
        "training-sessions" => list!(
            domain::TrainingSession,
            TrainingSessionFilter,
            TrainingSessionOrder
        ),
        "visits" => list!(
            domain::ExchangeVisit,
            ExchangeVisitFilter,
            ExchangeVisitOrder
        ),
        "sites" => list!(domain::Site, SiteFilter, SiteOrder),
        "contributions" => {
            if filter.is_some() || order.is_some() {
                return bad_request(
                    "contributions have no root list in the API, so no `filter` or `orderBy`: \
                     the export holds every contribution you can read",
                );
            }
            stream_csv::<domain::Contribution>(store, list, None, Vec::new(), archived).await
        }
        _ => not_found(list),
    }
}

fn not_found(list: &str) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        &format!(
            "no export `{list}`: use /export/{{list}}.csv with organisations, partnerships, agreements, \
             projects, contributions, training-sessions, visits or sites"
        ),
    )
}

/// Where the next page starts: after the record with this id (from the first when `None`), in
/// the list's order then the id. Pages follow the order (its index where there is one), each
/// row is read once, and a record archived during the export shifts nothing.
#[derive(Clone, Debug)]
struct Start(Option<String>);

/// One page of records, and where the next one starts when this one was full.
async fn page<R: CsvRecord>(
    store: &Store,
    filter: &Option<Filter>,
    order: &[Order],
    archived: bool,
    Start(after): Start,
) -> Result<(Vec<R>, Option<Start>), ApiError> {
    let rows = store
        .list_after::<R>(filter.as_ref(), archived, order, after.as_deref(), PAGE)
        .await?;
    let next = match rows.last() {
        Some((id, _)) if rows.len() as u64 == PAGE => Some(Start(Some(id.clone()))),
        _ => None,
    };
    Ok((rows.into_iter().map(|(_, r)| r).collect(), next))
}

/// Streams the list as CSV: the byte-order mark and header with the first page, then a chunk
/// per page until a short page.
async fn stream_csv<R: CsvRecord + Send + 'static>(
    store: Store,
    list: &str,
    filter: Option<Filter>,
    order: Vec<Order>,
    archived: bool,
) -> Response {
    let (first, more) = match page::<R>(&store, &filter, &order, archived, Start(None)).await {
        Ok(page) => page,
        Err(e) => return internal(&e),
    };
    let mut head = BOM.as_bytes().to_vec();
    match csv_chunk(Some(R::HEADER), first.iter().map(R::csv_row)) {
        Ok(bytes) => head.extend(bytes),
        Err(e) => return internal(&e),
    }
    let start = stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from(head)) });
    // The rest: where the next page starts, while the last page was full.
    let rest = stream::unfold(more, move |from| {
        let store = store.clone();
        let filter = filter.clone();
        let order = order.clone();
        async move {
            let from = from?;
            let chunk = match page::<R>(&store, &filter, &order, archived, from.clone()).await {
                Ok((rows, next)) => {
                    csv_chunk(None, rows.iter().map(R::csv_row)).map(|bytes| (bytes, next))
                }
                Err(e) => Err(e),
            };
            Some(match chunk {
                Ok((bytes, next)) => (Ok(Bytes::from(bytes)), next),
                Err(e) => {
                    tracing::error!(error = %e, ?from, "CSV export failed mid-stream");
                    (Err(std::io::Error::other("export failed")), None)
                }
            })
        }
    });
    use futures::StreamExt as _;
    let body = Body::from_stream(start.chain(rest));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{list}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // The file depends on who asks.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

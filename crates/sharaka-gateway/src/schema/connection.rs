//! Relay cursor connections. Cursors are opaque (base64 of a position); `first` defaults to 50
//! and may not exceed 500 — a larger value is refused, never silently capped. `totalCount` is
//! computed only when asked for.

use std::sync::Arc;

use async_graphql::{SimpleObject, futures_util::future::BoxFuture};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sharaka_persistence::Page;

use crate::error::ApiError;

/// The default page size.
pub const DEFAULT_PAGE: u64 = 50;
/// The largest page size allowed.
pub const MAX_PAGE: u64 = 500;

const CURSOR_PREFIX: &str = "cursor:";

/// Encodes a position as an opaque cursor.
pub fn encode_cursor(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

/// The largest position a cursor may hold (2^53): far beyond any list, and small enough that
/// an offset computed from it never overflows the databases' signed 64-bit integers (a forged
/// cursor at `u64::MAX` made the SQLite driver panic).
const MAX_POSITION: u64 = 1 << 53;

/// Decodes a cursor produced by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<u64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| s.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse().ok()))
        .filter(|position| *position <= MAX_POSITION)
        .ok_or_else(|| ApiError::bad_input("`after` is not a cursor returned by this API"))
}

/// Turns `first`/`after` into a page, fetching one extra row to learn whether more follow.
pub fn page(first: Option<i32>, after: Option<&str>) -> Result<Page, ApiError> {
    let limit = match first {
        None => DEFAULT_PAGE,
        Some(n) if n < 0 => return Err(ApiError::bad_input("`first` must not be negative")),
        Some(n) if u64::try_from(n).unwrap_or(u64::MAX) > MAX_PAGE => {
            return Err(ApiError::bad_input(format!(
                "`first` may be at most {MAX_PAGE}; ask for further pages with `after`"
            )));
        }
        Some(n) => u64::try_from(n).unwrap_or(DEFAULT_PAGE),
    };
    let offset = match after {
        Some(cursor) => decode_cursor(cursor)?.saturating_add(1),
        None => 0,
    };
    Ok(Page {
        offset,
        limit,
        probe: false,
    })
}

/// The page one row longer than asked, to detect a next page.
pub fn probe(page: Page) -> Page {
    Page {
        offset: page.offset,
        limit: page.limit.saturating_add(1),
        probe: true,
    }
}

/// Computes a connection's total on demand.
pub type TotalFn = Arc<dyn Fn() -> BoxFuture<'static, Result<u64, ApiError>> + Send + Sync>;

/// Where a page sits in its list.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first item of the page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// A fetched page with what the connection type needs.
pub struct Paged<T> {
    /// The page's items (without the probe row).
    pub items: Vec<T>,
    /// The position of the first item.
    pub offset: u64,
    /// Whether more items follow.
    pub has_next: bool,
    /// The total, on demand.
    pub total: TotalFn,
}

impl<T> Paged<T> {
    /// Builds a page from rows fetched with [`probe`].
    pub fn new(mut rows: Vec<T>, page: Page, total: TotalFn) -> Self {
        let has_next = rows.len() as u64 > page.limit;
        rows.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
        Self {
            items: rows,
            offset: page.offset,
            has_next,
            total,
        }
    }

    /// The page info.
    pub fn page_info(&self) -> PageInfo {
        let last = (self.items.len() as u64)
            .checked_sub(1)
            .map(|i| self.offset + i);
        PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.offset > 0,
            start_cursor: (!self.items.is_empty()).then(|| encode_cursor(self.offset)),
            end_cursor: last.map(encode_cursor),
        }
    }
}

/// Declares a connection and edge type for a node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        pub struct $conn(pub crate::schema::connection::Paged<$node>);

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// The item's cursor.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        // The connection's fields, resolved by async-graphql as an object, under the
        // connection's name; `$conn` answers a selection of `nodes` alone itself
        // (`plain::only_nodes`), as most nested pages are asked.
        const _: () = {
            #[doc = concat!("A page of ", $what, ", with cursors and the total count.")]
            struct Fields<'a>(&'a $conn);

            impl async_graphql::TypeName for Fields<'_> {
                fn type_name() -> std::borrow::Cow<'static, str> {
                    std::borrow::Cow::Borrowed(stringify!($conn))
                }
            }

            #[doc = concat!("A page of ", $what, ", with cursors and the total count.")]
            #[async_graphql::Object(name_type)]
            impl Fields<'_> {
                /// The items with their cursors.
                async fn edges(&self) -> Vec<$edge> {
                    let page = &self.0.0;
                    page.items
                        .iter()
                        .enumerate()
                        .map(|(i, node)| $edge {
                            cursor: crate::schema::connection::encode_cursor(
                                page.offset + i as u64,
                            ),
                            node: node.clone(),
                        })
                        .collect()
                }

                /// The items, without cursors.
                async fn nodes(&self) -> crate::schema::plain::Nodes<'_, $node> {
                    // Borrowed, not cloned: a nested page holds whole records.
                    crate::schema::plain::Nodes(&self.0.0.items)
                }

                /// Where this page sits in the list.
                async fn page_info(&self) -> crate::schema::connection::PageInfo {
                    self.0.0.page_info()
                }

                /// How many items the whole list has, across pages (computed when asked for).
                async fn total_count(&self) -> async_graphql::Result<u64> {
                    use crate::error::GqlResultExt;
                    (self.0.0.total)().await.gql()
                }
            }

            impl async_graphql::OutputType for $conn {
                fn type_name() -> std::borrow::Cow<'static, str> {
                    <Fields<'static> as async_graphql::TypeName>::type_name()
                }

                fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
                    <Fields<'static> as async_graphql::OutputType>::create_type_info(registry)
                }

                async fn resolve(
                    &self,
                    ctx: &async_graphql::ContextSelectionSet<'_>,
                    _field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
                ) -> async_graphql::ServerResult<async_graphql::Value> {
                    match crate::schema::plain::only_nodes(ctx) {
                        Some(nodes) => {
                            Ok(crate::schema::plain::nodes_alone(ctx, nodes, &self.0.items).await)
                        }
                        None => {
                            async_graphql::resolver_utils::resolve_container(ctx, &Fields(self))
                                .await
                        }
                    }
                }
            }
        };
    };
}
pub(crate) use connection;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)).ok(), Some(42));
        assert!(decode_cursor("not-a-cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("cursor:x")).is_err());
    }

    #[test]
    fn first_is_bounded_not_capped() {
        assert_eq!(
            page(None, None).ok(),
            Some(Page {
                offset: 0,
                limit: 50,
                probe: false,
            })
        );
        assert!(page(Some(501), None).is_err());
        assert!(page(Some(-1), None).is_err());
        assert_eq!(
            page(Some(10), Some(&encode_cursor(9))).ok(),
            Some(Page {
                offset: 10,
                limit: 10,
                probe: false,
            })
        );
    }
}

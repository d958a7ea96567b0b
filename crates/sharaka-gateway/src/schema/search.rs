//! Multilingual search across the graph's named records. The query is normalised with the
//! domain's [`search_key`] (the same key the index holds), candidates come from the index,
//! the domain's [`match_key`] ranks them (exact, then partial, then similar words), and every
//! hit is loaded through the principal's scoped store: a record the caller may not read is
//! dropped before paging, so results, counts and cursors obey access rules.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::{Context, Enum, Result, SimpleObject};
use sharaka_domain::search::{MatchKind, TextMatch, highlight, match_key, search_key};
use sharaka_domain::{self as domain};
use sharaka_persistence::Store;
use sharaka_persistence::search::{SearchEntry, SearchRequest};

use super::connection::{Paged, TotalFn, connection, page};
use super::context::deps;
use super::nodes::*;
use super::scalars::Lang;
use crate::error::{ApiError, GqlResultExt};

/// The longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 200;
/// The most index entries one search ranks. Entries holding the whole query come first, so
/// only fuzzy candidates are ever left out; fewer (1,000 was tried at scale M) left out the
/// one record a misspelt query was meant to find.
const MAX_CANDIDATES: u64 = 5_000;

/// A kind of record that search finds.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchType {
    /// Organisations, by name (any language) or acronym.
    Organisation,
    /// Partnerships, by the partner's name or acronym.
    Partnership,
    /// Agreements, by title or reference.
    Agreement,
    /// Projects, by title.
    Project,
    /// Sites, by name or city.
    Site,
    /// Training sessions, by title.
    TrainingSession,
    /// Exchange visits, by title.
    ExchangeVisit,
}

impl SearchType {
    const ALL: [SearchType; 7] = [
        SearchType::Organisation,
        SearchType::Partnership,
        SearchType::Agreement,
        SearchType::Project,
        SearchType::Site,
        SearchType::TrainingSession,
        SearchType::ExchangeVisit,
    ];

    fn table(self) -> &'static str {
        match self {
            SearchType::Organisation => "organisations",
            SearchType::Partnership => "partnerships",
            SearchType::Agreement => "agreements",
            SearchType::Project => "projects",
            SearchType::Site => "sites",
            SearchType::TrainingSession => "training_sessions",
            SearchType::ExchangeVisit => "exchange_visits",
        }
    }

    fn of_table(table: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.table() == table)
    }
}

/// How a hit matched the query.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMatch {
    /// The whole text equals the query (after normalisation).
    Exact,
    /// The query appears inside the text.
    Partial,
    /// Similar words: a typo, a missing letter, another word order.
    Similar,
}

impl From<MatchKind> for SearchMatch {
    fn from(kind: MatchKind) -> Self {
        match kind {
            MatchKind::Exact => SearchMatch::Exact,
            MatchKind::Partial => SearchMatch::Partial,
            MatchKind::Fuzzy => SearchMatch::Similar,
        }
    }
}

/// One search result: a record and the text of it that matched best.
#[derive(SimpleObject, Clone)]
pub struct SearchHit {
    /// The kind of record.
    #[graphql(name = "type")]
    pub kind: SearchType,
    /// The record.
    pub record: Node,
    /// The field that matched: `name`, `acronym`, `title`, `reference`, `city`, `partnerName`
    /// or `partnerAcronym`.
    pub field: String,
    /// The language of the matched text; null for language-neutral text (acronyms, cities).
    pub lang: Option<Lang>,
    /// How the text matched.
    pub matched: SearchMatch,
    /// The rank score, from 0 to 1: 1 for an exact match, then partial matches (the more of the
    /// text the query covers, the higher), then similar ones. Hits are sorted by it.
    pub score: f64,
    /// The matched text as written.
    pub text: String,
    /// The matched text, HTML-escaped, with the matching parts wrapped in `<mark>…</mark>`.
    pub snippet: String,
}

connection!(SearchHitConnection, SearchHitEdge, SearchHit, "search hits");

impl crate::schema::plain::Plain for SearchHit {}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A candidate that matched: its kind, its index entry and how it matched.
type Hit = (SearchType, SearchEntry, TextMatch);

/// The best-matching entry of each record (the first of equal scores, in index order), best
/// first. Sorting and deduplicating in place: a common word brings thousands of candidates, and
/// a map from every record to its best entry cost a copy of each id and the table's rehashes.
fn rank(key: &str, entries: Vec<SearchEntry>) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(kind) = SearchType::of_table(entry.table) else {
            continue;
        };
        if let Some(m) = match_key(key, &entry.key) {
            hits.push((kind, entry, m));
        }
    }
    // A stable sort: among a record's entries of equal score, the earliest stays first.
    hits.sort_by(|(ka, a, ma), (kb, b, mb)| {
        (ka, &a.record_id)
            .cmp(&(kb, &b.record_id))
            .then_with(|| mb.score.total_cmp(&ma.score))
    });
    hits.dedup_by(|(k, later, _), (first_k, first, _)| {
        k == first_k && later.record_id == first.record_id
    });
    hits.sort_by(|(_, a, ma), (_, b, mb)| {
        mb.score
            .total_cmp(&ma.score)
            .then_with(|| a.original.chars().count().cmp(&b.original.chars().count()))
            .then_with(|| a.table.cmp(b.table))
            .then_with(|| a.record_id.cmp(&b.record_id))
    });
    hits
}

/// Runs `$body` with `$R` the record type of the search type `$kind`, and `$node` the function
/// that wraps such a record as a [`Node`].
macro_rules! with_kind {
    ($kind:expr, |$R:ident, $node:ident| $body:expr) => {
        match $kind {
            SearchType::Organisation => {
                type $R = domain::Organisation;
                let $node = |r| Node::Organisation(OrganisationNode(r));
                $body
            }
            SearchType::Partnership => {
                type $R = domain::Partnership;
                let $node = |r| Node::Partnership(PartnershipNode(r));
                $body
            }
            SearchType::Agreement => {
                type $R = domain::Agreement;
                let $node = |r| Node::Agreement(AgreementNode(r));
                $body
            }
            SearchType::Project => {
                type $R = domain::Project;
                let $node = |r| Node::Project(ProjectNode(r));
                $body
            }
            SearchType::Site => {
                type $R = domain::Site;
                let $node = |r| Node::Site(SiteNode(r));
                $body
            }
            SearchType::TrainingSession => {
                type $R = domain::TrainingSession;
                let $node = |r| Node::TrainingSession(TrainingSessionNode(r));
                $body
            }
            SearchType::ExchangeVisit => {
                type $R = domain::ExchangeVisit;
                let $node = |r| Node::ExchangeVisit(ExchangeVisitNode(r));
                $body
            }
        }
    };
}

/// The ids of `hits`' records, per kind.
fn ids_by_kind(hits: &[Hit]) -> HashMap<SearchType, Vec<String>> {
    let mut ids: HashMap<SearchType, Vec<String>> = HashMap::new();
    for (kind, entry, _) in hits {
        ids.entry(*kind).or_default().push(entry.record_id.clone());
    }
    ids
}

/// The ranked hits whose records the reader may see and that are not archived, in rank order.
/// Only ids are read (one statement per kind): the whole records are loaded for the page alone.
async fn visible_hits(store: &Store, mut ranked: Vec<Hit>) -> Result<Vec<Hit>> {
    let mut seen: HashMap<SearchType, HashSet<String>> = HashMap::new();
    for (kind, ids) in ids_by_kind(&ranked) {
        let visible = with_kind!(kind, |R, _node| store.visible_ids::<R>(&ids).await.gql()?);
        seen.insert(kind, visible);
    }
    ranked.retain(|(kind, entry, _)| {
        seen.get(kind)
            .is_some_and(|ids| ids.contains(entry.record_id.as_str()))
    });
    Ok(ranked)
}

/// Loads the page's records through the scoped store, one statement per kind. A record
/// archived or deleted since [`visible_hits`] read its id is absent.
async fn load_nodes(store: &Store, page: &[Hit]) -> Result<HashMap<(SearchType, String), Node>> {
    let mut out = HashMap::new();
    for (kind, ids) in ids_by_kind(page) {
        let nodes: Vec<(String, Node)> = with_kind!(kind, |R, node| {
            store
                .by_ids::<R>(&ids)
                .await
                .gql()?
                .into_iter()
                .filter(|(_, r)| r.meta.archived_at.is_none())
                .map(|(id, r)| (id, node(r)))
                .collect()
        });
        out.extend(nodes.into_iter().map(|(id, node)| ((kind, id), node)));
    }
    Ok(out)
}

/// Runs a search for the root `search` field.
pub async fn search(
    ctx: &Context<'_>,
    query: &str,
    types: Option<Vec<SearchType>>,
    lang: Option<Lang>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<SearchHitConnection> {
    let window = page(first, after.as_deref()).gql()?;
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_input(format!(
            "`query` may be at most {MAX_QUERY_CHARS} characters"
        )))
        .gql();
    }
    if query.contains('\0') {
        return Err(ApiError::bad_input(
            "`query` may not contain NUL characters",
        ))
        .gql();
    }
    let key = search_key(query);
    let types = types.unwrap_or_else(|| SearchType::ALL.to_vec());
    let tables: Vec<&'static str> = types.iter().map(|t| t.table()).collect();
    let store = &deps(ctx).store;
    let entries = store
        .search_candidates(&SearchRequest {
            key: &key,
            tables: &tables,
            lang: lang.map(Into::into),
            limit: MAX_CANDIDATES,
        })
        .await
        .gql()?;
    let visible = visible_hits(store, rank(&key, entries)).await?;
    let total = visible.len() as u64;
    let page: Vec<_> = visible
        .into_iter()
        .skip(usize::try_from(window.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(window.limit.saturating_add(1)).unwrap_or(usize::MAX))
        .collect();
    let mut nodes = load_nodes(store, &page).await?;
    // Snippets only for the page: highlighting every hit cost more than the search itself.
    let rows: Vec<SearchHit> = page
        .into_iter()
        .filter_map(|(kind, entry, m)| {
            let record = nodes.remove(&(kind, entry.record_id.clone()))?;
            Some(SearchHit {
                kind,
                record,
                field: camel_case(entry.field),
                lang: entry.lang.map(Into::into),
                matched: m.kind.into(),
                score: (m.score * 1000.0).round() / 1000.0,
                snippet: highlight(
                    &entry.original,
                    &m.matched,
                    "<mark>",
                    "</mark>",
                    escape_html,
                ),
                text: entry.original,
            })
        })
        .collect();
    let total: TotalFn = Arc::new(move || Box::pin(async move { Ok(total) }));
    Ok(SearchHitConnection(Paged::new(rows, window, total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_in_graphql_and_snippets_escaped() {
        assert_eq!(camel_case("partner_acronym"), "partnerAcronym");
        assert_eq!(camel_case("name"), "name");
        assert_eq!(escape_html("a<b>&'\""), "a&lt;b&gt;&amp;&#39;&quot;");
    }

    fn entry(table: &'static str, id: &str, lang: Option<domain::Lang>, text: &str) -> SearchEntry {
        SearchEntry {
            table,
            record_id: id.to_owned(),
            field: "name",
            lang,
            key: search_key(text),
            original: text.to_owned(),
        }
    }

    #[test]
    fn each_record_is_ranked_once_by_its_best_entry() {
        use domain::Lang::{Ar, En, Fr};
        let entries = vec![
            entry("sites", "site:1", Some(Fr), "Rabat"),
            entry("organisations", "org:1", Some(Fr), "Rabat Salé"),
            entry("agreements", "agr:1", None, "Casablanca"),
            entry("organisations", "org:1", Some(En), "Rabat"),
            entry("sites", "site:1", Some(Ar), "Rabat"),
            entry("regions", "reg:1", None, "Rabat"),
            entry("organisations", "org:2", Some(Fr), "Rabat Salé Kénitra"),
        ];
        let hits = rank(&search_key("rabat"), entries);
        let found: Vec<_> = hits
            .iter()
            .map(|(kind, e, m)| (*kind, e.record_id.as_str(), e.lang, m.kind))
            .collect();
        assert_eq!(
            found,
            [
                // Exact matches first; equal scores and lengths in table order. Of a record's
                // entries the best wins, and of equally good ones the first in index order.
                (
                    SearchType::Organisation,
                    "org:1",
                    Some(En),
                    MatchKind::Exact
                ),
                (SearchType::Site, "site:1", Some(Fr), MatchKind::Exact),
                // Then partial matches, the one covering more of its text first. Texts that do
                // not match and tables that are not search results are dropped.
                (
                    SearchType::Organisation,
                    "org:2",
                    Some(Fr),
                    MatchKind::Partial
                ),
            ]
        );
    }
}

//! Query specifications that the gateway builds and persistence turns into SQL: a filter tree,
//! an ordering and a page. Field names are the storage names of the domain's fields (snake_case,
//! e.g. `country_code`), checked against each resource's list of filterable fields so that a
//! misspelt field is an error, never a silently ignored condition.

use sea_orm::sea_query::{
    Alias, BinOper, Cond, Condition, Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr,
};

/// A value compared with a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// Text, codes and partial dates (stored as sortable text).
    Text(String),
    /// Integers (IATI codes, counts).
    Int(i64),
    /// Flags.
    Bool(bool),
    /// Instants (audit event times).
    Time(chrono::DateTime<chrono::Utc>),
}

/// A comparison operator for ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>=`
    Gte,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `<`
    Lt,
}

/// A filter over one resource's rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Every sub-filter holds (an empty list holds).
    All(Vec<Filter>),
    /// At least one sub-filter holds (an empty list never holds).
    Any(Vec<Filter>),
    /// The sub-filter does not hold.
    Not(Box<Filter>),
    /// `field op value`.
    Compare {
        field: &'static str,
        op: Op,
        value: Value,
    },
    /// `field IN (values)`.
    In {
        field: &'static str,
        values: Vec<Value>,
    },
    /// `field IS NULL` (or `IS NOT NULL` when `is_null` is false).
    Null { field: &'static str, is_null: bool },
    /// Case-insensitive substring of any of `fields`; `%`, `_` and `\` match themselves.
    Contains {
        fields: &'static [&'static str],
        text: String,
    },
    /// A comma-separated tag column holds at least one of `tags`.
    HasAnyTag {
        field: &'static str,
        tags: Vec<String>,
    },
    /// `field IN (SELECT select FROM table WHERE filter)`, with `filter` over `table`: nested
    /// relation filters such as "projects implementing a published agreement". Built by code
    /// (visibility rules), never from client input, so its fields are not checked.
    Subquery {
        field: &'static str,
        table: &'static str,
        select: &'static str,
        filter: Box<Filter>,
    },
    /// `field IN (SELECT select FROM table WHERE where_field IN (values))`: relation filters
    /// such as "agreements with this party" or "projects in this region".
    Related {
        field: &'static str,
        table: &'static str,
        select: &'static str,
        where_field: &'static str,
        values: Vec<Value>,
    },
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Order {
    /// The field.
    pub field: &'static str,
    /// The direction.
    pub direction: Direction,
}

/// A window of rows: skip `offset`, take `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
    /// Whether the last of the `limit` rows (of each parent, for children) is a probe: read
    /// only to learn that more follow, then dropped by the caller. A probe row is built from
    /// the columns its record cannot be built without ([`crate::Resource::NEEDED`]), its
    /// other fields left as defaults: a dashboard's probe rows were a quarter of its sessions.
    pub probe: bool,
}

impl Page {
    /// The first `limit` rows, without a probe.
    pub fn first(limit: u64) -> Self {
        Self {
            offset: 0,
            limit,
            probe: false,
        }
    }

    /// Whether row `number` (from 1, counted from the start of the list or of its parent's
    /// rows, before the offset) is the probe.
    pub(crate) fn is_probe(&self, number: i64) -> bool {
        self.probe
            && u64::try_from(number).is_ok_and(|n| n == self.offset.saturating_add(self.limit))
    }
}

/// Everything a list needs: which rows, in what order, which window, and whether archived
/// records are included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// The filter; `None` keeps every row.
    pub filter: Option<Filter>,
    /// Sort keys; the id is always appended as the final tie-breaker so pages are stable.
    pub order: Vec<Order>,
    /// The window.
    pub page: Page,
    /// Whether archived records are listed.
    pub include_archived: bool,
}

impl ListQuery {
    /// The first `limit` rows, unfiltered.
    pub fn first(limit: u64) -> Self {
        Self {
            filter: None,
            order: Vec::new(),
            page: Page::first(limit),
            include_archived: false,
        }
    }
}

/// Escapes `%`, `_` and `\` so that user text matches itself in a `LIKE` pattern.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn value_expr(value: &Value) -> SimpleExpr {
    match value {
        Value::Text(s) => Expr::val(s.clone()),
        Value::Int(i) => Expr::val(*i),
        Value::Bool(b) => Expr::val(*b),
        Value::Time(t) => Expr::val(*t),
    }
}

/// The most items one SQL condition holds; longer lists become a balanced tree of conditions.
/// sea-query turns a condition of n items into a chain of binary expressions n deep and renders
/// it recursively, so a client's `or` of a few thousand filters would overflow a server thread's
/// stack (and SQLite refuses expressions nested deeper than 1000). Grouped by 16, ten thousand
/// items nest four levels deep.
const GROUP: usize = 16;

/// `any` (or `all`) of `items`, grouped into a balanced tree (see [`GROUP`]).
fn balanced(any: bool, items: Vec<Condition>) -> Condition {
    let join = |items: Vec<Condition>| {
        let empty = if any { Cond::any() } else { Cond::all() };
        items.into_iter().fold(empty, |acc, c| acc.add(c))
    };
    let mut items = items;
    while items.len() > GROUP {
        let mut grouped = Vec::with_capacity(items.len().div_ceil(GROUP));
        let mut rest = items.into_iter();
        loop {
            let chunk: Vec<Condition> = rest.by_ref().take(GROUP).collect();
            if chunk.is_empty() {
                break;
            }
            grouped.push(join(chunk));
        }
        items = grouped;
    }
    join(items)
}

fn col(table: &str, field: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(field)))
}

/// Turns a filter into a SQL condition on `table`, checking each field against `fields`.
pub(crate) fn condition(
    table: &'static str,
    fields: &[&'static str],
    filter: &Filter,
) -> Result<Condition, crate::PersistenceError> {
    condition_on(table, Some(fields), filter)
}

/// Like [`condition`]; `fields: None` trusts every field (filters built by code).
pub(crate) fn condition_on(
    table: &'static str,
    fields: Option<&[&'static str]>,
    filter: &Filter,
) -> Result<Condition, crate::PersistenceError> {
    let check = |field: &str| {
        if fields.is_none_or(|fields| fields.contains(&field)) {
            Ok(())
        } else {
            Err(crate::PersistenceError::UnknownField {
                table,
                field: field.to_owned(),
            })
        }
    };
    Ok(match filter {
        Filter::All(items) => balanced(
            false,
            items
                .iter()
                .map(|f| condition_on(table, fields, f))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Any(items) => {
            if items.is_empty() {
                Cond::all().add(Expr::val(1).eq(0))
            } else {
                balanced(
                    true,
                    items
                        .iter()
                        .map(|f| condition_on(table, fields, f))
                        .collect::<Result<_, _>>()?,
                )
            }
        }
        Filter::Not(inner) => condition_on(table, fields, inner)?.not(),
        Filter::Compare { field, op, value } => {
            check(field)?;
            let c = col(table, field);
            let v = value_expr(value);
            Cond::all().add(match op {
                Op::Eq => c.eq(v),
                Op::Ne => c.ne(v),
                Op::Gte => c.gte(v),
                Op::Lte => c.lte(v),
                Op::Gt => c.gt(v),
                Op::Lt => c.lt(v),
            })
        }
        Filter::In { field, values } => {
            check(field)?;
            Cond::all().add(col(table, field).is_in(values.iter().map(value_expr)))
        }
        Filter::Null { field, is_null } => {
            check(field)?;
            Cond::all().add(if *is_null {
                col(table, field).is_null()
            } else {
                col(table, field).is_not_null()
            })
        }
        Filter::Contains {
            fields: text_fields,
            text,
        } => {
            // Match the normalised text (accents, case and Arabic letter variants folded alike
            // on both backends) through the search keys, where the fields are indexed; the
            // lowercase column itself only where the keys do not already cover it.
            let indexed = crate::search::contains_condition(table, text_fields, text);
            let covered = indexed.as_ref().map_or(&[][..], |i| &i.covered[..]);
            // The database lowers both sides with one function (`LOWER(column) LIKE
            // LOWER(pattern)`), so a name always contains its own text: lowering the pattern
            // here instead folded `İ` by Unicode's rules while SQLite's `LOWER` folds ASCII
            // only, and a record named `%İ` did not match the filter `%İ`.
            let pattern = Expr::expr(Func::lower(Expr::val(format!("%{}%", escape_like(text)))))
                .binary(BinOper::Escape, Expr::Constant('\\'.into()));
            let mut any = Cond::any();
            for field in *text_fields {
                check(field)?;
                if covered.contains(field) {
                    continue;
                }
                any = any.add(
                    Expr::expr(Func::lower(col(table, field)))
                        .binary(BinOper::Like, pattern.clone()),
                );
            }
            if let Some(indexed) = indexed {
                any = any.add(indexed.condition);
            }
            any
        }
        Filter::HasAnyTag { field, tags } => {
            check(field)?;
            // Tags are stored as `A,B,C`; wrapping both sides in commas makes `,A,` match
            // whole tags only.
            // `||` concatenates on both SQLite and PostgreSQL. (Not `cust_with_expr` with `$1`:
            // SQLite's builder only substitutes `?`, so the column never reached the SQL there.)
            let concat = || BinOper::Custom("||");
            let wrapped = Expr::val(",")
                .binary(concat(), col(table, field))
                .binary(concat(), Expr::val(","));
            if tags.is_empty() {
                return Ok(Cond::any().add(Expr::val(1).eq(0)));
            }
            balanced(
                true,
                tags.iter()
                    .map(|tag| {
                        let pattern = format!("%,{},%", escape_like(tag));
                        Cond::all().add(wrapped.clone().like(LikeExpr::new(pattern).escape('\\')))
                    })
                    .collect(),
            )
        }
        Filter::Subquery {
            field,
            table: sub_table,
            select,
            filter,
        } => {
            check(field)?;
            let sub = Query::select()
                .column((Alias::new(*sub_table), Alias::new(*select)))
                .from(Alias::new(*sub_table))
                .cond_where(condition_on(sub_table, None, filter)?)
                .to_owned();
            Cond::all().add(col(table, field).in_subquery(sub))
        }
        Filter::Related {
            field,
            table: sub_table,
            select,
            where_field,
            values,
        } => {
            check(field)?;
            let sub = Query::select()
                .column((Alias::new(*sub_table), Alias::new(*select)))
                .from(Alias::new(*sub_table))
                .and_where(col(sub_table, where_field).is_in(values.iter().map(value_expr)))
                .to_owned();
            Cond::all().add(col(table, field).in_subquery(sub))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_nest_shallowly() {
        use sea_orm::sea_query::SqliteQueryBuilder;
        let wide = Filter::Any(
            (0..10_000)
                .map(|i| Filter::Compare {
                    field: "id",
                    op: Op::Eq,
                    value: Value::Text(format!("r{i}")),
                })
                .collect(),
        );
        let cond = condition("regions", &["id"], &wide).expect("condition");
        // Rendered on a small stack: a chain 10,000 deep would overflow it.
        let sql = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                Query::select()
                    .column(Alias::new("id"))
                    .from(Alias::new("regions"))
                    .cond_where(cond)
                    .to_string(SqliteQueryBuilder)
            })
            .expect("thread")
            .join()
            .expect("no overflow");
        assert_eq!(sql.matches(" OR ").count(), 9_999);
        let deepest = sql
            .chars()
            .scan(0i32, |depth, c| {
                *depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                Some(*depth)
            })
            .max();
        assert!(deepest.is_some_and(|d| d < 16), "{deepest:?}");
    }

    #[test]
    fn like_escaping_neutralises_wildcards() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(escape_like("École"), "École");
    }
}

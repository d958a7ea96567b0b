//! Exchange rates to the Moroccan dirham, and resources mobilised converted with them.
//!
//! A contribution is converted with the rate in force at its date — the rate of its currency with
//! the latest `valid_from` on or before that date (a partial date counts from its first day; the
//! date is that of the session, project or agreement it is for, as in the other resource
//! figures). Each contribution is rounded to the centime before summing, so the total is exact
//! and the same on both backends. A contribution whose currency has no rate in force, or which
//! has no date at all, is *unconverted*: reported apart, per currency, in its own currency —
//! never dropped and never counted as zero. Amounts in MAD need no rate. Contributions without a
//! value (in kind, unvalued) and cancelled ones are not money mobilised and are left out.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Order, Query};
use sharaka_domain::CurrencyCode;

use super::pipeline::first_day;
use super::{StatsFilter, int, key, q, quoted_list};
use crate::{Backend, Conn, PersistenceError, Store, with_conn};

/// One stored rate.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeRate {
    /// The row id.
    pub id: String,
    /// ISO 4217 code.
    pub currency: String,
    /// MAD for one unit of the currency.
    pub rate_to_mad: f64,
    /// `YYYY-MM-DD`: in force from this day until the next rate of the currency.
    pub valid_from: String,
    /// Where the figure comes from.
    pub source: String,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Money of one contributor in one currency, with what could be converted to MAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadRow {
    /// Contributor organisation id.
    pub contributor: Option<String>,
    /// ISO 4217 currency.
    pub currency: Option<String>,
    /// Contributions.
    pub count: i64,
    /// Those converted (a rate was in force at their date).
    pub converted: i64,
    /// Σ of the converted ones, in MAD centimes.
    pub mad_minor: i64,
    /// Σ of the unconverted ones, in the currency's minor units.
    pub unconverted_minor: i64,
}

fn rate_row(row: &sea_orm::QueryResult) -> Result<ExchangeRate, PersistenceError> {
    Ok(ExchangeRate {
        id: row.try_get("", "id")?,
        currency: row.try_get("", "currency")?,
        rate_to_mad: row.try_get("", "rate_to_mad")?,
        valid_from: row.try_get("", "valid_from")?,
        source: row.try_get("", "source")?,
        version: row.try_get("", "version")?,
    })
}

const RATE_COLUMNS: [&str; 6] = [
    "id",
    "currency",
    "rate_to_mad",
    "valid_from",
    "source",
    "version",
];

impl Store {
    /// The stored rates, of one currency or all, by currency then date. Rates are reference
    /// data, not records of the graph: every reader sees them.
    pub async fn exchange_rates(
        &self,
        currency: Option<&str>,
    ) -> Result<Vec<ExchangeRate>, PersistenceError> {
        let mut select = Query::select();
        select
            .columns(RATE_COLUMNS.map(Alias::new))
            .from(Alias::new("exchange_rates"))
            .order_by(Alias::new("currency"), Order::Asc)
            .order_by(Alias::new("valid_from"), Order::Asc);
        if let Some(currency) = currency {
            select.and_where(Expr::col(Alias::new("currency")).eq(currency));
        }
        let rows =
            with_conn!(self, c => c.query_all(&select).await.map_err(PersistenceError::from))?;
        rows.iter().map(rate_row).collect()
    }

    /// The rate of `currency` from exactly `valid_from`, if one is stored.
    pub async fn exchange_rate_on(
        &self,
        currency: &str,
        valid_from: &str,
    ) -> Result<Option<ExchangeRate>, PersistenceError> {
        let select = Query::select()
            .columns(RATE_COLUMNS.map(Alias::new))
            .from(Alias::new("exchange_rates"))
            .and_where(Expr::col(Alias::new("currency")).eq(currency))
            .and_where(Expr::col(Alias::new("valid_from")).eq(valid_from))
            .to_owned();
        let row =
            with_conn!(self, c => c.query_one(&select).await.map_err(PersistenceError::from))?;
        row.as_ref().map(rate_row).transpose()
    }

    /// Money mobilised by contributor and currency, with the part converted to MAD at the rate in
    /// force at each contribution's date (see the module comment). Filters: `from`/`to` on the
    /// contribution's date, `partners` on the contributor. One statement.
    pub async fn contributions_in_mad(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<MadRow>, PersistenceError> {
        let (mut agg, date) = self.contributions(filter)?;
        let currency = q("contributions", "currency");
        let amount = q("contributions", "amount_minor");
        agg.cond(
            Cond::all()
                .add(Expr::cust(format!(
                    "{} <> 'CANCELLED'",
                    q("contributions", "status")
                )))
                .add(Expr::cust(format!("{amount} IS NOT NULL")))
                .add(Expr::cust(format!("{currency} IS NOT NULL"))),
        );
        // The rate in force: MAD is 1; otherwise the latest rate on or before the date's first
        // day (none when the contribution is undated).
        let rate = format!(
            "(CASE WHEN {currency} = 'MAD' THEN CAST(1 AS DOUBLE PRECISION) ELSE (\
             SELECT {r} FROM \"exchange_rates\" WHERE {rc} = {currency} AND {rv} <= {day} \
             ORDER BY {rv} DESC LIMIT 1) END)",
            r = q("exchange_rates", "rate_to_mad"),
            rc = q("exchange_rates", "currency"),
            rv = q("exchange_rates", "valid_from"),
            day = first_day(&date),
        );
        // Stored minor units → MAD centimes: × rate × 10^(2 − the currency's decimals).
        let scale = format!(
            "(CASE WHEN {currency} IN ({}) THEN CAST(100 AS DOUBLE PRECISION) \
             WHEN {currency} IN ({}) THEN CAST(0.1 AS DOUBLE PRECISION) \
             ELSE CAST(1 AS DOUBLE PRECISION) END)",
            quoted_list(&CurrencyCode::NO_MINOR_UNIT),
            quoted_list(&CurrencyCode::THREE_DECIMALS),
        );
        let centimes = format!("{amount} * {rate} * {scale}");
        // Half away from zero on both backends (PostgreSQL's round() on a double rounds half
        // to even; on numeric it rounds away from zero, as SQLite does).
        let rounded = match self.backend() {
            Backend::Sqlite => format!("ROUND({centimes})"),
            Backend::Postgres => format!("ROUND(CAST({centimes} AS NUMERIC))"),
        };
        agg.key(&q("contributions", "contributor_org_id"))
            .key(&currency)
            .count("n", "COUNT(*)")
            .count(
                "converted",
                &format!("SUM(CASE WHEN {rate} IS NULL THEN 0 ELSE 1 END)"),
            )
            .count("mad", &format!("SUM({rounded})"))
            .count(
                "unconverted",
                &format!("SUM(CASE WHEN {rate} IS NULL THEN {amount} ELSE 0 END)"),
            );
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(MadRow {
                    contributor: key(r, 0)?,
                    currency: key(r, 1)?,
                    count: int(r, "n")?,
                    converted: int(r, "converted")?,
                    mad_minor: int(r, "mad")?,
                    unconverted_minor: int(r, "unconverted")?,
                })
            })
            .collect()
    }
}

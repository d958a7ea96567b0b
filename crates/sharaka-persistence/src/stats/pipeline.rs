//! The agreement pipeline's durations and idle agreements.
//!
//! Durations are whole days between two stored dates, counted only when both are full dates
//! (`YYYY-MM-DD`): a year or a month alone cannot give a number of days. A span whose end
//! precedes its start is a data error and is left out rather than pulling the median down.
//!
//! The median is computed in SQL with `ROW_NUMBER()` and `COUNT(*)` windows (SQLite has no median
//! function): with `n` spans sorted, it is the mean of the spans ranked `(n + 1) / 2` and
//! `(n + 2) / 2` in integer division — the middle one when `n` is odd, the mean of the two middle
//! ones when `n` is even (so it may end in `.5`).

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, Order, Query, SelectStatement, WindowStatement,
};

use super::{Agg, StatsFilter, int, q};
use crate::{Backend, Conn, PersistenceError, Store, with_conn};

/// A median number of days and how many spans it is taken over.
#[derive(Debug, Clone, PartialEq)]
pub struct MedianDays {
    /// The median; `None` when no span is known.
    pub median: Option<f64>,
    /// Spans with both dates known in full.
    pub count: i64,
}

/// Which dated step of an agreement to measure from and to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineSpan {
    /// `drafted_on` → `signed_on`.
    DraftToSignature,
    /// `signed_on` → `effective_from` (entry into force).
    SignatureToEntryIntoForce,
}

impl PipelineSpan {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            PipelineSpan::DraftToSignature => ("drafted_on", "signed_on"),
            PipelineSpan::SignatureToEntryIntoForce => ("signed_on", "effective_from"),
        }
    }
}

/// `later − earlier` in whole days, for two `YYYY-MM-DD` texts.
fn days_between(backend: Backend, earlier: &str, later: &str) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
        Backend::Postgres => format!("(CAST({later} AS DATE) - CAST({earlier} AS DATE))"),
    }
}

/// The text of a (possibly partial) date column as its first day, for comparing with full
/// dates: `2021` → `2021-01-01`, `2021-03` → `2021-03-01`.
pub(super) fn first_day(expr: &str) -> String {
    format!(
        "(CASE LENGTH({expr}) WHEN 4 THEN {expr} || '-01-01' WHEN 7 THEN {expr} || '-01' ELSE {expr} END)"
    )
}

impl Store {
    /// The median duration of one step of the agreement pipeline, over the agreements the reader
    /// can see (archived ones left out). Filters: `from`/`to` on the signature (else drafting)
    /// date, `partners` on the parties.
    pub async fn agreement_median_days(
        &self,
        span: PipelineSpan,
        filter: &StatsFilter,
    ) -> Result<MedianDays, PersistenceError> {
        let (start, end) = span.columns();
        let (start, end) = (q("agreements", start), q("agreements", end));
        let mut spans = Agg::from(self, "agreements", true)?;
        self.agreement_filters(&mut spans, filter)?;
        let days = days_between(self.backend(), &start, &end);
        spans.cond(
            Cond::all()
                .add(Expr::cust(format!("LENGTH({start}) = 10")))
                .add(Expr::cust(format!("LENGTH({end}) = 10")))
                .add(Expr::cust(format!("{end} >= {start}"))),
        );
        spans.select.expr_as(Expr::cust(days), Alias::new("d"));

        let mut ranked = Query::select();
        ranked
            .column(Alias::new("d"))
            .expr_window_as(
                Expr::cust("ROW_NUMBER()"),
                WindowStatement::new()
                    .order_by(Alias::new("d"), Order::Asc)
                    .to_owned(),
                Alias::new("rn"),
            )
            .expr_window_as(
                Expr::cust("COUNT(*)"),
                WindowStatement::new(),
                Alias::new("n"),
            )
            .from_subquery(spans.select, Alias::new("spans"));

        let mut median: SelectStatement = Query::select();
        median
            .expr_as(
                Expr::cust("CAST(AVG(\"d\") AS DOUBLE PRECISION)"),
                Alias::new("median"),
            )
            .expr_as(
                Expr::cust("CAST(COALESCE(MAX(\"n\"), 0) AS BIGINT)"),
                Alias::new("n"),
            )
            .from_subquery(ranked, Alias::new("ranked"))
            .and_where(Expr::cust("\"rn\" IN ((\"n\" + 1) / 2, (\"n\" + 2) / 2)"));
        let row =
            with_conn!(self, c => c.query_one(&median).await.map_err(PersistenceError::from))?;
        let Some(row) = row else {
            return Ok(MedianDays {
                median: None,
                count: 0,
            });
        };
        Ok(MedianDays {
            median: row.try_get::<Option<f64>>("", "median")?,
            count: int(&row, "n")?,
        })
    }

    /// ACTIVE agreements with no activity on or after `since` (`YYYY-MM-DD`). Activity is any of
    /// these dated on or after `since` (a partial date counts from its first day), among the
    /// records the reader can see:
    /// - the agreement's own signature or entry into force;
    /// - the actual start or end of a project linked to it;
    /// - the start or end of a training session held under it or under one of its projects
    ///   (cancelled sessions left out);
    /// - the start or end of an exchange visit under it (cancelled visits left out);
    /// - progress recorded on one of its commitments: the day a commitment that has left
    ///   PLANNED was last changed (commitments store no other dated event).
    ///
    /// Contributions are not a source of their own: they carry no date, and are dated by the
    /// session, project or agreement they are for, which are already counted.
    /// Filters: `partners` on the parties (the period does not apply).
    pub async fn agreements_idle(
        &self,
        since: &str,
        filter: &StatsFilter,
    ) -> Result<i64, PersistenceError> {
        let mut agg = Agg::from(self, "agreements", true)?;
        self.agreement_filters(&mut agg, &filter.without_period())?;
        agg.cond(Cond::all().add(Expr::cust(format!(
            "{} = 'ACTIVE'",
            q("agreements", "status")
        ))));
        let since = || Expr::val(since.to_owned());
        let after = |column: String| Expr::cust(first_day(&column)).gte(since());
        let agreement = q("agreements", "id");

        let mut activity = Cond::any()
            .add(after(q("agreements", "signed_on")))
            .add(after(q("agreements", "effective_from")));

        // A dated record linked to the agreement (`linked`): started or ended on or after
        // `since`, and not cancelled where it can be.
        let dated = |table: &'static str,
                     linked: String,
                     (start, end): (&str, &str),
                     cancellable: bool|
         -> Result<Expr, PersistenceError> {
            let mut select = self.scoped_select(table, true)?;
            select.and_where(Expr::cust(linked));
            if cancellable {
                select.and_where(Expr::cust(format!("{} <> 'CANCELLED'", q(table, "status"))));
            }
            select.cond_where(
                Cond::any()
                    .add(after(q(table, start)))
                    .add(after(q(table, end))),
            );
            Ok(Expr::exists(select))
        };

        // Projects linked to the agreement.
        let linked_projects = format!(
            "SELECT {} FROM \"project_agreements\" WHERE {} = {agreement}",
            q("project_agreements", "project_id"),
            q("project_agreements", "agreement_id"),
        );
        activity = activity.add(dated(
            "projects",
            format!("{} IN ({linked_projects})", q("projects", "id")),
            ("actual_start", "actual_end"),
            false,
        )?);
        // Sessions under the agreement or one of its projects.
        activity = activity.add(dated(
            "training_sessions",
            format!(
                "({} = {agreement} OR {} IN ({linked_projects}))",
                q("training_sessions", "agreement_id"),
                q("training_sessions", "project_id"),
            ),
            ("start_date", "end_date"),
            true,
        )?);
        // Exchange visits under the agreement.
        activity = activity.add(dated(
            "exchange_visits",
            format!("{} = {agreement}", q("exchange_visits", "agreement_id")),
            ("start_date", "end_date"),
            true,
        )?);

        // Progress on its commitments: the date part of the last change, on both backends.
        let mut commitments = self.scoped_select("commitments", true)?;
        commitments
            .and_where(Expr::cust(format!(
                "{} = {agreement}",
                q("commitments", "agreement_id")
            )))
            .and_where(Expr::cust(format!(
                "{} <> 'PLANNED'",
                q("commitments", "status")
            )))
            .and_where(
                Expr::cust(format!(
                    "SUBSTR(CAST({} AS TEXT), 1, 10)",
                    q("commitments", "updated_at")
                ))
                .gte(since()),
            );
        activity = activity.add(Expr::exists(commitments));

        agg.cond(Cond::all().not().add(activity));
        agg.count("n", "COUNT(*)");
        let rows = agg.run(self).await?;
        rows.first().map_or(Ok(0), |r| int(r, "n"))
    }

    /// DRAFT agreements drafted before `before` (`YYYY-MM-DD`; a partial drafting date counts
    /// from its first day). Drafts without a drafting date are left out. Filters: `partners` on
    /// the parties.
    pub async fn agreements_stale_drafts(
        &self,
        before: &str,
        filter: &StatsFilter,
    ) -> Result<i64, PersistenceError> {
        let mut agg = Agg::from(self, "agreements", true)?;
        self.agreement_filters(&mut agg, &filter.without_period())?;
        agg.cond(
            Cond::all()
                .add(Expr::cust(format!(
                    "{} = 'DRAFT'",
                    q("agreements", "status")
                )))
                .add(
                    Expr::cust(first_day(&q("agreements", "drafted_on")))
                        .lt(Expr::val(before.to_owned())),
                ),
        );
        agg.count("n", "COUNT(*)");
        let rows = agg.run(self).await?;
        rows.first().map_or(Ok(0), |r| int(r, "n"))
    }

    /// `SELECT 1 FROM table` with the table's visibility rule, without archived rows when asked:
    /// the body of an `EXISTS`.
    fn scoped_select(
        &self,
        table: &'static str,
        archived: bool,
    ) -> Result<SelectStatement, PersistenceError> {
        let mut agg = Agg::from(self, table, archived)?;
        agg.select.expr(Expr::cust("1"));
        Ok(agg.select)
    }
}

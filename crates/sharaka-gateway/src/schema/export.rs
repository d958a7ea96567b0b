//! `export`: the main lists as CSV, and projects as IATI 2.03 activity XML (DOMAIN.md §1.4).
//!
//! Both read through the request's scoped store with the lists' own filters, so an export never
//! holds a record its reader could not list. CSV is UTF-8 with a byte-order mark (so spreadsheet
//! programs show Arabic correctly), written by the `csv` crate; a text value starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so that a spreadsheet never
//! evaluates it as a formula. Ids are local ids (`org:dgapr`), readable in a spreadsheet.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use async_graphql::{Context, Object, Result};
use sharaka_domain::{self as domain, Coded, IatiCoded, LocalizedText, PartialDate};
use sharaka_persistence::relations as rel;
use sharaka_persistence::{Filter, ListQuery, Resource, Store, Value};

use super::context::deps;
use super::filters::*;

mod rows;

use crate::error::{ApiError, GqlResultExt};
pub use rows::CsvRecord;

/// Most rows one export returns; narrow the filter beyond it.
pub const MAX_EXPORT_ROWS: u64 = 10_000;
const BATCH: u64 = 500;

/// Exports of the lists, with the lists' filters and access rules.
#[derive(Default)]
pub struct ExportQuery;

/// Every record of `R` the filter keeps, in id order, read in batches (each from where the
/// last ended).
async fn all<R: Resource>(
    store: &Store,
    filter: Option<Filter>,
    include_archived: bool,
) -> Result<Vec<R>, ApiError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = store
            .list_after::<R>(
                filter.as_ref(),
                include_archived,
                &[],
                after.as_deref(),
                BATCH,
            )
            .await?;
        let done = (batch.len() as u64) < BATCH;
        after = batch.last().map(|(id, _)| id.clone());
        out.extend(batch.into_iter().map(|(_, record)| record));
        if out.len() as u64 > MAX_EXPORT_ROWS {
            return Err(ApiError::bad_input(format!(
                "an export holds at most {MAX_EXPORT_ROWS} rows; narrow the filter"
            )));
        }
        if done {
            return Ok(out);
        }
    }
}

/// Neutralises spreadsheet formulas: `=1+1` becomes `'=1+1`.
pub fn neutralise(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn codes<T: Coded>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// The UTF-8 byte-order mark that opens every CSV export, so that spreadsheet programs read
/// Arabic correctly.
pub const BOM: &str = "\u{feff}";

/// Writes `rows` (neutralised) as CSV lines, after `header` when given: one chunk of an export.
pub fn csv_chunk(
    header: Option<&[&str]>,
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    if let Some(header) = header {
        writer.write_record(header).map_err(internal)?;
    }
    for row in rows {
        writer
            .write_record(row.iter().map(|v| neutralise(v)))
            .map_err(internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

/// Every record of `R` the filter keeps, as one CSV text with a byte-order mark.
async fn csv_of<R: CsvRecord>(
    ctx: &Context<'_>,
    filter: Option<Filter>,
    include_archived: bool,
) -> Result<String> {
    let records = all::<R>(&deps(ctx).store, filter, include_archived)
        .await
        .gql()?;
    let bytes = csv_chunk(Some(R::HEADER), records.iter().map(R::csv_row)).gql()?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))
        .gql()?;
    Ok(format!("{BOM}{text}"))
}

fn filter_of<F>(
    input: &Option<F>,
    convert: impl Fn(&F) -> Result<Filter, ApiError>,
) -> Result<Option<Filter>> {
    input.as_ref().map(convert).transpose().gql()
}

/// Exports of the lists with their filters and access rules: CSV (UTF-8 with BOM, formulas
/// neutralised) and IATI 2.03 activity XML.
#[Object(name = "Exports")]
impl ExportQuery {
    /// Organisations as CSV (UTF-8 with BOM), with `organisations`' filter.
    async fn organisations_csv(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganisationFilter>,
        #[graphql(default)] include_archived: bool,
    ) -> Result<String> {
        let f = filter_of(&filter, OrganisationFilter::to_filter)?;
        csv_of::<domain::Organisation>(ctx, f, include_archived).await
    }

    /// Agreements as CSV (UTF-8 with BOM), with `agreements`' filter.
    async fn agreements_csv(
        &self,
        ctx: &Context<'_>,
        filter: Option<AgreementFilter>,
        #[graphql(default)] include_archived: bool,
    ) -> Result<String> {
        let f = filter_of(&filter, AgreementFilter::to_filter)?;
        csv_of::<domain::Agreement>(ctx, f, include_archived).await
    }

    /// Projects as CSV (UTF-8 with BOM), with `projects`' filter.
    async fn projects_csv(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilter>,
        #[graphql(default)] include_archived: bool,
    ) -> Result<String> {
        let f = filter_of(&filter, ProjectFilter::to_filter)?;
        csv_of::<domain::Project>(ctx, f, include_archived).await
    }

    /// Training sessions as CSV (UTF-8 with BOM), with `trainingSessions`' filter.
    async fn training_sessions_csv(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingSessionFilter>,
        #[graphql(default)] include_archived: bool,
    ) -> Result<String> {
        let f = filter_of(&filter, TrainingSessionFilter::to_filter)?;
        csv_of::<domain::TrainingSession>(ctx, f, include_archived).await
    }

    /// Projects as an IATI 2.03 `iati-activities` document (DOMAIN.md §1.4), with `projects`'
    /// filter: participating organisations with their roles, status, dates, sectors, Morocco as
    /// recipient country, sites as locations and cash contributions as incoming transactions
    /// (pledge 13, commitment 11, incoming funds 1).
    async fn iati_activities_xml(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilter>,
    ) -> Result<String> {
        let f = filter_of(&filter, ProjectFilter::to_filter)?;
        iati_xml(&deps(ctx).store, f).await.gql()
    }
}

/// Escapes text for XML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// `<narrative xml:lang="…">` for each language present (at least one, possibly empty).
fn narratives(out: &mut String, text: &LocalizedText, fallback: &str) {
    let mut any = false;
    for (lang, value) in [("fr", &text.fr), ("ar", &text.ar), ("en", &text.en)] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            let _ = write!(out, "<narrative xml:lang=\"{lang}\">{}</narrative>", esc(v));
            any = true;
        }
    }
    if !any {
        let _ = write!(out, "<narrative>{}</narrative>", esc(fallback));
    }
}

/// An organisation's IATI reference: its first registry identifier, else its local id.
fn org_ref(org: &domain::Organisation) -> String {
    org.identifiers
        .first()
        .map(|i| format!("{}-{}", i.scheme, i.value))
        .unwrap_or_else(|| org.id.to_string())
}

fn org_type(org: &domain::Organisation) -> String {
    org.iati_org_type
        .map(|t| t.iati_code().to_string())
        .unwrap_or_else(|| "90".into())
}

mod results;

async fn iati_xml(store: &Store, filter: Option<Filter>) -> Result<String, ApiError> {
    let projects = all::<domain::Project>(store, filter, false).await?;
    let ids: Vec<String> = projects.iter().map(|p| p.id.to_string()).collect();
    let children = ListQuery::first(1_000);
    let mut participants = HashMap::new();
    let mut sectors = HashMap::new();
    let mut sites = HashMap::new();
    let mut contributions = HashMap::new();
    // A bounded number of statements per batch of projects, whatever their number.
    for chunk in ids.chunks(BATCH as usize) {
        participants.extend(
            store
                .children::<domain::ProjectParticipant>(
                    &rel::PROJECT_PARTICIPANTS,
                    chunk,
                    &children,
                )
                .await?,
        );
        sectors.extend(
            store
                .children::<domain::ProjectSector>(&rel::PROJECT_SECTORS, chunk, &children)
                .await?,
        );
        sites.extend(
            store
                .children::<domain::Site>(&rel::PROJECT_SITES, chunk, &children)
                .await?,
        );
        contributions.extend(
            store
                .children::<domain::Contribution>(&rel::PROJECT_CONTRIBUTIONS, chunk, &children)
                .await?,
        );
    }
    let results = results::load(store, &ids).await?;
    let org_ids: BTreeSet<String> = participants
        .values()
        .flatten()
        .map(|p| p.organisation_id.to_string())
        .chain(
            contributions
                .values()
                .flatten()
                .map(|c| c.contributor_id.to_string()),
        )
        .collect();
    let org_ids: Vec<String> = org_ids.into_iter().collect();
    let mut orgs: HashMap<String, domain::Organisation> = HashMap::new();
    for chunk in org_ids.chunks(BATCH as usize) {
        orgs.extend(store.by_ids::<domain::Organisation>(chunk).await?);
    }
    let home = store
        .list::<domain::Organisation>(&ListQuery {
            filter: Some(Filter::Compare {
                field: "is_home",
                op: sharaka_persistence::Op::Eq,
                value: Value::Bool(true),
            }),
            ..ListQuery::first(1)
        })
        .await?
        .into_iter()
        .next();
    let (reporting_ref, reporting_type, reporting_name) = match &home {
        Some(org) => (org_ref(org), org_type(org), org.name.clone()),
        None => (
            "MA-DGAPR".to_owned(),
            "10".to_owned(),
            LocalizedText::default(),
        ),
    };

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"{now}\">\n"
    );
    let empty = Vec::new();
    for p in &projects {
        let id = p.id.to_string();
        let identifier = p
            .iati_identifier
            .clone()
            .unwrap_or_else(|| format!("{reporting_ref}-{id}"));
        let updated = p
            .meta
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let _ = write!(
            out,
            "<iati-activity last-updated-datetime=\"{updated}\" xml:lang=\"fr\" default-currency=\"MAD\">"
        );
        let _ = write!(
            out,
            "<iati-identifier>{}</iati-identifier>",
            esc(&identifier)
        );
        let _ = write!(
            out,
            "<reporting-org ref=\"{}\" type=\"{}\">",
            esc(&reporting_ref),
            esc(&reporting_type)
        );
        narratives(&mut out, &reporting_name, "DGAPR");
        out.push_str("</reporting-org><title>");
        narratives(&mut out, &p.title, &id);
        out.push_str("</title><description type=\"1\">");
        narratives(&mut out, &p.description, "");
        out.push_str("</description>");
        let parts = participants.get(&id).unwrap_or(&empty);
        if parts.is_empty() {
            // participating-org is required; the reporting organisation is at least accountable.
            let _ = write!(
                out,
                "<participating-org role=\"2\" ref=\"{}\" type=\"{}\">",
                esc(&reporting_ref),
                esc(&reporting_type)
            );
            narratives(&mut out, &reporting_name, "DGAPR");
            out.push_str("</participating-org>");
        }
        for part in parts {
            let org = orgs.get(part.organisation_id.as_str());
            let _ = write!(out, "<participating-org role=\"{}\"", part.role.iati_code());
            if let Some(org) = org {
                let _ = write!(
                    out,
                    " ref=\"{}\" type=\"{}\">",
                    esc(&org_ref(org)),
                    esc(&org_type(org))
                );
                narratives(&mut out, &org.name, org.id.as_str());
            } else {
                out.push('>');
                let _ = write!(
                    out,
                    "<narrative>{}</narrative>",
                    esc(part.organisation_id.as_str())
                );
            }
            out.push_str("</participating-org>");
        }
        let _ = write!(out, "<activity-status code=\"{}\"/>", p.status.iati_code());
        let dates: [(u8, &Option<PartialDate>, bool); 4] = [
            (1, &p.dates.planned_start, false),
            (2, &p.dates.actual_start, false),
            (3, &p.dates.planned_end, true),
            (4, &p.dates.actual_end, true),
        ];
        let mut dated = false;
        for (kind, date, end) in dates {
            if let Some(d) = date {
                let iso = if end { d.latest() } else { d.earliest() };
                let _ = write!(out, "<activity-date type=\"{kind}\" iso-date=\"{iso}\"/>");
                dated = true;
            }
        }
        if !dated {
            // activity-date is required: without a known date, the record's creation stands in
            // as the planned start.
            let _ = write!(
                out,
                "<activity-date type=\"1\" iso-date=\"{}\"/>",
                p.meta.created_at.date_naive()
            );
        }
        out.push_str("<recipient-country code=\"MA\" percentage=\"100\"/>");
        for site in sites.get(&id).unwrap_or(&Vec::new()) {
            let _ = write!(out, "<location ref=\"{}\">", esc(site.id.as_str()));
            out.push_str("<location-reach code=\"1\"/><name>");
            narratives(&mut out, &site.name, site.id.as_str());
            out.push_str("</name>");
            if let Some(region) = &site.region_id {
                // ISO 3166-2 region code, first-level administrative division.
                let _ = write!(
                    out,
                    "<administrative vocabulary=\"A9\" level=\"1\" code=\"{}\"/>",
                    esc(region.as_str())
                );
            }
            let feature = match site.site_type {
                domain::SiteType::ReformEducationCentre
                | domain::SiteType::ChildProtectionCentre => "PRNJ",
                domain::SiteType::LocalPrison
                | domain::SiteType::CentralPrison
                | domain::SiteType::AgriculturalPrison => "PRN",
                domain::SiteType::TrainingCentre => "SCHT",
                _ => "FCL",
            };
            let _ = write!(
                out,
                "<location-class code=\"2\"/><feature-designation code=\"{feature}\"/></location>"
            );
        }
        for s in sectors.get(&id).unwrap_or(&Vec::new()) {
            let _ = write!(
                out,
                "<sector vocabulary=\"{}\" code=\"{}\"",
                s.vocabulary,
                esc(&s.code)
            );
            if let Some(pc) = s.percentage {
                let _ = write!(out, " percentage=\"{pc}\"");
            }
            out.push_str("/>");
        }
        let transaction_date = p
            .dates
            .actual_start
            .or(p.dates.planned_start)
            .map(|d| d.earliest())
            .unwrap_or_else(|| p.meta.created_at.date_naive());
        for c in contributions.get(&id).unwrap_or(&Vec::new()) {
            let (domain::ContributionType::Cash, Some(value)) = (c.contribution_type, &c.value)
            else {
                continue;
            };
            let kind = match c.status {
                domain::ContributionStatus::Pledged => 13,
                domain::ContributionStatus::Committed => 11,
                domain::ContributionStatus::Delivered
                | domain::ContributionStatus::PartiallyDelivered => 1,
                domain::ContributionStatus::Cancelled => continue,
            };
            let _ = write!(
                out,
                "<transaction ref=\"{}\"><transaction-type code=\"{kind}\"/><transaction-date iso-date=\"{transaction_date}\"/><value currency=\"{}\" value-date=\"{transaction_date}\">{}</value>",
                esc(c.id.as_str()),
                esc(value.currency.as_str()),
                value.amount
            );
            if let Some(org) = orgs.get(c.contributor_id.as_str()) {
                let _ = write!(
                    out,
                    "<provider-org ref=\"{}\" type=\"{}\">",
                    esc(&org_ref(org)),
                    esc(&org_type(org))
                );
                narratives(&mut out, &org.name, org.id.as_str());
                out.push_str("</provider-org>");
            }
            out.push_str("<finance-type code=\"110\"/></transaction>");
        }
        results::write_results(&mut out, &id, &results);
        out.push_str("</iati-activity>\n");
    }
    out.push_str("</iati-activities>\n");
    Ok(out)
}

//! Which columns a page reads, nested or at the root: those of the fields its selection asks
//! for (see `sharaka_persistence::Columns`).
//!
//! A dashboard asks each training session of a page for its audience and start date; the
//! session has two dozen columns. [`Reads::READS`] says, for the node types dashboards list and
//! nest most, which columns each field's resolver reads beyond those every record is read with
//! (its id and codes). A page whose selection holds a field that is not listed reads every
//! column, so a field added later is answered correctly before it is listed. The integration
//! test `read_model::lean_pages_answer_as_full_records_do` asks every field of these types
//! alone through a root list and a nested page and compares it with the record read whole.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_graphql::{Context, SelectionField};
use sharaka_domain as domain;
use sharaka_persistence::{Columns, Resource};

/// Columns each field reads.
type FieldColumns = &'static [(&'static str, &'static [&'static str])];

/// A record type whose pages, at the root or nested, read only the columns their selection
/// needs.
pub trait Reads: Resource {
    /// Each GraphQL field of the record's node type, with the columns its resolver reads
    /// beyond [`Resource::NEEDED`]. Empty: every page reads every column.
    const READS: FieldColumns = &[];
}

/// The columns each connection field of the operation reads, worked out once per request
/// ([`selected`]): a dashboard resolves the same nested connection for hundreds of parents.
/// Keyed by the field's place in the operation and the record type; the answer depends on the
/// request's variables (`@skip`, `@include`), so it is kept for one request only. Attached to
/// each request by `App::execute_as`; without it every connection works its columns out.
#[derive(Debug, Default)]
pub struct SelectedColumns(Mutex<HashMap<(usize, TypeId), Columns>>);

/// The columns `R`'s page under the current connection field (at the root or nested) reads:
/// those of the fields selected on its `nodes` and `edges { node }` (through fragments), or
/// every column.
pub fn selected<R: Reads + 'static>(ctx: &Context<'_>) -> Columns {
    if R::READS.is_empty() {
        return Columns::ALL;
    }
    let Some(cache) = ctx.data_opt::<SelectedColumns>() else {
        return selected_now::<R>(ctx);
    };
    let key = (std::ptr::from_ref(ctx.item) as usize, TypeId::of::<R>());
    // Worked out under the lock: it reads the selection only, and nothing in it panics.
    let mut known = cache.0.lock().unwrap_or_else(PoisonError::into_inner);
    *known.entry(key).or_insert_with(|| selected_now::<R>(ctx))
}

/// [`selected`], worked out from the selection.
fn selected_now<R: Reads>(ctx: &Context<'_>) -> Columns {
    let mut wanted: Vec<&'static str> = Vec::new();
    for part in ctx.field().selection_set() {
        let complete = match part.name() {
            "nodes" => reads(R::READS, part, &mut wanted),
            "edges" => part
                .selection_set()
                .filter(|edge| edge.name() == "node")
                .all(|node| reads(R::READS, node, &mut wanted)),
            _ => true,
        };
        if !complete {
            return Columns::ALL;
        }
    }
    Columns::of::<R>(wanted)
}

/// Adds the columns of the fields selected on `node`; `false` when one is not listed.
fn reads(listed: FieldColumns, node: SelectionField<'_>, wanted: &mut Vec<&'static str>) -> bool {
    for field in node.selection_set() {
        let name = field.name();
        if name == "__typename" {
            continue;
        }
        match listed.iter().find(|(listed, _)| *listed == name) {
            Some((_, columns)) => wanted.extend_from_slice(columns),
            None => return false,
        }
    }
    true
}

/// Fields every record type answers alike, and those given.
macro_rules! with_meta {
    ($($field:literal => [$($column:literal),*]),* $(,)?) => {
        &[
            ("id", &[]),
            ("version", &["version"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("archivedAt", &["archived_at"]),
            ("history", &[]),
            $(($field, &[$($column),*]),)*
        ]
    };
}

impl Reads for domain::Organisation {
    const READS: FieldColumns = with_meta![
        "localId" => [],
        "name" => ["name_ar", "name_fr", "name_en"],
        "acronym" => ["acronym"],
        "category" => [], "categoryLabel" => [],
        "iatiOrgType" => ["iati_org_type"],
        "iatiOrgTypeCode" => ["iati_org_type"],
        "iatiOrgTypeLabel" => ["iati_org_type"],
        "legalNature" => ["legal_nature"],
        "countryCode" => ["country_code"],
        "foundedOn" => ["founded_on"],
        "website" => ["website"],
        "description" => ["description_ar", "description_fr", "description_en"],
        "identifiers" => [],
        "isHome" => ["is_home"],
        "demo" => ["demo"],
        "parent" => ["parent_id"],
        "children" => [], "partnerships" => [], "homePartnerships" => [], "agreements" => [],
        "agreementParties" => [], "commitments" => [], "projects" => [], "participations" => [],
        "sites" => [], "trainingSessionsOrganised" => [], "trainingSessionsProvided" => [],
        "contributions" => [], "visitsHosted" => [], "visitsMade" => [],
    ];
}

impl Reads for domain::Partnership {
    const READS: FieldColumns = with_meta![
        "localId" => [],
        "scope" => [], "scopeLabel" => [],
        "modality" => [], "modalityLabel" => [],
        "themes" => [],
        "since" => ["since"],
        "status" => [], "statusLabel" => [],
        "isStrategic" => ["is_strategic"],
        "home" => ["home_org_id"],
        "partner" => ["partner_org_id"],
        "agreements" => [],
    ];
}

impl Reads for domain::Agreement {
    const READS: FieldColumns = with_meta![
        "localId" => [],
        "reference" => ["reference"],
        "agreementType" => [], "agreementTypeLabel" => [],
        "status" => [], "statusLabel" => [],
        "title" => ["title_ar", "title_fr", "title_en"],
        "objectives" => ["objectives_ar", "objectives_fr", "objectives_en"],
        "themes" => [],
        "draftedOn" => ["drafted_on"],
        "agreedOn" => ["agreed_on"],
        "signedOn" => ["signed_on"],
        "effectiveFrom" => ["effective_from"],
        "effectiveTo" => ["effective_to"],
        "terminatedOn" => ["terminated_on"],
        "demo" => ["demo"],
        "parent" => ["parent_agreement_id"],
        "supersedes" => ["supersedes_id"],
        "children" => [], "partnerships" => [], "parties" => [], "commitments" => [],
        "projects" => [], "trainingSessions" => [], "contributions" => [],
        "exchangeVisits" => [],
    ];
}

impl Reads for domain::AgreementParty {
    const READS: FieldColumns = with_meta![
        "role" => [], "roleLabel" => [],
        "signedOn" => ["signed_on"],
        "organisation" => ["organisation_id"],
        "agreement" => ["agreement_id"],
    ];
}

impl Reads for domain::Commitment {
    const READS: FieldColumns = with_meta![
        "kind" => [], "kindLabel" => [],
        "description" => ["description_ar", "description_fr", "description_en"],
        "dueOn" => ["due_on"],
        "status" => [], "statusLabel" => [],
        "overdue" => ["due_on"],
        "illustrative" => ["illustrative"],
        "party" => ["party_org_id"],
        "agreement" => ["agreement_id"],
    ];
}

impl Reads for domain::Project {
    const READS: FieldColumns = with_meta![
        "localId" => [],
        "iatiIdentifier" => ["iati_identifier"],
        "title" => ["title_ar", "title_fr", "title_en"],
        "description" => ["description_ar", "description_fr", "description_en"],
        "status" => [], "statusCode" => [], "statusLabel" => [],
        "plannedStart" => ["planned_start"],
        "actualStart" => ["actual_start"],
        "plannedEnd" => ["planned_end"],
        "actualEnd" => ["actual_end"],
        "demo" => ["demo"],
        "parent" => ["parent_project_id"],
        "children" => [], "participants" => [], "sectors" => [], "sites" => [],
        "regions" => [], "agreements" => [], "results" => [], "trainingSessions" => [],
        "contributions" => [], "exchangeVisits" => [],
    ];
}

impl Reads for domain::TrainingSession {
    const READS: FieldColumns = with_meta![
        "localId" => [],
        "title" => ["title_ar", "title_fr", "title_en"],
        "audience" => [], "audienceLabel" => [],
        "staffCategory" => ["staff_category"],
        "topics" => [], "topicLabels" => [],
        "deliveryMode" => ["delivery_mode"],
        "venueCountry" => ["venue_country"],
        "venueCity" => ["venue_city"],
        "startDate" => ["start_date"],
        "endDate" => ["end_date"],
        "contactHours" => ["contact_hours"],
        "status" => [], "statusLabel" => [],
        "seriesId" => ["series_id"],
        "cycleNumber" => ["cycle_number"],
        "tallies" => ["tallies"],
        "participants" => ["contact_hours", "tallies"],
        "participantHours" => ["contact_hours", "tallies"],
        "project" => ["project_id"],
        "agreement" => ["agreement_id"],
        "organiser" => ["organiser_org_id"],
        "venue" => ["venue_site_id"],
        "providers" => [], "contributions" => [],
    ];
}

/// Record types whose pages read every column.
macro_rules! reads_every_column {
    ($($record:ty),* $(,)?) => {
        $(impl Reads for $record {})*
    };
}

reads_every_column!(
    domain::Region,
    domain::Site,
    domain::ProjectParticipant,
    domain::ProjectSector,
    domain::Contribution,
    domain::Tally,
    domain::ExchangeVisit,
    domain::DelegationTally,
    domain::ProjectResult,
    domain::Indicator,
    domain::IndicatorPeriod,
    domain::PeriodValue,
    sharaka_persistence::audit::AuditEvent,
);

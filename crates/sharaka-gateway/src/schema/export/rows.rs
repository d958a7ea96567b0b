//! The CSV columns of each exported list, shared by the GraphQL `exports` fields and the streaming
//! `GET /export/{list}.csv` endpoint, so that both give the same file for the same filter.

use sharaka_domain::{self as domain, Coded, IatiCoded, LocalizedText};
use sharaka_persistence::Resource;

use super::{codes, opt};

/// A record that has a CSV row.
pub trait CsvRecord: Resource {
    /// The header line.
    const HEADER: &'static [&'static str];
    /// The record's row, in the header's order (not yet neutralised).
    fn csv_row(&self) -> Vec<String>;
}

fn texts(t: &LocalizedText) -> [String; 3] {
    [opt(&t.ar), opt(&t.fr), opt(&t.en)]
}

fn country(code: &Option<domain::CountryCode>) -> String {
    code.as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default()
}

impl CsvRecord for domain::Organisation {
    const HEADER: &'static [&'static str] = &[
        "id",
        "acronym",
        "name_ar",
        "name_fr",
        "name_en",
        "category",
        "iati_org_type",
        "legal_nature",
        "country",
        "parent_id",
        "founded_on",
        "website",
        "is_home",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.name);
        vec![
            self.id.to_string(),
            opt(&self.acronym),
            ar,
            fr,
            en,
            self.category.code().to_owned(),
            self.iati_org_type
                .map(|t| t.iati_code().to_string())
                .unwrap_or_default(),
            self.legal_nature
                .map(|l| l.code().to_owned())
                .unwrap_or_default(),
            country(&self.country_code),
            opt(&self.parent_id),
            opt(&self.founded_on),
            opt(&self.website),
            self.is_home.to_string(),
        ]
    }
}

impl CsvRecord for domain::Partnership {
    const HEADER: &'static [&'static str] = &[
        "id",
        "home_org_id",
        "partner_org_id",
        "scope",
        "modality",
        "themes",
        "since",
        "status",
        "is_strategic",
    ];

    fn csv_row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.home_org_id.to_string(),
            self.partner_org_id.to_string(),
            self.scope.code().to_owned(),
            self.modality.code().to_owned(),
            codes(&self.themes),
            opt(&self.since),
            self.status.code().to_owned(),
            self.is_strategic.to_string(),
        ]
    }
}

impl CsvRecord for domain::Agreement {
    const HEADER: &'static [&'static str] = &[
        "id",
        "reference",
        "type",
        "status",
        "title_ar",
        "title_fr",
        "title_en",
        "themes",
        "drafted_on",
        "signed_on",
        "effective_from",
        "effective_to",
        "terminated_on",
        "parent_id",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.title);
        vec![
            self.id.to_string(),
            opt(&self.reference),
            self.agreement_type.code().to_owned(),
            self.status.code().to_owned(),
            ar,
            fr,
            en,
            codes(&self.themes),
            opt(&self.dates.drafted_on),
            opt(&self.dates.signed_on),
            opt(&self.dates.effective_from),
            opt(&self.dates.effective_to),
            opt(&self.dates.terminated_on),
            opt(&self.parent_id),
        ]
    }
}

impl CsvRecord for domain::Project {
    const HEADER: &'static [&'static str] = &[
        "id",
        "iati_identifier",
        "title_ar",
        "title_fr",
        "title_en",
        "status",
        "status_code",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "parent_id",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.title);
        vec![
            self.id.to_string(),
            opt(&self.iati_identifier),
            ar,
            fr,
            en,
            self.status.code().to_owned(),
            self.status.iati_code().to_string(),
            opt(&self.dates.planned_start),
            opt(&self.dates.actual_start),
            opt(&self.dates.planned_end),
            opt(&self.dates.actual_end),
            opt(&self.parent_id),
        ]
    }
}

impl CsvRecord for domain::Contribution {
    const HEADER: &'static [&'static str] = &[
        "id",
        "contributor_id",
        "project_id",
        "agreement_id",
        "training_session_id",
        "type",
        "description_ar",
        "description_fr",
        "description_en",
        "quantity",
        "unit",
        "amount",
        "currency",
        "status",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.description);
        vec![
            self.id.to_string(),
            self.contributor_id.to_string(),
            opt(&self.project_id),
            opt(&self.agreement_id),
            opt(&self.training_session_id),
            self.contribution_type.code().to_owned(),
            ar,
            fr,
            en,
            opt(&self.quantity),
            opt(&self.unit),
            self.value
                .as_ref()
                .map(|m| m.amount.to_string())
                .unwrap_or_default(),
            self.value
                .as_ref()
                .map(|m| m.currency.as_str().to_owned())
                .unwrap_or_default(),
            self.status.code().to_owned(),
        ]
    }
}

impl CsvRecord for domain::TrainingSession {
    const HEADER: &'static [&'static str] = &[
        "id",
        "title_ar",
        "title_fr",
        "title_en",
        "audience",
        "staff_category",
        "topics",
        "delivery_mode",
        "venue_site_id",
        "venue_country",
        "venue_city",
        "start_date",
        "end_date",
        "contact_hours",
        "status",
        "project_id",
        "agreement_id",
        "organiser_id",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.title);
        vec![
            self.id.to_string(),
            ar,
            fr,
            en,
            self.audience.code().to_owned(),
            self.staff_category
                .map(|c| c.code().to_owned())
                .unwrap_or_default(),
            codes(&self.topics),
            self.delivery_mode
                .map(|m| m.code().to_owned())
                .unwrap_or_default(),
            opt(&self.venue_site_id),
            country(&self.venue_country),
            opt(&self.venue_city),
            opt(&self.start_date),
            opt(&self.end_date),
            opt(&self.contact_hours),
            self.status.code().to_owned(),
            opt(&self.project_id),
            opt(&self.agreement_id),
            opt(&self.organiser_id),
        ]
    }
}

impl CsvRecord for domain::ExchangeVisit {
    const HEADER: &'static [&'static str] = &[
        "id",
        "title_ar",
        "title_fr",
        "title_en",
        "direction",
        "type",
        "host_id",
        "visitor_id",
        "country",
        "start_date",
        "end_date",
        "topics",
        "status",
        "project_id",
        "agreement_id",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.title);
        vec![
            self.id.to_string(),
            ar,
            fr,
            en,
            self.direction.code().to_owned(),
            self.visit_type.code().to_owned(),
            opt(&self.host_id),
            opt(&self.visitor_id),
            country(&self.country_code),
            opt(&self.start_date),
            opt(&self.end_date),
            codes(&self.topics),
            self.status.code().to_owned(),
            opt(&self.project_id),
            opt(&self.agreement_id),
        ]
    }
}

impl CsvRecord for domain::Site {
    const HEADER: &'static [&'static str] = &[
        "id",
        "type",
        "name_ar",
        "name_fr",
        "name_en",
        "operator_id",
        "region_id",
        "city",
        "parent_id",
        "status",
        "opened_on",
    ];

    fn csv_row(&self) -> Vec<String> {
        let [ar, fr, en] = texts(&self.name);
        vec![
            self.id.to_string(),
            self.site_type.code().to_owned(),
            ar,
            fr,
            en,
            opt(&self.operator_id),
            opt(&self.region_id),
            opt(&self.city),
            opt(&self.parent_id),
            self.status.code().to_owned(),
            opt(&self.opened_on),
        ]
    }
}

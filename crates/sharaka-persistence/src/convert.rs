//! Row → domain conversions. Stored codes and dates were validated when written; a row that no
//! longer parses is reported as [`PersistenceError::Corrupt`] rather than guessed at.

use sharaka_domain::*;
use std::borrow::Cow;

use crate::entities::*;
use crate::error::PersistenceError;

type R<T> = Result<T, PersistenceError>;

fn corrupt(table: &'static str, id: &str, reason: impl ToString) -> PersistenceError {
    PersistenceError::Corrupt {
        table,
        id: id.to_owned(),
        reason: reason.to_string(),
    }
}

fn code<T: Coded>(table: &'static str, id: &str, raw: &str) -> R<T> {
    T::parse(raw).map_err(|e| corrupt(table, id, e))
}

fn opt_code<T: Coded>(table: &'static str, id: &str, raw: Option<&str>) -> R<Option<T>> {
    raw.map(|r| code(table, id, r)).transpose()
}

fn date(table: &'static str, id: &str, raw: Option<&str>) -> R<Option<PartialDate>> {
    raw.map(|r| r.parse::<PartialDate>().map_err(|e| corrupt(table, id, e)))
        .transpose()
}

fn tags<T: Coded>(table: &'static str, id: &str, raw: &str) -> R<Vec<T>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| code(table, id, s))
        .collect()
}

fn country(table: &'static str, id: &str, raw: Option<&str>) -> R<Option<CountryCode>> {
    raw.map(|r| CountryCode::parse(r).map_err(|e| corrupt(table, id, e)))
        .transpose()
}

fn text(ar: Option<String>, fr: Option<String>, en: Option<String>) -> LocalizedText {
    LocalizedText::new(ar, fr, en)
}

macro_rules! meta {
    ($m:expr) => {
        RecordMeta {
            version: $m.version,
            created_at: $m.created_at,
            updated_at: $m.updated_at,
            archived_at: $m.archived_at,
            demo: $m.demo,
        }
    };
}

pub(crate) fn organisation(m: organisations::Model) -> R<Organisation> {
    const T: &str = "organisations";
    let id = m.id.as_str();
    Ok(Organisation {
        category: code(T, id, &m.category)?,
        iati_org_type: m
            .iati_org_type
            .map(|c| OrganisationType::from_iati_code(c).map_err(|e| corrupt(T, id, e)))
            .transpose()?,
        legal_nature: opt_code(T, id, m.legal_nature.as_deref())?,
        country_code: country(T, id, m.country_code.as_deref())?,
        founded_on: date(T, id, m.founded_on.as_deref())?,
        identifiers: serde_json::from_str(&m.identifiers).map_err(|e| corrupt(T, id, e))?,
        name: text(m.name_ar, m.name_fr, m.name_en),
        description: text(m.description_ar, m.description_fr, m.description_en),
        acronym: m.acronym,
        parent_id: m.parent_id.map(OrganisationId::from_trusted),
        website: m.website,
        is_home: m.is_home,
        meta: meta!(m),
        id: OrganisationId::from_trusted(m.id),
    })
}

pub(crate) fn region(m: regions::Model) -> R<Region> {
    Ok(Region {
        name: text(m.name_ar, m.name_fr, m.name_en),
        capital: text(m.capital_ar, m.capital_fr, m.capital_en),
        meta: meta!(m),
        id: RegionId::from_trusted(m.id),
    })
}

pub(crate) fn site(m: sites::Model) -> R<Site> {
    const T: &str = "sites";
    let id = m.id.as_str();
    Ok(Site {
        site_type: code(T, id, &m.site_type)?,
        status: code(T, id, &m.status)?,
        opened_on: date(T, id, m.opened_on.as_deref())?,
        name: text(m.name_ar, m.name_fr, m.name_en),
        operator_id: m.operator_org_id.map(OrganisationId::from_trusted),
        region_id: m.region_id.map(RegionId::from_trusted),
        city: m.city,
        parent_id: m.parent_site_id.map(SiteId::from_trusted),
        meta: meta!(m),
        id: SiteId::from_trusted(m.id),
    })
}

pub(crate) fn partnership(m: partnerships::Model) -> R<Partnership> {
    const T: &str = "partnerships";
    let id = m.id.as_str();
    Ok(Partnership {
        scope: code(T, id, &m.scope)?,
        modality: code(T, id, &m.modality)?,
        themes: tags(T, id, &m.themes)?,
        since: date(T, id, m.since.as_deref())?,
        status: code(T, id, &m.status)?,
        home_org_id: OrganisationId::from_trusted(m.home_org_id),
        partner_org_id: OrganisationId::from_trusted(m.partner_org_id),
        is_strategic: m.is_strategic,
        meta: meta!(m),
        id: PartnershipId::from_trusted(m.id),
    })
}

pub(crate) fn agreement(m: agreements::Model) -> R<Agreement> {
    const T: &str = "agreements";
    let id = m.id.as_str();
    Ok(Agreement {
        agreement_type: code(T, id, &m.agreement_type)?,
        status: code(T, id, &m.status)?,
        themes: tags(T, id, &m.themes)?,
        dates: AgreementDates {
            drafted_on: date(T, id, m.drafted_on.as_deref())?,
            agreed_on: date(T, id, m.agreed_on.as_deref())?,
            signed_on: date(T, id, m.signed_on.as_deref())?,
            effective_from: date(T, id, m.effective_from.as_deref())?,
            effective_to: date(T, id, m.effective_to.as_deref())?,
            terminated_on: date(T, id, m.terminated_on.as_deref())?,
        },
        reference: m.reference,
        title: text(m.title_ar, m.title_fr, m.title_en),
        objectives: text(m.objectives_ar, m.objectives_fr, m.objectives_en),
        parent_id: m.parent_agreement_id.map(AgreementId::from_trusted),
        supersedes_id: m.supersedes_id.map(AgreementId::from_trusted),
        meta: meta!(m),
        id: AgreementId::from_trusted(m.id),
    })
}

pub(crate) fn agreement_party(m: agreement_parties::Model) -> R<AgreementParty> {
    const T: &str = "agreement_parties";
    let id = m.id.as_str();
    Ok(AgreementParty {
        role: code(T, id, &m.role)?,
        signed_on: date(T, id, m.signed_on.as_deref())?,
        agreement_id: AgreementId::from_trusted(m.agreement_id),
        organisation_id: OrganisationId::from_trusted(m.organisation_id),
        meta: meta!(m),
        id: AgreementPartyId::from_trusted(m.id),
    })
}

pub(crate) fn commitment(m: commitments::Model) -> R<Commitment> {
    const T: &str = "commitments";
    let id = m.id.as_str();
    Ok(Commitment {
        kind: code(T, id, &m.kind)?,
        status: code(T, id, &m.status)?,
        due_on: date(T, id, m.due_on.as_deref())?,
        agreement_id: AgreementId::from_trusted(m.agreement_id),
        party_org_id: OrganisationId::from_trusted(m.party_org_id),
        description: text(m.description_ar, m.description_fr, m.description_en),
        illustrative: m.illustrative,
        meta: meta!(m),
        id: CommitmentId::from_trusted(m.id),
    })
}

pub(crate) fn project(m: projects::Model) -> R<Project> {
    const T: &str = "projects";
    let id = m.id.as_str();
    Ok(Project {
        status: ActivityStatus::from_iati_code(m.status).map_err(|e| corrupt(T, id, e))?,
        dates: ProjectDates {
            planned_start: date(T, id, m.planned_start.as_deref())?,
            actual_start: date(T, id, m.actual_start.as_deref())?,
            planned_end: date(T, id, m.planned_end.as_deref())?,
            actual_end: date(T, id, m.actual_end.as_deref())?,
        },
        iati_identifier: m.iati_identifier,
        title: text(m.title_ar, m.title_fr, m.title_en),
        description: text(m.description_ar, m.description_fr, m.description_en),
        parent_id: m.parent_project_id.map(ProjectId::from_trusted),
        meta: meta!(m),
        id: ProjectId::from_trusted(m.id),
    })
}

pub(crate) fn project_participant(m: project_participants::Model) -> R<ProjectParticipant> {
    Ok(ProjectParticipant {
        role: OrganisationRole::from_iati_code(m.role)
            .map_err(|e| corrupt("project_participants", &m.id, e))?,
        project_id: ProjectId::from_trusted(m.project_id),
        organisation_id: OrganisationId::from_trusted(m.organisation_id),
    })
}

pub(crate) fn project_sector(m: project_sectors::Model) -> R<ProjectSector> {
    Ok(ProjectSector {
        project_id: ProjectId::from_trusted(m.project_id),
        vocabulary: m.vocabulary,
        code: m.code,
        percentage: m.percentage,
    })
}

pub(crate) fn contribution(m: contributions::Model) -> R<Contribution> {
    const T: &str = "contributions";
    let id = m.id.as_str();
    let value = match (m.amount_minor, m.currency.as_deref()) {
        (Some(minor), Some(cur)) => Some(Money::from_minor(
            minor,
            CurrencyCode::parse(cur).map_err(|e| corrupt(T, id, e))?,
        )),
        _ => None,
    };
    Ok(Contribution {
        contribution_type: code(T, id, &m.contribution_type)?,
        status: code(T, id, &m.status)?,
        quantity: m
            .quantity
            .as_deref()
            .map(|q| q.parse().map_err(|e| corrupt(T, id, e)))
            .transpose()?,
        value,
        contributor_id: OrganisationId::from_trusted(m.contributor_org_id),
        project_id: m.project_id.map(ProjectId::from_trusted),
        agreement_id: m.agreement_id.map(AgreementId::from_trusted),
        training_session_id: m.training_session_id.map(TrainingSessionId::from_trusted),
        description: text(m.description_ar, m.description_fr, m.description_en),
        unit: m.unit,
        meta: meta!(m),
        id: ContributionId::from_trusted(m.id),
    })
}

pub(crate) fn training_session(m: training_sessions::Model) -> R<TrainingSession> {
    const T: &str = "training_sessions";
    let id = m.id.as_str();
    Ok(TrainingSession {
        audience: code(T, id, &m.audience)?,
        staff_category: opt_code(T, id, m.staff_category.as_deref())?,
        topics: tags(T, id, &m.topics)?,
        delivery_mode: opt_code(T, id, m.delivery_mode.as_deref())?,
        venue_country: country(T, id, m.venue_country.as_deref())?,
        start_date: date(T, id, m.start_date.as_deref())?,
        end_date: date(T, id, m.end_date.as_deref())?,
        status: code(T, id, &m.status)?,
        title: text(m.title_ar, m.title_fr, m.title_en),
        project_id: m.project_id.map(ProjectId::from_trusted),
        agreement_id: m.agreement_id.map(AgreementId::from_trusted),
        organiser_id: m.organiser_org_id.map(OrganisationId::from_trusted),
        venue_site_id: m.venue_site_id.map(SiteId::from_trusted),
        venue_city: m.venue_city,
        contact_hours: m.contact_hours,
        series_id: m.series_id,
        cycle_number: m.cycle_number,
        tallies: copied_tallies(id, m.tallies.as_deref())?,
        meta: meta!(m),
        id: TrainingSessionId::from_trusted(m.id),
    })
}

/// A tally as the triggers copy it onto its session's row (`training_sessions.tallies`, in the
/// format of `m20261205_000001_compact_tally_copies`): `[sex, age_band, enrolled, attended,
/// completed]`. Its codes are borrowed from the row's JSON (they hold nothing to unescape): a
/// dashboard reads about a thousand tallies this way, and owned strings cost an allocation each.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct CopiedTally<'a>(
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    i32,
    i32,
    i32,
);

/// The tallies copied onto session `session`'s row, in the order of their ids (the order the
/// `training_tallies` relation reads them in, and the one both backends aggregate them in);
/// `None` when none were copied.
fn copied_tallies(session: &str, raw: Option<&str>) -> R<Option<Vec<Tally>>> {
    const T: &str = "training_sessions";
    let Some(raw) = raw else {
        return Ok(None);
    };
    let copied: Vec<CopiedTally<'_>> = match plain_copy(raw) {
        Some(copied) => copied,
        None => serde_json::from_str(raw).map_err(|e| corrupt(T, session, e))?,
    };
    copied
        .iter()
        .map(
            |CopiedTally(sex, age_band, enrolled, attended, completed)| {
                tally(
                    T,
                    session,
                    sex,
                    age_band.as_deref(),
                    [*enrolled, *attended, *completed],
                )
            },
        )
        .collect::<R<Vec<_>>>()
        .map(Some)
}

/// The tallies of a copy as the triggers write it (codes without escapes, counts of up to
/// nine digits, JSON whitespace anywhere), read in one pass over its bytes; `None` for any
/// other text, which serde_json then reads or rejects. It reads what serde_json reads from the
/// same text (the unit tests compare them), at a fraction of its cost: serde_json's visitors
/// took about 6% of a dashboard's server time reading some 1,400 tallies.
fn plain_copy(raw: &str) -> Option<Vec<CopiedTally<'_>>> {
    let mut text = Cursor { raw, at: 0 };
    let mut copied = Vec::new();
    text.expect(b'[')?;
    if !text.eat(b']') {
        loop {
            text.expect(b'[')?;
            let sex = text.string()?;
            text.expect(b',')?;
            let age_band = if text.eat_word("null") {
                None
            } else {
                Some(text.string()?)
            };
            text.expect(b',')?;
            let enrolled = text.count()?;
            text.expect(b',')?;
            let attended = text.count()?;
            text.expect(b',')?;
            let completed = text.count()?;
            text.expect(b']')?;
            copied.push(CopiedTally(
                Cow::Borrowed(sex),
                age_band.map(Cow::Borrowed),
                enrolled,
                attended,
                completed,
            ));
            if text.eat(b']') {
                break;
            }
            text.expect(b',')?;
        }
    }
    text.skip_space();
    (text.at == raw.len()).then_some(copied)
}

/// A place in a tally copy's text ([`plain_copy`]).
struct Cursor<'a> {
    raw: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.raw.as_bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// Whether `byte` comes next (after whitespace), taken if so.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let next = self.raw.as_bytes().get(self.at) == Some(&byte);
        if next {
            self.at += 1;
        }
        next
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Whether `word` comes next (after whitespace), taken if so.
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_space();
        let next = self.raw[self.at..].starts_with(word);
        if next {
            self.at += word.len();
        }
        next
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let rest = &self.raw[self.at..];
        let end = rest
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
        (rest.as_bytes()[end] == b'"').then_some(())?;
        self.at += end + 1;
        Some(&rest[..end])
    }

    /// A count: digits, without a leading zero, at most nine of them (so it fits an `i32`).
    fn count(&mut self) -> Option<i32> {
        self.skip_space();
        let rest = self.raw.as_bytes().get(self.at..)?;
        let mut count: i32 = 0;
        let mut digits = 0;
        for &byte in rest.iter().take_while(|b| b.is_ascii_digit()) {
            if digits == 9 || (digits == 1 && count == 0) {
                return None;
            }
            count = count * 10 + i32::from(byte - b'0');
            digits += 1;
        }
        self.at += digits;
        (digits > 0).then_some(count)
    }
}

pub(crate) fn training_tally(m: training_tallies::Model) -> R<Tally> {
    tally(
        "training_tallies",
        &m.id,
        &m.sex,
        m.age_band.as_deref(),
        [m.enrolled, m.attended, m.completed],
    )
}

/// A tally from its columns, read from row `id` of `table`; `counts` are enrolled, attended
/// and completed.
fn tally(
    table: &'static str,
    id: &str,
    sex: &str,
    age_band: Option<&str>,
    counts: [i32; 3],
) -> R<Tally> {
    let [enrolled, attended, completed] = counts;
    Ok(Tally {
        sex: code(table, id, sex)?,
        age_band: opt_code(table, id, age_band)?,
        enrolled,
        attended,
        completed,
    })
}

pub(crate) fn exchange_visit(m: exchange_visits::Model) -> R<ExchangeVisit> {
    const T: &str = "exchange_visits";
    let id = m.id.as_str();
    Ok(ExchangeVisit {
        direction: code(T, id, &m.direction)?,
        visit_type: code(T, id, &m.visit_type)?,
        country_code: country(T, id, m.country_code.as_deref())?,
        start_date: date(T, id, m.start_date.as_deref())?,
        end_date: date(T, id, m.end_date.as_deref())?,
        topics: tags(T, id, &m.topics)?,
        status: code(T, id, &m.status)?,
        title: text(m.title_ar, m.title_fr, m.title_en),
        host_id: m.host_org_id.map(OrganisationId::from_trusted),
        visitor_id: m.visitor_org_id.map(OrganisationId::from_trusted),
        project_id: m.project_id.map(ProjectId::from_trusted),
        agreement_id: m.agreement_id.map(AgreementId::from_trusted),
        meta: meta!(m),
        id: ExchangeVisitId::from_trusted(m.id),
    })
}

pub(crate) fn visit_tally(m: exchange_visit_tallies::Model) -> R<DelegationTally> {
    Ok(DelegationTally {
        sex: code("exchange_visit_tallies", &m.id, &m.sex)?,
        count: m.count,
    })
}

pub(crate) fn project_result(m: project_results::Model) -> R<ProjectResult> {
    const T: &str = "project_results";
    let id = m.id.as_str();
    Ok(ProjectResult {
        result_type: code(T, id, &m.result_type)?,
        project_id: ProjectId::from_trusted(m.project_id),
        aggregation_status: m.aggregation_status,
        title: text(m.title_ar, m.title_fr, m.title_en),
        description: text(m.description_ar, m.description_fr, m.description_en),
        meta: meta!(m),
        id: ProjectResultId::from_trusted(m.id),
    })
}

pub(crate) fn indicator(m: result_indicators::Model) -> R<Indicator> {
    const T: &str = "result_indicators";
    let id = m.id.as_str();
    Ok(Indicator {
        measure: code(T, id, &m.measure)?,
        result_id: ProjectResultId::from_trusted(m.result_id),
        project_id: ProjectId::from_trusted(m.project_id),
        ascending: m.ascending,
        counts_people: m.counts_people,
        title: text(m.title_ar, m.title_fr, m.title_en),
        description: text(m.description_ar, m.description_fr, m.description_en),
        baseline: m.baseline_year.map(|year| Baseline {
            year,
            value: m.baseline_value,
            comment: m.baseline_comment,
        }),
        meta: meta!(m),
        id: IndicatorId::from_trusted(m.id),
    })
}

fn day(table: &'static str, id: &str, raw: &str) -> R<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|e| corrupt(table, id, e))
}

pub(crate) fn indicator_period(m: indicator_periods::Model) -> R<IndicatorPeriod> {
    const T: &str = "indicator_periods";
    let id = m.id.as_str();
    Ok(IndicatorPeriod {
        start: day(T, id, &m.period_start)?,
        end: day(T, id, &m.period_end)?,
        indicator_id: IndicatorId::from_trusted(m.indicator_id),
        result_id: ProjectResultId::from_trusted(m.result_id),
        project_id: ProjectId::from_trusted(m.project_id),
        target: m.target_value,
        target_comment: m.target_comment,
        actual: m.actual_value,
        actual_comment: m.actual_comment,
        meta: meta!(m),
        id: IndicatorPeriodId::from_trusted(m.id),
    })
}

pub(crate) fn period_value(m: indicator_period_values::Model) -> R<PeriodValue> {
    const T: &str = "indicator_period_values";
    let id = m.id.as_str();
    let kind = PeriodValueKind::parse(&m.kind)
        .ok_or_else(|| corrupt(T, id, format!("unknown kind `{}`", m.kind)))?;
    let dimension: DisaggregationDimension = code(T, id, &m.dimension)?;
    let value =
        DimensionValue::parse(dimension, &m.dimension_value).map_err(|e| corrupt(T, id, e))?;
    Ok(PeriodValue {
        period_id: IndicatorPeriodId::from_trusted(m.period_id),
        project_id: ProjectId::from_trusted(m.project_id),
        kind,
        part: Disaggregation {
            value,
            amount: m.value,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_tallies_read_in_the_order_of_the_copy() {
        // One code with an escape (read owned), one tally without an age band.
        let raw = r#"[["FEMALE",null,9,8,7],["\u004dALE","ADULT",5,4,3]]"#;
        let tallies = copied_tallies("s", Some(raw))
            .expect("a valid copy")
            .expect("copied");
        assert_eq!(
            tallies,
            vec![
                Tally {
                    sex: Sex::Female,
                    age_band: None,
                    enrolled: 9,
                    attended: 8,
                    completed: 7,
                },
                Tally {
                    sex: Sex::Male,
                    age_band: Some(AgeBand::Adult),
                    enrolled: 5,
                    attended: 4,
                    completed: 3,
                },
            ]
        );
        assert_eq!(copied_tallies("s", None).expect("no copy"), None);
        assert_eq!(
            copied_tallies("s", Some("[]")).expect("empty"),
            Some(vec![])
        );
    }

    #[test]
    fn the_plain_reading_of_a_copy_is_serde_jsons() {
        // Copies as each backend writes them, then variations of every kind.
        let written = [
            r#"[["FEMALE", null, 17, 17, 16], ["MALE", "ADULT", 21, 19, 0]]"#,
            r#"[["FEMALE",null,9,8,7],["MALE","AGE_18_TO_20",5,4,3]]"#,
            " [ [ \"MALE\" ,\tnull ,\n0,\r1 , 999999999 ] ] ",
            "[]",
            " [ ] ",
        ];
        for raw in written {
            let serde: Vec<CopiedTally<'_>> = serde_json::from_str(raw).expect(raw);
            assert_eq!(plain_copy(raw), Some(serde), "{raw}");
        }
        let others = [
            r#"[["\u004dALE",null,1,1,1]]"#,
            r#"[["MALE",null,-1,1,1]]"#,
            r#"[["MALE",null,01,1,1]]"#,
            r#"[["MALE",null,1234567890,1,1]]"#,
            r#"[["MALE",null,1e2,1,1]]"#,
            r#"[["MALE",null,1.5,1,1]]"#,
            r#"[["MALE",nul,1,1,1]]"#,
            r#"[["MALE",nullx,1,1,1]]"#,
            r#"[["MALE",null,1,1]]"#,
            r#"[["MALE",null,1,1,1,1]]"#,
            r#"[["MALE",null,1,1,1],]"#,
            r#"[["MALE",null,1,1,1]] x"#,
            r#"[["MALE",null,1,1,1]"#,
            r#"[["MA"LE",null,1,1,1]]"#,
            "[[\"MA\u{1}LE\",null,1,1,1]]",
            r#"[["MALE",null,1,1,1]][]"#,
            r#"[{"sex":"MALE"}]"#,
            "[\u{a0}]",
            "",
            "not json",
        ];
        for raw in others {
            // What the plain reading does not read is left to serde_json, which reads it or
            // rejects it.
            if let Some(plain) = plain_copy(raw) {
                let serde = serde_json::from_str::<Vec<CopiedTally<'_>>>(raw);
                assert_eq!(serde.ok(), Some(plain), "{raw}");
            }
        }
        // What serde_json reads and the plain reading leaves to it.
        assert!(plain_copy(others[0]).is_none());
        assert!(plain_copy(others[1]).is_none());
    }

    #[test]
    fn a_copy_that_does_not_parse_is_corrupt_not_guessed_at() {
        for raw in [
            "not json",
            // The objects of the format before `m20261205_000001_compact_tally_copies`.
            r#"[{"id":"t:1","sex":"MALE","age_band":null,"enrolled":1,"attended":1,"completed":1}]"#,
            r#"[["ROBOT",null,1,1,1]]"#,
            r#"[["MALE",null,1,1]]"#,
            r#"[["MALE",null,1,1,1,1]]"#,
            r#"[["MALE","ADULT",1.5,1,1]]"#,
            r#"[["MALE","ADULT",1,1,1]] x"#,
            r#"[["MALE","ADULT",01,1,1]]"#,
            r#"[["MALE","ADULT",1,1,1],]"#,
        ] {
            match copied_tallies("s", Some(raw)) {
                Err(PersistenceError::Corrupt { table, .. }) => {
                    assert_eq!(table, "training_sessions", "{raw}");
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
    }
}

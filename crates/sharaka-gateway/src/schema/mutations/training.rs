//! Training sessions: a nested, atomic create with tallies and providers; partial updates (the
//! tallies and contact hours are locked once the session is validated); and the lifecycle as
//! named transitions guarded by the domain.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::{Coded, Lifecycle, TrainingAction};
use sharaka_persistence::relations as rel;
use sharaka_persistence::write::Cell;

use super::project::{
    References, at, clear, date_text, each, ensure_version, id_text, link_all, load, local,
    local_all, local_opt, local_patch, parse_date, refusals_at, tags, transitions,
};
use super::{LocalizedTextInput, merge, merge_text};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::nodes::TrainingSessionNode;
use crate::schema::resolve::all_children;
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, TITLE};

/// Mutations on training sessions.
#[derive(Default)]
pub struct TrainingMutation;

/// How many people of one sex (and age band) enrolled in, attended and completed a session.
#[derive(InputObject)]
pub struct TrainingTallyInput {
    /// Sex.
    pub sex: Sex,
    /// Age band, for juveniles.
    pub age_band: Option<AgeBand>,
    /// How many enrolled.
    pub enrolled: i32,
    /// How many attended (at most the enrolled).
    pub attended: i32,
    /// How many completed (at most the attended).
    pub completed: i32,
}

/// A new training session with its tallies and providers, created in one step. It starts as
/// planned.
#[derive(InputObject)]
pub struct CreateTrainingSessionInput {
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// The ID of the project it belongs to.
    pub project_id: Option<ID>,
    /// The ID of the agreement it falls under.
    pub agreement_id: Option<ID>,
    /// The organising organisation's ID.
    pub organiser_id: Option<ID>,
    /// IDs of the organisations whose trainers deliver it.
    #[graphql(default)]
    pub provider_ids: Vec<ID>,
    /// Who is trained.
    pub audience: TrainingAudience,
    /// For staff, which category.
    pub staff_category: Option<StaffCategory>,
    /// Topics.
    #[graphql(default)]
    pub topics: Vec<TrainingTopic>,
    /// In person, remote or blended.
    pub delivery_mode: Option<DeliveryMode>,
    /// The venue site's ID.
    pub venue_site_id: Option<ID>,
    /// The venue's ISO 3166-1 alpha-2 country code, when abroad.
    pub venue_country: Option<String>,
    /// The venue's city.
    pub venue_city: Option<String>,
    /// First day: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Last day.
    pub end_date: Option<String>,
    /// Contact hours (≥ 0).
    pub contact_hours: Option<f64>,
    /// The series the session belongs to.
    pub series_id: Option<String>,
    /// Its position in the series, from 1.
    pub cycle_number: Option<i32>,
    /// Aggregate tallies, one per sex and age band.
    #[graphql(default)]
    pub tallies: Vec<TrainingTallyInput>,
}

/// Changes to a training session: absent fields stay, `null` clears; a list, when given,
/// replaces the stored one. Once the session is validated, its tallies and contact hours are
/// locked. Its status changes only through the transition mutations.
#[derive(InputObject)]
pub struct UpdateTrainingSessionInput {
    /// The session's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The title.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// The project's ID.
    pub project_id: MaybeUndefined<ID>,
    /// The agreement's ID.
    pub agreement_id: MaybeUndefined<ID>,
    /// The organiser's ID.
    pub organiser_id: MaybeUndefined<ID>,
    /// The providers' IDs (replaces the list).
    pub provider_ids: Option<Vec<ID>>,
    /// Who is trained.
    pub audience: Option<TrainingAudience>,
    /// The staff category.
    pub staff_category: MaybeUndefined<StaffCategory>,
    /// Topics (replaces the list).
    pub topics: Option<Vec<TrainingTopic>>,
    /// The delivery mode.
    pub delivery_mode: MaybeUndefined<DeliveryMode>,
    /// The venue site's ID.
    pub venue_site_id: MaybeUndefined<ID>,
    /// The venue's country code.
    pub venue_country: MaybeUndefined<String>,
    /// The venue's city.
    pub venue_city: MaybeUndefined<String>,
    /// First day.
    pub start_date: MaybeUndefined<String>,
    /// Last day.
    pub end_date: MaybeUndefined<String>,
    /// Contact hours (locked once validated).
    pub contact_hours: MaybeUndefined<f64>,
    /// The series.
    pub series_id: MaybeUndefined<String>,
    /// The position in the series.
    pub cycle_number: MaybeUndefined<i32>,
    /// Tallies (replaces the list; locked once validated).
    pub tallies: Option<Vec<TrainingTallyInput>>,
}

fn tally(t: TrainingTallyInput) -> domain::Tally {
    domain::Tally {
        sex: t.sex.into(),
        age_band: t.age_band.map(Into::into),
        enrolled: t.enrolled,
        attended: t.attended,
        completed: t.completed,
    }
}

fn session_cells(s: &domain::NewTrainingSession) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &s.title).into();
    cells.extend([
        ("project_id", Cell::opt_text(s.project_id.as_ref())),
        ("agreement_id", Cell::opt_text(s.agreement_id.as_ref())),
        ("organiser_org_id", Cell::opt_text(s.organiser_id.as_ref())),
        ("audience", Cell::Text(s.audience.code().to_owned())),
        (
            "staff_category",
            Cell::opt_text(s.staff_category.map(Coded::code)),
        ),
        ("topics", tags(&s.topics)),
        (
            "delivery_mode",
            Cell::opt_text(s.delivery_mode.map(Coded::code)),
        ),
        ("venue_site_id", Cell::opt_text(s.venue_site_id.as_ref())),
        (
            "venue_country",
            Cell::opt_text(s.venue_country.as_ref().map(domain::CountryCode::as_str)),
        ),
        ("venue_city", Cell::opt_text(s.venue_city.as_deref())),
        ("start_date", Cell::opt_text(s.start_date)),
        ("end_date", Cell::opt_text(s.end_date)),
        (
            "contact_hours",
            s.contact_hours.map_or(Cell::Null, Cell::Float),
        ),
        ("series_id", Cell::opt_text(s.series_id.as_deref())),
        (
            "cycle_number",
            s.cycle_number
                .map_or(Cell::Null, |n| Cell::Int(i64::from(n))),
        ),
    ]);
    cells
}

/// Checks the references of a session's input (providers only when the list is given).
async fn check_session_references(
    ctx: &Context<'_>,
    refs: &mut References,
    input: &domain::TrainingSessionInput,
    providers_given: bool,
) -> Result<()> {
    refs.check::<domain::Project>(ctx, "Project", at("projectId", input.project_id.as_ref()))
        .await?;
    refs.check::<domain::Agreement>(
        ctx,
        "Agreement",
        at("agreementId", input.agreement_id.as_ref()),
    )
    .await?;
    let mut organisations = at("organiserId", input.organiser_id.as_ref());
    if providers_given {
        organisations.extend(each("providerIds", &input.provider_ids));
    }
    refs.check::<domain::Organisation>(ctx, "Organisation", organisations)
        .await?;
    refs.check::<domain::Site>(ctx, "Site", at("venueSiteId", input.venue_site_id.as_ref()))
        .await
}

async fn write_tallies(ctx: &Context<'_>, id: &str, tallies: &[domain::Tally]) -> Result<()> {
    for t in tallies {
        write::insert_child(
            ctx,
            "training_tallies",
            vec![
                ("id", Cell::Text(write::new_id())),
                ("training_session_id", Cell::Text(id.to_owned())),
                ("sex", Cell::Text(t.sex.code().to_owned())),
                ("age_band", Cell::opt_text(t.age_band.map(Coded::code))),
                ("enrolled", Cell::Int(i64::from(t.enrolled))),
                ("attended", Cell::Int(i64::from(t.attended))),
                ("completed", Cell::Int(i64::from(t.completed))),
            ],
        )
        .await?;
    }
    Ok(())
}

async fn write_providers(
    ctx: &Context<'_>,
    id: &str,
    providers: &[domain::OrganisationId],
) -> Result<()> {
    let providers: Vec<String> = providers.iter().map(ToString::to_string).collect();
    link_all(
        ctx,
        "training_providers",
        "training_session_id",
        id,
        "organisation_id",
        &providers,
    )
    .await
}

async fn session_node(ctx: &Context<'_>, id: &str) -> Result<TrainingSessionNode> {
    Ok(TrainingSessionNode(
        load(ctx, id, "training session").await?,
    ))
}

/// A stored session as the domain's input, with the given providers and tallies.
fn session_input(
    s: &domain::TrainingSession,
    provider_ids: Vec<String>,
    tallies: Vec<domain::Tally>,
) -> domain::TrainingSessionInput {
    domain::TrainingSessionInput {
        title: s.title.clone(),
        project_id: id_text(s.project_id.as_ref()),
        agreement_id: id_text(s.agreement_id.as_ref()),
        organiser_id: id_text(s.organiser_id.as_ref()),
        provider_ids,
        audience: s.audience,
        staff_category: s.staff_category,
        topics: s.topics.clone(),
        delivery_mode: s.delivery_mode,
        venue_site_id: id_text(s.venue_site_id.as_ref()),
        venue_country: s.venue_country.as_ref().map(|c| c.as_str().to_owned()),
        venue_city: s.venue_city.clone(),
        start_date: date_text(s.start_date),
        end_date: date_text(s.end_date),
        contact_hours: s.contact_hours,
        series_id: s.series_id.clone(),
        cycle_number: s.cycle_number,
        tallies,
    }
}

#[Object]
impl TrainingMutation {
    /// Creates a training session with its tallies and providers in one step (all or
    /// nothing). It starts as planned. With an `idempotencyKey`, a retry returns the first
    /// result.
    async fn create_training_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session.")] input: CreateTrainingSessionInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<TrainingSessionNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createTrainingSession",
            || async {
                let raw = domain::TrainingSessionInput {
                    title: input.title.into(),
                    project_id: local_opt(input.project_id.as_ref(), "Project")?,
                    agreement_id: local_opt(input.agreement_id.as_ref(), "Agreement")?,
                    organiser_id: local_opt(input.organiser_id.as_ref(), "Organisation")?,
                    provider_ids: local_all(&input.provider_ids, "Organisation")?,
                    audience: input.audience.into(),
                    staff_category: input.staff_category.map(Into::into),
                    topics: input.topics.into_iter().map(Into::into).collect(),
                    delivery_mode: input.delivery_mode.map(Into::into),
                    venue_site_id: local_opt(input.venue_site_id.as_ref(), "Site")?,
                    venue_country: input.venue_country,
                    venue_city: input.venue_city,
                    start_date: input.start_date,
                    end_date: input.end_date,
                    contact_hours: input.contact_hours,
                    series_id: input.series_id,
                    cycle_number: input.cycle_number,
                    tallies: input.tallies.into_iter().map(tally).collect(),
                };
                let mut refs = References::default();
                check_session_references(ctx, &mut refs, &raw, true).await?;
                let command = refs.finish(domain::NewTrainingSession::try_from(raw))?;
                let id = write::new_id();
                let mut cells = session_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                cells.push((
                    "status",
                    Cell::Text(<TrainingAction as Lifecycle>::INITIAL.code().to_owned()),
                ));
                write::create(
                    ctx,
                    "TrainingSession",
                    "training_sessions",
                    &id,
                    cells,
                    "createTrainingSession",
                )
                .await?;
                write_providers(ctx, &id, &command.provider_ids).await?;
                write_tallies(ctx, &id, &command.tallies).await?;
                Ok(id)
            },
        )
        .await?;
        session_node(ctx, &id).await
    }

    /// Updates a training session at `expectedVersion`; the whole result is validated. Its
    /// tallies and contact hours cannot change once it is validated.
    async fn update_training_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateTrainingSessionInput,
    ) -> Result<TrainingSessionNode> {
        let id = local(&input.id, "TrainingSession")?;
        let current: domain::TrainingSession = load(ctx, &id, "training session").await?;
        ensure_version(
            &current.meta,
            input.expected_version,
            "training_sessions",
            &id,
        )?;

        let mut locked = Vec::new();
        if input.tallies.is_some()
            && let Err(domain::DomainError::Invalid(errors)) =
                domain::ensure_tallies_editable(current.status)
        {
            locked.extend(errors);
        }
        if !input.contact_hours.is_undefined() && domain::tallies_locked(current.status) {
            locked.push(domain::FieldError::new(
                "contactHours",
                domain::Problem::LockedAfterValidation,
            ));
        }
        if !locked.is_empty() {
            return Err(ApiError::from(domain::DomainError::Invalid(locked))).gql();
        }

        let providers_given = input.provider_ids.is_some();
        let provider_ids = match &input.provider_ids {
            Some(list) => local_all(list, "Organisation")?,
            None => all_children::<domain::Organisation>(ctx, rel::SESSION_PROVIDERS, &id)
                .await?
                .into_iter()
                .map(|o| o.id.into_inner())
                .collect(),
        };
        let tallies_given = input.tallies.is_some();
        let tallies = match input.tallies {
            Some(list) => list.into_iter().map(tally).collect(),
            None => all_children::<domain::Tally>(ctx, rel::SESSION_TALLIES, &id).await?,
        };
        let raw = domain::TrainingSessionInput {
            title: merge_text(&current.title, input.title),
            project_id: merge(
                id_text(current.project_id.as_ref()),
                local_patch(input.project_id, "Project")?,
            ),
            agreement_id: merge(
                id_text(current.agreement_id.as_ref()),
                local_patch(input.agreement_id, "Agreement")?,
            ),
            organiser_id: merge(
                id_text(current.organiser_id.as_ref()),
                local_patch(input.organiser_id, "Organisation")?,
            ),
            provider_ids,
            audience: input.audience.map_or(current.audience, Into::into),
            staff_category: merge(
                current.staff_category,
                input.staff_category.map_value(Into::into),
            ),
            topics: input.topics.map_or(current.topics.clone(), |t| {
                t.into_iter().map(Into::into).collect()
            }),
            delivery_mode: merge(
                current.delivery_mode,
                input.delivery_mode.map_value(Into::into),
            ),
            venue_site_id: merge(
                id_text(current.venue_site_id.as_ref()),
                local_patch(input.venue_site_id, "Site")?,
            ),
            venue_country: merge(
                current
                    .venue_country
                    .as_ref()
                    .map(|c| c.as_str().to_owned()),
                input.venue_country,
            ),
            venue_city: merge(current.venue_city.clone(), input.venue_city),
            start_date: merge(date_text(current.start_date), input.start_date),
            end_date: merge(date_text(current.end_date), input.end_date),
            contact_hours: merge(current.contact_hours, input.contact_hours),
            series_id: merge(current.series_id.clone(), input.series_id),
            cycle_number: merge(current.cycle_number, input.cycle_number),
            tallies,
        };
        let mut refs = References::default();
        check_session_references(ctx, &mut refs, &raw, providers_given).await?;
        let command = refs.finish(domain::NewTrainingSession::try_from(raw))?;
        write::update_then(
            ctx,
            "TrainingSession",
            "training_sessions",
            &id,
            input.expected_version,
            session_cells(&command),
            "updateTrainingSession",
            None,
            || async {
                if providers_given {
                    clear(ctx, "training_providers", "training_session_id", &id).await?;
                    write_providers(ctx, &id, &command.provider_ids).await?;
                }
                if tallies_given {
                    clear(ctx, "training_tallies", "training_session_id", &id).await?;
                    write_tallies(ctx, &id, &command.tallies).await?;
                }
                Ok(())
            },
        )
        .await?;
        session_node(ctx, &id).await
    }
}

/// Applies a training-session transition: checks it in the domain against the stored tallies
/// and contact hours, writes the status (and the new first day of a rescheduled session), and
/// records the event with its reason.
async fn session_transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: TrainingAction,
    reason: Option<String>,
    date: Option<String>,
    action_name: &str,
) -> Result<TrainingSessionNode> {
    let session: domain::TrainingSession = load(ctx, id, "training session").await?;
    ensure_version(&session.meta, expected_version, "training_sessions", id)?;
    let date = parse_date(date, "date")?;
    let tallies = all_children::<domain::Tally>(ctx, rel::SESSION_TALLIES, id).await?;
    let facts = domain::TrainingFacts {
        tallies,
        contact_hours: session.contact_hours,
    };
    let status = domain::training_transition(session.status, action, &facts).gql()?;
    let mut cells: Cells = vec![("status", Cell::Text(status.code().to_owned()))];
    if let Some(date) = date {
        let mut moved = session_input(&session, Vec::new(), Vec::new());
        moved.start_date = Some(date.to_string());
        let verdict = domain::NewTrainingSession::try_from(moved).map(|_| ());
        refusals_at(verdict, "startDate", "date")?;
        cells.push(("start_date", Cell::Text(date.to_string())));
    }
    write::update(
        ctx,
        "TrainingSession",
        "training_sessions",
        id,
        expected_version,
        cells,
        action_name,
        reason.as_deref(),
    )
    .await?;
    session_node(ctx, id).await
}

/// The training-session lifecycle's named transitions (DOMAIN.md §4.5). A refused one is
/// `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct TrainingTransitions;

transitions! {
    TrainingTransitions, TrainingSessionNode, "TrainingSession", session_transition;
    dated {
        /// Gives a postponed session a new confirmed slot.
        reschedule_training_session => TrainingAction::Reschedule, "rescheduleTrainingSession",
            "The new first day (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), stored as `startDate`; it must not be after the last day.";
    }
    plain {
        /// Confirms a planned session.
        confirm_training_session => TrainingAction::Confirm, "confirmTrainingSession";
        /// Records that a confirmed session has started.
        begin_training_session => TrainingAction::Begin, "beginTrainingSession";
        /// Records that a session in progress was delivered; needs at least one tally and
        /// contact hours above zero.
        finish_training_session => TrainingAction::Finish, "finishTrainingSession";
        /// Validates a delivered session's numbers, which are then locked; needs consistent
        /// tallies (`completed ≤ attended ≤ enrolled`).
        validate_training_session => TrainingAction::Validate, "validateTrainingSession";
        /// Postpones a planned or confirmed session.
        postpone_training_session => TrainingAction::Postpone, "postponeTrainingSession";
        /// Cancels a session that has not started.
        cancel_training_session => TrainingAction::Cancel, "cancelTrainingSession";
    }
}

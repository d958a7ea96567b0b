//! Exchange visits: a nested, atomic create with the delegation's tallies and the sites
//! visited; partial updates; and the lifecycle as named transitions.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::{Coded, Lifecycle, VisitAction};
use sharaka_persistence::relations as rel;
use sharaka_persistence::write::Cell;

use super::project::{
    References, at, clear, date_text, each, ensure_version, id_text, link_all, load, local,
    local_all, local_opt, local_patch, parse_date, refusals_at, tags, transitions,
};
use super::{LocalizedTextInput, merge, merge_text};
use crate::error::GqlResultExt;
use crate::schema::nodes::ExchangeVisitNode;
use crate::schema::resolve::all_children;
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, TITLE};

/// Mutations on exchange visits.
#[derive(Default)]
pub struct VisitMutation;

/// How many members of one sex a visiting delegation has.
#[derive(InputObject)]
pub struct DelegationTallyInput {
    /// Sex.
    pub sex: Sex,
    /// How many (≥ 0).
    pub count: i32,
}

/// A new exchange visit with its delegation and the sites visited, created in one step. It
/// starts as proposed.
#[derive(InputObject)]
pub struct CreateExchangeVisitInput {
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// Inbound (to Morocco) or outbound.
    pub direction: VisitDirection,
    /// The kind of visit.
    pub visit_type: VisitType,
    /// The host organisation's ID.
    pub host_id: Option<ID>,
    /// The visiting organisation's ID.
    pub visitor_id: Option<ID>,
    /// The ISO 3166-1 alpha-2 code of the country visited.
    pub country_code: Option<String>,
    /// First day: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Last day.
    pub end_date: Option<String>,
    /// Topics.
    #[graphql(default)]
    pub topics: Vec<TrainingTopic>,
    /// The related project's ID.
    pub project_id: Option<ID>,
    /// The related agreement's ID.
    pub agreement_id: Option<ID>,
    /// The delegation's size by sex, one row per sex.
    #[graphql(default)]
    pub delegation: Vec<DelegationTallyInput>,
    /// IDs of the sites visited.
    #[graphql(default)]
    pub site_ids: Vec<ID>,
}

/// Changes to an exchange visit: absent fields stay, `null` clears; a list, when given,
/// replaces the stored one. Its status changes only through the transition mutations.
#[derive(InputObject)]
pub struct UpdateExchangeVisitInput {
    /// The visit's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The title.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// Inbound or outbound.
    pub direction: Option<VisitDirection>,
    /// The kind of visit.
    pub visit_type: Option<VisitType>,
    /// The host organisation's ID.
    pub host_id: MaybeUndefined<ID>,
    /// The visiting organisation's ID.
    pub visitor_id: MaybeUndefined<ID>,
    /// The country visited.
    pub country_code: MaybeUndefined<String>,
    /// First day.
    pub start_date: MaybeUndefined<String>,
    /// Last day.
    pub end_date: MaybeUndefined<String>,
    /// Topics (replaces the list).
    pub topics: Option<Vec<TrainingTopic>>,
    /// The related project's ID.
    pub project_id: MaybeUndefined<ID>,
    /// The related agreement's ID.
    pub agreement_id: MaybeUndefined<ID>,
    /// The delegation (replaces the list).
    pub delegation: Option<Vec<DelegationTallyInput>>,
    /// IDs of the sites visited (replaces the list).
    pub site_ids: Option<Vec<ID>>,
}

fn delegation(list: Vec<DelegationTallyInput>) -> Vec<domain::DelegationTally> {
    list.into_iter()
        .map(|d| domain::DelegationTally {
            sex: d.sex.into(),
            count: d.count,
        })
        .collect()
}

fn visit_cells(v: &domain::NewExchangeVisit) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &v.title).into();
    cells.extend([
        ("direction", Cell::Text(v.direction.code().to_owned())),
        ("visit_type", Cell::Text(v.visit_type.code().to_owned())),
        ("host_org_id", Cell::opt_text(v.host_id.as_ref())),
        ("visitor_org_id", Cell::opt_text(v.visitor_id.as_ref())),
        (
            "country_code",
            Cell::opt_text(v.country_code.as_ref().map(domain::CountryCode::as_str)),
        ),
        ("start_date", Cell::opt_text(v.start_date)),
        ("end_date", Cell::opt_text(v.end_date)),
        ("topics", tags(&v.topics)),
        ("project_id", Cell::opt_text(v.project_id.as_ref())),
        ("agreement_id", Cell::opt_text(v.agreement_id.as_ref())),
    ]);
    cells
}

/// Checks the references of a visit's input (sites only when the list is given).
async fn check_visit_references(
    ctx: &Context<'_>,
    refs: &mut References,
    input: &domain::ExchangeVisitInput,
    sites: Option<&[String]>,
) -> Result<()> {
    let mut organisations = at("hostId", input.host_id.as_ref());
    organisations.extend(at("visitorId", input.visitor_id.as_ref()));
    refs.check::<domain::Organisation>(ctx, "Organisation", organisations)
        .await?;
    refs.check::<domain::Project>(ctx, "Project", at("projectId", input.project_id.as_ref()))
        .await?;
    refs.check::<domain::Agreement>(
        ctx,
        "Agreement",
        at("agreementId", input.agreement_id.as_ref()),
    )
    .await?;
    if let Some(sites) = sites {
        refs.check::<domain::Site>(ctx, "Site", each("siteIds", sites))
            .await?;
    }
    Ok(())
}

async fn write_delegation(
    ctx: &Context<'_>,
    id: &str,
    delegation: &[domain::DelegationTally],
) -> Result<()> {
    for d in delegation {
        write::insert_child(
            ctx,
            "exchange_visit_tallies",
            vec![
                ("id", Cell::Text(write::new_id())),
                ("exchange_visit_id", Cell::Text(id.to_owned())),
                ("sex", Cell::Text(d.sex.code().to_owned())),
                ("count", Cell::Int(i64::from(d.count))),
            ],
        )
        .await?;
    }
    Ok(())
}

async fn visit_node(ctx: &Context<'_>, id: &str) -> Result<ExchangeVisitNode> {
    Ok(ExchangeVisitNode(load(ctx, id, "exchange visit").await?))
}

/// A stored visit as the domain's input, without its delegation.
fn visit_input(v: &domain::ExchangeVisit) -> domain::ExchangeVisitInput {
    domain::ExchangeVisitInput {
        title: v.title.clone(),
        direction: v.direction,
        visit_type: v.visit_type,
        host_id: id_text(v.host_id.as_ref()),
        visitor_id: id_text(v.visitor_id.as_ref()),
        country_code: v.country_code.as_ref().map(|c| c.as_str().to_owned()),
        start_date: date_text(v.start_date),
        end_date: date_text(v.end_date),
        topics: v.topics.clone(),
        project_id: id_text(v.project_id.as_ref()),
        agreement_id: id_text(v.agreement_id.as_ref()),
        delegation: Vec::new(),
    }
}

#[Object]
impl VisitMutation {
    /// Creates an exchange visit with its delegation and the sites visited in one step (all or
    /// nothing). It starts as proposed. With an `idempotencyKey`, a retry returns the first
    /// result.
    async fn create_exchange_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visit.")] input: CreateExchangeVisitInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<ExchangeVisitNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createExchangeVisit",
            || async {
                let sites = local_all(&input.site_ids, "Site")?;
                let raw = domain::ExchangeVisitInput {
                    title: input.title.into(),
                    direction: input.direction.into(),
                    visit_type: input.visit_type.into(),
                    host_id: local_opt(input.host_id.as_ref(), "Organisation")?,
                    visitor_id: local_opt(input.visitor_id.as_ref(), "Organisation")?,
                    country_code: input.country_code,
                    start_date: input.start_date,
                    end_date: input.end_date,
                    topics: input.topics.into_iter().map(Into::into).collect(),
                    project_id: local_opt(input.project_id.as_ref(), "Project")?,
                    agreement_id: local_opt(input.agreement_id.as_ref(), "Agreement")?,
                    delegation: delegation(input.delegation),
                };
                let mut refs = References::default();
                check_visit_references(ctx, &mut refs, &raw, Some(&sites)).await?;
                let command = refs.finish(domain::NewExchangeVisit::try_from(raw))?;
                let id = write::new_id();
                let mut cells = visit_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                cells.push((
                    "status",
                    Cell::Text(<VisitAction as Lifecycle>::INITIAL.code().to_owned()),
                ));
                write::create(
                    ctx,
                    "ExchangeVisit",
                    "exchange_visits",
                    &id,
                    cells,
                    "createExchangeVisit",
                )
                .await?;
                write_delegation(ctx, &id, &command.delegation).await?;
                link_all(
                    ctx,
                    "exchange_visit_sites",
                    "exchange_visit_id",
                    &id,
                    "site_id",
                    &sites,
                )
                .await?;
                Ok(id)
            },
        )
        .await?;
        visit_node(ctx, &id).await
    }

    /// Updates an exchange visit at `expectedVersion`; the whole result is validated.
    async fn update_exchange_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateExchangeVisitInput,
    ) -> Result<ExchangeVisitNode> {
        let id = local(&input.id, "ExchangeVisit")?;
        let current: domain::ExchangeVisit = load(ctx, &id, "exchange visit").await?;
        ensure_version(
            &current.meta,
            input.expected_version,
            "exchange_visits",
            &id,
        )?;
        let sites = input
            .site_ids
            .as_deref()
            .map(|l| local_all(l, "Site"))
            .transpose()?;
        let delegation_given = input.delegation.is_some();
        let tallies = match input.delegation {
            Some(list) => delegation(list),
            None => all_children::<domain::DelegationTally>(ctx, rel::VISIT_TALLIES, &id).await?,
        };
        let raw = domain::ExchangeVisitInput {
            title: merge_text(&current.title, input.title),
            direction: input.direction.map_or(current.direction, Into::into),
            visit_type: input.visit_type.map_or(current.visit_type, Into::into),
            host_id: merge(
                id_text(current.host_id.as_ref()),
                local_patch(input.host_id, "Organisation")?,
            ),
            visitor_id: merge(
                id_text(current.visitor_id.as_ref()),
                local_patch(input.visitor_id, "Organisation")?,
            ),
            country_code: merge(
                current.country_code.as_ref().map(|c| c.as_str().to_owned()),
                input.country_code,
            ),
            start_date: merge(date_text(current.start_date), input.start_date),
            end_date: merge(date_text(current.end_date), input.end_date),
            topics: input.topics.map_or(current.topics.clone(), |t| {
                t.into_iter().map(Into::into).collect()
            }),
            project_id: merge(
                id_text(current.project_id.as_ref()),
                local_patch(input.project_id, "Project")?,
            ),
            agreement_id: merge(
                id_text(current.agreement_id.as_ref()),
                local_patch(input.agreement_id, "Agreement")?,
            ),
            delegation: tallies,
        };
        let mut refs = References::default();
        check_visit_references(ctx, &mut refs, &raw, sites.as_deref()).await?;
        let command = refs.finish(domain::NewExchangeVisit::try_from(raw))?;
        write::update_then(
            ctx,
            "ExchangeVisit",
            "exchange_visits",
            &id,
            input.expected_version,
            visit_cells(&command),
            "updateExchangeVisit",
            None,
            || async {
                if delegation_given {
                    clear(ctx, "exchange_visit_tallies", "exchange_visit_id", &id).await?;
                    write_delegation(ctx, &id, &command.delegation).await?;
                }
                if let Some(sites) = &sites {
                    clear(ctx, "exchange_visit_sites", "exchange_visit_id", &id).await?;
                    link_all(
                        ctx,
                        "exchange_visit_sites",
                        "exchange_visit_id",
                        &id,
                        "site_id",
                        sites,
                    )
                    .await?;
                }
                Ok(())
            },
        )
        .await?;
        visit_node(ctx, &id).await
    }
}

/// Applies an exchange-visit transition: checks it in the domain, writes the status (and the
/// first day of a visit being scheduled), and records the event with its reason.
async fn visit_transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: VisitAction,
    reason: Option<String>,
    date: Option<String>,
    action_name: &str,
) -> Result<ExchangeVisitNode> {
    let visit: domain::ExchangeVisit = load(ctx, id, "exchange visit").await?;
    ensure_version(&visit.meta, expected_version, "exchange_visits", id)?;
    let date = parse_date(date, "date")?;
    let status = domain::visit_transition(visit.status, action).gql()?;
    let mut cells: Cells = vec![("status", Cell::Text(status.code().to_owned()))];
    if let Some(date) = date {
        let mut moved = visit_input(&visit);
        moved.start_date = Some(date.to_string());
        let verdict = domain::NewExchangeVisit::try_from(moved).map(|_| ());
        refusals_at(verdict, "startDate", "date")?;
        cells.push(("start_date", Cell::Text(date.to_string())));
    }
    write::update(
        ctx,
        "ExchangeVisit",
        "exchange_visits",
        id,
        expected_version,
        cells,
        action_name,
        reason.as_deref(),
    )
    .await?;
    visit_node(ctx, id).await
}

/// The exchange-visit lifecycle's named transitions (DOMAIN.md §4.5). A refused one is
/// `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct VisitTransitions;

transitions! {
    VisitTransitions, ExchangeVisitNode, "ExchangeVisit", visit_transition;
    dated {
        /// Fixes the dates of an approved visit.
        schedule_exchange_visit => VisitAction::Schedule, "scheduleExchangeVisit",
            "The first day (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), stored as `startDate`; it must not be after the last day.";
    }
    plain {
        /// Approves a proposed visit.
        approve_exchange_visit => VisitAction::Approve, "approveExchangeVisit";
        /// Records that a scheduled visit took place.
        complete_exchange_visit => VisitAction::Complete, "completeExchangeVisit";
        /// Records that a completed visit's report was handed in.
        report_exchange_visit => VisitAction::Report, "reportExchangeVisit";
        /// Cancels a visit that has not taken place.
        cancel_exchange_visit => VisitAction::Cancel, "cancelExchangeVisit";
    }
}

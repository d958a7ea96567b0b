//! Partnerships between the home organisation (DGAPR) and a partner, with the source's typology
//! (DOMAIN.md §4.2) checked against the partner by the domain.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::Coded;
use sharaka_persistence::write::Cell;
use sharaka_persistence::{Filter, ListQuery, Op, Value};

use super::merge;
use super::project::{date_text, ensure_version, load, local, tags};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::deps;
use crate::schema::nodes::PartnershipNode;
use crate::schema::resolve::one;
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells};

/// Mutations on partnerships.
#[derive(Default)]
pub struct PartnershipMutation;

/// A new partnership of the home organisation with a partner.
#[derive(InputObject)]
pub struct CreatePartnershipInput {
    /// The partner organisation's ID.
    pub partner_id: ID,
    /// National or international; a partner based abroad makes it international.
    pub scope: PartnershipScope,
    /// Direct national, bilateral (a foreign administration) or multilateral (an international
    /// NGO or intergovernmental body).
    pub modality: PartnershipModality,
    /// Themes of the work.
    #[graphql(default)]
    pub themes: Vec<Theme>,
    /// Since when: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Active, dormant or ended (active by default).
    pub status: Option<PartnershipStatus>,
    /// Whether the partner is strategic (false by default).
    #[graphql(default)]
    pub is_strategic: bool,
}

/// Changes to a partnership: absent fields stay, `null` clears. The typology is checked again
/// against the (possibly new) partner.
#[derive(InputObject)]
pub struct UpdatePartnershipInput {
    /// The partnership's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The partner organisation's ID.
    pub partner_id: Option<ID>,
    /// National or international.
    pub scope: Option<PartnershipScope>,
    /// Direct national, bilateral or multilateral.
    pub modality: Option<PartnershipModality>,
    /// Themes (replaces the list).
    pub themes: Option<Vec<Theme>>,
    /// Since when.
    pub since: MaybeUndefined<String>,
    /// Active, dormant or ended.
    pub status: Option<PartnershipStatus>,
    /// Whether the partner is strategic.
    pub is_strategic: Option<bool>,
}

fn partnership_cells(p: &domain::NewPartnership) -> Cells {
    vec![
        ("partner_org_id", Cell::Text(p.partner_id.to_string())),
        ("scope", Cell::Text(p.scope.code().to_owned())),
        ("modality", Cell::Text(p.modality.code().to_owned())),
        ("themes", tags(&p.themes)),
        ("since", Cell::opt_text(p.since)),
        ("status", Cell::Text(p.status.code().to_owned())),
        ("is_strategic", Cell::Bool(p.is_strategic)),
    ]
}

/// The home organisation's id (the organisation marked `is_home`).
async fn home_organisation(ctx: &Context<'_>) -> Result<String> {
    let query = ListQuery {
        filter: Some(Filter::Compare {
            field: "is_home",
            op: Op::Eq,
            value: Value::Bool(true),
        }),
        include_archived: true,
        ..ListQuery::first(1)
    };
    deps(ctx)
        .store
        .list::<domain::Organisation>(&query)
        .await
        .gql()?
        .into_iter()
        .next()
        .map(|o| o.id.into_inner())
        .ok_or_else(|| ApiError::Conflict {
            message: "no home organisation is recorded".into(),
            current_version: None,
        })
        .gql()
}

/// Validates a partnership against its partner, loaded by id (absent when it does not exist).
async fn validate(
    ctx: &Context<'_>,
    input: domain::PartnershipInput,
) -> Result<domain::NewPartnership> {
    let partner = one::<domain::Organisation>(ctx, Some(&input.partner_id)).await?;
    domain::NewPartnership::validate(input, partner.as_ref()).gql()
}

async fn partnership_node(ctx: &Context<'_>, id: &str) -> Result<PartnershipNode> {
    Ok(PartnershipNode(load(ctx, id, "partnership").await?))
}

#[Object]
impl PartnershipMutation {
    /// Creates a partnership of the home organisation with a partner. With an
    /// `idempotencyKey`, a retry returns the first result.
    async fn create_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partnership.")] input: CreatePartnershipInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<PartnershipNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createPartnership",
            || async {
                let command = validate(
                    ctx,
                    domain::PartnershipInput {
                        partner_id: local(&input.partner_id, "Organisation")?,
                        scope: input.scope.into(),
                        modality: input.modality.into(),
                        themes: input.themes.into_iter().map(Into::into).collect(),
                        since: input.since,
                        status: input
                            .status
                            .map_or(domain::PartnershipStatus::Active, Into::into),
                        is_strategic: input.is_strategic,
                    },
                )
                .await?;
                let home = home_organisation(ctx).await?;
                let id = write::new_id();
                let mut cells = partnership_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                cells.push(("home_org_id", Cell::Text(home)));
                write::create(
                    ctx,
                    "Partnership",
                    "partnerships",
                    &id,
                    cells,
                    "createPartnership",
                )
                .await?;
                Ok(id)
            },
        )
        .await?;
        partnership_node(ctx, &id).await
    }

    /// Updates a partnership at `expectedVersion`; the whole result is validated, typology
    /// included.
    async fn update_partnership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdatePartnershipInput,
    ) -> Result<PartnershipNode> {
        let id = local(&input.id, "Partnership")?;
        let current: domain::Partnership = load(ctx, &id, "partnership").await?;
        ensure_version(&current.meta, input.expected_version, "partnerships", &id)?;
        let partner_id = match &input.partner_id {
            Some(p) => local(p, "Organisation")?,
            None => current.partner_org_id.to_string(),
        };
        let command = validate(
            ctx,
            domain::PartnershipInput {
                partner_id,
                scope: input.scope.map_or(current.scope, Into::into),
                modality: input.modality.map_or(current.modality, Into::into),
                themes: input.themes.map_or(current.themes.clone(), |t| {
                    t.into_iter().map(Into::into).collect()
                }),
                since: merge(date_text(current.since), input.since),
                status: input.status.map_or(current.status, Into::into),
                is_strategic: input.is_strategic.unwrap_or(current.is_strategic),
            },
        )
        .await?;
        write::update(
            ctx,
            "Partnership",
            "partnerships",
            &id,
            input.expected_version,
            partnership_cells(&command),
            "updatePartnership",
            None,
        )
        .await?;
        partnership_node(ctx, &id).await
    }
}

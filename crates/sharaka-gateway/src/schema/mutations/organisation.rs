//! Creating and updating organisations, sites and partnerships.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::{Coded, IatiCoded, OrganisationInput, SiteInput};
use sharaka_persistence::write::Cell;

use super::{LocalizedTextInput, merge, merge_text};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::deps;
use crate::schema::ids;
use crate::schema::nodes::{OrganisationNode, SiteNode};
use crate::schema::resolve::one;
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, DESCRIPTION, NAME};

/// Mutations on organisations, sites and partnerships.
#[derive(Default)]
pub struct OrganisationMutation;

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// The name, in at least one language.
    pub name: LocalizedTextInput,
    /// The acronym (at most 32 characters).
    pub acronym: Option<String>,
    /// The partner category.
    pub category: PartnerCategory,
    /// The IATI organisation type.
    pub iati_org_type: Option<OrganisationType>,
    /// Public, private or international law.
    pub legal_nature: Option<LegalNature>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: Option<String>,
    /// The parent body's ID.
    pub parent_id: Option<ID>,
    /// Founding date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub founded_on: Option<String>,
    /// The website (`http` or `https`).
    pub website: Option<String>,
    /// A description.
    pub description: Option<LocalizedTextInput>,
}

/// Changes to an organisation: absent fields stay, `null` clears.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The name.
    pub name: MaybeUndefined<LocalizedTextInput>,
    /// The acronym.
    pub acronym: MaybeUndefined<String>,
    /// The partner category (cannot be cleared).
    pub category: Option<PartnerCategory>,
    /// The IATI organisation type.
    pub iati_org_type: MaybeUndefined<OrganisationType>,
    /// The legal nature.
    pub legal_nature: MaybeUndefined<LegalNature>,
    /// The country code.
    pub country_code: MaybeUndefined<String>,
    /// The parent body's ID.
    pub parent_id: MaybeUndefined<ID>,
    /// The founding date.
    pub founded_on: MaybeUndefined<String>,
    /// The website.
    pub website: MaybeUndefined<String>,
    /// The description.
    pub description: MaybeUndefined<LocalizedTextInput>,
}

fn local(id: &ID, kind: &str) -> Result<String> {
    ids::decode_kind(id, kind).gql()
}

fn organisation_cells(org: &domain::NewOrganisation) -> Cells {
    let mut cells: Cells = write::text_cells(NAME, &org.name).into();
    cells.extend(write::text_cells(DESCRIPTION, &org.description));
    cells.extend([
        ("acronym", Cell::opt_text(org.acronym.as_deref())),
        ("category", Cell::Text(org.category.code().to_owned())),
        (
            "iati_org_type",
            org.iati_org_type
                .map_or(Cell::Null, |t| Cell::Int(i64::from(t.iati_code()))),
        ),
        (
            "legal_nature",
            Cell::opt_text(org.legal_nature.map(Coded::code)),
        ),
        (
            "country_code",
            Cell::opt_text(org.country_code.as_ref().map(domain::CountryCode::as_str)),
        ),
        ("parent_id", Cell::opt_text(org.parent_id.as_ref())),
        ("founded_on", Cell::opt_text(org.founded_on)),
        ("website", Cell::opt_text(org.website.as_deref())),
    ]);
    cells
}

async fn reload<R: sharaka_persistence::Resource>(ctx: &Context<'_>, id: &str) -> Result<R> {
    one::<R>(ctx, Some(id))
        .await?
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "{} `{id}` vanished inside its own transaction",
                R::TABLE
            ))
        })
        .gql()
}

/// The GraphQL name of the kind of record stored in `table`, for error messages.
fn kind_name(table: &str) -> &'static str {
    match table {
        "organisations" => "Organisation",
        "regions" => "Region",
        "sites" => "Site",
        "partnerships" => "Partnership",
        "agreements" => "Agreement",
        "projects" => "Project",
        "training_sessions" => "TrainingSession",
        _ => "record",
    }
}

async fn require_exists<R: sharaka_persistence::Resource>(
    ctx: &Context<'_>,
    id: &str,
    path: &str,
) -> Result<()> {
    if deps(ctx)
        .store
        .by_ids::<R>(&[id.to_owned()])
        .await
        .gql()?
        .is_empty()
    {
        return Err(ApiError::from(domain::DomainError::field(
            path,
            domain::Problem::NotFound {
                kind: kind_name(R::TABLE),
            },
        )))
        .gql();
    }
    Ok(())
}

#[Object]
impl OrganisationMutation {
    /// Creates an organisation. With an `idempotencyKey`, a retry returns the first result.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
        idempotency_key: Option<String>,
    ) -> Result<OrganisationNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createOrganisation",
            || async {
                let parent = input
                    .parent_id
                    .as_ref()
                    .map(|p| local(p, "Organisation"))
                    .transpose()?;
                let command = domain::NewOrganisation::try_from(OrganisationInput {
                    name: input.name.into(),
                    acronym: input.acronym,
                    category: input.category.into(),
                    iati_org_type: input.iati_org_type.map(Into::into),
                    legal_nature: input.legal_nature.map(Into::into),
                    country_code: input.country_code,
                    parent_id: parent.clone(),
                    founded_on: input.founded_on,
                    website: input.website,
                    description: input.description.map(Into::into).unwrap_or_default(),
                })
                .gql()?;
                if let Some(parent) = &parent {
                    require_exists::<domain::Organisation>(ctx, parent, "parentId").await?;
                }
                let id = write::new_id();
                let mut cells = organisation_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                write::create(
                    ctx,
                    "Organisation",
                    "organisations",
                    &id,
                    cells,
                    "createOrganisation",
                )
                .await?;
                Ok(id)
            },
        )
        .await?;
        Ok(OrganisationNode(reload(ctx, &id).await?))
    }

    /// Updates an organisation at `expectedVersion`.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> Result<OrganisationNode> {
        let id = local(&input.id, "Organisation")?;
        let current = one::<domain::Organisation>(ctx, Some(&id))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("organisation `{id}` was not found")))
            .gql()?;
        let parent = match input.parent_id {
            MaybeUndefined::Undefined => MaybeUndefined::Undefined,
            MaybeUndefined::Null => MaybeUndefined::Null,
            MaybeUndefined::Value(p) => MaybeUndefined::Value(local(&p, "Organisation")?),
        };
        let parent_id = merge(current.parent_id.as_ref().map(|p| p.to_string()), parent);
        let command = domain::NewOrganisation::try_from(OrganisationInput {
            name: merge_text(&current.name, input.name),
            acronym: merge(current.acronym.clone(), input.acronym),
            category: input.category.map_or(current.category, Into::into),
            iati_org_type: merge(
                current.iati_org_type,
                input.iati_org_type.map_value(Into::into),
            ),
            legal_nature: merge(
                current.legal_nature,
                input.legal_nature.map_value(Into::into),
            ),
            country_code: merge(
                current.country_code.as_ref().map(|c| c.as_str().to_owned()),
                input.country_code,
            ),
            parent_id: parent_id.clone(),
            founded_on: merge(current.founded_on.map(|d| d.to_string()), input.founded_on),
            website: merge(current.website.clone(), input.website),
            description: merge_text(&current.description, input.description),
        })
        .gql()?;
        if let Some(parent) = &parent_id {
            if parent == &id {
                return Err(ApiError::from(domain::DomainError::invalid_field(
                    "parentId",
                    "an organisation cannot be its own parent",
                )))
                .gql();
            }
            require_exists::<domain::Organisation>(ctx, parent, "parentId").await?;
        }
        write::update(
            ctx,
            "Organisation",
            "organisations",
            &id,
            input.expected_version,
            organisation_cells(&command),
            "updateOrganisation",
            None,
        )
        .await?;
        Ok(OrganisationNode(reload(ctx, &id).await?))
    }
}

// Sites and partnerships follow the same shape; they are declared below so that one module
// holds the write side of the "who and where" part of the graph.

/// A new site.
#[derive(InputObject)]
pub struct CreateSiteInput {
    /// What kind of place it is.
    pub site_type: SiteType,
    /// The name, in at least one language.
    pub name: LocalizedTextInput,
    /// The operator's ID.
    pub operator_id: Option<ID>,
    /// The region's ISO 3166-2 code, `MA-01` … `MA-12`.
    pub region_code: Option<String>,
    /// The city.
    pub city: Option<String>,
    /// The ID of the site this one reports to.
    pub parent_id: Option<ID>,
    /// The status (operational by default).
    pub status: Option<SiteStatus>,
    /// When it opened: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub opened_on: Option<String>,
}

/// Changes to a site: absent fields stay, `null` clears.
#[derive(InputObject)]
pub struct UpdateSiteInput {
    /// The site's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// What kind of place it is (cannot be cleared).
    pub site_type: Option<SiteType>,
    /// The name.
    pub name: MaybeUndefined<LocalizedTextInput>,
    /// The operator's ID.
    pub operator_id: MaybeUndefined<ID>,
    /// The region's ISO 3166-2 code, `MA-01` … `MA-12`.
    pub region_code: MaybeUndefined<String>,
    /// The city.
    pub city: MaybeUndefined<String>,
    /// The ID of the site this one reports to.
    pub parent_id: MaybeUndefined<ID>,
    /// The status (cannot be cleared).
    pub status: Option<SiteStatus>,
    /// When it opened.
    pub opened_on: MaybeUndefined<String>,
}

fn site_cells(site: &domain::NewSite) -> Cells {
    let mut cells: Cells = write::text_cells(NAME, &site.name).into();
    cells.extend([
        ("site_type", Cell::Text(site.site_type.code().to_owned())),
        ("operator_org_id", Cell::opt_text(site.operator_id.as_ref())),
        ("region_id", Cell::opt_text(site.region_id.as_ref())),
        ("city", Cell::opt_text(site.city.as_deref())),
        ("parent_site_id", Cell::opt_text(site.parent_id.as_ref())),
        ("status", Cell::Text(site.status.code().to_owned())),
        ("opened_on", Cell::opt_text(site.opened_on)),
    ]);
    cells
}

/// Mutations on sites.
#[derive(Default)]
pub struct SiteMutation;

#[Object]
impl SiteMutation {
    /// Creates a site.
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        input: CreateSiteInput,
        idempotency_key: Option<String>,
    ) -> Result<SiteNode> {
        let id = write::idempotent(ctx, idempotency_key.as_deref(), "createSite", || async {
            let operator = input
                .operator_id
                .as_ref()
                .map(|p| local(p, "Organisation"))
                .transpose()?;
            let parent = input
                .parent_id
                .as_ref()
                .map(|p| local(p, "Site"))
                .transpose()?;
            let command = domain::NewSite::try_from(SiteInput {
                site_type: input.site_type.into(),
                name: input.name.into(),
                operator_id: operator.clone(),
                region_code: input.region_code,
                city: input.city,
                parent_id: parent.clone(),
                status: input
                    .status
                    .map_or(domain::SiteStatus::Operational, Into::into),
                opened_on: input.opened_on,
            })
            .gql()?;
            if let Some(o) = &operator {
                require_exists::<domain::Organisation>(ctx, o, "operatorId").await?;
            }
            if let Some(r) = &command.region_id {
                require_exists::<domain::Region>(ctx, r.as_str(), "regionCode").await?;
            }
            if let Some(p) = &parent {
                require_exists::<domain::Site>(ctx, p, "parentId").await?;
            }
            let id = write::new_id();
            let mut cells = site_cells(&command);
            cells.push(("id", Cell::Text(id.clone())));
            write::create(ctx, "Site", "sites", &id, cells, "createSite").await?;
            Ok(id)
        })
        .await?;
        Ok(SiteNode(reload(ctx, &id).await?))
    }

    /// Updates a site at `expectedVersion`; the whole result is validated.
    async fn update_site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateSiteInput,
    ) -> Result<SiteNode> {
        let id = local(&input.id, "Site")?;
        let current = one::<domain::Site>(ctx, Some(&id))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("site `{id}` was not found")))
            .gql()?;
        if current.meta.version != input.expected_version {
            return Err(ApiError::from(
                sharaka_persistence::PersistenceError::VersionConflict {
                    table: "sites",
                    id: id.clone(),
                    current: current.meta.version,
                },
            ))
            .gql();
        }
        let patch_id = |patch: MaybeUndefined<ID>, kind: &str| -> Result<MaybeUndefined<String>> {
            Ok(match patch {
                MaybeUndefined::Undefined => MaybeUndefined::Undefined,
                MaybeUndefined::Null => MaybeUndefined::Null,
                MaybeUndefined::Value(p) => MaybeUndefined::Value(local(&p, kind)?),
            })
        };
        let operator = merge(
            current.operator_id.as_ref().map(|o| o.to_string()),
            patch_id(input.operator_id, "Organisation")?,
        );
        let parent = merge(
            current.parent_id.as_ref().map(|p| p.to_string()),
            patch_id(input.parent_id, "Site")?,
        );
        let command = domain::NewSite::try_from(SiteInput {
            site_type: input.site_type.map_or(current.site_type, Into::into),
            name: merge_text(&current.name, input.name),
            operator_id: operator.clone(),
            region_code: merge(
                current.region_id.as_ref().map(|r| r.as_str().to_owned()),
                input.region_code,
            ),
            city: merge(current.city.clone(), input.city),
            parent_id: parent.clone(),
            status: input.status.map_or(current.status, Into::into),
            opened_on: merge(current.opened_on.map(|d| d.to_string()), input.opened_on),
        })
        .gql()?;
        if let Some(o) = &operator {
            require_exists::<domain::Organisation>(ctx, o, "operatorId").await?;
        }
        if let Some(r) = &command.region_id {
            require_exists::<domain::Region>(ctx, r.as_str(), "regionCode").await?;
        }
        if let Some(p) = &parent {
            if p == &id {
                return Err(ApiError::from(domain::DomainError::invalid_field(
                    "parentId",
                    "a site cannot report to itself",
                )))
                .gql();
            }
            require_exists::<domain::Site>(ctx, p, "parentId").await?;
        }
        write::update(
            ctx,
            "Site",
            "sites",
            &id,
            input.expected_version,
            site_cells(&command),
            "updateSite",
            None,
        )
        .await?;
        Ok(SiteNode(reload(ctx, &id).await?))
    }
}

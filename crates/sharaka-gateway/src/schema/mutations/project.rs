//! Projects: a nested, atomic create with participating organisations, sectors and links to
//! sites, regions and agreements; partial updates that replace a list when one is given; and the
//! IATI lifecycle as named transitions (`startProject`, `closeProject`, …) guarded by the
//! domain. Also the commitment lifecycle's transitions (commitments belong to agreements, but
//! the project's closing guard is what counts them), and the small helpers the other record
//! mutations (partnerships, contributions, training sessions, exchange visits) share.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::{Coded, CommitmentAction, IatiCoded, Lifecycle, ProjectAction};
use sharaka_persistence::relations as rel;
use sharaka_persistence::write::Cell;
use sharaka_persistence::{Filter, ListQuery, Op, Resource, Value};

use super::{LocalizedTextInput, merge, merge_text};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::deps;
use crate::schema::ids;
use crate::schema::nodes::{CommitmentNode, ContributionNode, ProjectNode};
use crate::schema::resolve::{all_children, one};
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, DESCRIPTION, TITLE};

// ---------------------------------------------------------------------------------------------
// Helpers shared by the record mutations.

/// The local id of a global `id` that must name a record of `kind`.
pub(super) fn local(id: &ID, kind: &str) -> Result<String> {
    ids::decode_kind(id, kind).gql()
}

/// [`local`] of an optional ID.
pub(super) fn local_opt(id: Option<&ID>, kind: &str) -> Result<Option<String>> {
    id.map(|i| local(i, kind)).transpose()
}

/// [`local`] of every ID of a list.
pub(super) fn local_all(list: &[ID], kind: &str) -> Result<Vec<String>> {
    list.iter().map(|i| local(i, kind)).collect()
}

/// [`local`] of a patched ID: absent stays absent, `null` stays `null`.
pub(super) fn local_patch(patch: MaybeUndefined<ID>, kind: &str) -> Result<MaybeUndefined<String>> {
    Ok(match patch {
        MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        MaybeUndefined::Null => MaybeUndefined::Null,
        MaybeUndefined::Value(id) => MaybeUndefined::Value(local(&id, kind)?),
    })
}

/// A stored partial date as the text an input carries.
pub(super) fn date_text(date: Option<domain::PartialDate>) -> Option<String> {
    date.map(|d| d.to_string())
}

/// A stored id as the text an input carries.
pub(super) fn id_text(id: Option<&impl ToString>) -> Option<String> {
    id.map(ToString::to_string)
}

/// Parses the `date` argument of a transition.
pub(super) fn parse_date(raw: Option<String>, path: &str) -> Result<Option<domain::PartialDate>> {
    raw.map(|d| {
        d.trim().parse::<domain::PartialDate>().map_err(|_| {
            ApiError::from(domain::DomainError::field(
                path,
                domain::Problem::InvalidDate,
            ))
        })
    })
    .transpose()
    .gql()
}

/// A tag column's value (`A,B`).
pub(super) fn tags<T: Coded>(values: &[T]) -> Cell {
    Cell::Text(
        values
            .iter()
            .map(|t| t.code())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// The distinct values of `list`, in first-seen order (a link listed twice is linked once).
pub(super) fn distinct(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// Paths `prefix[i]` for each id of a list.
pub(super) fn each(prefix: &str, ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("{prefix}[{i}]"), id.clone()))
        .collect()
}

/// The path `path` for an optional id.
pub(super) fn at(path: &str, id: Option<&String>) -> Vec<(String, String)> {
    id.map(|id| (path.to_owned(), id.clone()))
        .into_iter()
        .collect()
}

/// The record of type `R` with this id, or `NOT_FOUND` naming it as `what`.
pub(super) async fn load<R: Resource>(ctx: &Context<'_>, id: &str, what: &str) -> Result<R> {
    one::<R>(ctx, Some(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{what} `{id}` was not found")))
        .gql()
}

/// Refuses a stale `expectedVersion` with `CONFLICT` before any validation or guard speaks,
/// so that a caller who read an older state learns about the newer one first. (The versioned
/// write checks it again, atomically.)
pub(super) fn ensure_version(
    meta: &domain::RecordMeta,
    expected_version: i32,
    table: &'static str,
    id: &str,
) -> Result<()> {
    if meta.version == expected_version {
        return Ok(());
    }
    Err(ApiError::from(
        sharaka_persistence::PersistenceError::VersionConflict {
            table,
            id: id.to_owned(),
            current: meta.version,
        },
    ))
    .gql()
}

/// Deletes the rows of a list that belongs to a record, before the list is written anew.
pub(super) async fn clear(
    ctx: &Context<'_>,
    table: &'static str,
    column: &'static str,
    id: &str,
) -> Result<()> {
    deps(ctx)
        .store
        .delete_where(table, column, id)
        .await
        .gql()?;
    Ok(())
}

/// Inserts the rows of a link table `table(parent_column = parent, child_column = child)`.
pub(super) async fn link_all(
    ctx: &Context<'_>,
    table: &'static str,
    parent_column: &'static str,
    parent: &str,
    child_column: &'static str,
    children: &[String],
) -> Result<()> {
    for child in distinct(children) {
        write::insert_child(
            ctx,
            table,
            vec![
                (parent_column, Cell::Text(parent.to_owned())),
                (child_column, Cell::Text(child)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Collects the invalid references of an input (ids of records that do not exist, and other
/// problems found against stored records) so that they are reported together with the domain's
/// own refusals, every invalid field at once.
#[derive(Default)]
pub(super) struct References {
    problems: Vec<domain::FieldError>,
}

impl References {
    /// Checks that each `(path, id)` names an existing `R` (one statement per call).
    pub(super) async fn check<R: Resource>(
        &mut self,
        ctx: &Context<'_>,
        kind: &'static str,
        refs: Vec<(String, String)>,
    ) -> Result<()> {
        if refs.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = refs.iter().map(|(_, id)| id.clone()).collect();
        let found = deps(ctx).store.by_ids::<R>(&ids).await.gql()?;
        for (path, id) in refs {
            if !found.contains_key(&id) {
                self.add(path, domain::Problem::NotFound { kind });
            }
        }
        Ok(())
    }

    /// Records a problem at `path`.
    pub(super) fn add(&mut self, path: impl Into<String>, problem: domain::Problem) {
        self.problems.push(domain::FieldError::new(path, problem));
    }

    /// The domain's verdict on the input, with the reference problems added to its refusals.
    pub(super) fn finish<T>(self, verdict: Result<T, domain::DomainError>) -> Result<T> {
        let outcome = match verdict {
            Ok(value) if self.problems.is_empty() => Ok(value),
            Ok(_) => Err(domain::DomainError::Invalid(self.problems)),
            Err(domain::DomainError::Invalid(mut errors)) => {
                errors.extend(self.problems);
                Err(domain::DomainError::Invalid(errors))
            }
            Err(other) => Err(other),
        };
        outcome.map_err(ApiError::from).gql()
    }
}

/// Keeps the refusals of a re-validation that concern `own_field`, the stored field a
/// transition's `date` argument sets, and ignores the rest (unchanged stored values). A problem
/// of `own_field` itself is reported at `path`; a stored field that may not come before it is
/// reported at its own path, as not to precede `path`.
pub(super) fn refusals_at(
    verdict: Result<(), domain::DomainError>,
    own_field: &str,
    path: &'static str,
) -> Result<()> {
    match verdict {
        Ok(()) => Ok(()),
        Err(domain::DomainError::Invalid(errors)) => {
            let errors: Vec<domain::FieldError> = errors
                .into_iter()
                .filter_map(|e| match e.problem {
                    _ if e.path == own_field => Some(domain::FieldError::new(path, e.problem)),
                    domain::Problem::DateOrder { earlier_field } if earlier_field == own_field => {
                        Some(domain::FieldError::new(
                            e.path,
                            domain::Problem::DateOrder {
                                earlier_field: path,
                            },
                        ))
                    }
                    _ => None,
                })
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(ApiError::from(domain::DomainError::Invalid(errors))).gql()
            }
        }
        Err(other) => Err(ApiError::from(other)).gql(),
    }
}

/// Declares a record's named transitions as GraphQL fields. Each takes `id`, `expectedVersion`
/// and an optional `reason`; the `dated` ones also take a `date`. Each calls
/// `$apply(ctx, local_id, expected_version, action, reason, date, mutation_name)`.
macro_rules! transitions {
    (
        $ty:ident, $node:ty, $kind:literal, $apply:path;
        dated { $( $(#[$ddoc:meta])* $dfield:ident => $daction:expr, $dname:literal, $date_doc:literal );* $(;)? }
        plain { $( $(#[$pdoc:meta])* $pfield:ident => $paction:expr, $pname:literal );* $(;)? }
    ) => {
        #[Object]
        impl $ty {
            $(
                $(#[$ddoc])*
                async fn $dfield(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = "The record's ID.")] id: ID,
                    #[graphql(desc = "The version you read; a stale one is refused with `CONFLICT`.")]
                    expected_version: i32,
                    #[graphql(desc = "Why, recorded in the audit event.")] reason: Option<String>,
                    #[graphql(desc = $date_doc)] date: Option<String>,
                ) -> Result<$node> {
                    let id = $crate::schema::mutations::project::local(&id, $kind)?;
                    $apply(ctx, &id, expected_version, $daction, reason, date, $dname).await
                }
            )*
            $(
                $(#[$pdoc])*
                async fn $pfield(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = "The record's ID.")] id: ID,
                    #[graphql(desc = "The version you read; a stale one is refused with `CONFLICT`.")]
                    expected_version: i32,
                    #[graphql(desc = "Why, recorded in the audit event.")] reason: Option<String>,
                ) -> Result<$node> {
                    let id = $crate::schema::mutations::project::local(&id, $kind)?;
                    $apply(ctx, &id, expected_version, $paction, reason, None, $pname).await
                }
            )*
        }
    };
}

pub(crate) use transitions;

// ---------------------------------------------------------------------------------------------
// Projects.

/// Mutations on projects.
#[derive(Default)]
pub struct ProjectMutation;

/// An organisation taking part in a project.
#[derive(InputObject)]
pub struct ProjectParticipantInput {
    /// The organisation's ID.
    pub organisation_id: ID,
    /// Its IATI role: funding, accountable, extending or implementing.
    pub role: OrganisationRole,
}

/// A sector a project works in.
#[derive(InputObject)]
pub struct ProjectSectorInput {
    /// IATI SectorVocabulary: 1 = OECD DAC 5-digit, 2 = DAC 3-digit, 7 = SDG goal, … (1–10, 98,
    /// 99).
    pub vocabulary: i32,
    /// The sector's code in that vocabulary, such as `15137`.
    pub code: String,
    /// The project's share in this sector, 0–100; the shares of one vocabulary add up to at
    /// most 100.
    pub percentage: Option<i32>,
}

/// A new project with its participants, sectors, sites, regions and agreements, created in one
/// step. It starts in the pipeline (IATI status 1).
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// The IATI activity identifier (no spaces).
    pub iati_identifier: Option<String>,
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// A description.
    pub description: Option<LocalizedTextInput>,
    /// The parent project's ID.
    pub parent_id: Option<ID>,
    /// Planned start: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub planned_start: Option<String>,
    /// Actual start.
    pub actual_start: Option<String>,
    /// Planned end.
    pub planned_end: Option<String>,
    /// Actual end.
    pub actual_end: Option<String>,
    /// Participating organisations with their roles.
    #[graphql(default)]
    pub participants: Vec<ProjectParticipantInput>,
    /// Sectors.
    #[graphql(default)]
    pub sectors: Vec<ProjectSectorInput>,
    /// IDs of the sites it works at.
    #[graphql(default)]
    pub site_ids: Vec<ID>,
    /// ISO 3166-2 codes of the regions it works in, `MA-01` … `MA-12`.
    #[graphql(default)]
    pub region_codes: Vec<String>,
    /// IDs of the agreements it implements.
    #[graphql(default)]
    pub agreement_ids: Vec<ID>,
}

/// Changes to a project: absent fields stay, `null` clears; a list, when given, replaces the
/// stored list. Its status changes only through the transition mutations.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The IATI activity identifier.
    pub iati_identifier: MaybeUndefined<String>,
    /// The title.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// The description.
    pub description: MaybeUndefined<LocalizedTextInput>,
    /// The parent project's ID.
    pub parent_id: MaybeUndefined<ID>,
    /// Planned start.
    pub planned_start: MaybeUndefined<String>,
    /// Actual start.
    pub actual_start: MaybeUndefined<String>,
    /// Planned end.
    pub planned_end: MaybeUndefined<String>,
    /// Actual end.
    pub actual_end: MaybeUndefined<String>,
    /// Participating organisations (replaces the list).
    pub participants: Option<Vec<ProjectParticipantInput>>,
    /// Sectors (replaces the list).
    pub sectors: Option<Vec<ProjectSectorInput>>,
    /// IDs of the sites it works at (replaces the list).
    pub site_ids: Option<Vec<ID>>,
    /// Codes of the regions it works in (replaces the list).
    pub region_codes: Option<Vec<String>>,
    /// IDs of the agreements it implements (replaces the list).
    pub agreement_ids: Option<Vec<ID>>,
}

fn participant_inputs(list: &[ProjectParticipantInput]) -> Result<Vec<domain::ParticipantInput>> {
    list.iter()
        .map(|p| {
            Ok(domain::ParticipantInput {
                organisation_id: local(&p.organisation_id, "Organisation")?,
                role: p.role.into(),
            })
        })
        .collect()
}

fn sector_inputs(list: Vec<ProjectSectorInput>) -> Vec<domain::SectorInput> {
    list.into_iter()
        .map(|s| domain::SectorInput {
            vocabulary: s.vocabulary,
            code: s.code,
            percentage: s.percentage,
        })
        .collect()
}

/// Region codes as stored (`MA-04`): trimmed and upper-cased.
fn region_ids(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect()
}

fn project_cells(p: &domain::NewProject) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &p.title).into();
    cells.extend(write::text_cells(DESCRIPTION, &p.description));
    cells.extend([
        (
            "iati_identifier",
            Cell::opt_text(p.iati_identifier.as_deref()),
        ),
        ("planned_start", Cell::opt_text(p.dates.planned_start)),
        ("actual_start", Cell::opt_text(p.dates.actual_start)),
        ("planned_end", Cell::opt_text(p.dates.planned_end)),
        ("actual_end", Cell::opt_text(p.dates.actual_end)),
        ("parent_project_id", Cell::opt_text(p.parent_id.as_ref())),
    ]);
    cells
}

/// Checks the references of a project's input: parent, participants, sites, regions and
/// agreements (only the lists that are given).
async fn check_project_references(
    ctx: &Context<'_>,
    refs: &mut References,
    parent: Option<&String>,
    participants: Option<&[domain::ParticipantInput]>,
    sites: Option<&[String]>,
    regions: Option<&[String]>,
    agreements: Option<&[String]>,
) -> Result<()> {
    refs.check::<domain::Project>(ctx, "Project", at("parentId", parent))
        .await?;
    if let Some(participants) = participants {
        let paths = participants
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("participants[{i}].organisationId"),
                    p.organisation_id.clone(),
                )
            })
            .collect();
        refs.check::<domain::Organisation>(ctx, "Organisation", paths)
            .await?;
    }
    if let Some(sites) = sites {
        refs.check::<domain::Site>(ctx, "Site", each("siteIds", sites))
            .await?;
    }
    if let Some(regions) = regions {
        refs.check::<domain::Region>(ctx, "Region", each("regionCodes", regions))
            .await?;
    }
    if let Some(agreements) = agreements {
        refs.check::<domain::Agreement>(ctx, "Agreement", each("agreementIds", agreements))
            .await?;
    }
    Ok(())
}

async fn write_participants(
    ctx: &Context<'_>,
    id: &str,
    participants: &[domain::NewParticipant],
) -> Result<()> {
    for p in participants {
        write::insert_child(
            ctx,
            "project_participants",
            vec![
                ("id", Cell::Text(write::new_id())),
                ("project_id", Cell::Text(id.to_owned())),
                ("organisation_id", Cell::Text(p.organisation_id.to_string())),
                ("role", Cell::Int(i64::from(p.role.iati_code()))),
            ],
        )
        .await?;
    }
    Ok(())
}

async fn write_sectors(ctx: &Context<'_>, id: &str, sectors: &[domain::NewSector]) -> Result<()> {
    for s in sectors {
        write::insert_child(
            ctx,
            "project_sectors",
            vec![
                ("project_id", Cell::Text(id.to_owned())),
                ("vocabulary", Cell::Int(i64::from(s.vocabulary))),
                ("code", Cell::Text(s.code.clone())),
                (
                    "percentage",
                    s.percentage.map_or(Cell::Null, |p| Cell::Int(i64::from(p))),
                ),
            ],
        )
        .await?;
    }
    Ok(())
}

async fn project_node(ctx: &Context<'_>, id: &str) -> Result<ProjectNode> {
    Ok(ProjectNode(load(ctx, id, "project").await?))
}

/// A stored project as the domain's input, with the given lists and dates.
fn project_input(
    project: &domain::Project,
    dates: &domain::ProjectDates,
    participants: Vec<domain::ParticipantInput>,
    sectors: Vec<domain::SectorInput>,
) -> domain::ProjectInput {
    domain::ProjectInput {
        iati_identifier: project.iati_identifier.clone(),
        title: project.title.clone(),
        description: project.description.clone(),
        parent_id: id_text(project.parent_id.as_ref()),
        planned_start: date_text(dates.planned_start),
        actual_start: date_text(dates.actual_start),
        planned_end: date_text(dates.planned_end),
        actual_end: date_text(dates.actual_end),
        participants,
        sectors,
    }
}

#[Object]
impl ProjectMutation {
    /// Creates a project with its participants, sectors and links in one step (all or
    /// nothing). It starts in the pipeline (IATI status 1). With an `idempotencyKey`, a retry
    /// returns the first result.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project.")] input: CreateProjectInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<ProjectNode> {
        let id = write::idempotent(ctx, idempotency_key.as_deref(), "createProject", || async {
            let parent = local_opt(input.parent_id.as_ref(), "Project")?;
            let participants = participant_inputs(&input.participants)?;
            let sites = local_all(&input.site_ids, "Site")?;
            let regions = region_ids(&input.region_codes);
            let agreements = local_all(&input.agreement_ids, "Agreement")?;
            let mut refs = References::default();
            check_project_references(
                ctx,
                &mut refs,
                parent.as_ref(),
                Some(&participants),
                Some(&sites),
                Some(&regions),
                Some(&agreements),
            )
            .await?;
            let command = refs.finish(domain::NewProject::try_from(domain::ProjectInput {
                iati_identifier: input.iati_identifier,
                title: input.title.into(),
                description: input.description.map(Into::into).unwrap_or_default(),
                parent_id: parent,
                planned_start: input.planned_start,
                actual_start: input.actual_start,
                planned_end: input.planned_end,
                actual_end: input.actual_end,
                participants,
                sectors: sector_inputs(input.sectors),
            }))?;
            let id = write::new_id();
            let mut cells = project_cells(&command);
            cells.push(("id", Cell::Text(id.clone())));
            cells.push((
                "status",
                Cell::Int(i64::from(<ProjectAction as Lifecycle>::INITIAL.iati_code())),
            ));
            write::create(ctx, "Project", "projects", &id, cells, "createProject").await?;
            write_participants(ctx, &id, &command.participants).await?;
            write_sectors(ctx, &id, &command.sectors).await?;
            link_all(ctx, "project_sites", "project_id", &id, "site_id", &sites).await?;
            link_all(
                ctx,
                "project_regions",
                "project_id",
                &id,
                "region_id",
                &regions,
            )
            .await?;
            link_all(
                ctx,
                "project_agreements",
                "project_id",
                &id,
                "agreement_id",
                &agreements,
            )
            .await?;
            Ok(id)
        })
        .await?;
        project_node(ctx, &id).await
    }

    /// Updates a project at `expectedVersion`: its own fields are merged and the whole result
    /// validated; each list that is given replaces the stored one.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateProjectInput,
    ) -> Result<ProjectNode> {
        let id = local(&input.id, "Project")?;
        let current: domain::Project = load(ctx, &id, "project").await?;
        ensure_version(&current.meta, input.expected_version, "projects", &id)?;
        let parent = merge(
            id_text(current.parent_id.as_ref()),
            local_patch(input.parent_id, "Project")?,
        );
        let new_participants = input
            .participants
            .as_deref()
            .map(participant_inputs)
            .transpose()?;
        let participants = match &new_participants {
            Some(list) => list.clone(),
            None => all_children::<domain::ProjectParticipant>(ctx, rel::PROJECT_PARTICIPANTS, &id)
                .await?
                .into_iter()
                .map(|p| domain::ParticipantInput {
                    organisation_id: p.organisation_id.to_string(),
                    role: p.role,
                })
                .collect(),
        };
        let sectors_given = input.sectors.is_some();
        let sectors = match input.sectors {
            Some(list) => sector_inputs(list),
            None => all_children::<domain::ProjectSector>(ctx, rel::PROJECT_SECTORS, &id)
                .await?
                .into_iter()
                .map(|s| domain::SectorInput {
                    vocabulary: s.vocabulary,
                    code: s.code,
                    percentage: s.percentage,
                })
                .collect(),
        };
        let sites = input
            .site_ids
            .as_deref()
            .map(|l| local_all(l, "Site"))
            .transpose()?;
        let regions = input.region_codes.as_deref().map(region_ids);
        let agreements = input
            .agreement_ids
            .as_deref()
            .map(|l| local_all(l, "Agreement"))
            .transpose()?;
        let mut refs = References::default();
        if parent.as_deref() == Some(id.as_str()) {
            refs.add(
                "parentId",
                domain::Problem::Other("a project cannot be its own parent".into()),
            );
        }
        check_project_references(
            ctx,
            &mut refs,
            parent.as_ref(),
            new_participants.as_deref(),
            sites.as_deref(),
            regions.as_deref(),
            agreements.as_deref(),
        )
        .await?;
        let d = &current.dates;
        let command = refs.finish(domain::NewProject::try_from(domain::ProjectInput {
            iati_identifier: merge(current.iati_identifier.clone(), input.iati_identifier),
            title: merge_text(&current.title, input.title),
            description: merge_text(&current.description, input.description),
            parent_id: parent,
            planned_start: merge(date_text(d.planned_start), input.planned_start),
            actual_start: merge(date_text(d.actual_start), input.actual_start),
            planned_end: merge(date_text(d.planned_end), input.planned_end),
            actual_end: merge(date_text(d.actual_end), input.actual_end),
            participants,
            sectors,
        }))?;
        write::update_then(
            ctx,
            "Project",
            "projects",
            &id,
            input.expected_version,
            project_cells(&command),
            "updateProject",
            None,
            || async {
                if new_participants.is_some() {
                    clear(ctx, "project_participants", "project_id", &id).await?;
                    write_participants(ctx, &id, &command.participants).await?;
                }
                if sectors_given {
                    clear(ctx, "project_sectors", "project_id", &id).await?;
                    write_sectors(ctx, &id, &command.sectors).await?;
                }
                if let Some(sites) = &sites {
                    clear(ctx, "project_sites", "project_id", &id).await?;
                    link_all(ctx, "project_sites", "project_id", &id, "site_id", sites).await?;
                }
                if let Some(regions) = &regions {
                    clear(ctx, "project_regions", "project_id", &id).await?;
                    link_all(
                        ctx,
                        "project_regions",
                        "project_id",
                        &id,
                        "region_id",
                        regions,
                    )
                    .await?;
                }
                if let Some(agreements) = &agreements {
                    clear(ctx, "project_agreements", "project_id", &id).await?;
                    link_all(
                        ctx,
                        "project_agreements",
                        "project_id",
                        &id,
                        "agreement_id",
                        agreements,
                    )
                    .await?;
                }
                Ok(())
            },
        )
        .await?;
        project_node(ctx, &id).await
    }
}

/// How many commitments of the agreements a project implements are `IN_PROGRESS`.
async fn commitments_in_progress(ctx: &Context<'_>, project_id: &str) -> Result<usize> {
    let query = ListQuery {
        filter: Some(Filter::All(vec![
            Filter::Compare {
                field: "status",
                op: Op::Eq,
                value: Value::Text(domain::CommitmentStatus::InProgress.code().to_owned()),
            },
            Filter::Related {
                field: "agreement_id",
                table: "project_agreements",
                select: "agreement_id",
                where_field: "project_id",
                values: vec![Value::Text(project_id.to_owned())],
            },
        ])),
        ..ListQuery::first(1)
    };
    let count = deps(ctx)
        .store
        .count::<domain::Commitment>(&query)
        .await
        .gql()?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// Applies a project transition: checks it in the domain (with the actual dates, including a
/// `date` given with the transition, and the commitments in progress), writes the status and
/// the date, and records the event with its reason.
async fn project_transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: ProjectAction,
    reason: Option<String>,
    date: Option<String>,
    action_name: &str,
) -> Result<ProjectNode> {
    let project: domain::Project = load(ctx, id, "project").await?;
    ensure_version(&project.meta, expected_version, "projects", id)?;
    let date = parse_date(date, "date")?;
    let mut dates = project.dates.clone();
    let mut cells: Cells = Vec::new();
    if let Some(date) = date {
        let own_field = match action {
            ProjectAction::Start => {
                dates.actual_start = Some(date);
                cells.push(("actual_start", Cell::Text(date.to_string())));
                "actualStart"
            }
            // `completeProjectPhysically` and `closeProject`, the other dated transitions.
            _ => {
                dates.actual_end = Some(date);
                cells.push(("actual_end", Cell::Text(date.to_string())));
                "actualEnd"
            }
        };
        let verdict =
            domain::NewProject::try_from(project_input(&project, &dates, Vec::new(), Vec::new()))
                .map(|_| ());
        refusals_at(verdict, own_field, "date")?;
    }
    let commitments = if action == ProjectAction::Close {
        commitments_in_progress(ctx, id).await?
    } else {
        0
    };
    let facts = domain::ProjectFacts {
        actual_start: dates.actual_start,
        actual_end: dates.actual_end,
        commitments_in_progress: commitments,
        override_reason: reason.clone(),
    };
    let status = domain::project_transition(project.status, action, &facts).gql()?;
    cells.push(("status", Cell::Int(i64::from(status.iati_code()))));
    write::update(
        ctx,
        "Project",
        "projects",
        id,
        expected_version,
        cells,
        action_name,
        reason.as_deref(),
    )
    .await?;
    project_node(ctx, id).await
}

/// The project lifecycle's named transitions (IATI ActivityStatus, DOMAIN.md §4.5). A refused
/// one is `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct ProjectTransitions;

transitions! {
    ProjectTransitions, ProjectNode, "Project", project_transition;
    dated {
        /// Starts implementation (pipeline → implementation). Needs the actual start date:
        /// give it as `date` or record it first.
        start_project => ProjectAction::Start, "startProject",
            "The actual start date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), stored as `actualStart`.";
        /// Records that the work is done (implementation → finalisation).
        complete_project_physically => ProjectAction::PhysicallyComplete, "completeProjectPhysically",
            "The actual end date, stored as `actualEnd`.";
        /// Closes a project in finalisation. Needs the actual end date; refused while
        /// commitments of the agreements it implements are in progress, unless a `reason` is
        /// given to override.
        close_project => ProjectAction::Close, "closeProject",
            "The actual end date, stored as `actualEnd`.";
    }
    plain {
        /// Cancels a project in the pipeline, in implementation or suspended.
        cancel_project => ProjectAction::Cancel, "cancelProject";
        /// Suspends a project in implementation.
        suspend_project => ProjectAction::Suspend, "suspendProject";
        /// Resumes a suspended project.
        resume_project => ProjectAction::Resume, "resumeProject";
    }
}

// ---------------------------------------------------------------------------------------------
// Commitments.

/// Applies a commitment transition and records the event with its reason.
async fn commitment_transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: CommitmentAction,
    reason: Option<String>,
    _date: Option<String>,
    action_name: &str,
) -> Result<CommitmentNode> {
    let commitment: domain::Commitment = load(ctx, id, "commitment").await?;
    ensure_version(&commitment.meta, expected_version, "commitments", id)?;
    let status = domain::commitment_transition(commitment.status, action).gql()?;
    write::update(
        ctx,
        "Commitment",
        "commitments",
        id,
        expected_version,
        vec![("status", Cell::Text(status.code().to_owned()))],
        action_name,
        reason.as_deref(),
    )
    .await?;
    Ok(CommitmentNode(load(ctx, id, "commitment").await?))
}

/// The commitment lifecycle's named transitions (DOMAIN.md §4.5). A refused one is
/// `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct CommitmentTransitions;

transitions! {
    CommitmentTransitions, CommitmentNode, "Commitment", commitment_transition;
    dated {}
    plain {
        /// Starts work on a planned commitment.
        start_commitment => CommitmentAction::Start, "startCommitment";
        /// Records that a commitment in progress was honoured in full.
        fulfil_commitment => CommitmentAction::Fulfil, "fulfilCommitment";
        /// Records that a commitment in progress was honoured in part.
        partially_fulfil_commitment => CommitmentAction::PartiallyFulfil, "partiallyFulfilCommitment";
        /// Records that a commitment in progress was not honoured.
        mark_commitment_not_fulfilled => CommitmentAction::MarkNotFulfilled, "markCommitmentNotFulfilled";
        /// Lifts a planned or in-progress commitment by mutual agreement.
        waive_commitment => CommitmentAction::Waive, "waiveCommitment";
    }
}

// ---------------------------------------------------------------------------------------------
// Contributions (to a project, an agreement or a training session; the read side keeps them
// with projects too).

/// Mutations on contributions.
#[derive(Default)]
pub struct ContributionMutation;

/// A new contribution: a resource an organisation brings to exactly one project, agreement or
/// training session. It starts as pledged.
#[derive(InputObject)]
pub struct CreateContributionInput {
    /// The contributing organisation's ID.
    pub contributor_id: ID,
    /// The project it goes to (give exactly one of `projectId`, `agreementId`,
    /// `trainingSessionId`).
    pub project_id: Option<ID>,
    /// The agreement it goes to.
    pub agreement_id: Option<ID>,
    /// The training session it goes to.
    pub training_session_id: Option<ID>,
    /// The kind of resource.
    pub contribution_type: ContributionType,
    /// What is contributed.
    pub description: Option<LocalizedTextInput>,
    /// How much, as a decimal such as `30` or `12.5`; needs a `unit`.
    pub quantity: Option<String>,
    /// The unit of the quantity, such as `PERSON_DAY`.
    pub unit: Option<String>,
    /// The value, as a decimal with at most the currency's decimals (`3000000.00`); needs a
    /// `currency`, and is required for cash.
    pub amount: Option<String>,
    /// The ISO 4217 currency of the amount, such as `EUR` or `MAD`.
    pub currency: Option<String>,
}

/// Changes to a contribution: absent fields stay, `null` clears. To move it to another target,
/// clear the current one and set the new one in the same update. Its status changes only
/// through the transition mutations.
#[derive(InputObject)]
pub struct UpdateContributionInput {
    /// The contribution's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// The contributing organisation's ID.
    pub contributor_id: Option<ID>,
    /// The project it goes to.
    pub project_id: MaybeUndefined<ID>,
    /// The agreement it goes to.
    pub agreement_id: MaybeUndefined<ID>,
    /// The training session it goes to.
    pub training_session_id: MaybeUndefined<ID>,
    /// The kind of resource.
    pub contribution_type: Option<ContributionType>,
    /// What is contributed.
    pub description: MaybeUndefined<LocalizedTextInput>,
    /// How much.
    pub quantity: MaybeUndefined<String>,
    /// The unit of the quantity.
    pub unit: MaybeUndefined<String>,
    /// The value.
    pub amount: MaybeUndefined<String>,
    /// The currency of the amount.
    pub currency: MaybeUndefined<String>,
}

/// An amount in the currency's minor units (what storage keeps): amount × 10^minor digits,
/// exactly.
fn minor_units(money: &domain::Money) -> Result<i64> {
    use rust_decimal::prelude::ToPrimitive;
    let factor = rust_decimal::Decimal::from(10_i64.pow(money.currency.minor_digits()));
    money
        .amount
        .checked_mul(factor)
        .filter(|scaled| scaled.fract().is_zero())
        .and_then(|scaled| scaled.to_i64())
        .ok_or_else(|| {
            ApiError::from(domain::DomainError::field(
                "amount",
                domain::Problem::InvalidNumber,
            ))
        })
        .gql()
}

fn contribution_cells(c: &domain::NewContribution) -> Result<Cells> {
    let (project, agreement, session) = match &c.target {
        domain::ContributionTarget::Project(id) => (Some(id.to_string()), None, None),
        domain::ContributionTarget::Agreement(id) => (None, Some(id.to_string()), None),
        domain::ContributionTarget::TrainingSession(id) => (None, None, Some(id.to_string())),
    };
    let amount = c.value.as_ref().map(minor_units).transpose()?;
    let mut cells: Cells = write::text_cells(DESCRIPTION, &c.description).into();
    cells.extend([
        (
            "contributor_org_id",
            Cell::Text(c.contributor_id.to_string()),
        ),
        ("project_id", Cell::opt_text(project)),
        ("agreement_id", Cell::opt_text(agreement)),
        ("training_session_id", Cell::opt_text(session)),
        (
            "contribution_type",
            Cell::Text(c.contribution_type.code().to_owned()),
        ),
        ("quantity", Cell::opt_text(c.quantity)),
        ("unit", Cell::opt_text(c.unit.as_deref())),
        ("amount_minor", amount.map_or(Cell::Null, Cell::Int)),
        (
            "currency",
            Cell::opt_text(c.value.as_ref().map(|m| m.currency.as_str())),
        ),
    ]);
    Ok(cells)
}

/// Checks that the contributor and the target exist.
async fn check_contribution_references(
    ctx: &Context<'_>,
    refs: &mut References,
    input: &domain::ContributionInput,
) -> Result<()> {
    refs.check::<domain::Organisation>(
        ctx,
        "Organisation",
        at("contributorId", Some(&input.contributor_id)),
    )
    .await?;
    refs.check::<domain::Project>(ctx, "Project", at("projectId", input.project_id.as_ref()))
        .await?;
    refs.check::<domain::Agreement>(
        ctx,
        "Agreement",
        at("agreementId", input.agreement_id.as_ref()),
    )
    .await?;
    refs.check::<domain::TrainingSession>(
        ctx,
        "TrainingSession",
        at("trainingSessionId", input.training_session_id.as_ref()),
    )
    .await
}

async fn contribution_node(ctx: &Context<'_>, id: &str) -> Result<ContributionNode> {
    Ok(ContributionNode(load(ctx, id, "contribution").await?))
}

#[Object]
impl ContributionMutation {
    /// Creates a contribution to exactly one project, agreement or training session. It starts
    /// as pledged. With an `idempotencyKey`, a retry returns the first result.
    async fn create_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution.")] input: CreateContributionInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<ContributionNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createContribution",
            || async {
                let raw = domain::ContributionInput {
                    contributor_id: local(&input.contributor_id, "Organisation")?,
                    project_id: local_opt(input.project_id.as_ref(), "Project")?,
                    agreement_id: local_opt(input.agreement_id.as_ref(), "Agreement")?,
                    training_session_id: local_opt(
                        input.training_session_id.as_ref(),
                        "TrainingSession",
                    )?,
                    contribution_type: input.contribution_type.into(),
                    description: input.description.map(Into::into).unwrap_or_default(),
                    quantity: input.quantity,
                    unit: input.unit,
                    amount: input.amount,
                    currency: input.currency,
                };
                let mut refs = References::default();
                check_contribution_references(ctx, &mut refs, &raw).await?;
                let command = refs.finish(domain::NewContribution::try_from(raw))?;
                let id = write::new_id();
                let mut cells = contribution_cells(&command)?;
                cells.push(("id", Cell::Text(id.clone())));
                cells.push((
                    "status",
                    Cell::Text(
                        <domain::ContributionAction as Lifecycle>::INITIAL
                            .code()
                            .to_owned(),
                    ),
                ));
                write::create(
                    ctx,
                    "Contribution",
                    "contributions",
                    &id,
                    cells,
                    "createContribution",
                )
                .await?;
                Ok(id)
            },
        )
        .await?;
        contribution_node(ctx, &id).await
    }

    /// Updates a contribution at `expectedVersion`; the whole result is validated (exactly one
    /// target, money with at most the currency's decimals).
    async fn update_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateContributionInput,
    ) -> Result<ContributionNode> {
        let id = local(&input.id, "Contribution")?;
        let current: domain::Contribution = load(ctx, &id, "contribution").await?;
        ensure_version(&current.meta, input.expected_version, "contributions", &id)?;
        let contributor_id = match &input.contributor_id {
            Some(c) => local(c, "Organisation")?,
            None => current.contributor_id.to_string(),
        };
        let raw = domain::ContributionInput {
            contributor_id,
            project_id: merge(
                id_text(current.project_id.as_ref()),
                local_patch(input.project_id, "Project")?,
            ),
            agreement_id: merge(
                id_text(current.agreement_id.as_ref()),
                local_patch(input.agreement_id, "Agreement")?,
            ),
            training_session_id: merge(
                id_text(current.training_session_id.as_ref()),
                local_patch(input.training_session_id, "TrainingSession")?,
            ),
            contribution_type: input
                .contribution_type
                .map_or(current.contribution_type, Into::into),
            description: merge_text(&current.description, input.description),
            quantity: merge(current.quantity.map(|q| q.to_string()), input.quantity),
            unit: merge(current.unit.clone(), input.unit),
            amount: merge(
                current.value.as_ref().map(|m| m.amount.to_string()),
                input.amount,
            ),
            currency: merge(
                current
                    .value
                    .as_ref()
                    .map(|m| m.currency.as_str().to_owned()),
                input.currency,
            ),
        };
        let mut refs = References::default();
        check_contribution_references(ctx, &mut refs, &raw).await?;
        let command = refs.finish(domain::NewContribution::try_from(raw))?;
        write::update(
            ctx,
            "Contribution",
            "contributions",
            &id,
            input.expected_version,
            contribution_cells(&command)?,
            "updateContribution",
            None,
        )
        .await?;
        contribution_node(ctx, &id).await
    }
}

/// Applies a contribution transition and records the event with its reason.
async fn contribution_transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: domain::ContributionAction,
    reason: Option<String>,
    _date: Option<String>,
    action_name: &str,
) -> Result<ContributionNode> {
    let contribution: domain::Contribution = load(ctx, id, "contribution").await?;
    ensure_version(&contribution.meta, expected_version, "contributions", id)?;
    let status = domain::contribution_transition(contribution.status, action).gql()?;
    write::update(
        ctx,
        "Contribution",
        "contributions",
        id,
        expected_version,
        vec![("status", Cell::Text(status.code().to_owned()))],
        action_name,
        reason.as_deref(),
    )
    .await?;
    contribution_node(ctx, id).await
}

/// The contribution lifecycle's named transitions (DOMAIN.md §4.5). A refused one is
/// `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct ContributionTransitions;

transitions! {
    ContributionTransitions, ContributionNode, "Contribution", contribution_transition;
    dated {}
    plain {
        /// Turns a pledge into a firm commitment.
        commit_contribution => domain::ContributionAction::Commit, "commitContribution";
        /// Records that a committed contribution was delivered in full.
        deliver_contribution => domain::ContributionAction::Deliver, "deliverContribution";
        /// Records that a committed contribution was delivered in part.
        partially_deliver_contribution => domain::ContributionAction::PartiallyDeliver, "partiallyDeliverContribution";
        /// Withdraws a pledged or committed contribution.
        cancel_contribution => domain::ContributionAction::Cancel, "cancelContribution";
    }
}

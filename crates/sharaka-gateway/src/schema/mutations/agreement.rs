//! Agreements: a nested, atomic create with parties and commitments; updates; signatures; and the
//! lifecycle as named transitions (`signAgreement`, `suspendAgreement`, …) guarded by the domain.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::{AgreementAction, Coded, Lifecycle};
use sharaka_persistence::relations as rel;
use sharaka_persistence::write::Cell;
use sharaka_persistence::{Filter, ListQuery, Op, Value};

use super::{LocalizedTextInput, merge, merge_text};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::deps;
use crate::schema::ids;
use crate::schema::nodes::{AgreementNode, AgreementPartyNode};
use crate::schema::resolve::one;
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, DESCRIPTION, OBJECTIVES, TITLE};

/// Mutations on agreements, their parties and commitments.
#[derive(Default)]
pub struct AgreementMutation;

/// A party to a new agreement.
#[derive(InputObject)]
pub struct AgreementPartyInput {
    /// The organisation's ID.
    pub organisation_id: ID,
    /// Its role.
    pub role: AgreementPartyRole,
    /// When it signed, if it has: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub signed_on: Option<String>,
}

/// A commitment of a new agreement.
#[derive(InputObject)]
pub struct CommitmentInput {
    /// The ID of the organisation that owes it; it must be one of the parties.
    pub party_organisation_id: ID,
    /// What kind of obligation.
    pub kind: CommitmentKind,
    /// What is owed, in at least one language.
    pub description: LocalizedTextInput,
    /// When it is due.
    pub due_on: Option<String>,
}

/// A new agreement with its parties and commitments, created in one step.
#[derive(InputObject)]
pub struct CreateAgreementInput {
    /// The official reference.
    pub reference: Option<String>,
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// The kind of instrument.
    pub agreement_type: AgreementType,
    /// The objectives.
    pub objectives: Option<LocalizedTextInput>,
    /// Themes.
    #[graphql(default)]
    pub themes: Vec<Theme>,
    /// IDs of the partnerships it governs.
    #[graphql(default)]
    pub partnership_ids: Vec<ID>,
    /// The framework or base agreement's ID (required for an amendment).
    pub parent_id: Option<ID>,
    /// The ID of the agreement it replaces.
    pub supersedes_id: Option<ID>,
    /// When it was drafted.
    pub drafted_on: Option<String>,
    /// When its text was agreed.
    pub agreed_on: Option<String>,
    /// When the last party signed.
    pub signed_on: Option<String>,
    /// When it takes effect.
    pub effective_from: Option<String>,
    /// When it ends.
    pub effective_to: Option<String>,
    /// The parties, at least one.
    pub parties: Vec<AgreementPartyInput>,
    /// The parties' commitments.
    #[graphql(default)]
    pub commitments: Vec<CommitmentInput>,
}

/// Changes to an agreement's own fields: absent fields stay, `null` clears. Its status changes
/// only through the transition mutations; parties through `addAgreementParty` and
/// `recordPartySignature`.
#[derive(InputObject)]
pub struct UpdateAgreementInput {
    /// The agreement's ID.
    pub id: ID,
    /// The version you read.
    pub expected_version: i32,
    /// The reference.
    pub reference: MaybeUndefined<String>,
    /// The title.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// The kind of instrument.
    pub agreement_type: Option<AgreementType>,
    /// The objectives.
    pub objectives: MaybeUndefined<LocalizedTextInput>,
    /// Themes (replaces the list).
    pub themes: Option<Vec<Theme>>,
    /// Drafting date.
    pub drafted_on: MaybeUndefined<String>,
    /// Agreement date.
    pub agreed_on: MaybeUndefined<String>,
    /// Start of effect.
    pub effective_from: MaybeUndefined<String>,
    /// End of effect.
    pub effective_to: MaybeUndefined<String>,
}

fn local(id: &ID, kind: &str) -> Result<String> {
    ids::decode_kind(id, kind).gql()
}

fn agreement_cells(a: &domain::NewAgreement) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &a.title).into();
    cells.extend(write::text_cells(OBJECTIVES, &a.objectives));
    cells.extend([
        ("reference", Cell::opt_text(a.reference.as_deref())),
        (
            "agreement_type",
            Cell::Text(a.agreement_type.code().to_owned()),
        ),
        (
            "themes",
            Cell::Text(
                a.themes
                    .iter()
                    .map(|t| t.code())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ),
        ("drafted_on", Cell::opt_text(a.dates.drafted_on)),
        ("agreed_on", Cell::opt_text(a.dates.agreed_on)),
        ("signed_on", Cell::opt_text(a.dates.signed_on)),
        ("effective_from", Cell::opt_text(a.dates.effective_from)),
        ("effective_to", Cell::opt_text(a.dates.effective_to)),
        ("parent_agreement_id", Cell::opt_text(a.parent_id.as_ref())),
        ("supersedes_id", Cell::opt_text(a.supersedes_id.as_ref())),
    ]);
    cells
}

async fn check_references(ctx: &Context<'_>, a: &domain::NewAgreement) -> Result<()> {
    let store = &deps(ctx).store;
    let mut missing = Vec::new();
    let orgs: Vec<String> = a
        .parties
        .iter()
        .map(|p| p.organisation_id.to_string())
        .collect();
    let found = store.by_ids::<domain::Organisation>(&orgs).await.gql()?;
    for (i, org) in orgs.iter().enumerate() {
        if !found.contains_key(org) {
            missing.push(domain::FieldError::new(
                format!("parties[{i}].organisationId"),
                domain::Problem::NotFound {
                    kind: "Organisation",
                },
            ));
        }
    }
    let partnerships: Vec<String> = a.partnership_ids.iter().map(|p| p.to_string()).collect();
    let found = store
        .by_ids::<domain::Partnership>(&partnerships)
        .await
        .gql()?;
    for (i, p) in partnerships.iter().enumerate() {
        if !found.contains_key(p) {
            missing.push(domain::FieldError::new(
                format!("partnershipIds[{i}]"),
                domain::Problem::NotFound {
                    kind: "Partnership",
                },
            ));
        }
    }
    for (path, id) in [
        ("parentId", &a.parent_id),
        ("supersedesId", &a.supersedes_id),
    ] {
        if let Some(id) = id
            && store
                .by_ids::<domain::Agreement>(&[id.to_string()])
                .await
                .gql()?
                .is_empty()
        {
            missing.push(domain::FieldError::new(
                path,
                domain::Problem::NotFound { kind: "Agreement" },
            ));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::from(domain::DomainError::Invalid(missing))).gql()
    }
}

async fn load_agreement(ctx: &Context<'_>, id: &str) -> Result<domain::Agreement> {
    one::<domain::Agreement>(ctx, Some(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("agreement `{id}` was not found")))
        .gql()
}

async fn agreement_node(ctx: &Context<'_>, id: &str) -> Result<AgreementNode> {
    Ok(AgreementNode(load_agreement(ctx, id).await?))
}

/// What the agreement's guards need: its parties' signatures and whether a successor exists.
async fn facts(
    ctx: &Context<'_>,
    agreement: &domain::Agreement,
    reason: Option<String>,
    date: Option<domain::PartialDate>,
) -> Result<domain::AgreementFacts> {
    let store = &deps(ctx).store;
    let id = agreement.id.to_string();
    let parties = store
        .children::<domain::AgreementParty>(
            &rel::AGREEMENT_PARTIES,
            std::slice::from_ref(&id),
            &ListQuery::first(10_000),
        )
        .await
        .gql()?
        .remove(&id)
        .unwrap_or_default();
    let successors = ListQuery {
        filter: Some(Filter::Compare {
            field: "supersedes_id",
            op: Op::Eq,
            value: Value::Text(id.clone()),
        }),
        ..ListQuery::first(1)
    };
    let has_successor = store.count::<domain::Agreement>(&successors).await.gql()? > 0;
    Ok(domain::AgreementFacts {
        parties: parties.iter().map(|p| (p.role, p.signed_on)).collect(),
        signed_on: agreement.dates.signed_on,
        effective_from: agreement.dates.effective_from,
        effective_to: agreement.dates.effective_to,
        auto_renewal: false,
        has_successor,
        reason,
        terminated_on: date,
    })
}

/// Applies a transition: checks it in the domain, writes the status (and dates it implies), and
/// records the event with its reason.
pub(crate) async fn transition(
    ctx: &Context<'_>,
    id: &str,
    expected_version: i32,
    action: AgreementAction,
    reason: Option<String>,
    date: Option<domain::PartialDate>,
    action_name: &str,
) -> Result<AgreementNode> {
    let agreement = load_agreement(ctx, id).await?;
    if agreement.meta.version != expected_version {
        // A stale caller learns about the newer state before any guard speaks.
        return Err(ApiError::from(
            sharaka_persistence::PersistenceError::VersionConflict {
                table: "agreements",
                id: id.to_owned(),
                current: agreement.meta.version,
            },
        ))
        .gql();
    }
    let facts = facts(ctx, &agreement, reason.clone(), date).await?;
    let today = chrono::Utc::now().date_naive();
    let outcome = domain::agreement_transition(agreement.status, action, &facts, today).gql()?;
    let mut cells: Cells = vec![("status", Cell::Text(outcome.status.code().to_owned()))];
    // Only dates the transition itself establishes are written: the signature date (the last
    // signatory's) and the termination date the user gave. Dates a user never entered are not
    // invented, so later updates are never refused over a date the server chose.
    match action {
        AgreementAction::Sign => cells.push(("signed_on", Cell::opt_text(outcome.signed_on))),
        AgreementAction::Terminate => cells.push(("terminated_on", Cell::opt_text(date))),
        _ => {}
    }
    write::update(
        ctx,
        "Agreement",
        "agreements",
        id,
        expected_version,
        cells,
        action_name,
        reason.as_deref(),
    )
    .await?;
    agreement_node(ctx, id).await
}

fn parse_date(raw: Option<String>, path: &str) -> Result<Option<domain::PartialDate>> {
    raw.map(|d| {
        d.parse::<domain::PartialDate>().map_err(|_| {
            ApiError::from(domain::DomainError::field(
                path,
                domain::Problem::InvalidDate,
            ))
        })
    })
    .transpose()
    .gql()
}

macro_rules! transitions {
    ($( $(#[$doc:meta])* $field:ident => $action:ident, $name:literal );+ $(;)?) => {
        #[Object]
        impl AgreementTransitions {
            $(
                $(#[$doc])*
                async fn $field(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = "The agreement's ID.")] id: ID,
                    #[graphql(desc = "The version you read.")] expected_version: i32,
                    #[graphql(desc = "Why (required to suspend or terminate).")] reason: Option<String>,
                    #[graphql(desc = "The date of the event where one is recorded (termination date).")] date: Option<String>,
                ) -> Result<AgreementNode> {
                    let id = local(&id, "Agreement")?;
                    let date = parse_date(date, "date")?;
                    transition(ctx, &id, expected_version, AgreementAction::$action, reason, date, $name).await
                }
            )+
        }
    };
}

/// The agreement lifecycle's named transitions (DOMAIN.md §4.5). A refused one is
/// `INVALID_TRANSITION`, naming the current status and the transitions allowed from it.
#[derive(Default)]
pub struct AgreementTransitions;

transitions! {
    /// Opens negotiation on a draft.
    submit_agreement => Submit, "submitAgreement";
    /// Sends an agreement under negotiation back to draft.
    redraft_agreement => Redraft, "redraftAgreement";
    /// Records that the text is agreed and awaits signature.
    agree_agreement => Agree, "agreeAgreement";
    /// Reopens negotiation on an agreed text.
    reopen_agreement => Reopen, "reopenAgreement";
    /// Signs: every signatory and co-signatory party must have a signing date.
    sign_agreement => Sign, "signAgreement";
    /// Puts a signed agreement into force (from its effective date).
    enter_agreement_into_force => EnterIntoForce, "enterAgreementIntoForce";
    /// Suspends an agreement in force; needs a reason.
    suspend_agreement => Suspend, "suspendAgreement";
    /// Resumes a suspended agreement.
    resume_agreement => Resume, "resumeAgreement";
    /// Records that an agreement in force was carried out.
    complete_agreement => Complete, "completeAgreement";
    /// Terminates an agreement; needs a reason and a date.
    terminate_agreement => Terminate, "terminateAgreement";
    /// Marks an agreement replaced by a successor that names it in `supersedes`.
    supersede_agreement => Supersede, "supersedeAgreement";
    /// Abandons an agreement that was never signed.
    abandon_agreement => Abandon, "abandonAgreement";
}

#[Object]
impl AgreementMutation {
    /// Creates an agreement with its parties and commitments in one step (all or nothing). It
    /// starts as a draft.
    async fn create_agreement(
        &self,
        ctx: &Context<'_>,
        input: CreateAgreementInput,
        idempotency_key: Option<String>,
    ) -> Result<AgreementNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createAgreement",
            || async {
                let decode_all = |list: &[ID], kind: &str| -> Result<Vec<String>> {
                    list.iter().map(|i| local(i, kind)).collect()
                };
                let command = domain::NewAgreement::try_from(domain::AgreementInput {
                    reference: input.reference,
                    title: input.title.into(),
                    agreement_type: input.agreement_type.into(),
                    objectives: input.objectives.map(Into::into).unwrap_or_default(),
                    themes: input.themes.into_iter().map(Into::into).collect(),
                    partnership_ids: decode_all(&input.partnership_ids, "Partnership")?,
                    parent_id: input
                        .parent_id
                        .as_ref()
                        .map(|p| local(p, "Agreement"))
                        .transpose()?,
                    supersedes_id: input
                        .supersedes_id
                        .as_ref()
                        .map(|p| local(p, "Agreement"))
                        .transpose()?,
                    drafted_on: input.drafted_on,
                    agreed_on: input.agreed_on,
                    signed_on: input.signed_on,
                    effective_from: input.effective_from,
                    effective_to: input.effective_to,
                    parties: input
                        .parties
                        .into_iter()
                        .map(|p| {
                            Ok(domain::AgreementPartyInput {
                                organisation_id: local(&p.organisation_id, "Organisation")?,
                                role: p.role.into(),
                                signed_on: p.signed_on,
                            })
                        })
                        .collect::<Result<_>>()?,
                    commitments: input
                        .commitments
                        .into_iter()
                        .map(|c| {
                            Ok(domain::CommitmentInput {
                                party_organisation_id: local(
                                    &c.party_organisation_id,
                                    "Organisation",
                                )?,
                                kind: c.kind.into(),
                                description: c.description.into(),
                                due_on: c.due_on,
                            })
                        })
                        .collect::<Result<_>>()?,
                })
                .gql()?;
                check_references(ctx, &command).await?;
                let id = write::new_id();
                let mut cells = agreement_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                cells.push((
                    "status",
                    Cell::Text(<AgreementAction as Lifecycle>::INITIAL.code().to_owned()),
                ));
                write::create(
                    ctx,
                    "Agreement",
                    "agreements",
                    &id,
                    cells,
                    "createAgreement",
                )
                .await?;
                for partnership in &command.partnership_ids {
                    write::insert_child(
                        ctx,
                        "agreement_partnerships",
                        vec![
                            ("agreement_id", Cell::Text(id.clone())),
                            ("partnership_id", Cell::Text(partnership.to_string())),
                        ],
                    )
                    .await?;
                }
                for party in &command.parties {
                    write::insert_child(
                        ctx,
                        "agreement_parties",
                        vec![
                            ("id", Cell::Text(write::new_id())),
                            ("agreement_id", Cell::Text(id.clone())),
                            (
                                "organisation_id",
                                Cell::Text(party.organisation_id.to_string()),
                            ),
                            ("role", Cell::Text(party.role.code().to_owned())),
                            ("signed_on", Cell::opt_text(party.signed_on)),
                        ],
                    )
                    .await?;
                }
                for commitment in &command.commitments {
                    let mut cells: Cells =
                        write::text_cells(DESCRIPTION, &commitment.description).into();
                    cells.extend([
                        ("id", Cell::Text(write::new_id())),
                        ("agreement_id", Cell::Text(id.clone())),
                        (
                            "party_org_id",
                            Cell::Text(commitment.party_org_id.to_string()),
                        ),
                        ("kind", Cell::Text(commitment.kind.code().to_owned())),
                        ("due_on", Cell::opt_text(commitment.due_on)),
                        (
                            "status",
                            Cell::Text(domain::CommitmentStatus::Planned.code().to_owned()),
                        ),
                    ]);
                    write::insert_child(ctx, "commitments", cells).await?;
                }
                Ok(id)
            },
        )
        .await?;
        agreement_node(ctx, &id).await
    }

    /// Updates an agreement's own fields at `expectedVersion`; the whole result is validated.
    async fn update_agreement(
        &self,
        ctx: &Context<'_>,
        input: UpdateAgreementInput,
    ) -> Result<AgreementNode> {
        let id = local(&input.id, "Agreement")?;
        let current = load_agreement(ctx, &id).await?;
        let d = &current.dates;
        let text = |v: Option<domain::PartialDate>| v.map(|d| d.to_string());
        // Validate the merged agreement as a whole; parties are not part of this patch, so one
        // placeholder party satisfies the "at least one party" rule without being written.
        let command = domain::NewAgreement::try_from(domain::AgreementInput {
            reference: merge(current.reference.clone(), input.reference),
            title: merge_text(&current.title, input.title),
            agreement_type: input
                .agreement_type
                .map_or(current.agreement_type, Into::into),
            objectives: merge_text(&current.objectives, input.objectives),
            themes: input.themes.map_or(current.themes.clone(), |t| {
                t.into_iter().map(Into::into).collect()
            }),
            partnership_ids: Vec::new(),
            parent_id: current.parent_id.as_ref().map(|p| p.to_string()),
            supersedes_id: current.supersedes_id.as_ref().map(|p| p.to_string()),
            drafted_on: merge(text(d.drafted_on), input.drafted_on),
            agreed_on: merge(text(d.agreed_on), input.agreed_on),
            signed_on: text(d.signed_on),
            effective_from: merge(text(d.effective_from), input.effective_from),
            effective_to: merge(text(d.effective_to), input.effective_to),
            parties: vec![domain::AgreementPartyInput {
                organisation_id: "placeholder".into(),
                role: domain::AgreementPartyRole::Witness,
                signed_on: None,
            }],
            commitments: Vec::new(),
        })
        .gql()?;
        write::update(
            ctx,
            "Agreement",
            "agreements",
            &id,
            input.expected_version,
            agreement_cells(&command),
            "updateAgreement",
            None,
        )
        .await?;
        agreement_node(ctx, &id).await
    }

    /// Records the date a party signed (and bumps the party's version).
    async fn record_party_signature(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The party's ID.")] party_id: ID,
        #[graphql(desc = "The party's version you read.")] expected_version: i32,
        #[graphql(desc = "When it signed: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.")] signed_on: String,
    ) -> Result<AgreementPartyNode> {
        let id = local(&party_id, "AgreementParty")?;
        let signed_on = parse_date(Some(signed_on), "signedOn")?;
        let Some(party) = one::<domain::AgreementParty>(ctx, Some(&id)).await? else {
            return Err(ApiError::NotFound(format!(
                "agreement party `{id}` was not found"
            )))
            .gql();
        };
        // Signatures belong to the road to signing: once the agreement is signed, in force or
        // ended, its signature dates are history.
        let agreement = load_agreement(ctx, party.agreement_id.as_str()).await?;
        if !matches!(
            agreement.status,
            domain::AgreementStatus::Draft
                | domain::AgreementStatus::UnderNegotiation
                | domain::AgreementStatus::AgreedPendingSignature
        ) {
            return Err(ApiError::from(domain::DomainError::field(
                "partyId",
                domain::Problem::Other(format!(
                    "signatures can no longer be recorded: the agreement is {}",
                    agreement.status.code()
                )),
            )))
            .gql();
        }
        write::update(
            ctx,
            "AgreementParty",
            "agreement_parties",
            &id,
            expected_version,
            vec![("signed_on", Cell::opt_text(signed_on))],
            "recordPartySignature",
            None,
        )
        .await?;
        Ok(AgreementPartyNode(
            one::<domain::AgreementParty>(ctx, Some(&id))
                .await?
                .ok_or_else(|| ApiError::Internal("party vanished".into()))
                .gql()?,
        ))
    }
}

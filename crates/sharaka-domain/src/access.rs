//! Who may read and change what (issue 4), as pure functions over a [`Principal`]. The gateway
//! turns a [`ReadScope`] into the store's visibility filter — one enforcement point for lists,
//! relations, `node(id)` and aggregates — and asks [`can_write`] before every change.

use crate::codes::Role;
use crate::error::DomainError;
use crate::ids::{OrganisationId, RegionId};

/// The identity a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// The name recorded in the audit trail (a person's subject, a token's name).
    pub actor: String,
    /// The role.
    pub role: Role,
    /// The regions a regional officer works in.
    pub regions: Vec<RegionId>,
    /// The organisation a partner belongs to.
    pub organisation: Option<OrganisationId>,
}

impl Principal {
    /// The anonymous principal: no identity, the `PUBLIC` role (or the configured one).
    pub fn anonymous(role: Role) -> Self {
        Self {
            actor: "anonymous".to_owned(),
            role,
            regions: Vec::new(),
            organisation: None,
        }
    }

    /// A principal with a role and no scope.
    pub fn with_role(actor: impl Into<String>, role: Role) -> Self {
        Self {
            actor: actor.into(),
            role,
            regions: Vec::new(),
            organisation: None,
        }
    }
}

/// The kinds of record access rules speak about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// Organisations.
    Organisation,
    /// Regions.
    Region,
    /// Sites.
    Site,
    /// Partnerships.
    Partnership,
    /// Agreements.
    Agreement,
    /// Agreement parties.
    AgreementParty,
    /// Commitments.
    Commitment,
    /// Projects.
    Project,
    /// Project participations and sectors.
    ProjectDetail,
    /// A project's results, with their indicators, periods and disaggregated values: visible
    /// when the project is.
    ProjectResult,
    /// Contributions.
    Contribution,
    /// Training sessions.
    TrainingSession,
    /// Training tallies.
    TrainingTally,
    /// Exchange visits.
    ExchangeVisit,
    /// Delegation tallies.
    DelegationTally,
    /// The audit trail.
    AuditEvent,
    /// API tokens.
    ApiToken,
}

/// Which records of a kind a principal may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// Every record.
    All,
    /// None.
    Nothing,
    /// Only what is published: active and completed agreements, and what hangs off them.
    Published,
    /// Only records this organisation takes part in.
    Organisation(OrganisationId),
}

/// The read scope of `principal` over `kind`.
pub fn read_scope(principal: &Principal, kind: RecordKind) -> ReadScope {
    use RecordKind as K;
    match principal.role {
        Role::Admin => ReadScope::All,
        Role::Editor => match kind {
            K::ApiToken => ReadScope::Nothing,
            _ => ReadScope::All,
        },
        Role::RegionalOfficer | Role::Viewer => match kind {
            K::AuditEvent | K::ApiToken => ReadScope::Nothing,
            _ => ReadScope::All,
        },
        Role::Partner => match (kind, &principal.organisation) {
            (K::Organisation | K::Region | K::Site, _) => ReadScope::All,
            (K::AuditEvent | K::ApiToken, _) | (_, None) => ReadScope::Nothing,
            (_, Some(org)) => ReadScope::Organisation(org.clone()),
        },
        Role::Public => match kind {
            K::Organisation | K::Region | K::Site | K::Partnership => ReadScope::All,
            K::Agreement | K::AgreementParty | K::Project | K::ProjectDetail | K::ProjectResult => {
                ReadScope::Published
            }
            _ => ReadScope::Nothing,
        },
    }
}

/// A change a principal asks to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAction {
    /// Create a record.
    Create,
    /// Change a record's fields.
    Update,
    /// Move a record through its lifecycle.
    Transition,
    /// Archive or restore a record.
    Archive,
    /// Delete a never-referenced record for good.
    Delete,
    /// Issue or revoke API tokens.
    ManageTokens,
}

/// Where a record sits, for scoped roles: its regions and the organisations it involves.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteTarget<'a> {
    /// The regions the record is located in (its sites', a session's venue, a project's regions).
    pub regions: &'a [RegionId],
    /// The organisations the record belongs to (a contribution's contributor, a commitment's
    /// party, a session's providers).
    pub organisations: &'a [OrganisationId],
}

fn forbidden(principal: &Principal, action: WriteAction, kind: RecordKind) -> DomainError {
    DomainError::Forbidden {
        role: principal.role,
        action: format!("{action:?}"),
        kind: format!("{kind:?}"),
    }
}

/// Whether `principal` may apply `action` to a record of `kind` located at `target`.
pub fn can_write(
    principal: &Principal,
    action: WriteAction,
    kind: RecordKind,
    target: WriteTarget<'_>,
) -> Result<(), DomainError> {
    use RecordKind as K;
    let allowed = match principal.role {
        Role::Admin => true,
        Role::Editor => !matches!(action, WriteAction::Delete | WriteAction::ManageTokens),
        Role::RegionalOfficer => {
            matches!(
                action,
                WriteAction::Create
                    | WriteAction::Update
                    | WriteAction::Transition
                    | WriteAction::Archive
            ) && matches!(
                kind,
                K::Site
                    | K::TrainingSession
                    | K::TrainingTally
                    | K::ExchangeVisit
                    | K::DelegationTally
                    | K::Project
                    | K::ProjectDetail
                    | K::ProjectResult
            ) && !target.regions.is_empty()
                && target.regions.iter().all(|r| principal.regions.contains(r))
        }
        Role::Partner => {
            let own = principal
                .organisation
                .as_ref()
                .is_some_and(|org| target.organisations.contains(org));
            own && match kind {
                K::Contribution => matches!(
                    action,
                    WriteAction::Create | WriteAction::Update | WriteAction::Transition
                ),
                K::Commitment => action == WriteAction::Transition,
                // The organisations of a result are its project's implementers (issue 5).
                K::ProjectResult => matches!(
                    action,
                    WriteAction::Create | WriteAction::Update | WriteAction::Transition
                ),
                K::TrainingSession | K::TrainingTally => {
                    matches!(action, WriteAction::Update | WriteAction::Transition)
                }
                _ => false,
            }
        }
        Role::Viewer | Role::Public => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(forbidden(principal, action, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> RegionId {
        RegionId::from_trusted(code.to_owned())
    }

    fn org(id: &str) -> OrganisationId {
        OrganisationId::from_trusted(id.to_owned())
    }

    #[test]
    fn public_reads_only_published_agreements_and_no_activity_detail() {
        let p = Principal::anonymous(Role::Public);
        assert_eq!(read_scope(&p, RecordKind::Organisation), ReadScope::All);
        assert_eq!(read_scope(&p, RecordKind::Agreement), ReadScope::Published);
        assert_eq!(read_scope(&p, RecordKind::Commitment), ReadScope::Nothing);
        assert_eq!(
            read_scope(&p, RecordKind::TrainingSession),
            ReadScope::Nothing
        );
        assert_eq!(read_scope(&p, RecordKind::AuditEvent), ReadScope::Nothing);
    }

    #[test]
    fn a_partner_without_an_organisation_sees_nothing_of_its_own() {
        let mut p = Principal::with_role("pri", Role::Partner);
        assert_eq!(read_scope(&p, RecordKind::Agreement), ReadScope::Nothing);
        p.organisation = Some(org("org:pri"));
        assert_eq!(
            read_scope(&p, RecordKind::Agreement),
            ReadScope::Organisation(org("org:pri"))
        );
        assert_eq!(read_scope(&p, RecordKind::Site), ReadScope::All);
    }

    #[test]
    fn a_regional_officer_writes_only_inside_its_regions() {
        let mut p = Principal::with_role("officer", Role::RegionalOfficer);
        p.regions = vec![region("MA-04")];
        let inside = [region("MA-04")];
        let straddling = [region("MA-04"), region("MA-06")];
        let at = |regions| WriteTarget {
            regions,
            organisations: &[],
        };
        assert!(
            can_write(
                &p,
                WriteAction::Update,
                RecordKind::TrainingSession,
                at(&inside)
            )
            .is_ok()
        );
        assert!(
            can_write(
                &p,
                WriteAction::Update,
                RecordKind::TrainingSession,
                at(&straddling)
            )
            .is_err()
        );
        assert!(
            can_write(
                &p,
                WriteAction::Update,
                RecordKind::TrainingSession,
                at(&[])
            )
            .is_err()
        );
        assert!(can_write(&p, WriteAction::Create, RecordKind::Agreement, at(&inside)).is_err());
    }

    #[test]
    fn a_partner_records_its_own_contributions_only() {
        let mut p = Principal::with_role("pri", Role::Partner);
        p.organisation = Some(org("org:pri"));
        let own = [org("org:pri")];
        let other = [org("org:fm6")];
        let of = |organisations| WriteTarget {
            regions: &[],
            organisations,
        };
        assert!(can_write(&p, WriteAction::Create, RecordKind::Contribution, of(&own)).is_ok());
        assert!(
            can_write(
                &p,
                WriteAction::Create,
                RecordKind::Contribution,
                of(&other)
            )
            .is_err()
        );
        assert!(
            can_write(
                &p,
                WriteAction::Transition,
                RecordKind::Commitment,
                of(&own)
            )
            .is_ok()
        );
        assert!(can_write(&p, WriteAction::Update, RecordKind::Agreement, of(&own)).is_err());
    }

    #[test]
    fn results_follow_their_project() {
        let mut partner = Principal::with_role("pri", Role::Partner);
        partner.organisation = Some(org("org:pri"));
        let implementers = [org("org:pri")];
        let mut officer = Principal::with_role("officer", Role::RegionalOfficer);
        officer.regions = vec![region("MA-04")];
        let inside = [region("MA-04")];
        let at = |regions, organisations| WriteTarget {
            regions,
            organisations,
        };
        let kind = RecordKind::ProjectResult;
        assert!(
            can_write(
                &partner,
                WriteAction::Transition,
                kind,
                at(&[], &implementers)
            )
            .is_ok()
        );
        assert!(can_write(&partner, WriteAction::Create, kind, at(&inside, &[])).is_err());
        assert!(can_write(&partner, WriteAction::Archive, kind, at(&[], &implementers)).is_err());
        assert!(can_write(&officer, WriteAction::Create, kind, at(&inside, &[])).is_ok());
        assert!(can_write(&officer, WriteAction::Update, kind, at(&[], &implementers)).is_err());
        assert_eq!(
            read_scope(&Principal::anonymous(Role::Public), kind),
            ReadScope::Published
        );
        assert_eq!(
            read_scope(&partner, kind),
            ReadScope::Organisation(org("org:pri"))
        );
    }

    #[test]
    fn only_admins_delete_and_manage_tokens() {
        let editor = Principal::with_role("e", Role::Editor);
        let admin = Principal::with_role("a", Role::Admin);
        let any = WriteTarget::default();
        assert!(can_write(&editor, WriteAction::Delete, RecordKind::Organisation, any).is_err());
        assert!(can_write(&editor, WriteAction::Update, RecordKind::Organisation, any).is_ok());
        assert!(can_write(&admin, WriteAction::ManageTokens, RecordKind::ApiToken, any).is_ok());
        assert!(
            can_write(
                &Principal::anonymous(Role::Viewer),
                WriteAction::Update,
                RecordKind::Site,
                any
            )
            .is_err()
        );
    }
}

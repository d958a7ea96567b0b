//! The agreement's guards and its time-driven transitions.

use chrono::NaiveDate;

use super::{AgreementAction, Lifecycle, has_text};
use crate::codes::{AgreementPartyRole, AgreementStatus};
use crate::error::DomainError;
use crate::partial_date::PartialDate;
use crate::problem::Problem;

/// What the agreement's guards need to know, loaded by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementFacts {
    /// Every party's role and signing date.
    pub parties: Vec<(AgreementPartyRole, Option<PartialDate>)>,
    /// The recorded date of the last signature.
    pub signed_on: Option<PartialDate>,
    /// When the agreement takes effect; defaults to `signed_on`.
    pub effective_from: Option<PartialDate>,
    /// When the agreement ends.
    pub effective_to: Option<PartialDate>,
    /// Whether the agreement renews itself at its end date.
    pub auto_renewal: bool,
    /// Whether a successor agreement names this one in `supersedes`.
    pub has_successor: bool,
    /// The reason the user gave (required to suspend or terminate).
    pub reason: Option<String>,
    /// The termination date the user gave (required to terminate).
    pub terminated_on: Option<PartialDate>,
}

/// The result of an allowed agreement transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreementOutcome {
    /// The new status.
    pub status: AgreementStatus,
    /// On `SIGN`, the latest signing date of the signatories, to store as `signedOn`.
    pub signed_on: Option<PartialDate>,
}

/// Moves an agreement from `from` by `action`, checking the table, then the guards of
/// DOMAIN.md §4.5 against `facts` and `today`.
///
/// Partial dates are compared by the period they denote: an agreement effective from `2026-09`
/// may enter into force from 1 September 2026, and one running to `2026-09` expires only after
/// 30 September 2026.
pub fn agreement_transition(
    from: AgreementStatus,
    action: AgreementAction,
    facts: &AgreementFacts,
    today: NaiveDate,
) -> Result<AgreementOutcome, DomainError> {
    let status = AgreementAction::step(from, action)?;
    let refuse = |problem| Err(AgreementAction::refusal(from, action, Some(problem)));
    let mut signed_on = None;
    match action {
        AgreementAction::Sign => {
            let signatures: Vec<Option<PartialDate>> = facts
                .parties
                .iter()
                .filter(|(role, _)| {
                    matches!(
                        role,
                        AgreementPartyRole::Signatory | AgreementPartyRole::CoSignatory
                    )
                })
                .map(|(_, on)| *on)
                .collect();
            if signatures.is_empty() {
                return refuse(Problem::NoSignatories);
            }
            let count = signatures.iter().filter(|on| on.is_none()).count();
            if count > 0 {
                return refuse(Problem::UnsignedSignatories { count });
            }
            signed_on = signatures.into_iter().flatten().max();
        }
        AgreementAction::EnterIntoForce => match facts.effective_from.or(facts.signed_on) {
            None => return refuse(Problem::NoEffectiveDate),
            Some(from_date) if today < from_date.earliest() => {
                return refuse(Problem::NotYetEffective {
                    effective_from: from_date,
                });
            }
            Some(_) => {}
        },
        AgreementAction::Expire => match facts.effective_to {
            None => return refuse(Problem::NoEndDate),
            Some(to) if today <= to.latest() => {
                return refuse(Problem::NotYetEnded { effective_to: to });
            }
            Some(_) if facts.auto_renewal => return refuse(Problem::AutoRenewal),
            Some(_) if facts.has_successor => return refuse(Problem::SuccessorExists),
            Some(_) => {}
        },
        AgreementAction::Supersede if !facts.has_successor => {
            return refuse(Problem::NoSuccessor);
        }
        AgreementAction::Suspend if !has_text(facts.reason.as_deref()) => {
            return refuse(Problem::ReasonRequired);
        }
        AgreementAction::Terminate => {
            if !has_text(facts.reason.as_deref()) {
                return refuse(Problem::ReasonRequired);
            }
            if facts.terminated_on.is_none() {
                return refuse(Problem::TerminationDateRequired);
            }
        }
        _ => {}
    }
    Ok(AgreementOutcome { status, signed_on })
}

/// The time-driven action now due for an agreement, if any: `ENTER_INTO_FORCE` for a `SIGNED`
/// agreement whose effective date (or signing date) has come, `EXPIRE` for an `ACTIVE` one past
/// its end date without auto-renewal or successor. Auto-renewing agreements are extended by the
/// caller instead, and never reported here.
pub fn due_time_driven(
    status: AgreementStatus,
    facts: &AgreementFacts,
    today: NaiveDate,
) -> Option<AgreementAction> {
    [AgreementAction::EnterIntoForce, AgreementAction::Expire]
        .into_iter()
        .find(|action| agreement_transition(status, *action, facts, today).is_ok())
}

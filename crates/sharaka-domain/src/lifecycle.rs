//! The lifecycles of DOMAIN.md §4.5 as pure functions: a record's status changes only through a
//! named action, allowed by a table and checked by the action's guard.
//!
//! Each machine has an action enum implementing [`Lifecycle`] (the table: [`Lifecycle::next`],
//! [`Lifecycle::allowed`], [`Lifecycle::step`]) and a `*_transition` function that also checks
//! the guards against a small context of facts the caller loads. A refusal is
//! [`DomainError::InvalidTransition`] naming the current status and the actions allowed from it;
//! a guard's refusal also carries its [`Problem`]. Time-driven changes are found by
//! [`due_time_driven`] and applied by a background task elsewhere.

mod activity;
mod agreement;

pub use activity::{
    ProjectFacts, TrainingFacts, ensure_tallies_editable, project_transition, tallies_locked,
    training_transition,
};
pub use agreement::{AgreementFacts, AgreementOutcome, agreement_transition, due_time_driven};

use std::fmt;

use crate::codes::*;
use crate::error::DomainError;
use crate::problem::Problem;

/// A state machine's actions: the table of allowed transitions and how a refusal reads.
pub trait Lifecycle: Copy + Eq + fmt::Debug + 'static {
    /// The status the machine moves through.
    type Status: Coded + Eq + fmt::Debug;
    /// The record kind, as in global IDs (`Agreement`, `Project`…).
    const ENTITY: &'static str;
    /// The status a newly created record starts in.
    const INITIAL: Self::Status;
    /// Every action, in declaration order.
    const ALL: &'static [Self];

    /// The action's stable code (`SCREAMING_SNAKE`), as in audit events and errors.
    fn code(self) -> &'static str;

    /// The status `action` leads to from `status`, or `None` when the table forbids it.
    fn next(status: Self::Status, action: Self) -> Option<Self::Status>;

    /// The actions the table allows from `status`, in declaration order.
    fn allowed(status: Self::Status) -> Vec<Self> {
        Self::ALL
            .iter()
            .copied()
            .filter(|a| Self::next(status, *a).is_some())
            .collect()
    }

    /// True when no action leaves `status`.
    fn is_final(status: Self::Status) -> bool {
        Self::allowed(status).is_empty()
    }

    /// The error refusing `action` from `status`, with a guard's `reason` when there is one.
    fn refusal(status: Self::Status, action: Self, reason: Option<Problem>) -> DomainError {
        DomainError::InvalidTransition {
            entity: Self::ENTITY,
            current: status.code(),
            action: action.code(),
            allowed: Self::allowed(status).into_iter().map(Self::code).collect(),
            reason,
        }
    }

    /// Applies the table only (no guard): the next status, or the refusal.
    fn step(status: Self::Status, action: Self) -> Result<Self::Status, DomainError> {
        Self::next(status, action).ok_or_else(|| Self::refusal(status, action, None))
    }
}

/// Declares an action enum, its codes and its transition table.
macro_rules! lifecycle {
    (
        $(#[$meta:meta])*
        $action:ident for $status:ident, entity $entity:literal, initial $initial:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
        table { $( $from:ident --$act:ident--> $to:ident ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $action {
            $( $(#[$vmeta])* $variant, )+
        }

        impl Lifecycle for $action {
            type Status = $status;
            const ENTITY: &'static str = $entity;
            const INITIAL: $status = $status::$initial;
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            fn next(status: $status, action: Self) -> Option<$status> {
                match (status, action) {
                    $( ($status::$from, Self::$act) => Some($status::$to), )+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $action {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

lifecycle! {
    /// What can happen to an agreement (DOMAIN.md §4.5).
    AgreementAction for AgreementStatus, entity "Agreement", initial Draft {
        /// Opens negotiation on a draft.
        Submit = "SUBMIT",
        /// Sends a text under negotiation back to drafting.
        Redraft = "REDRAFT",
        /// Finalises the text; it now awaits signatures.
        Agree = "AGREE",
        /// Reopens negotiation on an agreed text.
        Reopen = "REOPEN",
        /// Records that every signatory has signed.
        Sign = "SIGN",
        /// The agreement takes effect.
        EnterIntoForce = "ENTER_INTO_FORCE",
        /// Pauses an agreement in force (needs a reason).
        Suspend = "SUSPEND",
        /// Ends a suspension.
        Resume = "RESUME",
        /// The agreement achieved its purpose.
        Complete = "COMPLETE",
        /// The end date passed without renewal (time-driven).
        Expire = "EXPIRE",
        /// Ends the agreement early (needs a reason and a date).
        Terminate = "TERMINATE",
        /// A successor agreement replaces this one.
        Supersede = "SUPERSEDE",
        /// Gives up an agreement that was never signed.
        Abandon = "ABANDON",
    }
    table {
        Draft --Submit--> UnderNegotiation,
        Draft --Abandon--> Abandoned,
        UnderNegotiation --Agree--> AgreedPendingSignature,
        UnderNegotiation --Redraft--> Draft,
        UnderNegotiation --Abandon--> Abandoned,
        AgreedPendingSignature --Reopen--> UnderNegotiation,
        AgreedPendingSignature --Sign--> Signed,
        AgreedPendingSignature --Abandon--> Abandoned,
        Signed --EnterIntoForce--> Active,
        Signed --Terminate--> Terminated,
        Active --Suspend--> Suspended,
        Active --Complete--> Completed,
        Active --Expire--> Expired,
        Active --Terminate--> Terminated,
        Active --Supersede--> Superseded,
        Suspended --Resume--> Active,
        Suspended --Terminate--> Terminated,
    }
}

lifecycle! {
    /// What can happen to a project (IATI ActivityStatus, DOMAIN.md §4.5).
    ProjectAction for ActivityStatus, entity "Project", initial Pipeline {
        /// Implementation begins (needs the actual start date).
        Start = "START",
        /// The work is done; the project is being finalised.
        PhysicallyComplete = "PHYSICALLY_COMPLETE",
        /// Closes the project (needs the actual end date; see [`ProjectFacts`]).
        Close = "CLOSE",
        /// Cancels the project.
        Cancel = "CANCEL",
        /// Pauses implementation.
        Suspend = "SUSPEND",
        /// Resumes implementation.
        Resume = "RESUME",
    }
    table {
        Pipeline --Start--> Implementation,
        Implementation --PhysicallyComplete--> Finalisation,
        Finalisation --Close--> Closed,
        Pipeline --Cancel--> Cancelled,
        Implementation --Cancel--> Cancelled,
        Suspended --Cancel--> Cancelled,
        Implementation --Suspend--> Suspended,
        Suspended --Resume--> Implementation,
    }
}

lifecycle! {
    /// What can happen to a training session (DOMAIN.md §4.5).
    TrainingAction for TrainingStatus, entity "TrainingSession", initial Planned {
        /// Confirms a planned session.
        Confirm = "CONFIRM",
        /// The session starts.
        Begin = "BEGIN",
        /// The session was delivered (needs tallies and contact hours).
        Finish = "FINISH",
        /// Validates the numbers, which are then locked (needs consistent tallies).
        Validate = "VALIDATE",
        /// Postpones a planned or confirmed session.
        Postpone = "POSTPONE",
        /// Gives a postponed session a new confirmed slot.
        Reschedule = "RESCHEDULE",
        /// Cancels a session that has not started.
        Cancel = "CANCEL",
    }
    table {
        Planned --Confirm--> Confirmed,
        Confirmed --Begin--> InProgress,
        InProgress --Finish--> Delivered,
        Delivered --Validate--> Validated,
        Planned --Postpone--> Postponed,
        Confirmed --Postpone--> Postponed,
        Postponed --Reschedule--> Confirmed,
        Planned --Cancel--> Cancelled,
        Confirmed --Cancel--> Cancelled,
        Postponed --Cancel--> Cancelled,
    }
}

lifecycle! {
    /// What can happen to an exchange visit (DOMAIN.md §4.5).
    VisitAction for VisitStatus, entity "ExchangeVisit", initial Proposed {
        /// Approves a proposed visit.
        Approve = "APPROVE",
        /// Fixes the visit's dates.
        Schedule = "SCHEDULE",
        /// The visit took place.
        Complete = "COMPLETE",
        /// The visit's report was handed in.
        Report = "REPORT",
        /// Cancels a visit that has not taken place.
        Cancel = "CANCEL",
    }
    table {
        Proposed --Approve--> Approved,
        Approved --Schedule--> Scheduled,
        Scheduled --Complete--> Completed,
        Completed --Report--> Reported,
        Proposed --Cancel--> Cancelled,
        Approved --Cancel--> Cancelled,
        Scheduled --Cancel--> Cancelled,
    }
}

lifecycle! {
    /// What can happen to a commitment (DOMAIN.md §4.5).
    CommitmentAction for CommitmentStatus, entity "Commitment", initial Planned {
        /// Work on the commitment begins.
        Start = "START",
        /// The commitment was honoured in full.
        Fulfil = "FULFIL",
        /// The commitment was honoured in part.
        PartiallyFulfil = "PARTIALLY_FULFIL",
        /// The commitment was not honoured.
        MarkNotFulfilled = "MARK_NOT_FULFILLED",
        /// The parties lift the commitment by mutual agreement.
        Waive = "WAIVE",
    }
    table {
        Planned --Start--> InProgress,
        InProgress --Fulfil--> Fulfilled,
        InProgress --PartiallyFulfil--> PartiallyFulfilled,
        InProgress --MarkNotFulfilled--> NotFulfilled,
        Planned --Waive--> Waived,
        InProgress --Waive--> Waived,
    }
}

lifecycle! {
    /// What can happen to a contribution (DOMAIN.md §4.5).
    ContributionAction for ContributionStatus, entity "Contribution", initial Pledged {
        /// A pledge becomes a firm commitment.
        Commit = "COMMIT",
        /// The resource was delivered in full.
        Deliver = "DELIVER",
        /// The resource was delivered in part.
        PartiallyDeliver = "PARTIALLY_DELIVER",
        /// The pledge or commitment is withdrawn.
        Cancel = "CANCEL",
    }
    table {
        Pledged --Commit--> Committed,
        Committed --Deliver--> Delivered,
        Committed --PartiallyDeliver--> PartiallyDelivered,
        Pledged --Cancel--> Cancelled,
        Committed --Cancel--> Cancelled,
    }
}

/// Moves an exchange visit; its transitions have no guard beyond the table.
pub fn visit_transition(
    from: VisitStatus,
    action: VisitAction,
) -> Result<VisitStatus, DomainError> {
    VisitAction::step(from, action)
}

/// Moves a commitment; its transitions have no guard beyond the table.
pub fn commitment_transition(
    from: CommitmentStatus,
    action: CommitmentAction,
) -> Result<CommitmentStatus, DomainError> {
    CommitmentAction::step(from, action)
}

/// Moves a contribution; its transitions have no guard beyond the table.
pub fn contribution_transition(
    from: ContributionStatus,
    action: ContributionAction,
) -> Result<ContributionStatus, DomainError> {
    ContributionAction::step(from, action)
}

/// True when `text` holds something other than whitespace.
fn has_text(text: Option<&str>) -> bool {
    text.is_some_and(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests;

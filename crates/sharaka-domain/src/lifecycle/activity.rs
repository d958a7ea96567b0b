//! The guards of projects and training sessions, and the lock on validated numbers.

use super::{Lifecycle, ProjectAction, TrainingAction, has_text};
use crate::codes::{ActivityStatus, TrainingStatus};
use crate::commands::tally_is_consistent;
use crate::error::DomainError;
use crate::model::Tally;
use crate::partial_date::PartialDate;
use crate::problem::Problem;

/// What the project's guards need to know, loaded by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    /// The actual start date (IATI ActivityDate type 2).
    pub actual_start: Option<PartialDate>,
    /// The actual end date (IATI ActivityDate type 4).
    pub actual_end: Option<PartialDate>,
    /// How many commitments linked to the project are `IN_PROGRESS`.
    pub commitments_in_progress: usize,
    /// The user's reason for closing despite commitments in progress.
    pub override_reason: Option<String>,
}

/// Moves a project from `from` by `action`, checking the table and then the guards:
/// `START` needs the actual start date; `CLOSE` needs the actual end date and no commitment in
/// progress unless an override reason is given.
pub fn project_transition(
    from: ActivityStatus,
    action: ProjectAction,
    facts: &ProjectFacts,
) -> Result<ActivityStatus, DomainError> {
    let to = ProjectAction::step(from, action)?;
    let problem = match action {
        ProjectAction::Start if facts.actual_start.is_none() => Some(Problem::ActualStartRequired),
        ProjectAction::Close if facts.actual_end.is_none() => Some(Problem::ActualEndRequired),
        ProjectAction::Close
            if facts.commitments_in_progress > 0 && !has_text(facts.override_reason.as_deref()) =>
        {
            Some(Problem::CommitmentsInProgress {
                count: facts.commitments_in_progress,
            })
        }
        _ => None,
    };
    match problem {
        Some(problem) => Err(ProjectAction::refusal(from, action, Some(problem))),
        None => Ok(to),
    }
}

/// What the training session's guards need to know, loaded by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingFacts {
    /// The session's tallies.
    pub tallies: Vec<Tally>,
    /// The session's contact hours.
    pub contact_hours: Option<f64>,
}

/// Moves a training session from `from` by `action`, checking the table and then the guards:
/// `FINISH` needs at least one tally and contact hours above zero; `VALIDATE` needs at least one
/// tally, each with `0 ≤ completed ≤ attended ≤ enrolled`.
pub fn training_transition(
    from: TrainingStatus,
    action: TrainingAction,
    facts: &TrainingFacts,
) -> Result<TrainingStatus, DomainError> {
    let to = TrainingAction::step(from, action)?;
    let checks_tallies = matches!(action, TrainingAction::Finish | TrainingAction::Validate);
    let problem = if checks_tallies && facts.tallies.is_empty() {
        Some(Problem::NoTallies)
    } else if action == TrainingAction::Finish && !facts.contact_hours.is_some_and(|h| h > 0.0) {
        Some(Problem::ContactHoursRequired)
    } else if action == TrainingAction::Validate && !facts.tallies.iter().all(tally_is_consistent) {
        Some(Problem::TallyOrder)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(TrainingAction::refusal(from, action, Some(problem))),
        None => Ok(to),
    }
}

/// True when a session's numbers (tallies, contact hours) can no longer change: once
/// `VALIDATED`, only validated sessions count in official dashboards, so their numbers are frozen.
pub fn tallies_locked(status: TrainingStatus) -> bool {
    status == TrainingStatus::Validated
}

/// Refuses a change to the numbers of a session in `status` when they are locked, reporting
/// the `tallies` field.
pub fn ensure_tallies_editable(status: TrainingStatus) -> Result<(), DomainError> {
    if tallies_locked(status) {
        Err(DomainError::field(
            "tallies",
            Problem::LockedAfterValidation,
        ))
    } else {
        Ok(())
    }
}

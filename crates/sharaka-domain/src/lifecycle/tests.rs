//! Every (status, action) pair of every machine against DOMAIN.md §4.5, written out
//! independently of the tables, plus one test per guard.

use chrono::NaiveDate;

use super::*;
use crate::model::Tally;
use crate::partial_date::PartialDate;

/// Checks every pair of `A`'s machine against `expected` (status code, action code, next code).
fn check_machine<A: Lifecycle>(expected: &[(&str, &str, &str)]) -> usize {
    let mut pairs = 0;
    for &status in A::Status::ALL {
        let allowed_expected: Vec<&str> = A::ALL
            .iter()
            .map(|a| a.code())
            .filter(|code| {
                expected
                    .iter()
                    .any(|(s, a, _)| *s == status.code() && a == code)
            })
            .collect();
        for &action in A::ALL {
            pairs += 1;
            let want = expected
                .iter()
                .find(|(s, a, _)| *s == status.code() && *a == action.code())
                .map(|(_, _, to)| *to);
            match (A::step(status, action), want) {
                (Ok(to), Some(code)) => assert_eq!(to.code(), code, "{status:?} {action:?}"),
                (Err(error), None) => assert_eq!(
                    error,
                    DomainError::InvalidTransition {
                        entity: A::ENTITY,
                        current: status.code(),
                        action: action.code(),
                        allowed: allowed_expected.clone(),
                        reason: None,
                    },
                    "{status:?} {action:?}"
                ),
                (got, want) => panic!("{status:?} {action:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(
            A::allowed(status)
                .into_iter()
                .map(A::code)
                .collect::<Vec<_>>(),
            allowed_expected
        );
    }
    pairs
}

#[test]
fn every_pair_of_every_machine_follows_domain_4_5() {
    let mut pairs = 0;
    pairs += check_machine::<AgreementAction>(&[
        ("DRAFT", "SUBMIT", "UNDER_NEGOTIATION"),
        ("DRAFT", "ABANDON", "ABANDONED"),
        ("UNDER_NEGOTIATION", "AGREE", "AGREED_PENDING_SIGNATURE"),
        ("UNDER_NEGOTIATION", "REDRAFT", "DRAFT"),
        ("UNDER_NEGOTIATION", "ABANDON", "ABANDONED"),
        ("AGREED_PENDING_SIGNATURE", "REOPEN", "UNDER_NEGOTIATION"),
        ("AGREED_PENDING_SIGNATURE", "SIGN", "SIGNED"),
        ("AGREED_PENDING_SIGNATURE", "ABANDON", "ABANDONED"),
        ("SIGNED", "ENTER_INTO_FORCE", "ACTIVE"),
        ("SIGNED", "TERMINATE", "TERMINATED"),
        ("ACTIVE", "SUSPEND", "SUSPENDED"),
        ("ACTIVE", "COMPLETE", "COMPLETED"),
        ("ACTIVE", "EXPIRE", "EXPIRED"),
        ("ACTIVE", "TERMINATE", "TERMINATED"),
        ("ACTIVE", "SUPERSEDE", "SUPERSEDED"),
        ("SUSPENDED", "RESUME", "ACTIVE"),
        ("SUSPENDED", "TERMINATE", "TERMINATED"),
    ]);
    pairs += check_machine::<ProjectAction>(&[
        ("PIPELINE", "START", "IMPLEMENTATION"),
        ("IMPLEMENTATION", "PHYSICALLY_COMPLETE", "FINALISATION"),
        ("FINALISATION", "CLOSE", "CLOSED"),
        ("PIPELINE", "CANCEL", "CANCELLED"),
        ("IMPLEMENTATION", "CANCEL", "CANCELLED"),
        ("SUSPENDED", "CANCEL", "CANCELLED"),
        ("IMPLEMENTATION", "SUSPEND", "SUSPENDED"),
        ("SUSPENDED", "RESUME", "IMPLEMENTATION"),
    ]);
    pairs += check_machine::<TrainingAction>(&[
        ("PLANNED", "CONFIRM", "CONFIRMED"),
        ("CONFIRMED", "BEGIN", "IN_PROGRESS"),
        ("IN_PROGRESS", "FINISH", "DELIVERED"),
        ("DELIVERED", "VALIDATE", "VALIDATED"),
        ("PLANNED", "POSTPONE", "POSTPONED"),
        ("CONFIRMED", "POSTPONE", "POSTPONED"),
        ("POSTPONED", "RESCHEDULE", "CONFIRMED"),
        ("PLANNED", "CANCEL", "CANCELLED"),
        ("CONFIRMED", "CANCEL", "CANCELLED"),
        ("POSTPONED", "CANCEL", "CANCELLED"),
    ]);
    pairs += check_machine::<VisitAction>(&[
        ("PROPOSED", "APPROVE", "APPROVED"),
        ("APPROVED", "SCHEDULE", "SCHEDULED"),
        ("SCHEDULED", "COMPLETE", "COMPLETED"),
        ("COMPLETED", "REPORT", "REPORTED"),
        ("PROPOSED", "CANCEL", "CANCELLED"),
        ("APPROVED", "CANCEL", "CANCELLED"),
        ("SCHEDULED", "CANCEL", "CANCELLED"),
    ]);
    pairs += check_machine::<CommitmentAction>(&[
        ("PLANNED", "START", "IN_PROGRESS"),
        ("IN_PROGRESS", "FULFIL", "FULFILLED"),
        ("IN_PROGRESS", "PARTIALLY_FULFIL", "PARTIALLY_FULFILLED"),
        ("IN_PROGRESS", "MARK_NOT_FULFILLED", "NOT_FULFILLED"),
        ("PLANNED", "WAIVE", "WAIVED"),
        ("IN_PROGRESS", "WAIVE", "WAIVED"),
    ]);
    pairs += check_machine::<ContributionAction>(&[
        ("PLEDGED", "COMMIT", "COMMITTED"),
        ("COMMITTED", "DELIVER", "DELIVERED"),
        ("COMMITTED", "PARTIALLY_DELIVER", "PARTIALLY_DELIVERED"),
        ("PLEDGED", "CANCEL", "CANCELLED"),
        ("COMMITTED", "CANCEL", "CANCELLED"),
    ]);
    // 11×13 + 6×6 + 7×7 + 6×5 + 6×5 + 5×4
    assert_eq!(pairs, 143 + 36 + 49 + 30 + 30 + 20);
}

#[test]
fn terminal_statuses_are_final_and_initial_ones_are_not() {
    for s in [
        AgreementStatus::Completed,
        AgreementStatus::Expired,
        AgreementStatus::Terminated,
        AgreementStatus::Superseded,
        AgreementStatus::Abandoned,
    ] {
        assert!(AgreementAction::is_final(s), "{s:?}");
    }
    assert!(!AgreementAction::is_final(AgreementAction::INITIAL));
    assert!(TrainingAction::is_final(TrainingStatus::Validated));
    for s in CommitmentStatus::ALL {
        assert_eq!(CommitmentAction::is_final(*s), s.is_terminal(), "{s:?}");
    }
}

#[test]
fn the_simple_machines_apply_their_table() {
    assert_eq!(
        visit_transition(VisitStatus::Completed, VisitAction::Report),
        Ok(VisitStatus::Reported)
    );
    assert!(visit_transition(VisitStatus::Reported, VisitAction::Cancel).is_err());
    assert_eq!(
        commitment_transition(CommitmentStatus::Planned, CommitmentAction::Waive),
        Ok(CommitmentStatus::Waived)
    );
    assert_eq!(
        contribution_transition(ContributionStatus::Committed, ContributionAction::Deliver),
        Ok(ContributionStatus::Delivered)
    );
}

fn date(s: &str) -> PartialDate {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn day(s: &str) -> NaiveDate {
    date(s).earliest()
}

/// The guard's reason of a refused transition.
fn reason<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Problem {
    match result {
        Err(DomainError::InvalidTransition {
            reason: Some(problem),
            ..
        }) => problem,
        other => panic!("expected a guard refusal, got {other:?}"),
    }
}

#[test]
fn sign_needs_every_signatory_and_returns_the_latest_date() {
    use AgreementPartyRole::*;
    let today = day("2026-01-10");
    let mut facts = AgreementFacts {
        parties: vec![(Signatory, Some(date("2025-12-01"))), (Funder, None)],
        ..AgreementFacts::default()
    };
    facts.parties.push((CoSignatory, None));
    let from = AgreementStatus::AgreedPendingSignature;
    assert_eq!(
        reason(agreement_transition(
            from,
            AgreementAction::Sign,
            &facts,
            today
        )),
        Problem::UnsignedSignatories { count: 1 }
    );
    facts.parties[2].1 = Some(date("2026-01-05"));
    let outcome = agreement_transition(from, AgreementAction::Sign, &facts, today);
    assert_eq!(
        outcome,
        Ok(AgreementOutcome {
            status: AgreementStatus::Signed,
            signed_on: Some(date("2026-01-05")),
        })
    );
    let witnesses_only = AgreementFacts {
        parties: vec![(Witness, Some(date("2025-12-01")))],
        ..AgreementFacts::default()
    };
    assert_eq!(
        reason(agreement_transition(
            from,
            AgreementAction::Sign,
            &witnesses_only,
            today
        )),
        Problem::NoSignatories
    );
}

#[test]
fn a_refused_guard_still_lists_the_allowed_actions() {
    let error = agreement_transition(
        AgreementStatus::Active,
        AgreementAction::Suspend,
        &AgreementFacts::default(),
        day("2026-01-01"),
    );
    assert_eq!(
        error,
        Err(DomainError::InvalidTransition {
            entity: "Agreement",
            current: "ACTIVE",
            action: "SUSPEND",
            allowed: vec!["SUSPEND", "COMPLETE", "EXPIRE", "TERMINATE", "SUPERSEDE"],
            reason: Some(Problem::ReasonRequired),
        })
    );
}

#[test]
fn suspend_and_terminate_need_a_reason_and_terminate_a_date() {
    let today = day("2026-01-01");
    let mut facts = AgreementFacts {
        reason: Some("  ".into()),
        ..AgreementFacts::default()
    };
    let active = AgreementStatus::Active;
    assert_eq!(
        reason(agreement_transition(
            active,
            AgreementAction::Terminate,
            &facts,
            today
        )),
        Problem::ReasonRequired
    );
    facts.reason = Some("breach of article 4".into());
    assert!(agreement_transition(active, AgreementAction::Suspend, &facts, today).is_ok());
    assert_eq!(
        reason(agreement_transition(
            active,
            AgreementAction::Terminate,
            &facts,
            today
        )),
        Problem::TerminationDateRequired
    );
    facts.terminated_on = Some(date("2025-12-31"));
    assert!(agreement_transition(active, AgreementAction::Terminate, &facts, today).is_ok());
}

#[test]
fn entry_into_force_waits_for_the_effective_or_signing_date() {
    let signed = AgreementStatus::Signed;
    let act = AgreementAction::EnterIntoForce;
    let mut facts = AgreementFacts::default();
    assert_eq!(
        reason(agreement_transition(signed, act, &facts, day("2026-01-01"))),
        Problem::NoEffectiveDate
    );
    facts.signed_on = Some(date("2026-01-15"));
    assert!(agreement_transition(signed, act, &facts, day("2026-01-15")).is_ok());
    facts.effective_from = Some(date("2026-03"));
    assert_eq!(
        reason(agreement_transition(signed, act, &facts, day("2026-02-28"))),
        Problem::NotYetEffective {
            effective_from: date("2026-03")
        }
    );
    assert!(agreement_transition(signed, act, &facts, day("2026-03-01")).is_ok());
}

#[test]
fn expiry_needs_a_passed_end_date_no_renewal_and_no_successor() {
    let active = AgreementStatus::Active;
    let act = AgreementAction::Expire;
    let mut facts = AgreementFacts::default();
    assert_eq!(
        reason(agreement_transition(active, act, &facts, day("2026-01-01"))),
        Problem::NoEndDate
    );
    facts.effective_to = Some(date("2026-06"));
    assert_eq!(
        reason(agreement_transition(active, act, &facts, day("2026-06-30"))),
        Problem::NotYetEnded {
            effective_to: date("2026-06")
        }
    );
    assert!(agreement_transition(active, act, &facts, day("2026-07-01")).is_ok());
    facts.auto_renewal = true;
    assert_eq!(
        reason(agreement_transition(active, act, &facts, day("2026-07-01"))),
        Problem::AutoRenewal
    );
    facts.auto_renewal = false;
    facts.has_successor = true;
    assert_eq!(
        reason(agreement_transition(active, act, &facts, day("2026-07-01"))),
        Problem::SuccessorExists
    );
}

#[test]
fn supersede_needs_a_successor() {
    let mut facts = AgreementFacts::default();
    let (active, act, today) = (
        AgreementStatus::Active,
        AgreementAction::Supersede,
        day("2026-01-01"),
    );
    assert_eq!(
        reason(agreement_transition(active, act, &facts, today)),
        Problem::NoSuccessor
    );
    facts.has_successor = true;
    assert!(agreement_transition(active, act, &facts, today).is_ok());
}

#[test]
fn time_driven_changes_are_found_when_due() {
    let facts = AgreementFacts {
        effective_from: Some(date("2026-03-01")),
        effective_to: Some(date("2027-02-28")),
        ..AgreementFacts::default()
    };
    let signed = AgreementStatus::Signed;
    let active = AgreementStatus::Active;
    assert_eq!(due_time_driven(signed, &facts, day("2026-02-28")), None);
    assert_eq!(
        due_time_driven(signed, &facts, day("2026-03-01")),
        Some(AgreementAction::EnterIntoForce)
    );
    assert_eq!(due_time_driven(active, &facts, day("2027-02-28")), None);
    assert_eq!(
        due_time_driven(active, &facts, day("2027-03-01")),
        Some(AgreementAction::Expire)
    );
    let renewing = AgreementFacts {
        auto_renewal: true,
        ..facts.clone()
    };
    assert_eq!(due_time_driven(active, &renewing, day("2027-03-01")), None);
    assert_eq!(
        due_time_driven(AgreementStatus::Draft, &facts, day("2030-01-01")),
        None
    );
}

#[test]
fn project_start_and_close_guards() {
    let mut facts = ProjectFacts::default();
    assert_eq!(
        reason(project_transition(
            ActivityStatus::Pipeline,
            ProjectAction::Start,
            &facts
        )),
        Problem::ActualStartRequired
    );
    facts.actual_start = Some(date("2026-01"));
    assert_eq!(
        project_transition(ActivityStatus::Pipeline, ProjectAction::Start, &facts),
        Ok(ActivityStatus::Implementation)
    );
    let close = |f: &ProjectFacts| {
        project_transition(ActivityStatus::Finalisation, ProjectAction::Close, f)
    };
    assert_eq!(reason(close(&facts)), Problem::ActualEndRequired);
    facts.actual_end = Some(date("2026-12"));
    facts.commitments_in_progress = 2;
    assert_eq!(
        reason(close(&facts)),
        Problem::CommitmentsInProgress { count: 2 }
    );
    facts.override_reason = Some("remaining reports waived by the joint committee".into());
    assert_eq!(close(&facts), Ok(ActivityStatus::Closed));
}

fn tally(enrolled: i32, attended: i32, completed: i32) -> Tally {
    Tally {
        sex: Sex::Female,
        age_band: None,
        enrolled,
        attended,
        completed,
    }
}

#[test]
fn finishing_a_session_needs_tallies_and_hours() {
    let mut facts = TrainingFacts::default();
    let finish = |f: &TrainingFacts| {
        training_transition(TrainingStatus::InProgress, TrainingAction::Finish, f)
    };
    assert_eq!(reason(finish(&facts)), Problem::NoTallies);
    facts.tallies.push(tally(10, 9, 8));
    assert_eq!(reason(finish(&facts)), Problem::ContactHoursRequired);
    facts.contact_hours = Some(0.0);
    assert_eq!(reason(finish(&facts)), Problem::ContactHoursRequired);
    facts.contact_hours = Some(12.0);
    assert_eq!(finish(&facts), Ok(TrainingStatus::Delivered));
}

#[test]
fn validating_needs_consistent_tallies_and_then_locks_them() {
    let validate = |f: &TrainingFacts| {
        training_transition(TrainingStatus::Delivered, TrainingAction::Validate, f)
    };
    let mut facts = TrainingFacts {
        tallies: vec![tally(10, 9, 8), tally(5, 6, 1)],
        contact_hours: Some(6.0),
    };
    assert_eq!(reason(validate(&facts)), Problem::TallyOrder);
    facts.tallies[1] = tally(6, 6, 1);
    assert_eq!(validate(&facts), Ok(TrainingStatus::Validated));
    assert!(tallies_locked(TrainingStatus::Validated));
    assert!(!tallies_locked(TrainingStatus::Delivered));
    assert_eq!(
        ensure_tallies_editable(TrainingStatus::Validated),
        Err(DomainError::field(
            "tallies",
            Problem::LockedAfterValidation
        ))
    );
    assert!(ensure_tallies_editable(TrainingStatus::InProgress).is_ok());
}

//! The write side: creates and partial updates for every record, lifecycle transitions, archive
//! and restore. Inputs become domain commands through `TryFrom` in the domain crate, which lists
//! every invalid field at once; updates merge the patch into the stored record and validate the
//! whole result. Every change writes an audit event on the request's transaction.
//!
//! Conventions: an update takes `expectedVersion` (a stale one is `CONFLICT` and writes nothing);
//! absent fields are left alone and an explicit `null` clears a field; creates accept an optional
//! `idempotencyKey`. Dates in inputs are text (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) so that a bad
//! date is reported with every other invalid field.

pub mod agreement;
pub mod organisation;
pub mod partnership;
pub mod project;
pub mod rates;
pub mod record;
pub mod result;
pub mod training;
pub mod visit;

use async_graphql::{InputObject, MaybeUndefined, MergedObject};
use sharaka_domain::LocalizedText;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organisation::OrganisationMutation,
    organisation::SiteMutation,
    agreement::AgreementMutation,
    agreement::AgreementTransitions,
    partnership::PartnershipMutation,
    project::ProjectMutation,
    project::ProjectTransitions,
    project::CommitmentTransitions,
    project::ContributionMutation,
    project::ContributionTransitions,
    training::TrainingMutation,
    training::TrainingTransitions,
    visit::VisitMutation,
    visit::VisitTransitions,
    record::RecordMutation,
    rates::ExchangeRateMutation,
    result::ResultMutation,
);

/// A text in Arabic, French and English; give at least one language where a text is required.
#[derive(InputObject, Clone, Default)]
pub struct LocalizedTextInput {
    /// Arabic.
    pub ar: Option<String>,
    /// French.
    pub fr: Option<String>,
    /// English.
    pub en: Option<String>,
}

impl From<LocalizedTextInput> for LocalizedText {
    fn from(t: LocalizedTextInput) -> Self {
        LocalizedText::new(t.ar, t.fr, t.en)
    }
}

/// Merges a patch field into the stored value: absent keeps it, `null` clears it.
pub fn merge<T>(current: Option<T>, patch: MaybeUndefined<T>) -> Option<T> {
    match patch {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(v),
    }
}

/// Merges a patch of a trilingual text: absent keeps it, `null` empties it, a value replaces it.
pub fn merge_text(
    current: &LocalizedText,
    patch: MaybeUndefined<LocalizedTextInput>,
) -> LocalizedText {
    match patch {
        MaybeUndefined::Undefined => current.clone(),
        MaybeUndefined::Null => LocalizedText::default(),
        MaybeUndefined::Value(v) => v.into(),
    }
}

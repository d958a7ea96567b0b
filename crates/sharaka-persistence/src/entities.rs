//! Sea-orm entities, one module per table. They are private to the persistence crate (repositories
//! map them to domain types) and hand-maintained to match the migrations in `migrations/src/`.

pub mod agreement_parties;
pub mod agreement_partnerships;
pub mod agreements;
pub mod audit_events;
pub mod commitments;
pub mod contributions;
pub mod exchange_visit_sites;
pub mod exchange_visit_tallies;
pub mod exchange_visits;
pub mod indicator_period_values;
pub mod indicator_periods;
pub mod organisations;
pub mod partnerships;
pub mod project_agreements;
pub mod project_participants;
pub mod project_regions;
pub mod project_results;
pub mod project_sectors;
pub mod project_sites;
pub mod projects;
pub mod regions;
pub mod result_indicators;
pub mod sites;
pub mod training_providers;
pub mod training_sessions;
pub mod training_tallies;

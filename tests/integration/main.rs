//! Sharaka's workspace-level integration tests: one binary, one module per feature. Each test
//! runs on SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set) against its own database.

mod access;
mod contribution_dates;
mod csv_stream;
mod deploy;
mod filter_props;
mod group_by;
mod hostile;
mod http_errors;
mod kept_answers;
mod live;
mod migrations;
mod n_plus_one;
mod operations;
mod read_model;
mod resilience;
mod results;
mod scheduler;
mod search;
mod session_tallies;
mod stats;
mod stats_pipeline;
mod write_extras;
mod write_path;
mod write_records;

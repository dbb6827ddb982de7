//! Storage tests. Every test runs on SQLite and on PostgreSQL (see `dual_db_test!`).

mod campaigns;
mod changes;
mod filter;
mod guests;
mod jobs;
mod member_history;
mod members_batch;
mod migrations;
mod narrations;
mod posts;
mod presence;
mod request_counts;
mod settings;
mod sign_in;

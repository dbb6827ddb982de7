//! Use-case tests. Every test runs on SQLite and on PostgreSQL (see `dual_db_test!`).

mod campaigns;
mod cdn;
mod demo;
mod feed;
mod ghost_export;
mod ghost_images;
mod ghost_import;
mod member_csv;
mod narration;
mod newsletters;
mod outbox;
mod payments;
mod posts;
mod request_limits;
mod scheduling;
mod staff;
mod webhooks;

//! The media store against a real S3-compatible server: moto's server mode, started by
//! `masthead_test_utils::S3Server` with a fresh bucket per test.

mod s3;

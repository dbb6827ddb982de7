//! Test support shared by every crate: a fresh database per test on SQLite and on PostgreSQL,
//! the real router without a socket, builders for fixtures, [`SmtpSink`], a real SMTP listener
//! that receives the mail Masthead sends, [`S3Server`], a real S3-compatible server (moto) with a
//! fresh bucket per test, [`SpeechStandIn`], an OpenAI-compatible speech server that speaks
//! with espeak-ng, and [`TcpProxy`], which takes a database away and gives it back.
//!
//! ```text
//! dual_db_test!(async fn publishes_a_post(db) {
//!     let app = TestApp::new(&db).await;
//!     ...
//! });
//! ```
//! expands to `publishes_a_post::sqlite` and `publishes_a_post::postgres`.

mod app;
mod builders;
mod db;
mod proxy;
mod recorder;
pub mod s3;
pub mod smtp;
pub mod speech;
pub mod stripe;

pub use app::{TEST_BOUNCE_SECRET, TestApp, TestResponse};
pub use builders::{MemberBuilder, NewsletterBuilder, PostBuilder, StaffBuilder};
pub use db::TestDb;
pub use proxy::TcpProxy;
pub use recorder::{HttpRecorder, RecordedRequest};
pub use s3::S3Server;
pub use smtp::{ReceivedMail, SinkOptions, SmtpSink};
pub use speech::{SpeechStandIn, TEST_SPEECH_KEY};
pub use stripe::StripeStandIn;

/// Runs one async test body twice: on a fresh SQLite database and on a fresh PostgreSQL schema.
/// The body sees `$db` as a [`TestDb`] (which derefs to `masthead_storage::Db`).
#[macro_export]
macro_rules! dual_db_test {
    ($(#[$attr:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$attr])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $db = $crate::TestDb::sqlite().await;
                $body
                $db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some($db) = $crate::TestDb::postgres().await else { return };
                $body
                $db.finish().await;
            }
        }
    };
}

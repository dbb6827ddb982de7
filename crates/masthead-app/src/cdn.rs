//! A CDN or Varnish in front of the site: the surrogate keys public pages carry (what they
//! show), and the purge hook that tells the CDN which keys a change touched.
//!
//! Keys: `site` on every page; `home` on the front page and its later pages; `feed` on feeds
//! and sitemaps; `post-<id>`, `tag-<id>` and `author-<id>` for what a page shows or lists;
//! `news`, `picks` and `campaigns` (every HTML page: the goal campaign strip) for those blocks.
//!
//! With `MASTHEAD_CDN_PURGE_URL` set, every change made on this instance queues a durable
//! `purge_cdn` job (once per change, whichever instance made it) that POSTs
//! `{"keys": ["post-…", "tag-…", "home", "feed"]}` as JSON to that URL, with
//! `Authorization: Bearer <MASTHEAD_CDN_PURGE_TOKEN>` when a token is set. A 2xx answer is done;
//! anything else is retried with the job queue's backoff. A change nobody can name (settings,
//! an import) purges `site`.

use std::time::Duration;

use masthead_core::ObjectId;
use serde::{Deserialize, Serialize};

use crate::jobs::Job;
use crate::{AppError, ContentChange, Newsroom, Origin};

/// On every public page.
pub const SITE: &str = "site";
/// The front page and its later pages.
pub const HOME: &str = "home";
/// Feeds and sitemaps.
pub const FEED: &str = "feed";
/// Pages showing the live news feed: its own pages and the block on the home and article pages.
pub const NEWS: &str = "news";
/// Pages showing the editors' picks.
pub const PICKS: &str = "picks";
/// Pages showing a goal campaign: every HTML page carries the strip.
pub const CAMPAIGNS: &str = "campaigns";

pub fn post_key(id: &ObjectId) -> String {
    format!("post-{id}")
}

pub fn tag_key(id: &ObjectId) -> String {
    format!("tag-{id}")
}

pub fn author_key(id: &ObjectId) -> String {
    format!("author-{id}")
}

/// The keys of the pages a change can have touched.
pub fn keys_for(change: &ContentChange) -> Vec<String> {
    match change {
        ContentChange::Post { id, tag_ids, author_ids, .. } => std::iter::once(post_key(id))
            .chain(tag_ids.iter().map(tag_key))
            .chain(author_ids.iter().map(author_key))
            .chain([HOME.to_owned(), FEED.to_owned()])
            .collect(),
        ContentChange::Tag(id) => vec![tag_key(id)],
        ContentChange::Author(id) => vec![author_key(id)],
        ContentChange::Narration(id) => vec![post_key(id), FEED.to_owned()],
        ContentChange::FeedItem(_) => vec![NEWS.to_owned()],
        ContentChange::Picks => vec![PICKS.to_owned()],
        ContentChange::Campaigns => vec![CAMPAIGNS.to_owned()],
        ContentChange::Settings | ContentChange::Everything => vec![SITE.to_owned()],
    }
}

/// Where purges go.
#[derive(Clone, Debug)]
pub struct PurgeHook {
    pub url: String,
    pub token: Option<String>,
}

/// One purge request: the keys a change touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purge {
    pub keys: Vec<String>,
}

impl Newsroom {
    /// The same newsroom, purging a CDN through `hook` after every change made here.
    pub fn with_cdn_purge(mut self, hook: Option<PurgeHook>) -> Self {
        let Some(hook) = hook else { return self };
        self.cdn_purge = Some(hook);
        let (db, jobs) = (self.db.clone(), self.jobs.clone());
        self.changes.subscribe_with_origin(move |change, origin| {
            // Every instance hears every change; the one that made it purges.
            if origin != Origin::Here {
                return;
            }
            let job = Job::PurgeCdn(Purge { keys: keys_for(change) }).now();
            let (db, jobs) = (db.clone(), jobs.clone());
            tokio::spawn(async move {
                match db.apply_job_changes(&[job]).await {
                    Ok(()) => jobs.wake(),
                    Err(error) => tracing::error!(%error, "could not queue a CDN purge"),
                }
            });
        });
        self
    }

    /// Sends one purge to the CDN's hook.
    pub(crate) async fn purge_cdn(&self, purge: &Purge) -> Result<(), AppError> {
        let Some(hook) = &self.cdn_purge else { return Ok(()) };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| AppError::Unavailable(format!("CDN purge client: {e}")))?;
        let body = serde_json::to_vec(purge).map_err(|e| AppError::Unavailable(format!("CDN purge body: {e}")))?;
        let mut request = client.post(&hook.url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        if let Some(token) = &hook.token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.map_err(|e| AppError::Unavailable(format!("CDN purge: {e}")))?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(AppError::Unavailable(format!("CDN purge answered {}", answer.status())))
        }
    }
}

#[cfg(test)]
mod tests {
    use masthead_core::PostType;

    use super::*;

    #[test]
    fn a_post_change_purges_the_post_its_lists_and_the_front_page() {
        let (post, tag, author) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
        let change = ContentChange::Post {
            id: post.clone(),
            post_type: PostType::Post,
            tag_ids: vec![tag.clone()],
            author_ids: vec![author.clone()],
        };
        assert_eq!(
            keys_for(&change),
            [format!("post-{post}"), format!("tag-{tag}"), format!("author-{author}"), "home".into(), "feed".into()]
        );
        assert_eq!(keys_for(&ContentChange::Settings), ["site"]);
    }
}

//! Reader search at `/search/?q=`: server-rendered results with highlighted passages, filters by
//! section, author and dates, and pages of results. Works without JavaScript; `search.js`
//! refreshes the results as the reader types. Never cached: the index follows the database a
//! moment after each change, and queries are unbounded.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masthead_app::{SearchError, SearchResults};
use masthead_core::search::{SearchOrder, SearchRequest, Searcher};
use masthead_render::views::{Link, MetaView};
use serde::Serialize;

use super::{Page, site_context};
use crate::kept::Kept;
use crate::{AppState, WebError};

/// Results per page.
pub const RESULTS_PER_PAGE: usize = 10;
/// The furthest page offered: deep pages of a relevance ranking are noise.
pub const MAX_PAGE: usize = 50;

/// A search as the site's form and the API ask for it, before it is checked.
#[derive(Debug, Default, Clone)]
pub struct SearchParams {
    pub q: String,
    pub tag: String,
    pub author: String,
    pub from: String,
    pub to: String,
    pub sort: String,
    pub page: usize,
    /// `exact=1`: the words as written, without corrections.
    pub exact: bool,
}

impl SearchParams {
    /// Reads the parameters from a query string; unknown ones are ignored, a repeated one
    /// keeps its first value.
    pub fn from_query(raw: Option<&str>) -> Self {
        let mut params = Self { page: 1, ..Self::default() };
        let mut seen = std::collections::HashSet::new();
        for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !seen.insert(name.clone().into_owned()) {
                continue;
            }
            let value = value.trim().to_owned();
            match &*name {
                "q" => params.q = value,
                "tag" => params.tag = value,
                "author" => params.author = value,
                "from" => params.from = value,
                "to" => params.to = value,
                "sort" => params.sort = value,
                "exact" => params.exact = matches!(value.as_str(), "1" | "true"),
                "page" => params.page = value.parse::<usize>().unwrap_or(1).clamp(1, MAX_PAGE),
                _ => {}
            }
        }
        params
    }

    /// The search to run, or what is wrong with a filter (the field and the message).
    pub fn request(&self, per_page: usize) -> Result<SearchRequest, (&'static str, String)> {
        let order = match self.sort.as_str() {
            "" | "relevance" => SearchOrder::Relevance,
            "newest" => SearchOrder::Newest,
            other => return Err(("sort", format!("Sort by \"relevance\" or \"newest\", not {other:?}."))),
        };
        let from = day(&self.from).map_err(|m| ("from", m))?;
        // The last day is included: up to the start of the day after it.
        let until = day(&self.to).map_err(|m| ("to", m))?.map(|t| t + 86_400);
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            return Err(("to", "The end date is before the start date.".to_owned()));
        }
        let page = self.page.clamp(1, MAX_PAGE);
        Ok(SearchRequest {
            text: self.q.clone(),
            tag: Some(self.tag.clone()).filter(|t| !t.is_empty()),
            author: Some(self.author.clone()).filter(|a| !a.is_empty()),
            from,
            until,
            order,
            status: None,
            exact: self.exact,
            offset: (page - 1) * per_page,
            limit: per_page,
        })
    }

    /// This search's URL at another page (`exact`: the words as written, not corrected).
    fn url(&self, q: &str, page: usize, exact: bool) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", q);
        for (name, value) in
            [("tag", &self.tag), ("author", &self.author), ("from", &self.from), ("to", &self.to), ("sort", &self.sort)]
        {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        if exact {
            query.append_pair("exact", "1");
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("/search/?{}", query.finish())
    }
}

/// `YYYY-MM-DD` as Unix seconds at the start of that day (UTC).
fn day(text: &str) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|date| Some(date.midnight().assume_utc().unix_timestamp()))
        .map_err(|_| format!("{text:?} is not a date; write it as YYYY-MM-DD."))
}

#[derive(Serialize)]
struct ResultView {
    title: String,
    /// The title with the matched words marked (escaped HTML), if any matched.
    title_html: Option<String>,
    url: String,
    /// A passage with the matched words marked (escaped HTML).
    passage_html: Option<String>,
    /// Shown when no passage matched.
    summary: String,
    section: Option<Link>,
    authors: Vec<Link>,
    published_at: Option<String>,
    members_only: bool,
}

#[derive(Clone, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// How long the filter choices are kept without a change to tags or staff.
const CHOICES_KEPT: std::time::Duration = std::time::Duration::from_secs(60);

/// Sections and authors, as offered.
#[derive(Clone)]
struct Listed {
    tags: Vec<Choice>,
    authors: Vec<Choice>,
}

/// The sections and authors with published stories, offered as filters. Listing them reads
/// every tag and author; they are kept for a minute, or until a tag or author changes.
#[derive(Default)]
pub struct Choices(Kept<Listed>);

impl Choices {
    pub fn heard(&self, change: &masthead_app::ContentChange) {
        use masthead_app::ContentChange;
        if matches!(change, ContentChange::Tag(_) | ContentChange::Author(_) | ContentChange::Everything) {
            self.0.forget();
        }
    }

    async fn get(&self, state: &AppState) -> Result<Arc<Listed>, WebError> {
        self.0
            .get_or_read(CHOICES_KEPT, || async {
                let db = state.newsroom.db();
                let (tags, authors) = tokio::try_join!(db.public_tags_in_use(), db.authors_in_use())?;
                let choice = |slug: &masthead_core::Slug, name: &str| Choice {
                    value: slug.as_str().to_owned(),
                    label: name.to_owned(),
                };
                Ok(Listed {
                    tags: tags.iter().map(|t| choice(&t.slug, &t.name)).collect(),
                    authors: authors.iter().map(|a| choice(&a.slug, &a.name)).collect(),
                })
            })
            .await
    }
}

#[derive(Serialize)]
struct SearchContent {
    q: String,
    tag: String,
    author: String,
    from: String,
    to: String,
    sort: String,
    tags: Vec<Choice>,
    authors: Vec<Choice>,
    results: Vec<ResultView>,
    total: usize,
    page: usize,
    pages: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// The words searched instead of misspelt ones, and the link to search the original.
    corrected: Option<String>,
    original_url: Option<String>,
    /// Why there are no results to show (an empty query, a bad date, a rebuild).
    notice: Option<String>,
    searched: bool,
}

pub async fn search_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, WebError> {
    let params = SearchParams::from_query(raw.as_deref());
    let ctx = site_context(&state).await?;
    let choices = state.search_choices.get(&state).await?;
    let mut content = SearchContent {
        q: params.q.clone(),
        tag: params.tag.clone(),
        author: params.author.clone(),
        from: params.from.clone(),
        to: params.to.clone(),
        sort: params.sort.clone(),
        tags: choices.tags.clone(),
        authors: choices.authors.clone(),
        results: Vec::new(),
        total: 0,
        page: params.page,
        pages: 0,
        prev_url: None,
        next_url: None,
        corrected: None,
        original_url: None,
        notice: None,
        searched: !params.q.is_empty(),
    };
    let mut status = StatusCode::OK;
    if content.searched {
        match params.request(RESULTS_PER_PAGE) {
            Err((_, message)) => {
                status = StatusCode::BAD_REQUEST;
                content.notice = Some(message);
            }
            Ok(request) => match state.newsroom.search(Searcher::Reader, request).await {
                Ok(results) => fill(&state, &params, &mut content, results).await?,
                Err(SearchError::Query(error)) => {
                    status = StatusCode::BAD_REQUEST;
                    content.notice = Some(error.to_string());
                }
                Err(error @ SearchError::Rebuilding { .. }) => {
                    status = StatusCode::SERVICE_UNAVAILABLE;
                    content.notice = Some(error.to_string());
                }
                Err(error) => {
                    tracing::error!(%error, "search failed");
                    status = StatusCode::SERVICE_UNAVAILABLE;
                    content.notice = Some("Search is not available right now; please try again in a minute.".into());
                }
            },
        }
    }
    let title = if content.searched {
        format!("Search: {} – {}", params.q, ctx.site.title)
    } else {
        format!("Search – {}", ctx.site.title)
    };
    let mut meta = MetaView::page(&ctx.site, &title, &format!("Search the archive of {}", ctx.site.title), "/search/");
    // Result pages are not for search engines to index.
    meta.robots = Some("noindex, follow".into());
    let html = state.theme.render("search.html", &Page { site: &ctx.site, meta, current_path: "/search/", content })?;
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    }
    Ok(response)
}

async fn fill(
    state: &AppState,
    params: &SearchParams,
    content: &mut SearchContent,
    results: SearchResults,
) -> Result<(), WebError> {
    let ids: Vec<String> = results.hits.iter().map(|id| id.as_str().to_owned()).collect();
    let posts = state.newsroom.db().posts_by_ids(&ids).await?;
    content.total = results.total;
    content.pages = results.total.div_ceil(RESULTS_PER_PAGE).min(MAX_PAGE);
    let page = params.page;
    content.prev_url = (page > 1).then(|| params.url(&params.q, page - 1, params.exact));
    content.next_url = (page < content.pages).then(|| params.url(&params.q, page + 1, params.exact));
    if let Some(corrected) = &results.corrected {
        content.corrected = Some(corrected.clone());
        content.original_url = Some(params.url(&params.q, 1, true));
    }
    if results.total == 0 {
        content.notice = Some(format!("Nothing found for {:?}.", params.q));
    }
    content.results = posts
        .iter()
        // A story unpublished a moment ago may still be in the index: never show it.
        .filter(|post| post.is_live())
        .map(|post| {
            let card = masthead_render::views::PostCard::new(post);
            ResultView {
                title_html: results.highlighter.title(&post.title),
                title: post.title.clone(),
                url: card.url,
                passage_html: results.highlighter.passage(&masthead_render::gating::public_plaintext(&post.html)),
                summary: card.summary,
                section: card.section,
                authors: card.authors,
                published_at: card.published_at,
                members_only: post.is_gated(),
            }
        })
        .collect();
    Ok(())
}

/// `/opensearch.xml`: lets browsers add the site's search.
pub async fn opensearch(State(state): State<AppState>) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct Description<'a> {
        site: &'a masthead_render::views::SiteView,
        /// OpenSearch allows at most 16 characters.
        short_name: String,
    }
    let ctx = site_context(&state).await?;
    let short_name = ctx.site.title.chars().take(16).collect();
    let xml = state.theme.render("opensearch.xml", &Description { site: &ctx.site, short_name })?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/opensearchdescription+xml; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        xml,
    )
        .into_response())
}

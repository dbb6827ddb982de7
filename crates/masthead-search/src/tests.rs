use masthead_core::search::{SearchDocument, SearchOrder, SearchRequest, Searcher};
use masthead_core::{ObjectId, PostStatus, PostType, Visibility};

use crate::{IndexStatus, SearchError, SearchIndex};

const DAY: i64 = 86_400;
const NOW: i64 = 1_796_000_000;

fn id(n: u8) -> ObjectId {
    ObjectId::parse(&format!("{n:024x}")).expect("a valid id")
}

fn story(n: u8, title: &str, text: &str) -> SearchDocument {
    SearchDocument {
        id: id(n),
        post_type: PostType::Post,
        status: PostStatus::Published,
        visibility: Visibility::Public,
        title: title.to_owned(),
        custom_excerpt: None,
        plaintext: text.to_owned(),
        public_text: text.to_owned(),
        published_at: Some(NOW - i64::from(n) * DAY),
        updated_at: NOW,
        tags: vec![("news".into(), "News".into())],
        internal_tags: vec![],
        authors: vec![("anna".into(), "Anna Field".into())],
    }
}

fn built(stories: &[SearchDocument]) -> SearchIndex {
    let index = SearchIndex::in_memory();
    let mut rebuild = index.begin_rebuild(stories.len() as u64).expect("begin");
    rebuild.add(stories).expect("add");
    rebuild.finish(7).expect("finish");
    index
}

fn ids(index: &SearchIndex, who: Searcher, request: &SearchRequest) -> Vec<ObjectId> {
    index.search(who, request).expect("search").hits
}

fn find(index: &SearchIndex, text: &str) -> Vec<ObjectId> {
    ids(index, Searcher::Reader, &SearchRequest::words(text, 10))
}

#[test]
fn a_title_match_outranks_a_passing_mention_and_every_word_must_match() {
    let index = built(&[
        story(1, "Weather", "Rain again. Kharkiv was mentioned once, in passing, among other cities."),
        story(2, "Kharkiv power station hit", "The strike cut power to the east of the city."),
        story(3, "Markets", "Prices rose."),
    ]);
    assert_eq!(find(&index, "kharkiv"), vec![id(2), id(1)]);
    assert_eq!(find(&index, "kharkiv strike"), vec![id(2)]);
    assert_eq!(find(&index, "kharkiv markets"), Vec::<ObjectId>::new());
}

#[test]
fn english_words_match_their_other_forms() {
    let index = built(&[story(1, "Strikes on the grid", "Engineers are repairing the lines.")]);
    assert_eq!(find(&index, "strike"), vec![id(1)]);
    assert_eq!(find(&index, "repaired engineer"), vec![id(1)]);
}

#[test]
fn quoted_words_must_stand_together() {
    let index =
        built(&[story(1, "One", "The power station was hit."), story(2, "Two", "The station lost power at night.")]);
    assert_eq!(find(&index, "\"power station\""), vec![id(1)]);
    let mut both = find(&index, "power station");
    both.sort();
    assert_eq!(both, vec![id(1), id(2)]);
}

#[test]
fn cyrillic_words_are_found_whatever_their_case() {
    let index = built(&[story(1, "Київ уночі", "Сирени лунали над Києвом до ранку.")]);
    assert_eq!(find(&index, "КИЇВ"), vec![id(1)]);
    assert_eq!(find(&index, "сирени"), vec![id(1)]);
    assert_eq!(find(&index, "Львів"), Vec::<ObjectId>::new());
}

#[test]
fn a_misspelt_name_is_corrected_to_the_word_the_archive_has() {
    let index = built(&[
        story(1, "Zaporizhzhia plant", "Inspectors returned to Zaporizhzhia."),
        story(2, "Kherson", "Boats crossed the river."),
    ]);
    let results = index.search(Searcher::Reader, &SearchRequest::words("Zaporizhia", 10)).expect("search");
    assert_eq!(results.hits, vec![id(1)]);
    assert_eq!(results.corrected.as_deref(), Some("zaporizhzhia"));
    // Short words are not corrected: "Kerson" is five letters and one edit away, "Kers" is not.
    let short = index.search(Searcher::Reader, &SearchRequest::words("kers", 10)).expect("search");
    assert!(short.hits.is_empty() && short.corrected.is_none());
    assert_eq!(find(&index, "Kerson"), vec![id(2)]);
    // Asked for as written, it is not corrected.
    let mut exact = SearchRequest::words("Zaporizhia", 10);
    exact.exact = true;
    let as_written = index.search(Searcher::Reader, &exact).expect("search");
    assert!(as_written.hits.is_empty() && as_written.corrected.is_none());
    // A word the archive has is never "corrected".
    let exact = index.search(Searcher::Reader, &SearchRequest::words("boats", 10)).expect("search");
    assert_eq!(exact.corrected, None);
}

#[test]
fn readers_match_only_live_stories_and_only_what_they_may_read() {
    let mut draft = story(1, "Draft about the dam", "Unpublished notes on the dam.");
    draft.status = PostStatus::Draft;
    draft.published_at = None;
    let mut gated =
        story(2, "Members briefing", "Opening paragraph about the front. Secret detail about the reservoir.");
    gated.visibility = Visibility::Members;
    gated.public_text = "Opening paragraph about the front.".into();
    let index = built(&[draft, gated, story(3, "Public", "Everyone may read about the reservoir.")]);
    assert_eq!(find(&index, "dam"), Vec::<ObjectId>::new());
    assert_eq!(ids(&index, Searcher::Staff, &SearchRequest::words("dam", 10)), vec![id(1)]);
    assert_eq!(find(&index, "reservoir"), vec![id(3)]);
    assert_eq!(find(&index, "front"), vec![id(2)]);
    let mut staff = ids(&index, Searcher::Staff, &SearchRequest::words("reservoir", 10));
    staff.sort();
    assert_eq!(staff, vec![id(2), id(3)]);
}

#[test]
fn filters_narrow_by_tag_author_and_dates() {
    let mut war = story(1, "Shelling overnight", "Shelling in the south.");
    war.tags = vec![("war".into(), "War".into())];
    let mut culture = story(2, "Shelling damages a museum", "Shelling hit a museum.");
    culture.authors = vec![("ben".into(), "Ben Ross".into())];
    let old = story(30, "Shelling a month ago", "Old shelling.");
    let index = built(&[war, culture, old]);
    let search = |f: &dyn Fn(&mut SearchRequest)| {
        let mut request = SearchRequest::words("shelling", 10);
        f(&mut request);
        let mut found = ids(&index, Searcher::Reader, &request);
        found.sort();
        found
    };
    assert_eq!(search(&|r| r.tag = Some("war".into())), vec![id(1)]);
    assert_eq!(search(&|r| r.author = Some("ben".into())), vec![id(2)]);
    assert_eq!(search(&|r| r.from = Some(NOW - 10 * DAY)), vec![id(1), id(2)]);
    assert_eq!(search(&|r| r.until = Some(NOW - 10 * DAY)), vec![id(30)]);
}

#[test]
fn pages_of_results_and_the_newest_first_order() {
    let stories: Vec<_> = (1..=25).map(|n| story(n, &format!("Report {n}"), "Daily report.")).collect();
    let index = built(&stories);
    let mut request = SearchRequest::words("report", 10);
    request.order = SearchOrder::Newest;
    let first = index.search(Searcher::Reader, &request).expect("search");
    assert_eq!(first.total, 25);
    assert_eq!(first.hits.first(), Some(&id(1)));
    request.offset = 20;
    let last = index.search(Searcher::Reader, &request).expect("search");
    assert_eq!(last.hits, (21..=25).map(id).collect::<Vec<_>>());
}

#[test]
fn between_equal_matches_the_recent_story_ranks_first() {
    let index = built(&[story(200, "Ceasefire talks", "Talks."), story(2, "Ceasefire talks", "Talks.")]);
    assert_eq!(find(&index, "ceasefire"), vec![id(2), id(200)]);
}

#[test]
fn snippets_mark_the_matched_words_and_escape_the_text() {
    let index = built(&[story(1, "A <b>bold</b> claim", "Before. The <script> tag and the bridge collapsed. After.")]);
    let results = index.search(Searcher::Reader, &SearchRequest::words("bridge", 10)).expect("search");
    let passage = results.highlighter.passage("Before. The <script> tag and the bridge collapsed. After.");
    let passage = passage.expect("a passage");
    assert!(passage.contains("<mark>bridge</mark>"), "{passage}");
    assert!(passage.contains("&lt;script&gt;"), "{passage}");
    assert_eq!(results.highlighter.title("A <b>bold</b> claim"), None);
}

#[test]
fn changes_replace_and_remove_stories() {
    let index = built(&[story(1, "Old title", "Text."), story(2, "Second", "Text.")]);
    assert_eq!(index.cursor(), Some(7));
    index.apply(&[story(1, "New headline", "Text.")], &[id(2)], 9).expect("apply");
    assert_eq!(find(&index, "headline"), vec![id(1)]);
    assert_eq!(find(&index, "old"), Vec::<ObjectId>::new());
    assert_eq!(find(&index, "second"), Vec::<ObjectId>::new());
    assert_eq!(index.status(), IndexStatus::Ready { documents: 1, cursor: 9 });
}

#[test]
fn an_unbuilt_index_says_it_is_being_rebuilt_and_a_bad_query_says_why() {
    let index = SearchIndex::in_memory();
    assert!(matches!(
        index.search(Searcher::Reader, &SearchRequest::words("war", 10)),
        Err(SearchError::Rebuilding { .. })
    ));
    let index = built(&[story(1, "One", "Text.")]);
    let empty = index.search(Searcher::Reader, &SearchRequest::words("  ", 10));
    assert!(matches!(empty, Err(SearchError::Query(_))));
    let long = index.search(Searcher::Reader, &SearchRequest::words(&"word ".repeat(60), 10));
    assert!(matches!(long, Err(SearchError::Query(_))));
}

#[test]
fn an_index_on_disk_reopens_where_it_stopped_and_a_damaged_one_is_rebuilt() {
    let home = tempfile::tempdir().expect("temporary directory");
    let index = SearchIndex::open(home.path()).expect("open");
    assert!(index.needs_rebuild());
    // One process keeps an index.
    assert!(matches!(SearchIndex::open(home.path()), Err(crate::IndexError::Busy { .. })));
    let mut rebuild = index.begin_rebuild(1).expect("begin");
    rebuild.add(&[story(1, "Dnipro", "Text.")]).expect("add");
    rebuild.finish(41).expect("finish");
    index.apply(&[story(2, "Odesa", "Text.")], &[], 42).expect("apply");
    drop(index);

    let reopened = SearchIndex::open(home.path()).expect("reopen");
    assert_eq!(reopened.status(), IndexStatus::Ready { documents: 2, cursor: 42 });
    assert_eq!(find(&reopened, "odesa"), vec![id(2)]);

    // Its files deleted under it: it still answers from what it has open, and asks to be rebuilt.
    std::fs::remove_dir_all(home.path().join("index")).expect("delete the index");
    assert!(reopened.needs_rebuild());
    assert_eq!(find(&reopened, "odesa"), vec![id(2)]);

    // Damaged: opened as missing, and rebuilt in place.
    std::fs::create_dir_all(home.path().join("index")).expect("directory");
    std::fs::write(home.path().join("index").join("meta.json"), b"{ not json").expect("write");
    drop(reopened);
    let damaged = SearchIndex::open(home.path()).expect("open a damaged index");
    assert_eq!(damaged.status(), IndexStatus::Missing);
    let mut rebuild = damaged.begin_rebuild(1).expect("begin");
    rebuild.add(&[story(3, "Lviv", "Text.")]).expect("add");
    assert_eq!(damaged.status(), IndexStatus::Rebuilding { done: 1, total: 1 });
    rebuild.finish(50).expect("finish");
    assert_eq!(find(&damaged, "lviv"), vec![id(3)]);
    assert!(!damaged.needs_rebuild());
}

//! Browse listings: NQL filters and `order` compiled to SQL, on both databases.

use masthead_core::nql::parse;
use masthead_core::{MemberStatus, ObjectId};
use masthead_storage::{Db, FilterError, Listing, PageRequest, Paginated, Resource, Scope, StorageError};
use masthead_test_utils::{MemberBuilder, NewsletterBuilder, PostBuilder, StaffBuilder, TestApp, dual_db_test};
use time::{Duration, OffsetDateTime};

/// One browse request with the given filter and order.
async fn list(
    db: &Db,
    resource: Resource,
    scope: Scope,
    filter: Option<&str>,
    order: Option<&str>,
    page: PageRequest,
    now: OffsetDateTime,
) -> Result<Paginated<String>, StorageError> {
    let filter = filter.map(|f| parse(f).unwrap_or_else(|e| panic!("{f:?} is valid NQL: {e}")));
    db.list_ids(&Listing { resource, scope, filter: filter.as_ref(), order, page, now }).await
}

/// What a listing's ids stand for, readably: post slugs, tag slugs, author slugs, member
/// emails, newsletter slugs.
async fn names(db: &Db, resource: Resource, ids: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for id in ids {
        let id = ObjectId::parse(id).expect("listings return 24-hex ids");
        let name = match resource {
            Resource::Posts | Resource::Pages => db.post_by_id(&id).await.expect("post").map(|p| p.slug.to_string()),
            Resource::Tags => db.tag_by_id(&id).await.expect("tag").map(|t| t.slug.to_string()),
            Resource::Authors => db.user_by_id(&id).await.expect("user").map(|u| u.slug.to_string()),
            Resource::Members => db.member_by_id(&id).await.expect("member").map(|m| m.email),
            Resource::Newsletters => db.newsletter_by_id(&id).await.expect("newsletter").map(|n| n.slug.to_string()),
            Resource::Labels => db.labels().await.expect("labels").into_iter().find(|l| l.id == id).map(|l| l.slug),
        };
        names.push(name.expect("a listed id exists"));
    }
    names
}

/// The names a filter selects, all on one page, in the resource's default order.
async fn select(db: &Db, resource: Resource, scope: Scope, filter: &str, now: OffsetDateTime) -> Vec<String> {
    let page = list(db, resource, scope, Some(filter), None, PageRequest::new(1, 100), now)
        .await
        .unwrap_or_else(|e| panic!("{filter:?} lists: {e}"));
    assert_eq!(page.total as usize, page.items.len(), "{filter:?}: the total counts the same rows");
    names(db, resource, &page.items).await
}

async fn ordered(db: &Db, resource: Resource, order: &str, now: OffsetDateTime) -> Vec<String> {
    let page = list(db, resource, Scope::Public, None, Some(order), PageRequest::new(1, 100), now)
        .await
        .unwrap_or_else(|e| panic!("{order:?} lists: {e}"));
    names(db, resource, &page.items).await
}

async fn refused(db: &Db, resource: Resource, filter: Option<&str>, order: Option<&str>) -> FilterError {
    match list(db, resource, Scope::Staff, filter, order, PageRequest::new(1, 15), masthead_core::now()).await {
        Err(StorageError::Filter(e)) => e,
        other => panic!("{filter:?} / {order:?} should be refused as a bad filter, got {other:?}"),
    }
}

/// Four published posts, a draft and a page, by three authors (one suspended), with public
/// and internal tags. Published newest first: alpha, bravo, delta, charlie.
async fn newsroom(app: &TestApp, now: OffsetDateTime) {
    let n = &app.newsroom;
    let anna = StaffBuilder::new("Anna Field").location("Dravsk").create(&app.db).await;
    let boris = StaffBuilder::new("Boris Lane").create(&app.db).await;
    let cleo = StaffBuilder::new("Cleo Park").suspended().create(&app.db).await;
    PostBuilder::published("Alpha")
        .authors(&[&anna, &boris])
        .tags(&["News", "Politics"])
        .featured()
        .excerpt("50% off the budget")
        .published_at(now - Duration::hours(1))
        .create(n)
        .await;
    PostBuilder::published("Bravo")
        .authors(&[&boris])
        .tags(&["#internal", "Sport"])
        .excerpt("An under_score plan")
        .published_at(now - Duration::hours(2))
        .create(n)
        .await;
    PostBuilder::published("Charlie")
        .authors(&[&cleo, &anna])
        .tags(&["Politics"])
        .excerpt("500 off, underXscore")
        .feature_image("/content/images/c.jpg", "alt", "caption", "credit")
        .published_at(now - Duration::days(40))
        .create(n)
        .await;
    PostBuilder::published("Delta").authors(&[&anna]).published_at(now - Duration::hours(3)).create(n).await;
    PostBuilder::draft("Echo").authors(&[&anna]).tags(&["News"]).create(n).await;
    PostBuilder::page("About").authors(&[&anna]).create(n).await;
}

dual_db_test!(async fn every_operator_on_posts(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let posts = |filter: &'static str| select(&db, Resource::Posts, Scope::Public, filter, now);

    assert_eq!(posts("slug:alpha").await, ["alpha"]);
    assert_eq!(posts("slug:-alpha").await, ["bravo", "delta", "charlie"]);
    assert_eq!(posts("title:>C").await, ["delta", "charlie"]);
    assert_eq!(posts("title:>=Charlie").await, ["delta", "charlie"]);
    assert_eq!(posts("title:<Bravo").await, ["alpha"]);
    assert_eq!(posts("title:<=Bravo").await, ["alpha", "bravo"]);
    assert_eq!(posts("title:~LPH").await, ["alpha"], "contains ignores case");
    assert_eq!(posts("title:-~lph").await, ["bravo", "delta", "charlie"]);
    assert_eq!(posts("title:~^br").await, ["bravo"]);
    assert_eq!(posts("title:-~^b").await, ["alpha", "delta", "charlie"]);
    assert_eq!(posts("title:~$TA").await, ["delta"]);
    assert_eq!(posts("title:-~$a").await, ["bravo", "charlie"]);
    assert_eq!(posts("slug:[alpha,delta,nothing]").await, ["alpha", "delta"]);
    assert_eq!(posts("slug:-[alpha,delta]").await, ["bravo", "charlie"]);
    assert_eq!(posts("featured:true").await, ["alpha"]);
    assert_eq!(posts("featured:false").await, ["bravo", "delta", "charlie"]);
    assert_eq!(posts("featured:-true").await, ["bravo", "delta", "charlie"]);
    assert_eq!(posts("featured:[true]").await, ["alpha"]);
    assert_eq!(posts("reading_time:>=0+reading_time:<100000").await.len(), 4, "numbers compare");
    assert_eq!(posts("reading_time:-1000").await.len(), 4);
    assert_eq!(posts("status:published+visibility:public").await.len(), 4);
});

dual_db_test!(async fn timestamps_accept_exact_and_relative_dates(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let db_ref: &Db = &db;
    let posts = |filter: String| async move { select(db_ref, Resource::Posts, Scope::Public, &filter, now).await };
    let bravo = now - Duration::hours(2);
    let ghost = |t: OffsetDateTime| {
        format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
    };
    let iso = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).expect("format");

    assert_eq!(posts(format!("published_at:'{}'", ghost(bravo))).await, ["bravo"]);
    assert_eq!(posts(format!("published_at:'{}'", iso(bravo))).await, ["bravo"]);
    assert_eq!(posts(format!("published_at:>'{}'", ghost(bravo))).await, ["alpha"]);
    assert_eq!(posts(format!("published_at:>='{}'", iso(bravo))).await, ["alpha", "bravo"]);
    assert_eq!(posts(format!("published_at:<'{}'", ghost(bravo))).await, ["delta", "charlie"]);
    assert_eq!(posts(format!("published_at:<='{}'", ghost(bravo))).await, ["bravo", "delta", "charlie"]);
    assert_eq!(posts(format!("published_at:-'{}'", ghost(bravo))).await, ["alpha", "delta", "charlie"]);
    assert_eq!(posts(format!("published_at:[ '{}', '{}' ]", ghost(bravo), iso(now - Duration::hours(3)))).await, ["bravo", "delta"]);
    // Half a second after bravo: nothing equals it; `>=` and `>` both start just after bravo.
    let half = format!("{}.500Z", iso(bravo).trim_end_matches('Z'));
    assert_eq!(posts(format!("published_at:'{half}'")).await, Vec::<String>::new());
    assert_eq!(posts(format!("published_at:>='{half}'")).await, ["alpha"]);
    assert_eq!(posts(format!("published_at:<'{half}'")).await, ["bravo", "delta", "charlie"]);

    assert_eq!(posts("published_at:>now-150m".into()).await, ["alpha", "bravo"]);
    assert_eq!(posts("published_at:>now-1w".into()).await, ["alpha", "bravo", "delta"]);
    assert_eq!(posts("published_at:<now-1M".into()).await, ["charlie"]);
    assert_eq!(posts("published_at:<now-1y".into()).await, Vec::<String>::new());
    assert_eq!(posts("published_at:>now-2d+published_at:<=now-2h".into()).await, ["bravo", "delta"]);
    let tomorrow = now + Duration::days(1);
    let date = format!("{:04}-{:02}-{:02}", tomorrow.year(), u8::from(tomorrow.month()), tomorrow.day());
    assert_eq!(posts(format!("published_at:<{date}")).await.len(), 4, "a bare date is midnight UTC");
    assert_eq!(posts(format!("created_at:>{date}")).await, Vec::<String>::new());
});

dual_db_test!(async fn nulls_and_like_wildcards(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let posts = |filter: &'static str| select(&db, Resource::Posts, Scope::Public, filter, now);

    assert_eq!(posts("custom_excerpt:~'50%'").await, ["alpha"], "% is literal, so '500 off' does not match");
    assert_eq!(posts("custom_excerpt:~'r_s'").await, ["bravo"], "_ is literal, so 'underXscore' does not match");
    assert_eq!(posts("custom_excerpt:~^'50\\%'").await, ["alpha"]);
    assert_eq!(posts("custom_excerpt:null").await, ["delta"]);
    assert_eq!(posts("custom_excerpt:-null").await, ["alpha", "bravo", "charlie"]);
    assert_eq!(posts("custom_excerpt:-'50% off the budget'").await, ["bravo", "delta", "charlie"], "NULL is not equal");
    assert_eq!(posts("custom_excerpt:-~'off'").await, ["bravo", "delta"], "NULL does not contain");
    assert_eq!(posts("custom_excerpt:[null,'An under_score plan']").await, ["bravo", "delta"]);
    assert_eq!(posts("custom_excerpt:-[null,'An under_score plan']").await, ["alpha", "charlie"]);
    assert_eq!(posts("feature_image:null").await, ["alpha", "bravo", "delta"]);
    assert_eq!(posts("feature_image:-null").await, ["charlie"]);
    assert_eq!(posts("feature_image:~'/c.jpg'").await, ["charlie"]);
});

dual_db_test!(async fn relations_match_any_and_negations_match_none(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let posts = |filter: &'static str| select(&db, Resource::Posts, Scope::Public, filter, now);

    assert_eq!(posts("tag:politics").await, ["alpha", "charlie"]);
    assert_eq!(posts("tags:politics").await, ["alpha", "charlie"]);
    assert_eq!(posts("tags.slug:politics").await, ["alpha", "charlie"]);
    assert_eq!(posts("tag:-politics").await, ["bravo", "delta"], "untagged posts have no politics tag either");
    assert_eq!(posts("tag:[news,sport]").await, ["alpha", "bravo"]);
    assert_eq!(posts("tag:-[news,sport]").await, ["delta", "charlie"]);
    assert_eq!(posts("tag:news+tag:politics").await, ["alpha"]);
    assert_eq!(posts("tag:null").await, ["delta"]);
    assert_eq!(posts("tag:-null").await, ["alpha", "bravo", "charlie"]);
    assert_eq!(posts("tags.name:~'POLI'").await, ["alpha", "charlie"]);
    assert_eq!(posts("tags.visibility:internal").await, ["bravo"]);
    assert_eq!(posts("tag:hash-internal").await, ["bravo"], "themes may filter by internal tags publicly");
    assert_eq!(posts("author:boris-lane").await, ["alpha", "bravo"]);
    assert_eq!(posts("authors:-boris-lane").await, ["delta", "charlie"]);
    assert_eq!(posts("author:anna-field+author:boris-lane").await, ["alpha"]);
    assert_eq!(posts("authors.name:~'park'").await, ["charlie"]);
    assert_eq!(posts("primary_author:anna-field").await, ["alpha", "delta"]);
    assert_eq!(posts("primary_author:cleo-park").await, ["charlie"]);
    assert_eq!(posts("primary_author:-anna-field").await, ["bravo", "charlie"]);
    // As in Ghost: the first tag, even an internal one (which the API then shows as null).
    assert_eq!(posts("primary_tag:sport").await, Vec::<String>::new(), "not the first tag of bravo");
    assert_eq!(posts("primary_tag:hash-internal").await, ["bravo"]);
    assert_eq!(posts("primary_tag:[news,politics]").await, ["alpha", "charlie"]);
    assert_eq!(posts("primary_tag:null").await, ["delta"]);
    let sport = db.tag_by_slug("sport").await.expect("tag").expect("sport");
    assert_eq!(select(&db, Resource::Posts, Scope::Public, &format!("tags.id:{}", sport.id), now).await, ["bravo"]);
});

dual_db_test!(async fn and_binds_tighter_than_or_and_groups_change_it(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let posts = |filter: &'static str| select(&db, Resource::Posts, Scope::Public, filter, now);

    assert_eq!(posts("tag:news,tag:sport+featured:true").await, ["alpha"]);
    assert_eq!(posts("(tag:news,tag:sport)+featured:false").await, ["bravo"]);
    assert_eq!(posts("tag:sport,tag:politics+featured:false").await, ["bravo", "charlie"]);
    assert_eq!(posts("featured:false+tag:sport,tag:politics").await, ["alpha", "bravo", "charlie"]);
    assert_eq!(posts("featured:false+(tag:sport,tag:politics)").await, ["bravo", "charlie"]);
    assert_eq!(posts("slug:delta,(tag:politics+(author:cleo-park,featured:true))").await, ["alpha", "delta", "charlie"]);
});

dual_db_test!(async fn orders_are_stable_and_totals_count_the_filter(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    let anna = db.user_by_slug("anna-field").await.expect("user").expect("anna");
    // Three stories published in the same second: the last edit, then the id, tells them apart.
    let mut same_second = Vec::new();
    for title in ["Tie one", "Tie two", "Tie three"] {
        let post = PostBuilder::published(title)
            .authors(&[&anna])
            .tags(&["Ties"])
            .published_at(now - Duration::hours(5))
            .create(&app.newsroom)
            .await;
        same_second.push((post.updated_at, post.id.to_string()));
    }
    same_second.sort();
    let same_second: Vec<String> = same_second.into_iter().rev().map(|(_, id)| id).collect();

    let page = |n: u32, limit: u32, filter: Option<&'static str>, order: Option<&'static str>| {
        let db = &db;
        async move {
            let page = list(db, Resource::Posts, Scope::Public, filter, order, PageRequest::new(n, limit), now).await.expect("lists");
            (names(db, Resource::Posts, &page.items).await, page)
        }
    };
    let mut walked = Vec::new();
    for n in 1..=3 {
        let (_, p) = page(n, 1, Some("tag:ties"), None).await;
        assert_eq!((p.total, p.pages), (3, 3));
        walked.extend(p.items);
    }
    assert_eq!(walked, same_second, "equal times page by last edit and id, with no repeats");

    let (slugs, p) = page(1, 3, None, None).await;
    assert_eq!(slugs, ["alpha", "bravo", "delta"]);
    assert_eq!((p.total, p.pages, p.next, p.prev), (7, 3, Some(2), None));
    let (slugs, p) = page(3, 3, None, None).await;
    assert_eq!(slugs, ["charlie"]);
    assert_eq!((p.total, p.next, p.prev), (7, None, Some(2)));
    let (slugs, p) = page(2, 2, Some("tag:politics,tag:sport,tag:news"), Some("title DESC")).await;
    assert_eq!(slugs, ["alpha"]);
    assert_eq!((p.total, p.pages), (3, 2));

    let (slugs, _) = page(1, 100, Some("tag:-ties"), Some("title desc")).await;
    assert_eq!(slugs, ["delta", "charlie", "bravo", "alpha"]);
    let (slugs, _) = page(1, 100, Some("tag:-ties"), Some("Featured DESC, title asc")).await;
    assert_eq!(slugs, ["alpha", "bravo", "charlie", "delta"]);
    let (slugs, _) = page(1, 100, Some("tag:-ties"), Some("feature_image asc, title asc")).await;
    assert_eq!(slugs, ["alpha", "bravo", "delta", "charlie"], "NULL sorts first ascending");
    let (slugs, _) = page(1, 100, Some("tag:-ties"), Some("feature_image desc, title asc")).await;
    assert_eq!(slugs, ["charlie", "alpha", "bravo", "delta"], "and last descending");
    let (slugs, _) = page(1, 100, Some("tag:-ties"), Some("published_at asc")).await;
    assert_eq!(slugs, ["charlie", "delta", "bravo", "alpha"]);

    // Staff see the draft; Ghost's admin order puts drafts before published posts.
    let staff = list(&db, Resource::Posts, Scope::Staff, Some("tag:-ties"), None, PageRequest::new(1, 100), now).await.expect("staff");
    assert_eq!(names(&db, Resource::Posts, &staff.items).await, ["echo", "alpha", "bravo", "delta", "charlie"]);
});

dual_db_test!(async fn tags_and_authors_order_by_how_many_published_posts_they_have(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;
    // Published posts: Anna three (the draft does not count), Boris two, Cleo one.
    assert_eq!(ordered(&db, Resource::Authors, "count.posts desc", now).await, ["anna-field", "boris-lane", "cleo-park"]);
    assert_eq!(ordered(&db, Resource::Authors, "count.posts asc", now).await, ["cleo-park", "boris-lane", "anna-field"]);
    // Politics is on two published posts; News (one published, one draft), Sport and the
    // internal tag on one each.
    let tags = ordered(&db, Resource::Tags, "count.posts desc", now).await;
    assert_eq!(tags.first().map(String::as_str), Some("politics"), "{tags:?}");
    assert_eq!(tags.len(), 4, "{tags:?}");
});

dual_db_test!(async fn the_public_scope_hides_drafts_internal_tags_and_suspended_staff_without_stories(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    newsroom(&app, now).await;

    assert_eq!(select(&db, Resource::Posts, Scope::Public, "tag:news", now).await, ["alpha"]);
    assert_eq!(select(&db, Resource::Posts, Scope::Staff, "tag:news", now).await, ["echo", "alpha"]);
    assert_eq!(select(&db, Resource::Posts, Scope::Public, "status:draft", now).await, Vec::<String>::new());
    assert_eq!(select(&db, Resource::Pages, Scope::Public, "slug:-nothing", now).await, ["about"]);
    assert_eq!(select(&db, Resource::Posts, Scope::Staff, "slug:about", now).await, Vec::<String>::new(), "pages are not posts");

    // Ghost 6's Content API lists internal tags too.
    assert_eq!(select(&db, Resource::Tags, Scope::Public, "slug:-nothing", now).await, ["hash-internal", "news", "politics", "sport"]);
    assert_eq!(
        select(&db, Resource::Tags, Scope::Staff, "slug:-nothing", now).await,
        ["hash-internal", "news", "politics", "sport"],
        "by name: '#internal' sorts first"
    );
    assert_eq!(select(&db, Resource::Tags, Scope::Staff, "visibility:internal", now).await, ["hash-internal"]);
    assert_eq!(select(&db, Resource::Tags, Scope::Public, "name:~'o'", now).await, ["politics", "sport"]);

    // Cleo is suspended but co-wrote a published story, so her byline stays public; Eve is
    // suspended with nothing published.
    StaffBuilder::new("Eve Gone").suspended().create(&db).await;
    assert_eq!(
        select(&db, Resource::Authors, Scope::Public, "slug:-nothing", now).await,
        ["anna-field", "boris-lane", "cleo-park"]
    );
    assert_eq!(
        select(&db, Resource::Authors, Scope::Staff, "slug:-nothing", now).await,
        ["anna-field", "boris-lane", "cleo-park", "eve-gone"]
    );
    assert_eq!(select(&db, Resource::Authors, Scope::Public, "location:Dravsk", now).await, ["anna-field"]);
    assert_eq!(select(&db, Resource::Authors, Scope::Public, "location:null", now).await, ["boris-lane", "cleo-park"]);

    let error = list(&db, Resource::Members, Scope::Public, None, None, PageRequest::new(1, 15), now).await;
    assert!(matches!(error, Err(StorageError::Filter(FilterError::NotPublic { .. }))), "{error:?}");
});

dual_db_test!(async fn members_filter_on_labels_newsletters_and_subscriptions(db) {
    let app = TestApp::new(&db).await;
    let now = masthead_core::now();
    let daily = NewsletterBuilder::new("Daily Brief").sort_order(1).create(&app.db).await;
    let weekly = NewsletterBuilder::new("Weekly Long Read").sort_order(0).create(&app.db).await;
    NewsletterBuilder::new("Old Digest").sort_order(2).archived().create(&app.db).await;
    MemberBuilder::new("ada@example.org")
        .name("Ada")
        .labels(&["VIP", "Press"])
        .subscribed_to(&[&daily, &weekly])
        .status(MemberStatus::Paid)
        .created_at(now - Duration::days(3))
        .create(&app.db)
        .await;
    MemberBuilder::new("ben@example.org")
        .labels(&["Press"])
        .subscribed_to(&[&weekly])
        .created_at(now - Duration::days(2))
        .create(&app.db)
        .await;
    let cy = MemberBuilder::new("cy_100%@example.org").name("Cy").created_at(now - Duration::days(1)).create(&app.db).await;
    let members = |filter: &'static str| select(&db, Resource::Members, Scope::Staff, filter, now);

    assert_eq!(members("email:-nothing").await, ["cy_100%@example.org", "ben@example.org", "ada@example.org"], "newest first");
    assert_eq!(members("label:press").await, ["ben@example.org", "ada@example.org"]);
    assert_eq!(members("labels.name:VIP").await, ["ada@example.org"]);
    assert_eq!(members("label:-vip").await, ["cy_100%@example.org", "ben@example.org"]);
    assert_eq!(members("newsletters.slug:daily-brief").await, ["ada@example.org"]);
    let by_id = format!("newsletters.id:{}", weekly.id);
    assert_eq!(select(&db, Resource::Members, Scope::Staff, &by_id, now).await, ["ben@example.org", "ada@example.org"]);
    assert_eq!(members("subscribed:true").await, ["ben@example.org", "ada@example.org"]);
    assert_eq!(members("subscribed:false").await, ["cy_100%@example.org"]);
    assert_eq!(members("status:paid").await, ["ada@example.org"]);
    assert_eq!(members("name:null").await, ["ben@example.org"]);
    assert_eq!(members("email:~'_100%'").await, ["cy_100%@example.org"]);
    assert_eq!(members("created_at:<now-36h").await, ["ben@example.org", "ada@example.org"]);
    db.set_subscriptions(&cy.id, &[(daily.id.clone(), true)], "test").await.expect("subscribe");
    db.set_subscriptions(&cy.id, &[(daily.id.clone(), false)], "test").await.expect("unsubscribe");
    assert_eq!(members("subscribed:true").await, ["ben@example.org", "ada@example.org"], "an unsubscribed row is not a subscription");
    assert_eq!(members("newsletter:daily-brief").await, ["ada@example.org"]);

    let newsletters = |scope, filter: &'static str| select(&db, Resource::Newsletters, scope, filter, now);
    assert_eq!(newsletters(Scope::Staff, "slug:-nothing").await, ["weekly-long-read", "daily-brief", "old-digest"]);
    assert_eq!(newsletters(Scope::Public, "slug:-nothing").await, ["weekly-long-read", "daily-brief"]);
    assert_eq!(newsletters(Scope::Staff, "status:archived,sort_order:>=1").await, ["daily-brief", "old-digest"]);
});

dual_db_test!(async fn bad_filters_and_orders_are_named_errors(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app, masthead_core::now()).await;
    let message = |e: FilterError| e.to_string();

    assert_eq!(message(refused(&db, Resource::Posts, Some("passsword:x"), None).await), "unknown filter property 'passsword' for posts");
    assert_eq!(message(refused(&db, Resource::Authors, Some("email:~'@'"), None).await), "unknown filter property 'email' for authors");
    assert_eq!(message(refused(&db, Resource::Authors, Some("password_hash:null"), None).await), "unknown filter property 'password_hash' for authors");
    assert_eq!(message(refused(&db, Resource::Tags, Some("tag:news"), None).await), "unknown filter property 'tag' for tags");
    assert_eq!(
        message(refused(&db, Resource::Posts, Some("featured:maybe"), None).await),
        "invalid value for 'featured': expected true or false, got 'maybe'"
    );
    assert!(
        message(refused(&db, Resource::Posts, Some("published_at:>'yesterday'"), None).await)
            .starts_with("invalid value for 'published_at': expected a date such as '2024-05-01 12:00:00'"),
    );
    assert_eq!(
        message(refused(&db, Resource::Posts, Some("reading_time:~'1'"), None).await),
        "invalid value for 'reading_time': '~' matches text, and 'reading_time' is not text"
    );
    // Orders are not refused, as in Ghost 6: unknown or computed fields and bad directions are
    // ignored, and with no key left the rows come oldest first. Only an overlong order is.
    let ids = |resource: Resource, order: &'static str| {
        let db = &db;
        async move {
            list(db, resource, Scope::Staff, None, Some(order), PageRequest::new(1, 15), masthead_core::now())
                .await
                .expect("lists")
                .items
        }
    };
    let oldest_first = ids(Resource::Posts, "created_at asc").await;
    for ignored in ["password desc", "tags.slug asc", "title upward", "reading_time desc"] {
        assert_eq!(ids(Resource::Posts, ignored).await, oldest_first, "{ignored}");
    }
    assert_eq!(ids(Resource::Members, "subscribed").await, ids(Resource::Members, "created_at asc").await);
    let overlong = "title asc,".repeat(40);
    assert!(list(&db, Resource::Posts, Scope::Staff, None, Some(&overlong), PageRequest::new(1, 15), masthead_core::now()).await.is_err());
});

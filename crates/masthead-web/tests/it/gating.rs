//! Members-only and paid stories: what each kind of reader gets on the article page, in feeds,
//! from the Content API and in structured data, and that the page cache never hands one
//! reader's access to another.

use axum::body::Body;
use axum::http::Request;
use masthead_core::{MemberStatus, Post, Role, SiteSettings, Visibility};
use masthead_test_utils::{MemberBuilder, PostBuilder, StaffBuilder, TestApp, TestResponse, dual_db_test};
use scraper::Html;
use serde_json::Value;
use time::Duration;

use crate::select;

const ORIGIN: &str = "https://news.example.org";

/// Stories of every visibility, each saying in its own words what is public and what is not.
struct Stories {
    public: Post,
    members: Post,
    paid: Post,
    /// Paid, one paragraph and no members-only marker: nothing of its body is public.
    paid_whole: Post,
}

impl Stories {
    fn all(&self) -> [&Post; 4] {
        [&self.public, &self.members, &self.paid, &self.paid_whole]
    }
}

async fn stories(app: &TestApp) -> Stories {
    let settings = SiteSettings { title: "The Harbour Post".into(), ..SiteSettings::default() };
    app.db.save_site_settings(&settings).await.expect("settings");
    app.state.cache.clear();
    let anna = StaffBuilder::new("Anna Field").create(&app.db).await;
    let now = masthead_core::now();
    let story = |title: &str, visibility: Visibility, markdown: &str, hours: i64| {
        PostBuilder::published(title)
            .authors(&[&anna])
            .tags(&["Investigations"])
            .visibility(visibility)
            .markdown(markdown)
            .published_at(now - Duration::hours(hours))
    };
    let public = story("Ferry timetable changes", Visibility::Public, "Everyone may read the timetable news.", 1)
        .create(&app.newsroom)
        .await;
    let members = story(
        "Inside the port authority",
        Visibility::Members,
        "The members opening names the port authority.\n\n<!--members-only-->\n\nMembers secret: the harbour master resigned.",
        2,
    )
    .create(&app.newsroom)
    .await;
    let paid = story(
        "Who owns the grain terminal",
        Visibility::Paid,
        "The paid opening asks who owns the terminal.\n\n<!--members-only-->\n\nPaid secret: a shell company in Salen.",
        3,
    )
    .create(&app.newsroom)
    .await;
    let paid_whole = story("The ledger", Visibility::Paid, "Paid whole secret: the ledger lists every bribe.", 4)
        .excerpt("What the ledger shows, for paying members.")
        .create(&app.newsroom)
        .await;
    Stories { public, members, paid, paid_whole }
}

/// The kinds of reader, each with the cookie that makes them one.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Anonymous,
    Free,
    Paid,
    Comped,
    Staff,
}

const KINDS: [Kind; 5] = [Kind::Anonymous, Kind::Free, Kind::Paid, Kind::Comped, Kind::Staff];

struct Readers {
    cookies: Vec<(Kind, Option<String>)>,
}

impl Readers {
    fn cookie(&self, kind: Kind) -> Option<&str> {
        self.cookies.iter().find(|(k, _)| *k == kind).and_then(|(_, c)| c.as_deref())
    }
}

/// Signs a member in as a reader does: the sign-in form, the mailed link, the cookie it sets.
pub(crate) async fn member_cookie(app: &TestApp, email: &str, status: MemberStatus) -> String {
    MemberBuilder::new(email).status(status).create(&app.db).await;
    let form = Request::post("/signin/")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .body(Body::from(format!("email={}", email.replace('@', "%40"))))
        .expect("request");
    assert_eq!(app.request(form).await.status, 200);
    let link = crate::link_to(app, email, "/signin/confirm/?token=").await;
    let opened = app.get(&link).await;
    assert_eq!(opened.status, 303);
    opened.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned()
}

async fn readers(app: &TestApp) -> Readers {
    let free = member_cookie(app, "free@example.org", MemberStatus::Free).await;
    let paid = member_cookie(app, "paid@example.org", MemberStatus::Paid).await;
    let comped = member_cookie(app, "comped@example.org", MemberStatus::Comped).await;
    let contributor = app
        .newsroom
        .add_staff("Eda Stone", "eda@news.example.org", Role::Contributor, Some("a long enough secret"))
        .await
        .expect("staff");
    let token = app.newsroom.open_session(&contributor, None, None).await.expect("session");
    Readers {
        cookies: vec![
            (Kind::Anonymous, None),
            (Kind::Free, Some(free)),
            (Kind::Paid, Some(paid)),
            (Kind::Comped, Some(comped)),
            (Kind::Staff, Some(app.session_cookie(&token))),
        ],
    }
}

async fn get_as(app: &TestApp, path: &str, cookie: Option<&str>) -> TestResponse {
    match cookie {
        Some(cookie) => app.get_with(path, &[("cookie", cookie)]).await,
        None => app.get(path).await,
    }
}

/// Who may read each story whole, by Ghost's rules.
fn may_read(post: &Post, kind: Kind) -> bool {
    match (post.visibility, kind) {
        (Visibility::Public, _) | (_, Kind::Staff) => true,
        (_, Kind::Anonymous) => false,
        (Visibility::Members, _) => true,
        (Visibility::Paid, kind) => matches!(kind, Kind::Paid | Kind::Comped),
        // These stories are on no tier: staff only, as in Ghost.
        (Visibility::Tiers, _) => false,
    }
}

/// The words only readers with access may see.
fn secret(post: &Post) -> &'static str {
    match post.visibility {
        Visibility::Public => "Everyone may read",
        Visibility::Members => "Members secret",
        Visibility::Paid if post.html.contains("<!--members-only-->") => "Paid secret",
        Visibility::Paid => "Paid whole secret",
        Visibility::Tiers => "Tier secret",
    }
}

fn opening(post: &Post) -> Option<&'static str> {
    match secret(post) {
        "Members secret" => Some("The members opening names the port authority."),
        "Paid secret" => Some("The paid opening asks who owns the terminal."),
        _ => None,
    }
}

fn json_ld(page: &Html) -> Value {
    let script = select(page, "script[type=\"application/ld+json\"]");
    let text: String = script.first().expect("JSON-LD").text().collect();
    serde_json::from_str(&text).expect("JSON-LD parses")
}

fn meta_content(page: &Html, selector: &str) -> String {
    select(page, selector).first().and_then(|m| m.value().attr("content")).unwrap_or_default().to_owned()
}

dual_db_test!(async fn each_reader_gets_what_their_access_allows_on_the_article_page(db) {
    let app = TestApp::mailing(&db).await;
    let stories = stories(&app).await;
    let readers = readers(&app).await;
    for post in stories.all() {
        let path = format!("/{}/", post.slug);
        for kind in KINDS {
            let response = get_as(&app, &path, readers.cookie(kind)).await;
            assert_eq!(response.status, 200, "{path} as {kind:?}");
            let text = response.text();
            let page = Html::parse_document(&text);
            let allowed = may_read(post, kind);
            let case = format!("{path} as {kind:?}");
            assert_eq!(text.contains(secret(post)), allowed, "{case}: the members-only part");
            if let Some(opening) = opening(post) {
                assert!(text.contains(opening), "{case}: everyone reads the opening");
            }
            let invitation = select(&page, "section.members-only--invitation");
            assert_eq!(invitation.is_empty(), allowed, "{case}: the invitation");
            if !allowed {
                let signed_in = matches!(kind, Kind::Free);
                let form = select(&page, "section.members-only--invitation form[action=\"/subscribe/\"] input[type=email][required]");
                assert_eq!(form.len(), usize::from(!signed_in), "{case}: a sign-up form for readers without an account");
                let signin = select(&page, "section.members-only--invitation a[href=\"/signin/\"]");
                assert_eq!(signin.len(), usize::from(!signed_in), "{case}: a sign-in link");
                let heading = select(&page, "section.members-only--invitation h2");
                assert_eq!(heading.len(), 1, "{case}: the invitation has a heading");
                let labelled = invitation[0].value().attr("aria-labelledby").expect("labelled");
                assert_eq!(heading[0].value().attr("id"), Some(labelled));
            }

            // Structured data and link previews say the same to everyone, and never quote the
            // members-only part.
            let ld = json_ld(&page);
            assert_eq!(ld["isAccessibleForFree"], Value::Bool(post.visibility == Visibility::Public), "{case}");
            if post.visibility == Visibility::Public {
                assert!(ld.get("hasPart").is_none(), "{case}");
            } else {
                assert_eq!(ld["hasPart"]["@type"], "WebPageElement", "{case}");
                assert_eq!(ld["hasPart"]["isAccessibleForFree"], Value::Bool(false), "{case}");
                assert_eq!(ld["hasPart"]["cssSelector"], ".members-only", "{case}");
                assert_eq!(select(&page, ".members-only").len(), 1, "{case}: the selector names one element");
                for description in [
                    ld["description"].as_str().unwrap_or_default().to_owned(),
                    meta_content(&page, "meta[name=description]"),
                    meta_content(&page, "meta[property=\"og:description\"]"),
                    meta_content(&page, "meta[name=\"twitter:description\"]"),
                ] {
                    assert!(!description.contains(secret(post)), "{case}: {description}");
                }
            }
        }
    }
    // The public part of the marked story is its description; the custom excerpt of the
    // unmarked one is public by Ghost's rules.
    let marked = Html::parse_document(&app.get(&format!("/{}/", stories.members.slug)).await.text());
    assert_eq!(meta_content(&marked, "meta[name=description]"), "The members opening names the port authority.");
    let unmarked = Html::parse_document(&app.get(&format!("/{}/", stories.paid_whole.slug)).await.text());
    assert_eq!(meta_content(&unmarked, "meta[name=description]"), "What the ledger shows, for paying members.");
    let body: String = select(&unmarked, ".article__body").first().expect("body").text().collect();
    assert_eq!(body.trim(), "", "without a marker nothing of the body is public");
});

dual_db_test!(async fn lists_feeds_and_sitemaps_show_only_the_public_part(db) {
    let app = TestApp::mailing(&db).await;
    let stories = stories(&app).await;
    let readers = readers(&app).await;
    for path in ["/", "/tag/investigations/", "/author/anna-field/", "/rss/", "/tag/investigations/rss/"] {
        for kind in [Kind::Anonymous, Kind::Paid] {
            let text = get_as(&app, path, readers.cookie(kind)).await.text();
            for post in [&stories.members, &stories.paid, &stories.paid_whole] {
                assert!(!text.contains(secret(post)), "{path} as {kind:?} quotes {}", post.slug);
            }
        }
    }
    // Feeds carry the opening and a link to the rest; feed readers have no session, and a
    // member's cookie changes nothing.
    let rss = get_as(&app, "/rss/", readers.cookie(Kind::Paid)).await.text();
    let doc = roxmltree::Document::parse(&rss).expect("RSS parses");
    let item = |title: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("item"))
            .find(|i| i.descendants().any(|n| n.has_tag_name("title") && n.text() == Some(title)))
            .expect("item")
    };
    let content = |title: &str| {
        item(title)
            .descendants()
            .find(|n| n.tag_name().name() == "encoded")
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(content("Ferry timetable changes").contains("Everyone may read the timetable news."));
    let members = content("Inside the port authority");
    assert!(members.contains("The members opening names the port authority."), "{members}");
    assert!(
        members.contains(&format!("<a href=\"https://news.example.org/{}/\">The rest of this story is for members", stories.members.slug)),
        "{members}"
    );
    let whole = content("The ledger");
    assert!(!whole.contains("Paid whole secret") && whole.contains("is for paying members"), "{whole}");
    // Gated stories stay in the sitemaps with their public part.
    let sitemap = app.get("/sitemap-posts.xml").await.text();
    let news = app.get("/sitemap-news.xml").await.text();
    for post in stories.all() {
        assert!(sitemap.contains(&format!("/{}/", post.slug)), "{} in the sitemap", post.slug);
        assert!(news.contains(&format!("/{}/", post.slug)), "{} in the news sitemap", post.slug);
    }
});

async fn content_key(app: &TestApp) -> (String, String) {
    let integration = app.newsroom.add_integration("Front end", None).await.expect("integration");
    (integration.content_key.expect("content key"), integration.admin_key.expect("admin key"))
}

fn json_of(response: &TestResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", response.text()))
}

dual_db_test!(async fn the_content_api_answers_as_an_anonymous_reader_as_ghost_does(db) {
    let app = TestApp::mailing(&db).await;
    let stories = stories(&app).await;
    let readers = readers(&app).await;
    let (key, admin_key) = content_key(&app).await;
    let read = |post: &Post, cookie: Option<&str>| {
        let path = format!("/ghost/api/content/posts/{}/?key={key}&formats=html,plaintext", post.id);
        let cookie = cookie.map(str::to_owned);
        let app = &app;
        async move { json_of(&get_as(app, &path, cookie.as_deref()).await)["posts"][0].clone() }
    };

    let public = read(&stories.public, None).await;
    assert_eq!(public["access"], true);
    assert_eq!(public["plaintext"], "Everyone may read the timetable news.");

    // With a marker: the opening, its text, and an excerpt from it.
    let members = read(&stories.members, None).await;
    assert_eq!(members["access"], false);
    assert_eq!(members["html"], "<p>The members opening names the port authority.</p>");
    assert_eq!(members["plaintext"], "The members opening names the port authority.");
    assert_eq!(members["excerpt"], "The members opening names the port authority.");
    let paid = read(&stories.paid, None).await;
    assert_eq!((paid["access"].clone(), paid["excerpt"].clone()), (Value::Bool(false), "The paid opening asks who owns the terminal.".into()));

    // Without one, Ghost blanks html, plaintext and excerpt (the custom excerpt stays in its own field).
    let whole = read(&stories.paid_whole, None).await;
    assert_eq!((whole["access"].clone(), whole["html"].clone(), whole["plaintext"].clone(), whole["excerpt"].clone()), (Value::Bool(false), "".into(), "".into(), "".into()));
    assert_eq!(whole["custom_excerpt"], "What the ledger shows, for paying members.");

    // A member's cookie does not open the Content API: its keys are anonymous.
    let with_cookie = read(&stories.paid, readers.cookie(Kind::Paid)).await;
    assert_eq!(with_cookie["access"], false);
    assert!(!with_cookie.to_string().contains("Paid secret"));

    // Browsing cuts the same way, and nothing gated leaks from any field.
    let browse = get_as(&app, &format!("/ghost/api/content/posts/?key={key}&formats=html,plaintext&include=tags,authors"), None).await;
    let text = browse.text();
    for post in [&stories.members, &stories.paid, &stories.paid_whole] {
        assert!(!text.contains(secret(post)), "browse quotes {}", post.slug);
    }
    let listed = json_of(&browse);
    let access: Vec<(String, bool)> = listed["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| (p["slug"].as_str().unwrap_or_default().to_owned(), p["access"].as_bool().unwrap_or(true)))
        .collect();
    assert_eq!(
        access,
        [
            (stories.public.slug.to_string(), true),
            (stories.members.slug.to_string(), false),
            (stories.paid.slug.to_string(), false),
            (stories.paid_whole.slug.to_string(), false)
        ]
    );

    // Staff on the Admin API get the whole story (integrations act for the owner).
    app.newsroom.add_staff("Mira Halden", "mira@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let token = masthead_app::integrations::sign_admin_token(&admin_key, masthead_core::now()).expect("token");
    let admin = app
        .request(
            Request::get(format!("/ghost/api/admin/posts/{}/?formats=html", stories.paid.id))
                .header("authorization", format!("Ghost {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let admin = json_of(&admin);
    assert_eq!(admin["posts"][0].get("access"), None, "Ghost's Admin API has no `access`: {admin}");
    assert!(admin["posts"][0]["html"].as_str().is_some_and(|h| h.contains("Paid secret")), "{admin}");
});

dual_db_test!(async fn the_page_cache_keeps_each_access_level_apart(db) {
    let app = TestApp::mailing(&db).await;
    let stories = stories(&app).await;
    let readers = readers(&app).await;
    let paid_path = format!("/{}/", stories.paid.slug);
    let paid_cookie = readers.cookie(Kind::Paid);

    // A paid member first, then an anonymous reader and a free member.
    let member = get_as(&app, &paid_path, paid_cookie).await;
    assert!(member.text().contains("Paid secret"));
    assert_eq!(member.header("cache-control"), Some("private, max-age=0"), "no shared cache may keep a member's page");
    assert_eq!(member.header("vary"), Some("accept-encoding, cookie"));
    let anonymous = app.get(&paid_path).await;
    assert!(!anonymous.text().contains("Paid secret"), "the paid member's page is not served to anonymous readers");
    assert!(anonymous.text().contains("The paid opening asks who owns the terminal."));
    assert!(anonymous.header("cache-control").is_some_and(|c| c.starts_with("public") && c.contains("s-maxage")));
    assert_eq!(anonymous.header("vary"), Some("accept-encoding, cookie"), "shared caches must tell readers apart");
    assert!(!get_as(&app, &paid_path, readers.cookie(Kind::Free)).await.text().contains("Paid secret"));
    // Both versions are cached, and served again from the cache as they were.
    assert!(app.state.cache.contains(&paid_path));
    assert!(get_as(&app, &paid_path, readers.cookie(Kind::Comped)).await.text().contains("Paid secret"));
    assert!(!app.get(&paid_path).await.text().contains("Paid secret"));

    // The reverse order, on another story: anonymous first, then the paid member.
    let members_path = format!("/{}/", stories.members.slug);
    assert!(!app.get(&members_path).await.text().contains("Members secret"));
    assert!(app.state.cache.contains(&members_path));
    let free = get_as(&app, &members_path, readers.cookie(Kind::Free)).await;
    assert!(free.text().contains("Members secret"), "the anonymous page is not served to members");
    assert!(get_as(&app, &members_path, paid_cookie).await.text().contains("Members secret"));
    assert!(!app.get(&members_path).await.text().contains("Members secret"));

    // Staff are never served from the cache and their pages are never stored.
    let staff = get_as(&app, &paid_path, readers.cookie(Kind::Staff)).await;
    assert!(staff.text().contains("Paid secret"));
    assert_eq!(staff.header("cache-control"), Some("private, no-store"));
    assert!(!app.get(&paid_path).await.text().contains("Paid secret"));

    // The private preview link shows staff's whole story, and is never cached.
    let preview = app.get(&format!("/p/{}/", stories.paid.uuid)).await;
    assert!(preview.text().contains("Paid secret"));
    assert_eq!(preview.header("cache-control"), Some("private, no-store"));
    assert!(!app.get(&paid_path).await.text().contains("Paid secret"));

    // A public story needs no Vary on cookies, but a member's copy is still private.
    let public_path = format!("/{}/", stories.public.slug);
    assert_eq!(app.get(&public_path).await.header("vary"), Some("accept-encoding"));
    assert_eq!(get_as(&app, &public_path, paid_cookie).await.header("cache-control"), Some("private, max-age=0"));

    // A signed-out (expired or unknown) session is an anonymous reader.
    let stranger = app.get_with(&paid_path, &[("cookie", "masthead_member=not-a-session")]).await;
    assert!(!stranger.text().contains("Paid secret"));
    assert!(stranger.header("cache-control").is_some_and(|c| c.starts_with("public")));
});

dual_db_test!(async fn the_editor_writes_the_marker_and_its_preview_shows_where_it_is(db) {
    let app = TestApp::mailing(&db).await;
    let author = app
        .newsroom
        .add_staff("Anna Field", "anna@news.example.org", Role::Author, Some("a long enough secret"))
        .await
        .expect("staff");
    let cookie = app.session_cookie(&app.newsroom.open_session(&author, None, None).await.expect("session"));
    let markdown = "The+opening.%0A%0A%3C%21--members-only--%3E%0A%0AThe+members%27+part.";
    let form = |path: &str, body: String| {
        Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", ORIGIN)
            .header("cookie", &cookie)
            .body(Body::from(body))
            .expect("request")
    };
    let preview = app.request(form("/admin/preview/", format!("markdown={markdown}"))).await;
    assert_eq!(preview.status, 200);
    let shown = preview.text();
    assert!(shown.contains("<p class=\"members-only-divider\" role=\"separator\">"), "{shown}");
    assert!(shown.find("The opening.") < shown.find("members-only-divider") && shown.find("members-only-divider") < shown.find("The members"), "{shown}");

    let created = app
        .request(form("/admin/posts/", format!("title=Harbour+accounts&markdown={markdown}&visibility=members&action=publish")))
        .await;
    assert_eq!(created.status, 303);
    let post = app.db.post_by_slug(masthead_core::PostType::Post, "harbour-accounts").await.expect("read").expect("published");
    assert_eq!(post.visibility, Visibility::Members);
    assert_eq!(post.html, "<p>The opening.</p>\n<!--members-only-->\n<p>The members’ part.</p>\n");
    let page = app.get("/harbour-accounts/").await.text();
    assert!(page.contains("The opening.") && !page.contains("The members’ part."));
});

dual_db_test!(async fn without_a_marker_the_site_shows_the_first_paragraphs_and_the_content_api_nothing(db) {
    let app = TestApp::mailing(&db).await;
    let anna = StaffBuilder::new("Anna Field").create(&app.db).await;
    let story = PostBuilder::published("The harbour accounts")
        .authors(&[&anna])
        .visibility(Visibility::Paid)
        .markdown("The lede names the harbour.\n\nThe second paragraph sets the scene.\n\nThe findings: three accounts in Salen.\n\nWho signed them.")
        .create(&app.newsroom)
        .await;
    let page = app.get(&format!("/{}/", story.slug)).await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("The lede names the harbour.") && text.contains("The second paragraph sets the scene."), "{text}");
    assert!(!text.contains("three accounts in Salen") && !text.contains("Who signed them"), "the rest is for members");
    let feed = app.get("/rss/").await.text();
    assert!(feed.contains("The second paragraph sets the scene.") && !feed.contains("three accounts in Salen"));
    let (key, _) = content_key(&app).await;
    let api = json_of(&app.get(&format!("/ghost/api/content/posts/{}/?key={key}&formats=html,plaintext", story.id)).await);
    let post = &api["posts"][0];
    assert_eq!(post["access"], false);
    assert_eq!((post["html"].as_str(), post["plaintext"].as_str()), (Some(""), Some("")), "Ghost's cut: nothing");
});

dual_db_test!(async fn a_story_limited_to_tiers_is_read_whole_only_by_members_on_them(db) {
    let app = TestApp::mailing(&db).await;
    let owner = app
        .newsroom
        .add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret"))
        .await
        .expect("owner");
    let actor = masthead_core::Actor { user_id: owner.id.clone(), role: Role::Owner };
    let paid_tier = |name: &str| masthead_app::payments::TierInput {
        name: name.into(),
        paid: true,
        active: true,
        public: true,
        monthly_price: Some("5".into()),
        currency: Some("usd".into()),
        ..Default::default()
    };
    let member_tier = app.newsroom.create_tier_as(&actor, paid_tier("Member")).await.expect("tier");
    let sustainer = app.newsroom.create_tier_as(&actor, paid_tier("Sustainer")).await.expect("tier");
    let free = app.newsroom.ensure_free_tier().await.expect("free tier");
    let story = PostBuilder::published("The sustainers' briefing")
        .authors(&[&owner])
        .tiers(&[&sustainer])
        .markdown("The briefing opens in public.\n\n<!--members-only-->\n\nTier secret: the audit is due in May.")
        .create(&app.newsroom)
        .await;
    let open_house = PostBuilder::published("Open house")
        .authors(&[&owner])
        .tiers(&[&free, &sustainer])
        .markdown("Everyone hears of the open house.\n\n<!--members-only-->\n\nHouse secret: the door code.")
        .create(&app.newsroom)
        .await;
    let on_tier = |email: &'static str, tier: &masthead_core::Tier| {
        let tier = tier.id.to_string();
        let app = &app;
        async move {
            let cookie = member_cookie(app, email, MemberStatus::Paid).await;
            let member = app.db.member_by_email(email).await.expect("read").expect("member");
            app.db.set_member_tiers(member.id.as_str(), &[tier]).await.expect("tiers");
            cookie
        }
    };
    // The sustainer reads first: a page kept for them would leak to the other paid member.
    let sustainer_cookie = on_tier("sustainer@example.org", &sustainer).await;
    let member_cookie_ = on_tier("member@example.org", &member_tier).await;
    let free_cookie = member_cookie(&app, "free@example.org", MemberStatus::Free).await;
    let path = format!("/{}/", story.slug);
    let house = format!("/{}/", open_house.slug);
    for (who, cookie, reads_story, reads_house) in [
        ("the sustainer", Some(sustainer_cookie.as_str()), true, true),
        ("a paid member on another tier", Some(member_cookie_.as_str()), false, false),
        ("a free member", Some(free_cookie.as_str()), false, true),
        ("an anonymous reader", None, false, false),
    ] {
        for (page_path, secret, reads) in [(&path, "Tier secret", reads_story), (&house, "House secret", reads_house)] {
            let response = get_as(&app, page_path, cookie).await;
            assert_eq!(response.status, 200, "{page_path} for {who}");
            let text = response.text();
            assert_eq!(text.contains(secret), reads, "{page_path} for {who}: the members-only part");
            let page = Html::parse_document(&text);
            let heading: String = select(&page, "section.members-only--invitation h2")
                .first()
                .map(|h| h.text().collect())
                .unwrap_or_default();
            if reads {
                assert_eq!(heading, "", "{page_path} for {who}: no invitation");
            } else if page_path == &path {
                assert_eq!(heading, "This story is for Sustainer members", "{page_path} for {who}");
            } else {
                assert_eq!(heading, "This story is for Free or Sustainer members", "{page_path} for {who}");
            }
            if cookie.is_some() {
                let cache = response.header("cache-control").unwrap_or_default();
                assert!(cache.contains("private"), "{page_path} for {who}: a member's page is theirs alone: {cache}");
            }
        }
    }
    // Moving onto the story's tier opens it at once.
    let member = app.db.member_by_email("member@example.org").await.expect("read").expect("member");
    app.db.set_member_tiers(member.id.as_str(), &[sustainer.id.to_string()]).await.expect("tiers");
    assert!(get_as(&app, &path, Some(&member_cookie_)).await.text().contains("Tier secret"));

    // Feeds and the Content API treat it as any gated story: the opening only.
    let feed = app.get("/rss/").await.text();
    assert!(feed.contains("The briefing opens in public.") && !feed.contains("Tier secret"));
    assert!(feed.contains("The rest of this story is for members on its tiers"));
});

dual_db_test!(async fn the_editor_limits_a_story_to_the_tiers_ticked(db) {
    let app = TestApp::mailing(&db).await;
    let owner = app
        .newsroom
        .add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret"))
        .await
        .expect("owner");
    let actor = masthead_core::Actor { user_id: owner.id.clone(), role: Role::Owner };
    let tier = masthead_app::payments::TierInput {
        name: "Sustainer".into(),
        paid: true,
        active: true,
        public: true,
        monthly_price: Some("10".into()),
        currency: Some("usd".into()),
        ..Default::default()
    };
    let sustainer = app.newsroom.create_tier_as(&actor, tier).await.expect("tier");
    let cookie = app.session_cookie(&app.newsroom.open_session(&owner, None, None).await.expect("session"));
    let form = |body: String| {
        Request::post("/admin/posts/")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", ORIGIN)
            .header("cookie", &cookie)
            .body(Body::from(body))
            .expect("request")
    };
    let editor = app.get_with("/admin/posts/new/", &[("cookie", &cookie)]).await.text();
    let page = Html::parse_document(&editor);
    let boxes = select(&page, "input[type=checkbox][name^=tier_]");
    let offered: Vec<&str> = boxes.iter().filter_map(|b| b.value().attr("value")).collect();
    assert!(offered.contains(&sustainer.id.as_str()), "the editor offers the tier: {offered:?}");
    assert!(!select(&page, "select[name=visibility] option[value=tiers]").is_empty());

    // No tier ticked: refused, and what was typed comes back.
    let refused = app.request(form("title=Audit+notes&markdown=Body.&visibility=tiers&action=publish".into())).await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(text.contains("a post limited to tiers needs at least one tier"), "{text}");
    assert!(text.contains("Audit notes"));

    let created = app
        .request(form(format!("title=Audit+notes&markdown=Body.&visibility=tiers&tier_3={}&action=publish", sustainer.id)))
        .await;
    assert_eq!(created.status, 303);
    let post = app.db.post_by_slug(masthead_core::PostType::Post, "audit-notes").await.expect("read").expect("published");
    assert_eq!((post.visibility, post.tiers.clone()), (Visibility::Tiers, vec![sustainer.id.clone()]));
    let reopened = app.get_with(&format!("/admin/posts/{}/", post.id), &[("cookie", &cookie)]).await.text();
    let page = Html::parse_document(&reopened);
    let ticked = select(&page, "input[type=checkbox][name^=tier_][checked]");
    assert_eq!(ticked.iter().filter_map(|b| b.value().attr("value")).collect::<Vec<_>>(), [sustainer.id.as_str()]);
});

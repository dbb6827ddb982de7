//! Membership goal campaigns on the site: the strip on every page and the block after stories,
//! their progress bars, closed and reached campaigns, cached pages refreshed by a new count,
//! the newsroom's screens (roles, messages, preview) and the Content API.

use masthead_app::members::admin::MemberInput;
use masthead_app::newsroom::campaigns::{CampaignForm, CampaignInput};
use masthead_core::{Actor, Campaign, ObjectId, Role};
use masthead_test_utils::{MemberBuilder, TestApp, dual_db_test};
use scraper::Html;
use time::Duration;

use crate::admin::{send, staff};
use crate::api::{admin_call, integration, json_of};
use crate::{newsroom, select, text_of};

fn form(headline: &str, target: &str) -> CampaignForm {
    CampaignForm {
        name: String::new(),
        metric: "members".into(),
        target: target.into(),
        headline: headline.into(),
        body: "No paywall, ever.\n\nOur members pay for it.".into(),
        button_label: "Become a member".into(),
        button_url: "/membership/".into(),
        show_strip: true,
        show_in_article: true,
        active: true,
        when_reached: "thank".into(),
        thank_you: "We made it. Thank you!".into(),
        ..CampaignForm::default()
    }
}

async fn editor(app: &TestApp) -> Actor {
    let user = app
        .newsroom
        .add_staff("Olena Editor", "olena@news.example.org", Role::Editor, Some("a long enough secret"))
        .await
        .expect("editor");
    Actor { user_id: user.id, role: Role::Editor }
}

async fn create(app: &TestApp, actor: &Actor, form: CampaignForm) -> Campaign {
    let input = CampaignInput::parse(&form, &jiff::tz::TimeZone::UTC).expect("a valid campaign");
    app.newsroom.create_campaign(actor, input).await.expect("create")
}

async fn edit(app: &TestApp, actor: &Actor, campaign: &Campaign, form: CampaignForm) {
    let input = CampaignInput::parse(&form, &jiff::tz::TimeZone::UTC).expect("a valid campaign");
    let id = ObjectId::parse(&campaign.id).expect("id");
    app.newsroom.edit_campaign(actor, &id, input).await.expect("edit");
}

/// (aria-valuenow, aria-valuemax, aria-label, visible count) of each progress bar under `scope`.
fn bars(html: &str, scope: &str) -> Vec<(String, String, String, String)> {
    let html = Html::parse_document(html);
    select(&html, scope)
        .iter()
        .map(|campaign| {
            let bar = campaign
                .select(&scraper::Selector::parse("[role=progressbar]").expect("selector"))
                .next()
                .expect("a progress bar");
            let count = campaign
                .select(&scraper::Selector::parse(".campaign__count").expect("selector"))
                .next()
                .map(|c| text_of(&c))
                .unwrap_or_default();
            assert_eq!(bar.value().attr("aria-valuemin"), Some("0"));
            let attr = |name: &str| bar.value().attr(name).unwrap_or_default().to_owned();
            (attr("aria-valuenow"), attr("aria-valuemax"), attr("aria-label"), count)
        })
        .collect()
}

dual_db_test!(async fn the_strip_and_the_block_show_the_kept_count_with_a_progress_bar(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let article = format!("/{}/", fixture.lead.slug);
    assert!(bars(&app.get("/").await.text(), ".campaign").is_empty(), "no campaign, no strip");

    for n in 0..3 {
        MemberBuilder::new(&format!("reader{n}@example.org")).create(&app.db).await;
    }
    let editor = editor(&app).await;
    create(&app, &editor, form("Help us reach 20,000 members", "20000")).await;

    let expected = ("3".to_owned(), "20000".to_owned(), "3 of 20,000 members".to_owned(), "3 of 20,000 members".to_owned());
    let home = app.get("/").await.text();
    assert_eq!(bars(&home, ".campaign--strip"), std::slice::from_ref(&expected), "the strip, counted at once");
    assert!(bars(&home, ".campaign--block").is_empty(), "the block is for stories");
    let story = app.get(&article).await.text();
    assert_eq!(bars(&story, ".campaign--strip"), std::slice::from_ref(&expected));
    assert_eq!(bars(&story, ".campaign--block"), [expected]);
    let html = Html::parse_document(&story);
    let block = &select(&html, ".campaign--block")[0];
    assert!(text_of(block).contains("Help us reach 20,000 members"));
    assert_eq!(
        select(&html, ".campaign--block .campaign__body").iter().map(text_of).collect::<Vec<_>>(),
        ["No paywall, ever.", "Our members pay for it."]
    );
    let button = &select(&html, ".campaign--block .campaign__button")[0];
    assert_eq!((button.value().attr("href"), text_of(button).as_str()), (Some("/membership/"), "Become a member"));
    // The strip comes before the page's header, after the skip link.
    let skip = story.find("Skip to content").expect("skip link");
    let strip = story.find("campaign--strip").expect("strip");
    assert!(skip < strip && strip < story.find("site-header").expect("header"));
    // Copy is escaped, never markup.
    let campaign = app.newsroom.db().campaigns().await.expect("list").remove(0);
    edit(&app, &editor, &campaign, CampaignForm { body: "<script>alert(1)</script>".into(), ..form("Help", "20000") }).await;
    let page = app.get("/").await.text();
    assert!(!page.contains("<script>alert(1)") && page.contains("&lt;script&gt;"), "escaped");
});

dual_db_test!(async fn closed_campaigns_disappear_and_reached_ones_thank_or_hide(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let editor = editor(&app).await;
    MemberBuilder::new("one@example.org").create(&app.db).await;
    MemberBuilder::new("two@example.org").create(&app.db).await;
    let campaign = create(&app, &editor, form("Two members", "1,000")).await;
    assert_eq!(bars(&app.get("/").await.text(), ".campaign--strip").len(), 1);

    let now = masthead_core::now();
    let iso = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).expect("format");
    for (what, closed) in [
        ("switched off", CampaignForm { active: false, ..form("Off", "1000") }),
        ("not started", CampaignForm { starts_at: iso(now + Duration::days(2)), ..form("Later", "1000") }),
        (
            "ended",
            CampaignForm {
                starts_at: iso(now - Duration::days(10)),
                ends_at: iso(now - Duration::days(1)),
                ..form("Over", "1000")
            },
        ),
        ("not in the strip", CampaignForm { show_strip: false, ..form("Block only", "1000") }),
    ] {
        edit(&app, &editor, &campaign, closed).await;
        let page = app.get("/").await.text();
        assert!(!page.contains("campaign--strip"), "{what}: the strip is gone");
    }

    // Reached: the thank-you instead of the appeal, a full bar, no button.
    edit(&app, &editor, &campaign, form("Two members", "2")).await;
    let page = app.get("/").await.text();
    let html = Html::parse_document(&page);
    let strip = &select(&html, ".campaign--strip")[0];
    assert!(strip.value().attr("class").is_some_and(|c| c.contains("campaign--reached")));
    assert!(text_of(strip).contains("We made it. Thank you!") && !text_of(strip).contains("No paywall"));
    assert!(select(&html, ".campaign--strip .campaign__button").is_empty());
    assert_eq!(bars(&page, ".campaign--strip")[0].0, "2");
    assert!(page.contains("style=\"width:100%\""));
    edit(&app, &editor, &campaign, CampaignForm { when_reached: "hide".into(), ..form("Two members", "2") }).await;
    assert!(!app.get("/").await.text().contains("campaign--strip"), "a reached goal set to hide is gone");
});

dual_db_test!(async fn a_cached_page_shows_the_new_count_once_members_are_recounted(db) {
    let app = TestApp::new(&db).await;
    let fixture = newsroom(&app).await;
    let article = format!("/{}/", fixture.lead.slug);
    let editor = editor(&app).await;
    create(&app, &editor, form("Help us reach 20,000 members", "20000")).await;
    let count = |page: &str| bars(page, ".campaign--strip")[0].0.clone();
    assert_eq!(count(&app.get("/").await.text()), "0");
    assert_eq!(count(&app.get(&article).await.text()), "0");
    assert!(app.state.cache.contains("/") && app.state.cache.contains(&article), "both pages cached");
    let keys = app.get("/").await;
    assert!(keys.header("surrogate-key").is_some_and(|k| k.split(' ').any(|k| k == "campaigns")), "{:?}", keys.headers);

    // A member joins through the newsroom: counted soon, not per page view.
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let added = send(&app, "POST", "/admin/members/", Some(&admin), "email=new.reader%40example.org").await;
    assert!(added.status.is_redirection() || added.status.is_success(), "{}", added.text());
    assert_eq!(count(&app.get("/").await.text()), "0", "the page is served from the cache until the recount");
    assert!(app.newsroom.recount_campaigns_now().await.expect("recount"), "the count changed");
    assert!(!app.state.cache.contains("/") && !app.state.cache.contains(&article), "the change dropped the pages");
    assert_eq!(count(&app.get("/").await.text()), "1");
    assert_eq!(count(&app.get(&article).await.text()), "1");
    assert!(!app.newsroom.recount_campaigns_now().await.expect("recount"), "nothing new");
    assert!(app.state.cache.contains("/"), "a recount that changed nothing leaves the cache alone");

    // The background counter: asked by a membership change, it recounts within a second or so.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let counter = tokio::spawn({
        let newsroom = app.newsroom.clone();
        async move { newsroom.run_campaign_counter(stopped).await }
    });
    let admin_actor = Actor { user_id: app.db.user_by_email("ada.min@news.example.org").await.expect("read").expect("admin").id, role: Role::Administrator };
    let input = MemberInput { email: Some("second@example.org".into()), ..MemberInput::default() };
    app.newsroom.add_member_as(&admin_actor, input, "test").await.expect("add member");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if count(&app.get("/").await.text()) == "2" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the counter did not recount within ten seconds");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    counter.await.expect("the counter stops");
});

dual_db_test!(async fn only_editors_and_above_manage_campaigns_with_precise_messages(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let (_, author) = staff(&app, "Anna Author", Role::Author).await;
    let (_, contributor) = staff(&app, "Carl Contributor", Role::Contributor).await;
    let (_, editor) = staff(&app, "Olena Editor", Role::Editor).await;
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let good = "headline=Help+us+reach+20%2C000+members&metric=members&target=20000&button_label=Join&button_url=%2Fsubscribe%2F&show_strip=on&show_in_article=on&active=on&when_reached=thank";

    for cookie in [&author, &contributor] {
        assert_eq!(send(&app, "GET", "/admin/campaigns/", Some(cookie), "").await.status, 403);
        assert_eq!(send(&app, "GET", "/admin/campaigns/new/", Some(cookie), "").await.status, 403);
        assert_eq!(send(&app, "POST", "/admin/campaigns/", Some(cookie), good).await.status, 403);
        assert_eq!(send(&app, "POST", "/admin/campaigns/preview/", Some(cookie), good).await.status, 403);
    }
    assert!(app.newsroom.db().campaigns().await.expect("list").is_empty(), "nothing was created");
    assert_eq!(send(&app, "GET", "/admin/campaigns/", None, "").await.status, 303, "signed out: sign in first");

    let new = send(&app, "GET", "/admin/campaigns/new/", Some(&editor), "").await;
    assert_eq!(new.status, 200);
    assert!(new.text().contains("role=\"progressbar\""), "the form shows a preview");
    let created = send(&app, "POST", "/admin/campaigns/", Some(&editor), good).await;
    assert_eq!(created.status, 303, "{}", created.text());
    let campaign = app.newsroom.db().campaigns().await.expect("list").remove(0);
    assert_eq!((campaign.target, campaign.headline.as_str()), (20_000, "Help us reach 20,000 members"));
    let list = send(&app, "GET", "/admin/campaigns/", Some(&admin), "").await;
    assert!(list.status == 200 && list.text().contains("0 of 20,000 members") && list.text().contains("Running"));

    // Bad input: the form again, each message beside its field, what was typed kept.
    let bad = "headline=Kept+headline&metric=amount&target=-5&button_label=Join&button_url=javascript%3Aalert(1)&ends_at=2020-01-01T00%3A00&starts_at=2026-01-01T00%3A00";
    let refused = send(&app, "POST", "/admin/campaigns/", Some(&editor), bad).await;
    assert_eq!(refused.status, 422);
    let html = Html::parse_document(&refused.text());
    let errors: Vec<(String, String)> = select(&html, ".field-error")
        .iter()
        .map(|e| (e.value().attr("id").unwrap_or_default().to_owned(), text_of(e)))
        .collect();
    let message = |field: &str| errors.iter().find(|(id, _)| id == &format!("{field}-error")).map(|(_, m)| m.clone());
    assert_eq!(message("target").as_deref(), Some("Enter the goal as an amount, e.g. 5000 or 5000.50."));
    assert_eq!(message("currency").as_deref(), Some("A donations goal needs a currency: three letters, such as EUR."));
    assert_eq!(message("ends_at").as_deref(), Some("The end must be after the start."));
    assert!(message("button_url").is_some_and(|m| m.contains("not a path on this site")), "{errors:?}");
    assert!(refused.text().contains("value=\"Kept headline\""), "what was typed is kept");
    assert!(refused.text().contains("aria-invalid=\"true\" aria-describedby=\"target-error\""));
    assert_eq!(app.newsroom.db().campaigns().await.expect("list").len(), 1, "nothing saved");

    // The preview without JavaScript: the form's Preview button, nothing saved.
    let previewed = good.replace("headline=Help+us+reach+20%2C000+members", "headline=Previewed+only");
    let preview = send(&app, "POST", "/admin/campaigns/", Some(&editor), &format!("{previewed}&action=preview")).await;
    assert_eq!(preview.status, 200);
    assert!(preview.text().contains("Previewed only"));
    assert_eq!(app.newsroom.db().campaigns().await.expect("list").len(), 1, "a preview saves nothing");
    // The script's preview: the strip alone, escaped.
    let bold = good.replace("headline=Help+us+reach+20%2C000+members", "headline=%3Cb%3EBold%3C%2Fb%3E");
    let fragment = send(&app, "POST", "/admin/campaigns/preview/", Some(&editor), &bold).await;
    assert_eq!(fragment.status, 200);
    assert!(fragment.text().contains("&lt;b&gt;Bold") && fragment.text().contains("role=\"progressbar\""), "{}", fragment.text());

    // Editing and deleting: editors and administrators; authors are refused.
    let path = format!("/admin/campaigns/{}/", campaign.id);
    assert_eq!(send(&app, "GET", &path, Some(&author), "").await.status, 403);
    assert_eq!(send(&app, "POST", &path, Some(&author), good).await.status, 403);
    assert_eq!(send(&app, "POST", &format!("{path}delete/"), Some(&author), "").await.status, 403);
    let edit_form = send(&app, "GET", &path, Some(&admin), "").await;
    assert!(edit_form.status == 200 && edit_form.text().contains("value=\"20000\""));
    let saved = send(&app, "POST", &path, Some(&admin), &good.replace("target=20000", "target=25000")).await;
    assert_eq!(saved.status, 303);
    assert_eq!(app.newsroom.db().campaigns().await.expect("list")[0].target, 25_000);
    assert_eq!(send(&app, "POST", &format!("{path}delete/"), Some(&editor), "").await.status, 303);
    assert!(app.newsroom.db().campaigns().await.expect("list").is_empty());
    assert_eq!(send(&app, "GET", &path, Some(&editor), "").await.status, 404);
    assert_eq!(send(&app, "GET", "/admin/campaigns/not-an-id/", Some(&editor), "").await.status, 404);
});

dual_db_test!(async fn the_content_api_lists_open_campaigns_in_ghosts_envelope(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    let editor = editor(&app).await;
    let key = integration(&app).await.content_key.expect("content key");
    MemberBuilder::new("one@example.org").create(&app.db).await;
    let open = create(&app, &editor, form("Help us reach 20,000 members", "20000")).await;
    let closed = create(&app, &editor, CampaignForm { active: false, ..form("Off", "10") }).await;

    assert_eq!(app.get("/ghost/api/content/campaigns/").await.status, 403, "a key is required");
    let browse = app.get(&format!("/ghost/api/content/campaigns/?key={key}")).await;
    assert_eq!(browse.status, 200);
    let body = json_of(&browse);
    let campaigns = body["campaigns"].as_array().expect("campaigns");
    assert_eq!(campaigns.len(), 1, "only open campaigns: {body}");
    let campaign = &campaigns[0];
    assert_eq!(campaign["id"], open.id.as_str());
    assert_eq!((campaign["metric"].as_str(), campaign["target"].as_i64(), campaign["current"].as_i64()), (Some("members"), Some(20_000), Some(1)));
    assert_eq!(campaign["reached"], false);
    for field in ["name", "currency", "starts_at", "ends_at", "headline", "body", "button_label", "button_url", "show_strip", "show_in_article"] {
        assert!(campaign.get(field).is_some(), "{field} in {campaign}");
    }
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert_eq!(body["meta"]["pagination"]["page"], 1);

    let read = app.get(&format!("/ghost/api/content/campaigns/{}/?key={key}", open.id)).await;
    assert_eq!(read.status, 200);
    assert!(json_of(&read).get("meta").is_none(), "reads carry no pagination");
    assert_eq!(json_of(&read)["campaigns"][0]["headline"], "Help us reach 20,000 members");
    let hidden = app.get(&format!("/ghost/api/content/campaigns/{}/?key={key}", closed.id)).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(json_of(&hidden)["errors"][0]["type"], "NotFoundError");
    assert_eq!(app.get(&format!("/ghost/api/content/campaigns/nope/?key={key}")).await.status, 404);
    let bad_page = app.get(&format!("/ghost/api/content/campaigns/?key={key}&limit=0")).await;
    assert_eq!(bad_page.status, 422);
    assert_eq!(json_of(&bad_page)["errors"][0]["type"], "ValidationError");
});

/// Two instances on one PostgreSQL database: a member joins through the first, the first
/// recounts, and the second instance's cached pages show the new count (the trigger on
/// `campaigns` announces it); a recount that changed nothing leaves the second's cache alone.
#[tokio::test]
async fn a_count_kept_on_one_instance_refreshes_the_others_pages() {
    let Some(db) = masthead_test_utils::TestDb::postgres().await else { return };
    let first = TestApp::new(&db).await;
    let second = TestApp::another_instance(&db).await;
    newsroom(&first).await;
    let editor = editor(&first).await;
    create(&first, &editor, form("Help us reach 20,000 members", "20000")).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listening = tokio::spawn({
        let newsroom = second.newsroom.clone();
        async move { newsroom.run_change_listener(stopped).await }
    });
    let count = |page: &str| bars(page, ".campaign--strip")[0].0.clone();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut members = 0;
    // Until the second instance listens, announcements are missed: add members until one is heard.
    loop {
        assert_eq!(count(&second.get("/").await.text()), members.to_string());
        assert!(second.state.cache.contains("/"));
        members += 1;
        MemberBuilder::new(&format!("reader{members}@example.org")).create(&first.db).await;
        assert!(first.newsroom.recount_campaigns_now().await.expect("recount"));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if !second.state.cache.contains("/") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second instance never heard the new count");
        // Not heard yet: drop the stale copy by hand and try again.
        second.state.cache.clear();
    }
    assert_eq!(count(&second.get("/").await.text()), members.to_string(), "the new count, read from the row");
    assert!(second.state.cache.contains("/"));
    assert!(!first.newsroom.recount_campaigns_now().await.expect("recount"), "nothing new");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(second.state.cache.contains("/"), "a recount that changed nothing is not announced");
    let _ = stop.send(true);
    listening.await.expect("listener stops");
    db.finish().await;
}

dual_db_test!(async fn integrations_manage_campaigns_through_the_admin_api(db) {
    let app = TestApp::new(&db).await;
    newsroom(&app).await;
    // Integrations act on the owner's behalf.
    staff(&app, "Olena Owner", Role::Owner).await;
    let keys = integration(&app).await;
    let key = keys.admin_key.clone().expect("admin key");
    MemberBuilder::new("one@example.org").create(&app.db).await;
    let campaign = serde_json::json!({ "campaigns": [{
        "metric": "amount", "currency": "eur", "target": 500_050,
        "headline": "Raise €5,000 for the winter", "button_label": "Donate", "button_url": "/donate/",
    }] });
    let added = admin_call(&app, &key, "POST", "campaigns/", Some(campaign)).await;
    assert_eq!(added.status, 201, "{}", added.text());
    let body = json_of(&added);
    let added = &body["campaigns"][0];
    assert_eq!((added["target"].as_i64(), added["currency"].as_str()), (Some(500_050), Some("EUR")));
    assert_eq!(added["progress_text"], "€0 of €5,000.50 raised");
    assert_eq!((added["show_strip"].as_bool(), added["active"].as_bool()), (Some(true), Some(true)));
    let id = added["id"].as_str().expect("id").to_owned();
    let starts_at = added["starts_at"].clone();

    // Only what is sent changes.
    let edit = serde_json::json!({ "campaigns": [{ "headline": "Raise €6,000", "target": 600_000 }] });
    let edited = admin_call(&app, &key, "PUT", &format!("campaigns/{id}/"), Some(edit)).await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let edited = json_of(&edited)["campaigns"][0].clone();
    assert_eq!((edited["headline"].as_str(), edited["target"].as_i64()), (Some("Raise €6,000"), Some(600_000)));
    assert_eq!((edited["starts_at"].clone(), edited["button_url"].as_str()), (starts_at, Some("/donate/")));

    // Bad input: Ghost's validation envelope naming the field; nothing changes.
    let bad = serde_json::json!({ "campaigns": [{ "target": 0 }] });
    let refused = admin_call(&app, &key, "PUT", &format!("campaigns/{id}/"), Some(bad)).await;
    assert_eq!(refused.status, 422);
    let error = &json_of(&refused)["errors"][0];
    assert_eq!((error["type"].as_str(), error["property"].as_str()), (Some("ValidationError"), Some("target")));
    assert_eq!(error["message"], "The goal must be more than 0.");
    let wrong_type = serde_json::json!({ "campaigns": [{ "active": "yes" }] });
    assert_eq!(admin_call(&app, &key, "PUT", &format!("campaigns/{id}/"), Some(wrong_type)).await.status, 422);

    let browse = admin_call(&app, &key, "GET", "campaigns/", None).await;
    assert_eq!(browse.status, 200);
    assert_eq!(json_of(&browse)["meta"]["pagination"]["total"], 1);
    assert_eq!(admin_call(&app, &key, "DELETE", &format!("campaigns/{id}/"), None).await.status, 204);
    assert_eq!(admin_call(&app, &key, "GET", &format!("campaigns/{id}/"), None).await.status, 404);
    assert!(app.newsroom.db().campaigns().await.expect("list").is_empty());
});

//! The newsroom's members screens: the filtered list, one member's page (labels, complimentary
//! membership, history), the overview chart and campaign progress, and the member emails with
//! their editor.

use masthead_core::{MemberStatus, ObjectId, Role, SiteSettings};
use masthead_test_utils::{MemberBuilder, NewsletterBuilder, TestApp, TestDb, dual_db_test};
use scraper::Html;
use time::{Duration, OffsetDateTime};

use crate::admin::{send, staff};
use crate::{select, text_of};

/// A tier, written as the payments code would (tiers have no builder in this crate).
async fn tier(db: &TestDb, name: &str, kind: &str) -> String {
    let id = ObjectId::new().to_string();
    let slug = name.to_lowercase().replace(' ', "-");
    db.execute_raw(&format!(
        "INSERT INTO tiers (id, name, slug, type, active, monthly_price, currency, created_at, updated_at) \
         VALUES ('{id}', '{name}', '{slug}', '{kind}', TRUE, 500, 'usd', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    ))
    .await;
    id
}

/// The email addresses of the members listed on a members page, in order.
fn listed(html: &str) -> Vec<String> {
    let page = Html::parse_document(html);
    select(&page, "tr.member-row td:first-child").iter().map(text_of).collect()
}

fn day(at: OffsetDateTime) -> String {
    at.date().to_string()
}

async fn set_title(app: &TestApp) {
    let settings = SiteSettings { title: "The Harbour Post".into(), ..SiteSettings::default() };
    app.db.save_site_settings(&settings).await.expect("settings");
    app.state.cache.clear();
}

dual_db_test!(async fn the_members_list_searches_filters_and_pages(db) {
    let app = TestApp::new(&db).await;
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let supporter = tier(&db, "Supporter", "paid").await;
    let morning = NewsletterBuilder::new("Morning Brief").create(&db).await;
    let now = masthead_core::now();
    MemberBuilder::new("ann@example.org").name("Ann Archer").labels(&["VIP"]).subscribed_to(&[&morning])
        .created_at(now - Duration::days(40)).create(&db).await;
    MemberBuilder::new("bob@example.org").name("Bob Stone").status(MemberStatus::Paid)
        .created_at(now - Duration::days(10)).create(&db).await;
    let cat = MemberBuilder::new("cat@example.org").name("Cat Hill").labels(&["VIP"])
        .created_at(now - Duration::days(2)).create(&db).await;
    MemberBuilder::new("dan@example.org").name("Dan Quay").create(&db).await;
    let owner = masthead_core::Actor { user_id: masthead_core::ObjectId::new(), role: Role::Owner };
    app.newsroom.grant_comp_as(&owner, &cat.id, &supporter).await.expect("comp");

    let list = |query: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let response = send(app, "GET", &format!("/admin/members/{query}"), Some(&admin), "").await;
            assert_eq!(response.status, 200, "{query}: {}", response.text());
            listed(&response.text())
        }
    };
    assert_eq!(list(String::new()).await, ["dan@example.org", "cat@example.org", "bob@example.org", "ann@example.org"]);
    assert_eq!(list("?q=archer".into()).await, ["ann@example.org"]);
    assert_eq!(list("?q=QUAY".into()).await, ["dan@example.org"], "search ignores case");
    assert_eq!(list("?q=bob%40".into()).await, ["bob@example.org"]);
    assert_eq!(list("?status=paid".into()).await, ["bob@example.org"]);
    assert_eq!(list("?status=comped".into()).await, ["cat@example.org"]);
    assert_eq!(list("?status=free".into()).await, ["dan@example.org", "ann@example.org"]);
    assert_eq!(list("?tier=supporter".into()).await, ["cat@example.org"]);
    assert_eq!(list("?label=vip".into()).await, ["cat@example.org", "ann@example.org"]);
    assert_eq!(list("?newsletter=morning-brief".into()).await, ["ann@example.org"]);
    let from = day(now - Duration::days(15));
    let to = day(now - Duration::days(5));
    assert_eq!(list(format!("?from={from}")).await, ["dan@example.org", "cat@example.org", "bob@example.org"]);
    assert_eq!(list(format!("?to={to}")).await, ["bob@example.org", "ann@example.org"]);
    assert_eq!(list(format!("?from={from}&to={to}")).await, ["bob@example.org"]);
    // Filters combine.
    assert_eq!(list("?label=vip&status=free".into()).await, ["ann@example.org"]);
    assert_eq!(list(format!("?label=vip&from={from}")).await, ["cat@example.org"]);
    assert_eq!(list("?q=o&status=paid".into()).await, ["bob@example.org"]);
    assert!(list("?label=vip&status=paid".into()).await.is_empty());
    // The export holds exactly the members listed, oldest first.
    let export = send(&app, "GET", "/admin/members/export/?tier=supporter", Some(&admin), "").await;
    assert_eq!(export.status, 200);
    let emails: Vec<String> = export.text().lines().skip(1).filter_map(|l| l.split(',').nth(1).map(str::to_owned)).collect();
    assert_eq!(emails, ["cat@example.org"], "{}", export.text());
    let export = send(&app, "GET", &format!("/admin/members/export/?from={from}&label=vip"), Some(&admin), "").await;
    assert_eq!(export.text().lines().count(), 2, "{}", export.text());
    assert!(export.text().contains("cat@example.org"));
    let filtered = send(&app, "GET", "/admin/members/?label=vip&status=free", Some(&admin), "").await.text();
    assert!(filtered.contains("href=\"/admin/members/export/?status=free&amp;label=vip\""), "{filtered}");
    let bad = send(&app, "GET", "/admin/members/export/?from=soon", Some(&admin), "").await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("Use a date like 2026-11-30."));

    // Pages keep the filters in their links.
    for n in 0..52 {
        MemberBuilder::new(&format!("bulk{n:02}@example.org")).labels(&["Bulk"]).create(&db).await;
    }
    let first = send(&app, "GET", "/admin/members/?label=bulk", Some(&admin), "").await;
    assert_eq!(listed(&first.text()).len(), 50);
    let page = Html::parse_document(&first.text());
    let next = select(&page, "a[rel=next]").first().and_then(|a| a.value().attr("href")).expect("a next page").to_owned();
    assert_eq!(next, "?label=bulk&page=2");
    assert_eq!(list(next).await.len(), 2);
    let form = select(&page, "form.filters").first().map(|f| f.value().attr("method").unwrap_or_default().to_owned());
    assert_eq!(form.as_deref(), Some("get"), "the filters are a GET form, so they show in the URL");
});

dual_db_test!(async fn bad_filters_are_named_next_to_their_field_and_kept(db) {
    let app = TestApp::new(&db).await;
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    MemberBuilder::new("ann@example.org").create(&db).await;
    let response = send(&app, "GET", "/admin/members/?from=last+week&to=2026-13-01&status=vip&page=x", Some(&admin), "").await;
    assert_eq!(response.status, 422);
    let text = response.text();
    let page = Html::parse_document(&text);
    for (id, message) in [
        ("from-error", "Use a date like 2026-11-30."),
        ("to-error", "Use a date like 2026-11-30."),
        ("status-error", "Choose free, paid or comped."),
        ("page-error", "A page is a whole number from 1."),
    ] {
        let shown = select(&page, &format!("#{id}")).first().map(text_of);
        assert_eq!(shown.as_deref(), Some(message), "{id}");
    }
    assert!(text.contains("value=\"last week\""), "what was typed is kept");
    assert_eq!(listed(&text), ["ann@example.org"], "fields in error do not filter");
    let reversed = send(&app, "GET", "/admin/members/?from=2026-11-30&to=2026-11-01", Some(&admin), "").await;
    assert_eq!(reversed.status, 422);
    assert!(reversed.text().contains("The end of the range is before its start."));
});

dual_db_test!(async fn a_member_page_shows_history_newest_first_and_changes_labels(db) {
    let app = TestApp::new(&db).await;
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let now = masthead_core::now();
    let member = MemberBuilder::new("ann@example.org").name("Ann Archer").created_at(now - Duration::days(10)).create(&db).await;
    for (kind, days, detail) in [
        ("donation", 3, serde_json::json!({"amount": 500, "currency": "usd"})),
        ("subscription_started", 2, serde_json::json!({"tier": "Supporter", "amount": 900, "currency": "eur"})),
        ("email_sent", 1, serde_json::json!({"email": "payment_failed", "subject": "Your payment"})),
    ] {
        db.record_member_event_at(&member.id, kind, &detail, now - Duration::days(days)).await.expect("event");
    }
    let path = format!("/admin/members/{}/", member.id);
    let response = send(&app, "GET", &path, Some(&admin), "").await;
    assert_eq!(response.status, 200);
    let page = Html::parse_document(&response.text());
    let history: Vec<String> = select(&page, "#history li").iter().map(text_of).collect();
    let described: Vec<&str> = history.iter().map(|line| line.split_once(' ').map_or("", |(_, rest)| rest)).collect();
    assert_eq!(history.len(), 4, "{history:?}");
    assert!(described[0].ends_with("Sent a payment-failed notice: “Your payment”"), "{history:?}");
    assert!(described[1].ends_with("Started a paid subscription (Supporter): 9.00 EUR"), "{history:?}");
    assert!(described[2].ends_with("Donated 5.00 USD"), "{history:?}");
    assert!(described[3].ends_with("Joined (via test)"), "{history:?}");
    assert_eq!(select(&page, "#member-email").first().map(text_of).as_deref(), Some("ann@example.org"));

    let added = send(&app, "POST", &format!("{path}labels/"), Some(&admin), "label=Press+list").await;
    assert_eq!(added.status, 303);
    let labels = app.db.member_by_id(&member.id).await.expect("read").expect("member").labels;
    assert_eq!(labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["Press list"]);
    let blank = send(&app, "POST", &format!("{path}labels/"), Some(&admin), "label=+++").await;
    assert_eq!(blank.status, 422);
    assert!(blank.text().contains("Type the name of the label to add."));
    let removed = send(&app, "POST", &format!("{path}labels/{}/remove/", labels[0].id), Some(&admin), "").await;
    assert_eq!(removed.status, 303);
    assert!(app.db.member_by_id(&member.id).await.expect("read").expect("member").labels.is_empty());
    let again = send(&app, "POST", &format!("{path}labels/{}/remove/", labels[0].id), Some(&admin), "").await;
    assert_eq!(again.status, 422, "a label not on the member is said so");

    let missing = send(&app, "GET", &format!("/admin/members/{}/", ObjectId::new()), Some(&admin), "").await;
    assert_eq!(missing.status, 404);
    let nonsense = send(&app, "GET", "/admin/members/not-an-id/", Some(&admin), "").await;
    assert_eq!(nonsense.status, 404);
});

dual_db_test!(async fn complimentary_memberships_are_granted_removed_and_refused_to_contributors(db) {
    let app = TestApp::new(&db).await;
    let (admin_user, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let (_, contributor) = staff(&app, "Cora Tribute", Role::Contributor).await;
    let supporter = tier(&db, "Supporter", "paid").await;
    let free = tier(&db, "Free", "free").await;
    let member = MemberBuilder::new("ann@example.org").create(&db).await;
    let path = format!("/admin/members/{}/", member.id);

    let refused = send(&app, "POST", &format!("{path}comp/"), Some(&contributor), &format!("tier={supporter}")).await;
    assert_eq!(refused.status, 403);
    assert_eq!(send(&app, "GET", &path, Some(&contributor), "").await.status, 403);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").status, MemberStatus::Free);

    let none = send(&app, "POST", &format!("{path}comp/"), Some(&admin), "tier=").await;
    assert_eq!(none.status, 422);
    assert!(none.text().contains("Choose the paid tier the complimentary membership gives."));
    let wrong = send(&app, "POST", &format!("{path}comp/"), Some(&admin), &format!("tier={free}")).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("Choose one of the active paid tiers."));

    let granted = send(&app, "POST", &format!("{path}comp/"), Some(&admin), &format!("tier={supporter}")).await;
    assert_eq!(granted.status, 303);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").status, MemberStatus::Comped);
    let tiers = db.member_tiers(&member.id).await.expect("tiers");
    assert_eq!(tiers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Supporter"]);
    let history = db.member_history(&member.id).await.expect("history");
    assert_eq!(history[0].kind, "comped");
    assert_eq!(history[0].detail["tier"], "Supporter");
    let page = send(&app, "GET", &path, Some(&admin), "").await.text();
    assert!(page.contains(&format!("Given a complimentary membership (Supporter) by {}", admin_user.name)), "{page}");

    let removed = send(&app, "POST", &format!("{path}comp/remove/"), Some(&admin), "").await;
    assert_eq!(removed.status, 303);
    assert_eq!(db.member_by_id(&member.id).await.expect("read").expect("member").status, MemberStatus::Free);
    assert!(db.member_tiers(&member.id).await.expect("tiers").is_empty());
    assert_eq!(db.member_history(&member.id).await.expect("history")[0].kind, "comp_removed");
    let twice = send(&app, "POST", &format!("{path}comp/remove/"), Some(&admin), "").await;
    assert_eq!(twice.status, 422);
    assert!(twice.text().contains("This member has no complimentary membership to remove."));
    assert_eq!(send(&app, "POST", &format!("{path}comp/remove/"), Some(&contributor), "").await.status, 403);
});

dual_db_test!(async fn the_overview_charts_members_by_day_with_a_table_and_campaign_progress(db) {
    let app = TestApp::new(&db).await;
    let (_, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let (_, contributor) = staff(&app, "Cora Tribute", Role::Contributor).await;
    let now = masthead_core::now();
    // Noon keeps every member on the day the test means, whatever time the test runs.
    let noon = |days: i64| (now - Duration::days(days)).replace_time(time::macros::time!(12:00));
    MemberBuilder::new("a@example.org").created_at(noon(5)).create(&db).await;
    MemberBuilder::new("b@example.org").created_at(noon(5)).create(&db).await;
    let paid = MemberBuilder::new("c@example.org").status(MemberStatus::Paid).created_at(noon(1)).create(&db).await;
    db.record_member_event_at(&paid.id, "subscription_started", &serde_json::json!({"tier": "Supporter"}), noon(1))
        .await
        .expect("event");
    db.execute_raw(
        "INSERT INTO campaigns (id, name, metric, target, starts_at, headline, button_label, button_url, active, \
         current, created_at, updated_at) VALUES ('c1', 'Road to 100', 'members', 100, '2026-01-01T00:00:00Z', \
         'Help', 'Join', '/subscribe/', TRUE, 40, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), \
         ('c2', 'Old drive', 'members', 10, '2025-01-01T00:00:00Z', 'Old', 'Join', '/subscribe/', FALSE, 10, \
         '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    )
    .await;

    assert_eq!(send(&app, "GET", "/admin/members/overview/", Some(&contributor), "").await.status, 403);
    let response = send(&app, "GET", "/admin/members/overview/", Some(&admin), "").await;
    assert_eq!(response.status, 200);
    let page = Html::parse_document(&response.text());
    let svg = select(&page, "svg#members-chart");
    assert_eq!(svg.len(), 1);
    assert_eq!(svg[0].value().attr("role"), Some("img"));
    assert!(select(&page, "svg#members-chart title").first().map(text_of).is_some_and(|t| t.contains("Members and paid members per day")));
    let desc = select(&page, "svg#members-chart desc").first().map(text_of).unwrap_or_default();
    assert!(desc.contains("members went from 0 to 3, and paid members from 0 to 1"), "{desc}");
    assert_eq!(select(&page, "svg#members-chart polyline").len(), 2);

    let rows: Vec<(String, String, String)> = select(&page, "#members-by-day tbody tr")
        .iter()
        .map(|row| {
            let cell = scraper::Selector::parse("th, td").expect("selector");
            let cells: Vec<String> = row.select(&cell).map(|c| text_of(&c)).collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect();
    assert_eq!(rows.len(), 90);
    let on = |days: i64| {
        let date = day(now - Duration::days(days));
        rows.iter().find(|r| r.0 == date).map(|r| (r.1.as_str(), r.2.as_str())).unwrap_or_else(|| panic!("no row for {date}"))
    };
    assert_eq!(on(0), ("3", "1"));
    assert_eq!(on(1), ("3", "1"));
    assert_eq!(on(2), ("2", "0"));
    assert_eq!(on(5), ("2", "0"));
    assert_eq!(on(6), ("0", "0"));
    assert_eq!(select(&page, "#total-members").first().map(text_of).as_deref(), Some("3"));
    assert_eq!(select(&page, "#total-paid").first().map(text_of).as_deref(), Some("1"));

    let bars = select(&page, "[role=progressbar]");
    assert_eq!(bars.len(), 1, "only active campaigns");
    assert_eq!(bars[0].value().attr("aria-valuenow"), Some("40"));
    assert_eq!(bars[0].value().attr("aria-valuemax"), Some("100"));
    assert!(response.text().contains("Road to 100") && !response.text().contains("Old drive"));

    let list = send(&app, "GET", "/admin/members/", Some(&admin), "").await.text();
    assert!(list.contains("href=\"/admin/members/overview/\""), "the members screen links the overview");
});

/// The messages the sink received for `to`: (subject, text body).
async fn mail_for(app: &TestApp, to: &str) -> Vec<(String, String)> {
    crate::mail_to(app, to).await
}

dual_db_test!(async fn member_emails_are_sent_through_smtp_filled_in_and_recorded(db) {
    let app = TestApp::mailing(&db).await;
    set_title(&app).await;
    let supporter = tier(&db, "Supporter", "paid").await;
    let owner = masthead_core::Actor { user_id: ObjectId::new(), role: Role::Owner };
    app.newsroom
        .save_member_email_as(
            &owner,
            masthead_app::members::emails::MemberEmailKind::Welcome,
            &supporter,
            "{name}, welcome to the {tier} circle",
            "Thanks for backing {site_title} as a {tier}.\nAccount: {account_url}\n",
        )
        .await
        .expect("tier wording");
    let member = MemberBuilder::new("ann@example.org")
        .name("Ann Archer")
        .created_at(masthead_core::now() - Duration::hours(1))
        .create(&db)
        .await;
    let id = member.id.to_string();

    app.newsroom.send_welcome_email(&id, None).await.expect("free welcome");
    app.newsroom.send_welcome_email(&id, None).await.expect("asked twice");
    app.newsroom.send_welcome_email(&id, Some(&supporter)).await.expect("paid welcome");
    let mut mail = mail_for(&app, "ann@example.org").await;
    // Queued within one second, they may leave the outbox in either order.
    mail.sort_by(|a, b| b.0.cmp(&a.0));
    assert_eq!(mail.len(), 2, "one free welcome, one for the tier: {mail:?}");
    assert_eq!(mail[0].0, "Welcome to The Harbour Post");
    assert!(mail[0].1.contains("Hello Ann Archer,") && mail[0].1.contains("as a free member"), "{}", mail[0].1);
    assert!(mail[0].1.contains("https://news.example.org/account/"), "{}", mail[0].1);
    assert_eq!(mail[1].0, "Ann Archer, welcome to the Supporter circle");
    assert!(mail[1].1.contains("Thanks for backing The Harbour Post as a Supporter."), "{}", mail[1].1);

    db.execute_raw(&format!(
        "INSERT INTO donations (id, checkout_session_id, member_id, email, name, amount, currency, message, created_at) \
         VALUES ('d1', 'cs_1', '{id}', 'ann.gift@example.org', 'Ann A.', 2550, 'usd', 'For the {{flood}} coverage', \
         '2026-11-30T10:00:00Z')"
    ))
    .await;
    app.newsroom.send_donation_receipt("d1").await.expect("receipt");
    app.newsroom.send_donation_receipt("d1").await.expect("a redelivered webhook asks again");
    let receipts = mail_for(&app, "ann.gift@example.org").await;
    assert_eq!(receipts.len(), 1, "one receipt per donation: {receipts:?}");
    assert_eq!(receipts[0].0, "Thank you for your donation to The Harbour Post");
    let body = &receipts[0].1;
    assert!(body.contains("Hello Ann A.,") && body.contains("25.50 USD on 30 November 2026"), "{body}");
    assert!(body.contains("Your message: For the {flood} coverage"), "{body}");
    assert!(matches!(app.newsroom.send_donation_receipt("nope").await, Err(masthead_app::AppError::NotFound(_))));

    app.newsroom.send_payment_failed_notice(&id).await.expect("notice");
    let mail = mail_for(&app, "ann@example.org").await;
    assert_eq!(mail.len(), 3);
    let notice = mail.iter().find(|m| m.0 == "Your payment to The Harbour Post did not go through").expect("the notice");
    assert!(notice.1.contains("https://news.example.org/account/"), "the link to fix it: {}", notice.1);

    let history = db.member_history(&member.id).await.expect("history");
    let sent: Vec<&str> = history
        .iter()
        .filter(|e| e.kind == "email_sent")
        .filter_map(|e| e.detail["email"].as_str())
        .collect();
    assert_eq!(sent, ["payment_failed", "donation_receipt", "welcome", "welcome"], "newest first, within a second too");
    assert_eq!(history.last().map(|e| e.kind.as_str()), Some("signed_up"));
});

dual_db_test!(async fn member_email_wordings_are_edited_previewed_and_tested(db) {
    let app = TestApp::mailing(&db).await;
    set_title(&app).await;
    let (editor, cookie) = staff(&app, "Ada Min", Role::Administrator).await;
    let (_, contributor) = staff(&app, "Cora Tribute", Role::Contributor).await;
    let page = send(&app, "GET", "/admin/members/emails/?kind=donation_receipt", Some(&cookie), "").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Thank you for your donation to {site_title}"), "the built-in wording is shown");
    assert_eq!(send(&app, "GET", "/admin/members/emails/", Some(&contributor), "").await.status, 403);

    let preview = send(&app, "POST", "/admin/members/emails/", Some(&cookie),
        "kind=welcome&tier=&subject=Hi+%7Bname%7D&body=Welcome+to+%7Bsite_title%7D%2C+%3Cb%3E%7Bname%7D%3C%2Fb%3E&action=preview").await;
    assert_eq!(preview.status, 200);
    let shown = Html::parse_document(&preview.text());
    assert_eq!(select(&shown, "#preview-subject").first().map(text_of).as_deref(), Some("Hi Alex Reader"));
    assert_eq!(select(&shown, "#preview-body").first().map(text_of).as_deref(), Some("Welcome to The Harbour Post, <b>Alex Reader</b>"));
    assert!(preview.text().contains("&lt;b&gt;"), "what staff type is shown as text, not markup");

    let bad = send(&app, "POST", "/admin/members/emails/", Some(&cookie),
        "kind=welcome&tier=&subject=Hi&body=You+gave+%7Bamount%7D&action=save").await;
    assert_eq!(bad.status, 422);
    let refused = Html::parse_document(&bad.text());
    let message = select(&refused, "#body-error").first().map(text_of).unwrap_or_default();
    assert!(message.starts_with("{amount} is not a placeholder of this email"), "{message}");
    assert!(bad.text().contains("You gave {amount}"), "what was typed is kept");
    let empty = send(&app, "POST", "/admin/members/emails/", Some(&cookie), "kind=welcome&subject=+&body=x&action=save").await;
    assert_eq!(empty.status, 422);
    assert!(empty.text().contains("Write a subject."));
    let unknown = send(&app, "POST", "/admin/members/emails/", Some(&cookie), "kind=newsletter&subject=a&body=b&action=save").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.text().contains("Choose which email this is"));

    let saved = send(&app, "POST", "/admin/members/emails/", Some(&cookie),
        "kind=welcome&tier=&subject=Glad+you+joined%2C+%7Bname%7D&body=Hello+%7Bname%7D%0D%0ASee+%7Baccount_url%7D&action=save").await;
    assert_eq!(saved.status, 303);
    let again = send(&app, "GET", saved.header("location").expect("back to the editor"), Some(&cookie), "").await;
    assert!(again.text().contains("Glad you joined, {name}") && again.text().contains("Saved."));
    let member = MemberBuilder::new("ben@example.org").name("Ben").create(&db).await;
    app.newsroom.send_welcome_email(member.id.as_str(), None).await.expect("welcome");
    let mail = mail_for(&app, "ben@example.org").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "Glad you joined, Ben");
    assert!(mail[0].1.contains("Hello Ben\r\nSee https://news.example.org/account/") || mail[0].1.contains("Hello Ben\nSee https://news.example.org/account/"), "{}", mail[0].1);

    let test = send(&app, "POST", "/admin/members/emails/", Some(&cookie),
        "kind=payment_failed&subject=Fix+it%2C+%7Bname%7D&body=Go+to+%7Baccount_url%7D&action=test").await;
    assert_eq!(test.status, 200);
    assert!(test.text().contains(&format!("A test of this email is on its way to {}", editor.email)));
    let tests = mail_for(&app, &editor.email).await;
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].0, "[Test] Fix it, Alex Reader");
    assert!(tests[0].1.contains("Go to https://news.example.org/account/"));
    assert!(db.member_email_template("payment_failed", "").await.expect("read").is_none(), "a test send saves nothing");
    assert_eq!(send(&app, "POST", "/admin/members/emails/", Some(&contributor), "kind=welcome&subject=a&body=b&action=test").await.status, 403);

    let reset = send(&app, "POST", "/admin/members/emails/", Some(&cookie), "kind=welcome&tier=&action=reset").await;
    assert_eq!(reset.status, 303);
    assert!(db.member_email_template("welcome", "").await.expect("read").is_none());
});

dual_db_test!(async fn every_way_of_adding_a_member_records_that_they_joined(db) {
    let app = TestApp::new(&db).await;
    let (admin_user, admin) = staff(&app, "Ada Min", Role::Administrator).await;
    let added = send(&app, "POST", "/admin/members/", Some(&admin), "email=by-hand%40example.org&status=free").await;
    assert_eq!(added.status, 303);
    let api = axum::http::Request::post("/ghost/api/admin/members/")
        .header("cookie", &admin)
        .header("origin", "https://news.example.org")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"members": [{"email": "by-api@example.org"}]}"#))
        .expect("request");
    assert_eq!(app.request(api).await.status, 201);
    let actor = masthead_core::Actor { user_id: admin_user.id.clone(), role: Role::Administrator };
    app.newsroom.import_members_csv(&actor, "email,name\nby-csv@example.org,Cee\n", None).await.expect("import");
    for (email, source) in [
        ("by-hand@example.org", "admin (Ada Min)"),
        ("by-api@example.org", ""),
        ("by-csv@example.org", ""),
    ] {
        let member = db.member_by_email(email).await.expect("read").unwrap_or_else(|| panic!("{email} added"));
        let history = db.member_history(&member.id).await.expect("history");
        assert_eq!(history.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["signed_up"], "{email}");
        assert_eq!(history[0].detail["source"], member.consent_source.as_str(), "{email}");
        if !source.is_empty() {
            assert_eq!(member.consent_source, source);
        }
        let page = send(&app, "GET", &format!("/admin/members/{}/", member.id), Some(&admin), "").await.text();
        assert!(page.contains(&format!("Joined (via {})", member.consent_source)), "{email}: {page}");
    }
});

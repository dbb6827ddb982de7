//! Paying on the site and through the APIs: the Stripe webhook's answers, the membership and
//! donation pages with and without payments set up, the way out to Stripe's checkout and
//! billing portal, and tiers in Ghost's API shape.

use axum::body::Body;
use axum::http::Request;
use masthead_app::payments::TierInput;
use masthead_core::{Actor, MemberStatus, Role, Tier};
use masthead_test_utils::stripe::{event, sign};
use masthead_test_utils::{MemberBuilder, StripeStandIn, TestApp, TestResponse, dual_db_test};
use serde_json::json;

use crate::api::{admin_call, integration, json_of};

const ORIGIN: &str = "https://news.example.org";

fn form(path: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request =
        Request::post(path).header("content-type", "application/x-www-form-urlencoded").header("origin", ORIGIN);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.body(Body::from(body.to_owned())).expect("request")
}

async fn webhook(app: &TestApp, payload: &str, signature: Option<&str>) -> TestResponse {
    let mut request = Request::post("/members/webhooks/stripe/").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    app.request(request.body(Body::from(payload.to_owned())).expect("request")).await
}

async fn supporter(app: &TestApp) -> Tier {
    let owner = app
        .newsroom
        .add_staff("Olga Owner", "olga@news.example.org", Role::Owner, Some("a long enough secret"))
        .await
        .expect("owner");
    let input = TierInput {
        name: "Supporter".into(),
        paid: true,
        active: true,
        public: true,
        monthly_price: Some("5".into()),
        yearly_price: Some("50".into()),
        currency: Some("usd".into()),
        benefits: vec!["Members' briefing".into()],
        ..TierInput::default()
    };
    app.newsroom.create_tier_as(&Actor { user_id: owner.id, role: Role::Owner }, input).await.expect("tier")
}

/// Signs a member in as a reader does (the mailed link) and returns the cookie pair.
async fn member_cookie(app: &TestApp, email: &str) -> String {
    MemberBuilder::new(email).status(MemberStatus::Free).create(&app.db).await;
    let signin = app.request(form("/signin/", &format!("email={}", email.replace('@', "%40")), None)).await;
    assert_eq!(signin.status, 200);
    let link = crate::link_to(app, email, "/signin/confirm/?token=").await;
    let opened = app.get(&link).await;
    opened.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned()
}

dual_db_test!(async fn the_stripe_webhook_answers_as_stripe_expects(db) {
    let Some(stripe) = StripeStandIn::start().await else { return };
    let app = TestApp::paying(&db, &stripe).await;
    let payload = event("evt_1", "customer.created", time::OffsetDateTime::now_utc().unix_timestamp(), json!({ "id": "cus_1" }));
    assert_eq!(webhook(&app, &payload, None).await.status, 400, "no signature");
    assert_eq!(webhook(&app, &payload, Some("t=1,v1=00")).await.status, 401, "a signature that does not match");
    let tampered = payload.replace("cus_1", "cus_2");
    assert_eq!(webhook(&app, &tampered, Some(&sign(&payload))).await.status, 401, "a body changed after signing");
    assert_eq!(webhook(&app, "not json", Some(&sign("not json"))).await.status, 400, "signed, but not an event");
    let answer = webhook(&app, &payload, Some(&sign(&payload))).await;
    assert_eq!(answer.status, 200, "an event Masthead does not act on is still received");
    assert_eq!(json_of(&answer)["message"], "ignored");

    // A newsroom without payments set up has no webhook to receive.
    let plain = TestApp::another_instance(&db).await;
    assert_eq!(webhook(&plain, &payload, Some(&sign(&payload))).await.status, 404);
});

dual_db_test!(async fn without_stripe_keys_join_and_donate_say_payments_are_not_set_up(db) {
    let app = TestApp::new(&db).await;
    let tier = supporter(&app).await;
    let page = app.get("/join/").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Payments are not set up on this site yet"), "{html}");
    assert!(html.contains("Supporter") && html.contains("$5 a month") && html.contains("$50 a year"));
    assert!(html.contains("disabled aria-disabled=\"true\">$5 a month"), "the join buttons are off");
    let join = app.request(form("/join/checkout/", &format!("tier={}&cadence=month&attempt=a", tier.id), None)).await;
    assert_eq!(join.status, 503);
    assert!(join.text().contains("Payments are not set up on this site yet."));
    let donate = app.request(form("/donate/checkout/", "amount=10&frequency=once&attempt=a", None)).await;
    assert_eq!(donate.status, 503);
    assert!(donate.text().contains("Payments are not set up on this site yet."));
    // Nothing else is affected: the home page and sign-up still work.
    assert_eq!(app.get("/").await.status, 200);
    assert_eq!(app.get("/subscribe/").await.status, 200);
});

dual_db_test!(async fn a_donation_goes_to_stripe_and_a_bad_amount_comes_back_with_its_message(db) {
    let Some(stripe) = StripeStandIn::start().await else { return };
    let app = TestApp::paying(&db, &stripe).await;
    let page = app.get("/donate/").await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("Payments are not set up"));

    let refused = app.request(form("/donate/checkout/", "amount=ten&frequency=monthly&message=Keep+going&attempt=a", None)).await;
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains("Enter an amount in numbers, such as 10 or 12.50."), "{html}");
    assert!(html.contains(">Keep going</textarea>"), "the message is kept");
    assert!(html.contains("value=\"ten\""), "the amount is kept");
    assert!(html.contains("value=\"monthly\" checked"), "the frequency is kept");

    let sent = app.request(form("/donate/checkout/", "amount=12.50&frequency=once&email=donor%40example.org&attempt=b", None)).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let location = sent.header("location").expect("to Stripe");
    assert!(location.starts_with(&format!("{}/pay/cs_test_", stripe.base())), "{location}");
    let session = stripe.api_get(&format!("/v1/checkout/sessions/{}", location.rsplit('/').next().expect("id"))).await;
    assert_eq!((session["amount_total"].as_i64(), session["mode"].as_str()), (Some(1250), Some("payment")));
    assert_eq!(session["customer_email"], "donor@example.org");
    assert_eq!(session["success_url"], "https://news.example.org/donate/thanks/?session_id={CHECKOUT_SESSION_ID}");
});

dual_db_test!(async fn a_paying_member_manages_billing_on_stripe(db) {
    let Some(stripe) = StripeStandIn::start().await else { return };
    let app = TestApp::paying(&db, &stripe).await;
    let cookie = member_cookie(&app, "payer@example.org").await;
    let account = app.get_with("/account/", &[("cookie", &cookie)]).await;
    assert!(!account.text().contains("Manage billing"), "no billing account yet");
    assert_eq!(app.request(form("/account/billing/", "", Some(&cookie))).await.header("location"), Some("/join/"));

    let (customer, _) = stripe.subscribe("payer@example.org", 500, &[]).await;
    let member = app.db.member_by_email("payer@example.org").await.expect("read").expect("member");
    app.db.link_stripe_customer(&customer, member.id.as_str(), None).await.expect("link");
    let account = app.get_with("/account/", &[("cookie", &cookie)]).await;
    assert!(account.text().contains("Manage billing"));
    let portal = app.request(form("/account/billing/", "", Some(&cookie))).await;
    assert_eq!(portal.status, 303);
    let location = portal.header("location").expect("to Stripe");
    assert!(location.starts_with(&format!("{}/portal/bps_", stripe.base())), "{location}");
    // Signed out: back to sign in, never a portal.
    assert_eq!(app.request(form("/account/billing/", "", None)).await.header("location"), Some("/signin/"));
});

dual_db_test!(async fn tiers_in_the_content_and_admin_apis(db) {
    let app = TestApp::new(&db).await;
    app.newsroom.add_staff("Olena Owner", "owner@news.example.org", Role::Owner, Some("a long enough secret")).await.expect("owner");
    let keys = integration(&app).await;
    let admin_key = keys.admin_key.clone().expect("admin key");
    let content_key = keys.content_key.clone().expect("content key");

    let refused = admin_call(&app, &admin_key, "POST", "tiers/", Some(json!({ "tiers": [{ "name": "Supporter", "currency": "USD" }] }))).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(json_of(&refused)["errors"][0]["type"], "ValidationError");
    assert!(json_of(&refused)["errors"][0]["message"].as_str().unwrap_or("").contains("monthly or a yearly price"));

    let made = admin_call(&app, &admin_key, "POST", "tiers/", Some(json!({ "tiers": [{
        "name": "Supporter", "currency": "USD", "monthly_price": 500, "yearly_price": 5000,
        "benefits": ["Members' briefing", { "name": "Annual report" }], "visibility": "public", "trial_days": 7,
    }] }))).await;
    assert_eq!(made.status, 201, "{}", made.text());
    let tier = json_of(&made)["tiers"][0].clone();
    assert_eq!((tier["type"].as_str(), tier["monthly_price"].as_i64(), tier["currency"].as_str()), (Some("paid"), Some(500), Some("USD")));
    assert_eq!(tier["benefits"], json!(["Members' briefing", "Annual report"]));
    let id = tier["id"].as_str().expect("id").to_owned();

    let listed = app.get(&format!("/ghost/api/content/tiers/?key={content_key}&include=monthly_price,yearly_price,benefits")).await;
    let listed = json_of(&listed);
    assert_eq!(listed["tiers"].as_array().map(Vec::len), Some(2), "free and Supporter: {listed}");
    assert_eq!(listed["tiers"][1]["yearly_price"], 5000);

    let archived = admin_call(&app, &admin_key, "PUT", &format!("tiers/{id}/"), Some(json!({ "tiers": [{ "active": false }] }))).await;
    assert_eq!(archived.status, 200, "{}", archived.text());
    assert_eq!(json_of(&archived)["tiers"][0]["monthly_price"], 500, "fields not named are kept");
    let listed = json_of(&app.get(&format!("/ghost/api/content/tiers/?key={content_key}")).await);
    assert_eq!(listed["tiers"].as_array().map(Vec::len), Some(1), "an archived tier is not offered");
    let all = json_of(&admin_call(&app, &admin_key, "GET", "tiers/", None).await);
    assert_eq!(all["tiers"].as_array().map(Vec::len), Some(2), "the Admin API lists archived tiers too");
});

dual_db_test!(async fn administrators_add_and_archive_tiers_and_a_refused_form_keeps_what_was_typed(db) {
    let app = TestApp::new(&db).await;
    let (_, cookie) = crate::admin::staff(&app, "Ada Admin", Role::Administrator).await;
    let page = crate::admin::send(&app, "GET", "/admin/tiers/", Some(&cookie), "").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Payments are not set up on this site yet"));

    let refused = crate::admin::send(
        &app,
        "POST",
        "/admin/tiers/",
        Some(&cookie),
        "name=Sustainer&monthly_price=ten&currency=USD&benefits=Briefings%0AAnnual+report&active=on&public=on",
    )
    .await;
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains("The monthly price must be an amount such as 5 or 4.50."), "{html}");
    assert!(html.contains("value=\"ten\" inputmode=\"decimal\" aria-invalid=\"true\""), "the price is kept and marked");
    assert!(html.contains(">Briefings\nAnnual report</textarea>"), "the benefits are kept");
    assert_eq!(app.newsroom.tiers().await.expect("tiers").len(), 1, "nothing was stored");

    let added = crate::admin::send(
        &app,
        "POST",
        "/admin/tiers/",
        Some(&cookie),
        "name=Sustainer&monthly_price=10&yearly_price=100&currency=USD&benefits=Briefings%0AAnnual+report&active=on&public=on",
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let tier = app.newsroom.db().tier_by_slug("sustainer").await.expect("read").expect("added");
    assert_eq!((tier.monthly_price, tier.yearly_price, tier.benefits.len()), (Some(1000), Some(10_000), 2));
    assert!(app.get("/join/").await.text().contains("$10 a month"));

    // Unticking "Active" archives it: members keep it, the join page no longer offers it.
    let archived = crate::admin::send(
        &app,
        "POST",
        &format!("/admin/tiers/{}/", tier.id),
        Some(&cookie),
        "name=Sustainer&monthly_price=10&yearly_price=100&currency=USD&public=on",
    )
    .await;
    assert_eq!(archived.status, 303);
    assert!(!app.newsroom.db().tier(tier.id.as_str()).await.expect("read").expect("kept").active);
    assert!(!app.get("/join/").await.text().contains("Sustainer"));
});

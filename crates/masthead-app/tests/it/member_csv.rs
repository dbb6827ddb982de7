use masthead_app::mail::newsletters::NewsletterInput;
use masthead_app::members::csv::{COLUMNS, ImportReport, RowError};
use masthead_app::{AppError, Newsroom};
use masthead_core::{Actor, EmailError, Member, MemberStatus, Newsletter, Role, SuppressionReason};
use masthead_storage::{Backend, MemberFilter, NewMember};
use masthead_test_utils::{StaffBuilder, TestApp, TestDb, dual_db_test};
use time::macros::datetime;

async fn staff(app: &TestApp, name: &str, role: Role) -> Actor {
    let user = StaffBuilder::new(name).create(&app.db).await;
    Actor { user_id: user.id, role }
}

async fn owner(app: &TestApp) -> Actor {
    staff(app, "Olga Owner", Role::Owner).await
}

async fn newsletter(newsroom: &Newsroom, actor: &Actor, name: &str, on_signup: bool) -> Newsletter {
    let input = NewsletterInput { name: name.into(), subscribe_on_signup: on_signup, ..NewsletterInput::default() };
    newsroom.save_newsletter(actor, None, &input).await.expect("save newsletter")
}

async fn member(newsroom: &Newsroom, email: &str) -> Member {
    newsroom.db().member_by_email(email).await.expect("read member").expect("member exists")
}

fn label_names(member: &Member) -> Vec<&str> {
    member.labels.iter().map(|l| l.name.as_str()).collect()
}

fn sorted(mut slugs: Vec<String>) -> Vec<String> {
    slugs.sort();
    slugs
}

/// Another empty database on the same backend as `db`.
async fn fresh_like(db: &TestDb) -> TestDb {
    match db.backend() {
        Backend::Sqlite => TestDb::sqlite().await,
        Backend::Postgres => TestDb::postgres().await.expect("PostgreSQL is up: the first database is on it"),
    }
}

fn invalid_file(result: Result<ImportReport, AppError>) -> String {
    match result {
        Err(AppError::Invalid { field: "file", message }) => message,
        other => panic!("expected the file to be refused, got {other:?}"),
    }
}

dual_db_test!(async fn export_writes_ghost_columns_and_imports_back_unchanged(db) {
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    let daily = newsletter(&app.newsroom, &actor, "Daily Briefing", true).await;
    newsletter(&app.newsroom, &actor, "Weekend Reads", false).await;
    let at = datetime!(2026-11-29 10:00 UTC);
    let ann = app.db.insert_member(&NewMember {
        email: "ann@example.org".into(),
        name: Some("Ann Lee".into()),
        note: Some("Met at the \"Kyiv\" forum, 2025\nSecond line".into()),
        status: MemberStatus::Free,
        labels: vec!["VIP".into(), "Kyiv".into()],
        consent_source: "signup form".into(),
        consent_ip: None,
        created_at: at,
    }, std::slice::from_ref(&daily.id)).await.expect("insert ann");
    let bob = app.db.insert_member(&NewMember {
        email: "bob@example.org".into(),
        name: Some("=HYPERLINK(\"https://evil.example\",\"Click\")".into()),
        note: None,
        status: MemberStatus::Comped,
        labels: vec![],
        consent_source: "admin".into(),
        consent_ip: None,
        created_at: at + time::Duration::hours(1),
    }, &[]).await.expect("insert bob");

    let csv_text = app.newsroom.export_members_csv(&actor, &MemberFilter::default()).await.expect("export");
    assert_eq!(
        csv_text.lines().next(),
        Some("id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers,gift_id")
    );
    assert_eq!(COLUMNS.join(","), csv_text.lines().next().expect("header"));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows, vec![
        vec![
            ann.id.to_string(), "ann@example.org".into(), "Ann Lee".into(),
            "Met at the \"Kyiv\" forum, 2025\nSecond line".into(), "true".into(), String::new(), String::new(),
            "2026-11-29T10:00:00.000Z".into(), String::new(), "VIP,Kyiv".into(), String::new(), String::new(),
        ],
        vec![
            bob.id.to_string(), "bob@example.org".into(),
            "'=HYPERLINK(\"https://evil.example\",\"Click\")".into(), String::new(), "false".into(), "true".into(),
            String::new(), "2026-11-29T11:00:00.000Z".into(), String::new(), String::new(), String::new(),
            String::new(),
        ],
    ], "a name a spreadsheet would run as a formula is exported behind an apostrophe");
    let comped = MemberFilter { status: Some(MemberStatus::Comped), ..MemberFilter::default() };
    let only_bob = app.newsroom.export_members_csv(&actor, &comped).await.expect("filtered export");
    assert_eq!(only_bob.lines().count(), 2);
    assert!(only_bob.contains("bob@example.org") && !only_bob.contains("ann@example.org"));

    let fresh = fresh_like(&db).await;
    let other = TestApp::new(&fresh).await;
    let other_actor = owner(&other).await;
    newsletter(&other.newsroom, &other_actor, "Daily Briefing", true).await;
    let report = other.newsroom.import_members_csv(&other_actor, &csv_text, None).await.expect("import");
    assert_eq!(report, ImportReport { imported: 2, updated: 0, skipped: 0, errors: vec![] });
    let summary = |members: Vec<Member>| -> Vec<_> {
        members
            .into_iter()
            .map(|m| {
                let labels: Vec<String> = m.labels.iter().map(|l| l.name.clone()).collect();
                (m.email, m.name, m.note, m.status, labels, m.newsletters, m.created_at)
            })
            .collect()
    };
    let before = summary(db.all_members(&MemberFilter::default()).await.expect("members"));
    let after = summary(fresh.all_members(&MemberFilter::default()).await.expect("members"));
    assert_eq!(after, before);
    assert_eq!(member(&other.newsroom, "ann@example.org").await.consent_source, "import");
    fresh.finish().await;
});

dual_db_test!(async fn bad_rows_are_reported_by_row_and_the_good_ones_kept(db) {
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    let long_name = "C".repeat(192);
    let file = format!(
        "Email,NAME,Labels,Favourite colour\n\
         ann@example.org,Ann,\"VIP, Kyiv\",blue\n\
         not-an-email,Nobody,,\n\
         BEN@Example.org,\"Ben \"\"the pen\"\" Ng\",,green\n\
         \n\
         ann@example.org,Ann again,,\n\
         cy@example.org,{long_name},,\n\
         dee@example.org,,,\n\
         ,,,\n"
    );
    let report = app.newsroom.import_members_csv(&actor, &file, Some("Spring drive")).await.expect("import");
    assert_eq!(report, ImportReport {
        imported: 3,
        updated: 0,
        skipped: 4,
        errors: vec![
            RowError { row: 3, email: "not-an-email".into(), message: EmailError::NoAt.to_string() },
            RowError {
                row: 6,
                email: "ann@example.org".into(),
                message: "ann@example.org is already in row 2; only the first row for an address is imported.".into(),
            },
            RowError {
                row: 7,
                email: "cy@example.org".into(),
                message: "The name is too long: 192 characters, at most 191.".into(),
            },
        ],
    }, "the blank line is row 5, as in a spreadsheet; the empty row 9 is skipped quietly");
    let ann = member(&app.newsroom, "ann@example.org").await;
    assert_eq!((ann.name.as_deref(), label_names(&ann)), (Some("Ann"), vec!["VIP", "Kyiv", "Spring drive"]));
    let ben = member(&app.newsroom, "ben@example.org").await;
    assert_eq!(ben.name.as_deref(), Some("Ben \"the pen\" Ng"));
    let dee = member(&app.newsroom, "dee@example.org").await;
    assert_eq!((dee.name.as_deref(), label_names(&dee)), (None, vec!["Spring drive"]));
    assert_eq!(db.member_count().await.expect("count"), 3);

    let file = "email,subscribed_to_emails,created_at,name\n\
                fay@example.org,maybe,,\n\
                gus@example.org,true,yesterday,\n\
                hal@example.org,false,2020-01-02T03:04:05Z,Hal\n\
                ivy@example.org,,,Smith, Ivy\n";
    let report = app.newsroom.import_members_csv(&actor, file, None).await.expect("import");
    assert_eq!(report.imported, 1);
    assert_eq!(report.errors, vec![
        RowError {
            row: 2,
            email: "fay@example.org".into(),
            message: "subscribed_to_emails is \"maybe\": write true or false.".into(),
        },
        RowError {
            row: 3,
            email: "gus@example.org".into(),
            message: "created_at \"yesterday\" is not a date and time such as 2026-11-29T10:00:00.000Z.".into(),
        },
        RowError {
            row: 5,
            email: "ivy@example.org".into(),
            message: "This row has more values than the first row has columns (4). A value with a comma in it must \
                      be in double quotes."
                .into(),
        },
    ]);
    let hal = member(&app.newsroom, "hal@example.org").await;
    assert_eq!(hal.created_at, datetime!(2020-01-02 03:04:05 UTC));
});

dual_db_test!(async fn unreadable_files_are_refused_whole_and_an_unclosed_quote_stops_at_its_row(db) {
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    let import = |text: &'static str| app.newsroom.import_members_csv(&actor, text, None);

    let message = invalid_file(import("Name, Labels\nAnn,VIP\n").await);
    assert_eq!(
        message,
        "The first row must name the columns, and one of them must be \"email\". This file's first row is: \"Name\", \
         \"Labels\"."
    );
    let message = invalid_file(import("ann@example.org,Ann\nbob@example.org,Bob\n").await);
    assert!(message.ends_with("It looks like a member: add a first row naming the columns, such as email,name,labels."), "{message}");
    let message = invalid_file(import("").await);
    assert!(message.starts_with("The file is empty."), "{message}");
    let message = invalid_file(import("email,name,EMAIL\nann@example.org,Ann,ann@example.org\n").await);
    assert_eq!(message, "Columns 1 and 3 of the first row both give the \"email\" column. Keep one of them.");
    assert_eq!(db.member_count().await.expect("count"), 0, "nothing from a refused file is stored");

    let report = import("email,name\nann@example.org,Ann\nbob@example.org,\"Bob\ncy@example.org,Cy\n").await.expect("import");
    assert_eq!((report.imported, report.updated, report.skipped), (1, 0, 1));
    assert_eq!(report.errors.len(), 1);
    assert_eq!((report.errors[0].row, report.errors[0].email.as_str()), (3, "bob@example.org"));
    assert!(
        report.errors[0].message.starts_with("A value starting with a double quote (\") on line 3 is never closed, so lines 3 to 4"),
        "{}",
        report.errors[0].message
    );
    assert!(db.member_by_email("bob@example.org").await.expect("read").is_none());
    assert!(db.member_by_email("cy@example.org").await.expect("read").is_none());
    assert_eq!(db.member_count().await.expect("count"), 1);
});

dual_db_test!(async fn reimporting_never_resubscribes_a_member_who_left(db) {
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    let daily = newsletter(&app.newsroom, &actor, "Daily", true).await;
    let weekly = newsletter(&app.newsroom, &actor, "Weekly", true).await;
    newsletter(&app.newsroom, &actor, "Offers", false).await;
    let first = "email,name,subscribed_to_emails\nrita@example.org,Rita,true\nquiet@example.org,Quinn,false\n";
    let report = app.newsroom.import_members_csv(&actor, first, None).await.expect("import");
    assert_eq!((report.imported, report.updated), (2, 0));
    let rita = member(&app.newsroom, "rita@example.org").await;
    assert_eq!(sorted(rita.newsletters.clone()), ["daily", "weekly"], "the newsletters new members get");
    assert_eq!(rita.consent_source, "import");
    assert!(member(&app.newsroom, "quiet@example.org").await.newsletters.is_empty());

    app.newsroom.unsubscribe(&rita, Some(daily.slug.as_str())).await.expect("unsubscribe");
    let again = "email,name,note,labels,subscribed_to_emails\nrita@example.org,Rita Ray,Reads everything,Loyal,true\n";
    let report = app.newsroom.import_members_csv(&actor, again, None).await.expect("import");
    assert_eq!(report, ImportReport { imported: 0, updated: 1, skipped: 0, errors: vec![] });
    let rita = member(&app.newsroom, "rita@example.org").await;
    assert_eq!(rita.newsletters, [weekly.slug.as_str()]);
    assert_eq!(db.unsubscribed_newsletters(&rita.id).await.expect("left"), ["daily"]);
    assert_eq!(
        (rita.name.as_deref(), rita.note.as_deref(), label_names(&rita)),
        (Some("Rita Ray"), Some("Reads everything"), vec!["Loyal"])
    );

    // Empty cells keep what the member has; labels are only ever added.
    let report = app.newsroom.import_members_csv(&actor, "email,name,labels\nrita@example.org,,Donor\n", None).await.expect("import");
    assert_eq!(report.updated, 1);
    let rita = member(&app.newsroom, "rita@example.org").await;
    assert_eq!((rita.name.as_deref(), label_names(&rita)), (Some("Rita Ray"), vec!["Loyal", "Donor"]));

    // Gone from everything: nothing brings her back, but a newsletter she never had may be added.
    app.newsroom.unsubscribe(&rita, None).await.expect("unsubscribe from all");
    app.newsroom.import_members_csv(&actor, again, None).await.expect("import");
    assert!(member(&app.newsroom, "rita@example.org").await.newsletters.is_empty());
    newsletter(&app.newsroom, &actor, "Evening", true).await;
    app.newsroom.import_members_csv(&actor, again, None).await.expect("import");
    assert_eq!(member(&app.newsroom, "rita@example.org").await.newsletters, ["evening"]);
    // Without an explicit true an existing member's newsletters are left alone.
    app.newsroom.import_members_csv(&actor, "email\nquiet@example.org\n", None).await.expect("import");
    assert!(member(&app.newsroom, "quiet@example.org").await.newsletters.is_empty());
});

dual_db_test!(async fn suppressed_addresses_are_imported_but_never_subscribed(db) {
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    newsletter(&app.newsroom, &actor, "Daily", true).await;
    db.suppress("gone@example.org", SuppressionReason::HardBounce, Some("550 no such user")).await.expect("suppress");
    db.insert_member(&NewMember {
        email: "kept@example.org".into(),
        name: None,
        note: None,
        status: MemberStatus::Free,
        labels: vec![],
        consent_source: "admin".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    }, &[]).await.expect("insert");
    db.suppress("kept@example.org", SuppressionReason::Complaint, None).await.expect("suppress");

    let file = "email,subscribed_to_emails\nGone@example.org,true\nkept@example.org,true\nfine@example.org,\n";
    let report = app.newsroom.import_members_csv(&actor, file, Some("Migrated")).await.expect("import");
    assert_eq!(report, ImportReport { imported: 2, updated: 1, skipped: 0, errors: vec![] });
    let gone = member(&app.newsroom, "gone@example.org").await;
    assert!(gone.newsletters.is_empty(), "a suppressed address is a member without newsletters");
    assert_eq!(label_names(&gone), ["Migrated"]);
    assert!(member(&app.newsroom, "kept@example.org").await.newsletters.is_empty());
    assert_eq!(member(&app.newsroom, "fine@example.org").await.newsletters, ["daily"]);
});

dual_db_test!(async fn only_staff_who_manage_members_may_import_or_export(db) {
    let app = TestApp::new(&db).await;
    for (name, role) in [("Eddie Editor", Role::Editor), ("Ava Author", Role::Author)] {
        let actor = staff(&app, name, role).await;
        let import = app.newsroom.import_members_csv(&actor, "email\nann@example.org\n", None).await;
        assert!(matches!(import, Err(AppError::Forbidden(_))), "{role:?}: {import:?}");
        let export = app.newsroom.export_members_csv(&actor, &MemberFilter::default()).await;
        assert!(matches!(export, Err(AppError::Forbidden(_))), "{role:?}: {export:?}");
    }
    assert_eq!(db.member_count().await.expect("count"), 0);
    let admin = staff(&app, "Adam Admin", Role::Administrator).await;
    let report = app.newsroom.import_members_csv(&admin, "email\nann@example.org\n", None).await.expect("import");
    assert_eq!(report.imported, 1);
});

dual_db_test!(async fn rows_across_batches_are_all_kept_and_refused_rows_do_not_cost_their_batch(db) {
    use masthead_app::members::csv::IMPORT_BATCH;
    let app = TestApp::new(&db).await;
    let actor = owner(&app).await;
    newsletter(&app.newsroom, &actor, "Daily", true).await;
    // Member rows by their index `i` (spreadsheet row i + 2); a bad row in the middle of the
    // first batch, one on either side of the first boundary between batches, an address of the
    // first batch repeated in the second, a member who already exists and a suppressed address
    // in the second batch, and a last batch that is not full.
    let total = 2 * IMPORT_BATCH + 37;
    let bad = [IMPORT_BATCH / 2, IMPORT_BATCH - 1, IMPORT_BATCH + 1];
    let repeat = IMPORT_BATCH + 10;
    let existing = IMPORT_BATCH + 20;
    let suppressed = IMPORT_BATCH + 30;
    let address = |i: usize| format!("reader{i:05}@example.org");
    app.db.insert_member(&NewMember {
        email: address(existing),
        name: Some("Old name".into()),
        note: None,
        status: MemberStatus::Free,
        labels: vec![],
        consent_source: "admin".into(),
        consent_ip: None,
        created_at: masthead_core::now(),
    }, &[]).await.expect("insert");
    db.suppress(&address(suppressed), SuppressionReason::HardBounce, None).await.expect("suppress");
    let mut file = String::from("email,name,created_at\n");
    for i in 0..total {
        let row = if bad.contains(&i) {
            format!("{},Reader {i},last week\n", address(i))
        } else if i == repeat {
            format!("{},Reader again,\n", address(3))
        } else {
            format!("{},Reader {i},\n", address(i))
        };
        file.push_str(&row);
    }
    let report = app.newsroom.import_members_csv(&actor, &file, Some("Batch test")).await.expect("import");
    let mut errors: Vec<RowError> = bad
        .iter()
        .map(|&i| RowError {
            row: i + 2,
            email: address(i),
            message: "created_at \"last week\" is not a date and time such as 2026-11-29T10:00:00.000Z.".into(),
        })
        .collect();
    errors.push(RowError {
        row: repeat + 2,
        email: address(3),
        message: format!("{} is already in row 5; only the first row for an address is imported.", address(3)),
    });
    errors.sort_by_key(|e| e.row);
    assert_eq!(report, ImportReport { imported: total - 5, updated: 1, skipped: 4, errors });
    assert_eq!(db.member_count().await.expect("count"), (total - 4) as i64);

    for i in 0..total {
        let found = app.db.member_by_email(&address(i)).await.expect("read");
        if bad.contains(&i) || i == repeat {
            assert!(found.is_none(), "row {} was refused", i + 2);
            continue;
        }
        let Some(member) = found else { panic!("row {} was imported but is not there", i + 2) };
        assert_eq!(label_names(&member), ["Batch test"], "row {}", i + 2);
        let name = if i == 3 { "Reader 3".to_owned() } else { format!("Reader {i}") };
        assert_eq!(member.name.as_deref(), Some(name.as_str()), "the first row of an address wins");
        let expected: &[&str] = if i == suppressed || i == existing { &[] } else { &["daily"] };
        assert_eq!(member.newsletters, expected, "row {}", i + 2);
        let history = app.db.member_history(&member.id).await.expect("history");
        let source = if i == existing { "admin" } else { "import" };
        assert_eq!(history.iter().filter(|e| e.kind == "signed_up").count(), 1, "row {}", i + 2);
        assert_eq!(history.last().map(|e| e.detail["source"].clone()), Some(serde_json::json!(source)));
    }
});

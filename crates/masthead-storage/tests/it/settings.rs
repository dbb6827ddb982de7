use masthead_core::{NavigationItem, SiteSettings, Timezone};
use masthead_test_utils::dual_db_test;

dual_db_test!(async fn settings_default_until_saved_then_round_trip(db) {
    assert_eq!(db.site_settings().await.expect("read"), SiteSettings::default());
    let settings = SiteSettings {
        title: "The Harbour Post".into(),
        timezone: Timezone::parse("Europe/Kyiv").expect("tz"),
        navigation: vec![NavigationItem { label: "War".into(), url: "/tag/war/".into() }],
        logo: Some("/content/images/logo.png".into()),
        ..SiteSettings::default()
    };
    db.save_site_settings(&settings).await.expect("save");
    assert_eq!(db.site_settings().await.expect("read again"), settings);
    let changed = SiteSettings { title: "Renamed".into(), logo: None, ..settings };
    db.save_site_settings(&changed).await.expect("save again");
    assert_eq!(db.site_settings().await.expect("read third"), changed);
});

use masthead_storage::{Backend, Db};

#[test]
fn sqlite_and_postgres_ship_the_same_migration_versions() {
    let sqlite = Db::migration_versions(Backend::Sqlite);
    let postgres = Db::migration_versions(Backend::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must list the same versions");
}

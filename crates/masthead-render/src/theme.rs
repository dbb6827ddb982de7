//! The site theme: minijinja templates and static assets. The default theme is embedded in the
//! binary; a theme directory given at start overrides any file it contains, so a newsroom can
//! restyle one template without forking the rest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, Error, ErrorKind, State, Value};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "../../themes/default/"]
struct DefaultTheme;

/// The newsroom's own screens. Not a theme: newsrooms restyle their site, not their tools.
#[derive(RustEmbed)]
#[folder = "../../themes/admin/"]
struct AdminTheme;

/// Which embedded file set a theme is built from.
#[derive(Clone, Copy, Debug)]
enum Embedded {
    Site,
    Admin,
}

impl Embedded {
    fn get(self, path: &str) -> Option<Vec<u8>> {
        match self {
            Embedded::Site => DefaultTheme::get(path).map(|f| f.data.into_owned()),
            Embedded::Admin => AdminTheme::get(path).map(|f| f.data.into_owned()),
        }
    }

    fn files(self) -> Vec<String> {
        match self {
            Embedded::Site => DefaultTheme::iter().map(|p| p.into_owned()).collect(),
            Embedded::Admin => AdminTheme::iter().map(|p| p.into_owned()).collect(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("template {name}: {source}")]
    Template { name: String, source: Box<Error> },
    #[error("theme file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// A static asset, served at a fingerprinted URL with a year-long cache lifetime.
#[derive(Clone, Debug)]
pub struct Asset {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
}

pub struct Theme {
    env: Environment<'static>,
    /// Public URL path (`/assets/css/site.1a2b3c4d.css`) to the asset.
    assets: HashMap<String, Asset>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme").field("assets", &self.assets.keys().collect::<Vec<_>>()).finish()
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "json" | "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Reads a theme file from the override directory if it has it, else from the embedded theme.
fn read_theme_file(embedded: Embedded, override_dir: Option<&Path>, path: &str) -> Result<Option<Vec<u8>>, ThemeError> {
    if let Some(dir) = override_dir {
        let candidate = dir.join(path);
        match std::fs::read(&candidate) {
            Ok(bytes) => return Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ThemeError::Io { path: candidate, source }),
        }
    }
    Ok(embedded.get(path))
}

fn list_theme_files(embedded: Embedded, override_dir: Option<&Path>, prefix: &str) -> Vec<String> {
    let mut files: Vec<String> = embedded.files().into_iter().filter(|p| p.starts_with(prefix)).collect();
    if let Some(dir) = override_dir {
        let mut stack = vec![dir.join(prefix)];
        while let Some(current) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&current) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(relative) = path.strip_prefix(dir) {
                    let relative = relative.to_string_lossy().replace('\\', "/");
                    if !files.contains(&relative) {
                        files.push(relative);
                    }
                }
            }
        }
    }
    files.sort();
    files
}

fn fingerprinted(prefix: &str, path: &str, bytes: &[u8]) -> String {
    let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes));
    match path.rsplit_once('.') {
        Some((stem, ext)) => format!("{prefix}{stem}.{}.{ext}", &hash[..10]),
        None => format!("{prefix}{path}.{}", &hash[..10]),
    }
}

impl Theme {
    /// Loads the default theme, with files from `override_dir` taking precedence. Every
    /// template is compiled now, so a broken override stops the start instead of a page view.
    pub fn load(override_dir: Option<&Path>) -> Result<Self, ThemeError> {
        Self::build(Embedded::Site, override_dir, "/assets/")
    }

    /// The newsroom (admin) screens, served under `/admin/assets/`.
    pub fn load_admin() -> Result<Self, ThemeError> {
        Self::build(Embedded::Admin, None, "/admin/assets/")
    }

    fn build(embedded: Embedded, override_dir: Option<&Path>, url_prefix: &'static str) -> Result<Self, ThemeError> {
        let mut assets = HashMap::new();
        let mut asset_urls = HashMap::new();
        for path in list_theme_files(embedded, override_dir, "assets/") {
            let Some(bytes) = read_theme_file(embedded, override_dir, &path)? else { continue };
            let url = fingerprinted(url_prefix, path.trim_start_matches("assets/"), &bytes);
            let logical = path.trim_start_matches("assets/").to_owned();
            asset_urls.insert(logical, url.clone());
            assets.insert(url, Asset { content_type: content_type(&path), bytes: bytes.into() });
        }
        let asset_urls = Arc::new(asset_urls);

        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| match name.rsplit('.').next() {
            Some("html" | "xml") => minijinja::AutoEscape::Html,
            _ => minijinja::AutoEscape::None,
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
            env.set_syntax(syntax);
        }
        let override_dir_owned = override_dir.map(Path::to_path_buf);
        env.set_loader(move |name| {
            let path = format!("templates/{name}");
            read_theme_file(embedded, override_dir_owned.as_deref(), &path)
                .map_err(|e| Error::new(ErrorKind::TemplateNotFound, e.to_string()))?
                .map(|bytes| {
                    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
                })
                .transpose()
        });
        env.add_function("asset", move |path: &str| -> Result<String, Error> {
            asset_urls
                .get(path.trim_start_matches('/'))
                .cloned()
                .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("no theme asset {path:?}")))
        });
        env.add_filter("date", date_filter);
        env.set_formatter(html_formatter);

        let theme = Self { env, assets };
        for name in list_theme_files(embedded, override_dir, "templates/") {
            let name = name.trim_start_matches("templates/");
            theme
                .env
                .get_template(name)
                .map_err(|source| ThemeError::Template { name: name.to_owned(), source: Box::new(source) })?;
        }
        Ok(theme)
    }

    pub fn render<S: Serialize>(&self, template: &str, context: &S) -> Result<String, ThemeError> {
        let wrap = |source| ThemeError::Template { name: template.to_owned(), source: Box::new(source) };
        let template = self.env.get_template(template).map_err(wrap)?;
        template.render(Value::from(minijinja::value::Serde(context))).map_err(wrap)
    }

    /// The asset served at `url_path`, if the theme has one there.
    pub fn asset(&self, url_path: &str) -> Option<&Asset> {
        self.assets.get(url_path)
    }

    pub fn assets(&self) -> impl Iterator<Item = (&String, &Asset)> {
        self.assets.iter()
    }
}

/// Prints values like minijinja's default formatter, except that `none` prints nothing and HTML
/// escaping leaves `/` alone (URLs stay readable; `/` needs no escaping in HTML or XML).
fn html_formatter(out: &mut minijinja::Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if matches!(state.auto_escape(), minijinja::AutoEscape::Html) && !value.is_safe() {
        let text = match value.as_str() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(value.to_string()),
        };
        let mut escaped = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#39;"),
                c => escaped.push(c),
            }
        }
        return out.write_str(&escaped).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// `{{ post.published_at | date("%-d %B %Y") }}`: formats an RFC 3339 time in the site's time
/// zone (`site.timezone` in the template context). With no format, `29 November 2026`.
fn date_filter(state: &State, value: Value, format: Option<&str>) -> Result<String, Error> {
    let Some(text) = value.as_str() else {
        return Ok(String::new());
    };
    let timestamp: jiff::Timestamp =
        text.parse().map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("not a time {text:?}: {e}")))?;
    let zone = state
        .lookup("site")
        .and_then(|site| site.get_attr("timezone").ok())
        .and_then(|tz| tz.as_str().and_then(|name| jiff::tz::TimeZone::get(name).ok()))
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let zoned = timestamp.to_zoned(zone);
    let format = format.unwrap_or("%-d %B %Y");
    Ok(zoned.strftime(format).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Context {
        site: serde_json::Value,
    }

    #[test]
    fn the_embedded_theme_loads_with_fingerprinted_assets() {
        let theme = Theme::load(None).expect("default theme");
        let (url, asset) = theme.assets().find(|(url, _)| url.starts_with("/assets/css/site.")).expect("stylesheet");
        assert!(url.ends_with(".css"));
        assert_eq!(asset.content_type, "text/css; charset=utf-8");
        assert!(theme.asset(url).is_some());
    }

    #[test]
    fn a_theme_directory_overrides_single_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        std::fs::write(dir.path().join("templates/robots-note.txt"), "Hello {{ site.title }}").expect("write");
        std::fs::create_dir_all(dir.path().join("assets/css")).expect("mkdir");
        std::fs::write(dir.path().join("assets/css/site.css"), "body{color:red}").expect("write");
        let theme = Theme::load(Some(dir.path())).expect("theme with overrides");
        let context = Context { site: serde_json::json!({ "title": "The Harbour Post" }) };
        assert_eq!(theme.render("robots-note.txt", &context).expect("render"), "Hello The Harbour Post");
        let css = theme.assets().find(|(url, _)| url.starts_with("/assets/css/site.")).expect("stylesheet").1;
        assert_eq!(&*css.bytes, b"body{color:red}", "the override replaces the embedded file");
    }

    #[test]
    fn a_broken_override_stops_the_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        std::fs::write(dir.path().join("templates/post.html"), "{% if %}").expect("write");
        match Theme::load(Some(dir.path())) {
            Err(ThemeError::Template { name, .. }) => assert_eq!(name, "post.html"),
            other => panic!("expected a template error, got {other:?}"),
        }
    }

    #[test]
    fn dates_are_shown_in_the_site_time_zone() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        std::fs::write(dir.path().join("templates/when.txt"), "{{ t | date('%Y-%m-%d %H:%M %Z') }}").expect("write");
        let theme = Theme::load(Some(dir.path())).expect("theme");
        #[derive(Serialize)]
        struct When {
            site: serde_json::Value,
            t: &'static str,
        }
        let render = |tz: &str| {
            theme
                .render("when.txt", &When { site: serde_json::json!({ "timezone": tz }), t: "2026-07-01T12:00:00Z" })
                .expect("render")
        };
        assert_eq!(render("Europe/Kyiv"), "2026-07-01 15:00 EEST");
        assert_eq!(render("America/New_York"), "2026-07-01 08:00 EDT");
        assert_eq!(render("Etc/UTC"), "2026-07-01 12:00 UTC");
    }
}

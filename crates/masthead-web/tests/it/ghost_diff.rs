//! The differential suite against the real Ghost: the answers Ghost 6.65 gave to 288 Content and
//! Admin API requests on a fixture site (`clients/ghost-diff/`, see its README), replayed against
//! Masthead after importing the same site, and compared: status, the headers clients rely on, and
//! the body, with only ids, UUIDs, times and the site's host normalised.
//!
//! Differences Masthead keeps on purpose are rules in `clients/ghost-diff/allowlist.json`, each
//! with its reason (and listed in `docs/API.md`). A recording matches when every difference it
//! shows is allowlisted. `clients/ghost-diff/matching.txt` records, per recording, what matches
//! (`all`, or the parts: status, each header, body): the test fails when a listed part stops
//! matching (or a listed recording no longer exists), so the count only goes up. After making
//! more match, refresh the list with `GHOST_DIFF_UPDATE=1 cargo test --workspace -- ghost_diff`.
//!
//! Every run writes the full comparison, recording by recording and grouped by JSON path, to
//! `target/ghost-diff-report.txt` (`ghost-diff-report-postgresql.txt` for the PostgreSQL half).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use masthead_app::members::admin::MemberInput;
use masthead_core::{Actor, ObjectId, Role};
use masthead_test_utils::{TestApp, TestDb, TestResponse, dual_db_test};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The headers compared as values. `ETag` is compared by presence and form (weak or strong): its
/// value hashes the exact body.
const COMPARED_HEADERS: [&str; 6] =
    ["content-type", "vary", "cache-control", "access-control-allow-origin", "content-version", "location"];
/// Values longer than this are cut in the report.
const SHOWN_CHARS: usize = 160;
/// Differences listed per recording in the report (the summary counts them all).
const LISTED_PER_RECORDING: usize = 25;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/ghost-diff")
}

// ---------------------------------------------------------------------------------------------
// The corpus

#[derive(Deserialize)]
struct Index {
    site_url: String,
    count: usize,
    recordings: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    name: String,
}

#[derive(Deserialize)]
struct Recording {
    name: String,
    seq: u32,
    api: String,
    path: String,
    query: Vec<(String, String)>,
    auth: String,
    request_headers: BTreeMap<String, String>,
    /// Placeholder (`{{id:posts:slug}}`) -> Ghost's id of that object.
    ids: BTreeMap<String, String>,
    status: u16,
    headers: BTreeMap<String, String>,
    body_kind: String,
    body: Value,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn load_corpus() -> (Index, Vec<Recording>) {
    let dir = corpus_dir().join("recordings");
    let index: Index = read_json(&dir.join("index.json"));
    assert_eq!(index.count, index.recordings.len(), "index.json counts its recordings");
    let mut recordings: Vec<Recording> =
        index.recordings.iter().map(|entry| read_json(&dir.join(format!("{}.json", entry.name)))).collect();
    recordings.sort_by_key(|r| r.seq);
    (index, recordings)
}

// ---------------------------------------------------------------------------------------------
// Ids: every fixture object known by its natural key on both sides

/// Which Masthead id (or UUID) stands for which Ghost one, so that the comparison sees Ghost's id
/// wherever Masthead put the id of the same object, and a wrong id still shows.
#[derive(Default)]
struct IdMap {
    /// (kind, natural key) -> Masthead's id, for `{{id:kind:key}}`.
    masthead_by_key: HashMap<(String, String), String>,
    /// Masthead id or UUID -> Ghost's id or UUID of the same object.
    to_ghost: HashMap<String, String>,
    /// Ghost's ids and UUIDs of fixture objects, kept as they are in Ghost's bodies.
    known_ghost: HashSet<String>,
    /// Fixture objects (kind, natural key) that Masthead does not have after the import.
    not_imported: Vec<(String, String)>,
}

impl IdMap {
    async fn build(app: &TestApp, recordings: &[Recording]) -> Self {
        let mut ghost: HashMap<(String, String), String> = HashMap::new();
        let mut ghost_uuids: HashMap<(String, String), String> = HashMap::new();
        let export: Value = read_json(&corpus_dir().join("fixture/ghost-export.json"));
        let data = &export["db"][0]["data"];
        let rows = |table: &str| data[table].as_array().cloned().unwrap_or_default();
        let text = |row: &Value, key: &str| row[key].as_str().unwrap_or_default().to_owned();
        for post in rows("posts") {
            let kind = if post["type"] == "page" { "pages" } else { "posts" };
            ghost.insert((kind.into(), text(&post, "slug")), text(&post, "id"));
            ghost_uuids.insert((kind.into(), text(&post, "slug")), text(&post, "uuid"));
        }
        for (table, kind, key) in [
            ("tags", "tags", "slug"),
            ("users", "authors", "slug"),
            ("products", "tiers", "slug"),
            ("newsletters", "newsletters", "slug"),
            ("offers", "offers", "code"),
        ] {
            for row in rows(table) {
                ghost.insert((kind.into(), text(&row, key)), text(&row, "id"));
                if kind == "newsletters" {
                    ghost_uuids.insert((kind.into(), text(&row, key)), text(&row, "uuid"));
                }
            }
        }
        let members_csv = std::fs::read_to_string(corpus_dir().join("fixture/members.csv")).expect("members.csv");
        for line in members_csv.lines().skip(1) {
            let mut columns = line.splitn(3, ',');
            if let (Some(id), Some(email)) = (columns.next(), columns.next()) {
                ghost.insert(("members".into(), email.to_owned()), id.to_owned());
            }
        }
        // Labels are not in the export; Ghost's label list names their ids.
        if let Some(labels) = recordings.iter().find(|r| r.name == "admin/labels-browse") {
            for label in labels.body["labels"].as_array().into_iter().flatten() {
                ghost.insert(("labels".into(), text(label, "slug")), text(label, "id"));
            }
        }

        // Each recording names Ghost's id of every object it asks for; they agree with the export.
        for recording in recordings {
            for (placeholder, ghost_id) in &recording.ids {
                let inner = placeholder.trim_start_matches("{{id:").trim_end_matches("}}");
                let (kind, key) = inner.split_once(':').expect("{{id:kind:key}}");
                let known = ghost.entry((kind.to_owned(), key.to_owned())).or_insert_with(|| ghost_id.clone());
                assert_eq!(known, ghost_id, "{}: {placeholder} is another object in the export", recording.name);
            }
        }

        let mut masthead: HashMap<(String, String), String> = HashMap::new();
        let mut masthead_uuids: HashMap<(String, String), String> = HashMap::new();
        for post in app.db.all_posts().await.expect("posts") {
            let kind = if post.post_type == masthead_core::PostType::Page { "pages" } else { "posts" };
            masthead.insert((kind.into(), post.slug.as_str().to_owned()), post.id.as_str().to_owned());
            masthead_uuids.insert((kind.into(), post.slug.as_str().to_owned()), post.uuid.clone());
        }
        for tag in app.db.tags_with_counts().await.expect("tags") {
            masthead.insert(("tags".into(), tag.tag.slug.as_str().to_owned()), tag.tag.id.as_str().to_owned());
        }
        for user in app.db.staff().await.expect("staff") {
            masthead.insert(("authors".into(), user.slug.as_str().to_owned()), user.id.as_str().to_owned());
        }
        for tier in app.db.tiers().await.expect("tiers") {
            masthead.insert(("tiers".into(), tier.slug.as_str().to_owned()), tier.id.as_str().to_owned());
        }
        for newsletter in app.db.newsletters(true).await.expect("newsletters") {
            let slug = newsletter.slug.as_str().to_owned();
            masthead.insert(("newsletters".into(), slug.clone()), newsletter.id.as_str().to_owned());
            masthead_uuids.insert(("newsletters".into(), slug), newsletter.uuid.clone());
        }
        for label in app.db.labels().await.expect("labels") {
            masthead.insert(("labels".into(), label.slug.clone()), label.id.as_str().to_owned());
        }
        let members = app.db.all_members(&masthead_storage::MemberFilter::default()).await.expect("members");
        for member in members {
            masthead.insert(("members".into(), member.email.clone()), member.id.as_str().to_owned());
        }
        // Masthead has no offers: `{{id:offers:…}}` finds nothing.

        let mut map =
            IdMap { known_ghost: ghost.values().chain(ghost_uuids.values()).cloned().collect(), ..IdMap::default() };
        for (key, ghost_id) in &ghost {
            if let Some(id) = masthead.get(key) {
                map.to_ghost.insert(id.clone(), ghost_id.clone());
            }
        }
        for (key, ghost_uuid) in &ghost_uuids {
            if let Some(uuid) = masthead_uuids.get(key) {
                map.to_ghost.insert(uuid.clone(), ghost_uuid.clone());
            }
        }
        map.not_imported = ghost.keys().filter(|key| !masthead.contains_key(*key)).cloned().collect();
        map.not_imported.sort();
        map.masthead_by_key = masthead;
        map
    }
}

// ---------------------------------------------------------------------------------------------
// Sending a recording's request

struct Keys {
    content: String,
    admin_id: String,
    admin_secret: String,
}

/// An Admin API token as each `auth` kind of the corpus makes it (see the corpus README).
fn authorization(keys: &Keys, auth: &str) -> Option<String> {
    let now = masthead_core::now().unix_timestamp();
    let secret = hex::decode(&keys.admin_secret).expect("the admin secret is hex");
    let (mut kid, mut iat, mut aud, mut key, mut scheme) =
        (Some(keys.admin_id.clone()), now, "/admin/", secret, "Ghost");
    match auth {
        "none" | "key" => return None,
        "token" => {}
        "token-lowercase-scheme" => scheme = "ghost",
        "token-bearer-scheme" => scheme = "Bearer",
        "token-expired" => iat = now - 600,
        "token-wrong-audience" => aud = "/content/",
        "token-unknown-kid" => kid = Some("ffffffffffffffffffffffff".into()),
        "token-bad-signature" => key = vec![0; 32],
        "token-no-kid" => kid = None,
        other => panic!("the corpus README names no auth kind {other:?}"),
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid;
    let claims = serde_json::json!({ "iat": iat, "exp": iat + 300, "aud": aud });
    let token = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&key)).expect("sign");
    Some(format!("{scheme} {token}"))
}

/// `encodeURIComponent`, as Ghost's JavaScript clients encode query values.
fn encode_uri_component(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                out.push(byte as char);
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// Fills in `{{content_key}}`, `{{admin_secret}}` and `{{id:kind:key}}`; an object Masthead does
/// not have is the reason the recording cannot match.
fn substitute(template: &str, keys: &Keys, ids: &IdMap) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map(|e| start + e).ok_or("an unclosed placeholder")?;
        let placeholder = &rest[start + 2..end];
        match placeholder.split(':').collect::<Vec<_>>().as_slice() {
            ["content_key"] => out.push_str(&keys.content),
            ["admin_secret"] => out.push_str(&keys.admin_secret),
            ["id", kind, key] => match ids.masthead_by_key.get(&((*kind).to_owned(), (*key).to_owned())) {
                Some(id) => out.push_str(id),
                None => return Err(format!("Masthead has no {kind} `{key}` after the import")),
            },
            _ => return Err(format!("unknown placeholder {{{{{placeholder}}}}}")),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn request_for(
    recording: &Recording,
    keys: &Keys,
    ids: &IdMap,
    etags: &HashMap<String, String>,
) -> Result<Request<Body>, String> {
    let mut uri = substitute(&recording.path, keys, ids)?;
    for (i, (name, value)) in recording.query.iter().enumerate() {
        let value = substitute(value, keys, ids)?;
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(&encode_uri_component(name));
        uri.push('=');
        uri.push_str(&encode_uri_component(&value));
    }
    let mut request = Request::get(uri);
    for (name, value) in &recording.request_headers {
        let value = match value.strip_prefix("{{etag:").and_then(|v| v.strip_suffix("}}")) {
            Some(earlier) => {
                etags.get(earlier).cloned().ok_or_else(|| format!("Masthead sent no ETag for {earlier}"))?
            }
            None => value.clone(),
        };
        request = request.header(name.as_str(), value);
    }
    if recording.api == "admin"
        && let Some(value) = authorization(keys, &recording.auth)
    {
        request = request.header("authorization", value);
    }
    request.body(Body::empty()).map_err(|e| format!("the request cannot be built: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Normalising

/// Which side a value comes from: Ghost's ids of fixture objects stay, Masthead's become the Ghost
/// id of the same object; any other id or UUID becomes a placeholder.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Ghost,
    Masthead,
}

struct Normaliser<'a> {
    ids: &'a IdMap,
    /// Masthead's site URL, written as the recording's.
    app_url: &'a str,
    recorded_url: &'a str,
    content_key: &'a str,
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| is_hex(p))
}

impl Normaliser<'_> {
    fn id(&self, side: Side, id: &str, placeholder: &str) -> String {
        match side {
            Side::Ghost if self.ids.known_ghost.contains(id) => id.to_owned(),
            Side::Masthead if self.ids.to_ghost.contains_key(id) => self.ids.to_ghost[id].clone(),
            _ => placeholder.to_owned(),
        }
    }

    /// Ids (24 hex digits), UUIDs and keys derived from the site's secret (64 hex digits, as in
    /// members' `unsubscribe_url`) anywhere in a string, and the site URL.
    fn text(&self, side: Side, text: &str) -> String {
        let text = if side == Side::Masthead && self.app_url != self.recorded_url {
            text.replace(self.app_url, self.recorded_url)
        } else {
            text.to_owned()
        };
        let mut out = String::with_capacity(text.len());
        let mut token = String::new();
        let flush = |token: &mut String, out: &mut String| {
            if token.len() == 24 && is_hex(token) {
                out.push_str(&self.id(side, token, "<id>"));
            } else if is_uuid(token) {
                out.push_str(&self.id(side, token, "<uuid>"));
            } else if token.len() == 64 && is_hex(token) {
                out.push_str("<secret-derived>");
            } else {
                out.push_str(token);
            }
            token.clear();
        };
        for c in text.chars() {
            if c.is_ascii_alphanumeric() || c == '-' {
                token.push(c);
            } else {
                flush(&mut token, &mut out);
                out.push(c);
            }
        }
        flush(&mut token, &mut out);
        out
    }

    /// `parent` is the key of the array or object holding `value`: members keep their
    /// `created_at` (the fixture fixes it), every other object's times are the import's.
    fn json(&self, side: Side, value: &Value, parent: &str) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, v)| {
                        let member = matches!(parent, "members" | "member");
                        let normalised = match (key.as_str(), v) {
                            ("created_at", Value::String(_)) if !member => Value::from("<time>"),
                            ("updated_at" | "last_seen", Value::String(_)) => Value::from("<time>"),
                            ("id", Value::String(_)) if parent == "errors" => Value::from("<error-id>"),
                            _ => self.json(side, v, key),
                        };
                        (key.clone(), normalised)
                    })
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.json(side, item, parent)).collect()),
            Value::String(text) => Value::String(self.text(side, text)),
            other => other.clone(),
        }
    }

    fn header(&self, side: Side, value: &str) -> String {
        let value =
            if side == Side::Masthead { value.replace(self.content_key, "{{content_key}}") } else { value.to_owned() };
        self.text(side, &value)
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    /// The request could not be made against Masthead (an object missing after the import).
    Unsent,
    Status,
    Header,
    /// Ghost's body has it, Masthead's does not.
    Missing,
    /// Masthead's body has it, Ghost's does not.
    Extra,
    Value,
    Length,
    /// The same objects in another order.
    Order,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Unsent => "unsent",
            Kind::Status => "status",
            Kind::Header => "header",
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::Value => "value",
            Kind::Length => "length",
            Kind::Order => "order",
        }
    }
}

struct Difference {
    kind: Kind,
    /// Where: `posts[3].tags[0].slug`, `header:vary`, `status`, `body`.
    path: String,
    ghost: String,
    masthead: String,
    /// The rule that allows it, if one does.
    allowed_by: Option<usize>,
}

impl Difference {
    fn new(kind: Kind, path: impl Into<String>, ghost: impl Into<String>, masthead: impl Into<String>) -> Self {
        Self { kind, path: path.into(), ghost: ghost.into(), masthead: masthead.into(), allowed_by: None }
    }

    /// The part of the answer it is in: `status`, a header's name, `body` (see [`aspects`]).
    fn aspect(&self) -> &str {
        match self.kind {
            Kind::Status => "status",
            Kind::Header => self.path.strip_prefix("header:").unwrap_or(&self.path),
            _ => "body",
        }
    }

    /// The path with array positions left out (`posts[].tags[].slug`), for grouping and rules.
    fn general_path(&self) -> String {
        let mut out = String::with_capacity(self.path.len());
        let mut in_index = false;
        for c in self.path.chars() {
            match c {
                '[' => {
                    in_index = true;
                    out.push('[');
                }
                ']' => {
                    in_index = false;
                    out.push(']');
                }
                _ if in_index => {}
                _ => out.push(c),
            }
        }
        out
    }
}

fn shown(value: &Value) -> String {
    cut(&value.to_string())
}

fn cut(text: &str) -> String {
    if text.chars().count() > SHOWN_CHARS {
        format!("{}… ({} chars)", text.chars().take(SHOWN_CHARS).collect::<String>(), text.chars().count())
    } else {
        text.to_owned()
    }
}

/// Two long texts shown from a little before where they first differ, so that the report shows
/// the difference rather than their common start.
fn around_first_difference(ghost: &str, masthead: &str) -> (String, String) {
    let first = ghost.chars().zip(masthead.chars()).take_while(|(g, m)| g == m).count();
    let start = first.saturating_sub(40);
    let from = |text: &str| {
        let rest: String = text.chars().skip(start).collect();
        let shown = cut(&rest);
        if start > 0 { format!("…{shown}") } else { shown }
    };
    (from(ghost), from(masthead))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Same keys (missing and extra both count), same values, same array order.
fn compare_json(path: &str, ghost: &Value, masthead: &Value, out: &mut Vec<Difference>) {
    match (ghost, masthead) {
        (Value::Object(g), Value::Object(m)) => {
            for (key, gv) in g {
                match m.get(key) {
                    Some(mv) => compare_json(&join(path, key), gv, mv, out),
                    None => out.push(Difference::new(Kind::Missing, join(path, key), shown(gv), "")),
                }
            }
            for (key, mv) in m {
                if !g.contains_key(key) {
                    out.push(Difference::new(Kind::Extra, join(path, key), "", shown(mv)));
                }
            }
        }
        (Value::Array(g), Value::Array(m)) if identity_field(g, m).is_some() => {
            let field = identity_field(g, m).expect("checked");
            let key = |v: &Value| v[field].as_str().unwrap_or_default().to_owned();
            let (g_keys, m_keys): (Vec<String>, Vec<String>) =
                (g.iter().map(key).collect(), m.iter().map(key).collect());
            // Objects are named in paths by what a reader recognises: `tags[data].name`.
            let named = |v: &Value| format!("{path}[{}]", label(v, field));
            for (i, gv) in g.iter().enumerate() {
                match m_keys.iter().position(|k| *k == g_keys[i]) {
                    Some(j) => compare_json(&named(gv), gv, &m[j], out),
                    None => out.push(Difference::new(Kind::Missing, named(gv), format!("(at {i})"), "")),
                }
            }
            for (j, mv) in m.iter().enumerate() {
                if !g_keys.contains(&m_keys[j]) {
                    out.push(Difference::new(Kind::Extra, named(mv), "", format!("(at {j})")));
                }
            }
            let g_common: Vec<&Value> = g.iter().filter(|v| m_keys.contains(&key(v))).collect();
            let m_common: Vec<&Value> = m.iter().filter(|v| g_keys.contains(&key(v))).collect();
            let (g_order, m_order): (Vec<String>, Vec<String>) = (
                g_common.iter().map(|v| label(v, field)).collect(),
                m_common.iter().map(|v| label(v, field)).collect(),
            );
            if g_order != m_order {
                out.push(Difference::new(Kind::Order, path, cut(&g_order.join(", ")), cut(&m_order.join(", "))));
            }
        }
        (Value::Array(g), Value::Array(m)) => {
            if g.len() != m.len() {
                out.push(Difference::new(Kind::Length, path, g.len().to_string(), m.len().to_string()));
            }
            for (i, (gv, mv)) in g.iter().zip(m).enumerate() {
                compare_json(&format!("{path}[{i}]"), gv, mv, out);
            }
        }
        (Value::String(_), Value::String(_)) if ghost != masthead => {
            // Shown as JSON (quoted, newlines escaped), from where they first differ.
            let (g, m) = around_first_difference(&ghost.to_string(), &masthead.to_string());
            out.push(Difference::new(Kind::Value, path, g, m));
        }
        (g, m) if g != m => out.push(Difference::new(Kind::Value, path, shown(g), shown(m))),
        _ => {}
    }
}

/// The field that names the objects of both arrays (each has it, as a distinct string, on both
/// sides), so that they are compared object by object and their order separately: an answer in
/// another order is one difference, not one per field.
fn identity_field(ghost: &[Value], masthead: &[Value]) -> Option<&'static str> {
    ["id", "slug", "email", "key", "name"]
        .into_iter()
        .find(|field| {
            [ghost, masthead].iter().all(|items| {
                let keys: Vec<&str> = items.iter().filter_map(|v| v[*field].as_str()).collect();
                keys.len() == items.len()
                    && keys.iter().all(|k| !k.starts_with('<'))
                    && keys.iter().collect::<HashSet<_>>().len() == keys.len()
            })
        })
        .filter(|_| !ghost.is_empty() || !masthead.is_empty())
}

/// How an object of a list is named in a path: its slug, settings key or email, else `field`.
fn label(value: &Value, field: &str) -> String {
    ["slug", "key", "email", field].iter().find_map(|f| value[*f].as_str()).unwrap_or_default().to_owned()
}

fn etag_form(value: Option<&str>) -> &'static str {
    match value {
        None => "(none)",
        Some(v) if v.starts_with("W/\"") => "W/\"…\"",
        Some(v) if v.starts_with('"') => "\"…\"",
        Some(_) => "(malformed)",
    }
}

fn compare(recording: &Recording, response: &TestResponse, normaliser: &Normaliser<'_>) -> Vec<Difference> {
    let mut out = Vec::new();
    if response.status.as_u16() != recording.status {
        out.push(Difference::new(Kind::Status, "status", recording.status.to_string(), response.status.as_str()));
    }
    for name in COMPARED_HEADERS {
        let ghost = recording.headers.get(name).map(|v| normaliser.header(Side::Ghost, v));
        let masthead = response.header(name).map(|v| normaliser.header(Side::Masthead, v));
        if ghost != masthead {
            let show = |v: Option<String>| v.map_or_else(|| "(none)".to_owned(), |v| cut(&v));
            out.push(Difference::new(Kind::Header, format!("header:{name}"), show(ghost), show(masthead)));
        }
    }
    let (ghost_etag, masthead_etag) =
        (etag_form(recording.headers.get("etag").map(String::as_str)), etag_form(response.header("etag")));
    if ghost_etag != masthead_etag {
        out.push(Difference::new(Kind::Header, "header:etag", ghost_etag, masthead_etag));
    }

    match recording.body_kind.as_str() {
        "json" => match serde_json::from_slice::<Value>(&response.body) {
            Ok(body) => compare_json(
                "",
                &normaliser.json(Side::Ghost, &recording.body, ""),
                &normaliser.json(Side::Masthead, &body, ""),
                &mut out,
            ),
            Err(_) => {
                let body = normaliser.text(Side::Masthead, &response.text());
                out.push(Difference::new(Kind::Value, "body", "(JSON)", cut(&body)));
            }
        },
        "text" => {
            let ghost = normaliser.text(Side::Ghost, recording.body.as_str().unwrap_or_default());
            let masthead = normaliser.text(Side::Masthead, &response.text());
            let (ghost, masthead): (Vec<&str>, Vec<&str>) = (ghost.lines().collect(), masthead.lines().collect());
            if ghost.len() != masthead.len() {
                out.push(Difference::new(
                    Kind::Length,
                    "body:lines",
                    ghost.len().to_string(),
                    masthead.len().to_string(),
                ));
            }
            for (i, (g, m)) in ghost.iter().zip(&masthead).enumerate() {
                if g != m {
                    let (g, m) = around_first_difference(g, m);
                    out.push(Difference::new(Kind::Value, format!("body:line[{i}]"), g, m));
                }
            }
        }
        _ => {
            if !response.body.is_empty() {
                let body = normaliser.text(Side::Masthead, &response.text());
                out.push(Difference::new(Kind::Value, "body", "(empty)", cut(&body)));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The allowlist

#[derive(Deserialize)]
struct Allowlist {
    rules: Vec<Rule>,
}

/// A difference Masthead keeps on purpose. `recordings` and `path` are patterns where `*` stands
/// for any run of characters; `path` is matched against the path without array positions
/// (`posts[].narration`); `kind` is `missing`, `extra`, `value`, `length`, `status`, `header` or
/// `unsent`.
#[derive(Deserialize)]
struct Rule {
    #[serde(default = "everything")]
    recordings: String,
    path: String,
    kind: String,
    reason: String,
}

fn everything() -> String {
    "*".into()
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else { return false };
            (0..=rest.len()).filter(|&i| rest.is_char_boundary(i)).any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// A rule's `path`: one pattern, or alternatives separated by `|`.
fn path_matches(pattern: &str, path: &str) -> bool {
    pattern.split('|').any(|alternative| glob(alternative, path))
}

impl Allowlist {
    fn load() -> Self {
        let allowlist: Allowlist = read_json(&corpus_dir().join("allowlist.json"));
        for rule in &allowlist.rules {
            assert!(!rule.reason.trim().is_empty(), "every allowlist rule says why ({})", rule.path);
            assert!(
                ["missing", "extra", "value", "length", "order", "status", "header", "unsent"]
                    .contains(&rule.kind.as_str()),
                "allowlist rule {}: unknown kind {:?}",
                rule.path,
                rule.kind
            );
        }
        allowlist
    }

    fn apply(&self, recording: &str, differences: &mut [Difference]) {
        for difference in differences {
            let path = difference.general_path();
            difference.allowed_by = self.rules.iter().position(|rule| {
                rule.kind == difference.kind.name()
                    && glob(&rule.recordings, recording)
                    && path_matches(&rule.path, &path)
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The run

struct Outcome {
    name: String,
    /// The API and resource asked for: `content/posts`, `admin/members`.
    area: String,
    differences: Vec<Difference>,
}

impl Outcome {
    fn matches(&self) -> bool {
        self.differences.iter().all(|d| d.allowed_by.is_some())
    }
}

/// A replay's results, with what the import said and which fixture objects it left out.
struct Replay {
    outcomes: Vec<Outcome>,
    allowlist: Allowlist,
    import_notes: Vec<String>,
}

/// Imports the fixture site into a fresh Masthead at the recording's site URL and replays every
/// recording against it.
/// Neither Ghost's export nor its members CSV carries members' newsletter choices: the CSV
/// import subscribes everyone who takes email to the sign-up newsletters, in Ghost as here. The
/// fixture's members chose otherwise; they are given the newsletters Ghost lists for them
/// (`admin/members-limit-all`), through the members use case. Returns how many changed.
async fn subscribe_as_recorded(app: &TestApp, actor: &Actor) -> usize {
    let recording: Value = read_json(&corpus_dir().join("recordings/admin/members-limit-all.json"));
    let newsletters = app.db.newsletters(true).await.expect("newsletters");
    let mut changed = 0;
    for recorded in recording["body"]["members"].as_array().expect("members-limit-all lists members") {
        let email = recorded["email"].as_str().expect("a member's email");
        let wanted: Vec<ObjectId> = recorded["newsletters"]
            .as_array()
            .expect("a member's newsletters")
            .iter()
            .map(|n| {
                let name = n["name"].as_str().expect("a newsletter's name");
                newsletters.iter().find(|ours| ours.name == name).expect("the newsletter is imported").id.clone()
            })
            .collect();
        let member = app.db.member_by_email(email).await.expect("member").expect("the member is imported");
        let ours: Vec<&str> = newsletters
            .iter()
            .filter(|n| member.newsletters.iter().any(|slug| slug == n.slug.as_str()))
            .map(|n| n.id.as_str())
            .collect();
        if ours != wanted.iter().map(ObjectId::as_str).collect::<Vec<_>>() {
            let input = MemberInput { newsletters: Some(wanted), ..MemberInput::default() };
            app.newsroom.edit_member_as(actor, &member.id, input).await.expect("the member's newsletters are set");
            changed += 1;
        }
    }
    changed
}

async fn replay(db: &TestDb) -> Replay {
    let (index, recordings) = load_corpus();
    let allowlist = Allowlist::load();
    // Masthead serves the site at the URL Ghost was recorded at, so URLs compare as they are.
    let app = TestApp::at(db, &index.site_url).await;

    let mut import_notes = Vec::new();
    let export = std::fs::read(corpus_dir().join("fixture/ghost-export.json")).expect("the fixture export");
    let report = app.newsroom.import_ghost(&export, |_, _| {}).await.expect("the export imports");
    for (table, counts) in &report.tables {
        import_notes.push(format!(
            "export, {table}: {} created, {} updated, {} skipped",
            counts.created, counts.updated, counts.skipped
        ));
    }
    import_notes.extend(report.warnings.iter().map(|w| format!("export, warning: {w}")));
    import_notes.extend(report.problems().map(|p| format!("export, refused: {p}")));
    let staff = app.db.staff().await.expect("staff");
    let owner = staff.iter().find(|s| s.role == Role::Owner).expect("the export's owner is imported");
    let actor = Actor { user_id: owner.id.clone(), role: Role::Owner };
    let members_csv = std::fs::read_to_string(corpus_dir().join("fixture/members.csv")).expect("members.csv");
    let members = app.newsroom.import_members_csv(&actor, &members_csv, None).await.expect("the members import");
    import_notes.push(format!(
        "members.csv: {} imported, {} updated, {} skipped",
        members.imported, members.updated, members.skipped
    ));
    import_notes
        .extend(members.errors.iter().map(|e| format!("members.csv, row {} ({}): {}", e.row, e.email, e.message)));
    let changed = subscribe_as_recorded(&app, &actor).await;
    import_notes
        .push(format!("newsletter choices the export cannot carry, set as Ghost lists them: {changed} members"));
    app.state.cache.clear();

    let integration = app.newsroom.add_integration("Ghost differential suite", None).await.expect("integration");
    let (admin_id, admin_secret) =
        integration.admin_key.as_deref().and_then(|k| k.split_once(':')).expect("an admin key id:secret");
    let keys = Keys {
        content: integration.content_key.clone().expect("a content key"),
        admin_id: admin_id.to_owned(),
        admin_secret: admin_secret.to_owned(),
    };
    let ids = IdMap::build(&app, &recordings).await;
    import_notes
        .extend(ids.not_imported.iter().map(|(kind, key)| format!("not in Masthead after the import: {kind} `{key}`")));
    let normaliser = Normaliser {
        ids: &ids,
        app_url: &app.state.site_url,
        recorded_url: &index.site_url,
        content_key: &keys.content,
    };

    let mut etags: HashMap<String, String> = HashMap::new();
    let mut outcomes = Vec::new();
    for recording in &recordings {
        let mut differences = match request_for(recording, &keys, &ids, &etags) {
            Ok(request) => {
                let response = app.request(request).await;
                if let Some(etag) = response.header("etag") {
                    etags.insert(recording.name.clone(), etag.to_owned());
                }
                compare(recording, &response, &normaliser)
            }
            Err(reason) => vec![Difference::new(Kind::Unsent, "request", "", reason)],
        };
        allowlist.apply(&recording.name, &mut differences);
        let resource = recording.path.trim_start_matches("/ghost/api/").split('/').nth(1).unwrap_or_default();
        let area = format!("{}/{}", recording.api, if resource.is_empty() { "(none)" } else { resource });
        outcomes.push(Outcome { name: recording.name.clone(), area, differences });
    }
    Replay { outcomes, allowlist, import_notes }
}

/// The recordings a key differs in, how often, and under which paths.
type KeyGroup<'a> = (HashSet<&'a str>, usize, Vec<String>);

fn written_report(replay: &Replay, backend: &str) -> String {
    let recordings: Vec<&Outcome> = replay.outcomes.iter().collect();
    let allowlist = &replay.allowlist;
    let matching = recordings.iter().filter(|o| o.matches()).count();
    let mut out = String::new();
    let _ = writeln!(out, "Ghost differential suite on {backend}: {}", summary_line(matching, recordings.len()));
    let _ = writeln!(out, "\nThe import:");
    for note in &replay.import_notes {
        let _ = writeln!(out, "  {note}");
    }

    let mut areas: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for outcome in &recordings {
        let entry = areas.entry(outcome.area.clone()).or_default();
        entry.1 += 1;
        if outcome.matches() {
            entry.0 += 1;
        }
    }
    let _ = writeln!(out, "\nMatching by area:");
    for (area, (matched, total)) in &areas {
        let _ = writeln!(out, "  {area:<32} {matched:>3} of {total:>3}");
    }

    // Statuses and headers: grouped by the values on both sides.
    let mut pairs: BTreeMap<(String, String, String), Vec<&str>> = BTreeMap::new();
    // Body paths: grouped by path without positions, counting recordings and occurrences.
    let mut paths: BTreeMap<(String, Kind), (HashSet<&str>, usize, String)> = BTreeMap::new();
    for outcome in &recordings {
        for d in outcome.differences.iter().filter(|d| d.allowed_by.is_none()) {
            match d.kind {
                Kind::Status | Kind::Header | Kind::Unsent => {
                    pairs.entry((d.path.clone(), d.ghost.clone(), d.masthead.clone())).or_default().push(&outcome.name);
                }
                _ => {
                    let entry = paths.entry((d.general_path(), d.kind)).or_default();
                    entry.0.insert(&outcome.name);
                    entry.1 += 1;
                    if entry.2.is_empty() {
                        entry.2 = format!("{} {}: Ghost {} / Masthead {}", outcome.name, d.path, d.ghost, d.masthead);
                    }
                }
            }
        }
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let _ = writeln!(out, "\nStatus, header and unsent differences (recordings: what, Ghost -> Masthead, e.g.):");
    for ((what, ghost, masthead), names) in &pairs {
        let _ = writeln!(out, "  {:>3}  {what}: {ghost}  ->  {masthead}   e.g. {}", names.len(), names[0]);
    }
    // The same key under many paths (an author's `bluesky` in posts, pages, authors, users) is
    // usually one fix.
    let mut keys: BTreeMap<(String, Kind), KeyGroup<'_>> = BTreeMap::new();
    for ((path, kind), (names, count, _)) in &paths {
        let last = path.rsplit('.').next().unwrap_or(path).trim_end_matches("[]").to_owned();
        let entry = keys.entry((last, *kind)).or_default();
        entry.0.extend(names.iter().copied());
        entry.1 += count;
        entry.2.push(path.clone());
    }
    let mut keys: Vec<_> = keys.into_iter().collect();
    keys.sort_by(|a, b| b.1.0.len().cmp(&a.1.0.len()).then(a.0.cmp(&b.0)));
    let _ = writeln!(out, "\nBody differences by key (recordings, occurrences, kind, key: under which paths):");
    for ((key, kind), (names, count, under)) in &keys {
        let more = if under.len() > 4 { format!(" and {} more", under.len() - 4) } else { String::new() };
        let under: Vec<&str> = under.iter().take(4).map(String::as_str).collect();
        let _ =
            writeln!(out, "  {:>3} {:>5}  {:<7} {key}: {}{more}", names.len(), count, kind.name(), under.join(", "));
    }
    let mut paths: Vec<_> = paths.into_iter().collect();
    paths.sort_by(|a, b| b.1.0.len().cmp(&a.1.0.len()).then(a.0.cmp(&b.0)));
    let _ = writeln!(out, "\nBody differences by JSON path (recordings, occurrences, kind, path; one example):");
    for ((path, kind), (names, count, example)) in &paths {
        let _ =
            writeln!(out, "  {:>3} {:>5}  {:<7} {path}\n           e.g. {example}", names.len(), count, kind.name());
    }

    let _ = writeln!(out, "\nAllowlist rules and what they allowed:");
    for (i, rule) in allowlist.rules.iter().enumerate() {
        let used = recordings.iter().flat_map(|o| &o.differences).filter(|d| d.allowed_by == Some(i)).count();
        let _ = writeln!(out, "  {used:>4}  {} {} on {}: {}", rule.kind, rule.path, rule.recordings, rule.reason);
    }

    let _ = writeln!(out, "\nRecording by recording:");
    for outcome in &recordings {
        let open: Vec<&Difference> = outcome.differences.iter().filter(|d| d.allowed_by.is_none()).collect();
        if open.is_empty() {
            let _ = writeln!(out, "  MATCH   {}", outcome.name);
            continue;
        }
        let _ = writeln!(out, "  DIFFERS {} ({} differences)", outcome.name, open.len());
        for d in open.iter().take(LISTED_PER_RECORDING) {
            let _ = writeln!(out, "      {:<7} {}: Ghost {} / Masthead {}", d.kind.name(), d.path, d.ghost, d.masthead);
        }
        if open.len() > LISTED_PER_RECORDING {
            let _ = writeln!(out, "      … and {} more", open.len() - LISTED_PER_RECORDING);
        }
    }
    out
}

fn summary_line(matching: usize, total: usize) -> String {
    let percent = if total == 0 { 0.0 } else { matching as f64 * 100.0 / total as f64 };
    format!("{matching} of {total} match ({percent:.1}%)")
}

/// `target/` of this build: the test binary lives in `target/<profile>/deps/`.
fn report_path(backend: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    let suffix = if backend == "SQLite" { String::new() } else { format!("-{}", backend.to_lowercase()) };
    target.join(format!("ghost-diff-report{suffix}.txt"))
}

fn matching_file() -> PathBuf {
    corpus_dir().join("matching.txt")
}

/// What of an answer can match on its own: the status, each compared header, the body.
fn aspects() -> Vec<String> {
    let mut all = vec!["status".to_owned()];
    all.extend(COMPARED_HEADERS.iter().map(|h| (*h).to_owned()));
    all.extend(["etag".to_owned(), "body".to_owned()]);
    all
}

impl Outcome {
    /// The aspects with no difference left open (none when the request could not be sent).
    fn matching_aspects(&self) -> Vec<String> {
        let open: Vec<&Difference> = self.differences.iter().filter(|d| d.allowed_by.is_none()).collect();
        if open.iter().any(|d| d.kind == Kind::Unsent) {
            return Vec::new();
        }
        let failing: HashSet<&str> = open.iter().map(|d| d.aspect()).collect();
        aspects().into_iter().filter(|a| !failing.contains(a.as_str())).collect()
    }
}

/// `matching.txt`: per recording, what of its answer matches Ghost's: `all`, or the aspects
/// (`status`, a header's name, `etag`, `body`). Finer than whole recordings, so that a
/// regression shows even while few answers match entirely.
fn listed_as_matching() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(matching_file()).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (name, listed) = line.split_once(':').unwrap_or((line, ""));
            (name.trim().to_owned(), listed.split_whitespace().map(str::to_owned).collect())
        })
        .collect()
}

const MATCHING_HEADER: &str = "# What of each recorded answer Masthead's replay matches (see the ghost_diff test in\n\
# crates/masthead-web/tests/it/): `all`, or the parts that match: status, a header's name, etag, body.\n\
# The test fails when a part listed here stops matching. Refresh after making more match with:\n\
#   GHOST_DIFF_UPDATE=1 cargo test --workspace -- ghost_diff\n";

async fn check_against_ghost(db: &TestDb, backend: &str) {
    let replay = replay(db).await;
    let report = written_report(&replay, backend);
    let path = report_path(backend);
    std::fs::write(&path, &report).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));

    let recordings: Vec<&Outcome> = replay.outcomes.iter().collect();
    let matching = recordings.iter().filter(|o| o.matches()).count();
    println!("Ghost differential suite on {backend}: {}", summary_line(matching, recordings.len()));
    println!("Full report: {}", path.display());

    // The list is written from the SQLite half; the PostgreSQL half must match the same parts.
    if std::env::var("GHOST_DIFF_UPDATE").is_ok_and(|v| v == "1") {
        if backend != "SQLite" {
            return;
        }
        let mut text = MATCHING_HEADER.to_owned();
        for outcome in &recordings {
            let parts = outcome.matching_aspects();
            if outcome.matches() {
                let _ = writeln!(text, "{}: all", outcome.name);
            } else if !parts.is_empty() {
                let _ = writeln!(text, "{}: {}", outcome.name, parts.join(" "));
            }
        }
        std::fs::write(matching_file(), text).expect("write matching.txt");
        println!("Wrote matching.txt: {matching} recordings match entirely");
        return;
    }

    let all_aspects = aspects();
    let mut broken = Vec::new();
    for (name, listed) in listed_as_matching() {
        let Some(outcome) = recordings.iter().find(|o| o.name == name) else {
            broken.push(format!("{name}: listed in matching.txt but there is no such recording"));
            continue;
        };
        let now = outcome.matching_aspects();
        let lost: Vec<&String> = if listed == ["all"] {
            if outcome.matches() { Vec::new() } else { all_aspects.iter().collect() }
        } else {
            for aspect in &listed {
                assert!(all_aspects.contains(aspect), "matching.txt, {name}: no part is called {aspect:?}");
            }
            listed.iter().filter(|a| !now.contains(a)).collect()
        };
        if lost.is_empty() {
            continue;
        }
        let differences: Vec<String> = outcome
            .differences
            .iter()
            .filter(|d| d.allowed_by.is_none() && (d.kind == Kind::Unsent || lost.iter().any(|a| *a == d.aspect())))
            .take(5)
            .map(|d| format!("{} {}: Ghost {} / Masthead {}", d.kind.name(), d.path, d.ghost, d.masthead))
            .collect();
        broken.push(format!(
            "{name} no longer matches Ghost in: {}\n    {}",
            lost.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" "),
            differences.join("\n    ")
        ));
    }
    assert!(
        broken.is_empty(),
        "{} on {backend}; parts listed in clients/ghost-diff/matching.txt that no longer match:\n{}\n(full report: {})",
        summary_line(matching, recordings.len()),
        broken.join("\n"),
        path.display()
    );
}

dual_db_test!(async fn masthead_answers_the_recorded_requests_as_ghost_did(db) {
    let backend = if db.backend() == masthead_storage::Backend::Sqlite { "SQLite" } else { "PostgreSQL" };
    check_against_ghost(&db, backend).await;
});

#[test]
fn the_comparison_names_every_kind_of_difference() {
    let ghost = serde_json::json!({"posts": [{"id": "a", "tags": [1, 2], "title": "T"}], "meta": {}});
    let masthead = serde_json::json!({"posts": [{"id": "a", "tags": [1], "title": "U", "narration": null}]});
    let mut out = Vec::new();
    compare_json("", &ghost, &masthead, &mut out);
    let found: Vec<(&str, String)> = out.iter().map(|d| (d.kind.name(), d.general_path())).collect();
    assert_eq!(
        found,
        [
            ("missing", "meta".to_owned()),
            ("length", "posts[].tags".to_owned()),
            ("value", "posts[].title".to_owned()),
            ("extra", "posts[].narration".to_owned()),
        ]
    );
}

#[test]
fn objects_with_a_name_are_compared_one_by_one_and_their_order_once() {
    let ghost = serde_json::json!({"tags": [
        {"slug": "city", "name": "City"}, {"slug": "data", "name": "Data"}, {"slug": "war", "name": "War"}
    ]});
    let masthead = serde_json::json!({"tags": [
        {"slug": "data", "name": "Data"}, {"slug": "city", "name": "Town"}, {"slug": "weather", "name": "Weather"}
    ]});
    let mut out = Vec::new();
    compare_json("", &ghost, &masthead, &mut out);
    let found: Vec<(&str, &str, &str, &str)> =
        out.iter().map(|d| (d.kind.name(), d.path.as_str(), d.ghost.as_str(), d.masthead.as_str())).collect();
    assert_eq!(
        found,
        [
            ("value", "tags[city].name", "\"City\"", "\"Town\""),
            ("missing", "tags[war]", "(at 2)", ""),
            ("extra", "tags[weather]", "", "(at 2)"),
            ("order", "tags", "city, data", "data, city"),
        ]
    );
}

#[test]
fn only_ids_uuids_times_and_error_ids_are_normalised() {
    let ghost_post = "6b14d451c979bb750f80f57a";
    let masthead_post = "0123456789abcdef01234567";
    let ids = IdMap {
        to_ghost: HashMap::from([(masthead_post.to_owned(), ghost_post.to_owned())]),
        known_ghost: HashSet::from([ghost_post.to_owned()]),
        ..IdMap::default()
    };
    let normaliser = Normaliser {
        ids: &ids,
        app_url: "https://news.example.org",
        recorded_url: "http://127.0.0.1:2368",
        content_key: "k",
    };
    let masthead = serde_json::json!({
        "posts": [{"id": masthead_post, "comment_id": "ffffffffffffffffffffffff", "updated_at": "2026-12-06T03:00:00.000Z",
                   "published_at": "2025-11-28T10:00:00.000+00:00",
                   "url": "https://news.example.org/p/a77e2725-7df1-4aa3-abb5-113db9a57edf/"}],
        "members": [{"created_at": "2025-01-02T09:00:00.000Z", "labels": [{"created_at": "2026-12-06T03:00:00.000Z"}]}],
        "errors": [{"id": "485802ad-478a-4825-9ce8-ede6fa52f6ff"}]
    });
    assert_eq!(
        normaliser.json(Side::Masthead, &masthead, ""),
        serde_json::json!({
            "posts": [{"id": ghost_post, "comment_id": "<id>", "updated_at": "<time>",
                       "published_at": "2025-11-28T10:00:00.000+00:00",
                       "url": "http://127.0.0.1:2368/p/<uuid>/"}],
            "members": [{"created_at": "2025-01-02T09:00:00.000Z", "labels": [{"created_at": "<time>"}]}],
            "errors": [{"id": "<error-id>"}]
        })
    );
    // Masthead's id of another object than Ghost's does not pass for it.
    assert_eq!(normaliser.text(Side::Ghost, ghost_post), ghost_post);
    assert_eq!(normaliser.text(Side::Masthead, "fedcba9876543210fedcba98"), "<id>");
}

#[test]
fn long_texts_are_shown_where_they_differ() {
    let common = "The curfew in Lodvyn will start at midnight. ".repeat(10);
    let (ghost, masthead) =
        around_first_difference(&format!("{common}Officials said."), &format!("{common}Officers said."));
    assert_eq!(ghost, "… in Lodvyn will start at midnight. Officials said.");
    assert_eq!(masthead, "… in Lodvyn will start at midnight. Officers said.");
}

#[test]
fn allowlist_patterns_match_paths_and_names() {
    assert!(glob("posts[].narration", "posts[].narration"));
    assert!(glob("content/posts-*", "content/posts-browse"));
    assert!(glob("*.feature_image_credit", "posts[].feature_image_credit"));
    assert!(!glob("content/*", "admin/posts-browse"));
    assert!(!glob("posts[].narration", "pages[].narration"));
    assert!(path_matches("users[].tour|*authors[].tour", "posts[].authors[].tour"));
    assert!(path_matches("users[].tour|*authors[].tour", "users[].tour"));
    assert!(!path_matches("users[].tour|*authors[].tour", "members[].tour"));
}

#[test]
fn query_values_are_encoded_as_ghosts_clients_encode_them() {
    assert_eq!(encode_uri_component("tags,authors"), "tags%2Cauthors");
    assert_eq!(encode_uri_component("published_at desc"), "published_at%20desc");
    assert_eq!(encode_uri_component("{{x}}!'()*-_.~"), "%7B%7Bx%7D%7D!'()*-_.~");
    assert_eq!(encode_uri_component("київ"), "%D0%BA%D0%B8%D1%97%D0%B2");
}

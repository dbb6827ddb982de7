//! The OpenAPI 3.1 description of the Content and Admin APIs, served at
//! `/ghost/api/openapi.json`. It is built from [`OPERATIONS`], which a test compares with the
//! route table, so the document cannot drift from what the server answers.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// One operation: method, path (as in the route table), resource key of the envelope, what it
/// does, and how it is called.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub resource: &'static str,
    pub kind: Kind,
    pub summary: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Browse,
    Read,
    Add,
    Edit,
    Delete,
    Upload,
    /// A single object that is not Ghost's list envelope (site, settings object, exports).
    Object,
}

const C: &str = "/ghost/api/content";
const A: &str = "/ghost/api/admin";

macro_rules! op {
    ($method:literal, $path:literal, $resource:literal, $kind:ident, $summary:literal) => {
        Operation { method: $method, path: $path, resource: $resource, kind: Kind::$kind, summary: $summary }
    };
}

/// Every API operation the server answers.
pub const OPERATIONS: &[Operation] = &[
    op!("get", "/ghost/api/content/posts/", "posts", Browse, "Browse published posts"),
    op!("get", "/ghost/api/content/posts/{id}/", "posts", Read, "Read a published post by id"),
    op!("get", "/ghost/api/content/posts/slug/{slug}/", "posts", Read, "Read a published post by slug"),
    op!("get", "/ghost/api/content/pages/", "pages", Browse, "Browse published pages"),
    op!("get", "/ghost/api/content/pages/{id}/", "pages", Read, "Read a published page by id"),
    op!("get", "/ghost/api/content/pages/slug/{slug}/", "pages", Read, "Read a published page by slug"),
    op!("get", "/ghost/api/content/tags/", "tags", Browse, "Browse public tags"),
    op!("get", "/ghost/api/content/tags/{id}/", "tags", Read, "Read a public tag by id"),
    op!("get", "/ghost/api/content/tags/slug/{slug}/", "tags", Read, "Read a public tag by slug"),
    op!("get", "/ghost/api/content/authors/", "authors", Browse, "Browse authors"),
    op!("get", "/ghost/api/content/authors/{id}/", "authors", Read, "Read an author by id"),
    op!("get", "/ghost/api/content/authors/slug/{slug}/", "authors", Read, "Read an author by slug"),
    op!("get", "/ghost/api/content/settings/", "settings", Object, "The site's public settings"),
    op!("get", "/ghost/api/content/recommendations/", "recommendations", Browse, "Recommended sites (always none)"),
    op!("get", "/ghost/api/content/search-index/posts/", "posts", Read, "Every published post, light, for search"),
    op!("get", "/ghost/api/content/search-index/authors/", "authors", Read, "The public authors, light, for search"),
    op!("get", "/ghost/api/content/search-index/tags/", "tags", Read, "The public tags, light, for search"),
    op!(
        "get",
        "/ghost/api/content/search/",
        "posts",
        Browse,
        "Search published posts and pages (q, tag, author, from, to, sort)"
    ),
    op!("get", "/ghost/api/content/tiers/", "tiers", Browse, "Browse tiers"),
    op!("get", "/ghost/api/content/newsletters/", "newsletters", Browse, "Browse active newsletters"),
    op!("get", "/ghost/api/content/feed_items/", "feed_items", Browse, "Browse the live news feed, newest first"),
    op!("get", "/ghost/api/content/feed_items/{id}/", "feed_items", Read, "Read a live feed item"),
    op!("get", "/ghost/api/content/campaigns/", "campaigns", Browse, "Browse the open membership goal campaigns"),
    op!("get", "/ghost/api/content/campaigns/{id}/", "campaigns", Read, "Read an open membership goal campaign"),
    op!("get", "/ghost/api/admin/campaigns/", "campaigns", Browse, "Browse every membership goal campaign"),
    op!("post", "/ghost/api/admin/campaigns/", "campaigns", Add, "Create a membership goal campaign"),
    op!("get", "/ghost/api/admin/campaigns/{id}/", "campaigns", Read, "Read a membership goal campaign"),
    op!("put", "/ghost/api/admin/campaigns/{id}/", "campaigns", Edit, "Edit a campaign (only the fields sent change)"),
    op!(
        "delete",
        "/ghost/api/admin/campaigns/{id}/",
        "campaigns",
        Delete,
        "Delete a campaign (readers stop seeing it)"
    ),
    op!("get", "/ghost/api/admin/feed_items/", "feed_items", Browse, "Browse live feed items"),
    op!("post", "/ghost/api/admin/feed_items/", "feed_items", Add, "Post to the live news feed"),
    op!("get", "/ghost/api/admin/feed_items/{id}/", "feed_items", Read, "Read a live feed item"),
    op!(
        "put",
        "/ghost/api/admin/feed_items/{id}/",
        "feed_items",
        Edit,
        "Edit a live feed item (readers see it updated)"
    ),
    op!(
        "delete",
        "/ghost/api/admin/feed_items/{id}/",
        "feed_items",
        Delete,
        "Delete a live feed item (open pages remove it)"
    ),
    op!("get", "/ghost/api/admin/site/", "site", Object, "Site title, URL and version (no key needed)"),
    op!("get", "/ghost/api/admin/posts/", "posts", Browse, "Browse posts of any status"),
    op!("post", "/ghost/api/admin/posts/", "posts", Add, "Create a post"),
    op!("get", "/ghost/api/admin/posts/{id}/", "posts", Read, "Read a post"),
    op!("put", "/ghost/api/admin/posts/{id}/", "posts", Edit, "Edit a post (updated_at must match)"),
    op!("delete", "/ghost/api/admin/posts/{id}/", "posts", Delete, "Delete a post"),
    op!("get", "/ghost/api/admin/posts/slug/{slug}/", "posts", Read, "Read a post by slug"),
    op!("get", "/ghost/api/admin/pages/", "pages", Browse, "Browse pages of any status"),
    op!("post", "/ghost/api/admin/pages/", "pages", Add, "Create a page"),
    op!("get", "/ghost/api/admin/pages/{id}/", "pages", Read, "Read a page"),
    op!("put", "/ghost/api/admin/pages/{id}/", "pages", Edit, "Edit a page (updated_at must match)"),
    op!("delete", "/ghost/api/admin/pages/{id}/", "pages", Delete, "Delete a page"),
    op!("get", "/ghost/api/admin/pages/slug/{slug}/", "pages", Read, "Read a page by slug"),
    op!("post", "/ghost/api/admin/images/upload/", "images", Upload, "Upload an image"),
    op!("get", "/ghost/api/admin/tags/", "tags", Browse, "Browse tags, internal ones included"),
    op!("post", "/ghost/api/admin/tags/", "tags", Add, "Create a tag"),
    op!("get", "/ghost/api/admin/tags/{id}/", "tags", Read, "Read a tag"),
    op!("put", "/ghost/api/admin/tags/{id}/", "tags", Edit, "Edit a tag"),
    op!("delete", "/ghost/api/admin/tags/{id}/", "tags", Delete, "Delete a tag"),
    op!("get", "/ghost/api/admin/tags/slug/{slug}/", "tags", Read, "Read a tag by slug"),
    op!("get", "/ghost/api/admin/users/", "users", Browse, "Browse staff"),
    op!("get", "/ghost/api/admin/users/{id}/", "users", Read, "Read a staff member (id or `me`)"),
    op!("get", "/ghost/api/admin/users/slug/{slug}/", "users", Read, "Read a staff member by slug"),
    op!("get", "/ghost/api/admin/users/email/{email}/", "users", Read, "Read a staff member by email"),
    op!("get", "/ghost/api/admin/members/", "members", Browse, "Browse members"),
    op!("post", "/ghost/api/admin/members/", "members", Add, "Add a member"),
    op!("get", "/ghost/api/admin/members/upload/", "members", Browse, "Export members as CSV"),
    op!("post", "/ghost/api/admin/members/upload/", "members", Add, "Import members from CSV"),
    op!("get", "/ghost/api/admin/members/{id}/", "members", Read, "Read a member"),
    op!("put", "/ghost/api/admin/members/{id}/", "members", Edit, "Edit a member"),
    op!("delete", "/ghost/api/admin/members/{id}/", "members", Delete, "Delete a member"),
    op!("get", "/ghost/api/admin/labels/", "labels", Browse, "Browse member labels"),
    op!("get", "/ghost/api/admin/labels/{id}/", "labels", Read, "Read a label"),
    op!("get", "/ghost/api/admin/labels/slug/{slug}/", "labels", Read, "Read a label by slug"),
    op!("get", "/ghost/api/admin/newsletters/", "newsletters", Browse, "Browse newsletters"),
    op!("post", "/ghost/api/admin/newsletters/", "newsletters", Add, "Create a newsletter"),
    op!("get", "/ghost/api/admin/newsletters/{id}/", "newsletters", Read, "Read a newsletter"),
    op!("put", "/ghost/api/admin/newsletters/{id}/", "newsletters", Edit, "Edit or archive a newsletter"),
    op!("get", "/ghost/api/admin/tiers/", "tiers", Browse, "Browse tiers"),
    op!("get", "/ghost/api/admin/tiers/{id}/", "tiers", Read, "Read a tier"),
    op!("post", "/ghost/api/admin/tiers/", "tiers", Add, "Add a paid tier"),
    op!("put", "/ghost/api/admin/tiers/{id}/", "tiers", Edit, "Edit or archive a tier"),
    op!("get", "/ghost/api/admin/settings/", "settings", Object, "The settings as {key, value} pairs"),
    op!("get", "/ghost/api/admin/roles/", "roles", Read, "The staff roles (?permissions=assign: those assignable)"),
    op!("get", "/ghost/api/admin/db/", "db", Object, "Download a Ghost JSON export"),
    op!("post", "/ghost/api/admin/db/", "db", Upload, "Import a Ghost JSON export"),
    op!("post", "/ghost/api/admin/webhooks/", "webhooks", Add, "Register a webhook"),
    op!("put", "/ghost/api/admin/webhooks/{id}/", "webhooks", Edit, "Change a webhook"),
    op!("delete", "/ghost/api/admin/webhooks/{id}/", "webhooks", Delete, "Remove a webhook"),
    op!("get", "/ghost/api/openapi.json", "openapi", Object, "This document"),
];

fn parameters(op: &Operation) -> Vec<Value> {
    let mut out: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let query = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description });
    if op.path.starts_with(C) {
        out.push(json!({ "name": "key", "in": "query", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{26}$" }, "description": "Content API key" }));
    }
    if matches!(op.kind, Kind::Browse | Kind::Read) {
        out.push(query("include", "Comma list: authors, tags (posts, pages); count.posts (tags, authors)"));
        out.push(query("fields", "Comma list of fields to return"));
        out.push(query(
            "formats",
            "html, plaintext, lexical (ours on the Content API; Admin API also mobiledoc, markdown)",
        ));
    }
    if op.kind == Kind::Browse {
        out.push(query("filter", "NQL filter"));
        out.push(query("limit", "Page size: 1-100 or all (100); default 15"));
        out.push(query("page", "Page number from 1"));
        out.push(query("order", "e.g. published_at desc, title asc"));
    }
    if matches!(op.kind, Kind::Add | Kind::Edit) && matches!(op.resource, "posts" | "pages") {
        out.push(query("source", "html: create the body from the html field"));
        out.push(query("newsletter", "Newsletter slug to send to on publishing"));
        out.push(query("email_segment", "all, status:free, status:-free or label:slug"));
    }
    out
}

fn responses(op: &Operation) -> Value {
    let envelope = |with_meta: bool| {
        let mut properties = Map::new();
        properties.insert(op.resource.to_owned(), json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{}", schema_name(op.resource)) } }));
        if with_meta {
            properties.insert("meta".into(), json!({ "$ref": "#/components/schemas/Meta" }));
        }
        json!({ "content": { "application/json": { "schema": { "type": "object", "properties": properties } } } })
    };
    let error = json!({ "description": "Ghost's error envelope", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Errors" } } } });
    let mut out = Map::new();
    match op.kind {
        Kind::Browse => out.insert("200".into(), envelope(true)),
        Kind::Read | Kind::Edit => out.insert("200".into(), envelope(false)),
        Kind::Add | Kind::Upload => out.insert(if op.resource == "db" { "200" } else { "201" }.into(), envelope(false)),
        Kind::Delete => out.insert("204".into(), json!({ "description": "Deleted" })),
        Kind::Object => {
            out.insert("200".into(), json!({ "description": "An object", "content": { "application/json": {} } }))
        }
    };
    if let Some(first) = out.values_mut().next()
        && let Value::Object(map) = first
    {
        map.entry("description").or_insert_with(|| json!(op.summary));
    }
    for status in ["400", "401", "403", "404", "409", "422"] {
        out.insert(status.into(), error.clone());
    }
    Value::Object(out)
}

fn schema_name(resource: &str) -> String {
    let singular = resource.strip_suffix('s').unwrap_or(resource);
    let mut chars = singular.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The whole document.
pub fn document(site_url: &str) -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let item = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        let security = if op.path.starts_with(A) && op.resource != "site" && op.resource != "openapi" {
            json!([{ "GhostAdminToken": [] }, { "StaffSession": [] }])
        } else {
            json!([])
        };
        let mut operation = json!({
            "summary": op.summary,
            "tags": [if op.path.starts_with(C) { "Content API" } else if op.resource == "openapi" { "Document" } else { "Admin API" }],
            "parameters": parameters(op),
            "responses": responses(op),
            "security": security,
        });
        if matches!(op.kind, Kind::Add | Kind::Edit) {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": {
                "type": "object",
                "properties": { op.resource: { "type": "array", "minItems": 1, "maxItems": 1, "items": { "$ref": format!("#/components/schemas/{}", schema_name(op.resource)) } } },
                "required": [op.resource],
            } } } });
        }
        if op.kind == Kind::Upload {
            operation["requestBody"] = json!({ "required": true, "content": { "multipart/form-data": { "schema": {
                "type": "object",
                "properties": { "file": { "type": "string", "format": "binary" }, "importfile": { "type": "string", "format": "binary" }, "ref": { "type": "string" }, "purpose": { "type": "string" } },
            } } } });
        }
        item[op.method] = operation;
    }
    let object = |fields: &[&str]| -> Value {
        let properties: Map<String, Value> = fields.iter().map(|f| ((*f).to_owned(), json!({}))).collect();
        json!({ "type": "object", "properties": properties, "additionalProperties": true })
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Masthead: Ghost-compatible Content and Admin APIs",
            "version": super::API_VERSION,
            "description": "Ghost's Content API and Admin API as Masthead serves them. See docs/API.md for what is Ghost-compatible, what is ours, and the known differences.",
        },
        "servers": [{ "url": site_url }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "GhostAdminToken": { "type": "http", "scheme": "Ghost", "description": "An HS256 JWT signed with an admin key's hex-decoded secret: header kid = key id, aud = /admin/, at most five minutes old." },
                "StaffSession": { "type": "apiKey", "in": "cookie", "name": crate::admin::session_cookie_name(site_url), "description": "The newsroom's session cookie: __Host-masthead_session on an https site, masthead_session on a plain-http one." },
            },
            "schemas": {
                "Meta": { "type": "object", "properties": { "pagination": { "type": "object", "properties": {
                    "page": { "type": "integer" }, "limit": { "type": "integer" }, "pages": { "type": "integer" },
                    "total": { "type": "integer" }, "next": { "type": ["integer", "null"] }, "prev": { "type": ["integer", "null"] },
                } } } },
                "Errors": { "type": "object", "properties": { "errors": { "type": "array", "items": object(&["message", "context", "type", "details", "property", "help", "code", "id", "ghostErrorCode"]) } } },
                "Post": object(&["id", "uuid", "title", "slug", "html", "plaintext", "feature_image", "feature_image_alt", "feature_image_caption", "feature_image_credit", "featured", "status", "visibility", "created_at", "updated_at", "published_at", "custom_excerpt", "canonical_url", "url", "excerpt", "reading_time", "authors", "tags", "primary_author", "primary_tag", "meta_title", "meta_description", "og_image", "og_title", "og_description", "twitter_image", "twitter_title", "twitter_description"]),
                "Page": { "$ref": "#/components/schemas/Post" },
                "Tag": object(&["id", "name", "slug", "description", "feature_image", "visibility", "meta_title", "meta_description", "accent_color", "url", "count"]),
                "Author": object(&["id", "name", "slug", "profile_image", "cover_image", "bio", "website", "location", "facebook", "twitter", "url", "count"]),
                "User": object(&["id", "name", "slug", "email", "status", "roles", "profile_image", "bio", "url"]),
                "Label": object(&["id", "name", "slug", "created_at", "updated_at"]),
                "Member": object(&["id", "uuid", "email", "name", "note", "status", "labels", "newsletters", "subscribed", "email_suppression", "created_at", "updated_at"]),
                "Newsletter": object(&["id", "uuid", "name", "slug", "description", "status", "sender_name", "sender_email", "sender_reply_to", "subscribe_on_signup", "sort_order", "host_name"]),
                "Tier": object(&["id", "name", "slug", "type", "active", "visibility", "monthly_price", "yearly_price", "currency", "benefits"]),
                "Webhook": object(&["id", "event", "target_url", "name", "secret", "api_version", "integration_id", "last_triggered_at", "last_triggered_status", "last_triggered_error"]),
                "Campaign": object(&["id", "name", "metric", "target", "current", "currency", "counts_since", "starts_at", "ends_at", "headline", "body", "button_label", "button_url", "show_strip", "show_in_article", "active", "when_reached", "thank_you", "reached", "progress_text", "counted_at"]),
                "Image": object(&["url", "ref"]),
                "Db": object(&["db", "problems", "report"]),
                "Setting": object(&["key", "value"]),
            },
        },
    })
}

pub async fn serve(axum::extract::State(state): axum::extract::State<crate::AppState>, headers: HeaderMap) -> Response {
    super::json_response(&headers, &document(&state.site_url), "public, max-age=300")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `(method, path)` of every API route in the route table, read from its source.
    fn routed() -> BTreeSet<(String, String)> {
        let source = include_str!("../router.rs");
        let mut found = BTreeSet::new();
        for chunk in source.split(".route(").skip(1) {
            let Some(path) = chunk.trim_start().strip_prefix('"').and_then(|rest| rest.split('"').next()) else {
                continue;
            };
            if !path.starts_with("/ghost/api/") || path.contains("{*rest}") {
                continue;
            }
            // The handlers of this route: everything up to the next `.route(` call.
            for method in ["get", "post", "put", "delete"] {
                let called = chunk.contains(&format!(" {method}("))
                    || chunk.contains(&format!("({method}("))
                    || chunk.contains(&format!(".{method}("));
                if called {
                    found.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
        found
    }

    #[test]
    fn the_document_lists_exactly_the_routes_the_server_answers() {
        let documented: BTreeSet<(String, String)> =
            OPERATIONS.iter().map(|op| (op.method.to_owned(), op.path.to_owned())).collect();
        let routed = routed();
        assert!(routed.len() > 40, "the route table was read: {routed:?}");
        let missing: Vec<_> = routed.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&routed).collect();
        assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
        assert!(stale.is_empty(), "documented operations with no route: {stale:?}");
    }

    #[test]
    fn every_operation_is_in_the_document_with_its_responses() {
        let doc = document("https://news.example.org");
        assert_eq!(doc["openapi"], "3.1.0");
        for op in OPERATIONS {
            let operation = &doc["paths"][op.path][op.method];
            assert!(operation.is_object(), "{} {}", op.method, op.path);
            assert!(operation["responses"].as_object().is_some_and(|r| r.contains_key("404")));
        }
        let browse = &doc["paths"]["/ghost/api/content/posts/"]["get"]["parameters"];
        let names: Vec<&str> = browse.as_array().into_iter().flatten().filter_map(|p| p["name"].as_str()).collect();
        for name in ["key", "filter", "limit", "page", "order", "include", "fields", "formats"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
    }
}

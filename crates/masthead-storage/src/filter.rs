//! Browse listings for the Content and Admin APIs: an NQL [`Filter`] and Ghost's `order`
//! parameter compiled to SQL against a per-resource allowlist, returning one page of ids.
//!
//! Nothing the client writes reaches the SQL text: property names are looked up in the
//! allowlists below, which hold the only column expressions that can appear, and every value
//! becomes a numbered parameter. The SQL is the subset SQLite and PostgreSQL share, so one text
//! runs on both, like the rest of this crate.
//!
//! Semantics worth knowing:
//! - A negated operator matches exactly the rows its positive form does not, NULLs included:
//!   `custom_excerpt:-'x'` lists posts without an excerpt too.
//! - On a relation, a positive operator means "has a related row that matches" and a negated
//!   one "has none that matches": `tag:-news` is every post not tagged `news`, `tag:null` is a
//!   post with no tags, `tag:-null` one with at least one.
//! - `~`, `~^` and `~$` are case-insensitive and treat `%`, `_` and `\` literally.
//! - Timestamps accept `'2024-05-01 12:00:00'` (UTC), ISO 8601 / RFC 3339 with or without an
//!   offset, `2024-05-01` (midnight UTC) and relative dates such as `now-30d`.

use masthead_core::nql::{CompareOp, Filter, Value};
use time::OffsetDateTime;

use crate::{DbReader, PageRequest, Paginated, Result, on_db};

/// What is being listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Posts,
    Pages,
    Tags,
    Authors,
    Members,
    Newsletters,
    /// Members' labels (Admin API only).
    Labels,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Posts => "posts",
            Resource::Pages => "pages",
            Resource::Tags => "tags",
            Resource::Authors => "authors",
            Resource::Members => "members",
            Resource::Newsletters => "newsletters",
            Resource::Labels => "labels",
        }
    }
}

/// Who is asking, which bounds the rows any filter can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The Content API: published posts and pages, public tags, active staff, active
    /// newsletters. Members are never listed publicly.
    Public,
    /// The Admin API: every row.
    Staff,
}

/// One browse request.
#[derive(Clone, Debug)]
pub struct Listing<'a> {
    pub resource: Resource,
    pub scope: Scope,
    pub filter: Option<&'a Filter>,
    /// Ghost's `order` parameter, e.g. `published_at desc, title`.
    pub order: Option<&'a str>,
    pub page: PageRequest,
    /// What relative dates (`now-30d`) count from.
    pub now: OffsetDateTime,
}

/// A filter or order the client got wrong. Every message is meant for the client, so the API
/// answers it with a 400 `BadRequestError` carrying the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown filter property '{property}' for {resource}")]
    UnknownProperty { property: String, resource: &'static str },
    #[error("invalid value for '{property}': {problem}")]
    InvalidValue { property: String, problem: String },
    #[error("unknown order field '{field}' for {resource}")]
    UnknownOrderField { field: String, resource: &'static str },
    #[error("invalid order '{order}': {problem}")]
    InvalidOrder { order: String, problem: String },
    #[error("{resource} cannot be listed publicly")]
    NotPublic { resource: &'static str },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Bool,
    Number,
    Timestamp,
}

/// A property that maps to one SQL expression of the row being listed (or of a related row).
struct Column {
    name: &'static str,
    sql: &'static str,
    kind: Kind,
    nullable: bool,
}

/// A to-many relation, filtered with `EXISTS`. `exists` is a subquery correlated with the
/// listed row, ending in a `WHERE` clause to which the condition is appended with `AND`.
struct Relation {
    name: &'static str,
    exists: &'static str,
    columns: &'static [Column],
    /// The same relation as a set of listed ids, `(id column, uncorrelated subquery ending in a
    /// WHERE clause)`, for relations a planner should start from: a tag's thousand stories
    /// among a hundred thousand are found from the tag, not by asking each story.
    ids: Option<(&'static str, &'static str)>,
}

struct Schema {
    resource: Resource,
    /// `FROM` item with the alias every column expression uses.
    from: &'static str,
    id: &'static str,
    columns: &'static [Column],
    relations: &'static [Relation],
    /// Short names Ghost accepts for relation properties.
    aliases: &'static [(&'static str, &'static str)],
}

const fn text(name: &'static str, sql: &'static str) -> Column {
    Column { name, sql, kind: Kind::Text, nullable: false }
}

const fn text_or_null(name: &'static str, sql: &'static str) -> Column {
    Column { name, sql, kind: Kind::Text, nullable: true }
}

const fn time(name: &'static str, sql: &'static str) -> Column {
    Column { name, sql, kind: Kind::Timestamp, nullable: false }
}

const fn number(name: &'static str, sql: &'static str) -> Column {
    Column { name, sql, kind: Kind::Number, nullable: false }
}

const fn boolean(name: &'static str, sql: &'static str) -> Column {
    Column { name, sql, kind: Kind::Bool, nullable: false }
}

const POST_COLUMNS: &[Column] = &[
    text("id", "p.id"),
    text("uuid", "p.uuid"),
    text("title", "p.title"),
    text("slug", "p.slug"),
    text("status", "p.status"),
    text("visibility", "p.visibility"),
    boolean("featured", "p.featured"),
    text_or_null("feature_image", "p.feature_image"),
    text_or_null("feature_image_alt", "p.feature_image_alt"),
    text_or_null("feature_image_caption", "p.feature_image_caption"),
    text_or_null("custom_excerpt", "p.custom_excerpt"),
    text_or_null("canonical_url", "p.canonical_url"),
    text_or_null("meta_title", "p.meta_title"),
    text_or_null("meta_description", "p.meta_description"),
    text_or_null("og_image", "p.og_image"),
    text_or_null("og_title", "p.og_title"),
    text_or_null("og_description", "p.og_description"),
    text_or_null("twitter_image", "p.twitter_image"),
    text_or_null("twitter_title", "p.twitter_title"),
    text_or_null("twitter_description", "p.twitter_description"),
    number("reading_time", "p.reading_time"),
    Column { name: "published_at", sql: "p.published_at", kind: Kind::Timestamp, nullable: true },
    time("created_at", "p.created_at"),
    time("updated_at", "p.updated_at"),
];

const POST_TAG_COLUMNS: &[Column] =
    &[text("slug", "rt.slug"), text("name", "rt.name"), text("id", "rt.id"), text("visibility", "rt.visibility")];
const POST_AUTHOR_COLUMNS: &[Column] = &[text("slug", "ru.slug"), text("name", "ru.name"), text("id", "ru.id")];

const POST_RELATIONS: &[Relation] = &[
    Relation {
        name: "tags",
        exists: "SELECT 1 FROM posts_tags rpt JOIN tags rt ON rt.id = rpt.tag_id WHERE rpt.post_id = p.id",
        columns: POST_TAG_COLUMNS,
        ids: Some(("p.id", "SELECT rpt.post_id FROM posts_tags rpt JOIN tags rt ON rt.id = rpt.tag_id WHERE 1 = 1")),
    },
    Relation {
        name: "authors",
        exists: "SELECT 1 FROM posts_authors rpa JOIN users ru ON ru.id = rpa.author_id WHERE rpa.post_id = p.id",
        columns: POST_AUTHOR_COLUMNS,
        ids: Some((
            "p.id",
            "SELECT rpa.post_id FROM posts_authors rpa JOIN users ru ON ru.id = rpa.author_id WHERE 1 = 1",
        )),
    },
    // The first tag, internal or not, as Ghost's filter has it (the API shows `primary_tag` as
    // null when that tag is internal, and the filter still finds the post by it).
    Relation {
        name: "primary_tag",
        exists: "SELECT 1 FROM posts_tags rpt JOIN tags rt ON rt.id = rpt.tag_id \
                 WHERE rpt.post_id = p.id AND rpt.sort_order = \
                 (SELECT MIN(ept.sort_order) FROM posts_tags ept WHERE ept.post_id = p.id)",
        columns: &[text("slug", "rt.slug"), text("id", "rt.id")],
        ids: None,
    },
    Relation {
        name: "primary_author",
        exists: "SELECT 1 FROM posts_authors rpa JOIN users ru ON ru.id = rpa.author_id \
                 WHERE rpa.post_id = p.id AND rpa.sort_order = \
                 (SELECT MIN(epa.sort_order) FROM posts_authors epa WHERE epa.post_id = p.id)",
        columns: &[text("slug", "ru.slug"), text("id", "ru.id")],
        ids: None,
    },
];

const POST_ALIASES: &[(&str, &str)] = &[
    ("tag", "tags.slug"),
    ("tags", "tags.slug"),
    ("author", "authors.slug"),
    ("authors", "authors.slug"),
    ("primary_tag", "primary_tag.slug"),
    ("primary_author", "primary_author.slug"),
];

const POSTS: Schema = Schema {
    resource: Resource::Posts,
    from: "posts p",
    id: "p.id",
    columns: POST_COLUMNS,
    relations: POST_RELATIONS,
    aliases: POST_ALIASES,
};

const PAGES: Schema = Schema { resource: Resource::Pages, ..POSTS };

const TAGS: Schema = Schema {
    resource: Resource::Tags,
    from: "tags t",
    id: "t.id",
    columns: &[
        text("id", "t.id"),
        text("name", "t.name"),
        text("slug", "t.slug"),
        text_or_null("description", "t.description"),
        text("visibility", "t.visibility"),
        text_or_null("feature_image", "t.feature_image"),
        time("created_at", "t.created_at"),
        time("updated_at", "t.updated_at"),
    ],
    relations: &[],
    aliases: &[],
};

// Email, role, status and the password hash are deliberately absent: a filter is an oracle
// (`email:~'a'` answers yes or no), so only what the API shows may be filtered on.
const AUTHORS: Schema = Schema {
    resource: Resource::Authors,
    from: "users u",
    id: "u.id",
    columns: &[
        text("id", "u.id"),
        text("name", "u.name"),
        text("slug", "u.slug"),
        text_or_null("location", "u.location"),
        text_or_null("website", "u.website"),
        text_or_null("bio", "u.bio"),
        text("status", "u.status"),
        time("created_at", "u.created_at"),
        time("updated_at", "u.updated_at"),
    ],
    relations: &[],
    aliases: &[],
};

const MEMBERS: Schema = Schema {
    resource: Resource::Members,
    from: "members m",
    id: "m.id",
    columns: &[
        text("id", "m.id"),
        text("uuid", "m.uuid"),
        text("email", "m.email"),
        text_or_null("name", "m.name"),
        text("status", "m.status"),
        Column { name: "last_seen_at", sql: "m.last_seen_at", kind: Kind::Timestamp, nullable: true },
        time("created_at", "m.created_at"),
        time("updated_at", "m.updated_at"),
        // Not orderable: see `orderable`.
        boolean(
            "subscribed",
            "(EXISTS (SELECT 1 FROM members_newsletters smn WHERE smn.member_id = m.id AND smn.status = 'subscribed'))",
        ),
    ],
    relations: &[
        Relation {
            name: "labels",
            exists: "SELECT 1 FROM members_labels rml JOIN labels rl ON rl.id = rml.label_id WHERE rml.member_id = m.id",
            columns: &[text("slug", "rl.slug"), text("name", "rl.name"), text("id", "rl.id")],
            ids: None,
        },
        // A member's newsletters are those they are subscribed to; an unsubscribed row is
        // only kept so that imports do not re-subscribe them.
        Relation {
            name: "newsletters",
            exists: "SELECT 1 FROM members_newsletters rmn JOIN newsletters rn ON rn.id = rmn.newsletter_id \
                     WHERE rmn.member_id = m.id AND rmn.status = 'subscribed'",
            columns: &[text("slug", "rn.slug"), text("id", "rn.id"), text("name", "rn.name")],
            ids: None,
        },
        // The tiers a member is on, paid or complimentary (Ghost's `tier`/`tiers` filter).
        Relation {
            name: "tiers",
            exists: "SELECT 1 FROM members_tiers rmt JOIN tiers rt ON rt.id = rmt.tier_id WHERE rmt.member_id = m.id",
            columns: &[text("slug", "rt.slug"), text("id", "rt.id"), text("name", "rt.name")],
            ids: None,
        },
    ],
    aliases: &[
        ("label", "labels.slug"),
        ("labels", "labels.slug"),
        ("newsletter", "newsletters.slug"),
        ("tier", "tiers.slug"),
    ],
};

const NEWSLETTERS: Schema = Schema {
    resource: Resource::Newsletters,
    from: "newsletters n",
    id: "n.id",
    columns: &[
        text("id", "n.id"),
        text("uuid", "n.uuid"),
        text("name", "n.name"),
        text("slug", "n.slug"),
        text_or_null("description", "n.description"),
        text("status", "n.status"),
        number("sort_order", "n.sort_order"),
        time("created_at", "n.created_at"),
        time("updated_at", "n.updated_at"),
    ],
    relations: &[],
    aliases: &[],
};

const LABELS: Schema = Schema {
    resource: Resource::Labels,
    from: "labels l",
    id: "l.id",
    columns: &[text("id", "l.id"), text("name", "l.name"), text("slug", "l.slug"), time("created_at", "l.created_at")],
    relations: &[],
    aliases: &[],
};

enum Property<'s> {
    Own(&'s Column),
    Related(&'s Relation, &'s Column),
}

impl Schema {
    fn for_resource(resource: Resource) -> &'static Schema {
        match resource {
            Resource::Posts => &POSTS,
            Resource::Pages => &PAGES,
            Resource::Tags => &TAGS,
            Resource::Authors => &AUTHORS,
            Resource::Members => &MEMBERS,
            Resource::Newsletters => &NEWSLETTERS,
            Resource::Labels => &LABELS,
        }
    }

    fn property(&self, name: &str) -> Result<Property<'_>, FilterError> {
        let name = self.aliases.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, target)| target);
        let found = match name.split_once('.') {
            None => self.columns.iter().find(|c| c.name == name).map(Property::Own),
            Some((relation, column)) => self
                .relations
                .iter()
                .find(|r| r.name == relation)
                .and_then(|r| r.columns.iter().find(|c| c.name == column).map(|c| Property::Related(r, c))),
        };
        found.ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> FilterError {
        FilterError::UnknownProperty { property: name.to_owned(), resource: self.resource.as_str() }
    }

    /// The rows a scope may see, whatever the filter.
    fn scope_condition(&self, scope: Scope) -> Result<&'static str, FilterError> {
        Ok(match (self.resource, scope) {
            (Resource::Posts, Scope::Public) => "p.type = 'post' AND p.status = 'published'",
            (Resource::Posts, Scope::Staff) => "p.type = 'post'",
            (Resource::Pages, Scope::Public) => "p.type = 'page' AND p.status = 'published'",
            (Resource::Pages, Scope::Staff) => "p.type = 'page'",
            // Ghost 6's Content API lists internal tags too, but only tags on a published story.
            (Resource::Tags, Scope::Public) => {
                "EXISTS (SELECT 1 FROM posts_tags pt JOIN posts p ON p.id = pt.post_id \
                 WHERE pt.tag_id = t.id AND p.status = 'published')"
            }
            // A byline stays public when its writer's account is suspended (or imported and not
            // yet reactivated): their published stories still carry their name and page.
            (Resource::Authors, Scope::Public) => {
                "(u.status = 'active' OR EXISTS (SELECT 1 FROM posts_authors pa JOIN posts p ON p.id = pa.post_id \
                 WHERE pa.author_id = u.id AND p.status = 'published'))"
            }
            (Resource::Newsletters, Scope::Public) => "n.status = 'active'",
            (Resource::Members | Resource::Labels, Scope::Public) => {
                return Err(FilterError::NotPublic { resource: self.resource.as_str() });
            }
            (_, Scope::Staff) => "1 = 1",
        })
    }

    /// Ghost's default order for each resource, before the `id` tie-breaker.
    fn default_order(&self, scope: Scope) -> &'static str {
        match self.resource {
            // The Content API lists pages by title, as Ghost's does.
            Resource::Pages if scope == Scope::Public => "p.title ASC, p.id ASC",
            // Public listings see published stories only, for which Ghost's order below is
            // this; spelt plainly, it is read from an index without sorting or reading a row.
            Resource::Posts if scope == Scope::Public => "p.published_at DESC, p.updated_at DESC, p.id DESC",
            // Ghost's admin order: scheduled, then drafts, then the rest newest first. Every
            // row of a status group has a publication time or none does, so no NULL is ever
            // compared with a time and both databases agree.
            Resource::Posts | Resource::Pages => {
                "CASE p.status WHEN 'scheduled' THEN 0 WHEN 'draft' THEN 1 ELSE 2 END ASC, \
                 CASE WHEN p.status <> 'draft' THEN p.published_at END DESC, p.updated_at DESC, p.id DESC"
            }
            Resource::Tags => "t.name ASC, t.id ASC",
            Resource::Authors => "u.name ASC, u.id ASC",
            Resource::Members => "m.created_at DESC, m.id DESC",
            Resource::Newsletters => "n.sort_order ASC, n.created_at ASC, n.id ASC",
            Resource::Labels => "l.name ASC, l.id ASC",
        }
    }
}

/// Columns that may appear in `order`: the row's own, except computed ones (Ghost computes
/// `reading_time` when it answers, so it cannot order by it either).
fn orderable(column: &Column) -> bool {
    !column.sql.contains("SELECT") && column.name != "reading_time"
}

/// A query parameter, bound with its own type on either database.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(OffsetDateTime),
}

/// SQL text with numbered placeholders and the values they stand for.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub params: Vec<Param>,
}

impl Sql {
    fn param(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }
}

/// The statements behind one listing, ready to bind.
#[derive(Debug)]
pub(crate) struct CompiledListing {
    pub count: String,
    pub page: String,
    pub params: Vec<Param>,
}

pub(crate) fn compile(listing: &Listing<'_>) -> Result<CompiledListing, FilterError> {
    let schema = Schema::for_resource(listing.resource);
    let scope = schema.scope_condition(listing.scope)?;
    let mut sql = Sql::default();
    let now = masthead_core::to_stored_time(listing.now);
    let condition = match listing.filter {
        Some(filter) => format!("{scope} AND ({})", compile_filter(schema, filter, now, &mut sql)?),
        None => scope.to_owned(),
    };
    let order = match listing.order.map(str::trim).filter(|o| !o.is_empty()) {
        Some(order) => compile_order(schema, order)?,
        None => schema.default_order(listing.scope).to_owned(),
    };
    let (from, id) = (schema.from, schema.id);
    let count = format!("SELECT COUNT(*) FROM {from} WHERE {condition}");
    let limit = sql.param(Param::Int(i64::from(listing.page.limit)));
    let offset = sql.param(Param::Int(listing.page.offset()));
    let page = format!("SELECT {id} FROM {from} WHERE {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    Ok(CompiledListing { count, page, params: sql.params })
}

fn compile_filter(schema: &Schema, filter: &Filter, now: OffsetDateTime, sql: &mut Sql) -> Result<String, FilterError> {
    let join = |parts: &[Filter], separator: &str, sql: &mut Sql| -> Result<String, FilterError> {
        let compiled =
            parts.iter().map(|part| compile_filter(schema, part, now, sql)).collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", compiled.join(separator)))
    };
    match filter {
        Filter::And(parts) => join(parts, " AND ", sql),
        Filter::Or(parts) => join(parts, " OR ", sql),
        Filter::Compare { field, op, value } => {
            let property = schema.property(field)?;
            let column = match &property {
                Property::Own(c) | Property::Related(_, c) => *c,
            };
            let related = matches!(property, Property::Related(..));
            let (positive, negated) = comparison(field, column, *op, value, related, now, sql)?;
            Ok(finish(&property, positive, negated))
        }
        Filter::In { field, values, negated } => {
            let property = schema.property(field)?;
            let column = match &property {
                Property::Own(c) | Property::Related(_, c) => *c,
            };
            let positive = membership(field, column, values, now, sql)?;
            Ok(finish(&property, positive, *negated))
        }
    }
}

/// Wraps a positive condition: in `EXISTS` for a relation, negated so that NULL counts as
/// "does not match" for a nullable column.
fn finish(property: &Property<'_>, positive: String, negated: bool) -> String {
    match property {
        Property::Related(relation, _) => {
            let not = if negated { "NOT " } else { "" };
            match relation.ids {
                Some((id, subquery)) => format!("{id} {not}IN ({subquery} AND {positive})"),
                None => format!("{not}EXISTS ({} AND {positive})", relation.exists),
            }
        }
        Property::Own(column) if negated && column.nullable => format!("NOT COALESCE({positive}, FALSE)"),
        Property::Own(_) if negated => format!("NOT ({positive})"),
        Property::Own(_) => positive,
    }
}

/// The positive form of `field:<op>value`, and whether the result must be negated.
fn comparison(
    field: &str,
    column: &Column,
    op: CompareOp,
    value: &Value,
    related: bool,
    now: OffsetDateTime,
    sql: &mut Sql,
) -> Result<(String, bool), FilterError> {
    let invalid = |problem: String| FilterError::InvalidValue { property: field.to_owned(), problem };
    let col = column.sql;
    if *value == Value::Null {
        return match (op, related) {
            // "No related row at all" is NOT EXISTS of the bare relation.
            (CompareOp::Eq, true) => Ok(("1 = 1".into(), true)),
            (CompareOp::Ne, true) => Ok(("1 = 1".into(), false)),
            (CompareOp::Eq, false) => Ok((format!("{col} IS NULL"), false)),
            (CompareOp::Ne, false) => Ok((format!("{col} IS NULL"), true)),
            _ => Err(invalid(format!("null can only be matched with ':' or ':-', not ':{}'", op.as_str()))),
        };
    }
    let (negated, positive_op) = match op {
        CompareOp::Ne => (true, CompareOp::Eq),
        CompareOp::NotContains => (true, CompareOp::Contains),
        CompareOp::NotStartsWith => (true, CompareOp::StartsWith),
        CompareOp::NotEndsWith => (true, CompareOp::EndsWith),
        other => (false, other),
    };
    if positive_op.is_text_match() {
        if column.kind != Kind::Text {
            return Err(invalid(format!("'~' matches text, and '{field}' is not text")));
        }
        let text = text_value(value).ok_or_else(|| invalid(format!("'~' needs text, got {}", describe(value))))?;
        let pattern = |text: &str| {
            let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            match positive_op {
                CompareOp::StartsWith => format!("{escaped}%"),
                CompareOp::EndsWith => format!("%{escaped}"),
                _ => format!("%{escaped}%"),
            }
        };
        let lower = text.to_lowercase();
        let p = sql.param(Param::Text(pattern(&lower)));
        if lower == text {
            return Ok((format!("LOWER({col}) LIKE {p} ESCAPE '\\'"), negated));
        }
        // SQLite's LOWER and LIKE fold ASCII letters only: text written as stored (`Марія`)
        // matches there too.
        let as_written = sql.param(Param::Text(pattern(&text)));
        return Ok((format!("(LOWER({col}) LIKE {p} ESCAPE '\\' OR {col} LIKE {as_written} ESCAPE '\\')"), negated));
    }
    let symbol = match positive_op {
        CompareOp::Gt => ">",
        CompareOp::Gte => ">=",
        CompareOp::Lt => "<",
        CompareOp::Lte => "<=",
        _ => "=",
    };
    if column.kind == Kind::Bool && symbol != "=" {
        return Err(invalid(format!("true or false can only be matched with ':' or ':-', not ':{}'", op.as_str())));
    }
    if column.kind == Kind::Timestamp {
        let at = timestamp(field, value, now)?;
        // Stored times are whole seconds, and SQLite compares them as text, so a fraction
        // is folded into the operator instead of being sent to the database.
        let whole = at.replace_nanosecond(0).unwrap_or(at);
        let symbol = match (at.nanosecond() == 0, symbol) {
            (true, symbol) => symbol,
            (false, ">" | ">=") => ">",
            (false, "<" | "<=") => "<=",
            (false, _) => return Ok(("1 = 0".into(), negated)),
        };
        let p = sql.param(Param::Time(whole));
        return Ok((format!("{col} {symbol} {p}"), negated));
    }
    let p = sql.param(scalar(field, column, value)?);
    Ok((format!("{col} {symbol} {p}"), negated))
}

/// `field:[a,b]` as a positive condition; `null` in the list matches a missing value.
fn membership(
    field: &str,
    column: &Column,
    values: &[Value],
    now: OffsetDateTime,
    sql: &mut Sql,
) -> Result<String, FilterError> {
    let mut placeholders = Vec::new();
    let mut with_null = false;
    for value in values {
        match value {
            Value::Null => with_null = true,
            _ if column.kind == Kind::Timestamp => {
                let at = timestamp(field, value, now)?;
                // A time with a fraction of a second can equal no stored time.
                if at.nanosecond() == 0 {
                    placeholders.push(sql.param(Param::Time(at)));
                }
            }
            _ => placeholders.push(sql.param(scalar(field, column, value)?)),
        }
    }
    let col = column.sql;
    let listed = (!placeholders.is_empty()).then(|| format!("{col} IN ({})", placeholders.join(", ")));
    Ok(match (listed, with_null) {
        (Some(listed), true) => format!("({listed} OR {col} IS NULL)"),
        (Some(listed), false) => listed,
        (None, true) => format!("{col} IS NULL"),
        (None, false) => "1 = 0".into(),
    })
}

fn describe(value: &Value) -> String {
    match value {
        Value::Text(text) => format!("'{text}'"),
        Value::Relative { .. } => format!("the relative date {value}"),
        other => other.to_string(),
    }
}

fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::Text(text) => Some(text.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(value.to_string()),
        Value::Null | Value::Relative { .. } => None,
    }
}

/// A non-null value for a text, number or boolean column.
fn scalar(field: &str, column: &Column, value: &Value) -> Result<Param, FilterError> {
    let invalid = |expected: &str| FilterError::InvalidValue {
        property: field.to_owned(),
        problem: format!("expected {expected}, got {}", describe(value)),
    };
    match column.kind {
        Kind::Text => text_value(value).map(Param::Text).ok_or_else(|| invalid("text")),
        Kind::Bool => match value {
            Value::Bool(b) => Ok(Param::Bool(*b)),
            _ => Err(invalid("true or false")),
        },
        Kind::Number => match value {
            Value::Int(i) => Ok(Param::Int(*i)),
            Value::Float(f) => Ok(Param::Float(*f)),
            Value::Text(text) => text
                .parse::<i64>()
                .map(Param::Int)
                .or_else(|_| text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Param::Float).ok_or(()))
                .map_err(|()| invalid("a number")),
            _ => Err(invalid("a number")),
        },
        Kind::Timestamp => Err(invalid("a date")),
    }
}

fn timestamp(field: &str, value: &Value, now: OffsetDateTime) -> Result<OffsetDateTime, FilterError> {
    let invalid = |problem: String| FilterError::InvalidValue { property: field.to_owned(), problem };
    match value {
        Value::Relative { amount, unit } => masthead_core::nql::Value::resolve_relative(*amount, *unit, now)
            .ok_or_else(|| invalid(format!("the relative date {value} is out of range"))),
        // A bare `now` is the time of the request, as in Ghost's NQL (`published_at:<now`).
        Value::Text(text) if text.eq_ignore_ascii_case("now") => Ok(now),
        Value::Text(text) => parse_time(text).ok_or_else(|| {
            invalid(format!(
                "expected a date such as '2024-05-01 12:00:00', '2024-05-01T12:00:00Z', 2024-05-01, now or now-30d, got '{text}'"
            ))
        }),
        other => Err(invalid(format!(
            "expected a date such as '2024-05-01 12:00:00', '2024-05-01T12:00:00Z', 2024-05-01 or now-30d, got {}",
            describe(other)
        ))),
    }
}

/// Ghost's `'YYYY-MM-DD HH:MM:SS'`, RFC 3339, ISO 8601 without an offset, or a bare date.
/// Times without an offset are UTC, as Ghost stores them.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.to_offset(time::UtcOffset::UTC));
    }
    let local = [
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    if let Some(at) = local.iter().find_map(|format| time::PrimitiveDateTime::parse(text, format).ok()) {
        return Some(at.assume_utc());
    }
    time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok().map(|d| d.midnight().assume_utc())
}

/// How many published posts a tag or an author has, as an SQL expression to order by.
fn post_count_order(resource: Resource) -> Option<&'static str> {
    match resource {
        Resource::Tags => Some(
            "(SELECT COUNT(*) FROM posts_tags ot JOIN posts op ON op.id = ot.post_id \
             WHERE ot.tag_id = t.id AND op.type = 'post' AND op.status = 'published')",
        ),
        Resource::Authors => Some(
            "(SELECT COUNT(*) FROM posts_authors oa JOIN posts op ON op.id = oa.post_id \
             WHERE oa.author_id = u.id AND op.type = 'post' AND op.status = 'published')",
        ),
        _ => None,
    }
}

/// Longest `order` accepted; a handful of keys is all a listing can use.
const MAX_ORDER_LENGTH: usize = 256;

/// Ghost's `order`: `field asc|desc`, comma-separated, case-insensitive. Always ends with
/// the id, so equal keys still page in a stable order. As Ghost 6 does, a key naming an unknown
/// (or computed) field or with a bad direction is ignored, not refused; when no key is left the
/// rows come oldest first, not in the resource's default order.
fn compile_order(schema: &Schema, order: &str) -> Result<String, FilterError> {
    if order.len() > MAX_ORDER_LENGTH {
        return Err(FilterError::InvalidOrder { order: order.to_owned(), problem: "it is too long".to_owned() });
    }
    let mut keys = Vec::new();
    let mut first_direction = None;
    for part in order.split(',') {
        let mut words = part.split_whitespace();
        let Some(field) = words.next() else { continue };
        let field = field.to_ascii_lowercase();
        let direction = match words.next().map(str::to_ascii_lowercase).as_deref() {
            Some("asc") => "ASC",
            Some("desc") => "DESC",
            // As Ghost 6: a key without a direction (`order=title`) is ignored, like a bad one.
            None | Some(_) => continue,
        };
        if words.next().is_some() {
            continue;
        }
        // `count.posts` on tags and authors: by how many published posts they have, as Ghost
        // orders them; equal counts oldest first.
        if let Some(count) = post_count_order(schema.resource).filter(|_| field == "count.posts") {
            first_direction.get_or_insert(direction);
            keys.push(format!("{count} {direction}"));
            if let Some(created) = schema.columns.iter().find(|c| c.name == "created_at") {
                keys.push(format!("{} ASC", created.sql));
            }
            continue;
        }
        let Some(column) = schema.columns.iter().find(|c| c.name == field && orderable(c)) else { continue };
        first_direction.get_or_insert(direction);
        let col = column.sql;
        // Both databases are made to sort NULL as the smallest value, as Ghost's MySQL does.
        if column.nullable {
            let nulls = if direction == "ASC" { "DESC" } else { "ASC" };
            keys.push(format!("({col} IS NULL) {nulls}"));
        }
        keys.push(format!("{col} {direction}"));
    }
    if keys.is_empty()
        && let Some(created) = schema.columns.iter().find(|c| c.name == "created_at")
    {
        keys.push(format!("{} ASC", created.sql));
    }
    keys.push(format!("{} {}", schema.id, first_direction.unwrap_or("ASC")));
    Ok(keys.join(", "))
}

macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                Param::Text(v) => query.bind(v.as_str()),
                Param::Int(v) => query.bind(*v),
                Param::Float(v) => query.bind(*v),
                Param::Bool(v) => query.bind(*v),
                Param::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}

impl DbReader {
    /// The ids of one page of a listing, in order, with the number of rows the filter matches.
    /// A filter or order the client got wrong is a [`crate::StorageError::Filter`].
    pub async fn list_ids(&self, listing: &Listing<'_>) -> Result<Paginated<String>> {
        let compiled = compile(listing)?;
        let filter_params = &compiled.params[..compiled.params.len() - 2];
        let count_sql = sqlx::AssertSqlSafe(compiled.count);
        let page_sql = sqlx::AssertSqlSafe(compiled.page);
        let (total, ids): (i64, Vec<String>) = on_db!(self, read, |pool| {
            // Two connections at once: the count and the page each read what the filter matches.
            let count = bind_params!(sqlx::query_scalar(count_sql), filter_params);
            let page = bind_params!(sqlx::query_scalar(page_sql), &compiled.params);
            tokio::try_join!(count.fetch_one(pool), page.fetch_all(pool))?
        });
        Ok(Paginated::new(ids, listing.page, total.max(0) as u64))
    }

    /// Every id the listing's filter matches, in its order, without paging (for exports).
    pub async fn list_all_ids(&self, listing: &Listing<'_>) -> Result<Vec<String>> {
        let mut compiled = compile(listing)?;
        let n = compiled.params.len();
        // The page's LIMIT and OFFSET are the last two parameters.
        compiled.params[n - 2] = Param::Int(i64::MAX);
        compiled.params[n - 1] = Param::Int(0);
        let page_sql = sqlx::AssertSqlSafe(compiled.page);
        Ok(on_db!(self, read, |pool| {
            bind_params!(sqlx::query_scalar(page_sql), &compiled.params).fetch_all(pool).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use masthead_core::nql::parse;

    fn listing(resource: Resource, filter: &Filter) -> Listing<'_> {
        Listing {
            resource,
            scope: Scope::Staff,
            filter: Some(filter),
            order: None,
            page: PageRequest::new(1, 15),
            now: time::macros::datetime!(2024-05-01 12:00:00.75 UTC),
        }
    }

    fn compiled(resource: Resource, nql: &str) -> CompiledListing {
        let filter = parse(nql).expect("valid NQL");
        compile(&listing(resource, &filter)).expect("compiles")
    }

    fn error(resource: Resource, nql: &str) -> String {
        let filter = parse(nql).expect("valid NQL");
        compile(&listing(resource, &filter)).expect_err("refused").to_string()
    }

    #[test]
    fn values_become_parameters_never_sql() {
        let c = compiled(Resource::Posts, "title:'x\\' OR 1=1 --'+tag:[a,b]");
        assert_eq!(
            c.count,
            "SELECT COUNT(*) FROM posts p WHERE p.type = 'post' AND ((p.title = $1 AND p.id IN (SELECT rpt.post_id \
             FROM posts_tags rpt JOIN tags rt ON rt.id = rpt.tag_id WHERE 1 = 1 AND rt.slug IN ($2, $3))))"
        );
        assert_eq!(
            c.params[..3],
            [Param::Text("x' OR 1=1 --".into()), Param::Text("a".into()), Param::Text("b".into())]
        );
        assert!(c.page.ends_with("LIMIT $4 OFFSET $5"), "{}", c.page);
    }

    #[test]
    fn negation_is_the_complement_even_for_null() {
        let c = compiled(Resource::Posts, "custom_excerpt:-x");
        assert!(c.count.ends_with("(NOT COALESCE(p.custom_excerpt = $1, FALSE))"), "{}", c.count);
        let c = compiled(Resource::Posts, "tag:-x");
        assert!(c.count.contains("p.id NOT IN (SELECT rpt.post_id FROM posts_tags"), "{}", c.count);
        let c = compiled(Resource::Posts, "feature_image:-null");
        assert!(c.count.ends_with("(NOT COALESCE(p.feature_image IS NULL, FALSE))"), "{}", c.count);
    }

    #[test]
    fn fractions_of_a_second_fold_into_the_operator() {
        let c = compiled(Resource::Posts, "published_at:>='2024-05-01T10:00:00.5Z'");
        assert!(c.count.ends_with("(p.published_at > $1)"), "{}", c.count);
        assert_eq!(c.params[0], Param::Time(time::macros::datetime!(2024-05-01 10:00:00 UTC)));
        let c = compiled(Resource::Posts, "published_at:<now-1d");
        assert_eq!(c.params[0], Param::Time(time::macros::datetime!(2024-04-30 12:00:00 UTC)), "now is whole seconds");
    }

    #[test]
    fn timestamps_accept_ghost_and_iso_forms() {
        let at = time::macros::datetime!(2017-06-03 23:43:12 UTC);
        assert_eq!(parse_time("2017-06-03 23:43:12"), Some(at));
        assert_eq!(parse_time("2017-06-03T23:43:12Z"), Some(at));
        assert_eq!(parse_time("2017-06-04T01:43:12+02:00"), Some(at));
        assert_eq!(parse_time("2017-06-03T23:43:12.000+00:00"), Some(at));
        assert_eq!(parse_time("2017-06-03T23:43:12"), Some(at));
        assert_eq!(parse_time("2017-06-03"), Some(time::macros::datetime!(2017-06-03 00:00:00 UTC)));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2017-13-03"), None);
    }

    #[test]
    fn wrong_properties_and_values_are_named() {
        assert_eq!(error(Resource::Posts, "passsword:x"), "unknown filter property 'passsword' for posts");
        assert_eq!(error(Resource::Authors, "email:~x"), "unknown filter property 'email' for authors");
        assert_eq!(error(Resource::Tags, "tag:x"), "unknown filter property 'tag' for tags");
        assert_eq!(error(Resource::Posts, "tags.colour:x"), "unknown filter property 'tags.colour' for posts");
        assert_eq!(
            error(Resource::Posts, "featured:maybe"),
            "invalid value for 'featured': expected true or false, got 'maybe'"
        );
        assert_eq!(
            error(Resource::Posts, "published_at:>'yesterday'"),
            "invalid value for 'published_at': expected a date such as '2024-05-01 12:00:00', '2024-05-01T12:00:00Z', \
             2024-05-01, now or now-30d, got 'yesterday'"
        );
        assert_eq!(
            error(Resource::Posts, "reading_time:>soon"),
            "invalid value for 'reading_time': expected a number, got 'soon'"
        );
        assert_eq!(
            error(Resource::Posts, "reading_time:~3"),
            "invalid value for 'reading_time': '~' matches text, and 'reading_time' is not text"
        );
        assert_eq!(
            error(Resource::Posts, "title:>null"),
            "invalid value for 'title': null can only be matched with ':' or ':-', not ':>'"
        );
        assert_eq!(
            error(Resource::Posts, "featured:>true"),
            "invalid value for 'featured': true or false can only be matched with ':' or ':-', not ':>'"
        );
        assert_eq!(
            error(Resource::Posts, "title:now-1d"),
            "invalid value for 'title': expected text, got the relative date now-1d"
        );
    }

    #[test]
    fn orders_follow_the_allowlist_and_end_with_the_id() {
        let schema = Schema::for_resource(Resource::Posts);
        assert_eq!(compile_order(schema, "title ASC, slug desc").as_deref(), Ok("p.title ASC, p.slug DESC, p.id ASC"));
        assert_eq!(
            compile_order(schema, "published_at desc").as_deref(),
            Ok("(p.published_at IS NULL) ASC, p.published_at DESC, p.id DESC")
        );
        // Unknown fields and bad directions are ignored; with nothing left, oldest first.
        assert_eq!(compile_order(schema, "tags.slug").as_deref(), Ok("p.created_at ASC, p.id ASC"));
        assert_eq!(compile_order(schema, "title sideways").as_deref(), Ok("p.created_at ASC, p.id ASC"));
        assert_eq!(compile_order(schema, "reading_time desc").as_deref(), Ok("p.created_at ASC, p.id ASC"));
        assert_eq!(compile_order(schema, "bogus, slug desc").as_deref(), Ok("p.slug DESC, p.id DESC"));
        assert_eq!(compile_order(schema, "title,,slug desc").as_deref(), Ok("p.slug DESC, p.id DESC"));
        assert_eq!(compile_order(schema, "title").as_deref(), Ok("p.created_at ASC, p.id ASC"), "no direction");
        let members = Schema::for_resource(Resource::Members);
        assert_eq!(
            compile_order(members, "subscribed").as_deref(),
            Ok("m.created_at ASC, m.id ASC"),
            "computed properties do not order"
        );
        assert!(compile_order(schema, &"title,".repeat(100)).is_err(), "an overlong order is refused");
    }
}

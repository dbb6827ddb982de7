//! Reading a Ghost export as a stream, so that a file of any size is imported in bounded
//! memory. The whole file is checked in one pass ([`scan`]) before anything is imported: a file
//! that is not JSON, or not a Ghost export, is refused as a whole, exactly as when it was read
//! at once. That pass keeps the small tables (staff, tags, settings, ...), hands each row of
//! the post link tables (`posts_meta`, `posts_tags`, ...) to a [`RowSink`] as it is read, counts
//! the rows of the tables Masthead does not import, and notes where each post starts and ends
//! in the file without keeping its body. Posts are then read back one at a time from those
//! positions ([`PostReader`]): relations may come after the posts in the file, and the posts are
//! by far its largest part.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, BufRead, Read, Seek};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The tables whose rows go to the [`RowSink`] one by one instead of being kept.
pub(crate) const STREAMED_TABLES: [&str; 4] = ["posts_meta", "posts_tags", "posts_authors", "posts_products"];

/// Receives the rows of [`STREAMED_TABLES`] as they are read.
pub(crate) trait RowSink: Default {
    fn row(&mut self, table: &str, index: usize, row: Value);
}

/// Where one row of `posts` is in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PostAt {
    /// An object, from `start` (its `{`) to `end` (just after its `}`), in bytes.
    Object { start: u64, end: u64 },
    /// Not an object: what it is instead, for the row's message.
    Other(&'static str),
}

/// The first database of an export, as [`scan`] leaves it.
#[derive(Debug)]
pub(crate) struct Scanned<S> {
    pub version: Option<String>,
    /// Further entries of the `db` array (Ghost writes one); they are reported, not read.
    pub ignored_databases: usize,
    /// The tables kept whole: every table Masthead reads except `posts` and [`STREAMED_TABLES`].
    pub tables: Map<String, Value>,
    /// `posts` and [`STREAMED_TABLES`] when they are something other than a list (or null).
    pub not_lists: HashMap<String, &'static str>,
    /// The rows of `posts`, in file order.
    pub posts: Vec<PostAt>,
    /// Row counts of the tables Masthead does not import, by name.
    pub other_tables: BTreeMap<String, usize>,
    pub sink: S,
}

/// Why a file was not scanned.
#[derive(Debug)]
pub(crate) enum ScanError {
    Json(serde_json::Error),
    NotGhostExport(String),
}

/// Reads a whole export from `reader` (which should be buffered) in bounded memory.
/// `keep(table)` says whether a table other than `posts` and [`STREAMED_TABLES`] is kept whole;
/// the rows of any other table are only counted.
pub(crate) fn scan<R: Read, S: RowSink>(reader: R, keep: fn(&str) -> bool) -> Result<Scanned<S>, ScanError> {
    let position = Rc::new(Cell::new(0u64));
    let counted = Counted { inner: reader, position: position.clone() };
    let mut deserializer = serde_json::Deserializer::from_reader(counted);
    let top = TopSeed::<S> { position: &position, keep, sink: std::marker::PhantomData }
        .deserialize(&mut deserializer)
        .map_err(ScanError::Json)?;
    deserializer.end().map_err(ScanError::Json)?;
    top.map_err(ScanError::NotGhostExport)
}

/// Counts the bytes the JSON parser has taken. serde_json reads one byte at a time from an
/// `io::Read`, so when it hands a map to a visitor the count is just past the map's `{`, and
/// when the map's last entry has been read it is just past its `}`.
struct Counted<R> {
    inner: R,
    position: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
}

/// Reads the posts back from the positions [`scan`] noted, in file order.
pub(crate) struct PostReader<R> {
    source: R,
    at: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead + Seek> PostReader<R> {
    /// `source` must be positioned at the start of the file.
    pub fn new(source: R) -> Self {
        Self { source, at: 0, buffer: Vec::new() }
    }

    /// The post at `start..end`. Posts must be asked for in file order.
    pub fn read(&mut self, start: u64, end: u64) -> io::Result<Value> {
        let changed = || io::Error::other("the file changed while it was being imported");
        if start < self.at || end < start {
            return Err(changed());
        }
        let skip = i64::try_from(start - self.at).map_err(|_| changed())?;
        self.source.seek_relative(skip)?;
        let len = usize::try_from(end - start).map_err(|_| changed())?;
        self.buffer.resize(len, 0);
        self.source.read_exact(&mut self.buffer).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => changed(),
            _ => e,
        })?;
        self.at = end;
        match serde_json::from_slice::<Value>(&self.buffer) {
            Ok(value @ Value::Object(_)) => Ok(value),
            _ => Err(changed()),
        }
    }
}

/// What a value was when it was not what was expected, as [`super::format::kind`] says it.
const NULL: &str = "null";
const BOOLEAN: &str = "a boolean";
const NUMBER: &str = "a number";
const TEXT: &str = "text";
const LIST: &str = "a list";
const OBJECT: &str = "an object";

/// A value of the expected shape, or the kind of value found instead (already skipped).
enum Shaped<T> {
    Is(T),
    Not(&'static str),
}

/// Visitor methods for the scalar kinds, each answering [`Shaped::Not`].
macro_rules! not_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Shaped::Not(BOOLEAN))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Shaped::Not(NUMBER))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Shaped::Not(NUMBER))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Shaped::Not(NUMBER))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Shaped::Not(TEXT))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Shaped::Not(NULL))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Shaped::Not(NULL))
        }
    };
}

/// Skips the rest of a list.
fn skip_list<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<usize, A::Error> {
    let mut count = 0;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        count += 1;
    }
    Ok(count)
}

/// Skips the rest of an object.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// One database entry (`{"meta", "data"}`), before its shape is checked.
struct Database<S> {
    version: Option<String>,
    data: Option<Shaped<Tables<S>>>,
}

impl<S> Database<S> {
    fn into_scanned(self, ignored_databases: usize) -> Result<Scanned<S>, String> {
        match self.data {
            Some(Shaped::Is(tables)) => Ok(Scanned {
                version: self.version,
                ignored_databases,
                tables: tables.kept,
                not_lists: tables.not_lists,
                posts: tables.posts,
                other_tables: tables.other,
                sink: tables.sink,
            }),
            Some(Shaped::Not(kind)) => Err(format!("\"data\" is {kind}, not an object of tables")),
            None => Err("there is no \"data\" object: this is not a Ghost export".into()),
        }
    }
}

struct Tables<S> {
    kept: Map<String, Value>,
    not_lists: HashMap<String, &'static str>,
    posts: Vec<PostAt>,
    other: BTreeMap<String, usize>,
    sink: S,
}

fn version_of(meta: &Value) -> Option<String> {
    meta.get("version").and_then(Value::as_str).map(str::to_owned)
}

/// The top level: `{"db": [database, ...]}`, or a bare database.
struct TopSeed<'p, S> {
    position: &'p Rc<Cell<u64>>,
    keep: fn(&str) -> bool,
    sink: std::marker::PhantomData<S>,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for TopSeed<'_, S> {
    type Value = Result<Scanned<S>, String>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: RowSink> Visitor<'de> for TopSeed<'_, S> {
    type Value = Result<Scanned<S>, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Ghost export")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut db: Option<Result<Scanned<S>, String>> = None;
        let mut bare = Database { version: None, data: None };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "db" => {
                    db = Some(map.next_value_seed(DbSeed::<S> {
                        position: self.position,
                        keep: self.keep,
                        sink: self.sink,
                    })?)
                }
                // Once there is a "db" list, the top level's own data is not the export.
                "data" if db.is_none() => {
                    bare.data = Some(map.next_value_seed(DataSeed::<S> {
                        position: self.position,
                        keep: self.keep,
                        sink: self.sink,
                    })?);
                }
                "meta" => bare.version = version_of(&map.next_value::<Value>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(db.unwrap_or_else(|| bare.into_scanned(0)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_list(seq)?;
        Ok(Err(format!("the top level is {LIST}, not an object with \"db\" or \"data\"")))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(not_top(BOOLEAN))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(not_top(NUMBER))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(not_top(NUMBER))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(not_top(NUMBER))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(not_top(TEXT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(not_top(NULL))
    }
}

fn not_top<S>(kind: &str) -> Result<Scanned<S>, String> {
    Err(format!("the top level is {kind}, not an object with \"db\" or \"data\""))
}

/// `"db"`: a list whose first entry is read and whose others are counted.
struct DbSeed<'p, S> {
    position: &'p Rc<Cell<u64>>,
    keep: fn(&str) -> bool,
    sink: std::marker::PhantomData<S>,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for DbSeed<'_, S> {
    type Value = Result<Scanned<S>, String>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let shaped = deserializer.deserialize_any(self)?;
        Ok(match shaped {
            Shaped::Is(scanned) => scanned,
            Shaped::Not(kind) => Err(format!("\"db\" is {kind}, not a list")),
        })
    }
}

impl<'de, S: RowSink> Visitor<'de> for DbSeed<'_, S> {
    type Value = Shaped<Result<Scanned<S>, String>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of databases")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let first =
            seq.next_element_seed(DatabaseSeed::<S> { position: self.position, keep: self.keep, sink: self.sink })?;
        let Some(first) = first else { return Ok(Shaped::Is(Err("\"db\" is an empty list".into()))) };
        let ignored = skip_list(seq)?;
        Ok(Shaped::Is(match first {
            Shaped::Is(database) => database.into_scanned(ignored),
            Shaped::Not(kind) => Err(format!("the database entry is {kind}, not an object")),
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Shaped::Not(OBJECT))
    }

    not_scalars!();
}

/// One database entry: `{"meta": {...}, "data": {...}}`.
struct DatabaseSeed<'p, S> {
    position: &'p Rc<Cell<u64>>,
    keep: fn(&str) -> bool,
    sink: std::marker::PhantomData<S>,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for DatabaseSeed<'_, S> {
    type Value = Shaped<Database<S>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: RowSink> Visitor<'de> for DatabaseSeed<'_, S> {
    type Value = Shaped<Database<S>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a database entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut database = Database { version: None, data: None };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "meta" => database.version = version_of(&map.next_value::<Value>()?),
                "data" => {
                    database.data = Some(map.next_value_seed(DataSeed::<S> {
                        position: self.position,
                        keep: self.keep,
                        sink: self.sink,
                    })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shaped::Is(database))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_list(seq)?;
        Ok(Shaped::Not(LIST))
    }

    not_scalars!();
}

/// `"data"`: the tables.
struct DataSeed<'p, S> {
    position: &'p Rc<Cell<u64>>,
    keep: fn(&str) -> bool,
    sink: std::marker::PhantomData<S>,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for DataSeed<'_, S> {
    type Value = Shaped<Tables<S>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: RowSink> Visitor<'de> for DataSeed<'_, S> {
    type Value = Shaped<Tables<S>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tables = Tables {
            kept: Map::new(),
            not_lists: HashMap::new(),
            posts: Vec::new(),
            other: BTreeMap::new(),
            sink: S::default(),
        };
        while let Some(table) = map.next_key::<String>()? {
            if table == "posts" {
                match map.next_value_seed(PostsSeed { position: self.position })? {
                    Shaped::Is(posts) => {
                        tables.not_lists.remove("posts");
                        tables.posts = posts;
                    }
                    Shaped::Not(NULL) => {}
                    Shaped::Not(kind) => {
                        tables.not_lists.insert(table, kind);
                    }
                }
            } else if let Some(streamed) = STREAMED_TABLES.iter().copied().find(|t| *t == table) {
                match map.next_value_seed(StreamSeed { table: streamed, sink: &mut tables.sink })? {
                    Shaped::Is(()) | Shaped::Not(NULL) => {}
                    Shaped::Not(kind) => {
                        tables.not_lists.insert(table, kind);
                    }
                }
            } else if (self.keep)(&table) {
                let value = map.next_value::<Value>()?;
                tables.kept.insert(table, value);
            } else {
                // Only lists are counted: anything else is not a table of rows at all.
                match map.next_value_seed(CountSeed)? {
                    Some(count) => {
                        tables.other.insert(table, count);
                    }
                    None => {
                        tables.other.remove(&table);
                    }
                }
            }
        }
        Ok(Shaped::Is(tables))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_list(seq)?;
        Ok(Shaped::Not(LIST))
    }

    not_scalars!();
}

/// `"posts"`: where each row is.
struct PostsSeed<'p> {
    position: &'p Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for PostsSeed<'_> {
    type Value = Shaped<Vec<PostAt>>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PostsSeed<'_> {
    type Value = Shaped<Vec<PostAt>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of posts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut posts = Vec::new();
        while let Some(post) = seq.next_element_seed(PostSeed { position: self.position })? {
            posts.push(post);
        }
        Ok(Shaped::Is(posts))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Shaped::Not(OBJECT))
    }

    not_scalars!();
}

/// One row of `posts`: its place in the file, its text skipped.
struct PostSeed<'p> {
    position: &'p Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for PostSeed<'_> {
    type Value = PostAt;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(match deserializer.deserialize_any(self)? {
            Shaped::Is(at) => at,
            Shaped::Not(kind) => PostAt::Other(kind),
        })
    }
}

impl<'de> Visitor<'de> for PostSeed<'_> {
    type Value = Shaped<PostAt>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a post")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // The parser has taken the `{` and nothing after it.
        let start = self.position.get() - 1;
        skip_map(map)?;
        // It has looked at the closing `}` to find there is no further entry.
        let end = self.position.get();
        Ok(Shaped::Is(PostAt::Object { start, end }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_list(seq)?;
        Ok(Shaped::Not(LIST))
    }

    not_scalars!();
}

/// A streamed table: each row goes to the sink as soon as it is read.
struct StreamSeed<'s, S> {
    table: &'static str,
    sink: &'s mut S,
}

impl<'de, S: RowSink> DeserializeSeed<'de> for StreamSeed<'_, S> {
    type Value = Shaped<()>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: RowSink> Visitor<'de> for StreamSeed<'_, S> {
    type Value = Shaped<()>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        while let Some(row) = seq.next_element::<Value>()? {
            self.sink.row(self.table, index, row);
            index += 1;
        }
        Ok(Shaped::Is(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Shaped::Not(OBJECT))
    }

    not_scalars!();
}

/// A table Masthead does not import: its row count when it is a list.
struct CountSeed;

impl<'de> DeserializeSeed<'de> for CountSeed {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Ok(match deserializer.deserialize_any(self)? {
            Shaped::Is(count) => Some(count),
            Shaped::Not(_) => None,
        })
    }
}

impl<'de> Visitor<'de> for CountSeed {
    type Value = Shaped<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(Shaped::Is(skip_list(seq)?))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Shaped::Not(OBJECT))
    }

    not_scalars!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Rows(Vec<(String, usize, Value)>);

    impl RowSink for Rows {
        fn row(&mut self, table: &str, index: usize, row: Value) {
            self.0.push((table.to_owned(), index, row));
        }
    }

    fn keep(table: &str) -> bool {
        table == "tags"
    }

    fn scanned(text: &str) -> Result<Scanned<Rows>, String> {
        scan::<_, Rows>(text.as_bytes(), keep).map_err(|e| match e {
            ScanError::Json(e) => format!("json: {e}"),
            ScanError::NotGhostExport(e) => e,
        })
    }

    #[test]
    fn posts_are_found_where_they_are_and_read_back() {
        let text = r#"{"db": [{"meta": {"version": "6.1.0"}, "data": {
            "posts": [ {"id": "a", "html": "<p>{x}</p>"} , 7, {}, {"id": "b", "n": [1, {"k": "}"}]}],
            "posts_tags": [{"post_id": "a", "tag_id": "t"}],
            "tags": [{"id": "t"}],
            "members": [{}, {}],
            "actions": {"not": "a list"},
            "posts_meta": "oops"
        }}, {"data": {}}]}"#;
        let scanned = scanned(text).expect("scans");
        assert_eq!(scanned.version.as_deref(), Some("6.1.0"));
        assert_eq!(scanned.ignored_databases, 1);
        assert_eq!(scanned.tables.keys().collect::<Vec<_>>(), ["tags"]);
        assert_eq!(scanned.other_tables, BTreeMap::from([("members".to_owned(), 2)]));
        assert_eq!(scanned.not_lists, HashMap::from([("posts_meta".to_owned(), TEXT)]));
        assert_eq!(
            scanned.sink.0,
            vec![("posts_tags".to_owned(), 0, serde_json::json!({"post_id": "a", "tag_id": "t"}))]
        );
        assert_eq!(scanned.posts.len(), 4);
        assert_eq!(scanned.posts[1], PostAt::Other(NUMBER));
        let mut reader = PostReader::new(io::Cursor::new(text.as_bytes()));
        let mut read = Vec::new();
        for post in &scanned.posts {
            if let PostAt::Object { start, end } = post {
                read.push(reader.read(*start, *end).expect("reads back"));
            }
        }
        assert_eq!(
            read,
            [
                serde_json::json!({"id": "a", "html": "<p>{x}</p>"}),
                serde_json::json!({}),
                serde_json::json!({"id": "b", "n": [1, {"k": "}"}]})
            ]
        );
    }

    #[test]
    fn envelopes_and_their_faults_read_as_before() {
        let bare = scanned(r#"{"meta": {"version": "2.0"}, "data": {"posts": []}}"#).expect("bare");
        assert_eq!(bare.version.as_deref(), Some("2.0"));
        assert_eq!(bare.ignored_databases, 0);
        // A "db" list wins over a bare "data", wherever it is.
        let both = scanned(r#"{"data": {"posts": [{}]}, "db": [{"data": {"posts": []}}]}"#).expect("db");
        assert!(both.posts.is_empty());
        for (text, message) in [
            ("[1]", "the top level is a list, not an object with \"db\" or \"data\""),
            ("\"x\"", "the top level is text, not an object with \"db\" or \"data\""),
            (r#"{"db": []}"#, "\"db\" is an empty list"),
            (r#"{"db": {}}"#, "\"db\" is an object, not a list"),
            (r#"{"db": [3]}"#, "the database entry is a number, not an object"),
            (r#"{"db": [{"data": []}]}"#, "\"data\" is a list, not an object of tables"),
            (r#"{"posts": []}"#, "there is no \"data\" object: this is not a Ghost export"),
        ] {
            assert_eq!(scanned(text).err().as_deref(), Some(message), "{text}");
        }
        assert!(scanned(r#"{"db": [{"data": {}}]} x"#).err().is_some_and(|e| e.starts_with("json: trailing")));
    }

    #[test]
    fn a_changed_file_is_noticed() {
        let text = r#"{"data": {"posts": [{"id": "a"}]}}"#;
        let scanned = scanned(text).expect("scans");
        let PostAt::Object { start, end } = scanned.posts[0] else { panic!("an object") };
        let changed = text.replace("{\"id\"", "[\"id\"");
        let mut reader = PostReader::new(io::Cursor::new(changed.as_bytes()));
        assert!(reader.read(start, end).is_err());
        let mut reader = PostReader::new(io::Cursor::new(&text.as_bytes()[..20]));
        assert!(reader.read(start, end).is_err());
    }
}

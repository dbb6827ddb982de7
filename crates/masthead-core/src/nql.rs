//! Ghost's NQL filter language (`?filter=` on browse endpoints), parsed into a [`Filter`] tree.
//!
//! The grammar follows Ghost's `nql-lang`:
//!
//! ```text
//! filter     := or
//! or         := and (',' and)*             -- ',' is OR
//! and        := atom ('+' atom)*           -- '+' is AND and binds tighter than ','
//! atom       := '(' or ')' | comparison
//! comparison := property ':' operator
//! property   := [a-zA-Z_][a-zA-Z0-9_.]*    -- lower-cased, directly followed by ':'
//! operator   := value                      -- equals
//!             | '-' value                  -- not equal
//!             | ('>' | '>=' | '<' | '<=') value
//!             | '-'? '[' value (',' value)* ']'          -- in / not in
//!             | '-'? ('~' | '~^' | '~$') value           -- contains / starts / ends with
//! value      := null | true | false        -- any case
//!             | number                     -- 12, 3.5
//!             | 'quoted string'            -- backslash escapes anything, e.g. \'
//!             | now[+-]N[dwMyhms]          -- relative date, e.g. now-30d
//!             | literal                    -- no whitespace, may not start with '-';
//!                                          -- ' " + , ( ) > < = [ ] need a backslash
//! ```
//!
//! Whitespace between tokens is skipped. This module only checks the syntax; whether a
//! property exists, and whether a value suits it, is decided where the filter is turned into a
//! query (in storage), because that depends on the resource being listed.

use std::fmt;

use time::OffsetDateTime;

/// Longest filter accepted, in bytes. Real filters are a few dozen characters; the cap keeps a
/// hostile query string from costing more than a trivial amount of parsing and SQL.
pub const MAX_LENGTH: usize = 4096;

/// Deepest nesting of parentheses accepted. The parser recurses once per level.
pub const MAX_DEPTH: usize = 32;

/// A parsed filter.
///
/// `And` and `Or` always hold at least two children, and keep the grouping that was written:
/// `a+(b+c)` is `And[a, And[b, c]]`, so printing a filter and parsing it again gives the same tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    /// `field:value` with any operator other than a list.
    Compare {
        field: String,
        op: CompareOp,
        value: Value,
    },
    /// `field:[a,b]` (`negated: false`) or `field:-[a,b]` (`negated: true`).
    In {
        field: String,
        values: Vec<Value>,
        negated: bool,
    },
}

/// The operator of a [`Filter::Compare`]. Each negated form matches exactly the rows the
/// positive form does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// no operator
    Eq,
    /// `-`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `~`
    Contains,
    /// `-~`
    NotContains,
    /// `~^`
    StartsWith,
    /// `-~^`
    NotStartsWith,
    /// `~$`
    EndsWith,
    /// `-~$`
    NotEndsWith,
}

impl CompareOp {
    /// The operator as written after the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "",
            CompareOp::Ne => "-",
            CompareOp::Gt => ">",
            CompareOp::Gte => ">=",
            CompareOp::Lt => "<",
            CompareOp::Lte => "<=",
            CompareOp::Contains => "~",
            CompareOp::NotContains => "-~",
            CompareOp::StartsWith => "~^",
            CompareOp::NotStartsWith => "-~^",
            CompareOp::EndsWith => "~$",
            CompareOp::NotEndsWith => "-~$",
        }
    }

    /// True for the operators that match part of a text (`~`, `~^`, `~$` and their negations).
    pub fn is_text_match(self) -> bool {
        matches!(
            self,
            CompareOp::Contains
                | CompareOp::NotContains
                | CompareOp::StartsWith
                | CompareOp::NotStartsWith
                | CompareOp::EndsWith
                | CompareOp::NotEndsWith
        )
    }
}

/// A value on the right of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number written without a fraction, e.g. `12`.
    Int(i64),
    /// A number written with a fraction, e.g. `3.5`.
    Float(f64),
    /// A quoted string or an unquoted literal, escapes resolved. A number that would not print
    /// back exactly as written (`007`, `1.50`) is kept as text, so slugs and codes made of
    /// digits keep their spelling.
    Text(String),
    /// `now-30d` is `{ amount: -30, unit: Days }`; see [`Value::resolve_relative`].
    Relative {
        amount: i64,
        unit: DateUnit,
    },
}

/// The unit of a relative date, as Ghost spells them (`M` is months, `m` minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl DateUnit {
    fn from_char(c: char) -> Option<Self> {
        Some(match c {
            's' => DateUnit::Seconds,
            'm' => DateUnit::Minutes,
            'h' => DateUnit::Hours,
            'd' => DateUnit::Days,
            'w' => DateUnit::Weeks,
            'M' => DateUnit::Months,
            'y' => DateUnit::Years,
            _ => return None,
        })
    }

    pub fn as_char(self) -> char {
        match self {
            DateUnit::Seconds => 's',
            DateUnit::Minutes => 'm',
            DateUnit::Hours => 'h',
            DateUnit::Days => 'd',
            DateUnit::Weeks => 'w',
            DateUnit::Months => 'M',
            DateUnit::Years => 'y',
        }
    }
}

impl Value {
    /// The instant `now ± amount unit`, or `None` when it falls outside the representable range.
    /// Months and years move the calendar date and clamp the day (`Mar 31 - 1M` is `Feb 28/29`).
    pub fn resolve_relative(amount: i64, unit: DateUnit, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let seconds = |per: i64| amount.checked_mul(per).map(time::Duration::seconds);
        match unit {
            DateUnit::Seconds => now.checked_add(time::Duration::seconds(amount)),
            DateUnit::Minutes => now.checked_add(seconds(60)?),
            DateUnit::Hours => now.checked_add(seconds(3_600)?),
            DateUnit::Days => now.checked_add(seconds(86_400)?),
            DateUnit::Weeks => now.checked_add(seconds(604_800)?),
            DateUnit::Months => add_months(now, amount),
            DateUnit::Years => add_months(now, amount.checked_mul(12)?),
        }
    }
}

fn add_months(at: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let index = i64::from(at.year()).checked_mul(12)?.checked_add(i64::from(u8::from(at.month())) - 1)?;
    let target = index.checked_add(months)?;
    let year = i32::try_from(target.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(target.rem_euclid(12) + 1).ok()?).ok()?;
    let day = at.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(at.replace_date(date))
}

/// Why a filter could not be parsed. Every message is meant for the API client: it names the
/// position (1-based, in characters) and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NqlError {
    #[error("the filter is empty")]
    Empty,
    #[error("the filter is {length} bytes long; at most {max} are allowed")]
    TooLong { length: usize, max: usize },
    #[error("groups nest too deeply at character {position}; at most {max} levels are allowed")]
    TooDeep { position: usize, max: usize },
    #[error("unexpected {found} at character {position}; expected {expected}")]
    Unexpected { position: usize, found: String, expected: &'static str },
    #[error("unterminated string starting at character {position}; expected a closing '")]
    UnterminatedString { position: usize },
    #[error("a backslash at character {position} ends the filter; expected a character to escape")]
    DanglingEscape { position: usize },
    #[error("relative date at character {position} is out of range")]
    RelativeOutOfRange { position: usize },
}

/// Parses an NQL filter.
pub fn parse(input: &str) -> Result<Filter, NqlError> {
    if input.len() > MAX_LENGTH {
        return Err(NqlError::TooLong { length: input.len(), max: MAX_LENGTH });
    }
    if input.trim().is_empty() {
        return Err(NqlError::Empty);
    }
    let mut parser = Parser { chars: input.chars().collect(), at: 0, depth: 0 };
    let filter = parser.or()?;
    parser.skip_whitespace();
    match parser.peek() {
        None => Ok(filter),
        Some(')') => Err(parser.unexpected("'+', ',' or the end of the filter (no group is open)")),
        Some(_) => Err(parser.unexpected("'+', ',' or the end of the filter")),
    }
}

/// Characters that end an unquoted literal unless escaped with a backslash.
fn is_special(c: char) -> bool {
    matches!(c, '\'' | '"' | '+' | ',' | '(' | ')' | '>' | '<' | '=' | '[' | ']')
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn unexpected(&self, expected: &'static str) -> NqlError {
        self.unexpected_at(self.at, expected)
    }

    fn unexpected_at(&self, at: usize, expected: &'static str) -> NqlError {
        let found = match self.chars.get(at) {
            None => "end of the filter".to_owned(),
            Some(c) if c.is_whitespace() => "whitespace".to_owned(),
            Some(c) => format!("'{c}'"),
        };
        NqlError::Unexpected { position: at + 1, found, expected }
    }

    fn or(&mut self) -> Result<Filter, NqlError> {
        let mut parts = vec![self.and()?];
        loop {
            self.skip_whitespace();
            if self.peek() != Some(',') {
                break;
            }
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::Or(parts) })
    }

    fn and(&mut self) -> Result<Filter, NqlError> {
        let mut parts = vec![self.atom()?];
        loop {
            self.skip_whitespace();
            if self.peek() != Some('+') {
                break;
            }
            self.at += 1;
            parts.push(self.atom()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::And(parts) })
    }

    fn atom(&mut self) -> Result<Filter, NqlError> {
        self.skip_whitespace();
        match self.peek() {
            Some('(') => {
                if self.depth >= MAX_DEPTH {
                    return Err(NqlError::TooDeep { position: self.at + 1, max: MAX_DEPTH });
                }
                self.depth += 1;
                self.at += 1;
                let inner = self.or()?;
                self.skip_whitespace();
                if self.peek() != Some(')') {
                    return Err(self.unexpected("')' to close the group, '+' or ','"));
                }
                self.at += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => self.comparison(),
            _ => Err(self.unexpected("a property name or '('")),
        }
    }

    fn comparison(&mut self) -> Result<Filter, NqlError> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            self.at += 1;
        }
        let field: String = self.chars[start..self.at].iter().collect::<String>().to_ascii_lowercase();
        if self.peek() != Some(':') {
            return Err(self.unexpected("':' directly after the property name"));
        }
        self.at += 1;
        self.skip_whitespace();

        let negated = self.peek() == Some('-');
        if negated {
            self.at += 1;
            self.skip_whitespace();
        }
        let op = match (self.peek(), self.peek_at(1)) {
            (Some('['), _) => {
                let values = self.list()?;
                return Ok(Filter::In { field, values, negated });
            }
            (Some('~'), Some('^')) => (2, if negated { CompareOp::NotStartsWith } else { CompareOp::StartsWith }),
            (Some('~'), Some('$')) => (2, if negated { CompareOp::NotEndsWith } else { CompareOp::EndsWith }),
            (Some('~'), _) => (1, if negated { CompareOp::NotContains } else { CompareOp::Contains }),
            (Some('>' | '<'), _) if negated => {
                return Err(self.unexpected("a value, '[' or '~' after '-' ('>' and '<' cannot be negated)"));
            }
            (Some('>'), Some('=')) => (2, CompareOp::Gte),
            (Some('>'), _) => (1, CompareOp::Gt),
            (Some('<'), Some('=')) => (2, CompareOp::Lte),
            (Some('<'), _) => (1, CompareOp::Lt),
            _ => (0, if negated { CompareOp::Ne } else { CompareOp::Eq }),
        };
        let (width, op) = op;
        self.at += width;
        self.skip_whitespace();
        let value = self.value()?;
        Ok(Filter::Compare { field, op, value })
    }

    fn list(&mut self) -> Result<Vec<Value>, NqlError> {
        self.at += 1; // '['
        let mut values = Vec::new();
        loop {
            self.skip_whitespace();
            values.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(']') => {
                    self.at += 1;
                    return Ok(values);
                }
                _ => return Err(self.unexpected("',' or ']' in the list")),
            }
        }
    }

    fn value(&mut self) -> Result<Value, NqlError> {
        match self.peek() {
            Some('\'') => self.quoted(),
            Some('-') => Err(self.unexpected("a value (a literal may not start with '-'; quote it)")),
            Some('"') => Err(self.unexpected("a value (strings take single quotes)")),
            Some(c) if c.is_whitespace() || is_special(c) => Err(self.unexpected("a value")),
            None => Err(self.unexpected("a value")),
            Some(_) => match self.relative()? {
                Some(value) => Ok(value),
                None => self.literal(),
            },
        }
    }

    /// A relative date is read ahead of literals because `+` would otherwise end the literal.
    fn relative(&mut self) -> Result<Option<Value>, NqlError> {
        let rest = &self.chars[self.at..];
        if !(rest.starts_with(&['n', 'o', 'w']) && matches!(rest.get(3), Some('+' | '-'))) {
            return Ok(None);
        }
        let digits = rest[4..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = 4 + digits + 1;
        let unit_ok = rest.get(end - 1).is_some_and(|&c| DateUnit::from_char(c).is_some());
        let ends_there = rest.get(end).is_none_or(|&c| c.is_whitespace() || is_special(c));
        if digits == 0 || !unit_ok || !ends_there {
            return Ok(None);
        }
        let word: String = rest[..end].iter().collect();
        match relative_date(&word) {
            None => Ok(None),
            Some(Err(())) => Err(NqlError::RelativeOutOfRange { position: self.at + 1 }),
            Some(Ok(value)) => {
                self.at += end;
                Ok(Some(value))
            }
        }
    }

    fn quoted(&mut self) -> Result<Value, NqlError> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(NqlError::UnterminatedString { position: start + 1 }),
                Some('\\') => match self.peek_at(1) {
                    Some(c) => {
                        text.push(c);
                        self.at += 2;
                    }
                    None => return Err(NqlError::UnterminatedString { position: start + 1 }),
                },
                Some('\'') => {
                    self.at += 1;
                    return Ok(Value::Text(text));
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Value, NqlError> {
        let start = self.at;
        let mut text = String::new();
        let mut escaped = false;
        while let Some(c) = self.peek() {
            if c == '\\' {
                let Some(next) = self.peek_at(1) else {
                    return Err(NqlError::DanglingEscape { position: self.at + 1 });
                };
                text.push(next);
                escaped = true;
                self.at += 2;
            } else if c.is_whitespace() || is_special(c) {
                break;
            } else {
                text.push(c);
                self.at += 1;
            }
        }
        if escaped {
            return Ok(Value::Text(text));
        }
        classify_literal(text).map_err(|()| NqlError::RelativeOutOfRange { position: start + 1 })
    }
}

/// Reads an unquoted literal as a keyword, number, relative date or text. `Err` only for a
/// relative date whose amount does not fit.
fn classify_literal(text: String) -> Result<Value, ()> {
    match text.to_ascii_lowercase().as_str() {
        "null" => return Ok(Value::Null),
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        _ => {}
    }
    if let Some(relative) = relative_date(&text) {
        return relative;
    }
    if let Some(number) = number(&text) {
        return Ok(number);
    }
    Ok(Value::Text(text))
}

fn relative_date(text: &str) -> Option<Result<Value, ()>> {
    let rest = text.strip_prefix("now")?;
    let mut chars = rest.chars();
    let sign = match chars.next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let unit = DateUnit::from_char(rest.chars().last()?)?;
    let digits = &rest[1..rest.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<i64>().map(|n| Value::Relative { amount: sign * n, unit }).map_err(|_| ()))
}

/// A number, when `text` is one and prints back exactly as written.
fn number(text: &str) -> Option<Value> {
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    let value = match fraction {
        None => Value::Int(text.parse().ok()?),
        Some(_) => Value::Float(text.parse().ok()?),
    };
    (value_to_string(&value) == text).then_some(value)
}

fn float_to_string(f: f64) -> String {
    let s = f.to_string();
    if s.contains('.') || !f.is_finite() { s } else { format!("{s}.0") }
}

fn value_to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_to_string(*f),
        Value::Relative { amount, unit } => {
            let sign = if *amount < 0 { '-' } else { '+' };
            format!("now{sign}{}{}", amount.unsigned_abs(), unit.as_char())
        }
        Value::Text(text) => {
            let plain = !text.is_empty()
                // After the colon these would be read as operators.
                && !text.starts_with(['-', '~', '^', '$'])
                && text.chars().all(|c| !c.is_whitespace() && !is_special(c) && c != '\\')
                && classify_literal(text.clone()) == Ok(Value::Text(text.clone()));
            if plain {
                text.clone()
            } else {
                let mut quoted = String::with_capacity(text.len() + 2);
                quoted.push('\'');
                for c in text.chars() {
                    if c == '\'' || c == '\\' {
                        quoted.push('\\');
                    }
                    quoted.push(c);
                }
                quoted.push('\'');
                quoted
            }
        }
    }
}

/// Prints canonical NQL: no whitespace, text unquoted when it can be, parentheses only where
/// they change the tree.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&value_to_string(self))
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |f: &mut fmt::Formatter<'_>, parts: &[Filter], separator: char, wrap: fn(&Filter) -> bool| {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, "{separator}")?;
                }
                if wrap(part) { write!(f, "({part})")? } else { write!(f, "{part}")? }
            }
            Ok(())
        };
        match self {
            Filter::And(parts) => group(f, parts, '+', |p| matches!(p, Filter::And(_) | Filter::Or(_))),
            Filter::Or(parts) => group(f, parts, ',', |p| matches!(p, Filter::Or(_))),
            Filter::Compare { field, op, value } => write!(f, "{field}:{}{value}", op.as_str()),
            Filter::In { field, values, negated } => {
                write!(f, "{field}:{}[", if *negated { "-" } else { "" })?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cmp(field: &str, op: CompareOp, value: Value) -> Filter {
        Filter::Compare { field: field.into(), op, value }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn parsed(input: &str) -> Filter {
        parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
    }

    fn error(input: &str) -> String {
        parse(input).expect_err(&format!("{input:?} should not parse")).to_string()
    }

    #[test]
    fn every_operator() {
        use CompareOp::*;
        let cases = [
            ("status:draft", Eq),
            ("status:-draft", Ne),
            ("status:>draft", Gt),
            ("status:>=draft", Gte),
            ("status:<draft", Lt),
            ("status:<=draft", Lte),
            ("status:~draft", Contains),
            ("status:-~draft", NotContains),
            ("status:~^draft", StartsWith),
            ("status:-~^draft", NotStartsWith),
            ("status:~$draft", EndsWith),
            ("status:-~$draft", NotEndsWith),
        ];
        for (input, op) in cases {
            assert_eq!(parsed(input), cmp("status", op, text("draft")), "{input}");
        }
        assert_eq!(
            parsed("tag:[news, 'big story',3]"),
            Filter::In {
                field: "tag".into(),
                values: vec![text("news"), text("big story"), Value::Int(3)],
                negated: false
            }
        );
        assert_eq!(
            parsed("tag:-[news]"),
            Filter::In { field: "tag".into(), values: vec![text("news")], negated: true }
        );
    }

    #[test]
    fn every_value_form() {
        use CompareOp::Eq;
        assert_eq!(parsed("a:null"), cmp("a", Eq, Value::Null));
        assert_eq!(parsed("a:NULL"), cmp("a", Eq, Value::Null));
        assert_eq!(parsed("a:True"), cmp("a", Eq, Value::Bool(true)));
        assert_eq!(parsed("a:FALSE"), cmp("a", Eq, Value::Bool(false)));
        assert_eq!(parsed("a:42"), cmp("a", Eq, Value::Int(42)));
        assert_eq!(parsed("a:0"), cmp("a", Eq, Value::Int(0)));
        assert_eq!(parsed("a:3.25"), cmp("a", Eq, Value::Float(3.25)));
        assert_eq!(parsed("a:007"), cmp("a", Eq, text("007")), "leading zeros keep their spelling");
        assert_eq!(parsed("a:1.50"), cmp("a", Eq, text("1.50")));
        assert_eq!(parsed("a:99999999999999999999"), cmp("a", Eq, text("99999999999999999999")));
        assert_eq!(parsed("a:'2017-06-03 23:43:12'"), cmp("a", Eq, text("2017-06-03 23:43:12")));
        assert_eq!(parsed(r"a:'it\'s \\ here'"), cmp("a", Eq, text(r"it's \ here")));
        assert_eq!(parsed("a:'null'"), cmp("a", Eq, text("null")), "quoted keywords are text");
        assert_eq!(parsed("a:''"), cmp("a", Eq, text("")));
        assert_eq!(parsed(r"a:a\+b\,c\(d\)\[e\]\'f\<g\>h\=i"), cmp("a", Eq, text("a+b,c(d)[e]'f<g>h=i")));
        assert_eq!(parsed("a:hash-news"), cmp("a", Eq, text("hash-news")));
        assert_eq!(parsed("a:https://x.org/a?b"), cmp("a", Eq, text("https://x.org/a?b")));
        assert_eq!(parsed("a:now"), cmp("a", Eq, text("now")));
        assert_eq!(parsed("a:now-3x"), cmp("a", Eq, text("now-3x")));
        for (unit, expected) in [
            ('d', DateUnit::Days),
            ('w', DateUnit::Weeks),
            ('M', DateUnit::Months),
            ('y', DateUnit::Years),
            ('h', DateUnit::Hours),
            ('m', DateUnit::Minutes),
            ('s', DateUnit::Seconds),
        ] {
            assert_eq!(
                parsed(&format!("a:now-30{unit}")),
                cmp("a", Eq, Value::Relative { amount: -30, unit: expected })
            );
            assert_eq!(
                parsed(&format!("a:>now+2{unit}")),
                cmp("a", CompareOp::Gt, Value::Relative { amount: 2, unit: expected })
            );
        }
    }

    #[test]
    fn properties_are_lower_cased_and_may_be_dotted() {
        assert_eq!(parsed("Tags.Slug:news"), cmp("tags.slug", CompareOp::Eq, text("news")));
        assert_eq!(parsed("_x1:y"), cmp("_x1", CompareOp::Eq, text("y")));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let (a, b, c) = (
            cmp("a", CompareOp::Eq, text("1x")),
            cmp("b", CompareOp::Eq, text("2x")),
            cmp("c", CompareOp::Eq, text("3x")),
        );
        assert_eq!(parsed("a:1x,b:2x+c:3x"), Filter::Or(vec![a.clone(), Filter::And(vec![b.clone(), c.clone()])]));
        assert_eq!(parsed("a:1x+b:2x,c:3x"), Filter::Or(vec![Filter::And(vec![a.clone(), b.clone()]), c.clone()]));
        assert_eq!(parsed("(a:1x,b:2x)+c:3x"), Filter::And(vec![Filter::Or(vec![a.clone(), b.clone()]), c.clone()]));
        assert_eq!(parsed(" ( a:1x , b:2x ) + c: 3x ").to_string(), "(a:1x,b:2x)+c:3x", "whitespace is skipped");
        assert_eq!(parsed("((a:1x))"), a);
        assert_eq!(parsed("a:1x+b:2x+c:3x"), Filter::And(vec![a.clone(), b.clone(), c.clone()]));
        assert_eq!(parsed("a:1x+(b:2x+c:3x)"), Filter::And(vec![a, Filter::And(vec![b, c])]));
    }

    #[test]
    fn whitespace_between_tokens_is_skipped() {
        assert_eq!(parsed("  tag: - [ a , b ]  +featured:true "), parsed("tag:-[a,b]+featured:true"));
        assert_eq!(parsed("title: ~ 'x'"), cmp("title", CompareOp::Contains, text("x")));
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        assert_eq!(
            error("featured:true)"),
            "unexpected ')' at character 14; expected '+', ',' or the end of the filter (no group is open)"
        );
        assert_eq!(error("(tag:news+)"), "unexpected ')' at character 11; expected a property name or '('");
        assert_eq!(error("tag:)"), "unexpected ')' at character 5; expected a value");
        assert_eq!(error("tag:"), "unexpected end of the filter at character 5; expected a value");
        assert_eq!(
            error("tag :x"),
            "unexpected whitespace at character 4; expected ':' directly after the property name"
        );
        assert_eq!(error("-status:draft"), "unexpected '-' at character 1; expected a property name or '('");
        assert_eq!(
            error("tag:--x"),
            "unexpected '-' at character 6; expected a value (a literal may not start with '-'; quote it)"
        );
        assert_eq!(
            error("a:->3"),
            "unexpected '>' at character 4; expected a value, '[' or '~' after '-' ('>' and '<' cannot be negated)"
        );
        assert_eq!(error("a:\"x\""), "unexpected '\"' at character 3; expected a value (strings take single quotes)");
        assert_eq!(error("a:'open"), "unterminated string starting at character 3; expected a closing '");
        assert_eq!(error(r"a:x\"), "a backslash at character 4 ends the filter; expected a character to escape");
        assert_eq!(error("a:[x,]"), "unexpected ']' at character 6; expected a value");
        assert_eq!(error("a:[x y]"), "unexpected 'y' at character 6; expected ',' or ']' in the list");
        assert_eq!(error("a:[]"), "unexpected ']' at character 4; expected a value");
        assert_eq!(
            error("(a:x"),
            "unexpected end of the filter at character 5; expected ')' to close the group, '+' or ','"
        );
        assert_eq!(error("a:x b:y"), "unexpected 'b' at character 5; expected '+', ',' or the end of the filter");
        assert_eq!(error("a:x,,b:y"), "unexpected ',' at character 5; expected a property name or '('");
        assert_eq!(error("a:now-99999999999999999999d"), "relative date at character 3 is out of range");
        assert_eq!(error(""), "the filter is empty");
        assert_eq!(error(" \t\n"), "the filter is empty");
    }

    #[test]
    fn pathological_input_is_refused_cleanly() {
        let deep = format!("{}a:b{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&deep).is_ok());
        let deeper = format!("{}a:b{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&deeper), Err(NqlError::TooDeep { position: MAX_DEPTH + 1, max: MAX_DEPTH }));
        let long = format!("a:{}", "x".repeat(MAX_LENGTH));
        assert_eq!(
            error(&long),
            format!("the filter is {} bytes long; at most {MAX_LENGTH} are allowed", MAX_LENGTH + 2)
        );
        assert!(parse(&"(".repeat(MAX_LENGTH)).is_err());
    }

    #[test]
    fn display_is_canonical_nql() {
        let f = parsed("tag:[news,'big story'] + (featured:TRUE , title:~'50% off') + published_at:>now-30d");
        assert_eq!(f.to_string(), "tag:[news,'big story']+(featured:true,title:~'50% off')+published_at:>now-30d");
        assert_eq!(cmp("a", CompareOp::Eq, text("null")).to_string(), "a:'null'");
        assert_eq!(cmp("a", CompareOp::Eq, text("-x")).to_string(), "a:'-x'");
        assert_eq!(cmp("a", CompareOp::Eq, text("~x")).to_string(), "a:'~x'");
        assert_eq!(cmp("a", CompareOp::Eq, text("it's")).to_string(), r"a:'it\'s'");
        assert_eq!(cmp("a", CompareOp::Eq, Value::Float(2.0)).to_string(), "a:2.0");
        assert_eq!(
            cmp("a", CompareOp::Ne, Value::Relative { amount: 0, unit: DateUnit::Months }).to_string(),
            "a:-now+0M"
        );
    }

    #[test]
    fn relative_dates_resolve_on_the_calendar() {
        let now = time::macros::datetime!(2024-03-31 12:00:00 UTC);
        let at = |amount, unit| Value::resolve_relative(amount, unit, now);
        assert_eq!(at(-30, DateUnit::Days), Some(time::macros::datetime!(2024-03-01 12:00:00 UTC)));
        assert_eq!(at(-1, DateUnit::Months), Some(time::macros::datetime!(2024-02-29 12:00:00 UTC)));
        assert_eq!(at(-13, DateUnit::Months), Some(time::macros::datetime!(2023-02-28 12:00:00 UTC)));
        assert_eq!(at(1, DateUnit::Years), Some(time::macros::datetime!(2025-03-31 12:00:00 UTC)));
        assert_eq!(at(2, DateUnit::Weeks), Some(time::macros::datetime!(2024-04-14 12:00:00 UTC)));
        assert_eq!(at(-90, DateUnit::Minutes), Some(time::macros::datetime!(2024-03-31 10:30:00 UTC)));
        assert_eq!(at(5, DateUnit::Hours), Some(time::macros::datetime!(2024-03-31 17:00:00 UTC)));
        assert_eq!(at(-5, DateUnit::Seconds), Some(time::macros::datetime!(2024-03-31 11:59:55 UTC)));
        assert_eq!(at(i64::MAX, DateUnit::Days), None);
        assert_eq!(at(i64::MIN, DateUnit::Years), None);
    }

    fn field() -> impl Strategy<Value = String> {
        "[a-z_][a-z0-9_.]{0,12}"
    }

    fn value() -> impl Strategy<Value = Value> {
        let unit = prop::sample::select(vec![
            DateUnit::Seconds,
            DateUnit::Minutes,
            DateUnit::Hours,
            DateUnit::Days,
            DateUnit::Weeks,
            DateUnit::Months,
            DateUnit::Years,
        ]);
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0..i64::MAX).prop_map(Value::Int),
            (0.0..1e12f64).prop_map(Value::Float),
            any::<String>().prop_map(Value::Text),
            "[a-z0-9#-]{1,10}".prop_map(Value::Text),
            (-100_000i64..100_000, unit).prop_map(|(amount, unit)| Value::Relative { amount, unit }),
        ]
    }

    fn comparison() -> impl Strategy<Value = Filter> {
        let op = prop::sample::select(vec![
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Gt,
            CompareOp::Gte,
            CompareOp::Lt,
            CompareOp::Lte,
            CompareOp::Contains,
            CompareOp::NotContains,
            CompareOp::StartsWith,
            CompareOp::NotStartsWith,
            CompareOp::EndsWith,
            CompareOp::NotEndsWith,
        ]);
        prop_oneof![
            (field(), op, value()).prop_map(|(field, op, value)| Filter::Compare { field, op, value }),
            (field(), prop::collection::vec(value(), 1..4), any::<bool>())
                .prop_map(|(field, values, negated)| Filter::In { field, values, negated }),
        ]
    }

    fn filter() -> impl Strategy<Value = Filter> {
        comparison().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
                prop::collection::vec(inner, 2..4).prop_map(Filter::Or),
            ]
        })
    }

    proptest! {
        #[test]
        fn printed_filters_parse_back_to_the_same_tree(f in filter()) {
            let printed = f.to_string();
            prop_assume!(printed.len() <= MAX_LENGTH);
            prop_assert_eq!(parse(&printed), Ok(f), "{}", printed);
        }

        #[test]
        fn arbitrary_input_never_panics(input in any::<String>()) {
            let _ = parse(&input);
        }

        #[test]
        fn nql_shaped_input_never_panics(input in r"[a-z()+,:~^$<>=\[\]'\\ -]{0,60}") {
            if let Ok(f) = parse(&input) {
                prop_assert_eq!(parse(&f.to_string()), Ok(f));
            }
        }
    }
}

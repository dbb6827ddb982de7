//! Making written news copy speakable: everything a text-to-speech engine would misread
//! (digits, symbols, abbreviations) becomes the words a newsreader would say.
//!
//! The text is read left to right; at each word start the rules below are tried, and the first
//! that recognises what is written there replaces it. Anything no rule recognises is copied
//! unchanged, whole: half-reading "v2.0" or "5G" would be worse than leaving it to the engine.

use super::Lexicon;
use super::numbers::{
    MAX_CARDINAL_DIGITS, cardinal, digit_by_digit, integer, ordinal, ordinal_of_words, plural_of_words, quantity, year,
};

/// Makes one paragraph of plain text speakable by an engine that only knows words.
///
/// The lexicon is applied first, and what it produces is left alone by every other rule, so a
/// newsroom can override any reading ("NATO" -> "nay-toe", or "No 10" -> "Number Ten" where the
/// rules would say "number ten").
/// The result is stable: making it speakable again changes nothing.
pub fn speakable(text: &str, lexicon: &Lexicon) -> String {
    let (text, replaced) = lexicon.apply(text);
    let text = text.as_str();
    // A title before a name the lexicon respelt ("Dr. Kovalenko" -> "Dr. ko-va-LEN-ko") is
    // still a title, whatever case the respelling is in.
    let names: Vec<usize> = replaced.iter().map(|r| r.start).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut replaced = replaced.into_iter().peekable();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let next_replaced = replaced.peek().cloned();
        if let Some(range) = next_replaced.as_ref().filter(|r| r.start == at) {
            out.push_str(&text[range.clone()]);
            at = range.end;
            replaced.next();
            continue;
        }
        let limit = next_replaced.map_or(text.len(), |r| r.start);
        if let Some(found) = rule_at(text, at, &out, &names).filter(|f| f.end <= limit && f.end > at) {
            out.push_str(&found.spoken);
            at = found.end;
            continue;
        }
        let end = if c.is_alphanumeric() { unknown_end(text, at).min(limit) } else { at + c.len_utf8() };
        out.push_str(&text[at..end]);
        at = end;
    }
    out
}

/// What a rule recognised: the text up to byte `end` is said as `spoken`.
struct Found {
    end: usize,
    spoken: String,
}

fn found(cursor: Cursor<'_>, spoken: String) -> Option<Found> {
    Some(Found { end: cursor.at, spoken })
}

fn rule_at(text: &str, at: usize, out: &str, names: &[usize]) -> Option<Found> {
    let previous = text[..at].chars().next_back();
    let c = text[at..].chars().next()?;
    if c == '&' {
        return ampersand(text, at, previous);
    }
    if previous.is_some_and(char::is_alphanumeric) {
        return None;
    }
    match c {
        '0'..='9' => number(text, at, out),
        '-' | '−' => negative(text, at, previous, out),
        '+' => phone(text, at).or_else(|| signed(text, at, "plus", out)),
        '(' => phone(text, at),
        '#' => number_sign(Cursor::new(text, at + 1)),
        '\'' | '’' => decade(text, at),
        c if c.is_alphabetic() => word(text, at, out, names),
        c if vulgar_fraction(c).is_some() => {
            let end = at + c.len_utf8();
            let (alone, _) = vulgar_fraction(c)?;
            Cursor::new(text, end).at_word_end().then(|| Found { end, spoken: alone.to_owned() })
        }
        _ => currency(text, at),
    }
}

/// A position in the text being read. Copied to try something and dropped if it fails.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str, at: usize) -> Self {
        Self { text, at }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> &'a str {
        let len = self.rest().find(|c: char| !c.is_ascii_digit()).unwrap_or(self.rest().len());
        let digits = &self.rest()[..len];
        self.at += len;
        digits
    }

    fn letters(&mut self) -> &'a str {
        let len = self.rest().find(|c: char| !c.is_alphabetic()).unwrap_or(self.rest().len());
        let letters = &self.rest()[..len];
        self.at += len;
        letters
    }

    /// One space between words on the same line (a no-break space counts).
    fn eat_space(&mut self) -> bool {
        self.eat(' ') || self.eat('\u{a0}') || self.eat('\u{202f}')
    }

    /// Whether a word ends here: what follows is not a letter or digit.
    fn at_word_end(&self) -> bool {
        !self.peek().is_some_and(char::is_alphanumeric)
    }

    /// Whether digits carry on after punctuation ("1.2.3", "3/4", "1,00"), making this
    /// something other than a plain number.
    fn continues_numerically(&self) -> bool {
        matches!(self.peek(), Some('.' | ',' | ':' | '/')) && self.peek_second().is_some_and(|c| c.is_ascii_digit())
    }

    /// The first non-space character ahead, for rules that depend on what comes next.
    fn next_visible(&self) -> Option<char> {
        self.rest().chars().find(|c| !c.is_whitespace())
    }
}

/// The end of a run that no rule read: the word, and if it has digits in it, everything joined
/// to it by punctuation ("v2.0", "A4-size", "192.168.0.1"), so none of it is half-read.
fn unknown_end(text: &str, at: usize) -> usize {
    let mut cursor = Cursor::new(text, at);
    let mut has_digit = false;
    loop {
        while let Some(c) = cursor.peek().filter(|c| c.is_alphanumeric()) {
            has_digit |= c.is_ascii_digit();
            cursor.at += c.len_utf8();
        }
        let joined = matches!(cursor.peek(), Some('.' | ',' | ':' | '/' | '-' | '–'))
            && cursor.peek_second().is_some_and(char::is_alphanumeric);
        if !(has_digit && joined) {
            return cursor.at;
        }
        cursor.at += cursor.peek().map_or(0, char::len_utf8);
    }
}

fn unknown(text: &str, at: usize) -> Option<Found> {
    let end = unknown_end(text, at);
    Some(Found { end, spoken: text[at..end].to_owned() })
}

/// A number as written: digits (thousands separators removed) and any decimal part.
struct Number<'a> {
    integer: String,
    grouped: bool,
    fraction: Option<&'a str>,
}

impl Number<'_> {
    fn spoken(&self) -> String {
        match self.fraction {
            Some(fraction) => format!("{} point {}", quantity(&self.integer), digit_by_digit(fraction)),
            None => integer(&self.integer),
        }
    }

    /// Unpunctuated four-digit numbers in news copy are nearly always years; quantities of a
    /// thousand or more are written with a separator ("3,000").
    fn as_year(&self) -> Option<u64> {
        if self.grouped || self.fraction.is_some() || self.integer.len() != 4 || self.integer.starts_with('0') {
            return None;
        }
        self.integer.parse().ok().filter(|y| (1000..=2099).contains(y))
    }

    fn small(&self) -> Option<u64> {
        if self.grouped || self.fraction.is_some() || self.integer.len() > 2 {
            return None;
        }
        self.integer.parse().ok()
    }

    fn is_one(&self) -> bool {
        self.integer.trim_start_matches('0') == "1" && self.fraction.is_none_or(|f| f.bytes().all(|b| b == b'0'))
    }
}

fn parse_number<'a>(cursor: &mut Cursor<'a>) -> Option<Number<'a>> {
    let first = cursor.digits();
    if first.is_empty() {
        return None;
    }
    let mut number = Number { integer: first.to_owned(), grouped: false, fraction: None };
    if first.len() <= 3 {
        // "3,000", or "40 000" as translated copy often writes it; one separator throughout.
        let mut separator: Option<char> = None;
        loop {
            let before = *cursor;
            let Some(c) = cursor.peek().filter(|&c| separator.is_none_or(|s| s == c) && is_thousands_separator(c))
            else {
                break;
            };
            cursor.at += c.len_utf8();
            let group_start = cursor.at;
            if cursor.digits().len() == 3 && !(c != ',' && cursor.continues_numerically()) {
                number.integer.push_str(&cursor.text[group_start..cursor.at]);
                number.grouped = true;
                separator = Some(c);
            } else {
                *cursor = before;
                break;
            }
        }
    }
    let before = *cursor;
    if cursor.eat('.') {
        let fraction = cursor.digits();
        if fraction.is_empty() {
            *cursor = before;
        } else {
            number.fraction = Some(fraction);
        }
    }
    Some(number)
}

fn is_thousands_separator(c: char) -> bool {
    matches!(c, ',' | ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

fn number(text: &str, at: usize, out: &str) -> Option<Found> {
    if let Some(found) = numeric_date(text, at, out).or_else(|| phone(text, at)).or_else(|| time(text, at)) {
        return Some(found);
    }
    let mut cursor = Cursor::new(text, at);
    let number = parse_number(&mut cursor)?;
    if cursor.continues_numerically() {
        return written_as_a_whole(text, at).or_else(|| unknown(text, at));
    }
    if let Some((_, and_fraction)) = cursor.peek().and_then(vulgar_fraction) {
        let mut after = cursor;
        after.at += cursor.peek().map_or(0, char::len_utf8);
        if number.fraction.is_none() && after.at_word_end() {
            return found(after, format!("{} {and_fraction}", number.spoken()));
        }
    }
    if let Some(found) = day_month(cursor, &number, out) {
        return Some(found);
    }
    if cursor.peek().is_some_and(char::is_alphabetic) {
        return number_with_suffix(text, at, cursor, &number);
    }
    if let Some(found) = range(text, cursor, &number, out) {
        return Some(found);
    }
    let mut after = cursor;
    after.eat_space();
    if after.eat('%') {
        return found(after, format!("{} percent", number.spoken()));
    }
    if let Some(currency) = currency_after(&mut after) {
        return found(after, money(&number, None, currency));
    }
    let mut after = cursor;
    if let Some(unit) = unit_after(&mut after) {
        return found(after, format!("{} {}", number.spoken(), unit.name(number.is_one())));
    }
    let spoken = match number.as_year() {
        Some(y) => year(y),
        None => number.spoken(),
    };
    found(cursor, spoken)
}

/// Numbers with slashes that are said as one thing: "24/7", "9/11", "3/4".
fn written_as_a_whole(text: &str, at: usize) -> Option<Found> {
    const WHOLES: [(&str, &str); 7] = [
        ("24/7", "twenty-four seven"),
        ("9/11", "nine eleven"),
        ("1/2", "one half"),
        ("1/3", "one third"),
        ("2/3", "two thirds"),
        ("1/4", "one quarter"),
        ("3/4", "three quarters"),
    ];
    WHOLES.iter().find_map(|(written, spoken)| {
        let mut cursor = Cursor::new(text, at);
        (cursor.eat_str(written) && cursor.at_word_end() && !cursor.continues_numerically())
            .then(|| Found { end: cursor.at, spoken: (*spoken).to_owned() })
    })
}

/// "½" alone and after a whole number ("2½").
fn vulgar_fraction(c: char) -> Option<(&'static str, &'static str)> {
    match c {
        '½' => Some(("half", "and a half")),
        '¼' => Some(("one quarter", "and a quarter")),
        '¾' => Some(("three quarters", "and three quarters")),
        '⅓' => Some(("one third", "and a third")),
        '⅔' => Some(("two thirds", "and two thirds")),
        _ => None,
    }
}

/// Letters straight after a number: "22nd", "1990s", "$2bn", "5km"; anything else ("5G",
/// "3D") is left as written.
fn number_with_suffix(text: &str, at: usize, cursor: Cursor<'_>, number: &Number<'_>) -> Option<Found> {
    let mut after = cursor;
    if let Some(unit) = unit_after(&mut after) {
        return found(after, format!("{} {}", number.spoken(), unit.name(number.is_one())));
    }
    let mut after = cursor;
    let suffix = after.letters();
    if !after.at_word_end() || after.continues_numerically() {
        return unknown(text, at);
    }
    let plain = number.fraction.is_none();
    match suffix.to_ascii_lowercase().as_str() {
        "st" | "nd" | "rd" | "th" if plain && number.integer.len() <= MAX_CARDINAL_DIGITS => {
            found(after, ordinal_of_words(&quantity(&number.integer)))
        }
        "s" if plain => {
            let spoken = number.as_year().map_or_else(|| number.spoken(), year);
            found(after, plural_of_words(&spoken))
        }
        "bn" => found(after, format!("{} billion", number.spoken())),
        "tn" | "trn" => found(after, format!("{} trillion", number.spoken())),
        _ => unknown(text, at),
    }
}

/// "2019-2024", "2019–24" (years), "10-20" and "3–1" (anything else: "to").
fn range(text: &str, cursor: Cursor<'_>, first: &Number<'_>, out: &str) -> Option<Found> {
    let mut second_at = cursor;
    if !(second_at.eat('-') || second_at.eat('–')) || !second_at.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if let Some(start) = first.as_year() {
        let mut after = second_at;
        let digits = after.digits();
        if after.at_word_end() && !after.continues_numerically() {
            let end = match digits.len() {
                4 => digits.parse::<u64>().ok(),
                2 => digits.parse::<u64>().ok().map(|yy| start / 100 * 100 + yy),
                _ => None,
            };
            if let Some(end) = end.filter(|&end| end > start) {
                return found(after, format!("{} to {}", year(start), year(end)));
            }
        }
    }
    let second = number(text, second_at.at, out)?;
    Some(Found { end: second.end, spoken: format!("{} to {}", first.spoken(), second.spoken) })
}

/// A phone number, read digit by digit in its groups: "+380 44 123 4567", "(212) 555-0199",
/// "555-0123", "044-123-45-67".
fn phone(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let plus = cursor.eat('+');
    let mut groups: Vec<&str> = Vec::new();
    let mut parenthesised = false;
    let mut spaced = false;
    let mut dotted = false;
    loop {
        let open = cursor.eat('(');
        let group = cursor.digits();
        if group.is_empty() || (open && !cursor.eat(')')) {
            return None;
        }
        parenthesised |= open;
        groups.push(group);
        let before = cursor;
        let space = cursor.eat_space();
        let dot = !space && cursor.eat('.');
        let separator = space || dot || cursor.eat('-');
        spaced |= space;
        dotted |= dot;
        if !separator || !matches!(cursor.peek(), Some('0'..='9' | '(')) {
            cursor = before;
            break;
        }
    }
    if !cursor.at_word_end() || cursor.continues_numerically() {
        return None;
    }
    let total: usize = groups.iter().map(|g| g.len()).sum();
    let starts_with_zero = groups.first().is_some_and(|g| g.starts_with('0'));
    // "10.000.000" is a number with European separators, not a phone number.
    let thousands = dotted && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3);
    let looks_like_phone = (7..=15).contains(&total)
        && if plus || parenthesised {
            true
        } else if (spaced && !starts_with_zero) || thousands {
            false
        } else {
            (groups.len() >= 3 && groups[1..].iter().all(|g| g.len() >= 2))
                || (groups.len() == 2 && groups[0].len() == 3 && groups[1].len() == 4)
        };
    if !looks_like_phone {
        return None;
    }
    let digits: Vec<String> = groups.iter().map(|g| digit_by_digit(g)).collect();
    let spoken = format!("{}{}", if plus { "plus " } else { "" }, digits.join(", "));
    found(cursor, spoken)
}

/// "2026-12-05" and "05.12.2026", which are unambiguous; "05/12/2026" is not, and is left.
fn numeric_date(text: &str, at: usize, out: &str) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let first = cursor.digits();
    let (y, m, d) = if first.len() == 4 && cursor.eat('-') {
        let m = cursor.digits();
        if m.len() != 2 || !cursor.eat('-') {
            return None;
        }
        let d = cursor.digits();
        (first, m, d)
    } else if first.len() == 2 && cursor.eat('.') {
        let m = cursor.digits();
        if m.len() != 2 || !cursor.eat('.') {
            return None;
        }
        (cursor.digits(), m, first)
    } else {
        return None;
    };
    if y.len() != 4 || d.len() != 2 || !cursor.at_word_end() || cursor.continues_numerically() {
        return None;
    }
    let (y, m, d): (u64, usize, u64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let month = MONTHS.get(m.checked_sub(1)?)?;
    if !(1..=31).contains(&d) {
        return None;
    }
    found(cursor, format!("{}{} of {month}, {}", the(out), ordinal(d), year(y)))
}

/// "the", unless the text already says it ("on the 5 May").
fn the(out: &str) -> &'static str {
    let trimmed = out.trim_end();
    let said = trimmed.len() < out.len()
        && trimmed.len() >= 3
        && trimmed.is_char_boundary(trimmed.len() - 3)
        && trimmed[trimmed.len() - 3..].eq_ignore_ascii_case("the")
        && !trimmed[..trimmed.len() - 3].chars().next_back().is_some_and(char::is_alphanumeric);
    if said { "" } else { "the " }
}

/// "3:30 p.m.", "3.30pm", "9am", "9 a.m.", "15:00".
fn time(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let hour_digits = cursor.digits();
    if hour_digits.len() > 2 {
        return None;
    }
    let hour: u64 = hour_digits.parse().ok()?;
    let before_minutes = cursor;
    let colon = cursor.eat(':');
    let minutes: Option<u64> = if colon || cursor.eat('.') {
        let digits = cursor.digits();
        if digits.len() != 2 {
            return None;
        }
        Some(digits.parse().ok()?)
    } else {
        cursor = before_minutes;
        None
    };
    if minutes.is_some_and(|m| m > 59) || cursor.continues_numerically() {
        return None;
    }
    let meridiem = meridiem(&mut cursor);
    match (&meridiem, minutes) {
        (Some(_), _) if !(1..=12).contains(&hour) => return None,
        (None, Some(_)) if !colon || hour > 23 => return None,
        (None, None) => return None,
        _ => {}
    }
    if meridiem.is_none() && !cursor.at_word_end() {
        return None;
    }
    let hour_words = quantity(hour_digits);
    let spoken = match (meridiem, minutes) {
        (Some((meridiem, period)), minutes) => {
            let minutes = minutes.filter(|&m| m > 0).map(minute_words).map(|m| format!(" {m}")).unwrap_or_default();
            format!("{hour_words}{minutes} {meridiem}{period}")
        }
        (None, Some(0)) => match hour {
            0 => "midnight".to_owned(),
            12 => "noon".to_owned(),
            1..12 => format!("{hour_words} o'clock"),
            _ => format!("{hour_words} hundred"),
        },
        (None, Some(m)) => format!("{hour_words} {}", minute_words(m)),
        (None, None) => return None,
    };
    found(cursor, spoken)
}

fn minute_words(minutes: u64) -> String {
    if minutes < 10 { format!("oh {}", cardinal(minutes)) } else { cardinal(minutes) }
}

/// "am", "p.m.", "PM" after a time, with an optional space. The period of "p.m." is kept when
/// it ends the text, since it then ends a sentence too.
fn meridiem(cursor: &mut Cursor<'_>) -> Option<(&'static str, &'static str)> {
    let start = *cursor;
    cursor.eat_space();
    for (written, spoken) in [
        ("a.m.", "a m"),
        ("p.m.", "p m"),
        ("A.M.", "a m"),
        ("P.M.", "p m"),
        ("am", "a m"),
        ("pm", "p m"),
        ("AM", "a m"),
        ("PM", "p m"),
    ] {
        let before = *cursor;
        if cursor.eat_str(written) && cursor.at_word_end() {
            let period = if written.ends_with('.') && ends_text(*cursor) { "." } else { "" };
            return Some((spoken, period));
        }
        *cursor = before;
    }
    *cursor = start;
    None
}

fn ends_text(cursor: Cursor<'_>) -> bool {
    cursor.rest().trim().is_empty()
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const MONTH_ABBREVIATIONS: [(&str, usize); 12] = [
    ("Jan", 0),
    ("Feb", 1),
    ("Mar", 2),
    ("Apr", 3),
    ("Jun", 5),
    ("Jul", 6),
    ("Aug", 7),
    ("Sep", 8),
    ("Sept", 8),
    ("Oct", 9),
    ("Nov", 10),
    ("Dec", 11),
];

/// A month name, full or abbreviated ("Dec", "Dec."), as its full name.
fn month(cursor: &mut Cursor<'_>) -> Option<&'static str> {
    let start = *cursor;
    let word = cursor.letters();
    if let Some(full) = MONTHS.iter().find(|m| **m == word) {
        return Some(full);
    }
    if let Some((_, index)) = MONTH_ABBREVIATIONS.iter().find(|(a, _)| *a == word) {
        cursor.eat('.');
        return Some(MONTHS[*index]);
    }
    *cursor = start;
    None
}

/// ", 2026" or " 2026" after a date.
fn year_after(cursor: &mut Cursor<'_>) -> Option<u64> {
    let start = *cursor;
    cursor.eat(',');
    if cursor.eat_space() {
        let digits = cursor.digits();
        let year = digits.parse().ok().filter(|y| (1000..=2999).contains(y));
        if let Some(y) = year.filter(|_| digits.len() == 4 && cursor.at_word_end() && !cursor.continues_numerically()) {
            return Some(y);
        }
    }
    *cursor = start;
    None
}

/// "5 December 2026", "5th of Dec": the day of a month, British order.
fn day_month(cursor: Cursor<'_>, day: &Number<'_>, out: &str) -> Option<Found> {
    let day = day.small().filter(|d| (1..=31).contains(d))?;
    let mut cursor = cursor;
    let before_suffix = cursor;
    if !matches!(cursor.letters(), "st" | "nd" | "rd" | "th") {
        cursor = before_suffix;
    }
    if !cursor.eat_space() {
        return None;
    }
    cursor.eat_str("of ");
    let month = month(&mut cursor)?;
    if !cursor.at_word_end() {
        return None;
    }
    let year = year_after(&mut cursor).map(|y| format!(", {}", year(y))).unwrap_or_default();
    found(cursor, format!("{}{} of {month}{year}", the(out), ordinal(day)))
}

/// "December 5, 2026", "Dec. 5": the month first, American order.
fn month_day(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let month = month(&mut cursor)?;
    if !cursor.eat_space() {
        return None;
    }
    let day_digits = cursor.digits();
    let day: u64 = day_digits.parse().ok().filter(|d| (1..=31).contains(d) && day_digits.len() <= 2)?;
    let before_suffix = cursor;
    if !matches!(cursor.letters(), "st" | "nd" | "rd" | "th") {
        cursor = before_suffix;
    }
    if !cursor.at_word_end() || cursor.continues_numerically() {
        return None;
    }
    let year = year_after(&mut cursor).map(|y| format!(", {}", year(y))).unwrap_or_default();
    found(cursor, format!("{month} {}{year}", ordinal(day)))
}

#[derive(Clone, Copy)]
struct Unit {
    singular: &'static str,
    plural: &'static str,
}

impl Unit {
    fn name(self, one: bool) -> &'static str {
        if one { self.singular } else { self.plural }
    }
}

const UNITS: [(&str, Unit); 11] = [
    ("km/h", Unit { singular: "kilometer per hour", plural: "kilometers per hour" }),
    ("sq km", Unit { singular: "square kilometer", plural: "square kilometers" }),
    ("km", Unit { singular: "kilometer", plural: "kilometers" }),
    ("kg", Unit { singular: "kilogram", plural: "kilograms" }),
    ("cm", Unit { singular: "centimeter", plural: "centimeters" }),
    ("mm", Unit { singular: "millimeter", plural: "millimeters" }),
    ("mph", Unit { singular: "mile per hour", plural: "miles per hour" }),
    ("kph", Unit { singular: "kilometer per hour", plural: "kilometers per hour" }),
    ("°C", Unit { singular: "degree Celsius", plural: "degrees Celsius" }),
    ("°F", Unit { singular: "degree Fahrenheit", plural: "degrees Fahrenheit" }),
    ("°", Unit { singular: "degree", plural: "degrees" }),
];

/// A unit after a number, attached or after one space.
fn unit_after(cursor: &mut Cursor<'_>) -> Option<Unit> {
    let start = *cursor;
    cursor.eat_space();
    for (written, unit) in UNITS {
        let before = *cursor;
        if cursor.eat_str(written) && cursor.at_word_end() {
            return Some(unit);
        }
        *cursor = before;
    }
    *cursor = start;
    None
}

#[derive(Clone, Copy)]
struct Currency {
    singular: &'static str,
    plural: &'static str,
    /// The hundredth part, if amounts are given in it ("$5.50" is five dollars fifty cents).
    minor: Option<(&'static str, &'static str)>,
}

const DOLLAR: Currency = Currency { singular: "dollar", plural: "dollars", minor: Some(("cent", "cents")) };
const US_DOLLAR: Currency = Currency { singular: "US dollar", plural: "US dollars", minor: Some(("cent", "cents")) };
const POUND: Currency = Currency { singular: "pound", plural: "pounds", minor: Some(("penny", "pence")) };
const EURO: Currency = Currency { singular: "euro", plural: "euros", minor: Some(("cent", "cents")) };
const HRYVNIA: Currency = Currency { singular: "hryvnia", plural: "hryvnias", minor: Some(("kopeck", "kopecks")) };
const YEN: Currency = Currency { singular: "yen", plural: "yen", minor: None };
const RUBLE: Currency = Currency { singular: "ruble", plural: "rubles", minor: Some(("kopeck", "kopecks")) };

/// Written before the amount. Longest first, so "US$" is not read as "US" and "$".
const CURRENCY_PREFIXES: [(&str, Currency); 15] = [
    ("US$", US_DOLLAR),
    ("HK$", Currency { singular: "Hong Kong dollar", plural: "Hong Kong dollars", minor: Some(("cent", "cents")) }),
    ("NZ$", Currency { singular: "New Zealand dollar", plural: "New Zealand dollars", minor: Some(("cent", "cents")) }),
    ("C$", Currency { singular: "Canadian dollar", plural: "Canadian dollars", minor: Some(("cent", "cents")) }),
    ("A$", Currency { singular: "Australian dollar", plural: "Australian dollars", minor: Some(("cent", "cents")) }),
    ("USD", US_DOLLAR),
    ("EUR", EURO),
    ("GBP", POUND),
    ("UAH", HRYVNIA),
    ("$", DOLLAR),
    ("£", POUND),
    ("€", EURO),
    ("₴", HRYVNIA),
    ("¥", YEN),
    ("₽", RUBLE),
];

/// "$5", "£3.2m", "US$2bn", "UAH 100", "€1.5 million".
fn currency(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let (written, currency) = CURRENCY_PREFIXES.iter().find(|(written, _)| cursor.eat_str(written))?;
    if written.chars().all(|c| c.is_ascii_alphabetic()) {
        // A code needs a space before the amount ("UAH 100"); "UAH100" is more likely an ID.
        if !cursor.eat_space() {
            return None;
        }
    } else {
        cursor.eat_space();
    }
    if !cursor.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let number = parse_number(&mut cursor)?;
    if cursor.continues_numerically() {
        return None;
    }
    let scale = scale_after(&mut cursor);
    if !cursor.at_word_end() {
        return None;
    }
    found(cursor, money(&number, scale, *currency))
}

/// A scale after an amount: "m", "bn", "k", or " million".
fn scale_after(cursor: &mut Cursor<'_>) -> Option<&'static str> {
    let start = *cursor;
    let spaced = cursor.eat_space();
    let word = cursor.letters();
    let scale = match (spaced, word) {
        (false, "k") | (true, "thousand") => Some("thousand"),
        (false, "m" | "mn" | "mln") | (true, "million") => Some("million"),
        (false, "bn" | "b") | (true, "billion") => Some("billion"),
        (false, "tn" | "trn") | (true, "trillion") => Some("trillion"),
        _ => None,
    };
    if scale.is_none() || !cursor.at_word_end() {
        *cursor = start;
        return None;
    }
    scale
}

/// A currency written after the amount: "100 UAH", "5€", "100 ₴".
fn currency_after(cursor: &mut Cursor<'_>) -> Option<Currency> {
    let start = *cursor;
    for (written, currency) in CURRENCY_PREFIXES {
        if written.contains('$') {
            continue;
        }
        if cursor.eat_str(written) && cursor.at_word_end() {
            return Some(currency);
        }
        *cursor = start;
    }
    None
}

fn money(number: &Number<'_>, scale: Option<&str>, currency: Currency) -> String {
    if let Some(scale) = scale {
        return format!("{} {scale} {}", number.spoken(), currency.plural);
    }
    let whole = quantity(&number.integer);
    let unit = if number.is_one() { currency.singular } else { currency.plural };
    match (number.fraction, currency.minor) {
        (None, _) => format!("{whole} {unit}"),
        (Some(fraction), Some((minor_one, minor_many))) if fraction.len() <= 2 => {
            let cents: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
            let minor = if cents == 1 { minor_one } else { minor_many };
            match (number.integer.trim_start_matches('0').is_empty(), cents) {
                (_, 0) => format!("{whole} {unit}"),
                (true, cents) => format!("{} {minor}", cardinal(cents)),
                (false, cents) => format!("{whole} {unit} and {} {minor}", cardinal(cents)),
            }
        }
        (Some(_), _) => format!("{} {}", number.spoken(), currency.plural),
    }
}

/// "-5", "−3.5%", "-$20": a minus sign before a number, not a hyphen inside a word.
fn negative(text: &str, at: usize, previous: Option<char>, out: &str) -> Option<Found> {
    if previous.is_some_and(|p| !(p.is_whitespace() || matches!(p, '(' | '[' | '"' | '“'))) {
        return None;
    }
    signed(text, at, "minus", out)
}

fn signed(text: &str, at: usize, sign: &str, out: &str) -> Option<Found> {
    let after_sign = at + text[at..].chars().next()?.len_utf8();
    let next = text[after_sign..].chars().next()?;
    let rest = if next.is_ascii_digit() { number(text, after_sign, out)? } else { currency(text, after_sign)? };
    if rest.spoken.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Found { end: rest.end, spoken: format!("{sign} {}", rest.spoken) })
}

/// "'90s" -> "nineties".
fn decade(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    cursor.eat('\'');
    cursor.eat('’');
    let digits = cursor.digits();
    if digits.len() != 2 || !digits.ends_with('0') || digits.starts_with('0') || !cursor.eat('s') {
        return None;
    }
    if !cursor.at_word_end() {
        return None;
    }
    found(cursor, plural_of_words(&cardinal(digits.parse().ok()?)))
}

/// "#1" -> "number one".
fn number_sign(mut cursor: Cursor<'_>) -> Option<Found> {
    let digits = cursor.digits();
    if digits.is_empty() || !cursor.at_word_end() || cursor.continues_numerically() {
        return None;
    }
    found(cursor, format!("number {}", integer(digits)))
}

fn ampersand(text: &str, at: usize, previous: Option<char>) -> Option<Found> {
    let next = text[at + 1..].chars().next();
    let spaced = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let before = if spaced(previous) { "" } else { " " };
    let after = if spaced(next) { "" } else { " " };
    Some(Found { end: at + 1, spoken: format!("{before}and{after}") })
}

fn word(text: &str, at: usize, out: &str, names: &[usize]) -> Option<Found> {
    currency(text, at)
        .or_else(|| abbreviation(text, at, out, names))
        .or_else(|| number_abbreviation(text, at))
        .or_else(|| month_day(text, at))
        .or_else(|| regnal_number(text, at))
        .or_else(|| initialism(text, at))
        .or_else(|| standalone_unit(text, at))
}

#[derive(Clone, Copy, PartialEq)]
enum When {
    /// Only before a capitalised name ("Gen. Zaluzhnyi"), which is what makes it a title.
    BeforeName,
    Always,
    /// Always, and its period also ends the sentence when one follows.
    MayEndSentence,
}

/// Abbreviations and how they are said. Those that could be something else ("Gen." for
/// Genesis, "Col." for Colorado, "Dr." for Drive) are only read as titles before a name. A written form with its period comes before the same
/// form without it, so the period is consumed along with it.
const ABBREVIATIONS: &[(&str, &str, When)] = &[
    ("Gen.", "General", When::BeforeName),
    ("Lt.", "Lieutenant", When::BeforeName),
    ("Col.", "Colonel", When::BeforeName),
    ("Maj.", "Major", When::BeforeName),
    ("Sgt.", "Sergeant", When::BeforeName),
    ("Capt.", "Captain", When::BeforeName),
    ("Cpl.", "Corporal", When::BeforeName),
    ("Pvt.", "Private", When::BeforeName),
    ("Adm.", "Admiral", When::BeforeName),
    ("Brig.", "Brigadier", When::BeforeName),
    ("Cmdr.", "Commander", When::BeforeName),
    ("Sen.", "Senator", When::BeforeName),
    ("Rep.", "Representative", When::BeforeName),
    ("Gov.", "Governor", When::BeforeName),
    ("Pres.", "President", When::BeforeName),
    ("Rev.", "Reverend", When::BeforeName),
    ("Prof.", "Professor", When::Always),
    ("Dr.", "Doctor", When::BeforeName),
    ("Dr", "Doctor", When::BeforeName),
    ("Mr.", "Mister", When::Always),
    ("Mr", "Mister", When::Always),
    ("Mrs.", "Missus", When::Always),
    ("Mrs", "Missus", When::Always),
    ("Ms.", "Miz", When::Always),
    ("Ms", "Miz", When::Always),
    ("Mt.", "Mount", When::BeforeName),
    ("Mt", "Mount", When::BeforeName),
    ("Ft.", "Fort", When::BeforeName),
    ("vs.", "versus", When::Always),
    ("vs", "versus", When::Always),
    ("e.g.", "for example", When::Always),
    ("i.e.", "that is", When::Always),
    ("approx.", "approximately", When::Always),
    ("etc.", "et cetera", When::MayEndSentence),
    ("Jr.", "Junior", When::MayEndSentence),
    ("Sr.", "Senior", When::MayEndSentence),
];

fn abbreviation(text: &str, at: usize, out: &str, names: &[usize]) -> Option<Found> {
    if let Some(found) = saint_or_street(text, at, out, names) {
        return Some(found);
    }
    ABBREVIATIONS.iter().find_map(|&(written, spoken, when)| {
        let mut cursor = Cursor::new(text, at);
        if !cursor.eat_str(written) || (!written.ends_with('.') && !cursor.at_word_end()) || cursor.peek() == Some('.')
        {
            return None;
        }
        match when {
            When::BeforeName if !before_name(cursor, names) => None,
            When::MayEndSentence if ends_sentence(cursor) => found(cursor, format!("{spoken}.")),
            _ => found(cursor, spoken.to_owned()),
        }
    })
}

/// Whether a capitalised word, or a word the lexicon respelt, follows on the same line.
fn before_name(mut cursor: Cursor<'_>, names: &[usize]) -> bool {
    let mut spaced = false;
    while cursor.eat_space() {
        spaced = true;
    }
    spaced && (cursor.peek().is_some_and(char::is_uppercase) || names.binary_search(&cursor.at).is_ok())
}

fn ends_sentence(cursor: Cursor<'_>) -> bool {
    cursor.next_visible().is_none_or(char::is_uppercase)
}

/// "St." is Saint before a name ("St. Petersburg") and Street after one ("Baker St.").
fn saint_or_street(text: &str, at: usize, out: &str, names: &[usize]) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    if !cursor.eat_str("St") {
        return None;
    }
    let period = cursor.eat('.');
    if !period && !cursor.at_word_end() {
        return None;
    }
    let previous_word = out.split_whitespace().next_back().unwrap_or_default();
    let is_title = ABBREVIATIONS.iter().any(|&(written, spoken, when)| {
        when != When::MayEndSentence && written.starts_with(char::is_uppercase) && spoken == previous_word
    });
    let after_a_name = !is_title && previous_word.chars().next().is_some_and(char::is_uppercase);
    if before_name(cursor, names) && !after_a_name {
        return found(cursor, "Saint".to_owned());
    }
    let keep_period = period && ends_sentence(cursor);
    found(cursor, if keep_period { "Street.".to_owned() } else { "Street".to_owned() })
}

/// "No. 10", "No 10", "no. 3" -> "number ten".
fn number_abbreviation(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    // Lowercase "no" is a number sign only with its period: "no 5-star reviews" is not.
    let capital = cursor.eat_str("No");
    if !capital && !cursor.eat_str("no") {
        return None;
    }
    let period = cursor.eat('.');
    if !period && !capital {
        return None;
    }
    // "No.1" is common; "No1" is a word.
    if (!cursor.eat_space() && !period) || !cursor.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut after = cursor;
    let number = parse_number(&mut after)?;
    if number.fraction.is_some() || !after.at_word_end() || after.continues_numerically() {
        return found(cursor, "number ".to_owned());
    }
    found(after, format!("number {}", number.spoken()))
}

/// Names that take a regnal number, so "Elizabeth II" is "Elizabeth the Second".
const REGNAL_NAMES: &[&str] = &[
    "Alexander",
    "Alfonso",
    "Benedict",
    "Boniface",
    "Carl",
    "Catherine",
    "Charles",
    "Christian",
    "Clement",
    "Constantine",
    "Edward",
    "Elizabeth",
    "Felipe",
    "Ferdinand",
    "Frederick",
    "George",
    "Gregory",
    "Gustaf",
    "Haakon",
    "Harald",
    "Henry",
    "Innocent",
    "Ivan",
    "James",
    "John",
    "Juan",
    "Leo",
    "Louis",
    "Margrethe",
    "Mary",
    "Napoleon",
    "Nicholas",
    "Olav",
    "Paul",
    "Peter",
    "Philip",
    "Pius",
    "Rama",
    "Richard",
    "Urban",
    "Victor",
    "Wilhelm",
    "William",
];

fn roman_value(numeral: &str) -> Option<u64> {
    let value = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        _ => None,
    };
    let digits: Vec<i64> = numeral.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, &d) in digits.iter().enumerate() {
        if digits.get(i + 1).is_some_and(|&next| next > d) {
            total -= d;
        } else {
            total += d;
        }
    }
    let total = u64::try_from(total).ok().filter(|&t| t > 0)?;
    // Only the canonical spelling, so "IIII" or "VX" (more likely not numerals) are left.
    (to_roman(total) == numeral).then_some(total)
}

fn to_roman(mut n: u64) -> String {
    let mut out = String::new();
    for (value, numeral) in [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")] {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

fn capitalised(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    let mut start = true;
    for c in words.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c == ' ' || c == '-';
    }
    out
}

/// "World War II" -> "World War Two"; "Elizabeth II" -> "Elizabeth the Second".
fn regnal_number(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let world_war = cursor.eat_str("World War");
    let name = if world_war { "World War" } else { cursor.letters() };
    if !world_war && !REGNAL_NAMES.contains(&name) {
        return None;
    }
    if !cursor.eat_space() {
        return None;
    }
    let numeral = cursor.letters();
    let value = roman_value(numeral).filter(|&v| v < 40)?;
    if !cursor.at_word_end() {
        return None;
    }
    // "Henry L. Stimson": a single capital with a period and more after it is an initial.
    let mut after_period = cursor;
    if !world_war && numeral.len() == 1 && after_period.eat('.') && !ends_text(after_period) {
        return None;
    }
    if world_war {
        return (value <= 3)
            .then(|| Found { end: cursor.at, spoken: format!("World War {}", capitalised(&cardinal(value))) });
    }
    // "Mary I" could be "Mary, I think"; take "I" as a numeral only where a sentence could not go on.
    if value == 1 && cursor.next_visible().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    found(cursor, format!("{name} the {}", capitalised(&ordinal(value))))
}

/// "U.S." -> "U S", "E.U." -> "E U": dotted capitals read as letters.
fn initialism(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let mut letters = Vec::new();
    while let Some(c) = cursor.peek().filter(|c| c.is_uppercase()) {
        let before = cursor;
        cursor.at += c.len_utf8();
        if !cursor.eat('.') {
            cursor = before;
            break;
        }
        letters.push(c.to_string());
    }
    if letters.len() < 2 || !cursor.at_word_end() {
        return None;
    }
    let period = if ends_text(cursor) { "." } else { "" };
    found(cursor, format!("{}{period}", letters.join(" ")))
}

/// Units that are unambiguous even without a number before them.
fn standalone_unit(text: &str, at: usize) -> Option<Found> {
    let mut cursor = Cursor::new(text, at);
    let unit = UNITS.iter().find_map(|(written, unit)| {
        let mut attempt = cursor;
        let unambiguous = matches!(*written, "km/h" | "km" | "kg" | "mph" | "kph");
        (unambiguous && attempt.eat_str(written) && attempt.at_word_end()).then(|| {
            cursor = attempt;
            *unit
        })
    })?;
    found(cursor, unit.plural.to_owned())
}

#[cfg(test)]
mod tests;

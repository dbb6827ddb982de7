//! Numbers as English words. Written for speech, so American style without "and"
//! ("one hundred twenty-three") and hyphenated tens ("forty-two").

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

const SCALES: [(u64, &str); 6] = [
    (1_000_000_000_000_000_000, "quintillion"),
    (1_000_000_000_000_000, "quadrillion"),
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

/// The longest digit string read as one number; longer ones (account numbers, IDs) are read
/// digit by digit, which is also how a listener would want them.
pub(crate) const MAX_CARDINAL_DIGITS: usize = 18;

pub(crate) fn cardinal(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = n;
    for (scale, name) in SCALES {
        if rest >= scale {
            parts.push(format!("{} {name}", below_thousand(rest / scale)));
            rest %= scale;
        }
    }
    if rest > 0 {
        parts.push(below_thousand(rest));
    }
    parts.join(" ")
}

fn below_thousand(n: u64) -> String {
    let hundreds = n / 100;
    let rest = n % 100;
    match (hundreds, rest) {
        (0, rest) => below_hundred(rest),
        (h, 0) => format!("{} hundred", ONES[h as usize]),
        (h, rest) => format!("{} hundred {}", ONES[h as usize], below_hundred(rest)),
    }
}

fn below_hundred(n: u64) -> String {
    match n {
        0..20 => ONES[n as usize].to_owned(),
        _ if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_owned(),
        _ => format!("{}-{}", TENS[(n / 10) as usize], ONES[(n % 10) as usize]),
    }
}

pub(crate) fn ordinal(n: u64) -> String {
    ordinal_of_words(&cardinal(n))
}

/// Turns the last word of a spoken number into its ordinal ("twenty-one" -> "twenty-first").
pub(crate) fn ordinal_of_words(words: &str) -> String {
    let split = words.rfind([' ', '-']).map_or(0, |at| at + 1);
    let (head, last) = words.split_at(split);
    let last = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        _ => match last.strip_suffix('y') {
            Some(stem) => format!("{stem}ieth"),
            None => format!("{last}th"),
        },
    };
    format!("{head}{last}")
}

/// Pluralises the last word of a spoken number, for decades and plurals ("the 1990s", "747s").
pub(crate) fn plural_of_words(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if words.ends_with('x') => format!("{words}es"),
        None => format!("{words}s"),
    }
}

/// A year as people say it: 1991 "nineteen ninety-one", 1905 "nineteen oh five",
/// 1900 "nineteen hundred", 2005 "two thousand five", 2024 "twenty twenty-four".
pub(crate) fn year(n: u64) -> String {
    if !(1000..=9999).contains(&n) || (2000..2010).contains(&n) || n.is_multiple_of(1000) {
        return cardinal(n);
    }
    let (high, low) = (n / 100, n % 100);
    match low {
        0 => format!("{} hundred", below_hundred(high)),
        1..10 => format!("{} oh {}", below_hundred(high), ONES[low as usize]),
        _ => format!("{} {}", below_hundred(high), below_hundred(low)),
    }
}

/// Reads ASCII digits one at a time ("0800" -> "zero eight zero zero").
pub(crate) fn digit_by_digit(digits: &str) -> String {
    digits.chars().filter_map(|c| c.to_digit(10)).map(|d| ONES[d as usize]).collect::<Vec<_>>().join(" ")
}

/// An integer written as digits (no separators): as a number, or digit by digit when it is
/// too long to be a quantity or has a leading zero ("007", "0800").
pub(crate) fn integer(digits: &str) -> String {
    if (digits.len() > 1 && digits.starts_with('0')) || digits.len() > MAX_CARDINAL_DIGITS {
        return digit_by_digit(digits);
    }
    match digits.parse::<u64>() {
        Ok(n) => cardinal(n),
        Err(_) => digit_by_digit(digits),
    }
}

/// An integer part read as a quantity even with leading zeros ("0.5", "05:30").
pub(crate) fn quantity(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return ONES[0].to_owned();
    }
    integer(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals_read_as_in_american_news_copy() {
        let cases = [
            (0, "zero"),
            (7, "seven"),
            (13, "thirteen"),
            (40, "forty"),
            (42, "forty-two"),
            (100, "one hundred"),
            (103, "one hundred three"),
            (999, "nine hundred ninety-nine"),
            (3_000, "three thousand"),
            (10_000, "ten thousand"),
            (1_250_000, "one million two hundred fifty thousand"),
            (2_000_000_001, "two billion one"),
            (
                u64::MAX,
                "eighteen quintillion four hundred forty-six quadrillion seven hundred forty-four trillion seventy-three billion seven hundred nine million five hundred fifty-one thousand six hundred fifteen",
            ),
        ];
        for (n, words) in cases {
            assert_eq!(cardinal(n), words, "{n}");
        }
    }

    #[test]
    fn ordinals_change_only_the_last_word() {
        let cases = [
            (1, "first"),
            (2, "second"),
            (3, "third"),
            (4, "fourth"),
            (5, "fifth"),
            (8, "eighth"),
            (9, "ninth"),
            (12, "twelfth"),
            (20, "twentieth"),
            (22, "twenty-second"),
            (103, "one hundred third"),
            (1_000, "one thousandth"),
        ];
        for (n, words) in cases {
            assert_eq!(ordinal(n), words, "{n}");
        }
    }

    #[test]
    fn years_read_as_years() {
        let cases = [
            (1066, "ten sixty-six"),
            (1900, "nineteen hundred"),
            (1905, "nineteen oh five"),
            (1991, "nineteen ninety-one"),
            (2000, "two thousand"),
            (2005, "two thousand five"),
            (2010, "twenty ten"),
            (2024, "twenty twenty-four"),
        ];
        for (n, words) in cases {
            assert_eq!(year(n), words, "{n}");
        }
    }

    #[test]
    fn plurals_of_spoken_numbers() {
        assert_eq!(plural_of_words("nineteen ninety"), "nineteen nineties");
        assert_eq!(plural_of_words("two thousand"), "two thousands");
        assert_eq!(plural_of_words("six"), "sixes");
    }

    #[test]
    fn leading_zeros_and_very_long_numbers_are_read_digit_by_digit() {
        assert_eq!(integer("007"), "zero zero seven");
        assert_eq!(
            integer("1234567890123456789"),
            "one two three four five six seven eight nine zero one two three four five six seven eight nine"
        );
        assert_eq!(quantity("05"), "five");
        assert_eq!(quantity("00"), "zero");
    }
}

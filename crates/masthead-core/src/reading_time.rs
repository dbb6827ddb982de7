//! Ghost's reading-time rule: 275 words a minute, plus 12 seconds for the first image, 11 for
//! the second and so on, never less than 3 seconds an image; rounded to whole minutes (so a
//! short story reads in 0 minutes, as Ghost says; pages showing it round up to 1).

pub const WORDS_PER_MINUTE: f64 = 275.0;

pub fn reading_time_minutes(word_count: usize, image_count: usize) -> i32 {
    let mut seconds = word_count as f64 / (WORDS_PER_MINUTE / 60.0);
    for i in 0..image_count {
        seconds += (12 - i as i64).max(3) as f64;
    }
    (seconds / 60.0).round() as i32
}

/// Words as Ghost counts them for reading time: runs of Latin, Greek and Cyrillic letters,
/// digits and `_` (so `don't` and `300,000` are two each), and each CJK character.
pub fn ghost_word_count(text: &str) -> usize {
    let wordish = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '_'
            || ('\u{C0}'..='\u{FF}').contains(&c)
            || ('\u{392}'..='\u{3C9}').contains(&c)
            || ('\u{410}'..='\u{4F9}').contains(&c)
    };
    let cjk = |c: char| {
        ('\u{4E00}'..='\u{9FFF}').contains(&c)
            || ('\u{3400}'..='\u{4DBF}').contains(&c)
            || ('\u{F900}'..='\u{FAFF}').contains(&c)
            || ('\u{3040}'..='\u{309F}').contains(&c)
            || ('\u{AC00}'..='\u{D7AF}').contains(&c)
    };
    let (mut count, mut in_word) = (0, false);
    for c in text.chars() {
        if cjk(c) {
            count += 1;
            in_word = false;
        } else if wordish(c) {
            if !in_word {
                count += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_ghosts_rule() {
        assert_eq!(reading_time_minutes(0, 0), 0);
        assert_eq!(reading_time_minutes(130, 0), 0, "under half a minute rounds down to 0, as in Ghost");
        assert_eq!(reading_time_minutes(275, 0), 1);
        assert_eq!(reading_time_minutes(550, 0), 2);
        // 412 words = 89.9 s; one image adds 12 s -> 101.9 s -> 2 min.
        assert_eq!(reading_time_minutes(412, 1), 2);
        // 20 images: 12+11+...+3 (10 images = 75 s) + 10*3 = 105 s, plus 0 words -> 2 min.
        assert_eq!(reading_time_minutes(0, 20), 2);
        assert_eq!(reading_time_minutes(2750, 0), 10);
    }

    #[test]
    fn counts_words_as_ghost_does() {
        assert_eq!(ghost_word_count("Don't move: 300,000 litres."), 6);
        assert_eq!(ghost_word_count("Київ після — café"), 3);
        assert_eq!(ghost_word_count("日本語 text"), 4);
        assert_eq!(ghost_word_count(""), 0);
    }
}

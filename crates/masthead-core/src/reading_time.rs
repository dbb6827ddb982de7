//! Ghost's reading-time rule: 275 words a minute, plus 12 seconds for the first image, 11 for
//! the second and so on, never less than 3 seconds an image; rounded to whole minutes, at least 1.

pub const WORDS_PER_MINUTE: f64 = 275.0;

pub fn reading_time_minutes(word_count: usize, image_count: usize) -> i32 {
    let mut seconds = word_count as f64 / (WORDS_PER_MINUTE / 60.0);
    for i in 0..image_count {
        seconds += (12 - i as i64).max(3) as f64;
    }
    ((seconds / 60.0).round() as i32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_ghosts_rule() {
        assert_eq!(reading_time_minutes(0, 0), 1);
        assert_eq!(reading_time_minutes(275, 0), 1);
        assert_eq!(reading_time_minutes(550, 0), 2);
        // 412 words = 89.9 s; one image adds 12 s -> 101.9 s -> 2 min.
        assert_eq!(reading_time_minutes(412, 1), 2);
        // 20 images: 12+11+...+3 (10 images = 75 s) + 10*3 = 105 s, plus 0 words -> 2 min.
        assert_eq!(reading_time_minutes(0, 20), 2);
        assert_eq!(reading_time_minutes(2750, 0), 10);
    }
}

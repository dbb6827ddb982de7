use proptest::prelude::*;

use super::*;

fn say(text: &str) -> String {
    speakable(text, &Lexicon::default())
}

#[track_caller]
fn reads(cases: &[(&str, &str)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(written, spoken)| {
            let got = say(written);
            (got != *spoken).then(|| format!("{written:?}\n  expected {spoken:?}\n  got      {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn cardinal_numbers_with_separators_decimals_and_signs() {
    reads(&[
        ("3,000 people", "three thousand people"),
        ("10,000 troops", "ten thousand troops"),
        ("1,250,000 votes", "one million two hundred fifty thousand votes"),
        ("40 000 people", "forty thousand people"),
        ("1\u{a0}250\u{a0}000 hryvnias", "one million two hundred fifty thousand hryvnias"),
        ("in 2024 300 people", "in twenty twenty-four three hundred people"),
        ("3,5 percent", "3,5 percent"),
        ("42 drones", "forty-two drones"),
        ("2.5 tonnes", "two point five tonnes"),
        ("0.75 of it", "zero point seven five of it"),
        ("It fell to -5 overnight", "It fell to minus five overnight"),
        ("It fell to −12.5", "It fell to minus twelve point five"),
        ("a change of +3", "a change of plus three"),
        ("Agent 007", "Agent zero zero seven"),
    ]);
}

#[test]
fn scale_words_and_suffixes() {
    reads(&[
        ("1.5 million people", "one point five million people"),
        ("a 2bn deficit", "a two billion deficit"),
        ("$2bn in aid", "two billion dollars in aid"),
        ("£3.2m fine", "three point two million pounds fine"),
        ("€10bn loan", "ten billion euros loan"),
        ("$1.5 million grant", "one point five million dollars grant"),
        ("$50k salary", "fifty thousand dollars salary"),
        ("$3tn economy", "three trillion dollars economy"),
    ]);
}

#[test]
fn years_decades_and_year_ranges() {
    reads(&[
        ("in 1991", "in nineteen ninety-one"),
        ("in 2005", "in two thousand five"),
        ("in 2024", "in twenty twenty-four"),
        ("in 1905", "in nineteen oh five"),
        ("the 1990s", "the nineteen nineties"),
        ("the 2000s", "the two thousands"),
        ("the '80s", "the eighties"),
        ("the ’90s", "the nineties"),
        ("from 2019-2024", "from twenty nineteen to twenty twenty-four"),
        ("from 2019–24", "from twenty nineteen to twenty twenty-four"),
        ("the 1939-45 war", "the nineteen thirty-nine to nineteen forty-five war"),
        ("aged 18-25", "aged eighteen to twenty-five"),
        ("won 3–1", "won three to one"),
    ]);
}

#[test]
fn ordinals() {
    reads(&[
        ("the 1st brigade", "the first brigade"),
        ("the 22nd day", "the twenty-second day"),
        ("the 103rd session", "the one hundred third session"),
        ("the 4th time", "the fourth time"),
        ("the 21st century", "the twenty-first century"),
        ("the 1,000th", "the one thousandth"),
    ]);
}

#[test]
fn dates_in_news_forms() {
    reads(&[
        ("on 5 December 2026", "on the fifth of December, twenty twenty-six"),
        ("on December 5, 2026", "on December fifth, twenty twenty-six"),
        ("on Dec. 5", "on December fifth"),
        ("on 5 Dec", "on the fifth of December"),
        ("on the 5th of December", "on the fifth of December"),
        ("since Feb 24 2022", "since February twenty-fourth, twenty twenty-two"),
        ("by May 9.", "by May ninth."),
        ("dated 2026-12-05", "dated the fifth of December, twenty twenty-six"),
        ("dated 05.12.2026", "dated the fifth of December, twenty twenty-six"),
        ("in December 2026", "in December twenty twenty-six"),
    ]);
}

#[test]
fn times() {
    reads(&[
        ("at 3:30 p.m. on Friday", "at three thirty p m on Friday"),
        ("at 3:05pm", "at three oh five p m"),
        ("at 3.30pm", "at three thirty p m"),
        ("at 9am", "at nine a m"),
        ("at 9 a.m. sharp", "at nine a m sharp"),
        ("at 11 PM", "at eleven p m"),
        ("at 15:00", "at fifteen hundred"),
        ("at 15:45", "at fifteen forty-five"),
        ("at 9:00", "at nine o'clock"),
        ("at 00:00", "at midnight"),
        ("at noon", "at noon"),
        ("It ended at 4 p.m.", "It ended at four p m."),
    ]);
}

#[test]
fn currencies() {
    reads(&[
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.50", "five dollars and fifty cents"),
        ("$0.99", "ninety-nine cents"),
        ("$1,000", "one thousand dollars"),
        ("£20", "twenty pounds"),
        ("£2.50", "two pounds and fifty pence"),
        ("€1", "one euro"),
        ("₴100", "one hundred hryvnias"),
        ("UAH 250", "two hundred fifty hryvnias"),
        ("250 UAH", "two hundred fifty hryvnias"),
        ("100 ₴", "one hundred hryvnias"),
        ("US$5", "five US dollars"),
        ("5€", "five euros"),
        ("-$20", "minus twenty dollars"),
    ]);
}

#[test]
fn percentages() {
    reads(&[
        ("3.5%", "three point five percent"),
        ("up 12 %", "up twelve percent"),
        ("10-20%", "ten to twenty percent"),
        ("-0.4%", "minus zero point four percent"),
    ]);
}

#[test]
fn titles_are_expanded_before_names() {
    reads(&[
        ("Gen. Valerii Zaluzhnyi", "General Valerii Zaluzhnyi"),
        ("Lt. Gen. Oleksandr Syrskyi", "Lieutenant General Oleksandr Syrskyi"),
        ("Col. Hryhorii Kovalenko", "Colonel Hryhorii Kovalenko"),
        ("Maj. Ivan Bondar", "Major Ivan Bondar"),
        ("Sgt. Pepper", "Sergeant Pepper"),
        ("Sen. Warren", "Senator Warren"),
        ("Rep. Ocasio-Cortez", "Representative Ocasio-Cortez"),
        ("Gov. Newsom", "Governor Newsom"),
        ("Pres. Lincoln", "President Lincoln"),
        ("Dr. Olena Kovalenko", "Doctor Olena Kovalenko"),
        ("Dr Who", "Doctor Who"),
        ("Mr. Smith and Mrs. Smith", "Mister Smith and Missus Smith"),
        ("Mr Smith and Ms Jones", "Mister Smith and Miz Jones"),
        ("Mr. and Mrs. Smith", "Mister and Missus Smith"),
        ("Prof. Snyder", "Professor Snyder"),
        ("Mt. Everest", "Mount Everest"),
    ]);
}

#[test]
fn titles_without_a_name_are_left_alone() {
    reads(&[("the Gen. said", "the Gen. said"), ("Dr. 5", "Dr. five")]);
}

#[test]
fn saint_before_a_name_and_street_after_one() {
    reads(&[
        ("in St. Petersburg", "in Saint Petersburg"),
        ("St Helens won", "Saint Helens won"),
        ("on Baker St.", "on Baker Street."),
        ("on Baker St. in London", "on Baker Street in London"),
        ("on Main St, near", "on Main Street, near"),
    ]);
}

#[test]
fn other_abbreviations() {
    reads(&[
        ("No. 10 said", "number ten said"),
        ("No 10 Downing Street", "number ten Downing Street"),
        ("no. 3", "number three"),
        ("the No.1 seed", "the number one seed"),
        ("no 5-star reviews", "no five-star reviews"),
        ("Ukraine vs. Russia", "Ukraine versus Russia"),
        ("Shakhtar vs Dynamo", "Shakhtar versus Dynamo"),
        ("bread, salt, etc. and more", "bread, salt, et cetera and more"),
        ("bread, salt, etc.", "bread, salt, et cetera."),
        ("cities, e.g. Kyiv", "cities, for example Kyiv"),
        ("the capital, i.e. Kyiv", "the capital, that is Kyiv"),
        ("approx. 40 km", "approximately forty kilometers"),
        ("Martin Luther King Jr. said", "Martin Luther King Junior said"),
        ("#1 seed", "number one seed"),
    ]);
}

#[test]
fn fractions_and_numbers_said_as_one_thing() {
    reads(&[
        ("open 24/7", "open twenty-four seven"),
        ("since 9/11", "since nine eleven"),
        ("3/4 of voters", "three quarters of voters"),
        ("½ price", "half price"),
        ("2½ years", "two and a half years"),
        ("⅓ of the vote", "one third of the vote"),
    ]);
}

#[test]
fn units() {
    reads(&[
        ("40 km", "forty kilometers"),
        ("1 km", "one kilometer"),
        ("5kg", "five kilograms"),
        ("70 mph", "seventy miles per hour"),
        ("at 90 km/h", "at ninety kilometers per hour"),
        ("speeds in km/h", "speeds in kilometers per hour"),
        ("600 sq km", "six hundred square kilometers"),
        ("-5°C", "minus five degrees Celsius"),
        ("turned 90°", "turned ninety degrees"),
    ]);
}

#[test]
fn dotted_initialisms_are_read_as_letters() {
    reads(&[
        ("the U.S. and the U.K.", "the U S and the U K."),
        ("U.N. and E.U. officials", "U N and E U officials"),
        ("a U.S.-led coalition", "a U S-led coalition"),
        ("in Washington, D.C.", "in Washington, D C."),
    ]);
}

#[test]
fn ampersands() {
    reads(&[("salt & pepper", "salt and pepper"), ("R&D", "R and D"), ("Johnson & Johnson", "Johnson and Johnson")]);
}

#[test]
fn regnal_and_war_numerals() {
    reads(&[
        ("World War II", "World War Two"),
        ("after World War I.", "after World War One."),
        ("Queen Elizabeth II", "Queen Elizabeth the Second"),
        ("King Charles III's coronation", "King Charles the Third's coronation"),
        ("Louis XIV", "Louis the Fourteenth"),
        ("Pope John Paul II", "Pope John Paul the Second"),
        ("Elizabeth I.", "Elizabeth the First."),
        ("Mary I think so", "Mary I think so"),
        ("Henry L. Stimson", "Henry L. Stimson"),
    ]);
}

#[test]
fn phone_numbers_are_read_digit_by_digit() {
    reads(&[
        ("call +380 44 123 4567", "call plus three eight zero, four four, one two three, four five six seven"),
        ("call (212) 555-0199", "call two one two, five five five, zero one nine nine"),
        ("call 555-0123", "call five five five, zero one two three"),
        ("call 044-123-45-67", "call zero four four, one two three, four five, six seven"),
        ("call 0800123456", "call zero eight zero zero one two three four five six"),
    ]);
}

#[test]
fn unknown_things_are_left_as_written() {
    reads(&[
        ("version 2.0.1", "version 2.0.1"),
        ("at 192.168.0.1", "at 192.168.0.1"),
        ("on 05/12/2026", "on 05/12/2026"),
        ("a 5G mast", "a 5G mast"),
        ("the F-16", "the F-sixteen"),
        ("an A4 page", "an A4 page"),
        ("v2.0 shipped", "v2.0 shipped"),
        ("the 100m sprint", "the 100m sprint"),
        ("3/4/5", "3/4/5"),
        ("Київ, 2024 рік", "Київ, twenty twenty-four рік"),
    ]);
}

#[test]
fn the_lexicon_overrides_every_other_rule() {
    let lexicon = Lexicon::parse([("NATO", "nay-toe"), ("No 10", "Number Ten"), ("U.S.", "you ess"), ("Київ", "keev")])
        .expect("a valid lexicon");
    assert_eq!(
        speakable("NATO, No 10 and the U.S. met in Київ on 5 May.", &lexicon),
        "nay-toe, Number Ten and the you ess met in keev on the fifth of May."
    );
    // What the lexicon produced is not read again, even when it looks like something a rule reads.
    let lexicon = Lexicon::parse([("Ukraine Air", "Flight 752")]).expect("a valid lexicon");
    assert_eq!(speakable("Ukraine Air at 5", &lexicon), "Flight 752 at five");
}

#[test]
fn a_title_before_a_respelt_name_is_still_a_title() {
    let lexicon = Lexicon::parse([("Kovalenko", "ko-va-LEN-ko"), ("Sofia", "so-FEE-ya")]).expect("a valid lexicon");
    assert_eq!(
        speakable("Dr. Kovalenko visited St. Sofia Cathedral.", &lexicon),
        "Doctor ko-va-LEN-ko visited Saint so-FEE-ya Cathedral."
    );
}

fn plain_numbers() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0u64..10_000_000_000, 1u32..6).prop_map(|(n, places)| format!(
            "{n}.{:0width$}",
            n % 100_000,
            width = places as usize
        )),
        any::<u32>().prop_map(|n| {
            let digits = n.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            grouped
        }),
        (any::<u32>(), prop::sample::select(vec!["st", "nd", "rd", "th"])).prop_map(|(n, s)| format!("{n}{s}")),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = say(&text);
    }

    #[test]
    fn recognised_numbers_leave_no_digits(number in plain_numbers(), before in "(The|In|Some|up) ", after in "( people| today|\\.|,|)") {
        let text = format!("{before}{number}{after}");
        let spoken = say(&text);
        prop_assert!(!spoken.chars().any(|c| c.is_ascii_digit()), "{text:?} -> {spoken:?}");
    }

    #[test]
    fn speaking_twice_changes_nothing(text in "\\PC{0,200}") {
        let once = say(&text);
        prop_assert_eq!(say(&once), once.clone());
    }

    #[test]
    fn speaking_news_like_text_twice_changes_nothing(text in "([A-Z][a-z]{0,6}|[a-z]{1,6}|[0-9]{1,5}|[.,:/%$£€₴&'’()#+−–½°-]|St|Dr|No|Mr|Gen|Dec|May|World War|II|I|U\\.S\\.|p\\.m\\.|am|bn|km|US|UAH|the|of| ){0,40}") {
        let once = say(&text);
        prop_assert_eq!(say(&once), once.clone());
    }
}

#[test]
fn a_news_paragraph_reads_naturally() {
    reads(&[
        (
            "Russia launched 3,000 drones at Ukraine in 2024, according to Gen. Syrskyi. Losses rose 12.5% year on year.",
            "Russia launched three thousand drones at Ukraine in twenty twenty-four, according to General Syrskyi. Losses rose twelve point five percent year on year.",
        ),
        (
            "At 10:30 a.m. on Monday, Dec. 1, the U.N. Security Council met; the U.S. envoy said $2.5bn (£1.9bn) was pledged.",
            "At ten thirty a m on Monday, December first, the U N Security Council met; the U S envoy said two point five billion dollars (one point nine billion pounds) was pledged.",
        ),
        (
            "Mr. St. John met Dr. Who at No. 10 on 24 February 2022 at 05:00.",
            "Mister Saint John met Doctor Who at number ten on the twenty-fourth of February, twenty twenty-two at five o'clock.",
        ),
    ]);
}

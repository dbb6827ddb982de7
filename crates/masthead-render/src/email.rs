//! Newsletter emails: the post as a responsive, table-laid HTML message with its styles inline
//! (mail clients ignore most stylesheets), and a plain-text part. The footer's unsubscribe link
//! is the placeholder [`UNSUBSCRIBE_PLACEHOLDER`], replaced for each recipient at send time.

use minijinja::{Environment, context};

/// Stands for the recipient's own unsubscribe URL in a rendered newsletter.
pub const UNSUBSCRIBE_PLACEHOLDER: &str = "%%UNSUBSCRIBE_URL%%";

const HTML_TEMPLATE: &str = include_str!("../../../themes/email/newsletter.html");
const TEXT_TEMPLATE: &str = include_str!("../../../themes/email/newsletter.txt");

/// What a newsletter email shows.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NewsletterEmail {
    pub site_title: String,
    pub site_url: String,
    pub locale: String,
    pub accent_color: String,
    pub newsletter_name: String,
    pub host_name: Option<String>,
    pub title: String,
    pub excerpt: Option<String>,
    pub byline: Option<String>,
    pub date: String,
    pub reading_time: i32,
    pub url: String,
    /// False for email-only stories, which have no page on the site.
    pub on_the_web: bool,
    /// Absolute URL of the hero image.
    pub image: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    /// The post's sanitised HTML; site-relative links and images are made absolute here.
    pub html: String,
    /// Where the story's audio version plays (its page, at the player), when it is narrated.
    pub listen_url: Option<String>,
}

/// Renders the HTML and plain-text parts.
pub fn render_newsletter(email: &NewsletterEmail) -> Result<(String, String), minijinja::Error> {
    let mut env = Environment::new();
    env.add_template("newsletter.html", HTML_TEMPLATE)?;
    env.add_template("newsletter.txt", TEXT_TEMPLATE)?;
    let site = email.site_url.trim_end_matches('/');
    let html = absolute_links(&email.html, site);
    // Image captions in the body keep their credit; everything else is the story as published.
    let text = crate::html_to_plaintext(&html);
    let page = context! {
        html => html,
        text => text,
        preheader => email.excerpt.clone().unwrap_or_default(),
        ..minijinja::Value::from(minijinja::value::Serde(email))
    };
    let rendered_html = env.get_template("newsletter.html")?.render(&page)?;
    // The text part is not HTML: render it without escaping.
    let mut text_env = Environment::new();
    text_env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    text_env.add_template("newsletter.txt", TEXT_TEMPLATE)?;
    let rendered_text = text_env.get_template("newsletter.txt")?.render(&page)?;
    Ok((rendered_html, rendered_text))
}

/// Makes `src="/..."` and `href="/..."` absolute against the site, as mail has no base URL.
fn absolute_links(html: &str, site: &str) -> String {
    html.replace("src=\"/", &format!("src=\"{site}/"))
        .replace("href=\"/", &format!("href=\"{site}/"))
        .replace("srcset=\"/", &format!("srcset=\"{site}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NewsletterEmail {
        NewsletterEmail {
            site_title: "The Kyiv Ledger".into(),
            site_url: "https://news.example.org".into(),
            locale: "en".into(),
            accent_color: "#b3261e".into(),
            newsletter_name: "Morning Brief".into(),
            host_name: Some("Olena Marsh".into()),
            title: "Bridges & <power>".into(),
            excerpt: Some("What changed overnight.".into()),
            byline: Some("Anna Field".into()),
            date: "29 November 2026".into(),
            reading_time: 3,
            url: "https://news.example.org/bridges/".into(),
            on_the_web: true,
            image: Some("https://news.example.org/content/images/hero.jpg".into()),
            image_alt: Some("A bridge".into()),
            image_caption: Some("The bridge at dawn".into()),
            image_credit: Some("Photo: Ivan Lys".into()),
            html: "<p>First <a href=\"/tag/energy/\">paragraph</a>.</p><p><img src=\"/content/images/x.jpg\" alt=\"\"></p>".into(),
            listen_url: None,
        }
    }

    #[test]
    fn narrated_stories_link_to_their_audio() {
        let listen = "https://news.example.org/bridges/#listen";
        let (html, text) =
            render_newsletter(&NewsletterEmail { listen_url: Some(listen.into()), ..sample() }).expect("renders");
        // minijinja escapes the slashes of attribute values; mail clients read them the same.
        assert!(html.contains("#listen\"") && html.contains("Listen to this story"));
        assert!(text.contains(&format!("Listen to this story: {listen}")));
        let (html, _) = render_newsletter(&sample()).expect("renders");
        assert!(!html.contains("Listen to this story"));
    }

    #[test]
    fn the_html_part_is_escaped_absolute_and_carries_the_placeholder() {
        let (html, text) = render_newsletter(&sample()).expect("renders");
        assert!(html.contains("Bridges &amp; &lt;power&gt;"), "titles are escaped");
        assert!(html.contains("href=\"https://news.example.org/tag/energy/\""));
        assert!(html.contains("src=\"https://news.example.org/content/images/x.jpg\""));
        assert!(html.contains("Morning Brief with Olena Marsh"));
        assert!(html.contains("The bridge at dawn (Photo: Ivan Lys)"));
        assert!(html.contains(UNSUBSCRIBE_PLACEHOLDER));
        assert!(text.contains("Bridges & <power>"), "the text part is not HTML-escaped: {text}");
        assert!(text.contains("Read it on the web: https://news.example.org/bridges/"));
        assert!(text.contains("First paragraph."));
        assert!(text.contains(&format!("Unsubscribe: {UNSUBSCRIBE_PLACEHOLDER}")));
    }

    #[test]
    fn email_only_stories_link_nowhere() {
        let (html, text) = render_newsletter(&NewsletterEmail { on_the_web: false, ..sample() }).expect("renders");
        assert!(!html.contains("https://news.example.org/bridges/") && !html.contains("Read it on the web"));
        assert!(!text.contains("Read it on the web"));
    }
}

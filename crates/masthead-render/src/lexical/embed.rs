//! The providers whose players and posts a story may embed, by URL pattern. An embed card's
//! URL is matched here and rendered as a sandboxed iframe of the provider's embed page; the
//! markup a provider's oEmbed answer carried (often a script) is never trusted. The site's
//! Content-Security-Policy allows exactly these origins as frames ([`FRAME_ORIGINS`]), and the
//! sanitiser keeps an iframe only when its `src` is one [`is_embed_src`] accepts.

/// An embeddable URL: the provider's name and the address of its embed page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Player {
    pub provider: &'static str,
    pub src: String,
    pub shape: Shape,
}

/// The shape of a provider's frame, so the page keeps its room before the frame loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// 16:9
    Video,
    /// A social post, taller than wide (4:5).
    Post,
    /// A short audio player (16:5).
    Audio,
    /// A phone video (9:16).
    Vertical,
}

impl Shape {
    /// The class the theme sizes the frame by.
    pub fn class(self) -> &'static str {
        match self {
            Self::Video => "kg-embed-video",
            Self::Post => "kg-embed-post",
            Self::Audio => "kg-embed-audio",
            Self::Vertical => "kg-embed-vertical",
        }
    }

    /// Width and height, in proportion.
    pub fn size(self) -> (u32, u32) {
        match self {
            Self::Video => (640, 360),
            Self::Post => (480, 600),
            Self::Audio => (640, 200),
            Self::Vertical => (360, 640),
        }
    }
}

/// The origins embed frames are loaded from, for the `frame-src` directive.
pub const FRAME_ORIGINS: &[&str] = &[
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://platform.twitter.com",
    "https://www.instagram.com",
    "https://t.me",
    "https://open.spotify.com",
    "https://w.soundcloud.com",
    "https://www.tiktok.com",
];

/// The URL without its scheme, `www.` and query, split into host and path segments.
fn parts(url: &str) -> Option<(String, Vec<&str>, Option<&str>)> {
    let rest = url.trim().strip_prefix("https://").or_else(|| url.trim().strip_prefix("http://"))?;
    let (address, query) = match rest.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (rest, None),
    };
    let address = address.split('#').next().unwrap_or_default();
    let (host, path) = address.split_once('/').unwrap_or((address, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").or_else(|| host.strip_prefix("m.")).unwrap_or(&host).to_owned();
    Some((host, path.split('/').filter(|s| !s.is_empty()).collect(), query))
}

/// Whether `id` is made only of the characters providers use in ids (so it cannot carry
/// anything else into the embed address).
fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn query_value<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The player for a URL a reporter pasted, if its provider is one we embed.
pub fn player(url: &str) -> Option<Player> {
    let (host, path, query) = parts(url)?;
    let id = |id: &str| is_id(id).then(|| id.to_owned());
    let video = Shape::Video;
    let (provider, src, shape) = match (host.as_str(), path.as_slice()) {
        ("youtube.com", ["watch"]) => {
            ("YouTube", format!("https://www.youtube-nocookie.com/embed/{}", id(query_value(query, "v")?)?), video)
        }
        ("youtube.com", ["shorts" | "embed" | "live", v, ..]) | ("youtu.be", [v, ..]) => {
            ("YouTube", format!("https://www.youtube-nocookie.com/embed/{}", id(v)?), video)
        }
        ("vimeo.com", [.., v]) if v.bytes().all(|b| b.is_ascii_digit()) => {
            ("Vimeo", format!("https://player.vimeo.com/video/{}", id(v)?), video)
        }
        ("twitter.com" | "x.com", [_, "status", v, ..]) if v.bytes().all(|b| b.is_ascii_digit()) => {
            ("X", format!("https://platform.twitter.com/embed/Tweet.html?id={}", id(v)?), Shape::Post)
        }
        ("instagram.com", [kind @ ("p" | "reel" | "tv"), v, ..]) => {
            ("Instagram", format!("https://www.instagram.com/{kind}/{}/embed", id(v)?), Shape::Post)
        }
        ("t.me", [channel, post]) if post.bytes().all(|b| b.is_ascii_digit()) => {
            ("Telegram", format!("https://t.me/{}/{}?embed=1", id(channel)?, id(post)?), Shape::Post)
        }
        ("open.spotify.com", [kind @ ("episode" | "show" | "track" | "album" | "playlist"), v]) => {
            ("Spotify", format!("https://open.spotify.com/embed/{kind}/{}", id(v)?), Shape::Audio)
        }
        ("soundcloud.com", [user, track]) if is_id(user) && is_id(track) => (
            "SoundCloud",
            format!("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2F{user}%2F{track}"),
            Shape::Audio,
        ),
        ("tiktok.com", [user, "video", v]) if user.starts_with('@') && v.bytes().all(|b| b.is_ascii_digit()) => {
            ("TikTok", format!("https://www.tiktok.com/embed/v2/{}", id(v)?), Shape::Vertical)
        }
        _ => return None,
    };
    Some(Player { provider, src, shape })
}

/// Whether an iframe may load `src`: only the embed pages [`player`] makes.
pub fn is_embed_src(src: &str) -> bool {
    FRAME_ORIGINS.iter().any(|origin| src.strip_prefix(origin).is_some_and(|rest| rest.starts_with('/')))
        && !src.contains(['"', '<', '>', ' ', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(url: &str) -> Option<String> {
        player(url).map(|p| p.src)
    }

    #[test]
    fn each_provider_is_recognised_by_its_usual_addresses() {
        let expected = "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ";
        assert_eq!(src("https://www.youtube.com/watch?v=aqz-KE-bpKQ&t=30").as_deref(), Some(expected));
        assert_eq!(src("https://youtu.be/aqz-KE-bpKQ?si=x").as_deref(), Some(expected));
        assert_eq!(src("https://m.youtube.com/shorts/aqz-KE-bpKQ").as_deref(), Some(expected));
        assert_eq!(src("https://vimeo.com/76979871").as_deref(), Some("https://player.vimeo.com/video/76979871"));
        assert_eq!(
            src("https://x.com/lantern/status/1790000000000000000").as_deref(),
            Some("https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000")
        );
        assert_eq!(
            src("https://twitter.com/lantern/status/1790000000000000000?s=20").as_deref(),
            Some("https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000")
        );
        assert_eq!(
            src("https://www.instagram.com/p/C8xYz12AbCd/").as_deref(),
            Some("https://www.instagram.com/p/C8xYz12AbCd/embed")
        );
        assert_eq!(src("https://t.me/lodvyn_news/4512").as_deref(), Some("https://t.me/lodvyn_news/4512?embed=1"));
        assert_eq!(
            src("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk").as_deref(),
            Some("https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk")
        );
    }

    #[test]
    fn other_addresses_and_smuggled_characters_are_not_embedded() {
        for url in [
            "https://example.com/watch?v=abc",
            "https://www.youtube.com/watch?v=a%22onload%3Dx",
            "https://www.youtube.com/watch?v=abc\"onload=x",
            "https://youtu.be/",
            "javascript:alert(1)//youtu.be/abc",
            "https://x.com/lantern/status/12ab",
            "https://t.me/lodvyn_news",
        ] {
            assert_eq!(player(url), None, "{url}");
        }
    }

    #[test]
    fn only_embed_pages_may_be_framed() {
        assert!(is_embed_src("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"));
        assert!(is_embed_src("https://t.me/lodvyn_news/4512?embed=1"));
        assert!(!is_embed_src("https://www.youtube-nocookie.com.evil.example/embed/x"));
        assert!(!is_embed_src("https://evil.example/"));
        assert!(!is_embed_src("https://t.me"));
        assert!(!is_embed_src("javascript:alert(1)"));
    }
}

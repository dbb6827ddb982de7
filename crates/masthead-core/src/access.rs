//! Who may read a gated post, and what everyone else sees of it: Ghost's content-gating rules,
//! kept here once so the site, feeds, the Content API, structured data, newsletters and the page
//! cache all agree.
//!
//! A post's `visibility` says who it is for: `public` (everyone), `members` (any signed-in
//! member), `paid` (members with a paid or complimentary subscription) or, in Ghost, `tiers`
//! (members on one of the post's tiers). Readers who may not read a post get its public
//! opening: the HTML before Ghost's members-only marker, or nothing of the body when there is no
//! marker (Ghost's rule).

use crate::{MemberStatus, ObjectId, Post, Visibility};

/// Ghost's members-only marker: the comment its paywall card ("public preview" divider) leaves in
/// a post's HTML. What comes before it is the public opening of a gated post.
pub const MEMBERS_ONLY_MARKER: &str = "<!--members-only-->";

/// Who is reading, as far as gated posts go: the access level a request is served at. Paid and
/// complimentary members read the same posts, so they share a level (and a cache entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reader {
    /// No member session (crawlers, feed readers and every Content API request too).
    Anonymous,
    /// A signed-in member on the free tier.
    FreeMember,
    /// A signed-in member with a paid or complimentary subscription: on the paid tiers.
    PaidMember,
    /// A signed-in member on one of the tiers of the post being read, when that post is
    /// limited to tiers. Only [`Post::reader_for`] makes this level, for one post; a page served
    /// at it depends on the member's tiers, so it is never shared through the cache.
    OnPostTiers,
    /// Signed-in staff and private preview links: everything.
    Staff,
}

impl Reader {
    /// The access level of a signed-in member.
    pub fn member(status: MemberStatus) -> Self {
        match status {
            MemberStatus::Free => Self::FreeMember,
            MemberStatus::Paid | MemberStatus::Comped => Self::PaidMember,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::FreeMember => "free",
            Self::PaidMember => "paid",
            Self::OnPostTiers => "tiers",
            Self::Staff => "staff",
        }
    }

    pub fn is_member(self) -> bool {
        matches!(self, Self::FreeMember | Self::PaidMember | Self::OnPostTiers)
    }
}

crate::string_enum!(
    /// Ghost's tier `type`.
    TierType { Free = "free", Paid = "paid" }
);

/// Which readers a post is for: its `visibility`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readership {
    Public,
    Members,
    Paid,
    /// Members on one of the post's tiers (Ghost's `visibility: tiers`).
    Tiers,
}

impl Readership {
    /// Ghost's `checkPostAccess`: public posts are for everyone, and staff read everything;
    /// anonymous readers read nothing else; members read members' posts; paid posts need a paid
    /// or complimentary subscription; a post limited to tiers needs one of its tiers (a post
    /// for no tier is for staff only, as in Ghost).
    pub fn admits(self, reader: Reader) -> bool {
        match (self, reader) {
            (Self::Public, _) | (_, Reader::Staff) => true,
            (_, Reader::Anonymous) => false,
            (Self::Members, _) => true,
            (Self::Paid, reader) => reader == Reader::PaidMember,
            (Self::Tiers, reader) => reader == Reader::OnPostTiers,
        }
    }

    pub fn is_public(self) -> bool {
        self == Self::Public
    }

    /// The member statuses whose members may all read the post: the audience of its newsletter.
    /// Empty for a post limited to tiers, whose audience is its tiers' members, not a status.
    pub fn member_statuses(self) -> Vec<MemberStatus> {
        if self == Self::Tiers {
            return Vec::new();
        }
        MemberStatus::ALL.iter().copied().filter(|&status| self.admits(Reader::member(status))).collect()
    }
}

impl From<Visibility> for Readership {
    fn from(visibility: Visibility) -> Self {
        match visibility {
            Visibility::Public => Self::Public,
            Visibility::Members => Self::Members,
            Visibility::Paid => Self::Paid,
            Visibility::Tiers => Self::Tiers,
        }
    }
}

impl Post {
    /// Who the post is for.
    pub fn readership(&self) -> Readership {
        self.visibility.into()
    }

    /// Whether `reader` may read the whole post.
    pub fn readable_by(&self, reader: Reader) -> bool {
        self.readership().admits(reader)
    }

    /// Whether some readers see only part of the post.
    pub fn is_gated(&self) -> bool {
        !self.readership().is_public()
    }

    /// The access level a member reads this post at, given the tiers they are on (a free
    /// member is on the free tier): [`Reader::OnPostTiers`] when the post is limited to tiers
    /// and they are on one of them, else their level as it is.
    pub fn reader_for(&self, reader: Reader, member_tiers: &[ObjectId]) -> Reader {
        let on_a_tier = self.tiers.iter().any(|tier| member_tiers.contains(tier));
        if self.visibility == Visibility::Tiers && reader.is_member() && on_a_tier {
            Reader::OnPostTiers
        } else {
            reader
        }
    }
}

/// The parts of a post's HTML either side of the members-only marker: the public opening and
/// the rest. Without a marker nothing is public (Ghost's rule) and the whole body is the rest.
pub fn split_at_marker(html: &str) -> (Option<&str>, &str) {
    match html.find(MEMBERS_ONLY_MARKER) {
        Some(at) => (Some(&html[..at]), &html[at + MEMBERS_ONLY_MARKER.len()..]),
        None => (None, html),
    }
}

/// Paragraphs a gated post without a marker shows to readers who may not read it, on the site
/// and in feeds (Ghost's Content API shows nothing of such a post).
pub const PREVIEW_PARAGRAPHS: usize = 2;

/// The public opening of a gated post's HTML and the rest, for the site and its feeds: the part
/// before the members-only marker, or without one the first [`PREVIEW_PARAGRAPHS`] top-level
/// paragraphs (with whatever stands between them), always leaving at least one paragraph for
/// members. `html` is sanitised output, so its tags are balanced.
pub fn split_public(html: &str) -> (&str, &str) {
    if let (Some(opening), rest) = split_at_marker(html) {
        return (opening, rest);
    }
    let ends = top_level_paragraph_ends(html);
    let shown = PREVIEW_PARAGRAPHS.min(ends.len().saturating_sub(1));
    match shown.checked_sub(1).and_then(|i| ends.get(i)) {
        Some(&end) => (&html[..end], &html[end..]),
        None => ("", html),
    }
}

/// Where each top-level `<p>` of `html` ends (just after its `</p>`).
fn top_level_paragraph_ends(html: &str) -> Vec<usize> {
    const VOID: [&str; 13] =
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];
    let mut ends = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        let Some(length) = html[start..].find('>') else { break };
        let end = start + length + 1;
        let tag = &html[start + 1..end - 1];
        at = end;
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            if depth == 0 && name.trim().eq_ignore_ascii_case("p") {
                ends.push(end);
            }
        } else {
            let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("").to_ascii_lowercase();
            if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
                depth += 1;
            }
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_marker_the_first_paragraphs_are_the_opening_and_one_is_always_kept_back() {
        let story = "<p>One <a href=\"/x\" title=\"a>b\">link</a>.</p>\n<blockquote><p>Quoted.</p></blockquote>\n<p>Two<br>lines.</p>\n<p>Three.</p>\n<p>Four.</p>";
        let (opening, rest) = split_public(story);
        assert!(opening.ends_with("<p>Two<br>lines.</p>"), "{opening}");
        assert!(opening.contains("Quoted."), "what stands between the paragraphs comes with them");
        assert_eq!(rest.trim(), "<p>Three.</p>\n<p>Four.</p>");
        let (opening, rest) = split_public("<p>Only.</p>\n<p>Two.</p>");
        assert_eq!((opening, rest), ("<p>Only.</p>", "\n<p>Two.</p>"));
        assert_eq!(split_public("<p>A single paragraph.</p>"), ("", "<p>A single paragraph.</p>"));
        assert_eq!(split_public(""), ("", ""));
        let marked = "<p>Open.</p><p>Also open.</p><p>More.</p><!--members-only--><p>Closed.</p>";
        assert_eq!(split_public(marked), ("<p>Open.</p><p>Also open.</p><p>More.</p>", "<p>Closed.</p>"));
    }

    const READERS: [Reader; 5] =
        [Reader::Anonymous, Reader::FreeMember, Reader::PaidMember, Reader::OnPostTiers, Reader::Staff];

    fn admitted(readership: Readership) -> Vec<&'static str> {
        READERS.iter().filter(|r| readership.admits(**r)).map(|r| r.as_str()).collect()
    }

    #[test]
    fn each_visibility_admits_the_readers_ghost_admits() {
        assert_eq!(admitted(Readership::Public), ["anonymous", "free", "paid", "tiers", "staff"]);
        assert_eq!(admitted(Readership::Members), ["free", "paid", "tiers", "staff"]);
        assert_eq!(admitted(Readership::Paid), ["paid", "staff"]);
        assert_eq!(admitted(Readership::Tiers), ["tiers", "staff"]);
    }

    fn post_for(visibility: Visibility, tiers: &[&ObjectId]) -> Post {
        let mut post = crate::content::tests_support::post("On tiers");
        post.visibility = visibility;
        post.tiers = tiers.iter().map(|id| (*id).clone()).collect();
        post
    }

    #[test]
    fn a_post_limited_to_tiers_is_read_by_members_on_one_of_them_and_nobody_else() {
        let (free, member, sustainer) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
        let post = post_for(Visibility::Tiers, &[&member, &sustainer]);
        let level = |reader, tiers: &[&ObjectId]| {
            let tiers: Vec<ObjectId> = tiers.iter().map(|id| (*id).clone()).collect();
            post.readable_by(post.reader_for(reader, &tiers))
        };
        assert!(level(Reader::PaidMember, &[&sustainer]));
        assert!(level(Reader::PaidMember, &[&free, &member]));
        assert!(!level(Reader::PaidMember, &[]), "paid, but on none of the post's tiers");
        assert!(!level(Reader::FreeMember, &[&free]));
        assert!(!level(Reader::Anonymous, &[&member]), "tiers count only for a signed-in member");
        assert!(level(Reader::Staff, &[]));

        let for_free_members = post_for(Visibility::Tiers, &[&free]);
        assert!(
            for_free_members.readable_by(for_free_members.reader_for(Reader::FreeMember, std::slice::from_ref(&free)))
        );
        assert!(
            !for_free_members
                .readable_by(for_free_members.reader_for(Reader::PaidMember, std::slice::from_ref(&member)))
        );

        let nobody = post_for(Visibility::Tiers, &[]);
        assert!(
            !nobody.readable_by(nobody.reader_for(Reader::PaidMember, std::slice::from_ref(&member))),
            "staff only"
        );

        let paid = post_for(Visibility::Paid, &[]);
        assert_eq!(
            paid.reader_for(Reader::PaidMember, &[member]),
            Reader::PaidMember,
            "only tier posts change the level"
        );
    }

    #[test]
    fn paid_and_complimentary_members_share_an_access_level() {
        assert_eq!(Reader::member(MemberStatus::Free), Reader::FreeMember);
        assert_eq!(Reader::member(MemberStatus::Paid), Reader::PaidMember);
        assert_eq!(Reader::member(MemberStatus::Comped), Reader::PaidMember);
        assert_eq!(Readership::Paid.member_statuses(), [MemberStatus::Paid, MemberStatus::Comped]);
        assert_eq!(Readership::Members.member_statuses(), MemberStatus::ALL);
        assert_eq!(Readership::Tiers.member_statuses(), [], "a tier post's audience is its tiers' members");
        assert_eq!(Readership::from(Visibility::Members), Readership::Members);
    }

    #[test]
    fn the_marker_splits_the_public_opening_from_the_rest() {
        let html = "<p>Open.</p><!--members-only--><p>Closed.</p><!--members-only--><p>More.</p>";
        assert_eq!(split_at_marker(html), (Some("<p>Open.</p>"), "<p>Closed.</p><!--members-only--><p>More.</p>"));
        assert_eq!(split_at_marker("<p>All.</p>"), (None, "<p>All.</p>"));
        assert_eq!(split_at_marker("<!--members-only--><p>x</p>"), (Some(""), "<p>x</p>"));
    }
}

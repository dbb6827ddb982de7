#!/usr/bin/env python3
"""Writes a realistic Ghost 6 JSON export of N posts to standard output, for import benchmarks.

    bench/ghost-export.py 100000 > /tmp/ghost-100k.json

Bodies are 300 to 2,000 words (most of them short), in Lexical with its rendered HTML as Ghost 6
exports them; one post in ten is an older Mobiledoc post. There are 300 tags, 60 staff, one
newsletter, site settings, and ten years of dates. As in Ghost's own exports, the relation tables
(posts_authors, posts_meta, posts_tags) come after the posts. The output is the same for the
same N.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone

WORDS = (
    "the council power grid night shift river bridge market price winter school teachers "
    "hospital doctors nurses budget vote mayor district water heating repairs crews station "
    "train line road closed open report figures week month year people residents families "
    "children city region border village farm harvest weather storm flood rain snow frost "
    "energy supply outage minister court ruling appeal police investigation witness evidence "
    "museum theatre concert festival library archive history memory war peace talks volunteers "
    "shelter kitchen bread bakery factory workers union strike wages pension tax reform plan "
    "project contract tender company owner investors bank loan debt interest rates inflation"
).split()

START = datetime(2016, 1, 1, tzinfo=timezone.utc)
SPAN = 10 * 365 * 24 * 3600


def object_id(prefix, n):
    """A Ghost ObjectId: 24 hex digits."""
    return f"{prefix:02x}{n:022x}"


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sentence(rng):
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def text_node(text, fmt=0):
    return {"detail": 0, "format": fmt, "mode": "normal", "style": "", "text": text,
            "type": "extended-text", "version": 1}


def body(rng, words):
    """The post's Lexical document and its HTML."""
    children, html = [], []
    written = 0
    while written < words:
        if children and rng.random() < 0.12:
            heading = sentence(rng)[:-1]
            children.append({"children": [text_node(heading)], "direction": "ltr", "format": "",
                             "indent": 0, "type": "extended-heading", "version": 1, "tag": "h2"})
            html.append(f"<h2>{heading}</h2>")
            continue
        sentences = [sentence(rng) for _ in range(rng.randint(2, 6))]
        text = " ".join(sentences)
        written += text.count(" ") + 1
        if rng.random() < 0.3:
            cut = text.index(" ", len(text) // 2)
            nodes = [text_node(text[:cut]), text_node(text[cut:], 1)]
            inner = f"{text[:cut]}<strong>{text[cut:]}</strong>"
        else:
            nodes = [text_node(text)]
            inner = text
        children.append({"children": nodes, "direction": "ltr", "format": "", "indent": 0,
                         "type": "paragraph", "version": 1})
        html.append(f"<p>{inner}</p>")
        if rng.random() < 0.05:
            src = f"__GHOST_URL__/content/images/{rng.randint(2016, 2025)}/{rng.randint(1, 12):02d}/photo-{rng.randint(1, 99999)}.jpg"
            children.append({"type": "image", "version": 1, "src": src, "width": 1600, "height": 900,
                             "title": "", "alt": "", "caption": "", "cardWidth": "", "href": ""})
            html.append(f'<figure class="kg-card kg-image-card"><img src="{src}" class="kg-image" alt="" loading="lazy" width="1600" height="900"></figure>')
    lexical = {"root": {"children": children, "direction": "ltr", "format": "", "indent": 0,
                        "type": "root", "version": 1}}
    return lexical, "".join(html)


def mobiledoc(html_paragraphs):
    sections = [[1, "p", [[0, [], 0, text]]] for text in html_paragraphs]
    return {"version": "0.3.1", "atoms": [], "cards": [], "markups": [], "sections": sections}


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: ghost-export.py N > export.json")
    count = int(sys.argv[1])
    rng = random.Random(count)
    out = sys.stdout
    write = out.write
    dumps = json.dumps

    users = [object_id(0x65, n) for n in range(60)]
    tags = [object_id(0x66, n) for n in range(300)]
    newsletter = object_id(0x67, 1)

    write('{"db":[{"meta":{"exported_on":1764000000000,"version":"6.0.0"},"data":{"posts":[\n')
    authors_rows, tags_rows, meta_rows = [], [], []
    for n in range(count):
        post_id = object_id(0x68, n)
        words = 300 + int(1700 * rng.random() ** 4)
        created = START + timedelta(seconds=rng.randrange(SPAN))
        updated = created + timedelta(hours=rng.randint(0, 200))
        roll = rng.random()
        status = "published" if roll < 0.9 else "draft" if roll < 0.99 else "scheduled"
        published = created + timedelta(hours=1)
        if status == "scheduled":
            published = datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(hours=n % 1000)
        title = sentence(rng)[:-1][:120]
        lexical, html = body(rng, words)
        old = rng.random() < 0.1
        row = {
            "id": post_id,
            "uuid": f"{n:08x}-0000-4000-8000-{n:012x}",
            "title": title,
            "slug": "-".join(title.lower().split()[:6]) + f"-{n}",
            "mobiledoc": dumps(mobiledoc([p["children"][0]["text"] for p in lexical["root"]["children"] if p["type"] == "paragraph"])) if old else None,
            "lexical": None if old else dumps(lexical),
            "html": html,
            "comment_id": post_id,
            "feature_image": f"__GHOST_URL__/content/images/{created.year}/{created.month:02d}/cover-{n}.jpg" if rng.random() < 0.6 else None,
            "featured": rng.random() < 0.05,
            "type": "page" if rng.random() < 0.03 else "post",
            "status": status,
            "locale": None,
            "visibility": rng.choice(["public"] * 8 + ["members", "paid"]),
            "email_recipient_filter": "none",
            "created_at": stamp(created),
            "created_by": users[0],
            "updated_at": stamp(updated),
            "updated_by": users[0],
            "published_at": None if status == "draft" else stamp(published),
            "published_by": users[0],
            "custom_excerpt": sentence(rng) if rng.random() < 0.3 else None,
            "codeinjection_head": None,
            "codeinjection_foot": None,
            "custom_template": None,
            "canonical_url": None,
            "newsletter_id": None,
            "show_title_and_feature_image": True,
        }
        if n:
            write(",\n")
        write(dumps(row))
        for order, author in enumerate(rng.sample(users, rng.choice([1, 1, 1, 2]))):
            authors_rows.append((post_id, author, order))
        for order, tag in enumerate(rng.sample(tags, rng.randint(0, 4))):
            tags_rows.append((post_id, tag, order))
        if rng.random() < 0.3:
            meta_rows.append((post_id, title))
    write("\n],\n")

    def table(name, rows):
        write(f'"{name}":[\n')
        write(",\n".join(dumps(r) for r in rows))
        write("\n],\n")

    table("posts_authors", ({"id": object_id(0x69, i), "post_id": p, "author_id": a, "sort_order": o}
                            for i, (p, a, o) in enumerate(authors_rows)))
    table("posts_meta", ({"id": object_id(0x6a, i), "post_id": p, "og_image": None, "og_title": None,
                          "og_description": None, "twitter_image": None, "twitter_title": None,
                          "twitter_description": None, "meta_title": t[:60], "meta_description": None,
                          "email_subject": None, "frontmatter": None, "feature_image_alt": None,
                          "feature_image_caption": None, "email_only": False}
                         for i, (p, t) in enumerate(meta_rows)))
    table("posts_tags", ({"id": object_id(0x6b, i), "post_id": p, "tag_id": t, "sort_order": o}
                         for i, (p, t, o) in enumerate(tags_rows)))
    table("tags", ({"id": tag, "name": f"Topic {i} {rng.choice(WORDS)}", "slug": f"topic-{i}",
                    "description": sentence(rng), "feature_image": None, "parent_id": None,
                    "visibility": "internal" if i % 50 == 49 else "public", "og_image": None,
                    "og_title": None, "og_description": None, "twitter_image": None,
                    "twitter_title": None, "twitter_description": None, "meta_title": None,
                    "meta_description": None, "codeinjection_head": None, "codeinjection_foot": None,
                    "canonical_url": None, "accent_color": None,
                    "created_at": stamp(START), "updated_at": stamp(START)}
                   for i, tag in enumerate(tags)))
    table("users", ({"id": user, "name": f"Reporter {i}", "slug": f"reporter-{i}",
                     "email": f"reporter{i}@news.example.org", "profile_image": None, "cover_image": None,
                     "bio": sentence(rng), "website": None, "location": "Kyiv", "facebook": None,
                     "twitter": None, "status": "active", "visibility": "public",
                     "created_at": stamp(START), "updated_at": stamp(START)}
                    for i, user in enumerate(users)))
    roles = [("Administrator", object_id(0x6c, 1)), ("Editor", object_id(0x6c, 2)),
             ("Author", object_id(0x6c, 3)), ("Contributor", object_id(0x6c, 4))]
    table("roles", ({"id": rid, "name": name, "description": name} for name, rid in roles))
    table("roles_users", ({"id": object_id(0x6d, i), "role_id": roles[0 if i == 0 else 1 if i < 6 else 2][1],
                           "user_id": user} for i, user in enumerate(users)))
    table("newsletters", [{"id": newsletter, "uuid": "9b5e3c1a-0000-4a1a-9a1a-000000000001",
                           "name": "Daily briefing", "slug": "daily-briefing", "status": "active",
                           "sender_reply_to": "newsletter", "subscribe_on_signup": True,
                           "sort_order": 0, "created_at": stamp(START), "updated_at": stamp(START)}])
    settings = {"title": "The Night Desk", "description": "News after dark", "timezone": "Europe/Kyiv",
                "locale": "en", "accent_color": "#b3261e",
                "navigation": dumps([{"label": "Home", "url": "__GHOST_URL__/"}])}
    table("settings", ({"id": object_id(0x6e, i), "group": "site", "key": k, "value": v, "type": "string"}
                       for i, (k, v) in enumerate(settings.items())))
    write('"custom_theme_settings":[]\n}}]}\n')


if __name__ == "__main__":
    main()

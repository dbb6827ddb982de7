#!/usr/bin/env node
// Round trip into Ghost: imports a Masthead export (`masthead export ghost FILE`) into a running
// Ghost through its Admin API (`POST /ghost/api/admin/db/`, as Settings → Import does), then reads
// posts, pages, tags and authors back through both sites' Content APIs and compares them by slug.
// Exit status: 0 when everything compared is the same, 1 on differences, 2 when it could not run.
//
//   node roundtrip.js EXPORT.json --masthead-url URL --masthead-key KEY [--wipe] [--no-import]
//
// Ghost is configured from the environment as for the other scripts (README.md). Use a fresh
// Ghost site: whatever Ghost already holds under the same slugs makes its importer skip or rename
// the imported rows. `--wipe` first runs Ghost's "Delete all content" (posts, pages and tags; staff
// stay). Node 18+, no npm packages.
'use strict';
const fs = require('node:fs');
const {env, session, admin, sleep} = require('./lib.js');

const USAGE = `usage: node roundtrip.js EXPORT.json --masthead-url URL --masthead-key KEY [options]

  --masthead-url URL   the Masthead site the export was made from (or MASTHEAD_URL)
  --masthead-key KEY   a Content API key of that site (or MASTHEAD_CONTENT_KEY)
  --wipe               delete all of Ghost's posts, pages and tags before importing
  --keep-existing      import although Ghost already holds posts, pages or tags
  --no-import          do not import; compare what Ghost holds now
  --wait SECONDS       how long to wait for Ghost's background import (default 180)

Ghost: GHOST_URL, GHOST_CONTENT_KEY, GHOST_ADMIN_KEY, GHOST_OWNER_EMAIL, GHOST_OWNER_PASSWORD.`;

function parseArgs(argv) {
    const o = {wipe: false, keepExisting: false, import: true, wait: 180,
        mastheadUrl: process.env.MASTHEAD_URL, mastheadKey: process.env.MASTHEAD_CONTENT_KEY};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
        if (a === '--masthead-url') o.mastheadUrl = value();
        else if (a === '--masthead-key') o.mastheadKey = value();
        else if (a === '--wipe') o.wipe = true;
        else if (a === '--keep-existing') o.keepExisting = true;
        else if (a === '--no-import') o.import = false;
        else if (a === '--wait') o.wait = Number(value());
        else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
        else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
        else if (o.file) throw new Error(`one export file only (got ${o.file} and ${a})`);
        else o.file = a;
    }
    if (!o.file || !o.mastheadUrl || !o.mastheadKey) throw new Error('the export file, --masthead-url and --masthead-key are required');
    o.mastheadUrl = o.mastheadUrl.replace(/\/$/, '');
    return o;
}

// ---- reading a Content API ------------------------------------------------------------------

const RESOURCES = {
    posts: 'include=tags,authors&formats=html',
    pages: 'include=tags,authors&formats=html',
    tags: 'include=count.posts',
    authors: 'include=count.posts',
};

// Ghost 6.65 answers `limit=all` with at most 100 items, so read page by page.
async function browse(base, key, resource) {
    const out = [];
    for (let page = 1; page < 1000; page++) {
        const url = `${base}/ghost/api/content/${resource}/?key=${encodeURIComponent(key)}&limit=100&page=${page}&${RESOURCES[resource]}`;
        const res = await fetch(url, {headers: {'Accept-Version': 'v6.0'}});
        const text = await res.text();
        if (!res.ok) throw new Error(`GET ${base} ${resource} page ${page}: ${res.status} ${text.slice(0, 300)}`);
        const body = JSON.parse(text);
        out.push(...body[resource]);
        if (!body.meta?.pagination?.next) return out;
    }
    throw new Error(`${base} ${resource}: more than 1000 pages`);
}

const readSite = async (base, key) => Object.fromEntries(
    await Promise.all(Object.keys(RESOURCES).map(async (r) => [r, await browse(base, key, r)])));

// ---- Ghost's Admin API ----------------------------------------------------------------------

async function adminTotal(cfg, resource) {
    const r = await admin(cfg, 'GET', `/${resource}/?limit=1&fields=id`);
    return r.meta.pagination.total;
}

const adminTotals = async (cfg) => {
    const t = {};
    for (const r of ['posts', 'pages', 'tags']) t[r] = await adminTotal(cfg, r);
    return t;
};

// Ghost runs every import as a background job and reports its problems only by email to the
// staff user; the request answers at once. Wait until the totals change and then hold still.
async function waitForImport(cfg, before, seconds, log) {
    const key = (t) => `${t.posts}/${t.pages}/${t.tags}`;
    let last = key(before);
    let stable = 0;
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        await sleep(1000);
        const now = key(await adminTotals(cfg));
        if (now !== last) { last = now; stable = 0; continue; }
        if (now !== key(before) && ++stable >= 3) { log(`import finished: posts/pages/tags ${key(before)} → ${now}`); return true; }
    }
    log(`Ghost's import changed nothing within ${seconds} s (it failed, or everything it held was there already)`);
    return false;
}

// A staff session, checked: Ghost has been seen to refuse a session's first request.
async function staffSession(cfg) {
    const withOwner = {...cfg, ownerEmail: env('GHOST_OWNER_EMAIL'), ownerPassword: env('GHOST_OWNER_PASSWORD')};
    for (let attempt = 1; ; attempt++) {
        const cookie = await session(withOwner);
        const res = await admin(cfg, 'GET', '/users/me/', undefined, {cookie, raw: true});
        if (res.ok) return cookie;
        if (attempt === 3) throw new Error(`staff session refused: ${res.status} ${(await res.text()).slice(0, 300)}`);
        await sleep(1000);
    }
}

// The status of a post or page Ghost holds but does not publish (draft, scheduled), by slug.
async function ghostStatus(cfg, resource, slug) {
    const res = await admin(cfg, 'GET', `/${resource}/slug/${encodeURIComponent(slug)}/?fields=id,slug,status,published_at`, undefined, {raw: true});
    if (!res.ok) return null;
    return (await res.json())[resource][0];
}

// ---- normalisation --------------------------------------------------------------------------

const ENTITIES = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '’', lsquo: '‘', rdquo: '”',
    ldquo: '“', mdash: '—', ndash: '–', hellip: '…', copy: '©', reg: '®', trade: '™', laquo: '«', raquo: '»',
    middot: '·', bull: '•', times: '×', deg: '°', euro: '€', pound: '£', shy: ''};
const decode = (s) => s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') { const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10); return String.fromCodePoint(n); }
    return ENTITIES[e.toLowerCase()] ?? m;
});
const BLOCK = /^(p|div|h[1-6]|li|ul|ol|blockquote|figure|figcaption|pre|hr|br|table|tr|td|th|thead|tbody|section|article|aside|header|footer|img|iframe|video|audio|hr|dl|dt|dd)$/i;

function makeText(sites) {
    const hosts = sites.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const hostRe = new RegExp(hosts.join('|'), 'g');
    const site = (s) => s.replace(hostRe, '<site>');
    const text = (html) => {
        if (!html) return '';
        let s = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ');
        s = s.replace(/<\/?([a-z0-9]+)\b[^>]*>/gi, (m, tag) => (BLOCK.test(tag) ? ' ' : ''));
        return site(decode(s)).replace(/\s+/g, ' ').trim();
    };
    return {site, text};
}

const instant = (v) => (v ? new Date(v).getTime() : null);
const blank = (v) => (v === undefined || v === null || v === '' ? null : v);
const present = (v) => (blank(v) === null ? 'none' : 'present');

async function readSettings(base, key) {
    const res = await fetch(`${base}/ghost/api/content/settings/?key=${encodeURIComponent(key)}`, {headers: {'Accept-Version': 'v6.0'}});
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${base} settings: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text).settings;
}

// A setting's value as both sites should agree on it: images by presence, navigation as its
// labels and addresses with either site's address written <site>.
function settingValue(norm, key, v) {
    if (['logo', 'icon', 'cover_image', 'og_image', 'twitter_image'].includes(key)) return present(v);
    if (Array.isArray(v)) return JSON.stringify(v.map((x) => (x && typeof x === 'object' && 'url' in x ? {...x, url: norm.site(x.url)} : x)));
    return blank(v);
}

// Settings the export file carries are compared (a difference is Ghost taking one wrongly);
// others that differ are notes, since Ghost keeps its own value for them.
const SETTINGS_NOT_COMPARED = new Set(['url', 'version']);

function compareSettings(norm, m, g, carried) {
    const differences = [];
    const notes = [];
    for (const key of Object.keys(m)) {
        if (SETTINGS_NOT_COMPARED.has(key) || !(key in g)) continue;
        const a = settingValue(norm, key, m[key]);
        const b = settingValue(norm, key, g[key]);
        if (a === b) continue;
        const line = `${key}: Masthead ${show(a)}, Ghost ${show(b)}`;
        if (carried.has(key)) differences.push(`settings/${key}: ${line.slice(key.length + 2)}`);
        else notes.push(line);
    }
    return {differences, notes};
}

// ---- comparison -----------------------------------------------------------------------------

// For each resource, the fields compared and how each side's value is read.
function fields(norm, slugMap) {
    const tagSlugs = (p, side) => (p.tags || []).filter((t) => t.visibility === 'public')
        .map((t) => (side === 'masthead' ? slugMap.tags.get(t.slug) ?? t.slug : t.slug));
    const authorSlugs = (p, side) => (p.authors || [])
        .map((a) => (side === 'masthead' ? slugMap.authors.get(a.slug) ?? a.slug : a.slug));
    const post = {
        title: (p) => p.title,
        url: (p) => norm.site(p.url || ''),
        published_at: (p) => ({v: instant(p.published_at), show: p.published_at}),
        visibility: (p) => p.visibility,
        access: (p) => p.access,
        featured: (p) => Boolean(p.featured),
        authors: (p, side) => authorSlugs(p, side).join(', '),
        tags: (p, side) => tagSlugs(p, side).join(', '),
        custom_excerpt: (p) => blank(p.custom_excerpt),
        feature_image: (p) => present(p.feature_image),
        feature_image_alt: (p) => blank(p.feature_image_alt),
        feature_image_caption: (p) => blank(norm.text(p.feature_image_caption)),
        // Masthead keeps a photo credit beside the caption; Ghost has no such field, so the
        // credit survives only if its text reached Ghost's caption.
        feature_image_credit: (p, side) => {
            if (side === 'masthead') return {v: blank(norm.text(p.feature_image_credit)), credit: true};
            return {v: blank(norm.text(p.feature_image_caption)), credit: true};
        },
        meta_title: (p) => blank(p.meta_title),
        meta_description: (p) => blank(p.meta_description),
        og_title: (p) => blank(p.og_title),
        og_description: (p) => blank(p.og_description),
        twitter_title: (p) => blank(p.twitter_title),
        twitter_description: (p) => blank(p.twitter_description),
        canonical_url: (p) => blank(p.canonical_url && norm.site(p.canonical_url)),
        'html (text)': (p) => ({v: norm.text(p.html), text: true}),
    };
    return {
        posts: post,
        pages: post,
        tags: {
            name: (t) => t.name,
            url: (t) => norm.site(t.url || ''),
            visibility: (t) => t.visibility,
            description: (t) => blank(t.description),
            feature_image: (t) => present(t.feature_image),
            accent_color: (t) => blank(t.accent_color),
            meta_title: (t) => blank(t.meta_title),
            meta_description: (t) => blank(t.meta_description),
            'count.posts': (t) => t.count?.posts,
        },
        authors: {
            name: (a) => a.name,
            url: (a) => norm.site(a.url || ''),
            bio: (a) => blank(a.bio),
            location: (a) => blank(a.location),
            website: (a) => blank(a.website),
            profile_image: (a) => present(a.profile_image),
            cover_image: (a) => present(a.cover_image),
            twitter: (a) => blank(a.twitter),
            facebook: (a) => blank(a.facebook),
            'count.posts': (a) => a.count?.posts,
        },
    };
}

const unwrap = (x) => (x !== null && typeof x === 'object' && 'v' in x ? x : {v: x});
const show = (x) => JSON.stringify(x === undefined ? null : x);

// Where two texts part, with some context on each side.
function textDiff(a, b) {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const cut = (s) => `${i > 60 ? '…' : ''}${s.slice(Math.max(0, i - 60), i + 60)}${i + 60 < s.length ? '…' : ''}`;
    return `texts part at character ${i} (Masthead ${a.length} characters, Ghost ${b.length}):\n` +
        `        Masthead: ${show(cut(a))}\n        Ghost:    ${show(cut(b))}`;
}

function compareItem(spec, m, g) {
    const out = [];
    for (const [name, get] of Object.entries(spec)) {
        const a = unwrap(get(m, 'masthead'));
        const b = unwrap(get(g, 'ghost'));
        if (a.v === b.v || (a.v === undefined && b.v === undefined)) continue;
        if (a.credit) {
            if (a.v === null || (b.v || '').includes(a.v)) continue;
            out.push(`${name}: Masthead ${show(a.v)}; Ghost has no credit field and its caption (${show(b.v)}) does not hold it`);
            continue;
        }
        if (a.text) out.push(`${name}: ${textDiff(a.v, b.v)}`);
        else out.push(`${name}: Masthead ${show(a.show ?? a.v)}, Ghost ${show(b.show ?? b.v)}`);
    }
    return out;
}

// Why Ghost's slug may differ from the one it was given.
function slugChange(from, to) {
    if (/[^\x00-\x7f]/.test(from) && !/[^\x00-\x7f]/.test(to)) return 'Ghost transliterated the slug';
    if (to.startsWith(`${from}-`) && /^\d+$/.test(to.slice(from.length + 1))) return 'Ghost renamed it as a duplicate of a slug it already had';
    return 'Ghost changed the slug';
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const log = (...a) => console.error('[roundtrip]', ...a);
    const cfg = {url: env('GHOST_URL', 'http://127.0.0.1:2368').replace(/\/$/, ''), adminKey: env('GHOST_ADMIN_KEY')};
    const ghostContentKey = env('GHOST_CONTENT_KEY');
    const raw = fs.readFileSync(opts.file);
    const file = JSON.parse(raw);
    const data = (file.db ? file.db[0] : file).data;

    const site = (await admin(cfg, 'GET', '/site/')).site;
    log(`Ghost ${site.version} at ${cfg.url}; Masthead at ${opts.mastheadUrl}`);

    // Whatever Ghost held before the import is not compared; a slug it already had is reported.
    let before = await adminTotals(cfg);
    const cookie = opts.import ? await staffSession(cfg) : null;
    if (opts.import) {
        const busy = before.posts + before.pages + before.tags > 0;
        if (busy && !opts.wipe && !opts.keepExisting) {
            throw new Error(`Ghost already holds ${before.posts} posts, ${before.pages} pages and ${before.tags} tags; ` +
                'use a fresh site with --wipe (deletes them) or pass --keep-existing');
        }
        if (opts.wipe && busy) {
            await admin(cfg, 'DELETE', '/db/', undefined, {cookie});
            before = await adminTotals(cfg);
            log(`deleted all content; Ghost now holds ${before.posts} posts, ${before.pages} pages, ${before.tags} tags`);
        }
    }
    const existing = opts.import ? await readSite(cfg.url, ghostContentKey) : {posts: [], pages: [], tags: [], authors: []};
    const preexisting = Object.fromEntries(Object.entries(existing).map(([r, list]) => [r, new Set(list.map((x) => x.id))]));
    if (opts.import) {
        const fd = new FormData();
        fd.append('importfile', new Blob([raw], {type: 'application/json'}), 'masthead-export.json');
        const res = await admin(cfg, 'POST', '/db/', fd, {cookie, raw: true});
        const text = await res.text();
        if (!res.ok) throw new Error(`Ghost refused the import: ${res.status} ${text.slice(0, 800)}`);
        log(`import accepted (${res.status}); waiting for Ghost's background job`);
        const body = text ? JSON.parse(text) : {};
        for (const p of body.problems || []) log('importer problem:', p.message, p.help || '', (p.context || '').slice(0, 200));
        await waitForImport(cfg, before, opts.wait, log);
    }

    const [masthead, ghost] = await Promise.all([readSite(opts.mastheadUrl, opts.mastheadKey), readSite(cfg.url, ghostContentKey)]);
    const norm = makeText([opts.mastheadUrl, cfg.url]);

    // What the export file holds, to tell "not exported" from "not imported".
    const inFile = {
        posts: new Set((data.posts || []).filter((p) => (p.type || 'post') === 'post').map((p) => p.slug)),
        pages: new Set((data.posts || []).filter((p) => p.type === 'page').map((p) => p.slug)),
        tags: new Set((data.tags || []).map((t) => t.slug)),
        authors: new Set((data.users || []).map((u) => u.slug)),
    };

    // Match by slug; failing that, a new Ghost item with the same title (or name) is the same
    // item under another slug. Tags and authors first, so posts compare through renamed slugs.
    const slugMap = {tags: new Map(), authors: new Map(), posts: new Map(), pages: new Map()};
    const pairs = {};
    const differences = [];
    const notes = [];
    const summary = [];
    for (const r of ['tags', 'authors', 'posts', 'pages']) {
        const label = r === 'tags' || r === 'authors' ? 'name' : 'title';
        const isPublicTag = (t) => r !== 'tags' || t.visibility === 'public';
        const mItems = masthead[r].filter(isPublicTag);
        const gAll = ghost[r].filter(isPublicTag);
        const gBySlug = new Map(gAll.map((g) => [g.slug, g]));
        const used = new Set();
        pairs[r] = [];
        const diff = (slug, what) => differences.push(`${r}/${slug}: ${what}`);
        for (const m of mItems) {
            if (!inFile[r].has(m.slug)) diff(m.slug, "Masthead's Content API lists it, but the export file does not hold it");
            let g = gBySlug.get(m.slug);
            if (g && preexisting[r].has(g.id)) {
                diff(m.slug, 'Ghost already had one with this slug before the import: compared with that one');
            }
            if (!g) {
                g = gAll.find((x) => !used.has(x.id) && !preexisting[r].has(x.id) && !mItems.some((y) => y.slug === x.slug) && x[label] === m[label]);
                if (g) {
                    diff(m.slug, `imported under the slug ${show(g.slug)}: ${slugChange(m.slug, g.slug)}`);
                    slugMap[r].set(m.slug, g.slug);
                }
            }
            if (!g) {
                let why = 'not on Ghost\'s Content API after the import';
                if (r === 'posts' || r === 'pages') {
                    const st = await ghostStatus(cfg, r, m.slug);
                    if (st) why = `Ghost holds it as ${st.status} (published_at ${st.published_at}), so its Content API does not list it`;
                    else why += ' (not imported: Ghost has no post or page with this slug)';
                } else if (r === 'tags') {
                    why += ' (Ghost leaves a tag without published posts out of its list; or it was not imported)';
                } else {
                    why += ' (Ghost lists only staff with published posts; or the account was not imported)';
                }
                diff(m.slug, why);
                continue;
            }
            used.add(g.id);
            pairs[r].push([m, g]);
        }
        const extra = gAll.filter((g) => !used.has(g.id) && !preexisting[r].has(g.id));
        for (const g of extra) {
            if (inFile[r].has(g.slug)) diff(g.slug, 'on Ghost\'s Content API, in the export file, but not on Masthead\'s Content API');
            else diff(g.slug, `only on Ghost's Content API (${label} ${show(g[label])}), not in the export file`);
        }
        const skipped = gAll.filter((g) => preexisting[r].has(g.id) && !used.has(g.id)).length;
        if (skipped) notes.push(`${r}: ${skipped} that Ghost held before the import were not compared`);
        summary.push({r, masthead: mItems.length, ghost: gAll.length - skipped, compared: pairs[r].length, same: 0});
    }
    const carried = new Set((data.settings || []).map((x) => x.key));
    const settings = compareSettings(norm, await readSettings(opts.mastheadUrl, opts.mastheadKey),
        await readSettings(cfg.url, ghostContentKey), carried);
    differences.push(...settings.differences);
    if (settings.notes.length) notes.push(`settings the export file does not carry, where Ghost keeps its own value:\n    ${settings.notes.join('\n    ')}`);
    const internal = (site) => site.tags.filter((t) => t.visibility !== 'public').map((t) => t.slug);
    notes.push(`internal tags (not compared): Masthead ${show(internal(masthead))}, Ghost ${show(internal(ghost))}`);

    const spec = fields(norm, slugMap);
    for (const s of summary) {
        for (const [m, g] of pairs[s.r]) {
            const d = compareItem(spec[s.r], m, g);
            if (d.length === 0) s.same++;
            for (const x of d) differences.push(`${s.r}/${m.slug}: ${x}`);
        }
    }

    console.log(`Round trip: ${opts.file} → Ghost ${site.version} (${cfg.url}), compared with Masthead (${opts.mastheadUrl})`);
    console.log(`Export file: ${inFile.posts.size} posts, ${inFile.pages.size} pages, ${inFile.tags.size} tags, ${inFile.authors.size} staff, ${carried.size} settings`);
    console.log('');
    console.log('resource  Masthead  Ghost  compared  same');
    for (const s of summary) {
        console.log(`${s.r.padEnd(8)}  ${String(s.masthead).padStart(8)}  ${String(s.ghost).padStart(5)}  ${String(s.compared).padStart(8)}  ${String(s.same).padStart(4)}`);
    }
    console.log('');
    for (const n of notes) console.log(`note: ${n}`);
    console.log('');
    // Grouped by resource and item, in the order found (sort is stable).
    const order = ['settings', 'tags', 'authors', 'posts', 'pages'];
    const key = (d) => [order.indexOf(d.split('/')[0]), d.slice(0, d.indexOf(': '))];
    differences.sort((a, b) => { const [ra, sa] = key(a); const [rb, sb] = key(b); return ra - rb || (sa < sb ? -1 : sa > sb ? 1 : 0); });
    // How many items differ in each field, to see the causes at a glance.
    const byField = new Map();
    for (const d of differences) {
        const [item, rest] = [d.slice(0, d.indexOf(': ')), d.slice(d.indexOf(': ') + 2)];
        const m = /^([\w.]+(?: \(text\))?): /.exec(rest);
        const k = `${item.split('/')[0]} ${item.startsWith('settings/') ? item.slice(9) : m ? m[1] : 'presence or slug'}`;
        byField.set(k, (byField.get(k) || 0) + 1);
    }
    if (byField.size) console.log(`by field: ${[...byField].map(([k, n]) => `${k} ${n}`).join('; ')}`);
    console.log(`${differences.length} difference(s)${differences.length ? ':' : ''}`);
    for (const d of differences) console.log(`  - ${d}`);
    return differences.length ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
    console.error(`roundtrip: ${err.message}`);
    process.exitCode = 2;
});

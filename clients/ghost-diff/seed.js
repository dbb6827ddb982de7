#!/usr/bin/env node
// Builds the fixture site (fixture.js) on a running Ghost through its Admin API.
// The site should be fresh: seed.js first deletes every post, page, tag, member and label,
// so that the site holds exactly the fixture afterwards. Run export.js next.
//
//   GHOST_URL=… GHOST_ADMIN_KEY=… GHOST_OWNER_EMAIL=… GHOST_OWNER_PASSWORD=… node seed.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {config, session, admin, sleep} = require('./lib.js');
const fx = require('./fixture.js');

const cfg = {...config(), contentKey: process.env.GHOST_CONTENT_KEY || '-'};
const log = (...a) => console.error('[seed]', ...a);
const IMAGES = path.join(__dirname, 'images');

async function all(resource, query = '') {
    const out = [];
    for (let page = 1; ; page++) {
        const r = await admin(cfg, 'GET', `/${resource}/?limit=100&page=${page}${query}`);
        out.push(...r[resource]);
        if (!r.meta.pagination.next) return out;
    }
}

async function wipe() {
    for (const res of ['posts', 'pages']) {
        const items = await all(res, '&fields=id,title');
        for (const it of items) await admin(cfg, 'DELETE', `/${res}/${it.id}/`);
        log(`deleted ${items.length} ${res}`);
    }
    const tags = await all('tags', '&fields=id');
    for (const t of tags) await admin(cfg, 'DELETE', `/tags/${t.id}/`);
    const members = await all('members');
    for (const m of members) await admin(cfg, 'DELETE', `/members/${m.id}/`);
    const labels = await all('labels');
    for (const l of labels) await admin(cfg, 'DELETE', `/labels/${l.id}/`);
    log(`deleted ${tags.length} tags, ${members.length} members, ${labels.length} labels`);
}

async function uploadImages() {
    const urls = {};
    for (const file of fs.readdirSync(IMAGES).sort()) {
        const type = file.endsWith('.png') ? 'image/png' : 'image/jpeg';
        const fd = new FormData();
        fd.append('file', new Blob([fs.readFileSync(path.join(IMAGES, file))], {type}), file);
        fd.append('purpose', 'image');
        fd.append('ref', file);
        const r = await admin(cfg, 'POST', '/images/upload/', fd);
        urls[file] = r.images[0].url;
    }
    log('uploaded', Object.keys(urls).length, 'images');
    return urls;
}

async function settings(cookie, img) {
    const s = fx.site;
    const values = {
        title: s.title, description: s.description, timezone: s.timezone, locale: s.locale, accent_color: s.accent_color,
        meta_title: s.meta_title, meta_description: s.meta_description, og_title: s.og_title, og_description: s.og_description,
        twitter_title: s.twitter_title, twitter_description: s.twitter_description, facebook: s.facebook, twitter: s.twitter,
        navigation: JSON.stringify(s.navigation), secondary_navigation: JSON.stringify(s.secondary_navigation),
        logo: img['lantern-mark.png'], icon: img['lantern-mark.png'], cover_image: img['river-crossing.jpg'],
        og_image: img['river-crossing.jpg'], members_signup_access: 'all', default_content_visibility: 'public',
        comments_enabled: 'off',
    };
    await admin(cfg, 'PUT', '/settings/', {settings: Object.entries(values).map(([key, value]) => ({key, value}))}, {cookie});
    log('settings written');
}

// Ghost's Admin API has no "create user" (staff join by invitation and email), so the other
// staff accounts arrive through Ghost's own JSON importer: a file holding only users and roles.
async function staff(cookie, img) {
    const me = (await admin(cfg, 'GET', '/users/me/', undefined, {cookie})).users[0];
    const users = await all('users', '&include=roles');
    const byEmail = new Map(users.map((u) => [u.email, u]));
    const missing = fx.staff.filter((u) => u.key !== 'olena' && !byEmail.has(u.email));
    if (missing.length) {
        const roleNames = [...new Set(missing.map((u) => u.role))];
        const roles = roleNames.map((name, i) => ({id: `6500000000000000000000${String(i + 1).padStart(2, '0')}`, name}));
        const rows = missing.map((u, i) => ({
            id: `6500000000000000000001${String(i + 1).padStart(2, '0')}`, name: u.name, slug: u.slug, email: u.email,
            bio: u.bio, location: u.location, website: u.website || null, twitter: u.twitter || null, facebook: u.facebook || null,
            profile_image: u.profile_image ? img[u.profile_image] : null, cover_image: u.cover_image ? img[u.cover_image] : null,
            status: 'active', visibility: 'public',
            created_at: '2024-12-01 08:00:00', updated_at: '2024-12-01 08:00:00',
        }));
        const rolesUsers = missing.map((u, i) => ({id: `6500000000000000000002${String(i + 1).padStart(2, '0')}`,
            role_id: roles.find((r) => r.name === u.role).id, user_id: rows[i].id}));
        const file = {db: [{meta: {exported_on: Date.UTC(2025, 0, 1), version: '6.65.0'}, data: {users: rows, roles, roles_users: rolesUsers}}]};
        const fd = new FormData();
        fd.append('importfile', new Blob([JSON.stringify(file)], {type: 'application/json'}), 'staff.json');
        const r = await admin(cfg, 'POST', '/db/', fd, {cookie});
        if (r.problems && r.problems.length) log('staff import problems:', JSON.stringify(r.problems).slice(0, 600));
    }
    // Every account (the owner too) gets its fixture profile; imported accounts come in locked and are made active.
    const after = await all('users', '&include=roles');
    const ids = {};
    for (const u of fx.staff) {
        const row = u.key === 'olena' ? after.find((x) => x.id === me.id) : after.find((x) => x.email === u.email);
        if (!row) { log('staff member missing after import:', u.email); continue; }
        ids[u.key] = row;
        const edit = {name: u.name, slug: u.slug, bio: u.bio, location: u.location, website: u.website || null,
            twitter: u.twitter || null, facebook: u.facebook || null, status: 'active',
            profile_image: u.profile_image ? img[u.profile_image] : null, cover_image: u.cover_image ? img[u.cover_image] : null};
        const r = await admin(cfg, 'PUT', `/users/${row.id}/`, {users: [edit]}, {cookie});
        ids[u.key] = r.users[0];
    }
    log('staff:', Object.values(ids).map((u) => `${u.slug}(${u.status})`).join(', '));
    return ids;
}

async function tiers() {
    const existing = await all('tiers');
    const ids = {};
    const free = existing.find((t) => t.type === 'free');
    const paid = existing.filter((t) => t.type === 'paid');
    for (const t of fx.tiers) {
        const body = {name: t.name, description: t.description, benefits: t.benefits};
        if (t.key !== 'free') Object.assign(body, {monthly_price: t.monthly_price, yearly_price: t.yearly_price, currency: t.currency,
            visibility: t.visibility, welcome_page_url: t.welcome_page_url || null});
        let target = t.key === 'free' ? free : existing.find((x) => x.name === t.name);
        if (!target && t.key === 'supporter') target = paid[0];
        let r;
        try {
            r = target ? await admin(cfg, 'PUT', `/tiers/${target.id}/`, {tiers: [body]})
                : await admin(cfg, 'POST', '/tiers/', {tiers: [body]});
            ids[t.key] = r.tiers[0];
        } catch (e) { log(`tier ${t.name}: ${e.message}`); }
    }
    log('tiers:', Object.values(ids).map((t) => `${t.slug}(${t.type})`).join(', '));
    return ids;
}

async function newsletters() {
    const existing = await all('newsletters');
    const ids = {};
    for (const [i, n] of fx.newsletters.entries()) {
        const body = {name: n.name, slug: n.slug, description: n.description, subscribe_on_signup: n.subscribe_on_signup,
            visibility: n.visibility || 'members', sort_order: i};
        const target = existing.find((x) => x.slug === n.slug) || (i === 0 ? existing[0] : null);
        const r = target ? await admin(cfg, 'PUT', `/newsletters/${target.id}/`, {newsletters: [body]})
            : await admin(cfg, 'POST', '/newsletters/', {newsletters: [body]});
        ids[n.key] = r.newsletters[0];
    }
    for (const n of fx.newsletters.filter((x) => x.archived)) {
        ids[n.key] = (await admin(cfg, 'PUT', `/newsletters/${ids[n.key].id}/`, {newsletters: [{status: 'archived'}]})).newsletters[0];
    }
    log('newsletters:', Object.values(ids).map((n) => `${n.slug}(${n.status})`).join(', '));
    return ids;
}

async function createTags(img) {
    for (const t of fx.tags) {
        const body = {...t};
        if (body.feature_image) body.feature_image = img[body.feature_image];
        for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
        await admin(cfg, 'POST', '/tags/', {tags: [body]});
    }
    log('tags:', fx.tags.length);
}

function html(p, i, img) {
    const pool = fx.pools[p.pool];
    const para = (k) => `<p>${pool[(i + k) % pool.length]}</p>`;
    const parts = [`<p>${p.lede}</p>`];
    if (p.gate) parts.push('<!--members-only-->');
    parts.push(para(0));
    if (i % 3 === 0) parts.push(`<h2>${fx.headings[i % fx.headings.length]}</h2>`);
    parts.push(para(1));
    if (p.list !== undefined) {
        const tag = p.list === 2 ? 'ol' : 'ul';
        parts.push(`<${tag}>${fx.lists[p.list].map((x) => `<li>${x}</li>`).join('')}</${tag}>`);
    }
    if (p.quote !== undefined || i % 5 === 2) parts.push(`<blockquote>${fx.quotes[p.quote ?? i % fx.quotes.length]}</blockquote>`);
    if (p.body_image) {
        parts.push(`<figure class="kg-card kg-image-card kg-card-hascaption"><img src="${img[p.body_image]}" class="kg-image" alt="${p.body_image_alt}" loading="lazy"><figcaption>Source: Lantern Dispatch data desk.</figcaption></figure>`);
    }
    if (i % 2 === 0) parts.push(`<p>Read our <a href="/ethics/">ethics and standards</a>, or the <a href="https://example.org/reports/${i}">source document</a> this story draws on.</p>`);
    if (i % 4 === 3) parts.push(`<h3>${fx.headings[(i + 2) % fx.headings.length]}</h3>`);
    parts.push(para(2));
    if (i % 2 === 1) parts.push(`<p><strong>Correction policy:</strong> if you spot an error in this story, <em>write to us</em>.</p>`);
    return parts.join('\n');
}

async function createPosts(resource, list, users, tierIds, img, start) {
    const out = [];
    for (const [j, p] of list.entries()) {
        const i = start + j;
        const body = {
            title: p.title, html: html(p, i, img), status: p.status || 'published',
            authors: p.authors.map((k) => ({id: users[k].id})),
            tags: (p.tags || []).map((name) => ({name})),
            featured: !!p.featured, visibility: p.visibility || 'public',
        };
        if (p.slug) body.slug = p.slug;
        if (p.date) body.published_at = p.date;
        if (p.excerpt) body.custom_excerpt = p.excerpt;
        if (p.meta) Object.assign(body, p.meta);
        if (p.tiers) body.tiers = p.tiers.map((k) => ({id: tierIds[k].id}));
        if (p.image) {
            body.feature_image = img[p.image];
            body.feature_image_alt = p.image_alt || null;
            body.feature_image_caption = p.image_caption || null;
        }
        const r = await admin(cfg, 'POST', `/${resource}/?source=html`, {[resource]: [body]});
        out.push(r[resource][0]);
        if (body.status === 'draft') await sleep(1100); // distinct updated_at: drafts are ordered by it
    }
    log(`${resource}:`, out.length, out.map((p) => p.status[0]).join(''));
    return out;
}

// Members go in through Ghost's CSV import, the only way to give them fixed `created_at` times
// (the Admin API stamps "now"), so that ordering by creation is free of ties. Newsletters are then
// set one by one, and the label Ghost adds to every import ("Import: <date>") is deleted.
async function createMembers(nlIds) {
    const list = fx.members();
    const q = (v) => (v === null || v === undefined ? '' : /[",\n]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const csv = ['email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,labels']
        .concat(list.map((m) => [m.email, m.name, m.note, 'false', '', '', m.created_at, m.labels.join(',')].map(q).join(',')))
        .join('\n') + '\n';
    const fd = new FormData();
    fd.append('membersfile', new Blob([csv], {type: 'text/csv'}), 'members.csv');
    const r = await admin(cfg, 'POST', '/members/upload/', fd);
    log('member import:', JSON.stringify(r.meta || r).slice(0, 300));
    const members = await all('members');
    if (members.length !== list.length) throw new Error(`expected ${list.length} members, Ghost has ${members.length}`);
    const byEmail = new Map(members.map((m) => [m.email, m]));
    for (const m of list) {
        if (!m.newsletters.length) continue;
        await admin(cfg, 'PUT', `/members/${byEmail.get(m.email).id}/`, {members: [{newsletters: m.newsletters.map((k) => ({id: nlIds[k].id}))}]});
    }
    const known = new Set(fx.labelNames);
    for (const l of await all('labels')) if (!known.has(l.name)) await admin(cfg, 'DELETE', `/labels/${l.id}/`);
    log(`members: ${members.length}`);
}

async function createOffers(tierIds) {
    const existing = await all('offers').catch(() => []);
    for (const o of fx.offers) {
        if (existing.find((x) => x.code === o.code)) continue;
        const body = {...o, tier: {id: tierIds[o.tier].id}};
        try { await admin(cfg, 'POST', '/offers/', {offers: [body]}); } catch (e) { log(`offer ${o.code}: ${e.message.slice(0, 300)}`); }
    }
}

(async () => {
    const cookie = await session(cfg);
    await wipe();
    const img = await uploadImages();
    await settings(cookie, img);
    const users = await staff(cookie, img);
    const tierIds = await tiers();
    const nlIds = await newsletters();
    await createTags(img);
    const dated = [...fx.posts].sort((a, b) => a.date.localeCompare(b.date));
    await createPosts('posts', dated, users, tierIds, img, 0);
    await createPosts('posts', fx.scheduled, users, tierIds, img, dated.length);
    await createPosts('posts', fx.drafts, users, tierIds, img, dated.length + fx.scheduled.length);
    await createPosts('pages', fx.pages, users, tierIds, img, 100);
    await createMembers(nlIds);
    await createOffers(tierIds);
    log('done');
})().catch((e) => { console.error(e); process.exit(1); });

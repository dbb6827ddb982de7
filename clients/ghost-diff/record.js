#!/usr/bin/env node
// Sends every request in requests.js (GET only: the site is not changed) to a running Ghost
// that holds the fixture, and writes one JSON file per request under recordings/ (or OUT_DIR),
// plus recordings/index.json listing them in order. The format is described in README.md.
//
//   GHOST_URL=… GHOST_CONTENT_KEY=… GHOST_ADMIN_KEY=… node record.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const {env, adminToken, admin} = require('./lib.js');
const requests = require('./requests.js');

const cfg = {
    url: env('GHOST_URL', 'http://127.0.0.1:2368').replace(/\/$/, ''),
    contentKey: env('GHOST_CONTENT_KEY'),
    adminKey: env('GHOST_ADMIN_KEY'),
};
const OUT = process.env.OUT_DIR || path.join(__dirname, 'recordings');
const DROP = new Set(['date', 'set-cookie', 'connection', 'keep-alive']);

// Natural keys -> Ghost's ids, read through the Admin API.
async function lookups() {
    const ids = {};
    const put = (res, key, id) => { ids[`${res}:${key}`] = id; };
    const page = async (res, q = '') => (await admin(cfg, 'GET', `/${res}/?limit=100${q}`))[res];
    for (const p of await page('posts', '&fields=id,slug')) put('posts', p.slug, p.id);
    for (const p of await page('pages', '&fields=id,slug')) put('pages', p.slug, p.id);
    for (const t of await page('tags', '&fields=id,slug')) put('tags', t.slug, t.id);
    for (const u of await page('users')) put('authors', u.slug, u.id);
    for (const t of await page('tiers')) put('tiers', t.slug, t.id);
    for (const n of await page('newsletters')) put('newsletters', n.slug, n.id);
    for (const l of await page('labels')) put('labels', l.slug, l.id);
    for (const m of await page('members')) put('members', m.email, m.id);
    for (const o of await page('offers')) put('offers', o.code, o.id);
    return ids;
}

function resolver(ids) {
    const used = {};
    const fill = (s) => s.replace(/\{\{([^}]+)\}\}/g, (_, name) => {
        if (name === 'content_key') return cfg.contentKey;
        if (name === 'admin_secret') return cfg.adminKey.split(':')[1];
        if (!name.startsWith('id:')) throw new Error(`unknown placeholder ${name}`);
        const id = ids[name.slice(3)];
        if (!id) throw new Error(`no fixture object for ${name}`);
        used[`{{${name}}}`] = id;
        return id;
    });
    return {fill, used};
}

function sign(header, payload, secret) {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64(header)}.${b64(payload)}`;
    return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

// The Authorization header for each admin auth case (see README.md).
function authorization(kind) {
    const [id, hex] = cfg.adminKey.split(':');
    const secret = Buffer.from(hex, 'hex');
    const now = Math.floor(Date.now() / 1000);
    switch (kind) {
        case 'token': return `Ghost ${adminToken(cfg.adminKey)}`;
        case 'token-lowercase-scheme': return `ghost ${adminToken(cfg.adminKey)}`;
        case 'token-bearer-scheme': return `Bearer ${adminToken(cfg.adminKey)}`;
        case 'token-expired': return `Ghost ${adminToken(cfg.adminKey, {iat: now - 600})}`;
        case 'token-wrong-audience': return `Ghost ${adminToken(cfg.adminKey, {aud: '/content/'})}`;
        case 'token-unknown-kid': return `Ghost ${sign({alg: 'HS256', typ: 'JWT', kid: 'ffffffffffffffffffffffff'}, {iat: now, exp: now + 300, aud: '/admin/'}, secret)}`;
        case 'token-bad-signature': return `Ghost ${sign({alg: 'HS256', typ: 'JWT', kid: id}, {iat: now, exp: now + 300, aud: '/admin/'}, Buffer.alloc(32))}`;
        case 'token-no-kid': return `Ghost ${sign({alg: 'HS256', typ: 'JWT'}, {iat: now, exp: now + 300, aud: '/admin/'}, secret)}`;
        default: throw new Error(`unknown auth ${kind}`);
    }
}

// Plain http(s) requests: fetch() would add headers of its own (Accept-Encoding, and Cache-Control
// on conditional requests) and decompress bodies; a recording must show exactly what was sent.
function get(url, headers) {
    const mod = url.startsWith('https:') ? require('node:https') : require('node:http');
    return new Promise((resolve, reject) => {
        const req = mod.get(url, {headers}, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8')}));
            res.on('error', reject);
        });
        req.on('error', reject);
    });
}

const encode = (query) => query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
const encodePath = (p) => p.split('/').map((seg) => (/^[\x21-\x7e]*$/.test(seg) ? seg : encodeURIComponent(seg))).join('/');

(async () => {
    const ids = await lookups();
    fs.rmSync(OUT, {recursive: true, force: true});
    const etags = {};
    const index = [];
    for (const [seq, r] of requests.entries()) {
        const {fill, used} = resolver(ids);
        const auth = r.auth || (r.api === 'content' ? 'key' : 'token');
        const pathT = encodePath(r.path);
        const queryT = r.query;
        const qs = encode(queryT.map(([k, v]) => [k, fill(v)]));
        const url = `${cfg.url}${fill(pathT)}${qs ? `?${qs}` : ''}`;
        const sent = {'Accept-Version': 'v6.0'};
        for (const [k, v] of Object.entries(r.headers || {})) { if (v === null) delete sent[k]; else sent[k] = v; }
        if (r.conditional) sent['If-None-Match'] = etags[r.conditional];
        const headers = {...sent};
        if (r.api === 'admin' && auth !== 'none') headers.Authorization = authorization(auth);
        const res = await get(url, headers);
        const respHeaders = {};
        for (const k of Object.keys(res.headers).sort()) if (!DROP.has(k)) respHeaders[k] = res.headers[k];
        const text = res.text;
        let body = text;
        let bodyKind = 'text';
        if ((res.headers['content-type'] || '').includes('json') && text) {
            try { body = JSON.parse(text); bodyKind = 'json'; } catch { /* keep text */ }
        }
        if (!text) bodyKind = 'empty';
        if (res.headers.etag) etags[r.name] = res.headers.etag;
        const rec = {
            name: r.name, seq, api: r.api, method: 'GET',
            path: pathT,
            query: queryT,
            url: `${pathT}${queryT.length ? `?${encode(queryT)}` : ''}`,
            auth,
            request_headers: sent,
            ...(r.conditional ? {if_none_match_from: r.conditional} : {}),
            ids: used,
            status: res.status,
            headers: respHeaders,
            body_kind: bodyKind,
            body: bodyKind === 'empty' ? null : body,
        };
        // The etag sent for a conditional request is another recording's: name it, not the value.
        if (r.conditional) rec.request_headers['If-None-Match'] = `{{etag:${r.conditional}}}`;
        // The keys of the install never reach a recording (Ghost echoes the content key in redirects).
        const json = JSON.stringify(rec, null, 1).split(cfg.contentKey).join('{{content_key}}')
            .split(cfg.adminKey.split(':')[1]).join('{{admin_secret}}');
        const file = path.join(OUT, `${r.name}.json`);
        fs.mkdirSync(path.dirname(file), {recursive: true});
        fs.writeFileSync(file, json + '\n');
        index.push({seq, name: r.name, status: res.status, url: rec.url});
    }
    const version = JSON.parse((await get(`${cfg.url}/ghost/api/admin/site/`, {'Accept-Version': 'v6.0'})).text).site.version;
    fs.writeFileSync(path.join(OUT, 'index.json'), JSON.stringify({
        ghost_version: version, site_url: cfg.url, count: index.length, recordings: index,
    }, null, 1) + '\n');
    const byStatus = {};
    for (const i of index) byStatus[i.status] = (byStatus[i.status] || 0) + 1;
    console.error(`[record] ${index.length} recordings (Ghost ${version}):`, JSON.stringify(byStatus));
})().catch((e) => { console.error(e); process.exit(1); });

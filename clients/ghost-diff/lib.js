// Shared helpers for seed.js, export.js and record.js: configuration from the environment,
// Admin API tokens, a staff session, and JSON requests. Node 18+ (global fetch), no dependencies.
'use strict';
const crypto = require('node:crypto');

function env(name, fallback) {
    const v = process.env[name];
    if (v === undefined || v === '') {
        if (fallback !== undefined) return fallback;
        throw new Error(`environment variable ${name} is required (see README.md)`);
    }
    return v;
}

const config = () => ({
    url: env('GHOST_URL', 'http://127.0.0.1:2368').replace(/\/$/, ''),
    contentKey: env('GHOST_CONTENT_KEY'),
    adminKey: env('GHOST_ADMIN_KEY'),
    ownerEmail: env('GHOST_OWNER_EMAIL'),
    ownerPassword: env('GHOST_OWNER_PASSWORD'),
});

// Ghost's Admin API token: HS256 JWT, header kid = key id, secret hex-decoded,
// payload {iat, exp: iat + 5 min, aud: '/admin/'}.
function adminToken(adminKey, {aud = '/admin/', iat} = {}) {
    const [id, secret] = adminKey.split(':');
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = iat ?? Math.floor(Date.now() / 1000);
    const unsigned = `${b64({alg: 'HS256', typ: 'JWT', kid: id})}.${b64({iat: now, exp: now + 300, aud})}`;
    const sig = crypto.createHmac('sha256', Buffer.from(secret, 'hex')).update(unsigned).digest('base64url');
    return `${unsigned}.${sig}`;
}

async function session(cfg) {
    const res = await fetch(`${cfg.url}/ghost/api/admin/session/`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', Origin: cfg.url},
        body: JSON.stringify({username: cfg.ownerEmail, password: cfg.ownerPassword}),
    });
    if (!res.ok) throw new Error(`staff session: ${res.status} ${await res.text()}`);
    return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

// A JSON request to the Admin API, with the integration's token or (cookie given) a staff session.
async function admin(cfg, method, path, body, {cookie, raw = false, headers = {}} = {}) {
    const h = {'Accept-Version': 'v6.0', Origin: cfg.url, ...headers};
    if (cookie) h.Cookie = cookie;
    else h.Authorization = `Ghost ${adminToken(cfg.adminKey)}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    const res = await fetch(`${cfg.url}/ghost/api/admin${path}`, {method, headers: h, body: payload});
    if (raw) return res;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 800)}`);
    return text ? JSON.parse(text) : {};
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = {env, config, adminToken, session, admin, sleep};

#!/usr/bin/env node
// Saves the seeded site as the fixture:
//   fixture/ghost-export.json      Ghost's JSON export (GET /ghost/api/admin/db/, staff session),
//                                  with the staff password hashes blanked
//   fixture/members.csv            Ghost's members CSV (GET /ghost/api/admin/members/upload/)
//   fixture/content-images.tar.gz  the images the export refers to, as Ghost stored them
//                                  (entries content/images/YYYY/MM/name.ext, from GHOST_CONTENT_DIR)
//
//   GHOST_URL=… GHOST_ADMIN_KEY=… GHOST_OWNER_EMAIL=… GHOST_OWNER_PASSWORD=… \
//   GHOST_CONTENT_DIR=<Ghost's content folder> node export.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {execFileSync} = require('node:child_process');
const {config, env, session, admin} = require('./lib.js');

const cfg = {...config(), contentKey: process.env.GHOST_CONTENT_KEY || '-'};
const OUT = path.join(__dirname, 'fixture');
const log = (...a) => console.error('[export]', ...a);

(async () => {
    fs.mkdirSync(OUT, {recursive: true});
    const cookie = await session(cfg);
    const res = await admin(cfg, 'GET', '/db/', undefined, {cookie, raw: true});
    if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
    const text = await res.text();
    const data = JSON.parse(text);
    // The one change to Ghost's file: staff password hashes are blanked (an importer sets its own).
    for (const u of data.db[0].data.users || []) if (u.password) u.password = '';
    // Pretty-printed so that changes review well; values are exactly Ghost's.
    fs.writeFileSync(path.join(OUT, 'ghost-export.json'), JSON.stringify(data, null, 1) + '\n');
    const tables = data.db[0].data;
    log('export:', Object.entries(tables).filter(([, rows]) => rows.length).map(([t, rows]) => `${t}=${rows.length}`).join(' '));

    const csv = await admin(cfg, 'GET', '/members/upload/?limit=all', undefined, {raw: true});
    if (!csv.ok) throw new Error(`members CSV: ${csv.status}`);
    fs.writeFileSync(path.join(OUT, 'members.csv'), await csv.text());

    // The images the site uses: every content/images path named anywhere in the export.
    const contentDir = env('GHOST_CONTENT_DIR');
    const files = [...new Set([...text.matchAll(/\/content\/images\/([A-Za-z0-9_./-]+\.(?:jpe?g|png|gif|webp))/g)].map((m) => m[1]))].sort();
    for (const f of files) if (!fs.existsSync(path.join(contentDir, 'images', f))) throw new Error(`missing image ${f}`);
    // Reproducible archive: fixed order, owner and time; gzip without a name or time stamp.
    const stage = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ghost-images-'));
    for (const f of files) {
        fs.mkdirSync(path.join(stage, 'content/images', path.dirname(f)), {recursive: true});
        fs.copyFileSync(path.join(contentDir, 'images', f), path.join(stage, 'content/images', f));
    }
    const tar = execFileSync('tar', ['--sort=name', '--mtime=2025-01-01 00:00Z', '--owner=0', '--group=0', '--numeric-owner',
        '--mode=u+rw,go+r,a-x+X', '-cf', '-', '-C', stage, 'content'], {maxBuffer: 64 << 20});
    fs.writeFileSync(path.join(OUT, 'content-images.tar.gz'), require('node:zlib').gzipSync(tar, {level: 9}));
    fs.rmSync(stage, {recursive: true});
    log(`images: ${files.length} files, tarball ${fs.statSync(path.join(OUT, 'content-images.tar.gz')).size} bytes`);
})().catch((e) => { console.error(e); process.exit(1); });

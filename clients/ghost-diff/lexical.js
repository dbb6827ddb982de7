#!/usr/bin/env node
// Records how a running Ghost renders each Lexical document in lexical/documents/: for every
// document it creates a draft post through the Admin API (asking for html, lexical and plaintext),
// writes Ghost's answer to recordings/lexical/<name>.json (or OUT_DIR) and deletes the draft.
// The format is described in README.md ("Lexical rendering").
//
//   GHOST_URL=… GHOST_ADMIN_KEY=… node lexical.js              # every document
//   GHOST_URL=… GHOST_ADMIN_KEY=… node lexical.js quote links  # only these (other recordings kept)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {env, admin} = require('./lib.js');

const cfg = {
    url: env('GHOST_URL', 'http://127.0.0.1:2368').replace(/\/$/, ''),
    adminKey: env('GHOST_ADMIN_KEY'),
};
const DOCS = path.join(__dirname, 'lexical', 'documents');
const OUT = process.env.OUT_DIR || path.join(__dirname, 'recordings', 'lexical');

// One document through Ghost: create the draft, read the answer, always delete the draft.
async function render(name, doc) {
    const created = await admin(cfg, 'POST', '/posts/?formats=html,lexical,plaintext', {
        posts: [{title: name, lexical: JSON.stringify(doc)}],
    });
    const post = created.posts[0];
    try {
        return {
            html: post.html,
            // Ghost leaves `plaintext` out of the answer when `html` is null (nothing rendered).
            plaintext: 'plaintext' in post ? post.plaintext : null,
            lexical: post.lexical === null ? null : JSON.parse(post.lexical),
        };
    } finally {
        await admin(cfg, 'DELETE', `/posts/${post.id}/`);
    }
}

(async () => {
    const all = fs.readdirSync(DOCS).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    const only = process.argv.slice(2);
    for (const n of only) if (!all.includes(n)) throw new Error(`no document lexical/documents/${n}.json`);
    const names = only.length ? only : all;

    const version = (await admin(cfg, 'GET', '/site/')).site.version;
    if (!only.length) fs.rmSync(OUT, {recursive: true, force: true});
    fs.mkdirSync(OUT, {recursive: true});

    const failed = [];
    for (const name of names) {
        const doc = JSON.parse(fs.readFileSync(path.join(DOCS, `${name}.json`), 'utf8'));
        let answer;
        try {
            answer = await render(name, doc);
        } catch (e) {
            failed.push(name);
            console.error(`[lexical] ${name}: Ghost refused it: ${e.message}`);
            continue;
        }
        // Fixed key order; `lexical` keeps the order Ghost stored (that of the document sent).
        const rec = {
            name,
            ghost_version: version,
            site_url: cfg.url,
            document: `lexical/documents/${name}.json`,
            html: answer.html,
            plaintext: answer.plaintext,
            lexical: answer.lexical,
        };
        fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(rec, null, 1) + '\n');
    }
    console.error(`[lexical] ${names.length - failed.length} of ${names.length} documents recorded (Ghost ${version}) in ${OUT}`);
    if (failed.length) {
        console.error(`[lexical] refused: ${failed.join(', ')}`);
        process.exit(1);
    }
})().catch((e) => { console.error(e); process.exit(1); });

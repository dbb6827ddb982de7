// Ghost's official Admin API client against Masthead: posts and pages added, edited (including
// the 409 collision), deleted; an image uploaded; tags, members, newsletters, users; webhooks
// registered and delivered with Ghost's signature.
const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { admin, content, raw, adminKey } = require('./env');

const api = admin();
const unique = `${process.pid}-${Date.now()}`;

describe('site and auth', () => {
  test('site is readable', async () => {
    const site = await api.site.read();
    assert.equal(typeof site.title, 'string');
    assert.ok(site.url.startsWith('http'));
  });

  test('no token is refused; a forged token is refused', async () => {
    const none = await raw('/ghost/api/admin/posts/');
    assert.equal(none.status, 403);
    const [id] = adminKey.split(':');
    const forged = new (require('@tryghost/admin-api'))({ url: process.env.MASTHEAD_URL, key: `${id}:${'0'.repeat(64)}`, version: 'v6.0' });
    await assert.rejects(forged.posts.browse(), (e) => e.name === 'UnauthorizedError' && e.code === 'INVALID_JWT');
    const otherKid = new (require('@tryghost/admin-api'))({ url: process.env.MASTHEAD_URL, key: `${'a'.repeat(24)}:${'0'.repeat(64)}`, version: 'v6.0' });
    await assert.rejects(otherKid.posts.browse(), (e) => e.code === 'UNKNOWN_ADMIN_API_KEY');
  });
});

describe('posts', () => {
  test('add from HTML, read it back, find it through the Content API once published', async () => {
    const html = '<p>Shelling stopped at dawn, residents said.</p><script>alert(1)</script><h2>Aftermath</h2><p>Crews cleared the road.</p>';
    const post = await api.posts.add(
      { title: `Ceasefire holds ${unique}`, html, status: 'published', tags: [{ name: `Ceasefire ${unique}` }, 'World'], custom_excerpt: 'A quiet morning.' },
      { source: 'html' },
    );
    assert.match(post.id, /^[0-9a-f]{24}$/);
    assert.equal(post.status, 'published');
    assert.ok(!post.html || !post.html.includes('<script'), 'html is sanitised');
    assert.deepEqual(post.tags.map((t) => t.name), [`Ceasefire ${unique}`, 'World']);
    const read = await api.posts.read({ id: post.id }, { formats: 'html' });
    assert.match(read.html, /Crews cleared the road/);
    assert.ok(!read.html.includes('<script'));
    const published = await content().posts.read({ slug: post.slug });
    assert.equal(published.title, post.title);
    await api.posts.delete({ id: post.id });
  });

  test('browse shows drafts too, filtered by status', async () => {
    const draft = await api.posts.add({ title: `Draft ${unique}`, markdown: 'Not yet.' });
    assert.equal(draft.status, 'draft');
    const drafts = await api.posts.browse({ filter: 'status:draft', limit: 'all' });
    assert.ok(drafts.some((p) => p.id === draft.id));
    assert.ok(drafts.every((p) => p.status === 'draft'));
    await assert.rejects(content().posts.read({ id: draft.id }), (e) => e.name === 'NotFoundError');
    await api.posts.delete({ id: draft.id });
  });

  test('edit with the current updated_at; a stale one is a 409 UpdateCollisionError', async () => {
    const post = await api.posts.add({ title: `Edit me ${unique}`, markdown: 'First version.' });
    const edited = await api.posts.edit({ id: post.id, updated_at: post.updated_at, title: `Edited ${unique}` });
    assert.equal(edited.title, `Edited ${unique}`);
    assert.equal(edited.slug, post.slug, 'the slug stays');
    await assert.rejects(
      api.posts.edit({ id: post.id, updated_at: post.updated_at, title: 'Lost update' }),
      (e) => e.name === 'UpdateCollisionError' && e.message.includes('Someone else is editing'),
    );
    const current = await api.posts.read({ id: post.id });
    assert.equal(current.title, `Edited ${unique}`, 'the stale edit changed nothing');
    await api.posts.delete({ id: post.id });
  });

  test('edit replaces tags and authors; status changes publish and unpublish', async () => {
    const users = await api.users.browse({ limit: 'all' });
    const [first, second] = users;
    const post = await api.posts.add({ title: `Byline ${unique}`, markdown: 'Body.', authors: [{ id: first.id }] });
    let edited = await api.posts.edit({
      id: post.id, updated_at: post.updated_at, authors: [{ email: second.email }, { id: first.id }], tags: [{ name: `Retagged ${unique}` }], status: 'published',
    });
    assert.deepEqual(edited.authors.map((a) => a.id), [second.id, first.id]);
    assert.deepEqual(edited.tags.map((t) => t.name), [`Retagged ${unique}`]);
    assert.equal(edited.status, 'published');
    assert.ok(edited.published_at);
    edited = await api.posts.edit({ id: post.id, updated_at: edited.updated_at, status: 'draft' });
    assert.equal(edited.status, 'draft');
    await api.posts.delete({ id: post.id });
  });

  test('validation errors name the field', async () => {
    await assert.rejects(api.posts.add({ title: 'Bad', status: 'live' }), (e) => e.name === 'ValidationError' && e.property === 'status');
    await assert.rejects(api.posts.add({ title: 'Bad', authors: [{ email: 'nobody@nowhere.example' }] }), (e) => e.name === 'ValidationError');
  });

  test('delete answers 204 and the post is gone', async () => {
    const post = await api.posts.add({ title: `Delete me ${unique}` });
    const answer = await api.posts.delete({ id: post.id });
    assert.ok(answer === '' || answer === undefined || answer === null);
    await assert.rejects(api.posts.read({ id: post.id }), (e) => e.name === 'NotFoundError');
  });
});

describe('pages', () => {
  test('add, browse, edit, delete a page', async () => {
    const page = await api.pages.add({ title: `Corrections policy ${unique}`, html: '<p>We correct errors promptly.</p>', status: 'published' }, { source: 'html' });
    const pages = await api.pages.browse({ limit: 'all' });
    assert.ok(pages.some((p) => p.id === page.id));
    const edited = await api.pages.edit({ id: page.id, updated_at: page.updated_at, title: `Corrections ${unique}` });
    assert.equal(edited.title, `Corrections ${unique}`);
    await api.pages.delete({ id: page.id });
  });
});

describe('images', () => {
  test('upload returns {url, ref} and the image is served', async () => {
    const file = path.join(os.tmpdir(), `masthead-${unique}.png`);
    // A 1x1 PNG.
    fs.writeFileSync(file, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const image = await api.images.upload({ file, ref: 'hero-1' });
    assert.equal(image.ref, 'hero-1');
    const served = await fetch(image.url.startsWith('http') ? image.url : `${process.env.MASTHEAD_URL}${image.url}`);
    assert.equal(served.status, 200);
    fs.unlinkSync(file);
  });
});

describe('tags, users, newsletters, members', () => {
  test('tags add, read by slug, edit, delete', async () => {
    const tag = await api.tags.add({ name: `Frontline ${unique}`, description: 'Reports from the front.' });
    assert.equal(tag.description, 'Reports from the front.');
    const bySlug = await api.tags.read({ slug: tag.slug });
    assert.equal(bySlug.id, tag.id);
    const edited = await api.tags.edit({ id: tag.id, description: 'Updated.' });
    assert.equal(edited.description, 'Updated.');
    await api.tags.delete({ id: tag.id });
    await assert.rejects(api.tags.read({ id: tag.id }), (e) => e.name === 'NotFoundError');
  });

  test('users are readable with their email, by id, slug and email', async () => {
    const users = await api.users.browse({ limit: 'all' });
    assert.ok(users.length >= 1);
    const [user] = users;
    assert.ok(user.email.includes('@'));
    assert.equal((await api.users.read({ slug: user.slug })).id, user.id);
    assert.equal((await api.users.read({ email: user.email })).id, user.id);
  });

  test('newsletters browse, add and edit', async () => {
    const before = await api.newsletters.browse({ limit: 'all' });
    assert.ok(before.length >= 1);
    const added = await api.newsletters.add({ name: `Evening ${unique}`, description: 'The day, closed.' });
    assert.equal(added.status, 'active');
    const edited = await api.newsletters.edit({ id: added.id, status: 'archived' });
    assert.equal(edited.status, 'archived');
  });

  test('members add, browse with a filter, edit, delete; duplicates refused', async () => {
    const email = `reader-${unique}@example.org`;
    const member = await api.members.add({ email, name: 'A Reader', labels: [`api-${unique}`] });
    assert.equal(member.email, email);
    assert.deepEqual(member.labels.map((l) => l.name), [`api-${unique}`]);
    await assert.rejects(api.members.add({ email }), (e) => e.name === 'ValidationError');
    await assert.rejects(api.members.add({ email: 'not an address' }), (e) => e.name === 'ValidationError' && e.property === 'email');
    const found = await api.members.browse({ filter: `label:api-${unique}` });
    assert.deepEqual(found.map((m) => m.id), [member.id]);
    const edited = await api.members.edit({ id: member.id, name: 'Renamed Reader', note: 'Met at the fair.' });
    assert.equal(edited.name, 'Renamed Reader');
    await api.members.delete({ id: member.id });
    await assert.rejects(api.members.read({ id: member.id }), (e) => e.name === 'NotFoundError');
  });
});

describe('webhooks', () => {
  test('a registered webhook receives post.published with Ghost payload and signature; 410 removes it', async () => {
    const received = [];
    const created = [];
    let answer = 200;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${server.address().port}/hook`;
    try {
      const secret = `s-${unique}`;
      const hook = await api.webhooks.add({ event: 'post.published', target_url: target, secret });
      assert.equal(hook.event, 'post.published');
      const post = await api.posts.add({ title: `Webhook story ${unique}`, markdown: 'Out now.', status: 'published' });
      created.push(post.id);
      const deadline = Date.now() + 15000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(received.length, 1, 'one delivery');
      const { headers, body } = received[0];
      const payload = JSON.parse(body);
      assert.equal(payload.post.current.id, post.id);
      assert.equal(payload.post.current.status, 'published');
      assert.deepEqual(payload.post.previous, {}, 'a new post has no previous attributes');
      const [sig, ts] = headers['x-ghost-signature'].split(', ');
      const expected = crypto.createHmac('sha256', secret).update(body + ts.slice(2)).digest('hex');
      assert.equal(sig, `sha256=${expected}`);
      // A 410 answer unsubscribes the webhook: the next publication is not delivered.
      answer = 410;
      created.push((await api.posts.add({ title: `Second ${unique}`, status: 'published' })).id);
      while (received.length < 2 && Date.now() < deadline + 15000) await new Promise((r) => setTimeout(r, 100));
      assert.equal(received.length, 2);
      answer = 200;
      created.push((await api.posts.add({ title: `Third ${unique}`, status: 'published' })).id);
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(received.length, 2, 'the webhook was removed after 410');
      await assert.rejects(api.webhooks.add({ event: 'post.nonsense', target_url: target }), (e) => e.name === 'ValidationError' && e.property === 'event');
    } finally {
      server.close();
      for (const id of created) await api.posts.delete({ id });
    }
  });
});

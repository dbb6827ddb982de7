// Ghost's official Content API client against Masthead: every resource browsed and read,
// filters across the NQL operators, pagination, include, fields and formats.
const { test, describe, before } = require('node:test');
const assert = require('node:assert/strict');
const { content, contentKey, raw } = require('./env');

const api = content();
let everything; // every published post, newest first (the demo newsroom has fewer than 100)

before(async () => {
  everything = await api.posts.browse({ limit: 'all', include: 'tags,authors' });
});

describe('posts', () => {
  test('browse pages through every published post with Ghost pagination', async () => {
    const first = await api.posts.browse();
    const { pagination } = first.meta;
    assert.equal(first.length, 15);
    assert.equal(pagination.page, 1);
    assert.equal(pagination.limit, 15);
    assert.equal(pagination.total, everything.length);
    assert.equal(pagination.pages, Math.ceil(everything.length / 15));
    assert.equal(pagination.prev, null);
    assert.equal(pagination.next, 2);
    const second = await api.posts.browse({ page: 2 });
    assert.equal(second.meta.pagination.prev, 1);
    assert.deepEqual(second.map((p) => p.id), everything.slice(15, 30).map((p) => p.id));
    const seen = new Set([...first, ...second].map((p) => p.id));
    assert.equal(seen.size, 30, 'pages do not overlap');
  });

  test('posts come newest first, each with Ghost fields', async () => {
    const times = everything.map((p) => Date.parse(p.published_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    const post = everything[0];
    for (const field of ['id', 'uuid', 'title', 'slug', 'html', 'feature_image', 'featured', 'visibility',
      'published_at', 'updated_at', 'created_at', 'url', 'excerpt', 'reading_time', 'custom_excerpt', 'canonical_url',
      'meta_title', 'og_image', 'twitter_title', 'primary_author', 'primary_tag', 'authors', 'tags']) {
      assert.ok(field in post, `post has ${field}`);
    }
    assert.match(post.id, /^[0-9a-f]{24}$/);
    assert.match(post.published_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    assert.ok(post.url.endsWith(`/${post.slug}/`));
  });

  test('read by id and by slug returns the one post (the client unwraps it)', async () => {
    const target = everything[3];
    const byId = await api.posts.read({ id: target.id });
    const bySlug = await api.posts.read({ slug: target.slug }, { include: 'authors' });
    assert.equal(byId.id, target.id);
    assert.equal(bySlug.title, target.title);
    assert.deepEqual(bySlug.authors.map((a) => a.slug), target.authors.map((a) => a.slug));
  });

  test('a missing post is a NotFoundError', async () => {
    await assert.rejects(api.posts.read({ slug: 'no-such-story-here' }), (e) => e.name === 'NotFoundError');
  });

  test('include adds ordered authors and tags with primary ones, as Ghost 6 shows them', async () => {
    const multi = everything.find((p) => p.authors.length > 1);
    assert.ok(multi, 'the demo has a multi-author story');
    assert.equal(multi.primary_author.id, multi.authors[0].id);
    for (const post of everything) {
      // Internal tags are listed too; an internal first tag leaves no primary tag.
      if (post.tags.length && post.tags[0].visibility === 'public') assert.equal(post.primary_tag.id, post.tags[0].id);
      else assert.equal(post.primary_tag, null);
    }
    const bare = await api.posts.browse({ limit: 1 });
    assert.equal(bare[0].authors, undefined, 'no include, no authors');
  });

  test('fields limits the output; formats adds plaintext and drops html', async () => {
    const [post] = await api.posts.browse({ limit: 1, fields: 'title,slug' });
    assert.deepEqual(Object.keys(post).sort(), ['slug', 'title'], 'exactly the fields asked for, as Ghost');
    const [plain] = await api.posts.browse({ limit: 1, formats: 'plaintext', filter: `id:${everything.find((p) => p.html.length > 0).id}` });
    assert.equal(typeof plain.plaintext, 'string');
    assert.ok(plain.plaintext.length > 0);
    assert.equal(plain.html, undefined);
  });

  test('a members-only story is gated as Ghost gates it for a content key: access false, the public opening only', async () => {
    const gated = everything.find((p) => p.visibility !== 'public');
    assert.ok(gated, 'the demo has a members-only story');
    assert.equal(gated.visibility, 'members');
    assert.equal(gated.access, false);
    assert.match(gated.html, /a small number of suppliers abroad/);
    assert.doesNotMatch(gated.html, /We assemble here/);
    const [plain] = await api.posts.browse({ filter: `id:${gated.id}`, formats: 'html,plaintext' });
    assert.match(plain.plaintext, /a small number of suppliers abroad/);
    assert.doesNotMatch(plain.plaintext, /We assemble here/);
    // As in Ghost, the opening is found in the HTML: asked for without it, there is none.
    const [textOnly] = await api.posts.browse({ filter: `id:${gated.id}`, formats: 'plaintext' });
    assert.equal(textOnly.plaintext, '');
    assert.ok(everything.filter((p) => p.visibility === 'public').every((p) => p.access === true));
  });

  test('limit=all is capped at 100 and limit over 100 too', async () => {
    const all = await api.posts.browse({ limit: 'all' });
    assert.equal(all.meta.pagination.limit, 100);
    const many = await api.posts.browse({ limit: 500 });
    assert.equal(many.meta.pagination.limit, 100);
  });

  test('order by title ascending', async () => {
    const posts = await api.posts.browse({ limit: 'all', order: 'title asc' });
    const titles = posts.map((p) => p.title);
    assert.deepEqual(titles, [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

describe('filters', () => {
  const ids = (list) => list.map((p) => p.id).sort();
  const expect = async (filter, predicate) => {
    const got = await api.posts.browse({ limit: 'all', filter, include: 'tags,authors' });
    const want = everything.filter(predicate);
    assert.deepEqual(ids(got), ids(want), `filter ${filter}`);
    assert.equal(got.meta.pagination.total, want.length);
    return got;
  };

  const tagged = () => everything.find((p) => p.primary_tag);

  test('equality on a relation: tag', async () => {
    const slug = tagged().primary_tag.slug;
    const got = await expect(`tag:${slug}`, (p) => p.tags.some((t) => t.slug === slug));
    assert.ok(got.length > 0);
  });

  test('negated relation: tag:-slug means without that tag', async () => {
    const slug = tagged().primary_tag.slug;
    await expect(`tag:-${slug}`, (p) => !p.tags.some((t) => t.slug === slug));
  });

  test('in and not in lists', async () => {
    const slugs = [...new Set(everything.flatMap((p) => p.tags.map((t) => t.slug)))].slice(0, 2);
    await expect(`tags:[${slugs.join(',')}]`, (p) => p.tags.some((t) => slugs.includes(t.slug)));
    await expect(`tag:-[${slugs.join(',')}]`, (p) => !p.tags.some((t) => slugs.includes(t.slug)));
  });

  test('authors and primary_author', async () => {
    const author = everything[0].primary_author.slug;
    await expect(`author:${author}`, (p) => p.authors.some((a) => a.slug === author));
    await expect(`primary_author:${author}`, (p) => p.authors[0].slug === author);
  });

  test('booleans, null and AND', async () => {
    await expect('featured:true', (p) => p.featured === true);
    await expect('featured:false+feature_image:-null', (p) => !p.featured && p.feature_image !== null);
  });

  test('OR binds looser than AND, and groups', async () => {
    const [a, b] = [everything[0].slug, everything[1].slug];
    await expect(`slug:${a},slug:${b}+featured:true`, (p) => p.slug === a || (p.slug === b && p.featured));
    await expect(`(slug:${a},slug:${b})+featured:false`, (p) => (p.slug === a || p.slug === b) && !p.featured);
  });

  test('comparisons on dates, quoted and relative', async () => {
    const pivot = everything[Math.floor(everything.length / 2)].published_at;
    const stamp = pivot.slice(0, 19).replace('T', ' ');
    const at = Date.parse(`${stamp.replace(' ', 'T')}Z`);
    await expect(`published_at:>'${stamp}'`, (p) => Date.parse(p.published_at) > at);
    await expect(`published_at:<='${stamp}'`, (p) => Date.parse(p.published_at) <= at);
    await expect('published_at:>now-30d', (p) => Date.parse(p.published_at) > Date.now() - 30 * 86400e3);
  });

  test('contains, starts with, ends with, and their negations', async () => {
    const word = everything[0].title.split(' ')[0].toLowerCase();
    await expect(`title:~'${word}'`, (p) => p.title.toLowerCase().includes(word));
    await expect(`title:-~'${word}'`, (p) => !p.title.toLowerCase().includes(word));
    await expect(`title:~^'${word}'`, (p) => p.title.toLowerCase().startsWith(word));
    const last = everything[0].slug.slice(-4);
    await expect(`slug:~$'${last}'`, (p) => p.slug.endsWith(last));
    await expect(`slug:-~^'${everything[0].slug.slice(0, 3)}'`, (p) => !p.slug.startsWith(everything[0].slug.slice(0, 3)));
  });

  test('a malformed filter is a 400 BadRequestError with a message', async () => {
    await assert.rejects(api.posts.browse({ filter: 'tag:(' }), (e) => e.name === 'BadRequestError' && e.message.length > 0);
  });

  test('a filter on an author\'s email is dropped, as Ghost drops it; other private fields are refused', async () => {
    const everyone = await api.authors.browse({ limit: 'all' });
    const filtered = await api.authors.browse({ limit: 'all', filter: 'email:someone@example.org' });
    assert.ok(everyone.length > 0);
    assert.deepEqual(filtered.map((a) => a.slug), everyone.map((a) => a.slug), 'the address cannot be probed');
    await assert.rejects(api.posts.browse({ filter: 'password:x' }), (e) => e.name === 'BadRequestError');
  });
});

describe('pages, tags, authors, settings, tiers, newsletters', () => {
  test('pages browse and read', async () => {
    const pages = await api.pages.browse({ limit: 'all' });
    assert.ok(pages.length >= 2, 'the demo has About and Membership');
    const page = await api.pages.read({ slug: pages[0].slug });
    assert.equal(page.id, pages[0].id);
    const postSlugs = new Set(everything.map((p) => p.slug));
    for (const p of pages) assert.ok(!postSlugs.has(p.slug), 'pages are not posts');
  });

  test('tags with post counts, read by slug', async () => {
    const tags = await api.tags.browse({ limit: 'all', include: 'count.posts' });
    assert.ok(tags.length > 0);
    // Internal tags are listed too, as Ghost 6 lists them (their url is /404/).
    assert.ok(tags.some((t) => t.visibility === 'public'));
    for (const tag of tags) {
      assert.ok(['public', 'internal'].includes(tag.visibility), tag.visibility);
      if (tag.visibility === 'internal') assert.match(tag.url, /\/404\/$/);
      const carrying = everything.filter((p) => p.tags.some((t) => t.id === tag.id)).length;
      assert.equal(tag.count.posts, carrying, `count of ${tag.slug}`);
    }
    const one = await api.tags.read({ slug: tags[0].slug });
    assert.equal(one.name, tags[0].name);
  });

  test('authors with counts, never an email', async () => {
    const authors = await api.authors.browse({ limit: 'all', include: 'count.posts' });
    assert.ok(authors.length > 0);
    for (const author of authors) {
      assert.equal(author.email, undefined);
      const wrote = everything.filter((p) => p.authors.some((a) => a.id === author.id)).length;
      assert.equal(author.count.posts, wrote, `count of ${author.slug}`);
    }
    const one = await api.authors.read({ id: authors[0].id });
    assert.equal(one.slug, authors[0].slug);
  });

  test('settings is an object', async () => {
    const settings = await api.settings.browse();
    assert.equal(typeof settings.title, 'string');
    assert.ok(Array.isArray(settings.navigation));
    assert.ok(settings.url.startsWith('http'));
  });

  test('tiers and newsletters browse', async () => {
    const tiers = await api.tiers.browse();
    assert.equal(tiers[0].type, 'free');
    const newsletters = await api.newsletters.browse();
    assert.ok(newsletters.length >= 1);
    assert.ok(newsletters.every((n) => typeof n.slug === 'string' && n.name));
  });
});

describe('the contract around the client', () => {
  test('key errors: missing 403, unknown 401, repeated 400', async () => {
    const missing = await raw('/ghost/api/content/posts/');
    assert.equal(missing.status, 403);
    assert.equal(missing.body.errors[0].type, 'NoPermissionError');
    const unknown = await raw('/ghost/api/content/posts/?key=00000000000000000000000000');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.errors[0].code, 'UNKNOWN_CONTENT_API_KEY');
    const twice = await raw(`/ghost/api/content/posts/?key=${contentKey}&key=${contentKey}`);
    assert.equal(twice.status, 400);
    assert.equal(twice.body.errors[0].type, 'BadRequestError');
  });

  test('headers: Content-Version, Vary, CORS, Cache-Control, ETag and 304', async () => {
    const first = await raw(`/ghost/api/content/tags/?key=${contentKey}`, { headers: { 'Accept-Version': 'v6.0', Origin: 'https://elsewhere.example' } });
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-version'), /^v\d+\.\d+$/);
    assert.match(first.headers.get('vary'), /Accept-Version/);
    assert.equal(first.headers.get('access-control-allow-origin'), '*');
    assert.equal(first.headers.get('cache-control'), 'public, max-age=0');
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const again = await raw(`/ghost/api/content/tags/?key=${contentKey}`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });

  test('a read has no meta; a browse of one has meta', async () => {
    const read = await raw(`/ghost/api/content/posts/${everything[0].id}/?key=${contentKey}`);
    assert.equal(read.body.meta, undefined);
    assert.equal(read.body.posts.length, 1);
    const browse = await raw(`/ghost/api/content/posts/?key=${contentKey}&limit=1`);
    assert.ok(browse.body.meta.pagination);
  });
});

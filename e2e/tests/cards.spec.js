// A story written as a Lexical document (Ghost's editor format), sent through the Admin API as
// a Ghost client sends it: the public page shows each card as readers should see it, the
// members-only part only to members, footnotes that link both ways and a table that scrolls on a
// phone; the Admin API gives the document back.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { staff, signIn } = require('../staff');
const { expectLoaded } = require('../images');

const text = (t, format = 0) => ({ type: 'extended-text', version: 1, text: t, format });
const paragraph = (...children) => ({ type: 'paragraph', version: 1, children });
const cell = (t, headerState = 0) => ({ type: 'tablecell', version: 1, headerState, children: [paragraph(text(t))] });

function storyDocument(photo) {
  return {
    root: {
      type: 'root',
      version: 1,
      children: [
        paragraph(text('The ferry ran again on '), text('Friday', 1), text(', the port said'),
          { type: 'footnote', version: 1, children: [text('Port authority statement, 5 December.')] }, text('.')),
        { type: 'extended-heading', version: 1, tag: 'h2', children: [text('What changed')] },
        { type: 'list', version: 1, listType: 'bullet', tag: 'ul', start: 1, children: [
          { type: 'listitem', version: 1, children: [text('Two crossings a night')] },
          { type: 'listitem', version: 1, children: [
            { type: 'link', version: 1, url: 'https://example.org/timetable', children: [text('A new timetable')] }] },
        ] },
        { type: 'image', version: 1, src: photo, width: 1440, height: 810, alt: 'The ferry at the quay',
          caption: 'The ferry at the Salen quay.', credit: 'Photo: Edna Editor', cardWidth: 'wide' },
        { type: 'embed', version: 1, url: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ', embedType: 'video',
          html: '<iframe src="https://www.youtube.com/embed/aqz-KE-bpKQ"></iframe>', metadata: { title: 'Night crossing' } },
        { type: 'table', version: 1, caption: 'Crossings per night', children: [
          { type: 'tablerow', version: 1, children: [cell('Week', 1), cell('Crossings', 1), cell('Passengers', 1), cell('Cars', 1), cell('Cancelled', 1)] },
          { type: 'tablerow', version: 1, children: [cell('First', 2), cell('9'), cell('1,204'), cell('310'), cell('2')] },
        ] },
        { type: 'paywall', version: 1 },
        paragraph(text('Members read how the crew kept the engines running.')),
      ],
    },
  };
}

test('a story written with cards reads as written, and its members-only part stays with members', async ({ page, browser }, testInfo) => {
  await signIn(page, staff.editor);
  const origin = new URL(page.url()).origin;
  // A photo from the site itself, so the image card shows a real picture.
  const stories = await page.request.get('/ghost/api/admin/posts/?limit=50&fields=feature_image', { headers: { Origin: origin } });
  expect(stories.status()).toBe(200);
  const photo = (await stories.json()).posts.map((p) => p.feature_image).find((url) => url && url.includes('/content/images/'));
  expect(photo).toBeTruthy();
  const lexical = JSON.stringify(storyDocument(photo));
  const created = await page.request.post('/ghost/api/admin/posts/?formats=lexical,html', {
    headers: { Origin: origin, 'Content-Type': 'application/json' },
    data: { posts: [{ title: 'Night ferry runs again', lexical, status: 'published', visibility: 'members' }] },
  });
  expect(created.status()).toBe(201);
  const post = (await created.json()).posts[0];
  expect(post.lexical).toBe(lexical);

  // An anonymous reader, in a browser of their own.
  const reader = await (await browser.newContext({ baseURL: testInfo.project.use.baseURL })).newPage();
  await reader.goto('/night-ferry-runs-again/');
  const body = reader.locator('.article__body');
  await expect(body.locator('strong')).toHaveText('Friday');
  await expect(body.locator('h2#what-changed')).toHaveText('What changed');
  await expect(body.locator('ul li')).toHaveText(['Two crossings a night', 'A new timetable']);
  const figure = body.locator('figure.kg-image-card');
  await expect(figure.locator('img')).toHaveAttribute('alt', 'The ferry at the quay');
  await expectLoaded(figure.locator('img'));
  await expect(figure.locator('figcaption')).toContainText('The ferry at the Salen quay.');
  await expect(figure.locator('.kg-image-credit')).toHaveText('Photo: Edna Editor');
  const frame = body.locator('.kg-embed-card iframe');
  await expect(frame).toHaveAttribute('src', 'https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ');
  await expect(frame).toHaveAttribute('sandbox', /allow-scripts/);
  await expect(frame).toHaveAttribute('title', 'YouTube: Night crossing');
  // The footnote links to its note, and the note back to the text.
  await body.locator('.footnote-ref a').click();
  await expect(reader).toHaveURL(/#fn-1$/);
  await expect(reader.locator('#fn-1')).toContainText('Port authority statement');
  await reader.locator('#fn-1 .footnote-back').click();
  await expect(reader).toHaveURL(/#fnref-1$/);
  // The table has its header row and caption, and on a phone scrolls inside its frame.
  const table = body.locator('.kg-table-card table');
  await expect(table.locator('thead th')).toHaveText(['Week', 'Crossings', 'Passengers', 'Cars', 'Cancelled']);
  await expect(table.locator('caption')).toHaveText('Crossings per night');
  // Members only: the rest is not sent to a stranger.
  expect(await reader.content()).not.toContain('kept the engines running');
  const axe = await new AxeBuilder({ page: reader }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  await reader.setViewportSize({ width: 375, height: 740 });
  await reader.reload();
  const overflow = await reader.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // Staff read the whole story.
  await page.goto('/night-ferry-runs-again/');
  await expect(page.locator('.article__body')).toContainText('kept the engines running');
});

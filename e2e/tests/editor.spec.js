// The rich-text story editor: a story written with the keyboard, the insert menu and the
// toolbar (heading, list, link, image with caption and credit, embed, footnote, table,
// members-only divider) reads on the site as written, and is stored as a Lexical document; a
// story written in Markdown earlier opens, saves and converts; pictures pasted or dropped are
// uploaded, and pasted documents are cleaned to the story's own parts.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { staff, signIn, richStory } = require('../staff');
const { expectLoaded } = require('../images');

// A JPEG from the demo's own photos, found through the Admin API (signed in), not through the
// front page, whose lead may be any story.
async function aPhoto(page, name) {
  const origin = new URL(page.url()).origin;
  const stories = await page.request.get('/ghost/api/admin/posts/?limit=50&fields=feature_image', { headers: { Origin: origin } });
  expect(stories.status()).toBe(200);
  const src = (await stories.json()).posts.map((p) => p.feature_image).find((url) => url && url.includes('/content/images/'));
  expect(src).toBeTruthy();
  const response = await page.request.get(src);
  return { name, mimeType: 'image/jpeg', buffer: await response.body() };
}

// Types `command` at the start of an empty line and chooses it from the insert menu.
async function insert(page, command) {
  await page.keyboard.type('/' + command);
  await expect(page.getByRole('listbox', { name: 'Insert' }).getByRole('option').first()).toContainText('/' + command);
  await page.keyboard.press('Enter');
}

// Puts the caret in the empty paragraph after the last card.
async function after(story) {
  await story.locator('p.me-p').last().click();
}

test('a story written in the rich editor reads as written, with its members-only part kept for members', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page, staff.editor);
  const photo = await aPhoto(page, 'salen quay.jpg');
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await page.getByLabel('Title', { exact: true }).fill('Ferry crew keeps the night crossing going');
  const story = page.getByRole('textbox', { name: 'Story' });
  await expect(story).toBeVisible();
  // Without JavaScript the Markdown field is the story; with it, the rich editor replaces it.
  await expect(page.getByLabel('Story (Markdown)')).toBeHidden();

  await story.click();
  await page.keyboard.type('The night ferry ran again on ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('Friday');
  await page.keyboard.press('Control+b');
  await page.keyboard.type(', says the ');
  await page.keyboard.type('port timetable');
  for (let i = 0; i < 'port timetable'.length; i++) await page.keyboard.press('Shift+ArrowLeft');
  await expect.poll(() => page.evaluate(() => window.getSelection().toString())).toBe('port timetable');
  await page.keyboard.press('Control+k');
  await page.getByLabel('Link to').fill('https://example.org/timetable');
  await page.getByLabel('Link to').press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.type('.');
  // A footnote, from the toolbar.
  await page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Footnote' }).click();
  await page.getByLabel('Footnote text').fill('Port authority statement, 5 December.');
  await page.getByRole('button', { name: 'Add footnote' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');

  await insert(page, 'heading');
  await page.keyboard.type('What changed');
  await page.keyboard.press('Enter');
  await insert(page, 'list');
  await page.keyboard.type('Two crossings a night');
  await page.keyboard.press('Enter');
  await page.keyboard.type('A second engineer on board');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');

  // An image: chosen, uploaded with progress, then described.
  const chooser = page.waitForEvent('filechooser');
  await insert(page, 'image');
  await (await chooser).setFiles(photo);
  const image = page.getByRole('group', { name: 'Image', exact: true });
  await expect(image.locator('img')).toHaveAttribute('src', /^\/content\/images\/\d{4}\/\d{2}\/salen-quay-[0-9a-f]+\.jpg$/);
  await image.getByLabel(/Alt text/).fill('The ferry at the Salen quay at dawn');
  await image.getByLabel('Caption').fill('The ferry at the Salen quay.');
  await image.getByLabel('Credit').fill('Photo: Edna Editor');

  await after(story);
  await insert(page, 'embed');
  const embed = page.getByRole('group', { name: 'Embed', exact: true });
  await embed.getByLabel(/Address/).fill('https://www.youtube.com/watch?v=aqz-KE-bpKQ');
  await expect(embed).toContainText('YouTube');

  await after(story);
  await insert(page, 'table');
  await page.keyboard.type('Week');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Crossings');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Cancelled');
  await page.keyboard.press('Tab');
  await page.keyboard.type('First');
  await page.keyboard.press('Tab');
  await page.keyboard.type('9');
  await page.keyboard.press('Tab');
  await page.keyboard.type('2');
  await page.getByLabel('Table caption').fill('Crossings per night');

  await after(story);
  await insert(page, 'members');
  await page.keyboard.type('Members read how the crew kept the engines running.');
  await expect(page.locator('.me-count')).toContainText(/\d+ words · \d+ min read/);

  // The editor is keyboard operable and labelled: axe finds nothing serious with cards open.
  const axe = await new AxeBuilder({ page }).include('form.editor').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);

  await page.getByLabel('Visibility').selectOption('members');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('published');

  // The Admin API gives the document back, with the HTML readers get.
  const origin = new URL(page.url()).origin;
  const api = await page.request.get('/ghost/api/admin/posts/slug/ferry-crew-keeps-the-night-crossing-going/?formats=lexical,html', { headers: { Origin: origin } });
  expect(api.status()).toBe(200);
  const post = (await api.json()).posts[0];
  const types = [];
  const walk = (node) => {
    types.push(node.type);
    (node.children || []).forEach(walk);
  };
  walk(JSON.parse(post.lexical).root);
  for (const type of ['heading', 'list', 'link', 'footnote', 'image', 'embed', 'table', 'paywall']) expect(types).toContain(type);
  expect(post.html).toContain('kg-image-card');

  // A reader without an account: every part, but not the members-only part.
  const reader = await (await browser.newContext({ baseURL: testInfo.project.use.baseURL })).newPage();
  await reader.goto('/ferry-crew-keeps-the-night-crossing-going/');
  const body = reader.locator('.article__body');
  await expect(body.locator('strong')).toHaveText('Friday');
  await expect(body.locator('a[href="https://example.org/timetable"]')).toHaveText('port timetable');
  await expect(body.locator('h2')).toHaveText('What changed');
  await expect(body.locator('ul li')).toHaveText(['Two crossings a night', 'A second engineer on board']);
  const figure = body.locator('figure.kg-image-card');
  await expect(figure.locator('img')).toHaveAttribute('alt', 'The ferry at the Salen quay at dawn');
  await expectLoaded(figure.locator('img'));
  await expect(figure.locator('figcaption')).toContainText('The ferry at the Salen quay.');
  await expect(figure.locator('.kg-image-credit')).toHaveText('Photo: Edna Editor');
  await expect(body.locator('.kg-embed-card iframe')).toHaveAttribute('src', 'https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ');
  await expect(reader.locator('#fn-1')).toContainText('Port authority statement, 5 December.');
  const table = body.locator('.kg-table-card table');
  await expect(table.locator('thead th')).toHaveText(['Week', 'Crossings', 'Cancelled']);
  await expect(table.locator('caption')).toHaveText('Crossings per night');
  expect(await reader.content()).not.toContain('kept the engines running');

  // Staff read it whole.
  await page.goto('/ferry-crew-keeps-the-night-crossing-going/');
  await expect(page.locator('.article__body')).toContainText('kept the engines running');

  // A front end reading the Content API (with a key an administrator made) gets the HTML and,
  // asked for it, the document: both cut before the members' part, as the site cuts it.
  const admin = await (await browser.newContext({ baseURL: testInfo.project.use.baseURL })).newPage();
  await signIn(admin, staff.administrator);
  await admin.goto('/admin/integrations/');
  await admin.locator('#new-name').fill('Reader app');
  await admin.getByRole('button', { name: 'Create integration' }).click();
  const key = (await admin.locator('dt', { hasText: 'Content API key' }).locator('xpath=following-sibling::dd[1]').first().textContent()).trim();
  expect(key).toMatch(/^[0-9a-f]{26}$/);
  const content = await reader.request.get(`/ghost/api/content/posts/slug/ferry-crew-keeps-the-night-crossing-going/?key=${key}&formats=html,lexical`);
  expect(content.status()).toBe(200);
  const served = (await content.json()).posts[0];
  expect(served.html).toContain('kg-image-card');
  expect(served.html).not.toContain('kept the engines running');
  const publicTypes = [];
  const visit = (node) => {
    publicTypes.push(node.type);
    (node.children || []).forEach(visit);
  };
  visit(JSON.parse(served.lexical).root);
  for (const type of ['heading', 'list', 'link', 'footnote', 'image', 'embed', 'table']) expect(publicTypes).toContain(type);
  expect(publicTypes).not.toContain('paywall');
  expect(served.lexical).not.toContain('kept the engines running');
});

test('a story written in Markdown opens in the rich editor, saves unchanged, converts to rich text and saves itself', async ({ page }) => {
  await signIn(page, staff.editor);
  const origin = new URL(page.url()).origin;
  // Written before the rich editor, through the form as it works without JavaScript.
  const created = await page.request.post('/admin/posts/', {
    headers: { Origin: origin },
    form: { title: 'Water rationing eases', markdown: 'The district has water **six hours** a day.\n\n## What to expect\n\nTanks refill at night.', action: 'save' },
    maxRedirects: 0,
  });
  expect(created.status()).toBe(303);
  const editorUrl = new URL(created.headers().location, origin).toString();

  await page.goto(editorUrl);
  const card = page.getByRole('group', { name: 'Markdown', exact: true });
  await expect(card.getByLabel('Markdown', { exact: true })).toHaveValue(/six hours/);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByRole('status').filter({ hasText: /saved/i })).toBeVisible();
  const preview = await page.getByRole('link', { name: 'Preview', exact: true }).getAttribute('href');
  const shown = await page.request.get(preview);
  expect(await shown.text()).toContain('<strong>six hours</strong>');

  // Converted, the Markdown becomes rich text: a heading, a paragraph with bold.
  await card.getByRole('button', { name: 'Convert to rich text' }).click();
  const story = page.getByRole('textbox', { name: 'Story' });
  await expect(story.locator('h2')).toHaveText('What to expect');
  await expect(story.locator('strong, .me-bold').first()).toHaveText('six hours');
  await expect(page.getByRole('group', { name: 'Markdown', exact: true })).toHaveCount(0);
  // A draft saves itself (every ten seconds when something changed).
  await expect(page.locator('.autosave-state')).toHaveText(/^Saved /, { timeout: 15_000 });
  const id = editorUrl.match(/\/admin\/posts\/([0-9a-f]{24})\//)[1];
  const api = await page.request.get(`/ghost/api/admin/posts/${id}/?formats=lexical`, { headers: { Origin: origin } });
  const lexical = JSON.parse((await api.json()).posts[0].lexical);
  expect(lexical.root.children.map((node) => node.type)).toEqual(['paragraph', 'heading', 'paragraph']);
});

test('pictures pasted or dropped are uploaded as image cards, and text pasted from a word processor keeps only the story\'s own parts', async ({ page }) => {
  await signIn(page, staff.editor);
  const photo = await aPhoto(page, 'pasted.jpg');
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  const story = await richStory(page);
  await story.click();
  await page.keyboard.type('Before the picture.');
  const send = (kind, bytes) =>
    story.evaluate((element, [kind, bytes]) => {
      const file = new File([new Uint8Array(bytes)], kind + '.jpg', { type: 'image/jpeg' });
      const data = new DataTransfer();
      data.items.add(file);
      if (kind === 'pasted') {
        element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      } else {
        const box = element.getBoundingClientRect();
        const at = { clientX: box.left + 20, clientY: box.top + 20, bubbles: true, cancelable: true, dataTransfer: data };
        element.dispatchEvent(new DragEvent('dragover', at));
        element.dispatchEvent(new DragEvent('drop', at));
      }
    }, [kind, Array.from(bytes)]);
  await send('pasted', photo.buffer);
  const images = page.getByRole('group', { name: 'Image', exact: true }).locator('img');
  await expect(images).toHaveCount(1);
  await expect(images.first()).toHaveAttribute('src', /^\/content\/images\/\d{4}\/\d{2}\/pasted-[0-9a-f]+\.jpg$/);
  await send('dropped', photo.buffer);
  await expect(images).toHaveCount(2);
  await expect(images.nth(1)).toHaveAttribute('src', /^\/content\/images\/\d{4}\/\d{2}\/dropped-[0-9a-f]+\.jpg$/);

  // From a word processor: its fonts, colours, classes and wrappers go; headings, bold, italics,
  // links and lists stay.
  await story.locator('p.me-p').last().click();
  const html =
    '<meta charset="utf-8"><b id="docs-internal-guid-1" style="font-weight:normal;">' +
    '<h2 style="font-family:Arial;color:#333">Shelters</h2>' +
    '<p dir="ltr" style="font-size:11pt"><span style="font-family:Calibri;color:#ff0000;font-weight:700">Open</span> <span style="font-style:italic">all night</span>, <a href="https://example.org/map" class="x">see the map</a>.</p>' +
    '<ul><li style="font-size:11pt"><span>School basement</span></li><li><span>Metro station</span></li></ul>' +
    '<div class="MsoNormal"><font face="Times">Old word processor text</font></div></b>';
  await story.evaluate((element, html) => {
    const data = new DataTransfer();
    data.setData('text/html', html);
    data.setData('text/plain', 'Shelters');
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, html);
  await expect(story.locator('h2')).toHaveText('Shelters');
  const saved = JSON.parse(await page.locator('input[name=lexical]').inputValue());
  const nodes = [];
  const walk = (node) => {
    nodes.push(node);
    (node.children || []).forEach(walk);
  };
  walk(saved.root);
  const text = (wanted) => nodes.find((node) => node.type === 'text' && node.text === wanted);
  expect(text('Open').format & 1).toBe(1);
  expect(text('all night').format & 2).toBe(2);
  expect(nodes.find((node) => node.type === 'link').url).toBe('https://example.org/map');
  expect(nodes.filter((node) => node.type === 'listitem').length).toBe(2);
  expect(nodes.some((node) => node.type === 'text' && node.text.includes('Old word processor text'))).toBe(true);
  // Nothing of the source's styling survives into the document.
  expect(nodes.filter((node) => node.style).map((node) => node.style)).toEqual([]);
  expect(JSON.stringify(saved)).not.toMatch(/Calibri|#ff0000|MsoNormal|docs-internal/);

  // A picture carried inside the pasted document (a data: address) is uploaded too.
  await story.locator('p.me-p').last().click();
  await story.evaluate((element) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext('2d');
    context.fillStyle = '#2a6';
    context.fillRect(0, 0, 64, 48);
    const data = new DataTransfer();
    data.setData('text/html', '<p>Map below.</p><img src="' + canvas.toDataURL('image/png') + '" alt="Shelter map">');
    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await expect(images).toHaveCount(3);
  await expect(images.nth(2)).toHaveAttribute('src', /^\/content\/images\/\d{4}\/\d{2}\/pasted-[0-9a-f]+\.png$/);
  expect(await page.locator('input[name=lexical]').inputValue()).not.toContain('data:image');
});

// Every document recorded from Ghost 6.65 (clients/ghost-diff/lexical/documents) opens in the
// editor and, saved without a change, renders to the same HTML as the original: a story moves
// between Ghost and Masthead unchanged.
test('every document recorded from Ghost opens in the editor and saves back rendering the same', async ({ page }) => {
  const fs = require('fs');
  const path = require('path');
  await signIn(page, staff.editor);
  const origin = new URL(page.url()).origin;
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'Story' })).toBeVisible();
  const render = async (lexical) => {
    const response = await page.request.post('/admin/preview/', { headers: { Origin: origin }, form: { lexical } });
    expect(response.status()).toBe(200);
    return response.text();
  };
  const dir = path.join(__dirname, '..', '..', 'clients', 'ghost-diff', 'lexical', 'documents');
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.json'));
  expect(files.length).toBeGreaterThan(40);
  const changed = [];
  for (const file of files) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    const saved = await page.evaluate((document) => {
      window.mastheadEditor.load(JSON.parse(document));
      return JSON.stringify(window.mastheadEditor.save());
    }, source);
    if ((await render(saved)) !== (await render(source))) changed.push(file);
  }
  // Lexical's own list rule (in its list node, so every Lexical editor applies it): two
  // numbered lists one after the other become one, and the second list's own start number is
  // lost. The test fails if that changes.
  expect(changed).toEqual(['list-numbered-start.json']);
});

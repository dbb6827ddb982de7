// The newsroom: an editor writes, illustrates, previews and publishes a story; a contributor
// cannot publish.
const { test, expect } = require('@playwright/test');
const { staff, signIn, writeStory, richStory } = require('../staff');
const { expectLoaded } = require('../images');

async function anImage(page) {
  // Any JPEG will do: take a demo photo from the site.
  await page.goto('/');
  const src = await page.locator('.front__lead img').getAttribute('src');
  const response = await page.request.get(src);
  return { name: 'harbour at dawn.jpg', mimeType: 'image/jpeg', buffer: await response.body() };
}

test('an editor writes a story with an uploaded image, previews it, publishes it and sees the Edit link', async ({ page }) => {
  const photo = await anImage(page);
  await signIn(page, staff.editor);
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await page.getByLabel('Title', { exact: true }).fill('Night ferry resumes crossings to Salen');
  await writeStory(page, 'The night ferry ran again on ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('Friday');
  await page.keyboard.press('Control+b');
  await page.keyboard.type(', the port authority said.');
  await expect(page.getByRole('textbox', { name: 'Story' }).locator('strong')).toHaveText('Friday');

  // An image in the story through the toolbar's insert menu, and a feature image with alt
  // text, caption and credit.
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Insert…' }).click();
  await page.getByRole('listbox', { name: 'Insert' }).getByRole('option', { name: /^Image/ }).click();
  await (await chooser).setFiles(photo);
  const card = page.getByRole('group', { name: 'Image', exact: true });
  await expect(card.locator('img')).toHaveAttribute('src', /^\/content\/images\/\d{4}\/\d{2}\/harbour-at-dawn-[0-9a-f]+\.jpg$/);
  await card.getByLabel(/Alt text/).fill('harbour at dawn');
  await page.locator('input[data-upload=feature]').setInputFiles(photo);
  await expect(page.getByLabel('Image URL', { exact: true })).toHaveValue(/^\/content\/images\/.+\.jpg$/);
  const feature = page.getByRole('group', { name: 'Feature image' });
  await feature.getByLabel('Alt text', { exact: true }).fill('A ferry at a quay at dawn');
  await feature.getByLabel('Caption', { exact: true }).fill('The ferry at the Salen quay.');
  await feature.getByLabel('Credit', { exact: true }).fill('Photo: Edna Editor / The Korvet Independent');
  await page.getByLabel('Tags').fill('Economy, Transport');

  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('draft');

  // The private preview link shows the draft before publication.
  const previewHref = await page.getByRole('link', { name: 'Preview', exact: true }).getAttribute('href');
  const editorUrl = page.url();
  await page.goto(previewHref);
  await expect(page.locator('h1.article__title')).toHaveText('Night ferry resumes crossings to Salen');
  await expect(page.locator('figure.article__figure figcaption')).toContainText('(Photo: Edna Editor / The Korvet Independent)');

  await page.goto(editorUrl);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('published');
  await page.getByRole('link', { name: 'View on site' }).click();

  await expect(page).toHaveURL(/\/night-ferry-resumes-crossings-to-salen\/$/);
  await expect(page.locator('h1.article__title')).toHaveText('Night ferry resumes crossings to Salen');
  await expect(page.locator('.byline a[rel=author]')).toHaveText(['Edna Editor']);
  const bodyImage = page.locator('.article__body img');
  await expect(bodyImage).toHaveAttribute('alt', 'harbour at dawn');
  await expectLoaded(bodyImage);
  const edit = page.getByRole('link', { name: 'Edit post' });
  await expect(edit).toBeVisible();
  await edit.click();
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue('Night ferry resumes crossings to Salen');

  // A reader (no session) sees the same story without the Edit link.
  const reader = await page.context().browser().newContext();
  const readerPage = await reader.newPage();
  await readerPage.goto(new URL('/night-ferry-resumes-crossings-to-salen/', page.url()).toString());
  await expect(readerPage.locator('h1.article__title')).toHaveText('Night ferry resumes crossings to Salen');
  await expect(readerPage.getByRole('link', { name: 'Edit post' })).toHaveCount(0);
  await reader.close();
});

test('a contributor saves drafts but cannot publish', async ({ page }) => {
  await signIn(page, staff.contributor);
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Publish' })).toHaveCount(0);
  await page.getByLabel('Title', { exact: true }).fill('A contributor draft');
  await writeStory(page, 'Work in progress.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('draft');
  await expect(page.getByRole('button', { name: 'Publish' })).toHaveCount(0);

  // Sending the publish action anyway is refused by the server.
  const form = page.locator('form.editor');
  const action = await form.getAttribute('action');
  const updatedAt = await page.locator('input[name=updated_at]').inputValue();
  const origin = new URL(page.url()).origin;
  const response = await page.request.post(action, {
    headers: { Origin: origin },
    form: { title: 'A contributor draft', markdown: 'Work in progress.', action: 'publish', updated_at: updatedAt },
  });
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain('does not allow you to publish');
  const missing = await page.request.get(`${origin}/a-contributor-draft/`);
  expect(missing.status()).toBe(404);
});

test('the newsroom home and its grouped menu pass axe and fit a phone', async ({ page }) => {
  const AxeBuilder = require('@axe-core/playwright').default;
  await signIn(page, staff.editor);
  for (const path of ['/admin/', '/admin/posts/', '/admin/posts/new/']) {
    await page.goto(path);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${path} ${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  }
  await page.goto('/admin/');
  await expect(page.getByRole('heading', { name: 'Drafts' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Scheduled' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Recently published' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Content' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Audience' })).toBeVisible();

  // On a phone the page does not scroll sideways, and every menu link can be reached and used.
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const sends = page.getByRole('group', { name: 'Audience' }).getByRole('link', { name: 'Sends' });
  await sends.scrollIntoViewIfNeeded();
  await sends.click();
  await expect(page).toHaveURL(/\/admin\/emails\/$/);
  await expect(page.getByRole('link', { name: 'Sends' })).toHaveAttribute('aria-current', 'page');
});

test('two people with the same story open see each other, and the later save is warned', async ({ browser }) => {
  const cory = await (await browser.newContext()).newPage();
  await signIn(cory, staff.contributor);
  await cory.getByRole('link', { name: 'New story', exact: true }).click();
  await cory.getByLabel('Title', { exact: true }).fill('Presence check: ferry timetable');
  await writeStory(cory, 'First draft.');
  await cory.getByRole('button', { name: 'Save draft' }).click();
  await expect(cory.locator('.editor__status .status')).toHaveText('draft');
  const url = cory.url();

  const edna = await (await browser.newContext()).newPage();
  await signIn(edna, staff.editor);
  await edna.goto(url);
  await expect(edna.locator('.presence')).toHaveText(/Cory Contributor also has this story open/);
  // Cory's editor hears of Edna at its next word (every ten seconds).
  await expect(cory.locator('.presence')).toHaveText(/Edna Editor also has this story open/, { timeout: 15_000 });

  // Both change it; the first save wins and the second is told, not silently overwritten.
  await (await richStory(edna)).fill('Edna rewrote the opening.');
  await edna.getByRole('button', { name: 'Save draft' }).click();
  await expect(edna.locator('.editor__status .status')).toHaveText('draft');
  await (await richStory(cory)).fill('Cory kept typing.');
  await cory.getByRole('button', { name: 'Save draft' }).click();
  await expect(cory.getByRole('alert')).toContainText(/changed/i);

  // Edna closes the story; Cory's banner clears at the next word.
  await edna.close();
  await expect(cory.locator('.presence')).toBeHidden({ timeout: 15_000 });
});

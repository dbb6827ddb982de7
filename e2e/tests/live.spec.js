// The live news feed and the editors' picks in a real browser: an editor posts from the
// composer and an open article page shows the item within two seconds, without reloading; a
// deleted item disappears; a reader who has scrolled gets an "N new updates" notice instead of
// the page moving; "More news" loads older items; reordering the picks shows on the home page.
// The demo newsroom has a day of feed items (more than a page) and three picks.
const { test, expect } = require('@playwright/test');
const { staff, signIn } = require('../staff');

/** Posts an item from the composer, keyboard only: type, then Ctrl+Enter. With `image`, a file
 * for the item's picture, uploaded in place first. */
async function post(editor, headline, body, image) {
  await editor.goto('/admin/feed/');
  await expect(editor.getByLabel('Headline')).toBeFocused();
  await editor.keyboard.type(headline);
  await editor.getByLabel(/^Update/).fill(body);
  if (image) {
    await editor.getByLabel('Upload an image').setInputFiles(image);
    await expect(editor.getByLabel(/^Image address/)).toHaveValue(/^\/content\/images\/\d{4}\/\d{2}\/queue-[0-9a-f]+\.jpg$/);
    await editor.getByLabel('Image credit').fill('Photo: Olena Editor');
  }
  await editor.keyboard.press('Control+Enter');
  await expect(editor.getByRole('status')).toContainText('Posted');
}

test('an open article page receives a new feed item within two seconds, and its deletion, without reloading', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const readerContext = await browser.newContext({ baseURL });
  const editorContext = await browser.newContext({ baseURL });
  try {
    const reader = await readerContext.newPage();
    await reader.goto('/');
    const story = await reader.locator('.front__lead .card__title a').getAttribute('href');
    await reader.goto(story);
    const feed = reader.locator('[data-live-feed]');
    await expect(feed.locator('.feed-item').first()).toBeVisible();
    await expect(reader.getByRole('link', { name: 'More news' })).toHaveAttribute('href', '/news/');
    // The page is not reloaded: a marker set now must survive.
    await reader.evaluate(() => { window.stillTheSamePage = true; });

    const editor = await editorContext.newPage();
    await signIn(editor, staff.editor);
    const headline = `Checkpoint reopens at Orsk ${Date.now()}`;
    // Any JPEG will do for the item's picture: the story's own photo.
    const photo = await reader.request.get(await reader.locator('.article__figure img').getAttribute('src'));
    const image = { name: 'queue.jpg', mimeType: 'image/jpeg', buffer: await photo.body() };
    await post(editor, headline, 'Queues of **two hours** are reported.', image);
    const posted = Date.now();
    await expect(feed.locator('.feed-item__headline').first()).toHaveText(headline, { timeout: 2000 });
    expect(Date.now() - posted).toBeLessThan(2000);
    await expect(feed.locator('.feed-item').first().locator('strong')).toHaveText('two hours');
    await expect(feed.locator('.feed-item').first().locator('img')).toHaveAttribute('src', /\/content\/images\/.*queue-[0-9a-f]+\.jpg$/);
    await expect(feed.locator('.feed-item').first().locator('figcaption')).toHaveText('Photo: Olena Editor');
    expect(await reader.evaluate(() => window.stillTheSamePage)).toBe(true);

    // Deleting it removes it from the open page.
    editor.on('dialog', (dialog) => dialog.accept());
    const row = editor.locator('tr', { hasText: headline });
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect(editor.locator('tr', { hasText: headline })).toHaveCount(0);
    await expect(reader.locator('.feed-item', { hasText: headline })).toHaveCount(0, { timeout: 2000 });
    expect(await reader.evaluate(() => window.stillTheSamePage)).toBe(true);
  } finally {
    await readerContext.close();
    await editorContext.close();
  }
});

test('a reader who has scrolled sees "1 new update" instead of the page moving', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const readerContext = await browser.newContext({ baseURL, viewport: { width: 1000, height: 600 } });
  const editorContext = await browser.newContext({ baseURL });
  try {
    const reader = await readerContext.newPage();
    await reader.goto('/news/');
    const feed = reader.locator('[data-live-feed]');
    await expect(feed.locator('.feed-item').first()).toBeVisible();
    await reader.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await expect.poll(() => reader.evaluate(() => window.scrollY)).toBeGreaterThan(300);
    const firstBefore = await feed.locator('.feed-item__headline').first().textContent();
    const scrollBefore = await reader.evaluate(() => window.scrollY);

    const editor = await editorContext.newPage();
    await signIn(editor, staff.editor);
    const headline = `Alert in the north ${Date.now()}`;
    await post(editor, headline, 'Stay in shelters until the all-clear.');

    const notice = reader.getByRole('button', { name: '1 new update' });
    await expect(notice).toBeVisible({ timeout: 2000 });
    // Nothing moved under the reader.
    await expect(feed.locator('.feed-item__headline').first()).toHaveText(firstBefore.trim());
    expect(await reader.evaluate(() => window.scrollY)).toBe(scrollBefore);
    await expect(reader).toHaveTitle(/^\(1\) /);
    await notice.click();
    await expect(feed.locator('.feed-item__headline').first()).toHaveText(headline);
    await expect(notice).toBeHidden();
  } finally {
    await readerContext.close();
    await editorContext.close();
  }
});

test('"More news" loads older items below the newest', async ({ page }) => {
  await page.goto('/news/');
  // A page of 20, less the pinned item shown above the list.
  const items = page.locator('[data-live-feed] .feed-item');
  await expect(items).toHaveCount(19);
  const lastBefore = await items.nth(18).getAttribute('data-feed-item');
  await page.getByRole('link', { name: 'More news' }).click();
  await expect.poll(() => items.count()).toBeGreaterThan(19);
  // The older items come after the ones already shown, each once, on the same page.
  await expect(page).toHaveURL(/\/news\/$/);
  const ids = await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-feed-item')));
  expect(ids.indexOf(lastBefore)).toBe(18);
  expect(new Set(ids).size).toBe(ids.length);
});

test("reordering the editors' picks with the keyboard shows on the home page", async ({ page }) => {
  await page.goto('/');
  const picks = page.locator('.picks .card__title');
  await expect(picks).toHaveCount(3);
  const before = await picks.allTextContents();

  await signIn(page, staff.editor);
  await page.goto('/admin/picks/');
  const moveDown = page.getByRole('button', { name: `Move ${before[0].trim()} down` });
  await moveDown.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.picks__row').first()).toContainText(before[1].trim());

  // Signed out, as readers see the (cached) home page.
  await page.context().clearCookies();
  await page.goto('/');
  await expect(picks).toHaveText([before[1].trim(), before[0].trim(), before[2].trim()]);
});

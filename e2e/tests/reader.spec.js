// A reader's first visit: the front page, an article, and everything the reference page shows
// above the fold.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const fs = require('fs');
const path = require('path');
const { expectLoaded } = require('../images');

const artifacts = path.join(__dirname, '..', 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

async function openLeadStory(page) {
  await page.goto('/');
  const lead = page.locator('.front__lead .card__title a');
  const title = (await lead.textContent()).trim();
  await lead.click();
  await expect(page.locator('h1.article__title')).toHaveText(title);
  return title;
}

test('a reader opens the front page, then an article with byline, time, reading time and caption', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('The Korvet Independent');
  await expect(page.locator('.site-title')).toHaveText('The Korvet Independent');
  await expect(page.locator('.latest .card').first()).toBeVisible();

  await openLeadStory(page);

  const authors = page.locator('.byline a[rel=author]');
  expect(await authors.count()).toBeGreaterThan(0);
  await expect(authors.first()).toHaveAttribute('href', /^\/author\/[a-z-]+\/$/);

  const time = page.locator('.byline time');
  await expect(time).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  await expect(time).toContainText(/\d{1,2} \w+ \d{4}, \d{2}:\d{2}/);
  await expect(page.locator('.byline__reading')).toHaveText(/^\d+ min read$/);

  const figure = page.locator('figure.article__figure');
  await expect(figure.locator('img')).toHaveAttribute('alt', /\w+/);
  await expect(figure.locator('img')).toHaveAttribute('srcset', /w480.* 480w/);
  await expect(figure.locator('figcaption')).toContainText(/\(Photo: .+\)$/);
  await expectLoaded(figure.locator('img'));

  // The author link leads to the author's page.
  const authorName = (await authors.first().textContent()).trim();
  await authors.first().click();
  await expect(page.locator('h1')).toHaveText(authorName);
});

test('the skip link works from the keyboard', async ({ page }) => {
  await openLeadStory(page);
  await page.keyboard.press('Tab');
  const skip = page.locator('a.skip-link');
  await expect(skip).toBeFocused();
  await expect(skip).toHaveText('Skip to content');
  const box = await skip.boundingBox();
  expect(box && box.y).toBeGreaterThanOrEqual(0);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#content$/);
  await expect(page.locator('main#content')).toBeFocused();
  // The next Tab lands inside the main content, not back in the header.
  await page.keyboard.press('Tab');
  const insideMain = await page.evaluate(() => document.querySelector('main').contains(document.activeElement));
  expect(insideMain).toBe(true);
});

for (const [name, open] of [
  ['front page', async (page) => page.goto('/')],
  ['article', openLeadStory],
]) {
  test(`axe finds no serious or critical accessibility violations on the ${name}`, async ({ page }) => {
    await open(page);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  });
}

test('screenshots at phone and desktop widths', async ({ page }) => {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    await page.screenshot({ path: path.join(artifacts, `home-${width}.png`), fullPage: true });
    await openLeadStory(page);
    await page.screenshot({ path: path.join(artifacts, `article-${width}.png`), fullPage: true });
    // Nothing spills sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }
});

test('a missing page is the themed 404', async ({ page }) => {
  const response = await page.goto('/this-story-does-not-exist/');
  expect(response.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Page not found');
  await expect(page.locator('.card').first()).toBeVisible();
});

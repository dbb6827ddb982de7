// A reader searches the archive: from the box in the header, with results as they type, a
// section filter, a misspelt name, and a result opened.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

/** Waits until the server's index is built (a fresh server builds it at start). */
async function indexReady(request) {
  await expect
    .poll(async () => (await request.get('/search/?q=Dravsk')).status(), { timeout: 30_000 })
    .toBe(200);
}

test('a reader searches, filters by section, and opens a result', async ({ page, request }) => {
  await indexReady(request);
  await page.goto('/');
  await page.locator('#site-search-q').fill('Dravsk');
  await page.locator('#site-search-q').press('Enter');
  await expect(page).toHaveURL(/\/search\/\?q=Dravsk$/);
  const results = page.locator('.search-result');
  await expect(results.first()).toBeVisible();
  const all = await results.count();
  expect(all).toBeGreaterThan(1);
  // Every result shows where the word matched.
  for (let i = 0; i < all; i += 1) {
    await expect(results.nth(i).locator('mark').first()).toHaveText(/dravsk/i);
  }

  // A section narrows the results at once (the page refreshes them as filters change).
  await page.locator('.search-form__filters summary').click();
  await page.locator('select[name=tag]').selectOption('refugees');
  await expect(page).toHaveURL(/tag=refugees/);
  await expect(page.locator('.search-result__title', { hasText: 'Evacuation trains leave Dravsk' })).toBeVisible();
  await expect(page.locator('.search-result__title', { hasText: 'Missile strike on Dravsk' })).toHaveCount(0);
  expect(await results.count()).toBeLessThan(all);

  // Results follow the words as they are typed, without submitting.
  await page.locator('select[name=tag]').selectOption('');
  await page.locator('#search-q').fill('');
  await page.locator('#search-q').pressSequentially('Salen port', { delay: 40 });
  await expect(page).toHaveURL(/q=Salen\+port/);
  await expect(results.first().locator('.search-result__title')).toContainText('Salen');

  // A misspelt name is corrected.
  await page.goto('/search/?q=Dravks');
  await expect(page.locator('.search-results__corrected')).toContainText('Showing results for dravsk');
  await expect(results.first()).toBeVisible();

  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);

  // The result opens its story.
  const first = results.first().locator('.search-result__title a');
  const title = (await first.textContent()).trim();
  await first.click();
  await expect(page.locator('h1.article__title')).toHaveText(title);
});

test('the search page works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/search/');
  await page.locator('#search-q').fill('grain ships');
  await page.locator('#search-q').press('Enter');
  await expect(page).toHaveURL(/q=grain\+ships/);
  await expect(page.locator('.search-result__title').first()).toContainText('Grain ships');
  await context.close();
});

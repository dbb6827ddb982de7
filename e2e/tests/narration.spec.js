// Narration: a story an editor publishes is narrated in the background (espeak-ng on the test
// machine); its page then shows the player, with the disclosure label, and the audio loads and
// reports its length. Once the editor opts the story out, readers get neither player nor label.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { staff, signIn, writeStory } = require('../staff');

const TITLE = 'Harbour bridge closes for repairs';
const SLUG = '/harbour-bridge-closes-for-repairs/';
const LABEL = 'This audio is created with AI assistance';

test('a published story gets a player with its label, the audio loads, and an opted-out story shows neither', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  await signIn(page, staff.editor);
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await page.getByLabel('Title', { exact: true }).fill(TITLE);
  await writeStory(page, 'The harbour bridge closes on Monday for six weeks of repairs.\n\nFerries will run every twenty minutes, the council said.');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('published');
  const editorUrl = page.url();

  // The editor shows the narration's progress; it is ready within seconds.
  const status = page.locator('[data-narration-status]');
  await expect(async () => {
    await page.reload();
    await expect(status).toHaveAttribute('data-narration-status', 'ready', { timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  await expect(page.getByRole('region', { name: 'Narration' }).locator('audio')).toHaveCount(1);

  // A reader: the player in a labelled region, the label, and the audio's real length.
  const reader = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const readerPage = await reader.newPage();
  await readerPage.goto(SLUG);
  const player = readerPage.getByRole('region', { name: 'Listen to this story' });
  await expect(player).toBeVisible();
  await expect(player).toContainText(LABEL);
  const audio = player.locator('audio');
  await expect(audio).toHaveAttribute('controls', '');
  const speed = player.getByLabel('Speed');
  await expect(speed).toBeVisible();
  await speed.selectOption('1.5');
  expect(await audio.evaluate((el) => el.playbackRate)).toBe(1.5);
  await expect(player).toHaveAttribute('data-narration-loaded', 'true', { timeout: 20_000 });
  const duration = await audio.evaluate((el) => el.duration);
  expect(duration).toBeGreaterThan(2);
  expect(duration).toBeLessThan(60);
  const results = await new AxeBuilder({ page: readerPage }).include('.narration').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);

  // The editor opts the story out: readers get no player and no label.
  await page.goto(editorUrl);
  await page.getByRole('button', { name: 'Do not narrate this story' }).click();
  await expect(page.locator('[data-narration-status]')).toHaveAttribute('data-narration-status', 'opted_out');
  await readerPage.goto(SLUG);
  await expect(readerPage.locator('h1.article__title')).toHaveText(TITLE);
  await expect(readerPage.getByRole('region', { name: 'Listen to this story' })).toHaveCount(0);
  await expect(readerPage.locator('main')).not.toContainText(LABEL);
  await reader.close();
});

// Guest contributors: an editor adds one (a byline without an account) and uploads their photo,
// names them as a story's author and publishes; the public byline links to their author page
// with the bio and the photo.
const { test, expect } = require('@playwright/test');
const { staff, signIn, writeStory } = require('../staff');

async function anImage(page) {
  // Any JPEG will do: take a demo photo from the site.
  await page.goto('/');
  const src = await page.locator('.front__lead img').getAttribute('src');
  const response = await page.request.get(src);
  return { name: 'helga.jpg', mimeType: 'image/jpeg', buffer: await response.body() };
}

test('an editor adds a guest contributor, bylines a story with them, and readers reach their author page', async ({ page }) => {
  const photo = await anImage(page);
  await signIn(page, staff.editor);
  await page.getByRole('link', { name: 'Guest contributors' }).click();
  await expect(page.locator('h1')).toHaveText('Guest contributors');

  // A mistake first: the form says what is wrong and keeps what was typed.
  await page.getByLabel('Name', { exact: true }).fill('Helga Op-Ed');
  await page.getByLabel('Bio').fill('Former harbour master, writes on shipping.');
  await page.getByLabel('Website').fill('https://helga.example');
  await page.getByLabel('X (Twitter)').fill('not a handle!');
  await page.getByRole('button', { name: 'Add guest contributor' }).click();
  await expect(page.locator('.error')).toContainText('not an X handle');
  await expect(page.getByLabel('Bio')).toHaveValue('Former harbour master, writes on shipping.');
  await page.getByLabel('X (Twitter)').fill('@helga_oped');
  await page.getByRole('button', { name: 'Add guest contributor' }).click();
  await expect(page.locator('h1')).toHaveText('Helga Op-Ed');

  // A profile photo, uploaded on the guest's page: the upload fills in its address.
  await page.getByLabel('Upload a profile photo').setInputFiles(photo);
  const address = page.getByRole('textbox', { name: /^Profile photo/ });
  await expect(address).toHaveValue(/^\/content\/images\/\d{4}\/\d{2}\/helga-[0-9a-f]+\.jpg$/);
  const photoUrl = await address.inputValue();
  const saved = page.waitForResponse((r) => r.request().method() === 'POST' && /\/admin\/guests\/[^/]+\/$/.test(r.url()));
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  expect((await saved).status()).toBe(303);
  await expect(address).toHaveValue(photoUrl);

  // The story: written by the editor, bylined to the guest alone.
  await page.getByRole('link', { name: 'New story', exact: true }).click();
  await page.getByLabel('Title', { exact: true }).fill('Why the harbour needs a second pier');
  await writeStory(page, 'The harbour was built for ships half the size of today\'s.');
  await page.getByLabel('Author 1').selectOption({ label: 'Helga Op-Ed' });
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('draft');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.editor__status .status')).toHaveText('published');

  // A reader (no session) follows the byline to the guest's author page.
  const reader = await page.context().browser().newContext();
  const readerPage = await reader.newPage();
  await readerPage.goto(new URL('/why-the-harbour-needs-a-second-pier/', page.url()).toString());
  const byline = readerPage.locator('.byline a[rel=author]');
  await expect(byline).toHaveText(['Helga Op-Ed']);
  await byline.click();
  await expect(readerPage).toHaveURL(/\/author\/helga-op-ed\/$/);
  await expect(readerPage.locator('h1.archive-header__title')).toHaveText('Helga Op-Ed');
  await expect(readerPage.locator('.archive-header__description')).toHaveText('Former harbour master, writes on shipping.');
  const avatar = readerPage.locator('.archive-header img.author-avatar');
  await expect(avatar).toHaveAttribute('src', photoUrl);
  await expect.poll(() => avatar.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expect(readerPage.locator('.archive-list')).toContainText('Why the harbour needs a second pier');
  await reader.close();
});

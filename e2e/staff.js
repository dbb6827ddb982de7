// Staff accounts the browser tests sign in with (created by the web server command).
module.exports.staff = {
  editor: { email: 'edna.editor@example.org', name: 'Edna Editor', role: 'editor', password: 'editor password 2026' },
  contributor: { email: 'cory.contributor@example.org', name: 'Cory Contributor', role: 'contributor', password: 'contributor password 2026' },
  administrator: { email: 'ada.admin@example.org', name: 'Ada Admin', role: 'administrator', password: 'administrator password 2026' },
};

/** Signs `who` in through the newsroom's sign-in form (used by the tests, not the config). */
module.exports.signIn = async function signIn(page, who) {
  const { expect } = require('@playwright/test');
  await page.goto('/admin/');
  await expect(page).toHaveURL(/\/admin\/signin\//);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.admin-bar')).toContainText(who.name);
};

/**
 * The rich story editor, once it has replaced the Markdown field. Until the page's script has
 * run, "Story" also names that field (`Story (Markdown)`); an action aimed at it then waits on a
 * field that is about to be hidden, however long.
 */
async function richStory(page) {
  const { expect } = require('@playwright/test');
  await expect(page.getByLabel('Story (Markdown)')).toBeHidden();
  const story = page.getByRole('textbox', { name: 'Story' });
  await expect(story).toBeVisible();
  return story;
}
module.exports.richStory = richStory;

/** Types `text` into the story editor, a paragraph for each blank-line-separated part. */
module.exports.writeStory = async function writeStory(page, text) {
  const story = await richStory(page);
  await story.click();
  await page.keyboard.press('Control+End');
  const parts = text.split('\n\n');
  for (const [i, part] of parts.entries()) {
    if (i > 0) await page.keyboard.press('Enter');
    await page.keyboard.type(part);
  }
};

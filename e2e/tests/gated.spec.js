// A members-only story: an anonymous reader gets its opening and an invitation to join; after
// joining through the invitation's form and confirming by email, the same reader reads it all,
// while a browser without the session still gets the opening only (the page cache keeps them
// apart). The demo newsroom's investigation into drone parts is members-only, with its public
// opening marked in the body.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { lastSeq, waitForMail } = require('../mail');

const STORY = '/tracing-the-imported-parts-inside-aldovian-drone-factories/';
const TITLE = "Tracing the imported parts inside Aldovia's fast-growing drone factories";
// The last paragraph of the public opening, and a sentence from the members-only part.
const OPENING = 'Most of those parts came from a small number of suppliers abroad';
const MEMBERS_ONLY = 'Building a motor line is not hard';

/** The one link in a message whose path is `path` (with its query). */
function linkTo(mail, path) {
  const links = mail.links.filter((link) => new URL(link).pathname === path);
  expect(links, `one link to ${path} in:\n${mail.text}`).toHaveLength(1);
  return links[0];
}

test('an anonymous reader gets the opening and an invitation; a signed-in member reads the whole members-only story', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const email = `member-${Date.now()}@example.org`;
  const context = await browser.newContext({ baseURL });
  const stranger = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    const response = await page.goto(STORY);
    expect(response.status()).toBe(200);
    const main = page.getByRole('main');
    await expect(page.locator('h1.article__title')).toHaveText(TITLE);
    await expect(page.locator('.article__body')).toContainText(OPENING);
    await expect(main).not.toContainText(MEMBERS_ONLY);

    // The invitation: a labelled region with a sign-up form and a sign-in link, no script needed.
    const invitation = main.getByRole('region', { name: 'This story is for members' });
    await expect(invitation).toBeVisible();
    const field = invitation.getByRole('textbox', { name: 'Email address (required)', exact: true });
    await expect(field).toHaveAttribute('required', '');
    await expect(invitation.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/signin/');
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);

    // Joining from the invitation: the confirmation email, then the button on its link.
    const before = lastSeq();
    await field.fill(email);
    await invitation.getByRole('button', { name: 'Join for free' }).click();
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Check your inbox');
    const mail = await waitForMail(email, 'Confirm your subscription', { after: before });
    await page.goto(linkTo(mail, '/subscribe/confirm/'));
    await main.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(page).toHaveURL(/\/account\/(\?welcome=1)?$/);

    // Signed in: the whole story, and no invitation.
    await page.goto(STORY);
    await expect(page.locator('h1.article__title')).toHaveText(TITLE);
    await expect(page.locator('.article__body')).toContainText(OPENING);
    await expect(page.locator('.article__body .members-only')).toContainText(MEMBERS_ONLY);
    await expect(main.getByRole('region', { name: 'This story is for members' })).toHaveCount(0);

    // Another browser, without the session, still gets the opening only.
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(STORY);
    await expect(strangerPage.locator('.article__body')).toContainText(OPENING);
    await expect(strangerPage.getByRole('main')).not.toContainText(MEMBERS_ONLY);
    await expect(strangerPage.getByRole('main').getByRole('region', { name: 'This story is for members' })).toBeVisible();
  } finally {
    await stranger.close();
    await context.close();
  }
});

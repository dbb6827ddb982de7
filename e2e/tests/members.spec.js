// A reader's account, end to end through real mail: sign-up with double opt-in, magic-link
// sign-in, newsletter preferences, and RFC 8058 one-click unsubscribe from a real newsletter.
// The server delivers through SMTP to masthead-smtp-sink; waitForMail reads what it received.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { execFile } = require('child_process');
const { promisify } = require('util');
const { binary, dataDir, lastSeq, waitForMail } = require('../mail');

const NO_DOT = 'Enter a correct email address: the domain after the @ needs a dot, as in example.com.';

/** The one link in a message whose path is `path` (with its query). */
function linkTo(mail, path) {
  const links = mail.links.filter((link) => new URL(link).pathname === path);
  expect(links, `one link to ${path} in:\n${mail.text}`).toHaveLength(1);
  return links[0];
}

function newsletterBox(page, name) {
  return page.getByRole('main').getByRole('checkbox', { name: new RegExp(`^${name}\\b`) });
}

test('axe finds no serious or critical accessibility violations on the subscribe page, with and without an error', async ({ page }) => {
  for (const email of [null, 'reader@example']) {
    await page.goto('/subscribe/');
    if (email) {
      await page.getByRole('main').getByLabel('Email address').fill(email);
      await page.getByRole('main').getByRole('button', { name: 'Subscribe' }).click();
      await expect(page.getByRole('alert')).toHaveText(NO_DOT);
    }
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  }
});

test.describe.serial('a reader subscribes, signs in by email, chooses newsletters and unsubscribes in one click', () => {
  const email = `reader-${Date.now()}@example.org`;
  let baseURL;
  let context;
  let page;
  let confirmLink;

  test.beforeAll(async ({ browser }, testInfo) => {
    baseURL = testInfo.project.use.baseURL;
    // One browser for the reader across the steps, so the session carries over.
    context = await browser.newContext({ baseURL });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context?.close();
  });

  /** Visits /account/ in a browser with no cookies and says where it landed. */
  async function accountWithoutSession(browser) {
    const stranger = await browser.newContext({ baseURL });
    try {
      const strangerPage = await stranger.newPage();
      await strangerPage.goto('/account/');
      return new URL(strangerPage.url()).pathname;
    } finally {
      await stranger.close();
    }
  }

  test('the subscribe form explains a bad address inline, then sends a confirmation email', async () => {
    await page.goto('/subscribe/');
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Subscribe');

    // The two demo newsletters; the morning one is on by default.
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();
    await expect(newsletterBox(page, 'Frontline Dispatch')).not.toBeChecked();
    await expect(main.getByText('Frontline Dispatch with Tomas Veyra')).toBeVisible();

    // A required field: a visible * (hidden from screen readers) and "(required)" for them.
    const field = main.getByRole('textbox', { name: 'Email address (required)', exact: true });
    await expect(field).toHaveAttribute('required', '');
    const label = main.locator(`label[for="${await field.getAttribute('id')}"]`);
    await expect(label).toContainText('Email address');
    await expect(label.locator('.required')).toHaveText('*');
    await expect(label.locator('.required')).toHaveAttribute('aria-hidden', 'true');
    await expect(label.locator('.visually-hidden')).toHaveText('(required)');

    // A domain without a dot: the page answers 422 with the reason next to the field.
    await field.fill('reader@example');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/subscribe/' && r.request().method() === 'POST'),
      main.getByRole('button', { name: 'Subscribe' }).click(),
    ]);
    expect(refused.status()).toBe(422);
    const alert = main.getByRole('alert');
    await expect(alert).toHaveText(NO_DOT);
    await expect(field).toHaveValue('reader@example');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAttribute('aria-describedby', await alert.getAttribute('id'));
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();

    // A good address with both newsletters.
    const before = lastSeq();
    await field.fill(email);
    await newsletterBox(page, 'Frontline Dispatch').check();
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();
    const [accepted] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/subscribe/' && r.request().method() === 'POST'),
      main.getByRole('button', { name: 'Subscribe' }).click(),
    ]);
    expect(accepted.status()).toBe(200);
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Check your inbox');
    await expect(main.getByRole('status')).toContainText("We've sent you a confirmation email");
    await expect(main.getByRole('status')).toContainText(email);

    const mail = await waitForMail(email, 'Confirm your subscription', { after: before });
    expect(mail.text).toContain('Morning Brief');
    expect(mail.text).toContain('Frontline Dispatch');
    const link = linkTo(mail, '/subscribe/confirm/');
    expect(link.startsWith(`${baseURL}/subscribe/confirm/?token=`)).toBe(true);
    test.info().annotations.push({ type: 'confirmation link', description: link });
    confirmLink = link;
  });

  test('the confirmation link asks for a button press; the press subscribes and signs in', async ({ browser }) => {
    const link = confirmLink;
    expect(link).toBeTruthy();

    // Opening the link (what a mail scanner does) subscribes nobody and signs nobody in.
    const opened = await page.goto(link);
    expect(opened.status()).toBe(200);
    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Confirm your subscription');
    await expect(main).toContainText(email);
    await expect(main).toContainText('Morning Brief');
    await expect(main).toContainText('Frontline Dispatch');
    await expect(main.getByRole('button', { name: 'Confirm subscription' })).toBeVisible();
    expect(await accountWithoutSession(browser)).toBe('/signin/');
    await page.goto('/account/');
    await expect(page).toHaveURL(/\/signin\/$/);

    // The link still works after being opened; the person presses the button.
    await page.goto(link);
    await main.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(page).toHaveURL(/\/account\/(\?welcome=1)?$/);
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Your account');
    await expect(main.getByRole('status')).toContainText("You're subscribed");
    await expect(main).toContainText(email);
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();
    await expect(newsletterBox(page, 'Frontline Dispatch')).toBeChecked();
  });

  test('after signing out, a magic link signs the reader in, and survives a scanner opening it first', async ({ browser }) => {
    await page.goto('/account/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/account/');
    await expect(page).toHaveURL(/\/signin\/$/);

    const main = page.getByRole('main');
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    const before = lastSeq();
    await main.getByRole('textbox', { name: 'Email address (required)', exact: true }).fill(email);
    await main.getByRole('button', { name: 'Email me a link' }).click();
    await expect(main.getByRole('status')).toHaveText(`If ${email} has an account, we've sent it a sign-in link. It works for 24 hours.`);

    const mail = await waitForMail(email, 'Sign in to', { after: before });
    const link = linkTo(mail, '/signin/confirm/');
    expect(link.startsWith(`${baseURL}/signin/confirm/?token=`)).toBe(true);

    // A link scanner opens it first (in another browser) ...
    const scanner = await browser.newContext({ baseURL });
    const scannerPage = await scanner.newPage();
    await scannerPage.goto(link);
    await expect(scannerPage).toHaveURL(/\/account\/$/);
    await scanner.close();

    // ... and the reader, a moment later, is still signed in by it.
    await page.goto(link);
    await expect(page).toHaveURL(/\/account\/$/);
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Your account');
    await expect(main).toContainText(email);
  });

  test('the reader changes newsletters and name, and the choice persists', async () => {
    await page.goto('/account/');
    const main = page.getByRole('main');
    await newsletterBox(page, 'Frontline Dispatch').uncheck();
    await main.getByLabel('Name', { exact: true }).fill('Rosa Reader');
    await main.getByRole('button', { name: 'Save preferences' }).click();
    await expect(main.getByRole('status')).toHaveText('Your preferences are saved.');

    await page.reload();
    await expect(main.getByLabel('Name', { exact: true })).toHaveValue('Rosa Reader');
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();
    await expect(newsletterBox(page, 'Frontline Dispatch')).not.toBeChecked();
  });

  test('a newsletter arrives with List-Unsubscribe; one POST from the mail client unsubscribes', async ({ browser, request }) => {
    // The newest published post, from the site's feed.
    const rss = await (await page.request.get('/rss/')).text();
    const item = /<item>([\s\S]*?)<\/item>/.exec(rss);
    expect(item, 'an <item> in /rss/').toBeTruthy();
    const postUrl = /<link>\s*([^<\s]+)\s*<\/link>/.exec(item[1])[1];
    const slug = new URL(postUrl).pathname.replace(/^\/|\/$/g, '');
    await page.goto(new URL(postUrl).pathname);
    const title = (await page.locator('h1.article__title').textContent()).trim();

    // Send it to Morning Brief from the command line; the running server delivers it.
    const before = lastSeq();
    const { stdout } = await promisify(execFile)(binary, [
      'email', 'send',
      '--data-dir', dataDir,
      '--post', slug,
      '--newsletter', 'morning-brief',
      '--site-url', baseURL,
    ], { env: { ...process.env, MASTHEAD_LOG: 'warn' } });
    expect(stdout).toContain('Newsletter send');

    const mail = await waitForMail(email, title, { after: before, timeout: 45_000 });
    expect(mail.subject).toBe(title);
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = mail.header('List-Unsubscribe');
    const [, oneClick] = /<(https?:\/\/[^>]+)>/.exec(listUnsubscribe) || [];
    expect(listUnsubscribe).toMatch(/<mailto:[^>]+>/);
    expect(oneClick, `an http(s) URL in List-Unsubscribe: ${listUnsubscribe}`).toBeTruthy();
    const url = new URL(oneClick);
    expect(url.origin).toBe(baseURL);
    expect(url.pathname).toBe('/unsubscribe/');
    expect(url.searchParams.get('newsletter')).toBe('morning-brief');
    // The footer's link is the same one.
    expect(mail.links).toContain(oneClick);

    // Opening the link shows a button and unsubscribes nobody (link scanners open links).
    const stranger = await browser.newContext({ baseURL });
    const strangerPage = await stranger.newPage();
    const shown = await strangerPage.goto(oneClick);
    expect(shown.status()).toBe(200);
    await expect(strangerPage.getByRole('main').getByRole('heading', { level: 1 })).toHaveText('Unsubscribe');
    await expect(strangerPage.getByRole('main')).toContainText('Morning Brief');
    await expect(strangerPage.getByRole('button', { name: 'Unsubscribe', exact: true })).toBeVisible();
    await stranger.close();
    await page.goto('/account/');
    await expect(newsletterBox(page, 'Morning Brief')).toBeChecked();

    // RFC 8058: the mail client POSTs without cookies.
    const response = await request.post(oneClick, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      data: 'List-Unsubscribe=One-Click',
      maxRedirects: 0,
    });
    expect(response.status()).toBe(200);

    await page.goto('/account/');
    await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toHaveText('Your account');
    await expect(newsletterBox(page, 'Morning Brief')).not.toBeChecked();
    await expect(newsletterBox(page, 'Frontline Dispatch')).not.toBeChecked();
  });
});

// Paying through Stripe (the local stand-in, whose payment page a reader fills in like Stripe's):
// a donation goes out to checkout and comes back to the thank-you page; a free member meets the
// invitation on a story for paying members, joins a tier, and once Stripe's signed webhook has
// arrived reads the whole story.
const { test, expect } = require('@playwright/test');
const { lastSeq, waitForMail } = require('../mail');

const PAID_STORY = '/members-briefing-what-we-are-investigating-next/';
const OPENING = 'Your survey put reconstruction contracts in the south at the top of the list';
const PAID_ONLY = 'Two reporters are reading every public tender';
const STRIPE = `http://127.0.0.1:${process.env.MASTHEAD_E2E_STRIPE_PORT || 18420}`;

/** The one link in a message whose path is `path`. */
function linkTo(mail, path) {
  const links = mail.links.filter((link) => new URL(link).pathname === path);
  expect(links, `one link to ${path} in:\n${mail.text}`).toHaveLength(1);
  return links[0];
}

test('a donation goes out to Stripe checkout and back to the thank-you page', async ({ page }) => {
  await page.goto('/donate/');
  const main = page.getByRole('main');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText('Support our journalism');
  await main.getByLabel('Every month').check();
  await main.getByLabel('Amount (USD)').fill('abc');
  await main.getByLabel('A message for the newsroom (optional)').fill('For the reporters in the east');
  await main.getByRole('button', { name: 'Donate' }).click();
  // A refused amount comes back with its message, and nothing typed is lost.
  await expect(main.getByRole('alert')).toHaveText('Enter an amount in numbers, such as 10 or 12.50.');
  await expect(main.getByLabel('A message for the newsroom (optional)')).toHaveValue('For the reporters in the east');
  await expect(main.getByLabel('Every month')).toBeChecked();

  await main.getByLabel('Amount (USD)').fill('15');
  await main.getByLabel('Email address, for your receipt').fill(`donor-${Date.now()}@example.org`);
  await main.getByRole('button', { name: 'Donate' }).click();
  await expect(page).toHaveURL(new RegExp(`^${STRIPE}/pay/cs_test_`));
  await expect(page.locator('#amount')).toHaveText('USD 15.00 every month');
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page).toHaveURL(/\/donate\/thanks\/\?session_id=cs_test_/);
  await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toHaveText('Thank you');
});

test('a free member meets the invitation on a paid story, joins a tier, and then reads it all', async ({ page }) => {
  const email = `joiner-${Date.now()}@example.org`;
  const main = page.getByRole('main');
  // Sign up for free (double opt-in), which signs the reader in.
  const before = lastSeq();
  await page.goto('/subscribe/');
  await main.getByRole('textbox', { name: 'Email address (required)', exact: true }).fill(email);
  await main.getByRole('button', { name: 'Subscribe' }).click();
  const mail = await waitForMail(email, 'Confirm your subscription', { after: before });
  await page.goto(linkTo(mail, '/subscribe/confirm/'));
  await main.getByRole('button', { name: 'Confirm subscription' }).click();
  await expect(page).toHaveURL(/\/account\//);

  // A free member: the opening and an invitation to pay, not the rest.
  await page.goto(PAID_STORY);
  await expect(page.locator('.article__body')).toContainText(OPENING);
  await expect(main).not.toContainText(PAID_ONLY);
  const invitation = main.getByRole('region', { name: 'This story is for paying members' });
  await expect(invitation).toBeVisible();
  await invitation.getByRole('link', { name: 'Become a paying member' }).click();

  // Join the Member tier, monthly, on Stripe's page.
  await expect(page).toHaveURL(/\/join\/$/);
  const tier = main.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Member', exact: true }) });
  await tier.getByRole('button', { name: '$5 a month' }).click();
  await expect(page).toHaveURL(new RegExp(`^${STRIPE}/pay/cs_test_`));
  await expect(page.locator('input[name=email]')).toHaveValue(email);
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page).toHaveURL(/\/join\/thanks\//);

  // The membership arrives by Stripe's signed webhook, within seconds.
  await expect(async () => {
    await page.goto(PAID_STORY);
    await expect(page.locator('.article__body .members-only')).toContainText(PAID_ONLY, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(main.getByRole('region', { name: 'This story is for paying members' })).toHaveCount(0);
  await page.goto('/account/');
  await expect(main.getByRole('region', { name: 'Membership' })).toContainText('You are a paying member: Member.');
  await expect(main.getByRole('button', { name: 'Manage billing' })).toBeVisible();
});

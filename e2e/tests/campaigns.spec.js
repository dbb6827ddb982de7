// The membership goal campaign in a real browser: the demo newsroom's strip shows the kept count
// of paying members with a progress bar whose value is that count; a reader who signs up for free
// is not counted, but once they join a paid tier on Stripe (the local stand-in) and its signed
// webhook upgrades them, a refresh shows the new number (in the strip and in the block after a
// story).
const { test, expect } = require('@playwright/test');
const { lastSeq, waitForMail } = require('../mail');

/** The count the strip shows, as a number, after checking it against its progress bar. */
async function stripCount(page) {
  const strip = page.locator('.campaign--strip');
  await expect(strip).toBeVisible();
  await expect(strip.getByRole('heading', { level: 2 })).toHaveText('Help us reach 20,000 members');
  const shown = Number((await strip.locator('.campaign__current').textContent()).replace(/,/g, ''));
  const bar = strip.getByRole('progressbar');
  await expect(bar).toHaveAttribute('aria-valuenow', String(shown));
  await expect(bar).toHaveAttribute('aria-valuemin', '0');
  await expect(bar).toHaveAttribute('aria-valuemax', '20000');
  await expect(bar).toHaveAttribute('aria-label', `${shown.toLocaleString('en-US')} of 20,000 paying members`);
  await expect(strip.locator('.campaign__count')).toHaveText(`${shown.toLocaleString('en-US')} of 20,000 paying members`);
  await expect(strip.getByRole('link', { name: 'Become a member' })).toHaveAttribute('href', '/join/');
  return shown;
}

test('the strip shows the kept count with its progress bar, and a member upgraded by Stripe\'s webhook shows after a refresh', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const readerContext = await browser.newContext({ baseURL });
  const joinerContext = await browser.newContext({ baseURL });
  try {
    const reader = await readerContext.newPage();
    await reader.goto('/');
    const before = await stripCount(reader);

    // The same campaign after a story, with the same numbers.
    const story = await reader.locator('.front__lead .card__title a').getAttribute('href');
    await reader.goto(story);
    expect(await stripCount(reader)).toBe(before);
    const block = reader.locator('.campaign--block');
    await expect(block.getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(before));

    // Someone signs up and confirms: a new member.
    const email = `campaign-${Date.now()}@example.org`;
    const joiner = await joinerContext.newPage();
    await joiner.goto('/subscribe/');
    const main = joiner.getByRole('main');
    const seq = lastSeq();
    await main.getByRole('textbox', { name: 'Email address (required)', exact: true }).fill(email);
    await main.getByRole('button', { name: 'Subscribe' }).click();
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Check your inbox');
    const mail = await waitForMail(email, 'Confirm your subscription', { after: seq });
    const link = mail.links.find((l) => new URL(l).pathname === '/subscribe/confirm/');
    await joiner.goto(link);
    await main.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect(main.getByRole('heading', { level: 1 })).toHaveText('Your account');
    // A free member is not counted towards a goal of paying members.
    await reader.goto('/');
    expect(await stripCount(reader)).toBe(before);

    // The member joins a paid tier on Stripe's page; Stripe's signed webhook upgrades them.
    await joiner.goto('/join/');
    const tier = main.getByRole('listitem').filter({ has: joiner.getByRole('heading', { name: 'Member', exact: true }) });
    await tier.getByRole('button', { name: '$5 a month' }).click();
    await expect(joiner).toHaveURL(/\/pay\/cs_test_/);
    await joiner.getByRole('button', { name: 'Pay' }).click();
    await expect(joiner).toHaveURL(/\/join\/thanks\//);

    // Counted within seconds of the webhook; a refresh shows it (the cached page was dropped).
    await expect
      .poll(async () => {
        await reader.goto('/');
        return stripCount(reader);
      }, { timeout: 30_000, intervals: [250, 500, 1000] })
      .toBe(before + 1);
    await reader.goto(story);
    expect(await stripCount(reader)).toBe(before + 1);
    await expect(reader.locator('.campaign--block').getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(before + 1));
  } finally {
    await readerContext.close();
    await joinerContext.close();
  }
});

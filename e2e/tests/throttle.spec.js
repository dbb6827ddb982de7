// Runs last: it leaves this machine's address throttled for a while.
const { test, expect } = require('@playwright/test');
const { staff } = require('../staff');

test('repeated wrong passwords are throttled', async ({ page }) => {
  for (let attempt = 1; attempt <= 4; attempt++) {
    await page.goto('/admin/signin/');
    await page.getByLabel('Email').fill(staff.editor.email);
    await page.getByLabel('Password').fill(`wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#signin-error')).toHaveText('That email address and password do not match an account.');
  }
  await page.getByLabel('Password').fill(staff.editor.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#signin-error')).toContainText('Too many failed attempts. Try again in');
  await expect(page).toHaveURL(/\/admin\/signin\/$/);
});

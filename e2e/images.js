// Whether a picture really arrived: the browser decoded it and knows its width.
//
// Pictures in a story's body load lazily, so a reader sees them once they scroll to them; the
// check does the same, then waits for the decode instead of asking once while it is under way.
const { expect } = require('@playwright/test');

async function expectLoaded(img) {
  await img.scrollIntoViewIfNeeded();
  await expect
    .poll(() => img.evaluate((el) => el.complete && el.naturalWidth > 0), { message: 'the picture loads and decodes' })
    .toBe(true);
}

module.exports = { expectLoaded };

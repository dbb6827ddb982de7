// Browser tests run against the real `masthead` binary on a fresh SQLite data directory with
// the demo newsroom, in Debian's Chromium (no browser download). The server sends its mail
// through SMTP to `masthead-smtp-sink` (built from crates/masthead-test-utils), which writes every
// message to a directory the tests read (see mail.js).
const { defineConfig } = require('@playwright/test');
const fs = require('fs');
// First: this fixes the run's temporary directory for the runner and, through the environment,
// for every worker.
const { dataDir, mailDir, smtpPort, binary, sinkBinary } = require('./mail');
const { staff } = require('./staff');

const port = Number(process.env.MASTHEAD_E2E_PORT || 18080);
// The local Stripe (crates/masthead-test-utils/stripe/standin.py) the payment tests pay through.
const stripePort = Number(process.env.MASTHEAD_E2E_STRIPE_PORT || 18420);
const stripeSecret = 'whsec_browser_tests';
const standin = require('path').join(__dirname, '..', 'crates', 'masthead-test-utils', 'stripe', 'standin.py');

for (const [what, file] of [['masthead', binary], ['masthead-smtp-sink', sinkBinary]]) {
  if (!fs.existsSync(file)) {
    throw new Error(`${what} is not built at ${file}: run 'cargo build -p masthead -p masthead-test-utils' (or set MASTHEAD_BIN / MASTHEAD_SMTP_SINK_BIN)`);
  }
}

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // Started in this order and killed (the whole process group) when the run ends, pass or fail.
  webServer: [
    {
      // The SMTP sink on a fixed port; Playwright refuses to start if the port is already taken.
      name: 'smtp-sink',
      command: `exec "${sinkBinary}" --listen 127.0.0.1:${smtpPort} --dir "${mailDir}"`,
      port: smtpPort,
      wait: { stdout: /masthead-smtp-sink listening on smtp:\/\// },
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Stripe's stand-in; its webhooks go to the server below, signed with the server's secret.
      name: 'stripe',
      command: `exec python3 "${standin}" --port ${stripePort} --webhook http://127.0.0.1:${port}/members/webhooks/stripe/ --secret ${stripeSecret}`,
      port: stripePort,
      wait: { stdout: /stripe stand-in listening on http:\/\// },
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Staff accounts for the newsroom tests, then the server (which seeds the demo newsroom).
      name: 'masthead',
      command: [
        `"${binary}" migrate --data-dir "${dataDir}"`,
        ...Object.values(staff).map(
          (s) => `printf '%s\\n' '${s.password}' | "${binary}" user add --data-dir "${dataDir}" --email ${s.email} --name "${s.name}" --role ${s.role}`,
        ),
        `exec "${binary}" serve --data-dir "${dataDir}" --listen 127.0.0.1:${port}`,
      ].join(' && '),
      env: {
        MASTHEAD_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        MASTHEAD_STRIPE_SECRET_KEY: 'sk_test_browser_tests',
        MASTHEAD_STRIPE_WEBHOOK_SECRET: stripeSecret,
        MASTHEAD_STRIPE_API_BASE: `http://127.0.0.1:${stripePort}`,
        // The narration tests hear espeak-ng; the server does not fetch the hibari voice.
        MASTHEAD_VOICE_INSTALL: 'off',
      },
      url: `http://127.0.0.1:${port}/`,
      // The server answers before the demo's photos are painted; the reader tests look at them.
      wait: { stdout: /every demo photo is ready/ },
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});

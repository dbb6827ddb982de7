// Browser tests run against the real `masthead` binary on a fresh SQLite data directory with
// the demo newsroom, in Debian's Chromium (no browser download).
const { defineConfig } = require('@playwright/test');
const os = require('os');
const path = require('path');
const fs = require('fs');

const port = Number(process.env.MASTHEAD_E2E_PORT || 18080);
const binary = process.env.MASTHEAD_BIN || path.join(__dirname, '..', 'target', 'debug', 'masthead');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-e2e-'));
const { staff } = require('./staff');

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
  webServer: {
    // Staff accounts for the newsroom tests, then the server (which seeds the demo newsroom).
    command: [
      `"${binary}" migrate --data-dir "${dataDir}"`,
      ...Object.values(staff).map(
        (s) => `printf '%s\\n' '${s.password}' | "${binary}" user add --data-dir "${dataDir}" --email ${s.email} --name "${s.name}" --role ${s.role}`,
      ),
      `exec "${binary}" serve --data-dir "${dataDir}" --listen 127.0.0.1:${port}`,
    ].join(' && '),
    url: `http://127.0.0.1:${port}/`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});

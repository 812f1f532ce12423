// A real browser (Debian's Chromium, driven by playwright-core) opens a page served from
// another local port and reports what its script could do to `consent-inspector listen`
// (tests/browser.rs): NODE_PATH=tests/clients/node_modules node page.js PAGE_URL
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage',
      // A name of another site, resolved to this machine, as DNS rebinding would.
      '--host-resolver-rules=MAP evil.test 127.0.0.1'],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`page: ${m.text()}`));
    await page.goto(process.argv[2]);
    await page.waitForFunction(() => window.results && window.results.done, null, { timeout: 30000 });
    console.log(JSON.stringify(await page.evaluate(() => window.results)));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });

// Opens `diff --format html`'s page in a real browser (Debian's Chromium, driven by
// playwright-core), with the network cut off, reads the numbers it renders and takes a
// screenshot (tests/diff.rs): NODE_PATH=tests/clients/node_modules node report.js PAGE PNG
const { chromium } = require('playwright-core');
const { pathToFileURL } = require('url');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests = [];
    // The page must need nothing but itself: any other request fails the run.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(process.argv[2]).href);
    const seen = await page.evaluate(() => {
      const totals = {};
      for (const b of document.querySelectorAll('#totals [data-k]')) totals[b.dataset.k] = b.textContent;
      const rows = {};
      for (const tr of document.querySelectorAll('#destinations tr[data-destination]')) {
        const row = { rects: tr.querySelectorAll('svg rect').length, lines: tr.querySelectorAll('svg polyline').length };
        for (const td of tr.querySelectorAll('td[data-k]')) row[td.dataset.k] = td.textContent;
        // A chart that draws nothing has no size.
        const box = tr.querySelector('svg').getBoundingClientRect();
        row.chart = [Math.round(box.width), Math.round(box.height)];
        rows[tr.dataset.destination] = row;
      }
      return { totals, rows };
    });
    // At 1200 px wide nothing may run off the window: not the legend, not a chart.
    await page.setViewportSize({ width: 1200, height: 900 });
    seen.fit = await page.evaluate(() => {
      const right = (els) => Math.max(0, ...[...els].map((e) => Math.ceil(e.getBoundingClientRect().right)));
      return {
        width: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
        charts: right(document.querySelectorAll('#destinations svg')),
        legend: right(document.querySelectorAll('.legend span')),
        tables: right(document.querySelectorAll('table')),
      };
    });
    await page.screenshot({ path: process.argv[3], fullPage: true });
    if (requests.length || errors.length) {
      console.error(JSON.stringify({ requests, errors }));
      process.exit(1);
    }
    console.log(JSON.stringify(seen));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });

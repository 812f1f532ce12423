// RudderStack's browser SDK (@rudderstack/analytics-js from npm, its bundled build) in Debian's
// Chromium, driven by playwright-core, sending real calls to `consent-inspector listen` and
// loading its source config from there (tests/rudderstack.rs):
//   NODE_PATH=tests/clients/node_modules node rudderstack.js LISTEN_URL WRITE_KEY SCENARIOS_FILE
// Each scenario is a fresh page: a consent setup and calls. Device-mode destinations are
// stand-ins served from a local folder: the SDK asks for each one it loads
// (`<dir>/<SDK name>.min.js`) and calls it per event, and both are recorded. Prints, per
// scenario, {loaded: [SDK names], called: {SDK name: [messageIds]}}.
const http = require('http');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [listen, writeKey, scenariosFile] = process.argv.slice(2);
const scenarios = JSON.parse(fs.readFileSync(scenariosFile, 'utf8'));
// The package exports no path to its files: found through NODE_PATH, as require would.
const sdkFile = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)
  .map((d) => path.join(d, '@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js'))
  .find((f) => fs.existsSync(f));
const sdk = fs.readFileSync(sdkFile);

// A stand-in for a device-mode integration: ready at once, recording each call.
const stub = (name) => `window['${name}_RS'] = { '${name}': class {
  constructor(config, analytics, info) { this.name = '${name}'; }
  init() {} isLoaded() { return true; } isReady() { return true; }
  record(e) { (window.__calls['${name}'] = window.__calls['${name}'] || []).push(e.message.messageId); }
  track(e) { this.record(e); } page(e) { this.record(e); } identify(e) { this.record(e); }
  group(e) { this.record(e); } alias(e) { this.record(e); }
} };`;

const requested = {};
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const m = url.pathname.match(/^\/s(\d+)\/integrations\/(.+)\.min\.js$/);
  if (m) {
    (requested[m[1]] = requested[m[1]] || []).push(m[2]);
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    return res.end(stub(m[2]));
  }
  if (url.pathname === '/sdk.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    return res.end(sdk);
  }
  const s = url.pathname.match(/^\/s(\d+)\/$/);
  if (s) {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end('<!doctype html><html><head><script src="/sdk.js"></script></head><body></body></html>');
  }
  res.writeHead(404);
  res.end();
});

(async () => {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const out = [];
  try {
    for (const [i, sc] of scenarios.entries()) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (m) => { if (process.env.VERBOSE) console.error(`page ${i}: ${m.text()}`); });
      await page.goto(`${base}/s${i}/`);
      const called = await page.evaluate(async ({ sc, listen, writeKey, dir }) => {
        window.__calls = {};
        if (sc.oneTrust) {
          window.OneTrust = { GetDomainData: () => ({ Groups: sc.oneTrust.groups.map((g) => ({ CustomGroupId: g, GroupName: g })) }) };
          window.OnetrustActiveGroups = `,${sc.oneTrust.active.join(',')},`;
        }
        if (sc.ketch) window.ketchConsent = sc.ketch;
        const analytics = new window.rudderanalytics.RudderAnalytics();
        analytics.load(writeKey, listen, {
          configUrl: listen,
          destSDKBaseURL: dir,
          logLevel: 'ERROR',
          consentManagement: sc.consentManagement,
        });
        await new Promise((r) => analytics.ready(r));
        for (const c of sc.calls) {
          analytics.track(c.event, c.properties || {}, c.integrations ? { integrations: c.integrations } : undefined);
        }
        await new Promise((r) => setTimeout(r, 1500));
        return window.__calls;
      }, { sc, listen, writeKey, dir: `${base}/s${i}/integrations` });
      out.push({ loaded: [...new Set(requested[i] || [])].sort(), called });
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });

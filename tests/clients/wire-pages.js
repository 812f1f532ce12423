// A real browser records what a page actually sends (tests/wire.rs): Debian's Chromium, driven
// by playwright-core, opens shop pages that run real analytics.js (@segment/analytics-next's
// browser build) behind Segment's consent wrapper (@segment/analytics-consent-tools, its ES
// modules as published), a stand-in OneTrust banner that writes `OptanonConsent` and
// `OptanonAlertBoxClosed` as OneTrust does, and two device-mode plugins loaded from the CDN
// settings' `remotePlugins`, which send to Facebook's and Google's hosts. Every host
// (shop.test, cdn.segment.com, api.segment.io, www.facebook.com, region1.google-analytics.com)
// is resolved by Chromium to one local stand-in (`--host-resolver-rules`); Chromium records
// one HAR per page into OUT_DIR.
//
//   NODE_PATH=tests/clients/node_modules node tests/clients/wire-pages.js CDN_SETTINGS OUT_DIR
//
// The pages, and what each plants (tests/wire.rs holds the tool to finding exactly that):
// - clean: first visit, the banner answered "accept all", the next page loads both plugins,
//   Google's hits carry the banner's update; nothing to find.
// - pixel-before-consent: the page's own Facebook pixel <img> fires before the banner is
//   answered.
// - ga-after-withdrawal: a returning visitor who granted everything withdraws Performance
//   (C0002); the site never tells gtag, whose next hit still says gcs=G111.
// - cookie-mismatch: the banner's cookie denies Targeting (C0004), the site's consent
//   integration answers Segment's wrapper with C0004 granted.
// - gpc: the browser sends Sec-GPC: 1 and the site stamps Targeting granted all the same.
const http = require('http');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [cdnSettingsFile, outDir] = process.argv.slice(2);
const modules = path.dirname(require.resolve('@segment/analytics-next/package.json'));
const umd = path.join(modules, 'dist/umd');
const consentTools = path.join(path.dirname(require.resolve('@segment/analytics-consent-tools/package.json')), 'dist/esm');
const genericUtils = path.join(path.dirname(require.resolve('@segment/analytics-generic-utils/package.json')), 'dist/esm');
const WRITE_KEY = 'wk_wire';

// The banner: OneTrust's cookies, its group ids, and a gtag-like Consent Mode state (default
// denied, updated from the banner) that the Google plugin reads.
const BANNER = `
const DEFAULT = { C0001: true, C0002: false, C0004: false };
const cookie = (name) => document.cookie.split('; ').find((c) => c.startsWith(name + '='))?.slice(name.length + 1);
const write = (groups, closed) => {
  const g = Object.entries(groups).map(([k, v]) => k + ':' + (v ? 1 : 0)).join(',');
  // As OneTrust writes it: a query string whose values are URL-encoded.
  document.cookie = 'OptanonConsent=isGpcEnabled=0&datestamp=' + encodeURIComponent(new Date().toUTCString()) + '&version=202409.1.0&groups=' + encodeURIComponent(g) + '&interactionCount=' + (closed ? 1 : 0) + '; path=/';
  if (closed) document.cookie = 'OptanonAlertBoxClosed=' + new Date().toISOString() + '; path=/';
};
const read = () => {
  const raw = cookie('OptanonConsent');
  if (!raw) return null;
  const groups = new URLSearchParams(raw).get('groups') || '';
  return Object.fromEntries(groups.split(',').filter(Boolean).map((p) => { const [k, v] = p.split(':'); return [k, v === '1']; }));
};
if (!read()) write(DEFAULT, false);
const listeners = [];
window.banner = {
  groups: () => read(),
  answered: () => !!cookie('OptanonAlertBoxClosed'),
  choose(groups, { tellGtag = true } = {}) {
    write(groups, true);
    if (tellGtag) window.gcm.update = gcmFrom(groups);
    listeners.forEach((f) => f(groups));
  },
  onChange: (f) => listeners.push(f),
};
// OneTrust's default mapping: Performance (C0002) is analytics storage, Targeting (C0004)
// every advertising type.
const gcmFrom = (g) => ({ ad_storage: g.C0004, analytics_storage: g.C0002, ad_user_data: g.C0004, ad_personalization: g.C0004 });
window.gcm = { default: gcmFrom(DEFAULT), update: banner.answered() ? gcmFrom(read()) : null };
`;

// The Google plugin's hit parameters, as gtag.js writes them.
const GOOGLE_PLUGIN = `
window.ga4Destination = () => {
  const types = ['ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization'];
  const letter = (d, u) => u === undefined ? (d ? 't' : 'p') : d ? (u ? 'v' : 'u') : (u ? 'r' : 'q');
  const hit = (name) => {
    const { default: d, update: u } = window.gcm;
    const now = (t) => (u ? u[t] : d[t]);
    const gcs = 'G1' + (now('ad_storage') ? 1 : 0) + (now('analytics_storage') ? 1 : 0);
    const gcd = '13' + types.map((t) => letter(d[t], u ? u[t] : undefined)).join('3') + '5';
    const q = new URLSearchParams({ v: '2', tid: 'G-WIRE', en: name, gcs, gcd, npa: now('ad_personalization') ? '0' : '1', dma: '1' });
    return fetch(window.HOSTS.google + '/g/collect?' + q, { method: 'POST', mode: 'no-cors', keepalive: true });
  };
  // gtag's own events (user_engagement, scroll) go out whatever Segment does.
  window.gtagAuto = hit;
  return {
    name: 'Google Analytics 4 Web', type: 'destination', version: '1.0.0',
    isLoaded: () => true, load: () => Promise.resolve(),
    page: async (ctx) => { await hit('page_view'); return ctx; },
    track: async (ctx) => { await hit(ctx.event.event); return ctx; },
  };
};
`;

const PIXEL_PLUGIN = `
window.fbPixelDestination = () => {
  const pixel = (ev) => new Promise((done) => {
    const img = new Image();
    img.onload = img.onerror = done;
    img.src = window.HOSTS.facebook + '/tr?id=1234&ev=' + encodeURIComponent(ev) + '&noscript=1';
  });
  return {
    name: 'Facebook Pixel', type: 'destination', version: '1.0.0',
    isLoaded: () => true, load: () => Promise.resolve(),
    page: async (ctx) => { await pixel('PageView'); return ctx; },
    track: async (ctx) => { await pixel(ctx.event.event); return ctx; },
  };
};
`;

// Each page's script after Segment is loaded: `analytics`, `banner`, `pause`, `firstParty`.
const SCRIPTS = {
  clean: `
    if (!banner.answered()) {
      await analytics.page();
      await firstParty();
      banner.choose({ C0001: true, C0002: true, C0004: true });
      await pause();
      location.href = '/clean.html?step=2';
      return false;
    }
    await analytics.page();
    await analytics.track('Order Completed', { total: 30 });
    await firstParty();
  `,
  'pixel-before-consent': `
    await analytics.page();
    await firstParty();
    // The site's own pixel tag, outside Segment, fires before the banner is answered.
    await new Promise((done) => { const img = new Image(); img.onload = img.onerror = done;
      img.src = HOSTS.facebook + '/tr?id=1234&ev=PageView&noscript=1'; });
    await pause();
    banner.choose({ C0001: true, C0002: false, C0004: false });
    await pause();
    await analytics.track('Product Viewed', { sku: 'A-1' });
    await firstParty();
  `,
  'ga-after-withdrawal': `
    await analytics.page();
    await firstParty();
    await pause();
    // The visitor withdraws Performance; the site tells Segment's wrapper but not gtag.
    banner.choose({ C0001: true, C0002: false, C0004: true }, { tellGtag: false });
    await pause();
    await firstParty();
    await window.gtagAuto('user_engagement');
  `,
  'cookie-mismatch': `
    await analytics.page();
    await analytics.track('Product Viewed', { sku: 'A-1' });
    await firstParty();
  `,
  gpc: `
    await analytics.page();
    await analytics.track('Order Completed', { total: 30 });
    await firstParty();
  `,
};

// How each page's consent integration answers the wrapper: the banner's groups, except on
// the page whose integration is wrong.
const GET_CATEGORIES = {
  'cookie-mismatch': '() => ({ ...banner.groups(), C0004: true })',
};

const page = (name, port) => `<!doctype html><html><head>
<script type="importmap">{"imports": {"@segment/analytics-generic-utils": "/gu/index.js"}}</script>
<script>window.analytics = { _cdn: location.origin };
window.HOSTS = { facebook: 'http://www.facebook.com:${port}', google: 'http://region1.google-analytics.com:${port}' };</script>
<script src="/banner.js"></script>
<script src="/analytics-next/bundles/index.js"></script></head><body><script type="module">
import { createWrapper, resolveWhen } from '/ct/index.js';
const pause = () => new Promise((r) => setTimeout(r, 150));
const firstParty = () => fetch('/api/cart').then((r) => r.text());
window.result = {};
(async () => {
  const analytics = new AnalyticsNext.AnalyticsBrowser();
  createWrapper({
    shouldLoadWrapper: () => resolveWhen(() => !!window.banner, 50),
    getCategories: ${GET_CATEGORIES[name] || '() => banner.groups()'},
    registerOnConsentChanged: (f) => banner.onChange(f),
  })(analytics);
  analytics.load({ writeKey: '${WRITE_KEY}', cdnURL: 'http://cdn.segment.com:${port}' },
    { integrations: { 'Segment.io': { apiHost: 'api.segment.io:${port}/v1', protocol: 'http', deliveryStrategy: { strategy: 'standard' } } } });
  await analytics;
  const last = await (async () => { ${SCRIPTS[name]} })();
  await pause();
  if (last !== false) window.result.done = true;
})().catch((e) => { window.result.error = String(e && e.stack || e); });
</script></body></html>`;

// Resolves an extension-less ES module path as a bundler would, redirecting so that the
// module's own relative imports resolve against its real file.
const moduleFile = (root, rel) => {
  const p = path.join(root, rel);
  if (!p.startsWith(root)) return { missing: true };
  if (fs.existsSync(p) && fs.statSync(p).isFile()) return { file: p };
  if (fs.existsSync(p + '.js')) return { redirect: rel + '.js' };
  if (fs.existsSync(path.join(p, 'index.js'))) return { redirect: rel.replace(/\/?$/, '/index.js') };
  return { missing: true };
};

const server = http.createServer((req, res) => {
  const host = (req.headers.host || '').split(':')[0];
  const url = new URL(req.url, 'http://x');
  const send = (status, type, body) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Access-Control-Allow-Origin': '*',
      // analytics.js sends its write key as Basic authorization, which needs a preflight.
      'Access-Control-Allow-Headers': 'authorization, content-type',
    });
    res.end(body);
  };
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const port = server.address().port;
    if (host === 'api.segment.io') return send(req.method === 'OPTIONS' ? 204 : 200, 'application/json', req.method === 'OPTIONS' ? '' : '{"success":true}');
    if (host === 'www.facebook.com') return send(200, 'image/gif', Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    if (host === 'region1.google-analytics.com') return send(204, 'text/plain', '');
    if (url.pathname.startsWith('/analytics-next/bundles/')) {
      const file = path.join(umd, path.basename(url.pathname));
      return fs.existsSync(file) ? send(200, 'application/javascript', fs.readFileSync(file)) : send(404, 'text/plain', '');
    }
    if (host === 'cdn.segment.com') {
      if (url.pathname === `/v1/projects/${WRITE_KEY}/settings`) {
        const settings = JSON.parse(fs.readFileSync(cdnSettingsFile, 'utf8'));
        for (const p of settings.remotePlugins || []) p.url = p.url.replace('PORT', String(port));
        return send(200, 'application/json', JSON.stringify(settings));
      }
      if (url.pathname === '/plugins/ga4.js') return send(200, 'application/javascript', GOOGLE_PLUGIN);
      if (url.pathname === '/plugins/fb-pixel.js') return send(200, 'application/javascript', PIXEL_PLUGIN);
      return send(404, 'text/plain', '');
    }
    // shop.test
    if (url.pathname === '/banner.js') return send(200, 'application/javascript', BANNER);
    if (url.pathname === '/api/cart') return send(200, 'application/json', '{"items":1}');
    for (const [prefix, root] of [['/ct/', consentTools], ['/gu/', genericUtils]]) {
      if (!url.pathname.startsWith(prefix)) continue;
      const m = moduleFile(root, url.pathname.slice(prefix.length));
      if (m.redirect) { res.writeHead(302, { Location: prefix + m.redirect }); return res.end(); }
      if (m.file) return send(200, 'application/javascript', fs.readFileSync(m.file));
      return send(404, 'text/plain', '');
    }
    const name = url.pathname.replace(/^\//, '').replace(/\.html$/, '');
    if (SCRIPTS[name] !== undefined) return send(200, 'text/html', page(name, port));
    return send(404, 'text/plain', '');
  });
});

// The cookies a returning visitor brings: the banner answered with `groups`.
const returning = (groups) => {
  const g = Object.entries(groups).map(([k, v]) => k + ':' + (v ? 1 : 0)).join(',');
  return [
    { name: 'OptanonConsent', value: 'isGpcEnabled=0&datestamp=Mon%2C%2001%20Dec%202026&version=202409.1.0&groups=' + encodeURIComponent(g) + '&interactionCount=1', domain: 'shop.test', path: '/' },
    { name: 'OptanonAlertBoxClosed', value: '2026-12-01T09:00:00.000Z', domain: 'shop.test', path: '/' },
  ];
};

const ALL = { C0001: true, C0002: true, C0004: true };
const VISITS = {
  clean: {},
  'pixel-before-consent': {},
  'ga-after-withdrawal': { cookies: returning(ALL) },
  'cookie-mismatch': { cookies: returning({ C0001: true, C0002: true, C0004: false }) },
  gpc: { cookies: returning(ALL), headers: { 'Sec-GPC': '1' } },
};

(async () => {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * 127.0.0.1'],
  });
  try {
    for (const [name, visit] of Object.entries(VISITS)) {
      const har = path.join(outDir, `${name}.har`);
      const context = await browser.newContext({
        recordHar: { path: har, content: 'embed' },
        extraHTTPHeaders: visit.headers || {},
      });
      if (visit.cookies) await context.addCookies(visit.cookies);
      const p = await context.newPage();
      p.on('console', (m) => { if (m.type() === 'error') console.error(`${name}: ${m.text()}`); });
      await p.goto(`http://shop.test:${port}/${name}.html`);
      // Polled rather than awaited once: the clean page navigates to its second step.
      let result = null;
      for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        result = await p.evaluate(() => window.result).catch(() => null);
        if (result && (result.done || result.error)) break;
      }
      if (!result || !(result.done || result.error)) throw new Error(`${name}: the page did not finish`);
      if (result.error) throw new Error(`${name}: ${result.error}`);
      await context.close();
      // Kept small and readable: the responses' bodies (the scripts served) go, and each
      // entry gets lines of its own, so that findings point at a line.
      const doc = JSON.parse(fs.readFileSync(har, 'utf8'));
      for (const e of doc.log.entries) delete e.response.content.text;
      fs.writeFileSync(har, JSON.stringify(doc, null, 1) + '\n');
      console.log(har);
    }
  } finally {
    await browser.close();
    server.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });

// analytics.js (@segment/analytics-next, from npm) in a jsdom page, wrapped by Segment's
// consent tools as a OneTrust page would be, sending real calls to `consent-inspector listen`
// (tests/clients.rs): NODE_PATH=tests/clients/node_modules node browser.js URL [MODE]
const { JSDOM } = require('jsdom');
const base = process.argv[2];
// standard | batching | apihost=HOST/v1 (calls go there, settings still from base)
const mode = process.argv[3] || 'standard';
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'http://app.example/checkout', pretendToBeVisual: true, runScripts: 'outside-only',
});
for (const k of ['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage',
  'HTMLElement', 'Element', 'Node', 'Event', 'CustomEvent', 'screen', 'history']) {
  try { Object.defineProperty(globalThis, k, { value: dom.window[k], configurable: true, writable: true }); } catch (e) {}
}
const { AnalyticsBrowser } = require('@segment/analytics-next');
const { createWrapper } = require('@segment/analytics-consent-tools');
const analytics = new AnalyticsBrowser();
createWrapper({
  getCategories: () => ({ C0001: true, C0002: true, C0003: true, C0004: false, C0005: false }),
})(analytics);
const segmentIo = mode === 'batching'
  ? { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 100 } } }
  : mode.startsWith('apihost=') ? { apiHost: mode.slice('apihost='.length), protocol: 'http' } : undefined;
const integrations = segmentIo && { 'Segment.io': segmentIo };
analytics.load({ writeKey: 'wk_browser', cdnURL: base }, { integrations });
(async () => {
  await analytics.identify('u-browser', { plan: 'pro' });
  await analytics.track('Order Completed', { total: 5 });
  await analytics.page();
  await new Promise((r) => setTimeout(r, 500));
  console.log('sent');
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });

// analytics.js (@segment/analytics-next) with Segment's consent wrapper under opt-in
// (@segment/analytics-consent-tools), in a jsdom page, loaded with the CDN settings of
// samples/cdn/ (its Segment.io pointed at `consent-inspector listen`): the oracle for how a
// destination is connected (tests/clients.rs). Braze Web Mode (Actions) and Amplitude
// (Actions) are action destinations run by Segment's own runtime
// (@segment/browser-destination-runtime, whose plugin.ts fires each enabled subscription whose
// trigger matches): their actions record what they are given. Hotjar is a classic destination
// whose script cannot be downloaded here: its entry keeps its bundling (so `_metadata.bundled`
// lists it when loaded) but is made not installable, and a plugin of the same name that
// records every event stands in, loaded the way the wrapper loads it (or does not).
// Two page loads: the first with every category granted; the second with only C0001 and C0002
// granted when the page loads, the rest granted after.
// NODE_PATH=tests/clients/node_modules node connection.js LISTEN_URL SETTINGS.json
const fs = require('fs');
const [base, settingsFile] = process.argv.slice(2);
require('./jsdom-page')('http://app.example/');
const { AnalyticsBrowser } = require('@segment/analytics-next');
const { createWrapper } = require('@segment/analytics-consent-tools');
const { browserDestination } = require('@segment/browser-destination-runtime/shim');

const received = [];
const record = (destination, action) => (ctx) => {
  received.push({ destination, action, messageId: ctx.event.messageId, type: ctx.event.type });
  return ctx;
};
// An action destination: the runtime decides which of its actions run.
const actions = (name, keys, hook) => {
  const def = { name, mode: 'device', initialize: async () => ({}), actions: {} };
  for (const key of keys) {
    def.actions[key] = {
      title: key, description: key, platform: 'web', defaultSubscription: '', fields: {},
      lifecycleHook: hook,
      perform: (_client, { context }) => { record(name, key)(context); },
    };
  }
  const factory = browserDestination(def);
  factory.pluginName = name;
  return factory;
};
const hotjar = () => {
  const r = record('Hotjar', null);
  return { name: 'Hotjar', type: 'destination', version: '1.0.0', isLoaded: () => true, load: () => Promise.resolve(),
    track: r, identify: r, page: r, alias: r, group: r, screen: r };
};
hotjar.pluginName = 'Hotjar';
const plugins = [
  actions('Braze Web Mode (Actions)', ['trackEvent', 'trackPurchase', 'updateUserProfile'], 'destination'),
  actions('Amplitude (Actions)', ['sessionId'], 'enrichment'),
  hotjar,
];

// One page load: the wrapper asks for the categories when the page loads and on each call.
async function page(atLoad, calls) {
  let categories = { ...atLoad };
  let onConsentChanged = () => {};
  const cdnSettings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  cdnSettings.integrations['Segment.io'] = {
    ...cdnSettings.integrations['Segment.io'],
    apiHost: base.replace(/^http:\/\//, '') + '/v1', protocol: 'http',
  };
  cdnSettings.integrations.Hotjar = { ...cdnSettings.integrations.Hotjar, type: undefined, versionSettings: { componentTypes: [] } };
  cdnSettings.remotePlugins.push({ name: 'Hotjar', creationName: 'Hotjar', libraryName: 'hotjarPlugin', url: `${base}/hotjar.js`, settings: {} });
  const analytics = new AnalyticsBrowser();
  createWrapper({
    getCategories: () => categories,
    shouldLoadSegment: (ctx) => ctx.load({ consentModel: 'opt-in' }),
    registerOnConsentChanged: (fn) => { onConsentChanged = fn; },
  })(analytics);
  analytics.load({ writeKey: 'wk_cdn_sample', cdnSettings, plugins });
  const grant = async (more) => {
    categories = { ...categories, ...more };
    onConsentChanged(categories);
    await new Promise((r) => setTimeout(r, 300));
  };
  await calls(analytics, grant);
}

(async () => {
  const all = { C0001: true, C0002: true, C0003: true, C0004: true };
  await page(all, async (a) => {
    await a.page('Home');
    await a.track('Product Viewed', { sku: 'A-1' });
    await a.track('Order Completed', { total: 42 });
    await a.identify('u-noa', { plan: 'pro' });
  });
  await page({ C0001: true, C0002: true, C0003: false, C0004: false }, async (a, grant) => {
    await a.identify('u-kim');
    await grant({ C0003: true, C0004: true });
    await a.track('Article Read');
    await a.track('Video Heartbeat', { position: 30 });
  });
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify(received));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });

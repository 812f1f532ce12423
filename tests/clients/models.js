// analytics.js (@segment/analytics-next) with Segment's consent wrapper
// (@segment/analytics-consent-tools) in a jsdom page, run under one consent model, sending its
// Segment calls to `consent-inspector listen` (tests/clients.rs). Two device-mode destinations,
// Amplitude (C0002) and Braze (C0002, C0004), are action destinations whose code is a local
// plugin that records every event it is given: what the browser really delivered, the oracle
// the tool's device-mode verdicts are held to. The page loads with every category granted,
// sends an event, withdraws C0002 (the wrapper then sends its Consent Preference Updated
// event), and sends another.
// NODE_PATH=tests/clients/node_modules node models.js LISTEN_URL opt-in|opt-out
const base = process.argv[2];
const model = process.argv[3];
require('./jsdom-page')('http://app.example/account');
const { AnalyticsBrowser } = require('@segment/analytics-next');
const { createWrapper } = require('@segment/analytics-consent-tools');

const received = [];
const device = ['Amplitude', 'Braze'];
// A plugin source per destination: analytics.js uses it instead of downloading the code.
const pluginSources = device.map((name) => {
  const factory = () => {
    const record = (ctx) => {
      received.push({ destination: name, messageId: ctx.event.messageId, type: ctx.event.type, event: ctx.event.event || null });
      return ctx;
    };
    return {
      name, type: 'destination', version: '1.0.0', isLoaded: () => true, load: () => Promise.resolve(),
      track: record, identify: record, page: record, alias: record, group: record, screen: record,
    };
  };
  factory.pluginName = name;
  return factory;
});

let categories = { C0001: true, C0002: true, C0003: true, C0004: true, C0005: true };
let onConsentChanged = () => {};
const analytics = new AnalyticsBrowser();
createWrapper({
  getCategories: () => categories,
  shouldLoadSegment: (ctx) => ctx.load({ consentModel: model }),
  registerOnConsentChanged: (fn) => { onConsentChanged = fn; },
})(analytics);

(async () => {
  // The workspace's settings as listen serves them (its CDN endpoint), with the two
  // destinations in device mode, as the CDN marks them.
  const cdnSettings = await (await fetch(`${base}/v1/projects/wk_models/settings`)).json();
  cdnSettings.remotePlugins = device.map((name) => ({
    name, creationName: name, libraryName: `${name}Plugin`, url: `${base}/plugins/${name}.js`, settings: {},
  }));
  for (const name of device) {
    cdnSettings.integrations[name] = { ...cdnSettings.integrations[name], bundlingStatus: 'bundled', versionSettings: { componentTypes: ['browser'] } };
  }
  analytics.load({ writeKey: 'wk_models', cdnSettings, plugins: pluginSources }, { integrations: { 'Segment.io': { apiHost: base.replace(/^http:\/\//, '') + '/v1', protocol: 'http' } } });
  await analytics.identify('u-models');
  await analytics.track('Before Withdrawal');
  categories = { ...categories, C0002: false };
  onConsentChanged(categories);
  await new Promise((r) => setTimeout(r, 300));
  await analytics.track('After Withdrawal');
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify(received));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });

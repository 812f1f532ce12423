// analytics.js (@segment/analytics-next) in a jsdom page, with the CDN settings `listen`
// serves for a workspace (its destination filters as middlewareSettings.routingRules, its
// source's plan as plan), and the named destinations in device mode as action destinations
// whose plugins record what they are given: the oracle for the tool's device-mode verdicts
// (tests/clients.rs). Each event of the file is replayed through analytics.js as its type's
// call, with its properties or traits, context and integrations.
// NODE_PATH=tests/clients/node_modules node replay.js LISTEN_URL EVENTS.jsonl DEST...
const fs = require('fs');
const [base, eventsFile, ...device] = process.argv.slice(2);
require('./jsdom-page')('http://app.example/');
const { AnalyticsBrowser } = require('@segment/analytics-next');
const received = [];
const pluginSources = device.map((name) => {
  const factory = () => {
    const record = (ctx) => {
      received.push({ destination: name, messageId: ctx.event.messageId, event: JSON.parse(JSON.stringify(ctx.event)) });
      return ctx;
    };
    return { name, type: 'destination', version: '1.0.0', isLoaded: () => true, load: () => Promise.resolve(),
      track: record, identify: record, page: record, alias: record, group: record, screen: record };
  };
  factory.pluginName = name;
  return factory;
});
(async () => {
  const cdnSettings = await (await fetch(`${base}/v1/projects/wk_replay/settings`)).json();
  cdnSettings.remotePlugins = device.map((name) => ({ name, creationName: name, libraryName: `${name}Plugin`, url: `${base}/x.js`, settings: {} }));
  for (const name of device) {
    cdnSettings.integrations[name] = { ...cdnSettings.integrations[name], bundlingStatus: 'bundled' };
  }
  const [analytics] = await AnalyticsBrowser.load({ writeKey: 'wk_replay', cdnSettings, plugins: pluginSources },
    { integrations: { 'Segment.io': { apiHost: base.replace(/^http:\/\//, '') + '/v1', protocol: 'http' } } });
  for (const line of fs.readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    const options = { messageId: e.messageId, context: e.context, timestamp: e.timestamp };
    if (e.integrations) options.integrations = e.integrations;
    if (e.type === 'identify') await analytics.identify(e.userId, e.traits, options);
    else if (e.type === 'page') await analytics.page(e.category, e.name, e.properties, options);
    else await analytics.track(e.event, e.properties, { ...options, userId: e.userId });
  }
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify(received));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });

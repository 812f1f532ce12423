// Segment's Node library sending real calls to `consent-inspector listen` (tests/clients.rs):
// NODE_PATH=tests/clients/node_modules node client.js URL
const { Analytics } = require('@segment/analytics-node');
const host = process.argv[2];
const analytics = new Analytics({ writeKey: 'wk_node', host, maxEventsInBatch: 10, flushInterval: 100 });
let failed = null;
analytics.on('error', (e) => { failed = e; });
analytics.track({ userId: 'u-node', event: 'Order Completed', properties: { total: 5 },
  context: { consent: { categoryPreferences: { C0001: true, C0002: true, C0004: false } } } });
analytics.identify({ userId: 'u-node', traits: { plan: 'pro' } });
analytics.closeAndFlush({ timeout: 5000 }).then(() => {
  if (failed) { console.log('error', failed); process.exit(1); }
  console.log('sent');
});

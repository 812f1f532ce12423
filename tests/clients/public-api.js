// Segment's Public API SDK (@segment/public-api-sdk-typescript) as the oracle of `pull` and
// `reconcile` (tests/clients.rs): pointed at the same local fixture server, its own client
// makes the calls the tool makes (the Rust test compares the requests the server saw), and
// every answer it deserialises is held to its generated models: no field the model lacks, no
// required field missing, every enum value one the model lists, every primitive its type.
//
//   node public-api.js BASE_URL TOKEN SOURCE START END GRANULARITY
//
// Prints {"problems": [...], "usBase": ..., "euBase": ...} on stdout.
const P = require('@segment/public-api-sdk-typescript');
const fs = require('fs');
const path = require('path');

const [base, token, wanted, start, end, granularity] = process.argv.slice(2);
const problems = [];

// Which fields each model requires: its declaration file says `'name': T` (required) or
// `'name'?: T`.
const dist = path.join(path.dirname(require.resolve('@segment/public-api-sdk-typescript')), 'model');
const requiredCache = {};
function required(model) {
  if (!requiredCache[model]) {
    const file = path.join(dist, model[0].toLowerCase() + model.slice(1) + '.d.ts');
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    requiredCache[model] = new Set([...text.matchAll(/^\s+'([^']+)':/gm)].map((m) => m[1]));
  }
  return requiredCache[model];
}

function check(value, type, at) {
  if (value === null || value === undefined) return;
  const list = type.match(/^Array<(.*)>$/);
  if (list) {
    if (!Array.isArray(value)) return problems.push(`${at}: not an array`);
    return value.forEach((v, i) => check(v, list[1], `${at}[${i}]`));
  }
  if (type === 'any' || type.startsWith('{')) return;
  if (['string', 'number', 'boolean'].includes(type)) {
    if (typeof value !== type) problems.push(`${at}: ${JSON.stringify(value)} is not a ${type}`);
    return;
  }
  const [cls, inner] = type.split('.');
  if (inner) {
    const values = Object.values((P[cls] || {})[inner] || {});
    if (!values.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${values}`);
    return;
  }
  const model = P[type];
  if (!model || !model.attributeTypeMap) return problems.push(`${at}: no model ${type}`);
  if (typeof value !== 'object' || Array.isArray(value)) return problems.push(`${at}: not an object`);
  const known = new Map(model.attributeTypeMap.map((a) => [a.baseName, a]));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) problems.push(`${at}.${key}: ${type} has no such field`);
  }
  const req = required(type);
  for (const a of model.attributeTypeMap) {
    if (req.has(a.name) && !(a.baseName in value)) problems.push(`${at}.${a.baseName}: required by ${type}, missing`);
    check(value[a.baseName], a.type, `${at}.${a.baseName}`);
  }
}

// Every answer the SDK deserialises as a response, checked against the model it names.
const deserialize = P.ObjectSerializer.deserialize;
P.ObjectSerializer.deserialize = function (data, type, ...rest) {
  if (/200Response$/.test(type)) check(data, type, type);
  return deserialize.call(this, data, type, ...rest);
};

const apis = P.configureApis(token);
for (const k of Object.keys(apis)) apis[k].basePath = base;
// configureApis leaves Delivery Overview (beta) out: its class, given the token as the others are.
const overview = new P.DeliveryOverviewApi(base);
overview.accessToken = token;
const { unwrap } = P;

async function all(call, key) {
  const out = [];
  let cursor;
  for (;;) {
    const page = cursor ? { count: 200, cursor } : { count: 200 };
    const data = (await call(page)).body.data;
    out.push(...data[key]);
    cursor = data.pagination && data.pagination.next;
    if (!cursor) return out;
  }
}

async function main() {
  // pull --source WANTED: what the tool reads, in the SDK's calls.
  await apis.workspaces.getWorkspace();
  const sources = await all((p) => apis.sources.listSources(p), 'sources');
  const source = sources.find((s) => [s.id, s.slug, s.name].includes(wanted));
  await all((p) => apis.deletionAndSuppresion.listSuppressions(p), 'suppressed');
  await all((p) => apis.functions.listFunctions(p, 'DESTINATION'), 'functions');
  const inserts = await all((p) => apis.functions.listFunctions(p, 'INSERT_DESTINATION'), 'functions');
  for (const f of inserts) {
    await all((p) => apis.functions.listInsertFunctionInstances(p, f.id), 'instances');
  }
  const got = (await apis.sources.getSource(source.id)).body.data;
  await apis.sources.listSchemaSettingsInSource(source.id);
  if (got.trackingPlanId) {
    await all((p) => apis.trackingPlans.listRulesFromTrackingPlan(got.trackingPlanId, p), 'rules');
  }
  const destinations = await all((p) => apis.sources.listConnectedDestinationsFromSource(source.id, p), 'destinations');
  for (const d of destinations) {
    await all((p) => apis.destinationFilters.listFiltersFromDestination(d.id, p), 'filters');
    if (d.metadata.actions.length) {
      await all((p) => apis.destinations.listSubscriptionsFromDestination(d.id, p), 'subscriptions');
    }
  }
  // reconcile over START..END: Delivery Overview's counts for the source and each destination.
  if (start) {
    const byReason = ['discardReason'];
    await all((p) => overview.getIngressSuccessMetricsFromDeliveryOverview(source.id, start, end, granularity, p), 'dataset');
    await all((p) => overview.getIngressFailedMetricsFromDeliveryOverview(source.id, start, end, granularity, p, byReason), 'dataset');
    await all((p) => overview.getFilteredAtSourceMetricsFromDeliveryOverview(source.id, start, end, granularity, p, byReason), 'dataset');
    for (const d of destinations) {
      await all((p) => overview.getFilteredAtDestinationMetricsFromDeliveryOverview(source.id, d.id, start, end, granularity, p, byReason), 'dataset');
      await all((p) => overview.getEgressSuccessMetricsFromDeliveryOverview(source.id, d.id, start, end, granularity, p), 'dataset');
      await all((p) => overview.getEgressFailedMetricsFromDeliveryOverview(source.id, d.id, start, end, granularity, p), 'dataset');
    }
  }
  const us = P.configureApis('t').sources.basePath;
  const eu = P.configureEuApis('t').sources.basePath;
  process.stdout.write(JSON.stringify({ problems, usBase: us, euBase: eu }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n${e.body ? JSON.stringify(e.body) : ''}\n`);
  process.exit(1);
});

"""The fixture workspace of tests/public_api.rs (acme.json): Segment's Public API answers, as
`@segment/public-api-sdk-typescript`'s models shape them (tests/clients/public-api.js holds every
one to the SDK's attributeTypeMap), and the CDN settings of the source's write key
(samples/cdn-settings.json with an Actions destination added). Run from anywhere:
`python3 tests/public-api/generate.py tests/public-api/acme.json`."""
import json, sys
import os
HERE = os.path.dirname(os.path.abspath(__file__))
cdn = json.load(open(os.path.join(HERE, '..', '..', 'samples', 'cdn-settings.json')))
cdn['integrations']['Mixpanel (Actions)'] = {"consentSettings": {"categories": ["C0002"]}, "versionSettings": {"componentTypes": []}}
logos = {"default": "https://cdn.filepicker.io/api/file/x", "mark": "https://cdn.filepicker.io/api/file/y"}
def page(current, nxt, total):
    p = {"current": current, "totalEntries": total}
    p["next"] = nxt
    return p
def source(i, slug, name, wk, plan):
    return {"id": i, "slug": slug, "name": name, "workspaceId": "ws_acme", "enabled": True,
            "writeKeys": [wk], "settings": {}, "labels": [{"key": "env", "value": "prod"}],
            "metadata": {"id": "IqDTy1TpoU", "name": "Javascript", "slug": "javascript",
                         "description": "analytics.js", "logos": logos, "options": [],
                         "categories": ["Website"], "isCloudEventSource": False}}
def meta(mid, name, methods, actions=(), previous=(), components=("SERVER",), platforms=None):
    return {"id": mid, "name": name, "description": name + " destination", "slug": name.lower().replace(' ', '-').replace('(', '').replace(')', ''),
            "logos": logos, "options": [], "status": "PUBLIC", "previousNames": list(previous) or [name],
            "categories": ["Analytics"], "website": "https://example.com",
            "components": [{"type": c, "code": "https://github.com/segmentio/x"} for c in components],
            "supportedFeatures": {"cloudModeInstances": "1", "deviceModeInstances": "0", "replay": False, "browserUnbundling": False, "browserUnbundlingPublic": False},
            "supportedMethods": {m: (m in methods) for m in ["pageview", "identify", "alias", "track", "group"]},
            "supportedPlatforms": platforms or {"browser": True, "server": True, "mobile": True, "warehouse": False},
            "actions": list(actions), "presets": []}
ALL = ["pageview", "identify", "alias", "track", "group"]
def action(aid, name, platform):
    return {"id": aid, "slug": name.lower().replace(' ', ''), "name": name, "description": name, "platform": platform,
            "hidden": False, "defaultTrigger": 'type = "track"', "fields": [
                {"id": aid + "f", "sortOrder": 0, "fieldKey": "event_type", "label": "Event Type", "type": "STRING",
                 "description": "The event", "required": True, "multiple": False, "dynamic": False, "allowNull": False}]}
mix_actions = [action("act_track", "Track Event", "CLOUD"), action("act_ident", "Identify User", "CLOUD"), action("act_web", "Session Plugin", "WEB")]
ga4_actions = [action("act_purchase", "Purchase", "CLOUD"), action("act_page", "Page View", "CLOUD")]
D = [
  ("dst_amp", meta("meta_amp", "Amplitude", ALL), True),
  ("dst_ga4", meta("meta_ga4", "Google Analytics 4 Cloud", ["pageview", "track", "identify"], actions=ga4_actions, previous=["Google Analytics 4"]), True),
  ("dst_braze", meta("meta_braze", "Braze", ALL), True),
  ("dst_gads", meta("meta_gads", "Google Ads", ["pageview", "track"]), True),
  ("dst_fbc", meta("meta_fbc", "Facebook Conversions API", ["pageview", "track", "identify"]), True),
  ("dst_sendgrid", meta("meta_sg", "SendGrid", ["identify", "track"]), True),
  ("dst_intercom", meta("meta_ic", "Intercom", ALL), True),
  ("dst_hooks", meta("meta_hooks", "Webhooks", ALL), True),
  ("dst_s3", meta("meta_s3", "Amazon S3", ALL), True),
  ("dst_mix", meta("meta_mix", "Mixpanel (Actions)", ALL, actions=mix_actions), True),
  ("dst_hotjar", meta("meta_hj", "Hotjar", ["pageview"], components=("BROWSER",)), False),
  # A destination function: its catalog entry is the function's (catalogId).
  ("dst_ledger", meta("meta_ledger", "Ledger", ALL), True),
]
def dest(did, m, enabled):
    return {"id": did, "name": m["name"] + " (prod)", "enabled": enabled, "metadata": m, "sourceId": "src_web", "settings": {"apiKey": "secret"}}
dests = [dest(*d) for d in D]
routes = {}
routes["/"] = {"data": {"workspace": {"id": "ws_acme", "slug": "acme", "name": "Acme"}}}
web = source("src_web", "web", "Web", "wk_3f9a1c7e2b", "tp_web")
ios = source("src_ios", "ios", "iOS", "wk_ios_77", None)
routes["/sources"] = {"data": {"sources": [web], "pagination": page("MA==", "MQ==", 2)}}
routes["/sources#MQ=="] = {"data": {"sources": [ios], "pagination": page("MQ==", None, 2)}}
routes["/sources/src_web"] = {"data": {"source": web, "trackingPlanId": "tp_web"}}
routes["/sources/src_ios"] = {"data": {"source": ios, "trackingPlanId": ""}}
routes["/sources/src_web/settings"] = {"data": {"sourceId": "src_web", "settings": {
    "track": {"allowUnplannedEvents": True, "allowUnplannedEventProperties": True, "allowEventOnViolations": False, "allowPropertiesOnViolations": True, "commonEventOnViolations": "ALLOW"},
    "identify": {"allowUnplannedTraits": True, "allowTraitsOnViolations": True, "commonEventOnViolations": "ALLOW"},
    "group": {"allowUnplannedTraits": True, "allowTraitsOnViolations": True, "commonEventOnViolations": "ALLOW"}}}}
routes["/sources/src_ios/settings"] = {"data": {"sourceId": "src_ios", "settings": {}}}
routes["/sources/src_web/connected-destinations"] = {"data": {"destinations": dests[:6], "pagination": page("MA==", "Ng==", len(dests))}}
routes["/sources/src_web/connected-destinations#Ng=="] = {"data": {"destinations": dests[6:], "pagination": page("Ng==", None, len(dests))}}
routes["/sources/src_ios/connected-destinations"] = {"data": {"destinations": [], "pagination": page("MA==", None, 0)}}
def flt(fid, did, title, cond, actions, enabled=True):
    return {"id": fid, "sourceId": "src_web", "destinationId": did, "if": cond, "actions": actions, "title": title,
            "description": title + ".", "enabled": enabled, "createdAt": "2026-10-01T10:00:00Z", "updatedAt": "2026-11-01T10:00:00Z"}
filters = {
  "dst_braze": [flt("flt_1", "dst_braze", "No internal testers", "match(userId, \"test-*\")", [{"type": "DROP"}])],
  "dst_hooks": [flt("flt_2", "dst_hooks", "No email to the webhook", "type = \"identify\"", [{"type": "DROP_PROPERTIES", "fields": {"traits": ["email"]}}])],
  "dst_amp": [flt("flt_3", "dst_amp", "Old sampling", "type = \"page\"", [{"type": "DROP"}], enabled=False)],
}
for did, *_ in D:
    routes[f"/destination/{did}/filters"] = {"data": {"filters": filters.get(did, []), "pagination": page("MA==", None, len(filters.get(did, [])))}}
def sub(sid, name, aid, slug, trigger, enabled=True, dest="dst_mix"):
    return {"id": sid, "name": name, "actionId": aid, "actionSlug": slug, "destinationId": dest, "enabled": enabled, "settings": {}, "trigger": trigger}
subs = [sub("sub_1", "Track purchases", "act_track", "trackevent", 'type = "track" and event = "Order Completed"'),
        sub("sub_2", "Identify", "act_ident", "identifyuser", 'type = "identify"'),
        sub("sub_3", "Pages (off)", "act_track", "trackevent", 'type = "page"', enabled=False),
        sub("sub_4", "Session", "act_web", "sessionplugin", 'type = "page"')]
routes["/destinations/dst_mix/subscriptions"] = {"data": {"subscriptions": subs[:2], "pagination": page("MA==", "Mg==", 4)}}
routes["/destinations/dst_mix/subscriptions#Mg=="] = {"data": {"subscriptions": subs[2:], "pagination": page("Mg==", None, 4)}}
routes["/destinations/dst_ga4/subscriptions"] = {"data": {"subscriptions": [
    sub("sub_5", "Purchase", "act_purchase", "purchase", 'type = "track" and event = "Order Completed"', dest="dst_ga4"),
    sub("sub_6", "Page View", "act_page", "pageview", 'type = "page"', dest="dst_ga4")], "pagination": page("MA==", None, 2)}}
routes["/tracking-plans/tp_web/rules"] = {"data": {"rules": [
    {"type": "TRACK", "key": "Order Completed", "version": 1, "createdAt": "2026-09-01T00:00:00Z", "updatedAt": "2026-09-01T00:00:00Z",
     "jsonSchema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"properties": {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}}}}],
    "pagination": page("MA==", None, 1)}}
# Functions: Ledger is a destination function; Scrub PII an insert function in front of
# Webhooks (and of Amplitude, switched off there).
def function(fid, kind, name, catalog=None):
    f = {"id": fid, "resourceType": kind, "createdAt": "2026-08-01T00:00:00Z", "createdBy": "u_admin", "displayName": name, "description": name, "logoUrl": "https://example.com/logo.png"}
    if catalog:
        f["catalogId"] = catalog
    return f
routes["/functions?resourceType=DESTINATION"] = {"data": {"functions": [function("dfn_ledger", "DESTINATION", "Ledger", "meta_ledger")], "pagination": page("MA==", None, 1)}}
routes["/functions?resourceType=INSERT_DESTINATION"] = {"data": {"functions": [function("ifn_scrub", "INSERT_DESTINATION", "Scrub PII")], "pagination": page("MA==", None, 1)}}
def instance(iid, dest, enabled):
    return {"id": iid, "name": "Scrub PII", "integrationId": dest, "classId": "ifn_scrub", "enabled": enabled, "createdAt": "2026-08-02T00:00:00Z", "updatedAt": "2026-08-02T00:00:00Z", "settings": {}, "encryptedSettings": {}}
routes["/insert-function-instances?functionId=ifn_scrub"] = {"data": {"instances": [instance("ifi_1", "dst_hooks", True), instance("ifi_2", "dst_amp", False)], "pagination": page("MA==", None, 2)}}
routes["/suppressions"] = {"data": {"suppressed": [{"subjectType": "USER_ID", "subjectIds": ["u-suppressed"]}], "pagination": page("MA==", None, 1)}}
routes["/v1/projects/wk_3f9a1c7e2b/settings"] = cdn
routes["/v1/projects/wk_ios_77/settings"] = {"integrations": {"Segment.io": {"apiKey": "wk_ios_77"}}, "consentSettings": {"allCategories": ["C0001"]}}
# Delivery Overview: the counts of samples/workspace/delivery-overview.json as the API answers
# them (one dataset per discard reason; Braze's filtered-at-destination on two pages).
observed = json.load(open(os.path.join(HERE, '..', '..', 'samples', 'workspace', 'delivery-overview.json')))
def dataset(total, reason=None, retries=None):
    d = {"total": total, "series": [{"time": observed["start"], "count": total}]}
    if reason is not None:
        d["discardReason"] = reason
    if retries is not None:
        d["totalRetryCount"] = retries
    return d
def metrics(sets, current="MA==", nxt=None):
    return {"data": {"total": sum(d["total"] for d in sets), "dataset": sets, "pagination": page(current, nxt, len(sets))}}
routes["/delivery-overview/successfully-received"] = metrics([dataset(observed["received"])])
routes["/delivery-overview/failed-on-ingest"] = metrics([dataset(c["count"], c["reason"]) for c in observed["failedOnIngest"]])
routes["/delivery-overview/filtered-at-source"] = metrics([dataset(c["count"], c["reason"]) for c in observed["filteredAtSource"]])
for d in observed["destinations"]:
    q = "?destinationConfigId=" + d["id"]
    sets = [dataset(c["count"], c["reason"]) for c in d["filtered"]]
    if d["id"] == "dst_braze":
        routes["/delivery-overview/filtered-at-destination" + q] = metrics(sets[:1], "MA==", "MQ==")
        routes["/delivery-overview/filtered-at-destination" + q + "#MQ=="] = metrics(sets[1:], "MQ==")
    else:
        routes["/delivery-overview/filtered-at-destination" + q] = metrics(sets)
    routes["/delivery-overview/successful-delivery" + q] = metrics([dataset(d["delivered"], retries=d["retries"])])
    routes["/delivery-overview/failed-delivery" + q] = metrics([dataset(d["failed"], retries=0)] if d["failed"] else [])
json.dump(routes, open(sys.argv[1] if len(sys.argv) > 1 else 'acme.json', 'w'), indent=1)
print(len(routes))

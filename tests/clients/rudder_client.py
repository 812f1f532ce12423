# RudderStack's Python SDK (rudder-sdk-python, from PyPI) sending real calls to
# `consent-inspector listen` (tests/rudderstack.rs): rudder_client.py URL WRITE_KEY
# A server-side SDK has no consent plugin: the app passes the consent it holds in context.
import sys
import rudderstack.analytics as rudder_analytics

errors = []
rudder_analytics.write_key = sys.argv[2]
rudder_analytics.dataPlaneUrl = sys.argv[1]
rudder_analytics.on_error = lambda e, batch: errors.append(repr(e))
consent = {"consentManagement": {"provider": "oneTrust", "resolutionStrategy": "and",
                                 "allowedConsentIds": ["C0001", "C0002"],
                                 "deniedConsentIds": ["C0003", "C0004"]}}
rudder_analytics.track(user_id="u-py", event="py Order Completed", properties={"total": 3},
                       context=consent)
rudder_analytics.identify(user_id="u-py", traits={"email": "py@example.com"}, context=consent)
rudder_analytics.track(anonymous_id="a-py", event="py No Consent")
rudder_analytics.flush()
rudder_analytics.shutdown()
if errors:
    print("errors:", errors)
    sys.exit(1)
print("sent")

# Segment's Python library sending real calls to `consent-inspector listen` (tests/clients.rs):
# client.py URL [gzip]
import sys
from segment import analytics
errors = []
analytics.write_key = "wk_py"
analytics.host = sys.argv[1]
analytics.gzip = len(sys.argv) > 2 and sys.argv[2] == "gzip"
analytics.on_error = lambda e, batch: errors.append(repr(e))
analytics.track(user_id="u-py", event="Order Completed", properties={"total": 3},
                context={"consent": {"categoryPreferences": {"C0001": True, "C0002": False}}})
analytics.identify(user_id="u-py", traits={"email": "py@example.com"})
analytics.flush()
analytics.shutdown()
if errors:
    print("errors:", errors)
    sys.exit(1)
print("sent")

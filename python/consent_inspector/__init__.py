"""Consent routing decisions for Segment and RudderStack events.

The same engine as the ``consent-inspector`` command: every answer is a routing record of the
NDJSON contract (docs/commands.md), as Python values.

>>> from consent_inspector import Workspace, judge, Engine
>>> ws = Workspace.load("samples/consent-settings.json")
>>> ws.dialect
'segment'
>>> r = judge(ws, '{"type":"track","event":"Order Completed","userId":"u-1",'
...              '"context":{"consent":{"categoryPreferences":{"C0002":true,"C0004":false}}}}')
>>> [(x["destination"], x["reason"]) for x in r["routes"]][:3]
[('Amplitude', 'consented'), ('Google Analytics 4', 'consented'), ('Braze', 'not_consented')]

A line that is not an event is a record that says so, never an exception:

>>> judge(ws, '{"type": "track", broken')["issues"][0]["code"]
'invalid_json'

An ``Engine`` keeps history, as ``route`` does over a file:

>>> e = Engine(ws)
>>> _ = e.ingest('{"type":"identify","userId":"u-2","messageId":"m-1",'
...              '"context":{"consent":{"categoryPreferences":{"C0002":true}}}}')
>>> e.ingest('{"type":"page","userId":"u-2","messageId":"m-1"}')["routes"][0]["reason"]
'duplicate'
>>> e.profiles()[0]["consent"]["C0002"]
True
"""

from ._native import Engine, Workspace, __version__, judge

__all__ = ["Engine", "Workspace", "judge", "__version__"]

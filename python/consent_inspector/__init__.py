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
[('Amplitude', 'consented'), ('Google Analytics 4', 'unknown_step'), ('Braze', 'not_consented')]

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

``route_arrow`` decides a column of raw event JSON at once, one row per route, without
building a Python object per event (pyarrow, or Spark's ``mapInArrow``, hands the column over):

>>> import pyarrow as pa
>>> batch = route_arrow(ws, pa.array(['{"type":"page","userId":"u-3"}', None]))
>>> batch.num_rows == 2 * len(ws.destinations)
True
>>> batch.column("reason").to_pylist()[:2], batch.column("ingested").to_pylist()[-1]
(['no_consent', 'unknown_step'], False)
"""

from ._native import Engine, Workspace, __version__, _route_arrow, judge

__all__ = ["Engine", "Workspace", "judge", "route_arrow", "__version__"]


def route_arrow(workspace, array):
    """One row per route for each event of ``array``, a pyarrow string array (or chunked
    array) of raw event JSON; a null or a broken event gives rows that say it is not ingested.

    Columns: ``row`` (the event's position in ``array``), ``index`` (in its batch payload),
    ``type``, ``event``, ``userId``, ``anonymousId``, ``messageId``, ``ingested``, ``issues``
    (the codes, as a JSON list), ``consent`` (as JSON text), ``destination``, ``decision``,
    ``reason``, ``mode`` and ``discard``, as the NDJSON contract names them. The text columns
    but ``discard`` are dictionary-encoded: a route repeats its event's values, one per
    destination, and they are kept once (``dictionary_decode()`` gives plain strings). Each
    event is decided on its own, as ``judge`` decides it: no history. The GIL is released
    while deciding.
    """
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pa.record_batch(_route_arrow(workspace, array))

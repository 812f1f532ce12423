"""The Python package against the command: the same records, history kept, bad input
reported in the record, never raised. Run from the repository's root with the wheel installed:
python3 -m pytest tests/python (tests/python_package.rs runs it in `.ci/run`)."""

import json
import os
import subprocess
import sys
import sysconfig

import pytest

import consent_inspector
from consent_inspector import Engine, Workspace, judge

SETTINGS = "samples/consent-settings.json"
BIN = os.environ.get("CONSENT_INSPECTOR_BIN", "target/debug/consent-inspector")


def route(path, settings=SETTINGS):
    out = subprocess.run(
        [BIN, "-q", "route", "--settings", settings, path],
        check=True,
        capture_output=True,
        env={**os.environ, "XDG_CONFIG_HOME": "tests/golden"},
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def without_file(record):
    return {k: v for k, v in record.items() if k != "file"}


@pytest.mark.parametrize(
    "events,settings",
    [
        ("samples/events.jsonl", SETTINGS),
        ("samples/filters/events.jsonl", "samples/filters/consent-settings.json"),
        ("samples/rudderstack/events.jsonl", "samples/rudderstack/source-config.json"),
    ],
)
def test_an_engine_fed_line_by_line_says_what_route_says(events, settings):
    ws = Workspace.load(settings)
    engine = Engine(ws)
    ours = []
    with open(events, "rb") as f:
        for line in f:
            got = engine.ingest(line.rstrip(b"\n"))
            ours.extend(got if isinstance(got, list) else [got])
    theirs = route(events, settings)
    assert [without_file(r) for r in ours] == [without_file(r) for r in theirs]


def test_judge_is_the_first_line_of_a_file(tmp_path):
    ws = Workspace.load(SETTINGS)
    with open("samples/events.jsonl") as f:
        lines = f.read().splitlines()
    for n in (0, 1, 10, 20):
        one = tmp_path / "one.jsonl"
        one.write_text(lines[n] + "\n")
        assert without_file(judge(ws, lines[n])) == without_file(route(str(one))[0])


@pytest.mark.parametrize(
    "line,code",
    [
        ('{"type": "track", broken', "invalid_json"),
        ("[1, 2]", "not_an_object"),
        (b"\xff\xfe not utf-8", "invalid_json"),
        ('{"type":"track","event":"x"}', "no_user_anon_id"),
        ("{" * 200 + "}" * 200, "invalid_json"),
    ],
)
def test_bad_input_is_a_record_that_says_so_never_an_exception(line, code):
    ws = Workspace.load(SETTINGS)
    r = judge(ws, line)
    assert r["ingested"] is False
    assert r["issues"][0]["code"] == code
    assert {x["reason"] for x in r["routes"]} == {"not_ingested"}
    # The engine goes on after it.
    e = Engine(ws)
    e.ingest(line)
    assert e.ingest('{"type":"page","userId":"u"}')["ingested"] is True


def test_a_batch_line_gives_one_record_per_element():
    ws = Workspace.load(SETTINGS)
    got = judge(ws, '{"batch":[{"type":"page","userId":"a"},{"type":"page"}]}')
    assert [r["index"] for r in got] == [0, 1]
    assert [r["ingested"] for r in got] == [True, False]


def test_profiles_keep_history():
    ws = Workspace.load(SETTINGS)
    e = Engine(ws)
    for line in open("samples/events.jsonl"):
        e.ingest(line)
    profiles = e.profiles()
    carol = next(p for p in profiles if "u-carol" in p["ids"])
    assert carol["history"], carol
    assert carol["consent"]["C0004"] in (True, False, "conflict")


def test_settings_errors_name_the_place_and_any_shape_loads(tmp_path):
    bad = tmp_path / "ws.json"
    bad.write_text('{"categories": [{"id": 1}]}')
    with pytest.raises(ValueError, match=r"ws.json:1:"):
        Workspace.load(str(bad))
    assert Workspace.load("samples/cdn-settings.json").dialect == "segment"
    rudder = Workspace.load("samples/rudderstack/source-config.json")
    assert rudder.dialect == "rudderstack"
    assert "Google Analytics 4" in rudder.destinations


def test_the_doctests_pass():
    import doctest

    assert doctest.testmod(consent_inspector).failed == 0


def test_route_arrow_has_one_row_per_route_each_as_judge_decides_it():
    pa = pytest.importorskip("pyarrow")
    from consent_inspector import route_arrow

    ws = Workspace.load(SETTINGS)
    with open("samples/events.jsonl") as f:
        lines = f.read().splitlines()
    lines += ['{"type": "track", broken', None, "", '{"batch":[{"type":"page","userId":"b"}]}']
    batch = route_arrow(ws, pa.chunked_array([lines[:10], lines[10:]]))
    rows = batch.to_pylist()
    expected = []
    for i, line in enumerate(lines):
        got = judge(ws, line if line is not None else "")
        for record in got if isinstance(got, list) else [got]:
            for r in record["routes"]:
                expected.append(
                    {
                        "row": i,
                        "index": record["index"],
                        "type": record["type"],
                        "event": record["event"],
                        "userId": record["userId"],
                        "anonymousId": record["anonymousId"],
                        "messageId": record["messageId"],
                        "ingested": record["ingested"],
                        "issues": json.dumps([x["code"] for x in record["issues"]], separators=(",", ":")),
                        "consent": record["consent"],
                        "destination": r["destination"],
                        "decision": r["decision"],
                        "reason": r["reason"],
                        "mode": r["mode"],
                        "discard": r["discard"],
                    }
                )
    # Non-string values (an object as event) are their JSON text in the columns, as written.
    for row, want in zip(rows, expected):
        row["consent"] = row["consent"] and json.loads(row["consent"])
        for k in ("type", "event", "userId", "anonymousId", "messageId"):
            if want[k] is not None and not isinstance(want[k], str):
                row[k] = json.loads(row[k])
    assert rows == expected
    # Not a string column: a TypeError, not a crash.
    with pytest.raises(TypeError):
        route_arrow(ws, pa.array([1, 2]))


def the_script():
    """The ``consent-inspector`` script the package installed beside this interpreter."""
    where = sysconfig.get_path("scripts")
    script = os.path.join(where, "consent-inspector")
    assert os.access(script, os.X_OK), f"pip installed no consent-inspector script in {where}"
    return script


@pytest.mark.parametrize("how", ["script", "module"])
def test_the_package_installs_the_command(how):
    start = [the_script()] if how == "script" else [sys.executable, "-m", "consent_inspector"]

    def run(*args):
        return subprocess.run(
            start + ["-q", *args],
            capture_output=True,
            env={**os.environ, "XDG_CONFIG_HOME": "tests/golden"},
        )

    ours = run("route", "--settings", SETTINGS, "samples/events.jsonl")
    assert ours.returncode == 0, ours.stderr
    assert [json.loads(x) for x in ours.stdout.splitlines()] == route("samples/events.jsonl")
    # Its exit statuses are the command's: 4 for a diff that --fail-on names, 2 for a mistake,
    # 0 for --version.
    against = "samples/what-if/social-media-disabled.json"
    diff = run("diff", "--settings", SETTINGS, "--against", against, "--fail-on", "delivered",
               "samples/events.jsonl")
    assert diff.returncode == 4, diff.stderr
    wrong = run("route", "--no-such-option")
    assert wrong.returncode == 2 and b"--no-such-option" in wrong.stderr
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith(b"consent-inspector ")


def test_a_batch_segment_rejects_whole_is_one_record_everywhere():
    # 300,000 elements on one 900 KB line: Segment rejects the batch whole, and so one record
    # says so (docs/rules.md, "Batch limits"), from judge, from an Engine and from route.
    ws = Workspace.load(SETTINGS)
    line = '{"batch":[' + ",".join(["{}"] * 300_000) + "]}"
    for record in (judge(ws, line), Engine(ws).ingest(line)):
        assert isinstance(record, dict)
        assert record["ingested"] is False and record["index"] is None
        assert [i["code"] for i in record["issues"]] == ["batch_too_many_events"]
        assert "holds 300000 events" in record["issues"][0]["message"]

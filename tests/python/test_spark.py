"""examples/spark_audit.py in PySpark's local mode (local[2]), held to `route` on the same
files: every route it writes is route's, but for what the example states it leaves out
(duplicates dropped before routing, warnings that need history). Run by tests/python_package.rs
in `.ci/run`; needs pyspark (PyPI) and a Java runtime."""

import gzip
import importlib.util
import json
import os
import random
import shutil
import subprocess
import time

import pytest

pyspark = pytest.importorskip("pyspark")

BIN = os.environ.get("CONSENT_INSPECTOR_BIN", "target/debug/consent-inspector")
SETTINGS = "samples/consent-settings.json"
# Findings that need earlier events: the example states it does not compute them.
HISTORY = {
    "consent_changed_without_preference_event",
    "consent_missing",
    "duplicate_message_id",
}

spec = importlib.util.spec_from_file_location("spark_audit", "examples/spark_audit.py")
spark_audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(spark_audit)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("consent-inspector tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield s
    s.stop()


def write_archive(root, lines, files):
    """`lines` split over `files` gzipped files in Segment's S3 layout, with the settings at
    the folder's top, as the README lays a folder out (`route` and `check` leave it out)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SETTINGS, root / "consent-settings.json")
    per = -(-len(lines) // files)
    for n in range(files):
        day = 1764633600000 + 86400000 * (n // 2)
        path = root / "segment-logs" / "src1" / str(day) / f"part-{n:04d}.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt") as f:
            f.write("\n".join(lines[n * per : (n + 1) * per]) + "\n")


def route(folder):
    out = subprocess.run(
        [BIN, "-q", "route", "--settings", SETTINGS, str(folder)],
        check=True,
        capture_output=True,
        env={**os.environ, "XDG_CONFIG_HOME": "tests/golden"},
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def compare(spark, tmp_path, lines, files):
    folder = tmp_path / "archive"
    write_archive(folder, lines, files)
    start = time.perf_counter()
    routed, duplicates = spark_audit.audit(
        spark, SETTINGS, str(folder), str(tmp_path / "routes.parquet")
    )
    ours = {
        (r["file"], r["line"], r["index"], r["destination"]): r.asDict() for r in routed.collect()
    }
    seconds = time.perf_counter() - start
    theirs = {}
    dropped = set()
    for rec in route(folder):
        place = (rec["file"], rec["line"], rec["index"])
        if any(r["reason"] == "duplicate" for r in rec["routes"]):
            dropped.add(place)
            continue
        codes = [i["code"] for i in rec["issues"] if i["code"] not in HISTORY]
        for r in rec["routes"]:
            theirs[place + (r["destination"],)] = (
                rec["ingested"],
                codes,
                r["decision"],
                r["reason"],
                r["mode"],
                r["discard"],
            )
    mine = {
        k: (v["ingested"], json.loads(v["issues"]), v["decision"], v["reason"], v["mode"], v["discard"])
        for k, v in ours.items()
    }
    # Everything Spark wrote is route's; what it did not write, route dropped as a duplicate.
    assert mine == theirs
    assert len({k[:2] for k in dropped}) == duplicates
    return len(lines), seconds


def test_the_example_on_the_samples_writes_routes_routes(spark, tmp_path):
    lines = open("samples/events.jsonl").read().splitlines()
    compare(spark, tmp_path, lines, 3)
    # The policy as SQL finds what `check --policy` finds, but for dropped duplicates.
    routes = spark.read.parquet(str(tmp_path / "routes.parquet"))
    routes.createOrReplaceTempView("routes")
    found = {
        (r["file"], r["line"], r["index"], r["destination"])
        for r in spark.sql(spark_audit.POLICY).collect()
    }
    checked = subprocess.run(
        [BIN, "-q", "check", "--format", "json", "--policy", "samples/policy.toml",
         "--settings", SETTINGS, str(tmp_path / "archive")],
        capture_output=True,
        env={**os.environ, "XDG_CONFIG_HOME": "tests/golden"},
    )
    rules = json.loads(checked.stdout)["policy"]["rules"]
    broken = {
        (p["file"], p["line"], p["index"], p["message"].split(": ")[0])
        for rule in rules
        for p in rule["places"]
    }
    assert found, "the policy finds routes on the samples"
    assert found == broken


def test_the_example_on_a_generated_archive_of_100000_events(spark, tmp_path):
    rng = random.Random(27)
    cats = ["C0001", "C0002", "C0003", "C0004", "C0005"]
    lines = []
    for n in range(100_000):
        if n % 997 == 0:
            lines.append('{"type":"track","event":')  # broken
            continue
        ev = {
            "type": rng.choice(["track", "page", "identify"]),
            "event": "Order Completed",
            "userId": f"u-{rng.randrange(2000)}",
            "messageId": f"m-{n if n % 500 else n - 1}",  # some reuse the previous id
            "timestamp": "2026-11-02T09:00:00Z",
            "context": {"consent": {"categoryPreferences": {c: rng.random() < 0.7 for c in cats}}},
        }
        lines.append(json.dumps(ev))
    events, seconds = compare(spark, tmp_path, lines, 8)
    print(f"spark local[2]: {events} events in {seconds:.1f} s")

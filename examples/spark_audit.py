"""Audit a folder of Segment archives on Spark with consent-inspector's engine.

    spark-submit examples/spark_audit.py SETTINGS INPUT OUTPUT
    # or, in Spark's local mode with no cluster:
    python3 examples/spark_audit.py samples/consent-settings.json segment-logs/ routes.parquet

It needs the package (``pip install .`` in this repository), ``pyspark`` (4.x), ``pyarrow``,
``pandas`` below 3 (which PySpark 4.3's Arrow functions do not fully support) and a Java 17
runtime for Spark: ``pip install . pyspark pyarrow 'pandas<3'`` and, on Debian,
``apt install openjdk-17-jre-headless``.

INPUT is a folder of JSON Lines files, gzipped or not (Segment's S3 layout,
``segment-logs/<source-id>/<day-in-ms>/<file>.gz``, or any other), or any table of raw event JSON
you adapt ``lines()`` to. As for ``route``, names starting with ``.`` and the
``consent-settings.json`` at the folder's top are not events and are left out. OUTPUT receives the routes as Parquet, one row per event and
destination, with the NDJSON contract's fields (docs/commands.md) and ``file``/``line``: the
file inside INPUT and the line in it, as ``route`` names them.

Spark does what it does well, the package decides each event:

- the files are read whole and split into numbered lines, so ``file:line`` is ``route``'s;
- duplicate messageIds are dropped with Spark's own operators, keeping the first by
  (file, line) as Segment keeps the first it received;
- each partition goes through ``route_arrow`` with ``mapInArrow``, an Arrow batch at a time.

What needs history is not silently different from ``route``; it is here:

- duplicates: ``route`` writes a later copy's routes as ``duplicate``; here it is dropped
  before routing, and counted (``duplicates`` in the summary). ``route`` forgets a messageId
  after its window (``Engine::with_dedup_window``); Spark compares all of them.
- the warnings that depend on earlier events (``consent_changed_without_preference_event``,
  ``consent_missing``, ``duplicate_message_id``) and profiles
  need each user's events in order: they are not computed here (``issues`` holds the others).
  Partition by user and feed an ``Engine`` per partition, in order, to have them.
- a batch payload's elements are routed, but only whole lines are deduplicated: Segment's
  archives hold one event per line.
- HAR captures are not read here (``route`` reads them).
"""

import os
import sys

import pyarrow as pa
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from consent_inspector import Workspace, route_arrow

# The routes' columns, as route_arrow gives them, with the place of each event.
ROUTES = T.StructType(
    [
        T.StructField("file", T.StringType(), False),
        T.StructField("line", T.LongType(), False),
        T.StructField("index", T.IntegerType(), True),
        T.StructField("type", T.StringType(), True),
        T.StructField("event", T.StringType(), True),
        T.StructField("userId", T.StringType(), True),
        T.StructField("anonymousId", T.StringType(), True),
        T.StructField("messageId", T.StringType(), True),
        T.StructField("ingested", T.BooleanType(), False),
        T.StructField("issues", T.StringType(), False),
        T.StructField("consent", T.StringType(), True),
        T.StructField("destination", T.StringType(), False),
        T.StructField("decision", T.StringType(), False),
        T.StructField("reason", T.StringType(), False),
        T.StructField("mode", T.StringType(), False),
        T.StructField("discard", T.StringType(), True),
    ]
)


def lines(spark, path):
    """Every line of every file under ``path``: (file, line, text), numbered as ``route`` does
    (from 1, blank lines counted and skipped), but for the settings at the folder's top."""
    settings = os.path.abspath(os.path.join(path, "consent-settings.json"))
    files = (
        spark.read.option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "[!.]*")
        .text(path, wholetext=True)
        .withColumn("file", F.regexp_replace(F.input_file_name(), "^file://", ""))
        .where(F.col("file") != settings)
    )
    numbered = files.select(
        "file", F.posexplode(F.split("value", "\n")).alias("pos", "text")
    )
    return numbered.select(
        "file",
        (F.col("pos") + 1).cast("long").alias("line"),
        F.regexp_replace("text", "\r$", "").alias("text"),
    ).where(F.trim("text") != "")


def first_of_each_message_id(events):
    """Events without a repeated messageId, the first (by file and line) of each kept."""
    with_id = events.withColumn("messageId", F.get_json_object("text", "$.messageId"))
    first = Window.partitionBy("messageId").orderBy("file", "line")
    ranked = with_id.withColumn("n", F.row_number().over(first))
    kept = ranked.where(F.col("messageId").isNull() | (F.col("n") == 1))
    dropped = ranked.where(F.col("messageId").isNotNull() & (F.col("n") > 1))
    return kept.drop("messageId", "n"), dropped


def routes(settings):
    """The ``mapInArrow`` function: each batch of (file, line, text) to its routes."""

    def decide(batches):
        ws = Workspace.load(settings)
        for batch in batches:
            out = route_arrow(ws, batch.column("text"))
            rows = out.column("row")
            where = {
                "file": batch.column("file").take(rows),
                "line": batch.column("line").take(rows),
            }
            # Spark takes plain strings (route_arrow keeps repeated values once, in
            # dictionaries) and no unsigned ints.
            columns = [
                c.dictionary_decode() if pa.types.is_dictionary(c.type) else c
                for c in (out.column(name) for name in ROUTES.names[2:])
            ]
            columns[0] = columns[0].cast(pa.int32())
            yield pa.record_batch(
                [where["file"], where["line"]] + columns, names=ROUTES.names
            )

    return decide


def audit(spark, settings, path, output):
    events = lines(spark, path)
    kept, dropped = first_of_each_message_id(events)
    routed = kept.mapInArrow(routes(settings), ROUTES)
    routed.write.mode("overwrite").parquet(output)
    return spark.read.parquet(output), dropped.count()


# `check --policy samples/policy.toml`, as Spark SQL over the routes (README.md, "Scale out"). A
# rule on a category concerns the destinations mapped to it (C0004's, from the settings), and
# `value = false` is the boolean false, not the string "false" (a variant keeps the two apart).
POLICY = """
SELECT file, line, index, destination, decision, reason FROM (
  SELECT *, variant_get(parse_json(consent), '$.categoryPreferences.C0004') AS c0004 FROM routes)
WHERE (destination = 'Facebook Conversions API' AND reason = 'no_consent')
   OR (destination IN ('Braze', 'Google Ads', 'Facebook Conversions API', 'SendGrid', 'Amazon S3')
       AND schema_of_variant(c0004) = 'BOOLEAN' AND NOT variant_get(c0004, '$', 'boolean')
       -- an uncertain route may deliver: a policy never passes on a guess
       AND decision IN ('deliver', 'uncertain'))
"""

COUNTS = """
SELECT destination, decision, reason, count(*) AS routes FROM routes
GROUP BY destination, decision, reason ORDER BY destination, decision, reason
"""


def main(argv):
    settings, path, output = argv[1:4]
    spark = SparkSession.builder.appName("consent-inspector audit").getOrCreate()
    routed, duplicates = audit(spark, settings, path, output)
    routed.createOrReplaceTempView("routes")
    spark.sql(COUNTS).show(200, truncate=False)
    print(f"routes breaking samples/policy.toml: {spark.sql(POLICY).count()}")
    print(f"duplicates dropped before routing: {duplicates}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv)

//! The real binary: golden output, exit codes, stdin, settings discovery and error messages.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-inspector"));
    // No config file of the machine's: a folder with none in it.
    c.env("XDG_CONFIG_HOME", "tests/golden");
    c.env_remove("NO_COLOR");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Compares with a committed file; `UPDATE_GOLDEN=1` rewrites it (then review the diff).
fn golden(name: &str, actual: &str) {
    let path = Path::new("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "{name} differs from the golden file; run with UPDATE_GOLDEN=1 and review the diff"
    );
}

/// `route` with `args` succeeds and writes the golden file `name`.
fn route_golden(args: &[&str], name: &str) {
    let mut all = vec!["route"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    golden(name, &stdout(&o));
}

#[test]
fn route_ndjson_matches_the_reviewed_golden_output() {
    route_golden(&["samples/events.jsonl"], "route-events.ndjson");
    // Destination filters: a PII filter, a sample, a drop, and S3 untouched.
    route_golden(&["samples/filters/events.jsonl"], "route-filters.ndjson");
    let o = run(&["explain", "--line", "5", "samples/filters/events.jsonl"]);
    assert!(
        stdout(&o).contains("Google Analytics 4 is removed by its destination filter \"No internal traffic\" (if match(context.traits.email, '*@example-corp.com')): its condition matches and the filter drops it."),
        "{}",
        stdout(&o)
    );
    route_golden(
        &[
            "--settings",
            "samples/consent-settings.json",
            "samples/capture.har",
        ],
        "route-capture.ndjson",
    );
    // The source's controls: a schema event filter, an unplanned event, schema integration
    // filters in both modes, and what they let through.
    route_golden(
        &["samples/protocols/events.jsonl"],
        "route-protocols.ndjson",
    );
    route_golden(
        &["--format", "table", "samples/protocols/events.jsonl"],
        "route-protocols.table",
    );
    // How destinations are connected, and what CDN settings cannot tell: not_loaded, the
    // plugin's subscriptions in device mode, hybrid, and uncertain routes with what is unknown.
    route_golden(&["samples/cdn/events.jsonl"], "route-cdn.ndjson");
    route_golden(
        &["--format", "table", "samples/cdn/events.jsonl"],
        "route-cdn.table",
    );
    // A workspace snapshot (pull): cloud mappings, filters, the tracking plan, a disabled
    // destination and a suppressed user, decided as Segment's servers have them.
    route_golden(
        &["samples/workspace/events.jsonl"],
        "route-workspace.ndjson",
    );
    route_golden(
        &["--format", "table", "samples/workspace/events.jsonl"],
        "route-workspace.table",
    );
    // Predictions beside Delivery Overview's counts (saved), as people read them.
    let o = run(&[
        "reconcile",
        "--observed",
        "samples/workspace/delivery-overview.json",
        "samples/workspace/events.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    golden("reconcile-workspace.table", &stdout(&o));
    let o = run(&["explain", "--line", "2", "samples/cdn/events.jsonl"]);
    assert!(
        stdout(&o).contains("It is hybrid: the browser runs its plugin (Amplitude (Actions)) and Segment's servers deliver."),
        "{}",
        stdout(&o)
    );
}

#[test]
fn route_table_matches_the_golden_output_without_colour_when_piped() {
    let o = run(&["route", "--format", "table", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    golden("route-events.table", &out);
}

#[test]
fn the_samples_exercise_every_reason_and_every_code() {
    let mut out = stdout(&run(&["route", "samples/events.jsonl"]));
    out += &stdout(&run(&[
        "route",
        "--settings",
        "samples/consent-settings.json",
        "samples/capture.har",
    ]));
    out += &stdout(&run(&["route", "samples/oversized-batches.jsonl.gz"]));
    // Destination filters have a workspace of their own, and so have the source's controls.
    out += &stdout(&run(&["route", "samples/filters/events.jsonl"]));
    out += &stdout(&run(&["route", "samples/protocols/events.jsonl"]));
    // How destinations are connected, and what the settings cannot tell: a CDN workspace.
    out += &stdout(&run(&["route", "samples/cdn/events.jsonl"]));
    // A workspace's own switches: a disabled destination, a suppressed user.
    out += &stdout(&run(&["route", "samples/workspace/events.jsonl"]));
    // RudderStack's reasons, from its own samples.
    out += &stdout(&run(&[
        "route",
        "--settings",
        "samples/rudderstack/source-config.json",
        "samples/rudderstack/events.jsonl",
    ]));
    for reason in consent_inspector::rules::verdict::REASONS {
        assert!(
            out.contains(&format!("\"reason\":\"{reason}\"")),
            "no {reason}"
        );
    }
    for mode in ["cloud", "device"] {
        assert!(out.contains(&format!("\"mode\":\"{mode}\"")), "no {mode}");
    }
    for discard in consent_inspector::rules::verdict::DISCARDS {
        assert!(
            out.contains(&format!("\"discard\":\"{discard}\"")),
            "no {discard}"
        );
    }
    assert!(out.contains("\"discard\":null"));
    // Segment's consent under RudderStack's rules: said to be unread.
    out += &stdout(&run(&[
        "route",
        "--dialect",
        "rudderstack",
        "--settings",
        "samples/consent-settings.json",
        "samples/events.jsonl",
    ]));
    // RudderStack's refusals, and a line too long to read under its rules.
    out += &stdout(&run(&[
        "route",
        "--settings",
        "samples/rudderstack/source-config.json",
        "samples/rudderstack/oversized.jsonl.gz",
    ]));
    // A route not ingested carries its event's ingest code, for every error code of Segment's
    // rules (RudderStack's routes have no discard).
    let rudder_only = |c: &consent_inspector::rules::finding::Code| {
        consent_inspector::rules::rudderstack::ingest::CODES.contains(c)
            && *c != consent_inspector::rules::finding::Code::InvalidJson
    };
    for code in consent_inspector::rules::finding::Code::ALL {
        if code.severity() == consent_inspector::rules::finding::Severity::Error
            && !rudder_only(code)
        {
            assert!(
                out.contains(&format!("\"discard\":\"{}\"", code.as_str())),
                "no discard {}",
                code.as_str()
            );
        }
    }
    for code in consent_inspector::rules::finding::Code::ALL {
        assert!(
            out.contains(&format!("\"code\":\"{}\"", code.as_str())),
            "no {}",
            code.as_str()
        );
    }
}

#[test]
fn every_line_is_one_json_object_with_the_contract_fields() {
    let out = stdout(&run(&["route", "samples/events.jsonl"]));
    let keys = [
        "file",
        "line",
        "index",
        "type",
        "event",
        "userId",
        "anonymousId",
        "messageId",
        "ingested",
        "issues",
        "consent",
        "routes",
    ];
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let got: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(got, keys);
        assert_eq!(v["routes"].as_array().unwrap().len(), 10);
        for r in v["routes"].as_array().unwrap() {
            let mut got: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            let blocked_by = r["reason"] == "not_consented";
            assert_eq!(got.last() == Some(&"blockedBy"), blocked_by, "{r}");
            got.retain(|k| *k != "blockedBy");
            // A device route names the consent model its verdict assumed.
            if r["mode"] == "device" {
                assert_eq!(r["consentModel"], "opt-in", "{r}");
                got.retain(|k| *k != "consentModel");
            }
            // An uncertain route, and only one, says what it would be delivered for and what
            // is unknown, last.
            let uncertain = r["decision"] == "uncertain";
            assert_eq!(
                got.ends_with(&["deliverReason", "unknown"]),
                uncertain,
                "{r}"
            );
            assert_eq!(uncertain, r["reason"] == "unknown_step", "{r}");
            got.retain(|k| *k != "unknown" && *k != "deliverReason");
            assert_eq!(
                got,
                ["destination", "decision", "reason", "mode", "discard"]
            );
        }
    }
    // 61 lines, one batch of 3: 63 records.
    assert_eq!(out.lines().count(), 63);
}

#[test]
fn stdin_is_read_when_no_input_or_dash() {
    let line = br#"{"type":"track","event":"A","userId":"u","messageId":"m"}"#;
    for args in [
        &["route", "--settings", "samples/consent-settings.json"][..],
        &["route", "--settings", "samples/consent-settings.json", "-"],
    ] {
        let o = run_stdin(args, line);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(v["file"], "<stdin>");
        assert_eq!(v["routes"][0]["reason"], "no_consent");
    }
}

#[test]
fn settings_are_found_beside_the_input_or_the_error_names_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "{\"type\":\"page\",\"userId\":\"u\"}\n").unwrap();
    let o = run(&["route", events.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--settings FILE"), "{err}");
    assert!(
        err.contains(
            &dir.path()
                .join("consent-settings.json")
                .display()
                .to_string()
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    std::fs::copy(
        "samples/consent-settings.json",
        dir.path().join("consent-settings.json"),
    )
    .unwrap();
    let o = run(&["route", events.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"destination\":\"SendGrid\""));
}

#[test]
fn unusable_settings_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("s.json");
    std::fs::write(&bad, "{\"categories\": [\n  {\"id\": \"C1\",}\n]}").unwrap();
    let o = run(&[
        "route",
        "--settings",
        bad.to_str().unwrap(),
        "samples/events.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "consent-inspector: {}:2:15: trailing comma\n",
            bad.display()
        )
    );
    assert_eq!(
        stdout(&o),
        "",
        "nothing is printed before the settings are known good"
    );
}

#[test]
fn an_unreadable_input_exits_2_and_names_it() {
    let o = run(&["route", "samples/events.jsonl", "no/such/file.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("consent-inspector: no/such/file.jsonl: cannot read input: "),
        "{}",
        stderr(&o)
    );
    // A folder is read as its files (tests/folders.rs); an empty one is said to be.
    let empty = tempfile::tempdir().unwrap();
    let o = run(&[
        "check",
        "--settings",
        "samples/consent-settings.json",
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the folder holds no file to read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_input_that_cannot_be_read_is_named_before_missing_settings() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.jsonl");
    let o = run(&["route", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nope.jsonl: cannot read input: No such file"),
        "{}",
        stderr(&o)
    );
    let o = run(&["route", dir.path().to_str().unwrap()]);
    assert!(
        stderr(&o).contains("the folder holds no file to read"),
        "{}",
        stderr(&o)
    );
    // The TUI the same, before it needs a terminal.
    for args in [
        &[missing.to_str().unwrap()][..],
        &[dir.path().to_str().unwrap()],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(
            err.contains("No such file") || err.contains("is a folder"),
            "{err}"
        );
        assert!(!err.contains("no workspace settings"), "{err}");
    }
}

#[test]
fn malformed_events_never_stop_processing() {
    let input =
        b"not json\n{\"type\":\"page\",\"userId\":\"u\",\"messageId\":\"m\"}\n\xff\xfe\n[]\n";
    let o = run_stdin(
        &["route", "--settings", "samples/consent-settings.json"],
        input,
    );
    assert_eq!(o.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(u64, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["ingested"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, vec![(1, false), (2, true), (3, false), (4, false)]);
    assert_eq!(
        rows[0]["issues"][0]["message"],
        "expected ident at column 2"
    );
    assert!(
        rows[0]["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["decision"] == "block" && r["reason"] == "not_ingested")
    );
}

#[test]
fn check_exits_1_when_anything_is_not_ingested_and_lists_places() {
    let o = run(&["check", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error   invalid_json (1): The line is not JSON.\n    samples/events.jsonl:33  trailing comma at column 88"), "{out}");
    assert!(
        out.contains("samples/events.jsonl:32[2]"),
        "batch elements are located by index"
    );
    assert!(out.ends_with("63 events: 20 not ingested, 20 ingested with warnings\nFAIL: some events are not ingested\n"), "{out}");
}

#[test]
fn check_passes_clean_input_and_deny_warnings_fails_on_warnings() {
    let clean =
        br#"{"type":"page","userId":"u","messageId":"m1","timestamp":"2026-11-02T09:00:00Z"}"#;
    let o = run_stdin(
        &["check", "--settings", "samples/consent-settings.json"],
        clean,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("1 event: 0 not ingested, 0 ingested with warnings\nOK\n"));
    let warned = br#"{"type":"page","userId":"u"}"#;
    let o = run_stdin(
        &["check", "--settings", "samples/consent-settings.json"],
        warned,
    );
    assert_eq!(o.status.code(), Some(0));
    let o = run_stdin(
        &[
            "check",
            "--deny-warnings",
            "--settings",
            "samples/consent-settings.json",
        ],
        warned,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("message_id_missing"));
}

#[test]
fn explain_describes_the_events_on_one_line() {
    let o = run(&["explain", "--line", "11", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    golden("explain-11.txt", &stdout(&o));
    // A page is named as the events table names it.
    let o = run(&["explain", "--line", "1", "samples/events.jsonl"]);
    assert!(
        stdout(&o).starts_with("samples/events.jsonl:1: page \"Home\" from anonymous user"),
        "{}",
        stdout(&o)
    );
    let o = run(&["explain", "--line", "32", "samples/events.jsonl"]);
    assert_eq!(
        stdout(&o).matches("samples/events.jsonl:32[").count(),
        3,
        "one explanation per batch element"
    );
    // Line 0 is no line; a blank line says so and where the last event is.
    let o = run(&["explain", "--line", "0", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("0 is not in 1.."), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("gap.jsonl");
    std::fs::write(
        &f,
        "{\"type\":\"page\",\"userId\":\"u\"}\n\n{\"type\":\"page\",\"userId\":\"v\"}\n",
    )
    .unwrap();
    let o = run(&[
        "explain",
        "--line",
        "2",
        "--settings",
        "samples/consent-settings.json",
        f.to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).ends_with("no event on line 2: it is blank (the last event is on line 3)\n"),
        "{}",
        stderr(&o)
    );
    let o = run(&["explain", "--line", "999", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "consent-inspector: samples/events.jsonl: no event on line 999 (the last event is on line 61)\n"
    );
    // Line 49 is sent by the browser for two destinations whose consent was withdrawn: under
    // consent-tools' default model (opt-in) they were loaded with the page and still receive
    // it, a choice the explanation shows; under opt-out the browser blocks them.
    let out = stdout(&run(&["explain", "--line", "49", "samples/events.jsonl"]));
    assert!(
        out.contains("Amplitude receives it from the browser, not from Segment (device mode: analytics.js lists it in _metadata.bundled; consent model opt-in (consent-tools' default)): it was loaded with the page"),
        "{out}"
    );
    assert!(
        out.contains("docs/rules.md#the-consent-model-device-verdicts-assume"),
        "{out}"
    );
    assert!(out.contains("device_mode_after_withdrawal"), "{out}");
    let out = stdout(&run(&[
        "explain",
        "--consent-model",
        "opt-out",
        "--line",
        "49",
        "samples/events.jsonl",
    ]));
    assert!(
        out.contains("Amplitude is blocked in the browser (device mode: analytics.js lists it in _metadata.bundled and sends it itself, so Segment's servers skip it; consent model opt-out (from --consent-model))"),
        "{out}"
    );
    assert!(!out.contains("device_mode_after_withdrawal"), "{out}");
    assert!(
        out.contains("[Delivery Overview: MESSAGE_SENT_CLIENT_SIDE]"),
        "{out}"
    );
    let out = stdout(&run(&["explain", "--line", "32", "samples/events.jsonl"]));
    assert!(
        out.contains("docs/rules.md#merging-a-batchs-context"),
        "{out}"
    );
}

#[test]
fn gzip_input_is_read_as_its_content_wherever_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("archive.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &std::fs::read("samples/events.jsonl").unwrap()).unwrap();
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes).unwrap();
    let plain = stdout(&run(&["route", "samples/events.jsonl"]));
    let o = run(&[
        "route",
        "--settings",
        "samples/consent-settings.json",
        gz.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let name = gz.to_str().unwrap();
    assert_eq!(stdout(&o), plain.replace("samples/events.jsonl", name));
    // Cut short: what was read is printed, then one line says where the data broke.
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&[
        "route",
        "--settings",
        "samples/consent-settings.json",
        gz.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).lines().count() > 10);
    assert!(
        stderr(&o).contains("cannot read input: gzip data is broken or cut short after line"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn profiles_lists_every_profile_in_order_of_first_appearance() {
    let o = run(&["profiles", "samples/events.jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    golden("profiles-events.ndjson", &stdout(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["ids"][0], "a-laptop-7f3");
    let carol = rows
        .iter()
        .find(|r| r["userIds"][0] == "u-carol")
        .expect("carol");
    assert_eq!(
        carol["userIds"],
        serde_json::json!(["u-carol", "u-carol-work"])
    );
    let merge = carol["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["line"] == 30)
        .unwrap();
    assert_eq!(
        merge["change"],
        "merged with u-carol-work by an alias: C0004 conflict"
    );
    assert_eq!(merge["timestamp"], "2026-11-02T09:17:53.511Z");
    let o = run(&["profiles", "--format", "table", "samples/events.jsonl"]);
    golden("profiles-events.table", &stdout(&o));
}

#[test]
fn hostile_strings_never_reach_the_terminal_raw() {
    // Controls, bidi overrides, zero-width characters and Unicode tag characters (U+E0041,
    // U+E0067: invisible text), in strings and keys.
    let evil = "{\"type\":\"track\",\"event\":\"\\u001b]52;c;SGk=\\u0007\\u001b[2J\\u009b31m\\u202e\\udb40\\udc41\",\"userId\":\"u\\u200b\\u001b[1m\\udb40\\udc67\",\"context\":{\"consent\":{\"categoryPreferences\":{\"\\u001b[5mX\\udb40\\udc41\":true}}}}";
    let s = "samples/consent-settings.json";
    for args in [
        &["route", "--settings", s][..],
        &["route", "--format", "table", "--settings", s],
        &["check", "--settings", s],
        &["check", "--format", "json", "--settings", s],
        &["check", "--format", "junit", "--settings", s],
        &["check", "--format", "sarif", "--settings", s],
        &["check", "--format", "github", "--settings", s],
        &["lint", "--settings", s],
        &["profiles", "--settings", s],
        &["profiles", "--format", "table", "--settings", s],
    ] {
        let o = run_stdin(args, evil.as_bytes());
        let out = stdout(&o);
        for c in out.chars() {
            assert!(
                c == '\n' || !consent_inspector::text::is_unsafe(c),
                "{args:?} printed {c:?}: {out}"
            );
            // Named here too, not only through is_unsafe, which this test would otherwise trust.
            assert!(
                !matches!(c, '\u{e0000}'..='\u{e007f}' | '\u{1b}' | '\u{202e}'),
                "{args:?} printed {c:?}: {out}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.jsonl");
    std::fs::write(&f, evil).unwrap();
    let o = run(&[
        "explain",
        "--line",
        "1",
        "--settings",
        "samples/consent-settings.json",
        f.to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains("\\e]52;c;SGk=\\u{7}\\e[2J\\u{9b}31m\\u{202e}\\u{e0041}"),
        "{}",
        stdout(&o)
    );
    assert!(
        !stdout(&o)
            .chars()
            .any(|c| c != '\n' && consent_inspector::text::is_unsafe(c))
    );
}

/// `check --format json --policy` with `policy` (its text) over `input`.
fn check_policy(policy: &str, input: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, policy).unwrap();
    run(&[
        "check",
        "--format",
        "json",
        "--policy",
        file.to_str().unwrap(),
        input,
    ])
}

#[test]
fn policies_speak_of_filters_and_mappings() {
    let o = check_policy(
        r#"never = [
  { destination = "Google Analytics 4", reason = "destination_filter", why = "no internal traffic is lost" },
  { destination = "Braze Cloud Mode (Actions)", reason = "no_mapping_matched", discard = "NO_MATCHING_MAPPING" },
]
"#,
        "samples/filters/events.jsonl",
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let text = report.to_string();
    // Line 5 is the internal user's event that GA4's filter drops; ten events fire no mapping.
    assert!(text.contains("\"line\":5"), "{text}");
    assert!(text.contains("no_mapping_matched"), "{text}");
}

#[test]
fn the_table_tells_the_preference_event_from_its_legacy_name_and_names_pages() {
    let lines = [
        r#"{"type":"track","event":"Segment Consent Preference Updated","userId":"u","messageId":"a"}"#,
        r#"{"type":"track","event":"Segment Consent Preference","userId":"u","messageId":"b"}"#,
        r#"{"type":"page","name":"Pricing","userId":"u","messageId":"c"}"#,
    ]
    .join("\n");
    let out = table_of(&lines);
    let rows: Vec<&str> = out.lines().skip(1).take(3).collect();
    assert!(rows[0].contains("track Segment Cons…nce Updated"), "{out}");
    assert!(rows[1].contains("track Segment Cons… Preference "), "{out}");
    assert!(rows[2].contains("page Pricing"), "{out}");
}

#[test]
fn a_binary_file_is_said_not_to_look_like_json_lines_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.out");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    bytes.extend((0..4000u32).map(|i| (i * 7 % 256) as u8));
    std::fs::write(&f, bytes).unwrap();
    let args = ["check", "--settings", "samples/consent-settings.json"];
    let o = run(&[&args[..], &[f.to_str().unwrap()]].concat());
    let err = stderr(&o);
    let note = "does not look like JSON Lines (it holds NUL bytes, the first at byte 8): each of its lines is reported as invalid_json";
    assert_eq!(err.matches(note).count(), 1, "{err}");
    let o = run(&[&args[..], &["samples/events.jsonl"]].concat());
    assert!(!stderr(&o).contains("does not look like"), "{}", stderr(&o));
}

#[test]
fn table_columns_line_up_with_wide_characters() {
    let lines = [
        r#"{"type":"track","event":"注文完了しました注文完了しました","userId":"ユーザー太郎ユーザー太郎","messageId":"c1"}"#,
        r#"{"type":"track","event":"Order 🎉🎉🎉 done","userId":"u-emoji-🎉","messageId":"c2"}"#,
        r#"{"type":"track","event":"Order Completed","userId":"u-plain","messageId":"c3"}"#,
    ]
    .join("\n");
    let out = table_of(&lines);
    // The display column where STATUS's "ok" starts, in every row.
    let at = |row: &str| {
        let i = row.find(" ok ").unwrap_or_else(|| panic!("{row}"));
        unicode_width::UnicodeWidthStr::width(&row[..i])
    };
    let rows: Vec<&str> = out.lines().skip(1).take(3).collect();
    assert_eq!(at(rows[0]), at(rows[2]), "{out}");
    assert_eq!(at(rows[1]), at(rows[2]), "{out}");
    assert!(rows[0].contains('…'), "cut where too wide: {out}");
}

/// `route --format table` over these lines, with the samples' settings.
fn table_of(lines: &str) -> String {
    let args = [
        "route",
        "--format",
        "table",
        "--settings",
        "samples/consent-settings.json",
    ];
    stdout(&run_stdin(&args, lines.as_bytes()))
}

/// Issue 36: `1 events:` in route's summary.
#[test]
fn the_table_s_totals_count_in_the_singular_for_one() {
    let o = run_stdin(
        &[
            "route",
            "--format",
            "table",
            "--settings",
            "samples/consent-settings.json",
        ],
        br#"{"type":"page","userId":"u-1","messageId":"m-1","context":{"consent":{"categoryPreferences":{"C0002":false}}}}
"#,
    );
    let out = stdout(&o);
    assert!(
        out.contains("\n1 event: 0 not ingested, 0 with warnings, "),
        "{out}"
    );
    assert!(!out.contains("1 events"), "{out}");
}

/// A policy never passes on a guess: an uncertain route may deliver, so a rule against
/// delivering catches it, and by the reason consent let it through for too; `uncertain` is a
/// decision a rule can name.
#[test]
fn an_uncertain_route_breaks_a_policy_against_delivering() {
    let check = |rule: &str| {
        let o = check_policy(&format!("never = [{rule}]\n"), "samples/cdn/events.jsonl");
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let lines: Vec<u64> = report["policy"]["rules"][0]["places"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["line"].as_u64().unwrap())
            .collect();
        (o.status.code(), lines)
    };
    // Engage is uncertain on every event Segment gets (what Engage computes is unknown).
    for (rule, want) in [
        (
            r#"{ destination = "Engage Audiences", decision = "deliver" }"#,
            &[1, 2, 3, 4, 5, 6, 7, 8, 10][..],
        ),
        (
            r#"{ destination = "Engage Audiences", decision = "uncertain" }"#,
            &[1, 2, 3, 4, 5, 6, 7, 8, 10],
        ),
        // Line 10, the preference event, goes by consent_preference_event.
        (
            r#"{ destination = "Engage Audiences", reason = "not_enforced" }"#,
            &[1, 2, 3, 4, 5, 6, 7, 8],
        ),
    ] {
        let (code, lines) = check(rule);
        assert_eq!(code, Some(3), "{rule}");
        assert_eq!(lines, want, "{rule}");
    }
    // Nothing is certainly blocked for it but the event dropped on the phone (line 9).
    let (code, lines) = check(r#"{ destination = "Engage Audiences", decision = "block" }"#);
    assert_eq!(code, Some(3));
    assert_eq!(lines, [9]);
}

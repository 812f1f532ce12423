//! The exit status is a contract that no `--format` may change: `diff` under every format ×
//! every `--fail-on` × traffic that changes and traffic that does not, and `check` under every
//! format × every way it can pass or fail. Each expected status is written out here, from the
//! counts the README shows, not read back from the tool.

use std::io::Write;
use std::process::Command;

const OLD: &str = "samples/consent-settings.json";
const EVENTS: &str = "samples/events.jsonl";

const DIFF_FORMATS: [&str; 7] = [
    "table", "ndjson", "json", "junit", "sarif", "github", "html",
];
const CHECK_FORMATS: [&str; 5] = ["text", "json", "junit", "sarif", "github"];

/// Runs the binary; returns its exit status and what it wrote (stdout, or the `-o` file).
fn status(args: &[&str], to_file: bool) -> (i32, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consent-inspector"));
    cmd.args(["--color", "never", "-q"]).args(args);
    if to_file {
        cmd.arg("-o").arg(&path);
    }
    let o = cmd.output().unwrap();
    let code = o.status.code().expect("exited, not killed");
    assert!(
        code != 2,
        "{args:?} could not run: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written = if to_file {
        std::fs::read(&path).unwrap()
    } else {
        o.stdout
    };
    (code, written)
}

/// The compared settings, and the routes each kind of change counts on the samples
/// (README, "What would change").
struct Against {
    file: &'static str,
    delivered: u64,
    blocked: u64,
    other: u64,
}

const AGAINST: [Against; 3] = [
    Against {
        file: "samples/what-if/social-media-disabled.json",
        delivered: 10,
        blocked: 0,
        other: 14,
    },
    Against {
        file: "samples/what-if/braze-also-functional.json",
        delivered: 0,
        blocked: 2,
        other: 6,
    },
    // The same settings: nothing changes.
    Against {
        file: OLD,
        delivered: 0,
        blocked: 0,
        other: 0,
    },
];

#[test]
fn diff_exits_as_fail_on_says_in_every_format() {
    let mut wrong = Vec::new();
    for a in &AGAINST {
        for fail_on in [None, Some("delivered"), Some("blocked"), Some("any")] {
            let expected = match fail_on {
                Some("delivered") if a.delivered > 0 => 4,
                Some("blocked") if a.blocked > 0 => 4,
                Some("any") if a.delivered + a.blocked + a.other > 0 => 4,
                _ => 0,
            };
            for format in DIFF_FORMATS {
                for to_file in [false, true] {
                    let mut args = vec!["diff", "--settings", OLD, "--against", a.file];
                    args.extend(["--format", format]);
                    if let Some(f) = fail_on {
                        args.extend(["--fail-on", f]);
                    }
                    args.push(EVENTS);
                    let (code, out) = status(&args, to_file);
                    if code != expected {
                        wrong.push(format!(
                            "{args:?} -o {to_file}: exit {code}, not {expected}"
                        ));
                    }
                    if format == "json" {
                        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
                        let verdict = if expected == 4 {
                            "routes_changed"
                        } else {
                            "pass"
                        };
                        if doc["verdict"] != verdict || doc["exit"] != expected {
                            wrong.push(format!(
                                "{args:?}: the JSON says {} {}, the exit is {expected}",
                                doc["verdict"], doc["exit"]
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A file of `lines` in a temporary folder, with the samples' settings beside it.
fn traffic(dir: &tempfile::TempDir, lines: &[&str]) -> String {
    let path = dir.path().join("events.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    path.display().to_string()
}

#[test]
fn check_exits_the_same_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let consented = r#"{"type":"track","event":"A","userId":"u-1","messageId":"m-1","timestamp":"2026-11-02T09:00:00Z","context":{"consent":{"categoryPreferences":{"C0001":true,"C0002":true,"C0003":true,"C0004":true,"C0005":true}}}}"#;
    // Segment refuses a track without an event name.
    let refused =
        r#"{"type":"track","userId":"u-2","messageId":"m-2","timestamp":"2026-11-02T09:00:00Z"}"#;
    let clean = traffic(&dir, &[consented]);
    let dir2 = tempfile::tempdir().unwrap();
    let not_ingested = traffic(&dir2, &[consented, refused]);
    // (what, extra arguments, file, expected status)
    let cases: [(&str, &[&str], &str, i32); 7] = [
        ("clean", &[], &clean, 0),
        ("clean, warnings denied", &["--deny-warnings"], &clean, 0),
        (
            "clean, with the policy",
            &["--policy", "samples/policy.toml"],
            &clean,
            0,
        ),
        ("not ingested", &[], &not_ingested, 1),
        ("the samples: not ingested", &[], EVENTS, 1),
        (
            "the samples break the policy (3 comes before 1)",
            &["--policy", "samples/policy.toml"],
            EVENTS,
            3,
        ),
        (
            "policy kept, warnings denied",
            &["--policy", "samples/policy.toml", "--deny-warnings"],
            &not_ingested,
            1,
        ),
    ];
    let mut wrong = Vec::new();
    for (what, extra, file, expected) in cases {
        for format in CHECK_FORMATS {
            for summary in [false, true] {
                let mut args = vec!["check", "--settings", OLD, "--format", format];
                if summary {
                    args.push("--summary");
                }
                args.extend_from_slice(extra);
                args.push(file);
                let (code, _) = status(&args, false);
                if code != expected {
                    wrong.push(format!("{what}: {args:?}: exit {code}, not {expected}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `reconcile`: findings are to read, not failures: 0 in every format, to stdout or a file;
/// 2 when it cannot compare (the settings are no snapshot and no counts are given).
#[test]
fn reconcile_exits_0_with_findings_in_every_format() {
    for format in ["table", "json", "html"] {
        for to_file in [false, true] {
            let (code, written) = status(
                &[
                    "reconcile",
                    "--format",
                    format,
                    "--observed",
                    "samples/workspace/delivery-overview.json",
                    "samples/workspace/events.jsonl",
                ],
                to_file,
            );
            assert_eq!(code, 0, "{format}");
            assert!(
                String::from_utf8_lossy(&written).contains("FILTERED_BY_RULES"),
                "{format}"
            );
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["reconcile", "--settings", OLD, EVENTS])
        .env("SEGMENT_PUBLIC_API_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the settings are not a snapshot"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

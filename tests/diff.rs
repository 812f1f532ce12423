//! `diff` on the samples: the four questions of the README, the NDJSON held to `route` under
//! each side's settings, the exit status of `--fail-on`, and the HTML page (in Chromium, where
//! it is installed).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

const OLD: &str = "samples/consent-settings.json";
const BRAZE: &str = "samples/what-if/braze-also-functional.json";
const SOCIAL: &str = "samples/what-if/social-media-disabled.json";
const EVENTS: &str = "samples/events.jsonl";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["--color", "never", "-q"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let o = run(&all);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn golden(name: &str, actual: &str) {
    let path = Path::new("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "{name} differs from the golden file; run with UPDATE_GOLDEN=1 and review the diff:\n{actual}"
    );
}

/// Each settings change a diff reports, with how many routes it explains.
fn settings_changes(doc: &Value) -> Vec<(&str, u64)> {
    doc["settingsChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["describe"].as_str().unwrap(),
                c["routes"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn destination<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["destination"] == name)
        .unwrap()
}

#[test]
fn disabling_a_category_shows_what_starts_flowing_and_why() {
    let o = run(&["diff", "--settings", OLD, "--against", SOCIAL, EVENTS]);
    assert_eq!(o.status.code(), Some(0));
    golden("diff-social-media.table", &stdout(&o));
    let doc = json(&["--settings", OLD, "--against", SOCIAL, EVENTS]);
    let fb = destination(&doc, "Facebook Conversions API");
    // Facebook needed Targeting and Social Media; without Social Media, the events of users
    // who gave Targeting flow.
    assert_eq!(fb["newlyDelivered"]["events"], 10);
    assert_eq!(fb["newlyBlocked"]["events"], 0);
    assert_eq!(doc["settingsChanges"][0]["change"], "category_enabled");
    assert_eq!(doc["settingsChanges"][0]["routes"], doc["routesChanged"]);
    assert_eq!(doc["unexplained"], 0);
    // Only destinations mapped to C0005 change.
    for d in doc["destinations"].as_array().unwrap() {
        if d["destination"] != "Facebook Conversions API" {
            assert_eq!(d["unchanged"], doc["events"], "{d}");
        }
    }
}

#[test]
fn a_remap_names_the_users_who_stop_receiving_and_fails_ci_when_asked() {
    let doc = json(&["--settings", OLD, "--against", BRAZE, EVENTS]);
    let braze = destination(&doc, "Braze");
    assert_eq!(braze["newlyBlocked"]["events"], 2);
    assert_eq!(braze["newlyBlocked"]["users"], 2);
    assert_eq!(
        doc["settingsChanges"][0]["describe"],
        "Braze remapped: C0002, C0004 → C0002, C0003, C0004"
    );
    assert_eq!(doc["exit"], 0);
    // --fail-on: 4 when it happens, 0 when it does not.
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        BRAZE,
        "--fail-on",
        "blocked",
        "--format",
        "github",
        EVENTS,
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("::error title=newly_blocked,file=samples/events.jsonl,line=31::Braze: deliver consented → block not_consented (C0003) (user u-carol)"), "{text}");
    assert!(
        text.contains("FAIL: routes changed as --fail-on names"),
        "{text}"
    );
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        BRAZE,
        "--fail-on",
        "delivered",
        EVENTS,
    ]);
    assert_eq!(o.status.code(), Some(0));
    // JUnit: a case per kind of change, the failing one failed.
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        BRAZE,
        "--fail-on",
        "any",
        "--format",
        "junit",
        EVENTS,
    ]);
    assert_eq!(o.status.code(), Some(4));
    let xml = stdout(&o);
    assert!(xml.contains(r#"<testsuite name="diff" tests="3""#), "{xml}");
    assert!(
        xml.contains(r#"<testcase name="newly_blocked" classname="diff.error">"#),
        "{xml}"
    );
}

#[test]
fn the_consent_model_alone_changes_only_device_routes() {
    let doc = json(&[
        "--settings",
        OLD,
        "--consent-model",
        "opt-out",
        "--against-consent-model",
        "opt-in",
        EVENTS,
    ]);
    assert_eq!(doc["old"]["consentModel"], "opt-out");
    assert_eq!(doc["new"]["consentModel"], "opt-in");
    assert_eq!(doc["settingsChanges"].as_array().unwrap().len(), 1);
    assert_eq!(doc["settingsChanges"][0]["change"], "consent_model");
    assert!(doc["routesChanged"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["unexplained"], 0, "every change is a device route");
    // The NDJSON says so route by route.
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--consent-model",
        "opt-out",
        "--against-consent-model",
        "opt-in",
        "--format",
        "ndjson",
        EVENTS,
    ]);
    for line in stdout(&o).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for c in v["changes"].as_array().unwrap() {
            assert_eq!(c["before"]["mode"], "device", "{c}");
            // GA4, an Actions destination whose plugin these settings lack, is uncertain.
            let after = c["after"]["reason"].as_str().unwrap();
            assert!(
                ["loaded_at_page_load", "unknown_step"].contains(&after),
                "{c}"
            );
        }
    }
}

#[test]
fn the_same_settings_change_nothing() {
    let doc = json(&[
        "--settings",
        OLD,
        "--against",
        OLD,
        "--fail-on",
        "any",
        EVENTS,
    ]);
    assert_eq!(doc["routesChanged"], 0);
    assert_eq!(doc["settingsChanges"].as_array().unwrap().len(), 0);
    assert_eq!(doc["exit"], 0);
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        OLD,
        "--format",
        "ndjson",
        EVENTS,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
}

/// `route`'s routes per place and destination, under `settings`.
fn routes(settings: &str) -> HashMap<(u64, Option<u64>, String), Value> {
    let o = run(&["route", "--settings", settings, EVENTS]);
    let mut out = HashMap::new();
    for line in stdout(&o).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        for r in v["routes"].as_array().unwrap() {
            out.insert(
                (
                    v["line"].as_u64().unwrap(),
                    v["index"].as_u64(),
                    r["destination"].as_str().unwrap().to_owned(),
                ),
                r.clone(),
            );
        }
    }
    out
}

#[test]
fn each_change_is_what_route_says_under_each_side() {
    for against in [BRAZE, SOCIAL] {
        let (before, after) = (routes(OLD), routes(against));
        let o = run(&[
            "diff",
            "--settings",
            OLD,
            "--against",
            against,
            "--format",
            "ndjson",
            EVENTS,
        ]);
        let mut n = 0;
        for line in stdout(&o).lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let at = |d: &Value| {
                (
                    v["line"].as_u64().unwrap(),
                    v["index"].as_u64(),
                    d.as_str().unwrap().to_owned(),
                )
            };
            for c in v["changes"].as_array().unwrap() {
                assert_eq!(c["before"], before[&at(&c["destination"])], "{line}");
                assert_eq!(c["after"], after[&at(&c["destination"])], "{line}");
                assert_ne!(c["before"], c["after"]);
                n += 1;
            }
            // The record itself is route's, under the compared settings.
            let mut record = v.clone();
            record.as_object_mut().unwrap().remove("changes");
            for r in record["routes"].as_array().unwrap() {
                assert_eq!(r, &after[&at(&r["destination"])]);
            }
        }
        let doc = json(&["--settings", OLD, "--against", against, EVENTS]);
        assert_eq!(doc["routesChanged"], n, "{against}");
    }
}

#[test]
fn the_html_page_is_self_contained_and_carries_the_json_numbers() {
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        SOCIAL,
        "--format",
        "html",
        EVENTS,
    ]);
    let page = stdout(&o);
    assert!(page.starts_with("<!doctype html>"));
    // Nothing is fetched: no scripts to run, no links, no remote anything.
    for banned in [
        "src=", "href=", "http://", "https://", "<link", "@import", "url(",
    ] {
        assert!(!page.contains(banned), "{banned}");
    }
    assert!(page.contains("default-src 'none'"));
    let doc = json(&["--settings", OLD, "--against", SOCIAL, EVENTS]);
    let start = page
        .find(r#"<script type="application/json" id="diff-json">"#)
        .unwrap();
    let embedded = &page[start..];
    let embedded = &embedded[embedded.find('>').unwrap() + 1..embedded.find("</script>").unwrap()];
    assert_eq!(serde_json::from_str::<Value>(embedded).unwrap(), doc);
}

#[test]
#[ignore = "needs Chromium (apt-get install chromium) and playwright-core (npm ci --prefix tests/clients); .ci/run installs both and runs it"]
fn the_html_page_renders_the_numbers_in_chromium() {
    common::needs::need(
        "Chromium",
        "/usr/bin/chromium",
        &["--version"],
        &[],
        "apt-get install chromium",
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-html");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("diff.html");
    let shot = dir.join("diff.png");
    let o = run(&[
        "diff",
        "--settings",
        OLD,
        "--against",
        SOCIAL,
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        EVENTS,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = Command::new("node")
        .args([
            "tests/clients/report.js",
            page.to_str().unwrap(),
            shot.to_str().unwrap(),
        ])
        .env("NODE_PATH", common::needs::node_path())
        .output()
        .expect("node");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seen: Value = serde_json::from_slice(&o.stdout).unwrap();
    let doc = json(&["--settings", OLD, "--against", SOCIAL, EVENTS]);
    for k in [
        "events",
        "routesChanged",
        "eventsChanged",
        "newlyDelivered",
        "newlyBlocked",
        "reasonChanged",
    ] {
        assert_eq!(
            seen["totals"][k].as_str().unwrap(),
            doc[k].to_string(),
            "{k}"
        );
    }
    for d in doc["destinations"].as_array().unwrap() {
        let name = d["destination"].as_str().unwrap();
        let row = &seen["rows"][name];
        assert_eq!(
            row["newlyDelivered"].as_str().unwrap(),
            d["newlyDelivered"]["events"].to_string(),
            "{name}"
        );
        assert_eq!(
            row["newlyBlocked"].as_str().unwrap(),
            d["newlyBlocked"]["events"].to_string(),
            "{name}"
        );
        assert_eq!(
            row["unchanged"].as_str().unwrap(),
            d["unchanged"].to_string(),
            "{name}"
        );
        // Each row draws its chart: two bars of routes and two lines over time.
        assert!(row["rects"].as_u64().unwrap() >= 2, "{name}: {row}");
        assert_eq!(row["lines"].as_u64().unwrap(), 2, "{name}");
    }
    // Issue 36: at 1200 px, the legend wrapped nowhere and the charts ran off the window.
    let fit = &seen["fit"];
    let width = fit["width"].as_u64().unwrap();
    for k in ["scrollWidth", "charts", "legend", "tables"] {
        assert!(
            fit[k].as_u64().unwrap() <= width,
            "{k} runs past {width} px: {fit}"
        );
    }
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot at {}",
        shot.display()
    );
}

/// The README's `diff` examples: each command, and the output lines shown under it.
fn readme_examples() -> Vec<(Vec<String>, Vec<String>)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("## What would change").unwrap()..];
    let block = &section[section.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut command = String::new();
    for line in block.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if !command.is_empty() || line.starts_with("consent-inspector diff") {
            command.push_str(line.trim_end_matches('\\'));
            if !line.ends_with('\\') {
                let words = command
                    .split_whitespace()
                    .skip(1)
                    .map(str::to_owned)
                    .collect();
                out.push((words, Vec::new()));
                command.clear();
            }
            continue;
        }
        out.last_mut().unwrap().1.push(line.to_owned());
    }
    out
}

#[test]
fn the_readme_s_examples_give_the_output_it_shows() {
    let examples = readme_examples();
    assert_eq!(examples.len(), 4);
    for (args, shown) in examples {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        let text = stdout(&o);
        assert!(!shown.is_empty(), "{args:?} shows no output");
        for line in shown {
            assert!(text.lines().any(|l| l == line), "{args:?}: {line}\n{text}");
        }
        let fails = args.contains(&"--fail-on");
        assert_eq!(o.status.code(), Some(if fails { 4 } else { 0 }), "{args:?}");
    }
}

/// Issue 36: the report names users, so `-o` writes it readable by this user only.
#[cfg(unix)]
#[test]
fn the_report_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let o = Command::new("sh")
        .args(["-c", "umask 022; exec \"$@\"", "sh"])
        .arg(env!("CARGO_BIN_EXE_consent-inspector"))
        .args(["-q", "diff", "--format", "html", "--against", SOCIAL, "-o"])
        .arg(&page)
        .arg(EVENTS)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mode = std::fs::metadata(&page).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

/// A change of the source's controls explains the routes the source stage moves (issue 38):
/// a plan entry turned back on, a Protocols setting, a tracking plan's rule.
#[test]
fn a_change_of_the_source_s_controls_explains_the_routes_it_moves() {
    let dir = tempfile::tempdir().unwrap();
    let settings = "samples/protocols/consent-settings.json";
    let events = "samples/protocols/events.jsonl";
    // The plan lets Blocked Event through, and Protocols let unplanned events through.
    let mut against: Value =
        serde_json::from_str(&std::fs::read_to_string(settings).unwrap()).unwrap();
    against["plan"]["track"]["Blocked Event"]["enabled"] = Value::Bool(true);
    against["protocols"]["track"]["allowUnplannedEvents"] = Value::Bool(true);
    let path = dir.path().join("consent-settings.json");
    std::fs::write(&path, against.to_string()).unwrap();
    std::fs::copy(
        "samples/protocols/tracking-plan.json",
        dir.path().join("tracking-plan.json"),
    )
    .unwrap();
    let doc = json(&[
        "--settings",
        settings,
        "--against",
        path.to_str().unwrap(),
        events,
    ]);
    let changes = settings_changes(&doc);
    // Blocked Event (line 2): five routes. Coupon Applied (line 3): five more; Coupon Removed
    // (line 11) stays blocked, by the common schema now, and its five routes change control.
    assert_eq!(
        changes,
        [
            (
                "plan.track[\"Blocked Event\"]: {\"enabled\":false} → {\"enabled\":true}",
                5
            ),
            ("protocols.track.allowUnplannedEvents: false → true", 10),
        ],
        "{doc}"
    );
    assert_eq!(doc["unexplained"], 0);
    // Another tracking plan: its rules' changes explain what they move.
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"data": {"rules": [{"type": "TRACK", "key": "Signed Up", "version": 1, "jsonSchema": {}}]}}"#,
    )
    .unwrap();
    let doc = json(&[
        "--settings",
        settings,
        "--against-tracking-plan",
        plan.to_str().unwrap(),
        events,
    ]);
    let signed_up = doc["settingsChanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["describe"] == "tracking plan rule TRACK \"Signed Up\" v1 changed")
        .unwrap();
    // Line 8's violation no longer blocks its four cloud routes.
    assert_eq!(signed_up["routes"], 4);
    assert_eq!(doc["unexplained"], 0);
}

#[test]
fn a_connection_change_explains_the_routes_it_moves() {
    let dir = tempfile::tempdir().unwrap();
    let old = "samples/cdn/consent-settings.json";
    let mut cdn: Value = serde_json::from_str(&std::fs::read_to_string(old).unwrap()).unwrap();
    // Hotjar gains a cloud mode; Braze Web Mode's plugin enables its identify subscription.
    cdn["integrations"]["Hotjar"]["versionSettings"]["componentTypes"] =
        serde_json::json!(["browser", "server"]);
    cdn["remotePlugins"][0]["settings"]["subscriptions"][2]["enabled"] = Value::Bool(true);
    let new = dir.path().join("consent-settings.json");
    std::fs::write(&new, cdn.to_string()).unwrap();
    let doc = json(&[
        "--settings",
        old,
        "--against",
        new.to_str().unwrap(),
        "samples/cdn/events.jsonl",
    ]);
    let changes = settings_changes(&doc);
    // Every line that does not list Hotjar in _metadata.bundled (5 to 8, and 10) but the one
    // dropped on the phone (9) reaches it from the cloud now; line 4's identify fires the
    // enabled subscription in the browser.
    assert_eq!(
        changes,
        [
            ("Hotjar: components browser → browser, server", 5),
            (
                "Braze Web Mode (Actions): browser plugin Braze Web Mode (Actions) (3 subscriptions) → Braze Web Mode (Actions) (3 subscriptions)",
                1
            ),
        ],
        "{doc}"
    );
    assert_eq!(doc["unexplained"], 0, "{doc}");
}

//! `check`'s report formats, read back by real tools of each format from the registries:
//! `junitparser` (`PyPI`) for `JUnit` XML, Microsoft's SARIF Multitool (npm) and `jsonschema` (`PyPI`,
//! with the SARIF 2.1.0 schema the Multitool ships) for SARIF, GitHub's Actions toolkit
//! (`@actions/core`, npm) for workflow commands; and the policy and exit codes. A test that
//! needs one of those tools is ignored by a plain `cargo test` (listed so, with what it
//! needs) and fails where it is run without it (`.ci/run` installs them all and runs it).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-inspector"));
    // No config file of the machine's: a folder with none in it.
    c.env("XDG_CONFIG_HOME", "tests/golden");
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

fn check(args: &[&str]) -> Output {
    bin().arg("check").args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

const POLICY: &str = "samples/policy.toml";
const EVENTS: &str = "samples/events.jsonl";

/// The JSON report of the samples with the sample policy: what the other formats must say.
fn json_report(extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json", "--policy", POLICY];
    args.extend_from_slice(extra);
    args.push(EVENTS);
    let o = check(&args);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

mod common;

use common::formats;

/// Every place in the JSON report, codes first, then policy rules: (file, line, message).
fn places(report: &Value) -> Vec<(String, u64, String)> {
    let mut groups: Vec<&Value> = report["codes"].as_array().unwrap().iter().collect();
    groups.extend(report["policy"]["rules"].as_array().unwrap());
    groups
        .iter()
        .flat_map(|g| g["places"].as_array().unwrap())
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_owned(),
                p["line"].as_u64().unwrap(),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs junitparser: pip install -r tests/clients/requirements.txt"]
fn junit_is_read_by_junitparser_as_a_test_per_code_and_rule() {
    let report = json_report(&[]);
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("check.xml");
    let o = check(&["--format", "junit", "--policy", POLICY, EVENTS]);
    assert_eq!(o.status.code(), Some(3));
    std::fs::write(&xml, &o.stdout).unwrap();
    let read = formats::junit(&xml);
    let suites = read["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 2);

    // Every code is a test case; those with failing places fail, with every place in the text.
    let validation = &suites[0];
    assert_eq!(validation["name"], "validation");
    let cases = validation["cases"].as_array().unwrap();
    // The validation codes, then the wire audit's (a capture's own requests).
    assert_eq!(
        cases.len(),
        consent_inspector::rules::finding::Code::ALL.len()
            + consent_inspector::analyses::wire::WireCode::ALL.len()
    );
    let failing: Vec<&Value> = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["fails"] == true)
        .collect();
    assert!(!failing.is_empty());
    assert_eq!(validation["failures"], failing.len());
    for code in &failing {
        let case = cases.iter().find(|c| c["name"] == code["code"]).unwrap();
        let results = case["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{case}");
        assert_eq!(results[0]["kind"], "Failure");
        assert_eq!(results[0]["type"], code["code"]);
        let lines = results[0]["text"].as_str().unwrap().lines().count();
        assert_eq!(lines as u64, code["count"].as_u64().unwrap(), "{case}");
    }
    // Warnings are not failures (no --deny-warnings); their places are the case's output.
    let warning = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fails"] == false)
        .unwrap();
    let case = cases.iter().find(|c| c["name"] == warning["code"]).unwrap();
    assert_eq!(case["results"].as_array().unwrap().len(), 0);
    assert!(case["system_out"].as_str().unwrap().contains(EVENTS));

    // A case per policy rule, failing with its violations.
    let policy = &suites[1];
    assert_eq!(policy["name"], format!("policy {POLICY}"));
    let rules = report["policy"]["rules"].as_array().unwrap();
    assert_eq!(policy["tests"], rules.len());
    for (case, rule) in policy["cases"].as_array().unwrap().iter().zip(rules) {
        assert_eq!(
            case["name"],
            format!("never {}", rule["never"].as_str().unwrap())
        );
        let text = case["results"][0]["text"].as_str().unwrap();
        assert_eq!(text.lines().count() as u64, rule["count"].as_u64().unwrap());
    }
    assert_eq!(read["failures"], failing.len() + rules.len());
}

#[test]
#[ignore = "needs Microsoft's SARIF Multitool and jsonschema: npm ci --prefix tests/clients; pip install -r tests/clients/requirements.txt"]
fn sarif_passes_the_schema_and_microsofts_sarif_multitool() {
    let report = json_report(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("check.sarif");
    let o = check(&["--format", "sarif", "--policy", POLICY, EVENTS]);
    assert_eq!(o.status.code(), Some(3));
    std::fs::write(&sarif, &o.stdout).unwrap();
    let problems = formats::sarif_problems(&sarif);
    assert!(problems.is_empty(), "{problems:#?}");

    // Every place is a result at its file and line.
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let at: Vec<(String, u64)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = places(&report)
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    assert_eq!(at, expected);
    assert_eq!(doc["runs"][0]["invocations"][0]["exitCode"], 3);
}

/// The samples under a name with every character the commands escape.
fn hostile_copy(dir: &Path) -> String {
    let file = dir.join("a,b:c%d.jsonl");
    std::fs::copy(EVENTS, &file).unwrap();
    std::fs::copy(
        "samples/consent-settings.json",
        dir.join("consent-settings.json"),
    )
    .unwrap();
    file.to_str().unwrap().to_owned()
}

#[test]
#[ignore = "needs Node.js and GitHub's Actions toolkit: npm ci --prefix tests/clients"]
fn github_commands_are_the_ones_the_actions_toolkit_writes() {
    let dir = tempfile::tempdir().unwrap();
    let file = hostile_copy(dir.path());
    let ours = check(&["--format", "github", "--policy", POLICY, &file]);
    assert_eq!(ours.status.code(), Some(3));
    let json = check(&["--format", "json", "--policy", POLICY, &file]);
    let toolkit = formats::toolkit_commands(&json.stdout);
    let ours = text(&ours.stdout);
    let (places, verdict) = ours.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(format!("{places}\n"), toolkit);
    assert!(places.contains("file=") && places.contains("a%2Cb%3Ac%25d.jsonl"));
    assert!(verdict.starts_with("::error title=consent-inspector check::63 events"));
}

#[test]
fn json_totals_match_the_text_report_and_the_exit_status() {
    let report = json_report(&[]);
    assert_eq!(report["events"], 63);
    assert_eq!(report["verdict"], "policy_broken");
    assert_eq!(report["exit"], 3);
    let o = check(&["--policy", POLICY, EVENTS]);
    let out = text(&o.stdout);
    let totals = format!(
        "63 events: {} not ingested, {} ingested with warnings",
        report["not_ingested"], report["warned"]
    );
    assert!(out.contains(&totals), "{out}");
    for c in report["codes"].as_array().unwrap() {
        let head = format!("{} ({}):", c["code"].as_str().unwrap(), c["count"]);
        assert!(out.contains(&head), "{head} missing from\n{out}");
    }
    // Without the policy, the same events fail on ingestion alone: exit 1.
    let o = check(&["--format", "json", EVENTS]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (doc["verdict"].as_str(), doc.get("policy")),
        (Some("not_ingested"), None)
    );
}

#[test]
fn summary_keeps_every_count_and_three_places_of_each() {
    let full = json_report(&[]);
    let summary = json_report(&["--summary"]);
    let groups = |r: &Value| -> Vec<(u64, usize)> {
        let mut g: Vec<&Value> = r["codes"].as_array().unwrap().iter().collect();
        g.extend(r["policy"]["rules"].as_array().unwrap());
        g.iter()
            .map(|g| {
                (
                    g["count"].as_u64().unwrap(),
                    g["places"].as_array().unwrap().len(),
                )
            })
            .collect()
    };
    let (f, s) = (groups(&full), groups(&summary));
    assert_eq!(f.len(), s.len());
    assert!(f.iter().any(|&(count, _)| count > 3));
    for (&(count, all), &(same, kept)) in f.iter().zip(&s) {
        assert_eq!((count, all as u64), (same, count));
        assert_eq!(kept, all.min(3));
    }
    let text = text(&check(&["--summary", "--policy", POLICY, EVENTS]).stdout);
    assert!(text.contains("… and 27 more (without --summary, every place is listed)"));
}

#[test]
fn exit_status_is_0_clean_1_not_ingested_3_policy_and_2_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.jsonl");
    std::fs::write(
        &clean,
        "{\"type\":\"track\",\"event\":\"A\",\"userId\":\"u\",\"messageId\":\"m1\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"context\":{\"consent\":{\"categoryPreferences\":{\"C0002\":true,\"C0004\":true}}}}\n",
    )
    .unwrap();
    std::fs::copy(
        "samples/consent-settings.json",
        dir.path().join("consent-settings.json"),
    )
    .unwrap();
    let clean = clean.to_str().unwrap();
    assert_eq!(check(&[clean]).status.code(), Some(0));
    assert_eq!(check(&["--policy", POLICY, clean]).status.code(), Some(0));
    assert_eq!(check(&[EVENTS]).status.code(), Some(1));
    assert_eq!(check(&["--policy", POLICY, EVENTS]).status.code(), Some(3));
    let o = check(&["--policy", "no-such-policy.toml", EVENTS]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no-such-policy.toml: cannot read"));
    // Documented where people look.
    let help = text(&bin().args(["check", "--help"]).output().unwrap().stdout);
    for line in [
        "0  done",
        "1  check:",
        "2  the command could not run",
        "3  check --policy",
    ] {
        assert!(help.contains(line), "{line} missing from check --help");
    }
}

#[test]
fn policy_mistakes_name_the_file_line_and_what_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "never = [\n  { destination = \"facebook conversions api\" },\n]\n",
            ":2:19: no destination \"facebook conversions api\" in the settings (did you mean \"Facebook Conversions API\"?)",
        ),
        (
            "never = [\n  { reason = \"no_consent\" },\n  { reson = \"x\" },\n]\n",
            ":3:5: unknown field `reson`",
        ),
        (
            "never = [{ reason = \"nope\" }]\n",
            ":1:21: unknown reason \"nope\"; known: not_ingested,",
        ),
        (
            "never = [{ reason = \"not_consentd\" }]\n",
            ":1:21: unknown reason \"not_consentd\" (did you mean \"not_consented\" or \"no_consent\"?)",
        ),
        (
            "never = [{ destination = \"Braz\" }]\n",
            ":1:26: no destination \"Braz\" in the settings (did you mean \"Braze\"?)",
        ),
        (
            "never = [{ value = false }]\n",
            ":1:10: value needs a category",
        ),
        (
            "never = [{ category = \"C9\" }]\n",
            ":1:23: no category \"C9\" in the settings (known: C0001,",
        ),
        ("never = [{}]\n", ":1:10: a rule needs at least one of"),
        (
            "never = [{ category = \"C0002\", value = 1 }]\n",
            ":1:40: value must be true, false or \"missing\"",
        ),
        ("nevr = []\n", ":1:1: unknown field `nevr`"),
    ];
    for (i, (toml, expected)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("p{i}.toml"));
        std::fs::write(&file, toml).unwrap();
        let o = check(&["--policy", file.to_str().unwrap(), EVENTS]);
        assert_eq!(o.status.code(), Some(2), "{toml}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("p{i}.toml{expected}")),
            "{toml}: {err}"
        );
        assert!(
            o.stdout.is_empty(),
            "nothing is reported from a broken policy"
        );
    }
}

#[test]
fn policy_rules_match_on_every_fact_they_name() {
    let dir = tempfile::tempdir().unwrap();
    // Amazon S3 is mapped to C0004 but does not enforce consent: a user who declined
    // Targeting still reaches it (reason not_enforced).
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "never = [\n  { mode = \"cloud\", reason = \"not_enforced\", value = false, category = \"C0004\", destination = \"Amazon S3\" },\n  { discard = \"FILTERED_BY_INTEGRATIONS_OBJECT\" },\n  { decision = \"block\", category = \"C0004\", value = \"missing\", destination = \"Webhooks\" },\n]\n",
    )
    .unwrap();
    let o = check(&[
        "--format",
        "json",
        "--policy",
        file.to_str().unwrap(),
        EVENTS,
    ]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = doc["policy"]["rules"].as_array().unwrap();
    // The rule text is canonical: its keys in one order, whatever order they were written in.
    assert_eq!(
        rules[0]["never"],
        "destination = \"Amazon S3\", category = \"C0004\", value = false, reason = \"not_enforced\", mode = \"cloud\""
    );
    assert!(rules[0]["count"].as_u64().unwrap() > 0);
    for p in rules[0]["places"].as_array().unwrap() {
        assert_eq!(p["message"], "Amazon S3: deliver (not_enforced)");
    }
    assert!(rules[1]["count"].as_u64().unwrap() > 0);
    for p in rules[1]["places"].as_array().unwrap() {
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .ends_with("block (integrations_object, FILTERED_BY_INTEGRATIONS_OBJECT)"),
            "{p}"
        );
    }
    // Webhooks is mapped to no category: a rule on C0004 never matches it.
    assert_eq!(rules[2]["count"], 0);
}

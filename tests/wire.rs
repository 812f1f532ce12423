//! What actually went out, on pages a real browser recorded (tests/clients/wire-pages.js:
//! Debian's Chromium, real analytics.js and consent-tools, a banner writing OneTrust's cookies,
//! device-mode plugins calling Facebook's and Google's hosts, resolved to a local stand-in).
//! The recorded HARs are kept in tests/wire, with the workspace the pages load
//! (consent-settings.json, found beside them); each page plants faults, and `check` in every
//! format, `route` and `explain` must report each with its time and the consent in force, and
//! nothing on the clean page. The ignored test records the pages afresh in Chromium and holds
//! the new captures to the same.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_consent-inspector");

/// Each page and the wire findings it plants, by code and count.
const PAGES: &[(&str, &[(&str, usize)])] = &[
    ("clean", &[]),
    ("pixel-before-consent", &[("wire_before_consent", 1)]),
    // The withdrawal's own preference event reaches gtag too, and its auto event after it:
    // both say gcs=G111.
    (
        "ga-after-withdrawal",
        &[("consent_mode_granted", 2), ("wire_after_withdrawal", 2)],
    ),
    // Google's hits follow the cookie (Targeting denied), the stamp grants it.
    (
        "cookie-mismatch",
        &[("banner_mismatch", 1), ("consent_mode_denied", 2)],
    ),
    ("gpc", &[("gpc_granted", 1)]),
];

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn har(dir: &Path, page: &str) -> String {
    dir.join(format!("{page}.har")).to_str().unwrap().to_owned()
}

/// `check --format json`'s wire codes and their counts.
fn wire_codes(doc: &Value) -> BTreeMap<String, usize> {
    let wire = [
        "wire_without_consent",
        "wire_before_consent",
        "wire_after_withdrawal",
        "consent_mode_granted",
        "consent_mode_denied",
        "consent_mode_race",
        "banner_mismatch",
        "banner_unrecorded",
        "gpc_granted",
    ];
    doc["codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| wire.contains(&c["code"].as_str().unwrap()))
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

/// `route`'s wire records of a capture.
fn wire_records(capture: &str, settings: &str) -> Vec<Value> {
    let o = run(&["route", "--settings", settings, capture]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"].as_str().is_some_and(|k| k.starts_with("wire")))
        .collect()
}

/// Holds the captures in `dir` to the planted faults: `check` in every format, `route`'s
/// records (each fault with its time and the consent in force) and `explain`.
fn holds_the_pages_to_their_faults(dir: &Path) {
    let settings = "tests/wire/consent-settings.json";
    for (page, planted) in PAGES {
        let capture = har(dir, page);
        let o = run(&[
            "check",
            "--settings",
            settings,
            "--format",
            "json",
            &capture,
        ]);
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        let want: BTreeMap<String, usize> =
            planted.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect();
        assert_eq!(wire_codes(&doc), want, "{page}: {doc:#}");
        // No other finding but the one the engine predicts from the events alone: GA4, loaded
        // with the page, keeps receiving events after the withdrawal (what the wire shows).
        let warned = u64::from(*page == "ga-after-withdrawal");
        assert_eq!(doc["warned"], warned, "{page}: {doc:#}");
        if warned == 1 {
            assert!(
                doc.to_string().contains("device_mode_after_withdrawal"),
                "{doc:#}"
            );
        }
        let fails = planted
            .iter()
            .any(|(c, _)| !matches!(*c, "consent_mode_denied" | "consent_mode_race"));
        assert_eq!(o.status.code(), Some(i32::from(fails)), "{page}");
        for format in ["text", "junit", "sarif", "github"] {
            let o = run(&[
                "check",
                "--settings",
                settings,
                "--format",
                format,
                &capture,
            ]);
            let text = String::from_utf8(o.stdout).unwrap();
            assert_eq!(o.status.code(), Some(i32::from(fails)), "{page} {format}");
            for (code, _) in *planted {
                assert!(text.contains(code), "{page} {format}: no {code}\n{text}");
            }
            if planted.is_empty() && format != "junit" {
                assert!(!text.contains("HAR entry"), "{page} {format}: {text}");
            }
        }
    }
    planted_faults_have_their_time_and_consent(dir, settings);
}

/// Each planted fault, in `route`'s records and `explain`, with its time and the consent in
/// force when it went out.
fn planted_faults_have_their_time_and_consent(dir: &Path, settings: &str) {
    let clean = wire_records(&har(dir, "clean"), settings);
    assert!(
        clean.iter().all(|r| r["kind"] == "wire"
            && r["verdict"] == "with_consent"
            && r["issues"].as_array().unwrap().is_empty()),
        "{clean:#?}"
    );
    assert_eq!(clean.len(), 4, "two pixels and two Google hits: {clean:#?}");

    let pixel = wire_records(&har(dir, "pixel-before-consent"), settings);
    let fired = &pixel[0];
    assert_eq!(fired["vendor"], "Facebook Pixel");
    assert_eq!(fired["verdict"], "before_consent");
    assert!(fired["time"].as_str().is_some());
    assert_eq!(fired["consent"]["categoryPreferences"]["C0004"], false);
    assert_eq!(fired["banner"]["answered"], false);
    let summary = pixel.iter().find(|r| r["kind"] == "wire_summary").unwrap();
    assert_eq!(summary["beforeChoice"][0]["destination"], "Facebook Pixel");
    assert_eq!(summary["beforeChoice"][0]["requests"], 1);

    let ga = wire_records(&har(dir, "ga-after-withdrawal"), settings);
    let auto = ga
        .iter()
        .find(|r| r["url"].as_str().unwrap().contains("en=user_engagement"))
        .unwrap();
    assert_eq!(auto["verdict"], "after_withdrawal");
    assert_eq!(auto["consentMode"]["gcs"], "G111");
    assert_eq!(auto["consent"]["categoryPreferences"]["C0002"], false);
    assert_eq!(
        auto["consent"]["event"],
        "track \"Segment Consent Preference Updated\""
    );
    assert!(auto["time"].as_str().is_some());
    let line = auto["line"].as_u64().unwrap().to_string();
    let o = run(&[
        "explain",
        "--settings",
        settings,
        "--line",
        &line,
        &har(dir, "ga-after-withdrawal"),
    ]);
    let said = String::from_utf8(o.stdout).unwrap();
    assert!(said.contains("Verdict: sent after withdrawal"), "{said}");
    assert!(said.contains("gcs=G111"), "{said}");
    assert!(said.contains("error consent_mode_granted"), "{said}");

    let mismatch = wire_records(&har(dir, "cookie-mismatch"), settings);
    let finding = mismatch
        .iter()
        .find(|r| r["kind"] == "wire_finding")
        .unwrap();
    assert_eq!(finding["code"], "banner_mismatch");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("stamped C0004=true while the banner's cookie"),
        "{finding}"
    );
    let gpc = wire_records(&har(dir, "gpc"), settings);
    let finding = gpc.iter().find(|r| r["kind"] == "wire_finding").unwrap();
    assert_eq!(finding["code"], "gpc_granted");
    assert!(finding["time"].as_str().is_some());
}

#[test]
fn the_recorded_pages_yield_their_planted_faults_and_the_clean_page_nothing() {
    holds_the_pages_to_their_faults(Path::new("tests/wire"));
}

#[test]
fn a_policy_names_a_wire_code() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "never = [{ wire = \"wire_before_consent\", destination = \"Facebook Pixel\", why = \"no pixel before the banner\" }]\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let o = run(&[
        "check",
        "--policy",
        policy,
        "tests/wire/pixel-before-consent.har",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(
        text.contains("wire = \"wire_before_consent\", destination = \"Facebook Pixel\""),
        "{text}"
    );
    // The clean page breaks nothing.
    let o = run(&["check", "--policy", policy, "tests/wire/clean.har"]);
    assert_eq!(o.status.code(), Some(0));
    // A wire rule takes no route's facts.
    std::fs::write(
        dir.path().join("bad.toml"),
        "never = [{ wire = \"gpc_granted\", decision = \"deliver\" }]\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        "--policy",
        dir.path().join("bad.toml").to_str().unwrap(),
        "tests/wire/gpc.har",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("beside wire it takes only destination"));
}

#[test]
#[ignore = "needs Chromium (apt-get install chromium) and playwright-core (npm ci --prefix tests/clients); .ci/run installs both and runs it"]
fn chromium_records_the_pages_and_each_planted_fault_is_found() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "needs Chromium: apt-get install chromium"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("node")
        .args([
            "tests/clients/wire-pages.js",
            "tests/wire/consent-settings.json",
            dir.path().to_str().unwrap(),
        ])
        .env("NODE_PATH", common::needs::node_path())
        .output()
        .expect("needs Node and playwright-core: npm ci --prefix tests/clients");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    holds_the_pages_to_their_faults(dir.path());
}

/// `check`'s wire findings as the CI servers' own readers read them: `junitparser` from `PyPI`
/// for `JUnit`, the SARIF 2.1.0 schema and Microsoft's SARIF Multitool (npm) for SARIF, GitHub's
/// Actions toolkit (npm) for workflow commands.
#[test]
#[ignore = "needs junitparser, jsonschema (pip install -r tests/clients/requirements.txt), Node.js, the SARIF Multitool and the Actions toolkit (npm ci --prefix tests/clients); .ci/run installs them"]
fn the_wire_findings_are_read_by_the_formats_own_readers() {
    use common::formats;
    let capture = "tests/wire/ga-after-withdrawal.har";
    let dir = tempfile::tempdir().unwrap();
    let run_format = |format: &str| {
        let o = run(&["check", "--format", format, capture]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        let file = dir.path().join(format!("check.{format}"));
        std::fs::write(&file, &o.stdout).unwrap();
        (o.stdout, file)
    };

    // JUnit: a failing case per wire error code, with each place in its text.
    let (_, xml) = run_format("junit");
    let read = formats::junit(&xml);
    let cases = read["suites"][0]["cases"].as_array().unwrap();
    for code in ["wire_after_withdrawal", "consent_mode_granted"] {
        let case = cases.iter().find(|c| c["name"] == code).unwrap();
        assert_eq!(case["results"][0]["kind"], "Failure", "{case}");
        assert_eq!(
            case["results"][0]["text"].as_str().unwrap().lines().count(),
            2
        );
    }
    // A wire code that found nothing is a passing case: the run says what it checked.
    let clean = cases.iter().find(|c| c["name"] == "gpc_granted").unwrap();
    assert!(clean["results"].as_array().unwrap().is_empty());

    // SARIF: the schema, strictly, then the Multitool's own rules; a result at each place.
    let (sarif_out, sarif) = run_format("sarif");
    let problems = formats::sarif_problems(&sarif);
    assert!(problems.is_empty(), "{problems:#?}");
    let doc: Value = serde_json::from_slice(&sarif_out).unwrap();
    let lines: Vec<u64> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(lines.contains(&7643) && lines.contains(&8019), "{lines:?}");

    // Workflow commands: the ones GitHub's toolkit writes for the same report.
    let json = run(&["check", "--format", "json", capture]);
    let toolkit = formats::toolkit_commands(&json.stdout);
    let (github, _) = run_format("github");
    let ours = String::from_utf8(github).unwrap();
    let (places, _) = ours.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(format!("{places}\n"), toolkit);
    assert!(places.contains("title=wire_after_withdrawal"), "{places}");
}

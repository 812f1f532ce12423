//! The report formats' own readers, as the tests run them: `junitparser` (`PyPI`) for `JUnit`,
//! the SARIF 2.1.0 schema (`jsonschema`, `PyPI`) and Microsoft's SARIF Multitool (npm) for
//! SARIF, GitHub's Actions toolkit (npm) for workflow commands. Each fails the test, saying
//! how to install it, when its reader is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::needs::{NPM, PIP, need};

fn clients() -> PathBuf {
    std::fs::canonicalize("tests/clients").unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A `JUnit` file as `junitparser` reads it (`tests/clients/formats.py`).
pub fn junit(xml: &Path) -> Value {
    need(
        "junitparser",
        "python3",
        &["-c", "import junitparser"],
        &[],
        PIP,
    );
    let parsed = Command::new("python3")
        .arg(clients().join("formats.py"))
        .args(["junit", xml.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{}", text(&parsed.stderr));
    serde_json::from_slice(&parsed.stdout).unwrap()
}

/// What is wrong with a SARIF file: the schema's errors, strictly (the Multitool reads some
/// schema violations as nothing at all), then the Multitool's own rules for well-made SARIF,
/// each as `ruleId message`. SARIF2005 asks for the tool's web page (`informationUri`), which
/// the tool has none of to give (the Multitool spells its message id
/// "ProvideToolnformationUri"): it is not counted.
pub fn sarif_problems(sarif: &Path) -> Vec<String> {
    let multitool = clients().join("node_modules/.bin/sarif-multitool");
    let schema = clients().join("node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json");
    assert!(
        multitool.exists() && schema.exists(),
        "this test needs Microsoft's SARIF Multitool, which is not installed: {NPM}"
    );
    need(
        "jsonschema",
        "python3",
        &["-c", "import jsonschema"],
        &[],
        PIP,
    );
    let v = Command::new("python3")
        .arg(clients().join("formats.py"))
        .args(["sarif", sarif.to_str().unwrap(), schema.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", text(&v.stderr));
    let schema_errors: Vec<Value> = serde_json::from_slice(&v.stdout).unwrap();
    let mut out: Vec<String> = schema_errors
        .iter()
        .map(|e| format!("schema: {e}"))
        .collect();
    let log = sarif.with_extension("validation.sarif");
    let m = Command::new(&multitool)
        .arg("validate")
        .arg(sarif)
        .arg("-j")
        .arg(&schema)
        .arg("-o")
        .arg(&log)
        .output()
        .unwrap();
    assert!(m.status.success(), "{}", text(&m.stdout));
    let validation: Value = serde_json::from_slice(&std::fs::read(&log).unwrap()).unwrap();
    out.extend(
        validation["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["ruleId"], r["message"]))
            .filter(|f| !(f.contains("SARIF2005") && f.contains("ProvideToolnformationUri"))),
    );
    out
}

/// The workflow commands GitHub's Actions toolkit writes for `check --format json`'s report
/// (`tests/clients/github.mjs`).
pub fn toolkit_commands(json_report: &[u8]) -> String {
    let toolkit = clients().join("node_modules/@actions/core");
    need("Node.js", "node", &["--version"], &[], NPM);
    assert!(
        toolkit.exists(),
        "this test needs GitHub's Actions toolkit, which is not installed: {NPM}"
    );
    let mut node = Command::new("node")
        .arg(clients().join("github.mjs"))
        .current_dir(clients())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut node.stdin.take().unwrap(), json_report).unwrap();
    let written = node.wait_with_output().unwrap();
    assert!(written.status.success(), "{}", text(&written.stderr));
    text(&written.stdout)
}

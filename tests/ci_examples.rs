//! The CI examples of docs/ci.md work: each YAML file parses (`PyYAML`: a test ignored
//! by a plain `cargo test`, run by `.ci/run`) and has the shape its CI server reads, and every `consent-inspector` command in them runs on
//! the samples, laid out as the examples expect, with the result the page promises.

use std::path::Path;
use std::process::Command;

mod common;

use common::needs::{PIP, need};

/// The YAML block after `marker` in docs/ci.md.
fn block(readme: &str, marker: &str) -> String {
    let from = readme
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in docs/ci.md"));
    let start = readme[from..].find("```yaml\n").unwrap() + from + "```yaml\n".len();
    let end = readme[start..].find("```").unwrap() + start;
    readme[start..end].to_owned()
}

/// The `consent-inspector` command lines of a block, as the shell would run them.
fn commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .map(str::trim)
        .map(|l| l.trim_start_matches("- ").trim_start_matches("run: "))
        .filter(|l| l.starts_with("consent-inspector "))
        .map(str::to_owned)
        .collect()
}

/// A project laid out as the examples assume: settings, policy, captures.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "samples/consent-settings.json",
        dir.path().join("consent-settings.json"),
    )
    .unwrap();
    std::fs::copy(
        "samples/policy.toml",
        dir.path().join("consent-policy.toml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("captures")).unwrap();
    std::fs::copy(
        "samples/events.jsonl",
        dir.path().join("captures/events.jsonl"),
    )
    .unwrap();
    dir
}

fn sh(dir: &Path, command: &str) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", dir)
        .output()
        .unwrap()
}

/// Parses YAML with `PyYAML` and prints it as JSON; None when `PyYAML` is not installed.
/// The CI examples are YAML the CI systems read: parsed here with `PyYAML`.
#[test]
#[ignore = "needs PyYAML: pip install -r tests/clients/requirements.txt"]
fn the_ci_examples_parse_as_yaml_with_their_keys_in_place() {
    need("PyYAML", "python3", &["-c", "import yaml"], &[], PIP);
    let readme = std::fs::read_to_string("docs/ci.md").unwrap();
    let doc = yaml_to_json(&block(&readme, "**GitHub Actions**"));
    let steps = doc["jobs"]["check"]["steps"].as_array().unwrap();
    let uploads = steps
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        })
        .count();
    assert_eq!(uploads, 1);
    assert_eq!(
        doc["jobs"]["check"]["permissions"]["security-events"],
        "write"
    );
    let doc = yaml_to_json(&block(&readme, "**GitLab CI**"));
    let job = &doc["consent"];
    assert_eq!(job["artifacts"]["reports"]["junit"], "consent-junit.xml");
    assert_eq!(job["artifacts"]["when"], "always");
}

fn yaml_to_json(yaml: &str) -> serde_json::Value {
    let script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), yaml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the YAML does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_github_actions_example_runs_and_fails_the_job_on_the_samples() {
    let readme = std::fs::read_to_string("docs/ci.md").unwrap();
    let yaml = block(&readme, "**GitHub Actions**");
    let commands = commands(&yaml);
    assert_eq!(commands.len(), 2, "{commands:?}");
    let dir = project();
    let annotations = sh(dir.path(), &commands[0]);
    assert_eq!(annotations.status.code(), Some(3), "the step fails the job");
    let out = String::from_utf8(annotations.stdout).unwrap();
    assert!(out.contains("::error title=invalid_json,file=captures/events.jsonl,line=33::"));
    let sarif = sh(dir.path(), &commands[1]);
    assert_eq!(
        sarif.status.code(),
        Some(0),
        "`|| true` keeps the upload going"
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("consent.sarif")).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn the_gitlab_ci_example_runs_and_leaves_a_junit_report() {
    let readme = std::fs::read_to_string("docs/ci.md").unwrap();
    let yaml = block(&readme, "**GitLab CI**");
    let commands = commands(&yaml);
    assert_eq!(commands.len(), 2, "{commands:?}");
    let dir = project();
    let script = sh(dir.path(), &commands[0]);
    assert_eq!(script.status.code(), Some(3), "the script fails the job");
    let out = String::from_utf8(script.stdout).unwrap();
    assert!(out.ends_with("FAIL: the policy was broken\n"), "{out}");
    let junit = sh(dir.path(), &commands[1]);
    assert_eq!(junit.status.code(), Some(0));
    let xml = std::fs::read_to_string(dir.path().join("consent-junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<testsuite name=\"validation\""));
}

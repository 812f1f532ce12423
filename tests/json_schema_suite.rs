//! Protocols validates tracking-plan rules as JSON Schema draft-07 (segment-docs
//! `protocols/tracking-plan/create.md`). The validator we compile them with
//! (`workspace::protocols::options`) is held here to the official `JSON-Schema-Test-Suite` for
//! that draft, vendored in `tests/json-schema-test-suite/` (from the `jsonschema` 4.26.0 sdist
//! on `PyPI`, folder `json/`; MIT, see its LICENSE). Remote references (`refRemote.json`) are
//! answered from the suite's `remotes/`, as the suite asks (`http://localhost:1234/...`), by
//! a retriever of this test: the tool itself never fetches one.
//!
//! Every case must pass, the optional ones (`optional/`) included: the tool checks formats,
//! and the crate's `idna` feature is on for `idn-hostname` and `idn-email`.

use std::fs;
use std::path::{Path, PathBuf};

use consent_inspector::workspace::protocols;
use jsonschema::{Retrieve, Uri};
use serde_json::Value;

const SUITE: &str = "tests/json-schema-test-suite";

struct Remotes;

impl Retrieve for Remotes {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let rest = s
            .strip_prefix("http://localhost:1234/")
            .ok_or_else(|| format!("the suite only serves http://localhost:1234/, not {s}"))?;
        let path = Path::new(SUITE).join("remotes").join(rest);
        Ok(serde_json::from_slice(&fs::read(&path)?)?)
    }
}

/// The suite's files under `dir`, with its subfolders when `deep`.
fn files(dir: &Path, deep: bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if deep {
                files(&p, deep, out);
            }
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// Runs every case under `dir`; returns the failing ones and how many ran.
fn run(dir: &Path, deep: bool) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    files(dir, deep, &mut all);
    let mut failed = Vec::new();
    let mut ran = 0;
    for file in all {
        let name = file.strip_prefix(dir).unwrap().display().to_string();
        let groups: Vec<Value> = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
        for group in groups {
            let what = group["description"].as_str().unwrap();
            let compiled = protocols::options()
                .with_retriever(Remotes)
                .build(&group["schema"]);
            for case in group["tests"].as_array().unwrap() {
                ran += 1;
                let label = format!("{name}: {what} / {}", case["description"].as_str().unwrap());
                let want = case["valid"].as_bool().unwrap();
                match &compiled {
                    Ok(v) if v.is_valid(&case["data"]) == want => {}
                    Ok(_) => failed.push(format!("{label}: expected valid={want}")),
                    Err(e) => failed.push(format!("{label}: the schema does not compile: {e}")),
                }
            }
        }
    }
    (failed, ran)
}

/// Every case under `dir` passes, and there are at least `at_least` of them (the suite is
/// there).
fn all_pass(dir: &str, deep: bool, at_least: usize) {
    let (failed, ran) = run(&Path::new(SUITE).join(dir), deep);
    assert!(
        ran >= at_least,
        "only {ran} cases found in {dir}: is the suite vendored?"
    );
    assert!(
        failed.is_empty(),
        "{} of {ran} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn draft7_required_cases_all_pass() {
    all_pass("tests/draft7", false, 800);
}

#[test]
fn draft7_optional_cases_all_pass() {
    all_pass("tests/draft7/optional", true, 500);
}

/// The tool never fetches a remote reference: a rule that needs one does not compile, and
/// says so, rather than reaching the network while it reads a capture.
#[test]
fn remote_references_are_not_fetched() {
    let schema = serde_json::json!({"$ref": "http://localhost:1234/integer.json"});
    let err = protocols::compile(&schema).unwrap_err();
    assert!(err.contains("localhost:1234/integer.json"), "{err}");
}

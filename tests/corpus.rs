//! The corpus of bad inputs (`tests/corpus/`): each file's findings, as the real binary reports
//! them, equal the reviewed `.expected` file beside it; every non-blank line is accounted for;
//! nothing from the input reaches the output as a raw control character.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/corpus")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonl" | "har")
            )
        })
        .collect();
    files.sort();
    files
}

fn route(file: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args([
            "route",
            "--settings",
            "samples/consent-settings.json",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("output is UTF-8");
    for c in text.chars() {
        assert!(
            c == '\n' || !consent_inspector::text::is_unsafe(c),
            "{}: raw {c:?} in output",
            file.display()
        );
    }
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One line per record, then one per finding: what a reviewer reads.
fn summary(rows: &[Value]) -> String {
    let mut s = String::new();
    for r in rows {
        let at = match r["index"].as_u64() {
            Some(i) => format!("{}[{i}]", r["line"]),
            None => r["line"].to_string(),
        };
        let verdict = if r["ingested"] == true {
            "ingested"
        } else {
            "NOT INGESTED"
        };
        s += &format!("{at} {verdict} type={} userId={}\n", r["type"], r["userId"]);
        for i in r["issues"].as_array().unwrap() {
            let path = i["path"]
                .as_str()
                .map(|p| format!(" {p}"))
                .unwrap_or_default();
            s += &format!(
                "    {} {}{path}: {}\n",
                i["severity"].as_str().unwrap(),
                i["code"].as_str().unwrap(),
                i["message"].as_str().unwrap()
            );
        }
    }
    s
}

#[test]
fn every_bad_input_gets_its_expected_clear_finding() {
    let files = corpus();
    assert!(files.len() >= 14, "the corpus is all there");
    for file in files {
        let got = summary(&route(&file));
        let expected = file.with_extension(format!(
            "{}.expected",
            file.extension().unwrap().to_str().unwrap()
        ));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&expected, &got).unwrap();
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_default();
        assert!(
            want == got,
            "{} differs from {}:\n{got}",
            file.display(),
            expected.display()
        );
    }
}

#[test]
fn every_non_blank_line_is_accounted_for() {
    for file in corpus()
        .into_iter()
        .filter(|p| p.extension().unwrap() == "jsonl")
    {
        let bytes = std::fs::read(&file).unwrap();
        let non_blank: Vec<u64> = bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let mut seen: Vec<u64> = route(&file)
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect();
        seen.dedup();
        assert_eq!(seen, non_blank, "{}", file.display());
    }
}

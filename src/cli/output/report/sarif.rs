//! `check --format sarif`: SARIF 2.1.0, which code-scanning views (GitHub's among them) show
//! as alerts on the file and line. A rule per finding code and per policy rule; a result per
//! place.

use std::io::{self, Write};

use crate::text::printable;
use serde_json::{Value, json};

use super::{Group, Report};

pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for (code, group) in &r.codes {
        let level = if r.fails(*code) { "error" } else { "warning" };
        rules.push(json!({
            "id": code.name,
            "shortDescription": { "text": sentence(code.about) },
            "defaultConfiguration": { "level": level },
        }));
        add_results(&mut results, rules.len() - 1, code.name, level, group);
    }
    if let Some((_, p)) = &r.policy {
        for rule in &p.rules {
            let id = format!("policy/{}", rule.line);
            let mut about = format!("Never {} ({}:{})", rule.text, printable(&p.file), rule.line);
            if let Some(why) = &rule.why {
                about.push_str(&format!(": {}", printable(why)));
            }
            rules.push(json!({
                "id": id,
                "shortDescription": { "text": sentence(&about) },
                "defaultConfiguration": { "level": "error" },
            }));
            add_results(&mut results, rules.len() - 1, &id, "error", &rule.group);
        }
    }
    let verdict = r.verdict();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "consent-inspector",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "exitCode": verdict.exit() as u8,
                "toolExecutionNotifications": [{
                    "level": "note",
                    "message": { "text": sentence(&format!("{}; {}", r.totals(), verdict.sentence())) },
                }],
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn add_results(results: &mut Vec<Value>, index: usize, id: &str, level: &str, group: &Group) {
    results.extend(group.places.iter().map(|p| {
        let mut result = json!({
            "ruleId": id,
            "ruleIndex": index,
            "level": level,
            "message": { "text": sentence(&p.described()) },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": uri(&p.origin.file) },
                "region": { "startLine": p.origin.line },
            }}],
        });
        if let Some(i) = p.origin.index {
            result["properties"] = json!({ "batchIndex": i });
        }
        result
    }));
}

/// SARIF asks for messages that are sentences.
fn sentence(s: &str) -> String {
    if s.ends_with('.') {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

/// A file name as a URI reference (RFC 3986): relative names stay relative to where the
/// check ran, absolute ones become `file://` URIs; anything but unreserved characters and `/`
/// is percent-encoded.
fn uri(file: &str) -> String {
    let mut s = String::new();
    if file.starts_with('/') {
        s.push_str("file://");
    }
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(super::uri("samples/a b.jsonl"), "samples/a%20b.jsonl");
        assert_eq!(super::uri("/tmp/x.jsonl"), "file:///tmp/x.jsonl");
        assert_eq!(super::uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(super::uri("é"), "%C3%A9");
    }
}

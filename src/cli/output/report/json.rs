//! `check --format json`: one document with the totals, the verdict and every code and rule
//! with its places; for scripts.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Group, Report};

pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let verdict = r.verdict();
    let codes: Vec<Value> = r
        .codes
        .iter()
        .map(|(code, g)| {
            json!({
                "code": code.name,
                "severity": code.severity.as_str(),
                "about": code.about,
                "fails": r.fails(*code),
                "count": g.count,
                "places": places(g),
            })
        })
        .collect();
    let mut doc = if let Some(settings) = &r.lint {
        json!({
            "settings": settings,
            "events": r.events,
            "verdict": verdict.as_str(),
            "exit": verdict.exit() as u8,
            "codes": codes,
        })
    } else {
        json!({
            "events": r.events,
            "not_ingested": r.not_ingested,
            "warned": r.warned,
            "verdict": verdict.as_str(),
            "exit": verdict.exit() as u8,
            "codes": codes,
        })
    };
    if let Some((_, p)) = &r.policy {
        doc["policy"] = json!({
            "file": p.file,
            "rules": p.rules.iter().map(|rule| json!({
                "line": rule.line,
                "never": rule.text,
                "why": rule.why,
                "count": rule.group.count,
                "places": places(&rule.group),
            })).collect::<Vec<_>>(),
        });
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn places(g: &Group) -> Vec<Value> {
    g.places
        .iter()
        .map(|p| {
            json!({
                "file": &*p.origin.file,
                "line": p.origin.line,
                "index": p.origin.index,
                "path": p.path,
                "message": p.message,
            })
        })
        .collect()
}

//! `profiles`: every profile once all inputs are read, as NDJSON or a grid.

use std::io::{self, Write};

use consent_inspector::profile::{ConsentState, IdentityId, Profiles};
use consent_inspector::settings::Workspace;
use consent_inspector::text::{printable, truncate, write_safe_json};
use serde_json::{Map, Value, json};

use super::Paint;

/// A profile's ids, first seen first, split as userIds and the rest.
fn ids(profiles: &Profiles, root: IdentityId) -> (Vec<IdentityId>, Vec<&str>, Vec<&str>) {
    let mut members = profiles.profile(root).members.clone();
    members.sort_unstable();
    let (users, anons) = members
        .iter()
        .partition::<Vec<IdentityId>, _>(|m| profiles.is_user_id(**m));
    let names = |v: Vec<IdentityId>| v.into_iter().map(|m| profiles.name(m)).collect();
    (members, names(users), names(anons))
}

fn state_json(s: ConsentState) -> Value {
    match s {
        ConsentState::Granted => Value::Bool(true),
        ConsentState::Denied => Value::Bool(false),
        ConsentState::Conflict => Value::from("conflict"),
        ConsentState::NeverCollected => Value::Null,
    }
}

/// One JSON object per profile, in order of first appearance.
pub fn write_ndjson(out: &mut dyn Write, ws: &Workspace, profiles: &Profiles) -> io::Result<()> {
    for root in profiles.in_order() {
        let p = profiles.profile(root);
        let (members, users, anons) = ids(profiles, root);
        let consent = p.consent.as_ref().map_or(Value::Null, |states| {
            let map: Map<String, Value> = ws
                .categories
                .iter()
                .zip(states)
                .map(|(c, s)| (c.id.clone(), state_json(*s)))
                .collect();
            Value::Object(map)
        });
        let history: Vec<Value> = p
            .history
            .iter()
            .map(|h| {
                json!({"file": &*h.file, "line": h.line, "index": h.index,
                       "timestamp": h.timestamp.as_deref(), "change": h.describe(ws)})
            })
            .collect();
        let all: Vec<&str> = members.iter().map(|m| profiles.name(*m)).collect();
        let record = json!({"ids": all, "userIds": users, "anonymousIds": anons,
                            "consent": consent, "events": p.events,
                            "historyDropped": p.history_dropped, "history": history});
        write_safe_json(&mut *out, &record, false).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const ID_WIDTH: usize = 36;

/// A grid: one row per profile, one column per category, then the last change.
pub fn write_table(
    out: &mut dyn Write,
    ws: &Workspace,
    profiles: &Profiles,
    paint: Paint,
) -> io::Result<()> {
    let widths: Vec<usize> = ws
        .categories
        .iter()
        .map(|c| c.id.chars().count().max(8))
        .collect();
    let mut head = format!("{:<ID_WIDTH$} {:>6}", "PROFILE (ids)", "EVENTS");
    for (c, w) in ws.categories.iter().zip(&widths) {
        head += &format!(" {:<w$}", truncate(&printable(&c.id), *w));
    }
    head += " LAST CHANGE";
    writeln!(out, "{}", paint.bold(&head))?;
    let order = profiles.in_order();
    for &root in &order {
        let p = profiles.profile(root);
        let (members, _, _) = ids(profiles, root);
        let all: Vec<String> = members
            .iter()
            .map(|m| printable(profiles.name(*m)).into_owned())
            .collect();
        let mut row = format!(
            "{:<ID_WIDTH$} {:>6}",
            truncate(&all.join(", "), ID_WIDTH),
            p.events
        );
        for (i, w) in widths.iter().enumerate() {
            let state = p
                .consent
                .as_ref()
                .map_or(ConsentState::NeverCollected, |s| s[i]);
            let cell = format!("{:<w$}", mark(state));
            row.push(' ');
            row += &match state {
                ConsentState::Granted => paint.green(&cell),
                ConsentState::Denied => paint.red(&cell),
                ConsentState::Conflict => paint.yellow(&cell),
                ConsentState::NeverCollected => cell,
            };
        }
        if let Some(h) = p.history.last() {
            let at = match h.index {
                Some(i) => format!("{}:{}[{i}]", printable(&h.file), h.line),
                None => format!("{}:{}", printable(&h.file), h.line),
            };
            row += &format!(" {at} {}", h.describe(ws));
        }
        writeln!(out, "{}", row.trim_end())?;
    }
    writeln!(
        out,
        "\n{} profiles   ✓ true   ✗ false   ≠ conflict   · never collected",
        order.len()
    )
}

fn mark(s: ConsentState) -> &'static str {
    match s {
        ConsentState::Granted => "✓",
        ConsentState::Denied => "✗",
        ConsentState::Conflict => "≠",
        ConsentState::NeverCollected => "·",
    }
}

//! `profiles` as a grid (the NDJSON contract is `crate::analyses::ndjson::write_profiles`).

use std::io::{self, Write};

use crate::engine::profile::{ConsentState, Profiles};
use crate::text::{printable, truncate};
use crate::workspace::Workspace;

use super::Paint;

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
        let (members, _, _) = crate::analyses::ndjson::profile_ids(profiles, root);
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
        if let Some(h) = p.history.back() {
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

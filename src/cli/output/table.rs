//! A table for people: one row per event, one column per destination.

use std::io::{self, Write};

use crate::engine::{Engine, Outcome};
use crate::read::event::Field;
use crate::rules::finding::Severity;
use crate::rules::verdict::{Block, Decision, Mode};
use crate::text::{printable, truncate_middle};
use crate::workspace::Workspace;

use super::Paint;
use super::report::counted;

pub(super) const EVENT_WIDTH: usize = 30;
pub(super) const USER_WIDTH: usize = 14;
const STATUS_WIDTH: usize = 12;
const INTEGRATIONS: &str = "✗ integrations";
const DUPLICATE: &str = "✗ duplicate";
const FILTERED: &str = "✗ filter";
const NO_MAPPING: &str = "✗ no mapping";
const AT_SOURCE: &str = "✗ at source";
const PLAN_FILTER: &str = "✗ plan filter";
const UNSUPPORTED: &str = "✗ type";
const NOT_LOADED: &str = "✗ not loaded";
const ON_DEVICE: &str = "✗ on device";
const SUPPRESSED: &str = "✗ suppressed";
const DISABLED: &str = "✗ disabled";
/// An uncertain route: a step the settings do not describe decides.
const UNCERTAIN: &str = "?";
/// Appended to a device-mode route: the browser sends it, not Segment.
const DEVICE: &str = " ⇢";

pub struct Table {
    paint: Paint,
    /// Whose rules decided: the legend speaks of them.
    vendor: crate::workspace::dialect::Dialect,
    widths: Vec<usize>,
    events: u64,
    not_ingested: u64,
    warned: u64,
    blocked_routes: u64,
    uncertain_routes: u64,
    /// What made them uncertain: each unknown step's wire word, and how many routes met it.
    unknowns: std::collections::BTreeMap<&'static str, u64>,
}

impl Table {
    pub fn new(ws: &Workspace, color: bool) -> Self {
        // Wide enough for the name (up to a point) and for the longest cell the destination
        // can get: every enabled category it needs, listed as blocking.
        let widths = (0..ws.destinations.len())
            .map(|d| {
                let ids: Vec<&str> = ws.destinations[d]
                    .categories
                    .iter()
                    .filter(|&&c| ws.category(c).enabled)
                    .map(|&c| ws.category(c).id.as_str())
                    .collect();
                let worst = 2 + ids.join(",").chars().count();
                let name = ws.destinations[d].name.chars().count().min(24);
                name.max(worst + DEVICE.chars().count())
                    .max(INTEGRATIONS.chars().count() + DEVICE.chars().count())
            })
            .collect();
        Self {
            paint: Paint(color),
            vendor: ws.dialect(),
            widths,
            events: 0,
            not_ingested: 0,
            warned: 0,
            blocked_routes: 0,
            uncertain_routes: 0,
            unknowns: std::collections::BTreeMap::new(),
        }
    }
}

/// `s` cut or padded to exactly `width` characters.
/// `s` in exactly `width` terminal columns: cut with … where wider (wide CJK characters and
/// emoji take two columns), padded with spaces where narrower.
pub(super) fn cell(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= width {
        return format!("{s}{}", " ".repeat(width - s.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out + &" ".repeat(width.saturating_sub(used))
}

impl Table {
    /// Writes one outcome's rows (the header before the first).
    pub fn outcome(&mut self, out: &mut dyn Write, engine: &Engine, o: &Outcome) -> io::Result<()> {
        let ws = engine.workspace();
        if self.events == 0 {
            let mut head = format!(
                "{} {} {} {}",
                cell("LINE", 8),
                cell("EVENT", EVENT_WIDTH),
                cell("USER", USER_WIDTH),
                cell("STATUS", STATUS_WIDTH)
            );
            for (d, w) in ws.destinations.iter().zip(&self.widths) {
                head.push(' ');
                head += &cell(&printable(&d.name), *w);
            }
            writeln!(out, "{}", self.paint.bold(head.trim_end()))?;
        }
        self.events += 1;
        let p = self.paint;
        let (line, what, user) = row_head(o);
        let errors: Vec<&str> = o
            .findings
            .iter()
            .filter(|f| f.severity() == Severity::Error)
            .map(|f| f.code.as_str())
            .collect();
        let warnings = o.findings.len() - errors.len();
        let status = if !errors.is_empty() {
            self.not_ingested += 1;
            p.red(&cell("NOT INGESTED", STATUS_WIDTH))
        } else if warnings > 0 {
            self.warned += 1;
            let s = if warnings == 1 {
                "1 warning".to_owned()
            } else {
                format!("{warnings} warnings")
            };
            p.yellow(&cell(&s, STATUS_WIDTH))
        } else {
            cell("ok", STATUS_WIDTH)
        };
        let mut row = format!(
            "{} {} {} {status}",
            cell(&line, 8),
            cell(&printable(&what), EVENT_WIDTH),
            cell(&printable(&user), USER_WIDTH)
        );
        if !errors.is_empty() {
            // Every route is blocked as not ingested: say why instead.
            self.blocked_routes += o.routes.len() as u64;
            row.push(' ');
            row += &p.red(&errors.join(", "));
            return writeln!(out, "{row}");
        }
        for (r, w) in o.routes.iter().zip(&self.widths) {
            row.push(' ');
            let device = if r.mode == Mode::Device { DEVICE } else { "" };
            let text = match &r.decision {
                Decision::Deliver(_) => p.green(&cell(&format!("✓{device}"), *w)),
                Decision::Uncertain(_) => {
                    self.uncertain_routes += 1;
                    for u in &r.unknown {
                        *self.unknowns.entry(u.as_str()).or_default() += 1;
                    }
                    p.yellow(&cell(&format!("{UNCERTAIN}{device}"), *w))
                }
                Decision::Block(b) => {
                    self.blocked_routes += 1;
                    let s = blocked_cell(ws, &r.decision, b);
                    p.red(&cell(&format!("{s}{device}"), *w))
                }
            };
            row += &text;
        }
        writeln!(out, "{}", row.trim_end())
    }

    /// Writes the totals.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        // Why routes remain uncertain: what is unknown, and how many routes it leaves so.
        let why = if self.unknowns.is_empty() {
            String::new()
        } else {
            let each: Vec<String> = self
                .unknowns
                .iter()
                .map(|(what, n)| format!("{what} {n}"))
                .collect();
            format!(
                " ({}; explain says what would make them known)",
                each.join(", ")
            )
        };
        writeln!(
            out,
            "\n{}: {} not ingested, {} with warnings, {}, {}{why}",
            counted(self.events, "event"),
            self.not_ingested,
            self.warned,
            counted(self.blocked_routes, "blocked route"),
            counted(self.uncertain_routes, "uncertain route")
        )?;
        let legend = crate::rules::dialect::chain(self.vendor).legend;
        writeln!(out, "{legend}")
    }
}

/// What a blocked route's cell says.
fn blocked_cell(ws: &Workspace, decision: &Decision, b: &Block) -> String {
    match b {
        // Rows not ingested were written above; kept for completeness.
        Block::NotIngested => "—".to_owned(),
        Block::Duplicate => DUPLICATE.to_owned(),
        Block::NotConsented { .. } | Block::ConsentDenied { .. } => {
            let ids: Vec<_> = decision
                .blocking_categories()
                .into_iter()
                .map(|c| printable(&ws.category(c).id).into_owned())
                .collect();
            format!("✗ {}", ids.join(","))
        }
        Block::IntegrationsObject { .. } | Block::Integrations(_) => INTEGRATIONS.to_owned(),
        Block::DestinationFilter { .. } => FILTERED.to_owned(),
        Block::NoMappingMatched { .. } => NO_MAPPING.to_owned(),
        Block::FilteredAtSource { .. } => AT_SOURCE.to_owned(),
        Block::SchemaIntegrationFilter { .. } => PLAN_FILTER.to_owned(),
        Block::UnsupportedEventType { .. } => UNSUPPORTED.to_owned(),
        Block::NotLoaded { .. } => NOT_LOADED.to_owned(),
        Block::BlockedOnDevice { .. } => ON_DEVICE.to_owned(),
        Block::Suppressed => SUPPRESSED.to_owned(),
        Block::Disabled => DISABLED.to_owned(),
    }
}

/// The line (`32[2]` for a batch element), what the event is and whose, as a row starts.
pub(super) fn row_head(o: &Outcome) -> (String, String, String) {
    let line = match o.origin.index {
        Some(i) => format!("{}[{i}]", o.origin.line),
        None => o.origin.line.to_string(),
    };
    let ev = o.event();
    let what = ev.map_or(String::new(), |e| {
        let t = e.get(Field::Type);
        let t = t.as_ref().and_then(|t| t.as_str()).unwrap_or("?");
        match e.label() {
            // Cut in the middle: the end tells names apart that share a long start
            // (the Consent Preference event and its legacy name).
            Some(n) => format!(
                "{t} {}",
                truncate_middle(&n, EVENT_WIDTH.saturating_sub(t.chars().count() + 1))
            ),
            None => t.to_owned(),
        }
    });
    let user = ev
        .and_then(crate::read::event::Doc::identity)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    (line, what, user)
}

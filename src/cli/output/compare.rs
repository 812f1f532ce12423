//! `route --compare`: per event and destination, Segment's verdict beside RudderStack's, as
//! NDJSON or a table, and the disagreements counted.

use std::io::{self, Write};

use crate::analyses::compare::{Pairing, Sides, Tally};
use crate::engine::Outcome;
use crate::read::event::Field;
use crate::rules::verdict::Route;
use crate::text::printable;
use serde_json::{Value, json};

use super::Paint;
use super::report::counted;
use super::table::{EVENT_WIDTH, USER_WIDTH, cell, row_head};

/// One record's line: the event, each side's ingestion, and per destination both routes.
pub fn ndjson(pairing: &Pairing, seg: &Outcome, rud: &Outcome, sides: &[Sides<'_>]) -> Value {
    let ev = seg.event().or(rud.event());
    let field = |f: Field| {
        ev.and_then(|e| e.get(f))
            .map_or(Value::Null, |v| v.to_value())
    };
    let side = |o: &Outcome| {
        json!({
            "ingested": o.ingested(),
            "issues": o.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
        })
    };
    let route = |o: &Outcome, r: Option<&Route>| {
        r.map_or(Value::Null, |r| {
            json!({
                "decision": r.decision.verb(),
                "reason": r.decision.reason(),
                "mode": r.mode.as_str(),
                "discard": o.discard(r),
            })
        })
    };
    let routes: Vec<Value> = pairing
        .pairs
        .iter()
        .zip(sides)
        .map(|(p, s)| {
            json!({
                "destination": p.name,
                "agreement": s.agreement().as_str(),
                "segment": route(seg, s.segment),
                "rudderstack": route(rud, s.rudderstack),
            })
        })
        .collect();
    json!({
        "file": &*seg.origin.file,
        "line": seg.origin.line,
        "index": seg.origin.index,
        "type": field(Field::Type),
        "event": field(Field::Event),
        "userId": field(Field::UserId),
        "anonymousId": field(Field::AnonymousId),
        "messageId": field(Field::MessageId),
        "segment": side(seg),
        "rudderstack": side(rud),
        "disagreements": sides.iter().filter(|s| s.agreement().disagrees()).count(),
        "routes": routes,
    })
}

/// The table: a row per event, a column per destination with Segment's mark then
/// RudderStack's (`✓ ✗`), disagreements marked `≠`.
pub struct Table {
    paint: Paint,
    widths: Vec<usize>,
    header: bool,
}

impl Table {
    pub fn new(pairing: &Pairing, color: bool) -> Self {
        let widths = pairing
            .pairs
            .iter()
            .map(|p| p.name.chars().count().clamp(7, 24))
            .collect();
        Self {
            paint: Paint(color),
            widths,
            header: false,
        }
    }

    pub fn row(
        &mut self,
        out: &mut dyn Write,
        pairing: &Pairing,
        seg: &Outcome,
        sides: &[Sides<'_>],
    ) -> io::Result<()> {
        let p = self.paint;
        if !self.header {
            self.header = true;
            let mut head = format!(
                "{} {} {}",
                cell("LINE", 8),
                cell("EVENT", EVENT_WIDTH),
                cell("USER", USER_WIDTH)
            );
            for (pair, w) in pairing.pairs.iter().zip(&self.widths) {
                head.push(' ');
                head += &cell(&printable(&pair.name), *w);
            }
            writeln!(out, "{}", p.bold(head.trim_end()))?;
        }
        let (line, what, user) = row_head(seg);
        let mut row = format!(
            "{} {} {}",
            cell(&line, 8),
            cell(&printable(&what), EVENT_WIDTH),
            cell(&printable(&user), USER_WIDTH)
        );
        for (s, w) in sides.iter().zip(&self.widths) {
            let mark = |r: Option<&Route>| match r {
                Some(r) if r.decision.delivered() => "✓",
                Some(r) if r.decision.may_deliver() => "?",
                Some(_) => "✗",
                None => "·",
            };
            let text = format!("{} {}", mark(s.segment), mark(s.rudderstack));
            row.push(' ');
            row += &match s.agreement() {
                a if a.disagrees() => p.yellow(&cell(&format!("{text} ≠"), *w)),
                _ => cell(&text, *w),
            };
        }
        writeln!(out, "{}", row.trim_end())
    }
}

/// The count of disagreements, per destination with the reasons behind them.
pub fn summary(out: &mut dyn Write, pairing: &Pairing, tally: &Tally) -> io::Result<()> {
    writeln!(
        out,
        "\n{}, {} with a disagreement; {} where Segment and RudderStack disagree",
        counted(tally.events, "event"),
        tally.events_with_disagreement,
        counted(tally.disagreements(), "route")
    )?;
    for (i, pair) in pairing.pairs.iter().enumerate() {
        let [_, seg_only, rud_only] = tally.counts[i];
        let name = printable(&pair.name);
        match (pair.segment, pair.rudderstack) {
            (Some(_), None) => writeln!(out, "  {name}: only in Segment's settings")?,
            (None, Some(_)) => writeln!(out, "  {name}: only in RudderStack's settings")?,
            _ if seg_only + rud_only == 0 => {}
            _ => {
                writeln!(
                    out,
                    "  {name}: {seg_only} delivered by Segment only, {rud_only} by RudderStack only"
                )?;
                for (a, b, n) in tally.reasons(i) {
                    writeln!(out, "    {n} × Segment {a}, RudderStack {b}")?;
                }
            }
        }
    }
    writeln!(
        out,
        "✓/✗ Segment's verdict, then RudderStack's   ≠ they disagree   · the destination is not in that vendor's settings"
    )
}

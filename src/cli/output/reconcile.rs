//! `reconcile`'s formats: a table for people, one JSON document, an HTML page with a chart
//! per row. Every string from the settings or the API is shown through `printable` (or
//! escaped for HTML).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::analyses::reconcile::{Reconciled, Row};
use crate::text::printable;
use crate::workspace::Workspace;

use super::diff::esc;

/// `1.00×`, or `—` when the tool predicts none.
fn ratio(row: &Row) -> String {
    row.ratio()
        .map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×"))
}

fn predicted(row: &Row) -> String {
    row.predicted
        .map_or_else(|| "—".to_owned(), |p| p.to_string())
}

/// Where the counts come from and how the capture compares, in sentences.
fn heading(r: &Reconciled, ws: &Workspace) -> Vec<String> {
    let o = &r.observed;
    let source = ws.snapshot.as_ref().map_or_else(
        || o.source_id.clone(),
        crate::workspace::snapshot::Snapshot::describe,
    );
    let mut lines = vec![
        format!(
            "Delivery Overview of {}, {} to {} ({} buckets)",
            printable(&source),
            printable(&o.start),
            printable(&o.end),
            printable(&o.granularity)
        ),
        format!(
            "capture: {} events in the window ({} outside it, {} Delivery Overview never counts: suppressed users, drops on the device)",
            r.predicted.events, r.predicted.outside, r.predicted.uncounted
        ),
    ];
    lines.push(match r.scale {
        Some(s) => format!(
            "Segment received {}, the capture predicts {}: scale {s:.2}× (each row is read against it; a row off by more than a tenth is a finding)",
            o.received, r.predicted.received
        ),
        None => "no scale: one side received nothing".to_owned(),
    });
    lines
}

pub fn table(r: &Reconciled, ws: &Workspace, out: &mut dyn Write) -> io::Result<()> {
    for l in heading(r, ws) {
        writeln!(out, "{l}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<24} {:<26} {:<32} {:>9} {:>9} {:>7}",
        "STEP", "DESTINATION", "REASON", "PREDICTED", "OBSERVED", "RATIO"
    )?;
    let mut findings = Vec::new();
    for row in &r.rows {
        let mark = if row.finding.is_some() {
            findings.push(row);
            format!(" [{}]", findings.len())
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:<24} {:<26} {:<32} {:>9} {:>9} {:>7}{mark}",
            row.stage.title(),
            printable(row.destination.as_deref().unwrap_or("—")),
            printable(row.reason.as_deref().unwrap_or("—")),
            predicted(row),
            row.observed,
            ratio(row)
        )?;
    }
    if !r.uncertain.is_empty() {
        writeln!(out)?;
        let each: Vec<String> = r
            .uncertain
            .iter()
            .map(|(n, c)| format!("{} {c}", printable(n)))
            .collect();
        writeln!(
            out,
            "uncertain routes (counted nowhere above; explain says what would make them known): {}",
            each.join(", ")
        )?;
    }
    writeln!(out)?;
    if findings.is_empty() {
        writeln!(out, "no findings: every row keeps to the capture's scale")?;
    }
    for (i, row) in findings.iter().enumerate() {
        if let Some(f) = &row.finding {
            writeln!(out, "[{}] {}", i + 1, printable(&f.explains))?;
            writeln!(out, "    look at: {}", printable(&f.look_at))?;
        }
    }
    Ok(())
}

/// The document `--format json` writes (and the HTML page carries).
pub fn document(r: &Reconciled, ws: &Workspace) -> Value {
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|row| {
            json!({
                "stage": row.stage.as_str(),
                "destination": row.destination,
                "reason": row.reason,
                "predicted": row.predicted,
                "observed": row.observed,
                "ratio": row.ratio(),
                "finding": row.finding.as_ref().map(|f| json!({"explains": f.explains, "lookAt": f.look_at})),
            })
        })
        .collect();
    json!({
        "source": ws.snapshot.as_ref().map(|s| json!(s.source)),
        "window": {"start": r.observed.start, "end": r.observed.end, "granularity": r.observed.granularity},
        "capture": {
            "events": r.predicted.events,
            "outside": r.predicted.outside,
            "uncounted": r.predicted.uncounted,
        },
        "scale": r.scale,
        "rows": rows,
        "uncertain": r.uncertain.iter().map(|(n, c)| json!({"destination": n, "routes": c})).collect::<Vec<_>>(),
        "observed": r.observed,
    })
}

pub fn json(r: &Reconciled, ws: &Workspace, out: &mut dyn Write) -> io::Result<()> {
    crate::text::write_safe_json(&mut *out, &document(r, ws), true)?;
    writeln!(out)
}

/// Two bars: the tool's count at the capture's scale (grey) and Segment's (blue).
fn bars(row: &Row, scale: f64, most: f64) -> String {
    const WIDTH: f64 = 260.0;
    let expected = row.predicted.map_or(0.0, |p| p as f64 * scale);
    let w = |n: f64| if most > 0.0 { WIDTH * n / most } else { 0.0 };
    format!(
        r##"<svg width="{}" height="26" role="img"><rect x="0" y="2" width="{:.1}" height="10" fill="#9e9e9e"><title>predicted at scale: {expected:.0}</title></rect><rect x="0" y="14" width="{:.1}" height="10" fill="#1565c0"><title>observed: {}</title></rect></svg>"##,
        WIDTH + 4.0,
        w(expected),
        w(row.observed as f64),
        row.observed
    )
}

pub fn html(r: &Reconciled, ws: &Workspace, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    h.push_str("<title>consent-inspector reconcile</title><style>body{font:14px system-ui,sans-serif;margin:2em;color:#212121;max-width:1400px}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}td:nth-child(-n+3),th:nth-child(-n+3){text-align:left}.finding{background:#fff3e0}.dim{color:#757575}td.why{text-align:left;max-width:460px;font-size:12px}td.why code{word-break:break-all;color:#424242}</style></head><body>\n");
    h.push_str("<h1>Predicted and observed</h1>");
    for l in heading(r, ws) {
        let _ = write!(h, "<p>{}</p>", esc(&l));
    }
    h.push_str("<p class=\"dim\">Each chart: the tool's count at the capture's scale (grey) and Segment's (blue).</p>");
    h.push_str("<table id=\"rows\"><tr><th>Step</th><th>Destination</th><th>Reason</th><th>Predicted</th><th>Observed</th><th>Ratio</th><th>Chart</th><th>Finding</th></tr>");
    let scale = r.scale.unwrap_or(1.0);
    let most = r
        .rows
        .iter()
        .map(|row| (row.observed as f64).max(row.predicted.map_or(0.0, |p| p as f64 * scale)))
        .fold(0.0, f64::max);
    for row in &r.rows {
        let finding = row.finding.as_ref().map_or_else(String::new, |f| {
            format!("{}<br><code>{}</code>", esc(&f.explains), esc(&f.look_at))
        });
        let _ = write!(
            h,
            r#"<tr data-stage="{}"{}><td>{}</td><td>{}</td><td>{}</td><td data-k="predicted">{}</td><td data-k="observed">{}</td><td data-k="ratio">{}</td><td>{}</td><td class="why">{finding}</td></tr>"#,
            row.stage.as_str(),
            if row.finding.is_some() {
                " class=\"finding\""
            } else {
                ""
            },
            esc(row.stage.title()),
            esc(row.destination.as_deref().unwrap_or("—")),
            esc(row.reason.as_deref().unwrap_or("—")),
            predicted(row),
            row.observed,
            ratio(row),
            bars(row, scale, most),
        );
    }
    h.push_str("</table>");
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"reconcile-json\">{}</script>",
        serde_json::to_string(&document(r, ws))
            .unwrap_or_default()
            .replace('<', "\\u003c")
    );
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())
}

//! `diff`'s summaries: a table for people, one JSON document for scripts, and one
//! self-contained HTML page (inline SVG charts, no script, nothing fetched) to attach to a
//! pull request. All three are drawn from the same `Diff`.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::analyses::diff::{ChangeKind, Count, Diff, Totals};
use crate::text::printable;

use super::Paint;
use super::report::Verdict;
use crate::cli::FailOn;

/// Where each side's settings came from, as a line.
fn sides(diff: &Diff) -> String {
    format!(
        "{} ({}) → {} ({})",
        printable(&diff.old.origin),
        diff.old.consent_model.as_str(),
        printable(&diff.new.origin),
        diff.new.consent_model.as_str()
    )
}

fn kind_label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::NewlyDelivered => "newly delivered",
        ChangeKind::NewlyBlocked => "newly blocked",
        ChangeKind::ReasonChanged => "other reason",
    }
}

pub fn table(diff: &Diff, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Paint(color);
    writeln!(out, "{}", p.bold(&format!("Settings: {}", sides(diff))))?;
    if diff.settings.is_empty() {
        writeln!(out, "  the two settings decide alike: nothing differs")?;
    }
    for (s, n) in diff.settings.iter().zip(&diff.explained) {
        writeln!(out, "  {:<60} {}", printable(&s.describe()), routes(*n))?;
    }
    if diff.unexplained > 0 {
        writeln!(
            out,
            "  {:<60} {}",
            "(no settings change explains: what the events did before differs)",
            routes(diff.unexplained)
        )?;
    }
    writeln!(out)?;
    let names: Vec<String> = diff
        .pairs
        .iter()
        .map(|p| printable(&p.name).into_owned())
        .collect();
    destinations(diff, &names, out, p)?;
    changes(diff, &names, out, p)?;
    writeln!(
        out,
        "\n{}: {} changed in {} ({} newly delivered, {} newly blocked, {} for another reason)",
        plural(diff.events, "event"),
        plural(diff.routes_changed(), "route"),
        plural(diff.events_changed, "event"),
        diff.total(ChangeKind::NewlyDelivered),
        diff.total(ChangeKind::NewlyBlocked),
        diff.total(ChangeKind::ReasonChanged)
    )
}

/// A row per destination: its counts of each kind of change.
fn destinations(diff: &Diff, names: &[String], out: &mut dyn Write, p: Paint) -> io::Result<()> {
    let w = names.iter().map(|n| n.width()).max().unwrap_or(0).max(11);
    writeln!(
        out,
        "{}",
        p.bold(&format!(
            "{:<w$}  {:>15}  {:>15}  {:>15}  {:>9}",
            "DESTINATION", "NEWLY DELIVERED", "NEWLY BLOCKED", "OTHER REASON", "UNCHANGED"
        ))
    )?;
    let cell = |c: &Count| {
        if c.events == 0 {
            "·".to_owned()
        } else {
            format!("{} ({})", c.events, plural(c.users() as u64, "user"))
        }
    };
    for (name, t) in names.iter().zip(&diff.totals) {
        let pad = " ".repeat(w - name.width());
        let row = format!(
            "{name}{pad}  {:>15}  {:>15}  {:>15}  {:>9}",
            cell(&t.newly_delivered),
            cell(&t.newly_blocked),
            cell(&t.reason_changed),
            t.unchanged
        );
        writeln!(
            out,
            "{}",
            if t.changed() > 0 {
                row
            } else {
                p.paint("2", &row)
            }
        )?;
    }
    Ok(())
}

/// Each destination's changes by reason, and the users each newly reaches or loses.
fn changes(diff: &Diff, names: &[String], out: &mut dyn Write, p: Paint) -> io::Result<()> {
    let mut any = false;
    for (name, t) in names.iter().zip(&diff.totals) {
        for ((kind, from, to), n) in &t.transitions {
            if !any {
                writeln!(out, "\n{}", p.bold("Changes, by reason before → after"))?;
                any = true;
            }
            writeln!(
                out,
                "  {name}: {} {from} → {to}  {}",
                transition_label(*kind, from, to),
                routes(*n)
            )?;
        }
        for kind in [ChangeKind::NewlyDelivered, ChangeKind::NewlyBlocked] {
            let c = t.count(kind);
            if c.sample.is_empty() {
                continue;
            }
            let shown: Vec<String> = c.sample.iter().map(|u| printable(u).into_owned()).collect();
            let more = c.users().saturating_sub(shown.len());
            writeln!(
                out,
                "    {} users: {}{}",
                kind_label(kind),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
    }
    Ok(())
}

/// What a transition is; a consent block by other categories is said so.
fn transition_label(kind: ChangeKind, from: &str, to: &str) -> &'static str {
    if kind == ChangeKind::ReasonChanged && from == to {
        "other categories"
    } else {
        kind_label(kind)
    }
}

fn routes(n: u64) -> String {
    plural(n, "route")
}

/// "1 user", "2 users".
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn count(c: &Count) -> Value {
    json!({"events": c.events, "users": c.users(), "someUsers": c.sample})
}

fn destination(name: &str, t: &Totals) -> Value {
    json!({
        "destination": name,
        "newlyDelivered": count(&t.newly_delivered),
        "newlyBlocked": count(&t.newly_blocked),
        "reasonChanged": count(&t.reason_changed),
        "unchanged": t.unchanged,
        "before": Totals::by_reason(&t.before),
        "after": Totals::by_reason(&t.after),
        "transitions": t.transitions.iter().map(|((k, from, to), n)| json!({
            "change": k.as_str(), "from": from, "to": to, "routes": n,
        })).collect::<Vec<_>>(),
    })
}

/// The whole comparison as one value: what `--format json` prints and the HTML page shows.
pub fn document(diff: &Diff, fail_on: Option<FailOn>, verdict: Verdict) -> Value {
    let side = |ws: &crate::workspace::Workspace| json!({"settings": ws.origin, "consentModel": ws.consent_model.as_str()});
    json!({
        "old": side(&diff.old),
        "new": side(&diff.new),
        "events": diff.events,
        "eventsChanged": diff.events_changed,
        "routesChanged": diff.routes_changed(),
        "newlyDelivered": diff.total(ChangeKind::NewlyDelivered),
        "newlyBlocked": diff.total(ChangeKind::NewlyBlocked),
        "reasonChanged": diff.total(ChangeKind::ReasonChanged),
        "settingsChanges": diff.settings.iter().zip(&diff.explained).map(|(s, n)| json!({
            "change": s.as_str(), "describe": s.describe(), "routes": n,
        })).collect::<Vec<_>>(),
        "unexplained": diff.unexplained,
        "destinations": diff.pairs.iter().zip(&diff.totals)
            .map(|(p, t)| destination(&p.name, t)).collect::<Vec<_>>(),
        "failOn": fail_on.map(|f| match f {
            FailOn::Delivered => "delivered",
            FailOn::Blocked => "blocked",
            FailOn::Any => "any",
        }),
        "verdict": verdict.as_str(),
        "exit": verdict.exit() as u8,
    })
}

pub fn json(
    diff: &Diff,
    fail_on: Option<FailOn>,
    verdict: Verdict,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = document(diff, fail_on, verdict);
    crate::text::write_safe_json(&mut *out, &doc, true)?;
    writeln!(out)
}

/// Text for HTML: every character that could end the text or start markup, escaped.
pub(super) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if crate::text::is_unsafe(c) => {
                let _ = write!(o, "&#x{:x};", u32::from(c));
            }
            c => o.push(c),
        }
    }
    o
}

/// The reasons of a delivery.
const DELIVERIES: [&str; 6] = [
    "consent_preference_event",
    "no_consent",
    "not_enforced",
    "unmapped",
    "consented",
    "loaded_at_page_load",
];

/// A reason's colour in the charts: greens and blue-greens for deliveries, warm colours for
/// blocks; any two are far apart in lightness or hue (a test holds them to a CIELAB distance),
/// since two close greens read as one.
fn colour(reason: &str) -> &'static str {
    match reason {
        "consented" => "#1b5e20",
        "consent_preference_event" => "#43a047",
        "no_consent" => "#aed581",
        "unmapped" => "#00838f",
        "not_enforced" => "#80deea",
        "loaded_at_page_load" => "#827717",
        "not_consented" => "#c62828",
        "integrations_object" | "schema_integration_filter" => "#ef6c00",
        "filtered_at_source" => "#1a237e",
        "destination_filter" | "no_mapping_matched" => "#8e24aa",
        "unsupported_event_type" => "#f9a825",
        "duplicate" => "#6d4c41",
        "not_ingested" => "#757575",
        _ => "#bdbdbd",
    }
}

/// The sRGB colour `#rrggbb` in CIELAB (D65): lightness, then the two colour axes.
fn lab(hex: &str) -> [f64; 3] {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (red, green, blue) = (channel(1), channel(3), channel(5));
    // Linear RGB to XYZ, each over the white point's.
    let xw = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.950_47;
    let yw = 0.2126 * red + 0.7152 * green + 0.0722 * blue;
    let zw = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.088_83;
    let curve = |t: f64| {
        if t > 0.008_856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (curve(xw), curve(yw), curve(zw));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// Text that reads on `background`: dark on a light colour, white on a dark one.
fn ink(background: &str) -> &'static str {
    // Halfway in lightness between the dark text (13) and white (100).
    if lab(background)[0] > 56.5 {
        "#212121"
    } else {
        "#ffffff"
    }
}

/// The chart in each row: the two bars after their labels, then the line over time
/// (`CHART_WIDTH` holds them: 50 + 240 + 16 + 120, and a margin).
const CHART_WIDTH: u32 = 440;
const BAR_WIDTH: f64 = 240.0;
const SPARK_X: f64 = 50.0 + BAR_WIDTH + 16.0;
const SPARK_WIDTH: f64 = 120.0;

/// One stacked bar of a side's routes by reason, `BAR_WIDTH` pixels for `total` routes.
fn bar(
    svg: &mut String,
    y: u32,
    label: &str,
    by_reason: &std::collections::BTreeMap<&str, u64>,
    total: u64,
) {
    let _ = write!(
        svg,
        r#"<text x="0" y="{}" class="side">{label}</text>"#,
        y + 12
    );
    let mut x = 50.0;
    // Deliveries first, then blocks: the green part is what flows.
    let mut parts: Vec<(&&str, &u64)> = by_reason.iter().collect();
    parts.sort_by_key(|(r, _)| !DELIVERIES.contains(r));
    for (reason, n) in parts {
        let w = if total == 0 {
            0.0
        } else {
            BAR_WIDTH * (*n as f64) / (total as f64)
        };
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="16" fill="{}"><title>{}: {n}</title></rect>"#,
            colour(reason),
            esc(reason)
        );
        x += w;
    }
}

/// Delivered routes over time, before (grey) and after (blue), as two polylines.
fn sparkline(svg: &mut String, diff: &Diff, pair: usize) {
    let points: Vec<[u32; 2]> = diff.timeline.buckets.values().map(|v| v[pair]).collect();
    let most = points
        .iter()
        .flat_map(|p| p.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let n = points.len().max(2) - 1;
    for (side, stroke) in [(0, "#9e9e9e"), (1, "#1565c0")] {
        let mut line = String::new();
        for (i, p) in points.iter().enumerate() {
            let x = SPARK_X + SPARK_WIDTH * i as f64 / n as f64;
            let y = 38.0 - 30.0 * f64::from(p[side]) / f64::from(most);
            let _ = write!(line, "{x:.1},{y:.1} ");
        }
        let _ = write!(
            svg,
            r#"<polyline points="{line}" fill="none" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }
}

/// The page: the totals, the settings changes, a chart row per destination, the table of
/// changes, and the JSON document itself (for anyone who wants the numbers).
pub fn html(diff: &Diff, doc: &Value, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    h.push_str("<title>consent-inspector diff</title><style>");
    // Made to fit a 1200 px window (tests/diff.rs measures it in Chromium): the legend wraps,
    // and the charts are narrow enough for the table beside them.
    h.push_str("body{font:14px system-ui,sans-serif;margin:2em;color:#212121;max-width:1400px}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #eee}th{font-weight:600;vertical-align:bottom}td:first-child,th:first-child{text-align:left}.side{font-size:11px}.dim{color:#757575}svg{display:block}h2{margin-top:1.5em}.legend{display:flex;flex-wrap:wrap;gap:4px}.legend span{padding:1px 6px;border-radius:3px;white-space:nowrap}");
    h.push_str("</style></head><body>\n");
    let _ = write!(h, "<h1>What would change</h1><p>{}</p>", esc(&sides(diff)));
    let _ = write!(
        h,
        r#"<p id="totals"><b data-k="events">{}</b> events: <b data-k="routesChanged">{}</b> routes changed in <b data-k="eventsChanged">{}</b> events: <b data-k="newlyDelivered">{}</b> newly delivered, <b data-k="newlyBlocked">{}</b> newly blocked, <b data-k="reasonChanged">{}</b> for another reason.</p>"#,
        diff.events,
        diff.routes_changed(),
        diff.events_changed,
        diff.total(ChangeKind::NewlyDelivered),
        diff.total(ChangeKind::NewlyBlocked),
        diff.total(ChangeKind::ReasonChanged)
    );
    h.push_str("<h2>Settings changes</h2><ul>");
    if diff.settings.is_empty() {
        h.push_str("<li>none: the two settings decide alike</li>");
    }
    for (s, n) in diff.settings.iter().zip(&diff.explained) {
        let _ = write!(
            h,
            "<li>{} <span class=\"dim\">({})</span></li>",
            esc(&s.describe()),
            routes(*n)
        );
    }
    h.push_str("</ul><h2>Per destination</h2>");
    h.push_str("<p class=\"dim\">Each bar: the routes by reason, before then after (green delivers); the line: routes delivered over time, before (grey) and after (blue).</p>");
    h.push_str("<p class=\"legend\">");
    for reason in crate::rules::verdict::REASONS {
        let _ = write!(
            h,
            "<span style=\"background:{};color:{}\">{reason}</span> ",
            colour(reason),
            ink(colour(reason))
        );
    }
    h.push_str("</p>");
    h.push_str("<table id=\"destinations\"><tr><th>Destination</th><th>Newly delivered</th><th>Users</th><th>Newly blocked</th><th>Users</th><th>Other reason</th><th>Unchanged</th><th>Routes</th></tr>");
    for (p, t) in diff.pairs.iter().zip(&diff.totals) {
        let (before, after) = (Totals::by_reason(&t.before), Totals::by_reason(&t.after));
        let most = t.before.iter().sum::<u64>().max(t.after.iter().sum());
        let mut svg = format!(r#"<svg width="{CHART_WIDTH}" height="44" role="img">"#);
        bar(&mut svg, 2, "before", &before, most);
        bar(&mut svg, 22, "after", &after, most);
        sparkline(
            &mut svg,
            diff,
            diff.pairs
                .iter()
                .position(|q| q.name == p.name)
                .unwrap_or(0),
        );
        svg.push_str("</svg>");
        let _ = write!(
            h,
            r#"<tr data-destination="{name}"><td>{name}</td><td data-k="newlyDelivered">{}</td><td data-k="newlyDeliveredUsers">{}</td><td data-k="newlyBlocked">{}</td><td data-k="newlyBlockedUsers">{}</td><td data-k="reasonChanged">{}</td><td data-k="unchanged">{}</td><td>{svg}</td></tr>"#,
            t.newly_delivered.events,
            t.newly_delivered.users(),
            t.newly_blocked.events,
            t.newly_blocked.users(),
            t.reason_changed.events,
            t.unchanged,
            name = esc(&p.name),
        );
    }
    h.push_str("</table><h2>Changes, by reason</h2><table id=\"changes\"><tr><th>Destination</th><th>Change</th><th>Before</th><th>After</th><th>Routes</th></tr>");
    for (p, t) in diff.pairs.iter().zip(&diff.totals) {
        for ((kind, from, to), n) in &t.transitions {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{from}</td><td>{to}</td><td>{n}</td></tr>",
                esc(&p.name),
                transition_label(*kind, from, to)
            );
        }
    }
    h.push_str("</table>");
    // The numbers as `--format json` gives them, for scripts reading the page.
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"diff-json\">{}</script>",
        serde_json::to_string(doc)
            .unwrap_or_default()
            .replace('<', "\\u003c")
    );
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 36: two greens of the page were hard to tell apart. Every two reasons' colours
    /// are at least 20 apart in CIELAB (CIE76), and each label's text reads on its colour.
    #[test]
    fn every_reason_s_colour_is_told_from_every_other() {
        let reasons = crate::rules::verdict::REASONS;
        let distinct: Vec<&str> = {
            let mut c: Vec<&str> = reasons.iter().map(|r| colour(r)).collect();
            c.sort_unstable();
            c.dedup();
            c
        };
        for (i, a) in distinct.iter().enumerate() {
            for b in &distinct[i + 1..] {
                let (p, q) = (lab(a), lab(b));
                let d =
                    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
                assert!(d >= 20.0, "{a} and {b} are {d:.1} apart");
            }
            let contrast = (lab(a)[0] - lab(ink(a))[0]).abs();
            assert!(
                contrast >= 40.0,
                "{a}: text {} differs by {contrast:.1}",
                ink(a)
            );
        }
        // Known values: white and black.
        assert!((lab("#ffffff")[0] - 100.0).abs() < 0.1);
        assert!(lab("#000000")[0].abs() < 0.1);
    }
}

//! The NDJSON contract: one object per event, field names fixed (docs/commands.md). Written by hand
//! from pieces prepared once per destination, because this is the hot path of `route`. The
//! library holds it so that `route` and the TUI's export write the same lines.

use std::io::{self, Write};

use crate::engine::Outcome;
use crate::engine::profile::{ConsentState, IdentityId, Profiles};
use crate::read::event::{Doc, Field, Raw};
use crate::rules::verdict::Dropped;
use crate::rules::verdict::{Block, Decision, Mode, PreferenceValue, REASONS, Route, Unknown};
use crate::text::{has_unsafe, is_unsafe, write_safe_json};
use crate::workspace::Workspace;
use serde_json::{Map, Value, json};

#[derive(Clone)]
pub struct Ndjson {
    buf: Vec<u8>,
    /// Per destination and reason, `{"destination":…,"decision":…,"reason":…`.
    routes: Vec<[Vec<u8>; REASONS.len()]>,
    /// `,"mode":"device","consentModel":…,"discard":`: a device route names the consent model
    /// its verdict assumed.
    device: Vec<u8>,
    /// Per category, `{"category":…,"name":…,"value":`.
    blocker_head: Vec<Vec<u8>>,
    /// Per destination and filter, `,"filter":{"title":…,"if":…,"why":`.
    filter_head: Vec<Vec<Vec<u8>>>,
    /// Per destination and mapping (then browser plugin subscription), its name as a JSON
    /// string.
    mapping_names: Vec<Vec<Vec<u8>>>,
    /// Per destination with a browser plugin, where its subscriptions start in
    /// `mapping_names`.
    plugin_at: Vec<Option<usize>>,
    /// Per destination, the `unknown` entries its routes can carry, written.
    unknowns: Vec<Vec<(Unknown, Vec<u8>)>>,
    /// Per category, its id (RudderStack's `consentIds`).
    category_ids: Vec<String>,
    /// Whether records carry `source` (the workspace's source has controls), and its
    /// Protocols, which say what the source did.
    source_stage: bool,
    protocols: Option<crate::workspace::protocols::Protocols>,
}

impl Ndjson {
    pub fn new(ws: &Workspace) -> Self {
        let routes = ws
            .destinations
            .iter()
            .map(|d| {
                // By `Decision::reason_index`: the reason's place in `REASONS`.
                std::array::from_fn(|i| {
                    let verb = Decision::verb_of(i);
                    let mut b = b"{\"destination\":".to_vec();
                    json_str(&mut b, &d.name);
                    b.extend_from_slice(
                        format!(",\"decision\":\"{verb}\",\"reason\":\"{}\"", REASONS[i])
                            .as_bytes(),
                    );
                    b
                })
            })
            .collect();
        let blocker_head = ws
            .categories
            .iter()
            .map(|c| {
                let mut b = b"{\"category\":".to_vec();
                json_str(&mut b, &c.id);
                b.extend_from_slice(b",\"name\":");
                json_str(&mut b, &c.name);
                b.extend_from_slice(b",\"value\":");
                b
            })
            .collect();
        // A vendor whose browser decides by a consent model names it (RudderStack's SDK has
        // none to name).
        let device = if crate::rules::dialect::chain(ws.dialect()).consent_model {
            format!(
                ",\"mode\":\"device\",\"consentModel\":\"{}\",\"discard\":",
                ws.consent_model.as_str()
            )
        } else {
            ",\"mode\":\"device\",\"discard\":".to_owned()
        }
        .into_bytes();
        let filter_head = ws
            .destinations
            .iter()
            .map(|d| {
                d.filters
                    .iter()
                    .map(|f| {
                        let mut b = b",\"filter\":{\"title\":".to_vec();
                        json_str(&mut b, &f.title);
                        b.extend_from_slice(b",\"if\":");
                        json_str(&mut b, &f.condition);
                        b.extend_from_slice(b",\"why\":");
                        b
                    })
                    .collect()
            })
            .collect();
        let mapping_names = ws
            .destinations
            .iter()
            .map(|d| {
                // Its mappings, then its browser plugin's subscriptions, as
                // `mappings::deciding` slices the trigger keys.
                d.mappings
                    .iter()
                    .flatten()
                    .chain(d.plugin.iter().flat_map(|p| &p.subscriptions))
                    .map(|m| {
                        let mut b = Vec::new();
                        json_str(&mut b, &m.name);
                        b
                    })
                    .collect()
            })
            .collect();
        let plugin_at = ws
            .destinations
            .iter()
            .map(|d| {
                d.plugin
                    .as_ref()
                    .map(|_| d.mappings.as_deref().map_or(0, <[_]>::len))
            })
            .collect();
        Self {
            buf: Vec::with_capacity(4096),
            routes,
            device,
            blocker_head,
            filter_head,
            mapping_names,
            plugin_at,
            unknowns: (0..ws.destinations.len())
                .map(|d| unknowns_of(ws, d))
                .collect(),
            category_ids: ws.categories.iter().map(|c| c.id.clone()).collect(),
            source_stage: crate::rules::dialect::chain(ws.dialect()).delivery_overview
                && (!ws.plan.is_empty() || ws.protocols.is_some()),
            protocols: ws.protocols.clone(),
        }
    }
}

/// A delivered Actions route's `mappings`: the names of those that fire.
fn mapping_field(b: &mut Vec<u8>, names: &[Vec<u8>], offset: usize, r: &Route) {
    if r.mappings.is_empty() {
        return;
    }
    let names = &names[offset..];
    b.extend_from_slice(b",\"mappings\":[");
    for (j, m) in r.mappings.iter().enumerate() {
        if j > 0 {
            b.push(b',');
        }
        b.extend_from_slice(&names[*m]);
    }
    b.push(b']');
}

/// An uncertain route's `deliverReason` (the reason it is delivered for, should the unknown
/// steps let it through: what a policy reads) and `unknown` (each step the settings do not
/// describe, what is unknown and what would make it known).
fn unknown_field(b: &mut Vec<u8>, known: &[(Unknown, Vec<u8>)], r: &Route) {
    let Decision::Uncertain(via) = r.decision else {
        return;
    };
    b.extend_from_slice(b",\"deliverReason\":\"");
    b.extend_from_slice(Decision::Deliver(via).reason().as_bytes());
    b.extend_from_slice(b"\",\"unknown\":[");
    for (j, u) in r.unknown.iter().enumerate() {
        if j > 0 {
            b.push(b',');
        }
        if let Some((_, bytes)) = known.iter().find(|(k, _)| k == u) {
            b.extend_from_slice(bytes);
        } else {
            // `unknown::possible` lists every unknown a step notes; should one be missing, the
            // entry still says what is unknown and how to know it.
            debug_assert!(false, "{u:?} is not in unknown::possible");
            unknown_object(b, u, u.as_str());
        }
    }
    b.push(b']');
}

/// One `unknown` entry: `{"what":…,"detail":…,"toKnow":…}`.
fn unknown_object(b: &mut Vec<u8>, u: &Unknown, detail: &str) {
    b.extend_from_slice(b"{\"what\":\"");
    b.extend_from_slice(u.as_str().as_bytes());
    b.extend_from_slice(b"\",\"detail\":");
    json_str(b, detail);
    b.extend_from_slice(b",\"toKnow\":");
    json_str(b, crate::rules::segment::unknown::to_know(u));
    b.push(b'}');
}

/// The unknown steps destination `d` can meet, each written once: a route's entries are
/// copied, not formatted again.
fn unknowns_of(ws: &Workspace, d: usize) -> Vec<(Unknown, Vec<u8>)> {
    crate::rules::segment::unknown::possible(ws, d)
        .into_iter()
        .map(|u| {
            let mut b = Vec::new();
            unknown_object(&mut b, &u, &crate::rules::segment::unknown::what(ws, d, &u));
            (u, b)
        })
        .collect()
}

/// A route's `filter` (why a destination filter dropped it) and `removed` (what the source
/// omits and its filters take out of what it receives), when it has them; `heads` are its
/// destination's filters'.
fn filter_fields(b: &mut Vec<u8>, heads: &[Vec<u8>], r: &Route) {
    if let Decision::Block(Block::DestinationFilter {
        filter, dropped, ..
    }) = &r.decision
    {
        b.extend_from_slice(&heads[*filter]);
        match dropped {
            Dropped::Matched => b.extend_from_slice(b"\"matched\"}"),
            Dropped::SampledOut { percent } => {
                b.extend_from_slice(b"\"sampled_out\",\"percent\":");
                b.extend_from_slice(Value::from(*percent).to_string().as_bytes());
                b.push(b'}');
            }
            Dropped::Unevaluable(why) => {
                b.extend_from_slice(b"\"unevaluable\",\"error\":");
                json_str(b, why);
                b.push(b'}');
            }
        }
    }
    let without = r.without();
    if !without.is_empty() {
        b.extend_from_slice(b",\"removed\":[");
        for (j, f) in without.iter().enumerate() {
            if j > 0 {
                b.push(b',');
            }
            json_str(b, f);
        }
        b.push(b']');
    }
}

/// Writes `s` as a JSON string, escaping what JSON needs and what `is_unsafe` flags.
pub fn json_str(b: &mut Vec<u8>, s: &str) {
    // Text as it stands (the common case, arrows in messages included) is copied.
    let plain = memchr::memchr2(b'"', b'\\', s.as_bytes()).is_none() && !has_unsafe(s);
    if plain {
        b.push(b'"');
        b.extend_from_slice(s.as_bytes());
        b.push(b'"');
    } else {
        let _ = write_safe_json(&mut *b, s, false);
    }
}

/// Nesting written at most (`serde_json` reads no deeper); a deeper value is written as `null`.
const MAX_DEPTH: usize = 128;

/// Writes a JSON value's text compactly, so that any JSON reader takes it and no terminal acts
/// on it: unsafe characters in strings become `\uXXXX`, numbers out of the range of a double
/// become strings of their digits, and a value nested deeper than `MAX_DEPTH` becomes `null`.
fn raw_json(b: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let start = b.len();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' => {
                i = raw_string(b, text, i);
                continue;
            }
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let token = &text[s..i];
                if token.parse::<f64>().is_ok_and(f64::is_finite) {
                    b.extend_from_slice(token.as_bytes());
                } else {
                    b.push(b'"');
                    b.extend_from_slice(token.as_bytes());
                    b.push(b'"');
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    b.truncate(start);
                    b.extend_from_slice(b"null");
                    return;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        b.push(c);
        i += 1;
    }
}

/// Copies the JSON string starting at `at` (its opening quote), escaping unsafe characters;
/// returns where it ends.
fn raw_string(b: &mut Vec<u8>, text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    b.push(b'"');
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let end = (i + 2).min(bytes.len());
                b.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            b'"' => {
                b.push(b'"');
                return i + 1;
            }
            c if c < 0x7f => {
                b.push(c);
                i += 1;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                if is_unsafe(ch) {
                    b.extend_from_slice(crate::text::json_escape(ch).as_bytes());
                } else {
                    let mut utf8 = [0u8; 4];
                    b.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                }
                i += ch.len_utf8();
            }
        }
    }
    i
}

fn value(b: &mut Vec<u8>, v: Option<Raw<'_>>) {
    match v {
        None => b.extend_from_slice(b"null"),
        Some(Raw::Str(s)) => json_str(b, &s),
        Some(Raw::Bool(true)) => b.extend_from_slice(b"true"),
        Some(Raw::Bool(false)) => b.extend_from_slice(b"false"),
        Some(Raw::Number(t) | Raw::Object(t) | Raw::Array(t)) => raw_json(b, t),
    }
}

fn number(b: &mut Vec<u8>, n: impl itoa::Integer) {
    b.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

impl Ndjson {
    /// Writes the line for one outcome.
    pub fn write(&mut self, out: &mut dyn Write, o: &Outcome) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.line(&mut buf, o);
        let written = out.write_all(&buf);
        self.buf = buf;
        written
    }

    /// One route as the record's `routes` hold it (`ingest_code`: the event's first error).
    pub fn route_into(&self, b: &mut Vec<u8>, ingest_code: Option<&str>, r: &Route) {
        b.extend_from_slice(&self.routes[r.destination][r.decision.reason_index()]);
        match (r.mode, r.mobile) {
            (Mode::Cloud, _) => b.extend_from_slice(b",\"mode\":\"cloud\",\"discard\":"),
            // A mobile library's plugin decided: it names the library, not a consent model.
            (Mode::Device, Some(lib)) => {
                b.extend_from_slice(b",\"mode\":\"device\",\"library\":\"");
                b.extend_from_slice(lib.as_str().as_bytes());
                b.extend_from_slice(b"\",\"discard\":");
            }
            (Mode::Device, None) => b.extend_from_slice(&self.device),
        }
        match crate::rules::dialect::discard(r, ingest_code) {
            Some(d) => json_str(b, d),
            None => b.extend_from_slice(b"null"),
        }
        match &r.decision {
            Decision::Block(Block::FilteredAtSource { control, setting }) => {
                b.extend_from_slice(b",\"stage\":\"source\",\"control\":\"");
                b.extend_from_slice(control.as_str().as_bytes());
                b.extend_from_slice(b"\",\"setting\":");
                json_str(b, setting);
            }
            Decision::Block(Block::SchemaIntegrationFilter { setting, .. }) => {
                b.extend_from_slice(b",\"setting\":");
                json_str(b, setting);
            }
            _ => {}
        }
        if let Decision::Block(Block::NotConsented { blocked_by }) = &r.decision {
            b.extend_from_slice(b",\"blockedBy\":[");
            for (j, bl) in blocked_by.iter().enumerate() {
                if j > 0 {
                    b.push(b',');
                }
                b.extend_from_slice(&self.blocker_head[bl.category as usize]);
                match &bl.value {
                    PreferenceValue::False => b.extend_from_slice(b"false"),
                    PreferenceValue::Missing => b.extend_from_slice(b"null"),
                    PreferenceValue::Other(json) => raw_json(b, json),
                }
                b.push(b'}');
            }
            b.push(b']');
        }
        if let Decision::Block(Block::ConsentDenied { rule, ids }) = &r.decision {
            b.extend_from_slice(b",\"rule\":\"");
            b.extend_from_slice(rule.as_str().as_bytes());
            b.extend_from_slice(b"\",\"consentIds\":[");
            for (j, &c) in ids.iter().enumerate() {
                if j > 0 {
                    b.push(b',');
                }
                json_str(b, &self.category_ids[c as usize]);
            }
            b.push(b']');
        }
        filter_fields(b, &self.filter_head[r.destination], r);
        let offset = match (self.plugin_at[r.destination], r.mode) {
            (Some(at), Mode::Device) => at,
            _ => 0,
        };
        mapping_field(b, &self.mapping_names[r.destination], offset, r);
        unknown_field(b, &self.unknowns[r.destination], r);
        b.push(b'}');
    }

    /// The record of `o`, with its newline, appended to `b`. Returns where in `b` its `issues`
    /// array closes: the findings a fold recalls go there (`Render::amend`).
    pub fn line(&self, b: &mut Vec<u8>, o: &Outcome) -> usize {
        #[cfg(debug_assertions)]
        let start = b.len();
        let ev = o.event();
        let field = |f: Field| ev.and_then(|e| e.get(f));
        b.extend_from_slice(b"{\"file\":");
        json_str(b, &o.origin.file);
        b.extend_from_slice(b",\"line\":");
        number(b, o.origin.line);
        b.extend_from_slice(b",\"index\":");
        match o.origin.index {
            Some(i) => number(b, i),
            None => b.extend_from_slice(b"null"),
        }
        for (key, f) in [
            (&b",\"type\":"[..], Field::Type),
            (b",\"event\":", Field::Event),
            (b",\"userId\":", Field::UserId),
            (b",\"anonymousId\":", Field::AnonymousId),
            (b",\"messageId\":", Field::MessageId),
        ] {
            b.extend_from_slice(key);
            value(b, field(f));
        }
        b.extend_from_slice(if o.ingested() {
            b",\"ingested\":true,\"issues\":["
        } else {
            b",\"ingested\":false,\"issues\":["
        });
        for (i, f) in o.findings.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            finding_into(b, f);
        }
        let issues_end = b.len();
        b.extend_from_slice(b"],\"consent\":");
        match ev.and_then(Doc::preferences_raw) {
            Some(p) => {
                b.extend_from_slice(b"{\"categoryPreferences\":");
                value(b, Some(p));
                b.push(b'}');
            }
            None => b.extend_from_slice(b"null"),
        }
        if self.source_stage {
            self.source_into(b, o);
        }
        b.extend_from_slice(b",\"routes\":[");
        let ingest_code = o.ingest_code().map(crate::rules::finding::Code::as_str);
        for (i, r) in o.routes.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            self.route_into(b, ingest_code, r);
        }
        b.extend_from_slice(b"]}\n");
        #[cfg(debug_assertions)]
        debug_assert!(
            !String::from_utf8_lossy(&b[start..])
                .chars()
                .any(|c| c != '\n' && is_unsafe(c))
        );
        issues_end
    }
}

impl Ndjson {
    /// The record's `source`: what the source stage did with the event (docs/commands.md).
    fn source_into(&self, b: &mut Vec<u8>, o: &Outcome) {
        let at_source =
            |r: &&Route| matches!(r.decision, Decision::Block(Block::FilteredAtSource { .. }));
        let blocked = o.routes.iter().filter(at_source).count();
        b.extend_from_slice(b",\"source\":{\"blocked\":");
        b.extend_from_slice(match blocked {
            0 => b"null",
            n if n == o.routes.len() => b"\"all\"",
            _ => b"\"cloud\"",
        });
        let judged = o
            .event()
            .filter(|_| o.ingested())
            .zip(self.protocols.as_ref())
            .and_then(|(ev, p)| crate::rules::segment::protocols::judge(p, ev));
        if let Some(e) = judged {
            b.extend_from_slice(b",\"rule\":");
            match &e.rule {
                Some(r) => json_str(b, r),
                None => b.extend_from_slice(b"null"),
            }
            b.extend_from_slice(b",\"violations\":[");
            let all = e.violations.iter().map(|v| ("rule", v));
            let all = all.chain(e.common.iter().map(|v| ("common", v)));
            for (i, (schema, v)) in all.enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                b.extend_from_slice(b"{\"schema\":\"");
                b.extend_from_slice(schema.as_bytes());
                b.extend_from_slice(b"\",\"type\":");
                json_str(b, v.kind);
                b.extend_from_slice(b",\"field\":");
                json_str(b, &v.field);
                b.extend_from_slice(b",\"description\":");
                json_str(b, &v.description);
                b.push(b'}');
            }
            for (key, list) in [
                (&b"],\"unplanned\":["[..], &e.unplanned),
                (b"],\"omitted\":[", &e.omitted),
                (b"],\"omitted_on_violation\":[", &e.omitted_on_violation),
            ] {
                b.extend_from_slice(key);
                for (i, f) in list.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    json_str(b, f);
                }
            }
            b.push(b']');
        }
        b.push(b'}');
    }
}

/// One finding as the record's `issues` hold it.
fn finding_into(b: &mut Vec<u8>, f: &crate::rules::finding::Finding) {
    b.extend_from_slice(b"{\"severity\":\"");
    b.extend_from_slice(f.severity().as_str().as_bytes());
    b.extend_from_slice(b"\",\"code\":\"");
    b.extend_from_slice(f.code.as_str().as_bytes());
    b.extend_from_slice(b"\",\"message\":");
    json_str(b, &f.message);
    b.extend_from_slice(b",\"path\":");
    match &f.path {
        Some(p) => json_str(b, p),
        None => b.extend_from_slice(b"null"),
    }
    b.push(b'}');
}

impl crate::engine::pipeline::Render for Ndjson {
    fn render(&mut self, o: &Outcome, out: &mut Vec<u8>) -> usize {
        self.line(out, o)
    }

    /// The recalled findings are the outcome's last ones (`Outcome::recall` appends them).
    fn amend(&mut self, o: &Outcome, pre: &[u8], at: usize, out: &mut Vec<u8>) {
        let (head, tail) = pre.split_at(at);
        out.extend_from_slice(head);
        let recalled = &o.findings[o.findings.len().saturating_sub(o.recalled.len())..];
        // `head` ends `"issues":[` when the event had no finding of its own.
        let mut first = head.last() == Some(&b'[');
        for f in recalled {
            if !first {
                out.push(b',');
            }
            first = false;
            finding_into(out, f);
        }
        out.extend_from_slice(tail);
    }
}

/// A profile's ids, first seen first, split as userIds and the rest.
pub fn profile_ids(
    profiles: &Profiles,
    root: IdentityId,
) -> (Vec<IdentityId>, Vec<&str>, Vec<&str>) {
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

/// The `profiles` contract: one JSON object per profile, in order of first appearance.
pub fn write_profiles(out: &mut dyn Write, ws: &Workspace, profiles: &Profiles) -> io::Result<()> {
    for root in profiles.in_order() {
        let p = profiles.profile(root);
        let (members, users, anons) = profile_ids(profiles, root);
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
        let not_merged: Vec<Value> = p
            .not_merged
            .iter()
            .map(|n| {
                json!({"file": &*n.file, "line": n.line, "index": n.index,
                       "with": n.with, "identifier": n.kind, "count": n.count,
                       "limit": n.limit, "change": n.describe()})
            })
            .collect();
        let record = json!({"ids": all, "userIds": users, "anonymousIds": anons,
                            "consent": consent, "events": p.events,
                            "historyDropped": p.history_dropped, "history": history,
                            "notMerged": not_merged});
        write_safe_json(&mut *out, &record, false).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_json_is_compacted_and_unsafe_text_escaped() {
        let mut b = Vec::new();
        raw_json(&mut b, r#"{ "a b" : [1, "x \" y"], "c":true }"#);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"a b":[1,"x \" y"],"c":true}"#
        );
        let mut b = Vec::new();
        raw_json(&mut b, "{\"k\": \"\u{202e}\\\\\"}");
        assert_eq!(String::from_utf8(b).unwrap(), r#"{"k":"\u202e\\"}"#);
        let mut b = Vec::new();
        json_str(&mut b, "a\u{7f}\"b");
        assert_eq!(String::from_utf8(b).unwrap(), r#""a\u007f\"b""#);
        let mut b = Vec::new();
        raw_json(&mut b, &format!("{}{}", "[".repeat(129), "]".repeat(129)));
        assert_eq!(b, b"null");
        let mut b = Vec::new();
        raw_json(&mut b, &format!("{}{}", "[".repeat(128), "]".repeat(128)));
        assert_eq!(b.len(), 256);
    }

    proptest::proptest! {
        /// The copy for plain text writes what the escaping writer would.
        #[test]
        fn json_str_is_the_escaping_writers(s in proptest::prop_oneof![
            "[\\x00-\\x7f]{0,12}",
            "(\\PC|[\\x00-\\x1f\\x7f-\\x9f\\u{202e}\\u{e0041}→\"\\\\])*",
        ]) {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            json_str(&mut fast, &s);
            write_safe_json(&mut slow, &s, false).unwrap();
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}

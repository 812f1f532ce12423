//! HAR captures (a browser's network export): every request to a Segment endpoint, on any
//! host, yields the events in its body.

use std::sync::Arc;

use serde_json::Value;

use super::{Origin, Record, RecordError, push_parsed};
use crate::read::endpoint::{Endpoint, endpoint};
use crate::read::event::{Doc, Kind, ParseError};
use crate::read::wire::{Timeline, located_entries};

/// True when the start of an input is a HAR document (`{ "log": ...`).
pub fn looks_like_har(start: &[u8]) -> bool {
    let s = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    let mut rest = s.trim_ascii_start();
    let Some(r) = rest.strip_prefix(b"{") else {
        return false;
    };
    rest = r.trim_ascii_start();
    rest.starts_with(b"\"log\"")
}

/// One request to a Segment endpoint in a capture.
struct Request<'a> {
    /// 1-based position among the capture's entries.
    entry: usize,
    url: &'a str,
    /// The line where the entry starts, and its byte offset.
    line: u64,
    offset: usize,
    body: Option<&'a str>,
    implied: Option<Kind>,
}

/// Where a Segment call of a capture came from, for a view that shows its events by line
/// (the terminal UI reads `to_json_lines`' output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The call's line in the JSON Lines.
    pub line: u64,
    /// The line where the entry starts in the capture: the same, unless entries share a line
    /// (a minified capture), where each later one takes the next line.
    pub capture_line: u64,
    /// 1-based position among the capture's entries.
    pub entry: usize,
    pub url: String,
    pub has_body: bool,
}

impl Call {
    /// `HAR entry 7 (https://api.segment.io/v1/t)`, sanitised, with the capture's line where
    /// it is not the call's.
    pub fn describe(&self) -> String {
        let d = describe(self.entry, &self.url);
        if self.line == self.capture_line {
            d
        } else {
            format!("{d}, at line {} of the capture", self.capture_line)
        }
    }

    /// Why the call gives no event: no body, or a body that is not JSON (`error` says where).
    pub fn failure(&self, error: &str) -> String {
        if self.has_body {
            format!("{}: request body is not JSON: {error}", self.describe())
        } else {
            format!("{} has no request body", self.describe())
        }
    }
}

fn describe(entry: usize, url: &str) -> String {
    format!("HAR entry {entry} ({})", crate::text::printable(url))
}

fn no_body(entry: usize, url: &str) -> String {
    format!("{} has no request body", describe(entry, url))
}

fn not_json(entry: usize, url: &str, error: &str) -> String {
    format!(
        "{}: request body is not JSON: {error}",
        describe(entry, url)
    )
}

/// Every request to a Segment endpoint among `entries`, in order.
fn requests<'a>(entries: &[(&'a Value, u64, usize)]) -> Vec<Request<'a>> {
    let mut out = Vec::new();
    for (i, &(entry, line, offset)) in entries.iter().enumerate() {
        let request = &entry["request"];
        let Some(url) = request["url"].as_str() else {
            continue;
        };
        let Some(implied) = endpoint(url).map(Endpoint::implied_kind) else {
            continue;
        };
        out.push(Request {
            entry: i + 1,
            url,
            line,
            offset,
            body: request["postData"]["text"].as_str(),
            implied,
        });
    }
    out
}

/// The records of a whole HAR document. A document that is not valid JSON is one record
/// saying where it broke.
pub fn records(file: &Arc<str>, text: &[u8]) -> Vec<Record> {
    read(file, text, false).0
}

/// The records of a whole HAR document, and, when `timeline` asks, its timeline of requests
/// (None when the document is not JSON).
pub fn read(file: &Arc<str>, text: &[u8], timeline: bool) -> (Vec<Record>, Option<Timeline>) {
    let mut out = Vec::new();
    let origin = |line: u64, offset: u64| Origin {
        file: file.clone(),
        line,
        index: None,
        offset,
    };
    let doc: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => {
            out.push(Record::new(
                origin(e.line() as u64, 0),
                text.len(),
                Err(RecordError::InvalidJson(format!(
                    "not a valid HAR capture: {}",
                    ParseError::from(e)
                ))),
            ));
            return (out, None);
        }
    };
    // The entries' lines are counted once, for the records and the timeline alike.
    let entries = located_entries(text, &doc);
    for r in requests(&entries) {
        let at = origin(r.line, r.offset as u64);
        let Some(body) = r.body else {
            out.push(Record::new(
                at,
                0,
                Err(RecordError::InvalidJson(no_body(r.entry, r.url))),
            ));
            continue;
        };
        match Doc::parse(&std::sync::Arc::from(body)) {
            Err(e @ ParseError::Json { .. }) => out.push(Record::new(
                at,
                body.len(),
                Err(RecordError::InvalidJson(not_json(
                    r.entry,
                    r.url,
                    &e.to_string(),
                ))),
            )),
            parsed => push_parsed(at, body.len(), parsed, r.implied, &mut out),
        }
    }
    let timeline = timeline.then(|| Timeline::of_entries(file, &entries));
    (out, timeline)
}

/// The capture's Segment request bodies as JSON Lines, each on the line where its entry
/// starts in the capture (blank lines in between), so a reader of lines sees the same events
/// at the same line numbers as `records` gives; with where each call came from. A body
/// without a type takes the one its endpoint implies; a body that is not JSON is kept on one
/// line, and so read as not JSON; an entry without a body is a line that says so, read as not
/// JSON too (`Call::failure` says it as `records` does). With them, the capture's timeline of
/// requests, from the same parse. None when the capture itself is not JSON.
pub fn to_json_lines(file: &Arc<str>, text: &[u8]) -> Option<(Vec<u8>, Vec<Call>, Timeline)> {
    let doc: Value = serde_json::from_slice(text).ok()?;
    let mut out = Vec::new();
    let mut calls = Vec::new();
    let mut at_line = 1u64;
    let entries = located_entries(text, &doc);
    for r in requests(&entries) {
        let line = match r.body.map(|b| (b, serde_json::from_str::<Value>(b))) {
            Some((_, Ok(Value::Object(mut event)))) => {
                if let (Some(k), false) = (r.implied, event.contains_key("type")) {
                    event.insert("type".into(), Value::from(k.as_str()));
                }
                Value::Object(event).to_string()
            }
            Some((_, Ok(other))) => other.to_string(),
            Some((body, Err(_))) => body.replace(['\n', '\r'], " "),
            None => "(no request body)".to_owned(),
        };
        while at_line < r.line {
            out.push(b'\n');
            at_line += 1;
        }
        calls.push(Call {
            line: at_line,
            capture_line: r.line,
            entry: r.entry,
            url: r.url.to_owned(),
            has_body: r.body.is_some(),
        });
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        at_line += 1;
    }
    Some((out, calls, Timeline::of_entries(file, &entries)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_keep_each_request_on_its_entry_line() {
        let text = std::fs::read("samples/capture.har").unwrap();
        let file: Arc<str> = Arc::from("c.har");
        let (lines, calls, _) = to_json_lines(&file, &text).unwrap();
        let from_lines: Vec<(u64, Option<u32>, bool)> = {
            let mut out = Vec::new();
            let mut reader = crate::read::input::Records::from_reader(
                "c.har",
                Box::new(std::io::Cursor::new(lines)),
            )
            .unwrap();
            for r in reader.by_ref() {
                let r = r.unwrap();
                out.push((r.origin.line, r.origin.index, r.json.is_ok()));
            }
            out
        };
        let from_har: Vec<(u64, Option<u32>, bool)> = records(&file, &text)
            .into_iter()
            .map(|r| (r.origin.line, r.origin.index, r.json.is_ok()))
            .collect();
        assert_eq!(from_lines, from_har);
        assert_eq!(
            calls.iter().map(|c| c.line).collect::<Vec<_>>(),
            from_har.iter().map(|r| r.0).fold(Vec::new(), |mut v, l| {
                if v.last() != Some(&l) {
                    v.push(l);
                }
                v
            })
        );
        assert!(from_lines.iter().filter(|r| r.2).count() >= 6);
    }

    #[test]
    fn recognises_har_by_content() {
        assert!(looks_like_har(b"\xEF\xBB\xBF {\n  \"log\": {"));
        assert!(!looks_like_har(b"{\"type\":\"track\"}"));
    }

    #[test]
    fn yields_segment_calls_with_lines() {
        let har = r#"{
  "log": {
    "entries": [
      {"request": {"url": "https://cdn.example/app.js"}},
      {"request": {"url": "https://api.segment.io/v1/t",
                   "postData": {"text": "{\"event\":\"A\",\"userId\":\"u\"}"}}},
      {"request": {"url": "https://api.segment.io/v1/p", "postData": {"text": "nope"}}}
    ]
  }
}"#;
        let recs = records(&Arc::from("c.har"), har.as_bytes());
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].origin.line, 5);
        assert_eq!(recs[0].json.as_ref().unwrap().kind(), Some(Kind::Track));
        assert_eq!(recs[1].origin.line, 7);
        assert!(
            matches!(&recs[1].json, Err(RecordError::InvalidJson(m)) if m.contains("not JSON"))
        );
    }
}

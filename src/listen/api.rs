//! Segment's tracking API as this endpoint speaks it, without any HTTP: which endpoint a path
//! names, the write key, decoding a body within Segment's limits, and the line a call becomes.
//! Everything here is a pure function of its input, so the server stays thin.

use std::io::Read;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::read::endpoint::MAX_EVENT_BYTES;
pub use crate::read::endpoint::{Endpoint, endpoint};

/// Why a call is refused, as the answer says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
        }
    }

    /// The JSON body of the answer.
    pub fn body(&self) -> String {
        serde_json::json!({"success": false, "message": self.message}).to_string()
    }
}

/// The body as JSON text: inflated when it is gzip, never past `limit` bytes (a body that
/// would inflate further is refused without inflating the rest).
pub fn decode(body: &[u8], gzip: bool, limit: usize) -> Result<Vec<u8>, Refusal> {
    let text = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| Refusal::bad(format!("the body is not valid gzip: {e}")))?;
        out
    } else {
        body.to_vec()
    };
    if text.len() > limit {
        return Err(Refusal::bad(format!(
            "the body is over {} KB, the most Segment's API takes here",
            limit / 1024
        )));
    }
    Ok(text)
}

/// A call accepted: the line to write (one line of compact JSON), the write key it carries
/// in its body if any, and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub line: String,
    pub body_write_key: Option<String>,
    pub events: usize,
}

/// What Segment adds to each event it receives: `receivedAt`, and a `messageId` where the
/// event has none ("automatically added to all payloads coming into Segment").
pub struct Stamp<'a> {
    pub received_at: &'a str,
    pub new_message_id: &'a mut dyn FnMut() -> String,
}

impl Stamp<'_> {
    /// The fields to append to one event (`"key":value` texts), given whether it has a
    /// messageId of its own.
    fn fields(&mut self, event: &str) -> Vec<String> {
        #[derive(serde::Deserialize)]
        struct Ids {
            #[serde(rename = "messageId")]
            message_id: Option<serde::de::IgnoredAny>,
        }
        let mut out = Vec::new();
        let has_id = serde_json::from_str::<Ids>(event).is_ok_and(|i| i.message_id.is_some());
        if !has_id {
            let id = (self.new_message_id)();
            out.push(format!("\"messageId\":{}", Value::from(id)));
        }
        out.push(format!("\"receivedAt\":\"{}\"", self.received_at));
        out
    }
}

/// Checks a decoded body against Segment's rules for `endpoint` and makes it a line: compact,
/// with what `stamp` adds on each event and, for a single call, the endpoint's type. Values
/// are copied as written, never re-encoded, so numbers and strings keep their exact text.
pub fn accept(endpoint: Endpoint, text: &[u8], stamp: &mut Stamp) -> Result<Accepted, Refusal> {
    let text = std::str::from_utf8(text)
        .map_err(|e| Refusal::bad(format!("the body is not UTF-8: {e}")))?;
    let compact = compact(text);
    let top: Map<String, Value> = match serde_json::from_str::<Value>(&compact) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(Refusal::bad("the body is not a JSON object")),
        Err(e) => return Err(Refusal::bad(format!("invalid JSON: {e}"))),
    };
    let body_write_key = top
        .get("writeKey")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match endpoint {
        Endpoint::Call(kind) => {
            // Segment's API takes the type from the endpoint: the HTTP API's own examples
            // send none (docs/rules.md, "listen").
            let typed = top.get("type").and_then(Value::as_str) == Some(kind.as_str());
            let mut fields = stamp.fields(&compact);
            if !typed {
                fields.insert(0, format!("\"type\":\"{}\"", kind.as_str()));
            }
            Ok(Accepted {
                line: append_fields(&compact, &fields),
                body_write_key,
                events: 1,
            })
        }
        Endpoint::Batch => {
            let line = batch_line(&compact, stamp)?;
            let events = line.1;
            Ok(Accepted {
                line: line.0,
                body_write_key,
                events,
            })
        }
    }
}

/// A batch with `receivedAt` added to each of its events; and how many there are.
fn batch_line(compact: &str, stamp: &mut Stamp) -> Result<(String, usize), Refusal> {
    let raw: ordered::Fields =
        serde_json::from_str(compact).map_err(|e| Refusal::bad(format!("invalid JSON: {e}")))?;
    let mut out = String::with_capacity(compact.len() + 64);
    out.push('{');
    let mut events = None;
    for (i, (key, value)) in raw.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push(':');
        if key == "batch" {
            let elements: Vec<Box<RawValue>> = serde_json::from_str(value.get())
                .map_err(|_| Refusal::bad("\"batch\" is not an array"))?;
            // More than MAX_BATCH_EVENTS: Segment "returns a 200 response but rejects the
            // event", so the batch is taken, and the reader makes it one record that rejects
            // them all (`batch_too_many_events`).
            out.push('[');
            for (j, e) in elements.iter().enumerate() {
                if e.get().len() > MAX_EVENT_BYTES {
                    return Err(Refusal::bad(format!(
                        "event {j} of the batch is {} bytes; Segment's API takes at most 32 KB per event",
                        e.get().len()
                    )));
                }
                if j > 0 {
                    out.push(',');
                }
                if e.get().starts_with('{') {
                    out.push_str(&append_fields(e.get(), &stamp.fields(e.get())));
                } else {
                    // Not an event: kept as written, for the reader to report.
                    out.push_str(e.get());
                }
            }
            out.push(']');
            events = Some(elements.len());
        } else {
            out.push_str(value.get());
        }
    }
    out.push('}');
    let events = events.ok_or_else(|| Refusal::bad("a batch call needs a \"batch\" array"))?;
    Ok((out, events))
}

/// The keys of an object in order, with their values as written. (`serde_json::Map` would
/// drop a repeated key; a batch is written back with every key it had.)
mod ordered {
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde_json::value::RawValue;

    pub struct Fields(pub Vec<(String, Box<RawValue>)>);

    impl<'de> serde::Deserialize<'de> for Fields {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Fields;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, Box<RawValue>>()? {
                        out.push((k, v));
                    }
                    Ok(Fields(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

/// `object` (compact JSON text of an object) with `fields` (`"key":value` texts) added at its
/// end, where they win over any earlier key of the same name, as in JavaScript.
fn append_fields(object: &str, fields: &[String]) -> String {
    let inner = object
        .trim_end()
        .strip_suffix('}')
        .unwrap_or(object)
        .trim_end();
    let mut out = String::with_capacity(object.len() + 64);
    out.push_str(inner);
    for f in fields {
        if !out.ends_with('{') {
            out.push(',');
        }
        out.push_str(f);
    }
    out.push('}');
    out
}

/// JSON text without the whitespace between its tokens (whitespace inside strings is kept),
/// so that a pretty-printed body becomes one line.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

/// A path as it may be logged or shown: the write key in analytics.js's settings download
/// (`/v1/projects/{key}/settings`) masked.
pub fn mask_settings_path(path: &str) -> String {
    const AT: &str = "/v1/projects/";
    if let Some(at) = path.rfind(AT) {
        let start = at + AT.len();
        if let Some(end) = path[start..].find('/') {
            let key = &path[start..start + end];
            return format!(
                "{}{}{}",
                &path[..start],
                crate::text::mask_secret(key),
                &path[start + end..]
            );
        }
    }
    path.to_owned()
}

/// The write key of HTTP Basic auth: the user name (Segment's libraries send the key there
/// with an empty password).
/// RudderStack's source config download, `/sourceConfig/?…&writeKey=KEY`, which its browser
/// SDK loads from `configUrl`.
pub fn is_source_config(path: &str) -> bool {
    matches!(path, "/sourceConfig" | "/sourceConfig/")
}

/// The `writeKey` parameter of a query string.
pub fn query_write_key(query: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("writeKey="))
        .map(str::to_owned)
}

pub fn basic_auth_key(header: &str) -> Option<String> {
    use base64::Engine as _;
    // RFC 9110 11.1: the scheme's name is case-insensitive (`basic`, `BASIC`).
    let (scheme, encoded) = header.trim_start().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let encoded = encoded.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(
        text.split_once(':')
            .map_or(text.as_str(), |(user, _)| user)
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::endpoint::MAX_BATCH_BYTES;
    use crate::read::event::Kind;

    const AT: &str = "2026-11-25T10:00:00.000Z";

    /// `accept` with ids m1, m2, … for events without one.
    fn accept(endpoint: Endpoint, text: &[u8], _at: &str) -> Result<Accepted, Refusal> {
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("m{n}")
        };
        super::accept(
            endpoint,
            text,
            &mut Stamp {
                received_at: AT,
                new_message_id: &mut next,
            },
        )
    }

    #[test]
    fn the_settings_path_never_shows_a_whole_write_key() {
        assert_eq!(
            mask_settings_path("/v1/projects/wk_1234567890abcdef1234567890ab/settings"),
            "/v1/projects/wk_…/settings"
        );
        assert_eq!(mask_settings_path("/v1/track"), "/v1/track");
    }

    #[test]
    fn a_call_gets_its_type_and_received_at_and_keeps_its_text() {
        let body = br#"{
            "event": "Order Completed",
            "userId": "u1",
            "properties": {"total": 12345678901234567890123, "note": "two  spaces"}
        }"#;
        let a = accept(Endpoint::Call(Kind::Track), body, AT).unwrap();
        assert_eq!(
            a.line,
            format!(
                r#"{{"event":"Order Completed","userId":"u1","properties":{{"total":12345678901234567890123,"note":"two  spaces"}},"type":"track","messageId":"m1","receivedAt":"{AT}"}}"#
            )
        );
        assert_eq!(a.events, 1);
        // A receivedAt of its own is overridden: the last key wins.
        let a = accept(
            Endpoint::Call(Kind::Track),
            br#"{"type":"track","messageId":"own","receivedAt":"x"}"#,
            AT,
        )
        .unwrap();
        assert_eq!(
            a.line,
            format!(r#"{{"type":"track","messageId":"own","receivedAt":"x","receivedAt":"{AT}"}}"#)
        );
    }

    #[test]
    fn a_batch_stamps_each_event_and_stays_one_line() {
        let body =
            br#"{"batch":[{"type":"track","event":"a"},{"messageId":"x"}],"writeKey":"wk","context":{"x":1}}"#;
        let a = accept(Endpoint::Batch, body, AT).unwrap();
        assert_eq!(
            a.line,
            format!(
                r#"{{"batch":[{{"type":"track","event":"a","messageId":"m1","receivedAt":"{AT}"}},{{"messageId":"x","receivedAt":"{AT}"}}],"writeKey":"wk","context":{{"x":1}}}}"#
            )
        );
        assert_eq!(a.events, 2);
        assert_eq!(a.body_write_key.as_deref(), Some("wk"));
    }

    #[test]
    fn what_segment_refuses_is_refused() {
        let refuse = |e, b: &[u8]| accept(e, b, AT).unwrap_err().message;
        assert!(refuse(Endpoint::Call(Kind::Track), b"{nope").contains("invalid JSON"));
        assert!(refuse(Endpoint::Call(Kind::Track), b"[1]").contains("not a JSON object"));
        assert!(refuse(Endpoint::Batch, br#"{"batch":1}"#).contains("not an array"));
        assert!(refuse(Endpoint::Batch, br#"{"x":1}"#).contains("needs a \"batch\""));
        let big = format!(r#"{{"batch":[{{"p":"{}"}}]}}"#, "x".repeat(MAX_EVENT_BYTES));
        assert!(refuse(Endpoint::Batch, big.as_bytes()).contains("32 KB per event"));
        // Too many events is no reason to refuse: Segment answers 200 and rejects them.
        let many = format!(
            r#"{{"batch":[{}]}}"#,
            vec!["{}"; crate::read::endpoint::MAX_BATCH_EVENTS + 1].join(",")
        );
        assert_eq!(
            accept(Endpoint::Batch, many.as_bytes(), AT).unwrap().events,
            2501
        );
        let over = vec![b' '; MAX_EVENT_BYTES + 1];
        assert_eq!(
            decode(&over, false, MAX_EVENT_BYTES).unwrap_err().status,
            400
        );
    }

    #[test]
    fn a_gzip_bomb_is_refused_without_inflating_it() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // 16 MB of zeros compresses to a few tens of KB.
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..16 {
            gz.write_all(&zeros).unwrap();
        }
        let bomb = gz.finish().unwrap();
        let r = decode(&bomb, true, MAX_BATCH_BYTES).unwrap_err();
        assert!(r.message.contains("over 500 KB"), "{}", r.message);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(br#"{"a":1}"#).unwrap();
        assert_eq!(
            decode(&gz.finish().unwrap(), true, 100).unwrap(),
            br#"{"a":1}"#
        );
        assert!(
            decode(b"not gzip", true, 100)
                .unwrap_err()
                .message
                .contains("gzip")
        );
    }

    #[test]
    fn basic_auth_carries_the_key_as_user_name() {
        // "wk_123:" in base64, as analytics-python sends it.
        assert_eq!(
            basic_auth_key("Basic d2tfMTIzOg==").as_deref(),
            Some("wk_123")
        );
        assert_eq!(basic_auth_key("Bearer x"), None);
        for scheme in ["basic", "BASIC", "bAsIc"] {
            assert_eq!(
                basic_auth_key(&format!("{scheme} d2tfMTIzOg==")).as_deref(),
                Some("wk_123"),
                "{scheme}"
            );
        }
    }
}

//! Finds the fields the rules read in one pass of the scanner: into the top level, `context`,
//! `context.consent`, `context.device`, the preferences, `integrations`, `_metadata` and a
//! batch's elements; every other value is skimmed (validated, not built).
//!
//! Where a key repeats, the last one counts, as it does for `serde_json`, so each object
//! walked replaces what an earlier key of the same name found.

use super::field::{FIELDS, Field};
use super::raw::{Entry, Key, Span};
use super::scan::{Name, Scan, ScanError, Scanner};

/// What `context` holds that the rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ContextFields {
    pub(super) consent: Option<Span>,
    pub(super) device: Option<Span>,
    pub(super) advertising_id: Option<Span>,
    pub(super) traits: Option<Span>,
    /// `context.library.name`: which of Segment's libraries sent it.
    pub(super) library: Option<Span>,
}

/// What `context.consent` holds, when it is an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentFields {
    pub(super) empty: bool,
    pub(super) version: Option<Span>,
    pub(super) preferences: Option<Span>,
    /// `categoryPreference` without the s.
    pub(super) misspelled: bool,
}

impl ConsentFields {
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    pub fn misspelled(&self) -> bool {
        self.misspelled
    }
}

/// What the first pass over an event object found.
#[derive(Default)]
pub(super) struct Found {
    pub(super) fields: [Option<Span>; FIELDS],
    /// The fields written as `null` (bit `1 << field`): absent to the rules, not to FQL.
    pub(super) nulls: u32,
    pub(super) context: Option<ContextFields>,
    pub(super) consent: Option<ConsentFields>,
    pub(super) preferences: Vec<Entry>,
    pub(super) integrations: Vec<Entry>,
    pub(super) bundled: Vec<Key>,
    /// The elements of `batch`, when it is an array.
    pub(super) batch: Vec<Span>,
}

/// Why `top` found no event object.
pub(super) enum NotFound {
    Json(ScanError),
    /// Valid JSON of another type than an object.
    Other(&'static str),
}

impl From<ScanError> for NotFound {
    fn from(e: ScanError) -> Self {
        NotFound::Json(e)
    }
}

pub(super) fn non_null(text: &str, span: Span) -> Option<Span> {
    (&text[span.start as usize..span.end as usize] != "null").then_some(span)
}

/// The fields of the object at `span` of `text`, and the text validated to its end.
pub(super) fn top(text: &str, span: Span) -> Result<Found, NotFound> {
    let mut s = Scanner::new(text, span);
    if s.peek() != Some(b'{') {
        let v = s.value()?;
        s.finish()?;
        return Err(NotFound::Other(type_of(text, v)));
    }
    let mut found = Found::default();
    s.members(|s, name| {
        let Some(f) = Field::of(name.as_str()) else {
            return s.value().map(|_| ());
        };
        let span = match f {
            Field::Context => context(s, &mut found)?,
            Field::Integrations => {
                let (span, entries) = entries(s)?;
                found.integrations = entries;
                span
            }
            Field::Metadata => {
                found.bundled.clear();
                s.object_or_value(|s, name| {
                    if name.as_str() == "bundled" {
                        found.bundled = bundled(s)?;
                        Ok(())
                    } else {
                        s.value().map(|_| ())
                    }
                })?
                .0
            }
            Field::Batch => {
                found.batch.clear();
                if s.peek() == Some(b'[') {
                    s.elements(|s| {
                        found.batch.push(s.value()?);
                        Ok(())
                    })?
                } else {
                    s.value()?
                }
            }
            _ => s.value()?,
        };
        found.fields[f as usize] = non_null(text, span);
        if found.fields[f as usize].is_none() {
            found.nulls |= 1 << f as u32;
        } else {
            found.nulls &= !(1 << f as u32);
        }
        Ok(())
    })?;
    s.finish()?;
    Ok(found)
}

fn type_of(text: &str, v: Span) -> &'static str {
    match text.as_bytes()[v.start as usize] {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// `context`, with `consent` and `device` walked into.
fn context(s: &mut Scanner<'_>, found: &mut Found) -> Scan<Span> {
    let text = s.text();
    let mut ctx = ContextFields::default();
    found.consent = None;
    found.preferences.clear();
    let (span, object) = s.object_or_value(|s, name| {
        match name.as_str() {
            "consent" => {
                let (span, consent) = consent(s, &mut found.preferences)?;
                ctx.consent = non_null(text, span);
                found.consent = consent;
            }
            "device" => {
                let mut advertising_id = None;
                let (span, _) = s.object_or_value(|s, name| {
                    let span = s.value()?;
                    if name.as_str() == "advertisingId" {
                        advertising_id = non_null(text, span);
                    }
                    Ok(())
                })?;
                ctx.device = non_null(text, span);
                ctx.advertising_id = advertising_id;
            }
            "traits" => ctx.traits = non_null(text, s.value()?),
            "library" => {
                s.object_or_value(|s, name| {
                    let span = s.value()?;
                    if name.as_str() == "name" {
                        ctx.library = non_null(text, span);
                    }
                    Ok(())
                })?;
            }
            _ => {
                s.value()?;
            }
        }
        Ok(())
    })?;
    // Not an object: nothing was walked, so consent and preferences stay as reset above.
    found.context = object.then_some(ctx);
    Ok(span)
}

/// `context.consent`: its fields when it is an object, and its preferences into
/// `preferences`.
fn consent(
    s: &mut Scanner<'_>,
    preferences: &mut Vec<Entry>,
) -> Scan<(Span, Option<ConsentFields>)> {
    let text = s.text();
    let mut c = ConsentFields {
        empty: true,
        ..ConsentFields::default()
    };
    preferences.clear();
    let (span, object) = s.object_or_value(|s, name| {
        c.empty = false;
        match name.as_str() {
            "categoryPreferences" => {
                let (span, entries) = entries(s)?;
                c.preferences = non_null(text, span);
                *preferences = entries;
            }
            "version" => c.version = non_null(text, s.value()?),
            other => {
                c.misspelled |= other == "categoryPreference";
                s.value()?;
            }
        }
        Ok(())
    })?;
    Ok((span, object.then_some(c)))
}

/// The members of the object here, `null` values included; none for another value.
fn entries(s: &mut Scanner<'_>) -> Scan<(Span, Vec<Entry>)> {
    let mut out = Vec::new();
    let (span, _) = s.object_or_value(|s, name| {
        let value = s.value()?;
        out.push(Entry {
            key: name.into_key(),
            value,
        });
        Ok(())
    })?;
    Ok((span, out))
}

/// The strings of `_metadata.bundled`; anything else in it is ignored, as is a string
/// whose escapes make no text.
fn bundled(s: &mut Scanner<'_>) -> Scan<Vec<Key>> {
    let mut out = Vec::new();
    if s.peek() != Some(b'[') {
        s.value()?;
        return Ok(out);
    }
    s.elements(|s| {
        if let Some(name) = s.string_value()? {
            out.push(name.into_key());
        }
        Ok(())
    })?;
    Ok(out)
}

/// Each member of the object at `span` with the place of its value, `null` included; nothing
/// for another value. For text already validated.
pub(super) fn members_of<'t>(text: &'t str, span: Span, mut member: impl FnMut(&str, Span)) {
    let mut s = Scanner::new(text, span);
    if s.peek() == Some(b'{') {
        let _ = s.members(|s, name: Name<'t>| {
            member(name.as_str(), s.value()?);
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use proptest::prelude::*;
    use serde_json::Value;
    use serde_json::value::RawValue;

    use super::*;
    use crate::read::event::{Doc, Parsed, Preferences, Raw};

    /// Keys the field finder walks into, and some it skims.
    const KEYS: [&str; 16] = [
        "type",
        "userId",
        "messageId",
        "context",
        "consent",
        "categoryPreferences",
        "device",
        "advertisingId",
        "integrations",
        "_metadata",
        "bundled",
        "batch",
        "version",
        "traits",
        "C0001",
        "cont\\u0065xt",
    ];

    fn ws() -> impl Strategy<Value = String> {
        "[ \t\n\r]{0,2}"
    }

    fn string() -> impl Strategy<Value = String> {
        r#""([a-zA-Z0-9 ]|\\["\\/bfnrt]|\\u00[0-7][0-9a-f]|é|\\ud83d\\ude00){0,6}""#
    }

    fn json() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            string(),
        ];
        let key = prop_oneof![
            3 => proptest::sample::select(&KEYS[..]).prop_map(|k| format!("\"{k}\"")),
            1 => string(),
        ];
        leaf.prop_recursive(5, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec((ws(), inner.clone(), ws()), 0..5).prop_map(|v| {
                    let items: Vec<String> = v.into_iter().map(|(a, x, b)| a + &x + &b).collect();
                    format!("[{}]", items.join(","))
                }),
                proptest::collection::vec((key.clone(), ws(), inner, ws()), 0..6).prop_map(|v| {
                    let items: Vec<String> = v
                        .into_iter()
                        .map(|(k, a, x, b)| format!("{k}{a}:{x}{b}"))
                        .collect();
                    format!("{{{}}}", items.join(","))
                }),
            ]
        })
    }

    /// `text` with bytes deleted, inserted or replaced: broken JSON of every kind.
    fn mutated(text: String, edits: Vec<(usize, u8, u8)>) -> String {
        const BYTES: &[u8] = b"{}[]:,\"\\ 0-.eEtfnulx\x01";
        let mut b = text.into_bytes();
        for (at, what, byte) in edits {
            let at = at % (b.len() + 1);
            let byte = BYTES[byte as usize % BYTES.len()];
            match what % 3 {
                0 if at < b.len() => {
                    b.remove(at);
                }
                1 => b.insert(at, byte),
                _ if at < b.len() => b[at] = byte,
                _ => {}
            }
        }
        String::from_utf8_lossy(&b).into_owned()
    }

    fn skims(text: &str) -> bool {
        let mut s = Scanner::new(
            text,
            Span {
                start: 0,
                end: text.len() as u32,
            },
        );
        s.value().is_ok() && s.finish().is_ok()
    }

    /// The implications that hold the event parser to `serde_json` whatever the text.
    fn agrees_with_serde(text: &str) {
        let serde_skims = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
        assert_eq!(skims(text), serde_skims, "{text:?}");
        let parsed = Doc::parse(&Arc::from(text));
        if parsed.is_ok() {
            assert!(serde_skims, "accepted what serde_json refuses: {text:?}");
        }
        if let Ok(Value::Object(_)) = serde_json::from_str::<Value>(text) {
            assert!(parsed.is_ok(), "refused an object: {text:?}");
        }
    }

    /// Every field found where `serde_json` finds it (the last of a repeated key).
    fn finds_what_serde_finds(text: &str) {
        let Ok(members) = serde_json::from_str::<HashMap<String, &RawValue>>(text) else {
            return;
        };
        let Ok(Parsed::Event(doc)) = Doc::parse(&Arc::from(text)) else {
            return;
        };
        for f in [
            Field::Type,
            Field::UserId,
            Field::MessageId,
            Field::Traits,
            Field::Batch,
        ] {
            let expected = members
                .get(f.key())
                .map(|r| r.get())
                .filter(|r| *r != "null");
            let got = doc.get(f).map(|r| r.to_json().into_owned());
            let expected = expected.map(|r| Raw::from_json(r).to_json().into_owned());
            assert_eq!(got, expected, "{} in {text:?}", f.key());
        }
        // A number beyond a double (`1e400`) fails serde_json's Value though it is JSON
        // (IgnoredAny and RawValue take it, as we do): nothing to compare the preferences with.
        let Ok(whole) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let prefs = whole
            .pointer("/context/consent/categoryPreferences")
            .cloned();
        match (doc.preferences(), prefs) {
            (Preferences::Object(m), Some(Value::Object(p))) => {
                for (k, v) in p {
                    assert_eq!(
                        m.get(&k).map(|r| r.to_value()),
                        Some(v).filter(|v| !v.is_null()),
                        "preference {k} in {text:?}"
                    );
                }
            }
            (Preferences::Absent, None | Some(Value::Null))
            | (Preferences::NotObject(_), Some(_)) => {}
            (got, expected) => panic!("preferences {got:?} vs {expected:?} in {text:?}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn accepts_what_serde_json_accepts(text in json(), edits in proptest::collection::vec(any::<(usize, u8, u8)>(), 0..3)) {
            let text = mutated(text, edits);
            agrees_with_serde(&text);
            finds_what_serde_finds(&text);
        }

        #[test]
        fn broken_events_are_refused_as_serde_json_refuses_them(line in 0usize..64, edits in proptest::collection::vec(any::<(usize, u8, u8)>(), 1..4)) {
            let sample = include_str!("../../../samples/events.jsonl");
            let lines: Vec<&str> = sample.lines().collect();
            let text = mutated(lines[line % lines.len()].to_owned(), edits);
            agrees_with_serde(&text);
            finds_what_serde_finds(&text);
        }
    }

    /// Found by the property test above: a number beyond a double elsewhere in the event.
    #[test]
    fn a_number_beyond_a_double_does_not_hide_the_preferences() {
        let text = r#"{"type":"track","context":{"consent":{"categoryPreferences":{"C0005":false}}},"integrations":{"Amplitude":{"session_id":179361E0613}}}"#;
        finds_what_serde_finds(text);
        let Ok(Parsed::Event(d)) = Doc::parse(&Arc::from(text)) else {
            panic!("parsed")
        };
        let Preferences::Object(p) = d.preferences() else {
            panic!("preferences")
        };
        assert_eq!(p.get("C0005"), Some(Raw::Bool(false)));
    }

    #[test]
    fn walked_keys_are_decoded_as_serde_json_decodes_them_and_skimmed_ones_are_not() {
        let parse = |t: &str| Doc::parse(&Arc::from(t)).map(|_| ());
        assert!(parse(r#"{"properties":{"\ud800":1},"type":"track"}"#).is_ok());
        let e = parse(r#"{"context":{"consent":{"categoryPreferences":{"C\ud800":true}}}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("hex escape"), "{e}");
        let Ok(Parsed::Event(d)) = Doc::parse(&Arc::from(
            r#"{"cont\u0065xt":{"consent":{"categoryPreferences":{"C\u0030001":false}}}}"#,
        )) else {
            panic!("parsed")
        };
        let Preferences::Object(p) = d.preferences() else {
            panic!("preferences")
        };
        assert_eq!(p.get("C0001"), Some(Raw::Bool(false)));
    }
}

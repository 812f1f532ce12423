//! The serde visitors that find the fields the rules read and let `serde_json` skip the rest
//! without building it (and without recursion, however deep it is nested).

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::doc::{ConsentFields, ContextFields, ParseError};
use super::field::{FIELDS, Field};
use super::raw::{Entry, Key, Span, span_of};

pub(super) enum TopLevel {
    Object([Option<Span>; FIELDS]),
    Other(&'static str),
}

/// Keys borrow from the text unless they hold escapes.
pub(super) enum KeyText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl KeyText<'_> {
    pub(super) fn as_str(&self) -> &str {
        match self {
            KeyText::Borrowed(s) => s,
            KeyText::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyText::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyText::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value's place in the text, `null` included.
fn raw_span<'de, A: MapAccess<'de>>(text: &str, map: &mut A) -> Result<Span, A::Error> {
    let raw: &'de RawValue = map.next_value()?;
    Ok(span_of(text, raw.get()))
}

/// A non-null value's place in the text; `null` gives None.
fn value_span<'de, A: MapAccess<'de>>(text: &str, map: &mut A) -> Result<Option<Span>, A::Error> {
    let span = raw_span(text, map)?;
    Ok(non_null(text, span))
}

pub(super) fn non_null(text: &str, span: Span) -> Option<Span> {
    (&text[span.start as usize..span.end as usize] != "null").then_some(span)
}

/// What a non-object value is, for `not_an_object`.
macro_rules! other_types {
    ($value:ty) => {
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            Ok(Self::other("a boolean"))
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            Ok(Self::other("a number"))
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            Ok(Self::other("a number"))
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            Ok(Self::other("a number"))
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            Ok(Self::other("a string"))
        }
        fn visit_unit<E>(self) -> Result<$value, E> {
            Ok(Self::other("null"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Self::other("an array"))
        }
    };
}

pub(super) struct TopVisitor<'t> {
    pub(super) text: &'t str,
}

impl TopVisitor<'_> {
    fn other(t: &'static str) -> TopLevel {
        TopLevel::Other(t)
    }
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    other_types!(TopLevel);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut fields = [None; FIELDS];
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            match Field::of(key.as_str()) {
                Some(f) => fields[f as usize] = value_span(self.text, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(TopLevel::Object(fields))
    }
}

/// Visits a small object, handing each member to `member`; other types are accepted and
/// ignored (the caller looks at the first byte for the type).
struct MembersVisitor<'t, F> {
    text: &'t str,
    member: F,
}

impl<F> MembersVisitor<'_, F> {
    fn other(_: &'static str) {}
}

impl<'de, F: FnMut(KeyText<'de>, Span)> Visitor<'de> for MembersVisitor<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    other_types!(());

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            let span = raw_span(self.text, &mut map)?;
            (self.member)(key, span);
        }
        Ok(())
    }
}

/// Visits the members of an object, `null` values included; `member` gets each key and the
/// place of its value.
pub(super) fn visit_members<'t>(
    text: &'t str,
    part: &'t str,
    member: impl FnMut(KeyText<'t>, Span),
) -> Result<(), ParseError> {
    let mut de = serde_json::Deserializer::from_str(part);
    de.deserialize_any(MembersVisitor { text, member })?;
    Ok(())
}

pub(super) fn is_object(part: &str) -> bool {
    part.as_bytes().first() == Some(&b'{')
}

pub(super) fn parse_context(text: &str, part: &str) -> Result<Option<ContextFields>, ParseError> {
    if !is_object(part) {
        return Ok(None);
    }
    let mut ctx = ContextFields::default();
    visit_members(text, part, |k, span| {
        let span = non_null(text, span);
        match k.as_str() {
            "consent" => ctx.consent = span,
            "device" => ctx.device = span,
            "traits" => ctx.traits = span,
            _ => {}
        }
    })?;
    if let Some(d) = ctx.device {
        let part = &text[d.start as usize..d.end as usize];
        if is_object(part) {
            visit_members(text, part, |k, span| {
                if k.as_str() == "advertisingId" {
                    ctx.advertising_id = non_null(text, span);
                }
            })?;
        }
    }
    Ok(Some(ctx))
}

pub(super) fn parse_consent(text: &str, part: &str) -> Result<Option<ConsentFields>, ParseError> {
    if !is_object(part) {
        return Ok(None);
    }
    let mut c = ConsentFields {
        empty: true,
        ..ConsentFields::default()
    };
    visit_members(text, part, |k, span| {
        c.empty = false;
        let span = non_null(text, span);
        match k.as_str() {
            "version" => c.version = span,
            "categoryPreferences" => c.preferences = span,
            "categoryPreference" => c.misspelled = true,
            _ => {}
        }
    })?;
    Ok(Some(c))
}

/// The members of an object, `null` values included (`Members` tells them apart).
pub(super) fn parse_members(text: &str, part: &str) -> Result<Vec<Entry>, ParseError> {
    let mut out = Vec::new();
    if !is_object(part) {
        return Ok(out);
    }
    visit_members(text, part, |k, value| {
        out.push(Entry {
            key: key_of(text, k),
            value,
        });
    })?;
    Ok(out)
}

fn key_of(text: &str, k: KeyText<'_>) -> Key {
    match k {
        KeyText::Borrowed(b) => Key::Span(span_of(text, b)),
        KeyText::Owned(o) => Key::Owned(o.into()),
    }
}

/// The strings of `_metadata.bundled`; anything else in `_metadata` is ignored.
pub(super) fn parse_bundled(text: &str, part: &str) -> Result<Vec<Key>, ParseError> {
    let mut list = None;
    if is_object(part) {
        visit_members(text, part, |k, span| {
            if k.as_str() == "bundled" {
                list = Some(span);
            }
        })?;
    }
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let part = &text[list.start as usize..list.end as usize];
    if !part.starts_with('[') {
        return Ok(Vec::new());
    }
    let items: Vec<&RawValue> = serde_json::from_str(part)?;
    Ok(items
        .into_iter()
        .filter(|r| r.get().starts_with('"'))
        .filter_map(|r| {
            let key: KeyText<'_> = serde_json::from_str(r.get()).ok()?;
            Some(match key {
                KeyText::Borrowed(_) => {
                    let s = span_of(text, r.get());
                    Key::Span(Span {
                        start: s.start + 1,
                        end: s.end - 1,
                    })
                }
                KeyText::Owned(o) => Key::Owned(o.into()),
            })
        })
        .collect())
}

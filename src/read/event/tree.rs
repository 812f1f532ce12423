//! Any path of an event, read in place. Destination filters and Actions triggers may name any
//! field, so they need more of the event than the rules do; building the whole event as a
//! `serde_json::Value` for them cost more than routing it (the bench's rules workload). Here
//! a path is looked up in the event's text instead: the top level from the fields the
//! scanner already found, deeper levels by skimming only the objects on the path.
//!
//! The evaluators are written once over `Json`, which `&Value` also implements: the
//! differential tests hold the `Value` form to Segment's packages, and the tests below hold
//! this one to the `Value` form.

use std::borrow::Cow;

use serde_json::Value;

use super::doc::Doc;
use super::field::{Field, Kind};
use super::raw::{Raw, Span};
use super::scan::Scanner;

impl Doc {
    /// The event as destination filters and triggers read it: in place, or built for an
    /// element of a batch that took keys from the batch (only `to_value` merges them).
    pub fn tree(&self) -> Tree<'_> {
        if self.inherited_from_batch() {
            Tree::Built(self.to_value())
        } else {
            Tree::InPlace(Node::root(self))
        }
    }
}

/// What a JSON value is, with its scalar read.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
}

/// A JSON value as the evaluators read it.
pub trait Json<'a>: Copy + 'a {
    fn shape(self) -> Shape<'a>;
    /// The member named `key` (the last of that name, as `JSON.parse` and `serde_json` keep);
    /// None when absent or when this is not an object.
    fn member(self, key: &str) -> Option<Self>;
    /// The elements of an array; none for another value.
    fn elements(self) -> Vec<Self>;
    /// The members of an object in their order; none for another value. Where a key is
    /// written twice, the text's reading gives both: the view shows the line as written.
    fn members(self) -> Vec<(Cow<'a, str>, Self)>;
    /// A number as it was written (`12345678901234567890123` stays so), for display.
    fn number_text(self) -> Option<Cow<'a, str>>;
    /// The value built, for what needs all of it (JSON text, changing it).
    fn to_value(self) -> Value;

    fn element(self, i: usize) -> Option<Self> {
        self.elements().get(i).copied()
    }
}

impl<'a> Json<'a> for &'a Value {
    fn shape(self) -> Shape<'a> {
        match self {
            Value::Null => Shape::Null,
            Value::Bool(b) => Shape::Bool(*b),
            Value::Number(n) => Shape::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Shape::Str(Cow::Borrowed(s)),
            Value::Array(_) => Shape::Array,
            Value::Object(_) => Shape::Object,
        }
    }

    fn member(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }

    fn elements(self) -> Vec<Self> {
        self.as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    fn element(self, i: usize) -> Option<Self> {
        self.as_array()?.get(i)
    }

    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        self.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), v))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn number_text(self) -> Option<Cow<'a, str>> {
        match self {
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        self.clone()
    }
}

/// An event as destination filters and triggers read it (`Doc::tree`).
#[derive(Debug, Clone)]
pub enum Tree<'a> {
    InPlace(Node<'a>),
    Built(Value),
}

/// A value of an event, in its text.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    doc: &'a Doc,
    at: At,
}

#[derive(Debug, Clone, Copy)]
enum At {
    /// The event object itself.
    Root,
    /// A value written in the text (never `null`: that is `Null`).
    Text(Span),
    Null,
    /// The type a HAR endpoint implies for a body without one.
    Implied(Kind),
}

impl<'a> Node<'a> {
    pub(super) fn root(doc: &'a Doc) -> Self {
        Self { doc, at: At::Root }
    }

    fn at(self, span: Span) -> Self {
        let at = if self.doc.slice(span) == "null" {
            At::Null
        } else {
            At::Text(span)
        };
        Self { doc: self.doc, at }
    }

    fn span(self) -> Option<Span> {
        match self.at {
            At::Root => Some(self.doc.own()),
            At::Text(s) => Some(s),
            At::Null | At::Implied(_) => None,
        }
    }

    /// A member of the object at `span`, skimming the others.
    fn scan_member(self, span: Span, key: &str) -> Option<Self> {
        let mut s = Scanner::new(self.doc.whole_text(), span);
        if s.peek() != Some(b'{') {
            return None;
        }
        let mut found = None;
        // The text was validated when the event was parsed.
        let _ = s.members(|s, name| {
            let v = s.value()?;
            if name.as_str() == key {
                found = Some(v);
            }
            Ok(())
        });
        found.map(|v| self.at(v))
    }
}

impl<'a> Json<'a> for Node<'a> {
    fn shape(self) -> Shape<'a> {
        let span = match self.at {
            At::Root => return Shape::Object,
            At::Null => return Shape::Null,
            At::Implied(k) => return Shape::Str(Cow::Borrowed(k.as_str())),
            At::Text(s) => s,
        };
        let text = self.doc.slice(span);
        match Raw::from_json(text) {
            Raw::Str(s) => Shape::Str(s),
            // Read as JavaScript reads it (correctly rounded).
            Raw::Number(n) => Shape::Number(n.parse().unwrap_or(f64::NAN)),
            Raw::Bool(b) => Shape::Bool(b),
            Raw::Object(_) => Shape::Object,
            Raw::Array(_) => Shape::Array,
        }
    }

    fn member(self, key: &str) -> Option<Self> {
        match self.at {
            // The top level's fields were found when the event was parsed.
            At::Root => match Field::of(key) {
                Some(f) => match self.doc.fields(f) {
                    Some(span) => Some(self.at(span)),
                    None if self.doc.is_null_field(f) => Some(Self {
                        doc: self.doc,
                        at: At::Null,
                    }),
                    None => match (f, self.doc.implied_kind()) {
                        (Field::Type, Some(k)) => Some(Self {
                            doc: self.doc,
                            at: At::Implied(k),
                        }),
                        _ => None,
                    },
                },
                None => self.scan_member(self.doc.own(), key),
            },
            At::Text(span) => self.scan_member(span, key),
            At::Null | At::Implied(_) => None,
        }
    }

    fn elements(self) -> Vec<Self> {
        let Some(span) = self.span() else {
            return Vec::new();
        };
        let mut s = Scanner::new(self.doc.whole_text(), span);
        let mut out = Vec::new();
        if s.peek() == Some(b'[') {
            let _ = s.elements(|s| {
                out.push(s.value()?);
                Ok(())
            });
        }
        out.into_iter().map(|v| self.at(v)).collect()
    }

    fn members(self) -> Vec<(Cow<'a, str>, Self)> {
        let Some(span) = self.span() else {
            return Vec::new();
        };
        let doc: &'a Doc = self.doc;
        let mut s = Scanner::new(doc.whole_text(), span);
        let mut out: Vec<(Cow<'a, str>, Span)> = Vec::new();
        if s.peek() == Some(b'{') {
            let _ = s.members(|s, name| {
                let v = s.value()?;
                out.push((name.into_cow(), v));
                Ok(())
            });
        }
        let mut members: Vec<_> = out.into_iter().map(|(k, v)| (k, self.at(v))).collect();
        // A HAR endpoint's body without a type has the one its path implies.
        if let (At::Root, Some(k)) = (self.at, doc.implied_kind()) {
            if !members.iter().any(|(name, _)| name == "type") {
                members.insert(
                    0,
                    (
                        Cow::Borrowed("type"),
                        Self {
                            doc,
                            at: At::Implied(k),
                        },
                    ),
                );
            }
        }
        members
    }

    fn number_text(self) -> Option<Cow<'a, str>> {
        let At::Text(span) = self.at else {
            return None;
        };
        match Raw::from_json(self.doc.slice(span)) {
            Raw::Number(t) => Some(Cow::Borrowed(t)),
            _ => None,
        }
    }

    fn to_value(self) -> Value {
        match self.at {
            At::Root => self.doc.to_value(),
            At::Null => Value::Null,
            At::Implied(k) => Value::from(k.as_str()),
            At::Text(s) => serde_json::from_str(self.doc.slice(s)).unwrap_or(Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::read::event::Parsed;

    fn doc(text: &str) -> Doc {
        match Doc::parse(&Arc::from(text)).unwrap() {
            Parsed::Event(d) => *d,
            Parsed::Batch(_) | Parsed::TooManyEvents { .. } => panic!("a batch"),
        }
    }

    fn in_place(d: &Doc) -> Node<'_> {
        match d.tree() {
            Tree::InPlace(n) => n,
            Tree::Built(_) => panic!("built"),
        }
    }

    /// Reads `path` both ways and compares every step.
    fn same_along<'a>(node: Node<'a>, value: &'a Value, path: &[String]) -> Result<(), String> {
        let (mut n, mut v) = (Some(node), Some(value));
        for key in path {
            match (n.map(Json::shape), v.map(Json::shape)) {
                (a, b) if a == b => {}
                // serde_json's float reading may differ from the correctly rounded one in the
                // last place; JavaScript's is correctly rounded.
                (Some(Shape::Number(a)), Some(Shape::Number(b)))
                    if (a - b).abs() <= b.abs() * 1e-15 => {}
                (a, b) => return Err(format!("at {key}: {a:?} in place, {b:?} built")),
            }
            (n, v) = match key.parse::<usize>() {
                Ok(i) => (n.and_then(|n| n.element(i)), v.and_then(|v| v.element(i))),
                Err(_) => (n.and_then(|n| n.member(key)), v.and_then(|v| v.member(key))),
            };
        }
        if n.map(Json::to_value).as_ref() == v {
            Ok(())
        } else {
            Err(format!(
                "{path:?}: {:?} in place, {v:?} built",
                n.map(Json::to_value)
            ))
        }
    }

    #[test]
    fn nulls_absences_repeats_and_the_implied_type() {
        let text = r#"{"type":null,"event":"a","event":"b","properties":{"x":{"y":[1,{"z":"\u00e9"}]},"x":null},"other":{"k":[]}}"#;
        let d = doc(text);
        let v: Value = serde_json::from_str(text).unwrap();
        let root = in_place(&d);
        assert_eq!(root.member("type").map(Json::shape), Some(Shape::Null));
        assert_eq!(root.member("userId").map(Json::shape), None);
        assert_eq!(
            root.member("event").map(Json::shape),
            Some(Shape::Str("b".into()))
        );
        for path in ["properties.x", "other.k.0", "other.k", "event.length"] {
            let path: Vec<String> = path.split('.').map(str::to_owned).collect();
            same_along(root, &v, &path).unwrap();
        }
        let mut d = doc(r#"{"event":"e"}"#);
        d.imply_kind(Kind::Track);
        let root = in_place(&d);
        assert_eq!(
            root.member("type").map(Json::shape),
            Some(Shape::Str("track".into()))
        );
        assert_eq!(root.to_value()["type"], "track");
    }

    #[test]
    fn an_element_that_took_from_its_batch_has_no_tree() {
        let text = r#"{"batch":[{"type":"track","event":"a"},{"type":"track","context":{"x":1}}],"context":{"consent":{"categoryPreferences":{"C0001":true}}}}"#;
        let Parsed::Batch(events) = Doc::parse(&Arc::from(text)).unwrap() else {
            panic!("not a batch")
        };
        for e in events {
            assert!(matches!(e.unwrap().tree(), Tree::Built(_)));
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "a",
            "b",
            "type",
            "event",
            "properties",
            "context",
            "0",
            "1",
            "é",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-zé\"\\\\ ]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_path_reads_as_the_built_event_does(
            members in prop::collection::vec((prop::sample::select(vec!["type", "event", "properties", "context", "traits", "name", "a", "b"]), json_value()), 0..6),
            // A repeated key, written twice: the last counts.
            repeat in any::<bool>(),
            path in prop::collection::vec(prop::sample::select(vec!["a", "b", "type", "event", "properties", "context", "traits", "name", "0", "1", "é"]), 1..5),
        ) {
            let mut text = String::from("{");
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 { text.push(','); }
                text.push_str(&format!("{}:{}", Value::from(*k), v));
            }
            if repeat && !members.is_empty() {
                text.push_str(&format!(",{}:{}", Value::from(members[0].0), members[members.len() - 1].1));
            }
            text.push('}');
            let built: Value = serde_json::from_str(&text).unwrap();
            let d = match Doc::parse(&Arc::from(text.as_str())) {
                Ok(Parsed::Event(d)) => *d,
                // A top-level `batch` array without a type: not one event.
                _ => return Ok(()),
            };
            let path: Vec<String> = path.into_iter().map(str::to_owned).collect();
            prop_assert_eq!(same_along(in_place(&d), &built, &path), Ok(()), "{}", text);
        }
    }
}

//! JSON values borrowed from an event's text, and places in that text.

use std::borrow::Cow;

use serde_json::Value;

/// A byte range of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span {
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A JSON value, borrowed from the event's text where it can be.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw<'a> {
    Str(Cow<'a, str>),
    Number(&'a str),
    Bool(bool),
    Object(&'a str),
    Array(&'a str),
}

impl<'a> Raw<'a> {
    /// Reads the JSON text of one value (never `null`: nulls are dropped when parsing).
    pub(super) fn from_json(text: &'a str) -> Self {
        match text.as_bytes().first() {
            Some(b'"') => {
                let inner = &text[1..text.len() - 1];
                if inner.contains('\\') {
                    Raw::Str(Cow::Owned(serde_json::from_str(text).unwrap_or_default()))
                } else {
                    Raw::Str(Cow::Borrowed(inner))
                }
            }
            Some(b'{') => Raw::Object(text),
            Some(b'[') => Raw::Array(text),
            Some(b't') => Raw::Bool(true),
            Some(b'f') => Raw::Bool(false),
            _ => Raw::Number(text),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Raw::Str(s) => Some(s),
            _ => None,
        }
    }

    /// JavaScript truthiness (`false`, `0` and `""` are false; every other value, `[]` and
    /// `{}` included, is true), as analytics.js and consent-tools read flags. Never `null`
    /// here: a `null` is absent.
    pub fn is_truthy(&self) -> bool {
        match self {
            Raw::Bool(b) => *b,
            Raw::Str(s) => !s.is_empty(),
            Raw::Number(n) => !n.parse::<f64>().is_ok_and(|x| x == 0.0),
            Raw::Object(_) | Raw::Array(_) => true,
        }
    }

    pub fn is_true(&self) -> bool {
        *self == Raw::Bool(true)
    }

    pub fn is_bool(&self) -> bool {
        matches!(self, Raw::Bool(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Raw::Number(_))
    }

    /// A short description of the type, for messages.
    pub fn type_of(&self) -> &'static str {
        match self {
            Raw::Str(_) => "a string",
            Raw::Number(_) => "a number",
            Raw::Bool(_) => "a boolean",
            Raw::Object(_) => "an object",
            Raw::Array(_) => "an array",
        }
    }

    /// The value as compact JSON text.
    pub fn to_json(&self) -> Cow<'a, str> {
        match self {
            Raw::Str(s) => Cow::Owned(Value::from(s.as_ref()).to_string()),
            Raw::Number(t) | Raw::Object(t) | Raw::Array(t) => Cow::Borrowed(t),
            Raw::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Raw::Str(s) => Value::from(s.as_ref()),
            Raw::Bool(b) => Value::Bool(*b),
            Raw::Number(t) | Raw::Object(t) | Raw::Array(t) => {
                serde_json::from_str(t).unwrap_or(Value::Null)
            }
        }
    }
}

/// A member's key: a range of the text where it has no escapes, else the unescaped key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Key {
    Span(Span),
    Owned(Box<str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) value: Span,
}

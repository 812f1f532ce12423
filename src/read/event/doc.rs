//! One event: its text, where its fields are, and the views the rules read (consent,
//! preferences, integrations), with a batch's context and integrations merged in.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::field::{CPU_EVENT, FIELDS, Field, Kind};
use super::raw::{Entry, Key, Raw, Span};
use super::scan::ScanError;
use super::visit::{ConsentFields, ContextFields, Found, NotFound, members_of, non_null, top};
use crate::read::endpoint::MAX_BATCH_EVENTS;

/// `context.consent.categoryPreferences` as found on an event. `null` counts as absent.
#[derive(Debug, Clone, Copy)]
pub enum Preferences<'a> {
    Absent,
    NotObject(&'a Doc),
    Object(Members<'a>),
}

/// The members of a small object of the event (preferences, integrations), in their order.
/// Members whose value is `null` count as absent, except to `nulls`.
#[derive(Debug, Clone, Copy)]
pub struct Members<'a> {
    doc: &'a Doc,
    entries: &'a [Entry],
}

impl<'a> Members<'a> {
    /// Every member that is not `null`.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'a, str>, Raw<'a>)> + 'a {
        let doc = self.doc;
        self.entries
            .iter()
            .filter(move |e| !doc.is_null(e.value))
            .map(move |e| (doc.key(&e.key), doc.raw(e.value)))
    }

    /// The keys whose value is `null`.
    pub fn nulls(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        let doc = self.doc;
        self.entries
            .iter()
            .filter(move |e| doc.is_null(e.value))
            .map(move |e| doc.key(&e.key))
    }

    /// The value of the last member named `key` (as `serde_json` would keep it); `null` is
    /// absent.
    pub fn get(&self, key: &str) -> Option<Raw<'a>> {
        self.entries
            .iter()
            .rev()
            .find(|e| self.doc.key_is(&e.key, key))
            .filter(|e| !self.doc.is_null(e.value))
            .map(|e| self.doc.raw(e.value))
    }

    pub fn keys(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.iter().map(|(k, _)| k)
    }
}

/// What an element of a batch took from the batch's own `context` and `integrations`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Inherited {
    /// The batch's context, when it gave the element at least one key.
    context: Option<Span>,
    integrations: Option<Span>,
}

/// One event: the text it was read from and where its fields are. Cheap to clone.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    text: Arc<str>,
    /// The event's own JSON: the whole line, or one element of a batch.
    own: Span,
    fields: [Option<Span>; FIELDS],
    /// The fields written as `null`, one bit each.
    nulls: u32,
    /// The type implied by the endpoint a HAR capture sent it to, where the body has none.
    implied_kind: Option<Kind>,
    /// The type and whether this is a Consent Preference Updated event, read once: every
    /// step asks.
    kind: Option<Kind>,
    preference_event: bool,
    context: Option<ContextFields>,
    inherited: Inherited,
    consent: Option<ConsentFields>,
    preferences: Vec<Entry>,
    integrations: Vec<Entry>,
    /// `_metadata.bundled`: destinations the browser sends itself (device mode).
    bundled: Vec<Key>,
}

/// Why a text is not an event object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON: `serde_json`'s message and where it stopped.
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    /// JSON, but this type instead of an object.
    NotAnObject(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Json {
                message,
                line,
                column,
            } => {
                if *line > 1 {
                    write!(f, "{message} at line {line} column {column}")
                } else {
                    write!(f, "{message} at column {column}")
                }
            }
            ParseError::NotAnObject(t) => write!(f, "expected a JSON object, found {t}"),
        }
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        let msg = e.to_string();
        let bare = match msg.rfind(" at line ") {
            Some(i) => &msg[..i],
            None => &msg,
        };
        ParseError::Json {
            // serde_json may quote the input it did not expect: show it like any untrusted text.
            message: crate::text::printable(bare).into_owned(),
            line: e.line(),
            column: e.column(),
        }
    }
}

/// What one line (or request body) holds: one event, or the elements of a batch payload.
#[derive(Debug)]
pub enum Parsed {
    Event(Box<Doc>),
    /// Elements in order; each is an event or why it is not one.
    Batch(Vec<Result<Doc, ParseError>>),
    /// A batch of more than `MAX_BATCH_EVENTS` elements, which Segment rejects whole: its
    /// elements are counted, never built, so that a line's work is bounded whatever it holds.
    TooManyEvents {
        events: usize,
    },
}

impl Doc {
    /// Parses a line or request body.
    pub fn parse(text: &Arc<str>) -> Result<Parsed, ParseError> {
        let whole = Span {
            start: 0,
            end: text.len() as u32,
        };
        let (doc, batch) = match parse_object(text, whole) {
            Ok(d) => d,
            // The scanner's words for an error are serde_json's, but a full parse of the broken
            // line, which is rare, places some errors better (a trailing comma), unless it
            // stops at its depth limit first.
            Err(e @ ParseError::Json { .. }) => {
                return Err(match serde_json::from_str::<Value>(text) {
                    Err(full) if !full.to_string().starts_with("recursion limit") => full.into(),
                    _ => e,
                });
            }
            Err(e) => return Err(e),
        };
        let is_batch = doc.fields(Field::Type).is_none()
            && doc
                .fields(Field::Batch)
                .is_some_and(|s| text.as_bytes()[s.start as usize] == b'[');
        if !is_batch {
            return Ok(Parsed::Event(Box::new(doc)));
        }
        if batch.len() > MAX_BATCH_EVENTS {
            return Ok(Parsed::TooManyEvents {
                events: batch.len(),
            });
        }
        let out = batch
            .into_iter()
            .map(|el| {
                let (mut e, _) = parse_object(text, el)?;
                e.inherit(&doc);
                Ok(e)
            })
            .collect();
        Ok(Parsed::Batch(out))
    }

    /// Merges the batch's `context` and `integrations` into this element's by top-level key:
    /// a key the element lacks (or holds as `null`) is taken from the batch; a key it has
    /// keeps its own value, so an element's own `consent` replaces the batch's whole (HTTP
    /// API: the batch's context "will be merged with any context inside each of the items").
    fn inherit(&mut self, batch: &Doc) {
        if let Some(theirs) = &batch.context {
            let own_field = self.fields(Field::Context);
            let took = match (&mut self.context, own_field) {
                (None, None) => {
                    self.context = Some(theirs.clone());
                    self.fields[Field::Context as usize] = batch.fields(Field::Context);
                    self.consent.clone_from(&batch.consent);
                    self.preferences.clone_from(&batch.preferences);
                    true
                }
                (Some(mine), _) => {
                    let mut took = false;
                    let mut take = |own: &mut Option<Span>, batch: Option<Span>| {
                        if own.is_none() && batch.is_some() {
                            *own = batch;
                            took = true;
                        }
                    };
                    let consent_before = mine.consent;
                    take(&mut mine.consent, theirs.consent);
                    if mine.device.is_none() {
                        mine.advertising_id = theirs.advertising_id;
                    }
                    take(&mut mine.device, theirs.device);
                    take(&mut mine.traits, theirs.traits);
                    take(&mut mine.library, theirs.library);
                    if consent_before.is_none() && mine.consent.is_some() {
                        self.consent.clone_from(&batch.consent);
                        self.preferences.clone_from(&batch.preferences);
                    }
                    took
                }
                // The element's context is not an object: it keeps it.
                (None, Some(_)) => false,
            };
            if took {
                self.inherited.context = batch.fields(Field::Context);
            }
        }
        let Some(theirs) = batch.integrations_span() else {
            return;
        };
        let before = self.integrations.len();
        match self.fields(Field::Integrations) {
            None => {
                self.fields[Field::Integrations as usize] = Some(theirs);
                self.integrations.clone_from(&batch.integrations);
            }
            Some(mine) if self.text.as_bytes()[mine.start as usize] == b'{' => {
                let extra: Vec<Entry> = batch
                    .integrations
                    .iter()
                    .filter(|b| {
                        !self.integrations.iter().any(|e| {
                            !self.is_null(e.value) && self.key(&e.key) == batch.key(&b.key)
                        })
                    })
                    .cloned()
                    .collect();
                self.integrations.extend(extra);
            }
            Some(_) => {}
        }
        if self.integrations.len() != before || self.fields(Field::Integrations) == Some(theirs) {
            self.inherited.integrations = Some(theirs);
        }
    }

    fn integrations_span(&self) -> Option<Span> {
        self.fields(Field::Integrations)
            .filter(|s| self.text.as_bytes()[s.start as usize] == b'{')
    }

    /// Sets the type a HAR endpoint implies, for a body that has none.
    pub fn imply_kind(&mut self, kind: Kind) {
        if self.fields(Field::Type).is_none() {
            self.implied_kind = Some(kind);
            self.classify();
        }
    }

    pub(super) fn fields(&self, f: Field) -> Option<Span> {
        self.fields[f as usize]
    }

    pub(super) fn slice(&self, s: Span) -> &str {
        &self.text[s.start as usize..s.end as usize]
    }

    fn raw(&self, s: Span) -> Raw<'_> {
        Raw::from_json(self.slice(s))
    }

    fn is_null(&self, s: Span) -> bool {
        self.slice(s) == "null"
    }

    fn key_is(&self, k: &Key, key: &str) -> bool {
        match k {
            Key::Span(s) => self.slice(*s) == key,
            Key::Owned(o) => &**o == key,
        }
    }

    fn key(&self, k: &Key) -> Cow<'_, str> {
        match k {
            Key::Span(s) => Cow::Borrowed(self.slice(*s)),
            Key::Owned(o) => Cow::Owned(o.to_string()),
        }
    }

    /// The event's size in bytes, as its JSON was written.
    pub fn size(&self) -> usize {
        self.own.len()
    }

    /// The event's own JSON text, as written.
    pub fn json(&self) -> &str {
        self.slice(self.own)
    }

    /// A top-level field, when present and not `null`.
    pub fn get(&self, f: Field) -> Option<Raw<'_>> {
        if f == Field::Type && self.fields(f).is_none() {
            return self
                .implied_kind
                .map(|k| Raw::Str(Cow::Borrowed(k.as_str())));
        }
        self.fields(f).map(|s| self.raw(s))
    }

    /// A field that is a non-empty string.
    pub fn text(&self, f: Field) -> Option<Cow<'_, str>> {
        match self.get(f)? {
            Raw::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    fn classify(&mut self) {
        self.kind = self.get(Field::Type).and_then(|t| Kind::parse(t.as_str()?));
        self.preference_event =
            self.kind == Some(Kind::Track) && self.event_name().as_deref() == Some(CPU_EVENT);
    }

    pub fn user_id(&self) -> Option<Cow<'_, str>> {
        self.text(Field::UserId)
    }

    pub fn anonymous_id(&self) -> Option<Cow<'_, str>> {
        self.text(Field::AnonymousId)
    }

    pub fn previous_id(&self) -> Option<Cow<'_, str>> {
        self.text(Field::PreviousId)
    }

    pub fn message_id(&self) -> Option<Cow<'_, str>> {
        self.text(Field::MessageId)
    }

    /// The track event name, when it is a string.
    pub fn event_name(&self) -> Option<Cow<'_, str>> {
        match self.get(Field::Event)? {
            Raw::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What the event is called where lists show it: a track's `event`, else a page's or
    /// screen's `name`.
    pub fn label(&self) -> Option<Cow<'_, str>> {
        self.event_name().or_else(|| self.text(Field::Name))
    }

    /// Whose event this is: `userId` if present, else `anonymousId`.
    pub fn identity(&self) -> Option<Cow<'_, str>> {
        self.user_id().or_else(|| self.anonymous_id())
    }

    /// A track event named exactly "Segment Consent Preference Updated".
    pub fn is_preference_event(&self) -> bool {
        self.preference_event
    }

    /// `context.consent`, whatever its type.
    pub fn consent(&self) -> Option<Raw<'_>> {
        self.context.as_ref()?.consent.map(|s| self.raw(s))
    }

    /// `context.consent` when it is an object.
    pub fn consent_fields(&self) -> Option<&ConsentFields> {
        self.consent.as_ref()
    }

    pub fn consent_version(&self) -> Option<Raw<'_>> {
        self.consent.as_ref()?.version.map(|s| self.raw(s))
    }

    /// `context.library.name`, whatever its type.
    pub fn library_name(&self) -> Option<Raw<'_>> {
        self.context.as_ref()?.library.map(|s| self.raw(s))
    }

    /// `context.device`, whatever its type.
    pub fn device(&self) -> Option<Raw<'_>> {
        self.context.as_ref()?.device.map(|s| self.raw(s))
    }

    pub fn advertising_id(&self) -> Option<Raw<'_>> {
        self.context.as_ref()?.advertising_id.map(|s| self.raw(s))
    }

    pub fn preferences(&self) -> Preferences<'_> {
        let Some(span) = self.consent.as_ref().and_then(|c| c.preferences) else {
            return Preferences::Absent;
        };
        if self.text.as_bytes()[span.start as usize] == b'{' {
            Preferences::Object(Members {
                doc: self,
                entries: &self.preferences,
            })
        } else {
            Preferences::NotObject(self)
        }
    }

    /// `categoryPreferences` as written, whatever its type.
    pub fn preferences_raw(&self) -> Option<Raw<'_>> {
        self.consent.as_ref()?.preferences.map(|s| self.raw(s))
    }

    /// `integrations` when it is an object, with what a batch added to it.
    pub fn integrations(&self) -> Option<Members<'_>> {
        let span = self.fields(Field::Integrations)?;
        (self.text.as_bytes()[span.start as usize] == b'{').then_some(Members {
            doc: self,
            entries: &self.integrations,
        })
    }

    /// Whether `_metadata.bundled` names this destination: analytics.js sends it from the
    /// browser (device mode), so Segment's servers skip it.
    pub fn is_bundled(&self, destination: &str) -> bool {
        self.bundled.iter().any(|k| self.key_is(k, destination))
    }

    /// Every non-empty string of `traits` and `context.traits`, with its key, for finding a
    /// user by a trait (the terminal UI's user search).
    pub fn trait_texts(&self, mut each: impl FnMut(&str, &str)) {
        let spans = [
            self.fields(Field::Traits),
            self.context.as_ref().and_then(|c| c.traits),
        ];
        for span in spans.into_iter().flatten() {
            members_of(&self.text, span, |k, v| {
                if let Some(Raw::Str(s)) = non_null(&self.text, v).map(|v| self.raw(v)) {
                    if !s.is_empty() {
                        each(k, &s);
                    }
                }
            });
        }
    }

    /// `traits.<key>` (identify, group) or else `context.traits.<key>`, when a non-empty
    /// string: where external ids such as an email are found.
    pub fn trait_text(&self, key: &str) -> Option<String> {
        let spans = [
            self.fields(Field::Traits),
            self.context.as_ref().and_then(|c| c.traits),
        ];
        spans.into_iter().flatten().find_map(|span| {
            let mut found = None;
            members_of(&self.text, span, |k, v| {
                if k == key {
                    found = non_null(&self.text, v);
                }
            });
            match self.raw(found?) {
                Raw::Str(s) if !s.is_empty() => Some(s.into_owned()),
                _ => None,
            }
        })
    }

    /// The event as JSON, with what it took from its batch (context and integrations keys)
    /// and the type its endpoint implies put in: what Segment would store.
    pub fn to_value(&self) -> Value {
        let mut v: Value = serde_json::from_str(self.json()).unwrap_or(Value::Null);
        if let Value::Object(obj) = &mut v {
            for (f, from) in [
                (Field::Context, self.inherited.context),
                (Field::Integrations, self.inherited.integrations),
            ] {
                let Some(Value::Object(theirs)) = from.map(|s| self.raw(s).to_value()) else {
                    continue;
                };
                let mine = obj
                    .entry(f.key())
                    .and_modify(|m| {
                        if m.is_null() {
                            *m = Value::Object(serde_json::Map::new());
                        }
                    })
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                if let Value::Object(mine) = mine {
                    for (k, val) in theirs {
                        let slot = mine.entry(k).or_insert(Value::Null);
                        if slot.is_null() {
                            *slot = val;
                        }
                    }
                }
            }
            if let (Some(k), None) = (self.implied_kind, obj.get("type")) {
                obj.insert("type".into(), Value::from(k.as_str()));
            }
        }
        v
    }

    /// Whether `f` was written as `null`.
    pub(super) fn is_null_field(&self, f: Field) -> bool {
        self.nulls & (1 << f as u32) != 0
    }

    pub(super) fn implied_kind(&self) -> Option<Kind> {
        self.implied_kind
    }

    /// The whole text the event was read from (a batch's, for its elements).
    pub(super) fn whole_text(&self) -> &str {
        &self.text
    }

    pub(super) fn own(&self) -> Span {
        self.own
    }

    /// Whether context or integrations took keys from the batch the event was in.
    pub fn inherited_from_batch(&self) -> bool {
        self.inherited.context.is_some() || self.inherited.integrations.is_some()
    }
}

/// Parses the object at `span` of `text`, recording where the fields are; with it, the
/// elements of its `batch` when that is an array.
fn parse_object(text: &Arc<str>, span: Span) -> Result<(Doc, Vec<Span>), ParseError> {
    let found = top(text, span).map_err(|e| match e {
        NotFound::Json(e) => e.into_parse_error(text),
        NotFound::Other(t) => ParseError::NotAnObject(t),
    })?;
    let Found {
        fields,
        nulls,
        context,
        consent,
        preferences,
        integrations,
        bundled,
        batch,
    } = found;
    let mut doc = Doc {
        text: text.clone(),
        own: span,
        fields,
        nulls,
        implied_kind: None,
        kind: None,
        preference_event: false,
        context,
        inherited: Inherited::default(),
        consent,
        preferences,
        integrations,
        bundled,
    };
    doc.classify();
    Ok((doc, batch))
}

impl ScanError {
    fn into_parse_error(self, text: &str) -> ParseError {
        let before = &text.as_bytes()[..self.at.min(text.len())];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        ParseError::Json {
            message: crate::text::printable(&self.message).into_owned(),
            line,
            // serde_json's column: the byte's, counted from 1, or the last byte's at the end.
            column: (before.len() + 1).min(text.len()) - line_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Doc {
        match Doc::parse(&Arc::from(text)).unwrap() {
            Parsed::Event(d) => *d,
            Parsed::Batch(_) | Parsed::TooManyEvents { .. } => panic!("a batch"),
        }
    }

    #[test]
    fn reads_the_fields_the_rules_need_and_skips_the_rest() {
        let d = one(
            r#"{"type":"track","event":"Order \"Completed\"","userId":"u1","properties":{"deep":[{"x":1}]},
               "context":{"page":{"url":"x"},"consent":{"version":2,"categoryPreferences":{"C0001":true,"C\u0030002":false,"C0003":"yes"}},
                          "device":{"advertisingId":42}},
               "integrations":{"All":false,"Braze":true},"messageId":null}"#,
        );
        assert_eq!(d.kind(), Some(Kind::Track));
        assert_eq!(d.event_name().as_deref(), Some("Order \"Completed\""));
        assert_eq!(d.user_id().as_deref(), Some("u1"));
        assert_eq!(d.message_id(), None, "null is absent");
        assert_eq!(d.consent_version(), Some(Raw::Number("2")));
        assert_eq!(d.advertising_id(), Some(Raw::Number("42")));
        let Preferences::Object(p) = d.preferences() else {
            panic!("preferences")
        };
        let got: Vec<(String, Raw)> = p.iter().map(|(k, v)| (k.into_owned(), v)).collect();
        assert_eq!(
            got,
            vec![
                ("C0001".into(), Raw::Bool(true)),
                ("C0002".into(), Raw::Bool(false)),
                ("C0003".into(), Raw::Str("yes".into()))
            ]
        );
        let i = d.integrations().unwrap();
        assert_eq!(i.get("All"), Some(Raw::Bool(false)));
        assert_eq!(i.get("Braze"), Some(Raw::Bool(true)));
    }

    #[test]
    fn duplicate_keys_keep_the_last_as_serde_json_does() {
        let d = one(r#"{"type":"page","type":"track","userId":"a","userId":"b"}"#);
        assert_eq!(d.kind(), Some(Kind::Track));
        assert_eq!(d.user_id().as_deref(), Some("b"));
    }

    #[test]
    fn not_objects_and_broken_json_are_errors() {
        assert_eq!(
            Doc::parse(&Arc::from("[1,2]")).unwrap_err(),
            ParseError::NotAnObject("an array")
        );
        assert_eq!(
            Doc::parse(&Arc::from("\"x\"")).unwrap_err(),
            ParseError::NotAnObject("a string")
        );
        let e = Doc::parse(&Arc::from(r#"{"a": [1, }"#)).unwrap_err();
        assert_eq!(e.to_string(), "expected value at column 11");
        let e = Doc::parse(&Arc::from(r#"{"a": 1} x"#)).unwrap_err();
        assert_eq!(e.to_string(), "trailing characters at column 10");
    }

    #[test]
    fn batch_elements_take_the_batch_context_and_integrations() {
        let text = r#"{"batch":[{"type":"track","event":"a"},{"type":"page","context":{"consent":{}}},7],
                      "context":{"consent":{"categoryPreferences":{"C0002":true}}},"integrations":{"All":false}}"#;
        let Parsed::Batch(els) = Doc::parse(&Arc::from(text)).unwrap() else {
            panic!("batch")
        };
        assert_eq!(els.len(), 3);
        let a = els[0].as_ref().unwrap();
        assert!(
            matches!(a.preferences(), Preferences::Object(p) if p.get("C0002") == Some(Raw::Bool(true)))
        );
        assert_eq!(a.integrations().unwrap().get("All"), Some(Raw::Bool(false)));
        assert_eq!(a.json(), r#"{"type":"track","event":"a"}"#);
        assert_eq!(a.size(), 28);
        assert!(a.inherited_from_batch());
        assert_eq!(
            a.to_value()["context"]["consent"]["categoryPreferences"]["C0002"],
            true
        );
        let b = els[1].as_ref().unwrap();
        assert!(
            b.consent_fields().unwrap().is_empty(),
            "its own context wins"
        );
        assert_eq!(els[2], Err(ParseError::NotAnObject("a number")));
    }

    #[test]
    fn an_implied_type_fills_only_a_missing_one() {
        let mut d = one(r#"{"event":"x"}"#);
        d.imply_kind(Kind::Track);
        assert_eq!(d.kind(), Some(Kind::Track));
        assert_eq!(d.to_value()["type"], "track");
        let mut d = one(r#"{"type":"page"}"#);
        d.imply_kind(Kind::Track);
        assert_eq!(d.kind(), Some(Kind::Page));
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        // serde_json skips values it is not asked to build with a loop, not recursion.
        for depth in [10_000, 1_000_000] {
            let deep = format!(
                "{{\"type\":{}{},\"userId\":\"u\"}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let d = one(&deep);
            assert!(matches!(d.get(Field::Type), Some(Raw::Array(_))));
            assert_eq!(d.user_id().as_deref(), Some("u"));
        }
        let broken = format!("{{\"a\":{}}}", "[".repeat(100_000));
        assert!(matches!(
            Doc::parse(&Arc::from(broken)),
            Err(ParseError::Json { .. })
        ));
    }
}

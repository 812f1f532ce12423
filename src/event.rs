//! A typed view over one event's JSON: what the rules read, without copying the payload.

use serde_json::{Map, Value};

/// The exact event name of a Consent Preference Updated event.
pub const CPU_EVENT: &str = "Segment Consent Preference Updated";
/// The name used before 2024-02-15; now an ordinary track event.
pub const LEGACY_CPU_EVENT: &str = "Segment Consent Preference";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Track,
    Identify,
    Page,
    Screen,
    Group,
    Alias,
}

impl Kind {
    pub const ALL: [Self; 6] = [
        Self::Track,
        Self::Identify,
        Self::Page,
        Self::Screen,
        Self::Group,
        Self::Alias,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Identify => "identify",
            Self::Page => "page",
            Self::Screen => "screen",
            Self::Group => "group",
            Self::Alias => "alias",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `context.consent.categoryPreferences` as found on an event. `null` counts as absent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Preferences<'a> {
    Absent,
    NotObject(&'a Value),
    Object(&'a Map<String, Value>),
}

#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    obj: &'a Map<String, Value>,
}

/// A value that is present and not `null`.
fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

impl<'a> Event<'a> {
    /// None when the JSON is not an object.
    pub fn new(json: &'a Value) -> Option<Self> {
        json.as_object().map(|obj| Self { obj })
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        present(self.obj.get(key))
    }

    /// A field that is a non-empty string.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.get(key)?.as_str().filter(|s| !s.is_empty())
    }

    /// The `type` field as written, when it is a string.
    pub fn type_name(&self) -> Option<&'a str> {
        self.get("type")?.as_str()
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(self.type_name()?)
    }

    pub fn user_id(&self) -> Option<&'a str> {
        self.text("userId")
    }

    pub fn anonymous_id(&self) -> Option<&'a str> {
        self.text("anonymousId")
    }

    pub fn previous_id(&self) -> Option<&'a str> {
        self.text("previousId")
    }

    pub fn message_id(&self) -> Option<&'a str> {
        self.text("messageId")
    }

    /// The track event name, when it is a string.
    pub fn event_name(&self) -> Option<&'a str> {
        self.get("event")?.as_str()
    }

    /// Whose event this is: `userId` if present, else `anonymousId`.
    pub fn identity(&self) -> Option<&'a str> {
        self.user_id().or_else(|| self.anonymous_id())
    }

    /// A track event named exactly "Segment Consent Preference Updated".
    pub fn is_preference_event(&self) -> bool {
        self.kind() == Some(Kind::Track) && self.event_name() == Some(CPU_EVENT)
    }

    pub fn context(&self) -> Option<&'a Map<String, Value>> {
        self.get("context")?.as_object()
    }

    /// `context.consent`, whatever its type.
    pub fn consent(&self) -> Option<&'a Value> {
        present(self.context()?.get("consent"))
    }

    pub fn preferences(&self) -> Preferences<'a> {
        let Some(Value::Object(consent)) = self.consent() else {
            return Preferences::Absent;
        };
        match present(consent.get("categoryPreferences")) {
            None => Preferences::Absent,
            Some(Value::Object(m)) => Preferences::Object(m),
            Some(other) => Preferences::NotObject(other),
        }
    }

    pub fn integrations(&self) -> Option<&'a Map<String, Value>> {
        self.get("integrations")?.as_object()
    }
}

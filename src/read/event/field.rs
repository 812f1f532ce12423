//! The event types and the top-level fields of an event that the rules read.

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

/// The top-level fields an event may have that the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Type,
    Event,
    UserId,
    AnonymousId,
    PreviousId,
    MessageId,
    Name,
    Timestamp,
    OriginalTimestamp,
    SentAt,
    ReceivedAt,
    Context,
    Integrations,
    Batch,
    Properties,
    Traits,
    /// A page's or screen's category.
    Category,
    /// `_metadata`, where analytics.js lists the destinations the browser sends itself.
    Metadata,
}

/// How many fields `Field` has.
pub(super) const FIELDS: usize = 18;

impl Field {
    pub const TIMESTAMPS: [Field; 4] = [
        Field::Timestamp,
        Field::OriginalTimestamp,
        Field::SentAt,
        Field::ReceivedAt,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Event => "event",
            Field::UserId => "userId",
            Field::AnonymousId => "anonymousId",
            Field::PreviousId => "previousId",
            Field::MessageId => "messageId",
            Field::Name => "name",
            Field::Timestamp => "timestamp",
            Field::OriginalTimestamp => "originalTimestamp",
            Field::SentAt => "sentAt",
            Field::ReceivedAt => "receivedAt",
            Field::Context => "context",
            Field::Integrations => "integrations",
            Field::Batch => "batch",
            Field::Properties => "properties",
            Field::Traits => "traits",
            Field::Category => "category",
            Field::Metadata => "_metadata",
        }
    }

    /// The field a key names; a `match` so that the compiler picks by length first.
    pub(super) fn of(key: &str) -> Option<Field> {
        Some(match key {
            "type" => Field::Type,
            "event" => Field::Event,
            "userId" => Field::UserId,
            "anonymousId" => Field::AnonymousId,
            "previousId" => Field::PreviousId,
            "messageId" => Field::MessageId,
            "name" => Field::Name,
            "timestamp" => Field::Timestamp,
            "originalTimestamp" => Field::OriginalTimestamp,
            "sentAt" => Field::SentAt,
            "receivedAt" => Field::ReceivedAt,
            "context" => Field::Context,
            "integrations" => Field::Integrations,
            "batch" => Field::Batch,
            "properties" => Field::Properties,
            "traits" => Field::Traits,
            "category" => Field::Category,
            "_metadata" => Field::Metadata,
            _ => return None,
        })
    }
}

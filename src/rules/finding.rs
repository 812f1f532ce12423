//! What a vendor's ingest stage finds in a record: `Code` (each vendor's wire codes and this
//! tool's, with their severity and who defines them) and `Finding`.

use serde_json::Value;

use crate::read::event::Raw;
use crate::text::printable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// Who defines a code: Segment (Delivery Overview shows it), RudderStack (its gateway answers
/// with it), or this tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Author {
    Segment,
    RudderStack,
    Ours,
}

macro_rules! codes {
    ($($variant:ident = $wire:literal, $sev:ident, $author:ident, $about:literal;)*) => {
        /// A finding's code. `as_str` is the wire code: Segment's own where it has one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $wire,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// Whether Segment reports this code itself (Delivery Overview's "Failed on
            /// Ingest" table) or it is this tool's.
            pub fn author(self) -> Author {
                match self { $(Code::$variant => Author::$author,)* }
            }

            /// One sentence on what the code means, for reports and the help screen. For
            /// Segment's codes, Segment's own words.
            pub fn about(self) -> &'static str {
                match self { $(Code::$variant => $about,)* }
            }
        }
    };
}

codes! {
    InvalidJson = "invalid_json", Error, Ours, "The line is not JSON.";
    NotAnObject = "not_an_object", Error, Ours, "The line is JSON, but not an object.";
    EmptyBatch = "empty_batch", Error, Segment, "The batch request contained no messages";
    BatchTooLarge = "batch_too_large", Error, Ours, "Segment's HTTP API refuses a batch over 500 KB: every event in it is rejected.";
    BatchTooManyEvents = "batch_too_many_events", Error, Ours, "Segment's HTTP API takes at most 2500 events per batch: every event in a larger one is rejected.";
    TypeRequired = "type_required", Error, Ours, "No type, or not one of track, identify, page, screen, group, alias.";
    NoUserAnonId = "no_user_anon_id", Error, Segment, "The userID or anonymousID was not provided";
    IdNotString = "id_not_string", Error, Segment, "The userID or anonymousId was an empty string or not a string";
    IdRequired = "id_required", Error, Segment, "All payloads require a userId and/or an anonymousId";
    EventNotDefined = "event_not_defined", Error, Segment, "Track event did not have event name";
    EventNotString = "event_not_string", Error, Segment, "Track event name is not a string";
    PropertiesNotObject = "properties_not_object", Error, Segment, "The properties field must be an object type";
    TraitsNotObject = "traits_not_object", Error, Segment, "The traits field must be an object type";
    NameNotString = "name_not_string", Error, Segment, "For Page or Screen calls, name field was an empty string or not a string";
    CategoryNotString = "category_not_string", Error, Segment, "For Page or Screen calls, category field was an empty string or not a string";
    EventTooLarge = "event_too_large", Error, Ours, "Segment's HTTP API refuses events over 32 KB.";
    PreferencesShouldExist = "consent_categorypreferences_should_exist", Error, Segment, "context.consent.categoryPreferences object is required";
    PreferencesShouldBeObject = "consent_categorypreferences_fields_should_be_object", Error, Segment, "context.consent.categoryPreferences must be an object";
    PreferencesShouldBeBool = "consent_categorypreferences_fields_should_be_bool", Error, Segment, "Consent preferences for the categories must be boolean";
    VersionShouldBeNumber = "consent_version_should_be_number", Error, Segment, "Version must be a number";
    AdvertisingIdShouldBeString = "device_advertisingid_should_be_string", Error, Segment, "advertisingId must be a string";
    ConsentObjectEmpty = "consent_object_empty", Warning, Ours, "context.consent is empty: consent is not enforced for this event (Segment's own reconciliation table disagrees in one row).";
    PreferencesNotObject = "category_preferences_not_object", Warning, Ours, "categoryPreferences is not an object: every mapped destination is blocked.";
    PreferenceNotBoolean = "category_preference_not_boolean", Warning, Ours, "A preference that is not a boolean counts as not consented.";
    PreferenceMisspelled = "category_preference_misspelled", Warning, Ours, "categoryPreference (without the s) is not read by Segment.";
    UnknownCategory = "unknown_category", Warning, Ours, "A preference for a category the workspace does not have is ignored.";
    CategoryCaseMismatch = "category_case_mismatch", Warning, Ours, "Category ids are case sensitive: this key matches a category only when case is ignored.";
    LegacyConsentEventName = "legacy_consent_event_name", Warning, Ours, "\"Segment Consent Preference\" was renamed \"Segment Consent Preference Updated\" on 2024-02-15; the old name is an ordinary track event.";
    MessageIdMissing = "message_id_missing", Warning, Ours, "Without a messageId, Segment cannot deduplicate the event.";
    MessageIdTooLong = "message_id_too_long", Warning, Ours, "A messageId over 100 characters: Segment limits it to 100, and Unify drops the event.";
    DuplicateMessageId = "duplicate_message_id", Warning, Ours, "Segment drops events whose messageId it has already seen.";
    TimestampInvalid = "timestamp_invalid", Warning, Ours, "A timestamp that is not RFC 3339.";
    IntegrationsUnknownKey = "integrations_unknown_key", Warning, Ours, "An integrations key that names no destination has no effect (keys are case sensitive).";
    SegmentIoDisabled = "segment_io_disabled", Warning, Ours, "integrations[\"Segment.io\"] is off: analytics.js would not have sent this event to Segment.";
    ConsentMissing = "consent_missing", Warning, Ours, "An event without consent from a user whose profile holds consent.";
    ConsentChangedWithoutPreferenceEvent = "consent_changed_without_preference_event", Warning, Ours, "Preferences changed on an ordinary event, with no Consent Preference Updated event recording the change first.";
    DeviceModeAfterWithdrawal = "device_mode_after_withdrawal", Warning, Ours, "Opt-in consent model: a device-mode destination loaded with the page keeps receiving events after the user withdrew consent, until the next page load.";
    UnplannedEvent = "unplanned_event", Warning, Ours, "The source's tracking plan has no rule for this call, and the source blocks unplanned calls (Protocols).";
    UnplannedProperty = "unplanned_property", Warning, Ours, "A property (or trait) the call's tracking plan rule does not plan, which the source omits (Protocols).";
    SchemaViolation = "schema_violation", Warning, Ours, "The call breaks its tracking plan rule's JSON Schema.";
    CommonSchemaViolation = "common_schema_violation", Warning, Ours, "The call breaks the tracking plan's common JSON Schema.";
    WrongType = "wrong_type", Warning, Ours, "A field the rules read has a type they cannot use, so it is ignored.";
    NonIdentifiableRequest = "non_identifiable_request", Error, RudderStack, "request neither has anonymousId nor userId";
    NotRudderEvent = "not_rudder_event", Error, RudderStack, "event is not a valid rudder event";
    EmptyBatchPayload = "empty_batch_payload", Error, RudderStack, "empty batch payload";
    LineNotRead = "line_not_read", Error, Ours, "A line over 1 MiB, or a batch of over 2500 events, is not read event by event by this tool (RudderStack takes requests up to 4000 KB).";
    ConsentIdsNotStrings = "consent_ids_not_strings", Warning, Ours, "deniedConsentIds is not a list of strings: RudderStack's server cannot read consentManagement and filters nothing.";
    ConsentProviderUnknown = "consent_provider_unknown", Warning, Ours, "RudderStack's browser SDK has no consent plugin for this provider: it loads every destination.";
    ResolutionStrategyUnknown = "resolution_strategy_unknown", Warning, Ours, "A resolutionStrategy other than and or or: RudderStack reads it as and.";
    SegmentConsentIgnored = "segment_consent_ignored", Warning, Ours, "Segment's context.consent is not read under RudderStack's rules (its consent is context.consentManagement): the event is decided as carrying no consent. route --compare, and V in the UI, translate it.";
}

/// One thing validation found, with the JSON path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub message: String,
    /// Dotted path into the event (`context.consent.version`); None where it is the whole line.
    pub path: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>, path: Option<String>) -> Self {
        Self {
            code,
            message: message.into(),
            path,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// `base.key`, or `base["key"]` when the key is not a plain name.
pub fn join_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-');
    if plain {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", Value::from(key))
    }
}

/// A value as it may appear inside a message: compact JSON, sanitised and cut short.
pub fn shown(v: &Raw<'_>) -> String {
    printable(&crate::text::truncate(&v.to_json(), 60)).into_owned()
}

//! Ingestion validation (RULES §2): what Segment refuses (errors: the event is not ingested)
//! and what it takes but is almost certainly an integration bug (warnings).

use std::fmt::Write;

use serde_json::Value;

use crate::read::endpoint::{MAX_BATCH_BYTES, MAX_EVENT_BYTES};
use crate::read::event::{Doc, Field, Kind, LEGACY_CPU_EVENT, Preferences, Raw};
use crate::read::input::{Record, RecordError};
use crate::text::printable;
use crate::workspace::Workspace;

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
    MessageIdTooLong = "message_id_too_long", Warning, Ours, "Segment asks for unique messageIds of fewer than 100 characters.";
    DuplicateMessageId = "duplicate_message_id", Warning, Ours, "Segment drops events whose messageId it has already seen.";
    TimestampInvalid = "timestamp_invalid", Warning, Ours, "A timestamp that is not RFC 3339.";
    IntegrationsUnknownKey = "integrations_unknown_key", Warning, Ours, "An integrations key that names no destination has no effect (keys are case sensitive).";
    SegmentIoDisabled = "segment_io_disabled", Warning, Ours, "integrations[\"Segment.io\"] is off: analytics.js would not have sent this event to Segment.";
    ConsentMissing = "consent_missing", Warning, Ours, "An event without consent from a user whose profile holds consent.";
    ConsentChangedWithoutPreferenceEvent = "consent_changed_without_preference_event", Warning, Ours, "Preferences changed on an ordinary event, with no Consent Preference Updated event recording the change first.";
    DeviceModeAfterWithdrawal = "device_mode_after_withdrawal", Warning, Ours, "Opt-in consent model: a device-mode destination loaded with the page keeps receiving events after the user withdrew consent, until the next page load.";
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

const PREFS: &str = "context.consent.categoryPreferences";

/// The findings that need nothing but the record and the workspace. Per-user findings
/// (duplicates, profile warnings) are added by the engine.
pub fn validate(record: &Record, ws: &Workspace) -> Vec<Finding> {
    if ws.dialect() == crate::workspace::dialect::Dialect::RudderStack {
        return crate::rules::rudderstack::validate::validate(record);
    }
    let mut out = Vec::new();
    let ev = match &record.json {
        Ok(d) => d,
        Err(e) => {
            let code = match e {
                RecordError::InvalidJson(_) => Code::InvalidJson,
                RecordError::NotAnObject(_) => Code::NotAnObject,
                RecordError::TooLarge { .. } => Code::EventTooLarge,
                RecordError::EmptyBatch => Code::EmptyBatch,
                RecordError::TooManyEvents { .. } => Code::BatchTooManyEvents,
            };
            out.push(Finding::new(code, e.to_string(), None));
            return out;
        }
    };
    if let Some(batch) = record.batch {
        check_batch(batch, &mut out);
    }
    if record.size > MAX_EVENT_BYTES {
        let msg = format!(
            "event is {} bytes; Segment accepts at most 32 KB ({MAX_EVENT_BYTES} bytes)",
            record.size
        );
        out.push(Finding::new(Code::EventTooLarge, msg, None));
    }
    check_type_and_ids(ev, &mut out);
    check_fields(ev, &mut out);
    check_consent(ev, ws, &mut out);
    check_shapes(ev, &mut out);
    check_integrations(ev, ws, &mut out);
    check_message_id_and_timestamps(ev, &mut out);
    out
}

fn check_batch(batch: crate::read::input::Batch, out: &mut Vec<Finding>) {
    if batch.bytes > MAX_BATCH_BYTES {
        let msg = format!(
            "the batch this event is in is {} bytes; Segment's HTTP API refuses a batch over 500 KB ({MAX_BATCH_BYTES} bytes), so every event in it is rejected",
            batch.bytes
        );
        out.push(Finding::new(Code::BatchTooLarge, msg, Some("batch".into())));
    }
    // A batch of more than `MAX_BATCH_EVENTS` is one record (`RecordError::TooManyEvents`).
}

/// `"x"` for a string, else the value's type: how a wrong value is named in messages.
fn described(v: &Raw<'_>) -> String {
    match v {
        Raw::Str(s) if s.is_empty() => "an empty string".into(),
        Raw::Str(_) => format!("the string {}", shown(v)),
        other => other.type_of().into(),
    }
}

fn check_type_and_ids(ev: &Doc, out: &mut Vec<Finding>) {
    let kind = ev.kind();
    if kind.is_none() {
        let msg = match ev.get(Field::Type) {
            None => "type is missing".to_owned(),
            Some(Raw::Str(s)) => format!(
                "type \"{}\" is not one of track, identify, page, screen, group, alias",
                printable(&s)
            ),
            Some(v) => format!("type must be a string, found {}", v.type_of()),
        };
        out.push(Finding::new(Code::TypeRequired, msg, Some("type".into())));
    }
    if kind == Some(Kind::Alias) {
        for f in [Field::UserId, Field::PreviousId] {
            if ev.text(f).is_none() {
                let found = ev.get(f).map_or("missing".into(), |v| described(&v));
                let msg = format!(
                    "{}: alias events require {} to be a non-empty string (it is {found})",
                    Code::IdRequired.about(),
                    f.key()
                );
                out.push(Finding::new(Code::IdRequired, msg, Some(f.key().into())));
            }
        }
    } else if ev.user_id().is_none() && ev.anonymous_id().is_none() {
        let present: Vec<(Field, Raw<'_>)> = [Field::UserId, Field::AnonymousId]
            .into_iter()
            .filter_map(|f| Some((f, ev.get(f)?)))
            .collect();
        match present.first() {
            None => out.push(Finding::new(
                Code::NoUserAnonId,
                format!("{} (both are absent or null)", Code::NoUserAnonId.about()),
                Some("userId".into()),
            )),
            Some((first, _)) => {
                let parts: Vec<String> = present
                    .iter()
                    .map(|(f, v)| format!("{} is {}", f.key(), described(v)))
                    .collect();
                out.push(Finding::new(
                    Code::IdNotString,
                    format!("{}: {}", Code::IdNotString.about(), parts.join(", ")),
                    Some(first.key().into()),
                ));
            }
        }
    }
    if kind == Some(Kind::Track) {
        match ev.get(Field::Event) {
            Some(Raw::Str(name)) if !name.is_empty() => {
                if name == LEGACY_CPU_EVENT {
                    let msg = format!(
                        "\"{LEGACY_CPU_EVENT}\" is the name used before 2024-02-15; use \"{}\"",
                        crate::read::event::CPU_EVENT
                    );
                    out.push(Finding::new(
                        Code::LegacyConsentEventName,
                        msg,
                        Some("event".into()),
                    ));
                }
            }
            None | Some(Raw::Str(_)) => {
                let found = if ev.get(Field::Event).is_some() {
                    "an empty string"
                } else {
                    "absent or null"
                };
                let msg = format!("{} (event is {found})", Code::EventNotDefined.about());
                out.push(Finding::new(
                    Code::EventNotDefined,
                    msg,
                    Some("event".into()),
                ));
            }
            Some(v) => {
                let msg = format!("{}: event is {}", Code::EventNotString.about(), v.type_of());
                out.push(Finding::new(
                    Code::EventNotString,
                    msg,
                    Some("event".into()),
                ));
            }
        }
    }
}

/// The fields Segment requires to have a type: properties and traits objects, a page's or
/// screen's name and category non-empty strings.
fn check_fields(ev: &Doc, out: &mut Vec<Finding>) {
    let kind = ev.kind();
    let mut not_object = |f: Field, code: Code| {
        if let Some(v) = ev.get(f).filter(|v| !matches!(v, Raw::Object(_))) {
            let msg = format!("{}: {} is {}", code.about(), f.key(), described(&v));
            out.push(Finding::new(code, msg, Some(f.key().into())));
        }
    };
    not_object(Field::Properties, Code::PropertiesNotObject);
    if matches!(kind, Some(Kind::Identify | Kind::Group)) {
        not_object(Field::Traits, Code::TraitsNotObject);
    }
    if matches!(kind, Some(Kind::Page | Kind::Screen)) {
        for (f, code) in [
            (Field::Name, Code::NameNotString),
            (Field::Category, Code::CategoryNotString),
        ] {
            if let Some(v) = ev.get(f).filter(|_| ev.text(f).is_none()) {
                let msg = format!("{}: {} is {}", code.about(), f.key(), described(&v));
                out.push(Finding::new(code, msg, Some(f.key().into())));
            }
        }
    }
}

fn check_consent(ev: &Doc, ws: &Workspace, out: &mut Vec<Finding>) {
    let cpu = ev.is_preference_event();
    if let Some(c) = ev.consent_fields() {
        if c.is_empty() {
            out.push(Finding::new(
                Code::ConsentObjectEmpty,
                "context.consent is {}: consent is not enforced for this event, as Segment's text and the first row of its reconciliation table say; the fourth row of the same table says mapped destinations are blocked when an integrations object is present. The sources disagree (docs/rules.md, \"Where the sources disagree\")",
                Some("context.consent".into()),
            ));
        }
        if let Some(v) = ev.consent_version().filter(|v| !v.is_number()) {
            let path = "context.consent.version";
            out.push(cpu_field(
                cpu,
                Code::VersionShouldBeNumber,
                path,
                "a number",
                &v,
            ));
        }
        if c.misspelled() {
            out.push(Finding::new(
                Code::PreferenceMisspelled,
                "categoryPreference (without the s) is not read; the key is categoryPreferences",
                Some("context.consent.categoryPreference".into()),
            ));
        }
    }
    if let Some(v) = ev.advertising_id().filter(|v| v.as_str().is_none()) {
        let path = "context.device.advertisingId";
        out.push(cpu_field(
            cpu,
            Code::AdvertisingIdShouldBeString,
            path,
            "a string",
            &v,
        ));
    }
    match ev.preferences() {
        Preferences::Absent if cpu => out.push(Finding::new(
            Code::PreferencesShouldExist,
            Code::PreferencesShouldExist.about(),
            Some(PREFS.into()),
        )),
        Preferences::Absent => {}
        Preferences::NotObject(_) => {
            let found = ev.preferences_raw().map_or("nothing", |v| v.type_of());
            let (code, tail) = if cpu {
                (Code::PreferencesShouldBeObject, "")
            } else {
                (
                    Code::PreferencesNotObject,
                    "; every destination mapped to a category is blocked",
                )
            };
            let msg = format!(
                "context.consent.categoryPreferences must be an object, found {found}{tail}"
            );
            out.push(Finding::new(code, msg, Some(PREFS.into())));
        }
        Preferences::Object(prefs) => {
            for (key, value) in prefs.iter() {
                // Most keys are fine: their path is written only for a finding.
                let path = || join_path(PREFS, &key);
                if !value.is_bool() {
                    let (code, tail) = if cpu {
                        (Code::PreferencesShouldBeBool, "")
                    } else {
                        (Code::PreferenceNotBoolean, "; it counts as not consented")
                    };
                    let msg = format!(
                        "Consent preferences for the categories must be boolean: \"{}\" is {}{tail}",
                        printable(&key),
                        shown(&value)
                    );
                    out.push(Finding::new(code, msg, Some(path())));
                }
                check_category_key(ws, &key, path, out);
            }
            // null is absent everywhere but here: Segment checks each value of a CPU event.
            for key in prefs.nulls() {
                let path = || join_path(PREFS, &key);
                if cpu {
                    let msg = format!(
                        "Consent preferences for the categories must be boolean: \"{}\" is null",
                        printable(&key)
                    );
                    out.push(Finding::new(
                        Code::PreferencesShouldBeBool,
                        msg,
                        Some(path()),
                    ));
                }
                check_category_key(ws, &key, path, out);
            }
        }
    }
}

/// A consent field Segment validates on the Consent Preference Updated event only: there a
/// wrong type is `code` (not ingested); on any other event it is the warning `wrong_type`.
fn cpu_field(cpu: bool, code: Code, path: &str, expected: &str, v: &Raw<'_>) -> Finding {
    let found = v.type_of();
    if cpu {
        let msg = format!("{} (found {found})", code.about());
        Finding::new(code, msg, Some(path.into()))
    } else {
        let msg = format!(
            "{path} must be {expected}, found {found}; Segment checks it only on the Segment Consent Preference Updated event, so this event is still ingested"
        );
        Finding::new(Code::WrongType, msg, Some(path.into()))
    }
}

fn check_category_key(
    ws: &Workspace,
    key: &str,
    path: impl FnOnce() -> String,
    out: &mut Vec<Finding>,
) {
    if ws.lookup(key).is_some() {
        return;
    }
    let shown_key = printable(key);
    if let Some(i) = ws.lookup_ignoring_case(key) {
        let c = ws.category(i);
        let msg = format!(
            "\"{shown_key}\" is not a category, but \"{}\" ({}) is: ids are case sensitive, so this preference is ignored",
            printable(&c.id),
            printable(&c.name)
        );
        out.push(Finding::new(Code::CategoryCaseMismatch, msg, Some(path())));
    } else {
        let msg = format!("\"{shown_key}\" is no configured category; it is ignored");
        out.push(Finding::new(Code::UnknownCategory, msg, Some(path())));
    }
}

/// Objects the rules read that are something else: each is ignored, which is rarely what the
/// sender meant.
fn check_shapes(ev: &Doc, out: &mut Vec<Finding>) {
    let wrong = |path: &str, v: &Raw<'_>, effect: &str| {
        Finding::new(
            Code::WrongType,
            format!("{path} must be an object, found {}; {effect}", v.type_of()),
            Some(path.to_owned()),
        )
    };
    if let Some(v) = ev
        .get(Field::Context)
        .filter(|v| !matches!(v, Raw::Object(_)))
    {
        out.push(wrong(
            "context",
            &v,
            "it is ignored, so consent is not enforced",
        ));
    }
    if let Some(v) = ev.consent().filter(|v| !matches!(v, Raw::Object(_))) {
        out.push(wrong(
            "context.consent",
            &v,
            "consent is not enforced for this event",
        ));
    }
    if let Some(v) = ev.device().filter(|v| !matches!(v, Raw::Object(_))) {
        out.push(wrong("context.device", &v, "it is ignored"));
    }
    if let Some(v) = ev
        .get(Field::Integrations)
        .filter(|v| !matches!(v, Raw::Object(_)))
    {
        out.push(wrong("integrations", &v, "it is ignored"));
    }
}

/// The `integrations` object's keys: values that are not flags or options, keys that name
/// no destination, and `Segment.io` turned off.
fn check_integrations(ev: &Doc, ws: &Workspace, out: &mut Vec<Finding>) {
    let Some(members) = ev.integrations() else {
        return;
    };
    for (name, v) in members.iter() {
        let path = || join_path("integrations", &name);
        if !matches!(v, Raw::Bool(_) | Raw::Object(_)) {
            let effect = if name == "All" {
                "analytics.js turns destinations off only when All is exactly false, so it keeps them on".to_owned()
            } else {
                let on = if crate::rules::route::truthy(&v) {
                    "on"
                } else {
                    "off"
                };
                format!("analytics.js reads it by JavaScript truthiness, so it counts as {on}")
            };
            out.push(Finding::new(
                Code::WrongType,
                format!(
                    "{} is {}, not true, false or the destination's options; {effect}",
                    printable(&path()),
                    shown(&v)
                ),
                Some(path()),
            ));
        }
        match &*name {
            "All" => {}
            "Segment.io" => {
                if !crate::rules::route::truthy(&v) {
                    out.push(Finding::new(
                        Code::SegmentIoDisabled,
                        format!(
                            "integrations[\"Segment.io\"] is {}: analytics.js drops such an event before sending it, so a capture that holds it was not made by analytics.js",
                            shown(&v)
                        ),
                        Some(path()),
                    ));
                }
            }
            _ if ws.destination(&name).is_some() => {}
            _ => {
                let shown_name = printable(&name);
                let msg = match ws.destination_ignoring_case(&name) {
                    Some(d) => format!(
                        "\"{shown_name}\" names no destination, but \"{}\" does when case is ignored: flags are case sensitive, so this one has no effect",
                        printable(&ws.destinations[d].name)
                    ),
                    None => format!(
                        "\"{shown_name}\" names no destination in the workspace, so it has no effect"
                    ),
                };
                out.push(Finding::new(
                    Code::IntegrationsUnknownKey,
                    msg,
                    Some(path()),
                ));
            }
        }
    }
}

/// Segment asks for messageIds of fewer than this many characters.
pub const MAX_MESSAGE_ID_CHARS: usize = 100;

fn check_message_id_and_timestamps(ev: &Doc, out: &mut Vec<Finding>) {
    if let Some(id) = ev.message_id() {
        let chars = id.chars().count();
        if chars >= MAX_MESSAGE_ID_CHARS {
            out.push(Finding::new(
                Code::MessageIdTooLong,
                format!(
                    "messageId is {chars} characters; Segment asks for unique messageIds with fewer than {MAX_MESSAGE_ID_CHARS} characters"
                ),
                Some("messageId".into()),
            ));
        }
    } else {
        let msg = match ev.get(Field::MessageId) {
            None => "no messageId: Segment cannot deduplicate this event".to_owned(),
            Some(v) => format!("messageId must be a non-empty string, found {}", shown(&v)),
        };
        out.push(Finding::new(
            Code::MessageIdMissing,
            msg,
            Some("messageId".into()),
        ));
    }
    for f in Field::TIMESTAMPS {
        let Some(v) = ev.get(f) else { continue };
        if !v.as_str().is_some_and(is_rfc3339) {
            let mut msg = format!("{} is not an RFC 3339 date-time: {}", f.key(), shown(&v));
            if v.is_number() {
                let _ = write!(msg, " (numbers are not read as times)");
            }
            out.push(Finding::new(
                Code::TimestampInvalid,
                msg,
                Some(f.key().into()),
            ));
        }
    }
}

/// RFC 3339 date-time (section 5.6), as `2024-05-01T12:00:00.123Z` or with an offset: the
/// digits in range, the day valid for its month and year.
#[expect(
    clippy::many_single_char_names,
    reason = "the date-time's own parts, read one by one"
)]
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    let (Some(h), Some(m), Some(sec)) = (digits(11..13), digits(14..16), digits(17..19)) else {
        return false;
    };
    if day == 0 || day > days || h > 23 || m > 59 || sec > 60 || b[13] != b':' || b[16] != b':' {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if b.len() == i + 6 && b[i + 3] == b':' => {
            digits(i + 1..i + 3).is_some_and(|oh| oh <= 23)
                && digits(i + 4..i + 6).is_some_and(|om| om <= 59)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_rfc3339;

    #[test]
    fn rfc3339_date_times() {
        for ok in [
            "2026-11-02T09:00:00Z",
            "2026-11-02t09:00:00.123456z",
            "2024-02-29T23:59:60+05:30",
            "2026-01-31T00:00:00-00:00",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2026-11-02 09:00:00Z",
            "2026-11-02T09:00:00",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-02T24:00:00Z",
            "2026-11-02T09:00:00.Z",
            "2026-11-02T09:00:00+0530",
            "11/02/2026 09:31",
            "2026-11-02T09:00:00Z ",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}

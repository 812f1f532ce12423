//! Ingestion validation (RULES §2): what Segment refuses (errors: the event is not ingested)
//! and what it takes but is almost certainly an integration bug (warnings).

use std::fmt::Write;

use serde_json::Value;

use crate::event::{Doc, Field, Kind, LEGACY_CPU_EVENT, Preferences, Raw};
use crate::input::{Record, RecordError};
use crate::settings::Workspace;
use crate::text::printable;

/// Segment's HTTP API answers 400 for an event over 32 KB.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;

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

macro_rules! codes {
    ($($variant:ident = $wire:literal, $sev:ident, $about:literal;)*) => {
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

            /// One sentence on what the code means, for reports and the help screen.
            pub fn about(self) -> &'static str {
                match self { $(Code::$variant => $about,)* }
            }
        }
    };
}

codes! {
    InvalidJson = "invalid_json", Error, "The line is not JSON.";
    NotAnObject = "not_an_object", Error, "The line is JSON, but not an object.";
    BatchEmpty = "batch_empty", Error, "A batch payload with no events in it.";
    TypeRequired = "type_required", Error, "No type, or not one of track, identify, page, screen, group, alias.";
    IdRequired = "id_required", Error, "All payloads require a userId and/or an anonymousId";
    EventRequired = "event_required", Error, "Track events must have an event name";
    EventTooLarge = "event_too_large", Error, "Segment's HTTP API refuses events over 32 KB.";
    PreferencesShouldExist = "consent_categorypreferences_should_exist", Error, "context.consent.categoryPreferences object is required";
    PreferencesShouldBeObject = "consent_categorypreferences_fields_should_be_object", Error, "context.consent.categoryPreferences must be an object";
    PreferencesShouldBeBool = "consent_categorypreferences_fields_should_be_bool", Error, "Consent preferences for the categories must be boolean";
    VersionShouldBeNumber = "consent_version_should_be_number", Error, "Version must be a number";
    AdvertisingIdShouldBeString = "device_advertisingid_should_be_string", Error, "advertisingId must be a string";
    ConsentObjectEmpty = "consent_object_empty", Warning, "context.consent is empty: consent is not enforced for this event.";
    PreferencesNotObject = "category_preferences_not_object", Warning, "categoryPreferences is not an object: every mapped destination is blocked.";
    PreferenceNotBoolean = "category_preference_not_boolean", Warning, "A preference that is not a boolean counts as not consented.";
    PreferenceMisspelled = "category_preference_misspelled", Warning, "categoryPreference (without the s) is not read by Segment.";
    UnknownCategory = "unknown_category", Warning, "A preference for a category the workspace does not have is ignored.";
    CategoryCaseMismatch = "category_case_mismatch", Warning, "Category ids are case sensitive: this key matches a category only when case is ignored.";
    LegacyConsentEventName = "legacy_consent_event_name", Warning, "\"Segment Consent Preference\" was renamed \"Segment Consent Preference Updated\" on 2024-02-15; the old name is an ordinary track event.";
    MessageIdMissing = "message_id_missing", Warning, "Without a messageId, Segment cannot deduplicate the event.";
    DuplicateMessageId = "duplicate_message_id", Warning, "Segment drops events whose messageId it has already seen.";
    TimestampInvalid = "timestamp_invalid", Warning, "A timestamp that is not RFC 3339.";
    ConsentMissing = "consent_missing", Warning, "An event without consent from a user whose profile holds consent.";
    ConsentChangedWithoutPreferenceEvent = "consent_changed_without_preference_event", Warning, "Preferences changed on an ordinary event, with no Consent Preference Updated event recording the change first.";
    WrongType = "wrong_type", Warning, "A field the rules read has a type they cannot use, so it is ignored.";
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
    let mut out = Vec::new();
    let ev = match &record.json {
        Ok(d) => d,
        Err(e) => {
            let code = match e {
                RecordError::InvalidJson(_) => Code::InvalidJson,
                RecordError::NotAnObject(_) => Code::NotAnObject,
                RecordError::TooLarge { .. } => Code::EventTooLarge,
                RecordError::EmptyBatch => Code::BatchEmpty,
            };
            out.push(Finding::new(code, e.to_string(), None));
            return out;
        }
    };
    if record.size > MAX_EVENT_BYTES {
        let msg = format!(
            "event is {} bytes; Segment accepts at most 32 KB ({MAX_EVENT_BYTES} bytes)",
            record.size
        );
        out.push(Finding::new(Code::EventTooLarge, msg, None));
    }
    check_type_and_ids(ev, &mut out);
    check_consent(ev, ws, &mut out);
    check_device(ev, &mut out);
    check_shapes(ev, &mut out);
    check_message_id_and_timestamps(ev, &mut out);
    out
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
                let msg = format!("alias events require {} to be a non-empty string", f.key());
                out.push(Finding::new(Code::IdRequired, msg, Some(f.key().into())));
            }
        }
    } else if ev.user_id().is_none() && ev.anonymous_id().is_none() {
        let mut msg = Code::IdRequired.about().to_owned();
        for f in [Field::UserId, Field::AnonymousId] {
            if let Some(v) = ev.get(f).filter(|v| v.as_str().is_none()) {
                let _ = write!(msg, "; {} is {}, not a string", f.key(), v.type_of());
            }
        }
        out.push(Finding::new(Code::IdRequired, msg, Some("userId".into())));
    }
    if kind == Some(Kind::Track) {
        match ev.event_name() {
            Some(name) if !name.is_empty() => {
                if name == LEGACY_CPU_EVENT {
                    let msg = format!(
                        "\"{LEGACY_CPU_EVENT}\" is the name used before 2024-02-15; use \"{}\"",
                        crate::event::CPU_EVENT
                    );
                    out.push(Finding::new(
                        Code::LegacyConsentEventName,
                        msg,
                        Some("event".into()),
                    ));
                }
            }
            _ => {
                let mut msg = Code::EventRequired.about().to_owned();
                if let Some(v) = ev.get(Field::Event).filter(|v| v.as_str().is_none()) {
                    let _ = write!(msg, "; event is {}, not a string", v.type_of());
                }
                out.push(Finding::new(Code::EventRequired, msg, Some("event".into())));
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
                "context.consent is {}: consent is not enforced for this event",
                Some("context.consent".into()),
            ));
        }
        if let Some(v) = ev.consent_version().filter(|v| !v.is_number()) {
            let msg = format!("Version must be a number (found {})", v.type_of());
            let path = Some("context.consent.version".into());
            out.push(Finding::new(Code::VersionShouldBeNumber, msg, path));
        }
        if c.misspelled() {
            out.push(Finding::new(
                Code::PreferenceMisspelled,
                "categoryPreference (without the s) is not read; the key is categoryPreferences",
                Some("context.consent.categoryPreference".into()),
            ));
        }
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
                let path = join_path(PREFS, &key);
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
                    out.push(Finding::new(code, msg, Some(path.clone())));
                }
                check_category_key(ws, &key, path, out);
            }
        }
    }
}

fn check_category_key(ws: &Workspace, key: &str, path: String, out: &mut Vec<Finding>) {
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
        out.push(Finding::new(Code::CategoryCaseMismatch, msg, Some(path)));
    } else {
        let msg = format!("\"{shown_key}\" is no configured category; it is ignored");
        out.push(Finding::new(Code::UnknownCategory, msg, Some(path)));
    }
}

fn check_device(ev: &Doc, out: &mut Vec<Finding>) {
    if let Some(v) = ev.advertising_id().filter(|v| v.as_str().is_none()) {
        let msg = format!("advertisingId must be a string (found {})", v.type_of());
        let path = Some("context.device.advertisingId".into());
        out.push(Finding::new(Code::AdvertisingIdShouldBeString, msg, path));
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
    match ev.get(Field::Integrations) {
        Some(Raw::Object(_)) => {
            for (name, v) in ev.integrations().iter().flat_map(|m| m.iter()) {
                if !matches!(v, Raw::Bool(_) | Raw::Object(_)) {
                    let path = join_path("integrations", &name);
                    out.push(Finding::new(
                        Code::WrongType,
                        format!(
                            "{} is {}: only true, false or the destination's options mean anything here",
                            printable(&path),
                            shown(&v)
                        ),
                        Some(path),
                    ));
                }
            }
        }
        Some(v) => out.push(wrong("integrations", &v, "it is ignored")),
        None => {}
    }
}

fn check_message_id_and_timestamps(ev: &Doc, out: &mut Vec<Finding>) {
    if ev.message_id().is_none() {
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

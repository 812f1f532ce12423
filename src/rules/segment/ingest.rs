//! Segment's ingest stage (RULES §2): what its HTTP API and pipeline refuse (errors: the
//! event is not ingested, and reaches no destination) and what they take but is almost
//! certainly an integration bug (warnings).

use std::fmt::Write;

use crate::read::endpoint::{MAX_BATCH_BYTES, MAX_EVENT_BYTES};
use crate::read::event::{Doc, Field, Kind, LEGACY_CPU_EVENT, Preferences, Raw};
use crate::read::input::{Record, RecordError};
use crate::rules::choices::Choice;
use crate::rules::finding::{Code, Finding, join_path, shown};
use crate::rules::step::{Scope, Step, Verdicts, no_words};
use crate::rules::verdict::{Block, Decision, Route};
use crate::text::printable;
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "ingest",
    about: "what Segment's HTTP API and pipeline refuse: such an event reaches no destination",
    scope: Scope::Event,
    reasons: &["not_ingested"],
    discards: &[],
    choices: &[
        Choice::BatchMerge,
        Choice::BatchLimits,
        Choice::OversizedLine,
    ],
    rests_on,
    lint: &[],
    lessons: &["An event Segment refuses reaches no destination"],
    blocked,
    why: no_words,
};

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    (r.decision == Decision::Block(Block::NotIngested))
        .then(|| format!("{name} does not receive it: the event was not ingested."))
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if v.event.is_some_and(Doc::inherited_from_batch) {
        out.push(Choice::BatchMerge);
    }
    if v.has(Code::BatchTooLarge) || v.has(Code::BatchTooManyEvents) {
        out.push(Choice::BatchLimits);
    }
    if v.event.is_none() && v.has(Code::EventTooLarge) {
        out.push(Choice::OversizedLine);
    }
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
    check_protocols(ev, ws, &mut out);
    out
}

/// What the source's tracking plan says of the call (segment-docs `protocols/`): its
/// violations, reported whatever the source's settings do with them (as Segment's Violations
/// view reports them), and what is unplanned where the source blocks or omits it (what it
/// lets through is in the record's `source`, as Segment's Source Schema lists it).
fn check_protocols(ev: &Doc, ws: &Workspace, out: &mut Vec<Finding>) {
    let Some(e) = super::protocols::evaluate(ws, ev) else {
        return;
    };
    if e.unplanned_event() && e.blocked.is_some() {
        out.push(Finding::new(
            Code::UnplannedEvent,
            "the source's tracking plan has no rule for this call, and the source blocks unplanned calls",
            None,
        ));
    }
    for field in e.removed().into_iter().take(e.omitted.len()) {
        out.push(Finding::new(
            Code::UnplannedProperty,
            format!(
                "{} is not planned by {}, and the source omits it",
                printable(&field),
                e.rule.as_deref().unwrap_or_default()
            ),
            Some(field),
        ));
    }
    for (code, list, of) in [
        (
            Code::SchemaViolation,
            &e.violations,
            e.rule.as_deref().unwrap_or_default(),
        ),
        (
            Code::CommonSchemaViolation,
            &e.common,
            "the common JSON schema",
        ),
    ] {
        for v in list {
            let path = (v.field != "(root)").then(|| v.field.clone());
            out.push(Finding::new(
                code,
                format!("{}: {} ({of})", v.kind, v.description),
                path,
            ));
        }
    }
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
                let on = if v.is_truthy() { "on" } else { "off" };
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
                if !v.is_truthy() {
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
            // Its own name, or another Segment knows it by (the catalog's previous names).
            _ if ws.destination(&name).is_some()
                || crate::workspace::catalog::known_as(ws, &name).is_some() => {}
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

/// The most characters a messageId may have (`guides/duplicate-data.md`: "limited to 100
/// characters"; Unify drops events whose "`messageId` is longer than 100 characters").
pub const MAX_MESSAGE_ID_CHARS: usize = 100;

fn check_message_id_and_timestamps(ev: &Doc, out: &mut Vec<Finding>) {
    if let Some(id) = ev.message_id() {
        let chars = id.chars().count();
        if chars > MAX_MESSAGE_ID_CHARS {
            out.push(Finding::new(
                Code::MessageIdTooLong,
                format!(
                    "messageId is {chars} characters; Segment limits it to {MAX_MESSAGE_ID_CHARS}, and Unify drops events whose messageId is longer"
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

//! What the rules decide for one destination, in either vendor's words: a `Decision` (deliver,
//! with the reason it was let through, or block, with the reason it was stopped and what that
//! reason carries), and the `Route` that holds it. Every reason either vendor's steps give is
//! here, so that the views read one vocabulary; which step gives which is `rules::step`'s.

use crate::workspace::CatIdx;
use crate::workspace::dialect::Dialect;

/// Why a destination receives the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// A valid Consent Preference Updated event goes everywhere.
    ConsentPreferenceEvent,
    /// The event carries no preferences, so there is nothing to enforce.
    NoConsent,
    /// The destination's kind does not enforce consent (Amazon S3, Engage).
    NotEnforced,
    /// The destination is mapped to no enabled category.
    Unmapped,
    /// Every enabled category mapped to the destination is `true`.
    Consented,
    /// Device mode under the opt-in model: the browser loaded the destination with the page
    /// and sends it every event of that page, whatever the event's preferences say.
    /// `withdrawn`: they no longer allow it (the browser keeps sending until the next page
    /// load).
    LoadedAtPageLoad { withdrawn: bool },
    /// RudderStack's server: the event denies no consent id, and the server filters only on
    /// denied ids.
    NothingDenied,
    /// RudderStack: the destination has no consent settings for the event's provider.
    NotConfigured,
    /// RudderStack: the destination's consent settings let the event through, by this rule.
    Allowed(crate::rules::verdict::Rule),
}

/// A category's value on the event, where it is not `true`.
#[derive(Debug, Clone, PartialEq)]
pub enum PreferenceValue {
    False,
    Missing,
    /// Not a boolean: counts as not consented. The value as compact JSON.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    pub category: CatIdx,
    pub value: PreferenceValue,
}

/// A value JavaScript reads as false, as `integrations[<destination name>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Falsy {
    False,
    /// A number equal to zero.
    Zero,
    EmptyString,
}

impl Falsy {
    /// The value as JSON.
    pub fn as_json(self) -> &'static str {
        match self {
            Self::False => "false",
            Self::Zero => "0",
            Self::EmptyString => "\"\"",
        }
    }
}

/// Which entry of the `integrations` object removed the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationsKey {
    /// `integrations[<destination name>]` is falsy.
    Destination(Falsy),
    /// The destination has no flag under its own name, and one of the other names Segment
    /// knows it by (`workspace::catalog::other_names`, this index) is falsy: Segment's servers
    /// read it.
    OtherName(Falsy, u8),
    /// `integrations.All` is `false` and the destination has no flag of its own (absent or
    /// `null`).
    All,
    /// The destination has no flag of its own, and Segment's default integrations object,
    /// `{"All": true, "Salesforce": false}`, turns it off: Salesforce takes only events that
    /// say `"Salesforce": true`.
    SegmentDefault,
}

/// Who sends the event to a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Segment's servers.
    Cloud,
    /// The browser: analytics.js listed the destination in `_metadata.bundled`.
    Device,
}

impl Mode {
    /// Every mode, in declaration order (`mode as usize` indexes it).
    pub const ALL: [Mode; 2] = [Mode::Cloud, Mode::Device];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::Device => "device",
        }
    }
}

/// One of Segment's mobile libraries, whose consent plugin decides on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Library {
    Kotlin,
    Swift,
}

impl Library {
    pub const ALL: [Library; 2] = [Library::Kotlin, Library::Swift];

    /// Its `context.library.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kotlin => "analytics-kotlin",
            Self::Swift => "analytics-swift",
        }
    }
}

/// Why a destination does not receive the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    NotIngested,
    /// Segment already took an event with this messageId and drops this one.
    Duplicate,
    NotConsented {
        blocked_by: Vec<Blocker>,
    },
    /// Consent allowed it (`consent` says why); the integrations object removed it.
    IntegrationsObject {
        key: IntegrationsKey,
        consent: Delivery,
    },
    /// An Actions destination none of whose enabled mappings' triggers match the event.
    NoMappingMatched {
        consent: Delivery,
    },
    /// Consent and the integrations object allowed it (`consent` says why); the destination's
    /// filter number `filter` dropped it.
    DestinationFilter {
        filter: usize,
        dropped: crate::rules::verdict::Dropped,
        consent: Delivery,
    },
    /// RudderStack: the destination's consent settings stop the event. `ids`: for the server,
    /// the configured ids the event denies; for the browser SDK, those it does not allow.
    ConsentDenied {
        rule: crate::rules::verdict::Rule,
        ids: Vec<CatIdx>,
    },
    /// RudderStack: the integrations object removed the destination, before consent was
    /// asked.
    Integrations(crate::rules::verdict::Removed),
    /// Segment's source stage dropped the event before any destination: `control` says
    /// which of the source's controls, `setting` which entry of the settings.
    FilteredAtSource {
        control: Control,
        setting: String,
    },
    /// Consent allowed it (`consent` says why); a per-source schema integration filter
    /// turned it off: `setting`, `plan.track["<event>"].integrations["<destination>"]`.
    SchemaIntegrationFilter {
        consent: Delivery,
        setting: String,
    },
    /// Everything before let it through (`consent` says why); the destination takes no events
    /// of this type (Segment's catalog, or the settings' `methods`).
    UnsupportedEventType {
        kind: crate::read::event::Kind,
        consent: Delivery,
    },
    /// Consent let it through (`consent` says why), but the destination runs only in the
    /// browser (`rules::segment::connection::device_only` says who says so) and the event
    /// does not list it in `_metadata.bundled`: the browser did not load it, and Segment's
    /// servers have no cloud copy to send.
    NotLoaded {
        consent: Delivery,
    },
    /// A mobile library's consent plugin dropped the event on the device, before Segment
    /// (`SegmentConsentBlocker`): no cloud destination receives it.
    BlockedOnDevice {
        library: Library,
    },
    /// The destination is switched off in the workspace: it receives nothing.
    Disabled,
    /// The event's userId is suppressed: Segment takes nothing from that user for cloud-mode
    /// destinations.
    Suppressed,
}

/// Which of the source's controls dropped an event, in Segment's words; each has the
/// discard code Delivery Overview shows under "Filtered at Source"
/// (segment-docs `_includes/content/delivery-overview-discards.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// A schema event filter: the event is set to block (`plan.track.<event>.enabled`).
    SchemaEventFilter,
    /// The event is not in the tracking plan and unplanned events are blocked
    /// (`plan.track.__default.enabled`, Protocols' `allowUnplannedEvents`).
    UnplannedEvent,
    /// The event broke its tracking plan rule, and such events are blocked.
    SchemaViolation,
    /// The event broke the tracking plan's common JSON schema, and such events are blocked.
    CommonSchemaViolation,
    /// Both unplanned and in violation.
    UnplannedAndSchemaViolation,
}

impl Control {
    pub const ALL: [Control; 5] = [
        Control::SchemaEventFilter,
        Control::UnplannedEvent,
        Control::SchemaViolation,
        Control::CommonSchemaViolation,
        Control::UnplannedAndSchemaViolation,
    ];

    /// The wire word, in NDJSON's `control`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SchemaEventFilter => "schema_event_filter",
            Self::UnplannedEvent => "unplanned_event",
            Self::SchemaViolation => "schema_violation",
            Self::CommonSchemaViolation => "common_schema_violation",
            Self::UnplannedAndSchemaViolation => "unplanned_and_schema_violation",
        }
    }

    /// Delivery Overview's discard code.
    pub fn discard(self) -> &'static str {
        match self {
            Self::SchemaEventFilter => "event_setting",
            Self::UnplannedEvent => "unplanned",
            Self::SchemaViolation => "schema_violation",
            Self::CommonSchemaViolation => "common_schema_violation",
            Self::UnplannedAndSchemaViolation => "unplanned_and_schema_violation",
        }
    }
}

/// A step the settings do not describe, which could drop the event or change what arrives:
/// a route that meets one is `uncertain`, not `deliver` (`rules::segment::unknown` says what
/// would make it known).
#[derive(Debug, Clone, PartialEq)]
pub enum Unknown {
    /// An Actions destination in cloud mode whose mappings the settings do not hold (the CDN's
    /// never do: they live in the Public API).
    Mappings,
    /// Destination filter number `filter` samples `percent` of events at random: it has no
    /// `path` to hash.
    RandomSample { filter: usize, percent: f64 },
    /// A destination function whose handlers (`onTrack`, ...) the settings do not list: an
    /// event type without one fails with `EventNotSupported`.
    Handlers,
    /// The destination has an insert function (`Destination::insert_function`), whose code
    /// may drop or change the event.
    InsertFunction,
    /// An Engage destination: what Engage computes from the event (audiences, traits) is not
    /// in the settings.
    Engage,
}

impl Unknown {
    /// The wire word, in NDJSON's `unknown[].what`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Mappings => "mappings",
            Self::RandomSample { .. } => "random_sample",
            Self::Handlers => "function_handlers",
            Self::InsertFunction => "insert_function",
            Self::Engage => "engage",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Deliver(Delivery),
    Block(Block),
    /// Everything the settings describe lets the event through (`Delivery` says why), and a
    /// step they do not describe could still drop it: `Route::unknown` says which.
    Uncertain(Delivery),
}

/// The wire words of a decision, by `Decision::verb`.
pub const DECISIONS: [&str; 3] = ["deliver", "block", "uncertain"];

impl Decision {
    /// Whether the destination certainly receives the event.
    pub fn delivered(&self) -> bool {
        matches!(self, Self::Deliver(_))
    }

    /// Whether it may receive it: delivered, or uncertain.
    pub fn may_deliver(&self) -> bool {
        !matches!(self, Self::Block(_))
    }

    /// Why consent (and the steps after it) let it through, where they did.
    pub fn delivery(&self) -> Option<Delivery> {
        match self {
            Self::Deliver(d) | Self::Uncertain(d) => Some(*d),
            Self::Block(_) => None,
        }
    }

    /// The wire word: `deliver`, `block` or `uncertain`.
    pub fn verb(&self) -> &'static str {
        Self::verb_of(self.reason_index())
    }

    /// The wire word of a decision whose reason is at `index` in `REASONS`.
    pub fn verb_of(index: usize) -> &'static str {
        DECISIONS[Self::verb_index_of(index)]
    }

    /// The place in `DECISIONS` of the word of a decision whose reason is at `index` in
    /// `REASONS`.
    pub fn verb_index_of(index: usize) -> usize {
        if Self::delivers(index) {
            0
        } else if index == UNKNOWN_STEP {
            2
        } else {
            1
        }
    }

    /// The wire reason code.
    pub fn reason(&self) -> &'static str {
        REASONS[self.reason_index()]
    }

    /// The reason's place in `REASONS`.
    pub fn reason_index(&self) -> usize {
        match self {
            Self::Block(Block::NotIngested) => 0,
            Self::Block(Block::Duplicate) => 1,
            Self::Deliver(Delivery::ConsentPreferenceEvent) => 2,
            Self::Deliver(Delivery::NoConsent) => 3,
            Self::Deliver(Delivery::NotEnforced) => 4,
            Self::Deliver(Delivery::Unmapped) => 5,
            Self::Deliver(Delivery::Consented | Delivery::Allowed(_)) => 6,
            Self::Block(Block::NotConsented { .. }) => 7,
            Self::Block(Block::IntegrationsObject { .. } | Block::Integrations(_)) => 8,
            Self::Block(Block::DestinationFilter { .. }) => 9,
            Self::Block(Block::NoMappingMatched { .. }) => 10,
            Self::Deliver(Delivery::LoadedAtPageLoad { .. }) => 11,
            Self::Deliver(Delivery::NothingDenied) => 12,
            Self::Deliver(Delivery::NotConfigured) => 13,
            Self::Block(Block::ConsentDenied { .. }) => 14,
            Self::Block(Block::FilteredAtSource { .. }) => 15,
            Self::Block(Block::SchemaIntegrationFilter { .. }) => 16,
            Self::Block(Block::UnsupportedEventType { .. }) => 17,
            Self::Uncertain(_) => UNKNOWN_STEP,
            Self::Block(Block::NotLoaded { .. }) => 19,
            Self::Block(Block::BlockedOnDevice { .. }) => 20,
            Self::Block(Block::Disabled) => 21,
            Self::Block(Block::Suppressed) => 22,
        }
    }

    /// Whether the reason at `index` in `REASONS` is a delivery's.
    pub fn delivers(index: usize) -> bool {
        matches!(index, 2..=6 | 11..=13)
    }

    /// The categories that blocked the destination: Segment's blockers, or the consent ids
    /// RudderStack's rules found wanting.
    pub fn blocking_categories(&self) -> Vec<CatIdx> {
        match self {
            Self::Block(Block::NotConsented { blocked_by }) => {
                blocked_by.iter().map(|b| b.category).collect()
            }
            Self::Block(Block::ConsentDenied { ids, .. }) => ids.clone(),
            _ => Vec::new(),
        }
    }

    pub fn blocked_by(&self) -> &[Blocker] {
        match self {
            Self::Block(Block::NotConsented { blocked_by }) => blocked_by,
            _ => &[],
        }
    }
}

/// The decision for one destination (an index into `Workspace::destinations`).
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub destination: usize,
    pub decision: Decision,
    pub mode: Mode,
    /// What the source's Protocols take out of the event before any cloud destination
    /// (`properties.coupon`).
    pub omitted: Vec<String>,
    /// What the destination's filters take out of the event it receives (`traits.email`).
    pub removed: Vec<String>,
    /// An Actions destination's mappings (indices) that fire for the event: it receives the
    /// event once per mapping.
    pub mappings: Vec<usize>,
    /// Whose rules decided.
    pub vendor: Dialect,
    /// The steps the settings do not describe that the event meets on its way (only while it
    /// is let through: a later stop is certain whatever they do).
    pub unknown: Vec<Unknown>,
    /// The mobile library whose consent plugin decided a device route (or dropped the event
    /// before Segment).
    pub mobile: Option<Library>,
}

/// Delivery Overview's discard reason for a device-mode route.
pub const SENT_CLIENT_SIDE: &str = "MESSAGE_SENT_CLIENT_SIDE";

impl Route {
    /// The first decision of a chain for `destination` (the later steps may change it),
    /// with nothing taken out of the event and no mapping fired yet.
    pub fn new(destination: usize, decision: Decision, mode: Mode, vendor: Dialect) -> Self {
        Self {
            destination,
            decision,
            mode,
            omitted: Vec::new(),
            removed: Vec::new(),
            mappings: Vec::new(),
            vendor,
            unknown: Vec::new(),
            mobile: None,
        }
    }

    /// Every field the destination does not receive: what the source omitted, then what its
    /// filters take out.
    pub fn without(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.omitted.iter().map(String::as_str).collect();
        for f in &self.removed {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// The discard reason Segment's Delivery Overview shows for this destination, or None
    /// when Segment delivers it. `ingest_code` is the event's first error, for `not_ingested`.
    /// Only for a vendor that has Delivery Overview: `rules::dialect::discard` asks.
    pub fn delivery_overview_discard<'a>(&self, ingest_code: Option<&'a str>) -> Option<&'a str> {
        // The source drops the event before any destination, whoever would have sent it.
        let at_source = matches!(
            self.decision,
            Decision::Block(Block::FilteredAtSource { .. })
        );
        if self.mode == Mode::Device && !at_source {
            return Some(SENT_CLIENT_SIDE);
        }
        match &self.decision {
            // Delivery Overview counts an uncertain route by what happens, which we cannot say;
            // Segment's servers never hold the event for a destination not loaded.
            Decision::Deliver(_)
            | Decision::Uncertain(_)
            | Decision::Block(
                Block::ConsentDenied { .. }
                | Block::Integrations(_)
                | Block::NotLoaded { .. }
                | Block::BlockedOnDevice { .. }
                | Block::Disabled
                | Block::Suppressed,
            ) => None,
            Decision::Block(Block::NotIngested) => ingest_code,
            Decision::Block(Block::NotConsented { .. }) => Some("FILTERED_BY_END_USER_CONSENT"),
            // Delivery Overview counts schema integration filters under "Filtered at
            // Destination" with no code of their own: the integrations object's (our choice).
            Decision::Block(
                Block::IntegrationsObject { .. } | Block::SchemaIntegrationFilter { .. },
            ) => Some("FILTERED_BY_INTEGRATIONS_OBJECT"),
            Decision::Block(Block::FilteredAtSource { control, .. }) => Some(control.discard()),
            Decision::Block(Block::DestinationFilter { .. }) => Some(FILTERED_BY_RULES),
            Decision::Block(Block::NoMappingMatched { .. }) => Some(NO_MATCHING_MAPPING),
            Decision::Block(Block::UnsupportedEventType { .. }) => Some("UNSUPPORTED_EVENT_TYPE"),
            // Ours: Delivery Overview has no row for deduplication.
            Decision::Block(Block::Duplicate) => Some("DUPLICATE"),
        }
    }
}

/// Delivery Overview's discard reason for an event a destination filter dropped.
pub const FILTERED_BY_RULES: &str = "FILTERED_BY_RULES";

/// Delivery Overview's discard reason for an Actions destination none of whose mappings fire.
pub const NO_MATCHING_MAPPING: &str = "NO_MATCHING_MAPPING";

/// Every discard value a route can carry besides ingest codes, as `Route::discard` gives them.
pub const DISCARDS: [&str; 12] = [
    "FILTERED_BY_END_USER_CONSENT",
    "FILTERED_BY_INTEGRATIONS_OBJECT",
    FILTERED_BY_RULES,
    NO_MATCHING_MAPPING,
    SENT_CLIENT_SIDE,
    "DUPLICATE",
    "event_setting",
    "unplanned",
    "schema_violation",
    "common_schema_violation",
    "unplanned_and_schema_violation",
    "UNSUPPORTED_EVENT_TYPE",
];

/// `unknown_step`'s place in `REASONS`.
const UNKNOWN_STEP: usize = 18;

/// Every reason code, in the order RULES §3 applies them.
pub const REASONS: [&str; 23] = [
    "not_ingested",
    "duplicate",
    "consent_preference_event",
    "no_consent",
    "not_enforced",
    "unmapped",
    "consented",
    "not_consented",
    "integrations_object",
    "destination_filter",
    "no_mapping_matched",
    "loaded_at_page_load",
    // RudderStack's.
    "nothing_denied",
    "not_configured",
    "consent_denied",
    // Segment's source stage, and its per-destination schema integration filters.
    "filtered_at_source",
    "schema_integration_filter",
    // What the destination accepts.
    "unsupported_event_type",
    // A step the settings do not describe: the decision is `uncertain`.
    "unknown_step",
    // How it is connected: only the browser could have sent it.
    "not_loaded",
    // A mobile library's consent plugin, before Segment.
    "blocked_on_device",
    // The workspace: a destination switched off, a user suppressed.
    "destination_disabled",
    "suppressed",
];

/// Where an event stands before any destination is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Validation failed (or the record is not an event): rule 1.
    NotIngested,
    /// Ingested, but its messageId was seen on an earlier ingested event within the
    /// deduplication window: rule 1b.
    Duplicate,
    /// Ingested again: its messageId was seen further back than the deduplication window, so
    /// Segment takes it, and only warehouses drop it, by their own deduplication.
    LateDuplicate,
    Ingested,
}

/// Which of a destination's consent settings decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The destination's `consentManagement` entry for the event's provider; `any`: the `or`
    /// strategy (one configured id suffices), else `and` (every one is needed).
    Generic { any: bool },
    /// Legacy `oneTrustCookieCategories`: every one is needed.
    LegacyOneTrust,
    /// Legacy `ketchConsentPurposes`: one suffices.
    LegacyKetch,
}

impl Rule {
    /// The wire word, in NDJSON's `rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generic { any: true } => "consent_management_or",
            Self::Generic { any: false } => "consent_management_and",
            Self::LegacyOneTrust => "one_trust_cookie_categories",
            Self::LegacyKetch => "ketch_consent_purposes",
        }
    }

    /// How the rule reads in RudderStack's words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Generic { any: true } => "consentManagement, resolution strategy \"or\"",
            Self::Generic { any: false } => "consentManagement, resolution strategy \"and\"",
            Self::LegacyOneTrust => "oneTrustCookieCategories (every category needed)",
            Self::LegacyKetch => "ketchConsentPurposes (one purpose suffices)",
        }
    }
}

/// Why the integrations object removed a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Removed {
    /// The destination's own flag is `false` (server) or falsy (SDK).
    OwnFlag,
    /// `All` is off and the destination's own flag does not turn it on.
    All,
    /// The server sends the event nowhere: `All` is not a boolean, or `integrations` is not
    /// an object.
    Malformed,
}

/// Why a filter dropped an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Dropped {
    /// The condition matched and the filter drops (an "only send" filter is a drop of the
    /// rest).
    Matched,
    /// Sampled out: the value at the path hashes above the percentage kept.
    SampledOut { percent: f64 },
    /// The condition could not be evaluated; Segment drops rather than risk sending PII.
    Unevaluable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `delivers` and the NDJSON writer's per-reason lines (built by index) rest on
    /// `reason_index`: one decision of each reason holds them to it.
    #[test]
    fn every_reason_has_its_own_index_and_delivers_says_which_deliver() {
        let each = [
            Decision::Deliver(Delivery::ConsentPreferenceEvent),
            Decision::Deliver(Delivery::NoConsent),
            Decision::Deliver(Delivery::NotEnforced),
            Decision::Deliver(Delivery::Unmapped),
            Decision::Deliver(Delivery::Consented),
            Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: false }),
            Decision::Block(Block::NotIngested),
            Decision::Block(Block::Duplicate),
            Decision::Block(Block::IntegrationsObject {
                key: IntegrationsKey::All,
                consent: Delivery::Consented,
            }),
            Decision::Block(Block::NotConsented {
                blocked_by: Vec::new(),
            }),
            Decision::Block(Block::DestinationFilter {
                filter: 0,
                dropped: Dropped::Matched,
                consent: Delivery::Consented,
            }),
            Decision::Block(Block::NoMappingMatched {
                consent: Delivery::Consented,
            }),
            Decision::Deliver(Delivery::NothingDenied),
            Decision::Deliver(Delivery::NotConfigured),
            Decision::Block(Block::ConsentDenied {
                rule: Rule::LegacyOneTrust,
                ids: Vec::new(),
            }),
            Decision::Block(Block::FilteredAtSource {
                control: Control::SchemaEventFilter,
                setting: String::new(),
            }),
            Decision::Block(Block::SchemaIntegrationFilter {
                consent: Delivery::Consented,
                setting: String::new(),
            }),
            Decision::Block(Block::UnsupportedEventType {
                kind: crate::read::event::Kind::Alias,
                consent: Delivery::Consented,
            }),
            Decision::Uncertain(Delivery::Consented),
            Decision::Block(Block::NotLoaded {
                consent: Delivery::Consented,
            }),
            Decision::Block(Block::BlockedOnDevice {
                library: Library::Kotlin,
            }),
            Decision::Block(Block::Disabled),
            Decision::Block(Block::Suppressed),
        ];
        let mut seen: Vec<usize> = each.iter().map(Decision::reason_index).collect();
        for d in &each {
            assert_eq!(Decision::delivers(d.reason_index()), d.delivered(), "{d:?}");
            let verb = Decision::verb_of(d.reason_index());
            assert_eq!(verb == "block", !d.may_deliver(), "{d:?}");
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..REASONS.len()).collect::<Vec<_>>());
    }
}

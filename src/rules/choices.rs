//! The places where Segment's sources are silent or contradict each other, and what this tool
//! does there. Each is shown beside any verdict that rests on it (in `explain` and the TUI's
//! detail) and written out, with its sources, in `docs/rules.md` under its anchor.

/// Where the project's rules document lives, for messages that point to it.
pub const RULES_DOC: &str = "docs/rules.md";

/// The rules document, built in, so the terminal UI can show a rule's text (`r`).
pub const RULES_TEXT: &str = include_str!("../../docs/rules.md");

/// GitHub's anchor for a heading: lower case, spaces to dashes, other punctuation dropped.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The text of the heading whose anchor is `anchor`, from its heading to the next one of any
/// level: that rule's own words.
pub fn section(anchor: &str) -> Option<&'static str> {
    let mut start = None;
    let mut pos = 0;
    let mut in_code = false;
    for line in RULES_TEXT.split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        let heading = line.trim_start_matches('#');
        let is_heading = !in_code && line.starts_with('#') && heading.starts_with(' ');
        match start {
            None if is_heading && slug(heading) == anchor => start = Some(pos),
            Some(s) if is_heading => return Some(RULES_TEXT[s..pos].trim_end()),
            _ => {}
        }
        pos += line.len();
    }
    start.map(|s| RULES_TEXT[s..].trim_end())
}

/// Whether the sources are silent (we chose) or say two things (we picked one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OurChoice,
    SourcesDisagree,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OurChoice => "our choice",
            Self::SourcesDisagree => "the sources disagree",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Choice {
    EmptyConsentObject,
    UnlistedDestinations,
    EngageNotEnforced,
    DisabledCategories,
    BatchMerge,
    DuplicateDiscard,
    CdnKinds,
    BatchLimits,
    OversizedLine,
    DefaultConsentModel,
    RudderDeviceFromEvent,
    RudderHybrid,
    RudderUninitialised,
    PlanTrackOnly,
    PlanFilterByMode,
    PlanFilterDiscard,
    ProtocolsWords,
    ProtocolsOmission,
}

impl Choice {
    pub const ALL: [Choice; 18] = [
        Choice::EmptyConsentObject,
        Choice::UnlistedDestinations,
        Choice::EngageNotEnforced,
        Choice::DisabledCategories,
        Choice::BatchMerge,
        Choice::DuplicateDiscard,
        Choice::CdnKinds,
        Choice::BatchLimits,
        Choice::OversizedLine,
        Choice::DefaultConsentModel,
        Choice::RudderDeviceFromEvent,
        Choice::RudderHybrid,
        Choice::RudderUninitialised,
        Choice::PlanTrackOnly,
        Choice::PlanFilterByMode,
        Choice::PlanFilterDiscard,
        Choice::ProtocolsWords,
        Choice::ProtocolsOmission,
    ];

    pub fn kind(self) -> Kind {
        match self {
            Choice::EmptyConsentObject
            | Choice::UnlistedDestinations
            | Choice::EngageNotEnforced
            | Choice::PlanFilterByMode => Kind::SourcesDisagree,
            _ => Kind::OurChoice,
        }
    }

    /// The heading's anchor in `docs/rules.md`.
    pub fn anchor(self) -> &'static str {
        match self {
            Choice::EmptyConsentObject => "empty-consent-object",
            Choice::UnlistedDestinations => "destinations-the-integrations-object-does-not-name",
            Choice::EngageNotEnforced => "engage-destinations",
            Choice::DisabledCategories => "destinations-with-enabled-and-disabled-categories",
            Choice::BatchMerge => "merging-a-batchs-context",
            Choice::DuplicateDiscard => "the-duplicate-discard-reason",
            Choice::CdnKinds => "destination-kinds-in-segments-cdn-settings",
            Choice::BatchLimits => "batch-limits",
            Choice::OversizedLine => "lines-over-1-mib",
            Choice::DefaultConsentModel => "the-consent-model-device-verdicts-assume",
            Choice::RudderDeviceFromEvent => "rudderstacks-device-mode-read-from-the-event",
            Choice::RudderHybrid => "rudderstacks-hybrid-mode",
            Choice::RudderUninitialised => "rudderstacks-consent-manager-that-never-initialised",
            Choice::PlanTrackOnly => "page-and-screen-events-and-the-plan",
            Choice::PlanFilterByMode => {
                "schema-integration-filters-and-the-events-own-integrations-object"
            }
            Choice::PlanFilterDiscard => "the-schema-integration-filter-discard-reason",
            Choice::ProtocolsWords => "protocols-violation-words",
            Choice::ProtocolsOmission => "what-protocols-omits",
        }
    }

    /// What we do, in one or two sentences.
    pub fn summary(self) -> &'static str {
        match self {
            Choice::EmptyConsentObject => {
                "an empty consent object enforces nothing (Segment's text and its table's first row); the table's fourth row says mapped destinations are blocked when an integrations object is present"
            }
            Choice::UnlistedDestinations => {
                "a destination the integrations object does not name follows integrations.All, as analytics.js and the filtering guide do; one row of Segment's reconciliation table says only destinations set to true receive the event"
            }
            Choice::EngageNotEnforced => {
                "Engage destinations do not enforce consent, as the FAQ says; a beta described elsewhere reads consent from the profile instead"
            }
            Choice::DisabledCategories => {
                "a destination mapped to enabled and disabled categories needs only the enabled ones"
            }
            Choice::BatchMerge => {
                "a batch's context and integrations are merged into each element key by key: a key the element has (not null) keeps the element's whole value, so its own consent replaces the batch's"
            }
            Choice::DuplicateDiscard => {
                "Delivery Overview has no discard reason for deduplication; this tool says DUPLICATE"
            }
            Choice::CdnKinds => {
                "Segment's CDN settings carry no destination kind: \"Amazon S3\"/\"AWS S3\" are taken as aws-s3 and names starting with Engage or Personas as engage"
            }
            Choice::BatchLimits => {
                "Segment's HTTP API refuses a batch over 500 KB whole and rejects every event of one over 2500; Delivery Overview has no code for either, so this tool says batch_too_large on every element of the first, and makes the second one record, batch_too_many_events, that stands for all its events (they are counted, not read one by one, so a line's work stays bounded)"
            }
            Choice::OversizedLine => {
                "a line over 1 MiB is reported as event_too_large without being read into memory, so a batch that long is not expanded"
            }
            Choice::DefaultConsentModel => {
                "a capture does not say which consent model the page's wrapper ran, and neither did the settings (consentModel) nor --consent-model: device-mode verdicts assume consent-tools' default, opt-in"
            }
            Choice::RudderDeviceFromEvent => {
                "RudderStack's browser SDK decides which device-mode destinations to load when the page loads (and when consent() is called); this tool reads the consent stamped on the event, which is what the SDK decided with unless consent changed in between"
            }
            Choice::RudderHybrid => {
                "a hybrid-mode RudderStack destination is decided as the browser SDK decides it (device mode); the events the server sends it in cloud mode are not decided apart"
            }
            Choice::RudderUninitialised => {
                "the event's allowedConsentIds and deniedConsentIds are both empty: read as a page whose consent manager never initialised, so RudderStack's SDK loads every destination (a manager initialised with no groups at all would stamp the same)"
            }
            Choice::PlanTrackOnly => {
                "the CDN's plan has sections for track, identify and group only: a page or screen event is never blocked by it, although the docs say schema event filters can block page and screen calls (that setting does not reach the CDN settings)"
            }
            Choice::PlanFilterByMode => {
                "where both the plan and the event's integrations object name a destination, Segment's servers keep the event's value (the filtering guide) and analytics.js puts the plan's over it ({...event.integrations, ...planEvent.integrations}): each mode is decided by its own sender"
            }
            Choice::PlanFilterDiscard => {
                "Delivery Overview counts schema integration filters under Filtered at Destination with no code of their own; this tool says FILTERED_BY_INTEGRATIONS_OBJECT"
            }
            Choice::ProtocolsWords => {
                "a violation's type and description follow gojsonschema's words, as Segment's one published example does (\"Invalid Type\", \"Invalid type. Expected: integer, given: number\"); Segment documents no other"
            }
            Choice::ProtocolsOmission => {
                "omission takes out whole top-level properties (traits) by name, as context.protocols lists them; an unplanned event has no planned properties to keep, and is not trimmed"
            }
        }
    }

    /// One line for a person: what we do, whether we chose or picked between sources, and
    /// where to read more.
    pub fn line(self) -> String {
        format!(
            "{} ({}; {RULES_DOC}#{})",
            self.summary(),
            self.kind().as_str(),
            self.anchor()
        )
    }
}

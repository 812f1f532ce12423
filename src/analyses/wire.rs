//! What actually went out, held against the consent the page stamped. A capture's requests
//! (`read::wire::Timeline`) are walked in the order they left. The consent in force at each
//! moment is the last stamp a Segment call carried (`context.consent.categoryPreferences`),
//! with the banner's cookie beside it; a request to a vendor's endpoint (`workspace::vendors`)
//! gets a verdict from it, Google's requests have their Consent Mode signals compared with it,
//! and the banner's cookie and the GPC header are held against the stamps (docs/rules.md,
//! "The wire").

use std::collections::HashSet;
use std::sync::Arc;

use crate::read::wire::banner::Banner;
use crate::read::wire::consent_mode::{Signals, TYPES};
use crate::read::wire::{Entry, Stamp, Timeline};
use crate::rules::finding::Severity;
use crate::text::printable;
use crate::workspace::Workspace;

/// What a vendor's request was, against the consent in force when it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every category of its destination was granted.
    WithConsent,
    /// Its categories were not granted and the user had not chosen yet.
    BeforeConsent,
    /// A category it needs was granted earlier and withdrawn since: the library loaded with
    /// the page went on sending (consent-tools' opt-in model cannot unload it).
    AfterWithdrawal,
    /// The user's choice denied a category it needs: a leak.
    WithoutConsent,
    /// No destination of the workspace loads this vendor: the page sends to it outside Segment.
    NotInWorkspace,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::WithConsent,
        Verdict::BeforeConsent,
        Verdict::AfterWithdrawal,
        Verdict::WithoutConsent,
        Verdict::NotInWorkspace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithConsent => "with_consent",
            Self::BeforeConsent => "before_consent",
            Self::AfterWithdrawal => "after_withdrawal",
            Self::WithoutConsent => "without_consent",
            Self::NotInWorkspace => "not_in_workspace",
        }
    }

    /// What it means, as `explain` and the docs say it.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::WithConsent => {
                "sent with consent: the consent in force granted every category of its destination"
            }
            Self::BeforeConsent => {
                "sent before any consent decision: its categories were not granted and the user had not answered the banner yet"
            }
            Self::AfterWithdrawal => {
                "sent after withdrawal: a category it needs was granted earlier on and withdrawn since; a device-mode library loaded with the page cannot be unloaded, so it goes on sending"
            }
            Self::WithoutConsent => {
                "sent without consent: the user's choice denied a category its destination needs (a leak)"
            }
            Self::NotInWorkspace => {
                "no destination of the workspace loads this vendor: the page sends to it outside Segment, with no categories to hold it to"
            }
        }
    }

    /// The finding a verdict is, if it is one.
    fn code(self) -> Option<WireCode> {
        match self {
            Self::BeforeConsent => Some(WireCode::BeforeConsent),
            Self::AfterWithdrawal => Some(WireCode::AfterWithdrawal),
            Self::WithoutConsent => Some(WireCode::WithoutConsent),
            Self::WithConsent | Self::NotInWorkspace => None,
        }
    }
}

/// What the wire audit finds, as `check` reports it and policies name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WireCode {
    WithoutConsent,
    BeforeConsent,
    AfterWithdrawal,
    ConsentModeGranted,
    ConsentModeDenied,
    ConsentModeRace,
    BannerMismatch,
    BannerUnrecorded,
    GpcGranted,
}

impl WireCode {
    pub const ALL: [WireCode; 9] = [
        WireCode::WithoutConsent,
        WireCode::BeforeConsent,
        WireCode::AfterWithdrawal,
        WireCode::ConsentModeGranted,
        WireCode::ConsentModeDenied,
        WireCode::ConsentModeRace,
        WireCode::BannerMismatch,
        WireCode::BannerUnrecorded,
        WireCode::GpcGranted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithoutConsent => "wire_without_consent",
            Self::BeforeConsent => "wire_before_consent",
            Self::AfterWithdrawal => "wire_after_withdrawal",
            Self::ConsentModeGranted => "consent_mode_granted",
            Self::ConsentModeDenied => "consent_mode_denied",
            Self::ConsentModeRace => "consent_mode_race",
            Self::BannerMismatch => "banner_mismatch",
            Self::BannerUnrecorded => "banner_unrecorded",
            Self::GpcGranted => "gpc_granted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Data that went where the user said no is an error; data lost, or a record missing, a
    /// warning.
    pub fn severity(self) -> Severity {
        match self {
            Self::ConsentModeDenied | Self::ConsentModeRace | Self::BannerUnrecorded => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Self::WithoutConsent => {
                "a vendor's own request left the browser although the user's choice denied a category of its destination"
            }
            Self::BeforeConsent => {
                "a vendor's own request left the browser before the user answered the banner, its categories not granted"
            }
            Self::AfterWithdrawal => {
                "a vendor's own request left the browser after the user withdrew a category it needs"
            }
            Self::ConsentModeGranted => {
                "a Google request signalled a consent type granted that the stamped categories deny"
            }
            Self::ConsentModeDenied => {
                "a Google request signalled a consent type denied that the stamped categories grant (data lost)"
            }
            Self::ConsentModeRace => {
                "a Google request left with the page's default consent, before the banner's update, although the user's choice was known"
            }
            Self::BannerMismatch => {
                "the banner's cookie and the consent stamped on the next Segment call disagree"
            }
            Self::BannerUnrecorded => {
                "the banner's cookie changed and no Segment Consent Preference Updated event followed"
            }
            Self::GpcGranted => {
                "the browser sent Global Privacy Control (Sec-GPC: 1) while a sale/share category was stamped granted"
            }
        }
    }
}

/// One finding, where it happened in the capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: WireCode,
    pub file: Arc<str>,
    pub line: u64,
    /// The capture's entry (1-based).
    pub entry: usize,
    pub time: Option<jiff::Timestamp>,
    /// The destination concerned, if one is.
    pub destination: Option<usize>,
    pub message: String,
}

/// The stamp in force, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampAt {
    pub line: u64,
    pub entry: usize,
    pub stamp: Stamp,
}

/// A vendor's request with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub file: Arc<str>,
    pub line: u64,
    pub entry: usize,
    pub time: Option<jiff::Timestamp>,
    pub page: Option<String>,
    pub method: String,
    pub url: String,
    pub vendor: String,
    pub destination: Option<usize>,
    /// The last stamp before it, if any.
    pub stamp: Option<Arc<StampAt>>,
    /// The banner's cookie in force (on it, or on the last request that carried one).
    pub banner: Option<Arc<Banner>>,
    /// Whether the user had chosen when it left.
    pub decided: bool,
    pub gpc: bool,
    pub signals: Option<Signals>,
    pub verdict: Verdict,
    /// Its destination's categories that the consent in force did not grant.
    pub not_granted: Vec<String>,
    /// The findings on it.
    pub codes: Vec<WireCode>,
}

/// What one destination received before the user's first choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeforeChoice {
    /// The destination's name, or the vendor's where the workspace has none for it.
    pub name: String,
    pub requests: u64,
    /// How many of them its categories did not allow.
    pub not_granted: u64,
    pub first_line: u64,
    pub first_time: Option<jiff::Timestamp>,
}

impl BeforeChoice {
    /// `Facebook Pixel received 1 request (1 not granted), the first at line 6570`.
    pub fn describe(&self) -> String {
        format!(
            "{} received {} request{} ({} not granted), the first at line {}",
            printable(&self.name),
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.not_granted,
            self.first_line
        )
    }
}

/// The audit of one capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub file: Arc<str>,
    pub requests: Vec<Request>,
    /// Every finding, in capture order.
    pub findings: Vec<Finding>,
    pub before_choice: Vec<BeforeChoice>,
}

/// What the walk keeps.
struct State<'a> {
    ws: &'a Workspace,
    stamp: Option<Arc<StampAt>>,
    /// Categories some stamp granted so far.
    granted_ever: HashSet<String>,
    decided: bool,
    banner: Option<Arc<Banner>>,
    /// Counts the banner's states seen, to say each mismatch once per state.
    banners_seen: u32,
    /// Stamps stand for the user's choice when no banner cookie shows in the whole capture.
    no_banner: bool,
    /// A preference event came since the banner's cookie was last seen.
    recorded_since_seen: bool,
    /// A cookie change not yet followed by a preference event.
    unrecorded: Option<Finding>,
    /// (page, category) pairs GPC was already reported for; (cookie, category) for banners.
    gpc_said: HashSet<(Option<String>, String)>,
    banner_said: HashSet<(u32, String)>,
    out: Audit,
}

/// The audit of a capture under a workspace.
pub fn audit(ws: &Workspace, timeline: &Timeline) -> Audit {
    let mut s = State {
        ws,
        stamp: None,
        granted_ever: HashSet::new(),
        decided: false,
        banner: None,
        no_banner: timeline.entries.iter().all(|e| e.banner.is_none()),
        recorded_since_seen: false,
        unrecorded: None,
        gpc_said: HashSet::new(),
        banner_said: HashSet::new(),
        banners_seen: 0,
        out: Audit {
            file: timeline.file.clone(),
            requests: Vec::new(),
            findings: Vec::new(),
            before_choice: Vec::new(),
        },
    };
    for e in &timeline.entries {
        if let Some(b) = &e.banner {
            s.banner_seen(e, b);
        }
        if let Some(stamps) = &e.segment {
            for st in stamps {
                s.stamped(e, st);
            }
        }
        let host = e.host();
        if let Some(v) = ws.wire.vendor(&host, e.path()) {
            let (name, google) = (v.name.clone(), v.google);
            let destination = v.destinations.iter().find_map(|d| {
                ws.destination(d)
                    .or_else(|| crate::workspace::catalog::known_as(ws, d))
            });
            s.vendor_request(e, name, destination, google);
        }
    }
    if let Some(f) = s.unrecorded.take() {
        s.out.findings.push(f);
    }
    s.out.findings.sort_by_key(|f| (f.time, f.entry));
    s.out
}

impl State<'_> {
    fn finding(
        &self,
        code: WireCode,
        e: &Entry,
        destination: Option<usize>,
        message: &str,
    ) -> Finding {
        Finding {
            code,
            file: self.out.file.clone(),
            line: e.line,
            entry: e.entry,
            time: e.time,
            destination,
            // Cookie values and stamps are the page's: shown, never obeyed by a terminal.
            message: printable(message).into_owned(),
        }
    }

    fn banner_seen(&mut self, e: &Entry, b: &Banner) {
        let same = self
            .banner
            .as_ref()
            .is_some_and(|old| old.groups == b.groups && old.closed == b.closed);
        if let Some(old) = self.banner.clone().filter(|_| !same) {
            // The change happened since the cookie was last seen: a preference event since
            // then, or before the cookie is next seen, records it.
            if let Some(f) = self.unrecorded.take() {
                self.out.findings.push(f);
            }
            if old.groups != b.groups && !self.recorded_since_seen {
                self.unrecorded = Some(self.finding(
                    WireCode::BannerUnrecorded,
                    e,
                    None,
                    &format!(
                        "the banner's cookie changed from {} to {} and no Segment Consent Preference Updated event followed, so Segment's profiles never learnt the new choice",
                        old.describe(),
                        b.describe()
                    ),
                ));
            }
        }
        if b.closed {
            self.decided = true;
        }
        self.recorded_since_seen = false;
        if !same {
            self.banner = Some(Arc::new(b.clone()));
            self.banners_seen += 1;
        }
        if let Some(s) = self.stamp.clone() {
            self.compare_banner(e, &s.stamp);
        }
    }

    /// The banner's cookie in force against a stamp: each category both hold, once per
    /// cookie state.
    fn compare_banner(&mut self, e: &Entry, st: &Stamp) {
        let (Some(b), Some(prefs)) = (self.banner.clone(), &st.preferences) else {
            return;
        };
        for (c, v) in prefs {
            let (Some(stamped), Some(cookie)) = (*v, b.group(c)) else {
                continue;
            };
            if stamped != cookie && self.banner_said.insert((self.banners_seen, c.clone())) {
                let word = |g: bool| if g { "granted" } else { "denied" };
                let f = self.finding(
                    WireCode::BannerMismatch,
                    e,
                    None,
                    &format!(
                        "{} is stamped {c}={stamped} while the banner's cookie ({}) has {c} {}",
                        printable(&st.label),
                        b.describe(),
                        word(cookie)
                    ),
                );
                self.out.findings.push(f);
            }
        }
    }

    fn stamped(&mut self, e: &Entry, st: &Stamp) {
        if st.preference_event {
            self.decided = true;
            self.recorded_since_seen = true;
            self.unrecorded = None;
        }
        let Some(prefs) = &st.preferences else {
            return;
        };
        for (c, v) in prefs {
            if *v == Some(true) {
                self.granted_ever.insert(c.clone());
            }
        }
        if self.no_banner {
            self.decided = true;
        }
        // A choice recorded since the cookie was last seen is newer than the cookie: the
        // cookie is compared with it when it is next seen.
        if !self.recorded_since_seen {
            self.compare_banner(e, st);
        }
        if e.gpc {
            for c in &self.ws.wire.sale_share {
                let granted = prefs.iter().any(|(k, v)| k == c && *v == Some(true));
                if granted && self.gpc_said.insert((e.page.clone(), c.clone())) {
                    let f = self.finding(
                        WireCode::GpcGranted,
                        e,
                        None,
                        &format!(
                            "the browser sent Sec-GPC: 1 (the user opts out of sale and sharing) and {} was stamped {c}=true, a sale/share category",
                            printable(&st.label)
                        ),
                    );
                    self.out.findings.push(f);
                }
            }
        }
        self.stamp = Some(Arc::new(StampAt {
            line: e.line,
            entry: e.entry,
            stamp: st.clone(),
        }));
    }

    /// The consent in force for a category: the stamp's, else (once the user chose) the
    /// banner's.
    fn value(&self, category: &str) -> Option<bool> {
        match &self.stamp {
            Some(s) => s.stamp.value(category).flatten(),
            None if self.decided => self.banner.as_ref().and_then(|b| b.group(category)),
            None => None,
        }
    }

    fn vendor_request(
        &mut self,
        e: &Entry,
        vendor: String,
        destination: Option<usize>,
        google: bool,
    ) {
        let ws = self.ws;
        let categories: Vec<String> = destination
            .map(|d| {
                ws.destinations[d]
                    .categories
                    .iter()
                    .filter(|&&c| ws.category(c).enabled)
                    .map(|&c| ws.category(c).id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let not_granted: Vec<String> = categories
            .iter()
            .filter(|c| self.value(c) != Some(true))
            .cloned()
            .collect();
        let verdict = if destination.is_none() {
            Verdict::NotInWorkspace
        } else if not_granted.is_empty() {
            Verdict::WithConsent
        } else if !self.decided {
            Verdict::BeforeConsent
        } else if not_granted.iter().any(|c| self.granted_ever.contains(c)) {
            Verdict::AfterWithdrawal
        } else {
            Verdict::WithoutConsent
        };
        let dest_name = destination.map_or(vendor.as_str(), |d| ws.destinations[d].name.as_str());
        let mut codes = Vec::new();
        if let Some(code) = verdict.code() {
            let message = format!(
                "{} ({}) {}: {} not granted by {}",
                printable(dest_name),
                printable(&short_url(&e.url)),
                verdict.as_str().replace('_', " "),
                not_granted.join(", "),
                self.in_force()
            );
            codes.push(code);
            let f = self.finding(code, e, destination, &message);
            self.out.findings.push(f);
        }
        let signals = google
            .then(|| {
                let params: Vec<_> = e.params().collect();
                Signals::read(params.iter().map(|(k, v)| (&**k, &**v)))
            })
            .flatten();
        if let Some(sig) = &signals {
            for (code, message) in self.consent_mode(sig) {
                codes.push(code);
                let f = self.finding(
                    code,
                    e,
                    destination,
                    &format!("{}: {message}", printable(dest_name)),
                );
                self.out.findings.push(f);
            }
        }
        if !self.decided {
            self.before_choice(dest_name, e, !not_granted.is_empty());
        }
        self.out.requests.push(Request {
            file: self.out.file.clone(),
            line: e.line,
            entry: e.entry,
            time: e.time,
            page: e.page.clone(),
            method: e.method.clone(),
            url: e.url.clone(),
            vendor,
            destination,
            stamp: self.stamp.clone(),
            banner: self.banner.clone(),
            decided: self.decided,
            gpc: e.gpc,
            signals,
            verdict,
            not_granted,
            codes,
        });
    }

    /// `the stamp of track "X" (line 40), the banner not answered`.
    fn in_force(&self) -> String {
        let stamp = match &self.stamp {
            Some(s) => format!(
                "the stamp of {} (line {})",
                printable(&s.stamp.label),
                s.line
            ),
            None => "any stamp (no Segment call carried consent before it)".to_owned(),
        };
        let banner = match &self.banner {
            Some(b) => b.describe(),
            None => "no banner cookie".to_owned(),
        };
        format!("{stamp}; {banner}")
    }

    /// Consent Mode against the stamp, through the workspace's mapping: one finding per
    /// kind of disagreement, naming each type.
    fn consent_mode(&self, sig: &Signals) -> Vec<(WireCode, String)> {
        let mut by_code: Vec<(WireCode, Vec<String>)> = Vec::new();
        for (i, t) in TYPES.iter().enumerate() {
            let cats = &self.ws.wire.consent_mode[i];
            let Some(state) = sig.states[i] else { continue };
            let Some(signal) = state.effective() else {
                continue;
            };
            if cats.is_empty() || self.stamp.is_none() && !self.decided {
                continue;
            }
            let values: Option<Vec<bool>> = cats.iter().map(|c| self.value(c)).collect();
            let Some(values) = values else { continue };
            let expected = values.iter().all(|v| *v);
            if signal == expected {
                continue;
            }
            let word = |g: bool| if g { "granted" } else { "denied" };
            let text = format!(
                "{t} {} ({}) where the consent in force {} {}",
                word(signal),
                state.describe(),
                if expected { "grants" } else { "denies" },
                cats.join(" and ")
            );
            let code = if sig.before_update() && self.decided {
                WireCode::ConsentModeRace
            } else if signal {
                WireCode::ConsentModeGranted
            } else {
                WireCode::ConsentModeDenied
            };
            match by_code.iter_mut().find(|(c, _)| *c == code) {
                Some((_, texts)) => texts.push(text),
                None => by_code.push((code, vec![text])),
            }
        }
        by_code
            .into_iter()
            .map(|(code, texts)| {
                let lead = if code == WireCode::ConsentModeRace {
                    "left with the page's default consent, before the banner's update, although the user had chosen: "
                } else {
                    ""
                };
                (code, format!("{lead}{} ({})", texts.join("; "), sig.describe()))
            })
            .collect()
    }

    fn before_choice(&mut self, name: &str, e: &Entry, not_granted: bool) {
        let list = &mut self.out.before_choice;
        let at = list.iter().position(|b| b.name == name).unwrap_or_else(|| {
            list.push(BeforeChoice {
                name: name.to_owned(),
                requests: 0,
                not_granted: 0,
                first_line: e.line,
                first_time: e.time,
            });
            list.len() - 1
        });
        list[at].requests += 1;
        list[at].not_granted += u64::from(not_granted);
    }
}

/// `www.facebook.com/tr`: host and path, what a person recognises.
pub fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['?', '#']).next().unwrap_or(rest).to_owned()
}

impl Audit {
    /// The findings not on a vendor's request: the banner's, and GPC's.
    pub fn page_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| {
            matches!(
                f.code,
                WireCode::BannerMismatch | WireCode::BannerUnrecorded | WireCode::GpcGranted
            )
        })
    }

    /// Whether there is anything to say: a vendor's request, or a finding.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.findings.is_empty()
    }

    /// The NDJSON records (docs/commands.md, "Wire records"): each vendor request
    /// (`"kind":"wire"`), each finding not on one (`"kind":"wire_finding"`), then what each
    /// destination received before the first choice (`"kind":"wire_summary"`).
    pub fn records<'a>(&'a self, ws: &'a Workspace) -> Vec<record::Record<'a>> {
        use record::{Record, RequestRecord, SummaryRow};
        let mut out: Vec<Record<'a>> = self
            .requests
            .iter()
            .map(|r| Record::Request(RequestRecord::of(ws, self, r)))
            .collect();
        out.extend(self.page_findings().map(Record::Finding));
        if !self.before_choice.is_empty() {
            out.push(Record::Summary {
                file: &self.file,
                before_choice: self.before_choice.iter().map(SummaryRow).collect(),
            });
        }
        out
    }
}

/// The wire records' shapes, serialised as they are borrowed from the audit.
pub mod record {
    use serde::Serialize;
    use serde::ser::{SerializeMap, SerializeStruct, Serializer};

    use super::{Audit, BeforeChoice, Finding, Request, StampAt, TYPES};
    use crate::read::wire::banner::Banner;
    use crate::read::wire::consent_mode::Signals;
    use crate::workspace::Workspace;

    #[derive(Serialize)]
    #[serde(tag = "kind")]
    pub enum Record<'a> {
        #[serde(rename = "wire")]
        Request(RequestRecord<'a>),
        #[serde(rename = "wire_finding")]
        Finding(&'a Finding),
        #[serde(rename = "wire_summary")]
        Summary {
            file: &'a str,
            #[serde(rename = "beforeChoice")]
            before_choice: Vec<SummaryRow<'a>>,
        },
    }

    #[derive(Serialize)]
    pub struct RequestRecord<'a> {
        file: &'a str,
        line: u64,
        entry: usize,
        time: Option<String>,
        page: Option<&'a str>,
        method: &'a str,
        url: &'a str,
        vendor: &'a str,
        destination: Option<&'a str>,
        verdict: &'static str,
        #[serde(rename = "notGranted")]
        not_granted: &'a [String],
        consent: Option<&'a StampAt>,
        decided: bool,
        banner: Option<&'a Banner>,
        gpc: bool,
        #[serde(rename = "consentMode")]
        consent_mode: Option<&'a Signals>,
        issues: Vec<Issue<'a>>,
    }

    impl<'a> RequestRecord<'a> {
        pub(super) fn of(ws: &'a Workspace, audit: &'a Audit, r: &'a Request) -> Self {
            RequestRecord {
                file: &r.file,
                line: r.line,
                entry: r.entry,
                time: r.time.map(|t| t.to_string()),
                page: r.page.as_deref(),
                method: &r.method,
                url: &r.url,
                vendor: &r.vendor,
                destination: r.destination.map(|d| ws.destinations[d].name.as_str()),
                verdict: r.verdict.as_str(),
                not_granted: &r.not_granted,
                consent: r.stamp.as_deref(),
                decided: r.decided,
                banner: r.banner.as_deref(),
                gpc: r.gpc,
                consent_mode: r.signals.as_ref(),
                issues: audit
                    .findings
                    .iter()
                    .filter(|f| f.entry == r.entry && r.codes.contains(&f.code))
                    .map(Issue)
                    .collect(),
            }
        }
    }

    /// `{severity, code, message}`.
    pub struct Issue<'a>(&'a Finding);

    impl Serialize for Issue<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Issue", 3)?;
            m.serialize_field("severity", self.0.code.severity().as_str())?;
            m.serialize_field("code", self.0.code.as_str())?;
            m.serialize_field("message", &self.0.message)?;
            m.end()
        }
    }

    /// A finding not on a request: `{file, line, entry, time, severity, code, message}`.
    impl Serialize for Finding {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Finding", 7)?;
            m.serialize_field("file", &*self.file)?;
            m.serialize_field("line", &self.line)?;
            m.serialize_field("entry", &self.entry)?;
            m.serialize_field("time", &self.time.map(|t| t.to_string()))?;
            m.serialize_field("severity", self.code.severity().as_str())?;
            m.serialize_field("code", self.code.as_str())?;
            m.serialize_field("message", &self.message)?;
            m.end()
        }
    }

    /// `{line, index, event, categoryPreferences}`.
    impl Serialize for StampAt {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Consent", 4)?;
            m.serialize_field("line", &self.line)?;
            m.serialize_field("index", &self.stamp.index)?;
            m.serialize_field("event", &self.stamp.label)?;
            m.serialize_field(
                "categoryPreferences",
                &self.stamp.preferences.as_deref().map(Pairs),
            )?;
            m.end()
        }
    }

    /// `{groups, answered}`.
    impl Serialize for Banner {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_struct("Banner", 2)?;
            m.serialize_field("groups", &Pairs(&self.groups))?;
            m.serialize_field("answered", &self.closed)?;
            m.end()
        }
    }

    /// `{gcs, gcd, npa, dma, states}`, each state `{default, update}`.
    impl Serialize for Signals {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            struct States<'a>(&'a Signals);
            impl Serialize for States<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    let mut m = s.serialize_map(None)?;
                    for (t, st) in TYPES.iter().zip(&self.0.states) {
                        if let Some(st) = st {
                            m.serialize_entry(
                                t,
                                &serde_json::json!({"default": st.default, "update": st.update}),
                            )?;
                        }
                    }
                    m.end()
                }
            }
            let mut m = s.serialize_struct("ConsentMode", 5)?;
            m.serialize_field("gcs", &self.gcs)?;
            m.serialize_field("gcd", &self.gcd)?;
            m.serialize_field("npa", &self.npa)?;
            m.serialize_field("dma", &self.dma)?;
            m.serialize_field("states", &States(self))?;
            m.end()
        }
    }

    /// `[(key, value)]` as a JSON object.
    struct Pairs<'a, V>(&'a [(String, V)]);

    impl<V: Serialize> Serialize for Pairs<'_, V> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    /// `{destination, requests, notGranted, firstLine, firstTime}`.
    pub struct SummaryRow<'a>(pub(super) &'a BeforeChoice);

    impl Serialize for SummaryRow<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let b = self.0;
            let mut m = s.serialize_struct("BeforeChoice", 5)?;
            m.serialize_field("destination", &b.name)?;
            m.serialize_field("requests", &b.requests)?;
            m.serialize_field("notGranted", &b.not_granted)?;
            m.serialize_field("firstLine", &b.first_line)?;
            m.serialize_field("firstTime", &b.first_time.map(|t| t.to_string()))?;
            m.end()
        }
    }
}

/// Plain English for what a capture's line shows went out: the vendor request that starts
/// there, and the findings on it (`explain --line`, the terminal UI's detail).
pub fn explain(ws: &Workspace, audit: &Audit, line: u64) -> Vec<String> {
    let said = |f: &Finding| {
        format!(
            "{} {}: {}",
            f.code.severity().as_str(),
            f.code.as_str(),
            printable(&f.message)
        )
    };
    let mut out = Vec::new();
    let requests: Vec<&Request> = audit.requests.iter().filter(|r| r.line == line).collect();
    for r in &requests {
        out.extend(explain_request(ws, r));
        out.extend(
            audit
                .findings
                .iter()
                .filter(|f| f.entry == r.entry)
                .map(said),
        );
    }
    out.extend(
        audit
            .findings
            .iter()
            .filter(|f| f.line == line && !requests.iter().any(|r| r.entry == f.entry))
            .map(said),
    );
    out
}

/// One vendor request: what it was, the consent in force, its verdict and findings.
pub fn explain_request(ws: &Workspace, r: &Request) -> Vec<String> {
    let mut out = Vec::new();
    let needs = r.destination.map(|d| {
        let cats: Vec<String> = ws.destinations[d]
            .categories
            .iter()
            .map(|&c| {
                let c = ws.category(c);
                if c.name == c.id {
                    printable(&c.id).into_owned()
                } else {
                    format!("{} ({})", printable(&c.id), printable(&c.name))
                }
            })
            .collect();
        format!(
            "destination {}, which needs {}",
            printable(&ws.destinations[d].name),
            if cats.is_empty() {
                "no category".to_owned()
            } else {
                cats.join(" and ")
            }
        )
    });
    out.push(format!(
        "{}'s own request (HAR entry {}{}): {} {}; {}",
        printable(&r.vendor),
        r.entry,
        r.time.map(|t| format!(", {t}")).unwrap_or_default(),
        printable(&r.method),
        printable(&short_url(&r.url)),
        needs.unwrap_or_else(|| "no destination of the workspace".to_owned())
    ));
    out.push(format!("Verdict: {}.", r.verdict.sentence()));
    out.push(match &r.stamp {
        Some(s) => format!(
            "Consent in force: the stamp of {} (line {}): {}",
            printable(&s.stamp.label),
            s.line,
            s.stamp
                .preferences
                .iter()
                .flatten()
                .map(|(c, v)| format!(
                    "{}={}",
                    printable(c),
                    v.map_or("not a boolean", |v| if v { "true" } else { "false" })
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "Consent in force: no Segment call had carried consent before it.".to_owned(),
    });
    out.push(format!(
        "Banner: {}{}",
        r.banner.as_ref().map_or_else(
            || "no OneTrust cookie seen yet".to_owned(),
            |b| printable(&b.describe()).into_owned()
        ),
        if r.decided {
            "; the user had chosen"
        } else {
            "; the user had not chosen yet"
        }
    ));
    if r.gpc {
        out.push("The browser sent Sec-GPC: 1 (Global Privacy Control).".to_owned());
    }
    if let Some(s) = &r.signals {
        let states: Vec<String> = TYPES
            .iter()
            .zip(&s.states)
            .filter_map(|(t, st)| st.map(|st| format!("{t} {}", st.describe())))
            .collect();
        out.push(format!(
            "Consent Mode: {}{}",
            printable(&s.describe()),
            if states.is_empty() {
                String::new()
            } else {
                format!(": {}", states.join("; "))
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A capture of `requests` (url, cookie header, Segment body), one a second.
    fn timeline(requests: &[(&str, &str, Option<Value>)]) -> Timeline {
        let entries: Vec<Value> = requests
            .iter()
            .enumerate()
            .map(|(i, (url, cookie, body))| {
                json!({
                    "startedDateTime": format!("2026-12-07T10:00:{i:02}.000Z"),
                    "request": {
                        "method": if body.is_some() { "POST" } else { "GET" },
                        "url": url,
                        "headers": [{"name": "Cookie", "value": cookie}],
                        "postData": body.as_ref().map(|b| json!({"text": b.to_string()})),
                    }
                })
            })
            .collect();
        let text = json!({"log": {"entries": entries}}).to_string();
        crate::read::input::har::read(&Arc::from("t.har"), text.as_bytes(), true)
            .1
            .unwrap()
    }

    use serde_json::Value;

    fn stamp(prefs: &Value, event: &str) -> Value {
        json!({"type": "track", "event": event, "userId": "u",
               "context": {"consent": {"categoryPreferences": prefs}}})
    }

    fn workspace() -> Workspace {
        Workspace::from_slice(
            "ws.json",
            br#"{"categories":[{"id":"C0002"},{"id":"C0004"}],"destinations":[
                {"name":"Facebook Pixel","categories":["C0004"]},
                {"name":"Google Analytics 4 Web","categories":["C0002"]}]}"#,
        )
        .unwrap()
    }

    const DENIED: &str =
        "OptanonConsent=groups=C0002%3A1%2CC0004%3A0; OptanonAlertBoxClosed=2026-12-01";
    const GRANTED: &str =
        "OptanonConsent=groups=C0002%3A1%2CC0004%3A1; OptanonAlertBoxClosed=2026-12-01";

    fn codes(a: &Audit) -> Vec<&'static str> {
        a.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn what_the_page_wrote_reaches_no_terminal_raw() {
        let hostile =
            "OptanonConsent=groups=C0004%1B%5B2J%3A0%2CC0004%3A0; OptanonAlertBoxClosed=x";
        let t = timeline(&[
            ("https://shop.example/", hostile, None),
            (
                "https://api.segment.io/v1/t",
                "",
                Some(stamp(
                    &json!({"C0004\u{1b}[2J": true, "C0004": true}),
                    "A\u{1b}]0;x\u{7}",
                )),
            ),
            ("https://www.facebook.com/tr?ev=A", hostile, None),
        ]);
        let ws = workspace();
        let a = audit(&ws, &t);
        let mut said: Vec<String> = explain(&ws, &a, a.requests[0].line);
        said.extend(a.findings.iter().map(|f| f.message.clone()));
        said.extend(page_timeline(&ws, &a, &t, None).into_iter().map(|(_, l)| l));
        assert!(said.len() > 3, "{said:?}");
        for line in said {
            assert!(!line.chars().any(char::is_control), "{line:?}");
        }
    }

    #[test]
    fn a_vendor_request_the_users_choice_denied_is_a_leak() {
        let t = timeline(&[
            ("https://shop.example/", DENIED, None),
            (
                "https://api.segment.io/v1/t",
                "",
                Some(stamp(&json!({"C0002": true, "C0004": false}), "A")),
            ),
            ("https://www.facebook.com/tr?ev=A", "", None),
            ("https://analytics.tiktok.com/api/v2/pixel", "", None),
        ]);
        let a = audit(&workspace(), &t);
        assert_eq!(a.requests[0].verdict, Verdict::WithoutConsent);
        assert_eq!(a.requests[0].not_granted, ["C0004"]);
        assert_eq!(a.requests[1].verdict, Verdict::NotInWorkspace);
        assert_eq!(codes(&a), ["wire_without_consent"]);
        assert!(a.before_choice.is_empty());
    }

    #[test]
    fn a_google_hit_with_only_the_default_after_the_choice_is_the_race() {
        let t = timeline(&[
            ("https://shop.example/", GRANTED, None),
            (
                "https://api.segment.io/v1/t",
                "",
                Some(stamp(&json!({"C0002": true, "C0004": true}), "A")),
            ),
            (
                "https://region1.google-analytics.com/g/collect?en=page_view&gcs=G100&gcd=13p3p3p3p5",
                "",
                None,
            ),
            (
                "https://region1.google-analytics.com/g/collect?en=x&gcs=G111&gcd=13r3r3r3r5",
                "",
                None,
            ),
        ]);
        let a = audit(&workspace(), &t);
        assert_eq!(a.requests[0].verdict, Verdict::WithConsent);
        assert_eq!(codes(&a), ["consent_mode_race"]);
        assert!(a.findings[0].message.contains("analytics_storage denied (denied by default, no update) where the consent in force grants C0002"));
    }

    #[test]
    fn a_cookie_change_without_a_preference_event_is_unrecorded() {
        let prefs = json!({"C0002": true, "C0004": false});
        let t = timeline(&[
            ("https://shop.example/", DENIED, None),
            ("https://api.segment.io/v1/t", "", Some(stamp(&prefs, "A"))),
            ("https://shop.example/cart", GRANTED, None),
        ]);
        let a = audit(&workspace(), &t);
        // The new cookie also disagrees with the last stamp.
        assert_eq!(codes(&a), ["banner_mismatch", "banner_unrecorded"]);
        // With the event, neither.
        let t = timeline(&[
            ("https://shop.example/", DENIED, None),
            ("https://api.segment.io/v1/t", "", Some(stamp(&prefs, "A"))),
            (
                "https://api.segment.io/v1/t",
                "",
                Some(stamp(
                    &json!({"C0002": true, "C0004": true}),
                    "Segment Consent Preference Updated",
                )),
            ),
            ("https://shop.example/cart", GRANTED, None),
        ]);
        assert_eq!(codes(&audit(&workspace(), &t)), Vec::<&str>::new());
    }
}

/// One thing the audit shows in a list: a vendor request, or a finding not on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Request(usize),
    Finding(usize),
}

impl Audit {
    /// The requests and the findings not on one, in capture order (by entry).
    pub fn items(&self) -> Vec<(usize, Item)> {
        let mut items: Vec<(usize, Item)> = self
            .requests
            .iter()
            .enumerate()
            .map(|(i, r)| (r.entry, Item::Request(i)))
            .chain(
                self.findings
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| {
                        !self
                            .requests
                            .iter()
                            .any(|r| r.entry == f.entry && r.codes.contains(&f.code))
                    })
                    .map(|(i, f)| (f.entry, Item::Finding(i))),
            )
            .collect();
        items.sort_by_key(|(entry, _)| *entry);
        items
    }
}

/// The timeline of one page (HAR's `pageref`; the whole capture when it has none): each
/// Segment call with its stamp, each vendor request with its verdict, each change of the
/// banner's cookie, in the order they went out; each line with its HAR entry.
pub fn page_timeline(
    ws: &Workspace,
    audit: &Audit,
    timeline: &Timeline,
    page: Option<&str>,
) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut banner: Option<&Banner> = None;
    let clock = |e: &Entry| {
        e.time.map_or_else(
            || "--:--:--.---".to_owned(),
            |t| t.strftime("%H:%M:%S%.3f").to_string(),
        )
    };
    for e in timeline
        .entries
        .iter()
        .filter(|e| e.page.as_deref() == page)
    {
        if let Some(b) = &e.banner
            && banner.is_none_or(|old| old.groups != b.groups || old.closed != b.closed)
        {
            out.push((
                e.entry,
                format!("{}  banner    {}", clock(e), printable(&b.describe())),
            ));
            banner = Some(b);
        }
        for s in e.segment.iter().flatten() {
            let prefs = s.preferences.as_ref().map_or_else(
                || "no consent stamped".to_owned(),
                |p| {
                    p.iter()
                        .map(|(c, v)| match v {
                            Some(v) => format!("{}={v}", printable(c)),
                            None => format!("{}=?", printable(c)),
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                },
            );
            out.push((
                e.entry,
                format!("{}  segment   {}  {prefs}", clock(e), printable(&s.label)),
            ));
        }
        if let Some(r) = audit.requests.iter().find(|r| r.entry == e.entry) {
            let name = r
                .destination
                .map_or(r.vendor.as_str(), |d| ws.destinations[d].name.as_str());
            out.push((
                e.entry,
                format!(
                    "{}  vendor    {}  {}",
                    clock(e),
                    printable(name),
                    r.verdict.as_str().replace('_', " ")
                ),
            ));
        }
    }
    out
}

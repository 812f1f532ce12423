//! The seam between a workspace and its vendor's rules: the engine and every view ask here,
//! and only here is the dialect matched to a vendor's chain.

use crate::read::event::{Doc, Field, Raw};
use crate::read::input::Record;
use crate::rules::choices::Choice;
use crate::rules::finding::Finding;
use crate::rules::step::{Chain, Verdicts};
use crate::rules::verdict::{Admission, Route};
use crate::rules::{rudderstack, segment};
use crate::workspace::Workspace;
use crate::workspace::dialect::Dialect;

/// What the workspace's vendor finds on ingesting `record`. Per-user findings (duplicates,
/// profile warnings) are added by the engine.
pub fn validate(record: &Record, ws: &Workspace) -> Vec<Finding> {
    match ws.dialect() {
        Dialect::Segment => segment::ingest::validate(record, ws),
        Dialect::RudderStack => rudderstack::ingest::validate(record),
    }
}

/// Routes an event to every destination, in settings order. `ev` is None for a record that
/// is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
    match ws.dialect() {
        Dialect::Segment => segment::route::route(ws, ev, admission),
        Dialect::RudderStack => rudderstack::route::route(ws, ev, admission),
    }
}

/// The vendor's chain of steps, and its words for what the views show.
pub fn chain(dialect: Dialect) -> &'static Chain {
    match dialect {
        Dialect::Segment => &segment::chain::CHAIN,
        Dialect::RudderStack => &rudderstack::chain::CHAIN,
    }
}

/// Whether the vendor drops an event whose messageId it already took (RudderStack's server
/// does not by default: `Dedup.enableDedup` is false in `processor.go`).
pub fn deduplicates(dialect: Dialect) -> bool {
    match dialect {
        Dialect::Segment => segment::duplicate::DEDUPLICATES,
        Dialect::RudderStack => false,
    }
}

/// The discard reason the vendor's Delivery Overview shows for `r`, or None when it delivers
/// it or the vendor has none. `ingest_code` is the event's first error, for `not_ingested`.
pub fn discard<'a>(r: &Route, ingest_code: Option<&'a str>) -> Option<&'a str> {
    if chain(r.vendor).delivery_overview {
        r.delivery_overview_discard(ingest_code)
    } else {
        None
    }
}

/// One sentence on one destination's decision, in the words of the vendor that decided it.
pub fn explain(ws: &Workspace, r: &Route) -> String {
    (chain(r.vendor).explain)(ws, r)
}

/// The choices (`rules::choices`) one outcome's verdicts rest on, in `Choice`'s order.
pub fn choices(
    ws: &Workspace,
    event: Option<&Doc>,
    findings: &[Finding],
    routes: &[Route],
    ingested: bool,
) -> Vec<Choice> {
    chain(ws.dialect()).choices(&Verdicts {
        ws,
        event,
        findings,
        routes,
        ingested,
    })
}

/// How many of some events carry each vendor's consent: RudderStack's
/// `context.consentManagement`, Segment's `context.consent`.
#[derive(Debug, Default)]
pub struct Sniffed {
    rudderstack: usize,
    segment: usize,
}

impl Sniffed {
    pub fn of(records: &[Record]) -> Self {
        let mut out = Self::default();
        for r in records {
            let Ok(doc) = &r.json else { continue };
            let Some(Raw::Object(context)) = doc.get(Field::Context) else {
                continue;
            };
            let context = Raw::Object(context).to_value();
            out.rudderstack += usize::from(context.get("consentManagement").is_some());
            out.segment += usize::from(context.get("consent").is_some());
        }
        out
    }

    /// The vendor whose consent the events carry, when it is not the default's and theirs
    /// alone: with how many.
    pub fn only(&self) -> Option<(Dialect, usize)> {
        (self.rudderstack > 0 && self.segment == 0)
            .then_some((Dialect::RudderStack, self.rudderstack))
    }

    /// What `dialect`'s rules will not read of these events, when there is any.
    pub fn unread(&self, dialect: Dialect) -> Option<String> {
        match dialect {
            Dialect::RudderStack if self.segment > 0 => Some(format!(
                "{} of the first events carry Segment's context.consent, which RudderStack's rules do not read: they are decided as carrying no consent (segment_consent_ignored). route --compare, or V in the UI, decides them by both vendors with the consent translated",
                self.segment
            )),
            _ => None,
        }
    }
}

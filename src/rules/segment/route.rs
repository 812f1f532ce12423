//! Segment's chain applied to one event (RULES §3): a pure function of the workspace and the
//! event, each destination's decision carrying the reason of the step that made it. The steps
//! run in `CHAIN`'s order; each after consent acts only on what the steps before let through.

use crate::read::event::{Doc, Tree};
use crate::rules::segment::filter::Known;
use crate::rules::segment::{
    connection, consent, default_integrations, enabled, event_types, filter, integrations,
    mappings, mobile, plan_filter, protocols, source, suppression, unknown,
};
use crate::rules::verdict::{Admission, Block, Decision, Mode, Route};
use crate::workspace::{DestinationKind, Workspace};

use consent::Stamp;

/// Routes an event to every destination, in settings order. `ev` is None for a record that
/// is not an event at all.
pub fn route(ws: &Workspace, ev: Option<&Doc>, admission: Admission) -> Vec<Route> {
    // Ingest: a record Segment refuses reaches no destination.
    let stamp = match ev {
        _ if admission == Admission::NotIngested => Stamp::NotIngested,
        None => Stamp::NotIngested,
        Some(e) if e.is_preference_event() => Stamp::PreferenceEvent,
        Some(e) => consent::preferences_stamp(ws, e, consent::granted_mask),
    };
    let ingested = ev.filter(|_| !matches!(stamp, Stamp::NotIngested));
    // The source stage: what the source's plan drops, it drops for every destination; what
    // its Protocols drop, for every cloud destination (and device ones, if unplanned).
    let at_source = ingested.and_then(|e| source::blocks(ws, e));
    let judged = ingested
        .filter(|_| at_source.is_none())
        .and_then(|e| protocols::evaluate(ws, e));
    let omitted = judged
        .as_ref()
        .map(protocols::Evaluation::removed)
        .unwrap_or_default();
    let protocols_block = judged.and_then(|e| e.blocked);
    let plan_entry = ingested.and_then(|e| {
        let entry = plan_filter::entry(ws, e)?;
        Some((e.event_name()?, entry))
    });
    let integrations = ev.and_then(Doc::integrations);
    // A mobile library's consent plugin: it decides device routes, and may drop the event
    // before Segment.
    let reading = ingested.and_then(|e| mobile::read(ws, e));
    let library = reading.as_ref().map(|m| m.library);
    let dropped = reading
        .as_ref()
        .filter(|m| mobile::drops_at_source(ws, m))
        .map(|m| m.library);
    let suppressed = ingested.is_some_and(|e| suppression::suppressed(ws, e));
    // The browser's reading of the consent, and the event as filters and triggers read it:
    // each made once, only if a step asks.
    let mut browser: Option<Stamp<'_>> = None;
    let mut stored: Option<Tree<'_>> = None;
    // Filters are read two ways (the browser's, the servers'): one cache for each.
    let (mut filters_known, mut triggers_known) = ([Known::default(); 2], Known::default());
    (0..ws.destinations.len())
        .map(|d| {
            let mode = ingested.map_or(Mode::Cloud, |e| {
                connection::mode(e, &ws.destinations[d].name)
            });
            let by_protocols = protocols_block
                .as_ref()
                .filter(|(_, _, device)| *device || mode == Mode::Cloud)
                .map(|(control, setting, _)| (control, setting));
            let source_block = at_source.as_ref().map(|(c, s)| (c, s)).or(by_protocols);
            let decision = match (dropped, source_block, mode, ingested) {
                (Some(library), _, Mode::Cloud, _) => {
                    Decision::Block(Block::BlockedOnDevice { library })
                }
                (_, _, Mode::Cloud, _) if suppressed => Decision::Block(Block::Suppressed),
                (_, Some((control, setting)), ..) => Decision::Block(Block::FilteredAtSource {
                    control: *control,
                    setting: setting.clone(),
                }),
                (.., Some(_)) if let Some(off) = enabled::decide(ws, d) => off,
                (_, None, Mode::Device, Some(_)) if let Some(m) = &reading => {
                    mobile::decide_device(ws, d, m)
                }
                (_, None, Mode::Device, Some(e)) => {
                    let browser = browser.get_or_insert_with(|| {
                        consent::preferences_stamp(ws, e, consent::truthy_mask)
                    });
                    connection::decide(ws, d, browser)
                }
                // The browser does not deduplicate; Segment's servers do.
                _ if admission == Admission::Duplicate => Decision::Block(Block::Duplicate),
                // Warehouses deduplicate "duplicate events that are more than 24 hours apart"
                // on their own (`guides/duplicate-data.md`).
                _ if admission == Admission::LateDuplicate
                    && ws.destinations[d].kind == DestinationKind::Warehouse =>
                {
                    Decision::Block(Block::Duplicate)
                }
                _ => consent::decide(ws, d, &stamp),
            };
            let mut r = Route::new(d, decision, mode, ws.dialect());
            if mode == Mode::Device || dropped.is_some() {
                r.mobile = library;
            }
            connection::apply(ws, &mut r);
            let plan = plan_entry.as_ref().map(|(n, e)| (n.as_ref(), *e));
            let applied = plan_filter::apply(ws, plan, integrations.as_ref(), &mut r);
            default_integrations::apply(ws, integrations.as_ref(), &mut r);
            if applied != plan_filter::Applied::TurnedOn {
                integrations::apply(ws, integrations.as_ref(), &mut r);
            }
            if let Some(e) = ev {
                filter::step(ws, &mut stored, e, &mut filters_known, &mut r);
                mappings::step(ws, &mut stored, e, &mut triggers_known, &mut r);
                event_types::apply(ws, e, &mut r);
            }
            unknown::apply(ws, &mut r);
            // What the source omitted, no cloud destination receives.
            if mode == Mode::Cloud && r.decision.may_deliver() {
                r.omitted.clone_from(&omitted);
            }
            r
        })
        .collect()
}

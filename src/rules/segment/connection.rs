//! How a destination is connected (Segment): in device mode, analytics.js lists it in
//! `_metadata.bundled` and sends it the event itself, so Segment's servers skip it, and the
//! browser's consent wrapper decides it, as its consent model says (consent-tools). Every other
//! destination is in cloud mode, and one that runs only in the browser (no cloud-mode
//! component) gets nothing from Segment's servers: unless the browser loaded it, the event is
//! lost to it (`onetrust-wrapper.md`: "these new libraries will not be loaded until the next
//! time that Segment loads"; consent-tools `blocking-helpers.ts`, which leaves a destination
//! not consented at page load out of the settings analytics.js loads).

use crate::read::event::Doc;
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts};
use crate::rules::verdict::{Block, Decision, Delivery, Mode, Route, SENT_CLIENT_SIDE};
use crate::workspace::{ConsentModel, ModelSource, Workspace};

use super::consent::{self, Stamp};

pub const STEP: Step = Step {
    name: "connection",
    about: "device mode (the browser sends it, as its consent wrapper decides) or cloud mode",
    scope: Scope::Destination,
    reasons: &["loaded_at_page_load", "not_loaded"],
    discards: &[SENT_CLIENT_SIDE],
    choices: &[Choice::DefaultConsentModel],
    rests_on,
    lint: &["device_without_endpoint"],
    lessons: &[
        "Device mode: the browser decides, by its consent model",
        "A destination only the browser can send to",
    ],
    blocked,
    why,
};

/// Who says a destination runs only in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceOnly {
    /// The settings' components (the CDN's `componentTypes`, our `components`).
    Settings,
    /// Segment's catalog: a classic destination with device-mode components and no cloud
    /// mode (Actions entries' connection modes do not say where their code runs).
    Catalog,
}

/// Whether destination `d` runs only in the browser, and who says so; None when it has a
/// cloud-mode component or nothing says.
pub fn device_only(ws: &Workspace, d: usize) -> Option<DeviceOnly> {
    let dest = &ws.destinations[d];
    if let Some(c) = dest.components {
        return (c.browser && !c.server).then_some(DeviceOnly::Settings);
    }
    let e = ws.catalog_entry(d)?;
    (!e.actions && e.cloud.is_empty() && !e.device.is_empty()).then_some(DeviceOnly::Catalog)
}

/// Stops a cloud route consent let through when its destination runs only in the browser.
pub fn apply(ws: &Workspace, r: &mut Route) {
    if r.mode != Mode::Cloud {
        return;
    }
    if let Decision::Deliver(consent) = r.decision
        && device_only(ws, r.destination).is_some()
    {
        r.decision = Decision::Block(Block::NotLoaded { consent });
    }
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::NotLoaded { consent }) = &r.decision else {
        return None;
    };
    let who = match device_only(ws, r.destination)? {
        DeviceOnly::Settings => "its settings' components name only the browser".to_owned(),
        DeviceOnly::Catalog => {
            let e = ws.catalog_entry(r.destination)?;
            format!("Segment's catalog gives {} device mode only", e.name)
        }
    };
    Some(format!(
        "{name} does not receive it: it runs only in the browser ({who}), the event does not list it in _metadata.bundled, so the browser did not load it (under opt-in, a destination consented after the page loaded waits for the next page load), and Segment's servers have no cloud copy to send (consent alone would have let it through: {}).",
        describe_delivery(ws, r.destination, *consent)
    ))
}

/// A cloud route of a destination whose browser plugin also runs: hybrid, in a sentence.
pub fn hybrid(ws: &Workspace, r: &Route) -> Option<String> {
    let plugin = ws.destinations[r.destination].plugin.as_ref()?;
    (r.mode == Mode::Cloud).then(|| {
        format!(
            "hybrid: the browser runs its plugin ({}) and Segment's servers deliver",
            crate::text::printable(&plugin.name)
        )
    })
}

/// Whether the browser sends `name` the event: analytics.js listed it in `_metadata.bundled`.
pub fn mode(ev: &Doc, name: &str) -> Mode {
    if ev.is_bundled(name) {
        Mode::Device
    } else {
        Mode::Cloud
    }
}

/// What the browser's consent wrapper does with a device-mode destination: under opt-out it
/// loads what the event's preferences allow; under opt-in it loaded it with the page and
/// sends it every event of that page, whatever they say now. `browser` is the event's stamp
/// as the wrapper reads it (`consent::truthy_mask`).
pub fn decide(ws: &Workspace, dest: usize, browser: &Stamp<'_>) -> Decision {
    let allowed = consent::decide(ws, dest, browser);
    match ws.consent_model {
        ConsentModel::OptOut => allowed,
        ConsentModel::OptIn => Decision::Deliver(Delivery::LoadedAtPageLoad {
            withdrawn: !allowed.delivered(),
        }),
    }
}

/// Why a destination was let through, by whichever step let it: consent, or the browser.
pub fn describe_delivery(ws: &Workspace, dest: usize, why: Delivery) -> String {
    consent::describe(ws, dest, why)
        .or_else(|| describe(ws, dest, why))
        .unwrap_or_default()
}

/// Why the browser sends it, or None for a reason of another step.
pub fn describe(ws: &Workspace, dest: usize, why: Delivery) -> Option<String> {
    match why {
        Delivery::LoadedAtPageLoad { withdrawn: false } => Some(
            "it was loaded with the page (its categories were granted then), so the browser sends it every event of that page".into(),
        ),
        Delivery::LoadedAtPageLoad { withdrawn: true } => Some(format!(
            "it was loaded with the page, so the browser keeps sending it every event of that page although these preferences no longer allow it ({} needed): only the next page load stops it",
            consent::mapped_list(ws, dest)
        )),
        _ => None,
    }
}

/// The detail's note on a device-mode route.
pub fn device_note(ws: &Workspace) -> String {
    format!(" ⇢ device mode, {}", ws.consent_model.as_str())
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if v.ws.consent_model_from == ModelSource::Default
        && v.routes.iter().any(|r| r.mode == Mode::Device)
    {
        out.push(Choice::DefaultConsentModel);
    }
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    match &r.decision {
        Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: true }) => {
            Some("kept after withdrawal, until the next page".to_owned())
        }
        Decision::Block(Block::NotLoaded { .. }) => {
            Some("device only, not loaded by the browser".to_owned())
        }
        // An uncertain route's few words say what is unknown (`unknown::why`); explain says
        // hybrid.
        _ => hybrid(ws, r).filter(|_| r.decision.delivered()),
    }
}

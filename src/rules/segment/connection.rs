//! How a destination is connected (Segment): in device mode, analytics.js lists it in
//! `_metadata.bundled` and sends it the event itself, so Segment's servers skip it, and the
//! browser's consent wrapper decides it, as its consent model says (consent-tools). Every other
//! destination is in cloud mode.

use crate::read::event::Doc;
use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts, stops_nothing};
use crate::rules::verdict::{Decision, Delivery, Mode, Route, SENT_CLIENT_SIDE};
use crate::workspace::{ConsentModel, ModelSource, Workspace};

use super::consent::{self, Stamp};

pub const STEP: Step = Step {
    name: "connection",
    about: "device mode (the browser sends it, as its consent wrapper decides) or cloud mode",
    scope: Scope::Destination,
    reasons: &["loaded_at_page_load"],
    discards: &[SENT_CLIENT_SIDE],
    choices: &[Choice::DefaultConsentModel],
    rests_on,
    lint: &[],
    lessons: &["Device mode: the browser decides, by its consent model"],
    blocked: stops_nothing,
    why,
};

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

fn why(_: &Workspace, r: &Route) -> Option<String> {
    (r.decision == Decision::Deliver(Delivery::LoadedAtPageLoad { withdrawn: true }))
        .then(|| "kept after withdrawal, until the next page".to_owned())
}

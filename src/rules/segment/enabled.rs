//! Whether the destination is switched on (the Public API's `enabled`; a snapshot carries
//! it): a disabled destination is in neither the settings the browser loads nor the list
//! Segment's servers send to, so it receives nothing, in either mode. CDN settings never
//! list one; only a snapshot (`pull`) or our own settings can say so.

use crate::rules::step::{Scope, Step, Verdicts, no_words};
use crate::rules::verdict::{Block, Decision, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "enabled",
    about: "a destination switched off in the workspace receives nothing",
    scope: Scope::Destination,
    reasons: &["destination_disabled"],
    discards: &[],
    choices: &[],
    rests_on: |_: &Verdicts<'_>, _| {},
    lint: &[],
    lessons: &["A disabled destination receives nothing"],
    blocked,
    why: no_words,
};

/// The decision for destination `d` when it is disabled.
pub fn decide(ws: &Workspace, d: usize) -> Option<Decision> {
    (!ws.destinations[d].enabled).then_some(Decision::Block(Block::Disabled))
}

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    (r.decision == Decision::Block(Block::Disabled)).then(|| {
        format!(
            "{name} does not receive it: the destination is disabled in the workspace, so neither the browser loads it nor do Segment's servers send to it."
        )
    })
}

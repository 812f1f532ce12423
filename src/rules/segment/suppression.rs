//! Suppressed users (the Public API's suppressions; a snapshot carries them): Segment
//! accepts no new data about a suppressed `userId`, for every source of the workspace, and
//! sends none of it to a cloud-mode destination. Device mode is not suppressed
//! (`privacy/user-deletion-and-suppression.md`: "Data sent to device-mode destinations
//! cannot be suppressed ... bypass the point in the pipeline where Segment suppresses
//! events").

use crate::read::event::Doc;
use crate::rules::step::{Scope, Step, Verdicts, no_words};
use crate::rules::verdict::{Block, Decision, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "suppression",
    about: "Segment takes nothing from a suppressed user (device mode is not suppressed)",
    scope: Scope::Event,
    reasons: &["suppressed"],
    discards: &[],
    choices: &[],
    rests_on: |_: &Verdicts<'_>, _| {},
    lint: &[],
    lessons: &["A suppressed user reaches no cloud destination"],
    blocked,
    why: no_words,
};

/// Whether Segment suppresses the event: its `userId` is on the workspace's list.
pub fn suppressed(ws: &Workspace, ev: &Doc) -> bool {
    !ws.suppressed.is_empty()
        && ev
            .user_id()
            .is_some_and(|u| ws.suppressed.contains(u.as_ref()))
}

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    (r.decision == Decision::Block(Block::Suppressed)).then(|| {
        format!(
            "{name} does not receive it: the event's userId is suppressed in the workspace (Deletion and Suppression), so Segment takes nothing from this user for its cloud-mode destinations."
        )
    })
}

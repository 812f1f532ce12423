//! Segment's deduplication (`guides/duplicate-data.md`): an event whose messageId Segment has
//! already taken is dropped, for every cloud-mode destination (the browser does not
//! deduplicate). The engine keeps the messageIds seen (`engine`, within its window); this
//! step says what it means for a destination.

use crate::rules::choices::Choice;
use crate::rules::step::{Scope, Step, Verdicts, no_words};
use crate::rules::verdict::{Block, Decision, Route};
use crate::workspace::Workspace;

pub const STEP: Step = Step {
    name: "duplicates",
    about: "an event whose messageId Segment already took is dropped",
    scope: Scope::Event,
    reasons: &["duplicate"],
    discards: &["DUPLICATE"],
    choices: &[Choice::DuplicateDiscard],
    rests_on,
    lint: &[],
    lessons: &[
        "Duplicates are dropped by messageId",
        "A messageId is one event, whoever sends it",
    ],
    blocked,
    why: no_words,
};

/// Whether this vendor drops repeated messageIds (the engine asks, through the seam).
pub const DEDUPLICATES: bool = true;

fn blocked(_: &Workspace, r: &Route, name: &str) -> Option<String> {
    (r.decision == Decision::Block(Block::Duplicate)).then(|| {
        format!(
            "{name} does not receive it: Segment already took an event with this messageId and drops this one as a duplicate."
        )
    })
}

fn rests_on(v: &Verdicts<'_>, out: &mut Vec<Choice>) {
    if v.routes
        .iter()
        .any(|r| r.decision == Decision::Block(Block::Duplicate))
    {
        out.push(Choice::DuplicateDiscard);
    }
}

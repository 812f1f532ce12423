//! What if one category of an event's consent were different: the event decided again with
//! that preference changed, so a person learning the rules sees which routes would change and
//! why. Nothing is written anywhere.

use std::sync::Arc;

use crate::engine::profile::Profiles;
use crate::engine::{Outcome, decide};
use crate::read::input::{Line, LinePos, records_from_line};
use crate::rules::finding::Code;
use crate::rules::verdict::Route;
use crate::workspace::dialect::Dialect;
use crate::workspace::{CatIdx, Workspace};

pub use crate::rules::step::Trial;

/// The value the event of `o` holds for category `id`, where a trial can be it.
pub fn held(o: &Outcome, id: &str, dialect: Dialect) -> Option<Trial> {
    (crate::rules::dialect::chain(dialect).held)(o.event()?, id)
}

/// One route that the trial changes: before and after.
pub struct Changed {
    pub before: Route,
    pub after: Route,
}

impl Changed {
    /// Whether the verdict itself (deliver or block, and its reason code) changes, rather
    /// than only the categories behind the same verdict.
    pub fn verdict_changed(&self) -> bool {
        self.before.decision.verb() != self.after.decision.verb()
            || self.before.decision.reason() != self.after.decision.reason()
    }
}

/// The outcome had category `category` been `trial` on this event, and the routes that
/// change. None when the record is not an event.
pub fn try_preference(
    ws: &Workspace,
    o: &Outcome,
    category: CatIdx,
    trial: Trial,
) -> Option<(Outcome, Vec<Changed>)> {
    // A batch over its limits is refused whatever its consent says.
    let refused = |c| o.findings.iter().any(|f| f.code == c);
    if refused(Code::BatchTooLarge) || refused(Code::BatchTooManyEvents) {
        return None;
    }
    let mut event = o.event()?.to_value();
    let id = &ws.category(category).id;
    (crate::rules::dialect::chain(ws.dialect()).set)(&mut event, id, trial)?;
    let text = event.to_string();
    let file: Arc<str> = o.origin.file.clone();
    let pos = LinePos {
        number: o.origin.line,
        offset: o.origin.offset,
    };
    let mut records = Vec::new();
    records_from_line(&file, pos, Line::Text(text.as_bytes()), &mut records);
    let mut record = records.pop()?;
    record.origin = o.origin.clone();
    let after = decide(ws, &Profiles::default(), record, o.recalled.clone(), None);
    let changed = o
        .routes
        .iter()
        .zip(&after.routes)
        .filter(|(b, a)| b != a)
        .map(|(b, a)| Changed {
            before: b.clone(),
            after: a.clone(),
        })
        .collect();
    Some((after, changed))
}

//! The selected event's detail, rebuilt on demand: the line is read again from the file by its
//! offset and run through the engine's pure steps, so rows never hold an event's JSON.

use foldhash::HashSet;
use std::sync::Arc;

use crate::analyses::what_if;
use crate::engine::{Outcome, decide};
use crate::read::input::RecordError;
use crate::workspace::CatIdx;

use super::store::{FILTERABLE_DESTINATIONS, Store, read_again};

pub struct Detail {
    /// The row this is the detail of.
    pub row: usize,
    pub outcome: Result<Outcome, String>,
    pub explanation: Vec<String>,
    /// When the line cannot be read again: what was decided when it was read.
    pub kept: Vec<String>,
    /// A what-if on this event: the category and value tried, and the routes it changes.
    pub trial: Option<Trial>,
    /// With a workspace what-if: the event as decided under the settings as read.
    pub before: Option<Outcome>,
    /// JSON paths shown otherwise than by default: folded objects and arrays, opened long
    /// strings.
    pub toggled: HashSet<String>,
    /// For a line that is not JSON (or not an object): its text around where it broke.
    pub excerpt: Option<Excerpt>,
}

/// Part of a line that is not JSON, sanitised: what comes before the place the parser stopped
/// and what comes from it (all of it in `before` when no place is known).
pub struct Excerpt {
    pub before: String,
    pub after: String,
    /// 1-based byte column of the break, where the parser said.
    pub column: Option<usize>,
    pub bytes: usize,
}

/// Bytes shown before the break, and from it.
const EXCERPT_BEFORE: usize = 240;
const EXCERPT_AFTER: usize = 120;

impl Excerpt {
    fn of(line: &[u8], error: &RecordError) -> Option<Self> {
        let message = match error {
            RecordError::InvalidJson(m) => m.as_str(),
            RecordError::NotAnObject(_) => "",
            RecordError::TooLarge { .. }
            | RecordError::EmptyBatch
            | RecordError::TooManyEvents { .. } => return None,
        };
        // serde_json's and our scanner's messages end with the byte column, counted from 1.
        let column = message
            .rsplit_once("column ")
            .and_then(|(_, c)| {
                c.trim_end_matches(|c: char| !c.is_ascii_digit())
                    .parse()
                    .ok()
            })
            .filter(|&c: &usize| c >= 1 && c <= line.len() + 1);
        let at = column.map_or(line.len().min(EXCERPT_BEFORE), |c| c - 1);
        let start = at.saturating_sub(EXCERPT_BEFORE);
        let end = (at + EXCERPT_AFTER).min(line.len());
        let text = |b: &[u8]| crate::text::printable(&String::from_utf8_lossy(b)).into_owned();
        let mark = |cut: bool| if cut { "…" } else { "" };
        Some(Self {
            before: format!("{}{}", mark(start > 0), text(&line[start..at])),
            after: format!("{}{}", text(&line[at..end]), mark(end < line.len())),
            column,
            bytes: line.len(),
        })
    }
}

/// A category's preference tried in place of the event's own, and what it changes.
pub struct Trial {
    pub category: CatIdx,
    pub value: what_if::Trial,
    pub outcome: Outcome,
    pub changed: Vec<what_if::Changed>,
}

impl Detail {
    /// Tries `value` for `category` on this event; None takes any trial away.
    pub fn try_preference(&mut self, store: &Store, what: Option<(CatIdx, what_if::Trial)>) {
        self.trial = match (&self.outcome, what) {
            (Ok(o), Some((category, value))) => {
                what_if::try_preference(store.workspace(), o, category, value).map(
                    |(outcome, changed)| Trial {
                        category,
                        value,
                        outcome,
                        changed,
                    },
                )
            }
            _ => None,
        };
    }
}

pub fn load(store: &Store, row: usize) -> Detail {
    let (excerpt, outcome) = match rebuild(store, row) {
        Ok((excerpt, o)) => (excerpt, Ok(o)),
        Err(e) => (None, Err(e)),
    };
    let explanation = match &outcome {
        Ok(o) => crate::analyses::explain::explain(
            store.workspace(),
            store.engine.profiles(),
            o,
            crate::analyses::explain::When::Now {
                last_line: store
                    .row(store.end().saturating_sub(1))
                    .map_or(0, super::store::Row::line),
            },
        ),
        Err(_) => Vec::new(),
    };
    let kept = match (&outcome, store.row(row)) {
        (Err(_), Some(r)) if r.is_event() => kept_routing(store, r),
        _ => Vec::new(),
    };
    Detail {
        row,
        outcome,
        explanation,
        kept,
        trial: None,
        before: None,
        toggled: HashSet::default(),
        excerpt,
    }
}

/// What the row keeps of the routing decided when its line was read: which destinations
/// were blocked (the first `FILTERABLE_DESTINATIONS`), not why.
fn kept_routing(store: &Store, r: &super::store::Row) -> Vec<String> {
    let ws = store.workspace();
    let head = format!(
        "{}:{}, as decided when it was read (the reasons are not kept):",
        crate::text::printable(&store.file_label(r.generation)),
        r.line()
    );
    if r.status == super::store::Status::NotIngested {
        return vec![head, "  not ingested: no destination received it".into()];
    }
    let (mut delivered, mut blocked) = (Vec::new(), Vec::new());
    for (d, dest) in ws
        .destinations
        .iter()
        .enumerate()
        .take(FILTERABLE_DESTINATIONS)
    {
        let name = crate::text::printable(&dest.name).into_owned();
        if r.blocked_set & (1 << d) == 0 {
            delivered.push(name);
        } else {
            blocked.push(name);
        }
    }
    let mut out = vec![
        head,
        format!("  delivered to: {}", delivered.join(", ")),
        format!("  blocked for: {}", blocked.join(", ")),
    ];
    if ws.destinations.len() > FILTERABLE_DESTINATIONS {
        out.push(format!(
            "  ({} more destinations are not kept per event)",
            ws.destinations.len() - FILTERABLE_DESTINATIONS
        ));
    }
    out
}

/// Event `row` as `store` decides it, when it can be read again.
pub fn outcome(store: &Store, row: usize) -> Option<Outcome> {
    rebuild(store, row).ok().map(|(_, o)| o)
}

fn rebuild(store: &Store, idx: usize) -> Result<(Option<Excerpt>, Outcome), String> {
    let row = store.row(idx).ok_or("that event has left the view")?;
    if !row.is_event() {
        return Err(format!(
            "{}: the rows above are the previous file's; line numbers start again below",
            store.name(row.name)
        ));
    }
    let file: Arc<str> = Arc::from(store.file_label(row.generation).as_str());
    let (bytes, mut record) = read_again(&store.generations, &file, row.at())?;
    let har = store.har_call(record.origin.line);
    let excerpt = match (&record.json, record.origin.index) {
        // An entry without a body has no text of its own to show.
        _ if har.is_some_and(|c| !c.has_body) => None,
        (Err(e), None) => Excerpt::of(&bytes, e),
        _ => None,
    };
    // Said as `check` says it: which entry, which URL, and what is wrong with its body.
    if let (Some(call), Err(RecordError::InvalidJson(m))) = (har, &mut record.json) {
        *m = call.failure(m);
    }
    // A vendor comparison's store decided the event in the other vendor's words.
    if let Some(d) = store.translate {
        record = crate::rules::translate::record_for(d, record);
    }
    Ok((
        excerpt,
        decide(
            store.workspace(),
            store.engine.profiles(),
            record,
            store.recalled(idx).cloned().collect(),
            row.identity(),
        ),
    ))
}

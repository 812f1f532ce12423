//! The selected event's detail, rebuilt on demand: the line is read again from the file by its
//! offset and run through the engine's pure steps, so rows never hold an event's JSON.

use std::sync::Arc;

use crate::engine::{Outcome, decide};
use crate::input::{Line, LinePos, MAX_LINE_BYTES, records_from_line};

use super::store::Store;

pub struct Detail {
    /// The row this is the detail of.
    pub row: usize,
    pub outcome: Result<Outcome, String>,
    pub explanation: Vec<String>,
}

pub fn load(store: &Store, row: usize) -> Detail {
    let outcome = rebuild(store, row);
    let explanation = match &outcome {
        Ok(o) => crate::explain::explain(
            store.workspace(),
            store.engine.profiles(),
            o,
            crate::explain::When::Now {
                last_line: store
                    .row(store.end().saturating_sub(1))
                    .map_or(0, super::store::Row::line),
            },
        ),
        Err(_) => Vec::new(),
    };
    Detail {
        row,
        outcome,
        explanation,
    }
}

fn rebuild(store: &Store, idx: usize) -> Result<Outcome, String> {
    let row = store.row(idx).ok_or("that event has left the view")?;
    let bytes = store
        .generations
        .read_line(u32::from(row.generation), row.offset, MAX_LINE_BYTES + 1)
        .map_err(|e| format!("cannot read line {} again: {e}", row.line()))?;
    let line = if bytes.len() > MAX_LINE_BYTES {
        Line::TooLong {
            bytes: bytes.len() as u64,
        }
    } else {
        Line::Text(&bytes)
    };
    let file: Arc<str> = Arc::from(store.source.as_str());
    let pos = LinePos {
        number: row.line(),
        offset: row.offset,
    };
    let mut records = Vec::new();
    records_from_line(&file, pos, line, &mut records);
    let record = records
        .into_iter()
        .find(|r| r.origin.index == row.index())
        .ok_or_else(|| format!("line {} changed since it was read", row.line()))?;
    Ok(decide(
        store.workspace(),
        store.engine.profiles(),
        record,
        store.recalled(idx).cloned().collect(),
        row.identity(),
    ))
}

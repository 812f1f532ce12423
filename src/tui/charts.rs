//! The chart view's figures (`v`): per destination, its routes by reason and its delivered and
//! blocked events over time, from one store. Drawing them is `ui::charts`.

use crate::rules::verdict::REASONS;

use super::store::{FILTERABLE_DESTINATIONS, Status, Store};

/// One destination's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Routes by reason, every event read (those that left the view too).
    pub by_reason: [u64; REASONS.len()],
    /// Per time bucket, the events in view delivered to it and blocked for it.
    pub delivered: Vec<u64>,
    pub blocked: Vec<u64>,
}

/// Every destination's figures, over the same time span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charts {
    pub dest: Vec<Chart>,
    /// The first and last event time in view (seconds since 2000), when any has a time.
    pub span: Option<(u32, u32)>,
    pub not_ingested: u64,
    /// Ingested events in view without a time: in the bars, in no bucket.
    pub untimed: u64,
}

/// The first and last event time among the rows in view.
pub fn span(store: &Store) -> Option<(u32, u32)> {
    (store.first()..store.end())
        .filter_map(|n| store.row(n)?.seconds())
        .fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((a, b)) => Some((a.min(t), b.max(t))),
        })
}

impl Charts {
    /// The figures of `store`, its rows put in `buckets` buckets over `span` (shared with the
    /// other side of a what-if, so that both read alike).
    pub fn of(store: &Store, span: Option<(u32, u32)>, buckets: usize) -> Self {
        let n = store.workspace().destinations.len();
        let buckets = buckets.max(1);
        let mut dest: Vec<Chart> = store
            .dest
            .iter()
            .map(|s| Chart {
                by_reason: s.by_reason,
                delivered: vec![0; buckets],
                blocked: vec![0; buckets],
            })
            .collect();
        let mut untimed = 0;
        if let Some((from, to)) = span {
            let width = u64::from(to - from) + 1;
            for i in store.first()..store.end() {
                let Some(r) = store.row(i) else { continue };
                if !r.is_event() || r.status == Status::NotIngested {
                    continue;
                }
                let Some(t) = r.seconds() else {
                    untimed += 1;
                    continue;
                };
                let at = (u64::from(t.saturating_sub(from)) * buckets as u64 / width) as usize;
                let at = at.min(buckets - 1);
                for (d, c) in dest
                    .iter_mut()
                    .enumerate()
                    .take(n.min(FILTERABLE_DESTINATIONS))
                {
                    if r.blocked_set & (1 << d) == 0 {
                        c.delivered[at] += 1;
                    } else {
                        c.blocked[at] += 1;
                    }
                }
            }
        }
        Self {
            dest,
            span,
            not_ingested: store.counts.not_ingested,
            untimed,
        }
    }
}

//! Side by side (issue 26): what Segment and what RudderStack do with the same intent. Each
//! record is decided by Segment's rules on the event with its consent in Segment's words and
//! by RudderStack's on the event in RudderStack's (`rudder::translate`), and the two
//! workspaces' destinations are paired by name.

use std::sync::Arc;

use crate::engine::Outcome;
use crate::read::input::Record;
use crate::rules::translate::record_for;
use crate::rules::verdict::Route;
use crate::workspace::Workspace;
use crate::workspace::dialect::Dialect;

/// One destination as the two workspaces know it: its index in each, where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub name: String,
    pub segment: Option<usize>,
    pub rudderstack: Option<usize>,
}

/// The two sides compared, in their order: Segment's rules, then RudderStack's.
pub const SIDES: [Dialect; 2] = [Dialect::Segment, Dialect::RudderStack];

/// A record as each side reads the same intent: its consent in each vendor's words.
pub fn split(r: Record) -> (Record, Record) {
    (record_for(SIDES[0], r.clone()), record_for(SIDES[1], r))
}

/// The two workspaces and their destinations paired.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub segment: Arc<Workspace>,
    pub rudderstack: Arc<Workspace>,
    pub pairs: Vec<Pair>,
}

impl Pairing {
    /// Pairs by name: exactly, then ignoring case, then by RudderStack's destination definition
    /// display name ignoring case. Segment's order first, then RudderStack's unpaired ones.
    pub fn new(segment: Arc<Workspace>, rudderstack: Arc<Workspace>) -> Self {
        let mut taken = vec![false; rudderstack.destinations.len()];
        let mut pairs = Vec::new();
        for (s, d) in segment.destinations.iter().enumerate() {
            let lower = d.name.to_lowercase();
            let matches: [&dyn Fn(&crate::workspace::Destination) -> bool; 3] = [
                &|r| r.name == d.name,
                &|r| r.name.to_lowercase() == lower,
                &|r| {
                    r.rudder
                        .as_ref()
                        .is_some_and(|x| x.display_name.to_lowercase() == lower)
                },
            ];
            let found = matches.iter().find_map(|m| {
                rudderstack
                    .destinations
                    .iter()
                    .enumerate()
                    .find(|(i, r)| !taken[*i] && m(r))
                    .map(|(i, _)| i)
            });
            if let Some(i) = found {
                taken[i] = true;
            }
            pairs.push(Pair {
                name: d.name.clone(),
                segment: Some(s),
                rudderstack: found,
            });
        }
        for (i, r) in rudderstack.destinations.iter().enumerate() {
            if !taken[i] {
                pairs.push(Pair {
                    name: r.name.clone(),
                    segment: None,
                    rudderstack: Some(i),
                });
            }
        }
        Self {
            segment,
            rudderstack,
            pairs,
        }
    }

    /// Each pair's two routes for one record (None where a side lacks the destination).
    pub fn sides<'a>(&self, segment: &'a Outcome, rudderstack: &'a Outcome) -> Vec<Sides<'a>> {
        self.pairs
            .iter()
            .map(|p| Sides {
                segment: p.segment.and_then(|d| segment.routes.get(d)),
                rudderstack: p.rudderstack.and_then(|d| rudderstack.routes.get(d)),
            })
            .collect()
    }
}

/// One destination's two routes for one record.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub segment: Option<&'a Route>,
    pub rudderstack: Option<&'a Route>,
}

/// How the two vendors' verdicts on one destination compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Agreement {
    Agree,
    /// Segment delivers, RudderStack blocks.
    OnlySegmentDelivers,
    /// RudderStack delivers, Segment blocks.
    OnlyRudderStackDelivers,
    /// One workspace lacks the destination.
    Unpaired,
}

impl Agreement {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agree => "agree",
            Self::OnlySegmentDelivers => "only_segment_delivers",
            Self::OnlyRudderStackDelivers => "only_rudderstack_delivers",
            Self::Unpaired => "unpaired",
        }
    }

    pub fn disagrees(self) -> bool {
        matches!(
            self,
            Self::OnlySegmentDelivers | Self::OnlyRudderStackDelivers
        )
    }
}

impl Sides<'_> {
    pub fn agreement(&self) -> Agreement {
        match (self.segment, self.rudderstack) {
            // An uncertain route may deliver: compared as such.
            (Some(s), Some(r)) => match (s.decision.may_deliver(), r.decision.may_deliver()) {
                (true, false) => Agreement::OnlySegmentDelivers,
                (false, true) => Agreement::OnlyRudderStackDelivers,
                _ => Agreement::Agree,
            },
            _ => Agreement::Unpaired,
        }
    }
}

/// Per destination, how often the two vendors disagreed, and on which reason pairs.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Per pair: [agree, only Segment delivers, only RudderStack delivers].
    pub counts: Vec<[u64; 3]>,
    /// Per pair, the reason pairs of its disagreements with their counts, most frequent first
    /// when read through `reasons`.
    by_reasons: Vec<Vec<((usize, usize), u64)>>,
    pub events: u64,
    pub events_with_disagreement: u64,
}

impl Tally {
    pub fn new(pairs: usize) -> Self {
        Self {
            counts: vec![[0; 3]; pairs],
            by_reasons: vec![Vec::new(); pairs],
            ..Self::default()
        }
    }

    pub fn add(&mut self, sides: &[Sides<'_>]) {
        self.events += 1;
        let mut any = false;
        for (i, s) in sides.iter().enumerate() {
            let slot = match s.agreement() {
                Agreement::Agree => 0,
                Agreement::OnlySegmentDelivers => 1,
                Agreement::OnlyRudderStackDelivers => 2,
                Agreement::Unpaired => continue,
            };
            self.counts[i][slot] += 1;
            if slot > 0 {
                any = true;
                if let (Some(a), Some(b)) = (s.segment, s.rudderstack) {
                    let key = (a.decision.reason_index(), b.decision.reason_index());
                    match self.by_reasons[i].iter_mut().find(|(k, _)| *k == key) {
                        Some((_, n)) => *n += 1,
                        None => self.by_reasons[i].push((key, 1)),
                    }
                }
            }
        }
        self.events_with_disagreement += u64::from(any);
    }

    /// Pair `i`'s disagreements by reason: (Segment's reason, RudderStack's, count), most
    /// frequent first.
    pub fn reasons(&self, i: usize) -> Vec<(&'static str, &'static str, u64)> {
        let mut v: Vec<_> = self.by_reasons[i]
            .iter()
            .map(|&((a, b), n)| {
                (
                    crate::rules::verdict::REASONS[a],
                    crate::rules::verdict::REASONS[b],
                    n,
                )
            })
            .collect();
        v.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(y.0)).then(x.1.cmp(y.1)));
        v
    }

    pub fn disagreements(&self) -> u64 {
        self.counts.iter().map(|c| c[1] + c[2]).sum()
    }
}

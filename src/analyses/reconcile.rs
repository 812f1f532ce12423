//! Predictions beside reality (`reconcile`): what the tool predicts Delivery Overview counts
//! for a capture, per step, discard reason and destination, beside what Segment counted for
//! the same source and window (`workspace::public_api::overview`). A mismatch is a finding to
//! read, not an error: each row that strays from the capture's scale says what usually
//! explains it and which routes to look at.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::engine::Outcome;
use crate::read::event::{Doc, Field};
use crate::rules::verdict::{Block, Decision, Mode};
use crate::workspace::Workspace;
use crate::workspace::public_api::overview::{Count, Observed};

/// Delivery Overview's steps, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Received,
    FailedOnIngest,
    FilteredAtSource,
    FilteredAtDestination,
    Delivered,
    FailedDelivery,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "successfully_received",
            Self::FailedOnIngest => "failed_on_ingest",
            Self::FilteredAtSource => "filtered_at_source",
            Self::FilteredAtDestination => "filtered_at_destination",
            Self::Delivered => "successful_delivery",
            Self::FailedDelivery => "failed_delivery",
        }
    }

    /// As Delivery Overview's page titles it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Received => "Successfully received",
            Self::FailedOnIngest => "Failed on ingest",
            Self::FilteredAtSource => "Filtered at source",
            Self::FilteredAtDestination => "Filtered at destination",
            Self::Delivered => "Successful delivery",
            Self::FailedDelivery => "Failed delivery",
        }
    }
}

/// What the tool predicts Delivery Overview counts for the capture's events in the window.
#[derive(Debug, Clone, Default)]
pub struct Predicted {
    /// Events of the capture in the window.
    pub events: u64,
    /// Events outside the window, or with no time: not counted.
    pub outside: u64,
    /// The first and last time of every event with one (seconds), in the window or not: a
    /// window left open is closed by them.
    pub span: Option<(i64, i64)>,
    /// Events that never reach Segment (a mobile library dropped them) or that it takes
    /// nothing of (a suppressed user): Delivery Overview counts them nowhere.
    pub uncounted: u64,
    pub received: u64,
    pub failed_on_ingest: BTreeMap<String, u64>,
    pub filtered_at_source: BTreeMap<String, u64>,
    /// Per destination of the workspace.
    pub destinations: Vec<PredictedDestination>,
}

#[derive(Debug, Clone, Default)]
pub struct PredictedDestination {
    pub delivered: u64,
    pub filtered: BTreeMap<String, u64>,
    /// Routes a step the settings do not describe decides: counted nowhere, said.
    pub uncertain: u64,
}

impl Predicted {
    pub fn new(ws: &Workspace) -> Self {
        Self {
            destinations: vec![PredictedDestination::default(); ws.destinations.len()],
            ..Self::default()
        }
    }

    /// Counts one outcome when its time is in `[start, end)` (seconds; `i64::MIN` and
    /// `i64::MAX` for a side left open).
    pub fn observe(&mut self, o: &Outcome, (start, end): (i64, i64)) {
        let at = o.event.as_deref().and_then(seconds);
        if let Some(t) = at {
            self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        if !at.is_some_and(|t| (start..end).contains(&t)) {
            self.outside += 1;
            return;
        }
        self.events += 1;
        if let Some(code) = o.ingest_code() {
            *self
                .failed_on_ingest
                .entry(code.as_str().to_owned())
                .or_default() += 1;
            return;
        }
        let never = o.routes.iter().any(|r| {
            matches!(
                r.decision,
                Decision::Block(Block::Suppressed | Block::BlockedOnDevice { .. })
            )
        });
        if never {
            self.uncounted += 1;
            return;
        }
        self.received += 1;
        let at_source = o.routes.iter().find_map(|r| match &r.decision {
            Decision::Block(Block::FilteredAtSource { control, .. }) => Some(control.discard()),
            _ => None,
        });
        if let Some(code) = at_source {
            *self.filtered_at_source.entry(code.to_owned()).or_default() += 1;
            return;
        }
        for r in &o.routes {
            let d = &mut self.destinations[r.destination];
            match (&r.decision, r.delivery_overview_discard(None)) {
                (Decision::Uncertain(_), _) => d.uncertain += 1,
                // An Actions destination receives the event once per mapping that fires, and
                // Delivery Overview counts each (it is asked per subscription too).
                (Decision::Deliver(_), None) if r.mode == Mode::Cloud => {
                    d.delivered += (r.mappings.len() as u64).max(1);
                }
                (_, Some(reason)) => *d.filtered.entry(reason.to_owned()).or_default() += 1,
                (Decision::Block(_) | Decision::Deliver(_), None) => {}
            }
        }
    }
}

/// The event's time as Segment's pipeline keeps it (receivedAt, else its timestamp, else
/// the others), in seconds.
pub fn seconds(ev: &Doc) -> Option<i64> {
    [
        Field::ReceivedAt,
        Field::Timestamp,
        Field::OriginalTimestamp,
        Field::SentAt,
    ]
    .iter()
    .find_map(|f| {
        ev.get(*f)?
            .as_str()
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
    })
    .map(jiff::Timestamp::as_second)
}

/// One row: a step, its discard reason (where it has one) and destination (where it is one's),
/// the tool's count and Segment's.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub stage: Stage,
    pub destination: Option<String>,
    pub reason: Option<String>,
    /// None: the tool does not predict this count (failed deliveries).
    pub predicted: Option<u64>,
    pub observed: u64,
    /// Set when the row strays from the capture's scale: what usually explains it.
    pub finding: Option<Finding>,
}

impl Row {
    /// Segment's count over the tool's.
    pub fn ratio(&self) -> Option<f64> {
        self.predicted
            .filter(|&p| p > 0)
            .map(|p| self.observed as f64 / p as f64)
    }
}

/// Why a row may stray, and which routes to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub explains: String,
    pub look_at: String,
}

/// The comparison: every row, and the capture's scale (Segment's received over the tool's).
#[derive(Debug, Clone)]
pub struct Reconciled {
    pub rows: Vec<Row>,
    pub scale: Option<f64>,
    pub predicted: Predicted,
    pub observed: Observed,
    /// Per destination of the workspace: its uncertain routes.
    pub uncertain: Vec<(String, u64)>,
}

/// How far a row's ratio may stray from the scale before it is a finding: a tenth, and more
/// than two events (small counts are noise).
const TOLERANCE: f64 = 0.10;
const NOISE: u64 = 2;

/// Sets `predicted` beside `observed`, destinations paired by id (else by name); `capture`
/// names the input in the commands a finding suggests.
pub fn reconcile(
    ws: &Workspace,
    predicted: Predicted,
    observed: Observed,
    capture: &str,
) -> Reconciled {
    let mut rows = vec![Row {
        stage: Stage::Received,
        destination: None,
        reason: None,
        predicted: Some(predicted.received),
        observed: observed.received,
        finding: None,
    }];
    reasons(
        &mut rows,
        Stage::FailedOnIngest,
        None,
        &predicted.failed_on_ingest,
        &observed.failed_on_ingest,
    );
    reasons(
        &mut rows,
        Stage::FilteredAtSource,
        None,
        &predicted.filtered_at_source,
        &observed.filtered_at_source,
    );
    let mut uncertain = Vec::new();
    for (i, dest) in ws.destinations.iter().enumerate() {
        let seen = observed.destinations.iter().find(|o| {
            dest.id
                .as_deref()
                .map_or(o.name == dest.name, |id| id == o.id)
        });
        let Some(seen) = seen else { continue };
        let p = &predicted.destinations[i];
        let name = Some(dest.name.clone());
        reasons(
            &mut rows,
            Stage::FilteredAtDestination,
            name.as_deref(),
            &p.filtered,
            &seen.filtered,
        );
        rows.push(Row {
            stage: Stage::Delivered,
            destination: name.clone(),
            reason: None,
            predicted: Some(p.delivered),
            observed: seen.delivered,
            finding: None,
        });
        // The tool predicts no failures: a row only where Segment counted some.
        if seen.failed > 0 {
            rows.push(Row {
                stage: Stage::FailedDelivery,
                destination: name,
                reason: None,
                predicted: None,
                observed: seen.failed,
                finding: None,
            });
        }
        if p.uncertain > 0 {
            uncertain.push((dest.name.clone(), p.uncertain));
        }
    }
    let scale = (predicted.received > 0 && observed.received > 0)
        .then(|| observed.received as f64 / predicted.received as f64);
    for row in &mut rows {
        row.finding = finding(row, scale, &predicted, &observed, &uncertain, capture);
    }
    Reconciled {
        rows,
        scale,
        predicted,
        observed,
        uncertain,
    }
}

/// A row per discard reason either side has, the tool's first.
fn reasons(
    rows: &mut Vec<Row>,
    stage: Stage,
    destination: Option<&str>,
    predicted: &BTreeMap<String, u64>,
    observed: &[Count],
) {
    let mut names: Vec<&str> = predicted.keys().map(String::as_str).collect();
    for c in observed {
        if !names.contains(&c.reason.as_str()) {
            names.push(&c.reason);
        }
    }
    for reason in names {
        rows.push(Row {
            stage,
            destination: destination.map(str::to_owned),
            reason: Some(reason.to_owned()),
            predicted: Some(predicted.get(reason).copied().unwrap_or(0)),
            observed: observed
                .iter()
                .filter(|c| c.reason == reason)
                .map(|c| c.count)
                .sum(),
            finding: None,
        });
    }
}

/// What a row that strays from the scale means; None when it keeps to it.
fn finding(
    row: &Row,
    scale: Option<f64>,
    predicted: &Predicted,
    observed: &Observed,
    uncertain: &[(String, u64)],
    capture: &str,
) -> Option<Finding> {
    let p = row.predicted?;
    let expected = scale.map_or(p as f64, |s| p as f64 * s);
    let off = (row.observed as f64 - expected).abs();
    if off <= NOISE as f64 || (expected > 0.0 && off / expected <= TOLERANCE) {
        return None;
    }
    let more = row.observed as f64 > expected;
    let dest = row.destination.as_deref().unwrap_or_default();
    let unsure = |dest: &str| {
        uncertain
            .iter()
            .find(|(n, _)| n == dest)
            .map_or(0, |(_, n)| *n)
    };
    let routes = |filter: String| {
        format!("consent-inspector route {capture} | jq -c 'select(any(.routes[]; {filter}))'")
    };
    let (explains, look_at) = match (row.stage, more) {
        (Stage::Received, true) => (
            "Segment received events the capture does not hold: other pages, apps or servers sending with this write key, or a capture that starts or ends inside the window".to_owned(),
            "compare the window with the capture's first and last event; ratios below are read against this one".to_owned(),
        ),
        (Stage::Received, false) => (
            format!(
                "the capture holds events Segment did not receive: calls made against listen or a test that never reached Segment, or events timed by their own timestamp outside the window ({} events of the capture lie outside it)",
                predicted.outside
            ),
            "check that the capture went to Segment (not only to listen), and the window".to_owned(),
        ),
        (Stage::Delivered, false) => {
            let failed = observed
                .destinations
                .iter()
                .find(|d| d.name == dest)
                .map_or(0, |d| d.failed);
            let unsure = unsure(dest);
            let mut why = format!(
                "fewer deliveries than the capture's scale predicts: failed deliveries ({failed} here), a SAMPLE filter, or a filter or mapping changed inside the window (pull again)"
            );
            if unsure > 0 {
                let _ = write!(why, "; {unsure} of its routes are uncertain (a step the settings do not describe)");
            }
            (
                why,
                routes(format!(".destination == \"{dest}\" and (.decision == \"deliver\" or .decision == \"uncertain\")")),
            )
        }
        // Its uncertain routes are predicted nowhere, and Segment delivered some of them.
        (Stage::Delivered, true) if unsure(dest) > 0 => (
            format!(
                "more deliveries than the capture's scale predicts: {} of its routes are uncertain (a step the settings do not describe decides them), predicted nowhere; Segment's count says how many it delivered, explain says what would make them known",
                unsure(dest)
            ),
            routes(format!(".destination == \"{dest}\" and .decision == \"uncertain\"")),
        ),
        (Stage::Delivered, true) => (
            "more deliveries than the capture's scale predicts: retries that succeed count again, an Actions mapping added inside the window (each that fires is one delivery), or consent given more often outside the capture".to_owned(),
            routes(format!(".destination == \"{dest}\" and .decision == \"block\"")),
        ),
        (stage, _) => {
            let reason = row.reason.as_deref().unwrap_or_default();
            let whose = if dest.is_empty() {
                String::new()
            } else {
                format!(".destination == \"{dest}\" and ")
            };
            let usual = match stage {
                Stage::FailedOnIngest => "events Segment refused from clients the capture does not hold (another library or app with this write key), or an ingest rule the tool reads otherwise (docs/rules.md#2-ingestion)",
                Stage::FilteredAtSource => "the source's schema controls or tracking plan changed inside the window (pull again), or unplanned events from clients the capture does not hold",
                _ => "a filter, mapping or consent mapping changed inside the window (pull again), users who chose otherwise outside the capture, or a rule the tool reads otherwise (docs/rules.md)",
            };
            (
                format!(
                    "{} {reason}: {} than the capture's scale predicts: {usual}",
                    stage.title(),
                    if more { "more" } else { "fewer" }
                ),
                routes(format!("{whose}.discard == \"{reason}\"")),
            )
        }
    };
    Some(Finding { explains, look_at })
}

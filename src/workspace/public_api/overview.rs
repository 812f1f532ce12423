//! Delivery Overview's own counts for a source over a window (the Public API's
//! `/delivery-overview/...` endpoints, in beta): what Segment received, failed on ingest and
//! filtered at the source (by discard reason), and per destination what it filtered (by
//! discard reason), delivered and failed to deliver. `reconcile` sets them beside what the
//! tool predicts for a capture.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Api, ApiError, Call};

/// What a 403 on Delivery Overview means the token lacks.
const SCOPE: &str = "read access to the source (Source Read-only, or Workspace Owner) and Delivery Overview in the workspace";

/// The counts, as one document (`reconcile --format json` writes it under `observed`;
/// `reconcile --observed FILE` reads it back instead of asking the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Observed {
    pub source_id: String,
    /// The window, RFC 3339: start inclusive, end exclusive (as the API reads them).
    pub start: String,
    pub end: String,
    /// The API's bucket size for the window (`minute`, `hour`, `day`).
    pub granularity: String,
    /// Successfully received.
    pub received: u64,
    /// Failed on ingest, by discard reason.
    pub failed_on_ingest: Vec<Count>,
    /// Filtered at source, by discard reason.
    pub filtered_at_source: Vec<Count>,
    pub destinations: Vec<ObservedDestination>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObservedDestination {
    /// Its id in the workspace (`destinationConfigId`).
    pub id: String,
    pub name: String,
    /// Filtered at destination, by discard reason.
    pub filtered: Vec<Count>,
    pub delivered: u64,
    pub failed: u64,
    /// Delivery attempts beyond the first (`totalRetryCount` of the failed and delivered).
    pub retries: u64,
}

/// A count under one discard reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub reason: String,
    pub count: u64,
}

/// Delivery Overview's counts from a file: the document itself, or `reconcile --format
/// json`'s (its `observed`).
pub fn read(text: &[u8]) -> Result<Observed, String> {
    let mut v: Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let doc = match v.get_mut("observed") {
        Some(inner) => inner.take(),
        None => v,
    };
    serde_json::from_value(doc).map_err(|e| e.to_string())
}

impl Observed {
    /// Destination `id`'s counts (else, without an id, the one named `name`).
    pub fn destination(&self, id: Option<&str>, name: &str) -> Option<&ObservedDestination> {
        self.destinations
            .iter()
            .find(|o| id.map_or(o.name == name, |id| id == o.id))
    }
}

/// The granularity the API allows for a window of `secs` seconds starting `age_secs` ago
/// (the SDK's documentation of `granularity`: minute up to 4 hours and 48 hours back, hour up
/// to 14 days and 30 days back, day up to 30 days); None when none does.
pub fn granularity(secs: i64, age_secs: i64) -> Option<&'static str> {
    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;
    if secs <= 4 * HOUR && age_secs <= 48 * HOUR {
        Some("minute")
    } else if secs <= 14 * DAY && age_secs <= 30 * DAY {
        Some("hour")
    } else if secs <= 30 * DAY && age_secs <= 30 * DAY {
        Some("day")
    } else {
        None
    }
}

/// Reads every count for `source` and `destinations` (id, name) over `[start, end)`.
pub fn fetch(
    api: &mut Api,
    source: &str,
    destinations: &[(String, String)],
    (start, end): (&str, &str),
    granularity: &str,
) -> Result<Observed, ApiError> {
    let call = |operation: &'static str, path: &str, destination: Option<&str>, by: bool| {
        let mut c = Call::new(operation, format!("/delivery-overview/{path}"), SCOPE)
            .with_query("sourceId", source);
        if let Some(d) = destination {
            c = c.with_query("destinationConfigId", d);
        }
        c = c.with_query("startTime", start).with_query("endTime", end);
        if by {
            c = c.with_query("groupBy[0]", "discardReason");
        }
        c.with_query("granularity", granularity)
    };
    let received = total(
        api,
        &call(
            "getIngressSuccessMetricsFromDeliveryOverview",
            "successfully-received",
            None,
            false,
        ),
    )?;
    let failed_on_ingest = by_reason(
        api,
        &call(
            "getIngressFailedMetricsFromDeliveryOverview",
            "failed-on-ingest",
            None,
            true,
        ),
    )?;
    let filtered_at_source = by_reason(
        api,
        &call(
            "getFilteredAtSourceMetricsFromDeliveryOverview",
            "filtered-at-source",
            None,
            true,
        ),
    )?;
    let mut out = Vec::new();
    for (id, name) in destinations {
        let filtered = by_reason(
            api,
            &call(
                "getFilteredAtDestinationMetricsFromDeliveryOverview",
                "filtered-at-destination",
                Some(id),
                true,
            ),
        )?;
        let (delivered, delivered_retries) = total_and_retries(
            api,
            &call(
                "getEgressSuccessMetricsFromDeliveryOverview",
                "successful-delivery",
                Some(id),
                false,
            ),
        )?;
        let (failed, failed_retries) = total_and_retries(
            api,
            &call(
                "getEgressFailedMetricsFromDeliveryOverview",
                "failed-delivery",
                Some(id),
                false,
            ),
        )?;
        out.push(ObservedDestination {
            id: id.clone(),
            name: name.clone(),
            filtered,
            delivered,
            failed,
            retries: delivered_retries + failed_retries,
        });
    }
    Ok(Observed {
        source_id: source.to_owned(),
        start: start.to_owned(),
        end: end.to_owned(),
        granularity: granularity.to_owned(),
        received,
        failed_on_ingest,
        filtered_at_source,
        destinations: out,
    })
}

/// Every dataset of every page (`data.dataset`).
fn datasets(api: &mut Api, call: &Call) -> Result<Vec<Value>, ApiError> {
    api.list(call, "dataset")
}

fn total(api: &mut Api, call: &Call) -> Result<u64, ApiError> {
    total_and_retries(api, call).map(|(n, _)| n)
}

fn total_and_retries(api: &mut Api, call: &Call) -> Result<(u64, u64), ApiError> {
    let sets = datasets(api, call)?;
    let sum = |k: &str| {
        sets.iter()
            .filter_map(|s| s.get(k).and_then(Value::as_u64))
            .sum()
    };
    Ok((sum("total"), sum("totalRetryCount")))
}

fn by_reason(api: &mut Api, call: &Call) -> Result<Vec<Count>, ApiError> {
    let mut out: Vec<Count> = Vec::new();
    for s in datasets(api, call)? {
        let reason = s
            .get("discardReason")
            .and_then(Value::as_str)
            .unwrap_or("(none)")
            .to_owned();
        let n = s.get("total").and_then(Value::as_u64).unwrap_or(0);
        match out.iter_mut().find(|c| c.reason == reason) {
            Some(c) => c.count += n,
            None => out.push(Count { reason, count: n }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_granularity_is_the_finest_the_window_allows() {
        assert_eq!(granularity(3600, 3600), Some("minute"));
        assert_eq!(granularity(5 * 3600, 3600), Some("hour"));
        assert_eq!(granularity(3600, 3 * 86_400), Some("hour"));
        assert_eq!(granularity(20 * 86_400, 20 * 86_400), Some("day"));
        assert_eq!(granularity(3600, 40 * 86_400), None);
    }
}

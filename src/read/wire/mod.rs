//! What a browser capture says went out, beside Segment's calls: every request with its time,
//! page and URL, the consent banner's cookies it carried and the Global Privacy Control header
//! (`Sec-GPC: 1`), and for each Segment call the consent its events were stamped with. Nothing
//! here knows vendors: which request belongs to which destination is the workspace's table
//! (`workspace::vendors`), and what it all means is the wire audit's (`analyses::wire`).

pub mod banner;
pub mod consent_mode;

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::read::endpoint::endpoint;
use crate::read::event::{Doc, Parsed, Preferences};
use crate::read::locate::{Step, element_offsets};

/// A capture's requests in the order they went out.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub file: Arc<str>,
    pub entries: Vec<Entry>,
}

/// One request of a capture.
#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based position among the capture's entries.
    pub entry: usize,
    /// The line where the entry starts in the capture.
    pub line: u64,
    pub time: Option<jiff::Timestamp>,
    /// The page it belongs to (HAR's `pageref`).
    pub page: Option<String>,
    pub method: String,
    pub url: String,
    /// A body of `key=value` lines (GA4 sends each hit of a batch as one), kept for `params`:
    /// where Google's consent parameters travel besides the query.
    form_body: Option<String>,
    /// `Sec-GPC: 1` was sent.
    pub gpc: bool,
    /// The banner's cookies on this request.
    pub banner: Option<banner::Banner>,
    /// For a call to Segment's API: its events' stamps, in order.
    pub segment: Option<Vec<Stamp>>,
}

/// One event of a Segment call, as far as consent goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Its position in a batch.
    pub index: Option<u32>,
    /// `track "Order Completed"`, `page`: what it was.
    pub label: String,
    /// `context.consent.categoryPreferences`, each value true, false, or None when it is not
    /// a boolean; None when the event carries none.
    pub preferences: Option<Vec<(String, Option<bool>)>>,
    /// Segment's Consent Preference Updated event.
    pub preference_event: bool,
}

impl Stamp {
    pub fn value(&self, category: &str) -> Option<Option<bool>> {
        let prefs = self.preferences.as_ref()?;
        Some(prefs.iter().find(|(c, _)| c == category).and_then(|p| p.1))
    }
}

impl Entry {
    /// `www.facebook.com`, lowercased, without a port.
    pub fn host(&self) -> String {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        host.to_ascii_lowercase()
    }

    /// `/tr/`: the URL's path, without query or fragment.
    pub fn path(&self) -> &str {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        rest.find('/').map_or("/", |i| &rest[i..])
    }

    /// The URL's query's pairs, then those of a body of `key=value` lines, decoded. Read
    /// when asked (only Google's requests are), not kept for every entry.
    pub fn params(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        let query = self
            .url
            .split_once('?')
            .map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
        std::iter::once(query)
            .chain(self.form_body.as_deref().into_iter().flat_map(str::lines))
            .flat_map(|part| form_urlencoded::parse(part.as_bytes()))
    }
}

/// The capture's entries, each with the line where it starts and its byte offset.
pub(crate) fn located_entries<'a>(text: &[u8], doc: &'a Value) -> Vec<(&'a Value, u64, usize)> {
    let entries = doc["log"]["entries"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let offsets =
        element_offsets(text, &[Step::Key("log"), Step::Key("entries")]).unwrap_or_default();
    let mut line = 1u64;
    let mut counted_to = 0usize;
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let offset = offsets.get(i).copied().unwrap_or(0);
        if offset > counted_to {
            line += memchr::memchr_iter(b'\n', &text[counted_to..offset]).count() as u64;
            counted_to = offset;
        }
        out.push((entry, line, offset));
    }
    out
}

/// Where timelines go as inputs are read (a folder's files are opened while the run goes on).
pub type Sink = Arc<Mutex<Vec<Timeline>>>;

/// Adds a timeline to a sink.
pub fn send(sink: &Sink, timeline: Timeline) {
    sink.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(timeline);
}

impl Timeline {
    /// The timeline of a HAR document's entries, each with its line (`located_entries`).
    pub fn of_entries(file: &Arc<str>, entries: &[(&Value, u64, usize)]) -> Self {
        let mut entries: Vec<Entry> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, &(e, line, _))| entry(i + 1, line, e))
            .collect();
        // In the order they went out; entries without a time keep their place among equals.
        entries.sort_by_key(|e| e.time);
        Timeline {
            file: file.clone(),
            entries,
        }
    }
}

fn entry(n: usize, line: u64, e: &Value) -> Option<Entry> {
    let request = &e["request"];
    let url = request["url"].as_str()?.to_owned();
    let headers = request["headers"].as_array().map_or(&[][..], Vec::as_slice);
    let header = |name: &'static str| {
        headers.iter().filter_map(move |h| {
            let n = h["name"].as_str()?;
            n.eq_ignore_ascii_case(name)
                .then(|| h["value"].as_str())
                .flatten()
        })
    };
    let gpc = header("sec-gpc").any(|v| v.trim() == "1");
    let mut cookies: Vec<(String, String)> = header("cookie")
        .flat_map(|c| banner::cookie_pairs(c).map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    if cookies.is_empty() {
        // Some exports list cookies only in `request.cookies`.
        for c in request["cookies"].as_array().into_iter().flatten() {
            if let (Some(k), Some(v)) = (c["name"].as_str(), c["value"].as_str()) {
                cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    let banner = banner::Banner::from_cookies(cookies.iter().map(|(k, v)| (&**k, &**v)));
    let body = request["postData"]["text"].as_str();
    let segment = endpoint(&url).map(|e| stamps(body, e.implied_kind()));
    let form_body = body
        .filter(|b| segment.is_none() && b.contains('=') && !b.trim_start().starts_with(['{', '[']))
        .map(str::to_owned);
    Some(Entry {
        entry: n,
        line,
        time: e["startedDateTime"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
        page: e["pageref"].as_str().map(str::to_owned),
        method: request["method"].as_str().unwrap_or("GET").to_owned(),
        url,
        form_body,
        gpc,
        banner,
        segment,
    })
}

/// The stamps of a Segment call's body (nothing when it is not an event or a batch).
fn stamps(body: Option<&str>, implied: Option<crate::read::event::Kind>) -> Vec<Stamp> {
    let Some(body) = body else {
        return Vec::new();
    };
    let stamp = |d: &Doc, index| {
        let mut label = d
            .kind()
            .or(implied)
            .map_or("event", |k| k.as_str())
            .to_owned();
        if let Some(name) = d.event_name() {
            label = format!("{label} \"{name}\"");
        }
        let preferences = match d.preferences() {
            Preferences::Object(m) => Some(
                m.iter()
                    .map(|(k, v)| (k.into_owned(), v.is_bool().then(|| v.is_true())))
                    .collect(),
            ),
            _ => None,
        };
        Stamp {
            index,
            label,
            preferences,
            preference_event: d.is_preference_event(),
        }
    };
    match Doc::parse(&Arc::from(body)) {
        Ok(Parsed::Event(d)) => vec![stamp(&d, None)],
        Ok(Parsed::Batch(els)) => els
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                d.as_ref()
                    .ok()
                    .map(|d| stamp(d, Some(u32::try_from(i).unwrap_or(u32::MAX))))
            })
            .collect(),
        _ => Vec::new(),
    }
}

//! Segment's Public API (`api.segmentapis.com`), read with a token: the calls `pull` and
//! `reconcile` make, each as `@segment/public-api-sdk-typescript` makes it (the same method,
//! path, query and `Accept`; `tests/public_api.rs` holds the two to each other), with its
//! paging (cursors), rate limits (429 and `Retry-After`, and the documented per-endpoint
//! limits), retries with backoff on 5xx, and errors that name the call and what the token
//! lacks. The token is sent as `Authorization: Bearer` and is never in a message.

pub mod overview;
pub mod pull;

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::read::limits::SETTINGS_BYTES;
use crate::text::printable;
use crate::workspace::fetch::{capped_body, no_answer, path_segment};

/// Where the Public API answers, by region (the SDK's `configureApis` and
/// `configureEuApis`).
pub const US: &str = "https://api.segmentapis.com";
pub const EU: &str = "https://eu1.api.segmentapis.com";

/// How many items a page asks for: the Public API's largest page.
pub const PAGE: u32 = 200;
/// How many pages one list may take: a server that never stops paging is refused.
const MAX_PAGES: u32 = 1000;
/// How many times a call is tried when it fails for a reason that may pass (429, 5xx, no
/// answer).
const TRIES: u32 = 5;
/// The first wait after a 5xx or no answer; each next one is twice as long.
const BACKOFF: Duration = Duration::from_millis(500);
/// The longest `Retry-After` waited for; a longer one fails the call, saying when to retry.
const MAX_WAIT: Duration = Duration::from_secs(120);
/// How long one answer may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The most one client reads in all (a snapshot past `SETTINGS_BYTES` could not be read back
/// anyway): a server that pages on for ever is stopped.
const TOTAL_BYTES: u64 = 2 * SETTINGS_BYTES;

/// One Public API operation: its name in the SDK, its path, the token scope it needs (for
/// 403's message) and its documented rate limit, where lower than the default.
#[derive(Debug, Clone)]
pub struct Call {
    /// The SDK's method (`listConnectedDestinationsFromSource`).
    pub operation: &'static str,
    /// The path, ids filled in and escaped (`/sources/abc/connected-destinations`).
    pub path: String,
    /// Query pairs other than paging, in the SDK's order.
    pub query: Vec<(&'static str, String)>,
    /// What a 403 means the token lacks.
    pub scope: &'static str,
    /// The endpoint's documented limit, requests per minute.
    pub per_minute: Option<u32>,
}

impl Call {
    pub fn new(operation: &'static str, path: String, scope: &'static str) -> Self {
        Self {
            operation,
            path,
            query: Vec::new(),
            scope,
            per_minute: None,
        }
    }

    /// `segments` as one escaped path: `["sources", id]` → `/sources/{id}`.
    pub fn path(segments: &[&str]) -> String {
        segments
            .iter()
            .map(|s| format!("/{}", path_segment(s)))
            .collect()
    }

    pub fn with_query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub fn limited(mut self, per_minute: u32) -> Self {
        self.per_minute = Some(per_minute);
        self
    }

    /// `GET /sources/abc (getSource)`: the call, as messages name it.
    pub fn shown(&self) -> String {
        format!("GET {} ({})", printable(&self.path), self.operation)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("--api-url {0:?} is not an http or https URL")]
    BaseUrl(String),
    #[error(
        "{call}: the token was refused (401){said}: check SEGMENT_PUBLIC_API_TOKEN or --token-file (a token is made in Segment under Settings → Access Management)"
    )]
    Unauthorized { call: String, said: String },
    #[error("{call}: the token is not allowed this (403){said}: it needs {scope}")]
    Forbidden {
        call: String,
        said: String,
        scope: &'static str,
    },
    #[error("{call}: not found (404){said}")]
    NotFound { call: String, said: String },
    #[error("{call}: answered {status}{said}, {tries} times")]
    Status {
        call: String,
        status: u16,
        said: String,
        tries: u32,
    },
    #[error("{call}: rate limited (429), asked to wait {secs} s: try again later")]
    RateLimited { call: String, secs: u64 },
    #[error("{call}: cannot reach {api}: {why}")]
    Unreachable {
        call: String,
        api: String,
        why: String,
    },
    #[error("{call}: the answer is not the Public API's: {why}")]
    Shape { call: String, why: String },
}

impl ApiError {
    /// Whether the API could not be reached at all (the offline case a cached copy covers),
    /// rather than answering no.
    pub fn offline(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// Which page of a list a call asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page<'a> {
    /// Not a list.
    None,
    First,
    /// The page after this cursor.
    After(&'a str),
}

/// A client for one base URL and token.
pub struct Api {
    base: String,
    token: String,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    /// When each rate-limited operation was last called.
    last: Vec<(&'static str, Instant)>,
    /// Told of each call before it is made, and of each wait.
    progress: Box<dyn FnMut(&str)>,
    /// How many bytes of answers were read.
    read: u64,
}

impl Api {
    /// A client of the API at `base` (no trailing slash needed).
    pub fn new(base: &str, token: &str) -> Result<Self, ApiError> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ApiError::BaseUrl(base.to_owned()));
        }
        let unreachable = |why: String| ApiError::Unreachable {
            call: "start".into(),
            api: base.to_owned(),
            why,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("consent-inspector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Self {
            base: base.to_owned(),
            token: token.to_owned(),
            runtime,
            client,
            last: Vec::new(),
            progress: Box::new(|_| {}),
            read: 0,
        })
    }

    /// Where each call and wait is told (a progress bar).
    pub fn on_progress(&mut self, f: impl FnMut(&str) + 'static) {
        self.progress = Box::new(f);
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The `data` of one call's answer.
    pub fn get(&mut self, call: &Call) -> Result<Value, ApiError> {
        let url = self.url(call, Page::None);
        let mut body = self.send(call, &url)?;
        Ok(body.get_mut("data").map_or(Value::Null, Value::take))
    }

    /// Every item of a paged list: `data[key]` of each page, following
    /// `data.pagination.next` until there is none.
    pub fn list(&mut self, call: &Call, key: &str) -> Result<Vec<Value>, ApiError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let url = self.url(call, cursor.as_deref().map_or(Page::First, Page::After));
            let mut body = self.send(call, &url)?;
            let mut data = body.get_mut("data").map_or(Value::Null, Value::take);
            match data.get_mut(key).map(Value::take) {
                Some(Value::Array(page)) => items.extend(page),
                _ => {
                    return Err(ApiError::Shape {
                        call: call.shown(),
                        why: format!("no list data.{key}"),
                    });
                }
            }
            match data.pointer("/pagination/next").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && Some(next) != cursor.as_deref() => {
                    cursor = Some(next.to_owned());
                }
                _ => return Ok(items),
            }
        }
        Err(ApiError::Shape {
            call: call.shown(),
            why: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// The URL of `call`, with paging when `page` is Some (its cursor, if any): the query in
    /// the SDK's order (`qs` serialises `pagination[cursor]` before `pagination[count]`).
    fn url(&self, call: &Call, page: Page<'_>) -> String {
        let mut pairs: Vec<(String, String)> = call
            .query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        if let Page::After(c) = page {
            pairs.push(("pagination[cursor]".into(), c.to_owned()));
        }
        if page != Page::None {
            pairs.push(("pagination[count]".into(), PAGE.to_string()));
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", path_segment(k), path_segment(v)))
            .collect();
        if query.is_empty() {
            format!("{}{}", self.base, call.path)
        } else {
            format!("{}{}?{}", self.base, call.path, query.join("&"))
        }
    }

    /// Sends one GET, waiting out rate limits and retrying what may pass, and reads its JSON.
    fn send(&mut self, call: &Call, url: &str) -> Result<Value, ApiError> {
        let shown = call.shown();
        let mut backoff = BACKOFF;
        let mut failure = None;
        for attempt in 1..=TRIES {
            self.pace(call);
            (self.progress)(&shown);
            let wait = match self.once(url) {
                Ok(Answer {
                    status: 200..=299,
                    body,
                    ..
                }) => {
                    self.read += body.len() as u64;
                    if self.read > TOTAL_BYTES {
                        return Err(ApiError::Shape {
                            call: shown,
                            why: format!(
                                "the answers pass {} MiB in all, more than a workspace's settings can be",
                                TOTAL_BYTES >> 20
                            ),
                        });
                    }
                    return serde_json::from_slice(&body).map_err(|e| ApiError::Shape {
                        call: shown,
                        why: e.to_string(),
                    });
                }
                Ok(Answer {
                    status: 429,
                    retry_after,
                    ..
                }) => {
                    let secs = retry_after.unwrap_or(backoff.as_secs().max(1));
                    if Duration::from_secs(secs) > MAX_WAIT {
                        return Err(ApiError::RateLimited { call: shown, secs });
                    }
                    failure = Some(ApiError::RateLimited {
                        call: shown.clone(),
                        secs,
                    });
                    Duration::from_secs(secs)
                }
                Ok(Answer {
                    status: status @ 500..=599,
                    body,
                    ..
                }) => {
                    failure = Some(ApiError::Status {
                        call: shown.clone(),
                        status,
                        said: said(&body),
                        tries: attempt,
                    });
                    backoff
                }
                Ok(Answer { status, body, .. }) => return Err(refused(call, status, &body)),
                Err(why) => {
                    failure = Some(ApiError::Unreachable {
                        call: shown.clone(),
                        api: self.base.clone(),
                        why,
                    });
                    backoff
                }
            };
            if attempt < TRIES {
                (self.progress)(&format!("{shown}: waiting {} ms", wait.as_millis()));
                std::thread::sleep(wait);
                backoff *= 2;
            }
        }
        Err(failure.expect("a failed attempt says why"))
    }

    /// Waits until `call`'s endpoint may be called again under its documented limit.
    fn pace(&mut self, call: &Call) {
        let Some(n) = call.per_minute else { return };
        let gap = Duration::from_secs(60) / n;
        if let Some((_, at)) = self.last.iter_mut().find(|(op, _)| *op == call.operation) {
            if let Some(rest) = gap.checked_sub(at.elapsed()) {
                std::thread::sleep(rest);
            }
            *at = Instant::now();
        } else {
            self.last.push((call.operation, Instant::now()));
        }
    }

    /// One GET: its status, `Retry-After` and body (never more than `SETTINGS_BYTES`), or
    /// why there is no answer.
    fn once(&self, url: &str) -> Result<Answer, String> {
        self.runtime.block_on(async {
            let mut resp = self
                .client
                .get(url)
                .header("Accept", "application/json")
                .bearer_auth(&self.token)
                .send()
                .await
                .map_err(|e| no_answer(e, TIMEOUT))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_secs);
            let body = capped_body(&mut resp).await?;
            Ok(Answer {
                status,
                retry_after,
                body,
            })
        })
    }
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

/// `Retry-After` in seconds: a number of seconds, or an HTTP date (RFC 9110 §10.2.3).
fn retry_after_secs(v: &str) -> Option<u64> {
    if let Ok(n) = v.trim().parse::<u64>() {
        return Some(n);
    }
    let at = jiff::fmt::rfc2822::parse(v.trim()).ok()?.timestamp();
    let secs = at.duration_since(jiff::Timestamp::now()).as_secs();
    Some(u64::try_from(secs).unwrap_or(0))
}

/// What the API said in its error body (`{"errors":[{"type":..,"message":..}]}`), as
/// `: "message"`, or nothing.
fn said(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = v
        .pointer("/errors/0/message")
        .or_else(|| v.get("message"))
        .and_then(Value::as_str);
    message.map_or_else(String::new, |m| {
        let m: String = m.chars().take(300).collect();
        format!(": \"{}\"", printable(&m))
    })
}

/// The error for a 4xx answer other than 429.
fn refused(call: &Call, status: u16, body: &[u8]) -> ApiError {
    let said = said(body);
    let shown = call.shown();
    match status {
        401 => ApiError::Unauthorized { call: shown, said },
        403 => ApiError::Forbidden {
            call: shown,
            said,
            scope: call.scope,
        },
        404 => ApiError::NotFound { call: shown, said },
        _ => ApiError::Status {
            call: shown,
            status,
            said,
            tries: 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_addressed_as_the_sdk_addresses_it() {
        let api = Api::new("http://127.0.0.1:1/", "t").unwrap();
        let call = Call::new("getSource", Call::path(&["sources", "src 1/.."]), "x");
        assert_eq!(
            api.url(&call, Page::None),
            "http://127.0.0.1:1/sources/src%201%2F.."
        );
        let list = Call::new("listSources", "/sources".into(), "x");
        assert_eq!(
            api.url(&list, Page::After("abc==")),
            "http://127.0.0.1:1/sources?pagination%5Bcursor%5D=abc%3D%3D&pagination%5Bcount%5D=200"
        );
        let q = Call::new("x", "/d".into(), "x").with_query("startTime", "2026-11-01T00:00:00Z");
        assert_eq!(
            api.url(&q, Page::First),
            "http://127.0.0.1:1/d?startTime=2026-11-01T00%3A00%3A00Z&pagination%5Bcount%5D=200"
        );
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(retry_after_secs("7"), Some(7));
        assert_eq!(retry_after_secs("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(retry_after_secs("soon"), None);
    }

    #[test]
    fn an_error_body_is_quoted_safely() {
        assert_eq!(
            said(br#"{"errors":[{"type":"forbidden","message":"no \u001b[31m"}]}"#),
            ": \"no \\e[31m\""
        );
        assert_eq!(said(b"<html>"), "");
    }
}

//! Segment's tracking-API endpoints: which one a URL or path names, read the same way for a
//! HAR capture's requests and for the calls `listen` receives; and the sizes it accepts.

use crate::read::event::Kind;

/// The protocol's limits, read by validation (an event or batch over them is refused) and by
/// `listen` (which refuses them as Segment's API does).
///
/// Segment's HTTP API answers 400 for an event over 32 KB.
pub const MAX_EVENT_BYTES: usize = 32 * 1024;
/// Segment's HTTP API refuses a batch request over 500 KB.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;
/// Segment's HTTP API takes at most this many events in one batch.
pub const MAX_BATCH_EVENTS: usize = 2500;

/// What a tracking-API path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// One call, whose type it implies: `/v1/track`, analytics.js's `/v1/t`, and the like.
    Call(Kind),
    /// `/v1/batch`, `/v1/import` and analytics.js's `/v1/b`.
    Batch,
}

impl Endpoint {
    /// The type a call to this endpoint has when its body names none.
    pub fn implied_kind(self) -> Option<Kind> {
        match self {
            Endpoint::Call(k) => Some(k),
            Endpoint::Batch => None,
        }
    }

    /// The body this endpoint takes at most, decompressed.
    pub fn limit(self) -> usize {
        match self {
            Endpoint::Call(_) => MAX_EVENT_BYTES,
            Endpoint::Batch => MAX_BATCH_BYTES,
        }
    }
}

/// The endpoint a URL or path names, on any host and with any prefix before `/v1` (a
/// proxy's, say); the query and fragment do not count.
pub fn endpoint(url: &str) -> Option<Endpoint> {
    let path = url.split(['?', '#']).next()?;
    let name = path.trim_end_matches('/').rsplit_once("/v1/")?.1;
    Some(match name {
        "track" | "t" => Endpoint::Call(Kind::Track),
        "identify" | "i" => Endpoint::Call(Kind::Identify),
        "page" | "p" => Endpoint::Call(Kind::Page),
        "screen" | "s" => Endpoint::Call(Kind::Screen),
        "group" | "g" => Endpoint::Call(Kind::Group),
        "alias" | "a" => Endpoint::Call(Kind::Alias),
        "batch" | "b" | "import" => Endpoint::Batch,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_name_endpoints_with_or_without_a_prefix() {
        assert_eq!(
            endpoint("https://api.segment.io/v1/t"),
            Some(Endpoint::Call(Kind::Track))
        );
        assert_eq!(
            endpoint("https://x.example/v1/batch?x=1"),
            Some(Endpoint::Batch)
        );
        assert_eq!(
            endpoint("https://cdn.segment.com/v1/projects/k/settings"),
            None
        );
        assert_eq!(endpoint("/v1/track"), Some(Endpoint::Call(Kind::Track)));
        assert_eq!(endpoint("/v1/t"), Some(Endpoint::Call(Kind::Track)));
        assert_eq!(endpoint("/segment/v1/p/"), Some(Endpoint::Call(Kind::Page)));
        assert_eq!(endpoint("/v1/b"), Some(Endpoint::Batch));
        assert_eq!(endpoint("/v1/import"), Some(Endpoint::Batch));
        assert_eq!(endpoint("/v1/nope"), None);
        assert_eq!(endpoint("/track"), None);
    }
}

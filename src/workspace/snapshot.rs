//! A workspace snapshot (`pull`): our settings shape with a `snapshot` block that says which
//! workspace and source it holds, when it was pulled, and where each part came from (the
//! Public API, or the CDN settings of the source's write key). Every command reads it as
//! settings; `lint` shows the block, the TUI its source and age.

use serde::{Deserialize, Serialize};

/// The snapshot shape this build writes, and the newest it reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Snapshot {
    /// The shape's version (`VERSION`): a newer one is refused rather than misread.
    pub version: u32,
    /// When the pull finished (RFC 3339, UTC).
    pub pulled_at: String,
    /// The Public API it was pulled from (`https://api.segmentapis.com`, the EU one, or a
    /// proxy's).
    pub api: String,
    pub workspace: Option<Named>,
    pub source: Named,
    /// Where each part came from, in the order they were read.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// What the pull could not read (a scope the token lacks, the CDN unreachable), and so
    /// what the snapshot lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
}

/// A workspace or source as the Public API names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One part of the settings and the call (or file) it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// What it holds, in the settings' words (`destinations[].filters`, `categories`).
    pub part: String,
    /// `GET /destination/{id}/filters` (Public API), `CDN …/settings`.
    pub from: String,
}

impl Snapshot {
    /// `source web (Web) of workspace acme, pulled 2026-12-07T20:00:00Z from
    /// https://api.segmentapis.com`: where the settings came from, in a line.
    pub fn describe(&self) -> String {
        let source = self.source.slug.as_deref().unwrap_or(&self.source.id);
        let workspace = self
            .workspace
            .as_ref()
            .map(|w| format!(" of workspace {}", w.slug.as_deref().unwrap_or(&w.id)))
            .unwrap_or_default();
        crate::text::printable(&format!(
            "snapshot of source {source}{workspace}, pulled {} from {}",
            self.pulled_at, self.api
        ))
        .into_owned()
    }

    /// How long ago it was pulled, in the largest whole unit (`3 h`, `2 d`), or None when
    /// `pulled_at` does not read as a time.
    pub fn age(&self, now: jiff::Timestamp) -> Option<String> {
        let at: jiff::Timestamp = self.pulled_at.parse().ok()?;
        let secs = now.duration_since(at).as_secs().max(0);
        Some(match secs {
            0..60 => format!("{secs} s"),
            60..3600 => format!("{} min", secs / 60),
            3600..86_400 => format!("{} h", secs / 3600),
            _ => format!("{} d", secs / 86_400),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(pulled_at: &str) -> Snapshot {
        Snapshot {
            version: VERSION,
            pulled_at: pulled_at.into(),
            api: "https://api.segmentapis.com".into(),
            workspace: Some(Named {
                id: "w1".into(),
                slug: Some("acme".into()),
                name: None,
            }),
            source: Named {
                id: "s1".into(),
                slug: Some("web".into()),
                name: Some("Web".into()),
            },
            parts: Vec::new(),
            gaps: Vec::new(),
        }
    }

    #[test]
    fn a_snapshot_says_which_source_and_how_old() {
        let s = snapshot("2026-12-07T18:00:00Z");
        assert_eq!(
            s.describe(),
            "snapshot of source web of workspace acme, pulled 2026-12-07T18:00:00Z from https://api.segmentapis.com"
        );
        let now: jiff::Timestamp = "2026-12-07T21:30:00Z".parse().unwrap();
        assert_eq!(s.age(now).as_deref(), Some("3 h"));
        assert_eq!(snapshot("yesterday").age(now), None);
    }
}

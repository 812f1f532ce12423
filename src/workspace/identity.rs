//! Unify's Identity Resolution rules, as far as profiles here follow them (segment-docs
//! `unify/identity-resolution/identity-resolution-settings.md`): a limit of values per
//! identifier type on one profile (`user_id` 1, every other 5, by default), and a priority that
//! says which identifier an event gives up first when a merge would exceed a limit (`user_id`,
//! then `email`, then the others in alphabetical order). Limits are "ever": the docs' sliding
//! windows ("5 weekly") are not modelled.

use serde::Deserialize;

/// The identifier type of a userId.
pub const USER_ID: &str = "user_id";
/// The identifier type of an anonymousId.
pub const ANONYMOUS_ID: &str = "anonymous_id";

/// The limit of an identifier type the settings do not name ("all other identifiers: 5").
const OTHER_LIMIT: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRules {
    /// Per identifier type, its limit, where the settings (or Segment's defaults) set one.
    pub limits: Vec<(String, u32)>,
    /// Identifier types first to last; those it does not list come after, alphabetically.
    pub priority: Vec<String>,
}

impl Default for IdentityRules {
    fn default() -> Self {
        Self {
            limits: vec![(USER_ID.to_owned(), 1)],
            priority: vec![USER_ID.to_owned(), "email".to_owned()],
        }
    }
}

/// `identityResolution` in our settings: `{"limits": {"user_id": 2}, "priority": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IdentityText {
    #[serde(default)]
    limits: serde_json::Map<String, serde_json::Value>,
    priority: Option<Vec<String>>,
}

impl IdentityRules {
    /// How many values of `kind` one profile may hold.
    pub fn limit(&self, kind: &str) -> u32 {
        self.limits
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(OTHER_LIMIT, |(_, n)| *n)
    }

    /// Where `kind` ranks: lower is kept longer.
    pub fn rank(&self, kind: &str) -> (usize, String) {
        match self.priority.iter().position(|k| k == kind) {
            Some(i) => (i, String::new()),
            None => (self.priority.len(), kind.to_owned()),
        }
    }

    /// The rules as our settings write them.
    pub fn to_json(&self) -> serde_json::Value {
        let limits: serde_json::Map<String, serde_json::Value> = self
            .limits
            .iter()
            .map(|(k, n)| (k.clone(), serde_json::Value::from(*n)))
            .collect();
        serde_json::json!({"limits": limits, "priority": self.priority})
    }

    /// Segment's defaults with what the settings say over them; a limit that is not a whole
    /// number of at least 1 is an error naming it.
    pub(super) fn read(text: IdentityText) -> Result<Self, String> {
        let mut rules = Self::default();
        for (kind, v) in text.limits {
            let n = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n >= 1)
                .ok_or_else(|| {
                    format!(
                        "identityResolution.limits.{}: a limit is a whole number of at least 1, not {v}",
                        crate::text::printable(&kind)
                    )
                })?;
            rules.limits.retain(|(k, _)| *k != kind);
            rules.limits.push((kind, n));
        }
        if let Some(p) = text.priority {
            rules.priority = p;
        }
        Ok(rules)
    }
}

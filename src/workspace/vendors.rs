//! What the workspace knows of the wire: the endpoints device-mode vendors send to, each tied
//! to its Segment destinations (`vendors.toml`, to which the settings' `wire.vendors` add), how
//! Google's consent types map to the workspace's categories, and which categories stand for
//! the sale or sharing of data that Global Privacy Control opts out of.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::read::wire::consent_mode::TYPES;

/// One vendor's endpoints.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub name: String,
    /// The Segment destinations that load its code, the device-mode one first.
    pub destinations: Vec<String>,
    /// Hosts, `*` matching any run of characters.
    pub hosts: Vec<String>,
    /// Path prefixes.
    #[serde(default = "root")]
    pub paths: Vec<String>,
    /// Google's tags, whose requests carry Consent Mode parameters.
    #[serde(default)]
    pub google: bool,
    /// Where the vendor documents the endpoint (the settings' own entries need none).
    #[serde(default)]
    pub source: Option<String>,
}

fn root() -> Vec<String> {
    vec!["/".into()]
}

#[derive(Deserialize)]
struct Table {
    vendor: Vec<Vendor>,
}

/// The table this tool ships.
pub fn builtin() -> &'static [Vendor] {
    static TABLE: OnceLock<Vec<Vendor>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<Table>(include_str!("vendors.toml"))
            .expect("vendors.toml is valid (a unit test reads it)")
            .vendor
    })
}

impl Vendor {
    /// Whether a request to `host` and `path` is one of this vendor's.
    pub fn matches(&self, host: &str, path: &str) -> bool {
        self.hosts.iter().any(|h| glob(h, host))
            && self.paths.iter().any(|p| path.starts_with(&**p))
    }
}

/// `pattern` against `text`, `*` matching any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The workspace's settings for the wire (`wire` in our settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// The settings' own entries, then the built-in table: the first that matches wins.
    pub vendors: Vec<Vendor>,
    /// Per consent type (`TYPES`' order), the categories that must all be granted for it to be
    /// granted. Empty: the type is not compared.
    pub consent_mode: [Vec<String>; 4],
    /// Where the mapping came from: `settings`, or the default for OneTrust's groups.
    pub consent_mode_from: &'static str,
    /// Categories a GPC signal opts out of.
    pub sale_share: Vec<String>,
}

/// OneTrust's default groups: Performance (C0002) is analytics storage, Targeting (C0004)
/// everything advertising.
pub const ONETRUST_CONSENT_MODE: [&str; 4] = ["C0004", "C0002", "C0004", "C0004"];

impl Default for Wire {
    fn default() -> Self {
        Wire {
            vendors: builtin().to_vec(),
            consent_mode: ONETRUST_CONSENT_MODE.map(|c| vec![c.to_owned()]),
            consent_mode_from: "OneTrust's default groups",
            sale_share: vec!["C0004".into()],
        }
    }
}

/// `wire` as our settings write it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireText {
    #[serde(default)]
    vendors: Vec<Vendor>,
    #[serde(rename = "consentMode")]
    consent_mode: Option<std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(rename = "saleShareCategories")]
    sale_share: Option<Vec<String>>,
}

impl WireText {
    /// The settings over the defaults; an unknown consent type is an error.
    pub fn resolve(self) -> Result<Wire, String> {
        let mut wire = Wire::default();
        let mut vendors = self.vendors;
        vendors.append(&mut wire.vendors);
        wire.vendors = vendors;
        if let Some(map) = self.consent_mode {
            let mut types: [Vec<String>; 4] = Default::default();
            for (k, v) in map {
                let Some(i) = TYPES.iter().position(|t| *t == k) else {
                    return Err(format!(
                        "wire.consentMode: unknown consent type {k:?} (expected one of {})",
                        TYPES.join(", ")
                    ));
                };
                types[i] = v;
            }
            wire.consent_mode = types;
            wire.consent_mode_from = "settings";
        }
        if let Some(s) = self.sale_share {
            wire.sale_share = s;
        }
        Ok(wire)
    }
}

impl Wire {
    /// The first vendor a request to `host` and `path` is one of.
    pub fn vendor(&self, host: &str, path: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.matches(host, path))
    }

    /// Whether some vendor names `destination` (or one of its other names).
    pub fn knows(&self, destination: &str) -> bool {
        let others = crate::workspace::catalog::other_names(destination);
        self.vendors.iter().any(|v| {
            v.destinations
                .iter()
                .any(|d| d == destination || others.contains(&d.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_names_catalog_destinations() {
        assert!(builtin().len() >= 14);
        for v in builtin() {
            assert!(v.source.is_some(), "{} has no source", v.name);
            for d in &v.destinations {
                assert!(
                    crate::workspace::catalog::lookup(d).is_some(),
                    "{}: {d} is not in Segment's catalog",
                    v.name
                );
            }
        }
    }

    #[test]
    fn hosts_and_paths_match() {
        let w = Wire::default();
        let name = |h, p| w.vendor(h, p).map(|v| v.name.as_str());
        assert_eq!(name("www.facebook.com", "/tr/"), Some("Facebook Pixel"));
        assert_eq!(name("www.facebook.com", "/login"), None);
        assert_eq!(
            name("region1.google-analytics.com", "/g/collect"),
            Some("Google Analytics 4")
        );
        assert_eq!(name("sdk.iad-01.braze.com", "/api/v3/data"), Some("Braze"));
        assert_eq!(name("evilgoogle-analytics.com.example", "/g/collect"), None);
        assert!(glob("ws*.hotjar.com", "ws12.hotjar.com"));
        assert!(!glob("ws*.hotjar.com", "ws12.hotjar.com.evil"));
    }
}

//! The user's XDG base directories, where the config file and the settings cache live.

use std::path::{Path, PathBuf};

/// `$var` when set and not empty, else `~/under_home` (the XDG default), with
/// `consent-inspector` appended; None without either.
pub fn ours(var: &str, under_home: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(under_home)))?;
    Some(base.join("consent-inspector"))
}

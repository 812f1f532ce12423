//! The user's XDG base directories, where the config file and the settings cache live; and
//! files and folders only this user may read, for what holds personal data or is trusted
//! later (captures, exports, reports, the settings cache).

use std::fs::OpenOptions;
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

/// `options` creating a file readable and writable by this user only (0600 on Unix, whatever
/// the umask): captures, exports and reports name users.
pub fn private(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Creates `dir` and its missing parents with mode 0700, and makes `dir` itself 0700 if it was
/// there already (made by an older version under a lax umask): settings another local user
/// could plant there would be trusted.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

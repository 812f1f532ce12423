//! The most this tool holds in memory from one whole-file input, and the reader that keeps
//! to it. Events are read line by line (`input::MAX_LINE_BYTES` a line); these are the inputs
//! that are one document each. A source over its limit is refused with an error that names
//! the limit, before more than the limit is read (a symlink to `/dev/zero` included).
//! docs/commands.md, "Limits", lists them.

use std::io::{self, Read};
use std::path::Path;

/// A settings file, and the CDN's answer to `--fetch-settings`: Segment's settings for a
/// source are tens to hundreds of KB, RudderStack's workspace config a few MB.
pub const SETTINGS_BYTES: u64 = 32 << 20;
/// A TOML file (`--policy`, the config file): a few KB in practice.
pub const TOML_BYTES: u64 = 1 << 20;
/// A HAR capture, which is one JSON document and so read whole.
pub const HAR_BYTES: u64 = 1 << 30;

/// `32 MiB`: a limit as the messages say it.
pub fn shown(limit: u64) -> String {
    if limit >= 1 << 30 && limit % (1 << 30) == 0 {
        format!("{} GiB", limit >> 30)
    } else if limit >= 1 << 20 && limit % (1 << 20) == 0 {
        format!("{} MiB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}

/// The error for `what` over `limit`, kind `InvalidData`.
pub fn too_large(what: &str, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{what} is over {}, the most this tool reads (is it the right file?)",
            shown(limit)
        ),
    )
}

/// All of `from`, or the error `too_large` once more than `limit` bytes come. Read in pieces
/// of at most 1 MiB and joined once at the end: a buffer that doubles as it fills leaves
/// every smaller copy with the allocator (mimalloc keeps freed memory a while), several times
/// the limit for a source that never ends.
pub fn read_at_most(from: impl Read, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    const PIECE: usize = 1 << 20;
    let mut from = from.take(limit + 1);
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    let mut total: u64 = 0;
    loop {
        let mut piece = Vec::with_capacity(PIECE);
        let n = (&mut from).take(PIECE as u64).read_to_end(&mut piece)?;
        total += n as u64;
        if n > 0 {
            pieces.push(piece);
        }
        if n < PIECE {
            break;
        }
    }
    if total > limit {
        return Err(too_large(what, limit));
    }
    Ok(match pieces.len() {
        0 => Vec::new(),
        1 => pieces.pop().unwrap_or_default(),
        _ => pieces.concat(),
    })
}

/// The file at `path`, read with `read_at_most` (its size, when it has one, is checked first).
pub fn read_file_at_most(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limit)
    {
        return Err(too_large(what, limit));
    }
    read_at_most(file, limit, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_source_is_refused_after_its_limit() {
        let err = read_at_most(io::repeat(b'x'), 1024, "settings").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "settings is over 1024 bytes, the most this tool reads (is it the right file?)"
        );
        assert_eq!(read_at_most(&b"abc"[..], 3, "x").unwrap(), b"abc");
        assert_eq!(shown(SETTINGS_BYTES), "32 MiB");
        assert_eq!(shown(HAR_BYTES), "1 GiB");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_dev_zero_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("settings.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_file_at_most(&link, 4096, "the settings").unwrap_err();
        assert!(err.to_string().contains("over 4096 bytes"), "{err}");
    }
}

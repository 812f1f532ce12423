//! `--fetch-settings KEY`: a source's settings as analytics.js downloads them
//! (`{cdn}/v1/projects/{key}/settings`), kept in the user's cache with when they were fetched,
//! so that a machine offline still has the last copy (and says it is using it).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{SettingsError, Workspace};
use crate::read::limits::SETTINGS_BYTES;
use crate::text::{mask_secret, printable};

/// Segment's CDN, where analytics.js downloads a source's settings.
pub const SEGMENT_CDN: &str = "https://cdn.segment.com";

/// How long the CDN has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Settings fetched, or read from the cache because fetching failed.
pub struct Fetched {
    pub workspace: Workspace,
    /// The settings' text, as the CDN sent it (or as cached).
    pub text: Vec<u8>,
    /// Said when the copy is a cached one: why the CDN could not be used, and how old it is.
    pub warning: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("--cdn {0:?} is not an http or https URL")]
    Cdn(String),
    #[error("cannot fetch the settings of source {key} from {url}: {why}{}", no_cache(.cache))]
    Unreachable {
        key: String,
        url: String,
        why: String,
        cache: PathBuf,
    },
    #[error("{url} answered {status}: {hint}")]
    Refused {
        url: String,
        status: u16,
        hint: String,
    },
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

fn no_cache(cache: &Path) -> String {
    format!(
        " (and there is no cached copy at {}: fetch once while online)",
        cache.display()
    )
}

/// What the cache keeps of one fetch.
#[derive(Serialize, Deserialize)]
struct Cached {
    cdn: String,
    #[serde(rename = "fetchedAt")]
    fetched_at: String,
    settings: serde_json::Value,
}

/// The cache folder: `$XDG_CACHE_HOME/consent-inspector/settings`, else `~/.cache/…`.
pub fn cache_dir() -> Option<PathBuf> {
    Some(crate::dirs::ours("XDG_CACHE_HOME", ".cache")?.join("settings"))
}

/// One file per CDN and key, named by a hash so that the key is not in the file name.
pub(crate) fn cache_file(dir: &Path, cdn: &str, key: &str) -> PathBuf {
    // FNV-1a: stable across versions and machines, which a cache name must be.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in cdn.bytes().chain([0]).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    dir.join(format!("{h:016x}.json"))
}

/// How the settings are named in messages and outputs.
fn label(key: &str, cdn: &str, fetched_at: &str) -> String {
    format!(
        "settings of source {} from {}, fetched {fetched_at}",
        mask_secret(key),
        printable(cdn)
    )
}

/// Downloads the settings of source `key` from `cdn` and caches them in `dir`; when the CDN
/// cannot be reached (or fails), reads the cached copy and says so.
pub fn fetch(key: &str, cdn: &str, dir: &Path) -> Result<Fetched, FetchError> {
    let cdn = cdn.trim_end_matches('/');
    if !(cdn.starts_with("http://") || cdn.starts_with("https://")) {
        return Err(FetchError::Cdn(cdn.to_owned()));
    }
    // The key is one path segment: `../`, `?` or `#` in it must not change the path.
    let url = format!("{cdn}/v1/projects/{}/settings", path_segment(key));
    let shown = format!("{cdn}/v1/projects/{}/settings", mask_secret(key));
    let cache = cache_file(dir, cdn, key);
    let why = match download(&url) {
        Ok((200, body)) => {
            let fetched_at = jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string());
            let workspace = Workspace::from_slice(&label(key, cdn, &fetched_at), &body)?;
            // A copy that cannot be kept costs only the next offline run; say nothing.
            let _ = store(&cache, cdn, &fetched_at, &body);
            return Ok(Fetched {
                workspace,
                text: body,
                warning: None,
            });
        }
        // The key is wrong, or not this CDN's: a cached copy would hide the mistake.
        Ok((status @ 400..=499, _)) => {
            return Err(FetchError::Refused {
                url: shown,
                status,
                hint: "check the write key (a source's key, not an API token) and --cdn".into(),
            });
        }
        Ok((status, _)) => format!("answered {status}"),
        Err(e) => e,
    };
    let Some(cached) =
        crate::read::limits::read_file_at_most(&cache, SETTINGS_BYTES * 2, "the copy")
            .ok()
            .and_then(|t| serde_json::from_slice::<Cached>(&t).ok())
    else {
        return Err(FetchError::Unreachable {
            key: mask_secret(key),
            url: shown,
            why,
            cache,
        });
    };
    let text = serde_json::to_vec(&cached.settings).unwrap_or_default();
    let name = format!(
        "{} (cached copy, {})",
        label(key, cdn, &cached.fetched_at),
        cache.display()
    );
    let workspace = Workspace::from_slice(&name, &text)?;
    Ok(Fetched {
        workspace,
        text,
        warning: Some(format!(
            "cannot fetch {shown} ({why}): using the copy cached at {}",
            cached.fetched_at
        )),
    })
}

/// `key` percent-encoded as one URL path segment (RFC 3986: all but the unreserved
/// characters).
pub(crate) fn path_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The status and body of a GET (never more than `SETTINGS_BYTES` of it), or why there is
/// none.
fn download(url: &str) -> Result<(u16, Vec<u8>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        let mut resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| no_answer(e, TIMEOUT))?;
        let status = resp.status().as_u16();
        Ok((status, capped_body(&mut resp).await?))
    })
}

/// Why a request got no answer, in words (`timeout`: the client's). reqwest's own message
/// is given without the URL, which holds a write key here and whose request holds a token in
/// the Public API's.
pub(crate) fn no_answer(e: reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        e.without_url().to_string()
    }
}

/// An answer's body, never more than `SETTINGS_BYTES`: one that says or turns out longer is
/// refused, read no further.
pub(crate) async fn capped_body(resp: &mut reqwest::Response) -> Result<Vec<u8>, String> {
    let over = || crate::read::limits::too_large("the answer", SETTINGS_BYTES).to_string();
    if resp.content_length().is_some_and(|n| n > SETTINGS_BYTES) {
        return Err(over());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| e.without_url().to_string())?
    {
        if (body.len() + chunk.len()) as u64 > SETTINGS_BYTES {
            return Err(over());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Keeps the CDN's answer in the cache.
fn store(cache: &Path, cdn: &str, fetched_at: &str, body: &[u8]) -> std::io::Result<()> {
    let settings: serde_json::Value =
        serde_json::from_slice(body).map_err(std::io::Error::other)?;
    let doc = Cached {
        cdn: cdn.to_owned(),
        fetched_at: fetched_at.to_owned(),
        settings,
    };
    store_private(cache, &doc)
}

/// Writes `doc` to `cache` whole or not at all, readable by this user only, in a folder
/// only this user can enter or change (whatever the umask): settings planted there by
/// another local user would be used offline.
pub(crate) fn store_private(cache: &Path, doc: &impl Serialize) -> std::io::Result<()> {
    let dir = cache.parent().unwrap_or(Path::new("."));
    crate::dirs::private_dir(dir)?;
    // tempfile creates 0600 files; the rename makes the copy appear whole.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(&mut tmp, doc).map_err(std::io::Error::other)?;
    tmp.persist(cache).map_err(|e| e.error)?;
    Ok(())
}

//! Folders as inputs (issue 27): an archive such as Segment's S3 layout
//! (`segment-logs/<source-id>/<day-in-ms>/<file>.gz`), or any other, read as the files it holds
//! in path order. Each file is then read by its own bytes (gzip, HAR, JSON Lines), and
//! `file:line` names the file inside the folder.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The name of the settings file a folder may hold beside its archives: not an input.
pub const SETTINGS_FILE: &str = "consent-settings.json";

/// An entry of a folder that is not read, and why (a FIFO, a device, a link that leads
/// nowhere or round in a loop, a link to a folder): said, so that a run is never clean
/// because something was silently left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
}

/// What a folder holds: the files to read, in path order, and what was left out.
#[derive(Debug, Default)]
pub struct Listing {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

/// The files under `dir`, in path order (byte order of the path, so `2/` before `10/` only when
/// the names sort so: Segment's day folders are milliseconds of equal length). Names starting
/// with `.` are left out, and the settings file (`SETTINGS_FILE`), silently; folders reached
/// through a symbolic link (no cycles) and anything that is not a file are left out and listed
/// in `skipped`.
pub fn files(dir: &Path) -> io::Result<Listing> {
    let mut out = Listing::default();
    walk(dir, &mut out)?;
    out.files.sort();
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Listing) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == SETTINGS_FILE {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
            continue;
        }
        let why = if kind.is_file() {
            None
        } else if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => None,
                Ok(m) if m.is_dir() => Some("a symbolic link to a folder, not followed".into()),
                Ok(m) => Some(format!("a symbolic link to {}", not_a_file(m.file_type()))),
                Err(e) => Some(format!("a symbolic link that cannot be followed ({e})")),
            }
        } else {
            Some(not_a_file(kind).to_owned())
        };
        match why {
            None => out.files.push(path),
            Some(why) => out.skipped.push(Skipped { path, why }),
        }
    }
    Ok(())
}

/// What an entry that is neither a file nor a folder is.
fn not_a_file(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe), not a file";
        }
        if kind.is_socket() {
            return "a socket, not a file";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device, not a file";
        }
    }
    let _ = kind;
    "not a regular file"
}

/// The inputs, each folder replaced by its files.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Each input, and whether it came from a folder (opened only when its turn comes, so a
    /// folder of thousands of files holds one open at a time).
    pub inputs: Vec<(String, bool)>,
    /// What the folders held that is not read.
    pub skipped: Vec<Skipped>,
}

/// The inputs with each folder replaced by its files. An error names the folder it concerns.
pub fn expand(inputs: &[String]) -> Result<Expanded, (String, io::Error)> {
    let mut out = Expanded::default();
    for input in inputs {
        let path = Path::new(input);
        if input != "-" && path.is_dir() {
            let found = files(path).map_err(|e| (input.clone(), e))?;
            if found.files.is_empty() {
                let e = io::Error::other("the folder holds no file to read");
                return Err((input.clone(), e));
            }
            let files = found.files.into_iter();
            out.inputs
                .extend(files.map(|p| (p.display().to_string(), true)));
            out.skipped.extend(found.skipped);
        } else {
            out.inputs.push((input.clone(), false));
        }
    }
    Ok(out)
}

/// Files of a folder that could not be opened when their turn came (removed or moved away
/// while the folder was read): the run goes on without them, and ends saying which, with a
/// status that says it is incomplete.
#[derive(Debug, Clone, Default)]
pub struct Unread(Arc<Mutex<Vec<String>>>);

impl Unread {
    pub fn add(&self, file: &str, e: &io::Error) {
        let why = if e.kind() == io::ErrorKind::NotFound {
            "vanished while the folder was read (removed or moved away)".to_owned()
        } else {
            format!("cannot be opened: {e}")
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(format!("{}: {why}", crate::text::printable(file)));
    }

    /// Each file not read, with why.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_its_files_in_path_order_without_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "segment-logs/src1/1700000000000/b.gz",
            "segment-logs/src1/1700000000000/a.gz",
            "segment-logs/src1/1699913600000/z.gz",
            "segment-logs/src0/1700000000000/x.jsonl",
            ".DS_Store",
            "consent-settings.json",
            "segment-logs/.hidden/y.gz",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"{}\n").unwrap();
        }
        let found: Vec<String> = files(root)
            .unwrap()
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "segment-logs/src0/1700000000000/x.jsonl",
                "segment-logs/src1/1699913600000/z.gz",
                "segment-logs/src1/1700000000000/a.gz",
                "segment-logs/src1/1700000000000/b.gz",
            ]
        );
        let inputs = vec!["-".to_owned(), root.display().to_string()];
        let expanded = expand(&inputs).unwrap().inputs;
        assert_eq!(expanded[0], ("-".to_owned(), false));
        assert_eq!(expanded.len(), 5);
        assert!(expanded[1..].iter().all(|(_, in_folder)| *in_folder));
    }

    #[cfg(unix)]
    #[test]
    fn what_is_not_a_file_is_skipped_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.jsonl"), b"{}\n").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        // mkfifo(1), so that the library needs no libc for a test.
        assert!(
            std::process::Command::new("mkfifo")
                .arg(root.join("fifo"))
                .status()
                .unwrap()
                .success()
        );
        let link = |to: &str, name: &str| std::os::unix::fs::symlink(to, root.join(name)).unwrap();
        link("/dev/zero", "zero");
        link("loop", "loop");
        link("sub", "folder-link");
        link("a.jsonl", "file-link");
        let l = files(root).unwrap();
        let names = |p: &Path| p.strip_prefix(root).unwrap().display().to_string();
        assert_eq!(
            l.files.iter().map(|p| names(p)).collect::<Vec<_>>(),
            ["a.jsonl", "file-link"]
        );
        let skipped: Vec<(String, &str)> = l
            .skipped
            .iter()
            .map(|s| (names(&s.path), s.why.split(" (").next().unwrap()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("fifo".into(), "a FIFO"),
                (
                    "folder-link".into(),
                    "a symbolic link to a folder, not followed"
                ),
                ("loop".into(), "a symbolic link that cannot be followed"),
                ("zero".into(), "a symbolic link to a device, not a file"),
            ]
        );
    }
}

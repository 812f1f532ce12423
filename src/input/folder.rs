//! Folders as inputs (issue 27): an archive such as Segment's S3 layout
//! (`segment-logs/<source-id>/<day-in-ms>/<file>.gz`), or any other, read as the files it holds
//! in path order. Each file is then read by its own bytes (gzip, HAR, JSON Lines), and
//! `file:line` names the file inside the folder.

use std::io;
use std::path::{Path, PathBuf};

/// The name of the settings file a folder may hold beside its archives: not an input.
pub const SETTINGS_FILE: &str = "consent-settings.json";

/// The files under `dir`, in path order (byte order of the path, so `2/` before `10/` only when
/// the names sort so: Segment's day folders are milliseconds of equal length). Names starting
/// with `.` are left out, as are folders reached through a symbolic link (no cycles) and the
/// settings file (`SETTINGS_FILE`).
pub fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
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
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// The inputs with each folder replaced by its files; each file says whether it came from a
/// folder (opened only when its turn comes, so a folder of thousands of files holds one open
/// at a time). An error names the folder it concerns.
pub fn expand(inputs: &[String]) -> Result<Vec<(String, bool)>, (String, io::Error)> {
    let mut out = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if input != "-" && path.is_dir() {
            let found = files(path).map_err(|e| (input.clone(), e))?;
            if found.is_empty() {
                let e = io::Error::other("the folder holds no file to read");
                return Err((input.clone(), e));
            }
            out.extend(found.into_iter().map(|p| (p.display().to_string(), true)));
        } else {
            out.push((input.clone(), false));
        }
    }
    Ok(out)
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
        let expanded = expand(&inputs).unwrap();
        assert_eq!(expanded[0], ("-".to_owned(), false));
        assert_eq!(expanded.len(), 5);
        assert!(expanded[1..].iter().all(|(_, in_folder)| *in_folder));
    }
}

//! TOML files the user writes (the policy, the config), read so that every mistake, found by
//! the parser or after it, names its file, line and column.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::read::locate::line_col;
use crate::text::printable;

#[derive(Debug, thiserror::Error)]
pub enum TomlError {
    #[error("{}: cannot read: {source}", printable(file))]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", printable(file))]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// A TOML file's text, kept to turn byte spans into lines.
pub struct TomlFile {
    pub file: String,
    pub text: String,
}

impl TomlFile {
    pub fn read(path: &Path) -> Result<Self, TomlError> {
        let file = path.display().to_string();
        let read = crate::read::limits::read_file_at_most(
            path,
            crate::read::limits::TOML_BYTES,
            "the file",
        )
        .and_then(|b| {
            String::from_utf8(b)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        });
        match read {
            Ok(text) => Ok(Self { file, text }),
            Err(source) => Err(TomlError::Io { file, source }),
        }
    }

    /// Parses the whole file; unknown keys are errors where the types say so.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, TomlError> {
        toml::from_str(&self.text).map_err(|e| {
            // The parser's message repeats the line in a drawing; its first line is the story.
            let message = e.message().lines().next().unwrap_or("").trim().to_owned();
            self.error_at(e.span().unwrap_or(0..0), message)
        })
    }

    /// An error about the text at `span`.
    pub fn error_at(&self, span: Range<usize>, message: String) -> TomlError {
        TomlError::Invalid {
            file: self.file.clone(),
            line: self.line(span.clone()),
            column: line_col(self.text.as_bytes(), span.start).1,
            message,
        }
    }

    /// The 1-based line where `span` starts.
    pub fn line(&self, span: Range<usize>) -> usize {
        line_col(self.text.as_bytes(), span.start).0
    }
}

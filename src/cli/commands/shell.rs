//! `completions` and `man`: the shell's view of the command line, generated from its clap
//! definition so that neither can fall behind it.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;

use super::{Error, Exit, finish_output};
use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> Result<Exit, Error> {
    let mut cmd = Cli::command();
    let mut out = io::BufWriter::new(io::stdout().lock());
    clap_complete::generate(shell, &mut cmd, "consent-inspector", &mut out);
    finish_output(out.flush())?;
    Ok(Exit::Done)
}

/// The main page on stdout; with `dir`, it and a page per command written there.
pub fn man(dir: Option<&Path>) -> Result<Exit, Error> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        let mut out = io::BufWriter::new(io::stdout().lock());
        let result = clap_mangen::Man::new(cmd).render(&mut out);
        finish_output(result.and_then(|()| out.flush()))?;
        return Ok(Exit::Done);
    };
    let written = |e: io::Error| Error::Output {
        file: dir.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(written)?;
    // clap_mangen names each page after the command's path (`consent-inspector-check.1`).
    clap_mangen::generate_to(cmd, dir).map_err(written)?;
    Ok(Exit::Done)
}

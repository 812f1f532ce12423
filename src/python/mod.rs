//! The engine as a Python module, `consent_inspector._native` (issue 27): the names scripts rely
//! on are `Workspace.load`, `judge`, and `Engine` with `ingest` and `profiles`. Every answer is
//! the NDJSON contract (docs/commands.md) as Python values, made by Python's own `json`, so a
//! record is the same whether `route` printed it or a script asked for it.

mod arrow;

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::analyses::ndjson::{Ndjson, write_profiles};
use crate::engine::{Engine as Inner, judge_alone};
use crate::read::input::{Line, LinePos, Record, records_from_line};
use crate::workspace::Workspace as Settings;

/// Workspace settings: which destinations need which consent, in any settings shape the tool
/// reads (its own, Segment's CDN settings, RudderStack's source or workspace config).
#[pyclass(frozen, module = "consent_inspector")]
pub struct Workspace {
    inner: Arc<Settings>,
}

#[pymethods]
impl Workspace {
    /// Reads settings from `path`; a file that is not settings raises `ValueError`, saying
    /// where (`file:line:column`) and what.
    #[staticmethod]
    fn load(path: &str) -> PyResult<Self> {
        let inner = Settings::load(std::path::Path::new(path))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Whose rules decide: `"segment"` or `"rudderstack"`.
    #[getter]
    fn dialect(&self) -> &'static str {
        self.inner.dialect().as_str()
    }

    /// The destinations' names, in settings order.
    #[getter]
    fn destinations(&self) -> Vec<String> {
        self.inner
            .destinations
            .iter()
            .map(|d| d.name.clone())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Workspace({:?}, {} destinations, {} rules)",
            self.inner.origin,
            self.inner.destinations.len(),
            self.inner.dialect().vendor()
        )
    }
}

/// The records of one line (a batch line gives one per element; a line that is not an event
/// gives one that says why). A blank line, which a file's reading skips, is a record here: a
/// script that passes one asked about it.
fn records(file: &Arc<str>, number: u64, line: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let pos = LinePos { number, offset: 0 };
    records_from_line(file, pos, Line::Text(line), &mut out);
    if out.is_empty() {
        let origin = crate::read::input::Origin {
            file: file.clone(),
            line: number,
            index: None,
            offset: 0,
        };
        let empty = crate::read::input::RecordError::InvalidJson("the line is empty".into());
        out.push(Record::new(origin, line.len(), Err(empty)));
    }
    out
}

/// A line as given: `bytes` as they are (invalid UTF-8 included, which the record then
/// reports), `str` as UTF-8 (a lone surrogate, which UTF-8 cannot hold, becomes U+FFFD).
fn line_bytes(line: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = line.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    let s = line
        .cast::<PyString>()
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("a line is str or bytes"))?;
    Ok(s.to_string_lossy().into_owned().into_bytes())
}

/// JSON text as Python values, by Python's `json` module.
fn loads(py: Python<'_>, text: &[u8]) -> PyResult<Py<PyAny>> {
    let text = std::str::from_utf8(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// One NDJSON record per record of `line`, or the one record itself.
fn answer(py: Python<'_>, lines: &[Vec<u8>]) -> PyResult<Py<PyAny>> {
    match lines {
        [one] => loads(py, one),
        many => {
            let list = pyo3::types::PyList::empty(py);
            for l in many {
                list.append(loads(py, l)?)?;
            }
            Ok(list.into_any().unbind())
        }
    }
}

/// The routing record of one line, decided on its own: no history (duplicates, profiles), as
/// `route` would print it for a first line. A line that is not an event gives a record that
/// says so (`"ingested": false`), never an exception. A batch line gives a list of records.
#[pyfunction]
fn judge(py: Python<'_>, workspace: &Workspace, line: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let ws = workspace.inner.clone();
    let text = line_bytes(line)?;
    let lines = py.detach(move || {
        let file: Arc<str> = Arc::from("<judge>");
        let ndjson = Ndjson::new(&ws);
        records(&file, 1, &text)
            .into_iter()
            .map(|r| {
                let mut b = Vec::new();
                ndjson.line(&mut b, judge_alone(&ws, r).outcome());
                b
            })
            .collect::<Vec<_>>()
    });
    answer(py, &lines)
}

/// An engine that keeps history: duplicates and every user's consent over time, as `route`
/// and `profiles` do over a file.
#[pyclass(module = "consent_inspector")]
pub struct Engine {
    inner: Inner,
    ndjson: Ndjson,
    file: Arc<str>,
    lines: u64,
}

#[pymethods]
impl Engine {
    #[new]
    fn new(workspace: &Workspace) -> Self {
        Self {
            ndjson: Ndjson::new(&workspace.inner),
            inner: Inner::new(workspace.inner.clone()),
            file: Arc::from("<engine>"),
            lines: 0,
        }
    }

    /// Decides the next line (numbered from 1 in the order given) and records what it
    /// changes; returns its routing record (a list for a batch line).
    fn ingest(&mut self, py: Python<'_>, line: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.lines += 1;
        let mut out = Vec::new();
        for r in records(&self.file, self.lines, &line_bytes(line)?) {
            let o = self.inner.ingest(r);
            let mut b = Vec::new();
            self.ndjson.line(&mut b, &o);
            out.push(b);
        }
        answer(py, &out)
    }

    /// Every profile so far, as `profiles` prints them: ids, consent now and its history.
    fn profiles(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let mut text = Vec::new();
        write_profiles(&mut text, self.inner.workspace(), self.inner.profiles())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let list = pyo3::types::PyList::empty(py);
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            list.append(loads(py, line)?)?;
        }
        Ok(list.into_any().unbind())
    }
}

/// The `consent-inspector` command, run in this process (the package's script, and
/// `python -m consent_inspector`): `args` are its arguments after the program's name; returns
/// its exit status. The GIL is released while it runs.
#[cfg(feature = "cli")]
#[pyfunction]
fn _main(py: Python<'_>, args: Vec<std::ffi::OsString>) -> u8 {
    py.detach(move || {
        let argv = std::iter::once(std::ffi::OsString::from("consent-inspector")).chain(args);
        crate::cli::commands::main(argv) as u8
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    #[cfg(feature = "cli")]
    m.add_function(wrap_pyfunction!(_main, m)?)?;
    m.add_class::<Workspace>()?;
    m.add_class::<Engine>()?;
    m.add_class::<arrow::ArrowBatch>()?;
    m.add_function(wrap_pyfunction!(arrow::_route_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(judge, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

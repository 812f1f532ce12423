//! `route_arrow`: a column of raw event JSON in, one row per route out, through the Arrow C
//! data interface (the `__arrow_c_array__` capsules pyarrow and Spark's `mapInArrow` speak), so
//! no row is copied through Python objects. The GIL is released while the events are decided.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::{Workspace, records};
use crate::engine::{Outcome, judge_alone};
use crate::event::{Field as EventField, Raw};

/// The columns, in order: where the route comes from, what the event is, and the route.
fn schema() -> Schema {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("index", DataType::UInt32, true),
        text("type"),
        text("event"),
        text("userId"),
        text("anonymousId"),
        text("messageId"),
        Field::new("ingested", DataType::Boolean, false),
        Field::new("issues", DataType::Utf8, false),
        text("consent"),
        Field::new("destination", DataType::Utf8, false),
        Field::new("decision", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("mode", DataType::Utf8, false),
        text("discard"),
    ])
}

/// The builders of `schema`'s columns, filled one route at a time.
struct Columns {
    row: UInt64Builder,
    index: UInt32Builder,
    fields: [StringBuilder; 5],
    ingested: BooleanBuilder,
    issues: StringBuilder,
    consent: StringBuilder,
    destination: StringBuilder,
    decision: StringBuilder,
    reason: StringBuilder,
    mode: StringBuilder,
    discard: StringBuilder,
}

const FIELDS: [EventField; 5] = [
    EventField::Type,
    EventField::Event,
    EventField::UserId,
    EventField::AnonymousId,
    EventField::MessageId,
];

impl Columns {
    fn new() -> Self {
        Self {
            row: UInt64Builder::new(),
            index: UInt32Builder::new(),
            fields: std::array::from_fn(|_| StringBuilder::new()),
            ingested: BooleanBuilder::new(),
            issues: StringBuilder::new(),
            consent: StringBuilder::new(),
            destination: StringBuilder::new(),
            decision: StringBuilder::new(),
            reason: StringBuilder::new(),
            mode: StringBuilder::new(),
            discard: StringBuilder::new(),
        }
    }

    /// One row per route of `o`, the record of input row `row`.
    fn push(&mut self, ws: &crate::settings::Workspace, row: u64, o: &Outcome) {
        let ev = o.event();
        // A field as text: a string as it is, another value as its JSON text as written.
        let values: Vec<Option<String>> = FIELDS
            .iter()
            .map(|f| {
                ev.and_then(|e| e.get(*f)).map(|v| match v {
                    Raw::Str(s) => s.into_owned(),
                    other => other.to_json().into_owned(),
                })
            })
            .collect();
        let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
        let issues = serde_json::to_string(&codes).unwrap_or_default();
        // As the NDJSON contract's `consent`: the preferences, as written.
        let consent = ev
            .and_then(crate::event::Doc::preferences_raw)
            .map(|p| format!("{{\"categoryPreferences\":{}}}", p.to_json()));
        for r in &o.routes {
            self.row.append_value(row);
            self.index.append_option(o.origin.index);
            for (b, v) in self.fields.iter_mut().zip(&values) {
                b.append_option(v.as_deref());
            }
            self.ingested.append_value(o.ingested());
            self.issues.append_value(&issues);
            self.consent.append_option(consent.as_deref());
            self.destination
                .append_value(&ws.destinations[r.destination].name);
            self.decision.append_value(r.decision.verb());
            self.reason.append_value(r.decision.reason());
            self.mode.append_value(r.mode.as_str());
            self.discard.append_option(o.discard(r));
        }
    }

    fn finish(mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(self.row.finish()), Arc::new(self.index.finish())];
        columns.extend(
            self.fields
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.push(Arc::new(self.ingested.finish()));
        for b in [
            &mut self.issues,
            &mut self.consent,
            &mut self.destination,
            &mut self.decision,
            &mut self.reason,
            &mut self.mode,
            &mut self.discard,
        ] {
            columns.push(Arc::new(b.finish()));
        }
        RecordBatch::try_new(Arc::new(schema()), columns)
    }
}

/// The events of a string column, each decided on its own (as `judge`), a null as an empty
/// line (which is not ingested).
fn decide_all<'a>(
    ws: &crate::settings::Workspace,
    lines: impl Fn(usize) -> Option<&'a [u8]>,
    n: usize,
) -> Columns {
    let file: Arc<str> = Arc::from("<arrow>");
    let mut columns = Columns::new();
    for i in 0..n {
        let line = lines(i).unwrap_or_default();
        for r in records(&file, i as u64 + 1, line) {
            columns.push(ws, i as u64, judge_alone(ws, r).outcome());
        }
    }
    columns
}

/// A C struct of the Arrow C data interface in a capsule: the capsule's pointer is the
/// struct's (`repr(transparent)`), as the interface's consumers expect.
#[repr(transparent)]
struct Exported<T>(T);

// Safety: the structs own their buffers and release them from any thread, as the C data
// interface requires of a producer.
unsafe impl<T> Send for Exported<T> {}

/// A record batch handed to Python through the Arrow C data interface, once. Its C structs
/// hold raw pointers: it stays on the thread that made it.
#[pyclass(module = "consent_inspector", unsendable)]
pub struct ArrowBatch {
    exported: Option<(FFI_ArrowSchema, FFI_ArrowArray)>,
}

#[pymethods]
impl ArrowBatch {
    /// The `PyCapsule` protocol: `pyarrow.record_batch(this)` takes the batch without
    /// copying. A requested schema is not honoured: the batch is as `schema` says.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        let (schema, array) = self
            .exported
            .take()
            .ok_or_else(|| PyValueError::new_err("this batch was already taken"))?;
        let schema = PyCapsule::new_with_value(py, Exported(schema), c"arrow_schema")?;
        let array = PyCapsule::new_with_value(py, Exported(array), c"arrow_array")?;
        Ok((schema, array))
    }
}

/// Imports an Arrow string column (`string` or `large_string`) from any object that speaks
/// the `PyCapsule` protocol (a pyarrow array, a chunk of a Spark batch).
fn import(column: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = column
        .call_method0("__arrow_c_array__")
        .map_err(|_| PyTypeError::new_err("route_arrow takes an Arrow string array"))?
        .extract()?;
    let schema = schema
        .pointer_checked(Some(c"arrow_schema"))?
        .cast::<FFI_ArrowSchema>();
    let array = array
        .pointer_checked(Some(c"arrow_array"))?
        .cast::<FFI_ArrowArray>();
    // Safety: the capsules are the producer's, valid while held; `from_raw` moves the array
    // out (marking the producer's released) and the schema is read, not moved.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array.as_ptr());
        from_ffi(array, schema.as_ref())
    }
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(arrow_array::make_array(data))
}

/// One row per route for each event of an Arrow string column (`route_arrow`).
#[pyfunction]
pub fn _route_arrow(
    py: Python<'_>,
    workspace: &Workspace,
    column: &Bound<'_, PyAny>,
) -> PyResult<ArrowBatch> {
    let array = import(column)?;
    let ws = workspace.inner.clone();
    let batch = py.detach(move || {
        let columns = if let Some(a) = array.as_any().downcast_ref::<StringArray>() {
            decide_all(
                &ws,
                |i| a.is_valid(i).then(|| a.value(i).as_bytes()),
                a.len(),
            )
        } else if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
            decide_all(
                &ws,
                |i| a.is_valid(i).then(|| a.value(i).as_bytes()),
                a.len(),
            )
        } else {
            return Err(format!(
                "route_arrow takes a string column, not {}",
                array.data_type()
            ));
        };
        columns.finish().map_err(|e| e.to_string())
    });
    let batch = batch.map_err(PyTypeError::new_err)?;
    let (array, schema) = to_ffi(&StructArray::from(batch).into_data())
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(ArrowBatch {
        exported: Some((schema, array)),
    })
}

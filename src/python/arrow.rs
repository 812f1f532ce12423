//! `route_arrow`: a column of raw event JSON in, one row per route out, through the Arrow C
//! data interface (the `__arrow_c_array__` capsules pyarrow and Spark's `mapInArrow` speak), so
//! no row is copied through Python objects. The GIL is released while the events are decided.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, DictionaryArray, Int32Array, LargeStringArray, RecordBatch, StringArray,
    StructArray,
};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::{Workspace, records};
use crate::engine::{Outcome, judge_alone};
use crate::read::event::{Field as EventField, Raw};
use crate::rules::verdict::{Decision, Mode, REASONS};
use crate::rules::vocab::DECISIONS;

/// A dictionary-encoded string column: a route repeats its event's values (one per destination)
/// and its destination's, decision's, reason's and mode's few values, so each is kept once.
fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The columns, in order: where the route comes from, what the event is, and the route.
fn schema() -> Schema {
    let text = |name: &str, nullable: bool| Field::new(name, dictionary(), nullable);
    Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("index", DataType::UInt32, true),
        text("type", true),
        text("event", true),
        text("userId", true),
        text("anonymousId", true),
        text("messageId", true),
        Field::new("ingested", DataType::Boolean, false),
        text("issues", false),
        text("consent", true),
        text("destination", false),
        text("decision", false),
        text("reason", false),
        text("mode", false),
        Field::new("discard", DataType::Utf8, true),
    ])
}

/// The builders of `schema`'s columns, filled one route at a time: the per-event texts once
/// per event (`event_values`, indexed by `event_keys`), the per-route ones as indices into their
/// fixed values.
struct Columns {
    row: UInt64Builder,
    index: UInt32Builder,
    ingested: BooleanBuilder,
    /// Per event: type, event, userId, anonymousId, messageId, issues, consent.
    event_values: [StringBuilder; 7],
    events: i32,
    /// Per route: its event's place in `event_values`.
    event_keys: Int32Builder,
    destination: Int32Builder,
    decision: Int32Builder,
    reason: Int32Builder,
    mode: Int32Builder,
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
    /// Builders sized for `rows` routes of `events` events of `bytes` bytes in all, so that
    /// they do not grow (and copy) as they fill.
    fn with_capacity(rows: usize, events: usize, bytes: usize) -> Self {
        let per_event = bytes / events.max(1);
        Self {
            row: UInt64Builder::with_capacity(rows),
            index: UInt32Builder::with_capacity(rows),
            ingested: BooleanBuilder::with_capacity(rows),
            event_values: std::array::from_fn(|_| {
                StringBuilder::with_capacity(events, events * per_event.min(64))
            }),
            events: 0,
            event_keys: Int32Builder::with_capacity(rows),
            destination: Int32Builder::with_capacity(rows),
            decision: Int32Builder::with_capacity(rows),
            reason: Int32Builder::with_capacity(rows),
            mode: Int32Builder::with_capacity(rows),
            discard: StringBuilder::with_capacity(rows, rows * 8),
        }
    }

    /// One row per route of `o`, the record of input row `row`.
    fn push(&mut self, row: u64, o: &Outcome) {
        let ev = o.event();
        // A field as text: a string as it is, another value as its JSON text as written.
        for (b, f) in self.event_values.iter_mut().zip(FIELDS) {
            match ev.and_then(|e| e.get(f)) {
                Some(Raw::Str(s)) => b.append_value(s),
                Some(other) => b.append_value(other.to_json()),
                None => b.append_null(),
            }
        }
        let codes: Vec<&str> = o.findings.iter().map(|f| f.code.as_str()).collect();
        self.event_values[5].append_value(serde_json::to_string(&codes).unwrap_or_default());
        // As the NDJSON contract's `consent`: the preferences, as written.
        match ev.and_then(crate::read::event::Doc::preferences_raw) {
            Some(p) => self.event_values[6]
                .append_value(format!("{{\"categoryPreferences\":{}}}", p.to_json())),
            None => self.event_values[6].append_null(),
        }
        let event = self.events;
        self.events += 1;
        for r in &o.routes {
            self.row.append_value(row);
            self.index.append_option(o.origin.index);
            self.ingested.append_value(o.ingested());
            self.event_keys.append_value(event);
            self.destination.append_value(r.destination as i32);
            // Indices into the values `finish` gives each column.
            let decision = Decision::verb_index_of(r.decision.reason_index());
            self.decision.append_value(decision as i32);
            self.reason.append_value(r.decision.reason_index() as i32);
            self.mode.append_value(r.mode as i32);
            self.discard.append_option(o.discard(r));
        }
    }

    fn finish(mut self, ws: &crate::workspace::Workspace) -> Result<RecordBatch, ArrowError> {
        let dict = |keys: Int32Array, values: ArrayRef| -> Result<ArrayRef, ArrowError> {
            Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
                keys, values,
            )?))
        };
        let fixed = |names: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(names)) };
        let keys = self.event_keys.finish();
        let mut event_columns = self
            .event_values
            .iter_mut()
            .map(|b| dict(keys.clone(), Arc::new(b.finish())))
            .collect::<Result<Vec<_>, _>>()?;
        let (issues, consent) = (event_columns.remove(5), event_columns.remove(5));
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(self.row.finish()), Arc::new(self.index.finish())];
        columns.extend(event_columns);
        columns.push(Arc::new(self.ingested.finish()));
        columns.push(issues);
        columns.push(consent);
        let names = ws.destinations.iter().map(|d| d.name.as_str()).collect();
        columns.push(dict(self.destination.finish(), fixed(names))?);
        columns.push(dict(self.decision.finish(), fixed(DECISIONS.to_vec()))?);
        columns.push(dict(self.reason.finish(), fixed(REASONS.to_vec()))?);
        let modes = Mode::ALL.iter().map(|m| m.as_str()).collect();
        columns.push(dict(self.mode.finish(), fixed(modes))?);
        columns.push(Arc::new(self.discard.finish()));
        RecordBatch::try_new(Arc::new(schema()), columns)
    }
}

/// The events of a string column, each decided on its own (as `judge`), a null as an empty
/// line (which is not ingested).
fn decide_all<'a>(
    ws: &crate::workspace::Workspace,
    lines: impl Fn(usize) -> Option<&'a [u8]>,
    n: usize,
    bytes: usize,
) -> Columns {
    let file: Arc<str> = Arc::from("<arrow>");
    let mut columns = Columns::with_capacity(n * ws.destinations.len(), n, bytes);
    for i in 0..n {
        let line = lines(i).unwrap_or_default();
        for r in records(&file, i as u64 + 1, line) {
            columns.push(i as u64, judge_alone(ws, r).outcome());
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
                a.value_data().len(),
            )
        } else if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
            decide_all(
                &ws,
                |i| a.is_valid(i).then(|| a.value(i).as_bytes()),
                a.len(),
                a.value_data().len(),
            )
        } else {
            return Err(format!(
                "route_arrow takes a string column, not {}",
                array.data_type()
            ));
        };
        columns.finish(&ws).map_err(|e| e.to_string())
    });
    let batch = batch.map_err(PyTypeError::new_err)?;
    let (array, schema) = to_ffi(&StructArray::from(batch).into_data())
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(ArrowBatch {
        exported: Some((schema, array)),
    })
}

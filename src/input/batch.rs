//! Segment batch payloads (`{"batch": [...]}`): each element is an event; the batch's own
//! `context` and `integrations` apply to elements that lack theirs.

use std::io;

use serde_json::Value;

use super::{Origin, Record, RecordError};

/// Pushes the records held by one parsed line or request body: the value itself, or the
/// elements of a batch payload.
pub fn expand(origin: Origin, size: usize, value: Value, out: &mut Vec<Record>) {
    let Value::Object(mut obj) = value else {
        out.push(Record {
            origin,
            size,
            json: Ok(value),
        });
        return;
    };
    let is_batch = !obj.contains_key("type") && matches!(obj.get("batch"), Some(Value::Array(_)));
    if !is_batch {
        out.push(Record {
            origin,
            size,
            json: Ok(Value::Object(obj)),
        });
        return;
    }
    let Some(Value::Array(elements)) = obj.remove("batch") else {
        unreachable!("checked above")
    };
    if elements.is_empty() {
        out.push(Record {
            origin,
            size,
            json: Err(RecordError::EmptyBatch),
        });
        return;
    }
    let shared: Vec<(&str, Value)> = ["context", "integrations"]
        .into_iter()
        .filter_map(|k| obj.get(k).filter(|v| !v.is_null()).map(|v| (k, v.clone())))
        .collect();
    for (i, mut element) in elements.into_iter().enumerate() {
        if let Value::Object(el) = &mut element {
            for (k, v) in &shared {
                if el.get(*k).is_none_or(Value::is_null) {
                    el.insert((*k).to_owned(), v.clone());
                }
            }
        }
        out.push(Record {
            origin: Origin {
                index: Some(u32::try_from(i).unwrap_or(u32::MAX)),
                ..origin.clone()
            },
            size: json_len(&element),
            json: Ok(element),
        });
    }
}

/// Length in bytes of the compact JSON of `v`, without building the string.
pub fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    serde_json::to_writer(&mut c, v).map_or(0, |()| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn origin() -> Origin {
        Origin {
            file: Arc::from("b.jsonl"),
            line: 7,
            index: None,
            offset: 0,
        }
    }

    #[test]
    fn elements_inherit_batch_context_and_integrations() {
        let line = json!({
            "batch": [
                {"type": "track", "event": "A"},
                {"type": "track", "event": "B", "context": {"own": true}},
                "not an object"
            ],
            "context": {"consent": {"categoryPreferences": {"C0001": true}}},
            "integrations": {"All": false}
        });
        let mut out = Vec::new();
        expand(origin(), 100, line, &mut out);
        assert_eq!(out.len(), 3);
        let a = out[0].json.as_ref().unwrap();
        assert_eq!(
            a["context"]["consent"]["categoryPreferences"]["C0001"],
            json!(true)
        );
        assert_eq!(a["integrations"], json!({"All": false}));
        assert_eq!(out[0].size, json_len(a));
        let b = out[1].json.as_ref().unwrap();
        assert_eq!(b["context"], json!({"own": true}));
        assert_eq!(out[2].json.as_ref().unwrap(), &json!("not an object"));
        let idx: Vec<_> = out
            .iter()
            .map(|r| (r.origin.line, r.origin.index))
            .collect();
        assert_eq!(idx, vec![(7, Some(0)), (7, Some(1)), (7, Some(2))]);
    }

    #[test]
    fn an_event_with_a_type_is_not_a_batch() {
        let mut out = Vec::new();
        expand(origin(), 5, json!({"type": "track", "batch": []}), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].origin.index, None);
    }

    #[test]
    fn an_empty_batch_is_reported() {
        let mut out = Vec::new();
        expand(origin(), 12, json!({"batch": []}), &mut out);
        assert_eq!(out[0].json, Err(RecordError::EmptyBatch));
    }
}

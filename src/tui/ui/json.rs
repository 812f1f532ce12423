//! Pretty-printed JSON with colours, where the lines that hold a finding's path are marked.

use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::text::printable;
use crate::validate::join_path;

use super::Theme;

/// The lines of `value`, indented; a line whose path is in `marked` starts with `▶`.
pub fn lines(value: &Value, marked: &[&str], theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut w = Writer {
        out: &mut out,
        marked,
        theme,
    };
    w.value(value, "", 0, None, true);
    out
}

struct Writer<'a> {
    out: &'a mut Vec<Line<'static>>,
    marked: &'a [&'a str],
    theme: Theme,
}

fn child(base: &str, key: &str) -> String {
    if base.is_empty() {
        join_path("", key).trim_start_matches('.').to_owned()
    } else {
        join_path(base, key)
    }
}

impl Writer<'_> {
    fn scalar(&self, v: &Value) -> Span<'static> {
        match v {
            Value::String(s) => Span::styled(format!("\"{}\"", printable(s)), self.theme.string()),
            Value::Number(n) => Span::styled(n.to_string(), self.theme.number()),
            Value::Bool(b) => Span::styled(b.to_string(), self.theme.accent()),
            Value::Null => Span::styled("null", self.theme.dim()),
            _ => Span::raw(""),
        }
    }

    /// Writes one member (or element) starting a line; `key` is None for array elements.
    fn value(&mut self, v: &Value, path: &str, depth: usize, key: Option<&str>, last: bool) {
        let is_marked = !path.is_empty() && self.marked.contains(&path);
        let mut head = vec![Span::styled(
            if is_marked { "▶ " } else { "  " },
            self.theme.error(),
        )];
        head.push(Span::raw("  ".repeat(depth)));
        if let Some(k) = key {
            let style = if is_marked {
                self.theme.marked_key()
            } else {
                self.theme.key()
            };
            head.push(Span::styled(format!("\"{}\"", printable(k)), style));
            head.push(Span::raw(": "));
        }
        let comma = if last { "" } else { "," };
        match v {
            Value::Object(m) if !m.is_empty() => {
                head.push(Span::raw("{"));
                self.out.push(Line::from(head));
                let n = m.len();
                for (i, (k, child_v)) in m.iter().enumerate() {
                    self.value(child_v, &child(path, k), depth + 1, Some(k), i + 1 == n);
                }
                self.close("}", depth, comma);
            }
            Value::Array(a) if !a.is_empty() => {
                head.push(Span::raw("["));
                self.out.push(Line::from(head));
                let n = a.len();
                for (i, el) in a.iter().enumerate() {
                    self.value(el, &format!("{path}[{i}]"), depth + 1, None, i + 1 == n);
                }
                self.close("]", depth, comma);
            }
            Value::Object(_) => {
                head.push(Span::raw(format!("{{}}{comma}")));
                self.out.push(Line::from(head));
            }
            Value::Array(_) => {
                head.push(Span::raw(format!("[]{comma}")));
                self.out.push(Line::from(head));
            }
            scalar => {
                head.push(self.scalar(scalar));
                head.push(Span::raw(comma.to_owned()));
                self.out.push(Line::from(head));
            }
        }
    }

    fn close(&mut self, bracket: &str, depth: usize, comma: &str) {
        self.out.push(Line::from(format!(
            "  {}{bracket}{comma}",
            "  ".repeat(depth)
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn marks_the_lines_of_problem_paths_and_escapes_strings() {
        let v: Value = serde_json::from_str(
            r#"{"type":"track","context":{"consent":{"version":"2","categoryPreferences":{"ads.v2":true}}},"x":["\u001b[2J"]}"#,
        )
        .unwrap();
        let got = text(&lines(
            &v,
            &[
                "context.consent.version",
                "context.consent.categoryPreferences[\"ads.v2\"]",
            ],
            Theme { color: false },
        ));
        assert_eq!(
            got,
            vec![
                "  {",
                "    \"type\": \"track\",",
                "    \"context\": {",
                "      \"consent\": {",
                "▶       \"version\": \"2\",",
                "        \"categoryPreferences\": {",
                "▶         \"ads.v2\": true",
                "        }",
                "      }",
                "    },",
                "    \"x\": [",
                "      \"\\e[2J\"",
                "    ]",
                "  }",
            ]
        );
    }
}

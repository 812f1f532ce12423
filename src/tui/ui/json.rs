//! Pretty-printed JSON with colours, where the lines that hold a finding's path are marked.
//! Objects and arrays fold; long strings show their start and their length until opened.

use crate::read::event::{Json as JsonValue, Shape};
use ratatui::text::{Line, Span};

use crate::rules::finding::join_path;
use crate::text::{mask_secret, printable};

use super::Theme;

/// Strings longer than this many characters show only their start until opened.
pub const LONG_STRING: usize = 200;

/// The JSON's lines, and for each the path of what Enter folds or opens there, if anything.
pub struct Json {
    pub lines: Vec<Line<'static>>,
    pub folds: Vec<Option<String>>,
}

/// The lines of `value`, indented; a line whose path is in `marked` (or a fold that hides
/// one) starts with `▶`; a line whose path has a note ends with it (which destinations do not
/// receive the field). `toggled` holds the paths shown otherwise than by default: folded
/// objects and arrays, opened long strings. The root's path is "". `value` is read in the
/// event's text where it can be, so numbers show as written.
pub fn lines<'a, J: JsonValue<'a>>(
    value: J,
    marked: &[&str],
    notes: &[(String, String)],
    toggled: &dyn Fn(&str) -> bool,
    theme: Theme,
) -> Json {
    let mut w = Writer {
        out: Json {
            lines: Vec::new(),
            folds: Vec::new(),
        },
        marked,
        notes,
        toggled,
        theme,
    };
    w.value(value, "", 0, None, true);
    w.out
}

/// Deeper containers show folded for good: the view recurses, and a line may nest a
/// hundred thousand levels within its size limit.
pub const MAX_DEPTH: usize = 100;

/// Indentation stops growing here, so deep lines stay within the pane; deeper lines name
/// their level instead (`‹57›`).
const MAX_INDENT: usize = 30;

/// The indentation of a line at `depth`.
fn indent(depth: usize) -> String {
    if depth <= MAX_INDENT {
        "  ".repeat(depth)
    } else {
        format!("{}‹{depth}› ", "  ".repeat(MAX_INDENT))
    }
}

struct Writer<'a> {
    out: Json,
    marked: &'a [&'a str],
    notes: &'a [(String, String)],
    toggled: &'a dyn Fn(&str) -> bool,
    theme: Theme,
}

/// Whether `path` is `within` or inside it.
fn inside(path: &str, within: &str) -> bool {
    within.is_empty()
        || path
            .strip_prefix(within)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn child(base: &str, key: &str) -> String {
    if base.is_empty() {
        join_path("", key).trim_start_matches('.').to_owned()
    } else {
        join_path(base, key)
    }
}

impl Writer<'_> {
    /// `line` with the note of `path`, if it has one, at its end.
    fn noted(&self, mut line: Line<'static>, path: &str) -> Line<'static> {
        if let Some((_, note)) = self.notes.iter().find(|(n, _)| n == path) {
            line.spans
                .push(Span::styled(format!("  ← {note}"), self.theme.dim()));
        }
        line
    }

    fn push(&mut self, line: Line<'static>, fold: Option<&str>) {
        self.out.lines.push(line);
        self.out.folds.push(fold.map(str::to_owned));
    }

    fn quoted(&self, s: &str) -> Span<'static> {
        Span::styled(format!("\"{}\"", printable(s)), self.theme.string())
    }

    /// A string over `LONG_STRING` characters, shortened unless opened: its spans, and
    /// whether it is long (so Enter opens or shortens it).
    fn string(&self, s: &str, path: &str) -> (Vec<Span<'static>>, bool) {
        let chars = s.chars().count();
        if chars <= LONG_STRING {
            return (vec![self.quoted(s)], false);
        }
        if (self.toggled)(path) {
            let spans = vec![
                self.quoted(s),
                Span::styled(format!(" ({chars} characters)"), self.theme.dim()),
            ];
            return (spans, true);
        }
        let start: String = s.chars().take(LONG_STRING).collect();
        (
            vec![
                Span::styled(format!("\"{}…", printable(&start)), self.theme.string()),
                Span::styled(
                    format!(" ({chars} characters; Enter shows all)"),
                    self.theme.dim(),
                ),
            ],
            true,
        )
    }

    /// Writes one member (or element) starting a line; `key` is None for array elements.
    fn value<'a, J: JsonValue<'a>>(
        &mut self,
        v: J,
        path: &str,
        depth: usize,
        key: Option<&str>,
        last: bool,
    ) {
        let shape = v.shape();
        let container = matches!(shape, Shape::Object | Shape::Array);
        let members = if shape == Shape::Object {
            v.members()
        } else {
            Vec::new()
        };
        let elements = if shape == Shape::Array {
            v.elements()
        } else {
            Vec::new()
        };
        let size = members.len() + elements.len();
        let too_deep = container && size > 0 && depth >= MAX_DEPTH;
        let folded = container && size > 0 && ((self.toggled)(path) || too_deep);
        let is_marked = (!path.is_empty() && self.marked.contains(&path))
            || (folded && self.marked.iter().any(|m| inside(m, path)));
        let mut head = vec![Span::styled(
            if is_marked { "▶ " } else { "  " },
            self.theme.error(),
        )];
        head.push(Span::raw(indent(depth)));
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
        if folded {
            self.folded(head, shape == Shape::Object, size, too_deep, comma, path);
            return;
        }
        match shape {
            Shape::Object if size > 0 => {
                head.push(Span::raw("{"));
                self.push(self.noted(Line::from(head), path), Some(path));
                for (i, (k, child_v)) in members.into_iter().enumerate() {
                    self.value(
                        child_v,
                        &child(path, &k),
                        depth + 1,
                        Some(&k),
                        i + 1 == size,
                    );
                }
                self.close("}", depth, comma);
            }
            Shape::Array if size > 0 => {
                head.push(Span::raw("["));
                self.push(self.noted(Line::from(head), path), Some(path));
                for (i, el) in elements.into_iter().enumerate() {
                    self.value(el, &format!("{path}[{i}]"), depth + 1, None, i + 1 == size);
                }
                self.close("]", depth, comma);
            }
            Shape::Object | Shape::Array => {
                let empty = if shape == Shape::Object { "{}" } else { "[]" };
                head.push(Span::raw(format!("{empty}{comma}")));
                self.push(self.noted(Line::from(head), path), None);
            }
            // A write key (analytics.js puts one in every call's body) is never shown whole.
            Shape::Str(s) if key == Some("writeKey") => {
                head.push(Span::styled(
                    format!("\"{}\"", mask_secret(&s)),
                    self.theme.string(),
                ));
                head.push(Span::raw(comma.to_owned()));
                head.push(Span::styled(" (write key, masked)", self.theme.dim()));
                self.push(self.noted(Line::from(head), path), None);
            }
            Shape::Str(s) => {
                let (spans, long) = self.string(&s, path);
                // The comma before the length note, where JSON would have it.
                let mut spans = spans.into_iter();
                head.extend(spans.next());
                head.push(Span::raw(comma.to_owned()));
                head.extend(spans);
                self.push(self.noted(Line::from(head), path), long.then_some(path));
            }
            scalar => {
                let span = match scalar {
                    Shape::Number(n) => Span::styled(
                        v.number_text()
                            .map_or_else(|| n.to_string(), std::borrow::Cow::into_owned),
                        self.theme.number(),
                    ),
                    Shape::Bool(b) => Span::styled(b.to_string(), self.theme.accent()),
                    _ => Span::styled("null", self.theme.dim()),
                };
                head.push(span);
                head.push(Span::raw(comma.to_owned()));
                self.push(self.noted(Line::from(head), path), None);
            }
        }
    }

    /// A folded object or array: its size, and why it cannot open where it is too deep.
    fn folded(
        &mut self,
        mut head: Vec<Span<'static>>,
        object: bool,
        size: usize,
        too_deep: bool,
        comma: &str,
        path: &str,
    ) {
        let (brackets, what) = if object {
            ("{…}", "key")
        } else {
            ("[…]", "item")
        };
        head.push(Span::raw(format!("{brackets}{comma}")));
        head.push(Span::styled(count(size, what), self.theme.dim()));
        if too_deep {
            head.push(Span::styled(
                format!(" (nested over {MAX_DEPTH} levels: c copies the line as written)"),
                self.theme.dim(),
            ));
        }
        let fold = (!too_deep).then_some(path);
        self.push(self.noted(Line::from(head), path), fold);
    }

    fn close(&mut self, bracket: &str, depth: usize, comma: &str) {
        let line = Line::from(format!("  {}{bracket}{comma}", indent(depth)));
        self.push(line, None);
    }
}

/// ` 3 keys`, ` 1 item`: what a fold hides.
fn count(n: usize, what: &str) -> String {
    format!("  {n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use foldhash::HashSet;
    use serde_json::Value;

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
        let got = text(
            &lines(
                &v,
                &[
                    "context.consent.version",
                    "context.consent.categoryPreferences[\"ads.v2\"]",
                ],
                &[],
                &|_| false,
                Theme::MONOCHROME,
            )
            .lines,
        );
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

    #[test]
    fn fields_a_destination_will_not_receive_say_so() {
        let v: Value =
            serde_json::from_str(r#"{"traits":{"email":"a@b.c","plan":"pro"}}"#).unwrap();
        let notes = [("traits.email".to_owned(), "not sent to Intercom".to_owned())];
        let got = text(&lines(&v, &[], &notes, &|_| false, Theme::MONOCHROME).lines);
        assert_eq!(
            got[2],
            "      \"email\": \"a@b.c\",  ← not sent to Intercom"
        );
        assert_eq!(got[3], "      \"plan\": \"pro\"");
    }

    #[test]
    fn write_keys_are_masked_wherever_they_stand() {
        let v: Value = serde_json::from_str(
            r#"{"writeKey":"wk_1234567890abcdef1234567890ab","batch":[{"writeKey":"wk_secret_of_the_element_here"}]}"#,
        )
        .unwrap();
        let got = text(&lines(&v, &[], &[], &|_| false, Theme::MONOCHROME).lines).join("\n");
        assert!(!got.contains("wk_1234567890"), "{got}");
        assert!(!got.contains("secret"), "{got}");
        assert!(
            got.contains("\"writeKey\": \"wk_…\", (write key, masked)"),
            "{got}"
        );
        assert!(
            got.contains("\"writeKey\": \"wk_…\" (write key, masked)"),
            "{got}"
        );
    }

    #[test]
    fn folds_hide_their_contents_and_keep_a_finding_marked() {
        let v: Value =
            serde_json::from_str(r#"{"context":{"consent":{"version":"2"}},"list":[1,2,3],"x":1}"#)
                .unwrap();
        let toggled: HashSet<String> = ["context".to_owned(), "list".to_owned()]
            .into_iter()
            .collect();
        let json = lines(
            &v,
            &["context.consent.version"],
            &[],
            &|p| toggled.contains(p),
            Theme::MONOCHROME,
        );
        assert_eq!(
            text(&json.lines),
            vec![
                "  {",
                "▶   \"context\": {…},  1 key",
                "    \"list\": […],  3 items",
                "    \"x\": 1",
                "  }",
            ]
        );
        assert_eq!(
            json.folds,
            vec![
                Some(String::new()),
                Some("context".into()),
                Some("list".into()),
                None,
                None
            ]
        );
        // The root folds too.
        let root: HashSet<String> = std::iter::once(String::new()).collect();
        let json = lines(&v, &[], &[], &|p| root.contains(p), Theme::MONOCHROME);
        assert_eq!(text(&json.lines), vec!["  {…}  3 keys"]);
    }

    #[test]
    fn long_strings_show_their_start_and_length_until_opened() {
        let long = "é".repeat(LONG_STRING + 50);
        let v = serde_json::json!({"note": long, "b": true});
        let json = lines(&v, &[], &[], &|_| false, Theme::MONOCHROME);
        let line = &text(&json.lines)[1];
        assert!(line.starts_with("    \"note\": \"éé"), "{line}");
        assert!(
            line.ends_with("é…, (250 characters; Enter shows all)"),
            "{line}"
        );
        assert_eq!(line.matches('é').count(), LONG_STRING);
        assert_eq!(json.folds[1].as_deref(), Some("note"));
        let opened: HashSet<String> = std::iter::once("note".to_owned()).collect();
        let json = lines(&v, &[], &[], &|p| opened.contains(p), Theme::MONOCHROME);
        let line = &text(&json.lines)[1];
        assert_eq!(line.matches('é').count(), LONG_STRING + 50);
        assert!(line.ends_with("\", (250 characters)"), "{line}");
    }
}

//! The triggers of Actions destinations' mappings (`type = "track" and event = "Order
//! Completed"`), read and decided as Segment's `@segment/destination-subscriptions` does:
//! `parseFql` over `@segment/fql-ts`'s lexer into a condition tree, then `validate`.
//! `tests/triggers.rs` holds both halves to the package itself, tree for tree and verdict for
//! verdict, on generated triggers and events.

use serde_json::{Map, Value, json};

use crate::read::event::{Json, Shape};

/// A parsed trigger: the condition tree as the package builds it (its JSON is the package's).
#[derive(Debug, Clone)]
pub struct Trigger {
    pub tree: Value,
    /// The tree compiled once for evaluation: no lookups by key name per event.
    compiled: Cond,
}

/// A condition of the tree, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
enum Cond {
    /// `and` (true) or `or` (false), or an operator the package does not know (None: false);
    /// a None child is the empty slot the package throws on.
    Group {
        all: Option<bool>,
        children: Vec<Option<Cond>>,
    },
    Leaf {
        /// The top-level field read (`type`, `properties`, ...).
        field: &'static str,
        /// For properties, traits and context: the keys below it.
        keys: Option<Vec<String>>,
        operator: String,
        /// `String(expected)` and `Number(expected)`, computed once.
        text: String,
        number: f64,
    },
    /// A condition type the package does not know: false.
    Unknown,
}

/// Equal trees are equal triggers: the compiled form holds NaN for a text that is no number,
/// which would make a trigger unequal to itself.
impl PartialEq for Trigger {
    fn eq(&self, other: &Self) -> bool {
        self.tree == other.tree
    }
}

impl Trigger {
    /// As `parseFql`: a mistake is an error condition, which matches nothing.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = lex(text)?;
        let mut tokens = normalize(&tokens);
        let tree = parse(&mut tokens)?;
        let tree = match tree {
            Some(t) if t.get("type") == Some(&json!("group")) => t,
            Some(t) if !t.is_null() => {
                json!({"type": "group", "operator": "and", "children": [t]})
            }
            // Nothing the package can read (`match(type, …)` makes no condition): its
            // `ast.type` throws.
            _ => return Err("the trigger has no condition Segment can read".into()),
        };
        let compiled = compile(&tree);
        Ok(Self { tree, compiled })
    }

    /// As `validate(condition, event)`; where the package throws (a group with an empty
    /// slot, reached before the answer is known), no mapping fires.
    pub fn matches<'a, N: Json<'a>>(&self, event: N) -> bool {
        eval(&self.compiled, event).unwrap_or(false)
    }
}

// ---------------------------------------------------------------------------------------
// fql-ts's lexer, as destination-subscriptions uses it

#[derive(Debug, Clone, PartialEq)]
struct Tok {
    kind: Kind,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ident,
    Dot,
    Operator,
    Conditional,
    String,
    Number,
    Null,
    BrackLeft,
    BrackRight,
    ParenLeft,
    ParenRight,
    Comma,
    Eos,
}

fn tok(kind: Kind, value: impl Into<String>) -> Tok {
    Tok {
        kind,
        value: value.into(),
    }
}

fn is_terminator(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\n' | ',' | ']' | ')'))
}

fn is_ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '\\')
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied();
        if c.is_some() {
            self.at += 1;
        }
        c
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// fql-ts's `accept`: the exact text, then a terminator; else nothing consumed.
    fn accept(&mut self, s: &str) -> bool {
        let start = self.at;
        let mut got = String::new();
        for _ in s.chars() {
            match self.next() {
                None => {
                    self.at = start;
                    return false;
                }
                Some(c) => {
                    got.push(c);
                    if is_terminator(Some(c)) {
                        break;
                    }
                }
            }
        }
        if got == s && is_terminator(self.peek()) {
            true
        } else {
            self.at = start;
            false
        }
    }

    fn ident(&mut self, first: char) -> Result<Tok, String> {
        let mut s = String::new();
        let mut c = first;
        loop {
            if c == '\\' {
                c = self
                    .next()
                    .ok_or("expected character after escape character, got EOS")?;
            }
            s.push(c);
            if !is_ident_char(self.peek()) {
                break;
            }
            c = self.next().unwrap_or(' ');
        }
        let up = self.peek();
        if !(is_terminator(up) || matches!(up, Some('.' | '(' | '=' | '!'))) {
            return Err(format!(
                "expected termination character after identifier, got {}",
                up.map_or("EOS".into(), String::from)
            ));
        }
        Ok(tok(Kind::Ident, s))
    }
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut l = Lexer {
        chars: text.chars().collect(),
        at: 0,
    };
    let mut out = Vec::new();
    loop {
        let Some(c) = l.next() else {
            out.push(tok(Kind::Eos, "eos"));
            return Ok(out);
        };
        if matches!(c, ' ' | '\t' | '\n') {
            continue;
        }
        if c == '!'
            && l.peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || n == '(')
        {
            out.push(tok(Kind::Operator, "!"));
            continue;
        }
        if c.is_ascii_alphabetic() || matches!(c, '!' | '=' | '>' | '<' | '\\' | '_') {
            let t = match c {
                '=' => tok(Kind::Operator, "="),
                '!' => {
                    if l.accept("=") {
                        tok(Kind::Operator, "!=")
                    } else {
                        return Err(format!("expected '=' after '!', got '{:?}'", l.peek()));
                    }
                }
                'a' if l.accept("nd") => tok(Kind::Conditional, "and"),
                'o' if l.accept("r") => tok(Kind::Conditional, "or"),
                'n' if l.accept("ull") => tok(Kind::Null, "null"),
                '<' | '>' => {
                    if l.accept("=") {
                        tok(Kind::Operator, format!("{c}="))
                    } else {
                        tok(Kind::Operator, c.to_string())
                    }
                }
                _ => l.ident(c)?,
            };
            out.push(t);
            continue;
        }
        if c.is_ascii_digit() || c == '-' || c == '+' {
            let mut s = c.to_string();
            let mut decimal = false;
            while let Some(n) = l.peek().filter(|n| n.is_ascii_digit() || *n == '.') {
                l.next();
                s.push(n);
                if n == '.' {
                    if is_terminator(l.peek()) {
                        return Err("unexpected terminator after decimal point".into());
                    }
                    if decimal {
                        return Err("multiple decimal points in one number".into());
                    }
                    decimal = true;
                }
            }
            out.push(tok(Kind::Number, s));
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            while l.peek() != Some(c) {
                match l.next() {
                    Some(x) => s.push(x),
                    None => return Err("unterminated string".into()),
                }
            }
            l.next();
            out.push(tok(Kind::String, format!("{c}{s}{c}")));
            continue;
        }
        let single = match c {
            '.' => Kind::Dot,
            '[' => Kind::BrackLeft,
            ']' => Kind::BrackRight,
            ',' => Kind::Comma,
            '(' => Kind::ParenLeft,
            ')' => Kind::ParenRight,
            _ => return Err(format!("invalid character \"{c}\"")),
        };
        out.push(tok(single, c.to_string()));
    }
}

/// `normalize`: `ident . ident` becomes one ident, so paths are single tokens.
fn normalize(tokens: &[Tok]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let joinable = out.last().is_some_and(|l| l.kind == Kind::Ident)
            && tokens[i].kind == Kind::Dot
            && tokens.get(i + 1).is_some_and(|n| n.kind == Kind::Ident);
        if joinable {
            let prev = out.pop().unwrap_or_else(|| tok(Kind::Ident, ""));
            out.push(tok(
                Kind::Ident,
                format!("{}.{}", prev.value, tokens[i + 1].value),
            ));
            i += 2;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// destination-subscriptions' parser

/// `getTokenValue`: double quotes stripped from strings (single ones stay), numbers as
/// numbers, `true`/`false` idents as booleans, the rest as text.
fn token_value(t: &Tok) -> Value {
    match t.kind {
        Kind::String => {
            let s = t.value.strip_prefix('"').unwrap_or(&t.value);
            Value::from(s.strip_suffix('"').unwrap_or(s))
        }
        Kind::Number => js_number_value(&t.value),
        Kind::Ident if t.value == "true" || t.value == "false" => Value::from(t.value == "true"),
        _ => Value::from(t.value.clone()),
    }
}

/// `Number(text)` as JSON (NaN, which JSON has not, stays text for `String()` to give back).
fn js_number_value(text: &str) -> Value {
    match text.parse::<f64>() {
        // Integral numbers as JSON integers, as JavaScript writes them.
        #[allow(clippy::float_cmp)]
        Ok(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9e15 => json!(n as i64),
        Ok(n) if n.is_finite() => json!(n),
        _ => Value::from("NaN"),
    }
}

/// `String(value)`, as JavaScript writes it.
fn js_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => crate::workspace::fql::js_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn condition_type(path: &str) -> Option<&'static str> {
    Some(match path.split('.').next()? {
        "type" => "event-type",
        "event" => "event",
        "name" => "name",
        "userId" => "userId",
        "context" => "event-context",
        "properties" => "event-property",
        "traits" => "event-trait",
        _ => return None,
    })
}

fn strip_root(path: &str, root: &str) -> String {
    path.strip_prefix(root)
        .and_then(|p| p.strip_prefix('.'))
        .unwrap_or(path)
        .to_owned()
}

fn shift(tokens: &mut Vec<Tok>) -> Option<Tok> {
    (!tokens.is_empty()).then(|| tokens.remove(0))
}

fn node(kind: &str, name: Option<String>, operator: &str, value: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    if let Some(n) = name {
        m.insert("name".into(), n.into());
    }
    m.insert("operator".into(), operator.into());
    if let Some(v) = value {
        m.insert("value".into(), v);
    }
    Value::Object(m)
}

/// The node for a comparison `path op value`.
fn comparison(path: &str, op: &Tok, value: &Tok) -> Option<Value> {
    let kind = condition_type(path)?;
    let is = |o: &str, v: &str| op.value == o && value.value == v;
    let special = if is("!=", "null") {
        Some("exists")
    } else if is("=", "null") {
        Some("not_exists")
    } else if is("=", "true") {
        Some("is_true")
    } else if is("=", "false") {
        Some("is_false")
    } else if op.value == "=" && value.kind == Kind::Number {
        Some("number_equals")
    } else if op.value == "!=" && value.kind == Kind::Number {
        Some("number_not_equals")
    } else {
        None
    };
    Some(match kind {
        "event" | "event-type" => node(
            kind,
            None,
            &op.value,
            Some(Value::from(js_string(&token_value(value)))),
        ),
        "name" | "userId" => {
            let allowed = |s: &str| match kind {
                // `name` knows only exists and not_exists.
                "name" => matches!(s, "exists" | "not_exists"),
                _ => matches!(s, "exists" | "not_exists" | "is_true" | "is_false"),
            };
            match special.filter(|s| allowed(s)) {
                Some(s) => node(kind, None, s, None),
                None => node(
                    kind,
                    None,
                    &op.value,
                    Some(Value::from(js_string(&token_value(value)))),
                ),
            }
        }
        _ => {
            let root = match kind {
                "event-property" => "properties",
                "event-trait" => "traits",
                _ => "context",
            };
            let name = Some(strip_root(path, root));
            match special {
                Some(s @ ("exists" | "not_exists" | "is_true" | "is_false")) => {
                    node(kind, name, s, None)
                }
                Some(s) => node(kind, name, s, Some(token_value(value))),
                None => node(kind, name, &op.value, Some(token_value(value))),
            }
        }
    })
}

/// `parseFqlFunction`: `contains(path, value)` and `match(path, "x*" | "*x")`.
fn function(
    name: &str,
    tokens: &mut Vec<Tok>,
    negate: bool,
    nodes: &mut Vec<Value>,
) -> Result<(), String> {
    shift(tokens);
    let path = shift(tokens).ok_or(format!("{name}() is missing a 1st argument"))?;
    shift(tokens);
    let value = shift(tokens).ok_or(format!("{name}() is missing a 2nd argument"))?;
    shift(tokens);
    let (operator, v) = if name == "contains" {
        let op = if negate { "not_contains" } else { "contains" };
        (op, js_string(&token_value(&value)))
    } else {
        let text = js_string(&token_value(&value));
        if value.value.ends_with("*\"") {
            let op = if negate {
                "not_starts_with"
            } else {
                "starts_with"
            };
            (
                op,
                text.chars()
                    .take(text.chars().count().saturating_sub(1))
                    .collect(),
            )
        } else {
            let op = if negate { "not_ends_with" } else { "ends_with" };
            (op, text.chars().skip(1).collect())
        }
    };
    let p = path.value.as_str();
    if matches!(p, "event" | "name" | "userId") {
        nodes.push(node(p, None, operator, Some(Value::from(v.clone()))));
    }
    for (root, kind) in [
        ("properties", "event-property"),
        ("traits", "event-trait"),
        ("context", "event-context"),
    ] {
        if p.starts_with(root) {
            nodes.push(node(
                kind,
                Some(strip_root(p, root)),
                operator,
                Some(Value::from(v.clone())),
            ));
        }
    }
    Ok(())
}

fn parse(tokens: &mut Vec<Tok>) -> Result<Option<Value>, String> {
    let mut nodes = Vec::new();
    let mut operator = "and".to_owned();
    let mut token = shift(tokens);
    while let Some(t) = token.filter(|t| t.kind != Kind::Eos) {
        if t.kind == Kind::Ident {
            if condition_type(&t.value).is_some() {
                let op = shift(tokens).ok_or("Operator token is missing")?;
                let value = shift(tokens).ok_or("Value token is missing")?;
                nodes.extend(comparison(&t.value, &op, &value));
            }
            if t.value == "contains" || t.value == "match" {
                function(&t.value, tokens, false, &mut nodes)?;
            }
        }
        if t.kind == Kind::Operator && t.value == "!" {
            if let Some(name) = tokens
                .first()
                .filter(|n| n.kind == Kind::Ident && (n.value == "contains" || n.value == "match"))
                .map(|n| n.value.clone())
            {
                shift(tokens);
                function(&name, tokens, true, &mut nodes)?;
            }
        }
        if t.kind == Kind::ParenLeft {
            let mut group = Vec::new();
            loop {
                let g =
                    shift(tokens).ok_or("Cannot read properties of undefined (reading 'type')")?;
                if g.kind == Kind::ParenRight {
                    break;
                }
                group.push(g);
            }
            group.push(tok(Kind::Eos, "eos"));
            nodes.push(parse(&mut group)?.unwrap_or(Value::Null));
        }
        if t.kind == Kind::Conditional {
            operator.clone_from(&t.value);
        }
        token = shift(tokens);
    }
    Ok(if nodes.len() > 1 {
        Some(json!({"type": "group", "operator": operator, "children": nodes}))
    } else {
        nodes.pop()
    })
}

// ---------------------------------------------------------------------------------------
// destination-subscriptions' validate

fn compile(c: &Value) -> Cond {
    let kind = c["type"].as_str().unwrap_or("");
    if kind == "group" {
        let children = c["children"].as_array().map_or(&[][..], Vec::as_slice);
        return Cond::Group {
            all: match c["operator"].as_str() {
                Some("and") => Some(true),
                Some("or") => Some(false),
                _ => None,
            },
            children: children
                .iter()
                .map(|x| (!x.is_null()).then(|| compile(x)))
                .collect(),
        };
    }
    let field = match kind {
        "event-type" => "type",
        "event" => "event",
        "name" => "name",
        "userId" => "userId",
        "event-property" => "properties",
        "event-trait" => "traits",
        "event-context" => "context",
        _ => return Cond::Unknown,
    };
    let nested = matches!(kind, "event-property" | "event-trait" | "event-context");
    let expected = c.get("value");
    Cond::Leaf {
        field,
        keys: nested.then(|| {
            let path = c["name"].as_str().unwrap_or("");
            path.split(['.', '[', ']'])
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        operator: c["operator"].as_str().unwrap_or("").to_owned(),
        text: expected.map_or_else(|| "undefined".to_owned(), js_string),
        number: match expected {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            // Number(""), Number("  ") are 0 in JavaScript.
            Some(Value::String(s)) if s.trim().is_empty() => 0.0,
            Some(Value::String(s)) => s.trim().parse().unwrap_or(f64::NAN),
            Some(Value::Bool(b)) => f64::from(u8::from(*b)),
            _ => f64::NAN,
        },
    }
}

/// `validate`: `every` and `some` stop at the first child that decides; an empty slot
/// reached throws.
fn eval<'a, N: Json<'a>>(c: &Cond, event: N) -> Result<bool, ()> {
    match c {
        Cond::Group { all, children } => {
            let Some(all) = *all else { return Ok(false) };
            for x in children {
                if eval(x.as_ref().ok_or(())?, event)? != all {
                    return Ok(!all);
                }
            }
            Ok(all)
        }
        Cond::Leaf {
            field,
            keys,
            operator,
            text,
            number,
        } => {
            let top = event.member(field);
            let actual = match keys {
                Some(keys) => get(top, keys),
                None => top.map(Json::shape),
            };
            Ok(value_matches(actual, operator, text, *number))
        }
        Cond::Unknown => Ok(false),
    }
}

/// `get(object, path)`: the path split on `.`, `[` and `]`, read while the value is truthy.
fn get<'a, N: Json<'a>>(object: Option<N>, keys: &[String]) -> Option<Shape<'a>> {
    if keys.is_empty() {
        return None;
    }
    let mut cur = object;
    for key in keys {
        let v = cur?;
        let shape = v.shape();
        if !truthy(&shape) {
            return Some(shape);
        }
        cur = match shape {
            Shape::Object => v.member(key),
            Shape::Array => key.parse::<usize>().ok().and_then(|i| v.element(i)),
            _ => None,
        };
    }
    cur.map(Json::shape)
}

fn truthy(v: &Shape<'_>) -> bool {
    match v {
        Shape::Null => false,
        Shape::Bool(b) => *b,
        Shape::Number(n) => *n != 0.0 && !n.is_nan(),
        Shape::Str(s) => !s.is_empty(),
        Shape::Array | Shape::Object => true,
    }
}

/// `validateValue`, with `String(expected)` and `Number(expected)` given.
fn value_matches(
    actual: Option<Shape<'_>>,
    operator: &str,
    expected_text: &str,
    number: f64,
) -> bool {
    let expected_num = || number;
    let num = match actual {
        Some(Shape::Number(n)) => Some(n),
        _ => None,
    };
    let text = match &actual {
        Some(Shape::Str(s)) => Some(s.as_ref()),
        _ => None,
    };
    #[allow(clippy::float_cmp)]
    match operator {
        "=" => text == Some(expected_text),
        "!=" => text != Some(expected_text),
        "number_equals" => num.is_some_and(|a| a == expected_num()),
        "number_not_equals" => num.is_some_and(|a| a != expected_num()),
        "<" => num.is_some_and(|a| a < expected_num()),
        "<=" => num.is_some_and(|a| a <= expected_num()),
        ">" => num.is_some_and(|a| a > expected_num()),
        ">=" => num.is_some_and(|a| a >= expected_num()),
        "contains" => text.is_some_and(|a| a.contains(expected_text)),
        "not_contains" => text.is_some_and(|a| !a.contains(expected_text)),
        "starts_with" => text.is_some_and(|a| a.starts_with(expected_text)),
        "not_starts_with" => text.is_some_and(|a| !a.starts_with(expected_text)),
        "ends_with" => text.is_some_and(|a| a.ends_with(expected_text)),
        "not_ends_with" => text.is_some_and(|a| !a.ends_with(expected_text)),
        "exists" => actual.is_some_and(|a| a != Shape::Null),
        "not_exists" => actual.is_none_or(|a| a == Shape::Null),
        "is_true" => actual == Some(Shape::Bool(true)),
        "is_false" => actual == Some(Shape::Bool(false)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_triggers_segment_writes() {
        let t = Trigger::parse(r#"type = "track" and event = "Order Completed""#).unwrap();
        assert!(t.matches(&json!({"type": "track", "event": "Order Completed"})));
        assert!(!t.matches(&json!({"type": "track", "event": "Order Refunded"})));
        let t = Trigger::parse(r#"type = "identify" or properties.total > 10"#).unwrap();
        assert!(t.matches(&json!({"type": "track", "properties": {"total": 11}})));
        assert!(!t.matches(&json!({"type": "track", "properties": {"total": "11"}})));
        let t = Trigger::parse(r#"traits.email != null and !contains(event, "Test")"#).unwrap();
        assert!(t.matches(&json!({"event": "Signed Up", "traits": {"email": "a@b.c"}})));
        assert!(!t.matches(&json!({"event": "Test Signed Up", "traits": {"email": "a@b.c"}})));
        assert_eq!(
            Trigger::parse(r#"match(event, "Order*")"#).unwrap().tree,
            json!({"type": "group", "operator": "and",
                   "children": [{"type": "event", "operator": "starts_with", "value": "Order"}]})
        );
    }
}

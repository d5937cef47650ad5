//! The WKT1 syntax of `.prj` files (ESRI and OGC dialects, enough WKT2 for `ID["EPSG",n]`):
//! a tree of [`Node`]s with their values, and [`parse`] with a depth limit.

use std::fmt;

/// One WKT value: a quoted string, a number, a bare word (e.g. `EAST`) or a nested node.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(String),
    Number(f64),
    Word(String),
    Node(Node),
}

/// A WKT node `KEYWORD[arg, arg, ...]`; the keyword is stored upper-case.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) keyword: String,
    pub(super) args: Vec<Value>,
}

impl Node {
    /// The node's name: its first argument when that is a string.
    pub(super) fn name(&self) -> Option<&str> {
        match self.args.first() {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// Direct child nodes.
    pub(super) fn children(&self) -> impl Iterator<Item = &Node> {
        self.args.iter().filter_map(|v| match v {
            Value::Node(n) => Some(n),
            _ => None,
        })
    }

    /// First direct child whose keyword is one of `keywords`.
    pub(super) fn child(&self, keywords: &[&str]) -> Option<&Node> {
        self.children().find(|n| keywords.contains(&n.keyword.as_str()))
    }

    /// The `i`-th argument as a number (numbers written as strings are accepted).
    pub(super) fn number(&self, i: usize) -> Option<f64> {
        match self.args.get(i) {
            Some(Value::Number(x)) => Some(*x),
            Some(Value::Text(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The EPSG code of a direct `AUTHORITY["EPSG","n"]` or `ID["EPSG",n]` child.
    pub(super) fn epsg(&self) -> Option<u32> {
        let auth = self.child(&["AUTHORITY", "ID"])?;
        if !auth.name()?.eq_ignore_ascii_case("EPSG") {
            return None;
        }
        let code = auth.number(1)?;
        (code >= 0.0 && code <= f64::from(u32::MAX) && code.fract() == 0.0).then_some(code as u32)
    }
}

/// A syntax error in the WKT text, with the byte offset where it was found.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) at: usize,
    pub(super) what: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// Recursive-descent WKT parser over the input bytes.
pub(super) struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// Deepest nesting accepted (real CRS WKT nests 4–6 levels).
pub(super) const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    /// A syntax error at the current position.
    pub(super) fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { at: self.pos, what }
    }

    /// The current byte, if any.
    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips white space (including line breaks).
    pub(super) fn skip_space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// A keyword or bare word: letters, digits and underscores.
    pub(super) fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// `KEYWORD[...]` or `KEYWORD(...)`.
    pub(super) fn node(&mut self) -> Result<Node, SyntaxError> {
        self.skip_space();
        let keyword = self.word();
        if keyword.is_empty() || !keyword.as_bytes()[0].is_ascii_alphabetic() {
            return Err(self.error("expected a WKT keyword"));
        }
        self.skip_space();
        let close = match self.peek() {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => return Err(self.error("expected '[' after a keyword")),
        };
        self.pos += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let mut args = Vec::new();
        self.skip_space();
        if self.peek() == Some(close) {
            self.pos += 1;
        } else {
            loop {
                args.push(self.value()?);
                self.skip_space();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b) if b == close => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => return Err(self.error("expected ',' or a closing bracket")),
                    None => return Err(self.error("unexpected end of text (unbalanced brackets)")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node { keyword: keyword.to_ascii_uppercase(), args })
    }

    /// One argument of a node.
    pub(super) fn value(&mut self) -> Result<Value, SyntaxError> {
        self.skip_space();
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    let rest = &self.text[self.pos..];
                    let Some(q) = rest.find('"') else {
                        return Err(self.error("unterminated string"));
                    };
                    s.push_str(&rest[..q]);
                    self.pos += q + 1;
                    // WKT2 escapes a quote by doubling it.
                    if self.peek() == Some(b'"') {
                        s.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(Value::Text(s))
            }
            Some(b) if b == b'-' || b == b'+' || b == b'.' || b.is_ascii_digit() => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
                    self.pos += 1;
                }
                self.text[start..self.pos]
                    .parse()
                    .map(Value::Number)
                    .map_err(|_| SyntaxError { at: start, what: "malformed number" })
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.pos;
                let word = self.word();
                self.skip_space();
                if matches!(self.peek(), Some(b'[' | b'(')) {
                    self.pos = start;
                    self.node().map(Value::Node)
                } else {
                    Ok(Value::Word(word.to_string()))
                }
            }
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of text")),
        }
    }
}

/// Parses one WKT node (the whole text, apart from surrounding white space).
pub(super) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    let node = p.node()?;
    p.skip_space();
    if p.pos != text.len() {
        return Err(p.error("unexpected text after the closing bracket"));
    }
    Ok(node)
}

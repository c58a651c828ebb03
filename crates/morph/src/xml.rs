//! A small XML reader: start and end events with namespace-resolved names,
//! attributes and line numbers. It accepts well-formed documents (elements,
//! attributes, comments, processing instructions, CDATA, a DOCTYPE without
//! external entities, the predefined and numeric character references) and
//! reports anything else with its line, as Python's expat would refuse it.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub(crate) enum Event {
    Start {
        /// namespace URI (None when the element has none)
        ns: Option<String>,
        local: String,
        attrs: Vec<(String, String)>,
        line: usize,
    },
    End {
        ns: Option<String>,
        local: String,
        line: usize,
    },
}

pub(crate) struct XmlError {
    pub line: usize,
    pub message: String,
}

struct Cursor<'a> {
    s: &'a [u8],
    p: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, m: impl Into<String>) -> XmlError {
        XmlError {
            line: self.line,
            message: m.into(),
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.p).copied()
    }
    fn starts(&self, t: &[u8]) -> bool {
        self.s[self.p..].starts_with(t)
    }
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        if c == b'\n' {
            self.line += 1;
        }
        self.p += 1;
        Some(c)
    }
    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }
    /// Skips past `t`, failing at end of input.
    fn skip_past(&mut self, t: &[u8], what: &str) -> Result<(), XmlError> {
        let start_line = self.line;
        while self.p < self.s.len() {
            if self.starts(t) {
                self.advance(t.len());
                return Ok(());
            }
            self.bump();
        }
        Err(XmlError {
            line: start_line,
            message: format!("unclosed {what}"),
        })
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }
    fn name(&mut self) -> Result<String, XmlError> {
        let start = self.p;
        while let Some(c) = self.peek() {
            let ok =
                c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-' | b'.') || c >= 0x80;
            if !ok {
                break;
            }
            self.bump();
        }
        if start == self.p || self.s[start].is_ascii_digit() || matches!(self.s[start], b'-' | b'.')
        {
            return Err(self.err("not well-formed (invalid name)"));
        }
        std::str::from_utf8(&self.s[start..self.p])
            .map(|s| s.to_string())
            .map_err(|_| self.err("not well-formed (invalid UTF-8 in name)"))
    }
}

fn decode(raw: &[u8], line: usize) -> Result<String, XmlError> {
    let text = std::str::from_utf8(raw).map_err(|_| XmlError {
        line,
        message: "invalid UTF-8".into(),
    })?;
    if !text.contains('&') {
        if text.contains('<') {
            return Err(XmlError {
                line,
                message: "not well-formed ('<' in attribute value)".into(),
            });
        }
        return Ok(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(k) = rest.find('&') {
        out.push_str(&rest[..k]);
        let after = &rest[k + 1..];
        let e = after.find(';').ok_or(XmlError {
            line,
            message: "not well-formed (bad reference)".into(),
        })?;
        let ent = &after[..e];
        let ch = match ent {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(h) = ent.strip_prefix("#x") {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = ent.strip_prefix('#') {
                    d.parse::<u32>().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or(XmlError {
                    line,
                    message: format!("undefined entity &{ent};"),
                })?
            }
        };
        out.push(ch);
        rest = &after[e + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn split_qname(q: &str) -> (Option<&str>, &str) {
    match q.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, q),
    }
}

/// Parses the whole document into events.
pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Event>, XmlError> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let mut c = Cursor {
        s: bytes,
        p: 0,
        line: 1,
    };
    let mut events = Vec::new();
    // element stack: qualified name, namespace scope
    let mut stack: Vec<String> = Vec::new();
    let mut scopes: Vec<HashMap<String, String>> = vec![HashMap::new()];
    let mut seen_root = false;
    loop {
        // text
        while let Some(ch) = c.peek() {
            if ch == b'<' {
                break;
            }
            if stack.is_empty() && !matches!(ch, b' ' | b'\t' | b'\r' | b'\n') {
                return Err(c.err("not well-formed (text outside the root element)"));
            }
            c.bump();
        }
        if c.peek().is_none() {
            break;
        }
        if c.starts(b"<?") {
            c.skip_past(b"?>", "processing instruction")?;
        } else if c.starts(b"<!--") {
            c.skip_past(b"-->", "comment")?;
        } else if c.starts(b"<![CDATA[") {
            if stack.is_empty() {
                return Err(c.err("not well-formed (CDATA outside the root element)"));
            }
            c.skip_past(b"]]>", "CDATA section")?;
        } else if c.starts(b"<!DOCTYPE") {
            let line = c.line;
            let mut depth = 0;
            loop {
                match c.bump() {
                    None => {
                        return Err(XmlError {
                            line,
                            message: "unclosed DOCTYPE".into(),
                        })
                    }
                    Some(b'[') => depth += 1,
                    Some(b']') => depth -= 1,
                    Some(b'>') if depth <= 0 => break,
                    _ => {}
                }
            }
        } else if c.starts(b"</") {
            let line = c.line;
            c.advance(2);
            let name = c.name()?;
            c.skip_ws();
            if c.bump() != Some(b'>') {
                return Err(c.err("not well-formed (end tag)"));
            }
            match stack.pop() {
                Some(open) if open == name => {}
                _ => {
                    return Err(XmlError {
                        line,
                        message: format!("mismatched tag </{name}>"),
                    })
                }
            }
            let scope = scopes.pop().unwrap_or_default();
            let (pre, local) = split_qname(&name);
            let ns = resolve(&scope, pre, line)?;
            events.push(Event::End {
                ns,
                local: local.to_string(),
                line,
            });
        } else {
            let line = c.line;
            c.advance(1);
            if stack.is_empty() && seen_root {
                return Err(XmlError {
                    line,
                    message: "junk after document element".into(),
                });
            }
            let name = c.name()?;
            let mut attrs: Vec<(String, String)> = Vec::new();
            let self_closing;
            loop {
                let had_ws = matches!(c.peek(), Some(b' ' | b'\t' | b'\r' | b'\n'));
                c.skip_ws();
                match c.peek() {
                    None => {
                        return Err(XmlError {
                            line,
                            message: "unclosed start tag".into(),
                        })
                    }
                    Some(b'>') => {
                        c.bump();
                        self_closing = false;
                        break;
                    }
                    Some(b'/') => {
                        c.bump();
                        if c.bump() != Some(b'>') {
                            return Err(c.err("not well-formed (start tag)"));
                        }
                        self_closing = true;
                        break;
                    }
                    Some(_) => {
                        if !had_ws {
                            return Err(c.err("not well-formed (attributes need white space)"));
                        }
                        let an = c.name()?;
                        c.skip_ws();
                        if c.bump() != Some(b'=') {
                            return Err(
                                c.err(format!("not well-formed (attribute {an} without value)"))
                            );
                        }
                        c.skip_ws();
                        let q = match c.bump() {
                            Some(q @ (b'"' | b'\'')) => q,
                            _ => return Err(c.err("not well-formed (unquoted attribute value)")),
                        };
                        let vl = c.line;
                        let start = c.p;
                        while c.peek().is_some_and(|b| b != q) {
                            c.bump();
                        }
                        if c.peek().is_none() {
                            return Err(XmlError {
                                line: vl,
                                message: "unclosed attribute value".into(),
                            });
                        }
                        let v = decode(&c.s[start..c.p], vl)?;
                        c.bump();
                        if attrs.iter().any(|(k, _)| *k == an) {
                            return Err(c.err(format!("duplicate attribute {an}")));
                        }
                        attrs.push((an, v));
                    }
                }
            }
            let mut scope = scopes.last().cloned().unwrap_or_default();
            for (k, v) in &attrs {
                if k == "xmlns" {
                    scope.insert(String::new(), v.clone());
                } else if let Some(p) = k.strip_prefix("xmlns:") {
                    scope.insert(p.to_string(), v.clone());
                }
            }
            let (pre, local) = split_qname(&name);
            let ns = resolve(&scope, pre, line)?;
            seen_root = true;
            events.push(Event::Start {
                ns: ns.clone(),
                local: local.to_string(),
                attrs,
                line,
            });
            if self_closing {
                events.push(Event::End {
                    ns,
                    local: local.to_string(),
                    line: c.line,
                });
            } else {
                stack.push(name);
                scopes.push(scope);
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(c.err(format!("no element found: <{open}> is not closed")));
    }
    if !seen_root {
        return Err(c.err("no element found"));
    }
    Ok(events)
}

fn resolve(
    scope: &HashMap<String, String>,
    prefix: Option<&str>,
    line: usize,
) -> Result<Option<String>, XmlError> {
    match prefix {
        Some(p) => match scope.get(p) {
            Some(u) => Ok(Some(u.clone())),
            None => Err(XmlError {
                line,
                message: format!("unbound prefix {p}"),
            }),
        },
        None => Ok(scope.get("").filter(|u| !u.is_empty()).cloned()),
    }
}

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
        /// the line its '>' is on: after Python reads that line (one per
        /// `read`), `iterparse` hands out the event
        batch: usize,
        /// `element.text` once known: the character data up to the next
        /// tag (`None` when there is none), and the batch of that tag
        text: Option<String>,
        text_batch: usize,
        /// element number (start and end share it)
        id: usize,
    },
    End {
        ns: Option<String>,
        local: String,
        line: usize,
        batch: usize,
        id: usize,
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
        // universal newlines, as Python reads the file
        if c == b'\n' || (c == b'\r' && self.s.get(self.p + 1) != Some(&b'\n')) {
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

/// An attribute value: literal white space becomes spaces (as expat
/// normalizes it), then references are replaced.
fn decode_attr(raw: &[u8], line: usize) -> Result<String, XmlError> {
    let mut v = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        v.push(if matches!(c, b'\r' | b'\n' | b'\t') {
            b' '
        } else {
            c
        });
        i += 1;
    }
    decode(&v, line)
}

/// Character data with references replaced and line ends made "\n"
/// (left as it is when a reference is bad).
fn decode_text(raw: &[u8]) -> String {
    let mut v = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'\r' {
            if raw.get(i + 1) != Some(&b'\n') {
                v.push(b'\n');
            }
        } else {
            v.push(c);
        }
        i += 1;
    }
    decode(&v, 0).unwrap_or_else(|_| String::from_utf8_lossy(&v).into_owned())
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

/// Parses the document into events: all of them, or those before the
/// error and the error.
pub(crate) fn parse(bytes: &[u8]) -> (Vec<Event>, Option<XmlError>) {
    let mut events = Vec::new();
    let r = parse_into(bytes, &mut events);
    (events, r.err())
}

/// The text run after the last start tag: (event index, raw bytes, any
/// data seen).
struct PendingText {
    event: usize,
    raw: Vec<u8>,
    any: bool,
}

/// A tag at `batch` ends the pending text run (TreeBuilder's flush).
fn flush_text(pending: &mut Option<PendingText>, events: &mut [Event], batch: usize) {
    if let Some(p) = pending.take() {
        if let Some(Event::Start {
            text, text_batch, ..
        }) = events.get_mut(p.event)
        {
            if p.any {
                *text = Some(decode_text(&p.raw));
            }
            *text_batch = batch;
        }
    }
}

fn parse_into(bytes: &[u8], events: &mut Vec<Event>) -> Result<(), XmlError> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let mut c = Cursor {
        s: bytes,
        p: 0,
        line: 1,
    };
    let mut pending: Option<PendingText> = None;
    let mut ids: Vec<usize> = Vec::new();
    let mut next_id = 0usize;
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
            if let Some(p) = pending.as_mut() {
                p.raw.push(ch);
                p.any = true;
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
            let from = c.p + 9;
            c.skip_past(b"]]>", "CDATA section")?;
            if let Some(p) = pending.as_mut() {
                // CDATA is data as it stands: keep it out of the reference decoding
                let data = String::from_utf8_lossy(&c.s[from..c.p - 3]).replace('&', "&amp;");
                p.raw.extend_from_slice(data.as_bytes());
                p.any = true;
            }
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
            let batch = c.line;
            if c.bump() != Some(b'>') {
                return Err(c.err("not well-formed (end tag)"));
            }
            flush_text(&mut pending, events, batch);
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
                batch,
                id: ids.pop().unwrap_or(0),
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
            let batch;
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
                        batch = c.line;
                        c.bump();
                        self_closing = false;
                        break;
                    }
                    Some(b'/') => {
                        c.bump();
                        batch = c.line;
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
                        let v = decode_attr(&c.s[start..c.p], vl)?;
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
            flush_text(&mut pending, events, batch);
            let id = next_id;
            next_id += 1;
            events.push(Event::Start {
                ns: ns.clone(),
                local: local.to_string(),
                attrs,
                line,
                batch,
                text: None,
                text_batch: usize::MAX,
                id,
            });
            if self_closing {
                events.push(Event::End {
                    ns,
                    local: local.to_string(),
                    line: c.line,
                    batch,
                    id,
                });
            } else {
                pending = Some(PendingText {
                    event: events.len() - 1,
                    raw: Vec::new(),
                    any: false,
                });
                ids.push(id);
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
    Ok(())
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

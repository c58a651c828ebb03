//! Neurolucida V3 text (ASC) as `Import3d_Neurolucida3` (read_nlcda3.hoc)
//! reads it: its line-based lexer (C `sscanf` patterns), its recursive
//! descent parser with the text/tree rollback, `newsec`, and
//! `connect2soma` (soma contours first, contour stacks, roots attached to
//! the soma that contains them or else to the nearest one).

use crate::contour;
use crate::import3d::{Import, RawSection};
use crate::num::{heq, hgt, hlt, is_space, scan_float, skip_space, Width};
use crate::swc::lines;
use crate::{Diagnostic, MorphError, Out};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tk {
    Eof,
    Number,
    LeftPar,
    RightPar,
    Comma,
    Bar,
    Set,
    Rgb,
    Str,
    Label,
    Err,
    LeftSp,
    RightSp,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Tk,
    /// NEURON's `x` and `s` fields of the token object as `lex()` leaves
    /// them (a failed conversion can leave a value behind).
    x: f64,
    s: String,
    /// `iline_` when it was read: the line it is on.
    line: usize,
    /// What this `lex()` call printed.
    log: String,
}

/// The names `pcur()` prints for the token kinds.
fn neuron_tk_name(t: Tk) -> &'static str {
    match t {
        Tk::Eof => "eof",
        Tk::Number => "number",
        Tk::LeftPar => "leftpar",
        Tk::RightPar => "rightpar",
        Tk::Comma => "comma",
        Tk::Bar => "bar",
        Tk::Set => "set",
        Tk::Rgb => "rgb",
        Tk::Str => "string",
        Tk::Label => "label",
        Tk::Err => "err",
        Tk::LeftSp => "leftsp",
        Tk::RightSp => "rightsp",
    }
}

fn tk_name(t: Tk) -> &'static str {
    match t {
        Tk::Eof => "end of file",
        Tk::Number => "number",
        Tk::LeftPar => "'('",
        Tk::RightPar => "')'",
        Tk::Comma => "','",
        Tk::Bar => "'|'",
        Tk::Set => "'set'",
        Tk::Rgb => "'RGB'",
        Tk::Str => "string",
        Tk::Label => "label",
        Tk::Err => "unreadable text",
        Tk::LeftSp => "'<'",
        Tk::RightSp => "'>'",
    }
}

/// `%[^@]` after a match at `p`: where the rest of the line starts and ends
/// (at the first '@', when the line still has one); `None` when that is
/// empty (the conversion fails).
fn rest(line: &[u8], p: usize, has_at: bool) -> Option<(usize, usize)> {
    if p >= line.len() || line[p] == b'@' {
        return None;
    }
    let e = if has_at { line[p..].iter().position(|&b| b == b'@').map_or(line.len(), |k| p + k) } else { line.len() };
    Some((p, e))
}

/// `" <word> %[^@]"`: the literal word, optional white space, the rest.
fn keyword(line: &[u8], word: &[u8], has_at: bool) -> Option<(usize, usize)> {
    let p = skip_space(line, 0);
    if line.len() >= p + word.len() && &line[p..p + word.len()] == word {
        rest(line, skip_space(line, p + word.len()), has_at)
    } else {
        None
    }
}

struct Lexer<'a> {
    lines: Vec<&'a [u8]>,
    /// `fline` after each line is read (the `gets` text less its last byte)
    flines: Vec<String>,
    next: usize, // index of the next line to read
    /// The line being read; what is left of it starts at `pos` (each token
    /// moves `pos` on instead of copying the rest, which made a long line
    /// quadratic).
    line: Vec<u8>,
    pos: usize,
    /// Whether the line may still hold an '@' (the first `rest` cuts it there).
    has_at: bool,
    quiet: bool,
}

impl<'a> Lexer<'a> {
    /// `iline_`: number of lines read so far.
    fn iline(&self) -> usize {
        self.next
    }

    /// One `lex()` call. The flag says whether the lexer would return the
    /// same error token for ever (an error that does not consume input).
    /// What is left of the line.
    fn left(&self) -> &[u8] {
        &self.line[self.pos..]
    }

    /// Moves on to the rest `(p, e)` that [`rest`] found in `left()`.
    fn take(&mut self, (p, e): (usize, usize)) {
        self.line.truncate(self.pos + e);
        self.pos += p;
        self.has_at = false;
    }

    fn lex(&mut self) -> (Token, bool) {
        let mut log = String::new();
        loop {
            let need = self.left().len() <= 1 || {
                let line = self.left();
                let p = skip_space(line, 0);
                p < line.len() && line[p] == b';' && rest(line, p + 1, self.has_at).is_some()
            };
            if !need {
                break;
            }
            if self.next >= self.lines.len() {
                if !self.quiet {
                    log.push_str(&format!("\r{} lines read\n", self.iline()));
                }
                return (
                    Token {
                        kind: Tk::Eof,
                        x: 0.0,
                        s: String::new(),
                        line: self.iline(),
                        log,
                    },
                    false,
                );
            }
            let l = self.lines[self.next];
            self.next += 1;
            if self.next.is_multiple_of(1000) && !self.quiet {
                log.push_str(&format!("\r{} lines read", self.next));
            }
            let end = l.iter().rposition(|&b| !is_space(b)).map_or(0, |k| k + 1);
            let mut v = l[..end].to_vec();
            v.push(b'\n');
            self.has_at = v.contains(&b'@');
            self.line = v;
            self.pos = 0;
        }
        let line_no = self.iline();
        let mut x = 0.0;
        let has_at = self.has_at;
        let line = self.left();
        let mk = |kind: Tk, x: f64, s: String, log: String| Token {
            kind,
            x,
            s,
            line: line_no,
            log,
        };
        if let Some((v, e)) = scan_float(line, 0, Width::F64) {
            x = v;
            if let Some(r) = rest(line, e, has_at) {
                self.take(r);
                return (mk(Tk::Number, x, String::new(), log), false);
            }
        }
        let p = skip_space(line, 0);
        let single = [
            (b'(', Tk::LeftPar),
            (b')', Tk::RightPar),
            (b',', Tk::Comma),
            (b'|', Tk::Bar),
            (b'<', Tk::LeftSp),
            (b'>', Tk::RightSp),
        ];
        for (c, k) in single {
            if p < line.len() && line[p] == c {
                if let Some(r) = rest(line, p + 1, has_at) {
                    self.take(r);
                    return (mk(k, x, String::new(), log), false);
                }
            }
        }
        for (w, k) in [
            (&b"set"[..], Tk::Set),
            (b"Set", Tk::Set),
            (b"SET", Tk::Set),
            (b"RGB", Tk::Rgb),
        ] {
            if let Some(r) = keyword(line, w, has_at) {
                self.take(r);
                return (mk(k, x, String::new(), log), false);
            }
        }
        // " \"%[^\"]\"%[^@]"
        if p < line.len() && line[p] == b'"' {
            let q = p + 1;
            if q < line.len() && line[q] != b'"' {
                let close = line[q..].iter().position(|&b| b == b'"').map(|k| q + k);
                let s = String::from_utf8_lossy(&line[q..close.unwrap_or(line.len())]).into_owned();
                match close.and_then(|c| rest(line, c + 1, has_at)) {
                    Some(r) => {
                        self.take(r);
                        return (mk(Tk::Str, x, s, log), false);
                    }
                    None => {
                        // "no closing '"' in string": the rest of the line is dropped
                        let n = self.iline();
                        let fline = if n > 0 {
                            self.flines[n - 1].as_str()
                        } else {
                            ""
                        };
                        log.push_str(&format!(
                            "Lexical error: no closing '\"' in string. The entire line {n} in ||is\n|{fline}|\n"
                        ));
                        self.line = Vec::new();
                        self.pos = 0;
                        return (mk(Tk::Err, x, s, log), false);
                    }
                }
            }
            // " \"\"%[^@]"
            if q < line.len() && line[q] == b'"' {
                if let Some(r) = rest(line, q + 1, has_at) {
                    self.take(r);
                    return (mk(Tk::Str, x, String::new(), log), false);
                }
            }
        }
        // " %[A-Za-z0-9_]%[^@]"
        let e = line[p..]
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(line.len(), |k| p + k);
        let mut s = String::new();
        if e > p {
            s = String::from_utf8_lossy(&line[p..e]).into_owned();
            if let Some(r) = rest(line, e, has_at) {
                self.take(r);
                return (mk(Tk::Label, x, s, log), false);
            }
        }
        (mk(Tk::Err, x, s, log), true)
    }
}

/// The whole token stream; the last token repeats for ever (end of file, or
/// an error token the lexer is stuck on).
fn tokenize(bytes: &[u8], quiet: bool) -> Vec<Token> {
    let flines = crate::swc::gets_lines(bytes)
        .into_iter()
        .map(|mut g| {
            g.pop();
            String::from_utf8_lossy(&g).into_owned()
        })
        .collect();
    let mut lx = Lexer {
        lines: lines(bytes),
        flines,
        next: 0,
        line: Vec::new(),
        pos: 0,
        has_at: false,
        quiet,
    };
    let mut toks = Vec::new();
    loop {
        let (t, stuck) = lx.lex();
        let kind = t.kind;
        toks.push(t);
        if kind == Tk::Eof || stuck {
            return toks;
        }
    }
}

/// A parse that NEURON abandons (`p_err`, or an error inside the HOC).
struct Stop {
    line: usize,
    message: String,
    /// What `p_err` prints (with "rollback in use" before it, if that
    /// was the cause); `None` for the other ways the import stops.
    perr: Option<String>,
}

impl Stop {
    fn other(line: usize, message: impl Into<String>) -> Stop {
        Stop {
            line,
            message: message.into(),
            perr: None,
        }
    }
}

struct Parser {
    toks: Vec<Token>,
    /// `File.gets` text of each line
    gets: Vec<Vec<u8>>,
    pos: usize,
    /// rollback in use until `pos` reaches this
    rollback_until: Option<usize>,
    // point arrays
    x: Vec<f64>,
    y: Vec<f64>,
    z: Vec<f64>,
    d: Vec<f64>,
    pline: Vec<usize>,
    /// `iline` as NEURON records it for each point: the lexer's line count
    /// then, two tokens ahead.
    iline: Vec<usize>,
    /// the furthest position `current` has reached (the lexer is two
    /// tokens beyond it)
    max_pos: usize,
    arena: Vec<RawSection>,
    plist: Vec<Vec<Token>>,
    sectype: i32,
    parentsec: Option<usize>,
    cursec: Option<usize>,
    nspine: usize,
    b2serr: Vec<Diagnostic>,
    /// the same problems in NEURON's words
    b2serr_text: Vec<String>,
    /// split nesting of the current branch
    depth: usize,
    /// nesting of (Set ...) objects
    set_depth: usize,
}

/// HOC's frame stack (NFRAME 512) ends the recursive descent: a branch
/// nested in 124 splits already fails in NEURON ("call nested too deeply").
const MAX_SPLIT_DEPTH: usize = 123;
/// (Set ...) inside (Set ...) costs three frames a level.
const MAX_SET_DEPTH: usize = 160;

type PResult<T> = Result<T, Stop>;

impl Parser {
    fn tok(&self, k: usize) -> &Token {
        let i = (self.pos + k).min(self.toks.len() - 1);
        &self.toks[i]
    }
    /// Index of the last token lexed so far.
    fn lexed(&self) -> usize {
        (self.max_pos + 2).min(self.toks.len() - 1)
    }
    /// `iline_` now.
    fn iline_now(&self) -> usize {
        self.toks[self.lexed()].line
    }
    /// What the lexer has printed so far.
    fn lex_log(&self) -> String {
        self.toks[..=self.lexed()]
            .iter()
            .map(|t| t.log.as_str())
            .collect()
    }
    /// The fields NEURON's token object at stream index `i` holds:
    /// (itok, iline, x, s). Past the end of file the parser recycles the
    /// object that was `current` three reads before, setting only its
    /// kind to eof; an error token the lexer is stuck on is lexed anew
    /// each time.
    fn fields(&self, i: usize) -> (usize, usize, f64, String) {
        let last = self.toks.len() - 1;
        if i <= last {
            let t = &self.toks[i];
            return (i + 1, t.line, t.x, t.s.clone());
        }
        if self.toks[last].kind == Tk::Err {
            let t = &self.toks[last];
            return (i + 1, t.line, t.x, t.s.clone());
        }
        if i >= 3 {
            self.fields(i - 3)
        } else {
            (0, 0, 0.0, String::new())
        }
    }
    /// `p_err()`'s text.
    fn perr_text(&self) -> String {
        let (itok, iline, x, s) = self.fields(self.pos);
        let n = self.iline_now();
        let fline = self.fline_now(n);
        format!(
            "\nparse error\nitok={itok} on line {iline} token={} x={} s={s}\nline {n}: {fline}\n",
            neuron_tk_name(self.cur()),
            crate::num::fmt_g(x, 6)
        )
    }
    fn fline_now(&self, n: usize) -> String {
        if n == 0 {
            return String::new();
        }
        let mut g = self.gets[n - 1].clone();
        g.pop();
        String::from_utf8_lossy(&g).into_owned()
    }
    fn cur(&self) -> Tk {
        self.tok(0).kind
    }
    fn la(&self) -> Tk {
        self.tok(1).kind
    }
    fn la2(&self) -> Tk {
        self.tok(2).kind
    }
    fn read(&mut self) {
        self.pos += 1;
        self.max_pos = self.max_pos.max(self.pos);
        if let Some(u) = self.rollback_until {
            if self.pos >= u {
                self.rollback_until = None;
            }
        }
    }
    fn at_end(&self) -> bool {
        self.pos + 1 >= self.toks.len()
    }
    fn p_err(&self) -> Stop {
        let t = self.tok(0);
        let what = match t.kind {
            Tk::Number => format!("number {}", t.x),
            Tk::Str => format!("string \"{}\"", t.s.trim_end()),
            Tk::Label => format!("label {}", t.s),
            Tk::Err if !t.s.trim().is_empty() => format!("unreadable text '{}'", t.s.trim_end()),
            k => tk_name(k).to_string(),
        };
        Stop {
            line: t.line,
            message: format!("parse error at {what}"),
            perr: Some(self.perr_text()),
        }
    }
    fn chk(&self, k: Tk) -> PResult<()> {
        if self.cur() != k {
            return Err(self.p_err());
        }
        Ok(())
    }
    fn demand(&mut self, k: Tk) -> PResult<()> {
        self.read();
        self.chk(k)
    }
    fn optionalcomma(&mut self) {
        if self.cur() == Tk::Comma {
            self.read();
        }
    }

    fn objects(&mut self) -> PResult<()> {
        self.object()?;
        loop {
            self.optionalcomma();
            if self.cur() != Tk::LeftPar {
                break;
            }
            self.object()?;
        }
        Ok(())
    }
    fn object(&mut self) -> PResult<()> {
        if self.cur() != Tk::LeftPar {
            return Err(self.p_err());
        }
        match self.la() {
            Tk::Str => self.contour(),
            Tk::Label => self.marker_or_property(),
            Tk::LeftPar => self.tree_or_text(),
            Tk::Set => self.p_set(),
            _ => Err(self.p_err()),
        }
    }
    fn marker_or_property(&mut self) -> PResult<()> {
        if self.la2() == Tk::LeftPar {
            self.marker()
        } else {
            self.property()
        }
    }
    fn tree_or_text(&mut self) -> PResult<()> {
        if self.rollback_until.is_some() {
            let t = self.tok(0);
            return Err(Stop {
                line: t.line,
                message: "parse error (rollback in use)".into(),
                perr: Some(format!("rollback in use\n{}", self.perr_text())),
            });
        }
        let start = self.pos;
        self.rollback_until = Some(usize::MAX);
        if self.text()? {
            self.rollback_until = None;
        } else {
            let reached = self.pos;
            self.pos = start;
            self.rollback_until = if reached > start { Some(reached) } else { None };
            self.tree()?;
        }
        Ok(())
    }
    fn properties(&mut self) -> PResult<()> {
        self.plist.clear();
        if self.cur() == Tk::LeftPar && matches!(self.la(), Tk::Label | Tk::Set) {
            self.property_or_set()?;
            loop {
                self.optionalcomma();
                if self.cur() != Tk::LeftPar || !matches!(self.la(), Tk::Label | Tk::Set) {
                    break;
                }
                self.property_or_set()?;
            }
        }
        Ok(())
    }
    fn property_or_set(&mut self) -> PResult<()> {
        if self.la() == Tk::Label {
            self.property()
        } else {
            self.p_set()
        }
    }
    fn property(&mut self) -> PResult<()> {
        self.chk(Tk::LeftPar)?;
        self.demand(Tk::Label)?;
        let mut prop = vec![self.tok(0).clone()];
        self.read();
        if matches!(self.cur(), Tk::Number | Tk::Str | Tk::Label | Tk::Rgb) {
            // values
            loop {
                self.value(&mut prop)?;
                if !matches!(self.cur(), Tk::Number | Tk::Str | Tk::Label | Tk::Rgb) {
                    break;
                }
            }
        }
        self.plist.push(prop);
        self.chk(Tk::RightPar)?;
        self.read();
        Ok(())
    }
    fn value(&mut self, prop: &mut Vec<Token>) -> PResult<()> {
        match self.cur() {
            Tk::Number | Tk::Str | Tk::Label => prop.push(self.tok(0).clone()),
            Tk::Rgb => {
                self.demand(Tk::LeftPar)?;
                self.demand(Tk::Number)?;
                self.read();
                self.optionalcomma();
                self.chk(Tk::Number)?;
                self.read();
                self.optionalcomma();
                self.chk(Tk::Number)?;
                self.demand(Tk::RightPar)?;
            }
            _ => return Err(self.p_err()),
        }
        self.read();
        Ok(())
    }
    fn p_set(&mut self) -> PResult<()> {
        if self.set_depth >= MAX_SET_DEPTH {
            return Err(Stop::other(self.tok(0).line, "sets nested too deeply"));
        }
        self.chk(Tk::LeftPar)?;
        self.demand(Tk::Set)?;
        self.demand(Tk::Str)?;
        self.read();
        if self.cur() != Tk::RightPar {
            self.set_depth += 1;
            let r = self.objects();
            self.set_depth -= 1;
            r?;
        }
        self.chk(Tk::RightPar)?;
        self.read();
        Ok(())
    }
    fn contour(&mut self) -> PResult<()> {
        self.chk(Tk::LeftPar)?;
        let begin = self.x.len();
        self.demand(Tk::Str)?;
        let name = self.tok(0).s.clone();
        let keep = name == "CellBody" || name == "Cell Body" || name == "Soma";
        let il = self.tok(0).line;
        self.read();
        // contourinfo
        self.properties()?;
        self.points()?;
        if keep {
            let end = self.x.len();
            if end - begin > 2 {
                self.sectype = 1;
                self.newsec(begin, end)?;
                let c = self.cursec.expect("newsec sets cursec");
                self.arena[c].contour = true;
            } else {
                self.b2serr.push(Diagnostic {
                    line: il,
                    message: "CellBody contour has less than three points. Ignoring.".into(),
                });
                self.b2serr_text.push(format!(
                    "CellBody contour has less than three points at line {il}. Ignoring."
                ));
            }
        }
        self.chk(Tk::RightPar)?;
        self.read();
        Ok(())
    }
    fn tree(&mut self) -> PResult<()> {
        self.parentsec = None;
        self.chk(Tk::LeftPar)?;
        self.read();
        self.properties()?;
        self.set_sectype();
        self.branch()?;
        self.chk(Tk::RightPar)?;
        self.read();
        self.parentsec = None;
        Ok(())
    }
    fn set_sectype(&mut self) {
        self.sectype = 0;
        if let Some(p) = self.plist.last() {
            self.sectype = match p[0].s.as_str() {
                "Axon" => 2,
                "Dendrite" => 3,
                "Apical" => 4,
                _ => 0,
            };
        }
    }
    fn branch(&mut self) -> PResult<()> {
        let psav = self.parentsec;
        let begin = self.x.len();
        self.treepoints()?;
        let end = self.x.len();
        self.newsec(begin, end)?;
        let c = self.cursec.expect("newsec sets cursec");
        self.arena[c].parent = self.parentsec;
        self.parentsec = Some(c);
        self.branchend()?;
        self.parentsec = psav;
        Ok(())
    }
    fn treepoints(&mut self) -> PResult<()> {
        self.treepoint()?;
        loop {
            self.optionalcomma();
            if self.cur() != Tk::LeftPar || self.la() != Tk::Number {
                break;
            }
            self.treepoint()?;
        }
        Ok(())
    }
    fn treepoint(&mut self) -> PResult<()> {
        if self.la() == Tk::Label {
            self.marker_or_property()
        } else {
            self.point(true)?;
            if self.cur() == Tk::LeftSp {
                self.spine_proc()?;
                while self.cur() == Tk::LeftSp {
                    self.spine_proc()?;
                }
            }
            Ok(())
        }
    }
    fn spine_proc(&mut self) -> PResult<()> {
        self.chk(Tk::LeftSp)?;
        self.read();
        self.nspine += 1;
        if self.x.is_empty() {
            return Err(Stop::other(self.tok(0).line, "spine before any point"));
        }
        self.properties()?;
        if let Some(p) = self.plist.first() {
            if p[0].s == "Class" && p.len() < 3 {
                return Err(Stop::other(
                    p[0].line,
                    "(Class) property of a spine needs two values",
                ));
            }
        }
        self.point(false)?;
        self.chk(Tk::RightSp)?;
        self.read();
        Ok(())
    }
    fn branchend(&mut self) -> PResult<()> {
        self.optionalcomma();
        if self.cur() == Tk::LeftPar {
            while self.la() == Tk::Label {
                self.markerlist()?;
            }
        }
        self.optionalcomma();
        if matches!(self.cur(), Tk::LeftPar | Tk::Label) {
            self.node()?;
        }
        Ok(())
    }
    fn node(&mut self) -> PResult<()> {
        match self.cur() {
            Tk::LeftPar => {
                self.read();
                self.split()?;
                self.chk(Tk::RightPar)?;
                self.read();
            }
            Tk::Label => self.read(),
            _ => return Err(self.p_err()),
        }
        Ok(())
    }
    fn split(&mut self) -> PResult<()> {
        if self.depth >= MAX_SPLIT_DEPTH {
            return Err(Stop::other(self.tok(0).line, format!("branches nested more than {MAX_SPLIT_DEPTH} deep: NEURON fails (call nested too deeply)")));
        }
        self.depth += 1;
        let r = self.split_inner();
        self.depth -= 1;
        r
    }
    fn split_inner(&mut self) -> PResult<()> {
        self.branch()?;
        while self.cur() == Tk::Bar {
            self.read();
            self.branch()?;
        }
        Ok(())
    }
    fn markerlist(&mut self) -> PResult<()> {
        self.chk(Tk::LeftPar)?;
        let line = self.tok(0).line;
        let mut pcnt = 1;
        while pcnt != 0 {
            self.read();
            if self.at_end() {
                return Err(Stop::other(
                    line,
                    "marker list never closes (NEURON loops for ever here)",
                ));
            }
            match self.cur() {
                Tk::RightPar => pcnt -= 1,
                Tk::LeftPar => pcnt += 1,
                _ => {}
            }
        }
        self.read();
        Ok(())
    }
    fn marker(&mut self) -> PResult<()> {
        self.chk(Tk::LeftPar)?;
        self.demand(Tk::Label)?;
        self.read();
        self.properties()?;
        self.points()?;
        self.chk(Tk::RightPar)?;
        self.read();
        Ok(())
    }
    fn text(&mut self) -> PResult<bool> {
        self.chk(Tk::LeftPar)?;
        self.read();
        self.properties()?;
        self.point(true)?;
        if self.cur() != Tk::Str {
            return Ok(false);
        }
        self.read();
        if self.cur() != Tk::RightPar {
            return Ok(false);
        }
        self.read();
        Ok(true)
    }
    fn points(&mut self) -> PResult<()> {
        self.point(true)?;
        loop {
            self.optionalcomma();
            if self.cur() != Tk::LeftPar {
                break;
            }
            self.point(true)?;
        }
        Ok(())
    }
    /// `point()` (keep) or `spine_point()`.
    fn point(&mut self, keep: bool) -> PResult<()> {
        self.chk(Tk::LeftPar)?;
        self.demand(Tk::Number)?;
        let xval = self.tok(0).x;
        let line = self.tok(0).line;
        let iline = self.iline_now();
        self.read();
        self.optionalcomma();
        self.chk(Tk::Number)?;
        let yval = self.tok(0).x;
        let (mut zval, mut dval) = (0.0, 0.0);
        self.read();
        // optz
        self.optionalcomma();
        if self.cur() == Tk::Number {
            zval = self.tok(0).x;
            self.read();
            // optmodifier
            self.optionalcomma();
            if self.cur() == Tk::Number {
                dval = self.tok(0).x;
                self.read();
                self.optionalcomma();
                if self.cur() == Tk::Label {
                    self.read();
                }
                // optbezier
                self.optionalcomma();
                if self.cur() == Tk::LeftPar {
                    self.demand(Tk::Number)?;
                    self.read();
                    self.optionalcomma();
                    self.chk(Tk::Number)?;
                    self.read();
                    self.optionalcomma();
                    self.chk(Tk::Number)?;
                    self.read();
                    self.optionalcomma();
                    self.chk(Tk::Number)?;
                    self.demand(Tk::RightPar)?;
                    self.read();
                }
            }
        }
        if keep {
            self.x.push(xval);
            self.y.push(yval);
            self.z.push(zval);
            self.d.push(dval);
            self.pline.push(line);
            self.iline.push(iline);
        }
        self.chk(Tk::RightPar)?;
        self.read();
        Ok(())
    }

    fn newsec(&mut self, begin: usize, end: usize) -> PResult<()> {
        let line = self
            .pline
            .get(begin)
            .copied()
            .unwrap_or_else(|| self.tok(0).line);
        let mut sec = RawSection::new(line, self.sectype);
        sec.iline = self.iline.get(begin).copied();
        if let Some(p) = self.parentsec {
            let last = match self.arena[p].pts.last() {
                Some(l) => *l,
                None => return Err(Stop::other(line, "branch of a section without points")),
            };
            if begin >= self.x.len() {
                return Err(Stop::other(line, "branch without points"));
            }
            let need_extra = !(heq(last[0], self.x[begin])
                && heq(last[1], self.y[begin])
                && heq(last[2], self.z[begin]));
            if need_extra {
                sec.pts.push([last[0], last[1], last[2], self.d[begin]]);
            }
        }
        for k in begin..end {
            sec.pts.push([self.x[k], self.y[k], self.z[k], self.d[k]]);
        }
        self.arena.push(sec);
        self.cursec = Some(self.arena.len() - 1);
        Ok(())
    }
}

fn bounding_box(raw: &[[f64; 4]]) -> [f64; 6] {
    let mut bb = [
        f64::INFINITY,
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in raw {
        for k in 0..3 {
            // std::min_element / max_element keep the first of equals
            if p[k] < bb[k] {
                bb[k] = p[k];
            }
            if bb[3 + k] < p[k] {
                bb[3 + k] = p[k];
            }
        }
    }
    bb
}

fn xy_intersect(a: &[f64; 6], b: &[f64; 6]) -> bool {
    for i in 0..2 {
        if hgt(a[i], b[3 + i]) || hgt(b[i], a[3 + i]) {
            return false;
        }
    }
    true
}

/// `MyMath::inside` on InterViews coordinates (floats).
fn inside(x: f64, y: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> bool {
    let (x, y, x1, y1, x2, y2) = (
        x as f32, y as f32, x1 as f32, y1 as f32, x2 as f32, y2 as f32,
    );
    x >= x1 && x <= x2 && y >= y1 && y <= y2
}

pub(crate) fn import(
    bytes: &[u8],
    file: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Out,
) -> Result<Import, MorphError> {
    let toks = tokenize(bytes, out.quiet);
    let mut ps = Parser {
        toks,
        gets: crate::swc::gets_lines(bytes),
        pos: 0,
        rollback_until: None,
        x: Vec::new(),
        y: Vec::new(),
        z: Vec::new(),
        d: Vec::new(),
        pline: Vec::new(),
        iline: Vec::new(),
        max_pos: 0,
        arena: Vec::new(),
        plist: Vec::new(),
        sectype: 0,
        parentsec: None,
        cursec: None,
        nspine: 0,
        b2serr: Vec::new(),
        b2serr_text: Vec::new(),
        depth: 0,
        set_depth: 0,
    };
    if !out.quiet {
        out.text.push('\n'); // rdfile
    }
    let parsed = ps.objects();
    out.text.push_str(&ps.lex_log());
    out.objects = ps.arena.len();
    if let Err(s) = parsed {
        if let Some(t) = &s.perr {
            out.text.push_str(t);
        }
        return Err(MorphError::new(file, s.line, s.message));
    }
    if ps.cur() != Tk::Eof {
        let t = ps.tok(0);
        diags.push(Diagnostic {
            line: t.line,
            message: format!(
                "reading stops at {}: the rest of the file is ignored",
                tk_name(t.kind)
            ),
        });
    }
    if ps.nspine > 0 {
        diags.push(Diagnostic {
            line: 0,
            message: format!("{} spines (not instantiated)", ps.nspine),
        });
    }
    let mut arena = ps.arena;
    if let Some(s) = arena.iter().find(|s| s.pts.is_empty()) {
        return Err(MorphError::new(file, s.line, "tree without points"));
    }
    let mut b2serr = ps.b2serr;
    let mut b2serr_text = ps.b2serr_text;
    let piline = ps.iline;
    let mut err = false;

    // ---- connect2soma: contours first
    let mut list: Vec<usize> = (0..arena.len()).filter(|&a| arena[a].contour).collect();
    let mut somas = list.clone();
    list.extend((0..arena.len()).filter(|&a| !arena[a].contour));

    // soma_contour_stack
    if !somas.is_empty() {
        let mut first = somas[0];
        let mut bb1 = bounding_box(&arena[first].pts);
        let mut j = 0usize;
        let count = somas.len();
        for _ in 1..count {
            j += 1;
            let next = somas[j];
            let bb2 = bounding_box(&arena[next].pts);
            if xy_intersect(&bb1, &bb2) {
                arena[first].contour_list.push(next);
                arena[next].subsidiary = true;
                somas.remove(j);
                j -= 1;
            } else {
                first = next;
            }
            bb1 = bb2;
        }
        for &s in &somas {
            let name = out.sec_name(s);
            somastack_makes_sense(&arena, s, &name, &mut b2serr, &mut b2serr_text);
            somastack_process(&arena, s, out);
        }
    }
    let mut roots: Vec<usize> = list
        .iter()
        .copied()
        .filter(|&a| !arena[a].contour && arena[a].parent.is_none())
        .collect();
    if !somas.is_empty() {
        let mut centers: Vec<[f64; 3]> = Vec::new();
        for &s in somas.iter() {
            let (center, xmin, xmax, ymin, ymax);
            if !arena[s].contour_list.is_empty() {
                let stack: Vec<&[[f64; 4]]> = arena[s]
                    .contour_list
                    .iter()
                    .map(|&c| &arena[c].pts[..])
                    .collect();
                center = contour::stk_center(&arena[s].pts, &stack)
                    .map_err(|m| MorphError::new(file, arena[s].line, m))?;
                let mut bbs = bounding_box(&arena[s].pts);
                for &c in &arena[s].contour_list {
                    let bbc = bounding_box(&arena[c].pts);
                    for k in 0..3 {
                        if bbs[k] > bbc[k] {
                            bbs[k] = bbc[k];
                        }
                        if bbs[k + 3] < bbc[k + 3] {
                            bbs[k + 3] = bbc[k + 3];
                        }
                    }
                }
                (xmin, xmax, ymin, ymax) = (bbs[0], bbs[3], bbs[1], bbs[4]);
            } else {
                let raw = &arena[s].pts;
                let mut xc: Vec<f64> = raw.iter().map(|p| p[0]).collect();
                let mut yc: Vec<f64> = raw.iter().map(|p| p[1]).collect();
                let mut zc: Vec<f64> = raw.iter().map(|p| p[2]).collect();
                let bb = bounding_box(raw);
                xmin = bb[0] - 0.5;
                xmax = bb[3] + 0.5;
                ymin = bb[1] - 0.5;
                ymax = bb[4] + 0.5;
                center = contour::contourcenter(&mut xc, &mut yc, &mut zc)
                    .map_err(|m| MorphError::new(file, arena[s].line, m))?;
            }
            centers.push(center);
            let mut i = roots.len();
            while i > 0 {
                i -= 1;
                let r = roots[i];
                let p0 = arena[r].pts.first().copied().unwrap_or([0.0; 4]);
                if arena[r].pts.is_empty() {
                    continue;
                }
                if inside(p0[0], p0[1], xmin, ymin, xmax, ymax) {
                    attach(&mut arena[r], s, center);
                    roots.remove(i);
                }
            }
        }
        let mut imin = 0usize;
        for &r in &roots {
            let Some(p0) = arena[r].pts.first().copied() else {
                return Err(MorphError::new(file, arena[r].line, "tree without points"));
            };
            let mut dmin = 1e9;
            for (j, c) in centers.iter().enumerate() {
                let v = [p0[0] - c[0], p0[1] - c[1], p0[2] - c[2]];
                let d = v.iter().fold(0.0, |s, a| s + a * a).sqrt();
                if hlt(d, dmin) {
                    imin = j;
                    dmin = d;
                }
            }
            err = true;
            b2serr.push(Diagnostic {
                line: arena[r].line,
                message: "main branch starts outside the soma bounding boxes: \
                          making a logical connection to center of nearest soma"
                    .into(),
            });
            // pt2id(sec.id): iline of the first point (clamped)
            let id_line = arena[r]
                .iline
                .or_else(|| piline.last().copied())
                .unwrap_or(0);
            b2serr_text.push(format!(
                "\nMain branch starting at line {id_line} is outside the soma bounding boxes"
            ));
            b2serr_text.push("  Making a logical connection to center of nearest soma".into());
            let c = centers[imin];
            attach(&mut arena[r], somas[imin], c);
        }
    }
    if ps.nspine > 0 && !out.quiet {
        out.text.push_str(&format!("{} spines\n", ps.nspine));
    }
    if err && !out.quiet {
        // errout
        out.text.push_str(&format!("\n{file} problems\n\n"));
        for t in &b2serr_text {
            out.text.push_str(t);
            out.text.push('\n');
        }
    }
    diags.extend(b2serr);
    Ok(Import { arena, list })
}

/// `somastack_process`: prints the stack's center and principal axes
/// (from the first three points of each of its contours).
fn somastack_process(arena: &[RawSection], s: usize, out: &mut Out) {
    use crate::num::{fmt_g, fmt_g_left};
    let sec = &arena[s];
    if sec.contour_list.is_empty() {
        return;
    }
    out.text.push_str(&format!(
        "somastack_process {}\n",
        sec.contour_list.len() + 1
    ));
    let mut cols: Vec<[f64; 3]> = Vec::new();
    for k in std::iter::once(s).chain(sec.contour_list.iter().copied()) {
        for p in arena[k].pts.iter().take(3) {
            cols.push([p[0], p[1], p[2]]);
        }
    }
    let n = cols.len();
    let mut center = [0.0; 3];
    for i in 0..3 {
        let sum = cols.iter().fold(0.0, |a, c| a + c[i]);
        center[i] = sum / n as f64;
    }
    out.text.push_str("center\n");
    for c in center {
        out.text.push_str(&fmt_g(c, 6));
        out.text.push('\t');
    }
    out.text.push('\n');
    let rows: Vec<Vec<f64>> = (0..3)
        .map(|i| cols.iter().map(|c| c[i] - center[i]).collect())
        .collect();
    let mut m = dense::Mat::zeros(3, 3);
    for i in 0..3 {
        for j in i..3 {
            let x = rows[i].iter().zip(&rows[j]).fold(0.0, |a, (x, y)| a + x * y);
            m.set(i, j, x);
            m.set(j, i, x);
        }
    }
    let (vals, vecs) = dense::eigen(&m);
    out.text.push_str("Principle values\n");
    for v in vals {
        out.text.push_str(&fmt_g(v, 6));
        out.text.push('\t');
    }
    out.text.push('\n');
    out.text.push_str("Principle axes\n");
    for row in vecs.d.chunks(3) {
        for &v in row {
            out.text.push(' ');
            out.text.push_str(&fmt_g_left(v, 8, 3));
        }
        out.text.push('\n');
    }
}

fn attach(sec: &mut RawSection, soma: usize, center: [f64; 3]) {
    sec.parent = Some(soma);
    sec.parentx = 0.5;
    sec.pts.insert(0, [center[0], center[1], center[2], 0.01]);
    sec.first = 1;
}

fn somastack_makes_sense(
    arena: &[RawSection],
    s: usize,
    name: &str,
    out: &mut Vec<Diagnostic>,
    text: &mut Vec<String>,
) {
    let sec = &arena[s];
    if sec.contour_list.is_empty() {
        return;
    }
    let line = sec.line;
    let msg = |m: &str| Diagnostic {
        line,
        message: m.to_string(),
    };
    let mut z = sec.pts[0][2];
    if sec.pts.iter().any(|p| !heq(z, p[2])) {
        out.push(msg("soma stack contour does not have constant z value: soma area may be seriously in error"));
        text.push(format!(
            "Soma stack contour {name} does not have constant z value."
        ));
        text.push("    Soma area calculation may be serious in error.".into());
        return;
    }
    let mut dz = 0.0;
    for (j, &c) in sec.contour_list.iter().enumerate() {
        let cs = &arena[c];
        let z2 = cs.pts[0][2];
        let mut dz2 = z2 - z;
        if heq(dz2, 0.0) {
            out.push(msg(&format!(
                "adjacent contour {j} of soma stack has same z coordinate as previous"
            )));
            text.push(format!(
                "Adjacent contour {j} of soma stack {name} has same z coordinate and previous."
            ));
            return;
        } else if hgt(dz2, 0.0) {
            dz2 = 1.0;
        } else {
            dz2 = -1.0;
        }
        if heq(dz, 0.0) {
            dz = dz2;
        } else if !heq(dz, dz2) {
            out.push(msg(&format!(
                "contour {j} of the soma stack is not monotonic in z: the soma surface is nonsense"
            )));
            text.push(format!(
                "Contour {j} of the Soma stack {name} is not monotonic in z."
            ));
            text.push(
                "    Manually edit the neurolucida file and reorder or eliminate some contours."
                    .into(),
            );
            text.push("    Presently the soma surface is nonsense.".into());
            return;
        }
        z = z2;
        if cs.pts.iter().any(|p| !heq(z, p[2])) {
            out.push(msg(&format!(
                "contour {j} of the soma stack does not have constant z value"
            )));
            text.push(format!(
                "contour {j} of the Soma stack {name} does not have constant z value."
            ));
            text.push("    Soma area calculation may be serious in error.".into());
            return;
        }
    }
}

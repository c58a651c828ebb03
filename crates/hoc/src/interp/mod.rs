//! The interpreter: symbol tables, objects, call frames, and the loop that
//! parses and runs one top-level statement at a time from a source.

mod eval;
mod exec;
mod interactive;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::ast::{FuncDef, FuncKind, NameRef};
use crate::builtins;
use crate::error::{ErrorKind, HResult, HocError};
use crate::object::{Class, ClassKind, ObjData, Object, Template};
use crate::parser::{Parser, TopLevel};
use crate::symbol::{Kind, Scope};
use crate::value::{ObjRef, Place, Slot, Value};

pub use exec::Flow;

/// ` in FILE near line N`, the line, and a caret under `at` (a byte offset).
fn location(src: &Source, at: usize) -> String {
    let text = &*src.text;
    let at = at.min(text.len());
    let anchor = if at > 0 { at - 1 } else { 0 };
    let line_start = if at > 0 && text.as_bytes().get(anchor) == Some(&b'\n') {
        text[..anchor].rfind('\n').map(|i| i + 1).unwrap_or(0)
    } else {
        text[..anchor.min(text.len())].rfind('\n').map(|i| i + 1).unwrap_or(0)
    };
    let line_no = (text[..line_start].matches('\n').count() + 1 + src.line_base).saturating_sub(src.skipped_at_stmt);
    let line_end = text[line_start..].find('\n').map(|i| line_start + i).unwrap_or(text.len());
    let line = &text[line_start..line_end];
    let caret = at - line_start;
    // Standard input has no name: NEURON says only "near line N".
    let file = if src.name.is_empty() { String::new() } else { format!(" in {}", src.name) };
    format!("{file} near line {}\n {}\n{}^\n", line_no, line, " ".repeat(caret))
}

/// The text of a HOC file as NEURON's line reader sees it: a line ends at
/// `\n`, `\r\n` or a lone `\r` (classic Mac files), and Ctrl-Z or Ctrl-D
/// ends the file (DOS editors put a Ctrl-Z at the end). Bytes that are not
/// UTF-8 (Latin-1 comments) are kept as replacement characters.
pub fn hoc_source_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0x1a || b == 0x04).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]);
    if !text.contains('\r') {
        return text.into_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Reads a HOC (or .ses) file with NEURON's line-end rules.
pub fn read_hoc_file(path: &Path) -> std::io::Result<String> {
    std::fs::read(path).map(|b| hoc_source_text(&b))
}

/// A procedure activation: its locals and arguments.
pub struct Frame {
    /// The procedure's name and object, for the call trace of errors.
    pub name: Rc<str>,
    pub this: Option<ObjRef>,
    pub slots: Vec<Slot>,
    pub args: Vec<Value>,
    /// Where each argument came from, so `$o1 = …` can write back.
    pub places: Vec<Option<Place>>,
    /// Index into `iter_stack` of the loop body an iterator runs.
    pub iter: Option<usize>,
}

/// A file or string being read; `pos` is where the next statement starts.
pub struct Source {
    pub name: String,
    pub text: Rc<str>,
    pub pos: usize,
    /// Where the running statement ends (after its newline).
    pub stmt_end: usize,
    /// Newlines consumed by fscan/getstr, which NEURON's line count skips.
    pub skipped: usize,
    /// `skipped` when the running statement began.
    pub skipped_at_stmt: usize,
    /// Line-number offset for text that is part of another file (execute).
    pub line_base: usize,
}

impl Source {
    pub fn new(name: &str, text: Rc<str>) -> Self {
        Source { name: name.to_string(), text, pos: 0, stmt_end: 0, skipped: 0, skipped_at_stmt: 0, line_base: 0 }
    }
}

/// The body of a `for iter() stmt` and the context it runs in.
pub struct IterCtx {
    pub body: Rc<crate::ast::Stmt>,
    pub frame: usize,
    pub this: Option<ObjRef>,
}

/// One entry of the call trace printed under an error.
#[derive(Clone, Debug)]
pub struct TraceLine(pub String);

pub struct Interp {
    pub globals: Scope,
    pub gslots: Vec<Slot>,
    n_builtin: u32,
    pub classes: Vec<Class>,
    pub frames: Vec<Frame>,
    pub cur: usize,
    pub this: Option<ObjRef>,
    pub out: Box<dyn Write>,
    pub sources: Vec<Source>,
    pub loaded: HashSet<String>,
    pub iter_stack: Vec<IterCtx>,
    /// The template whose body is being defined.
    pub defining: Option<u32>,
    pub depth: usize,
    pub sym_float_epsilon: u32,
    pub sym_hoc_ac: u32,
    /// Call trace of the error being unwound, innermost first.
    pub trace: Vec<String>,
    /// Built-in calls that are running HOC code (execute, xopen, load_file):
    /// their trace line and the call depth they were made at.
    pub active_builtins: Vec<(usize, String)>,
    pub trace_extra: bool,
    pub start_time: std::time::Instant,
    pub stopwatch: f64,
    /// Output redirected by `wopen` for `fprint`.
    pub fout: Option<std::fs::File>,
    /// Input opened by `ropen` for `fscan`/`getstr`.
    pub fin: Option<Rc<str>>,
    pub fin_pos: usize,
    pub lib_loaded: HashSet<&'static str>,
    /// Deepest nesting of procedure calls before an error.
    pub max_depth: usize,
    /// The cable model and HOC's state around it.
    pub eng: crate::engine::Engine,
    /// Whether the last byte written to stdout ended a line.
    pub out_at_line_start: bool,
    /// Inside `execute1(cmd, 0)`: errors are not printed.
    pub mute_errors: usize,
    /// Graphs keep what they plot, as in NEURON with a display (`nerve run
    /// --graphs`); otherwise they are `nrniv -nogui`'s inert stand-ins.
    pub graphs: bool,
    /// The host language HOC is embedded in (Python), if any.
    pub foreign: Option<Rc<dyn crate::foreign::ForeignHost>>,
    /// Where the object arguments of the running built-in method came from.
    pub native_arg_places: Vec<Option<Place>>,
    /// `object_push` stack: (the context to return to, the object pushed).
    pub obj_stack: Vec<(Option<ObjRef>, Option<ObjRef>)>,
    /// `units(&var, "units")` strings, by variable name.
    pub units: std::collections::HashMap<String, String>,
}

/// NEURON's default frame stack (-NFRAME 512) allows 511 nested calls.
pub const MAX_DEPTH: usize = 511;

impl Interp {
    pub fn new(out: Box<dyn Write>) -> Self {
        let mut it = Interp {
            globals: Scope::default(),
            gslots: Vec::new(),
            n_builtin: 0,
            classes: Vec::new(),
            frames: vec![Frame { name: "".into(), this: None, slots: Vec::new(), args: Vec::new(), places: Vec::new(), iter: None }],
            active_builtins: Vec::new(),
            cur: 0,
            this: None,
            out,
            sources: Vec::new(),
            loaded: HashSet::new(),
            iter_stack: Vec::new(),
            defining: None,
            depth: 0,
            sym_float_epsilon: 0,
            sym_hoc_ac: 0,
            trace: Vec::new(),
            trace_extra: false,
            start_time: std::time::Instant::now(),
            stopwatch: 0.0,
            fout: None,
            fin: None,
            fin_pos: 0,
            lib_loaded: HashSet::new(),
            max_depth: MAX_DEPTH,
            eng: crate::engine::Engine::new(),
            out_at_line_start: true,
            mute_errors: 0,
            graphs: false,
            foreign: None,
            native_arg_places: Vec::new(),
            obj_stack: Vec::new(),
            units: std::collections::HashMap::new(),
        };
        builtins::install(&mut it);
        crate::engine::install(&mut it);
        it.sym_float_epsilon = it.set_global_num("float_epsilon", 1e-11);
        it.sym_hoc_ac = it.set_global_num("hoc_ac_", 0.0);
        it.n_builtin = it.globals.syms.len() as u32;
        // hoc_obj_[2]: the clipboard pair of the standard library, a user
        // variable NEURON declares at start-up (models redeclare it).
        let i = it.globals.intern("hoc_obj_");
        it.ensure_gslot(i);
        it.gslots[i as usize] = Slot::Objs { dims: vec![2], data: vec![None, None] };
        it
    }

    // ------------------------------------------------------------ symbols

    /// Whether a top-level symbol is NEURON's (visible inside templates):
    /// those made at start-up and the names of mechanisms loaded later.
    pub fn is_builtin_sym(&self, i: u32) -> bool {
        i < self.n_builtin || matches!(self.globals.kind(i), Kind::Host(_))
    }

    pub fn ensure_gslot(&mut self, i: u32) {
        if self.gslots.len() <= i as usize {
            self.gslots.resize(self.globals.syms.len().max(i as usize + 1), Slot::Undef);
        }
    }

    pub fn set_global_num(&mut self, name: &str, v: f64) -> u32 {
        let i = self.globals.intern(name);
        self.ensure_gslot(i);
        self.gslots[i as usize] = Slot::Num(v);
        i
    }

    pub fn global_num(&self, i: u32) -> f64 {
        match self.gslots.get(i as usize) {
            Some(Slot::Num(x)) => *x,
            _ => 0.0,
        }
    }

    pub fn define_builtin(&mut self, name: &str, f: builtins::Builtin) {
        let i = self.globals.intern(name);
        self.globals.syms[i as usize].kind = Kind::Builtin(f);
    }

    /// NEURON's named constants (PI, E, GAMMA, FARADAY…): variables with
    /// that value, which a script may assign (models use `GAMMA = 25`).
    pub fn define_const(&mut self, name: &str, v: f64) {
        self.set_global_num(name, v);
    }

    pub fn add_native_class(&mut self, name: &str, native: builtins::NativeClass) -> u32 {
        let ci = self.classes.len() as u32;
        self.classes.push(Class { name: name.into(), kind: ClassKind::Native(native), next_index: 0, live: Vec::new(), count: Default::default() });
        let i = self.globals.intern(name);
        self.globals.syms[i as usize].kind = Kind::Class(ci);
        ci
    }

    pub fn class_scope(&self, ci: u32) -> &Scope {
        match &self.classes[ci as usize].kind {
            ClassKind::Template(t) => &t.scope,
            ClassKind::Native(_) => panic!("native class has no scope"),
        }
    }

    pub fn class_scope_mut(&mut self, ci: u32) -> &mut Scope {
        match &mut self.classes[ci as usize].kind {
            ClassKind::Template(t) => &mut t.scope,
            ClassKind::Native(_) => panic!("native class has no scope"),
        }
    }

    pub fn template(&self, ci: u32) -> Option<&Template> {
        match &self.classes[ci as usize].kind {
            ClassKind::Template(t) => Some(t),
            _ => None,
        }
    }

    pub fn template_mut(&mut self, ci: u32) -> Option<&mut Template> {
        match &mut self.classes[ci as usize].kind {
            ClassKind::Template(t) => Some(t),
            _ => None,
        }
    }

    pub fn sym_name(&self, r: NameRef) -> Rc<str> {
        match r {
            NameRef::Global(i) => self.globals.syms[i as usize].name.clone(),
            NameRef::Field(i) => {
                let ci = self.this.as_ref().map(|o| o.class).or(self.defining);
                match ci.and_then(|c| self.template(c)) {
                    Some(t) => t.scope.syms[i as usize].name.clone(),
                    None => "?".into(),
                }
            }
            NameRef::Local(_) => "local".into(),
        }
    }

    pub fn sym_kind(&self, r: NameRef) -> Option<Kind> {
        match r {
            NameRef::Global(i) => Some(self.globals.syms[i as usize].kind.clone()),
            NameRef::Field(i) => {
                let ci = self.this.as_ref().map(|o| o.class).or(self.defining)?;
                Some(self.template(ci)?.scope.syms[i as usize].kind.clone())
            }
            NameRef::Local(_) => Some(Kind::Var),
        }
    }

    /// Binds a parsed function definition to its name.
    pub fn define_func(&mut self, r: NameRef, templ: Option<u32>, def: Rc<FuncDef>) {
        let kind = match def.kind {
            FuncKind::Proc => Kind::Proc(def),
            FuncKind::Func => Kind::Func(def),
            FuncKind::Obfunc => Kind::Obfunc(def),
            FuncKind::Iterator => Kind::Iterator(def),
        };
        match (r, templ) {
            (NameRef::Global(i), _) => self.globals.syms[i as usize].kind = kind,
            (NameRef::Field(i), Some(ci)) => self.class_scope_mut(ci).syms[i as usize].kind = kind,
            _ => {}
        }
    }

    pub fn object_name(&self, o: &Object) -> String {
        format!("{}[{}]", self.classes[o.class as usize].name, o.index)
    }

    pub fn obj_name_opt(&self, o: &Option<ObjRef>) -> String {
        match o {
            Some(o) => self.object_name(o),
            None => "NULLobject".into(),
        }
    }

    /// Makes a new object of class `ci` with the given data.
    pub fn new_object(&mut self, ci: u32, data: ObjData) -> ObjRef {
        let on_drop = matches!(data, ObjData::Hoc(_)).then(|| self.eng.dropped.clone());
        let class = &mut self.classes[ci as usize];
        if class.count.get() == 0 {
            class.next_index = 0;
        }
        let index = class.next_index;
        class.next_index += 1;
        class.count.set(class.count.get() + 1);
        let o = Rc::new(Object { class: ci, index, data: std::cell::RefCell::new(data), count: Some(class.count.clone()), on_drop });
        if class.live.len() > 64 && class.live.len().is_power_of_two() {
            class.live.retain(|w| w.strong_count() > 0);
        }
        class.live.push(Rc::downgrade(&o));
        o
    }

    pub fn class_id(&self, name: &str) -> Option<u32> {
        match self.globals.get(name).map(|i| self.globals.kind(i)) {
            Some(Kind::Class(ci)) => Some(*ci),
            _ => None,
        }
    }

    // ------------------------------------------------------------ output

    /// The error for a member a class does not have; NEURON also prints it at once.
    pub fn not_public(&mut self, name: &str, class: &str) -> HocError {
        let msg = format!("'{name}' not a public member of '{class}'");
        self.end_partial_line();
        eprintln!("{msg}");
        HocError::new(msg)
    }

    pub fn write_out(&mut self, s: &str) -> HResult<()> {
        if let Some(&last) = s.as_bytes().last() {
            self.out_at_line_start = last == b'\n';
        }
        self.out.write_all(s.as_bytes()).map_err(|e| HocError::new(format!("write error: {e}")))
    }

    /// Ends a partly written stdout line (NEURON does so before an error message).
    pub fn end_partial_line(&mut self) {
        self.flush();
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    // ------------------------------------------------------------ running sources

    /// Runs a HOC file as `nrniv FILE` does.
    pub fn run_file(&mut self, path: &Path) -> HResult<()> {
        let text = read_hoc_file(path).map_err(|e| HocError::new(format!("Can't open {}: {e}", path.display())))?;
        self.run_text(&path.display().to_string(), text.into())
    }

    /// How many sources (files, strings) are being run, one inside another.
    pub fn source_depth(&self) -> usize {
        self.sources.len()
    }

    /// Parses and runs `text` statement by statement.
    /// Runs `f` with names binding in `obj` (None: the top level) and the
    /// outermost frame current, as NEURON runs a statement it was handed;
    /// the context is restored after.
    pub fn in_context<R>(&mut self, obj: Option<ObjRef>, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved_this = std::mem::replace(&mut self.this, obj);
        let saved_cur = std::mem::replace(&mut self.cur, 0);
        let r = f(self);
        self.this = saved_this;
        self.cur = saved_cur;
        r
    }

    pub fn run_text(&mut self, name: &str, text: Rc<str>) -> HResult<()> {
        self.sources.push(Source::new(name, text));
        let r = self.run_current_source();
        let src = self.sources.pop().expect("source stack");
        r.map_err(|e| self.locate(e, &src))
    }

    /// Parses `text` into statements without running them, for code run many
    /// times (NEURON compiles such text once as well).
    pub fn parse_text(&mut self, name: &str, text: Rc<str>) -> HResult<Rc<[crate::ast::Stmt]>> {
        self.sources.push(Source::new(name, text));
        let mut stmts = Vec::new();
        let r = loop {
            match self.next_toplevel() {
                Ok(TopLevel::Stmt(s)) => stmts.push(s),
                Ok(TopLevel::Eof) => break Ok(()),
                Ok(_) => break Err(HocError::new("a template cannot be defined here")),
                Err(e) => break Err(e),
            }
        };
        let src = self.sources.pop().expect("source stack");
        r.map_err(|e| self.locate(e, &src))?;
        Ok(stmts.into())
    }

    /// Runs statements made by `parse_text`.
    pub fn run_parsed(&mut self, stmts: &[crate::ast::Stmt]) -> HResult<()> {
        stmts.iter().try_for_each(|s| self.exec_toplevel(s))
    }

    /// Parses the current source's next top-level unit and moves past it.
    fn next_toplevel(&mut self) -> HResult<TopLevel> {
        let src = self.sources.last_mut().expect("source");
        let (text, pos) = (src.text.clone(), src.pos);
        // Inside an object (a method, or execute with an object) names bind to its template.
        let defining = self.defining.or(self.this.as_ref().map(|o| o.class));
        let mut p = Parser::new(self, text, pos, defining);
        let r = p.toplevel();
        let end = p.pos();
        drop(p);
        let src = self.sources.last_mut().unwrap();
        (src.pos, src.stmt_end) = (end, end);
        r
    }

    /// Runs one top-level statement (`stop` ends only the statement).
    fn exec_toplevel(&mut self, s: &crate::ast::Stmt) -> HResult<()> {
        self.trace.clear();
        self.trace_extra = false;
        match self.exec(s) {
            Err(e) if e.kind == ErrorKind::Stop => Ok(()),
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    fn run_current_source(&mut self) -> HResult<()> {
        loop {
            let src = self.sources.last_mut().expect("source");
            src.skipped_at_stmt = src.skipped;
            match self.next_toplevel()? {
                TopLevel::Eof => return Ok(()),
                TopLevel::BeginTemplate(name) => self.begin_template(&name)?,
                TopLevel::EndTemplate(name) => self.end_template(&name)?,
                TopLevel::Stmt(s) => self.exec_toplevel(&s)?,
            }
        }
    }

    /// Attaches NEURON's location lines (file, line, caret, call trace) to an error.
    fn locate(&mut self, mut e: HocError, src: &Source) -> HocError {
        if e.located || matches!(e.kind, ErrorKind::Quit(_) | ErrorKind::Stop | ErrorKind::IterBreak) {
            return e;
        }
        e.located = true;
        let at = match e.kind {
            ErrorKind::Syntax(at) => at,
            _ => src.stmt_end,
        };
        let mut msg = format!("{}\n{}", e.msg, location(src, at));
        msg.push_str(&self.take_trace());
        e.msg = msg;
        e
    }

    /// The call-trace lines under an error (innermost first, at most four):
    /// the calls already unwound, then those still active.
    pub fn take_trace(&mut self) -> String {
        let mut lines = std::mem::take(&mut self.trace);
        let mut b = self.active_builtins.len();
        for f in (1..self.frames.len()).rev() {
            while b > 0 && self.active_builtins[b - 1].0 >= f {
                lines.push(self.active_builtins[b - 1].1.clone());
                b -= 1;
            }
            let fr = &self.frames[f];
            lines.push(self.trace_line(&fr.name, fr.this.as_ref(), &fr.args));
        }
        while b > 0 {
            lines.push(self.active_builtins[b - 1].1.clone());
            b -= 1;
        }
        let mut msg = String::new();
        let n = lines.len();
        for (k, t) in lines.iter().take(4).enumerate() {
            msg.push_str(&"  ".repeat(4 - k));
            msg.push_str(t);
            msg.push('\n');
        }
        if n > 4 || self.trace_extra {
            msg.push_str("and others\n");
        }
        msg
    }

    /// Runs `f` as a built-in call that shows in error traces as `line`.
    pub fn in_builtin<R>(&mut self, line: String, f: impl FnOnce(&mut Self) -> R) -> R {
        self.active_builtins.push((self.frames.len() - 1, line));
        let r = f(self);
        self.active_builtins.pop();
        r
    }

    /// The line number NEURON reports for the running statement.
    pub fn current_line(&self) -> usize {
        self.sources
            .last()
            .map(|s| {
                let at = s.stmt_end.saturating_sub(1);
                (s.text[..at.min(s.text.len())].matches('\n').count() + 1 + s.line_base).saturating_sub(s.skipped_at_stmt)
            })
            .unwrap_or(0)
    }

    /// Prints a warning as NEURON does (`nerve: msg`, then where) and goes on.
    pub fn warn(&mut self, msg: &str) {
        if self.mute_errors > 0 {
            return;
        }
        self.end_partial_line();
        let loc = self.sources.last().map(|s| location(s, s.stmt_end)).unwrap_or_default();
        eprint!("nerve: {msg}\n{loc}");
    }

    fn begin_template(&mut self, name: &str) -> HResult<()> {
        if self.defining.is_some() {
            return Err(HocError::new(format!("{name}: begintemplate inside a template")));
        }
        let gi = self.globals.intern(name);
        if let Kind::Class(ci) = self.globals.kind(gi) {
            if self.template(*ci).is_some() {
                return Err(HocError::new(format!("{name}: template redefinition")));
            }
        }
        let ci = self.classes.len() as u32;
        self.classes.push(Class {
            name: name.into(),
            kind: ClassKind::Template(Template { scope: Scope::default(), proto: Vec::new(), this_sym: None, init_sym: None, done: false }),
            next_index: 0,
            live: Vec::new(),
            count: Default::default(),
        });
        self.globals.syms[gi as usize].kind = Kind::Class(ci);
        self.defining = Some(ci);
        Ok(())
    }

    fn end_template(&mut self, name: &str) -> HResult<()> {
        let Some(ci) = self.defining.take() else {
            return Err(HocError::new(format!("{name}: endtemplate without begintemplate")));
        };
        self.end_template_sections(ci);
        let t = self.template_mut(ci).unwrap();
        t.this_sym = t.scope.get("this");
        t.init_sym = t.scope.get("init").filter(|&i| matches!(t.scope.kind(i), Kind::Proc(_)));
        t.done = true;
        Ok(())
    }

    /// Source text position for `fscan`: the current file after the running statement.
    pub fn source_stream(&mut self) -> Option<(Rc<str>, usize)> {
        if let Some(t) = &self.fin {
            return Some((t.clone(), self.fin_pos));
        }
        self.sources.last().map(|s| (s.text.clone(), s.pos))
    }

    pub fn advance_source(&mut self, pos: usize) {
        if self.fin.is_some() {
            self.fin_pos = pos;
        } else if let Some(s) = self.sources.last_mut() {
            if pos > s.pos {
                s.skipped += s.text[s.pos..pos].matches('\n').count();
            }
            s.pos = pos;
        }
    }

    /// The file name of the innermost source, if it is a file.
    pub fn current_file(&self) -> Option<PathBuf> {
        self.sources.last().map(|s| PathBuf::from(&s.name))
    }
}

//! Statement execution.

use std::rc::Rc;

use super::{Frame, Interp, IterCtx};
use crate::ast::{Expr, FuncDef, FuncKind, NameRef, Stmt};
use crate::error::{HResult, HocError};
use crate::format::fmt_num;
use crate::hoc_err;
use crate::symbol::Kind;
use crate::value::{Slot, Value};

/// How a statement finished.
#[derive(Debug)]
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
    Stop,
}

impl Interp {
    pub fn exec(&mut self, s: &Stmt) -> HResult<Flow> {
        match s {
            Stmt::Expr(e, echo) => {
                let v = self.eval(e)?;
                if *echo && !self.is_proc_call(e) {
                    if matches!(v, Value::Str(_) | Value::SRef(_)) && is_temporary_string(e) {
                        self.write_out(&format!("\t{} \n", crate::builtins::value_str(&v)))?;
                    } else {
                        self.echo(&v)?;
                    }
                }
            }
            Stmt::Print(items) => {
                // Items are written as they are evaluated, as NEURON does.
                for e in items {
                    let v = self.eval(e)?;
                    let text = match &v {
                        Value::Num(x) => format!("{} ", fmt_num(*x)),
                        Value::Str(_) | Value::SRef(_) if !is_temporary_string(e) => crate::builtins::value_str(&v),
                        Value::Str(_) | Value::SRef(_) => format!("{} ", crate::builtins::value_str(&v)),
                        Value::Obj(o) => format!("{} ", self.obj_name_opt(o)),
                        Value::Ptr(p) => format!("{} ", fmt_num(self.read_place(p)?)),
                        Value::Sec(s) => format!("{} ", self.sec_name(*s)),
                    };
                    self.write_out(&text)?;
                }
                self.write_out("\n")?;
            }
            Stmt::Block(stmts) => {
                for s in stmts {
                    match self.exec(s)? {
                        Flow::Normal => {}
                        f => return Ok(f),
                    }
                }
            }
            Stmt::If(c, a, b) => {
                if self.eval_num(c)? != 0.0 {
                    return self.exec(a);
                } else if let Some(b) = b {
                    return self.exec(b);
                }
            }
            Stmt::While(c, body) => {
                while self.eval_num(c)? != 0.0 {
                    match self.exec(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        f => return Ok(f),
                    }
                }
            }
            Stmt::For(init, cond, step, body) => {
                if let Some(e) = init {
                    self.eval(e)?;
                }
                loop {
                    if let Some(c) = cond {
                        if self.eval_num(c)? == 0.0 {
                            break;
                        }
                    }
                    match self.exec(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        f => return Ok(f),
                    }
                    if let Some(e) = step {
                        self.eval(e)?;
                    }
                }
            }
            Stmt::ForRange(target, a, b, body) => {
                let place = self.place_of(target)?;
                let begin = self.eval_num(a)?;
                let end = self.eval_num(b)?;
                self.write_place(&place, begin)?;
                loop {
                    let i = self.read_place(&place)?;
                    if i > end + self.float_epsilon() {
                        break;
                    }
                    match self.exec(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        f => return Ok(f),
                    }
                    let i = self.read_place(&place)?;
                    self.write_place(&place, i + 1.0)?;
                }
            }
            Stmt::ForIter(call, body) => return self.for_iterator(call, body),
            Stmt::IteratorStatement => return self.iterator_statement(),
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Continue => return Ok(Flow::Continue),
            Stmt::Stop => return Err(HocError::control(crate::error::ErrorKind::Stop)),
            Stmt::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => Value::Num(0.0),
                };
                let v = match v {
                    Value::SRef(s) => Value::Str(s.borrow().as_str().into()),
                    v => v,
                };
                return Ok(Flow::Return(v));
            }
            Stmt::Double(items) => {
                for (r, dims) in items {
                    let slot = if dims.is_empty() {
                        Slot::Num(0.0)
                    } else {
                        let dims = self.eval_dims(dims)?;
                        let n = dims.iter().product();
                        Slot::Nums { dims, data: vec![0.0; n] }
                    };
                    self.declare(*r, slot)?;
                }
            }
            Stmt::Objref(items) => {
                for (r, dims) in items {
                    let dims = self.eval_dims(dims)?;
                    let n = dims.iter().product::<usize>().max(1);
                    self.declare(*r, Slot::Objs { dims, data: vec![None; n] })?;
                }
            }
            Stmt::Strdef(names) => {
                for r in names {
                    // Declaring again empties the string (and keeps references to it valid).
                    match self.slot_clone(*r) {
                        Some(Slot::Str(s)) => s.borrow_mut().clear(),
                        _ => self.declare(*r, Slot::new_str())?,
                    }
                }
            }
            Stmt::Define(..) | Stmt::Nop => {}
            Stmt::Public(names) => {
                let ci = self.defining.ok_or_else(|| hoc_err!("public declaration outside a template"))?;
                let scope = self.class_scope_mut(ci);
                for n in names {
                    let i = scope.intern(n);
                    scope.syms[i as usize].public = true;
                }
            }
            Stmt::External(names) => {
                let ci = self.defining.ok_or_else(|| hoc_err!("external declaration outside a template"))?;
                for n in names {
                    let g = self.globals.get(n).ok_or_else(|| hoc_err!("{n} not declared at the top level"))?;
                    self.class_scope_mut(ci).externals.insert(n.clone(), g);
                }
            }
            Stmt::Create(..)
            | Stmt::Access(..)
            | Stmt::SecPrefix(..)
            | Stmt::Connect { .. }
            | Stmt::Insert(..)
            | Stmt::Uninsert(..)
            | Stmt::SetPointer(..)
            | Stmt::Forall(..)
            | Stmt::Forsec(..)
            | Stmt::Ifsec(..)
            | Stmt::ForX(..) => return self.exec_section_stmt(s),
        }
        Ok(Flow::Normal)
    }

    pub fn float_epsilon(&self) -> f64 {
        self.global_num(self.sym_float_epsilon)
    }

    fn eval_dims(&mut self, dims: &[Expr]) -> HResult<Vec<usize>> {
        let mut out = Vec::with_capacity(dims.len());
        for d in dims {
            let n = self.eval_num(d)?;
            if !(n >= 0.0) || n > 1e9 {
                return Err(hoc_err!("array dimension {} out of range", fmt_num(n)));
            }
            out.push((n + self.float_epsilon()) as usize);
        }
        Ok(out)
    }

    /// Whether a top-level call statement names a procedure (which echoes nothing).
    fn is_proc_call(&self, e: &Expr) -> bool {
        match e {
            Expr::Call(r, _) => matches!(self.sym_kind(*r), Some(Kind::Proc(_))),
            _ => false,
        }
    }

    pub fn echo(&mut self, v: &Value) -> HResult<()> {
        let s = match v {
            Value::Num(x) => format!("\t{} \n", fmt_num(*x)),
            Value::Str(s) => format!("{s}\n"),
            Value::SRef(s) => format!("{}\n", s.borrow()),
            Value::Obj(o) => format!("\t{} \n", self.obj_name_opt(o)),
            Value::Ptr(p) => format!("\t{} \n", fmt_num(self.read_place(p)?)),
            Value::Sec(_) => return Ok(()),
        };
        self.write_out(&s)
    }

    /// `double`/`objref`/`strdef` (re)declaration of a name.
    fn declare(&mut self, r: NameRef, slot: Slot) -> HResult<()> {
        if let Some(k) = self.sym_kind(r) {
            match k {
                Kind::Var => {}
                _ => return Err(hoc_err!("{} : Redeclaring at top level", self.sym_name(r))),
            }
        }
        self.with_slot(r, |s| *s = slot);
        Ok(())
    }

    // ------------------------------------------------------------ calls

    /// Calls a user-defined procedure, function or iterator.
    pub fn call_user(&mut self, def: &Rc<FuncDef>, args: Vec<Value>, places: Vec<Option<crate::value::Place>>, this: Option<crate::value::ObjRef>, iter: Option<usize>) -> HResult<Value> {
        if self.depth >= self.max_depth {
            return Err(hoc_err!("{} call nested too deeply, increase with -NFRAME framesize option", def.name));
        }
        let slots = def.locals.iter().map(|&obj| if obj { Slot::Objs { dims: vec![], data: vec![None] } } else { Slot::Num(0.0) }).collect();
        self.frames.push(Frame { name: def.name.clone(), this: this.clone(), slots, args, places, iter });
        let saved_cur = self.cur;
        self.cur = self.frames.len() - 1;
        let saved_this = std::mem::replace(&mut self.this, this);
        self.depth += 1;
        // Deep HOC recursion grows the native stack on demand instead of overflowing it.
        let r = stacker::maybe_grow(256 * 1024, 4 << 20, || self.exec(&def.body));
        self.depth -= 1;
        let this = std::mem::replace(&mut self.this, saved_this);
        self.cur = saved_cur;
        let frame = self.frames.pop().expect("frame");
        let r = match r {
            Ok(Flow::Normal | Flow::Break | Flow::Continue) if def.kind == FuncKind::Func => {
                Err(hoc_err!("{} (func) returns no value", def.name))
            }
            r => r,
        };
        let flow = match r {
            Ok(f) => f,
            Err(e) => {
                let line = self.trace_line(&def.name, this.as_ref(), &frame.args);
                self.trace.push(line);
                return Err(e);
            }
        };
        Ok(match (flow, def.kind) {
            (Flow::Return(v), FuncKind::Func) => match v {
                Value::Num(_) => v,
                Value::Ptr(p) => Value::Num(self.read_place(&p)?),
                _ => return Err(hoc_err!("{}: func must return a number", def.name)),
            },
            (Flow::Return(v @ Value::Obj(_)), FuncKind::Obfunc) => v,
            (Flow::Return(_), FuncKind::Obfunc) => return Err(hoc_err!("{}: obfunc must return an object", def.name)),
            (_, FuncKind::Obfunc) => Value::Obj(None),
            _ => Value::Num(0.0),
        })
    }

    /// One call-trace line: `name(args)` or `Obj[0].name(args)`.
    pub fn trace_line(&self, name: &str, this: Option<&crate::value::ObjRef>, args: &[Value]) -> String {
        let mut s = match this {
            Some(o) => format!("{}.{}(", self.object_name(o), name),
            None => format!("{name}("),
        };
        for (k, a) in args.iter().enumerate() {
            if k > 0 {
                s.push_str(", ");
            }
            match a {
                Value::Num(x) => s.push_str(&crate::format::fmt_g(*x, 6, false, false)),
                Value::Str(t) => s.push_str(&quote_trace(t)),
                Value::SRef(t) => s.push_str(&quote_trace(&t.borrow())),
                Value::Obj(o) => s.push_str(&self.obj_name_opt(o)),
                Value::Ptr(_) | Value::Sec(_) => s.push_str("..."),
            }
        }
        s.push(')');
        s
    }

    fn for_iterator(&mut self, call: &Expr, body: &Rc<Stmt>) -> HResult<Flow> {
        let ctx = IterCtx { body: body.clone(), frame: self.cur, this: self.this.clone() };
        self.iter_stack.push(ctx);
        let idx = self.iter_stack.len() - 1;
        let r = self.eval_call_with_iter(call, idx);
        self.iter_stack.truncate(idx);
        match r {
            Err(e) if e.kind == crate::error::ErrorKind::IterBreak => Ok(Flow::Normal),
            r => r.map(|_| Flow::Normal),
        }
    }

    fn iterator_statement(&mut self) -> HResult<Flow> {
        let idx = self.frames[self.cur].iter.ok_or_else(|| hoc_err!("iterator_statement used outside an iterator"))?;
        let (body, frame, this) = {
            let c = &self.iter_stack[idx];
            (c.body.clone(), c.frame, c.this.clone())
        };
        let saved_cur = std::mem::replace(&mut self.cur, frame);
        let saved_this = std::mem::replace(&mut self.this, this);
        let r = self.exec(&body);
        self.cur = saved_cur;
        self.this = saved_this;
        match r? {
            Flow::Return(v) => Ok(Flow::Return(v)),
            Flow::Stop => Ok(Flow::Stop),
            Flow::Break => Err(HocError::control(crate::error::ErrorKind::IterBreak)),
            _ => Ok(Flow::Normal),
        }
    }
}

/// A string a function or member produced, which NEURON prints like a number
/// (tab when echoed, trailing space under print); literals and strdefs are bare.
fn is_temporary_string(e: &Expr) -> bool {
    matches!(e, Expr::Member { .. })
}

fn quote_trace(s: &str) -> String {
    if s.len() > 15 {
        format!("\"{}...\"", s.chars().take(10).collect::<String>())
    } else {
        format!("\"{s}\"")
    }
}

//! Expression evaluation, assignment, and calls.

use std::rc::Rc;

use super::Interp;
use crate::ast::{AssignOp, BinOp, Expr, FuncKind, NameRef};
use crate::builtins;
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::object::{ClassKind, ObjData};
use crate::symbol::Kind;
use crate::value::{ObjRef, Place, Slot, Value};

impl Interp {
    pub fn to_num(&self, v: Value) -> HResult<f64> {
        match v {
            Value::Num(x) => Ok(x),
            Value::Ptr(p) => self.read_place(&p),
            other => Err(hoc_err!("bad stack access: expecting (double); really ({})", other.type_name())),
        }
    }

    pub fn eval_num(&mut self, e: &Expr) -> HResult<f64> {
        match e {
            Expr::Num(n) => Ok(*n),
            Expr::Name(NameRef::Local(i)) => match &self.frames[self.cur].slots[*i as usize] {
                Slot::Num(x) => Ok(*x),
                _ => self.eval(e).and_then(|v| self.to_num(v)),
            },
            Expr::Name(NameRef::Global(i)) => match self.gslots.get(*i as usize) {
                Some(Slot::Num(x)) if matches!(self.globals.syms[*i as usize].kind, Kind::Var) => Ok(*x),
                _ => self.eval(e).and_then(|v| self.to_num(v)),
            },
            Expr::Index(NameRef::Global(i), ix) if ix.len() == 1 => {
                let k = self.eval_num(&ix[0])?;
                if let Some(Slot::Nums { data, dims }) = self.gslots.get(*i as usize) {
                    let j = (k + self.float_epsilon()) as isize;
                    if dims.len() == 1 && j >= 0 && (j as usize) < data.len() {
                        return Ok(data[j as usize]);
                    }
                }
                let v = self.eval_index(NameRef::Global(*i), &[k])?;
                self.to_num(v)
            }
            Expr::Bin(op, a, b) => match op {
                BinOp::Eq | BinOp::Ne => {
                    let (x, y) = (self.eval(a)?, self.eval(b)?);
                    let eq = self.values_equal(x, y)?;
                    Ok(((*op == BinOp::Eq) == eq) as i32 as f64)
                }
                _ => {
                    let x = self.eval_num(a)?;
                    let y = self.eval_num(b)?;
                    self.arith(*op, x, y)
                }
            },
            Expr::Neg(a) => Ok(-self.eval_num(a)?),
            Expr::Not(a) => Ok((self.eval_num(a)? == 0.0) as i32 as f64),
            _ => {
                let v = self.eval(e)?;
                self.to_num(v)
            }
        }
    }

    fn values_equal(&self, x: Value, y: Value) -> HResult<bool> {
        Ok(match (x, y) {
            (Value::Obj(a), Value::Obj(b)) => match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(&a, &b),
                _ => false,
            },
            (a @ (Value::Str(_) | Value::SRef(_)), b @ (Value::Str(_) | Value::SRef(_))) => {
                builtins::value_str(&a) == builtins::value_str(&b)
            }
            (a, b) => {
                let (d1, d2) = (self.to_num(a)?, self.to_num(b)?);
                let eps = self.float_epsilon();
                d1 <= d2 + eps && d1 >= d2 - eps
            }
        })
    }

    pub fn arith(&self, op: BinOp, d1: f64, d2: f64) -> HResult<f64> {
        let eps = self.float_epsilon();
        Ok(match op {
            BinOp::Add => d1 + d2,
            BinOp::Sub => d1 - d2,
            BinOp::Mul => d1 * d2,
            BinOp::Div => {
                if d2 == 0.0 {
                    return Err(HocError::new("division by zero"));
                }
                d1 / d2
            }
            BinOp::Mod => cyclic(d1, d2)?,
            BinOp::Pow => pow(d1, d2)?,
            BinOp::Lt => (d1 < d2 - eps) as i32 as f64,
            BinOp::Le => (d1 <= d2 + eps) as i32 as f64,
            BinOp::Gt => (d1 > d2 + eps) as i32 as f64,
            BinOp::Ge => (d1 >= d2 - eps) as i32 as f64,
            BinOp::Eq => (d1 <= d2 + eps && d1 >= d2 - eps) as i32 as f64,
            BinOp::Ne => (d1 < d2 - eps || d1 > d2 + eps) as i32 as f64,
            BinOp::And => (d1 != 0.0 && d2 != 0.0) as i32 as f64,
            BinOp::Or => (d1 != 0.0 || d2 != 0.0) as i32 as f64,
        })
    }

    pub fn eval(&mut self, e: &Expr) -> HResult<Value> {
        match e {
            Expr::Num(n) => Ok(Value::Num(*n)),
            Expr::Str(s) => Ok(Value::Str(s.clone())),
            Expr::Name(r) => self.read_name(*r),
            Expr::Index(r, ix) => {
                let mut k = Vec::with_capacity(ix.len());
                for x in ix {
                    k.push(self.eval_num(x)?);
                }
                self.eval_index(*r, &k)
            }
            Expr::Call(r, args) => self.call_name(*r, args, None),
            Expr::Member { obj, name, index, args, cache } => {
                let o = self.eval(obj)?;
                self.member(o, name, index, args.as_deref(), cache, None)
            }
            Expr::Arg(kind, n) => {
                let n = self.eval_num(n)?;
                self.arg_value(*kind, n)
            }
            Expr::ArgIndex(p, i) => {
                let place = self.ptr_arg(p)?;
                let i = self.eval_num(i)? as isize;
                Ok(Value::Num(self.read_place(&offset_place(place, i)?)?))
            }
            Expr::Bin(..) | Expr::Neg(_) | Expr::Not(_) => {
                if let Expr::Bin(op @ (BinOp::Eq | BinOp::Ne), a, b) = e {
                    let (x, y) = (self.eval(a)?, self.eval(b)?);
                    let eq = self.values_equal(x, y)?;
                    return Ok(Value::Num(((*op == BinOp::Eq) == eq) as i32 as f64));
                }
                Ok(Value::Num(self.eval_num(e)?))
            }
            Expr::Assign(op, lhs, rhs) => self.assign(*op, lhs, rhs),
            Expr::New(r, args) => self.new_instance(*r, args),
            Expr::AddrOf(inner) => {
                // A pointer to a name never assigned is an error, not a new variable.
                if let Expr::Name(r) = &**inner {
                    if matches!(self.sym_kind(*r), Some(Kind::Var)) && self.with_slot(*r, |s| matches!(s, Slot::Undef)) {
                        return Err(hoc_err!("undefined variable {}", self.sym_name(*r)));
                    }
                }
                Ok(Value::Ptr(self.place_of(inner)?))
            }
            Expr::Range(..) => Err(HocError::new("a:b is only allowed in range variable arguments")),
            Expr::Value(v) => Ok(v.clone()),
            Expr::SecCall(r, ix, args) => match self.sym_kind(*r) {
                Some(Kind::Host(h)) => {
                    let h = self.indexed_host(self.host(h), ix)?;
                    let x = match args.first() {
                        Some(e) => Some(self.eval_num(e)?),
                        None => None,
                    };
                    let s = self.host_sec(h)?;
                    Ok(Value::Num(self.host_read(s, h, x)?))
                }
                _ => Err(hoc_err!("{}[i](x) is only allowed in connect", self.sym_name(*r))),
            },
        }
    }

    /// A range array's element `name[i]` (an empty index leaves the name as it is).
    pub fn indexed_host(&mut self, h: crate::engine::Host, index: &[Expr]) -> HResult<crate::engine::Host> {
        match index.first() {
            Some(e) => {
                let i = self.eval_num(e)?;
                self.host_element(h, Some(i))
            }
            None => Ok(h),
        }
    }

    // ------------------------------------------------------------ names and slots

    /// Runs `f` on the storage slot of a name.
    pub fn with_slot<R>(&mut self, r: NameRef, f: impl FnOnce(&mut Slot) -> R) -> R {
        match r {
            NameRef::Global(i) => {
                self.ensure_gslot(i);
                f(&mut self.gslots[i as usize])
            }
            NameRef::Local(i) => f(&mut self.frames[self.cur].slots[i as usize]),
            NameRef::Field(i) => {
                if let Some(o) = self.this.clone() {
                    let mut d = o.data.borrow_mut();
                    match &mut *d {
                        ObjData::Hoc(slots) => {
                            if slots.len() <= i as usize {
                                slots.resize(i as usize + 1, Slot::Undef);
                            }
                            f(&mut slots[i as usize])
                        }
                        _ => f(&mut Slot::Undef),
                    }
                } else if let Some(t) = self.defining.and_then(|c| self.template_mut(c)) {
                    if t.proto.len() <= i as usize {
                        t.proto.resize(i as usize + 1, Slot::Undef);
                    }
                    f(&mut t.proto[i as usize])
                } else {
                    f(&mut Slot::Undef)
                }
            }
        }
    }

    pub fn slot_clone(&mut self, r: NameRef) -> Option<Slot> {
        Some(self.with_slot(r, |s| s.clone()))
    }

    fn read_name(&mut self, r: NameRef) -> HResult<Value> {
        match self.sym_kind(r) {
            Some(Kind::Var) | None => {}
            Some(Kind::Func(_) | Kind::Proc(_) | Kind::Obfunc(_) | Kind::Builtin(_)) => {
                return self.call_name(r, &[], None);
            }
            Some(Kind::Section) => return Ok(Value::Sec(self.section_by_name(r, &[])?)),
            Some(Kind::Host(h)) => {
                let h = self.host(h);
                let s = self.host_sec(h)?;
                return Ok(Value::Num(self.host_read(s, h, None)?));
            }
            Some(_) => return Err(hoc_err!("{} is not a variable", self.sym_name(r))),
        }
        if let NameRef::Field(i) = r {
            if let Some(o) = &self.this {
                if self.template(o.class).and_then(|t| t.this_sym) == Some(i) {
                    return Ok(Value::Obj(Some(o.clone())));
                }
            }
        }
        let v = self.with_slot(r, |s| match s {
            Slot::Num(x) => Some(Value::Num(*x)),
            Slot::Nums { data, .. } => Some(Value::Num(data[0])),
            Slot::Str(s) => Some(Value::SRef(s.clone())),
            Slot::Objs { data, .. } => Some(Value::Obj(data[0].clone())),
            Slot::Secs { .. } | Slot::Undef => None,
        });
        v.ok_or_else(|| hoc_err!("undefined variable {}", self.sym_name(r)))
    }

    fn flat_index(&self, name: &str, dims: &[usize], k: &[f64]) -> HResult<usize> {
        let eps = self.float_epsilon();
        if dims.len() != k.len() {
            if dims.is_empty() && k.len() == 1 && (k[0] + eps) as i64 == 0 {
                return Ok(0);
            }
            return Err(hoc_err!("{name}: wrong number of subscripts"));
        }
        let mut flat = 0usize;
        for (s, (d, x)) in dims.iter().zip(k).enumerate() {
            let j = (x + eps) as i64;
            if j < 0 || j as usize >= *d {
                return Err(hoc_err!("subscript {s} index {j} of {name} out of range {d}"));
            }
            flat = flat * d + j as usize;
        }
        Ok(flat)
    }

    pub fn eval_index(&mut self, r: NameRef, k: &[f64]) -> HResult<Value> {
        match self.sym_kind(r) {
            Some(Kind::Class(ci)) => {
                let idx = (k[0] + self.float_epsilon()) as usize;
                let name = self.classes[ci as usize].name.clone();
                return match self.classes[ci as usize].find_instance(idx) {
                    Some(o) => Ok(Value::Obj(Some(o))),
                    None => Err(hoc_err!("{name}[{idx}] is not an object")),
                };
            }
            Some(Kind::Section) => return Ok(Value::Sec(self.section_by_name(r, k)?)),
            Some(Kind::Host(h)) => {
                let h = self.host_element(self.host(h), k.first().copied())?;
                let s = self.host_sec(h)?;
                return Ok(Value::Num(self.host_read(s, h, None)?));
            }
            Some(Kind::Var) | None => {}
            Some(_) => return Err(hoc_err!("{} is not an array", self.sym_name(r))),
        }
        let name = self.sym_name(r);
        // The shape first, then the one element: an array is never copied.
        let dims = self.with_slot(r, |s| match s {
            Slot::Nums { dims, .. } | Slot::Objs { dims, .. } => Some(dims.clone()),
            Slot::Num(_) | Slot::Str(_) => Some(Vec::new()),
            Slot::Secs { .. } | Slot::Undef => None,
        });
        let Some(dims) = dims else { return Err(hoc_err!("undefined variable {name}")) };
        let i = self.flat_index(&name, &dims, k)?;
        Ok(self.with_slot(r, |s| match s {
            Slot::Nums { data, .. } => Value::Num(data[i]),
            Slot::Objs { data, .. } => Value::Obj(data[i].clone()),
            Slot::Num(x) => Value::Num(*x),
            Slot::Str(s) => Value::SRef(s.clone()),
            Slot::Secs { .. } | Slot::Undef => Value::Num(0.0),
        }))
    }

    /// The storage location the text of an lvalue names, in the present
    /// object's context (NEURON's hoc_val_pointer); an undefined name is
    /// an error, as for `&name`.
    pub fn place_of_text(&mut self, text: &str) -> HResult<Place> {
        let templ = self.this.as_ref().map(|o| o.class);
        let e = crate::parser::Parser::new(self, text.into(), 0, templ).expr()?;
        match self.eval(&Expr::AddrOf(Box::new(e)))? {
            Value::Ptr(p) => Ok(p),
            _ => Err(hoc_err!("{text} is not a variable")),
        }
    }

    /// The storage location an lvalue expression names.
    pub fn place_of(&mut self, e: &Expr) -> HResult<Place> {
        match e {
            Expr::Name(r) | Expr::Call(r, _) if matches!(self.sym_kind(*r), Some(Kind::Host(_))) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { unreachable!() };
                let x = match e {
                    Expr::Call(_, args) if !args.is_empty() => Some(self.eval_num(&args[0])?),
                    _ => None,
                };
                let h = self.host(h);
                let s = self.host_sec(h)?;
                Ok(Place::Engine(self.host_var(s, h, x)?))
            }
            Expr::SecCall(r, ix, args) if matches!(self.sym_kind(*r), Some(Kind::Host(_))) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { unreachable!() };
                let h = self.indexed_host(self.host(h), ix)?;
                let x = match args.first() {
                    Some(a) => Some(self.eval_num(a)?),
                    None => None,
                };
                let s = self.host_sec(h)?;
                Ok(Place::Engine(self.host_var(s, h, x)?))
            }
            Expr::Index(r, ix) if matches!(self.sym_kind(*r), Some(Kind::Host(_))) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { unreachable!() };
                let h = self.indexed_host(self.host(h), ix)?;
                let s = self.host_sec(h)?;
                Ok(Place::Engine(self.host_var(s, h, None)?))
            }
            Expr::Member { obj, name, index, args: Some(args), .. } => {
                let s = match self.eval(obj)? {
                    Value::Sec(s) => s,
                    // `vec.x(i)`, `m.x(i, j)`: the legacy (index) form of an array member.
                    Value::Obj(Some(o)) if index.is_empty() && !args.is_empty() => {
                        let k = self.eval_nums(args)?;
                        return self.member_place(&o, name, &k);
                    }
                    _ => return Err(HocError::new("not an lvalue")),
                };
                let h = self.host_named(name)?;
                let h = self.indexed_host(h, index)?;
                let x = match args.first() {
                    Some(a) => Some(self.eval_num(a)?),
                    None => None,
                };
                Ok(Place::Engine(self.host_var(s, h, x)?))
            }
            Expr::Name(r) => self.name_place(*r, &[]),
            Expr::Index(r, ix) => {
                let mut k = Vec::with_capacity(ix.len());
                for x in ix {
                    k.push(self.eval_num(x)?);
                }
                self.name_place(*r, &k)
            }
            Expr::Member { obj, name, index, args: None, .. } => {
                let o = self.eval(obj)?;
                if let Value::Sec(s) = o {
                    let h = self.host_named(name)?;
                    let h = self.indexed_host(h, index)?;
                    return Ok(Place::Engine(self.host_var(s, h, None)?));
                }
                let Value::Obj(Some(o)) = o else {
                    return Err(hoc_err!("nil object: can't take the address of .{name}"));
                };
                let mut k = Vec::with_capacity(index.len());
                for x in index {
                    k.push(self.eval_num(x)?);
                }
                self.member_place(&o, name, &k)
            }
            Expr::Arg('&', _) => self.ptr_arg(e),
            Expr::ArgIndex(p, i) => {
                let place = self.ptr_arg(p)?;
                let i = self.eval_num(i)? as isize;
                offset_place(place, i)
            }
            Expr::Arg('n', n) => {
                let n = self.eval_num(n)? as usize;
                Ok(Place::Arg(self.cur, n))
            }
            Expr::Value(Value::Ptr(p)) => Ok(p.clone()),
            _ => Err(HocError::new("not an lvalue")),
        }
    }

    fn name_place(&mut self, r: NameRef, k: &[f64]) -> HResult<Place> {
        let name = self.sym_name(r);
        if !matches!(self.sym_kind(r), Some(Kind::Var) | None) {
            return Err(hoc_err!("{name} is not a variable"));
        }
        let slot_dims = self.with_slot(r, |s| match s {
            Slot::Nums { dims, .. } => Some(dims.clone()),
            Slot::Undef => {
                *s = Slot::Num(0.0);
                Some(vec![])
            }
            Slot::Num(_) => Some(vec![]),
            _ => None,
        });
        // A member first assigned in a method exists in every instance, starting at 0.
        if let (NameRef::Field(i), Some(o)) = (r, &self.this) {
            let ci = o.class;
            if let Some(t) = self.template_mut(ci) {
                if t.proto.len() <= i as usize {
                    t.proto.resize(i as usize + 1, Slot::Undef);
                }
                if matches!(t.proto[i as usize], Slot::Undef) {
                    t.proto[i as usize] = Slot::Num(0.0);
                }
            }
        }
        let dims = slot_dims.ok_or_else(|| hoc_err!("{name} is not a number variable"))?;
        let idx = if k.is_empty() && !dims.is_empty() { 0 } else { self.flat_index(&name, &dims, k)? };
        Ok(match r {
            NameRef::Global(i) => Place::Global(i, idx),
            NameRef::Local(i) => Place::Local(self.cur, i, idx),
            NameRef::Field(i) => match (&self.this, self.defining) {
                (Some(o), _) => Place::Field(o.clone(), i, idx),
                (None, Some(ci)) => Place::Proto(ci, i, idx),
                (None, None) => return Err(hoc_err!("{name}: no object context")),
            },
        })
    }

    pub fn read_place(&self, p: &Place) -> HResult<f64> {
        let get = |s: &Slot, k: usize| match s {
            Slot::Num(x) if k == 0 => Some(*x),
            Slot::Nums { data, .. } => data.get(k).copied(),
            _ => None,
        };
        let v = match p {
            Place::Global(i, k) => self.gslots.get(*i as usize).and_then(|s| get(s, *k)),
            Place::Local(f, i, k) => self.frames.get(*f).and_then(|fr| fr.slots.get(*i as usize)).and_then(|s| get(s, *k)),
            Place::Field(o, i, k) => match &*o.data.borrow() {
                ObjData::Hoc(slots) => slots.get(*i as usize).and_then(|s| get(s, *k)),
                _ => None,
            },
            Place::VecElem(o, k) => match &*o.data.borrow() {
                ObjData::Vector(v) => v.data.get(*k).copied(),
                _ => None,
            },
            Place::Proto(c, i, k) => self.template(*c).and_then(|t| t.proto.get(*i as usize)).and_then(|s| get(s, *k)),
            Place::Arg(f, n) => match self.frames.get(*f).and_then(|fr| fr.args.get(n.wrapping_sub(1))) {
                Some(Value::Num(x)) => Some(*x),
                _ => None,
            },
            Place::Engine(cable::model::Var::Cell(k)) => {
                let p = self.eng.ptr_cells.get(*k).map(|c| c.0.clone()).ok_or_else(|| HocError::new("pointer to a variable that no longer exists"))?;
                return self.read_place(&p);
            }
            Place::Engine(var) => {
                if matches!(var, cable::model::Var::T) {
                    return Ok(self.globals.get("t").map(|i| self.global_num(i)).unwrap_or(0.0));
                }
                self.eng.model.read_var(var)
            }
            Place::Nowhere => None,
        };
        v.ok_or_else(|| HocError::new("pointer to a variable that no longer exists"))
    }

    pub fn write_place(&mut self, p: &Place, x: f64) -> HResult<()> {
        fn put(s: &mut Slot, k: usize, x: f64) -> bool {
            match s {
                Slot::Num(v) if k == 0 => *v = x,
                Slot::Undef if k == 0 => *s = Slot::Num(x),
                Slot::Nums { data, .. } if k < data.len() => data[k] = x,
                _ => return false,
            }
            true
        }
        let ok = match p {
            Place::Global(i, k) => {
                self.ensure_gslot(*i);
                put(&mut self.gslots[*i as usize], *k, x)
            }
            Place::Local(f, i, k) => match self.frames.get_mut(*f).and_then(|fr| fr.slots.get_mut(*i as usize)) {
                Some(s) => put(s, *k, x),
                None => false,
            },
            Place::Field(o, i, k) => match &mut *o.data.borrow_mut() {
                ObjData::Hoc(slots) => slots.get_mut(*i as usize).map(|s| put(s, *k, x)).unwrap_or(false),
                _ => false,
            },
            Place::VecElem(o, k) => match &mut *o.data.borrow_mut() {
                ObjData::Vector(v) if *k < v.data.len() => {
                    v.data[*k] = x;
                    true
                }
                _ => false,
            },
            Place::Arg(f, n) => match self.frames.get_mut(*f).and_then(|fr| fr.args.get_mut(n.wrapping_sub(1))) {
                Some(a) => {
                    *a = Value::Num(x);
                    true
                }
                None => false,
            },
            Place::Proto(c, i, k) => match self.template_mut(*c) {
                Some(t) => {
                    if t.proto.len() <= *i as usize {
                        t.proto.resize(*i as usize + 1, Slot::Undef);
                    }
                    put(&mut t.proto[*i as usize], *k, x)
                }
                None => false,
            },
            Place::Engine(cable::model::Var::Cell(k)) => {
                let p = self.eng.ptr_cells.get(*k).map(|c| c.0.clone()).ok_or_else(|| HocError::new("pointer to a variable that no longer exists"))?;
                return self.write_place(&p, x);
            }
            Place::Engine(var) => self.eng.model.write_var(var, x),
            Place::Nowhere => false,
        };
        if ok {
            Ok(())
        } else {
            Err(HocError::new("pointer to a variable that no longer exists"))
        }
    }

    // ------------------------------------------------------------ arguments

    fn frame_arg(&self, n: f64) -> HResult<&Value> {
        let fr = &self.frames[self.cur];
        let k = n as usize;
        if self.cur == 0 {
            return Err(HocError::new("can't use $ arguments outside a procedure"));
        }
        if k < 1 || k > fr.args.len() {
            return Err(hoc_err!("{} not enough arguments", fr.name));
        }
        Ok(&fr.args[k - 1])
    }

    fn arg_value(&self, kind: char, n: f64) -> HResult<Value> {
        let v = self.frame_arg(n)?;
        match (kind, v) {
            ('n', Value::Num(x)) => Ok(Value::Num(*x)),
            ('n', Value::Ptr(p)) => Ok(Value::Num(self.read_place(p)?)),
            ('s', Value::Str(_) | Value::SRef(_)) => Ok(v.clone()),
            ('o', Value::Obj(_)) => Ok(v.clone()),
            ('&', Value::Ptr(p)) => Ok(Value::Num(self.read_place(p)?)),
            ('s', _) => Err(HocError::new("Expecting string argument")),
            (_, v) => Err(stack_mismatch(
                match kind {
                    'n' => "double",
                    'o' => "Object**",
                    _ => "double*",
                },
                v,
            )),
        }
    }

    fn ptr_arg(&mut self, e: &Expr) -> HResult<Place> {
        let Expr::Arg(_, n) = e else { return Err(HocError::new("not a pointer argument")) };
        let n = self.eval_num(n)?;
        match self.frame_arg(n)? {
            Value::Ptr(p) => Ok(p.clone()),
            v => Err(hoc_err!("arg {} is a {}, expected a pointer", n as usize, v.type_name())),
        }
    }

    /// Evaluates call arguments, remembering where object and string variables came from.
    pub fn eval_args(&mut self, args: &[Expr]) -> HResult<(Vec<Value>, Vec<Option<Place>>)> {
        let mut vals = Vec::with_capacity(args.len());
        let mut places = Vec::with_capacity(args.len());
        for a in args {
            let v = self.eval(a)?;
            let place = match (&v, a) {
                (Value::Obj(_), Expr::Name(r)) => Some(self.obj_place(*r, &[])?),
                (Value::Obj(_), Expr::Index(r, ix)) => {
                    let mut k = Vec::new();
                    for x in ix {
                        k.push(self.eval_num(x)?);
                    }
                    Some(self.obj_place(*r, &k)?)
                }
                (Value::Obj(_), Expr::Arg('o', n)) => {
                    let n = self.eval_num(n)? as usize;
                    self.frames[self.cur].places.get(n.wrapping_sub(1)).cloned().flatten()
                }
                _ => None,
            };
            vals.push(v);
            places.push(place);
        }
        Ok((vals, places))
    }

    /// Where an object reference lives (for `$o1 = …`).
    fn obj_place(&mut self, r: NameRef, k: &[f64]) -> HResult<Place> {
        let name = self.sym_name(r);
        let dims = self.with_slot(r, |s| match s {
            Slot::Objs { dims, .. } => Some(dims.clone()),
            _ => None,
        });
        let Some(dims) = dims else { return Ok(Place::Nowhere) };
        let idx = if k.is_empty() { 0 } else { self.flat_index(&name, &dims, k)? };
        Ok(match r {
            NameRef::Global(i) => Place::Global(i, idx),
            NameRef::Local(i) => Place::Local(self.cur, i, idx),
            NameRef::Field(i) => match &self.this {
                Some(o) => Place::Field(o.clone(), i, idx),
                None => Place::Nowhere,
            },
        })
    }

    pub(crate) fn write_obj_place(&mut self, p: &Place, v: Option<ObjRef>) {
        fn put(s: &mut Slot, k: usize, v: Option<ObjRef>) {
            if let Slot::Objs { data, .. } = s {
                if k < data.len() {
                    data[k] = v;
                }
            }
        }
        match p {
            Place::Global(i, k) => put(&mut self.gslots[*i as usize], *k, v),
            Place::Local(f, i, k) => {
                if let Some(s) = self.frames.get_mut(*f).and_then(|fr| fr.slots.get_mut(*i as usize)) {
                    put(s, *k, v)
                }
            }
            Place::Field(o, i, k) => {
                if let ObjData::Hoc(slots) = &mut *o.data.borrow_mut() {
                    if let Some(s) = slots.get_mut(*i as usize) {
                        put(s, *k, v)
                    }
                }
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------ assignment

    fn assign(&mut self, op: AssignOp, lhs: &Expr, rhs: &Expr) -> HResult<Value> {
        if let Expr::Range(y1, y2) = rhs {
            return self.assign_range(lhs, y1, y2);
        }
        let v = self.eval(rhs)?;
        let v = match v {
            Value::Ptr(p) => Value::Num(self.read_place(&p)?),
            v => v,
        };
        match v {
            Value::Num(x) => {
                if let Some(done) = self.assign_engine(op, lhs, x)? {
                    return Ok(Value::Num(done));
                }
                let place = self.place_of(lhs)?;
                let x = match op {
                    AssignOp::Set => x,
                    _ => {
                        let old = self.read_place(&place)?;
                        let bop = match op {
                            AssignOp::Add => BinOp::Add,
                            AssignOp::Sub => BinOp::Sub,
                            AssignOp::Mul => BinOp::Mul,
                            _ => BinOp::Div,
                        };
                        self.arith(bop, old, x)?
                    }
                };
                self.write_place(&place, x)?;
                Ok(Value::Num(x))
            }
            Value::Str(_) | Value::SRef(_) => {
                let s = builtins::value_str(&v);
                let target = self.string_target(lhs)?;
                *target.borrow_mut() = s.clone();
                Ok(Value::Str(s.into()))
            }
            Value::Obj(o) => {
                self.assign_obj(lhs, o.clone())?;
                Ok(Value::Obj(o))
            }
            Value::Ptr(_) => unreachable!(),
            Value::Sec(_) => Err(HocError::new("can't assign a section")),
        }
    }

    /// Applies a compound assignment operator.
    fn combine(&self, op: AssignOp, old: f64, x: f64) -> HResult<f64> {
        let bop = match op {
            AssignOp::Set => return Ok(x),
            AssignOp::Add => BinOp::Add,
            AssignOp::Sub => BinOp::Sub,
            AssignOp::Mul => BinOp::Mul,
            AssignOp::Div => BinOp::Div,
        };
        self.arith(bop, old, x)
    }

    /// Assignments the engine handles: `L = …`, `diam(x) = …`, `sec.nseg = …`,
    /// `syn.tau = …`, `nc.weight = …`. None when `lhs` is an ordinary variable.
    fn assign_engine(&mut self, op: AssignOp, lhs: &Expr, x: f64) -> HResult<Option<f64>> {
        let (sec, h, xs) = match lhs {
            Expr::Name(r) | Expr::Call(r, _) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { return Ok(None) };
                let args: &[Expr] = match lhs {
                    Expr::Call(_, a) => a,
                    _ => &[],
                };
                let h = self.host(h);
                (self.host_sec(h)?, h, args)
            }
            Expr::Index(r, ix) | Expr::SecCall(r, _, ix) if matches!(self.sym_kind(*r), Some(Kind::Host(_))) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { unreachable!() };
                let (index, args): (&[Expr], &[Expr]) = match lhs {
                    Expr::SecCall(_, i, a) => (i.as_slice(), a),
                    _ => (ix, &[]),
                };
                let h = self.indexed_host(self.host(h), index)?;
                (self.host_sec(h)?, h, args)
            }
            Expr::Member { obj, name, index, args, .. } => {
                let base = self.eval(obj)?;
                match base {
                    Value::Sec(s) => {
                        let h = self.host_named(name)?;
                        (s, self.indexed_host(h, index)?, args.as_deref().unwrap_or(&[]))
                    }
                    Value::Obj(Some(o)) if self.template(o.class).is_none() => {
                        // `pp.dur(0) = x`: the legacy (index) form of `pp.dur[0] = x`.
                        let k = match args {
                            Some(a) if index.is_empty() && !a.is_empty() => self.eval_nums(a)?,
                            _ => self.eval_nums(index)?,
                        };
                        let old = match op {
                            AssignOp::Set => 0.0,
                            _ => match crate::builtins::call_method(self, &o, name, &k, None)? {
                                Value::Num(v) => v,
                                _ => return Err(hoc_err!("{name} is not a number")),
                            },
                        };
                        let v = self.combine(op, old, x)?;
                        if crate::builtins::set_member(self, &o, name, &k, v)? {
                            return Ok(Some(v));
                        }
                        return Ok(None);
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        match xs.first() {
            Some(Expr::Range(a, b)) => {
                let (x1, x2) = (self.eval_num(a)?, self.eval_num(b)?);
                return Err(hoc_err!("{}({}:{}) needs a range value on the right", self.host_name(h), x1, x2));
            }
            Some(e) => {
                let pos = self.eval_num(e)?;
                let old = if op == AssignOp::Set { 0.0 } else { self.host_read(sec, h, Some(pos))? };
                let v = self.combine(op, old, x)?;
                self.host_write(sec, h, Some(pos), v)?;
                Ok(Some(v))
            }
            None => {
                let old = if op == AssignOp::Set { 0.0 } else { self.host_read(sec, h, None)? };
                let v = self.combine(op, old, x)?;
                self.host_write(sec, h, None, v)?;
                Ok(Some(v))
            }
        }
    }

    fn eval_nums(&mut self, es: &[Expr]) -> HResult<Vec<f64>> {
        let mut k = Vec::with_capacity(es.len());
        for e in es {
            k.push(self.eval_num(e)?);
        }
        Ok(k)
    }

    /// The engine name `name` (a range or section variable).
    pub fn host_named(&self, name: &str) -> HResult<crate::engine::Host> {
        match self.globals.get(name).map(|i| self.globals.kind(i)) {
            Some(Kind::Host(h)) => Ok(self.host(*h)),
            _ => Err(hoc_err!("{name} not a section variable")),
        }
    }

    /// `name(x1:x2) = y1:y2`.
    fn assign_range(&mut self, lhs: &Expr, y1: &Expr, y2: &Expr) -> HResult<Value> {
        let (sec, h, args) = match lhs {
            Expr::Call(r, args) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else {
                    return Err(hoc_err!("{} is not a range variable", self.sym_name(*r)));
                };
                (self.cur_sec()?, self.host(h), args.as_slice())
            }
            Expr::SecCall(r, ix, args) if matches!(self.sym_kind(*r), Some(Kind::Host(_))) => {
                let Some(Kind::Host(h)) = self.sym_kind(*r) else { unreachable!() };
                let h = self.indexed_host(self.host(h), ix)?;
                (self.cur_sec()?, h, args.as_slice())
            }
            Expr::Member { obj, name, index, args: Some(args), .. } => {
                let Value::Sec(s) = self.eval(obj)? else { return Err(HocError::new("not a range variable")) };
                let h = self.host_named(name)?;
                (s, self.indexed_host(h, index)?, args.as_slice())
            }
            _ => return Err(HocError::new("a:b assigns only to range variables")),
        };
        let Some(Expr::Range(x1, x2)) = args.first() else {
            return Err(HocError::new("range assignment needs name(x1:x2) = y1:y2"));
        };
        let (x1, x2, y1, y2) = (self.eval_num(x1)?, self.eval_num(x2)?, self.eval_num(y1)?, self.eval_num(y2)?);
        self.host_write_range(sec, h, x1, x2, y1, y2)?;
        Ok(Value::Num(y2))
    }

    fn string_target(&mut self, lhs: &Expr) -> HResult<Rc<std::cell::RefCell<String>>> {
        let v = match lhs {
            Expr::Arg('s', n) => {
                let n = self.eval_num(n)?;
                self.frame_arg(n)?.clone()
            }
            Expr::Name(_) | Expr::Index(..) | Expr::Member { .. } => self.eval(lhs)?,
            _ => return Err(HocError::new("not a string variable")),
        };
        match v {
            Value::SRef(s) => Ok(s),
            _ => Err(HocError::new("bad stack access: expecting (char *); really (double)")),
        }
    }

    fn assign_obj(&mut self, lhs: &Expr, o: Option<ObjRef>) -> HResult<()> {
        match lhs {
            Expr::Name(r) | Expr::Index(r, _) => {
                let k = match lhs {
                    Expr::Index(_, ix) => {
                        let mut k = Vec::new();
                        for x in ix {
                            k.push(self.eval_num(x)?);
                        }
                        k
                    }
                    _ => vec![],
                };
                if !matches!(self.sym_kind(*r), Some(Kind::Var) | None) {
                    return Err(hoc_err!("{} is not an object variable", self.sym_name(*r)));
                }
                let name = self.sym_name(*r);
                let dims = self.with_slot(*r, |s| match s {
                    Slot::Objs { dims, .. } => Some(dims.clone()),
                    _ => None,
                });
                let Some(dims) = dims else {
                    return Err(hoc_err!("{name} is not an object variable"));
                };
                let idx = if k.is_empty() { 0 } else { self.flat_index(&name, &dims, &k)? };
                self.with_slot(*r, |s| {
                    if let Slot::Objs { data, .. } = s {
                        data[idx] = o;
                    }
                });
                Ok(())
            }
            Expr::Arg('o', n) => {
                let n = self.eval_num(n)? as usize;
                let place = self.frames[self.cur].places.get(n.wrapping_sub(1)).cloned().flatten();
                if let Some(a) = self.frames[self.cur].args.get_mut(n.wrapping_sub(1)) {
                    *a = Value::Obj(o.clone());
                }
                if let Some(p) = place {
                    self.write_obj_place(&p, o);
                }
                Ok(())
            }
            Expr::Member { obj, name, index, args: None, .. } => {
                let base = self.eval(obj)?;
                let Value::Obj(Some(base)) = base else {
                    return Err(hoc_err!("nil object: can't assign .{name}"));
                };
                if crate::foreign::is_foreign(self, &base) && index.is_empty() {
                    let host = self.foreign_host()?;
                    return host.set_member(self, &base, name, Value::Obj(o));
                }
                let ci = base.class;
                let Some(t) = self.template(ci) else {
                    return Err(hoc_err!("{} is not an object variable", name));
                };
                let Some(i) = t.scope.get(name) else {
                    let class = self.classes[ci as usize].name.clone();
                return Err(self.not_public(name, &class));
                };
                let mut k = Vec::new();
                for x in index {
                    k.push(self.eval_num(x)?);
                }
                let mut d = base.data.borrow_mut();
                if let ObjData::Hoc(slots) = &mut *d {
                    if let Some(Slot::Objs { dims, data }) = slots.get_mut(i as usize) {
                        let dims = dims.clone();
                        let idx = if k.is_empty() { 0 } else { self.flat_index(name, &dims, &k)? };
                        data[idx] = o;
                        return Ok(());
                    }
                }
                Err(hoc_err!("{name} is not an object variable"))
            }
            _ => Err(HocError::new("not an object variable")),
        }
    }

    // ------------------------------------------------------------ calls

    pub fn call_name(&mut self, r: NameRef, args: &[Expr], iter: Option<usize>) -> HResult<Value> {
        let kind = self.sym_kind(r);
        match kind {
            Some(Kind::Builtin(f)) => {
                let (vals, _) = self.eval_args(args)?;
                let out = f(self, &vals);
                if let Err(e) = &out {
                    // Built-in functions show in the trace, except the math ones.
                    let name = self.sym_name(r);
                    if !e.located && !builtins::funcs::is_math(&name) && !matches!(e.kind, crate::error::ErrorKind::Quit(_)) {
                        let line = self.trace_line(&name, None, &vals);
                        self.trace.push(line);
                    }
                }
                out
            }
            Some(Kind::Proc(def) | Kind::Func(def) | Kind::Obfunc(def) | Kind::Iterator(def)) => {
                if def.kind == FuncKind::Iterator && iter.is_none() {
                    return Err(hoc_err!("{}: an iterator can only be used in a for statement", def.name));
                }
                let (vals, places) = self.eval_args(args)?;
                let this = if matches!(r, NameRef::Field(_)) { self.this.clone() } else { None };
                self.call_user(&def, vals, places, this, iter)
            }
            Some(Kind::Host(h)) if matches!(self.host(h), crate::engine::Host::FTable(..)) => {
                let crate::engine::Host::FTable(m, k) = self.host(h) else { unreachable!() };
                let (vals, _) = self.eval_args(args)?;
                self.set_function_table(m, k, &vals)?;
                Ok(Value::Num(0.0))
            }
            Some(Kind::Host(h)) if matches!(self.host(h), crate::engine::Host::Func(..)) => {
                // VERBATIM C may read any argument (getarg, vector_arg, …);
                // the FUNCTION's own arguments are the numbers.
                let (vals, _) = self.eval_args(args)?;
                let nums: Vec<f64> = vals.iter().filter_map(|v| if let Value::Num(x) = v { Some(*x) } else { None }).collect();
                let h = self.host(h);
                match self.with_c_args(vals, None, |it| it.host_call(h, &nums))? {
                    Ok(v) => Ok(Value::Num(v.unwrap_or(0.0))),
                    Err(e) => {
                        // A mechanism's function shows in the trace as a built-in does.
                        let args: Vec<Value> = nums.iter().map(|&x| Value::Num(x)).collect();
                        let line = self.trace_line(&self.sym_name(r), None, &args);
                        self.trace.push(line);
                        Err(e)
                    }
                }
            }
            Some(Kind::Host(h)) => {
                let x = match args.first() {
                    Some(e) => Some(self.eval_num(e)?),
                    None => None,
                };
                let h = self.host(h);
                let s = self.host_sec(h)?;
                Ok(Value::Num(self.host_read(s, h, x)?))
            }
            _ => {
                let name = self.sym_name(r);
                let (vals, _) = self.eval_args(args)?;
                self.trace.push(self.trace_line(&name, None, &vals));
                Err(hoc_err!("{name} undefined function"))
            }
        }
    }

    pub(super) fn eval_call_with_iter(&mut self, call: &Expr, idx: usize) -> HResult<Value> {
        match call {
            Expr::Call(r, args) => self.call_name(*r, args, Some(idx)),
            Expr::Member { obj, name, index, args, cache } => {
                let o = self.eval(obj)?;
                self.member(o, name, index, args.as_deref(), cache, Some(idx))
            }
            _ => Err(HocError::new("not an iterator call")),
        }
    }

    fn new_instance(&mut self, r: NameRef, args: &[Expr]) -> HResult<Value> {
        let Some(Kind::Class(ci)) = self.sym_kind(r) else {
            return Err(hoc_err!("{} is not a template", self.sym_name(r)));
        };
        let (vals, places) = self.eval_args(args)?;
        self.instantiate(ci, vals, places).map(|o| Value::Obj(Some(o)))
    }

    /// Creates an object of class `ci` and runs its constructor.
    pub fn instantiate(&mut self, ci: u32, vals: Vec<Value>, places: Vec<Option<Place>>) -> HResult<ObjRef> {
        match &self.classes[ci as usize].kind {
            ClassKind::Native(nc) => {
                let nc = *nc;
                builtins::construct(self, ci, nc, &vals)
            }
            ClassKind::Template(t) => {
                let slots: Vec<Slot> = t.proto.iter().map(|s| s.fresh_like()).collect();
                let init = t.init_sym;
                let o = self.new_object(ci, ObjData::Hoc(slots));
                self.create_object_sections(&o);
                if let Some(i) = init {
                    let def = match self.template(ci).unwrap().scope.kind(i) {
                        Kind::Proc(d) => d.clone(),
                        _ => unreachable!(),
                    };
                    self.call_user(&def, vals, places, Some(o.clone()), None)?;
                }
                Ok(o)
            }
        }
    }

    /// `obj.name`, `obj.name[i]` or `obj.name(args)`.
    pub fn member(
        &mut self,
        o: Value,
        name: &str,
        index: &[Expr],
        args: Option<&[Expr]>,
        cache: &std::cell::Cell<(u32, u32)>,
        iter: Option<usize>,
    ) -> HResult<Value> {
        let o = match o {
            Value::Obj(Some(o)) => o,
            Value::Sec(s) => {
                let h = self.host_named(name)?;
                let h = self.indexed_host(h, index)?;
                let x = match args.and_then(|a| a.first()) {
                    Some(e) => Some(self.eval_num(e)?),
                    None => None,
                };
                return Ok(Value::Num(self.host_read(s, h, x)?));
            }
            Value::Obj(None) => return Err(hoc_err!("'{name}' object prefix is nullptr")),
            v => return Err(hoc_err!("a {} has no member {name}", v.type_name())),
        };
        let mut k = Vec::with_capacity(index.len());
        for x in index {
            k.push(self.eval_num(x)?);
        }
        let ci = o.class;
        if self.template(ci).is_none() {
            let vals = match args {
                Some(a) => {
                    let (v, p) = self.eval_args(a)?;
                    // for methods that assign to an object argument (MechanismType.make)
                    self.native_arg_places = p;
                    Some(v)
                }
                None => None,
            };
            let r = builtins::call_method(self, &o, name, &k, vals.as_deref());
            if vals.is_some() && r.is_err() && !matches!(r, Err(ref e) if e.msg.contains("not a public member")) {
                let line = self.trace_line(name, Some(&o), vals.as_deref().unwrap_or(&[]));
                self.trace.push(line);
            }
            return r;
        }
        let (cc, ci_sym) = cache.get();
        let i = if cc == ci {
            ci_sym
        } else {
            let t = self.template(ci).unwrap();
            let Some(i) = t.scope.get(name).filter(|&i| t.scope.syms[i as usize].public) else {
                let class = self.classes[ci as usize].name.clone();
                return Err(self.not_public(name, &class));
            };
            cache.set((ci, i));
            i
        };
        let kind = self.template(ci).unwrap().scope.kind(i).clone();
        match kind {
            Kind::Proc(def) | Kind::Func(def) | Kind::Obfunc(def) | Kind::Iterator(def) => {
                let (vals, places) = match args {
                    Some(a) => self.eval_args(a)?,
                    None => (vec![], vec![]),
                };
                let v = self.call_user(&def, vals, places, Some(o.clone()), iter)?;
                Ok(v)
            }
            Kind::Var => {
                if self.template(ci).unwrap().this_sym == Some(i) {
                    return Ok(Value::Obj(Some(o)));
                }
                let d = o.data.borrow();
                let ObjData::Hoc(slots) = &*d else { unreachable!() };
                let slot = slots.get(i as usize).cloned().unwrap_or_default();
                drop(d);
                match slot {
                    Slot::Num(x) => Ok(Value::Num(x)),
                    Slot::Nums { dims, data } => {
                        if k.is_empty() {
                            Ok(Value::Num(data[0]))
                        } else {
                            Ok(Value::Num(data[self.flat_index(name, &dims, &k)?]))
                        }
                    }
                    Slot::Str(s) => Ok(Value::SRef(s)),
                    Slot::Objs { dims, data } => {
                        let idx = if k.is_empty() { 0 } else { self.flat_index(name, &dims, &k)? };
                        let inner = data[idx].clone();
                        match args {
                            None => Ok(Value::Obj(inner)),
                            Some(_) => Err(hoc_err!("{name} is not a function")),
                        }
                    }
                    Slot::Secs { dims, data } => {
                        let idx = if k.is_empty() { 0 } else { self.flat_index(name, &dims, &k)? };
                        match data[idx] {
                            Some(s) => Ok(Value::Sec(s)),
                            None => Err(hoc_err!("{name}: section was deleted")),
                        }
                    }
                    Slot::Undef => Err(hoc_err!("undefined variable {name}")),
                }
            }
            Kind::Section => {
                let d = o.data.borrow();
                let ObjData::Hoc(slots) = &*d else { unreachable!() };
                match slots.get(i as usize) {
                    Some(Slot::Secs { dims, data }) => {
                        let idx = if k.is_empty() { 0 } else { self.flat_index(name, dims, &k)? };
                        data[idx].map(Value::Sec).ok_or_else(|| hoc_err!("{name}: section was deleted"))
                    }
                    _ => Err(hoc_err!("{name}: no sections")),
                }
            }
            _ => Err(hoc_err!("{name}: member kind not supported")),
        }
    }

    fn member_place(&mut self, o: &ObjRef, name: &str, k: &[f64]) -> HResult<Place> {
        if let Some(t) = self.template(o.class) {
            let Some(i) = t.scope.get(name).filter(|&i| t.scope.syms[i as usize].public) else {
                let class = self.classes[o.class as usize].name.clone();
                return Err(self.not_public(name, &class));
            };
            let dims = match &mut *o.data.borrow_mut() {
                ObjData::Hoc(slots) => {
                    if slots.len() <= i as usize {
                        slots.resize(i as usize + 1, Slot::Undef);
                    }
                    match &mut slots[i as usize] {
                        Slot::Nums { dims, .. } => Some(dims.clone()),
                        s @ Slot::Undef => {
                            *s = Slot::Num(0.0);
                            Some(vec![])
                        }
                        Slot::Num(_) => Some(vec![]),
                        _ => None,
                    }
                }
                _ => None,
            };
            let dims = dims.ok_or_else(|| hoc_err!("{name} is not a number variable"))?;
            let idx = if k.is_empty() { 0 } else { self.flat_index(name, &dims, k)? };
            return Ok(Place::Field(o.clone(), i, idx));
        }
        builtins::member_place(self, o, name, k)
    }
}

/// NEURON's message when an argument has the wrong type.
pub fn stack_mismatch(expected: &str, v: &Value) -> HocError {
    let really = match v {
        Value::Num(x) => format!("double {}", crate::format::fmt_g(*x, 6, false, false)),
        Value::Str(_) | Value::SRef(_) => "char**".to_string(),
        Value::Obj(_) => "Object**".to_string(),
        Value::Ptr(_) => "double*".to_string(),
        Value::Sec(_) => "Section*".to_string(),
    };
    hoc_err!("bad stack access: expecting {expected}; really {really}")
}

fn offset_place(p: Place, by: isize) -> HResult<Place> {
    let add = |k: usize| -> HResult<usize> {
        let j = k as isize + by;
        if j < 0 {
            Err(HocError::new("pointer offset out of range"))
        } else {
            Ok(j as usize)
        }
    };
    Ok(match p {
        Place::Global(i, k) => Place::Global(i, add(k)?),
        Place::Local(f, i, k) => Place::Local(f, i, add(k)?),
        Place::Field(o, i, k) => Place::Field(o, i, add(k)?),
        Place::VecElem(o, k) => Place::VecElem(o, add(k)?),
        other => other,
    })
}

/// HOC's `%`: a non-negative remainder.
fn cyclic(d1: f64, d2: f64) -> HResult<f64> {
    if d2 <= 0.0 {
        return Err(HocError::new("a%b, b<=0"));
    }
    let mut r = d1;
    if r >= d2 {
        r = d1 - (d1 / d2).floor() * d2;
    } else if r <= -d2 {
        r = d1 + (-d1 / d2).floor() * d2;
    }
    if r > d2 {
        r -= d2;
    }
    if r < 0.0 {
        r += d2;
    }
    Ok(r)
}

fn pow(x: f64, y: f64) -> HResult<f64> {
    let r = x.powf(y);
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(HocError::new("exponentiation argument out of domain"));
    }
    Ok(r)
}

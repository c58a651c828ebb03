//! Plotted variables and expressions: how `addvar` finds its variable,
//! how `addexpr` compiles its expression (once, as NEURON does, into
//! `hoc_ac_ = expr`), and `plot(x)`, which takes a point of each.

use super::scene::{LineRef, Source};
use super::{graph_of, ObjRef};
use crate::ast::{Expr, Stmt};
use crate::error::{HResult, HocError};
use crate::interp::Interp;
use crate::symbol::Kind;
use crate::value::Slot;

/// `addvar("name")`: the variable the name stands for now.
pub fn var_source(it: &mut Interp, name: &str) -> HResult<Source> {
    match it.place_of_text(name) {
        Ok(p) => Ok(Source::Var(p)),
        Err(_) => Err(HocError::new(format!("{name} is invalid left hand side of assignment statement"))),
    }
}

/// `addexpr("expr" [, obj])`: the expression compiled in the object's context.
pub fn expr_source(it: &mut Interp, expr: &str, obj: Option<ObjRef>) -> HResult<Source> {
    let code = it.in_context(obj.clone(), |it| it.parse_text("Graph", format!("hoc_ac_ = {expr}\n").into()))?;
    Ok(Source::Expr { code, obj })
}

/// Runs a compiled expression at top level (or in its object) and gives
/// its value; like NEURON, leaves it in `hoc_ac_`.
fn eval(it: &mut Interp, code: &[Stmt], obj: &Option<ObjRef>) -> HResult<f64> {
    it.in_context(obj.clone(), |it| it.run_parsed(code))?;
    Ok(it.global_num(it.sym_hoc_ac))
}

fn value(it: &mut Interp, src: &Source) -> HResult<Option<f64>> {
    Ok(match src {
        Source::Var(p) => it.read_place(p).ok(),
        Source::Expr { code, obj } => Some(eval(it, code, obj)?),
        Source::Points | Source::Vector { .. } | Source::Places(_) | Source::RangeVar(_) => None,
    })
}

/// Whether every variable an expression names has been defined (NEURON
/// checks at `begin` and leaves an invalid expression unplotted).
pub fn check_valid(it: &Interp, line: &LineRef) -> bool {
    let mut l = line.borrow_mut();
    if let Source::Expr { code, .. } = &l.source {
        let ok = code.iter().all(|s| match s {
            Stmt::Expr(e, _) => defined(it, e),
            _ => true,
        });
        l.valid = ok;
    }
    l.valid
}

fn defined(it: &Interp, e: &Expr) -> bool {
    let all = |v: &[Expr]| v.iter().all(|x| defined(it, x));
    match e {
        Expr::Name(r) | Expr::Index(r, _) if matches!(it.sym_kind(*r), Some(Kind::Var)) => {
            let set = match *r {
                crate::ast::NameRef::Global(i) => !matches!(it.gslots.get(i as usize), None | Some(Slot::Undef)),
                _ => true,
            };
            set && match e {
                Expr::Index(_, ix) => all(ix),
                _ => true,
            }
        }
        Expr::Index(_, v) | Expr::Call(_, v) | Expr::New(_, v) => all(v),
        Expr::Member { obj, index, args, .. } => defined(it, obj) && all(index) && args.as_deref().map_or(true, all),
        Expr::Neg(a) | Expr::Not(a) | Expr::AddrOf(a) | Expr::Arg(_, a) => defined(it, a),
        Expr::Bin(_, a, b) | Expr::Assign(_, a, b) | Expr::Range(a, b) | Expr::ArgIndex(a, b) => defined(it, a) && defined(it, b),
        Expr::SecCall(_, a, b) => all(a) && all(b),
        _ => true,
    }
}

/// `plot(x)`: the next x (or the graph's x expression) and a value of
/// each plotted variable.
pub fn plot(it: &mut Interp, o: &ObjRef, x: f64) -> HResult<()> {
    let (xdata, lines, x_src) = graph_of(o, |g| (g.x.clone(), g.lines.clone(), g.x_expr.clone()))?;
    let x = match &x_src {
        Some(src) => value(it, src)?.unwrap_or(0.0),
        None => x,
    };
    xdata.borrow_mut().add(x);
    for line in lines {
        let (src, valid) = {
            let l = line.borrow();
            (l.source.clone(), l.valid)
        };
        if !valid {
            continue;
        }
        if let Some(y) = value(it, &src)? {
            line.borrow().y.borrow_mut().add(y);
        }
    }
    Ok(())
}

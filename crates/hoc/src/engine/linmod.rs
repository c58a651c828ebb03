//! The `LinearMechanism` class (NEURON's linmod1.cpp): c·dy/dt + g·y = b
//! over the given nodes' potentials and extra states, kept by the engine
//! (`cable::linmod`). As in NEURON, the object reads its Matrix and Vector
//! arguments live: c, g and b before every step, and y receives the
//! solution after every step.

use std::cell::RefCell;
use std::rc::Rc;

use crate::builtins::matrix::MatrixObj;
use crate::engine::Dropped;
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Value};

/// The HOC object: its place in the model. Dropping it removes the equations.
pub struct LinmodObj {
    pub index: usize,
    dropped: Rc<RefCell<Vec<Dropped>>>,
}

impl Drop for LinmodObj {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(Dropped::LinMod(self.index));
    }
}

/// The HOC objects a LinearMechanism reads and writes.
pub struct LinmodLink {
    pub index: usize,
    c: ObjRef,
    g: ObjRef,
    y: ObjRef,
    b: ObjRef,
}

fn matrix_of(v: Option<&Value>, k: usize) -> HResult<ObjRef> {
    match v {
        Some(Value::Obj(Some(o))) if matches!(&*o.data.borrow(), ObjData::Native(n) if n.downcast_ref::<MatrixObj>().is_some()) => Ok(o.clone()),
        _ => Err(hoc_err!("LinearMechanism: arg {k} must be a Matrix")),
    }
}

fn vector_of(v: Option<&Value>, k: usize) -> HResult<ObjRef> {
    match v {
        Some(Value::Obj(Some(o))) if matches!(&*o.data.borrow(), ObjData::Vector(_)) => Ok(o.clone()),
        _ => Err(hoc_err!("LinearMechanism: arg {k} must be a Vector")),
    }
}

fn is_vector(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Obj(Some(o))) if matches!(&*o.data.borrow(), ObjData::Vector(_)))
}

/// A Matrix's elements, row-major, with its size.
fn matrix_data(o: &ObjRef) -> (usize, usize, Vec<f64>) {
    match &*o.data.borrow() {
        ObjData::Native(n) => {
            let m = n.downcast_ref::<MatrixObj>().expect("a Matrix");
            let cells = crate::builtins::vector::with_vec(&m.cells, |v| v.data.clone()).unwrap_or_default();
            (m.nrow, m.ncol, cells)
        }
        _ => (0, 0, Vec::new()),
    }
}

fn vector_data(o: &ObjRef) -> Vec<f64> {
    crate::builtins::vector::with_vec(o, |v| v.data.clone()).unwrap_or_default()
}

/// `LinearMechanism(c, g, y, [y0,] b [, x])` at x of the current section,
/// or `(c, g, y, [y0,] b, sectionlist, xvec [, layervec])`.
pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<ObjData> {
    let c = matrix_of(args.first(), 1)?;
    let g = matrix_of(args.get(1), 2)?;
    let y = vector_of(args.get(2), 3)?;
    let mut i = 3;
    let y0 = if is_vector(args.get(4)) {
        i += 1;
        Some(vector_of(args.get(3), 4)?)
    } else {
        None
    };
    let b = vector_of(args.get(i), i + 1)?;
    i += 1;
    let mut nodes = Vec::new();
    match args.get(i) {
        None => {}
        Some(Value::Num(x)) => {
            if !(0.0..=1.0).contains(x) {
                return Err(hoc_err!("LinearMechanism: arg {} out of range", i + 1));
            }
            let s = it.cur_sec()?;
            nodes.push((s, *x, 0));
        }
        Some(Value::Obj(Some(sl))) => {
            let secs = crate::engine::classes::section_list_items(it, sl)?;
            let xs = vector_data(&vector_of(args.get(i + 1), i + 2)?);
            let layers = match args.get(i + 2) {
                Some(_) => Some(vector_data(&vector_of(args.get(i + 2), i + 3)?)),
                None => None,
            };
            if secs.len() > xs.len() {
                return Err(hoc_err!("LinearMechanism: more sections than positions"));
            }
            for (k, s) in secs.into_iter().enumerate() {
                let layer = layers.as_ref().and_then(|l| l.get(k)).map_or(0, |&l| l as usize);
                nodes.push((s, xs[k], layer));
            }
        }
        Some(_) => return Err(hoc_err!("LinearMechanism: arg {} must be a position or a SectionList", i + 1)),
    }
    let (nr, nc, cd) = matrix_data(&c);
    let (gr, gc, gd) = matrix_data(&g);
    let size = vector_data(&y).len();
    if nr != size || nc != size || gr != size || gc != size {
        return Err(hoc_err!("LinearMechanism: c and g must be {size} x {size}, the size of y"));
    }
    let lm = cable::linmod::LinearMechanism::new(size, cd, gd, vector_data(&y), y0.as_ref().map(vector_data), vector_data(&b), nodes).map_err(|e| hoc_err!("{e}"))?;
    let index = it.eng.model.add_linmod(lm);
    it.eng.linmods.push(LinmodLink { index, c, g, y, b });
    Ok(ObjData::Native(Box::new(LinmodObj { index, dropped: it.eng.dropped.clone() })))
}

pub fn method(_it: &mut Interp, _o: &ObjRef, name: &str, _args: &[Value]) -> HResult<Option<Value>> {
    match name {
        "valid" => Ok(Some(Value::Num(1.0))),
        _ => Ok(None),
    }
}

/// c, g and b into the model (before a run and each step), as NEURON reads them.
pub fn sync_in(it: &mut Interp) -> HResult<()> {
    let e = &mut it.eng;
    sync_in_links(&e.linmods, &mut e.model)
}

/// b alone (after a continuous play within a step).
pub fn sync_b(links: &[LinmodLink], model: &mut cable::Model) -> HResult<()> {
    for l in links {
        let Some(Some(lm)) = model.linmods.get_mut(l.index) else { continue };
        crate::builtins::vector::with_vec(&l.b, |v| {
            if v.data.len() == lm.b.len() {
                lm.b.copy_from_slice(&v.data);
            }
        })?;
    }
    Ok(())
}

/// [`sync_in`] over the links and the model.
pub fn sync_in_links(links: &[LinmodLink], model: &mut cable::Model) -> HResult<()> {
    for l in links {
        let Some(Some(lm)) = model.linmods.get_mut(l.index) else { continue };
        for (o, dst) in [(&l.c, &mut lm.c), (&l.g, &mut lm.g)] {
            let ok = match &*o.data.borrow() {
                ObjData::Native(n) => match n.downcast_ref::<MatrixObj>() {
                    Some(m) => crate::builtins::vector::with_vec(&m.cells, |v| {
                        if v.data.len() == dst.len() {
                            dst.copy_from_slice(&v.data);
                            true
                        } else {
                            false
                        }
                    })?,
                    None => false,
                },
                _ => false,
            };
            if !ok {
                return Err(hoc_err!("LinearMechanism: a matrix changed its size"));
            }
        }
        let ok = crate::builtins::vector::with_vec(&l.b, |v| {
            if v.data.len() == lm.b.len() {
                lm.b.copy_from_slice(&v.data);
                true
            } else {
                false
            }
        })?;
        if !ok {
            return Err(hoc_err!("LinearMechanism: b changed its size"));
        }
    }
    Ok(())
}

/// The solution into each y Vector (after finitialize and each step).
pub fn sync_out(it: &mut Interp) {
    for l in &it.eng.linmods {
        let Some(Some(lm)) = it.eng.model.linmods.get(l.index) else { continue };
        let _ = crate::builtins::vector::with_vec(&l.y, |v| {
            if v.data.len() == lm.y.len() {
                v.data.copy_from_slice(&lm.y);
            }
        });
    }
}

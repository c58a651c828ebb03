//! Lines a Graph takes from data that can change after they are drawn —
//! `Vector.plot` (and `line`, `mark`, `ploterr`), `Graph.vector` over
//! arrays, `addobject` of a RangeVarPlot — and their reading again when
//! the graph is flushed, as NEURON reads them when it lays the graph out.

use std::cell::RefCell;
use std::rc::Rc;

use super::scene::{brush_index, color_index, DataVec, Glyph, LineRef, PolyLine, Source};
use super::{graph_of, is_obj, is_str, Graph};
use crate::builtins::{chkarg, num, object};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

impl Graph {
    /// Lines of Vectors and arrays read them again (NEURON does when it lays the graph out).
    pub(super) fn refresh_vectors(&self, it: &Interp) {
        for item in &self.scene.items {
            let Some(l) = item.line() else { continue };
            let l = l.borrow();
            let vals: Vec<f64> = match &l.source {
                Source::Vector { vec, len } => crate::builtins::vector::with_vec(vec, |v| v.data.iter().take(*len).copied().collect()).unwrap_or_default(),
                Source::Places(ps) => ps.iter().map(|p| it.read_place(p).unwrap_or(0.0)).collect(),
                _ => continue,
            };
            let mut y = l.y.borrow_mut();
            y.erase();
            for v in vals {
                y.add(v);
            }
        }
    }
}

/// What `flush` does to the data: lines of Vectors, arrays and
/// RangeVarPlots read them again (NEURON does when it lays the graph out).
pub(super) fn refresh(it: &mut Interp, o: &ObjRef) -> HResult<()> {
    let ranges: Vec<(LineRef, ObjRef)> = graph_of(o, |g| {
        g.refresh_vectors(it);
        g.scene
            .items
            .iter()
            .filter_map(|item| match &item.glyph {
                Glyph::Range(l) => match &l.borrow().source {
                    Source::RangeVar(r) => Some((l.clone(), r.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    })?;
    for (l, r) in ranges {
        let (xs, ys) = crate::engine::rvp::plotted(it, &r)?;
        let l = l.borrow();
        let (mut x, mut y) = (l.x.borrow_mut(), l.y.borrow_mut());
        x.erase();
        y.erase();
        for (a, b) in xs.into_iter().zip(ys) {
            x.add(a);
            y.add(b);
        }
    }
    Ok(())
}

/// `addobject(rvp [, color, brush [, x, y]])`: a RangeVarPlot's line, then its label.
pub(super) fn addobject(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    let r = object(a, 0)?.filter(|r| it.classes[r.class as usize].name.as_ref() == "RangeVarPlot");
    let Some(r) = r else { return Err(hoc_err!("Don't know how to plot this object type")) };
    let cb = if a.len() > 2 { Some((color_index(num(it, a, 1)?), brush_index(num(it, a, 2)?))) } else { None };
    let at = if a.len() > 4 { Some((num(it, a, 3)? as f32, num(it, a, 4)? as f32)) } else { None };
    let name = crate::engine::rvp::expr(&r)?;
    let (xs, ys) = crate::engine::rvp::plotted(it, &r)?;
    graph_of(o, |g| {
        let (c, b) = cb.unwrap_or((g.color, g.brush));
        let line = Rc::new(RefCell::new(kept_line(xs, ys, c, b, Source::RangeVar(r))));
        g.scene.append(Glyph::Range(line.clone()));
        let lab = g.next_label(&name, -1);
        line.borrow_mut().label = Some(lab.clone());
        if let (Some((x, y)), Some(i)) = (at, g.scene.label_index(&lab)) {
            g.scene.items[i].x = x;
            g.scene.items[i].y = y;
        }
    })
}

/// A keepable line holding these points, read again from `source` at flush.
fn kept_line(xs: Vec<f64>, ys: Vec<f64>, color: usize, brush: usize, source: Source) -> PolyLine {
    let mut line = PolyLine::new(DataVec::shared(), DataVec::shared(), color, brush, source);
    line.keepable = true;
    for (x, y) in xs.into_iter().zip(ys) {
        line.x.borrow_mut().add(x);
        line.y.borrow_mut().add(y);
    }
    line
}

/// `vector(n, &x, &y [, color, brush])`: a line of n points of two arrays,
/// its y values read again when the graph is flushed.
pub(super) fn vector(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    let n = chkarg(it, a, 0, 1.0, 1e5)? as usize;
    let (px, py) = (crate::builtins::pointer(a, 1)?, crate::builtins::pointer(a, 2)?);
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    let mut places = Vec::with_capacity(n);
    for i in 0..n {
        xs.push(it.read_place(&crate::builtins::vector::place_offset(&px, i))?);
        let p = crate::builtins::vector::place_offset(&py, i);
        ys.push(it.read_place(&p)?);
        places.push(p);
    }
    let cb = if a.len() > 3 { Some((color_index(num(it, a, 3)?), brush_index(num(it, a, 4)?))) } else { None };
    graph_of(o, |g| {
        let (c, b) = cb.unwrap_or((g.color, g.brush));
        g.scene.append(Glyph::Line(Rc::new(RefCell::new(kept_line(xs, ys, c, b, Source::Places(places))))));
    })
}

/// `vec.plot(g, ...)`, `vec.line(g, ...)`, `vec.mark(g, ...)`, `vec.ploterr(g, xvec, err, ...)`.
pub fn vector_method(it: &mut Interp, v: &ObjRef, name: &str, a: &[Value]) -> HResult<()> {
    let g = object(a, 0)?.filter(|g| it.classes[g.class as usize].name.as_ref() == "Graph");
    let Some(g) = g else {
        return Err(hoc_err!("{} is not a Graph", a.first().map(|x| match x {
            Value::Obj(o) => it.obj_name_opt(o),
            x => x.type_name().to_string(),
        }).unwrap_or_default()));
    };
    let (y, vlabel) = crate::builtins::vector::with_vec(v, |d| (d.data.clone(), d.label.clone()))?;
    let n = a.len();
    match name {
        "plot" | "line" => {
            if n > 4 {
                return Err(hoc_err!("Vector.line: too many arguments"));
            }
            let cb = match n {
                3 => Some((color_index(num(it, a, 1)?), brush_index(num(it, a, 2)?))),
                4 => Some((color_index(num(it, a, 2)?), brush_index(num(it, a, 3)?))),
                _ => None,
            };
            let xs: Vec<f64> = if n == 2 || n == 4 {
                if is_obj(a, 1) {
                    let x = crate::builtins::vector::vec_arg(a, 1)?;
                    x.into_iter().take(y.len()).collect()
                } else {
                    let dx = num(it, a, 1)?;
                    (0..y.len()).map(|i| i as f64 * dx).collect()
                }
            } else {
                (0..y.len()).map(|i| i as f64).collect()
            };
            graph_of(&g, |g| {
                if name == "plot" {
                    let (c, b) = cb.unwrap_or((1, 1));
                    let mut line = PolyLine::new(DataVec::shared(), DataVec::shared(), c, b, Source::Vector { vec: v.clone(), len: xs.len() });
                    line.keepable = true;
                    for (k, &x) in xs.iter().enumerate() {
                        line.x.borrow_mut().add(x);
                        line.y.borrow_mut().add(y[k]);
                    }
                    if !vlabel.is_empty() {
                        line.label = Some(g.next_label(&vlabel, -1));
                    }
                    g.scene.append(Glyph::Line(Rc::new(RefCell::new(line))));
                } else {
                    let (c, b) = cb.unwrap_or((g.color, g.brush));
                    let line = g.begin_line(c, b, Some(&vlabel));
                    let l = line.borrow();
                    for (k, &x) in xs.iter().enumerate() {
                        l.x.borrow_mut().add(x);
                        l.y.borrow_mut().add(y[k]);
                    }
                }
            })?;
            refresh(it, &g)?;
        }
        "mark" => {
            if n > 2 && !is_str(a, 2) {
                chkarg(it, a, 2, 0.0, 10.0)?;
            }
            if n > 3 {
                chkarg(it, a, 3, 0.1, 100.0)?;
            }
            let xs: Vec<f64> = if is_obj(a, 1) {
                let x = crate::builtins::vector::vec_arg(a, 1)?;
                (0..y.len()).map(|i| x.get(i).copied().unwrap_or(0.0)).collect()
            } else {
                let dx = num(it, a, 1)?;
                (0..y.len()).map(|i| i as f64 * dx).collect()
            };
            graph_of(&g, |g| {
                for (k, &x) in xs.iter().enumerate() {
                    g.mark(x, y[k]);
                }
            })?;
        }
        _ => {
            // ploterr(g, xvec, errvec [, size [, color, brush]])
            if n > 3 {
                chkarg(it, a, 3, 0.1, 100.0)?;
            }
            let x = crate::builtins::vector::vec_arg(a, 1)?;
            let e = crate::builtins::vector::vec_arg(a, 2)?;
            let m = y.len().min(x.len()).min(e.len());
            graph_of(&g, |g| {
                for i in 0..m {
                    let line = g.begin_line(g.color, g.brush, None);
                    {
                        let l = line.borrow();
                        l.x.borrow_mut().add(x[i]);
                        l.y.borrow_mut().add(y[i] - e[i]);
                        l.x.borrow_mut().add(x[i]);
                        l.y.borrow_mut().add(y[i] + e[i]);
                    }
                    g.mark(x[i], y[i] - e[i]);
                    g.mark(x[i], y[i] + e[i]);
                }
            })?;
            refresh(it, &g)?;
        }
    }
    Ok(())
}

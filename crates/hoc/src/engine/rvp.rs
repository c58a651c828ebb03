//! RangeVarPlot: a range variable (or an expression in `$1`) along the
//! path between two points of the cell, as NEURON lays it out: the
//! nodes from the begin point down to the node nearest the root, then up
//! to the end point, each at its signed path distance plus the origin.

use cable::SecId;

use crate::builtins::{num, object, string, with_native};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// A node of the cable: the 0 end of a root section, or node `i` of a
/// section (segment centres 0..nseg, `nseg` the 1 end).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Node {
    Root(SecId),
    Seg(SecId, usize),
}

/// One point of the path: where, and its distance along the path (single
/// precision, as NEURON keeps it).
#[derive(Clone, Copy)]
struct SecPos {
    sec: SecId,
    x: f32,
    len: f32,
}

pub struct Rvp {
    expr: String,
    /// The expression uses `$1` (evaluated with $1 = x) rather than naming a range variable.
    dollar: bool,
    begin: Option<(SecId, f64)>,
    end: Option<(SecId, f64)>,
    origin: f32,
    d2root: f64,
    color: i32,
    path: Vec<SecPos>,
    /// The plotted points: abscissa and the path point whose value it shows
    /// (None: a break where the variable does not exist).
    points: Vec<(f32, Option<usize>)>,
    /// Which path points have the variable.
    exists: Vec<bool>,
    /// `hoc_ac_ = expr`, parsed at its first successful evaluation.
    code: std::cell::RefCell<Option<std::rc::Rc<[crate::ast::Stmt]>>>,
}

fn parent_node(it: &Interp, s: SecId) -> Node {
    let m = &it.eng.model;
    match m.sec(s).parent {
        None => Node::Root(s),
        Some((p, px)) => node_exact(it, p, px),
    }
}

fn node_exact(it: &Interp, s: SecId, x: f64) -> Node {
    let sec = it.eng.model.sec(s);
    if x <= 0.0 || x >= 1.0 {
        let x = if sec.orientation == 1.0 { 1.0 - x.clamp(0.0, 1.0) } else { x.clamp(0.0, 1.0) };
        if x < 0.5 {
            parent_node(it, s)
        } else {
            Node::Seg(s, sec.nseg)
        }
    } else {
        Node::Seg(s, sec.seg_index(x))
    }
}

/// Distance from the 0 end of `s` to node `nd` (0 for its parent node).
fn node_dist(it: &Interp, s: Option<SecId>, nd: Node) -> f64 {
    let Some(s) = s else { return 0.0 };
    if parent_node(it, s) == nd {
        return 0.0;
    }
    let sec = it.eng.model.sec(s);
    let i = match nd {
        Node::Seg(_, i) => i,
        Node::Root(_) => 0,
    };
    let ratio = if i == sec.nseg { 1.0 } else { (i as f64 + 0.5) / sec.nseg as f64 };
    sec.l * ratio
}

fn arc_position(it: &Interp, s: SecId, nd: Node) -> f64 {
    let sec = it.eng.model.sec(s);
    let x = if parent_node(it, s) == nd {
        0.0
    } else {
        match nd {
            Node::Seg(_, i) if i == sec.nseg => 1.0,
            Node::Seg(_, i) => (i as f64 + 0.5) / sec.nseg as f64,
            Node::Root(_) => 0.0,
        }
    };
    if sec.orientation == 1.0 {
        1.0 - x
    } else {
        x
    }
}

fn node_parent(it: &Interp, nd: Node) -> Option<Node> {
    match nd {
        Node::Root(_) => None,
        Node::Seg(s, 0) => Some(parent_node(it, s)),
        Node::Seg(s, i) => Some(Node::Seg(s, i - 1)),
    }
}

fn parent_sec(it: &Interp, s: SecId) -> Option<SecId> {
    it.eng.model.sec(s).parent.map(|(p, _)| p)
}

/// The nearest ancestor section that owns the node `s` hangs from.
fn true_parent(it: &Interp, s: SecId) -> Option<SecId> {
    let pn = parent_node(it, s);
    let mut p = parent_sec(it, s);
    while let Some(q) = p {
        if parent_node(it, q) != pn {
            break;
        }
        p = parent_sec(it, q);
    }
    p
}

fn depth(it: &Interp, mut s: SecId) -> usize {
    let mut d = 0;
    while let Some(p) = parent_sec(it, s) {
        d += 1;
        s = p;
    }
    d
}

/// Path distance between two nodes, and the node of the path nearest the
/// root with its section (None when they are in different trees).
fn topol_distance(it: &Interp, mut s1: Option<SecId>, mut n1: Node, mut s2: Option<SecId>, mut n2: Node) -> (f64, Option<SecId>, Option<Node>) {
    let mut d = 0.0;
    while s1 != s2 {
        let up1 = match (s1, s2) {
            (None, _) => false,
            (_, None) => true,
            (Some(a), Some(b)) => depth(it, a) > depth(it, b),
        };
        if up1 {
            let a = s1.unwrap();
            d += node_dist(it, s1, n1);
            n1 = parent_node(it, a);
            s1 = parent_sec(it, a);
        } else {
            let b = s2.unwrap();
            d += node_dist(it, s2, n2);
            n2 = parent_node(it, b);
            s2 = parent_sec(it, b);
        }
    }
    if s1.is_none() {
        if n1 != n2 {
            return (1e20, None, None);
        }
    } else if n1 != n2 {
        let (x1, x2) = (node_dist(it, s1, n1), node_dist(it, s2, n2));
        if x1 < x2 {
            d += x2 - x1;
        } else {
            n1 = n2;
            d += x1 - x2;
        }
    }
    (d, s1, Some(n1))
}

impl Rvp {
    /// Lays out the path from the begin to the end point.
    fn set_x(&mut self, it: &mut Interp) -> HResult<()> {
        self.path.clear();
        let (Some((b, xb)), Some((e, xe))) = (self.begin, self.end) else { return Ok(()) };
        if !it.eng.model.exists(b) || !it.eng.model.exists(e) {
            return Ok(());
        }
        let (nd1, nd2) = (node_exact(it, b, xb), node_exact(it, e, xe));
        let (dist, rootsec, rootnode) = topol_distance(it, Some(b), nd1, Some(e), nd2);
        let Some(rootnode) = rootnode else {
            return Err(hoc_err!("SpacePlot No path from begin to end points"));
        };
        let (d2r, _, _) = topol_distance(it, Some(b), nd1, rootsec, rootnode);
        let mut nd = nd1;
        let mut sec = Some(b);
        let mut d = -d2r + node_dist(it, sec, nd);
        while nd != rootnode {
            let s = sec.expect("path section");
            let x = node_dist(it, sec, nd);
            self.path.push(SecPos { sec: s, x: arc_position(it, s, nd) as f32, len: (d - x) as f32 });
            if x == 0.0 {
                sec = true_parent(it, s);
                d += node_dist(it, sec, nd);
            }
            match node_parent(it, nd) {
                Some(p) => nd = p,
                None => break,
            }
        }
        let root_sec = match (sec, nd) {
            (Some(s), _) => s,
            (None, Node::Root(r)) => r,
            (None, Node::Seg(s, _)) => s,
        };
        self.path.push(SecPos { sec: root_sec, x: arc_position(it, root_sec, nd) as f32, len: 0.0 });
        let at = self.path.len();
        let mut nd = nd2;
        let mut sec = Some(e);
        let mut d = dist - d2r - node_dist(it, sec, nd);
        while nd != rootnode {
            let s = sec.expect("path section");
            let x = node_dist(it, sec, nd);
            self.path.insert(at, SecPos { sec: s, x: arc_position(it, s, nd) as f32, len: (d + x) as f32 });
            if x == 0.0 {
                sec = true_parent(it, s);
                d -= node_dist(it, sec, nd);
            }
            match node_parent(it, nd) {
                Some(p) => nd = p,
                None => break,
            }
        }
        // distance from the path's root node to the root of the tree
        let mut top = rootsec.unwrap_or(root_sec);
        while let Some(p) = parent_sec(it, top) {
            top = p;
        }
        let top_node = parent_node(it, top);
        self.d2root = topol_distance(it, rootsec, rootnode, Some(top), top_node).0;
        Ok(())
    }

    /// The plotted points, with breaks where the variable does not exist.
    fn fill(&mut self, it: &mut Interp) {
        self.points.clear();
        self.exists.clear();
        if self.path.is_empty() {
            return;
        }
        if !self.dollar {
            let base = self.expr.split('[').next().unwrap_or("");
            if it.globals.get(base).is_none() {
                return;
            }
        }
        for i in 0..self.path.len() {
            let ok = self.at_a_node_with_it(it, i) && self.value_at(it, i).is_some();
            self.exists.push(ok);
        }
        let o = self.origin;
        let mut noexist = 0;
        let mut last: Option<usize> = None;
        for i in 0..self.path.len() {
            let len = self.path[i].len + o;
            if self.exists[i] {
                last = Some(i);
                if noexist > 1 {
                    let prev = self.path[i - 1].len + o;
                    self.points.push((prev, None));
                    self.points.push((prev, Some(i)));
                }
                if i == 1 && noexist == 1 {
                    self.points.push((self.path[i - 1].len + o, Some(i)));
                }
                self.points.push((len, Some(i)));
                noexist = 0;
            } else {
                if noexist == 1 {
                    let prev = self.path[i - 1].len + o;
                    self.points.push((prev, last));
                    self.points.push((prev, None));
                }
                if i == self.path.len() - 1 && noexist == 0 {
                    self.points.push((len, last));
                }
                noexist += 1;
            }
        }
    }

    /// Whether a range variable named by the plot can exist at path point
    /// i's node: the end nodes of sections (a section's 1 end, the root's 0
    /// end) have no mechanisms, only the membrane potential and the
    /// extracellular potential. Expressions in `$1` are judged by their value.
    fn at_a_node_with_it(&self, it: &Interp, i: usize) -> bool {
        if self.dollar {
            return true;
        }
        let p = self.path[i];
        if !it.eng.model.exists(p.sec) {
            return false;
        }
        let end_node = match node_exact(it, p.sec, p.x as f64) {
            Node::Root(_) => true,
            Node::Seg(s, k) => k == it.eng.model.sec(s).nseg,
        };
        !end_node || matches!(self.expr.split('[').next().unwrap_or(""), "v" | "vext" | "i_membrane_")
    }

    /// The value at path point i, or None where the variable does not exist.
    fn value_at(&self, it: &mut Interp, i: usize) -> Option<f64> {
        let p = self.path[i];
        if !it.eng.model.exists(p.sec) {
            return None;
        }
        let saved_ac = it.global_num(it.sym_hoc_ac);
        it.set_global_num("hoc_ac_", p.x as f64);
        it.mute_errors += 1;
        let cached = self.code.borrow().clone();
        let r = it.in_context(None, |it| it.with_section(p.sec, |it| match cached {
            Some(code) => it.run_parsed(&code),
            None => {
                let cmd = if self.dollar { format!("hoc_ac_ = {}\n", self.expr.replace("$1", "hoc_ac_")) } else { format!("hoc_ac_ = {}(hoc_ac_)\n", self.expr) };
                let code = it.parse_text("RangeVarPlot", cmd.into())?;
                it.run_parsed(&code)?;
                *self.code.borrow_mut() = Some(code);
                Ok(())
            }
        }));
        it.mute_errors -= 1;
        let v = it.global_num(it.sym_hoc_ac);
        it.set_global_num("hoc_ac_", saved_ac);
        r.ok().map(|_| v)
    }

    fn update(&mut self, it: &mut Interp) -> HResult<()> {
        self.set_x(it)?;
        self.fill(it);
        Ok(())
    }
}

fn take(o: &ObjRef) -> HResult<Rvp> {
    with_native::<Rvp, _>(o, |r| std::mem::replace(r, Rvp::empty()))
}

fn put(o: &ObjRef, r: Rvp) -> HResult<()> {
    with_native::<Rvp, _>(o, |x| *x = r)
}

impl Rvp {
    fn empty() -> Self {
        Rvp { expr: String::new(), dollar: false, begin: None, end: None, origin: 0.0, d2root: 0.0, color: 1, path: Vec::new(), points: Vec::new(), exists: Vec::new(), code: Default::default() }
    }
}

/// A position argument: x in the currently accessed section.
fn position(it: &mut Interp, a: &[Value], i: usize) -> HResult<(SecId, f64)> {
    let x = num(it, a, i)?;
    Ok((it.cur_sec()?, x))
}

/// The plot's points now: abscissae and values (0 where the variable is missing).
pub fn plotted(it: &mut Interp, o: &ObjRef) -> HResult<(Vec<f64>, Vec<f64>)> {
    let r = take(o)?;
    let mut ys = Vec::with_capacity(r.points.len());
    let mut cache: Vec<Option<f64>> = vec![None; r.path.len()];
    for &(_, p) in &r.points {
        ys.push(match p {
            Some(i) => {
                if cache[i].is_none() {
                    cache[i] = Some(r.value_at(it, i).unwrap_or(0.0));
                }
                cache[i].unwrap()
            }
            None => 0.0,
        });
    }
    let xs: Vec<f64> = r.points.iter().map(|p| p.0 as f64).collect();
    put(o, r)?;
    Ok((xs, ys))
}

/// The expression plotted, which names the plot's line in a Graph.
pub fn expr(o: &ObjRef) -> HResult<String> {
    with_native::<Rvp, _>(o, |r| r.expr.clone())
}

pub fn construct(it: &mut Interp, a: &[Value]) -> HResult<Rvp> {
    let expr = string(a, 0)?;
    let mut r = Rvp::empty();
    r.dollar = expr.contains("$1");
    r.expr = expr;
    if a.len() > 1 {
        r.begin = Some(position(it, a, 1)?);
        r.update(it)?;
    }
    if a.len() > 2 {
        r.end = Some(position(it, a, 2)?);
        r.update(it)?;
    }
    Ok(r)
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let v = match name {
        "begin" | "end" => {
            let p = position(it, a, 0)?;
            let mut r = take(o)?;
            if name == "begin" {
                r.begin = Some(p);
            } else {
                r.end = Some(p);
            }
            let res = r.update(it);
            put(o, r)?;
            res?;
            Value::Num(1.0)
        }
        "origin" => {
            let x = num(it, a, 0)?;
            let mut r = take(o)?;
            r.origin = x as f32;
            r.fill(it);
            put(o, r)?;
            Value::Num(1.0)
        }
        "d2root" => Value::Num(with_native::<Rvp, _>(o, |r| r.d2root)?),
        "left" => Value::Num(with_native::<Rvp, _>(o, |r| r.path.first().map_or(r.origin, |p| p.len + r.origin))? as f64),
        "right" => Value::Num(with_native::<Rvp, _>(o, |r| r.path.last().map_or(r.origin, |p| p.len + r.origin))? as f64),
        "color" => {
            let old = with_native::<Rvp, _>(o, |r| r.color)?;
            if !a.is_empty() {
                let c = crate::builtins::chkarg(it, a, 0, 0.0, 100.0)? as i32;
                with_native::<Rvp, _>(o, |r| r.color = c)?;
            }
            Value::Num(old as f64)
        }
        "list" => {
            let Some(l) = object(a, 0)? else { return Err(hoc_err!("SectionList expected")) };
            if crate::builtins::native_class(it, &l) != Some(crate::builtins::NativeClass::SectionList) {
                return Err(hoc_err!("{} is not a SectionList", it.object_name(&l)));
            }
            let secs = with_native::<Rvp, _>(o, |r| r.path.iter().map(|p| p.sec).collect::<Vec<_>>())?;
            super::classes::with_seclist(&l, |sl| {
                let mut last = None;
                for s in secs {
                    if last != Some(s) {
                        sl.secs.push(s);
                        last = Some(s);
                    }
                }
            })?;
            Value::Num(0.0)
        }
        "to_vector" | "vector" => {
            if name == "to_vector" && a.len() > 2 {
                return Err(hoc_err!("Too many arguments RangeVarPlot.to_vector takes 1 or 2 arguments."));
            }
            if name == "vector" && !a.is_empty() {
                return Err(hoc_err!("Too many arguments RangeVarPlot.vector takes no arguments; were you thinking of .to_vector?"));
            }
            let (xs, ys) = plotted(it, o)?;
            let n = ys.len();
            if name == "vector" {
                return Ok(Some(Value::Obj(Some(crate::builtins::vector::new_vector(it, ys)))));
            }
            let Some(y) = object(a, 0)? else { return Err(hoc_err!("Vector expected")) };
            crate::builtins::vector::with_vec(&y, |v| v.data = ys)?;
            if a.len() > 1 {
                if let Some(x) = object(a, 1)? {
                    crate::builtins::vector::with_vec(&x, |v| v.data = xs)?;
                }
            }
            Value::Num(n as f64)
        }
        "from_vector" => {
            let Some(y) = object(a, 0)? else { return Err(hoc_err!("Vector expected")) };
            let ys = crate::builtins::vector::with_vec(&y, |v| v.data.clone())?;
            let r = take(o)?;
            let pts = r.points.clone();
            let path = r.path.clone();
            let expr = r.expr.clone();
            let dollar = r.dollar;
            put(o, r)?;
            if !dollar {
                for (k, &(_, p)) in pts.iter().enumerate() {
                    if let (Some(i), Some(&val)) = (p, ys.get(k)) {
                        let sp = path[i];
                        let cmd = format!("{}({}) = {}\n", expr, sp.x, crate::format::fmt_g(val, 17, false, false));
                        let saved_this = it.this.take();
                        let _ = it.with_section(sp.sec, |it| it.run_text("RangeVarPlot", cmd.into()));
                        it.this = saved_this;
                    }
                }
            }
            Value::Num(pts.len() as f64)
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

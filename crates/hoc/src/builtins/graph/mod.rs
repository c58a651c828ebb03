//! The `Graph` class as NEURON's with a display: nothing is drawn, but a
//! graph keeps what it would draw — its plotted variables and expressions,
//! the lines given point by point or by Vectors, labels and marks, in
//! NEURON's order — so that `line_info`, `getline` and the run system's
//! plotting (`graphList`, `begin`/`plot`/`flush`) answer as with a GUI.
//! `Graph()` has a view (a window nobody sees), `Graph(0)` none until
//! `view`; the run system plots only graphs with a view, as NEURON's does.

mod axis;
mod lines;
mod menu;
pub mod scene;
mod vectors;
mod view;

pub use vectors::vector_method;
use vectors::{addobject, refresh, vector};

use std::cell::RefCell;
use std::rc::Rc;

use scene::{brush_index, color_index, DataVec, Glyph, Label, LabelRef, LineRef, PolyLine, Scene, Source};
use view::ViewBox;

use super::{chkarg, num, object, string, with_native};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

/// A graph's state: its scene and what later additions take from it.
pub struct Graph {
    scene: Scene,
    /// Plotted variables and expressions (NEURON's line list), in order of addition.
    lines: Vec<LineRef>,
    /// The x values `plot` gives, shared by every plotted variable.
    x: scene::Data,
    x_expr: Option<Source>,
    color: usize,
    brush: usize,
    label_fixtype: i32,
    label_x: f32,
    label_y: f32,
    label_n: f32,
    family_on: bool,
    keep_lines: bool,
    family_label: Option<LabelRef>,
    family_cnt: i32,
    current: Option<LineRef>,
    views: usize,
    /// The scene's extent: x1, y1, x2, y2.
    extent: [f32; 4],
    /// The first view (meaningful when there is one).
    view: ViewBox,
    /// The mouse tools scripts added (`menu_tool`).
    tools: Vec<menu::Tool>,
    /// The chosen mouse tool (one of a radio group).
    tool: String,
}

/// A new Graph's scene, which a mapped window shows whole.
const SCENE: [f32; 4] = [0.0, 0.0, 300.0, 200.0];

impl Graph {
    pub fn new(views: usize) -> Self {
        Graph {
            scene: Scene::default(),
            lines: Vec::new(),
            x: DataVec::shared(),
            x_expr: None,
            color: 1,
            brush: 1,
            label_fixtype: 2,
            label_x: 0.0,
            label_y: 1.0,
            label_n: 0.0,
            family_on: false,
            keep_lines: false,
            family_label: None,
            family_cnt: 0,
            current: None,
            views,
            extent: SCENE,
            view: ViewBox::new(SCENE[0], SCENE[1], SCENE[2] - SCENE[0], SCENE[3] - SCENE[1]),
            tools: Vec::new(),
            tool: menu::FIRST_TOOL.to_string(),
        }
    }

    /// A label at (x, y) in the scene.
    fn label_at(&mut self, x: f32, y: f32, text: &str, fixtype: i32) -> LabelRef {
        let l = Rc::new(RefCell::new(Label { text: text.to_string(), fixtype, erase_flag: false }));
        self.scene.append(Glyph::Label(l.clone()));
        self.scene.move_last(x, y);
        l
    }

    /// The next label of the label column (`label("text")`).
    fn next_label(&mut self, text: &str, fixtype: i32) -> LabelRef {
        self.label_n += 1.0;
        let ft = if fixtype != -1 { fixtype } else { self.label_fixtype };
        self.label_at(self.label_x, self.label_y, text, ft)
    }

    fn new_size(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let (mut x1, mut y1, mut x2, mut y2) = (x1, y1, x2, y2);
        if x1 == x2 {
            x1 -= 1.0;
            x2 += 1.0;
        }
        if y1 == y2 {
            y1 -= 1.0;
            y2 += 1.0;
        }
        self.extent = [x1, y1, x2, y2];
        if self.views > 0 {
            self.view.set(x1, y1, x2, y2);
        }
        if self.label_fixtype == 1 {
            self.label_x = x2 - 0.2 * (x2 - x1);
            self.label_y = y2 - 0.1 * (y2 - y1);
        } else if self.label_fixtype == 2 {
            self.label_x = 0.8;
            self.label_y = 0.9;
        }
        self.label_n = 0.0;
    }

    /// The extent of what the graph shows: lines with more than one point
    /// and marks, else the scene's.
    fn whole_plot(&self) -> [f32; 4] {
        let (mut l, mut b, mut r, mut t) = (1e9f32, 1e9f32, -1e9f32, -1e9f32);
        for item in &self.scene.items {
            if let Some(line) = item.line() {
                let line = line.borrow();
                if line.x.borrow().count() > 1 {
                    let (x0, x1) = line.x.borrow().min_max();
                    let (y0, y1) = line.y.borrow().min_max();
                    l = l.min(x0);
                    b = b.min(y0);
                    r = r.max(x1);
                    t = t.max(y1);
                }
            }
            if let Glyph::Mark = item.glyph {
                l = l.min(item.x);
                b = b.min(item.y);
                r = r.max(item.x);
                t = t.max(item.y);
            }
        }
        let [x1, y1, x2, y2] = self.extent;
        if l >= r {
            l = x1;
            r = x2;
        }
        if b >= t {
            b = y1;
            t = y2;
        }
        if t > 1e30 {
            t = 1e30;
        }
        if b < -1e30 {
            t = -1e30;
        }
        [l, b, r, t]
    }

    fn begin_line(&mut self, color: usize, brush: usize, label: Option<&str>) -> LineRef {
        let line = Rc::new(RefCell::new(PolyLine::new(DataVec::shared(), DataVec::shared(), color, brush, Source::Points)));
        if let Some(s) = label.filter(|s| !s.is_empty()) {
            let l = self.next_label(s, -1);
            line.borrow_mut().label = Some(l);
        }
        self.scene.append(Glyph::Line(line.clone()));
        self.current = Some(line.clone());
        line
    }

    fn mark(&mut self, x: f64, y: f64) {
        self.scene.append(Glyph::Mark);
        self.scene.move_last(x as f32, y as f32);
    }

    /// `erase`: lines drawn point by point and marks go, with their labels;
    /// plotted variables stay (emptied) and move to the end.
    fn erase_lines(&mut self) {
        for item in &self.scene.items {
            if let Glyph::Line(l) = &item.glyph {
                if let Some(lab) = &l.borrow().label {
                    lab.borrow_mut().erase_flag = true;
                }
            }
        }
        for l in &self.lines {
            if let Some(lab) = &l.borrow().label {
                lab.borrow_mut().erase_flag = false;
            }
        }
        self.scene.items.retain(|item| match &item.glyph {
            Glyph::Line(_) | Glyph::Mark => false,
            Glyph::Range(_) => true,
            Glyph::Label(l) => !l.borrow().erase_flag,
            _ => true,
        });
        for l in &self.lines {
            self.scene.append(Glyph::Line(l.clone()));
        }
        self.erase_y();
        if self.family_label.is_some() {
            self.family_cnt = 0;
        }
    }

    fn erase_y(&self) {
        for l in &self.lines {
            l.borrow().y.borrow_mut().erase();
        }
    }

    /// Keeps a copy of each plotted line with more than one point in front
    /// of it (the graph's "Keep Lines"), then empties the originals.
    fn keep(&mut self) {
        for i in (0..self.scene.items.len()).rev() {
            let Some(line) = self.scene.items[i].line().cloned() else { continue };
            let copy = {
                let l = line.borrow();
                if !l.keepable || l.y.borrow().count() <= 1 {
                    continue;
                }
                PolyLine::new(DataVec::copy_of(&l.x), DataVec::copy_of(&l.y), l.color, l.brush, Source::Points)
            };
            self.scene.items.insert(i, scene::Item { glyph: Glyph::Line(Rc::new(RefCell::new(copy))), x: 0.0, y: 0.0 });
            line.borrow().y.borrow_mut().erase();
        }
    }

    fn erase_axis(&mut self) {
        self.scene.items.retain(|item| !matches!(item.glyph, Glyph::Axis));
    }

}

fn graph_of<R>(o: &ObjRef, f: impl FnOnce(&mut Graph) -> R) -> HResult<R> {
    with_native::<Graph, _>(o, f)
}

fn is_str(a: &[Value], i: usize) -> bool {
    matches!(a.get(i), Some(Value::Str(_) | Value::SRef(_)))
}

fn is_obj(a: &[Value], i: usize) -> bool {
    matches!(a.get(i), Some(Value::Obj(_)))
}

/// `new Graph([map])`.
pub fn construct(it: &mut Interp, a: &[Value]) -> HResult<Graph> {
    let map = if a.is_empty() { 1.0 } else { chkarg(it, a, 0, 0.0, 1.0)? };
    Ok(Graph::new(map as usize))
}

/// A Graph method; None if Graph has no such method.
pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let one = Ok(Some(Value::Num(1.0)));
    match name {
        "addvar" | "addexpr" => {
            add(it, o, a, name == "addvar")?;
            one
        }
        "begin" => {
            begin(it, o)?;
            one
        }
        "plot" => {
            let x = num(it, a, 0)?;
            lines::plot(it, o, x)?;
            one
        }
        "flush" | "fastflush" => {
            if name == "flush" {
                refresh(it, o)?;
            }
            one
        }
        "erase" => {
            graph_of(o, |g| g.erase_lines())?;
            one
        }
        "erase_all" => {
            graph_of(o, |g| {
                g.scene.items.clear();
                g.lines.clear();
                g.label_n = 0.0;
            })?;
            one
        }
        "family" => {
            family(it, o, a)?;
            one
        }
        "beginline" => {
            let mut i = 0;
            let label = if is_str(a, 0) {
                i = 1;
                Some(string(a, 0)?)
            } else {
                None
            };
            let cb = if a.len() > i { Some((color_index(num(it, a, i)?), brush_index(num(it, a, i + 1)?))) } else { None };
            graph_of(o, |g| {
                let (c, b) = cb.unwrap_or((g.color, g.brush));
                g.begin_line(c, b, label.as_deref());
            })?;
            one
        }
        "line" => {
            let (x, y) = (num(it, a, 0)?, num(it, a, 1)?);
            graph_of(o, |g| {
                let line = match &g.current {
                    Some(l) => l.clone(),
                    None => g.begin_line(g.color, g.brush, None),
                };
                let l = line.borrow();
                l.x.borrow_mut().add(x);
                l.y.borrow_mut().add(y);
            })?;
            one
        }
        "mark" => {
            let (x, y) = (num(it, a, 0)?, num(it, a, 1)?);
            if a.len() > 2 && !is_str(a, 2) {
                chkarg(it, a, 2, 0.0, 10.0)?;
            }
            if a.len() > 3 {
                chkarg(it, a, 3, 0.1, 100.0)?;
            }
            graph_of(o, |g| g.mark(x, y))?;
            one
        }
        "label" => {
            label(it, o, a)?;
            one
        }
        "color" => {
            if a.len() > 1 {
                chkarg(it, a, 0, 2.0, 99.0)?;
                return one;
            }
            let i = if a.is_empty() { 1.0 } else { chkarg(it, a, 0, -1.0, 99.0)? };
            graph_of(o, |g| g.color = color_index(i))?;
            one
        }
        "brush" => {
            if a.len() > 2 {
                chkarg(it, a, 0, 1.0, 24.0)?;
                return one;
            }
            let i = if a.is_empty() { 0.0 } else { chkarg(it, a, 0, -1.0, 20.0)? };
            graph_of(o, |g| g.brush = brush_index(i))?;
            one
        }
        "fixed" | "vfixed" | "relative" => {
            if !a.is_empty() {
                chkarg(it, a, 0, 0.01, 100.0)?;
            }
            let ft = match name {
                "fixed" => 1,
                "vfixed" => 2,
                _ => 0,
            };
            graph_of(o, |g| g.label_fixtype = ft)?;
            one
        }
        "size" => size(it, o, a).map(|x| Some(Value::Num(x))),
        "view" => {
            let new_view = if a.len() >= 8 {
                let mut v = [0f32; 8];
                for (k, x) in v.iter_mut().enumerate() {
                    *x = num(it, a, k)? as f32;
                }
                Some(ViewBox::showing(v[0], v[1], v[2], v[3]))
            } else if !a.is_empty() && num(it, a, 0)? == 2.0 {
                None
            } else {
                return one;
            };
            graph_of(o, |g| {
                if g.views == 0 {
                    let [x1, y1, x2, y2] = g.extent;
                    g.view = new_view.unwrap_or(ViewBox::new(x1, y1, x2 - x1, y2 - y1));
                }
                g.views += 1;
            })?;
            one
        }
        "view_count" => Ok(Some(Value::Num(graph_of(o, |g| g.views)? as f64))),
        "xaxis" | "yaxis" => {
            axis(it, o, a, name == "xaxis")?;
            one
        }
        "xexpr" => {
            let e = string(a, 0)?;
            let usepointer = a.len() > 1 && chkarg(it, a, 1, 0.0, 1.0)? != 0.0;
            let src = if usepointer { lines::var_source(it, &e)? } else { lines::expr_source(it, &e, None)? };
            graph_of(o, |g| g.x_expr = Some(src))?;
            one
        }
        "line_info" => line_info(it, o, a).map(|x| Some(Value::Num(x))),
        "getline" => getline(it, o, a).map(|x| Some(Value::Num(x))),
        "exec_menu" => {
            let item = string(a, 0)?;
            menu::exec(it, o, &item)?;
            Ok(Some(Value::Num(0.0)))
        }
        "unmap" | "menu_remove" | "crosshair_action" | "glyph" | "gif" | "view_size" => Ok(Some(Value::Num(0.0))),
        "view_info" => Ok(Some(Value::Num(-1.0))),
        "vector" => {
            vector(it, o, a)?;
            one
        }
        "addobject" => {
            addobject(it, o, a)?;
            one
        }
        "menu_tool" => {
            menu::add_tool(it, o, a)?;
            one
        }
        "save_name" | "align" | "simgraph" | "printfile" | "menu_action" => one,
        _ => Ok(None),
    }
}

/// `addvar`/`addexpr` with NEURON's argument forms: `(expr)`,
/// `(expr, color, brush [, x, y [, fixtype]])`, `addvar(label, &var | "var", ...)`,
/// `addexpr(label, expr [, obj], ...)`, `addexpr(expr, obj, ...)`.
fn add(it: &mut Interp, o: &ObjRef, a: &[Value], var: bool) -> HResult<()> {
    let mut ioff = 0;
    let mut label = None;
    let mut obj = None;
    let mut pointer = None;
    let expr;
    if a.len() > 1 {
        if var {
            expr = string(a, 0)?;
            if is_str(a, 1) {
                pointer = Some(lines::var_source(it, &string(a, 1)?)?);
                ioff = 1;
            } else if let Some(Value::Ptr(p)) = a.get(1) {
                pointer = Some(Source::Var(p.clone()));
                ioff = 1;
            }
        } else if is_str(a, 1) {
            label = Some(string(a, 0)?);
            expr = string(a, 1)?;
            ioff = 1;
            if is_obj(a, 2) {
                obj = object(a, 2)?;
                ioff = 2;
            }
        } else if is_obj(a, 1) {
            expr = string(a, 0)?;
            obj = object(a, 1)?;
            ioff = 1;
        } else {
            expr = string(a, 0)?;
        }
    } else {
        expr = string(a, 0)?;
    }
    let source = match pointer {
        Some(p) => p,
        None if var => lines::var_source(it, &expr)?,
        None => lines::expr_source(it, &expr, obj)?,
    };
    let fixtype = if a.len() > 5 + ioff {
        Some(chkarg(it, a, 5 + ioff, 0.0, 2.0)? as i32)
    } else if a.len() > 3 + ioff {
        Some(1)
    } else {
        None
    };
    let cb = if a.len() > 2 + ioff { Some((color_index(num(it, a, 1 + ioff)?), brush_index(num(it, a, 2 + ioff)?))) } else { None };
    let at = if a.len() > 4 + ioff { Some((num(it, a, 3 + ioff)? as f32, num(it, a, 4 + ioff)? as f32)) } else { None };
    graph_of(o, |g| {
        let fixtype = fixtype.unwrap_or(g.label_fixtype);
        let (color, brush) = cb.unwrap_or((g.color, g.brush));
        let lab = g.next_label(label.as_deref().unwrap_or(&expr), fixtype);
        let mut line = PolyLine::new(g.x.clone(), DataVec::shared(), color, brush, source);
        line.keepable = true;
        line.name = label.clone().unwrap_or(expr.clone());
        line.label = Some(lab.clone());
        let line = Rc::new(RefCell::new(line));
        g.lines.push(line.clone());
        g.scene.append(Glyph::Line(line));
        if let (Some((x, y)), Some(i)) = (at, g.scene.label_index(&lab)) {
            g.scene.items[i].x = x;
            g.scene.items[i].y = y;
        }
    })
}

/// `begin()`: keeps the last lines if the graph keeps lines, then empties
/// the plotted lines and the x values.
fn begin(it: &mut Interp, o: &ObjRef) -> HResult<()> {
    let lines = graph_of(o, |g| {
        if g.keep_lines {
            g.keep();
        }
        for l in &g.lines {
            let mut l = l.borrow_mut();
            l.y.borrow_mut().erase();
            if g.family_on {
                l.color = g.color;
                l.brush = g.brush;
            }
        }
        g.x.borrow_mut().erase();
        (g.lines.clone(), g.keep_lines)
    })?;
    let (lines, kept) = lines;
    if kept {
        refresh(it, o)?;
    }
    for l in lines {
        if !lines::check_valid(it, &l) {
            let msg = format!("Graph:: presently invalid expression: {}\n", l.borrow().name);
            it.write_out(&msg)?;
        }
    }
    Ok(())
}

/// `family(1|0)`: keep each run's lines (in the graph's color) or stop;
/// `family("expr")`: a family label.
fn family(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    if is_str(a, 0) {
        let s = string(a, 0)?;
        return graph_of(o, |g| {
            if let Some(f) = g.family_label.take() {
                if s.len() > 1 {
                    f.borrow_mut().text = s;
                    g.family_label = Some(f);
                } else if let Some(i) = g.scene.label_index(&f) {
                    g.scene.items.remove(i);
                }
            } else if s.len() > 1 {
                let l = g.label_at(0.95, 0.95, &s, 2);
                g.family_label = Some(l);
            }
        });
    }
    let on = chkarg(it, a, 0, 0.0, 1.0)? as i32 != 0;
    graph_of(o, |g| {
        if on {
            g.erase_lines();
            g.family_on = true;
            g.keep_lines = true;
        } else {
            g.family_on = false;
            g.keep_lines = false;
            for l in &g.lines {
                let mut l = l.borrow_mut();
                (l.color, l.brush) = l.saved;
            }
        }
    })
}

/// `label(x, y [, "text"])`, `label("text")`, `label(x, y, "text", fixtype, scale, xalign, yalign, color)`.
fn label(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<()> {
    if a.len() >= 8 {
        let (x, y, s, ft) = (num(it, a, 0)? as f32, num(it, a, 1)? as f32, string(a, 2)?, num(it, a, 3)? as i32);
        return graph_of(o, |g| {
            g.label_at(x, y, &s, ft);
        });
    }
    if a.len() >= 2 {
        let (x, y) = (num(it, a, 0)? as f32, num(it, a, 1)? as f32);
        let s = if a.len() > 2 { Some(string(a, 2)?) } else { None };
        return graph_of(o, |g| {
            g.label_x = x;
            g.label_y = y;
            g.label_n = 0.0;
            if let Some(s) = s {
                g.label_at(x, y, &s, g.label_fixtype);
            }
        });
    }
    let s = string(a, 0)?;
    graph_of(o, |g| {
        g.next_label(&s, -1);
    })
}

/// `size(x1, x2, y1, y2)`, `size(i)` (1..4: the view's extent), `size(&array)` (what the lines cover).
fn size(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<f64> {
    if a.len() > 1 {
        let v: Vec<f32> = (0..4).map(|k| num(it, a, k).map(|x| x as f32)).collect::<HResult<_>>()?;
        return graph_of(o, |g| {
            g.new_size(v[0], v[2], v[1], v[3]);
            if g.views > 0 {
                g.view.zoom_out();
                1.0
            } else {
                0.0
            }
        });
    }
    if let Some(Value::Ptr(p)) = a.first() {
        let w = graph_of(o, |g| g.whole_plot())?;
        for (k, x) in [w[0], w[2], w[1], w[3]].into_iter().enumerate() {
            it.write_place(&super::vector::place_offset(p, k), x as f64)?;
        }
        return Ok(0.0);
    }
    if graph_of(o, |g| g.views)? == 0 {
        return Ok(0.0);
    }
    let i = chkarg(it, a, 0, 1.0, 4.0)? as usize;
    graph_of(o, |g| {
        let [x1, y1, x2, y2] = g.view.zin();
        [x1, x2, y1, y2][i - 1] as f64
    })
}

/// `xaxis()`/`yaxis()` forms: 0 and 2 (and no argument) draw the axes as a
/// background, 1 puts both axes in the scene, 3 takes them away; with a
/// range (x1, x2 [, pos, ntic, nminor, invert, number]), one axis.
fn axis(it: &mut Interp, o: &ObjRef, a: &[Value], x_axis: bool) -> HResult<()> {
    if a.len() < 2 {
        let i = if a.is_empty() { 0 } else { chkarg(it, a, 0, 0.0, 3.0)? as i32 };
        return graph_of(o, |g| {
            g.erase_axis();
            if i == 1 {
                let [x1, y1, x2, y2] = g.extent;
                let n = axis::whole(x1, x2) + axis::whole(y1, y2);
                (0..n).for_each(|_| g.scene.append(Glyph::Axis));
            }
        });
    }
    let ntic = if a.len() > 3 { chkarg(it, a, 3, -1.0, 100.0)? as i32 } else { -1 };
    let (x1, x2) = (num(it, a, 0)? as f32, num(it, a, 1)? as f32);
    let nminor = if a.len() > 4 { chkarg(it, a, 4, 0.0, 100.0)? as i32 } else { 0 };
    let invert = if a.len() > 5 { chkarg(it, a, 5, -1.0, 1.0)? as i32 } else { 0 };
    let number = if a.len() > 6 { chkarg(it, a, 6, 0.0, 1.0)? as i32 != 0 } else { true };
    graph_of(o, |g| {
        let n = if x2 < x1 {
            let [sx1, sy1, sx2, sy2] = g.extent;
            if x_axis {
                axis::whole(sx1, sx2)
            } else {
                axis::whole(sy1, sy2)
            }
        } else if ntic < 0 {
            axis::within(x1, x2)
        } else {
            axis::given(ntic, nminor, invert, number)
        };
        (0..n).for_each(|_| g.scene.append(Glyph::Axis));
    })
}

fn start_index(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<i64> {
    let cnt = graph_of(o, |g| g.scene.items.len())?;
    Ok(chkarg(it, a, 0, -1.0, cnt as f64)? as i64)
}

/// `line_info(i, vec)`: the next line after item i, its color, brush and
/// label (text, location, kind) in vec; -1 after the last.
fn line_info(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<f64> {
    let from = start_index(it, o, a)?;
    let v = object(a, 1)?.ok_or_else(|| hoc_err!("arg 2 is not a Vector"))?;
    let found = graph_of(o, |g| {
        let i = g.scene.next_line(from)?;
        let line = g.scene.items[i].line()?.borrow();
        let label = line.label.as_ref().map(|l| {
            let at = g.scene.label_index(l).map(|k| (g.scene.items[k].x, g.scene.items[k].y)).unwrap_or((0.0, 0.0));
            let l = l.borrow();
            (l.text.clone(), at, l.fixtype)
        });
        Some((i, line.color, line.brush, label))
    })?;
    let Some((i, color, brush, label)) = found else { return Ok(-1.0) };
    super::vector::with_vec(&v, |d| {
        d.data.resize(5, 0.0);
        d.data[0] = color as f64;
        d.data[1] = brush as f64;
        if let Some((text, (x, y), ft)) = label {
            d.label = text;
            d.data[2] = x as f64;
            d.data[3] = y as f64;
            d.data[4] = ft as f64;
        }
    })?;
    Ok(i as f64)
}

/// `getline(i, xvec, yvec)`: the next line after item i, its points in
/// xvec and yvec (yvec labelled with the line's label); -1 after the last.
fn getline(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<f64> {
    let from = start_index(it, o, a)?;
    let xv = object(a, 1)?.ok_or_else(|| hoc_err!("arg 2 is not a Vector"))?;
    let yv = object(a, 2)?.ok_or_else(|| hoc_err!("arg 3 is not a Vector"))?;
    let found = graph_of(o, |g| {
        let i = g.scene.next_line(from)?;
        let line = g.scene.items[i].line()?.borrow();
        let (x, y) = (line.x.borrow(), line.y.borrow());
        let n = x.count();
        let xs: Vec<f64> = (0..n).map(|j| x.get(j) as f64).collect();
        let ys: Vec<f64> = (0..n).map(|j| y.get(j) as f64).collect();
        Some((i, xs, ys, line.label.as_ref().map(|l| l.borrow().text.clone())))
    })?;
    let Some((i, xs, ys, label)) = found else { return Ok(-1.0) };
    super::vector::with_vec(&xv, |d| d.data = xs)?;
    super::vector::with_vec(&yv, |d| {
        d.data = ys;
        if let Some(l) = label {
            d.label = l;
        }
    })?;
    Ok(i as f64)
}

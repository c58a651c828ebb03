//! What a Graph holds, as NEURON's Scene of graph items holds it: an
//! ordered list of items (labels, lines, marks, axes), each at a location,
//! whose positions in the list are the indices `line_info` and `getline`
//! answer with. Line data are kept as InterViews keeps them, in single
//! precision, in buffers that an erase empties without clearing (so a line
//! whose x data outlives its y data reads the old values, as in NEURON).

use std::cell::RefCell;
use std::rc::Rc;

use crate::value::{ObjRef, Place};

/// Colors and brushes as indices into NEURON's palettes: 100 colors, the
/// first ten distinct and the rest repeating them; 25 brushes.
pub fn color_index(i: f64) -> usize {
    let i = i as i64;
    let i = if i < 0 { 1 } else { (i % 100) as usize };
    i % 10
}

pub fn brush_index(i: f64) -> usize {
    let i = i as i64;
    if i < 0 {
        1
    } else {
        (i % 25) as usize
    }
}

/// One coordinate of a line: NEURON's DataVec.
#[derive(Clone, Default)]
pub struct DataVec {
    buf: Vec<f32>,
    count: usize,
}

pub type Data = Rc<RefCell<DataVec>>;

impl DataVec {
    pub fn shared() -> Data {
        Rc::new(RefCell::new(DataVec::default()))
    }

    /// A copy of the values in use.
    pub fn copy_of(d: &Data) -> Data {
        let d = d.borrow();
        Rc::new(RefCell::new(DataVec { buf: d.buf[..d.count].to_vec(), count: d.count }))
    }

    pub fn add(&mut self, x: f64) {
        let mut x = x as f32;
        if x > 1e30 {
            x = 1e32;
        } else if x < -1e32 {
            x = -1e32;
        }
        if self.count < self.buf.len() {
            self.buf[self.count] = x;
        } else {
            self.buf.push(x);
        }
        self.count += 1;
    }

    pub fn erase(&mut self) {
        self.count = 0;
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The value at `i`, also past the values in use (what the buffer
    /// still holds there).
    pub fn get(&self, i: usize) -> f32 {
        self.buf.get(i).copied().unwrap_or(0.0)
    }

    /// The values in use; the smallest and largest (NEURON's min and max
    /// over the values in use, the first value when there are none).
    pub fn min_max(&self) -> (f32, f32) {
        let vals = &self.buf[..self.count.max(1).min(self.buf.len())];
        let first = vals.first().copied().unwrap_or(0.0);
        vals.iter().fold((first, first), |(lo, hi), &v| (if v < lo { v } else { lo }, if v > hi { v } else { hi }))
    }
}

/// A label drawn in the graph.
pub struct Label {
    pub text: String,
    pub fixtype: i32,
    /// Set while `erase` decides which labels go with their lines.
    pub erase_flag: bool,
}

pub type LabelRef = Rc<RefCell<Label>>;

/// Where a line's values come from.
#[derive(Clone)]
pub enum Source {
    /// Points given one by one (`beginline`/`line`, `Vector.line`).
    Points,
    /// `addvar`: a variable read at each `plot`.
    Var(Place),
    /// `addexpr`: an expression evaluated at each `plot`, in an object's
    /// context if one was given.
    Expr { code: Rc<[crate::ast::Stmt]>, obj: Option<ObjRef> },
    /// `Vector.plot`: a Vector's elements, read again whenever the graph is flushed.
    Vector { vec: ObjRef, len: usize },
    /// `Graph.vector(n, &x, &y)`: the elements of an array, read again likewise.
    Places(Vec<Place>),
    /// `addobject(rvp)`: a RangeVarPlot's points, read again likewise.
    RangeVar(ObjRef),
}

/// A line: NEURON's GPolyLine, or its kinds GraphLine (a plotted
/// variable or expression, sharing the graph's x values) and GraphVector.
pub struct PolyLine {
    pub x: Data,
    pub y: Data,
    pub color: usize,
    pub brush: usize,
    pub label: Option<LabelRef>,
    /// Copied when lines are kept (GraphLine, GraphVector).
    pub keepable: bool,
    pub source: Source,
    /// A plotted variable's own color and brush, restored after `family(0)`.
    pub saved: (usize, usize),
    /// The expression, for messages.
    pub name: String,
    /// An expression whose names are defined; invalid ones are not plotted.
    pub valid: bool,
}

pub type LineRef = Rc<RefCell<PolyLine>>;

impl PolyLine {
    pub fn new(x: Data, y: Data, color: usize, brush: usize, source: Source) -> Self {
        PolyLine { x, y, color, brush, label: None, keepable: false, source, saved: (color, brush), name: String::new(), valid: true }
    }
}

pub enum Glyph {
    Label(LabelRef),
    Line(LineRef),
    /// A RangeVarPlot's line: kept when the graph's lines are erased.
    Range(LineRef),
    Mark,
    Axis,
}

pub struct Item {
    pub glyph: Glyph,
    pub x: f32,
    pub y: f32,
}

impl Item {
    pub fn line(&self) -> Option<&LineRef> {
        match &self.glyph {
            Glyph::Line(l) | Glyph::Range(l) => Some(l),
            _ => None,
        }
    }
}

/// The items of a graph in drawing order.
#[derive(Default)]
pub struct Scene {
    pub items: Vec<Item>,
}

impl Scene {
    pub fn append(&mut self, glyph: Glyph) {
        self.items.push(Item { glyph, x: 0.0, y: 0.0 });
    }

    pub fn move_last(&mut self, x: f32, y: f32) {
        if let Some(it) = self.items.last_mut() {
            it.x = x;
            it.y = y;
        }
    }

    pub fn label_index(&self, l: &LabelRef) -> Option<usize> {
        self.items.iter().position(|it| matches!(&it.glyph, Glyph::Label(m) if Rc::ptr_eq(m, l)))
    }

    pub fn line_index(&self, l: &LineRef) -> Option<usize> {
        self.items.iter().position(|it| it.line().is_some_and(|m| Rc::ptr_eq(m, l)))
    }

    /// The first line after item `from` (-1: from the start): its index.
    pub fn next_line(&self, from: i64) -> Option<usize> {
        let start = if from < 0 || from as usize >= self.items.len() { 0 } else { from as usize + 1 };
        (start..self.items.len()).find(|&i| self.items[i].line().is_some())
    }
}

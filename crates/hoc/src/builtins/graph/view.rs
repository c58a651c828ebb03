//! A graph's first view: the box of the scene its window shows, kept as
//! InterViews' XYView keeps it (an origin and two spans, in single
//! precision), with the zooms NEURON's commands and menu items apply. A
//! view shows a margin around what the script asked for: `zin` is the box
//! the script sees (`size(1)`..`size(4)`, the axes "New Axis" draws), and
//! `zout` the box a view widened by that margin would show.

/// The box of a view: left, bottom, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewBox {
    x1: f32,
    y1: f32,
    xs: f32,
    ys: f32,
}

impl ViewBox {
    /// A view from its origin and spans; a span that is not positive is 1.
    pub fn new(x1: f32, y1: f32, xs: f32, ys: f32) -> Self {
        ViewBox { x1, y1, xs: if xs > 0.0 { xs } else { 1.0 }, ys: if ys > 0.0 { ys } else { 1.0 } }
    }

    /// The view the script gave as (x1, y1, x2, y2) once widened by the margin.
    pub fn showing(x1: f32, y1: f32, xs: f32, ys: f32) -> Self {
        let mut v = ViewBox::new(x1, y1, xs, ys);
        v.zoom_out();
        v
    }

    /// The view's corners: x1, y1, x2, y2.
    pub fn corners(&self) -> [f32; 4] {
        [self.x1, self.y1, self.x1 + self.xs, self.y1 + self.ys]
    }

    /// Makes the view show (x1, y1)–(x2, y2), in either order.
    pub fn set(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.x1 = x1.min(x2);
        self.y1 = y1.min(y2);
        self.xs = (x2 - x1).abs();
        self.ys = (y2 - y1).abs();
    }

    pub fn set_corners(&mut self, c: [f32; 4]) {
        self.set(c[0], c[1], c[2], c[3]);
    }

    /// The box without the margin: x1, y1, x2, y2.
    pub fn zin(&self) -> [f32; 4] {
        self.shifted(-0.1 / 1.2)
    }

    /// The box with a margin of a tenth on each side.
    pub fn zout(&self) -> [f32; 4] {
        self.shifted(0.1)
    }

    fn shifted(&self, by: f64) -> [f32; 4] {
        let [x1, y1, x2, y2] = self.corners();
        let dx = (by * (x2 - x1) as f64) as f32;
        let dy = (by * (y2 - y1) as f64) as f32;
        [x1 - dx, y1 - dy, x2 + dx, y2 + dy]
    }

    /// "10% Zoom out".
    pub fn zoom_out(&mut self) {
        let z = self.zout();
        self.set_corners(z);
    }

    /// "10% Zoom in".
    pub fn zoom_in(&mut self) {
        let z = self.zin();
        self.set_corners(z);
    }

    /// Shows (x1, y1)–(x2, y2) with the margin around it.
    pub fn show(&mut self, c: [f32; 4]) {
        self.set_corners(c);
        self.zoom_out();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zin_undoes_the_margin() {
        let v = ViewBox::showing(-120.0, 0.0, 150.0, 1.0);
        let [x1, y1, x2, y2] = v.zin();
        assert!((x1 + 120.0).abs() < 1e-4 && (x2 - 30.0).abs() < 1e-4);
        assert!(y1.abs() < 1e-6 && (y2 - 1.0).abs() < 1e-6);
        let [x1, y1, x2, _] = ViewBox::new(0.0, 0.0, 300.0, 200.0).zin();
        assert_eq!((x1, x2), (25.0, 275.0));
        assert!((y1 - 200.0 / 12.0).abs() < 1e-5);
    }

    #[test]
    fn spans_are_positive() {
        assert_eq!(ViewBox::new(1.0, 2.0, 0.0, -3.0).corners(), [1.0, 2.0, 2.0, 3.0]);
    }
}

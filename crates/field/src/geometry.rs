//! Segment geometry and the crate's error type.

use std::fmt;

/// Segment geometry in µm: start/end points and diameters, one per segment.
///
/// Each segment is a straight line from `start[i]` to `end[i]` with constant
/// diameter `diam[i]`; its membrane current is spread evenly along it (line
/// sources) or sits at its midpoint (point sources). `diam[i] / 2` is the
/// closest distance to the segment at which the potential is evaluated
/// (LFPykit's `r_limit`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellGeometry {
    pub start: Vec<[f64; 3]>,
    pub end: Vec<[f64; 3]>,
    pub diam: Vec<f64>,
    /// Segment lengths as the simulator defines them (LFPy's `cell.length`:
    /// section length / nseg, which the CSD models use). Empty: the straight
    /// distance from start to end.
    pub length: Vec<f64>,
}

impl CellGeometry {
    /// Number of segments.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// True when there are no segments.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// Midpoint of segment `i`, `(start + end) / 2` per coordinate.
    pub fn mid(&self, i: usize) -> [f64; 3] {
        let (s, e) = (self.start[i], self.end[i]);
        [
            (s[0] + e[0]) / 2.0,
            (s[1] + e[1]) / 2.0,
            (s[2] + e[2]) / 2.0,
        ]
    }

    /// The same geometry moved by `d` (µm).
    pub fn translated(&self, d: [f64; 3]) -> CellGeometry {
        let shift = |p: &[f64; 3]| [p[0] + d[0], p[1] + d[1], p[2] + d[2]];
        CellGeometry {
            start: self.start.iter().map(shift).collect(),
            end: self.end.iter().map(shift).collect(),
            diam: self.diam.clone(),
            length: self.length.clone(),
        }
    }

    /// The geometry rotated about `center` as LFPy's `Cell.set_rotation`
    /// turns it: about the x axis, then y, then z (radians; `None` skips an
    /// axis), each turn applied to the positions relative to `center` as row
    /// vectors times the matrix of angle −a.
    pub fn rotated(&self, angles: [Option<f64>; 3], center: [f64; 3]) -> CellGeometry {
        let mut g = self.clone();
        for (axis, angle) in angles.iter().enumerate() {
            let Some(a) = *angle else { continue };
            let (c, s) = ((-a).cos(), (-a).sin());
            let r = match axis {
                0 => [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]],
                1 => [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]],
                _ => [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]],
            };
            let turn = |p: &mut [f64; 3]| {
                let rel = [p[0] - center[0], p[1] - center[1], p[2] - center[2]];
                for j in 0..3 {
                    p[j] = (rel[0] * r[0][j] + rel[1] * r[1][j] + rel[2] * r[2][j]) + center[j];
                }
            };
            g.start.iter_mut().for_each(turn);
            g.end.iter_mut().for_each(turn);
        }
        g
    }

    /// Length of segment `i` (µm).
    pub fn length(&self, i: usize) -> f64 {
        if let Some(&l) = self.length.get(i) {
            return l;
        }
        let (s, e) = (self.start[i], self.end[i]);
        let (dx, dy, dz) = (e[0] - s[0], e[1] - s[1], e[2] - s[2]);
        (dx * dx + dy * dy + dz * dz).sqrt()
    }

    /// Closest allowed source–contact distance of segment `i`: its radius (µm).
    pub(crate) fn r_limit(&self, i: usize) -> f64 {
        self.diam[i] / 2.0
    }

    /// Checks that the three arrays have the same length.
    pub(crate) fn check(&self) -> Result<(), FieldError> {
        if self.end.len() != self.start.len() || self.diam.len() != self.start.len() {
            return Err(FieldError(format!(
                "cell geometry: {} start points, {} end points and {} diameters",
                self.start.len(),
                self.end.len(),
                self.diam.len()
            )));
        }
        Ok(())
    }
}

/// What went wrong building or evaluating a forward model.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError(pub String);

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FieldError {}

/// A probe matrix of zeros, or an error that gives its size when this
/// machine could not hold it (the memory available, where the system says).
pub(crate) fn zeros_checked(rows: usize, cols: usize) -> Result<ndarray::Array2<f64>, FieldError> {
    let too_big = |bytes: f64, avail: Option<f64>| {
        let have = avail.map_or(String::new(), |a| format!(", more than the {:.1} GB of memory available", a / 1e9));
        FieldError(format!("its matrix of {rows} × {cols} values needs {:.1} GB{have}", bytes / 1e9))
    };
    let n = rows.checked_mul(cols).ok_or_else(|| too_big(rows as f64 * cols as f64 * 8.0, None))?;
    let bytes = n as f64 * 8.0;
    let avail = available_memory();
    if avail.is_some_and(|a| bytes > a) {
        return Err(too_big(bytes, avail));
    }
    let mut v: Vec<f64> = Vec::new();
    v.try_reserve_exact(n).map_err(|_| too_big(bytes, avail))?;
    v.resize(n, 0.0);
    Ok(ndarray::Array2::from_shape_vec((rows, cols), v).expect("rows × cols values"))
}

/// Bytes of memory the system can still give (Linux's MemAvailable).
fn available_memory() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Shorthand for building an error from anything printable.
pub(crate) fn err<T>(msg: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError(msg.into()))
}

/// 3-vector helpers shared by the models.
pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

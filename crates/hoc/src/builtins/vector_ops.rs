//! Numeric kernels behind the `Vector` methods. They work on plain slices so
//! they can be unit-tested without an interpreter; `vector.rs` does the
//! argument handling. Summation order and edge cases follow NEURON so that
//! printed results agree digit for digit.

/// An element access outside a vector: (index, length). NEURON reports these
/// as C++ range-check failures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutOfRange(pub usize, pub usize);

pub type OpResult<T> = Result<T, OutOfRange>;

/// Checked read of `x[i]`.
pub fn at(x: &[f64], i: i64) -> OpResult<f64> {
    if i < 0 || i as usize >= x.len() {
        return Err(OutOfRange(i.max(0) as usize, x.len()));
    }
    Ok(x[i as usize])
}

/// Left-to-right sum starting from +0.
pub fn sum(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |s, &v| s + v)
}

pub fn sumsq(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |s, &v| s + v * v)
}

/// Sample variance (n - 1 denominator) about the mean.
pub fn var(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = sum(x) / n;
    let acc = x.iter().fold(0.0, |s, &d| s + (d - m) * (d - m));
    acc / (n - 1.0)
}

/// Index of the first smallest element (`<` comparisons, as C++'s min_element).
pub fn min_index(x: &[f64]) -> Option<usize> {
    let mut best = 0;
    for i in 1..x.len() {
        if x[i] < x[best] {
            best = i;
        }
    }
    (!x.is_empty()).then_some(best)
}

/// Index of the first largest element.
pub fn max_index(x: &[f64]) -> Option<usize> {
    let mut best = 0;
    for i in 1..x.len() {
        if x[best] < x[i] {
            best = i;
        }
    }
    (!x.is_empty()).then_some(best)
}

pub fn median(x: &[f64]) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n2 = s.len() / 2;
    if s.len().is_multiple_of(2) {
        (s[n2 - 1] + s[n2]) / 2.0
    } else {
        s[n2]
    }
}

/// Equality within a tolerance, strict on both sides.
pub fn near(x: f64, y: f64, e: f64) -> bool {
    x - y < e && y - x < e
}

/// The comparisons `where`, `indwhere` and `indvwhere` accept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    /// `()`: strictly between.
    Open,
    /// `[]`: between, ends included.
    Closed,
    /// `[)`
    ClosedOpen,
    /// `(]`
    OpenClosed,
}

impl Cmp {
    pub fn parse(s: &str) -> Option<Cmp> {
        Some(match s {
            "==" => Cmp::Eq,
            "!=" => Cmp::Ne,
            ">" => Cmp::Gt,
            "<" => Cmp::Lt,
            ">=" => Cmp::Ge,
            "<=" => Cmp::Le,
            "()" => Cmp::Open,
            "[]" => Cmp::Closed,
            "[)" => Cmp::ClosedOpen,
            "(]" => Cmp::OpenClosed,
            _ => return None,
        })
    }

    /// Whether the comparison takes an interval (two values).
    pub fn interval(self) -> bool {
        matches!(
            self,
            Cmp::Open | Cmp::Closed | Cmp::ClosedOpen | Cmp::OpenClosed
        )
    }

    /// Tests `x` against `v` (and `w` for intervals) with tolerance `e`.
    pub fn test(self, x: f64, v: f64, w: f64, e: f64) -> bool {
        let above = |v: f64| x > v + e;
        let at_least = |v: f64| x >= v - e;
        let below = |w: f64| x < w - e;
        let at_most = |w: f64| x <= w + e;
        match self {
            Cmp::Eq => near(x, v, e),
            Cmp::Ne => !near(x, v, e),
            Cmp::Gt => above(v),
            Cmp::Lt => below(v),
            Cmp::Ge => at_least(v),
            Cmp::Le => at_most(v),
            Cmp::Open => above(v) && below(w),
            Cmp::Closed => at_least(v) && at_most(w),
            Cmp::ClosedOpen => at_least(v) && below(w),
            Cmp::OpenClosed => above(v) && at_most(w),
        }
    }
}

/// Indices that sort `x` ascending; ties keep their order.
pub fn sort_index(x: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&i, &j| x[i].partial_cmp(&x[j]).unwrap_or(std::cmp::Ordering::Equal));
    idx
}

/// Sorts ascending (NaNs compare equal to everything).
pub fn sort(x: &mut [f64]) {
    x.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
}

/// Shifts elements right by `r` (left when negative). Without `wrap` the
/// vacated places become 0; with it elements come round from the other end.
pub fn rotate(a: &mut [f64], r: i64, wrap: bool) {
    let n = a.len() as i64;
    if n == 0 {
        return;
    }
    let mut r = r;
    let mut left = false;
    if r > n {
        r %= n;
    }
    if r < 0 {
        r = n - (r.abs() % n);
        left = true;
    }
    if r <= 0 {
        return;
    }
    let (r, rc) = (r as usize, (n - r) as usize);
    let mut hold = vec![0.0; a.len()];
    if wrap || !left {
        hold[r..r + rc].copy_from_slice(&a[..rc]);
    }
    if wrap || left {
        hold[..r].copy_from_slice(&a[rc..rc + r]);
    }
    a.copy_from_slice(&hold);
}

/// Piecewise-linear interpolation of `(xs, ys)` at the points `xd`; values
/// outside the domain take the end values. Source points whose abscissa
/// does not increase are skipped.
pub fn interpolate(xd: &[f64], xs: &[f64], ys: &[f64]) -> OpResult<Vec<f64>> {
    let (nd, ns) = (xd.len(), xs.len());
    let mut yd = vec![0.0; nd];
    let mut id = 0;
    while id < nd && xd[id] <= at(xs, 0)? {
        yd[id] = at(ys, 0)?;
        id += 1;
    }
    let mut is = 1;
    while is < ns && id < nd {
        if xs[is] > xs[is - 1] {
            while xd[id] <= xs[is] {
                let thet = (xd[id] - xs[is - 1]) / (xs[is] - xs[is - 1]);
                yd[id] = (1.0 - thet) * at(ys, is as i64 - 1)? + thet * at(ys, is as i64)?;
                id += 1;
                if id >= nd {
                    break;
                }
            }
        }
        is += 1;
    }
    while id < nd {
        yd[id] = at(ys, ns as i64 - 1)?;
        id += 1;
    }
    Ok(yd)
}

/// Derivative with step `dx` into `ans`: centred differences inside and
/// one-sided at the ends (`sym` 2), or forward differences (`sym` 1, one
/// element fewer). `src` None means the source is `ans` itself, which is
/// then overwritten as the computation proceeds, exactly as NEURON does.
pub fn deriv_into(ans: &mut Vec<f64>, src: Option<&[f64]>, dx: f64, sym: i64) -> OpResult<()> {
    macro_rules! s {
        ($i:expr) => {
            match src {
                Some(v) => at(v, $i as i64)?,
                None => at(ans, $i as i64)?,
            }
        };
    }
    let n = src.map_or(ans.len(), |v| v.len());
    ans.resize(n, 0.0);
    if sym == 2 {
        ans[0] = (s!(1) - s!(0)) / dx;
        ans[n - 1] = (s!(n - 1) - s!(n - 2)) / dx;
        let dx2 = dx * 2.0;
        for i in 1..n - 1 {
            ans[i] = (s!(i + 1) - s!(i - 1)) / dx2;
        }
    } else {
        ans.truncate(n - 1);
        for i in 0..n - 1 {
            ans[i] = (s!(i + 1) - s!(i)) / dx;
        }
    }
    Ok(())
}

/// Running sum: out[0] = v[0], out[i] = out[i-1] + v[i]*dx.
pub fn integral(v: &[f64], dx: f64) -> OpResult<Vec<f64>> {
    let mut out = Vec::with_capacity(v.len());
    out.push(at(v, 0)?);
    for i in 1..v.len() {
        let prev = out[i - 1];
        out.push(prev + v[i] * dx);
    }
    Ok(out)
}

/// Counts of `x` in bins of `width`: bin 0 holds `[low - width, low)`, bin
/// k holds `[low + (k-1)width, low + k width)`, up to the bin that starts
/// at `high`; values outside all bins are dropped.
pub fn histogram(x: &[f64], low: f64, high: f64, width: f64) -> Vec<f64> {
    let n = ((high - low) / width).floor() as i64 + 2;
    let mut y = vec![0.0; n.max(0) as usize];
    for &v in x {
        let ind = ((v - low) / width).floor() as i64 + 1;
        if ind >= 0 && ind < n {
            y[ind as usize] += 1.0;
        }
    }
    y
}

/// `size` bins of width `step` from `start`; values outside are dropped.
pub fn hist(data: &[f64], start: f64, size: usize, step: f64) -> Vec<f64> {
    let mut y = vec![0.0; size];
    for &v in data {
        let ind = ((v - start) / step).floor() as i64;
        if ind >= 0 && (ind as usize) < size {
            y[ind as usize] += 1.0;
        }
    }
    y
}

/// Sum of Gaussians (variance `var`) centred on the data, sampled from `low`
/// in steps of `step`, each weighted by `w[i]` (default 1).
pub fn sumgauss(
    x: &[f64],
    low: f64,
    high: f64,
    step: f64,
    var: f64,
    w: Option<&[f64]>,
) -> OpResult<Vec<f64>> {
    let points = ((high - low) / step + 0.5) as i64;
    let mut sum = vec![0.0; points.max(0) as usize];
    let svar = var / (step * step);
    let scale = 1.0 / (2.0 * std::f64::consts::PI * var).sqrt();
    for (i, &v) in x.iter().enumerate() {
        let xv = ((v - low) / step) as i64 as f64;
        let wi = match w {
            Some(w) => at(w, i as i64)?,
            None => 1.0,
        };
        for (j, s) in sum.iter_mut().enumerate() {
            let arg = -(j as f64 - xv) * (j as f64 - xv) / (2.0 * svar);
            if arg > -20.0 {
                *s += arg.exp() * scale * wi;
            }
        }
    }
    Ok(sum)
}

/// Least/greatest-preserving linear map of `x` onto `[a, b]`; returns the
/// scale factor (0, leaving `x` alone, when all elements are equal).
pub fn scale(x: &mut [f64], a: f64, b: f64) -> f64 {
    let (Some(lo), Some(hi)) = (min_index(x), max_index(x)) else {
        return 0.0;
    };
    let (min, max) = (x[lo], x[hi]);
    let r = max - min;
    if r > 0.0 {
        let sf = (b - a) / r;
        for d in x.iter_mut() {
            *d -= min;
            *d *= sf;
            *d += a;
        }
        sf
    } else {
        0.0
    }
}

/// Reads element `i` of `src`, or of `ans` when the source is the
/// destination itself (`src` None).
fn src_at(ans: &[f64], src: Option<&[f64]>, i: usize) -> OpResult<f64> {
    at(src.unwrap_or(ans), i as i64)
}

/// 1 in each bin of `bin` samples where the source crosses up through
/// `thresh`. The destination is sized and cleared first (so a source that
/// is the destination reads the cleared values, as in NEURON).
pub fn spikebin_into(
    ans: &mut Vec<f64>,
    src: Option<&[f64]>,
    thresh: f64,
    bin: usize,
) -> OpResult<()> {
    let n = src.map_or(ans.len(), |v| v.len()) / bin;
    ans.resize(n, 0.0);
    ans.fill(0.0);
    let mut firing = false;
    for i in 0..n {
        for j in 0..bin {
            let x = src_at(ans, src, i * bin + j)?;
            if x >= thresh && !firing {
                firing = true;
                ans[i] = 1.0;
            } else if firing && x < thresh {
                firing = false;
            }
        }
    }
    Ok(())
}

/// Sums of consecutive groups of `f` source elements, computed in place
/// like `spikebin_into`.
pub fn rebin_into(ans: &mut Vec<f64>, src: Option<&[f64]>, f: usize) -> OpResult<()> {
    let n = src.map_or(ans.len(), |v| v.len()) / f;
    ans.resize(n, 0.0);
    for i in 0..n {
        ans[i] = 0.0;
        for j in 0..f {
            let x = src_at(ans, src, i * f + j)?;
            ans[i] += x;
        }
    }
    Ok(())
}

/// Resampling by a factor `f` (sample and hold).
pub fn resample(v: &[f64], f: f64) -> Vec<f64> {
    let n = (v.len() as f64 * f) as i64;
    (0..n.max(0))
        .map(|i| v[((i as f64 / f) as usize).min(v.len() - 1)])
        .collect()
}

/// Average of `data` in windows `[t - pre, t + post)` around trigger
/// indices; returns the average and how many triggers fitted.
pub fn trigavg(data: &[f64], trig: &[f64], pre: usize, post: usize) -> (Vec<f64>, usize) {
    let n = data.len() as i64;
    let (pre_i, post_i) = (pre as i64, post as i64);
    let mut avg = vec![0.0; pre + post];
    let mut count = 0;
    for &t in trig {
        let tr = t as i64;
        if tr >= pre_i && tr < n - post_i {
            count += 1;
            for j in -pre_i..post_i {
                avg[(j + pre_i) as usize] += data[(tr + j) as usize];
            }
        }
    }
    for d in avg.iter_mut() {
        *d /= count as f64;
    }
    (avg, count)
}

/// Firing rate from a spike-count histogram with adaptive windows holding at
/// least `size` counts.
pub fn psth(v: &[f64], dt: f64, trials: f64, size: f64) -> Vec<f64> {
    let n = v.len();
    let mut out = vec![0.0; n];
    for i in 0..n {
        let (mut fj, mut bj) = (0usize, 0usize);
        let mut integral = v[i];
        while integral < size {
            let mut moved = false;
            if i + fj < n - 1 {
                fj += 1;
                integral += v[i + fj];
                moved = true;
            }
            if i > bj && integral < size {
                bj += 1;
                integral += v[i - bj];
                moved = true;
            }
            if !moved {
                break;
            }
        }
        out[i] = integral / trials * 1000.0 / ((fj + bj + 1) as f64 * dt);
    }
    out
}

/// Integrate-and-fire response to the stimulus `stim`.
#[allow(clippy::too_many_arguments)]
pub fn inf(
    stim: &[f64],
    dt: f64,
    gl: f64,
    el: f64,
    cm: f64,
    th: f64,
    res: f64,
    refp: f64,
) -> OpResult<Vec<f64>> {
    let n = stim.len();
    let mut v = vec![0.0; n];
    let cm = cm / dt;
    if n == 0 {
        return Err(OutOfRange(0, 0));
    }
    v[0] = el;
    let mut refr = 0.0;
    let mut t = 0usize;
    while t + 1 < n {
        let i = -gl * (v[t] - el) + stim[t];
        let vn = v[t] + i / cm;
        if vn >= th && refr <= 0.0 {
            v[t + 1] = 0.0;
            t += 1;
            if t + 1 >= n {
                return Err(OutOfRange(t + 1, n));
            }
            v[t + 1] = res;
            refr = refp;
        } else {
            refr -= dt;
            v[t + 1] = vn;
        }
        t += 1;
    }
    Ok(v)
}

//! The linear input and transfer impedance of the tree at one frequency,
//! as NEURON's Impedance class computes it: membrane conductances at the
//! present state (the currents' dI/dV, capacitance left out) and the axial
//! couplings make the tree matrix, jωC goes on its diagonal, and one complex
//! Hines elimination gives v(x)/i(stim) at every node for 1 nA injected at
//! the stimulus node, and v(x)/i(x) at every node.

use crate::model::Model;

/// A complex number, with the arithmetic the solve needs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
    fn mul(self, o: Complex) -> Complex {
        Complex::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
    fn scale(self, x: f64) -> Complex {
        Complex::new(self.re * x, self.im * x)
    }
    fn div(self, o: Complex) -> Complex {
        let den = o.re * o.re + o.im * o.im;
        Complex::new((self.re * o.re + self.im * o.im) / den, (self.im * o.re - self.re * o.im) / den)
    }
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }
}

/// Transfer (MΩ, from the stimulus node) and input (MΩ) impedance per node.
#[derive(Clone, Debug, Default)]
pub struct Impedance {
    pub transfer: Vec<Complex>,
    pub input: Vec<Complex>,
}

impl Model {
    /// The impedances at `freq` (Hz) for current injected at node `istim`.
    pub fn impedance(&mut self, freq: f64, istim: usize) -> Impedance {
        self.ensure_lowered();
        // The conductances, without the capacitance term (NEURON's cj = 0).
        self.membrane_currents();
        self.tree.axial();
        let t = &self.tree;
        let n = t.len();
        let omega = 1e-6 * 2.0 * std::f64::consts::PI * freq;
        let mut d: Vec<Complex> = (0..n).map(|i| Complex::new(t.d[i], if t.has_cap[i] { t.cm[i] } else { 0.0 } * omega)).collect();
        let mut transfer = vec![Complex::default(); n];
        let mut input = vec![Complex::default(); n];
        let mut pivot = vec![Complex::default(); n];
        if istim >= n {
            return Impedance { transfer, input };
        }
        transfer[istim] = Complex::new(1.0e2 / t.area[istim], 0.0);
        for i in (t.nroot..n).rev() {
            let ip = t.parent[i] as usize;
            pivot[i] = Complex::new(t.a[i], 0.0).div(d[i]);
            d[ip] = d[ip].sub(pivot[i].scale(t.b[i]));
        }
        if istim >= t.nroot {
            for i in (t.nroot..=istim).rev() {
                let ip = t.parent[i] as usize;
                transfer[ip] = transfer[ip].sub(transfer[i].mul(pivot[i]));
            }
        }
        for i in 0..t.nroot {
            transfer[i] = transfer[i].div(d[i]);
            input[i] = Complex::new(1.0, 0.0).div(d[i]);
        }
        for i in t.nroot..n {
            let ip = t.parent[i] as usize;
            transfer[i] = transfer[i].sub(transfer[ip].scale(t.b[i])).div(d[i]);
            input[i] = Complex::new(1.0, 0.0).add(input[ip].mul(pivot[i]).scale(t.b[i])).div(d[i]);
        }
        for i in t.nroot..n {
            input[i] = input[i].scale(1.0e2 / t.area[i]);
        }
        Impedance { transfer, input }
    }
}

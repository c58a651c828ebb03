//! Ions: per-node reversal potential, concentrations and summed current of
//! each ion species (NEURON's `na_ion`, `k_ion`, `ca_ion`, …), the style rules
//! that decide which of them are constants, initialised or advanced, and
//! Nernst's equation.

/// Gas constant and Faraday's constant as NEURON 9 uses them (CODATA 2018).
pub const GAS_R: f64 = 8.31446261815324;
pub const FARADAY: f64 = 96485.33212331001;

/// A field of an ion at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IonField {
    /// Reversal potential (mV): `ena`.
    Erev,
    /// Inside concentration (mM): `nai`.
    Ci,
    /// Outside concentration (mM): `nao`.
    Co,
    /// Summed current (mA/cm²): `ina`.
    Cur,
    /// Its derivative with respect to v: `dina_dv_`.
    Dcur,
}

impl IonField {
    pub const ALL: [IonField; 5] = [IonField::Erev, IonField::Ci, IonField::Co, IonField::Cur, IonField::Dcur];

    /// The HOC name of this field for ion `ion` (`ena`, `nai`, `nao`, `ina`, `dina_dv_`).
    pub fn hoc_name(self, ion: &str) -> String {
        match self {
            IonField::Erev => format!("e{ion}"),
            IonField::Ci => format!("{ion}i"),
            IonField::Co => format!("{ion}o"),
            IonField::Cur => format!("i{ion}"),
            IonField::Dcur => format!("di{ion}_dv_"),
        }
    }

    /// Which field a mechanism variable named `name` is for ion `ion`.
    pub fn of_name(ion: &str, name: &str) -> Option<IonField> {
        IonField::ALL.into_iter().find(|f| f.hoc_name(ion) == name)
    }
}

/// An ion species and its defaults.
#[derive(Clone, Debug)]
pub struct IonType {
    pub name: String,
    pub valence: f64,
    /// Initial concentrations used where a mechanism writes them (`nai0_na_ion`, `nao0_na_ion`).
    pub ci0: f64,
    pub co0: f64,
    /// Value of a new node's reversal potential.
    pub erev0: f64,
    /// A new node's concentrations: NEURON's fixed defaults, whatever
    /// `ci0`/`co0` have been set to.
    pub ci_new: f64,
    pub co_new: f64,
}

impl IonType {
    /// NEURON's defaults for na, k and ca; 1 mM, 1 mM, 0 mV for any other ion.
    pub fn new(name: &str, valence: f64) -> Self {
        let (erev0, ci0, co0) = match name {
            "na" => (50.0, 10.0, 140.0),
            "k" => (-77.0, 54.4, 2.5),
            "ca" => (12.5 * (2.0f64 / 5e-5).ln(), 5e-5, 2.0),
            _ => (0.0, 1.0, 1.0),
        };
        IonType { name: name.to_string(), valence, ci0, co0, erev0, ci_new: ci0, co_new: co0 }
    }
}

/// How a mechanism uses an ion (`USEION x READ … WRITE …`), as the promotion
/// codes NEURON's translator passes to `nrn_promote`: 0 unused, 1 read, 3 written.
#[derive(Clone, Debug, PartialEq)]
pub struct IonUse {
    pub ion: String,
    pub valence: Option<f64>,
    pub conc: u8,
    pub rev: u8,
    /// Writes the inside (`cai`) / outside (`cao`) concentration.
    pub writes_ci: bool,
    pub writes_co: bool,
}

/// Style bits of one ion at one node (NEURON's iontype bitmap).
pub mod style {
    pub const CONC_MASK: u32 = 0o3;
    pub const CINIT: u32 = 0o4;
    pub const REV_MASK: u32 = 0o30;
    pub const EINIT: u32 = 0o40;
    pub const EADVANCE: u32 = 0o100;
    /// A mechanism writes the inside / outside concentration.
    pub const CI_WRITTEN: u32 = 0o200;
    pub const CO_WRITTEN: u32 = 0o400;

    /// Raises `style` by a mechanism's use (nrn_promote).
    pub fn promote(style: u32, conc: u32, rev: u32) -> u32 {
        let written = style & (CI_WRITTEN | CO_WRITTEN);
        let mut c = (style & CONC_MASK).max(conc);
        let mut r = ((style & REV_MASK) >> 3).max(rev);
        if c > 0 && r < 2 {
            r = 2;
        }
        c = c.min(3);
        let mut s = c + 0o10 * r;
        if c == 3 {
            s += CINIT;
            if r == 2 {
                s += EADVANCE;
            }
        }
        if c > 0 && r == 2 {
            s += EINIT;
        }
        s | written
    }
}

/// Nernst potential (mV) for concentrations ci, co, valence z at celsius.
pub fn nernst(ci: f64, co: f64, z: f64, celsius: f64) -> f64 {
    if z == 0.0 {
        return 0.0;
    }
    if ci <= 0.0 {
        return 1e6;
    }
    if co <= 0.0 {
        return -1e6;
    }
    let ktf = 1000.0 * GAS_R * (celsius + 273.15) / FARADAY;
    ktf / z * (co / ci).ln()
}

/// One ion species' values at every node of the lowered tree.
#[derive(Clone, Debug, Default)]
pub struct IonNodes {
    pub erev: Vec<f64>,
    pub ci: Vec<f64>,
    pub co: Vec<f64>,
    pub cur: Vec<f64>,
    pub dcur: Vec<f64>,
    pub style: Vec<u32>,
    /// Nodes where the ion is present, in node order.
    pub nodes: Vec<u32>,
    /// The ion's charge.
    pub valence: f64,
}

impl IonNodes {
    pub fn new(t: &IonType, n: usize) -> Self {
        IonNodes {
            erev: vec![t.erev0; n],
            ci: vec![t.ci_new; n],
            co: vec![t.co_new; n],
            cur: vec![0.0; n],
            dcur: vec![0.0; n],
            style: vec![0; n],
            nodes: Vec::new(),
            valence: t.valence,
        }
    }

    pub fn field(&self, f: IonField) -> &[f64] {
        match f {
            IonField::Erev => &self.erev,
            IonField::Ci => &self.ci,
            IonField::Co => &self.co,
            IonField::Cur => &self.cur,
            IonField::Dcur => &self.dcur,
        }
    }

    pub fn field_mut(&mut self, f: IonField) -> &mut Vec<f64> {
        match f {
            IonField::Erev => &mut self.erev,
            IonField::Ci => &mut self.ci,
            IonField::Co => &mut self.co,
            IonField::Cur => &mut self.cur,
            IonField::Dcur => &mut self.dcur,
        }
    }

    /// ion_cur: zero the current and its derivative; Nernst where the style advances E.
    pub fn current_phase(&mut self, t: &IonType, celsius: f64) {
        for &n in &self.nodes {
            let n = n as usize;
            self.cur[n] = 0.0;
            self.dcur[n] = 0.0;
            if self.style[n] & style::EADVANCE != 0 {
                self.erev[n] = nernst(self.ci[n], self.co[n], t.valence, celsius);
            }
        }
    }

    /// ion_init: concentrations reset where written, then E where initialised.
    pub fn initialize(&mut self, t: &IonType, celsius: f64) {
        for &n in &self.nodes {
            let n = n as usize;
            if self.style[n] & style::CINIT != 0 {
                self.ci[n] = t.ci0;
                self.co[n] = t.co0;
            }
        }
        for &n in &self.nodes {
            let n = n as usize;
            if self.style[n] & style::EINIT != 0 {
                self.erev[n] = nernst(self.ci[n], self.co[n], t.valence, celsius);
            }
        }
    }

    /// Crank–Nicolson's correction of the current (second_order_cur).
    pub fn second_order(&mut self, rhs: &[f64]) {
        for &n in &self.nodes {
            let n = n as usize;
            self.cur[n] += self.dcur[n] * rhs[n];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nernst_matches_neuron_defaults() {
        // NEURON 9.0.2: celsius = 6.3  printf("%.17g", nernst(5e-5, 2, 2))
        assert_eq!(nernst(5e-5, 2.0, 2.0, 6.3), 127.58951061761749);
        assert_eq!(nernst(0.0, 1.0, 1.0, 6.3), 1e6);
        assert_eq!(nernst(1.0, 0.0, 1.0, 6.3), -1e6);
    }

    #[test]
    fn promotion_follows_the_bitmap() {
        // READ ena only: E a constant.
        assert_eq!(style::promote(0, 0, 1), 0o10);
        // READ cai: E initialised by Nernst, not advanced.
        let s = style::promote(0, 1, 0);
        assert!(s & style::EINIT != 0 && s & style::EADVANCE == 0);
        // WRITE cai, READ eca: concentrations initialised, E advanced.
        let s = style::promote(style::promote(0, 3, 0), 0, 1);
        assert!(s & style::CINIT != 0 && s & style::EADVANCE != 0);
        // WRITE eca with WRITE cai: E is a state, not advanced.
        let s = style::promote(0, 3, 3);
        assert!(s & style::EADVANCE == 0);
    }
}

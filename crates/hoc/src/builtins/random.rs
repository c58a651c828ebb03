//! The `Random` class: random-number streams with NEURON's API.
//!
//! The generators are NEURON's: Random123 (Philox4x32-10, the default, with
//! stream ids `(seed, 55, 0)`) and MCellRan4, so a script gets the numbers
//! NEURON gives it. The distributions follow the GNU libg++ classes NEURON
//! uses (polar Box-Muller normal with a cached second value, and so on).

use std::cell::Cell;

use super::{chkarg, num, opt_num, pointer};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::value::{ObjRef, Value};

thread_local! {
    /// Random123's global index (key word 0), shared by every stream.
    static GLOBAL_INDEX: Cell<u32> = const { Cell::new(0) };
    /// How many MCellRan4 generators were made (seeds the ones given 0).
    static MCELL_COUNT: Cell<u32> = const { Cell::new(0) };
    /// `mcell_ran4_init`'s low index for MCellRan4 streams with ilow 0.
    pub static MCELL_LOW: Cell<u32> = const { Cell::new(0) };
}

/// `mcell_ran4(&highindex)`: a uniform number in [0, 1) from the stream
/// (highindex, low index); highindex advances by one.
pub fn mcell_ran4(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let place = pointer(a, 0)?;
    let mut high = it.read_place(&place)? as u32;
    let x = ran4_int(&mut high, MCELL_LOW.with(Cell::get)) as f64 / 4294967296.0;
    it.write_place(&place, high as f64)?;
    Ok(Value::Num(x))
}

/// `mcell_ran4_init([low])`: sets the low index MCellRan4 streams made with
/// low index 0 use (and NMODL's scop_random under use_mcell_ran4);
/// returns the previous one.
pub fn mcell_ran4_init(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let prev = MCELL_LOW.with(Cell::get);
    if !a.is_empty() {
        let low = chkarg(it, a, 0, 0.0, 4294967295.0)? as u32;
        MCELL_LOW.with(|c| c.set(low));
        nmodl::scop::set_mcell_ran4_low(low);
    }
    Ok(Value::Num(prev as f64))
}

/// Philox4x32 with 10 rounds (Salmon et al., SC11).
fn philox4x32(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    const M0: u64 = 0xD251_1F53;
    const M1: u64 = 0xCD9E_8D57;
    const W0: u32 = 0x9E37_79B9;
    const W1: u32 = 0xBB67_AE85;
    let (mut c, mut k) = (ctr, key);
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let p0 = M0 * c[0] as u64;
        let p1 = M1 * c[2] as u64;
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
    }
    c
}

/// MCellRan4's hash of (index, low index); advances the index.
fn ran4_int(high: &mut u32, low: u32) -> u32 {
    let mut n = *high;
    *high = high.wrapping_add(1);
    let mut m = low;
    let mix = |x: u32, c: u32| -> u32 {
        let v = x >> 16;
        let w = x & 0xffff;
        let u = !(v.wrapping_sub(w).wrapping_mul(v.wrapping_add(w)));
        (u.rotate_left(16) ^ c).wrapping_add(w.wrapping_mul(v))
    };
    m ^= mix(n ^ 0xbaa9_6887, 0x4b0f_3b58);
    n ^= mix(m ^ 0x1e17_d32c, 0xe874_f0c3);
    n
}

#[derive(Clone, Debug)]
pub enum Gen {
    /// Counter (word 0 is the sequence), the current output block, and which
    /// of its four words comes next.
    R123 {
        ctr: [u32; 4],
        block: [u32; 4],
        which: u8,
    },
    MCell {
        high: u32,
        orig: u32,
        low: u32,
    },
}

impl Gen {
    pub fn random123(id1: u32, id2: u32, id3: u32) -> Gen {
        let mut g = Gen::R123 {
            ctr: [0, id3, id1, id2],
            block: [0; 4],
            which: 0,
        };
        g.set_seq(0, 0);
        g
    }

    fn set_seq(&mut self, seq: u32, which: u8) {
        if let Gen::R123 {
            ctr,
            block,
            which: w,
        } = self
        {
            *w = if which > 3 { 0 } else { which };
            ctr[0] = seq;
            *block = philox4x32(*ctr, [GLOBAL_INDEX.with(Cell::get), 0]);
        }
    }

    pub fn next_u32(&mut self) -> u32 {
        match self {
            Gen::R123 { ctr, block, which } => {
                let r = block[*which as usize];
                *which += 1;
                if *which > 3 {
                    *which = 0;
                    for w in ctr.iter_mut() {
                        *w = w.wrapping_add(1);
                        if *w != 0 {
                            break;
                        }
                    }
                    *block = philox4x32(*ctr, [GLOBAL_INDEX.with(Cell::get), 0]);
                }
                r
            }
            Gen::MCell { high, low, .. } => {
                let lo = if *low == 0 {
                    MCELL_LOW.with(Cell::get)
                } else {
                    *low
                };
                ran4_int(high, lo)
            }
        }
    }

    /// A uniform number in (0, 1) (MCellRan4: [0, 1)).
    pub fn next_f64(&mut self) -> f64 {
        match self {
            Gen::R123 { .. } => (self.next_u32() as f64 + 1.0) / 4294967297.0,
            Gen::MCell { .. } => self.next_u32() as f64 / 4294967296.0,
        }
    }
}

/// The distribution `repick` draws from.
#[derive(Clone, Debug)]
pub enum Dist {
    Uniform {
        low: f64,
        delta: f64,
    },
    DiscUnif {
        low: i64,
        delta: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        cached: Option<f64>,
    },
    LogNormal {
        mean: f64,
        sd: f64,
        cached: Option<f64>,
    },
    Poisson {
        mean: f64,
    },
    Binomial {
        n: i32,
        p: f64,
    },
    Geometric {
        p: f64,
    },
    HyperGeo {
        mean: f64,
        p: f64,
    },
    NegExp {
        mean: f64,
    },
    Erlang {
        k: i32,
        a: f64,
    },
    Weibull {
        inv_alpha: f64,
        beta: f64,
    },
}

impl Dist {
    fn pick(&mut self, g: &mut Gen) -> f64 {
        match self {
            Dist::Uniform { low, delta } => *low + *delta * g.next_f64(),
            Dist::DiscUnif { low, delta } => (*low + (*delta * g.next_f64()).floor() as i64) as f64,
            Dist::Normal { mean, sd, cached } => polar(g, cached) * *sd + *mean,
            Dist::LogNormal { mean, sd, cached } => {
                std::f64::consts::E.powf(polar(g, cached) * *sd + *mean)
            }
            Dist::Poisson { mean } => {
                let bound = (-*mean).exp();
                let mut count = 0;
                let mut product = 1.0;
                while product >= bound {
                    count += 1;
                    product *= g.next_f64();
                }
                (count - 1) as f64
            }
            Dist::Binomial { n, p } => (0..*n).filter(|_| g.next_f64() < *p).count() as f64,
            Dist::Geometric { p } => {
                let mut samples = 1;
                while g.next_f64() < *p {
                    samples += 1;
                }
                samples as f64
            }
            Dist::HyperGeo { mean, p } => {
                let d = if g.next_f64() > *p { 1.0 - *p } else { *p };
                -*mean * g.next_f64().ln() / (2.0 * d)
            }
            Dist::NegExp { mean } => -*mean * g.next_f64().ln(),
            Dist::Erlang { k, a } => {
                let mut prod = 1.0;
                for _ in 0..*k {
                    prod *= g.next_f64();
                }
                -prod.ln() / *a
            }
            Dist::Weibull { inv_alpha, beta } => {
                (*beta * -(1.0 - g.next_f64()).ln()).powf(*inv_alpha)
            }
        }
    }
}

/// A standard normal by the polar method; the pair's second value is kept.
fn polar(g: &mut Gen, cached: &mut Option<f64>) -> f64 {
    if let Some(x) = cached.take() {
        return x;
    }
    loop {
        let v1 = 2.0 * g.next_f64() - 1.0;
        let v2 = 2.0 * g.next_f64() - 1.0;
        let w = v1 * v1 + v2 * v2;
        if w <= 1.0 {
            let y = ((-2.0 * w.ln()) / w).sqrt();
            *cached = Some(v2 * y);
            return v1 * y;
        }
    }
}

pub struct RandomObj {
    pub gen: Gen,
    pub dist: Dist,
}

impl RandomObj {
    /// The next value from the current distribution (`repick`).
    pub fn pick(&mut self) -> f64 {
        self.dist.pick(&mut self.gen)
    }
}

pub fn construct(it: &mut Interp, args: &[Value]) -> HResult<RandomObj> {
    let seed = opt_num(it, args, 0)?.unwrap_or(0.0) as i64 as u32;
    let size = match opt_num(it, args, 1)? {
        Some(s) if !(7.0..=98.0).contains(&s) => {
            return Err(hoc_err!("Arg out of range in user function"))
        }
        Some(s) => s as u32,
        None => 55,
    };
    Ok(RandomObj {
        gen: Gen::random123(seed, size, 0),
        dist: Dist::Normal {
            mean: 0.0,
            sd: 1.0,
            cached: None,
        },
    })
}

/// Runs `f` on a Random object's state (for `Vector.setrand` and friends).
pub fn with_random<R>(o: &ObjRef, f: impl FnOnce(&mut RandomObj) -> R) -> HResult<R> {
    super::with_native::<RandomObj, R>(o, f).map_err(|_| hoc_err!("argument is not a Random"))
}

/// The next value of a Random object's current distribution.
pub fn pick(o: &ObjRef) -> HResult<f64> {
    with_random(o, |r| r.pick())
}

fn u32_arg(it: &Interp, a: &[Value], i: usize) -> HResult<u32> {
    match opt_num(it, a, i)? {
        None => Ok(0),
        Some(x) if !(0.0..=4294967295.0).contains(&x) => {
            Err(hoc_err!("Arg out of range in user function"))
        }
        Some(x) => Ok(x as u32),
    }
}


pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let dist = match name {
        "uniform" => {
            let (x, y) = (num(it, a, 0)?, num(it, a, 1)?);
            let (low, high) = if x < y { (x, y) } else { (y, x) };
            Some(Dist::Uniform {
                low,
                delta: high - low,
            })
        }
        "discunif" => {
            let (x, y) = (num(it, a, 0)? as i64, num(it, a, 1)? as i64);
            let (low, high) = if x < y { (x, y) } else { (y, x) };
            Some(Dist::DiscUnif {
                low,
                delta: (high - low) as f64 + 1.0,
            })
        }
        "normal" => Some(Dist::Normal {
            mean: num(it, a, 0)?,
            sd: num(it, a, 1)?.sqrt(),
            cached: None,
        }),
        "lognormal" => {
            let (m, v) = (num(it, a, 0)?, num(it, a, 1)?);
            let m2 = m * m;
            Some(Dist::LogNormal {
                mean: (m2 / (v + m2).sqrt()).ln(),
                sd: ((v + m2) / m2).ln().sqrt(),
                cached: None,
            })
        }
        "poisson" => Some(Dist::Poisson {
            mean: num(it, a, 0)?,
        }),
        "binomial" => {
            let n = chkarg(it, a, 0, 0.0, 1e99)?.min(i32::MAX as f64) as i32;
            Some(Dist::Binomial {
                n,
                p: chkarg(it, a, 1, 0.0, 1.0)?,
            })
        }
        "geometric" => Some(Dist::Geometric {
            p: chkarg(it, a, 0, 0.0, 1.0)?,
        }),
        "hypergeo" => {
            let (mean, var) = (num(it, a, 0)?, num(it, a, 1)?);
            let z = var / (mean * mean);
            Some(Dist::HyperGeo {
                mean,
                p: 0.5 * (1.0 - ((z - 1.0) / (z + 1.0)).sqrt()),
            })
        }
        "negexp" => Some(Dist::NegExp {
            mean: num(it, a, 0)?,
        }),
        "erlang" => {
            let (mean, var) = (num(it, a, 0)?, num(it, a, 1)?);
            let k = ((mean * mean / var + 0.5) as i32).max(1);
            Some(Dist::Erlang {
                k,
                a: k as f64 / mean,
            })
        }
        "weibull" => {
            let (alpha, beta) = (num(it, a, 0)?, num(it, a, 1)?);
            Some(Dist::Weibull {
                inv_alpha: 1.0 / alpha,
                beta,
            })
        }
        _ => None,
    };
    if let Some(d) = dist {
        return Ok(Some(Value::Num(with_random(o, |r| {
            r.dist = d;
            r.pick()
        })?)));
    }
    let x = match name {
        "repick" => with_random(o, |r| r.pick())?,
        "Random123" => {
            let ids = [u32_arg(it, a, 0)?, u32_arg(it, a, 1)?, u32_arg(it, a, 2)?];
            with_random(o, |r| r.gen = Gen::random123(ids[0], ids[1], ids[2]))?;
            0.0
        }
        "Random123_globalindex" => {
            if !a.is_empty() {
                let g = u32_arg(it, a, 0)?;
                GLOBAL_INDEX.with(|c| c.set(g));
            }
            GLOBAL_INDEX.with(Cell::get) as f64
        }
        "MCellRan4" => {
            let seed = u32_arg(it, a, 0)?;
            let low = u32_arg(it, a, 1)?;
            let mut g = Gen::MCell {
                high: seed,
                orig: seed,
                low,
            };
            MCELL_COUNT.with(|c| c.set(c.get().wrapping_add(1)));
            if seed == 0 {
                if let Gen::MCell { high, orig, .. } = &mut g {
                    *high = MCELL_COUNT.with(Cell::get);
                    let lo = if low == 0 {
                        MCELL_LOW.with(Cell::get)
                    } else {
                        low
                    };
                    *high = ran4_int(high, lo);
                    *orig = *high;
                }
            }
            let Gen::MCell { orig, .. } = g else {
                unreachable!()
            };
            with_random(o, |r| r.gen = g)?;
            orig as f64
        }
        "seq" => {
            let set = opt_num(it, a, 0)?;
            with_random(o, |r| -> HResult<f64> {
                match &mut r.gen {
                    g @ Gen::R123 { .. } => {
                        if let Some(s) = set {
                            if !(0.0..=17179869183.0).contains(&s) {
                                return Err(hoc_err!("Arg out of range in user function"));
                            }
                            let seq = (s / 4.0) as u32;
                            let which = (s - seq as f64 * 4.0) as u8;
                            g.set_seq(seq, which);
                        }
                        let Gen::R123 { ctr, which, .. } = g else {
                            unreachable!()
                        };
                        Ok(ctr[0] as f64 * 4.0 + *which as f64)
                    }
                    Gen::MCell { high, .. } => {
                        if let Some(s) = set {
                            *high = s as i64 as u32;
                        }
                        Ok(*high as f64)
                    }
                }
            })??
        }
        "play" => {
            pointer(a, 0)?;
            0.0
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Num(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random123_matches_neuron() {
        // new Random(): ids (0, 55, 0); NEURON's first uniform(0,1) values.
        let mut g = Gen::random123(0, 55, 0);
        assert_eq!(g.next_f64(), 0.73915805301182946);
        assert_eq!(g.next_f64(), 0.92997530872701306);
    }
}

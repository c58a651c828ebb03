//! The run-time side of VERBATIM C: loads and stores through C pointers,
//! the C API calls (`CFn`), installs, and errors C raises, lane by lane.

use super::host::{self, ArgKind, Host, Memory, MEMORY};
use crate::ir::{CFn, Ctx, Mem, Op, LANES};

fn lane_on(r: &[f64], mask: Option<u32>, l: usize) -> bool {
    mask.is_none_or(|m| r[m as usize * LANES + l] != 0.0)
}

/// *p, or why not.
pub fn load(h: &dyn Host, m: &mut Memory, p: f64) -> Result<f64, String> {
    let Some((region, off)) = host::split(p) else {
        return Err(if p == 0.0 { "read through a NULL pointer".into() } else { "read through a pointer nerve did not make".into() });
    };
    if region >= host::HEAP {
        return m.slot(region, off).map(|x| *x).ok_or_else(|| "read outside an array".into());
    }
    if region == host::ARGS {
        return h.arg_num(off as usize);
    }
    let i = usize::try_from(off).map_err(|_| "read before the start of a Vector".to_string())?;
    h.vec_get(region - 2, i)
}

pub fn store(h: &dyn Host, m: &mut Memory, p: f64, x: f64) -> Result<(), String> {
    let Some((region, off)) = host::split(p) else {
        return Err(if p == 0.0 { "write through a NULL pointer".into() } else { "write through a pointer nerve did not make".into() });
    };
    if region >= host::HEAP {
        return match m.slot(region, off) {
            Some(s) => {
                *s = x;
                Ok(())
            }
            None => Err("write outside an array".into()),
        };
    }
    if region == host::ARGS {
        return Err("a HOC argument cannot be assigned through getarg".into());
    }
    let i = usize::try_from(off).map_err(|_| "write before the start of a Vector".to_string())?;
    h.vec_set(region - 2, i, x)
}

/// The host handle a pointer to an object names.
fn handle(p: f64) -> Result<u32, String> {
    match host::split(p) {
        Some((r, _)) if (2..host::HEAP).contains(&r) => Ok(r - 2),
        _ if p == 0.0 => Err("a NULL object".into()),
        _ => Err("not a HOC object".into()),
    }
}

fn obj(h: u32) -> f64 {
    host::pointer(host::object_region(h), 0)
}

fn call(f: CFn, a: &[f64], h: &dyn Host, m: &mut Memory) -> Result<f64, String> {
    let arg = |k: usize| a.get(k).copied().unwrap_or(0.0);
    let index = |k: usize| arg(k).max(0.0) as usize;
    Ok(match f {
        CFn::ArgKind => match h.arg_kind(index(0)) {
            ArgKind::Missing => 0.0,
            ArgKind::Num => 1.0,
            ArgKind::Str => 2.0,
            ArgKind::Obj => 3.0,
            ArgKind::Ref => 4.0,
        },
        CFn::ArgObject => obj(h.arg_object(index(0), None)?),
        CFn::ArgVector => obj(h.arg_object(index(0), Some("Vector"))?),
        CFn::ArgRandom => obj(h.arg_object(index(0), Some("Random"))?),
        CFn::ThisVector => obj(h.this_vector()?),
        CFn::VecLen => h.vec_len(handle(arg(0))?)? as f64,
        CFn::VecCapacity => h.vec_capacity(handle(arg(0))?)? as f64,
        CFn::VecResize => {
            h.vec_resize(handle(arg(0))?, index(1))?;
            0.0
        }
        CFn::VecNew => obj(h.vec_new(index(0))?),
        CFn::RandomPick => h.random_pick(handle(arg(0))?)?,
        CFn::Drand48 => m.drand48(),
        CFn::Srand48 => {
            m.srand48(arg(0) as i64);
            0.0
        }
        CFn::Malloc => m.malloc(index(0))?,
        CFn::Calloc => m.malloc(index(0).saturating_mul(index(1).max(1)))?,
        CFn::Realloc => m.realloc(arg(0), index(1))?,
        CFn::Free => {
            m.free(arg(0));
            0.0
        }
        CFn::Alloca => m.alloca(index(0))?,
        CFn::StackMark => m.stack_mark() as f64,
        CFn::StackRelease => {
            m.stack_release(index(0));
            0.0
        }
    })
}

/// Runs one C op over the lanes (a failure stops the block).
pub fn c_op(op: &Op, r: &mut [f64], n: usize, cx: &Ctx, mem: &mut Mem) {
    let h = mem.host;
    MEMORY.with(|cell| {
        let m = &mut *cell.borrow_mut();
        match *op {
            Op::Load { dst, ptr, mask } => {
                for l in 0..n {
                    if lane_on(r, mask, l) {
                        match load(h, m, r[ptr as usize * LANES + l]) {
                            Ok(x) => r[dst as usize * LANES + l] = x,
                            Err(e) => {
                                mem.failure = Some(e);
                                return;
                            }
                        }
                    }
                }
            }
            Op::Store { src, ptr, mask } => {
                for l in 0..n {
                    if lane_on(r, mask, l) {
                        if let Err(e) = store(h, m, r[ptr as usize * LANES + l], r[src as usize * LANES + l]) {
                            mem.failure = Some(e);
                            return;
                        }
                    }
                }
            }
            Op::C { f, dst, args, n: nargs, mask } => {
                let mut a = [0.0; 4];
                for l in 0..n {
                    if !lane_on(r, mask, l) {
                        continue;
                    }
                    for (k, x) in a.iter_mut().enumerate().take(nargs as usize) {
                        *x = r[(args + k as u32) as usize * LANES + l];
                    }
                    match call(f, &a[..nargs as usize], h, m) {
                        Ok(x) => r[dst as usize * LANES + l] = x,
                        Err(e) => {
                            mem.failure = Some(e);
                            return;
                        }
                    }
                }
            }
            Op::Fail { mask, msg } => {
                if (0..n).any(|l| lane_on(r, mask, l)) {
                    mem.failure = Some(cx.strings[msg as usize].clone());
                }
            }
            Op::Install { mask, name, method } => {
                if (0..n).any(|l| lane_on(r, mask, l)) {
                    if let Err(e) = h.install_vector_method(&cx.strings[name as usize], method as usize) {
                        mem.failure = Some(e);
                    }
                }
            }
            _ => {}
        }
    });
}

//! What VERBATIM C reaches outside the mechanism, and C's memory.
//!
//! A C pointer is a double: a region number times 2³² plus an element
//! offset, so pointer arithmetic is addition and `NULL` is 0. Region 1 is
//! the arguments of the HOC call being served (`getarg(i)` points at
//! argument i); regions below [`HEAP`] are the host's objects (a Vector's
//! handle is the pointer to its first element); [`HEAP`] regions come from
//! `malloc` and live until `free`; [`STACK`] regions are local arrays, gone
//! when the block that made them has run. Every element is a double, so
//! `sizeof` of any type is 1.
//!
//! [`Host`] is implemented by the hoc crate (HOC's objects and the current
//! call's arguments); [`NoHost`] serves mechanisms that have none.

use std::cell::RefCell;

/// Offsets within a region take the low 32 bits of a pointer.
pub const REGION: f64 = 4294967296.0;
/// The arguments of the HOC call being served.
pub const ARGS: u32 = 1;
/// First region number of `malloc`'d memory.
pub const HEAP: u32 = 1 << 19;
/// First region number of local arrays.
pub const STACK: u32 = 1 << 20;

/// The pointer to element `offset` of `region`.
pub fn pointer(region: u32, offset: i64) -> f64 {
    region as f64 * REGION + offset as f64
}

/// A pointer's region and offset (None: not a pointer nerve made).
pub fn split(p: f64) -> Option<(u32, i64)> {
    if !(p.is_finite() && p >= REGION) || p.fract() != 0.0 {
        return None;
    }
    let region = (p / REGION).floor();
    Some((region as u32, (p - region * REGION) as i64))
}

/// A host object's region (handles count from 0).
pub fn object_region(handle: u32) -> u32 {
    handle + 2
}

/// What an argument of the current HOC call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    Missing,
    Num,
    Str,
    Obj,
    /// `&x`: a pointer to a HOC variable.
    Ref,
}

/// HOC as VERBATIM C sees it: the arguments of the call being served,
/// Vectors and Random objects by handle. Every method may fail with the
/// message NEURON's C API would stop with.
pub trait Host {
    fn arg_kind(&self, i: usize) -> ArgKind;
    fn arg_num(&self, i: usize) -> Result<f64, String>;
    /// The object argument i, as a handle (`vector_arg`, `nrn_random_arg`);
    /// `class` is the class it must be, if any.
    fn arg_object(&self, i: usize, class: Option<&str>) -> Result<u32, String>;
    fn arg_str(&self, i: usize) -> Result<String, String>;
    /// The Vector an installed method was called on.
    fn this_vector(&self) -> Result<u32, String>;
    fn vec_len(&self, h: u32) -> Result<usize, String>;
    /// The size the Vector can grow to without reallocating.
    fn vec_capacity(&self, h: u32) -> Result<usize, String>;
    fn vec_get(&self, h: u32, i: usize) -> Result<f64, String>;
    fn vec_set(&self, h: u32, i: usize, x: f64) -> Result<(), String>;
    fn vec_resize(&self, h: u32, n: usize) -> Result<(), String>;
    fn vec_new(&self, n: usize) -> Result<u32, String>;
    /// The next value of a Random object's distribution (`nrn_random_pick`).
    fn random_pick(&self, h: u32) -> Result<f64, String>;
    /// `install_vector_method(name, f)`: Vector gets method `name`, which
    /// runs the mechanism's C method `method`.
    fn install_vector_method(&self, name: &str, method: usize) -> Result<(), String>;
    /// Text a call from HOC printed (printf in C or NMODL).
    fn print(&self, text: &str) {
        print!("{text}");
    }
    /// The value of one of NEURON's C variables HOC shares (without HOC:
    /// their initial values).
    fn hoc_var(&self, v: crate::ir::HocVar) -> f64 {
        match v {
            crate::ir::HocVar::FloatEpsilon => 1e-11,
            crate::ir::HocVar::Stoprun => 0.0,
        }
    }
    /// Assigns one of them.
    fn set_hoc_var(&self, v: crate::ir::HocVar, x: f64) {
        let _ = (v, x);
    }
}

/// The host of a mechanism outside HOC: no objects, no arguments.
pub struct NoHost;

impl Host for NoHost {
    fn arg_kind(&self, _: usize) -> ArgKind {
        ArgKind::Missing
    }
    fn arg_num(&self, i: usize) -> Result<f64, String> {
        Err(format!("arg {i} does not exist"))
    }
    fn arg_object(&self, i: usize, _: Option<&str>) -> Result<u32, String> {
        Err(format!("arg {i} does not exist"))
    }
    fn arg_str(&self, i: usize) -> Result<String, String> {
        Err(format!("arg {i} does not exist"))
    }
    fn this_vector(&self) -> Result<u32, String> {
        Err("no Vector here".into())
    }
    fn vec_len(&self, _: u32) -> Result<usize, String> {
        Err("no Vector here".into())
    }
    fn vec_capacity(&self, _: u32) -> Result<usize, String> {
        Err("no Vector here".into())
    }
    fn vec_get(&self, _: u32, _: usize) -> Result<f64, String> {
        Err("no Vector here".into())
    }
    fn vec_set(&self, _: u32, _: usize, _: f64) -> Result<(), String> {
        Err("no Vector here".into())
    }
    fn vec_resize(&self, _: u32, _: usize) -> Result<(), String> {
        Err("no Vector here".into())
    }
    fn vec_new(&self, _: usize) -> Result<u32, String> {
        Err("Vectors are HOC's; this mechanism runs without HOC".into())
    }
    fn random_pick(&self, _: u32) -> Result<f64, String> {
        Err("no Random here".into())
    }
    fn install_vector_method(&self, name: &str, _: usize) -> Result<(), String> {
        Err(format!("install_vector_method(\"{name}\"): this mechanism runs without HOC"))
    }
}

/// C's memory: `malloc`'d blocks and the local arrays of the running block.
#[derive(Default)]
pub struct Memory {
    heap: Vec<Option<Vec<f64>>>,
    /// Local arrays: (start, length) in `stack`.
    frames: Vec<(usize, usize)>,
    stack: Vec<f64>,
    /// drand48's 48-bit state (glibc starts it at 0).
    rand48: u64,
}

thread_local! {
    /// The memory of C code run on this thread (C's heap is per process).
    pub static MEMORY: RefCell<Memory> = RefCell::new(Memory::default());
}

impl Memory {
    /// A new block of n zeros on the heap.
    pub fn malloc(&mut self, n: usize) -> Result<f64, String> {
        if n > 1 << 28 {
            return Err(format!("malloc of {n} elements: out of memory"));
        }
        let block = vec![0.0; n.max(1)];
        let k = match self.heap.iter().position(Option::is_none) {
            Some(k) => {
                self.heap[k] = Some(block);
                k
            }
            None => {
                self.heap.push(Some(block));
                self.heap.len() - 1
            }
        };
        if k as u32 >= STACK - HEAP {
            return Err("too many malloc'd blocks".into());
        }
        Ok(pointer(HEAP + k as u32, 0))
    }

    pub fn free(&mut self, p: f64) {
        if let Some((r, 0)) = split(p) {
            if (HEAP..STACK).contains(&r) {
                if let Some(b) = self.heap.get_mut((r - HEAP) as usize) {
                    *b = None;
                }
            }
        }
    }

    pub fn realloc(&mut self, p: f64, n: usize) -> Result<f64, String> {
        if p == 0.0 {
            return self.malloc(n);
        }
        match split(p) {
            Some((r, 0)) if (HEAP..STACK).contains(&r) => match self.heap.get_mut((r - HEAP) as usize) {
                Some(Some(b)) => {
                    b.resize(n.max(1), 0.0);
                    Ok(p)
                }
                _ => Err("realloc of memory that was freed".into()),
            },
            _ => Err("realloc of memory malloc did not give".into()),
        }
    }

    /// A local array of n zeros, until `reset_stack`.
    pub fn alloca(&mut self, n: usize) -> Result<f64, String> {
        if n > 1 << 24 || self.frames.len() as u32 >= STACK {
            return Err("local arrays too large".into());
        }
        let start = self.stack.len();
        self.stack.resize(start + n, 0.0);
        self.frames.push((start, n));
        Ok(pointer(STACK + self.frames.len() as u32 - 1, 0))
    }

    /// How many local arrays there are (to release back to).
    pub fn stack_mark(&self) -> usize {
        self.frames.len()
    }

    /// Drops the local arrays made since `mark` (keeps the capacity).
    pub fn stack_release(&mut self, mark: usize) {
        if mark < self.frames.len() {
            self.stack.truncate(self.frames[mark].0);
            self.frames.truncate(mark);
        }
    }

    /// Drops the local arrays (a block has run); keeps the capacity.
    pub fn reset_stack(&mut self) {
        self.frames.clear();
        self.stack.clear();
    }

    /// The element a heap or stack pointer names.
    pub fn slot(&mut self, r: u32, off: i64) -> Option<&mut f64> {
        let off = usize::try_from(off).ok()?;
        if r >= STACK {
            let &(start, len) = self.frames.get((r - STACK) as usize)?;
            return if off < len { self.stack.get_mut(start + off) } else { None };
        }
        self.heap.get_mut((r - HEAP) as usize)?.as_mut()?.get_mut(off)
    }

    /// drand48(): the next of C's 48-bit linear congruential sequence.
    pub fn drand48(&mut self) -> f64 {
        self.rand48 = (self.rand48.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & ((1 << 48) - 1);
        self.rand48 as f64 / (1u64 << 48) as f64
    }

    /// srand48(seed): the high 32 bits of the state from the seed's low 32.
    pub fn srand48(&mut self, seed: i64) {
        self.rand48 = (((seed as u64) & 0xffff_ffff) << 16) | 0x330E;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip() {
        let p = pointer(HEAP + 3, 17);
        assert_eq!(split(p), Some((HEAP + 3, 17)));
        assert_eq!(split(0.0), None);
        assert_eq!(split(p + 1.0), Some((HEAP + 3, 18)));
    }

    #[test]
    fn drand48_is_libc_sequence() {
        // glibc's values: unseeded, then after srand48(1).
        let mut m = Memory::default();
        assert_eq!(m.drand48(), 3.907985046680551e-14);
        assert_eq!(m.drand48(), 0.0009853946746503084);
        m.srand48(1);
        assert_eq!(m.drand48(), 0.041630344771878214);
    }

    #[test]
    fn heap_and_stack() {
        let mut m = Memory::default();
        let p = m.malloc(4).unwrap();
        let (r, o) = split(p + 2.0).unwrap();
        *m.slot(r, o).unwrap() = 5.0;
        assert_eq!(*m.slot(r, 2).unwrap(), 5.0);
        assert!(m.slot(r, 4).is_none());
        m.free(p);
        assert!(m.slot(r, 0).is_none());
        let s = m.alloca(3).unwrap();
        let (r, _) = split(s).unwrap();
        assert!(m.slot(r, 2).is_some());
        m.reset_stack();
        assert!(m.slot(r, 0).is_none());
    }
}

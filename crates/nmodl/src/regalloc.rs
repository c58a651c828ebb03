//! Register allocation for a compiled block: intermediate values whose
//! lifetimes do not overlap share a register, so a block's registers stay few
//! and its lanes stay in the first-level cache. Registers that are loaded,
//! stored, constant or written by a table lookup keep a register of their own.

use crate::ir::{Block, Op, Reg};

/// Registers an op reads and writes.
fn uses_defs(op: &Op) -> (Vec<Reg>, Vec<Reg>) {
    match *op {
        Op::Const(d, _) => (vec![], vec![d]),
        Op::Mov(d, a) | Op::F1(_, d, a) => (vec![a], vec![d]),
        Op::F2(_, d, a, b) => (vec![a, b], vec![d]),
        Op::Select(d, m, a, b) => (vec![m, a, b], vec![d]),
        Op::Cnexp { dst, x, a, nb, dt } => (vec![x, a, nb, dt], vec![dst]),
        Op::Table { x, out, n, .. } => (vec![x], (out..out + n).collect()),
        Op::JumpIfZero(c, _) | Op::JumpIfNone(c, _) => (vec![c], vec![]),
        Op::Jump(_) => (vec![], vec![]),
        Op::NetSend { mask, delay, flag } => (mask.into_iter().chain([delay, flag]).collect(), vec![]),
        Op::NetEvent { mask, t } | Op::AtTime { mask, t } => (mask.into_iter().chain([t]).collect(), vec![]),
        Op::Random { mask, args, n, dst, .. } => (mask.into_iter().chain(args..args + n).collect(), vec![dst]),
        Op::ForNetcons { first, n, idx, more, next } => {
            let regs: Vec<Reg> = (first..first + n).collect();
            let uses = if next { regs.iter().copied().chain([idx]).collect() } else { vec![] };
            (uses, regs.into_iter().chain([idx, more]).collect())
        }
        Op::ArgLoad { dst, .. } => (vec![], vec![dst]),
        Op::ArgStore { src, .. } => (vec![src], vec![]),
        Op::Newton(_) | Op::Sparse(_) => (vec![], vec![]),
        Op::Printf { mask, args, n, .. } => (mask.into_iter().chain(args..args + n).collect(), vec![]),
        Op::WatchOn { mask, flag, .. } => (mask.into_iter().chain([flag]).collect(), vec![]),
        Op::NetMove { mask, t } => (mask.into_iter().chain([t]).collect(), vec![]),
        Op::Linear { mask, .. } => (mask.into_iter().collect(), vec![]),
        Op::FTable { args, n, dst, .. } => ((args..args + n).collect(), vec![dst]),
        Op::LoadArr { dst, idx, .. } => (vec![idx], vec![dst]),
        Op::StoreArr { src, idx, mask, .. } => (mask.into_iter().chain([src, idx]).collect(), vec![]),
        Op::Eprintf { mask, args, n, .. } => (mask.into_iter().chain(args..args + n).collect(), vec![]),
        Op::Load { dst, ptr, mask } => (mask.into_iter().chain([ptr]).collect(), vec![dst]),
        Op::Store { src, ptr, mask } => (mask.into_iter().chain([src, ptr]).collect(), vec![]),
        Op::C { dst, args, n, mask, .. } => (mask.into_iter().chain(args..args + n).collect(), vec![dst]),
        Op::Fail { mask, .. } | Op::Install { mask, .. } => (mask.into_iter().collect(), vec![]),
    }
}

/// The first of `n` argument registers, renamed; with no arguments it names
/// no register (it may be one past the block's last), and stays as it is.
fn arg_base(args: Reg, n: u32, f: &impl Fn(Reg) -> Reg) -> Reg {
    if n == 0 {
        args
    } else {
        f(args)
    }
}

fn rename(op: &mut Op, f: &impl Fn(Reg) -> Reg) {
    match op {
        Op::Const(d, _) => *d = f(*d),
        Op::Mov(d, a) | Op::F1(_, d, a) => {
            *d = f(*d);
            *a = f(*a);
        }
        Op::F2(_, d, a, b) => {
            *d = f(*d);
            *a = f(*a);
            *b = f(*b);
        }
        Op::Select(d, m, a, b) => {
            *d = f(*d);
            *m = f(*m);
            *a = f(*a);
            *b = f(*b);
        }
        Op::Table { x, out, .. } => {
            *x = f(*x);
            *out = f(*out);
        }
        Op::Cnexp { dst, x, a, nb, dt } => {
            *dst = f(*dst);
            *x = f(*x);
            *a = f(*a);
            *nb = f(*nb);
            *dt = f(*dt);
        }
        Op::JumpIfZero(c, _) | Op::JumpIfNone(c, _) => *c = f(*c),
        Op::Jump(_) => {}
        Op::NetSend { mask, delay, flag } => {
            *mask = mask.map(f);
            *delay = f(*delay);
            *flag = f(*flag);
        }
        Op::ForNetcons { first, idx, more, .. } => {
            *first = f(*first);
            *idx = f(*idx);
            *more = f(*more);
        }
        Op::ArgLoad { dst, .. } => *dst = f(*dst),
        Op::ArgStore { src, .. } => *src = f(*src),
        Op::Random { mask, args, n, dst, .. } => {
            *mask = mask.map(f);
            *args = arg_base(*args, *n, f);
            *dst = f(*dst);
        }
        Op::NetEvent { mask, t } | Op::AtTime { mask, t } => {
            *mask = mask.map(f);
            *t = f(*t);
        }
        Op::Newton(_) | Op::Sparse(_) => {}
        Op::Printf { mask, args, n, .. } => {
            *mask = mask.map(f);
            *args = arg_base(*args, *n, f);
        }
        Op::WatchOn { mask, flag, .. } => {
            *mask = mask.map(f);
            *flag = f(*flag);
        }
        Op::NetMove { mask, t } => {
            *mask = mask.map(f);
            *t = f(*t);
        }
        Op::Linear { mask, .. } => *mask = mask.map(f),
        Op::FTable { args, n, dst, .. } => {
            *args = arg_base(*args, *n, f);
            *dst = f(*dst);
        }
        Op::LoadArr { dst, idx, .. } => {
            *dst = f(*dst);
            *idx = f(*idx);
        }
        Op::StoreArr { src, idx, mask, .. } => {
            *src = f(*src);
            *idx = f(*idx);
            *mask = mask.map(f);
        }
        Op::Eprintf { mask, args, n, .. } => {
            *mask = mask.map(f);
            *args = arg_base(*args, *n, f);
        }
        Op::Load { dst, ptr, mask } => {
            *dst = f(*dst);
            *ptr = f(*ptr);
            *mask = mask.map(f);
        }
        Op::Store { src, ptr, mask } => {
            *src = f(*src);
            *ptr = f(*ptr);
            *mask = mask.map(f);
        }
        Op::C { dst, args, n, mask, .. } => {
            *dst = f(*dst);
            *args = arg_base(*args, *n, f);
            *mask = mask.map(f);
        }
        Op::Fail { mask, .. } | Op::Install { mask, .. } => *mask = mask.map(f),
    }
}

/// Registers the ops of a block write (implicit solves included).
pub fn written(b: &Block) -> std::collections::HashSet<Reg> {
    let mut w: std::collections::HashSet<Reg> = b.ops.iter().chain(b.newtons.iter().flat_map(|n| n.ops.iter())).flat_map(|op| uses_defs(op).1).collect();
    w.extend(b.newtons.iter().flat_map(|n| n.states.iter().copied()));
    w.extend(b.sparses.iter().flat_map(|n| n.ops.iter().flat_map(|op| uses_defs(op).1).chain(n.states.iter().copied())));
    w.extend(b.linears.iter().flat_map(|l| l.unknowns.iter().copied()));
    w
}

/// Drops the loads of registers the block writes before it reads them (an
/// ASSIGNED variable computed from scratch): their first mention is an
/// unconditional write, with no jump before it.
pub fn drop_dead_loads(b: &mut Block) {
    let mut first: std::collections::HashMap<Reg, bool> = std::collections::HashMap::new();
    let mut jumped = false;
    for op in &b.ops {
        if matches!(op, Op::Jump(_) | Op::JumpIfZero(..) | Op::JumpIfNone(..)) {
            jumped = true;
        }
        // A KINETIC scheme's body reads what it reads before anything after it.
        if let Op::Sparse(k) = op {
            let sp = &b.sparses[*k as usize];
            for r in sp.ops.iter().flat_map(|o| uses_defs(o).0).chain(sp.states.iter().copied()) {
                first.entry(r).or_insert(false);
            }
        }
        let (u, d) = uses_defs(op);
        for r in u {
            first.entry(r).or_insert(false);
        }
        let plain = !jumped && !matches!(op, Op::Select(..) | Op::Table { .. });
        for r in d {
            first.entry(r).or_insert(plain);
        }
    }
    b.loads.retain(|(r, _)| !first.get(r).copied().unwrap_or(false));
}

/// Renumbers the registers of `b`; `keep` are registers the caller reads
/// after the block runs (they keep their own). Returns the new number of
/// each old register.
pub fn allocate(b: &mut Block, keep: &[Reg]) -> Vec<Reg> {
    drop_dead_loads(b);
    let n = b.nregs as usize;
    let mut pinned = vec![false; n];
    for &r in keep.iter().chain(b.consts.iter().map(|c| &c.0)).chain(b.loads.iter().map(|l| &l.0)).chain(b.stores.iter().map(|s| &s.0)) {
        pinned[r as usize] = true;
    }
    for op in b.ops.iter().chain(b.newtons.iter().flat_map(|nw| nw.ops.iter())).chain(b.sparses.iter().flat_map(|sp| sp.ops.iter())) {
        match *op {
            Op::Table { out, n: k, .. } | Op::Printf { args: out, n: k, .. } | Op::Eprintf { args: out, n: k, .. } | Op::C { args: out, n: k, .. } | Op::Random { args: out, n: k, .. } | Op::FTable { args: out, n: k, .. } | Op::ForNetcons { first: out, n: k, .. } => {
                (out..out + k).for_each(|r| pinned[r as usize] = true)
            }
            _ => {}
        }
    }
    // A linear system's registers are read and written inside its solve.
    for sys in &b.linears {
        sys.coef.iter().chain(&sys.unknowns).for_each(|&r| pinned[r as usize] = true);
    }
    // Registers of an implicit system are read and written inside its solve.
    for nw in &b.newtons {
        for op in &nw.ops {
            let (u, d) = uses_defs(op);
            u.into_iter().chain(d).for_each(|r| pinned[r as usize] = true);
        }
        nw.states.iter().chain(&nw.resid).for_each(|&r| pinned[r as usize] = true);
    }
    for sp in &b.sparses {
        for op in &sp.ops {
            let (u, d) = uses_defs(op);
            u.into_iter().chain(d).for_each(|r| pinned[r as usize] = true);
        }
        sp.states.iter().chain(&sp.olds).chain(&sp.rhs).chain(&sp.elems).for_each(|&r| pinned[r as usize] = true);
    }
    // Live intervals in op positions.
    let mut start = vec![usize::MAX; n];
    let mut end = vec![0usize; n];
    for (k, op) in b.ops.iter().enumerate() {
        let (u, d) = uses_defs(op);
        for r in u.into_iter().chain(d) {
            let r = r as usize;
            start[r] = start[r].min(k);
            end[r] = end[r].max(k);
        }
    }
    // A value live anywhere in a loop is live through all of it.
    let loops: Vec<(usize, usize)> = b.ops.iter().enumerate().filter_map(|(k, op)| matches!(op, Op::Jump(t) if (*t as usize) <= k).then(|| if let Op::Jump(t) = op { (*t as usize, k) } else { unreachable!() })).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for &(t, j) in &loops {
            for r in 0..n {
                if start[r] != usize::MAX && start[r] <= j && end[r] >= t && (start[r] > t || end[r] < j) {
                    start[r] = start[r].min(t);
                    end[r] = end[r].max(j);
                    changed = true;
                }
            }
        }
    }
    let mut map = vec![Reg::MAX; n];
    let mut next = 0;
    for r in 0..n {
        if pinned[r] {
            map[r] = next;
            next += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&r| !pinned[r] && start[r] != usize::MAX).collect();
    order.sort_by_key(|&r| start[r]);
    let mut active: Vec<(usize, Reg)> = Vec::new();
    let mut free: Vec<Reg> = Vec::new();
    for r in order {
        // Inputs are read before the output is written, so a value whose
        // last use is this op may hand its register to the op's result.
        active.retain(|&(e, p)| {
            if e <= start[r] {
                free.push(p);
                false
            } else {
                true
            }
        });
        let p = free.pop().unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        map[r] = p;
        active.push((end[r], p));
    }
    for r in 0..n {
        if map[r] == Reg::MAX {
            map[r] = next;
            next += 1;
        }
    }
    let f = |r: Reg| map[r as usize];
    for op in b.ops.iter_mut().chain(b.newtons.iter_mut().flat_map(|nw| nw.ops.iter_mut())).chain(b.sparses.iter_mut().flat_map(|sp| sp.ops.iter_mut())) {
        rename(op, &f);
    }
    for sp in b.sparses.iter_mut() {
        sp.states.iter_mut().chain(sp.olds.iter_mut()).chain(sp.rhs.iter_mut()).chain(sp.elems.iter_mut()).for_each(|r| *r = f(*r));
        for st in sp.steps.iter_mut() {
            match st {
                crate::sparse::Step::Pivot(p) => *p = f(*p),
                crate::sparse::Step::Ratio { el, pivot, row, prow } => {
                    *el = f(*el);
                    *pivot = f(*pivot);
                    *row = f(*row);
                    *prow = f(*prow);
                }
                crate::sparse::Step::Sub { dst, src } => {
                    *dst = f(*dst);
                    *src = f(*src);
                }
                crate::sparse::Step::Back { row, el, col } => {
                    *row = f(*row);
                    *el = f(*el);
                    *col = f(*col);
                }
                crate::sparse::Step::Div { row, diag } => {
                    *row = f(*row);
                    *diag = f(*diag);
                }
            }
        }
    }
    for nw in b.newtons.iter_mut() {
        nw.states.iter_mut().chain(nw.resid.iter_mut()).for_each(|r| *r = f(*r));
    }
    for sys in b.linears.iter_mut() {
        sys.coef.iter_mut().chain(sys.unknowns.iter_mut()).for_each(|r| *r = f(*r));
    }
    for c in b.consts.iter_mut() {
        c.0 = f(c.0);
    }
    for l in b.loads.iter_mut() {
        l.0 = f(l.0);
    }
    for s in b.stores.iter_mut() {
        s.0 = f(s.0);
    }
    b.nregs = next;
    map
}

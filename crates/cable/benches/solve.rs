//! Hines solve on a synthetic tree shaped like the Mainen L5 model (one
//! root, 164 sections of ~6.5 nodes, branching factor ~2): sequential order
//! against the interleaved schedule built by `Tree::prepare`. Each
//! iteration restores `d` and `rhs` first (`reset_only` times that alone).
//!
//! `cargo bench -p cable --bench solve`; with `SOLVE_BENCH_QUICK=1` it
//! instead prints the best of 2000 alternating runs of each, which is
//! steadier than the means on a busy machine.

use cable::tree::Tree;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = self.0;
        (x ^ (x >> 29)).wrapping_mul(0xbf58476d1ce4e5b9) ^ (x >> 32)
    }
    fn below(&mut self, k: u64) -> usize {
        (self.next() % k) as usize
    }
    fn unif(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// 164 sections: a soma with 8 trees hanging off it, each grown by giving
/// random leaves two children (most at x = 1, a few mid-section); nseg odd
/// 1..11, so 2..12 nodes per section (1045 nodes in all). Laid out as
/// `Model::lower_structure` does.
fn mainen_like() -> Tree {
    let mut g = Rng(20240601);
    let nsec = 164;
    let mut len = vec![0usize; nsec];
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); nsec];
    let mut at = vec![(usize::MAX, 0usize); nsec];
    len[0] = 2; // soma, nseg 1
    let mut leaves: Vec<usize> = Vec::new();
    let mut count = 1;
    let mut add = |p: usize, pos: usize, count: &mut usize, len: &mut Vec<usize>, g: &mut Rng| {
        let s = *count;
        *count += 1;
        len[s] = 2 * g.below(6) + 2;
        at[s] = (p, pos);
        kids[p].push(s);
        s
    };
    for _ in 0..8 {
        let s = add(0, g.below(2), &mut count, &mut len, &mut g);
        leaves.push(s);
    }
    while count + 2 <= nsec {
        let l = leaves.swap_remove(g.below(leaves.len() as u64));
        for _ in 0..2 {
            let pos = if g.below(5) == 0 {
                g.below(len[l] as u64)
            } else {
                len[l] - 1
            };
            let s = add(l, pos, &mut count, &mut len, &mut g);
            leaves.push(s);
        }
    }
    if count < nsec {
        let s = add(1, len[1] - 1, &mut count, &mut len, &mut g);
        leaves.push(s);
    }
    // Breadth-first layout; the soma is the root section (root node 0).
    let mut first = vec![0u32; nsec];
    let mut parent: Vec<u32> = vec![0];
    let mut queue = std::collections::VecDeque::from([0usize]);
    while let Some(s) = queue.pop_front() {
        queue.extend(kids[s].iter().copied());
        first[s] = parent.len() as u32;
        let pnode = if s == 0 {
            0
        } else {
            first[at[s].0] + at[s].1 as u32
        };
        for j in 0..len[s] {
            parent.push(if j == 0 {
                pnode
            } else {
                parent.len() as u32 - 1
            });
        }
    }
    let n = parent.len();
    let mut t = Tree {
        nroot: 1,
        parent,
        ..Default::default()
    };
    t.a = (0..n)
        .map(|i| if i == 0 { 0.0 } else { g.unif(-3.0, -0.01) })
        .collect();
    t.b = (0..n)
        .map(|i| if i == 0 { 0.0 } else { g.unif(-3.0, -0.01) })
        .collect();
    t.rhs = (0..n).map(|_| g.unif(-1.0, 1.0)).collect();
    t.d = (0..n).map(|i| t.b[i].abs() + g.unif(0.1, 2.0)).collect();
    for i in 1..n {
        let p = t.parent[i] as usize;
        t.d[p] += t.a[i].abs();
    }
    for v in [&mut t.v, &mut t.area, &mut t.cm] {
        *v = vec![0.0; n];
    }
    t.validate();
    t
}

/// Best-of-N times of the two solves, alternating.
fn quick() {
    let base = mainen_like();
    let (d0, rhs0) = (base.d.clone(), base.rhs.clone());
    let mut t = base.clone();
    let mut s = base.clone();
    s.prepare();
    let mut best = [f64::MAX; 2];
    for _ in 0..2000 {
        for (k, x) in [&mut t, &mut s].into_iter().enumerate() {
            let st = std::time::Instant::now();
            for _ in 0..20 {
                x.d.copy_from_slice(&d0);
                x.rhs.copy_from_slice(&rhs0);
                if k == 0 {
                    black_box(&mut *x).solve_sequential();
                } else {
                    black_box(&mut *x).solve();
                }
            }
            best[k] = best[k].min(st.elapsed().as_secs_f64() / 20.0);
        }
    }
    println!(
        "best of 2000 (incl. reset): sequential {:.3} us, scheduled {:.3} us, ratio {:.2}",
        best[0] * 1e6,
        best[1] * 1e6,
        best[0] / best[1]
    );
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("SOLVE_BENCH_QUICK").is_some() {
        quick();
        return;
    }
    let base = mainen_like();
    let (d0, rhs0) = (base.d.clone(), base.rhs.clone());
    eprintln!("mainen-like tree: {} nodes in 164 sections", base.len());
    let mut g = c.benchmark_group("hines_solve");
    let mut t = base.clone();
    g.bench_function("reset_only", |bch| {
        bch.iter(|| {
            t.d.copy_from_slice(&d0);
            t.rhs.copy_from_slice(&rhs0);
            black_box(&mut t);
        })
    });
    g.bench_function("sequential", |bch| {
        bch.iter(|| {
            t.d.copy_from_slice(&d0);
            t.rhs.copy_from_slice(&rhs0);
            black_box(&mut t).solve_sequential();
        })
    });
    let mut s = base.clone();
    s.prepare();
    assert!(s.schedule.is_built());
    {
        let (mut x, mut y) = (base.clone(), s.clone());
        x.solve_sequential();
        y.solve();
        let same = |p: &[f64], q: &[f64]| p.iter().zip(q).all(|(u, v)| u.to_bits() == v.to_bits());
        assert!(
            same(&x.rhs, &y.rhs) && same(&x.d, &y.d),
            "scheduled solve differs"
        );
    }
    g.bench_function("scheduled", |bch| {
        bch.iter(|| {
            s.d.copy_from_slice(&d0);
            s.rhs.copy_from_slice(&rhs0);
            black_box(&mut s).solve();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

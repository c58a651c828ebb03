//! Structured fuzzing of the readers, driven by proptest: each case takes a
//! file of the target's seed corpus (`fuzz/seeds/TARGET/`) and applies a
//! list of mutations — bytes deleted, inserted, flipped, repeated, text
//! spliced in from another seed or from the target's dictionary of tokens —
//! then hands the bytes to the reader. A reader must return (a value or an
//! error) for every input: a panic fails the case, and proptest shrinks the
//! mutation list to a small failing input, saved as
//! `target/fuzz/TARGET.crash`; a case running longer than the time limit
//! (`NERVE_FUZZ_SECS`, 10 s) aborts the campaign with the input saved as
//! `target/fuzz/TARGET.hang`.
//!
//! `NERVE_FUZZ_CASES` sets the number of cases (a few hundred by default,
//! the smoke run of the test suite); `NERVE_FUZZ_SEED` makes a campaign
//! start from another random state.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Cases of the smoke run.
const SMOKE_CASES: u32 = 300;

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: u8 },
    InsertToken { at: usize, token: usize },
    InsertByte { at: usize, byte: u8 },
    Flip { at: usize, byte: u8 },
    /// `len` bytes at `at` copied `times` more times right after themselves.
    Repeat { at: usize, len: u8, times: u8 },
    /// `len` bytes of another seed from `from` put in at `at`.
    Splice { at: usize, from: usize, len: u16 },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 1u8..16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(at, token)| Mutation::InsertToken { at, token }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte { at, byte }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        1 => (any::<usize>(), 1u8..32, 1u8..64).prop_map(|(at, len, times)| Mutation::Repeat { at, len, times }),
        2 => (any::<usize>(), any::<usize>(), 1u16..400).prop_map(|(at, from, len)| Mutation::Splice { at, from, len }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(base: &[u8], other: &[u8], dict: &[&str], muts: &[Mutation]) -> Vec<u8> {
    let mut b = base.to_vec();
    for m in muts {
        let pos = |at: usize, b: &Vec<u8>| at % (b.len() + 1);
        match *m {
            Mutation::Delete { at, len } => {
                let p = pos(at, &b);
                let e = (p + len as usize).min(b.len());
                b.drain(p..e);
            }
            Mutation::InsertToken { at, token } => {
                if !dict.is_empty() {
                    let p = pos(at, &b);
                    let t = dict[token % dict.len()].as_bytes();
                    b.splice(p..p, t.iter().copied());
                }
            }
            Mutation::InsertByte { at, byte } => {
                let p = pos(at, &b);
                b.insert(p, byte);
            }
            Mutation::Flip { at, byte } => {
                if !b.is_empty() {
                    let p = at % b.len();
                    b[p] ^= byte.max(1);
                }
            }
            Mutation::Repeat { at, len, times } => {
                let p = pos(at, &b);
                let e = (p + len as usize).min(b.len());
                let piece = b[p..e].to_vec();
                let copies: Vec<u8> = piece.iter().copied().cycle().take(piece.len() * times as usize).collect();
                b.splice(e..e, copies);
            }
            Mutation::Splice { at, from, len } => {
                if !other.is_empty() {
                    let p = pos(at, &b);
                    let f = from % other.len();
                    let e = (f + len as usize).min(other.len());
                    b.splice(p..p, other[f..e].iter().copied());
                }
            }
            Mutation::Truncate { at } => {
                let p = pos(at, &b);
                b.truncate(p);
            }
        }
    }
    b
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed corpus of `target`, in file-name order.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = repo_dir().join("fuzz/seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn findings(target: &str, ext: &str) -> PathBuf {
    let dir = repo_dir().join("target/fuzz");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{target}.{ext}"))
}

/// Runs the campaign of `target`: every seed as it is, then mutated cases.
pub fn campaign(target: &str, dict: &[&str], run: impl Fn(&[u8])) {
    let seeds = seeds(target);
    for s in &seeds {
        run(s);
    }
    let cases = env_num("NERVE_FUZZ_CASES").unwrap_or(SMOKE_CASES as u64) as u32;
    let limit = Duration::from_secs(env_num("NERVE_FUZZ_SECS").unwrap_or(10));
    let campaign = cases > 10_000;

    // The watchdog: a case past the time limit ends the process with its input saved.
    let current: Arc<Mutex<(Instant, Vec<u8>)>> = Arc::new(Mutex::new((Instant::now(), Vec::new())));
    let done = Arc::new(AtomicU64::new(0));
    {
        let current = current.clone();
        let done = done.clone();
        let target = target.to_string();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            if done.load(Ordering::Relaxed) == u64::MAX {
                return;
            }
            let c = current.lock().unwrap();
            if !c.1.is_empty() && c.0.elapsed() > limit {
                let path = findings(&target, "hang");
                let _ = std::fs::write(&path, &c.1);
                eprintln!("fuzz {target}: a case ran past {limit:?}; input saved as {}", path.display());
                std::process::abort();
            }
        });
    }

    let mut config = Config::with_cases(cases);
    config.failure_persistence = None;
    config.max_shrink_iters = 2000;
    let seed = env_num("NERVE_FUZZ_SEED").unwrap_or(0);
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let n = seeds.len();
    let strategy = (0..n, 0..n, prop::collection::vec(mutation(), 1..8));
    // What was running when a crash (not a panic) ends the process.
    let current_file = campaign.then(|| std::fs::File::create(findings(target, "current")).unwrap());
    let start = Instant::now();
    let executions = AtomicU64::new(0);
    let result = runner.run(&strategy, |(a, b, muts)| {
        let input = apply(&seeds[a], &seeds[b], dict, &muts);
        {
            let mut c = current.lock().unwrap();
            *c = (Instant::now(), input.clone());
        }
        if let Some(f) = &current_file {
            use std::os::unix::fs::FileExt;
            let _ = f.set_len(input.len() as u64);
            let _ = f.write_all_at(&input, 0);
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&input)));
        current.lock().unwrap().1.clear();
        executions.fetch_add(1, Ordering::Relaxed);
        if let Err(p) = r {
            let _ = std::fs::write(findings(target, "crash"), &input);
            std::panic::resume_unwind(p);
        }
        Ok(())
    });
    done.store(u64::MAX, Ordering::Relaxed);
    eprintln!("fuzz {target}: {} executions in {:.1} s", executions.load(Ordering::Relaxed), start.elapsed().as_secs_f64());
    if let Err(e) = result {
        panic!("fuzz {target}: {e}; input saved as {}", findings(target, "crash").display());
    }
}

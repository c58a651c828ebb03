//! Load time of a generated 10,000-point SWC (printed, not asserted; it
//! should be well under 20 ms in release: `cargo test -p morph --release
//! --test bench -- --nocapture`).

fn generated_swc(n: usize) -> String {
    // a deterministic branching tree: soma of 3 points, then segments that
    // mostly continue their parent and sometimes branch from earlier points
    let mut s = String::from("# generated\n");
    let mut state: u64 = 0x2545F4914F6CDD1D;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    s.push_str("1 1 0 0 0 6.5 -1\n2 1 0 -6.5 0 6.5 1\n3 1 0 6.5 0 6.5 1\n");
    let mut pos = vec![[0.0f64; 3]; n + 1];
    for id in 4..=n {
        let parent = if id == 4 || rnd() < 0.97 {
            id - 1
        } else {
            4 + ((id - 4) as f64 * rnd()) as usize
        };
        let parent = if parent < 4 { 1 } else { parent };
        let p = pos[parent];
        let q = [
            p[0] + rnd() * 4.0 - 1.0,
            p[1] + rnd() * 4.0 - 2.0,
            p[2] + rnd() - 0.5,
        ];
        pos[id] = q;
        let t = 2 + (id * 7 / n) % 3;
        s.push_str(&format!(
            "{id} {t} {:.4} {:.4} {:.4} {:.4} {parent}\n",
            q[0],
            q[1],
            q[2],
            0.2 + rnd()
        ));
    }
    s
}

#[test]
fn load_10k_point_swc() {
    let text = generated_swc(10_000);
    let (m, _) = morph::parse_swc(text.as_bytes(), "generated.swc").unwrap();
    assert!(m.sections.len() > 100);
    let runs = 5;
    let mut best = std::time::Duration::MAX;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let r = morph::parse_swc(std::hint::black_box(text.as_bytes()), "generated.swc").unwrap();
        best = best.min(t.elapsed());
        std::hint::black_box(r);
    }
    println!(
        "10,000-point SWC ({} sections, {} bytes): best of {runs} {:.2} ms",
        m.sections.len(),
        text.len(),
        best.as_secs_f64() * 1e3
    );
}

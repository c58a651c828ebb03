//! Counter-based random streams as NEURON's nrnran123 makes them: Philox4x32
//! with 10 rounds (Salmon et al., SC'11), a counter of (sequence, id3, id1,
//! id2) under the key (global index, 0), four 32-bit words per block, and
//! uniforms (u + 1)/(2^32 + 1). NetStim's noise draws from these, so its spike
//! times are NEURON's.

/// Philox4x32-10 of a counter under a key.
pub fn philox4x32_10(mut c: [u32; 4], mut k: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(0x9E37_79B9);
            k[1] = k[1].wrapping_add(0xBB67_AE85);
        }
        let p0 = 0xD251_1F53u64 * c[0] as u64;
        let p1 = 0xCD9E_8D57u64 * c[2] as u64;
        c = [(p1 >> 32) as u32 ^ c[1] ^ k[0], p1 as u32, (p0 >> 32) as u32 ^ c[3] ^ k[1], p0 as u32];
    }
    c
}

/// One stream: its counter, the current block and the next word to give.
#[derive(Clone, Debug)]
pub struct Stream {
    c: [u32; 4],
    r: [u32; 4],
    which: usize,
    key: [u32; 2],
}

impl Stream {
    /// nrnran123_newstream(id1, id2, id3), at sequence 0.
    pub fn new(id1: u32, id2: u32, id3: u32) -> Self {
        let mut s = Stream { c: [0, id3, id1, id2], r: [0; 4], which: 0, key: [0, 0] };
        s.set_seq(0, 0);
        s
    }

    /// nrnran123_setseq(s, seq, which).
    pub fn set_seq(&mut self, seq: u32, which: usize) {
        self.which = if which > 3 { 0 } else { which };
        self.c[0] = seq;
        self.r = philox4x32_10(self.c, self.key);
    }

    /// nrnran123_setseq(s, seq4which): a double holding seq·4 + which.
    pub fn set_seq4(&mut self, x: f64) {
        let x = if !(0.0..=0xff_ffff_ffffu64 as f64).contains(&x) { 0.0 } else { x };
        let v = (x as u64) & 0x3_ffff_ffff;
        self.set_seq((v >> 2) as u32, (v & 3) as usize);
    }

    /// nrnran123_setids(s, id1, id2, id3).
    pub fn set_ids(&mut self, id1: u32, id2: u32, id3: u32) {
        self.c[1] = id3;
        self.c[2] = id1;
        self.c[3] = id2;
    }

    /// The next 32-bit word.
    pub fn ipick(&mut self) -> u32 {
        let v = self.r[self.which];
        self.which += 1;
        if self.which > 3 {
            self.which = 0;
            for w in self.c.iter_mut() {
                *w = w.wrapping_add(1);
                if *w != 0 {
                    break;
                }
            }
            self.r = philox4x32_10(self.c, self.key);
        }
        v
    }

    /// A uniform deviate in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.ipick() as f64 + 1.0) * (1.0 / 4294967297.0)
    }

    /// An exponential deviate of mean 1.
    pub fn negexp(&mut self) -> f64 {
        -self.uniform().ln()
    }

    /// A standard normal deviate (the polar method, as nrnran123_normal).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u1 = 2.0 * self.uniform() - 1.0;
            let u2 = 2.0 * self.uniform() - 1.0;
            let w = u1 * u1 + u2 * u2;
            if w <= 1.0 {
                return u1 * ((-2.0 * w.ln()) / w).sqrt();
            }
        }
    }

    /// The stream's position as nrnran123_getseq encodes it: seq·4 + which.
    pub fn seq4(&self) -> f64 {
        self.c[0] as f64 * 4.0 + self.which as f64
    }

    /// The ids (id1, id2, id3).
    pub fn ids(&self) -> [u32; 3] {
        [self.c[2], self.c[3], self.c[1]]
    }
}

/// Runs f on the stream kept in columns `base..base + 4` of instance i
/// (id1, id2, id3, seq·4 + which), then stores its new position.
pub fn with_stream<R>(cols: &mut [Vec<f64>], base: usize, i: usize, f: impl FnOnce(&mut Stream) -> R) -> R {
    let id = |k: usize| cols[base + k][i] as u32;
    let mut s = Stream::new(id(0), id(1), id(2));
    s.set_seq4(cols[base + 3][i]);
    let r = f(&mut s);
    let [a, b, c] = s.ids();
    for (k, v) in [a as f64, b as f64, c as f64, s.seq4()].into_iter().enumerate() {
        cols[base + k][i] = v;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_known_answers() {
        // Random123's kat_vectors for philox4x32_10.
        assert_eq!(philox4x32_10([0; 4], [0; 2]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(
            philox4x32_10([0xffff_ffff; 4], [0xffff_ffff; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0]),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }
}

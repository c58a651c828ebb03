//! Results that go to disk as the run goes (`--out DIR`): each time series
//! is an .npy file in Fortran order, shape (outputs..., time), so that a
//! block of samples is appended at the end of the file and only the time
//! count in the header changes. The header is rewritten after each block,
//! so every file is a valid array of the samples written so far; memory
//! holds one block. When the run ends, each file is rewritten in C order
//! (what readers of .npy expect most), in passes of bounded memory.
//!
//! [`Sampler`] decides, sample by sample, how many samples an output with a
//! `record_dt` keeps (NEURON's `Vector.record(&x, Dt)` rule, as
//! `probes::recorded_samples` applies it to a whole run).

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes before the data: magic, version, header length, the dict padded
/// with spaces (room for any shape), a new line.
const HEADER: usize = 256;

/// Bytes gathered before a write to the file.
const BUFFER: usize = 1 << 20;

/// One array whose last axis (time) grows.
pub struct NpyStream {
    path: PathBuf,
    file: File,
    /// The dimensions before time.
    dims: Vec<usize>,
    /// Samples appended.
    rows: usize,
    /// Samples on disk and in the header (as of the last `sync`).
    synced: usize,
    /// Appended bytes not yet written.
    buf: Vec<u8>,
    /// Per output in C order: its place in a sample in Fortran order
    /// (empty when the two orders agree: one dimension or none).
    perm: Vec<usize>,
    /// One sample, reordered from C order to Fortran order.
    scratch: Vec<f64>,
}

impl NpyStream {
    /// Creates `path` holding no samples yet.
    pub fn create(path: &Path, dims: &[usize]) -> Result<Self, String> {
        let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let count: usize = dims.iter().product();
        let perm: Vec<usize> = if dims.len() > 1 { (0..count).map(|c| fortran_position(dims, c)).collect() } else { Vec::new() };
        let scratch = vec![0.0; perm.len()];
        let mut s = NpyStream { path: path.to_path_buf(), file, dims: dims.to_vec(), rows: 0, synced: 0, buf: Vec::with_capacity(BUFFER + 8 * count), perm, scratch };
        s.file.write_all(&header(dims, 0)).map_err(|e| s.err(e))?;
        Ok(s)
    }

    fn err(&self, e: std::io::Error) -> String {
        format!("{}: {e}", self.path.display())
    }

    /// Appends one sample: the outputs in C order of `dims`.
    pub fn push(&mut self, sample: &[f64]) -> Result<(), String> {
        let values: &[f64] = if self.perm.is_empty() {
            sample
        } else {
            for (&f, &v) in self.perm.iter().zip(sample) {
                self.scratch[f] = v;
            }
            &self.scratch
        };
        for v in values {
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.rows += 1;
        if self.buf.len() >= BUFFER {
            self.write_buf()?;
        }
        Ok(())
    }

    fn write_buf(&mut self) -> Result<(), String> {
        if let Err(e) = self.file.write_all(&self.buf) {
            self.roll_back();
            return Err(self.err(e));
        }
        self.buf.clear();
        Ok(())
    }

    /// Back to the samples of the last `sync`, so that the file stays the
    /// array its header describes.
    fn roll_back(&mut self) {
        self.buf.clear();
        self.rows = self.synced;
        let _ = self.file.set_len(self.len_of(self.synced));
        let _ = self.file.seek(SeekFrom::End(0));
    }

    fn len_of(&self, rows: usize) -> u64 {
        (HEADER + 8 * rows * self.dims.iter().product::<usize>()) as u64
    }

    /// Puts what was appended on disk and the sample count in the header.
    pub fn sync(&mut self) -> Result<(), String> {
        self.write_buf()?;
        if let Err(e) = self.file.write_all_at(&header(&self.dims, self.rows), 0) {
            self.roll_back();
            return Err(self.err(e));
        }
        self.synced = self.rows;
        Ok(())
    }

    /// Forgets the last `n` samples (the file is cut after the rest).
    pub fn drop_last(&mut self, n: usize) -> Result<(), String> {
        self.sync()?;
        self.rows -= n.min(self.rows);
        self.file.set_len(self.len_of(self.rows)).map_err(|e| self.err(e))?;
        self.file.seek(SeekFrom::End(0)).map_err(|e| self.err(e))?;
        self.sync()
    }

    /// Ends the stream: the file becomes the same array in C order (what
    /// readers of .npy expect most), written beside it and renamed over it.
    /// One pass over the file per group of outputs that fits in `BUFFER`·16
    /// bytes, so memory stays bounded however long the run.
    pub fn finish(mut self) -> Result<(), String> {
        self.sync()?;
        let count: usize = self.dims.iter().product();
        if count <= 1 {
            // One value per sample: the same bytes in either order.
            return self.file.write_all_at(&header_of(&self.dims, self.rows, true), 0).map_err(|e| self.err(e));
        }
        let tmp = self.path.with_file_name(format!(".{}.c-order", self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
        let r = (|| -> std::io::Result<()> {
            let mut out = std::io::BufWriter::with_capacity(BUFFER, File::create(&tmp)?);
            out.write_all(&header_of(&self.dims, self.rows, true))?;
            let rows = self.rows;
            // Fortran order over (dims..., time): sample j holds `count`
            // values, output i of it at i (first index fastest). C order
            // wants output by output, each over time.
            let group = (BUFFER * 16 / 8 / rows.max(1)).clamp(1, count);
            // Samples read at once.
            let per_read = (BUFFER / (8 * count)).max(1);
            let mut samples = vec![0u8; 8 * count * per_read];
            let mut i0 = 0;
            while i0 < count {
                let i1 = (i0 + group).min(count);
                // Outputs i0..i1 in C order, each at its place in a sample.
                let at: Vec<usize> = (i0..i1).map(|c| self.perm.get(c).copied().unwrap_or(c)).collect();
                let mut block = vec![0f64; (i1 - i0) * rows];
                let mut j0 = 0;
                while j0 < rows {
                    let m = per_read.min(rows - j0);
                    self.file.read_exact_at(&mut samples[..8 * count * m], (HEADER + 8 * count * j0) as u64)?;
                    for dj in 0..m {
                        let sample = &samples[8 * count * dj..8 * count * (dj + 1)];
                        for (k, &f) in at.iter().enumerate() {
                            block[k * rows + j0 + dj] = f64::from_le_bytes(sample[8 * f..8 * f + 8].try_into().unwrap());
                        }
                    }
                    j0 += m;
                }
                for k in 0..(i1 - i0) {
                    for v in &block[k * rows..(k + 1) * rows] {
                        out.write_all(&v.to_le_bytes())?;
                    }
                }
                i0 = i1;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })();
        if let Err(e) = r {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.err(e));
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| self.err(e))
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The full shape: dims, then time.
    pub fn shape(&self) -> Vec<usize> {
        let mut s = self.dims.clone();
        s.push(self.rows);
        s
    }
}

/// Where the output with C-order index `c` over `dims` sits in Fortran order.
fn fortran_position(dims: &[usize], mut c: usize) -> usize {
    let mut idx = vec![0usize; dims.len()];
    for k in (0..dims.len()).rev() {
        idx[k] = c % dims[k];
        c /= dims[k];
    }
    let (mut pos, mut stride) = (0, 1);
    for (k, &n) in dims.iter().enumerate() {
        pos += idx[k] * stride;
        stride *= n;
    }
    pos
}


/// The .npy header of a float64 array of `dims` × `rows` (Fortran order
/// unless `c_order`), written in place: no allocation.
fn header_of(dims: &[usize], rows: usize, c_order: bool) -> [u8; HEADER] {
    let mut h = [b' '; HEADER];
    h[..8].copy_from_slice(b"\x93NUMPY\x01\x00");
    h[8..10].copy_from_slice(&((HEADER - 10) as u16).to_le_bytes());
    let mut w = &mut h[10..HEADER - 1];
    let order = if c_order { "False" } else { "True" };
    // The shape of a 1-D array is written `(n,)`.
    let _ = write!(w, "{{'descr': '<f8', 'fortran_order': {order}, 'shape': (");
    for d in dims {
        let _ = write!(w, "{d}, ");
    }
    let _ = if dims.is_empty() { write!(w, "{rows},), }}") } else { write!(w, "{rows}), }}") };
    h[HEADER - 1] = b'\n';
    h
}

/// The header of the array while it grows (Fortran order).
fn header(dims: &[usize], rows: usize) -> [u8; HEADER] {
    header_of(dims, rows, false)
}

/// Which samples an output keeps: all of them, or those NEURON's
/// `Vector.record(&x, Dt)` takes. A record due within half a step after a
/// sample is taken from it, unless it is the run's last sample: those are
/// kept provisionally and dropped by the writer at the end (`provisional`).
pub struct Sampler {
    every: Option<f64>,
    half_dt: f64,
    due: Option<f64>,
    /// Samples of the latest one kept only if another follows.
    provisional: usize,
}

impl Sampler {
    pub fn new(every: Option<f64>, dt: f64) -> Self {
        Sampler { every, half_dt: 0.5 * dt, due: None, provisional: 0 }
    }

    /// The sample at `t` arrives: the times it is kept at (pushed on `times`).
    pub fn take(&mut self, t: f64, times: &mut Vec<f64>) -> usize {
        let Some(every) = self.every else {
            times.push(t);
            return 1;
        };
        let mut due = self.due.unwrap_or(t);
        let (mut n, mut provisional) = (0, 0);
        while due <= t + self.half_dt {
            if due > t {
                provisional += 1;
            }
            times.push(due);
            due += every;
            n += 1;
        }
        self.due = Some(due);
        self.provisional = provisional;
        n
    }

    /// Samples to drop when the run ends after the latest one.
    pub fn provisional(&self) -> usize {
        self.provisional
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_keeps_what_recorded_samples_keeps() {
        let dt = 0.025;
        let t: Vec<f64> = (0..=400).map(|k| k as f64 * dt).collect();
        for every in [0.1, 0.06, 0.01, 0.025, 0.0375] {
            let (_, want) = crate::probes::recorded_samples(&t, dt, every);
            let mut s = Sampler::new(Some(every), dt);
            let mut times = Vec::new();
            for &tn in &t {
                s.take(tn, &mut times);
            }
            times.truncate(times.len() - s.provisional());
            assert_eq!(times, want, "every {every}");
        }
    }

    #[test]
    fn a_finished_stream_is_the_array_in_c_order() {
        let dir = std::env::temp_dir().join(format!("nerve-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.npy");
        let mut s = NpyStream::create(&path, &[2, 3]).unwrap();
        // Sample j: outputs (i, k) = 100 i + 10 k + j, given in C order.
        for j in 0..4 {
            let sample: Vec<f64> = (0..2).flat_map(|i| (0..3).map(move |k| (100 * i + 10 * k + j) as f64)).collect();
            s.push(&sample).unwrap();
        }
        s.sync().unwrap();
        let grown: ndarray::ArrayD<f64> = ndarray_npy::read_npy(&path).unwrap();
        s.finish().unwrap();
        let done: ndarray::ArrayD<f64> = ndarray_npy::read_npy(&path).unwrap();
        assert_eq!(done.shape(), [2, 3, 4]);
        assert_eq!(grown, done);
        assert_eq!(done[[1, 2, 3]], 123.0);
        let bytes = std::fs::read(&path).unwrap();
        assert!(String::from_utf8_lossy(&bytes[..HEADER]).contains("'fortran_order': False"));
        assert_eq!(f64::from_le_bytes(bytes[HEADER + 8..HEADER + 16].try_into().unwrap()), 1.0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fortran_position_of_an_output() {
        // (2, 3) in C order 0..6 sits at 0, 2, 4, 1, 3, 5 in Fortran order.
        let at: Vec<usize> = (0..6).map(|c| fortran_position(&[2, 3], c)).collect();
        assert_eq!(at, vec![0, 2, 4, 1, 3, 5]);
    }

    #[test]
    fn header_is_a_whole_block_for_any_shape() {
        assert_eq!(header(&[], 7).len(), HEADER);
        assert_eq!(header(&[384, 1000, 1000], usize::MAX).len(), HEADER);
        assert!(String::from_utf8_lossy(&header(&[3], 5)).contains("'shape': (3, 5), "));
    }
}

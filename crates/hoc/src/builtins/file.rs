//! The `File` class: reading and writing text and binary files from HOC,
//! plus the File side of `Vector`'s file methods (`vector_method`).

use std::io::{Seek, SeekFrom, Write};

use super::{chkarg, num, object, opt_num, pointer, str_ref, string};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Place, Value};

/// An open file. A file opened for reading is read whole at `ropen`, so
/// reading, `eof` and `seek` work on bytes in memory.
pub enum Stream {
    Read { data: Vec<u8>, pos: usize },
    Write(std::io::BufWriter<std::fs::File>),
}

#[derive(Default)]
pub struct FileObj {
    pub name: String,
    pub stream: Option<Stream>,
}

impl FileObj {
    /// Closes the file; what could not be written (a full disk, a
    /// file-size limit) is an error naming the file.
    pub fn close(&mut self) -> HResult<()> {
        if let Some(Stream::Write(mut w)) = self.stream.take() {
            w.flush().map_err(|e| self.write_error(e))?;
        }
        Ok(())
    }

    fn write_error(&self, e: std::io::Error) -> HocError {
        hoc_err!("{}: write failed: {e}", self.name)
    }

    fn set_name(&mut self, name: &str) {
        let _ = self.close();
        self.name = name.to_string();
    }

    /// Opens `self.name` with C mode "r", "w" or "a"; true on success.
    pub fn open(&mut self, mode: &str) -> bool {
        let _ = self.close();
        let path = expand_env_var(&self.name);
        self.stream = match mode {
            "r" => std::fs::read(&path)
                .ok()
                .map(|data| Stream::Read { data, pos: 0 }),
            _ => {
                let mut o = std::fs::OpenOptions::new();
                if mode == "a" {
                    o.append(true).create(true);
                } else {
                    o.write(true).create(true).truncate(true);
                }
                o.open(&path).ok().map(|mut f| {
                    if mode == "a" {
                        // As glibc, `tell` right after an append open gives the size.
                        let _ = f.seek(SeekFrom::End(0));
                    }
                    Stream::Write(std::io::BufWriter::new(f))
                })
            }
        };
        self.stream.is_some()
    }

    fn not_open(&self) -> HocError {
        hoc_err!("{} :file is not open", self.name)
    }

    pub fn write(&mut self, bytes: &[u8]) -> HResult<usize> {
        match &mut self.stream {
            Some(Stream::Write(w)) => match w.write_all(bytes) {
                Ok(()) => Ok(bytes.len()),
                Err(e) => {
                    self.stream = None;
                    Err(self.write_error(e))
                }
            },
            Some(Stream::Read { .. }) => Ok(0),
            None => Err(self.not_open()),
        }
    }

    /// Up to `n` bytes from the read position.
    pub fn read(&mut self, n: usize) -> HResult<Vec<u8>> {
        match &mut self.stream {
            Some(Stream::Read { data, pos }) => {
                let start = (*pos).min(data.len());
                let end = (start + n).min(data.len());
                *pos = end.max(*pos);
                Ok(data[start..end].to_vec())
            }
            Some(Stream::Write(_)) => Ok(Vec::new()),
            None => Err(self.not_open()),
        }
    }

    pub fn eof(&mut self) -> HResult<bool> {
        match &self.stream {
            Some(Stream::Read { data, pos }) => Ok(*pos >= data.len()),
            Some(Stream::Write(_)) => Ok(true),
            None => Err(self.not_open()),
        }
    }

    /// NEURON's `hoc_scan` on this file: the next number; error at the end.
    pub fn scan_number(&mut self) -> HResult<f64> {
        match &mut self.stream {
            Some(Stream::Read { data, pos }) => match super::scan::scan_number(data, *pos) {
                Some((x, end)) => {
                    *pos = end;
                    Ok(x)
                }
                None => {
                    *pos = data.len();
                    Err(hoc_err!("EOF in fscan"))
                }
            },
            Some(Stream::Write(_)) => Err(hoc_err!("EOF in fscan")),
            None => Err(self.not_open()),
        }
    }

    /// A line (`word` false) or a blank-delimited word, None at the end.
    fn read_text(&mut self, word: bool) -> HResult<Option<String>> {
        match &mut self.stream {
            Some(Stream::Read { data, pos }) => {
                let got = if word {
                    super::scan::read_word(data, *pos)
                } else {
                    super::scan::read_line(data, *pos)
                };
                Ok(got.map(|(s, end)| {
                    *pos = end;
                    s
                }))
            }
            Some(Stream::Write(_)) => Ok(None),
            None => Err(self.not_open()),
        }
    }

    fn seek(&mut self, offset: i64, base: i32) -> HResult<f64> {
        match &mut self.stream {
            Some(Stream::Read { data, pos }) => {
                let from = match base {
                    0 => 0,
                    1 => *pos as i64,
                    _ => data.len() as i64,
                };
                let p = from + offset;
                if p < 0 {
                    return Ok(-1.0);
                }
                *pos = p as usize;
                Ok(0.0)
            }
            Some(Stream::Write(w)) => {
                let to = match base {
                    0 if offset < 0 => return Ok(-1.0),
                    0 => SeekFrom::Start(offset as u64),
                    1 => SeekFrom::Current(offset),
                    _ => SeekFrom::End(offset),
                };
                Ok(if w.seek(to).is_ok() { 0.0 } else { -1.0 })
            }
            None => Err(self.not_open()),
        }
    }

    fn tell(&mut self) -> HResult<f64> {
        match &mut self.stream {
            Some(Stream::Read { pos, .. }) => Ok(*pos as f64),
            Some(Stream::Write(w)) => Ok(w.stream_position().map(|p| p as f64).unwrap_or(-1.0)),
            None => Err(self.not_open()),
        }
    }
}

/// Replaces `$(NAME)` with the environment variable's value, as NEURON does
/// for file names (`$(NEURONHOME)` becomes empty here).
pub fn expand_env_var(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("$(") {
        match rest[i + 2..].find(')') {
            Some(j) => {
                out.push_str(&rest[..i]);
                let var = &rest[i + 2..i + 2 + j];
                if var != "NEURONHOME" {
                    out.push_str(&std::env::var(var).unwrap_or_default());
                }
                rest = &rest[i + 3 + j..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

pub fn construct(_it: &mut Interp, args: &[Value]) -> HResult<FileObj> {
    let name = if args.is_empty() {
        String::new()
    } else {
        string(args, 0)?
    };
    Ok(FileObj { name, stream: None })
}

/// Runs `f` on a File object's state.
pub fn with_file<R>(o: &ObjRef, f: impl FnOnce(&mut FileObj) -> R) -> HResult<R> {
    super::with_native::<FileObj, R>(o, f).map_err(|_| hoc_err!("argument is not a File"))
}

/// A File argument.
pub fn file_arg(args: &[Value], i: usize) -> HResult<ObjRef> {
    match object(args, i)? {
        Some(o) if matches!(&*o.data.borrow(), ObjData::Native(b) if b.is::<FileObj>()) => Ok(o),
        _ => Err(hoc_err!("arg {} is not a File object", i + 1)),
    }
}

/// The place `k` elements after `p` (for `vwrite(n, &x[0])`).
fn nth_place(p: &Place, k: usize) -> Place {
    match p.clone() {
        Place::Global(i, j) => Place::Global(i, j + k),
        Place::Local(f, i, j) => Place::Local(f, i, j + k),
        Place::Field(o, i, j) => Place::Field(o, i, j + k),
        Place::VecElem(o, j) => Place::VecElem(o, j + k),
        other => other,
    }
}

/// `[n,] &x` arguments of vwrite/vread: the count and the first place.
fn count_and_place(it: &Interp, a: &[Value]) -> HResult<(usize, Place)> {
    if a.len() >= 2 {
        let n = num(it, a, 0)?;
        if !(1.0..=2e18).contains(&n) {
            return Err(hoc_err!("Arg out of range in user function"));
        }
        Ok((n as usize, pointer(a, 1)?))
    } else {
        Ok((1, pointer(a, 0)?))
    }
}

pub fn method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let file = |f: &dyn Fn(&mut FileObj) -> HResult<f64>| -> HResult<Option<Value>> {
        Ok(Some(Value::Num(with_file(o, |s| f(s))??)))
    };
    match name {
        "ropen" | "wopen" | "aopen" => {
            let new_name = if a.is_empty() {
                None
            } else {
                Some(string(a, 0)?)
            };
            let mode = &name[..1];
            file(&|f| {
                if let Some(n) = &new_name {
                    f.set_name(n);
                }
                Ok(f.open(mode) as i32 as f64)
            })
        }
        "close" => file(&|f| {
            f.close()?;
            Ok(0.0)
        }),
        "isopen" => file(&|f| Ok(f.stream.is_some() as i32 as f64)),
        "eof" => file(&|f| Ok(f.eof()? as i32 as f64)),
        "flush" => file(&|f| {
            if let Some(Stream::Write(w)) = &mut f.stream {
                if let Err(e) = w.flush() {
                    f.stream = None;
                    return Err(f.write_error(e));
                }
            }
            Ok(1.0)
        }),
        "printf" => {
            let fmt = string(a, 0)?;
            let s = super::format_args(it, &fmt, &a[1..])?;
            file(&|f| f.write(s.as_bytes()).map(|_| 0.0))
        }
        "scanvar" => file(&|f| f.scan_number()),
        "scanstr" | "gets" => {
            let target = str_ref(a, 0)?;
            let got = with_file(o, |f| f.read_text(name == "scanstr"))??;
            Ok(Some(Value::Num(match got {
                Some(s) => {
                    let n = s.len() as f64;
                    *target.borrow_mut() = s;
                    n
                }
                None => -1.0,
            })))
        }
        "getname" => {
            let n = with_file(o, |f| f.name.clone())?;
            if !a.is_empty() {
                *str_ref(a, 0)?.borrow_mut() = n.clone();
            }
            Ok(Some(Value::Str(n.into())))
        }
        "dir" => Ok(Some(Value::Str("".into()))),
        "chooser" => {
            with_file(o, |f| f.close())??;
            Ok(Some(Value::Num(1.0)))
        }
        "mktemp" => {
            let dir = std::env::var("TEMP").unwrap_or_else(|_| "/tmp".into());
            let made = make_temp_file(&dir);
            file(&|f| {
                Ok(match &made {
                    Some(p) => {
                        f.set_name(p);
                        1.0
                    }
                    None => 0.0,
                })
            })
        }
        "unlink" => {
            file(&|f| Ok(std::fs::remove_file(expand_env_var(&f.name)).is_ok() as i32 as f64))
        }
        "seek" => {
            let offset = opt_num(it, a, 0)?.unwrap_or(0.0) as i64;
            let base = match opt_num(it, a, 1)? {
                Some(b) if !(0.0..=2.0).contains(&b) => {
                    return Err(hoc_err!("Arg out of range in user function"))
                }
                Some(b) => b as i32,
                None => 0,
            };
            file(&|f| f.seek(offset, base))
        }
        "tell" => file(&|f| f.tell()),
        "vwrite" => {
            let (n, p) = count_and_place(it, a)?;
            let mut bytes = Vec::with_capacity(8 * n);
            for k in 0..n {
                bytes.extend_from_slice(&it.read_place(&nth_place(&p, k))?.to_ne_bytes());
            }
            file(&|f| Ok((f.write(&bytes)? / 8) as f64))
        }
        "vread" => {
            let (n, p) = count_and_place(it, a)?;
            let bytes = with_file(o, |f| f.read(8 * n))??;
            let got = bytes.len() / 8;
            for (k, c) in bytes.chunks_exact(8).enumerate() {
                it.write_place(&nth_place(&p, k), f64::from_ne_bytes(c.try_into().unwrap()))?;
            }
            Ok(Some(Value::Num(got as f64)))
        }
        _ => Ok(None),
    }
}

/// Creates an empty file `dir/nrnXXXXXX` with a fresh name, as mkstemp does.
fn make_temp_file(dir: &str) -> Option<String> {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        ^ (std::process::id() as u64) << 32;
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for _ in 0..100 {
        let mut name = format!("{dir}/nrn");
        for _ in 0..6 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            name.push(CHARS[(seed >> 33) as usize % CHARS.len()] as char);
        }
        if std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&name)
            .is_ok()
        {
            return Some(name);
        }
    }
    None
}

// ---------------------------------------------------------------- Vector's file methods


/// `Vector` methods that take a File first argument: `vwrite`, `vread`,
/// `fwrite`, `fread`, `scanf`, `scantil`, and `printf(File, ...)`.
/// `data` is the Vector's elements, updated in place. Ok(None) for any
/// other method (or `printf` without a File).
pub fn vector_method(
    it: &mut Interp,
    name: &str,
    data: &mut Vec<f64>,
    a: &[Value],
) -> HResult<Option<Value>> {
    let num_val = |x: f64| Ok(Some(Value::Num(x)));
    match name {
        "fwrite" => {
            let f = file_arg(a, 0)?;
            let n = data.len();
            let (start, end) = if a.len() > 1 {
                let top = n as f64 - 1.0;
                let s = chkarg(it, a, 1, 0.0, top)? as usize;
                (s, chkarg(it, a, 2, s as f64, top)? as usize)
            } else if n == 0 {
                return num_val(0.0);
            } else {
                (0, n - 1)
            };
            let bytes: Vec<u8> = data[start..=end]
                .iter()
                .flat_map(|x| x.to_ne_bytes())
                .collect();
            num_val((with_file(&f, |s| s.write(&bytes))?? / 8) as f64)
        }
        "fread" => {
            let f = file_arg(a, 0)?;
            if a.len() > 1 {
                data.resize(chkarg(it, a, 1, 0.0, 1e10)? as usize, 0.0);
            }
            let ty = if a.len() > 2 {
                chkarg(it, a, 2, 1.0, 5.0)? as i32
            } else {
                4
            };
            let n = data.len();
            let size = match ty {
                5 | 2 => 2,
                4 => 8,
                3 => 4,
                _ => 1,
            };
            let bytes = with_file(&f, |s| s.read(n * size))??;
            for (i, c) in bytes.chunks_exact(size).enumerate() {
                data[i] = match ty {
                    5 => i16::from_ne_bytes([c[0], c[1]]) as f64,
                    4 => f64::from_ne_bytes(c.try_into().unwrap()),
                    3 => f32::from_ne_bytes(c.try_into().unwrap()) as f64,
                    2 => u16::from_ne_bytes([c[0], c[1]]) as f64,
                    _ => c[0] as i8 as f64,
                };
            }
            num_val(1.0)
        }
        "vwrite" => {
            let f = file_arg(a, 0)?;
            let ty = if a.len() > 1 {
                chkarg(it, a, 1, 1.0, 5.0)? as i32
            } else {
                4
            };
            let n = data.len();
            let mut out = Vec::new();
            out.extend_from_slice(&(n as i32).to_ne_bytes());
            out.extend_from_slice(&ty.to_ne_bytes());
            let (min, max) = data
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                });
            match ty {
                5 => data
                    .iter()
                    .for_each(|&x| out.extend_from_slice(&(x as i32).to_ne_bytes())),
                4 => data
                    .iter()
                    .for_each(|&x| out.extend_from_slice(&x.to_ne_bytes())),
                3 => data
                    .iter()
                    .for_each(|&x| out.extend_from_slice(&(x as f32).to_ne_bytes())),
                _ => {
                    let (min, r) = if n == 0 { (0.0, 0.0) } else { (min, max - min) };
                    let high = if ty == 2 { 65535.0 } else { 255.0 };
                    let sf = if r > 0.0 { high / r } else { 1.0 };
                    out.extend_from_slice(&sf.to_ne_bytes());
                    out.extend_from_slice(&min.to_ne_bytes());
                    for &x in data.iter() {
                        if ty == 2 {
                            out.extend_from_slice(&(((x - min) * sf) as u16).to_ne_bytes());
                        } else {
                            out.push((((x - min) * sf - 128.0) as i32) as i8 as u8);
                        }
                    }
                }
            }
            with_file(&f, |s| s.write(&out))??;
            num_val(1.0)
        }
        "vread" => {
            let f = file_arg(a, 0)?;
            with_file(&f, |s| vread(s, data))??;
            num_val(1.0)
        }
        "scanf" => {
            let f = file_arg(a, 0)?;
            let (mut n, mut c, mut nc) = (-1i64, 1, 1);
            match a.len() {
                4.. => {
                    n = num(it, a, 1)? as i64;
                    c = num(it, a, 2)? as i64;
                    nc = num(it, a, 3)? as i64;
                }
                3 => {
                    c = num(it, a, 1)? as i64;
                    nc = num(it, a, 2)? as i64;
                }
                2 => n = num(it, a, 1)? as i64,
                _ => {}
            }
            if n >= 0 {
                data.resize(n as usize, 0.0);
            } else {
                data.clear();
            }
            let i = with_file(&f, |s| -> HResult<usize> {
                let mut i = 0usize;
                while (n < 0 || (i as i64) < n) && !s.eof()? {
                    for _ in 1..c {
                        if !s.eof()? {
                            s.scan_number()?;
                        }
                    }
                    if !s.eof()? {
                        let x = s.scan_number()?;
                        if n >= 0 {
                            data[i] = x;
                        } else {
                            data.push(x);
                        }
                    }
                    for _ in c..nc {
                        if !s.eof()? {
                            s.scan_number()?;
                        }
                    }
                    i += 1;
                }
                Ok(i)
            })??;
            data.resize(i, 0.0);
            num_val(i as f64)
        }
        "scantil" => {
            let f = file_arg(a, 0)?;
            data.clear();
            let til = num(it, a, 1)?;
            let (c, nc) = if a.len() > 3 {
                (num(it, a, 2)? as i64, num(it, a, 3)? as i64)
            } else {
                (1, 1)
            };
            let i = with_file(&f, |s| -> HResult<usize> {
                let mut i = 0;
                loop {
                    for _ in 1..c {
                        if s.scan_number()? == til {
                            return Ok(i);
                        }
                    }
                    let x = s.scan_number()?;
                    if x == til {
                        return Ok(i);
                    }
                    data.push(x);
                    for _ in c..nc {
                        s.scan_number()?;
                    }
                    i += 1;
                }
            })??;
            num_val(i as f64)
        }
        "printf" if matches!(a.first(), Some(Value::Obj(_))) => {
            let f = file_arg(a, 0)?;
            let mut next = 1;
            let mut fmt = "%g\n".to_string();
            if matches!(a.get(next), Some(Value::Str(_) | Value::SRef(_))) {
                fmt = string(a, next)?;
                next += 1;
            }
            let top = data.len() as f64 - 1.0;
            let (start, end) = if a.len() > next {
                let s = chkarg(it, a, next, 0.0, top)?;
                (s as usize, chkarg(it, a, next + 1, s, top)? as usize)
            } else {
                (0, data.len().wrapping_sub(1))
            };
            let mut out = String::new();
            if end != usize::MAX {
                for &x in &data[start..=end] {
                    out.push_str(
                        &crate::format::sprintf(&fmt, &[crate::format::FmtArg::Num(x)])
                            .map_err(HocError::new)?,
                    );
                }
            }
            out.push('\n');
            with_file(&f, |s| s.write(out.as_bytes()))??;
            num_val(end.wrapping_sub(start).wrapping_add(1) as f64)
        }
        _ => Ok(None),
    }
}

/// Reads `Vector.vwrite`'s format (native byte order, or swapped if the
/// type word only makes sense swapped).
fn vread(s: &mut FileObj, data: &mut Vec<f64>) -> HResult<()> {
    let head = s.read(8)?;
    if head.len() < 8 {
        return Ok(());
    }
    let mut n = i32::from_ne_bytes(head[0..4].try_into().unwrap());
    let mut ty = i32::from_ne_bytes(head[4..8].try_into().unwrap());
    let swap = !(1..=5).contains(&ty);
    if swap {
        n = n.swap_bytes();
        ty = ty.swap_bytes();
    }
    if !(1..=5).contains(&ty) {
        return Ok(());
    }
    let n = n.max(0) as usize;
    data.resize(n, 0.0);
    let fix = |mut b: Vec<u8>| {
        if swap {
            b.reverse();
        }
        b
    };
    let word = |c: &[u8]| fix(c.to_vec());
    match ty {
        5 | 3 => {
            let bytes = s.read(4 * n)?;
            for (i, c) in bytes.chunks_exact(4).enumerate() {
                let w: [u8; 4] = word(c).try_into().unwrap();
                data[i] = if ty == 5 {
                    i32::from_ne_bytes(w) as f64
                } else {
                    f32::from_ne_bytes(w) as f64
                };
            }
        }
        4 => {
            let bytes = s.read(8 * n)?;
            for (i, c) in bytes.chunks_exact(8).enumerate() {
                data[i] = f64::from_ne_bytes(word(c).try_into().unwrap());
            }
        }
        _ => {
            let sc = s.read(16)?;
            if sc.len() < 16 {
                return Ok(());
            }
            let sf = f64::from_ne_bytes(word(&sc[0..8]).try_into().unwrap());
            let min = f64::from_ne_bytes(word(&sc[8..16]).try_into().unwrap());
            if ty == 2 {
                let bytes = s.read(2 * n)?;
                for (i, c) in bytes.chunks_exact(2).enumerate() {
                    data[i] = u16::from_ne_bytes(word(c).try_into().unwrap()) as f64 / sf + min;
                }
            } else {
                let bytes = s.read(n)?;
                for (i, &c) in bytes.iter().enumerate() {
                    data[i] = (c as i8 as f64 + 128.0) / sf + min;
                }
            }
        }
    }
    Ok(())
}

//! `INCLUDE "file"`: finding and reading the files a .mod file includes,
//! where NEURON's translator finds them. nrnivmodl runs the translator in the
//! .mod file's folder, so a name is looked for, in order: as given if it is
//! absolute; beside the file that includes it; in the .mod file's folder; in
//! the folder above it; in each folder of the `MODL_INCLUDE` environment
//! variable (separated by `:`).

use std::path::{Path, PathBuf};

/// Deepest nesting of INCLUDEs (a file including itself would never end).
const MAX_NESTING: usize = 64;

/// The files of one .mod file: itself (number 0) and those it includes, by
/// the number their spans carry.
#[derive(Clone, Debug)]
pub struct Includes {
    /// The .mod file's folder (the translator's working directory).
    home: PathBuf,
    /// Every file read, by number.
    paths: Vec<PathBuf>,
    /// Files being read, innermost last (numbers).
    open: Vec<u32>,
}

impl Includes {
    /// The includes of the .mod file at `path`.
    pub fn new(path: &Path) -> Includes {
        let home = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Includes { home, paths: vec![path.to_path_buf()], open: vec![0] }
    }

    /// The names of the files, by number, as error messages show them.
    pub fn names(&self) -> Vec<String> {
        self.paths.iter().map(|p| p.display().to_string()).collect()
    }

    /// Where `name`, included from file `from`, is looked for.
    fn candidates(&self, name: &str, from: u32) -> Vec<PathBuf> {
        let name_path = Path::new(name);
        if name_path.is_absolute() {
            return vec![name_path.to_path_buf()];
        }
        let mut v = Vec::new();
        if let Some(dir) = self.paths.get(from as usize).and_then(|p| p.parent()) {
            v.push(dir.join(name));
        }
        v.push(self.home.join(name));
        v.push(self.home.join("..").join(name));
        if let Some(dirs) = std::env::var_os("MODL_INCLUDE") {
            for d in std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()) {
                v.push(d.join(name));
            }
        }
        v
    }

    /// Reads `name`, included from file `from`: its text and its number.
    pub(crate) fn open(&mut self, name: &str, from: u32) -> Result<(String, u32), String> {
        if self.open.len() > MAX_NESTING {
            return Err(format!("INCLUDE \"{name}\": includes nest more than {MAX_NESTING} deep (does a file include itself?)"));
        }
        let tried = self.candidates(name, from);
        for path in &tried {
            if let Ok(bytes) = std::fs::read(path) {
                self.paths.push(path.clone());
                let id = (self.paths.len() - 1) as u32;
                self.open.push(id);
                return Ok((String::from_utf8_lossy(&bytes).into_owned(), id));
            }
        }
        let looked: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        Err(format!("cannot open the INCLUDE file \"{name}\" (looked for {})", looked.join(", ")))
    }

    /// The file last opened has been read.
    pub(crate) fn close(&mut self) {
        self.open.pop();
    }
}

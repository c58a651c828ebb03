//! Source positions.

/// A region of the source text: byte offsets `lo..hi` plus the 1-based
/// line and column (in characters) of `lo`, in file `file` (0: the file
/// parsed; others are INCLUDEd files, named in [`crate::ast::Module::files`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub lo: u32,
    pub hi: u32,
    pub line: u32,
    pub col: u32,
    pub file: u32,
}

impl Span {
    /// The span covering `self` through `other` (positions taken from `self`).
    pub fn to(self, other: Span) -> Span {
        Span {
            lo: self.lo,
            hi: other.hi.max(self.hi),
            line: self.line,
            col: self.col,
            file: self.file,
        }
    }
}

/// Maps byte offsets to 1-based (line, column) pairs. A line ends at `\n`,
/// `\r\n` or a lone `\r`; columns count characters.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    file: u32,
}

impl LineIndex {
    pub fn new(src: &str) -> LineIndex {
        LineIndex::of_file(src, 0)
    }

    /// The index of file number `file` (its spans carry that number).
    pub fn of_file(src: &str, file: u32) -> LineIndex {
        let mut starts = vec![0];
        let b = src.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if b.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts, file }
    }

    /// The number of the file this index is of.
    pub fn file(&self) -> u32 {
        self.file
    }

    /// 1-based line and column of byte offset `pos` (clamped to the text).
    pub fn line_col(&self, src: &str, pos: usize) -> (u32, u32) {
        let pos = pos.min(src.len());
        let line = match self.starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col = src
            .get(start..pos)
            .map_or(pos - start, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    /// A span for byte range `lo..hi`.
    pub fn span(&self, src: &str, lo: usize, hi: usize) -> Span {
        let (line, col) = self.line_col(src, lo);
        Span {
            lo: lo as u32,
            hi: hi as u32,
            line,
            col,
            file: self.file,
        }
    }
}

//! Reading HOC as nrniv reads its standard input (`-`, or a pipe when no
//! file is named): an error is reported and reading goes on with the next
//! line, and the run still ends normally.

use std::rc::Rc;

use super::{Interp, Source};
use crate::error::{ErrorKind, HResult, HocError};

impl Interp {
    /// Runs `text` statement by statement; each error goes to `report` and
    /// reading resumes after the line where it happened. Only `quit()` ends
    /// it early (returned as an error of kind Quit).
    pub fn run_interactive(&mut self, text: Rc<str>, report: &mut dyn FnMut(&HocError)) -> HResult<()> {
        self.sources.push(Source::new("", text.clone()));
        let r = loop {
            match self.run_current_source() {
                Ok(()) => break Ok(()),
                Err(e) if matches!(e.kind, ErrorKind::Quit(_)) => break Err(e),
                Err(e) => {
                    let src = self.sources.pop().expect("source stack");
                    let at = match e.kind {
                        ErrorKind::Syntax(at) => at,
                        _ => src.stmt_end,
                    };
                    let e = self.locate(e, &src);
                    self.end_partial_line();
                    self.flush();
                    report(&e);
                    // Go on after the line the error was found on.
                    let from = at.saturating_sub(1).min(text.len());
                    let next = text[from..].find('\n').map_or(text.len(), |k| from + k + 1);
                    let mut src = src;
                    src.pos = next.max(src.pos.min(text.len()));
                    // What an error leaves behind goes, as NEURON's reset does.
                    self.frames.truncate(1);
                    self.cur = 0;
                    self.this = None;
                    self.iter_stack.clear();
                    self.eng.sec_stack.clear();
                    self.sources.push(src);
                }
            }
        };
        self.sources.pop();
        r
    }
}

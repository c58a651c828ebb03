//! What SIGINT, SIGTERM and SIGXFSZ do to a run's results.
//!
//! Results are written only once the run has finished, each file under a
//! hidden temporary name first. A SIGINT or SIGTERM before that ends the
//! process at once: nothing of the run is on disk yet. One that arrives
//! while the results are being written waits until every file is complete
//! and in place, then ends the process as the signal would have. SIGXFSZ
//! (a file-size limit, `ulimit -f`) is ignored, so that the write that
//! exceeds the limit fails with an error the writer reports.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Whether results are being written (signals are held until done).
static WRITING: AtomicBool = AtomicBool::new(false);
/// A signal that arrived while writing (0: none).
static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    if WRITING.load(Ordering::SeqCst) {
        PENDING.store(sig, Ordering::SeqCst);
        return;
    }
    die(sig);
}

/// Ends the process as `sig` would (only async-signal-safe calls).
fn die(sig: libc::c_int) {
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        // A handler runs with its signal blocked.
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        libc::_exit(128 + sig);
    }
}

/// Installs the handlers; call once, before the run.
pub fn install() {
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for sig in [libc::SIGINT, libc::SIGTERM] {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = handler;
            libc::sigemptyset(&mut act.sa_mask);
            act.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &act, std::ptr::null_mut());
        }
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Runs `write` with SIGINT and SIGTERM held; one that arrived meanwhile
/// ends the process once `write` has returned.
pub fn holding<T>(write: impl FnOnce() -> T) -> T {
    /// Lets signals through again however `write` ends.
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            WRITING.store(false, Ordering::SeqCst);
            let sig = PENDING.swap(0, Ordering::SeqCst);
            if sig != 0 {
                die(sig);
            }
        }
    }
    WRITING.store(true, Ordering::SeqCst);
    let _release = Release;
    write()
}

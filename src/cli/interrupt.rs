//! Ctrl-C during a long run: the first asks the run to stop where it can
//! (what is finished is kept, nothing is half-written), a second ends the
//! process at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the user asked the run to stop.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

/// The exit status of a run stopped by Ctrl-C, as shells report SIGINT.
pub const EXIT_STATUS: i32 = 130;

impl Interrupt {
    /// Catches SIGINT (Ctrl-C) and SIGTERM. Should catching fail, the
    /// signals keep their default (the process ends) and the run is not
    /// worse off; the reason is logged.
    pub fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The second signal, with the flag already set, ends the process.
            let caught = signal_hook::flag::register_conditional_shutdown(signal, EXIT_STATUS, Arc::clone(&flag))
                .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&flag)));
            if let Err(error) = caught {
                tracing::warn!("cannot catch signal {signal}: {error}");
            }
        }
        Interrupt(flag)
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for code that polls it.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

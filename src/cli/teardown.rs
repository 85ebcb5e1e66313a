//! Freeing what a run is done with on a thread of its own, while the main
//! thread goes on: printing a diff keeps one core busy and leaves the others
//! idle, and closing the answer cache or freeing every file's text and
//! source model takes a millisecond or more.

use std::thread::JoinHandle;

/// The values handed over, each dropped on its own thread; all are dropped
/// by the time this is.
#[derive(Default)]
pub struct Teardown(Vec<JoinHandle<()>>);

impl Teardown {
    /// Drops `value` on another thread (here, should none start).
    pub fn drop_later<T: Send + 'static>(&mut self, value: T) {
        if let Ok(handle) = std::thread::Builder::new().name("docwright-teardown".into()).spawn(move || drop(value)) {
            self.0.push(handle);
        }
    }
}

impl Drop for Teardown {
    /// Waits for every drop: some close files (the answer cache records its
    /// uses and closes its database), which must finish before the process
    /// exits.
    fn drop(&mut self) {
        for handle in self.0.drain(..) {
            // A drop that panicked has nothing left to finish.
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    struct Flags(Arc<AtomicBool>);

    impl Drop for Flags {
        fn drop(&mut self) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn every_value_is_dropped_elsewhere_by_the_time_the_teardown_is() {
        let dropped = Arc::new(AtomicBool::new(false));
        let mut teardown = Teardown::default();
        let started = std::time::Instant::now();
        teardown.drop_later(Flags(Arc::clone(&dropped)));
        assert!(started.elapsed() < std::time::Duration::from_millis(20), "the caller did not wait");
        drop(teardown);
        assert!(dropped.load(Ordering::SeqCst));
    }
}

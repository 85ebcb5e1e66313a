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
    use std::sync::{Arc, Mutex};
    use std::thread::ThreadId;

    use super::*;

    /// Notes the thread it is dropped on.
    struct Noting(Arc<Mutex<Option<ThreadId>>>);

    impl Drop for Noting {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(std::thread::current().id());
        }
    }

    #[test]
    fn every_value_is_dropped_elsewhere_by_the_time_the_teardown_is() {
        let dropped_on = Arc::new(Mutex::new(None));
        let mut teardown = Teardown::default();
        teardown.drop_later(Noting(Arc::clone(&dropped_on)));
        drop(teardown);
        let dropped_on = dropped_on.lock().unwrap().expect("dropped");
        assert_ne!(dropped_on, std::thread::current().id(), "dropped on the caller's thread");
    }
}

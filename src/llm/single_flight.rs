//! Identical work in flight at once is done once: the first caller of a key
//! runs it and later callers of the same key await its result. Nothing is
//! kept once the work is done, so this is no cache.
//!
//! If the caller running the work goes away (its future dropped, or a panic),
//! the ones waiting on it do not hang: one of them runs its own work instead
//! and the others follow that one.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

pub struct SingleFlight<K, V> {
    flights: Mutex<HashMap<K, Flight<V>>>,
    next_id: AtomicU64,
}

struct Flight<V> {
    /// Tells a leader's entry from a later leader's of the same key.
    id: u64,
    result: watch::Receiver<Option<V>>,
}

enum Joined<V> {
    Lead(u64, watch::Sender<Option<V>>),
    Follow(watch::Receiver<Option<V>>),
}

impl<K: Hash + Eq + Clone, V: Clone> SingleFlight<K, V> {
    pub fn new() -> Self {
        SingleFlight { flights: Mutex::new(HashMap::new()), next_id: AtomicU64::new(0) }
    }

    /// The result of `work` for `key`: run here, or, when the same key is
    /// already in flight, that flight's result (and `work` is not called).
    pub async fn run<F, Fut>(&self, key: K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let (id, result) = loop {
            match self.join(&key) {
                Joined::Lead(id, result) => break (id, result),
                Joined::Follow(flight) => {
                    if let Some(value) = follow(flight).await {
                        return value;
                    }
                    // The leader went away without a result: try again.
                }
            }
        };
        // Dropped last on every way out (done, cancelled, panicking).
        let _leave = Leave { flights: &self.flights, key: &key, id };
        let value = work().await;
        result.send_replace(Some(value.clone()));
        value
    }

    /// Keys in flight now.
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    fn join(&self, key: &K) -> Joined<V> {
        let mut flights = self.lock();
        if let Some(flight) = flights.get(key) {
            return Joined::Follow(flight.result.clone());
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = watch::channel(None);
        flights.insert(key.clone(), Flight { id, result: receiver });
        Joined::Lead(id, sender)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Flight<V>>> {
        lock(&self.flights)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The leader's result, or `None` when the leader was dropped first.
async fn follow<V: Clone>(mut flight: watch::Receiver<Option<V>>) -> Option<V> {
    loop {
        if let Some(value) = flight.borrow_and_update().as_ref() {
            return Some(value.clone());
        }
        if flight.changed().await.is_err() {
            return flight.borrow().clone();
        }
    }
}

/// Removes the leader's entry when its flight ends, however it ends; the
/// followers then see either the result or a closed channel.
struct Leave<'a, K: Hash + Eq, V> {
    flights: &'a Mutex<HashMap<K, Flight<V>>>,
    key: &'a K,
    id: u64,
}

impl<K: Hash + Eq, V> Drop for Leave<'_, K, V> {
    fn drop(&mut self) {
        let mut flights = lock(self.flights);
        if flights.get(self.key).is_some_and(|flight| flight.id == self.id) {
            flights.remove(self.key);
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Default for SingleFlight<K, V> {
    fn default() -> Self {
        SingleFlight::new()
    }
}

impl<K, V> fmt::Debug for SingleFlight<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_flight = lock(&self.flights).len();
        f.debug_struct("SingleFlight").field("in_flight", &in_flight).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use tokio::task::JoinSet;

    use super::*;

    type Flights = Arc<SingleFlight<u32, String>>;

    /// Spawns a caller of `key` whose work takes `takes` and counts its runs.
    fn call(
        tasks: &mut JoinSet<String>,
        flights: &Flights,
        runs: &Arc<AtomicUsize>,
        key: u32,
        takes: Duration,
        value: &str,
    ) {
        let (flights, runs, value) = (Arc::clone(flights), Arc::clone(runs), value.to_string());
        tasks.spawn(async move {
            flights
                .run(key, || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(takes).await;
                    value
                })
                .await
        });
    }

    #[tokio::test(start_paused = true)]
    async fn identical_calls_in_flight_run_the_work_once() {
        let (flights, runs) = (Flights::default(), Arc::new(AtomicUsize::new(0)));
        let mut tasks = JoinSet::new();
        for i in 0..10 {
            call(&mut tasks, &flights, &runs, 1, Duration::from_secs(1), &format!("from caller {i}"));
        }
        let results = tasks.join_all().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
        assert_eq!(flights.in_flight(), 0);

        // Done means gone: a later call runs again.
        let again = flights.run(1, || async { "fresh".to_string() }).await;
        assert_eq!(again, "fresh");
    }

    #[tokio::test(start_paused = true)]
    async fn different_keys_run_separately() {
        let (flights, runs) = (Flights::default(), Arc::new(AtomicUsize::new(0)));
        let mut tasks = JoinSet::new();
        for key in 0..3 {
            call(&mut tasks, &flights, &runs, key, Duration::from_secs(1), &key.to_string());
        }
        let mut results = tasks.join_all().await;
        results.sort();
        assert_eq!(results, ["0", "1", "2"]);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_leader_leaves_no_one_hanging() {
        let (flights, runs) = (Flights::default(), Arc::new(AtomicUsize::new(0)));
        let mut leader = JoinSet::new();
        call(&mut leader, &flights, &runs, 7, Duration::from_secs(3600), "never");
        tokio::task::yield_now().await;
        let mut followers = JoinSet::new();
        for _ in 0..4 {
            call(&mut followers, &flights, &runs, 7, Duration::from_secs(1), "taken over");
        }
        tokio::task::yield_now().await;
        leader.abort_all();
        let results = tokio::time::timeout(Duration::from_secs(10), followers.join_all()).await.unwrap();
        assert_eq!(results, ["taken over"; 4]);
        assert_eq!(runs.load(Ordering::SeqCst), 2, "the leader's run and one follower's");
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_leader_leaves_no_one_hanging() {
        let flights = Flights::default();
        let leader = tokio::spawn({
            let flights = Arc::clone(&flights);
            async move {
                flights
                    .run(1, || async {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        panic!("the work failed");
                    })
                    .await
            }
        });
        tokio::task::yield_now().await;
        let follower = flights.run(1, || async { "recovered".to_string() }).await;
        assert_eq!(follower, "recovered");
        assert!(leader.await.is_err());
        assert_eq!(flights.in_flight(), 0);
    }
}

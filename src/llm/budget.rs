//! Spending limits in US dollars, per run and per day.
//!
//! A request first [reserves](Budget::reserve) its worst-case cost; the
//! reservation is refused when spending plus requests in flight plus this one
//! would pass a limit. When the answer arrives the reservation is
//! [settled](Reservation::settle) with the actual cost; dropped unsettled (the
//! request failed before costing anything) it is released.
//!
//! The per-day total is shared between processes through a small JSON ledger
//! (the caller picks its path, e.g. in the user's state directory), keyed by
//! **UTC** date so that every process agrees on when a day ends without
//! knowing the time zone. Each update is a read-modify-write under an
//! exclusive lock on a sibling `.lock` file, and the new ledger is written to a
//! temporary file in the same directory and renamed over the old one, so a
//! reader never sees half a file. Reservations of other processes are not
//! visible, only what they have spent.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Share of a limit at which spending is reported once.
const WARN_AT: f64 = 0.8;
/// Tolerance for comparing sums of dollars.
const EPSILON: f64 = 1e-9;
/// Days of history the ledger keeps.
const KEEP_DAYS: i64 = 31;
const LEDGER_VERSION: u32 = 1;

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    PerRun,
    PerDay,
}

impl Scope {
    /// The configuration key that sets this limit.
    pub fn config_key(self) -> &'static str {
        match self {
            Scope::PerRun => "model.budget.perRun",
            Scope::PerDay => "model.budget.perDay",
        }
    }

    /// The command-line flag that sets this limit.
    pub fn cli_flag(self) -> &'static str {
        match self {
            Scope::PerRun => "--budget-per-run",
            Scope::PerDay => "--budget-per-day",
        }
    }

    fn spent_phrase(self) -> &'static str {
        match self {
            Scope::PerRun => "spent in this run",
            Scope::PerDay => "spent today (UTC)",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::PerRun => "per-run",
            Scope::PerDay => "per-day",
        })
    }
}

/// The limits in USD; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BudgetLimits {
    pub per_run: Option<f64>,
    pub per_day: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "the {scope} budget of {limit} would be exceeded: {spent} {spent_phrase}, {reserved} reserved by requests in \
         flight, and this request may cost up to {estimate}; raise `{key}` in the configuration or pass {flag}",
        limit = usd(*limit),
        spent = usd(*spent),
        spent_phrase = scope.spent_phrase(),
        reserved = usd(*reserved),
        estimate = usd(*estimate),
        key = scope.config_key(),
        flag = scope.cli_flag()
    )]
    Exceeded { scope: Scope, limit: f64, spent: f64, reserved: f64, estimate: f64 },
    #[error("the {scope} budget must be a non-negative number of dollars, not {value} (`{key}`)", key = scope.config_key())]
    InvalidLimit { scope: Scope, value: f64 },
    #[error("a cost must be a non-negative number of dollars, not {0}")]
    InvalidAmount(f64),
    #[error("spending ledger {}: cannot {action}: {source}", path.display())]
    Ledger { path: PathBuf, action: &'static str, source: io::Error },
}

/// Something the user should be told, once.
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetWarning {
    /// Spending reached 80% of a limit.
    NearLimit { scope: Scope, limit: f64, spent: f64 },
    /// The ledger could not be read as a ledger; it was renamed to `moved_to`
    /// and today's spending starts again from zero.
    LedgerSetAside { path: PathBuf, moved_to: PathBuf, reason: String },
}

impl fmt::Display for BudgetWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetWarning::NearLimit { scope, limit, spent } => {
                let when = match scope {
                    Scope::PerRun => "is spent",
                    Scope::PerDay => "is spent today (UTC)",
                };
                write!(f, "{} of the {scope} budget of {} {when}", usd(*spent), usd(*limit))?;
                if *limit > 0.0 {
                    write!(f, " ({:.0}%)", spent / limit * 100.0)?;
                }
                write!(f, "; raise `{}` or pass {} to allow more", scope.config_key(), scope.cli_flag())
            }
            BudgetWarning::LedgerSetAside { path, moved_to, reason } => write!(
                f,
                "the spending ledger {} is unreadable ({reason}); it was moved to {} and today's spending counts from \
                 zero",
                path.display(),
                moved_to.display()
            ),
        }
    }
}

/// Dollars for people: cents, or four decimals for fractions of a cent.
fn usd(amount: f64) -> String {
    if amount != 0.0 && amount.abs() < 0.01 { format!("${amount:.4}") } else { format!("${amount:.2}") }
}

/// The spending limits of one process. Cheap to clone; clones share state, so
/// one `Budget` serves every task of a run.
#[derive(Debug, Clone)]
pub struct Budget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limits: BudgetLimits,
    ledger: Option<PathBuf>,
    state: Mutex<State>,
    /// Fixed date for tests; `None` reads the clock.
    today: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    run_spent: f64,
    reserved: f64,
    in_flight: usize,
    /// Spending per UTC date not yet in the ledger: all of it without a
    /// ledger, and what a failed write could not record.
    unrecorded: BTreeMap<String, f64>,
    /// Warnings not yet handed to the caller (raised by a call that failed).
    pending: Vec<BudgetWarning>,
    warned_run: bool,
    warned_day: bool,
}

impl Budget {
    /// A budget with `limits`; `ledger` is the file that carries the per-day
    /// total between processes (without one, "today" is this process only).
    pub fn new(limits: BudgetLimits, ledger: Option<PathBuf>) -> Result<Budget, BudgetError> {
        for (scope, limit) in [(Scope::PerRun, limits.per_run), (Scope::PerDay, limits.per_day)] {
            if let Some(value) = limit
                && !(value.is_finite() && value >= 0.0)
            {
                return Err(BudgetError::InvalidLimit { scope, value });
            }
        }
        Ok(Budget { inner: Arc::new(Inner { limits, ledger, state: Mutex::new(State::default()), today: None }) })
    }

    /// A budget without limits (still counting what is spent).
    pub fn unlimited() -> Budget {
        Budget {
            inner: Arc::new(Inner {
                limits: BudgetLimits::default(),
                ledger: None,
                state: Mutex::new(State::default()),
                today: None,
            }),
        }
    }

    pub fn limits(&self) -> BudgetLimits {
        self.inner.limits
    }

    /// Dollars spent by this process's run so far.
    pub fn run_spent(&self) -> f64 {
        self.state().run_spent
    }

    /// Dollars spent today (UTC) by every process using the same ledger.
    pub fn day_spent(&self) -> Result<f64, BudgetError> {
        let mut state = self.state();
        let today = self.today();
        let recorded = self.read_ledger_locked(&mut state.pending)?;
        Ok(recorded.day(&today) + state.unrecorded.get(&today).copied().unwrap_or(0.0))
    }

    /// Reserves `estimate` dollars (a request's worst-case cost) or refuses
    /// when a limit would be passed. Warnings raised meanwhile (today already
    /// near its limit, a ledger set aside, also by an earlier call that
    /// failed) are on the reservation.
    pub fn reserve(&self, estimate: f64) -> Result<Reservation, BudgetError> {
        if !(estimate.is_finite() && estimate >= 0.0) {
            return Err(BudgetError::InvalidAmount(estimate));
        }
        let mut state = self.state();
        let mut near = None;
        let limits = self.inner.limits;
        if let Some(limit) = limits.per_run
            && state.run_spent + state.reserved + estimate > limit + EPSILON
        {
            return Err(BudgetError::Exceeded {
                scope: Scope::PerRun,
                limit,
                spent: state.run_spent,
                reserved: state.reserved,
                estimate,
            });
        }
        if let Some(limit) = limits.per_day {
            let today = self.today();
            let ledger = self.read_ledger_locked(&mut state.pending)?;
            let spent = ledger.day(&today) + state.unrecorded.get(&today).copied().unwrap_or(0.0);
            if spent + state.reserved + estimate > limit + EPSILON {
                return Err(BudgetError::Exceeded {
                    scope: Scope::PerDay,
                    limit,
                    spent,
                    reserved: state.reserved,
                    estimate,
                });
            }
            near = near_limit(Scope::PerDay, limit, spent, &mut state.warned_day);
        }
        state.reserved += estimate;
        state.in_flight += 1;
        let mut warnings = std::mem::take(&mut state.pending);
        warnings.extend(near);
        Ok(Reservation { budget: self.clone(), amount: estimate, warnings, open: true })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain numbers behind;
        // they are still the best account there is.
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn today(&self) -> String {
        self.inner.today.clone().unwrap_or_else(|| utc_date(SystemTime::now()))
    }

    /// Replaces a reservation of `reserved` by `actual` spending.
    fn settle(&self, reserved: f64, actual: f64) -> Result<Vec<BudgetWarning>, BudgetError> {
        let mut state = self.state();
        release(&mut state, reserved);
        state.run_spent += actual;
        let today = self.today();
        *state.unrecorded.entry(today.clone()).or_insert(0.0) += actual;

        let mut day_spent = state.unrecorded.get(&today).copied().unwrap_or(0.0);
        if let Some(path) = &self.inner.ledger {
            let unrecorded = std::mem::take(&mut state.unrecorded);
            match update_ledger(path, &today, &unrecorded, &mut state.pending) {
                Ok(spent) => day_spent = spent,
                Err(err) => {
                    // Keep it for the next write: the money is spent either way.
                    state.unrecorded = unrecorded;
                    return Err(err);
                }
            }
        }
        let mut warnings = std::mem::take(&mut state.pending);
        let limits = self.inner.limits;
        if let Some(limit) = limits.per_run {
            let spent = state.run_spent;
            warnings.extend(near_limit(Scope::PerRun, limit, spent, &mut state.warned_run));
        }
        if let Some(limit) = limits.per_day {
            warnings.extend(near_limit(Scope::PerDay, limit, day_spent, &mut state.warned_day));
        }
        Ok(warnings)
    }

    /// The ledger as it is now (empty without one), under the file lock.
    fn read_ledger_locked(&self, warnings: &mut Vec<BudgetWarning>) -> Result<Ledger, BudgetError> {
        match &self.inner.ledger {
            None => Ok(Ledger::default_current()),
            Some(path) => {
                let _lock = lock(path)?;
                read_ledger(path, warnings)
            }
        }
    }
}

fn release(state: &mut State, amount: f64) {
    state.in_flight = state.in_flight.saturating_sub(1);
    // Exactly zero when nothing is in flight, whatever rounding accumulated.
    state.reserved = if state.in_flight == 0 { 0.0 } else { (state.reserved - amount).max(0.0) };
}

fn near_limit(scope: Scope, limit: f64, spent: f64, warned: &mut bool) -> Option<BudgetWarning> {
    if *warned || spent <= 0.0 || spent + EPSILON < WARN_AT * limit {
        return None;
    }
    *warned = true;
    Some(BudgetWarning::NearLimit { scope, limit, spent })
}

/// A reserved worst-case cost. Settle it with the actual cost; dropping it
/// unsettled releases it.
#[derive(Debug)]
#[must_use = "an unsettled reservation is released at once"]
pub struct Reservation {
    budget: Budget,
    amount: f64,
    warnings: Vec<BudgetWarning>,
    open: bool,
}

impl Reservation {
    /// The reserved amount in USD.
    pub fn amount(&self) -> f64 {
        self.amount
    }

    /// Warnings raised while reserving, to show to the user.
    pub fn warnings(&self) -> &[BudgetWarning] {
        &self.warnings
    }

    /// Records the actual cost in place of the estimate (which it may exceed:
    /// the money is spent either way, and later reservations see it). A cost
    /// that is not a finite number counts as the estimate, a negative one as zero. Returns warnings to show;
    /// an error means the ledger could not be written (this process still
    /// counts the spending and writes it with the next settlement).
    pub fn settle(mut self, actual: f64) -> Result<Vec<BudgetWarning>, BudgetError> {
        self.open = false;
        let actual = if actual.is_finite() { actual.max(0.0) } else { self.amount };
        self.budget.settle(self.amount, actual)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.open {
            release(&mut self.budget.state(), self.amount);
        }
    }
}

/// The file form: dollars spent per UTC date (`YYYY-MM-DD`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Ledger {
    version: u32,
    spent_usd: BTreeMap<String, f64>,
}

impl Ledger {
    fn default_current() -> Ledger {
        Ledger { version: LEDGER_VERSION, spent_usd: BTreeMap::new() }
    }

    fn day(&self, date: &str) -> f64 {
        self.spent_usd.get(date).copied().unwrap_or(0.0)
    }

    fn check(&self) -> Result<(), String> {
        if self.version != LEDGER_VERSION {
            return Err(format!("unknown version {}", self.version));
        }
        match self.spent_usd.iter().find(|(date, spent)| !(is_date(date) && spent.is_finite() && **spent >= 0.0)) {
            Some((date, spent)) => Err(format!("bad entry {date:?}: {spent}")),
            None => Ok(()),
        }
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the exclusive lock that guards the ledger. The lock is on a sibling
/// file because the ledger itself is replaced by each write.
fn lock(path: &Path) -> Result<File, BudgetError> {
    let error = |action| move |source| BudgetError::Ledger { path: path.to_path_buf(), action, source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(error("create its directory"))?;
    }
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(lock_path(path)).map_err(error("open its lock file"))?;
    file.lock().map_err(error("lock it"))?;
    Ok(file)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Reads the ledger (the lock held). A file that is not a ledger is renamed
/// aside, never overwritten, and reported.
fn read_ledger(path: &Path, warnings: &mut Vec<BudgetWarning>) -> Result<Ledger, BudgetError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Ledger::default_current()),
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            warnings.push(set_aside(path, "it is not UTF-8".into())?);
            return Ok(Ledger::default_current());
        }
        Err(source) => return Err(BudgetError::Ledger { path: path.to_path_buf(), action: "read it", source }),
    };
    match serde_json::from_str::<Ledger>(&text).map_err(|e| e.to_string()).and_then(|l| l.check().map(|()| l)) {
        Ok(ledger) => Ok(ledger),
        Err(reason) => {
            warnings.push(set_aside(path, reason)?);
            Ok(Ledger::default_current())
        }
    }
}

/// Renames an unreadable ledger to `<name>.corrupt-<unix seconds>[-n]`.
fn set_aside(path: &Path, reason: String) -> Result<BudgetWarning, BudgetError> {
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".corrupt-{stamp}"));
    let mut moved_to = PathBuf::from(&name);
    // Never replace an earlier set-aside file.
    let mut n = 1;
    while moved_to.exists() {
        let mut numbered = name.clone();
        numbered.push(format!("-{n}"));
        moved_to = PathBuf::from(numbered);
        n += 1;
    }
    fs::rename(path, &moved_to).map_err(|source| BudgetError::Ledger {
        path: path.to_path_buf(),
        action: "move the unreadable ledger aside",
        source,
    })?;
    Ok(BudgetWarning::LedgerSetAside { path: path.to_path_buf(), moved_to, reason })
}

/// Adds `unrecorded` spending to the ledger and returns the new total of
/// `today`. Dates older than [`KEEP_DAYS`] are dropped.
fn update_ledger(
    path: &Path,
    today: &str,
    unrecorded: &BTreeMap<String, f64>,
    warnings: &mut Vec<BudgetWarning>,
) -> Result<f64, BudgetError> {
    let _lock = lock(path)?;
    let mut ledger = read_ledger(path, warnings)?;
    for (date, amount) in unrecorded {
        *ledger.spent_usd.entry(date.clone()).or_insert(0.0) += amount;
    }
    if let Some(cutoff) = date_days(today).map(|d| civil_date(d - KEEP_DAYS)) {
        ledger.spent_usd.retain(|date, _| date.as_str() > cutoff.as_str());
    }
    write_atomically(path, &ledger)?;
    Ok(ledger.day(today))
}

/// Writes a temporary file (owner-only) in the ledger's directory, flushes it
/// to disk and renames it over the ledger.
fn write_atomically(path: &Path, ledger: &Ledger) -> Result<(), BudgetError> {
    let error = |action| move |source| BudgetError::Ledger { path: path.to_path_buf(), action, source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut text = serde_json::to_string_pretty(ledger).map_err(|e| error("encode it")(io::Error::other(e)))?;
    text.push('\n');
    // `tempfile` creates the file readable by its owner only.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(error("create a temporary file"))?;
    temp.write_all(text.as_bytes()).map_err(error("write it"))?;
    temp.as_file().sync_all().map_err(error("flush it"))?;
    temp.persist(path).map_err(|e| error("replace it")(e.error))?;
    Ok(())
}

/// `YYYY-MM-DD` of the UTC day containing `time`.
fn utc_date(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    civil_date(secs.div_euclid(86_400))
}

/// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days.clamp(-1_000_000_000, 1_000_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Hinnant's `days_from_civil`).
fn date_days(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let year: i64 = date[0..4].parse().ok()?;
    let month: i64 = date[5..7].parse().ok()?;
    let day: i64 = date[8..10].parse().ok()?;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn budget(per_run: Option<f64>, per_day: Option<f64>, ledger: Option<PathBuf>, today: &str) -> Budget {
        let mut budget = Budget::new(BudgetLimits { per_run, per_day }, ledger).unwrap();
        Arc::get_mut(&mut budget.inner).unwrap().today = Some(today.to_string());
        budget
    }

    fn near(warnings: &[BudgetWarning]) -> Vec<Scope> {
        warnings
            .iter()
            .filter_map(|w| match w {
                BudgetWarning::NearLimit { scope, .. } => Some(*scope),
                BudgetWarning::LedgerSetAside { .. } => None,
            })
            .collect()
    }

    #[test]
    fn two_processes_share_the_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("spending.json");
        let a = budget(None, Some(1.0), Some(path.clone()), "2026-03-01");
        let b = budget(None, Some(1.0), Some(path.clone()), "2026-03-01");
        a.reserve(0.5).unwrap().settle(0.625).unwrap();
        assert_eq!(b.day_spent().unwrap(), 0.625);
        let err = b.reserve(0.5).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, BudgetError::Exceeded { scope: Scope::PerDay, .. }), "{err:?}");
        assert!(text.contains("per-day budget of $1.00"), "{text}");
        assert!(text.contains("$0.62 spent today (UTC)"), "{text}");
        assert!(text.contains("model.budget.perDay") && text.contains("--budget-per-day"), "{text}");
        b.reserve(0.25).unwrap().settle(0.25).unwrap();
        assert_eq!(a.day_spent().unwrap(), 0.875);
        // Another day starts from zero, and the ledger keeps both.
        let tomorrow = budget(None, Some(1.0), Some(path.clone()), "2026-03-02");
        tomorrow.reserve(0.9).unwrap().settle(0.5).unwrap();
        let ledger: Ledger = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(ledger.spent_usd.len(), 2);
        assert_eq!(ledger.day("2026-03-01"), 0.875);
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        let threads: Vec<_> = (0..4)
            .map(|_| {
                // Separate instances: separate lock-file handles, as in separate processes.
                let budget = budget(None, None, Some(path.clone()), "2026-03-01");
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        budget.reserve(0.0).unwrap().settle(0.125).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let check = budget(None, None, Some(path), "2026-03-01");
        assert_eq!(check.day_spent().unwrap(), 12.5);
    }

    #[test]
    fn tasks_sharing_a_budget_never_pass_the_limit() {
        let shared = budget(Some(0.5), None, None, "2026-03-01");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let budget = shared.clone();
                std::thread::spawn(move || {
                    (0..20).filter(|_| budget.reserve(0.03125).map(|r| r.settle(0.03125).unwrap()).is_ok()).count()
                })
            })
            .collect();
        let granted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(granted, 16);
        assert_eq!(shared.run_spent(), 0.5);
    }

    #[test]
    fn warns_once_at_eighty_percent() {
        let budget = budget(Some(1.0), None, None, "2026-03-01");
        assert!(budget.reserve(0.5).unwrap().settle(0.5).unwrap().is_empty());
        let warnings = budget.reserve(0.25).unwrap().settle(0.375).unwrap();
        assert_eq!(near(&warnings), [Scope::PerRun]);
        let text = warnings[0].to_string();
        assert!(text.contains("$0.88 of the per-run budget of $1.00") && text.contains("88%"), "{text}");
        assert!(text.contains("model.budget.perRun"), "{text}");
        assert!(budget.reserve(0.0625).unwrap().settle(0.0625).unwrap().is_empty());
    }

    #[test]
    fn day_warning_comes_at_reserve_when_today_is_already_near() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        let earlier = budget(None, Some(1.0), Some(path.clone()), "2026-03-01");
        let warnings = earlier.reserve(0.9).unwrap().settle(0.875).unwrap();
        assert_eq!(near(&warnings), [Scope::PerDay]);
        let later = budget(None, Some(1.0), Some(path), "2026-03-01");
        let reservation = later.reserve(0.0625).unwrap();
        assert_eq!(near(reservation.warnings()), [Scope::PerDay]);
        assert!(reservation.settle(0.0625).unwrap().is_empty());
    }

    #[test]
    fn full_budget_refuses() {
        let budget = budget(Some(1.0), None, None, "2026-03-01");
        budget.reserve(1.0).unwrap().settle(1.0).unwrap();
        let err = budget.reserve(0.001).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, BudgetError::Exceeded { scope: Scope::PerRun, .. }), "{err:?}");
        assert!(text.contains("$1.00 spent in this run"), "{text}");
        assert!(text.contains("may cost up to $0.0010"), "{text}");
        assert!(text.contains("model.budget.perRun") && text.contains("--budget-per-run"), "{text}");
        // A free request still fits.
        assert!(budget.reserve(0.0).is_ok());
    }

    #[test]
    fn dropping_a_reservation_releases_it() {
        let budget = budget(Some(1.0), None, None, "2026-03-01");
        let held = budget.reserve(0.75).unwrap();
        let err = budget.reserve(0.5).unwrap_err();
        assert!(err.to_string().contains("$0.75 reserved by requests in flight"), "{err}");
        drop(held);
        budget.reserve(0.5).unwrap().settle(0.5).unwrap();
        assert_eq!(budget.run_spent(), 0.5);
    }

    #[test]
    fn settling_replaces_the_estimate() {
        let budget = budget(Some(1.0), None, None, "2026-03-01");
        budget.reserve(0.75).unwrap().settle(0.125).unwrap();
        assert!(budget.reserve(0.875).is_ok());
        // More than the estimate is still spent.
        budget.reserve(0.0).unwrap().settle(0.5).unwrap();
        assert_eq!(budget.run_spent(), 0.625);
        budget.reserve(0.0).unwrap().settle(f64::NAN).unwrap();
        budget.reserve(0.0).unwrap().settle(-3.0).unwrap();
        assert_eq!(budget.run_spent(), 0.625);
    }

    #[test]
    fn corrupt_ledger_is_set_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        fs::write(&path, "{ not json").unwrap();
        let budget = budget(None, Some(1.0), Some(path.clone()), "2026-03-01");
        let reservation = budget.reserve(0.5).unwrap();
        let [BudgetWarning::LedgerSetAside { moved_to, reason, .. }] = reservation.warnings() else {
            panic!("{:?}", reservation.warnings());
        };
        assert!(!reason.is_empty());
        assert_eq!(fs::read_to_string(moved_to).unwrap(), "{ not json");
        assert!(reservation.warnings()[0].to_string().contains("unreadable"));
        reservation.settle(0.5).unwrap();
        assert_eq!(budget.day_spent().unwrap(), 0.5);

        // Values that parse but make no sense are not trusted either.
        fs::write(&path, r#"{"version":1,"spentUsd":{"2026-03-01":-5.0}}"#).unwrap();
        let reservation = budget.reserve(0.0).unwrap();
        assert!(matches!(reservation.warnings(), [BudgetWarning::LedgerSetAside { .. }]), "{reservation:?}");
        assert!(reservation.settle(0.0).unwrap().is_empty());
        let aside = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("spending.json.corrupt-"));
        assert_eq!(aside.count(), 2);
    }

    #[test]
    fn a_refused_call_keeps_its_warning_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        fs::write(&path, [0xff, 0xfe]).unwrap();
        let budget = budget(None, Some(1.0), Some(path), "2026-03-01");
        assert!(budget.reserve(2.0).is_err());
        let reservation = budget.reserve(0.5).unwrap();
        assert!(
            matches!(reservation.warnings(), [BudgetWarning::LedgerSetAside { reason, .. }] if reason.contains("UTF-8"))
        );
        assert!(reservation.settle(0.5).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn ledger_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        budget(None, None, Some(path.clone()), "2026-03-01").reserve(0.0).unwrap().settle(0.25).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(lock_path(&path)).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn unwritable_ledger_is_an_error_and_the_spending_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the ledger should be: it can be neither read nor replaced.
        let path = dir.path().join("spending.json");
        fs::create_dir(&path).unwrap();
        let budget = budget(Some(1.0), None, Some(path.clone()), "2026-03-01");
        let err = budget.reserve(0.0).unwrap().settle(0.25).unwrap_err();
        assert!(err.to_string().contains("spending ledger"), "{err}");
        assert_eq!(budget.run_spent(), 0.25);
        fs::remove_dir(&path).unwrap();
        budget.reserve(0.0).unwrap().settle(0.25).unwrap();
        assert_eq!(budget.day_spent().unwrap(), 0.5);
    }

    #[test]
    fn old_days_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spending.json");
        fs::write(&path, r#"{"version":1,"spentUsd":{"2026-01-01":1.0,"2026-02-20":2.0}}"#).unwrap();
        budget(None, None, Some(path.clone()), "2026-03-01").reserve(0.0).unwrap().settle(0.5).unwrap();
        let ledger: Ledger = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(ledger.spent_usd.keys().collect::<Vec<_>>(), ["2026-02-20", "2026-03-01"]);
    }

    #[test]
    fn bad_limits_and_amounts_are_refused() {
        let limits = BudgetLimits { per_run: Some(f64::NAN), per_day: None };
        assert!(matches!(Budget::new(limits, None), Err(BudgetError::InvalidLimit { scope: Scope::PerRun, .. })));
        let limits = BudgetLimits { per_run: None, per_day: Some(-1.0) };
        assert!(matches!(Budget::new(limits, None), Err(BudgetError::InvalidLimit { scope: Scope::PerDay, .. })));
        let budget = Budget::unlimited();
        assert!(matches!(budget.reserve(f64::NAN), Err(BudgetError::InvalidAmount(_))));
        assert!(matches!(budget.reserve(-0.5), Err(BudgetError::InvalidAmount(_))));
        budget.reserve(1e9).unwrap().settle(1e9).unwrap();
        assert_eq!(budget.run_spent(), 1e9);
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01");
        assert_eq!(utc_date(UNIX_EPOCH + Duration::from_secs(1_700_000_000)), "2023-11-14");
        assert_eq!(utc_date(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29");
        assert_eq!(utc_date(UNIX_EPOCH - Duration::from_secs(1)), "1969-12-31");
        for days in [-1, 0, 59, 10_957, 20_000, 100_000] {
            assert_eq!(date_days(&civil_date(days)), Some(days));
        }
        assert_eq!(date_days("2026-13-xx"), None);
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.00042), "$0.0004");
        assert_eq!(usd(12.345), "$12.35");
    }
}

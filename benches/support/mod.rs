//! Helpers shared by the benchmarks (included with `#[path]`; not a bench target itself).

use std::time::Duration;

pub mod memory;

/// A whole number from the environment, when set and valid.
pub fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The median of some timings (the upper one of the middle two for an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Seconds with three decimals.
pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

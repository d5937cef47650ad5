//! The process's peak memory, for `--timings` (Linux's `/proc/self/status`).

/// The process's peak resident memory so far in bytes (Linux `VmHWM`), if known.
pub(crate) fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

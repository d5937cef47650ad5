//! Helpers shared by the integration tests: the `lifecircle` binary as a command, paths into
//! the repository and its fixtures, temporary folders, and reading output files back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The built `lifecircle` binary, ready for arguments.
pub fn lifecircle() -> Command {
    Command::cargo_bin("lifecircle").expect("the lifecircle binary is built")
}

/// `relative` inside the repository (the crate's manifest folder).
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `name` inside `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    repo_path("tests/fixtures").join(name)
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// The JSON (GeoJSON, summary.json) in `path`; panics naming the file when unreadable.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `features` of the GeoJSON FeatureCollection in `path`.
pub fn features(path: &Path) -> Vec<Value> {
    read_json(path)["features"].as_array().unwrap_or_else(|| panic!("{}: no features array", path.display())).clone()
}

/// Whether the JSON value `v` is a number within `tolerance` of `want`.
pub fn close(v: &Value, want: f64, tolerance: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= tolerance)
}

/// A run's stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names of the entries of `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> =
        entries.map(|e| e.expect("a folder entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Every file of `dir` (not its subfolders) by name, with its bytes; empty when `dir` is missing.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            out.insert(entry.file_name().to_string_lossy().into_owned(), bytes);
        }
    }
    out
}

/// Runs `lifecircle analyze` on `residences` and `services` into `out`, with `extra` arguments.
pub fn run_analyze(residences: &Path, services: &Path, out: &Path, extra: &[&str]) -> Output {
    lifecircle()
        .arg("analyze")
        .arg("--residences")
        .arg(residences)
        .arg("--services")
        .arg(services)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run lifecircle")
}

/// Panics with the run's stderr unless it exited successfully.
#[track_caller]
pub fn assert_success(output: &Output) {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

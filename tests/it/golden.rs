//! Golden outputs: the bundled sample (straight line; with zones and every format) and one
//! walking-network run, checked byte for byte against `tests/golden/<case>/`, so that any change
//! of output bytes shows in review.
//!
//! **Regenerating.** After a change that alters outputs on purpose, run
//!
//! ```text
//! LIFECIRCLE_BLESS=1 cargo test --release --test it golden::
//! ```
//!
//! which rewrites every `tests/golden/<case>/` from a fresh run (the comparison is skipped), then
//! review `git diff tests/golden` and commit the new files with the change that explains them.
//!
//! A case fails, naming the file, when a golden file is no longer written, when a new output file
//! has no golden copy, or when bytes differ (with the first differing line and byte offset, and
//! that line in both versions). It cannot pass vacuously: a case whose golden folder is missing or
//! empty fails, and every folder under `tests/golden/` must belong to a case. The report
//! (report.html, map.svg, map.png) is left out: its PNG depends on the machine's fonts.

use std::collections::BTreeMap;
use std::fs;

use crate::common::{assert_success, files, lifecircle, repo_path, temp_dir};

/// The environment variable that regenerates the golden files instead of comparing them.
const BLESS: &str = "LIFECIRCLE_BLESS";

/// Every golden case: its folder under `tests/golden/` and the `analyze` arguments it runs with.
const CASES: [(&str, &[&str]); 4] = [
    ("sample", &[]),
    ("sample-zones", &["--zones", "tests/fixtures/helsinki_zones.geojson", "--format", "csv,shp"]),
    ("network", &["--network", "data/network.geojson", "--judge", "minutes"]),
    // A provincial profile whose zone indicators are mostly not assessed on the sample: every
    // kind of note (code, arguments, English sentence) is pinned here.
    ("tianjin-zones", &["--standard", "tianjin-2022", "--zones", "tests/fixtures/helsinki_zones.geojson"]),
];

#[test]
fn sample_outputs_are_byte_for_byte_the_golden_ones() {
    golden("sample");
}

#[test]
fn sample_with_zones_and_every_format_is_byte_for_byte_the_golden_one() {
    golden("sample-zones");
}

#[test]
fn network_run_is_byte_for_byte_the_golden_one() {
    golden("network");
}

#[test]
fn provincial_profile_with_zone_notes_is_byte_for_byte_the_golden_one() {
    golden("tianjin-zones");
}

/// Runs `analyze` with the case's arguments from the repository root (so summary.json names the
/// inputs by their relative paths) and compares the output folder with `tests/golden/<case>/`;
/// with `LIFECIRCLE_BLESS` set, replaces that folder with the output instead.
fn golden(case: &str) {
    let args = CASES.iter().find(|(name, _)| *name == case).map(|(_, args)| *args).expect("a listed case");
    let tmp = temp_dir();
    let out = tmp.path().join("out");
    let run =
        lifecircle().current_dir(repo_path("")).args(["analyze", "-q"]).args(args).arg("--out").arg(&out).output();
    assert_success(&run.expect("run lifecircle"));
    let got = files(&out);
    let dir = repo_path("tests/golden").join(case);
    if std::env::var_os(BLESS).is_some() {
        assert!(!got.is_empty(), "{case}: analyze wrote nothing to bless");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for (name, bytes) in &got {
            fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()));
        }
        eprintln!("{BLESS}: wrote {} files to {}", got.len(), dir.display());
        return;
    }
    let problems = differences(case, &got, &files(&dir));
    assert!(problems.is_empty(), "{}\nIf the change is on purpose, regenerate with {BLESS}=1.", problems.join("\n"));
}

/// How the files written (`got`) differ from the golden ones (`want`), one message per file;
/// empty when they are the same. No golden file at all is a difference too.
fn differences(case: &str, got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    if want.is_empty() {
        return vec![format!("tests/golden/{case}/ holds no golden files")];
    }
    let mut problems = Vec::new();
    for name in want.keys().filter(|name| !got.contains_key(*name)) {
        problems.push(format!("{case}/{name}: the golden file is no longer written"));
    }
    for name in got.keys().filter(|name| !want.contains_key(*name)) {
        problems.push(format!("{case}/{name}: a new output file with no golden copy in tests/golden/{case}/"));
    }
    for (name, golden) in want {
        if let Some(written) = got.get(name).filter(|written| *written != golden) {
            problems.push(first_difference(&format!("{case}/{name}"), written, golden));
        }
    }
    problems
}

/// Where `written` first differs from `golden`: the line (1-based) and byte offset, and that
/// line of each (shortened, invalid UTF-8 replaced, so binary files print too).
fn first_difference(file: &str, written: &[u8], golden: &[u8]) -> String {
    let offset = written.iter().zip(golden).position(|(a, b)| a != b).unwrap_or(written.len().min(golden.len()));
    let line = 1 + golden[..offset].iter().filter(|&&b| b == b'\n').count();
    let line_at = |bytes: &[u8]| -> String {
        let start = bytes[..offset.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| start + i);
        let text = String::from_utf8_lossy(&bytes[start..end]);
        if text.chars().count() > 160 {
            format!("{}…", text.chars().take(160).collect::<String>())
        } else {
            text.into()
        }
    };
    format!(
        "{file} differs from tests/golden/{file}, first at line {line} (byte {offset}; {} bytes written, {} golden):\n  golden:  {}\n  written: {}",
        written.len(),
        golden.len(),
        line_at(golden),
        line_at(written)
    )
}

/// The comparison itself: a changed line, a missing and an extra file are each named, and an
/// empty golden folder is a failure, not a pass.
#[test]
fn the_golden_comparison_names_changed_missing_and_extra_files_and_never_passes_empty() {
    let map = |entries: &[(&str, &str)]| -> BTreeMap<String, Vec<u8>> {
        entries.iter().map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec())).collect()
    };
    let want = map(&[("a.json", "{\n  \"x\": 1,\n  \"y\": 2\n}\n"), ("gone.csv", "id\n")]);
    let got = map(&[("a.json", "{\n  \"x\": 1,\n  \"y\": 3\n}\n"), ("new.csv", "id\n")]);
    let problems = differences("case", &got, &want);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems.iter().any(|p| p.starts_with("case/gone.csv: the golden file is no longer written")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.starts_with("case/new.csv: a new output file")), "{problems:#?}");
    let changed = problems.iter().find(|p| p.starts_with("case/a.json differs")).expect("a.json named");
    assert!(changed.contains("first at line 3 (byte 19;"), "{changed}");
    assert!(changed.contains("golden:    \"y\": 2") && changed.contains("written:   \"y\": 3"), "{changed}");
    // a file cut short differs at its end
    let cut = differences("case", &map(&[("a.json", "{\n")]), &want);
    assert!(cut.iter().any(|p| p.contains("a.json differs") && p.contains("first at line 2 (byte 2;")), "{cut:#?}");
    assert!(differences("case", &want, &want).is_empty());
    assert_eq!(differences("case", &got, &BTreeMap::new()), ["tests/golden/case/ holds no golden files"]);
}

/// Every folder under `tests/golden/` is a case that is checked, so none is silently ignored,
/// and every case has its folder.
#[test]
fn every_golden_folder_is_a_checked_case() {
    let root = repo_path("tests/golden");
    let mut folders: Vec<String> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut cases: Vec<String> = CASES.iter().map(|(name, _)| (*name).to_owned()).collect();
    cases.sort();
    assert_eq!(folders, cases, "tests/golden/ folders against the cases golden.rs checks");
}

//! Golden outputs: the bundled sample (straight line, with zones and every format) and one
//! walking-network run, checked byte for byte against `tests/golden/<case>/`, so that any change
//! of output bytes shows in review. After a change that alters outputs on purpose, regenerate
//! them with `LIFECIRCLE_BLESS=1 cargo test --release --test golden` and commit the new files
//! with the change that explains them. The report (report.html, map.svg, map.png) is left out:
//! its PNG depends on the machine's fonts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of `dir` by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            out.insert(entry.file_name().to_string_lossy().into_owned(), fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// Runs `analyze` with `args` from the repository root (so summary.json names inputs by their
/// relative paths) and compares the output folder with `tests/golden/<case>/`.
fn golden(case: &str, args: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = Command::cargo_bin("lifecircle")
        .unwrap()
        .current_dir(repo())
        .args(["analyze", "-q"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = files(&out);
    let dir = repo().join("tests/golden").join(case);
    if std::env::var_os("LIFECIRCLE_BLESS").is_some() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &got {
            fs::write(dir.join(name), bytes).unwrap();
        }
        return;
    }
    let want = files(&dir);
    assert!(!want.is_empty(), "no golden files in {}: run with LIFECIRCLE_BLESS=1", dir.display());
    let (got_names, want_names): (Vec<&String>, Vec<&String>) = (got.keys().collect(), want.keys().collect());
    assert_eq!(got_names, want_names, "{case}: the files written changed");
    for (name, bytes) in &want {
        if got[name] != *bytes {
            let line = got[name].split(|&b| b == b'\n').zip(bytes.split(|&b| b == b'\n')).position(|(a, b)| a != b);
            panic!(
                "{case}/{name} differs from tests/golden/{case}/{name} (first at line {}); if on purpose, regenerate with LIFECIRCLE_BLESS=1",
                line.map_or_else(|| "end".to_owned(), |l| (l + 1).to_string())
            );
        }
    }
}

#[test]
fn sample_outputs_are_byte_for_byte_the_golden_ones() {
    golden("sample", &[]);
}

#[test]
fn sample_with_zones_and_every_format_is_byte_for_byte_the_golden_one() {
    golden("sample-zones", &["--zones", "tests/fixtures/helsinki_zones.geojson", "--format", "csv,shp"]);
}

#[test]
fn network_run_is_byte_for_byte_the_golden_one() {
    golden("network", &["--network", "data/network.geojson", "--judge", "minutes"]);
}

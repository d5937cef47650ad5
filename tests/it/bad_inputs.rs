//! Bad-input corpus: every broken file in tests/bad_inputs/ (listed in cases.json) must make
//! `lifecircle analyze` exit with status 2, print an error naming the file, the feature (index
//! and id) and the field, leave nothing in --out, and leave the inputs untouched.
//!
//! All cases run; failures are collected and reported together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::common::{fixture, lifecircle, read_json, repo_path, temp_dir};

fn corpus() -> PathBuf {
    repo_path("tests/bad_inputs")
}

#[derive(Debug)]
struct Case {
    name: String,
    residences: PathBuf,
    services: PathBuf,
    /// `--network` input, when the case has one.
    network: Option<PathBuf>,
    /// `--zones` input, when the case has one.
    zones: Option<PathBuf>,
    args: Vec<String>,
    expect: Vec<String>,
    skip_if_missing: bool,
}

fn input_path(value: &str, ok: &str) -> PathBuf {
    corpus().join(if value == "ok" { ok } else { value })
}

fn load_cases() -> Vec<Case> {
    let path = corpus().join("cases.json");
    let json = read_json(&path);
    let strings = |v: &serde_json::Value, key: &str, name: &str| -> Vec<String> {
        match v.get(key) {
            None => Vec::new(),
            Some(a) => a
                .as_array()
                .unwrap_or_else(|| panic!("case {name}: '{key}' must be an array"))
                .iter()
                .map(|s| s.as_str().unwrap_or_else(|| panic!("case {name}: '{key}' holds a non-string")).to_owned())
                .collect(),
        }
    };
    json["cases"]
        .as_array()
        .expect("cases.json: 'cases' must be an array")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("every case has a 'name'").to_owned();
            let field = |k: &str| c[k].as_str().unwrap_or_else(|| panic!("case {name}: '{k}' missing")).to_owned();
            let case = Case {
                residences: input_path(&field("residences"), "ok_residences.geojson"),
                services: input_path(&field("services"), "ok_services.geojson"),
                network: c.get("network").and_then(|v| v.as_str()).map(|n| input_path(n, "ok_network.geojson")),
                zones: c.get("zones").and_then(|v| v.as_str()).map(|n| input_path(n, "ok_zones.geojson")),
                args: strings(c, "args", &name),
                expect: strings(c, "expect", &name),
                skip_if_missing: c.get("skip_if_missing").and_then(|v| v.as_bool()).unwrap_or(false),
                name,
            };
            assert!(!case.expect.is_empty(), "case {}: 'expect' is empty", case.name);
            case
        })
        .collect()
}

/// Content and modification time of one file.
#[derive(Debug, PartialEq, Eq)]
struct FileState {
    bytes: Vec<u8>,
    modified: Option<SystemTime>,
}

/// Every file in the folders holding the inputs (so sidecars like .dbf/.cpg and any file
/// created next to an input are covered), keyed by path; a missing input maps to `None`.
fn snapshot(inputs: &[&Path]) -> BTreeMap<PathBuf, Option<FileState>> {
    let mut out = BTreeMap::new();
    for input in inputs {
        out.insert(input.to_path_buf(), None);
        let dir = input.parent().expect("inputs have a parent folder");
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_file() {
                let meta = std::fs::metadata(&p).ok();
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.insert(p, Some(FileState { bytes, modified: meta.and_then(|m| m.modified().ok()) }));
            }
        }
    }
    out
}

/// Every file (not folder) anywhere under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

/// Runs one case; returns its problems (empty when it passes).
fn run_case(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let tmp = temp_dir();
    let out = tmp.path().join("out");
    let inputs: Vec<&Path> = [case.residences.as_path(), case.services.as_path()]
        .into_iter()
        .chain(case.network.as_deref())
        .chain(case.zones.as_deref())
        .collect();
    let before = snapshot(&inputs);

    let mut cmd = lifecircle();
    cmd.arg("analyze")
        .arg("--residences")
        .arg(&case.residences)
        .arg("--services")
        .arg(&case.services)
        .arg("--out")
        .arg(&out)
        .args(case.network.iter().flat_map(|n| [std::ffi::OsStr::new("--network"), n.as_os_str()]))
        .args(case.zones.iter().flat_map(|z| [std::ffi::OsStr::new("--zones"), z.as_os_str()]))
        .args(&case.args)
        .current_dir(tmp.path())
        .timeout(std::time::Duration::from_secs(60));
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => return vec![format!("could not run lifecircle: {e}")],
    };
    let stderr = String::from_utf8_lossy(&output.stderr);

    if output.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, expected 2", output.status.code()));
    }
    // An expectation that is (part of) an input's name is looked for as is; any other is looked
    // for with the input paths masked, so that e.g. "truncated" cannot be satisfied by a file
    // called residences_truncated.geojson.
    let mut masked = stderr.to_string();
    for input in &inputs {
        masked = masked.replace(&input.display().to_string(), "<input>");
        if let Some(name) = input.file_name().and_then(|n| n.to_str()) {
            masked = masked.replace(name, "<input>");
        }
    }
    let names_an_input = |e: &str| inputs.iter().any(|p| p.to_string_lossy().contains(e));
    let missing: Vec<&str> = case
        .expect
        .iter()
        .map(String::as_str)
        .filter(|e| if names_an_input(e) { !stderr.contains(e) } else { !masked.contains(e) })
        .collect();
    if !missing.is_empty() {
        problems.push(format!("stderr lacks {missing:?}"));
    }
    let left = files_under(tmp.path());
    if !left.is_empty() {
        let names: Vec<String> =
            left.iter().map(|p| p.strip_prefix(tmp.path()).unwrap_or(p).display().to_string()).collect();
        problems.push(format!("files left in --out (or its parent): {names:?}"));
    }
    let after = snapshot(&inputs);
    for (path, state) in &before {
        let now = after.get(path).unwrap_or(&None);
        if state != now {
            let what = match (state, now) {
                (None, Some(_)) => "was created",
                (Some(_), None) => "was deleted",
                (Some(a), Some(b)) if a.bytes != b.bytes => "content changed",
                _ => "modification time changed",
            };
            problems.push(format!("input {} {what}", path.display()));
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        problems.push(format!("a file appeared next to the inputs: {}", path.display()));
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was: {}", stderr.trim_end()));
    }
    problems
}

#[test]
fn every_bad_input_is_reported_with_status_2_and_nothing_written() {
    let cases = load_cases();
    assert!(cases.len() >= 20, "the corpus needs at least 20 cases, has {}", cases.len());
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name.as_str()), "duplicate case name {}", c.name);
    }
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for case in &cases {
        if case.skip_if_missing && !(case.residences.exists() && case.services.exists()) {
            skipped.push(case.name.as_str());
            continue;
        }
        let problems = run_case(case);
        if !problems.is_empty() {
            failures.push(format!("[{}]\n    {}", case.name, problems.join("\n    ")));
        }
    }
    if !skipped.is_empty() {
        eprintln!("skipped (input not present yet): {}", skipped.join(", "));
    }
    if !failures.is_empty() {
        panic!("{} of {} bad-input cases failed:\n\n{}\n", failures.len(), cases.len(), failures.join("\n\n"));
    }
}

#[test]
fn the_valid_companion_files_run_cleanly() {
    let tmp = temp_dir();
    let out = tmp.path().join("out");
    let residences = corpus().join("ok_residences.geojson");
    let services = corpus().join("ok_services.geojson");
    let network = corpus().join("ok_network.geojson");
    let before = snapshot(&[&residences, &services, &network]);
    let output = lifecircle()
        .arg("analyze")
        .arg("--residences")
        .arg(&residences)
        .arg("--services")
        .arg(&services)
        .arg("--out")
        .arg(&out)
        .arg("--network")
        .arg(&network)
        .arg("--quiet")
        .current_dir(tmp.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run lifecircle");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    for name in ["households.geojson", "facilities.geojson", "summary.json"] {
        let p = out.join(name);
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{name} was not written (or is empty); stderr: {stderr}");
    }
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["distance_model"], "network", "the companion network was not used");
    assert_eq!(summary["network"]["unreachable_residences"], 0, "{summary}");
    let hidden: Vec<_> = files_under(&out)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| (n.starts_with('.') || n.contains(".tmp")) && n != lifecircle::MANIFEST)
        })
        .collect();
    assert!(hidden.is_empty(), "temporary files left in --out: {hidden:?}");
    assert!(before == snapshot(&[&residences, &services, &network]), "the valid inputs were modified");
}

/// A point feature of a GeoJSON layer.
fn point_feature(id: &str, lon: f64, lat: f64, props: &str) -> String {
    format!(
        r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{"id":"{id}"{props}}}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// Runs `lifecircle` with `args` in `dir`; returns the exit status and stderr.
fn run_in(dir: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = lifecircle()
        .args(args)
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run lifecircle");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// One residence, residences all at one spot, residences all on a line: the study-area zone
/// used to be a ring of 2 positions that the tool's own report then rejected. Every run must
/// exit 0, write a study area that is a polygon with an area, and `--report` (and a later
/// `lifecircle report`) must read every layer it wrote, shapefiles and CSV included.
#[test]
fn degenerate_but_valid_inputs_give_outputs_the_report_reads() {
    let hh = r#","households":100"#;
    let here = (116.4012, 39.9031);
    let cases: [(&str, Vec<String>); 3] = [
        ("one residence", vec![point_feature("R1", here.0, here.1, hh)]),
        ("all at one spot", (1..=3).map(|i| point_feature(&format!("R{i}"), here.0, here.1, hh)).collect()),
        (
            "collinear",
            (0..4).map(|i| point_feature(&format!("R{i}"), here.0 + 0.001 * f64::from(i), here.1, hh)).collect(),
        ),
    ];
    let services = collection(&[point_feature("S1", here.0 + 0.0005, here.1, r#","category":"clinic""#)]);
    let mut failures = Vec::new();
    for (what, residences) in cases {
        let tmp = temp_dir();
        let (r, s, out) = (tmp.path().join("r.geojson"), tmp.path().join("s.geojson"), tmp.path().join("out"));
        std::fs::write(&r, collection(&residences)).unwrap();
        std::fs::write(&s, &services).unwrap();
        let args: Vec<&std::ffi::OsStr> = ["analyze", "--residences"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([r.as_os_str(), "--services".as_ref(), s.as_os_str(), "--out".as_ref(), out.as_os_str()])
            .chain(["--report", "--format", "shp,csv", "--quiet"].iter().map(std::ffi::OsStr::new))
            .collect();
        let (status, stderr) = run_in(tmp.path(), &args);
        if status != Some(0) {
            failures.push(format!("[{what}] analyze --report exited {status:?}: {}", stderr.trim_end()));
            continue;
        }
        let zones: serde_json::Value = read_json(&out.join("zones.geojson"));
        let geometry = &zones["features"][0]["geometry"];
        let ring = geometry["coordinates"][0].as_array().map_or(0, Vec::len);
        if geometry["type"] != "Polygon" || ring < 4 {
            failures.push(format!("[{what}] study area is {} with a ring of {ring} positions", geometry["type"]));
        }
        if !out.join("report.html").is_file() {
            failures.push(format!("[{what}] no report.html"));
        }
        let (status, stderr) = run_in(tmp.path(), &["report".as_ref(), out.as_os_str(), "--quiet".as_ref()]);
        if status != Some(0) {
            failures.push(format!("[{what}] report exited {status:?}: {}", stderr.trim_end()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const BOWTIE_CLINIC: &str = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[116.4,39.9],[116.401,39.901],[116.401,39.9],[116.4,39.901],[116.4,39.9]]]},"properties":{"id":"tie","category":"clinic"}}"#;

/// Runs analyze on one residence and the bow-tie clinic; returns the folder, status and stderr.
fn run_bowtie(tmp: &Path) -> (PathBuf, Option<i32>, String) {
    let (r, s, out) = (tmp.join("r.geojson"), tmp.join("s.geojson"), tmp.join("out"));
    std::fs::write(&r, collection(&[point_feature("R1", 116.4005, 39.9005, r#","households":10"#)])).unwrap();
    std::fs::write(&s, collection(&[BOWTIE_CLINIC.to_owned()])).unwrap();
    let args = [
        "analyze".as_ref(),
        "--residences".as_ref(),
        r.as_os_str(),
        "--services".as_ref(),
        s.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ];
    let (status, stderr) = run_in(tmp, &args);
    (out, status, stderr)
}

/// A self-intersecting (bow-tie) facility polygon is repaired as it is read: facilities.geojson
/// holds its two triangles and the repaired area (about half the 85 × 111 m box), not 0.
#[test]
fn a_bowtie_facility_is_written_repaired_with_its_area() {
    let tmp = temp_dir();
    let (out, status, stderr) = run_bowtie(tmp.path());
    assert_eq!(status, Some(0), "{stderr}");
    let facilities: serde_json::Value = read_json(&out.join("facilities.geojson"));
    let f = &facilities["features"][0];
    assert_eq!(f["geometry"]["type"], "MultiPolygon", "{f}");
    assert_eq!(f["geometry"]["coordinates"].as_array().map(Vec::len), Some(2), "{f}");
    let area = f["properties"]["land_area_m2"].as_f64().unwrap_or(0.0);
    assert!((area - 85.37 * 111.04 / 2.0).abs() < 100.0, "land_area_m2 {area}: {f}");
}

/// Invalid input polygons are named in a warning and in summary.json: the bundled sample's
/// residence r1858248 self-intersects, and so does the bow-tie clinic.
#[test]
fn invalid_polygons_are_named_in_a_warning_and_in_summary_json() {
    let tmp = temp_dir();
    let out = tmp.path().join("sample");
    let (status, stderr) = run_in(tmp.path(), &["analyze".as_ref(), "--out".as_ref(), out.as_os_str(), "-q".as_ref()]);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stderr.contains("warning: ") && stderr.contains("(id 'r1858248')"), "{stderr}");
    let summary: serde_json::Value = read_json(&out.join("summary.json"));
    let repaired = summary["repaired_geometries"].as_array().expect("repaired_geometries is a list");
    assert!(repaired.iter().any(|r| r["id"] == "r1858248" && r["problem"].is_string()), "{repaired:?}");
    let (_, status, stderr) = run_bowtie(tmp.path());
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stderr.contains("s.geojson: 1 invalid polygon was repaired") && stderr.contains("(id 'tie')"), "{stderr}");
}

/// A polygon ring that does not end where it begins (RFC 7946 asks that it does) is closed as it
/// is read and named in the warning and in summary.json's repaired_geometries.
#[test]
fn an_unclosed_ring_is_closed_and_named() {
    let tmp = temp_dir();
    let (r, out) = (tmp.path().join("r.geojson"), tmp.path().join("out"));
    let open_square = r#"{"type":"Feature","properties":{"id":"open","households":10},"geometry":{"type":"Polygon","coordinates":[[[116.400,39.900],[116.401,39.900],[116.401,39.901],[116.400,39.901]]]}}"#;
    std::fs::write(&r, collection(&[open_square.to_owned()])).unwrap();
    let services = fixture("beijing_services_gbk.csv");
    let args = [
        "analyze".as_ref(),
        "--residences".as_ref(),
        r.as_os_str(),
        "--services".as_ref(),
        services.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ];
    let (status, stderr) = run_in(tmp.path(), &args);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(stderr.contains("(id 'open'): a ring was not closed"), "{stderr}");
    let summary: serde_json::Value = read_json(&out.join("summary.json"));
    let problem = summary["repaired_geometries"][0]["problem"].as_str().unwrap_or_default();
    assert!(problem.starts_with("a ring was not closed"), "{summary}");
    let households: serde_json::Value = read_json(&out.join("households.geojson"));
    let ring = households["features"][0]["geometry"]["coordinates"][0].as_array().unwrap().clone();
    assert_eq!(ring.len(), 5, "closed: {ring:?}");
    assert_eq!(ring.first(), ring.last());
}

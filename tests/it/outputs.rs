//! Integration tests of the output folder's guarantees (issue 12, item 1): no output replaces an
//! input (same path, hard link, symbolic link), no planted link is followed, one run at a time,
//! all outputs or none, a manifest naming stale files, `--clean`, and leftovers of a crashed run.

use std::fs;
use std::path::Path;

use crate::common::{assert_success, file_names, fixture, lifecircle, repo_path, stderr, temp_dir};

fn analyze(current: &Path, residences: &str, services: &str, out: &str, extra: &[&str]) -> std::process::Output {
    lifecircle()
        .current_dir(current)
        .args(["analyze", "--residences", residences, "--services", services, "--out", out, "-q"])
        .args(extra)
        .output()
        .unwrap()
}

/// The sample's layers copied into `dir` under the names analyze writes.
fn inputs_named_as_outputs(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let (r, s) = (
        fs::read(repo_path("data/residences.geojson")).unwrap(),
        fs::read(repo_path("data/services.geojson")).unwrap(),
    );
    fs::write(dir.join("households.geojson"), &r).unwrap();
    fs::write(dir.join("facilities.geojson"), &s).unwrap();
    (r, s)
}

#[test]
fn out_dot_never_replaces_the_inputs() {
    let d = temp_dir();
    let (r, s) = inputs_named_as_outputs(d.path());
    let o = analyze(d.path(), "households.geojson", "facilities.geojson", ".", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("households.geojson") && err.contains("would replace the input"), "{err}");
    assert_eq!(fs::read(d.path().join("households.geojson")).unwrap(), r);
    assert_eq!(fs::read(d.path().join("facilities.geojson")).unwrap(), s);
    assert_eq!(file_names(d.path()), ["facilities.geojson", "households.geojson"], "nothing written, no lock left");
}

#[test]
fn an_output_that_is_a_hard_or_symbolic_link_to_an_input_is_refused() {
    let d = temp_dir();
    let (r, _) = inputs_named_as_outputs(d.path());
    for kind in ["hard", "symbolic"] {
        let out = d.path().join(kind);
        fs::create_dir(&out).unwrap();
        let link = out.join("summary.json");
        if kind == "hard" {
            fs::hard_link(d.path().join("households.geojson"), &link).unwrap();
        } else {
            #[cfg(unix)]
            std::os::unix::fs::symlink(d.path().join("households.geojson"), &link).unwrap();
            #[cfg(not(unix))]
            continue;
        }
        let o = analyze(d.path(), "households.geojson", "facilities.geojson", kind, &[]);
        assert_eq!(o.status.code(), Some(2), "{kind}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("summary.json: this output would replace the input households.geojson"),
            "{}",
            stderr(&o)
        );
        assert_eq!(fs::read(d.path().join("households.geojson")).unwrap(), r, "{kind}");
        assert_eq!(file_names(&out), ["summary.json"], "{kind}: nothing else written");
    }
}

#[cfg(unix)]
#[test]
fn planted_links_in_the_output_folder_are_replaced_not_followed() {
    let d = temp_dir();
    let victim = d.path().join("victim.txt");
    fs::write(&victim, "keep me").unwrap();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    for name in ["households.geojson", "summary.json", ".households.tmp-1.geojson", ".lifecircle-manifest.json"] {
        std::os::unix::fs::symlink(&victim, out.join(name)).unwrap();
    }
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "out", "-q"]).output().unwrap();
    assert_success(&o);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(fs::symlink_metadata(out.join("households.geojson")).unwrap().is_file(), "the link itself was replaced");
    // A planted lock link is refused and its target untouched.
    let out2 = d.path().join("out2");
    fs::create_dir(&out2).unwrap();
    std::os::unix::fs::symlink(&victim, out2.join(".lifecircle.lock")).unwrap();
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "out2", "-q"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".lifecircle.lock"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
}

#[test]
fn a_concurrent_run_is_refused_while_the_lock_is_held() {
    let d = temp_dir();
    let out = d.path().join("out");
    fs::create_dir(&out).unwrap();
    let lock = fs::File::create(out.join(".lifecircle.lock")).unwrap();
    lock.lock().unwrap();
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "out", "-q"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another lifecircle run is writing to this folder"), "{}", stderr(&o));
    assert_eq!(file_names(&out), [".lifecircle.lock"]);
    drop(lock);
    // The lock of a killed run dies with it: the file alone does not block the next run.
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "out", "-q"]).output().unwrap();
    assert_success(&o);
    assert!(!out.join(".lifecircle.lock").exists());
}

#[test]
fn a_failed_report_leaves_the_previous_run_as_it_was() {
    let d = temp_dir();
    let run = |extra: &[&str]| {
        lifecircle().current_dir(d.path()).args(["analyze", "--out", "out", "-q"]).args(extra).output().unwrap()
    };
    assert!(run(&[]).status.success());
    let out = d.path().join("out");
    let before: Vec<(String, Vec<u8>)> =
        file_names(&out).into_iter().map(|n| (n.clone(), fs::read(out.join(&n)).unwrap())).collect();
    // A folder where map.png should go makes the report's part of the commit impossible: the new
    // layers (another detour, so other bytes) must not appear either.
    fs::create_dir(out.join("map.png")).unwrap();
    let o = run(&["--detour", "1.3", "--report"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("map.png"), "{}", stderr(&o));
    fs::remove_dir(out.join("map.png")).unwrap();
    let after: Vec<(String, Vec<u8>)> =
        file_names(&out).into_iter().map(|n| (n.clone(), fs::read(out.join(&n)).unwrap())).collect();
    assert_eq!(before.len(), after.len());
    assert!(before == after, "the folder is as it was");
}

#[test]
fn stale_files_of_an_earlier_run_are_named_and_clean_removes_exactly_them() {
    let d = temp_dir();
    let run = |extra: &[&str]| {
        lifecircle().current_dir(d.path()).args(["analyze", "--out", "out"]).args(extra).output().unwrap()
    };
    let o = run(&["--report", "--lang", "en", "--format", "csv", "-q"]);
    assert_success(&o);
    let out = d.path().join("out");
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join(".lifecircle-manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(
        listed.contains(&"households.csv") && listed.contains(&"report.html") && listed.contains(&"summary.json"),
        "{listed:?}"
    );
    let o = run(&["-q"]);
    assert!(o.status.success());
    let err = stderr(&o);
    for stale in ["households.csv", "facilities.csv", "report.html", "map.svg", "map.png"] {
        assert!(err.contains(stale), "{stale} not named: {err}");
    }
    assert!(err.contains("--clean"), "{err}");
    assert!(out.join("report.html").exists(), "kept without --clean");
    let o = run(&["--clean"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("removed 5 files of an earlier run"), "{}", stderr(&o));
    let left = file_names(&out);
    for gone in ["households.csv", "report.html", "map.png"] {
        assert!(!left.contains(&gone.to_string()), "{gone} not removed");
    }
    assert!(left.contains(&"notes.txt".to_string()), "a file no manifest lists stays");
    let o = run(&["-q"]);
    assert!(!stderr(&o).contains("earlier run"), "nothing stale after --clean: {}", stderr(&o));
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next() {
    let d = temp_dir();
    let out = d.path().join("out");
    fs::create_dir_all(out.join(".lifecircle-tmp-KILLED")).unwrap();
    fs::write(out.join(".lifecircle-tmp-KILLED/households.geojson"), "half").unwrap();
    fs::write(out.join(".households.tmp-31337.geojson"), "half").unwrap();
    fs::write(out.join(".lifecircle.lock"), "31337\n").unwrap();
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "out"]).output().unwrap();
    assert_success(&o);
    assert!(stderr(&o).contains("removed 2 temporary files or folders left by an interrupted run"), "{}", stderr(&o));
    let left = file_names(&out);
    assert!(left.iter().all(|n| !n.contains("tmp") && n != ".lifecircle.lock"), "{left:?}");
}

#[test]
fn import_osm_and_report_never_replace_their_inputs() {
    let d = temp_dir();
    let osm = d.path().join("kamppi.osm");
    fs::copy(fixture("helsinki-kamppi.osm"), &osm).unwrap();
    let original = fs::read(&osm).unwrap();
    let out = d.path().join("city");
    fs::create_dir(&out).unwrap();
    fs::hard_link(&osm, out.join("network.geojson")).unwrap();
    let o = lifecircle().args(["import-osm"]).arg(&osm).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("network.geojson: this output would replace the input"), "{}", stderr(&o));
    assert_eq!(fs::read(&osm).unwrap(), original);
    assert_eq!(file_names(&out), ["network.geojson"]);

    // report: report.html as a hard link to the analysis's households layer.
    let o = lifecircle().current_dir(d.path()).args(["analyze", "--out", "res", "-q"]).output().unwrap();
    assert!(o.status.success());
    let res = d.path().join("res");
    fs::hard_link(res.join("households.geojson"), res.join("report.html")).unwrap();
    let households = fs::read(res.join("households.geojson")).unwrap();
    let o = lifecircle().arg("report").arg(&res).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("report.html: this output would replace the input"), "{}", stderr(&o));
    assert_eq!(fs::read(res.join("households.geojson")).unwrap(), households);
    assert!(!res.join("map.png").exists());
}

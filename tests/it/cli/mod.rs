//! Integration tests running the `lifecircle` binary: `analyze` on the sample and the Beijing
//! fixtures (formats, CRSs, detour, strictness, thread counts, progress output) and `standards`;
//! the walking network, zones and gaps, and the report in the submodules.

mod network;
mod report;
mod zones;

use std::path::Path;

use serde_json::Value;

use crate::common::{assert_success, files, fixture, lifecircle, read_json, repo_path, run_analyze, temp_dir};

fn run_beijing(out: &Path, extra: &[&str]) -> std::process::Output {
    run_analyze(&fixture("beijing_residences.geojson"), &fixture("beijing_services_gbk.csv"), out, extra)
}

#[test]
fn sample_runs_with_no_arguments_and_meets_the_contract() {
    let dir = temp_dir();
    let out = lifecircle().current_dir(dir.path()).arg("analyze").output().unwrap();
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bundled sample"), "{stderr}");
    assert!(stdout.contains("lifecircle-out"), "says where it wrote: {stdout}");
    let o = dir.path().join("lifecircle-out");
    let s = read_json(&o.join("summary.json"));
    assert_eq!(s["standard"], "gb50180-2018");
    assert_eq!(s["distance_model"], "euclidean");
    let hh = read_json(&o.join("households.geojson"));
    let feats = hh["features"].as_array().unwrap();
    assert_eq!(feats.len() as u64, s["residences"].as_u64().unwrap());
    let p = &feats[0]["properties"];
    for k in ["id", "households", "population", "missing", "missing_list", "complete_5min", "complete_10min"] {
        assert!(p.get(k).is_some(), "{k} missing");
    }
    assert_eq!(p["complete"], p["complete_15min"]);
    for k in ["dist_clinic", "nearest_clinic", "ok_clinic", "dist_volunteer_station", "nearest_volunteer_station"] {
        assert!(p.get(k).is_some(), "{k} missing");
    }
    assert!(p.get("ok_volunteer_station").is_none(), "a category without radius has no ok_");
}

#[test]
fn chinese_csv_and_field_aliases_give_the_expected_answers() {
    let dir = temp_dir();
    let out = run_beijing(dir.path(), &[]);
    assert_success(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'奶茶店' ×1"), "unknown category warned with its count: {stderr}");
    let hh = read_json(&dir.path().join("households.geojson"));
    let r1 = &hh["features"][0]["properties"];
    assert_eq!(r1["id"], "R1");
    assert_eq!(r1["households"], 120);
    assert_eq!(r1["population"], 310);
    // clinic S1 at (+100 m, +120 m): 156.2 m; the health centre also serves clinic but is farther
    let d = r1["dist_clinic"].as_f64().unwrap();
    assert!((d - 156.2).abs() < 1.0, "{d}");
    assert_eq!(r1["nearest_clinic"], "S1");
    assert_eq!(r1["ok_clinic"], true);
    assert_eq!(r1["ok_market"], true); // 452.8 m < 500 m
    assert_eq!(r1["ok_nursery"], false); // none exists
    assert_eq!(r1["dist_nursery"], Value::Null);
    // R2 has no population: households × 2.62
    assert_eq!(hh["features"][1]["properties"]["population"], 209.6);
    // R5, 2.3 km away, is served only by the health centre for "clinic"? No: 1.9 km > 300 m.
    let r5 = &hh["features"][4]["properties"];
    assert_eq!(r5["ok_clinic"], false);
    assert!(r5["missing_list"].as_str().unwrap().split(',').any(|c| c == "clinic"));
    assert_eq!(r5["missing"].as_u64().unwrap() as usize, r5["missing_list"].as_str().unwrap().split(',').count());
    let s = read_json(&dir.path().join("summary.json"));
    assert_eq!(s["categories"]["clinic"]["facilities"], 1);
    assert_eq!(s["categories"]["clinic"]["serving_facilities"], 2);
    assert_eq!(s["unknown_categories"]["奶茶店"], 1);
    let fac = read_json(&dir.path().join("facilities.geojson"));
    let s1 = fac["features"].as_array().unwrap().iter().find(|f| f["properties"]["id"] == "S1").unwrap();
    assert_eq!(s1["properties"]["name"], "东四社区卫生服务站");
    assert_eq!(s1["properties"]["category"], "clinic");
}

#[test]
fn strict_turns_unknown_categories_into_an_error() {
    let dir = temp_dir();
    let out = run_beijing(dir.path(), &["--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("奶茶店") && stderr.contains("feature 7") && stderr.contains("'类别'"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let dir = temp_dir();
        let out = lifecircle()
            .env("RAYON_NUM_THREADS", threads)
            .args(["analyze", "--format", "csv,shp", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_success(&out);
        outputs.push(files(dir.path()));
    }
    let names: Vec<&String> = outputs[0].keys().collect();
    for n in
        ["households.geojson", "households.csv", "households.shp", "facilities.geojson", "gaps.geojson", "summary.json"]
    {
        assert!(names.iter().any(|x| *x == n), "{n} not written: {names:?}");
    }
    assert_eq!(names, outputs[1].keys().collect::<Vec<_>>(), "the same files for 1 and 4 threads");
    for (name, bytes) in &outputs[0] {
        assert!(outputs[1][name] == *bytes, "{name} differs between 1 and 4 threads");
    }
}

#[test]
fn csv_and_shapefile_outputs() {
    let dir = temp_dir();
    let out = run_beijing(dir.path(), &["--format", "csv", "--format", "shp"]);
    assert_success(&out);
    let csv = std::fs::read(dir.path().join("households.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFid,households,population,elderly,dist_middle_school"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[header.len() - 2..], &["lon", "lat"]);
    // a null distance is an empty cell
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == "dist_nursery").unwrap();
    assert_eq!(row[k], "");
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        assert!(dir.path().join(format!("households.{ext}")).exists(), "households.{ext}");
        assert!(dir.path().join(format!("facilities.{ext}")).exists(), "facilities.{ext}");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("households.cpg")).unwrap().trim(), "UTF-8");
    let layer =
        lifecircle::read_layer(&dir.path().join("households.shp"), &Default::default(), &lifecircle::NoProgress)
            .unwrap();
    assert!(layer.fields.iter().all(|f| f.len() <= 10), "{:?}", layer.fields);
    for f in ["d_clinic", "n_clinic", "k_clinic", "miss_list", "cmpl_10min", "complete"] {
        assert!(layer.fields.iter().any(|x| x == f), "{f} not in {:?}", layer.fields);
    }
    assert_eq!(layer.features.len(), 6);
}

#[test]
fn output_crs_is_declared() {
    let dir = temp_dir();
    let out = run_beijing(dir.path(), &["--out-crs", "EPSG:4548"]);
    assert_success(&out);
    let hh = read_json(&dir.path().join("households.geojson"));
    assert!(hh["crs"]["properties"]["name"].as_str().unwrap().contains("4548"));
    let x = hh["features"][0]["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!(x > 400_000.0 && x < 600_000.0, "{x}"); // CGCS2000 3-degree GK CM 117E (EPSG:4548) easting

    let dir = temp_dir();
    let out = run_beijing(dir.path(), &["--out-crs", "gcj02"]);
    assert_success(&out);
    let hh = read_json(&dir.path().join("households.geojson"));
    assert_eq!(hh["crs"]["properties"]["name"], "GCJ-02");
    let lon = hh["features"][0]["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!((lon - 116.41).abs() > 1e-4, "GCJ-02 shifts Beijing by hundreds of metres: {lon}");

    let dir = temp_dir();
    let out = run_beijing(dir.path(), &[]);
    assert!(out.status.success());
    let hh = read_json(&dir.path().join("households.geojson"));
    assert!(hh.get("crs").is_none(), "RFC 7946 output has no crs member");
}

#[test]
fn gcj02_services_land_where_the_wgs84_ones_do() {
    // Shift the services to GCJ-02 as a Chinese web map would, read them back with
    // --services-crs gcj02: the distances must match the WGS84 run to 0.1 m.
    let dir = temp_dir();
    let layer =
        lifecircle::read_layer(&fixture("beijing_services_gbk.csv"), &Default::default(), &lifecircle::NoProgress)
            .unwrap();
    let lon_col = layer.column("经度").unwrap();
    let lat_col = layer.column("纬度").unwrap();
    let mut csv = String::from("编号,类别,经度,纬度\n");
    for f in &layer.features {
        let lon: f64 = f.value(lon_col).to_text().unwrap().parse().unwrap();
        let lat: f64 = f.value(lat_col).to_text().unwrap().parse().unwrap();
        let (glon, glat) = lifecircle::Crs::Gcj02.from_wgs84(lon, lat).unwrap();
        csv.push_str(&format!(
            "{},{},{glon:.9},{glat:.9}\n",
            f.value(0).to_text().unwrap(),
            f.value(1).to_text().unwrap()
        ));
    }
    let gcj = dir.path().join("services_gcj.csv");
    std::fs::write(&gcj, csv).unwrap();
    let wgs_out = dir.path().join("wgs");
    assert!(run_beijing(&wgs_out, &[]).status.success());
    let gcj_out = dir.path().join("gcj");
    let out = run_analyze(&fixture("beijing_residences.geojson"), &gcj, &gcj_out, &["--services-crs", "gcj02"]);
    assert_success(&out);
    let a = read_json(&wgs_out.join("households.geojson"));
    let b = read_json(&gcj_out.join("households.geojson"));
    for (fa, fb) in a["features"].as_array().unwrap().iter().zip(b["features"].as_array().unwrap()) {
        for k in ["dist_clinic", "dist_market", "dist_kindergarten", "dist_primary_school"] {
            let (x, y) = (fa["properties"][k].as_f64().unwrap(), fb["properties"][k].as_f64().unwrap());
            assert!((x - y).abs() <= 0.1 + 1e-9, "{k}: {x} vs {y}");
        }
    }
}

#[test]
fn projected_input_with_crs_flag_matches_wgs84() {
    // Write the residences in CGCS2000 3-degree GK CM 114E (EPSG:4547) and read them back with the flag.
    let dir = temp_dir();
    let crs = lifecircle::Crs::parse("EPSG:4547").unwrap();
    let layer =
        lifecircle::read_layer(&fixture("beijing_residences.geojson"), &Default::default(), &lifecircle::NoProgress)
            .unwrap();
    let mut feats = Vec::new();
    for f in layer.features.iter().filter(|f| matches!(f.geometry, Some(geo::Geometry::Point(_)))) {
        let Some(geo::Geometry::Point(p)) = &f.geometry else { unreachable!() };
        let (x, y) = crs.from_wgs84(p.x(), p.y()).unwrap();
        feats.push(format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{x:.4},{y:.4}]}},"properties":{{"id":"{}","households":10}}}}"#,
            f.value(0).to_text().unwrap()
        ));
    }
    let projected = dir.path().join("res_4547.geojson");
    std::fs::write(&projected, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, feats.join(","))).unwrap();
    // Without a CRS: a clear error that suggests the flag.
    let services = fixture("beijing_services_gbk.csv");
    let out = run_analyze(&projected, &services, &dir.path().join("none"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("looks projected") && stderr.contains("--residences-crs"), "{stderr}");
    // With the flag: same distances as from WGS84.
    let out = run_analyze(&projected, &services, &dir.path().join("p"), &["--residences-crs", "EPSG:4547"]);
    assert_success(&out);
    assert!(run_beijing(&dir.path().join("w"), &[]).status.success());
    let a = read_json(&dir.path().join("w/households.geojson"));
    let b = read_json(&dir.path().join("p/households.geojson"));
    let b_feats = b["features"].as_array().unwrap();
    for fb in b_feats {
        let id = &fb["properties"]["id"];
        let fa = a["features"].as_array().unwrap().iter().find(|f| &f["properties"]["id"] == id).unwrap();
        let (x, y) =
            (fa["properties"]["dist_clinic"].as_f64().unwrap(), fb["properties"]["dist_clinic"].as_f64().unwrap());
        assert!((x - y).abs() <= 0.1 + 1e-9, "{id}: {x} vs {y}");
    }
}

#[test]
fn detour_is_reported_and_shrinks_coverage() {
    let dir = temp_dir();
    assert!(run_beijing(dir.path(), &["--detour", "1.4"]).status.success());
    let s = read_json(&dir.path().join("summary.json"));
    assert_eq!(s["detour"], 1.4);
    let r = s["categories"]["clinic"]["radius_m"].as_f64().unwrap();
    assert!((r - 300.0 / 1.4).abs() < 1e-9, "{r}");
    let out = run_beijing(&dir.path().join("x"), &["--detour", "0.8"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn standards_list_shows_seven_profiles_and_show_prints_each_rule_with_its_source() {
    let out = lifecircle().args(["standards", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let ids = [
        "gb50180-2018",
        "national-2021",
        "hunan-2022",
        "tianjin-2022",
        "shanghai-pudong-2023",
        "inner-mongolia-13th",
        "shandong-rural-2015",
    ];
    for id in ids {
        assert_eq!(text.lines().filter(|l| l.split_whitespace().next() == Some(id)).count(), 1, "{id}: {text}");
    }
    let out = lifecircle().args(["standards", "show", "hunan-2022"]).output().unwrap();
    assert!(out.status.success());
    // Sources and notes are wrapped for the terminal: compare with whitespace collapsed.
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "extends: gb50180-2018",
        "service_area_per_100_households 每百户社区综合服务设施面积 ≥ 43 m²/100 households all own",
        "source: Hunan community service plan (2022): 43 m² of community service floor area per 100 households",
        "43 m² \"per 100 residents\" while its body reports 41.1 m² per 100 households",
        "elderly_land_per_capita 人均社区养老服务设施用地 ≥ 0.1 m²/resident all inherited",
        "Hunan community service plan (2022) §三(二)4",
        "with clinic or health_center within 100 m",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    for id in ids {
        let out = lifecircle().args(["standards", "show", id]).output().unwrap();
        assert!(out.status.success(), "{id}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("zone indicators"), "{id}");
    }
}

#[test]
fn standards_list_show_and_user_profiles() {
    let out = lifecircle().args(["standards", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("gb50180-2018"));
    let out = lifecircle().args(["standards", "show", "gb50180-2018"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("社区卫生服务站") && text.contains("Table 3.0.4") && text.contains("Appendix"), "{text}");
    let out = lifecircle().args(["standards", "show", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A user profile: only clinics, 200 m.
    let dir = temp_dir();
    let toml = dir.path().join("mine.toml");
    std::fs::write(
        &toml,
        r#"id = "mine"
name_zh = "我的标准"
name_en = "Mine"
source = "test"
[[tiers]]
id = "5min"
name_zh = "五分钟"
name_en = "5 min"
rank = 1
source = "test"
[[tiers]]
id = "10min"
name_zh = "十分钟"
name_en = "10 min"
rank = 2
source = "test"
[[tiers]]
id = "15min"
name_zh = "十五分钟"
name_en = "15 min"
rank = 3
source = "test"
[[categories]]
id = "clinic"
name_zh = "社区卫生服务站"
name_en = "Clinic"
aliases = ["社区卫生服务中心"]
tier = "5min"
radius_m = 200
required = true
cohort = "all"
source = "test"
"#,
    )
    .unwrap();
    let out = run_beijing(&dir.path().join("o"), &["--standard", toml.to_str().unwrap()]);
    assert_success(&out);
    let s = read_json(&dir.path().join("o/summary.json"));
    assert_eq!(s["standard"], "mine");
    assert_eq!(s["categories"].as_object().unwrap().len(), 1);
    assert_eq!(s["categories"]["clinic"]["facilities"], 2); // S1 and the centre, by alias
}

/// Progress bars are drawn only on a terminal: with stderr captured (a pipe, as here) it holds
/// the messages it always held and not a byte more: no bar, no carriage return, no escape code.
#[test]
fn no_progress_bars_when_stderr_is_not_a_terminal() {
    let dir = temp_dir();
    let network = repo_path("data/network.geojson");
    let zones = fixture("helsinki_zones.geojson");
    let args = ["analyze", "--network", network.to_str().unwrap(), "--zones", zones.to_str().unwrap()];
    let out = lifecircle().current_dir(dir.path()).args(args).args(["--format", "csv,shp"]).output().unwrap();
    assert_success(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("No inputs given: running the bundled sample"), "{stderr}");
    assert!(lines[1..].iter().all(|l| l.starts_with("warning: ")), "{stderr}");
    assert!(!stderr.contains(['\r', '\x1b']), "{stderr:?}");

    let out = lifecircle().current_dir(dir.path()).args(args).args(["--out", "q", "--quiet"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().all(|l| l.starts_with("warning: ")), "{stderr:?}");

    let pbf = repo_path("data/source/Helsinki.osm.pbf");
    let out = lifecircle().current_dir(dir.path()).arg("import-osm").arg(&pbf).args(["--out", "osm"]).output().unwrap();
    assert_success(&out);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "import-osm prints its report on stdout, nothing on stderr");
    let out = lifecircle().current_dir(dir.path()).arg("analyze").arg("--osm").arg(&pbf).args(["--out", "a"]).output();
    let out = out.unwrap();
    assert_success(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("imported ") && !stderr.contains(['\r', '\x1b']), "{stderr:?}");
}

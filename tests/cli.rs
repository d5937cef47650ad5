//! Integration tests running the `lifecircle` binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn lifecircle() -> Command {
    Command::cargo_bin("lifecircle").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn run_analyze(residences: &Path, services: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
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
        .unwrap()
}

fn run_beijing(out: &Path, extra: &[&str]) -> std::process::Output {
    run_analyze(&fixture("beijing_residences.geojson"), &fixture("beijing_services_gbk.csv"), out, extra)
}

#[test]
fn sample_runs_with_no_arguments_and_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = lifecircle().current_dir(dir.path()).arg("analyze").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let dir = tempfile::tempdir().unwrap();
    let out = run_beijing(dir.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let dir = tempfile::tempdir().unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let out = lifecircle()
            .env("RAYON_NUM_THREADS", threads)
            .args(["analyze", "--format", "csv,shp", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        outputs.push((files, dir));
    }
    let names: Vec<&String> = outputs[0].0.iter().map(|(n, _)| n).collect();
    for n in
        ["households.geojson", "households.csv", "households.shp", "facilities.geojson", "gaps.geojson", "summary.json"]
    {
        assert!(names.iter().any(|x| *x == n), "{n} not written: {names:?}");
    }
    assert_eq!(outputs[0].0.len(), outputs[1].0.len());
    for ((n1, b1), (n2, b2)) in outputs[0].0.iter().zip(&outputs[1].0) {
        assert_eq!(n1, n2);
        assert!(b1 == b2, "{n1} differs between 1 and 4 threads");
    }
}

#[test]
fn csv_and_shapefile_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_beijing(dir.path(), &["--format", "csv", "--format", "shp"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let layer = lifecircle::io::read_layer(
        &dir.path().join("households.shp"),
        &Default::default(),
        &lifecircle::progress::NoProgress,
    )
    .unwrap();
    assert!(layer.fields.iter().all(|f| f.len() <= 10), "{:?}", layer.fields);
    for f in ["d_clinic", "n_clinic", "k_clinic", "miss_list", "cmpl_10min", "complete"] {
        assert!(layer.fields.iter().any(|x| x == f), "{f} not in {:?}", layer.fields);
    }
    assert_eq!(layer.features.len(), 6);
}

#[test]
fn output_crs_is_declared() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_beijing(dir.path(), &["--out-crs", "EPSG:4548"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hh = read_json(&dir.path().join("households.geojson"));
    assert!(hh["crs"]["properties"]["name"].as_str().unwrap().contains("4548"));
    let x = hh["features"][0]["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!(x > 400_000.0 && x < 600_000.0, "{x}"); // CGCS2000 3-degree GK CM 117E (EPSG:4548) easting

    let dir = tempfile::tempdir().unwrap();
    let out = run_beijing(dir.path(), &["--out-crs", "gcj02"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hh = read_json(&dir.path().join("households.geojson"));
    assert_eq!(hh["crs"]["properties"]["name"], "GCJ-02");
    let lon = hh["features"][0]["geometry"]["coordinates"][0].as_f64().unwrap();
    assert!((lon - 116.41).abs() > 1e-4, "GCJ-02 shifts Beijing by hundreds of metres: {lon}");

    let dir = tempfile::tempdir().unwrap();
    let out = run_beijing(dir.path(), &[]);
    assert!(out.status.success());
    let hh = read_json(&dir.path().join("households.geojson"));
    assert!(hh.get("crs").is_none(), "RFC 7946 output has no crs member");
}

#[test]
fn gcj02_services_land_where_the_wgs84_ones_do() {
    // Shift the services to GCJ-02 as a Chinese web map would, read them back with
    // --services-crs gcj02: the distances must match the WGS84 run to 0.1 m.
    let dir = tempfile::tempdir().unwrap();
    let layer = lifecircle::io::read_layer(
        &fixture("beijing_services_gbk.csv"),
        &Default::default(),
        &lifecircle::progress::NoProgress,
    )
    .unwrap();
    let lon_col = layer.column("经度").unwrap();
    let lat_col = layer.column("纬度").unwrap();
    let mut csv = String::from("编号,类别,经度,纬度\n");
    for f in &layer.features {
        let lon: f64 = f.value(lon_col).to_text().unwrap().parse().unwrap();
        let lat: f64 = f.value(lat_col).to_text().unwrap().parse().unwrap();
        let (glon, glat) = lifecircle::crs::gcj02::wgs84_to_gcj02(lon, lat);
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let dir = tempfile::tempdir().unwrap();
    let crs = lifecircle::crs::Crs::parse("EPSG:4547").unwrap();
    let layer = lifecircle::io::read_layer(
        &fixture("beijing_residences.geojson"),
        &Default::default(),
        &lifecircle::progress::NoProgress,
    )
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
    let dir = tempfile::tempdir().unwrap();
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
    let dir = tempfile::tempdir().unwrap();
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = read_json(&dir.path().join("o/summary.json"));
    assert_eq!(s["standard"], "mine");
    assert_eq!(s["categories"].as_object().unwrap().len(), 1);
    assert_eq!(s["categories"]["clinic"]["facilities"], 2); // S1 and the centre, by alias
}

/// Degrees per metre east and north at latitude `lat` on the WGS84 ellipsoid (exact radii of
/// curvature; for offsets of a few hundred metres the error is far below 1 cm).
fn degrees_per_metre(lat: f64) -> (f64, f64) {
    let (a, e2) = (6_378_137.0_f64, 0.006_694_379_990_14_f64);
    let s = lat.to_radians().sin();
    let n = a / (1.0 - e2 * s * s).sqrt();
    let m = a * (1.0 - e2) / (1.0 - e2 * s * s).powf(1.5);
    (1.0 / (n * lat.to_radians().cos()).to_radians(), 1.0 / m.to_radians())
}

/// A small street network in metres around (116.4, 39.9), written as GeoJSON layers:
/// a U of streets (west leg x=0, top y=200, east leg x=250) and a one-way footbridge at
/// y=100 walkable eastward only.
fn write_network_fixture(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (dlon, dlat) = degrees_per_metre(39.9);
    let at = |x: f64, y: f64| serde_json::json!([116.4 + x * dlon, 39.9 + y * dlat]);
    let line = |id: &str, pts: &[(f64, f64)], oneway: Option<&str>| {
        serde_json::json!({"type": "Feature", "properties": {"id": id, "oneway_foot": oneway},
            "geometry": {"type": "LineString", "coordinates": pts.iter().map(|&(x, y)| at(x, y)).collect::<Vec<_>>()}})
    };
    let point = |props: Value, x: f64, y: f64| serde_json::json!({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": at(x, y)}});
    let fc = |features: Vec<Value>| serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    let network = fc(vec![
        line("west", &[(0.0, 0.0), (0.0, 100.0), (0.0, 200.0)], None),
        line("top", &[(0.0, 200.0), (125.0, 200.0), (250.0, 200.0)], None),
        line("east", &[(250.0, 200.0), (250.0, 100.0), (250.0, 0.0)], Some("no")),
        line("bridge", &[(0.0, 100.0), (250.0, 100.0)], Some("yes")),
    ]);
    let residences = fc(vec![
        point(serde_json::json!({"id": "R1", "households": 10}), 0.0, -10.0),
        point(serde_json::json!({"id": "R2", "households": 20}), 250.0, -10.0),
        point(serde_json::json!({"id": "far", "households": 5}), 1000.0, 1000.0),
    ]);
    let services = fc(vec![
        point(serde_json::json!({"id": "C", "category": "clinic"}), 125.0, 90.0),
        point(serde_json::json!({"id": "M", "category": "market"}), 125.0, 210.0),
        point(serde_json::json!({"id": "E", "category": "elderly_daycare"}), 0.0, 150.0),
    ]);
    let paths = (dir.join("n_residences.geojson"), dir.join("n_services.geojson"), dir.join("n_network.geojson"));
    std::fs::write(&paths.0, residences).unwrap();
    std::fs::write(&paths.1, services).unwrap();
    std::fs::write(&paths.2, network).unwrap();
    paths
}

fn close(v: &Value, want: f64, tol: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= tol)
}

#[test]
fn network_distances_follow_the_streets_and_one_way_bridges() {
    let dir = tempfile::tempdir().unwrap();
    let (r, s, n) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let o = run_analyze(&r, &s, &out, &["--network", n.to_str().unwrap(), "--min-component", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("1 residence is more than 200 m from the network") && stderr.contains("far"), "{stderr}");
    let hh = read_json(&out.join("households.geojson"));
    let p = |i: usize| hh["features"][i]["properties"].clone();
    let (r1, r2, far) = (p(0), p(1), p(2));
    // R1 walks 10 m to the west street, 100 m north, 125 m east along the bridge, 10 m to C.
    assert!(close(&r1["dist_clinic"], 245.0, 0.3), "{r1}");
    assert_eq!(r1["ok_clinic"], true);
    assert!(close(&r1["euclid_clinic"], (125.0f64.powi(2) + 100.0f64.powi(2)).sqrt(), 0.3), "{r1}");
    assert!(close(&r1["walk_min_clinic"], 4.1, 0.05), "{r1}");
    // R2 may not cross the bridge westward: the way round (695 m) is beyond 300 m.
    assert_eq!(r2["dist_clinic"], Value::Null, "{r2}");
    assert_eq!(r2["ok_clinic"], false);
    assert!(close(&r2["euclid_clinic"], (125.0f64.powi(2) + 100.0f64.powi(2)).sqrt(), 0.3), "{r2}");
    // Market: 10 + 200 + 125 + 10 = 345 m from R1 (straight line 253 m).
    assert!(close(&r1["dist_market"], 345.0, 0.3), "{r1}");
    assert!(close(&r1["walk_min_market"], 5.8, 0.05), "{r1}");
    // Elderly daycare on the west street: 160 m at the elderly speed 0.8 m/s = 3.3 min.
    assert!(close(&r1["dist_elderly_daycare"], 160.0, 0.3), "{r1}");
    assert!(close(&r1["walk_min_elderly_daycare"], 3.3, 0.05), "{r1}");
    assert!(close(&r1["snap_m"], 10.0, 0.05), "{r1}");
    // "far" is 1 km from every street: unreachable, null distances, listed in the summary.
    assert_eq!(far["snap_m"], Value::Null);
    assert_eq!(far["dist_market"], Value::Null);
    assert!(far["euclid_market"].as_f64().is_some());
    let s = read_json(&out.join("summary.json"));
    assert_eq!(s["distance_model"], "network");
    assert_eq!(s["network"]["unreachable_residences"], 1);
    assert_eq!(s["network"]["unreachable_residence_ids"], serde_json::json!(["far"]));
    assert_eq!(s["network"]["unreachable_facilities"], 0);
    let clinic = &s["categories"]["clinic"];
    // Households: R1 10, R2 20, far 5. Network covers R1 only; the straight line R1 and R2.
    assert_eq!(clinic["covered_households"], 10.0);
    assert!(close(&clinic["network_covered_share"], 10.0 / 35.0, 1e-6), "{clinic}");
    assert!(close(&clinic["euclid_covered_share"], 30.0 / 35.0, 1e-6), "{clinic}");
    assert!(close(&clinic["median_detour"], 245.0 / 160.1, 0.005), "{clinic}");
    let fac = read_json(&out.join("facilities.geojson"));
    let c = fac["features"].as_array().unwrap().iter().find(|f| f["properties"]["id"] == "C").unwrap();
    assert_eq!(c["properties"]["households"], 10.0, "the clinic reaches R1 only along the network");
}

#[test]
fn judging_by_minutes_uses_the_tier_and_the_cohort_speed() {
    let dir = tempfile::tempdir().unwrap();
    let (r, s, n) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let args = ["--network", n.to_str().unwrap(), "--min-component", "1", "--judge", "minutes", "--speed", "1.2"];
    let o = run_analyze(&r, &s, &out, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = read_json(&out.join("summary.json"));
    assert_eq!(s["judge"], "minutes");
    let radius = |c: &str| s["categories"][c]["radius_m"].as_f64().unwrap();
    assert!((radius("clinic") - 5.0 * 60.0 * 1.2).abs() < 1e-9);
    assert!((radius("market") - 10.0 * 60.0 * 1.2).abs() < 1e-9);
    assert!((radius("elderly_daycare") - 5.0 * 60.0 * 0.8).abs() < 1e-9);
    assert_eq!(s["categories"]["convenience_store"]["radius_m"], 300.0, "block tier has no minutes");
    assert_eq!(s["categories"]["convenience_store"]["judged_by"], "metres");
    assert_eq!(s["categories"]["clinic"]["judged_by"], "minutes");
    let hh = read_json(&out.join("households.geojson"));
    let r1 = &hh["features"][0]["properties"];
    assert!(close(&r1["walk_min_market"], 345.0 / 1.2 / 60.0, 0.05), "{r1}");
    assert_eq!(r1["ok_market"], true);
}

#[test]
fn network_outputs_are_identical_for_any_thread_count() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(threads);
        let o = lifecircle()
            .env("RAYON_NUM_THREADS", threads)
            .arg("analyze")
            .arg("--residences")
            .arg(data.join("residences.geojson"))
            .arg("--services")
            .arg(data.join("services.geojson"))
            .arg("--network")
            .arg(data.join("network.geojson"))
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        outputs.push(files);
    }
    assert!(outputs[0].len() >= 3);
    assert!(outputs[0] == outputs[1], "1 and 3 threads differ");
}

/// Whether `p` (lon, lat) lies inside a GeoJSON Polygon or MultiPolygon (even-odd rule over
/// every ring, so holes count).
fn inside(geometry: &Value, p: [f64; 2]) -> bool {
    let polygons: Vec<&Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![&geometry["coordinates"]],
        Some("MultiPolygon") => geometry["coordinates"].as_array().unwrap().iter().collect(),
        other => panic!("not a polygon: {other:?}"),
    };
    let mut crossings = 0;
    for polygon in polygons {
        for ring in polygon.as_array().unwrap() {
            let pts: Vec<[f64; 2]> =
                ring.as_array().unwrap().iter().map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]).collect();
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]) {
                    crossings += 1;
                }
            }
        }
    }
    crossings % 2 == 1
}

#[test]
fn catchments_follow_the_reached_streets() {
    let dir = tempfile::tempdir().unwrap();
    let (r, s, n) = write_network_fixture(dir.path());
    let (dlon, dlat) = degrees_per_metre(39.9);
    let at = |x: f64, y: f64| [116.4 + x * dlon, 39.9 + y * dlat];
    let out = dir.path().join("each");
    let o = run_analyze(&r, &s, &out, &["--network", n.to_str().unwrap(), "--min-component", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = read_json(&out.join("catchments.geojson"));
    let features = c["features"].as_array().unwrap();
    assert_eq!(features.len(), 3, "one area per facility");
    let clinic = features.iter().find(|f| f["properties"]["facility_id"] == "C").unwrap();
    assert_eq!(clinic["properties"]["category"], "clinic");
    assert_eq!(clinic["properties"]["radius_m"], 300.0);
    assert_eq!(clinic["properties"]["households"], 10.0);
    let g = &clinic["geometry"];
    // 290 m of walking remain after the clinic's 10 m access leg. Walking towards it: the whole
    // west street, the bridge west of it, and the top street's first 65 m; not the bridge east
    // of it (one-way eastward) nor the east street. The buffer is 50 m.
    for (x, y) in [(125.0, 90.0), (0.0, 50.0), (0.0, 190.0), (60.0, 100.0), (60.0, 200.0), (-40.0, 0.0)] {
        assert!(inside(g, at(x, y)), "({x}, {y}) should be in the clinic's catchment");
    }
    for (x, y) in [(250.0, 50.0), (200.0, 100.0), (150.0, 200.0), (0.0, -70.0), (-70.0, 100.0)] {
        assert!(!inside(g, at(x, y)), "({x}, {y}) should be outside the clinic's catchment");
    }
    assert!(clinic["properties"]["area_m2"].as_f64().unwrap() > 0.0);

    let out = dir.path().join("dissolve");
    let args = ["--network", n.to_str().unwrap(), "--min-component", "1", "--catchments", "dissolve"];
    let o = run_analyze(&r, &s, &out, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = read_json(&out.join("catchments.geojson"));
    let cats: Vec<&str> =
        c["features"].as_array().unwrap().iter().map(|f| f["properties"]["category"].as_str().unwrap()).collect();
    assert_eq!(cats, ["market", "elderly_daycare", "clinic"], "one area per category with a serving facility");
    let clinic = &c["features"][2]["properties"];
    assert_eq!(clinic["facility_id"], Value::Null);
    assert_eq!(clinic["facilities"], 1.0);
    assert_eq!(clinic["households"], 10.0);

    let out = dir.path().join("none");
    let args = ["--network", n.to_str().unwrap(), "--catchments", "none"];
    assert!(run_analyze(&r, &s, &out, &args).status.success());
    assert!(!out.join("catchments.geojson").exists());
    assert!(!run_analyze(&r, &s, &dir.path().join("bad"), &["--catchments", "blobs"]).status.success());
}

#[test]
fn a_projected_shapefile_network_gives_the_geojson_answers() {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    let dir = tempfile::tempdir().unwrap();
    let (r, s, n) = write_network_fixture(dir.path());
    // The same network as a polyline shapefile in CGCS2000 Gauss-Krüger CM 117E (EPSG:4548),
    // without a .prj: the CRS comes from --network-crs. One-way in a 10-character DBF field.
    let gk = lifecircle::crs::Crs::parse("EPSG:4548").unwrap();
    let fields = TableWriterBuilder::new()
        .add_character_field(FieldName::try_from("id").unwrap(), 16)
        .add_character_field(FieldName::try_from("oneway_ft").unwrap(), 4);
    let shp = dir.path().join("streets.shp");
    let mut writer = shapefile::Writer::from_path(&shp, fields).unwrap();
    let network = read_json(&n);
    for f in network["features"].as_array().unwrap() {
        let points: Vec<shapefile::Point> = f["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let (x, y) = gk.from_wgs84(c[0].as_f64().unwrap(), c[1].as_f64().unwrap()).unwrap();
                shapefile::Point::new(x, y)
            })
            .collect();
        let mut record = Record::default();
        record.insert("id".into(), FieldValue::Character(f["properties"]["id"].as_str().map(String::from)));
        record.insert(
            "oneway_ft".into(),
            FieldValue::Character(f["properties"]["oneway_foot"].as_str().map(String::from)),
        );
        writer.write_shape_and_record(&shapefile::Polyline::new(points), &record).unwrap();
    }
    drop(writer);
    let (a, b) = (dir.path().join("geojson"), dir.path().join("shp"));
    let o =
        run_analyze(&r, &s, &a, &["--network", n.to_str().unwrap(), "--min-component", "1", "--catchments", "none"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let args = ["--network", shp.to_str().unwrap(), "--network-crs", "EPSG:4548", "--min-component", "1"];
    let o = run_analyze(&r, &s, &b, &[&args[..], &["--catchments", "none"]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ha, hb) = (read_json(&a.join("households.geojson")), read_json(&b.join("households.geojson")));
    let mut compared = 0;
    for (fa, fb) in ha["features"].as_array().unwrap().iter().zip(hb["features"].as_array().unwrap()) {
        for (k, va) in fa["properties"].as_object().unwrap() {
            let vb = &fb["properties"][k];
            match (va.as_f64(), vb.as_f64()) {
                (Some(x), Some(y)) if k.starts_with("dist_") || k.starts_with("euclid_") => {
                    assert!((x - y).abs() <= 0.11, "{k}: {x} vs {y}");
                    compared += 1;
                }
                _ if k.starts_with("dist_") || k.starts_with("ok_") || k.starts_with("nearest_") => {
                    assert_eq!(va, vb, "{k}")
                }
                _ => {}
            }
        }
    }
    assert!(compared >= 8, "{compared}");
    // The one-way bridge survived the DBF: R2 still cannot reach the clinic.
    assert_eq!(hb["features"][1]["properties"]["dist_clinic"], Value::Null);
}

/// Reads a CSV written by lifecircle (UTF-8 with BOM) into header and rows.
fn read_csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(p).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("CSV starts with a BOM");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

#[test]
fn zones_get_their_residences_by_point_in_polygon_and_report_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let zones = fixture("helsinki_zones.geojson");
    let o = lifecircle()
        .args(["analyze", "--format", "csv", "--zones"])
        .arg(&zones)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Brute force: the first rectangle (file order, boundary included) holding each household's point.
    let rects: Vec<(String, [f64; 4])> = read_json(&zones)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
            let xs: Vec<f64> = ring.iter().map(|c| c[0].as_f64().unwrap()).collect();
            let ys: Vec<f64> = ring.iter().map(|c| c[1].as_f64().unwrap()).collect();
            let (min, max) = (
                |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min),
                |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max),
            );
            (f["properties"]["id"].as_str().unwrap().to_owned(), [min(&xs), min(&ys), max(&xs), max(&ys)])
        })
        .collect();
    let (header, rows) = read_csv(&out.join("households.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut want = vec![0.0; rects.len()];
    let mut overlapping = 0;
    for row in &rows {
        let (x, y) = (row[col("lon")].parse::<f64>().unwrap(), row[col("lat")].parse::<f64>().unwrap());
        let holding: Vec<usize> = (0..rects.len())
            .filter(|&k| (rects[k].1[0]..=rects[k].1[2]).contains(&x) && (rects[k].1[1]..=rects[k].1[3]).contains(&y))
            .collect();
        want[holding[0]] += row[col("households")].parse::<f64>().unwrap();
        overlapping += usize::from(holding.len() > 1);
    }
    let z = read_json(&out.join("zones.geojson"));
    let feats = z["features"].as_array().unwrap();
    assert_eq!(feats.len(), 3);
    for (k, f) in feats.iter().enumerate() {
        assert_eq!(f["properties"]["id"], rects[k].0.as_str());
        assert!(
            close(&f["properties"]["households"], want[k], 0.05),
            "zone {}: {} vs {}",
            rects[k].0,
            f["properties"]["households"],
            want[k]
        );
        assert_eq!(f["geometry"]["type"], "Polygon");
    }
    assert!(overlapping > 0, "the fixture's zone C overlaps B where residences are");
    assert!(stderr.contains("zones 'B' and 'C' overlap"), "{stderr}");
    // C lies inside B, so B takes everything: C holds no one, and says why it is not assessed.
    let c = &feats[2]["properties"];
    assert_eq!(c["households"], 0.0);
    assert_eq!(c["elderly_land_per_capita_status"], "not_assessed");
    assert!(c["elderly_land_per_capita_note"].as_str().unwrap().contains("residents"));
    let a = &feats[0]["properties"];
    assert_eq!(a["urban_rural"], "urban");
    assert_eq!(feats[1]["properties"]["urban_rural"], "rural");
    for k in [
        "elderly_land_per_capita",
        "elderly_land_per_capita_target",
        "elderly_land_per_capita_status",
        "covered_share_clinic",
        "complete_share_15min",
    ] {
        assert!(a.get(k).is_some(), "{k}");
    }
    let s = read_json(&out.join("summary.json"));
    assert_eq!(s["zones"]["kind"], "layer");
    let (fh, frows) = read_csv(&out.join("facilities.csv"));
    let fcol = |name: &str| fh.iter().position(|h| h == name).unwrap();
    let inside_both = |x: f64, y: f64| {
        rects.iter().filter(|(_, r)| (r[0]..=r[2]).contains(&x) && (r[1]..=r[3]).contains(&y)).count() > 1
    };
    let facilities_overlapping =
        frows.iter().filter(|r| inside_both(r[fcol("lon")].parse().unwrap(), r[fcol("lat")].parse().unwrap())).count();
    assert_eq!(s["zones"]["overlaps"][0]["points"].as_u64().unwrap() as usize, overlapping + facilities_overlapping);
    let (zh, zrows) = read_csv(&out.join("zones.csv"));
    assert!(zh.iter().any(|h| h == "elderly_land_per_capita_status") && zrows.len() == 3);

    // A grid of 250 m cells holds every household once.
    let grid = dir.path().join("grid");
    let o = lifecircle().args(["analyze", "--grid", "250", "--out"]).arg(&grid).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let z = read_json(&grid.join("zones.geojson"));
    let total: f64 =
        z["features"].as_array().unwrap().iter().map(|f| f["properties"]["households"].as_f64().unwrap()).sum();
    let s = read_json(&grid.join("summary.json"));
    assert!((total - s["households"].as_f64().unwrap()).abs() < 0.5, "{total}");
    assert_eq!(s["zones"]["kind"], "grid");
    assert_eq!(s["zones"]["grid_m"], 250.0);
}

#[test]
fn gap_cells_and_areas_add_up_to_the_uncovered_households() {
    let network = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/network.geojson");
    for (shape, walk) in [("square", false), ("hex", false), ("square", true)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = lifecircle();
        cmd.current_dir(dir.path()).args(["analyze", "--quiet", "--cell", "200", "--cell-shape", shape, "--out", "o"]);
        if walk {
            cmd.arg("--network").arg(&network);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let s = read_json(&dir.path().join("o/summary.json"));
        let g = read_json(&dir.path().join("o/gaps.geojson"));
        let features = g["features"].as_array().unwrap();
        let kind = |f: &Value| f["properties"]["kind"].as_str().unwrap().to_owned();
        let areas: Vec<&Value> = features.iter().filter(|f| kind(f) == "area").collect();
        let cells: Vec<&Value> = features.iter().filter(|f| kind(f) == "cell").collect();
        assert_eq!(areas.len() + cells.len(), features.len());
        assert!(features[..areas.len()].iter().all(|f| kind(f) == "area"), "areas are listed first");
        assert_eq!(s["gaps"]["cell_shape"], shape);
        assert_eq!(s["gaps"]["cell_m"], 200.0);
        assert_eq!(s["gaps"]["cells"].as_u64().unwrap(), cells.len() as u64);
        let sum = |fs: &[&Value], key: &str| fs.iter().map(|f| f["properties"][key].as_f64().unwrap()).sum::<f64>();
        assert_eq!(sum(&cells, "residences"), s["residences"].as_f64().unwrap());
        assert!((sum(&cells, "households") - s["households"].as_f64().unwrap()).abs() < 0.5);
        let corners = if shape == "hex" { 7 } else { 5 };
        assert!(cells.iter().all(|c| c["geometry"]["coordinates"][0].as_array().unwrap().len() == corners));
        let mut judged = 0;
        for (cat, c) in s["categories"].as_object().unwrap() {
            let in_cat: Vec<&Value> = areas.iter().copied().filter(|a| a["properties"]["category"] == *cat).collect();
            let Some(covered) = c["covered_households"].as_f64() else {
                assert!(cells[0]["properties"].get(format!("gap_hh_{cat}")).is_none(), "{cat} has no radius");
                assert!(in_cat.is_empty());
                continue;
            };
            judged += 1;
            let uncovered = s["households"].as_f64().unwrap() - covered;
            let in_cells = sum(&cells, &format!("gap_hh_{cat}"));
            let in_areas = sum(&in_cat, "households");
            assert!((in_cells - uncovered).abs() < 0.5, "{cat}: cells {in_cells}, summary {uncovered}");
            assert!((in_areas - uncovered).abs() < 0.5, "{cat}: areas {in_areas}, summary {uncovered}");
            for (k, a) in in_cat.iter().enumerate() {
                let p = &a["properties"];
                assert_eq!(p["rank"].as_u64().unwrap(), k as u64 + 1);
                assert_eq!(p["name_en"], c["name_en"]);
                assert_eq!(p["area_m2"].as_f64().unwrap(), p["cells"].as_f64().unwrap() * 40_000.0);
                if k > 0 {
                    assert!(in_cat[k - 1]["properties"]["population"].as_f64() >= p["population"].as_f64());
                }
            }
        }
        assert!(judged > 10);
        let largest = s["gaps"]["largest"].as_array().unwrap();
        assert_eq!(largest.len(), areas.len().min(10));
        let top = areas.iter().map(|a| a["properties"]["population"].as_f64().unwrap()).fold(0.0, f64::max);
        assert_eq!(largest[0]["population"].as_f64().unwrap(), top);
        let lonlat = largest[0]["centroid"].as_array().unwrap();
        assert!((24.0..26.0).contains(&lonlat[0].as_f64().unwrap()), "{lonlat:?}");
        assert!((60.0..61.0).contains(&lonlat[1].as_f64().unwrap()), "{lonlat:?}");
    }
}

#[test]
fn a_bad_cell_size_or_shape_is_an_error_naming_the_flag() {
    for bad in
        [["--cell", "0"], ["--cell=-5", "--quiet"], ["--cell", "nan"], ["--cell", "abc"], ["--cell-shape", "round"]]
    {
        let dir = tempfile::tempdir().unwrap();
        let out = lifecircle().current_dir(dir.path()).arg("analyze").args(bad).args(["--out", "o"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(bad[0].split('=').next().unwrap()), "{bad:?}: {stderr}");
        assert!(!dir.path().join("o/gaps.geojson").exists());
    }
}

/// The text of every element `<tag ...>` … `</tag>` (no nesting of the same tag).
fn inner_texts<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let (Some(gt), Some(end)) = (after.find('>'), after.find(&close)) else { break };
        out.push(&after[gt + 1..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Checks an SVG is well-formed XML and returns the ids it defines.
fn svg_ids(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut ids = Vec::new();
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                if let Some(a) = e.try_get_attribute("id").unwrap() {
                    ids.push(a.value.to_string());
                }
            }
            _ => {}
        }
    }
    ids
}

#[test]
fn report_is_self_contained_in_both_languages_and_the_report_command_rebuilds_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let zones = fixture("helsinki_zones.geojson");
    let o = lifecircle()
        .args(["analyze", "--report", "--lang", "en", "--map-size", "1000x700", "-q", "--zones"])
        .arg(&zones)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    // Self-contained: nothing is fetched (the OSM copyright address is text, not a link target).
    for fetch in ["src=\"http", "href=\"http", "url(http", "url(//", "@import", "<link", "<iframe"] {
        assert!(!html.contains(fetch), "report.html loads an external resource: {fetch}");
    }
    for id in
        ["map", "category", "zones", "gap-areas", "residences", "facilities", "legend", "scale-bar", "north-arrow"]
    {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    assert!(html.contains("id=\"attribution\"") && html.contains("© OpenStreetMap contributors"));
    // Every residence drawn (100 ≤ the point limit), every facility with its category.
    let residences = html.split("id=\"residences\"").nth(1).unwrap().split("</g>").next().unwrap();
    assert_eq!(residences.matches("<circle").count(), 100);
    let facilities = html.split("id=\"facilities\"").nth(1).unwrap().split("</g>").next().unwrap();
    assert_eq!(facilities.matches("data-cat=").count(), 54);
    // One option per category plus "all"; the chart has two bars per judged category.
    let summary = read_json(&out.join("summary.json"));
    let cats = summary["categories"].as_object().unwrap();
    let judged = cats.values().filter(|c| !c["radius_m"].is_null()).count();
    assert_eq!(html.matches("<option").count(), cats.len() + 1);
    assert_eq!(html.matches("class=\"bar\"").count(), 2 * judged);
    // Indicator rows: 3 zones × the profile's indicators; the largest gaps: ten rows.
    let indicators = summary["zones"]["indicators"].as_array().unwrap().len();
    assert_eq!(html.matches("<tr data-zone=").count(), 3 * indicators);
    let gaps_table = html.split("id=\"largest-gaps\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(gaps_table.matches("<tr>").count(), 1 + 10);
    assert!(html.contains("id=\"methods\""));
    // English headings are English.
    for h in inner_texts(&html, "h2").into_iter().chain(inner_texts(&html, "h3")) {
        assert!(h.is_ascii(), "English report heading in another script: {h}");
    }
    // map.svg: well-formed, with legend, scale bar, north arrow and attribution, at the size asked.
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    assert!(svg.contains("viewBox=\"0 0 1000 700\""));
    svg_ids(&svg);
    for class in ["legend", "scale-bar", "north-arrow", "attribution"] {
        assert!(svg.contains(&format!("class=\"{class}\"")), "map.svg has no {class}");
    }
    // The HTML's map is well-formed SVG too.
    let map = html.split("<div class=\"map-wrap\">").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(svg_ids(map).contains(&"legend-cat".to_owned()));

    // `lifecircle report` rebuilds the same page from the files; in Chinese it speaks Chinese.
    let o = lifecircle().args(["report", "--lang", "en", "--map-size", "1000x700", "-q"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), html);
    assert_eq!(std::fs::read_to_string(out.join("map.svg")).unwrap(), svg);
    let o = lifecircle().args(["report", "--lang", "zh"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let zh = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    for text in ["图例", "社区卫生服务站", "城市居住区规划设计标准", "最大缺口区域", "方法与数据"]
    {
        assert!(zh.contains(text), "zh report lacks {text}");
    }
}

#[test]
fn network_report_charts_straight_line_and_network_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let (res, svc, net) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let o = run_analyze(
        &res,
        &svc,
        &out,
        &["--network", net.to_str().unwrap(), "--min-component", "1", "--report", "--lang", "en"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let summary = read_json(&out.join("summary.json"));
    let judged = summary["categories"].as_object().unwrap().values().filter(|c| !c["radius_m"].is_null()).count();
    assert_eq!(
        html.matches("class=\"bar\"").count(),
        4 * judged,
        "households and residents, network and straight line"
    );
    assert!(html.contains("Households covered (straight line)"));
    // The unreachable residence is listed among what was dropped.
    let dropped = html.split("id=\"dropped\"").nth(1).unwrap().split("</ul>").next().unwrap();
    assert!(dropped.contains("unreachable"), "{dropped}");
}

#[test]
fn report_errors_name_the_file_the_feature_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let o = lifecircle().arg("report").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("summary.json") && err.contains("no such file"), "{err}");

    let out = dir.path().join("out");
    assert!(lifecircle().args(["analyze", "-q", "--out"]).arg(&out).output().unwrap().status.success());
    for (flag, value) in [("--lang", "fr"), ("--map-size", "10x10"), ("--map-size", "big")] {
        let o = lifecircle().arg("report").arg(&out).args([flag, value]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(flag), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // A households layer whose ok_ field is not true/false.
    let path = out.join("households.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"ok_market\":true", "\"ok_market\":\"yes\"", 1)).unwrap();
    let o = lifecircle().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("households.geojson") && err.contains("ok_market") && err.contains("feature"), "{err}");
    assert!(!out.join("report.html").exists(), "no report is left behind after an error");
}

/// Progress bars are drawn only on a terminal: with stderr captured (a pipe, as here) it holds
/// the messages it always held and not a byte more: no bar, no carriage return, no escape code.
#[test]
fn no_progress_bars_when_stderr_is_not_a_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let network = root.join("data/network.geojson");
    let zones = fixture("helsinki_zones.geojson");
    let args = ["analyze", "--network", network.to_str().unwrap(), "--zones", zones.to_str().unwrap()];
    let out = lifecircle().current_dir(dir.path()).args(args).args(["--format", "csv,shp"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("No inputs given: running the bundled sample"), "{stderr}");
    assert!(lines[1..].iter().all(|l| l.starts_with("warning: ")), "{stderr}");
    assert!(!stderr.contains(['\r', '\x1b']), "{stderr:?}");

    let out = lifecircle().current_dir(dir.path()).args(args).args(["--out", "q", "--quiet"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.lines().all(|l| l.starts_with("warning: ")), "{stderr:?}");

    let pbf = root.join("data/source/Helsinki.osm.pbf");
    let out = lifecircle().current_dir(dir.path()).arg("import-osm").arg(&pbf).args(["--out", "osm"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "import-osm prints its report on stdout, nothing on stderr");
    let out = lifecircle().current_dir(dir.path()).arg("analyze").arg("--osm").arg(&pbf).args(["--out", "a"]).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("imported ") && !stderr.contains(['\r', '\x1b']), "{stderr:?}");
}

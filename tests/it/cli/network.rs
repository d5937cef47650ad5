//! `analyze --network`: distances along the streets (one-way bridges, minutes by cohort speed),
//! catchment polygons, thread-count independence, and a projected shapefile network.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{assert_success, close, files, lifecircle, read_json, repo_path, run_analyze, temp_dir};

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
pub(super) fn write_network_fixture(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
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

#[test]
fn network_distances_follow_the_streets_and_one_way_bridges() {
    let dir = temp_dir();
    let (r, s, n) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let o = run_analyze(&r, &s, &out, &["--network", n.to_str().unwrap(), "--min-component", "1"]);
    assert_success(&o);
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
    let dir = temp_dir();
    let (r, s, n) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let args = ["--network", n.to_str().unwrap(), "--min-component", "1", "--judge", "minutes", "--speed", "1.2"];
    let o = run_analyze(&r, &s, &out, &args);
    assert_success(&o);
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
    let data = repo_path("data");
    let dir = temp_dir();
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
        assert_success(&o);
        outputs.push(files(&out));
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
    let dir = temp_dir();
    let (r, s, n) = write_network_fixture(dir.path());
    let (dlon, dlat) = degrees_per_metre(39.9);
    let at = |x: f64, y: f64| [116.4 + x * dlon, 39.9 + y * dlat];
    let out = dir.path().join("each");
    let o = run_analyze(&r, &s, &out, &["--network", n.to_str().unwrap(), "--min-component", "1"]);
    assert_success(&o);
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
    assert_success(&o);
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
    let dir = temp_dir();
    let (r, s, n) = write_network_fixture(dir.path());
    // The same network as a polyline shapefile in CGCS2000 Gauss-Krüger CM 117E (EPSG:4548),
    // without a .prj: the CRS comes from --network-crs. One-way in a 10-character DBF field.
    let gk = lifecircle::Crs::parse("EPSG:4548").unwrap();
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
    assert_success(&o);
    let args = ["--network", shp.to_str().unwrap(), "--network-crs", "EPSG:4548", "--min-component", "1"];
    let o = run_analyze(&r, &s, &b, &[&args[..], &["--catchments", "none"]].concat());
    assert_success(&o);
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

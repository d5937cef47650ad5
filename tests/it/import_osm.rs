//! Integration tests of `lifecircle import-osm` on the bundled central-Helsinki OpenStreetMap
//! extract (data/source/Helsinki.osm.pbf, © OpenStreetMap contributors, ODbL 1.0).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{assert_success, features, fixture, lifecircle, read_json, repo_path, temp_dir};

fn helsinki_pbf() -> PathBuf {
    repo_path("data/source/Helsinki.osm.pbf")
}

fn import(pbf: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    lifecircle().arg("import-osm").arg(pbf).arg("--out").arg(out).args(extra).output().unwrap()
}

#[test]
fn helsinki_import_writes_analysis_ready_layers() {
    let dir = temp_dir();
    let out = dir.path().join("osm");
    let o = import(&helsinki_pbf(), &out, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_success(&o);
    assert!(stdout.contains("residences: 59 buildings"), "{stdout}");
    assert!(stdout.contains("amenity/shop/leisure objects not mapped"), "{stdout}");
    assert!(stdout.contains("  clinic"), "{stdout}");
    assert!(!out.join("zones.geojson").exists(), "the clipped extract has no complete boundary");

    let residences = features(&out.join("residences.geojson"));
    assert_eq!(residences.len(), 59);
    for r in &residences {
        let p = &r["properties"];
        let id = p["id"].as_str().unwrap();
        assert!(id.starts_with('w') || id.starts_with('r'), "{id}");
        let footprint = p["footprint_m2"].as_f64().unwrap();
        let levels = p["levels"].as_f64().unwrap();
        let floor = p["floor_area_m2"].as_f64().unwrap();
        assert!((footprint * levels - floor).abs() < 0.1 * levels + 0.06, "{p}");
        let households = p["households"].as_u64().unwrap();
        assert!(households >= 1);
        assert_eq!(households, ((floor / 100.0).round() as u64).max(1), "{p}");
        assert!((p["population"].as_f64().unwrap() - households as f64 * 2.62).abs() < 0.006, "{p}");
        assert!(matches!(r["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));
    }

    let services = features(&out.join("services.geojson"));
    assert!(services.len() > 30, "{}", services.len());
    let profile = lifecircle::StandardProfile::built_in("gb50180-2018").unwrap();
    for s in &services {
        let p = &s["properties"];
        assert!(profile.index_of(p["category"].as_str().unwrap()).is_some(), "{p}");
        assert!(p["osm_tag"].as_str().unwrap().contains('='), "{p}");
        if p["id"].as_str().unwrap().starts_with('n') {
            assert_eq!(s["geometry"]["type"], "Point");
            assert!(p.get("land_area_m2").is_none(), "{p}");
        } else {
            assert!(matches!(s["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")), "{s}");
            assert!(p["land_area_m2"].as_f64().unwrap() > 0.0, "{p}");
        }
    }
    let polygons = services.iter().filter(|s| s["geometry"]["type"] != "Point").count();
    assert!(polygons > 5 && polygons < services.len(), "{polygons} of {}", services.len());
    let network = features(&out.join("network.geojson"));
    assert!(network.len() > 1000, "{}", network.len());

    // The layers feed `analyze` as they are, with the walking network.
    let analysed = dir.path().join("analysis");
    let o = lifecircle()
        .arg("analyze")
        .arg("--residences")
        .arg(out.join("residences.geojson"))
        .arg("--services")
        .arg(out.join("services.geojson"))
        .arg("--network")
        .arg(out.join("network.geojson"))
        .arg("--catchments")
        .arg("none")
        .arg("--out")
        .arg(&analysed)
        .output()
        .unwrap();
    assert_success(&o);
    let summary = read_json(&analysed.join("summary.json"));
    assert!(summary.is_object());
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dir = temp_dir();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(threads);
        let o = lifecircle()
            .env("RAYON_NUM_THREADS", threads)
            .arg("import-osm")
            .arg(helsinki_pbf())
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(o.status.success());
        assert!(o.stdout.is_empty());
        outputs.push(out);
    }
    for name in ["residences.geojson", "services.geojson", "network.geojson"] {
        let a = std::fs::read(outputs[0].join(name)).unwrap();
        assert_eq!(a, std::fs::read(outputs[1].join(name)).unwrap(), "{name}");
    }
}

#[test]
fn population_layer_is_allocated_keeping_each_total() {
    let dir = temp_dir();
    let square = |x0: f64, y0: f64, x1: f64, y1: f64| serde_json::json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]});
    let layer = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(24.0, 60.0, 26.0, 61.0), "properties": {"pop": 1234.5}},
        {"type": "Feature", "geometry": square(10.0, 50.0, 10.1, 50.1), "properties": {"pop": 77}},
        {"type": "Feature", "geometry": square(11.0, 50.0, 11.1, 50.1), "properties": {"pop": 0}},
    ]});
    let pop = dir.path().join("pop.geojson");
    std::fs::write(&pop, layer.to_string()).unwrap();
    let out = dir.path().join("osm");
    let o = import(&helsinki_pbf(), &out, &["--population", pop.to_str().unwrap(), "--population-field", "pop"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_success(&o);
    assert!(stdout.contains("1234.5 allocated to 59 buildings; 77.0 in 1 features found no building"), "{stdout}");
    let residences = features(&out.join("residences.geojson"));
    let total: f64 = residences.iter().map(|r| r["properties"]["population"].as_f64().unwrap()).sum();
    assert!((total - 1234.5).abs() < 1e-6, "{total}");
    assert!(residences.iter().all(|r| r["properties"]["population_source"] == "population_layer"));
    // Larger floor area, more people.
    let by_floor = |r: &Value| r["properties"]["floor_area_m2"].as_f64().unwrap();
    let largest = residences.iter().max_by(|a, b| by_floor(a).total_cmp(&by_floor(b))).unwrap();
    let smallest = residences.iter().min_by(|a, b| by_floor(a).total_cmp(&by_floor(b))).unwrap();
    assert!(largest["properties"]["population"].as_f64() > smallest["properties"]["population"].as_f64());

    let projected = dir.path().join("projected.geojson");
    let layer = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(385000.0, 6672000.0, 386000.0, 6673000.0), "properties": {"pop": 5}},
    ]});
    std::fs::write(&projected, layer.to_string()).unwrap();
    let args = ["--population", projected.to_str().unwrap(), "--population-field", "pop"];
    let o = import(&helsinki_pbf(), &dir.path().join("x"), &args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("feature 0: field 'geometry': coordinates are not lon/lat"));
    let o = import(&helsinki_pbf(), &dir.path().join("x"), &["--population", pop.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no population field 'population'"));
}

#[test]
fn mapping_table_can_be_replaced() {
    let dir = temp_dir();
    let table = dir.path().join("mapping.toml");
    std::fs::write(&table, "[[rule]]\ntag = \"amenity=pharmacy\"\ncategory = \"clinic\"\n").unwrap();
    let out = dir.path().join("osm");
    let o = import(&helsinki_pbf(), &out, &["--mapping", table.to_str().unwrap()]);
    assert_success(&o);
    let services = features(&out.join("services.geojson"));
    assert!(!services.is_empty());
    assert!(services.iter().all(|s| s["properties"]["osm_tag"] == "amenity=pharmacy"));
    let o = lifecircle().args(["import-osm", "--print-mapping"]).output().unwrap();
    assert!(o.status.success());
    let printed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(printed, lifecircle::osm::BUILT_IN_MAPPING);
}

#[test]
fn broken_truncated_and_missing_files_are_clear_errors() {
    let dir = temp_dir();
    let bytes = std::fs::read(helsinki_pbf()).unwrap();
    let truncated = dir.path().join("truncated.osm.pbf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = dir.path().join("garbage.osm.pbf");
    std::fs::write(&garbage, "this is not a pbf file\n").unwrap();
    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, "").unwrap();
    for (file, expect) in [
        (&truncated, "not a readable OpenStreetMap PBF file (broken or truncated?)"),
        (&garbage, "not a readable OpenStreetMap PBF file"),
        (&empty, "the file is empty"),
        (&dir.path().join("missing.osm.pbf"), "cannot read"),
    ] {
        let out = dir.path().join("out");
        let o = import(file, &out, &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(expect), "{stderr}");
        assert!(!out.join("residences.geojson").exists());
    }
    let o = import(&helsinki_pbf(), &dir.path().join("o"), &["--m2-per-household", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--m2-per-household 0 must be a positive number"));
}

#[test]
fn analyze_osm_imports_and_uses_the_footway_network() {
    let dir = temp_dir();
    let out = dir.path().join("a");
    let o = lifecircle()
        .arg("analyze")
        .arg("--osm")
        .arg(helsinki_pbf())
        .args(["--catchments", "none", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("59 residences"));
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["distance_model"], "network");
    assert_eq!(summary["residences"], 59);
    let o = lifecircle()
        .arg("analyze")
        .arg("--osm")
        .arg(helsinki_pbf())
        .args(["--distance", "euclidean", "--catchments", "none", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o);
    assert_eq!(read_json(&out.join("summary.json"))["distance_model"], "euclidean");
    let o = lifecircle().arg("analyze").arg("--osm").arg(helsinki_pbf()).args(["--residences", "x.geojson"]).output();
    assert_eq!(o.unwrap().status.code(), Some(2));
}

#[test]
fn household_options_reach_the_estimate() {
    let dir = temp_dir();
    let out = dir.path().join("osm");
    let args = ["--default-levels", "2", "--m2-per-household", "50", "--household-size", "3", "--quiet"];
    let o = import(&helsinki_pbf(), &out, &args);
    assert_success(&o);
    let residences = features(&out.join("residences.geojson"));
    let mut defaulted = 0;
    for r in &residences {
        let p = &r["properties"];
        if p["levels_defaulted"] == true {
            assert_eq!(p["levels"], 2, "{p}");
            defaulted += 1;
        }
        let households = p["households"].as_u64().unwrap();
        assert_eq!(households, ((p["floor_area_m2"].as_f64().unwrap() / 50.0).round() as u64).max(1), "{p}");
        assert!((p["population"].as_f64().unwrap() - 3.0 * households as f64).abs() < 1e-9, "{p}");
    }
    assert!(defaulted > 0);
    let o = import(&helsinki_pbf(), &out, &["--default-levels", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

fn kamppi_osm() -> PathBuf {
    fixture("helsinki-kamppi.osm")
}

#[test]
fn osm_xml_fixture_imports_and_analyses() {
    let dir = temp_dir();
    let out = dir.path().join("osm");
    let o = import(&kamppi_osm(), &out, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_success(&o);
    assert!(stdout.contains("read ") && stdout.contains("1352 nodes, 236 ways, 38 relations"), "{stdout}");
    assert_eq!(features(&out.join("residences.geojson")).len(), 19);
    assert_eq!(features(&out.join("services.geojson")).len(), 2);
    assert_eq!(features(&out.join("network.geojson")).len(), 237);
    let o = lifecircle()
        .arg("analyze")
        .arg("--osm")
        .arg(kamppi_osm())
        .args(["--catchments", "none", "--quiet", "--out"])
        .arg(dir.path().join("a"))
        .output()
        .unwrap();
    assert_success(&o);
    assert_eq!(read_json(&dir.path().join("a/summary.json"))["residences"], 19);
}

#[test]
fn osm_xml_fixture_reads_back_to_the_same_bytes() {
    use lifecircle::osm::{KeepAll, read_osm, write_xml};
    let original = std::fs::read(kamppi_osm()).unwrap();
    let osm = read_osm(&kamppi_osm(), &KeepAll, &lifecircle::NoProgress).unwrap();
    let mut written = Vec::new();
    write_xml(&osm, "lifecircle cut_fixture", &mut written).unwrap();
    assert!(written == original, "re-written fixture differs");
}

#[test]
fn xml_and_pbf_of_the_same_extract_give_the_same_layers() {
    use lifecircle::osm::{KeepAll, read_osm, write_xml};
    let dir = temp_dir();
    // The whole Helsinki extract as XML (every tagged element and way node, exact coordinates).
    let osm = read_osm(&helsinki_pbf(), &KeepAll, &lifecircle::NoProgress).unwrap();
    let xml = dir.path().join("helsinki.osm");
    let mut text = Vec::new();
    write_xml(&osm, "test", &mut text).unwrap();
    std::fs::write(&xml, text).unwrap();
    let (a, b) = (dir.path().join("pbf"), dir.path().join("xml"));
    for (input, out) in [(helsinki_pbf(), &a), (xml, &b)] {
        let o = import(&input, out, &["--quiet"]);
        assert_success(&o);
    }
    for name in ["residences.geojson", "services.geojson", "network.geojson"] {
        let (x, y) = (std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between the PBF and the XML import");
    }
    assert_eq!(features(&a.join("residences.geojson")).len(), 59);
}

#[test]
fn broken_osm_xml_is_a_clear_error() {
    let dir = temp_dir();
    let text = std::fs::read_to_string(kamppi_osm()).unwrap();
    let cases = [
        ("truncated.osm", text[..text.len() / 2].to_owned(), "not a readable OpenStreetMap XML file: line"),
        ("mismatched.osm", "<osm>\n<node id=\"1\" lat=\"1\" lon=\"2\">\n</way>\n</osm>\n".to_owned(), "line 3"),
        ("no-root.osm", "<gpx><trk/></gpx>\n".to_owned(), "no <osm> element"),
        ("empty.osm", String::new(), "the file is empty"),
        (
            "bad-lat.osm",
            "<osm>\n<node id=\"1\" lat=\"north\" lon=\"2\"/>\n</osm>\n".to_owned(),
            "line 2 (byte 40): <node>: attribute 'lat' = 'north' is not valid",
        ),
        ("no-id.osm", "<osm>\n<way>\n<nd ref=\"1\"/>\n</way>\n</osm>\n".to_owned(), "<way>: attribute 'id' is missing"),
    ];
    for (name, content, expect) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = dir.path().join("out");
        let o = import(&file, &out, &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{name}: {stderr}");
        assert!(stderr.contains(expect), "{name}: {stderr}");
        assert!(!out.join("residences.geojson").exists());
    }
}

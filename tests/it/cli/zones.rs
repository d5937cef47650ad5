//! `analyze --zones` and the gap grid: residences assigned to zones by point in polygon, zone
//! indicators, gap cells whose households add up, and the flags' errors.

use std::path::Path;

use serde_json::Value;

use crate::common::{assert_success, close, fixture, lifecircle, read_json, repo_path, temp_dir};

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
    let dir = temp_dir();
    let out = dir.path().join("out");
    let zones = fixture("helsinki_zones.geojson");
    let o = lifecircle()
        .args(["analyze", "--format", "csv", "--zones"])
        .arg(&zones)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o);
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
    assert_success(&o);
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
    let network = repo_path("data/network.geojson");
    for (shape, walk) in [("square", false), ("hex", false), ("square", true)] {
        let dir = temp_dir();
        let mut cmd = lifecircle();
        cmd.current_dir(dir.path()).args(["analyze", "--quiet", "--cell", "200", "--cell-shape", shape, "--out", "o"]);
        if walk {
            cmd.arg("--network").arg(&network);
        }
        let out = cmd.output().unwrap();
        assert_success(&out);
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
        let dir = temp_dir();
        let out = lifecircle().current_dir(dir.path()).arg("analyze").args(bad).args(["--out", "o"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(bad[0].split('=').next().unwrap()), "{bad:?}: {stderr}");
        assert!(!dir.path().join("o/gaps.geojson").exists());
    }
}

//! Tests of the loaders on small layers.

use super::*;
use crate::io::fields::FieldMap;
use crate::io::geojson_read::read_geojson_bytes;
use crate::io::layer::Layer;
use crate::progress::NoProgress;
use crate::standards::StandardProfile;
use geo::{Geometry, Validation};
use std::path::Path;

fn layer(name: &str, features: &[&str]) -> Layer {
    let text = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
    read_geojson_bytes(Path::new(name), text.as_bytes()).unwrap()
}

/// A bow-tie around (116.4, 39.9): the boundary crosses itself at the centre.
const BOWTIE: &str =
    r#"{"type":"Polygon","coordinates":[[[116.4,39.9],[116.401,39.901],[116.401,39.9],[116.4,39.901],[116.4,39.9]]]}"#;

#[test]
fn a_self_intersecting_facility_is_repaired_named_and_keeps_its_area() {
    let profile = StandardProfile::built_in("gb50180-2018").unwrap();
    let services = layer(
        "svc.geojson",
        &[
            r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[116.4,39.9]},"properties":{"id":"ok","category":"clinic"}}"#,
            &format!(r#"{{"type":"Feature","geometry":{BOWTIE},"properties":{{"id":"tie","category":"clinic"}}}}"#),
        ],
    );
    let load = load_facilities(services, &FieldMap::default(), None, &profile, true, &NoProgress).unwrap();
    assert_eq!(load.repaired.len(), 1, "{:?}", load.repaired);
    let r = &load.repaired[0];
    assert_eq!((r.layer.as_str(), r.feature, r.id.as_str()), ("svc.geojson", 1, "tie"));
    assert!(r.problem.contains("self-intersection"), "{}", r.problem);
    let tie = &load.facilities[1];
    assert!(Validation::is_valid(&tie.geometry), "{:?}", tie.geometry);
    // Two triangles, each a quarter of the ~85 m × 111 m cell.
    let area = tie.land_area_m2.unwrap();
    let cell = 85.37 * 111.04;
    assert!((area - cell / 2.0).abs() < 0.02 * cell, "area {area} m², expected about {}", cell / 2.0);
    assert!(load.facilities[0].land_area_m2.is_none(), "a point has no polygon area");
}

#[test]
fn the_bundled_samples_self_intersecting_residence_is_repaired() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("residences.geojson");
    let layer = crate::io::geojson_read::read_geojson(&path, &NoProgress).unwrap();
    let load = load_residences(layer, &FieldMap::default(), None, &ResidenceOptions::default(), &NoProgress).unwrap();
    let ids: Vec<&str> = load.repaired.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"r1858248"), "{ids:?}");
    for r in &load.items {
        assert!(Validation::is_valid(&r.geometry), "{} is still invalid", r.id);
    }
    let r = load.items.iter().find(|r| r.id == "r1858248").unwrap();
    assert!(geo::Area::unsigned_area(&r.geometry) > 0.0);
}

#[test]
fn a_self_intersecting_zone_is_repaired_but_a_flat_one_stays_an_error() {
    let tie = format!(r#"{{"type":"Feature","geometry":{BOWTIE},"properties":{{"id":"Z1"}}}}"#);
    let load = load_zones(layer("z.geojson", &[&tie]), &FieldMap::default(), None, &NoProgress).unwrap();
    assert_eq!(load.repaired.len(), 1);
    assert!(matches!(load.items[0].geometry, Geometry::MultiPolygon(ref mp) if mp.0.len() == 2));
    let flat = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[116.39,39.89],[116.4,39.89],[116.39,39.89],[116.39,39.89]]]},"properties":{"id":"Z2"}}"#;
    let e = load_zones(layer("z.geojson", &[flat]), &FieldMap::default(), None, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("Z2") && e.to_string().contains("no area"), "{e}");
}

#[test]
fn totals_that_overflow_are_an_error_naming_the_field() {
    let home = |id: &str, props: &str| {
        format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[116.4,39.9]}},"properties":{{"id":"{id}",{props}}}}}"#
        )
    };
    let run = |features: &[&str]| {
        load_residences(
            layer("r.geojson", features),
            &FieldMap::default(),
            None,
            &ResidenceOptions::default(),
            &NoProgress,
        )
    };
    let both = |h: &str| format!(r#""households":{h},"population":1"#);
    let e = run(&[&home("a", &both("1e308")), &home("b", &both("1e308"))]).unwrap_err().to_string();
    assert!(e.contains("feature 1 (id 'b')") && e.contains("field 'households'") && e.contains("total"), "{e}");
    // 1e308 households × 2.62 persons: the derived population is not a number.
    let e = run(&[&home("a", r#""households":1e308"#)]).unwrap_err().to_string();
    assert!(e.contains("id 'a'") && e.contains("field 'households'"), "{e}");
    let e = run(&[
        &home("a", r#""population":1e308,"households":1,"elderly":1e308"#),
        &home("b", r#""population":1e308,"households":1,"elderly":1e308"#),
    ])
    .unwrap_err()
    .to_string();
    assert!(e.contains("id 'b'") && e.contains("field 'population'"), "{e}");
    // Large but finite totals are fine, and derive without overflowing while rounding.
    let ok = run(&[&home("a", r#""households":1e305"#)]).unwrap();
    assert_eq!(ok.items[0].population, 1e305 * DEFAULT_HOUSEHOLD_SIZE);
}

//! Oracle property tests: the engine's answers against brute force on random inputs.
//!
//! Failing cases proptest once found are kept as seeds in `properties_tests.proptest-regressions`
//! beside this file and replayed before the random cases (the file is named explicitly below).
//! They are unit tests of the crate (they drive `analysis::analyze` and the GCJ-02 functions,
//! which are not public), moved here from `tests/it/` when the modules became private.

use crate::analysis::{AnalysisOptions, analyze, round_decimetre};
use crate::crs::gcj02;
use crate::model::{Facility, Residence};
use crate::standards::StandardProfile;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn residence(i: usize, lonlat: [f64; 2], households: f64) -> Residence {
    Residence::point(format!("r{i}"), households, households * 2.62, lonlat)
}

fn facility(i: usize, category: usize, lonlat: [f64; 2]) -> Facility {
    Facility::point(format!("f{i}"), category, lonlat)
}

/// Points within about 3 km × 3 km near Beijing.
fn lonlat() -> impl Strategy<Value = [f64; 2]> {
    (116.38f64..116.42, 39.89f64..39.92).prop_map(|(x, y)| [x, y])
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=n for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/properties_tests.proptest-regressions"
        )))),
        ..ProptestConfig::default()
    })]

    /// Every distance, nearest facility and coverage flag equals a brute-force scan over all
    /// facilities serving the category (own category plus "also serves").
    #[test]
    fn nearest_distances_equal_brute_force(
        res in prop::collection::vec((lonlat(), 1.0f64..50.0), 1..60),
        fac in prop::collection::vec((lonlat(), 0usize..17), 0..80),
        detour in 1.0f64..1.5,
    ) {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let residences: Vec<_> = res.iter().enumerate().map(|(i, (ll, h))| residence(i, *ll, *h)).collect();
        let facilities: Vec<_> = fac.iter().enumerate().map(|(i, (ll, c))| facility(i, *c, *ll)).collect();
        let a = analyze(p.clone(), residences, facilities, None, AnalysisOptions { detour, ..AnalysisOptions::default() }, crate::progress::SILENT).unwrap();
        for (r, res) in a.residences.iter().enumerate() {
            for c in 0..p.categories.len() {
                let best = a
                    .facilities
                    .iter()
                    .filter(|f| p.served_by(c).contains(&f.category))
                    .map(|f| ((f.xy[0] - res.xy[0]).powi(2) + (f.xy[1] - res.xy[1]).powi(2)).sqrt())
                    .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))));
                let got = a.coverage.distance(r, c);
                prop_assert_eq!(got, best.map(round_decimetre), "residence {} category {}", r, c);
                if let Some(n) = a.coverage.nearest(r, c) {
                    let f = &a.facilities[n];
                    prop_assert!(p.served_by(c).contains(&f.category));
                    let d = ((f.xy[0] - res.xy[0]).powi(2) + (f.xy[1] - res.xy[1]).powi(2)).sqrt();
                    prop_assert_eq!(round_decimetre(d), got.unwrap());
                }
                let expected_ok = a.radii_m[c].map(|radius| best.is_some_and(|d| round_decimetre(d) <= radius));
                prop_assert_eq!(a.covered(r, c), expected_ok);
            }
        }
        // Facility reach equals a brute-force count.
        for (i, f) in a.facilities.iter().enumerate() {
            let expected = a.radii_m[f.category].map(|radius| {
                a.residences
                    .iter()
                    .filter(|r| round_decimetre(((f.xy[0] - r.xy[0]).powi(2) + (f.xy[1] - r.xy[1]).powi(2)).sqrt()) <= radius)
                    .map(|r| r.households)
                    .sum::<f64>()
            });
            let got = a.reach[i].map(|r| r.households);
            match (got, expected) {
                (Some(g), Some(e)) => prop_assert!((g - e).abs() < 1e-9, "facility {} {} vs {}", i, g, e),
                (g, e) => prop_assert_eq!(g.is_some(), e.is_some()),
            }
        }
    }

    /// GCJ-02 and BD-09 conversions round-trip to well under a centimetre inside China.
    #[test]
    fn gcj02_round_trips(lon in 75.0f64..134.0, lat in 19.0f64..53.0) {
        let (glon, glat) = gcj02::wgs84_to_gcj02(lon, lat);
        let (back_lon, back_lat) = gcj02::gcj02_to_wgs84(glon, glat);
        prop_assert!((back_lon - lon).abs() < 1e-7 && (back_lat - lat).abs() < 1e-7);
        // and the offset is real (tens to hundreds of metres), so the test cannot pass by identity
        let shift_m = ((glon - lon) * 111_320.0 * lat.to_radians().cos()).hypot((glat - lat) * 110_574.0);
        prop_assert!(shift_m > 1.0, "no GCJ offset at {} {}", lon, lat);
    }
}

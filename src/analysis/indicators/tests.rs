//! Tests of the zone indicators on a small hand-made case.

use super::*;
use crate::analysis::{AnalysisOptions, analyze};
use crate::model::{Facility, Residence, ZoneAttributes};
use crate::standards::StandardProfile;
use geo::{Geometry, LineString, Polygon};

/// Metres → degrees near (116.4, 39.9), roughly (distances in the case keep ≥ 5 m margins).
fn at(x: f64, y: f64) -> [f64; 2] {
    let lat0: f64 = 39.9;
    [116.4 + x / (111_320.0 * lat0.to_radians().cos()), lat0 + y / 110_574.0]
}

fn residence(id: &str, xy: (f64, f64), households: f64, population: f64) -> Residence {
    let p = at(xy.0, xy.1);
    Residence::point(id, households, population, p)
}

fn facility(p: &StandardProfile, id: &str, cat: &str, xy: (f64, f64)) -> Facility {
    let q = at(xy.0, xy.1);
    Facility::point(id, p.index_of(cat).unwrap(), q)
}

fn square(id: &str, x0: f64, size: f64, attributes: ZoneAttributes) -> Zone {
    let ring: Vec<(f64, f64)> = [(x0, 0.0), (x0 + size, 0.0), (x0 + size, size), (x0, size), (x0, 0.0)]
        .iter()
        .map(|&(x, y)| {
            let p = at(x, y);
            (p[0], p[1])
        })
        .collect();
    Zone {
        id: id.into(),
        name: None,
        geometry: Geometry::Polygon(Polygon::new(LineString::from(ring), vec![])),
        attributes,
    }
}

/// Every indicator, with targets from the provincial plans (standards.md §3–§4).
const EVERY_INDICATOR: &str = r#"
    id = "every"
    extends = "gb50180-2018"
    indicators = [
        { id = "service_area_per_100_households", name_zh = "每百户", name_en = "per 100 households", target = 30, source = "s" },
        { id = "service_area_total", name_zh = "总面积", name_en = "total", target = 300, source = "s" },
        { id = "activity_share", name_zh = "活动", name_en = "activity", target = 0.6, source = "s" },
        { id = "office_share", name_zh = "办公", name_en = "office", target = 0.3, comparison = "at_most", applies_to = "rural", source = "s" },
        { id = "workers_per_10k", name_zh = "社工", name_en = "workers", target = 18, applies_to = "urban", source = "s" },
        { id = "social_orgs_per_community", name_zh = "组织", name_en = "orgs", target = 12, target_rural = 6, min_households = 150, min_households_rural = 300, source = "s" },
        { id = "social_workers_per_community", name_zh = "社工", name_en = "social workers", target = 1, source = "s" },
        { id = "registered_volunteers_share", name_zh = "志愿者", name_en = "volunteers", target = 0.2, source = "s" },
        { id = "volunteer_station_share", name_zh = "志愿站", name_en = "stations", target = 0.8, source = "s" },
        { id = "market_coverage", name_zh = "菜市场", name_en = "market", target = 0.95, source = "s" },
        { id = "elderly_health_adjacency", name_zh = "医养", name_en = "adjacency", target = 1, source = "s" },
        { id = "elderly_circle_1n", name_zh = "1+N", name_en = "1+N", target = 1, source = "s" },
        { id = "open_hours_share", name_zh = "开放", name_en = "hours", target = 1, source = "s" },
        { id = "facility_coverage", name_zh = "覆盖", name_en = "coverage", target = 1, target_rural = 0.8, source = "s" },
        { id = "village_service_area", name_zh = "村", name_en = "village", target = 300, applies_to = "rural", source = "s" },
        { id = "rural_centre_area", name_zh = "中心", name_en = "centre", target = 1000, applies_to = "rural", source = "s" },
    ]
"#;

fn case() -> (Analysis, ZoneReport) {
    let p = StandardProfile::from_toml_str(EVERY_INDICATOR, "every").unwrap();
    let residences = vec![
        residence("r1", (100.0, 100.0), 100.0, 250.0),
        residence("r2", (300.0, 300.0), 100.0, 250.0),
        residence("r3", (650.0, 100.0), 50.0, 120.0),
        residence("outside", (2000.0, 2000.0), 1.0, 2.0),
    ];
    let mut e1 = facility(&p, "e1", "elderly_daycare", (110.0, 100.0));
    e1.land_area_m2 = Some(30.0);
    let mut cs1 = facility(&p, "cs1", "community_service", (200.0, 200.0));
    (cs1.floor_area_m2, cs1.activity_area_m2, cs1.office_area_m2, cs1.open_hours) =
        (Some(200.0), Some(130.0), Some(40.0), Some(10.0));
    let facilities = vec![
        e1,
        cs1,
        facility(&p, "v1", "volunteer_station", (230.0, 200.0)),
        facility(&p, "c1", "clinic", (150.0, 100.0)),
        facility(&p, "m1", "market", (100.0, 150.0)),
        facility(&p, "cs2", "community_service", (600.0, 200.0)),
        facility(&p, "eh", "elderly_home", (700.0, 100.0)),
    ];
    let a = analyze(p, residences, facilities, None, AnalysisOptions::default(), crate::progress::SILENT).unwrap();
    let urban = ZoneAttributes {
        rural: Some(false),
        community_workers: Some(9.0),
        social_orgs: Some(12.0),
        social_workers: Some(1.0),
        registered_volunteers: Some(50.0),
        open_hours: None,
    };
    let rural = ZoneAttributes { rural: Some(true), ..ZoneAttributes::default() };
    let z = a.zones(ZoneSource::Layer(vec![square("A", 0.0, 400.0, urban), square("B", 400.0, 400.0, rural)]));
    (a, z)
}

fn get<'a>(a: &Analysis, z: &'a ZoneReport, zone: usize, id: &str) -> &'a IndicatorValue {
    let k = a.profile.indicators.iter().position(|r| r.id.as_str() == id).unwrap();
    &z.stats[zone].indicators[k]
}

#[test]
fn every_indicator_on_a_hand_made_case() {
    let (a, z) = case();
    assert_eq!(z.residence_zone, vec![0, 0, 1, NO_ZONE]);
    assert_eq!(z.facility_zone, vec![0, 0, 0, 0, 0, 1, 1]);
    assert_eq!((z.stats[0].households, z.stats[0].population, z.stats[0].facilities), (200.0, 500.0, 5));
    let pass = |v: f64| (Some(v), Status::Pass);
    let fail = |v: f64| (Some(v), Status::Fail);
    let na = (None, Status::NotAssessed);
    let want_a = [
        ("elderly_land_per_capita", fail(0.06)),          // 30 m² / 500 residents
        ("service_area_per_100_households", pass(100.0)), // 200 m² / 200 households × 100
        ("service_area_total", fail(200.0)),
        ("activity_share", pass(0.65)),
        ("office_share", na),             // rural only
        ("workers_per_10k", pass(180.0)), // 9 / 500 × 10,000
        ("social_orgs_per_community", pass(12.0)),
        ("social_workers_per_community", pass(1.0)),
        ("registered_volunteers_share", fail(0.1)),
        ("volunteer_station_share", pass(1.0)),  // v1 30 m from cs1
        ("market_coverage", pass(1.0)),          // r1 50 m, r2 250 m from m1
        ("elderly_health_adjacency", pass(1.0)), // c1 40 m from e1
        ("elderly_circle_1n", pass(1.0)),        // eh 600 m and 447 m away
        ("open_hours_share", pass(1.0)),
        ("facility_coverage", pass(1.0)),
        ("village_service_area", na),
        ("rural_centre_area", na),
    ];
    for (id, (value, status)) in want_a {
        let v = get(&a, &z, 0, id);
        assert_eq!((v.value, v.status), (value, status), "zone A {id}: {v:?}");
    }
    assert_eq!(get(&a, &z, 0, "elderly_land_per_capita").target, Some(0.1));
    assert_eq!(get(&a, &z, 0, "office_share").target, None, "not applicable: no target");
    let want_b = [
        ("elderly_land_per_capita", na),         // eh has no land area
        ("service_area_per_100_households", na), // cs2 has no floor area
        ("office_share", na),
        ("workers_per_10k", na),              // urban only
        ("social_orgs_per_community", na),    // 50 households < 300
        ("social_workers_per_community", na), // no attribute
        ("market_coverage", fail(0.0)),       // r3 ≈ 552 m from m1 > 500 m
        ("elderly_health_adjacency", fail(0.0)),
        ("volunteer_station_share", fail(0.0)),
        ("open_hours_share", na),
        ("facility_coverage", pass(1.0)),
        ("village_service_area", na),
        ("rural_centre_area", na), // the only floor area is unknown
    ];
    for (id, (value, status)) in want_b {
        let v = get(&a, &z, 1, id);
        assert_eq!((v.value, v.status), (value, status), "zone B {id}: {v:?}");
    }
    let e = get(&a, &z, 1, "elderly_land_per_capita");
    assert_eq!(e.missing, 1);
    assert!(e.note.as_deref().unwrap().contains("land area"), "{e:?}");
    assert_eq!(get(&a, &z, 1, "facility_coverage").target, Some(0.8), "rural target");
    assert!(get(&a, &z, 1, "workers_per_10k").note.as_deref().unwrap().contains("urban"));
    let s = z.summary(&a);
    assert_eq!((s.residences_unassigned, s.unassigned_residence_ids.clone()), (1, vec!["outside".to_owned()]));
    let land = &s.indicators[0];
    assert_eq!((land.pass, land.fail, land.not_assessed), (0, 1, 1));
}

#[test]
fn not_assessed_never_passes_and_attributes_decide() {
    let (a, z) = case();
    for s in &z.stats {
        for v in &s.indicators {
            assert_eq!(v.value.is_none(), v.status == Status::NotAssessed, "{v:?}");
            if v.status == Status::NotAssessed {
                assert!(v.note.is_some(), "a not_assessed value says why: {v:?}");
            }
        }
    }
    // A rural centre with a known 1,200 m² passes even when another facility's area is unknown.
    let mut facilities = a.facilities.clone();
    let mut big = facilities[5].clone();
    big.id = "cs3".into();
    big.floor_area_m2 = Some(1200.0);
    facilities.push(big);
    let b = analyze(
        a.profile.clone(),
        a.residences.clone(),
        facilities,
        None,
        AnalysisOptions::default(),
        crate::progress::SILENT,
    )
    .unwrap();
    let zones = z.zones.clone();
    let z2 = b.zones(ZoneSource::Layer(zones));
    let v = get(&b, &z2, 1, "rural_centre_area");
    assert_eq!((v.value, v.status), (Some(1200.0), Status::Pass));
}

#[test]
fn study_area_and_grid_hold_every_point() {
    let (a, _) = case();
    let whole = a.zones(ZoneSource::StudyArea);
    assert_eq!(whole.zones.len(), 1);
    assert_eq!(whole.stats[0].households, 251.0);
    // Shares agree with the per-residence verdicts and coverage flags.
    let share = |f: &dyn Fn(usize) -> bool| {
        let hh: f64 = (0..a.residences.len()).filter(|&r| f(r)).map(|r| a.residences[r].households).sum();
        Some(round4(hh / 251.0))
    };
    for k in 0..3 {
        assert_eq!(whole.stats[0].complete_share[k], share(&|r| a.verdict(r).complete[k]), "tier {k}");
    }
    for c in 0..a.profile.categories.len() {
        let want = if a.radii_m[c].is_some() { share(&|r| a.covered(r, c) == Some(true)) } else { None };
        assert_eq!(whole.stats[0].covered_share[c], want, "category {c}");
    }
    assert!(whole.stats[0].covered_share.iter().flatten().any(|&v| v > 0.0 && v < 1.0), "a non-trivial share");
    assert!(whole.unassigned_residences().is_empty());
    let grid = a.zones(ZoneSource::Grid(250.0));
    assert!(grid.unassigned_residences().is_empty() && grid.unassigned_facilities().is_empty());
    let total: f64 = grid.stats.iter().map(|s| s.households).sum();
    assert_eq!(total, 251.0);
    assert_eq!(grid.stats.iter().map(|s| s.residences + s.facilities).sum::<usize>(), 11);
}

//! Zone benchmark (a plain `fn main`; figures, not a timed test): 1,000,000 residences and
//! 1,000 irregular zones, zone assignment and every indicator of the `hunan-2022` profile.
//!
//! ```text
//! cargo bench --bench zones             # 1,000,000 residences × 1,000 zones
//! cargo bench --bench zones -- --quick  # 100,000 residences
//! ```
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a smoke test on 5,000 residences.
//! Environment overrides: `LIFECIRCLE_BENCH_RESIDENCES`, `LIFECIRCLE_BENCH_REPEATS` (default 3,
//! medians printed).
//!
//! The city is generated in memory (seeded): a 20 km × 20 km area around Changsha with
//! residences clustered around 400 centres; zones are a 40 × 25 lattice of quadrilaterals with
//! jittered corners whose shared edges wiggle through 16 extra vertices (so ~68 vertices per
//! zone, tiling the area without gaps); facilities of eight categories with land, floor,
//! activity areas and opening hours. It prints the analysis time (not the target), then the
//! median of `Analysis::zones` (prepared-polygon index, point-in-polygon of every residence and
//! facility, zone sums, every indicator) and of the point-in-polygon step alone.

mod support;

use std::time::{Duration, Instant};

use geo::{Geometry, LineString, Point, Polygon};

use lifecircle::AnalysisOptions;
use lifecircle::Result;
use lifecircle::StandardProfile;
use lifecircle::internals::LocalProjection;
use lifecircle::internals::ZoneAttributes;
use lifecircle::internals::ZoneIndex;
use lifecircle::internals::ZoneSource;
use lifecircle::internals::analyze;
use lifecircle::{Facility, Residence, Zone};

use lifecircle::fixtures::SplitMix64;
use support::memory::peak_memory;
use support::{env_usize, median, secs};

const SIDE_M: f64 = 20_000.0;
const COLS: usize = 40;
const ROWS: usize = 25;

/// A jittered lattice corner, the same for every zone that shares it.
fn corner(i: usize, j: usize) -> (f64, f64) {
    let (w, h) = (SIDE_M / COLS as f64, SIDE_M / ROWS as f64);
    let inner = |k: usize, n: usize| k > 0 && k < n;
    let mut r = SplitMix64((i * 1000 + j) as u64 + 17);
    let jx = if inner(i, COLS) { (r.uniform() - 0.5) * 0.4 * w } else { 0.0 };
    let jy = if inner(j, ROWS) { (r.uniform() - 0.5) * 0.4 * h } else { 0.0 };
    (i as f64 * w + jx, j as f64 * h + jy)
}

/// The wiggled edge from corner a to corner b (without b), identical (reversed) from b to a.
fn edge(a: (usize, usize), b: (usize, usize)) -> Vec<(f64, f64)> {
    let (lo, hi, reversed) = if a <= b { (a, b, false) } else { (b, a, true) };
    let (p, q) = (corner(lo.0, lo.1), corner(hi.0, hi.1));
    let on_border = (lo.0 == hi.0 && (lo.0 == 0 || lo.0 == COLS)) || (lo.1 == hi.1 && (lo.1 == 0 || lo.1 == ROWS));
    let mut r = SplitMix64((lo.0 * 7919 + lo.1 * 104_729 + hi.0 * 31 + hi.1) as u64);
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let mut pts: Vec<(f64, f64)> = (0..17)
        .map(|k| {
            let t = k as f64 / 17.0;
            let off = if k == 0 || on_border { 0.0 } else { (r.uniform() - 0.5) * 0.04 };
            (p.0 + t * dx - off * dy, p.1 + t * dy + off * dx)
        })
        .collect();
    pts.push(q);
    if reversed {
        pts.reverse();
    }
    pts.pop();
    pts
}

fn zones(proj: &LocalProjection) -> Vec<Zone> {
    let mut out = Vec::with_capacity(COLS * ROWS);
    for j in 0..ROWS {
        for i in 0..COLS {
            let cs = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let mut ring: Vec<(f64, f64)> = (0..4).flat_map(|k| edge(cs[k], cs[(k + 1) % 4])).collect();
            ring.push(ring[0]);
            let ring: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| proj.inverse(x, y)).collect();
            let mut attrs = ZoneAttributes { rural: Some(false), ..ZoneAttributes::default() };
            if (i + j) % 3 != 0 {
                attrs.community_workers = Some(((i * 7 + j * 3) % 40) as f64);
                attrs.registered_volunteers = Some(((i * 131 + j * 17) % 2000) as f64);
                attrs.social_orgs = Some(((i + j) % 20) as f64);
            }
            out.push(Zone {
                id: format!("z{j:02}{i:02}"),
                name: None,
                geometry: Geometry::Polygon(Polygon::new(LineString::from(ring), vec![])),
                attributes: attrs,
            });
        }
    }
    out
}

fn city(n: usize, profile: &StandardProfile, proj: &LocalProjection) -> (Vec<Residence>, Vec<Facility>) {
    let mut rng = SplitMix64(42);
    let centres: Vec<(f64, f64)> = (0..400).map(|_| (rng.uniform() * SIDE_M, rng.uniform() * SIDE_M)).collect();
    let inside = |v: f64| v.clamp(1.0, SIDE_M - 1.0);
    let mut residences = Vec::with_capacity(n);
    for k in 0..n {
        let c = centres[(rng.next_u64() % 400) as usize];
        let (a, d) = (rng.uniform() * std::f64::consts::TAU, rng.uniform().sqrt() * 900.0);
        let (lon, lat) = proj.inverse(inside(c.0 + d * a.cos()), inside(c.1 + d * a.sin()));
        let households = 1.0 + (rng.next_u64() % 60) as f64;
        residences.push(Residence {
            id: format!("r{k}"),
            households,
            population: households * 2.62,
            elderly: None,
            geometry: Geometry::Point(Point::new(lon, lat)),
            lonlat: [lon, lat],
            xy: [0.0, 0.0],
        });
    }
    let plan = [
        ("community_service", 2000),
        ("volunteer_station", 1500),
        ("elderly_home", 500),
        ("elderly_daycare", 1000),
        ("clinic", 1000),
        ("health_center", 200),
        ("market", 1000),
        ("kindergarten", 1000),
    ];
    let mut facilities = Vec::new();
    for (cat, count) in plan {
        let category = profile.index_of(cat).expect("category of the base profile");
        for _ in 0..count {
            let c = centres[(rng.next_u64() % 400) as usize];
            let (a, d) = (rng.uniform() * std::f64::consts::TAU, rng.uniform().sqrt() * 1200.0);
            let (lon, lat) = proj.inverse(inside(c.0 + d * a.cos()), inside(c.1 + d * a.sin()));
            let floor = 200.0 + rng.uniform() * 1000.0;
            facilities.push(Facility {
                id: format!("f{}", facilities.len()),
                category,
                name: None,
                capacity: None,
                land_area_m2: Some(100.0 + rng.uniform() * 2000.0),
                floor_area_m2: Some(floor),
                activity_area_m2: Some(floor * (0.4 + rng.uniform() * 0.4)),
                office_area_m2: Some(floor * 0.2),
                open_hours: Some(4.0 + (rng.next_u64() % 12) as f64),
                volunteer_station: None,
                geometry: Geometry::Point(Point::new(lon, lat)),
                lonlat: [lon, lat],
                xy: [0.0, 0.0],
            });
        }
    }
    (residences, facilities)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let benching = args.iter().any(|a| a == "--bench");
    let quick = args.iter().any(|a| a == "--quick");
    let n = env_usize("LIFECIRCLE_BENCH_RESIDENCES").unwrap_or(if !benching {
        5_000
    } else if quick {
        100_000
    } else {
        1_000_000
    });
    let repeats = if benching { env_usize("LIFECIRCLE_BENCH_REPEATS").unwrap_or(3).max(1) } else { 1 };
    let profile = StandardProfile::built_in("hunan-2022")?;
    let proj = LocalProjection::new(112.94, 28.23);
    let zones = zones(&proj);
    let (residences, facilities) = city(n, &profile, &proj);
    println!(
        "zones bench: {n} residences, {} facilities, {} zones (~{} vertices each), profile {} ({} indicators), {} threads",
        facilities.len(),
        zones.len(),
        zones
            .iter()
            .map(|z| if let Geometry::Polygon(p) = &z.geometry { p.exterior().0.len() } else { 0 })
            .sum::<usize>()
            / zones.len(),
        profile.id,
        profile.indicators.len(),
        rayon::current_num_threads()
    );
    let t = Instant::now();
    let a = analyze(profile, residences, facilities, None, AnalysisOptions::default(), lifecircle::SILENT)?;
    println!("analysis (not the target): {}", secs(t.elapsed()));
    let mut whole: Vec<Duration> = Vec::new();
    let mut pip: Vec<Duration> = Vec::new();
    let mut report = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let geometries: Vec<&Geometry<f64>> = zones.iter().map(|z| &z.geometry).collect();
        let index = ZoneIndex::new(&geometries);
        let points: Vec<[f64; 2]> = a.residences.iter().map(|r| r.lonlat).collect();
        let assigned = index.assign(&points);
        pip.push(t.elapsed());
        assert!(assigned.overlaps.is_empty());
        let t = Instant::now();
        report = Some(a.zones(ZoneSource::Layer(zones.clone())));
        whole.push(t.elapsed());
    }
    let report = report.expect("at least one repeat");
    let unassigned = report.unassigned_residences().len();
    let statuses: usize = report.stats.iter().map(|s| s.indicators.len()).sum();
    println!("point-in-polygon of every residence (index build + assign): median {}", secs(median(pip)));
    println!(
        "zones (assignment of residences and facilities + sums + every indicator): median {}  [{} verdicts, {unassigned} residences in no zone]",
        secs(median(whole)),
        statuses
    );
    if let Some(peak) = peak_memory() {
        println!("peak memory: {} MB", peak / 1_000_000);
    }
    Ok(())
}

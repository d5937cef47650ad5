//! Timing of `Analysis::gaps` (gap cells and dissolved gap areas) on a seeded synthetic city.
//!
//! ```text
//! cargo run --release --example gaps_bench -- [--residences 1000000] [--seed 42] [--repeats 3]
//! ```
//!
//! The city is built in memory: residences in 40 Gaussian districts over 30 km × 30 km around
//! central Beijing (like `examples/synthetic_city.rs`, without files), 300 facilities for each
//! of the six 15-minute categories of `benches/six-categories.toml` (1,000 m), scattered
//! uniformly so that every category leaves large gaps. After one straight-line analysis it
//! times `gaps` for 250 m and 100 m squares and hexagons, on one thread and on all threads
//! (the results must be identical), and prints the cell and area counts (medians of
//! `--repeats` runs).

use std::time::{Duration, Instant};

use lifecircle::StandardProfile;
use lifecircle::internals::analyze;
use lifecircle::{AnalysisOptions, CellShape};
use lifecircle::{Facility, Residence};

use lifecircle::fixtures::SplitMix64 as Rng;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// CPU time of the whole process so far (user + system, Linux `/proc/self/stat`, 10 ms
/// ticks): on a shared machine it says what a run costs when wall time does not.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> lifecircle::Result<()> {
    let n = arg("--residences", 1_000_000) as usize;
    let mut rng = Rng(arg("--seed", 42));
    let repeats = arg("--repeats", 3).max(1) as usize;
    let (lon0, lat0, half): (f64, f64, f64) = (116.40, 39.90, 15_000.0);
    let to_lonlat = |x: f64, y: f64| [lon0 + x / (111_320.0 * lat0.to_radians().cos()), lat0 + y / 110_574.0];
    let districts: Vec<(f64, f64, f64)> = (0..40)
        .map(|_| {
            let c = |r: &mut Rng| (r.normal() * 5400.0).clamp(-0.8 * half, 0.8 * half);
            (c(&mut rng), c(&mut rng), 300.0 + rng.uniform() * 1500.0)
        })
        .collect();
    let residences: Vec<Residence> = (0..n)
        .map(|i| {
            let (cx, cy, s) = districts[(rng.next_u64() % 40) as usize];
            let (x, y) = ((cx + rng.normal() * s).clamp(-half, half), (cy + rng.normal() * s).clamp(-half, half));
            let households = (20 + rng.next_u64() % 380) as f64;
            let lonlat = to_lonlat(x, y);
            Residence::point(format!("r{i}"), households, households * 2.62, lonlat)
        })
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = StandardProfile::load(&root.join("benches/six-categories.toml").to_string_lossy())?;
    let facilities: Vec<Facility> = (0..profile.categories.len() * 300)
        .map(|i| {
            let lonlat = to_lonlat((rng.uniform() * 2.0 - 1.0) * half, (rng.uniform() * 2.0 - 1.0) * half);
            Facility::point(format!("f{i}"), i / 300, lonlat)
        })
        .collect();
    let t = Instant::now();
    let a = analyze(profile, residences, facilities, None, AnalysisOptions::default(), lifecircle::SILENT)?;
    println!(
        "{n} residences × {} categories analysed in {:.2} s",
        a.profile.categories.len(),
        t.elapsed().as_secs_f64()
    );
    let one =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| lifecircle::Error::Option(e.to_string()))?;
    for (cell_m, shape) in
        [(250.0, CellShape::Square), (250.0, CellShape::Hex), (100.0, CellShape::Square), (100.0, CellShape::Hex)]
    {
        let mut times = [Vec::new(), Vec::new()];
        let mut cpu = Vec::new();
        let mut results = Vec::new();
        for _ in 0..repeats {
            let (t, c) = (Instant::now(), cpu_seconds());
            let single = one.install(|| a.gaps(cell_m, shape))?;
            times[0].push(t.elapsed());
            if let (Some(c0), Some(c1)) = (c, cpu_seconds()) {
                cpu.push(Duration::from_secs_f64(c1 - c0));
            }
            let t = Instant::now();
            let all = a.gaps(cell_m, shape)?;
            times[1].push(t.elapsed());
            assert!(single == all, "gaps differ between 1 and {} threads", rayon::current_num_threads());
            results.push(all);
        }
        let g = &results[0];
        let [t1, tn] = times.map(median);
        println!(
            "{cell_m} m {}: {} cells, {} areas (largest {} cells): 1 thread {:.3} s (CPU {:.2} s), {} threads {:.3} s",
            shape.as_str(),
            g.cells.len(),
            g.areas.len(),
            g.areas.iter().map(|x| x.cells.len()).max().unwrap_or(0),
            t1.as_secs_f64(),
            if cpu.is_empty() { f64::NAN } else { median(cpu).as_secs_f64() },
            rayon::current_num_threads(),
            tn.as_secs_f64()
        );
    }
    Ok(())
}

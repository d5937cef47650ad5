//! Walking-network benchmark (a plain `fn main`; figures, not a timed test).
//!
//! ```text
//! cargo bench --bench network             # Helsinki, Monaco, and the 1M-node synthetic grid city
//! cargo bench --bench network -- --quick  # the synthetic city at 250 × 250 nodes, 20,000 residences
//! ```
//!
//! Without the `--bench` flag that `cargo bench` passes (e.g. `cargo test --benches`) it runs a
//! smoke test: the bundled Helsinki data and a 60 × 60-node city, once.
//!
//! Every case runs end to end as `lifecircle analyze --network` does: `io::read_layer` of the
//! three layers, then `Job::run` (validate; analyse = project, straight-line
//! search, network build, snapping, one multi-source search per category, per-facility reach;
//! summarise; write households/facilities/summary), first without catchments and then with
//! `--catchments each`, printing the median of each step over `LIFECIRCLE_BENCH_REPEATS` runs
//! (default 3) and the peak memory (VmHWM) after the first run. `LIFECIRCLE_BENCH_CATCHMENTS=0`
//! skips the catchment runs; `LIFECIRCLE_BENCH_ONLY=synthetic` runs the synthetic city only.
//!
//! Cases:
//! 1. **Helsinki** — the bundled `data/` layers (real OSM, 2,372 walkable ways; all 17 categories
//!    of gb50180-2018).
//! 2. **Monaco** — `../shared/data/monaco-osrm/monaco.osm.pbf` turned into layers by
//!    `examples/prepare_sample.rs` (same rules as the sample) and cached in
//!    `target/bench-data/monaco/`; skipped with a note when the extract is not there.
//! 3. **Synthetic grid city** — `examples/synthetic_city.rs`: a 1,000 × 1,000-node street grid
//!    (30 m spacing over 30 km, 10 % of segments missing), 100,000 residences and 6 categories ×
//!    300 facilities (`benches/six-categories.toml`: 1,000 m each), cached under
//!    `target/bench-data/`. Target: under 5 s end to end on 2 cores, graph build included.

#[allow(dead_code)]
#[path = "../examples/synthetic_city.rs"]
mod synthetic_city;

mod support;

#[allow(dead_code)]
#[path = "../examples/prepare_sample.rs"]
mod prepare_sample;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lifecircle::CatchmentMode;
use lifecircle::Inputs;
use lifecircle::StandardProfile;
use lifecircle::{Job, Result};
use lifecircle::{ReadOptions, read_layer};

use support::memory::peak_memory;
use support::{env_usize, median, secs};
use synthetic_city::{CityParams, generate, generate_grid_network};

/// The three input layers of a case.
struct Case {
    name: String,
    residences: PathBuf,
    services: PathBuf,
    network: PathBuf,
    profile: StandardProfile,
}

/// Runs a case `repeats` times end to end and prints the median of every step.
fn run_case(case: &Case, repeats: usize, catchments: CatchmentMode) -> Result<()> {
    let out: PathBuf = std::env::temp_dir().join(format!("lifecircle-netbench-{}", std::process::id()));
    let read = ReadOptions::default();
    let mut names: Vec<String> = Vec::new();
    let mut steps: Vec<Vec<Duration>> = Vec::new();
    let mut totals = Vec::new();
    let mut facts = String::new();
    let mut peak = None;
    for run in 0..repeats {
        let t = Instant::now();
        let residences = read_layer(&case.residences, &read, &lifecircle::NoProgress)?;
        let services = read_layer(&case.services, &read, &lifecircle::NoProgress)?;
        let network = read_layer(&case.network, &read, &lifecircle::NoProgress)?;
        let read_time = t.elapsed();
        let mut job = Job::new(case.profile.clone(), &out);
        job.catchments = catchments;
        let inputs = Inputs { residences, services, network: Some(network), zones: None };
        let report = job.run(inputs, lifecircle::SILENT)?;
        totals.push(t.elapsed());
        let mut timings = vec![("read".to_owned(), read_time)];
        for t in &report.timings {
            timings.push((t.step.to_owned(), t.wall));
            if t.step == "analyse" {
                timings.extend(report.analysis.steps.iter().map(|(s, d)| (format!("  {s}"), *d)));
            }
        }
        for (k, (name, d)) in timings.into_iter().enumerate() {
            if run == 0 {
                names.push(name);
                steps.push(Vec::new());
            }
            steps[k].push(d);
        }
        if run == 0 {
            peak = peak_memory();
            let s = &report.summary;
            if let Some(n) = &s.network {
                facts = format!(
                    "{} residences, {} facilities, {} lines → {} nodes, {} edges ({} components dropped); \
                     unreachable: {} residences, {} facilities; median detour {}",
                    s.residences,
                    s.facilities,
                    n.build.lines,
                    n.build.nodes,
                    n.build.edges,
                    n.build.components_dropped,
                    n.unreachable_residences,
                    n.unreachable_facilities,
                    s.median_detour.map_or_else(|| "–".to_owned(), |d| format!("{d:.3}"))
                );
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    let mode = match catchments {
        CatchmentMode::None => "no catchments",
        CatchmentMode::Each => "--catchments each",
        CatchmentMode::Dissolve => "--catchments dissolve",
    };
    println!("\n{} ({mode}), median of {repeats}:", case.name);
    println!("   {facts}");
    for (name, d) in names.iter().zip(steps) {
        println!("   {name:<22} {}", secs(median(d)));
    }
    println!("   {:<22} {}", "total", secs(median(totals)));
    println!(
        "   peak memory (VmHWM, whole process so far): {}",
        peak.map_or("n/a".into(), |b| format!("{} MB", b / 1_000_000))
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let benching = args.iter().any(|a| a == "--bench");
    let quick = args.iter().any(|a| a == "--quick");
    let repeats = if benching { env_usize("LIFECIRCLE_BENCH_REPEATS").unwrap_or(3).max(1) } else { 1 };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("lifecircle network benchmark: {} threads, {repeats} run(s) per case", rayon::current_num_threads());
    let gb = StandardProfile::built_in("gb50180-2018")?;
    let mut cases = vec![Case {
        name: "Helsinki (bundled sample, 17 categories)".into(),
        residences: root.join("data/residences.geojson"),
        services: root.join("data/services.geojson"),
        network: root.join("data/network.geojson"),
        profile: gb.clone(),
    }];

    if benching {
        let pbf = root.join("../shared/data/monaco-osrm/monaco.osm.pbf");
        let dir = root.join("target/bench-data/monaco");
        if !dir.join("network.geojson").exists() && pbf.exists() {
            let t = Instant::now();
            let args = prepare_sample::Args {
                pbf: pbf.clone(),
                grid: root.join("data/source/population_grid_2020.geojson"),
                out: dir.clone(),
            };
            prepare_sample::prepare(&args).map_err(|e| lifecircle::Error::Option(e.to_string()))?;
            println!("prepared {} in {}", dir.display(), secs(t.elapsed()));
        }
        if dir.join("network.geojson").exists() {
            cases.push(Case {
                name: "Monaco (OSM, 17 categories)".into(),
                residences: dir.join("residences.geojson"),
                services: dir.join("services.geojson"),
                network: dir.join("network.geojson"),
                profile: gb.clone(),
            });
        } else {
            println!("(Monaco skipped: {} not found)", pbf.display());
        }
    }

    let (side, residences, per_category) = if !benching {
        (60, 2_000, 20)
    } else if quick {
        (250, 20_000, 100)
    } else {
        (1000, 100_000, 300)
    };
    let side = env_usize("LIFECIRCLE_BENCH_GRID").unwrap_or(side);
    let params = CityParams {
        residences: env_usize("LIFECIRCLE_BENCH_RESIDENCES").unwrap_or(residences),
        per_category: env_usize("LIFECIRCLE_BENCH_PER_CATEGORY").unwrap_or(per_category),
        ..CityParams::default()
    };
    let dir = root.join("target/bench-data").join(format!("{}-g{side}", params.slug()));
    if !dir.join("network.geojson").exists() {
        let t = Instant::now();
        generate(&params, &dir).map_err(lifecircle::Error::Option)?;
        generate_grid_network(&params, side, &dir).map_err(lifecircle::Error::Option)?;
        println!("generated {} in {}", dir.display(), secs(t.elapsed()));
    }
    cases.push(Case {
        name: format!(
            "synthetic grid city ({side} × {side} nodes, {} residences, 6 categories × {} facilities, 1,000 m)",
            params.residences, params.per_category
        ),
        residences: dir.join("residences.geojson"),
        services: dir.join("services.geojson"),
        network: dir.join("network.geojson"),
        profile: StandardProfile::load(&root.join("benches/six-categories.toml").to_string_lossy())?,
    });

    let catchments = env_usize("LIFECIRCLE_BENCH_CATCHMENTS") != Some(0);
    let only_synthetic = std::env::var("LIFECIRCLE_BENCH_ONLY").is_ok_and(|v| v == "synthetic");
    for case in &cases {
        if only_synthetic && !case.name.starts_with("synthetic") {
            continue;
        }
        run_case(case, repeats, CatchmentMode::None)?;
        if catchments {
            run_case(case, repeats, CatchmentMode::Each)?;
        }
    }
    Ok(())
}

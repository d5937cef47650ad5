//! Scale benchmark on a seeded synthetic city (a plain `fn main`; figures, not a timed test).
//!
//! ```text
//! cargo bench --bench coverage             # 1,000,000 residences × 6 categories × 2,000 facilities
//! cargo bench --bench coverage -- --quick  # 100,000 residences
//! ```
//!
//! Without the `--bench` flag that `cargo bench` passes (e.g. `cargo test --benches`) it runs
//! a smoke test on 2,000 residences, once. Environment overrides: `LIFECIRCLE_BENCH_RESIDENCES`,
//! `LIFECIRCLE_BENCH_PER_CATEGORY`, `LIFECIRCLE_BENCH_SEED`, `LIFECIRCLE_BENCH_REPEATS`
//! (default 3, medians printed).
//!
//! The city comes from `examples/synthetic_city.rs` (same code, same bytes; see its header for
//! the model) and is cached under `target/bench-data/<params>/`. The analysis uses
//! `benches/six-categories.toml`: the six 15-minute categories of GB 50180-2018 that the city
//! holds, 1,000 m each. It prints:
//! 1. end to end exactly as `lifecircle analyze` runs it (`io::read_layer` of both files, then
//!    `Job::run`: validate, analyse, summarise, write households/facilities/summary), with the
//!    median of each step;
//! 2. the query phase alone: `FacilityIndex::build` and the nearest facility for every residence
//!    and category, as the engine runs it (`nearest_block` over blocks of 64 residences in
//!    Hilbert order, sequential and parallel) and point by point (`nearest`, Hilbert and input
//!    order), as queries per second;
//! 3. peak memory (VmHWM of the whole process) after the first end-to-end run.

#[allow(dead_code)]
#[path = "../examples/synthetic_city.rs"]
mod synthetic_city;

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use lifecircle::Inputs;
use lifecircle::NoProgress;
use lifecircle::ResidenceOptions;
use lifecircle::StandardProfile;
use lifecircle::internals::project;
use lifecircle::internals::{FacilityIndex, hilbert_order};
use lifecircle::internals::{load_facilities, load_residences};
use lifecircle::{FieldMap, ReadOptions, read_layer};
use lifecircle::{Job, Result};

use support::memory::peak_memory;
use support::{env_usize, median, secs};
use synthetic_city::{CityParams, generate};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let benching = args.iter().any(|a| a == "--bench");
    let quick = args.iter().any(|a| a == "--quick");
    let mut params = CityParams::default();
    params.residences = if !benching {
        2_000
    } else if quick {
        100_000
    } else {
        1_000_000
    };
    params.per_category = if benching { 2_000 } else { 50 };
    params.residences = env_usize("LIFECIRCLE_BENCH_RESIDENCES").unwrap_or(params.residences);
    params.per_category = env_usize("LIFECIRCLE_BENCH_PER_CATEGORY").unwrap_or(params.per_category);
    params.seed = env_usize("LIFECIRCLE_BENCH_SEED").map_or(params.seed, |s| s as u64);
    let repeats = if benching { env_usize("LIFECIRCLE_BENCH_REPEATS").unwrap_or(3).max(1) } else { 1 };

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-data").join(params.slug());
    let (residences_path, services_path) = (dir.join("residences.geojson"), dir.join("services.geojson"));
    if !(residences_path.exists() && services_path.exists()) {
        let t = Instant::now();
        generate(&params, &dir).map_err(lifecircle::Error::Option)?;
        println!("generated {} in {}", dir.display(), secs(t.elapsed()));
    }
    let profile = StandardProfile::load(&root.join("benches/six-categories.toml").to_string_lossy())?;
    println!(
        "lifecircle benchmark: {} residences × {} categories × {} facilities each (seed {}), {} threads, {} run(s)",
        params.residences,
        params.categories,
        params.per_category,
        params.seed,
        rayon::current_num_threads(),
        repeats
    );

    // 1. End to end, as the CLI does it.
    let out: PathBuf = std::env::temp_dir().join(format!("lifecircle-bench-{}", std::process::id()));
    let read = ReadOptions::default();
    let (mut totals, mut reads) = (Vec::new(), Vec::new());
    let mut steps: Vec<Vec<Duration>> = Vec::new();
    let mut step_names = Vec::new();
    let mut peak_after_first = None;
    for run in 0..repeats {
        let t = Instant::now();
        let residences = read_layer(&residences_path, &read, &NoProgress)?;
        let services = read_layer(&services_path, &read, &NoProgress)?;
        reads.push(t.elapsed());
        let inputs = Inputs { residences, services, network: None, zones: None };
        let report = Job::new(profile.clone(), &out).run(inputs, lifecircle::SILENT)?;
        totals.push(t.elapsed());
        for (k, timing) in report.timings.iter().enumerate() {
            if run == 0 {
                step_names.push(timing.step);
                steps.push(Vec::new());
            }
            steps[k].push(timing.wall);
        }
        if run == 0 {
            peak_after_first = peak_memory();
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    println!("\n1. end to end (GeoJSON in → households.geojson, facilities.geojson, summary.json out), median:");
    println!("   read          {}", secs(median(reads)));
    for (name, d) in step_names.iter().zip(steps) {
        println!("   {name:<13} {}", secs(median(d)));
    }
    println!("   total         {}   (target: < 3 s)", secs(median(totals)));

    // 2. The query phase alone.
    let fields = FieldMap::default();
    let mut residences = load_residences(
        read_layer(&residences_path, &read, &NoProgress)?,
        &fields,
        None,
        &ResidenceOptions::default(),
        &NoProgress,
    )?
    .items;
    let mut facilities =
        load_facilities(read_layer(&services_path, &read, &NoProgress)?, &fields, None, &profile, true, &NoProgress)?
            .facilities;
    project(&mut residences, &mut facilities);
    let categories = profile.categories.len();
    let points: Vec<[f64; 2]> = residences.iter().map(|r| r.xy).collect();
    let queries = (points.len() * categories) as f64;
    let (mut builds, mut blocks_seq, mut blocks_par, mut hilbert, mut input) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut checksum = 0.0;
    const BLOCK: usize = 64;
    for _ in 0..repeats {
        let t = Instant::now();
        let index = FacilityIndex::build(&profile, &facilities);
        builds.push(t.elapsed());
        let order = hilbert_order(&points);
        let block_sum = |chunk: &[u32], block: &mut Vec<[f64; 2]>, candidates: &mut Vec<_>| -> f64 {
            block.clear();
            block.extend(chunk.iter().map(|&r| points[r as usize]));
            let mut sum = 0.0;
            for c in 0..categories {
                index.nearest_block(c, block, candidates, |_, answer| sum += answer.map_or(0.0, |(_, d)| d));
            }
            sum
        };
        let t = Instant::now();
        let (mut block, mut candidates) = (Vec::new(), Vec::new());
        checksum += order.chunks(BLOCK).map(|chunk| block_sum(chunk, &mut block, &mut candidates)).sum::<f64>();
        blocks_seq.push(t.elapsed());
        let t = Instant::now();
        checksum += order
            .par_chunks(BLOCK)
            .map_init(|| (Vec::new(), Vec::new()), |(block, candidates), chunk| block_sum(chunk, block, candidates))
            .sum::<f64>();
        blocks_par.push(t.elapsed());
        let point_sum = |order: &mut dyn Iterator<Item = usize>| -> f64 {
            let mut sum = 0.0;
            for r in order {
                for c in 0..categories {
                    sum += index.nearest(c, points[r]).map_or(0.0, |(_, d)| d);
                }
            }
            sum
        };
        let t = Instant::now();
        checksum += point_sum(&mut order.iter().map(|&r| r as usize));
        hilbert.push(t.elapsed());
        let t = Instant::now();
        checksum += point_sum(&mut (0..points.len()));
        input.push(t.elapsed());
    }
    let rate = |d: Duration| format!("{:>6.2} M queries/s", queries / d.as_secs_f64() / 1e6);
    println!(
        "\n2. query phase ({} residences × {categories} categories = {queries:.0} queries), median:",
        points.len()
    );
    println!("   index build (bulk load, {} facilities)        {}", facilities.len(), secs(median(builds)));
    let (bs, bp, h, i) = (median(blocks_seq), median(blocks_par), median(hilbert), median(input));
    println!("   blocks of {BLOCK} in Hilbert order, sequential     {}  {}", secs(bs), rate(bs));
    println!(
        "   blocks of {BLOCK} in Hilbert order, parallel       {}  {}   (aim: 10 M queries/s)",
        secs(bp),
        rate(bp)
    );
    println!("   point by point, Hilbert order, sequential    {}  {}", secs(h), rate(h));
    println!("   point by point, input order, sequential      {}  {}", secs(i), rate(i));
    println!("   (checksum {checksum:.1})");

    println!("\n3. peak memory (VmHWM, whole process)");
    let mb = |b: Option<u64>| b.map_or_else(|| "n/a".to_owned(), |b| format!("{} MB", b / 1_000_000));
    println!("   after the first end-to-end run   {}   (target: < 400 MB)", mb(peak_after_first));
    println!("   at the end                       {}", mb(peak_memory()));
    Ok(())
}

//! Scale benchmark of `lifecircle` on a synthetic city (plain `fn main`, no harness).
//!
//! ```text
//! cargo bench --bench coverage              # 1,000,000 residences × 6 categories × 2,000 facilities
//! cargo bench --bench coverage -- --quick   # 100,000 residences (or LIFECIRCLE_BENCH_QUICK=1)
//! ```
//!
//! Without the `--bench` argument that `cargo bench` passes (e.g. under `cargo test --benches`)
//! it only runs a smoke test on 2,000 residences × 50 facilities per category, once.
//!
//! Environment overrides: `LIFECIRCLE_BENCH_RESIDENCES`, `LIFECIRCLE_BENCH_CATEGORIES`,
//! `LIFECIRCLE_BENCH_PER_CATEGORY`, `LIFECIRCLE_BENCH_SEED`, `LIFECIRCLE_BENCH_REPEATS`
//! (default 3; medians are printed), `LIFECIRCLE_BENCH_DATA` (cache root, default
//! `target/bench-data`), `LIFECIRCLE_BENCH_PROFILE` (the standard to judge against: a built-in
//! id or a TOML file, default the built-in gb50180-2018 as the CLI; the city's category ids
//! always come from gb50180-2018, so a profile must know them). The city comes from `examples/synthetic_city.rs` (same code, same
//! bytes) and is cached under `<cache root>/<params>/`, so later runs skip generation. Outputs
//! go to a temporary folder under `$TMPDIR` (default `/tmp`), removed after each run.
//!
//! Sections:
//! 1. end to end exactly as `lifecircle analyze` does it: `io::read_layer` of both files, then
//!    `Job::run` (validate, analyse, write households/facilities/summary into a temp folder);
//! 2. the same steps one by one through the public functions `Job::run` calls, timed apart;
//! 3. inside `analysis::analyze`: its public steps (projection, index build, Hilbert order and
//!    the nearest-facility pass over every profile category, as `nearest_all` runs it); the rest
//!    of the analyse time is the (private) facility-reach pass and bookkeeping;
//! 4. the query phase alone: `FacilityIndex::build` and nearest-facility queries for every
//!    residence and every category that has a tree, sequential (Hilbert and input order) and
//!    parallel (rayon), in queries per second;
//! 5. memory: VmHWM (peak resident set of the whole process, from `/proc/self/status`) right
//!    after the first end-to-end run, when nothing but that run (and the city generation, which
//!    streams and needs ~2 MB) has happened, and at the end.
//!
//! Every timed row shows the median wall time, [min–max] over the repeats, and for the median
//! run the CPU time of all the process's threads and their run-queue wait (both from
//! `/proc/self/task/*/schedstat`, to a scheduler tick): a large wait means other processes took
//! the CPUs and the wall time is inflated. Section 1 writes the real outputs (≈1.7 GB of
//! households.geojson for 1M residences), so it also depends on the disk and page cache.

#[allow(dead_code)]
#[path = "../examples/synthetic_city.rs"]
mod synthetic_city;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use lifecircle::Job;
use lifecircle::analysis::{self, round_decimetre};
use lifecircle::index::{FacilityIndex, hilbert_order};
use lifecircle::io::load::{facilities_from_layer, residences_from_layer};
use lifecircle::io::write::{WriteOptions, write_outputs};
use lifecircle::io::{ReadOptions, read_layer};
use lifecircle::model::{Facility, Residence};
use lifecircle::standards::StandardProfile;

use synthetic_city::CityParams;

/// The issue's targets.
const TARGET_WALL_S: f64 = 3.0;
const TARGET_PEAK_MB: f64 = 400.0;
const TARGET_QPS: f64 = 10e6;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Config {
    city: CityParams,
    repeats: usize,
    quick: bool,
    smoke: bool,
    data_root: PathBuf,
}

fn env_num<T: std::str::FromStr>(name: &str) -> Option<T> {
    let v = std::env::var(name).ok()?;
    match v.replace('_', "").trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            eprintln!("warning: {name}={v} is not a valid number; ignored");
            None
        }
    }
}

fn config() -> Config {
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) this is a smoke test.
    // Other arguments are ignored.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("LIFECIRCLE_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut city = CityParams::default();
    if smoke {
        (city.residences, city.per_category) = (2_000, 50);
    } else if quick {
        city.residences = 100_000;
    }
    if let Some(n) = env_num("LIFECIRCLE_BENCH_RESIDENCES") {
        city.residences = n;
    }
    if let Some(n) = env_num("LIFECIRCLE_BENCH_CATEGORIES") {
        city.categories = n;
    }
    if let Some(n) = env_num("LIFECIRCLE_BENCH_PER_CATEGORY") {
        city.per_category = n;
    }
    if let Some(n) = env_num("LIFECIRCLE_BENCH_SEED") {
        city.seed = n;
    }
    let repeats = env_num("LIFECIRCLE_BENCH_REPEATS").unwrap_or(if smoke { 1 } else { 3usize }).max(1);
    let data_root = std::env::var_os("LIFECIRCLE_BENCH_DATA").map(PathBuf::from).unwrap_or_else(default_data_root);
    Config { city, repeats, quick, smoke, data_root }
}

/// `<target>/bench-data`: the bench binary is `<target>/<profile>/deps/coverage-<hash>`.
fn default_data_root() -> PathBuf {
    let exe = std::env::current_exe().ok();
    let target = exe.as_deref().and_then(|e| e.parent()?.parent()?.parent()).map(Path::to_path_buf);
    target.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target")).join("bench-data")
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

/// One measurement: wall time, and the CPU time and run-queue wait of all the process's threads
/// (from `/proc/self/task/*/schedstat`; the wait is time they were ready to run while the CPUs
/// served something else, i.e. contention from other processes or oversubscription).
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    wall: f64,
    cpu: Option<f64>,
    wait: Option<f64>,
}

impl std::iter::Sum for Sample {
    fn sum<I: Iterator<Item = Sample>>(iter: I) -> Sample {
        iter.fold(Sample { wall: 0.0, cpu: Some(0.0), wait: Some(0.0) }, |a, b| Sample {
            wall: a.wall + b.wall,
            cpu: a.cpu.zip(b.cpu).map(|(x, y)| x + y),
            wait: a.wait.zip(b.wait).map(|(x, y)| x + y),
        })
    }
}

/// Seconds on CPU and waiting on a run queue, summed over the process's threads.
fn sched() -> Option<(f64, f64)> {
    let mut total = (0u64, 0u64);
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(text) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else { continue };
        let mut f = text.split_whitespace().map(|x| x.parse::<u64>().unwrap_or(0));
        total.0 += f.next()?;
        total.1 += f.next()?;
    }
    Some((total.0 as f64 / 1e9, total.1 as f64 / 1e9))
}

/// Runs `f` once and returns its value and measurement.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Sample) {
    let s0 = sched();
    let t = Instant::now();
    let v = f();
    let wall = t.elapsed().as_secs_f64();
    let s1 = sched();
    let (cpu, wait) = match (s0, s1) {
        (Some(a), Some(b)) => (Some(b.0 - a.0), Some(b.1 - a.1)),
        _ => (None, None),
    };
    (v, Sample { wall, cpu, wait })
}

/// The measurements of one step over the repeats.
#[derive(Default, Clone)]
struct Samples(Vec<Sample>);

impl Samples {
    fn push(&mut self, s: Sample) {
        self.0.push(s);
    }
    fn sorted(&self) -> Vec<Sample> {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.wall.total_cmp(&b.wall));
        v
    }
    /// Median wall time in seconds (mean of the middle two for an even count).
    fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if !n.is_multiple_of(2) => v[n / 2].wall,
            n => (v[n / 2 - 1].wall + v[n / 2].wall) / 2.0,
        }
    }
    /// The sample at the (lower) median.
    fn median_sample(&self) -> Sample {
        let v = self.sorted();
        v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or_default()
    }
    fn spread(&self) -> String {
        let v = self.sorted();
        match v.len() {
            0 | 1 => String::new(),
            n => format!("[{}–{}]", secs(v[0].wall), secs(v[n - 1].wall)),
        }
    }
}

/// Seconds with a sensible unit.
fn secs(s: f64) -> String {
    if s >= 1.0 { format!("{s:.3} s") } else { format!("{:.1} ms", s * 1e3) }
}

/// An integer with thousands separators.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn row(label: &str, s: &Samples, extra: &str) {
    let m = s.median_sample();
    let opt = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), secs);
    println!(
        "  {label:<44} {:>10} {:<21} cpu {:>9}  wait {:>8}  {extra}",
        secs(s.median()),
        s.spread(),
        opt(m.cpu),
        opt(m.wait)
    );
}

/// A `/proc/self/status` field in kB (VmHWM, VmRSS...).
fn status_kb(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.split_whitespace().next()?.parse().ok())
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or_else(|| "n/a".to_owned(), |k| format!("{:.0} MB", k as f64 / 1024.0))
}

// ---------------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------------

fn ensure_city(cfg: &Config) -> BoxResult<(PathBuf, PathBuf)> {
    let dir = cfg.data_root.join(cfg.city.slug());
    let (res, svc) = (dir.join("residences.geojson"), dir.join("services.geojson"));
    if res.is_file() && svc.is_file() {
        println!("  data        {} (cached)", dir.display());
    } else {
        let (g, t) = timed(|| synthetic_city::generate(&cfg.city, &dir));
        let t = t.wall;
        let g = g?;
        println!("  data        {} (generated in {}, {:.0} MB)", dir.display(), secs(t), g.bytes as f64 / 1e6);
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    println!("  files       residences.geojson {:.0} MB, services.geojson {:.1} MB", size(&res), size(&svc));
    Ok((res, svc))
}

fn main() -> BoxResult<()> {
    let cfg = config();
    let profile = match std::env::var("LIFECIRCLE_BENCH_PROFILE") {
        Ok(p) if !p.is_empty() => StandardProfile::load(&p)?,
        _ => StandardProfile::built_in("gb50180-2018")?,
    };
    let cats = synthetic_city::category_ids(cfg.city.categories)?;
    let mode = match (cfg.smoke, cfg.quick) {
        (true, _) => " (smoke test: no --bench argument; run `cargo bench --bench coverage` for figures)",
        (false, true) => " (--quick)",
        (false, false) => "",
    };
    println!("lifecircle coverage benchmark{mode}");
    println!(
        "  city        {} residences × {} categories × {} facilities = {} facilities, seed {}",
        thousands(cfg.city.residences as u64),
        cfg.city.categories,
        thousands(cfg.city.per_category as u64),
        thousands((cfg.city.categories * cfg.city.per_category) as u64),
        cfg.city.seed
    );
    println!("  categories  {}   (profile {})", cats.join(", "), profile.id);
    let (res_path, svc_path) = ensure_city(&cfg)?;
    println!("  threads     {} (rayon::current_num_threads)", rayon::current_num_threads());
    println!("  repeats     {} per timed step; median wall time shown, [min–max] after it", cfg.repeats);
    println!("  cpu, wait   CPU time of all threads and their run-queue wait (CPU taken by other processes)");
    let tmp = tempfile::tempdir()?;
    let read_opts = ReadOptions::default();

    // 1. End to end, as the CLI does it.
    println!("\n1. End to end, as `lifecircle analyze --residences R --services S --out DIR`");
    println!("   (io::read_layer of both files, then Job::run: validate, analyse, write GeoJSON + summary)");
    let baseline_rss = status_kb("VmRSS");
    let mut e2e = Samples::default();
    let mut e2e_peak = None;
    for rep in 0..cfg.repeats {
        let out = tmp.path().join(format!("e2e-{rep}"));
        let (report, t) = timed(|| -> BoxResult<_> {
            let r = read_layer(&res_path, &read_opts)?;
            let s = read_layer(&svc_path, &read_opts)?;
            Ok(Job::new(profile.clone(), &out).run(r, s)?)
        });
        let report = report?;
        e2e.push(t);
        if rep == 0 {
            e2e_peak = status_kb("VmHWM");
            let households_bytes = std::fs::metadata(out.join("households.geojson"))?.len();
            println!(
                "  first run: {} covers {} of households; wrote {} files (households.geojson {:.0} MB)",
                report.summary.categories[0].0,
                report.summary.categories[0]
                    .1
                    .covered_share
                    .map_or("n/a".to_owned(), |s| format!("{:.2} %", s * 100.0)),
                report.written.len(),
                households_bytes as f64 / 1e6
            );
            let steps: Vec<String> =
                report.timings.iter().map(|t| format!("{} {}", t.0, secs(t.1.as_secs_f64()))).collect();
            println!("  first run, Job::run's own timings (JobReport::timings): {}", steps.join(", "));
        }
        std::fs::remove_dir_all(&out)?;
    }
    row("total wall time", &e2e, "");
    println!(
        "  peak RSS: {} (VmHWM, whole process, read right after the first run; RSS before it: {})",
        mb(e2e_peak),
        mb(baseline_rss)
    );

    // 2. The steps of Job::run one by one.
    println!("\n2. Phases (Job::run's steps through the public functions; validation consumes the layers)");
    let job = Job::new(profile.clone(), tmp.path());
    let mut phases: Vec<(&str, Samples)> = [
        "read residences (io::read_layer)",
        "read services (io::read_layer)",
        "validate residences (residences_from_layer)",
        "validate services (facilities_from_layer)",
        "analyse (analysis::analyze)",
        "summary (Analysis::summary)",
        "write outputs (write_outputs)",
        "free the analysis (drop)",
    ]
    .into_iter()
    .map(|n| (n, Samples::default()))
    .collect();
    let mut sums = Samples::default();
    let mut kept: Option<(Vec<Residence>, Vec<Facility>)> = None;
    for rep in 0..cfg.repeats {
        let mut t = Vec::with_capacity(phases.len());
        let (res_layer, d) = timed(|| read_layer(&res_path, &read_opts));
        let res_layer = res_layer?;
        t.push(d);
        let (svc_layer, d) = timed(|| read_layer(&svc_path, &read_opts));
        let svc_layer = svc_layer?;
        t.push(d);
        let (res, d) = timed(|| {
            residences_from_layer(res_layer, &job.fields, job.residences_crs.as_ref(), &job.residence_options)
        });
        let res = res?;
        t.push(d);
        let (fac, d) = timed(|| {
            facilities_from_layer(svc_layer, &job.fields, job.services_crs.as_ref(), &job.profile, job.strict)
        });
        let fac = fac?;
        t.push(d);
        let (a, d) = timed(|| analysis::analyze(job.profile.clone(), res, fac.facilities, job.analysis.clone()));
        let a = a?;
        t.push(d);
        let (summary, d) = timed(|| {
            let mut s = a.summary();
            s.out_crs = job.write.out_crs.label();
            s.unknown_categories = fac.unknown_categories.clone();
            s
        });
        t.push(d);
        let out = tmp.path().join(format!("phases-{rep}"));
        let (w, d) = timed(|| write_outputs(&a, &summary, &out, &WriteOptions::default()));
        w?;
        t.push(d);
        std::fs::remove_dir_all(&out)?;
        if rep + 1 == cfg.repeats {
            kept = Some((a.residences.clone(), a.facilities.clone()));
        }
        let ((), d) = timed(|| drop(a));
        t.push(d);
        sums.push(t.iter().copied().sum());
        for ((_, s), d) in phases.iter_mut().zip(t) {
            s.push(d);
        }
    }
    for (name, s) in &phases {
        row(name, s, "");
    }
    row("sum of phases", &sums, "");

    let Some((mut residences, mut facilities)) = kept else { return Ok(()) };
    let n = residences.len();

    // 3. Inside analyze.
    let all: Vec<usize> = (0..profile.categories.len()).collect();
    println!("\n3. Inside analysis::analyze (its public steps; facility reach is private: it is the remainder)");
    let mut s_proj = Samples::default();
    let mut s_build = Samples::default();
    let mut s_order = Samples::default();
    let mut s_near = Samples::default();
    for _ in 0..cfg.repeats {
        let (_, d) = timed(|| analysis::project(&mut residences, &mut facilities));
        s_proj.push(d);
        let (index, d) = timed(|| FacilityIndex::build(&profile, &facilities));
        s_build.push(d);
        let points: Vec<[f64; 2]> = residences.iter().map(|r| r.xy).collect();
        let (order, d) = timed(|| hilbert_order(&points));
        s_order.push(d);
        let mut dist = vec![f64::NAN; n * all.len()];
        let mut near = vec![u32::MAX; n * all.len()];
        let (_, d) = timed(|| query_pass(&index, &points, &order, &all, &mut dist, &mut near, true));
        s_near.push(d);
        black_box((dist, near));
    }
    row("analysis::project", &s_proj, "");
    row("FacilityIndex::build", &s_build, "");
    row("index::hilbert_order", &s_order, "");
    row(
        &format!("nearest pass ({} categories, par., Hilbert)", all.len()),
        &s_near,
        "what nearest_all does: FacilityIndex::nearest for every category",
    );
    let known = s_proj.median() + s_build.median() + s_order.median() + s_near.median();
    let analyse = phases.iter().find(|(n, _)| n.starts_with("analyse")).map_or(f64::NAN, |(_, s)| s.median());
    println!(
        "  {:<44} {:>10}   (analyse median − the rows above)",
        "remainder: facility reach, allocation",
        secs(analyse - known)
    );

    // 4. The query phase alone.
    let index = FacilityIndex::build(&profile, &facilities);
    let trees: Vec<usize> = (0..profile.categories.len()).filter(|&c| index.serving_count(c) > 0).collect();
    let queries = (n * trees.len()) as u64;
    println!("\n4. Query phase: FacilityIndex::build + nearest facility for every residence and category");
    println!(
        "   {} categories have a tree: {}{}",
        trees.len(),
        trees.iter().map(|&c| profile.categories[c].id.as_str()).collect::<Vec<_>>().join(", "),
        if trees.len() > cats.len() {
            format!(" ({} generated, the others served through also_serves)", cats.len())
        } else {
            String::new()
        }
    );
    println!("   queries per pass = {} residences × {} = {}", thousands(n as u64), trees.len(), thousands(queries));
    let points: Vec<[f64; 2]> = residences.iter().map(|r| r.xy).collect();
    let hilbert = hilbert_order(&points);
    let input: Vec<u32> = (0..n as u32).collect();
    row("FacilityIndex::build", &s_build, "");
    let variants: [(&str, &[u32], bool); 4] = [
        ("sequential, Hilbert order", &hilbert, false),
        ("sequential, input order", &input, false),
        ("parallel (rayon), Hilbert order", &hilbert, true),
        ("parallel (rayon), input order", &input, true),
    ];
    let mut checks = Vec::new();
    let mut best_qps: f64 = 0.0;
    for (name, order, parallel) in variants {
        let mut s = Samples::default();
        let mut dist = vec![f64::NAN; queries as usize];
        let mut near = vec![u32::MAX; queries as usize];
        for _ in 0..cfg.repeats {
            let (_, d) = timed(|| query_pass(&index, &points, order, &trees, &mut dist, &mut near, parallel));
            s.push(d);
        }
        let qps = queries as f64 / s.median();
        best_qps = best_qps.max(qps);
        row(name, &s, &format!("{:>6.2} M queries/s", qps / 1e6));
        checks.push(checksum(&dist, &near));
    }
    if checks.windows(2).any(|w| w[0] != w[1]) {
        println!("  WARNING: the variants found different nearest facilities: {checks:?}");
    } else {
        println!("  all variants agree (checksum {:016x})", checks[0]);
    }
    drop((residences, facilities, index));

    // 5. Memory and targets.
    let hwm = status_kb("VmHWM");
    println!("\n5. Memory");
    println!("  VmHWM after the first end-to-end run: {}", mb(e2e_peak));
    println!(
        "  VmHWM at the end: {} (the whole process's peak, all sections; sections 3-4 keep a copy of the \
         residences)   VmRSS now: {}",
        mb(hwm),
        mb(status_kb("VmRSS"))
    );
    let wall = e2e.median();
    let peak = e2e_peak.map_or(f64::NAN, |k| k as f64 / 1024.0);
    println!(
        "\nTargets (issue, 1M residences): end to end < {TARGET_WALL_S} s wall: {wall:.2} s {}; < {TARGET_PEAK_MB} MB \
         peak: {peak:.0} MB {}; query phase ≥ {} M queries/s: best {:.2} M {}",
        verdict(wall < TARGET_WALL_S),
        verdict(peak < TARGET_PEAK_MB),
        TARGET_QPS / 1e6,
        best_qps / 1e6,
        verdict(best_qps >= TARGET_QPS)
    );
    if n != 1_000_000 {
        println!("  (this run has {} residences: not comparable with the targets)", thousands(n as u64));
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "(met)" } else { "(NOT met)" }
}

/// One pass of queries for every residence in `order` and every category in `trees`, results
/// in `order`'s slots (`k * trees.len() + j`), like the library's nearest_all.
fn query_pass(
    index: &FacilityIndex,
    points: &[[f64; 2]],
    order: &[u32],
    trees: &[usize],
    dist: &mut [f64],
    near: &mut [u32],
    parallel: bool,
) {
    let t = trees.len();
    let one = |(d, nr): (&mut [f64], &mut [u32]), r: u32| {
        let xy = points[r as usize];
        for (j, &c) in trees.iter().enumerate() {
            if let Some((f, m)) = index.nearest(c, xy) {
                d[j] = round_decimetre(m);
                nr[j] = f;
            }
        }
    };
    if parallel {
        dist.par_chunks_mut(t)
            .zip(near.par_chunks_mut(t))
            .zip(order.par_iter())
            .with_min_len(256)
            .for_each(|(dn, &r)| one(dn, r));
    } else {
        dist.chunks_mut(t).zip(near.chunks_mut(t)).zip(order).for_each(|(dn, &r)| one(dn, r));
    }
}

/// Order-independent checksum of a query pass (sums of decimetres and indices).
fn checksum(dist: &[f64], near: &[u32]) -> u64 {
    let d: u64 = dist.iter().filter(|d| !d.is_nan()).map(|d| (d * 10.0).round() as u64).sum();
    let f: u64 = near.iter().map(|&f| u64::from(f)).sum();
    d.wrapping_mul(31).wrapping_add(f)
}

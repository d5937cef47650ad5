//! Walking-network timing on a seeded synthetic grid city (figures, not a timed test).
//!
//! ```text
//! cargo run --release --example network_build_bench -- \
//!     [--side 1000] [--spacing 30] [--residences 100000] [--categories 6] [--per-category 300] \
//!     [--one-way 0.0] [--cutoff 1000] [--seed 42] [--shape both|lines|segments] [--repeats 3]
//! ```
//!
//! The city is a `side × side` lattice of street nodes, `spacing` metres apart, each moved by
//! up to ±20 % of the spacing in x and y (a seeded hash of its row and column, so every line
//! through a node sees the same coordinates). Streets are given in two shapes:
//! - `lines`: one polyline per row and per column (2 · side lines of `side` vertices);
//! - `segments`: one 2-vertex line per lattice edge (2 · side · (side − 1) lines).
//!
//! Both give the same network: side² nodes and 2 · side · (side − 1) edges. It is built with
//! `WalkingNetwork::build`, or with `--one-way f` by `WalkingNetwork::build_directed` with
//! each lattice edge one-way with probability `f` (Forward or Backward, half each; a row or
//! column of `lines` is then cut where the direction changes). Residences and facilities are
//! uniform over the city; facilities come in `categories` groups of `per-category`.
//!
//! For each shape it prints the median over `repeats` runs of: the network build (and the
//! first run's, which pays for fresh memory as a one-off build in a process does), snapping the
//! residences and all the facilities (`WalkingNetwork::snap`), and one all-categories search
//! (`nearest_sources` for every category, categories in parallel with one scratch each), plus
//! `reached_parts` of one category for service-area polygons.
//!
//! The random numbers come from an inline SplitMix64, so the figures' inputs never change.

use std::time::Instant;

use lifecircle::NetworkOptions;
use lifecircle::internals::{DijkstraScratch, Direction, Snap, WalkingNetwork};
use rayon::prelude::*;

use lifecircle::fixtures::{SplitMix64, mix};

/// Uniform in [−1, 1) from a hash.
fn signed_unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

struct Params {
    side: usize,
    spacing: f64,
    residences: usize,
    categories: usize,
    per_category: usize,
    one_way: f64,
    cutoff: f64,
    seed: u64,
    shapes: Vec<&'static str>,
    repeats: usize,
}

/// `value` of option `flag`, parsed.
fn read<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag}: cannot read '{value}'"))
}

fn parse() -> Result<Params, String> {
    let mut p = Params {
        side: 1000,
        spacing: 30.0,
        residences: 100_000,
        categories: 6,
        per_category: 300,
        one_way: 0.0,
        cutoff: 1000.0,
        seed: 42,
        shapes: vec!["lines", "segments"],
        repeats: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let value = args.get(i + 1).ok_or_else(|| format!("{flag} needs a value"))?;
        match flag {
            "--side" => p.side = read(flag, value)?,
            "--spacing" => p.spacing = read(flag, value)?,
            "--residences" => p.residences = read(flag, value)?,
            "--categories" => p.categories = read(flag, value)?,
            "--per-category" => p.per_category = read(flag, value)?,
            "--one-way" => p.one_way = read(flag, value)?,
            "--cutoff" => p.cutoff = read(flag, value)?,
            "--seed" => p.seed = read(flag, value)?,
            "--repeats" => p.repeats = read::<usize>(flag, value)?.max(1),
            "--shape" => {
                p.shapes = match value.as_str() {
                    "both" => vec!["lines", "segments"],
                    "lines" => vec!["lines"],
                    "segments" => vec!["segments"],
                    _ => return Err(format!("--shape {value}: expected both, lines or segments")),
                }
            }
            _ => return Err(format!("unknown option {flag}")),
        }
        i += 2;
    }
    if p.side < 2 || p.categories == 0 || p.per_category == 0 {
        return Err("--side must be at least 2, --categories and --per-category at least 1".into());
    }
    Ok(p)
}

/// The grid city's streets in the given shape, with their directions.
fn streets(p: &Params, shape: &str) -> (Vec<Vec<[f64; 2]>>, Vec<Direction>) {
    let n = p.side;
    let seed = mix(p.seed);
    let node = |i: usize, j: usize| {
        let h = mix(seed ^ ((i as u64) << 32 | j as u64));
        let jitter = 0.2 * p.spacing;
        [i as f64 * p.spacing + jitter * signed_unit(h), j as f64 * p.spacing + jitter * signed_unit(mix(h))]
    };
    // Direction of the lattice edge from (i, j) to its next node along the row (`vertical`
    // false) or column (true), as the lines below run.
    let direction = |i: usize, j: usize, vertical: bool| {
        let h = mix(seed ^ 0x5EED ^ ((i as u64) << 33 | (j as u64) << 1 | u64::from(vertical)));
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        if u >= p.one_way {
            Direction::Both
        } else if h & 1 == 0 {
            Direction::Forward
        } else {
            Direction::Backward
        }
    };
    let mut lines = Vec::new();
    let mut dirs = Vec::new();
    if shape == "lines" {
        // A polyline has one direction, so one-way lattice edges become their own lines: each
        // row (column) is cut into runs of equal direction.
        for vertical in [false, true] {
            for a in 0..n {
                let at = |b: usize| if vertical { (a, b) } else { (b, a) };
                let mut start = 0;
                for b in 0..n - 1 {
                    let (i, j) = at(b);
                    let d = direction(i, j, vertical);
                    let next = if b + 1 < n - 1 { Some(direction(at(b + 1).0, at(b + 1).1, vertical)) } else { None };
                    if next != Some(d) {
                        lines.push((start..=b + 1).map(|k| node(at(k).0, at(k).1)).collect());
                        dirs.push(d);
                        start = b + 1;
                    }
                }
            }
        }
    } else {
        for i in 0..n {
            for j in 0..n {
                if i + 1 < n {
                    lines.push(vec![node(i, j), node(i + 1, j)]);
                    dirs.push(direction(i, j, false));
                }
                if j + 1 < n {
                    lines.push(vec![node(i, j), node(i, j + 1)]);
                    dirs.push(direction(i, j, true));
                }
            }
        }
    }
    (lines, dirs)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let p = match parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("network_build_bench: {e}");
            std::process::exit(2);
        }
    };
    let extent = (p.side - 1) as f64 * p.spacing;
    let mut rng = SplitMix64(p.seed);
    let mut point = || [rng.uniform() * extent, rng.uniform() * extent];
    let residences: Vec<[f64; 2]> = (0..p.residences).map(|_| point()).collect();
    let facilities: Vec<Vec<[f64; 2]>> =
        (0..p.categories).map(|_| (0..p.per_category).map(|_| point()).collect()).collect();
    println!(
        "grid {0} × {0} nodes, {1} m apart (±20 %), one-way share {2}; {3} residences, {4} categories × {5} \
         facilities, cutoff {6} m; {7} threads, median of {8}",
        p.side,
        p.spacing,
        p.one_way,
        p.residences,
        p.categories,
        p.per_category,
        p.cutoff,
        rayon::current_num_threads(),
        p.repeats
    );
    let opts = NetworkOptions { min_component: 20, ..NetworkOptions::default() };
    for shape in &p.shapes {
        let (lines, dirs) = streets(&p, shape);
        let (mut build, mut snap, mut search, mut parts) = (vec![], vec![], vec![], vec![]);
        let mut summary = String::new();
        for _ in 0..p.repeats {
            let started = Instant::now();
            let built = if p.one_way > 0.0 {
                WalkingNetwork::build_directed(&lines, &dirs, &opts)
            } else {
                WalkingNetwork::build(&lines, &opts)
            };
            let (net, report) = match built {
                Ok(built) => built,
                Err(e) => {
                    eprintln!("network_build_bench: {e}");
                    std::process::exit(1);
                }
            };
            build.push(started.elapsed().as_secs_f64());

            let started = Instant::now();
            let homes = net.snap(&residences, opts.max_snap_m);
            let services: Vec<Vec<Snap>> = facilities.iter().map(|f| net.snap(f, opts.max_snap_m)).collect();
            snap.push(started.elapsed().as_secs_f64());

            let started = Instant::now();
            let answers: Vec<Vec<Option<(u32, f64)>>> = services
                .par_iter()
                .map_init(DijkstraScratch::new, |scratch, s| net.nearest_sources(s, &homes, p.cutoff, scratch))
                .collect();
            search.push(started.elapsed().as_secs_f64());

            let started = Instant::now();
            let reached = net.reached_parts(&services[0], p.cutoff, &mut DijkstraScratch::new());
            parts.push(started.elapsed().as_secs_f64());

            let covered: Vec<usize> = answers.iter().map(|a| a.iter().filter(|x| x.is_some()).count()).collect();
            summary = format!(
                "{} lines → {} nodes, {} edges ({} components kept, {} dropped); residences covered per category \
                 {:?}; {} reached parts for category 0",
                lines.len(),
                report.nodes,
                report.edges,
                report.components_kept,
                report.components_dropped,
                covered,
                reached.len()
            );
        }
        println!("{shape}: {summary}");
        let (first_build, build, snap, search) = (build[0], median(build), median(snap), median(search));
        println!(
            "{shape}: build {build:.3} s (first run {first_build:.3} s), snap {snap:.3} s, search {search:.3} s \
             ({} categories), reached_parts {:.3} s; build + snap + search {:.3} s",
            p.categories,
            median(parts),
            build + snap + search
        );
    }
}

//! Timing of the catchment polygons of `lifecircle::network::catchment` on a seeded, jittered
//! street grid, against two ways of doing the same with `geo` alone.
//!
//! ```text
//! cargo run --release --example catchment_bench -- \
//!     [--facilities 200] [--radius 1000] [--buffer 50] [--block 80] [--seed 42] [--baselines 20] \
//!     [--osm data/source/Helsinki.osm.pbf]
//! ```
//!
//! ## Input
//!
//! A square street grid of `--block` metres (default 80 m, a dense city centre). Every node is
//! moved by a uniform jitter of up to ±15 % of the block on each axis, and every block side is
//! a two-segment polyline whose middle vertex is moved sideways by up to ±5 % of the block, so
//! streets are not straight and chains have interior vertices. The grid is large enough for a
//! `--radius` ball around any facility to fit.
//!
//! With `--osm FILE.osm.pbf` (e.g. `data/source/Helsinki.osm.pbf`) the network is instead the
//! walkable `highway` ways of that extract and each catchment the parts of the network within
//! `--radius` along it from a random node (Dijkstra, edges cut where the distance runs out);
//! the "merged polylines" baseline then buffers the parts unmerged.
//!
//! `--facilities` facilities sit on random nodes. The street parts of a facility are the
//! segments whose two ends lie (in unjittered grid coordinates) within an L1 ball of
//! `--radius` around it: the shape of a network-distance catchment on a grid, without running
//! Dijkstra (this only times the polygons). For a 1,000 m radius on 80 m blocks that is about
//! 1,250 segments.
//!
//! ## What is timed
//!
//! 1. `catchment_polygon` for every facility, one thread, then with rayon on all threads (the
//!    results must be identical);
//! 2. on the first `--baselines` facilities: `geo::Buffer` (default style, round joins and caps
//!    every 0.2 rad) of the MultiLineString of the streets merged into polylines (runs of
//!    consecutive parts along one grid line), and `geo::unary_union` of one `geo::Buffer`
//!    capsule per segment, with their areas relative to ours;
//! 3. `dissolve` of all catchments, and of four categories of a quarter of them each; and the
//!    same union computed as `catchment_polygon` of all parts together (the union of buffers
//!    is the buffer of the union).

use std::time::{Duration, Instant};

use geo::{Area, Buffer, Line, LineString, MultiLineString, MultiPolygon, Validation, unary_union};
use lifecircle::fixtures::SplitMix64 as Rng;
use lifecircle::internals::{catchment_polygon, dissolve};
use rayon::prelude::*;

struct Params {
    facilities: usize,
    radius: f64,
    buffer: f64,
    block: f64,
    seed: u64,
    baselines: usize,
    osm: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Params, String> {
    let mut p =
        Params { facilities: 200, radius: 1000.0, buffer: 50.0, block: 80.0, seed: 42, baselines: 20, osm: None };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--facilities" => p.facilities = value.parse().map_err(|_| bad())?,
            "--radius" => p.radius = value.parse().map_err(|_| bad())?,
            "--buffer" => p.buffer = value.parse().map_err(|_| bad())?,
            "--block" => p.block = value.parse().map_err(|_| bad())?,
            "--seed" => p.seed = value.parse().map_err(|_| bad())?,
            "--baselines" => p.baselines = value.parse().map_err(|_| bad())?,
            "--osm" => p.osm = Some(value.into()),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if !(p.radius > 0.0 && p.block > 0.0 && p.buffer > 0.0) {
        return Err("--radius, --block and --buffer must be > 0".into());
    }
    Ok(p)
}

/// A street: vertices in metres with their unjittered grid coordinates (in blocks).
struct Street {
    xy: Vec<[f64; 2]>,
    ideal: Vec<[f64; 2]>,
}

/// The grid's streets (rows, then columns), with `n` nodes per side.
fn streets(n: usize, block: f64, rng: &mut Rng) -> Vec<Street> {
    let nodes: Vec<[f64; 2]> = (0..n * n)
        .map(|k| {
            let (i, j) = ((k % n) as f64, (k / n) as f64);
            [i * block + rng.symmetric(0.15 * block), j * block + rng.symmetric(0.15 * block)]
        })
        .collect();
    let mut out = Vec::with_capacity(2 * n);
    for horizontal in [true, false] {
        for line in 0..n {
            let at = |s: usize| if horizontal { (s, line) } else { (line, s) };
            let mut xy = Vec::with_capacity(2 * n);
            let mut ideal = Vec::with_capacity(2 * n);
            for s in 0..n {
                let (i, j) = at(s);
                let p = nodes[j * n + i];
                if s > 0 {
                    let q = *xy.last().unwrap_or(&p);
                    let (dx, dy): (f64, f64) = (p[0] - q[0], p[1] - q[1]);
                    let len = dx.hypot(dy).max(1e-9);
                    let off = rng.symmetric(0.05 * block);
                    xy.push([(p[0] + q[0]) / 2.0 - dy / len * off, (p[1] + q[1]) / 2.0 + dx / len * off]);
                    let (pi, pj) = at(s - 1);
                    ideal.push([(i + pi) as f64 / 2.0, (j + pj) as f64 / 2.0]);
                }
                xy.push(p);
                ideal.push([i as f64, j as f64]);
            }
            out.push(Street { xy, ideal });
        }
    }
    out
}

/// The parts of one facility: the segments, and the same merged into runs along each street.
type Parts = (Vec<[[f64; 2]; 2]>, MultiLineString<f64>);

/// The parts of the facility at `centre` (grid coordinates, in blocks).
fn select(streets: &[Street], centre: [f64; 2], reach_blocks: f64) -> Parts {
    let near = |p: [f64; 2]| (p[0] - centre[0]).abs() + (p[1] - centre[1]).abs() <= reach_blocks;
    let mut parts = Vec::new();
    let mut runs = Vec::new();
    for s in streets {
        let mut run: Vec<[f64; 2]> = Vec::new();
        for k in 1..s.xy.len() {
            if near(s.ideal[k - 1]) && near(s.ideal[k]) {
                parts.push([s.xy[k - 1], s.xy[k]]);
                if run.is_empty() {
                    run.push(s.xy[k - 1]);
                }
                run.push(s.xy[k]);
            } else if !run.is_empty() {
                runs.push(LineString::from(std::mem::take(&mut run)));
            }
        }
        if !run.is_empty() {
            runs.push(LineString::from(run));
        }
    }
    (parts, MultiLineString::new(runs))
}

/// OpenStreetMap ways tagged `highway` that are not for walking.
const NOT_WALKABLE: [&str; 8] =
    ["motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed", "raceway", "bus_guideway"];

/// Catchments on a real street network: the walkable `highway` ways of an OSM extract in a
/// local projection, `--facilities` random nodes, and for each the parts of every edge within
/// `--radius` along the network (Dijkstra; edges reached from one end only are cut where the
/// distance runs out). The polylines are the parts themselves (no merging).
fn osm_catchments(path: &std::path::Path, p: &Params, rng: &mut Rng) -> Result<Vec<Parts>, String> {
    use osmpbf::{Element, ElementReader};
    use std::cmp::Reverse;
    use std::collections::{BTreeMap, BinaryHeap};

    let mut coords: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    let mut ways: Vec<Vec<i64>> = Vec::new();
    ElementReader::from_path(path)
        .map_err(|e| e.to_string())?
        .for_each(|element| match element {
            Element::Node(n) => {
                coords.insert(n.id(), (n.lon(), n.lat()));
            }
            Element::DenseNode(n) => {
                coords.insert(n.id(), (n.lon(), n.lat()));
            }
            Element::Way(w) => {
                if w.tags().any(|(k, v)| k == "highway" && !NOT_WALKABLE.contains(&v)) {
                    ways.push(w.refs().collect());
                }
            }
            Element::Relation(_) => {}
        })
        .map_err(|e| e.to_string())?;
    let used: BTreeMap<i64, (f64, f64)> =
        ways.iter().flatten().filter_map(|id| coords.get(id).map(|&c| (*id, c))).collect();
    let proj = lifecircle::internals::LocalProjection::centred_on(used.values().copied()).ok_or("no street nodes")?;
    let index: BTreeMap<i64, usize> = used.keys().enumerate().map(|(i, &id)| (id, i)).collect();
    let xy: Vec<[f64; 2]> = used.values().map(|&(lon, lat)| proj.forward(lon, lat)).collect();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); xy.len()];
    let mut edges = 0usize;
    for way in &ways {
        for w in way.windows(2) {
            if let (Some(&a), Some(&b)) = (index.get(&w[0]), index.get(&w[1])) {
                let len = (xy[b][0] - xy[a][0]).hypot(xy[b][1] - xy[a][1]);
                adj[a].push((b, len));
                adj[b].push((a, len));
                edges += 1;
            }
        }
    }
    println!(
        "{}: {} nodes, {} edges; {} facilities, radius {} m (network), buffer {} m, seed {}",
        path.display(),
        xy.len(),
        edges,
        p.facilities,
        p.radius,
        p.buffer,
        p.seed
    );
    let r = p.radius;
    let mut dist = vec![f64::INFINITY; xy.len()];
    let mut inputs = Vec::with_capacity(p.facilities);
    for _ in 0..p.facilities {
        let source = ((rng.uniform() * xy.len() as f64) as usize).min(xy.len() - 1);
        let mut touched = vec![source];
        dist[source] = 0.0;
        let mut heap = BinaryHeap::from([(Reverse(0u64), source)]);
        while let Some((Reverse(bits), u)) = heap.pop() {
            let d = f64::from_bits(bits);
            if d > dist[u] {
                continue;
            }
            for &(v, len) in &adj[u] {
                let nd = d + len;
                if nd <= r && nd < dist[v] {
                    if dist[v].is_infinite() {
                        touched.push(v);
                    }
                    dist[v] = nd;
                    heap.push((Reverse(nd.to_bits()), v)); // non-negative: bits order = value order
                }
            }
        }
        let mut parts = Vec::new();
        for &u in &touched {
            for &(v, len) in &adj[u] {
                let (du, dv) = (dist[u], dist[v]);
                let at = |t: f64| [xy[u][0] + t * (xy[v][0] - xy[u][0]), xy[u][1] + t * (xy[v][1] - xy[u][1])];
                if dv.is_finite() {
                    // Both ends reached: the edge is listed from both; keep it once (from u < v),
                    // whole or as the two pieces reachable from either end.
                    if u < v {
                        if (r - du) + (r - dv) >= len {
                            parts.push([xy[u], xy[v]]);
                        } else if len > 0.0 {
                            parts.push([xy[u], at((r - du) / len)]);
                            parts.push([at(1.0 - (r - dv) / len), xy[v]]);
                        }
                    }
                } else if len > 0.0 {
                    parts.push([xy[u], at(((r - du) / len).min(1.0))]);
                }
            }
        }
        for &u in &touched {
            dist[u] = f64::INFINITY;
        }
        let lines = MultiLineString::new(parts.iter().map(|s| LineString::from(vec![s[0], s[1]])).collect());
        inputs.push((parts, lines));
    }
    Ok(inputs)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn vertices(mp: &MultiPolygon<f64>) -> usize {
    mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum()
}

fn main() -> std::process::ExitCode {
    let p = match parse_args() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("catchment_bench: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut rng = Rng(p.seed);
    let inputs: Vec<Parts> = match &p.osm {
        None => {
            let reach = p.radius / p.block;
            let margin = reach.ceil() as usize + 1;
            let n = 2 * margin + 30;
            let streets = streets(n, p.block, &mut rng);
            println!(
                "grid {n}×{n} nodes, block {} m, {} facilities, radius {} m (L1 ball), buffer {} m, seed {}",
                p.block, p.facilities, p.radius, p.buffer, p.seed
            );
            (0..p.facilities)
                .map(|_| {
                    let i = margin + (rng.uniform() * 30.0) as usize;
                    let j = margin + (rng.uniform() * 30.0) as usize;
                    select(&streets, [i as f64, j as f64], reach)
                })
                .collect()
        }
        Some(path) => match osm_catchments(path, &p, &mut rng) {
            Ok(inputs) => inputs,
            Err(e) => {
                eprintln!("catchment_bench: {}: {e}", path.display());
                return std::process::ExitCode::from(1);
            }
        },
    };
    let seg_total: usize = inputs.iter().map(|(parts, _)| parts.len()).sum();
    println!(
        "segments per catchment: mean {:.0}, polylines per catchment: mean {:.0}",
        seg_total as f64 / p.facilities.max(1) as f64,
        inputs.iter().map(|(_, l)| l.0.len()).sum::<usize>() as f64 / p.facilities.max(1) as f64
    );

    // 1. Ours, one thread, then all threads.
    let t = Instant::now();
    let ours: Vec<MultiPolygon<f64>> = inputs.iter().map(|(parts, _)| catchment_polygon(parts, p.buffer)).collect();
    let seq = t.elapsed();
    let t = Instant::now();
    let ours_par: Vec<MultiPolygon<f64>> =
        inputs.par_iter().map(|(parts, _)| catchment_polygon(parts, p.buffer)).collect();
    let par = t.elapsed();
    let per = |d: Duration, k: usize| ms(d) / k.max(1) as f64;
    println!(
        "catchment_polygon: {:.2} ms per catchment on 1 thread ({:.0} ms for {}); {:.0} ms on {} threads; \
         identical: {}; valid: {}/{}; output vertices mean {:.0}",
        per(seq, p.facilities),
        ms(seq),
        p.facilities,
        ms(par),
        rayon::current_num_threads(),
        ours == ours_par,
        ours.iter().filter(|m| m.is_valid()).count(),
        ours.len(),
        ours.iter().map(vertices).sum::<usize>() as f64 / p.facilities.max(1) as f64
    );

    // 2. Baselines with geo alone.
    let k = p.baselines.min(p.facilities);
    if k > 0 {
        let t = Instant::now();
        let merged: Vec<MultiPolygon<f64>> = inputs[..k].iter().map(|(_, lines)| lines.buffer(p.buffer)).collect();
        let merged_t = t.elapsed();
        let t = Instant::now();
        let capsules: Vec<MultiPolygon<f64>> = inputs[..k]
            .iter()
            .map(|(parts, _)| {
                let caps: Vec<MultiPolygon<f64>> =
                    parts.iter().map(|s| Line::new(s[0], s[1]).buffer(p.buffer)).collect();
                unary_union(&caps)
            })
            .collect();
        let caps_t = t.elapsed();
        let ratio = |other: &[MultiPolygon<f64>]| {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (a, b) in ours.iter().zip(other) {
                let r = a.unsigned_area() / b.unsigned_area();
                lo = lo.min(r);
                hi = hi.max(r);
            }
            (lo, hi)
        };
        let (m_lo, m_hi) = ratio(&merged);
        let (c_lo, c_hi) = ratio(&capsules);
        println!(
            "geo Buffer of merged polylines: {:.2} ms per catchment (area ours/theirs {:.4}–{:.4}, vertices mean {:.0})",
            per(merged_t, k),
            m_lo,
            m_hi,
            merged.iter().map(vertices).sum::<usize>() as f64 / k as f64
        );
        println!(
            "unary_union of per-segment capsules: {:.2} ms per catchment (area ours/theirs {:.4}–{:.4})",
            per(caps_t, k),
            c_lo,
            c_hi
        );
    }

    // 3. Dissolve.
    let t = Instant::now();
    let all = dissolve(&ours);
    let all_t = t.elapsed();
    let t = Instant::now();
    let quarter = ours.len().div_ceil(4).max(1);
    let cats: Vec<MultiPolygon<f64>> = ours.chunks(quarter).map(dissolve).collect();
    let cats_t = t.elapsed();
    let t = Instant::now();
    let all_parts: Vec<[[f64; 2]; 2]> = inputs.iter().flat_map(|(parts, _)| parts.iter().copied()).collect();
    let direct = catchment_polygon(&all_parts, p.buffer);
    let direct_t = t.elapsed();
    println!(
        "dissolve: all {} catchments {:.1} ms ({} polygons, {} vertices); {} categories of ≤ {} {:.1} ms",
        ours.len(),
        ms(all_t),
        all.0.len(),
        vertices(&all),
        cats.len(),
        quarter,
        ms(cats_t)
    );
    println!(
        "catchment_polygon of all parts together: {:.1} ms ({} polygons, {} vertices, area / dissolve {:.5})",
        ms(direct_t),
        direct.0.len(),
        vertices(&direct),
        direct.unsigned_area() / all.unsigned_area()
    );
    std::process::ExitCode::SUCCESS
}

//! Walking-network distances on real OpenStreetMap data, checked against an independent
//! computation that uses none of the `lifecircle` library.
//!
//! # Data
//! `data/network.geojson` (2,359 walkable LineStrings), `data/residences.geojson` (100 building
//! footprints) and `data/services.geojson` (54 service points) cover central Helsinki and are
//! derived from OpenStreetMap: © OpenStreetMap contributors, ODbL 1.0
//! (<https://www.openstreetmap.org/copyright>). The residences' population figures come from the
//! HSY population grid, © Helsinki Region Environmental Services HSY, CC BY 4.0.
//!
//! # What runs
//! Each residence becomes a Point at the mean of its (first) exterior ring's vertices (closing
//! vertex excluded), written with its id, households and population to a temporary GeoJSON, so
//! that the tool and this test agree on the point without depending on the tool's interior
//! point. The `lifecircle` binary then runs `analyze --network data/network.geojson` twice: with
//! `--min-component 1` (every component kept) and with the default options (components of fewer
//! than 20 nodes dropped, which changes where some points snap).
//!
//! # The independent computation
//! - Metric: the WGS 84 ellipsoid, without the crate's transverse Mercator. A segment's length
//!   is the mid-latitude ("plane sailing") formula `hypot(Δλ·N(φm)·cos φm, Δφ·M(φm))` with the
//!   ellipsoid's meridional (M) and prime-vertical (N) radii of curvature at the mean latitude
//!   φm; for the ≤ 3 km distances here it agrees with the geodesic to well below a millimetre.
//!   Straight-line residence–facility distances use the same formula.
//! - Graph: `data/network.geojson` parsed with serde_json; nodes are identical coordinate
//!   pairs (bitwise equal lon/lat), consecutive vertices of a line are an undirected edge,
//!   zero-length edges are skipped and parallel edges kept once. (The tool merges vertices
//!   within 0.01 m; the closest distinct vertices in this data are 0.011 m apart, so both
//!   node rules give the same graph, which the node counts in summary.json confirm.) For the
//!   default run, connected components with fewer than 20 nodes are removed by a BFS.
//! - Snapping: brute force over every edge. Around each point a local equirectangular frame
//!   (x = Δλ·N·cos φ, y = Δφ·M at the point's own latitude) gives the nearest point of each
//!   segment (clamped projection); the nearest segment wins, and the straight access leg is
//!   that distance. A point more than 200 m (`--max-snap`) from every edge is unreachable. A
//!   near tie (another edge whose nearest point lies elsewhere within 1 mm + 1e-4 of the access
//!   leg, where the crate's projection and this frame could choose differently and send the
//!   walk another way) is counted and that point left out of the comparison; the data has none
//!   (the smallest margin is printed), and the test asserts that.
//! - Distances: for each residence, a textbook Dijkstra (`BinaryHeap`) from its snapped point,
//!   i.e. over the graph with the residence's edge split there: the search starts at the two
//!   end nodes of that edge with `t·len` and `(1 − t)·len`. A facility snapped at fraction
//!   `t'` of edge (c, d) is reached at `min(D[c] + t'·len', D[d] + (1 − t')·len')`, or directly
//!   along the edge, `|t − t'|·len`, when both lie on the same edge. Both access legs are added.
//!   A category's distance is the minimum over the facilities serving it: those of the category
//!   and those of categories listing it in `also_serves`, read from the profile's TOML file.
//!
//! # What is asserted (per run, for every residence and every category with a radius)
//! - independent distance < radius − 1 m ⇒ `dist_` is non-null and within max(0.5 m, 0.1 %) of
//!   it, `ok_` is true, and the independent distance to the facility named in `nearest_` is
//!   within the same tolerance of the minimum;
//! - independent distance > radius + 1 m ⇒ `dist_` is null and `ok_` false;
//! - in between (± 1 m of the radius) either answer is accepted, but a non-null one must match;
//! - `euclid_` matches the independent straight line to the nearest serving facility (null
//!   when nothing serves the category), within the same tolerance, and is not longer than
//!   `dist_` (beyond rounding);
//! - `walk_min_` = `dist_` / speed / 60 to 0.05 (+ float noise), speed 1.0 m/s or 0.8 m/s for
//!   elderly-cohort categories, and also against the independent distance;
//! - `snap_m` matches the independent access leg;
//! - summary.json: `radius_m` per category and the network counts (nodes, edges, components
//!   kept and dropped, nodes and edges dropped) match the independent graph;
//! - more than 200 non-null distance comparisons per run, so the test cannot pass vacuously.
//!
//! It prints the number of pairs compared and the largest differences with `eprintln!`.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use crate::common::{lifecircle, read_json, repo_path, temp_dir};

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// The tool's default `--max-snap`, metres.
const MAX_SNAP_M: f64 = 200.0;
/// The tool's default `--min-component`, nodes.
const DEFAULT_MIN_COMPONENT: usize = 20;
/// Default walking speeds, m/s (`--speed`, `--elderly-speed`).
const SPEED_M_S: f64 = 1.0;
const ELDERLY_SPEED_M_S: f64 = 0.8;
/// Pairs within this of the radius may fall either side.
const BORDER_M: f64 = 1.0;
/// Nearest points of two edges closer than this are the same place.
const SAME_PLACE_M: f64 = 0.01;

/// Whether a snap with this margin (see `Graph::snap`) is a near tie: the two metrics differ
/// by ≈ 1e-5 of the access leg at most here, so 1 mm + 1e-4 of it is a wide margin.
fn is_tie(margin: f64, offset: f64) -> bool {
    margin <= 0.001 + 1e-4 * offset
}

/// The allowed difference between two distances of about `d` metres.
fn tolerance(d: f64) -> f64 {
    (0.001 * d).max(0.5)
}

// ---------------------------------------------------------------- metric on the ellipsoid

/// Meridional and prime-vertical radii of curvature of WGS 84 at latitude `phi` (radians).
fn radii_of_curvature(phi: f64) -> (f64, f64) {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let w = (1.0 - e2 * phi.sin().powi(2)).sqrt();
    (WGS84_A * (1.0 - e2) / (w * w * w), WGS84_A / w)
}

/// Distance between two nearby lon/lat points (degrees), metres: the mid-latitude formula.
fn distance_m(p: [f64; 2], q: [f64; 2]) -> f64 {
    let phi_m = ((p[1] + q[1]) / 2.0).to_radians();
    let (m, n) = radii_of_curvature(phi_m);
    let dx = (q[0] - p[0]).to_radians() * n * phi_m.cos();
    let dy = (q[1] - p[1]).to_radians() * m;
    dx.hypot(dy)
}

/// A local equirectangular frame in metres with its origin at a point.
struct Frame {
    origin: [f64; 2],
    kx: f64,
    ky: f64,
}

impl Frame {
    fn at(origin: [f64; 2]) -> Frame {
        let phi = origin[1].to_radians();
        let (m, n) = radii_of_curvature(phi);
        Frame { origin, kx: n * phi.cos() * std::f64::consts::PI / 180.0, ky: m * std::f64::consts::PI / 180.0 }
    }

    fn xy(&self, p: [f64; 2]) -> [f64; 2] {
        [(p[0] - self.origin[0]) * self.kx, (p[1] - self.origin[1]) * self.ky]
    }
}

// ---------------------------------------------------------------- graph

#[derive(Debug, Clone, Copy)]
struct Edge {
    a: usize,
    b: usize,
    len: f64,
}

/// An undirected walking graph; node coordinates are lon/lat.
struct Graph {
    lonlat: Vec<[f64; 2]>,
    edges: Vec<Edge>,
    adj: Vec<Vec<(usize, f64)>>,
}

/// What building the graph kept and dropped, to compare with summary.json's `network`.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    nodes: u64,
    edges: u64,
    components_kept: u64,
    components_dropped: u64,
    nodes_dropped: u64,
    edges_dropped: u64,
}

fn lonlat_of(v: &Value) -> [f64; 2] {
    let a = v.as_array().expect("a coordinate pair");
    [a[0].as_f64().unwrap(), a[1].as_f64().unwrap()]
}

impl Graph {
    /// Nodes are identical coordinate pairs; every edge of a line once, zero-length ones skipped.
    fn from_geojson(network: &Value) -> Graph {
        let mut index: HashMap<(u64, u64), usize> = HashMap::new();
        let mut lonlat = Vec::new();
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for f in network["features"].as_array().unwrap() {
            let geometry = &f["geometry"];
            let parts: Vec<&Value> = match geometry["type"].as_str().unwrap() {
                "LineString" => vec![&geometry["coordinates"]],
                "MultiLineString" => geometry["coordinates"].as_array().unwrap().iter().collect(),
                other => panic!("unexpected network geometry {other}"),
            };
            for part in parts {
                let mut previous: Option<usize> = None;
                for v in part.as_array().unwrap() {
                    let p = lonlat_of(v);
                    let node = *index.entry((p[0].to_bits(), p[1].to_bits())).or_insert_with(|| {
                        lonlat.push(p);
                        lonlat.len() - 1
                    });
                    if let Some(prev) = previous.filter(|&prev| prev != node) {
                        let key = (prev.min(node), prev.max(node));
                        if seen.insert(key) {
                            pairs.push(key);
                        }
                    }
                    previous = Some(node);
                }
            }
        }
        let edges =
            pairs.into_iter().map(|(a, b)| Edge { a, b, len: distance_m(lonlat[a], lonlat[b]) }).collect::<Vec<_>>();
        Graph::with_edges(lonlat, edges)
    }

    fn with_edges(lonlat: Vec<[f64; 2]>, edges: Vec<Edge>) -> Graph {
        let mut adj = vec![Vec::new(); lonlat.len()];
        for e in &edges {
            adj[e.a].push((e.b, e.len));
            adj[e.b].push((e.a, e.len));
        }
        Graph { lonlat, edges, adj }
    }

    /// The graph without the components of fewer than `min` nodes (nodes on no edge are not
    /// counted anywhere), and what was kept and dropped.
    fn without_small_components(&self, min: usize) -> (Graph, Counts) {
        let mut component = vec![usize::MAX; self.lonlat.len()];
        let mut sizes = Vec::new();
        for start in 0..self.lonlat.len() {
            if component[start] != usize::MAX || self.adj[start].is_empty() {
                continue;
            }
            let id = sizes.len();
            let mut size = 0;
            let mut queue = VecDeque::from([start]);
            component[start] = id;
            while let Some(n) = queue.pop_front() {
                size += 1;
                for &(m, _) in &self.adj[n] {
                    if component[m] == usize::MAX {
                        component[m] = id;
                        queue.push_back(m);
                    }
                }
            }
            sizes.push(size);
        }
        let keep = |n: usize| sizes[component[n]] >= min;
        let edges: Vec<Edge> = self.edges.iter().copied().filter(|e| keep(e.a)).collect();
        let kept_sizes: Vec<usize> = sizes.iter().copied().filter(|&s| s >= min).collect();
        let counts = Counts {
            nodes: kept_sizes.iter().sum::<usize>() as u64,
            edges: edges.len() as u64,
            components_kept: kept_sizes.len() as u64,
            components_dropped: (sizes.len() - kept_sizes.len()) as u64,
            nodes_dropped: (sizes.iter().sum::<usize>() - kept_sizes.iter().sum::<usize>()) as u64,
            edges_dropped: (self.edges.len() - edges.len()) as u64,
        };
        (Graph::with_edges(self.lonlat.clone(), edges), counts)
    }

    /// The nearest point of the nearest edge, by brute force over all edges (`None` beyond
    /// `MAX_SNAP_M`), and how much farther the nearest point of any edge that meets it
    /// elsewhere (more than `SAME_PLACE_M` away) is: a small margin means a near tie.
    fn snap(&self, p: [f64; 2]) -> (Option<Snapped>, f64) {
        let frame = Frame::at(p);
        let mut candidates: Vec<(f64, usize, f64, [f64; 2])> = Vec::with_capacity(self.edges.len());
        for (i, e) in self.edges.iter().enumerate() {
            let (a, b) = (frame.xy(self.lonlat[e.a]), frame.xy(self.lonlat[e.b]));
            let d = [b[0] - a[0], b[1] - a[1]];
            let t = (-(a[0] * d[0] + a[1] * d[1]) / (d[0] * d[0] + d[1] * d[1])).clamp(0.0, 1.0);
            let q = [a[0] + t * d[0], a[1] + t * d[1]];
            candidates.push((q[0].hypot(q[1]), i, t, q));
        }
        let Some(&(offset, edge, t, q)) = candidates.iter().min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)))
        else {
            return (None, f64::INFINITY);
        };
        if offset > MAX_SNAP_M {
            return (None, f64::INFINITY);
        }
        // The margin to the nearest edge whose nearest point lies elsewhere.
        let margin = candidates
            .iter()
            .filter(|c| (c.3[0] - q[0]).hypot(c.3[1] - q[1]) > SAME_PLACE_M)
            .map(|c| c.0 - offset)
            .fold(f64::INFINITY, f64::min);
        (Some(Snapped { edge, t, offset }), margin)
    }

    /// Dijkstra from a snapped point (the edge split there): the walk to every node, access
    /// leg excluded.
    fn dijkstra(&self, from: &Snapped) -> Vec<f64> {
        let mut dist = vec![f64::INFINITY; self.lonlat.len()];
        let mut heap = BinaryHeap::new();
        let e = self.edges[from.edge];
        for (node, d) in [(e.a, from.t * e.len), (e.b, (1.0 - from.t) * e.len)] {
            if d < dist[node] {
                dist[node] = d;
                heap.push(Entry { d, node });
            }
        }
        while let Some(Entry { d, node }) = heap.pop() {
            if d > dist[node] {
                continue;
            }
            for &(next, w) in &self.adj[node] {
                if d + w < dist[next] {
                    dist[next] = d + w;
                    heap.push(Entry { d: d + w, node: next });
                }
            }
        }
        dist
    }

    /// The walk from `from` (with `dist` = its Dijkstra) to `to`, both access legs included.
    fn walk(&self, from: &Snapped, dist: &[f64], to: &Snapped) -> f64 {
        let e = self.edges[to.edge];
        let mut d = (dist[e.a] + to.t * e.len).min(dist[e.b] + (1.0 - to.t) * e.len);
        if to.edge == from.edge {
            d = d.min((to.t - from.t).abs() * e.len);
        }
        from.offset + d + to.offset
    }
}

#[derive(Debug, Clone, Copy)]
struct Snapped {
    edge: usize,
    /// Fraction along the edge from `a` to `b`.
    t: f64,
    /// Access leg, metres.
    offset: f64,
}

/// A heap entry; the order is reversed so that `BinaryHeap` pops the smallest distance.
#[derive(Debug, Clone, Copy)]
struct Entry {
    d: f64,
    node: usize,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.d.total_cmp(&self.d).then(other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

// ---------------------------------------------------------------- inputs

struct Category {
    id: String,
    radius_m: Option<f64>,
    speed_m_s: f64,
    /// Categories whose facilities serve this one (itself included).
    served_by: Vec<String>,
}

/// The categories of the built-in profile, read from its TOML file.
fn categories() -> Vec<Category> {
    let text = std::fs::read_to_string(repo_path("src/standards/profiles/gb50180-2018.toml")).unwrap();
    let profile: toml::Table = toml::from_str(&text).unwrap();
    let cats = profile["categories"].as_array().unwrap();
    let also = |c: &toml::Value| -> Vec<String> {
        c.get("also_serves")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    cats.iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap().to_owned();
            let radius_m =
                c.get("radius_m").map(|r| r.as_float().or_else(|| r.as_integer().map(|i| i as f64)).unwrap());
            let speed_m_s = if c["cohort"].as_str() == Some("elderly") { ELDERLY_SPEED_M_S } else { SPEED_M_S };
            let mut served_by = vec![id.clone()];
            served_by
                .extend(cats.iter().filter(|o| also(o).contains(&id)).map(|o| o["id"].as_str().unwrap().to_owned()));
            Category { id, radius_m, speed_m_s, served_by }
        })
        .collect()
}

struct Place {
    id: String,
    lonlat: [f64; 2],
    category: String,
}

/// Point residences: the mean of each footprint's exterior ring vertices (closing vertex
/// excluded), and the same as a GeoJSON FeatureCollection with id, households, population.
fn point_residences() -> (Vec<Place>, Value) {
    let layer = read_json(&repo_path("data/residences.geojson"));
    let mut places = Vec::new();
    let mut features = Vec::new();
    for f in layer["features"].as_array().unwrap() {
        let g = &f["geometry"];
        let ring = match g["type"].as_str().unwrap() {
            "Polygon" => &g["coordinates"][0],
            "MultiPolygon" => &g["coordinates"][0][0],
            "Point" => &Value::Array(vec![g["coordinates"].clone()]),
            other => panic!("unexpected residence geometry {other}"),
        };
        let mut vertices: Vec<[f64; 2]> = ring.as_array().unwrap().iter().map(lonlat_of).collect();
        if vertices.len() > 1 && vertices.first() == vertices.last() {
            vertices.pop();
        }
        let n = vertices.len() as f64;
        let lonlat = [vertices.iter().map(|v| v[0]).sum::<f64>() / n, vertices.iter().map(|v| v[1]).sum::<f64>() / n];
        let p = &f["properties"];
        let id = p["id"].as_str().unwrap().to_owned();
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lonlat[0], lonlat[1]]},
            "properties": {"id": id, "households": p["households"], "population": p["population"]},
        }));
        places.push(Place { id, lonlat, category: String::new() });
    }
    (places, json!({"type": "FeatureCollection", "features": features}))
}

fn facilities() -> Vec<Place> {
    let layer = read_json(&repo_path("data/services.geojson"));
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["geometry"]["type"], "Point", "services are points");
            Place {
                id: f["properties"]["id"].as_str().unwrap().to_owned(),
                lonlat: lonlat_of(&f["geometry"]["coordinates"]),
                category: f["properties"]["category"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- the comparison

#[derive(Debug, Default)]
struct Stats {
    /// Non-null `dist_` compared with the independent distance.
    compared: usize,
    /// Null `dist_` confirmed beyond the radius (with a serving facility on the network).
    nulls: usize,
    /// Non-null `dist_` that differ from the independent distance rounded to 0.1 m.
    rounded_differently: usize,
    /// Pairs within `BORDER_M` of the radius.
    border: usize,
    euclid_compared: usize,
    max_dist_diff: f64,
    max_rel_diff: f64,
    max_euclid_diff: f64,
    max_snap_diff: f64,
    max_walk_min_diff: f64,
    /// Points left out because of a snapping near tie.
    ties: usize,
    /// Smallest snapping margin seen (see `Graph::snap`), metres.
    min_margin: f64,
}

/// Runs the binary on the point residences, writing into `out`.
fn run_tool(residences: &Path, out: &Path, extra: &[&str]) {
    let output = lifecircle()
        .arg("analyze")
        .arg("--residences")
        .arg(residences)
        .arg("--services")
        .arg(repo_path("data/services.geojson"))
        .arg("--network")
        .arg(repo_path("data/network.geojson"))
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "lifecircle failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn opt(v: &Value) -> Option<f64> {
    if v.is_null() { None } else { Some(v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))) }
}

/// Compares one run's output with the independent computation on `graph`.
fn compare(
    label: &str,
    out: &Path,
    graph: &Graph,
    counts: &Counts,
    residences: &[Place],
    facilities: &[Place],
    categories: &[Category],
) -> Stats {
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["distance_model"], "network", "{label}");
    let net = &summary["network"];
    let tool_counts = Counts {
        nodes: net["nodes"].as_u64().unwrap(),
        edges: net["edges"].as_u64().unwrap(),
        components_kept: net["components_kept"].as_u64().unwrap(),
        components_dropped: net["components_dropped"].as_u64().unwrap(),
        nodes_dropped: net["nodes_dropped"].as_u64().unwrap(),
        edges_dropped: net["edges_dropped"].as_u64().unwrap(),
    };
    assert_eq!(&tool_counts, counts, "{label}: network counts (tool vs independent)");
    for c in categories {
        assert_eq!(opt(&summary["categories"][&c.id]["radius_m"]), c.radius_m, "{label}: radius of {}", c.id);
    }

    let households = read_json(&out.join("households.geojson"));
    let props: HashMap<&str, &Value> = households["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["id"].as_str().unwrap(), &f["properties"]))
        .collect();
    assert_eq!(props.len(), residences.len(), "{label}: one output row per residence, unique ids");

    let mut stats = Stats { min_margin: f64::INFINITY, ..Stats::default() };
    let facility_snaps: Vec<(Option<Snapped>, bool)> = facilities
        .iter()
        .map(|f| {
            let (snap, margin) = graph.snap(f.lonlat);
            let tie = snap.is_some_and(|s| is_tie(margin, s.offset));
            if snap.is_some() {
                stats.min_margin = stats.min_margin.min(margin);
            }
            if tie {
                eprintln!("{label}: facility {} has a snapping near tie (margin {margin:.4} m); left out", f.id);
                stats.ties += 1;
            }
            (snap, tie)
        })
        .collect();
    for r in residences {
        let p = props[r.id.as_str()];
        let (snap, margin) = graph.snap(r.lonlat);
        if snap.is_some() {
            stats.min_margin = stats.min_margin.min(margin);
        }
        if snap.is_some_and(|s| is_tie(margin, s.offset)) {
            eprintln!("{label}: residence {} has a snapping near tie (margin {margin:.4} m); left out", r.id);
            stats.ties += 1;
            continue;
        }
        let Some(snap) = snap else {
            assert!(p["snap_m"].is_null(), "{label}: {} is off the network", r.id);
            continue;
        };
        let snap_m = opt(&p["snap_m"]).unwrap_or_else(|| panic!("{label}: {} snap_m is null", r.id));
        let diff = (snap_m - snap.offset).abs();
        assert!(diff <= tolerance(snap.offset), "{label}: {} snap_m {snap_m} vs {:.3}", r.id, snap.offset);
        stats.max_snap_diff = stats.max_snap_diff.max(diff);

        let dist = graph.dijkstra(&snap);
        // The walk to every facility (None: off the network or a near tie).
        let walks: Vec<Option<f64>> = facility_snaps
            .iter()
            .map(|(s, tie)| if *tie { None } else { s.as_ref().map(|s| graph.walk(&snap, &dist, s)) })
            .collect();
        for c in categories {
            let Some(radius) = c.radius_m else { continue };
            let serving: Vec<usize> =
                (0..facilities.len()).filter(|&f| c.served_by.contains(&facilities[f].category)).collect();
            if serving.iter().any(|&f| facility_snaps[f].1) {
                continue; // a facility with a snapping tie: ambiguous (counted above)
            }
            let indep = serving.iter().filter_map(|&f| walks[f]).fold(f64::INFINITY, f64::min);
            let tool = opt(&p[format!("dist_{}", c.id)]);
            let ok = p[format!("ok_{}", c.id)].as_bool().unwrap();
            let walk_min = opt(&p[format!("walk_min_{}", c.id)]);
            let nearest = &p[format!("nearest_{}", c.id)];
            let what = format!("{label}: residence {} category {}", r.id, c.id);
            assert_eq!(ok, tool.is_some(), "{what}: ok_ vs dist_");
            assert_eq!(nearest.is_null(), tool.is_none(), "{what}: nearest_ vs dist_");
            if let Some(x) = tool {
                assert!(x <= radius, "{what}: dist_ {x} beyond the radius {radius}");
                let diff = (x - indep).abs();
                assert!(
                    diff <= tolerance(indep),
                    "{what}: tool dist_ {x} m vs independent {indep:.3} m (nearest_ {nearest})"
                );
                stats.compared += 1;
                if x != (indep * 10.0).round() / 10.0 {
                    stats.rounded_differently += 1;
                }
                stats.max_dist_diff = stats.max_dist_diff.max(diff);
                stats.max_rel_diff = stats.max_rel_diff.max(diff / indep.max(1.0));
                // The facility it names is one of the nearest.
                let named = nearest.as_str().unwrap();
                let f = serving.iter().copied().find(|&f| facilities[f].id == named);
                let f = f.unwrap_or_else(|| panic!("{what}: nearest_ {named} does not serve the category"));
                let named_walk = walks[f].unwrap_or_else(|| panic!("{what}: nearest_ {named} is off the network"));
                assert!(
                    (named_walk - indep).abs() <= tolerance(indep),
                    "{what}: nearest_ {named} is {named_walk:.3} m away, the nearest {indep:.3} m"
                );
                let w = walk_min.unwrap_or_else(|| panic!("{what}: walk_min_ is null"));
                let exact = x / c.speed_m_s / 60.0;
                assert!((w - exact).abs() <= 0.05 + 1e-9, "{what}: walk_min_ {w} vs {x} m at {} m/s", c.speed_m_s);
                let from_indep = indep / c.speed_m_s / 60.0;
                let allowed = 0.05 + 1e-9 + tolerance(indep) / c.speed_m_s / 60.0;
                assert!((w - from_indep).abs() <= allowed, "{what}: walk_min_ {w} vs independent {from_indep:.3}");
                stats.max_walk_min_diff = stats.max_walk_min_diff.max((w - from_indep).abs());
            } else {
                assert!(walk_min.is_none(), "{what}: walk_min_ without dist_");
            }
            if indep < radius - BORDER_M {
                assert!(tool.is_some(), "{what}: dist_ is null but the independent walk is {indep:.3} m ≤ {radius} m");
            } else if indep > radius + BORDER_M {
                assert!(tool.is_none(), "{what}: dist_ {tool:?} but the independent walk is {indep:.3} m > {radius} m");
                if indep.is_finite() {
                    stats.nulls += 1;
                }
            } else {
                stats.border += 1;
            }

            let euclid = serving.iter().map(|&f| distance_m(r.lonlat, facilities[f].lonlat)).reduce(f64::min);
            let tool_euclid = opt(&p[format!("euclid_{}", c.id)]);
            match (tool_euclid, euclid) {
                (None, None) => {}
                (Some(x), Some(e)) => {
                    if let Some(walked) = tool {
                        assert!(walked >= x - 0.1, "{what}: dist_ {walked} shorter than euclid_ {x}");
                    }
                    let diff = (x - e).abs();
                    assert!(diff <= tolerance(e), "{what}: euclid_ {x} vs independent {e:.3}");
                    stats.euclid_compared += 1;
                    stats.max_euclid_diff = stats.max_euclid_diff.max(diff);
                }
                (x, e) => panic!("{what}: euclid_ {x:?} vs independent {e:?}"),
            }
        }
    }
    eprintln!(
        "{label}: {} non-null dist_ compared (max |diff| {:.3} m, max relative {:.2e}, {} not equal to the \
         independent distance rounded to 0.1 m), {} nulls confirmed, \
         {} within {BORDER_M} m of the radius; {} euclid_ compared (max |diff| {:.3} m); \
         max |snap_m diff| {:.3} m; max |walk_min_ diff| {:.3} min; {} snapping ties (smallest margin {:.4} m)",
        stats.compared,
        stats.max_dist_diff,
        stats.max_rel_diff,
        stats.rounded_differently,
        stats.nulls,
        stats.border,
        stats.euclid_compared,
        stats.max_euclid_diff,
        stats.max_snap_diff,
        stats.max_walk_min_diff,
        stats.ties,
        stats.min_margin,
    );
    stats
}

#[test]
fn network_distances_match_an_independent_dijkstra_on_osm_data() {
    let started = Instant::now();
    let dir = temp_dir();
    let (residences, layer) = point_residences();
    assert_eq!(residences.len(), 100);
    let residences_path = dir.path().join("residence_points.geojson");
    std::fs::write(&residences_path, serde_json::to_string(&layer).unwrap()).unwrap();
    let facilities = facilities();
    let categories = categories();
    for f in &facilities {
        assert!(categories.iter().any(|c| c.id == f.category), "facility {} has unknown category {}", f.id, f.category);
    }

    let full = Graph::from_geojson(&read_json(&repo_path("data/network.geojson")));
    // The default run must exercise the dropped-components path: some points snap elsewhere.
    let (pruned, _) = full.without_small_components(DEFAULT_MIN_COMPONENT);
    let moved = residences
        .iter()
        .chain(&facilities)
        .filter(|p| {
            let (a, b) = (full.snap(p.lonlat).0, pruned.snap(p.lonlat).0);
            a.map(|s| s.offset) != b.map(|s| s.offset)
        })
        .count();
    eprintln!("{moved} residences and facilities snap elsewhere once components under 20 nodes are dropped");
    assert!(moved > 0, "dropping small components changes no snap: the default run checks nothing new");
    let runs: [(&str, usize, &[&str]); 2] =
        [("--min-component 1", 1, &["--min-component", "1"]), ("default options", DEFAULT_MIN_COMPONENT, &[])];
    let mut total = 0;
    for (label, min_component, args) in runs {
        let out = dir.path().join(format!("out-{min_component}"));
        run_tool(&residences_path, &out, args);
        let (graph, counts) = full.without_small_components(min_component);
        let stats = compare(label, &out, &graph, &counts, &residences, &facilities, &categories);
        assert_eq!(stats.ties, 0, "{label}: snapping near ties in the data (see above)");
        assert!(stats.compared > 200, "{label}: only {} non-null distances compared", stats.compared);
        assert!(stats.nulls > 50, "{label}: only {} nulls confirmed", stats.nulls);
        total += stats.compared;
    }
    eprintln!("{total} non-null distances compared in {:.2?}", started.elapsed());
}

//! Tests of the walking network: building, snapping, and network distances against a brute
//! force (Floyd–Warshall on a graph whose edges are split at the snapped points).

use proptest::prelude::*;

use super::*;

fn opts(min_component: usize) -> NetworkOptions {
    NetworkOptions { min_component, ..NetworkOptions::default() }
}

fn build(lines: &[Vec<[f64; 2]>], min_component: usize) -> (WalkingNetwork, BuildReport) {
    WalkingNetwork::build(lines, &opts(min_component)).unwrap()
}

fn snapped(s: Snap) -> (u32, f64, f64) {
    match s {
        Snap::Snapped { edge, t, offset_m } => (edge, t, offset_m),
        Snap::Unreachable => panic!("unreachable"),
    }
}

/// The node at `xy` (exactly).
fn node_at(net: &WalkingNetwork, xy: [f64; 2]) -> u32 {
    (0..net.node_count() as u32).find(|&n| net.node_xy(n) == xy).unwrap()
}

/// The edge between the nodes at `p` and `q`.
fn edge_between(net: &WalkingNetwork, p: [f64; 2], q: [f64; 2]) -> u32 {
    let mut ends = [node_at(net, p), node_at(net, q)];
    ends.sort_unstable();
    (0..net.edge_count() as u32).find(|&e| net.edge_nodes(e) == ends).unwrap()
}

#[test]
fn crossing_lines_sharing_an_interior_vertex_form_one_component() {
    let lines = vec![vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]], vec![[10.0, -10.0], [10.0, 0.0], [10.0, 10.0]]];
    let (net, report) = build(&lines, 1);
    assert_eq!((net.node_count(), net.edge_count()), (5, 4));
    assert_eq!((report.components_kept, report.components_dropped, report.nodes_dropped), (1, 0, 0));
    let crossing = node_at(&net, [10.0, 0.0]);
    assert_eq!(net.neighbours(crossing).count(), 4);
    assert_eq!(net.neighbours(crossing).map(|(_, len)| len).sum::<f64>(), 40.0);
    assert!((0..4).all(|e| net.edge_direction(e) == Direction::Both));
    // Crossing without a shared vertex (a bridge) does not connect.
    let bridge = vec![vec![[0.0, 0.0], [20.0, 0.0]], vec![[10.0, -10.0], [10.0, 10.0]]];
    let (net, report) = build(&bridge, 1);
    assert_eq!((net.node_count(), net.edge_count(), report.components_kept), (4, 2, 2));
}

#[test]
fn tolerance_merges_close_vertices_only() {
    let two = |gap: f64| vec![vec![[0.0, 0.0], [10.0, 0.0]], vec![[10.0 + gap, 0.0], [20.0, 0.0]]];
    let (net, report) = build(&two(0.005), 1);
    assert_eq!((net.node_count(), net.edge_count(), report.components_kept), (3, 2, 1));
    // The node sits at the first vertex seen; the second edge is measured from it.
    let middle = node_at(&net, [10.0, 0.0]);
    assert_eq!(net.neighbours(middle).map(|(_, len)| len).collect::<Vec<_>>(), vec![10.0, 10.0]);
    let (net, report) = build(&two(0.02), 1);
    assert_eq!((net.node_count(), net.edge_count(), report.components_kept), (4, 2, 2));
    // Vertices on both sides of a grid-cell boundary still merge.
    let straddle = vec![vec![[-10.0, 0.0], [-0.003, 0.0]], vec![[0.002, 0.0], [10.0, 0.0]]];
    assert_eq!(build(&straddle, 1).1.components_kept, 1);
    // Tolerance 0: identical coordinates only.
    let exact = NetworkOptions { node_tolerance_m: 0.0, min_component: 1, ..NetworkOptions::default() };
    assert_eq!(WalkingNetwork::build(&two(0.005), &exact).unwrap().1.components_kept, 2);
    assert_eq!(WalkingNetwork::build(&two(0.0), &exact).unwrap().1.components_kept, 1);
    // Merging is not transitive: each vertex joins the node it is within tolerance of.
    let chain = vec![vec![[0.0, 0.0], [0.008, 0.0], [0.016, 0.0], [0.024, 0.0]]];
    let (net, _) = build(&chain, 1);
    assert_eq!(net.node_count(), 2);
    node_at(&net, [0.0, 0.0]);
    node_at(&net, [0.016, 0.0]);
    // A vertex within the tolerance of two nodes joins the nearer, ties to the one created
    // first: (0.01, 0) is 0.01 from both (0, 0) and (0.02, 0) and joins (0, 0).
    let between = vec![vec![[0.0, 0.0], [1.0, 0.0]], vec![[0.02, 0.0], [1.0, 1.0]], vec![[0.01, 0.0], [2.0, 0.0]]];
    let (net, _) = build(&between, 1);
    assert_eq!(net.node_count(), 5);
    assert_eq!(net.neighbours(node_at(&net, [0.0, 0.0])).count(), 2);
    // Cells far apart do not interact; identical vertices merge wherever they are.
    let far = vec![
        vec![[1e5, -3e5], [1e5 + 5.0, -3e5]],
        vec![[1e5, -3e5], [1e5, -3e5 + 5.0]],
        vec![[-7e4, 2.5], [1e5 + 5.0, -3e5]],
    ];
    let (net, _) = build(&far, 1);
    assert_eq!((net.node_count(), net.edge_count()), (4, 3));
}

#[test]
fn small_components_are_dropped_and_reported() {
    let main: Vec<[f64; 2]> = (0..25).map(|i| [f64::from(i) * 10.0, 0.0]).collect();
    let island = vec![[0.0, 500.0], [10.0, 500.0], [10.0, 510.0]];
    let lines = vec![island.clone(), main, vec![[0.0, 600.0], [f64::NAN, 0.0], [5.0, 600.0]]];
    let (net, report) = WalkingNetwork::build(&lines, &NetworkOptions::default()).unwrap();
    assert_eq!(
        report,
        BuildReport {
            lines: 3,
            vertices_skipped: 1,
            nodes: 25,
            edges: 24,
            components_kept: 1,
            components_dropped: 1,
            nodes_dropped: 3,
            edges_dropped: 2,
        }
    );
    assert_eq!((net.node_count(), net.edge_count()), (25, 24));
    // Nothing of the island is left to snap to.
    assert_eq!(net.snap(&[[5.0, 505.0]], 200.0), vec![Snap::Unreachable]);
    // min_component 1 keeps it (and the NaN vertex breaks the third line into two points).
    let (net, report) = build(&lines, 1);
    assert_eq!((report.components_kept, report.nodes_dropped, net.node_count()), (2, 0, 28));
}

#[test]
fn snapping_finds_t_and_offset_and_respects_max_snap() {
    for line in [vec![[0.0, 0.0], [100.0, 0.0]], vec![[100.0, 0.0], [0.0, 0.0]]] {
        let (net, _) = build(&[line], 1);
        let (edge, t, offset) = snapped(net.snap(&[[30.0, 4.0]], 200.0)[0]);
        let [a, b] = net.edge_nodes(edge).map(|n| net.node_xy(n));
        let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        assert!((q[0] - 30.0).abs() < 1e-12 && q[1].abs() < 1e-12, "{q:?}");
        assert!((offset - 4.0).abs() < 1e-12);
        // Beyond an end: the end node, t = 0 or 1.
        let (_, t, offset) = snapped(net.snap(&[[-3.0, 4.0]], 200.0)[0]);
        assert!((t == 0.0 || t == 1.0) && (offset - 5.0).abs() < 1e-12);
        // Unreachable beyond max_snap (inclusive limit), or not finite.
        let far = net.snap(&[[30.0, 250.0], [30.0, 200.0], [f64::NAN, 0.0]], 200.0);
        assert_eq!(far[0], Snap::Unreachable);
        assert_eq!(snapped(far[1]).2, 200.0);
        assert_eq!(far[2], Snap::Unreachable);
    }
    let (empty, report) = build(&[], 1);
    assert_eq!((report.nodes, report.edges), (0, 0));
    assert_eq!(empty.snap(&[[0.0, 0.0]], 200.0), vec![Snap::Unreachable]);
}

#[test]
fn snapping_ties_go_to_the_lowest_edge() {
    // A point equidistant from two parallel edges, and one on a shared node.
    let lines = vec![
        vec![[0.0, 10.0], [100.0, 10.0]],
        vec![[0.0, -10.0], [100.0, -10.0]],
        vec![[100.0, -10.0], [200.0, -10.0]],
    ];
    let (net, _) = build(&lines, 1);
    let top = edge_between(&net, [0.0, 10.0], [100.0, 10.0]);
    let bottom = [edge_between(&net, [0.0, -10.0], [100.0, -10.0]), edge_between(&net, [100.0, -10.0], [200.0, -10.0])];
    assert_eq!(snapped(net.snap(&[[50.0, 0.0]], 200.0)[0]).0, top.min(bottom[0]));
    let (edge, _, offset) = snapped(net.snap(&[[100.0, -10.0]], 200.0)[0]);
    assert_eq!((edge, offset), (bottom[0].min(bottom[1]), 0.0));
}

#[test]
fn network_distances_on_a_path() {
    // A path with a branch up from its middle node (100, 0).
    let (net, _) = build(&[vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]], vec![[100.0, 0.0], [100.0, 100.0]]], 1);
    let mut scratch = DijkstraScratch::new();
    let snaps = net.snap(&[[150.0, 5.0], [20.0, -3.0], [40.0, 1.0], [60.0, 2.0], [100.0, 0.0], [50.0, 0.0]], 200.0);
    let far = Snap::Unreachable;
    // Via the middle node: 5 + 50 + 80 + 3.
    let got = net.nearest_sources(&[snaps[0], far], &[snaps[1], far], f64::INFINITY, &mut scratch);
    assert_eq!(got, vec![Some((0, 138.0)), None]);
    // Same edge: 1 + 20 + 2 directly, not via a node.
    let got = net.nearest_sources(&[snaps[0], snaps[2]], &[snaps[3]], f64::INFINITY, &mut scratch);
    let (source, d) = got[0].unwrap();
    assert!(source == 1 && (d - 23.0).abs() < 1e-9, "{got:?}");
    // The cutoff is inclusive.
    assert_eq!(net.nearest_sources(&[snaps[2]], &[snaps[3]], d, &mut scratch), vec![Some((0, d))]);
    assert_eq!(net.nearest_sources(&[snaps[2]], &[snaps[3]], 22.9, &mut scratch), vec![None]);
    // Ties: the lowest source index, whichever side it is on.
    let mirrored = net.snap(&[[150.0, 0.0]], 200.0)[0];
    assert_eq!(net.nearest_sources(&[mirrored, snaps[5]], &[snaps[4]], 1e9, &mut scratch), vec![Some((0, 50.0))]);
    assert_eq!(net.nearest_sources(&[snaps[5], mirrored], &[snaps[4]], 1e9, &mut scratch), vec![Some((0, 50.0))]);
    // The same up the branch: (100, 0) is 50 m from both sources.
    let up = net.snap(&[[100.0, 80.0]], 200.0)[0];
    assert_eq!(net.nearest_sources(&[mirrored, snaps[5]], &[up], 1e9, &mut scratch), vec![Some((0, 130.0))]);
    assert_eq!(net.nearest_sources(&[snaps[5], mirrored], &[up], 1e9, &mut scratch), vec![Some((0, 130.0))]);
    // A source on its target: both access legs count.
    assert_eq!(net.nearest_sources(&[snaps[0]], &[snaps[0]], 1e9, &mut scratch), vec![Some((0, 10.0))]);
    // No sources, or a NaN cutoff: nothing.
    assert_eq!(net.nearest_sources(&[], &[snaps[0]], 1e9, &mut scratch), vec![None]);
    assert_eq!(net.nearest_sources(&[snaps[0]], &[snaps[0]], f64::NAN, &mut scratch), vec![None]);
    // A later-popped source wins a tie at a node when its index is lower: source 1 reaches
    // A = (0, 0) at 30 m before source 0 reaches B = (30, 0) at 40 m; both reach (20, 0) at 50 m.
    let line = vec![[-50.0, 0.0], [0.0, 0.0], [20.0, 0.0], [30.0, 0.0], [80.0, 0.0]];
    let (net, _) = build(&[line, vec![[20.0, 0.0], [20.0, 100.0]]], 1);
    let s = net.snap(&[[70.0, 0.0], [-30.0, 0.0], [20.0, 80.0]], 200.0);
    assert_eq!(net.nearest_sources(&s[..2], &s[2..], 1e9, &mut scratch), vec![Some((0, 130.0))]);
}

#[test]
fn invalid_options_are_refused() {
    for bad in [
        NetworkOptions { node_tolerance_m: f64::NAN, ..NetworkOptions::default() },
        NetworkOptions { node_tolerance_m: -1.0, ..NetworkOptions::default() },
        NetworkOptions { max_snap_m: f64::INFINITY, ..NetworkOptions::default() },
    ] {
        assert!(WalkingNetwork::build(&[], &bad).is_err());
    }
}

/// The merging rule of `graph`'s documentation, run literally: each finite vertex in input
/// order joins the nearest node within `tol` (ties to the node created first) or creates one.
/// Returns the nodes and the distinct edges between them.
fn greedy_merge(lines: &[Vec<[f64; 2]>], tol: f64) -> (Vec<[f64; 2]>, Vec<[usize; 2]>) {
    let mut nodes: Vec<[f64; 2]> = Vec::new();
    let mut edges = Vec::new();
    for line in lines {
        let mut previous = None;
        for &p in line {
            if !(p[0].is_finite() && p[1].is_finite()) {
                previous = None;
                continue;
            }
            let mut best: Option<(f64, usize)> = None;
            for (i, q) in nodes.iter().enumerate() {
                let d2 = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
                if d2 <= tol * tol && best.is_none_or(|(b, _)| d2 < b) {
                    best = Some((d2, i));
                }
            }
            let node = best.map_or_else(
                || {
                    nodes.push(p);
                    nodes.len() - 1
                },
                |(_, i)| i,
            );
            if let Some(prev) = previous.filter(|&prev| prev != node) {
                edges.push([node.min(prev), node.max(prev)]);
            }
            previous = Some(node);
        }
    }
    edges.sort_unstable();
    edges.dedup();
    (nodes, edges)
}

fn sorted_points(mut v: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    v.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    v
}

fn sorted_segments(mut v: Vec<[[f64; 2]; 2]>) -> Vec<[[f64; 2]; 2]> {
    v.sort_by(|a, b| {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .map(|(x, y)| x.total_cmp(y))
            .fold(std::cmp::Ordering::Equal, std::cmp::Ordering::then)
    });
    v
}

/// The network's edges as coordinate pairs, each from the lower-ordered end.
fn edge_segments(net: &WalkingNetwork) -> Vec<[[f64; 2]; 2]> {
    sorted_segments(
        (0..net.edge_count() as u32)
            .map(|e| sorted_points(net.edge_nodes(e).map(|n| net.node_xy(n)).to_vec()).try_into().unwrap())
            .collect(),
    )
}

#[test]
fn build_and_queries_do_not_depend_on_threads() {
    // A jittered 150 × 150 grid of 2-vertex segments (several merge chunks), some one-way,
    // with some ends moved by less than the tolerance (crowded cells).
    let n = 150usize;
    let mut rng = crate::fixtures::SplitMix64::new(7);
    let mut next = move || rng.uniform();
    let node = |i: usize, j: usize| [i as f64 * 20.0 + (i * 7 % 5) as f64, j as f64 * 20.0 + (j * 3 % 7) as f64];
    let mut lines = Vec::new();
    let mut dirs = Vec::new();
    for i in 0..n {
        for j in 0..n {
            for (di, dj) in [(1, 0), (0, 1)] {
                if i + di < n && j + dj < n {
                    let mut b = node(i + di, j + dj);
                    if next() < 0.1 {
                        b[0] += 0.004;
                    }
                    lines.push(vec![node(i, j), b]);
                    let u = next();
                    dirs.push(if u < 0.1 {
                        Direction::Forward
                    } else if u < 0.2 {
                        Direction::Backward
                    } else {
                        Direction::Both
                    });
                }
            }
        }
    }
    let points: Vec<[f64; 2]> = (0..2000).map(|_| [next() * 3000.0, next() * 3000.0]).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let (net, report) = WalkingNetwork::build_directed(&lines, &dirs, &opts(20)).unwrap();
            let layout: Vec<_> = (0..net.edge_count() as u32)
                .map(|e| (net.edge_nodes(e).map(|n| net.node_xy(n)), net.edge_length(e), net.edge_direction(e)))
                .collect();
            let snaps = net.snap(&points, 200.0);
            let mut scratch = DijkstraScratch::new();
            let nearest = net.nearest_sources(&snaps[..40], &snaps[40..], 150.0, &mut scratch);
            let parts = net.reached_parts(&snaps[..40], 150.0, &mut scratch);
            (layout, report, snaps, nearest, parts)
        })
    };
    let one = run(1);
    assert!(one.0.len() > 40_000 && one.1.components_kept == 1, "{:?}", one.1);
    assert!(one == run(3));
}

/// One answer from source 0 at `want` metres (to 1e-9).
fn assert_near(got: Vec<Option<(u32, f64)>>, want: f64) {
    assert!(matches!(got[..], [Some((0, d))] if (d - want).abs() < 1e-9), "{got:?}, want {want}");
}

/// Whether two lists of segments are the same to 1e-9 m.
fn segments_near(a: &[[[f64; 2]; 2]], b: &[[[f64; 2]; 2]]) -> bool {
    a.len() == b.len()
        && a.iter().flatten().flatten().zip(b.iter().flatten().flatten()).all(|(x, y)| (x - y).abs() < 1e-9)
}

#[test]
fn one_way_edges_are_walked_one_way() {
    // A 100 m square; the south side may be walked only eastwards.
    let ring = vec![[100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]];
    let east = |net: &WalkingNetwork| {
        let e = edge_between(net, [0.0, 0.0], [100.0, 0.0]);
        let first = net.node_xy(net.edge_nodes(e)[0]);
        if first == [0.0, 0.0] { Direction::Forward } else { Direction::Backward }
    };
    let mut scratch = DijkstraScratch::new();
    for (south, dirs) in [
        (vec![vec![[0.0, 0.0], [100.0, 0.0]]], vec![Direction::Forward]),
        (vec![vec![[100.0, 0.0], [0.0, 0.0]]], vec![Direction::Backward]),
    ] {
        let lines = [south, vec![ring.clone()]].concat();
        let (net, _) =
            WalkingNetwork::build_directed(&lines, &[dirs, vec![Direction::Both]].concat(), &opts(1)).unwrap();
        let e = edge_between(&net, [0.0, 0.0], [100.0, 0.0]);
        assert_eq!(net.edge_direction(e), east(&net));
        let s = net.snap(&[[20.0, 0.0], [80.0, 0.0], [20.0, 3.0]], 200.0);
        // From 20 to 80 eastwards directly; from 80 to 20 round the square.
        assert_near(net.nearest_sources(&s[1..2], &s[..1], 1e9, &mut scratch), 60.0);
        assert_near(net.nearest_sources(&s[..1], &s[1..2], 1e9, &mut scratch), 340.0);
        // Equal positions are always reached (access legs: 3 + 0).
        assert_eq!(net.nearest_sources(&s[2..], &s[..1], 1e9, &mut scratch), vec![Some((0, 3.0))]);
        // Nodes: (0, 0) reaches (80, 0) along the edge, (100, 0) goes round.
        let d = net.distances_to(&s[1..2], 1e9, &mut scratch);
        let at = |xy| d.iter().find(|&&(n, _)| n == node_at(&net, xy)).unwrap().1;
        assert!((at([0.0, 0.0]) - 80.0).abs() < 1e-9 && (at([100.0, 0.0]) - 380.0).abs() < 1e-9, "{d:?}");
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
    }
    // A Forward and a Backward line over the same segment make a two-way edge; so does a
    // Forward line and the same line reversed.
    for south in [
        (
            vec![vec![[0.0, 0.0], [100.0, 0.0]], vec![[0.0, 0.0], [100.0, 0.0]]],
            [Direction::Forward, Direction::Backward],
        ),
        (
            vec![vec![[0.0, 0.0], [100.0, 0.0]], vec![[100.0, 0.0], [0.0, 0.0]]],
            [Direction::Forward, Direction::Forward],
        ),
    ] {
        let lines = [south.0, vec![ring.clone()]].concat();
        let dirs = [south.1.to_vec(), vec![Direction::Both]].concat();
        let (net, report) = WalkingNetwork::build_directed(&lines, &dirs, &opts(1)).unwrap();
        assert_eq!(report.edges, 4);
        assert_eq!(net.edge_direction(edge_between(&net, [0.0, 0.0], [100.0, 0.0])), Direction::Both);
        let s = net.snap(&[[20.0, 0.0], [80.0, 0.0]], 200.0);
        assert_near(net.nearest_sources(&s[..1], &s[1..], 1e9, &mut scratch), 60.0);
    }
    // Two opposite one-way lines in a row cannot be walked through; components ignore
    // directions, so nothing is dropped.
    let (net, report) = WalkingNetwork::build_directed(
        &[vec![[0.0, 0.0], [100.0, 0.0]], vec![[200.0, 0.0], [100.0, 0.0]]],
        &[Direction::Forward, Direction::Forward],
        &opts(3),
    )
    .unwrap();
    assert_eq!((report.components_kept, report.nodes_dropped), (1, 0));
    let s = net.snap(&[[10.0, 0.0], [190.0, 0.0], [100.0, 0.0]], 200.0);
    assert_eq!(net.nearest_sources(&s[..1], &s[1..2], 1e9, &mut scratch), vec![None]);
    assert_eq!(net.nearest_sources(&s[2..], &s[..2], 1e9, &mut scratch), vec![Some((0, 90.0)), Some((0, 90.0))]);
    // One direction per line.
    assert!(WalkingNetwork::build_directed(&[vec![[0.0, 0.0], [1.0, 0.0]]], &[], &opts(1)).is_err());
}

/// The reached parts as (edge, [t0, t1]) rounded to 1e-9, for comparisons.
fn spans(net: &WalkingNetwork, sources: &[Snap], cutoff: f64) -> Vec<(u32, [f64; 2])> {
    let round = |t: f64| (t * 1e9).round() / 1e9;
    net.reached_spans(sources, cutoff, &mut DijkstraScratch::new())
        .into_iter()
        .map(|(e, [a, b])| (e, [round(a), round(b)]))
        .collect()
}

#[test]
fn reached_parts_by_hand() {
    // A path: a source 5 m off (50, 0) and a 60 m cutoff reach x ∈ [0, 105].
    let (net, _) = build(&[vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]]], 1);
    let source = net.snap(&[[50.0, 5.0]], 200.0);
    let mut scratch = DijkstraScratch::new();
    let parts = net.reached_parts(&source, 60.0, &mut scratch);
    assert_eq!(sorted_segments(parts.clone()), vec![[[0.0, 0.0], [100.0, 0.0]], [[100.0, 0.0], [105.0, 0.0]]]);
    let left = edge_between(&net, [0.0, 0.0], [100.0, 0.0]);
    assert_eq!(
        spans(&net, &source, 60.0).iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![left.min(1 - left), left.max(1 - left)]
    );
    let d = net.distances_to(&source, 60.0, &mut scratch);
    assert_eq!(d.iter().map(|&(n, d)| (net.node_xy(n), d)).collect::<Vec<_>>().len(), 2);
    assert!(d.iter().all(|&(n, d)| d == 55.0 && [[0.0, 0.0], [100.0, 0.0]].contains(&net.node_xy(n))));
    // Nothing within a cutoff shorter than the access leg; NaN reaches nothing.
    assert!(net.reached_parts(&source, 4.0, &mut scratch).is_empty());
    assert!(net.reached_parts(&source, f64::NAN, &mut scratch).is_empty());
    assert!(net.reached_parts(&[Snap::Unreachable], 1e9, &mut scratch).is_empty());

    // Sources at both ends of a path: the middle edge is reached from both ends but not in
    // the middle, in two parts.
    let (net, _) = build(&[vec![[-50.0, 0.0], [0.0, 0.0], [100.0, 0.0], [150.0, 0.0]]], 1);
    let sources = net.snap(&[[-50.0, 0.0], [150.0, 0.0]], 200.0);
    let parts = sorted_segments(net.reached_parts(&sources, 80.0, &mut scratch));
    assert_eq!(
        parts,
        vec![
            [[-50.0, 0.0], [0.0, 0.0]],
            [[0.0, 0.0], [30.0, 0.0]],
            [[70.0, 0.0], [100.0, 0.0]],
            [[100.0, 0.0], [150.0, 0.0]]
        ]
    );
    // (Symmetric, so the same fractions whichever way the edge runs.)
    let middle = edge_between(&net, [0.0, 0.0], [100.0, 0.0]);
    let mid_spans: Vec<_> = spans(&net, &sources, 80.0).into_iter().filter(|s| s.0 == middle).collect();
    assert_eq!(mid_spans, vec![(middle, [0.0, 0.3]), (middle, [0.7, 1.0])]);
    let all = spans(&net, &sources, 80.0);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1[1] < w[1].1[0])), "{all:?}");
    // A larger cutoff joins them into the whole edge.
    assert_eq!(net.reached_parts(&sources, 100.0, &mut scratch).len(), 3);

    // One way: (0, 0) → (100, 0) may be walked only east, then two-way to (200, 0); a source
    // at (150, 0). From the one-way edge only x ≥ 30 is within 120 m; reversed, none of it
    // (its points can only walk west, to a dead end).
    for (dir, expected) in [(Direction::Forward, vec![[[30.0, 0.0], [100.0, 0.0]]]), (Direction::Backward, vec![])] {
        let lines = [vec![[0.0, 0.0], [100.0, 0.0]], vec![[100.0, 0.0], [200.0, 0.0]]];
        let (net, _) = WalkingNetwork::build_directed(&lines, &[dir, Direction::Both], &opts(1)).unwrap();
        let source = net.snap(&[[150.0, 0.0]], 200.0);
        let parts = net.reached_parts(&source, 120.0, &mut scratch);
        let (one_way, two_way): (Vec<_>, Vec<_>) = parts.iter().partition(|s| s[0][0] + s[1][0] < 200.0);
        let one_way: Vec<[[f64; 2]; 2]> =
            one_way.into_iter().map(|s: &[[f64; 2]; 2]| sorted_points(s.to_vec()).try_into().unwrap()).collect();
        assert!(segments_near(&one_way, &expected), "{one_way:?}");
        assert_eq!(sorted_segments(two_way.into_iter().copied().collect()), vec![[[100.0, 0.0], [200.0, 0.0]]]);
        // A source on the one-way edge itself, 3 m off (60, 0): reached from behind only.
        let source = net.snap(&[[60.0, 3.0]], 200.0);
        let parts = net.reached_parts(&source, 20.0, &mut scratch);
        let parts: Vec<[[f64; 2]; 2]> =
            parts.into_iter().map(|s| sorted_points(s.to_vec()).try_into().unwrap()).collect();
        let want = if dir == Direction::Forward { [[43.0, 0.0], [60.0, 0.0]] } else { [[60.0, 0.0], [77.0, 0.0]] };
        assert!(segments_near(&parts, &[want]), "{parts:?}");
    }
}

#[test]
fn merging_keeps_its_rule_on_crowded_and_isolated_cells() {
    // Fixed cases of the property below: vertices straddling cells, chains, exact repeats.
    let lines = vec![
        vec![[0.0, 0.0], [0.009, 0.0], [0.018, 0.001], [0.0, 0.0]],
        vec![[0.0095, 0.0095], [0.02, 0.02]],
        vec![[5.0, 5.0], [5.0, 5.0], [6.0, 5.0]],
    ];
    let (nodes, edges) = greedy_merge(&lines, 0.01);
    let (net, _) = build(&lines, 1);
    assert_eq!(net.edge_count(), edges.len());
    let used: Vec<[f64; 2]> =
        nodes.iter().enumerate().filter(|(i, _)| edges.iter().flatten().any(|e| e == i)).map(|(_, p)| *p).collect();
    assert_eq!(sorted_points((0..net.node_count() as u32).map(|n| net.node_xy(n)).collect()), sorted_points(used));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn merging_follows_the_greedy_rule(
        tol in prop_oneof![Just(0.01), Just(0.0), 0.002..0.03f64],
        lines in proptest::collection::vec(
            proptest::collection::vec(
                (0u8..4, 0u8..6, 0u8..6, prop_oneof![3 => Just(0.0), 1 => -0.006..0.006f64], prop_oneof![3 => Just(0.0), 1 => -0.006..0.006f64]),
                1..=5,
            ),
            1..=12,
        ),
    ) {
        // Vertices on a 7 mm lattice (so many lie within the tolerance of each other), some
        // moved a little, in three groups 50 m apart; group 3 is a NaN vertex.
        let lines: Vec<Vec<[f64; 2]>> = lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&(g, i, j, dx, dy)| {
                        if g == 3 {
                            [f64::NAN, 0.0]
                        } else {
                            [f64::from(g) * 50.0 + f64::from(i) * 0.007 + dx, f64::from(j) * 0.007 + dy]
                        }
                    })
                    .collect()
            })
            .collect();
        let (nodes, edges) = greedy_merge(&lines, tol);
        let options = NetworkOptions { node_tolerance_m: tol, min_component: 1, ..NetworkOptions::default() };
        let (net, report) = WalkingNetwork::build(&lines, &options).unwrap();
        let skipped = lines.iter().flatten().filter(|p| p[0].is_nan()).count();
        prop_assert_eq!(report.vertices_skipped, skipped);
        let used: Vec<[f64; 2]> =
            nodes.iter().enumerate().filter(|(i, _)| edges.iter().flatten().any(|e| e == i)).map(|(_, p)| *p).collect();
        prop_assert_eq!(sorted_points((0..net.node_count() as u32).map(|n| net.node_xy(n)).collect()), sorted_points(used));
        let expected: Vec<[[f64; 2]; 2]> =
            edges.iter().map(|&[a, b]| sorted_points(vec![nodes[a], nodes[b]]).try_into().unwrap()).collect();
        prop_assert_eq!(edge_segments(&net), sorted_segments(expected));
        // Edges are sorted by their node pair, lower node first.
        prop_assert!((0..net.edge_count() as u32).all(|e| net.edge_nodes(e)[0] < net.edge_nodes(e)[1]));
        prop_assert!((1..net.edge_count() as u32).all(|e| net.edge_nodes(e - 1) < net.edge_nodes(e)));
    }
}

/// Where a generated point lies: near segment `segment` (taken modulo the segment count), at
/// fraction `t` along it, `side` metres off it perpendicularly.
#[derive(Debug, Clone)]
struct PointSpec {
    segment: usize,
    t: f64,
    side: f64,
}

fn point_spec() -> impl Strategy<Value = PointSpec> {
    // Segments 0 and 1 are favoured so sources and targets often share an edge.
    (prop_oneof![0usize..2, 0usize..64], prop_oneof![Just(0.0), Just(1.0), 0.0..1.0f64], -6.0..6.0f64)
        .prop_map(|(segment, t, side)| PointSpec { segment, t, side })
}

/// Distance from `p` to segment `a`–`b`, computed independently of the module.
fn segment_distance(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    (p[0] - a[0] - t * dx).hypot(p[1] - a[1] - t * dy)
}

fn direction_of(code: u8) -> Direction {
    match code {
        0 => Direction::Both,
        1 => Direction::Forward,
        _ => Direction::Backward,
    }
}

/// A random network for the brute-force comparisons: lattice points 10 m apart, polylines
/// through them with a direction each, and the network built from them.
struct RandomNetwork {
    /// Lattice points.
    nodes: Vec<[f64; 2]>,
    /// Distinct undirected lattice segments (lattice indices, lower first).
    segments: Vec<[usize; 2]>,
    net: WalkingNetwork,
    /// Brute-force walkability between the network's nodes, from the polylines alone:
    /// `walk[a][b]` when some line may be walked from node `a` straight to node `b`.
    walk: Vec<Vec<bool>>,
}

fn random_network(lattice: &std::collections::BTreeSet<(u8, u8)>, lines: &[(Vec<usize>, u8)]) -> RandomNetwork {
    let nodes: Vec<[f64; 2]> = lattice.iter().map(|&(x, y)| [f64::from(x) * 10.0, f64::from(y) * 10.0]).collect();
    let lines: Vec<(Vec<usize>, Direction)> =
        lines.iter().map(|(l, d)| (l.iter().map(|&i| i % nodes.len()).collect(), direction_of(*d))).collect();
    let mut segments: Vec<[usize; 2]> = lines
        .iter()
        .flat_map(|(l, _)| l.windows(2))
        .filter(|w| w[0] != w[1])
        .map(|w| [w[0].min(w[1]), w[0].max(w[1])])
        .collect();
    segments.sort_unstable();
    segments.dedup();
    let polylines: Vec<Vec<[f64; 2]>> = lines.iter().map(|(l, _)| l.iter().map(|&i| nodes[i]).collect()).collect();
    let directions: Vec<Direction> = lines.iter().map(|(_, d)| *d).collect();
    let (net, report) = WalkingNetwork::build_directed(&polylines, &directions, &opts(1)).unwrap();
    assert_eq!(net.edge_count(), segments.len());
    assert_eq!(report.nodes_dropped, 0);
    let mut walk = vec![vec![false; net.node_count()]; net.node_count()];
    for (l, d) in &lines {
        for w in l.windows(2).filter(|w| w[0] != w[1]) {
            let [a, b] = [w[0], w[1]].map(|i| node_at(&net, nodes[i]) as usize);
            walk[a][b] |= *d != Direction::Backward;
            walk[b][a] |= *d != Direction::Forward;
        }
    }
    RandomNetwork { nodes, segments, net, walk }
}

impl RandomNetwork {
    /// Where `spec` puts its point.
    fn place(&self, s: &PointSpec) -> [f64; 2] {
        let [a, b] = self.segments[s.segment % self.segments.len()].map(|i| self.nodes[i]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dy);
        [a[0] + s.t * dx - dy / len * s.side, a[1] + s.t * dy + dx / len * s.side]
    }

    /// Floyd–Warshall on the network's nodes plus one node per point `(edge, t)`, each edge
    /// split at its points: `d[i][j]` is the walk from `i` to `j` (walkability from
    /// `self.walk`, lengths from the coordinates; points at the same position are joined both
    /// ways). Returns the matrix and the matrix index of each point.
    fn brute_force(&self, points: &[(u32, f64)]) -> (Vec<Vec<f64>>, Vec<usize>) {
        let net = &self.net;
        let n0 = net.node_count();
        let m = n0 + points.len();
        let mut d = vec![vec![f64::INFINITY; m]; m];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for e in 0..net.edge_count() as u32 {
            let [a, b] = net.edge_nodes(e).map(|n| n as usize);
            let (pa, pb) = (net.node_xy(a as u32), net.node_xy(b as u32));
            let len = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
            let mut on: Vec<(f64, usize)> =
                points.iter().enumerate().filter(|(_, p)| p.0 == e).map(|(k, p)| (p.1, n0 + k)).collect();
            on.sort_by(|x, y| x.0.total_cmp(&y.0));
            on.insert(0, (0.0, a));
            on.push((1.0, b));
            for w in on.windows(2) {
                let ((t0, u), (t1, v)) = (w[0], w[1]);
                let length = (t1 - t0) * len;
                if self.walk[a][b] || t0 == t1 {
                    d[u][v] = d[u][v].min(length);
                }
                if self.walk[b][a] || t0 == t1 {
                    d[v][u] = d[v][u].min(length);
                }
            }
        }
        for k in 0..m {
            for i in 0..m {
                for j in 0..m {
                    if d[i][k] + d[k][j] < d[i][j] {
                        d[i][j] = d[i][k] + d[k][j];
                    }
                }
            }
        }
        (d, (n0..m).collect())
    }
}

/// Lines for a random network: 1–10 polylines of 2–4 lattice indices, each with a direction
/// code (0 two-way, 1 forward, 2 backward).
fn random_lines() -> impl Strategy<Value = Vec<(Vec<usize>, u8)>> {
    proptest::collection::vec(
        (proptest::collection::vec(0usize..12, 2..=4), prop_oneof![2 => Just(0u8), 1 => 1u8..3]),
        1..=10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn network_distances_equal_floyd_warshall(
        lattice in proptest::collection::btree_set((0u8..6, 0u8..6), 2..=12),
        lines in random_lines(),
        sources in proptest::collection::vec(point_spec(), 1..=5),
        targets in proptest::collection::vec(point_spec(), 1..=6),
        cutoff in prop_oneof![Just(f64::INFINITY), 0.0..150.0f64],
        max_snap in prop_oneof![Just(200.0), 0.5..6.0f64],
    ) {
        let rn = random_network(&lattice, &lines);
        prop_assume!(!rn.segments.is_empty());
        let net = &rn.net;
        let points: Vec<[f64; 2]> = sources.iter().chain(&targets).map(|s| rn.place(s)).collect();
        let snaps = net.snap(&points, max_snap);

        // Snapping: the nearest edge, the right t, reachable exactly within max_snap; ties
        // to the lowest edge index.
        for (p, snap) in points.iter().zip(&snaps) {
            let nearest = rn.segments.iter().map(|&[a, b]| segment_distance(rn.nodes[a], rn.nodes[b], *p)).fold(f64::INFINITY, f64::min);
            match *snap {
                Snap::Unreachable => prop_assert!(nearest > max_snap - 1e-9, "{nearest} ≤ {max_snap}"),
                Snap::Snapped { edge, t, offset_m } => {
                    prop_assert!((offset_m - nearest).abs() < 1e-9 && offset_m <= max_snap);
                    prop_assert!((0.0..=1.0).contains(&t));
                    let [a, b] = net.edge_nodes(edge).map(|n| net.node_xy(n));
                    let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                    prop_assert!(((q[0] - p[0]).hypot(q[1] - p[1]) - offset_m).abs() < 1e-9);
                    for e in 0..edge {
                        let [a, b] = net.edge_nodes(e).map(|n| net.node_xy(n));
                        prop_assert!(segment_distance(a, b, *p) > offset_m - 1e-9, "edge {e} < {edge} is nearer");
                    }
                }
            }
        }

        // Brute force: a point's node in the split graph, walked from target to source.
        let on_net: Vec<(u32, f64)> = snaps.iter().map(|s| match *s {
            Snap::Snapped { edge, t, .. } => (edge, t),
            Snap::Unreachable => (u32::MAX, 0.0),
        }).collect();
        let (d, at) = rn.brute_force(&on_net);
        let leg = |k: usize| match snaps[k] {
            Snap::Snapped { offset_m, .. } => offset_m,
            Snap::Unreachable => f64::INFINITY,
        };
        let brute = |s: usize, t: usize| {
            let (ks, kt) = (s, sources.len() + t);
            leg(kt) + d[at[kt]][at[ks]] + leg(ks)
        };

        let (source_snaps, target_snaps) = snaps.split_at(sources.len());
        let mut scratch = DijkstraScratch::new();
        // Run twice on the same scratch: reuse must not leak state.
        let _ = net.nearest_sources(target_snaps, source_snaps, cutoff / 2.0, &mut scratch);
        let got = net.nearest_sources(source_snaps, target_snaps, cutoff, &mut scratch);
        prop_assert_eq!(got.len(), targets.len());
        for (t, answer) in got.iter().enumerate() {
            let best = (0..sources.len()).map(|s| brute(s, t)).fold(f64::INFINITY, f64::min);
            match *answer {
                None => prop_assert!(best.is_infinite() || best > cutoff - 1e-9, "target {t}: None but brute force {best} ≤ {cutoff}"),
                Some((s, dist)) => {
                    prop_assert!(dist <= cutoff, "target {t}: {dist} > cutoff {cutoff}");
                    prop_assert!((dist - best).abs() < 1e-9, "target {t}: {dist} vs brute force {best}");
                    prop_assert!((brute(s as usize, t) - dist).abs() < 1e-9, "target {t}: source {s} is not at {dist}");
                }
            }
            // The cutoff at the answer itself, just above and just below.
            if best.is_finite() {
                let one = &target_snaps[t..=t];
                let at = net.nearest_sources(source_snaps, one, best + 1e-9, &mut scratch)[0];
                prop_assert!(at.is_some_and(|(_, d)| (d - best).abs() < 1e-9), "target {t}: {at:?} at cutoff {best}");
                if best > 1e-6 {
                    let below = net.nearest_sources(source_snaps, one, best - 1e-6, &mut scratch)[0];
                    prop_assert!(below.is_none(), "target {t}: {below:?} below cutoff {best}");
                }
            }
        }
    }

    #[test]
    fn reached_parts_hold_exactly_the_points_within_the_cutoff(
        lattice in proptest::collection::btree_set((0u8..6, 0u8..6), 2..=12),
        lines in random_lines(),
        sources in proptest::collection::vec(point_spec(), 1..=4),
        samples in proptest::collection::vec((0usize..64, 0.001..0.999f64), 1..=8),
        cutoff in prop_oneof![Just(f64::INFINITY), 0.0..80.0f64],
    ) {
        let rn = random_network(&lattice, &lines);
        prop_assume!(!rn.segments.is_empty());
        let net = &rn.net;
        let points: Vec<[f64; 2]> = sources.iter().map(|s| rn.place(s)).collect();
        let snaps = net.snap(&points, 200.0);
        let ne = net.edge_count();
        // Sample points on edges (no access leg), then the sources' snapped points.
        let mut on_net: Vec<(u32, f64)> = samples.iter().map(|&(e, t)| ((e % ne) as u32, t)).collect();
        on_net.extend(snaps.iter().map(|s| match *s {
            Snap::Snapped { edge, t, .. } => (edge, t),
            Snap::Unreachable => (u32::MAX, 0.0),
        }));
        let (d, at) = rn.brute_force(&on_net);
        let to_source = |i: usize| {
            snaps.iter().enumerate().filter_map(|(s, snap)| match *snap {
                Snap::Snapped { offset_m, .. } => Some(d[i][at[samples.len() + s]] + offset_m),
                Snap::Unreachable => None,
            }).fold(f64::INFINITY, f64::min)
        };

        let mut scratch = DijkstraScratch::new();
        // Nodes.
        let nodes = net.distances_to(&snaps, cutoff, &mut scratch);
        prop_assert!(nodes.windows(2).all(|w| w[0].0 < w[1].0));
        for n in 0..net.node_count() {
            let brute = to_source(n);
            let got = nodes.iter().find(|&&(m, _)| m as usize == n).map(|&(_, d)| d);
            match got {
                Some(dist) => prop_assert!((dist - brute).abs() < 1e-9 && dist <= cutoff, "node {n}: {dist} vs {brute}"),
                None => prop_assert!(brute.is_infinite() || brute > cutoff - 1e-9, "node {n}: not reached but brute force {brute} ≤ {cutoff}"),
            }
        }

        // Sample points: on a reached part of their edge iff within the cutoff.
        let spans = net.reached_spans(&snaps, cutoff, &mut scratch);
        prop_assert!(spans.windows(2).all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1[1] < w[1].1[0])), "{spans:?}");
        prop_assert!(spans.iter().all(|&(_, [t0, t1])| 0.0 <= t0 && t0 < t1 && t1 <= 1.0));
        for (k, &(edge, t)) in on_net[..samples.len()].iter().enumerate() {
            let brute = to_source(at[k]);
            let len = net.edge_length(edge);
            // Within `slack` metres of a reached part of the edge.
            let near = |slack: f64| spans.iter().any(|&(e, [t0, t1])| e == edge && t0 * len - slack <= t * len && t * len <= t1 * len + slack);
            if brute.is_finite() && brute <= cutoff - 1e-6 {
                prop_assert!(near(1e-9), "edge {edge} at {t}: brute force {brute} ≤ {cutoff} but not reached: {spans:?}");
            } else if brute > cutoff + 1e-6 {
                prop_assert!(!near(1e-7), "edge {edge} at {t}: brute force {brute} > {cutoff} but reached: {spans:?}");
            }
        }
        // The segments are the spans' positions.
        let parts = net.reached_parts(&snaps, cutoff, &mut scratch);
        prop_assert_eq!(parts.len(), spans.len());
        for (part, &(edge, [t0, t1])) in parts.iter().zip(&spans) {
            let [a, b] = net.edge_nodes(edge).map(|n| net.node_xy(n));
            for (p, t) in part.iter().zip([t0, t1]) {
                prop_assert!((p[0] - (a[0] + t * (b[0] - a[0]))).abs() < 1e-9 && (p[1] - (a[1] + t * (b[1] - a[1]))).abs() < 1e-9);
            }
        }
    }
}

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

#[test]
fn crossing_lines_sharing_an_interior_vertex_form_one_component() {
    let lines = vec![vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]], vec![[10.0, -10.0], [10.0, 0.0], [10.0, 10.0]]];
    let (net, report) = build(&lines, 1);
    assert_eq!((net.node_count(), net.edge_count()), (5, 4));
    assert_eq!((report.components_kept, report.components_dropped, report.nodes_dropped), (1, 0, 0));
    assert_eq!(net.neighbours(1).count(), 4); // (10, 0) is the crossing
    assert_eq!(net.neighbours(1).map(|(_, len)| len).sum::<f64>(), 40.0);
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
    assert_eq!(net.node_xy(1), [10.0, 0.0]);
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
    assert_eq!(net.node_xy(1), [0.016, 0.0]);
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
    assert_eq!(snapped(net.snap(&[[50.0, 0.0]], 200.0)[0]).0, 0);
    let (edge, _, offset) = snapped(net.snap(&[[100.0, -10.0]], 200.0)[0]);
    assert_eq!((edge, offset), (1, 0.0));
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn network_distances_equal_floyd_warshall(
        lattice in proptest::collection::btree_set((0u8..6, 0u8..6), 2..=12),
        lines in proptest::collection::vec(proptest::collection::vec(0usize..12, 2..=4), 1..=10),
        sources in proptest::collection::vec(point_spec(), 1..=5),
        targets in proptest::collection::vec(point_spec(), 1..=6),
        cutoff in prop_oneof![Just(f64::INFINITY), 0.0..150.0f64],
        max_snap in prop_oneof![Just(200.0), 0.5..6.0f64],
    ) {
        let nodes: Vec<[f64; 2]> = lattice.iter().map(|&(x, y)| [f64::from(x) * 10.0, f64::from(y) * 10.0]).collect();
        let lines: Vec<Vec<usize>> = lines.iter().map(|l| l.iter().map(|&i| i % nodes.len()).collect()).collect();
        // Distinct undirected lattice segments.
        let mut segments: Vec<[usize; 2]> =
            lines.iter().flat_map(|l| l.windows(2)).filter(|w| w[0] != w[1]).map(|w| [w[0].min(w[1]), w[0].max(w[1])]).collect();
        segments.sort_unstable();
        segments.dedup();
        let polylines: Vec<Vec<[f64; 2]>> = lines.iter().map(|l| l.iter().map(|&i| nodes[i]).collect()).collect();
        let (net, report) = build(&polylines, 1);
        prop_assert_eq!(net.edge_count(), segments.len());
        prop_assert_eq!(report.nodes_dropped, 0);
        prop_assume!(!segments.is_empty());

        let place = |s: &PointSpec| {
            let [a, b] = segments[s.segment % segments.len()].map(|i| nodes[i]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len = dx.hypot(dy);
            [a[0] + s.t * dx - dy / len * s.side, a[1] + s.t * dy + dx / len * s.side]
        };
        let points: Vec<[f64; 2]> = sources.iter().chain(&targets).map(place).collect();
        let snaps = net.snap(&points, max_snap);

        // Snapping: the nearest edge, the right t, reachable exactly within max_snap.
        let lattice_index = |xy: [f64; 2]| nodes.iter().position(|&n| n == xy).unwrap();
        for (p, snap) in points.iter().zip(&snaps) {
            let nearest = segments.iter().map(|&[a, b]| segment_distance(nodes[a], nodes[b], *p)).fold(f64::INFINITY, f64::min);
            match *snap {
                Snap::Unreachable => prop_assert!(nearest > max_snap - 1e-9, "{nearest} ≤ {max_snap}"),
                Snap::Snapped { edge, t, offset_m } => {
                    prop_assert!((offset_m - nearest).abs() < 1e-9 && offset_m <= max_snap);
                    prop_assert!((0.0..=1.0).contains(&t));
                    let [a, b] = net.edge_nodes(edge).map(|n| net.node_xy(n));
                    let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                    prop_assert!(((q[0] - p[0]).hypot(q[1] - p[1]) - offset_m).abs() < 1e-9);
                }
            }
        }

        // Brute force: lattice nodes plus one node per snapped point, edges split there.
        let n0 = nodes.len();
        let mut on_node = vec![usize::MAX; snaps.len()];
        let mut per_segment: Vec<Vec<(f64, usize)>> = vec![Vec::new(); segments.len()];
        let seg_of = |edge: u32| {
            let [a, b] = net.edge_nodes(edge).map(|n| lattice_index(net.node_xy(n)));
            (segments.binary_search(&[a.min(b), a.max(b)]).unwrap(), a > b)
        };
        for (k, snap) in snaps.iter().enumerate() {
            if let Snap::Snapped { edge, t, .. } = *snap {
                let (s, flipped) = seg_of(edge);
                per_segment[s].push((if flipped { 1.0 - t } else { t }, k));
                on_node[k] = n0 + k;
            }
        }
        let m = n0 + snaps.len();
        let mut d = vec![vec![f64::INFINITY; m]; m];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        let link = |d: &mut [Vec<f64>], a: usize, b: usize, w: f64| {
            d[a][b] = d[a][b].min(w);
            d[b][a] = d[b][a].min(w);
        };
        for (s, &[a, b]) in segments.iter().enumerate() {
            let len = (nodes[a][0] - nodes[b][0]).hypot(nodes[a][1] - nodes[b][1]);
            let mut on = per_segment[s].clone();
            on.sort_by(|x, y| x.0.total_cmp(&y.0));
            let (mut prev, mut prev_t) = (a, 0.0);
            for (t, k) in on {
                link(&mut d, prev, n0 + k, (t - prev_t) * len);
                (prev, prev_t) = (n0 + k, t);
            }
            link(&mut d, prev, b, (1.0 - prev_t) * len);
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
        let leg = |k: usize| match snaps[k] {
            Snap::Snapped { offset_m, .. } => offset_m,
            Snap::Unreachable => f64::INFINITY,
        };
        let brute = |s: usize, t: usize| {
            let (ks, kt) = (s, sources.len() + t);
            if on_node[ks] == usize::MAX || on_node[kt] == usize::MAX {
                f64::INFINITY
            } else {
                leg(ks) + d[on_node[ks]][on_node[kt]] + leg(kt)
            }
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
}

//! Step 4 of the catchment method: the buffer of the edges outside covered blocks, as chains
//! of edges paired through nodes (one ring each, round caps at dead ends) plus sectors at
//! junctions and discs at isolated points.

use std::f64::consts::{PI, TAU};

use geo::{Coord, LineString, Polygon};

use super::skeleton::{NONE, adjacency};
use super::{ARC_SEGMENTS_PER_CIRCLE, MARGIN};

/// The point at distance `r` from `c` in direction `angle`.
pub(super) fn polar(c: [f64; 2], r: f64, angle: f64) -> Coord<f64> {
    let (s, co) = angle.sin_cos();
    Coord { x: c[0] + r * co, y: c[1] + r * s }
}

/// The counter-clockwise polygon of the sector of radius `r` around `c` from angle `a0` to
/// `a1` (radians, `a0 < a1`), arcs split into steps of at most 2π / [`ARC_SEGMENTS_PER_CIRCLE`];
/// a full disc when `full` (then `a0`, `a1` are ignored).
pub(super) fn sector(c: [f64; 2], r: f64, a0: f64, a1: f64, full: bool) -> Polygon<f64> {
    let step = TAU / ARC_SEGMENTS_PER_CIRCLE as f64;
    let mut ring = Vec::with_capacity(ARC_SEGMENTS_PER_CIRCLE + 3);
    if full {
        ring.extend((0..ARC_SEGMENTS_PER_CIRCLE).map(|k| polar(c, r, k as f64 * step)));
    } else {
        let k = ((a1 - a0) / step).ceil().max(1.0) as usize;
        let d = (a1 - a0) / k as f64;
        ring.push(Coord { x: c[0], y: c[1] });
        ring.extend((0..=k).map(|j| polar(c, r, a0 + j as f64 * d)));
    }
    Polygon::new(LineString::new(ring), Vec::new()) // Polygon::new closes the ring
}

/// Highest degree at which a node's segments are paired into through-chains; busier nodes
/// (never in a street network) end every chain, which is correct, only slower.
pub(super) const MAX_PAIRED_DEGREE: usize = 16;

/// `x` (radians) wrapped into (−π, π].
pub(super) fn wrap(x: f64) -> f64 {
    let y = x.rem_euclid(TAU);
    if y > PI { y - TAU } else { y }
}

/// The pieces whose union is the buffer of width `r` around `edges` (see the module
/// documentation): the sectors at junctions and cut loops where direction gaps are wider than
/// 180° − [`MARGIN`], and one ring per chain of edges paired through nodes, with round caps at
/// dead ends.
pub(super) fn sectors_and_chains(
    nodes: &[[f64; 2]],
    edges: &[[u32; 2]],
    r: f64,
) -> (Vec<Polygon<f64>>, Vec<Polygon<f64>>) {
    let (offsets, ends) = adjacency(nodes.len(), edges);
    let at = |v: u32| &ends[offsets[v as usize] as usize..offsets[v as usize + 1] as usize];
    let node_of = |end: u32| edges[end as usize / 2][end as usize % 2];
    let far_of = |end: u32| edges[end as usize / 2][1 - end as usize % 2];
    // Direction (radians) of each edge-end, pointing away from its node.
    let angles: Vec<f64> = (0..ends.len() as u32)
        .map(|end| {
            let (a, b) = (nodes[node_of(end) as usize], nodes[far_of(end) as usize]);
            (b[1] - a[1]).atan2(b[0] - a[0])
        })
        .collect();
    let angle = |end: u32| angles[end as usize];

    // Pair edge-ends at each node into through-paths, straightest first: always at nodes of
    // degree 2, and at junctions for turns up to 90°.
    let mut partner = vec![NONE; 2 * edges.len()];
    let mut candidates: Vec<(f64, u32, u32)> = Vec::new();
    for v in 0..nodes.len() as u32 {
        let here = at(v);
        if here.len() == 2 {
            partner[here[0] as usize] = here[1];
            partner[here[1] as usize] = here[0];
        } else if (3..=MAX_PAIRED_DEGREE).contains(&here.len()) {
            candidates.clear();
            for (i, &p) in here.iter().enumerate() {
                for &q in &here[i + 1..] {
                    let turn = PI - wrap(angle(p) - angle(q)).abs();
                    if turn <= PI / 2.0 {
                        candidates.push((turn, p, q));
                    }
                }
            }
            candidates.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            for &(_, p, q) in &candidates {
                if partner[p as usize] == NONE && partner[q as usize] == NONE {
                    partner[p as usize] = q;
                    partner[q as usize] = p;
                }
            }
        }
    }

    // Nodes where the sector rule applies: junctions, and where closed loops are cut. Dead
    // ends get a round cap on their chain instead.
    let mut end_node: Vec<bool> = (0..nodes.len() as u32).map(|v| at(v).len() > 2).collect();
    let dead_end = |v: u32| at(v).len() == 1;
    let mut used = vec![false; edges.len()];
    let mut chains: Vec<Polygon<f64>> = Vec::new();
    let mut seq: Vec<[f64; 2]> = Vec::new();
    // Walks the chain starting with edge-end `first` into `seq`; returns its last node.
    let walk = |first: u32, used: &mut [bool], seq: &mut Vec<[f64; 2]>| {
        seq.clear();
        seq.push(nodes[node_of(first) as usize]);
        let mut end = first;
        loop {
            used[end as usize / 2] = true;
            seq.push(nodes[far_of(end) as usize]);
            let next = partner[(end ^ 1) as usize];
            if next == NONE || used[next as usize / 2] {
                return far_of(end);
            }
            end = next;
        }
    };
    for first in 0..2 * edges.len() as u32 {
        if partner[first as usize] == NONE && !used[first as usize / 2] {
            let last = walk(first, &mut used, &mut seq);
            chains.push(chain_ring(&seq, r, [dead_end(node_of(first)), dead_end(last)]));
        }
    }
    for e in 0..edges.len() {
        if !used[e] {
            // A closed loop: cut it at its first node, which then ends two chain ends.
            end_node[edges[e][0] as usize] = true;
            walk(2 * e as u32, &mut used, &mut seq);
            chains.push(chain_ring(&seq, r, [false; 2]));
        }
    }

    let mut sectors = Vec::new();
    let mut around: Vec<f64> = Vec::new();
    for v in 0..nodes.len() as u32 {
        let c = nodes[v as usize];
        if at(v).is_empty() || !end_node[v as usize] {
            continue;
        }
        around.clear();
        around.extend(at(v).iter().map(|&e| angle(e)));
        around.sort_unstable_by(f64::total_cmp);
        for (k, &a) in around.iter().enumerate() {
            let next = if k + 1 < around.len() { around[k + 1] } else { around[0] + TAU };
            // Rectangles cover the directions within 90° of theirs: a gap wider than
            // 180° − MARGIN leaves directions covered by neither (or by an overlap under MARGIN).
            if next - a > PI - MARGIN {
                sectors.push(sector(c, r, a + PI / 2.0 - MARGIN, next - PI / 2.0 + MARGIN, false));
            }
        }
    }
    (sectors, chains)
}

/// The ring around the polyline `pts` (at least two points, consecutive points distinct) at
/// distance `r`: its right side forward, the end at the last point, its left side backward,
/// the end at the first point. An end is a half circle if `caps` says so (`[first, last]`),
/// else straight through the point. At each vertex the outer side follows an
/// arc around the vertex; the inner side cuts straight across (a bevel) when both segments are
/// at least r·|sin φ| long for a turn φ, which keeps the bevel's triangle inside both
/// segments' rectangles, and otherwise passes through the vertex. Its winding number is then
/// the number of rectangles and arc sectors containing a point minus the number of bevel
/// triangles containing it. Each triangle lies in the rectangles on both sides of its vertex,
/// and along a path k vertices have at least k + 1 incident segments, so the winding number
/// is ≥ 1 exactly on the union of the rectangles and sectors, and 0 elsewhere.
pub(super) fn chain_ring(pts: &[[f64; 2]], r: f64, caps: [bool; 2]) -> Polygon<f64> {
    let m = pts.len() - 1;
    // Unit direction, left normal scaled by r, and length of each section.
    let sec: Vec<([f64; 2], [f64; 2], f64)> = pts
        .windows(2)
        .map(|w| {
            let (dx, dy) = (w[1][0] - w[0][0], w[1][1] - w[0][1]);
            let len = dx.hypot(dy);
            ([dx / len, dy / len], [-dy / len * r, dx / len * r], len)
        })
        .collect();
    let pt = |p: [f64; 2], n: [f64; 2], s: f64| Coord { x: p[0] + s * n[0], y: p[1] + s * n[1] };
    let turn = |k: usize| {
        let (d0, d1) = (sec[k].0, sec[k + 1].0);
        (d0[0] * d1[1] - d0[1] * d1[0]).atan2(d0[0] * d1[0] + d0[1] * d1[1])
    };
    let bevel_ok = |k: usize, phi: f64| sec[k].2.min(sec[k + 1].2) >= r * phi.sin().abs() * (1.0 + 1e-9);
    let step = TAU / ARC_SEGMENTS_PER_CIRCLE as f64;
    // Points strictly inside the arc of radius r around c from angle a0, sweeping `sweep` > 0.
    let arc = |ring: &mut Vec<Coord<f64>>, c: [f64; 2], a0: f64, sweep: f64| {
        let k = (sweep / step).ceil().max(1.0) as usize;
        ring.extend((1..k).map(|j| polar(c, r, a0 + sweep * j as f64 / k as f64)));
    };
    let angle_of = |n: [f64; 2], s: f64| (s * n[1]).atan2(s * n[0]);

    let mut ring = Vec::with_capacity(4 * m + 4);
    // Right side, forward.
    ring.push(pt(pts[0], sec[0].1, -1.0));
    for k in 0..m {
        ring.push(pt(pts[k + 1], sec[k].1, -1.0));
        if k + 1 < m {
            let (c, phi) = (pts[k + 1], turn(k));
            if phi > 0.0 {
                arc(&mut ring, c, angle_of(sec[k].1, -1.0), phi);
            } else if !bevel_ok(k, phi) {
                ring.push(Coord { x: c[0], y: c[1] });
            }
            ring.push(pt(c, sec[k + 1].1, -1.0));
        }
    }
    // The end through the last point (round or straight), then the left side backward.
    if caps[1] {
        arc(&mut ring, pts[m], angle_of(sec[m - 1].1, -1.0), PI);
    } else {
        ring.push(Coord { x: pts[m][0], y: pts[m][1] });
    }
    ring.push(pt(pts[m], sec[m - 1].1, 1.0));
    for k in (0..m).rev() {
        ring.push(pt(pts[k], sec[k].1, 1.0));
        if k > 0 {
            let (c, phi) = (pts[k], turn(k - 1));
            if phi < 0.0 {
                arc(&mut ring, c, angle_of(sec[k].1, 1.0), -phi);
            } else if !bevel_ok(k - 1, phi) {
                ring.push(Coord { x: c[0], y: c[1] });
            }
            ring.push(pt(c, sec[k - 1].1, 1.0));
        }
    }
    if caps[0] {
        arc(&mut ring, pts[0], angle_of(sec[0].1, 1.0), PI);
    } else {
        ring.push(Coord { x: pts[0][0], y: pts[0][1] });
    }
    Polygon::new(LineString::new(ring), Vec::new())
}

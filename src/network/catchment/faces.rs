//! Step 3 of the catchment method: the faces of the line graph that are wholly within the
//! buffer width of their own edges (covered blocks), and the proofs of that (strip width, hull
//! width, cell-by-cell reach).

use geo::{Coord, LineString, Polygon};

use super::skeleton::{NONE, adjacency, cmp_pt, dist, dist_to_segment};

/// Faces with more edges than this are never taken as covered (keeps the quadratic
/// simplicity check cheap; such blocks are rare and only cost speed).
pub(super) const MAX_FACE_EDGES: usize = 256;

/// Traces the faces of the line graph as in a planar map (at each node, leave by the edge
/// next clockwise from the one arriving) and takes as covered those that are simple
/// counter-clockwise polygons of at most [`MAX_FACE_EDGES`] edges lying in a strip of width
/// ≤ 2r, not counting dead-end trees inside them (edges with the face on both sides): every
/// point of such a face is within r of its edges (the ray from it to the nearer side
/// of the strip leaves the face through an edge). Returns the outline of the union of the
/// covered faces as rings, and for each edge whether both its sides are covered faces
/// ("interior").
///
/// Why interior edges need no buffer: let U be the union of the covered faces and p a point
/// within r of an interior edge, at q, but outside U. Since q ∈ U, the segment pq leaves U at a
/// point x of ∂U, |p − x| ≤ r, and x lies on an edge of a covered face: not inside an interior
/// edge, whose two sides near x lie in the covered faces on either side, nor at a node whose
/// edges are all interior, since every angular sector at a node is the corner of the face
/// traced through it, so a neighbourhood of the node is in U. So x is on a non-interior edge
/// and p within r of it. This needs no planarity: crossing lines only give fewer simple faces.
pub(super) fn covered_faces(nodes: &[[f64; 2]], edges: &[[u32; 2]], r: f64) -> (Vec<Polygon<f64>>, Vec<bool>) {
    let (offsets, mut ends) = adjacency(nodes.len(), edges);
    let node_of = |end: u32| edges[end as usize / 2][end as usize % 2];
    let far_of = |end: u32| edges[end as usize / 2][1 - end as usize % 2];
    let angle: Vec<f64> = (0..ends.len() as u32)
        .map(|end| {
            let (a, b) = (nodes[node_of(end) as usize], nodes[far_of(end) as usize]);
            (b[1] - a[1]).atan2(b[0] - a[0])
        })
        .collect();
    // Edge-ends around each node in counter-clockwise order, and each one's position there.
    let mut pos = vec![0u32; ends.len()];
    for v in 0..nodes.len() {
        let slice = &mut ends[offsets[v] as usize..offsets[v + 1] as usize];
        slice.sort_unstable_by(|&p, &q| angle[p as usize].total_cmp(&angle[q as usize]).then(p.cmp(&q)));
        for (i, &e) in slice.iter().enumerate() {
            pos[e as usize] = i as u32;
        }
    }
    // A half-edge is the edge-end it leaves from; the next one around its face leaves the far
    // node by the edge-end clockwise before the arriving one.
    let next = |h: u32| {
        let back = h ^ 1;
        let v = node_of(back) as usize;
        let (start, deg) = (offsets[v], offsets[v + 1] - offsets[v]);
        ends[(start + (pos[back as usize] + deg - 1) % deg) as usize]
    };

    let mut face_of = vec![NONE; ends.len()];
    let mut covered: Vec<bool> = Vec::new();
    let mut cycle: Vec<u32> = Vec::new();
    for h0 in 0..ends.len() as u32 {
        if face_of[h0 as usize] != NONE {
            continue;
        }
        let id = covered.len() as u32;
        cycle.clear();
        let mut h = h0;
        while face_of[h as usize] == NONE {
            face_of[h as usize] = id;
            cycle.push(h);
            h = next(h);
        }
        // `h` is back at `h0`: every half-edge has exactly one predecessor. Edges with this face
        // on both sides (dead-end trees inside a block) lie inside it: the face is the polygon
        // of the other half-edges, if they still form one closed cycle.
        let rest: Vec<u32> = cycle.iter().copied().filter(|&h| face_of[(h ^ 1) as usize] != id).collect();
        let closed = (0..rest.len()).all(|i| far_of(rest[i]) == node_of(rest[(i + 1) % rest.len()]));
        let ok = closed && (3..=MAX_FACE_EDGES).contains(&rest.len()) && {
            let ids: Vec<u32> = rest.iter().map(|&h| node_of(h)).collect();
            let pts: Vec<[f64; 2]> = ids.iter().map(|&v| nodes[v as usize]).collect();
            let trees: Vec<[u32; 2]> = cycle
                .iter()
                .filter(|&&h| h % 2 == 0 && face_of[(h ^ 1) as usize] == id)
                .map(|&h| edges[h as usize / 2])
                .collect();
            trees.len() <= MAX_FACE_EDGES && is_covered_face(&pts, &ids, &trees, nodes, r)
        };
        covered.push(ok);
    }
    let is_covered = |h: usize| covered[face_of[h] as usize];
    let interior: Vec<bool> = (0..edges.len()).map(|e| is_covered(2 * e) && is_covered(2 * e + 1)).collect();

    // The union of the covered faces, as closed rings of the half-edges with a covered face on
    // their left and an uncovered one on their right: the sum of the faces' rings less the
    // pairs of opposite half-edges, which cancel (winding numbers are unchanged). At each node
    // as many such half-edges arrive as leave, so linking them in any order closes the rings.
    let is_rim = |h: usize| is_covered(h) && !is_covered(h ^ 1);
    let mut leaving: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    for h in (0..ends.len()).rev() {
        if is_rim(h) {
            leaving[node_of(h as u32) as usize].push(h as u32);
        }
    }
    let mut rings = Vec::new();
    for h0 in 0..ends.len() {
        let start = node_of(h0 as u32) as usize;
        if !is_rim(h0) || !leaving[start].contains(&(h0 as u32)) {
            continue;
        }
        leaving[start].retain(|&g| g != h0 as u32);
        let mut ring = vec![Coord { x: nodes[start][0], y: nodes[start][1] }];
        let mut h = h0 as u32;
        loop {
            let v = far_of(h) as usize;
            match leaving[v].pop() {
                Some(g) => {
                    ring.push(Coord { x: nodes[v][0], y: nodes[v][1] });
                    h = g;
                }
                None => break, // back at `start`, the only node with one more arrival than departures
            }
        }
        rings.push(Polygon::new(LineString::new(ring), Vec::new()));
    }
    (rings, interior)
}

/// Whether the closed polygon `pts` (nodes `ids`) is simple and counter-clockwise, the
/// dead-end `trees` edges traced inside it really lie inside it (crossing lines could lead
/// them out), and every point of it is within r of its edges: it lies in a strip of width
/// ≤ 2r, or [`within_reach`] proves it.
pub(super) fn is_covered_face(pts: &[[f64; 2]], ids: &[u32], trees: &[[u32; 2]], nodes: &[[f64; 2]], r: f64) -> bool {
    use geo::Kernel;
    use geo::kernels::{Orientation, RobustKernel};
    let n = pts.len();
    let area2: f64 = (0..n).map(|i| pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1]).sum();
    if area2.is_nan() || area2 <= 0.0 {
        return false;
    }
    // Simple: distinct nodes, and no two edges meeting other than consecutive ones at their
    // shared node (which must not fold back along each other).
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let c = |p: [f64; 2]| Coord { x: p[0], y: p[1] };
    let orient = |a: [f64; 2], b: [f64; 2], p: [f64; 2]| RobustKernel::orient2d(c(a), c(b), c(p));
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        let after = pts[(i + 2) % n];
        if orient(a, b, after) == Orientation::Collinear
            && (after[0] - b[0]) * (a[0] - b[0]) + (after[1] - b[1]) * (a[1] - b[1]) > 0.0
        {
            return false; // folds back
        }
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue; // consecutive through the closing node
            }
            let (p, q) = (pts[j], pts[(j + 1) % n]);
            if segments_meet(orient(a, b, p), orient(a, b, q), orient(p, q, a), orient(p, q, b), [a, b, p, q]) {
                return false;
            }
        }
    }
    // Each tree edge starts inside the polygon's corner where it is attached (the face was
    // traced through it), so it lies inside unless it meets an edge of the polygon elsewhere
    // than at a node they share, or a free end lies outside.
    for &[u, v] in trees {
        let (a, b) = (nodes[u as usize], nodes[v as usize]);
        for i in 0..n {
            let (iu, iv) = (ids[i], ids[(i + 1) % n]);
            let (p, q) = (pts[i], pts[(i + 1) % n]);
            let (abp, abq, pqa, pqb) = (orient(a, b, p), orient(a, b, q), orient(p, q, a), orient(p, q, b));
            let shared = [u, v].iter().any(|w| *w == iu || *w == iv);
            if !shared {
                if segments_meet(abp, abq, pqa, pqb, [a, b, p, q]) {
                    return false;
                }
            } else if abp == Orientation::Collinear && abq == Orientation::Collinear {
                return false; // along the edge: not inside
            }
        }
        for w in [u, v] {
            if !ids.contains(&w) && !inside_polygon(pts, nodes[w as usize]) {
                return false;
            }
        }
    }
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in pts {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let limit = 2.0 * r * (1.0 - 1e-9);
    (hi[0] - lo[0]).min(hi[1] - lo[1]) <= limit || hull_width(pts) <= limit || within_reach(pts, r, lo, hi)
}

/// Whether `g` is inside the simple polygon `pts`, by crossing number (points on its edges may
/// go either way; callers only use it away from them).
pub(super) fn inside_polygon(pts: &[[f64; 2]], g: [f64; 2]) -> bool {
    let n = pts.len();
    let mut odd = false;
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        if (a[1] > g[1]) != (b[1] > g[1]) && g[0] < a[0] + (g[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]) {
            odd = !odd;
        }
    }
    odd
}

/// Cells [`within_reach`] may examine per face before giving up.
pub(super) const REACH_CELLS: usize = 2048;

/// Whether every point of the simple polygon `pts` (bounding box `lo`–`hi`) is within `r` of its
/// edges, proved on square cells of the box, split in four while undecided (at most
/// [`REACH_CELLS`] cells, down to r/64): a cell whose centre g is at distance d from the edges
/// is within reach if d + its half-diagonal ≤ r, and outside the polygon if g is outside and
/// d ≥ the half-diagonal; a centre inside the polygon farther than r disproves it.
pub(super) fn within_reach(pts: &[[f64; 2]], r: f64, lo: [f64; 2], hi: [f64; 2]) -> bool {
    let n = pts.len();
    let dist_edges =
        |g: [f64; 2]| (0..n).map(|i| dist_to_segment(g, pts[i], pts[(i + 1) % n])).fold(f64::INFINITY, f64::min);
    let inside = |g: [f64; 2]| inside_polygon(pts, g);
    let reach = r * (1.0 - 1e-9);
    let side = r;
    let (nx, ny) =
        (((hi[0] - lo[0]) / side).ceil().max(1.0) as usize, ((hi[1] - lo[1]) / side).ceil().max(1.0) as usize);
    if nx.saturating_mul(ny) > REACH_CELLS {
        return false;
    }
    let mut stack: Vec<([f64; 2], f64)> = (0..nx * ny)
        .map(|k| ([lo[0] + ((k % nx) as f64 + 0.5) * side, lo[1] + ((k / nx) as f64 + 0.5) * side], side / 2.0))
        .collect();
    let mut budget = REACH_CELLS;
    while let Some((g, half)) = stack.pop() {
        if budget == 0 {
            return false;
        }
        budget -= 1;
        let d = dist_edges(g);
        let diag = half * std::f64::consts::SQRT_2;
        if d + diag <= reach {
            continue;
        }
        let g_inside = inside(g);
        if !g_inside && d >= diag {
            continue;
        }
        if (g_inside && d > reach) || half < r / 128.0 {
            return false;
        }
        let q = half / 2.0;
        for (dx, dy) in [(-q, -q), (q, -q), (-q, q), (q, q)] {
            stack.push(([g[0] + dx, g[1] + dy], q));
        }
    }
    true
}

/// Whether segments a–b and p–q (`s` = [a, b, p, q]) share a point, from the orientations of
/// p and q relative to a–b and of a and b relative to p–q.
pub(super) fn segments_meet(
    abp: geo::kernels::Orientation,
    abq: geo::kernels::Orientation,
    pqa: geo::kernels::Orientation,
    pqb: geo::kernels::Orientation,
    s: [[f64; 2]; 4],
) -> bool {
    use geo::kernels::Orientation::Collinear;
    let within = |a: [f64; 2], b: [f64; 2], p: [f64; 2]| {
        p[0] >= a[0].min(b[0]) && p[0] <= a[0].max(b[0]) && p[1] >= a[1].min(b[1]) && p[1] <= a[1].max(b[1])
    };
    let [a, b, p, q] = s;
    if abp != abq && pqa != pqb && abp != Collinear && abq != Collinear && pqa != Collinear && pqb != Collinear {
        return true;
    }
    (abp == Collinear && within(a, b, p))
        || (abq == Collinear && within(a, b, q))
        || (pqa == Collinear && within(p, q, a))
        || (pqb == Collinear && within(p, q, b))
}

/// Minimum width of the convex hull of `pts` (at least 3 points).
pub(super) fn hull_width(pts: &[[f64; 2]]) -> f64 {
    let mut p = pts.to_vec();
    p.sort_unstable_by(cmp_pt);
    p.dedup();
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    // Andrew's monotone chain.
    let mut hull: Vec<[f64; 2]> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &[f64; 2]>> =
            if pass == 0 { Box::new(p.iter()) } else { Box::new(p.iter().rev()) };
        for &q in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0 {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    let h = hull.len();
    if h < 3 {
        return 0.0;
    }
    (0..h)
        .map(|i| {
            let (a, b) = (hull[i], hull[(i + 1) % h]);
            let len = dist(a, b);
            hull.iter().map(|&q| cross(a, b, q).abs() / len).fold(0.0, f64::max)
        })
        .fold(f64::INFINITY, f64::min)
}

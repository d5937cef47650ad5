//! Steps 1–2 of the catchment method: the deduplicated, snapped street graph ([`Skeleton`]),
//! its simplification (Ramer–Douglas–Peucker through degree-2 nodes) and the small plane
//! helpers (distances, compressed adjacency) the other steps share.

use std::cmp::Ordering;

/// The deduplicated street parts as a graph: nodes (distinct endpoints, sorted) and edges
/// between distinct nodes.
pub(super) struct Skeleton {
    /// Distinct endpoints, sorted by x then y.
    pub(super) nodes: Vec<[f64; 2]>,
    /// Edges as node pairs, the lower index first, sorted and distinct.
    pub(super) edges: Vec<[u32; 2]>,
    /// Nodes that are the position of a zero-length part.
    pub(super) points: Vec<u32>,
}

/// Total order on points (x, then y); coordinates are finite here.
pub(super) fn cmp_pt(a: &[f64; 2], b: &[f64; 2]) -> Ordering {
    a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1]))
}

impl Skeleton {
    /// Builds the skeleton of `parts` with coordinates rounded to multiples of `grid` (kept as
    /// they are where rounding overflows), skipping segments with a non-finite coordinate.
    pub(super) fn new(parts: &[[[f64; 2]; 2]], grid: f64) -> Skeleton {
        let round = |v: f64| {
            let w = (v / grid).round() * grid;
            // Adding 0.0 turns -0.0 into 0.0, so that bit-wise ordering sees one zero.
            if w.is_finite() { w + 0.0 } else { v + 0.0 }
        };
        let canon = |p: [f64; 2]| [round(p[0]), round(p[1])];
        let mut segs: Vec<[[f64; 2]; 2]> = parts
            .iter()
            .filter(|s| s.iter().flatten().all(|v| v.is_finite()))
            .map(|s| {
                let (a, b) = (canon(s[0]), canon(s[1]));
                if cmp_pt(&a, &b) == Ordering::Greater { [b, a] } else { [a, b] }
            })
            .collect();
        segs.sort_unstable_by(|s, t| cmp_pt(&s[0], &t[0]).then(cmp_pt(&s[1], &t[1])));
        segs.dedup();

        let mut nodes: Vec<[f64; 2]> = segs.iter().flatten().copied().collect();
        nodes.sort_unstable_by(cmp_pt);
        nodes.dedup();
        // Every endpoint is in `nodes`, so the search always succeeds; 0 is never used.
        let id = |p: &[f64; 2]| nodes.binary_search_by(|q| cmp_pt(q, p)).unwrap_or(0) as u32;

        let mut edges = Vec::with_capacity(segs.len());
        let mut points = Vec::new();
        for s in &segs {
            let (a, b) = (id(&s[0]), id(&s[1]));
            if a == b {
                points.push(a);
            } else {
                edges.push([a.min(b), a.max(b)]);
            }
        }
        // Segments are sorted by their canonical endpoints, and node ids follow the same order.
        edges.sort_unstable();
        edges.dedup();
        Skeleton { nodes, edges, points }
    }

    /// Chains the edges through nodes of degree 2 into polylines, simplifies each with
    /// tolerance `eps`, and returns the simplified edges (sorted, distinct) and the nodes that
    /// remain (chain ends, kept vertices and zero-length parts), sorted.
    pub(super) fn simplified(&self, eps: f64) -> (Vec<[u32; 2]>, Vec<u32>) {
        let n = self.nodes.len();
        let (offsets, ends) = adjacency(n, &self.edges);
        let degree = |v: u32| offsets[v as usize + 1] - offsets[v as usize];
        let incident =
            |v: u32| ends[offsets[v as usize] as usize..offsets[v as usize + 1] as usize].iter().map(|&h| h / 2);

        let mut used = vec![false; self.edges.len()];
        let mut out_edges = Vec::with_capacity(self.edges.len());
        let mut kept: Vec<u32> = self.points.clone();
        let mut chain: Vec<u32> = Vec::new();
        let mut coords: Vec<[f64; 2]> = Vec::new();
        let mut keep: Vec<bool> = Vec::new();
        let mut stack: Vec<(usize, usize)> = Vec::new();

        // Walks a chain from `start` along edge `first`, through degree-2 nodes, into `chain`.
        let walk = |start: u32, first: u32, used: &mut [bool], chain: &mut Vec<u32>| {
            chain.clear();
            chain.push(start);
            let mut e = first;
            let mut cur = start;
            loop {
                used[e as usize] = true;
                let [a, b] = self.edges[e as usize];
                let next = if a == cur { b } else { a };
                chain.push(next);
                if next == start || degree(next) != 2 {
                    break;
                }
                match incident(next).find(|&f| !used[f as usize]) {
                    Some(f) => {
                        e = f;
                        cur = next;
                    }
                    None => break,
                }
            }
        };

        let mut emit = |chain: &[u32], out_edges: &mut Vec<[u32; 2]>, kept: &mut Vec<u32>| {
            coords.clear();
            coords.extend(chain.iter().map(|&v| self.nodes[v as usize]));
            rdp(&coords, eps, &mut keep, &mut stack);
            let mut prev: Option<u32> = None;
            for (i, &v) in chain.iter().enumerate() {
                if !keep[i] {
                    continue;
                }
                kept.push(v);
                if let Some(p) = prev
                    && p != v
                {
                    out_edges.push([p.min(v), p.max(v)]);
                }
                prev = Some(v);
            }
        };

        // Chains between nodes of degree ≠ 2 first, then the remaining closed loops.
        for v in 0..n as u32 {
            if degree(v) == 2 {
                continue;
            }
            for e in incident(v) {
                if !used[e as usize] {
                    walk(v, e, &mut used, &mut chain);
                    emit(&chain, &mut out_edges, &mut kept);
                }
            }
        }
        for e in 0..self.edges.len() {
            if !used[e] {
                walk(self.edges[e][0], e as u32, &mut used, &mut chain);
                emit(&chain, &mut out_edges, &mut kept);
            }
        }
        out_edges.sort_unstable();
        out_edges.dedup();
        kept.sort_unstable();
        kept.dedup();
        (out_edges, kept)
    }
}

/// Distance between two points.
pub(super) fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (b[0] - a[0]).hypot(b[1] - a[1])
}

/// Distance from `p` to the segment `a`–`b`.
pub(super) fn dist_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    (p[0] - (a[0] + t * dx)).hypot(p[1] - (a[1] + t * dy))
}

/// Ramer–Douglas–Peucker on `pts` with tolerance `eps`, iteratively: sets `keep[i]` for the
/// retained vertices (always the first and the last). Every dropped vertex lies within `eps`
/// of the retained segment spanning it.
pub(super) fn rdp(pts: &[[f64; 2]], eps: f64, keep: &mut Vec<bool>, stack: &mut Vec<(usize, usize)>) {
    keep.clear();
    keep.resize(pts.len(), false);
    let Some(last) = pts.len().checked_sub(1) else { return };
    keep[0] = true;
    keep[last] = true;
    stack.clear();
    stack.push((0, last));
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let mut far = (i + 1, -1.0);
        for (k, &p) in pts.iter().enumerate().take(j).skip(i + 1) {
            let d = dist_to_segment(p, pts[i], pts[j]);
            if d > far.1 {
                far = (k, d);
            }
        }
        if far.1 > eps {
            keep[far.0] = true;
            stack.push((far.0, j));
            stack.push((i, far.0));
        }
    }
}

/// No edge index.
pub(super) const NONE: u32 = u32::MAX;

/// Compressed adjacency of `n` nodes: `offsets[v]..offsets[v + 1]` indexes the edge-ends
/// (`2 × edge + end`) at node `v` in `ends`.
pub(super) fn adjacency(n: usize, edges: &[[u32; 2]]) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; n + 1];
    for e in edges {
        offsets[e[0] as usize + 1] += 1;
        offsets[e[1] as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut ends = vec![0u32; 2 * edges.len()];
    for (k, e) in edges.iter().enumerate() {
        for (end, &v) in e.iter().enumerate() {
            ends[fill[v as usize] as usize] = 2 * k as u32 + end as u32;
            fill[v as usize] += 1;
        }
    }
    (offsets, ends)
}

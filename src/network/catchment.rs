//! Service-area (catchment) polygons: the area within a buffer width of the street parts from
//! which a facility is reached, and the dissolve (union) of many such areas.
//!
//! [`catchment_polygon`] is the "buffered network" service area of the OSMnx and pandana
//! isochrone tutorials: the set of points within `buffer_m` (r below) of the reached street
//! parts, straight segments in local metres. Buffering every segment into a capsule and
//! unioning them (or `geo::Buffer` on the merged lines) spends most of its time on crossings of
//! offset lines deep inside the result. This module builds far fewer, mostly interior-free
//! pieces whose union is the same set, and unions them once:
//!
//! 1. **Skeleton.** Segments with a non-finite coordinate are skipped; the rest are rounded to
//!    a grid of δ = [`SNAP_FRACTION`] × r (1 cm for r = 50 m, merging the near-duplicate nodes
//!    of real data), made canonical (endpoints in a fixed order, `-0.0` read as `0.0`), sorted
//!    and deduplicated; endpoints with identical coordinates become one node; zero-length
//!    segments become points. Sorting makes the result independent of the input order.
//! 2. **Simplification.** Runs of segments through nodes of degree 2 (closed loops included)
//!    are simplified with Ramer–Douglas–Peucker (iterative, no recursion) at tolerance
//!    ε = [`SIMPLIFY_FRACTION`] × r, keeping junctions and dead ends, so the simplified lines
//!    and the input are within ε of each other.
//! 3. **Covered blocks.** The faces of the line graph are traced as in a planar map. A face
//!    that is a simple counter-clockwise polygon of at most 256 edges lying in a strip of width
//!    ≤ 2r is wholly within r of its own edges, so it is part of the result as it is (a dense
//!    street grid is mostly such blocks). The union of these faces enters as its outline only,
//!    and an edge with such a face on both sides needs no buffer at all: a point within r of it
//!    but outside the faces is within r of the outline (proof at `covered_faces`). This holds
//!    without planarity; crossing lines only give fewer usable faces.
//! 4. **Buffer of the other edges.** They are paired through nodes into chains (always through
//!    nodes of degree 2, at junctions the straightest pairs up to a 90° turn), and each chain
//!    becomes one ring: its right offset forward, its end, its left offset backward, its start.
//!    Ends at dead ends are half circles; other ends are straight through the node. At a bend
//!    the outer side follows an arc around the node; the inner side cuts straight across when
//!    both segments are at least r·|sin φ| long for a turn φ, and otherwise passes through the
//!    node. The ring's winding number is the number of segment rectangles, caps and bend
//!    sectors containing a point minus the number of those inner triangles, each of which lies
//!    in the two rectangles beside it, so it is ≥ 1 exactly on their union. At junctions (and
//!    where a closed loop is cut) the rectangles cover every direction within 90° of a segment;
//!    each gap between neighbouring directions wider than 180° gets a sector over the rest, and
//!    a point without segments gets a disc. So a point whose nearest point on the lines is
//!    inside a segment is in that segment's rectangle, and one whose nearest point is a node is
//!    in a cap, bend arc or sector there. So that pieces around a junction overlap rather than
//!    abut (rounding and i_overlay's integer snapping could open slivers between abutting
//!    pieces), sectors are widened by a quarter arc step (2.8°) on each side, and gaps between
//!    177.2° and 180° get a thin sector too. Circles are approximated by
//!    [`ARC_SEGMENTS_PER_CIRCLE`] chords with their vertices on the circle.
//! 5. **Union.** One `geo::unary_union` (i_overlay, positive fill rule: every piece winds
//!    counter-clockwise, and a simple one comes first since it sets the rule) of the outline of
//!    the covered blocks, the chain rings, sectors and discs gives a valid multipolygon
//!    (exteriors counter-clockwise, holes clockwise), holes kept.
//!
//! **Tolerance.** With τ = ε + δ/√2 = 0.514 % of r and N = 32, every point within
//! r·cos(π/N) − τ ≈ 0.990 r of an input segment is inside the result, and every point of the
//! result is within r + τ ≈ 1.005 r of one (plus i_overlay's snapping to a grid of about 10⁻⁹
//! of the extent). In particular every input segment lies inside the result. Rectangles and
//! blocks are exact; only arcs (chords cut at most 0.48 % of r), rounding and simplification
//! move the boundary.
//!
//! **Cost.** About 2–4 vertices per segment that is not inside covered blocks, plus arcs at
//! dead ends and corners, plus the outline of the covered blocks; the union dominates, and
//! grows with how much the pieces overlap. 1,000 m catchments take about 4 ms on a synthetic
//! 80 m grid (1,250 segments; `geo::Buffer` of the merged lines 9 ms) and about 150 ms on the
//! OpenStreetMap network of central Helsinki with all its footways (5,100 segments;
//! `geo::Buffer` 1.5 s): see `examples/catchment_bench.rs`.
//!
//! [`dissolve`] unions many catchments (e.g. all facilities of one category) with a single
//! `unary_union` call.
//!
//! Both functions are pure and deterministic: the same input gives the same output on any
//! thread, so they can be called from rayon workers.

use std::cmp::Ordering;
use std::f64::consts::{PI, TAU};

use geo::orient::Direction;
use geo::{Coord, LineString, MapCoords, MultiPolygon, Orient, Polygon, unary_union};

/// Number of chords approximating a full circle (vertices on the circle, so every chord lies
/// inside it); arcs of sectors use at most this angular step, 2π/32 = 11.25°. The chord
/// midpoints are r·(1 − cos(π/32)) ≈ 0.48 % of the buffer width inside the true circle.
pub const ARC_SEGMENTS_PER_CIRCLE: usize = 32;

/// Simplification tolerance of the street lines, as a fraction of the buffer width (0.5 %,
/// e.g. 0.25 m for a 50 m buffer). The result lies between the buffers of width
/// r·cos(π/32) − τ and r + τ of the input, with r the buffer width and τ this fraction of it
/// plus √2/2 × [`SNAP_FRACTION`].
pub const SIMPLIFY_FRACTION: f64 = 0.005;

/// Grid to which input coordinates are rounded first, as a fraction of the buffer width
/// (2 × 10⁻⁴, 1 cm for a 50 m buffer). Real data has many nodes a centimetre or less apart
/// that are meant to be one (OpenStreetMap stores 10⁻⁷°, about 1 cm): their near-coincident
/// arcs and offsets cost the union dearly (twice the time on central Helsinki) for nothing.
/// Each point moves at most √2/2 of this.
pub const SNAP_FRACTION: f64 = 2e-4;

/// Overlap, in radians, of neighbouring pieces around a node: a quarter of an arc step
/// (2.8°). Pieces that meet at a node overlap by at least this much instead of abutting, so
/// that rounding and i_overlay's snapping cannot open slivers between them.
const MARGIN: f64 = TAU / ARC_SEGMENTS_PER_CIRCLE as f64 / 4.0;

/// The area within `buffer_m` metres of the street parts `parts` (segments `[[x0, y0], [x1,
/// y1]]` in local metres), as a multipolygon in the same metres: the "buffered network"
/// service area of a facility (see the [module documentation](self) for the method and its
/// tolerance).
///
/// Segments may share endpoints, repeat, overlap, be collinear or have zero length (a
/// zero-length segment is a point and gives a disc). Segments with a non-finite coordinate are
/// skipped. An empty input (after skipping), or a `buffer_m` that is not a finite number > 0,
/// gives an empty multipolygon. The result does not depend on the order of the segments or on
/// their direction.
///
/// ```ignore
/// // (not run: the module is private; reachable with `--features bench-internals`)
/// use lifecircle::internals::catchment_polygon;
/// use geo::Area;
/// let area = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]]], 10.0).unsigned_area();
/// let exact = 2.0 * 100.0 * 10.0 + std::f64::consts::PI * 100.0;
/// assert!((area - exact).abs() < 0.01 * exact);
/// ```
pub fn catchment_polygon(parts: &[[[f64; 2]; 2]], buffer_m: f64) -> MultiPolygon<f64> {
    if !(buffer_m.is_finite() && buffer_m > 0.0) {
        return MultiPolygon::new(Vec::new());
    }
    let skeleton = Skeleton::new(parts, buffer_m * SNAP_FRACTION);
    let nodes = &skeleton.nodes;
    let (edges, kept) = skeleton.simplified(buffer_m * SIMPLIFY_FRACTION);
    // Distinct finite nodes are at a positive distance unless the difference underflows.
    let edges: Vec<[u32; 2]> =
        edges.into_iter().filter(|&[u, v]| dist(nodes[u as usize], nodes[v as usize]) > 0.0).collect();
    let mut degree = vec![0u32; nodes.len()];
    for &[u, v] in &edges {
        degree[u as usize] += 1;
        degree[v as usize] += 1;
    }
    let (rim, interior) = covered_faces(nodes, &edges, buffer_m);
    let outer: Vec<[u32; 2]> = edges.iter().zip(&interior).filter(|&(_, &inner)| !inner).map(|(&e, _)| e).collect();
    let (sectors, chains) = sectors_and_chains(nodes, &outer, buffer_m);

    // Discs at nodes left without edges, then sectors: simple counter-clockwise rings. The
    // first ring decides unary_union's fill rule, so without any, lead with the rectangle of
    // the longest edge.
    let mut pieces: Vec<Polygon<f64>> = kept
        .iter()
        .filter(|&&v| degree[v as usize] == 0)
        .map(|&v| sector(nodes[v as usize], buffer_m, 0.0, 0.0, true))
        .chain(sectors)
        .collect();
    if pieces.is_empty() {
        let length = |e: &[u32; 2]| dist(nodes[e[0] as usize], nodes[e[1] as usize]);
        if let Some(e) = edges.iter().max_by(|e, f| length(e).total_cmp(&length(f))) {
            pieces.push(chain_ring(&[nodes[e[0] as usize], nodes[e[1] as usize]], buffer_m, [false; 2]));
        }
    }
    pieces.extend(chains);
    pieces.extend(rim);
    if pieces.is_empty() {
        return MultiPolygon::new(Vec::new());
    }
    unary_union(&pieces)
}

/// Grid (metres) to which [`dissolve`] snaps coordinates first.
pub const DISSOLVE_GRID_M: f64 = 1e-3;

/// The union of many catchments (`--catchments dissolve`, per category), in one
/// `geo::unary_union` call. Coordinates are first snapped to a [`DISSOLVE_GRID_M`] (1 mm)
/// grid: catchments of neighbouring facilities share most of their boundary, but each union
/// rounds it onto its own integer grid, and the near-identical copies would otherwise cross
/// each other thousands of times. Each polygon is then oriented (exterior counter-clockwise,
/// holes clockwise), so inputs of either winding work; polygons with a non-finite coordinate
/// are skipped. An empty input gives an empty multipolygon.
///
/// The union of buffers is the buffer of the union, so for catchments that come from
/// [`catchment_polygon`] with one buffer width, `catchment_polygon` of all their parts
/// together gives the same area within the same tolerance; which is faster depends on the
/// data (on a synthetic grid they are alike, on central Helsinki this function is 30× faster).
pub fn dissolve(polygons: &[MultiPolygon<f64>]) -> MultiPolygon<f64> {
    let finite = |p: &Polygon<f64>| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .all(|ring| ring.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
    };
    let snap = |v: f64| (v / DISSOLVE_GRID_M).round() * DISSOLVE_GRID_M;
    let oriented: Vec<Polygon<f64>> = polygons
        .iter()
        .flat_map(|mp| mp.0.iter())
        .filter(|p| !p.exterior().0.is_empty() && finite(p))
        .map(|p| p.map_coords(|c| Coord { x: snap(c.x), y: snap(c.y) }).orient(Direction::Default))
        .collect();
    if oriented.is_empty() {
        return MultiPolygon::new(Vec::new());
    }
    unary_union(&oriented)
}

/// The deduplicated street parts as a graph: nodes (distinct endpoints, sorted) and edges
/// between distinct nodes.
struct Skeleton {
    /// Distinct endpoints, sorted by x then y.
    nodes: Vec<[f64; 2]>,
    /// Edges as node pairs, the lower index first, sorted and distinct.
    edges: Vec<[u32; 2]>,
    /// Nodes that are the position of a zero-length part.
    points: Vec<u32>,
}

/// Total order on points (x, then y); coordinates are finite here.
fn cmp_pt(a: &[f64; 2], b: &[f64; 2]) -> Ordering {
    a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1]))
}

impl Skeleton {
    /// Builds the skeleton of `parts` with coordinates rounded to multiples of `grid` (kept as
    /// they are where rounding overflows), skipping segments with a non-finite coordinate.
    fn new(parts: &[[[f64; 2]; 2]], grid: f64) -> Skeleton {
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
    fn simplified(&self, eps: f64) -> (Vec<[u32; 2]>, Vec<u32>) {
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
fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (b[0] - a[0]).hypot(b[1] - a[1])
}

/// Distance from `p` to the segment `a`–`b`.
fn dist_to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    (p[0] - (a[0] + t * dx)).hypot(p[1] - (a[1] + t * dy))
}

/// Ramer–Douglas–Peucker on `pts` with tolerance `eps`, iteratively: sets `keep[i]` for the
/// retained vertices (always the first and the last). Every dropped vertex lies within `eps`
/// of the retained segment spanning it.
fn rdp(pts: &[[f64; 2]], eps: f64, keep: &mut Vec<bool>, stack: &mut Vec<(usize, usize)>) {
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

/// The point at distance `r` from `c` in direction `angle`.
fn polar(c: [f64; 2], r: f64, angle: f64) -> Coord<f64> {
    let (s, co) = angle.sin_cos();
    Coord { x: c[0] + r * co, y: c[1] + r * s }
}

/// The counter-clockwise polygon of the sector of radius `r` around `c` from angle `a0` to
/// `a1` (radians, `a0 < a1`), arcs split into steps of at most 2π / [`ARC_SEGMENTS_PER_CIRCLE`];
/// a full disc when `full` (then `a0`, `a1` are ignored).
fn sector(c: [f64; 2], r: f64, a0: f64, a1: f64, full: bool) -> Polygon<f64> {
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

/// Faces with more edges than this are never taken as covered (keeps the quadratic
/// simplicity check cheap; such blocks are rare and only cost speed).
const MAX_FACE_EDGES: usize = 256;

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
fn covered_faces(nodes: &[[f64; 2]], edges: &[[u32; 2]], r: f64) -> (Vec<Polygon<f64>>, Vec<bool>) {
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
fn is_covered_face(pts: &[[f64; 2]], ids: &[u32], trees: &[[u32; 2]], nodes: &[[f64; 2]], r: f64) -> bool {
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
fn inside_polygon(pts: &[[f64; 2]], g: [f64; 2]) -> bool {
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
const REACH_CELLS: usize = 2048;

/// Whether every point of the simple polygon `pts` (bounding box `lo`–`hi`) is within `r` of its
/// edges, proved on square cells of the box, split in four while undecided (at most
/// [`REACH_CELLS`] cells, down to r/64): a cell whose centre g is at distance d from the edges
/// is within reach if d + its half-diagonal ≤ r, and outside the polygon if g is outside and
/// d ≥ the half-diagonal; a centre inside the polygon farther than r disproves it.
fn within_reach(pts: &[[f64; 2]], r: f64, lo: [f64; 2], hi: [f64; 2]) -> bool {
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
fn segments_meet(
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
fn hull_width(pts: &[[f64; 2]]) -> f64 {
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

/// Highest degree at which a node's segments are paired into through-chains; busier nodes
/// (never in a street network) end every chain, which is correct, only slower.
const MAX_PAIRED_DEGREE: usize = 16;

/// No edge index.
const NONE: u32 = u32::MAX;

/// Compressed adjacency of `n` nodes: `offsets[v]..offsets[v + 1]` indexes the edge-ends
/// (`2 × edge + end`) at node `v` in `ends`.
fn adjacency(n: usize, edges: &[[u32; 2]]) -> (Vec<u32>, Vec<u32>) {
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

/// `x` (radians) wrapped into (−π, π].
fn wrap(x: f64) -> f64 {
    let y = x.rem_euclid(TAU);
    if y > PI { y - TAU } else { y }
}

/// The pieces whose union is the buffer of width `r` around `edges` (see the module
/// documentation): the sectors at junctions and cut loops where direction gaps are wider than
/// 180° − [`MARGIN`], and one ring per chain of edges paired through nodes, with round caps at
/// dead ends.
fn sectors_and_chains(nodes: &[[f64; 2]], edges: &[[u32; 2]], r: f64) -> (Vec<Polygon<f64>>, Vec<Polygon<f64>>) {
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
fn chain_ring(pts: &[[f64; 2]], r: f64, caps: [bool; 2]) -> Polygon<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Contains, Validation};
    use proptest::prelude::*;

    const R: f64 = 10.0;

    /// Lower bound of the area of an arc-approximated disc of radius r, relative to π r².
    fn disc_ratio() -> f64 {
        let n = ARC_SEGMENTS_PER_CIRCLE as f64;
        n / 2.0 * (TAU / n).sin() / PI
    }

    fn assert_area_close(mp: &MultiPolygon<f64>, exact_rect: f64, exact_disc: f64) {
        let area = mp.unsigned_area();
        // i_overlay snaps to a grid of about 10⁻⁹ of the extent: allow 10⁻⁶ of the area.
        let lo = (exact_rect + exact_disc * disc_ratio()) * (1.0 - 1e-6);
        let hi = (exact_rect + exact_disc) * (1.0 + 1e-6);
        assert!(lo <= area && area <= hi, "area {area} not in [{lo}, {hi}]");
    }

    fn inside(mp: &MultiPolygon<f64>, p: [f64; 2]) -> bool {
        mp.contains(&geo::Point::new(p[0], p[1]))
    }

    #[test]
    fn single_segment_is_a_capsule() {
        let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]]], R);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
        assert!(mp.is_valid());
        assert_area_close(&mp, 2.0 * 100.0 * R, PI * R * R);
        // Same for a diagonal segment, reversed.
        let mp = catchment_polygon(&[[[70.0, 80.0], [10.0, 0.0]]], R);
        assert_area_close(&mp, 2.0 * 100.0 * R, PI * R * R);
        // Vertex count: 4 rectangle corners plus two half circles (17 chords each, with margins).
        assert!(mp.0[0].exterior().0.len() <= 4 + 2 * (ARC_SEGMENTS_PER_CIRCLE / 2 + 2) + 1);
    }

    #[test]
    fn l_shape() {
        let parts = [[[0.0, 0.0], [100.0, 0.0]], [[100.0, 0.0], [100.0, 100.0]]];
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.is_valid());
        // Two rectangles minus their overlap, two end half-discs and the outer quarter disc.
        assert_area_close(&mp, 2.0 * 2000.0 - R * R, 1.25 * PI * R * R);
        assert!(inside(&mp, [105.0, -5.0])); // outer corner, 7.07 m away
        assert!(!inside(&mp, [108.0, -8.0])); // 11.3 m away
        assert!(inside(&mp, [95.0, 5.0]));
    }

    #[test]
    fn square_loop_has_a_hole() {
        let c = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]];
        let parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert!(mp.is_valid());
        assert_area_close(&mp, 120.0 * 120.0 - 4.0 * R * R - 80.0 * 80.0, PI * R * R);
        assert!(!inside(&mp, [50.0, 50.0]));
    }

    #[test]
    fn disjoint_parts_give_two_polygons() {
        let parts = [[[0.0, 0.0], [50.0, 0.0]], [[0.0, 100.0], [50.0, 100.0]], [[50.0, 100.0], [50.0, 150.0]]];
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 2);
        assert!(mp.is_valid());
    }

    #[test]
    fn empty_zero_length_and_bad_input() {
        assert!(catchment_polygon(&[], R).0.is_empty());
        assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], 0.0).0.is_empty());
        assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], -1.0).0.is_empty());
        assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], f64::NAN).0.is_empty());
        assert!(catchment_polygon(&[[[0.0, 0.0], [1.0, 0.0]]], f64::INFINITY).0.is_empty());
        assert!(catchment_polygon(&[[[f64::NAN, 0.0], [1.0, 0.0]]], R).0.is_empty());
        // A zero-length part is a point: a disc.
        let mp = catchment_polygon(&[[[5.0, 5.0], [5.0, 5.0]]], R);
        assert_eq!(mp.0.len(), 1);
        assert_area_close(&mp, 0.0, PI * R * R);
        // A zero-length part on a segment's end adds nothing; -0.0 and 0.0 are one node.
        let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]], [[-0.0, 0.0], [0.0, -0.0]]], R);
        assert_area_close(&mp, 2000.0, PI * R * R);
        // Non-finite parts are skipped, the others kept.
        let mp = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]], [[f64::INFINITY, 0.0], [0.0, 0.0]]], R);
        assert_area_close(&mp, 2000.0, PI * R * R);
    }

    #[test]
    fn duplicates_and_collinear_overlaps() {
        let parts = [
            [[0.0, 0.0], [10.0, 0.0]],
            [[10.0, 0.0], [0.0, 0.0]],
            [[5.0, 0.0], [15.0, 0.0]],
            [[0.0, 0.0], [15.0, 0.0]],
            [[7.0, 0.0], [7.0, 0.0]],
        ];
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.is_valid());
        assert_area_close(&mp, 2.0 * 15.0 * R, PI * R * R);
    }

    #[test]
    fn closed_loop_smaller_than_tolerance_collapses_to_a_point() {
        let e = R * SIMPLIFY_FRACTION / 4.0;
        let c = [[0.0, 0.0], [e, 0.0], [e, e], [0.0, e]];
        let parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.is_valid());
        for p in c {
            assert!(inside(&mp, p));
        }
    }

    #[test]
    fn order_and_direction_do_not_matter() {
        let mut parts: Vec<[[f64; 2]; 2]> = (0..40)
            .map(|i| {
                let x = (i % 7) as f64 * 30.0;
                let y = (i / 7) as f64 * 30.0;
                if i % 2 == 0 { [[x, y], [x + 30.0, y]] } else { [[x, y], [x, y + 30.0]] }
            })
            .collect();
        let a = catchment_polygon(&parts, 8.0);
        parts.reverse();
        for p in parts.iter_mut().step_by(3) {
            p.swap(0, 1);
        }
        let b = catchment_polygon(&parts, 8.0);
        assert_eq!(a, b);
    }

    #[test]
    fn dense_curvy_street_is_simplified() {
        // A 1 km arc of radius 1 km with a vertex every metre.
        let pts: Vec<[f64; 2]> =
            (0..=1000).map(|i| [1000.0 * (i as f64 / 1000.0).cos(), 1000.0 * (i as f64 / 1000.0).sin()]).collect();
        let parts: Vec<_> = pts.windows(2).map(|w| [w[0], w[1]]).collect();
        let r = 50.0;
        let mp = catchment_polygon(&parts, r);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.is_valid());
        let n = mp.0[0].exterior().0.len();
        assert!(n < 200, "{n} vertices");
        // The annulus sector plus two end half discs.
        let exact = 0.5 * ((1000.0 + r).powi(2) - (1000.0 - r).powi(2)) + PI * r * r;
        let area = mp.unsigned_area();
        assert!((area - exact).abs() < 0.011 * exact, "{area} vs {exact}");
        for p in &pts {
            assert!(inside(&mp, *p));
        }
    }

    #[test]
    fn dissolve_unions_and_orients() {
        let a = catchment_polygon(&[[[0.0, 0.0], [100.0, 0.0]]], R);
        let b = catchment_polygon(&[[[50.0, 0.0], [150.0, 0.0]]], R);
        let c = catchment_polygon(&[[[0.0, 500.0], [10.0, 500.0]]], R);
        // Clockwise exterior: dissolve must orient it.
        let c_cw = MultiPolygon::new(c.0.iter().map(|p| p.orient(Direction::Reversed)).collect());
        let d = dissolve(&[a.clone(), b.clone(), c_cw, MultiPolygon::new(vec![])]);
        assert_eq!(d.0.len(), 2);
        assert!(d.is_valid());
        let expected = a.union(&b).union(&c).unsigned_area();
        // Snapping to 1 mm moves the boundary by at most 0.7 mm.
        assert!((d.unsigned_area() - expected).abs() < 1e-4 * expected);
        assert!(dissolve(&[]).0.is_empty());
        assert!(dissolve(&[MultiPolygon::new(vec![])]).0.is_empty());
    }

    #[test]
    fn dissolve_of_overlapping_catchments_equals_catchment_of_all_parts() {
        // Overlapping windows of one jittered grid: their catchments share boundaries that each
        // union rounds onto its own grid.
        let jit = |i: usize, j: usize| (((i * 7919 + j * 104729) % 1000) as f64 / 1000.0 - 0.5) * 8.0;
        let p = |i: usize, j: usize| [i as f64 * 40.0 + jit(i, j), j as f64 * 40.0 + jit(j, i)];
        let window = |i0: usize, j0: usize| {
            let mut parts = Vec::new();
            for i in i0..i0 + 12 {
                for j in j0..j0 + 12 {
                    parts.push([p(i, j), p(i + 1, j)]);
                    parts.push([p(i, j), p(i, j + 1)]);
                }
            }
            parts
        };
        let windows: Vec<Vec<[[f64; 2]; 2]>> = (0..16).map(|k| window(1 + (k % 4) * 4, 1 + (k / 4) * 4)).collect();
        let r = 12.0; // 40 m blocks, 12 m buffer: a hole in every block
        let catchments: Vec<MultiPolygon<f64>> = windows.iter().map(|w| catchment_polygon(w, r)).collect();
        let d = dissolve(&catchments);
        assert!(d.is_valid());
        let all: Vec<[[f64; 2]; 2]> = windows.concat();
        let direct = catchment_polygon(&all, r);
        assert!((d.unsigned_area() / direct.unsigned_area() - 1.0).abs() < 1e-4);
        let count = |mp: &MultiPolygon<f64>| mp.0.iter().map(|p| p.interiors().len()).sum::<usize>();
        assert_eq!(count(&d), count(&direct));
        let vertices = |mp: &MultiPolygon<f64>| {
            mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum()
        };
        let (vd, vdirect): (usize, usize) = (vertices(&d), vertices(&direct));
        assert!(vd < vdirect + vdirect / 10, "{vd} vertices vs {vdirect}");
    }

    #[test]
    fn huge_input_does_not_panic() {
        // 20,000 random-ish segments, many crossing, some tiny.
        let mut s: u64 = 7;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let parts: Vec<[[f64; 2]; 2]> = (0..20_000)
            .map(|_| {
                let a = [next() * 3000.0, next() * 3000.0];
                let l = if next() < 0.1 { 1e-9 } else { next() * 60.0 };
                [a, [a[0] + l, a[1] + next() * l]]
            })
            .collect();
        let mp = catchment_polygon(&parts, 25.0);
        assert!(!mp.0.is_empty());
        for s in parts.iter().step_by(97) {
            assert!(inside(&mp, s[0]) && inside(&mp, s[1]));
        }
    }

    /// Area of the reference buffer: geo's capsule of every segment, unioned.
    fn capsule_union_area(parts: &[[[f64; 2]; 2]], r: f64) -> f64 {
        use geo::{Buffer, Line};
        let caps: Vec<MultiPolygon<f64>> = parts.iter().map(|s| Line::new(s[0], s[1]).buffer(r)).collect();
        unary_union(&caps).unsigned_area()
    }

    /// The unit edges of an `n` × `n` lattice of spacing `h` (nodes shared).
    fn lattice(n: usize, h: f64) -> Vec<[[f64; 2]; 2]> {
        let p = |i: usize, j: usize| [i as f64 * h, j as f64 * h];
        let mut parts = Vec::new();
        for i in 0..n {
            for j in 0..n {
                if i + 1 < n {
                    parts.push([p(i, j), p(i + 1, j)]);
                }
                if j + 1 < n {
                    parts.push([p(i, j), p(i, j + 1)]);
                }
            }
        }
        parts
    }

    #[test]
    fn dense_grid_is_filled_and_matches_capsules() {
        // 15 m blocks, 10 m buffer: every block is covered, no hole.
        let parts = lattice(8, 15.0);
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
        assert!(mp.is_valid());
        let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
        assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
        // 30 m blocks: a 10 m hole in each of the 7 × 7 blocks.
        let parts = lattice(8, 30.0);
        let mp = catchment_polygon(&parts, R);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 49);
        let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
        assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
    }

    #[test]
    fn dead_end_leaving_its_block_keeps_its_buffer() {
        // A 20 m block (covered for r = 15) with a dead end hanging from its corner that crosses
        // the block's east side without a node and ends 20 m outside.
        let c = [[0.0, 0.0], [20.0, 0.0], [20.0, 20.0], [0.0, 20.0]];
        let mut parts: Vec<_> = (0..4).map(|i| [c[i], c[(i + 1) % 4]]).collect();
        parts.push([[0.0, 0.0], [40.0, 10.0]]);
        let mp = catchment_polygon(&parts, 15.0);
        assert!(mp.is_valid());
        assert!(inside(&mp, [52.0, 10.0]));
        assert!(inside(&mp, [40.0, 23.0]));
        let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, 15.0));
        assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
    }

    #[test]
    fn crossing_lines_without_shared_nodes() {
        // Five horizontal and five vertical 80 m lines, 15 m apart, crossing without nodes:
        // there are no faces, only lines.
        let mut parts = Vec::new();
        for k in 0..5 {
            let c = 10.0 + 15.0 * k as f64;
            parts.push([[0.0, c], [80.0, c]]);
            parts.push([[c, 0.0], [c, 80.0]]);
        }
        let mp = catchment_polygon(&parts, R);
        assert!(mp.is_valid());
        assert!(mp.0[0].interiors().is_empty());
        let (ours, reference) = (mp.unsigned_area(), capsule_union_area(&parts, R));
        assert!((ours / reference - 1.0).abs() < 0.005, "{ours} vs {reference}");
    }

    #[test]
    fn extreme_coordinates_do_not_panic() {
        for scale in [1e-300, 1e-12, 1e9, 1e150, 1e300] {
            let parts =
                [[[0.0, 0.0], [scale, 0.0]], [[scale, 0.0], [scale, scale]], [[-scale, 3.0 * scale], [0.0, 0.0]]];
            for r in [1e-300, 1e-9, 1.0, 1e6, 1e300] {
                let _ = catchment_polygon(&parts, r);
            }
        }
        let _ = catchment_polygon(&[[[f64::MAX, f64::MAX], [-f64::MAX, -f64::MAX]]], 1.0);
        let _ = catchment_polygon(&[[[f64::MAX, 0.0], [f64::MAX, 0.0]]], f64::MAX);
    }

    /// Exact distance from `p` to the nearest segment.
    fn dist_to_parts(parts: &[[[f64; 2]; 2]], p: [f64; 2]) -> f64 {
        parts.iter().map(|s| dist_to_segment(p, s[0], s[1])).fold(f64::INFINITY, f64::min)
    }

    /// Random segment sets on a coarse lattice (so that endpoints are shared, segments repeat,
    /// overlap and are collinear) plus free segments, some of zero length.
    fn segment_sets() -> impl Strategy<Value = Vec<[[f64; 2]; 2]>> {
        let lattice = (0i32..8, 0i32..8).prop_map(|(x, y)| [x as f64 * 25.0, y as f64 * 25.0]);
        let free = (0.0..200.0f64, 0.0..200.0f64).prop_map(|(x, y)| [x, y]);
        let pt = prop_oneof![3 => lattice, 1 => free];
        let seg = prop_oneof![
            6 => (pt.clone(), pt.clone()).prop_map(|(a, b)| [a, b]),
            1 => pt.prop_map(|a| [a, a]),
        ];
        prop::collection::vec(seg, 1..25)
    }

    /// Jittered lattices with missing edges and a few extra free segments crossing them, so
    /// that faces are covered or not, planar or not.
    fn grids() -> impl Strategy<Value = Vec<[[f64; 2]; 2]>> {
        (2usize..7, 10.0..40.0f64).prop_flat_map(|(n, h)| {
            let jitter = prop::collection::vec((-0.3..0.3f64, -0.3..0.3f64), n * n);
            let keep = prop::collection::vec(prop::bool::weighted(0.85), 2 * n * n);
            let free = (0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64);
            let extra = prop::collection::vec(free, 0..4);
            (jitter, keep, extra).prop_map(move |(jitter, keep, extra)| {
                let p = |i: usize, j: usize| {
                    let (dx, dy) = jitter[j * n + i];
                    [(i as f64 + dx) * h, (j as f64 + dy) * h]
                };
                let mut parts = Vec::new();
                for i in 0..n {
                    for j in 0..n {
                        if i + 1 < n && keep[2 * (j * n + i)] {
                            parts.push([p(i, j), p(i + 1, j)]);
                        }
                        if j + 1 < n && keep[2 * (j * n + i) + 1] {
                            parts.push([p(i, j), p(i, j + 1)]);
                        }
                    }
                }
                // Extra segments, half of them hanging from a lattice node (dead ends that may
                // cross blocks without meeting their streets).
                let span = (n - 1) as f64 * h;
                for (k, &(a, b, c, d)) in extra.iter().enumerate() {
                    let start = if k % 2 == 0 {
                        p(((a * n as f64) as usize).min(n - 1), ((b * n as f64) as usize).min(n - 1))
                    } else {
                        [a * span, b * span]
                    };
                    parts.push([start, [c * span, d * span]]);
                }
                parts
            })
        })
    }

    /// Checks the tolerance band of `catchment_polygon(parts, r)` at `samples` (fractions of a
    /// 200 m square) and at points along every segment.
    fn check_band(parts: &[[[f64; 2]; 2]], r: f64, samples: &[(f64, f64)]) -> Result<(), TestCaseError> {
        let mp = catchment_polygon(parts, r);
        prop_assert!(mp.is_valid(), "invalid: {:?}", mp.validation_errors());
        let tau = r * (SIMPLIFY_FRACTION + SNAP_FRACTION * std::f64::consts::FRAC_1_SQRT_2);
        let inner = r * (PI / ARC_SEGMENTS_PER_CIRCLE as f64).cos() - tau - 1e-6;
        let outer = r + tau + 1e-6;
        for s in parts {
            for t in (0..=10).map(|k| k as f64 / 10.0) {
                let p = [s[0][0] + t * (s[1][0] - s[0][0]), s[0][1] + t * (s[1][1] - s[0][1])];
                prop_assert!(inside(&mp, p), "segment point {p:?} outside");
            }
        }
        for &(u, v) in samples {
            let p = [u * 200.0, v * 200.0];
            let d = dist_to_parts(parts, p);
            if d <= inner {
                prop_assert!(inside(&mp, p), "{p:?} at {d} (inner bound {inner}) is outside");
            } else if d > outer {
                prop_assert!(!inside(&mp, p), "{p:?} at {d} (outer bound {outer}) is inside");
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn inside_iff_within_buffer(
            parts in segment_sets(),
            r in 1.0..40.0f64,
            samples in prop::collection::vec((-0.2..1.2f64, -0.2..1.2f64), 300),
        ) {
            check_band(&parts, r, &samples)?;
        }

        #[test]
        fn grids_inside_iff_within_buffer(
            parts in grids(),
            r in 2.0..30.0f64,
            samples in prop::collection::vec((-0.2..1.2f64, -0.2..1.2f64), 300),
        ) {
            check_band(&parts, r, &samples)?;
        }
    }
}

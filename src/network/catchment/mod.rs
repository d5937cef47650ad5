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

use std::f64::consts::TAU;

use geo::orient::Direction;
use geo::{Coord, MapCoords, MultiPolygon, Orient, Polygon, unary_union};

mod chains;
mod faces;
mod skeleton;

use chains::{chain_ring, sector, sectors_and_chains};
use faces::covered_faces;
use skeleton::{Skeleton, dist};

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

#[cfg(test)]
mod tests;

//! The exact union of cells on the integer corner lattice: shared edges cancelled, the rest
//! chained into simple rings (rightmost turn at a corner touch), holes given to the smallest
//! shell holding them.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::CellKey;
use super::grid::{Grid, Vertex};
use crate::geom::ring::ring_position;
/// The exact union of `keys` (edge-connected or not): shared edges cancelled, the rest chained
/// into rings, holes assigned to the smallest shell holding them.
pub(super) fn outline(grid: &Grid, keys: impl Iterator<Item = CellKey>) -> MultiPolygon<f64> {
    let mut edges: Vec<(Vertex, Vertex)> = Vec::new();
    for k in keys {
        let corners: Vec<Vertex> = grid.corners(k).collect();
        for (i, &a) in corners.iter().enumerate() {
            edges.push((a, corners[(i + 1) % corners.len()]));
        }
    }
    // An edge shared by two cells appears once in each direction: drop both.
    edges.sort_unstable_by_key(|&(a, b)| (a.min(b), a.max(b), a));
    let mut boundary = Vec::with_capacity(edges.len());
    let mut i = 0;
    while i < edges.len() {
        let (a, b) = edges[i];
        if i + 1 < edges.len() && edges[i + 1] == (b, a) {
            i += 2;
        } else {
            boundary.push((a, b));
            i += 1;
        }
    }
    boundary.sort_unstable();
    let rings = chain(&boundary);
    let mut shells: Vec<(Vec<Vertex>, i128)> = Vec::new();
    let mut holes: Vec<Vec<Vertex>> = Vec::new();
    for ring in rings {
        let area2 = doubled_area(&ring);
        if area2 > 0 {
            shells.push((ring, area2));
        } else {
            holes.push(ring);
        }
    }
    let mut interiors: Vec<Vec<Vec<Vertex>>> = vec![Vec::new(); shells.len()];
    // Doubled bounding boxes of the shells: a shell is tested (O(its length)) only when its
    // box holds the probe, and a lone shell takes every hole untested (whether it contains the
    // probe or not, it is the owner), so an area of many holes stays linear.
    let boxes: Vec<[i64; 4]> = shells
        .iter()
        .map(|(s, _)| {
            s.iter().fold([i64::MAX, i64::MAX, i64::MIN, i64::MIN], |b, v| {
                [b[0].min(2 * v[0]), b[1].min(2 * v[1]), b[2].max(2 * v[0]), b[3].max(2 * v[1])]
            })
        })
        .collect();
    for hole in holes {
        if shells.len() == 1 {
            interiors[0].push(hole);
            continue;
        }
        // The midpoint of one of its edges lies on no other ring.
        let probe = [hole[0][0] + hole[1][0], hole[0][1] + hole[1][1]];
        let owner = shells
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                let b = boxes[k];
                (b[0]..=b[2]).contains(&probe[0]) && (b[1]..=b[3]).contains(&probe[1])
            })
            .filter(|(_, (s, _))| contains_doubled(s, probe))
            .min_by_key(|(k, (_, area2))| (*area2, *k))
            .map(|(k, _)| k)
            .or_else(|| (0..shells.len()).max_by_key(|&k| (shells[k].1, std::cmp::Reverse(k))));
        if let Some(k) = owner {
            interiors[k].push(hole);
        }
    }
    let line = |ring: &[Vertex]| LineString(ring.iter().map(|&v| grid.metres(v)).collect());
    MultiPolygon(
        shells
            .iter()
            .zip(&interiors)
            .map(|((shell, _), holes)| Polygon::new(line(shell), holes.iter().map(|h| line(h)).collect()))
            .collect(),
    )
}

/// Chains directed boundary edges (sorted) into closed rings (first vertex not repeated).
/// At a vertex with several outgoing edges the rightmost turn is taken.
pub(super) fn chain(edges: &[(Vertex, Vertex)]) -> Vec<Vec<Vertex>> {
    let outgoing = |v: Vertex| {
        let lo = edges.partition_point(|e| e.0 < v);
        let hi = edges.partition_point(|e| e.0 <= v);
        lo..hi
    };
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring = Vec::new();
        let mut e = first;
        loop {
            used[e] = true;
            let (a, b) = edges[e];
            ring.push(a);
            let d = [b[0] - a[0], b[1] - a[1]];
            let next = outgoing(b).min_by(|&x, &y| turn(d, edges[x]).total_cmp(&turn(d, edges[y])).then(x.cmp(&y)));
            match next {
                Some(n) if n != first && !used[n] => e = n,
                _ => break,
            }
        }
        rings.push(ring);
    }
    rings
}

/// The signed angle turned from direction `d` onto edge `e` (negative = right).
pub(super) fn turn(d: Vertex, e: (Vertex, Vertex)) -> f64 {
    let f = [e.1[0] - e.0[0], e.1[1] - e.0[1]];
    let cross = (d[0] * f[1] - d[1] * f[0]) as f64;
    let dot = (d[0] * f[0] + d[1] * f[1]) as f64;
    cross.atan2(dot)
}

/// Twice the signed area of a ring (positive when counter-clockwise).
pub(super) fn doubled_area(ring: &[Vertex]) -> i128 {
    let mut s: i128 = 0;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        s += i128::from(a[0]) * i128::from(b[1]) - i128::from(b[0]) * i128::from(a[1]);
    }
    s
}

/// Whether `p` (in doubled lattice coordinates) lies inside `ring` ([`crate::geom::ring`],
/// exact: lattice coordinates are small integers); `p` is never on the ring.
fn contains_doubled(ring: &[Vertex], p: Vertex) -> bool {
    let at = |v: Vertex, k: i64| Coord { x: (k * v[0]) as f64, y: (k * v[1]) as f64 };
    let doubled: Vec<Coord<f64>> = ring.iter().map(|&v| at(v, 2)).collect();
    ring_position(&doubled, at(p, 1)) == Some(true)
}

//! The one point-in-ring test of the crate: the even-odd rule along a ray to +x, each edge
//! judged by geo's robust orientation predicate, so a point exactly on an edge is told apart
//! (never counted in or out by rounding). Callers that index a ring's edges (bands, R-trees)
//! fold [`edge_crossing`] over the edges they fetch; [`ring_position`] folds it over a whole ring.

use geo::Coord;
use geo::kernels::{Kernel, Orientation, RobustKernel};

/// Whether the edge `a`–`b` crosses the ray from `p` towards +x (half-open in y, so a vertex
/// on the ray is counted once); `None` when `p` lies on the edge. Exact for any finite input.
#[inline]
pub fn edge_crossing(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> Option<bool> {
    if (a.y > p.y) != (b.y > p.y) {
        // p is left of an upward edge or right of a downward one ⇔ the ray crosses it.
        match RobustKernel::orient2d(a, b, p) {
            Orientation::Collinear => None,
            o => Some((o == Orientation::CounterClockwise) == (b.y > a.y)),
        }
    } else if (a.y == p.y || b.y == p.y)
        && p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && RobustKernel::orient2d(a, b, p) == Orientation::Collinear
    {
        // A horizontal edge through p, or p at an end vertex.
        None
    } else {
        Some(false)
    }
}

/// Whether `p` is inside the ring of `vertices` (closed implicitly: the last vertex joins the
/// first; a repeated first vertex is harmless); `None` when `p` lies on the ring.
pub fn ring_position(vertices: &[Coord<f64>], p: Coord<f64>) -> Option<bool> {
    let n = vertices.len();
    let mut inside = false;
    for i in 0..n {
        inside ^= edge_crossing(vertices[i], vertices[(i + 1) % n], p)?;
    }
    Some(inside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn square_inside_outside_and_boundary() {
        let sq = [c(0.0, 0.0), c(2.0, 0.0), c(2.0, 2.0), c(0.0, 2.0)];
        assert_eq!(ring_position(&sq, c(1.0, 1.0)), Some(true));
        assert_eq!(ring_position(&sq, c(3.0, 1.0)), Some(false));
        assert_eq!(ring_position(&sq, c(-1.0, 0.0)), Some(false));
        for on in [c(0.0, 0.0), c(1.0, 0.0), c(2.0, 1.0), c(1.0, 2.0), c(0.0, 2.0)] {
            assert_eq!(ring_position(&sq, on), None, "{on:?}");
        }
        // Clockwise and closed rings give the same answers.
        let mut cw: Vec<Coord<f64>> = sq.iter().rev().copied().collect();
        cw.push(cw[0]);
        assert_eq!(ring_position(&cw, c(1.0, 1.0)), Some(true));
        assert_eq!(ring_position(&cw, c(2.0, 1.0)), None);
    }

    #[test]
    fn agrees_with_geo_off_the_boundary() {
        use geo::{Contains, LineString, Point, Polygon};
        let ring = [c(0.0, 0.0), c(5.0, 1.0), c(3.0, 3.0), c(6.0, 6.0), c(0.0, 5.0), c(2.0, 2.5)];
        let poly = Polygon::new(LineString::from(ring.to_vec()), vec![]);
        for i in 0..70 {
            for j in 0..70 {
                let p = c(-0.5 + i as f64 * 0.1 + 0.013, -0.5 + j as f64 * 0.1 + 0.007);
                if let Some(inside) = ring_position(&ring, p) {
                    assert_eq!(inside, poly.contains(&Point(p)), "{p:?}");
                }
            }
        }
    }
}

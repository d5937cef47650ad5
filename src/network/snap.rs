//! Snapping points onto the network: the nearest point of the nearest edge segment, found in
//! the packed R-tree of edges (the private `spatial` module). Ties between edges at the same
//! distance go to the lowest edge index, so an answer never depends on the tree's layout or on
//! how points are split between threads.

use rayon::prelude::*;

use super::{Snap, WalkingNetwork};

impl WalkingNetwork {
    /// Snaps each point (metres) to the nearest point on the nearest edge: `Snap::Snapped`
    /// with the edge, the fraction `t` along it and the straight access leg, or
    /// `Snap::Unreachable` when no edge lies within `max_snap_m` (inclusive), the point is not
    /// finite or the network is empty (a NaN `max_snap_m` reaches nothing). Points are processed
    /// in parallel; the answer is in input order. O(log e) per point.
    pub fn snap(&self, points: &[[f64; 2]], max_snap_m: f64) -> Vec<Snap> {
        points.par_iter().with_min_len(256).map(|&p| self.snap_one(p, max_snap_m)).collect()
    }

    /// Snaps one point, see [`WalkingNetwork::snap`].
    pub fn snap_one(&self, p: [f64; 2], max_snap_m: f64) -> Snap {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Snap::Unreachable;
        }
        // Segments run from the edge's first node to its second, so `t` is measured as `Snap`
        // documents; ties go to the lowest edge index (see `spatial`).
        match self.index.nearest(p, max_snap_m * max_snap_m, &self.xy, &self.edges) {
            Some((edge, t, d2)) if d2.sqrt() <= max_snap_m => Snap::Snapped { edge, t, offset_m: d2.sqrt() },
            _ => Snap::Unreachable,
        }
    }
}

/// Fraction along `a`–`b` of the point nearest to `p` (clamped to 0..=1), and the squared
/// distance from `p` to that point. `a` and `b` must differ.
#[inline]
pub(super) fn project_on(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let q = [a[0] + t * dx, a[1] + t * dy];
    (t, (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))
}

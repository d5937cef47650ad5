//! A static spatial index of the edge segments for snapping: a packed R-tree (the layout of
//! the *flatbush* library) over the edges in their own order, built in O(e) by linear passes.
//!
//! The leaves are the edges themselves, [`NODE_SIZE`] consecutive edges to a leaf box; boxes
//! are packed the same way level by level up to one root. Edges are sorted by their lower
//! node and nodes follow a Hilbert curve ([`super::graph`]), so consecutive edges lie close
//! together and the boxes stay small, as in a Hilbert-packed R-tree, without a sort.
//!
//! [`SegmentIndex::nearest`] is a best-first search that returns the exact lexicographic
//! minimum of (squared distance, edge index) over all segments: a subtree is skipped only when
//! its box is farther than the best segment so far, so the answer never depends on the
//! layout of the tree.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::snap::project_on;
pub(super) use crate::geom::hilbert::HilbertGrid;

/// Children per tree node.
const NODE_SIZE: usize = 16;

/// Relative slack when comparing a box's distance with a segment's: rounding must never make
/// the search skip a segment at the same computed distance as the best one.
const SLACK: f64 = 1e-12;

/// The packed R-tree of a network's edge segments (the edges and coordinates stay in the
/// network).
#[derive(Debug, Clone, Default)]
pub(super) struct SegmentIndex {
    /// Boxes `[min x, min y, max x, max y]` of every level, bottom level first; box `i` of the
    /// bottom level covers edges `i · NODE_SIZE ..`, box `i` of a level above covers boxes
    /// `i · NODE_SIZE ..` of the level below.
    boxes: Vec<[f64; 4]>,
    /// Where each level starts in `boxes`, and the end of the last (the root) at the end.
    levels: Vec<usize>,
}

/// The bounding box `[min x, min y, max x, max y]` of `points` (empty: +∞, +∞, −∞, −∞).
pub(super) fn bounding_box<'a>(points: impl ParallelIterator<Item = &'a [f64; 2]>) -> [f64; 4] {
    points.fold(empty_box, |b, p| grow(b, [p[0], p[1], p[0], p[1]])).reduce(empty_box, grow)
}

fn empty_box() -> [f64; 4] {
    [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY]
}

#[inline]
fn grow(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

/// Squared distance from `p` to box `b` (0 inside).
#[inline]
fn box_distance2(b: &[f64; 4], p: [f64; 2]) -> f64 {
    let dx = (b[0] - p[0]).max(p[0] - b[2]).max(0.0);
    let dy = (b[1] - p[1]).max(p[1] - b[3]).max(0.0);
    dx * dx + dy * dy
}

impl SegmentIndex {
    /// Indexes the segments of `edges` (pairs of indices into `xy`).
    pub(super) fn build(xy: &[[f64; 2]], edges: &[[u32; 2]]) -> Self {
        if edges.is_empty() {
            return SegmentIndex::default();
        }
        let segment_box = |e: &[u32; 2]| {
            let (a, b) = (xy[e[0] as usize], xy[e[1] as usize]);
            [a[0].min(b[0]), a[1].min(b[1]), a[0].max(b[0]), a[1].max(b[1])]
        };
        let mut boxes: Vec<[f64; 4]> =
            edges.par_chunks(NODE_SIZE).map(|c| c.iter().map(segment_box).fold(empty_box(), grow)).collect();
        let mut levels = vec![0, boxes.len()];
        while boxes.len() - levels[levels.len() - 2] > 1 {
            let below = levels[levels.len() - 2]..boxes.len();
            let next: Vec<[f64; 4]> =
                boxes[below].par_chunks(NODE_SIZE).map(|c| c.iter().copied().fold(empty_box(), grow)).collect();
            boxes.extend(next);
            levels.push(boxes.len());
        }
        SegmentIndex { boxes, levels }
    }

    /// The segment of `edges` (over `xy`, the arrays it was built from) nearest to `p` whose
    /// squared distance is at most `limit2` (plus rounding slack): `(edge, t, squared
    /// distance)`, ties going to the lowest edge index. `t` is the fraction along the edge
    /// from its first node.
    pub(super) fn nearest(
        &self,
        p: [f64; 2],
        limit2: f64,
        xy: &[[f64; 2]],
        edges: &[[u32; 2]],
    ) -> Option<(u32, f64, f64)> {
        if self.levels.len() < 2 || limit2.is_nan() || limit2 < 0.0 {
            return None;
        }
        let mut best: Option<(f64, u32, f64)> = None;
        // (squared box distance as ordered bits, level, index in level); distances are ≥ 0,
        // so their bit patterns order like the numbers.
        let mut heap: BinaryHeap<Reverse<(u64, u32, u32)>> = BinaryHeap::with_capacity(64);
        let top = self.levels.len() - 2;
        heap.push(Reverse((0, top as u32, 0)));
        while let Some(Reverse((bound, level, index))) = heap.pop() {
            let reach = best.map_or(limit2, |(d2, _, _)| d2) * (1.0 + SLACK);
            if f64::from_bits(bound) > reach {
                break;
            }
            let first = index as usize * NODE_SIZE;
            if level == 0 {
                let last = (first + NODE_SIZE).min(edges.len());
                for (e, &[a, b]) in (first..last).zip(&edges[first..last]) {
                    let (t, d2) = project_on(xy[a as usize], xy[b as usize], p);
                    if best.is_none_or(|(bd, be, _)| d2 < bd || (d2 == bd && (e as u32) < be)) {
                        best = Some((d2, e as u32, t));
                    }
                }
            } else {
                let below = &self.boxes[self.levels[level as usize - 1]..self.levels[level as usize]];
                for (k, b) in below.iter().enumerate().skip(first).take(NODE_SIZE) {
                    let d2 = box_distance2(b, p);
                    if d2 <= reach {
                        heap.push(Reverse((d2.to_bits(), level - 1, k as u32)));
                    }
                }
            }
        }
        best.filter(|&(d2, _, _)| d2 <= limit2 * (1.0 + SLACK)).map(|(d2, edge, t)| (edge, t, d2))
    }
}

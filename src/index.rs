//! `FacilityIndex`: one bulk-loaded R-tree per category of need, holding every facility that
//! serves it (its own category and those that "also serve" it), and `hilbert_order` to sort
//! query points so neighbouring queries walk the same tree nodes.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::model::Facility;
use crate::standards::StandardProfile;

/// A facility's point in local metres with its index in the facility list.
pub type IndexedPoint = GeomWithData<[f64; 2], u32>;

/// Nearest-facility search per category of need.
#[derive(Debug)]
pub struct FacilityIndex {
    trees: Vec<Option<RTree<IndexedPoint>>>,
    serving: Vec<usize>,
}

impl FacilityIndex {
    /// Builds one tree per category of `profile` from `facilities` (points in local metres).
    /// A category with no serving facility has no tree. O(n log n) per tree (bulk load).
    pub fn build(profile: &StandardProfile, facilities: &[Facility]) -> FacilityIndex {
        let mut trees = Vec::with_capacity(profile.categories.len());
        let mut serving = Vec::with_capacity(profile.categories.len());
        for c in 0..profile.categories.len() {
            let served_by = profile.served_by(c);
            let points: Vec<IndexedPoint> = facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| served_by.contains(&f.category))
                .map(|(i, f)| GeomWithData::new(f.xy, i as u32))
                .collect();
            serving.push(points.len());
            trees.push(if points.is_empty() { None } else { Some(RTree::bulk_load(points)) });
        }
        FacilityIndex { trees, serving }
    }

    /// The nearest facility serving category `category` from `xy`: its index in the facility
    /// list and the straight-line distance in metres. `None` when no facility serves it.
    #[inline]
    pub fn nearest(&self, category: usize, xy: [f64; 2]) -> Option<(u32, f64)> {
        let tree = self.trees.get(category)?.as_ref()?;
        tree.nearest_neighbor(&xy).map(|p| {
            let g = p.geom();
            (p.data, ((g[0] - xy[0]).powi(2) + (g[1] - xy[1]).powi(2)).sqrt())
        })
    }

    /// How many facilities serve category `category` (with "also serves").
    pub fn serving_count(&self, category: usize) -> usize {
        self.serving.get(category).copied().unwrap_or(0)
    }
}

/// Returns the indices of `points` in Hilbert-curve order over their bounding box (65,536² grid),
/// ties broken by index, so that consecutive queries are spatially close.
pub fn hilbert_order(points: &[[f64; 2]]) -> Vec<u32> {
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for k in 0..2 {
            min[k] = min[k].min(p[k]);
            max[k] = max[k].max(p[k]);
        }
    }
    let span = (max[0] - min[0]).max(max[1] - min[1]).max(1e-9);
    let scale = 65535.0 / span;
    let mut keyed: Vec<(u64, u32)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = ((p[0] - min[0]) * scale) as u32;
            let y = ((p[1] - min[1]) * scale) as u32;
            (hilbert_d(x.min(65535), y.min(65535)), i as u32)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Distance along a Hilbert curve of order 16 for grid cell (x, y).
fn hilbert_d(mut x: u32, mut y: u32) -> u64 {
    let n: u32 = 1 << 16;
    let mut d: u64 = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hilbert_curve_fills_the_origin_block_with_unit_steps() {
        // The first 4^k cells of the curve fill the 2^k × 2^k block at the origin, each a
        // grid neighbour of the previous one.
        let mut cells: Vec<(u64, u32, u32)> =
            (0..8).flat_map(|x| (0..8).map(move |y| (hilbert_d(x, y), x, y))).collect();
        cells.sort_unstable();
        for (k, w) in cells.windows(2).enumerate() {
            assert_eq!(w[0].0, k as u64);
            let step = w[0].1.abs_diff(w[1].1) + w[0].2.abs_diff(w[1].2);
            assert_eq!(step, 1, "{:?} -> {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn hilbert_order_is_a_permutation() {
        let pts: Vec<[f64; 2]> = (0..100).map(|i| [(i % 10) as f64, (i / 10) as f64]).collect();
        let mut o = hilbert_order(&pts);
        o.sort_unstable();
        assert_eq!(o, (0..100).collect::<Vec<u32>>());
        assert!(hilbert_order(&[]).is_empty());
    }
}

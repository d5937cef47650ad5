//! `FacilityIndex`: one bulk-loaded R-tree per category of need, holding every facility that
//! serves it (its own category and those that "also serve" it), and `hilbert_order` to sort
//! query points so neighbouring queries share their work.
//!
//! Answers are exact and canonical: among facilities at the same distance the one listed
//! first (lowest index) wins, so an answer never depends on how queries are batched or split
//! between threads.

use rstar::RTree;
use rstar::primitives::GeomWithData;

pub use crate::geom::hilbert::hilbert_order;
use crate::model::Facility;
use crate::standards::StandardProfile;

/// A facility's point in local metres with its index in the facility list.
pub type IndexedPoint = GeomWithData<[f64; 2], u32>;

/// Nearest-facility search per category of need.
#[derive(Debug)]
pub struct FacilityIndex {
    trees: Vec<Option<RTree<IndexedPoint>>>,
}

impl FacilityIndex {
    /// Builds one tree per category of `profile` from `facilities` (points in local metres).
    /// A category with no serving facility has no tree. O(n log n) per tree (bulk load).
    pub fn build(profile: &StandardProfile, facilities: &[Facility]) -> FacilityIndex {
        let mut trees = Vec::with_capacity(profile.categories.len());
        for c in 0..profile.categories.len() {
            let served_by = profile.served_by(c);
            let points: Vec<IndexedPoint> = facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| served_by.contains(&f.category))
                .map(|(i, f)| GeomWithData::new(f.xy, i as u32))
                .collect();
            trees.push(if points.is_empty() { None } else { Some(RTree::bulk_load(points)) });
        }
        FacilityIndex { trees }
    }

    /// The nearest facility serving category `category` from `xy`: its index in the facility
    /// list and the straight-line distance in metres (ties: the lowest index). `None` when no
    /// facility serves it. O(log n).
    pub fn nearest(&self, category: usize, xy: [f64; 2]) -> Option<(u32, f64)> {
        let tree = self.trees.get(category)?.as_ref()?;
        let d2 = distance_2(*tree.nearest_neighbor(&xy)?.geom(), xy);
        // Every facility at that distance, to break ties canonically.
        closest(tree.locate_within_distance(xy, widen(d2)), xy).map(|(i, d2)| (i, d2.sqrt()))
    }

    /// The nearest facility serving `category` for each point of a block of spatially close
    /// points (consecutive along the Hilbert curve), with `emit(k, answer)` for point `k`.
    /// Exact: with `c` the centre of the block's bounding box, `h` its half-diagonal and `d₀`
    /// the distance from `c` to its nearest facility, every point's nearest facility lies
    /// within `d₀ + 2h` of `c`; those candidates are fetched with one range query and each
    /// point takes the closest by direct comparison. Blocks whose candidates would be many
    /// (points far apart) fall back to [`FacilityIndex::nearest`] per point.
    pub fn nearest_block(
        &self,
        category: usize,
        points: &[[f64; 2]],
        candidates: &mut Vec<IndexedPoint>,
        mut emit: impl FnMut(usize, Option<(u32, f64)>),
    ) {
        let Some(tree) = self.trees.get(category).and_then(Option::as_ref) else {
            (0..points.len()).for_each(|k| emit(k, None));
            return;
        };
        let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for a in 0..2 {
                min[a] = min[a].min(p[a]);
                max[a] = max[a].max(p[a]);
            }
        }
        if points.is_empty() {
            return;
        }
        let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
        let half_diagonal = ((max[0] - min[0]).powi(2) + (max[1] - min[1]).powi(2)).sqrt() / 2.0;
        let d0 = tree.nearest_neighbor(&centre).map_or(0.0, |f| distance_2(*f.geom(), centre).sqrt());
        let reach = d0 + 2.0 * half_diagonal;
        candidates.clear();
        candidates.extend(tree.locate_within_distance(centre, widen(reach * reach)).take(MAX_CANDIDATES + 1).cloned());
        if candidates.len() > MAX_CANDIDATES {
            points.iter().enumerate().for_each(|(k, &p)| emit(k, self.nearest(category, p)));
            return;
        }
        for (k, &p) in points.iter().enumerate() {
            emit(k, closest(candidates.iter(), p).map(|(i, d2)| (i, d2.sqrt())));
        }
    }
}

/// Above this many candidates a block is answered point by point.
const MAX_CANDIDATES: usize = 4096;

#[inline]
fn distance_2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// A squared radius widened by a hair, so a range query surely returns points at exactly that
/// distance whatever the last bit of rounding.
#[inline]
fn widen(d2: f64) -> f64 {
    d2 * (1.0 + 1e-12) + 1e-12
}

/// The candidate closest to `xy` as (facility index, squared distance), ties to the lowest index.
#[inline]
fn closest<'a>(candidates: impl Iterator<Item = &'a IndexedPoint>, xy: [f64; 2]) -> Option<(u32, f64)> {
    let mut best: Option<(u32, f64)> = None;
    for c in candidates {
        let d2 = distance_2(*c.geom(), xy);
        if best.is_none_or(|(i, b)| d2 < b || (d2 == b && c.data < i)) {
            best = Some((c.data, d2));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_single_answers_equal_brute_force_with_canonical_ties() {
        use crate::model::Facility;
        use geo::{Geometry, Point};
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let clinic = p.index_of("clinic").unwrap();
        // A lattice of facilities (many exact ties), queried on another lattice.
        let facilities: Vec<Facility> = (0..400)
            .map(|i| Facility {
                id: i.to_string(),
                category: clinic,
                name: None,
                capacity: None,
                land_area_m2: None,
                floor_area_m2: None,
                activity_area_m2: None,
                office_area_m2: None,
                open_hours: None,
                volunteer_station: None,
                geometry: Geometry::Point(Point::new(0.0, 0.0)),
                lonlat: [0.0, 0.0],
                xy: [((i % 20) * 10) as f64, ((i / 20) * 10) as f64],
            })
            .collect();
        let index = FacilityIndex::build(&p, &facilities);
        let queries: Vec<[f64; 2]> =
            (0..2025).map(|q| [(q % 45) as f64 * 5.0 - 10.0, (q / 45) as f64 * 5.0 - 10.0]).collect();
        let brute = |xy: [f64; 2]| {
            let mut best: Option<(u32, f64)> = None;
            for (i, f) in facilities.iter().enumerate() {
                let d2 = distance_2(f.xy, xy);
                if best.is_none_or(|(_, b)| d2 < b) {
                    best = Some((i as u32, d2));
                }
            }
            best.map(|(i, d2)| (i, d2.sqrt()))
        };
        let mut candidates = Vec::new();
        for block in [1usize, 7, 64, 2025] {
            for (b, chunk) in queries.chunks(block).enumerate() {
                index.nearest_block(clinic, chunk, &mut candidates, |k, got| {
                    assert_eq!(got, brute(chunk[k]), "block size {block}, block {b}, point {k}");
                });
            }
        }
        for &q in &queries {
            assert_eq!(index.nearest(clinic, q), brute(q));
        }
        let market = p.index_of("market").unwrap();
        index.nearest_block(market, &queries[..3], &mut candidates, |_, got| assert_eq!(got, None));
        assert_eq!(index.nearest(market, [0.0, 0.0]), None);
    }
}

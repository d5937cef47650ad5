//! Repairing invalid polygons with geo's validity tools, naming the first problem found.

use geo::{Geometry, MakeValid, MultiPolygon, Polygon, Validation};

use crate::error::Result;

/// An input polygon that was not valid (its boundary crossed itself, its rings or parts
/// overlapped or touched along a line) and was repaired as it was read, so that only the
/// repaired polygon reaches the analysis and the outputs. Listed in summary.json's
/// `repaired_geometries` and named in a warning by the CLI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepairedGeometry {
    /// The input file.
    pub layer: String,
    /// Zero-based feature index in the file.
    pub feature: usize,
    /// The feature's id.
    pub id: String,
    /// What was wrong, in geo's words (e.g. "exterior ring has a self-intersection").
    pub problem: String,
}

/// Makes a Polygon or MultiPolygon valid: an invalid polygon is rebuilt from its edges by
/// geo's [`MakeValid`] (even-odd rule: a bow-tie becomes its two triangles), and the parts
/// of a MultiPolygon are then merged by a union (overlapping or edge-sharing parts become one).
/// Returns the geometry unchanged and `None` when it was valid (or is not polygonal), else
/// the repaired geometry (a Polygon when one part is left) and the first problem found. An
/// error when even the repair is not valid (the message says what geo found).
pub fn repair_polygonal(geometry: Geometry<f64>) -> Result<(Geometry<f64>, Option<String>), String> {
    let problem = match &geometry {
        Geometry::Polygon(p) => p.validation_errors().first().map(ToString::to_string),
        Geometry::MultiPolygon(mp) => multipolygon_problem(mp),
        _ => None,
    };
    let Some(problem) = problem else { return Ok((geometry, None)) };
    let parts: Vec<Polygon<f64>> = match geometry {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0,
        _ => Vec::new(),
    };
    let mut pieces: Vec<Polygon<f64>> = Vec::with_capacity(parts.len());
    for part in parts {
        if part.is_valid() {
            pieces.push(part);
        } else {
            let fixed =
                part.make_valid().map_err(|e| format!("polygon is invalid ({problem}) and cannot be repaired: {e}"))?;
            pieces.extend(fixed.0);
        }
    }
    let mut repaired = MultiPolygon(pieces);
    if multipolygon_problem(&repaired).is_some() {
        repaired = geo::unary_union(repaired.0.iter());
    }
    if let Some(still) = multipolygon_problem(&repaired) {
        return Err(format!("polygon is invalid ({problem}) and its repair is not valid either ({still})"));
    }
    let geometry =
        if repaired.0.len() == 1 { Geometry::Polygon(repaired.0.remove(0)) } else { Geometry::MultiPolygon(repaired) };
    Ok((geometry, Some(problem)))
}

/// The first validity problem of a MultiPolygon, as geo's `Validation` words it and in its
/// order (each part, then its overlaps or shared edges with the later parts), but comparing only
/// the parts whose bounding boxes meet (an R-tree): geo compares every pair, which takes minutes
/// on a polygon of 150,000 parts.
pub(super) fn multipolygon_problem(mp: &MultiPolygon<f64>) -> Option<String> {
    use geo::coordinate_position::CoordPos;
    use geo::dimensions::Dimensions;
    use geo::{BoundingRect, Relate};
    use rstar::primitives::{GeomWithData, Rectangle};
    use rstar::{AABB, RTree};
    let boxes: Vec<Option<AABB<[f64; 2]>>> =
        mp.0.iter()
            .map(|p| p.bounding_rect().map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])))
            .collect();
    let tree = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|b| GeomWithData::new(Rectangle::from_aabb(b), i)))
            .collect(),
    );
    for (i, polygon) in mp.0.iter().enumerate() {
        if let Some(e) = polygon.validation_errors().first() {
            return Some(format!("polygon at index {i} is invalid: {e}"));
        }
        let Some(b) = boxes[i] else { continue };
        let mut later: Vec<usize> =
            tree.locate_in_envelope_intersecting(&b).map(|g| g.data).filter(|&j| j > i).collect();
        later.sort_unstable();
        for j in later {
            let im = polygon.relate(&mp.0[j]);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(format!("polygons at indices {i} and {j} overlap"));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(format!("polygons at indices {i} and {j} touch on a line"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipolygon_problems_match_geo_and_only_meeting_parts_are_compared() {
        use geo::{Rect, coord};
        let square =
            |x: f64, y: f64, s: f64| Rect::new(coord! { x: x, y: y }, coord! { x: x + s, y: y + s }).to_polygon();
        let cases = [
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(2.0, 0.0, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(5.0, 5.0, 1.0), square(0.5, 0.5, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(1.0, 1.0, 1.0)]),
        ];
        for mp in &cases {
            let want = mp.validation_errors().first().map(ToString::to_string);
            assert_eq!(multipolygon_problem(mp), want, "{mp:?}");
        }
        // 20,000 disjoint squares: valid, and answered without comparing every pair.
        let many =
            MultiPolygon((0..20_000).map(|k| square((k % 200) as f64 * 2.0, (k / 200) as f64 * 2.0, 1.0)).collect());
        assert_eq!(multipolygon_problem(&many), None);
    }
}

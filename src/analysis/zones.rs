//! Zone assignment: which zone each residence and facility belongs to, by point-in-polygon of
//! its representative point against prepared zone polygons found through an R-tree of their
//! bounding boxes; or, for `--grid`, by the square of a regular grid it falls in.
//!
//! Point-in-polygon is done in WGS84 lon/lat, the coordinates the zones and points were read
//! into, so that a point the input puts exactly on a shared boundary stays on it. A point on a
//! boundary is inside (it belongs to the first such zone in file order); a point strictly inside
//! two zones goes to the first of them and the pair is reported as overlapping.

use geo::{BoundingRect, ConvexHull, Coord, Geometry, LineString, MultiPoint, Point, Polygon};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use crate::crs::LocalProjection;
use crate::model::{Zone, ZoneAttributes};

/// Where the zones of a run come from (summary.json's `zones.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// No zones given: the whole study area is one zone.
    StudyArea,
    /// A zones layer (`--zones`).
    Layer,
    /// A regular grid (`--grid`).
    Grid,
}

/// Where a point lies relative to a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Strictly inside.
    Inside,
    /// On an edge or vertex.
    Boundary,
    /// Outside.
    Outside,
}

/// A polygon (or multipolygon) prepared for many point-in-polygon tests: its edges bucketed by
/// horizontal bands, so that a test looks only at the edges crossing the point's band.
#[derive(Debug, Clone)]
pub struct PreparedPolygon {
    /// Edges as (from, to).
    edges: Vec<[Coord<f64>; 2]>,
    /// Band lookup: edges of band `b` are `band_edges[band_start[b]..band_start[b + 1]]`.
    band_start: Vec<u32>,
    band_edges: Vec<u32>,
    min_y: f64,
    band_height: f64,
    bbox: [f64; 4],
}

impl PreparedPolygon {
    /// Prepares a Polygon or MultiPolygon (holes included); `None` for other geometries or an
    /// empty one.
    pub fn new(geometry: &Geometry<f64>) -> Option<PreparedPolygon> {
        let polygons: Vec<&Polygon<f64>> = match geometry {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
            _ => return None,
        };
        let mut edges = Vec::new();
        for p in polygons {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in ring.0.windows(2) {
                    if w[0] != w[1] {
                        edges.push([w[0], w[1]]);
                    }
                }
                // An unclosed ring is closed.
                if let (Some(&a), Some(&b)) = (ring.0.last(), ring.0.first())
                    && a != b
                {
                    edges.push([a, b]);
                }
            }
        }
        let rect = geometry.bounding_rect()?;
        let bbox = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        let bands = (edges.len() / 4).clamp(1, 4096);
        let height = (bbox[3] - bbox[1]) / bands as f64;
        let band_height = if height > 0.0 { height } else { 1.0 };
        let band_of = |y: f64| (((y - bbox[1]) / band_height) as usize).min(bands - 1);
        let mut counts = vec![0u32; bands + 1];
        for e in &edges {
            let (lo, hi) = (band_of(e[0].y.min(e[1].y)), band_of(e[0].y.max(e[1].y)));
            for c in &mut counts[lo + 1..=hi + 1] {
                *c += 1;
            }
        }
        for b in 0..bands {
            counts[b + 1] += counts[b];
        }
        let mut fill = counts.clone();
        let mut band_edges = vec![0u32; counts[bands] as usize];
        for (i, e) in edges.iter().enumerate() {
            let (lo, hi) = (band_of(e[0].y.min(e[1].y)), band_of(e[0].y.max(e[1].y)));
            for slot in &mut fill[lo..=hi] {
                band_edges[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        Some(PreparedPolygon { edges, band_start: counts, band_edges, min_y: bbox[1], band_height, bbox })
    }

    /// Bounding box `[min x, min y, max x, max y]`.
    pub fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// Where `p` lies: inside, on the boundary, or outside (even-odd rule over all rings, so a
    /// hole's inside is outside).
    pub fn locate(&self, p: [f64; 2]) -> Location {
        let [x, y] = p;
        if !(x >= self.bbox[0] && x <= self.bbox[2] && y >= self.bbox[1] && y <= self.bbox[3]) {
            return Location::Outside;
        }
        let bands = self.band_start.len() - 1;
        let band = (((y - self.min_y) / self.band_height) as usize).min(bands - 1);
        let q = Coord { x, y };
        let mut inside = false;
        for &e in &self.band_edges[self.band_start[band] as usize..self.band_start[band + 1] as usize] {
            let [a, b] = self.edges[e as usize];
            match crate::geom::ring::edge_crossing(a, b, q) {
                None => return Location::Boundary,
                Some(crosses) => inside ^= crosses,
            }
        }
        if inside { Location::Inside } else { Location::Outside }
    }
}

struct ZoneBox {
    zone: u32,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for ZoneBox {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Zones prepared for point assignment.
pub struct ZoneIndex {
    polygons: Vec<PreparedPolygon>,
    tree: RTree<ZoneBox>,
}

/// No zone.
pub const NO_ZONE: u32 = u32::MAX;

/// The zone of each point, and what was odd about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    /// Zone index per point, [`NO_ZONE`] when in none.
    pub zone: Vec<u32>,
    /// Pairs of zones (first, second in file order) that a point lies strictly inside of both,
    /// with how many points do.
    pub overlaps: Vec<((u32, u32), usize)>,
}

impl ZoneIndex {
    /// Prepares zone geometries (Polygon/MultiPolygon in lon/lat; other geometries never match).
    pub fn new(geometries: &[&Geometry<f64>]) -> ZoneIndex {
        let polygons: Vec<Option<PreparedPolygon>> = geometries.par_iter().map(|g| PreparedPolygon::new(g)).collect();
        let boxes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let b = p.as_ref()?.bbox();
                Some(ZoneBox { zone: i as u32, envelope: AABB::from_corners([b[0], b[1]], [b[2], b[3]]) })
            })
            .collect();
        let empty = PreparedPolygon {
            edges: Vec::new(),
            band_start: vec![0, 0],
            band_edges: Vec::new(),
            min_y: 0.0,
            band_height: 1.0,
            bbox: [f64::NAN; 4],
        };
        ZoneIndex {
            polygons: polygons.into_iter().map(|p| p.unwrap_or_else(|| empty.clone())).collect(),
            tree: RTree::bulk_load(boxes),
        }
    }

    /// The first zone (file order) containing `p` (boundary included), and a second zone that
    /// also holds it strictly inside when the first does too (an overlap).
    pub fn locate(&self, p: [f64; 2]) -> (u32, Option<u32>) {
        // The lowest containing zone, and the two lowest holding p strictly inside; the
        // R-tree's candidate order does not matter.
        let mut first = NO_ZONE;
        let mut inside = [NO_ZONE; 2];
        for b in self.tree.locate_in_envelope_intersecting(&AABB::from_point(p)) {
            let z = b.zone;
            match self.polygons[z as usize].locate(p) {
                Location::Outside => continue,
                Location::Inside => {
                    if z < inside[0] {
                        inside = [z, inside[0]];
                    } else if z < inside[1] {
                        inside[1] = z;
                    }
                }
                Location::Boundary => {}
            }
            first = first.min(z);
        }
        let overlap = (first != NO_ZONE && inside[0] == first && inside[1] != NO_ZONE).then_some(inside[1]);
        (first, overlap)
    }

    /// Assigns every point (in parallel; the answer does not depend on the thread count).
    pub fn assign(&self, points: &[[f64; 2]]) -> Assignment {
        let found: Vec<(u32, Option<u32>)> = points.par_iter().map(|&p| self.locate(p)).collect();
        let mut overlaps = std::collections::BTreeMap::new();
        let zone = found
            .into_iter()
            .map(|(z, other)| {
                if let Some(o) = other {
                    *overlaps.entry((z, o)).or_insert(0usize) += 1;
                }
                z
            })
            .collect();
        Assignment { zone, overlaps: overlaps.into_iter().collect() }
    }
}

/// A regular square grid in the local projection, anchored at multiples of the cell size.
#[derive(Debug, Clone)]
#[allow(dead_code)] // unread by the pipeline (it keeps the zones); kept for the grid's callers
pub struct Grid {
    /// Cell size, metres.
    pub cell_m: f64,
    /// Column and row of each zone.
    pub cells: Vec<(i64, i64)>,
}

impl Grid {
    /// The (column, row) of a local point.
    pub fn cell_of(cell_m: f64, xy: [f64; 2]) -> (i64, i64) {
        ((xy[0] / cell_m).floor() as i64, (xy[1] / cell_m).floor() as i64)
    }

    /// Grid zones holding the given local points (sorted by row, then column), the zones as
    /// [`Zone`]s with lon/lat square geometry, and each point's zone.
    pub fn build(cell_m: f64, points: &[[f64; 2]], projection: &LocalProjection) -> (Grid, Vec<Zone>, Vec<u32>) {
        let keys: Vec<(i64, i64)> = points.par_iter().map(|&p| Self::cell_of(cell_m, p)).collect();
        let mut cells: Vec<(i64, i64)> = keys.clone();
        cells.sort_unstable_by_key(|&(c, r)| (r, c));
        cells.dedup();
        let zone_of = keys
            .par_iter()
            .map(|&(c, r)| cells.binary_search_by_key(&(r, c), |&(c, r)| (r, c)).map_or(NO_ZONE, |i| i as u32))
            .collect();
        let zones = cells
            .iter()
            .map(|&(c, r)| {
                let (x0, y0) = (c as f64 * cell_m, r as f64 * cell_m);
                let corners = [(x0, y0), (x0 + cell_m, y0), (x0 + cell_m, y0 + cell_m), (x0, y0 + cell_m), (x0, y0)];
                let ring: Vec<Coord<f64>> = corners
                    .iter()
                    .map(|&(x, y)| {
                        let (lon, lat) = projection.inverse(x, y);
                        Coord { x: lon, y: lat }
                    })
                    .collect();
                Zone {
                    id: format!("r{r}c{c}"),
                    name: None,
                    geometry: Geometry::Polygon(Polygon::new(LineString(ring), vec![])),
                    attributes: ZoneAttributes::default(),
                }
            })
            .collect();
        (Grid { cell_m, cells }, zones, zone_of)
    }
}

/// Half-width of the buffer drawn around a degenerate study area, metres: when every point is
/// at one spot or on one line, the convex hull has no area, so the study area is the disc or
/// capsule this far around the hull instead (a valid polygon every reader accepts).
pub const STUDY_AREA_BUFFER_M: f64 = 50.0;

/// The whole study area as one zone: the convex hull of the given lon/lat points, or, when
/// that hull has no area (one point, points at one spot or on a line), the hull buffered by
/// [`STUDY_AREA_BUFFER_M`] in local metres. Always a valid polygon with an area, unless there
/// are no points at all (then it is empty).
pub fn study_area(points: impl Iterator<Item = [f64; 2]>) -> Zone {
    let points: Vec<Point<f64>> = points.map(|p| Point::new(p[0], p[1])).collect();
    let hull = MultiPoint(points).convex_hull();
    let geometry = if geo::Validation::is_valid(&hull) && geo::Area::unsigned_area(&hull) > 0.0 {
        hull
    } else {
        buffer_degenerate(&hull, STUDY_AREA_BUFFER_M)
    };
    Zone {
        id: "study_area".into(),
        name: Some("研究范围 Study area".into()),
        geometry: Geometry::Polygon(geometry),
        attributes: ZoneAttributes::default(),
    }
}

/// A valid polygon `metres` around a lon/lat polygon that has collapsed to a segment or a point
/// (its ring's positions in order), buffered in a local projection centred on it; an empty ring
/// stays empty.
fn buffer_degenerate(hull: &Polygon<f64>, metres: f64) -> Polygon<f64> {
    use geo::Buffer;
    let Some(rect) = hull.bounding_rect() else { return hull.clone() };
    let centre = rect.center();
    let projection = LocalProjection::new(centre.x, centre.y);
    let line: LineString<f64> = hull
        .exterior()
        .0
        .iter()
        .map(|c| {
            let [x, y] = projection.forward(c.x, c.y);
            Coord { x, y }
        })
        .collect();
    // A segment's buffer is one capsule and a point's one disc: a single polygon.
    let Some(buffered) = line.buffer(metres).0.into_iter().next() else { return hull.clone() };
    let back = |ring: &LineString<f64>| -> LineString<f64> {
        ring.0
            .iter()
            .map(|c| {
                let (x, y) = projection.inverse(c.x, c.y);
                Coord { x, y }
            })
            .collect()
    };
    Polygon::new(back(buffered.exterior()), buffered.interiors().iter().map(back).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Intersects, Relate, polygon};
    use proptest::prelude::*;

    fn square(x0: f64, y0: f64, s: f64) -> Geometry<f64> {
        Geometry::Polygon(polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s)])
    }

    #[test]
    fn shared_boundary_goes_to_the_first_zone_and_overlaps_are_found() {
        let a = square(0.0, 0.0, 1.0);
        let b = square(1.0, 0.0, 1.0);
        let c = square(1.5, 0.5, 1.0); // overlaps b
        let index = ZoneIndex::new(&[&a, &b, &c]);
        assert_eq!(index.locate([0.5, 0.5]), (0, None));
        assert_eq!(index.locate([1.0, 0.5]), (0, None), "on the shared edge: first in file order");
        assert_eq!(index.locate([1.0, 1.0]), (0, None), "on a shared vertex");
        assert_eq!(index.locate([1.2, 0.2]), (1, None));
        assert_eq!(index.locate([1.7, 0.7]), (1, Some(2)), "strictly inside b and c");
        assert_eq!(index.locate([2.4, 1.4]), (2, None));
        assert_eq!(index.locate([5.0, 5.0]), (NO_ZONE, None));
        let a = index.assign(&[[1.7, 0.7], [1.8, 0.6], [0.1, 0.1]]);
        assert_eq!(a.zone, vec![1, 1, 0]);
        assert_eq!(a.overlaps, vec![((1, 2), 2)]);
    }

    #[test]
    fn holes_and_multipolygons() {
        let g: Geometry<f64> = Geometry::Polygon(Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0)])],
        ));
        let p = PreparedPolygon::new(&g).unwrap();
        assert_eq!(p.locate([5.0, 5.0]), Location::Outside);
        assert_eq!(p.locate([4.0, 5.0]), Location::Boundary);
        assert_eq!(p.locate([2.0, 5.0]), Location::Inside);
        assert_eq!(p.locate([10.0, 10.0]), Location::Boundary);
        assert_eq!(p.locate([10.0, 5.0]), Location::Boundary);
        assert_eq!(p.locate([11.0, 5.0]), Location::Outside);
    }

    #[test]
    fn a_degenerate_study_area_is_buffered_into_a_valid_polygon() {
        use geo::{Contains, GeodesicArea, Validation};
        let here = [116.4012, 39.9031];
        let disc = std::f64::consts::PI * STUDY_AREA_BUFFER_M * STUDY_AREA_BUFFER_M;
        let cases: [(&str, Vec<[f64; 2]>, f64); 3] = [
            ("one residence", vec![here], disc),
            ("all at one spot", vec![here, here, here], disc),
            // Three points on a line about 300 m long: a capsule of 300 × 100 m plus a disc.
            ("collinear", vec![here, [116.4047, 39.9031], [116.4012 + 0.0035 / 2.0, 39.9031]], 300.0 * 100.0 + disc),
        ];
        for (what, pts, want_m2) in cases {
            let zone = study_area(pts.iter().copied());
            let Geometry::Polygon(p) = &zone.geometry else { panic!("{what}: not a polygon") };
            assert!(p.is_valid(), "{what}: {:?}", p.validation_errors());
            assert!(p.exterior().0.len() >= 4, "{what}: ring of {} positions", p.exterior().0.len());
            let area = p.geodesic_area_unsigned();
            assert!((area - want_m2).abs() < 0.05 * want_m2, "{what}: area {area} m², expected about {want_m2}");
            for q in &pts {
                assert!(p.contains(&Point::new(q[0], q[1])), "{what}: {q:?} outside the study area");
            }
        }
        // A hull with an area is kept as it is.
        let tri = [[0.0, 0.0], [0.01, 0.0], [0.0, 0.01]];
        let Geometry::Polygon(p) = study_area(tri.into_iter()).geometry else { panic!() };
        assert_eq!(p.exterior().0.len(), 4);
    }

    #[test]
    fn grid_cells_are_sorted_and_every_point_has_one() {
        let proj = LocalProjection::new(116.4, 39.9);
        let pts = [[10.0, 10.0], [260.0, 10.0], [-10.0, 600.0], [20.0, 20.0]];
        let (grid, zones, of) = Grid::build(250.0, &pts, &proj);
        assert_eq!(grid.cells, vec![(0, 0), (1, 0), (-1, 2)]);
        assert_eq!(of, vec![0, 1, 2, 0]);
        assert_eq!(zones[2].id, "r2c-1");
    }

    /// A random simple-ish polygon: a star around a centre (angles sorted), optionally with a
    /// square hole at the centre; coordinates on a coarse lattice so points hit vertices and
    /// edges often.
    fn star() -> impl Strategy<Value = Geometry<f64>> {
        (prop::collection::vec((0u32..360, 1u32..8), 3..12), any::<bool>()).prop_map(|(mut spokes, hole)| {
            spokes.sort();
            spokes.dedup_by_key(|s| s.0);
            let mut ring: Vec<(f64, f64)> = spokes
                .iter()
                .map(|&(a, r)| {
                    let a = f64::from(a).to_radians();
                    (
                        (f64::from(r) * 2.0 * a.cos()).round() / 2.0 + 10.0,
                        (f64::from(r) * 2.0 * a.sin()).round() / 2.0 + 10.0,
                    )
                })
                .collect();
            ring.dedup();
            if ring.len() < 3 {
                ring = vec![(8.0, 8.0), (12.0, 8.0), (10.0, 12.0)];
            }
            ring.push(ring[0]);
            let holes = if hole {
                vec![LineString::from(vec![(9.5, 9.5), (10.5, 9.5), (10.5, 10.5), (9.5, 10.5), (9.5, 9.5)])]
            } else {
                vec![]
            };
            Geometry::Polygon(Polygon::new(LineString::from(ring), holes))
        })
    }

    proptest! {
        #[test]
        fn locate_matches_geo_brute_force(g in star(), pts in prop::collection::vec((0u32..41, 0u32..41), 1..60)) {
            // Only compare on polygons geo considers valid (a random star may self-touch).
            let geo::Geometry::Polygon(poly) = &g else { unreachable!() };
            prop_assume!(geo::Validation::is_valid(poly));
            let prepared = PreparedPolygon::new(&g).unwrap();
            for (x, y) in pts {
                let p = Point::new(f64::from(x) / 2.0, f64::from(y) / 2.0);
                let want = if !poly.intersects(&p) {
                    Location::Outside
                } else if poly.relate(&p).is_contains() {
                    Location::Inside
                } else {
                    Location::Boundary
                };
                prop_assert_eq!(prepared.locate([p.x(), p.y()]), want, "{:?}", p);
            }
        }
    }
}

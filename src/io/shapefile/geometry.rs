//! Reading `.shp` records at the offsets the `.shx` index gives, and converting shapes to `geo`
//! geometries (rings closed, holes nested into the exterior that contains them).

use std::fs::{self, File};
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use shapefile::{PolygonRing, ReadableShape, Shape};

use super::{SHP_FILE_CODE, SHP_HEADER_LEN, array, read_error};
use crate::error::{Error, Location, Result};

/// Checks the 100-byte `.shp` header: file code, declared length and shape type.
pub(super) fn check_shp_header(shp: &mut impl Read, path: &Path, shp_len: u64) -> Result<()> {
    let not_shapefile = |why: &str| Error::input(Location::file(path), format!("this is not a shapefile .shp: {why}"));
    if shp_len < SHP_HEADER_LEN {
        return Err(not_shapefile("it is shorter than the 100-byte header"));
    }
    let mut header = [0u8; SHP_HEADER_LEN as usize];
    shp.read_exact(&mut header).map_err(|source| read_error(path, source))?;
    if i32::from_be_bytes(array(&header, 0)) != SHP_FILE_CODE {
        return Err(not_shapefile("it does not start with the shapefile file code 9994"));
    }
    let declared = u64::from(u32::from_be_bytes(array(&header, 24))) * 2;
    if declared > shp_len {
        return Err(Error::input(
            Location::file(path),
            format!(
                "the .shp file is truncated: its header says {declared} bytes but the file has \
                 only {shp_len}"
            ),
        ));
    }
    let shape_type = i32::from_le_bytes(array(&header, 32));
    if ![0, 1, 3, 5, 8, 11, 13, 15, 18, 21, 23, 25, 28, 31].contains(&shape_type) {
        return Err(not_shapefile(&format!("its header names an unknown shape type {shape_type}")));
    }
    Ok(())
}

/// One `.shx` entry: the byte offset where a record starts in the `.shp`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShxEntry {
    offset: u64,
}

/// Reads the `.shx` and checks every record it lists lies inside the `.shp`.
pub(super) fn read_shx(shx_path: &Path, shp_path: &Path, shp_len: u64) -> Result<Vec<ShxEntry>> {
    let bytes = fs::read(shx_path).map_err(|source| read_error(shx_path, source))?;
    let damaged = |why: String| Error::input(Location::file(shx_path), why);
    if bytes.len() < SHP_HEADER_LEN as usize || i32::from_be_bytes(array(&bytes, 0)) != SHP_FILE_CODE {
        return Err(damaged("this is not a shapefile index (.shx): wrong header".into()));
    }
    let declared = u64::from(u32::from_be_bytes(array(&bytes, 24))) * 2;
    if declared < SHP_HEADER_LEN || declared > bytes.len() as u64 {
        return Err(damaged(format!(
            "the .shx index is truncated or damaged: its header says {declared} bytes but the \
             file has {}",
            bytes.len()
        )));
    }
    let count = ((declared - SHP_HEADER_LEN) / 8) as usize;
    let mut entries = Vec::with_capacity(count);
    for record in 0..count {
        let at = SHP_HEADER_LEN as usize + record * 8;
        let offset = i32::from_be_bytes(array(&bytes, at));
        let length = i32::from_be_bytes(array(&bytes, at + 4));
        let (Ok(offset), Ok(length)) = (u64::try_from(offset), u64::try_from(length)) else {
            return Err(Error::input(
                Location::file(shx_path).feature(record, None),
                "the .shx index is damaged: negative record offset or length",
            ));
        };
        let (offset, end) = (offset * 2, offset * 2 + 8 + length * 2);
        if offset < SHP_HEADER_LEN || end > shp_len {
            return Err(Error::input(
                Location::file(shp_path).feature(record, None),
                format!(
                    "the .shp file is truncated or does not match its .shx: this record should \
                     span bytes {offset}..{end} but the file has {shp_len} bytes"
                ),
            ));
        }
        entries.push(ShxEntry { offset });
    }
    Ok(entries)
}

/// Reads and converts the geometry of one record; `position` tracks the reader's offset so that
/// records stored in order are read without discarding the read buffer.
///
/// A record that does not fit in the file is an error (the file is truncated or damaged, so
/// nothing after it can be trusted); a record whose content cannot be decoded gives `Ok(Err)`
/// with the message, for [`RawFeature::geometry_problem`](crate::io::layer::RawFeature::geometry_problem).
pub(super) fn read_geometry(
    shp: &mut BufReader<File>,
    position: &mut u64,
    (path, shp_len): (&Path, u64),
    record: usize,
    entry: ShxEntry,
    buffer: &mut Vec<u8>,
) -> Result<std::result::Result<Option<Geometry<f64>>, String>> {
    let damaged = |why: String| Error::input(Location::file(path).feature(record, None).field("geometry"), why);
    let delta = entry.offset as i64 - *position as i64;
    if delta != 0 {
        shp.seek_relative(delta).map_err(|source| read_error(path, source))?;
    }
    *position = entry.offset;
    let mut header = [0u8; 8];
    shp.read_exact(&mut header).map_err(|source| read_error(path, source))?;
    let content = u64::try_from(i32::from_be_bytes(array(&header, 4)))
        .map_err(|_| damaged("the .shp record header has a negative length".into()))?
        * 2;
    if entry.offset + 8 + content > shp_len {
        return Err(damaged(format!(
            "the .shp file is truncated: this record should end at byte {} but the file has \
             {shp_len} bytes",
            entry.offset + 8 + content
        )));
    }
    let size = i32::try_from(content).map_err(|_| damaged("the .shp record is too large to be valid".into()))?;
    buffer.clear();
    buffer.resize(content as usize, 0);
    shp.read_exact(buffer).map_err(|source| read_error(path, source))?;
    *position = entry.offset + 8 + content;
    if let Err(why) = check_counts(buffer) {
        return Ok(Err(format!("the .shp record is damaged: {why}")));
    }
    let shape = match Shape::read_from(&mut Cursor::new(buffer.as_slice()), size) {
        Ok(shape) => shape,
        Err(e) => return Ok(Err(format!("the .shp record is damaged: {}", e.to_string().trim()))),
    };
    Ok(shape_to_geometry(shape).map_err(|why| format!("cannot convert the .shp record: {why}")))
}

/// Checks that the part and point counts a record declares fit in it, before the shapefile
/// crate reserves memory for them.
fn check_counts(content: &[u8]) -> std::result::Result<(), String> {
    let count = |at: usize| u64::from(u32::from_le_bytes(array(content, at)));
    let needed = match i32::from_le_bytes(array(content, 0)) {
        3 | 5 | 13 | 15 | 23 | 25 | 31 if content.len() >= 44 => 44 + 4 * count(36) + 16 * count(40),
        8 | 18 | 28 if content.len() >= 40 => 40 + 16 * count(36),
        _ => return Ok(()),
    };
    if needed > content.len() as u64 {
        return Err(format!("the record declares more parts or points than its {} bytes can hold", content.len()));
    }
    Ok(())
}

fn coords<P>(points: Vec<P>) -> Vec<Coord<f64>>
where
    Coord<f64>: From<P>,
{
    points.into_iter().map(Coord::from).collect()
}

/// Converts a shape to a geometry, dropping Z and M; `None` for null and empty shapes.
fn shape_to_geometry(shape: Shape) -> std::result::Result<Option<Geometry<f64>>, String> {
    let point = |x: f64, y: f64| Some(Geometry::Point(Point::new(x, y)));
    Ok(match shape {
        Shape::NullShape => None,
        Shape::Point(p) => point(p.x, p.y),
        Shape::PointM(p) => point(p.x, p.y),
        Shape::PointZ(p) => point(p.x, p.y),
        Shape::Multipoint(m) => multipoint(coords(m.into_inner())),
        Shape::MultipointM(m) => multipoint(coords(m.into_inner())),
        Shape::MultipointZ(m) => multipoint(coords(m.into_inner())),
        Shape::Polyline(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::PolylineM(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::PolylineZ(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::Polygon(p) => polygons(rings(p.into_inner())),
        Shape::PolygonM(p) => polygons(rings(p.into_inner())),
        Shape::PolygonZ(p) => polygons(rings(p.into_inner())),
        Shape::Multipatch(m) => {
            let mut multi = MultiPolygon::<f64>::try_from(m).map_err(|e| e.to_string())?;
            match multi.0.len() {
                0 => None,
                1 => multi.0.pop().map(Geometry::Polygon),
                _ => Some(Geometry::MultiPolygon(multi)),
            }
        }
    })
}

fn multipoint(points: Vec<Coord<f64>>) -> Option<Geometry<f64>> {
    (!points.is_empty()).then(|| Geometry::MultiPoint(MultiPoint::from(points)))
}

fn lines(mut parts: Vec<Vec<Coord<f64>>>) -> Option<Geometry<f64>> {
    parts.retain(|part| !part.is_empty());
    match parts.len() {
        0 => None,
        1 => parts.pop().map(|part| Geometry::LineString(LineString::new(part))),
        _ => Some(Geometry::MultiLineString(MultiLineString::new(parts.into_iter().map(LineString::new).collect()))),
    }
}

/// The rings of a polygon record (their winding is not trusted: see [`polygons`]).
fn rings<P>(rings: Vec<PolygonRing<P>>) -> Vec<Vec<Coord<f64>>>
where
    Coord<f64>: From<P>,
{
    rings.into_iter().map(|ring| coords(ring.into_inner())).collect()
}

/// Bounding box of a ring as (min x, min y, max x, max y).
fn ring_bbox(ring: &[Coord<f64>]) -> [f64; 4] {
    ring.iter().fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], |b, c| {
        [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)]
    })
}

/// Absolute area of a closed ring (shoelace formula).
fn ring_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>().abs() / 2.0
}

/// Whether `p` is inside the closed `ring`; `None` when it lies on the ring itself.
fn ring_position(ring: &[Coord<f64>], p: Coord<f64>) -> Option<bool> {
    let mut inside = false;
    for w in ring.windows(2) {
        inside ^= edge_crossing(w[0], w[1], p)?;
    }
    Some(inside)
}

/// Whether the edge `a`-`b` crosses the ray from `p` towards +x (the even-odd rule); `None` when
/// `p` lies on the edge.
fn edge_crossing(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> Option<bool> {
    let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    if cross == 0.0 && p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y) {
        return None;
    }
    Some((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x)
}

/// Rings with more vertices than this get an R-tree of their edges when first tested, so that a
/// ring tested against many others (a shell with many holes) costs O(log n) a test, not O(n).
pub(crate) const EDGE_INDEX_MIN: usize = 64;

/// A closed ring whose edges are put in an R-tree of their bounding boxes the first time a point
/// is tested against it, when it has more than [`EDGE_INDEX_MIN`] vertices: only the edges whose
/// box meets the ray from the point can cross it or hold the point, and the parity of the
/// crossings does not depend on their order, so the answer is that of the plain even-odd test.
pub(crate) struct IndexedRing<'a> {
    ring: &'a [Coord<f64>],
    max_x: f64,
    tree: Option<RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>>,
}

impl<'a> IndexedRing<'a> {
    /// A closed ring (first vertex repeated last), not indexed yet.
    pub(crate) fn new(ring: &'a [Coord<f64>]) -> Self {
        IndexedRing { ring, max_x: ring.iter().fold(f64::NEG_INFINITY, |m, c| m.max(c.x)), tree: None }
    }

    /// Whether `p` is inside the ring; `None` when it lies on the ring itself.
    pub(crate) fn position(&mut self, p: Coord<f64>) -> Option<bool> {
        if self.ring.len() <= EDGE_INDEX_MIN {
            return ring_position(self.ring, p);
        }
        let ring = self.ring;
        let tree = self.tree.get_or_insert_with(|| {
            RTree::bulk_load(
                ring.windows(2)
                    .enumerate()
                    .map(|(i, w)| GeomWithData::new(Rectangle::from_corners([w[0].x, w[0].y], [w[1].x, w[1].y]), i))
                    .collect(),
            )
        });
        let ray = AABB::from_corners([p.x, p.y], [self.max_x.max(p.x), p.y]);
        let mut inside = false;
        for edge in tree.locate_in_envelope_intersecting(&ray) {
            let i = edge.data;
            inside ^= edge_crossing(ring[i], ring[i + 1], p)?;
        }
        Some(inside)
    }

    /// Whether the ring contains the ring `inner` (judged by its first vertex that is not on
    /// the ring; a ring lying wholly on it counts as inside).
    fn contains(&mut self, inner: &[Coord<f64>]) -> bool {
        inner.iter().find_map(|p| self.position(*p)).unwrap_or(true)
    }
}

/// Builds polygons from the rings of one record by nesting, as GDAL does: a ring inside an even
/// number of other rings is an exterior; one inside an odd number is a hole of the smallest ring
/// containing it. Ring order and winding are not trusted (the specification wants clockwise
/// exteriors, but some writers use the opposite winding), so every hole goes to the exterior that
/// contains it, wherever it sits in the record.
///
/// Near-linear on many rings: the rings' boxes are indexed in an R-tree, so a ring is tested
/// only against the rings whose box holds its own, smallest first, and its depth is its smallest
/// container's plus one (rings of a valid record do not cross, so its containers nest). Large
/// rings tested many times get an R-tree of their edges ([`EDGE_INDEX_MIN`]).
fn polygons(rings: Vec<Vec<Coord<f64>>>) -> Option<Geometry<f64>> {
    let rings: Vec<Vec<Coord<f64>>> = rings
        .into_iter()
        .filter_map(|mut ring| {
            let first = *ring.first()?;
            if ring.last() != Some(&first) {
                ring.push(first);
            }
            Some(ring)
        })
        .collect();
    let boxes: Vec<[f64; 4]> = rings.iter().map(|r| ring_bbox(r)).collect();
    let areas: Vec<f64> = rings.iter().map(|r| ring_area(r)).collect();
    // Larger rings first: a ring's containers all come before it, the smallest one last.
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| areas[b].total_cmp(&areas[a]));
    let mut rank = vec![0usize; rings.len()];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k;
    }
    // Boxes with NaN corners cannot be indexed (nor contain anything).
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.iter().all(|v| v.is_finite()))
            .map(|(i, b)| GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i))
            .collect(),
    );
    let mut indexed: Vec<IndexedRing<'_>> = rings.iter().map(|r| IndexedRing::new(r)).collect();
    let mut depth = vec![0usize; rings.len()];
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    let mut candidates = Vec::new();
    for &i in &order {
        let inner = boxes[i];
        if !inner.iter().all(|v| v.is_finite()) {
            continue;
        }
        let envelope = AABB::from_corners([inner[0], inner[1]], [inner[2], inner[3]]);
        candidates.clear();
        candidates.extend(
            tree.locate_in_envelope_intersecting(&envelope).map(|c| c.data).filter(|&j| rank[j] < rank[i]).filter(
                |&j| {
                    let outer = boxes[j];
                    outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3]
                },
            ),
        );
        // Smallest container first: the first ring that contains `i` is its parent.
        candidates.sort_unstable_by_key(|&j| std::cmp::Reverse(rank[j]));
        for &j in &candidates {
            if indexed[j].contains(&rings[i]) {
                depth[i] = depth[j] + 1;
                parent[i] = Some(j);
                break;
            }
        }
    }
    let is_hole = |i: usize| !depth[i].is_multiple_of(2) && parent[i].is_some_and(|p| depth[p].is_multiple_of(2));
    let mut holes: Vec<Vec<usize>> = vec![Vec::new(); rings.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p
            && is_hole(i)
        {
            holes[p].push(i);
        }
    }
    let exteriors: Vec<usize> = (0..rings.len()).filter(|&i| !is_hole(i)).collect();
    drop(indexed);
    let mut rings: Vec<Vec<Coord<f64>>> = rings;
    let mut take = |i: usize| LineString::new(std::mem::take(&mut rings[i]));
    let mut result: Vec<Polygon<f64>> = exteriors
        .into_iter()
        .map(|i| {
            let interiors = holes[i].iter().map(|&h| take(h)).collect();
            Polygon::new(take(i), interiors)
        })
        .collect();
    match result.len() {
        0 => None,
        1 => result.pop().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(MultiPolygon::new(result))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::shapefile::fixtures::write_raw_dbf;
    use crate::io::shapefile::read_shapefile;
    use crate::io::shapefile::write::shp_header;
    use crate::io::shapefile::write_point_shapefile;

    fn square(x: f64, y: f64, size: f64) -> Vec<Coord<f64>> {
        [(x, y), (x, y + size), (x + size, y + size), (x + size, y), (x, y)].map(|(x, y)| Coord { x, y }).to_vec()
    }

    #[test]
    fn indexed_ring_answers_as_the_plain_even_odd_test() {
        // A 200-vertex star (indexed, > EDGE_INDEX_MIN), probed on a grid that hits vertices,
        // edges and rays through vertices.
        let mut star: Vec<Coord<f64>> = (0..200)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / 200.0;
                let r = if k % 2 == 0 { 10.0 } else { 4.0 };
                Coord { x: (r * a.cos() * 4.0).round() / 4.0, y: (r * a.sin() * 4.0).round() / 4.0 }
            })
            .collect();
        star.push(star[0]);
        let mut indexed = IndexedRing::new(&star);
        let (mut inside, mut on) = (0, 0);
        for i in -48..=48 {
            for j in -48..=48 {
                let p = Coord { x: i as f64 / 4.0, y: j as f64 / 4.0 };
                let plain = ring_position(&star, p);
                assert_eq!(indexed.position(p), plain, "{p:?}");
                inside += usize::from(plain == Some(true));
                on += usize::from(plain.is_none());
            }
        }
        assert!(indexed.tree.is_some(), "a large ring is indexed");
        assert!(inside > 1000 && on > 10, "the grid probes both: {inside} inside, {on} on the ring");
    }

    #[test]
    fn many_parts_nest_each_hole_in_its_own_square() {
        // 2,000 squares side by side, each with a hole (given in reverse order, winding
        // untrusted), and one 400-vertex shell (indexed) holding 50 holes.
        let mut rings = Vec::new();
        for i in 0..2000 {
            let (x, y) = ((i % 50) as f64 * 2.0, (i / 50) as f64 * 2.0);
            rings.push(square(x + 0.25, y + 0.25, 0.5));
            rings.push(square(x, y, 1.0));
        }
        let mut shell: Vec<Coord<f64>> = (0..400).map(|k| Coord { x: 200.0 + k as f64 / 4.0, y: 0.0 }).collect();
        shell.extend((0..400).map(|k| Coord { x: 300.0 - k as f64 / 4.0, y: 100.0 }));
        shell.push(shell[0]);
        rings.push(shell);
        for k in 0..50 {
            rings.push(square(201.0 + k as f64 * 1.5, 50.0, 1.0));
        }
        let Some(Geometry::MultiPolygon(mp)) = polygons(rings) else { panic!("a multipolygon") };
        assert_eq!(mp.0.len(), 2001);
        for p in &mp.0[..2000] {
            assert_eq!(p.interiors().len(), 1);
            let (outer, hole) = (ring_bbox(&p.exterior().0), ring_bbox(&p.interiors()[0].0));
            assert_eq!([hole[0] - outer[0], hole[1] - outer[1]], [0.25, 0.25], "{outer:?} {hole:?}");
        }
        assert_eq!(mp.0[2000].interiors().len(), 50);
    }

    #[test]
    fn nested_rings_alternate_exterior_and_hole() {
        // Four concentric squares: 0 ⊃ 1 ⊃ 2 ⊃ 3 → two polygons, each with one hole.
        let rings = vec![square(3.0, 3.0, 4.0), square(0.0, 0.0, 10.0), square(2.0, 2.0, 6.0), square(1.0, 1.0, 8.0)];
        let Some(Geometry::MultiPolygon(mp)) = polygons(rings) else { panic!("a multipolygon") };
        let sizes: Vec<(f64, f64)> =
            mp.0.iter().map(|p| (ring_bbox(&p.exterior().0)[2], ring_bbox(&p.interiors()[0].0)[2])).collect();
        assert_eq!(sizes, vec![(10.0, 9.0), (8.0, 7.0)]);
    }

    #[test]
    fn damaged_record_content_is_a_geometry_problem() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("d.shp");
        write_point_shapefile(&shp, &[], [([0.0, 0.0], vec![]), ([1.0, 1.0], vec![])], "").unwrap();
        let mut bytes = fs::read(&shp).unwrap();
        // Record 1's shape type becomes Polygon, whose content cannot fit in 20 bytes.
        bytes[100 + 28 + 8..100 + 28 + 12].copy_from_slice(&5i32.to_le_bytes());
        fs::write(&shp, bytes).unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features[0].geometry_problem, None);
        let f = &layer.features[1];
        assert_eq!(f.geometry, None);
        let (field, message) = f.geometry_problem.clone().map(|b| *b).unwrap();
        assert_eq!(field, "geometry");
        assert!(message.contains("record is damaged"), "{message}");
    }

    #[test]
    fn geometries_of_every_kind() {
        use shapefile::{Multipoint, Point as SPoint, PointZ, Polygon as SPolygon, Polyline};
        let dir = tempfile::tempdir().unwrap();
        let square = |x0: f64, y0: f64, size: f64| {
            // Clockwise: an outer ring in shapefile terms.
            vec![
                SPoint::new(x0, y0),
                SPoint::new(x0, y0 + size),
                SPoint::new(x0 + size, y0 + size),
                SPoint::new(x0 + size, y0),
                SPoint::new(x0, y0),
            ]
        };
        let hole_in = |x0: f64, y0: f64| {
            let mut ring = square(x0, y0, 1.0);
            ring.reverse();
            ring
        };
        // Outer A, outer B, then a hole that lies in A: it must go to A, not to the last outer.
        let polygon = SPolygon::with_rings(vec![
            PolygonRing::Outer(square(0.0, 0.0, 10.0)),
            PolygonRing::Outer(square(20.0, 0.0, 10.0)),
            PolygonRing::Inner(hole_in(2.0, 2.0)),
        ]);
        let shapes: Vec<(&str, Shape)> = vec![
            ("polygon", Shape::Polygon(polygon)),
            ("single", Shape::Polygon(SPolygon::new(PolygonRing::Outer(square(0.0, 0.0, 1.0))))),
            // Opposite winding (counter-clockwise exterior, clockwise hole): nesting still decides.
            (
                "reversed",
                Shape::Polygon(SPolygon::with_rings(vec![
                    PolygonRing::Outer(square(2.0, 2.0, 1.0)),
                    PolygonRing::Inner(square(0.0, 0.0, 10.0)),
                ])),
            ),
            ("line", Shape::Polyline(Polyline::new(vec![SPoint::new(0.0, 0.0), SPoint::new(1.0, 1.0)]))),
            (
                "lines",
                Shape::Polyline(Polyline::with_parts(vec![
                    vec![SPoint::new(0.0, 0.0), SPoint::new(1.0, 1.0)],
                    vec![SPoint::new(2.0, 2.0), SPoint::new(3.0, 3.0)],
                ])),
            ),
            ("multipoint", Shape::Multipoint(Multipoint::new(vec![SPoint::new(1.0, 2.0)]))),
            ("pointz", Shape::PointZ(PointZ::new(1.0, 2.0, 3.0, 4.0))),
            ("null", Shape::NullShape),
        ];
        for (name, shape) in shapes {
            let path = dir.path().join(format!("{name}.shp"));
            write_one_shape(&path, shape);
            write_raw_dbf(&path.with_extension("dbf"), 0, &[("k", b'C', 4, 0)], &[vec![b"x".to_vec()]]).unwrap();
            let layer = read_shapefile(&path, None).unwrap();
            let geometry = layer.features[0].geometry.clone();
            match name {
                "polygon" => {
                    let Some(Geometry::MultiPolygon(mp)) = geometry else { panic!("{geometry:?}") };
                    assert_eq!(mp.0.len(), 2);
                    assert_eq!(mp.0[0].interiors().len(), 1, "hole goes to the ring containing it");
                    assert_eq!(mp.0[1].interiors().len(), 0);
                }
                "single" => assert!(matches!(geometry, Some(Geometry::Polygon(_)))),
                "reversed" => {
                    let Some(Geometry::Polygon(polygon)) = geometry else { panic!("{geometry:?}") };
                    assert_eq!(polygon.exterior().0[1], Coord { x: 10.0, y: 0.0 });
                    assert_eq!(polygon.interiors().len(), 1);
                }
                "line" => assert!(matches!(geometry, Some(Geometry::LineString(_)))),
                "lines" => assert!(matches!(geometry, Some(Geometry::MultiLineString(_)))),
                "multipoint" => assert!(matches!(geometry, Some(Geometry::MultiPoint(_)))),
                "pointz" => assert_eq!(geometry, Some(Geometry::Point(Point::new(1.0, 2.0)))),
                _ => assert_eq!(geometry, None),
            }
        }
    }

    /// Writes a one-record .shp and .shx (null shapes by hand: the shapefile crate has no
    /// writer for them).
    fn write_one_shape(path: &Path, shape: Shape) {
        if let Shape::NullShape = shape {
            let mut shp = shp_header(50 + 6, [0.0; 4]).to_vec();
            shp[32..36].copy_from_slice(&0i32.to_le_bytes());
            shp.extend_from_slice(&1i32.to_be_bytes());
            shp.extend_from_slice(&2i32.to_be_bytes());
            shp.extend_from_slice(&0i32.to_le_bytes());
            fs::write(path, shp).unwrap();
            let mut shx = shp_header(50 + 4, [0.0; 4]).to_vec();
            shx[32..36].copy_from_slice(&0i32.to_le_bytes());
            shx.extend_from_slice(&50i32.to_be_bytes());
            shx.extend_from_slice(&2i32.to_be_bytes());
            fs::write(path.with_extension("shx"), shx).unwrap();
            return;
        }
        let mut writer = shapefile::ShapeWriter::from_path(path).unwrap();
        match shape {
            Shape::Polygon(s) => writer.write_shape(&s).unwrap(),
            Shape::Polyline(s) => writer.write_shape(&s).unwrap(),
            Shape::Multipoint(s) => writer.write_shape(&s).unwrap(),
            Shape::PointZ(s) => writer.write_shape(&s).unwrap(),
            other => panic!("no writer for {other}"),
        }
        writer.finalize().unwrap();
    }
}

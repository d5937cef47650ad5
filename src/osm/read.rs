//! Reading an OpenStreetMap PBF extract into memory (blobs decoded in parallel, merged in file
//! order) and assembling areas from closed ways and multipolygon/boundary relations.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use geo::orient::Direction;
use geo::{Coord, Intersects, LineString, MultiPolygon, Orient, Point, Polygon};
use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use rayon::prelude::*;

use crate::error::{Error, Location, Result};

/// An element's tags, sorted by key.
pub type Tags = BTreeMap<String, String>;

/// The kind of an OSM element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A node.
    Node,
    /// A way.
    Way,
    /// A relation.
    Relation,
}

/// An OSM element reference; orders as nodes, ways, relations, then by id. Displays as
/// `n123`, `w123`, `r123`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OsmId {
    /// Node, way or relation.
    pub kind: Kind,
    /// The OSM id.
    pub id: i64,
}

impl fmt::Display for OsmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            Kind::Node => 'n',
            Kind::Way => 'w',
            Kind::Relation => 'r',
        };
        write!(f, "{prefix}{}", self.id)
    }
}

/// A way: its node ids and tags.
#[derive(Debug, Clone)]
pub struct Way {
    /// Node ids in order.
    pub refs: Vec<i64>,
    /// Tags.
    pub tags: Tags,
}

/// A relation member.
#[derive(Debug, Clone)]
pub struct Member {
    /// Kind of the member.
    pub kind: Kind,
    /// Its id.
    pub id: i64,
    /// Its role (`outer`, `inner`...).
    pub role: String,
}

/// A relation: members and tags.
#[derive(Debug, Clone)]
pub struct Relation {
    /// Members in order.
    pub members: Vec<Member>,
    /// Tags.
    pub tags: Tags,
}

/// The whole extract in memory.
#[derive(Debug, Default)]
pub struct Osm {
    /// Every node's lon/lat.
    pub coords: HashMap<i64, Coord<f64>>,
    /// Tags of the nodes that have any.
    pub tagged_nodes: BTreeMap<i64, Tags>,
    /// Every way.
    pub ways: BTreeMap<i64, Way>,
    /// Every relation.
    pub relations: BTreeMap<i64, Relation>,
}

fn collect_tags<'a>(iter: impl Iterator<Item = (&'a str, &'a str)>) -> Tags {
    iter.map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// What one data blob holds.
#[derive(Default)]
struct Part {
    coords: Vec<(i64, Coord<f64>)>,
    tagged_nodes: Vec<(i64, Tags)>,
    ways: Vec<(i64, Way)>,
    relations: Vec<(i64, Relation)>,
}

fn bad_pbf(path: &Path, e: impl fmt::Display) -> Error {
    Error::input(Location::file(path), format!("not a readable OpenStreetMap PBF file (broken or truncated?): {e}"))
}

fn decode_blob(blob: &osmpbf::Blob) -> std::result::Result<(bool, Part), String> {
    let mut part = Part::default();
    let block = match blob.decode().map_err(|e| e.to_string())? {
        BlobDecode::OsmHeader(_) => return Ok((true, part)),
        BlobDecode::Unknown(_) => return Ok((false, part)),
        BlobDecode::OsmData(block) => block,
    };
    let mut error = None;
    for element in block.elements() {
        match element {
            Element::Node(n) => {
                part.coords.push((n.id(), Coord { x: n.lon(), y: n.lat() }));
                let tags = collect_tags(n.tags());
                if !tags.is_empty() {
                    part.tagged_nodes.push((n.id(), tags));
                }
            }
            Element::DenseNode(n) => {
                part.coords.push((n.id(), Coord { x: n.lon(), y: n.lat() }));
                let tags = collect_tags(n.tags());
                if !tags.is_empty() {
                    part.tagged_nodes.push((n.id(), tags));
                }
            }
            Element::Way(w) => part.ways.push((w.id(), Way { refs: w.refs().collect(), tags: collect_tags(w.tags()) })),
            Element::Relation(r) => {
                let mut members = Vec::new();
                for m in r.members() {
                    let role = match m.role() {
                        Ok(role) => role.to_owned(),
                        Err(e) => {
                            error.get_or_insert_with(|| format!("relation {}: unreadable member role: {e}", r.id()));
                            String::new()
                        }
                    };
                    let kind = match m.member_type {
                        RelMemberType::Node => Kind::Node,
                        RelMemberType::Way => Kind::Way,
                        RelMemberType::Relation => Kind::Relation,
                    };
                    members.push(Member { kind, id: m.member_id, role });
                }
                part.relations.push((r.id(), Relation { members, tags: collect_tags(r.tags()) }));
            }
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok((false, part)),
    }
}

/// Reads a PBF extract. The blobs are read in file order, decoded in parallel and merged in file
/// order, so the result does not depend on the thread count. A missing file is an
/// [`Error::Read`]; a broken or truncated one an [`Error::Input`] naming the file.
pub fn read_osm(path: &Path) -> Result<Osm> {
    let file = std::fs::File::open(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let reader = BlobReader::new(std::io::BufReader::new(file));
    let blobs = reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| bad_pbf(path, e))?;
    if blobs.is_empty() {
        return Err(bad_pbf(path, "the file is empty"));
    }
    let parts = blobs.par_iter().map(decode_blob).collect::<std::result::Result<Vec<_>, _>>();
    let parts = parts.map_err(|e| bad_pbf(path, e))?;
    if !parts.first().is_some_and(|(header, _)| *header) {
        return Err(bad_pbf(path, "it does not start with an OSMHeader block"));
    }
    let mut osm = Osm::default();
    osm.coords.reserve(parts.iter().map(|(_, p)| p.coords.len()).sum());
    for (_, part) in parts {
        osm.coords.extend(part.coords);
        osm.tagged_nodes.extend(part.tagged_nodes);
        osm.ways.extend(part.ways);
        osm.relations.extend(part.relations);
    }
    Ok(osm)
}

/// Why an element could not be turned into an area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Broken {
    /// A way whose ends do not meet, or relation members that do not join into rings.
    Unclosed,
    /// A ring with fewer than 3 distinct corners.
    Degenerate,
    /// Nodes or member ways missing from the extract (clipped at its edge).
    Missing,
    /// An inner ring lying in no outer ring.
    StrayInner,
    /// A relation that is not `type=multipolygon` (or `boundary`).
    NotMultipolygon,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Broken::Unclosed => "unclosed",
            Broken::Degenerate => "degenerate",
            Broken::Missing => "missing nodes/ways",
            Broken::StrayInner => "inner ring outside outers",
            Broken::NotMultipolygon => "relation not type=multipolygon",
        })
    }
}

impl Osm {
    /// The point standing for an element: its area's interior point, else a node's own
    /// coordinates; `None` for a way or relation without area (or an empty area).
    pub fn point_of(&self, id: OsmId, area: Option<&MultiPolygon<f64>>) -> Option<geo::Point<f64>> {
        use geo::InteriorPoint;
        match (area, id.kind) {
            (Some(mp), _) => mp.interior_point(),
            (None, Kind::Node) => self.coords.get(&id.id).map(|&c| geo::Point::from(c)),
            (None, _) => None,
        }
    }

    fn ring(&self, refs: &[i64]) -> std::result::Result<LineString<f64>, Broken> {
        if refs.len() < 4 {
            return Err(Broken::Degenerate);
        }
        if refs.first() != refs.last() {
            return Err(Broken::Unclosed);
        }
        let coords = refs
            .iter()
            .map(|id| self.coords.get(id).copied().ok_or(Broken::Missing))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(LineString::new(coords))
    }

    fn relation_area(&self, rel: &Relation) -> std::result::Result<MultiPolygon<f64>, Broken> {
        if !matches!(rel.tags.get("type").map(String::as_str), Some("multipolygon" | "boundary")) {
            return Err(Broken::NotMultipolygon);
        }
        let mut outer = Vec::new();
        let mut inner = Vec::new();
        for m in rel.members.iter().filter(|m| m.kind == Kind::Way) {
            let way = self.ways.get(&m.id).ok_or(Broken::Missing)?;
            match m.role.as_str() {
                "inner" => inner.push(way.refs.clone()),
                // "outer" and the legacy empty role
                _ => outer.push(way.refs.clone()),
            }
        }
        let mut polygons: Vec<Polygon<f64>> = join_rings(outer)?
            .iter()
            .map(|r| self.ring(r).map(|ls| Polygon::new(ls, vec![])))
            .collect::<std::result::Result<_, _>>()?;
        if polygons.is_empty() {
            return Err(Broken::Degenerate);
        }
        for refs in join_rings(inner)? {
            let ring = self.ring(&refs)?;
            let probe = Point::from(ring.0[0]);
            let host = polygons.iter_mut().find(|p| p.intersects(&probe)).ok_or(Broken::StrayInner)?;
            host.interiors_push(ring);
        }
        Ok(MultiPolygon::new(polygons))
    }

    /// The area of a closed way or a multipolygon/boundary relation, counter-clockwise outers.
    pub fn area(&self, id: OsmId) -> std::result::Result<MultiPolygon<f64>, Broken> {
        match id.kind {
            Kind::Node => Err(Broken::Degenerate),
            Kind::Way => self
                .ways
                .get(&id.id)
                .ok_or(Broken::Missing)
                .and_then(|w| self.ring(&w.refs).map(|r| MultiPolygon::new(vec![Polygon::new(r, vec![])]))),
            Kind::Relation => self.relations.get(&id.id).ok_or(Broken::Missing).and_then(|r| self.relation_area(r)),
        }
        .map(|mp| mp.orient(Direction::Default))
    }

    /// Every tagged element, nodes first, then ways, then relations, each by id.
    pub fn tagged(&self) -> impl Iterator<Item = (OsmId, &Tags)> {
        let nodes = self.tagged_nodes.iter().map(|(&id, t)| (OsmId { kind: Kind::Node, id }, t));
        let ways = self.ways.iter().map(|(&id, w)| (OsmId { kind: Kind::Way, id }, &w.tags));
        let rels = self.relations.iter().map(|(&id, r)| (OsmId { kind: Kind::Relation, id }, &r.tags));
        nodes.chain(ways).chain(rels).filter(|(_, t)| !t.is_empty())
    }
}

/// Joins way node lists end to end into closed rings (ways may be reversed).
fn join_rings(mut pending: Vec<Vec<i64>>) -> std::result::Result<Vec<Vec<i64>>, Broken> {
    let mut rings = Vec::new();
    while !pending.is_empty() {
        let mut ring = pending.remove(0);
        loop {
            let (Some(&first), Some(&last)) = (ring.first(), ring.last()) else {
                return Err(Broken::Degenerate);
            };
            if ring.len() > 1 && first == last {
                if ring.len() < 4 {
                    return Err(Broken::Degenerate);
                }
                rings.push(ring);
                break;
            }
            let next = pending
                .iter()
                .position(|w| w.first() == Some(&last) || w.last() == Some(&last))
                .ok_or(Broken::Unclosed)?;
            let mut way = pending.remove(next);
            if way.first() != Some(&last) {
                way.reverse();
            }
            ring.extend_from_slice(&way[1..]);
        }
    }
    Ok(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_join_reversed_ways() {
        let rings = join_rings(vec![vec![1, 2, 3], vec![1, 4, 3]]).unwrap();
        assert_eq!(rings, vec![vec![1, 2, 3, 4, 1]]);
        assert_eq!(join_rings(vec![vec![1, 2, 3]]), Err(Broken::Unclosed));
    }
}

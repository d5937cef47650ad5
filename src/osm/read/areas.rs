//! Areas from ways and relations: closed ways and multipolygon/boundary relations assembled into
//! polygons (rings joined end to end, inners placed in their outers), or why not ([`Broken`]).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use geo::orient::Direction;
use geo::{BoundingRect, LineString, MultiPolygon, Orient, Polygon};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::{Kind, Osm, OsmId, Relation, Tags};
use crate::io::shapefile::IndexedRing;

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
        // Each inner goes to the first outer whose ring holds (or touches) its first node: the
        // outers' boxes in an R-tree, so that many inners and outers stay near-linear.
        let inners = join_rings(inner)?.iter().map(|r| self.ring(r)).collect::<std::result::Result<Vec<_>, _>>()?;
        let mut hosts: Vec<Vec<LineString<f64>>> = vec![Vec::new(); polygons.len()];
        {
            let boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
                polygons
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let r = p.exterior().bounding_rect()?;
                        Some(GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), i))
                    })
                    .collect(),
            );
            let mut outers: Vec<IndexedRing<'_>> = polygons.iter().map(|p| IndexedRing::new(&p.exterior().0)).collect();
            let mut candidates = Vec::new();
            for ring in inners {
                let probe = ring.0[0];
                candidates.clear();
                candidates.extend(boxes.locate_all_at_point(&[probe.x, probe.y]).map(|c| c.data));
                candidates.sort_unstable();
                let host = candidates
                    .iter()
                    .copied()
                    .find(|&i| outers[i].position(probe).unwrap_or(true))
                    .ok_or(Broken::StrayInner)?;
                hosts[host].push(ring);
            }
        }
        for (polygon, inners) in polygons.iter_mut().zip(hosts) {
            for ring in inners {
                polygon.interiors_push(ring);
            }
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

/// Joins way node lists end to end into closed rings (ways may be reversed): each ring starts
/// with the first way left and goes on with the first way left that starts or ends where it
/// stops. The ways' end nodes are indexed, so many member ways stay near-linear.
fn join_rings(pending: Vec<Vec<i64>>) -> std::result::Result<Vec<Vec<i64>>, Broken> {
    let mut ends: HashMap<i64, BTreeSet<usize>> = HashMap::new();
    for (i, way) in pending.iter().enumerate() {
        for &end in [way.first(), way.last()].into_iter().flatten() {
            ends.entry(end).or_default().insert(i);
        }
    }
    let mut ways: Vec<Option<Vec<i64>>> = pending.into_iter().map(Some).collect();
    let take = |ways: &mut Vec<Option<Vec<i64>>>, ends: &mut HashMap<i64, BTreeSet<usize>>, i: usize| {
        let way = ways.get_mut(i).and_then(Option::take).unwrap_or_default();
        for end in [way.first(), way.last()].into_iter().flatten() {
            if let Some(set) = ends.get_mut(end) {
                set.remove(&i);
            }
        }
        way
    };
    let mut rings = Vec::new();
    for start in 0..ways.len() {
        if ways[start].is_none() {
            continue;
        }
        let mut ring = take(&mut ways, &mut ends, start);
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
            let next = ends.get(&last).and_then(|set| set.first().copied()).ok_or(Broken::Unclosed)?;
            let mut way = take(&mut ways, &mut ends, next);
            if way.first() != Some(&last) {
                way.reverse();
            }
            ring.extend_from_slice(way.get(1..).unwrap_or_default());
        }
    }
    Ok(rings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::read::{Member, Relation, Tags, Way};
    use geo::Coord;

    #[test]
    fn many_ways_join_in_order_and_inners_find_their_outer() {
        // One ring of 3,000 ways (every other one reversed), given in a scrambled order.
        let n = 3000i64;
        let mut ways: Vec<Vec<i64>> =
            (0..n).map(|k| if k % 2 == 0 { vec![k, k + 1] } else { vec![k + 1, k] }).collect();
        ways.last_mut().unwrap().iter_mut().for_each(|id| *id %= n);
        let mut scrambled: Vec<Vec<i64>> = Vec::new();
        for k in 0..n as usize {
            scrambled.push(ways[(k * 7) % n as usize].clone());
        }
        let rings = join_rings(scrambled).unwrap();
        assert_eq!(rings.len(), 1);
        let ring = &rings[0];
        assert_eq!(ring.len(), n as usize + 1);
        let mut sorted = ring[1..].to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "every node once");

        // Two outer squares and an inner in each, given after both outers: each inner goes to
        // the outer holding it.
        let mut osm = Osm::default();
        let mut node = 0;
        let mut square = |osm: &mut Osm, x: f64, y: f64, s: f64| {
            let ids: Vec<i64> = [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]
                .iter()
                .map(|&(x, y)| {
                    node += 1;
                    osm.coords.insert(node, Coord { x, y });
                    node
                })
                .collect();
            vec![ids[0], ids[1], ids[2], ids[3], ids[0]]
        };
        let shapes = [(0.0, 0.0, 10.0), (20.0, 0.0, 10.0), (22.0, 2.0, 1.0), (2.0, 2.0, 1.0)];
        let mut members = Vec::new();
        for (k, &(x, y, s)) in shapes.iter().enumerate() {
            let refs = square(&mut osm, x, y, s);
            osm.ways.insert(k as i64, Way { refs, tags: Tags::new() });
            let role = if k < 2 { "outer" } else { "inner" };
            members.push(Member { kind: Kind::Way, id: k as i64, role: role.into() });
        }
        let tags: Tags = [("type".to_owned(), "multipolygon".to_owned())].into();
        osm.relations.insert(1, Relation { members, tags });
        let area = osm.area(OsmId { kind: Kind::Relation, id: 1 }).unwrap();
        let holes: Vec<f64> = area.0.iter().map(|p| p.interiors()[0].0[0].x).collect();
        assert_eq!(holes, vec![2.0, 22.0]);
    }

    #[test]
    fn rings_join_reversed_ways() {
        let rings = join_rings(vec![vec![1, 2, 3], vec![1, 4, 3]]).unwrap();
        assert_eq!(rings, vec![vec![1, 2, 3, 4, 1]]);
        assert_eq!(join_rings(vec![vec![1, 2, 3]]), Err(Broken::Unclosed));
    }
}

//! The three passes of a read: what each pass looks for ([`Pass`]), what one stretch of the
//! file gave ([`Part`]: nodes, ways and relations offered by the PBF or XML decoder, checked and
//! filtered), and how the parts merge into [`Osm`] in file order.

use std::path::Path;

use geo::Coord;

use super::{Filter, Kind, Member, Osm, OsmId, Relation, TagView, Tags, Way};
use crate::progress::{Progress, Step};

/// What a pass looks for.
#[derive(Clone, Copy)]
pub(crate) enum Pass<'a> {
    /// Tagged elements the filter keeps.
    Tagged(&'a dyn Filter),
    /// These ways (sorted ids), whatever their tags; tags kept by the filter.
    Ways(&'a [i64], &'a dyn Filter),
    /// The coordinates of these nodes (sorted ids).
    Nodes(&'a [i64]),
}

/// What one pass kept from one stretch of the file (a PBF blob, or a whole XML file).
#[derive(Default)]
pub(crate) struct Part {
    /// Nodes, ways and relations seen.
    pub(crate) counts: [usize; 3],
    coords: Vec<(i64, Coord<f64>)>,
    tagged_nodes: Vec<(i64, Tags)>,
    ways: Vec<(i64, Way)>,
    relations: Vec<(i64, Relation)>,
}

impl Part {
    /// The coordinates kept.
    pub(crate) fn take_coords(self) -> Vec<(i64, Coord<f64>)> {
        self.coords
    }
}

fn keep_tags(filter: &dyn Filter, tags: &TagView<'_>) -> Tags {
    tags.iter().filter(|(k, _)| filter.keep_key(k)).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// Checks a node's coordinates (nanodegrees) are on the globe: longitude within -180..180,
/// latitude within -90..90.
fn check_coordinates(id: i64, nano_lon: i64, nano_lat: i64) -> std::result::Result<(), String> {
    const DEGREE: i64 = 1_000_000_000;
    let node = OsmId { kind: Kind::Node, id };
    if !(-180 * DEGREE..=180 * DEGREE).contains(&nano_lon) {
        return Err(format!("node {node}: longitude {} is outside -180..180", degrees(nano_lon)));
    }
    if !(-90 * DEGREE..=90 * DEGREE).contains(&nano_lat) {
        return Err(format!("node {node}: latitude {} is outside -90..90", degrees(nano_lat)));
    }
    Ok(())
}

/// Longitude or latitude in degrees from nanodegrees, computed as osmpbf does so that PBF and
/// XML give bit-identical coordinates.
pub(crate) fn degrees(nano: i64) -> f64 {
    1e-9 * nano as f64
}

impl Part {
    /// Offers a node (lon/lat in nanodegrees). Coordinates outside -180..180 (longitude) or
    /// -90..90 (latitude) are an error naming the node, whatever the pass.
    pub(crate) fn node(
        &mut self,
        pass: Pass<'_>,
        id: i64,
        nano_lon: i64,
        nano_lat: i64,
        tags: &TagView<'_>,
    ) -> std::result::Result<(), String> {
        check_coordinates(id, nano_lon, nano_lat)?;
        self.counts[0] += 1;
        let coord = || Coord { x: degrees(nano_lon), y: degrees(nano_lat) };
        match pass {
            Pass::Tagged(filter) if !tags.is_empty() && filter.keep(Kind::Node, tags) => {
                self.coords.push((id, coord()));
                self.tagged_nodes.push((id, keep_tags(filter, tags)));
            }
            Pass::Nodes(ids) if ids.binary_search(&id).is_ok() => self.coords.push((id, coord())),
            _ => {}
        }
        Ok(())
    }

    /// Offers a way; `refs` is called only when the way is kept.
    pub(crate) fn way<I: Iterator<Item = i64>>(
        &mut self,
        pass: Pass<'_>,
        id: i64,
        refs: impl FnOnce() -> I,
        tags: &TagView<'_>,
    ) {
        self.counts[1] += 1;
        let filter = match pass {
            Pass::Tagged(filter) if !tags.is_empty() && filter.keep(Kind::Way, tags) => filter,
            Pass::Ways(ids, filter) if ids.binary_search(&id).is_ok() => filter,
            _ => return,
        };
        self.ways.push((id, Way { refs: refs().collect(), tags: keep_tags(filter, tags) }));
    }

    /// Offers a relation; `members` is called only when the relation is kept.
    pub(crate) fn relation(
        &mut self,
        pass: Pass<'_>,
        id: i64,
        members: impl FnOnce() -> std::result::Result<Vec<Member>, String>,
        tags: &TagView<'_>,
    ) -> std::result::Result<(), String> {
        self.counts[2] += 1;
        if let Pass::Tagged(filter) = pass
            && !tags.is_empty()
            && filter.keep(Kind::Relation, tags)
        {
            self.relations.push((id, Relation { members: members()?, tags: keep_tags(filter, tags) }));
        }
        Ok(())
    }
}

/// The step of one pass over `file` (at `path`), in bytes: "reading <name> (pass k/3: ...)".
pub(crate) fn pass_step<'p>(path: &Path, file: &std::fs::File, pass: Pass<'_>, progress: &'p dyn Progress) -> Step<'p> {
    let what = match pass {
        Pass::Tagged(_) => "pass 1/3: tagged",
        Pass::Ways(..) => "pass 2/3: ways",
        Pass::Nodes(_) => "pass 3/3: nodes",
    };
    let name = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy();
    Step::begin(progress, &format!("reading {name} ({what})"), file.metadata().ok().map(|m| m.len()))
}

impl Osm {
    /// Merges the parts of pass 1 (in file order; a repeated id keeps the last).
    pub(crate) fn merge_tagged(&mut self, parts: Vec<Part>) -> Vec<(i64, Coord<f64>)> {
        let mut coords = Vec::new();
        for part in parts {
            for k in 0..3 {
                self.counts[k] += part.counts[k];
            }
            coords.extend(part.coords);
            self.tagged_nodes.extend(part.tagged_nodes);
            self.ways.extend(part.ways);
            self.relations.extend(part.relations);
        }
        coords
    }

    /// The member ways of kept multipolygon/boundary relations not yet kept, sorted.
    pub(crate) fn missing_member_ways(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .relations
            .values()
            .filter(|r| matches!(r.tags.get("type").map(String::as_str), Some("multipolygon" | "boundary")))
            .flat_map(|r| r.members.iter().filter(|m| m.kind == Kind::Way).map(|m| m.id))
            .filter(|id| !self.ways.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Adds the member ways found by pass 2 (kept ways are not replaced).
    pub(crate) fn merge_ways(&mut self, parts: Vec<Part>) {
        for part in parts {
            for (id, way) in part.ways {
                self.ways.entry(id).or_insert(way);
            }
        }
    }

    /// The nodes of the kept ways, sorted.
    pub(crate) fn way_nodes(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.ways.values().flat_map(|w| w.refs.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

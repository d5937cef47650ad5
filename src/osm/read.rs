//! Reading an OpenStreetMap extract (PBF, or `.osm` XML through [`super::xml`]) into memory,
//! keeping only what a [`Filter`] asks for, and assembling areas from closed ways and
//! multipolygon/boundary relations.
//!
//! A read makes up to three passes over the file so that memory follows the kept objects, not
//! the extract: (1) the tagged elements the filter keeps, with only the tags it keeps; (2) the
//! untagged member ways of kept multipolygon/boundary relations; (3) the coordinates of the
//! nodes those ways use, in a sorted id → lon/lat table. PBF blobs are decoded in parallel and
//! merged in file order (so the result does not depend on the thread count); passes 2 and 3
//! decode only the blobs that pass 1 saw holding ways, respectively nodes.
//!
//! Hostile files cannot make a read take memory the file does not hold: PBF frames are read and
//! inflated by [`pbf`] (submodule), which checks every claimed size against the format's limits
//! and the file's length, refuses a block whose decoded objects would exceed 256 MiB and an object
//! listing more than 2^20 entries, and decodes blobs in bounded batches under one fixed memory
//! budget (512 MiB), whatever the thread count. A node off the globe is an error naming it.
//! Multipolygon assembly is near-linear in the member ways: way ends are indexed to join rings,
//! and the outers' boxes (and large outers' edges) to place inners.

mod pbf;

/// Most node references of one way or members of one relation, in a PBF or an XML file.
pub(crate) use pbf::MAX_OBJECT_ITEMS;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use geo::orient::Direction;
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Orient, Polygon};
use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::error::{Error, Location, Result};
use crate::io::shapefile::IndexedRing;
use crate::progress::{CountingReader, NoProgress, Progress, Step};

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
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    /// Node ids in order.
    pub refs: Vec<i64>,
    /// Tags.
    pub tags: Tags,
}

/// A relation member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Kind of the member.
    pub kind: Kind,
    /// Its id.
    pub id: i64,
    /// Its role (`outer`, `inner`...).
    pub role: String,
}

/// A relation: members and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Members in order.
    pub members: Vec<Member>,
    /// Tags.
    pub tags: Tags,
}

/// Node coordinates (lon/lat, WGS84) by node id: two parallel vectors sorted by id, looked up by
/// binary search (24 bytes a node, no hashing).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Coords {
    ids: Vec<i64>,
    xy: Vec<Coord<f64>>,
}

impl Coords {
    /// Builds the table from pairs in any order; for a repeated id the last pair wins.
    pub fn from_pairs(mut pairs: Vec<(i64, Coord<f64>)>) -> Coords {
        // A stable sort keeps repeated ids in input order; keep the last of each run.
        pairs.sort_by_key(|&(id, _)| id);
        let mut out = Coords { ids: Vec::with_capacity(pairs.len()), xy: Vec::with_capacity(pairs.len()) };
        for (id, c) in pairs {
            if out.ids.last() == Some(&id) {
                if let Some(last) = out.xy.last_mut() {
                    *last = c;
                }
            } else {
                out.ids.push(id);
                out.xy.push(c);
            }
        }
        out
    }

    /// The coordinates of node `id`.
    pub fn get(&self, id: &i64) -> Option<&Coord<f64>> {
        self.ids.binary_search(id).ok().and_then(|i| self.xy.get(i))
    }

    /// Sets the coordinates of node `id` (O(n): for building small tables by hand).
    pub fn insert(&mut self, id: i64, c: Coord<f64>) {
        match self.ids.binary_search(&id) {
            Ok(i) => self.xy[i] = c,
            Err(i) => {
                self.ids.insert(i, id);
                self.xy.insert(i, c);
            }
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no node.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The nodes by id.
    pub fn iter(&self) -> impl Iterator<Item = (i64, Coord<f64>)> + '_ {
        self.ids.iter().copied().zip(self.xy.iter().copied())
    }
}

/// The kept part of an extract in memory.
#[derive(Debug, Default)]
pub struct Osm {
    /// Nodes, ways and relations in the file (kept or not).
    pub counts: [usize; 3],
    /// Coordinates of the kept nodes and of every node of a kept way.
    pub coords: Coords,
    /// Kept nodes with tags (only the kept tags).
    pub tagged_nodes: BTreeMap<i64, Tags>,
    /// Kept ways, and the member ways of kept multipolygon/boundary relations.
    pub ways: BTreeMap<i64, Way>,
    /// Kept relations.
    pub relations: BTreeMap<i64, Relation>,
}

/// An element's tags as read, borrowed from the file buffer (before any copy is made).
#[derive(Debug, Clone, Copy)]
pub struct TagView<'a> {
    pairs: &'a [(&'a str, &'a str)],
}

impl<'a> TagView<'a> {
    /// A view of key/value pairs.
    pub fn new(pairs: &'a [(&'a str, &'a str)]) -> Self {
        TagView { pairs }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| *k == key)
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs.iter().copied()
    }
}

/// Which tagged elements a read keeps, and which of their tags.
pub trait Filter: Sync {
    /// Whether to keep a tagged element (nodes are kept with their coordinates, ways with their
    /// node ids, relations with their members).
    fn keep(&self, kind: Kind, tags: &TagView<'_>) -> bool;
    /// Whether to keep the tag `key` of a kept element.
    fn keep_key(&self, key: &str) -> bool;
}

/// Keeps every tagged element and every tag (for tools that look at everything, such as
/// cutting an extract or the bundled sample's own rules).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepAll;

impl Filter for KeepAll {
    fn keep(&self, _: Kind, tags: &TagView<'_>) -> bool {
        !tags.is_empty()
    }
    fn keep_key(&self, _: &str) -> bool {
        true
    }
}

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

fn bad_pbf(path: &Path, e: impl fmt::Display) -> Error {
    Error::input(Location::file(path), format!("not a readable OpenStreetMap PBF file (broken or truncated?): {e}"))
}

/// Which kinds of element a PBF blob holds: nodes, ways, relations.
type Holds = [bool; 3];

/// A decoded blob: whether it is the header, what it holds, what the pass kept (or why it could
/// not be decoded).
type Decoded = std::result::Result<(bool, Holds, Part), String>;

fn decode_blob(blob: &osmpbf::Blob, pass: Pass<'_>) -> std::result::Result<(bool, Part), String> {
    let mut part = Part::default();
    let block = match blob.decode().map_err(|e| e.to_string())? {
        BlobDecode::OsmHeader(_) => return Ok((true, part)),
        BlobDecode::Unknown(_) => return Ok((false, part)),
        BlobDecode::OsmData(block) => block,
    };
    let mut buf: Vec<(&str, &str)> = Vec::new();
    for element in block.elements() {
        buf.clear();
        match element {
            Element::Node(n) => {
                buf.extend(n.tags());
                part.node(pass, n.id(), n.nano_lon(), n.nano_lat(), &TagView::new(&buf))?;
            }
            Element::DenseNode(n) => {
                buf.extend(n.tags());
                part.node(pass, n.id(), n.nano_lon(), n.nano_lat(), &TagView::new(&buf))?;
            }
            Element::Way(w) => {
                buf.extend(w.tags());
                part.way(pass, w.id(), || w.refs(), &TagView::new(&buf));
            }
            Element::Relation(r) => {
                buf.extend(r.tags());
                let members = || {
                    r.members()
                        .map(|m| {
                            let role = m
                                .role()
                                .map_err(|e| format!("relation {}: unreadable member role: {e}", r.id()))?
                                .to_owned();
                            let kind = match m.member_type {
                                RelMemberType::Node => Kind::Node,
                                RelMemberType::Way => Kind::Way,
                                RelMemberType::Relation => Kind::Relation,
                            };
                            Ok(Member { kind, id: m.member_id, role })
                        })
                        .collect()
                };
                part.relation(pass, r.id(), members, &TagView::new(&buf))?;
            }
        }
    }
    Ok((false, part))
}

/// Decodes one frame under its share of `budget` (see [`pbf`]): the block is inflated and
/// checked under a share of [`pbf::MAX_BLOB`], then decoded under a share of what it was
/// counted for; a blob that must wait for its share waits holding nothing.
fn decode_frame(frame: &pbf::Frame, pass: Pass<'_>, budget: &pbf::Budget) -> Decoded {
    let msg = match frame.kind.as_str() {
        "OSMHeader" => pbf::Msg::Header,
        "OSMData" => pbf::Msg::Block,
        _ => return Ok((false, [false; 3], Part::default())),
    };
    let first = budget.take(pbf::MAX_BLOB);
    let (mut block, need) = pbf::checked_block(frame, msg)?;
    drop(first);
    let _share = match budget.try_take(need) {
        Some(share) => share,
        None => {
            drop(block);
            let share = budget.take(need);
            block = pbf::checked_block(frame, msg)?.0;
            share
        }
    };
    let raw = pbf::raw_frame(&frame.kind, &block);
    drop(block);
    let name = || format!("blob {} (byte {})", frame.index, frame.offset);
    let blob = BlobReader::new(std::io::Cursor::new(raw))
        .next()
        .ok_or_else(|| format!("{}: empty", name()))?
        .map_err(|e| format!("{}: {e}", name()))?;
    decode_blob(&blob, pass)
        .map(|(header, part)| {
            let holds = [part.counts[0] > 0, part.counts[1] > 0, part.counts[2] > 0];
            (header, holds, part)
        })
        .map_err(|e| format!("{}: {e}", name()))
}

/// One pass over a PBF file: frames read in order in batches ([`pbf::BATCH_BLOBS`] blobs or
/// [`pbf::BATCH_BYTES`] bytes), each batch decoded in parallel (only the blobs `skip` does not
/// rule out) under one memory [`pbf::Budget`], returned in file order with what each holds.
/// The bytes read are reported to `progress` as a step ([`pass_step`]).
fn pbf_pass(
    path: &Path,
    pass: Pass<'_>,
    skip: &(dyn Fn(usize) -> bool + Sync),
    progress: &dyn Progress,
) -> Result<Vec<(Holds, Part)>> {
    let file = std::fs::File::open(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let len = file.metadata().map_err(|cause| Error::Read { path: path.into(), cause })?.len();
    let step = pass_step(path, &file, pass, progress);
    let mut frames = pbf::FrameReader::new(std::io::BufReader::new(CountingReader { inner: file, step: &step }), len);
    let budget = pbf::Budget::new(pbf::DECODE_BUDGET);
    let mut out = Vec::new();
    loop {
        let (mut batch, mut bytes, mut failed) = (Vec::new(), 0u64, None);
        while batch.len() < pbf::BATCH_BLOBS && bytes < pbf::BATCH_BYTES {
            match frames.next() {
                Some(Ok(frame)) => {
                    bytes += frame.data.len() as u64;
                    batch.push(frame);
                }
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        if batch.is_empty() && failed.is_none() {
            break;
        }
        let decoded: Vec<Decoded> = batch
            .par_iter()
            .map(|frame| {
                if skip(frame.index) {
                    return Ok((false, [false; 3], Part::default()));
                }
                decode_frame(frame, pass, &budget)
            })
            .collect();
        for (frame, part) in batch.iter().zip(decoded) {
            let (header, holds, part) = part.map_err(|e| bad_pbf(path, e))?;
            if frame.index == 0 && !header && matches!(pass, Pass::Tagged(_)) {
                return Err(bad_pbf(path, "it does not start with an OSMHeader block"));
            }
            out.push((holds, part));
        }
        if let Some(e) = failed {
            return Err(bad_pbf(path, e));
        }
    }
    Ok(out)
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

/// Reads a PBF extract, keeping what `filter` asks for (see the module doc for the passes). A
/// missing file is an [`Error::Read`]; a broken or truncated one an [`Error::Input`] naming the
/// file.
pub fn read_pbf(path: &Path, filter: &dyn Filter) -> Result<Osm> {
    read_pbf_reporting(path, filter, &NoProgress)
}

/// [`read_pbf`], reporting each pass (bytes read) to `progress`.
fn read_pbf_reporting(path: &Path, filter: &dyn Filter, progress: &dyn Progress) -> Result<Osm> {
    let first = pbf_pass(path, Pass::Tagged(filter), &|_| false, progress)?;
    if first.is_empty() {
        return Err(bad_pbf(path, "the file is empty"));
    }
    let holds: Vec<Holds> = first.iter().map(|(h, _)| *h).collect();
    let mut osm = Osm::default();
    let mut coords = osm.merge_tagged(first.into_iter().map(|(_, p)| p).collect());
    let member_ways = osm.missing_member_ways();
    if !member_ways.is_empty() {
        let skip = |i| !holds.get(i).is_some_and(|h: &Holds| h[1]);
        let parts = pbf_pass(path, Pass::Ways(&member_ways, filter), &skip, progress)?;
        osm.merge_ways(parts.into_iter().map(|(_, p)| p).collect());
    }
    let nodes = osm.way_nodes();
    if !nodes.is_empty() {
        let parts = pbf_pass(path, Pass::Nodes(&nodes), &|i| !holds.get(i).is_some_and(|h| h[0]), progress)?;
        // Tagged nodes (pass 1) first, so a way node read again in pass 3 keeps the same value.
        coords.extend(parts.into_iter().flat_map(|(_, p)| p.coords));
    }
    osm.coords = Coords::from_pairs(coords);
    Ok(osm)
}

/// Reads an extract by its name: `.osm` (XML) through [`super::xml::read_xml`], anything else as
/// PBF through [`read_pbf`].
pub fn read_osm(path: &Path, filter: &dyn Filter) -> Result<Osm> {
    read_osm_reporting(path, filter, &NoProgress)
}

/// [`read_osm`], reporting each pass over the file (bytes read) to `progress`.
pub(crate) fn read_osm_reporting(path: &Path, filter: &dyn Filter, progress: &dyn Progress) -> Result<Osm> {
    if super::xml::is_xml_path(path) {
        super::xml::read_xml_reporting(path, filter, progress)
    } else {
        read_pbf_reporting(path, filter, progress)
    }
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

    use super::pbf::testing::{block, bytes_field, file, frame, raw_blob, varint_field, zlib_blob};

    fn read_bytes(bytes: &[u8]) -> (std::path::PathBuf, Result<Osm>) {
        let dir = tempfile::tempdir().unwrap().keep();
        let path = dir.join("hostile.osm.pbf");
        std::fs::write(&path, bytes).unwrap();
        let read = read_pbf(&path, &KeepAll);
        (path, read)
    }

    fn input_error(read: Result<Osm>) -> (Location, String) {
        match read {
            Err(Error::Input { location, message }) => (location, message),
            other => panic!("an input error, not {other:?}"),
        }
    }

    #[test]
    fn a_zlib_block_of_empty_ways_is_refused_naming_the_file_and_blob() {
        // 2M empty ways in 8 MiB, compressed to a few KB: without the check, osmpbf decodes
        // them to about 500 MiB (per thread) before anything is looked at.
        let ways = block(&[0x1a, 0x02, 0x08, 0x01].repeat(2 << 20));
        let bytes = file(|out| frame(out, "OSMData", &zlib_blob(&ways, ways.len() as u64), None));
        assert!(bytes.len() < 100_000);
        let (path, read) = read_bytes(&bytes);
        let (location, message) = input_error(read);
        assert_eq!(location, Location::file(&path));
        assert!(message.contains("blob 1 (byte 21): its") && message.contains("MiB of objects"), "{message}");
    }

    #[test]
    fn a_claimed_size_past_the_end_is_an_error() {
        let bytes = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), Some(-1)));
        let (_, message) = input_error(read_bytes(&bytes).1);
        assert!(message.contains("blob 1 (byte 21): its header claims a negative size -1"), "{message}");
    }

    fn node_file(id: i64, nano_lat: i64, nano_lon: i64) -> Vec<u8> {
        let zigzag = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
        let mut node = Vec::new();
        varint_field(&mut node, 1, zigzag(id));
        // Granularity 100 nanodegrees.
        varint_field(&mut node, 8, zigzag(nano_lat / 100));
        varint_field(&mut node, 9, zigzag(nano_lon / 100));
        let mut group = Vec::new();
        bytes_field(&mut group, 1, &node);
        file(|out| frame(out, "OSMData", &raw_blob(&block(&group)), None))
    }

    #[test]
    fn coordinates_off_the_globe_are_an_error_naming_the_node() {
        let (_, read) = read_bytes(&node_file(123, 60_000_000_000, 24_000_000_000));
        assert_eq!(read.unwrap().counts, [1, 0, 0]);
        let (_, message) = input_error(read_bytes(&node_file(123, 95_000_000_000, 0)).1);
        assert!(message.contains("node n123: latitude 95 is outside -90..90"), "{message}");
        let (_, message) = input_error(read_bytes(&node_file(-7, 0, -200_000_000_000)).1);
        assert!(message.contains("node n-7: longitude -200 is outside -180..180"), "{message}");
    }

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

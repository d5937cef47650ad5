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
//!
//! One job per file: this module holds the model ([`Osm`] and its parts) and [`read_osm`];
//! `passes` what each pass keeps and how parts merge, `pbf_decode` the PBF passes
//! ([`read_pbf`]), `pbf` the checked PBF framing, `areas` the assembly of polygons.

mod areas;
mod passes;
mod pbf;
mod pbf_decode;

/// Most node references of one way or members of one relation, in a PBF or an XML file.
pub(crate) use pbf::MAX_OBJECT_ITEMS;

pub use areas::Broken;
#[cfg(test)]
pub(crate) use passes::degrees;
pub(crate) use passes::{Part, Pass, pass_step};
pub use pbf_decode::read_pbf;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use geo::Coord;

use crate::error::Result;
use crate::progress::Progress;

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

/// Reads an extract by its name: `.osm` (XML) through [`super::xml::read_xml`], anything else as
/// PBF through [`read_pbf`], reporting each pass over the file (bytes read) to `progress`.
pub fn read_osm(path: &Path, filter: &dyn Filter, progress: &dyn Progress) -> Result<Osm> {
    if super::xml::is_xml_path(path) {
        super::xml::read_xml(path, filter, progress)
    } else {
        read_pbf(path, filter, progress)
    }
}

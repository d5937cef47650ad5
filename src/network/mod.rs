//! The walking network: a graph built from street centre lines in local metres, points
//! (residences, facilities) snapped onto it, and network distances by multi-source Dijkstra.
//!
//! - [`WalkingNetwork::build`] turns polylines into a graph in CSR form (dense arrays):
//!   vertices within the node tolerance become one node (see [`graph`] for the exact merging
//!   rule), consecutive vertices become edges weighted by their length, and connected
//!   components with fewer than `min_component` nodes are dropped.
//!   [`WalkingNetwork::build_directed`] does the same with a [`Direction`] per line for
//!   one-way paths; walking is two-way unless the data says otherwise.
//! - [`WalkingNetwork::snap`] connects each point to the nearest point of the nearest edge
//!   (the edge is conceptually split there; the straight access leg counts in the distance).
//! - [`WalkingNetwork::nearest_sources`] finds, for every target, the nearest source along the
//!   network (access legs included): the distance a person standing at the target walks to
//!   reach a source, with a cutoff, ties going to the lowest source index.
//! - [`WalkingNetwork::reached_parts`] and [`WalkingNetwork::distances_to`] give the walkshed
//!   of a set of sources (the parts of edges, and the nodes, within the cutoff of one), for
//!   service-area polygons.
//!
//! Everything is in metres in the caller's local projection (`crate::crs::LocalProjection`).
//! Answers are deterministic: they depend on the input order only, never on threads.

pub mod catchment;
pub mod dijkstra;
pub mod graph;
pub mod reach;
pub mod snap;
mod spatial;

use crate::error::{Error, Result};

pub use dijkstra::DijkstraScratch;
pub use graph::BuildReport;

/// Options for building and using the walking network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkOptions {
    /// Vertices closer than this (metres, inclusive) become one node (`--node-tolerance`,
    /// default 0.01). 0 merges only identical coordinates.
    pub node_tolerance_m: f64,
    /// Connected components with fewer nodes than this are dropped (`--min-component`,
    /// default 20; 0 or 1 keeps every component).
    pub min_component: usize,
    /// A point farther than this (metres) from every edge is unreachable (`--max-snap`,
    /// default 200).
    pub max_snap_m: f64,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions { node_tolerance_m: 0.01, min_component: 20, max_snap_m: 200.0 }
    }
}

impl NetworkOptions {
    /// Checks that the tolerance and the snapping distance are finite and not negative.
    pub fn validate(&self) -> Result<()> {
        if !(self.node_tolerance_m.is_finite() && self.node_tolerance_m >= 0.0) {
            return Err(Error::Option(format!(
                "--node-tolerance {} must be a number of metres ≥ 0",
                self.node_tolerance_m
            )));
        }
        if !(self.max_snap_m.is_finite() && self.max_snap_m >= 0.0) {
            return Err(Error::Option(format!("--max-snap {} must be a number of metres ≥ 0", self.max_snap_m)));
        }
        Ok(())
    }
}

/// Where a point meets the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Snap {
    /// The point's nearest point on the network lies on edge `edge`, at fraction `t` of the
    /// way from the edge's first node to its second ([`WalkingNetwork::edge_nodes`]), and
    /// `offset_m` metres away in a straight line (the access leg).
    Snapped {
        /// The edge index.
        edge: u32,
        /// Position along the edge, 0 at its first node and 1 at its second.
        t: f64,
        /// Length of the straight access leg from the point to the edge, metres.
        offset_m: f64,
    },
    /// No edge within the snapping distance (or a non-finite point, or an empty network).
    Unreachable,
}

pub use crate::model::Direction;

impl Direction {
    /// Bit of [`Direction::bits`]: walkable the way the vertices (or an edge's nodes) run.
    const ALONG: u8 = 1;
    /// Bit of [`Direction::bits`]: walkable against that way.
    const AGAINST: u8 = 2;

    /// `ALONG` and/or `AGAINST`.
    fn bits(self) -> u8 {
        match self {
            Direction::Both => Direction::ALONG | Direction::AGAINST,
            Direction::Forward => Direction::ALONG,
            Direction::Backward => Direction::AGAINST,
        }
    }

    /// The direction of non-empty `bits`.
    fn from_bits(bits: u8) -> Direction {
        match bits & (Direction::ALONG | Direction::AGAINST) {
            Direction::ALONG => Direction::Forward,
            Direction::AGAINST => Direction::Backward,
            _ => Direction::Both,
        }
    }
}

impl Snap {
    /// Whether the point reached the network.
    pub fn is_snapped(&self) -> bool {
        matches!(self, Snap::Snapped { .. })
    }
}

/// One adjacency entry: an edge seen from one of its nodes.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// The node at the other end.
    to: u32,
    /// The edge.
    edge: u32,
    /// The edge's length, metres.
    len: f64,
}

/// A walking graph in CSR form (dense arrays): nodes with coordinates, edges with lengths and
/// directions, and a packed R-tree of the edge segments for snapping.
#[derive(Debug, Clone)]
pub struct WalkingNetwork {
    /// Node coordinates, metres.
    xy: Vec<[f64; 2]>,
    /// Edge end nodes, the lower index first.
    edges: Vec<[u32; 2]>,
    /// Which way each edge may be walked, as [`Direction`] bits relative to its nodes' order
    /// (`ALONG`: from the first node to the second).
    edge_dir: Vec<u8>,
    /// CSR rows, one per node plus one: the links of node `n` are
    /// `links[rows[n][0]..rows[n + 1][0]]`, and the first `rows[n][1] - rows[n][0]` of them
    /// are the edges that may be walked from the other node *to* `n` (the ones a search from
    /// the sources follows backwards).
    rows: Vec<[u32; 2]>,
    /// Adjacency entries, each edge twice (once from each node).
    links: Vec<Link>,
    /// The edge segments.
    index: spatial::SegmentIndex,
}

impl WalkingNetwork {
    /// Builds a two-way network from polylines in metres: consecutive vertices become edges
    /// and vertices within `opts.node_tolerance_m` become one node (greedy merge in input
    /// order, see [`graph`]); components smaller than `opts.min_component` nodes are dropped.
    /// Non-finite vertices are skipped (they break their line). Fails only on invalid options
    /// or more than 2³² − 2 vertices or 2³¹ − 1 edges. O(v log v) for v vertices, in parallel.
    pub fn build(lines: &[Vec<[f64; 2]>], opts: &NetworkOptions) -> Result<(WalkingNetwork, BuildReport)> {
        opts.validate()?;
        graph::build(lines, None, opts)
    }

    /// Like [`WalkingNetwork::build`], with the direction in which each line may be walked
    /// (`directions[i]` for `lines[i]`; [`Direction::Forward`] is the way its vertices run).
    /// Lines giving the same two nodes join their directions (a `Forward` and a `Backward`
    /// line over the same segment make a two-way edge). Components are those of the
    /// undirected graph, so `min_component` ignores directions. Fails also when the two
    /// slices differ in length.
    pub fn build_directed(
        lines: &[Vec<[f64; 2]>],
        directions: &[Direction],
        opts: &NetworkOptions,
    ) -> Result<(WalkingNetwork, BuildReport)> {
        opts.validate()?;
        if directions.len() != lines.len() {
            return Err(Error::Option(format!(
                "{} line directions given for {} lines; give one per line",
                directions.len(),
                lines.len()
            )));
        }
        graph::build(lines, Some(directions), opts)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.xy.len()
    }

    /// Number of edges (each one- or two-way).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Coordinates of node `node`, metres. Panics when out of range.
    pub fn node_xy(&self, node: u32) -> [f64; 2] {
        self.xy[node as usize]
    }

    /// The two nodes of edge `edge`, the lower index first (`t` = 0 at the first). Panics when
    /// out of range.
    pub fn edge_nodes(&self, edge: u32) -> [u32; 2] {
        self.edges[edge as usize]
    }

    /// Length of edge `edge`, metres: the distance between its nodes' coordinates. Panics
    /// when out of range.
    #[inline]
    pub fn edge_length(&self, edge: u32) -> f64 {
        let [a, b] = self.edges[edge as usize];
        graph::length(self.xy[a as usize], self.xy[b as usize])
    }

    /// Which way edge `edge` may be walked, relative to [`WalkingNetwork::edge_nodes`]:
    /// [`Direction::Forward`] is from its first node to its second. Panics when out of range.
    pub fn edge_direction(&self, edge: u32) -> Direction {
        Direction::from_bits(self.edge_dir[edge as usize])
    }

    /// The neighbours of node `node` with the length of the edge to each: every edge at the
    /// node, whichever way it may be walked (see [`WalkingNetwork::edge_direction`]). Panics
    /// when out of range.
    pub fn neighbours(&self, node: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.links_of(node).iter().map(|l| (l.to, l.len))
    }

    /// Every link of node `node`.
    #[inline]
    fn links_of(&self, node: u32) -> &[Link] {
        &self.links[self.rows[node as usize][0] as usize..self.rows[node as usize + 1][0] as usize]
    }

    /// The links of node `node` whose edge may be walked from the other node to `node`.
    #[inline]
    fn links_into(&self, node: u32) -> &[Link] {
        let [start, end] = self.rows[node as usize];
        &self.links[start as usize..end as usize]
    }
}

#[cfg(test)]
mod tests;

//! The walking network: a graph built from street centre lines in local metres, points
//! (residences, facilities) snapped onto it, and network distances by multi-source Dijkstra.
//!
//! - [`WalkingNetwork::build`] turns polylines into an undirected graph in CSR form (dense
//!   arrays): vertices within the node tolerance become one node (see [`graph`] for the exact
//!   merging rule), consecutive vertices become edges weighted by their length, and connected
//!   components with fewer than `min_component` nodes are dropped.
//! - [`WalkingNetwork::snap`] connects each point to the nearest point of the nearest edge
//!   (the edge is conceptually split there; the straight access leg counts in the distance).
//! - [`WalkingNetwork::nearest_sources`] finds, for every target, the nearest source along the
//!   network (access legs included), with a cutoff, ties going to the lowest source index.
//!
//! Everything is in metres in the caller's local projection (`crate::crs::LocalProjection`).
//! Answers are deterministic: they depend on the input order only, never on threads.

pub mod dijkstra;
pub mod graph;
pub mod snap;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::error::{Error, Result};

pub use dijkstra::DijkstraScratch;
pub use graph::BuildReport;

/// An edge segment in the R-tree, with its edge index.
pub type IndexedSegment = GeomWithData<Line<[f64; 2]>, u32>;

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

impl Snap {
    /// Whether the point reached the network.
    pub fn is_snapped(&self) -> bool {
        matches!(self, Snap::Snapped { .. })
    }
}

/// A walking graph in CSR form (dense arrays): nodes with coordinates, undirected edges with
/// lengths, and an R-tree of the edge segments for snapping.
#[derive(Debug, Clone)]
pub struct WalkingNetwork {
    /// Node coordinates, metres.
    xy: Vec<[f64; 2]>,
    /// Edge end nodes, the lower index first.
    edges: Vec<[u32; 2]>,
    /// Edge lengths, metres (the distance between its nodes' coordinates).
    edge_len: Vec<f64>,
    /// CSR row starts: the neighbours of node `n` are `adj_node[offsets[n]..offsets[n + 1]]`.
    offsets: Vec<u32>,
    /// Neighbour node of each adjacency entry.
    adj_node: Vec<u32>,
    /// Length of each adjacency entry's edge, metres.
    adj_len: Vec<f64>,
    /// The edge segments.
    tree: RTree<IndexedSegment>,
}

impl WalkingNetwork {
    /// Builds the network from polylines in metres: consecutive vertices become edges and
    /// vertices within `opts.node_tolerance_m` become one node (greedy merge on a grid of that
    /// size, see [`graph`]); components smaller than `opts.min_component` nodes are dropped.
    /// Non-finite vertices are skipped (they break their line). Fails only on invalid options
    /// or more than 2³² − 1 nodes or 2³¹ − 1 edges.
    pub fn build(lines: &[Vec<[f64; 2]>], opts: &NetworkOptions) -> Result<(WalkingNetwork, BuildReport)> {
        opts.validate()?;
        graph::build(lines, opts)
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.xy.len()
    }

    /// Number of (undirected) edges.
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

    /// Length of edge `edge`, metres. Panics when out of range.
    pub fn edge_length(&self, edge: u32) -> f64 {
        self.edge_len[edge as usize]
    }

    /// The neighbours of node `node` with the length of the edge to each. Panics when out of
    /// range.
    pub fn neighbours(&self, node: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.adj_node[range.clone()].iter().copied().zip(self.adj_len[range].iter().copied())
    }
}

#[cfg(test)]
mod tests;

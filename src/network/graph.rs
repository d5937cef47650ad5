//! Building the graph: merging vertices into nodes, deduplicating edges, dropping small
//! components and laying the result out in CSR form.
//!
//! ## Node merging (exact semantics)
//! Vertices are taken in input order (line by line, vertex by vertex). The first vertex of a
//! neighbourhood creates a node at its own coordinates; each later vertex joins the nearest
//! existing node whose coordinates lie within the tolerance `tol` (Euclidean distance ≤ `tol`,
//! ties to the lowest node index), else it creates a new node. Candidates are found on a
//! hashed grid of cell size `tol` (1 m when `tol` is 0, which then merges only identical
//! coordinates), looking at the 3 × 3 cells around the vertex.
//!
//! Consequences: node coordinates are input vertices, pairwise more than `tol` apart; merging
//! is not transitive (a chain of vertices each 0.008 m apart does not collapse into one node
//! with `tol` = 0.01); the result depends on input order only.
//!
//! ## Edges
//! Consecutive vertices of a line give an edge between their nodes, of length the distance
//! between the two nodes' coordinates (so it may differ from the input segment by up to
//! 2 · `tol`). Edges whose two vertices fell into one node are dropped; parallel edges (same
//! two nodes, hence the same segment) are kept once. A line crossing another without a shared
//! vertex does not connect to it (bridges, tunnels).
//!
//! ## Components
//! Components are the connected components of the edges; one with fewer than `min_component`
//! nodes is dropped with its edges. Kept nodes keep their creation order, kept edges are sorted
//! by their (lower, higher) node pair.

use std::collections::HashMap;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use super::{NetworkOptions, WalkingNetwork};
use crate::error::{Error, Result};

/// What building the network found and dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// Input polylines.
    pub lines: usize,
    /// Input vertices that were not finite and so skipped.
    pub vertices_skipped: usize,
    /// Nodes in the network (after dropping small components).
    pub nodes: usize,
    /// Edges in the network (after dropping small components).
    pub edges: usize,
    /// Connected components kept.
    pub components_kept: usize,
    /// Connected components dropped for having fewer than `min_component` nodes.
    pub components_dropped: usize,
    /// Nodes in the dropped components.
    pub nodes_dropped: usize,
    /// Edges in the dropped components.
    pub edges_dropped: usize,
}

/// Merges vertices into nodes on a hashed grid (see the module documentation).
struct NodeMerger {
    tol: f64,
    cell: f64,
    xy: Vec<[f64; 2]>,
    /// First node of each occupied grid cell.
    head: HashMap<(i64, i64), u32>,
    /// Next node in the same cell, `u32::MAX` at the end.
    next: Vec<u32>,
}

impl NodeMerger {
    fn new(tol: f64) -> Self {
        NodeMerger {
            tol,
            cell: if tol > 0.0 { tol } else { 1.0 },
            xy: Vec::new(),
            head: HashMap::new(),
            next: Vec::new(),
        }
    }

    fn cell_of(&self, p: [f64; 2]) -> (i64, i64) {
        // `as` saturates, which only crowds far-out cells together; merging stays exact.
        ((p[0] / self.cell).floor() as i64, (p[1] / self.cell).floor() as i64)
    }

    /// The node of vertex `p` (finite), created when no node lies within the tolerance.
    fn node_of(&mut self, p: [f64; 2]) -> Result<u32> {
        let (cx, cy) = self.cell_of(p);
        let tol2 = self.tol * self.tol;
        let mut best: Option<(f64, u32)> = None;
        for dx in -1..=1i64 {
            for dy in -1..=1i64 {
                let mut n = self.head.get(&(cx.saturating_add(dx), cy.saturating_add(dy))).copied();
                while let Some(node) = n.filter(|&k| k != u32::MAX) {
                    let q = self.xy[node as usize];
                    let d2 = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
                    if d2 <= tol2 && best.is_none_or(|(b, i)| d2 < b || (d2 == b && node < i)) {
                        best = Some((d2, node));
                    }
                    n = Some(self.next[node as usize]);
                }
            }
        }
        if let Some((_, node)) = best {
            return Ok(node);
        }
        let node = u32::try_from(self.xy.len())
            .ok()
            .filter(|&n| n < u32::MAX)
            .ok_or_else(|| Error::Option("the walking network has too many nodes (more than 2³² − 1)".into()))?;
        self.xy.push(p);
        self.next.push(self.head.insert((cx, cy), node).unwrap_or(u32::MAX));
        Ok(node)
    }
}

/// Union–find with path halving and union by size.
struct DisjointSets {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

#[inline]
fn length(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Builds the network; options are already validated.
pub(super) fn build(lines: &[Vec<[f64; 2]>], opts: &NetworkOptions) -> Result<(WalkingNetwork, BuildReport)> {
    let mut report = BuildReport { lines: lines.len(), ..BuildReport::default() };
    let mut merger = NodeMerger::new(opts.node_tolerance_m);
    let mut pairs: Vec<[u32; 2]> = Vec::new();
    for line in lines {
        let mut previous: Option<u32> = None;
        for &p in line {
            if !(p[0].is_finite() && p[1].is_finite()) {
                report.vertices_skipped += 1;
                previous = None;
                continue;
            }
            let node = merger.node_of(p)?;
            if let Some(prev) = previous.filter(|&prev| prev != node) {
                pairs.push([prev.min(node), prev.max(node)]);
            }
            previous = Some(node);
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let all_xy = merger.xy;

    // Components over nodes that have at least one edge.
    let mut sets = DisjointSets::new(all_xy.len());
    let mut has_edge = vec![false; all_xy.len()];
    for &[a, b] in &pairs {
        sets.union(a, b);
        has_edge[a as usize] = true;
        has_edge[b as usize] = true;
    }
    let mut keep = vec![false; all_xy.len()];
    for n in 0..all_xy.len() as u32 {
        if !has_edge[n as usize] {
            continue;
        }
        let root = sets.find(n);
        let size = sets.size[root as usize] as usize;
        keep[n as usize] = size >= opts.min_component;
        if root == n {
            if keep[n as usize] {
                report.components_kept += 1;
            } else {
                report.components_dropped += 1;
            }
        }
        if !keep[n as usize] {
            report.nodes_dropped += 1;
        }
    }

    // Renumber kept nodes in creation order.
    let mut new_id = vec![u32::MAX; all_xy.len()];
    let mut xy = Vec::new();
    for (n, p) in all_xy.iter().enumerate() {
        if keep[n] {
            new_id[n] = xy.len() as u32;
            xy.push(*p);
        }
    }
    // Renumbering is monotone, so kept pairs stay sorted.
    let edges: Vec<[u32; 2]> =
        pairs.iter().filter(|e| keep[e[0] as usize]).map(|e| [new_id[e[0] as usize], new_id[e[1] as usize]]).collect();
    report.edges_dropped = pairs.len() - edges.len();
    if edges.len() > (u32::MAX / 2) as usize {
        return Err(Error::Option("the walking network has too many edges (more than 2³¹ − 1)".into()));
    }
    let edge_len: Vec<f64> = edges.iter().map(|e| length(xy[e[0] as usize], xy[e[1] as usize])).collect();

    // CSR adjacency, both directions.
    let mut offsets = vec![0u32; xy.len() + 1];
    for e in &edges {
        offsets[e[0] as usize + 1] += 1;
        offsets[e[1] as usize + 1] += 1;
    }
    for n in 0..xy.len() {
        offsets[n + 1] += offsets[n];
    }
    let mut fill: Vec<u32> = offsets[..xy.len()].to_vec();
    let mut adj_node = vec![0u32; 2 * edges.len()];
    let mut adj_len = vec![0.0f64; 2 * edges.len()];
    for (e, &[a, b]) in edges.iter().enumerate() {
        for (from, to) in [(a, b), (b, a)] {
            let slot = fill[from as usize] as usize;
            adj_node[slot] = to;
            adj_len[slot] = edge_len[e];
            fill[from as usize] += 1;
        }
    }

    let segments: Vec<_> = edges
        .iter()
        .enumerate()
        .map(|(e, &[a, b])| GeomWithData::new(Line::new(xy[a as usize], xy[b as usize]), e as u32))
        .collect();
    let tree = RTree::bulk_load(segments);
    report.nodes = xy.len();
    report.edges = edges.len();
    Ok((WalkingNetwork { xy, edges, edge_len, offsets, adj_node, adj_len, tree }, report))
}

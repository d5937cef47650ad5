//! Multi-source Dijkstra with a cutoff: the nearest source of every target along the network.
//!
//! Labels are (distance, source index) pairs compared lexicographically, so each node ends up
//! with its nearest source and, among sources at the same distance, the lowest index. The
//! search keeps dense per-node arrays in a reusable [`DijkstraScratch`] and resets only the
//! nodes it touched, so many small searches on a big network stay cheap.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Snap, WalkingNetwork};

/// Reusable working memory for [`WalkingNetwork::nearest_sources`]; keep one per thread.
#[derive(Debug, Clone, Default)]
pub struct DijkstraScratch {
    /// Best distance to each node so far, metres (infinite when not reached).
    dist: Vec<f64>,
    /// Source index of each node's best distance.
    owner: Vec<u32>,
    /// Nodes whose entries are set, to reset them before the next search.
    touched: Vec<u32>,
    heap: BinaryHeap<HeapEntry>,
    /// (edge, source index) of the snapped sources, sorted, for targets on a source's edge.
    on_edge: Vec<(u32, u32)>,
}

impl DijkstraScratch {
    /// Empty scratch; it grows to the network's size on first use.
    pub fn new() -> Self {
        DijkstraScratch::default()
    }

    /// Makes every node unreached, for a network of `nodes` nodes.
    fn reset(&mut self, nodes: usize) {
        if self.dist.len() == nodes {
            for &n in &self.touched {
                self.dist[n as usize] = f64::INFINITY;
            }
        } else {
            self.dist.clear();
            self.dist.resize(nodes, f64::INFINITY);
            self.owner.clear();
            self.owner.resize(nodes, u32::MAX);
        }
        self.touched.clear();
        self.heap.clear();
        self.on_edge.clear();
    }

    /// Offers node `n` the label (`d`, `source`); keeps it when better and queues the node.
    #[inline]
    fn offer(&mut self, n: u32, d: f64, source: u32) {
        let (best, owner) = (self.dist[n as usize], self.owner[n as usize]);
        if d < best || (d == best && source < owner) {
            if best == f64::INFINITY {
                self.touched.push(n);
            }
            self.dist[n as usize] = d;
            self.owner[n as usize] = source;
            self.heap.push(HeapEntry { d, source, node: n });
        }
    }
}

/// A queued label; `Ord` is reversed so that `BinaryHeap` pops the smallest (distance, source,
/// node), with a total order on distances.
#[derive(Debug, Clone, Copy)]
struct HeapEntry {
    d: f64,
    source: u32,
    node: u32,
}

impl Ord for HeapEntry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.d.total_cmp(&self.d).then(other.source.cmp(&self.source)).then(other.node.cmp(&self.node))
    }
}

impl PartialOrd for HeapEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for HeapEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for HeapEntry {}

impl WalkingNetwork {
    /// For every target, the nearest source along the network: `Some((source index, metres))`
    /// with the distance including both access legs, or `None` when the target is unreachable
    /// or no source lies within `cutoff_m` (inclusive). Ties go to the lowest source index.
    ///
    /// Each snapped source seeds the two nodes of its edge with its access leg plus `t · len`
    /// and `(1 − t) · len`; the search stops at `cutoff_m`. A target on the same edge as a
    /// source also gets the direct distance `|t_s − t_t| · len` along the edge. Unreachable
    /// sources are ignored; sources and targets must come from this network's
    /// [`WalkingNetwork::snap`] (an out-of-range edge index panics).
    /// O((n + e) log n) per call over the part of the network within the cutoff.
    pub fn nearest_sources(
        &self,
        sources: &[Snap],
        targets: &[Snap],
        cutoff_m: f64,
        scratch: &mut DijkstraScratch,
    ) -> Vec<Option<(u32, f64)>> {
        scratch.reset(self.xy.len());
        for (s, snap) in sources.iter().enumerate() {
            let Snap::Snapped { edge, t, offset_m } = *snap else { continue };
            let s = s as u32;
            let [a, b] = self.edges[edge as usize];
            let len = self.edge_len[edge as usize];
            for (node, d) in [(a, offset_m + t * len), (b, offset_m + (1.0 - t) * len)] {
                if d <= cutoff_m {
                    scratch.offer(node, d, s);
                }
            }
            scratch.on_edge.push((edge, s));
        }
        scratch.on_edge.sort_unstable();

        while let Some(HeapEntry { d, source, node }) = scratch.heap.pop() {
            if d != scratch.dist[node as usize] || source != scratch.owner[node as usize] {
                continue; // superseded
            }
            let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
            for (&next, &w) in self.adj_node[range.clone()].iter().zip(&self.adj_len[range]) {
                let nd = d + w;
                if nd <= cutoff_m {
                    scratch.offer(next, nd, source);
                }
            }
        }

        let scratch = &*scratch;
        targets
            .iter()
            .map(|snap| {
                let Snap::Snapped { edge, t, offset_m } = *snap else { return None };
                let [a, b] = self.edges[edge as usize];
                let len = self.edge_len[edge as usize];
                let mut best: Option<(u32, f64)> = None;
                let mut consider = |source: u32, d: f64| {
                    if d <= cutoff_m && best.is_none_or(|(bs, bd)| d < bd || (d == bd && source < bs)) {
                        best = Some((source, d));
                    }
                };
                for (node, along) in [(a, t * len), (b, (1.0 - t) * len)] {
                    let d = scratch.dist[node as usize];
                    if d.is_finite() {
                        consider(scratch.owner[node as usize], d + along + offset_m);
                    }
                }
                let first = scratch.on_edge.partition_point(|&(e, _)| e < edge);
                for &(_, s) in scratch.on_edge[first..].iter().take_while(|&&(e, _)| e == edge) {
                    if let Snap::Snapped { t: ts, offset_m: os, .. } = sources[s as usize] {
                        consider(s, os + (ts - t).abs() * len + offset_m);
                    }
                }
                best
            })
            .collect()
    }
}

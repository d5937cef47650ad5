//! Multi-source Dijkstra with a cutoff: the nearest source of every target along the network.
//!
//! Distances are what a person standing at a target walks to reach a source, so on one-way
//! edges the search runs from the sources *against* the walking direction: a node's label is
//! its distance to the nearest source, and a node `m` is offered `d + len` from node `n` only
//! when the edge may be walked from `m` to `n`.
//!
//! Labels are (distance, source index) pairs compared lexicographically, so each node ends up
//! with its nearest source and, among sources at the same distance, the lowest index. The
//! search keeps dense per-node arrays in a reusable [`DijkstraScratch`] and resets only the
//! nodes it touched, so many small searches on a big network stay cheap.
//!
//! ## Positions on one edge
//! A point at fraction `t` of an edge reaches a point at `t'` of the same edge directly, over
//! `|t' − t| · len`, when `t' = t`, or `t' > t` and the edge may be walked from its first node
//! to its second, or `t' < t` and it may be walked the other way. A node is the point at
//! `t` = 0 (first node) or 1 (second node) of each of its edges, so a point exactly at a node
//! is reached from the node (and reaches it) whatever the edge's direction.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Direction, Snap, WalkingNetwork};

/// A node's best label so far.
#[derive(Debug, Clone, Copy)]
struct Label {
    /// Distance to the source, metres (infinite when not reached).
    d: f64,
    /// Source index of that distance.
    source: u32,
}

const UNREACHED: Label = Label { d: f64::INFINITY, source: u32::MAX };

/// Reusable working memory for [`WalkingNetwork::nearest_sources`] and the walkshed queries;
/// keep one per thread.
#[derive(Debug, Clone, Default)]
pub struct DijkstraScratch {
    /// Best label of each node so far.
    label: Vec<Label>,
    /// Nodes whose labels are set, to reset them before the next search.
    touched: Vec<u32>,
    heap: BinaryHeap<HeapEntry>,
    /// (edge, source index) of the snapped sources, sorted, for points on a source's edge.
    on_edge: Vec<(u32, u32)>,
}

impl DijkstraScratch {
    /// Empty scratch; it grows to the network's size on first use.
    pub fn new() -> Self {
        DijkstraScratch::default()
    }

    /// Makes every node unreached, for a network of `nodes` nodes.
    fn reset(&mut self, nodes: usize) {
        if self.label.len() == nodes {
            for &n in &self.touched {
                self.label[n as usize] = UNREACHED;
            }
        } else {
            self.label.clear();
            self.label.resize(nodes, UNREACHED);
        }
        self.touched.clear();
        self.heap.clear();
        self.on_edge.clear();
    }

    /// Offers node `n` the label (`d`, `source`); keeps it when better and queues the node.
    #[inline]
    fn offer(&mut self, n: u32, d: f64, source: u32) {
        let best = self.label[n as usize];
        if d < best.d || (d == best.d && source < best.source) {
            if best.d == f64::INFINITY {
                self.touched.push(n);
            }
            self.label[n as usize] = Label { d, source };
            self.heap.push(HeapEntry::new(d, source, n));
        }
    }

    /// The label of node `n`, when reached.
    #[inline]
    pub(super) fn reached(&self, n: u32) -> Option<(f64, u32)> {
        let l = self.label[n as usize];
        l.d.is_finite().then_some((l.d, l.source))
    }

    /// The nodes reached by the last search, in the order they were first reached.
    pub(super) fn touched(&self) -> &[u32] {
        &self.touched
    }

    /// Indices of the sources snapped to `edge` by the last search, in increasing order.
    pub(super) fn sources_on(&self, edge: u32) -> impl Iterator<Item = u32> + '_ {
        let first = self.on_edge.partition_point(|&(e, _)| e < edge);
        self.on_edge[first..].iter().take_while(move |&&(e, _)| e == edge).map(|&(_, s)| s)
    }
}

/// A queued label, ordered so that `BinaryHeap` pops the smallest (distance, source, node),
/// distances in the order of `f64::total_cmp`; the entry compares as two integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HeapEntry(Reverse<(u64, u64)>);

/// Sign bit of an `f64`.
const SIGN: u64 = 1 << 63;

impl HeapEntry {
    #[inline]
    fn new(d: f64, source: u32, node: u32) -> Self {
        // Non-negative numbers: set the sign bit; negative ones: flip every bit. Unsigned
        // order is then `total_cmp` order.
        let bits = d.to_bits();
        let key = if bits & SIGN == 0 { bits | SIGN } else { !bits };
        HeapEntry(Reverse((key, (u64::from(source) << 32) | u64::from(node))))
    }

    /// (distance, source, node).
    #[inline]
    fn get(self) -> (f64, u32, u32) {
        let Reverse((key, sn)) = self.0;
        let bits = if key & SIGN != 0 { key & !SIGN } else { !key };
        (f64::from_bits(bits), (sn >> 32) as u32, sn as u32)
    }
}

/// Whether a point at `from` on an edge with direction bits `bits` may walk to `to` on it.
#[inline]
pub(super) fn may_walk(bits: u8, from: f64, to: f64) -> bool {
    from == to || (to > from && bits & Direction::ALONG != 0) || (to < from && bits & Direction::AGAINST != 0)
}

impl WalkingNetwork {
    /// Runs the search from `sources` up to `cutoff_m`: afterwards `scratch` holds every node's
    /// distance to its nearest source (and that source) when within the cutoff, and the
    /// sources of each edge.
    pub(super) fn search(&self, sources: &[Snap], cutoff_m: f64, scratch: &mut DijkstraScratch) {
        scratch.reset(self.xy.len());
        for (s, snap) in sources.iter().enumerate() {
            let Snap::Snapped { edge, t, offset_m } = *snap else { continue };
            let s = s as u32;
            let [a, b] = self.edges[edge as usize];
            let (len, bits) = (self.edge_length(edge), self.edge_dir[edge as usize]);
            for (node, at, d) in [(a, 0.0, offset_m + t * len), (b, 1.0, offset_m + (1.0 - t) * len)] {
                if d <= cutoff_m && may_walk(bits, at, t) {
                    scratch.offer(node, d, s);
                }
            }
            scratch.on_edge.push((edge, s));
        }
        scratch.on_edge.sort_unstable();

        while let Some((d, source, node)) = scratch.heap.pop().map(HeapEntry::get) {
            let best = scratch.label[node as usize];
            if d != best.d || source != best.source {
                continue; // superseded
            }
            for link in self.links_into(node) {
                let nd = d + link.len;
                if nd <= cutoff_m {
                    scratch.offer(link.to, nd, source);
                }
            }
        }
    }

    /// For every target, the nearest source along the network: `Some((source index, metres))`
    /// with the distance including both access legs, or `None` when the target is unreachable
    /// or no source lies within `cutoff_m` (inclusive). Ties go to the lowest source index.
    ///
    /// The distance is the walk from the target to the source (residents are targets walking
    /// to facilities, the sources), which matters only on one-way edges
    /// ([`WalkingNetwork::build_directed`]). Each snapped source seeds the two nodes of its
    /// edge with its access leg plus `t · len` and `(1 − t) · len`, where the edge may be walked
    /// from that node to the source; the search follows edges backwards and stops at
    /// `cutoff_m`. A target on the same edge as a source also gets the direct distance
    /// `|t_s − t_t| · len` along the edge when the edge may be walked that way (see the module
    /// documentation). Unreachable sources are ignored; sources and targets must come from this
    /// network's [`WalkingNetwork::snap`] (an out-of-range edge index panics).
    /// O((n + e) log n) per call over the part of the network within the cutoff.
    pub fn nearest_sources(
        &self,
        sources: &[Snap],
        targets: &[Snap],
        cutoff_m: f64,
        scratch: &mut DijkstraScratch,
    ) -> Vec<Option<(u32, f64)>> {
        self.search(sources, cutoff_m, scratch);
        let scratch = &*scratch;
        targets
            .iter()
            .map(|snap| {
                let Snap::Snapped { edge, t, offset_m } = *snap else { return None };
                let [a, b] = self.edges[edge as usize];
                let (len, bits) = (self.edge_length(edge), self.edge_dir[edge as usize]);
                let mut best: Option<(u32, f64)> = None;
                let mut consider = |source: u32, d: f64| {
                    if d <= cutoff_m && best.is_none_or(|(bs, bd)| d < bd || (d == bd && source < bs)) {
                        best = Some((source, d));
                    }
                };
                for (node, at, along) in [(a, 0.0, t * len), (b, 1.0, (1.0 - t) * len)] {
                    if let Some((d, source)) = scratch.reached(node).filter(|_| may_walk(bits, t, at)) {
                        consider(source, d + along + offset_m);
                    }
                }
                for s in scratch.sources_on(edge) {
                    if let Snap::Snapped { t: ts, offset_m: os, .. } = sources[s as usize]
                        && may_walk(bits, t, ts)
                    {
                        consider(s, os + (ts - t).abs() * len + offset_m);
                    }
                }
                best
            })
            .collect()
    }
}

//! Walksheds: which parts of the network lie within a walking distance of a set of sources,
//! for service-area polygons (buffer the reached parts) and reach maps.
//!
//! A point on an edge is *reached* when a person standing there can walk along the network
//! to some source within the cutoff: the same distance as
//! [`WalkingNetwork::nearest_sources`] (the sources' access legs included, one-way edges
//! respected), but measured from the point itself, without an access leg of its own. On an
//! edge of length `len` from node `a` to node `b`, with `d(a)` and `d(b)` the nodes' distances,
//! the points at `x` metres from `a` reached
//! - through `a`: `x ≤ cutoff − d(a)`, if the edge may be walked from `b` to `a`;
//! - through `b`: `len − x ≤ cutoff − d(b)`, if it may be walked from `a` to `b`;
//! - from a source on the edge at `x_s` with access leg `o`: `|x − x_s| ≤ cutoff − o`, on
//!   the side from which the edge may be walked to `x_s`.
//!
//! Their union is at most a few intervals per edge; touching or overlapping ones are joined,
//! and a point reached alone, with no reached stretch of edge around it, is left out (a node
//! reached exactly at the cutoff, or a source's node that no edge may be walked into).

use super::dijkstra::may_walk;
use super::{DijkstraScratch, Direction, Snap, WalkingNetwork};

impl WalkingNetwork {
    /// The reached nodes (see [`WalkingNetwork::nearest_sources`] for the distance) with their
    /// distance to the nearest source in metres, at most `cutoff_m`, sorted by node. O((n + e)
    /// log n) over the part of the network within the cutoff.
    pub fn distances_to(&self, sources: &[Snap], cutoff_m: f64, scratch: &mut DijkstraScratch) -> Vec<(u32, f64)> {
        self.search(sources, cutoff_m, scratch);
        let mut nodes: Vec<(u32, f64)> =
            scratch.touched().iter().filter_map(|&n| scratch.reached(n).map(|(d, _)| (n, d))).collect();
        nodes.sort_unstable_by_key(|&(n, _)| n);
        nodes
    }

    /// The reached parts of edges as fractions of the edge: `(edge, [t0, t1])` with
    /// 0 ≤ `t0` < `t1` ≤ 1 measured from the edge's first node like [`Snap`]'s `t`, for every
    /// part of an edge from which some source can be walked to within `cutoff_m` (see the
    /// [module documentation](self)). Sorted by edge, then position; an edge gives at most a
    /// few disjoint parts (two when reached from both ends but not in the middle), a fully
    /// reached edge gives exactly `[0, 1]`. The sources' own edges are included.
    pub fn reached_spans(
        &self,
        sources: &[Snap],
        cutoff_m: f64,
        scratch: &mut DijkstraScratch,
    ) -> Vec<(u32, [f64; 2])> {
        self.search(sources, cutoff_m, scratch);
        let scratch = &*scratch;
        // Each edge once: from its first node when reached, else from its second.
        let mut edges: Vec<u32> = Vec::new();
        for &n in scratch.touched() {
            for link in self.links_of(n) {
                let [a, _] = self.edges[link.edge as usize];
                if a == n || scratch.reached(a).is_none() {
                    edges.push(link.edge);
                }
            }
        }
        edges.extend(sources.iter().filter_map(|s| match *s {
            Snap::Snapped { edge, .. } => Some(edge),
            Snap::Unreachable => None,
        }));
        edges.sort_unstable();
        edges.dedup();

        let mut spans = Vec::new();
        let mut parts: Vec<[f64; 2]> = Vec::new();
        for edge in edges {
            let [a, b] = self.edges[edge as usize];
            let (len, bits) = (self.edge_length(edge), self.edge_dir[edge as usize]);
            parts.clear();
            // Metres of edge left to walk from a point reached with `d` to spare, as a fraction.
            let spare = |d: f64| (cutoff_m - d) / len;
            if let Some((d, _)) = scratch.reached(a) {
                let r = if bits & Direction::AGAINST != 0 { spare(d).min(1.0) } else { 0.0 };
                parts.push([0.0, r]);
            }
            if let Some((d, _)) = scratch.reached(b) {
                let r = if bits & Direction::ALONG != 0 { spare(d).min(1.0) } else { 0.0 };
                parts.push([1.0 - r, 1.0]);
            }
            for s in scratch.sources_on(edge) {
                let Snap::Snapped { t, offset_m, .. } = sources[s as usize] else { continue };
                if offset_m <= cutoff_m {
                    let r = spare(offset_m);
                    let below = if may_walk(bits, 0.0, t) { (t - r).max(0.0) } else { t };
                    let above = if may_walk(bits, 1.0, t) { (t + r).min(1.0) } else { t };
                    parts.push([below, above]);
                }
            }
            parts.sort_unstable_by(|x, y| x[0].total_cmp(&y[0]).then(x[1].total_cmp(&y[1])));
            let mut current: Option<[f64; 2]> = None;
            for &[t0, t1] in parts.iter() {
                match current.as_mut() {
                    Some(c) if t0 <= c[1] => c[1] = c[1].max(t1),
                    _ => {
                        if let Some(c) = current.filter(|c| c[1] > c[0]) {
                            spans.push((edge, c));
                        }
                        current = Some([t0, t1]);
                    }
                }
            }
            if let Some(c) = current.filter(|c| c[1] > c[0]) {
                spans.push((edge, c));
            }
        }
        spans
    }

    /// The reached parts of edges as straight segments in metres, each within one edge and
    /// running from the edge's first node towards its second: the walkshed of `sources`
    /// within `cutoff_m`, to buffer into service-area polygons. See
    /// [`WalkingNetwork::reached_spans`] for what is reached and the order; fully reached edges
    /// are whole (their nodes' exact coordinates).
    pub fn reached_parts(&self, sources: &[Snap], cutoff_m: f64, scratch: &mut DijkstraScratch) -> Vec<[[f64; 2]; 2]> {
        self.reached_spans(sources, cutoff_m, scratch)
            .into_iter()
            .map(|(edge, [t0, t1])| {
                let [a, b] = self.edges[edge as usize].map(|n| self.xy[n as usize]);
                let at = |t: f64| {
                    if t == 0.0 {
                        a
                    } else if t == 1.0 {
                        b
                    } else {
                        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
                    }
                };
                [at(t0), at(t1)]
            })
            .collect()
    }
}

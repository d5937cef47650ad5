//! Building the graph: merging vertices into nodes, deduplicating edges, dropping small
//! components and laying the result out in CSR form.
//!
//! ## Node merging (exact semantics)
//! Vertices are taken in input order (line by line, vertex by vertex). The first vertex of a
//! neighbourhood creates a node at its own coordinates; each later vertex joins the nearest
//! existing node whose coordinates lie within the tolerance `tol` (Euclidean distance ≤ `tol`,
//! computed as `dx² + dy² ≤ tol²`; ties to the node created first), else it creates a new
//! node. With `tol` = 0 only identical coordinates merge.
//!
//! Consequences: node coordinates are input vertices, pairwise more than `tol` apart; merging
//! is not transitive (a chain of vertices each 0.008 m apart does not collapse into one node
//! with `tol` = 0.01); the result depends on the input only, never on threads.
//!
//! ## How it is computed
//! The rule above is sequential, but vertices only interact with vertices within `tol`, so it
//! is evaluated on a grid, in parallel, without changing the answer:
//! 1. Grid cells have side `cell` = `tol` · (1 + 10⁻⁶), enlarged to 1/2³⁰ of the vertices'
//!    bounding box when that is bigger (and so when `tol` is 0), counted from the box's corner.
//!    Two vertices within `tol` then lie in the same or in adjacent cells (the 10⁻⁶ margin
//!    absorbs rounding in the cell computation).
//! 2. The finite vertices are sorted by (cell, input position), one parallel sort.
//! 3. A cell none of whose 8 neighbouring cells holds a vertex is *isolated*: its vertices
//!    can only merge with each other, so the rule runs on them alone, in input order. This
//!    is the common case (a street crossing: identical vertices in one cell) and runs in
//!    parallel over cells.
//! 4. The vertices of the other cells (clusters of occupied cells: vertices within a few
//!    `tol` of each other that are not identical) run through the rule sequentially in
//!    input order, with a hashed grid of the same cells for the candidates.
//!
//! ## Node order
//! Nodes are numbered along a Hilbert curve through their coordinates, on a 65,536 × 65,536
//! grid over the vertices' bounding box (ties, nodes sharing one cell of that grid, in the
//! order of step 2: by merge-grid column, then row, then the input position of the vertex that
//! created them), so that nodes close in space are close in memory and a search touches few
//! cache lines. Edges are sorted by their (lower, higher) node pair.
//!
//! ## Edges
//! Consecutive vertices of a line give an edge between their nodes, of length the distance
//! between the two nodes' coordinates (so it may differ from the input segment by up to
//! 2 · `tol`). Edges whose two vertices fell into one node are dropped; parallel edges (same
//! two nodes, hence the same segment) are kept once, and their directions join: an edge may be
//! walked each way that one of its lines may be walked (a `Forward` and a `Backward` line over
//! the same segment give a two-way edge). A line crossing another without a shared vertex does
//! not connect to it (bridges, tunnels).
//!
//! ## Components
//! Components are the connected components of the edges taken as undirected (directions are
//! ignored, so a one-way street does not split a component); one with fewer than
//! `min_component` nodes is dropped with its edges. Nodes without an edge are left out
//! silently. Kept nodes keep their order.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::spatial::{HilbertGrid, SegmentIndex, bounding_box};
use super::{Direction, Link, NetworkOptions, WalkingNetwork};
use crate::error::{Error, Result};

/// What building the network found and dropped (written into summary.json's `network`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// "No node" / "not decided" in vertex- and record-indexed arrays.
const NONE: u32 = u32::MAX;

/// One finite vertex, for merging.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The cell key in the high 64 bits, the vertex's input position in the low 32; records
    /// are sorted by it. Non-finite vertices get key `u64::MAX`, which sorts them last.
    order: u128,
    /// The vertex's coordinates.
    xy: [f64; 2],
}

impl Record {
    #[inline]
    fn key(&self) -> u64 {
        (self.order >> 32) as u64
    }

    #[inline]
    fn vertex(&self) -> u32 {
        self.order as u32
    }
}

/// One step to the next column in a cell key.
const COLUMN: u64 = 1 << 32;

/// Records per parallel work unit of step 3 (rounded up to a cell boundary); tiny in tests, so
/// that they cross work units.
const CHUNK: usize = if cfg!(test) { 8 } else { 1 << 14 };

/// The merging grid (step 1 of the module documentation).
#[derive(Debug, Clone, Copy)]
struct MergeGrid {
    min: [f64; 2],
    cell: f64,
}

impl MergeGrid {
    fn new(tol: f64, bbox: [f64; 4]) -> Self {
        // Any cell size works for `tol` = 0 (identical coordinates share a cell); small cells
        // keep distinct vertices apart.
        let base = if tol > 0.0 { tol * (1.0 + 1e-6) } else { 0.0 };
        let span = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
        MergeGrid { min: [bbox[0], bbox[1]], cell: base.max(span / f64::from(1u32 << 30)) }
    }

    /// The cell of finite point `p`: column in the high 32 bits, row in the low 32, both
    /// counted from 1 so that the neighbours' keys are `key ± 1` and `key ± COLUMN ± 1`.
    #[inline]
    fn key(&self, p: [f64; 2]) -> u64 {
        // Non-negative, at most 2³⁰ (plus rounding); `as` truncates (floor) and maps NaN to 0.
        let c = |k: usize| u64::from((((p[k] - self.min[k]) / self.cell) as u32).min(1 << 31)) + 1;
        (c(0) << 32) | c(1)
    }
}

#[inline]
fn distance2(p: [f64; 2], q: [f64; 2]) -> f64 {
    (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)
}

/// The merging rule for one vertex at `p`: among `nodes` (coordinates, creating vertex,
/// payload), the nearest within `tol2`, ties to the first created; its payload.
#[inline]
fn nearest_node(nodes: impl Iterator<Item = ([f64; 2], u32, u32)>, p: [f64; 2], tol2: f64) -> Option<u32> {
    let mut best: Option<(f64, u32, u32)> = None;
    for (q, creator, payload) in nodes {
        let d2 = distance2(p, q);
        if d2 <= tol2 && best.is_none_or(|(b, c, _)| d2 < b || (d2 == b && creator < c)) {
            best = Some((d2, creator, payload));
        }
    }
    best.map(|(_, _, payload)| payload)
}

/// Step 3 on the cells of `recs[range]`: for each record, the position in `recs` of the record
/// that created its node, or `NONE` when its cell is not isolated.
fn merge_isolated_cells(recs: &[Record], range: Range<usize>, tol2: f64, out: &mut [u32]) {
    let key = |i: usize| recs[i].key();
    let Some(first) = recs.get(range.start).map(Record::key) else { return };
    // Cursors into the columns left and right of the current cell; they only move forward.
    let mut left = recs.partition_point(|r| r.key() < first - COLUMN - 1);
    let mut right = recs.partition_point(|r| r.key() < first + COLUMN - 1);
    let mut nodes: Vec<([f64; 2], u32, u32)> = Vec::new();
    let mut i = range.start;
    while i < range.end {
        let k = key(i);
        let mut j = i + 1;
        while j < range.end && key(j) == k {
            j += 1;
        }
        while left < recs.len() && key(left) < k - COLUMN - 1 {
            left += 1;
        }
        while right < recs.len() && key(right) < k + COLUMN - 1 {
            right += 1;
        }
        let crowded = (i > 0 && key(i - 1) == k - 1)
            || (j < recs.len() && key(j) == k + 1)
            || (left < recs.len() && key(left) <= k - COLUMN + 1)
            || (right < recs.len() && key(right) <= k + COLUMN + 1);
        let cell_out = &mut out[i - range.start..j - range.start];
        if crowded {
            cell_out.fill(NONE);
        } else if j == i + 1 {
            cell_out[0] = i as u32;
        } else {
            nodes.clear();
            for (pos, (slot, r)) in (i..j).zip(cell_out.iter_mut().zip(&recs[i..j])) {
                *slot = nearest_node(nodes.iter().copied(), r.xy, tol2).unwrap_or_else(|| {
                    nodes.push((r.xy, r.vertex(), pos as u32));
                    pos as u32
                });
            }
        }
        i = j;
    }
}

/// Step 4: the rule over the records left `NONE` by step 3, in input order.
fn merge_crowded_cells(recs: &[Record], tol2: f64, out: &mut [u32]) {
    let mut crowded: Vec<u32> = (0..out.len() as u32).filter(|&i| out[i as usize] == NONE).collect();
    if crowded.is_empty() {
        return;
    }
    crowded.sort_unstable_by_key(|&i| recs[i as usize].vertex());
    // Nodes created so far (by creating record) per cell.
    let mut cells: HashMap<u64, Vec<u32>> = HashMap::new();
    for i in crowded {
        let r = recs[i as usize];
        let k = r.key();
        let around =
            [k - COLUMN - 1, k - COLUMN, k - COLUMN + 1, k - 1, k, k + 1, k + COLUMN - 1, k + COLUMN, k + COLUMN + 1];
        let candidates = around
            .iter()
            .filter_map(|c| cells.get(c))
            .flatten()
            .map(|&c| (recs[c as usize].xy, recs[c as usize].vertex(), c));
        out[i as usize] = nearest_node(candidates, r.xy, tol2).unwrap_or_else(|| {
            cells.entry(k).or_default().push(i);
            i
        });
    }
}

/// Where vertex `v` lies: the line holding it, given the lines' first-vertex `offsets` (one
/// more than lines) and a cursor `line` that is usually right already or one line behind.
#[inline]
fn line_of(offsets: &[usize], v: usize, line: &mut usize) -> usize {
    let holds = |l: usize| l + 1 < offsets.len() && offsets[l] <= v && v < offsets[l + 1];
    if !holds(*line) {
        *line = if holds(*line + 1) { *line + 1 } else { offsets.partition_point(|&o| o <= v) - 1 };
    }
    *line
}

/// Vertices per work unit of [`sorted_records`].
const UNIT: usize = 1 << 16;

/// Buckets of [`sorted_records`].
const BUCKETS: usize = 1024;

/// Step 2: the records of the finite vertices of `lines` sorted by `order`. A parallel bucket
/// partition on the key's leading bits (whole ranges of columns), then a sort within each
/// bucket, which fits in cache: the same order as one sort, with less memory traffic.
fn sorted_records(lines: &[Vec<[f64; 2]>], offsets: &[usize], grid: &MergeGrid, bbox: [f64; 4]) -> Vec<Record> {
    let total = offsets[lines.len()];
    // Keys lie between the bounding box's corners' keys.
    let (low, high) = (grid.key([bbox[0], bbox[1]]), grid.key([bbox[2], bbox[3]]));
    let shift = (u64::BITS - ((high - low) / BUCKETS as u64).leading_zeros()).min(63);
    let record = |v: usize, line: &mut usize| {
        let l = line_of(offsets, v, line);
        let p = lines[l][v - offsets[l]];
        let key = if p[0].is_finite() && p[1].is_finite() { grid.key(p) } else { u64::MAX };
        // Non-finite vertices go to the extra last bucket.
        let bucket = if key == u64::MAX { BUCKETS } else { (((key - low) >> shift) as usize).min(BUCKETS - 1) };
        (bucket, Record { order: (u128::from(key) << 32) | v as u128, xy: p })
    };
    let units: Vec<Range<usize>> = (0..total.div_ceil(UNIT)).map(|u| u * UNIT..((u + 1) * UNIT).min(total)).collect();
    let counts: Vec<Vec<u32>> = units
        .par_iter()
        .map(|range| {
            let mut count = vec![0u32; BUCKETS + 1];
            let mut line = 0;
            for v in range.clone() {
                count[record(v, &mut line).0] += 1;
            }
            count
        })
        .collect();
    // Every (bucket, unit) its own slice of the output, bucket by bucket.
    let mut out: Vec<Record> = (0..total).into_par_iter().map(|_| Record { order: 0, xy: [0.0; 2] }).collect();
    let mut bucket_len = vec![0usize; BUCKETS + 1];
    let mut slices: Vec<Vec<&mut [Record]>> = units.iter().map(|_| Vec::with_capacity(BUCKETS + 1)).collect();
    let mut rest = out.as_mut_slice();
    for (b, len) in bucket_len.iter_mut().enumerate() {
        for (u, unit_slices) in slices.iter_mut().enumerate() {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(counts[u][b] as usize);
            *len += head.len();
            unit_slices.push(head);
            rest = tail;
        }
    }
    units.into_par_iter().zip(slices).for_each(|(range, mut slices)| {
        let mut fill = vec![0usize; BUCKETS + 1];
        let mut line = 0;
        for v in range {
            let (b, r) = record(v, &mut line);
            slices[b][fill[b]] = r;
            fill[b] += 1;
        }
    });
    let mut buckets = Vec::with_capacity(BUCKETS);
    let mut rest = out.as_mut_slice();
    for &len in &bucket_len[..BUCKETS] {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
        buckets.push(head);
        rest = tail;
    }
    buckets.into_par_iter().for_each(|b| b.sort_unstable_by_key(|r| r.order));
    out.truncate(total - bucket_len[BUCKETS]);
    out
}

/// What merging gives: node coordinates in node order, the node of every vertex (`NONE` for
/// non-finite vertices), and the number of non-finite vertices.
struct Merged {
    xy: Vec<[f64; 2]>,
    node_of: Vec<AtomicU32>,
    skipped: usize,
}

/// Merges the vertices of `lines` (`offsets`: each line's first vertex, then the total) into
/// nodes, following the module documentation.
fn merge_vertices(lines: &[Vec<[f64; 2]>], offsets: &[usize], tol: f64) -> Merged {
    let total = offsets[lines.len()];
    let finite = |p: &[f64; 2]| p[0].is_finite() && p[1].is_finite();
    let bbox = bounding_box(lines.par_iter().flat_map_iter(|l| l.iter()).filter(|p| finite(p)));
    if bbox[0] > bbox[2] {
        let node_of = (0..total).map(|_| AtomicU32::new(NONE)).collect();
        return Merged { xy: Vec::new(), node_of, skipped: total };
    }
    let grid = MergeGrid::new(tol, bbox);
    let tol2 = tol * tol;

    // Step 2.
    let recs = sorted_records(lines, offsets, &grid, bbox);
    let finite_count = recs.len();

    // Step 3, over runs of whole cells.
    let mut bounds = vec![0];
    while let Some(&last) = bounds.last().filter(|&&b| b < recs.len()) {
        let mut end = (last + CHUNK).min(recs.len());
        while end < recs.len() && recs[end].key() == recs[end - 1].key() {
            end += 1;
        }
        bounds.push(end);
    }
    let mut creator = vec![NONE; recs.len()];
    let mut pieces = Vec::with_capacity(bounds.len());
    let mut rest = creator.as_mut_slice();
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        pieces.push((w[0]..w[1], head));
        rest = tail;
    }
    pieces.into_par_iter().for_each(|(range, out)| merge_isolated_cells(&recs, range, tol2, out));

    // Step 4.
    merge_crowded_cells(&recs, tol2, &mut creator);

    // Nodes in Hilbert order (ties by record position), then every vertex's node.
    let creators: Vec<u32> = (0..creator.len() as u32).filter(|&i| creator[i as usize] == i).collect();
    let hilbert = HilbertGrid::new(bbox);
    let mut nodes: Vec<u64> =
        creators.par_iter().map(|&i| (u64::from(hilbert.key(recs[i as usize].xy)) << 32) | u64::from(i)).collect();
    drop(creators);
    nodes.par_sort_unstable();
    let node_at: Vec<AtomicU32> = (0..recs.len()).into_par_iter().map(|_| AtomicU32::new(NONE)).collect();
    nodes.par_iter().enumerate().for_each(|(n, &k)| node_at[k as u32 as usize].store(n as u32, Ordering::Relaxed));
    let node_of: Vec<AtomicU32> = (0..total).into_par_iter().map(|_| AtomicU32::new(NONE)).collect();
    // The creators' nodes were all stored above.
    recs.par_iter().zip(&creator).for_each(|(r, &c)| {
        node_of[r.vertex() as usize].store(node_at[c as usize].load(Ordering::Relaxed), Ordering::Relaxed);
    });
    Merged {
        xy: nodes.par_iter().map(|&k| recs[k as u32 as usize].xy).collect(),
        node_of,
        skipped: total - finite_count,
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

/// The length of an edge between nodes at `a` and `b` (the one function for it, so that every
/// copy of a length is the same number).
#[inline]
pub(super) fn length(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    let l = (dx * dx + dy * dy).sqrt();
    // `hypot` only where squaring overflows or underflows.
    if l.is_finite() && l > 0.0 { l } else { dx.hypot(dy) }
}

/// The same direction bits seen from the other end.
#[inline]
fn flip(bits: u8) -> u8 {
    ((bits & Direction::ALONG) << 1) | ((bits & Direction::AGAINST) >> 1)
}

/// Builds the network; options are already validated and `directions`, when given, has one
/// entry per line.
pub(super) fn build(
    lines: &[Vec<[f64; 2]>],
    directions: Option<&[Direction]>,
    opts: &NetworkOptions,
) -> Result<(WalkingNetwork, BuildReport)> {
    let mut report = BuildReport { lines: lines.len(), ..BuildReport::default() };
    let mut offsets = Vec::with_capacity(lines.len() + 1);
    let mut total = 0usize;
    for line in lines {
        offsets.push(total);
        total += line.len();
    }
    offsets.push(total);
    if total >= NONE as usize {
        return Err(Error::Option("the walking network has too many vertices (more than 2³² − 2)".into()));
    }
    let Merged { xy: all_xy, node_of, skipped } = merge_vertices(lines, &offsets, opts.node_tolerance_m);
    report.vertices_skipped = skipped;

    // Edges as (lower node, higher node, direction bits from lower to higher), sorted by a
    // counting sort on the lower node, then on the higher one within each lower node, with
    // parallel edges joined.
    let segment = |v: usize, line: &mut usize| {
        let l = line_of(&offsets, v, line);
        let (a, b) = (node_of[v].load(Ordering::Relaxed), node_of[v + 1].load(Ordering::Relaxed));
        if v + 1 == offsets[l + 1] || a == NONE || b == NONE || a == b {
            return None;
        }
        let bits = directions.map_or(Direction::Both, |d| d[l]).bits();
        Some(if a < b { (a, b, bits) } else { (b, a, flip(bits)) })
    };
    let mut first = vec![0u32; all_xy.len() + 1];
    let mut line = 0;
    for v in 0..total.saturating_sub(1) {
        if let Some((lo, _, _)) = segment(v, &mut line) {
            first[lo as usize + 1] += 1;
        }
    }
    for n in 0..all_xy.len() {
        first[n + 1] += first[n];
    }
    let mut fill = first.clone();
    let mut higher = vec![0u64; first[all_xy.len()] as usize];
    for v in 0..total.saturating_sub(1) {
        if let Some((lo, hi, bits)) = segment(v, &mut line) {
            higher[fill[lo as usize] as usize] = (u64::from(hi) << 2) | u64::from(bits);
            fill[lo as usize] += 1;
        }
    }
    drop((node_of, fill));
    let mut all_edges: Vec<[u32; 2]> = Vec::with_capacity(higher.len());
    let mut all_dirs: Vec<u8> = Vec::with_capacity(higher.len());
    for lo in 0..all_xy.len() {
        let bucket = &mut higher[first[lo] as usize..first[lo + 1] as usize];
        bucket.sort_unstable();
        let mut previous = None;
        for &h in bucket.iter() {
            let (hi, bits) = ((h >> 2) as u32, (h & 3) as u8);
            match all_dirs.last_mut() {
                Some(last) if previous == Some(hi) => *last |= bits,
                _ => {
                    all_edges.push([lo as u32, hi]);
                    all_dirs.push(bits);
                    previous = Some(hi);
                }
            }
        }
    }
    drop((first, higher));

    // Components over nodes that have at least one edge, directions ignored.
    let mut sets = DisjointSets::new(all_xy.len());
    let mut has_edge = vec![false; all_xy.len()];
    for &[a, b] in &all_edges {
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

    // Renumber kept nodes in order; renumbering is monotone, so kept edges stay sorted.
    let (xy, edges, edge_dir) = if keep.iter().all(|&k| k) {
        (all_xy, all_edges, all_dirs)
    } else {
        let mut new_id = vec![NONE; all_xy.len()];
        let mut xy = Vec::with_capacity(all_xy.len() - report.nodes_dropped);
        for (n, p) in all_xy.iter().enumerate() {
            if keep[n] {
                new_id[n] = xy.len() as u32;
                xy.push(*p);
            }
        }
        let (edges, edge_dir): (Vec<[u32; 2]>, Vec<u8>) = all_edges
            .iter()
            .zip(&all_dirs)
            .filter(|(e, _)| keep[e[0] as usize])
            .map(|(e, &bits)| ([new_id[e[0] as usize], new_id[e[1] as usize]], bits))
            .unzip();
        report.edges_dropped = all_edges.len() - edges.len();
        (xy, edges, edge_dir)
    };
    if edges.len() > (u32::MAX / 2) as usize {
        return Err(Error::Option("the walking network has too many edges (more than 2³¹ − 1)".into()));
    }

    // CSR adjacency: at each node, first the edges that may be walked into it.
    let n = xy.len();
    let mut count = vec![[0u32; 2]; n];
    for (&[a, b], &bits) in edges.iter().zip(&edge_dir) {
        count[a as usize][0] += 1;
        count[b as usize][0] += 1;
        count[a as usize][1] += u32::from(bits & Direction::AGAINST != 0);
        count[b as usize][1] += u32::from(bits & Direction::ALONG != 0);
    }
    let mut rows = Vec::with_capacity(n + 1);
    let mut start = 0u32;
    for &[all, into] in &count {
        rows.push([start, start + into]);
        start += all;
    }
    rows.push([start, start]);
    drop(count);
    // Next free slot per node among the links walked into it, and among the others.
    let mut fill: Vec<[u32; 2]> = rows[..n].to_vec();
    let mut links = vec![Link { to: 0, edge: 0, len: 0.0 }; 2 * edges.len()];
    for (e, (&[a, b], &bits)) in edges.iter().zip(&edge_dir).enumerate() {
        let len = length(xy[a as usize], xy[b as usize]);
        for (from, to, into) in [(a, b, bits & Direction::AGAINST != 0), (b, a, bits & Direction::ALONG != 0)] {
            let cursor = &mut fill[from as usize][usize::from(!into)];
            links[*cursor as usize] = Link { to, edge: e as u32, len };
            *cursor += 1;
        }
    }
    drop(fill);

    let index = SegmentIndex::build(&xy, &edges);
    report.nodes = xy.len();
    report.edges = edges.len();
    Ok((WalkingNetwork { xy, edges, edge_dir, rows, links, index }, report))
}

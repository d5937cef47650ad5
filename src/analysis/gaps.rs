//! Gap cells and gap areas: where the households without a service live.
//!
//! Residences are binned by their representative point into square or hexagonal cells of the
//! analysis's local projection (metres); per cell and per category with a radius, the
//! households and residents *not covered* (the `ok_<category>` of households.geojson is
//! false; unreachable in a network analysis counts as not covered) are summed. Per category,
//! the cells holding uncovered households or residents are then **dissolved**: edge-adjacent
//! cells (a square's 4 edge neighbours, a hexagon's 6 neighbours) form one gap area, whose
//! outline is the exact union of its cells, and the areas are ranked by uncovered population.
//!
//! ## Layout
//! - **Squares** of side `cell_m`, anchored at the projection's origin: the cell holding
//!   (x, y) is row ⌊y ÷ cell_m⌋, column ⌊x ÷ cell_m⌋; id `r<row>c<column>` (`r12c-3`).
//! - **Hexagons**, pointy-top, with side s = cell_m · √(2 ÷ (3√3)) ≈ 0.6204 cell_m, so that
//!   each hexagon's area (3√3 ÷ 2 · s²) equals cell_m²; axial coordinates (q, r) with the
//!   centre at x = √3 s (q + r ÷ 2), y = 1.5 s r; the cell holding a point is the one whose
//!   centre is nearest (cube rounding); id `q<q>r<r>` (`q3r-1`).
//!
//! The layout is fixed by the projection and `cell_m` alone, so the cells do not depend on
//! input order. Only cells holding at least one residence exist.
//!
//! ## Outlines
//! Cell corners live on an integer lattice (squares: (column, row); hexagons: units of half
//! the hexagon's width and of half its side), so shared edges are found exactly: every cell
//! contributes its edges counter-clockwise, an edge met in both directions is interior and
//! cancelled, and the remaining edges are chained into rings. Where a vertex has two outgoing
//! edges (squares touching only at a corner) the chain takes the rightmost turn, so every ring
//! is simple and bounds one connected piece of the outside: counter-clockwise rings are
//! shells, clockwise ones holes (a ring of gap cells around covered cells), and each hole goes
//! to the smallest shell containing it. All cell corners are kept (no vertex is dropped), so an
//! area's outline runs exactly along its cells' edges.
//!
//! ## Cost and determinism
//! Binning is one parallel pass plus one sort of n (cell, residence) pairs; sums run in input
//! order within a cell; dissolving is linear in the number of gap cells (neighbours found by
//! binary search), categories in parallel. Results do not depend on the thread count.

use std::cmp::Ordering;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::Serialize;

use super::Analysis;
use crate::error::{Error, Result};

/// Default cell size, metres (`--cell`).
pub const DEFAULT_CELL_M: f64 = 250.0;

/// Largest magnitude of a cell coordinate (keeps lattice arithmetic exact).
const MAX_CELL_INDEX: f64 = (1u64 << 30) as f64;

/// Areas listed in summary.json.
pub const LARGEST_IN_SUMMARY: usize = 10;

/// The shape of the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum CellShape {
    /// Squares of side `cell_m` (the default).
    #[default]
    #[cfg_attr(feature = "cli", value(alias = "squares"))]
    Square,
    /// Pointy-top hexagons of area `cell_m`².
    #[cfg_attr(feature = "cli", value(alias = "hexagon", alias = "hexagons"))]
    Hex,
}

impl CellShape {
    /// Parses `square` or `hex` (`--cell-shape`).
    pub fn parse(s: &str) -> Option<CellShape> {
        match s.trim().to_lowercase().as_str() {
            "square" | "squares" => Some(CellShape::Square),
            "hex" | "hexagon" | "hexagons" => Some(CellShape::Hex),
            _ => None,
        }
    }

    /// The name used by `--cell-shape` and summary.json.
    pub fn as_str(self) -> &'static str {
        match self {
            CellShape::Square => "square",
            CellShape::Hex => "hex",
        }
    }
}

/// Checks a cell size: a positive, finite number of metres.
pub fn check_cell_m(cell_m: f64) -> Result<()> {
    if cell_m.is_finite() && cell_m > 0.0 {
        Ok(())
    } else {
        Err(Error::Option(format!("--cell {cell_m} must be a positive number of metres")))
    }
}

/// A cell's integer coordinates: (row, column) of a square, axial (q, r) of a hexagon. Cells
/// are ordered by these pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey(pub i32, pub i32);

/// A point of the corner lattice (see the module docs).
type Vertex = [i64; 2];

/// Counter-clockwise corner offsets of a hexagon on the lattice, from its centre.
const HEX_CORNERS: [Vertex; 6] = [[1, 1], [0, 2], [-1, 1], [-1, -1], [0, -2], [1, -1]];
/// Counter-clockwise corner offsets of a square from its lower-left corner.
const SQUARE_CORNERS: [Vertex; 4] = [[0, 0], [1, 0], [1, 1], [0, 1]];
/// Axial offsets of a hexagon's six neighbours.
const HEX_NEIGHBOURS: [(i32, i32); 6] = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)];
/// (row, column) offsets of a square's four edge neighbours.
const SQUARE_NEIGHBOURS: [(i32, i32); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

/// The cell layout.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Grid {
    cell_m: f64,
    shape: CellShape,
    /// Hexagon side, metres (unused for squares).
    side: f64,
}

impl Grid {
    fn new(cell_m: f64, shape: CellShape) -> Grid {
        Grid { cell_m, shape, side: cell_m * (2.0 / (3.0 * 3f64.sqrt())).sqrt() }
    }

    /// The cell holding point `p` (metres); `None` when its coordinates would not fit.
    fn key_of(&self, p: [f64; 2]) -> Option<CellKey> {
        let (a, b) = match self.shape {
            CellShape::Square => ((p[1] / self.cell_m).floor(), (p[0] / self.cell_m).floor()),
            CellShape::Hex => {
                let q = (3f64.sqrt() / 3.0 * p[0] - p[1] / 3.0) / self.side;
                let r = (2.0 / 3.0 * p[1]) / self.side;
                hex_round(q, r)
            }
        };
        let fits = |v: f64| v.is_finite() && v.abs() < MAX_CELL_INDEX;
        (fits(a) && fits(b)).then_some(CellKey(a as i32, b as i32))
    }

    /// A cell's corners on the lattice, counter-clockwise.
    fn corners(&self, k: CellKey) -> impl Iterator<Item = Vertex> + use<> {
        let (a, b) = (i64::from(k.0), i64::from(k.1));
        let (base, offsets): (Vertex, &'static [Vertex]) = match self.shape {
            CellShape::Square => ([b, a], &SQUARE_CORNERS),
            CellShape::Hex => ([2 * a + b, 3 * b], &HEX_CORNERS),
        };
        offsets.iter().map(move |o| [base[0] + o[0], base[1] + o[1]])
    }

    /// A lattice point in metres.
    fn metres(&self, v: Vertex) -> Coord<f64> {
        match self.shape {
            CellShape::Square => Coord { x: v[0] as f64 * self.cell_m, y: v[1] as f64 * self.cell_m },
            CellShape::Hex => {
                Coord { x: v[0] as f64 * self.side * 3f64.sqrt() / 2.0, y: v[1] as f64 * self.side / 2.0 }
            }
        }
    }

    /// A cell's centre, metres.
    fn centre(&self, k: CellKey) -> [f64; 2] {
        let (a, b) = (f64::from(k.0), f64::from(k.1));
        match self.shape {
            CellShape::Square => [(b + 0.5) * self.cell_m, (a + 0.5) * self.cell_m],
            CellShape::Hex => [3f64.sqrt() * self.side * (a + b / 2.0), 1.5 * self.side * b],
        }
    }

    /// The cells sharing an edge with `k`.
    fn neighbours(&self, k: CellKey) -> impl Iterator<Item = CellKey> + use<> {
        let offsets: &'static [(i32, i32)] = match self.shape {
            CellShape::Square => &SQUARE_NEIGHBOURS,
            CellShape::Hex => &HEX_NEIGHBOURS,
        };
        offsets.iter().filter_map(move |&(da, db)| Some(CellKey(k.0.checked_add(da)?, k.1.checked_add(db)?)))
    }

    fn id(&self, k: CellKey) -> String {
        match self.shape {
            CellShape::Square => format!("r{}c{}", k.0, k.1),
            CellShape::Hex => format!("q{}r{}", k.0, k.1),
        }
    }

    fn polygon(&self, k: CellKey) -> Polygon<f64> {
        Polygon::new(LineString(self.corners(k).map(|v| self.metres(v)).collect()), Vec::new())
    }
}

/// Rounds fractional axial coordinates to the hexagon holding them (cube rounding).
fn hex_round(q: f64, r: f64) -> (f64, f64) {
    let s = -q - r;
    let (mut rq, mut rr, rs) = (q.round(), r.round(), s.round());
    let (dq, dr, ds) = ((rq - q).abs(), (rr - r).abs(), (rs - s).abs());
    if dq > dr && dq > ds {
        rq = -rr - rs;
    } else if dr > ds {
        rr = -rq - rs;
    }
    (rq, rr)
}

/// One cell and what its residents lack.
#[derive(Debug, Clone, PartialEq)]
pub struct GapCell {
    /// The cell's coordinates.
    pub key: CellKey,
    /// Residences whose representative point lies in the cell.
    pub residences: usize,
    /// Their households.
    pub households: f64,
    /// Their residents.
    pub population: f64,
    /// Households not covered, per category of [`Gaps::categories`] (same order).
    pub gap_households: Vec<f64>,
    /// Residents not covered, per category of [`Gaps::categories`].
    pub gap_population: Vec<f64>,
}

/// One gap area: edge-connected cells where a category's uncovered households live.
#[derive(Debug, Clone, PartialEq)]
pub struct GapArea {
    /// The category (index into the profile's categories).
    pub category: usize,
    /// 1 for the area with the most uncovered residents of its category, then 2, 3...
    pub rank: usize,
    /// Households not covered in it.
    pub households: f64,
    /// Residents not covered in it.
    pub population: f64,
    /// Its cells (indices into [`Gaps::cells`], in cell order).
    pub cells: Vec<usize>,
    /// Area, m² (cells × `cell_m`²).
    pub area_m2: f64,
    /// The union of its cells, local metres: one polygon (cells joined by edges are one
    /// piece), with holes where it encloses cells that are not gaps.
    pub polygon: MultiPolygon<f64>,
    /// The mean of its cells' centres (its centroid), local metres.
    pub centroid: [f64; 2],
}

/// Gap cells and gap areas of an analysis ([`Analysis::gaps`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    /// Cell size, metres: a square's side; a hexagon of the same area.
    pub cell_m: f64,
    /// Cell shape.
    pub shape: CellShape,
    /// The categories with a radius (indices into the profile's categories), in profile order:
    /// the columns of [`GapCell::gap_households`].
    pub categories: Vec<usize>,
    /// Every cell holding a residence, in [`CellKey`] order.
    pub cells: Vec<GapCell>,
    /// Gap areas: by category in profile order, then by uncovered residents, households
    /// (both descending) and first cell.
    pub areas: Vec<GapArea>,
}

impl Gaps {
    fn grid(&self) -> Grid {
        Grid::new(self.cell_m, self.shape)
    }

    /// The id written for a cell: `r<row>c<column>` (square) or `q<q>r<r>` (hexagon).
    pub fn cell_id(&self, key: CellKey) -> String {
        self.grid().id(key)
    }

    /// A cell's outline, local metres, counter-clockwise.
    pub fn cell_polygon(&self, key: CellKey) -> Polygon<f64> {
        self.grid().polygon(key)
    }

    /// The `gaps` block of summary.json: layout, cell count and the
    /// [`LARGEST_IN_SUMMARY`] largest areas over all categories.
    pub fn summary(&self, a: &Analysis) -> GapsSummary {
        let mut order: Vec<usize> = (0..self.areas.len()).collect();
        order.sort_by(|&i, &j| {
            let (x, y) = (&self.areas[i], &self.areas[j]);
            by_size(x, y).then(x.category.cmp(&y.category)).then_with(|| by_first_cell(x, y, &self.cells))
        });
        let largest = order
            .iter()
            .take(LARGEST_IN_SUMMARY)
            .map(|&i| {
                let g = &self.areas[i];
                let (lon, lat) = a.projection.inverse(g.centroid[0], g.centroid[1]);
                let deg = |v: f64| (v * 1e7).round() / 1e7;
                LargestGap {
                    category: a.profile.categories[g.category].id.clone(),
                    rank: g.rank,
                    households: round1(g.households),
                    population: round1(g.population),
                    cells: g.cells.len(),
                    area_m2: g.area_m2.round(),
                    centroid: [deg(lon), deg(lat)],
                }
            })
            .collect();
        GapsSummary { cell_m: self.cell_m, cell_shape: self.shape, cells: self.cells.len(), largest }
    }
}

/// The `gaps` block of summary.json.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct GapsSummary {
    /// Cell size, metres.
    pub cell_m: f64,
    /// "square" or "hex".
    pub cell_shape: CellShape,
    /// Cells written (those holding a residence).
    pub cells: usize,
    /// The largest gap areas over all categories, by uncovered residents (then households,
    /// category, first cell).
    pub largest: Vec<LargestGap>,
}

/// One of the largest gap areas, as listed in summary.json.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct LargestGap {
    /// Category id.
    pub category: String,
    /// Rank within the category (1 = largest).
    pub rank: usize,
    /// Households not covered (0.1).
    pub households: f64,
    /// Residents not covered (0.1).
    pub population: f64,
    /// Cells.
    pub cells: usize,
    /// Area, m² (rounded).
    pub area_m2: f64,
    /// Centroid, WGS84 [longitude, latitude].
    pub centroid: [f64; 2],
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// More uncovered residents first, then more households.
fn by_size(x: &GapArea, y: &GapArea) -> Ordering {
    y.population.total_cmp(&x.population).then(y.households.total_cmp(&x.households))
}

/// By first cell (the smallest [`CellKey`]).
fn by_first_cell(x: &GapArea, y: &GapArea, cells: &[GapCell]) -> Ordering {
    cells[x.cells[0]].key.cmp(&cells[y.cells[0]].key)
}

impl Analysis {
    /// Gap cells and dissolved gap areas ([`crate::analysis::gaps`]) for every category with
    /// a radius, on cells of `cell_m` metres (`--cell`) and `shape` (`--cell-shape`). Errors
    /// when `cell_m` is not a positive finite number, or so small that the study area spans
    /// more than 2³⁰ cells.
    pub fn gaps(&self, cell_m: f64, shape: CellShape) -> Result<Gaps> {
        check_cell_m(cell_m)?;
        let grid = Grid::new(cell_m, shape);
        let categories: Vec<usize> =
            (0..self.profile.categories.len()).filter(|&c| self.radii_m[c].is_some()).collect();
        let points: Vec<[f64; 2]> = self.residences.iter().map(|r| r.xy).collect();
        let weights: Vec<[f64; 2]> = self.residences.iter().map(|r| [r.households, r.population]).collect();
        let masks = uncovered_masks(self, &categories, categories.len().div_ceil(64).max(1));
        let cells = bin(&grid, &points, &weights, &masks, categories.len())?;
        let per_category: Vec<Vec<GapArea>> =
            categories.par_iter().enumerate().map(|(j, &c)| dissolve(&grid, &cells, j, c)).collect();
        Ok(Gaps { cell_m, shape, categories, cells, areas: per_category.into_iter().flatten().collect() })
    }
}

/// Per residence (input order), `words` words with a bit set for each category of
/// `categories` that it lacks: [`Analysis::covered`] is `Some(false)`.
///
/// Straight-line coverage is stored along the Hilbert curve, so it is read in that order and
/// the answers scattered back: reading it residence by residence would miss the cache on
/// nearly every residence of an input in no spatial order (0.4 s for 1M residences).
fn uncovered_masks(a: &Analysis, categories: &[usize], words: usize) -> Vec<u64> {
    const CHUNK: usize = 4096;
    let n = a.residences.len();
    let mask_of = |r: usize, out: &mut [u64]| {
        for (j, &c) in categories.iter().enumerate() {
            if a.covered(r, c) == Some(false) {
                out[j / 64] |= 1 << (j % 64);
            }
        }
    };
    let mut masks = vec![0u64; n * words];
    if a.coverage.is_network() {
        masks.par_chunks_mut(CHUNK * words).enumerate().for_each(|(chunk, out)| {
            for (k, m) in out.chunks_mut(words).enumerate() {
                mask_of(chunk * CHUNK + k, m);
            }
        });
    } else {
        let mut order = vec![0u32; n];
        for (r, &k) in a.coverage.rank.iter().enumerate() {
            order[k as usize] = r as u32;
        }
        let mut along = vec![0u64; n * words];
        along.par_chunks_mut(CHUNK * words).zip(order.par_chunks(CHUNK)).for_each(|(out, rs)| {
            for (m, &r) in out.chunks_mut(words).zip(rs) {
                mask_of(r as usize, m);
            }
        });
        for (m, &r) in along.chunks(words).zip(&order) {
            let r = r as usize;
            masks[r * words..(r + 1) * words].copy_from_slice(m);
        }
    }
    masks
}

/// Bins `points` into cells: `weights[r]` holds residence r's households and residents,
/// `masks` its uncovered categories (`words` per residence, bit j for judged category j of
/// `judged`).
fn bin(grid: &Grid, points: &[[f64; 2]], weights: &[[f64; 2]], masks: &[u64], judged: usize) -> Result<Vec<GapCell>> {
    let words = judged.div_ceil(64).max(1);
    let keyed: Option<Vec<(u64, u32)>> =
        points.par_iter().enumerate().map(|(r, &p)| grid.key_of(p).map(|k| (pack(k), r as u32))).collect();
    let mut keyed = keyed.ok_or_else(|| {
        Error::Option(format!(
            "--cell {} is too small for the study area: it would need more than 2^30 cells across",
            grid.cell_m
        ))
    })?;
    // Pairs are distinct, so the order is total and the same for any thread count.
    keyed.par_sort_unstable();
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=keyed.len() {
        if i == keyed.len() || keyed[i].0 != keyed[start].0 {
            runs.push(start..i);
            start = i;
        }
    }
    let cells = runs
        .into_par_iter()
        .map(|run| {
            let mut cell = GapCell {
                key: unpack(keyed[run.start].0),
                residences: run.len(),
                households: 0.0,
                population: 0.0,
                gap_households: vec![0.0; judged],
                gap_population: vec![0.0; judged],
            };
            // Residences in input order within the cell: the sums do not depend on threads.
            for &(_, r) in &keyed[run] {
                let r = r as usize;
                let [hh, pop] = weights[r];
                cell.households += hh;
                cell.population += pop;
                for (w, &mask) in masks[r * words..(r + 1) * words].iter().enumerate() {
                    let mut bits = mask;
                    while bits != 0 {
                        let j = w * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if j < judged {
                            cell.gap_households[j] += hh;
                            cell.gap_population[j] += pop;
                        }
                    }
                }
            }
            cell
        })
        .collect();
    Ok(cells)
}

/// A cell key as one integer with the same order.
fn pack(k: CellKey) -> u64 {
    (u64::from(k.0 as u32 ^ 0x8000_0000) << 32) | u64::from(k.1 as u32 ^ 0x8000_0000)
}

/// The inverse of [`pack`].
fn unpack(v: u64) -> CellKey {
    CellKey(((v >> 32) as u32 ^ 0x8000_0000) as i32, (v as u32 ^ 0x8000_0000) as i32)
}

/// The gap areas of judged category `j` (profile index `category`), ranked.
fn dissolve(grid: &Grid, cells: &[GapCell], j: usize, category: usize) -> Vec<GapArea> {
    let is_gap = |i: usize| cells[i].gap_households[j] > 0.0 || cells[i].gap_population[j] > 0.0;
    let find = |k: CellKey| cells.binary_search_by(|c| c.key.cmp(&k)).ok();
    let mut seen = vec![false; cells.len()];
    let mut areas = Vec::new();
    let mut stack = Vec::new();
    for first in 0..cells.len() {
        if seen[first] || !is_gap(first) {
            continue;
        }
        seen[first] = true;
        stack.push(first);
        let mut members = Vec::new();
        while let Some(i) = stack.pop() {
            members.push(i);
            for n in grid.neighbours(cells[i].key) {
                if let Some(n) = find(n)
                    && !seen[n]
                    && is_gap(n)
                {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        members.sort_unstable();
        let (mut households, mut population, mut cx, mut cy) = (0.0, 0.0, 0.0, 0.0);
        for &i in &members {
            households += cells[i].gap_households[j];
            population += cells[i].gap_population[j];
            let c = grid.centre(cells[i].key);
            cx += c[0];
            cy += c[1];
        }
        let n = members.len() as f64;
        let polygon = outline(grid, members.iter().map(|&i| cells[i].key));
        areas.push(GapArea {
            category,
            rank: 0,
            households,
            population,
            area_m2: n * grid.cell_m * grid.cell_m,
            cells: members,
            polygon,
            centroid: [cx / n, cy / n],
        });
    }
    areas.sort_by(|x, y| by_size(x, y).then_with(|| by_first_cell(x, y, cells)));
    for (k, a) in areas.iter_mut().enumerate() {
        a.rank = k + 1;
    }
    areas
}

/// The exact union of `keys` (edge-connected or not): shared edges cancelled, the rest chained
/// into rings, holes assigned to the smallest shell holding them.
fn outline(grid: &Grid, keys: impl Iterator<Item = CellKey>) -> MultiPolygon<f64> {
    let mut edges: Vec<(Vertex, Vertex)> = Vec::new();
    for k in keys {
        let corners: Vec<Vertex> = grid.corners(k).collect();
        for (i, &a) in corners.iter().enumerate() {
            edges.push((a, corners[(i + 1) % corners.len()]));
        }
    }
    // An edge shared by two cells appears once in each direction: drop both.
    edges.sort_unstable_by_key(|&(a, b)| (a.min(b), a.max(b), a));
    let mut boundary = Vec::with_capacity(edges.len());
    let mut i = 0;
    while i < edges.len() {
        let (a, b) = edges[i];
        if i + 1 < edges.len() && edges[i + 1] == (b, a) {
            i += 2;
        } else {
            boundary.push((a, b));
            i += 1;
        }
    }
    boundary.sort_unstable();
    let rings = chain(&boundary);
    let mut shells: Vec<(Vec<Vertex>, i128)> = Vec::new();
    let mut holes: Vec<Vec<Vertex>> = Vec::new();
    for ring in rings {
        let area2 = doubled_area(&ring);
        if area2 > 0 {
            shells.push((ring, area2));
        } else {
            holes.push(ring);
        }
    }
    let mut interiors: Vec<Vec<Vec<Vertex>>> = vec![Vec::new(); shells.len()];
    // Doubled bounding boxes of the shells: a shell is tested (O(its length)) only when its
    // box holds the probe, and a lone shell takes every hole untested (whether it contains the
    // probe or not, it is the owner), so an area of many holes stays linear.
    let boxes: Vec<[i64; 4]> = shells
        .iter()
        .map(|(s, _)| {
            s.iter().fold([i64::MAX, i64::MAX, i64::MIN, i64::MIN], |b, v| {
                [b[0].min(2 * v[0]), b[1].min(2 * v[1]), b[2].max(2 * v[0]), b[3].max(2 * v[1])]
            })
        })
        .collect();
    for hole in holes {
        if shells.len() == 1 {
            interiors[0].push(hole);
            continue;
        }
        // The midpoint of one of its edges lies on no other ring.
        let probe = [hole[0][0] + hole[1][0], hole[0][1] + hole[1][1]];
        let owner = shells
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                let b = boxes[k];
                (b[0]..=b[2]).contains(&probe[0]) && (b[1]..=b[3]).contains(&probe[1])
            })
            .filter(|(_, (s, _))| contains_doubled(s, probe))
            .min_by_key(|(k, (_, area2))| (*area2, *k))
            .map(|(k, _)| k)
            .or_else(|| (0..shells.len()).max_by_key(|&k| (shells[k].1, std::cmp::Reverse(k))));
        if let Some(k) = owner {
            interiors[k].push(hole);
        }
    }
    let line = |ring: &[Vertex]| LineString(ring.iter().map(|&v| grid.metres(v)).collect());
    MultiPolygon(
        shells
            .iter()
            .zip(&interiors)
            .map(|((shell, _), holes)| Polygon::new(line(shell), holes.iter().map(|h| line(h)).collect()))
            .collect(),
    )
}

/// Chains directed boundary edges (sorted) into closed rings (first vertex not repeated).
/// At a vertex with several outgoing edges the rightmost turn is taken.
fn chain(edges: &[(Vertex, Vertex)]) -> Vec<Vec<Vertex>> {
    let outgoing = |v: Vertex| {
        let lo = edges.partition_point(|e| e.0 < v);
        let hi = edges.partition_point(|e| e.0 <= v);
        lo..hi
    };
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring = Vec::new();
        let mut e = first;
        loop {
            used[e] = true;
            let (a, b) = edges[e];
            ring.push(a);
            let d = [b[0] - a[0], b[1] - a[1]];
            let next = outgoing(b).min_by(|&x, &y| turn(d, edges[x]).total_cmp(&turn(d, edges[y])).then(x.cmp(&y)));
            match next {
                Some(n) if n != first && !used[n] => e = n,
                _ => break,
            }
        }
        rings.push(ring);
    }
    rings
}

/// The signed angle turned from direction `d` onto edge `e` (negative = right).
fn turn(d: Vertex, e: (Vertex, Vertex)) -> f64 {
    let f = [e.1[0] - e.0[0], e.1[1] - e.0[1]];
    let cross = (d[0] * f[1] - d[1] * f[0]) as f64;
    let dot = (d[0] * f[0] + d[1] * f[1]) as f64;
    cross.atan2(dot)
}

/// Twice the signed area of a ring (positive when counter-clockwise).
fn doubled_area(ring: &[Vertex]) -> i128 {
    let mut s: i128 = 0;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        s += i128::from(a[0]) * i128::from(b[1]) - i128::from(b[0]) * i128::from(a[1]);
    }
    s
}

/// Whether `p` (in doubled lattice coordinates) lies inside `ring` (crossing number); `p` is
/// never on the ring.
fn contains_doubled(ring: &[Vertex], p: Vertex) -> bool {
    let (px, py) = (i128::from(p[0]), i128::from(p[1]));
    let mut inside = false;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        let (ax, ay, bx, by) = (2 * i128::from(a[0]), 2 * i128::from(a[1]), 2 * i128::from(b[0]), 2 * i128::from(b[1]));
        if (ay > py) != (by > py) {
            // x of the crossing = ax + (py − ay)(bx − ax)/(by − ay); compare without dividing.
            let lhs = (px - ax) * (by - ay);
            let rhs = (py - ay) * (bx - ax);
            if (by > ay && lhs < rhs) || (by < ay && lhs > rhs) {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BoundingRect, Validation};

    const C: f64 = 100.0;

    /// [`bin`] with weights and uncovered flags given as functions of the residence.
    fn bin_with(
        g: &Grid,
        points: &[[f64; 2]],
        judged: usize,
        weights: impl Fn(usize) -> (f64, f64),
        uncovered: impl Fn(usize, usize) -> bool,
    ) -> Result<Vec<GapCell>> {
        let w: Vec<[f64; 2]> = (0..points.len()).map(|r| weights(r).into()).collect();
        let words = judged.div_ceil(64).max(1);
        let mut masks = vec![0u64; points.len() * words];
        for r in 0..points.len() {
            for j in (0..judged).filter(|&j| uncovered(r, j)) {
                masks[r * words + j / 64] |= 1 << (j % 64);
            }
        }
        bin(g, points, &w, &masks, judged)
    }

    fn square_outline(keys: &[(i32, i32)]) -> MultiPolygon<f64> {
        outline(&Grid::new(C, CellShape::Square), keys.iter().map(|&(a, b)| CellKey(a, b)))
    }

    fn assert_simple_rings(mp: &MultiPolygon<f64>) {
        assert!(mp.is_valid(), "{mp:?}");
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                let mut v: Vec<(i64, i64)> =
                    ring.0[..ring.0.len() - 1].iter().map(|c| (c.x as i64, c.y as i64)).collect();
                let n = v.len();
                v.sort_unstable();
                v.dedup();
                assert_eq!(v.len(), n, "a ring passes a vertex twice: {ring:?}");
            }
        }
    }

    #[test]
    fn two_adjacent_squares_make_a_rectangle() {
        let mp = square_outline(&[(0, 0), (0, 1)]);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
        assert_eq!(mp.signed_area(), 2.0 * C * C, "shell counter-clockwise");
        let b = mp.bounding_rect().unwrap();
        assert_eq!((b.min().x, b.min().y, b.max().x, b.max().y), (0.0, 0.0, 2.0 * C, C));
        assert_simple_rings(&mp);
    }

    #[test]
    fn an_l_is_one_ring_of_eight_corners() {
        let mp = square_outline(&[(0, 0), (0, 1), (1, 0)]);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
        assert_eq!(mp.0[0].exterior().0.len(), 9, "8 corners, closed");
        assert_eq!(mp.unsigned_area(), 3.0 * C * C);
        assert_simple_rings(&mp);
    }

    #[test]
    fn a_ring_of_eight_squares_has_a_hole() {
        let keys: Vec<(i32, i32)> = (0..3).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (1, 1)).collect();
        let mp = square_outline(&keys);
        assert_eq!(mp.0.len(), 1);
        let p = &mp.0[0];
        assert_eq!(p.interiors().len(), 1);
        assert_eq!(p.interiors()[0].0.len(), 5);
        assert_eq!(Polygon::new(p.interiors()[0].clone(), vec![]).signed_area(), -C * C, "hole clockwise");
        assert_eq!(mp.unsigned_area(), 8.0 * C * C);
        assert_simple_rings(&mp);
    }

    #[test]
    fn a_hole_touching_the_outside_at_a_corner_stays_a_hole() {
        // 3 × 3 minus the centre and the corner (2, 2): the hole meets the outside at one point.
        let keys: Vec<(i32, i32)> =
            (0..3).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (1, 1) && k != (2, 2)).collect();
        let mp = square_outline(&keys);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.unsigned_area(), 7.0 * C * C);
        assert_simple_rings(&mp);
        // Cells (0, 0) and (1, 1) touch at a corner and are joined round the left of (1, 0),
        // which becomes a hole meeting the outside at that corner.
        let mp = square_outline(&[(0, 0), (0, -1), (1, -1), (2, -1), (2, 0), (2, 1), (1, 1)]);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.unsigned_area(), 7.0 * C * C);
        assert_simple_rings(&mp);
    }

    #[test]
    fn holes_go_to_their_own_shell_among_several() {
        // A 7 × 7 frame around a 5 × 5 hole holding a one-cell island, and a separate 3 × 3
        // ring: the frame's hole must go to the frame (not to the island inside it, nor to the
        // other ring), the ring's to the ring.
        let mut keys: Vec<(i32, i32)> =
            (0..7).flat_map(|a| (0..7).map(move |b| (a, b))).filter(|&(a, b)| a % 6 == 0 || b % 6 == 0).collect();
        keys.push((3, 3));
        keys.extend((20..23).flat_map(|a| (0..3).map(move |b| (a, b))).filter(|&k| k != (21, 1)));
        let mp = square_outline(&keys);
        // Each polygon's own area (exterior minus holes): a hole given to the wrong shell
        // changes two of them.
        let mut areas: Vec<(f64, usize)> =
            mp.0.iter().map(|p| (p.unsigned_area() / (C * C), p.interiors().len())).collect();
        areas.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(areas, vec![(1.0, 0), (8.0, 1), (24.0, 1)], "island, ring, frame");
        assert_eq!(mp.unsigned_area(), (24.0 + 1.0 + 8.0) * C * C);
        assert_simple_rings(&mp);
    }

    #[test]
    fn separate_cells_give_separate_shells() {
        let mp = square_outline(&[(0, 0), (5, 5)]);
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.unsigned_area(), 2.0 * C * C);
    }

    #[test]
    fn hexagons_have_the_cell_area_and_six_edge_neighbours() {
        let g = Grid::new(C, CellShape::Hex);
        let k = CellKey(3, -1);
        let p = g.polygon(k);
        assert!((p.signed_area() - C * C).abs() < 1e-6, "{}", p.signed_area());
        let own: Vec<Vertex> = g.corners(k).collect();
        for n in g.neighbours(k) {
            let shared = g.corners(n).filter(|v| own.contains(v)).count();
            assert_eq!(shared, 2, "{n:?} shares an edge with {k:?}");
            let mp = outline(&g, [k, n].into_iter());
            assert_eq!(mp.0.len(), 1);
            assert_eq!(mp.0[0].exterior().0.len(), 11, "10 corners, closed");
            assert!((mp.unsigned_area() - 2.0 * C * C).abs() < 1e-6);
        }
        // Cells two steps away share no corner.
        let far = CellKey(5, -1);
        assert_eq!(g.corners(far).filter(|v| own.contains(v)).count(), 0);
        // The ring of six around a hexagon has a hexagonal hole.
        let ring: Vec<CellKey> = g.neighbours(k).collect();
        let mp = outline(&g, ring.into_iter());
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert!((mp.unsigned_area() - 6.0 * C * C).abs() < 1e-6);
        assert_simple_rings(&mp);
        assert_eq!(g.id(k), "q3r-1");
        assert_eq!(Grid::new(C, CellShape::Square).id(CellKey(12, -3)), "r12c-3");
    }

    /// A small seeded generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn a_hexagon_holds_the_points_nearest_its_centre() {
        let g = Grid::new(C, CellShape::Hex);
        let mut rng = Rng(7);
        for _ in 0..20_000 {
            let p = [(rng.next() - 0.5) * 4000.0, (rng.next() - 0.5) * 4000.0];
            let k = g.key_of(p).unwrap();
            let d = |k: CellKey| {
                let c = g.centre(k);
                (c[0] - p[0]).hypot(c[1] - p[1])
            };
            // The oracle: no cell within two rings has a nearer centre.
            for da in -2..=2 {
                for db in -2..=2 {
                    let other = CellKey(k.0 + da, k.1 + db);
                    assert!(d(other) >= d(k) - 1e-9, "{p:?} in {k:?} but {other:?} is nearer");
                }
            }
            assert!(d(k) <= g.side + 1e-9);
        }
        for k in [CellKey(0, 0), CellKey(-4, 7), CellKey(1000, -2000)] {
            assert_eq!(g.key_of(g.centre(k)), Some(k));
        }
    }

    #[test]
    fn cell_and_area_sums_match_a_brute_force_sum_over_residences() {
        for shape in [CellShape::Square, CellShape::Hex] {
            let g = Grid::new(C, shape);
            let mut rng = Rng(42);
            let n = 5_000;
            let points: Vec<[f64; 2]> =
                (0..n).map(|_| [(rng.next() - 0.5) * 3000.0, (rng.next() - 0.5) * 3000.0]).collect();
            let hh: Vec<f64> = (0..n).map(|_| (rng.next() * 50.0).floor()).collect();
            // Two categories: uncovered west of x = 200 m, and nowhere.
            let uncovered = |r: usize, j: usize| j == 0 && points[r][0] < 200.0;
            let cells = bin_with(&g, &points, 2, |r| (hh[r], hh[r] * 2.5), uncovered).unwrap();
            assert!(cells.windows(2).all(|w| w[0].key < w[1].key));
            for cell in &cells {
                let members: Vec<usize> = (0..n).filter(|&r| g.key_of(points[r]) == Some(cell.key)).collect();
                assert_eq!(cell.residences, members.len());
                let want_hh: f64 = members.iter().map(|&r| hh[r]).sum();
                let want_gap: f64 = members.iter().filter(|&&r| uncovered(r, 0)).map(|&r| hh[r]).sum();
                assert_eq!(cell.households, want_hh);
                assert_eq!(cell.gap_households[0], want_gap);
                assert_eq!(cell.gap_households[1], 0.0);
            }
            assert_eq!(cells.iter().map(|c| c.residences).sum::<usize>(), n);
            let areas = dissolve(&g, &cells, 0, 7);
            let total_gap: f64 = (0..n).filter(|&r| uncovered(r, 0)).map(|r| hh[r]).sum();
            let area_hh: f64 = areas.iter().map(|a| a.households).sum();
            assert!((area_hh - total_gap).abs() < 1e-6, "{area_hh} vs {total_gap}");
            for a in &areas {
                assert_eq!(a.category, 7);
                assert!((a.polygon.unsigned_area() - a.area_m2).abs() < 1e-3 * a.area_m2);
                assert!(a.polygon.is_valid());
            }
            assert!(dissolve(&g, &cells, 1, 8).is_empty());
        }
    }

    #[test]
    fn separate_blobs_are_ranked_by_population() {
        let g = Grid::new(C, CellShape::Square);
        // Blob A: 2 cells with 10 + 10 households; blob B: 1 cell with 30; between them a gap.
        let points = [[50.0, 50.0], [150.0, 50.0], [550.0, 50.0], [550.0, 60.0]];
        let hh = [10.0, 10.0, 25.0, 5.0];
        let cells = bin_with(&g, &points, 1, |r| (hh[r], hh[r] * 2.0), |_, _| true).unwrap();
        let areas = dissolve(&g, &cells, 0, 0);
        assert_eq!(areas.len(), 2);
        assert_eq!((areas[0].rank, areas[0].population, areas[0].cells.len()), (1, 60.0, 1));
        assert_eq!((areas[1].rank, areas[1].population, areas[1].cells.len()), (2, 40.0, 2));
        assert_eq!(areas[1].area_m2, 2.0 * C * C);
        assert_eq!(areas[1].centroid, [C, C / 2.0]);
        // A covered cell (no uncovered households) joins no area.
        let cells = bin_with(&g, &points, 1, |r| (hh[r], hh[r]), |r, _| r != 1).unwrap();
        let areas = dissolve(&g, &cells, 0, 0);
        assert_eq!(areas.len(), 2);
        assert!(areas.iter().all(|a| a.cells.len() == 1));
    }

    #[test]
    fn analysis_gaps_match_covered_residence_by_residence() {
        use crate::analysis::{AnalysisOptions, analyze};
        use crate::model::{Facility, Residence};
        use crate::standards::StandardProfile;
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let at = |dx: f64, dy: f64| [116.4 + dx / 85_000.0, 39.9 + dy / 111_000.0];
        let mut rng = Rng(3);
        let residences: Vec<Residence> = (0..3000)
            .map(|i| {
                let lonlat = at((rng.next() - 0.5) * 6000.0, (rng.next() - 0.5) * 6000.0);
                let households = 1.0 + (rng.next() * 90.0).floor();
                Residence::point(format!("r{i}"), households, households * 2.62, lonlat)
            })
            .collect();
        let facilities: Vec<Facility> = ["clinic", "market", "kindergarten", "clinic", "market"]
            .iter()
            .enumerate()
            .map(|(i, cat)| {
                let lonlat = at((rng.next() - 0.5) * 6000.0, (rng.next() - 0.5) * 6000.0);
                Facility::point(format!("f{i}"), p.index_of(cat).unwrap(), lonlat)
            })
            .collect();
        let a = analyze(p, residences, facilities, None, AnalysisOptions::default(), crate::progress::SILENT).unwrap();
        for shape in [CellShape::Square, CellShape::Hex] {
            let gaps = a.gaps(200.0, shape).unwrap();
            let grid = Grid::new(200.0, shape);
            assert_eq!(gaps.categories.len(), a.radii_m.iter().filter(|r| r.is_some()).count());
            for (j, &c) in gaps.categories.iter().enumerate() {
                let mut want = std::collections::BTreeMap::new();
                for (r, res) in a.residences.iter().enumerate() {
                    if a.covered(r, c) == Some(false) {
                        *want.entry(grid.key_of(res.xy).unwrap()).or_insert(0.0) += res.households;
                    }
                }
                for cell in &gaps.cells {
                    assert_eq!(cell.gap_households[j], want.get(&cell.key).copied().unwrap_or(0.0), "{shape:?} {c}");
                }
                let in_areas: f64 = gaps.areas.iter().filter(|g| g.category == c).map(|g| g.households).sum();
                assert_eq!(in_areas, want.values().sum::<f64>());
            }
            let s = gaps.summary(&a);
            assert_eq!(s.cells, gaps.cells.len());
            assert!(s.largest.len() <= LARGEST_IN_SUMMARY);
            assert!(s.largest.windows(2).all(|w| w[0].population >= w[1].population));
        }
    }

    #[test]
    fn bad_cell_sizes_are_refused() {
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert!(check_cell_m(bad).is_err());
        }
        let g = Grid::new(1e-6, CellShape::Square);
        assert!(bin_with(&g, &[[5000.0, 0.0]], 0, |_| (1.0, 1.0), |_, _| false).is_err());
        assert_eq!(CellShape::parse("hex"), Some(CellShape::Hex));
        assert_eq!(CellShape::parse("Square"), Some(CellShape::Square));
        assert_eq!(CellShape::parse("round"), None);
    }
}

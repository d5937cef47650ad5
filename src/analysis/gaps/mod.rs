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

use geo::{MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::Serialize;

use super::Analysis;
use crate::error::{Error, Result};

/// Default cell size, metres (`--cell`).
pub const DEFAULT_CELL_M: f64 = 250.0;

/// Largest magnitude of a cell coordinate (keeps lattice arithmetic exact).
pub(super) const MAX_CELL_INDEX: f64 = (1u64 << 30) as f64;

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

mod dissolve;
mod grid;
mod outline;

use dissolve::dissolve;
#[cfg(test)]
use grid::Vertex;
use grid::{Grid, pack, unpack};
#[cfg(test)]
use outline::outline;

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

#[cfg(test)]
mod tests;

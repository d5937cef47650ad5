//! The cell layout of the gap analysis: squares or pointy-top hexagons of one area, the cell
//! holding a point, a cell's corners on the integer corner lattice, its neighbours and its id.

use geo::{Coord, LineString, Polygon};

use super::{CellKey, CellShape, MAX_CELL_INDEX};

/// A point of the corner lattice (see the module docs).
pub(super) type Vertex = [i64; 2];

/// Counter-clockwise corner offsets of a hexagon on the lattice, from its centre.
pub(super) const HEX_CORNERS: [Vertex; 6] = [[1, 1], [0, 2], [-1, 1], [-1, -1], [0, -2], [1, -1]];
/// Counter-clockwise corner offsets of a square from its lower-left corner.
pub(super) const SQUARE_CORNERS: [Vertex; 4] = [[0, 0], [1, 0], [1, 1], [0, 1]];
/// Axial offsets of a hexagon's six neighbours.
pub(super) const HEX_NEIGHBOURS: [(i32, i32); 6] = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)];
/// (row, column) offsets of a square's four edge neighbours.
pub(super) const SQUARE_NEIGHBOURS: [(i32, i32); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

/// The cell layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Grid {
    pub(super) cell_m: f64,
    pub(super) shape: CellShape,
    /// Hexagon side, metres (unused for squares).
    pub(super) side: f64,
}

impl Grid {
    pub(super) fn new(cell_m: f64, shape: CellShape) -> Grid {
        Grid { cell_m, shape, side: cell_m * (2.0 / (3.0 * 3f64.sqrt())).sqrt() }
    }

    /// The cell holding point `p` (metres); `None` when its coordinates would not fit.
    pub(super) fn key_of(&self, p: [f64; 2]) -> Option<CellKey> {
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
    pub(super) fn corners(&self, k: CellKey) -> impl Iterator<Item = Vertex> + use<> {
        let (a, b) = (i64::from(k.0), i64::from(k.1));
        let (base, offsets): (Vertex, &'static [Vertex]) = match self.shape {
            CellShape::Square => ([b, a], &SQUARE_CORNERS),
            CellShape::Hex => ([2 * a + b, 3 * b], &HEX_CORNERS),
        };
        offsets.iter().map(move |o| [base[0] + o[0], base[1] + o[1]])
    }

    /// A lattice point in metres.
    pub(super) fn metres(&self, v: Vertex) -> Coord<f64> {
        match self.shape {
            CellShape::Square => Coord { x: v[0] as f64 * self.cell_m, y: v[1] as f64 * self.cell_m },
            CellShape::Hex => {
                Coord { x: v[0] as f64 * self.side * 3f64.sqrt() / 2.0, y: v[1] as f64 * self.side / 2.0 }
            }
        }
    }

    /// A cell's centre, metres.
    pub(super) fn centre(&self, k: CellKey) -> [f64; 2] {
        let (a, b) = (f64::from(k.0), f64::from(k.1));
        match self.shape {
            CellShape::Square => [(b + 0.5) * self.cell_m, (a + 0.5) * self.cell_m],
            CellShape::Hex => [3f64.sqrt() * self.side * (a + b / 2.0), 1.5 * self.side * b],
        }
    }

    /// The cells sharing an edge with `k`.
    pub(super) fn neighbours(&self, k: CellKey) -> impl Iterator<Item = CellKey> + use<> {
        let offsets: &'static [(i32, i32)] = match self.shape {
            CellShape::Square => &SQUARE_NEIGHBOURS,
            CellShape::Hex => &HEX_NEIGHBOURS,
        };
        offsets.iter().filter_map(move |&(da, db)| Some(CellKey(k.0.checked_add(da)?, k.1.checked_add(db)?)))
    }

    pub(super) fn id(&self, k: CellKey) -> String {
        match self.shape {
            CellShape::Square => format!("r{}c{}", k.0, k.1),
            CellShape::Hex => format!("q{}r{}", k.0, k.1),
        }
    }

    pub(super) fn polygon(&self, k: CellKey) -> Polygon<f64> {
        Polygon::new(LineString(self.corners(k).map(|v| self.metres(v)).collect()), Vec::new())
    }
}

/// Rounds fractional axial coordinates to the hexagon holding them (cube rounding).
pub(super) fn hex_round(q: f64, r: f64) -> (f64, f64) {
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

/// A cell key as one integer with the same order.
pub(super) fn pack(k: CellKey) -> u64 {
    (u64::from(k.0 as u32 ^ 0x8000_0000) << 32) | u64::from(k.1 as u32 ^ 0x8000_0000)
}

/// The inverse of [`pack`].
pub(super) fn unpack(v: u64) -> CellKey {
    CellKey(((v >> 32) as u32 ^ 0x8000_0000) as i32, (v as u32 ^ 0x8000_0000) as i32)
}

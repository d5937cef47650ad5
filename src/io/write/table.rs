//! The row model every output layer is written from: a [`Table`] of [`Column`]s whose rows
//! give [`Cell`] values, a geometry and a representative point (the GeoJSON, CSV and shapefile
//! writers all read the same table).

use geo::Geometry;

use crate::io::layer::Value;
use crate::io::shapefile::FieldKind;

/// One attribute column of an output layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Name in GeoJSON and CSV.
    pub name: String,
    /// Name in the DBF (≤ 10 characters).
    pub dbf: String,
    /// Kind for the DBF.
    pub kind: FieldKind,
}

pub(super) fn col(name: impl Into<String>, dbf: impl Into<String>, kind: FieldKind) -> Column {
    Column { name: name.into(), dbf: dbf.into(), kind }
}

pub(super) const TEXT: FieldKind = FieldKind::Text;
pub(super) const BOOL: FieldKind = FieldKind::Bool;
pub(super) const NUM1: FieldKind = FieldKind::Number { decimals: 1 };
pub(super) const NUM0: FieldKind = FieldKind::Number { decimals: 0 };

/// One value of an output row, borrowing text from the analysis where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Null / empty cell.
    Null,
    /// true / false.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text borrowed from the analysis.
    Str(&'a str),
    /// Text made for this row.
    Owned(String),
}

impl Cell<'_> {
    pub(super) fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Number(x) => Value::Number(*x),
            Cell::Str(t) => Value::Text((*t).to_owned()),
            Cell::Owned(t) => Value::Text(t.clone()),
        }
    }
}

/// Fills a row's values.
pub(super) type RowFn<'a> = Box<dyn for<'r> Fn(usize, &'r mut Vec<Cell<'a>>) + Sync + 'a>;
/// A row's geometry (WGS84) and representative point.
pub(super) type GeometryFn<'a> = Box<dyn Fn(usize) -> (&'a Geometry<f64>, [f64; 2]) + Sync + 'a>;

/// An output layer: columns, and for each row its values, geometry and representative point.
pub struct Table<'a> {
    /// Attribute columns.
    pub columns: Vec<Column>,
    /// Number of rows.
    pub rows: usize,
    pub(super) row: RowFn<'a>,
    pub(super) geometry: GeometryFn<'a>,
}

impl<'a> Table<'a> {
    /// Fills `out` with row `i`'s values.
    pub fn values(&self, i: usize, out: &mut Vec<Cell<'a>>) {
        out.clear();
        (self.row)(i, out);
    }
}

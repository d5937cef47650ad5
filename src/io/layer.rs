//! `Layer`: what every reader produces — features with a geometry in the file's own CRS and
//! attribute values aligned to one list of field names.

use std::path::PathBuf;

use geo::Geometry;

use crate::crs::Crs;

/// An attribute value as read from any format.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Absent or JSON null or an empty cell.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl Value {
    /// The value as text for messages and ids (numbers without a trailing `.0`).
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Text(s) => Some(s.clone()),
        }
    }
}

/// Formats a number for ids and messages: integers without a decimal point.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

/// One feature of a layer.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// Zero-based position in the file (data row for CSV, record for shapefiles).
    pub index: usize,
    /// The format's own feature id (GeoJSON `id` member), when present.
    pub fid: Option<String>,
    /// The geometry in the layer's CRS; `None` for a null or unreadable geometry.
    pub geometry: Option<Geometry<f64>>,
    /// Why the geometry could not be read: the field concerned (`geometry`, or a CSV
    /// coordinate column) and the message. Reported by the loader, which knows the feature's id.
    pub geometry_problem: Option<Box<(String, String)>>,
    /// What the reader mended in an otherwise readable geometry (a ring it closed), for the
    /// loader to report as a repair.
    pub geometry_note: Option<Box<String>>,
    /// Attribute values, aligned with [`Layer::fields`] (shorter when trailing fields are absent).
    pub values: Vec<Value>,
}

impl RawFeature {
    /// The value of field `column`, `Null` when absent.
    pub fn value(&self, column: usize) -> &Value {
        self.values.get(column).unwrap_or(&Value::Null)
    }
}

/// A layer read from one file.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The file it came from.
    pub path: PathBuf,
    /// Field names in first-seen order.
    pub fields: Vec<String>,
    /// The features in file order.
    pub features: Vec<RawFeature>,
    /// The CRS the file declares (GeoJSON `crs` member, shapefile `.prj`), if any.
    pub declared_crs: Option<Crs>,
    /// The data's attribution (a GeoJSON collection's `attribution` member, as `import-osm`
    /// writes it), carried into summary.json and the report.
    pub attribution: Option<String>,
}

impl Layer {
    /// Column index of a field by exact name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }
}

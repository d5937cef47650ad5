//! Reading inputs and writing results. Readers produce a [`Layer`] (geometry in the file's own
//! CRS, attributes aligned to field names); [`load`] validates it into model types in WGS84;
//! [`mod@write`] writes the analysis layers.

pub mod csv_read;
pub mod fields;
pub mod geojson_read;
pub mod layer;
pub mod load;
pub mod output;
pub mod shapefile;
pub mod write;

use std::path::Path;

use encoding_rs::Encoding;

pub use fields::{FieldMap, Role};
pub use layer::{Layer, RawFeature, Value};

use crate::error::{Error, Location, Result};
use crate::progress::{Progress, Step};

/// Options for reading a layer.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field-name overrides (`--field role=NAME`).
    pub fields: FieldMap,
    /// Encoding of DBF text when no .cpg says (`--dbf-encoding`).
    pub dbf_encoding: Option<&'static Encoding>,
    /// Encoding of a CSV (`--csv-encoding`); detected when `None`.
    pub csv_encoding: Option<&'static Encoding>,
}

/// Parses an encoding label such as `utf-8`, `gbk`, `gb18030`, `936`, `cp936` (the same
/// labels a shapefile's .cpg may hold).
pub fn parse_encoding(label: &str) -> Result<&'static Encoding> {
    shapefile::encoding_for_label(label)
        .ok_or_else(|| Error::Option(format!("unknown text encoding '{label}': use utf-8, gbk or gb18030")))
}

/// Reads a layer, choosing the format by extension: `.geojson`/`.json`, `.shp`, `.csv`,
/// reporting the read as one step `"reading <file name>"` to `progress`: in bytes of the file for
/// GeoJSON, in features for a shapefile, of unknown size for CSV.
pub fn read_layer(path: &Path, opts: &ReadOptions, progress: &dyn Progress) -> Result<Layer> {
    if !path.exists() {
        return Err(Error::input(Location::file(path), "no such file"));
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_lowercase).unwrap_or_default();
    let name = format!("reading {}", path.file_name().unwrap_or(path.as_os_str()).to_string_lossy());
    match ext.as_str() {
        "geojson" | "json" => geojson_read::read_geojson(path, progress),
        "shp" => shapefile::read_shapefile_reporting(path, opts.dbf_encoding, progress, &name),
        "csv" | "txt" => {
            let _step = Step::begin(progress, &name, None);
            csv_read::read_csv(path, opts.csv_encoding, &opts.fields)
        }
        _ => Err(Error::input(
            Location::file(path),
            "unknown file type: use .geojson/.json, .shp (with .dbf/.shx) or .csv",
        )),
    }
}

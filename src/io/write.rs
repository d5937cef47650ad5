//! Writers for the analysis layers: one column definition per layer (households, facilities)
//! written as GeoJSON (RFC 7946, or with a `crs` member when not WGS84), CSV (UTF-8 with BOM)
//! or a point shapefile (field names cut to DBF's 10 characters by a fixed table).
//!
//! Shapefile field names: `id`, `households`, `population`, `elderly`, `d_<code>` (dist_),
//! `n_<code>` (nearest_), `k_<code>` (ok_), `missing`, `miss_list`, `cmpl_5min`, `cmpl_10min`,
//! `cmpl_15min`, `complete`, `eldland15` (elderly_land_per_capita_15min), and in a network analysis `e_<code>` (euclid_), `w_<code>`
//! (walk_min_) and `snap_m`, where `<code>` is the category's `dbf_code` (see
//! `lifecircle standards show`); facilities: `id`, `category`, `name`, `capacity`, `land_m2`,
//! `floor_m2`, `households`, `population` (and `snap_m`).
//!
//! One job per file: `table` (the row model), `layers` (the columns of each layer), `geojson`
//! (the one GeoJSON writer, [`write_geojson_collection`], also used by import-osm), `csv`,
//! `shp`, `gaps` (gaps.geojson), `outputs` (the output set of a run); `text` and `blocks` hold
//! the number formatting and the ordered parallel writing they share.

use std::path::Path;

use crate::error::Error;
use crate::progress::{Progress, Step};

mod blocks;
mod csv;
mod gaps;
mod geojson;
mod layers;
mod outputs;
mod shp;
mod table;
mod text;

#[cfg(feature = "osm")]
pub use geojson::{CollectionHead, write_geojson_collection};
pub use outputs::{Extras, OutputFormat, WriteOptions, output_names, write_outputs_into};

/// Maps an I/O error on `path` to [`Error::Write`].
fn werr(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| Error::Write { path: path.into(), cause }
}

/// Begins the step "writing <file name of `path`>" of `rows` rows on `progress`.
fn file_step<'p>(progress: &'p dyn Progress, path: &Path, rows: usize) -> Step<'p> {
    let name = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy();
    Step::begin(progress, &format!("writing {name}"), Some(rows as u64))
}

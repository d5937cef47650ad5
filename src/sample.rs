//! The bundled sample (real central Helsinki, see `data/README.md`), compiled into the library
//! so `lifecircle analyze` runs without arguments from any folder.

use std::path::Path;

use crate::error::Result;
use crate::io::Layer;
use crate::io::geojson_read::read_geojson_bytes;

/// data/residences.geojson as bundled.
pub const RESIDENCES_GEOJSON: &str = include_str!("../data/residences.geojson");
/// data/services.geojson as bundled.
pub const SERVICES_GEOJSON: &str = include_str!("../data/services.geojson");

/// Name used for the embedded residences in messages and reports.
pub const RESIDENCES_NAME: &str = "data/residences.geojson (bundled sample)";
/// Name used for the embedded services in messages and reports.
pub const SERVICES_NAME: &str = "data/services.geojson (bundled sample)";

/// The sample's residences layer.
pub fn residences() -> Result<Layer> {
    read_geojson_bytes(Path::new(RESIDENCES_NAME), RESIDENCES_GEOJSON.as_bytes())
}

/// The sample's services layer.
pub fn services() -> Result<Layer> {
    read_geojson_bytes(Path::new(SERVICES_NAME), SERVICES_GEOJSON.as_bytes())
}

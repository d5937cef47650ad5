//! Importing an OpenStreetMap extract (PBF or XML) into analysis-ready layers (`lifecircle import-osm`):
//!
//! * **residences**: residential buildings ([`residences::RESIDENTIAL_BUILDING_VALUES`], and
//!   `building=yes` inside `landuse=residential`) from ways and multipolygon relations, with
//!   footprint, storeys, floor area, households and population by a [`HouseholdModel`];
//! * **services**: objects mapped to the profile's categories by a [`Mapping`] table (built-in:
//!   `src/osm/mapping.toml`) with the tag that matched: nodes as points, ways and multipolygons as
//!   their polygons with their land area (`land_area_m2`);
//! * **network**: the walkable ways ([`network::WALKABLE_HIGHWAYS`]) split at shared nodes;
//! * **zones**: administrative boundaries at one `admin_level`, when the extract has any.
//!
//! With a population layer (points or polygons with a population attribute), each feature's
//! population is spread over the residential buildings inside it in proportion to floor area,
//! in tenths of a person by the largest-remainder method so each feature's total is kept.
//! Output is deterministic: features sorted by OSM id, coordinates rounded to 7 decimals.

//!
//! One job per file: [`read`] (PBF and XML extracts into [`Osm`]), `import` (options, filter,
//! services, zones, [`import_osm`]), [`residences`], [`network`], `population` (a population
//! layer over the buildings), `layers` (the import as in-memory layers), `report` (the printed
//! account) and `write` (the GeoJSON files, through [`crate::io::write::write_geojson_collection`]).

mod import;
mod layers;
pub(crate) mod mapping;
pub(crate) mod network;
pub(crate) mod population;
pub(crate) mod read;
mod report;
pub(crate) mod residences;
pub(crate) mod write;
pub(crate) mod xml;

// The import (`import_osm` and what it returns) and the extract reader/writer (`read_osm`,
// `write_xml`: an extract in, the same elements out as .osm XML) are the public face of this
// module; the rest is the crate's, reachable for examples through `lifecircle::internals`.
pub use import::{DEFAULT_ADMIN_LEVEL, ImportOptions, OsmImport, Service, ServiceStats, Zone, import_osm};
pub use mapping::{BUILT_IN_MAPPING, Mapping};
pub use network::{NetworkStats, Segment};
pub use population::PopulationStats;
pub use read::{KeepAll, Osm, read_osm};
pub use residences::{
    Building, DEFAULT_HOUSEHOLD_SIZE, DEFAULT_LEVELS, DEFAULT_M2_PER_HOUSEHOLD, HouseholdModel, ResidenceStats,
};
pub use write::OUTPUT_NAMES;
pub use xml::write_xml;
// What the fuzz targets drive (src/fuzzing.rs).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use {
    read::{Filter, Kind, OsmId, read_pbf},
    xml::read_xml,
};

/// Attribution written into every layer.
pub const ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)";

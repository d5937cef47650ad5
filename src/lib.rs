//! # lifecircle — 15-minute community life-circle planning (15分钟社区生活圈)
//!
//! For every residence, lifecircle measures the distance to the nearest facility of each
//! everyday-service category (clinic, market, kindergarten, elderly day care...) and judges it
//! against a standard profile's radius, flagging missing services and incomplete 5-, 10- and
//! 15-minute life circles.
//!
//! ## Pipeline
//! A [`Job`] is the one way through: [`Job::run`] takes the [`Inputs`] (layers read with
//! [`read_layer`]), the options it holds and a [`Progress`] ([`SILENT`] for none), and returns one
//! [`Outcome`]. In order it
//! 0. (before it, optionally, feature `osm`) [`osm::import_osm`] imports an OpenStreetMap
//!    extract (.osm.pbf or .osm XML) into residences (with a household estimate), services (tags
//!    mapped to the profile's categories), a walking network and administrative zones
//!    (`lifecircle import-osm`, `lifecircle analyze --osm`); [`read_layer`] reads residences,
//!    services, network and zones (GeoJSON, Shapefile, CSV) into [`Layer`]s;
//! 1. checks the options ([`Job::check_options`]; the `--distance` × `--network` rule is
//!    [`network_source`]) and locks the output folder;
//! 2. validates every layer into [`Residence`]s, [`Facility`]s and [`Zone`]s, converting
//!    coordinates to WGS84 ([`Crs`]: WGS84, CGCS2000 and its Gauss-Krüger zones, UTM, GCJ-02,
//!    BD-09) and repairing invalid polygons;
//! 3. runs the engine: every point into a local transverse Mercator in metres, one R-tree per
//!    category of need, each residence's nearest facility per category in parallel, judged
//!    against a [`StandardProfile`]; with a walking network ([`NetworkOptions`]) it merges nodes
//!    within a tolerance, drops small components, honours one-way lines, snaps every point onto
//!    it and judges coverage by the walk: one multi-source Dijkstra per category with the
//!    radius as cutoff;
//! 4. bins residences into square or hexagonal cells and dissolves, per category, the cells of
//!    uncovered households into ranked gap areas ([`Gaps`]);
//! 5. measures every zone against the profile's indicators ([`ZoneReport`]);
//! 6. builds the [`Summary`] once, complete;
//! 7. draws the service areas along the network ([`Catchment`]s);
//! 8. writes households, facilities, catchments, zones, gaps and summary.json ([`WriteOptions`]),
//!    and with `Job::report` (feature `report`) the committee report, all or nothing;
//! 9. returns the [`Analysis`], the summary, gaps, zones, catchments, the files written, timings
//!    and typed [`Warning`]s in the [`Outcome`].
//!
//! Every step that can take long reports how far it is to the [`Progress`] (the command line
//! draws it as bars on stderr).
//!
//! ## Features
//! - `cli` (default): the `lifecircle` command (implies `osm` and `report`).
//! - `report` (default): report.html, map.svg and map.png (resvg, the embedded CJK font).
//! - `osm` (default): the OpenStreetMap import ([`osm`]).
//! - `bench-internals`: doc-hidden engine internals for benches and examples; not an API.
//!
//! ## Glossary
//! - **life circle** (生活圈): the area within a 5-, 10- or 15-minute walk of a home, which
//!   should hold a given set of services (GB 50180-2018 Table 3.0.4).
//! - **category**: a kind of facility in a profile (`clinic`, `market`...), with a radius,
//!   a tier, a cohort and the categories it "also serves".
//! - **covered**: the nearest facility serving a category lies within its radius.
//! - **gap**: a required category not covered; a life circle is **complete** when no required
//!   category of its tier or a lower tier is missing.
//!
//! ## Example
//! ```no_run
//! use lifecircle::{Inputs, Job, ReadOptions, SILENT, StandardProfile, read_layer};
//! let profile = StandardProfile::built_in("gb50180-2018")?;
//! let opts = ReadOptions::default();
//! let inputs = Inputs {
//!     residences: read_layer("data/residences.geojson".as_ref(), &opts, SILENT)?,
//!     services: read_layer("data/services.geojson".as_ref(), &opts, SILENT)?,
//!     network: None,
//!     zones: None,
//! };
//! let outcome = Job::new(profile, "lifecircle-out".as_ref()).run(inputs, SILENT)?;
//! println!("{:?}", outcome.summary.complete_share_15min);
//! for warning in &outcome.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! # Ok::<(), lifecircle::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod analysis;
mod crs;
mod error;
#[cfg(any(test, feature = "bench-internals"))]
#[doc(hidden)]
pub mod fixtures;
#[cfg(any(all(test, feature = "osm"), feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod geom;
mod index;
mod io;
mod job;
mod model;
mod network;
#[cfg(feature = "osm")]
pub mod osm;
mod progress;
#[cfg(feature = "report")]
mod render;
#[cfg(feature = "report")]
mod report;
pub mod sample;
pub mod standards;

#[cfg(test)]
mod properties_tests;

// The public API, in the glossary's order: the pipeline, its inputs and outcome, what a caller
// reads from the analysis and the summary, then reading, writing, the report and errors.

// The pipeline: `Job::run(inputs, progress) -> Outcome`.
pub use job::{Inputs, Job, NetworkSource, Outcome, StepTiming, Warning, file_list, network_source, osm_zones_apply};
pub use progress::{NoProgress, Progress, SILENT, Step};
pub use standards::StandardProfile;

// The options a `Job` holds.
pub use analysis::catchments::DEFAULT_CATCHMENT_BUFFER_M;
pub use analysis::gaps::DEFAULT_CELL_M;
pub use analysis::{
    AnalysisOptions, CatchmentMode, CellShape, DEFAULT_ELDERLY_SPEED_M_S, DEFAULT_SPEED_M_S, DistanceModel, Judge,
};
pub use network::NetworkOptions;

// What a caller reads from the outcome: the analysis, the summary and its parts.
pub use analysis::indicators::{
    Denominator, FacilityField, IndicatorSummary, IndicatorValue, Note, Status, ZoneReport, ZoneStats, ZoneSummary,
};
pub use analysis::{
    Analysis, Catchment, CategorySummary, Coverage, ElderlyLandAccess, ElderlyLandSummary, GapArea, GapCell, Gaps,
    GapsSummary, InputSummary, NetworkAnalysis, NetworkSummary, Reach, ResidenceVerdict, Summary, ZoneKind,
};
pub use model::{Facility, Residence, Zone};

// Coordinates.
pub use crs::{Crs, CrsError};

// Reading layers and validating them.
pub use io::load::{DEFAULT_HOUSEHOLD_SIZE, LayerRole, RepairedGeometry, ResidenceOptions};
pub use io::{FieldMap, Layer, RawFeature, ReadOptions, Role, Value, parse_encoding, read_layer};

// Writing the outputs.
pub use io::output::{MANIFEST, ManifestMode, OutputDir};
pub use io::write::{OutputFormat, WriteOptions};

// The committee report (feature `report`).
#[cfg(feature = "report")]
pub use report::{Lang, ReportOptions, ReportOutput, parse_map_size, write_report};

// Errors.
pub use error::{Error, Location, Result};

/// What benches, examples and fuzz targets time or drive inside the crate: not a public API,
/// compiled only with the `bench-internals` feature and free to change in any release.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::analysis::indicators::ZoneSource;
    pub use crate::analysis::zones::ZoneIndex;
    pub use crate::analysis::{analyze, project, round_decimetre};
    pub use crate::crs::LocalProjection;
    pub use crate::crs::gcj02;
    pub use crate::index::{FacilityIndex, hilbert_order};
    pub use crate::io::load::{load_facilities, load_residences};
    pub use crate::io::shapefile::read_shapefile;
    pub use crate::model::ZoneAttributes;
    pub use crate::network::catchment::{catchment_polygon, dissolve};
    pub use crate::network::{DijkstraScratch, Direction, Snap, WalkingNetwork};
    #[cfg(feature = "osm")]
    pub use crate::osm::{
        ATTRIBUTION,
        mapping::isced_levels,
        network::is_walkable,
        population::apportion,
        read::{Broken, Coords, Kind, OsmId, Tags, read_pbf},
        residences::{NON_RESIDENTIAL_KEYS, parse_levels},
        write::write_feature_collection,
    };
    #[cfg(feature = "report")]
    pub use crate::report::MAX_POINTS;
}

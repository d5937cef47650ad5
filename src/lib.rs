//! # lifecircle — 15-minute community life-circle planning (15分钟社区生活圈)
//!
//! For every residence, lifecircle measures the distance to the nearest facility of each
//! everyday-service category (clinic, market, kindergarten, elderly day care...) and judges it
//! against a standard profile's radius, flagging missing services and incomplete 5-, 10- and
//! 15-minute life circles.
//!
//! ## Pipeline
//! 0. optionally, [`osm`] imports an OpenStreetMap extract (.osm.pbf or .osm XML) into residences (with a
//!    household estimate), services (tags mapped to the profile's categories), a walking network
//!    and administrative zones (`lifecircle import-osm`, `lifecircle analyze --osm`);
//! 1. [`io`] reads residences and services (GeoJSON, Shapefile, CSV) into a [`io::Layer`] and
//!    validates it into [`model`] types, converting coordinates to WGS84 with [`crs`]
//!    (WGS84, CGCS2000 and its Gauss-Krüger zones, UTM, GCJ-02, BD-09);
//! 2. [`analysis::project`] puts every point into a local transverse Mercator in metres;
//! 3. [`index::FacilityIndex`] holds one R-tree per category of need;
//! 4. [`analysis::analyze`] finds each residence's nearest facility per category in parallel
//!    and judges coverage against a [`standards::StandardProfile`];
//! 5. with a walking network, [`analysis::analyze_with_network`] builds a [`network::WalkingNetwork`]
//!    (nodes merged within a tolerance, small components dropped, one-way lines honoured), snaps
//!    every point onto it and judges coverage by the walk: one multi-source Dijkstra per category
//!    with the radius as cutoff; [`analysis::Analysis::catchments`] draws service areas;
//! 6. [`analysis::Analysis::gaps`] bins residences into square or hexagonal cells and dissolves,
//!    per category, the cells of uncovered households into ranked gap areas;
//! 7. [`io::write`] writes households, facilities, catchments, gaps and summary layers.
//!
//! Every step that can take long reports how far it is to a [`progress::Progress`]
//! ([`Job::run_inputs_with_progress`]; the command line draws it as bars on stderr).
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
//! use lifecircle::{io, analysis, standards::StandardProfile};
//! let profile = StandardProfile::built_in("gb50180-2018")?;
//! let opts = io::ReadOptions::default();
//! let res_layer = io::read_layer("data/residences.geojson".as_ref(), &opts)?;
//! let svc_layer = io::read_layer("data/services.geojson".as_ref(), &opts)?;
//! let residences = io::load::residences_from_layer(res_layer, &opts.fields, None, &Default::default())?;
//! let services = io::load::facilities_from_layer(svc_layer, &opts.fields, None, &profile, false)?;
//! let a = analysis::analyze(profile, residences, services.facilities, Default::default())?;
//! println!("{:?}", a.summary().complete_share_15min);
//! # Ok::<(), lifecircle::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis;
pub mod crs;
pub mod error;
#[cfg(any(test, feature = "bench-internals"))]
#[doc(hidden)]
pub mod fixtures;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod geom;
pub mod index;
pub mod io;
pub mod job;
pub mod model;
pub mod network;
pub mod osm;
pub mod progress;
pub mod render;
pub mod report;
pub mod sample;
pub mod standards;

pub use error::{Error, Location, Result};
pub use job::{Job, JobReport};

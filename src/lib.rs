//! # lifecircle — 15-minute community life-circle planning (15分钟社区生活圈)
//!
//! For every residence, lifecircle measures the distance to the nearest facility of each
//! everyday-service category (clinic, market, kindergarten, elderly day care...) and judges it
//! against a standard profile's radius, flagging missing services and incomplete 5-, 10- and
//! 15-minute life circles.
//!
//! ## Pipeline
//! A [`Job`] is the one way through: [`Job::run`] takes the [`job::Inputs`] (layers), the
//! options it holds and a [`progress::Progress`] ([`progress::SILENT`] for none), and returns one
//! [`job::Outcome`]. In order it
//! 0. (before it, optionally) [`osm`] imports an OpenStreetMap extract (.osm.pbf or .osm XML)
//!    into residences (with a household estimate), services (tags mapped to the profile's
//!    categories), a walking network and administrative zones (`lifecircle import-osm`,
//!    `lifecircle analyze --osm`); [`io`] reads residences, services, network and zones
//!    (GeoJSON, Shapefile, CSV) into [`io::Layer`]s;
//! 1. checks the options ([`Job::check_options`]; the `--distance` × `--network` rule is
//!    [`job::network_source`]) and locks the output folder;
//! 2. validates every layer into [`model`] types, converting coordinates to WGS84 with [`crs`]
//!    (WGS84, CGCS2000 and its Gauss-Krüger zones, UTM, GCJ-02, BD-09) and repairing invalid
//!    polygons;
//! 3. runs the engine, [`analysis::analyze`]: every point into a local transverse Mercator in
//!    metres ([`analysis::project`]), one R-tree per category of need ([`index::FacilityIndex`]),
//!    each residence's nearest facility per category in parallel, judged against a
//!    [`standards::StandardProfile`]; with a walking network it builds a
//!    [`network::WalkingNetwork`] (nodes merged within a tolerance, small components dropped,
//!    one-way lines honoured), snaps every point onto it and judges coverage by the walk: one
//!    multi-source Dijkstra per category with the radius as cutoff;
//! 4. bins residences into square or hexagonal cells and dissolves, per category, the cells of
//!    uncovered households into ranked gap areas ([`analysis::Analysis::gaps`]);
//! 5. measures every zone against the profile's indicators ([`analysis::Analysis::zones`]);
//! 6. builds the [`analysis::Summary`] once, complete ([`analysis::Summary::new`]);
//! 7. draws the service areas along the network ([`analysis::Analysis::catchments`]);
//! 8. writes households, facilities, catchments, zones, gaps and summary.json ([`io::write`]),
//!    and with [`Job::report`] the committee report ([`report`]), all or nothing;
//! 9. returns the analysis, the summary, gaps, zones, catchments, the files written, timings
//!    and typed [`job::Warning`]s in the [`job::Outcome`].
//!
//! Every step that can take long reports how far it is to the [`progress::Progress`] (the
//! command line draws it as bars on stderr).
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
//! use lifecircle::job::{Inputs, Job};
//! use lifecircle::{io, progress, standards::StandardProfile};
//! let profile = StandardProfile::built_in("gb50180-2018")?;
//! let opts = io::ReadOptions::default();
//! let inputs = Inputs {
//!     residences: io::read_layer("data/residences.geojson".as_ref(), &opts, progress::SILENT)?,
//!     services: io::read_layer("data/services.geojson".as_ref(), &opts, progress::SILENT)?,
//!     network: None,
//!     zones: None,
//! };
//! let outcome = Job::new(profile, "lifecircle-out".as_ref()).run(inputs, progress::SILENT)?;
//! println!("{:?}", outcome.summary.complete_share_15min);
//! for warning in &outcome.warnings {
//!     eprintln!("warning: {warning}");
//! }
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
pub use job::{Inputs, Job, Outcome, Warning};

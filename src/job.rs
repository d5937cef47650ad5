//! `Job`: the one way through the pipeline — from input layers to written outputs, what
//! `lifecircle analyze` does, usable from Rust without the command line.
//!
//! [`Job::run`] checks the options, validates the layers, runs the analysis engine
//! ([`crate::analysis::analyze`]), finds the gaps, measures the zones, builds the [`Summary`]
//! once and complete, draws the catchments, writes every output (and the report) atomically,
//! and returns one [`Outcome`] with the typed [`Warning`]s the command line prints. The option
//! rules (`--grid` × `--zones`, `--distance` × `--network`, the OSM-footway rule...) live here
//! too, so that every caller gets them.

mod warnings;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use warnings::{Warning, file_list};

use crate::analysis::catchments::DEFAULT_CATCHMENT_BUFFER_M;
use crate::analysis::gaps::{CellShape, DEFAULT_CELL_M, check_cell_m};
use crate::analysis::indicators::{ZoneReport, ZoneSource};
use crate::analysis::{
    Analysis, AnalysisOptions, Catchment, CatchmentMode, DistanceModel, Gaps, InputSummary, Summary, SummaryParts,
};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::load::{
    LayerRole, ResidenceOptions, effective_crs, load_facilities, load_network, load_residences, load_zones,
};
use crate::io::output::{ManifestMode, OutputDir};
use crate::io::write::{Extras, WriteOptions, output_names, write_outputs_into};
use crate::io::{FieldMap, Layer};
use crate::progress::{Progress, Step};
#[cfg(feature = "report")]
use crate::report::{REPORT_OUTPUTS, ReportOptions, ReportOutput, write_report_into};
use crate::standards::StandardProfile;

/// Everything an analysis run needs besides its input layers.
#[derive(Debug, Clone)]
pub struct Job {
    /// The standard to judge against.
    pub profile: StandardProfile,
    /// Field-name overrides.
    pub fields: FieldMap,
    /// CRS of the residences when the file does not say (or to override it).
    pub residences_crs: Option<Crs>,
    /// CRS of the services when the file does not say (or to override it).
    pub services_crs: Option<Crs>,
    /// CRS of the walking network when the file does not say (or to override it).
    pub network_crs: Option<Crs>,
    /// CRS of the zones when the file does not say (or to override it).
    pub zones_crs: Option<Crs>,
    /// Without a zones layer: a regular grid of this many metres as zones (`--grid`), else the
    /// whole study area as one zone.
    pub grid_m: Option<f64>,
    /// Household/population rules.
    pub residence_options: ResidenceOptions,
    /// Unknown categories are an error instead of a warning.
    pub strict: bool,
    /// Analysis options (detour, judging, speeds, network building).
    pub analysis: AnalysisOptions,
    /// Output formats and CRS.
    pub write: WriteOptions,
    /// Service areas to write with a network (`--catchments`).
    pub catchments: CatchmentMode,
    /// Half-width of the buffer drawn around reached street parts, metres (`--catchment-buffer`).
    pub catchment_buffer_m: f64,
    /// Size of the gap cells in gaps.geojson, metres (`--cell`, default 250).
    pub cell_m: f64,
    /// Shape of the gap cells (`--cell-shape`, default square).
    pub cell_shape: CellShape,
    /// Credits of the data besides what the layers carry (`--attribution`), for summary.json,
    /// the report and the map.
    pub attribution: Vec<String>,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Also write the committee report (report.html, map.svg, map.png) with these options, as
    /// part of the same all-or-nothing set of outputs.
    #[cfg(feature = "report")]
    pub report: Option<ReportOptions>,
    /// Remove the files an earlier run wrote into `out_dir` that this run does not write
    /// (`--clean`; see [`crate::io::output`]).
    pub clean: bool,
    /// Files the run reads besides its layers (a TOML profile, say): no output may replace them.
    pub extra_inputs: Vec<PathBuf>,
    /// Reads the process's peak memory in bytes, recorded after each step in
    /// [`Outcome::timings`] (`None`: not recorded; the command line reads Linux's `VmHWM`).
    pub peak_memory: Option<fn() -> Option<u64>>,
}

/// The layers of one run.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Residences (`--residences`).
    pub residences: Layer,
    /// Services (`--services`).
    pub services: Layer,
    /// The walking network (`--network`), if any: coverage is then judged by the walk along it
    /// (`distance_model` "network"), the straight line measured beside it.
    pub network: Option<Layer>,
    /// Zones (`--zones`), if any; without them [`Job::grid_m`]'s grid, else the study area as
    /// one zone.
    pub zones: Option<Layer>,
}

/// The wall time of one step of a run, with the process's peak memory after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepTiming {
    /// The step: validate, analyse, gaps, zones, summarise, catchments, write, report.
    pub step: &'static str,
    /// Its wall time.
    pub wall: Duration,
    /// Peak memory after it, bytes (`None` without [`Job::peak_memory`] or where unknown).
    pub peak_memory: Option<u64>,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The analysis (residences, facilities, coverage, reach, network...); its `steps` time
    /// the parts of "analyse".
    pub analysis: Analysis,
    /// The summary, complete (as written to summary.json).
    pub summary: Summary,
    /// The gap cells and areas (as written to gaps.geojson).
    pub gaps: Gaps,
    /// The zones with their indicators (as written to zones.geojson).
    pub zones: ZoneReport,
    /// The service areas, with a network and [`Job::catchments`] other than none.
    pub catchments: Option<Vec<Catchment>>,
    /// Files written, in order.
    pub written: Vec<PathBuf>,
    /// Each step with its wall time and peak memory, for `--timings`.
    pub timings: Vec<StepTiming>,
    /// What the report step made, when [`Job::report`] asked for it.
    #[cfg(feature = "report")]
    pub report: Option<ReportOutput>,
    /// Files an earlier run left in the output folder that this run did not write.
    pub stale: Vec<PathBuf>,
    /// Files of an earlier run removed because of [`Job::clean`].
    pub removed: Vec<PathBuf>,
    /// Temporary files or folders of an interrupted earlier run that were removed.
    pub leftovers_removed: usize,
    /// What the caller should be told (unreachable points, overlapping zones, unknown
    /// categories, repaired polygons, files of earlier runs...), in the order to tell it.
    pub warnings: Vec<Warning>,
}

/// Where the walking network of a run comes from: what [`network_source`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkSource {
    /// No network: coverage is judged by the straight line.
    None,
    /// The network layer given (`--network`).
    Given,
    /// The walkable ways of the OpenStreetMap extract (`--osm`).
    Osm,
}

/// The `--distance` × `--network` rule: which network a run walks, from the distance model
/// asked for (`None`: network when there is one, else euclidean), whether a network layer was
/// given, and, for an OpenStreetMap extract, whether its walkable ways include footways (`None`
/// without an extract). An extract's ways are the network when they include footways or when
/// the network distance is asked for, unless a network layer is given.
pub fn network_source(
    distance: Option<DistanceModel>,
    given: bool,
    osm_footways: Option<bool>,
) -> Result<NetworkSource> {
    let osm = osm_footways.is_some_and(|footways| footways || distance == Some(DistanceModel::Network));
    match (distance, given) {
        (None | Some(DistanceModel::Network), true) => Ok(NetworkSource::Given),
        (None | Some(DistanceModel::Network), false) if osm => Ok(NetworkSource::Osm),
        (Some(DistanceModel::Network), false) => {
            Err(Error::Option("--distance network needs a walking network: give it with --network PATH".into()))
        }
        (None | Some(DistanceModel::Euclidean), false) => Ok(NetworkSource::None),
        (Some(DistanceModel::Euclidean), true) => {
            Err(Error::Option("--network is only used with --distance network: drop one of them".into()))
        }
    }
}

/// The OSM-zones rule: an OpenStreetMap extract's administrative boundaries are the zones of a
/// run unless a zones layer (`--zones`) or a grid (`--grid`) is given.
pub fn osm_zones_apply(zones_given: bool, grid_given: bool) -> bool {
    !zones_given && !grid_given
}

/// The steps of a run so far, timed.
struct Clock {
    timings: Vec<StepTiming>,
    started: Instant,
    peak_memory: Option<fn() -> Option<u64>>,
}

impl Clock {
    fn lap(&mut self, step: &'static str) {
        let peak_memory = self.peak_memory.and_then(|read| read());
        self.timings.push(StepTiming { step, wall: self.started.elapsed(), peak_memory });
        self.started = Instant::now();
    }
}

impl Job {
    /// A job with default options writing to `out_dir`.
    pub fn new(profile: StandardProfile, out_dir: &Path) -> Job {
        Job {
            profile,
            fields: FieldMap::default(),
            residences_crs: None,
            services_crs: None,
            network_crs: None,
            zones_crs: None,
            grid_m: None,
            residence_options: ResidenceOptions::default(),
            strict: false,
            analysis: AnalysisOptions::default(),
            write: WriteOptions::default(),
            catchments: CatchmentMode::default(),
            catchment_buffer_m: DEFAULT_CATCHMENT_BUFFER_M,
            cell_m: DEFAULT_CELL_M,
            cell_shape: CellShape::default(),
            attribution: Vec::new(),
            out_dir: out_dir.to_path_buf(),
            #[cfg(feature = "report")]
            report: None,
            clean: false,
            extra_inputs: Vec::new(),
            peak_memory: None,
        }
    }

    /// Checks the options that do not depend on the layers: household size and default
    /// households, the gap cell size and the grid. [`Job::run`] checks them first; a caller may
    /// check them before it reads any layer.
    pub fn check_options(&self) -> Result<()> {
        let ResidenceOptions { household_size, default_households } = self.residence_options;
        if !(household_size.is_finite() && household_size > 0.0) {
            return Err(Error::Option(format!("--household-size {household_size} must be a positive number")));
        }
        if let Some(h) = default_households
            && !(h.is_finite() && h >= 0.0)
        {
            return Err(Error::Option(format!("--default-households {h} must be a non-negative number")));
        }
        check_cell_m(self.cell_m)?;
        if let Some(m) = self.grid_m
            && !(m.is_finite() && m > 0.0)
        {
            return Err(Error::Option(format!("--grid {m} must be a positive number of metres")));
        }
        Ok(())
    }

    /// [`Job::check_options`] and the rules that depend on which layers are given.
    fn check(&self, inputs: &Inputs) -> Result<()> {
        self.check_options()?;
        if self.grid_m.is_some() && inputs.zones.is_some() {
            return Err(Error::Option("--grid and --zones cannot be used together".into()));
        }
        if inputs.network.is_some()
            && self.catchments != CatchmentMode::None
            && !(self.catchment_buffer_m.is_finite() && self.catchment_buffer_m > 0.0)
        {
            return Err(Error::Option(format!(
                "--catchment-buffer {} must be a positive number of metres",
                self.catchment_buffer_m
            )));
        }
        Ok(())
    }

    /// Each input layer's role, file, feature count and CRS, and the credits of the data (each
    /// once: the layers' own, then `self.attribution`).
    fn describe_inputs(&self, inputs: &Inputs) -> (Vec<InputSummary>, Vec<String>) {
        let layers = [
            (LayerRole::Residences, Some(&inputs.residences), self.residences_crs.as_ref()),
            (LayerRole::Services, Some(&inputs.services), self.services_crs.as_ref()),
            (LayerRole::Network, inputs.network.as_ref(), self.network_crs.as_ref()),
            (LayerRole::Zones, inputs.zones.as_ref(), self.zones_crs.as_ref()),
        ];
        let mut described = Vec::new();
        let mut credits: Vec<String> = Vec::new();
        for (role, layer, flag) in layers {
            let Some(layer) = layer else { continue };
            described.push(InputSummary {
                role,
                path: layer.path.display().to_string(),
                features: layer.features.len(),
                crs: effective_crs(layer, flag).0.label(),
            });
            // "A; B" credits two sources: keep each once.
            credits.extend(layer.attribution.iter().flat_map(|a| a.split("; ")).map(|a| a.trim().to_owned()));
        }
        credits.extend(self.attribution.iter().cloned());
        let mut seen = std::collections::HashSet::new();
        credits.retain(|c| !c.trim().is_empty() && seen.insert(c.clone()));
        (described, credits)
    }

    /// Runs the whole pipeline on `inputs`: checks the options, validates every layer, analyses
    /// (along the network when there is one), finds the gap cells and areas, measures the zones,
    /// summarises, draws the catchments and writes every output (and the report when
    /// [`Job::report`] asks for it), reporting each step to `progress`
    /// ([`crate::progress::SILENT`] for none).
    ///
    /// Nothing is written unless all inputs are valid and the analysis succeeded; outputs appear
    /// atomically. The layers are consumed: their memory is freed as they are validated.
    pub fn run(&self, inputs: Inputs, progress: &dyn Progress) -> Result<Outcome> {
        self.check(&inputs)?;
        // The output folder is locked and checked against every input before any work is done.
        let mut input_paths: Vec<PathBuf> =
            [Some(&inputs.residences), Some(&inputs.services), inputs.network.as_ref(), inputs.zones.as_ref()]
                .into_iter()
                .flatten()
                .map(|l| l.path.clone())
                .collect();
        input_paths.extend(self.extra_inputs.iter().cloned());
        let mut out = OutputDir::open(&self.out_dir, "analyze", &input_paths, ManifestMode::Replace)?;
        let with_catchments = inputs.network.is_some() && self.catchments != CatchmentMode::None;
        out.check_names(&output_names(&self.write, with_catchments, true, true))?;
        #[cfg(feature = "report")]
        if self.report.is_some() {
            out.check_names(&REPORT_OUTPUTS)?;
        }
        let mut clock = Clock { timings: Vec::new(), started: Instant::now(), peak_memory: self.peak_memory };
        let (described, attribution) = self.describe_inputs(&inputs);
        let services_path = inputs.services.path.clone();
        let Inputs { residences, services, network, zones } = inputs;
        let (fields, p) = (&self.fields, progress);
        let res = load_residences(residences, fields, self.residences_crs.as_ref(), &self.residence_options, p)?;
        let fac = load_facilities(services, fields, self.services_crs.as_ref(), &self.profile, self.strict, p)?;
        let lines = network.map(|n| load_network(n, fields, self.network_crs.as_ref(), p)).transpose()?;
        let zones = zones.map(|z| load_zones(z, fields, self.zones_crs.as_ref(), p)).transpose()?;
        // Invalid polygons repaired as read, in input order: residences, services, zones.
        let mut repaired = res.repaired;
        repaired.extend(fac.repaired);
        let zones = zones.map(|z| {
            repaired.extend(z.repaired);
            z.items
        });
        clock.lap("validate");
        let analysis = crate::analysis::analyze(
            self.profile.clone(),
            res.items,
            fac.facilities,
            lines,
            self.analysis.clone(),
            progress,
        )?;
        clock.lap("analyse");
        let step = Step::begin(progress, "finding gaps", None);
        let gaps = analysis.gaps(self.cell_m, self.cell_shape)?;
        drop(step);
        clock.lap("gaps");
        let source = match (zones, self.grid_m) {
            (Some(z), _) => ZoneSource::Layer(z),
            (None, Some(m)) => ZoneSource::Grid(m),
            (None, None) => ZoneSource::StudyArea,
        };
        let step = Step::begin(progress, "measuring zones", None);
        let zones = analysis.zones(source);
        drop(step);
        clock.lap("zones");
        let step = Step::begin(progress, "summarising", None);
        let summary = Summary::new(
            &analysis,
            SummaryParts {
                out_crs: self.write.out_crs.clone(),
                inputs: described,
                attribution,
                unknown_categories: fac.unknown_categories,
                repaired_geometries: repaired,
                gaps: Some(&gaps),
                zones: Some(&zones),
            },
        );
        drop(step);
        clock.lap("summarise");
        let catchments = match (&analysis.network, self.catchments) {
            (None, _) | (_, CatchmentMode::None) => None,
            (Some(_), mode) => {
                let c = analysis.catchments(mode, self.catchment_buffer_m, &summary, progress);
                clock.lap("catchments");
                Some(c)
            }
        };
        let extras = Extras { catchments: catchments.as_deref(), zones: Some(&zones), gaps: Some(&gaps) };
        write_outputs_into(&analysis, &summary, extras, &mut out, &self.write, progress)?;
        clock.lap("write");
        #[cfg(feature = "report")]
        let report = match &self.report {
            Some(opts) => {
                let staged = out.staged().to_path_buf();
                let made = write_report_into(&staged, &mut out, opts, progress)?;
                clock.lap("report");
                Some(made)
            }
            None => None,
        };
        let done = out.commit(self.clean)?;
        let mut warnings = Vec::new();
        #[cfg(feature = "report")]
        if let Some(glyphs) = report.as_ref().and_then(|r| r.missing_glyphs.clone()) {
            warnings.push(Warning::MissingGlyphs(glyphs));
        }
        warnings.extend(Warning::stale_files(&done.stale));
        warnings.extend(Warning::of_summary(&summary, &services_path));
        Ok(Outcome {
            analysis,
            summary,
            gaps,
            zones,
            catchments,
            written: done.written,
            timings: clock.timings,
            #[cfg(feature = "report")]
            report,
            stale: done.stale,
            removed: done.removed,
            leftovers_removed: done.leftovers_removed,
            warnings,
        })
    }
}

#[cfg(feature = "report")]
impl ReportOutput {
    /// What a caller should be told about the report: characters map.png draws as boxes, files
    /// of earlier runs left in the folder.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut warnings: Vec<Warning> = self.missing_glyphs.iter().cloned().map(Warning::MissingGlyphs).collect();
        warnings.extend(Warning::stale_files(&self.stale));
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distance_and_network_table() {
        use DistanceModel::{Euclidean, Network};
        let cases = [
            // (--distance, --network given, OSM extract with footways?) → source
            (None, false, None, Some(NetworkSource::None)),
            (None, true, None, Some(NetworkSource::Given)),
            (Some(Network), true, None, Some(NetworkSource::Given)),
            (Some(Network), false, None, None),
            (Some(Euclidean), false, None, Some(NetworkSource::None)),
            (Some(Euclidean), true, None, None),
            // An extract's ways walk when they include footways or the network is asked for...
            (None, false, Some(true), Some(NetworkSource::Osm)),
            (None, false, Some(false), Some(NetworkSource::None)),
            (Some(Network), false, Some(false), Some(NetworkSource::Osm)),
            (Some(Euclidean), false, Some(true), Some(NetworkSource::None)),
            // ...and a network layer given wins over them.
            (None, true, Some(true), Some(NetworkSource::Given)),
        ];
        for (distance, given, footways, want) in cases {
            let got = network_source(distance, given, footways).ok();
            assert_eq!(got, want, "{distance:?} {given} {footways:?}");
        }
        let err = network_source(Some(Network), false, None).unwrap_err().to_string();
        assert_eq!(err, "--distance network needs a walking network: give it with --network PATH");
        let err = network_source(Some(Euclidean), true, None).unwrap_err().to_string();
        assert_eq!(err, "--network is only used with --distance network: drop one of them");
    }

    #[test]
    fn option_checks_name_the_flag() {
        let profile = StandardProfile::built_in("gb50180-2018").unwrap();
        let job = Job::new(profile, Path::new("unused"));
        assert!(job.check_options().is_ok());
        let bad = |edit: &dyn Fn(&mut Job)| {
            let mut j = job.clone();
            edit(&mut j);
            j.check_options().unwrap_err().to_string()
        };
        assert!(bad(&|j| j.residence_options.household_size = 0.0).starts_with("--household-size 0 "));
        assert!(bad(&|j| j.residence_options.default_households = Some(-1.0)).starts_with("--default-households -1 "));
        assert!(bad(&|j| j.grid_m = Some(f64::NAN)).starts_with("--grid NaN "));
        assert!(bad(&|j| j.cell_m = 0.0).contains("--cell"));
    }
}

//! `Job`: one analysis run from layers to written outputs — what `lifecircle analyze` does,
//! usable from Rust without the command line.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::catchments::DEFAULT_CATCHMENT_BUFFER_M;
use crate::analysis::gaps::{CellShape, DEFAULT_CELL_M, check_cell_m};
use crate::analysis::indicators::ZoneSource;
use crate::analysis::{AnalysisOptions, CatchmentMode, InputSummary, Summary};
use crate::crs::Crs;
use crate::error::Result;
use crate::io::load::{ResidenceOptions, effective_crs, load_facilities, load_network, load_residences, load_zones};
use crate::io::output::{ManifestMode, OutputDir};
use crate::io::write::{Extras, WriteOptions, output_names, write_outputs_into};
use crate::io::{FieldMap, Layer};
use crate::progress::{NoProgress, Progress, Step};
use crate::report::{REPORT_OUTPUTS, ReportOptions, ReportOutput, write_report_into};
use crate::standards::StandardProfile;

/// Everything an analysis run needs besides its two input layers.
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
    /// Analysis options (detour).
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
    pub report: Option<ReportOptions>,
    /// Remove the files an earlier run wrote into `out_dir` that this run does not write
    /// (`--clean`; see [`crate::io::output`]).
    pub clean: bool,
    /// Files the run reads besides its layers (a TOML profile, say): no output may replace them.
    pub extra_inputs: Vec<PathBuf>,
}

/// The layers of one run.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Residences (`--residences`).
    pub residences: Layer,
    /// Services (`--services`).
    pub services: Layer,
    /// The walking network (`--network`), if any.
    pub network: Option<Layer>,
    /// Zones (`--zones`), if any.
    pub zones: Option<Layer>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// The summary (as written to summary.json).
    pub summary: Summary,
    /// Files written, in order.
    pub written: Vec<PathBuf>,
    /// Each step (validate, analyse, summarise, write) with its wall time and the process's
    /// peak memory after it (bytes; `None` where the platform does not say), for `--timings`.
    pub timings: Vec<(&'static str, std::time::Duration, Option<u64>)>,
    /// The steps within "analyse" (projection, searches, network build...) with their wall time.
    pub analysis_steps: Vec<(&'static str, std::time::Duration)>,
    /// What the report step made, when [`Job::report`] asked for it.
    pub report: Option<ReportOutput>,
    /// Files an earlier run left in the output folder that this run did not write (to warn about).
    pub stale: Vec<PathBuf>,
    /// Files of an earlier run removed because of [`Job::clean`].
    pub removed: Vec<PathBuf>,
    /// Temporary files or folders of an interrupted earlier run that were removed.
    pub leftovers_removed: usize,
}

/// The process's peak resident memory so far in bytes (Linux `VmHWM`), if known.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
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
            report: None,
            clean: false,
            extra_inputs: Vec::new(),
        }
    }

    /// Validates the layers, analyses, finds the gap cells and areas, and writes every output.
    /// Nothing is written unless all inputs are valid and the analysis succeeded; outputs appear
    /// atomically. The layers are consumed: their memory is freed as they are validated.
    pub fn run(&self, residences: Layer, services: Layer) -> Result<JobReport> {
        self.run_with_network(residences, services, None)
    }

    /// [`Job::run`] with a walking network layer: coverage is then judged by the walk along it
    /// (`distance_model` "network"), the straight line measured beside it.
    pub fn run_with_network(&self, residences: Layer, services: Layer, network: Option<Layer>) -> Result<JobReport> {
        self.run_inputs(Inputs { residences, services, network, zones: None })
    }

    /// Each input layer's role, file, feature count and CRS, and the credits of the data (each
    /// once: the layers' own, then `self.attribution`).
    fn describe_inputs(
        &self,
        residences: &Layer,
        services: &Layer,
        network: Option<&Layer>,
        zones: Option<&Layer>,
    ) -> (Vec<InputSummary>, Vec<String>) {
        let layers = [
            ("residences", Some(residences), self.residences_crs.as_ref()),
            ("services", Some(services), self.services_crs.as_ref()),
            ("network", network, self.network_crs.as_ref()),
            ("zones", zones, self.zones_crs.as_ref()),
        ];
        let mut inputs = Vec::new();
        let mut credits: Vec<String> = Vec::new();
        for (role, layer, flag) in layers {
            let Some(layer) = layer else { continue };
            inputs.push(InputSummary {
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
        (inputs, credits)
    }

    /// Runs on every input layer: residences, services, and the optional walking network and
    /// zones (without zones: `grid_m`'s grid, else the study area as one zone).
    pub fn run_inputs(&self, inputs: Inputs) -> Result<JobReport> {
        self.run_inputs_with_progress(inputs, &NoProgress)
    }

    /// [`Job::run_inputs`], reporting each step (validating every layer, the searches, routing,
    /// catchments, gaps, zones, writing every output layer) to `progress`.
    pub fn run_inputs_with_progress(&self, inputs: Inputs, progress: &dyn Progress) -> Result<JobReport> {
        let Inputs { residences, services, network, zones } = inputs;
        check_cell_m(self.cell_m)?;
        if let Some(m) = self.grid_m {
            if !(m.is_finite() && m > 0.0) {
                return Err(crate::error::Error::Option(format!("--grid {m} must be a positive number of metres")));
            }
            if zones.is_some() {
                return Err(crate::error::Error::Option("--grid and --zones cannot be used together".into()));
            }
        }
        // The output folder is locked and checked against every input before any work is done.
        let mut input_paths: Vec<PathBuf> = [Some(&residences), Some(&services), network.as_ref(), zones.as_ref()]
            .into_iter()
            .flatten()
            .map(|l| l.path.clone())
            .collect();
        input_paths.extend(self.extra_inputs.iter().cloned());
        let mut out = OutputDir::open(&self.out_dir, "analyze", &input_paths, ManifestMode::Replace)?;
        let with_catchments = network.is_some() && self.catchments != CatchmentMode::None;
        out.check_names(&output_names(&self.write, with_catchments, true, true))?;
        if self.report.is_some() {
            out.check_names(&REPORT_OUTPUTS)?;
        }
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &'static str, timings: &mut Vec<_>| {
            timings.push((name, clock.elapsed(), peak_memory()));
            clock = Instant::now();
        };
        let (inputs_read, attribution) = self.describe_inputs(&residences, &services, network.as_ref(), zones.as_ref());
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
        lap("validate", &mut timings);
        let analysis = crate::analysis::run(
            self.profile.clone(),
            res.items,
            fac.facilities,
            lines,
            self.analysis.clone(),
            progress,
        )?;
        lap("analyse", &mut timings);
        let step = Step::begin(progress, "summarising", None);
        let mut summary = analysis.summary();
        drop(step);
        summary.out_crs = self.write.out_crs.label();
        summary.inputs = inputs_read;
        summary.attribution = attribution;
        summary.unknown_categories = fac.unknown_categories;
        summary.repaired_geometries = repaired;
        lap("summarise", &mut timings);
        let catchments = match (&analysis.network, self.catchments) {
            (None, _) | (_, CatchmentMode::None) => None,
            (Some(_), mode) => {
                if !(self.catchment_buffer_m.is_finite() && self.catchment_buffer_m > 0.0) {
                    return Err(crate::error::Error::Option(format!(
                        "--catchment-buffer {} must be a positive number of metres",
                        self.catchment_buffer_m
                    )));
                }
                let c = analysis.catchments_with_progress(mode, self.catchment_buffer_m, &summary, progress);
                lap("catchments", &mut timings);
                Some(c)
            }
        };
        let step = Step::begin(progress, "finding gaps", None);
        let gaps = analysis.gaps(self.cell_m, self.cell_shape)?;
        summary.gaps = Some(gaps.summary(&analysis));
        drop(step);
        lap("gaps", &mut timings);
        let source = match (zones, self.grid_m) {
            (Some(z), _) => ZoneSource::Layer(z),
            (None, Some(m)) => ZoneSource::Grid(m),
            (None, None) => ZoneSource::StudyArea,
        };
        let step = Step::begin(progress, "measuring zones", None);
        let zones = analysis.zones(source);
        summary.zones = Some(zones.summary(&analysis));
        drop(step);
        lap("zones", &mut timings);
        let extras = Extras { catchments: catchments.as_deref(), zones: Some(&zones), gaps: Some(&gaps) };
        write_outputs_into(&analysis, &summary, extras, &mut out, &self.write, progress)?;
        lap("write", &mut timings);
        let report = match &self.report {
            Some(opts) => {
                let staged = out.staged().to_path_buf();
                let made = write_report_into(&staged, &mut out, opts, progress)?;
                lap("report", &mut timings);
                Some(made)
            }
            None => None,
        };
        let done = out.commit(self.clean)?;
        Ok(JobReport {
            summary,
            written: done.written,
            timings,
            analysis_steps: analysis.steps.clone(),
            report,
            stale: done.stale,
            removed: done.removed,
            leftovers_removed: done.leftovers_removed,
        })
    }
}

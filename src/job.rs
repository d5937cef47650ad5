//! `Job`: one analysis run from layers to written outputs — what `lifecircle analyze` does,
//! usable from Rust without the command line.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::{AnalysisOptions, Summary, analyze};
use crate::crs::Crs;
use crate::error::Result;
use crate::io::load::{ResidenceOptions, facilities_from_layer, residences_from_layer};
use crate::io::write::{WriteOptions, write_outputs};
use crate::io::{FieldMap, Layer};
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
    /// Household/population rules.
    pub residence_options: ResidenceOptions,
    /// Unknown categories are an error instead of a warning.
    pub strict: bool,
    /// Analysis options (detour).
    pub analysis: AnalysisOptions,
    /// Output formats and CRS.
    pub write: WriteOptions,
    /// Output folder.
    pub out_dir: PathBuf,
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
            residence_options: ResidenceOptions::default(),
            strict: false,
            analysis: AnalysisOptions::default(),
            write: WriteOptions::default(),
            out_dir: out_dir.to_path_buf(),
        }
    }

    /// Validates the layers, analyses and writes every output. Nothing is written unless all
    /// inputs are valid and the analysis succeeded; outputs appear atomically. The layers are
    /// consumed: their memory is freed as they are validated.
    pub fn run(&self, residences: Layer, services: Layer) -> Result<JobReport> {
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &'static str, timings: &mut Vec<_>| {
            timings.push((name, clock.elapsed(), peak_memory()));
            clock = Instant::now();
        };
        let res =
            residences_from_layer(residences, &self.fields, self.residences_crs.as_ref(), &self.residence_options)?;
        let fac =
            facilities_from_layer(services, &self.fields, self.services_crs.as_ref(), &self.profile, self.strict)?;
        lap("validate", &mut timings);
        let analysis = analyze(self.profile.clone(), res, fac.facilities, self.analysis.clone())?;
        lap("analyse", &mut timings);
        let mut summary = analysis.summary();
        summary.out_crs = self.write.out_crs.label();
        summary.unknown_categories = fac.unknown_categories;
        lap("summarise", &mut timings);
        let written = write_outputs(&analysis, &summary, &self.out_dir, &self.write)?;
        lap("write", &mut timings);
        Ok(JobReport { summary, written, timings })
    }
}

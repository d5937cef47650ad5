//! Progress reporting: how long-running steps (reading, validating, searching, routing,
//! writing) tell a caller how far they are, without the library drawing anything itself.
//!
//! A caller passes a [`Progress`] (the command line draws bars on stderr with it; library users
//! pass [`SILENT`] or their own). Steps run one after another, never nested: each
//! [`Progress::begin`] is followed by [`Progress::advance`] calls and one [`Progress::end`].
//! Work running on rayon threads reports in chunks through a [`Step`], which batches the
//! counts so that reporting costs next to nothing.

use std::sync::atomic::{AtomicU64, Ordering};

/// Receives the progress of a run's steps. Called from rayon worker threads as well as the
/// calling thread, hence `Send + Sync`.
pub trait Progress: Send + Sync {
    /// A step begins: `step` says what it does (e.g. "validating residences"), `total` is its
    /// units of work (features, residences, rows, bytes...) when known beforehand.
    fn begin(&self, step: &str, total: Option<u64>);
    /// `n` more units of the current step are done (reported in chunks, not per item).
    fn advance(&self, n: u64);
    /// The current step is done.
    fn end(&self);
}

/// A [`Progress`] that ignores everything (see [`SILENT`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

/// The progress to pass when nobody watches: `job.run(inputs, progress::SILENT)`.
pub const SILENT: &NoProgress = &NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _step: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn end(&self) {}
}

/// One step in progress: begun on creation, ended when dropped (so an error leaves no step
/// open). [`Step::advance`] may be called from many threads; counts are gathered and passed on
/// about 256 times over a step of known size (every 1024 units otherwise), and the remainder when
/// the step ends, so the units passed to [`Progress::advance`] add up exactly to those reported.
pub struct Step<'a> {
    progress: &'a dyn Progress,
    pending: AtomicU64,
    batch: u64,
}

impl<'a> Step<'a> {
    /// Begins step `name` of `total` units (if known) on `progress`.
    pub fn begin(progress: &'a dyn Progress, name: &str, total: Option<u64>) -> Step<'a> {
        progress.begin(name, total);
        let batch = total.map_or(1024, |t| (t / 256).clamp(1, 1 << 20));
        Step { progress, pending: AtomicU64::new(0), batch }
    }

    /// A step that reports nowhere (for the functions without a progress argument).
    #[cfg(any(test, feature = "report"))]
    pub(crate) fn none() -> Step<'static> {
        Step::begin(&NoProgress, "", None)
    }

    /// `n` more units are done.
    #[inline]
    pub fn advance(&self, n: u64) {
        let pending = self.pending.fetch_add(n, Ordering::Relaxed) + n;
        if pending >= self.batch {
            let taken = self.pending.swap(0, Ordering::Relaxed);
            if taken > 0 {
                self.progress.advance(taken);
            }
        }
    }
}

impl Drop for Step<'_> {
    fn drop(&mut self) {
        let rest = *self.pending.get_mut();
        if rest > 0 {
            self.progress.advance(rest);
        }
        self.progress.end();
    }
}

impl std::fmt::Debug for Step<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").field("pending", &self.pending).field("batch", &self.batch).finish()
    }
}

/// A reader that reports the bytes read through it to a [`Step`] (for steps measured in bytes
/// of an input file).
pub(crate) struct CountingReader<'s, 'p, R> {
    pub(crate) inner: R,
    pub(crate) step: &'s Step<'p>,
}

impl<R: std::io::Read> std::io::Read for CountingReader<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.step.advance(n as u64);
        Ok(n)
    }
}

/// A [`Progress`] that records every call, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub(crate) events: std::sync::Mutex<Vec<Event>>,
}

/// One recorded call.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    Begin(String, Option<u64>),
    Advance(u64),
    End,
}

#[cfg(test)]
impl Progress for Recorder {
    fn begin(&self, step: &str, total: Option<u64>) {
        self.events.lock().unwrap().push(Event::Begin(step.to_owned(), total));
    }
    fn advance(&self, n: u64) {
        self.events.lock().unwrap().push(Event::Advance(n));
    }
    fn end(&self) {
        self.events.lock().unwrap().push(Event::End);
    }
}

#[cfg(test)]
impl Recorder {
    /// Each step as (name, total, units advanced), checking that steps never nest or overlap
    /// and that nothing advances outside a step.
    pub(crate) fn steps(&self) -> Vec<(String, Option<u64>, u64)> {
        let mut steps: Vec<(String, Option<u64>, u64)> = Vec::new();
        let mut open = false;
        for e in self.events.lock().unwrap().iter() {
            match e {
                Event::Begin(name, total) => {
                    assert!(!open, "step '{name}' begins inside another");
                    open = true;
                    steps.push((name.clone(), *total, 0));
                }
                Event::Advance(n) => {
                    assert!(open, "advance outside a step");
                    steps.last_mut().unwrap().2 += n;
                }
                Event::End => {
                    assert!(open, "end without begin");
                    open = false;
                }
            }
        }
        assert!(!open, "a step was never ended");
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn steps_batch_counts_and_pass_on_the_exact_total() {
        let r = Recorder::default();
        {
            let step = Step::begin(&r, "counting", Some(100_000));
            (0..100_000u64).into_par_iter().for_each(|_| step.advance(1));
        }
        {
            let step = Step::begin(&r, "few", Some(3));
            for _ in 0..3 {
                step.advance(1);
            }
        }
        drop(Step::begin(&r, "spinner", None));
        assert_eq!(
            r.steps(),
            vec![("counting".into(), Some(100_000), 100_000), ("few".into(), Some(3), 3), ("spinner".into(), None, 0)]
        );
        let advances = r.events.lock().unwrap().iter().filter(|e| matches!(e, Event::Advance(_))).count();
        // 100,000 units in batches of 390, plus the 3 single ones.
        assert!(advances <= 100_000 / 390 + 1 + 3 + 2, "{advances} calls");
    }

    fn path(p: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
    }

    /// Every step with a size advanced by exactly that size.
    fn assert_complete(steps: &[(String, Option<u64>, u64)]) {
        for (name, total, done) in steps {
            if let Some(total) = total {
                assert_eq!(done, total, "step '{name}' advanced {done} of {total}");
            }
        }
    }

    fn step<'s>(steps: &'s [(String, Option<u64>, u64)], name: &str) -> &'s (String, Option<u64>, u64) {
        steps.iter().find(|s| s.0 == name).unwrap_or_else(|| panic!("no step '{name}' in {steps:?}"))
    }

    #[test]
    fn a_network_job_reports_every_step_balanced_and_complete() {
        use crate::job::{Inputs, Job};
        let dir = tempfile::tempdir().unwrap();
        let profile = crate::standards::StandardProfile::built_in("gb50180-2018").unwrap();
        let job = Job::new(profile, dir.path());
        let read = crate::io::ReadOptions::default();
        let r = Recorder::default();
        let network = crate::io::read_layer(&path("data/network.geojson"), &read, &r).unwrap();
        let zones = crate::io::read_layer(&path("tests/fixtures/helsinki_zones.geojson"), &read, &NoProgress).unwrap();
        let (residences, services) = (crate::sample::residences().unwrap(), crate::sample::services().unwrap());
        let (n_res, n_svc) = (residences.features.len() as u64, services.features.len() as u64);
        let n_lines = network.features.len() as u64;
        let inputs = Inputs { residences, services, network: Some(network), zones: Some(zones) };
        let report = job.run(inputs, &r).unwrap();
        let steps = r.steps();
        assert_complete(&steps);
        let names: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "reading network.geojson",
                "validating residences",
                "validating services",
                "validating the network",
                "validating zones",
                "projecting",
                "searching nearest facilities",
                "building the walking network",
                "routing along the network",
                "measuring reach along the network",
                "elderly land access (2SFCA)",
                "finding gaps",
                "measuring zones",
                "summarising",
                "drawing catchments",
                "writing households.geojson",
                "writing facilities.geojson",
                "writing catchments.geojson",
                "writing zones.geojson",
                "writing zones.csv",
                "writing gaps.geojson",
            ]
        );
        let size = std::fs::metadata(path("data/network.geojson")).unwrap().len();
        assert_eq!(step(&steps, "reading network.geojson").1, Some(size));
        assert_eq!(step(&steps, "validating residences").1, Some(n_res));
        assert_eq!(step(&steps, "validating services").1, Some(n_svc));
        assert_eq!(step(&steps, "validating the network").1, Some(n_lines));
        let residences = report.summary.residences as u64;
        assert_eq!(step(&steps, "searching nearest facilities").1, Some(residences));
        assert_eq!(step(&steps, "writing households.geojson").1, Some(residences));
        let categories = job.profile.categories.len() as u64;
        assert_eq!(step(&steps, "routing along the network").1, Some(categories));
        let facilities = report.summary.facilities as u64;
        assert_eq!(step(&steps, "measuring reach along the network").1, Some(facilities));
        assert_eq!(step(&steps, "drawing catchments").1, Some(facilities));
    }

    #[test]
    fn a_straight_line_job_reports_reach_and_every_format_written() {
        use crate::io::write::OutputFormat;
        use crate::job::{Inputs, Job};
        let dir = tempfile::tempdir().unwrap();
        let profile = crate::standards::StandardProfile::built_in("gb50180-2018").unwrap();
        let mut job = Job::new(profile, dir.path());
        job.write.formats = vec![OutputFormat::GeoJson, OutputFormat::Csv, OutputFormat::Shp];
        job.grid_m = Some(500.0);
        let (residences, services) = (crate::sample::residences().unwrap(), crate::sample::services().unwrap());
        let r = Recorder::default();
        let inputs = Inputs { residences, services, network: None, zones: None };
        let report = job.run(inputs, &r).unwrap();
        let steps = r.steps();
        assert_complete(&steps);
        let names: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
        assert!(names.contains(&"measuring facility reach") && !names.contains(&"routing along the network"));
        assert!(!names.contains(&"drawing catchments"), "no catchments without a network");
        let written: Vec<&str> = names.iter().copied().filter(|n| n.starts_with("writing")).collect();
        assert_eq!(
            written,
            [
                "writing households.geojson",
                "writing households.csv",
                "writing households.shp",
                "writing facilities.geojson",
                "writing facilities.csv",
                "writing facilities.shp",
                "writing zones.geojson",
                "writing zones.csv",
                "writing gaps.geojson",
            ]
        );
        assert_eq!(step(&steps, "writing households.shp").1, Some(report.summary.residences as u64));
        assert_eq!(step(&steps, "measuring facility reach").1, Some(report.summary.facilities as u64));
    }

    #[test]
    fn a_failing_job_still_ends_its_step() {
        use crate::job::{Inputs, Job};
        let dir = tempfile::tempdir().unwrap();
        let profile = crate::standards::StandardProfile::built_in("gb50180-2018").unwrap();
        let job = Job::new(profile, dir.path());
        let mut residences = crate::sample::residences().unwrap();
        // A residence without households or population fails validation midway.
        let k = residences.features.len() / 2;
        residences.features[k].values.iter_mut().for_each(|v| *v = crate::io::Value::Null);
        let r = Recorder::default();
        let inputs = Inputs { residences, services: crate::sample::services().unwrap(), network: None, zones: None };
        assert!(job.run(inputs, &r).is_err());
        let steps = r.steps(); // panics if a step was left open
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].0, "validating residences");
    }

    #[test]
    #[cfg(feature = "osm")]
    fn osm_imports_report_every_pass_over_the_whole_file() {
        for file in ["data/source/Helsinki.osm.pbf", "tests/fixtures/helsinki-kamppi.osm"] {
            let r = Recorder::default();
            let import = crate::osm::import_osm(&path(file), &Default::default(), &r).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let mut out =
                crate::io::output::OutputDir::open(dir.path(), "test", &[], crate::io::output::ManifestMode::Replace)
                    .unwrap();
            import.write_geojson_into(&mut out, &r).unwrap();
            out.commit(false).unwrap();
            let steps = r.steps();
            assert_complete(&steps);
            let size = std::fs::metadata(path(file)).unwrap().len();
            let passes: Vec<_> = steps.iter().filter(|s| s.0.starts_with("reading")).collect();
            assert_eq!(passes.len(), 3, "{steps:?}");
            assert!(passes.iter().all(|p| p.1 == Some(size)), "{passes:?}");
            assert_eq!(step(&steps, "writing residences.geojson").1, Some(import.residences.len() as u64));
            assert_eq!(step(&steps, "writing network.geojson").1, Some(import.network.len() as u64));
        }
    }
}

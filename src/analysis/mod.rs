//! The analysis: straight-line distance from every residence to the nearest facility serving
//! each category, coverage against the profile's radii, missing categories and complete life
//! circles per residence, reach per facility, and the study-area summary.
//!
//! With a walking network the distance that judges coverage is the walk along the network
//! ([`network`]); the straight line is kept beside it.
//!
//! [`analyze`] is the engine [`crate::Job::run`] drives (library callers run a `Job`; the engine
//! is public for tests and benchmarks that time it alone); results are deterministic for any
//! thread count (parallel work writes to fixed slots, sums are taken sequentially in input order).

pub mod catchments;
mod fca;
pub mod gaps;
pub mod indicators;
pub mod network;
mod reach;
mod summary;
pub mod zones;

use rayon::prelude::*;

use crate::crs::LocalProjection;
use crate::error::{Error, Result};
use crate::index::{FacilityIndex, hilbert_order};
use crate::model::{Facility, NetworkLines, Residence};
use crate::network::NetworkOptions;
use crate::progress::{Progress, Step};
use crate::standards::{Category, Cohort, StandardProfile};

pub use catchments::{Catchment, CatchmentMode};
pub use fca::ElderlyLandAccess;
pub use gaps::{CellShape, GapArea, GapCell, Gaps, GapsSummary};
pub use network::{NetworkAnalysis, NetworkCoverage};
pub use summary::{CategorySummary, ElderlyLandSummary, InputSummary, NetworkSummary, Summary, SummaryParts};
pub use zones::ZoneKind;

/// What coverage is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Judge {
    /// The category's radius in metres (the default).
    #[default]
    #[cfg_attr(feature = "cli", value(alias = "meters", alias = "m"))]
    Metres,
    /// Walking minutes against the tier's minutes (5/10/15) at the cohort's walking speed;
    /// categories whose tier has no minutes are judged by their radius.
    #[cfg_attr(feature = "cli", value(alias = "min"))]
    Minutes,
}

impl Judge {
    /// The name used by `--judge` and in summary.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Judge::Metres => "metres",
            Judge::Minutes => "minutes",
        }
    }
}

/// Default walking speed, m/s (`--speed`).
pub const DEFAULT_SPEED_M_S: f64 = 1.0;
/// Default walking speed of the elderly, m/s (`--elderly-speed`).
pub const DEFAULT_ELDERLY_SPEED_M_S: f64 = 0.8;

/// Options of an analysis.
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    /// Walking distance ÷ straight-line distance; radii are divided by it (default 1.0;
    /// straight-line analysis only).
    pub detour: f64,
    /// What coverage is judged by (`--judge`).
    pub judge: Judge,
    /// Walking speed, m/s (`--speed`).
    pub speed_m_s: f64,
    /// Walking speed of the elderly cohort, m/s (`--elderly-speed`).
    pub elderly_speed_m_s: f64,
    /// How the walking network is built and points are snapped to it.
    pub network: NetworkOptions,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            detour: 1.0,
            judge: Judge::Metres,
            speed_m_s: DEFAULT_SPEED_M_S,
            elderly_speed_m_s: DEFAULT_ELDERLY_SPEED_M_S,
            network: NetworkOptions::default(),
        }
    }
}

impl AnalysisOptions {
    /// Walking speed of a cohort, m/s.
    pub fn speed_of(&self, cohort: Cohort) -> f64 {
        match cohort {
            Cohort::Elderly => self.elderly_speed_m_s,
            _ => self.speed_m_s,
        }
    }

    /// Checks the options: a detour ≥ 1 (and 1 with a network), positive speeds, and the
    /// network options.
    pub fn validate(&self, network: bool) -> Result<()> {
        if !(self.detour.is_finite() && self.detour >= 1.0) {
            return Err(Error::Option(format!("--detour {} must be a number ≥ 1.0", self.detour)));
        }
        if network && self.detour != 1.0 {
            return Err(Error::Option(format!(
                "--detour {} applies to straight-line distance only: the network distance is the walk itself",
                self.detour
            )));
        }
        for (flag, v) in [("--speed", self.speed_m_s), ("--elderly-speed", self.elderly_speed_m_s)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::Option(format!("{flag} {v} must be a positive number of metres per second")));
            }
        }
        self.network.validate()
    }
}

/// Which distance judges coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DistanceModel {
    /// Straight line (divided into the radius by the detour factor).
    Euclidean,
    /// Walking along the network.
    Network,
}

impl DistanceModel {
    /// The name used by `--distance` and summary.json's `distance_model`.
    pub fn as_str(self) -> &'static str {
        match self {
            DistanceModel::Euclidean => "euclidean",
            DistanceModel::Network => "network",
        }
    }
}

/// The life-circle tiers reported per residence, with their output suffix.
pub const TIERS: [(&str, &str); 3] =
    [("5min", "complete_5min"), ("10min", "complete_10min"), ("15min", "complete_15min")];

/// Distances and nearest facilities of every residence and category, stored in the Hilbert
/// order the queries ran in (so parallel work writes contiguous slots and nothing is copied
/// back), with each residence's position in that order.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    categories: usize,
    /// Position of each residence (input order) in the query order.
    rank: Vec<u32>,
    /// Distance in metres rounded to 0.1 (exact in f32 up to ~100 km); NaN when no facility
    /// serves the category.
    dist: Vec<f32>,
    /// Facility index; `u32::MAX` when none.
    nearest: Vec<u32>,
    /// Network distances, when the analysis walks a network.
    network: Option<NetworkCoverage>,
}

impl Coverage {
    #[inline]
    fn slot(&self, r: usize, c: usize) -> usize {
        self.rank[r] as usize * self.categories + c
    }

    /// Distance from residence `r` to the nearest facility serving category `c`, metres (0.1 m):
    /// along the network when the analysis walks one (`None` beyond the category's radius or
    /// off the network), else in a straight line.
    #[inline]
    pub fn distance(&self, r: usize, c: usize) -> Option<f64> {
        match &self.network {
            Some(n) => n.distance(r, c),
            None => self.euclid_distance(r, c),
        }
    }

    /// Index (in the facility list) of the facility behind [`Coverage::distance`].
    #[inline]
    pub fn nearest(&self, r: usize, c: usize) -> Option<usize> {
        match &self.network {
            Some(n) => n.nearest(r, c),
            None => self.euclid_nearest(r, c),
        }
    }

    /// Straight-line distance from residence `r` to the nearest facility serving category `c`,
    /// metres (0.1 m); `None` when no facility serves it.
    #[inline]
    pub fn euclid_distance(&self, r: usize, c: usize) -> Option<f64> {
        let d = self.dist[self.slot(r, c)];
        (!d.is_nan()).then(|| round_decimetre(f64::from(d)))
    }

    /// Index of the facility nearest in a straight line.
    #[inline]
    pub fn euclid_nearest(&self, r: usize, c: usize) -> Option<usize> {
        let n = self.nearest[self.slot(r, c)];
        (n != u32::MAX).then_some(n as usize)
    }

    /// Whether distances are walked along a network.
    pub fn is_network(&self) -> bool {
        self.network.is_some()
    }
}

/// How many households and residents lie within a facility's radius.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reach {
    /// Households within the radius.
    pub households: f64,
    /// Residents within the radius.
    pub population: f64,
}

/// What one residence lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidenceVerdict {
    /// Required categories not covered, in profile order.
    pub missing: Vec<usize>,
    /// Whether the 5-, 10- and 15-minute life circles are complete.
    pub complete: [bool; 3],
}

/// A finished analysis.
#[derive(Debug)]
pub struct Analysis {
    /// The profile judged against.
    pub profile: StandardProfile,
    /// The options used.
    pub options: AnalysisOptions,
    /// Which distance judges coverage.
    pub distance_model: DistanceModel,
    /// Radius coverage is judged against per category, metres: the walking radius (or with
    /// `--judge minutes` the tier's minutes at the cohort's speed), divided by the detour
    /// factor for straight lines.
    pub radii_m: Vec<Option<f64>>,
    /// The same radii before dividing by the detour factor: what the straight line is held
    /// against beside a network analysis (`euclid_covered_share`).
    pub walk_radii_m: Vec<Option<f64>>,
    /// Residences in input order.
    pub residences: Vec<Residence>,
    /// Facilities in input order.
    pub facilities: Vec<Facility>,
    /// The local projection distances were measured in.
    pub projection: LocalProjection,
    /// Per residence and category: distance and nearest facility.
    pub coverage: Coverage,
    /// Per facility: households and population within its category's radius (along the
    /// network when there is one).
    pub reach: Vec<Option<Reach>>,
    /// The walking network and where points met it, for a network analysis.
    pub network: Option<NetworkAnalysis>,
    /// Per household, elderly-care land within 15-minute reach per resident (2SFCA), when the
    /// profile asks for `elderly_land_per_capita`.
    pub elderly_land: Option<ElderlyLandAccess>,
    /// Wall time of each step of the analysis (projection, straight-line search, network build,
    /// snapping, network search, reach), for `--timings` and benchmarks.
    pub steps: Vec<(&'static str, std::time::Duration)>,
    /// Tier ranks for `TIERS`.
    tier_ranks: [u8; 3],
}

/// Projects residences' and facilities' representative points into a transverse Mercator
/// centred on their common bounding box. `None` when both are empty.
pub fn project(residences: &mut [Residence], facilities: &mut [Facility]) -> Option<LocalProjection> {
    let proj = LocalProjection::centred_on(
        residences.iter().map(|r| r.lonlat).chain(facilities.iter().map(|f| f.lonlat)).map(|p| (p[0], p[1])),
    )?;
    residences.par_iter_mut().for_each(|r| r.xy = proj.forward(r.lonlat[0], r.lonlat[1]));
    facilities.par_iter_mut().for_each(|f| f.xy = proj.forward(f.lonlat[0], f.lonlat[1]));
    Some(proj)
}

/// Rounds metres to 0.1 m, the precision distances are written and judged at.
#[inline]
pub fn round_decimetre(d: f64) -> f64 {
    (d * 10.0).round() / 10.0
}

/// The radius a category is judged against before any detour factor, metres.
fn walk_radius(profile: &StandardProfile, cat: &Category, options: &AnalysisOptions) -> Option<f64> {
    let radius = cat.radius_m?;
    match options.judge {
        Judge::Metres => Some(radius),
        Judge::Minutes => Some(profile.tier_minutes(cat).map_or(radius, |m| m * 60.0 * options.speed_of(cat.cohort))),
    }
}

/// The analysis engine behind [`crate::Job::run`]: residences and facilities must hold their
/// lon/lat (they are projected here). Without `lines` coverage is judged by the straight line;
/// with a walking network by the walk along it, the straight line measured beside it. Each step
/// (projecting, the straight-line search, reach, network build, routing, 2SFCA) is reported to
/// `progress` ([`crate::progress::SILENT`] for none).
pub fn analyze(
    profile: StandardProfile,
    mut residences: Vec<Residence>,
    mut facilities: Vec<Facility>,
    lines: Option<NetworkLines>,
    options: AnalysisOptions,
    progress: &dyn Progress,
) -> Result<Analysis> {
    options.validate(lines.is_some())?;
    let mut tier_ranks = [0u8; 3];
    for (k, (id, _)) in TIERS.iter().enumerate() {
        tier_ranks[k] = profile.rank_of(id).ok_or_else(|| Error::Profile {
            profile: profile.id.clone(),
            message: format!("has no tier '{id}' (needed for complete_{id})"),
        })?;
    }
    let mut steps = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, steps: &mut Vec<_>| {
        steps.push((name, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let step = Step::begin(progress, "projecting", None);
    let projection = project(&mut residences, &mut facilities)
        .ok_or_else(|| Error::Option("no residences and no facilities to analyse".into()))?;
    let walk_radii_m: Vec<Option<f64>> =
        profile.categories.iter().map(|c| walk_radius(&profile, c, &options)).collect();
    drop(step);
    lap("project", &mut steps);
    let step = Step::begin(progress, "searching nearest facilities", Some(residences.len() as u64));
    let index = FacilityIndex::build(&profile, &facilities);
    let mut coverage = nearest_all(&index, &residences, profile.categories.len(), &step);
    drop(index);
    drop(step);
    lap("straight-line search", &mut steps);
    let (distance_model, radii_m, reach, network) = match lines {
        None => {
            let radii_m: Vec<Option<f64>> = walk_radii_m.iter().map(|r| r.map(|r| r / options.detour)).collect();
            let step = Step::begin(progress, "measuring facility reach", Some(facilities.len() as u64));
            let reach = reach::facility_reach(&residences, &facilities, &radii_m, &step);
            drop(step);
            lap("reach", &mut steps);
            (DistanceModel::Euclidean, radii_m, reach, None)
        }
        Some(lines) => {
            // A category without a radius is searched as far as the farthest-reaching one.
            let widest = walk_radii_m.iter().flatten().copied().fold(0.0_f64, f64::max);
            let widest = if widest > 0.0 { widest } else { 1000.0 };
            let cutoffs = walk_radii_m.iter().map(|r| r.unwrap_or(widest)).collect();
            let step = Step::begin(progress, "building the walking network", None);
            let net =
                network::build(lines, &projection, &residences, &facilities, &options.network, cutoffs, &mut |s| {
                    lap(s, &mut steps)
                })?;
            drop(step);
            let sources = network::sources_per_category(&profile, &facilities);
            let step = Step::begin(progress, "routing along the network", Some(sources.len() as u64));
            coverage.network = Some(network::nearest_all(&net, &sources, &step));
            drop(step);
            lap("network search", &mut steps);
            let step = Step::begin(progress, "measuring reach along the network", Some(facilities.len() as u64));
            let reach = network::facility_reach(&net, &residences, &facilities, &walk_radii_m, &step);
            drop(step);
            lap("network reach", &mut steps);
            (DistanceModel::Network, walk_radii_m.clone(), reach, Some(net))
        }
    };
    let mut analysis = Analysis {
        profile,
        options,
        distance_model,
        radii_m,
        walk_radii_m,
        residences,
        facilities,
        projection,
        coverage,
        reach,
        network,
        elderly_land: None,
        steps,
        tier_ranks,
    };
    if analysis.profile.indicator(crate::standards::IndicatorId::ElderlyLandPerCapita).is_some() {
        let t = std::time::Instant::now();
        analysis.elderly_land = analysis.elderly_land_access(progress);
        analysis.steps.push(("elderly land 2SFCA", t.elapsed()));
    }
    Ok(analysis)
}

/// Distance to the nearest facility of every category for every residence, in parallel over
/// residences taken in Hilbert order.
/// Each block of residences done advances `step` by its size.
fn nearest_all(index: &FacilityIndex, residences: &[Residence], categories: usize, step: &Step) -> Coverage {
    let points: Vec<[f64; 2]> = residences.iter().map(|r| r.xy).collect();
    let order = hilbert_order(&points);
    let mut dist = vec![f32::NAN; residences.len() * categories];
    let mut nearest = vec![u32::MAX; residences.len() * categories];
    // Blocks of consecutive residences along the curve share one candidate search per
    // category (see FacilityIndex::nearest_block); answers do not depend on the blocking.
    const BLOCK: usize = 64;
    if categories > 0 {
        dist.par_chunks_mut(categories * BLOCK)
            .zip(nearest.par_chunks_mut(categories * BLOCK))
            .zip(order.par_chunks(BLOCK))
            .for_each_init(
                || (Vec::with_capacity(BLOCK), Vec::new()),
                |(block, candidates), ((dist, near), chunk)| {
                    block.clear();
                    block.extend(chunk.iter().map(|&r| points[r as usize]));
                    for c in 0..categories {
                        index.nearest_block(c, block, candidates, |k, answer| {
                            if let Some((f, d)) = answer {
                                dist[k * categories + c] = round_decimetre(d) as f32;
                                near[k * categories + c] = f;
                            }
                        });
                    }
                    step.advance(chunk.len() as u64);
                },
            );
    } else {
        step.advance(residences.len() as u64);
    }
    let mut rank = vec![0u32; residences.len()];
    for (k, &r) in order.iter().enumerate() {
        rank[r as usize] = k as u32;
    }
    Coverage { categories, rank, dist, nearest, network: None }
}

impl Analysis {
    /// Whether residence `r` is covered for category `c`: `None` when the category has no
    /// radius; `false` when no facility serves it.
    #[inline]
    pub fn covered(&self, r: usize, c: usize) -> Option<bool> {
        let radius = self.radii_m[c]?;
        Some(self.coverage.distance(r, c).is_some_and(|d| d <= radius))
    }

    /// Whether residence `r` is within category `c`'s walking radius in a straight line (the
    /// radius before any detour factor): `None` when the category has no radius.
    #[inline]
    pub fn euclid_covered(&self, r: usize, c: usize) -> Option<bool> {
        let radius = self.walk_radii_m[c]?;
        Some(self.coverage.euclid_distance(r, c).is_some_and(|d| d <= radius))
    }

    /// Minutes residence `r` walks to the nearest facility of category `c` at the cohort's
    /// speed (0.1 min), from [`Coverage::distance`] (for straight lines: times the detour factor).
    pub fn walk_minutes(&self, r: usize, c: usize) -> Option<f64> {
        let walked = self.coverage.distance(r, c)? * if self.coverage.is_network() { 1.0 } else { self.options.detour };
        let speed = self.options.speed_of(self.profile.categories[c].cohort);
        Some((walked / speed / 60.0 * 10.0).round() / 10.0)
    }

    /// Missing required categories and complete tiers of residence `r`.
    pub fn verdict(&self, r: usize) -> ResidenceVerdict {
        let mut missing = Vec::new();
        let mut worst_missing_rank = u8::MAX;
        for (c, cat) in self.profile.categories.iter().enumerate() {
            if cat.required && self.covered(r, c) == Some(false) {
                missing.push(c);
                // A required category without a tier blocks every tier.
                let rank = self.profile.tier_rank(cat).unwrap_or(0);
                worst_missing_rank = worst_missing_rank.min(rank);
            }
        }
        let complete = self.tier_ranks.map(|t| worst_missing_rank > t);
        ResidenceVerdict { missing, complete }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::SILENT;

    fn analyze(
        profile: StandardProfile,
        residences: Vec<Residence>,
        facilities: Vec<Facility>,
        options: AnalysisOptions,
    ) -> Result<Analysis> {
        super::analyze(profile, residences, facilities, None, options, SILENT)
    }

    /// Metres → degrees near (116.4, 39.9), roughly; tests compare with the projection itself.
    fn offset(dx_m: f64, dy_m: f64) -> [f64; 2] {
        let lat0: f64 = 39.9;
        [116.4 + dx_m / (111_320.0 * lat0.to_radians().cos()), lat0 + dy_m / 110_574.0]
    }

    fn residence(id: &str, at: [f64; 2], households: f64) -> Residence {
        Residence::point(id, households, households * 2.62, at)
    }

    fn facility(p: &StandardProfile, id: &str, cat: &str, at: [f64; 2]) -> Facility {
        Facility::point(id, p.index_of(cat).unwrap(), at)
    }

    #[test]
    fn distances_coverage_and_also_serves() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let residences = vec![residence("near", offset(0.0, 0.0), 10.0), residence("far", offset(2000.0, 0.0), 30.0)];
        let facilities = vec![
            facility(&p, "c1", "clinic", offset(0.0, 250.0)),
            facility(&p, "hc", "health_center", offset(2000.0, 200.0)),
            facility(&p, "m1", "market", offset(0.0, 600.0)),
            facility(&p, "v1", "volunteer_station", offset(10.0, 0.0)),
        ];
        let a = analyze(p.clone(), residences, facilities, AnalysisOptions::default()).unwrap();
        let clinic = p.index_of("clinic").unwrap();
        let market = p.index_of("market").unwrap();
        let vol = p.index_of("volunteer_station").unwrap();
        let kinder = p.index_of("kindergarten").unwrap();
        // clinic: 250 m from "near"; "far" is served by the health centre 200 m away
        let d = a.coverage.distance(0, clinic).unwrap();
        assert!((d - 250.0).abs() < 3.0, "{d}"); // the offsets above are approximate degrees
        assert_eq!(a.coverage.nearest(1, clinic).map(|f| a.facilities[f].id.as_str()), Some("hc"));
        assert_eq!(a.covered(0, clinic), Some(true));
        assert_eq!(a.covered(1, clinic), Some(true));
        // market: 600 m > 500 m radius
        assert_eq!(a.covered(0, market), Some(false));
        // volunteer station: distance but no judgement
        assert!(a.coverage.distance(0, vol).unwrap() < 11.0);
        assert_eq!(a.covered(0, vol), None);
        // no kindergarten anywhere: null distance, not covered, counted missing
        assert_eq!(a.coverage.distance(0, kinder), None);
        assert_eq!(a.covered(0, kinder), Some(false));
        let v = a.verdict(0);
        assert!(v.missing.contains(&kinder) && v.missing.contains(&market) && !v.missing.contains(&clinic));
        assert!(!v.missing.contains(&vol));
        assert_eq!(v.complete, [false, false, false]);
        let s = Summary::new(&a, SummaryParts::default());
        let c = &s.categories.iter().find(|(id, _)| id == "clinic").unwrap().1;
        assert_eq!((c.facilities, c.serving_facilities), (1, 2));
        assert_eq!(c.covered_households, Some(40.0));
        assert_eq!(c.covered_share, Some(1.0));
        let m = &s.categories.iter().find(|(id, _)| id == "market").unwrap().1;
        assert_eq!(m.covered_share, Some(0.0));
        let vs = &s.categories.iter().find(|(id, _)| id == "volunteer_station").unwrap().1;
        assert_eq!((vs.radius_m, vs.covered_share), (None, None));
        // the clinic reaches "near" (250 m) but not "far"
        let ci = a.facilities.iter().position(|f| f.id == "c1").unwrap();
        assert_eq!(a.reach[ci].unwrap().households, 10.0);
    }

    #[test]
    fn tiers_are_cumulative() {
        // A profile with one required category per tier: complete_10min needs the 5-minute one too.
        let text = r#"
            id = "t"
            name_zh = "t"
            name_en = "t"
            source = "s"
            [[tiers]]
            id = "5min"
            name_zh = "a"
            name_en = "a"
            rank = 1
            source = "s"
            [[tiers]]
            id = "10min"
            name_zh = "b"
            name_en = "b"
            rank = 2
            source = "s"
            [[tiers]]
            id = "15min"
            name_zh = "c"
            name_en = "c"
            rank = 3
            source = "s"
            [[categories]]
            id = "five"
            name_zh = "五"
            name_en = "five"
            tier = "5min"
            radius_m = 300
            required = true
            cohort = "all"
            source = "s"
            [[categories]]
            id = "ten"
            name_zh = "十"
            name_en = "ten"
            tier = "10min"
            radius_m = 500
            required = true
            cohort = "all"
            source = "s"
        "#;
        let p = StandardProfile::from_toml_str(text, "t").unwrap();
        let residences = vec![
            residence("has_ten_only", offset(0.0, 0.0), 1.0),
            residence("has_both", offset(5000.0, 0.0), 1.0),
            residence("has_five_only", offset(10000.0, 0.0), 1.0),
        ];
        let facilities = vec![
            facility(&p, "t1", "ten", offset(0.0, 100.0)),
            facility(&p, "t2", "ten", offset(5000.0, 100.0)),
            facility(&p, "f2", "five", offset(5000.0, -100.0)),
            facility(&p, "f3", "five", offset(10000.0, -100.0)),
        ];
        let a = analyze(p, residences, facilities, AnalysisOptions::default()).unwrap();
        assert_eq!(a.verdict(0).complete, [false, false, false]);
        assert_eq!(a.verdict(1).complete, [true, true, true]);
        assert_eq!(a.verdict(2).complete, [true, false, false]);
        let s = Summary::new(&a, SummaryParts::default());
        assert_eq!(s.complete_share_5min, Some(0.666667));
        assert_eq!(s.complete_share_10min, Some(0.333333));
    }

    #[test]
    fn detour_shrinks_the_radius() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let residences = vec![residence("r", offset(0.0, 0.0), 1.0)];
        let facilities = vec![facility(&p, "c", "clinic", offset(0.0, 250.0))];
        let a = analyze(
            p.clone(),
            residences.clone(),
            facilities.clone(),
            AnalysisOptions { detour: 1.3, ..AnalysisOptions::default() },
        )
        .unwrap();
        let clinic = p.index_of("clinic").unwrap();
        assert_eq!(a.covered(0, clinic), Some(false)); // 250 > 300 / 1.3 = 230.8
        assert!((a.radii_m[clinic].unwrap() - 300.0 / 1.3).abs() < 1e-9);
        assert!(
            analyze(p, residences, facilities, AnalysisOptions { detour: 0.5, ..AnalysisOptions::default() }).is_err()
        );
    }
}

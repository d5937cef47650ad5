//! The study-area summary: per category, facilities and the households and population covered;
//! shares of complete 5-, 10- and 15-minute life circles. Shares are fractions 0–1 with all
//! households as denominator (a null distance counts as not covered).
//!
//! [`Summary`] is the one schema of summary.json: [`Summary::new`] builds it complete from the
//! analysis and its other parts (inputs, credits, gaps, zones...), and the report reads the file
//! back into the same type.

use std::collections::BTreeMap;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use super::indicators::{ZoneReport, ZoneSummary};
use super::{Analysis, DistanceModel, Gaps, GapsSummary, Judge};
use crate::crs::Crs;
use crate::io::load::{LayerRole, RepairedGeometry};
use crate::standards::Cohort;

/// How summary.json's `elderly_land_per_capita_15min.method` describes the 2SFCA.
pub const ELDERLY_LAND_METHOD: &str = "2SFCA: each elderly-care facility's land ÷ residents within its 15-minute reach, summed over the facilities each household reaches";

/// Summary of one category.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategorySummary {
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Tier id, if any.
    pub tier: Option<String>,
    /// Straight-line radius used (walking radius ÷ detour), metres; null when none.
    pub radius_m: Option<f64>,
    /// Walking radius from the profile, metres.
    pub walk_radius_m: Option<f64>,
    /// Whether it is required.
    pub required: bool,
    /// The cohort it serves.
    pub cohort: Cohort,
    /// Facilities of this very category.
    pub facilities: usize,
    /// Facilities meeting this need, including those that "also serve" it.
    pub serving_facilities: usize,
    /// Households within the radius of a serving facility (null without radius).
    pub covered_households: Option<f64>,
    /// Residents within the radius of a serving facility (null without radius).
    pub covered_population: Option<f64>,
    /// covered_households ÷ all households.
    pub covered_share: Option<f64>,
    /// covered_population ÷ all residents.
    pub covered_population_share: Option<f64>,
    /// Share of households covered along the network (= covered_share in a network analysis;
    /// null in a straight-line one or without radius).
    pub network_covered_share: Option<f64>,
    /// Share of households within the walking radius in a straight line (before any detour
    /// factor; null without radius).
    pub euclid_covered_share: Option<f64>,
    /// Share of residents within the walking radius in a straight line (as
    /// `euclid_covered_share`, weighted by population).
    pub euclid_covered_population_share: Option<f64>,
    /// Median over residences of network ÷ straight-line distance to the nearest serving
    /// facility, where both are known and the straight line is at least 1 m (null otherwise).
    pub median_detour: Option<f64>,
    /// How coverage was judged: "metres" or "minutes" (null without radius).
    pub judged_by: Option<Judge>,
    /// Walking speed of the category's cohort, m/s.
    pub speed_m_s: f64,
}

/// The network part of the summary.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct NetworkSummary {
    /// Features in the network layer.
    pub features: usize,
    /// Features skipped because their `foot` attribute forbids walking.
    pub not_walkable: usize,
    /// Lines, vertices, nodes, edges and components kept and dropped.
    #[serde(flatten)]
    pub build: crate::network::BuildReport,
    /// Vertices closer than this were merged into one node, metres.
    pub node_tolerance_m: f64,
    /// Smallest component kept, nodes.
    pub min_component: usize,
    /// Farthest a point may be from the network to be connected to it, metres.
    pub max_snap_m: f64,
    /// Residences farther than `max_snap_m` from every edge (null distances).
    pub unreachable_residences: usize,
    /// Their ids, in input order.
    pub unreachable_residence_ids: Vec<String>,
    /// Facilities farther than `max_snap_m` from every edge (they serve no one).
    pub unreachable_facilities: usize,
    /// Their ids, in input order.
    pub unreachable_facility_ids: Vec<String>,
}

/// The summary written to summary.json (and read back by the report).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Profile id.
    pub standard: String,
    /// The profile's Chinese name.
    pub standard_name_zh: String,
    /// The profile's English name.
    pub standard_name_en: String,
    /// The document the profile implements.
    pub standard_source: String,
    /// "euclidean" (straight line) or "network".
    pub distance_model: DistanceModel,
    /// Detour factor radii were divided by.
    pub detour: f64,
    /// What coverage is judged by: "metres" (radius) or "minutes" (tier minutes at the
    /// cohort's speed).
    pub judge: Judge,
    /// Walking speed, m/s.
    pub speed_m_s: f64,
    /// Walking speed of the elderly cohort, m/s.
    pub elderly_speed_m_s: f64,
    /// Median of network ÷ straight-line distance over every residence and category where
    /// both are known (null in a straight-line analysis).
    pub median_detour: Option<f64>,
    /// Number of residences.
    pub residences: usize,
    /// Total households.
    pub households: f64,
    /// Total residents.
    pub population: f64,
    /// Per category, in profile order.
    #[serde(serialize_with = "ordered_map", deserialize_with = "ordered_entries")]
    pub categories: Vec<(String, CategorySummary)>,
    /// Share of households whose 5-minute life circle is complete.
    pub complete_share_5min: Option<f64>,
    /// Share of households whose 10-minute life circle is complete.
    pub complete_share_10min: Option<f64>,
    /// Share of households whose 15-minute life circle is complete.
    pub complete_share_15min: Option<f64>,
    /// Facilities analysed.
    pub facilities: usize,
    /// The local projection distances were measured in.
    pub local_projection: String,
    /// The CRS of the written layers.
    pub out_crs: String,
    /// The input layers: role, file, features read and CRS.
    #[serde(default)]
    pub inputs: Vec<InputSummary>,
    /// Credits of the data, each once, in input order: the layers' own `attribution`
    /// (as `import-osm` writes it) and any given with `--attribution`.
    #[serde(default)]
    pub attribution: Vec<String>,
    /// Category names in the services layer that matched no category, with their counts.
    #[serde(default)]
    pub unknown_categories: BTreeMap<String, usize>,
    /// Invalid input polygons (self-intersecting, overlapping parts...) that were repaired as
    /// they were read, in input order: layer file, feature index, id and problem (empty when
    /// every polygon was valid).
    #[serde(default)]
    pub repaired_geometries: Vec<RepairedGeometry>,
    /// The walking network, what was dropped and what could not reach it (null in a
    /// straight-line analysis).
    pub network: Option<NetworkSummary>,
    /// The per-household 2SFCA of elderly-care land (households.geojson's
    /// `elderly_land_per_capita_15min`), when the profile asks for elderly land.
    pub elderly_land_per_capita_15min: Option<ElderlyLandSummary>,
    /// Zones and their indicator verdicts (null unless zones were measured).
    pub zones: Option<ZoneSummary>,
    /// Gap cells and the largest gap areas (null unless computed: see
    /// [`super::Analysis::gaps`]).
    pub gaps: Option<GapsSummary>,
}

/// One input layer in summary.json.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputSummary {
    /// "residences", "services", "network" or "zones".
    pub role: LayerRole,
    /// The file (or OSM extract) it was read from.
    pub path: String,
    /// Features read.
    pub features: usize,
    /// The CRS its coordinates were read in.
    pub crs: String,
}

/// The 2SFCA block of summary.json.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ElderlyLandSummary {
    /// How the value is computed ([`ELDERLY_LAND_METHOD`]).
    pub method: String,
    /// The 15-minute reach per elderly-care category, metres (in the distance model's terms).
    pub radius_m: BTreeMap<String, f64>,
    /// Elderly-care facilities without a land area (the households they reach are not assessed).
    pub facilities_without_land: usize,
    /// Residences without a value.
    pub residences_not_assessed: usize,
}

fn ordered_map<S: Serializer>(v: &[(String, CategorySummary)], s: S) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, c) in v {
        m.serialize_entry(k, c)?;
    }
    m.end()
}

/// Reads summary.json's `categories` object into (id, summary) pairs in file order.
fn ordered_entries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, CategorySummary)>, D::Error> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, CategorySummary)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of categories")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry::<String, CategorySummary>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Entries)
}

/// Everything summary.json says besides what the analysis itself holds: given to
/// [`Summary::new`], which builds the summary complete in one place.
#[derive(Debug, Clone)]
pub struct SummaryParts<'a> {
    /// The CRS of the written layers.
    pub out_crs: Crs,
    /// The input layers: role, file, features read and CRS.
    pub inputs: Vec<InputSummary>,
    /// Credits of the data, each once, in input order.
    pub attribution: Vec<String>,
    /// Category names in the services layer that matched no category, with their counts.
    pub unknown_categories: BTreeMap<String, usize>,
    /// Invalid input polygons repaired as they were read, in input order.
    pub repaired_geometries: Vec<RepairedGeometry>,
    /// The gap cells and areas, when computed.
    pub gaps: Option<&'a Gaps>,
    /// The zones and their indicators, when measured.
    pub zones: Option<&'a ZoneReport>,
}

impl Default for SummaryParts<'_> {
    fn default() -> Self {
        SummaryParts {
            out_crs: Crs::Wgs84,
            inputs: Vec::new(),
            attribution: Vec::new(),
            unknown_categories: BTreeMap::new(),
            repaired_geometries: Vec::new(),
            gaps: None,
            zones: None,
        }
    }
}

impl Summary {
    /// The complete summary of `analysis` with its other `parts`: what summary.json holds.
    pub fn new(analysis: &Analysis, parts: SummaryParts<'_>) -> Summary {
        summarise(analysis, parts)
    }

    /// Index of a category id in [`Summary::categories`].
    pub fn category_index(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|(c, _)| c == id)
    }
}

/// Rounds a count to 0.1 for output.
fn count(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Rounds a share to 1e-6 for output; `None` when the denominator is zero.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| ((part / whole) * 1e6).round() / 1e6)
}

/// Residences per partial sum.
const SUM_CHUNK: usize = 16_384;

/// Covered and complete totals over some residences.
struct Totals {
    covered_households: Vec<f64>,
    covered_population: Vec<f64>,
    euclid_covered_households: Vec<f64>,
    euclid_covered_population: Vec<f64>,
    complete_households: [f64; 3],
}

impl Totals {
    fn new(categories: usize) -> Totals {
        Totals {
            covered_households: vec![0.0; categories],
            covered_population: vec![0.0; categories],
            euclid_covered_households: vec![0.0; categories],
            euclid_covered_population: vec![0.0; categories],
            complete_households: [0.0; 3],
        }
    }

    fn add(&mut self, a: &Analysis, r: usize) {
        let res = &a.residences[r];
        for c in 0..self.covered_households.len() {
            if a.covered(r, c) == Some(true) {
                self.covered_households[c] += res.households;
                self.covered_population[c] += res.population;
            }
            if a.euclid_covered(r, c) == Some(true) {
                self.euclid_covered_households[c] += res.households;
                self.euclid_covered_population[c] += res.population;
            }
        }
        for (sum, complete) in self.complete_households.iter_mut().zip(a.verdict(r).complete) {
            if complete {
                *sum += res.households;
            }
        }
    }

    fn merge(&mut self, other: &Totals) {
        for (x, y) in self.covered_households.iter_mut().zip(&other.covered_households) {
            *x += y;
        }
        for (x, y) in self.covered_population.iter_mut().zip(&other.covered_population) {
            *x += y;
        }
        for (x, y) in self.euclid_covered_households.iter_mut().zip(&other.euclid_covered_households) {
            *x += y;
        }
        for (x, y) in self.euclid_covered_population.iter_mut().zip(&other.euclid_covered_population) {
            *x += y;
        }
        for (x, y) in self.complete_households.iter_mut().zip(other.complete_households) {
            *x += y;
        }
    }
}

fn summarise(a: &Analysis, parts: SummaryParts<'_>) -> Summary {
    let n_cat = a.profile.categories.len();
    let households: f64 = a.residences.iter().map(|r| r.households).sum();
    let population: f64 = a.residences.iter().map(|r| r.population).sum();
    // Partial sums over fixed chunks of residences, in parallel, then added in chunk order:
    // the result is the same for any thread count.
    let partials: Vec<Totals> = (0..a.residences.len())
        .into_par_iter()
        .step_by(SUM_CHUNK)
        .map(|start| {
            let mut t = Totals::new(n_cat);
            for r in start..(start + SUM_CHUNK).min(a.residences.len()) {
                t.add(a, r);
            }
            t
        })
        .collect();
    let mut totals = Totals::new(n_cat);
    for p in &partials {
        totals.merge(p);
    }
    let Totals {
        covered_households: cov_hh,
        covered_population: cov_pop,
        euclid_covered_households: euclid_hh,
        euclid_covered_population: euclid_pop,
        complete_households: complete_hh,
    } = totals;
    let network = a.coverage.is_network();
    let (median_detours, overall_detour) = if network { detours(a) } else { (vec![None; n_cat], None) };
    let mut own = vec![0usize; n_cat];
    for f in &a.facilities {
        own[f.category] += 1;
    }
    let categories = a
        .profile
        .categories
        .iter()
        .enumerate()
        .map(|(c, cat)| {
            let judged = a.radii_m[c].is_some();
            let serving = a.profile.served_by(c).iter().map(|&s| own[s]).sum();
            let summary = CategorySummary {
                name_zh: cat.name_zh.clone(),
                name_en: cat.name_en.clone(),
                tier: cat.tier.clone(),
                radius_m: a.radii_m[c],
                walk_radius_m: cat.radius_m,
                required: cat.required,
                cohort: cat.cohort,
                facilities: own[c],
                serving_facilities: serving,
                covered_households: judged.then(|| count(cov_hh[c])),
                covered_population: judged.then(|| count(cov_pop[c])),
                covered_share: if judged { share(cov_hh[c], households) } else { None },
                covered_population_share: if judged { share(cov_pop[c], population) } else { None },
                network_covered_share: if judged && network { share(cov_hh[c], households) } else { None },
                euclid_covered_share: if judged { share(euclid_hh[c], households) } else { None },
                euclid_covered_population_share: if judged { share(euclid_pop[c], population) } else { None },
                median_detour: median_detours[c],
                judged_by: judged.then(|| match (a.options.judge, a.profile.tier_minutes(cat)) {
                    (Judge::Minutes, Some(_)) => Judge::Minutes,
                    _ => Judge::Metres,
                }),
                speed_m_s: a.options.speed_of(cat.cohort),
            };
            (cat.id.clone(), summary)
        })
        .collect();
    Summary {
        standard: a.profile.id.clone(),
        standard_name_zh: a.profile.name_zh.clone(),
        standard_name_en: a.profile.name_en.clone(),
        standard_source: a.profile.source.clone(),
        distance_model: a.distance_model,
        detour: a.options.detour,
        judge: a.options.judge,
        speed_m_s: a.options.speed_m_s,
        elderly_speed_m_s: a.options.elderly_speed_m_s,
        median_detour: overall_detour,
        residences: a.residences.len(),
        households: count(households),
        population: count(population),
        categories,
        complete_share_5min: share(complete_hh[0], households),
        complete_share_10min: share(complete_hh[1], households),
        complete_share_15min: share(complete_hh[2], households),
        facilities: a.facilities.len(),
        local_projection: a.projection.describe(),
        out_crs: parts.out_crs.label(),
        inputs: parts.inputs,
        attribution: parts.attribution,
        unknown_categories: parts.unknown_categories,
        repaired_geometries: parts.repaired_geometries,
        network: a.network.as_ref().map(|n| network_summary(a, n)),
        elderly_land_per_capita_15min: a.elderly_land.as_ref().map(|e| ElderlyLandSummary {
            method: ELDERLY_LAND_METHOD.to_owned(),
            radius_m: e.radius_m.iter().map(|(c, r)| (c.clone(), *r)).collect(),
            facilities_without_land: e.facilities_without_land,
            residences_not_assessed: e.per_capita.iter().filter(|v| v.is_none()).count(),
        }),
        zones: parts.zones.map(|z| z.summary(a)),
        gaps: parts.gaps.map(|g| g.summary(a)),
    }
}

/// The network part of the summary.
fn network_summary(a: &Analysis, n: &super::NetworkAnalysis) -> NetworkSummary {
    let residence_ids: Vec<String> = n.unreachable_residences().map(|r| a.residences[r].id.clone()).collect();
    let facility_ids: Vec<String> = n.unreachable_facilities().map(|f| a.facilities[f].id.clone()).collect();
    NetworkSummary {
        features: n.features,
        not_walkable: n.not_walkable,
        build: n.build.clone(),
        node_tolerance_m: n.options.node_tolerance_m,
        min_component: n.options.min_component,
        max_snap_m: n.options.max_snap_m,
        unreachable_residences: residence_ids.len(),
        unreachable_residence_ids: residence_ids,
        unreachable_facilities: facility_ids.len(),
        unreachable_facility_ids: facility_ids,
    }
}

/// Median network ÷ straight-line detour per category and over all categories, from the
/// residences where both distances are known and the straight line is at least 1 m.
fn detours(a: &Analysis) -> (Vec<Option<f64>>, Option<f64>) {
    let n_cat = a.profile.categories.len();
    let mut per_category: Vec<Vec<f32>> = (0..n_cat)
        .into_par_iter()
        .map(|c| {
            (0..a.residences.len())
                .filter_map(|r| {
                    let walked = a.coverage.distance(r, c)?;
                    let straight = a.coverage.euclid_distance(r, c)?;
                    (straight >= 1.0).then(|| (walked / straight) as f32)
                })
                .collect()
        })
        .collect();
    let medians = per_category.iter_mut().map(|v| super::network::median_ratio(v)).collect();
    let mut all: Vec<f32> = per_category.into_iter().flatten().collect();
    (medians, super::network::median_ratio(&mut all))
}

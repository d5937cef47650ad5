//! Zone indicators: per zone, its households, population and elderly, coverage share per
//! category and complete shares, and each indicator the profile asks for with its value, target
//! and verdict (`pass`, `fail`, `not_assessed`).
//!
//! A value that needs an attribute the input does not give (a facility's land or floor area,
//! a zone's community workers...) is `not_assessed` with a note saying what is missing, never
//! `pass`. Values are rounded to four decimals before they are judged, so the verdict always
//! agrees with the number written. Sums run in input order, so results do not depend on the
//! thread count.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::analysis::Analysis;
use crate::analysis::zones::{Assignment, Grid, NO_ZONE, ZoneIndex, study_area};
use crate::model::Zone;
use crate::standards::{AppliesTo, IndicatorId, IndicatorRule};

/// Where zones come from.
#[derive(Debug, Clone)]
pub enum ZoneSource {
    /// The whole study area is one zone (no `--zones`).
    StudyArea,
    /// Zones read from a layer (`--zones`).
    Layer(Vec<Zone>),
    /// A regular square grid of this many metres (`--grid`).
    Grid(f64),
}

/// An indicator's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The value meets the target.
    Pass,
    /// The value misses the target.
    Fail,
    /// The value could not be measured (missing attribute, empty zone, rule does not apply).
    NotAssessed,
}

impl Status {
    /// `pass`, `fail` or `not_assessed`, as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotAssessed => "not_assessed",
        }
    }
}

/// One indicator measured in one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    /// The value (rounded to four decimals), `None` when not measurable.
    pub value: Option<f64>,
    /// The target that applies to the zone, `None` when the rule does not apply to it.
    pub target: Option<f64>,
    /// The verdict.
    pub status: Status,
    /// Why it is not assessed, or a remark.
    pub note: Option<String>,
    /// Facilities that lacked an attribute the value needs.
    pub missing: usize,
}

/// One zone's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneStats {
    /// Residences assigned to it.
    pub residences: usize,
    /// Facilities assigned to it.
    pub facilities: usize,
    /// Households.
    pub households: f64,
    /// Residents.
    pub population: f64,
    /// Elderly residents, `None` unless every residence in the zone gives them.
    pub elderly: Option<f64>,
    /// Share of households covered, per category (`None` for a category without a radius or
    /// a zone without households).
    pub covered_share: Vec<Option<f64>>,
    /// Share of households in a complete 5-, 10- and 15-minute life circle.
    pub complete_share: [Option<f64>; 3],
    /// The profile's indicators, in profile order.
    pub indicators: Vec<IndicatorValue>,
}

/// Zones with their figures.
#[derive(Debug, Clone)]
pub struct ZoneReport {
    /// `study_area`, `layer` or `grid`.
    pub kind: super::ZoneKind,
    /// Grid cell size, metres, for `grid`.
    pub grid_m: Option<f64>,
    /// The zones (WGS84), in file order (grid: by row, then column).
    pub zones: Vec<Zone>,
    /// Figures per zone.
    pub stats: Vec<ZoneStats>,
    /// Zone index of each residence ([`NO_ZONE`] when in none).
    pub residence_zone: Vec<u32>,
    /// Zone index of each facility ([`NO_ZONE`] when in none).
    pub facility_zone: Vec<u32>,
    /// Zone pairs (ids, file order) that points lie strictly inside of both, with the count.
    pub overlaps: Vec<(String, String, usize)>,
}

impl ZoneReport {
    /// Residences in no zone (indices, input order).
    pub fn unassigned_residences(&self) -> Vec<usize> {
        (0..self.residence_zone.len()).filter(|&i| self.residence_zone[i] == NO_ZONE).collect()
    }

    /// Facilities in no zone (indices, input order).
    pub fn unassigned_facilities(&self) -> Vec<usize> {
        (0..self.facility_zone.len()).filter(|&i| self.facility_zone[i] == NO_ZONE).collect()
    }
}

/// How many zones passed, failed or were not assessed on one indicator (summary.json).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorSummary {
    /// Indicator id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The target, e.g. `≥ 0.1`.
    pub target: String,
    /// Which zones it applies to.
    pub applies_to: crate::standards::AppliesTo,
    /// Document and clause.
    pub source: String,
    /// Zones that pass.
    pub pass: usize,
    /// Zones that fail.
    pub fail: usize,
    /// Zones not assessed.
    pub not_assessed: usize,
}

/// Two zones that hold points strictly inside both.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Overlap {
    /// The first zone (file order), which got the points.
    pub zone: String,
    /// The second zone.
    pub other: String,
    /// Residences and facilities inside both.
    pub points: usize,
}

/// The zones block of summary.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZoneSummary {
    /// `study_area`, `layer` or `grid`.
    pub kind: super::ZoneKind,
    /// Grid cell size, metres (grid only).
    pub grid_m: Option<f64>,
    /// Number of zones.
    pub zones: usize,
    /// Residences in no zone.
    pub residences_unassigned: usize,
    /// Their ids (the first 100).
    pub unassigned_residence_ids: Vec<String>,
    /// Facilities in no zone.
    pub facilities_unassigned: usize,
    /// Their ids (the first 100).
    pub unassigned_facility_ids: Vec<String>,
    /// Overlapping zones.
    pub overlaps: Vec<Overlap>,
    /// Verdict counts per indicator, in profile order.
    pub indicators: Vec<IndicatorSummary>,
}

impl ZoneReport {
    /// The summary.json block for these zones.
    pub fn summary(&self, a: &Analysis) -> ZoneSummary {
        let res = self.unassigned_residences();
        let fac = self.unassigned_facilities();
        let indicators = a
            .profile
            .indicators
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let count = |st: Status| self.stats.iter().filter(|s| s.indicators[k].status == st).count();
                IndicatorSummary {
                    id: r.id.as_str().to_owned(),
                    name_zh: r.name_zh.clone(),
                    name_en: r.name_en.clone(),
                    target: r.target_text(),
                    applies_to: r.applies_to,
                    source: r.source.clone(),
                    pass: count(Status::Pass),
                    fail: count(Status::Fail),
                    not_assessed: count(Status::NotAssessed),
                }
            })
            .collect();
        ZoneSummary {
            kind: self.kind,
            grid_m: self.grid_m,
            zones: self.zones.len(),
            residences_unassigned: res.len(),
            unassigned_residence_ids: res.iter().take(100).map(|&i| a.residences[i].id.clone()).collect(),
            facilities_unassigned: fac.len(),
            unassigned_facility_ids: fac.iter().take(100).map(|&i| a.facilities[i].id.clone()).collect(),
            overlaps: self
                .overlaps
                .iter()
                .map(|(z, o, n)| Overlap { zone: z.clone(), other: o.clone(), points: *n })
                .collect(),
            indicators,
        }
    }
}

/// Rounds to four decimals (values are judged as written).
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Sums of a facility attribute over a set, with how many lacked it.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    total: f64,
    max: f64,
    missing: usize,
    count: usize,
}

impl Sum {
    fn add(&mut self, v: Option<f64>) {
        self.count += 1;
        match v {
            Some(v) => {
                self.total += v;
                self.max = self.max.max(v);
            }
            None => self.missing += 1,
        }
    }
}

/// What a zone-level rule needs, prepared once per rule.
struct Prepared<'a> {
    rule: &'a IndicatorRule,
    /// Category indices measured.
    categories: Vec<usize>,
    /// Radii (metres, in the analysis's distance model) for household-share rules.
    radii: Vec<Option<f64>>,
    /// Partner facilities for co-location rules.
    near: Option<RTree<GeomWithData<[f64; 2], usize>>>,
}

impl Analysis {
    /// Assigns residences and facilities to zones and measures every zone against the
    /// profile's indicators.
    pub fn zones(&self, source: ZoneSource) -> ZoneReport {
        let (kind, grid_m, zones, assignment_r, assignment_f) = match source {
            ZoneSource::StudyArea => {
                let zone = study_area(
                    self.residences.iter().map(|r| r.lonlat).chain(self.facilities.iter().map(|f| f.lonlat)),
                );
                let r = Assignment { zone: vec![0; self.residences.len()], overlaps: vec![] };
                let f = Assignment { zone: vec![0; self.facilities.len()], overlaps: vec![] };
                (super::ZoneKind::StudyArea, None, vec![zone], r, f)
            }
            ZoneSource::Layer(zones) => {
                let geometries: Vec<_> = zones.iter().map(|z| &z.geometry).collect();
                let index = ZoneIndex::new(&geometries);
                let r = index.assign(&self.residences.iter().map(|r| r.lonlat).collect::<Vec<_>>());
                let f = index.assign(&self.facilities.iter().map(|f| f.lonlat).collect::<Vec<_>>());
                (super::ZoneKind::Layer, None, zones, r, f)
            }
            ZoneSource::Grid(cell_m) => {
                let points: Vec<[f64; 2]> =
                    self.residences.iter().map(|r| r.xy).chain(self.facilities.iter().map(|f| f.xy)).collect();
                let (_, zones, mut of) = Grid::build(cell_m, &points, &self.projection);
                let f = Assignment { zone: of.split_off(self.residences.len()), overlaps: vec![] };
                let r = Assignment { zone: of, overlaps: vec![] };
                (super::ZoneKind::Grid, Some(cell_m), zones, r, f)
            }
        };
        let mut overlaps = std::collections::BTreeMap::new();
        for ((a, b), n) in assignment_r.overlaps.iter().chain(&assignment_f.overlaps) {
            *overlaps.entry((*a, *b)).or_insert(0) += n;
        }
        let overlaps = overlaps
            .into_iter()
            .map(|((a, b), n)| (zones[a as usize].id.clone(), zones[b as usize].id.clone(), n))
            .collect();
        let stats = self.zone_stats(&zones, &assignment_r.zone, &assignment_f.zone);
        ZoneReport {
            kind,
            grid_m,
            zones,
            stats,
            residence_zone: assignment_r.zone,
            facility_zone: assignment_f.zone,
            overlaps,
        }
    }

    /// The radius (metres, in this analysis's distance model) of a tier for a category's
    /// cohort: the tier's walking distance, or with `--judge minutes` its minutes at the
    /// cohort's speed; divided by the detour factor for straight lines; never beyond the
    /// distance the network search covered for the category.
    fn tier_radius(&self, tier: &str, c: usize) -> Option<f64> {
        let t = self.profile.tiers.iter().find(|t| t.id == tier)?;
        let cat = &self.profile.categories[c];
        let walk = match (self.options.judge, t.minutes) {
            (crate::analysis::Judge::Minutes, Some(m)) => m * 60.0 * self.options.speed_of(cat.cohort),
            _ => t.walk_m?,
        };
        match self.distance_model {
            crate::analysis::DistanceModel::Euclidean => Some(walk / self.options.detour),
            crate::analysis::DistanceModel::Network => Some(walk.min(self.walk_radii_m[c].unwrap_or(walk))),
        }
    }

    fn prepare<'a>(&self, rule: &'a IndicatorRule) -> Prepared<'a> {
        let ids = |v: Vec<String>| -> Vec<usize> { v.iter().filter_map(|id| self.profile.index_of(id)).collect() };
        let categories = ids(rule.category_ids());
        let radii = match rule.id {
            IndicatorId::MarketCoverage => categories.iter().map(|&c| self.radii_m[c]).collect(),
            IndicatorId::ElderlyCircle1n => categories.iter().map(|&c| self.tier_radius("15min", c)).collect(),
            _ => Vec::new(),
        };
        let near = (!rule.near_ids().is_empty()).then(|| {
            let near = ids(rule.near_ids());
            let points = self
                .facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| near.contains(&f.category))
                .map(|(i, f)| GeomWithData::new(f.xy, i))
                .collect();
            RTree::bulk_load(points)
        });
        Prepared { rule, categories, radii, near }
    }

    fn zone_stats(&self, zones: &[Zone], residence_zone: &[u32], facility_zone: &[u32]) -> Vec<ZoneStats> {
        let n = zones.len();
        let ncat = self.profile.categories.len();
        let rules: Vec<Prepared> = self.profile.indicators.iter().map(|r| self.prepare(r)).collect();
        let mut stats: Vec<ZoneStats> = (0..n)
            .map(|_| ZoneStats {
                residences: 0,
                facilities: 0,
                households: 0.0,
                population: 0.0,
                elderly: Some(0.0),
                covered_share: vec![None; ncat],
                complete_share: [None; 3],
                indicators: Vec::new(),
            })
            .collect();
        // Residences grouped by zone, in input order within each zone; zones are summed in
        // parallel, each in that order (the sums do not depend on the thread count).
        let mut start = vec![0usize; n + 1];
        for &z in residence_zone {
            if z != NO_ZONE {
                start[z as usize + 1] += 1;
            }
        }
        for z in 0..n {
            start[z + 1] += start[z];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; start[n]];
        for (r, &z) in residence_zone.iter().enumerate() {
            if z != NO_ZONE {
                members[fill[z as usize]] = r as u32;
                fill[z as usize] += 1;
            }
        }
        let required: Vec<bool> = self.profile.categories.iter().map(|c| c.required).collect();
        let ranks: Vec<u8> = self.profile.categories.iter().map(|c| self.profile.tier_rank(c).unwrap_or(0)).collect();
        struct Sums {
            covered: Vec<f64>,
            complete: [f64; 3],
            reached: Vec<f64>,
        }
        let sums: Vec<Sums> = stats
            .par_iter_mut()
            .enumerate()
            .map(|(z, s)| {
                let mut sums = Sums { covered: vec![0.0; ncat], complete: [0.0; 3], reached: vec![0.0; rules.len()] };
                for &r in &members[start[z]..start[z + 1]] {
                    let r = r as usize;
                    let res = &self.residences[r];
                    s.residences += 1;
                    s.households += res.households;
                    s.population += res.population;
                    s.elderly = match (s.elderly, res.elderly) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                    // Coverage and complete tiers as `verdict` judges them, without its list.
                    let mut worst_missing_rank = u8::MAX;
                    for (c, sum) in sums.covered.iter_mut().enumerate() {
                        match self.covered(r, c) {
                            Some(true) => *sum += res.households,
                            Some(false) if required[c] => worst_missing_rank = worst_missing_rank.min(ranks[c]),
                            _ => {}
                        }
                    }
                    for (sum, tier) in sums.complete.iter_mut().zip(self.tier_ranks) {
                        if worst_missing_rank > tier {
                            *sum += res.households;
                        }
                    }
                    for (p, sum) in rules.iter().zip(sums.reached.iter_mut()) {
                        if p.radii.is_empty() {
                            continue;
                        }
                        let reached = p.categories.iter().zip(&p.radii).any(|(&c, radius)| {
                            radius.is_some_and(|radius| self.coverage.distance(r, c).is_some_and(|d| d <= radius))
                        });
                        if reached {
                            *sum += res.households;
                        }
                    }
                }
                sums
            })
            .collect();
        let mut zone_facilities: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (f, &z) in facility_zone.iter().enumerate() {
            if z != NO_ZONE {
                zone_facilities[z as usize].push(f);
            }
        }
        for (z, s) in stats.iter_mut().enumerate() {
            s.facilities = zone_facilities[z].len();
            if s.residences == 0 {
                s.elderly = None;
            }
            if s.households > 0.0 {
                for c in 0..ncat {
                    if self.radii_m[c].is_some() {
                        s.covered_share[c] = Some(round4(sums[z].covered[c] / s.households));
                    }
                }
                s.complete_share = sums[z].complete.map(|h| Some(round4(h / s.households)));
            }
        }
        let indicators: Vec<Vec<IndicatorValue>> = stats
            .par_iter()
            .enumerate()
            .map(|(z, s)| {
                rules
                    .iter()
                    .enumerate()
                    .map(|(k, p)| self.measure(p, &zones[z], s, &zone_facilities[z], sums[z].reached[k]))
                    .collect()
            })
            .collect();
        for (s, v) in stats.iter_mut().zip(indicators) {
            s.indicators = v;
        }
        stats
    }

    /// Measures one indicator in one zone.
    fn measure(
        &self,
        p: &Prepared,
        zone: &Zone,
        s: &ZoneStats,
        facilities: &[usize],
        reached_households: f64,
    ) -> IndicatorValue {
        let rule = p.rule;
        let rural = zone.attributes.rural == Some(true);
        let not_assessed = |note: String, missing: usize| IndicatorValue {
            value: None,
            target: Some(rule.target_for(rural)),
            status: Status::NotAssessed,
            note: Some(note),
            missing,
        };
        let applies = match rule.applies_to {
            AppliesTo::All => true,
            AppliesTo::Urban => !rural,
            AppliesTo::Rural => rural,
        };
        if !applies {
            let kind = if rural { "rural" } else { "urban (or unspecified)" };
            return IndicatorValue {
                value: None,
                target: None,
                status: Status::NotAssessed,
                note: Some(format!("applies to {} zones; this zone is {kind}", rule.applies_to.as_str())),
                missing: 0,
            };
        }
        let subject: Vec<usize> =
            facilities.iter().copied().filter(|&f| p.categories.contains(&self.facilities[f].category)).collect();
        let sum = |get: &dyn Fn(usize) -> Option<f64>| {
            let mut sum = Sum::default();
            for &f in &subject {
                sum.add(get(f));
            }
            sum
        };
        let cats =
            || p.categories.iter().map(|&c| self.profile.categories[c].id.as_str()).collect::<Vec<_>>().join(", ");
        let attribute = |what: &str, v: Option<f64>| -> Result<f64, IndicatorValue> {
            v.ok_or_else(|| not_assessed(format!("the zone has no {what} attribute"), 0))
        };
        let per = |num: f64, den: f64, den_what: &str| -> Result<f64, IndicatorValue> {
            if den > 0.0 { Ok(num / den) } else { Err(not_assessed(format!("the zone has no {den_what}"), 0)) }
        };
        let need_all = |sum: Sum, what: &str| -> Result<Sum, IndicatorValue> {
            if sum.missing > 0 {
                Err(not_assessed(
                    format!("{} of {} {} facilities have no {what}", sum.missing, sum.count, cats()),
                    sum.missing,
                ))
            } else {
                Ok(sum)
            }
        };
        let share_of_facilities = |ok: &dyn Fn(usize) -> Option<bool>, what: &str| -> Result<f64, IndicatorValue> {
            if subject.is_empty() {
                return Err(not_assessed(format!("the zone has no {} facility", cats()), 0));
            }
            let mut yes = 0usize;
            let mut unknown = 0usize;
            for &f in &subject {
                match ok(f) {
                    Some(true) => yes += 1,
                    Some(false) => {}
                    None => unknown += 1,
                }
            }
            if unknown > 0 {
                return Err(not_assessed(
                    format!("{unknown} of {} {} facilities have no {what}", subject.len(), cats()),
                    unknown,
                ));
            }
            Ok(yes as f64 / subject.len() as f64)
        };
        let near_within = |f: usize| -> bool {
            let (Some(tree), Some(d)) = (&p.near, rule.distance()) else { return false };
            let xy = self.facilities[f].xy;
            tree.locate_within_distance(xy, d * d).any(|g| g.data != f)
        };
        let fac = |f: usize| &self.facilities[f];
        let attrs = &zone.attributes;
        let value: Result<f64, IndicatorValue> = (|| match rule.id {
            IndicatorId::ElderlyLandPerCapita => {
                let land = need_all(sum(&|f| fac(f).land_area_m2), "land area (land_area_m2 or a polygon)")?;
                per(land.total, s.population, "residents")
            }
            IndicatorId::ServiceAreaPer100Households => {
                let floor = need_all(sum(&|f| fac(f).floor_area_m2), "floor area (floor_area_m2)")?;
                Ok(per(floor.total, s.households, "households")? * 100.0)
            }
            IndicatorId::ServiceAreaTotal | IndicatorId::VillageServiceArea => {
                Ok(need_all(sum(&|f| fac(f).floor_area_m2), "floor area (floor_area_m2)")?.total)
            }
            IndicatorId::ActivityShare | IndicatorId::OfficeShare => {
                if subject.is_empty() {
                    return Err(not_assessed(format!("the zone has no {} facility", cats()), 0));
                }
                let floor = need_all(sum(&|f| fac(f).floor_area_m2), "floor area (floor_area_m2)")?;
                let part = if rule.id == IndicatorId::ActivityShare {
                    need_all(sum(&|f| fac(f).activity_area_m2), "activity area (activity_area_m2)")?
                } else {
                    need_all(sum(&|f| fac(f).office_area_m2), "office area (office_area_m2)")?
                };
                per(part.total, floor.total, "facility floor area")
            }
            IndicatorId::WorkersPer10k => {
                Ok(per(attribute("community_workers", attrs.community_workers)?, s.population, "residents")? * 1e4)
            }
            IndicatorId::SocialOrgsPerCommunity => {
                let min = if rural { rule.min_households_rural } else { rule.min_households };
                if let Some(min) = min
                    && s.households < min
                {
                    return Err(not_assessed(
                        format!("the rule applies from {min} households; the zone has {}", s.households),
                        0,
                    ));
                }
                attribute("social_orgs", attrs.social_orgs)
            }
            IndicatorId::SocialWorkersPerCommunity => attribute("social_workers", attrs.social_workers),
            IndicatorId::RegisteredVolunteersShare => {
                per(attribute("registered_volunteers", attrs.registered_volunteers)?, s.population, "residents")
            }
            IndicatorId::VolunteerStationShare => share_of_facilities(
                &|f| Some(fac(f).volunteer_station == Some(true) || near_within(f)),
                "volunteer station information",
            ),
            IndicatorId::ElderlyHealthAdjacency => {
                share_of_facilities(&|f| Some(near_within(f)), "health facility information")
            }
            IndicatorId::MarketCoverage | IndicatorId::ElderlyCircle1n => {
                if p.radii.iter().all(Option::is_none) {
                    return Err(not_assessed(format!("{} has no radius in this profile", cats()), 0));
                }
                per(reached_households, s.households, "households")
            }
            IndicatorId::OpenHoursShare => {
                let hours = rule.hours();
                share_of_facilities(&|f| fac(f).open_hours.or(attrs.open_hours).map(|h| h >= hours), "open_hours")
            }
            IndicatorId::FacilityCoverage => Ok(if subject.is_empty() { 0.0 } else { 1.0 }),
            IndicatorId::RuralCentreArea => {
                let floor = sum(&|f| fac(f).floor_area_m2);
                // An unknown floor area could be the centre's only when the known ones miss the target.
                if floor.missing > 0 && !rule.comparison.passes(floor.max, rule.target_for(rural)) {
                    return Err(not_assessed(
                        format!(
                            "{} of {} {} facilities have no floor area (floor_area_m2)",
                            floor.missing,
                            floor.count,
                            cats()
                        ),
                        floor.missing,
                    ));
                }
                Ok(floor.max)
            }
        })();
        match value {
            Err(v) => v,
            Ok(v) => {
                let v = round4(v);
                let target = rule.target_for(rural);
                let status = if rule.comparison.passes(v, target) { Status::Pass } else { Status::Fail };
                IndicatorValue { value: Some(v), target: Some(target), status, note: None, missing: 0 }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{AnalysisOptions, analyze};
    use crate::model::{Facility, Residence, ZoneAttributes};
    use crate::standards::StandardProfile;
    use geo::{Geometry, LineString, Polygon};

    /// Metres → degrees near (116.4, 39.9), roughly (distances in the case keep ≥ 5 m margins).
    fn at(x: f64, y: f64) -> [f64; 2] {
        let lat0: f64 = 39.9;
        [116.4 + x / (111_320.0 * lat0.to_radians().cos()), lat0 + y / 110_574.0]
    }

    fn residence(id: &str, xy: (f64, f64), households: f64, population: f64) -> Residence {
        let p = at(xy.0, xy.1);
        Residence::point(id, households, population, p)
    }

    fn facility(p: &StandardProfile, id: &str, cat: &str, xy: (f64, f64)) -> Facility {
        let q = at(xy.0, xy.1);
        Facility::point(id, p.index_of(cat).unwrap(), q)
    }

    fn square(id: &str, x0: f64, size: f64, attributes: ZoneAttributes) -> Zone {
        let ring: Vec<(f64, f64)> = [(x0, 0.0), (x0 + size, 0.0), (x0 + size, size), (x0, size), (x0, 0.0)]
            .iter()
            .map(|&(x, y)| {
                let p = at(x, y);
                (p[0], p[1])
            })
            .collect();
        Zone {
            id: id.into(),
            name: None,
            geometry: Geometry::Polygon(Polygon::new(LineString::from(ring), vec![])),
            attributes,
        }
    }

    /// Every indicator, with targets from the provincial plans (standards.md §3–§4).
    const EVERY_INDICATOR: &str = r#"
        id = "every"
        extends = "gb50180-2018"
        indicators = [
            { id = "service_area_per_100_households", name_zh = "每百户", name_en = "per 100 households", target = 30, source = "s" },
            { id = "service_area_total", name_zh = "总面积", name_en = "total", target = 300, source = "s" },
            { id = "activity_share", name_zh = "活动", name_en = "activity", target = 0.6, source = "s" },
            { id = "office_share", name_zh = "办公", name_en = "office", target = 0.3, comparison = "at_most", applies_to = "rural", source = "s" },
            { id = "workers_per_10k", name_zh = "社工", name_en = "workers", target = 18, applies_to = "urban", source = "s" },
            { id = "social_orgs_per_community", name_zh = "组织", name_en = "orgs", target = 12, target_rural = 6, min_households = 150, min_households_rural = 300, source = "s" },
            { id = "social_workers_per_community", name_zh = "社工", name_en = "social workers", target = 1, source = "s" },
            { id = "registered_volunteers_share", name_zh = "志愿者", name_en = "volunteers", target = 0.2, source = "s" },
            { id = "volunteer_station_share", name_zh = "志愿站", name_en = "stations", target = 0.8, source = "s" },
            { id = "market_coverage", name_zh = "菜市场", name_en = "market", target = 0.95, source = "s" },
            { id = "elderly_health_adjacency", name_zh = "医养", name_en = "adjacency", target = 1, source = "s" },
            { id = "elderly_circle_1n", name_zh = "1+N", name_en = "1+N", target = 1, source = "s" },
            { id = "open_hours_share", name_zh = "开放", name_en = "hours", target = 1, source = "s" },
            { id = "facility_coverage", name_zh = "覆盖", name_en = "coverage", target = 1, target_rural = 0.8, source = "s" },
            { id = "village_service_area", name_zh = "村", name_en = "village", target = 300, applies_to = "rural", source = "s" },
            { id = "rural_centre_area", name_zh = "中心", name_en = "centre", target = 1000, applies_to = "rural", source = "s" },
        ]
    "#;

    fn case() -> (Analysis, ZoneReport) {
        let p = StandardProfile::from_toml_str(EVERY_INDICATOR, "every").unwrap();
        let residences = vec![
            residence("r1", (100.0, 100.0), 100.0, 250.0),
            residence("r2", (300.0, 300.0), 100.0, 250.0),
            residence("r3", (650.0, 100.0), 50.0, 120.0),
            residence("outside", (2000.0, 2000.0), 1.0, 2.0),
        ];
        let mut e1 = facility(&p, "e1", "elderly_daycare", (110.0, 100.0));
        e1.land_area_m2 = Some(30.0);
        let mut cs1 = facility(&p, "cs1", "community_service", (200.0, 200.0));
        (cs1.floor_area_m2, cs1.activity_area_m2, cs1.office_area_m2, cs1.open_hours) =
            (Some(200.0), Some(130.0), Some(40.0), Some(10.0));
        let facilities = vec![
            e1,
            cs1,
            facility(&p, "v1", "volunteer_station", (230.0, 200.0)),
            facility(&p, "c1", "clinic", (150.0, 100.0)),
            facility(&p, "m1", "market", (100.0, 150.0)),
            facility(&p, "cs2", "community_service", (600.0, 200.0)),
            facility(&p, "eh", "elderly_home", (700.0, 100.0)),
        ];
        let a = analyze(p, residences, facilities, None, AnalysisOptions::default(), crate::progress::SILENT).unwrap();
        let urban = ZoneAttributes {
            rural: Some(false),
            community_workers: Some(9.0),
            social_orgs: Some(12.0),
            social_workers: Some(1.0),
            registered_volunteers: Some(50.0),
            open_hours: None,
        };
        let rural = ZoneAttributes { rural: Some(true), ..ZoneAttributes::default() };
        let z = a.zones(ZoneSource::Layer(vec![square("A", 0.0, 400.0, urban), square("B", 400.0, 400.0, rural)]));
        (a, z)
    }

    fn get<'a>(a: &Analysis, z: &'a ZoneReport, zone: usize, id: &str) -> &'a IndicatorValue {
        let k = a.profile.indicators.iter().position(|r| r.id.as_str() == id).unwrap();
        &z.stats[zone].indicators[k]
    }

    #[test]
    fn every_indicator_on_a_hand_made_case() {
        let (a, z) = case();
        assert_eq!(z.residence_zone, vec![0, 0, 1, NO_ZONE]);
        assert_eq!(z.facility_zone, vec![0, 0, 0, 0, 0, 1, 1]);
        assert_eq!((z.stats[0].households, z.stats[0].population, z.stats[0].facilities), (200.0, 500.0, 5));
        let pass = |v: f64| (Some(v), Status::Pass);
        let fail = |v: f64| (Some(v), Status::Fail);
        let na = (None, Status::NotAssessed);
        let want_a = [
            ("elderly_land_per_capita", fail(0.06)),          // 30 m² / 500 residents
            ("service_area_per_100_households", pass(100.0)), // 200 m² / 200 households × 100
            ("service_area_total", fail(200.0)),
            ("activity_share", pass(0.65)),
            ("office_share", na),             // rural only
            ("workers_per_10k", pass(180.0)), // 9 / 500 × 10,000
            ("social_orgs_per_community", pass(12.0)),
            ("social_workers_per_community", pass(1.0)),
            ("registered_volunteers_share", fail(0.1)),
            ("volunteer_station_share", pass(1.0)),  // v1 30 m from cs1
            ("market_coverage", pass(1.0)),          // r1 50 m, r2 250 m from m1
            ("elderly_health_adjacency", pass(1.0)), // c1 40 m from e1
            ("elderly_circle_1n", pass(1.0)),        // eh 600 m and 447 m away
            ("open_hours_share", pass(1.0)),
            ("facility_coverage", pass(1.0)),
            ("village_service_area", na),
            ("rural_centre_area", na),
        ];
        for (id, (value, status)) in want_a {
            let v = get(&a, &z, 0, id);
            assert_eq!((v.value, v.status), (value, status), "zone A {id}: {v:?}");
        }
        assert_eq!(get(&a, &z, 0, "elderly_land_per_capita").target, Some(0.1));
        assert_eq!(get(&a, &z, 0, "office_share").target, None, "not applicable: no target");
        let want_b = [
            ("elderly_land_per_capita", na),         // eh has no land area
            ("service_area_per_100_households", na), // cs2 has no floor area
            ("office_share", na),
            ("workers_per_10k", na),              // urban only
            ("social_orgs_per_community", na),    // 50 households < 300
            ("social_workers_per_community", na), // no attribute
            ("market_coverage", fail(0.0)),       // r3 ≈ 552 m from m1 > 500 m
            ("elderly_health_adjacency", fail(0.0)),
            ("volunteer_station_share", fail(0.0)),
            ("open_hours_share", na),
            ("facility_coverage", pass(1.0)),
            ("village_service_area", na),
            ("rural_centre_area", na), // the only floor area is unknown
        ];
        for (id, (value, status)) in want_b {
            let v = get(&a, &z, 1, id);
            assert_eq!((v.value, v.status), (value, status), "zone B {id}: {v:?}");
        }
        let e = get(&a, &z, 1, "elderly_land_per_capita");
        assert_eq!(e.missing, 1);
        assert!(e.note.as_deref().unwrap().contains("land area"), "{e:?}");
        assert_eq!(get(&a, &z, 1, "facility_coverage").target, Some(0.8), "rural target");
        assert!(get(&a, &z, 1, "workers_per_10k").note.as_deref().unwrap().contains("urban"));
        let s = z.summary(&a);
        assert_eq!((s.residences_unassigned, s.unassigned_residence_ids.clone()), (1, vec!["outside".to_owned()]));
        let land = &s.indicators[0];
        assert_eq!((land.pass, land.fail, land.not_assessed), (0, 1, 1));
    }

    #[test]
    fn not_assessed_never_passes_and_attributes_decide() {
        let (a, z) = case();
        for s in &z.stats {
            for v in &s.indicators {
                assert_eq!(v.value.is_none(), v.status == Status::NotAssessed, "{v:?}");
                if v.status == Status::NotAssessed {
                    assert!(v.note.is_some(), "a not_assessed value says why: {v:?}");
                }
            }
        }
        // A rural centre with a known 1,200 m² passes even when another facility's area is unknown.
        let mut facilities = a.facilities.clone();
        let mut big = facilities[5].clone();
        big.id = "cs3".into();
        big.floor_area_m2 = Some(1200.0);
        facilities.push(big);
        let b = analyze(
            a.profile.clone(),
            a.residences.clone(),
            facilities,
            None,
            AnalysisOptions::default(),
            crate::progress::SILENT,
        )
        .unwrap();
        let zones = z.zones.clone();
        let z2 = b.zones(ZoneSource::Layer(zones));
        let v = get(&b, &z2, 1, "rural_centre_area");
        assert_eq!((v.value, v.status), (Some(1200.0), Status::Pass));
    }

    #[test]
    fn study_area_and_grid_hold_every_point() {
        let (a, _) = case();
        let whole = a.zones(ZoneSource::StudyArea);
        assert_eq!(whole.zones.len(), 1);
        assert_eq!(whole.stats[0].households, 251.0);
        // Shares agree with the per-residence verdicts and coverage flags.
        let share = |f: &dyn Fn(usize) -> bool| {
            let hh: f64 = (0..a.residences.len()).filter(|&r| f(r)).map(|r| a.residences[r].households).sum();
            Some(round4(hh / 251.0))
        };
        for k in 0..3 {
            assert_eq!(whole.stats[0].complete_share[k], share(&|r| a.verdict(r).complete[k]), "tier {k}");
        }
        for c in 0..a.profile.categories.len() {
            let want = if a.radii_m[c].is_some() { share(&|r| a.covered(r, c) == Some(true)) } else { None };
            assert_eq!(whole.stats[0].covered_share[c], want, "category {c}");
        }
        assert!(whole.stats[0].covered_share.iter().flatten().any(|&v| v > 0.0 && v < 1.0), "a non-trivial share");
        assert!(whole.unassigned_residences().is_empty());
        let grid = a.zones(ZoneSource::Grid(250.0));
        assert!(grid.unassigned_residences().is_empty() && grid.unassigned_facilities().is_empty());
        let total: f64 = grid.stats.iter().map(|s| s.households).sum();
        assert_eq!(total, 251.0);
        assert_eq!(grid.stats.iter().map(|s| s.residences + s.facilities).sum::<usize>(), 11);
    }
}

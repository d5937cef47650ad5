//! Measuring the indicators: per zone its households, population, elderly and coverage shares,
//! and each indicator the profile asks for, judged against its target ([`Analysis`] methods
//! building a [`ZoneReport`]).

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Denominator, FacilityField, IndicatorValue, Note, Status, Sum, ZoneReport, ZoneSource, ZoneStats, round4};
use crate::analysis::Analysis;
use crate::analysis::zones::{Assignment, Grid, NO_ZONE, ZoneIndex, study_area};
use crate::model::Zone;
use crate::standards::{AppliesTo, IndicatorId, IndicatorRule};

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
                (crate::analysis::ZoneKind::StudyArea, None, vec![zone], r, f)
            }
            ZoneSource::Layer(zones) => {
                let geometries: Vec<_> = zones.iter().map(|z| &z.geometry).collect();
                let index = ZoneIndex::new(&geometries);
                let r = index.assign(&self.residences.iter().map(|r| r.lonlat).collect::<Vec<_>>());
                let f = index.assign(&self.facilities.iter().map(|f| f.lonlat).collect::<Vec<_>>());
                (crate::analysis::ZoneKind::Layer, None, zones, r, f)
            }
            ZoneSource::Grid(cell_m) => {
                let points: Vec<[f64; 2]> =
                    self.residences.iter().map(|r| r.xy).chain(self.facilities.iter().map(|f| f.xy)).collect();
                let (_, zones, mut of) = Grid::build(cell_m, &points, &self.projection);
                let f = Assignment { zone: of.split_off(self.residences.len()), overlaps: vec![] };
                let r = Assignment { zone: of, overlaps: vec![] };
                (crate::analysis::ZoneKind::Grid, Some(cell_m), zones, r, f)
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
        let not_assessed = |note: Note, missing: usize| IndicatorValue {
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
            return IndicatorValue {
                value: None,
                target: None,
                status: Status::NotAssessed,
                note: Some(Note::NotApplicable { applies_to: rule.applies_to, rural }),
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
            v.ok_or_else(|| not_assessed(Note::MissingZoneAttribute { attribute: what.to_owned() }, 0))
        };
        let per = |num: f64, den: f64, per: Denominator| -> Result<f64, IndicatorValue> {
            if den > 0.0 { Ok(num / den) } else { Err(not_assessed(Note::NoDenominator { per }, 0)) }
        };
        let need_all = |sum: Sum, field: FacilityField| -> Result<Sum, IndicatorValue> {
            if sum.missing > 0 {
                let note =
                    Note::FacilitiesLackField { missing: sum.missing, count: sum.count, categories: cats(), field };
                Err(not_assessed(note, sum.missing))
            } else {
                Ok(sum)
            }
        };
        let share_of_facilities =
            |ok: &dyn Fn(usize) -> Option<bool>, field: FacilityField| -> Result<f64, IndicatorValue> {
                if subject.is_empty() {
                    return Err(not_assessed(Note::NoFacility { categories: cats() }, 0));
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
                    let note =
                        Note::FacilitiesLackField { missing: unknown, count: subject.len(), categories: cats(), field };
                    return Err(not_assessed(note, unknown));
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
                let land = need_all(sum(&|f| fac(f).land_area_m2), FacilityField::LandArea)?;
                per(land.total, s.population, Denominator::Residents)
            }
            IndicatorId::ServiceAreaPer100Households => {
                let floor = need_all(sum(&|f| fac(f).floor_area_m2), FacilityField::FloorArea)?;
                Ok(per(floor.total, s.households, Denominator::Households)? * 100.0)
            }
            IndicatorId::ServiceAreaTotal | IndicatorId::VillageServiceArea => {
                Ok(need_all(sum(&|f| fac(f).floor_area_m2), FacilityField::FloorArea)?.total)
            }
            IndicatorId::ActivityShare | IndicatorId::OfficeShare => {
                if subject.is_empty() {
                    return Err(not_assessed(Note::NoFacility { categories: cats() }, 0));
                }
                let floor = need_all(sum(&|f| fac(f).floor_area_m2), FacilityField::FloorArea)?;
                let part = if rule.id == IndicatorId::ActivityShare {
                    need_all(sum(&|f| fac(f).activity_area_m2), FacilityField::ActivityArea)?
                } else {
                    need_all(sum(&|f| fac(f).office_area_m2), FacilityField::OfficeArea)?
                };
                per(part.total, floor.total, Denominator::FacilityFloorArea)
            }
            IndicatorId::WorkersPer10k => {
                Ok(per(attribute("community_workers", attrs.community_workers)?, s.population, Denominator::Residents)?
                    * 1e4)
            }
            IndicatorId::SocialOrgsPerCommunity => {
                let min = if rural { rule.min_households_rural } else { rule.min_households };
                if let Some(min) = min
                    && s.households < min
                {
                    return Err(not_assessed(Note::BelowHouseholdThreshold { min, households: s.households }, 0));
                }
                attribute("social_orgs", attrs.social_orgs)
            }
            IndicatorId::SocialWorkersPerCommunity => attribute("social_workers", attrs.social_workers),
            IndicatorId::RegisteredVolunteersShare => per(
                attribute("registered_volunteers", attrs.registered_volunteers)?,
                s.population,
                Denominator::Residents,
            ),
            IndicatorId::VolunteerStationShare => share_of_facilities(
                &|f| Some(fac(f).volunteer_station == Some(true) || near_within(f)),
                FacilityField::VolunteerStation,
            ),
            IndicatorId::ElderlyHealthAdjacency => {
                share_of_facilities(&|f| Some(near_within(f)), FacilityField::HealthFacility)
            }
            IndicatorId::MarketCoverage | IndicatorId::ElderlyCircle1n => {
                if p.radii.iter().all(Option::is_none) {
                    return Err(not_assessed(Note::NoRadius { categories: cats() }, 0));
                }
                per(reached_households, s.households, Denominator::Households)
            }
            IndicatorId::OpenHoursShare => {
                let hours = rule.hours();
                share_of_facilities(
                    &|f| fac(f).open_hours.or(attrs.open_hours).map(|h| h >= hours),
                    FacilityField::OpenHours,
                )
            }
            IndicatorId::FacilityCoverage => Ok(if subject.is_empty() { 0.0 } else { 1.0 }),
            IndicatorId::RuralCentreArea => {
                let floor = sum(&|f| fac(f).floor_area_m2);
                // An unknown floor area could be the centre's only when the known ones miss the target.
                if floor.missing > 0 && !rule.comparison.passes(floor.max, rule.target_for(rural)) {
                    let note = Note::FacilitiesLackField {
                        missing: floor.missing,
                        count: floor.count,
                        categories: cats(),
                        field: FacilityField::FloorArea,
                    };
                    return Err(not_assessed(note, floor.missing));
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

//! The catchment version of the elderly-land rule, per household: a two-step floating
//! catchment (2SFCA) over the 15-minute tier's walking distance, by the analysis's distance
//! model (straight line ÷ detour, or the walk along the network).
//!
//! Step 1: each elderly-care facility's land divided by the residents within its reach.
//! Step 2: for each residence, the sum of those ratios over the facilities within its reach:
//! `elderly_land_per_capita_15min`, m² per resident. A residence that reaches a facility
//! without a known land area gets no value (it cannot be assessed), never a partial sum.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Analysis, DistanceModel, Judge, round_decimetre};
use crate::network::DijkstraScratch;
use crate::progress::{Progress, Step};
use crate::standards::IndicatorId;

/// Per-household elderly-care land within 15-minute reach.
#[derive(Debug, Clone, PartialEq)]
pub struct ElderlyLandAccess {
    /// m² per resident (four decimals) per residence in input order; `None` when a reached
    /// facility has no land area, or the residence is off the network.
    pub per_capita: Vec<Option<f64>>,
    /// The reach used per facility category (metres, in the analysis's distance model).
    pub radius_m: Vec<(String, f64)>,
    /// Elderly-care facilities without a land area.
    pub facilities_without_land: usize,
}

impl Analysis {
    /// The 15-minute walking distance for category `c`: the `15min` tier's walking distance, or
    /// with `--judge minutes` its minutes at the cohort's speed; `None` when the profile has
    /// no such tier.
    pub(super) fn fifteen_minute_walk(&self, c: usize) -> Option<f64> {
        let t = self.profile.tiers.iter().find(|t| t.id == "15min")?;
        match (self.options.judge, t.minutes) {
            (Judge::Minutes, Some(m)) => Some(m * 60.0 * self.options.speed_of(self.profile.categories[c].cohort)),
            _ => t.walk_m,
        }
    }

    /// Computes [`ElderlyLandAccess`] for the profile's elderly-land categories (those of its
    /// `elderly_land_per_capita` rule, else elderly_home and elderly_daycare). `None` when the
    /// profile has none of them or no 15-minute tier. Reports "elderly land access (2SFCA)"
    /// (facilities searched) to `progress`.
    pub fn elderly_land_access(&self, progress: &dyn Progress) -> Option<ElderlyLandAccess> {
        let ids = match self.profile.indicator(IndicatorId::ElderlyLandPerCapita) {
            Some(rule) => rule.category_ids(),
            None => IndicatorId::ElderlyLandPerCapita.default_categories().iter().map(|s| (*s).to_owned()).collect(),
        };
        let cats: Vec<usize> = ids.iter().filter_map(|id| self.profile.index_of(id)).collect();
        let radius = |c: usize| -> Option<f64> {
            let walk = self.fifteen_minute_walk(c)?;
            Some(match self.distance_model {
                DistanceModel::Euclidean => walk / self.options.detour,
                DistanceModel::Network => walk,
            })
        };
        let radius_m: Vec<(String, f64)> =
            cats.iter().filter_map(|&c| Some((self.profile.categories[c].id.clone(), radius(c)?))).collect();
        if radius_m.is_empty() {
            return None;
        }
        let facilities: Vec<usize> = (0..self.facilities.len())
            .filter(|&f| cats.contains(&self.facilities[f].category) && radius(self.facilities[f].category).is_some())
            .collect();
        let step = Step::begin(progress, "elderly land access (2SFCA)", Some(facilities.len() as u64));
        let tree: RTree<GeomWithData<[f64; 2], u32>> = RTree::bulk_load(
            self.residences.iter().enumerate().map(|(i, r)| GeomWithData::new(r.xy, i as u32)).collect(),
        );
        // Step 1: who each facility reaches (sorted residence indices).
        let reached: Vec<Vec<u32>> = facilities
            .par_iter()
            .map_init(DijkstraScratch::new, |scratch, &f| {
                step.advance(1);
                let fac = &self.facilities[f];
                let Some(r) = radius(fac.category) else { return Vec::new() };
                let mut candidates: Vec<u32> =
                    tree.locate_within_distance(fac.xy, (r + 0.05).powi(2)).map(|g| g.data).collect();
                candidates.sort_unstable();
                match &self.network {
                    None => candidates
                        .into_iter()
                        .filter(|&i| {
                            let p = self.residences[i as usize].xy;
                            round_decimetre(((p[0] - fac.xy[0]).powi(2) + (p[1] - fac.xy[1]).powi(2)).sqrt()) <= r
                        })
                        .collect(),
                    Some(net) => {
                        let source = net.facility_snaps[f];
                        if !source.is_snapped() {
                            return Vec::new();
                        }
                        let targets: Vec<_> = candidates.iter().map(|&i| net.residence_snaps[i as usize]).collect();
                        let answers = net.network.nearest_sources(&[source], &targets, r + 0.05, scratch);
                        candidates
                            .into_iter()
                            .zip(answers)
                            .filter(|(_, a)| a.is_some_and(|(_, d)| round_decimetre(d) <= r))
                            .map(|(i, _)| i)
                            .collect()
                    }
                }
            })
            .collect();
        // Step 2, in facility order (the sums do not depend on the thread count).
        let mut sum = vec![0.0f64; self.residences.len()];
        let mut unknown = vec![false; self.residences.len()];
        let mut facilities_without_land = 0;
        for (&f, who) in facilities.iter().zip(&reached) {
            let Some(land) = self.facilities[f].land_area_m2 else {
                facilities_without_land += 1;
                for &i in who {
                    unknown[i as usize] = true;
                }
                continue;
            };
            let residents: f64 = who.iter().map(|&i| self.residences[i as usize].population).sum();
            if residents > 0.0 {
                let ratio = land / residents;
                for &i in who {
                    sum[i as usize] += ratio;
                }
            }
        }
        let off_network = |i: usize| self.network.as_ref().is_some_and(|n| !n.residence_snaps[i].is_snapped());
        let per_capita = (0..self.residences.len())
            .map(|i| (!unknown[i] && !off_network(i)).then(|| (sum[i] * 1e4).round() / 1e4))
            .collect();
        Some(ElderlyLandAccess { per_capita, radius_m, facilities_without_land })
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{Analysis, AnalysisOptions};
    use crate::model::{Direction, Facility, NetworkLines, Residence};
    use crate::progress::SILENT;
    use crate::standards::StandardProfile;
    use geo::{Geometry, Point};

    fn analyze(p: StandardProfile, r: Vec<Residence>, f: Vec<Facility>, o: AnalysisOptions) -> Analysis {
        crate::analysis::analyze(p, r, f, None, o, SILENT).unwrap()
    }

    fn at(x: f64, y: f64) -> [f64; 2] {
        let lat0: f64 = 39.9;
        [116.4 + x / (111_320.0 * lat0.to_radians().cos()), lat0 + y / 110_574.0]
    }

    fn residence(id: &str, x: f64, population: f64) -> Residence {
        let p = at(x, 0.0);
        Residence::point(id, population / 2.5, population, p)
    }

    fn facility(p: &StandardProfile, id: &str, cat: &str, x: f64, land: Option<f64>) -> Facility {
        let mut f = Facility::point(id, p.index_of(cat).unwrap(), at(x, 0.0));
        f.land_area_m2 = land;
        f
    }

    #[test]
    fn two_step_floating_catchment_by_hand() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        // On a line: A at 0 and B at 1,500 m, residents at 0 (100), 800 (300), 1,400 (100), 3,000 (50).
        // A (600 m²) reaches r0 and r1 (400 residents): 1.5 m²/resident. B (200 m²) reaches r1 and
        // r2 (400 residents): 0.5. r0 = 1.5, r1 = 2.0, r2 = 0.5, r3 = 0. The daycare D at 3,000 m
        // has no land: r3 cannot be assessed.
        let residences = vec![
            residence("r0", 0.0, 100.0),
            residence("r1", 800.0, 300.0),
            residence("r2", 1400.0, 100.0),
            residence("r3", 3000.0, 50.0),
        ];
        let facilities = vec![
            facility(&p, "A", "elderly_home", 0.0, Some(600.0)),
            facility(&p, "B", "elderly_daycare", 1500.0, Some(200.0)),
            facility(&p, "D", "elderly_daycare", 3000.0, None),
            facility(&p, "c", "clinic", 0.0, Some(99.0)),
        ];
        let a = analyze(p.clone(), residences.clone(), facilities.clone(), AnalysisOptions::default());
        let access = a.elderly_land_access(SILENT).unwrap();
        assert_eq!(access.per_capita, vec![Some(1.5), Some(2.0), Some(0.5), None]);
        assert_eq!(access.facilities_without_land, 1);
        // The daycare's 15-minute reach is the 15-minute tier's 1,000 m, not its own 300 m radius.
        assert!(access.radius_m.iter().all(|(_, r)| *r == 1000.0), "{:?}", access.radius_m);
        // A detour factor of 2 halves the straight-line reach: A reaches only r0; B only r2.
        let opts = AnalysisOptions { detour: 2.0, ..AnalysisOptions::default() };
        let a = analyze(p, residences, facilities, opts);
        let access = a.elderly_land_access(SILENT).unwrap();
        assert_eq!(access.per_capita, vec![Some(6.0), Some(0.0), Some(2.0), None]);
    }

    #[test]
    fn along_the_network_reach_follows_the_street() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        // A street along y = 0 from x = -100 to 1,400 m, and a cul-de-sac: r_far sits at
        // (900, 300), 300 m up a side street from x = 900, so its walk to A at x = 0 is
        // 1,200 m (out of the 1,000 m reach) although the straight line is 949 m.
        let street = vec![at(-100.0, 0.0), at(900.0, 0.0), at(1400.0, 0.0)];
        let side = vec![at(900.0, 0.0), at(900.0, 300.0)];
        let lines = NetworkLines {
            lonlat: vec![street, side],
            directions: vec![Direction::Both; 2],
            features: 2,
            not_walkable: 0,
        };
        let mut far = residence("r_far", 0.0, 100.0);
        far.lonlat = at(900.0, 300.0);
        far.geometry = Geometry::Point(Point::new(far.lonlat[0], far.lonlat[1]));
        let residences = vec![residence("r0", 0.0, 100.0), residence("r1", 800.0, 300.0), far];
        let facilities = vec![facility(&p, "A", "elderly_home", 0.0, Some(500.0))];
        let opts = AnalysisOptions {
            network: crate::network::NetworkOptions { min_component: 1, ..Default::default() },
            ..Default::default()
        };
        let a = crate::analysis::analyze(p.clone(), residences.clone(), facilities.clone(), Some(lines), opts, SILENT)
            .unwrap();
        let access = a.elderly_land_access(SILENT).unwrap();
        // A reaches r0 and r1 (400 residents): 1.25 m² each; r_far is beyond the walk.
        assert_eq!(access.per_capita, vec![Some(1.25), Some(1.25), Some(0.0)]);
        // In a straight line r_far (949 m) is within reach: 500 / 500 = 1.0 for all three.
        let a = analyze(p, residences, facilities, AnalysisOptions::default());
        assert_eq!(a.elderly_land_access(SILENT).unwrap().per_capita, vec![Some(1.0), Some(1.0), Some(1.0)]);
    }
}

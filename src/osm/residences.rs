//! Residential buildings and their household estimate: floor area (footprint × storeys) divided
//! by the floor area per household, and population = households × household size; optionally
//! the population of a grid or census layer allocated over the buildings by floor area.

use std::collections::BTreeMap;

use geo::{Contains, GeodesicArea, InteriorPoint, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use super::read::{Broken, Kind, Osm, OsmId, Tags};

/// `building=*` values that are residential by themselves.
pub const RESIDENTIAL_BUILDING_VALUES: [&str; 9] = [
    "residential",
    "apartments",
    "house",
    "detached",
    "semidetached_house",
    "terrace",
    "dormitory",
    "bungalow",
    "farm",
];

/// A `building=yes` carrying one of these keys is a shop, office, hotel, station... and is never
/// taken as a residence even inside `landuse=residential`.
pub const NON_RESIDENTIAL_KEYS: [&str; 5] = ["amenity", "shop", "office", "tourism", "public_transport"];

/// Default storeys when `building:levels` is missing (`--default-levels`): an assumption; set it
/// to the area's typical residential height (4 suits the mid-rise blocks of the bundled
/// Helsinki sample).
pub const DEFAULT_LEVELS: u32 = 4;

/// Default gross floor area per household in m² (`--m2-per-household`). China's 7th national
/// census (2020), as reported from the National Bureau of Statistics' *China Population Census
/// Yearbook 2020* (June 2022), gives urban ("city") family households 36.52 m² of housing
/// floor area (建筑面积) per person and 92.17 m² per household; 36.52 × 2.62 persons (the national
/// average household size) ≈ 96 m². Rounded up to 100 because footprint × storeys also counts
/// stairwells, walls, ground-floor shops and plant rooms that belong to no dwelling. An
/// assumption: set it for the area (Beijing's urban households average 77.64 m², Guangdong's
/// urban residents 29.59 m² per person).
pub const DEFAULT_M2_PER_HOUSEHOLD: f64 = 100.0;

/// Default persons per household (`--household-size`): the average household size of China's
/// 7th national census (2020), 2.62.
pub const DEFAULT_HOUSEHOLD_SIZE: f64 = 2.62;

/// How households and population are estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HouseholdModel {
    /// Storeys when `building:levels` is missing or unreadable.
    pub default_levels: u32,
    /// Gross floor area per household, m².
    pub m2_per_household: f64,
    /// Persons per household.
    pub household_size: f64,
}

impl Default for HouseholdModel {
    fn default() -> Self {
        HouseholdModel {
            default_levels: DEFAULT_LEVELS,
            m2_per_household: DEFAULT_M2_PER_HOUSEHOLD,
            household_size: DEFAULT_HOUSEHOLD_SIZE,
        }
    }
}

/// The estimate for one building.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Storeys used.
    pub levels: u32,
    /// Whether `levels` is the default.
    pub levels_defaulted: bool,
    /// Footprint × storeys, m² (0.1 m²).
    pub floor_area_m2: f64,
    /// Floor area ÷ m² per household, rounded, at least 1.
    pub households: u64,
    /// Households × household size (0.01 persons).
    pub population: f64,
}

impl HouseholdModel {
    /// Estimates a building of `footprint_m2` with the given tags.
    pub fn estimate(&self, footprint_m2: f64, tags: &Tags) -> Estimate {
        let parsed = parse_levels(tags);
        let levels = parsed.map(|l| (l.round() as u32).max(1)).unwrap_or(self.default_levels.max(1));
        let floor_area_m2 = round_to(footprint_m2 * f64::from(levels), 1);
        let households = ((floor_area_m2 / self.m2_per_household).round() as u64).max(1);
        let population = round_to(households as f64 * self.household_size, 2);
        Estimate { levels, levels_defaulted: parsed.is_none(), floor_area_m2, households, population }
    }
}

/// `building:levels` as a positive number ("5", "2.5"; "5;6" takes the largest).
pub fn parse_levels(tags: &Tags) -> Option<f64> {
    tags.get("building:levels")?
        .split([';', ','])
        .filter_map(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 500.0)
        .reduce(f64::max)
}

pub(crate) fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Why a building was taken as residential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResidentialRule {
    /// Its `building` value is residential by itself.
    Tagged,
    /// `building=yes` inside a `landuse=residential` area.
    Landuse,
}

/// A residential building.
#[derive(Debug, Clone)]
pub struct Building {
    /// Way or relation id.
    pub id: OsmId,
    /// The rule that made it residential.
    pub rule: ResidentialRule,
    /// The `building` value.
    pub building: String,
    /// Footprint, WGS84.
    pub geometry: MultiPolygon<f64>,
    /// Its interior point.
    pub point: Option<Point<f64>>,
    /// Footprint area, m² (0.1 m²).
    pub footprint_m2: f64,
    /// The household estimate.
    pub estimate: Estimate,
    /// Population (the estimate's, or allocated from `--population`).
    pub population: f64,
    /// Where the population comes from: `estimate` or `population_layer`.
    pub population_source: &'static str,
}

/// Counts from picking residences.
#[derive(Debug, Clone, Default)]
pub struct ResidenceStats {
    /// Residences per rule.
    pub by_rule: BTreeMap<ResidentialRule, usize>,
    /// Candidate buildings whose geometry could not be built, by reason.
    pub broken: BTreeMap<Broken, usize>,
    /// `landuse=residential` areas used.
    pub landuse_areas: usize,
    /// Buildings without `building:levels`.
    pub levels_defaulted: usize,
}

struct Area(MultiPolygon<f64>, AABB<[f64; 2]>);

impl RTreeObject for Area {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.1
    }
}

fn envelope(mp: &MultiPolygon<f64>) -> Option<AABB<[f64; 2]>> {
    use geo::BoundingRect;
    mp.bounding_rect().map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

/// Picks the residential buildings (ways and multipolygon relations), sorted by id.
pub fn residences(osm: &Osm, model: &HouseholdModel) -> (Vec<Building>, ResidenceStats) {
    let mut stats = ResidenceStats::default();
    let mut landuse = Vec::new();
    for (id, tags) in osm.tagged() {
        if id.kind != Kind::Node
            && tags.get("landuse").map(String::as_str) == Some("residential")
            && let Ok(mp) = osm.area(id)
            && let Some(env) = envelope(&mp)
        {
            landuse.push(Area(mp, env));
        }
    }
    stats.landuse_areas = landuse.len();
    let landuse = RTree::bulk_load(landuse);
    let candidates: Vec<(OsmId, &Tags, &str, bool)> = osm
        .tagged()
        .filter(|(id, _)| id.kind != Kind::Node)
        .filter_map(|(id, tags)| {
            let building = tags.get("building").map(String::as_str)?;
            let tagged = RESIDENTIAL_BUILDING_VALUES.contains(&building);
            let yes = building == "yes" && !NON_RESIDENTIAL_KEYS.iter().any(|k| tags.contains_key(*k));
            (tagged || yes).then_some((id, tags, building, tagged))
        })
        .collect();
    // Geometry, landuse test and estimate per candidate in parallel, gathered in id order.
    let built: Vec<Option<std::result::Result<Building, Broken>>> = candidates
        .par_iter()
        .map(|&(id, tags, building, tagged)| {
            let geometry = match osm.area(id) {
                Ok(mp) => mp,
                Err(b) => return Some(Err(b)),
            };
            let point = geometry.interior_point();
            let rule = if tagged {
                ResidentialRule::Tagged
            } else {
                let inside = point.is_some_and(|p| {
                    landuse.locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()])).any(|a| a.0.contains(&p))
                });
                if !inside {
                    return None;
                }
                ResidentialRule::Landuse
            };
            let footprint_m2 = round_to(geometry.geodesic_area_unsigned(), 1);
            let estimate = model.estimate(footprint_m2, tags);
            Some(Ok(Building {
                id,
                rule,
                building: building.to_owned(),
                geometry,
                point,
                footprint_m2,
                estimate,
                population: estimate.population,
                population_source: "estimate",
            }))
        })
        .collect();
    let mut out = Vec::new();
    for b in built.into_iter().flatten() {
        match b {
            Ok(b) => {
                *stats.by_rule.entry(b.rule).or_default() += 1;
                stats.levels_defaulted += usize::from(b.estimate.levels_defaulted);
                out.push(b);
            }
            Err(broken) => *stats.broken.entry(broken).or_default() += 1,
        }
    }
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn households_from_floor_area() {
        let m = HouseholdModel::default();
        let e = m.estimate(500.0, &tags(&[("building:levels", "6")]));
        assert_eq!((e.levels, e.levels_defaulted, e.floor_area_m2), (6, false, 3000.0));
        assert_eq!(e.households, 30);
        assert_eq!(e.population, 78.6);
        let e = m.estimate(100.0, &tags(&[]));
        assert_eq!((e.levels, e.levels_defaulted, e.households), (DEFAULT_LEVELS, true, 4));
        // A shed still holds one household.
        let e = m.estimate(8.0, &tags(&[("building:levels", "1")]));
        assert_eq!((e.households, e.population), (1, 2.62));
    }

    #[test]
    fn options_change_the_estimate() {
        let m = HouseholdModel { default_levels: 2, m2_per_household: 50.0, household_size: 3.0 };
        let e = m.estimate(120.0, &tags(&[("building:levels", "garbage")]));
        assert_eq!((e.levels, e.floor_area_m2, e.households, e.population), (2, 240.0, 5, 15.0));
        assert_eq!(parse_levels(&tags(&[("building:levels", "5;7")])), Some(7.0));
        assert_eq!(parse_levels(&tags(&[("building:levels", "-1")])), None);
        let e = m.estimate(100.0, &tags(&[("building:levels", "0.4")]));
        assert_eq!(e.levels, 1);
    }
}

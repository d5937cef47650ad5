//! Zone indicator rules of a profile (`[[indicators]]`): what each indicator measures, its
//! target, which zones it applies to, and the document and clause it comes from.
//!
//! The indicator ids are fixed ([`IndicatorId`]); what each one measures is documented on the
//! variant and computed in `analysis::indicators`. A profile chooses which ones it asks for and
//! their numbers; a user profile that `extends` another overrides them by id.

use serde::{Deserialize, Serialize};

/// The indicators lifecircle can measure per zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorId {
    /// m² of elderly-care land (`land_area_m2`, else polygon area) of the `categories`
    /// (default elderly_home, elderly_daycare) in the zone per resident of the zone.
    ElderlyLandPerCapita,
    /// m² of `floor_area_m2` of the `categories` (default community_service) per 100 households.
    #[serde(rename = "service_area_per_100_households")]
    ServiceAreaPer100Households,
    /// m² of `floor_area_m2` of the `categories` (default community_service) in the zone.
    ServiceAreaTotal,
    /// `activity_area_m2` ÷ `floor_area_m2`, summed over the `categories` (default community_service).
    ActivityShare,
    /// `office_area_m2` ÷ `floor_area_m2`, summed over the `categories` (default community_service).
    OfficeShare,
    /// Zone attribute `community_workers` per 10,000 residents.
    #[serde(rename = "workers_per_10k")]
    WorkersPer10k,
    /// Zone attribute `social_orgs` (applies from `min_households` / `min_households_rural`).
    SocialOrgsPerCommunity,
    /// Zone attribute `social_workers`.
    SocialWorkersPerCommunity,
    /// Zone attribute `registered_volunteers` ÷ residents.
    RegisteredVolunteersShare,
    /// Share of the `categories` (default community_service) facilities with a `near`
    /// (default volunteer_station) facility within `distance_m` (default 50) or a true
    /// `volunteer_station` attribute.
    VolunteerStationShare,
    /// Share of households covered by the `categories` (default market).
    MarketCoverage,
    /// Share of the `categories` (default elderly_home, elderly_daycare) facilities with a `near`
    /// (default clinic, health_center) facility within `distance_m` (default 100).
    ElderlyHealthAdjacency,
    /// Share of households with one of the `categories` (default elderly_home) within the
    /// 15-minute tier's walking distance.
    #[serde(rename = "elderly_circle_1n")]
    ElderlyCircle1n,
    /// Share of the `categories` (default community_service) facilities open at least
    /// `min_hours` (default 8) a day (`open_hours` attribute, else the zone's).
    OpenHoursShare,
    /// 1 when the zone has at least one facility of the `categories` (default
    /// community_service), else 0.
    FacilityCoverage,
    /// m² of `floor_area_m2` of the `categories` (default community_service) in a rural zone.
    VillageServiceArea,
    /// The largest `floor_area_m2` of one facility of the `categories` (default
    /// community_service) in a rural zone.
    RuralCentreArea,
}

impl IndicatorId {
    /// Every indicator, in reporting order.
    pub const ALL: [IndicatorId; 17] = [
        IndicatorId::ElderlyLandPerCapita,
        IndicatorId::ServiceAreaPer100Households,
        IndicatorId::ServiceAreaTotal,
        IndicatorId::ActivityShare,
        IndicatorId::OfficeShare,
        IndicatorId::WorkersPer10k,
        IndicatorId::SocialOrgsPerCommunity,
        IndicatorId::SocialWorkersPerCommunity,
        IndicatorId::RegisteredVolunteersShare,
        IndicatorId::VolunteerStationShare,
        IndicatorId::MarketCoverage,
        IndicatorId::ElderlyHealthAdjacency,
        IndicatorId::ElderlyCircle1n,
        IndicatorId::OpenHoursShare,
        IndicatorId::FacilityCoverage,
        IndicatorId::VillageServiceArea,
        IndicatorId::RuralCentreArea,
    ];

    /// The id as written in profiles and output field names.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorId::ElderlyLandPerCapita => "elderly_land_per_capita",
            IndicatorId::ServiceAreaPer100Households => "service_area_per_100_households",
            IndicatorId::ServiceAreaTotal => "service_area_total",
            IndicatorId::ActivityShare => "activity_share",
            IndicatorId::OfficeShare => "office_share",
            IndicatorId::WorkersPer10k => "workers_per_10k",
            IndicatorId::SocialOrgsPerCommunity => "social_orgs_per_community",
            IndicatorId::SocialWorkersPerCommunity => "social_workers_per_community",
            IndicatorId::RegisteredVolunteersShare => "registered_volunteers_share",
            IndicatorId::VolunteerStationShare => "volunteer_station_share",
            IndicatorId::MarketCoverage => "market_coverage",
            IndicatorId::ElderlyHealthAdjacency => "elderly_health_adjacency",
            IndicatorId::ElderlyCircle1n => "elderly_circle_1n",
            IndicatorId::OpenHoursShare => "open_hours_share",
            IndicatorId::FacilityCoverage => "facility_coverage",
            IndicatorId::VillageServiceArea => "village_service_area",
            IndicatorId::RuralCentreArea => "rural_centre_area",
        }
    }

    /// The facility categories measured when the rule does not name any.
    pub fn default_categories(self) -> &'static [&'static str] {
        match self {
            IndicatorId::ElderlyLandPerCapita | IndicatorId::ElderlyHealthAdjacency => {
                &["elderly_home", "elderly_daycare"]
            }
            IndicatorId::MarketCoverage => &["market"],
            IndicatorId::ElderlyCircle1n => &["elderly_home"],
            IndicatorId::WorkersPer10k
            | IndicatorId::SocialOrgsPerCommunity
            | IndicatorId::SocialWorkersPerCommunity
            | IndicatorId::RegisteredVolunteersShare => &[],
            _ => &["community_service"],
        }
    }

    /// The partner categories (`near`) when the rule does not name any.
    pub fn default_near(self) -> &'static [&'static str] {
        match self {
            IndicatorId::VolunteerStationShare => &["volunteer_station"],
            IndicatorId::ElderlyHealthAdjacency => &["clinic", "health_center"],
            _ => &[],
        }
    }

    /// The distance (metres) within which a `near` facility counts, when the rule gives none.
    pub fn default_distance_m(self) -> Option<f64> {
        match self {
            IndicatorId::VolunteerStationShare => Some(50.0),
            IndicatorId::ElderlyHealthAdjacency => Some(100.0),
            _ => None,
        }
    }

    /// Whether the value is a fraction 0–1.
    pub fn is_share(self) -> bool {
        matches!(
            self,
            IndicatorId::ActivityShare
                | IndicatorId::OfficeShare
                | IndicatorId::RegisteredVolunteersShare
                | IndicatorId::VolunteerStationShare
                | IndicatorId::MarketCoverage
                | IndicatorId::ElderlyHealthAdjacency
                | IndicatorId::ElderlyCircle1n
                | IndicatorId::OpenHoursShare
                | IndicatorId::FacilityCoverage
        )
    }
}

/// How a value is compared with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The value must be at least the target (the default).
    #[default]
    AtLeast,
    /// The value must be at most the target.
    AtMost,
}

impl Comparison {
    /// `≥` or `≤`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        }
    }

    /// Whether `value` meets `target`.
    pub fn passes(self, value: f64, target: f64) -> bool {
        // A hair of tolerance so that 0.1 m² computed as 0.09999999 still passes.
        let eps = 1e-9 * target.abs().max(1.0);
        match self {
            Comparison::AtLeast => value >= target - eps,
            Comparison::AtMost => value <= target + eps,
        }
    }
}

/// Which zones an indicator applies to (zone attribute `urban`; a zone that does not say is
/// taken as urban).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    /// Every zone (the default).
    #[default]
    All,
    /// Urban zones (communities, 社区).
    Urban,
    /// Rural zones (villages, 村).
    Rural,
}

impl AppliesTo {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliesTo::All => "all",
            AppliesTo::Urban => "urban",
            AppliesTo::Rural => "rural",
        }
    }
}

/// One indicator a profile asks for, with its target and source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRule {
    /// Which indicator.
    pub id: IndicatorId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Unit of the value (`m²/resident`, `share`...), for reports.
    #[serde(default)]
    pub unit: Option<String>,
    /// The target (for urban zones when `target_rural` differs).
    pub target: f64,
    /// The target for rural zones, when it differs.
    #[serde(default)]
    pub target_rural: Option<f64>,
    /// How the value is compared with the target.
    #[serde(default)]
    pub comparison: Comparison,
    /// Which zones it applies to.
    #[serde(default)]
    pub applies_to: AppliesTo,
    /// Facility categories measured (default: [`IndicatorId::default_categories`]).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Partner categories for co-location rules (default: [`IndicatorId::default_near`]).
    #[serde(default)]
    pub near: Vec<String>,
    /// Co-location distance, metres (default: [`IndicatorId::default_distance_m`]).
    #[serde(default)]
    pub distance_m: Option<f64>,
    /// Smallest urban zone (households) the rule applies to.
    #[serde(default)]
    pub min_households: Option<f64>,
    /// Smallest rural zone (households) the rule applies to.
    #[serde(default)]
    pub min_households_rural: Option<f64>,
    /// Daily opening hours that count as open enough (`open_hours_share`; default 8).
    #[serde(default)]
    pub min_hours: Option<f64>,
    /// Document and clause.
    pub source: String,
    /// A remark shown by `standards show` (e.g. which numbers are configurable defaults).
    #[serde(default)]
    pub note: Option<String>,
}

impl IndicatorRule {
    /// The target for an urban (`rural == false`) or rural zone.
    pub fn target_for(&self, rural: bool) -> f64 {
        if rural { self.target_rural.unwrap_or(self.target) } else { self.target }
    }

    /// The categories measured: the rule's, else the indicator's default.
    pub fn category_ids(&self) -> Vec<String> {
        if self.categories.is_empty() {
            self.id.default_categories().iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.categories.clone()
        }
    }

    /// The partner categories: the rule's, else the indicator's default.
    pub fn near_ids(&self) -> Vec<String> {
        if self.near.is_empty() {
            self.id.default_near().iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.near.clone()
        }
    }

    /// The co-location distance in metres: the rule's, else the indicator's default.
    pub fn distance(&self) -> Option<f64> {
        self.distance_m.or(self.id.default_distance_m())
    }

    /// The opening hours that count (default 8).
    pub fn hours(&self) -> f64 {
        self.min_hours.unwrap_or(8.0)
    }

    /// The target as text, e.g. `≥ 0.1` or `≥ 1 (rural ≥ 0.8)`.
    pub fn target_text(&self) -> String {
        let s = self.comparison.symbol();
        match self.target_rural {
            Some(r) if r != self.target => format!("{s} {} (rural {s} {r})", self.target),
            _ => format!("{s} {}", self.target),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_reads_back_from_its_name() {
        for id in IndicatorId::ALL {
            let parsed: IndicatorId = serde_json::from_value(serde_json::json!(id.as_str())).unwrap();
            assert_eq!(parsed, id);
            assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(id.as_str()));
        }
    }
}

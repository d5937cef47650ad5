//! Turns a raw [`Layer`](crate::io::Layer) into validated model types: resolves field roles, checks every value,
//! converts coordinates to WGS84 (catching NaN, out-of-range, swapped and un-declared projected
//! coordinates), repairs invalid polygons (self-intersections, overlapping parts) with geo's
//! validity tools and names each repair, checks that the layer's totals stay finite, and picks
//! each feature's representative point.
//!
//! One job per file: `residences`, `facilities`, `zones` and `network` each load one input
//! ([`load_residences`], [`load_facilities`], [`load_zones`], [`load_network`]); `feature` holds
//! what they share (opening a layer, the per-feature context); `values` reads attribute values,
//! `coords` the CRS and coordinates, `repair` invalid polygons.

mod coords;
mod facilities;
mod feature;
mod network;
mod repair;
mod residences;
mod values;
mod zones;

#[cfg(test)]
mod tests;

pub use coords::effective_crs;
#[cfg(any(feature = "report", feature = "osm"))]
pub use coords::geometry_to_wgs84;
#[cfg(feature = "report")]
pub use coords::representative_point;
pub use facilities::load_facilities;
pub use network::load_network;
pub use repair::RepairedGeometry;
pub use residences::load_residences;
pub use zones::load_zones;

use std::collections::BTreeMap;

use crate::model::Facility;

/// China's 2020 census average household size (persons per household), the default for
/// deriving population from households and back.
pub const DEFAULT_HOUSEHOLD_SIZE: f64 = 2.62;

/// Which input a layer is, for messages and flag hints (and summary.json's `inputs[].role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerRole {
    /// The residences layer (`--residences`).
    Residences,
    /// The services layer (`--services`).
    Services,
    /// The walking network layer (`--network`).
    Network,
    /// The zones layer (`--zones`).
    Zones,
}

impl LayerRole {
    fn crs_flag(self) -> &'static str {
        match self {
            LayerRole::Residences => "--residences-crs",
            LayerRole::Services => "--services-crs",
            LayerRole::Network => "--network-crs",
            LayerRole::Zones => "--zones-crs",
        }
    }
}

/// How to read residences' numbers.
#[derive(Debug, Clone)]
pub struct ResidenceOptions {
    /// Persons per household, to derive a missing population (or households).
    pub household_size: f64,
    /// Households to assume for a feature that has neither households nor population.
    pub default_households: Option<f64>,
}

impl Default for ResidenceOptions {
    fn default() -> Self {
        ResidenceOptions { household_size: DEFAULT_HOUSEHOLD_SIZE, default_households: None }
    }
}

/// Services as loaded, with the category names that matched no category of the profile.
#[derive(Debug, Clone, Default)]
pub struct FacilityLoad {
    /// Facilities whose category is known.
    pub facilities: Vec<Facility>,
    /// Unknown category names and how many features carried each (skipped).
    pub unknown_categories: BTreeMap<String, usize>,
    /// Invalid input polygons that were repaired, in file order.
    pub repaired: Vec<RepairedGeometry>,
}

/// Features of a layer as loaded, with the invalid polygons that were repaired on the way.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The features, in file order.
    pub items: Vec<T>,
    /// Invalid input polygons that were repaired, in file order.
    pub repaired: Vec<RepairedGeometry>,
}

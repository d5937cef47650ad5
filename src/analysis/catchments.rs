//! Service areas (catchments) along the walking network: for each facility, the area within its
//! category's radius on foot, drawn as a buffer around the reached street parts; or, dissolved,
//! one area per category: the union of the areas of every facility serving it, each drawn with
//! the category's radius.
//!
//! The reached parts come from a search over the network towards the facility (one-way lines
//! respected), plus the facility's own access leg; [`crate::network::catchment`] turns them into
//! a polygon. The households and residents given with each area are those that reach the
//! facility (or, dissolved, any serving facility) within the radius along the network — the
//! same numbers as facilities.geojson and summary.json — not a count of points inside the
//! polygon: a home farther from its street than the buffer width is reached but drawn outside.

use geo::{Area, Geometry, InteriorPoint, MapCoords, MultiPolygon};
use rayon::prelude::*;

use super::Analysis;
use crate::network::catchment::{catchment_polygon, dissolve};
use crate::network::{DijkstraScratch, Snap, WalkingNetwork};
use crate::progress::{Progress, Step};

/// Default half-width of the buffer around reached street parts, metres (`--catchment-buffer`).
pub const DEFAULT_CATCHMENT_BUFFER_M: f64 = 50.0;

/// How catchments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum CatchmentMode {
    /// Not written.
    None,
    /// One area per facility (the default with a network).
    #[default]
    Each,
    /// One area per category: the union of its serving facilities' areas.
    Dissolve,
}

impl CatchmentMode {
    /// Parses `none`, `each` or `dissolve`.
    pub fn parse(s: &str) -> Option<CatchmentMode> {
        match s {
            "none" => Some(CatchmentMode::None),
            "each" => Some(CatchmentMode::Each),
            "dissolve" => Some(CatchmentMode::Dissolve),
            _ => None,
        }
    }
}

/// One service area.
#[derive(Debug, Clone)]
pub struct Catchment {
    /// The facility (index into the analysis's facilities); `None` for a dissolved area.
    pub facility: Option<usize>,
    /// The category (index into the profile's categories).
    pub category: usize,
    /// The walking radius, metres.
    pub radius_m: f64,
    /// Facilities whose areas it covers (1 unless dissolved).
    pub facilities: usize,
    /// Households reaching it within the radius along the network.
    pub households: f64,
    /// Residents reaching it within the radius along the network.
    pub population: f64,
    /// Area, m² (in the local projection).
    pub area_m2: f64,
    /// The polygon, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// A point inside it, WGS84 lon/lat (for CSV).
    pub lonlat: [f64; 2],
}

/// The point where a snapped point meets its edge, metres.
fn snapped_point(net: &WalkingNetwork, snap: Snap) -> Option<[f64; 2]> {
    let Snap::Snapped { edge, t, .. } = snap else { return None };
    let [a, b] = net.edge_nodes(edge).map(|n| net.node_xy(n));
    Some([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
}

impl Analysis {
    /// The service areas of a network analysis (empty for a straight-line one or with
    /// [`CatchmentMode::None`]), in facility order or in category order when dissolved;
    /// facilities off the network and categories without radius have none. `summary` is this
    /// analysis's [`super::Summary`] (dissolved areas carry its covered totals). Reports
    /// "drawing catchments" (facilities, or facility and category pairs when dissolving) to
    /// `progress`.
    pub fn catchments(
        &self,
        mode: CatchmentMode,
        buffer_m: f64,
        summary: &super::Summary,
        progress: &dyn Progress,
    ) -> Vec<Catchment> {
        let Some(net) = &self.network else { return Vec::new() };
        let graph = &net.network;
        // Street parts reached from any of `sources` within `radius`, plus their access legs.
        let parts_of = |sources: &[usize], radius: f64, scratch: &mut DijkstraScratch| {
            let snaps: Vec<Snap> = sources.iter().map(|&f| net.facility_snaps[f]).collect();
            let mut parts = graph.reached_parts(&snaps, radius, scratch);
            for (&f, &snap) in sources.iter().zip(&snaps) {
                if let (Snap::Snapped { offset_m, .. }, Some(on_edge)) = (snap, snapped_point(graph, snap))
                    && offset_m <= radius
                {
                    parts.push([self.facilities[f].xy, on_edge]);
                }
            }
            parts
        };
        let finish = |polygon: MultiPolygon<f64>| {
            let area_m2 = polygon.unsigned_area();
            let lonlat = polygon.interior_point().map(|p| self.projection.inverse(p.x(), p.y()));
            let geometry = Geometry::MultiPolygon(polygon.map_coords(|c| {
                let (lon, lat) = self.projection.inverse(c.x, c.y);
                geo::Coord { x: lon, y: lat }
            }));
            (geometry, lonlat.map_or([f64::NAN; 2], |(lon, lat)| [lon, lat]), area_m2)
        };
        match mode {
            CatchmentMode::None => Vec::new(),
            CatchmentMode::Each => {
                let step = Step::begin(progress, "drawing catchments", Some(self.facilities.len() as u64));
                (0..self.facilities.len())
                    .into_par_iter()
                    .with_min_len(4)
                    .map_init(DijkstraScratch::new, |scratch, f| {
                        step.advance(1);
                        let category = self.facilities[f].category;
                        let radius = self.radii_m[category]?;
                        if !net.facility_snaps[f].is_snapped() {
                            return None;
                        }
                        let parts = parts_of(&[f], radius, scratch);
                        let (geometry, lonlat, area_m2) = finish(catchment_polygon(&parts, buffer_m));
                        let reach = self.reach[f].unwrap_or_default();
                        Some(Catchment {
                            facility: Some(f),
                            category,
                            radius_m: radius,
                            facilities: 1,
                            households: reach.households,
                            population: reach.population,
                            area_m2,
                            geometry,
                            lonlat,
                        })
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
                    .flatten()
                    .collect()
            }
            CatchmentMode::Dissolve => {
                // Every (category, serving facility) pair with the category's radius, in
                // parallel, then one union per category.
                let serving = super::network::sources_per_category(&self.profile, &self.facilities);
                let pairs: Vec<(usize, usize, f64)> = (0..self.profile.categories.len())
                    .filter_map(|c| Some((c, self.radii_m[c]?)))
                    .flat_map(|(c, radius)| {
                        serving[c]
                            .iter()
                            .map(|&f| f as usize)
                            .filter(|&f| net.facility_snaps[f].is_snapped())
                            .map(move |f| (c, f, radius))
                    })
                    .collect();
                let step = Step::begin(progress, "drawing catchments", Some(pairs.len() as u64));
                let polygons: Vec<MultiPolygon<f64>> = pairs
                    .par_iter()
                    .with_min_len(4)
                    .map_init(DijkstraScratch::new, |scratch, &(_, f, radius)| {
                        step.advance(1);
                        catchment_polygon(&parts_of(&[f], radius, scratch), buffer_m)
                    })
                    .collect();
                let mut groups: Vec<(usize, f64, Vec<MultiPolygon<f64>>)> = Vec::new();
                for (&(c, _, radius), polygon) in pairs.iter().zip(polygons) {
                    match groups.last_mut() {
                        Some((last, _, members)) if *last == c => members.push(polygon),
                        _ => groups.push((c, radius, vec![polygon])),
                    }
                }
                groups
                    .into_par_iter()
                    .map(|(c, radius, members)| {
                        let (geometry, lonlat, area_m2) = finish(dissolve(&members));
                        let cs = &summary.categories[c].1;
                        Catchment {
                            facility: None,
                            category: c,
                            radius_m: radius,
                            facilities: members.len(),
                            households: cs.covered_households.unwrap_or(0.0),
                            population: cs.covered_population.unwrap_or(0.0),
                            area_m2,
                            geometry,
                            lonlat,
                        }
                    })
                    .collect()
            }
        }
    }
}

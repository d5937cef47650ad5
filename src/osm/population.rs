//! Spreading a population layer over the residential buildings: each feature's population goes
//! to the buildings inside it in proportion to floor area, in tenths of a person by the
//! largest-remainder method ([`apportion`]) so each feature's total is kept.

use geo::{Contains, MultiPolygon};
use rstar::{AABB, RTree, RTreeObject};

use super::import::OsmImport;
use super::residences::round_to;
use crate::error::{Error, Location, Result};
use crate::io::load::{LayerRole, effective_crs, geometry_to_wgs84};
use crate::io::{Layer, Value as FieldValue};

/// Splits `total` whole units (e.g. tenths of a person) in proportion to `weights` by the
/// largest-remainder rule: every part is the floor of its exact share, and the units left go one
/// each to the largest remainders (ties to the earlier weight), so the parts sum to `total`
/// exactly. Weights must be positive.
pub fn apportion(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for k in order {
        if left <= 0 {
            break;
        }
        parts[k] += 1;
        left -= 1;
    }
    parts
}

/// Counts from allocating a population layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PopulationStats {
    /// Features of the population layer.
    pub features: usize,
    /// Their total population.
    pub total: f64,
    /// Population given to buildings.
    pub allocated: f64,
    /// Population of features with no residential building inside.
    pub unallocated: f64,
    /// Features with population but no residential building inside.
    pub unallocated_features: usize,
    /// Buildings that got population from the layer.
    pub buildings: usize,
}

struct Cell {
    index: usize,
    geometry: MultiPolygon<f64>,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Cell {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl OsmImport {
    /// Spreads the population of `layer` (WGS84 points or polygons; `field` holds the
    /// population) over the residential buildings: a polygon's population goes to the buildings
    /// whose interior point lies inside it, a point's to the building containing it, in
    /// proportion to floor area and in tenths of a person so each feature's total is kept
    /// (to 0.1). Buildings in no populated feature keep their estimate.
    pub fn allocate_population(&mut self, layer: &Layer, field: &str) -> Result<&PopulationStats> {
        use geo::BoundingRect;
        let loc = Location::file(&layer.path);
        let column = layer.column(field).ok_or_else(|| {
            Error::input(
                loc.field(field),
                format!("no population field '{field}' (fields: {})", layer.fields.join(", ")),
            )
        })?;
        let mut stats = PopulationStats { features: layer.features.len(), ..PopulationStats::default() };
        let (crs, crs_given) = effective_crs(layer, None);
        // Buildings by their interior point, for polygons; footprints, for points.
        let mut cells: Vec<Cell> = Vec::new();
        let mut populations = Vec::with_capacity(layer.features.len());
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); layer.features.len()];
        let bad = |i: usize, f: &crate::io::RawFeature, m: &str| {
            Error::input(loc.feature(i, f.fid.as_deref()).field(field), m.to_owned())
        };
        let footprints: RTree<Cell> = RTree::bulk_load(
            self.residences
                .iter()
                .enumerate()
                .filter_map(|(index, b)| {
                    let r = b.geometry.bounding_rect()?;
                    let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    Some(Cell { index, geometry: b.geometry.clone(), envelope })
                })
                .collect(),
        );
        for (i, f) in layer.features.iter().enumerate() {
            let population = match f.value(column) {
                FieldValue::Number(n) if n.is_finite() && *n >= 0.0 => *n,
                FieldValue::Null => 0.0,
                FieldValue::Text(t) => match t.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() && n >= 0.0 => n,
                    _ => return Err(bad(i, f, &format!("population '{t}' is not a non-negative number"))),
                },
                other => return Err(bad(i, f, &format!("population {other:?} is not a non-negative number"))),
            };
            populations.push(population);
            stats.total += population;
            let at = || loc.feature(i, f.fid.as_deref()).field("geometry");
            let geometry = match f.geometry.clone() {
                Some(g) if crs_given => Some(geometry_to_wgs84(g, &crs, true, LayerRole::Residences, &at)?),
                Some(g) => {
                    use geo::CoordsIter;
                    if g.coords_iter().any(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0)) {
                        return Err(Error::input(
                            at(),
                            "coordinates are not lon/lat: the population layer must be WGS84 or declare its CRS \
                             (.prj or GeoJSON crs member)",
                        ));
                    }
                    Some(g)
                }
                None => None,
            };
            match &geometry {
                Some(geo::Geometry::Point(p)) => {
                    let probe = AABB::from_point([p.x(), p.y()]);
                    if let Some(c) = footprints
                        .locate_in_envelope_intersecting(&probe)
                        .filter(|c| c.geometry.contains(p))
                        .min_by_key(|c| c.index)
                    {
                        members[i].push(c.index);
                    }
                }
                Some(geo::Geometry::Polygon(p)) => {
                    let mp = MultiPolygon::new(vec![p.clone()]);
                    if let Some(r) = mp.bounding_rect() {
                        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                        cells.push(Cell { index: i, geometry: mp, envelope });
                    }
                }
                Some(geo::Geometry::MultiPolygon(mp)) => {
                    if let Some(r) = mp.bounding_rect() {
                        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                        cells.push(Cell { index: i, geometry: mp.clone(), envelope });
                    }
                }
                None => {}
                Some(_) => {
                    return Err(Error::input(
                        loc.feature(i, f.fid.as_deref()).field("geometry"),
                        "population features must be points or polygons",
                    ));
                }
            }
        }
        let cells = RTree::bulk_load(cells);
        for (b, building) in self.residences.iter().enumerate() {
            let Some(p) = building.point else { continue };
            let probe = AABB::from_point([p.x(), p.y()]);
            // The first populated feature (by index) containing the building's interior point.
            let host = cells
                .locate_in_envelope_intersecting(&probe)
                .filter(|c| populations[c.index] > 0.0 && c.geometry.contains(&p))
                .map(|c| c.index)
                .min();
            if let Some(i) = host {
                members[i].push(b);
            }
        }
        let mut allocated_tenths = 0i64;
        for (i, mut group) in members.into_iter().enumerate() {
            let population = populations[i];
            if population <= 0.0 {
                continue;
            }
            group.sort_unstable();
            group.dedup();
            if group.is_empty() {
                stats.unallocated += population;
                stats.unallocated_features += 1;
                continue;
            }
            let total = (population * 10.0).round() as i64;
            let weights: Vec<f64> = group.iter().map(|&b| self.residences[b].estimate.floor_area_m2.max(0.1)).collect();
            let shares = apportion(total, &weights);
            for (&b, tenths) in group.iter().zip(shares) {
                let r = &mut self.residences[b];
                // A building inside two populated features (points) adds both.
                if r.population_source == "population_layer" {
                    r.population = round_to(r.population + tenths as f64 / 10.0, 1);
                } else {
                    r.population = tenths as f64 / 10.0;
                    r.population_source = "population_layer";
                    stats.buildings += 1;
                }
            }
            allocated_tenths += total;
        }
        stats.allocated = allocated_tenths as f64 / 10.0;
        Ok(self.population.insert(stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total_and_favours_the_largest_remainders() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), [4, 3, 3]); // ties to the earlier
        assert_eq!(apportion(7, &[1.0, 2.0, 4.0]), [1, 2, 4]);
        assert_eq!(apportion(100, &[0.5, 0.25, 0.25]), [50, 25, 25]);
        let parts = apportion(12_345, &[3.3, 1.7, 9.1, 0.4]);
        assert_eq!(parts.iter().sum::<i64>(), 12_345);
        assert_eq!(apportion(0, &[1.0, 2.0]), [0, 0]);
    }
}

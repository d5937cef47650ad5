//! Coordinates: the CRS a layer is in, conversion to WGS84 with errors that say what looks
//! wrong, and the representative point of a feature.

use geo::{Coord, Geometry, InteriorPoint};

use super::LayerRole;
use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::layer::Layer;

/// The CRS a layer's coordinates are in: the flag's, else the file's declaration, else WGS84.
/// The boolean says whether it was given (by flag or file) rather than assumed.
pub fn effective_crs(layer: &Layer, flag: Option<&Crs>) -> (Crs, bool) {
    match (flag, &layer.declared_crs) {
        (Some(c), _) => (c.clone(), true),
        (None, Some(c)) => (c.clone(), true),
        (None, None) => (Crs::Wgs84, false),
    }
}

/// Converts one coordinate to WGS84, with errors that say what looks wrong.
pub(super) fn coord_to_wgs84(
    c: Coord<f64>,
    crs: &Crs,
    given: bool,
    role: LayerRole,
    at: &dyn Fn() -> Location,
) -> Result<Coord<f64>> {
    let (x, y) = (c.x, c.y);
    if !x.is_finite() || !y.is_finite() {
        return Err(Error::input(at(), format!("coordinate ({x}, {y}) is not a finite number")));
    }
    if crs.is_geographic() && (x.abs() > 180.0 || y.abs() > 90.0) {
        let msg = if x.abs() > 1000.0 || y.abs() > 1000.0 {
            if given {
                format!("coordinate ({x}, {y}) is out of range for {}", crs.label())
            } else {
                format!(
                    "coordinate ({x}, {y}) looks projected (metres) but the layer declares no CRS and \
                     lon/lat (WGS84) was assumed: add a .prj or a GeoJSON crs member, or pass {} EPSG:n \
                     (e.g. EPSG:4548 for CGCS2000 3-degree Gauss-Kruger CM 117E)",
                    role.crs_flag()
                )
            }
        } else if x.abs() <= 90.0 && y.abs() <= 180.0 {
            format!(
                "latitude {y} is out of range [-90, 90]: longitude and latitude look swapped \
                 (coordinates must be [longitude, latitude])"
            )
        } else {
            format!("coordinate ({x}, {y}) is out of range: longitude must be within ±180 and latitude within ±90")
        };
        return Err(Error::input(at(), msg));
    }
    let (lon, lat) = crs.to_wgs84(x, y).map_err(|cause| Error::Crs { context: at().to_string(), cause })?;
    if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(Error::input(
            at(),
            format!("coordinate ({x}, {y}) in {} falls outside the world ({lon}, {lat})", crs.label()),
        ));
    }
    Ok(Coord { x: lon, y: lat })
}

/// Converts a geometry to WGS84 (in place), checking every coordinate.
pub fn geometry_to_wgs84(
    mut g: Geometry<f64>,
    crs: &Crs,
    given: bool,
    role: LayerRole,
    at: &dyn Fn() -> Location,
) -> Result<Geometry<f64>> {
    for_each_coord_mut(&mut g, &mut |c| {
        *c = coord_to_wgs84(*c, crs, given, role, at)?;
        Ok(())
    })?;
    Ok(g)
}

/// Visits every coordinate of a geometry mutably, stopping at the first error.
pub(super) fn for_each_coord_mut(
    g: &mut Geometry<f64>,
    f: &mut dyn FnMut(&mut Coord<f64>) -> Result<()>,
) -> Result<()> {
    fn ring(r: &mut geo::LineString<f64>, f: &mut dyn FnMut(&mut Coord<f64>) -> Result<()>) -> Result<()> {
        r.0.iter_mut().try_for_each(f)
    }
    fn polygon(p: &mut geo::Polygon<f64>, f: &mut dyn FnMut(&mut Coord<f64>) -> Result<()>) -> Result<()> {
        let mut exterior = Ok(());
        p.exterior_mut(|r| exterior = ring(r, f));
        exterior?;
        let mut interiors = Ok(());
        p.interiors_mut(|rs| interiors = rs.iter_mut().try_for_each(|r| ring(r, f)));
        interiors
    }
    match g {
        Geometry::Point(p) => f(&mut p.0),
        Geometry::Line(l) => f(&mut l.start).and_then(|()| f(&mut l.end)),
        Geometry::MultiPoint(mp) => mp.0.iter_mut().try_for_each(|p| f(&mut p.0)),
        Geometry::LineString(l) => ring(l, f),
        Geometry::MultiLineString(ml) => ml.0.iter_mut().try_for_each(|l| ring(l, f)),
        Geometry::Polygon(p) => polygon(p, f),
        Geometry::MultiPolygon(mp) => mp.0.iter_mut().try_for_each(|p| polygon(p, f)),
        Geometry::GeometryCollection(gc) => gc.0.iter_mut().try_for_each(|g| for_each_coord_mut(g, f)),
        Geometry::Rect(_) | Geometry::Triangle(_) => {
            Err(Error::Option("Rect and Triangle geometries are not read from files".into()))
        }
    }
}

/// The representative point of a residence or facility geometry: the point itself, or a
/// polygon's interior point (always inside the polygon, unlike the centroid).
pub fn representative_point(g: &Geometry<f64>, role: LayerRole, at: &dyn Fn() -> Location) -> Result<[f64; 2]> {
    let p = match g {
        Geometry::Point(p) => Some(*p),
        Geometry::MultiPoint(mp) if mp.0.len() == 1 => Some(mp.0[0]),
        Geometry::Polygon(p) => p.interior_point(),
        Geometry::MultiPolygon(mp) => mp.interior_point(),
        other => {
            let kind = match other {
                Geometry::MultiPoint(_) => "MultiPoint with several points",
                Geometry::LineString(_) | Geometry::Line(_) => "LineString",
                Geometry::MultiLineString(_) => "MultiLineString",
                Geometry::GeometryCollection(_) => "GeometryCollection",
                _ => "this geometry type",
            };
            let allowed = match role {
                LayerRole::Residences | LayerRole::Services => "Point, Polygon or MultiPolygon",
                LayerRole::Network => "LineString or MultiLineString",
                LayerRole::Zones => "Polygon or MultiPolygon",
            };
            return Err(Error::input(at(), format!("{kind} is not supported here: use {allowed}")));
        }
    };
    p.map(|p| [p.x(), p.y()])
        .ok_or_else(|| Error::input(at(), "polygon is empty or degenerate: it has no interior point"))
}

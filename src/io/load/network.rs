//! The walking network's lines from a LineString/MultiLineString layer.

use geo::Geometry;

use super::LayerRole;
use super::coords::coord_to_wgs84;
use super::feature::{Draining, FeatureContext, open_layer, take_geometry};
use super::values::{direction, walkable};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::Layer;
use crate::model::{Direction, NetworkLines};
use crate::progress::Progress;

/// Builds the walking network's lines from a LineString/MultiLineString layer, converting
/// coordinates to WGS84, reporting "validating the network" (features) to `progress`. The
/// optional `oneway_foot` attribute gives a line's walking direction (see
/// [`Role::OnewayFoot`]); a `foot` attribute of no/private/false skips the line. Lines with
/// fewer than two vertices are kept (they add nothing); any other geometry is an error naming
/// the feature.
pub fn load_network(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    progress: &dyn Progress,
) -> Result<NetworkLines> {
    let (crs, given, id_col) = open_layer(&layer, "network", fields, crs_flag)?;
    let oneway_col = fields.find_in(Role::OnewayFoot, &layer)?;
    let foot_col = fields.find_in(Role::Foot, &layer)?;
    let Layer { path, fields: names, features, .. } = layer;
    let ctx = FeatureContext { path: &path, fields: &names, id_col, crs, given, role: LayerRole::Network };
    let mut out = NetworkLines { features: features.len(), ..NetworkLines::default() };
    let mut features = Draining::new(features, progress, "validating the network");
    while let Some(mut f) = features.next_feature() {
        let id = ctx.id_of(&f);
        let index = f.index;
        let at = || ctx.at(index, &id);
        if let Some(c) = foot_col
            && !walkable(f.value(c))
        {
            out.not_walkable += 1;
            continue;
        }
        let dir = match oneway_col {
            Some(c) => direction(f.value(c), &|| at().field(ctx.field_name(c)))?,
            None => Direction::Both,
        };
        let at_geometry = || at().field("geometry");
        let geometry = take_geometry(&mut f, &at)?;
        let parts = match geometry {
            Geometry::LineString(l) => vec![l],
            Geometry::Line(l) => vec![geo::LineString::from(vec![l.start, l.end])],
            Geometry::MultiLineString(ml) => ml.0,
            other => {
                let kind = match other {
                    Geometry::Point(_) => "Point",
                    Geometry::MultiPoint(_) => "MultiPoint",
                    Geometry::Polygon(_) => "Polygon",
                    Geometry::MultiPolygon(_) => "MultiPolygon",
                    Geometry::GeometryCollection(_) => "GeometryCollection",
                    _ => "this geometry type",
                };
                return Err(Error::input(
                    at_geometry(),
                    format!("{kind} is not supported in a network: use LineString or MultiLineString"),
                ));
            }
        };
        for line in parts {
            let mut pts = Vec::with_capacity(line.0.len());
            for c in line.0 {
                let c = coord_to_wgs84(c, &ctx.crs, ctx.given, ctx.role, &at_geometry)?;
                pts.push([c.x, c.y]);
            }
            out.lonlat.push(pts);
            out.directions.push(dir);
        }
    }
    Ok(out)
}

//! Zones from a Polygon/MultiPolygon layer, with the attributes the indicators need.

use geo::Geometry;

use super::coords::{geometry_to_wgs84, representative_point};
use super::feature::{Draining, FeatureContext, check_unique, open_layer, take_geometry};
use super::values::{add_to_total, rural_of};
use super::{LayerRole, Loaded};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::Layer;
use crate::model::{Zone, ZoneAttributes};
use crate::progress::Progress;

/// Builds zones from a Polygon/MultiPolygon layer, with the optional attributes indicators
/// need (urban/rural, community workers, social organisations, social workers, registered
/// volunteers, opening hours) and the invalid polygons that were repaired, reporting "validating zones" (features) to `progress`. A zone of zero area (its
/// corners in a line or repeated) stays an error: there is nothing to repair it into.
pub fn load_zones(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    progress: &dyn Progress,
) -> Result<Loaded<Zone>> {
    let (crs, given, id_col) = open_layer(&layer, "zones", fields, crs_flag)?;
    let name_col = fields.find_in(Role::Name, &layer)?;
    let rural_col = fields.find_in(Role::UrbanRural, &layer)?;
    let workers_col = fields.find_in(Role::CommunityWorkers, &layer)?;
    let orgs_col = fields.find_in(Role::SocialOrgs, &layer)?;
    let social_col = fields.find_in(Role::SocialWorkers, &layer)?;
    let volunteers_col = fields.find_in(Role::RegisteredVolunteers, &layer)?;
    let hours_col = fields.find_in(Role::OpenHours, &layer)?;
    let Layer { path, fields: names, features, .. } = layer;
    let ctx = FeatureContext { path: &path, fields: &names, id_col, crs, given, role: LayerRole::Zones };
    let mut out = Vec::with_capacity(features.len());
    let mut repaired = Vec::new();
    let mut feature_index = Vec::with_capacity(features.len());
    let mut totals = [0.0f64; 4];
    let mut features = Draining::new(features, progress, "validating zones");
    while let Some(mut f) = features.next_feature() {
        let id = ctx.id_of(&f);
        let index = f.index;
        let at = || ctx.at(index, &id);
        let read = |col| ctx.non_negative(&f, col, &id);
        let rural = match rural_col {
            Some(c) => rural_of(f.value(c), &|| at().field(ctx.field_name(c)))?,
            None => None,
        };
        let attributes = ZoneAttributes {
            rural,
            community_workers: read(workers_col)?,
            social_orgs: read(orgs_col)?,
            social_workers: read(social_col)?,
            registered_volunteers: read(volunteers_col)?,
            open_hours: ctx.hours(&f, hours_col, &id)?,
        };
        let counts = [
            (attributes.community_workers, workers_col),
            (attributes.social_orgs, orgs_col),
            (attributes.social_workers, social_col),
            (attributes.registered_volunteers, volunteers_col),
        ];
        for ((value, col), total) in counts.into_iter().zip(&mut totals) {
            if let (Some(v), Some(c)) = (value, col) {
                add_to_total(total, v, &|| at().field(ctx.field_name(c)))?;
            }
        }
        let name = name_col.and_then(|c| f.value(c).to_text());
        let at_geometry = || at().field("geometry");
        let geometry = geometry_to_wgs84(take_geometry(&mut f, &at)?, &ctx.crs, ctx.given, ctx.role, &at_geometry)?;
        // A polygon of no area at all repairs into nothing: that stays the error below.
        let geometry = ctx.repair(geometry, index, &id, &mut repaired)?;
        match &geometry {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {
                if geo::Area::unsigned_area(&geometry) == 0.0 {
                    return Err(Error::input(
                        at_geometry(),
                        "polygon has no area (its corners are in a line or repeated)",
                    ));
                }
                representative_point(&geometry, LayerRole::Zones, &at_geometry)?;
            }
            _ => {
                return Err(Error::input(
                    at_geometry(),
                    "a zone must be a Polygon or MultiPolygon (points and lines cannot hold residences)",
                ));
            }
        }
        feature_index.push(index);
        out.push(Zone { id, name, geometry, attributes });
    }
    let id_field = id_col.map_or("id", |c| names[c].as_str());
    check_unique(out.iter().map(|z| z.id.as_str()).zip(feature_index), &path, id_field)?;
    Ok(Loaded { items: out, repaired })
}

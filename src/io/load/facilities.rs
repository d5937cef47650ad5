//! Facilities from a layer, each `category` resolved against the profile.

use geo::{GeodesicArea, Geometry};

use super::feature::{Draining, FeatureContext, check_unique, open_layer};
use super::values::add_to_total;
use super::{FacilityLoad, LayerRole};
use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::Layer;
use crate::model::Facility;
use crate::progress::Progress;
use crate::standards::StandardProfile;

/// Builds facilities from a layer, resolving each `category` against the profile, reporting
/// "validating services" (features) to `progress`. Unknown categories are counted and
/// skipped, or are an error when `strict`.
pub fn load_facilities(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    profile: &StandardProfile,
    strict: bool,
    progress: &dyn Progress,
) -> Result<FacilityLoad> {
    let (crs, given, id_col) = open_layer(&layer, "services", fields, crs_flag)?;
    let file = Location::file(&layer.path);
    let cat_col = fields.find_in(Role::Category, &layer)?.ok_or_else(|| {
        Error::input(
            file.field("category"),
            format!(
                "no category field (looked for {}); name it with --field category=NAME",
                Role::Category.aliases().join(", ")
            ),
        )
    })?;
    let name_col = fields.find_in(Role::Name, &layer)?;
    let cap_col = fields.find_in(Role::Capacity, &layer)?;
    let land_col = fields.find_in(Role::LandArea, &layer)?;
    let floor_col = fields.find_in(Role::FloorArea, &layer)?;
    let activity_col = fields.find_in(Role::ActivityArea, &layer)?;
    let office_col = fields.find_in(Role::OfficeArea, &layer)?;
    let hours_col = fields.find_in(Role::OpenHours, &layer)?;
    let station_col = fields.find_in(Role::VolunteerStation, &layer)?;
    let Layer { path, fields: names, features, .. } = layer;
    let ctx = FeatureContext { path: &path, fields: &names, id_col, crs, given, role: LayerRole::Services };
    let mut load = FacilityLoad::default();
    let mut feature_index = Vec::with_capacity(features.len());
    // Running totals of capacity and the four areas, which the analysis sums.
    let mut totals = [0.0f64; 5];
    let mut features = Draining::new(features, progress, "validating services");
    while let Some(mut f) = features.next_feature() {
        let id = ctx.id_of(&f);
        // Locations are built only when there is an error to report.
        let index = f.index;
        let at = || ctx.at(index, &id);
        let cat_at = || at().field(ctx.field_name(cat_col));
        let Some(cat_text) = f.value(cat_col).to_text().filter(|t| !t.trim().is_empty()) else {
            return Err(Error::input(cat_at(), "category is empty"));
        };
        let Some(category) = profile.category_index(&cat_text) else {
            if strict {
                return Err(Error::input(
                    cat_at(),
                    format!(
                        "unknown category '{cat_text}' for profile {} (see `lifecircle standards show {}`)",
                        profile.id, profile.id
                    ),
                ));
            }
            *load.unknown_categories.entry(cat_text.trim().to_owned()).or_insert(0) += 1;
            continue;
        };
        let read = |col| ctx.non_negative(&f, col, &id);
        let (capacity, land_area, floor_area) = (read(cap_col)?, read(land_col)?, read(floor_col)?);
        let (activity_area, office_area) = (read(activity_col)?, read(office_col)?);
        let open_hours = ctx.hours(&f, hours_col, &id)?;
        let volunteer_station = ctx.flag(&f, station_col, &id)?;
        let name = name_col.and_then(|c| f.value(c).to_text());
        let (geometry, lonlat) = ctx.geometry(&mut f, &id, &mut load.repaired)?;
        let polygon_area = match &geometry {
            Geometry::Polygon(p) => Some(p.geodesic_area_unsigned()),
            Geometry::MultiPolygon(p) => Some(p.geodesic_area_unsigned()),
            _ => None,
        };
        let land = land_area.or(polygon_area);
        let summed = [
            (capacity, cap_col),
            (land, land_col),
            (floor_area, floor_col),
            (activity_area, activity_col),
            (office_area, office_col),
        ];
        for ((value, col), total) in summed.into_iter().zip(&mut totals) {
            if let Some(v) = value {
                add_to_total(total, v, &|| at().field(col.map_or("geometry", |c| ctx.field_name(c))))?;
            }
        }
        load.facilities.push(Facility {
            id,
            category,
            name,
            capacity,
            land_area_m2: land,
            floor_area_m2: floor_area,
            activity_area_m2: activity_area,
            office_area_m2: office_area,
            open_hours,
            volunteer_station,
            geometry,
            lonlat,
            xy: [0.0, 0.0],
        });
        feature_index.push(f.index);
    }
    let id_field = id_col.map_or("id", |c| names[c].as_str());
    check_unique(load.facilities.iter().map(|f| f.id.as_str()).zip(feature_index), &path, id_field)?;
    Ok(load)
}

//! Residences from a layer (households, population, elderly).

use super::feature::{Draining, FeatureContext, check_unique, open_layer};
use super::values::{add_to_total, derived};
use super::{LayerRole, Loaded, ResidenceOptions};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::Layer;
use crate::model::Residence;
use crate::progress::Progress;

/// Builds residences from a layer, with the invalid polygons that were repaired, reporting
/// "validating residences" (features) to `progress`.
pub fn load_residences(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    opts: &ResidenceOptions,
    progress: &dyn Progress,
) -> Result<Loaded<Residence>> {
    let (crs, given, id_col) = open_layer(&layer, "residences", fields, crs_flag)?;
    let hh_col = fields.find_in(Role::Households, &layer)?;
    let pop_col = fields.find_in(Role::Population, &layer)?;
    let eld_col = fields.find_in(Role::Elderly, &layer)?;
    let Layer { path, fields: names, features, .. } = layer;
    let ctx = FeatureContext { path: &path, fields: &names, id_col, crs, given, role: LayerRole::Residences };
    let mut out = Vec::with_capacity(features.len());
    let mut repaired = Vec::new();
    let mut feature_index = Vec::with_capacity(features.len());
    let mut totals = [0.0f64; 3];
    let mut features = Draining::new(features, progress, "validating residences");
    while let Some(mut f) = features.next_feature() {
        let id = ctx.id_of(&f);
        // Locations are built only when there is an error to report.
        let index = f.index;
        let at = || ctx.at(index, &id);
        feature_index.push(f.index);
        let read = |col| ctx.non_negative(&f, col, &id);
        let (hh, pop, elderly) = (read(hh_col)?, read(pop_col)?, read(eld_col)?);
        let (households, population) = match (hh, pop) {
            (Some(h), Some(p)) => (h, p),
            (Some(h), None) => (h, derived(h * opts.household_size)),
            (None, Some(p)) => (derived(p / opts.household_size), p),
            (None, None) => match opts.default_households {
                Some(h) => (h, derived(h * opts.household_size)),
                None => {
                    let name = hh_col.map_or("households", |c| ctx.field_name(c));
                    return Err(Error::input(
                        at().field(name),
                        "no households and no population: give one of them, or a default with --default-households N",
                    ));
                }
            },
        };
        // A derived count can overflow (1e308 households × 2.62): name the field it came from.
        let named = |col: Option<usize>, or: &str| at().field(col.map_or(or, |c| ctx.field_name(c)).to_owned());
        let hh_at = || named(hh_col.or(pop_col), "households");
        let pop_at = || named(pop_col.or(hh_col), "population");
        if !households.is_finite() {
            return Err(Error::input(
                hh_at(),
                format!("households derived from the population {population} are not a finite number"),
            ));
        }
        if !population.is_finite() {
            return Err(Error::input(
                pop_at(),
                format!("population derived from {households} households is not a finite number"),
            ));
        }
        add_to_total(&mut totals[0], households, &hh_at)?;
        add_to_total(&mut totals[1], population, &pop_at)?;
        if let (Some(e), Some(c)) = (elderly, eld_col) {
            if e > population + 1e-9 {
                return Err(Error::input(
                    at().field(ctx.field_name(c)),
                    format!("{e} elderly is more than the population {population}"),
                ));
            }
            add_to_total(&mut totals[2], e, &|| at().field(ctx.field_name(c)))?;
        }
        let (geometry, lonlat) = ctx.geometry(&mut f, &id, &mut repaired)?;
        out.push(Residence { id, households, population, elderly, geometry, lonlat, xy: [0.0, 0.0] });
    }
    let id_field = id_col.map_or("id", |c| names[c].as_str());
    check_unique(out.iter().map(|r| r.id.as_str()).zip(feature_index), &path, id_field)?;
    Ok(Loaded { items: out, repaired })
}

//! What every loader shares: opening a layer (features, CRS, id column), the per-feature
//! context (values, geometry to WGS84 with repair), handing out features while freeing their
//! memory, and the unique-id check.

use std::collections::HashMap;

use geo::{Coord, Geometry, MapCoordsInPlace};

use super::LayerRole;
use super::coords::{effective_crs, geometry_to_wgs84, representative_point};
use super::repair::{RepairedGeometry, repair_polygonal};
use super::values::{hours_per_day, non_negative, yes_no};
use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::{Layer, RawFeature};
use crate::progress::{Progress, Step};

pub(super) struct FeatureContext<'a> {
    pub(super) path: &'a std::path::Path,
    pub(super) fields: &'a [String],
    pub(super) id_col: Option<usize>,
    /// The CRS the coordinates are in, and whether it was given rather than assumed.
    pub(super) crs: Crs,
    pub(super) given: bool,
    pub(super) role: LayerRole,
}

impl FeatureContext<'_> {
    pub(super) fn id_of(&self, f: &RawFeature) -> String {
        self.id_col.and_then(|c| f.value(c).to_text()).or_else(|| f.fid.clone()).unwrap_or_else(|| f.index.to_string())
    }
    /// The non-negative number in column `col` of `f`, if the column exists and is not empty.
    pub(super) fn non_negative(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<f64>> {
        match col {
            Some(c) => non_negative(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// Daily opening hours in column `col` (see [`hours_per_day`]).
    pub(super) fn hours(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<f64>> {
        match col {
            Some(c) => hours_per_day(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// A yes/no value in column `col` (see [`yes_no`]).
    pub(super) fn flag(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<bool>> {
        match col {
            Some(c) => yes_no(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// Takes the feature's geometry, converts it to WGS84, repairs it when it is an invalid
    /// polygon (noting the repair in `repaired`) and finds its representative point.
    pub(super) fn geometry(
        &self,
        f: &mut RawFeature,
        id: &str,
        repaired: &mut Vec<RepairedGeometry>,
    ) -> Result<(Geometry<f64>, [f64; 2])> {
        let index = f.index;
        let at = || self.at(index, id);
        let at_geometry = || at().field("geometry");
        let mut geometry = geometry_to_wgs84(take_geometry(f, &at)?, &self.crs, self.given, self.role, &at_geometry)?;
        // Subnormal coordinates (below 1e-308 degrees) mean 0 at any precision, and they trip
        // geo's sweep-line assertions: flush them to zero.
        geometry.map_coords_in_place(|c| Coord {
            x: if c.x.is_subnormal() { 0.0 } else { c.x },
            y: if c.y.is_subnormal() { 0.0 } else { c.y },
        });
        let before = repaired.len();
        let geometry = self.repair(geometry, index, id, repaired)?;
        // A ring the reader closed is a repair too: noted alone, or before the validity repair.
        if let Some(note) = f.geometry_note.take() {
            match repaired.get_mut(before) {
                Some(r) => r.problem = format!("{note}; {}", r.problem),
                None => repaired.push(RepairedGeometry {
                    layer: self.path.display().to_string(),
                    feature: index,
                    id: id.to_owned(),
                    problem: *note,
                }),
            }
        }
        let lonlat = representative_point(&geometry, self.role, &at_geometry)?;
        Ok((geometry, lonlat))
    }

    /// [`repair_polygonal`] for feature `index`, noting a repair in `repaired`.
    pub(super) fn repair(
        &self,
        geometry: Geometry<f64>,
        index: usize,
        id: &str,
        repaired: &mut Vec<RepairedGeometry>,
    ) -> Result<Geometry<f64>> {
        let (geometry, problem) =
            repair_polygonal(geometry).map_err(|m| Error::input(self.at(index, id).field("geometry"), m))?;
        if let Some(problem) = problem {
            repaired.push(RepairedGeometry {
                layer: self.path.display().to_string(),
                feature: index,
                id: id.to_owned(),
                problem,
            });
        }
        Ok(geometry)
    }

    pub(super) fn at(&self, index: usize, id: &str) -> Location {
        Location::file(self.path).feature(index, Some(id))
    }
    pub(super) fn field_name(&self, col: usize) -> &str {
        &self.fields[col]
    }
}

/// Hands out a layer's features in file order while giving their memory back: the buffer is
/// shrunk every 65,536 features, so a large layer and the model built from it are never both
/// held whole (for 1M features this lowers the peak by about 100 MB). Each feature handed out
/// counts as one unit of the progress step the loader reports.
pub(super) struct Draining<'p> {
    /// The features in reverse order, so the next one is popped from the end.
    pub(super) rest: Vec<RawFeature>,
    pub(super) step: Step<'p>,
}

impl<'p> Draining<'p> {
    /// Begins step `name` on `progress` over `features`.
    pub(super) fn new(mut features: Vec<RawFeature>, progress: &'p dyn Progress, name: &str) -> Draining<'p> {
        features.reverse();
        let step = Step::begin(progress, name, Some(features.len() as u64));
        Draining { rest: features, step }
    }

    pub(super) fn next_feature(&mut self) -> Option<RawFeature> {
        let f = self.rest.pop()?;
        self.step.advance(1);
        if self.rest.len().is_multiple_of(65_536) {
            self.rest.shrink_to_fit();
        }
        Some(f)
    }
}

/// Fails on the first id (in file order) that an earlier feature already has.
pub(super) fn check_unique<'a>(
    ids: impl ExactSizeIterator<Item = (&'a str, usize)>,
    path: &std::path::Path,
    id_field: &str,
) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (id, index) in ids {
        if let Some(first) = seen.insert(id, index) {
            return Err(Error::input(
                Location::file(path).feature(index, Some(id)).field(id_field),
                format!("duplicate id '{id}' (also feature {first})"),
            ));
        }
    }
    Ok(())
}

/// Takes the feature's geometry out, or reports why it has none.
pub(super) fn take_geometry(f: &mut RawFeature, at: &dyn Fn() -> Location) -> Result<Geometry<f64>> {
    if let Some(problem) = f.geometry_problem.take() {
        let (field, message) = *problem;
        return Err(Error::input(at().field(field), message));
    }
    f.geometry.take().ok_or_else(|| Error::input(at().field("geometry"), "geometry is null"))
}

/// What every loader checks first: the layer has features; its CRS (and whether it was given
/// rather than assumed); its id column.
pub(super) fn open_layer(
    layer: &Layer,
    what: &str,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
) -> Result<(Crs, bool, Option<usize>)> {
    if layer.features.is_empty() {
        return Err(Error::input(Location::file(&layer.path), format!("the {what} layer has no features")));
    }
    let (crs, given) = effective_crs(layer, crs_flag);
    Ok((crs, given, fields.find_in(Role::Id, layer)?))
}

//! Turns a raw [`Layer`] into validated model types: resolves field roles, checks every value,
//! converts coordinates to WGS84 (catching NaN, out-of-range, swapped and un-declared projected
//! coordinates), repairs invalid polygons (self-intersections, overlapping parts) with geo's
//! validity tools and names each repair, checks that the layer's totals stay finite, and picks
//! each feature's representative point.

use std::collections::{BTreeMap, HashMap};

use geo::{
    Coord, GeodesicArea, Geometry, InteriorPoint, MakeValid, MapCoordsInPlace, MultiPolygon, Polygon, Validation,
};

use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::{Layer, RawFeature, Value};
use crate::model::{Direction, Facility, NetworkLines, Residence, Zone, ZoneAttributes};
use crate::progress::{NoProgress, Progress, Step};
use crate::standards::StandardProfile;

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

/// An input polygon that was not valid (its boundary crossed itself, its rings or parts
/// overlapped or touched along a line) and was repaired as it was read, so that only the
/// repaired polygon reaches the analysis and the outputs. Listed in summary.json's
/// `repaired_geometries` and named in a warning by the CLI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepairedGeometry {
    /// The input file.
    pub layer: String,
    /// Zero-based feature index in the file.
    pub feature: usize,
    /// The feature's id.
    pub id: String,
    /// What was wrong, in geo's words (e.g. "exterior ring has a self-intersection").
    pub problem: String,
}

/// Makes a Polygon or MultiPolygon valid: an invalid polygon is rebuilt from its edges by
/// geo's [`MakeValid`] (even-odd rule: a bow-tie becomes its two triangles), and the parts
/// of a MultiPolygon are then merged by a union (overlapping or edge-sharing parts become one).
/// Returns the geometry unchanged and `None` when it was valid (or is not polygonal), else
/// the repaired geometry (a Polygon when one part is left) and the first problem found. An
/// error when even the repair is not valid (the message says what geo found).
pub fn repair_polygonal(geometry: Geometry<f64>) -> Result<(Geometry<f64>, Option<String>), String> {
    let problem = match &geometry {
        Geometry::Polygon(p) => p.validation_errors().first().map(ToString::to_string),
        Geometry::MultiPolygon(mp) => multipolygon_problem(mp),
        _ => None,
    };
    let Some(problem) = problem else { return Ok((geometry, None)) };
    let parts: Vec<Polygon<f64>> = match geometry {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0,
        _ => Vec::new(),
    };
    let mut pieces: Vec<Polygon<f64>> = Vec::with_capacity(parts.len());
    for part in parts {
        if part.is_valid() {
            pieces.push(part);
        } else {
            let fixed =
                part.make_valid().map_err(|e| format!("polygon is invalid ({problem}) and cannot be repaired: {e}"))?;
            pieces.extend(fixed.0);
        }
    }
    let mut repaired = MultiPolygon(pieces);
    if multipolygon_problem(&repaired).is_some() {
        repaired = geo::unary_union(repaired.0.iter());
    }
    if let Some(still) = multipolygon_problem(&repaired) {
        return Err(format!("polygon is invalid ({problem}) and its repair is not valid either ({still})"));
    }
    let geometry =
        if repaired.0.len() == 1 { Geometry::Polygon(repaired.0.remove(0)) } else { Geometry::MultiPolygon(repaired) };
    Ok((geometry, Some(problem)))
}

/// The first validity problem of a MultiPolygon, as geo's `Validation` words it and in its
/// order (each part, then its overlaps or shared edges with the later parts), but comparing only
/// the parts whose bounding boxes meet (an R-tree): geo compares every pair, which takes minutes
/// on a polygon of 150,000 parts.
fn multipolygon_problem(mp: &MultiPolygon<f64>) -> Option<String> {
    use geo::coordinate_position::CoordPos;
    use geo::dimensions::Dimensions;
    use geo::{BoundingRect, Relate};
    use rstar::primitives::{GeomWithData, Rectangle};
    use rstar::{AABB, RTree};
    let boxes: Vec<Option<AABB<[f64; 2]>>> =
        mp.0.iter()
            .map(|p| p.bounding_rect().map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])))
            .collect();
    let tree = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|b| GeomWithData::new(Rectangle::from_aabb(b), i)))
            .collect(),
    );
    for (i, polygon) in mp.0.iter().enumerate() {
        if let Some(e) = polygon.validation_errors().first() {
            return Some(format!("polygon at index {i} is invalid: {e}"));
        }
        let Some(b) = boxes[i] else { continue };
        let mut later: Vec<usize> =
            tree.locate_in_envelope_intersecting(&b).map(|g| g.data).filter(|&j| j > i).collect();
        later.sort_unstable();
        for j in later {
            let im = polygon.relate(&mp.0[j]);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(format!("polygons at indices {i} and {j} overlap"));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(format!("polygons at indices {i} and {j} touch on a line"));
            }
        }
    }
    None
}

/// Adds `value` to a running total of a field, failing when the total is no longer a finite
/// number (1e308 households twice): summary.json could not hold it.
fn add_to_total(total: &mut f64, value: f64, at: &dyn Fn() -> Location) -> Result<()> {
    *total += value;
    if total.is_finite() {
        Ok(())
    } else {
        Err(Error::input(
            at(),
            format!(
                "{value} brings the layer's total of this field past the largest number (about 1.8e308): \
                 check the values of this field"
            ),
        ))
    }
}

/// Reads a value as a number: empty is `None`, text must parse, NaN and infinity are errors.
/// `at` names where the value sits; it is only called when there is something to report.
pub fn number(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    let n = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => *n,
        Value::Bool(_) => return Err(Error::input(at(), "is true/false, expected a number")),
        Value::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>().map_err(|_| Error::input(at(), format!("'{t}' is not a number")))?
        }
    };
    if !n.is_finite() {
        let shown = match value {
            Value::Text(t) => format!("'{}'", t.trim()),
            _ => n.to_string(),
        };
        return Err(Error::input(at(), format!("{shown} is not a finite number")));
    }
    Ok(Some(n))
}

/// A derived count, rounded to 1e-6 so that 10 × 2.62 is written as 26.2 (a count too large for
/// that rounding to matter is kept as it is, rather than overflowing while rounding).
fn derived(x: f64) -> f64 {
    if x.abs() < 1e15 { (x * 1e6).round() / 1e6 } else { x }
}

fn non_negative(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    match number(value, at)? {
        Some(n) if n < 0.0 => Err(Error::input(at(), format!("{n} is negative"))),
        other => Ok(other),
    }
}

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
fn coord_to_wgs84(
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
fn for_each_coord_mut(g: &mut Geometry<f64>, f: &mut dyn FnMut(&mut Coord<f64>) -> Result<()>) -> Result<()> {
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

struct FeatureContext<'a> {
    path: &'a std::path::Path,
    fields: &'a [String],
    id_col: Option<usize>,
    /// The CRS the coordinates are in, and whether it was given rather than assumed.
    crs: Crs,
    given: bool,
    role: LayerRole,
}

impl FeatureContext<'_> {
    fn id_of(&self, f: &RawFeature) -> String {
        self.id_col.and_then(|c| f.value(c).to_text()).or_else(|| f.fid.clone()).unwrap_or_else(|| f.index.to_string())
    }
    /// The non-negative number in column `col` of `f`, if the column exists and is not empty.
    fn non_negative(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<f64>> {
        match col {
            Some(c) => non_negative(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// Daily opening hours in column `col` (see [`hours_per_day`]).
    fn hours(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<f64>> {
        match col {
            Some(c) => hours_per_day(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// A yes/no value in column `col` (see [`yes_no`]).
    fn flag(&self, f: &RawFeature, col: Option<usize>, id: &str) -> Result<Option<bool>> {
        match col {
            Some(c) => yes_no(f.value(c), &|| self.at(f.index, id).field(self.field_name(c))),
            None => Ok(None),
        }
    }

    /// Takes the feature's geometry, converts it to WGS84, repairs it when it is an invalid
    /// polygon (noting the repair in `repaired`) and finds its representative point.
    fn geometry(
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
    fn repair(
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

    fn at(&self, index: usize, id: &str) -> Location {
        Location::file(self.path).feature(index, Some(id))
    }
    fn field_name(&self, col: usize) -> &str {
        &self.fields[col]
    }
}

/// Hands out a layer's features in file order while giving their memory back: the buffer is
/// shrunk every 65,536 features, so a large layer and the model built from it are never both
/// held whole (for 1M features this lowers the peak by about 100 MB). Each feature handed out
/// counts as one unit of the progress step the loader reports.
struct Draining<'p> {
    /// The features in reverse order, so the next one is popped from the end.
    rest: Vec<RawFeature>,
    step: Step<'p>,
}

impl<'p> Draining<'p> {
    /// Begins step `name` on `progress` over `features`.
    fn new(mut features: Vec<RawFeature>, progress: &'p dyn Progress, name: &str) -> Draining<'p> {
        features.reverse();
        let step = Step::begin(progress, name, Some(features.len() as u64));
        Draining { rest: features, step }
    }

    fn next_feature(&mut self) -> Option<RawFeature> {
        let f = self.rest.pop()?;
        self.step.advance(1);
        if self.rest.len().is_multiple_of(65_536) {
            self.rest.shrink_to_fit();
        }
        Some(f)
    }
}

/// Fails on the first id (in file order) that an earlier feature already has.
fn check_unique<'a>(
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
fn take_geometry(f: &mut RawFeature, at: &dyn Fn() -> Location) -> Result<Geometry<f64>> {
    if let Some(problem) = f.geometry_problem.take() {
        let (field, message) = *problem;
        return Err(Error::input(at().field(field), message));
    }
    f.geometry.take().ok_or_else(|| Error::input(at().field("geometry"), "geometry is null"))
}

/// What every loader checks first: the layer has features; its CRS (and whether it was given
/// rather than assumed); its id column.
fn open_layer(
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

/// Builds residences from a layer.
pub fn residences_from_layer(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    opts: &ResidenceOptions,
) -> Result<Vec<Residence>> {
    load_residences(layer, fields, crs_flag, opts, &NoProgress).map(|l| l.items)
}

/// Builds residences from a layer (as [`residences_from_layer`]), with the invalid polygons
/// that were repaired, reporting "validating residences" (features) to `progress`.
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

/// Builds facilities from a layer, resolving each `category` against the profile.
/// Unknown categories are counted and skipped, or are an error when `strict`.
pub fn facilities_from_layer(
    layer: Layer,
    fields: &FieldMap,
    crs_flag: Option<&Crs>,
    profile: &StandardProfile,
    strict: bool,
) -> Result<FacilityLoad> {
    facilities_with_progress(layer, fields, crs_flag, profile, strict, &NoProgress)
}

/// [`facilities_from_layer`], reporting "validating services" (features) to `progress`.
pub(crate) fn facilities_with_progress(
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

/// Reads daily opening hours: a number of hours (0–24), `24/7`, or one or more time ranges
/// such as `08:00-20:00` or `8:00-12:00,14:00-18:00` (a range past midnight wraps). Empty is
/// `None`; anything else is an error naming the value.
pub fn hours_per_day(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    let text = match value {
        Value::Text(t) => t.trim().to_owned(),
        other => {
            return match number(other, at)? {
                Some(h) if !(0.0..=24.0).contains(&h) => {
                    Err(Error::input(at(), format!("{h} hours a day is outside 0–24")))
                }
                h => Ok(h),
            };
        }
    };
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(h) = text.parse::<f64>() {
        return hours_per_day(&Value::Number(h), at);
    }
    if text == "24/7" || text == "24小时" {
        return Ok(Some(24.0));
    }
    let clock = |s: &str| -> Option<f64> {
        let (h, m) = s.trim().split_once([':', '：']).unwrap_or((s.trim(), "0"));
        let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
        (h <= 24 && m < 60 && (h < 24 || m == 0)).then(|| f64::from(h) + f64::from(m) / 60.0)
    };
    let mut total = 0.0;
    for range in text.split([',', ';', '，', '；']) {
        let parsed = range.split_once(['-', '–', '~', '～']).and_then(|(a, b)| Some((clock(a)?, clock(b)?)));
        let Some((from, to)) = parsed else {
            return Err(Error::input(
                at(),
                format!(
                    "opening hours '{text}' are not understood: give hours a day (e.g. 10) or ranges like 08:00-20:00"
                ),
            ));
        };
        total += if to > from { to - from } else { to + 24.0 - from };
    }
    Ok(Some(total.min(24.0)))
}

/// Reads a yes/no value: yes/true/1/是/有 or no/false/0/否/无; empty is `None`.
pub fn yes_no(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<bool>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => return Ok(Some(*b)),
        Value::Number(n) if *n == 1.0 => return Ok(Some(true)),
        Value::Number(n) if *n == 0.0 => return Ok(Some(false)),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" => Ok(None),
        "yes" | "true" | "1" | "y" | "是" | "有" => Ok(Some(true)),
        "no" | "false" | "0" | "n" | "否" | "无" => Ok(Some(false)),
        other => Err(Error::input(at(), format!("'{other}' is not yes/no (use yes, no, true, false, 1 or 0)"))),
    }
}

/// Reads urban/rural: `Some(true)` for rural (rural/农村/村/乡村/village), `Some(false)` for
/// urban (urban/城市/城镇/社区/city/town); a boolean or 1/0 column named `urban` reads as
/// urban = true. Empty is `None`.
fn rural_of(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<bool>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Bool(urban) => return Ok(Some(!urban)),
        Value::Number(n) if *n == 1.0 => return Ok(Some(false)),
        Value::Number(n) if *n == 0.0 => return Ok(Some(true)),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" => Ok(None),
        "urban" | "city" | "town" | "城市" | "城镇" | "社区" | "城" | "true" | "yes" => Ok(Some(false)),
        "rural" | "village" | "农村" | "乡村" | "村" | "乡" | "false" | "no" => Ok(Some(true)),
        other => {
            Err(Error::input(at(), format!("'{other}' is neither urban (urban/城市/社区) nor rural (rural/农村/村)")))
        }
    }
}

/// Builds zones from a Polygon/MultiPolygon layer, with the optional attributes indicators
/// need (urban/rural, community workers, social organisations, social workers, registered
/// volunteers, opening hours).
pub fn zones_from_layer(layer: Layer, fields: &FieldMap, crs_flag: Option<&Crs>) -> Result<Vec<Zone>> {
    load_zones(layer, fields, crs_flag, &NoProgress).map(|l| l.items)
}

/// Builds zones from a layer (as [`zones_from_layer`]), with the invalid polygons that were
/// repaired, reporting "validating zones" (features) to `progress`. A zone of zero area (its
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

/// Reads a walking direction (`oneway_foot` role): yes/true/1 → forward, -1/reverse →
/// backward, no/false/0/empty → both ways.
fn direction(value: &Value, at: &dyn Fn() -> Location) -> Result<Direction> {
    let text = match value {
        Value::Null => return Ok(Direction::Both),
        Value::Bool(b) => return Ok(if *b { Direction::Forward } else { Direction::Both }),
        Value::Number(n) if *n == 1.0 => return Ok(Direction::Forward),
        Value::Number(n) if *n == -1.0 => return Ok(Direction::Backward),
        Value::Number(n) if *n == 0.0 => return Ok(Direction::Both),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" | "no" | "false" | "0" | "both" => Ok(Direction::Both),
        "yes" | "true" | "1" | "forward" => Ok(Direction::Forward),
        "-1" | "reverse" | "backward" => Ok(Direction::Backward),
        other => Err(Error::input(
            at(),
            format!(
                "walking direction '{other}' is not understood: use yes (along the line), -1 (against it) or no (both ways)"
            ),
        )),
    }
}

/// Whether a `foot` attribute allows walking: no/private/false/0 do not.
fn walkable(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0,
        Value::Text(t) => !matches!(t.trim().to_lowercase().as_str(), "no" | "private" | "false" | "0"),
        Value::Null => true,
    }
}

/// Builds the walking network's lines from a LineString/MultiLineString layer, converting
/// coordinates to WGS84. The optional `oneway_foot` attribute gives a line's walking direction
/// (see [`Role::OnewayFoot`]); a `foot` attribute of no/private/false skips the line.
/// Lines with fewer than two vertices are kept (they add nothing); any other geometry is an
/// error naming the feature.
pub fn network_from_layer(layer: Layer, fields: &FieldMap, crs_flag: Option<&Crs>) -> Result<NetworkLines> {
    network_with_progress(layer, fields, crs_flag, &NoProgress)
}

/// [`network_from_layer`], reporting "validating the network" (features) to `progress`.
pub(crate) fn network_with_progress(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::geojson_read::read_geojson_bytes;
    use std::path::Path;

    fn layer(name: &str, features: &[&str]) -> Layer {
        let text = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
        read_geojson_bytes(Path::new(name), text.as_bytes()).unwrap()
    }

    /// A bow-tie around (116.4, 39.9): the boundary crosses itself at the centre.
    const BOWTIE: &str = r#"{"type":"Polygon","coordinates":[[[116.4,39.9],[116.401,39.901],[116.401,39.9],[116.4,39.901],[116.4,39.9]]]}"#;

    #[test]
    fn multipolygon_problems_match_geo_and_only_meeting_parts_are_compared() {
        use geo::{Rect, coord};
        let square =
            |x: f64, y: f64, s: f64| Rect::new(coord! { x: x, y: y }, coord! { x: x + s, y: y + s }).to_polygon();
        let cases = [
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(2.0, 0.0, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(5.0, 5.0, 1.0), square(0.5, 0.5, 1.0)]),
            MultiPolygon(vec![square(0.0, 0.0, 1.0), square(1.0, 1.0, 1.0)]),
        ];
        for mp in &cases {
            let want = mp.validation_errors().first().map(ToString::to_string);
            assert_eq!(multipolygon_problem(mp), want, "{mp:?}");
        }
        // 20,000 disjoint squares: valid, and answered without comparing every pair.
        let many =
            MultiPolygon((0..20_000).map(|k| square((k % 200) as f64 * 2.0, (k / 200) as f64 * 2.0, 1.0)).collect());
        assert_eq!(multipolygon_problem(&many), None);
    }

    #[test]
    fn a_self_intersecting_facility_is_repaired_named_and_keeps_its_area() {
        let profile = StandardProfile::built_in("gb50180-2018").unwrap();
        let services = layer(
            "svc.geojson",
            &[
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[116.4,39.9]},"properties":{"id":"ok","category":"clinic"}}"#,
                &format!(r#"{{"type":"Feature","geometry":{BOWTIE},"properties":{{"id":"tie","category":"clinic"}}}}"#),
            ],
        );
        let load = facilities_from_layer(services, &FieldMap::default(), None, &profile, true).unwrap();
        assert_eq!(load.repaired.len(), 1, "{:?}", load.repaired);
        let r = &load.repaired[0];
        assert_eq!((r.layer.as_str(), r.feature, r.id.as_str()), ("svc.geojson", 1, "tie"));
        assert!(r.problem.contains("self-intersection"), "{}", r.problem);
        let tie = &load.facilities[1];
        assert!(Validation::is_valid(&tie.geometry), "{:?}", tie.geometry);
        // Two triangles, each a quarter of the ~85 m × 111 m cell.
        let area = tie.land_area_m2.unwrap();
        let cell = 85.37 * 111.04;
        assert!((area - cell / 2.0).abs() < 0.02 * cell, "area {area} m², expected about {}", cell / 2.0);
        assert!(load.facilities[0].land_area_m2.is_none(), "a point has no polygon area");
    }

    #[test]
    fn the_bundled_samples_self_intersecting_residence_is_repaired() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("residences.geojson");
        let layer = crate::io::geojson_read::read_geojson(&path).unwrap();
        let load =
            load_residences(layer, &FieldMap::default(), None, &ResidenceOptions::default(), &NoProgress).unwrap();
        let ids: Vec<&str> = load.repaired.iter().map(|r| r.id.as_str()).collect();
        assert!(ids.contains(&"r1858248"), "{ids:?}");
        for r in &load.items {
            assert!(Validation::is_valid(&r.geometry), "{} is still invalid", r.id);
        }
        let r = load.items.iter().find(|r| r.id == "r1858248").unwrap();
        assert!(geo::Area::unsigned_area(&r.geometry) > 0.0);
    }

    #[test]
    fn a_self_intersecting_zone_is_repaired_but_a_flat_one_stays_an_error() {
        let tie = format!(r#"{{"type":"Feature","geometry":{BOWTIE},"properties":{{"id":"Z1"}}}}"#);
        let load = load_zones(layer("z.geojson", &[&tie]), &FieldMap::default(), None, &NoProgress).unwrap();
        assert_eq!(load.repaired.len(), 1);
        assert!(matches!(load.items[0].geometry, Geometry::MultiPolygon(ref mp) if mp.0.len() == 2));
        let flat = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[116.39,39.89],[116.4,39.89],[116.39,39.89],[116.39,39.89]]]},"properties":{"id":"Z2"}}"#;
        let e = load_zones(layer("z.geojson", &[flat]), &FieldMap::default(), None, &NoProgress).unwrap_err();
        assert!(e.to_string().contains("Z2") && e.to_string().contains("no area"), "{e}");
    }

    #[test]
    fn totals_that_overflow_are_an_error_naming_the_field() {
        let home = |id: &str, props: &str| {
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[116.4,39.9]}},"properties":{{"id":"{id}",{props}}}}}"#
            )
        };
        let run = |features: &[&str]| {
            residences_from_layer(
                layer("r.geojson", features),
                &FieldMap::default(),
                None,
                &ResidenceOptions::default(),
            )
        };
        let both = |h: &str| format!(r#""households":{h},"population":1"#);
        let e = run(&[&home("a", &both("1e308")), &home("b", &both("1e308"))]).unwrap_err().to_string();
        assert!(e.contains("feature 1 (id 'b')") && e.contains("field 'households'") && e.contains("total"), "{e}");
        // 1e308 households × 2.62 persons: the derived population is not a number.
        let e = run(&[&home("a", r#""households":1e308"#)]).unwrap_err().to_string();
        assert!(e.contains("id 'a'") && e.contains("field 'households'"), "{e}");
        let e = run(&[
            &home("a", r#""population":1e308,"households":1,"elderly":1e308"#),
            &home("b", r#""population":1e308,"households":1,"elderly":1e308"#),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("id 'b'") && e.contains("field 'population'"), "{e}");
        // Large but finite totals are fine, and derive without overflowing while rounding.
        let ok = run(&[&home("a", r#""households":1e305"#)]).unwrap();
        assert_eq!(ok[0].population, 1e305 * DEFAULT_HOUSEHOLD_SIZE);
    }
}

//! Reads an analysis output folder (summary.json, households/facilities/zones/gaps GeoJSON) into
//! [`ReportData`]: plain WGS84 points and shapes with just what the report shows. The report is
//! always made from the files, so `analyze --report` and a later `lifecircle report OUT_DIR`
//! give the same page. summary.json is read back into the [`Summary`] it was written from.

use std::path::Path;

use geo::{Geometry, MultiPolygon};

use crate::analysis::Summary;
use crate::analysis::indicators::{Note, Status, ZoneSummary};
use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::geojson_read::read_geojson_fields;
use crate::io::layer::{Layer, RawFeature, Value};
use crate::io::load::{LayerRole, effective_crs, geometry_to_wgs84, representative_point};

/// A residence as the map draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidencePoint {
    /// WGS84 longitude, latitude (a polygon's interior point).
    pub lon_lat: [f64; 2],
    /// Households.
    pub households: f64,
    /// Required categories missing.
    pub missing: u32,
}

/// A facility as the map draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityPoint {
    /// WGS84 longitude, latitude.
    pub lon_lat: [f64; 2],
    /// Index into the summary's categories.
    pub category: usize,
}

/// A zone's verdict over all its indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every assessed indicator passes (and at least one is assessed).
    Pass,
    /// At least one indicator fails.
    Fail,
    /// No indicator could be assessed (or the profile has none).
    NotAssessed,
}

/// One indicator of one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneIndicator {
    /// The measured value.
    pub value: Option<f64>,
    /// The target that applied.
    pub target: Option<f64>,
    /// pass, fail or not_assessed.
    pub status: Status,
    /// Why not assessed: the note read back from its code and parameters (zones layers written
    /// since the notes have codes)...
    pub note: Option<Note>,
    /// ...or, from an older zones layer, its English sentence.
    pub note_text: Option<String>,
}

/// A zone with its indicators, in the order of [`ZoneSummary::indicators`].
#[derive(Debug, Clone)]
pub struct ZoneShape {
    /// Zone id.
    pub id: String,
    /// Zone name.
    pub name: Option<String>,
    /// Its shape, WGS84.
    pub shape: MultiPolygon<f64>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Indicators.
    pub indicators: Vec<ZoneIndicator>,
}

/// A gap area of one category.
#[derive(Debug, Clone)]
pub struct GapAreaShape {
    /// Index into the summary's categories.
    pub category: usize,
    /// Rank within the category.
    pub rank: usize,
    /// Residents inside (read so that a bad value is an error naming the feature; not drawn).
    #[allow(dead_code)]
    pub population: f64,
    /// Its shape, WGS84.
    pub shape: MultiPolygon<f64>,
}

/// Everything the report shows, read from an output folder.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// summary.json.
    pub summary: Summary,
    /// Residences in file order.
    pub residences: Vec<ResidencePoint>,
    /// `covered[c][r]`: residence `r` is within reach of category `c` (`ok_<c>`); empty for a
    /// category without radius.
    pub covered: Vec<Vec<bool>>,
    /// Facilities.
    pub facilities: Vec<FacilityPoint>,
    /// Zones (empty without zones.geojson).
    pub zones: Vec<ZoneShape>,
    /// Gap areas (empty without gaps.geojson).
    pub gap_areas: Vec<GapAreaShape>,
}

impl ReportData {
    /// Reads `dir`: summary.json, households.geojson and facilities.geojson must be there;
    /// zones.geojson and gaps.geojson are read when present.
    pub fn read(dir: &Path) -> Result<ReportData> {
        let summary = read_summary(&dir.join("summary.json"))?;
        let (residences, covered) = read_households(&dir.join("households.geojson"), &summary)?;
        let facilities = read_facilities(&dir.join("facilities.geojson"), &summary)?;
        let zones_path = dir.join("zones.geojson");
        let zones = match &summary.zones {
            Some(z) if zones_path.exists() => read_zones(&zones_path, z)?,
            _ => Vec::new(),
        };
        let gaps_path = dir.join("gaps.geojson");
        let gap_areas = if gaps_path.exists() { read_gap_areas(&gaps_path, &summary)? } else { Vec::new() };
        Ok(ReportData { summary, residences, covered, facilities, zones, gap_areas })
    }
}

fn read_summary(path: &Path) -> Result<Summary> {
    if !path.exists() {
        return Err(Error::input(
            Location::file(path),
            "no such file: give the folder of an earlier `lifecircle analyze` run (--out)",
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let invalid = |field: &str, e: serde_json::Error| {
        Error::input(Location::file(path).field(field), format!("not a lifecircle summary: {e}"))
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| invalid("summary", e))?;
    if !value.get("categories").is_some_and(|c| c.is_object()) {
        return Err(Error::input(Location::file(path).field("categories"), "missing: not a lifecircle summary"));
    }
    serde_json::from_str(&text).map_err(|e| invalid("summary", e))
}

/// Reads a layer keeping only `keep`'s properties; a missing file names what it needs.
fn read_layer_fields(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Layer> {
    if !path.exists() {
        return Err(Error::input(Location::file(path), "no such file: the report needs the outputs of `analyze`"));
    }
    read_geojson_fields(path, keep)
}

/// A feature's geometry (taken out of the feature) in WGS84; `crs` is the layer's
/// [`effective_crs`], looked up once per layer.
fn wgs84_geometry(
    crs: &(Crs, bool),
    geometry: Option<Geometry<f64>>,
    role: LayerRole,
    at: &dyn Fn() -> Location,
) -> Result<Geometry<f64>> {
    let Some(g) = geometry else {
        return Err(Error::input(at().field("geometry"), "is null or unreadable"));
    };
    geometry_to_wgs84(g, &crs.0, crs.1, role, at)
}

fn number(f: &RawFeature, column: Option<usize>, at: &dyn Fn() -> Location, name: &str) -> Result<Option<f64>> {
    match column.map(|c| f.value(c)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_finite() => Ok(Some(*n)),
        Some(other) => Err(Error::input(at().field(name), format!("{other:?} is not a number"))),
    }
}

fn text(f: &RawFeature, column: Option<usize>) -> Option<String> {
    column.and_then(|c| f.value(c).to_text())
}

fn read_households(path: &Path, summary: &Summary) -> Result<(Vec<ResidencePoint>, Vec<Vec<bool>>)> {
    let ok_names: Vec<String> = summary.categories.iter().map(|(id, _)| format!("ok_{id}")).collect();
    let keep = |name: &str| matches!(name, "id" | "households" | "missing") || ok_names.iter().any(|n| n == name);
    let mut layer = read_layer_fields(path, &keep)?;
    let (hh_col, missing_col, id_col) = (layer.column("households"), layer.column("missing"), layer.column("id"));
    let ok_cols: Vec<Option<usize>> = ok_names.iter().map(|n| layer.column(n)).collect();
    let mut residences = Vec::with_capacity(layer.features.len());
    let mut covered: Vec<Vec<bool>> = summary
        .categories
        .iter()
        .map(|(_, c)| if c.radius_m.is_some() { Vec::with_capacity(layer.features.len()) } else { Vec::new() })
        .collect();
    let crs = effective_crs(&layer, None);
    for f in &mut layer.features {
        let id = text(f, id_col);
        let at = || Location::file(path).feature(f.index, id.as_deref());
        let g = wgs84_geometry(&crs, f.geometry.take(), LayerRole::Residences, &at)?;
        let lon_lat = representative_point(&g, LayerRole::Residences, &at)?;
        let households = number(f, hh_col, &at, "households")?.unwrap_or(0.0);
        let missing = number(f, missing_col, &at, "missing")?.unwrap_or(0.0).max(0.0) as u32;
        residences.push(ResidencePoint { lon_lat, households, missing });
        for (c, col) in ok_cols.iter().enumerate() {
            if summary.categories[c].1.radius_m.is_none() {
                continue;
            }
            let ok = match col.map(|col| f.value(col)) {
                Some(Value::Bool(b)) => *b,
                None | Some(Value::Null) => false,
                Some(other) => {
                    return Err(Error::input(at().field(&ok_names[c]), format!("{other:?} is not true/false")));
                }
            };
            covered[c].push(ok);
        }
    }
    Ok((residences, covered))
}

fn read_facilities(path: &Path, summary: &Summary) -> Result<Vec<FacilityPoint>> {
    let mut layer = read_layer_fields(path, &|n| matches!(n, "id" | "category"))?;
    let (id_col, cat_col) = (layer.column("id"), layer.column("category"));
    let mut out = Vec::with_capacity(layer.features.len());
    let crs = effective_crs(&layer, None);
    for f in &mut layer.features {
        let id = text(f, id_col);
        let at = || Location::file(path).feature(f.index, id.as_deref());
        let cat = text(f, cat_col).ok_or_else(|| Error::input(at().field("category"), "is empty"))?;
        let category = summary.category_index(&cat).ok_or_else(|| {
            Error::input(at().field("category"), format!("'{cat}' is not a category of summary.json"))
        })?;
        let g = wgs84_geometry(&crs, f.geometry.take(), LayerRole::Services, &at)?;
        let lon_lat = representative_point(&g, LayerRole::Services, &at)?;
        out.push(FacilityPoint { lon_lat, category });
    }
    Ok(out)
}

fn multipolygon(g: Geometry<f64>, at: &dyn Fn() -> Location) -> Result<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        Geometry::MultiPolygon(mp) => Ok(mp),
        _ => Err(Error::input(at().field("geometry"), "is not a Polygon or MultiPolygon")),
    }
}

fn read_zones(path: &Path, zones: &ZoneSummary) -> Result<Vec<ZoneShape>> {
    let ids: Vec<&str> = zones.indicators.iter().map(|i| i.id.as_str()).collect();
    let keep = |n: &str| {
        matches!(n, "id" | "name")
            || ids.iter().any(|id| {
                n.strip_prefix(id).is_some_and(|rest| {
                    matches!(rest, "" | "_target" | "_status" | "_note" | "_note_code" | "_note_args")
                })
            })
    };
    let mut layer = read_layer_fields(path, &keep)?;
    let (id_col, name_col) = (layer.column("id"), layer.column("name"));
    let mut out = Vec::with_capacity(layer.features.len());
    // Per indicator: its value, target, status and note columns.
    let columns: Vec<[Option<usize>; 6]> = ids
        .iter()
        .map(|ind| {
            ["", "_target", "_status", "_note", "_note_code", "_note_args"]
                .map(|suffix| layer.column(&format!("{ind}{suffix}")))
        })
        .collect();
    let crs = effective_crs(&layer, None);
    for f in &mut layer.features {
        let id = text(f, id_col).unwrap_or_else(|| f.index.to_string());
        let at = || Location::file(path).feature(f.index, Some(&id));
        let shape = multipolygon(wgs84_geometry(&crs, f.geometry.take(), LayerRole::Zones, &at)?, &at)?;
        let mut indicators = Vec::with_capacity(ids.len());
        for (ind, [value, target, status, note, code, args]) in ids.iter().zip(&columns) {
            indicators.push(ZoneIndicator {
                value: number(f, *value, &at, ind)?,
                target: number(f, *target, &at, &format!("{ind}_target"))?,
                status: match text(f, *status).as_deref() {
                    Some("pass") => Status::Pass,
                    Some("fail") => Status::Fail,
                    _ => Status::NotAssessed,
                },
                note: text(f, *code).and_then(|code| Note::from_parts(&code, &text(f, *args)?)),
                note_text: text(f, *note),
            });
        }
        let verdict = if indicators.iter().any(|i| i.status == Status::Fail) {
            Verdict::Fail
        } else if indicators.iter().any(|i| i.status == Status::Pass) {
            Verdict::Pass
        } else {
            Verdict::NotAssessed
        };
        out.push(ZoneShape { id, name: text(f, name_col), shape, verdict, indicators });
    }
    Ok(out)
}

fn read_gap_areas(path: &Path, summary: &Summary) -> Result<Vec<GapAreaShape>> {
    let keep = |n: &str| matches!(n, "kind" | "category" | "rank" | "population");
    let mut layer = read_layer_fields(path, &keep)?;
    let col = |n: &str| layer.column(n);
    let (kind_col, cat_col, rank_col, pop_col) = (col("kind"), col("category"), col("rank"), col("population"));
    let mut out = Vec::new();
    let crs = effective_crs(&layer, None);
    for f in &mut layer.features {
        if text(f, kind_col).as_deref() != Some("area") {
            continue;
        }
        let at = || Location::file(path).feature(f.index, None);
        let cat = text(f, cat_col).unwrap_or_default();
        let category = summary.category_index(&cat).ok_or_else(|| {
            Error::input(at().field("category"), format!("'{cat}' is not a category of summary.json"))
        })?;
        let rank = number(f, rank_col, &at, "rank")?.unwrap_or(0.0) as usize;
        let population = number(f, pop_col, &at, "population")?.unwrap_or(0.0);
        let shape = multipolygon(wgs84_geometry(&crs, f.geometry.take(), LayerRole::Zones, &at)?, &at)?;
        out.push(GapAreaShape { category, rank, population, shape });
    }
    Ok(out)
}

//! Writers for the analysis layers: one column definition per layer (households, facilities)
//! written as GeoJSON (RFC 7946, or with a `crs` member when not WGS84), CSV (UTF-8 with BOM)
//! or a point shapefile (field names cut to DBF's 10 characters by a fixed table).
//!
//! Shapefile field names: `id`, `households`, `population`, `elderly`, `d_<code>` (dist_),
//! `n_<code>` (nearest_), `k_<code>` (ok_), `missing`, `miss_list`, `cmpl_5min`, `cmpl_10min`,
//! `cmpl_15min`, `complete`, `eldland15` (elderly_land_per_capita_15min), and in a network analysis `e_<code>` (euclid_), `w_<code>`
//! (walk_min_) and `snap_m`, where `<code>` is the category's `dbf_code` (see
//! `lifecircle standards show`); facilities: `id`, `category`, `name`, `capacity`, `land_m2`,
//! `floor_m2`, `households`, `population` (and `snap_m`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry};

use crate::analysis::catchments::Catchment;
use crate::analysis::indicators::ZoneReport;
use crate::analysis::{Analysis, Summary, TIERS, round_decimetre};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::layer::Value;
use crate::io::output::{ManifestMode, OutputDir, create_new};
use crate::io::shapefile::{FieldKind, ShpField, write_point_shapefile};
use crate::network::Snap;
use crate::progress::{NoProgress, Progress, Step};
use crate::standards::IndicatorId;
use geo::InteriorPoint;

mod gaps;
pub use gaps::write_gaps;

/// A layer format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputFormat {
    /// GeoJSON (always written).
    GeoJson,
    /// CSV, UTF-8 with BOM.
    Csv,
    /// ESRI shapefile (points).
    Shp,
}

impl OutputFormat {
    /// Parses `geojson`, `csv` or `shp`.
    pub fn parse(s: &str) -> Result<OutputFormat> {
        match s.trim().to_lowercase().as_str() {
            "geojson" | "json" => Ok(OutputFormat::GeoJson),
            "csv" => Ok(OutputFormat::Csv),
            "shp" | "shapefile" => Ok(OutputFormat::Shp),
            other => Err(Error::Option(format!("--format '{other}': use geojson, csv or shp"))),
        }
    }
}

/// One attribute column of an output layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Name in GeoJSON and CSV.
    pub name: String,
    /// Name in the DBF (≤ 10 characters).
    pub dbf: String,
    /// Kind for the DBF.
    pub kind: FieldKind,
}

fn col(name: impl Into<String>, dbf: impl Into<String>, kind: FieldKind) -> Column {
    Column { name: name.into(), dbf: dbf.into(), kind }
}

const TEXT: FieldKind = FieldKind::Text;
const BOOL: FieldKind = FieldKind::Bool;
const NUM1: FieldKind = FieldKind::Number { decimals: 1 };
const NUM0: FieldKind = FieldKind::Number { decimals: 0 };

/// One value of an output row, borrowing text from the analysis where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Null / empty cell.
    Null,
    /// true / false.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text borrowed from the analysis.
    Str(&'a str),
    /// Text made for this row.
    Owned(String),
}

impl Cell<'_> {
    fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Number(x) => Value::Number(*x),
            Cell::Str(t) => Value::Text((*t).to_owned()),
            Cell::Owned(t) => Value::Text(t.clone()),
        }
    }
}

/// Fills a row's values.
type RowFn<'a> = Box<dyn for<'r> Fn(usize, &'r mut Vec<Cell<'a>>) + Sync + 'a>;
/// A row's geometry (WGS84) and representative point.
type GeometryFn<'a> = Box<dyn Fn(usize) -> (&'a Geometry<f64>, [f64; 2]) + Sync + 'a>;

/// An output layer: columns, and for each row its values, geometry and representative point.
pub struct Table<'a> {
    /// Attribute columns.
    pub columns: Vec<Column>,
    /// Number of rows.
    pub rows: usize,
    row: RowFn<'a>,
    geometry: GeometryFn<'a>,
}

impl<'a> Table<'a> {
    /// Fills `out` with row `i`'s values.
    pub fn values(&self, i: usize, out: &mut Vec<Cell<'a>>) {
        out.clear();
        (self.row)(i, out);
    }
}

/// Rounds to 0.1 for output.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn opt_num<'a>(x: Option<f64>) -> Cell<'a> {
    x.map_or(Cell::Null, Cell::Number)
}

/// The access leg of a snapped point, metres (0.1 m); `None` off the network.
fn snap_metres(snap: Snap) -> Option<f64> {
    match snap {
        Snap::Snapped { offset_m, .. } => Some(round_decimetre(offset_m)),
        Snap::Unreachable => None,
    }
}

/// The households layer: one row per residence.
pub fn household_table<'a>(a: &'a Analysis) -> Table<'a> {
    let p = &a.profile;
    let has_elderly = a.residences.iter().any(|r| r.elderly.is_some());
    let mut columns =
        vec![col("id", "id", TEXT), col("households", "households", NUM1), col("population", "population", NUM1)];
    if has_elderly {
        columns.push(col("elderly", "elderly", NUM1));
    }
    let network = a.network.as_ref();
    if network.is_some() {
        columns.push(col("snap_m", "snap_m", NUM1));
    }
    for (c, cat) in p.categories.iter().enumerate() {
        let code = p.dbf_code(c);
        columns.push(col(format!("dist_{}", cat.id), format!("d_{code}"), NUM1));
        columns.push(col(format!("nearest_{}", cat.id), format!("n_{code}"), TEXT));
        if a.radii_m[c].is_some() {
            columns.push(col(format!("ok_{}", cat.id), format!("k_{code}"), BOOL));
        }
        if network.is_some() {
            columns.push(col(format!("euclid_{}", cat.id), format!("e_{code}"), NUM1));
            columns.push(col(format!("walk_min_{}", cat.id), format!("w_{code}"), NUM1));
        }
    }
    columns.push(col("missing", "missing", NUM0));
    columns.push(col("missing_list", "miss_list", TEXT));
    for (k, (_, name)) in TIERS.iter().enumerate() {
        let dbf = ["cmpl_5min", "cmpl_10min", "cmpl_15min"][k];
        columns.push(col(*name, dbf, BOOL));
    }
    columns.push(col("complete", "complete", BOOL));
    let elderly_land = a.elderly_land.as_ref();
    if elderly_land.is_some() {
        columns.push(col("elderly_land_per_capita_15min", "eldland15", FieldKind::Number { decimals: 4 }));
    }
    let row = move |r: usize, out: &mut Vec<Cell<'a>>| {
        let res = &a.residences[r];
        out.push(Cell::Str(&res.id));
        out.push(Cell::Number(res.households));
        out.push(Cell::Number(res.population));
        if has_elderly {
            out.push(opt_num(res.elderly));
        }
        if let Some(n) = network {
            out.push(opt_num(snap_metres(n.residence_snaps[r])));
        }
        for c in 0..a.profile.categories.len() {
            out.push(opt_num(a.coverage.distance(r, c)));
            out.push(a.coverage.nearest(r, c).map_or(Cell::Null, |f| Cell::Str(&a.facilities[f].id)));
            if let Some(ok) = a.covered(r, c) {
                out.push(Cell::Bool(ok));
            }
            if network.is_some() {
                out.push(opt_num(a.coverage.euclid_distance(r, c)));
                out.push(opt_num(a.walk_minutes(r, c)));
            }
        }
        let v = a.verdict(r);
        out.push(Cell::Number(v.missing.len() as f64));
        let list: Vec<&str> = v.missing.iter().map(|&c| a.profile.categories[c].id.as_str()).collect();
        out.push(Cell::Owned(list.join(",")));
        for k in 0..3 {
            out.push(Cell::Bool(v.complete[k]));
        }
        out.push(Cell::Bool(v.complete[2]));
        if let Some(e) = elderly_land {
            out.push(opt_num(e.per_capita[r]));
        }
    };
    Table {
        columns,
        rows: a.residences.len(),
        row: Box::new(row),
        geometry: Box::new(move |r| (&a.residences[r].geometry, a.residences[r].lonlat)),
    }
}

/// The facilities layer: one row per facility, with the households and population within its
/// category's radius.
pub fn facility_table<'a>(a: &'a Analysis) -> Table<'a> {
    let mut columns = vec![
        col("id", "id", TEXT),
        col("category", "category", TEXT),
        col("name", "name", TEXT),
        col("capacity", "capacity", NUM1),
        col("land_area_m2", "land_m2", NUM1),
        col("floor_area_m2", "floor_m2", NUM1),
        col("households", "households", NUM1),
        col("population", "population", NUM1),
    ];
    let network = a.network.as_ref();
    if network.is_some() {
        columns.push(col("snap_m", "snap_m", NUM1));
    }
    let row = move |i: usize, out: &mut Vec<Cell<'a>>| {
        let f = &a.facilities[i];
        out.push(Cell::Str(&f.id));
        out.push(Cell::Str(&a.profile.categories[f.category].id));
        out.push(f.name.as_deref().map_or(Cell::Null, Cell::Str));
        out.push(opt_num(f.capacity));
        out.push(opt_num(f.land_area_m2.map(round1)));
        out.push(opt_num(f.floor_area_m2));
        let reach = a.reach[i];
        out.push(opt_num(reach.map(|r| round1(r.households))));
        out.push(opt_num(reach.map(|r| round1(r.population))));
        if let Some(n) = network {
            out.push(opt_num(snap_metres(n.facility_snaps[i])));
        }
    };
    Table {
        columns,
        rows: a.facilities.len(),
        row: Box::new(row),
        geometry: Box::new(move |i| (&a.facilities[i].geometry, a.facilities[i].lonlat)),
    }
}

/// Whether an indicator's value sums a facility attribute (and so reports `<id>_missing`).
fn counts_missing(id: IndicatorId) -> bool {
    matches!(
        id,
        IndicatorId::ElderlyLandPerCapita
            | IndicatorId::ServiceAreaPer100Households
            | IndicatorId::ServiceAreaTotal
            | IndicatorId::ActivityShare
            | IndicatorId::OfficeShare
            | IndicatorId::OpenHoursShare
            | IndicatorId::VillageServiceArea
            | IndicatorId::RuralCentreArea
    )
}

/// The zones layer: one row per zone with its households, coverage shares per category,
/// complete shares and, per indicator of the profile, `<id>`, `<id>_target`, `<id>_status`,
/// `<id>_note` (and `<id>_missing` for values summed from facility attributes). GeoJSON and
/// CSV only (the CSV point is the zone's interior point).
pub fn zone_table<'a>(a: &'a Analysis, z: &'a ZoneReport) -> Table<'a> {
    const SHARE: FieldKind = FieldKind::Number { decimals: 4 };
    let p = &a.profile;
    let mut columns = vec![
        col("id", "id", TEXT),
        col("name", "name", TEXT),
        col("urban_rural", "urban_rur", TEXT),
        col("residences", "residences", NUM0),
        col("facilities", "facilities", NUM0),
        col("households", "households", NUM1),
        col("population", "population", NUM1),
        col("elderly", "elderly", NUM1),
    ];
    let judged: Vec<usize> = (0..p.categories.len()).filter(|&c| a.radii_m[c].is_some()).collect();
    for &c in &judged {
        columns.push(col(format!("covered_share_{}", p.categories[c].id), format!("s_{}", p.dbf_code(c)), SHARE));
    }
    columns.push(col("complete_share", "cmpl_shr", SHARE));
    for (_, suffix) in TIERS {
        columns.push(col(suffix.replace("complete_", "complete_share_"), suffix.replace("complete_", "cs_"), SHARE));
    }
    for r in &p.indicators {
        let id = r.id.as_str();
        columns.push(col(id, id, SHARE));
        columns.push(col(format!("{id}_target"), format!("{id}_t"), SHARE));
        columns.push(col(format!("{id}_status"), format!("{id}_s"), TEXT));
        columns.push(col(format!("{id}_note"), format!("{id}_n"), TEXT));
        if counts_missing(r.id) {
            columns.push(col(format!("{id}_missing"), format!("{id}_m"), NUM0));
        }
    }
    let points: Vec<[f64; 2]> = z
        .zones
        .iter()
        .map(|zone| match &zone.geometry {
            Geometry::Polygon(g) => g.interior_point(),
            Geometry::MultiPolygon(g) => g.interior_point(),
            _ => None,
        })
        .map(|pt| pt.map_or([f64::NAN, f64::NAN], |pt| [pt.x(), pt.y()]))
        .collect();
    let row = move |i: usize, out: &mut Vec<Cell<'a>>| {
        let (zone, s) = (&z.zones[i], &z.stats[i]);
        out.push(Cell::Str(&zone.id));
        out.push(zone.name.as_deref().map_or(Cell::Null, Cell::Str));
        out.push(match zone.attributes.rural {
            Some(true) => Cell::Str("rural"),
            Some(false) => Cell::Str("urban"),
            None => Cell::Null,
        });
        out.push(Cell::Number(s.residences as f64));
        out.push(Cell::Number(s.facilities as f64));
        out.push(Cell::Number(round1(s.households)));
        out.push(Cell::Number(round1(s.population)));
        out.push(opt_num(s.elderly.map(round1)));
        for &c in &judged {
            out.push(opt_num(s.covered_share[c]));
        }
        out.push(opt_num(s.complete_share[2]));
        for k in 0..TIERS.len() {
            out.push(opt_num(s.complete_share[k]));
        }
        for (r, v) in p.indicators.iter().zip(&s.indicators) {
            out.push(opt_num(v.value));
            out.push(opt_num(v.target));
            out.push(Cell::Str(v.status.as_str()));
            out.push(v.note.as_deref().map_or(Cell::Null, Cell::Str));
            if counts_missing(r.id) {
                out.push(Cell::Number(v.missing as f64));
            }
        }
    };
    Table {
        columns,
        rows: z.zones.len(),
        row: Box::new(row),
        geometry: Box::new(move |i| (&z.zones[i].geometry, points[i])),
    }
}

/// The catchments layer: one row per service area (GeoJSON only: polygons).
pub fn catchment_table<'a>(a: &'a Analysis, catchments: &'a [Catchment]) -> Table<'a> {
    let columns = vec![
        col("facility_id", "facility", TEXT),
        col("category", "category", TEXT),
        col("radius_m", "radius_m", NUM1),
        col("facilities", "facilities", NUM0),
        col("households", "households", NUM1),
        col("population", "population", NUM1),
        col("area_m2", "area_m2", NUM0),
    ];
    let row = move |i: usize, out: &mut Vec<Cell<'a>>| {
        let c = &catchments[i];
        out.push(c.facility.map_or(Cell::Null, |f| Cell::Str(&a.facilities[f].id)));
        out.push(Cell::Str(&a.profile.categories[c.category].id));
        out.push(Cell::Number(round1(c.radius_m)));
        out.push(Cell::Number(c.facilities as f64));
        out.push(Cell::Number(round1(c.households)));
        out.push(Cell::Number(round1(c.population)));
        out.push(Cell::Number(c.area_m2.round()));
    };
    Table {
        columns,
        rows: catchments.len(),
        row: Box::new(row),
        geometry: Box::new(move |i| (&catchments[i].geometry, catchments[i].lonlat)),
    }
}

fn werr(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| Error::Write { path: path.into(), cause }
}

/// Writes a number as JSON/CSV text: integers without a decimal point, otherwise the shortest
/// representation that reads back to the same value.
fn push_number(s: &mut String, x: f64) {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        s.push_str(itoa::Buffer::new().format(x as i64));
    } else if x.is_finite() {
        s.push_str(ryu::Buffer::new().format_finite(x));
    } else {
        s.push_str("null");
    }
}

/// Appends `x` with exactly `decimals` decimals (≤ 9), rounding half away from zero, using
/// integer formatting (much faster than `format!("{:.7}")` for millions of coordinates).
fn push_fixed(s: &mut String, x: f64, decimals: usize) {
    let scale = 10u64.pow(decimals.min(9) as u32);
    let scaled = (x * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        use std::fmt::Write as _;
        let _ = write!(s, "{x:.decimals$}");
        return;
    }
    let v = scaled as i64;
    if v < 0 {
        s.push('-');
    }
    let a = v.unsigned_abs();
    s.push_str(itoa::Buffer::new().format(a / scale));
    if decimals > 0 {
        s.push('.');
        let frac = itoa::Buffer::new().format(a % scale).to_owned();
        for _ in frac.len()..decimals.min(9) {
            s.push('0');
        }
        s.push_str(&frac);
    }
}

/// Appends `t` as a JSON string literal; plain text (the usual id) is copied as it is.
fn push_json_string(s: &mut String, t: &str) {
    if t.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        s.push('"');
        s.push_str(t);
        s.push('"');
    } else {
        s.push_str(&serde_json::to_string(t).unwrap_or_default());
    }
}

/// Converts WGS84 lon/lat to the output CRS.
fn out_coord(crs: &Crs, c: Coord<f64>) -> Result<Coord<f64>> {
    match crs {
        Crs::Wgs84 | Crs::Cgcs2000 => Ok(c),
        _ => {
            let (x, y) = crs
                .from_wgs84(c.x, c.y)
                .map_err(|cause| Error::Crs { context: format!("writing in {}", crs.label()), cause })?;
            Ok(Coord { x, y })
        }
    }
}

struct CoordWriter<'c> {
    crs: &'c Crs,
    decimals: usize,
}

impl CoordWriter<'_> {
    fn pos(&self, s: &mut String, c: Coord<f64>) -> Result<()> {
        let c = out_coord(self.crs, c)?;
        s.push('[');
        push_fixed(s, c.x, self.decimals);
        s.push(',');
        push_fixed(s, c.y, self.decimals);
        s.push(']');
        Ok(())
    }
    fn line(&self, s: &mut String, coords: &[Coord<f64>]) -> Result<()> {
        s.push('[');
        for (i, c) in coords.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            self.pos(s, *c)?;
        }
        s.push(']');
        Ok(())
    }
    fn polygon(&self, s: &mut String, p: &geo::Polygon<f64>) -> Result<()> {
        s.push('[');
        self.line(s, &p.exterior().0)?;
        for r in p.interiors() {
            s.push(',');
            self.line(s, &r.0)?;
        }
        s.push(']');
        Ok(())
    }
    fn geometry(&self, s: &mut String, g: &Geometry<f64>) -> Result<()> {
        match g {
            Geometry::Point(p) => {
                s.push_str(r#"{"type":"Point","coordinates":"#);
                self.pos(s, p.0)?;
            }
            Geometry::MultiPoint(mp) => {
                s.push_str(r#"{"type":"MultiPoint","coordinates":"#);
                let cs: Vec<Coord<f64>> = mp.0.iter().map(|p| p.0).collect();
                self.line(s, &cs)?;
            }
            Geometry::LineString(l) => {
                s.push_str(r#"{"type":"LineString","coordinates":"#);
                self.line(s, &l.0)?;
            }
            Geometry::MultiLineString(ml) => {
                s.push_str(r#"{"type":"MultiLineString","coordinates":["#);
                for (i, l) in ml.0.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    self.line(s, &l.0)?;
                }
                s.push(']');
            }
            Geometry::Polygon(p) => {
                s.push_str(r#"{"type":"Polygon","coordinates":"#);
                self.polygon(s, p)?;
            }
            Geometry::MultiPolygon(mp) => {
                s.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
                for (i, p) in mp.0.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    self.polygon(s, p)?;
                }
                s.push(']');
            }
            _ => {
                s.push_str("null");
                return Ok(());
            }
        }
        s.push('}');
        Ok(())
    }
}

fn coord_decimals(crs: &Crs) -> usize {
    if crs.is_geographic() { 7 } else { 3 }
}

/// Creates `path` and writes the opening of a GeoJSON FeatureCollection up to its first
/// feature (with a `crs` member when `crs` is not WGS84).
fn create_collection(path: &Path, crs: &Crs) -> Result<BufWriter<File>> {
    let file = create_new(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut head = String::from(r#"{"type":"FeatureCollection","#);
    if let Some(urn) = crs.ogc_urn() {
        head.push_str(r#""crs":{"type":"name","properties":{"name":"#);
        head.push_str(&serde_json::to_string(&urn).unwrap_or_default());
        head.push_str("}},");
    }
    head.push_str("\"features\":[\n");
    w.write_all(head.as_bytes()).map_err(werr(path))?;
    Ok(w)
}

/// Writes a table as a GeoJSON FeatureCollection.
pub fn write_geojson(table: &Table, path: &Path, crs: &Crs) -> Result<()> {
    geojson_reporting(table, path, crs, &Step::none())
}

/// [`write_geojson`], advancing `step` by the rows written.
fn geojson_reporting(table: &Table, path: &Path, crs: &Crs, step: &Step) -> Result<()> {
    let mut w = create_collection(path, crs)?;
    let names: Vec<String> = table.columns.iter().map(|c| serde_json::to_string(&c.name).unwrap_or_default()).collect();
    let cw = CoordWriter { crs, decimals: coord_decimals(crs) };
    write_in_blocks(&mut w, path, table.rows, step, |rows, s| {
        let mut values = Vec::with_capacity(table.columns.len());
        for i in rows {
            if i > 0 {
                s.push_str(",\n");
            }
            s.push_str(r#"{"type":"Feature","geometry":"#);
            cw.geometry(s, (table.geometry)(i).0)?;
            s.push_str(r#","properties":{"#);
            table.values(i, &mut values);
            for (k, v) in values.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                s.push_str(&names[k]);
                s.push(':');
                match v {
                    Cell::Null => s.push_str("null"),
                    Cell::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
                    Cell::Number(x) => push_number(s, *x),
                    Cell::Str(t) => push_json_string(s, t),
                    Cell::Owned(t) => push_json_string(s, t),
                }
            }
            s.push_str("}}");
        }
        Ok(())
    })?;
    w.write_all(b"\n]}\n").map_err(werr(path))?;
    w.flush().map_err(werr(path))?;
    Ok(())
}

/// Rows formatted per parallel task, and tasks per round (bounds the text held in memory).
const BLOCK_ROWS: usize = 2048;
const BLOCKS_PER_ROUND: usize = 4;

/// Formats rows `0..rows` with `render` in parallel blocks and writes the blocks in row order,
/// so the output is the same bytes whatever the thread count. At most
/// `BLOCK_ROWS × BLOCKS_PER_ROUND` rows of text are held at once. Each block formatted advances
/// `step` by its rows.
fn write_in_blocks<W, F>(w: &mut W, path: &Path, rows: usize, step: &Step, render: F) -> Result<()>
where
    W: Write + Send,
    F: Fn(std::ops::Range<usize>, &mut String) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    let round = BLOCK_ROWS * BLOCKS_PER_ROUND;
    let format_round = |start: usize| -> Vec<Result<String>> {
        let end = (start + round).min(rows);
        (start..end)
            .step_by(BLOCK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|b| {
                let range = b..(b + BLOCK_ROWS).min(end);
                let mut s = String::with_capacity(range.len() * 1024);
                let n = range.len() as u64;
                let text = render(range, &mut s).map(|()| s);
                step.advance(n);
                text
            })
            .collect()
    };
    let write_round = |w: &mut W, texts: Vec<Result<String>>| -> Result<()> {
        for text in texts {
            w.write_all(text?.as_bytes()).map_err(werr(path))?;
        }
        Ok(())
    };
    // Round k is written while round k + 1 is formatted.
    let mut pending = if rows > 0 { format_round(0) } else { Vec::new() };
    let mut start = round;
    while start < rows {
        let (written, next) = rayon::join(|| write_round(w, pending), || format_round(start));
        written?;
        pending = next;
        start += round;
    }
    write_round(w, pending)
}

/// Writes a table as CSV (UTF-8 with BOM, so Excel shows Chinese), with the representative
/// point as `lon`,`lat` (or `x`,`y` in a projected output CRS); null is an empty cell.
pub fn write_csv(table: &Table, path: &Path, crs: &Crs) -> Result<()> {
    csv_reporting(table, path, crs, &Step::none())
}

/// [`write_csv`], advancing `step` by the rows written.
fn csv_reporting(table: &Table, path: &Path, crs: &Crs, step: &Step) -> Result<()> {
    let file = create_new(path)?;
    let mut buf = BufWriter::with_capacity(1 << 20, file);
    buf.write_all(b"\xEF\xBB\xBF").map_err(werr(path))?;
    let csv_err = |e: csv::Error| Error::Write { path: path.into(), cause: std::io::Error::other(e) };
    let (xn, yn) = if crs.is_geographic() { ("lon", "lat") } else { ("x", "y") };
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(table.columns.iter().map(|c| c.name.as_str()).chain([xn, yn])).map_err(csv_err)?;
    buf.write_all(&header.into_inner().map_err(|e| csv_err(e.into_error().into()))?).map_err(werr(path))?;
    let decimals = coord_decimals(crs);
    write_in_blocks(&mut buf, path, table.rows, step, |rows, s| {
        let mut values = Vec::with_capacity(table.columns.len());
        let mut cells: Vec<String> = Vec::with_capacity(table.columns.len() + 2);
        let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
        for i in rows {
            table.values(i, &mut values);
            cells.clear();
            for v in &values {
                let mut c = String::new();
                match v {
                    Cell::Null => {}
                    Cell::Bool(b) => c.push_str(if *b { "true" } else { "false" }),
                    Cell::Number(x) => push_number(&mut c, *x),
                    Cell::Str(t) => push_csv_text(&mut c, t),
                    Cell::Owned(t) => push_csv_text(&mut c, t),
                }
                cells.push(c);
            }
            let p = (table.geometry)(i).1;
            let c = out_coord(crs, Coord { x: p[0], y: p[1] })?;
            for v in [c.x, c.y] {
                let mut t = String::new();
                push_fixed(&mut t, v, decimals);
                cells.push(t);
            }
            w.write_record(&cells).map_err(csv_err)?;
        }
        let bytes = w.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
        // csv writes only what it was given: UTF-8 text in, UTF-8 bytes out.
        s.push_str(&String::from_utf8_lossy(&bytes));
        Ok(())
    })?;
    buf.flush().map_err(werr(path))?;
    Ok(())
}

/// Appends a CSV text cell: text that a spreadsheet would run as a formula (it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which Excel and LibreOffice
/// show as text and do not run. Numbers are written by [`push_number`] and never changed.
fn push_csv_text(s: &mut String, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        s.push('\'');
    }
    s.push_str(text);
}

/// Writes a table as a point shapefile (representative points) with .prj and .cpg.
pub fn write_shp(table: &Table, path: &Path, crs: &Crs) -> Result<()> {
    shp_reporting(table, path, crs, &Step::none())
}

/// [`write_shp`], advancing `step` by the rows written.
fn shp_reporting(table: &Table, path: &Path, crs: &Crs, step: &Step) -> Result<()> {
    let fields: Vec<ShpField> = table.columns.iter().map(|c| ShpField { name: c.dbf.clone(), kind: c.kind }).collect();
    let mut failure = None;
    let rows = (0..table.rows).map_while(|i| {
        step.advance(1);
        let mut cells = Vec::with_capacity(table.columns.len());
        table.values(i, &mut cells);
        let values: Vec<Value> = cells.iter().map(Cell::to_value).collect();
        let p = (table.geometry)(i).1;
        match out_coord(crs, Coord { x: p[0], y: p[1] }) {
            Ok(c) => Some(([c.x, c.y], values)),
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    });
    write_point_shapefile(path, &fields, rows, &crs.esri_wkt())?;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Extra formats besides GeoJSON.
    pub formats: Vec<OutputFormat>,
    /// CRS of the written layers.
    pub out_crs: Crs,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { formats: vec![OutputFormat::GeoJson], out_crs: Crs::Wgs84 }
    }
}

/// Writes `table` as `stem` in every format of `opts`, each file a step "writing <file>" (rows)
/// on `progress`.
fn write_layer(
    out: &mut OutputDir,
    stem: &str,
    table: &Table,
    opts: &WriteOptions,
    progress: &dyn Progress,
) -> Result<()> {
    let step = |ext: &str| Step::begin(progress, &format!("writing {stem}.{ext}"), Some(table.rows as u64));
    geojson_reporting(table, &out.file(&format!("{stem}.geojson"))?, &opts.out_crs, &step("geojson"))?;
    if opts.formats.contains(&OutputFormat::Csv) {
        csv_reporting(table, &out.file(&format!("{stem}.csv"))?, &opts.out_crs, &step("csv"))?;
    }
    if opts.formats.contains(&OutputFormat::Shp) {
        shp_reporting(table, &out.shapefile(stem)?, &opts.out_crs, &step("shp"))?;
    }
    Ok(())
}

/// Layers computed after the analysis, written beside households and facilities.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Service areas (catchments.geojson), with a network.
    pub catchments: Option<&'a [Catchment]>,
    /// Zones and their indicators (zones.geojson, zones.csv).
    pub zones: Option<&'a ZoneReport>,
    /// Gap cells and areas (gaps.geojson).
    pub gaps: Option<&'a crate::analysis::Gaps>,
}

/// Writes households, facilities (in every requested format), catchments.geojson (when there
/// are catchments), zones.geojson and zones.csv (when there are zones), gaps.geojson (when
/// given) and summary.json into `dir`, atomically, refusing to replace any input the summary
/// names. Returns the files written.
pub fn write_outputs(
    a: &Analysis,
    summary: &Summary,
    extras: Extras,
    dir: &Path,
    opts: &WriteOptions,
) -> Result<Vec<PathBuf>> {
    let inputs: Vec<PathBuf> = summary.inputs.iter().map(|i| PathBuf::from(&i.path)).collect();
    let mut out = OutputDir::open(dir, "analyze", &inputs, ManifestMode::Replace)?;
    write_outputs_into(a, summary, extras, &mut out, opts, &NoProgress)?;
    Ok(out.commit(false)?.written)
}

/// The names [`write_outputs_into`] writes for these options (for the early input check).
pub fn output_names(opts: &WriteOptions, catchments: bool, zones: bool, gaps: bool) -> Vec<String> {
    let mut names = Vec::new();
    for stem in ["households", "facilities"] {
        names.push(format!("{stem}.geojson"));
        if opts.formats.contains(&OutputFormat::Csv) {
            names.push(format!("{stem}.csv"));
        }
        if opts.formats.contains(&OutputFormat::Shp) {
            names.extend(["shp", "shx", "dbf", "prj", "cpg"].map(|ext| format!("{stem}.{ext}")));
        }
    }
    if catchments {
        names.push("catchments.geojson".into());
    }
    if zones {
        names.extend(["zones.geojson".into(), "zones.csv".into()]);
    }
    if gaps {
        names.push("gaps.geojson".into());
    }
    names.push("summary.json".into());
    names
}

/// Writes every output layer and summary.json into the staging folder of `out` (see
/// [`write_outputs`]), reporting each file as a step "writing <file>" (rows) to `progress`; the
/// caller commits.
pub fn write_outputs_into(
    a: &Analysis,
    summary: &Summary,
    extras: Extras,
    out: &mut OutputDir,
    opts: &WriteOptions,
    progress: &dyn Progress,
) -> Result<()> {
    write_layer(out, "households", &household_table(a), opts, progress)?;
    write_layer(out, "facilities", &facility_table(a), opts, progress)?;
    let step = |name: &str, rows: usize| Step::begin(progress, &format!("writing {name}"), Some(rows as u64));
    if let Some(catchments) = extras.catchments {
        let table = catchment_table(a, catchments);
        let step = step("catchments.geojson", table.rows);
        geojson_reporting(&table, &out.file("catchments.geojson")?, &opts.out_crs, &step)?;
    }
    if let Some(zones) = extras.zones {
        let table = zone_table(a, zones);
        geojson_reporting(&table, &out.file("zones.geojson")?, &opts.out_crs, &step("zones.geojson", table.rows))?;
        csv_reporting(&table, &out.file("zones.csv")?, &opts.out_crs, &step("zones.csv", table.rows))?;
    }
    if let Some(gaps) = extras.gaps {
        let step = step("gaps.geojson", gaps.areas.len() + gaps.cells.len());
        gaps::gaps_reporting(a, gaps, &out.file("gaps.geojson")?, &opts.out_crs, &step)?;
    }
    let spath = out.file("summary.json")?;
    let mut text = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::Write { path: spath.clone(), cause: std::io::Error::other(e) })?;
    text.push('\n');
    create_new(&spath)?.write_all(text.as_bytes()).map_err(werr(&spath))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_formatting_matches_std_away_from_ties() {
        for &x in &[0.0, 1.5, -1.5, 24.9412345678, -33.8688197, 116.3548291, 4_419_599.034_9, 1e-9, -1e-9, 179.99999999]
        {
            for d in [3usize, 7] {
                let mut s = String::new();
                push_fixed(&mut s, x, d);
                let want = format!("{x:.d$}");
                let want = if want.starts_with("-0.") && want.trim_start_matches(['-', '0', '.']).is_empty() {
                    want[1..].to_owned()
                } else {
                    want
                };
                assert_eq!(s, want, "{x} with {d} decimals");
            }
        }
    }

    #[test]
    fn csv_text_that_looks_like_a_formula_is_quoted_and_numbers_are_not() {
        for (text, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("110108001001", "110108001001"),
            ("社区-1", "社区-1"),
            ("", ""),
        ] {
            let mut s = String::new();
            push_csv_text(&mut s, text);
            assert_eq!(s, want, "{text}");
        }
        let mut s = String::new();
        push_number(&mut s, -2.5);
        assert_eq!(s, "-2.5", "numbers stay numbers");
    }

    #[test]
    fn numbers_and_strings_are_valid_json() {
        let mut s = String::new();
        push_number(&mut s, 300.0);
        s.push(' ');
        push_number(&mut s, 123.4);
        s.push(' ');
        push_json_string(&mut s, "社区\"站\"");
        assert_eq!(s, r#"300 123.4 "社区\"站\"""#);
    }
}

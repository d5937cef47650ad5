//! The columns of each analysis layer and how a row is filled: households, facilities,
//! zones (with their indicators) and catchments, as [`Table`]s for the writers.

use geo::{Geometry, InteriorPoint};

use super::table::{BOOL, Cell, NUM0, NUM1, TEXT, Table, col};
use crate::analysis::catchments::Catchment;
use crate::analysis::indicators::ZoneReport;
use crate::analysis::{Analysis, TIERS, round_decimetre};
use crate::io::shapefile::FieldKind;
use crate::network::Snap;
use crate::standards::IndicatorId;

/// Rounds to 0.1 for output.
pub(super) fn round1(x: f64) -> f64 {
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
/// `<id>_note` (in English), `<id>_note_code` and `<id>_note_args` (the same note as a code and
/// its parameters as a JSON object, see [`crate::analysis::indicators::Note`]), and `<id>_missing`
/// for values summed from facility attributes. GeoJSON and CSV only (the CSV point is the
/// zone's interior point).
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
        columns.push(col(format!("{id}_note_code"), format!("{id}_c"), TEXT));
        columns.push(col(format!("{id}_note_args"), format!("{id}_a"), TEXT));
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
            out.push(v.note.as_ref().map_or(Cell::Null, |n| Cell::Owned(n.to_string())));
            out.push(v.note.as_ref().map_or(Cell::Null, |n| Cell::Str(n.code())));
            out.push(v.note.as_ref().map_or(Cell::Null, |n| Cell::Owned(n.args_json())));
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

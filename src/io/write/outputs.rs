//! The output set of an analysis: which formats and CRS ([`WriteOptions`]), the file names a
//! run writes ([`output_names`]), and writing every layer and summary.json into one output
//! folder ([`write_outputs_into`], which [`crate::Job::run`] calls).

use std::io::Write;

use super::csv::write_csv;
use super::gaps::write_gaps;
use super::geojson::write_geojson;
use super::layers::{catchment_table, facility_table, household_table, zone_table};
use super::shp::write_shp;
use super::table::Table;
use super::werr;
use crate::analysis::catchments::Catchment;
use crate::analysis::indicators::ZoneReport;
use crate::analysis::{Analysis, Summary};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::output::{OutputDir, create_new};
use crate::progress::Progress;

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

/// Writes `table` as `stem` in every format of `opts`, each file a step `"writing <file>"` (rows)
/// on `progress`.
fn write_layer(
    out: &mut OutputDir,
    stem: &str,
    table: &Table,
    opts: &WriteOptions,
    progress: &dyn Progress,
) -> Result<()> {
    write_geojson(table, &out.file(&format!("{stem}.geojson"))?, &opts.out_crs, progress)?;
    if opts.formats.contains(&OutputFormat::Csv) {
        write_csv(table, &out.file(&format!("{stem}.csv"))?, &opts.out_crs, progress)?;
    }
    if opts.formats.contains(&OutputFormat::Shp) {
        write_shp(table, &out.shapefile(stem)?, &opts.out_crs, progress)?;
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
/// [`write_outputs`]), reporting each file as a step `"writing <file>"` (rows) to `progress`; the
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
    if let Some(catchments) = extras.catchments {
        let table = catchment_table(a, catchments);
        write_geojson(&table, &out.file("catchments.geojson")?, &opts.out_crs, progress)?;
    }
    if let Some(zones) = extras.zones {
        let table = zone_table(a, zones);
        write_geojson(&table, &out.file("zones.geojson")?, &opts.out_crs, progress)?;
        write_csv(&table, &out.file("zones.csv")?, &opts.out_crs, progress)?;
    }
    if let Some(gaps) = extras.gaps {
        write_gaps(a, gaps, &out.file("gaps.geojson")?, &opts.out_crs, progress)?;
    }
    let spath = out.file("summary.json")?;
    let mut text = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::Write { path: spath.clone(), cause: std::io::Error::other(e) })?;
    text.push('\n');
    create_new(&spath)?.write_all(text.as_bytes()).map_err(werr(&spath))
}

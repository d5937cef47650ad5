//! Command-line interface (binary only): `analyze`, `import-osm`, `report`, `standards list`,
//! `standards show`.

mod import_osm;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use lifecircle::analysis::{CatchmentMode, CellShape, Judge};
use lifecircle::crs::Crs;
use lifecircle::io::load::ResidenceOptions;
use lifecircle::io::write::{OutputFormat, WriteOptions};
use lifecircle::io::{FieldMap, ReadOptions, parse_encoding, read_layer};
use lifecircle::job::Inputs;
use lifecircle::network::NetworkOptions;
use lifecircle::report::{Lang, ReportOptions, parse_map_size, write_report_with_progress};
use lifecircle::standards::{BUILT_IN, DEFAULT_PROFILE, StandardProfile};
use lifecircle::{Job, render, sample};

/// 15-minute community life-circle planning: walking coverage of everyday services for every household.
#[derive(Parser, Debug)]
#[command(name = "lifecircle", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Measure coverage of every residence and write households, facilities and summary layers.
    /// With no --residences/--services it runs the bundled Helsinki sample.
    Analyze(Box<AnalyzeArgs>),
    /// Import an OpenStreetMap extract (.osm.pbf or .osm XML) into residences, services, network and zones layers.
    ImportOsm(Box<import_osm::ImportOsmArgs>),
    /// Write report.html, map.svg and map.png for an earlier `analyze` run's output folder.
    Report(ReportArgs),
    /// List or show the standard profiles.
    Standards {
        #[command(subcommand)]
        action: StandardsAction,
    },
}

#[derive(Subcommand, Debug)]
enum StandardsAction {
    /// List the built-in profiles.
    List,
    /// Show every tier and category of a profile with its source (built-in id or TOML file).
    Show {
        /// Profile id or path to a TOML profile.
        id: String,
    },
}

/// The report's options, shared by `analyze --report` and `report`.
#[derive(Args, Debug, Clone)]
struct ReportFlags {
    /// Language of report.html and the map: zh or en.
    #[arg(long, value_name = "LANG", default_value = "zh")]
    lang: String,
    /// Size of map.png and map.svg, WIDTHxHEIGHT pixels.
    #[arg(long, value_name = "WxH", default_value = "1600x1100")]
    map_size: String,
}

impl ReportFlags {
    fn options(&self) -> Result<ReportOptions> {
        let lang = Lang::parse(&self.lang).with_context(|| format!("--lang {}: use zh or en", self.lang))?;
        Ok(ReportOptions { lang, map_size: parse_map_size(&self.map_size)?, ..ReportOptions::default() })
    }
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// The output folder of an earlier `lifecircle analyze` run (its --out).
    #[arg(value_name = "OUT_DIR")]
    out_dir: PathBuf,
    #[command(flatten)]
    flags: ReportFlags,
    /// Remove the files of earlier runs that the folder's manifest names as no longer part of
    /// its results (never an input, never a file no manifest lists).
    #[arg(long)]
    clean: bool,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// Residences: Point/Polygon/MultiPolygon layer (.geojson, .json, .shp, .csv).
    #[arg(long, value_name = "PATH")]
    residences: Option<PathBuf>,
    /// Services: Point/Polygon layer with a `category` field (.geojson, .json, .shp, .csv).
    #[arg(long, value_name = "PATH")]
    services: Option<PathBuf>,
    /// OpenStreetMap extract (.osm.pbf or .osm XML): import it as `import-osm` does (default options) and
    /// analyse it, instead of --residences/--services; its walkable ways are the network when
    /// they include footways, and its administrative boundaries (admin_level 8) the zones unless
    /// --zones or --grid is given.
    #[arg(long, value_name = "FILE.osm.pbf", conflicts_with_all = ["residences", "services"])]
    osm: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "lifecircle-out")]
    out: PathBuf,
    /// Standard profile: a built-in id or a TOML file.
    #[arg(long, value_name = "ID|FILE", default_value = DEFAULT_PROFILE)]
    standard: String,
    /// Walking distance ÷ straight-line distance; radii are divided by it (straight-line distance only).
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    detour: f64,
    /// Walking network: LineString/MultiLineString layer (.geojson, .json, .shp). An optional
    /// `oneway_foot` attribute (yes / -1 / no) makes a line one-way; `foot=no` skips it.
    #[arg(long, value_name = "PATH")]
    network: Option<PathBuf>,
    /// CRS of the network; overrides what the file declares.
    #[arg(long, value_name = "CRS")]
    network_crs: Option<String>,
    /// Zones (communities, villages): Polygon/MultiPolygon layer (.geojson, .json, .shp) with id,
    /// name and optional urban_rural, community_workers, social_orgs, social_workers,
    /// registered_volunteers, open_hours. Indicators are measured per zone (zones.geojson/.csv).
    /// Without it the whole study area is one zone.
    #[arg(long, value_name = "PATH", conflicts_with = "grid")]
    zones: Option<PathBuf>,
    /// CRS of the zones; overrides what the file declares.
    #[arg(long, value_name = "CRS")]
    zones_crs: Option<String>,
    /// Use a regular square grid of this many metres as zones instead of --zones.
    #[arg(long, value_name = "M")]
    grid: Option<f64>,
    /// Distance that judges coverage: euclidean (straight line) or network (the walk along
    /// --network). Default: network when --network is given, else euclidean.
    #[arg(long, value_name = "MODEL")]
    distance: Option<String>,
    /// Network vertices closer than this (metres) become one node.
    #[arg(long, value_name = "M", default_value_t = 0.01)]
    node_tolerance: f64,
    /// Network components with fewer nodes than this are dropped (1 keeps all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    min_component: usize,
    /// A residence or facility farther than this (metres) from every network edge is unreachable.
    #[arg(long, value_name = "M", default_value_t = 200.0)]
    max_snap: f64,
    /// Walking speed, m/s (walk_min_ fields, --judge minutes).
    #[arg(long, value_name = "M/S", default_value_t = lifecircle::analysis::DEFAULT_SPEED_M_S)]
    speed: f64,
    /// Walking speed of the elderly, m/s (categories whose cohort is elderly).
    #[arg(long, value_name = "M/S", default_value_t = lifecircle::analysis::DEFAULT_ELDERLY_SPEED_M_S)]
    elderly_speed: f64,
    /// Judge coverage by metres (the category's radius) or minutes (the tier's 5/10/15 minutes
    /// at the cohort's walking speed).
    #[arg(long, value_name = "UNIT", default_value = "metres")]
    judge: String,
    /// Service areas along the network in catchments.geojson: each (one per facility),
    /// dissolve (one per category) or none.
    #[arg(long, value_name = "MODE", default_value = "each")]
    catchments: String,
    /// Half-width of the service-area buffer around the reached streets, metres.
    #[arg(long, value_name = "M", default_value_t = lifecircle::analysis::catchments::DEFAULT_CATCHMENT_BUFFER_M)]
    catchment_buffer: f64,
    /// Size of the gap cells in gaps.geojson, metres (a square's side; a hexagon of the same area).
    #[arg(long, value_name = "METRES", default_value_t = lifecircle::analysis::gaps::DEFAULT_CELL_M)]
    cell: f64,
    /// Shape of the gap cells: square or hex.
    #[arg(long, value_name = "SHAPE", default_value = "square")]
    cell_shape: String,
    /// Extra output formats, applied to every layer: csv, shp (GeoJSON is always written).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    format: Vec<String>,
    /// CRS of the written layers: wgs84, cgcs2000, gcj02, bd09 or EPSG:n.
    #[arg(long, value_name = "CRS", default_value = "wgs84")]
    out_crs: String,
    /// CRS of the residences (wgs84, cgcs2000, gcj02, bd09, EPSG:n); overrides a .prj or GeoJSON crs member.
    /// Without it: what the file declares, else WGS84.
    #[arg(long, value_name = "CRS")]
    residences_crs: Option<String>,
    /// CRS of the services; overrides what the file declares.
    #[arg(long, value_name = "CRS")]
    services_crs: Option<String>,
    /// Map a role to a field name, e.g. --field households=HH_2020 (repeatable).
    #[arg(long, value_name = "ROLE=NAME")]
    field: Vec<String>,
    /// Text encoding of shapefile DBFs (utf-8, gbk, gb18030, 936...); overrides the .cpg.
    /// Without it: the .cpg, else the DBF's language driver, else UTF-8 (invalid text is an error).
    #[arg(long, value_name = "ENC")]
    dbf_encoding: Option<String>,
    /// Text encoding of CSV inputs (detected when not given: UTF-8 with or without BOM, else GBK).
    #[arg(long, value_name = "ENC")]
    csv_encoding: Option<String>,
    /// Persons per household, to derive a missing population (or households).
    #[arg(long, value_name = "F", default_value_t = lifecircle::io::load::DEFAULT_HOUSEHOLD_SIZE)]
    household_size: f64,
    /// Households to assume for a residence with neither households nor population.
    #[arg(long, value_name = "N")]
    default_households: Option<f64>,
    /// Make unknown service categories an error instead of a warning.
    #[arg(long)]
    strict: bool,
    /// Also write report.html, map.svg and map.png (see `lifecircle report`).
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    report_flags: ReportFlags,
    /// Credit for the input data, shown on the map and in the report (repeatable); layers made
    /// by `import-osm` carry "© OpenStreetMap contributors" themselves.
    #[arg(long, value_name = "TEXT")]
    attribution: Vec<String>,
    /// Print nothing but errors and warnings (no progress bars either; they are drawn only when
    /// stderr is a terminal).
    #[arg(long, short)]
    quiet: bool,
    /// Print the wall time of each step on stderr.
    #[arg(long)]
    timings: bool,
    /// Remove the files an earlier run wrote into --out that this run does not write (named in
    /// a warning otherwise; never an input, never a file the folder's manifest does not list).
    #[arg(long)]
    clean: bool,
}

/// Runs the command line; errors are printed by `main` with exit status 2.
pub fn run() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Analyze(args) => analyze(*args),
        Command::ImportOsm(args) => import_osm::import_osm_command(*args),
        Command::Report(args) => {
            let bars = progress::Bars::new(args.quiet);
            let made = write_report_with_progress(&args.out_dir, &args.flags.options()?, args.clean, &bars)
                .with_context(|| format!("report of {}", args.out_dir.display()))?;
            drop(bars);
            if let Some(warning) = &made.missing_glyphs {
                eprintln!("warning: {warning}");
            }
            warn_earlier_files(&made.stale, &made.removed, 0, args.quiet);
            if !args.quiet {
                print_written(&made.written, &args.out_dir);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Standards { action: StandardsAction::List } => {
            let profiles = BUILT_IN.iter().map(|id| StandardProfile::built_in(id)).collect::<Result<Vec<_>, _>>()?;
            print!("{}", render::profile_list(&profiles));
            Ok(ExitCode::SUCCESS)
        }
        Command::Standards { action: StandardsAction::Show { id } } => {
            print!("{}", render::profile_table(&StandardProfile::load(&id)?));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Warns about the files an earlier run left beside the new results, says which `--clean`
/// removed and how many leftovers of an interrupted run were removed.
pub(crate) fn warn_earlier_files(stale: &[PathBuf], removed: &[PathBuf], leftovers: usize, quiet: bool) {
    let list = |files: &[PathBuf]| {
        let names: Vec<String> =
            files.iter().take(10).map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
        let more = if files.len() > 10 { format!(" and {} more", files.len() - 10) } else { String::new() };
        format!("{}{more}", names.join(", "))
    };
    if !stale.is_empty() {
        eprintln!(
            "warning: {} files of an earlier run are still in the output folder but were not written by this run: {} (--clean removes them)",
            stale.len(),
            list(stale)
        );
    }
    if !quiet && !removed.is_empty() {
        eprintln!("removed {} files of an earlier run (--clean): {}", removed.len(), list(removed));
    }
    if !quiet && leftovers > 0 {
        eprintln!("removed {leftovers} temporary files or folders left by an interrupted run");
    }
}

fn print_written(written: &[PathBuf], dir: &std::path::Path) {
    println!("\nwrote {} files to {}:", written.len(), dir.display());
    for p in written {
        println!("  {}", p.display());
    }
}

fn parse_crs(flag: &str, value: &Option<String>) -> Result<Option<Crs>> {
    value.as_deref().map(|v| Crs::parse(v).with_context(|| format!("{flag} {v}"))).transpose()
}

fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    if !(args.household_size.is_finite() && args.household_size > 0.0) {
        bail!("--household-size {} must be a positive number", args.household_size);
    }
    if let Some(h) = args.default_households
        && !(h.is_finite() && h >= 0.0)
    {
        bail!("--default-households {h} must be a non-negative number");
    }
    lifecircle::analysis::gaps::check_cell_m(args.cell)?;
    // Parsed before the analysis, so a bad --lang or --map-size fails at once.
    let report_options = args.report.then(|| args.report_flags.options()).transpose()?;
    let profile = StandardProfile::load(&args.standard)?;
    let fields = FieldMap::parse(&args.field)?;
    let read = ReadOptions {
        fields: fields.clone(),
        dbf_encoding: args.dbf_encoding.as_deref().map(parse_encoding).transpose()?,
        csv_encoding: args.csv_encoding.as_deref().map(parse_encoding).transpose()?,
    };
    let mut formats = vec![OutputFormat::GeoJson];
    for f in &args.format {
        let f = OutputFormat::parse(f)?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let out_crs = Crs::parse(&args.out_crs).with_context(|| format!("--out-crs {}", args.out_crs))?;
    let started = std::time::Instant::now();
    let bars = progress::Bars::new(args.quiet);
    let read_layer = |path: &std::path::Path, read: &ReadOptions| read_layer(path, read, &bars);
    let mut osm_network = None;
    let mut osm_zones = None;
    let (residences, services, from_sample) = match (&args.osm, &args.residences, &args.services) {
        (Some(pbf), None, None) => {
            let (r, s, network, footways, zones) = import_osm::osm_layers(pbf, args.quiet, &bars)?;
            osm_zones = zones;
            osm_network = Some(network).filter(|_| footways || args.distance.as_deref() == Some("network"));
            (r, s, false)
        }
        (None, None, None) => (sample::residences()?, sample::services()?, true),
        (None, Some(r), Some(s)) => (read_layer(r, &read)?, read_layer(s, &read)?, false),
        _ => bail!("give both --residences and --services, or --osm, or none to run the bundled sample"),
    };
    let network = match (args.distance.as_deref(), &args.network) {
        (None | Some("network"), None) if osm_network.is_some() => osm_network,
        (None | Some("network"), Some(path)) => Some(read_layer(path, &read)?),
        (Some("network"), None) => bail!("--distance network needs a walking network: give it with --network PATH"),
        (None | Some("euclidean"), None) => None,
        (Some("euclidean"), Some(_)) => {
            bail!("--network is only used with --distance network: drop one of them")
        }
        (Some(other), _) => bail!("--distance {other}: use euclidean or network"),
    };
    if from_sample && !args.quiet {
        bars.suspend(|| {
            eprintln!(
                "No inputs given: running the bundled sample (central Helsinki, © OpenStreetMap contributors, HSY)."
            )
        });
    }
    let mut job = Job::new(profile, &args.out);
    job.fields = fields;
    job.residences_crs = parse_crs("--residences-crs", &args.residences_crs)?;
    job.services_crs = parse_crs("--services-crs", &args.services_crs)?;
    job.network_crs = parse_crs("--network-crs", &args.network_crs)?;
    job.zones_crs = parse_crs("--zones-crs", &args.zones_crs)?;
    job.grid_m = args.grid;
    // An OSM extract's administrative boundaries are the zones unless --zones or --grid says otherwise.
    let zones = match (&args.zones, args.grid) {
        (Some(p), _) => Some(read_layer(p, &read)?),
        (None, None) => osm_zones,
        (None, Some(_)) => None,
    };
    job.residence_options =
        ResidenceOptions { household_size: args.household_size, default_households: args.default_households };
    job.strict = args.strict;
    job.analysis.detour = args.detour;
    job.analysis.judge = match args.judge.as_str() {
        "metres" | "meters" | "m" => Judge::Metres,
        "minutes" | "min" => Judge::Minutes,
        other => bail!("--judge {other}: use metres or minutes"),
    };
    job.catchments = CatchmentMode::parse(&args.catchments)
        .with_context(|| format!("--catchments {}: use each, dissolve or none", args.catchments))?;
    job.catchment_buffer_m = args.catchment_buffer;
    job.cell_m = args.cell;
    job.cell_shape = CellShape::parse(&args.cell_shape)
        .with_context(|| format!("--cell-shape {}: use square or hex", args.cell_shape))?;
    job.analysis.speed_m_s = args.speed;
    job.analysis.elderly_speed_m_s = args.elderly_speed;
    job.analysis.network = NetworkOptions {
        node_tolerance_m: args.node_tolerance,
        min_component: args.min_component,
        max_snap_m: args.max_snap,
    };
    job.write = WriteOptions { formats, out_crs };
    job.attribution = args.attribution.clone();
    job.report = report_options;
    job.clean = args.clean;
    let profile_file = std::path::Path::new(&args.standard);
    if profile_file.is_file() {
        job.extra_inputs.push(profile_file.to_path_buf());
    }
    let read_time = started.elapsed();
    let read_peak = lifecircle::job::peak_memory();
    let services_path = services.path.clone();
    let report = job.run_inputs_with_progress(Inputs { residences, services, network, zones }, &bars)?;
    drop(bars);
    if let Some(warning) = report.report.as_ref().and_then(|r| r.missing_glyphs.as_ref()) {
        eprintln!("warning: {warning}");
    }
    warn_earlier_files(&report.stale, &report.removed, report.leftovers_removed, args.quiet);
    if args.timings {
        let mb = |m: Option<u64>| m.map_or_else(String::new, |b| format!(" (peak memory {} MB)", b / 1_000_000));
        eprintln!("timings: read {:.2} s{}", read_time.as_secs_f64(), mb(read_peak));
        for (step, t, peak) in &report.timings {
            eprintln!("timings: {step} {:.2} s{}", t.as_secs_f64(), mb(*peak));
            if *step == "analyse" {
                for (sub, t) in &report.analysis_steps {
                    eprintln!("timings:   {sub} {:.2} s", t.as_secs_f64());
                }
            }
        }
        eprintln!("timings: total {:.2} s", started.elapsed().as_secs_f64());
    }
    if let Some(n) = &report.summary.network {
        let warn = |ids: &[String], one: &str, many: &str, consequence: &str| {
            if ids.is_empty() {
                return;
            }
            let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
            let more = if ids.len() > 10 { format!(" and {} more", ids.len() - 10) } else { String::new() };
            let what = if ids.len() == 1 { one } else { many };
            eprintln!(
                "warning: {} {what} more than {} m from the network (--max-snap): {consequence}: {}{more}",
                ids.len(),
                n.max_snap_m,
                shown.join(", ")
            );
        };
        let (residences, facilities) = (&n.unreachable_residence_ids, &n.unreachable_facility_ids);
        warn(residences, "residence is", "residences are", "walking distances are null (listed in summary.json)");
        warn(facilities, "facility is", "facilities are", "they serve no one");
    }
    if let Some(z) = &report.summary.zones {
        for o in &z.overlaps {
            eprintln!(
                "warning: zones '{}' and '{}' overlap: {} residences/facilities lie inside both (assigned to '{}', the first in file order)",
                o.zone, o.other, o.points, o.zone
            );
        }
        let warn = |n: usize, ids: &[String], what: &str| {
            if n > 0 {
                let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
                let more = if n > 10 { format!(" and {} more", n - 10) } else { String::new() };
                eprintln!("warning: {n} {what} in no zone (listed in summary.json): {}{more}", shown.join(", "));
            }
        };
        warn(z.residences_unassigned, &z.unassigned_residence_ids, "residences lie");
        warn(z.facilities_unassigned, &z.unassigned_facility_ids, "facilities lie");
    }
    if !report.summary.unknown_categories.is_empty() {
        let total: usize = report.summary.unknown_categories.values().sum();
        let list: Vec<String> = report.summary.unknown_categories.iter().map(|(k, n)| format!("'{k}' ×{n}")).collect();
        eprintln!(
            "warning: {}: {total} services with unknown categories were skipped: {} (--strict makes this an error; see `lifecircle standards show {}`)",
            services_path.display(),
            list.join(", "),
            report.summary.standard
        );
    }
    // Invalid input polygons repaired as they were read: per layer, the first ten named.
    for of_layer in report.summary.repaired_geometries.chunk_by(|a, b| a.layer == b.layer) {
        let shown: Vec<String> =
            of_layer.iter().take(10).map(|x| format!("feature {} (id '{}'): {}", x.feature, x.id, x.problem)).collect();
        let more = if of_layer.len() > 10 { format!("; and {} more", of_layer.len() - 10) } else { String::new() };
        let what = if of_layer.len() == 1 { "polygon was" } else { "polygons were" };
        eprintln!(
            "warning: {}: {} invalid {what} repaired as read (listed in summary.json's repaired_geometries): {}{more}",
            of_layer[0].layer,
            of_layer.len(),
            shown.join("; ")
        );
    }
    if !args.quiet {
        print!("{}", render::summary_table(&report.summary));
        print_written(&report.written, &args.out);
    }
    Ok(ExitCode::SUCCESS)
}

//! Command-line interface (binary only): `analyze`, `import-osm`, `report`, `standards list`,
//! `standards show`.

mod import_osm;
mod memory;
mod progress;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use lifecircle::standards::{BUILT_IN, DEFAULT_PROFILE, StandardProfile};
use lifecircle::{
    CatchmentMode, CellShape, Crs, DistanceModel, FieldMap, Inputs, Job, Judge, NetworkOptions, NetworkSource,
    OutputFormat, ReadOptions, ResidenceOptions, Warning, WriteOptions, network_source, osm_zones_apply,
    parse_encoding, read_layer, sample,
};
use lifecircle::{Lang, ReportOptions, parse_map_size, write_report};

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
    #[arg(long, value_name = "LANG", default_value = "zh", ignore_case = true)]
    lang: Lang,
    /// Size of map.png and map.svg, WIDTHxHEIGHT pixels.
    #[arg(long, value_name = "WxH", default_value = "1600x1100")]
    map_size: String,
}

impl ReportFlags {
    fn options(&self) -> Result<ReportOptions> {
        Ok(ReportOptions { lang: self.lang, map_size: parse_map_size(&self.map_size)?, ..ReportOptions::default() })
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
    distance: Option<DistanceModel>,
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
    #[arg(long, value_name = "M/S", default_value_t = lifecircle::DEFAULT_SPEED_M_S)]
    speed: f64,
    /// Walking speed of the elderly, m/s (categories whose cohort is elderly).
    #[arg(long, value_name = "M/S", default_value_t = lifecircle::DEFAULT_ELDERLY_SPEED_M_S)]
    elderly_speed: f64,
    /// Judge coverage by metres (the category's radius) or minutes (the tier's 5/10/15 minutes
    /// at the cohort's walking speed).
    #[arg(long, value_name = "UNIT", default_value = "metres")]
    judge: Judge,
    /// Service areas along the network in catchments.geojson: each (one per facility),
    /// dissolve (one per category) or none.
    #[arg(long, value_name = "MODE", default_value = "each")]
    catchments: CatchmentMode,
    /// Half-width of the service-area buffer around the reached streets, metres.
    #[arg(long, value_name = "M", default_value_t = lifecircle::DEFAULT_CATCHMENT_BUFFER_M)]
    catchment_buffer: f64,
    /// Size of the gap cells in gaps.geojson, metres (a square's side; a hexagon of the same area).
    #[arg(long, value_name = "METRES", default_value_t = lifecircle::DEFAULT_CELL_M)]
    cell: f64,
    /// Shape of the gap cells: square or hex.
    #[arg(long, value_name = "SHAPE", default_value = "square", ignore_case = true)]
    cell_shape: CellShape,
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
    #[arg(long, value_name = "F", default_value_t = lifecircle::DEFAULT_HOUSEHOLD_SIZE)]
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
            let made = write_report(&args.out_dir, &args.flags.options()?, args.clean, &bars)
                .with_context(|| format!("report of {}", args.out_dir.display()))?;
            drop(bars);
            print_warnings(&made.warnings());
            print_removed(&made.removed, 0, args.quiet);
            if !args.quiet {
                print_written(&made.written, &args.out_dir);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Standards { action: StandardsAction::List } => {
            let profiles = BUILT_IN.iter().map(|id| StandardProfile::built_in(id)).collect::<Result<Vec<_>, _>>()?;
            print!("{}", table::profile_list(&profiles));
            Ok(ExitCode::SUCCESS)
        }
        Command::Standards { action: StandardsAction::Show { id } } => {
            print!("{}", table::profile_table(&StandardProfile::load(&id)?));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints each warning on stderr (warnings are printed even with `--quiet`).
pub(crate) fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Says which files of an earlier run `--clean` removed and how many leftovers of an
/// interrupted run were removed (not with `--quiet`).
pub(crate) fn print_removed(removed: &[PathBuf], leftovers: usize, quiet: bool) {
    if !quiet && !removed.is_empty() {
        eprintln!("removed {} files of an earlier run (--clean): {}", removed.len(), lifecircle::file_list(removed));
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

/// The job `analyze` runs: every option but the layers, checked before any layer is read.
fn analyze_job(args: &AnalyzeArgs) -> Result<Job> {
    // Parsed before the analysis, so a bad --lang or --map-size fails at once.
    let report_options = args.report.then(|| args.report_flags.options()).transpose()?;
    let mut job = Job::new(StandardProfile::load(&args.standard)?, &args.out);
    job.residence_options =
        ResidenceOptions { household_size: args.household_size, default_households: args.default_households };
    job.cell_m = args.cell;
    job.grid_m = args.grid;
    job.check_options()?;
    job.fields = FieldMap::parse(&args.field)?;
    let mut formats = vec![OutputFormat::GeoJson];
    for f in &args.format {
        let f = OutputFormat::parse(f)?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let out_crs = Crs::parse(&args.out_crs).with_context(|| format!("--out-crs {}", args.out_crs))?;
    job.write = WriteOptions { formats, out_crs };
    job.residences_crs = parse_crs("--residences-crs", &args.residences_crs)?;
    job.services_crs = parse_crs("--services-crs", &args.services_crs)?;
    job.network_crs = parse_crs("--network-crs", &args.network_crs)?;
    job.zones_crs = parse_crs("--zones-crs", &args.zones_crs)?;
    job.strict = args.strict;
    job.analysis.detour = args.detour;
    job.analysis.judge = args.judge;
    job.analysis.speed_m_s = args.speed;
    job.analysis.elderly_speed_m_s = args.elderly_speed;
    job.analysis.network = NetworkOptions {
        node_tolerance_m: args.node_tolerance,
        min_component: args.min_component,
        max_snap_m: args.max_snap,
    };
    job.catchments = args.catchments;
    job.catchment_buffer_m = args.catchment_buffer;
    job.cell_shape = args.cell_shape;
    job.attribution = args.attribution.clone();
    job.report = report_options;
    job.clean = args.clean;
    let profile_file = std::path::Path::new(&args.standard);
    if profile_file.is_file() {
        job.extra_inputs.push(profile_file.to_path_buf());
    }
    job.peak_memory = Some(memory::peak_memory);
    Ok(job)
}

fn analyze(args: AnalyzeArgs) -> Result<ExitCode> {
    let job = analyze_job(&args)?;
    let read = ReadOptions {
        fields: job.fields.clone(),
        dbf_encoding: args.dbf_encoding.as_deref().map(parse_encoding).transpose()?,
        csv_encoding: args.csv_encoding.as_deref().map(parse_encoding).transpose()?,
    };
    let started = std::time::Instant::now();
    let bars = progress::Bars::new(args.quiet);
    let read_layer = |path: &std::path::Path, read: &ReadOptions| read_layer(path, read, &bars);
    let mut osm_network = None;
    let mut osm_zones = None;
    let (residences, services, from_sample) = match (&args.osm, &args.residences, &args.services) {
        (Some(pbf), None, None) => {
            let (r, s, network, footways, zones) = import_osm::osm_layers(pbf, args.quiet, &bars)?;
            osm_zones = zones;
            osm_network = Some((network, footways));
            (r, s, false)
        }
        (None, None, None) => (sample::residences()?, sample::services()?, true),
        (None, Some(r), Some(s)) => (read_layer(r, &read)?, read_layer(s, &read)?, false),
        _ => bail!("give both --residences and --services, or --osm, or none to run the bundled sample"),
    };
    let footways = osm_network.as_ref().map(|(_, footways)| *footways);
    let network = match network_source(args.distance, args.network.is_some(), footways)? {
        NetworkSource::None => None,
        NetworkSource::Osm => osm_network.map(|(network, _)| network),
        NetworkSource::Given => args.network.as_deref().map(|path| read_layer(path, &read)).transpose()?,
    };
    if from_sample && !args.quiet {
        bars.suspend(|| {
            eprintln!(
                "No inputs given: running the bundled sample (central Helsinki, © OpenStreetMap contributors, HSY)."
            )
        });
    }
    let zones = match &args.zones {
        Some(p) => Some(read_layer(p, &read)?),
        None => osm_zones.filter(|_| osm_zones_apply(false, args.grid.is_some())),
    };
    let read_time = started.elapsed();
    let read_peak = memory::peak_memory();
    let outcome = job.run(Inputs { residences, services, network, zones }, &bars)?;
    drop(bars);
    // Warnings about the files come first, then what --clean removed and the timings, then
    // the warnings about the data.
    let (files, data): (Vec<Warning>, Vec<Warning>) =
        outcome.warnings.iter().cloned().partition(|w| matches!(w, Warning::MissingGlyphs(_) | Warning::StaleFiles(_)));
    print_warnings(&files);
    print_removed(&outcome.removed, outcome.leftovers_removed, args.quiet);
    if args.timings {
        let mb = |m: Option<u64>| m.map_or_else(String::new, |b| format!(" (peak memory {} MB)", b / 1_000_000));
        eprintln!("timings: read {:.2} s{}", read_time.as_secs_f64(), mb(read_peak));
        for t in &outcome.timings {
            eprintln!("timings: {} {:.2} s{}", t.step, t.wall.as_secs_f64(), mb(t.peak_memory));
            if t.step == "analyse" {
                for (sub, t) in &outcome.analysis.steps {
                    eprintln!("timings:   {sub} {:.2} s", t.as_secs_f64());
                }
            }
        }
        eprintln!("timings: total {:.2} s", started.elapsed().as_secs_f64());
    }
    print_warnings(&data);
    if !args.quiet {
        print!("{}", table::summary_table(&outcome.summary));
        print_written(&outcome.written, &args.out);
    }
    Ok(ExitCode::SUCCESS)
}

//! Command-line interface (binary only): `analyze`, `standards list`, `standards show`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use lifecircle::crs::Crs;
use lifecircle::io::load::ResidenceOptions;
use lifecircle::io::write::{OutputFormat, WriteOptions};
use lifecircle::io::{FieldMap, ReadOptions, parse_encoding, read_layer};
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

#[derive(Args, Debug)]
struct AnalyzeArgs {
    /// Residences: Point/Polygon/MultiPolygon layer (.geojson, .json, .shp, .csv).
    #[arg(long, value_name = "PATH")]
    residences: Option<PathBuf>,
    /// Services: Point/Polygon layer with a `category` field (.geojson, .json, .shp, .csv).
    #[arg(long, value_name = "PATH")]
    services: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "lifecircle-out")]
    out: PathBuf,
    /// Standard profile: a built-in id or a TOML file.
    #[arg(long, value_name = "ID|FILE", default_value = DEFAULT_PROFILE)]
    standard: String,
    /// Walking distance ÷ straight-line distance; radii are divided by it.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    detour: f64,
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
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Print the wall time of each step on stderr.
    #[arg(long)]
    timings: bool,
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
    let (residences, services, from_sample) = match (&args.residences, &args.services) {
        (None, None) => (sample::residences()?, sample::services()?, true),
        (Some(r), Some(s)) => (read_layer(r, &read)?, read_layer(s, &read)?, false),
        _ => bail!("give both --residences and --services, or neither to run the bundled sample"),
    };
    if from_sample && !args.quiet {
        eprintln!("No inputs given: running the bundled sample (central Helsinki, © OpenStreetMap contributors, HSY).");
    }
    let mut job = Job::new(profile, &args.out);
    job.fields = fields;
    job.residences_crs = parse_crs("--residences-crs", &args.residences_crs)?;
    job.services_crs = parse_crs("--services-crs", &args.services_crs)?;
    job.residence_options =
        ResidenceOptions { household_size: args.household_size, default_households: args.default_households };
    job.strict = args.strict;
    job.analysis.detour = args.detour;
    job.write = WriteOptions { formats, out_crs };
    let read_time = started.elapsed();
    let read_peak = lifecircle::job::peak_memory();
    let services_path = services.path.clone();
    let report = job.run(residences, services)?;
    if args.timings {
        let mb = |m: Option<u64>| m.map_or_else(String::new, |b| format!(" (peak memory {} MB)", b / 1_000_000));
        eprintln!("timings: read {:.2} s{}", read_time.as_secs_f64(), mb(read_peak));
        for (step, t, peak) in &report.timings {
            eprintln!("timings: {step} {:.2} s{}", t.as_secs_f64(), mb(*peak));
        }
        eprintln!("timings: total {:.2} s", started.elapsed().as_secs_f64());
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
    if !args.quiet {
        print!("{}", render::summary_table(&report.summary));
        println!("\nwrote {} files to {}:", report.written.len(), args.out.display());
        for p in &report.written {
            println!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `lifecircle import-osm`: an OpenStreetMap extract (PBF or XML) → residences, services, network and
//! zones GeoJSON layers ready for `lifecircle analyze`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use lifecircle::osm::{
    DEFAULT_ADMIN_LEVEL, DEFAULT_HOUSEHOLD_SIZE, DEFAULT_LEVELS, DEFAULT_M2_PER_HOUSEHOLD, HouseholdModel,
    ImportOptions, Mapping, import_osm,
};
use lifecircle::{Layer, ManifestMode, OutputDir, ReadOptions, Step, read_layer};

use super::progress::Bars;

/// Arguments of `import-osm`.
#[derive(Args, Debug)]
pub struct ImportOsmArgs {
    /// The OpenStreetMap extract: .osm.pbf, or OpenStreetMap XML (.osm).
    #[arg(value_name = "FILE.osm.pbf", required_unless_present = "print_mapping")]
    pub pbf: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "lifecircle-osm")]
    pub out: PathBuf,
    /// Storeys of a building without building:levels (an assumption: set the area's typical height).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LEVELS)]
    pub default_levels: u32,
    /// Gross floor area per household, m² (default 100: China's 2020 census reports 36.52 m² of
    /// housing floor area per urban resident and 92.17 m² per urban household; 36.52 × 2.62 ≈ 96,
    /// rounded up for stairwells, walls and ground-floor shops; set it for your area).
    #[arg(long, value_name = "M2", default_value_t = DEFAULT_M2_PER_HOUSEHOLD)]
    pub m2_per_household: f64,
    /// Persons per household (default: China's 2020 census average).
    #[arg(long, value_name = "F", default_value_t = DEFAULT_HOUSEHOLD_SIZE)]
    pub household_size: f64,
    /// Population layer (points or polygons in WGS84, .geojson/.shp/.csv) whose population is
    /// spread over the residential buildings inside each feature by floor area.
    #[arg(long, value_name = "FILE")]
    pub population: Option<PathBuf>,
    /// Field of the population layer holding the population.
    #[arg(long, value_name = "NAME", default_value = "population")]
    pub population_field: String,
    /// admin_level of the administrative boundaries written to zones.geojson.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ADMIN_LEVEL)]
    pub admin_level: u8,
    /// Tag → category table (TOML, the format --print-mapping shows) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Print the built-in tag → category table (a starting point for --mapping) and exit.
    #[arg(long)]
    pub print_mapping: bool,
    /// Remove the files an earlier run wrote into --out that this run does not write (never an
    /// input, never a file the folder's manifest does not list).
    #[arg(long)]
    pub clean: bool,
    /// Print nothing but errors (no progress bars either; they are drawn only when stderr is a
    /// terminal).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `import-osm`.
pub fn import_osm_command(args: ImportOsmArgs) -> Result<ExitCode> {
    let Some(pbf) = args.pbf.as_deref().filter(|_| !args.print_mapping) else {
        print!("{}", lifecircle::osm::BUILT_IN_MAPPING);
        return Ok(ExitCode::SUCCESS);
    };
    if args.default_levels == 0 {
        bail!("--default-levels must be at least 1");
    }
    let mapping = match &args.mapping {
        Some(path) => Mapping::from_file(path)?,
        None => Mapping::built_in(),
    };
    let opts = ImportOptions {
        households: HouseholdModel {
            default_levels: args.default_levels,
            m2_per_household: args.m2_per_household,
            household_size: args.household_size,
        },
        mapping,
        admin_level: args.admin_level,
    };
    let started = std::time::Instant::now();
    // The output folder is locked and checked against the inputs before the extract is read.
    let inputs: Vec<PathBuf> = [Some(pbf), args.population.as_deref(), args.mapping.as_deref()]
        .into_iter()
        .flatten()
        .map(Path::to_path_buf)
        .collect();
    let mut out = OutputDir::open(&args.out, "import-osm", &inputs, ManifestMode::Replace)?;
    out.check_names(&lifecircle::osm::OUTPUT_NAMES)?;
    let bars = Bars::new(args.quiet);
    let mut import = import_osm(pbf, &opts, &bars)?;
    if let Some(path) = &args.population {
        let layer = read_layer(path, &ReadOptions::default(), &bars)?;
        let _step = Step::begin(&bars, "allocating population", None);
        import.allocate_population(&layer, &args.population_field)?;
    }
    import.write_geojson_into(&mut out, &bars)?;
    let done = out.commit(args.clean)?;
    let written = done.written;
    drop(bars);
    super::print_warnings(&lifecircle::Warning::stale_files(&done.stale).into_iter().collect::<Vec<_>>());
    super::print_removed(&done.removed, done.leftovers_removed, args.quiet);
    if !args.quiet {
        print!("{}", import.report());
        println!("\nwrote {} files in {:.2} s:", written.len(), started.elapsed().as_secs_f64());
        for p in &written {
            println!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `analyze --osm`: imports `pbf` with the default options and returns the residences and
/// services layers, and the walking network with whether it has footways (so is fit for
/// network distances).
pub fn osm_layers(pbf: &Path, quiet: bool, bars: &Bars) -> Result<(Layer, Layer, Layer, bool, Option<Layer>)> {
    let import = import_osm(pbf, &ImportOptions::default(), bars)?;
    let footways = import.has_footways();
    if !quiet {
        bars.suspend(|| {
            eprintln!(
                "imported {}: {} residences, {} services, {} network lines{}",
                pbf.display(),
                import.residences.len(),
                import.services.len(),
                import.network.len(),
                if footways { "" } else { " (no footways: straight-line distances unless --distance network)" }
            )
        });
    }
    let step = Step::begin(bars, "preparing the imported layers", None);
    let (residences, services, network) = import.layers();
    let zones = import.zones_layer();
    drop(step);
    Ok((residences, services, network, footways, zones))
}

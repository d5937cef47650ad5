//! Quickstart: the library end to end on the bundled Helsinki sample.
//!
//! `cargo run --example quickstart` reads the sample layers, analyses them against
//! GB 50180-2018 with a detour factor of 1.3, prints the households lacking a clinic and a
//! market, and writes the usual outputs to ./quickstart-out.

use lifecircle::analysis::{AnalysisOptions, CellShape, analyze};
use lifecircle::io::load::{ResidenceOptions, load_facilities, load_residences};
use lifecircle::io::write::{Extras, WriteOptions, write_outputs};
use lifecircle::io::{FieldMap, read_layer};
use lifecircle::progress::NoProgress;
use lifecircle::standards::StandardProfile;

fn main() -> Result<(), lifecircle::Error> {
    // 1. read: any of .geojson, .shp, .csv; here the files bundled in data/
    let opts = lifecircle::io::ReadOptions::default();
    let residences = read_layer("data/residences.geojson".as_ref(), &opts, &NoProgress)?;
    let services = read_layer("data/services.geojson".as_ref(), &opts, &NoProgress)?;

    // 2. validate into model types (WGS84); categories are resolved against the profile
    let profile = StandardProfile::built_in("gb50180-2018")?;
    let fields = FieldMap::default();
    let residences = load_residences(residences, &fields, None, &ResidenceOptions::default(), &NoProgress)?.items;
    let services = load_facilities(services, &fields, None, &profile, false, &NoProgress)?;

    // 3. analyse: straight-line radius = walking radius / detour
    let a = analyze(
        profile,
        residences,
        services.facilities,
        AnalysisOptions { detour: 1.3, ..AnalysisOptions::default() },
    )?;
    let clinic = a.profile.index_of("clinic").expect("built-in category");
    let market = a.profile.index_of("market").expect("built-in category");
    let mut lacking = 0.0;
    for (r, res) in a.residences.iter().enumerate() {
        if a.covered(r, clinic) == Some(false) && a.covered(r, market) == Some(false) {
            lacking += res.households;
        }
    }
    let mut summary = a.summary();
    println!(
        "{} residences, {} households; {lacking} households have neither a clinic within {:.0} m nor a market within {:.0} m",
        summary.residences,
        summary.households,
        a.radii_m[clinic].unwrap_or(f64::NAN),
        a.radii_m[market].unwrap_or(f64::NAN),
    );

    // 4. where the households without a market live: 250 m cells dissolved into gap areas
    let gaps = a.gaps(250.0, CellShape::Square)?;
    if let Some(g) = gaps.areas.iter().find(|g| g.category == market) {
        println!("largest market gap: {} households in {} cells", g.households, g.cells.len());
    }
    summary.gaps = Some(gaps.summary(&a));

    // 5. write GeoJSON layers (gaps.geojson too) and summary.json atomically
    let written = write_outputs(
        &a,
        &summary,
        Extras { gaps: Some(&gaps), ..Default::default() },
        "quickstart-out".as_ref(),
        &WriteOptions::default(),
    )?;
    for p in written {
        println!("wrote {}", p.display());
    }
    Ok(())
}

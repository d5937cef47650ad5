//! Quickstart: the library end to end on the bundled Helsinki sample.
//!
//! `cargo run --example quickstart` reads the sample layers, runs a [`Job`] against
//! GB 50180-2018 with a detour factor of 1.3 (which validates, analyses, finds the gaps on
//! 250 m cells, measures the zones and writes the usual outputs to ./quickstart-out), then
//! prints the households lacking a clinic and a market, and the largest market gap.

use lifecircle::CellShape;
use lifecircle::SILENT;
use lifecircle::StandardProfile;
use lifecircle::read_layer;
use lifecircle::{Inputs, Job};

fn main() -> Result<(), lifecircle::Error> {
    // 1. read: any of .geojson, .shp, .csv; here the files bundled in data/
    let opts = lifecircle::ReadOptions::default();
    let inputs = Inputs {
        residences: read_layer("data/residences.geojson".as_ref(), &opts, SILENT)?,
        services: read_layer("data/services.geojson".as_ref(), &opts, SILENT)?,
        network: None,
        zones: None,
    };

    // 2. run: straight-line radius = walking radius / detour; gaps on 250 m squares
    let mut job = Job::new(StandardProfile::built_in("gb50180-2018")?, "quickstart-out".as_ref());
    job.analysis.detour = 1.3;
    job.cell_m = 250.0;
    job.cell_shape = CellShape::Square;
    let outcome = job.run(inputs, SILENT)?;
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }

    // 3. look at the result: per residence and category, the analysis says what is covered
    let a = &outcome.analysis;
    let clinic = a.profile.index_of("clinic").expect("built-in category");
    let market = a.profile.index_of("market").expect("built-in category");
    let mut lacking = 0.0;
    for (r, res) in a.residences.iter().enumerate() {
        if a.covered(r, clinic) == Some(false) && a.covered(r, market) == Some(false) {
            lacking += res.households;
        }
    }
    let summary = &outcome.summary;
    println!(
        "{} residences, {} households; {lacking} households have neither a clinic within {:.0} m nor a market within {:.0} m",
        summary.residences,
        summary.households,
        a.radii_m[clinic].unwrap_or(f64::NAN),
        a.radii_m[market].unwrap_or(f64::NAN),
    );

    // 4. where the households without a market live: the cells dissolved into gap areas
    if let Some(g) = outcome.gaps.areas.iter().find(|g| g.category == market) {
        println!("largest market gap: {} households in {} cells", g.households, g.cells.len());
    }

    // 5. the files written (atomically: all or none)
    for p in &outcome.written {
        println!("wrote {}", p.display());
    }
    Ok(())
}

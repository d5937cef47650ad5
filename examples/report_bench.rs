//! Times the committee report of an analysis output folder and prints its sizes.
//!
//! ```text
//! cargo run --release --example synthetic_city -- --out /tmp/city        # 1,000,000 residences
//! cargo run --release -- analyze --residences /tmp/city/residences.geojson \
//!     --services /tmp/city/services.geojson --grid 1000 --out /tmp/city-out -q
//! cargo run --release --example report_bench -- /tmp/city-out [zh|en]
//! ```
//!
//! Writes report.html, map.svg and map.png into the folder (as `lifecircle report` does) and
//! prints the wall time, the process's peak memory, the page's size against the 10 MB limit,
//! and how the residences were drawn (points, or cells above `MAX_POINTS`).

#[path = "../benches/support/memory.rs"]
mod memory;

use std::path::PathBuf;
use std::time::Instant;

use lifecircle::internals::MAX_POINTS;
use lifecircle::{Lang, ReportOptions, write_report};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: report_bench OUT_DIR [zh|en]")?);
    let lang = match args.next() {
        Some(l) => Lang::parse(&l).ok_or("language: zh or en")?,
        None => Lang::Zh,
    };
    let started = Instant::now();
    let made = write_report(&dir, &ReportOptions { lang, ..ReportOptions::default() }, false, lifecircle::SILENT)?;
    let elapsed = started.elapsed().as_secs_f64();
    let size = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len()).unwrap_or(0);
    println!("report of {}: {elapsed:.2} s", dir.display());
    if let Some(peak) = memory::peak_memory() {
        println!("peak memory: {} MB", peak / 1_000_000);
    }
    println!(
        "report.html: {:.2} MB (limit 10 MB); map.svg {:.2} MB; map.png {:.2} MB",
        made.html_bytes as f64 / 1e6,
        size("map.svg") as f64 / 1e6,
        size("map.png") as f64 / 1e6
    );
    match made.cell_side_m {
        None => println!("residences drawn as {} points (limit {MAX_POINTS})", made.marks),
        Some(side) => println!("residences aggregated to {} cells of {side} m (more than {MAX_POINTS})", made.marks),
    }
    if made.html_bytes > 10_000_000 {
        return Err("report.html is over 10 MB".into());
    }
    Ok(())
}

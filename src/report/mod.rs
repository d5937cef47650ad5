//! The committee report of an analysis: report.html (one self-contained page in Chinese or
//! English), map.svg and map.png (the gap map for slides), all made from the files of an output
//! folder so that `analyze --report` and a later `lifecircle report OUT_DIR` agree.

pub mod data;
pub mod html;
pub mod i18n;
pub mod map;

use std::path::{Path, PathBuf};

pub use data::ReportData;
pub use i18n::Lang;
pub use map::{MAX_POINTS, MapOptions, MapScene};

use crate::error::{Error, Result};
use crate::io::output::OutputDir;

/// Default size of map.png / map.svg, pixels.
pub const DEFAULT_MAP_SIZE: (u32, u32) = (1600, 1100);

/// Size of the map inside report.html (its viewBox; the page scales it to the window).
pub const HTML_MAP_SIZE: (u32, u32) = (1200, 820);

/// What the report is made of and how.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Language of every label.
    pub lang: Lang,
    /// Size of map.png and map.svg, pixels.
    pub map_size: (u32, u32),
    /// Residences drawn one by one up to this count, aggregated to cells above it.
    pub max_points: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { lang: Lang::Zh, map_size: DEFAULT_MAP_SIZE, max_points: MAX_POINTS }
    }
}

/// Parses a `--map-size` such as `1600x1100`.
pub fn parse_map_size(text: &str) -> Result<(u32, u32)> {
    let bad =
        || Error::Option(format!("--map-size {text}: give WIDTHxHEIGHT in pixels, e.g. 1600x1100 (each 200–10000)"));
    let (w, h) = text.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?);
    if !(200..=10_000).contains(&w) || !(200..=10_000).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// What [`write_report`] made.
#[derive(Debug, Clone)]
pub struct ReportOutput {
    /// Files written (report.html, map.svg, map.png).
    pub written: Vec<PathBuf>,
    /// Size of report.html, bytes.
    pub html_bytes: usize,
    /// Marks drawn for the residences (points, or cells when aggregated).
    pub marks: usize,
    /// Side of the aggregation cells, metres, when the residences were aggregated.
    pub cell_side_m: Option<f64>,
}

/// Reads the output folder `dir` and writes report.html, map.svg and map.png into it
/// (atomically: all three appear together or none).
pub fn write_report(dir: &Path, opts: &ReportOptions) -> Result<ReportOutput> {
    let data = ReportData::read(dir)?;
    let html_scene = MapScene::new(
        &data,
        &MapOptions { width: HTML_MAP_SIZE.0, height: HTML_MAP_SIZE.1, max_points: opts.max_points, lang: opts.lang },
    );
    let page = html::page(&data, &html_scene, opts.lang, None);
    let scene = MapScene::new(
        &data,
        &MapOptions { width: opts.map_size.0, height: opts.map_size.1, max_points: opts.max_points, lang: opts.lang },
    );
    let svg = scene.to_svg(false);
    let mut out = OutputDir::create(dir)?;
    let write =
        |path: PathBuf, bytes: &[u8]| std::fs::write(&path, bytes).map_err(|cause| Error::Write { path, cause });
    write(out.file("report.html"), page.as_bytes())?;
    write(out.file("map.svg"), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n").as_bytes())?;
    let written = out.commit()?;
    Ok(ReportOutput {
        written,
        html_bytes: page.len(),
        marks: html_scene.residences.len(),
        cell_side_m: html_scene.cell_side_m(),
    })
}

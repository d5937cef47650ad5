//! The committee report of an analysis: report.html (one self-contained page in Chinese or
//! English), map.svg and map.png (the gap map for slides), all made from the files of an output
//! folder so that `analyze --report` and a later `lifecircle report OUT_DIR` agree.

pub mod data;
pub mod html;
pub mod i18n;
pub mod map;

use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use data::ReportData;
pub use i18n::Lang;
pub use map::{MAX_POINTS, MapOptions, MapScene};

use crate::error::{Error, Result};
use crate::io::output::{ManifestMode, OutputDir, create_new};
use crate::progress::{Progress, Step};
use crate::render::png::{FontSet, embedded_font, svg_to_png};

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

/// What [`write_report`] (or the report step of a [`crate::Job`]) made.
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
    /// A warning naming the characters map.png draws as boxes (no font has them), if any.
    pub missing_glyphs: Option<String>,
    /// Files of earlier runs left in the folder (see [`crate::io::output::Committed`]).
    pub stale: Vec<PathBuf>,
    /// Files of earlier runs removed (`clean`).
    pub removed: Vec<PathBuf>,
}

/// The files of an output folder the report reads.
pub const REPORT_INPUTS: [&str; 5] =
    ["summary.json", "households.geojson", "facilities.geojson", "zones.geojson", "gaps.geojson"];

/// The files the report writes.
pub const REPORT_OUTPUTS: [&str; 3] = ["report.html", "map.svg", "map.png"];

/// Reads the output folder `dir` and writes report.html, map.svg and map.png into it
/// (atomically: all three appear together or none), telling `progress` when it reads the folder
/// and when it draws ([`crate::progress::SILENT`] for none); with `clean`, files of earlier runs
/// that the folder's manifest no longer counts are removed.
pub fn write_report(dir: &Path, opts: &ReportOptions, clean: bool, progress: &dyn Progress) -> Result<ReportOutput> {
    let inputs: Vec<PathBuf> = REPORT_INPUTS.iter().map(|n| dir.join(n)).collect();
    let mut out = OutputDir::open(dir, "report", &inputs, ManifestMode::Extend)?;
    let mut made = write_report_into(dir, &mut out, opts, progress)?;
    let done = out.commit(clean)?;
    (made.written, made.stale, made.removed) = (done.written, done.stale, done.removed);
    Ok(made)
}

/// Reads the analysis's files from `read_from` (an output folder, or the staging folder of the
/// run that is writing it) and writes report.html, map.svg and map.png into the staging folder
/// of `out`; the caller commits. `written` holds the files' final paths.
pub fn write_report_into(
    read_from: &Path,
    out: &mut OutputDir,
    opts: &ReportOptions,
    progress: &dyn Progress,
) -> Result<ReportOutput> {
    out.check_names(&REPORT_OUTPUTS)?;
    let step = Step::begin(progress, "reading the outputs for the report", None);
    let data = ReportData::read(read_from)?;
    drop(step);
    let _step = Step::begin(progress, "drawing report.html, map.svg and map.png", None);
    let html_scene = MapScene::new(
        &data,
        &MapOptions { width: HTML_MAP_SIZE.0, height: HTML_MAP_SIZE.1, max_points: opts.max_points, lang: opts.lang },
    );
    let page = html::page(&data, &html_scene, opts.lang, Some(embedded_font()));
    let scene = MapScene::new(
        &data,
        &MapOptions { width: opts.map_size.0, height: opts.map_size.1, max_points: opts.max_points, lang: opts.lang },
    );
    let svg = scene.to_svg(false);
    let png = svg_to_png(&svg, opts.map_size.0, opts.map_size.1, &FontSet::with_system_fonts())?;
    let svg = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n");
    let mut written = Vec::new();
    for (name, bytes) in REPORT_OUTPUTS.iter().zip([page.as_bytes(), svg.as_bytes(), &png.bytes]) {
        let path = out.file(name)?;
        create_new(&path)?.write_all(bytes).map_err(|cause| Error::Write { path, cause })?;
        written.push(out.dir().join(name));
    }
    Ok(ReportOutput {
        written,
        html_bytes: page.len(),
        marks: html_scene.residences.len(),
        cell_side_m: html_scene.cell_side_m(),
        missing_glyphs: png.missing_glyphs_message("map.png"),
        stale: Vec::new(),
        removed: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::data::{FacilityPoint, ResidencePoint};
    use super::map::ResidenceMarks;
    use super::*;
    use crate::analysis::Summary;

    /// A summary with two categories, `a` judged and `b` not.
    fn summary(residences: usize) -> Summary {
        let cat = |judged: bool| {
            serde_json::json!({
                "name_zh": "甲", "name_en": "A", "radius_m": if judged { Some(300.0) } else { None }, "required": judged,
                "cohort": "all", "facilities": 0, "serving_facilities": 0, "speed_m_s": 1.0,
            })
        };
        serde_json::from_value(serde_json::json!({
            "standard": "test", "standard_name_zh": "测试", "standard_name_en": "test", "standard_source": "s",
            "distance_model": "euclidean", "detour": 1.0, "judge": "metres", "speed_m_s": 1.0,
            "elderly_speed_m_s": 0.8, "residences": residences, "households": 0.0, "population": 0.0,
            "categories": { "a": cat(true), "b": cat(false) }, "facilities": 1, "local_projection": "tmerc",
            "out_crs": "WGS84 (EPSG:4326)",
        }))
        .unwrap()
    }

    /// `n` × `n` residences 10 m apart (about 0.00009° of latitude); the western half covered.
    fn grid_data(n: usize) -> ReportData {
        let mut residences = Vec::new();
        let mut covered = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let west = j < n / 2;
                residences.push(ResidencePoint {
                    lon_lat: [24.9 + j as f64 * 0.00018, 60.17 + i as f64 * 0.00009],
                    households: 2.0,
                    missing: u32::from(!west),
                });
                covered.push(west);
            }
        }
        ReportData {
            summary: summary(n * n),
            residences,
            covered: vec![covered, Vec::new()],
            facilities: vec![FacilityPoint { lon_lat: [24.9, 60.17], category: 0 }],
            zones: Vec::new(),
            gap_areas: Vec::new(),
        }
    }

    #[test]
    fn few_residences_are_points_with_their_own_classes() {
        let data = grid_data(10);
        let scene = MapScene::new(&data, &MapOptions { width: 800, height: 600, max_points: 100, lang: Lang::En });
        assert!(matches!(scene.residences, ResidenceMarks::Points { .. }));
        assert_eq!(scene.residences.len(), 100);
        assert_eq!(scene.class_all.iter().filter(|&&c| c == 0).count(), 50);
        let a = scene.class_by_category[0].as_ref().unwrap();
        assert_eq!(a.iter().filter(|&&c| c == 4).count(), 50, "uncovered residences are class 4");
        assert!(scene.class_by_category[1].is_none(), "a category without radius has no classes");
        let svg = scene.to_svg(false);
        let marks = svg.split("class=\"residences\"").nth(1).unwrap().split("</g>").next().unwrap();
        assert_eq!(marks.matches("<circle").count(), 100);
    }

    #[test]
    fn many_residences_are_aggregated_to_cells_that_keep_the_gaps() {
        let data = grid_data(60); // 3,600 residences over 600 m × 540 m
        let scene = MapScene::new(&data, &MapOptions { width: 800, height: 600, max_points: 500, lang: Lang::En });
        let side = scene.cell_side_m().expect("aggregated");
        assert!(scene.residences.len() <= 500 && scene.residences.len() >= 50, "{} cells", scene.residences.len());
        assert!((20.0..=100.0).contains(&side), "side {side}");
        // The western half is covered and misses nothing; the eastern half misses one category.
        let a = scene.class_by_category[0].as_ref().unwrap();
        assert!(a.contains(&0) && a.contains(&4), "{a:?}");
        assert!(scene.class_all.contains(&0) && scene.class_all.contains(&1));
        let svg = scene.to_svg(true);
        let marks = svg.split("id=\"residences\"").nth(1).unwrap().split("</g>").next().unwrap();
        assert_eq!(marks.matches("<circle").count(), 0);
        assert_eq!(marks.matches("<rect").count(), scene.residences.len());
    }

    #[test]
    fn map_sizes_parse() {
        assert_eq!(parse_map_size("1600x1100").unwrap(), (1600, 1100));
        assert_eq!(parse_map_size(" 800 X 600 ").unwrap(), (800, 600));
        for bad in ["", "1600", "10x10", "axb", "1600x", "20000x1000"] {
            assert!(parse_map_size(bad).is_err(), "{bad}");
        }
    }
}

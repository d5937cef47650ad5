//! The gap map: [`MapScene`] projects a report's data into a pixel frame (a local transverse
//! Mercator, so the scale bar is true and north is up) with its legend, scale bar, north arrow
//! and attribution, and writes it as SVG — standalone for map.svg / map.png, or with every
//! category's layers for the report's category selector.
//!
//! Residences are drawn one by one up to [`MAX_POINTS`]; above it they are aggregated to square
//! cells (at most about [`MAX_POINTS`] of them), so the map stays light for a million residences.

use std::fmt::Write as _;

use geo::{Coord, MultiPolygon};

use super::data::{ReportData, Verdict};
use super::i18n::Lang;
use crate::crs::LocalProjection;
use crate::render::png::MAP_FONT_FAMILY;

mod svg;
mod text;

pub use text::xml_escape;
use text::{fit, wrap};

/// Residences drawn as individual points up to this count; above it, as aggregated cells.
pub const MAX_POINTS: usize = 20_000;

/// Gap areas drawn per category (the largest by residents); the rest are in gaps.geojson.
pub const MAX_GAP_AREAS_PER_CATEGORY: usize = 100;

/// Gap areas numbered on the all-categories view (the report's "largest gap areas" table).
pub const LARGEST_SHOWN: usize = 10;

/// The five colours of residence classes, from complete (green) to most missing (red).
pub const CLASS_COLOURS: [&str; 5] = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];

/// Category colours (facilities), by category index modulo the length.
pub const CATEGORY_COLOURS: [&str; 20] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
];

/// Size and content options of the map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    /// Width of the whole picture, pixels.
    pub width: u32,
    /// Height of the whole picture, pixels.
    pub height: u32,
    /// Residences drawn one by one up to this count ([`MAX_POINTS`] by default).
    pub max_points: usize,
    /// Language of the labels.
    pub lang: Lang,
}

/// How the residences are drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum ResidenceMarks {
    /// One circle per residence, in file order.
    Points {
        /// Centres, pixels.
        xy: Vec<[f64; 2]>,
        /// Radius, pixels.
        radius: f64,
    },
    /// Square cells holding at least one household.
    Cells {
        /// Side, metres.
        side_m: f64,
        /// Side, pixels.
        side_px: f64,
        /// Top-left corners, pixels.
        xy: Vec<[f64; 2]>,
    },
}

impl ResidenceMarks {
    /// Number of marks.
    pub fn len(&self) -> usize {
        match self {
            ResidenceMarks::Points { xy, .. } | ResidenceMarks::Cells { xy, .. } => xy.len(),
        }
    }

    /// True without marks (the pair of `len`).
    #[allow(dead_code)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A polygon layer's shape as an SVG path.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    d: String,
    label_xy: [f64; 2],
}

/// A gap area on the map.
#[derive(Debug, Clone, PartialEq)]
struct GapMark {
    category: usize,
    rank: usize,
    shape: Shape,
    /// Its number in the largest-gaps table, when it is one of them.
    largest: Option<usize>,
}

/// A category as the legend and selector show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryKey {
    /// Category id.
    pub id: String,
    /// Name in the report's language.
    pub name: String,
    /// Facility colour.
    pub colour: &'static str,
    /// Facilities of the category.
    pub facilities: usize,
    /// Whether coverage is judged (it has a radius).
    pub judged: bool,
}

/// The map, projected into pixels and ready to write.
#[derive(Debug, Clone)]
pub struct MapScene {
    width: f64,
    height: f64,
    lang: Lang,
    font: f64,
    title: String,
    /// Data frame: x, y, width, height in pixels.
    frame: [f64; 4],
    legend_x: f64,
    zones: Vec<(Shape, Verdict, String)>,
    /// Residences or cells.
    pub residences: ResidenceMarks,
    /// Class 0–4 of each mark on the all-categories view (number of required categories missing).
    pub class_all: Vec<u8>,
    /// Per category, class 0–4 of each mark (0 covered … 4 not covered); `None` when not judged.
    pub class_by_category: Vec<Option<Vec<u8>>>,
    facilities: Vec<([f64; 2], usize)>,
    gaps: Vec<GapMark>,
    /// Categories in profile order.
    pub categories: Vec<CategoryKey>,
    scale: (f64, String),
    attribution: Vec<String>,
}

/// Class of a residence on the all-categories view by the number of required categories it
/// misses: 0, 1, 2, 3–4, 5 or more.
pub fn missing_class(missing: f64) -> u8 {
    match missing {
        m if m < 0.5 => 0,
        m if m < 1.5 => 1,
        m if m < 2.5 => 2,
        m if m < 4.5 => 3,
        _ => 4,
    }
}

/// Class of a cell by the share of its households not covered: 0, ≤25 %, ≤50 %, ≤75 %, more.
pub fn uncovered_class(share: f64) -> u8 {
    match share {
        s if s <= 0.0 => 0,
        s if s <= 0.25 => 1,
        s if s <= 0.5 => 2,
        s if s <= 0.75 => 3,
        _ => 4,
    }
}

/// The largest "nice" length (1, 2 or 5 × 10ⁿ metres) not above `max_m`.
pub fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 0.0) {
        return 1.0;
    }
    let pow = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|k| k * pow).find(|&l| l <= max_m).unwrap_or(pow)
}

/// Pixel transform of the data frame.
#[derive(Debug, Clone, Copy)]
struct View {
    proj_min: [f64; 2],
    proj_max_y: f64,
    scale: f64,
    offset: [f64; 2],
}

impl View {
    fn px(&self, m: [f64; 2]) -> [f64; 2] {
        [
            self.offset[0] + (m[0] - self.proj_min[0]) * self.scale,
            self.offset[1] + (self.proj_max_y - m[1]) * self.scale,
        ]
    }
}

/// Rounds to 0.1 px for compact output.
fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn path_of(mp: &MultiPolygon<f64>, proj: &LocalProjection, view: &View) -> Shape {
    let mut d = String::new();
    let mut best: Option<(f64, [f64; 2])> = None;
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut last: Option<[f64; 2]> = None;
            let mut first = true;
            for &Coord { x, y } in &ring.0 {
                let p = view.px(proj.forward(x, y));
                let p = [r1(p[0]), r1(p[1])];
                if last == Some(p) {
                    continue;
                }
                let _ = write!(d, "{}{} {}", if first { 'M' } else { 'L' }, p[0], p[1]);
                first = false;
                last = Some(p);
            }
            if !first {
                d.push('Z');
            }
        }
        // Label at the centre of the biggest polygon's bounding box.
        let xs = poly.exterior().0.iter().map(|c| view.px(proj.forward(c.x, c.y)));
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in xs {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        let size = (hi[0] - lo[0]) * (hi[1] - lo[1]);
        if size.is_finite() && best.is_none_or(|(s, _)| size > s) {
            best = Some((size, [r1((lo[0] + hi[0]) / 2.0), r1((lo[1] + hi[1]) / 2.0)]));
        }
    }
    Shape { d, label_xy: best.map_or([0.0, 0.0], |b| b.1) }
}

impl MapScene {
    /// Lays out the map of `data` at the options' size.
    pub fn new(data: &ReportData, opts: &MapOptions) -> MapScene {
        let lang = opts.lang;
        let s = &data.summary;
        let (width, height) = (f64::from(opts.width.max(200)), f64::from(opts.height.max(150)));
        let font = (height / 55.0).clamp(9.0, 15.0);
        let title_h = (font * 2.4).round();
        let legend_w = (width * 0.27).max(170.0).min(width * 0.45).round();
        let attribution_text = {
            let mut credits = s.attribution.clone();
            credits.push(lang.t("generated_by").to_owned());
            format!("{}: {}", lang.t("data"), credits.join("; "))
        };
        let small = (font * 0.8).max(8.0);
        let attribution = wrap(&attribution_text, small, width - 16.0);
        let attribution_h = (attribution.len() as f64 * small * 1.3 + 8.0).round();
        let frame = [0.0, title_h, width - legend_w, height - title_h - attribution_h];

        // Extent: residences and facilities, 4 % margin, at least 500 m.
        let pts = data.residences.iter().map(|r| r.lon_lat).chain(data.facilities.iter().map(|f| f.lon_lat));
        let proj = LocalProjection::centred_on(pts.clone().map(|p| (p[0], p[1])))
            .unwrap_or_else(|| LocalProjection::new(0.0, 0.0));
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in pts {
            let m = proj.forward(p[0], p[1]);
            lo = [lo[0].min(m[0]), lo[1].min(m[1])];
            hi = [hi[0].max(m[0]), hi[1].max(m[1])];
        }
        if !(lo[0].is_finite() && hi[0].is_finite()) {
            (lo, hi) = ([-250.0, -250.0], [250.0, 250.0]);
        }
        for k in 0..2 {
            let (c, half) = ((lo[k] + hi[k]) / 2.0, ((hi[k] - lo[k]) * 1.08 / 2.0).max(250.0));
            lo[k] = c - half;
            hi[k] = c + half;
        }
        let scale = ((frame[2] - 20.0) / (hi[0] - lo[0])).min((frame[3] - 20.0) / (hi[1] - lo[1]));
        let offset = [
            frame[0] + (frame[2] - (hi[0] - lo[0]) * scale) / 2.0,
            frame[1] + (frame[3] - (hi[1] - lo[1]) * scale) / 2.0,
        ];
        let view = View { proj_min: lo, proj_max_y: hi[1], scale, offset };

        let categories: Vec<CategoryKey> = s
            .categories
            .iter()
            .enumerate()
            .map(|(i, (id, c))| CategoryKey {
                id: id.clone(),
                name: lang.pick(&c.name_zh, &c.name_en).to_owned(),
                colour: CATEGORY_COLOURS[i % CATEGORY_COLOURS.len()],
                facilities: data.facilities.iter().filter(|f| f.category == i).count(),
                judged: c.radius_m.is_some(),
            })
            .collect();

        let (residences, class_all, class_by_category) = residence_marks(data, &proj, &view, lo, opts.max_points);

        let zones = data
            .zones
            .iter()
            .map(|z| (path_of(&z.shape, &proj, &view), z.verdict, z.name.clone().unwrap_or_else(|| z.id.clone())))
            .collect();
        let facilities = data
            .facilities
            .iter()
            .map(|f| {
                let p = view.px(proj.forward(f.lon_lat[0], f.lon_lat[1]));
                ([r1(p[0]), r1(p[1])], f.category)
            })
            .collect();
        let largest: Vec<(usize, usize)> = s
            .gaps
            .iter()
            .flat_map(|g| g.largest.iter().take(LARGEST_SHOWN))
            .filter_map(|l| Some((s.category_index(&l.category)?, l.rank)))
            .collect();
        let mut gaps: Vec<GapMark> = Vec::new();
        let mut per_category = vec![0usize; s.categories.len()];
        let mut ordered: Vec<&super::data::GapAreaShape> = data.gap_areas.iter().collect();
        ordered.sort_by_key(|g| (g.category, g.rank));
        for g in ordered {
            let number = largest.iter().position(|&(c, r)| c == g.category && r == g.rank).map(|i| i + 1);
            if per_category[g.category] >= MAX_GAP_AREAS_PER_CATEGORY && number.is_none() {
                continue;
            }
            per_category[g.category] += 1;
            gaps.push(GapMark {
                category: g.category,
                rank: g.rank,
                shape: path_of(&g.shape, &proj, &view),
                largest: number,
            });
        }

        let bar_m = nice_length(frame[2] * 0.22 / scale);
        let title = format!("{} · {}", lang.pick(&s.standard_name_zh, &s.standard_name_en), lang.t("map_title"));
        MapScene {
            width,
            height,
            lang,
            font,
            title,
            frame,
            legend_x: width - legend_w,
            zones,
            residences,
            class_all,
            class_by_category,
            facilities,
            gaps,
            categories,
            scale: (bar_m * scale, lang.metres(bar_m)),
            attribution,
        }
    }

    /// The side of the aggregation cells, metres, when residences are aggregated.
    pub fn cell_side_m(&self) -> Option<f64> {
        match self.residences {
            ResidenceMarks::Cells { side_m, .. } => Some(side_m),
            ResidenceMarks::Points { .. } => None,
        }
    }

    /// Gap areas drawn and their category, for tests and the methods section.
    pub fn gap_areas_drawn(&self) -> usize {
        self.gaps.len()
    }
}

/// Fill colour of a zone verdict.
pub fn verdict_colour(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "#1b7837",
        Verdict::Fail => "#c51b7d",
        Verdict::NotAssessed => "#888888",
    }
}

/// Residence marks and their classes: points when there are at most `max_points`, else
/// square cells of a side chosen so that at most about `max_points` cells cover the extent.
fn residence_marks(
    data: &ReportData,
    proj: &LocalProjection,
    view: &View,
    lo: [f64; 2],
    max_points: usize,
) -> (ResidenceMarks, Vec<u8>, Vec<Option<Vec<u8>>>) {
    let n_cat = data.summary.categories.len();
    let metres: Vec<[f64; 2]> = data.residences.iter().map(|r| proj.forward(r.lon_lat[0], r.lon_lat[1])).collect();
    if data.residences.len() <= max_points {
        let n = data.residences.len();
        let radius = if n <= 2_000 {
            4.0
        } else if n <= 8_000 {
            3.0
        } else {
            2.0
        };
        let xy = metres.iter().map(|m| view.px(*m)).map(|p| [r1(p[0]), r1(p[1])]).collect();
        let class_all = data.residences.iter().map(|r| missing_class(f64::from(r.missing))).collect();
        let by_cat = (0..n_cat)
            .map(|c| {
                let covered = &data.covered[c];
                (covered.len() == n).then(|| covered.iter().map(|&ok| if ok { 0 } else { 4 }).collect())
            })
            .collect();
        return (ResidenceMarks::Points { xy, radius }, class_all, by_cat);
    }
    // Cells: a nice side such that the extent holds at most ~max_points cells.
    let (mut hi, mut lo_r) = ([f64::NEG_INFINITY; 2], [f64::INFINITY; 2]);
    for m in &metres {
        lo_r = [lo_r[0].min(m[0]), lo_r[1].min(m[1])];
        hi = [hi[0].max(m[0]), hi[1].max(m[1])];
    }
    let area = ((hi[0] - lo_r[0]).max(1.0)) * ((hi[1] - lo_r[1]).max(1.0));
    let mut side = nice_length((area / max_points.max(1) as f64).sqrt());
    while area / (side * side) > max_points as f64 {
        side *= 2.0;
    }
    let key = |m: &[f64; 2]| (((m[0] - lo[0]) / side).floor() as i64, ((m[1] - lo[1]) / side).floor() as i64);
    // Cell → (households, households × missing, uncovered households per category).
    let mut cells: std::collections::BTreeMap<(i64, i64), (f64, f64, Vec<f64>)> = Default::default();
    for (i, (res, m)) in data.residences.iter().zip(&metres).enumerate() {
        let e = cells.entry(key(m)).or_insert_with(|| (0.0, 0.0, vec![0.0; n_cat]));
        let hh = res.households.max(0.0);
        e.0 += hh;
        e.1 += hh * f64::from(res.missing);
        for (c, un) in e.2.iter_mut().enumerate() {
            if data.covered[c].get(i) == Some(&false) {
                *un += hh;
            }
        }
    }
    let side_px = side * view.scale;
    let mut xy = Vec::with_capacity(cells.len());
    let mut class_all = Vec::with_capacity(cells.len());
    let mut by_cat: Vec<Option<Vec<u8>>> = (0..n_cat)
        .map(|c| (data.covered[c].len() == data.residences.len()).then(|| Vec::with_capacity(cells.len())))
        .collect();
    for (&(cx, cy), (hh, hh_missing, uncovered)) in &cells {
        let top_left = view.px([lo[0] + cx as f64 * side, lo[1] + (cy + 1) as f64 * side]);
        xy.push([r1(top_left[0]), r1(top_left[1])]);
        let share = |x: f64| if *hh > 0.0 { x / hh } else { 0.0 };
        class_all.push(missing_class(share(*hh_missing)));
        for (c, classes) in by_cat.iter_mut().enumerate() {
            if let Some(v) = classes {
                v.push(uncovered_class(share(uncovered[c])));
            }
        }
    }
    (ResidenceMarks::Cells { side_m: side, side_px, xy }, class_all, by_cat)
}

#[cfg(test)]
mod tests;

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

    /// True without marks.
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

/// Estimated width of `text` in pixels at font size `font` (CJK glyphs are square, Latin about
/// half as wide): enough to lay out the legend and wrap the attribution.
fn text_width(text: &str, font: f64) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { font } else { font * 0.56 }).sum()
}

/// Font size and text that fit `text` into `max_w` pixels: the size shrinks down to 72 % of
/// `font`, then the text is cut with an ellipsis.
fn fit(text: &str, font: f64, max_w: f64) -> (f64, String) {
    let w = text_width(text, font);
    if w <= max_w {
        return (font, text.to_owned());
    }
    let size = (font * max_w / w).max(font * 0.72);
    let mut cut = String::new();
    for c in text.chars() {
        if text_width(&cut, size) + text_width(&format!("{c}…"), size) > max_w {
            cut.push('…');
            return (r1(size), cut);
        }
        cut.push(c);
    }
    (r1(size), cut)
}

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Splits `text` into lines no wider than `max_w`, at spaces (or anywhere in CJK text).
fn wrap(text: &str, font: f64, max_w: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_inclusive(' ') {
        if !line.is_empty() && text_width(&line, font) + text_width(word, font) > max_w {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        for c in word.chars() {
            if !line.is_empty() && (c as u32) >= 0x2E80 && text_width(&line, font) + font > max_w {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
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

    /// Width and height in pixels.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
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

    /// The map as SVG. `interactive` adds every category's layers (hidden) and ids the report's
    /// script switches between; without it, the all-categories view alone (map.svg/png).
    pub fn to_svg(&self, interactive: bool) -> String {
        let (w, h) = (self.width, self.height);
        let mut out = String::with_capacity(64 * 1024 + self.residences.len() * 48);
        let id = |name: &str| if interactive { format!(" id=\"{name}\"") } else { format!(" class=\"{name}\"") };
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\"{} viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
             font-family=\"{}\" font-size=\"{}\" data-category=\"\" role=\"img\" aria-label=\"{}\">",
            if interactive { " id=\"map\"" } else { "" },
            xml_escape(MAP_FONT_FAMILY),
            self.font,
            xml_escape(&self.title)
        );
        let [fx, fy, fw, fh] = self.frame;
        let _ = write!(
            out,
            "<defs><clipPath id=\"frame-clip\"><rect x=\"{fx}\" y=\"{fy}\" width=\"{fw}\" height=\"{fh}\"/></clipPath></defs>\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\
             <rect x=\"{fx}\" y=\"{fy}\" width=\"{fw}\" height=\"{fh}\" fill=\"#f7f7f4\"/>"
        );
        // Title.
        let _ = write!(
            out,
            "<text x=\"12\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"#222\">{}</text>",
            r1(fy * 0.62),
            r1(self.font * 1.25),
            xml_escape(&self.title)
        );
        let _ = write!(out, "<g clip-path=\"url(#frame-clip)\">");
        self.write_zones(&mut out, &id);
        self.write_gaps(&mut out, &id, interactive);
        self.write_residences(&mut out, &id);
        self.write_facilities(&mut out, &id, interactive);
        self.write_gap_labels(&mut out, interactive);
        out.push_str("</g>");
        let _ = write!(
            out,
            "<rect x=\"{fx}\" y=\"{fy}\" width=\"{fw}\" height=\"{fh}\" fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>"
        );
        self.write_north_arrow(&mut out, &id);
        self.write_scale_bar(&mut out, &id);
        self.write_legend(&mut out, &id, interactive);
        self.write_attribution(&mut out, interactive);
        out.push_str("</svg>");
        out
    }

    fn write_zones(&self, out: &mut String, id: &dyn Fn(&str) -> String) {
        let _ = write!(out, "<g{} stroke-width=\"1.2\">", id("zones"));
        for (shape, verdict, name) in &self.zones {
            let colour = verdict_colour(*verdict);
            let _ = write!(
                out,
                "<path d=\"{}\" fill=\"{colour}\" fill-opacity=\"0.13\" stroke=\"{colour}\" fill-rule=\"evenodd\"><title>{}</title></path>",
                shape.d,
                xml_escape(name)
            );
        }
        out.push_str("</g>");
    }

    fn write_gaps(&self, out: &mut String, id: &dyn Fn(&str) -> String, interactive: bool) {
        let _ = write!(out, "<g{}>", id("gap-areas"));
        // All-categories view: the largest areas, outlined.
        out.push_str(
            "<g data-cat=\"\" fill=\"none\" stroke=\"#7f0000\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\">",
        );
        for g in self.gaps.iter().filter(|g| g.largest.is_some()) {
            let _ = write!(out, "<path d=\"{}\" fill-rule=\"evenodd\"/>", g.shape.d);
        }
        out.push_str("</g>");
        if interactive {
            for (c, key) in self.categories.iter().enumerate() {
                let _ = write!(
                    out,
                    "<g data-cat=\"{}\" display=\"none\" fill=\"#d73027\" fill-opacity=\"0.28\" stroke=\"#7f0000\" stroke-width=\"1\">",
                    xml_escape(&key.id)
                );
                for g in self.gaps.iter().filter(|g| g.category == c) {
                    let _ = write!(out, "<path d=\"{}\" fill-rule=\"evenodd\"/>", g.shape.d);
                }
                out.push_str("</g>");
            }
        }
        out.push_str("</g>");
    }

    fn write_gap_labels(&self, out: &mut String, interactive: bool) {
        let label = |out: &mut String, xy: [f64; 2], text: &str| {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"central\" font-weight=\"bold\" \
                 fill=\"#7f0000\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{text}</text>",
                xy[0], xy[1]
            );
        };
        // Areas of several categories often coincide: one label lists their numbers.
        let mut at: Vec<([f64; 2], Vec<usize>)> = Vec::new();
        for g in &self.gaps {
            if let Some(n) = g.largest {
                match at
                    .iter_mut()
                    .find(|(xy, _)| (xy[0] - g.shape.label_xy[0]).hypot(xy[1] - g.shape.label_xy[1]) < self.font)
                {
                    Some((_, numbers)) => numbers.push(n),
                    None => at.push((g.shape.label_xy, vec![n])),
                }
            }
        }
        out.push_str("<g class=\"gap-labels\" data-cat=\"\">");
        for (xy, mut numbers) in at {
            numbers.sort_unstable();
            let text: Vec<String> = numbers.iter().map(usize::to_string).collect();
            label(out, xy, &text.join(","));
        }
        out.push_str("</g>");
        if interactive {
            for (c, key) in self.categories.iter().enumerate() {
                let _ = write!(out, "<g class=\"gap-labels\" data-cat=\"{}\" display=\"none\">", xml_escape(&key.id));
                for g in self.gaps.iter().filter(|g| g.category == c && g.rank <= LARGEST_SHOWN) {
                    label(out, g.shape.label_xy, &g.rank.to_string());
                }
                out.push_str("</g>");
            }
        }
    }

    fn write_residences(&self, out: &mut String, id: &dyn Fn(&str) -> String) {
        let _ = write!(out, "<g{} stroke=\"#333\" stroke-width=\"0.4\">", id("residences"));
        match &self.residences {
            ResidenceMarks::Points { xy, radius } => {
                for (p, &class) in xy.iter().zip(&self.class_all) {
                    let _ = write!(
                        out,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{radius}\" fill=\"{}\"/>",
                        p[0],
                        p[1],
                        CLASS_COLOURS[usize::from(class.min(4))]
                    );
                }
            }
            ResidenceMarks::Cells { side_px, xy, .. } => {
                let side = r1(*side_px);
                for (p, &class) in xy.iter().zip(&self.class_all) {
                    let _ = write!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{side}\" height=\"{side}\" fill=\"{}\" stroke=\"none\"/>",
                        p[0],
                        p[1],
                        CLASS_COLOURS[usize::from(class.min(4))]
                    );
                }
            }
        }
        out.push_str("</g>");
    }

    fn write_facilities(&self, out: &mut String, id: &dyn Fn(&str) -> String, interactive: bool) {
        // Many facilities get smaller marks so that the residences beneath stay visible.
        let shrink = match self.facilities.len() {
            0..=500 => 1.0,
            501..=3000 => 0.7,
            _ => 0.45,
        };
        let s = r1(self.font * 0.42 * shrink);
        let _ = write!(out, "<g{} stroke=\"#111\" stroke-width=\"{}\">", id("facilities"), r1(0.7 * shrink));
        for (p, c) in &self.facilities {
            let key = &self.categories[*c];
            let cat = if interactive { format!(" data-cat=\"{}\"", xml_escape(&key.id)) } else { String::new() };
            let _ = write!(
                out,
                "<path{cat} d=\"M{} {}l{s} {s}l-{s} {s}l-{s} -{s}z\" fill=\"{}\"/>",
                p[0],
                r1(p[1] - s),
                key.colour
            );
        }
        out.push_str("</g>");
    }

    fn write_north_arrow(&self, out: &mut String, id: &dyn Fn(&str) -> String) {
        let (x, y, f) = (self.frame[0] + 14.0 + self.font, self.frame[1] + 10.0, self.font);
        let _ = write!(
            out,
            "<g{}><path d=\"M{x} {y}l{} {}l-{} -{}l-{} {}z\" fill=\"#222\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\">{}</text></g>",
            id("north-arrow"),
            r1(f * 0.6),
            r1(f * 1.8),
            r1(f * 0.6),
            r1(f * 0.5),
            r1(f * 0.6),
            r1(f * 0.5),
            r1(y + f * 3.0),
            self.lang.t("north")
        );
    }

    fn write_scale_bar(&self, out: &mut String, id: &dyn Fn(&str) -> String) {
        let (len, label) = (r1(self.scale.0), &self.scale.1);
        let x = self.frame[0] + 14.0;
        let y = self.frame[1] + self.frame[3] - 14.0;
        let half = r1(len / 2.0);
        let _ = write!(
            out,
            "<g{}><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" fill-opacity=\"0.8\"/>\
             <rect x=\"{x}\" y=\"{}\" width=\"{half}\" height=\"5\" fill=\"#222\" stroke=\"#222\"/>\
             <rect x=\"{}\" y=\"{}\" width=\"{half}\" height=\"5\" fill=\"#fff\" stroke=\"#222\"/>\
             <text x=\"{x}\" y=\"{}\" fill=\"#222\">0</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#222\">{}</text></g>",
            id("scale-bar"),
            r1(x - 6.0),
            r1(y - self.font * 1.6),
            r1(len + 12.0),
            r1(self.font * 1.6 + 10.0),
            r1(y - 5.0),
            r1(x + half),
            r1(y - 5.0),
            r1(y - 8.0),
            r1(x + len),
            r1(y - 8.0),
            xml_escape(label)
        );
    }

    fn write_legend(&self, out: &mut String, id: &dyn Fn(&str) -> String, interactive: bool) {
        let lang = self.lang;
        let f = self.font;
        let x = self.legend_x + 12.0;
        let line = (f * 1.45).round();
        let swatch = |out: &mut String, y: f64, shape: &str, fill: &str, extra: &str, text: &str| {
            let mark = match shape {
                "circle" => format!(
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                    r1(x + f * 0.5),
                    r1(y - f * 0.35),
                    r1(f * 0.35)
                ),
                "diamond" => format!(
                    "<path d=\"M{} {}l{h} {h}l-{h} {h}l-{h} -{h}z\" fill=\"{fill}\" stroke=\"#111\" stroke-width=\"0.7\"/>",
                    r1(x + f * 0.5),
                    r1(y - f * 0.8),
                    h = r1(f * 0.42)
                ),
                _ => format!(
                    "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" {extra}/>",
                    r1(y - f * 0.8),
                    r1(f),
                    r1(f * 0.8)
                ),
            };
            let (size, text) = fit(text, f, self.width - (x + f * 1.5) - 6.0);
            let _ = write!(
                out,
                "{mark}<text x=\"{}\" y=\"{y}\" font-size=\"{size}\" fill=\"#222\">{}</text>",
                r1(x + f * 1.5),
                xml_escape(&text)
            );
        };
        let heading = |out: &mut String, y: f64, text: &str| {
            let (size, text) = fit(text, f, self.width - x - 6.0);
            let _ = write!(
                out,
                "<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" font-weight=\"bold\" fill=\"#222\">{}</text>",
                xml_escape(&text)
            );
        };
        let _ = write!(out, "<g{}>", id("legend"));
        let mut y = self.frame[1] + line;
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" font-weight=\"bold\" fill=\"#222\">{}</text>",
            r1(f * 1.15),
            lang.t("legend")
        );
        y += line * 1.2;
        if !self.zones.is_empty() {
            for (v, key) in
                [(Verdict::Pass, "zone_pass"), (Verdict::Fail, "zone_fail"), (Verdict::NotAssessed, "zone_na")]
            {
                let c = verdict_colour(v);
                swatch(out, y, "rect", c, &format!("fill-opacity=\"0.25\" stroke=\"{c}\""), lang.t(key));
                y += line;
            }
            y += line * 0.3;
        }
        let cells = matches!(self.residences, ResidenceMarks::Cells { .. });
        let mark = if cells { "rect" } else { "circle" };
        // Residences on the all-categories view.
        let all_labels: [&str; 5] = if cells {
            ["< 0.5", "0.5–1.5", "1.5–2.5", "2.5–4.5", "≥ 4.5"]
        } else {
            ["0", "1", "2", "3–4", "≥ 5"]
        };
        let _ = write!(out, "<g{} data-cat=\"\">", if interactive { " id=\"legend-all\"" } else { "" });
        let mut ya = y;
        heading(out, ya, lang.t(if cells { "cells_missing" } else { "res_missing" }));
        ya += line;
        for (class, label) in all_labels.iter().enumerate() {
            swatch(out, ya, mark, CLASS_COLOURS[class], "", label);
            ya += line;
        }
        if self.gaps.iter().any(|g| g.largest.is_some()) {
            swatch(
                out,
                ya,
                "rect",
                "none",
                "stroke=\"#7f0000\" stroke-width=\"1.6\" stroke-dasharray=\"4 2\"",
                lang.t("largest_gap_area"),
            );
            ya += line;
        }
        out.push_str("</g>");
        let mut yc = y;
        if interactive {
            // Residences on a one-category view.
            out.push_str("<g id=\"legend-cat\" display=\"none\">");
            heading(out, yc, lang.t(if cells { "cells_uncovered" } else { "residences" }));
            yc += line;
            let cat_labels: Vec<String> = if cells {
                ["0%", "≤ 25%", "25–50%", "50–75%", "> 75%"].map(str::to_owned).to_vec()
            } else {
                vec![lang.t("res_covered").to_owned(), lang.t("res_uncovered").to_owned()]
            };
            for (k, label) in cat_labels.iter().enumerate() {
                let class = if cells { k } else { k * 4 };
                swatch(out, yc, mark, CLASS_COLOURS[class], "", label);
                yc += line;
            }
            swatch(out, yc, "rect", "#d73027", "fill-opacity=\"0.28\" stroke=\"#7f0000\"", lang.t("gap_area"));
            yc += line;
            out.push_str("</g>");
        }
        y = ya.max(yc) + line * 0.3;
        heading(out, y, lang.t("facilities_by_category"));
        y += line;
        let bottom = self.frame[1] + self.frame[3] - line * 0.5;
        let shown: Vec<&CategoryKey> = self.categories.iter().filter(|c| c.facilities > 0).collect();
        for (i, key) in shown.iter().enumerate() {
            if y > bottom && i + 1 < shown.len() {
                let _ = write!(out, "<text x=\"{x}\" y=\"{y}\" fill=\"#222\">… (+{})</text>", shown.len() - i);
                break;
            }
            let text = format!("{} ({})", key.name, lang.count(key.facilities as f64));
            let cat = if interactive { format!(" data-cat=\"{}\"", xml_escape(&key.id)) } else { String::new() };
            let _ = write!(out, "<g{cat}>");
            swatch(out, y, "diamond", key.colour, "", &text);
            out.push_str("</g>");
            y += line;
        }
        out.push_str("</g>");
    }

    fn write_attribution(&self, out: &mut String, interactive: bool) {
        let small = r1((self.font * 0.8).max(8.0));
        let y0 = self.frame[1] + self.frame[3] + small * 1.3;
        let _ = write!(
            out,
            "<text{} x=\"8\" y=\"{}\" font-size=\"{small}\" fill=\"#444\">",
            if interactive { " id=\"attribution\"" } else { " class=\"attribution\"" },
            r1(y0)
        );
        for (i, line) in self.attribution.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"8\" dy=\"{}\">{}</tspan>",
                if i == 0 { 0.0 } else { r1(small * 1.3) },
                xml_escape(line)
            );
        }
        out.push_str("</text>");
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
mod tests {
    use super::*;

    #[test]
    fn nice_lengths() {
        assert_eq!(nice_length(730.0), 500.0);
        assert_eq!(nice_length(2100.0), 2000.0);
        assert_eq!(nice_length(1000.0), 1000.0);
        assert_eq!(nice_length(0.3), 0.2);
    }

    #[test]
    fn classes() {
        assert_eq!([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0].map(missing_class), [0, 1, 2, 3, 3, 4, 4]);
        assert_eq!([0.0, 0.1, 0.25, 0.5, 0.7, 1.0].map(uncovered_class), [0, 1, 1, 2, 3, 4]);
    }

    #[test]
    fn legend_text_fits() {
        assert_eq!(fit("short", 10.0, 100.0), (10.0, "short".to_owned()));
        let (size, text) = fit("Sub-district community service centre (2,000)", 12.0, 200.0);
        assert!((8.6..12.0).contains(&size), "{size}");
        assert!(text_width(&text, size) <= 200.0, "{text} at {size}");
        let (_, cut) = fit("社区服务中心(街道级)社区服务中心(街道级)社区服务中心", 12.0, 100.0);
        assert!(cut.ends_with('…') && text_width(&cut, 12.0 * 0.72) <= 100.0, "{cut}");
    }

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "Data: © OpenStreetMap contributors, ODbL 1.0; 数据来源与版权 社区生活圈缺口报告";
        let lines = wrap(text, 10.0, 120.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 10.0) <= 120.0 + 10.0), "{lines:?}");
        let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined, text.chars().filter(|c| *c != ' ').collect::<String>());
    }
}

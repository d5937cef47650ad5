//! Writing a [`MapScene`] as SVG: the layers (zones, gaps, residences, facilities), the gap
//! labels, the north arrow, the scale bar, the legend and the attribution.

use std::fmt::Write as _;

use super::*;

impl MapScene {
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

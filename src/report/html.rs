//! report.html: one self-contained page (inline CSS, SVG and script; the CJK font inlined as a
//! data: URL; no external address) with the map and its category selector, the coverage chart,
//! the zone indicator table, the largest gap areas and the methods.

use std::fmt::Write as _;

use super::data::ReportData;
use super::i18n::Lang;
use crate::analysis::indicators::Status;
use crate::analysis::{DistanceModel, Judge, Summary, ZoneKind};
use crate::io::load::LayerRole;
use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;

use super::map::{CLASS_COLOURS, MapScene, ResidenceMarks, xml_escape};
use crate::render::png::{EMBEDDED_FONT_MIME, HTML_FONT_FACE};

/// Colours of the coverage chart's series: households and residents, judged model then straight line.
const SERIES_COLOURS: [&str; 4] = ["#2b8cbe", "#7bccc4", "#e6550d", "#fdae6b"];

const CSS: &str = r#"
:root{--ink:#222;--muted:#666;--line:#ddd;--pass:#1b7837;--fail:#c51b7d;--na:#888}
*{box-sizing:border-box}
body{margin:0;font-family:lc-cjk,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--ink);background:#fafaf8;line-height:1.5}
main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.7em;margin:.4em 0 .1em}h2{font-size:1.3em;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:.2em}
.sub{color:var(--muted);margin:0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;margin:14px 0}
.figure{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.figure b{display:block;font-size:1.45em}.figure span{color:var(--muted);font-size:.9em}
.controls{margin:8px 0}select,input{font:inherit;padding:3px 6px}
.map-wrap{background:#fff;border:1px solid var(--line);border-radius:6px;overflow:hidden}
.map-wrap svg{display:block;width:100%;height:auto}
.note{color:var(--muted);font-size:.92em}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.93em}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0ec}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.v-pass{color:var(--pass);font-weight:600}.v-fail{color:var(--fail);font-weight:600}.v-not_assessed{color:var(--na)}
.chart{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px}
.chart svg{display:block;width:100%;height:auto}
dl.methods{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dl.methods dt{font-weight:600}dl.methods dd{margin:0}
ol.sources{font-size:.9em;color:#444}
footer{margin-top:32px;color:var(--muted);font-size:.88em}
"#;

const SCRIPT: &str = r#"
(function(){
  var data = JSON.parse(document.getElementById('map-data').textContent);
  var map = document.getElementById('map');
  var marks = document.getElementById('residences').children;
  var select = document.getElementById('category');
  var note = document.getElementById('category-note');
  function show(el, on){ el.setAttribute('display', on ? 'inline' : 'none'); }
  function view(cat){
    map.setAttribute('data-category', cat);
    var classes = data.classes[cat];
    for (var i = 0; i < marks.length; i++) {
      var k = classes === undefined ? -1 : +classes.charAt(i);
      marks[i].setAttribute('fill', k < 0 ? data.unjudged : data.palette[k]);
    }
    var groups = map.querySelectorAll('#gap-areas > g, .gap-labels');
    for (var g = 0; g < groups.length; g++) show(groups[g], groups[g].getAttribute('data-cat') === cat);
    var fac = document.getElementById('facilities').children;
    for (var f = 0; f < fac.length; f++) show(fac[f], cat === '' || fac[f].getAttribute('data-cat') === cat);
    show(document.getElementById('legend-all'), cat === '');
    show(document.getElementById('legend-cat'), cat !== '');
    var keys = document.querySelectorAll('#legend g[data-cat]');
    for (var l = 0; l < keys.length; l++) {
      var c = keys[l].getAttribute('data-cat');
      if (c !== '') keys[l].setAttribute('opacity', cat === '' || c === cat ? '1' : '0.3');
    }
    note.textContent = cat !== '' && classes === undefined ? data.unjudgedNote : '';
  }
  select.addEventListener('change', function(){ view(select.value); });
  var filter = document.getElementById('zone-filter');
  if (filter) filter.addEventListener('input', function(){
    var q = filter.value.trim().toLowerCase();
    var rows = document.querySelectorAll('#indicators tbody tr');
    for (var r = 0; r < rows.length; r++) {
      var z = rows[r].getAttribute('data-zone') || '';
      rows[r].style.display = q === '' || z.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
    }
  });
  view(select.value);
  document.documentElement.setAttribute('data-ready', '1');
})();
"#;

/// Writes the whole page.
pub fn page(data: &ReportData, scene: &MapScene, lang: Lang, font: Option<&[u8]>) -> String {
    let s = &data.summary;
    let mut out = String::with_capacity(256 * 1024 + scene.residences.len() * 80);
    let profile_name = lang.pick(&s.standard_name_zh, &s.standard_name_en);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"lifecircle {}\"><title>{} · {}</title><style>",
        lang.html_lang(),
        env!("CARGO_PKG_VERSION"),
        xml_escape(lang.t("title")),
        xml_escape(profile_name)
    );
    if let Some(font) = font {
        let _ = write!(
            out,
            "@font-face{{font-family:\"{HTML_FONT_FACE}\";src:url(data:{EMBEDDED_FONT_MIME};base64,{}) format(\"opentype\");}}",
            BASE64_STANDARD.encode(font)
        );
    }
    out.push_str(CSS);
    out.push_str("</style></head><body><main>");
    let _ = write!(
        out,
        "<header><h1>{}</h1><p class=\"sub\">{} ({}) — {}</p></header>",
        xml_escape(lang.t("title")),
        xml_escape(profile_name),
        xml_escape(&s.standard),
        xml_escape(&s.standard_source)
    );
    key_figures(&mut out, s, lang);
    map_section(&mut out, data, scene, lang);
    coverage_section(&mut out, s, lang);
    indicators_section(&mut out, data, lang);
    gaps_section(&mut out, s, lang);
    methods_section(&mut out, data, scene, lang);
    let _ = write!(out, "<footer>{}</footer></main>", xml_escape(&footer(s, lang)));
    let json = map_json(scene, lang);
    let _ = write!(out, "<script id=\"map-data\" type=\"application/json\">{}</script>", json.replace("</", "<\\/"));
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}

fn footer(s: &Summary, lang: Lang) -> String {
    let mut credits = s.attribution.clone();
    credits.push(lang.t("generated_by").to_owned());
    format!("{}: {}", lang.t("data"), credits.join("; "))
}

fn key_figures(out: &mut String, s: &Summary, lang: Lang) {
    out.push_str("<section id=\"figures\" class=\"figures\">");
    let mut fig = |value: String, label: &str| {
        let _ =
            write!(out, "<div class=\"figure\"><b>{}</b><span>{}</span></div>", xml_escape(&value), xml_escape(label));
    };
    fig(lang.count(s.residences as f64), lang.t("residences"));
    fig(lang.count(s.households), lang.t("households"));
    fig(lang.count(s.population), lang.t("population"));
    fig(lang.count(s.facilities as f64), lang.t("facilities"));
    for (tier, share) in
        [("5min", s.complete_share_5min), ("10min", s.complete_share_10min), ("15min", s.complete_share_15min)]
    {
        if let Some(share) = share {
            fig(lang.percent(share), &format!("{} · {}", lang.tier(tier), lang.t("complete")));
        }
    }
    out.push_str("</section>");
}

fn map_section(out: &mut String, data: &ReportData, scene: &MapScene, lang: Lang) {
    let _ = write!(
        out,
        "<section id=\"map-section\"><h2>{}</h2><div class=\"controls\"><label>{} <select id=\"category\">\
         <option value=\"\">{}</option>",
        lang.t("map"),
        lang.t("category"),
        lang.t("all_categories")
    );
    for key in &scene.categories {
        let _ = write!(
            out,
            "<option value=\"{}\">{} ({})</option>",
            xml_escape(&key.id),
            xml_escape(&key.name),
            lang.count(key.facilities as f64)
        );
    }
    let _ = write!(
        out,
        "</select></label> <span id=\"category-note\" class=\"note\"></span></div><div class=\"map-wrap\">{}</div>",
        scene.to_svg(true)
    );
    let drawn = match &scene.residences {
        ResidenceMarks::Points { .. } => lang.t("drawn_points").to_owned(),
        ResidenceMarks::Cells { side_m, .. } => {
            format!("{} {}: {}.", lang.t("drawn_cells"), lang.t("cell_side"), lang.metres(*side_m))
        }
    };
    let gaps = if data.gap_areas.len() > scene.gap_areas_drawn() {
        format!(" {} ({}).", lang.t("gap_areas_shown"), super::map::MAX_GAP_AREAS_PER_CATEGORY)
    } else {
        String::new()
    };
    let _ = write!(out, "<p class=\"note\">{}{}</p></section>", xml_escape(&drawn), xml_escape(&gaps));
}

fn coverage_section(out: &mut String, s: &Summary, lang: Lang) {
    let network = s.distance_model == DistanceModel::Network;
    let _ = write!(
        out,
        "<section id=\"coverage\"><h2>{}</h2><p class=\"note\">{}</p>",
        lang.t("coverage"),
        lang.t("coverage_note")
    );
    let mut series: Vec<String> = vec![lang.t("hh_covered").to_owned(), lang.t("pop_covered").to_owned()];
    if network {
        for s in &mut series {
            *s = format!("{s} ({})", lang.t("network"));
        }
        series.push(format!("{} ({})", lang.t("hh_covered"), lang.t("straight")));
        series.push(format!("{} ({})", lang.t("pop_covered"), lang.t("straight")));
    }
    let (label_w, bar_w, width) = (330.0, 480.0, 900.0);
    let bar_h = 11.0;
    let row_h = series.len() as f64 * (bar_h + 2.0) + 12.0;
    let legend_h = 22.0 * series.len().div_ceil(2) as f64 + 6.0;
    let height = legend_h + row_h * s.categories.len() as f64 + 8.0;
    let _ = write!(
        out,
        "<div class=\"chart\"><svg viewBox=\"0 0 {width} {height}\" role=\"img\" font-size=\"13\" aria-label=\"{}\">",
        xml_escape(lang.t("coverage"))
    );
    for (i, name) in series.iter().enumerate() {
        let (x, y) = (10.0 + (i % 2) as f64 * 440.0, 16.0 + (i / 2) as f64 * 22.0);
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"11\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\" fill=\"#222\">{}</text>",
            y - 10.0,
            SERIES_COLOURS[i],
            x + 20.0,
            xml_escape(name)
        );
    }
    for (row, (_, c)) in s.categories.iter().enumerate() {
        let y0 = legend_h + row as f64 * row_h;
        let name = lang.pick(&c.name_zh, &c.name_en);
        let tier = c.tier.as_deref().map(|t| lang.tier(t)).unwrap_or_default();
        let _ = write!(
            out,
            "<text x=\"10\" y=\"{}\" fill=\"#222\">{}</text><text x=\"10\" y=\"{}\" fill=\"#777\" font-size=\"11\">{}</text>",
            y0 + 14.0,
            xml_escape(name),
            y0 + 28.0,
            xml_escape(&tier)
        );
        let values: Vec<Option<f64>> = if network {
            vec![c.covered_share, c.covered_population_share, c.euclid_covered_share, c.euclid_covered_population_share]
        } else {
            vec![c.covered_share, c.covered_population_share]
        };
        if c.radius_m.is_none() {
            let _ = write!(
                out,
                "<text x=\"{label_w}\" y=\"{}\" fill=\"#777\">{}</text>",
                y0 + 14.0,
                xml_escape(lang.t("not_judged"))
            );
            continue;
        }
        for (i, v) in values.iter().enumerate() {
            let y = y0 + 4.0 + i as f64 * (bar_h + 2.0);
            let v = v.unwrap_or(0.0).clamp(0.0, 1.0);
            let _ = write!(
                out,
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"{bar_h}\" fill=\"#f0f0ec\"/>\
                 <rect class=\"bar\" x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar_h}\" fill=\"{}\"><title>{}: {}</title></rect>\
                 <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#222\">{}</text>",
                bar_w * v,
                SERIES_COLOURS[i],
                xml_escape(&series[i]),
                lang.percent(v),
                label_w + bar_w + 6.0,
                y + bar_h - 1.5,
                lang.percent(v)
            );
        }
    }
    out.push_str("</svg></div></section>");
}

/// The comparison sign of a rule's text (`≥ 0.1` → `≥`).
fn comparison(target: &str) -> &str {
    let end = target.find(|c: char| c.is_ascii_digit() || c == '-').unwrap_or(target.len());
    target[..end].trim()
}

fn indicators_section(out: &mut String, data: &ReportData, lang: Lang) {
    let _ = write!(out, "<section id=\"zone-indicators\"><h2>{}</h2>", lang.t("indicators"));
    let Some(zones) = &data.summary.zones else {
        let _ = write!(out, "<p class=\"note\">{}</p></section>", lang.t("no_indicators"));
        return;
    };
    if zones.indicators.is_empty() {
        let _ = write!(out, "<p class=\"note\">{}</p>", lang.t("no_indicators"));
    }
    let _ = write!(
        out,
        "<div class=\"controls\"><label>{} <input id=\"zone-filter\" type=\"search\"></label></div>\
         <table id=\"indicators\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("filter_zones"),
        lang.t("zone"),
        lang.t("indicator"),
        lang.t("value"),
        lang.t("target"),
        lang.t("verdict"),
        lang.t("source")
    );
    let category_name = |id: &str| {
        let found = data.summary.categories.iter().find(|(c, _)| c == id);
        found.map_or_else(|| id.to_owned(), |(_, c)| lang.pick(&c.name_zh, &c.name_en).to_owned())
    };
    for z in &data.zones {
        let zone = match &z.name {
            Some(n) if n != &z.id => format!("{} {}", z.id, n),
            _ => z.id.clone(),
        };
        for (k, (rule, v)) in zones.indicators.iter().zip(&z.indicators).enumerate() {
            let value = v.value.map(|x| lang.number(x, 4)).unwrap_or_else(|| "—".to_owned());
            let target = match v.target {
                Some(t) => format!("{} {}", comparison(&rule.target), lang.number(t, 4)),
                None => rule.target.clone(),
            };
            let verdict = match v.status {
                Status::Pass => lang.t("pass"),
                Status::Fail => lang.t("fail"),
                Status::NotAssessed => lang.t("not_assessed"),
            };
            let note = match (&v.note, &v.note_text) {
                (Some(n), _) => format!(" ({})", lang.note(n, &category_name)),
                (None, Some(text)) => format!(" ({text})"),
                (None, None) => String::new(),
            };
            let _ = write!(
                out,
                "<tr data-zone=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"v-{}\">{}{}</td><td><a href=\"#src-{}\">[{}]</a></td></tr>",
                xml_escape(&zone),
                xml_escape(&zone),
                xml_escape(lang.pick(&rule.name_zh, &rule.name_en)),
                xml_escape(&value),
                xml_escape(&target),
                xml_escape(v.status.as_str()),
                verdict,
                xml_escape(&note),
                k + 1,
                k + 1
            );
        }
    }
    let _ = write!(out, "</tbody></table><h3>{}</h3><ol class=\"sources\">", lang.t("sources"));
    for (k, rule) in zones.indicators.iter().enumerate() {
        let _ = write!(
            out,
            "<li id=\"src-{}\"><b>{}</b> ({}): {} — {}: {} · {}: {} · {}: {}</li>",
            k + 1,
            xml_escape(lang.pick(&rule.name_zh, &rule.name_en)),
            xml_escape(&rule.target),
            xml_escape(&rule.source),
            lang.t("pass"),
            rule.pass,
            lang.t("fail"),
            rule.fail,
            lang.t("not_assessed"),
            rule.not_assessed
        );
    }
    out.push_str("</ol></section>");
}

fn gaps_section(out: &mut String, s: &Summary, lang: Lang) {
    let _ = write!(out, "<section id=\"gaps\"><h2>{}</h2>", lang.t("largest_gaps"));
    let largest = s.gaps.as_ref().map(|g| g.largest.as_slice()).unwrap_or_default();
    if largest.is_empty() {
        let _ = write!(out, "<p class=\"note\">{}</p>", lang.t("no_gaps"));
    }
    let _ = write!(
        out,
        "<table id=\"largest-gaps\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>lon, lat</th></tr></thead><tbody>",
        lang.t("rank"),
        lang.t("category"),
        lang.t("households"),
        lang.t("population"),
        lang.t("area"),
        lang.t("cells")
    );
    for (i, g) in largest.iter().enumerate() {
        let name = s
            .categories
            .iter()
            .find(|(id, _)| id == &g.category)
            .map_or(g.category.clone(), |(_, c)| lang.pick(&c.name_zh, &c.name_en).to_owned());
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{:.5}, {:.5}</td></tr>",
            i + 1,
            xml_escape(&name),
            lang.count(g.households),
            lang.count(g.population),
            xml_escape(&lang.area(g.area_m2)),
            g.cells,
            g.centroid[0],
            g.centroid[1]
        );
    }
    out.push_str("</tbody></table></section>");
}

fn methods_section(out: &mut String, data: &ReportData, scene: &MapScene, lang: Lang) {
    let s = &data.summary;
    let _ = write!(out, "<section id=\"methods\"><h2>{}</h2><dl class=\"methods\">", lang.t("methods"));
    let item = |out: &mut String, key: &str, value: String| {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", xml_escape(key), xml_escape(&value));
    };
    item(
        out,
        lang.t("profile"),
        format!("{} / {} ({}) — {}", s.standard_name_zh, s.standard_name_en, s.standard, s.standard_source),
    );
    let model =
        if s.distance_model == DistanceModel::Network { lang.t("network_model") } else { lang.t("euclidean_model") };
    item(out, lang.t("distance_model"), model.to_owned());
    item(out, lang.t("detour"), lang.number(s.detour, 2));
    let judge = if s.judge == Judge::Minutes { lang.t("judge_minutes") } else { lang.t("judge_metres") };
    item(out, lang.t("judge"), judge.to_owned());
    {
        let (v, e) = (s.speed_m_s, s.elderly_speed_m_s);
        item(
            out,
            lang.t("speeds"),
            format!(
                "{} {} m/s · {} {} m/s",
                lang.t("speed_all"),
                lang.number(v, 2),
                lang.t("speed_elderly"),
                lang.number(e, 2)
            ),
        );
    }
    if let Some(z) = &s.zones {
        let kind = match z.kind {
            ZoneKind::Layer => lang.t("zones_layer").to_owned(),
            ZoneKind::Grid => {
                format!("{} {}", lang.t("zones_grid"), z.grid_m.map(|m| lang.metres(m)).unwrap_or_default())
            }
            ZoneKind::StudyArea => lang.t("zones_study_area").to_owned(),
        };
        item(out, lang.t("zones_source"), format!("{kind} ({})", lang.count(z.zones as f64)));
    }
    if let Some(g) = &s.gaps {
        item(
            out,
            lang.t("gap_cells"),
            format!("{} {} × {}", lang.count(g.cells as f64), g.cell_shape.as_str(), lang.metres(g.cell_m)),
        );
    }
    let drawn = match scene.cell_side_m() {
        None => lang.t("drawn_points").to_owned(),
        Some(m) => format!("{} {}: {}", lang.t("drawn_cells"), lang.t("cell_side"), lang.metres(m)),
    };
    item(out, lang.t("point_limit"), format!("{} — {drawn}", lang.count(super::map::MAX_POINTS as f64)));
    item(out, lang.t("local_projection"), s.local_projection.clone());
    item(out, lang.t("out_crs"), s.out_crs.clone());
    out.push_str("</dl>");

    // Radii.
    let _ = write!(
        out,
        "<h3>{}</h3><table id=\"radii\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("radii"),
        lang.t("category"),
        lang.t("tier"),
        lang.t("radius"),
        lang.t("walk_radius"),
        lang.t("required"),
        lang.t("facilities")
    );
    for (id, c) in &s.categories {
        let dist = |m: Option<f64>| m.map(|m| lang.metres(m)).unwrap_or_else(|| "—".to_owned());
        let _ = write!(
            out,
            "<tr><td>{} <small>({})</small></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            xml_escape(lang.pick(&c.name_zh, &c.name_en)),
            xml_escape(id),
            xml_escape(&c.tier.as_deref().map(|t| lang.tier(t)).unwrap_or_default()),
            dist(c.radius_m),
            dist(c.walk_radius_m),
            lang.t(if c.required { "yes" } else { "no" }),
            lang.count(c.facilities as f64)
        );
    }
    out.push_str("</tbody></table>");

    // Inputs.
    let _ = write!(
        out,
        "<h3>{}</h3><table id=\"inputs\"><thead><tr><th></th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("inputs"),
        lang.t("file"),
        lang.t("features"),
        lang.t("crs")
    );
    for i in &s.inputs {
        let role = match i.role {
            LayerRole::Residences => lang.t("residences"),
            LayerRole::Services => lang.t("facilities"),
            LayerRole::Zones => lang.t("zones"),
            LayerRole::Network => lang.t("network"),
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            xml_escape(role),
            xml_escape(&i.path),
            lang.count(i.features as f64),
            xml_escape(&i.crs)
        );
    }
    out.push_str("</tbody></table>");

    // Dropped and unreachable.
    let _ = write!(out, "<h3>{}</h3><ul id=\"dropped\">", lang.t("dropped"));
    let mut any = false;
    let mut li = |out: &mut String, text: String| {
        any = true;
        let _ = write!(out, "<li>{}</li>", xml_escape(&text));
    };
    if !s.unknown_categories.is_empty() {
        let list: Vec<String> = s.unknown_categories.iter().map(|(k, n)| format!("'{k}' ×{n}")).collect();
        let total: usize = s.unknown_categories.values().sum();
        li(out, format!("{}: {} ({})", lang.t("unknown_categories"), lang.count(total as f64), list.join(", ")));
    }
    if let Some(n) = &s.network {
        for (key, count) in
            [("unreachable_res", n.unreachable_residences), ("unreachable_fac", n.unreachable_facilities)]
        {
            if count > 0 {
                li(out, format!("{} (> {}): {}", lang.t(key), lang.metres(n.max_snap_m), lang.count(count as f64)));
            }
        }
        if n.build.components_dropped > 0 {
            li(
                out,
                format!(
                    "{} (< {}): {} — {} / {}",
                    lang.t("components_dropped"),
                    n.min_component,
                    lang.count(n.build.components_dropped as f64),
                    lang.count(n.build.nodes_dropped as f64),
                    lang.count(n.build.edges_dropped as f64)
                ),
            );
        }
        if n.not_walkable > 0 {
            li(out, format!("{}: {}", lang.t("not_walkable"), lang.count(n.not_walkable as f64)));
        }
    }
    if let Some(z) = &s.zones {
        if z.residences_unassigned > 0 {
            li(out, format!("{}: {}", lang.t("unassigned_res"), lang.count(z.residences_unassigned as f64)));
        }
        if z.facilities_unassigned > 0 {
            li(out, format!("{}: {}", lang.t("unassigned_fac"), lang.count(z.facilities_unassigned as f64)));
        }
        for o in &z.overlaps {
            li(out, format!("{}: {} / {} ({})", lang.t("overlaps"), o.zone, o.other, lang.count(o.points as f64)));
        }
    }
    if !any {
        let _ = write!(out, "<li>{}</li>", lang.t("nothing_dropped"));
    }
    out.push_str("</ul>");
    let _ = write!(out, "<h3>{}</h3><ul id=\"credits\">", lang.t("attribution"));
    for a in &s.attribution {
        let _ = write!(out, "<li>{}</li>", xml_escape(a));
    }
    out.push_str("</ul></section>");
}

/// The map's data for the script: each view's mark classes as a digit string.
fn map_json(scene: &MapScene, lang: Lang) -> String {
    let digits = |v: &[u8]| v.iter().map(|c| char::from(b'0' + (*c).min(4))).collect::<String>();
    let mut classes = serde_json::Map::new();
    classes.insert(String::new(), digits(&scene.class_all).into());
    for (key, cls) in scene.categories.iter().zip(&scene.class_by_category) {
        if let Some(cls) = cls {
            classes.insert(key.id.clone(), digits(cls).into());
        }
    }
    serde_json::json!({
        "palette": CLASS_COLOURS,
        "unjudged": "#bbbbbb",
        "unjudgedNote": lang.t("category_has_no_radius"),
        "classes": classes,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_sign() {
        assert_eq!(comparison("≥ 0.1"), "≥");
        assert_eq!(comparison("≤ 300"), "≤");
        assert_eq!(comparison("80–100 %"), "");
    }
}

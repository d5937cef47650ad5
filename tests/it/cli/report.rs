//! `--report` and `lifecircle report`: a self-contained report.html and map.svg in both
//! languages, the network report's charts, and errors that name the file, feature and field.

use super::network::write_network_fixture;
use crate::common::{assert_success, fixture, lifecircle, read_json, run_analyze, temp_dir};

/// The text of every element `<tag ...>` … `</tag>` (no nesting of the same tag).
fn inner_texts<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let (Some(gt), Some(end)) = (after.find('>'), after.find(&close)) else { break };
        out.push(&after[gt + 1..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// Checks an SVG is well-formed XML and returns the ids it defines.
fn svg_ids(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut ids = Vec::new();
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                if let Some(a) = e.try_get_attribute("id").unwrap() {
                    ids.push(a.value.to_string());
                }
            }
            _ => {}
        }
    }
    ids
}

#[test]
fn report_is_self_contained_in_both_languages_and_the_report_command_rebuilds_it() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let zones = fixture("helsinki_zones.geojson");
    let o = lifecircle()
        .args(["analyze", "--report", "--lang", "en", "--map-size", "1000x700", "-q", "--zones"])
        .arg(&zones)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    // Self-contained: nothing is fetched (the OSM copyright address is text, not a link target).
    for fetch in ["src=\"http", "href=\"http", "url(http", "url(//", "@import", "<link", "<iframe"] {
        assert!(!html.contains(fetch), "report.html loads an external resource: {fetch}");
    }
    for id in
        ["map", "category", "zones", "gap-areas", "residences", "facilities", "legend", "scale-bar", "north-arrow"]
    {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    assert!(html.contains("id=\"attribution\"") && html.contains("© OpenStreetMap contributors"));
    // Every residence drawn (100 ≤ the point limit), every facility with its category.
    let residences = html.split("id=\"residences\"").nth(1).unwrap().split("</g>").next().unwrap();
    assert_eq!(residences.matches("<circle").count(), 100);
    let facilities = html.split("id=\"facilities\"").nth(1).unwrap().split("</g>").next().unwrap();
    assert_eq!(facilities.matches("data-cat=").count(), 54);
    // One option per category plus "all"; the chart has two bars per judged category.
    let summary = read_json(&out.join("summary.json"));
    let cats = summary["categories"].as_object().unwrap();
    let judged = cats.values().filter(|c| !c["radius_m"].is_null()).count();
    assert_eq!(html.matches("<option").count(), cats.len() + 1);
    assert_eq!(html.matches("class=\"bar\"").count(), 2 * judged);
    // Indicator rows: 3 zones × the profile's indicators; the largest gaps: ten rows.
    let indicators = summary["zones"]["indicators"].as_array().unwrap().len();
    assert_eq!(html.matches("<tr data-zone=").count(), 3 * indicators);
    let gaps_table = html.split("id=\"largest-gaps\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(gaps_table.matches("<tr>").count(), 1 + 10);
    assert!(html.contains("id=\"methods\""));
    // English headings are English.
    for h in inner_texts(&html, "h2").into_iter().chain(inner_texts(&html, "h3")) {
        assert!(h.is_ascii(), "English report heading in another script: {h}");
    }
    // map.svg: well-formed, with legend, scale bar, north arrow and attribution, at the size asked.
    let svg = std::fs::read_to_string(out.join("map.svg")).unwrap();
    assert!(svg.contains("viewBox=\"0 0 1000 700\""));
    svg_ids(&svg);
    for class in ["legend", "scale-bar", "north-arrow", "attribution"] {
        assert!(svg.contains(&format!("class=\"{class}\"")), "map.svg has no {class}");
    }
    // The HTML's map is well-formed SVG too.
    let map = html.split("<div class=\"map-wrap\">").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(svg_ids(map).contains(&"legend-cat".to_owned()));

    // `lifecircle report` rebuilds the same page from the files; in Chinese it speaks Chinese.
    let o = lifecircle().args(["report", "--lang", "en", "--map-size", "1000x700", "-q"]).arg(&out).output().unwrap();
    assert_success(&o);
    assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), html);
    assert_eq!(std::fs::read_to_string(out.join("map.svg")).unwrap(), svg);
    let o = lifecircle().args(["report", "--lang", "zh"]).arg(&out).output().unwrap();
    assert_success(&o);
    let zh = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    for text in ["图例", "社区卫生服务站", "城市居住区规划设计标准", "最大缺口区域", "方法与数据"]
    {
        assert!(zh.contains(text), "zh report lacks {text}");
    }
}

#[test]
fn network_report_charts_straight_line_and_network_coverage() {
    let dir = temp_dir();
    let (res, svc, net) = write_network_fixture(dir.path());
    let out = dir.path().join("out");
    let o = run_analyze(
        &res,
        &svc,
        &out,
        &["--network", net.to_str().unwrap(), "--min-component", "1", "--report", "--lang", "en"],
    );
    assert_success(&o);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let summary = read_json(&out.join("summary.json"));
    let judged = summary["categories"].as_object().unwrap().values().filter(|c| !c["radius_m"].is_null()).count();
    assert_eq!(
        html.matches("class=\"bar\"").count(),
        4 * judged,
        "households and residents, network and straight line"
    );
    assert!(html.contains("Households covered (straight line)"));
    // The unreachable residence is listed among what was dropped.
    let dropped = html.split("id=\"dropped\"").nth(1).unwrap().split("</ul>").next().unwrap();
    assert!(dropped.contains("unreachable"), "{dropped}");
}

#[test]
fn report_errors_name_the_file_the_feature_and_the_field() {
    let dir = temp_dir();
    let o = lifecircle().arg("report").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("summary.json") && err.contains("no such file"), "{err}");

    let out = dir.path().join("out");
    assert!(lifecircle().args(["analyze", "-q", "--out"]).arg(&out).output().unwrap().status.success());
    for (flag, value) in [("--lang", "fr"), ("--map-size", "10x10"), ("--map-size", "big")] {
        let o = lifecircle().arg("report").arg(&out).args([flag, value]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(flag), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // A households layer whose ok_ field is not true/false.
    let path = out.join("households.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"ok_market\":true", "\"ok_market\":\"yes\"", 1)).unwrap();
    let o = lifecircle().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("households.geojson") && err.contains("ok_market") && err.contains("feature"), "{err}");
    assert!(!out.join("report.html").exists(), "no report is left behind after an error");
}

#[test]
fn zone_notes_are_written_as_codes_and_read_in_the_report_language() {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = lifecircle()
        .args(["analyze", "--report", "-q", "--standard", "tianjin-2022", "--zones"])
        .arg(fixture("helsinki_zones.geojson"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&o);
    // Every note in the zones layer has its code and arguments beside the English sentence.
    let zones = crate::common::features(&out.join("zones.geojson"));
    let mut codes = std::collections::BTreeSet::new();
    for z in &zones {
        let p = z["properties"].as_object().unwrap();
        for (k, v) in p.iter().filter(|(k, _)| k.ends_with("_note_code")) {
            let stem = k.trim_end_matches("_note_code");
            let (note, args) = (&p[&format!("{stem}_note")], &p[&format!("{stem}_note_args")]);
            assert_eq!(v.is_null(), note.is_null(), "{k}");
            assert_eq!(v.is_null(), args.is_null(), "{k}");
            if let Some(code) = v.as_str() {
                codes.insert(code.to_owned());
                let args: serde_json::Value = serde_json::from_str(args.as_str().unwrap()).unwrap();
                assert!(args.is_object(), "{k}: {args}");
            }
        }
    }
    assert!(codes.len() >= 4, "{codes:?}");
    // The Chinese report reads them in Chinese, with the profile's category names.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("本区域缺少 social_orgs 属性"), "no Chinese note");
    assert!(!html.contains("the zone has no"), "an English note in the Chinese report");
    assert!(!html.contains("本区域没有community_service设施"), "a category id instead of its name");
    // The English report rebuilt from the same folder reads the English sentences.
    let o = lifecircle().args(["report", "-q", "--lang", "en"]).arg(&out).output().unwrap();
    assert_success(&o);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("the zone has no social_orgs attribute"), "no English note");
}

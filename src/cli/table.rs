//! Plain-text tables for the terminal (the summary after `analyze`, `standards list` and
//! `standards show`), aligned with Chinese characters counted as two columns; shares are
//! fractions in files, percentages here.

use std::fmt::Write as _;

use lifecircle::Summary;
use lifecircle::standards::{AppliesTo, Origin, StandardProfile};

/// Display columns that `standards show` wraps its sources and notes at.
const TEXT_WIDTH: usize = 100;

/// Display width of a string: CJK and full-width characters count two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_owned();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

/// `text` wrapped at [`TEXT_WIDTH`] display columns, the first line starting with `first`, the
/// others indented by `indent` spaces. Breaks at spaces; a word wider than a line (Chinese text
/// has no spaces) is broken between characters.
fn wrap(first: &str, text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut fresh = true; // nothing but the lead-in on this line yet
    for word in text.split_whitespace() {
        let sep = usize::from(!fresh);
        if !fresh && width(&line) + sep + width(word) > TEXT_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        for ch in word.chars() {
            let w = width(ch.encode_utf8(&mut [0; 4]));
            if width(&line) + w > TEXT_WIDTH && width(&line) > indent {
                out.push_str(&line);
                out.push('\n');
                line = " ".repeat(indent);
            }
            line.push(ch);
        }
        fresh = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn render_rows(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| width(s)).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().enumerate().map(|(c, s)| pad(s, widths[c])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The summary as a table for the terminal.
pub(crate) fn summary_table(s: &Summary) -> String {
    let mut out = String::new();
    let network = s.network.as_ref();
    match network {
        None => {
            let _ = writeln!(out, "standard {} · straight-line distance · detour {}", s.standard, s.detour);
        }
        Some(_) => {
            let _ = writeln!(
                out,
                "standard {} · network distance · judged by {} · walking {} m/s (elderly {} m/s)",
                s.standard,
                s.judge.as_str(),
                s.speed_m_s,
                s.elderly_speed_m_s
            );
        }
    }
    let _ = writeln!(
        out,
        "{} residences · {} households · {} residents · {} facilities\n",
        thousands(s.residences as f64),
        thousands(s.households),
        thousands(s.population),
        thousands(s.facilities as f64)
    );
    if let Some(n) = network {
        let _ = writeln!(
            out,
            "network: {} nodes, {} edges; {} small components dropped ({} nodes); unreachable (> {} m from the network): {} residences, {} facilities; median detour {}\n",
            thousands(n.build.nodes as f64),
            thousands(n.build.edges as f64),
            n.build.components_dropped,
            n.build.nodes_dropped,
            n.max_snap_m,
            n.unreachable_residences,
            n.unreachable_facilities,
            s.median_detour.map_or_else(|| "–".into(), |d| format!("{d:.2}")),
        );
    }
    let mut header =
        vec!["category", "名称", "tier", "radius", "facilities", "households covered", "residents covered"];
    if network.is_some() {
        header.push("straight line");
        header.push("median detour");
    }
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for (id, c) in &s.categories {
        let facilities = if c.serving_facilities > c.facilities {
            format!("{} (+{})", c.facilities, c.serving_facilities - c.facilities)
        } else {
            c.facilities.to_string()
        };
        let mut row = vec![
            format!("{id}{}", if c.required { "" } else { " *" }),
            c.name_zh.clone(),
            c.tier.clone().unwrap_or_else(|| "–".into()),
            c.radius_m.map_or_else(|| "–".into(), |r| format!("{r:.0} m")),
            facilities,
            pct(c.covered_share),
            pct(c.covered_population_share),
        ];
        if network.is_some() {
            row.push(pct(c.euclid_covered_share));
            row.push(c.median_detour.map_or_else(|| "–".into(), |d| format!("{d:.2}")));
        }
        rows.push(row);
    }
    out.push_str(&render_rows(&rows));
    let _ = writeln!(
        out,
        "\n* not required · (+n) facilities of other categories that also serve it{}\n\
         complete life circles (share of households): 5-minute {}, 10-minute {}, 15-minute {}",
        if network.is_some() {
            " · straight line: households within the radius as the crow flies · detour: network ÷ straight line"
        } else {
            ""
        },
        pct(s.complete_share_5min),
        pct(s.complete_share_10min),
        pct(s.complete_share_15min)
    );
    out
}

/// One line per built-in profile: id, names, the profile it extends and how many zone
/// indicators it asks for (`standards show ID` prints the sources).
pub(crate) fn profile_list(profiles: &[StandardProfile]) -> String {
    let mut rows = vec![["id", "名称", "name", "extends", "indicators"].map(String::from).to_vec()];
    rows.extend(profiles.iter().map(|p| {
        vec![
            p.id.clone(),
            p.name_zh.clone(),
            p.name_en.clone(),
            p.extends.clone().unwrap_or_else(|| "–".into()),
            p.indicators.len().to_string(),
        ]
    }));
    let mut out = render_rows(&rows);
    out.push_str("\n`lifecircle standards show ID` prints every rule of a profile with its source.\n");
    out
}

/// Every tier and category of a profile with its numbers and source.
pub(crate) fn profile_table(p: &StandardProfile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} / {}", p.id, p.name_zh, p.name_en);
    out.push_str(&wrap("source: ", &p.source, 8));
    if let Some(base) = &p.extends {
        let _ = writeln!(out, "extends: {base} (its tiers, categories and indicators, with this profile's changes)");
        for (what, origins) in [
            ("tiers", p.tiers.iter().map(|t| (t.id.as_str(), p.tier_origin(&t.id))).collect::<Vec<_>>()),
            ("categories", p.categories.iter().map(|c| (c.id.as_str(), p.category_origin(&c.id))).collect()),
        ] {
            let of = |o: Origin| origins.iter().filter(|(_, x)| *x == o).map(|(id, _)| *id).collect::<Vec<_>>();
            let (inherited, changed, own) = (of(Origin::Inherited), of(Origin::Overridden), of(Origin::Own));
            let mut parts = vec![format!("{} inherited", inherited.len())];
            if !changed.is_empty() {
                parts.push(format!("overridden: {}", changed.join(", ")));
            }
            if !own.is_empty() {
                parts.push(format!("own: {}", own.join(", ")));
            }
            let _ = writeln!(out, "  {what}: {}", parts.join("; "));
        }
    }
    out.push('\n');
    let _ = writeln!(out, "tiers:");
    let mut rows = vec![["id", "名称", "name", "walk", "source"].map(String::from).to_vec()];
    for t in &p.tiers {
        rows.push(vec![
            t.id.clone(),
            t.name_zh.clone(),
            t.name_en.clone(),
            t.walk_m.map_or_else(|| "–".into(), |w| format!("{w:.0} m")),
            t.source.clone(),
        ]);
    }
    out.push_str(&render_rows(&rows));
    let _ = writeln!(out, "\ncategories (radii are walking distances; straight-line radius = radius ÷ --detour):");
    let mut rows = vec![
        ["id", "名称", "name", "tier", "radius", "required", "cohort", "also serves", "shp code"]
            .map(String::from)
            .to_vec(),
    ];
    for (i, c) in p.categories.iter().enumerate() {
        rows.push(vec![
            c.id.clone(),
            c.name_zh.clone(),
            c.name_en.clone(),
            c.tier.clone().unwrap_or_else(|| "–".into()),
            c.radius_m.map_or_else(|| "none".into(), |r| format!("{r:.0} m")),
            if c.required { "yes".into() } else { "no".into() },
            c.cohort.as_str().into(),
            if c.also_serves.is_empty() { "–".into() } else { c.also_serves.join(", ") },
            p.dbf_code(i),
        ]);
    }
    out.push_str(&render_rows(&rows));
    let _ = writeln!(out, "\nsources and notes (every radius is configurable in a user profile):");
    for c in &p.categories {
        out.push_str(&wrap(&format!("  {}: ", c.id), &c.source, 6));
        if let Some(n) = &c.note {
            out.push_str(&wrap("    note: ", n, 10));
        }
        if !c.aliases.is_empty() {
            out.push_str(&wrap("    aliases: ", &c.aliases.join(", "), 13));
        }
    }
    out.push_str(&indicator_section(p));
    out
}

/// The zone indicators of a profile: a table of targets, then each rule's measure, source and note.
fn indicator_section(p: &StandardProfile) -> String {
    let mut out = String::new();
    if p.indicators.is_empty() {
        let _ = writeln!(out, "\nzone indicators: none");
        return out;
    }
    let _ = writeln!(out, "\nzone indicators (per zone; shares are fractions 0–1; every number is configurable):");
    let mut header = ["id", "名称", "target", "unit", "zones"].map(String::from).to_vec();
    if p.extends.is_some() {
        header.push("origin".into());
    }
    let mut rows = vec![header];
    for r in &p.indicators {
        let mut row = vec![
            r.id.as_str().to_owned(),
            r.name_zh.clone(),
            r.target_text(),
            r.unit.clone().unwrap_or_else(|| if r.id.is_share() { "share".into() } else { "–".into() }),
            r.applies_to.as_str().to_owned(),
        ];
        if p.extends.is_some() {
            row.push(p.indicator_origin(r.id).as_str().to_owned());
        }
        rows.push(row);
    }
    out.push_str(&render_rows(&rows));
    if let Some(base) = &p.extends {
        let _ =
            writeln!(out, "origin: own = this profile's rule; inherited from {base}, or overridden by this profile");
    }
    let _ = writeln!(out, "\nindicator sources and notes:");
    for r in &p.indicators {
        out.push_str(&wrap("  ", &format!("{} — {} / {}", r.id.as_str(), r.name_zh, r.name_en), 4));
        let mut measures = Vec::new();
        let categories = r.category_ids();
        if !categories.is_empty() {
            measures.push(categories.join(", "));
        }
        let near = r.near_ids();
        if !near.is_empty() {
            let within = r.distance().map_or_else(String::new, |d| format!(" within {d} m"));
            measures.push(format!("with {}{within}", near.join(" or ")));
        }
        if r.id == lifecircle::standards::IndicatorId::OpenHoursShare {
            measures.push(format!("open ≥ {} h a day", r.hours()));
        }
        if !measures.is_empty() {
            out.push_str(&wrap("    measures: ", &measures.join("; "), 14));
        }
        let mut zones: Vec<String> = [("urban", r.min_households), ("rural", r.min_households_rural)]
            .into_iter()
            .filter_map(|(kind, n)| n.map(|n| format!("{kind} zones of ≥ {n} households")))
            .collect();
        if zones.is_empty() && r.applies_to != AppliesTo::All {
            zones.push(format!("{} zones only", r.applies_to.as_str()));
        }
        if !zones.is_empty() {
            out.push_str(&wrap("    applies to: ", &zones.join(", "), 16));
        }
        out.push_str(&wrap("    source: ", &r.source, 12));
        if let Some(n) = &r.note {
            out.push_str(&wrap("    note: ", n, 10));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifecircle::standards::BUILT_IN;

    #[test]
    fn wrap_keeps_every_word_and_the_width() {
        let text = "a fairly long sentence ".repeat(12) + &"长".repeat(80);
        let out = wrap("    source: ", &text, 12);
        assert!(out.lines().all(|l| width(l) <= TEXT_WIDTH), "{out}");
        assert!(out.lines().skip(1).all(|l| l.starts_with(&" ".repeat(12))), "{out}");
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(words[..2], ["source:", "a"]);
        assert_eq!(words.concat().matches('长').count(), 80);
        assert_eq!(words.concat().matches("sentence").count(), 12);
    }

    #[test]
    fn every_indicator_rule_is_shown_with_its_source_and_note() {
        for id in BUILT_IN {
            let p = StandardProfile::built_in(id).unwrap();
            let shown = profile_table(&p).split_whitespace().collect::<Vec<_>>().join(" ");
            for r in &p.indicators {
                let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(shown.contains(&collapse(&r.source)), "{id}: {}", r.id.as_str());
                assert!(shown.contains(&r.target_text()), "{id}: {}", r.id.as_str());
                assert!(r.note.as_deref().is_none_or(|n| shown.contains(&collapse(n))), "{id}: {}", r.id.as_str());
            }
        }
    }
}

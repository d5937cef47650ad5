//! Plain-text tables for the terminal, aligned with Chinese characters counted as two columns.

use std::fmt::Write as _;

use crate::analysis::Summary;
use crate::standards::StandardProfile;

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
pub fn summary_table(s: &Summary) -> String {
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
                s.standard, s.judge, s.speed_m_s, s.elderly_speed_m_s
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

/// One line per built-in profile.
pub fn profile_list(profiles: &[StandardProfile]) -> String {
    let rows: Vec<Vec<String>> =
        profiles.iter().map(|p| vec![p.id.clone(), p.name_zh.clone(), p.name_en.clone(), p.source.clone()]).collect();
    render_rows(&rows)
}

/// Every tier and category of a profile with its numbers and source.
pub fn profile_table(p: &StandardProfile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} / {}\nsource: {}", p.id, p.name_zh, p.name_en, p.source);
    if let Some(base) = &p.extends {
        let _ = writeln!(out, "extends: {base} (its tiers and categories, with the changes above)");
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
        let _ = writeln!(out, "  {}: {}", c.id, c.source);
        if let Some(n) = &c.note {
            let _ = writeln!(out, "    note: {n}");
        }
        if !c.aliases.is_empty() {
            let _ = writeln!(out, "    aliases: {}", c.aliases.join(", "));
        }
    }
    out
}

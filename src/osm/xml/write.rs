//! Writing a kept [`Osm`] back as OpenStreetMap XML 0.6 (for cutting small test extracts);
//! coordinates as the shortest exact decimal of their nanodegrees.

use std::io::Write;

use crate::osm::read::{Kind, Osm, Tags};

/// Formats nanodegrees as the shortest exact decimal (`60171234500` → `60.1712345`).
pub(super) fn format_nanodegrees(nano: i64) -> String {
    let sign = if nano < 0 { "-" } else { "" };
    let abs = nano.unsigned_abs();
    let frac = format!("{:09}", abs % 1_000_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", abs / 1_000_000_000)
    } else {
        format!("{sign}{}.{frac}", abs / 1_000_000_000)
    }
}

fn escape(s: &str) -> String {
    let escaped = quick_xml::escape::escape(s);
    // Keep line breaks and tabs through attribute-value normalisation.
    escaped.replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

/// Writes `osm` as OpenStreetMap XML 0.6: every node with coordinates (with its tags when it
/// has any), then the ways and relations, each by id. Coordinates are written as exact decimals
/// of their nanodegrees, so [`super::read_xml`] gives them back bit-identical.
pub fn write_xml(osm: &Osm, generator: &str, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<osm version=\"0.6\" generator=\"{}\">", escape(generator))?;
    let write_tags = |out: &mut dyn Write, tags: &Tags| -> std::io::Result<()> {
        for (k, v) in tags {
            writeln!(out, "    <tag k=\"{}\" v=\"{}\"/>", escape(k), escape(v))?;
        }
        Ok(())
    };
    for (id, c) in osm.coords.iter() {
        let lon = format_nanodegrees((c.x * 1e9).round() as i64);
        let lat = format_nanodegrees((c.y * 1e9).round() as i64);
        match osm.tagged_nodes.get(&id).filter(|t| !t.is_empty()) {
            Some(tags) => {
                writeln!(out, "  <node id=\"{id}\" lat=\"{lat}\" lon=\"{lon}\">")?;
                write_tags(out, tags)?;
                writeln!(out, "  </node>")?;
            }
            None => writeln!(out, "  <node id=\"{id}\" lat=\"{lat}\" lon=\"{lon}\"/>")?,
        }
    }
    for (id, w) in &osm.ways {
        writeln!(out, "  <way id=\"{id}\">")?;
        for r in &w.refs {
            writeln!(out, "    <nd ref=\"{r}\"/>")?;
        }
        write_tags(out, &w.tags)?;
        writeln!(out, "  </way>")?;
    }
    for (id, r) in &osm.relations {
        writeln!(out, "  <relation id=\"{id}\">")?;
        for m in &r.members {
            let kind = match m.kind {
                Kind::Node => "node",
                Kind::Way => "way",
                Kind::Relation => "relation",
            };
            writeln!(out, "    <member type=\"{kind}\" ref=\"{}\" role=\"{}\"/>", m.id, escape(&m.role))?;
        }
        write_tags(out, &r.tags)?;
        writeln!(out, "  </relation>")?;
    }
    writeln!(out, "</osm>")
}

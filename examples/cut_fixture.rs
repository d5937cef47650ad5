//! Cuts a small OpenStreetMap XML extract out of a larger extract (PBF or XML), for test
//! fixtures.
//!
//! ```text
//! cargo run --release --example cut_fixture -- \
//!     --in data/source/Helsinki.osm.pbf \
//!     --bbox 24.9356,60.1644,24.9416,60.1674 \
//!     --out tests/fixtures/helsinki-kamppi.osm
//! ```
//!
//! Keeps every node inside the box (west,south,east,north in degrees), every way with a node
//! inside it (whole, with all its nodes: "complete ways"), and every relation with a member
//! kept; multipolygon relations get all their member ways, so their areas can be assembled.
//! Other relations keep only the members inside (the rest are clipped, as in any extract).
//! Elements are written sorted by id with exact coordinates, so the cut is reproducible: the
//! same input and box give the same bytes (see tests/fixtures/README.md).
//!
//! Data: © OpenStreetMap contributors, ODbL 1.0 (<https://www.openstreetmap.org/copyright>).

use std::collections::BTreeSet;
use std::error::Error;
use std::path::PathBuf;

use lifecircle::internals::{Coords, Kind};
use lifecircle::osm::{KeepAll, Osm, read_osm, write_xml};

fn parse_bbox(s: &str) -> Result<[f64; 4], Box<dyn Error>> {
    let v: Vec<f64> = s.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>()?;
    match v.as_slice() {
        &[w, s, e, n] if w < e && s < n => Ok([w, s, e, n]),
        _ => Err(format!("--bbox {s}: expected west,south,east,north").into()),
    }
}

/// The part of `osm` in `bbox` by the rules of the module doc.
fn clip(osm: &Osm, [w, s, e, n]: [f64; 4]) -> Osm {
    let inside: BTreeSet<i64> =
        osm.coords.iter().filter(|(_, c)| c.x >= w && c.x <= e && c.y >= s && c.y <= n).map(|(id, _)| id).collect();
    let mut ways: BTreeSet<i64> =
        osm.ways.iter().filter(|(_, way)| way.refs.iter().any(|r| inside.contains(r))).map(|(&id, _)| id).collect();
    let mut out = Osm { counts: osm.counts, ..Osm::default() };
    for (&id, r) in &osm.relations {
        let kept = r.members.iter().any(|m| match m.kind {
            Kind::Node => inside.contains(&m.id),
            Kind::Way => ways.contains(&m.id),
            Kind::Relation => false,
        });
        if !kept {
            continue;
        }
        let mut r = r.clone();
        if r.tags.get("type").map(String::as_str) == Some("multipolygon") {
            ways.extend(r.members.iter().filter(|m| m.kind == Kind::Way && osm.ways.contains_key(&m.id)).map(|m| m.id));
        } else {
            r.members.retain(|m| match m.kind {
                Kind::Node => inside.contains(&m.id),
                Kind::Way => ways.contains(&m.id),
                Kind::Relation => false,
            });
        }
        out.relations.insert(id, r);
    }
    for id in &ways {
        if let Some(way) = osm.ways.get(id) {
            out.ways.insert(*id, way.clone());
        }
    }
    let mut nodes: BTreeSet<i64> = out.ways.values().flat_map(|w| w.refs.iter().copied()).collect();
    nodes.extend(inside.iter().filter(|id| osm.tagged_nodes.contains_key(id)));
    out.coords = Coords::from_pairs(nodes.iter().filter_map(|id| osm.coords.get(id).map(|c| (*id, *c))).collect());
    for id in &nodes {
        if let Some(tags) = osm.tagged_nodes.get(id) {
            out.tagged_nodes.insert(*id, tags.clone());
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let (mut input, mut bbox, mut out) = (None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--in" => input = Some(PathBuf::from(value)),
            "--bbox" => bbox = Some(parse_bbox(&value)?),
            "--out" => out = Some(PathBuf::from(value)),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let usage = "usage: cut_fixture --in EXTRACT --bbox west,south,east,north --out FILE.osm";
    let (Some(input), Some(bbox), Some(out)) = (input, bbox, out) else {
        return Err(usage.into());
    };
    let osm = read_osm(&input, &KeepAll, &lifecircle::NoProgress)?;
    let cut = clip(&osm, bbox);
    let mut text = Vec::new();
    write_xml(&cut, "lifecircle cut_fixture", &mut text)?;
    std::fs::write(&out, &text).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "wrote {}: {} nodes, {} ways, {} relations, {} bytes",
        out.display(),
        cut.coords.len(),
        cut.ways.len(),
        cut.relations.len(),
        text.len()
    );
    Ok(())
}

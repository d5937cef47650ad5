//! The walkable ways as lines split at the nodes they share, ready for `--network`.

use std::collections::HashMap;

use geo::{Coord, LineString};

use super::read::{Osm, Tags};

/// `highway=*` values a person may walk along: footways, paths, pedestrian streets, steps,
/// living streets, residential, service and unclassified roads, tertiary roads and up (but not
/// motorways), cycleways and tracks, and a few pedestrian structures. Any way tagged
/// `foot=no|private`, or `access=no|private` without a `foot` permission, is left out.
pub const WALKABLE_HIGHWAYS: [&str; 24] = [
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "trunk",
    "trunk_link",
    "cycleway",
    "track",
    "road",
    "corridor",
    "bridleway",
    "platform",
    "crossing",
    "elevator",
];

/// Whether a way is walkable by the rules of [`WALKABLE_HIGHWAYS`].
pub fn is_walkable(tags: &Tags) -> bool {
    let tag = |k: &str| tags.get(k).map(String::as_str);
    let Some(highway) = tag("highway") else { return false };
    if !WALKABLE_HIGHWAYS.contains(&highway) {
        return false;
    }
    match tag("foot") {
        Some("no" | "private" | "use_sidepath") => false,
        Some(_) => true,
        None => !matches!(tag("access"), Some("no" | "private")),
    }
}

/// One walkable line.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// `w<id>` for a way kept whole, `w<id>.<k>` (k from 1) for its pieces.
    pub id: String,
    /// The `highway` value.
    pub highway: String,
    /// The `oneway:foot` value, when tagged.
    pub oneway_foot: Option<String>,
    /// The line, WGS84.
    pub line: LineString<f64>,
}

/// Counts from building the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Walkable ways.
    pub ways: usize,
    /// Ways cut short by the extract's edge (missing nodes).
    pub clipped: usize,
}

/// The walkable ways, split at every node shared with another walkable way (or visited twice by
/// the same way) and where nodes are missing; in way-id order.
pub fn network(osm: &Osm) -> (Vec<Segment>, NetworkStats) {
    let walkable: Vec<(i64, &super::read::Way)> =
        osm.ways.iter().filter(|(_, w)| is_walkable(&w.tags)).map(|(&id, w)| (id, w)).collect();
    let mut uses: HashMap<i64, u32> = HashMap::new();
    for (_, w) in &walkable {
        for (i, r) in w.refs.iter().enumerate() {
            // A closed way's last node is its first: count it once.
            if i + 1 == w.refs.len() && i > 0 && w.refs.first() == Some(r) {
                continue;
            }
            *uses.entry(*r).or_default() += 1;
        }
    }
    let mut stats = NetworkStats { ways: walkable.len(), clipped: 0 };
    let mut out = Vec::new();
    for (id, w) in walkable {
        let mut pieces: Vec<Vec<Coord<f64>>> = vec![Vec::new()];
        let mut clipped = false;
        let last = w.refs.len().saturating_sub(1);
        for (i, r) in w.refs.iter().enumerate() {
            let Some(&c) = osm.coords.get(r) else {
                clipped = true;
                pieces.push(Vec::new());
                continue;
            };
            let current = pieces.last_mut();
            if let Some(p) = current {
                p.push(c);
                if i > 0 && i < last && uses.get(r).copied().unwrap_or(0) >= 2 && p.len() >= 2 {
                    pieces.push(vec![c]);
                }
            }
        }
        stats.clipped += usize::from(clipped);
        let pieces: Vec<Vec<Coord<f64>>> = pieces.into_iter().filter(|p| p.len() >= 2).collect();
        let whole = pieces.len() == 1;
        for (k, p) in pieces.into_iter().enumerate() {
            out.push(Segment {
                id: if whole { format!("w{id}") } else { format!("w{id}.{}", k + 1) },
                highway: w.tags.get("highway").cloned().unwrap_or_default(),
                oneway_foot: w.tags.get("oneway:foot").cloned(),
                line: LineString::new(p),
            });
        }
    }
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::read::Way;

    fn way(refs: &[i64], tags: &[(&str, &str)]) -> Way {
        Way { refs: refs.to_vec(), tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn walkable_rules() {
        let t = |pairs: &[(&str, &str)]| way(&[], pairs).tags;
        assert!(is_walkable(&t(&[("highway", "footway")])));
        assert!(is_walkable(&t(&[("highway", "cycleway")])));
        assert!(!is_walkable(&t(&[("highway", "cycleway"), ("foot", "no")])));
        assert!(!is_walkable(&t(&[("highway", "motorway")])));
        assert!(!is_walkable(&t(&[("highway", "service"), ("access", "private")])));
        assert!(is_walkable(&t(&[("highway", "service"), ("access", "private"), ("foot", "yes")])));
        assert!(!is_walkable(&t(&[("building", "yes")])));
    }

    #[test]
    fn ways_split_at_shared_nodes_and_gaps() {
        let mut osm = Osm::default();
        for i in 1..=7 {
            osm.coords.insert(i, Coord { x: i as f64 * 0.001, y: 0.0 });
        }
        osm.ways.insert(10, way(&[1, 2, 3, 4], &[("highway", "footway")]));
        osm.ways.insert(11, way(&[3, 5], &[("highway", "path"), ("oneway:foot", "yes")]));
        osm.ways.insert(12, way(&[5, 6, 99, 7, 1], &[("highway", "steps")]));
        osm.ways.insert(13, way(&[2, 6], &[("highway", "motorway")]));
        let (segs, stats) = network(&osm);
        let ids: Vec<&str> = segs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["w10.1", "w10.2", "w11", "w12.1", "w12.2"]);
        assert_eq!(segs[0].line.0.len(), 3);
        assert_eq!(segs[2].oneway_foot.as_deref(), Some("yes"));
        assert_eq!(stats, NetworkStats { ways: 3, clipped: 1 });
    }
}

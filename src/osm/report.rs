//! The plain-text account of an import that `lifecircle import-osm` prints: counts per layer,
//! per category, and of the objects not mapped.

use std::fmt::Write as _;

use super::import::OsmImport;
use super::residences;

impl OsmImport {
    /// A plain-text report: counts per layer, per category, and of objects not mapped.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let [n, w, r] = self.counts;
        let _ = writeln!(s, "read {}: {n} nodes, {w} ways, {r} relations", self.path.display());
        let rs = &self.residence_stats;
        let households: u64 = self.residences.iter().map(|b| b.estimate.households).sum();
        let population: f64 = self.residences.iter().map(|b| b.population).sum();
        let _ = writeln!(
            s,
            "residences: {} buildings, {households} households, population {population:.0}",
            self.residences.len()
        );
        for (rule, count) in &rs.by_rule {
            let what = match rule {
                residences::ResidentialRule::Tagged => "residential building=*",
                residences::ResidentialRule::Landuse => "building=yes inside landuse=residential",
            };
            let _ = writeln!(s, "  {count:6}  {what}");
        }
        let _ = writeln!(s, "  {:6}  without building:levels (default used)", rs.levels_defaulted);
        for (b, count) in &rs.broken {
            let _ = writeln!(s, "  {count:6}  candidate buildings skipped: {b}");
        }
        if let Some(p) = &self.population {
            let _ = writeln!(
                s,
                "population layer: {} features, total {:.1}; {:.1} allocated to {} buildings; {:.1} in {} features found no building",
                p.features, p.total, p.allocated, p.buildings, p.unallocated, p.unallocated_features
            );
        }
        let ss = &self.service_stats;
        let _ = writeln!(s, "services: {} mapped", self.services.len());
        for (c, count) in &ss.per_category {
            let _ = writeln!(s, "  {count:6}  {c}");
        }
        for (b, count) in &ss.broken {
            let _ = writeln!(s, "  {count:6}  mapped areas skipped: {b}");
        }
        let _ = writeln!(s, "  {:6}  amenity/shop/leisure objects not mapped", ss.unmapped);
        let mut top: Vec<_> = ss.unmapped_by_tag.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !top.is_empty() {
            let top: Vec<String> = top.iter().take(8).map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(s, "          most frequent: {}", top.join(", "));
        }
        let ns = &self.network_stats;
        let _ = writeln!(
            s,
            "network: {} lines from {} walkable ways ({} clipped at the extract's edge)",
            self.network.len(),
            ns.ways,
            ns.clipped
        );
        let _ = writeln!(s, "zones: {} ({} could not be assembled)", self.zones.len(), self.zones_broken);
        s
    }
}

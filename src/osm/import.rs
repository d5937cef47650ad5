//! Building the import from an extract: the options, the read filter, the mapped services and
//! the administrative zones, gathered with the residences and the network into one
//! [`OsmImport`] ([`import_osm`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{GeodesicArea, MultiPolygon, Point};

use super::mapping::{self, Mapping};
use super::network::{self, NetworkStats, Segment};
use super::population::PopulationStats;
use super::read::{self, Broken, Filter, Kind, Osm, OsmId, TagView};
use super::residences::{self, Building, HouseholdModel, ResidenceStats, round_to};
use crate::error::{Error, Result};
use crate::progress::{Progress, Step};

/// Default `admin_level` of the zones: 8, the township/sub-district (街道/乡镇) level in China.
pub const DEFAULT_ADMIN_LEVEL: u8 = 8;

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Household estimate.
    pub households: HouseholdModel,
    /// Tag → category table.
    pub mapping: Mapping,
    /// `admin_level` of the zones.
    pub admin_level: u8,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            households: HouseholdModel::default(),
            mapping: Mapping::built_in(),
            admin_level: DEFAULT_ADMIN_LEVEL,
        }
    }
}

/// The tags some layer of the import reads (besides the mapping table's own keys).
pub const USED_KEYS: [&str; 19] = [
    "building",
    "building:levels",
    "landuse",
    "highway",
    "foot",
    "access",
    "oneway:foot",
    "name",
    "name:zh",
    "type",
    "boundary",
    "admin_level",
    "isced:level",
    "amenity",
    "shop",
    "leisure",
    "office",
    "tourism",
    "public_transport",
];

/// The import's [`Filter`]: keeps the nodes a mapping rule or [`mapping::SERVICE_KEYS`] may
/// concern, and the ways and relations that may be buildings (`building=*`),
/// `landuse=residential` areas, walkable ways (`highway=*`, ways only), administrative
/// boundaries or services; of their tags, only [`USED_KEYS`] and the keys the mapping table
/// tests.
#[derive(Debug, Clone)]
pub struct ImportFilter {
    service_keys: Vec<String>,
    keys: std::collections::BTreeSet<String>,
}

impl ImportFilter {
    /// The filter for a mapping table.
    pub fn new(mapping: &Mapping) -> Self {
        let mut service_keys: Vec<String> = mapping::SERVICE_KEYS.iter().map(|k| (*k).to_owned()).collect();
        let mut keys: std::collections::BTreeSet<String> = USED_KEYS.iter().map(|k| (*k).to_owned()).collect();
        for rule in &mapping.rules {
            if !service_keys.contains(&rule.key) {
                service_keys.push(rule.key.clone());
            }
            keys.insert(rule.key.clone());
            for c in &rule.when {
                match c {
                    mapping::Condition::Tag { key, .. } | mapping::Condition::Absent(key) => {
                        keys.insert(key.clone());
                    }
                    mapping::Condition::Isced(_) | mapping::Condition::MinArea(_) => {}
                }
            }
        }
        ImportFilter { service_keys, keys }
    }
}

impl Filter for ImportFilter {
    fn keep(&self, kind: Kind, tags: &TagView<'_>) -> bool {
        let service = || self.service_keys.iter().any(|k| tags.contains_key(k));
        match kind {
            Kind::Node => service(),
            Kind::Way | Kind::Relation => {
                tags.contains_key("building")
                    || tags.get("landuse") == Some("residential")
                    || (kind == Kind::Way && tags.contains_key("highway"))
                    || tags.get("boundary") == Some("administrative")
                    || service()
            }
        }
    }

    fn keep_key(&self, key: &str) -> bool {
        self.keys.contains(key)
    }
}

/// A mapped service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Node, way or relation id.
    pub id: OsmId,
    /// Profile category.
    pub category: String,
    /// The tag that matched (`amenity=clinic`).
    pub osm_tag: String,
    /// `name`, when tagged.
    pub name: Option<String>,
    /// `name:zh`, when tagged.
    pub name_zh: Option<String>,
    /// The node, or the polygon's interior point, WGS84.
    pub point: Point<f64>,
    /// The polygon's area, m² (0.1 m²); `None` for nodes.
    pub land_area_m2: Option<f64>,
    /// The polygon of a way or relation, WGS84 (written to services.geojson); `None` for nodes.
    pub geometry: Option<MultiPolygon<f64>>,
}

/// Counts from mapping services.
#[derive(Debug, Clone, Default)]
pub struct ServiceStats {
    /// Services per category (every category of the table, 0 included).
    pub per_category: BTreeMap<String, usize>,
    /// Objects with an amenity/shop/leisure tag that no rule maps.
    pub unmapped: usize,
    /// Unmapped objects by their first amenity/shop/leisure tag.
    pub unmapped_by_tag: BTreeMap<String, usize>,
    /// Mapped areas whose polygon could not be built, by reason.
    pub broken: BTreeMap<Broken, usize>,
}

/// An administrative boundary.
#[derive(Debug, Clone)]
pub struct Zone {
    /// Relation (or way) id.
    pub id: OsmId,
    /// `name`, when tagged.
    pub name: Option<String>,
    /// The area, WGS84.
    pub geometry: MultiPolygon<f64>,
}
/// Everything imported from one extract.
#[derive(Debug)]
pub struct OsmImport {
    /// The extract.
    pub path: PathBuf,
    /// Nodes, ways, relations read.
    pub counts: [usize; 3],
    /// Residential buildings, by id.
    pub residences: Vec<Building>,
    /// Residence counts.
    pub residence_stats: ResidenceStats,
    /// Services, by id.
    pub services: Vec<Service>,
    /// Service counts.
    pub service_stats: ServiceStats,
    /// Walkable lines, by way id.
    pub network: Vec<Segment>,
    /// Network counts.
    pub network_stats: NetworkStats,
    /// Administrative zones at the chosen level, by id.
    pub zones: Vec<Zone>,
    /// Zones whose boundary could not be assembled.
    pub zones_broken: usize,
    /// Population allocation, when a layer was given.
    pub population: Option<PopulationStats>,
}

/// Reads `path` and builds every layer, reporting each pass over the file (bytes read) and the
/// building of the layers to `progress`.
pub fn import_osm(path: &Path, opts: &ImportOptions, progress: &dyn Progress) -> Result<OsmImport> {
    if !(opts.households.m2_per_household.is_finite() && opts.households.m2_per_household > 0.0) {
        return Err(Error::Option(format!(
            "--m2-per-household {} must be a positive number",
            opts.households.m2_per_household
        )));
    }
    if !(opts.households.household_size.is_finite() && opts.households.household_size > 0.0) {
        return Err(Error::Option(format!(
            "--household-size {} must be a positive number",
            opts.households.household_size
        )));
    }
    let osm = read::read_osm(path, &ImportFilter::new(&opts.mapping), progress)?;
    let step = Step::begin(progress, "building the layers", None);
    let (residences, residence_stats) = residences::residences(&osm, &opts.households);
    let (services, service_stats) = services(&osm, &opts.mapping);
    let (network, network_stats) = network::network(&osm);
    let (zones, zones_broken) = zones(&osm, opts.admin_level);
    drop(step);
    Ok(OsmImport {
        path: path.to_path_buf(),
        counts: osm.counts,
        residences,
        residence_stats,
        services,
        service_stats,
        network,
        network_stats,
        zones,
        zones_broken,
        population: None,
    })
}

fn services(osm: &Osm, mapping: &Mapping) -> (Vec<Service>, ServiceStats) {
    let mut stats = ServiceStats {
        per_category: mapping.categories().into_iter().map(|c| (c.to_owned(), 0)).collect(),
        ..ServiceStats::default()
    };
    let mut out = Vec::new();
    let uses_area = mapping.uses_area();
    for (id, tags) in osm.tagged() {
        if !mapping::SERVICE_KEYS.iter().any(|k| tags.contains_key(*k))
            && !mapping.rules.iter().any(|r| tags.contains_key(&r.key))
        {
            continue;
        }
        // Classify on tags first; only mapped areas need their polygon.
        let provisional = if uses_area && id.kind != Kind::Node {
            mapping.classify(tags, Some(f64::INFINITY)).is_some()
        } else {
            mapping.classify(tags, None).is_some()
        };
        let area = if provisional && id.kind != Kind::Node {
            match osm.area(id) {
                Ok(mp) => Some(mp),
                Err(b) => {
                    *stats.broken.entry(b).or_default() += 1;
                    continue;
                }
            }
        } else {
            None
        };
        let land_area_m2 = area.as_ref().map(|mp| round_to(mp.geodesic_area_unsigned(), 1));
        let hit = if provisional { mapping.classify(tags, land_area_m2) } else { None };
        let Some((category, osm_tag)) = hit else {
            if let Some(key) = mapping::SERVICE_KEYS.iter().find_map(|k| tags.get(*k).map(|v| format!("{k}={v}"))) {
                stats.unmapped += 1;
                *stats.unmapped_by_tag.entry(key).or_default() += 1;
            }
            continue;
        };
        let Some(point) = osm.point_of(id, area.as_ref()) else {
            *stats.broken.entry(Broken::Degenerate).or_default() += 1;
            continue;
        };
        *stats.per_category.entry(category.to_owned()).or_default() += 1;
        out.push(Service {
            id,
            category: category.to_owned(),
            osm_tag,
            name: tags.get("name").cloned(),
            name_zh: tags.get("name:zh").cloned(),
            point,
            land_area_m2,
            geometry: area,
        });
    }
    (out, stats)
}

fn zones(osm: &Osm, admin_level: u8) -> (Vec<Zone>, usize) {
    let level = admin_level.to_string();
    let mut out = Vec::new();
    let mut broken = 0;
    for (id, tags) in osm.tagged() {
        let tag = |k: &str| tags.get(k).map(String::as_str);
        if id.kind == Kind::Node || tag("boundary") != Some("administrative") || tag("admin_level") != Some(&level) {
            continue;
        }
        match osm.area(id) {
            Ok(geometry) => out.push(Zone { id, name: tags.get("name").cloned(), geometry }),
            Err(_) => broken += 1,
        }
    }
    (out, broken)
}

impl OsmImport {
    /// Whether the network has footways, paths, pedestrian streets or steps (a network good
    /// enough for walking distances rather than car roads only).
    pub fn has_footways(&self) -> bool {
        self.network.iter().any(|s| matches!(s.highway.as_str(), "footway" | "path" | "pedestrian" | "steps"))
    }
}

#[cfg(test)]
mod tests {
    use super::read::{Member, Relation, Tags, Way};
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn zones_are_assembled_from_boundary_relations_at_the_level() {
        let mut osm = Osm::default();
        for (id, x, y) in [(1, 0.0, 0.0), (2, 0.01, 0.0), (3, 0.01, 0.01), (4, 0.0, 0.01)] {
            osm.coords.insert(id, geo::Coord { x, y });
        }
        osm.ways.insert(10, Way { refs: vec![1, 2, 3], tags: Tags::new() });
        osm.ways.insert(11, Way { refs: vec![1, 4, 3], tags: Tags::new() });
        let way = |id| Member { kind: Kind::Way, id, role: "outer".into() };
        let label = Member { kind: Kind::Node, id: 1, role: "label".into() };
        let boundary = |level: &str, name: &str| Relation {
            members: vec![way(10), way(11), label.clone()],
            tags: tags(&[("type", "boundary"), ("boundary", "administrative"), ("admin_level", level), ("name", name)]),
        };
        osm.relations.insert(5, boundary("8", "Street A"));
        osm.relations.insert(6, boundary("6", "District"));
        let mut clipped = boundary("8", "Clipped");
        clipped.members.push(way(99));
        osm.relations.insert(7, clipped);
        let (zones, broken) = zones(&osm, 8);
        assert_eq!(broken, 1);
        assert_eq!(zones.len(), 1);
        assert_eq!((zones[0].id.to_string(), zones[0].name.as_deref()), ("r5".to_owned(), Some("Street A")));
        let area = zones[0].geometry.geodesic_area_unsigned();
        assert!((area - 1.23e6).abs() < 0.01e6, "{area}");
    }
}

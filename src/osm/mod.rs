//! Importing an OpenStreetMap extract (PBF or XML) into analysis-ready layers (`lifecircle import-osm`):
//!
//! * **residences**: residential buildings ([`residences::RESIDENTIAL_BUILDING_VALUES`], and
//!   `building=yes` inside `landuse=residential`) from ways and multipolygon relations, with
//!   footprint, storeys, floor area, households and population by a [`HouseholdModel`];
//! * **services**: objects mapped to the profile's categories by a [`Mapping`] table (built-in:
//!   `src/osm/mapping.toml`) with the tag that matched: nodes as points, ways and multipolygons as
//!   their polygons with their land area (`land_area_m2`);
//! * **network**: the walkable ways ([`network::WALKABLE_HIGHWAYS`]) split at shared nodes;
//! * **zones**: administrative boundaries at one `admin_level`, when the extract has any.
//!
//! With a population layer (points or polygons with a population attribute), each feature's
//! population is spread over the residential buildings inside it in proportion to floor area,
//! in tenths of a person by the largest-remainder method so each feature's total is kept.
//! Output is deterministic: features sorted by OSM id, coordinates rounded to 7 decimals.

pub mod mapping;
pub mod network;
pub mod read;
pub mod residences;
pub mod xml;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use geo::{Contains, GeodesicArea, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};
use serde_json::{Map, Value, json};

pub use mapping::Mapping;
pub use network::{NetworkStats, Segment};
pub use read::{Broken, Coords, Filter, KeepAll, Kind, Osm, OsmId, TagView, Tags, read_osm, read_pbf};
pub use residences::{Building, HouseholdModel, ResidenceStats};
pub use xml::{read_xml, write_xml};

use crate::error::{Error, Location, Result};
use crate::io::load::{LayerRole, effective_crs, geometry_to_wgs84};
use crate::io::output::{ManifestMode, OutputDir};
use crate::io::{Layer, RawFeature, Value as FieldValue};
use crate::progress::{NoProgress, Progress, Step};
use residences::round_to;

/// Attribution written into every layer.
pub const ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)";

/// Splits `total` whole units (e.g. tenths of a person) in proportion to `weights` by the
/// largest-remainder rule: every part is the floor of its exact share, and the units left go one
/// each to the largest remainders (ties to the earlier weight), so the parts sum to `total`
/// exactly. Weights must be positive.
pub fn apportion(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor() as i64).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for k in order {
        if left <= 0 {
            break;
        }
        parts[k] += 1;
        left -= 1;
    }
    parts
}

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

/// Counts from allocating a population layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PopulationStats {
    /// Features of the population layer.
    pub features: usize,
    /// Their total population.
    pub total: f64,
    /// Population given to buildings.
    pub allocated: f64,
    /// Population of features with no residential building inside.
    pub unallocated: f64,
    /// Features with population but no residential building inside.
    pub unallocated_features: usize,
    /// Buildings that got population from the layer.
    pub buildings: usize,
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

/// Reads `path` and builds every layer.
pub fn import_osm(path: &Path, opts: &ImportOptions) -> Result<OsmImport> {
    import_osm_with_progress(path, opts, &NoProgress)
}

/// [`import_osm`], reporting each pass over the file (bytes read) and the building of the
/// layers to `progress`.
pub fn import_osm_with_progress(path: &Path, opts: &ImportOptions, progress: &dyn Progress) -> Result<OsmImport> {
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
    let osm = read::read_osm_reporting(path, &ImportFilter::new(&opts.mapping), progress)?;
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

struct Cell {
    index: usize,
    geometry: MultiPolygon<f64>,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Cell {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl OsmImport {
    /// Spreads the population of `layer` (WGS84 points or polygons; `field` holds the
    /// population) over the residential buildings: a polygon's population goes to the buildings
    /// whose interior point lies inside it, a point's to the building containing it, in
    /// proportion to floor area and in tenths of a person so each feature's total is kept
    /// (to 0.1). Buildings in no populated feature keep their estimate.
    pub fn allocate_population(&mut self, layer: &Layer, field: &str) -> Result<&PopulationStats> {
        use geo::BoundingRect;
        let loc = Location::file(&layer.path);
        let column = layer.column(field).ok_or_else(|| {
            Error::input(
                loc.field(field),
                format!("no population field '{field}' (fields: {})", layer.fields.join(", ")),
            )
        })?;
        let mut stats = PopulationStats { features: layer.features.len(), ..PopulationStats::default() };
        let (crs, crs_given) = effective_crs(layer, None);
        // Buildings by their interior point, for polygons; footprints, for points.
        let mut cells: Vec<Cell> = Vec::new();
        let mut populations = Vec::with_capacity(layer.features.len());
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); layer.features.len()];
        let bad = |i: usize, f: &crate::io::RawFeature, m: &str| {
            Error::input(loc.feature(i, f.fid.as_deref()).field(field), m.to_owned())
        };
        let footprints: RTree<Cell> = RTree::bulk_load(
            self.residences
                .iter()
                .enumerate()
                .filter_map(|(index, b)| {
                    let r = b.geometry.bounding_rect()?;
                    let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    Some(Cell { index, geometry: b.geometry.clone(), envelope })
                })
                .collect(),
        );
        for (i, f) in layer.features.iter().enumerate() {
            let population = match f.value(column) {
                FieldValue::Number(n) if n.is_finite() && *n >= 0.0 => *n,
                FieldValue::Null => 0.0,
                FieldValue::Text(t) => match t.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() && n >= 0.0 => n,
                    _ => return Err(bad(i, f, &format!("population '{t}' is not a non-negative number"))),
                },
                other => return Err(bad(i, f, &format!("population {other:?} is not a non-negative number"))),
            };
            populations.push(population);
            stats.total += population;
            let at = || loc.feature(i, f.fid.as_deref()).field("geometry");
            let geometry = match f.geometry.clone() {
                Some(g) if crs_given => Some(geometry_to_wgs84(g, &crs, true, LayerRole::Residences, &at)?),
                Some(g) => {
                    use geo::CoordsIter;
                    if g.coords_iter().any(|c| !(c.x.abs() <= 180.0 && c.y.abs() <= 90.0)) {
                        return Err(Error::input(
                            at(),
                            "coordinates are not lon/lat: the population layer must be WGS84 or declare its CRS \
                             (.prj or GeoJSON crs member)",
                        ));
                    }
                    Some(g)
                }
                None => None,
            };
            match &geometry {
                Some(geo::Geometry::Point(p)) => {
                    let probe = AABB::from_point([p.x(), p.y()]);
                    if let Some(c) = footprints
                        .locate_in_envelope_intersecting(&probe)
                        .filter(|c| c.geometry.contains(p))
                        .min_by_key(|c| c.index)
                    {
                        members[i].push(c.index);
                    }
                }
                Some(geo::Geometry::Polygon(p)) => {
                    let mp = MultiPolygon::new(vec![p.clone()]);
                    if let Some(r) = mp.bounding_rect() {
                        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                        cells.push(Cell { index: i, geometry: mp, envelope });
                    }
                }
                Some(geo::Geometry::MultiPolygon(mp)) => {
                    if let Some(r) = mp.bounding_rect() {
                        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                        cells.push(Cell { index: i, geometry: mp.clone(), envelope });
                    }
                }
                None => {}
                Some(_) => {
                    return Err(Error::input(
                        loc.feature(i, f.fid.as_deref()).field("geometry"),
                        "population features must be points or polygons",
                    ));
                }
            }
        }
        let cells = RTree::bulk_load(cells);
        for (b, building) in self.residences.iter().enumerate() {
            let Some(p) = building.point else { continue };
            let probe = AABB::from_point([p.x(), p.y()]);
            // The first populated feature (by index) containing the building's interior point.
            let host = cells
                .locate_in_envelope_intersecting(&probe)
                .filter(|c| populations[c.index] > 0.0 && c.geometry.contains(&p))
                .map(|c| c.index)
                .min();
            if let Some(i) = host {
                members[i].push(b);
            }
        }
        let mut allocated_tenths = 0i64;
        for (i, mut group) in members.into_iter().enumerate() {
            let population = populations[i];
            if population <= 0.0 {
                continue;
            }
            group.sort_unstable();
            group.dedup();
            if group.is_empty() {
                stats.unallocated += population;
                stats.unallocated_features += 1;
                continue;
            }
            let total = (population * 10.0).round() as i64;
            let weights: Vec<f64> = group.iter().map(|&b| self.residences[b].estimate.floor_area_m2.max(0.1)).collect();
            let shares = apportion(total, &weights);
            for (&b, tenths) in group.iter().zip(shares) {
                let r = &mut self.residences[b];
                // A building inside two populated features (points) adds both.
                if r.population_source == "population_layer" {
                    r.population = round_to(r.population + tenths as f64 / 10.0, 1);
                } else {
                    r.population = tenths as f64 / 10.0;
                    r.population_source = "population_layer";
                    stats.buildings += 1;
                }
            }
            allocated_tenths += total;
        }
        stats.allocated = allocated_tenths as f64 / 10.0;
        Ok(self.population.insert(stats))
    }

    /// Writes residences.geojson, services.geojson, network.geojson and (when there are zones)
    /// zones.geojson into `dir`, atomically, refusing to replace the extract; returns the paths
    /// written.
    pub fn write_geojson(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut out = OutputDir::open(dir, "import-osm", std::slice::from_ref(&self.path), ManifestMode::Replace)?;
        self.write_geojson_into(&mut out, &NoProgress)?;
        Ok(out.commit(false)?.written)
    }

    /// Writes the layers of [`OsmImport::write_geojson`] into the staging folder of `out`,
    /// reporting each file as a step "writing <file>" (features) to `progress`; the caller
    /// commits.
    pub fn write_geojson_into(&self, out: &mut OutputDir, progress: &dyn Progress) -> Result<()> {
        let p = progress;
        write_collection(&out.file("residences.geojson")?, "residences", &self.residences, residence_feature, p)?;
        write_collection(&out.file("services.geojson")?, "services", &self.services, service_feature, p)?;
        write_collection(&out.file("network.geojson")?, "network", &self.network, segment_feature, p)?;
        if !self.zones.is_empty() {
            write_collection(&out.file("zones.geojson")?, "zones", &self.zones, zone_feature, p)?;
        }
        Ok(())
    }

    /// The residences, services and network as in-memory layers (WGS84, the same fields as the
    /// GeoJSON files), for [`crate::Job::run`] without writing files.
    pub fn layers(&self) -> (Layer, Layer, Layer) {
        let text = |s: &str| FieldValue::Text(s.to_owned());
        let layer = |fields: &[&str], features: Vec<RawFeature>| Layer {
            path: self.path.clone(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            features,
            declared_crs: None,
            attribution: Some(ATTRIBUTION.to_owned()),
        };
        let raw = |index: usize, geometry: geo::Geometry<f64>, values: Vec<FieldValue>| RawFeature {
            index,
            fid: None,
            geometry: Some(geometry),
            geometry_problem: None,
            geometry_note: None,
            values,
        };
        let residences = self
            .residences
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let values = vec![
                    text(&b.id.to_string()),
                    FieldValue::Number(b.estimate.households as f64),
                    FieldValue::Number(b.population),
                    FieldValue::Number(b.estimate.floor_area_m2),
                ];
                raw(i, geo::Geometry::MultiPolygon(b.geometry.clone()), values)
            })
            .collect();
        let services = self
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let values = vec![
                    text(&s.id.to_string()),
                    text(&s.category),
                    s.name.as_deref().map_or(FieldValue::Null, text),
                    s.land_area_m2.map_or(FieldValue::Null, FieldValue::Number),
                    text(&s.osm_tag),
                ];
                raw(i, geo::Geometry::Point(s.point), values)
            })
            .collect();
        let network = self
            .network
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let values =
                    vec![text(&s.id), text(&s.highway), s.oneway_foot.as_deref().map_or(FieldValue::Null, text)];
                raw(i, geo::Geometry::LineString(s.line.clone()), values)
            })
            .collect();
        (
            layer(&["id", "households", "population", "floor_area_m2"], residences),
            layer(&["id", "category", "name", "land_area_m2", "osm_tag"], services),
            layer(&["id", "highway", "oneway_foot"], network),
        )
    }

    /// The administrative boundaries as a zones layer (`id`, `name`), `None` when the extract
    /// has none at the chosen level.
    pub fn zones_layer(&self) -> Option<Layer> {
        if self.zones.is_empty() {
            return None;
        }
        let features = self
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| RawFeature {
                index: i,
                fid: None,
                geometry: Some(geo::Geometry::MultiPolygon(z.geometry.clone())),
                geometry_problem: None,
                geometry_note: None,
                values: vec![
                    FieldValue::Text(z.id.to_string()),
                    z.name.as_deref().map_or(FieldValue::Null, |n| FieldValue::Text(n.to_owned())),
                ],
            })
            .collect();
        Some(Layer {
            path: self.path.clone(),
            fields: vec!["id".into(), "name".into()],
            features,
            declared_crs: None,
            attribution: Some(ATTRIBUTION.to_owned()),
        })
    }

    /// Whether the network has footways, paths, pedestrian streets or steps (a network good
    /// enough for walking distances rather than car roads only).
    pub fn has_footways(&self) -> bool {
        self.network.iter().any(|s| matches!(s.highway.as_str(), "footway" | "path" | "pedestrian" | "steps"))
    }

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

fn rounded(c: geo::Coord<f64>) -> Value {
    json!([round_to(c.x, 7), round_to(c.y, 7)])
}

fn multipolygon_geometry(mp: &MultiPolygon<f64>) -> Value {
    let polygon = |p: &geo::Polygon<f64>| -> Value {
        let mut rings = vec![Value::Array(p.exterior().coords().map(|&c| rounded(c)).collect())];
        rings.extend(p.interiors().iter().map(|r| Value::Array(r.coords().map(|&c| rounded(c)).collect())));
        Value::Array(rings)
    };
    match mp.0.as_slice() {
        [single] => json!({"type": "Polygon", "coordinates": polygon(single)}),
        many => json!({"type": "MultiPolygon", "coordinates": many.iter().map(polygon).collect::<Vec<_>>()}),
    }
}

fn feature(geometry: Value, properties: Map<String, Value>) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn residence_feature(b: &Building) -> Value {
    let mut p = Map::new();
    p.insert("id".into(), json!(b.id.to_string()));
    p.insert("building".into(), json!(b.building));
    p.insert("footprint_m2".into(), json!(b.footprint_m2));
    p.insert("levels".into(), json!(b.estimate.levels));
    p.insert("levels_defaulted".into(), json!(b.estimate.levels_defaulted));
    p.insert("floor_area_m2".into(), json!(b.estimate.floor_area_m2));
    p.insert("households".into(), json!(b.estimate.households));
    p.insert("population".into(), json!(b.population));
    p.insert("population_source".into(), json!(b.population_source));
    feature(multipolygon_geometry(&b.geometry), p)
}

fn service_feature(s: &Service) -> Value {
    let mut p = Map::new();
    p.insert("id".into(), json!(s.id.to_string()));
    p.insert("category".into(), json!(s.category));
    p.insert("name".into(), json!(s.name));
    if let Some(zh) = &s.name_zh {
        p.insert("name_zh".into(), json!(zh));
    }
    p.insert("osm_tag".into(), json!(s.osm_tag));
    if let Some(a) = s.land_area_m2 {
        p.insert("land_area_m2".into(), json!(a));
    }
    match &s.geometry {
        Some(mp) => feature(multipolygon_geometry(mp), p),
        None => feature(json!({"type": "Point", "coordinates": rounded(s.point.0)}), p),
    }
}

fn segment_feature(s: &Segment) -> Value {
    let mut p = Map::new();
    p.insert("id".into(), json!(s.id));
    p.insert("highway".into(), json!(s.highway));
    if let Some(o) = &s.oneway_foot {
        p.insert("oneway_foot".into(), json!(o));
    }
    let coords: Vec<Value> = s.line.coords().map(|&c| rounded(c)).collect();
    feature(json!({"type": "LineString", "coordinates": coords}), p)
}

fn zone_feature(z: &Zone) -> Value {
    let mut p = Map::new();
    p.insert("id".into(), json!(z.id.to_string()));
    p.insert("name".into(), json!(z.name));
    feature(multipolygon_geometry(&z.geometry), p)
}

/// Writes `<name>.geojson` as a step "writing <name>.geojson" (features) on `progress`.
fn write_collection<T: Sync>(
    path: &Path,
    name: &str,
    items: &[T],
    feature: impl Fn(&T) -> Value + Sync,
    progress: &dyn Progress,
) -> Result<()> {
    let step = Step::begin(progress, &format!("writing {name}.geojson"), Some(items.len() as u64));
    feature_collection_reporting(path, name, ATTRIBUTION, items, feature, &step)
}

/// The files an import writes (zones.geojson only when the extract has zones).
pub const OUTPUT_NAMES: [&str; 4] = ["residences.geojson", "services.geojson", "network.geojson", "zones.geojson"];

/// Writes `items` as a GeoJSON FeatureCollection with a `name` and an `attribution` member, one
/// feature per line (valid JSON that diffs well), as import-osm writes its layers. Features are
/// formatted by `feature` in parallel, in chunks written in order (the same bytes for any
/// thread count). Writes `path` directly: callers wanting atomic output pass an
/// [`OutputDir`] temporary path.
pub fn write_feature_collection<T: Sync>(
    path: &Path,
    name: &str,
    attribution: &str,
    items: &[T],
    feature: impl Fn(&T) -> Value + Sync,
) -> Result<()> {
    feature_collection_reporting(path, name, attribution, items, feature, &Step::none())
}

/// [`write_feature_collection`], advancing `step` by the features written.
fn feature_collection_reporting<T: Sync>(
    path: &Path,
    name: &str,
    attribution: &str,
    items: &[T],
    feature: impl Fn(&T) -> Value + Sync,
    step: &Step,
) -> Result<()> {
    use std::io::Write as _;
    let write_error = |cause| Error::Write { path: path.into(), cause };
    let file = crate::io::output::create_new(path)?;
    let mut w = std::io::BufWriter::new(file);
    let head = format!(
        "{{\"type\":\"FeatureCollection\",\"name\":{},\"attribution\":{},\"features\":[\n",
        json!(name),
        json!(attribution)
    );
    w.write_all(head.as_bytes()).map_err(write_error)?;
    const CHUNK: usize = 1024;
    let n = items.len();
    // Batches of 16 chunks bound the memory held by formatted text.
    for (b, batch) in items.chunks(CHUNK * 16).enumerate() {
        let texts: Vec<String> = batch
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut text = String::new();
                for (k, item) in chunk.iter().enumerate() {
                    text.push_str(&feature(item).to_string());
                    let i = (b * 16 + c) * CHUNK + k;
                    text.push_str(if i + 1 < n { ",\n" } else { "\n" });
                }
                text
            })
            .collect();
        for t in texts {
            w.write_all(t.as_bytes()).map_err(write_error)?;
        }
        step.advance(batch.len() as u64);
    }
    w.write_all(b"]}\n").map_err(write_error)?;
    w.flush().map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::read::{Member, Relation, Way};
    use super::*;

    #[test]
    fn apportion_keeps_the_total_and_favours_the_largest_remainders() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), [4, 3, 3]); // ties to the earlier
        assert_eq!(apportion(7, &[1.0, 2.0, 4.0]), [1, 2, 4]);
        assert_eq!(apportion(100, &[0.5, 0.25, 0.25]), [50, 25, 25]);
        let parts = apportion(12_345, &[3.3, 1.7, 9.1, 0.4]);
        assert_eq!(parts.iter().sum::<i64>(), 12_345);
        assert_eq!(apportion(0, &[1.0, 2.0]), [0, 0]);
    }

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

//! Regenerates the bundled sample data of `lifecircle` from real open data.
//!
//! ```text
//! cargo run --example prepare_sample -- \
//!     [--pbf data/source/Helsinki.osm.pbf] \
//!     [--grid data/source/population_grid_2020.geojson] \
//!     [--out data]
//! ```
//!
//! Reads the central-Helsinki OpenStreetMap extract and the HSY 250 m population
//! grid and writes two RFC 7946 GeoJSON files (WGS84) into `--out`:
//!
//! * `residences.geojson`: residential building footprints (Polygon/MultiPolygon)
//!   with estimated households and population;
//! * `services.geojson`: everyday services as points, tagged with the category
//!   ids of the life-circle profile;
//! * `network.geojson`: the walkable ways as LineStrings (for `--network`).
//!
//! The output is deterministic (features sorted by OSM id, coordinates rounded
//! to 7 decimals), so re-running on the same inputs gives byte-identical files.
//! See `data/README.md` for the rules, assumptions and counts.
//!
//! Data: © OpenStreetMap contributors, ODbL 1.0
//! (<https://www.openstreetmap.org/copyright>); population grid © Helsinki
//! Region Environmental Services HSY, CC BY 4.0.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use geo::{Contains, Coord, GeodesicArea, InteriorPoint, Intersects, MapCoords, MultiPolygon, Point};
use geojson::{Feature, GeoJson, Geometry, GeometryValue, JsonObject};
use lifecircle::internals::{Broken, Kind, NON_RESIDENTIAL_KEYS, OsmId, Tags, isced_levels, parse_levels};
use lifecircle::osm::Osm;
use serde_json::{Value, json};

/// Any error, boxed.
pub type BoxResult<T> = Result<T, Box<dyn Error>>;

// ---------------------------------------------------------------------------
// Assumptions (documented in data/README.md)
// ---------------------------------------------------------------------------

/// `building=*` values that are residential by themselves (rule "tagged").
const RESIDENTIAL_BUILDING_VALUES: [&str; 8] =
    ["apartments", "residential", "house", "detached", "semidetached_house", "terrace", "dormitory", "bungalow"];

/// Rule "levels": an untagged `building=yes` with at least this many storeys is
/// taken as residential. Central Helsinki blocks are mostly 4–8 storey perimeter
/// blocks with flats above ground-floor shops, while the one- and two-storey
/// `building=yes` are kiosks, pavilions, sheds and courtyard annexes.
const MIN_LEVELS_MIXED_USE: f64 = 3.0;

/// Rule "levels" skips buildings carrying one of these keys: in the city centre
/// a named `building=yes` (Rautatalo, Keva, World Trade Center, ...) is an
/// office, bank or institution, while blocks of flats are not named in OSM.
const LANDMARK_KEYS: [&str; 2] = ["name", "wikidata"];

/// Storeys assumed when `building:levels` is missing or unparsable (a typical
/// central-Helsinki residential block has 4–7; 4 is the conservative end).
const DEFAULT_LEVELS: u32 = 4;

/// Share of gross floor area (footprint × storeys) that is dwellings. Ground
/// floors of central blocks hold shops and entrances, and stairwells, lifts,
/// walls and basements count in gross but not in dwelling area: 0.8 is an
/// assumption, not a measured value.
const RESIDENTIAL_FLOOR_SHARE: f64 = 0.8;

/// Gross floor area per dwelling (m²): a mid-sized flat of roughly 65–70 m² of
/// living area plus its share of walls, stairwells and common spaces. An
/// assumption, not a measured value.
const GROSS_FLOOR_AREA_PER_HOUSEHOLD_M2: f64 = 90.0;

/// Persons per household for buildings outside any populated grid cell: the
/// average household size of China's 7th national census (2020), 2.62, used
/// because the tool's planning standard (GB 50180-2018) is Chinese.
const PERSONS_PER_HOUSEHOLD: f64 = 2.62;

/// `amenity=library|arts_centre` mapped as an area at least this large (m²)
/// is a district-level `culture_center` (GB 50180-2018 gives 3 000–12 000 m²
/// of land for a 15-minute-level cultural activity centre); smaller ones and
/// points are neighbourhood `culture_station`s.
const CULTURE_CENTER_MIN_AREA_M2: f64 = 3000.0;

/// All category ids of the life-circle profile, in the order they are printed.
const CATEGORIES: [&str; 17] = [
    "middle_school",
    "health_center",
    "elderly_home",
    "culture_center",
    "sports_center",
    "street_service_center",
    "primary_school",
    "market",
    "community_service",
    "elderly_daycare",
    "clinic",
    "kindergarten",
    "nursery",
    "culture_station",
    "fitness",
    "convenience_store",
    "volunteer_station",
];

// ---------------------------------------------------------------------------
// OSM model: the library's reader and area assembly (`lifecircle::osm::read`)
// ---------------------------------------------------------------------------

fn read_osm(path: &Path) -> BoxResult<Osm> {
    Ok(lifecircle::osm::read_osm(path, &lifecircle::osm::KeepAll, &lifecircle::NoProgress)?)
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn round_coords(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| Coord { x: round_to(c.x, 7), y: round_to(c.y, 7) })
}

fn has_key(tags: &Tags, key: &str) -> bool {
    tags.contains_key(key)
}

fn tag<'a>(tags: &'a Tags, key: &str) -> Option<&'a str> {
    tags.get(key).map(String::as_str)
}

fn write_collection(path: &Path, name: &str, attribution: &str, features: &[Feature]) -> BoxResult<()> {
    let value = |f: &Feature| serde_json::to_value(f).unwrap_or(Value::Null);
    Ok(lifecircle::internals::write_feature_collection(
        path,
        name,
        attribution,
        features,
        value,
        &lifecircle::NoProgress,
    )?)
}

fn feature(geometry: GeometryValue, properties: JsonObject) -> Feature {
    Feature { geometry: Some(Geometry::new(geometry)), properties: Some(properties), ..Feature::default() }
}

const ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright); \
Population grid © Helsinki Region Environmental Services HSY, CC BY 4.0";

/// The OpenStreetMap part of [`ATTRIBUTION`] (services and network hold no HSY data).
const OSM_ATTRIBUTION: &str = lifecircle::internals::ATTRIBUTION;

// ---------------------------------------------------------------------------
// Residences
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// `building` value is residential by itself.
    Tagged,
    /// `building=yes` inside a `landuse=residential` area.
    Landuse,
    /// `building=yes` with at least [`MIN_LEVELS_MIXED_USE`] storeys.
    Levels,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Tagged => "tagged residential building=*",
            Rule::Landuse => "building=yes inside landuse=residential",
            Rule::Levels => "building=yes, building:levels >= 3, no name/wikidata",
        })
    }
}

struct Residence {
    id: OsmId,
    rule: Rule,
    building: String,
    geometry: MultiPolygon<f64>,
    footprint_m2: f64,
    levels: u32,
    levels_defaulted: bool,
    floor_area_m2: f64,
    households: u64,
    cell: Option<usize>,
    population_tenths: i64,
    from_grid: bool,
}

struct Cell {
    id: i64,
    population: f64,
    geometry: MultiPolygon<f64>,
}

fn read_grid(path: &Path) -> BoxResult<Vec<Cell>> {
    let ctx = |e: &dyn fmt::Display| format!("{}: {e}", path.display());
    let text = fs::read_to_string(path).map_err(|e| ctx(&e))?;
    let geojson: GeoJson = text.parse().map_err(|e| ctx(&e))?;
    let GeoJson::FeatureCollection(fc) = geojson else {
        return Err(ctx(&"expected a FeatureCollection").into());
    };
    let mut cells = Vec::new();
    for (i, f) in fc.features.into_iter().enumerate() {
        let prop = |key: &str| {
            f.property(key)
                .and_then(Value::as_f64)
                .ok_or_else(|| ctx(&format!("feature {i}: numeric property `{key}` missing")))
        };
        let id = prop("id")?;
        let population = prop("population")?;
        if id.fract() != 0.0 || !population.is_finite() || population < 0.0 {
            return Err(ctx(&format!("feature {i}: bad id {id} or population {population}")).into());
        }
        let geometry = f.geometry.as_ref().ok_or_else(|| ctx(&format!("feature {i}: no geometry")))?;
        let geometry: geo::Geometry<f64> =
            geometry.clone().try_into().map_err(|e| ctx(&format!("feature {i}: {e}")))?;
        let geometry = match geometry {
            geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
            geo::Geometry::MultiPolygon(mp) => mp,
            _ => return Err(ctx(&format!("feature {i}: not a (multi)polygon")).into()),
        };
        cells.push(Cell { id: id as i64, population, geometry });
    }
    cells.sort_by_key(|c| c.id);
    Ok(cells)
}

fn residential_rule(tags: &Tags, point: Option<Point<f64>>, landuse: &[MultiPolygon<f64>]) -> Option<Rule> {
    let building = tag(tags, "building")?;
    if RESIDENTIAL_BUILDING_VALUES.contains(&building) {
        return Some(Rule::Tagged);
    }
    if building != "yes" || NON_RESIDENTIAL_KEYS.iter().any(|k| has_key(tags, k)) {
        return None;
    }
    if let Some(p) = point
        && landuse.iter().any(|l| l.contains(&p))
    {
        return Some(Rule::Landuse);
    }
    if parse_levels(tags).is_some_and(|l| l >= MIN_LEVELS_MIXED_USE) && !LANDMARK_KEYS.iter().any(|k| has_key(tags, k))
    {
        return Some(Rule::Levels);
    }
    None
}

struct ResidenceStats {
    by_rule: BTreeMap<Rule, usize>,
    broken: BTreeMap<Broken, usize>,
    landuse_areas: usize,
    landuse_broken: usize,
    cells_total: usize,
    cells_used: usize,
    grid_population: f64,
    allocated: f64,
    unallocated: f64,
    unallocated_cells: usize,
    estimated_buildings: usize,
    estimated_population: f64,
    households: u64,
    levels_defaulted: usize,
}

fn build_residences(osm: &Osm, cells: &[Cell]) -> (Vec<Residence>, ResidenceStats) {
    let mut landuse = Vec::new();
    let mut landuse_broken = 0;
    for (id, tags) in osm.tagged() {
        if id.kind != Kind::Node && tag(tags, "landuse") == Some("residential") {
            match osm.area(id) {
                Ok(mp) => landuse.push(mp),
                Err(_) => landuse_broken += 1,
            }
        }
    }

    let mut residences = Vec::new();
    let mut broken: BTreeMap<Broken, usize> = BTreeMap::new();
    for (id, tags) in osm.tagged() {
        if id.kind == Kind::Node || !has_key(tags, "building") {
            continue;
        }
        // Cheap pre-check without geometry: could this building qualify at all?
        let building = tag(tags, "building").unwrap_or_default();
        let candidate = RESIDENTIAL_BUILDING_VALUES.contains(&building)
            || (building == "yes" && !NON_RESIDENTIAL_KEYS.iter().any(|k| has_key(tags, k)));
        if !candidate {
            continue;
        }
        let geometry = match osm.area(id) {
            Ok(mp) => mp,
            Err(b) => {
                *broken.entry(b).or_default() += 1;
                continue;
            }
        };
        let point = geometry.interior_point();
        let Some(rule) = residential_rule(tags, point, &landuse) else {
            continue;
        };
        let footprint_m2 = geometry.geodesic_area_unsigned();
        let parsed_levels = parse_levels(tags);
        let levels = parsed_levels.map(|l| (l.round() as u32).max(1)).unwrap_or(DEFAULT_LEVELS);
        let floor_area_m2 = round_to(footprint_m2 * f64::from(levels), 1);
        let households =
            ((floor_area_m2 * RESIDENTIAL_FLOOR_SHARE / GROSS_FLOOR_AREA_PER_HOUSEHOLD_M2).round() as u64).max(1);
        let cell = point.and_then(|p| cells.iter().position(|c| c.population > 0.0 && c.geometry.intersects(&p)));
        residences.push(Residence {
            id,
            rule,
            building: tag(tags, "building").unwrap_or_default().to_owned(),
            footprint_m2: round_to(footprint_m2, 1),
            geometry,
            levels,
            levels_defaulted: parsed_levels.is_none(),
            floor_area_m2,
            households,
            cell,
            population_tenths: 0,
            from_grid: false,
        });
    }

    // Allocate each cell's population over its buildings by floor area, in
    // tenths of a person with the largest-remainder method, so the rounded
    // building populations add up exactly to the cell total.
    let mut cells_used = 0;
    let mut allocated_tenths = 0i64;
    let mut unallocated = 0.0;
    let mut unallocated_cells = 0;
    for (ci, cell) in cells.iter().enumerate() {
        let members: Vec<usize> = (0..residences.len()).filter(|&i| residences[i].cell == Some(ci)).collect();
        if members.is_empty() {
            if cell.population > 0.0 {
                unallocated += cell.population;
                unallocated_cells += 1;
            }
            continue;
        }
        cells_used += 1;
        let total = (cell.population * 10.0).round() as i64;
        let weights: Vec<f64> = members.iter().map(|&i| residences[i].floor_area_m2).collect();
        let shares = lifecircle::internals::apportion(total, &weights);
        for (&i, tenths) in members.iter().zip(shares) {
            residences[i].population_tenths = tenths;
            residences[i].from_grid = true;
        }
        allocated_tenths += total;
    }
    let mut estimated_buildings = 0;
    let mut estimated_tenths = 0;
    for r in residences.iter_mut().filter(|r| !r.from_grid) {
        r.population_tenths = (r.households as f64 * PERSONS_PER_HOUSEHOLD * 10.0).round() as i64;
        estimated_buildings += 1;
        estimated_tenths += r.population_tenths;
    }
    residences.sort_by_key(|r| r.id);

    let mut by_rule: BTreeMap<Rule, usize> = BTreeMap::new();
    for r in &residences {
        *by_rule.entry(r.rule).or_default() += 1;
    }
    let stats = ResidenceStats {
        by_rule,
        broken,
        landuse_areas: landuse.len(),
        landuse_broken,
        cells_total: cells.len(),
        cells_used,
        grid_population: cells.iter().map(|c| c.population).sum(),
        allocated: allocated_tenths as f64 / 10.0,
        unallocated,
        unallocated_cells,
        estimated_buildings,
        estimated_population: estimated_tenths as f64 / 10.0,
        households: residences.iter().map(|r| r.households).sum(),
        levels_defaulted: residences.iter().filter(|r| r.levels_defaulted).count(),
    };
    (residences, stats)
}

fn residence_feature(r: &Residence) -> Feature {
    let mut props = JsonObject::new();
    props.insert("id".into(), json!(r.id.to_string()));
    props.insert("households".into(), json!(r.households));
    props.insert("population".into(), json!(r.population_tenths as f64 / 10.0));
    props.insert("footprint_m2".into(), json!(r.footprint_m2));
    props.insert("levels".into(), json!(r.levels));
    props.insert("floor_area_m2".into(), json!(r.floor_area_m2));
    let source = if r.from_grid { "hsy_grid" } else { "estimate" };
    props.insert("population_source".into(), json!(source));
    props.insert("building".into(), json!(r.building));
    let geometry = round_coords(&r.geometry);
    let value = match geometry.0.as_slice() {
        [single] => GeometryValue::from(single),
        _ => GeometryValue::from(&geometry),
    };
    feature(value, props)
}

// ---------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------

/// The profile category an OSM object maps to, and the tag that decided it.
/// First match wins; `area_m2` is the polygon's area for ways and relations.
fn classify(tags: &Tags, area_m2: Option<f64>) -> Option<(&'static str, String)> {
    let amenity = tag(tags, "amenity");
    let shop = tag(tags, "shop");
    let leisure = tag(tags, "leisure");
    let social = tag(tags, "social_facility");
    let social_for = tag(tags, "social_facility:for");
    let hit = |category: &'static str, key: &str, value: &str| Some((category, format!("{key}={value}")));

    match amenity {
        Some(v @ "hospital") => return hit("health_center", "amenity", v),
        Some(v @ ("clinic" | "doctors")) => return hit("clinic", "amenity", v),
        _ => {}
    }
    if social == Some("nursing_home") {
        return hit("elderly_home", "social_facility", "nursing_home");
    }
    if amenity == Some("nursing_home") {
        return hit("elderly_home", "amenity", "nursing_home");
    }
    if amenity == Some("social_facility") {
        match (social, social_for) {
            // Day care for children is childcare, not elderly day care.
            (Some("day_care"), Some("child" | "juvenile")) => {
                return hit("nursery", "social_facility", "day_care");
            }
            (Some("day_care"), None | Some("senior")) => {
                return hit("elderly_daycare", "social_facility", "day_care");
            }
            (_, Some("senior")) => return hit("elderly_daycare", "social_facility:for", "senior"),
            _ => {}
        }
    }
    match amenity {
        Some(v @ "kindergarten") => return hit("kindergarten", "amenity", v),
        Some(v @ "childcare") => return hit("nursery", "amenity", v),
        Some(v @ "school") => {
            return match isced_levels(tags) {
                None => hit("primary_school", "amenity", v),
                Some(l) if l.contains(&1) => hit("primary_school", "amenity", v),
                Some(l) if l.contains(&2) => hit("middle_school", "amenity", v),
                Some(_) => None,
            };
        }
        Some(v @ "marketplace") => return hit("market", "amenity", v),
        _ => {}
    }
    match shop {
        Some(v @ ("supermarket" | "greengrocer")) => return hit("market", "shop", v),
        Some(v @ "convenience") => return hit("convenience_store", "shop", v),
        _ => {}
    }
    match amenity {
        Some("community_centre") if tag(tags, "community_centre") == Some("cultural_centre") => {
            return hit("culture_center", "community_centre", "cultural_centre");
        }
        Some(v @ ("library" | "arts_centre")) if area_m2.is_some_and(|a| a >= CULTURE_CENTER_MIN_AREA_M2) => {
            return hit("culture_center", "amenity", v);
        }
        Some(v @ ("community_centre" | "social_centre")) => {
            return hit("community_service", "amenity", v);
        }
        Some(v @ "townhall") => return hit("street_service_center", "amenity", v),
        Some(v @ ("library" | "arts_centre")) => return hit("culture_station", "amenity", v),
        _ => {}
    }
    match leisure {
        Some(v @ ("fitness_centre" | "fitness_station" | "pitch" | "sports_hall")) => hit("fitness", "leisure", v),
        Some(v @ "sports_centre") => hit("sports_center", "leisure", v),
        _ => None,
    }
}

struct ServiceStats {
    per_category: BTreeMap<&'static str, usize>,
    unmapped: usize,
    unmapped_by_tag: BTreeMap<String, usize>,
    broken: BTreeMap<Broken, usize>,
    skipped: Vec<String>,
    school_isced_both: usize,
    school_isced_absent: usize,
}

fn build_services(osm: &Osm) -> (Vec<(OsmId, Feature)>, ServiceStats) {
    let mut features = Vec::new();
    let mut stats = ServiceStats {
        per_category: CATEGORIES.iter().map(|&c| (c, 0)).collect(),
        unmapped: 0,
        unmapped_by_tag: BTreeMap::new(),
        broken: BTreeMap::new(),
        skipped: Vec::new(),
        school_isced_both: 0,
        school_isced_absent: 0,
    };
    for (id, tags) in osm.tagged() {
        let relevant = ["amenity", "shop", "leisure"].iter().any(|k| has_key(tags, k));
        if !relevant {
            continue;
        }
        // Classify on tags first; only areas whose category depends on size need the polygon.
        let area = match id.kind {
            Kind::Node => None,
            _ => match classify(tags, Some(f64::INFINITY)) {
                None => None,
                Some(_) => match osm.area(id) {
                    Ok(mp) => Some(mp),
                    Err(b) => {
                        *stats.broken.entry(b).or_default() += 1;
                        let name = tag(tags, "name").unwrap_or("unnamed");
                        stats.skipped.push(format!("{id} {name} ({b})"));
                        continue;
                    }
                },
            },
        };
        let area_m2 = area.as_ref().map(|mp| round_to(mp.geodesic_area_unsigned(), 1));
        let Some((category, osm_tag)) = classify(tags, area_m2) else {
            stats.unmapped += 1;
            let key = ["amenity", "shop", "leisure"]
                .iter()
                .find_map(|k| tag(tags, k).map(|v| format!("{k}={v}")))
                .unwrap_or_default();
            *stats.unmapped_by_tag.entry(key).or_default() += 1;
            continue;
        };
        if tag(tags, "amenity") == Some("school") {
            match isced_levels(tags) {
                None => stats.school_isced_absent += 1,
                Some(l) if l.contains(&1) && l.contains(&2) => stats.school_isced_both += 1,
                Some(_) => {}
            }
        }
        let Some(point) = osm.point_of(id, area.as_ref()) else {
            *stats.broken.entry(Broken::Degenerate).or_default() += 1;
            continue;
        };
        *stats.per_category.entry(category).or_default() += 1;
        let mut props = JsonObject::new();
        props.insert("id".into(), json!(id.to_string()));
        props.insert("category".into(), json!(category));
        props.insert("name".into(), json!(tag(tags, "name")));
        if let Some(zh) = tag(tags, "name:zh") {
            props.insert("name_zh".into(), json!(zh));
        }
        props.insert("osm_tag".into(), json!(osm_tag));
        if let Some(a) = area_m2 {
            props.insert("land_area_m2".into(), json!(a));
        }
        let position = vec![round_to(point.x(), 7), round_to(point.y(), 7)];
        features.push((id, feature(GeometryValue::new_point(position), props)));
    }
    features.sort_by_key(|(id, _)| *id);
    (features, stats)
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

/// Where to read and write.
pub struct Args {
    /// The OpenStreetMap extract.
    pub pbf: PathBuf,
    /// The population grid (GeoJSON polygons with a population).
    pub grid: PathBuf,
    /// The output folder.
    pub out: PathBuf,
}

fn parse_args() -> BoxResult<Args> {
    let mut args = Args {
        pbf: PathBuf::from("data/source/Helsinki.osm.pbf"),
        grid: PathBuf::from("data/source/population_grid_2020.geojson"),
        out: PathBuf::from("data"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--pbf" => &mut args.pbf,
            "--grid" => &mut args.grid,
            "--out" => &mut args.out,
            "-h" | "--help" => {
                println!(
                    "usage: prepare_sample [--pbf data/source/Helsinki.osm.pbf] \
                     [--grid data/source/population_grid_2020.geojson] [--out data]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (try --help)").into()),
        };
        *slot = it.next().map(PathBuf::from).ok_or_else(|| format!("{flag} needs a value"))?;
    }
    Ok(args)
}

/// The walkable ways as LineStrings, by way id. A way clipped at the extract's
/// edge keeps its runs of at least two nodes that are present.
fn build_network(osm: &Osm) -> (Vec<Feature>, usize) {
    let mut features = Vec::new();
    let mut clipped = 0;
    for (&id, way) in &osm.ways {
        // The same rule as `lifecircle import-osm`.
        let Some(highway) = way.tags.get("highway").filter(|_| lifecircle::internals::is_walkable(&way.tags)) else {
            continue;
        };
        let mut runs: Vec<Vec<Vec<f64>>> = vec![Vec::new()];
        for r in &way.refs {
            match osm.coords.get(r) {
                Some(c) => {
                    runs.last_mut().into_iter().for_each(|run| run.push(vec![round_to(c.x, 7), round_to(c.y, 7)]))
                }
                None => runs.push(Vec::new()),
            }
        }
        if runs.len() > 1 {
            clipped += 1;
        }
        for (part, run) in runs.into_iter().filter(|r| r.len() >= 2).enumerate() {
            let mut props = JsonObject::new();
            props.insert("id".into(), json!(if part == 0 { format!("w{id}") } else { format!("w{id}.{part}") }));
            props.insert("highway".into(), json!(highway));
            if let Some(o) = way.tags.get("oneway:foot") {
                props.insert("oneway_foot".into(), json!(o));
            }
            features.push(feature(GeometryValue::new_line_string(run), props));
        }
    }
    (features, clipped)
}

fn main() -> BoxResult<()> {
    prepare(&parse_args()?)
}

/// Writes residences.geojson, services.geojson and network.geojson from `args.pbf` and
/// `args.grid` into `args.out`, printing what it kept and skipped (also used by
/// `benches/network.rs` to prepare other extracts).
pub fn prepare(args: &Args) -> BoxResult<()> {
    let osm = read_osm(&args.pbf)?;
    let cells = read_grid(&args.grid)?;
    println!(
        "read {}: {} nodes, {} ways, {} relations",
        args.pbf.display(),
        osm.counts[0],
        osm.counts[1],
        osm.counts[2]
    );
    println!("read {}: {} cells", args.grid.display(), cells.len());
    fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;

    // Residences
    let (residences, rs) = build_residences(&osm, &cells);
    let features: Vec<Feature> = residences.iter().map(residence_feature).collect();
    let path = args.out.join("residences.geojson");
    write_collection(&path, "residences", ATTRIBUTION, &features)?;
    println!("\nwrote {}: {} residential buildings", path.display(), residences.len());
    for (rule, n) in &rs.by_rule {
        println!("  {n:5}  {rule}");
    }
    for (b, n) in &rs.broken {
        println!("  {n:5}  candidate buildings skipped: {b}");
    }
    println!("  landuse=residential areas: {} ({} broken)", rs.landuse_areas, rs.landuse_broken);
    println!(
        "  households: {} ({} buildings without building:levels use the default {DEFAULT_LEVELS})",
        rs.households, rs.levels_defaulted
    );
    println!("  grid: {} cells, population {:.0}; {} cells used", rs.cells_total, rs.grid_population, rs.cells_used);
    println!("  population allocated from grid: {:.1}", rs.allocated);
    println!(
        "  population of {} populated cells with no building (not spread): {:.1}",
        rs.unallocated_cells, rs.unallocated
    );
    println!(
        "  buildings outside populated cells: {} (estimated population {:.1})",
        rs.estimated_buildings, rs.estimated_population
    );

    // Services
    let (services, ss) = build_services(&osm);
    let path = args.out.join("services.geojson");
    let features: Vec<Feature> = services.into_iter().map(|(_, f)| f).collect();
    write_collection(&path, "services", OSM_ATTRIBUTION, &features)?;
    println!("\nwrote {}: {} services", path.display(), features.len());
    for c in CATEGORIES {
        let n = ss.per_category.get(c).copied().unwrap_or(0);
        println!("  {n:5}  {c}{}", if n == 0 { "  (EMPTY)" } else { "" });
    }
    for (b, n) in &ss.broken {
        println!("  {n:5}  mapped areas skipped: {b}");
    }
    for s in &ss.skipped {
        println!("         {s}");
    }
    println!(
        "  schools: {} without isced:level (-> primary_school), {} with both 1 and 2 (-> primary_school)",
        ss.school_isced_absent, ss.school_isced_both
    );
    println!("  amenity/shop/leisure objects not mapped: {}", ss.unmapped);
    let mut top: Vec<_> = ss.unmapped_by_tag.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = top.iter().take(10).map(|(k, n)| format!("{k} {n}")).collect();
    println!("    most frequent: {}", top.join(", "));

    // Walking network
    let (network, clipped) = build_network(&osm);
    let path = args.out.join("network.geojson");
    write_collection(&path, "network", OSM_ATTRIBUTION, &network)?;
    println!(
        "\nwrote {}: {} walkable lines ({clipped} ways clipped at the extract's edge)",
        path.display(),
        network.len()
    );
    Ok(())
}

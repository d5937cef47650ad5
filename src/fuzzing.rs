//! Invariant checks for every reader, shared by the fuzz targets (`fuzz/fuzz_targets/*.rs`, built
//! with the `fuzzing` feature) and by `cargo test`, which replays the committed seeds and every
//! regression file (`fuzz/seeds/<target>/`, `fuzz/regressions/<target>/`) through the same
//! functions, so a crash the fuzzer found stays fixed without a fuzzer in CI.
//!
//! Each `pub fn <target>(data: &[u8])` feeds the bytes to one reader and panics when an
//! invariant breaks: the reader must not panic, it must return either an error that names the
//! input file or a layer (model) that holds together — attribute rows no wider than the field
//! list, features in file order and no more of them than the input has bytes, finite
//! coordinates in every validated residence, facility, zone and network line. Allocation is
//! bounded by the fuzzer (`-malloc_limit_mb`), not here.
//!
//! Not a public API: hidden from the docs and compiled only for tests and the fuzz crate.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use geo::{CoordsIter, Geometry};

use crate::crs::Crs;
use crate::error::Error;
use crate::io::{FieldMap, Layer, load};
use crate::network::{Direction, NetworkOptions, Snap, WalkingNetwork};
use crate::osm::{ImportOptions, KeepAll, Kind, Osm, OsmId};
use crate::progress::NoProgress;
use crate::standards::StandardProfile;

/// Separates the parts of a [`shapefile`] input: `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`.
pub const PART_SEPARATOR: &[u8] = b"\n--lifecircle-part--\n";

/// Extensions of the shapefile parts, in the order [`PART_SEPARATOR`] splits them.
pub const SHAPEFILE_PARTS: [&str; 5] = ["shp", "shx", "dbf", "prj", "cpg"];

/// The names of the fuzz targets, one per function of this module (and per folder of seeds).
pub const TARGETS: [&str; 8] = ["geojson", "shapefile", "csv", "osm_pbf", "osm_xml", "prj", "profile", "network"];

/// A folder of its own for this thread, `lifecircle-fuzz-<pid>-<n>` under the system's temporary
/// folder (`TMPDIR`), for readers that take a path. Created once per thread; files in it are
/// overwritten by each input. The folders of processes that have ended (libFuzzer's fork mode
/// starts one per job) are removed when a process creates its first one (where `/proc` says
/// which processes run).
fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    }
    DIR.with(|d| {
        d.borrow_mut()
            .get_or_insert_with(|| {
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                if n == 0 {
                    remove_stale_scratch_dirs();
                }
                let dir = std::env::temp_dir().join(format!("lifecircle-fuzz-{}-{n}", std::process::id()));
                if let Err(e) = std::fs::create_dir_all(&dir) {
                    panic!("fuzz harness: cannot create {}: {e}", dir.display());
                }
                dir
            })
            .clone()
    })
}

/// Removes the scratch folders of processes that no longer run (Linux: no `/proc/<pid>`).
fn remove_stale_scratch_dirs() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("lifecircle-fuzz-").and_then(|r| r.split('-').next()) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            // Another process may be removing it too: ignore failures.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes `data` to `name` in the scratch folder and returns its path.
fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    if let Err(e) = std::fs::write(&path, data) {
        panic!("fuzz harness: cannot write {}: {e}", path.display());
    }
    path
}

/// The profile services are resolved against.
fn profile_gb() -> &'static StandardProfile {
    static PROFILE: OnceLock<StandardProfile> = OnceLock::new();
    PROFILE.get_or_init(|| match StandardProfile::built_in("gb50180-2018") {
        Ok(p) => p,
        Err(e) => panic!("the built-in profile does not load: {e}"),
    })
}

/// An error must say something and, when it is about an input, name the file (or one of its
/// siblings, for a shapefile's `.dbf`, `.shx`, `.prj`).
fn check_error(e: &Error, path: &Path) {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "empty error message: {e:?}");
    let stem = path.with_extension("");
    let named = match e {
        Error::Input { location, .. } => Some(&location.path),
        Error::Read { path, .. } => Some(path),
        _ => None,
    };
    match named {
        Some(named) => {
            assert_eq!(named.with_extension(""), stem, "the error names another file: {text}");
            assert!(text.contains(&named.display().to_string()), "the error does not name the file: {text}");
        }
        None => assert!(text.contains(&stem.display().to_string()), "the error does not name the file: {text}"),
    }
}

/// Every coordinate of `g` is finite.
fn check_finite(g: &Geometry<f64>, what: &dyn Fn() -> String) {
    for c in g.coords_iter() {
        assert!(c.x.is_finite() && c.y.is_finite(), "{}: coordinate ({}, {}) is not finite", what(), c.x, c.y);
    }
}

/// A longitude/latitude pair is finite and on the globe.
fn check_lonlat(p: [f64; 2], what: &dyn Fn() -> String) {
    assert!(
        p[0].is_finite() && p[1].is_finite() && (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]),
        "{}: lon/lat {:?} is not on the globe",
        what(),
        p
    );
}

/// A layer holds together: rows no wider than the field list, features in file order and no
/// more of them than the input had bytes.
pub fn check_layer(layer: &Layer, input_len: usize) {
    assert!(layer.features.len() <= input_len.max(1), "{} features from {input_len} bytes", layer.features.len());
    let mut previous = None;
    for f in &layer.features {
        assert!(
            f.values.len() <= layer.fields.len(),
            "feature {}: {} values for {} fields",
            f.index,
            f.values.len(),
            layer.fields.len()
        );
        assert!(previous.is_none_or(|p| f.index > p), "feature index {} after {previous:?}", f.index);
        previous = Some(f.index);
        if let Some((field, message)) = f.geometry_problem.as_deref() {
            assert!(!field.is_empty() && !message.is_empty(), "feature {}: empty geometry problem", f.index);
        }
    }
}

/// Validates the layer as residences, services, zones and network lines: each either fails with
/// an error naming the file, or gives model objects with finite coordinates on the globe.
fn check_load(layer: &Layer) {
    let path = layer.path.clone();
    let fields = FieldMap::default();
    match load::load_residences(layer.clone(), &fields, None, &Default::default(), &NoProgress).map(|l| l.items) {
        Ok(residences) => {
            let mut ids = std::collections::HashSet::new();
            for r in &residences {
                let what = || format!("residence '{}'", r.id);
                check_lonlat(r.lonlat, &what);
                check_finite(&r.geometry, &what);
                assert!(r.households.is_finite() && r.households >= 0.0, "{}: households {}", what(), r.households);
                assert!(r.population.is_finite() && r.population >= 0.0, "{}: population {}", what(), r.population);
                if let Some(e) = r.elderly {
                    assert!(e.is_finite() && e >= 0.0 && e <= r.population + 1e-9, "{}: elderly {e}", what());
                }
                assert!(ids.insert(r.id.as_str()), "residence id '{}' twice", r.id);
            }
        }
        Err(e) => check_error(&e, &path),
    }
    let profile = profile_gb();
    match load::load_facilities(layer.clone(), &fields, None, profile, false, &NoProgress) {
        Ok(load) => {
            for f in &load.facilities {
                let what = || format!("facility '{}'", f.id);
                assert!(f.category < profile.categories.len(), "{}: category {}", what(), f.category);
                check_lonlat(f.lonlat, &what);
                check_finite(&f.geometry, &what);
                for v in [f.capacity, f.land_area_m2, f.floor_area_m2, f.activity_area_m2, f.office_area_m2]
                    .into_iter()
                    .flatten()
                {
                    assert!(v.is_finite() && v >= 0.0, "{}: quantity {v}", what());
                }
            }
        }
        Err(e) => check_error(&e, &path),
    }
    match load::load_zones(layer.clone(), &fields, None, &NoProgress).map(|l| l.items) {
        Ok(zones) => {
            for z in &zones {
                check_finite(&z.geometry, &|| format!("zone '{}'", z.id));
            }
        }
        Err(e) => check_error(&e, &path),
    }
    match load::load_network(layer.clone(), &fields, None, &NoProgress) {
        Ok(lines) => {
            assert_eq!(lines.lonlat.len(), lines.directions.len(), "one direction per network line");
            for (i, line) in lines.lonlat.iter().enumerate() {
                for &p in line {
                    check_lonlat(p, &|| format!("network line {i}"));
                }
            }
        }
        Err(e) => check_error(&e, &path),
    }
}

/// GeoJSON: [`crate::io::geojson_read::read_geojson_bytes`], then the loaders.
pub fn geojson(data: &[u8]) {
    let path = Path::new("fuzz.geojson");
    match crate::io::geojson_read::read_geojson_bytes(path, data) {
        Ok(layer) => {
            check_layer(&layer, data.len());
            let mut names: Vec<&str> = layer.fields.iter().map(String::as_str).collect();
            names.sort_unstable();
            assert!(names.windows(2).all(|w| w[0] != w[1]), "a GeoJSON field listed twice: {:?}", layer.fields);
            check_load(&layer);
        }
        Err(e) => check_error(&e, path),
    }
}

/// Splits a [`shapefile`] input into its parts at [`PART_SEPARATOR`]; missing parts are `None`.
pub fn split_parts(data: &[u8]) -> [Option<&[u8]>; 5] {
    let mut parts = [None; 5];
    let mut rest = Some(data);
    for part in &mut parts {
        let Some(r) = rest else { break };
        match r.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
            Some(at) => {
                *part = Some(&r[..at]);
                rest = Some(&r[at + PART_SEPARATOR.len()..]);
            }
            None => {
                *part = Some(r);
                rest = None;
            }
        }
    }
    parts
}

/// Joins shapefile parts (`.shp`, `.shx`, `.dbf`, then optionally `.prj` and `.cpg`) into one
/// [`shapefile`] input.
pub fn join_parts(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(PART_SEPARATOR)
}

/// Shapefile: the input is split into `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg` (see
/// [`split_parts`]; a part that is absent is no file), written to a scratch folder and read with
/// [`crate::io::shapefile::read_shapefile`], then the loaders.
pub fn shapefile(data: &[u8]) {
    let parts = split_parts(data);
    let dir = scratch_dir();
    for (ext, part) in SHAPEFILE_PARTS.iter().zip(parts) {
        let file = dir.join(format!("fuzz.{ext}"));
        match part {
            Some(bytes) => {
                scratch_file(&format!("fuzz.{ext}"), bytes);
            }
            None => {
                // Absent from this input: no such file (ignore "not found").
                let _ = std::fs::remove_file(&file);
            }
        }
    }
    let path = dir.join("fuzz.shp");
    match crate::io::shapefile::read_shapefile(&path, None) {
        Ok(layer) => {
            check_layer(&layer, data.len());
            check_load(&layer);
        }
        Err(e) => check_error(&e, &path),
    }
}

/// CSV: written to a scratch file and read with [`crate::io::csv_read::read_csv`] (encoding
/// detected), then the loaders.
pub fn csv(data: &[u8]) {
    let path = scratch_file("fuzz.csv", data);
    match crate::io::csv_read::read_csv(&path, None, &FieldMap::default()) {
        Ok(layer) => {
            for f in &layer.features {
                assert!(f.values.len() == layer.fields.len(), "CSV row {}: a ragged row was accepted", f.index);
            }
            check_layer(&layer, data.len());
            check_load(&layer);
        }
        Err(e) => check_error(&e, &path),
    }
}

/// An extract read with [`KeepAll`] holds together: every way's and relation's area (when it
/// can be built) and every element's point have finite coordinates.
fn check_osm(osm: &Osm) {
    let ids: Vec<OsmId> = osm.tagged().map(|(id, _)| id).collect();
    for id in ids {
        let area = osm.area(id).ok();
        if let Some(mp) = &area {
            check_finite(&Geometry::MultiPolygon(mp.clone()), &|| format!("area of {id}"));
        }
        if let Some(p) = osm.point_of(id, area.as_ref()) {
            assert!(p.x().is_finite() && p.y().is_finite(), "point of {id} is not finite");
        }
        if id.kind == Kind::Node {
            assert!(area.is_none(), "node {id} has an area");
        }
    }
    for (id, c) in osm.coords.iter() {
        // Issue 12 item 5: coordinates off the globe are an error naming the element.
        check_lonlat([c.x, c.y], &|| format!("node n{id}"));
    }
}

/// Imports the extract at `path` as `import-osm` does and checks what it made.
fn check_import(path: &Path) {
    match crate::osm::import_osm(path, &ImportOptions::default(), &NoProgress) {
        Ok(import) => {
            for b in &import.residences {
                check_finite(&Geometry::MultiPolygon(b.geometry.clone()), &|| format!("building {}", b.id));
                assert!(
                    b.footprint_m2.is_finite() && b.footprint_m2 >= 0.0,
                    "building {}: footprint {} m² (corners {:?})",
                    b.id,
                    b.footprint_m2,
                    b.geometry.coords_iter().take(4).collect::<Vec<_>>()
                );
            }
            for s in &import.services {
                assert!(s.point.x().is_finite() && s.point.y().is_finite(), "service {}: point", s.id);
            }
            for seg in &import.network {
                assert!(seg.line.0.len() >= 2, "segment {}: fewer than 2 vertices", seg.id);
                check_finite(&Geometry::LineString(seg.line.clone()), &|| format!("segment {}", seg.id));
            }
            for z in &import.zones {
                check_finite(&Geometry::MultiPolygon(z.geometry.clone()), &|| format!("zone {}", z.id));
            }
            let _ = import.report();
        }
        Err(e) => check_error(&e, path),
    }
}

/// OSM PBF: written to a scratch file, read with [`crate::osm::read_pbf`] (every element kept)
/// and imported with [`crate::osm::import_osm`].
pub fn osm_pbf(data: &[u8]) {
    osm_extract("fuzz.osm.pbf", data, crate::osm::read_pbf);
}

/// OSM XML: written to a scratch `.osm` file, read with [`crate::osm::read_xml`] (every element
/// kept) and imported with [`crate::osm::import_osm`].
pub fn osm_xml(data: &[u8]) {
    osm_extract("fuzz.osm", data, crate::osm::read_xml);
}

/// The OSM targets: `data` as the scratch file `name`, read by `read` with every element kept,
/// checked, then imported.
fn osm_extract(
    name: &str,
    data: &[u8],
    read: fn(&Path, &dyn crate::osm::Filter, &dyn crate::progress::Progress) -> crate::Result<Osm>,
) {
    let path = scratch_file(name, data);
    match read(&path, &KeepAll, &NoProgress) {
        Ok(osm) => {
            check_osm(&osm);
            check_import(&path);
        }
        Err(e) => check_error(&e, &path),
    }
}

/// WKT (`.prj`): [`Crs::from_prj`] on the text (invalid UTF-8 replaced, as the shapefile
/// reader does). A recognised CRS must write a `.prj` that reads back as itself and carry a
/// point near its origin to WGS84 and back.
pub fn prj(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(crs) = Crs::from_prj(&text) else { return };
    let _ = crs.label();
    let again = Crs::from_prj(&crs.esri_wkt());
    assert!(matches!(&again, Ok(c) if *c == crs), "{crs:?} writes a .prj that reads back as {again:?}");
    if let Crs::Projected(_) = crs {
        // Any finite answer (or an error) is fine; a panic is not.
        if let Ok((x, y)) = crs.from_wgs84(116.0, 39.0) {
            let _ = crs.to_wgs84(x, y);
        }
    }
}

/// TOML profile: [`StandardProfile::from_toml_str`]; a profile that loads has categories with
/// unique ids and shapefile codes, positive radii, known tiers, and "served by" lists in range.
pub fn profile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // `extends` may name a file: keep the fuzzer to built-in bases (a path could be a device).
    if text.contains("extends") && !text.contains("gb50180") {
        return;
    }
    let p = match StandardProfile::from_toml_str(text, "fuzz.toml") {
        Ok(p) => p,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.toml") || e.to_string().contains("gb50180"), "{e}");
            return;
        }
    };
    assert!(!p.categories.is_empty(), "a profile without categories loaded");
    let mut codes = std::collections::HashSet::new();
    for (i, c) in p.categories.iter().enumerate() {
        assert_eq!(p.index_of(&c.id), Some(i), "category '{}' not found by id", c.id);
        if let Some(r) = c.radius_m {
            assert!(r.is_finite() && r > 0.0, "category '{}': radius {r}", c.id);
        }
        assert!(!c.required || c.radius_m.is_some(), "required category '{}' without radius", c.id);
        if c.tier.is_some() {
            assert!(p.tier_rank(c).is_some(), "category '{}': tier not found", c.id);
        }
        let code = p.dbf_code(i);
        assert!(code.chars().count() <= 8, "category '{}': code '{code}'", c.id);
        assert!(codes.insert(code.clone()), "code '{code}' twice");
        let served = p.served_by(i);
        assert!(served.contains(&i), "category '{}' is not served by itself", c.id);
        assert!(served.iter().all(|&j| j < p.categories.len()), "category '{}': served_by out of range", c.id);
    }
}

/// A [`network`] input decoded by [`network_input`].
#[derive(Debug, Clone)]
pub struct NetworkInput {
    /// The polylines, metres.
    pub lines: Vec<Vec<[f64; 2]>>,
    /// One direction per line (used when `directed`).
    pub directions: Vec<Direction>,
    /// Tolerance and minimum component size from the first two bytes.
    pub opts: NetworkOptions,
    /// Whether to build with directions.
    pub directed: bool,
    /// How many vertices are not finite.
    pub non_finite: usize,
}

/// Turns fuzz bytes into network lines: byte 0 picks the node tolerance, byte 1 the minimum
/// component size, byte 2 whether lines are directed; then 5-byte records `[tag, x (i16 LE),
/// y (i16 LE)]`: tag 0 ends the line (the record's `x` low byte % 3 is the next line's
/// direction), tag 1 is a non-finite vertex, any other tag a vertex at `(x, y)` times a scale
/// picked by `tag % 5`.
pub fn network_input(data: &[u8]) -> NetworkInput {
    const TOLERANCES: [f64; 5] = [0.0, 0.01, 0.5, 3.0, 1e6];
    const SCALES: [f64; 5] = [0.001, 0.01, 1.0, 1e3, 1e9];
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let opts = NetworkOptions {
        node_tolerance_m: TOLERANCES[byte(0) as usize % TOLERANCES.len()],
        min_component: byte(1) as usize % 5,
        max_snap_m: 200.0,
    };
    let directed = byte(2) % 2 == 1;
    let direction = |b: u8| match b % 3 {
        0 => Direction::Both,
        1 => Direction::Forward,
        _ => Direction::Backward,
    };
    let mut lines = vec![Vec::new()];
    let mut directions = vec![Direction::Both];
    let mut non_finite = 0;
    for r in data.get(3..).unwrap_or_default().chunks_exact(5) {
        let x = f64::from(i16::from_le_bytes([r[1], r[2]]));
        let y = f64::from(i16::from_le_bytes([r[3], r[4]]));
        match r[0] {
            0 => {
                lines.push(Vec::new());
                directions.push(direction(r[1]));
            }
            1 => {
                non_finite += 1;
                if let Some(l) = lines.last_mut() {
                    l.push([f64::NAN, y]);
                }
            }
            tag => {
                let s = SCALES[tag as usize % SCALES.len()];
                if let Some(l) = lines.last_mut() {
                    l.push([x * s, y * s]);
                }
            }
        }
    }
    NetworkInput { lines, directions, opts, directed, non_finite }
}

/// Network builder: [`WalkingNetwork::build`] or [`WalkingNetwork::build_directed`] on lines
/// from [`network_input`]. The network must agree with its report, have edges between two
/// distinct existing nodes (lower first, each pair once) with finite lengths, keep only
/// components of at least `min_component` nodes, and snap its own vertices onto its edges.
pub fn network(data: &[u8]) {
    let NetworkInput { lines, directions, opts, directed, non_finite } = network_input(data);
    let built = if directed {
        WalkingNetwork::build_directed(&lines, &directions, &opts)
    } else {
        WalkingNetwork::build(&lines, &opts)
    };
    let (net, report) = match built {
        Ok(b) => b,
        Err(e) => panic!("building a network of {} lines failed: {e}", lines.len()),
    };
    let (n, m) = (net.node_count(), net.edge_count());
    assert_eq!((report.nodes, report.edges), (n, m), "report and network disagree");
    assert_eq!(report.lines, lines.len());
    assert_eq!(report.vertices_skipped, non_finite, "non-finite vertices skipped");
    let finite: usize = lines.iter().map(|l| l.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).count()).sum();
    assert!(n + report.nodes_dropped <= finite, "{n} + {} nodes from {finite} vertices", report.nodes_dropped);
    let mut pairs = std::collections::HashSet::new();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for e in 0..m as u32 {
        let [a, b] = net.edge_nodes(e);
        assert!(a < b && (b as usize) < n, "edge {e}: nodes {a}, {b} of {n}");
        assert!(pairs.insert((a, b)), "edge {e}: nodes {a}, {b} joined twice");
        let len = net.edge_length(e);
        assert!(len.is_finite() && len >= 0.0, "edge {e}: length {len}");
        let (ra, rb) = (root(&mut parent, a as usize), root(&mut parent, b as usize));
        parent[ra] = rb;
        if !directed {
            assert_eq!(net.edge_direction(e), Direction::Both, "edge {e} of an undirected network is one-way");
        }
    }
    let mut degree_sum = 0;
    let mut size = vec![0usize; n];
    for v in 0..n as u32 {
        let [x, y] = net.node_xy(v);
        assert!(x.is_finite() && y.is_finite(), "node {v}: ({x}, {y})");
        for (to, len) in net.neighbours(v) {
            assert!((to as usize) < n && to != v, "node {v}: neighbour {to}");
            assert!(len.is_finite() && len >= 0.0, "node {v}: link length {len}");
            degree_sum += 1;
        }
        size[root(&mut parent, v as usize)] += 1;
    }
    assert_eq!(degree_sum, 2 * m, "each edge appears once from each end");
    let roots = (0..n).filter(|&v| root(&mut parent, v) == v).count();
    assert_eq!(roots, report.components_kept, "components kept");
    if opts.min_component > 1 {
        assert!(size.iter().all(|&s| s == 0 || s >= opts.min_component), "a component below min_component was kept");
    }
    for v in (0..n as u32).take(64) {
        let p = net.node_xy(v);
        match net.snap_one(p, opts.max_snap_m) {
            Snap::Snapped { edge, t, offset_m } => {
                assert!((edge as usize) < m, "snap: edge {edge} of {m}");
                assert!((0.0..=1.0).contains(&t), "snap: t = {t}");
                assert!(offset_m.is_finite() && offset_m <= opts.max_snap_m, "snap: offset {offset_m}");
            }
            Snap::Unreachable => {
                assert!(net.neighbours(v).next().is_none(), "node {v} of an edge does not snap onto the network");
            }
        }
    }
}

/// The function of a target by name.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "geojson" => geojson,
        "shapefile" => shapefile,
        "csv" => csv,
        "osm_pbf" => osm_pbf,
        "osm_xml" => osm_xml,
        "prj" => prj,
        "profile" => profile,
        "network" => network,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files under `fuzz/<kind>/<target>/`, sorted.
    fn files(kind: &str, target: &str) -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target);
        let mut out: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect(),
            Err(_) => Vec::new(),
        };
        out.sort();
        out
    }

    /// Replays every file of `kind` for every target; fails naming every file that panics.
    fn replay(kind: &str) -> usize {
        let mut count = 0;
        let mut panics = Vec::new();
        for name in TARGETS {
            let run = target(name).unwrap();
            for file in files(kind, name) {
                let data = std::fs::read(&file).unwrap();
                if std::panic::catch_unwind(|| run(&data)).is_err() {
                    panics.push(format!("{name}: {}", file.display()));
                }
                count += 1;
            }
        }
        assert!(panics.is_empty(), "fuzz targets panic on:\n{}", panics.join("\n"));
        count
    }

    #[test]
    fn every_target_has_seeds_and_they_pass() {
        for name in TARGETS {
            assert!(target(name).is_some());
            assert!(!files("seeds", name).is_empty(), "no seeds in fuzz/seeds/{name}");
        }
        assert!(replay("seeds") >= TARGETS.len());
    }

    #[test]
    fn regressions_pass() {
        replay("regressions");
    }

    /// The generated seeds (fuzz/tools/make_seeds.py) are read, not rejected: they lead the
    /// fuzzer into the readers' success paths.
    #[test]
    fn generated_seeds_read() {
        let seed = |target: &str, name: &str| {
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target).join(name)).unwrap()
        };
        let parts = seed("shapefile", "points_wgs84_utf8.bin");
        let parts = split_parts(&parts);
        let dir = tempfile::tempdir().unwrap();
        for (ext, part) in SHAPEFILE_PARTS.iter().zip(parts) {
            std::fs::write(dir.path().join(format!("s.{ext}")), part.unwrap()).unwrap();
        }
        let layer = crate::io::shapefile::read_shapefile(&dir.path().join("s.shp"), None).unwrap();
        assert_eq!(layer.features.len(), 3);
        assert!(matches!(layer.declared_crs, Some(Crs::Wgs84)));

        let mut counts = Vec::new();
        for (name, bytes) in [
            ("a.osm.pbf", seed("osm_pbf", "small_raw.osm.pbf")),
            ("b.osm.pbf", seed("osm_pbf", "small_zlib.osm.pbf")),
            ("c.osm", seed("osm_xml", "small.osm")),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let osm = crate::osm::read_osm(&path, &KeepAll, &NoProgress).unwrap();
            let area = osm.area(OsmId { kind: Kind::Relation, id: 200 });
            assert!(area.is_ok(), "{name}: the multipolygon: {area:?}");
            counts.push((osm.coords.len(), osm.ways.len(), osm.relations.len()));
        }
        assert_eq!(counts, vec![(14, 4, 2); 3]);

        let gk = String::from_utf8(seed("prj", "cgcs2000_gk_cm117.prj")).unwrap();
        assert!(matches!(Crs::from_prj(&gk), Ok(Crs::Projected(_))));
    }

    /// Findings whose fix belongs to another change (`fuzz/open/<target>/`, see fuzz/README.md):
    /// they fail today; once fixed, move the file to `fuzz/regressions/<target>/`.
    #[test]
    #[ignore = "open fuzz findings: they fail until fixed"]
    fn open_findings_pass() {
        replay("open");
    }

    #[test]
    fn shapefile_parts_split_and_join() {
        let joined = join_parts(&[b"a", b"", b"c"]);
        assert_eq!(split_parts(&joined), [Some(&b"a"[..]), Some(&b""[..]), Some(&b"c"[..]), None, None]);
        assert_eq!(split_parts(b""), [Some(&b""[..]), None, None, None, None]);
    }

    #[test]
    #[should_panic(expected = "values for 1 fields")]
    fn check_layer_catches_a_row_wider_than_the_fields() {
        let layer = Layer {
            path: "x.geojson".into(),
            fields: vec!["a".into()],
            features: vec![crate::io::RawFeature {
                index: 0,
                fid: None,
                geometry: None,
                geometry_problem: None,
                geometry_note: None,
                values: vec![crate::io::Value::Null, crate::io::Value::Null],
            }],
            declared_crs: None,
            attribution: None,
        };
        check_layer(&layer, 100);
    }

    #[test]
    #[should_panic(expected = "names another file")]
    fn check_error_catches_an_error_naming_no_file() {
        let e = Error::Read { path: "other.csv".into(), cause: std::io::Error::other("boom") };
        check_error(&e, Path::new("fuzz.csv"));
    }

    #[test]
    fn network_input_counts_non_finite_vertices() {
        // tolerance 0, min component 0, undirected; a vertex, a NaN, a line break, a vertex.
        let data = [0, 0, 0, 2, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 0, 5, 0];
        let input = network_input(&data);
        assert_eq!(input.lines.len(), 2);
        assert_eq!(input.directions.len(), 2);
        assert_eq!(input.non_finite, 1);
        assert!(!input.directed);
        assert_eq!(input.opts.node_tolerance_m, 0.0);
        assert_eq!(input.lines[1], vec![[5000.0, 5000.0]]);
        network(&data);
    }
}

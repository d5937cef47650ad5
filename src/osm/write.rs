//! The files import-osm writes (residences, services, network and zones as GeoJSON with a
//! `name` and an `attribution` member), through the one GeoJSON writer
//! ([`crate::io::write::write_geojson_collection`]); coordinates rounded to 7 decimals.

use std::path::{Path, PathBuf};

use geo::MultiPolygon;
use serde_json::{Map, Value, json};

use super::ATTRIBUTION;
use super::import::{OsmImport, Service, Zone};
use super::network::Segment;
use super::residences::{Building, round_to};
use crate::error::Result;
use crate::io::output::{ManifestMode, OutputDir};
use crate::io::write::{CollectionHead, write_geojson_collection};
use crate::progress::{NoProgress, Progress};

impl OsmImport {
    /// Writes residences.geojson, services.geojson, network.geojson and (when there are zones)
    /// zones.geojson into `dir`, atomically, refusing to replace the extract; returns the paths
    /// written.
    pub fn write_geojson(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut out = OutputDir::open(dir, "import-osm", std::slice::from_ref(&self.path), ManifestMode::Replace)?;
        self.write_geojson_into(&mut out, &NoProgress)?;
        Ok(out.commit(false)?.written)
    }

    /// Writes the layers of [`OsmImport::write_geojson`] into the staging folder of `out`,
    /// reporting each file as a step `"writing <file>"` (features) to `progress`; the caller
    /// commits.
    pub fn write_geojson_into(&self, out: &mut OutputDir, progress: &dyn Progress) -> Result<()> {
        let (p, a) = (progress, ATTRIBUTION);
        write_feature_collection(
            &out.file("residences.geojson")?,
            "residences",
            a,
            &self.residences,
            residence_feature,
            p,
        )?;
        write_feature_collection(&out.file("services.geojson")?, "services", a, &self.services, service_feature, p)?;
        write_feature_collection(&out.file("network.geojson")?, "network", a, &self.network, segment_feature, p)?;
        if !self.zones.is_empty() {
            write_feature_collection(&out.file("zones.geojson")?, "zones", a, &self.zones, zone_feature, p)?;
        }
        Ok(())
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

/// The files an import writes (zones.geojson only when the extract has zones).
pub const OUTPUT_NAMES: [&str; 4] = ["residences.geojson", "services.geojson", "network.geojson", "zones.geojson"];

/// Writes `items` as a GeoJSON FeatureCollection with a `name` and an `attribution` member, one
/// feature per line (valid JSON that diffs well), as import-osm writes its layers, as a step
/// `"writing <file name>"` (features) on `progress`. Features are formatted by `feature` in
/// parallel and written in order (the same bytes for any thread count). Writes `path`
/// directly: callers wanting atomic output pass an [`OutputDir`] staging path.
pub fn write_feature_collection<T: Sync>(
    path: &Path,
    name: &str,
    attribution: &str,
    items: &[T],
    feature: impl Fn(&T) -> Value + Sync,
    progress: &dyn Progress,
) -> Result<()> {
    let head = CollectionHead { name: Some(name), attribution: Some(attribution), ..CollectionHead::default() };
    let feature = &feature;
    write_geojson_collection(path, &head, items.len(), progress, || {
        move |i: usize, text: &mut String| {
            text.push_str(&feature(&items[i]).to_string());
            Ok(())
        }
    })
}

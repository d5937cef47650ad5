//! The imported layers in memory, as the analysis reads them ([`OsmImport::layers`],
//! [`OsmImport::zones_layer`]): WGS84, the same fields as the files import-osm writes.

use super::ATTRIBUTION;
use super::import::OsmImport;
use crate::io::{Layer, RawFeature, Value as FieldValue};

impl OsmImport {
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
}

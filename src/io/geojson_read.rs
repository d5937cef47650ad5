//! Streaming GeoJSON reader: a FeatureCollection (or a single Feature) is decoded one feature at
//! a time straight into a [`Layer`], so memory stays proportional to the kept data, and the
//! legacy `crs` member (GeoJSON 2008) is honoured.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::layer::{Layer, RawFeature, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a GeoJSON file into a layer, streaming it through a buffer (the file is never held
/// in memory whole; it is read again only to explain an error).
pub fn read_geojson(path: &Path) -> Result<Layer> {
    let read_err = |cause| Error::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    if reader.fill_buf().map_err(read_err)?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    decode(path, serde_json::Deserializer::from_reader(reader), || std::fs::read(path).unwrap_or_default())
}

/// Reads GeoJSON from memory; `path` is used in messages only.
pub fn read_geojson_bytes(path: &Path, bytes: &[u8]) -> Result<Layer> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    decode(path, serde_json::Deserializer::from_slice(body), || bytes.to_vec())
}

/// Decodes a whole GeoJSON document; `source_bytes` gives the raw file to explain a failure.
fn decode<'de, R: serde_json::de::Read<'de>>(
    path: &Path,
    mut de: serde_json::Deserializer<R>,
    source_bytes: impl FnOnce() -> Vec<u8>,
) -> Result<Layer> {
    let mut builder = Builder {
        path,
        fields: Vec::new(),
        columns: HashMap::new(),
        features: Vec::new(),
        crs_name: None,
        kind: None,
        problem: None,
        failed_feature: None,
    };
    let parsed = (&mut de).deserialize_map(TopVisitor { b: &mut builder }).and_then(|()| de.end());
    if let Some(problem) = builder.problem.take() {
        return Err(problem);
    }
    if let Err(e) = parsed {
        return Err(explain(path, &e, builder.failed_feature, &source_bytes()));
    }
    match builder.kind.as_deref() {
        Some("FeatureCollection") | Some("Feature") => {}
        Some(other) => {
            return Err(Error::input(
                Location::file(path),
                format!("GeoJSON type is '{other}': expected a FeatureCollection of features"),
            ));
        }
        None => {
            return Err(Error::input(Location::file(path), "not GeoJSON: no \"type\" member"));
        }
    }
    let declared_crs = match builder.crs_name {
        Some(name) => Some(
            Crs::from_ogc_name(&name)
                .map_err(|cause| Error::Crs { context: format!("{}: crs member '{name}'", path.display()), cause })?,
        ),
        None => None,
    };
    Ok(Layer { path: path.to_path_buf(), fields: builder.fields, features: builder.features, declared_crs })
}

/// Turns a JSON parse failure into a message for people, looking at the file's bytes.
fn explain(path: &Path, e: &serde_json::Error, failed_feature: Option<usize>, raw: &[u8]) -> Error {
    let bytes = raw.strip_prefix(BOM).unwrap_or(raw);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Error::input(Location::file(path), "the file is empty");
    }
    let location = match failed_feature {
        Some(i) => Location::file(path).feature(i, None),
        None => Location::file(path),
    };
    let offset = offset_of(bytes, e.line(), e.column());
    let rest = bytes.get(offset.saturating_sub(1)..).unwrap_or_default();
    let msg = if let Err(bad) = std::str::from_utf8(bytes) {
        let (line, column) = line_column(bytes, bad.valid_up_to());
        format!(
            "the file is not valid UTF-8 (at line {line} column {column}): GeoJSON must be UTF-8; \
             was it saved as GBK? Re-save it as UTF-8"
        )
    } else if e.is_eof() {
        format!("the file ends too early (truncated JSON?) at line {} column {}", e.line(), e.column())
    } else if let Some(word) = [&b"NaN"[..], b"Infinity", b"-Infinity"].into_iter().find(|w| rest.starts_with(w)) {
        format!(
            "{} at line {} column {} is not valid JSON (Python's json.dump writes it for missing or \
             infinite numbers): write null for a missing value",
            String::from_utf8_lossy(word),
            e.line(),
            e.column()
        )
    } else {
        format!("invalid GeoJSON: {e}")
    };
    Error::input(location, msg)
}

/// 1-based line and column of a byte offset.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    (line, column)
}

/// Byte offset of a 1-based line and column as serde_json reports them.
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    start + column
}

struct Builder<'p> {
    path: &'p Path,
    fields: Vec<String>,
    columns: HashMap<String, usize>,
    features: Vec<RawFeature>,
    crs_name: Option<String>,
    kind: Option<String>,
    /// A problem found while decoding that is better reported as an input error than as JSON.
    problem: Option<Error>,
    /// The feature being decoded when the JSON failed.
    failed_feature: Option<usize>,
}

impl Builder<'_> {
    fn column(&mut self, key: &str) -> usize {
        if let Some(&c) = self.columns.get(key) {
            return c;
        }
        let c = self.fields.len();
        self.fields.push(key.to_owned());
        self.columns.insert(key.to_owned(), c);
        c
    }

    fn fail<E: de::Error>(&mut self, error: Error) -> E {
        let text = error.to_string();
        self.problem = Some(error);
        E::custom(text)
    }
}

struct TopVisitor<'a, 'p> {
    b: &'a mut Builder<'p>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut single: Option<FeatureIn> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => self.b.kind = Some(map.next_value::<String>()?),
                "features" => map.next_value_seed(FeaturesSeed { b: self.b })?,
                "crs" => {
                    let v: serde_json::Value = map.next_value()?;
                    self.b.crs_name =
                        v.get("properties").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_owned);
                }
                // A lone Feature: keep its members.
                "geometry" => single.get_or_insert_with(FeatureIn::default).geometry = map.next_value()?,
                "properties" => single.get_or_insert_with(FeatureIn::default).properties = map.next_value()?,
                "id" => single.get_or_insert_with(FeatureIn::default).id = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.b.kind.as_deref() == Some("Feature") {
            let f = single.unwrap_or_default();
            add_feature(self.b, f).map_err(|e| self.b.fail(e))?;
        }
        Ok(())
    }
}

struct FeaturesSeed<'a, 'p> {
    b: &'a mut Builder<'p>,
}

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let index = self.b.features.len();
            match seq.next_element::<FeatureIn>() {
                Ok(Some(f)) => add_feature(self.b, f).map_err(|e| self.b.fail(e))?,
                Ok(None) => return Ok(()),
                Err(e) => {
                    self.b.failed_feature = Some(index);
                    return Err(e);
                }
            }
        }
    }
}

#[derive(Default, serde::Deserialize)]
struct FeatureIn {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    geometry: Option<GeometryIn>,
    #[serde(default)]
    properties: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(serde::Deserialize)]
struct GeometryIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    coordinates: Option<Coords>,
}

/// Nested coordinate arrays of any depth.
enum Coords {
    Number(f64),
    List(Vec<Coords>),
}

impl<'de> serde::Deserialize<'de> for Coords {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Coords;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
                Ok(Coords::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(2));
                while let Some(c) = seq.next_element()? {
                    out.push(c);
                }
                Ok(Coords::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn add_feature(b: &mut Builder, f: FeatureIn) -> Result<()> {
    let index = b.features.len();
    let fid = f.id.as_ref().and_then(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let loc = Location::file(b.path).feature(index, fid.as_deref());
    if let Some(kind) = &f.kind
        && kind != "Feature"
    {
        return Err(Error::input(loc.field("type"), format!("is '{kind}', expected 'Feature'")));
    }
    let (geometry, geometry_problem) = match f.geometry.map(decode_geometry) {
        None => (None, None),
        Some(Ok(g)) => (Some(g), None),
        Some(Err(m)) => (None, Some(("geometry".to_owned(), m))),
    };
    let mut values = Vec::new();
    if let Some(props) = f.properties {
        for (key, v) in props {
            let c = b.column(&key);
            if values.len() <= c {
                values.resize(c + 1, Value::Null);
            }
            values[c] = match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(x) => Value::Bool(x),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => Value::Text(s),
                other => Value::Text(other.to_string()),
            };
        }
    }
    b.features.push(RawFeature { index, fid, geometry, geometry_problem: geometry_problem.map(Box::new), values });
    Ok(())
}

fn position(c: &Coords) -> Result<Coord<f64>, String> {
    match c {
        Coords::List(v) if v.len() >= 2 => match (&v[0], &v[1]) {
            (Coords::Number(x), Coords::Number(y)) => Ok(Coord { x: *x, y: *y }),
            _ => Err("a position must be an array of numbers [x, y]".into()),
        },
        _ => Err("a position must be an array of at least two numbers [x, y]".into()),
    }
}

fn list<'c>(c: &'c Coords, what: &str) -> Result<&'c [Coords], String> {
    match c {
        Coords::List(v) => Ok(v),
        Coords::Number(_) => Err(format!("{what} must be an array")),
    }
}

fn ring(c: &Coords) -> Result<LineString<f64>, String> {
    let pts = list(c, "a polygon ring")?.iter().map(position).collect::<Result<Vec<_>, _>>()?;
    if pts.len() < 4 {
        return Err(format!("a polygon ring needs at least 4 positions, this one has {}", pts.len()));
    }
    Ok(LineString::from(pts))
}

fn polygon(c: &Coords) -> Result<Polygon<f64>, String> {
    let rings = list(c, "polygon coordinates")?;
    let mut it = rings.iter();
    let exterior = ring(it.next().ok_or("a polygon needs at least one ring")?)?;
    let interiors = it.map(ring).collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn decode_geometry(g: GeometryIn) -> Result<Geometry<f64>, String> {
    let Some(c) = &g.coordinates else {
        return Err(format!("{} geometry has no coordinates", g.kind));
    };
    Ok(match g.kind.as_str() {
        "Point" => Geometry::Point(Point(position(c)?)),
        "MultiPoint" => Geometry::MultiPoint(
            list(c, "MultiPoint coordinates")?
                .iter()
                .map(|p| position(p).map(Point))
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        ),
        "LineString" => Geometry::LineString(LineString::from(
            list(c, "LineString coordinates")?.iter().map(position).collect::<Result<Vec<_>, _>>()?,
        )),
        "MultiLineString" => Geometry::MultiLineString(geo::MultiLineString(
            list(c, "MultiLineString coordinates")?
                .iter()
                .map(|l| {
                    Ok(LineString::from(list(l, "a line")?.iter().map(position).collect::<Result<Vec<_>, String>>()?))
                })
                .collect::<Result<Vec<_>, String>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            list(c, "MultiPolygon coordinates")?.iter().map(polygon).collect::<Result<Vec<_>, _>>()?,
        )),
        other => return Err(format!("unsupported geometry type '{other}'")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Layer> {
        read_geojson_bytes(Path::new("t.geojson"), s.as_bytes())
    }

    #[test]
    fn reads_points_polygons_and_properties() {
        let l = read(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[116.4,39.9]},"properties":{"households":12,"name":"a"}},
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"name":"b","x":true}}]}"#,
        )
        .unwrap();
        assert_eq!(l.fields, vec!["households", "name", "x"]);
        assert_eq!(l.features.len(), 2);
        assert_eq!(l.features[0].fid.as_deref(), Some("7"));
        assert_eq!(l.features[0].value(0), &Value::Number(12.0));
        assert_eq!(l.features[1].value(2), &Value::Bool(true));
        assert!(matches!(l.features[1].geometry, Some(Geometry::Polygon(_))));
    }

    #[test]
    fn truncated_json_is_a_clear_error() {
        let e = read(r#"{"type":"FeatureCollection","features":[{"type":"Feature","geo"#).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn bad_position_names_the_feature() {
        // The problem is kept with the feature and reported by the loader, which knows its id.
        let l = read(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1]}}]}"#)
            .unwrap();
        let (field, msg) = l.features[0].geometry_problem.clone().map(|b| *b).unwrap();
        assert_eq!(field, "geometry");
        assert!(msg.contains("at least two numbers"), "{msg}");
    }
}

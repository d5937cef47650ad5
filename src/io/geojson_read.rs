//! Streaming GeoJSON reader: a FeatureCollection (or a single Feature) is decoded one feature at
//! a time straight into a [`Layer`], so memory stays proportional to the kept data, and the
//! legacy `crs` member (GeoJSON 2008) is honoured.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::layer::{Layer, RawFeature, Value};
use crate::progress::{CountingReader, Progress, Step};

mod geometry;

use geometry::{GeometryIn, decode_geometry, unclosed_rings};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a GeoJSON file into a layer, streaming it through a buffer (the file is never held
/// in memory whole; it is read again only to explain an error), reporting the read as a step
/// `"reading <file name>"` (bytes of the file) to `progress`.
pub fn read_geojson(path: &Path, progress: &dyn Progress) -> Result<Layer> {
    let name = format!("reading {}", path.file_name().unwrap_or(path.as_os_str()).to_string_lossy());
    let size = std::fs::metadata(path).ok().map(|m| m.len());
    read_file(path, &Step::begin(progress, &name, size), &|_| true)
}

/// [`read_geojson`] keeping only the properties whose name `keep` accepts: the others are
/// skipped as they stream past, so a wide layer (a households.geojson with a column per
/// category) costs memory only for the columns a caller reads.
#[cfg(any(test, feature = "report"))]
pub fn read_geojson_fields(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Layer> {
    read_file(path, &Step::none(), keep)
}

/// Streams the file at `path` through [`decode`].
fn read_file(path: &Path, step: &Step, keep: &dyn Fn(&str) -> bool) -> Result<Layer> {
    let read_err = |cause| Error::Read { path: path.into(), cause };
    let file = File::open(path).map_err(read_err)?;
    let mut reader = BufReader::with_capacity(1 << 20, CountingReader { inner: file, step });
    if reader.fill_buf().map_err(read_err)?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    decode(path, serde_json::Deserializer::from_reader(reader), || std::fs::read(path).unwrap_or_default(), keep)
}

/// Reads GeoJSON from memory; `path` is used in messages only.
pub fn read_geojson_bytes(path: &Path, bytes: &[u8]) -> Result<Layer> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    decode(path, serde_json::Deserializer::from_slice(body), || bytes.to_vec(), &|_| true)
}

/// Decodes a whole GeoJSON document; `source_bytes` gives the raw file to explain a failure.
fn decode<'de, R: serde_json::de::Read<'de>>(
    path: &Path,
    mut de: serde_json::Deserializer<R>,
    source_bytes: impl FnOnce() -> Vec<u8>,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Layer> {
    let mut builder = Builder {
        path,
        keep,
        attribution: None,
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
    Ok(Layer {
        path: path.to_path_buf(),
        fields: builder.fields,
        features: builder.features,
        declared_crs,
        attribution: builder.attribution,
    })
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
    /// Which properties to keep (by name).
    keep: &'p dyn Fn(&str) -> bool,
    /// The collection's `attribution` member (written by `import-osm`), if any.
    attribution: Option<String>,
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
        let mut single = FeatureIn::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if matches!(key.as_str(), "type" | "features" | "geometry" | "properties" | "id" | "crs") {
                if seen.contains(&key) {
                    let e = duplicate_member(Location::file(self.b.path), &key, "the document");
                    return Err(self.b.fail(e));
                }
                seen.push(key.clone());
            }
            match key.as_str() {
                "type" => self.b.kind = Some(map.next_value::<String>()?),
                "features" => map.next_value_seed(FeaturesSeed { b: self.b })?,
                "attribution" => {
                    let v: serde_json::Value = map.next_value()?;
                    self.b.attribution = v.as_str().map(str::to_owned);
                }
                "crs" => {
                    let v: serde_json::Value = map.next_value()?;
                    self.b.crs_name =
                        v.get("properties").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_owned);
                }
                // A lone Feature: keep its members.
                "geometry" => single.geometry = map.next_value()?,
                "properties" => map.next_value_seed(PropertiesSeed { b: &mut *self.b, values: &mut single.values })?,
                "id" => single.id = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.b.kind.as_deref() == Some("Feature") {
            add_feature(self.b, single).map_err(|e| self.b.fail(e))?;
        }
        Ok(())
    }
}

/// A member given twice in one object: JSON parsers disagree on which one counts (serde keeps
/// the last, others the first), so the file is ambiguous and rejected.
fn duplicate_member(at: Location, name: &str, what: &str) -> Error {
    Error::input(
        at,
        format!(
            "{what} has two \"{name}\" members: each member may appear once (other tools would read a different one); \
             remove or rename one of them"
        ),
    )
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
            match seq.next_element_seed(FeatureSeed { b: self.b }) {
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

/// A feature as decoded: its attributes already placed in the layer's columns.
#[derive(Default)]
struct FeatureIn {
    /// The `type` member when it is not "Feature".
    wrong_kind: Option<String>,
    id: Option<serde_json::Value>,
    geometry: Option<GeometryIn>,
    values: Vec<Value>,
}

/// The members of a feature or geometry object that lifecircle reads.
enum Member {
    Type,
    Id,
    Geometry,
    Properties,
    Coordinates,
    Other,
}

/// Reads an object key without allocating (serde_json hands over a borrowed buffer).
struct MemberSeed;

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Member;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Member, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed {
    type Value = Member;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Member, E> {
        Ok(match v {
            "type" => Member::Type,
            "id" => Member::Id,
            "geometry" => Member::Geometry,
            "properties" => Member::Properties,
            "coordinates" => Member::Coordinates,
            _ => Member::Other,
        })
    }
}

/// Reads a `type` value, returning it only when it differs from the expected one.
struct KindSeed(&'static str);

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = Option<String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KindSeed {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a type name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<String>, E> {
        Ok((v != self.0).then(|| v.to_owned()))
    }
}

struct FeatureSeed<'a, 'p> {
    b: &'a mut Builder<'p>,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_, '_> {
    type Value = FeatureIn;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<FeatureIn, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_, '_> {
    type Value = FeatureIn;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FeatureIn, A::Error> {
        let mut f = FeatureIn::default();
        // Bit per member read (type, id, geometry, properties): a second one is an error.
        let mut seen = 0u8;
        while let Some(member) = map.next_key_seed(MemberSeed)? {
            let (bit, name) = match member {
                Member::Type => (1, "type"),
                Member::Id => (2, "id"),
                Member::Geometry => (4, "geometry"),
                Member::Properties => (8, "properties"),
                Member::Coordinates | Member::Other => (0, ""),
            };
            if seen & bit != 0 {
                let at = Location::file(self.b.path).feature(self.b.features.len(), None);
                return Err(self.b.fail(duplicate_member(at, name, "the feature")));
            }
            seen |= bit;
            match member {
                Member::Type => f.wrong_kind = map.next_value_seed(KindSeed("Feature"))?,
                Member::Id => f.id = map.next_value()?,
                Member::Geometry => f.geometry = map.next_value()?,
                Member::Properties => map.next_value_seed(PropertiesSeed { b: &mut *self.b, values: &mut f.values })?,
                Member::Coordinates | Member::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(f)
    }
}

/// Decodes a `properties` object (or null) straight into the layer's columns.
struct PropertiesSeed<'a, 'b, 'p> {
    b: &'a mut Builder<'p>,
    values: &'b mut Vec<Value>,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(c) = map.next_key_seed(ColumnSeed { b: &mut *self.b })? {
            let Some(c) = c else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let v = map.next_value::<ValueIn>()?.0;
            if self.values.len() <= c {
                self.values.resize(c + 1, Value::Null);
            }
            self.values[c] = v;
        }
        Ok(())
    }
}

/// Maps a property name to its column, allocating only for a name not seen before; `None` for a
/// property the caller does not keep.
struct ColumnSeed<'a, 'p> {
    b: &'a mut Builder<'p>,
}

impl<'de> DeserializeSeed<'de> for ColumnSeed<'_, '_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ColumnSeed<'_, '_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<usize>, E> {
        Ok((self.b.keep)(v).then(|| self.b.column(v)))
    }
}

/// An attribute value: scalars as they are, arrays and objects as their JSON text.
struct ValueIn(Value);

impl<'de> serde::Deserialize<'de> for ValueIn {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Null))
            }
            fn visit_none<E>(self) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Bool(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Number(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Number(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Number(v as f64)))
            }
            fn visit_str<E>(self, v: &str) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Text(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<ValueIn, E> {
                Ok(ValueIn(Value::Text(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ValueIn, A::Error> {
                let v: serde_json::Value = serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(ValueIn(Value::Text(v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueIn, A::Error> {
                let v: serde_json::Value = serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueIn(Value::Text(v.to_string())))
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
    if let Some(kind) = &f.wrong_kind {
        return Err(Error::input(loc.field("type"), format!("is '{kind}', expected 'Feature'")));
    }
    let unclosed = f.geometry.as_ref().map_or(0, unclosed_rings);
    let (geometry, geometry_problem) = match f.geometry.map(decode_geometry) {
        None => (None, None),
        Some(Ok(g)) => (Some(g), None),
        Some(Err(m)) => (None, Some(("geometry".to_owned(), m))),
    };
    let geometry_note = (unclosed > 0 && geometry.is_some()).then(|| {
        let rings = if unclosed == 1 { "a ring was".to_owned() } else { format!("{unclosed} rings were") };
        Box::new(format!("{rings} not closed (the last position must repeat the first): closed as read"))
    });
    b.features.push(RawFeature {
        index,
        fid,
        geometry,
        geometry_problem: geometry_problem.map(Box::new),
        geometry_note,
        values: f.values,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Geometry;

    fn read(s: &str) -> Result<Layer> {
        read_geojson_bytes(Path::new("t.geojson"), s.as_bytes())
    }

    #[test]
    fn kept_fields_only_and_the_attribution_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","attribution":"© OpenStreetMap contributors","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","wide":[1,2],"ok_x":true}}]}"#,
        )
        .unwrap();
        let l = read_geojson_fields(&path, &|n| n != "wide").unwrap();
        assert_eq!(l.fields, vec!["id", "ok_x"]);
        assert_eq!(l.features[0].value(1), &Value::Bool(true));
        assert_eq!(l.attribution.as_deref(), Some("© OpenStreetMap contributors"));
        assert_eq!(read_geojson(&path, &crate::progress::NoProgress).unwrap().fields, vec!["id", "wide", "ok_x"]);
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
    fn a_member_given_twice_is_an_error_naming_the_file_and_feature() {
        let point = r#"{"type":"Point","coordinates":[1,2]}"#;
        let feature = format!(r#"{{"type":"Feature","geometry":{point},"properties":{{"id":"a"}}}}"#);
        let e = read(&format!(r#"{{"type":"FeatureCollection","features":[{feature}],"features":[]}}"#)).unwrap_err();
        let e = e.to_string();
        assert!(e.starts_with("t.geojson: ") && e.contains("two \"features\" members"), "{e}");
        for (member, twice) in [
            ("type", format!(r#"{{"type":"Feature","type":"Feature","geometry":{point},"properties":{{}}}}"#)),
            ("geometry", format!(r#"{{"type":"Feature","geometry":{point},"geometry":{point},"properties":{{}}}}"#)),
            ("properties", format!(r#"{{"type":"Feature","properties":{{}},"geometry":{point},"properties":{{}}}}"#)),
        ] {
            let doc = format!(r#"{{"type":"FeatureCollection","features":[{feature},{twice}]}}"#);
            let e = read(&doc).unwrap_err().to_string();
            assert!(e.contains("t.geojson: feature 1") && e.contains(&format!("two \"{member}\" members")), "{e}");
        }
        let e = read(r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2],"coordinates":[3,4]},"properties":{}}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.geojson: feature 0") && e.contains("duplicate field `coordinates`"), "{e}");
        // A lone Feature with two geometries.
        let e = read(&format!(r#"{{"type":"Feature","geometry":{point},"geometry":{point},"properties":{{}}}}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("two \"geometry\" members"), "{e}");
        // The same documents with each member once are fine.
        assert_eq!(
            read(&format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#)).unwrap().features.len(),
            1
        );
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

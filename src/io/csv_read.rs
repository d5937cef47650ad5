//! CSV reader: UTF-8 (with or without BOM) or GBK as Chinese Excel saves it, detected or given;
//! point geometry from longitude/latitude (or x/y) columns found by role aliases.

use std::path::Path;

use encoding_rs::Encoding;
use geo::{Geometry, Point};

use crate::error::{Error, Location, Result};
use crate::io::fields::{FieldMap, Role};
use crate::io::layer::{Layer, RawFeature, Value};

/// Decodes CSV bytes: the given encoding, else UTF-8 (BOM stripped) when valid, else GBK.
/// Returns the text and the encoding's name.
pub fn decode_text(bytes: &[u8], encoding: Option<&'static Encoding>) -> (String, &'static str) {
    if let Some(enc) = encoding {
        let (text, _, _) = enc.decode(bytes);
        return (text.into_owned(), enc.name());
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => (s.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _) = encoding_rs::GBK.decode_without_bom_handling(bytes);
            (text.into_owned(), "GBK")
        }
    }
}

/// Reads a CSV file of points.
pub fn read_csv(path: &Path, encoding: Option<&'static Encoding>, fields: &FieldMap) -> Result<Layer> {
    let bytes = std::fs::read(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let (text, _) = decode_text(&bytes, encoding);
    let file = Location::file(path);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::input(file.clone(), format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(Error::input(file, "no header row"));
    }
    let lon = fields.find(Role::Lon, &headers, &file)?.ok_or_else(|| {
        Error::input(
            file.field("lon"),
            format!(
                "no longitude column (looked for {}); name it with --field lon=NAME",
                Role::Lon.aliases().join(", ")
            ),
        )
    })?;
    let lat = fields.find(Role::Lat, &headers, &file)?.ok_or_else(|| {
        Error::input(
            file.field("lat"),
            format!(
                "no latitude column (looked for {}); name it with --field lat=NAME",
                Role::Lat.aliases().join(", ")
            ),
        )
    })?;
    let mut features = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Error::input(file.feature(index, None), format!("malformed CSV row (line {}): {e}", index + 2))
        })?;
        let values: Vec<Value> = record
            .iter()
            .map(|cell| {
                let cell = cell.trim();
                if cell.is_empty() { Value::Null } else { Value::Text(cell.to_owned()) }
            })
            .collect();
        // Coordinate problems are reported by the loader, which knows the row's id.
        let coord = |c: usize| -> Result<f64, (String, String)> {
            let problem = |m: String| (headers[c].clone(), m);
            match values.get(c) {
                Some(Value::Text(t)) => match t.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(x),
                    Ok(_) => Err(problem(format!("'{t}' is not a finite number"))),
                    Err(_) => Err(problem(format!("'{t}' is not a number"))),
                },
                _ => Err(problem("coordinate is empty".to_owned())),
            }
        };
        let (geometry, geometry_problem) = match (coord(lon), coord(lat)) {
            (Ok(x), Ok(y)) => (Some(Geometry::Point(Point::new(x, y))), None),
            (Err(p), _) | (_, Err(p)) => (None, Some(p)),
        };
        features.push(RawFeature {
            index,
            fid: None,
            geometry,
            geometry_problem: geometry_problem.map(Box::new),
            values,
        });
    }
    Ok(Layer { path: path.to_path_buf(), fields: headers, features, declared_crs: None, attribution: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_utf8_and_gbk() {
        let (t, e) = decode_text(b"\xEF\xBB\xBFlon,lat\n", None);
        assert_eq!((t.as_str(), e), ("lon,lat\n", "UTF-8"));
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,经度,纬度\n菜市场,116.4,39.9\n");
        let (t, e) = decode_text(&gbk, None);
        assert_eq!(e, "GBK");
        assert!(t.starts_with("名称,经度,纬度"));
    }

    #[test]
    fn reads_points_with_chinese_headers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,类别,经度,纬度\n东门菜场,菜市场,116.4,39.9\n");
        std::fs::write(&p, &gbk).unwrap();
        let l = read_csv(&p, None, &FieldMap::default()).unwrap();
        assert_eq!(l.fields, vec!["名称", "类别", "经度", "纬度"]);
        assert_eq!(l.features[0].value(1), &Value::Text("菜市场".into()));
        assert_eq!(l.features[0].geometry, Some(Geometry::Point(Point::new(116.4, 39.9))));
    }

    #[test]
    fn bad_coordinate_names_row_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, "id,lon,lat\na,116.4,39.9\nb,east,39.9\n").unwrap();
        let l = read_csv(&p, None, &FieldMap::default()).unwrap();
        assert!(l.features[0].geometry.is_some());
        let (field, msg) = l.features[1].geometry_problem.clone().map(|b| *b).unwrap();
        assert_eq!(field, "lon");
        assert!(msg.contains("east"), "{msg}");
    }
}

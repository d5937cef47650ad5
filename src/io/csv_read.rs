//! CSV reader: UTF-8 (with or without BOM) or GBK as Chinese Excel saves it, detected or given;
//! point geometry from longitude/latitude (or x/y) columns found by role aliases. A file that
//! mixes the two encodings line by line is an error naming the first line that does not fit;
//! line numbers in messages are physical lines (a quoted cell holding newlines spans several).

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

/// When `bytes` (not valid UTF-8 as a whole) mix GBK and UTF-8 lines, the first line that
/// does not fit the file's encoding, judged by its first non-ASCII line: in a UTF-8 file the
/// first line that is not valid UTF-8; in a GBK file the first non-ASCII line that is valid
/// UTF-8 (GBK text practically never is). Returns the 1-based physical line, its encoding and
/// the file's encoding with the line that set it.
pub fn mixed_encoding_line(bytes: &[u8]) -> Option<(usize, &'static str, &'static str, usize)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut file: Option<(bool, usize)> = None;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        if line.is_ascii() {
            continue;
        }
        let utf8 = std::str::from_utf8(line).is_ok();
        match file {
            None => file = Some((utf8, i + 1)),
            Some((file_utf8, first)) if file_utf8 != utf8 => {
                let name = |u: bool| if u { "UTF-8" } else { "GBK" };
                return Some((i + 1, name(utf8), name(file_utf8), first));
            }
            Some(_) => {}
        }
    }
    None
}

/// Reads a CSV file of points.
pub fn read_csv(path: &Path, encoding: Option<&'static Encoding>, fields: &FieldMap) -> Result<Layer> {
    let bytes = std::fs::read(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let (text, detected) = decode_text(&bytes, encoding);
    let file = Location::file(path);
    if encoding.is_none()
        && detected == "GBK"
        && let Some((line, is, file_is, first)) = mixed_encoding_line(&bytes)
    {
        let verb = if is == "UTF-8" { "is UTF-8" } else { "does not decode as UTF-8 (GBK?)" };
        return Err(Error::input(
            file,
            format!(
                "line {line} {verb} but the file is {file_is} (line {first} is): the file mixes GBK and UTF-8 \
                 lines; re-save it in one encoding (UTF-8), or pass --csv-encoding to read it all as one"
            ),
        ));
    }
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
        // The csv crate counts every newline, quoted ones included: physical lines.
        let record = record.map_err(|e| {
            let line = e.position().map_or_else(String::new, |p| format!(" (line {})", p.line()));
            let cause = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("found record with {len} fields, but the header row has {expected_len}")
                }
                _ => e.to_string(),
            };
            Error::input(file.feature(index, None), format!("malformed CSV row{line}: {cause}"))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let values: Vec<Value> = record
            .iter()
            .map(|cell| {
                let cell = cell.trim();
                if cell.is_empty() { Value::Null } else { Value::Text(cell.to_owned()) }
            })
            .collect();
        // Coordinate problems are reported by the loader, which knows the row's id.
        let coord = |c: usize| -> Result<f64, (String, String)> {
            let problem = |m: String| (headers[c].clone(), format!("{m} (line {line})"));
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
            geometry_note: None,
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
    fn a_file_mixing_gbk_and_utf8_lines_names_the_first_odd_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        // UTF-8 header, a GBK row on line 3.
        let mut bytes = "名称,经度,纬度\nplain,116.4,39.9\n".as_bytes().to_vec();
        bytes.extend(gbk("菜市场,116.4,39.9\n"));
        std::fs::write(&p, &bytes).unwrap();
        let e = read_csv(&p, None, &FieldMap::default()).unwrap_err().to_string();
        assert!(e.contains("m.csv") && e.contains("line 3 does not decode as UTF-8") && e.contains("line 1 is"), "{e}");
        // A GBK file with a UTF-8 row on line 2.
        let mut bytes = gbk("名称,经度,纬度\n");
        bytes.extend("菜市场,116.4,39.9\n".as_bytes());
        std::fs::write(&p, &bytes).unwrap();
        let e = read_csv(&p, None, &FieldMap::default()).unwrap_err().to_string();
        assert!(e.contains("line 2 is UTF-8 but the file is GBK (line 1 is)"), "{e}");
        // All GBK reads; an explicit encoding is taken as it is.
        std::fs::write(&p, gbk("名称,经度,纬度\n菜市场,116.4,39.9\n")).unwrap();
        assert_eq!(read_csv(&p, None, &FieldMap::default()).unwrap().features.len(), 1);
        std::fs::write(&p, &bytes).unwrap();
        assert!(read_csv(&p, Some(encoding_rs::GBK), &FieldMap::default()).is_ok());
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.csv");
        // Row 0 spans lines 2–4 (a quoted note with two newlines): row 1 is on line 5, row 2 on line 6.
        std::fs::write(&p, "id,note,lon,lat\na,\"two\nmore\nlines\",116.4,39.9\nb,,east,39.9\nc,,116.4\n").unwrap();
        let e = read_csv(&p, None, &FieldMap::default()).unwrap_err().to_string();
        assert!(e.contains("feature 2") && e.contains("line 6"), "{e}");
        std::fs::write(&p, "id,note,lon,lat\na,\"two\nmore\nlines\",116.4,39.9\nb,,east,39.9\n").unwrap();
        let l = read_csv(&p, None, &FieldMap::default()).unwrap();
        let (_, msg) = l.features[1].geometry_problem.clone().map(|b| *b).unwrap();
        assert!(msg.contains("line 5"), "{msg}");
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
        assert!(msg.contains("east") && msg.contains("line 3"), "{msg}");
    }
}

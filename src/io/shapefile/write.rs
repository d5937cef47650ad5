//! Writing point shapefiles: the `.shp` and `.shx`, the `.dbf` (streamed through a temporary row
//! file so that columns fit their longest value), and the `.cpg` and `.prj`.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{FieldKind, SHP_FILE_CODE, ShpField, sibling_path, write_error};
use crate::error::{Error, Location, Result};
use crate::io::layer::{Value, format_number};

/// Longest text a `.dbf` character field holds, in bytes.
const DBF_TEXT_MAX: usize = 254;
/// Widest numeric field written; longer numbers are written in exponent form.
const DBF_NUMBER_MAX: usize = 20;
/// Most fields written to one `.dbf` (the dBase IV limit most GIS software keeps to).
const DBF_MAX_FIELDS: usize = 255;
/// The fixed "last update" date written into `.dbf` headers: 1970-01-01 (years since 1900).
pub(super) const DBF_FIXED_DATE: [u8; 3] = [70, 1, 1];
/// Most point records whose offsets still fit the `.shx` (a signed count of 16-bit words).
const MAX_POINT_RECORDS: usize = (i32::MAX as usize - 50) / 14;

/// The files of one output shapefile.
pub(super) struct OutputPaths {
    shp: PathBuf,
    shx: PathBuf,
    pub(super) dbf: PathBuf,
    prj: PathBuf,
    cpg: PathBuf,
    pub(super) tmp: PathBuf,
    stale: [PathBuf; 3],
}

impl OutputPaths {
    pub(super) fn new(shp: &Path) -> Self {
        OutputPaths {
            shp: shp.to_path_buf(),
            shx: sibling_path(shp, "shx"),
            dbf: sibling_path(shp, "dbf"),
            prj: sibling_path(shp, "prj"),
            cpg: sibling_path(shp, "cpg"),
            tmp: shp.with_extension("dbf-rows.tmp"),
            stale: [sibling_path(shp, "sbn"), sibling_path(shp, "sbx"), sibling_path(shp, "qix")],
        }
    }
}

pub(super) fn validate_fields(fields: &[ShpField], dbf_path: &Path) -> Result<()> {
    if fields.len() > DBF_MAX_FIELDS {
        return Err(Error::input(
            Location::file(dbf_path),
            format!("{} fields are more than the {DBF_MAX_FIELDS} a .dbf can hold", fields.len()),
        ));
    }
    for (k, field) in fields.iter().enumerate() {
        let wrong = |why: String| Error::input(Location::file(dbf_path).field(&field.name), why);
        let name = &field.name;
        if name.is_empty() || name.len() > 10 || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(wrong(format!(
                "a .dbf field name must be 1 to 10 ASCII letters, digits or symbols without \
                 spaces; '{name}' is {} bytes",
                name.len()
            )));
        }
        if fields[..k].iter().any(|other| other.name.eq_ignore_ascii_case(name)) {
            return Err(wrong("the field name is used twice (.dbf names ignore case)".into()));
        }
        if let FieldKind::Number { decimals } = field.kind
            && decimals > 15
        {
            return Err(wrong(format!("{decimals} decimals are more than the 15 allowed")));
        }
    }
    Ok(())
}

fn create(path: &Path, created: &mut Vec<PathBuf>) -> Result<BufWriter<File>> {
    let file = crate::io::output::create_new(path)?;
    created.push(path.to_path_buf());
    Ok(BufWriter::new(file))
}

/// A `.shp`/`.shx` header for point files.
pub(super) fn shp_header(length_words: i32, bbox: [f64; 4]) -> [u8; 100] {
    let mut h = [0u8; 100];
    h[0..4].copy_from_slice(&SHP_FILE_CODE.to_be_bytes());
    h[24..28].copy_from_slice(&length_words.to_be_bytes());
    h[28..32].copy_from_slice(&1000i32.to_le_bytes());
    h[32..36].copy_from_slice(&1i32.to_le_bytes());
    for (k, v) in bbox.iter().enumerate() {
        h[36 + 8 * k..44 + 8 * k].copy_from_slice(&v.to_le_bytes());
    }
    h
}

/// Writes .shp, .shx and the temporary row file, then the .dbf, .cpg and .prj.
pub(super) fn write_files(
    p: &OutputPaths,
    fields: &[ShpField],
    rows: impl Iterator<Item = ([f64; 2], Vec<Value>)>,
    prj_wkt: &str,
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut shp = create(&p.shp, created)?;
    let mut shx = create(&p.shx, created)?;
    let mut tmp = create(&p.tmp, &mut Vec::new())?;
    let shp_err = |source| write_error(&p.shp, source);
    let shx_err = |source| write_error(&p.shx, source);
    let tmp_err = |source| write_error(&p.tmp, source);
    shp.write_all(&[0u8; 100]).map_err(shp_err)?;
    shx.write_all(&[0u8; 100]).map_err(shx_err)?;

    let mut widths = vec![0usize; fields.len()];
    let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    let mut count = 0usize;
    let mut cell = Vec::with_capacity(DBF_TEXT_MAX);
    for (row, ([x, y], values)) in rows.enumerate() {
        let at = || Location::file(&p.dbf).feature(row, None);
        if !(x.is_finite() && y.is_finite()) {
            return Err(Error::input(
                Location::file(&p.shp).feature(row, None).field("geometry"),
                format!("the point ({x}, {y}) has coordinates that are not finite numbers"),
            ));
        }
        if values.len() > fields.len() {
            return Err(Error::input(
                at(),
                format!("the row has {} values but the shapefile has {} fields", values.len(), fields.len()),
            ));
        }
        if row >= MAX_POINT_RECORDS {
            return Err(write_error(&p.shp, io::Error::other("too many points for one shapefile (its 4 GB limit)")));
        }
        let offset_words = (50 + 14 * row) as i32;
        let mut record = [0u8; 28];
        record[0..4].copy_from_slice(&(row as i32 + 1).to_be_bytes());
        record[4..8].copy_from_slice(&10i32.to_be_bytes());
        record[8..12].copy_from_slice(&1i32.to_le_bytes());
        record[12..20].copy_from_slice(&x.to_le_bytes());
        record[20..28].copy_from_slice(&y.to_le_bytes());
        shp.write_all(&record).map_err(shp_err)?;
        let mut entry = [0u8; 8];
        entry[0..4].copy_from_slice(&offset_words.to_be_bytes());
        entry[4..8].copy_from_slice(&10i32.to_be_bytes());
        shx.write_all(&entry).map_err(shx_err)?;
        bbox = [bbox[0].min(x), bbox[1].min(y), bbox[2].max(x), bbox[3].max(y)];

        for (k, field) in fields.iter().enumerate() {
            cell.clear();
            let value = values.get(k).unwrap_or(&Value::Null);
            encode_cell(field.kind, value, &mut cell).map_err(|why| Error::input(at().field(&field.name), why))?;
            widths[k] = widths[k].max(cell.len());
            tmp.write_all(&[cell.len() as u8]).map_err(tmp_err)?;
            tmp.write_all(&cell).map_err(tmp_err)?;
        }
        count += 1;
    }
    if count == 0 {
        bbox = [0.0; 4];
    }
    let shp_words = (50 + 14 * count) as i32;
    shp.seek(SeekFrom::Start(0)).map_err(shp_err)?;
    shp.write_all(&shp_header(shp_words, bbox)).map_err(shp_err)?;
    shp.flush().map_err(shp_err)?;
    drop(shp);
    shx.seek(SeekFrom::Start(0)).map_err(shx_err)?;
    shx.write_all(&shp_header((50 + 4 * count) as i32, bbox)).map_err(shx_err)?;
    shx.flush().map_err(shx_err)?;
    drop(shx);
    tmp.flush().map_err(tmp_err)?;
    drop(tmp);

    write_dbf(p, fields, &widths, count, created)?;

    let mut cpg = create(&p.cpg, created)?;
    cpg.write_all(b"UTF-8").and_then(|()| cpg.flush()).map_err(|e| write_error(&p.cpg, e))?;
    if prj_wkt.trim().is_empty() {
        remove_stale(&p.prj)?;
    } else {
        let mut prj = create(&p.prj, created)?;
        prj.write_all(prj_wkt.as_bytes()).and_then(|()| prj.flush()).map_err(|e| write_error(&p.prj, e))?;
    }
    for stale in &p.stale {
        remove_stale(stale)?;
    }
    Ok(())
}

pub(super) fn remove_stale(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(write_error(path, e)),
        _ => Ok(()),
    }
}

/// Cuts `text` to at most `max` bytes at a character boundary.
fn cut_at_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A number with `decimals` digits, in exponent form when it would be wider than a field allows.
fn format_dbf_number(n: f64, decimals: u8) -> String {
    let fixed = format!("{n:.prec$}", prec = usize::from(decimals));
    if fixed.len() <= DBF_NUMBER_MAX { fixed } else { format!("{n:.12e}") }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", format_number(*n)),
        Value::Text(s) => format!("the text '{s}'"),
    }
}

/// Encodes one value into the bytes of its cell (empty for null, except Bool's `?`).
fn encode_cell(kind: FieldKind, value: &Value, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    match (kind, value) {
        (FieldKind::Text, Value::Null) | (FieldKind::Number { .. }, Value::Null) => {}
        (FieldKind::Text, Value::Text(s)) => {
            out.extend_from_slice(cut_at_char_boundary(s, DBF_TEXT_MAX).as_bytes());
        }
        (FieldKind::Text, other) => {
            let text = other.to_text().unwrap_or_default();
            out.extend_from_slice(cut_at_char_boundary(&text, DBF_TEXT_MAX).as_bytes());
        }
        (FieldKind::Number { decimals }, Value::Number(n)) => {
            if n.is_finite() {
                out.extend_from_slice(format_dbf_number(*n, decimals).as_bytes());
            }
        }
        (FieldKind::Bool, Value::Bool(b)) => out.push(if *b { b'T' } else { b'F' }),
        (FieldKind::Bool, Value::Null) => out.push(b'?'),
        (FieldKind::Number { .. }, other) => {
            return Err(format!("a numeric field needs a number, not {}", describe(other)));
        }
        (FieldKind::Bool, other) => {
            return Err(format!("a logical field needs a boolean, not {}", describe(other)));
        }
    }
    Ok(())
}

/// Writes the `.dbf` from the temporary row file, with each column as wide as its longest value.
fn write_dbf(
    p: &OutputPaths,
    fields: &[ShpField],
    longest: &[usize],
    count: usize,
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let widths: Vec<usize> = fields
        .iter()
        .zip(longest)
        .map(|(field, &longest)| match field.kind {
            FieldKind::Text => longest.max(1),
            FieldKind::Number { decimals: 0 } => longest.max(1),
            FieldKind::Number { decimals } => longest.max(usize::from(decimals) + 2),
            FieldKind::Bool => 1,
        })
        .collect();
    let record_len = 1 + widths.iter().sum::<usize>();
    let Ok(record_len_u16) = u16::try_from(record_len) else {
        return Err(Error::input(
            Location::file(&p.dbf),
            format!("the fields need {record_len} bytes per record, more than the 65535 a .dbf allows"),
        ));
    };
    let Ok(num_records) = u32::try_from(count) else {
        return Err(write_error(&p.dbf, io::Error::other("too many records for a .dbf")));
    };
    let header_len = 32 + 32 * fields.len() + 1;

    let mut out = create(&p.dbf, created)?;
    let dbf_err = |source| write_error(&p.dbf, source);
    let mut header = vec![0u8; header_len];
    header[0] = 0x03;
    header[1..4].copy_from_slice(&DBF_FIXED_DATE);
    header[4..8].copy_from_slice(&num_records.to_le_bytes());
    header[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    header[10..12].copy_from_slice(&record_len_u16.to_le_bytes());
    // Byte 29, the language driver id, stays 0: the .cpg file says UTF-8.
    for (k, (field, &width)) in fields.iter().zip(&widths).enumerate() {
        let d = &mut header[32 + 32 * k..64 + 32 * k];
        d[..field.name.len()].copy_from_slice(field.name.as_bytes());
        let (kind, decimals) = match field.kind {
            FieldKind::Text => (b'C', 0),
            FieldKind::Number { decimals } => (b'N', decimals),
            FieldKind::Bool => (b'L', 0),
        };
        d[11] = kind;
        d[16] = width as u8;
        d[17] = decimals;
    }
    header[header_len - 1] = 0x0D;
    out.write_all(&header).map_err(dbf_err)?;

    let tmp_err = |source| write_error(&p.tmp, source);
    let mut tmp = BufReader::new(File::open(&p.tmp).map_err(tmp_err)?);
    let mut record = vec![b' '; record_len];
    for _ in 0..count {
        record.fill(b' ');
        let mut at = 1;
        for (field, &width) in fields.iter().zip(&widths) {
            let mut len = [0u8; 1];
            tmp.read_exact(&mut len).map_err(tmp_err)?;
            let len = usize::from(len[0]);
            let slot = &mut record[at..at + width];
            let target = match field.kind {
                FieldKind::Number { .. } if len == 0 => {
                    slot.fill(b'*');
                    None
                }
                FieldKind::Number { .. } => width.checked_sub(len).and_then(|s| slot.get_mut(s..)),
                _ => slot.get_mut(..len),
            };
            if let Some(target) = target {
                tmp.read_exact(target).map_err(tmp_err)?;
            } else if len > 0 {
                return Err(tmp_err(io::Error::other("the temporary row file is damaged")));
            }
            at += width;
        }
        out.write_all(&record).map_err(dbf_err)?;
    }
    out.write_all(&[0x1A]).map_err(dbf_err)?;
    out.flush().map_err(dbf_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use geo::{Geometry, Point};

    use super::*;
    use crate::crs::Crs;
    use crate::io::shapefile::fixtures::{input_message, sample_fields, sample_rows};
    use crate::io::shapefile::{read_shapefile, write_point_shapefile};

    const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",\
        6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

    #[test]
    fn round_trip_point_shapefile() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("out.shp");
        write_point_shapefile(&shp, &sample_fields(), sample_rows(), WGS84_PRJ).unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("out.cpg")).unwrap(), "UTF-8");
        assert_eq!(fs::read_to_string(dir.path().join("out.prj")).unwrap(), WGS84_PRJ);

        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.fields, ["name", "pop", "count", "covered"]);
        assert_eq!(layer.declared_crs, Some(Crs::Wgs84));
        assert_eq!(layer.features.len(), 3);
        let f0 = &layer.features[0];
        assert_eq!((f0.index, f0.fid.as_deref()), (0, None));
        assert_eq!(f0.geometry, Some(Geometry::Point(Point::new(116.39, 39.90))));
        assert_eq!(
            f0.values,
            [Value::Text("社区卫生服务站".into()), Value::Number(1234567.8), Value::Number(42.0), Value::Bool(true)]
        );
        assert_eq!(layer.features[1].values, [Value::Null, Value::Null, Value::Number(-3.0), Value::Bool(false)]);
        assert_eq!(
            layer.features[2].values,
            [Value::Text("plain".into()), Value::Number(0.5), Value::Null, Value::Null]
        );
        assert_eq!(layer.features[2].index, 2);
    }

    #[test]
    fn written_files_are_deterministic() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for dir in [&a, &b] {
            let shp = dir.path().join("x.shp");
            write_point_shapefile(&shp, &sample_fields(), sample_rows(), WGS84_PRJ).unwrap();
        }
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let name = format!("x.{ext}");
            let (x, y) = (fs::read(a.path().join(&name)), fs::read(b.path().join(&name)));
            assert_eq!(x.unwrap(), y.unwrap(), "{name} differs");
        }
        let dbf = fs::read(a.path().join("x.dbf")).unwrap();
        assert_eq!(&dbf[1..4], &[70, 1, 1], "fixed 1970-01-01 header date");
        let names: Vec<_> = fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 5, "no temporary file left: {names:?}");
    }

    #[test]
    fn columns_fit_the_longest_value() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("w.shp");
        write_point_shapefile(&shp, &sample_fields(), sample_rows(), "").unwrap();
        let dbf = fs::read(dir.path().join("w.dbf")).unwrap();
        let width = |k: usize| dbf[32 + 32 * k + 16];
        // 社区卫生服务站 is 21 bytes; "1234567.8" is 9; "-3" and "42" are 2; logical is 1.
        assert_eq!([width(0), width(1), width(2), width(3)], [21, 9, 2, 1]);
        assert_eq!(dbf[32 + 32 + 17], 1, "decimals of pop");
        assert!(!dir.path().join("w.prj").exists(), "no .prj for an empty WKT");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("long.shp");
        let long = "社".repeat(100); // 300 bytes
        let fields = [ShpField { name: "t".into(), kind: FieldKind::Text }];
        write_point_shapefile(&shp, &fields, [([0.0, 0.0], vec![Value::Text(long)])], "").unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features[0].values, [Value::Text("社".repeat(84))]);
    }

    #[test]
    fn empty_shapefile_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("empty.shp");
        write_point_shapefile(&shp, &sample_fields(), [], "").unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert!(layer.features.is_empty());
        assert_eq!(layer.fields.len(), 4);
        assert_eq!(layer.declared_crs, None);
    }

    #[test]
    fn many_rows_stream_through() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("many.shp");
        let n = 100_000;
        let rows = (0..n).map(|i| {
            let v = f64::from(i);
            ([v, -v], vec![Value::Number(v), Value::Text(format!("r{i}"))])
        });
        let fields = [
            ShpField { name: "n".into(), kind: FieldKind::Number { decimals: 0 } },
            ShpField { name: "label".into(), kind: FieldKind::Text },
        ];
        write_point_shapefile(&shp, &fields, rows, "").unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features.len(), n as usize);
        let last = &layer.features[n as usize - 1];
        assert_eq!(last.values, [Value::Number(99_999.0), Value::Text("r99999".into())]);
        assert_eq!(last.geometry, Some(Geometry::Point(Point::new(99_999.0, -99_999.0))));
    }

    #[test]
    fn bad_field_names_and_values_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("bad.shp");
        for name in ["", "elevenchars", "名字", "a b"] {
            let fields = [ShpField { name: name.into(), kind: FieldKind::Text }];
            let err = write_point_shapefile(&shp, &fields, [], "").unwrap_err();
            assert_eq!(input_message(&err).0.field.as_deref(), Some(name));
        }
        let twice = [
            ShpField { name: "a".into(), kind: FieldKind::Text },
            ShpField { name: "A".into(), kind: FieldKind::Bool },
        ];
        assert!(write_point_shapefile(&shp, &twice, [], "").is_err());
        let fields = [ShpField { name: "n".into(), kind: FieldKind::Number { decimals: 2 } }];
        let rows = [([0.0, 0.0], vec![Value::Number(1.0)]), ([1.0, 1.0], vec![Value::Text("x".into())])];
        let err = write_point_shapefile(&shp, &fields, rows, "").unwrap_err();
        let (location, message) = input_message(&err);
        assert_eq!((location.feature, location.field.as_deref()), (Some(1), Some("n")));
        assert!(message.contains("needs a number"), "{message}");
        assert!(!shp.exists() && !dir.path().join("bad.dbf").exists(), "partial files removed");
        let err = write_point_shapefile(&shp, &fields, [([f64::NAN, 0.0], vec![])], "").unwrap_err();
        assert_eq!(input_message(&err).0.field.as_deref(), Some("geometry"));
        let not_shp = dir.path().join("bad.txt");
        assert!(matches!(write_point_shapefile(&not_shp, &fields, [], ""), Err(Error::Option(_))));
    }
}

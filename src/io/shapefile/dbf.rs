//! The `.dbf` attribute table reader: header and field descriptors, record values by dBase type,
//! and the `.dbt`/`.fpt` memo files.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use super::encoding::TextDecoder;
use super::{array, read_error, sibling};
use crate::error::{Error, Location, Result};
use crate::io::layer::Value;

/// One `.dbf` field descriptor.
#[derive(Debug, Clone)]
struct DbfField {
    name: String,
    kind: u8,
    offset: usize,
    len: usize,
}

impl DbfField {
    /// Whether the field is a column of the layer (`0` is FoxPro's hidden `_NullFlags`).
    fn is_column(&self) -> bool {
        self.kind != b'0'
    }
}

/// Streams records from a `.dbf`.
pub(super) struct DbfReader {
    path: PathBuf,
    source: BufReader<File>,
    pub(super) num_records: usize,
    fields: Vec<DbfField>,
    text: TextDecoder,
    memo: Memo,
    record: Vec<u8>,
}

impl DbfReader {
    pub(super) fn open(path: &Path, shp_path: &Path, flag: Option<&'static Encoding>) -> Result<Self> {
        let file = File::open(path).map_err(|source| read_error(path, source))?;
        let file_len = file.metadata().map_err(|source| read_error(path, source))?.len();
        let mut source = BufReader::new(file);
        let damaged = |why: String| Error::input(Location::file(path), why);
        if file_len < 32 {
            return Err(damaged("this is not a dBase (.dbf) file: it is shorter than the 32-byte header".into()));
        }
        let mut head = [0u8; 32];
        source.read_exact(&mut head).map_err(|source| read_error(path, source))?;
        let version = head[0];
        let num_records = u64::from(u32::from_le_bytes(array(&head, 4)));
        let header_len = u64::from(u16::from_le_bytes(array(&head, 8)));
        let record_len = u64::from(u16::from_le_bytes(array(&head, 10)));
        if header_len < 33 || record_len == 0 {
            return Err(damaged(format!(
                "the .dbf header is damaged (header length {header_len}, record length \
                 {record_len})"
            )));
        }
        if header_len > file_len {
            return Err(damaged(format!(
                "the .dbf file is truncated: its header should take {header_len} bytes but the \
                 file has {file_len}"
            )));
        }
        let mut descriptors = vec![0u8; (header_len - 32) as usize];
        source.read_exact(&mut descriptors).map_err(|source| read_error(path, source))?;
        let text = TextDecoder::choose(flag, shp_path, head[29])?;

        let mut raw = Vec::new();
        for d in descriptors.chunks_exact(32) {
            if d[0] == 0x0D {
                break;
            }
            let name_len = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
            raw.push((&d[..name_len], d[11], usize::from(d[16]), usize::from(d[17])));
        }
        let plain: usize = 1 + raw.iter().map(|f| f.2).sum::<usize>();
        // Clipper and FoxPro keep the high byte of long character fields in the decimals byte.
        let long_text = |f: &(&[u8], u8, usize, usize)| {
            if f.1 == b'C' { f.2 + f.3 * 256 } else { f.2 }
        };
        let wide: usize = 1 + raw.iter().map(long_text).sum::<usize>();
        let use_wide = plain != record_len as usize && wide == record_len as usize;
        if plain > record_len as usize && !use_wide {
            return Err(damaged(format!(
                "the .dbf header is damaged: its fields take {plain} bytes per record but the \
                 header says {record_len}"
            )));
        }
        let mut fields = Vec::with_capacity(raw.len());
        let mut offset = 1;
        for f in &raw {
            let name_bytes = f.0.trim_ascii();
            let name = text.decode(name_bytes, false).map_err(|why| {
                let shown = String::from_utf8_lossy(name_bytes).into_owned();
                Error::input(Location::file(path).field(shown), format!("field name: {why}"))
            })?;
            let len = if use_wide { long_text(f) } else { f.2 };
            fields.push(DbfField { name, kind: f.1.to_ascii_uppercase(), offset, len });
            offset += len;
        }

        let needed = header_len + num_records * record_len;
        if needed > file_len {
            let complete = (file_len - header_len) / record_len;
            return Err(Error::input(
                Location::file(path).feature(complete as usize, None),
                format!(
                    "the .dbf file is truncated: its header says {num_records} records but the \
                     file ends before this one is complete"
                ),
            ));
        }
        Ok(DbfReader {
            path: path.to_path_buf(),
            source,
            num_records: num_records as usize,
            fields,
            text,
            memo: Memo::Closed { version },
            record: vec![0u8; record_len as usize],
        })
    }

    pub(super) fn field_names(&self) -> Vec<String> {
        self.fields.iter().filter(|f| f.is_column()).map(|f| f.name.clone()).collect()
    }

    /// Reads the next record's values; `None` for a record marked deleted.
    pub(super) fn next_record(&mut self, record: usize) -> Result<Option<Vec<Value>>> {
        let DbfReader { path, source, fields, text, memo, record: bytes, .. } = self;
        source.read_exact(bytes).map_err(|source| read_error(path, source))?;
        if bytes.first() == Some(&b'*') {
            return Ok(None);
        }
        let mut values = Vec::with_capacity(fields.len());
        for field in fields.iter().filter(|f| f.is_column()) {
            let raw = bytes.get(field.offset..field.offset + field.len).unwrap_or_default();
            let value = field_value(field, raw, text, memo, path).map_err(|why| match why {
                FieldProblem::Message(message) => {
                    Error::input(Location::file(path.as_path()).feature(record, None).field(&field.name), message)
                }
                FieldProblem::Error(error) => error,
            })?;
            values.push(value);
        }
        Ok(Some(values))
    }
}

/// Why a field value could not be read.
enum FieldProblem {
    /// The value is wrong; the caller adds the location.
    Message(String),
    /// A complete error (e.g. reading the memo file failed).
    Error(Error),
}

impl From<String> for FieldProblem {
    fn from(message: String) -> Self {
        FieldProblem::Message(message)
    }
}

/// Strips trailing spaces and NULs.
fn trim_end_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != b' ' && b != 0).map_or(0, |p| p + 1);
    &bytes[..end]
}

/// Converts one raw field to a value.
fn field_value(
    field: &DbfField,
    raw: &[u8],
    text: &TextDecoder,
    memo: &mut Memo,
    dbf_path: &Path,
) -> std::result::Result<Value, FieldProblem> {
    let trimmed = trim_end_padding(raw);
    let start = trimmed.iter().position(|&b| b != b' ').unwrap_or(trimmed.len());
    let content = &trimmed[start..];
    Ok(match field.kind {
        b'C' | b'V' => text_value(text, content, trimmed.len() == raw.len())?,
        b'N' | b'F' => number_value(content)?,
        b'L' => match content.first() {
            Some(b'T' | b't' | b'Y' | b'y') => Value::Bool(true),
            Some(b'F' | b'f' | b'N' | b'n') => Value::Bool(false),
            _ => Value::Null,
        },
        b'D' => date_value(content)?,
        b'I' | b'+' if raw.len() == 4 => Value::Number(f64::from(i32::from_le_bytes(array(raw, 0)))),
        b'Y' if raw.len() == 8 => Value::Number(i64::from_le_bytes(array(raw, 0)) as f64 / 1e4),
        b'B' | b'O' if raw.len() == 8 => {
            let v = f64::from_le_bytes(array(raw, 0));
            if v.is_finite() { Value::Number(v) } else { Value::Null }
        }
        b'T' if raw.len() == 8 => datetime_value(raw),
        b'M' => {
            let Some(block) = memo_pointer(raw)? else {
                return Ok(Value::Null);
            };
            let bytes = memo.read(block, dbf_path)?;
            text_value(text, trim_end_padding(&bytes), false)?
        }
        // Binary columns (general, picture, varbinary, dBase III binary memo) carry no text.
        b'G' | b'P' | b'Q' | b'W' | b'B' | b'I' | b'+' | b'Y' | b'O' | b'T' | b'@' => Value::Null,
        _ => match String::from_utf8_lossy(content).trim() {
            "" => Value::Null,
            s => Value::Text(s.to_owned()),
        },
    })
}

fn text_value(text: &TextDecoder, content: &[u8], full_width: bool) -> std::result::Result<Value, String> {
    if content.is_empty() {
        return Ok(Value::Null);
    }
    let decoded = text.decode(content, full_width)?;
    Ok(match decoded.trim() {
        "" => Value::Null,
        s if s.len() == decoded.len() => Value::Text(decoded),
        s => Value::Text(s.to_owned()),
    })
}

fn number_value(content: &[u8]) -> std::result::Result<Value, String> {
    if content.is_empty() || content.iter().all(|&b| b == b'*') || content == b"-" || content == b"." {
        return Ok(Value::Null);
    }
    let shown = || String::from_utf8_lossy(content).into_owned();
    let text = std::str::from_utf8(content).map_err(|_| format!("'{}' is not a number", shown()))?;
    let parsed = if text.contains(',') { text.replace(',', ".").parse() } else { text.parse() };
    match parsed {
        Ok(v) if f64::is_finite(v) => Ok(Value::Number(v)),
        Ok(_) => Ok(Value::Null),
        Err(_) => Err(format!("'{}' is not a number", shown())),
    }
}

fn date_value(content: &[u8]) -> std::result::Result<Value, String> {
    if content.is_empty() || content.iter().all(|&b| b == b'0') {
        return Ok(Value::Null);
    }
    let digits = content.len() == 8 && content.iter().all(u8::is_ascii_digit);
    let number = |range: std::ops::Range<usize>| content[range].iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    if !digits || !(1..=12).contains(&number(4..6)) || !(1..=31).contains(&number(6..8)) {
        return Err(format!("'{}' is not a date (dBase dates are YYYYMMDD)", String::from_utf8_lossy(content)));
    }
    let d = String::from_utf8_lossy(content);
    Ok(Value::Text(format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])))
}

/// A FoxPro DateTime (Julian day number and milliseconds) as `YYYY-MM-DDTHH:MM:SS`.
fn datetime_value(raw: &[u8]) -> Value {
    let jdn = i64::from(i32::from_le_bytes(array(raw, 0)));
    let millis = i64::from(i32::from_le_bytes(array(raw, 4)));
    if jdn <= 0 {
        return Value::Null;
    }
    // Richards' algorithm, Julian day number to proleptic Gregorian date.
    let f = jdn + 1401 + (((4 * jdn + 274_277) / 146_097) * 3) / 4 - 38;
    let e = 4 * f + 3;
    let h = 5 * ((e % 1461) / 4) + 2;
    let day = (h % 153) / 5 + 1;
    let month = (h / 153 + 2) % 12 + 1;
    let year = e / 1461 - 4716 + (14 - month) / 12;
    if !(1..=9999).contains(&year) {
        return Value::Null;
    }
    let secs = (millis / 1000).clamp(0, 86_399);
    Value::Text(format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60))
}

/// The memo block number a memo field points to; `None` when it is empty.
fn memo_pointer(raw: &[u8]) -> std::result::Result<Option<u64>, String> {
    if raw.len() == 4 {
        let block = u32::from_le_bytes(array(raw, 0));
        return Ok((block != 0 && block != 0x2020_2020).then_some(u64::from(block)));
    }
    let digits = trim_end_padding(raw).trim_ascii();
    if digits.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .map(|block| (block != 0).then_some(block))
        .ok_or_else(|| format!("the memo pointer '{}' is not a number", digits.escape_ascii()))
}

/// The memo file (`.dbt` or `.fpt`) of a `.dbf`, opened when a memo is first read.
enum Memo {
    Closed { version: u8 },
    Open(MemoFile),
}

/// An open memo file.
struct MemoFile {
    path: PathBuf,
    source: BufReader<File>,
    len: u64,
    foxpro: bool,
    block_size: u64,
}

impl Memo {
    /// Reads the raw bytes of memo block `block`.
    fn read(&mut self, block: u64, dbf_path: &Path) -> std::result::Result<Vec<u8>, FieldProblem> {
        if let Memo::Closed { version } = *self {
            *self = Memo::Open(MemoFile::open(version, dbf_path)?);
        }
        match self {
            Memo::Open(file) => file.read(block),
            Memo::Closed { .. } => Ok(Vec::new()),
        }
    }
}

impl MemoFile {
    fn open(version: u8, dbf_path: &Path) -> std::result::Result<Self, FieldProblem> {
        let foxpro_version = matches!(version, 0x30 | 0x31 | 0x32 | 0xF5 | 0xFB);
        let order = if foxpro_version { ["fpt", "dbt"] } else { ["dbt", "fpt"] };
        let Some(path) = order.iter().find_map(|ext| sibling(dbf_path, ext)) else {
            return Err(FieldProblem::Message(
                "this memo field's text is kept in a .dbt or .fpt file beside the .dbf, and \
                 there is none"
                    .into(),
            ));
        };
        let io_error = |source| FieldProblem::Error(read_error(&path, source));
        let file = File::open(&path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        let mut source = BufReader::new(file);
        let mut head = [0u8; 22];
        let got = source.read(&mut head).map_err(io_error)?;
        let foxpro = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("fpt"));
        let block_size = if foxpro {
            u64::from(u16::from_be_bytes(array(&head, 6))).max(1)
        } else if got >= 22 && matches!(version, 0x8B | 0x8E | 0xCB) {
            match u16::from_le_bytes(array(&head, 20)) {
                0 => 512,
                size => u64::from(size),
            }
        } else {
            512
        };
        Ok(MemoFile { path, source, len, foxpro, block_size })
    }

    fn read(&mut self, block: u64) -> std::result::Result<Vec<u8>, FieldProblem> {
        let beyond = || {
            FieldProblem::Message(format!(
                "the memo pointer {block} lies beyond the end of the memo file {}",
                self.path.display()
            ))
        };
        let offset = block.checked_mul(self.block_size).filter(|&o| o < self.len);
        let Some(offset) = offset else {
            return Err(beyond());
        };
        let path = self.path.clone();
        let io_error = |source| FieldProblem::Error(read_error(&path, source));
        self.source.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        let available = self.len - offset;
        let mut head = [0u8; 8];
        let head_len = available.min(8) as usize;
        self.source.read_exact(&mut head[..head_len]).map_err(io_error)?;
        let length = if self.foxpro {
            Some(u64::from(u32::from_be_bytes(array(&head, 4))))
        } else if head[..4] == [0xFF, 0xFF, 0x08, 0x00] {
            Some(u64::from(u32::from_le_bytes(array(&head, 4))).saturating_sub(8))
        } else {
            None
        };
        if let Some(length) = length {
            if head_len < 8 || length > available - 8 {
                return Err(beyond());
            }
            let mut data = vec![0u8; length as usize];
            self.source.read_exact(&mut data).map_err(io_error)?;
            if let Some(end) = data.iter().position(|&b| b == 0 || b == 0x1A) {
                data.truncate(end);
            }
            return Ok(data);
        }
        // dBase III: the text runs to the first 0x1A.
        let mut data = head[..head_len].to_vec();
        let mut chunk = [0u8; 512];
        while !data.contains(&0x1A) && (data.len() as u64) < available {
            let n = self.source.read(&mut chunk).map_err(io_error)?;
            if n == 0 {
                break;
            }
            data.extend_from_slice(&chunk[..n]);
        }
        if let Some(end) = data.iter().position(|&b| b == 0x1A) {
            data.truncate(end);
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use geo::{Geometry, Point};

    use super::*;
    use crate::io::shapefile::fixtures::{input_message, write_raw_dbf};
    use crate::io::shapefile::{read_shapefile, write_point_shapefile};

    #[test]
    fn dbf_types_and_deleted_records() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("types.shp");
        let points = (0..3).map(|i| ([f64::from(i), 0.0], Vec::new()));
        write_point_shapefile(&shp, &[], points, "").unwrap();
        let fields = [
            ("date", b'D', 8, 0),
            ("flag", b'L', 1, 0),
            ("num", b'N', 10, 2),
            ("flt", b'F', 12, 3),
            ("int", b'I', 4, 0),
        ];
        let records = vec![
            vec![
                b"20240131".to_vec(),
                b"Y".to_vec(),
                b"     12.50".to_vec(),
                b"-1.5E+03".to_vec(),
                7i32.to_le_bytes().to_vec(),
            ],
            vec![b"*DELETED*".to_vec()],
            vec![
                b"        ".to_vec(),
                b"?".to_vec(),
                b"**********".to_vec(),
                b"".to_vec(),
                (-2i32).to_le_bytes().to_vec(),
            ],
        ];
        write_raw_dbf(&shp.with_extension("dbf"), 0, &fields, &records).unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features.len(), 2, "the deleted record is skipped");
        assert_eq!(
            layer.features[0].values,
            [
                Value::Text("2024-01-31".into()),
                Value::Bool(true),
                Value::Number(12.5),
                Value::Number(-1500.0),
                Value::Number(7.0),
            ]
        );
        assert_eq!(layer.features[1].index, 2);
        assert_eq!(layer.features[1].geometry, Some(Geometry::Point(Point::new(2.0, 0.0))));
        assert_eq!(layer.features[1].values[..4], [Value::Null, Value::Null, Value::Null, Value::Null]);

        let bad = vec![vec![b"2024-1-1".to_vec(), b"T".to_vec(), b"abc".to_vec()]; 3];
        write_raw_dbf(&shp.with_extension("dbf"), 0, &fields[..3], &bad).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert_eq!(input_message(&err).0.field.as_deref(), Some("date"));
    }

    #[test]
    fn dbase3_memo_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("memo.shp");
        write_point_shapefile(&shp, &[], [([0.0, 0.0], vec![]), ([1.0, 1.0], vec![])], "").unwrap();
        let records = vec![vec![b"         1".to_vec()], vec![b"          ".to_vec()]];
        let dbf = shp.with_extension("dbf");
        write_raw_dbf(&dbf, 0, &[("note", b'M', 10, 0)], &records).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert!(input_message(&err).1.contains(".dbt"));
        let mut dbt = vec![0u8; 512];
        dbt.extend_from_slice("健身步道 open 6-22".as_bytes());
        dbt.extend_from_slice(&[0x1A, 0x1A]);
        fs::write(dir.path().join("memo.dbt"), dbt).unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features[0].values, [Value::Text("健身步道 open 6-22".into())]);
        assert_eq!(layer.features[1].values, [Value::Null]);
    }

    #[test]
    fn datetime_conversion() {
        let mut raw = 2_440_588i32.to_le_bytes().to_vec(); // 1970-01-01
        raw.extend_from_slice(&(3_723_000i32).to_le_bytes()); // 01:02:03
        assert_eq!(datetime_value(&raw), Value::Text("1970-01-01T01:02:03".into()));
        let mut raw = 2_460_341i32.to_le_bytes().to_vec(); // 2024-01-31
        raw.extend_from_slice(&0i32.to_le_bytes());
        assert_eq!(datetime_value(&raw), Value::Text("2024-01-31T00:00:00".into()));
    }
}

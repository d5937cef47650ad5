//! Shapefile input and output.
//!
//! [`read_shapefile`] reads a `.shp` with its `.shx` index and `.dbf` attribute table (plus the
//! optional `.prj` and `.cpg`) into a [`Layer`]; [`write_point_shapefile`] writes a point
//! shapefile.
//!
//! Geometry records are parsed with the `shapefile` crate, one record at a time from the offset
//! the `.shx` gives, after checking that the record lies inside the `.shp`; polygons are then
//! assembled here so that every hole goes to the outer ring that contains it, wherever it sits
//! in the record. The `.dbf` is read and written by this module itself rather than through
//! `dbase`: it needs the raw bytes of text fields to detect a wrong encoding, it keeps deleted
//! records in step with the `.shp`, and it must not write today's date into the header.
//!
//! # Text encoding of the `.dbf`
//!
//! The encoding used for text fields (and field names) is, in this order:
//!
//! 1. the `dbf_encoding` argument (the `--dbf-encoding` flag); bytes that are invalid in it
//!    become U+FFFD;
//! 2. the `.cpg` file beside the `.shp` (labels such as `UTF-8`, `GBK`, `GB2312`, `GB18030`,
//!    `936`, `CP936`, `65001`, `ISO-8859-1`; see [`encoding_for_label`]);
//! 3. the language driver byte of the `.dbf` header (offset 29), for the code pages encoding_rs
//!    can decode: `0x4D` and `0x7A` GBK (936), `0x4E` and `0x79` EUC-KR (949), `0x4F` and `0x78`
//!    Big5 (950), `0x13`, `0x56` and `0x7B` Shift_JIS (932), `0x50` and `0x7C` windows-874,
//!    `0x03`, `0x58`, `0x59`, `0x61` and `0x62` windows-1252, `0x26` and `0x65` IBM866, `0x7D`
//!    windows-1255, `0x7E` windows-1256, `0x9B` and `0xC8` windows-1250, `0xC9` windows-1251,
//!    `0xCA` windows-1254, `0xCB` windows-1253, `0xCC` windows-1257, `0x04` macintosh and `0x96`
//!    x-mac-cyrillic. `0x57` ("ANSI": whatever code page the writing machine used, so GBK on a
//!    Chinese Windows) and the DOS code pages (437, 850, 852, ...) count as unknown;
//! 4. UTF-8.
//!
//! Unless the encoding came from the flag, text that is not valid in the chosen encoding is an
//! [`Error::Input`] naming the record and field, with a hint to pass `--dbf-encoding` or add a
//! `.cpg` file. A multi-byte character cut at the end of a full-width field (as some writers do
//! at the 254-byte limit) is dropped instead.
//!
//! # Deterministic output
//!
//! [`write_point_shapefile`] writes byte-identical files for the same input: the `.dbf` header's
//! "last update" date is always 1970-01-01 (not the current date), column widths depend only on
//! the values, and no other time or environment data is written.

mod dbf;
mod encoding;
#[cfg(test)]
pub(crate) mod fixtures;
mod geometry;
mod write;

use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::layer::{Layer, RawFeature, Value};
#[cfg(any(test, feature = "fuzzing", feature = "bench-internals"))]
use crate::progress::NoProgress;
use crate::progress::{Progress, Step};

use dbf::DbfReader;
use encoding::code_page_encoding;
#[cfg(feature = "osm")]
pub(crate) use geometry::IndexedRing;
use geometry::{check_shp_header, read_geometry, read_shx};
use write::{OutputPaths, validate_fields, write_files};

/// The file code that opens every `.shp` and `.shx`.
const SHP_FILE_CODE: i32 = 9994;
/// Size of the `.shp`/`.shx` header.
const SHP_HEADER_LEN: u64 = 100;

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads a shapefile (.shp + .shx + .dbf, optional .prj and .cpg) into a Layer.
///
/// Geometries stay in the file's own CRS, with Z and M dropped: points become `Point`,
/// multipoints `MultiPoint`, polylines `LineString` (one part) or `MultiLineString`, polygons
/// `Polygon` or `MultiPolygon` (holes assigned to the outer ring containing them), null shapes
/// and empty shapes `None`; a record whose content cannot be decoded has `None` and a
/// `geometry_problem` for the loader to report. Each feature's `index` is its record number (0-based) and `fid` is
/// `None`; records marked deleted in the `.dbf` are skipped. `Layer::fields` lists the `.dbf`
/// fields in order. `dbf_encoding` overrides the `.dbf` text encoding; see the module docs for
/// how it is chosen otherwise. A `.prj` beside the `.shp` sets `Layer::declared_crs`.
#[cfg(any(test, feature = "fuzzing", feature = "bench-internals"))]
pub fn read_shapefile(path: &Path, dbf_encoding: Option<&'static Encoding>) -> Result<Layer> {
    read_shapefile_reporting(path, dbf_encoding, &NoProgress, "")
}

/// [`read_shapefile`], reporting step `name` (records read) to `progress`.
pub(crate) fn read_shapefile_reporting(
    path: &Path,
    dbf_encoding: Option<&'static Encoding>,
    progress: &dyn Progress,
    name: &str,
) -> Result<Layer> {
    let shp_file = File::open(path).map_err(|source| read_error(path, source))?;
    let shp_len = shp_file.metadata().map_err(|source| read_error(path, source))?.len();
    let shx_path = require_sibling(path, "shx", "index")?;
    let dbf_path = require_sibling(path, "dbf", "attribute table")?;

    let mut shp = BufReader::new(shp_file);
    check_shp_header(&mut shp, path, shp_len)?;
    let index = read_shx(&shx_path, path, shp_len)?;
    let mut dbf = DbfReader::open(&dbf_path, path, dbf_encoding)?;
    if dbf.num_records != index.len() {
        return Err(Error::input(
            Location::file(&dbf_path),
            format!(
                "the .dbf has {} records but the .shp has {} shapes: the files do not belong \
                 together or one of them is damaged",
                dbf.num_records,
                index.len()
            ),
        ));
    }
    let declared_crs = read_prj(path)?;

    let fields = dbf.field_names();
    let mut features = Vec::with_capacity(index.len());
    let mut buffer = Vec::new();
    let mut position = SHP_HEADER_LEN;
    let step = Step::begin(progress, name, Some(index.len() as u64));
    for (record, entry) in index.iter().enumerate() {
        step.advance(1);
        let Some(values) = dbf.next_record(record)? else {
            continue;
        };
        let (geometry, geometry_problem) =
            match read_geometry(&mut shp, &mut position, (path, shp_len), record, *entry, &mut buffer)? {
                Ok(geometry) => (geometry, None),
                Err(message) => (None, Some(("geometry".to_owned(), message))),
            };
        features.push(RawFeature {
            index: record,
            fid: None,
            geometry,
            geometry_problem: geometry_problem.map(Box::new),
            geometry_note: None,
            values,
        });
    }
    Ok(Layer { path: path.to_path_buf(), fields, features, declared_crs, attribution: None })
}

/// Reads the `.prj` beside the `.shp`, if any.
fn read_prj(path: &Path) -> Result<Option<Crs>> {
    let Some(prj_path) = sibling(path, "prj") else {
        return Ok(None);
    };
    let bytes = fs::read(&prj_path).map_err(|source| read_error(&prj_path, source))?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim().trim_start_matches('\u{feff}');
    if text.is_empty() {
        return Ok(None);
    }
    Crs::from_prj(text).map(Some).map_err(|cause| Error::Crs { context: format!("{}: .prj", path.display()), cause })
}

/// Maps an encoding label, as found in `.cpg` files or given to `--dbf-encoding`, to an encoding.
///
/// Accepts the WHATWG labels encoding_rs knows (`utf-8`, `utf8`, `gbk`, `gb2312`, `gb18030`,
/// `big5`, `shift_jis`, `iso-8859-1`, `windows-1252`, ...; any case) and Windows code page
/// numbers, bare or prefixed (`936`, `CP936`, `windows-936`, `ANSI 1251`, `65001`, `54936`, ...).
/// Returns `None` for unknown labels and for encodings that cannot hold `.dbf` text (UTF-16).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
    if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
        let unusable = [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE, encoding_rs::REPLACEMENT];
        return (!unusable.contains(&encoding)).then_some(encoding);
    }
    let mut number = label.as_str();
    for prefix in ["windows-", "windows", "cp-", "cp", "ms", "ansi", "ibm", "code page", "codepage"] {
        if let Some(rest) = number.strip_prefix(prefix) {
            number = rest.trim_start_matches([' ', '_', '-']);
            break;
        }
    }
    code_page_encoding(number.parse().ok()?)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Kind of a DBF column written by lifecircle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// Text, written as UTF-8 (at most 254 bytes, cut at a character boundary).
    Text,
    /// A number written with `decimals` digits after the point (at most 15).
    Number {
        /// Digits after the decimal point.
        decimals: u8,
    },
    /// A boolean, written as a dBase logical (`T`, `F`, `?` for null).
    Bool,
}

/// One DBF column: name (≤ 10 ASCII bytes; error otherwise) and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ShpField {
    /// The column name: 1 to 10 printable ASCII bytes, unique ignoring case.
    pub name: String,
    /// What the column holds.
    pub kind: FieldKind,
}

/// Writes a point shapefile at `path` (ending in .shp): .shp, .shx, .dbf, plus .prj (the given
/// ESRI WKT, skipped when empty) and .cpg containing "UTF-8". Text is written as UTF-8, cut at a
/// character boundary to the 254-byte DBF limit. `Value::Null` is written as a DBF null.
///
/// Each row is a point `[x, y]` and its values, aligned with `fields` (missing trailing values
/// are null). A Text column takes any value (numbers and booleans as text); a Number column takes
/// numbers (non-finite ones are written as null); a Bool column takes booleans; any other
/// mismatch is an [`Error::Input`] naming the row and field. Rows are streamed: the values go
/// through a temporary file beside the output, so that column widths fit the longest value,
/// and the memory used does not grow with the number of rows. Numeric nulls are written as
/// asterisks and text nulls as blanks, as GDAL does. The output is byte-identical for the same
/// input (the `.dbf` date is fixed at 1970-01-01). A stale `.prj` (when `prj_wkt` is empty) and
/// stale spatial indexes (`.sbn`, `.sbx`, `.qix`) of the same name are removed; on error the
/// files written so far are removed.
pub fn write_point_shapefile<I>(path: &Path, fields: &[ShpField], rows: I, prj_wkt: &str) -> Result<()>
where
    I: IntoIterator<Item = ([f64; 2], Vec<Value>)>,
{
    let is_shp = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !is_shp {
        return Err(Error::Option(format!("{}: a shapefile output path must end in .shp", path.display())));
    }
    let paths = OutputPaths::new(path);
    validate_fields(fields, &paths.dbf)?;
    let mut created = Vec::new();
    let result = write_files(&paths, fields, rows.into_iter(), prj_wkt, &mut created);
    // Best effort: the temporary file is never part of the result.
    let _ = fs::remove_file(&paths.tmp);
    if result.is_err() {
        for file in &created {
            let _ = fs::remove_file(file);
        }
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

fn read_error(path: &Path, source: io::Error) -> Error {
    Error::Read { path: path.to_path_buf(), cause: source }
}

fn write_error(path: &Path, source: io::Error) -> Error {
    Error::Write { path: path.to_path_buf(), cause: source }
}

/// The path of a sibling file with extension `ext`, in the case of the `.shp`'s extension.
fn sibling_path(path: &Path, ext: &str) -> PathBuf {
    let upper = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.chars().any(|c| c.is_ascii_uppercase()));
    if upper { path.with_extension(ext.to_ascii_uppercase()) } else { path.with_extension(ext.to_ascii_lowercase()) }
}

/// An existing sibling file with extension `ext` (either case), if there is one.
fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [sibling_path(path, ext), path.with_extension(ext.to_ascii_lowercase())]
        .into_iter()
        .chain([path.with_extension(ext.to_ascii_uppercase())])
        .find(|p| p.is_file())
}

fn require_sibling(path: &Path, ext: &str, what: &str) -> Result<PathBuf> {
    sibling(path, ext).ok_or_else(|| {
        let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
        Error::input(
            Location::file(sibling_path(path, ext)),
            format!(
                "the .{ext} {what} file is missing: a shapefile is a .shp, .shx and .dbf side by \
                 side, so copy every file named {stem}.* together"
            ),
        )
    })
}

/// Reads `N` bytes at `at`, zeros where `bytes` is too short (callers check lengths first).
fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = bytes.get(at..at.saturating_add(N)) {
        out.copy_from_slice(src);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fixtures::{input_message, sample_fields, sample_rows};
    use super::*;

    #[test]
    fn encoding_labels() {
        let cases = [
            ("UTF-8", encoding_rs::UTF_8),
            ("utf8", encoding_rs::UTF_8),
            ("65001", encoding_rs::UTF_8),
            ("GBK", encoding_rs::GBK),
            ("936", encoding_rs::GBK),
            ("CP936", encoding_rs::GBK),
            ("GB2312", encoding_rs::GBK),
            ("GB18030", encoding_rs::GB18030),
            ("ISO-8859-1", encoding_rs::WINDOWS_1252),
            ("ANSI 1251", encoding_rs::WINDOWS_1251),
            ("Big5", encoding_rs::BIG5),
        ];
        for (label, encoding) in cases {
            assert_eq!(encoding_for_label(label), Some(encoding), "{label}");
        }
        assert_eq!(encoding_for_label("UTF-16LE"), None);
        assert_eq!(encoding_for_label("nonsense"), None);
    }

    #[test]
    fn missing_files_and_mismatched_counts() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("m.shp");
        write_point_shapefile(&shp, &sample_fields(), sample_rows(), "").unwrap();
        let dbf = fs::read(dir.path().join("m.dbf")).unwrap();

        fs::remove_file(dir.path().join("m.dbf")).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        let (location, message) = input_message(&err);
        assert_eq!(location.path, dir.path().join("m.dbf"));
        assert!(message.contains(".dbf attribute table file is missing"), "{message}");

        let mut fewer = dbf.clone();
        fewer[4] = 2;
        fs::write(dir.path().join("m.dbf"), &fewer).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert!(input_message(&err).1.contains("has 2 records but the .shp has 3"));

        fs::write(dir.path().join("m.dbf"), &dbf[..dbf.len() - 10]).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        let (location, message) = input_message(&err);
        assert_eq!(location.feature, Some(2));
        assert!(message.contains(".dbf file is truncated"), "{message}");

        fs::remove_file(dir.path().join("m.shx")).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert_eq!(input_message(&err).0.path, dir.path().join("m.shx"));

        let err = read_shapefile(&dir.path().join("nothing.shp"), None).unwrap_err();
        assert!(matches!(err, Error::Read { .. }));
    }

    #[test]
    fn unknown_prj_is_a_crs_error() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("p.shp");
        write_point_shapefile(&shp, &[], [], "PROJCS[\"Mystery\"]").unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        match err {
            Error::Crs { context, .. } => assert!(context.ends_with("p.shp: .prj"), "{context}"),
            other => panic!("expected a CRS error, got {other:?}"),
        }
    }

    #[test]
    fn truncated_and_garbage_files_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("t.shp");
        let rows = (0..20).map(|i| ([f64::from(i), 1.0], vec![Value::Number(f64::from(i))]));
        let fields = [ShpField { name: "n".into(), kind: FieldKind::Number { decimals: 0 } }];
        write_point_shapefile(&shp, &fields, rows, "").unwrap();
        let originals: Vec<(PathBuf, Vec<u8>)> = ["shp", "shx", "dbf"]
            .iter()
            .map(|ext| {
                let path = shp.with_extension(ext);
                let bytes = fs::read(&path).unwrap();
                (path, bytes)
            })
            .collect();
        for (path, bytes) in &originals {
            for cut in (0..bytes.len() - 1).step_by(7) {
                fs::write(path, &bytes[..cut]).unwrap();
                assert!(read_shapefile(&shp, None).is_err(), "{} cut at {cut}", path.display());
            }
            fs::write(path, bytes).unwrap();
        }
        // Random bytes (a fixed xorshift sequence) in place of each file, and over its body.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (path, bytes) in &originals {
            for round in 0..200 {
                let mut garbage = bytes.clone();
                if round % 2 == 0 {
                    let len = (random() % 2000) as usize;
                    garbage = (0..len).map(|_| random() as u8).collect();
                } else {
                    for _ in 0..1 + random() % 8 {
                        let at = (random() as usize) % garbage.len();
                        garbage[at] = random() as u8;
                    }
                }
                fs::write(path, &garbage).unwrap();
                let _ = read_shapefile(&shp, None);
            }
            fs::write(path, bytes).unwrap();
        }
        assert_eq!(read_shapefile(&shp, None).unwrap().features.len(), 20);
    }
}

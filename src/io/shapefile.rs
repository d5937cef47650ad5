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

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use shapefile::{PolygonRing, ReadableShape, Shape};

use crate::crs::Crs;
use crate::error::{Error, Location, Result};
use crate::io::layer::{Layer, RawFeature, Value, format_number};

/// The file code that opens every `.shp` and `.shx`.
const SHP_FILE_CODE: i32 = 9994;
/// Size of the `.shp`/`.shx` header.
const SHP_HEADER_LEN: u64 = 100;
/// Longest text a `.dbf` character field holds, in bytes.
const DBF_TEXT_MAX: usize = 254;
/// Widest numeric field written; longer numbers are written in exponent form.
const DBF_NUMBER_MAX: usize = 20;
/// Most fields written to one `.dbf` (the dBase IV limit most GIS software keeps to).
const DBF_MAX_FIELDS: usize = 255;
/// The fixed "last update" date written into `.dbf` headers: 1970-01-01 (years since 1900).
const DBF_FIXED_DATE: [u8; 3] = [70, 1, 1];
/// Most point records whose offsets still fit the `.shx` (a signed count of 16-bit words).
const MAX_POINT_RECORDS: usize = (i32::MAX as usize - 50) / 14;

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
pub fn read_shapefile(path: &Path, dbf_encoding: Option<&'static Encoding>) -> Result<Layer> {
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
    for (record, entry) in index.iter().enumerate() {
        let Some(values) = dbf.next_record(record)? else {
            continue;
        };
        let (geometry, geometry_problem) =
            match read_geometry(&mut shp, &mut position, (path, shp_len), record, *entry, &mut buffer)? {
                Ok(geometry) => (geometry, None),
                Err(message) => (None, Some(("geometry".to_owned(), message))),
            };
        features.push(RawFeature { index: record, fid: None, geometry, geometry_problem, values });
    }
    Ok(Layer { path: path.to_path_buf(), fields, features, declared_crs })
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

/// The encoding of a Windows code page number, for those encoding_rs supports.
fn code_page_encoding(code_page: u16) -> Option<&'static Encoding> {
    use encoding_rs as e;
    Some(match code_page {
        65001 => e::UTF_8,
        936 | 20936 => e::GBK,
        54936 => e::GB18030,
        950 => e::BIG5,
        932 => e::SHIFT_JIS,
        949 | 51949 => e::EUC_KR,
        20932 | 51932 => e::EUC_JP,
        874 => e::WINDOWS_874,
        866 => e::IBM866,
        1250 => e::WINDOWS_1250,
        1251 => e::WINDOWS_1251,
        1252 | 28591 => e::WINDOWS_1252,
        1253 => e::WINDOWS_1253,
        1254 => e::WINDOWS_1254,
        1255 => e::WINDOWS_1255,
        1256 => e::WINDOWS_1256,
        1257 => e::WINDOWS_1257,
        1258 => e::WINDOWS_1258,
        28592 => e::ISO_8859_2,
        28593 => e::ISO_8859_3,
        28594 => e::ISO_8859_4,
        28595 => e::ISO_8859_5,
        28596 => e::ISO_8859_6,
        28597 => e::ISO_8859_7,
        28598 => e::ISO_8859_8,
        28603 => e::ISO_8859_13,
        28605 => e::ISO_8859_15,
        20866 => e::KOI8_R,
        21866 => e::KOI8_U,
        10000 => e::MACINTOSH,
        10007 => e::X_MAC_CYRILLIC,
        _ => return None,
    })
}

/// The encoding named by a `.dbf` language driver id, for the code pages encoding_rs supports.
///
/// `0x57` ("ANSI", the writing machine's code page) and the DOS code pages are unknown.
fn ldid_encoding(ldid: u8) -> Option<&'static Encoding> {
    let code_page = match ldid {
        0x03 | 0x58 | 0x59 | 0x61 | 0x62 => 1252,
        0x04 => 10000,
        0x13 | 0x56 | 0x7B => 932,
        0x26 | 0x65 => 866,
        0x4D | 0x7A => 936,
        0x4E | 0x79 => 949,
        0x4F | 0x78 => 950,
        0x50 | 0x7C => 874,
        0x7D => 1255,
        0x7E => 1256,
        0x96 => 10007,
        0x9B | 0xC8 => 1250,
        0xC9 => 1251,
        0xCA => 1254,
        0xCB => 1253,
        0xCC => 1257,
        _ => return None,
    };
    code_page_encoding(code_page)
}

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

/// Checks the 100-byte `.shp` header: file code, declared length and shape type.
fn check_shp_header(shp: &mut impl Read, path: &Path, shp_len: u64) -> Result<()> {
    let not_shapefile = |why: &str| Error::input(Location::file(path), format!("this is not a shapefile .shp: {why}"));
    if shp_len < SHP_HEADER_LEN {
        return Err(not_shapefile("it is shorter than the 100-byte header"));
    }
    let mut header = [0u8; SHP_HEADER_LEN as usize];
    shp.read_exact(&mut header).map_err(|source| read_error(path, source))?;
    if i32::from_be_bytes(array(&header, 0)) != SHP_FILE_CODE {
        return Err(not_shapefile("it does not start with the shapefile file code 9994"));
    }
    let declared = u64::from(u32::from_be_bytes(array(&header, 24))) * 2;
    if declared > shp_len {
        return Err(Error::input(
            Location::file(path),
            format!(
                "the .shp file is truncated: its header says {declared} bytes but the file has \
                 only {shp_len}"
            ),
        ));
    }
    let shape_type = i32::from_le_bytes(array(&header, 32));
    if ![0, 1, 3, 5, 8, 11, 13, 15, 18, 21, 23, 25, 28, 31].contains(&shape_type) {
        return Err(not_shapefile(&format!("its header names an unknown shape type {shape_type}")));
    }
    Ok(())
}

/// One `.shx` entry: the byte offset where a record starts in the `.shp`.
#[derive(Debug, Clone, Copy)]
struct ShxEntry {
    offset: u64,
}

/// Reads the `.shx` and checks every record it lists lies inside the `.shp`.
fn read_shx(shx_path: &Path, shp_path: &Path, shp_len: u64) -> Result<Vec<ShxEntry>> {
    let bytes = fs::read(shx_path).map_err(|source| read_error(shx_path, source))?;
    let damaged = |why: String| Error::input(Location::file(shx_path), why);
    if bytes.len() < SHP_HEADER_LEN as usize || i32::from_be_bytes(array(&bytes, 0)) != SHP_FILE_CODE {
        return Err(damaged("this is not a shapefile index (.shx): wrong header".into()));
    }
    let declared = u64::from(u32::from_be_bytes(array(&bytes, 24))) * 2;
    if declared < SHP_HEADER_LEN || declared > bytes.len() as u64 {
        return Err(damaged(format!(
            "the .shx index is truncated or damaged: its header says {declared} bytes but the \
             file has {}",
            bytes.len()
        )));
    }
    let count = ((declared - SHP_HEADER_LEN) / 8) as usize;
    let mut entries = Vec::with_capacity(count);
    for record in 0..count {
        let at = SHP_HEADER_LEN as usize + record * 8;
        let offset = i32::from_be_bytes(array(&bytes, at));
        let length = i32::from_be_bytes(array(&bytes, at + 4));
        let (Ok(offset), Ok(length)) = (u64::try_from(offset), u64::try_from(length)) else {
            return Err(Error::input(
                Location::file(shx_path).feature(record, None),
                "the .shx index is damaged: negative record offset or length",
            ));
        };
        let (offset, end) = (offset * 2, offset * 2 + 8 + length * 2);
        if offset < SHP_HEADER_LEN || end > shp_len {
            return Err(Error::input(
                Location::file(shp_path).feature(record, None),
                format!(
                    "the .shp file is truncated or does not match its .shx: this record should \
                     span bytes {offset}..{end} but the file has {shp_len} bytes"
                ),
            ));
        }
        entries.push(ShxEntry { offset });
    }
    Ok(entries)
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

/// Reads and converts the geometry of one record; `position` tracks the reader's offset so that
/// records stored in order are read without discarding the read buffer.
///
/// A record that does not fit in the file is an error (the file is truncated or damaged, so
/// nothing after it can be trusted); a record whose content cannot be decoded gives `Ok(Err)`
/// with the message, for [`RawFeature::geometry_problem`].
fn read_geometry(
    shp: &mut BufReader<File>,
    position: &mut u64,
    (path, shp_len): (&Path, u64),
    record: usize,
    entry: ShxEntry,
    buffer: &mut Vec<u8>,
) -> Result<std::result::Result<Option<Geometry<f64>>, String>> {
    let damaged = |why: String| Error::input(Location::file(path).feature(record, None).field("geometry"), why);
    let delta = entry.offset as i64 - *position as i64;
    if delta != 0 {
        shp.seek_relative(delta).map_err(|source| read_error(path, source))?;
    }
    *position = entry.offset;
    let mut header = [0u8; 8];
    shp.read_exact(&mut header).map_err(|source| read_error(path, source))?;
    let content = u64::try_from(i32::from_be_bytes(array(&header, 4)))
        .map_err(|_| damaged("the .shp record header has a negative length".into()))?
        * 2;
    if entry.offset + 8 + content > shp_len {
        return Err(damaged(format!(
            "the .shp file is truncated: this record should end at byte {} but the file has \
             {shp_len} bytes",
            entry.offset + 8 + content
        )));
    }
    let size = i32::try_from(content).map_err(|_| damaged("the .shp record is too large to be valid".into()))?;
    buffer.clear();
    buffer.resize(content as usize, 0);
    shp.read_exact(buffer).map_err(|source| read_error(path, source))?;
    *position = entry.offset + 8 + content;
    if let Err(why) = check_counts(buffer) {
        return Ok(Err(format!("the .shp record is damaged: {why}")));
    }
    let shape = match Shape::read_from(&mut Cursor::new(buffer.as_slice()), size) {
        Ok(shape) => shape,
        Err(e) => return Ok(Err(format!("the .shp record is damaged: {}", e.to_string().trim()))),
    };
    Ok(shape_to_geometry(shape).map_err(|why| format!("cannot convert the .shp record: {why}")))
}

/// Checks that the part and point counts a record declares fit in it, before the shapefile
/// crate reserves memory for them.
fn check_counts(content: &[u8]) -> std::result::Result<(), String> {
    let count = |at: usize| u64::from(u32::from_le_bytes(array(content, at)));
    let needed = match i32::from_le_bytes(array(content, 0)) {
        3 | 5 | 13 | 15 | 23 | 25 | 31 if content.len() >= 44 => 44 + 4 * count(36) + 16 * count(40),
        8 | 18 | 28 if content.len() >= 40 => 40 + 16 * count(36),
        _ => return Ok(()),
    };
    if needed > content.len() as u64 {
        return Err(format!("the record declares more parts or points than its {} bytes can hold", content.len()));
    }
    Ok(())
}

fn coords<P>(points: Vec<P>) -> Vec<Coord<f64>>
where
    Coord<f64>: From<P>,
{
    points.into_iter().map(Coord::from).collect()
}

/// Converts a shape to a geometry, dropping Z and M; `None` for null and empty shapes.
fn shape_to_geometry(shape: Shape) -> std::result::Result<Option<Geometry<f64>>, String> {
    let point = |x: f64, y: f64| Some(Geometry::Point(Point::new(x, y)));
    Ok(match shape {
        Shape::NullShape => None,
        Shape::Point(p) => point(p.x, p.y),
        Shape::PointM(p) => point(p.x, p.y),
        Shape::PointZ(p) => point(p.x, p.y),
        Shape::Multipoint(m) => multipoint(coords(m.into_inner())),
        Shape::MultipointM(m) => multipoint(coords(m.into_inner())),
        Shape::MultipointZ(m) => multipoint(coords(m.into_inner())),
        Shape::Polyline(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::PolylineM(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::PolylineZ(l) => lines(l.into_inner().into_iter().map(coords).collect()),
        Shape::Polygon(p) => polygons(rings(p.into_inner())),
        Shape::PolygonM(p) => polygons(rings(p.into_inner())),
        Shape::PolygonZ(p) => polygons(rings(p.into_inner())),
        Shape::Multipatch(m) => {
            let mut multi = MultiPolygon::<f64>::try_from(m).map_err(|e| e.to_string())?;
            match multi.0.len() {
                0 => None,
                1 => multi.0.pop().map(Geometry::Polygon),
                _ => Some(Geometry::MultiPolygon(multi)),
            }
        }
    })
}

fn multipoint(points: Vec<Coord<f64>>) -> Option<Geometry<f64>> {
    (!points.is_empty()).then(|| Geometry::MultiPoint(MultiPoint::from(points)))
}

fn lines(mut parts: Vec<Vec<Coord<f64>>>) -> Option<Geometry<f64>> {
    parts.retain(|part| !part.is_empty());
    match parts.len() {
        0 => None,
        1 => parts.pop().map(|part| Geometry::LineString(LineString::new(part))),
        _ => Some(Geometry::MultiLineString(MultiLineString::new(parts.into_iter().map(LineString::new).collect()))),
    }
}

/// The rings of a polygon record (their winding is not trusted: see [`polygons`]).
fn rings<P>(rings: Vec<PolygonRing<P>>) -> Vec<Vec<Coord<f64>>>
where
    Coord<f64>: From<P>,
{
    rings.into_iter().map(|ring| coords(ring.into_inner())).collect()
}

/// Bounding box of a ring as (min x, min y, max x, max y).
fn ring_bbox(ring: &[Coord<f64>]) -> [f64; 4] {
    ring.iter().fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], |b, c| {
        [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)]
    })
}

/// Absolute area of a closed ring (shoelace formula).
fn ring_area(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>().abs() / 2.0
}

/// Whether `p` is inside the closed `ring`; `None` when it lies on the ring itself.
fn ring_position(ring: &[Coord<f64>], p: Coord<f64>) -> Option<bool> {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross == 0.0 && p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y) {
            return None;
        }
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    Some(inside)
}

/// Whether the closed ring `outer` contains the ring `inner` (judged by its first vertex that is
/// not on `outer`; a ring lying wholly on `outer` counts as inside).
fn ring_contains(outer: &[Coord<f64>], inner: &[Coord<f64>]) -> bool {
    inner.iter().find_map(|p| ring_position(outer, *p)).unwrap_or(true)
}

/// Builds polygons from the rings of one record by nesting, as GDAL does: a ring inside an even
/// number of other rings is an exterior; one inside an odd number is a hole of the smallest ring
/// containing it. Ring order and winding are not trusted (the specification wants clockwise
/// exteriors, but some writers use the opposite winding), so every hole goes to the exterior that
/// contains it, wherever it sits in the record.
fn polygons(rings: Vec<Vec<Coord<f64>>>) -> Option<Geometry<f64>> {
    let rings: Vec<Vec<Coord<f64>>> = rings
        .into_iter()
        .filter_map(|mut ring| {
            let first = *ring.first()?;
            if ring.last() != Some(&first) {
                ring.push(first);
            }
            Some(ring)
        })
        .collect();
    let boxes: Vec<[f64; 4]> = rings.iter().map(|r| ring_bbox(r)).collect();
    let areas: Vec<f64> = rings.iter().map(|r| ring_area(r)).collect();
    // Larger rings first: a ring's containers all come before it, the smallest one last.
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| areas[b].total_cmp(&areas[a]));
    let mut depth = vec![0usize; rings.len()];
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[..k] {
            let (outer, inner) = (boxes[j], boxes[i]);
            let within = outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
            if within && ring_contains(&rings[j], &rings[i]) {
                depth[i] += 1;
                parent[i] = Some(j);
            }
        }
    }
    let is_hole = |i: usize| !depth[i].is_multiple_of(2) && parent[i].is_some_and(|p| depth[p].is_multiple_of(2));
    let mut holes: Vec<Vec<usize>> = vec![Vec::new(); rings.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p
            && is_hole(i)
        {
            holes[p].push(i);
        }
    }
    let mut result: Vec<Polygon<f64>> = (0..rings.len())
        .filter(|&i| !is_hole(i))
        .map(|i| {
            let interiors = holes[i].iter().map(|&h| LineString::new(rings[h].clone())).collect();
            Polygon::new(LineString::new(rings[i].clone()), interiors)
        })
        .collect();
    match result.len() {
        0 => None,
        1 => result.pop().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(MultiPolygon::new(result))),
    }
}

/// Where the `.dbf` text encoding came from.
#[derive(Debug, Clone)]
enum EncodingSource {
    /// The `--dbf-encoding` flag: invalid bytes are replaced, not reported.
    Flag,
    /// A `.cpg` file with this label.
    Cpg(String),
    /// The `.dbf` header's language driver byte.
    Ldid(u8),
    /// Nothing said: UTF-8.
    Default,
}

/// Decodes `.dbf` text in the chosen encoding.
#[derive(Debug, Clone)]
struct TextDecoder {
    encoding: &'static Encoding,
    source: EncodingSource,
}

impl TextDecoder {
    /// Chooses the encoding: flag, then `.cpg`, then language driver id, then UTF-8.
    fn choose(flag: Option<&'static Encoding>, shp_path: &Path, ldid: u8) -> Result<Self> {
        if let Some(encoding) = flag {
            return Ok(TextDecoder { encoding, source: EncodingSource::Flag });
        }
        if let Some(cpg_path) = sibling(shp_path, "cpg") {
            let mut raw = Vec::new();
            File::open(&cpg_path)
                .and_then(|file| file.take(1024).read_to_end(&mut raw))
                .map_err(|source| read_error(&cpg_path, source))?;
            let text = String::from_utf8_lossy(&raw);
            let label = text.trim().trim_start_matches('\u{feff}').trim();
            if !label.is_empty() {
                let Some(encoding) = encoding_for_label(label) else {
                    return Err(Error::input(
                        Location::file(&cpg_path),
                        format!(
                            "unknown encoding '{label}': pass --dbf-encoding with the encoding \
                             the .dbf text is in (for example gbk or utf-8)"
                        ),
                    ));
                };
                return Ok(TextDecoder { encoding, source: EncodingSource::Cpg(label.to_owned()) });
            }
        }
        if let Some(encoding) = ldid_encoding(ldid) {
            return Ok(TextDecoder { encoding, source: EncodingSource::Ldid(ldid) });
        }
        Ok(TextDecoder { encoding: encoding_rs::UTF_8, source: EncodingSource::Default })
    }

    /// Decodes `bytes`; `full_width` says they fill their field, so a character cut at the end
    /// may be dropped. Errors carry the message for the user.
    fn decode(&self, bytes: &[u8], full_width: bool) -> std::result::Result<String, String> {
        let strict =
            |b: &[u8]| self.encoding.decode_without_bom_handling_and_without_replacement(b).map(Cow::into_owned);
        if let Some(text) = strict(bytes) {
            return Ok(text);
        }
        if full_width {
            for cut in 1..=3.min(bytes.len()) {
                if let Some(text) = strict(&bytes[..bytes.len() - cut]) {
                    return Ok(text);
                }
            }
        }
        let name = self.encoding.name();
        match &self.source {
            EncodingSource::Flag => Ok(self.encoding.decode_without_bom_handling(bytes).0.into_owned()),
            EncodingSource::Cpg(label) => Err(format!(
                "text is not valid {name} although the .cpg file says '{label}': pass \
                 --dbf-encoding with the right encoding (for example gbk or utf-8) to override it"
            )),
            EncodingSource::Ldid(ldid) => Err(format!(
                "text is not valid {name} (the code page named by the .dbf header's language \
                 driver byte 0x{ldid:02X}) and no .cpg file says which encoding it is: pass \
                 --dbf-encoding with the right encoding (for example gbk or utf-8) or add a .cpg \
                 file naming it"
            )),
            EncodingSource::Default => Err("text is not valid UTF-8 and no .cpg file says which \
                 encoding it is: if it is GBK (as Chinese ArcGIS/Excel saves it), pass \
                 --dbf-encoding gbk or add a .cpg file containing GBK"
                .to_owned()),
        }
    }
}

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
struct DbfReader {
    path: PathBuf,
    source: BufReader<File>,
    num_records: usize,
    fields: Vec<DbfField>,
    text: TextDecoder,
    memo: Memo,
    record: Vec<u8>,
}

impl DbfReader {
    fn open(path: &Path, shp_path: &Path, flag: Option<&'static Encoding>) -> Result<Self> {
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

    fn field_names(&self) -> Vec<String> {
        self.fields.iter().filter(|f| f.is_column()).map(|f| f.name.clone()).collect()
    }

    /// Reads the next record's values; `None` for a record marked deleted.
    fn next_record(&mut self, record: usize) -> Result<Option<Vec<Value>>> {
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

/// The files of one output shapefile.
struct OutputPaths {
    shp: PathBuf,
    shx: PathBuf,
    dbf: PathBuf,
    prj: PathBuf,
    cpg: PathBuf,
    tmp: PathBuf,
    stale: [PathBuf; 3],
}

impl OutputPaths {
    fn new(shp: &Path) -> Self {
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

fn validate_fields(fields: &[ShpField], dbf_path: &Path) -> Result<()> {
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
    let file = File::create(path).map_err(|source| write_error(path, source))?;
    created.push(path.to_path_buf());
    Ok(BufWriter::new(file))
}

/// A `.shp`/`.shx` header for point files.
fn shp_header(length_words: i32, bbox: [f64; 4]) -> [u8; 100] {
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
fn write_files(
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

fn remove_stale(path: &Path) -> Result<()> {
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

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Test fixtures: raw `.dbf` files in any encoding, and a GBK services shapefile without `.cpg`.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// One raw `.dbf` column: name, dBase type letter, width, decimals.
    pub(crate) type RawField<'a> = (&'a str, u8, u8, u8);

    /// Writes a `.dbf` byte by byte: `records` hold each field's bytes already encoded (padded
    /// here with spaces, left-aligned), with `ldid` as the language driver byte. A record whose
    /// first cell is `b"*DELETED*"` is written as deleted (with blank fields).
    pub(crate) fn write_raw_dbf(
        path: &Path,
        ldid: u8,
        fields: &[RawField<'_>],
        records: &[Vec<Vec<u8>>],
    ) -> io::Result<()> {
        let header_len = 32 + 32 * fields.len() + 1;
        let record_len = 1 + fields.iter().map(|f| usize::from(f.2)).sum::<usize>();
        let mut out = vec![0u8; header_len];
        out[0] = 0x03;
        out[1..4].copy_from_slice(&DBF_FIXED_DATE);
        out[4..8].copy_from_slice(&(records.len() as u32).to_le_bytes());
        out[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
        out[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
        out[29] = ldid;
        for (k, (name, kind, width, decimals)) in fields.iter().enumerate() {
            let d = &mut out[32 + 32 * k..64 + 32 * k];
            d[..name.len()].copy_from_slice(name.as_bytes());
            d[11] = *kind;
            d[16] = *width;
            d[17] = *decimals;
        }
        out[header_len - 1] = 0x0D;
        for record in records {
            let deleted = record.first().is_some_and(|c| c == b"*DELETED*");
            out.push(if deleted { b'*' } else { b' ' });
            for (k, field) in fields.iter().enumerate() {
                let mut cell = if deleted { Vec::new() } else { record[k].clone() };
                cell.resize(usize::from(field.2), b' ');
                out.extend_from_slice(&cell);
            }
        }
        out.push(0x1A);
        fs::write(path, out)
    }

    /// Writes `services.shp/.shx/.dbf` in `dir`: three WGS84 points near Beijing with GBK text
    /// fields `id`, `category` and `name`, language driver byte 0, no `.cpg` and no `.prj`.
    pub(crate) fn write_gbk_services(dir: &Path) -> Result<PathBuf> {
        let shp = dir.join("services.shp");
        let rows = [
            ([116.3915, 39.9065], "S1", "社区卫生服务站", "东华门社区卫生服务站"),
            ([116.4032, 39.9128], "S2", "菜市场", "北新桥菜市场"),
            ([116.4087, 39.9183], "S3", "幼儿园", "交道口第一幼儿园"),
        ];
        let points = rows.iter().map(|(xy, ..)| (*xy, Vec::new()));
        write_point_shapefile(&shp, &[], points, "")?;
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let records: Vec<Vec<Vec<u8>>> =
            rows.iter().map(|(_, id, cat, name)| vec![gbk(id), gbk(cat), gbk(name)]).collect();
        let fields = [("id", b'C', 10, 0), ("category", b'C', 40, 0), ("name", b'C', 80, 0)];
        let dbf = shp.with_extension("dbf");
        write_raw_dbf(&dbf, 0, &fields, &records).map_err(|e| write_error(&dbf, e))?;
        for ext in ["cpg", "prj"] {
            remove_stale(&shp.with_extension(ext))?;
        }
        Ok(shp)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{write_gbk_services, write_raw_dbf};
    use super::*;

    const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",\
        6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

    fn sample_fields() -> Vec<ShpField> {
        vec![
            ShpField { name: "name".into(), kind: FieldKind::Text },
            ShpField { name: "pop".into(), kind: FieldKind::Number { decimals: 1 } },
            ShpField { name: "count".into(), kind: FieldKind::Number { decimals: 0 } },
            ShpField { name: "covered".into(), kind: FieldKind::Bool },
        ]
    }

    fn sample_rows() -> Vec<([f64; 2], Vec<Value>)> {
        vec![
            (
                [116.39, 39.90],
                vec![
                    Value::Text("社区卫生服务站".into()),
                    Value::Number(1234567.8),
                    Value::Number(42.0),
                    Value::Bool(true),
                ],
            ),
            ([116.41, 39.92], vec![Value::Null, Value::Null, Value::Number(-3.0), Value::Bool(false)]),
            ([116.40, 39.91], vec![Value::Text("plain".into()), Value::Number(0.5)]),
        ]
    }

    fn input_message(err: &Error) -> (&Location, &str) {
        match err {
            Error::Input { location, message } => (location, message.as_str()),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

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

    #[test]
    fn gbk_without_cpg_is_an_error_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        let (location, message) = input_message(&err);
        assert_eq!(location.path, dir.path().join("services.dbf"));
        assert_eq!(location.feature, Some(0));
        assert_eq!(location.field.as_deref(), Some("category"));
        assert!(message.contains("pass --dbf-encoding gbk"), "{message}");
        assert!(message.contains("not valid UTF-8"), "{message}");
    }

    #[test]
    fn gbk_reads_with_the_flag_or_a_cpg() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let expected = [
            Value::Text("S1".into()),
            Value::Text("社区卫生服务站".into()),
            Value::Text("东华门社区卫生服务站".into()),
        ];
        let layer = read_shapefile(&shp, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(layer.features[0].values, expected);
        assert_eq!(layer.features[2].values[1], Value::Text("幼儿园".into()));
        for label in ["GBK", "936", "CP936\n", "gb2312", "\u{feff}GB18030"] {
            fs::write(dir.path().join("services.cpg"), label).unwrap();
            let layer = read_shapefile(&shp, None).unwrap();
            assert_eq!(layer.features[0].values, expected, ".cpg {label:?}");
        }
        // The flag beats a wrong .cpg.
        fs::write(dir.path().join("services.cpg"), "UTF-8").unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert!(input_message(&err).1.contains(".cpg file says 'UTF-8'"));
        let layer = read_shapefile(&shp, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(layer.features[0].values, expected);
        fs::write(dir.path().join("services.cpg"), "klingon").unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert_eq!(input_message(&err).0.path, dir.path().join("services.cpg"));
    }

    #[test]
    fn language_driver_byte_names_gbk() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let mut dbf = fs::read(dir.path().join("services.dbf")).unwrap();
        for ldid in [0x4D, 0x7A] {
            dbf[29] = ldid;
            fs::write(dir.path().join("services.dbf"), &dbf).unwrap();
            let layer = read_shapefile(&shp, None).unwrap();
            assert_eq!(layer.features[1].values[1], Value::Text("菜市场".into()));
        }
        dbf[29] = 0x57; // "ANSI": unknown code page, so UTF-8 and the error
        fs::write(dir.path().join("services.dbf"), &dbf).unwrap();
        assert!(read_shapefile(&shp, None).is_err());
    }

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
    fn character_cut_inside_a_full_field_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        write_point_shapefile(&dir.path().join("cut.shp"), &[], [([0.0, 0.0], vec![])], "").unwrap();
        let mut cell = "菜市场".as_bytes().to_vec();
        cell.truncate(8); // two characters and a third cut after two bytes
        write_raw_dbf(&dir.path().join("cut.dbf"), 0, &[("t", b'C', 8, 0)], &[vec![cell]]).unwrap();
        let layer = read_shapefile(&dir.path().join("cut.shp"), None).unwrap();
        assert_eq!(layer.features[0].values, [Value::Text("菜市".into())]);
    }

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
    fn damaged_record_content_is_a_geometry_problem() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("d.shp");
        write_point_shapefile(&shp, &[], [([0.0, 0.0], vec![]), ([1.0, 1.0], vec![])], "").unwrap();
        let mut bytes = fs::read(&shp).unwrap();
        // Record 1's shape type becomes Polygon, whose content cannot fit in 20 bytes.
        bytes[100 + 28 + 8..100 + 28 + 12].copy_from_slice(&5i32.to_le_bytes());
        fs::write(&shp, bytes).unwrap();
        let layer = read_shapefile(&shp, None).unwrap();
        assert_eq!(layer.features[0].geometry_problem, None);
        let f = &layer.features[1];
        assert_eq!(f.geometry, None);
        let (field, message) = f.geometry_problem.clone().unwrap();
        assert_eq!(field, "geometry");
        assert!(message.contains("record is damaged"), "{message}");
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

    #[test]
    fn geometries_of_every_kind() {
        use shapefile::{Multipoint, Point as SPoint, PointZ, Polygon as SPolygon, Polyline};
        let dir = tempfile::tempdir().unwrap();
        let square = |x0: f64, y0: f64, size: f64| {
            // Clockwise: an outer ring in shapefile terms.
            vec![
                SPoint::new(x0, y0),
                SPoint::new(x0, y0 + size),
                SPoint::new(x0 + size, y0 + size),
                SPoint::new(x0 + size, y0),
                SPoint::new(x0, y0),
            ]
        };
        let hole_in = |x0: f64, y0: f64| {
            let mut ring = square(x0, y0, 1.0);
            ring.reverse();
            ring
        };
        // Outer A, outer B, then a hole that lies in A: it must go to A, not to the last outer.
        let polygon = SPolygon::with_rings(vec![
            PolygonRing::Outer(square(0.0, 0.0, 10.0)),
            PolygonRing::Outer(square(20.0, 0.0, 10.0)),
            PolygonRing::Inner(hole_in(2.0, 2.0)),
        ]);
        let shapes: Vec<(&str, Shape)> = vec![
            ("polygon", Shape::Polygon(polygon)),
            ("single", Shape::Polygon(SPolygon::new(PolygonRing::Outer(square(0.0, 0.0, 1.0))))),
            // Opposite winding (counter-clockwise exterior, clockwise hole): nesting still decides.
            (
                "reversed",
                Shape::Polygon(SPolygon::with_rings(vec![
                    PolygonRing::Outer(square(2.0, 2.0, 1.0)),
                    PolygonRing::Inner(square(0.0, 0.0, 10.0)),
                ])),
            ),
            ("line", Shape::Polyline(Polyline::new(vec![SPoint::new(0.0, 0.0), SPoint::new(1.0, 1.0)]))),
            (
                "lines",
                Shape::Polyline(Polyline::with_parts(vec![
                    vec![SPoint::new(0.0, 0.0), SPoint::new(1.0, 1.0)],
                    vec![SPoint::new(2.0, 2.0), SPoint::new(3.0, 3.0)],
                ])),
            ),
            ("multipoint", Shape::Multipoint(Multipoint::new(vec![SPoint::new(1.0, 2.0)]))),
            ("pointz", Shape::PointZ(PointZ::new(1.0, 2.0, 3.0, 4.0))),
            ("null", Shape::NullShape),
        ];
        for (name, shape) in shapes {
            let path = dir.path().join(format!("{name}.shp"));
            write_one_shape(&path, shape);
            write_raw_dbf(&path.with_extension("dbf"), 0, &[("k", b'C', 4, 0)], &[vec![b"x".to_vec()]]).unwrap();
            let layer = read_shapefile(&path, None).unwrap();
            let geometry = layer.features[0].geometry.clone();
            match name {
                "polygon" => {
                    let Some(Geometry::MultiPolygon(mp)) = geometry else { panic!("{geometry:?}") };
                    assert_eq!(mp.0.len(), 2);
                    assert_eq!(mp.0[0].interiors().len(), 1, "hole goes to the ring containing it");
                    assert_eq!(mp.0[1].interiors().len(), 0);
                }
                "single" => assert!(matches!(geometry, Some(Geometry::Polygon(_)))),
                "reversed" => {
                    let Some(Geometry::Polygon(polygon)) = geometry else { panic!("{geometry:?}") };
                    assert_eq!(polygon.exterior().0[1], Coord { x: 10.0, y: 0.0 });
                    assert_eq!(polygon.interiors().len(), 1);
                }
                "line" => assert!(matches!(geometry, Some(Geometry::LineString(_)))),
                "lines" => assert!(matches!(geometry, Some(Geometry::MultiLineString(_)))),
                "multipoint" => assert!(matches!(geometry, Some(Geometry::MultiPoint(_)))),
                "pointz" => assert_eq!(geometry, Some(Geometry::Point(Point::new(1.0, 2.0)))),
                _ => assert_eq!(geometry, None),
            }
        }
    }

    /// Writes a one-record .shp and .shx (null shapes by hand: the shapefile crate has no
    /// writer for them).
    fn write_one_shape(path: &Path, shape: Shape) {
        if let Shape::NullShape = shape {
            let mut shp = shp_header(50 + 6, [0.0; 4]).to_vec();
            shp[32..36].copy_from_slice(&0i32.to_le_bytes());
            shp.extend_from_slice(&1i32.to_be_bytes());
            shp.extend_from_slice(&2i32.to_be_bytes());
            shp.extend_from_slice(&0i32.to_le_bytes());
            fs::write(path, shp).unwrap();
            let mut shx = shp_header(50 + 4, [0.0; 4]).to_vec();
            shx[32..36].copy_from_slice(&0i32.to_le_bytes());
            shx.extend_from_slice(&50i32.to_be_bytes());
            shx.extend_from_slice(&2i32.to_be_bytes());
            fs::write(path.with_extension("shx"), shx).unwrap();
            return;
        }
        let mut writer = shapefile::ShapeWriter::from_path(path).unwrap();
        match shape {
            Shape::Polygon(s) => writer.write_shape(&s).unwrap(),
            Shape::Polyline(s) => writer.write_shape(&s).unwrap(),
            Shape::Multipoint(s) => writer.write_shape(&s).unwrap(),
            Shape::PointZ(s) => writer.write_shape(&s).unwrap(),
            other => panic!("no writer for {other}"),
        }
        writer.finalize().unwrap();
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

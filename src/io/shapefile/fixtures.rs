//! Test fixtures shared by the shapefile tests: raw `.dbf` files in any encoding, a GBK services
//! shapefile without `.cpg`, sample fields and rows for the writer, and an error matcher.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::write::{DBF_FIXED_DATE, remove_stale};
use super::{FieldKind, ShpField, write_error, write_point_shapefile};
use crate::error::{Error, Location, Result};
use crate::io::layer::Value;

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
    let records: Vec<Vec<Vec<u8>>> = rows.iter().map(|(_, id, cat, name)| vec![gbk(id), gbk(cat), gbk(name)]).collect();
    let fields = [("id", b'C', 10, 0), ("category", b'C', 40, 0), ("name", b'C', 80, 0)];
    let dbf = shp.with_extension("dbf");
    write_raw_dbf(&dbf, 0, &fields, &records).map_err(|e| write_error(&dbf, e))?;
    for ext in ["cpg", "prj"] {
        remove_stale(&shp.with_extension(ext))?;
    }
    Ok(shp)
}

/// The columns of [`sample_rows`]: text, one-decimal number, integer and logical.
pub(crate) fn sample_fields() -> Vec<ShpField> {
    vec![
        ShpField { name: "name".into(), kind: FieldKind::Text },
        ShpField { name: "pop".into(), kind: FieldKind::Number { decimals: 1 } },
        ShpField { name: "count".into(), kind: FieldKind::Number { decimals: 0 } },
        ShpField { name: "covered".into(), kind: FieldKind::Bool },
    ]
}

/// Three points with values of every column kind, nulls and missing trailing values.
pub(crate) fn sample_rows() -> Vec<([f64; 2], Vec<Value>)> {
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

/// The location and message of an [`Error::Input`]; panics on any other error.
pub(crate) fn input_message(err: &Error) -> (&Location, &str) {
    match err {
        Error::Input { location, message } => (location, message.as_str()),
        other => panic!("expected an input error, got {other:?}"),
    }
}

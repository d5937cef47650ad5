//! CSV layers: UTF-8 with BOM (so Excel shows Chinese), the representative point as the last
//! two columns, text that a spreadsheet would run as a formula quoted.

use std::io::{BufWriter, Write};
use std::path::Path;

use geo::Coord;

use super::blocks::write_in_blocks;
use super::table::{Cell, Table};
use super::text::{coord_decimals, out_coord, push_fixed, push_number};
use super::{file_step, werr};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::io::output::create_new;
use crate::progress::Progress;

/// Writes a table as CSV (UTF-8 with BOM, so Excel shows Chinese), with the representative
/// point as `lon`,`lat` (or `x`,`y` in a projected output CRS); null is an empty cell. Reports
/// a step `"writing <file name>"` (rows) on `progress`.
pub fn write_csv(table: &Table, path: &Path, crs: &Crs, progress: &dyn Progress) -> Result<()> {
    let step = file_step(progress, path, table.rows);
    let file = create_new(path)?;
    let mut buf = BufWriter::with_capacity(1 << 20, file);
    buf.write_all(b"\xEF\xBB\xBF").map_err(werr(path))?;
    let csv_err = |e: csv::Error| Error::Write { path: path.into(), cause: std::io::Error::other(e) };
    let (xn, yn) = if crs.is_geographic() { ("lon", "lat") } else { ("x", "y") };
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(table.columns.iter().map(|c| c.name.as_str()).chain([xn, yn])).map_err(csv_err)?;
    buf.write_all(&header.into_inner().map_err(|e| csv_err(e.into_error().into()))?).map_err(werr(path))?;
    let decimals = coord_decimals(crs);
    write_in_blocks(&mut buf, path, table.rows, &step, |rows, s| {
        let mut values = Vec::with_capacity(table.columns.len());
        let mut cells: Vec<String> = Vec::with_capacity(table.columns.len() + 2);
        let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
        for i in rows {
            table.values(i, &mut values);
            cells.clear();
            for v in &values {
                let mut c = String::new();
                match v {
                    Cell::Null => {}
                    Cell::Bool(b) => c.push_str(if *b { "true" } else { "false" }),
                    Cell::Number(x) => push_number(&mut c, *x),
                    Cell::Str(t) => push_csv_text(&mut c, t),
                    Cell::Owned(t) => push_csv_text(&mut c, t),
                }
                cells.push(c);
            }
            let p = (table.geometry)(i).1;
            let c = out_coord(crs, Coord { x: p[0], y: p[1] })?;
            for v in [c.x, c.y] {
                let mut t = String::new();
                push_fixed(&mut t, v, decimals);
                cells.push(t);
            }
            w.write_record(&cells).map_err(csv_err)?;
        }
        let bytes = w.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
        // csv writes only what it was given: UTF-8 text in, UTF-8 bytes out.
        s.push_str(&String::from_utf8_lossy(&bytes));
        Ok(())
    })?;
    buf.flush().map_err(werr(path))?;
    Ok(())
}

/// Appends a CSV text cell: text that a spreadsheet would run as a formula (it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which Excel and LibreOffice
/// show as text and do not run. Numbers are written by [`push_number`] and never changed.
fn push_csv_text(s: &mut String, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        s.push('\'');
    }
    s.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_text_that_looks_like_a_formula_is_quoted_and_numbers_are_not() {
        for (text, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("110108001001", "110108001001"),
            ("社区-1", "社区-1"),
            ("", ""),
        ] {
            let mut s = String::new();
            push_csv_text(&mut s, text);
            assert_eq!(s, want, "{text}");
        }
        let mut s = String::new();
        push_number(&mut s, -2.5);
        assert_eq!(s, "-2.5", "numbers stay numbers");
    }
}

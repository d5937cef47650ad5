//! Output text for numbers, strings and coordinates, shared by the GeoJSON and CSV writers:
//! integers without a decimal point, fixed-decimal coordinates, JSON string literals, and the
//! conversion of WGS84 positions to the output CRS.

use geo::Coord;

use crate::crs::Crs;
use crate::error::{Error, Result};

/// Writes a number as JSON/CSV text: integers without a decimal point, otherwise the shortest
/// representation that reads back to the same value.
pub(super) fn push_number(s: &mut String, x: f64) {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        s.push_str(itoa::Buffer::new().format(x as i64));
    } else if x.is_finite() {
        s.push_str(ryu::Buffer::new().format_finite(x));
    } else {
        s.push_str("null");
    }
}

/// Appends `x` with exactly `decimals` decimals (≤ 9), rounding half away from zero, using
/// integer formatting (much faster than `format!("{:.7}")` for millions of coordinates).
pub(super) fn push_fixed(s: &mut String, x: f64, decimals: usize) {
    let scale = 10u64.pow(decimals.min(9) as u32);
    let scaled = (x * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        use std::fmt::Write as _;
        let _ = write!(s, "{x:.decimals$}");
        return;
    }
    let v = scaled as i64;
    if v < 0 {
        s.push('-');
    }
    let a = v.unsigned_abs();
    s.push_str(itoa::Buffer::new().format(a / scale));
    if decimals > 0 {
        s.push('.');
        let frac = itoa::Buffer::new().format(a % scale).to_owned();
        for _ in frac.len()..decimals.min(9) {
            s.push('0');
        }
        s.push_str(&frac);
    }
}

/// Appends `t` as a JSON string literal; plain text (the usual id) is copied as it is.
pub(super) fn push_json_string(s: &mut String, t: &str) {
    if t.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        s.push('"');
        s.push_str(t);
        s.push('"');
    } else {
        s.push_str(&serde_json::to_string(t).unwrap_or_default());
    }
}

/// Converts WGS84 lon/lat to the output CRS.
pub(super) fn out_coord(crs: &Crs, c: Coord<f64>) -> Result<Coord<f64>> {
    match crs {
        Crs::Wgs84 | Crs::Cgcs2000 => Ok(c),
        _ => {
            let (x, y) = crs
                .from_wgs84(c.x, c.y)
                .map_err(|cause| Error::Crs { context: format!("writing in {}", crs.label()), cause })?;
            Ok(Coord { x, y })
        }
    }
}

/// Decimals written for coordinates: 7 in degrees, 3 in metres.
pub(super) fn coord_decimals(crs: &Crs) -> usize {
    if crs.is_geographic() { 7 } else { 3 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_formatting_matches_std_away_from_ties() {
        for &x in &[0.0, 1.5, -1.5, 24.9412345678, -33.8688197, 116.3548291, 4_419_599.034_9, 1e-9, -1e-9, 179.99999999]
        {
            for d in [3usize, 7] {
                let mut s = String::new();
                push_fixed(&mut s, x, d);
                let want = format!("{x:.d$}");
                let want = if want.starts_with("-0.") && want.trim_start_matches(['-', '0', '.']).is_empty() {
                    want[1..].to_owned()
                } else {
                    want
                };
                assert_eq!(s, want, "{x} with {d} decimals");
            }
        }
    }

    #[test]
    fn numbers_and_strings_are_valid_json() {
        let mut s = String::new();
        push_number(&mut s, 300.0);
        s.push(' ');
        push_number(&mut s, 123.4);
        s.push(' ');
        push_json_string(&mut s, "社区\"站\"");
        assert_eq!(s, r#"300 123.4 "社区\"站\"""#);
    }
}

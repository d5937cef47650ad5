//! TEMP: service-area polygons by geo's Buffer of the reached parts.

use geo::{Buffer, LineString, MultiLineString, MultiPolygon};

/// The area within `buffer_m` of the parts.
pub fn catchment_polygon(parts: &[[[f64; 2]; 2]], buffer_m: f64) -> MultiPolygon<f64> {
    let lines: Vec<LineString<f64>> = parts.iter().map(|p| LineString::from(vec![p[0], p[1]])).collect();
    MultiLineString::new(lines).buffer(buffer_m)
}

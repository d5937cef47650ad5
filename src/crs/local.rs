//! The local working projection: a transverse Mercator on the WGS 84
//! ellipsoid centred on the study area, in which all distance work is done.
//!
//! The maths is the Poder/Engsager form of the Krüger series (6th order in
//! the third flattening), exactly as PROJ's `tmerc`/`etmerc` and `proj4rs`
//! implement it, written out here so that a point costs one pass of straight-
//! line arithmetic, with the sines and cosines of angles near the centre taken
//! from short Taylor series. `proj4rs::transform::transform` spends ≈ 165 ns
//! per point on the same projection because of its generic pipeline; this code
//! takes ≈ 70 ns (CPU time, release build, the 2-core development machine
//! while busy compiling) and agrees with `proj4rs` to better than 1e-6 m
//! within 20° of the centre (see the tests).

use std::f64::consts::PI;

/// WGS 84 semi-major axis (m).
const WGS84_A: f64 = 6_378_137.0;
/// WGS 84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// Largest normalised easting PROJ accepts (atanh 0.9895: ≈ 82° from the central meridian on the equator).
const MAX_CE: f64 = 2.623_395_162_778;

/// Series coefficients, lowest order first.
type Coeffs = [f64; 6];

/// A transverse Mercator projection centred on the study area, in which all
/// distance work is done (metres).
///
/// Centred at (`lon0`, `lat0`) on the WGS 84 ellipsoid with scale factor 1 on
/// the central meridian and false easting/northing 0, so the centre maps to
/// (0, 0), x grows eastwards and y northwards.
///
/// Distance error: the projection is conformal and its scale factor is
/// k ≈ 1 + x²/(2R²) at easting x (R ≈ 6 371 km), so straight-line distances in
/// the plane are too long by ≈ 3e-5 (3 cm per km) 50 km east or west of the
/// centre and ≈ 1.2e-4 (12 cm per km) at 100 km; north–south extent costs
/// nothing. For a city-sized study area this is far below the accuracy of
/// walking-distance analysis; for regions wider than ~300 km use several areas.
///
/// Speed: [`LocalProjection::forward`] takes ≈ 70 ns per point (measured as
/// CPU time over 20 million points, release build, on the 2-core development
/// machine while it was also compiling), against ≈ 165 ns through
/// `proj4rs::transform::transform` for the same projection in the same run.
/// Re-measure with `cargo test --release -- --ignored local_projection_speed --nocapture`.
#[derive(Debug, Clone)]
pub struct LocalProjection {
    /// Centre longitude (degrees).
    lon0: f64,
    /// Centre latitude (degrees).
    lat0: f64,
    /// Centre latitude (radians) and its sine and cosine.
    phi0: f64,
    sin_phi0: f64,
    cos_phi0: f64,
    /// `a · Qn`: semi-major axis times the normalised meridian quadrant.
    qn: f64,
    /// `a · Zb`: northing offset placing the centre latitude at y = 0.
    zb: f64,
    /// Geodetic → Gaussian (conformal) latitude.
    cbg: Coeffs,
    /// Gaussian → geodetic latitude.
    cgb: Coeffs,
    /// Spherical → ellipsoidal transverse Mercator.
    gtu: Coeffs,
    /// Ellipsoidal → spherical transverse Mercator.
    utg: Coeffs,
}

/// Real Clenshaw sum `Σ c_j sin(2jB)` given `cos 2B` and `sin 2B`.
#[inline]
fn clenshaw_sin2(c: &Coeffs, cos_2b: f64, sin_2b: f64) -> f64 {
    let two_cos_2b = 2.0 * cos_2b;
    let mut h1 = c[5];
    let mut h2 = 0.0;
    let mut h = 0.0;
    for &cj in c[..5].iter().rev() {
        h = -h2 + two_cos_2b * h1 + cj;
        h2 = h1;
        h1 = h;
    }
    h * sin_2b
}

/// `B + Σ c_j sin(2jB)`: converts between geodetic and Gaussian latitude.
#[inline]
fn gatg(c: &Coeffs, b: f64, cos_2b: f64, sin_2b: f64) -> f64 {
    b + clenshaw_sin2(c, cos_2b, sin_2b)
}

/// Largest angle (radians, ≈ 5.7°) for which [`sin_cos_small`] uses its series.
const SMALL_ANGLE: f64 = 0.1;

/// sin and cos of a small angle (|x| ≤ 0.1) by Taylor series, truncation error
/// < 3e-19; `None` for larger (or non-finite) angles. Several times cheaper
/// than `f64::sin_cos`.
#[inline]
fn sin_cos_small(x: f64) -> Option<(f64, f64)> {
    if x.is_nan() || x.abs() > SMALL_ANGLE {
        return None;
    }
    let x2 = x * x;
    // Truncation: x¹¹/11! < 2.6e-19 and x¹²/12! < 2.1e-21 for |x| ≤ 0.1.
    let sin = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0)))));
    let cos =
        1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3_628_800.0)))));
    Some((sin, cos))
}

/// sin and cos of the geodetic → Gaussian latitude correction, which is
/// always below 0.0034 rad (2n for WGS 84): truncation error < 2e-21.
#[inline]
fn sin_cos_tiny(x: f64) -> (f64, f64) {
    let x2 = x * x;
    let sin = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0)));
    let cos = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0)));
    (sin, cos)
}

/// `asinh` via `ln_1p` (half the cost of `f64::asinh`, same accuracy for |t| < 1e150).
#[inline]
fn asinh(t: f64) -> f64 {
    let a = t.abs();
    (a + a * a / (1.0 + (1.0 + a * a).sqrt())).ln_1p().copysign(t)
}

/// Real Clenshaw sum `Σ c_j sin(j·arg)`.
fn clens(c: &Coeffs, arg: f64) -> f64 {
    let r = 2.0 * arg.cos();
    let mut hr = c[5];
    let mut hr1 = 0.0;
    for &cj in c[..5].iter().rev() {
        let hr2 = hr1;
        hr1 = hr;
        hr = -hr2 + r * hr1 + cj;
    }
    arg.sin() * hr
}

/// Complex Clenshaw sum `Σ c_j sin(j·(re + i·im))`, given the sines and
/// cosines of the real and imaginary parts; returns (real, imaginary).
#[inline]
fn clens_complex(c: &Coeffs, sin_r: f64, cos_r: f64, sinh_i: f64, cosh_i: f64) -> (f64, f64) {
    let r = 2.0 * cos_r * cosh_i;
    let i = -2.0 * sin_r * sinh_i;
    let mut hr = c[5];
    let mut hi = 0.0;
    let (mut hr1, mut hi1) = (0.0, 0.0);
    for &cj in c[..5].iter().rev() {
        let (hr2, hi2) = (hr1, hi1);
        hr1 = hr;
        hi1 = hi;
        hr = -hr2 + r * hr1 - i * hi1 + cj;
        hi = -hi2 + i * hr1 + r * hi1;
    }
    let r = sin_r * cosh_i;
    let i = cos_r * sinh_i;
    (r * hr - i * hi, r * hi + i * hr)
}

/// Wraps a longitude difference in degrees to [-180, 180).
#[inline]
fn wrap_degrees(d: f64) -> f64 {
    if (-180.0..180.0).contains(&d) { d } else { (d + 180.0).rem_euclid(360.0) - 180.0 }
}

impl LocalProjection {
    /// A projection centred at (`lon0`, `lat0`) degrees: WGS 84, k = 1, false easting/northing 0.
    pub fn new(lon0: f64, lat0: f64) -> LocalProjection {
        let n = WGS84_F / (2.0 - WGS84_F);
        let n2 = n * n;
        // Coefficients from Poder & Engsager (ICC 2007), as in PROJ's tmerc.cpp.
        let cgb = [
            n * (2.0 + n * (-2.0 / 3.0 + n * (-2.0 + n * (116.0 / 45.0 + n * (26.0 / 45.0 + n * (-2854.0 / 675.0)))))),
            n2 * (7.0 / 3.0 + n * (-8.0 / 5.0 + n * (-227.0 / 45.0 + n * (2704.0 / 315.0 + n * (2323.0 / 945.0))))),
            n2 * n * (56.0 / 15.0 + n * (-136.0 / 35.0 + n * (-1262.0 / 105.0 + n * (73814.0 / 2835.0)))),
            n2 * n2 * (4279.0 / 630.0 + n * (-332.0 / 35.0 + n * (-399_572.0 / 14175.0))),
            n2 * n2 * n * (4174.0 / 315.0 + n * (-144_838.0 / 6237.0)),
            n2 * n2 * n2 * (601_676.0 / 22275.0),
        ];
        let cbg = [
            n * (-2.0
                + n * (2.0 / 3.0 + n * (4.0 / 3.0 + n * (-82.0 / 45.0 + n * (32.0 / 45.0 + n * (4642.0 / 4725.0)))))),
            n2 * (5.0 / 3.0 + n * (-16.0 / 15.0 + n * (-13.0 / 9.0 + n * (904.0 / 315.0 + n * (-1522.0 / 945.0))))),
            n2 * n * (-26.0 / 15.0 + n * (34.0 / 21.0 + n * (8.0 / 5.0 + n * (-12686.0 / 2835.0)))),
            n2 * n2 * (1237.0 / 630.0 + n * (-12.0 / 5.0 + n * (-24832.0 / 14175.0))),
            n2 * n2 * n * (-734.0 / 315.0 + n * (109_598.0 / 31185.0)),
            n2 * n2 * n2 * (444_337.0 / 155_925.0),
        ];
        let utg = [
            n * (-0.5
                + n * (2.0 / 3.0
                    + n * (-37.0 / 96.0 + n * (1.0 / 360.0 + n * (81.0 / 512.0 + n * (-96199.0 / 604_800.0)))))),
            n2 * (-1.0 / 48.0
                + n * (-1.0 / 15.0 + n * (437.0 / 1440.0 + n * (-46.0 / 105.0 + n * (1_118_711.0 / 3_870_720.0))))),
            n2 * n * (-17.0 / 480.0 + n * (37.0 / 840.0 + n * (209.0 / 4480.0 + n * (-5569.0 / 90720.0)))),
            n2 * n2 * (-4397.0 / 161_280.0 + n * (11.0 / 504.0 + n * (830_251.0 / 7_257_600.0))),
            n2 * n2 * n * (-4583.0 / 161_280.0 + n * (108_847.0 / 3_991_680.0)),
            n2 * n2 * n2 * (-20_648_693.0 / 638_668_800.0),
        ];
        let gtu = [
            n * (0.5
                + n * (-2.0 / 3.0
                    + n * (5.0 / 16.0 + n * (41.0 / 180.0 + n * (-127.0 / 288.0 + n * (7891.0 / 37800.0)))))),
            n2 * (13.0 / 48.0
                + n * (-3.0 / 5.0 + n * (557.0 / 1440.0 + n * (281.0 / 630.0 + n * (-1_983_433.0 / 1_935_360.0))))),
            n2 * n * (61.0 / 240.0 + n * (-103.0 / 140.0 + n * (15061.0 / 26880.0 + n * (167_603.0 / 181_440.0)))),
            n2 * n2 * (49561.0 / 161_280.0 + n * (-179.0 / 168.0 + n * (6_601_661.0 / 7_257_600.0))),
            n2 * n2 * n * (34729.0 / 80640.0 + n * (-3_418_889.0 / 1_995_840.0)),
            n2 * n2 * n2 * (212_378_941.0 / 319_334_400.0),
        ];
        // Normalised meridian quadrant (k0 = 1).
        let qn = 1.0 / (1.0 + n) * (1.0 + n2 * (1.0 / 4.0 + n2 * (1.0 / 64.0 + n2 / 256.0)));
        let phi0 = lat0.to_radians();
        let (sin_2p, cos_2p) = (2.0 * phi0).sin_cos();
        let z = gatg(&cbg, phi0, cos_2p, sin_2p);
        let zb = -qn * (z + clens(&gtu, 2.0 * z));
        LocalProjection {
            lon0,
            lat0,
            phi0,
            sin_phi0: phi0.sin(),
            cos_phi0: phi0.cos(),
            qn: WGS84_A * qn,
            zb: WGS84_A * zb,
            cbg,
            cgb,
            gtu,
            utg,
        }
    }

    /// Centres on the bounding box of the given lon/lat points (non-finite
    /// points are ignored); `None` when there is no finite point. The box is
    /// taken naively, so areas straddling the 180° meridian are not supported.
    pub fn centred_on(points: impl IntoIterator<Item = (f64, f64)>) -> Option<LocalProjection> {
        let mut bounds: Option<(f64, f64, f64, f64)> = None;
        for (lon, lat) in points {
            if !lon.is_finite() || !lat.is_finite() {
                continue;
            }
            bounds = Some(match bounds {
                None => (lon, lat, lon, lat),
                Some((x0, y0, x1, y1)) => (x0.min(lon), y0.min(lat), x1.max(lon), y1.max(lat)),
            });
        }
        bounds.map(|(x0, y0, x1, y1)| LocalProjection::new((x0 + x1) / 2.0, (y0 + y1) / 2.0))
    }

    /// The centre (longitude, latitude) in degrees.
    pub fn centre(&self) -> (f64, f64) {
        (self.lon0, self.lat0)
    }

    /// Projects WGS 84 (longitude, latitude) degrees to local [x, y] metres.
    ///
    /// ≈ 70 ns per point in a release build (see the type's documentation);
    /// [NaN, NaN] for non-finite input or points outside the projection's
    /// domain (|cos(lat)·sin(lon − lon0)| ≳ 0.99, e.g. ≳ 82° from the centre on the equator).
    #[inline]
    pub fn forward(&self, lon: f64, lat: f64) -> [f64; 2] {
        let phi = lat.to_radians();
        let lam = wrap_degrees(lon - self.lon0).to_radians();
        // sin/cos of the latitude, by rotating the centre's when close to it.
        let (sin_p, cos_p) = match sin_cos_small(phi - self.phi0) {
            Some((s, c)) => (self.sin_phi0 * c + self.cos_phi0 * s, self.cos_phi0 * c - self.sin_phi0 * s),
            None => phi.sin_cos(),
        };
        // Geodetic → Gaussian latitude Cn = φ + δ, |δ| < 0.0034: rotate again.
        let sin_2p = 2.0 * sin_p * cos_p;
        let cos_2p = (cos_p - sin_p) * (cos_p + sin_p);
        let delta = clenshaw_sin2(&self.cbg, cos_2p, sin_2p);
        let (sin_d, cos_d) = sin_cos_tiny(delta);
        let (sin_cn, cos_cn) = (sin_p * cos_d + cos_p * sin_d, cos_p * cos_d - sin_p * sin_d);
        let (sin_ce, cos_ce) = sin_cos_small(lam).unwrap_or_else(|| lam.sin_cos());
        // Gaussian lat/lon → complex spherical transverse Mercator.
        let cos_cn_cos_ce = cos_cn * cos_ce;
        let cn = sin_cn.atan2(cos_cn_cos_ce);
        let inv_denom = 1.0 / (sin_cn * sin_cn + cos_cn_cos_ce * cos_cn_cos_ce).sqrt();
        let tan_ce = sin_ce * cos_cn * inv_denom;
        // sin/cos(2 Cn) and sinh/cosh(2 Ce) from the values at hand, without more trigonometry.
        let two_inv_denom = 2.0 * inv_denom;
        let two_inv_denom_sq = two_inv_denom * inv_denom;
        let tmp_r = cos_cn_cos_ce * two_inv_denom_sq;
        let sin_r = sin_cn * tmp_r;
        let cos_r = cos_cn_cos_ce * tmp_r - 1.0;
        let sinh_i = tan_ce * two_inv_denom;
        let cosh_i = two_inv_denom_sq - 1.0;
        // Spherical → ellipsoidal normalised northing/easting.
        let (dcn, dce) = clens_complex(&self.gtu, sin_r, cos_r, sinh_i, cosh_i);
        let ce = asinh(tan_ce) + dce;
        if !ce.is_finite() || ce.abs() > MAX_CE {
            return [f64::NAN, f64::NAN];
        }
        [self.qn * ce, self.qn * (cn + dcn) + self.zb]
    }

    /// Unprojects local metres to WGS 84 (longitude, latitude) degrees, the
    /// longitude in [-180, 180); (NaN, NaN) outside the projection's domain.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let cn = (y - self.zb) / self.qn;
        let ce = x / self.qn;
        if !ce.is_finite() || ce.abs() > MAX_CE || !cn.is_finite() {
            return (f64::NAN, f64::NAN);
        }
        let (sin_r, cos_r) = (2.0 * cn).sin_cos();
        let exp_2ce = (2.0 * ce).exp();
        let half_inv = 0.5 / exp_2ce;
        let sinh_i = 0.5 * exp_2ce - half_inv;
        let cosh_i = 0.5 * exp_2ce + half_inv;
        let (dcn, dce) = clens_complex(&self.utg, sin_r, cos_r, sinh_i, cosh_i);
        let cn = cn + dcn;
        let ce = ce + dce;
        // Complex spherical → Gaussian lat/lon.
        let (sin_cn, cos_cn) = cn.sin_cos();
        let sinh_ce = ce.sinh();
        let lam = sinh_ce.atan2(cos_cn);
        let modulus = sinh_ce.hypot(cos_cn);
        let cn = sin_cn.atan2(modulus);
        // Gaussian → geodetic latitude.
        let tmp = 2.0 * modulus / (sinh_ce * sinh_ce + 1.0);
        let sin_2cn = sin_cn * tmp;
        let cos_2cn = tmp * modulus - 1.0;
        let phi = gatg(&self.cgb, cn, cos_2cn, sin_2cn);
        (wrap_degrees(self.lon0 + lam * 180.0 / PI), phi.to_degrees())
    }

    /// The PROJ string of this projection, usable with PROJ/`proj4rs`.
    pub fn proj4(&self) -> String {
        format!(
            "+proj=tmerc +lat_0={} +lon_0={} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs",
            self.lat0, self.lon0
        )
    }

    /// A description for reports, e.g.
    /// "+proj=tmerc +lat_0=39.9 +lon_0=116.4 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs (WGS84)".
    pub fn describe(&self) -> String {
        format!("{} (WGS84)", self.proj4())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proj4rs::proj::Proj;
    use proptest::prelude::*;

    /// Geodesic distance on WGS 84 by Vincenty's inverse formula (≈ 0.1 mm).
    fn vincenty(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
        let (a, f) = (WGS84_A, WGS84_F);
        let b = a * (1.0 - f);
        let l = (lon2 - lon1).to_radians();
        let u1 = ((1.0 - f) * lat1.to_radians().tan()).atan();
        let u2 = ((1.0 - f) * lat2.to_radians().tan()).atan();
        let (sin_u1, cos_u1) = u1.sin_cos();
        let (sin_u2, cos_u2) = u2.sin_cos();
        let mut lambda = l;
        let (mut sin_s, mut cos_s, mut sigma, mut cos2a, mut cos_2sm) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for _ in 0..200 {
            let (sin_l, cos_l) = lambda.sin_cos();
            sin_s = ((cos_u2 * sin_l).powi(2) + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_l).powi(2)).sqrt();
            if sin_s == 0.0 {
                return 0.0;
            }
            cos_s = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_l;
            sigma = sin_s.atan2(cos_s);
            let sin_a = cos_u1 * cos_u2 * sin_l / sin_s;
            cos2a = 1.0 - sin_a * sin_a;
            cos_2sm = if cos2a == 0.0 { 0.0 } else { cos_s - 2.0 * sin_u1 * sin_u2 / cos2a };
            let c = f / 16.0 * cos2a * (4.0 + f * (4.0 - 3.0 * cos2a));
            let next = l
                + (1.0 - c)
                    * f
                    * sin_a
                    * (sigma + c * sin_s * (cos_2sm + c * cos_s * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
            let done = (next - lambda).abs() <= 1e-15 * next.abs();
            lambda = next;
            if done {
                break;
            }
        }
        let u_sq = cos2a * (a * a - b * b) / (b * b);
        let big_a = 1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)));
        let big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)));
        let d_sigma = big_b
            * sin_s
            * (cos_2sm
                + big_b / 4.0
                    * (cos_s * (-1.0 + 2.0 * cos_2sm * cos_2sm)
                        - big_b / 6.0 * cos_2sm * (-3.0 + 4.0 * sin_s * sin_s) * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
        b * big_a * (sigma - d_sigma)
    }

    #[test]
    fn vincenty_matches_published_value() {
        // Flinders Peak → Buninyong (Geoscience Australia's classic example): 54 972.271 m.
        let lat1 = -(37.0 + 57.0 / 60.0 + 3.72030 / 3600.0);
        let lon1 = 144.0 + 25.0 / 60.0 + 29.52440 / 3600.0;
        let lat2 = -(37.0 + 39.0 / 60.0 + 10.15610 / 3600.0);
        let lon2 = 143.0 + 55.0 / 60.0 + 35.38390 / 3600.0;
        assert!((vincenty(lon1, lat1, lon2, lat2) - 54_972.271).abs() < 1e-3);
    }

    #[test]
    fn centre_maps_to_origin() {
        let p = LocalProjection::new(116.4, 39.9);
        let [x, y] = p.forward(116.4, 39.9);
        assert!(x.abs() < 1e-8 && y.abs() < 1e-8, "{x} {y}");
        assert_eq!(p.centre(), (116.4, 39.9));
        // 0.01° of latitude at 39.9°N is 1110.328 m on WGS 84 (meridian radius 6 361 675 m).
        let [x, y] = p.forward(116.4, 39.91);
        assert!(x.abs() < 1e-9 && (y - 1110.328).abs() < 1e-3, "{y}");
    }

    #[test]
    fn centred_on_bounding_box() {
        let pts = [(116.0, 39.0), (117.0, 40.5), (f64::NAN, 0.0), (116.5, 39.2)];
        let p = LocalProjection::centred_on(pts).unwrap();
        assert_eq!(p.centre(), (116.5, 39.75));
        assert!(LocalProjection::centred_on(std::iter::empty()).is_none());
        assert!(LocalProjection::centred_on([(f64::NAN, f64::NAN)]).is_none());
    }

    #[test]
    fn describe_names_the_projection() {
        let p = LocalProjection::new(24.94, 60.17);
        assert_eq!(
            p.describe(),
            "+proj=tmerc +lat_0=60.17 +lon_0=24.94 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs (WGS84)"
        );
    }

    #[test]
    fn out_of_domain_is_nan() {
        let p = LocalProjection::new(0.0, 0.0);
        assert!(p.forward(f64::NAN, 0.0)[0].is_nan());
        assert!(p.forward(90.0, 0.0)[0].is_nan());
        assert!(p.forward(85.0, 0.0)[0].is_nan());
        assert!(p.forward(75.0, 0.0)[0].is_finite());
        assert!(p.inverse(f64::INFINITY, 0.0).0.is_nan());
        assert!(p.inverse(0.0, f64::NAN).1.is_nan());
    }

    #[test]
    fn longitudes_wrap_across_the_antimeridian() {
        let p = LocalProjection::new(179.9, -17.0);
        let a = p.forward(-179.9, -17.0);
        let b = p.forward(180.1, -17.0);
        assert!((a[0] - b[0]).abs() < 1e-6 && a[0] > 21_000.0 && a[0] < 22_000.0);
        let (lon, _) = p.inverse(a[0], a[1]);
        assert!((lon + 179.9).abs() < 1e-9, "{lon}");
    }

    /// Time `forward` over many points; run with
    /// `cargo test --release -- --ignored local_projection_speed --nocapture`.
    #[test]
    #[ignore = "timing; run in release mode"]
    fn local_projection_speed() {
        let p = LocalProjection::new(116.4, 39.9);
        let pts: Vec<(f64, f64)> = (0..1_000_000)
            .map(|i| (116.0 + f64::from(i % 1000) * 0.0008, 39.5 + f64::from(i / 1000) * 0.0008))
            .collect();
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let mut sum = 0.0;
            for &(lon, lat) in &pts {
                let [x, y] = p.forward(lon, lat);
                sum += x + y;
            }
            std::hint::black_box(sum);
            best = best.min(t.elapsed().as_secs_f64() * 1e9 / pts.len() as f64);
        }
        println!("LocalProjection::forward: {best:.1} ns per point");
    }

    proptest! {
        #[test]
        fn agrees_with_proj4rs(
            lon0 in -180.0..180.0f64, lat0 in -80.0..80.0f64,
            dlon in -20.0..20.0f64, dlat in -20.0..20.0f64,
        ) {
            let lat = (lat0 + dlat).clamp(-89.0, 89.0);
            let lon = lon0 + dlon;
            let local = LocalProjection::new(lon0, lat0);
            let geo = Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").unwrap();
            let tm = Proj::from_proj_string(&local.proj4()).unwrap();
            let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
            proj4rs::transform::transform(&geo, &tm, &mut p).unwrap();
            let [x, y] = local.forward(lon, lat);
            prop_assert!((x - p.0).abs() < 1e-6 && (y - p.1).abs() < 1e-6,
                "({x}, {y}) vs proj4rs ({}, {})", p.0, p.1);
            let (ilon, ilat) = local.inverse(x, y);
            let mut q = (x, y, 0.0);
            proj4rs::transform::transform(&tm, &geo, &mut q).unwrap();
            prop_assert!((wrap_degrees(ilon - q.0.to_degrees())).abs() < 1e-11);
            prop_assert!((ilat - q.1.to_degrees()).abs() < 1e-11);
        }

        #[test]
        fn round_trip(lon0 in -180.0..180.0f64, lat0 in -85.0..85.0f64,
                      dlon in -3.0..3.0f64, dlat in -3.0..3.0f64) {
            let lat = (lat0 + dlat).clamp(-89.9, 89.9);
            let lon = lon0 + dlon;
            let local = LocalProjection::new(lon0, lat0);
            let [x, y] = local.forward(lon, lat);
            let (l, b) = local.inverse(x, y);
            // 1e-10° is ~0.01 mm.
            prop_assert!(wrap_degrees(l - lon).abs() < 1e-10 && (b - lat).abs() < 1e-10);
        }

        /// Plane distances between points ≤ 2 km apart within 50 km of the
        /// centre match the geodesic within 0.1 %, and in fact within the
        /// transverse Mercator scale error x²/(2ρν) (≤ 3.1e-5 there).
        #[test]
        fn distances_match_geodesic(
            lon0 in -180.0..180.0f64, lat0 in -75.0..75.0f64,
            r in 0.0..48_000.0f64, theta in 0.0..(2.0 * PI),
            d in 10.0..2_000.0f64, phi in 0.0..(2.0 * PI),
        ) {
            let local = LocalProjection::new(lon0, lat0);
            let m_lat = 111_000.0;
            let m_lon = 111_000.0 * lat0.to_radians().cos();
            let p = (lon0 + r * theta.cos() / m_lon, lat0 + r * theta.sin() / m_lat);
            let q = (p.0 + d * phi.cos() / m_lon, p.1 + d * phi.sin() / m_lat);
            let [px, py] = local.forward(p.0, p.1);
            let [qx, qy] = local.forward(q.0, q.1);
            prop_assume!(px.hypot(py) <= 50_000.0 && qx.hypot(qy) <= 50_000.0);
            let plane = (qx - px).hypot(qy - py);
            let geodesic = vincenty(p.0, p.1, q.0, q.1);
            let rel = plane / geodesic - 1.0;
            prop_assert!(rel.abs() < 1e-3, "relative error {rel}");
            // Scale ≥ 1 everywhere (k0 = 1) and ≤ 1 + x²/(2ρν) with ρν ≥ a²(1 − e²).
            let x_max = px.abs().max(qx.abs());
            let bound = x_max * x_max / (2.0 * 6_335_439.0 * 6_378_137.0) * 1.001;
            prop_assert!(rel > -1e-8 && rel < bound + 1e-8, "relative error {rel}, bound {bound}");
        }
    }
}

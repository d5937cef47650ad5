//! Projected coordinate reference systems known by EPSG code (CGCS2000
//! Gauss-Krüger zones, WGS 84 UTM zones, Web Mercator) and custom transverse
//! Mercator definitions read from `.prj` files: their names, PROJ strings,
//! ESRI WKT and the point transformations (through `proj4rs`).
//!
//! No EPSG database is needed: the supported families are regular, so their
//! definitions are generated from the code. The generated names, PROJ strings
//! and ESRI names were cross-checked against PROJ 9.5 (pyproj 3.7) for every
//! code in 4491–4554, 32601–32660, 32701–32760 and 3857.

use std::sync::Arc;

use proj4rs::proj::Proj;

use crate::crs::CrsError;

/// The geodetic datum of a projected CRS.
///
/// CGCS2000 and WGS 84 agree to a few centimetres, so both are handled as one
/// datum for transformations; the distinction is kept for names and WKT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Datum {
    /// World Geodetic System 1984 (WGS 84 ellipsoid).
    Wgs84,
    /// China Geodetic Coordinate System 2000 (CGCS2000 ≈ GRS 1980 ellipsoid).
    Cgcs2000,
}

/// Parameters of a transverse Mercator (Gauss-Krüger) projection, in degrees and metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tmerc {
    /// Datum (and so ellipsoid) the projection is defined on.
    pub datum: Datum,
    /// Central meridian (degrees east).
    pub lon_0: f64,
    /// Latitude of origin (degrees north).
    pub lat_0: f64,
    /// Scale factor on the central meridian.
    pub k: f64,
    /// False easting (m).
    pub x_0: f64,
    /// False northing (m).
    pub y_0: f64,
}

impl Tmerc {
    /// True when both describe the same projection (to 1e-7° / 1 mm / 1e-10).
    pub fn same_as(&self, other: &Tmerc) -> bool {
        self.datum == other.datum
            && (self.lon_0 - other.lon_0).abs() < 1e-7
            && (self.lat_0 - other.lat_0).abs() < 1e-7
            && (self.k - other.k).abs() < 1e-10
            && (self.x_0 - other.x_0).abs() < 1e-3
            && (self.y_0 - other.y_0).abs() < 1e-3
    }

    /// The PROJ string of a custom (non-EPSG) transverse Mercator.
    fn proj4(&self) -> String {
        let ellps = match self.datum {
            Datum::Wgs84 => "WGS84",
            Datum::Cgcs2000 => "GRS80",
        };
        format!(
            "+proj=tmerc +lat_0={} +lon_0={} +k={} +x_0={} +y_0={} +ellps={ellps} +units=m +no_defs",
            self.lat_0, self.lon_0, self.k, self.x_0, self.y_0
        )
    }
}

/// How a projected CRS maps lon/lat to metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Method {
    /// Transverse Mercator / Gauss-Krüger / UTM.
    Tmerc(Tmerc),
    /// Web ("pseudo") Mercator on the sphere, EPSG:3857.
    WebMercator,
}

/// A projected coordinate reference system, coordinates in metres (easting, northing).
///
/// Holds its EPSG code (absent for a custom definition read from a `.prj`),
/// a human name, the PROJ definition string and the ready-built `proj4rs`
/// projections, so transforming a point does not re-parse anything.
#[derive(Debug, Clone)]
pub struct ProjectedCrs {
    epsg: Option<u32>,
    name: String,
    esri_name: String,
    method: Method,
    proj4: String,
    /// The projection and the WGS 84 lon/lat pivot, shared between clones.
    projs: Arc<Projs>,
}

/// The built `proj4rs` pair of a [`ProjectedCrs`].
#[derive(Debug)]
struct Projs {
    /// The projected system.
    proj: Proj,
    /// WGS 84 longitude/latitude (radians).
    geographic: Proj,
}

impl PartialEq for ProjectedCrs {
    fn eq(&self, other: &Self) -> bool {
        self.epsg == other.epsg && self.name == other.name && self.proj4 == other.proj4
    }
}

/// First code of the CGCS2000 6-degree Gauss-Krüger zones 13–23 (zone-prefixed easting).
const GK6_ZONE: u32 = 4491;
/// First code of the CGCS2000 6-degree Gauss-Krüger CM 75E–135E (plain easting).
const GK6_CM: u32 = 4502;
/// First code of the CGCS2000 3-degree Gauss-Krüger zones 25–45 (zone-prefixed easting).
const GK3_ZONE: u32 = 4513;
/// First code of the CGCS2000 3-degree Gauss-Krüger CM 75E–135E (plain easting).
const GK3_CM: u32 = 4534;
/// Last supported CGCS2000 Gauss-Krüger code.
const GK3_CM_LAST: u32 = 4554;

/// EPSG code of a CGCS2000 6-degree Gauss-Krüger zone (13–23), zone-prefixed easting.
pub(crate) fn gk6_zone_code(zone: u32) -> Option<u32> {
    (13..=23).contains(&zone).then(|| GK6_ZONE + zone - 13)
}

/// EPSG code of a CGCS2000 6-degree Gauss-Krüger CM variant (75E, 81E, …, 135E).
pub(crate) fn gk6_cm_code(cm: u32) -> Option<u32> {
    ((75..=135).contains(&cm) && (cm - 75).is_multiple_of(6)).then(|| GK6_CM + (cm - 75) / 6)
}

/// EPSG code of a CGCS2000 3-degree Gauss-Krüger zone (25–45), zone-prefixed easting.
pub(crate) fn gk3_zone_code(zone: u32) -> Option<u32> {
    (25..=45).contains(&zone).then(|| GK3_ZONE + zone - 25)
}

/// EPSG code of a CGCS2000 3-degree Gauss-Krüger CM variant (75E, 78E, …, 135E).
pub(crate) fn gk3_cm_code(cm: u32) -> Option<u32> {
    ((75..=135).contains(&cm) && cm.is_multiple_of(3)).then(|| GK3_CM + (cm - 75) / 3)
}

/// EPSG code of a WGS 84 UTM zone (1–60, north or south).
pub(crate) fn utm_code(zone: u32, south: bool) -> Option<u32> {
    (1..=60).contains(&zone).then(|| if south { 32700 } else { 32600 } + zone)
}

/// Static description of a supported EPSG code: (EPSG name, ESRI name, method, PROJ string).
fn describe_epsg(code: u32) -> Option<(String, String, Method, String)> {
    let gk = |lon_0: u32, x_0: f64| {
        let t = Tmerc { datum: Datum::Cgcs2000, lon_0: f64::from(lon_0), lat_0: 0.0, k: 1.0, x_0, y_0: 0.0 };
        let proj4 =
            format!("+proj=tmerc +lat_0=0 +lon_0={lon_0} +k=1 +x_0={x_0} +y_0=0 +ellps=GRS80 +units=m +no_defs");
        (Method::Tmerc(t), proj4)
    };
    match code {
        3857 => Some((
            "WGS 84 / Pseudo-Mercator".to_string(),
            "WGS_1984_Web_Mercator_Auxiliary_Sphere".to_string(),
            Method::WebMercator,
            "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs".to_string(),
        )),
        GK6_ZONE..GK6_CM => {
            let zone = code - GK6_ZONE + 13;
            let (m, p) = gk(zone * 6 - 3, f64::from(zone) * 1e6 + 500_000.0);
            Some((format!("CGCS2000 / Gauss-Kruger zone {zone}"), format!("CGCS2000_GK_Zone_{zone}"), m, p))
        }
        GK6_CM..GK3_ZONE => {
            let cm = 75 + (code - GK6_CM) * 6;
            let (m, p) = gk(cm, 500_000.0);
            Some((format!("CGCS2000 / Gauss-Kruger CM {cm}E"), format!("CGCS2000_GK_CM_{cm}E"), m, p))
        }
        GK3_ZONE..GK3_CM => {
            let zone = code - GK3_ZONE + 25;
            let (m, p) = gk(zone * 3, f64::from(zone) * 1e6 + 500_000.0);
            Some((
                format!("CGCS2000 / 3-degree Gauss-Kruger zone {zone}"),
                format!("CGCS2000_3_Degree_GK_Zone_{zone}"),
                m,
                p,
            ))
        }
        GK3_CM..=GK3_CM_LAST => {
            let cm = 75 + (code - GK3_CM) * 3;
            let (m, p) = gk(cm, 500_000.0);
            Some((format!("CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"), format!("CGCS2000_3_Degree_GK_CM_{cm}E"), m, p))
        }
        32601..=32660 | 32701..=32760 => {
            let south = code > 32700;
            let zone = code % 100;
            let hemi = if south { 'S' } else { 'N' };
            let t = Tmerc {
                datum: Datum::Wgs84,
                lon_0: f64::from(zone * 6) - 183.0,
                lat_0: 0.0,
                k: 0.9996,
                x_0: 500_000.0,
                y_0: if south { 10_000_000.0 } else { 0.0 },
            };
            let south_flag = if south { " +south" } else { "" };
            Some((
                format!("WGS 84 / UTM zone {zone}{hemi}"),
                format!("WGS_1984_UTM_Zone_{zone}{hemi}"),
                Method::Tmerc(t),
                format!("+proj=utm +zone={zone}{south_flag} +datum=WGS84 +units=m +no_defs"),
            ))
        }
        _ => None,
    }
}

/// Every supported projected EPSG code, in ascending order.
pub(crate) fn supported_codes() -> impl Iterator<Item = u32> {
    std::iter::once(3857).chain(GK6_ZONE..=GK3_CM_LAST).chain(32601..=32660).chain(32701..=32760)
}

/// Longitude/latitude (radians) on WGS 84, the pivot of every transformation.
const GEOGRAPHIC_PROJ: &str = "+proj=longlat +datum=WGS84 +no_defs";

impl ProjectedCrs {
    /// Builds the CRS and its `proj4rs` projections.
    fn build(
        epsg: Option<u32>,
        name: String,
        esri_name: String,
        method: Method,
        proj4: String,
    ) -> Result<ProjectedCrs, CrsError> {
        let build_error = |e: proj4rs::errors::Error| CrsError::Transform {
            crs: name.clone(),
            detail: format!("PROJ definition '{proj4}' was rejected: {e}"),
        };
        let proj = Proj::from_proj_string(&proj4).map_err(build_error)?;
        let geographic = Proj::from_proj_string(GEOGRAPHIC_PROJ).map_err(build_error)?;
        Ok(ProjectedCrs { epsg, name, esri_name, method, proj4, projs: Arc::new(Projs { proj, geographic }) })
    }

    /// The projected CRS with this EPSG code, `Ok(None)` when the code is not a supported projected one.
    pub(crate) fn from_epsg(code: u32) -> Result<Option<ProjectedCrs>, CrsError> {
        match describe_epsg(code) {
            Some((name, esri, method, proj4)) => Self::build(Some(code), name, esri, method, proj4).map(Some),
            None => Ok(None),
        }
    }

    /// A transverse Mercator that matches no supported EPSG code, named `name`.
    pub(crate) fn custom_tmerc(name: &str, params: Tmerc) -> Result<ProjectedCrs, CrsError> {
        // WKT strings cannot hold a double quote; everything else is kept so the name reads back.
        let esri_name = name.replace('"', "'");
        Self::build(None, name.to_string(), esri_name, Method::Tmerc(params), params.proj4())
    }

    /// The EPSG code, or `None` for a custom transverse Mercator read from a `.prj`
    /// whose parameters match no supported EPSG code.
    pub fn epsg(&self) -> Option<u32> {
        self.epsg
    }

    /// Human-readable name, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 117E".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The PROJ definition string, e.g. "+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs".
    pub fn proj4(&self) -> &str {
        &self.proj4
    }

    /// How the projection is defined.
    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    /// Projected metres to WGS 84 lon/lat degrees.
    pub(crate) fn projected_to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        if !x.is_finite() || !y.is_finite() {
            return Err(self.point_error(x, y, "the coordinate is not a finite number"));
        }
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(&self.projs.proj, &self.projs.geographic, &mut p)
            .map_err(|e| self.point_error(x, y, &e.to_string()))?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        if !lon.is_finite() || !lat.is_finite() {
            return Err(self.point_error(x, y, "it lies outside the projection's valid area"));
        }
        Ok((lon, lat))
    }

    /// WGS 84 lon/lat degrees to projected metres.
    pub(crate) fn wgs84_to_projected(&self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        if !lon.is_finite() || !lat.is_finite() || lat.abs() > 90.0 {
            return Err(self.point_error(lon, lat, "not a valid longitude/latitude"));
        }
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.projs.geographic, &self.projs.proj, &mut p)
            .map_err(|e| self.point_error(lon, lat, &e.to_string()))?;
        if !p.0.is_finite() || !p.1.is_finite() {
            return Err(self.point_error(lon, lat, "it lies outside the projection's valid area"));
        }
        Ok((p.0, p.1))
    }

    /// A point-level transformation error naming this CRS.
    fn point_error(&self, a: f64, b: f64, why: &str) -> CrsError {
        CrsError::Transform { crs: self.label(), detail: format!("cannot transform ({a}, {b}): {why}") }
    }

    /// "name (EPSG:n)" or "name (PROJ string)" for a custom definition.
    pub(crate) fn label(&self) -> String {
        match self.epsg {
            Some(code) => format!("{} (EPSG:{code})", self.name),
            None => format!("{} ({})", self.name, self.proj4),
        }
    }

    /// ESRI WKT1 of this CRS, as ArcGIS/QGIS write it to a `.prj`.
    pub(crate) fn esri_wkt(&self) -> String {
        match &self.method {
            Method::WebMercator => format!(
                "PROJCS[\"{}\",{},PROJECTION[\"Mercator_Auxiliary_Sphere\"],\
                 PARAMETER[\"False_Easting\",0.0],PARAMETER[\"False_Northing\",0.0],\
                 PARAMETER[\"Central_Meridian\",0.0],PARAMETER[\"Standard_Parallel_1\",0.0],\
                 PARAMETER[\"Auxiliary_Sphere_Type\",0.0],UNIT[\"Meter\",1.0]]",
                self.esri_name,
                esri_geogcs(Datum::Wgs84)
            ),
            Method::Tmerc(t) => {
                // ESRI calls the CGCS2000 EPSG zones "Gauss_Kruger"; everything else is plain tmerc.
                let projection = if self.epsg.is_some() && t.datum == Datum::Cgcs2000 {
                    "Gauss_Kruger"
                } else {
                    "Transverse_Mercator"
                };
                format!(
                    "PROJCS[\"{}\",{},PROJECTION[\"{projection}\"],\
                     PARAMETER[\"False_Easting\",{:?}],PARAMETER[\"False_Northing\",{:?}],\
                     PARAMETER[\"Central_Meridian\",{:?}],PARAMETER[\"Scale_Factor\",{:?}],\
                     PARAMETER[\"Latitude_Of_Origin\",{:?}],UNIT[\"Meter\",1.0]]",
                    self.esri_name,
                    esri_geogcs(t.datum),
                    t.x_0,
                    t.y_0,
                    t.lon_0,
                    t.k,
                    t.lat_0
                )
            }
        }
    }
}

/// ESRI WKT1 GEOGCS of a datum.
pub(crate) fn esri_geogcs(datum: Datum) -> &'static str {
    match datum {
        Datum::Wgs84 => {
            "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],\
             PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]"
        }
        Datum::Cgcs2000 => {
            "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",DATUM[\"D_China_2000\",\
             SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],\
             UNIT[\"Degree\",0.0174532925199433]]"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crs(code: u32) -> ProjectedCrs {
        ProjectedCrs::from_epsg(code).unwrap().unwrap()
    }

    /// Forward with the given CRS, compare with PROJ's value (to 1 mm), and come back (to 1e-9°).
    fn check(code: u32, lon: f64, lat: f64, x: f64, y: f64) {
        let c = crs(code);
        let (px, py) = c.wgs84_to_projected(lon, lat).unwrap();
        assert!(
            (px - x).abs() < 1e-3 && (py - y).abs() < 1e-3,
            "EPSG:{code}: got ({px:.4}, {py:.4}), PROJ says ({x:.4}, {y:.4})"
        );
        let (l, b) = c.projected_to_wgs84(px, py).unwrap();
        assert!((l - lon).abs() < 1e-9 && (b - lat).abs() < 1e-9);
    }

    // Reference values: pyproj 3.7.2 / PROJ 9.5.1,
    // Transformer.from_crs("EPSG:4326", "EPSG:n", always_xy=True).

    #[test]
    fn gk6_zone_known_values() {
        check(4498, 116.397, 39.909, 20_448_439.045_3, 4_419_599.034_1);
        check(4491, 75.5, 40.0, 13_542_697.023_8, 4_429_648.783_8);
    }

    #[test]
    fn gk6_cm_known_value() {
        check(4509, 116.397, 39.909, 448_439.045_3, 4_419_599.034_1);
    }

    #[test]
    fn gk3_zone_known_values() {
        check(4527, 116.397, 39.909, 39_448_439.045_3, 4_419_599.034_1);
        check(4513, 74.5, 39.5, 25_456_993.185_0, 4_374_133.476_9);
    }

    #[test]
    fn gk3_cm_known_values() {
        // Beijing is in the 117E 3-degree belt (EPSG:4548); EPSG:4547 is CM 114E.
        check(4548, 116.397, 39.909, 448_439.045_3, 4_419_599.034_1);
        check(4547, 116.397, 39.909, 704_971.225_6, 4_422_176.596_8);
        check(4554, 134.0, 47.5, 424_656.760_9, 5_263_319.645_8);
    }

    #[test]
    fn utm_known_values() {
        check(32650, 116.397, 39.909, 448_459.669_7, 4_417_831.194_6);
        check(32756, 151.2093, -33.8688, 334_368.633_6, 6_250_948.345_4);
        check(32601, -177.0, 60.0, 500_000.0, 6_651_411.190_4);
    }

    #[test]
    fn web_mercator_known_value() {
        check(3857, 116.397, 39.909, 12_957_254.769_9, 4_852_727.205_9);
    }

    #[test]
    fn every_code_has_consistent_parameters() {
        for code in supported_codes() {
            let c = crs(code);
            assert_eq!(c.epsg(), Some(code));
            if let Method::Tmerc(t) = c.method() {
                // The origin projects to the false easting/northing.
                let (x, y) = c.wgs84_to_projected(t.lon_0, 0.0).unwrap();
                assert!((x - t.x_0).abs() < 1e-6 && (y - t.y_0).abs() < 1e-6, "EPSG:{code}");
            }
        }
        assert!(ProjectedCrs::from_epsg(4490).unwrap().is_none());
        assert!(ProjectedCrs::from_epsg(4555).unwrap().is_none());
        assert!(ProjectedCrs::from_epsg(32661).unwrap().is_none());
    }

    #[test]
    fn rejects_invalid_points() {
        let c = crs(4548);
        assert!(c.wgs84_to_projected(f64::NAN, 30.0).is_err());
        assert!(c.wgs84_to_projected(117.0, 95.0).is_err());
        assert!(c.projected_to_wgs84(f64::INFINITY, 0.0).is_err());
    }

    /// A code of each family, with a point inside its zone.
    fn family_point() -> impl Strategy<Value = (u32, f64, f64)> {
        prop_oneof![
            (13u32..=23, -1.5..1.5f64, 18.0..54.0f64).prop_map(|(z, dl, b)| (
                gk6_zone_code(z).unwrap(),
                f64::from(z * 6 - 3) + dl,
                b
            )),
            (0u32..=10, -1.5..1.5f64, 18.0..54.0f64).prop_map(|(i, dl, b)| (GK6_CM + i, f64::from(75 + 6 * i) + dl, b)),
            (25u32..=45, -1.5..1.5f64, 18.0..54.0f64).prop_map(|(z, dl, b)| (
                gk3_zone_code(z).unwrap(),
                f64::from(z * 3) + dl,
                b
            )),
            (0u32..=20, -1.5..1.5f64, 18.0..54.0f64).prop_map(|(i, dl, b)| (GK3_CM + i, f64::from(75 + 3 * i) + dl, b)),
            (1u32..=60, -3.0..3.0f64, 0.0..84.0f64).prop_map(|(z, dl, b)| (
                utm_code(z, false).unwrap(),
                f64::from(z * 6) - 183.0 + dl,
                b
            )),
            (1u32..=60, -3.0..3.0f64, -80.0..0.0f64).prop_map(|(z, dl, b)| (
                utm_code(z, true).unwrap(),
                f64::from(z * 6) - 183.0 + dl,
                b
            )),
            (-180.0..180.0f64, -85.0..85.0f64).prop_map(|(l, b)| (3857, l, b)),
        ]
    }

    proptest! {
        #[test]
        fn round_trip_under_a_millimetre((code, lon, lat) in family_point()) {
            let c = crs(code);
            let (x, y) = c.wgs84_to_projected(lon, lat).unwrap();
            let (l, b) = c.projected_to_wgs84(x, y).unwrap();
            let (x2, y2) = c.wgs84_to_projected(l, b).unwrap();
            prop_assert!((x2 - x).abs() < 1e-3 && (y2 - y).abs() < 1e-3, "EPSG:{}", code);
            // 1e-8° is ~1 mm on the ground.
            prop_assert!((l - lon).abs() < 1e-8 && (b - lat).abs() < 1e-8, "EPSG:{}", code);
        }
    }
}

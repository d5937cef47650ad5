//! Coordinate reference systems: recognising what CRS the input data are in
//! (command-line flags, shapefile `.prj` files, GeoJSON `crs` members),
//! converting every point to WGS 84 longitude/latitude and back, and the local
//! transverse Mercator ([`LocalProjection`]) in which all distances are measured.
//!
//! Supported systems: WGS 84 (EPSG:4326), CGCS2000 geographic (EPSG:4490),
//! China's obfuscated web-map coordinates GCJ-02 and BD-09 ([`gcj02`]), the
//! CGCS2000 Gauss-Krüger zones EPSG:4491–4554, WGS 84 UTM EPSG:32601–32660 and
//! 32701–32760, and Web Mercator EPSG:3857. Projected systems are transformed
//! with the pure-Rust `proj4rs` port of PROJ.
//!
//! Axis order: coordinates are always (x, y) = (easting, northing) or
//! (longitude, latitude), also for `urn:ogc:def:crs:EPSG::4326`, whose official
//! axis order is latitude first — the same convention as GDAL/QGIS for GeoJSON
//! and shapefiles.

pub mod gcj02;
mod local;
mod prj;
mod projected;

pub use local::LocalProjection;
pub use projected::ProjectedCrs;

/// Why a coordinate reference system could not be recognised or used.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    /// A CRS name or code that is not one of the supported systems.
    #[error(
        "unknown or unsupported coordinate reference system '{0}': use wgs84, cgcs2000, gcj02, bd09 \
         or EPSG:n (4326, 4490, 4491-4554, 32601-32660, 32701-32760, 3857)"
    )]
    Unknown(String),
    /// A `.prj` file whose contents are not a supported CRS; the text says what was found.
    #[error(
        "unrecognised coordinate system in .prj file: {0}. If you know the coordinate system, \
         give it explicitly with --residences-crs/--services-crs EPSG:n (or wgs84, cgcs2000, gcj02, bd09)"
    )]
    UnrecognisedPrj(String),
    /// A point (or a projection definition) that could not be transformed.
    #[error("coordinate transformation failed in {crs}: {detail}")]
    Transform {
        /// Label of the CRS involved.
        crs: String,
        /// What went wrong, including the offending coordinates.
        detail: String,
    },
}

/// A coordinate reference system of input or output data.
#[derive(Debug, Clone, PartialEq)]
pub enum Crs {
    /// WGS 84 longitude/latitude in degrees (EPSG:4326, OGC CRS84).
    Wgs84,
    /// CGCS2000 longitude/latitude in degrees (EPSG:4490). Treated as identical
    /// to WGS 84: the two datums differ by a few centimetres, far below the
    /// accuracy of planning data, and PROJ itself uses a null transformation
    /// between them.
    Cgcs2000,
    /// GCJ-02 longitude/latitude: the obfuscated coordinates of Amap/Gaode,
    /// Tencent and Google Maps in China (offset from WGS 84 up to ~700 m).
    Gcj02,
    /// BD-09 longitude/latitude: Baidu Maps' coordinates (GCJ-02 plus a further offset).
    Bd09,
    /// A projected CRS (coordinates in metres), normally known by EPSG code.
    Projected(ProjectedCrs),
}

impl Crs {
    /// Parses a user-supplied CRS name, case-insensitively: `wgs84`, `WGS 84`,
    /// `CRS84`, `cgcs2000`, `gcj02`, `GCJ-02`, `bd09`, `BD-09`, `EPSG:4547`,
    /// `epsg:4490`, a bare code such as `4326`, or any form accepted by
    /// [`Crs::from_ogc_name`] (`urn:ogc:def:crs:EPSG::32650`, …).
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        let trimmed = text.trim();
        let unknown = || CrsError::Unknown(trimmed.to_string());
        let lower = trimmed.to_ascii_lowercase();

        if let Some(code) = ogc_code(&lower) {
            return match code {
                OgcCode::Crs84 => Ok(Crs::Wgs84),
                OgcCode::Epsg(code) => Crs::from_epsg_with_text(code, trimmed),
                OgcCode::Invalid => Err(unknown()),
            };
        }

        let compact: String = lower.chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | ':')).collect();
        match compact.as_str() {
            "wgs84" | "wgs1984" | "crs84" | "ogccrs84" => return Ok(Crs::Wgs84),
            "cgcs2000" => return Ok(Crs::Cgcs2000),
            "gcj02" => return Ok(Crs::Gcj02),
            "bd09" | "bd09ll" => return Ok(Crs::Bd09),
            _ => {}
        }
        let digits = compact.strip_prefix("epsg").unwrap_or(&compact);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let code = digits.parse::<u32>().map_err(|_| unknown())?;
            return Crs::from_epsg_with_text(code, trimmed);
        }
        Err(unknown())
    }

    /// The CRS with this EPSG code: 4326, 4490, 4491–4554, 32601–32660, 32701–32760 or 3857.
    pub fn from_epsg(code: u32) -> Result<Crs, CrsError> {
        Crs::from_epsg_with_text(code, &format!("EPSG:{code}"))
    }

    /// [`Crs::from_epsg`], reporting `text` as what the user wrote when the code is unknown.
    fn from_epsg_with_text(code: u32, text: &str) -> Result<Crs, CrsError> {
        match code {
            4326 => Ok(Crs::Wgs84),
            4490 => Ok(Crs::Cgcs2000),
            _ => match ProjectedCrs::from_epsg(code)? {
                Some(p) => Ok(Crs::Projected(p)),
                None => Err(CrsError::Unknown(text.to_string())),
            },
        }
    }

    /// Recognises the CRS of a shapefile `.prj` (ESRI WKT1 or OGC WKT1).
    ///
    /// Understands WGS 84 and CGCS2000 geographic systems; CGCS2000
    /// Gauss-Krüger projections named like `CGCS2000_3_Degree_GK_CM_117E`,
    /// `CGCS2000_3_Degree_GK_Zone_39`, `CGCS2000_GK_Zone_20`,
    /// `CGCS2000_6_Degree_GK_CM_117E` or `CGCS2000 / 3-degree Gauss-Kruger CM 117E`;
    /// `WGS_1984_UTM_Zone_50N` / `WGS 84 / UTM zone 50N`; Web Mercator; and an
    /// outermost `AUTHORITY["EPSG","n"]` (or WKT2 `ID["EPSG",n]`).
    ///
    /// A name or authority is only trusted when the file's own projection
    /// parameters agree with it. Failing that, a `Transverse_Mercator` or
    /// `Gauss_Kruger` projection on a WGS 84 or CGCS2000 datum is read from its
    /// parameters and mapped to the matching EPSG code, or kept as a custom
    /// transverse Mercator (then [`ProjectedCrs::epsg`] is `None`). Anything
    /// else — other datums such as Xian 1980 or Beijing 1954, other
    /// projections, non-metre units — is a [`CrsError::UnrecognisedPrj`] that
    /// says what was found.
    pub fn from_prj(wkt: &str) -> Result<Crs, CrsError> {
        prj::recognise(wkt)
    }

    /// Reads the `name` of a GeoJSON (2008 specification) `crs` member:
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `urn:ogc:def:crs:EPSG::4490`,
    /// `urn:ogc:def:crs:EPSG:6.6:4326`, `EPSG:4547`,
    /// `http://www.opengis.net/def/crs/EPSG/0/4326`, and also everything
    /// [`Crs::parse`] accepts (so the `GCJ-02`/`BD-09` names written by
    /// [`Crs::ogc_urn`] read back).
    pub fn from_ogc_name(name: &str) -> Result<Crs, CrsError> {
        Crs::parse(name)
    }

    /// True for the longitude/latitude systems (WGS 84, CGCS2000, GCJ-02, BD-09).
    pub fn is_geographic(&self) -> bool {
        !matches!(self, Crs::Projected(_))
    }

    /// A label for messages and reports, e.g. "WGS84 (EPSG:4326)",
    /// "CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)", "GCJ-02".
    pub fn label(&self) -> String {
        match self {
            Crs::Wgs84 => "WGS84 (EPSG:4326)".to_string(),
            Crs::Cgcs2000 => "CGCS2000 (EPSG:4490)".to_string(),
            Crs::Gcj02 => "GCJ-02".to_string(),
            Crs::Bd09 => "BD-09".to_string(),
            Crs::Projected(p) => p.label(),
        }
    }

    /// Converts a coordinate of this CRS to WGS 84 (longitude, latitude) in degrees.
    ///
    /// Errors on non-finite input, on longitude/latitude out of range for the
    /// geographic systems (typically projected metres given the wrong CRS), and
    /// on points a projection cannot invert.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        match self {
            Crs::Projected(p) => p.projected_to_wgs84(x, y),
            _ => {
                self.check_lon_lat(x, y)?;
                Ok(match self {
                    Crs::Gcj02 => gcj02::gcj02_to_wgs84(x, y),
                    Crs::Bd09 => gcj02::bd09_to_wgs84(x, y),
                    _ => (x, y),
                })
            }
        }
    }

    /// Converts WGS 84 (longitude, latitude) in degrees to a coordinate of this CRS.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        match self {
            Crs::Projected(p) => p.wgs84_to_projected(lon, lat),
            _ => {
                Crs::Wgs84.check_lon_lat(lon, lat)?;
                Ok(match self {
                    Crs::Gcj02 => gcj02::wgs84_to_gcj02(lon, lat),
                    Crs::Bd09 => gcj02::wgs84_to_bd09(lon, lat),
                    _ => (lon, lat),
                })
            }
        }
    }

    /// Rejects a longitude/latitude that is not finite or out of range.
    fn check_lon_lat(&self, lon: f64, lat: f64) -> Result<(), CrsError> {
        let detail = if !lon.is_finite() || !lat.is_finite() {
            format!("({lon}, {lat}) is not a finite coordinate")
        } else if lat.abs() > 90.0 || lon.abs() > 180.0 {
            format!(
                "({lon}, {lat}) is not a valid longitude/latitude in degrees; if the data are \
                 projected (metres), give their EPSG code instead"
            )
        } else {
            return Ok(());
        };
        Err(CrsError::Transform { crs: self.label(), detail })
    }

    /// The `name` for a GeoJSON (2008) `crs` member: `None` for WGS 84 (the
    /// RFC 7946 default), `Some("urn:ogc:def:crs:EPSG::n")` for EPSG systems,
    /// `Some("GCJ-02")`/`Some("BD-09")` (no EPSG code exists for them), and the
    /// PROJ string for a custom projection read from a `.prj`.
    pub fn ogc_urn(&self) -> Option<String> {
        match self {
            Crs::Wgs84 => None,
            Crs::Cgcs2000 => Some("urn:ogc:def:crs:EPSG::4490".to_string()),
            Crs::Gcj02 => Some("GCJ-02".to_string()),
            Crs::Bd09 => Some("BD-09".to_string()),
            Crs::Projected(p) => Some(match p.epsg() {
                Some(code) => format!("urn:ogc:def:crs:EPSG::{code}"),
                None => p.proj4().to_string(),
            }),
        }
    }

    /// Contents of a `.prj` file (ESRI WKT1) for this CRS.
    ///
    /// GCJ-02 and BD-09 are written as the WGS 84 GEOGCS: their offsets cannot
    /// be expressed in WKT, so other GIS software will read such data as WGS 84
    /// (displaced by up to ~700 m); say so next to the data.
    pub fn esri_wkt(&self) -> String {
        match self {
            Crs::Wgs84 | Crs::Gcj02 | Crs::Bd09 => projected::esri_geogcs(projected::Datum::Wgs84).to_string(),
            Crs::Cgcs2000 => projected::esri_geogcs(projected::Datum::Cgcs2000).to_string(),
            Crs::Projected(p) => p.esri_wkt(),
        }
    }
}

/// What an OGC-style CRS identifier refers to.
enum OgcCode {
    /// OGC CRS84 (WGS 84 lon/lat).
    Crs84,
    /// An EPSG code.
    Epsg(u32),
    /// It has the shape of an OGC identifier but names nothing we know.
    Invalid,
}

/// Reads OGC URN/URL identifiers (lower-cased input); `None` when `lower` has neither shape.
fn ogc_code(lower: &str) -> Option<OgcCode> {
    let (authority, code) = if let Some(rest) =
        lower.strip_prefix("urn:ogc:def:crs:").or_else(|| lower.strip_prefix("urn:x-ogc:def:crs:"))
    {
        // authority:version:code, version possibly empty; older form authority:code.
        let mut parts = rest.split(':');
        let authority = parts.next().unwrap_or_default();
        let code = parts.next_back().unwrap_or_default();
        (authority, code)
    } else if let Some(rest) = lower
        .strip_prefix("http://www.opengis.net/def/crs/")
        .or_else(|| lower.strip_prefix("https://www.opengis.net/def/crs/"))
    {
        // authority/version/code
        let mut parts = rest.trim_end_matches('/').split('/');
        let authority = parts.next().unwrap_or_default();
        let code = parts.next_back().unwrap_or_default();
        (authority, code)
    } else {
        return None;
    };
    Some(match (authority, code) {
        ("ogc", "crs84") => OgcCode::Crs84,
        ("epsg", code) => code.parse().map_or(OgcCode::Invalid, OgcCode::Epsg),
        _ => OgcCode::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &Crs) -> Option<u32> {
        match c {
            Crs::Projected(p) => p.epsg(),
            Crs::Wgs84 => Some(4326),
            Crs::Cgcs2000 => Some(4490),
            _ => None,
        }
    }

    #[test]
    fn parses_user_spellings() {
        for s in ["wgs84", "WGS84", "WGS 84", "wgs-84", "EPSG:4326", "epsg:4326", "4326", "CRS84"] {
            assert_eq!(Crs::parse(s).unwrap(), Crs::Wgs84, "{s}");
        }
        for s in ["cgcs2000", "CGCS2000", "CGCS 2000", "EPSG:4490", "epsg:4490", " 4490 "] {
            assert_eq!(Crs::parse(s).unwrap(), Crs::Cgcs2000, "{s}");
        }
        for s in ["gcj02", "GCJ-02", "gcj_02", "GCJ02"] {
            assert_eq!(Crs::parse(s).unwrap(), Crs::Gcj02, "{s}");
        }
        for s in ["bd09", "BD-09", "bd09ll", "BD09"] {
            assert_eq!(Crs::parse(s).unwrap(), Crs::Bd09, "{s}");
        }
        for (s, c) in [
            ("EPSG:4547", 4547),
            ("epsg:4548", 4548),
            ("EPSG:32650", 32650),
            ("EPSG:32750", 32750),
            ("EPSG:3857", 3857),
            ("EPSG:4491", 4491),
            ("EPSG:4554", 4554),
            ("epsg 4527", 4527),
            ("urn:ogc:def:crs:EPSG::4509", 4509),
        ] {
            let crs = Crs::parse(s).unwrap();
            assert_eq!(code(&crs), Some(c), "{s}");
            assert!(!crs.is_geographic());
        }
    }

    #[test]
    fn unknown_names_get_a_helpful_error() {
        for s in ["", "nad83", "EPSG:2385", "EPSG:4555", "EPSG:99999999999", "urn:ogc:def:crs:EPSG::27700", "utm50"] {
            let e = Crs::parse(s).unwrap_err();
            assert!(matches!(e, CrsError::Unknown(_)), "{s}");
            let msg = e.to_string();
            assert!(msg.contains(&format!("'{}'", s.trim())), "{msg}");
            assert!(msg.contains("EPSG:n") && msg.contains("gcj02"), "{msg}");
        }
    }

    #[test]
    fn reads_geojson_crs_names() {
        for (name, c) in [
            ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
            ("urn:ogc:def:crs:OGC::CRS84", 4326),
            ("urn:ogc:def:crs:EPSG::4490", 4490),
            ("urn:ogc:def:crs:EPSG:6.6:4326", 4326),
            ("urn:ogc:def:crs:EPSG::4326", 4326),
            ("urn:x-ogc:def:crs:EPSG:4326", 4326),
            ("EPSG:4547", 4547),
            ("urn:ogc:def:crs:EPSG::32650", 32650),
            ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
            ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
        ] {
            assert_eq!(code(&Crs::from_ogc_name(name).unwrap()), Some(c), "{name}");
        }
        for name in ["urn:ogc:def:crs:OGC:1.3:CRS83", "urn:ogc:def:crs:EPSG::abc", "urn:ogc:def:crs:ESRI::102100"] {
            assert!(matches!(Crs::from_ogc_name(name), Err(CrsError::Unknown(_))), "{name}");
        }
    }

    #[test]
    fn ogc_urn_round_trips() {
        assert_eq!(Crs::Wgs84.ogc_urn(), None);
        assert_eq!(Crs::Cgcs2000.ogc_urn().as_deref(), Some("urn:ogc:def:crs:EPSG::4490"));
        assert_eq!(Crs::Gcj02.ogc_urn().as_deref(), Some("GCJ-02"));
        assert_eq!(Crs::Bd09.ogc_urn().as_deref(), Some("BD-09"));
        let utm = Crs::parse("EPSG:32650").unwrap();
        assert_eq!(utm.ogc_urn().as_deref(), Some("urn:ogc:def:crs:EPSG::32650"));
        for crs in [Crs::Cgcs2000, Crs::Gcj02, Crs::Bd09, utm] {
            let urn = crs.ogc_urn().unwrap();
            assert_eq!(Crs::from_ogc_name(&urn).unwrap(), crs);
        }
    }

    #[test]
    fn labels() {
        assert_eq!(Crs::Wgs84.label(), "WGS84 (EPSG:4326)");
        assert_eq!(Crs::Cgcs2000.label(), "CGCS2000 (EPSG:4490)");
        assert_eq!(Crs::Gcj02.label(), "GCJ-02");
        assert_eq!(Crs::Bd09.label(), "BD-09");
        assert_eq!(Crs::parse("EPSG:4548").unwrap().label(), "CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548)");
        assert_eq!(Crs::parse("EPSG:32650").unwrap().label(), "WGS 84 / UTM zone 50N (EPSG:32650)");
        assert_eq!(Crs::parse("EPSG:3857").unwrap().label(), "WGS 84 / Pseudo-Mercator (EPSG:3857)");
    }

    #[test]
    fn geographic_conversions() {
        let p = (116.397128, 39.916527);
        assert_eq!(Crs::Wgs84.to_wgs84(p.0, p.1).unwrap(), p);
        assert_eq!(Crs::Cgcs2000.from_wgs84(p.0, p.1).unwrap(), p);
        let g = Crs::Gcj02.from_wgs84(p.0, p.1).unwrap();
        assert_eq!(g, gcj02::wgs84_to_gcj02(p.0, p.1));
        let back = Crs::Gcj02.to_wgs84(g.0, g.1).unwrap();
        assert!((back.0 - p.0).abs() < 1e-9 && (back.1 - p.1).abs() < 1e-9);
        let b = Crs::Bd09.from_wgs84(p.0, p.1).unwrap();
        let back = Crs::Bd09.to_wgs84(b.0, b.1).unwrap();
        assert!((back.0 - p.0).abs() < 1e-9 && (back.1 - p.1).abs() < 1e-9);
    }

    #[test]
    fn metres_given_as_degrees_are_rejected_clearly() {
        let e = Crs::Wgs84.to_wgs84(448_439.0, 4_419_599.0).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("WGS84 (EPSG:4326)") && msg.contains("EPSG code"), "{msg}");
        assert!(Crs::Gcj02.to_wgs84(f64::NAN, 30.0).is_err());
        assert!(Crs::Cgcs2000.from_wgs84(120.0, -91.0).is_err());
    }

    #[test]
    fn projected_conversions_go_through_proj4rs() {
        let crs = Crs::parse("EPSG:4548").unwrap();
        let (x, y) = crs.from_wgs84(116.397, 39.909).unwrap();
        assert!((x - 448_439.045_3).abs() < 1e-3 && (y - 4_419_599.034_1).abs() < 1e-3);
        let (lon, lat) = crs.to_wgs84(x, y).unwrap();
        assert!((lon - 116.397).abs() < 1e-9 && (lat - 39.909).abs() < 1e-9);
        let e = crs.to_wgs84(f64::NAN, 1.0).unwrap_err();
        assert!(e.to_string().contains("EPSG:4548"), "{e}");
    }

    #[test]
    fn esri_wkt_reads_back_for_every_supported_crs() {
        assert_eq!(Crs::from_prj(&Crs::Wgs84.esri_wkt()).unwrap(), Crs::Wgs84);
        assert_eq!(Crs::from_prj(&Crs::Cgcs2000.esri_wkt()).unwrap(), Crs::Cgcs2000);
        // The offsets of GCJ-02/BD-09 cannot be written: they come back as WGS 84.
        assert_eq!(Crs::from_prj(&Crs::Gcj02.esri_wkt()).unwrap(), Crs::Wgs84);
        assert_eq!(Crs::from_prj(&Crs::Bd09.esri_wkt()).unwrap(), Crs::Wgs84);
        for c in projected::supported_codes() {
            let crs = Crs::from_epsg(c).unwrap();
            let wkt = crs.esri_wkt();
            assert_eq!(Crs::from_prj(&wkt).unwrap(), crs, "EPSG:{c}: {wkt}");
        }
    }

    #[test]
    fn esri_wkt_matches_arcgis_output() {
        // As written by PROJ 9.5 (pyproj CRS.to_wkt(WktVersion.WKT1_ESRI)).
        assert_eq!(
            Crs::from_epsg(4547).unwrap().esri_wkt(),
            "PROJCS[\"CGCS2000_3_Degree_GK_CM_114E\",GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",\
             DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],\
             UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Gauss_Kruger\"],PARAMETER[\"False_Easting\",500000.0],\
             PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",114.0],PARAMETER[\"Scale_Factor\",1.0],\
             PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
        );
        assert_eq!(
            Crs::from_epsg(32750).unwrap().esri_wkt(),
            "PROJCS[\"WGS_1984_UTM_Zone_50S\",GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",\
             SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],\
             UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],\
             PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",10000000.0],\
             PARAMETER[\"Central_Meridian\",117.0],PARAMETER[\"Scale_Factor\",0.9996],\
             PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
        );
    }

    #[test]
    fn crs_values_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Crs>();
        assert_send_sync::<LocalProjection>();
        assert_send_sync::<CrsError>();
    }
}

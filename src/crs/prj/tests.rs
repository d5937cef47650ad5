use super::wkt::Value;
use super::*;

fn epsg_of(wkt: &str) -> Option<u32> {
    match Crs::from_prj(wkt).unwrap() {
        Crs::Wgs84 => Some(4326),
        Crs::Cgcs2000 => Some(4490),
        Crs::Projected(p) => p.epsg(),
        other => panic!("unexpected {other:?}"),
    }
}

const ESRI_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
const OGC_WGS84: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]"#;
const ESRI_CGCS2000: &str = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
const OGC_CGCS2000: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]"#;
/// GDAL/PROJ WKT1 of EPSG:4547 (pyproj `to_wkt(WktVersion.WKT1_GDAL)`).
const OGC_4547: &str = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",114],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4547"]]"#;
const OGC_32650: &str = r#"PROJCS["WGS 84 / UTM zone 50N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","32650"]]"#;

/// ESRI-style PROJCS with the given name, datum and tmerc parameters.
fn esri_tmerc(name: &str, cgcs: bool, projection: &str, cm: f64, fe: f64, fnorth: f64, k: f64) -> String {
    let geog = if cgcs { ESRI_CGCS2000 } else { ESRI_WGS84 };
    format!(
        "PROJCS[\"{name}\",{geog},PROJECTION[\"{projection}\"],PARAMETER[\"False_Easting\",{fe:?}],\
         PARAMETER[\"False_Northing\",{fnorth:?}],PARAMETER[\"Central_Meridian\",{cm:?}],\
         PARAMETER[\"Scale_Factor\",{k:?}],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
    )
}

#[test]
fn geographic_systems() {
    assert_eq!(epsg_of(ESRI_WGS84), Some(4326));
    assert_eq!(epsg_of(OGC_WGS84), Some(4326));
    assert_eq!(epsg_of(ESRI_CGCS2000), Some(4490));
    assert_eq!(epsg_of(OGC_CGCS2000), Some(4490));
    // A byte-order mark, CRLF and line breaks are fine.
    let messy = format!("\u{feff}{}\r\n", OGC_CGCS2000.replace(',', ",\n  "));
    assert_eq!(epsg_of(&messy), Some(4490));
    // Without authority, by name only.
    let plain = r#"GEOGCS["CGCS2000",DATUM["China 2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#;
    assert_eq!(epsg_of(plain), Some(4490));
}

#[test]
fn gauss_kruger_names() {
    for (name, code) in [
        ("CGCS2000_3_Degree_GK_CM_117E", 4548),
        ("CGCS2000_3_Degree_GK_Zone_39", 4527),
        ("CGCS2000_6_Degree_GK_Zone_20", 4498),
        ("CGCS2000_GK_Zone_20", 4498),
        ("CGCS2000_6_Degree_GK_CM_117E", 4509),
        ("CGCS2000_GK_CM_117E", 4509),
        ("CGCS2000 / 3-degree Gauss-Kruger CM 117E", 4548),
        ("CGCS2000 / 3-degree Gauss-Kruger zone 39", 4527),
        ("CGCS2000 / Gauss-Kruger zone 20", 4498),
        ("CGCS2000 / Gauss-Krüger CM 117E", 4509),
    ] {
        assert_eq!(code_from_name(name), Some(code), "{name}");
        // A bare PROJCS with just the name.
        let bare = format!("PROJCS[\"{name}\",{ESRI_CGCS2000},UNIT[\"Meter\",1.0]]");
        assert_eq!(epsg_of(&bare), Some(code), "{name}");
    }
    // With matching parameters, as ArcGIS writes them.
    let wkt = esri_tmerc("CGCS2000_3_Degree_GK_CM_117E", true, "Gauss_Kruger", 117.0, 500_000.0, 0.0, 1.0);
    assert_eq!(epsg_of(&wkt), Some(4548));
    let wkt = esri_tmerc("CGCS2000_3_Degree_GK_Zone_39", true, "Transverse_Mercator", 117.0, 39_500_000.0, 0.0, 1.0);
    assert_eq!(epsg_of(&wkt), Some(4527));
    let wkt = esri_tmerc("CGCS2000_6_Degree_GK_CM_117E", true, "Gauss_Kruger", 117.0, 500_000.0, 0.0, 1.0);
    assert_eq!(epsg_of(&wkt), Some(4509));
    assert_eq!(code_from_name("CGCS2000_3_Degree_GK_CM_118E"), None);
    assert_eq!(code_from_name("CGCS2000_3_Degree_GK_Zone_46"), None);
    assert_eq!(code_from_name("Xian_1980_3_Degree_GK_CM_117E"), None);
}

#[test]
fn utm_and_web_mercator_names() {
    for (name, code) in [
        ("WGS_1984_UTM_Zone_50N", 32650),
        ("WGS 84 / UTM zone 50N", 32650),
        ("WGS 84 / UTM zone 50S", 32750),
        ("WGS_1984_UTM_Zone_1S", 32701),
        ("WGS_1984_Web_Mercator_Auxiliary_Sphere", 3857),
        ("WGS 84 / Pseudo-Mercator", 3857),
    ] {
        assert_eq!(code_from_name(name), Some(code), "{name}");
    }
    assert_eq!(code_from_name("WGS_1984_UTM_Zone_61N"), None);
    let wkt = esri_tmerc("WGS_1984_UTM_Zone_50N", false, "Transverse_Mercator", 117.0, 500_000.0, 0.0, 0.9996);
    assert_eq!(epsg_of(&wkt), Some(32650));
}

#[test]
fn outermost_authority() {
    assert_eq!(epsg_of(OGC_4547), Some(4547));
    assert_eq!(epsg_of(OGC_32650), Some(32650));
    // WKT2 with an ID.
    let wkt2 = r#"PROJCRS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["3-degree Gauss-Kruger CM 117E",METHOD["Transverse Mercator",ID["EPSG",9807]],PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Longitude of natural origin",117,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Scale factor at natural origin",1,SCALEUNIT["unity",1]],PARAMETER["False easting",500000,LENGTHUNIT["metre",1]],PARAMETER["False northing",0,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["northing (X)",north,ORDER[1],LENGTHUNIT["metre",1]],AXIS["easting (Y)",east,ORDER[2],LENGTHUNIT["metre",1]],ID["EPSG",4548]]"#;
    assert_eq!(epsg_of(wkt2), Some(4548));
    // An inner AUTHORITY (of the GEOGCS) does not count as the CRS's code.
    let inner_only = OGC_4547.replace(",AUTHORITY[\"EPSG\",\"4547\"]]", "]");
    assert_eq!(epsg_of(&inner_only), Some(4547));
}

#[test]
fn authority_contradicted_by_parameters_is_not_trusted() {
    // Says 4547 (CM 114E) but the parameters are CM 117E.
    let wkt = OGC_4547.replace("PARAMETER[\"central_meridian\",114]", "PARAMETER[\"central_meridian\",117]");
    assert_eq!(epsg_of(&wkt), Some(4548));
}

#[test]
fn parameter_fallback_maps_to_epsg() {
    let cases = [
        ("My_GK_117", true, 117.0, 500_000.0, 0.0, 1.0, 4548),
        ("My_GK_zone_39", true, 117.0, 39_500_000.0, 0.0, 1.0, 4527),
        ("My_GK_zone_20", true, 117.0, 20_500_000.0, 0.0, 1.0, 4498),
        ("Beijing local 3 deg", true, 75.0, 500_000.0, 0.0, 1.0, 4534),
        ("utm", false, 117.0, 500_000.0, 0.0, 0.9996, 32650),
        ("utm south", false, -69.0, 500_000.0, 10_000_000.0, 0.9996, 32719),
    ];
    for (name, cgcs, cm, fe, fnorth, k, code) in cases {
        let wkt = esri_tmerc(name, cgcs, "Transverse_Mercator", cm, fe, fnorth, k);
        assert_eq!(epsg_of(&wkt), Some(code), "{name}");
    }
    // The hint picks the 6-degree variant when parameters fit both.
    let wkt = esri_tmerc("CGCS2000_GK_CM_75E", true, "Gauss_Kruger", 75.0, 500_000.0, 0.0, 1.0);
    assert_eq!(epsg_of(&wkt), Some(4502));
}

#[test]
fn parameter_fallback_keeps_custom_tmerc() {
    // A city grid: CM 116.35E with a local false easting — matches no EPSG code.
    let wkt = esri_tmerc("Beijing City Grid", true, "Transverse_Mercator", 116.35, 300_000.0, -4_000_000.0, 1.0);
    let crs = Crs::from_prj(&wkt).unwrap();
    let Crs::Projected(p) = &crs else { panic!("{crs:?}") };
    assert_eq!(p.epsg(), None);
    assert_eq!(p.name(), "Beijing City Grid");
    assert_eq!(
        p.proj4(),
        "+proj=tmerc +lat_0=0 +lon_0=116.35 +k=1 +x_0=300000 +y_0=-4000000 +ellps=GRS80 +units=m +no_defs"
    );
    // It transforms like PROJ: the central meridian at the equator is the false origin.
    let (x, y) = crs.from_wgs84(116.35, 0.0).unwrap();
    assert!((x - 300_000.0).abs() < 1e-6 && (y + 4_000_000.0).abs() < 1e-6);
    let (lon, lat) = crs.to_wgs84(310_000.0, 420_000.0).unwrap();
    let (x, y) = crs.from_wgs84(lon, lat).unwrap();
    assert!((x - 310_000.0).abs() < 1e-6 && (y - 420_000.0).abs() < 1e-6);
    // Its ESRI WKT reads back to the same CRS.
    assert_eq!(Crs::from_prj(&crs.esri_wkt()).unwrap(), crs);
    assert!(crs.label().contains("+lon_0=116.35"), "{}", crs.label());
}

fn unrecognised(wkt: &str) -> String {
    match Crs::from_prj(wkt) {
        Err(e @ CrsError::UnrecognisedPrj(_)) => e.to_string(),
        other => panic!("expected UnrecognisedPrj, got {other:?}"),
    }
}

#[test]
fn unsupported_files_say_what_they_found() {
    let xian = r#"PROJCS["Xian_1980_3_Degree_GK_CM_117E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let msg = unrecognised(xian);
    assert!(msg.contains("Xian_1980_3_Degree_GK_CM_117E") && msg.contains("D_Xian_1980"), "{msg}");
    assert!(msg.contains("--residences-crs/--services-crs EPSG:n"), "{msg}");

    let beijing54 = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    assert!(unrecognised(beijing54).contains("D_Beijing_1954"));

    let lambert = r#"PROJCS["Asia_Lambert_Conformal_Conic",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Standard_Parallel_1",30.0],PARAMETER["Standard_Parallel_2",62.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    let msg = unrecognised(lambert);
    assert!(msg.contains("Lambert_Conformal_Conic") && msg.contains("Asia_Lambert"), "{msg}");

    let feet = esri_tmerc("Feet_Grid", true, "Transverse_Mercator", 117.0, 500_000.0, 0.0, 1.0)
        .replace("UNIT[\"Meter\",1.0]]", "UNIT[\"Foot_US\",0.3048006096012192]]");
    assert!(unrecognised(&feet).contains("Foot_US"));

    let grads = ESRI_WGS84.replace("UNIT[\"Degree\",0.0174532925199433]", "UNIT[\"Grad\",0.01570796326794897]");
    assert!(unrecognised(&grads).contains("Grad"));

    assert!(unrecognised("").contains("empty"));
    assert!(unrecognised("   \n").contains("empty"));
    assert!(unrecognised("GEOGCS[\"WGS 84\"").contains("not valid WKT"));
    assert!(unrecognised("hello world").contains("not valid WKT"));
    assert!(unrecognised("GEOGCS[\"x\"] trailing").contains("not valid WKT"));
    assert!(unrecognised(r#"GEOCCS["WGS 84 geocentric"]"#).contains("GEOCCS"));
    let deep = format!("{}{}", "A[".repeat(200), "]".repeat(200));
    assert!(unrecognised(&deep).contains("nested too deeply"));
}

#[test]
fn parser_handles_wkt_details() {
    let n = parse(r#"X ( "a ""b""", -1.5e3 , EAST, Y[] )"#).unwrap();
    assert_eq!(n.keyword, "X");
    assert_eq!(n.args[0], Value::Text("a \"b\"".to_string()));
    assert_eq!(n.args[1], Value::Number(-1500.0));
    assert_eq!(n.args[2], Value::Word("EAST".to_string()));
    assert_eq!(n.args[3], Value::Node(Node { keyword: "Y".to_string(), args: vec![] }));
    assert!(parse("X[1,]").is_err());
    assert!(parse("X[1.2.3]").is_err());
    assert!(parse("X[\"unterminated]").is_err());
}

#[test]
fn squash_and_words() {
    assert_eq!(squash("Gauss-Krüger"), "gausskruger");
    assert_eq!(words("  CGCS2000 / 3-degree Gauss-Krüger CM 117E "), "cgcs2000_3_degree_gauss_kruger_cm_117e");
}

//! The plain types every later step works on: residences and facilities in WGS84 for output,
//! with their representative point in local metres for distance work.

use geo::Geometry;

/// A residence (a building, a dwelling point or a block) and the people living there.
#[derive(Debug, Clone, PartialEq)]
pub struct Residence {
    /// Identifier from the input (`id` field or feature id), else the feature index.
    pub id: String,
    /// Number of households.
    pub households: f64,
    /// Number of residents.
    pub population: f64,
    /// Number of elderly residents, when the input gives it.
    pub elderly: Option<f64>,
    /// The input geometry, converted to WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// The representative point (the point itself, or a polygon's interior point), WGS84 lon/lat.
    pub lonlat: [f64; 2],
    /// The representative point in the local projection, metres.
    pub xy: [f64; 2],
}

impl Residence {
    /// A point residence at `lonlat` (WGS84) with no elderly count; its local `xy` is set when
    /// an analysis projects it.
    pub fn point(id: impl Into<String>, households: f64, population: f64, lonlat: [f64; 2]) -> Residence {
        Residence {
            id: id.into(),
            households,
            population,
            elderly: None,
            geometry: Geometry::Point(geo::Point::new(lonlat[0], lonlat[1])),
            lonlat,
            xy: [0.0, 0.0],
        }
    }
}

/// A service facility of one category of the standard profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Identifier from the input (`id` field or feature id), else the feature index.
    pub id: String,
    /// Index of its category in the profile's category list.
    pub category: usize,
    /// Name, when given.
    pub name: Option<String>,
    /// Capacity (places, beds...), when given.
    pub capacity: Option<f64>,
    /// Land area in m², from the attribute, else the polygon's area, else unknown.
    pub land_area_m2: Option<f64>,
    /// Gross floor area in m², when given.
    pub floor_area_m2: Option<f64>,
    /// Floor area given to residents' activities, m², when given (`activity_share`).
    pub activity_area_m2: Option<f64>,
    /// Floor area used as offices, m², when given (`office_share`).
    pub office_area_m2: Option<f64>,
    /// Opening hours per day, when given (`open_hours_share`).
    pub open_hours: Option<f64>,
    /// Whether it houses a volunteer station, when the layer says (`volunteer_station_share`).
    pub volunteer_station: Option<bool>,
    /// The input geometry, converted to WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// The representative point, WGS84 lon/lat.
    pub lonlat: [f64; 2],
    /// The representative point in the local projection, metres.
    pub xy: [f64; 2],
}

impl Facility {
    /// A point facility of category `category` at `lonlat` (WGS84) with no attributes; its
    /// local `xy` is set when an analysis projects it.
    pub fn point(id: impl Into<String>, category: usize, lonlat: [f64; 2]) -> Facility {
        Facility {
            id: id.into(),
            category,
            name: None,
            capacity: None,
            land_area_m2: None,
            floor_area_m2: None,
            activity_area_m2: None,
            office_area_m2: None,
            open_hours: None,
            volunteer_station: None,
            geometry: Geometry::Point(geo::Point::new(lonlat[0], lonlat[1])),
            lonlat,
            xy: [0.0, 0.0],
        }
    }
}

/// The direction a network line may be walked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Both ways (the default: walking is undirected).
    #[default]
    Both,
    /// Only in the order the line's vertices run.
    Forward,
    /// Only against the order the line's vertices run.
    Backward,
}

/// The walking network's centre lines as read: polylines in WGS84 lon/lat (a MultiLineString
/// gives one polyline per part) with the direction each may be walked in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkLines {
    /// Polylines, WGS84 lon/lat.
    pub lonlat: Vec<Vec<[f64; 2]>>,
    /// Walking direction of each polyline.
    pub directions: Vec<Direction>,
    /// Network features in the file.
    pub features: usize,
    /// Features skipped because their `foot` attribute says they may not be walked.
    pub not_walkable: usize,
}

/// Attributes of a zone that some indicators need; `None` when the layer does not give them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneAttributes {
    /// Whether the zone is rural (a village); `None` when the layer does not say (taken as urban).
    pub rural: Option<bool>,
    /// Community workers (社区工作者).
    pub community_workers: Option<f64>,
    /// Community social organisations (社区社会组织).
    pub social_orgs: Option<f64>,
    /// Professional social workers (专业社会工作者).
    pub social_workers: Option<f64>,
    /// Registered volunteers (注册志愿者).
    pub registered_volunteers: Option<f64>,
    /// Daily opening hours of the zone's community service facility.
    pub open_hours: Option<f64>,
}

/// A zone (community, village, district or grid cell) that indicators are measured for.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Identifier from the input (`id` field or feature id), else the feature index.
    pub id: String,
    /// Name, when given.
    pub name: Option<String>,
    /// Polygon or MultiPolygon, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// Attributes for indicators.
    pub attributes: ZoneAttributes,
}

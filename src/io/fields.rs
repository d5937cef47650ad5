//! Attribute roles (households, population, category...) and the built-in field-name aliases,
//! English and Chinese, that find them in any input; `--field role=NAME` overrides.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Location, Result};
use crate::io::layer::Layer;

/// What an attribute means to lifecircle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Feature identifier.
    Id,
    /// Number of households (residences).
    Households,
    /// Number of residents (residences).
    Population,
    /// Number of elderly residents (residences, optional).
    Elderly,
    /// Service category id or alias (services).
    Category,
    /// Facility name (services, optional).
    Name,
    /// Facility capacity (services, optional).
    Capacity,
    /// Facility land area, m² (services, optional).
    LandArea,
    /// Facility gross floor area, m² (services, optional).
    FloorArea,
    /// Longitude or x (CSV).
    Lon,
    /// Latitude or y (CSV).
    Lat,
    /// Walking direction of a network line (network, optional): yes/true/1 = only along the
    /// line's vertex order, -1/reverse = only against it, no/false/0/empty = both ways.
    OnewayFoot,
    /// Whether a network line may be walked (network, optional): no/private/false = skipped.
    Foot,
    /// Floor area for residents' activities, m² (services, optional).
    ActivityArea,
    /// Office floor area, m² (services, optional).
    OfficeArea,
    /// Opening hours per day, or a range such as 08:00-20:00 (services or zones, optional).
    OpenHours,
    /// Whether a facility houses a volunteer station (services, optional).
    VolunteerStation,
    /// Urban or rural (zones, optional): urban/城市/社区 or rural/农村/村.
    UrbanRural,
    /// Community workers (zones, optional).
    CommunityWorkers,
    /// Community social organisations (zones, optional).
    SocialOrgs,
    /// Professional social workers (zones, optional).
    SocialWorkers,
    /// Registered volunteers (zones, optional).
    RegisteredVolunteers,
}

impl Role {
    /// Every role, in documentation order.
    pub const ALL: [Role; 22] = [
        Role::Id,
        Role::Households,
        Role::Population,
        Role::Elderly,
        Role::Category,
        Role::Name,
        Role::Capacity,
        Role::LandArea,
        Role::FloorArea,
        Role::Lon,
        Role::Lat,
        Role::OnewayFoot,
        Role::Foot,
        Role::ActivityArea,
        Role::OfficeArea,
        Role::OpenHours,
        Role::VolunteerStation,
        Role::UrbanRural,
        Role::CommunityWorkers,
        Role::SocialOrgs,
        Role::SocialWorkers,
        Role::RegisteredVolunteers,
    ];

    /// The role's name as used by `--field ROLE=NAME` and in outputs.
    pub fn key(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Households => "households",
            Role::Population => "population",
            Role::Elderly => "elderly",
            Role::Category => "category",
            Role::Name => "name",
            Role::Capacity => "capacity",
            Role::LandArea => "land_area_m2",
            Role::FloorArea => "floor_area_m2",
            Role::Lon => "lon",
            Role::Lat => "lat",
            Role::OnewayFoot => "oneway_foot",
            Role::Foot => "foot",
            Role::ActivityArea => "activity_area_m2",
            Role::OfficeArea => "office_area_m2",
            Role::OpenHours => "open_hours",
            Role::VolunteerStation => "volunteer_station",
            Role::UrbanRural => "urban_rural",
            Role::CommunityWorkers => "community_workers",
            Role::SocialOrgs => "social_orgs",
            Role::SocialWorkers => "social_workers",
            Role::RegisteredVolunteers => "registered_volunteers",
        }
    }

    /// Built-in field names recognised for this role (compared case-insensitively), in priority order.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Id => &["id", "编号", "编码", "fid", "objectid", "osm_id", "code"],
            Role::Households => &["households", "hh", "户数", "household", "hhs", "住户数", "居民户数"],
            Role::Population => &["population", "pop", "人口", "人口数", "常住人口", "residents", "persons"],
            Role::Elderly => {
                &["elderly", "老年人口", "elderly_pop", "老年人", "老人", "aged", "pop_60plus", "pop_65plus"]
            }
            Role::Category => &["category", "type", "类别", "类型", "设施类型", "设施类别", "kind"],
            Role::Name => &["name", "名称", "设施名称", "名字"],
            Role::Capacity => &["capacity", "规模", "容量", "床位", "beds", "places"],
            Role::LandArea => &["land_area_m2", "land_area", "用地面积", "占地面积"],
            Role::FloorArea => &["floor_area_m2", "floor_area", "gfa", "建筑面积"],
            Role::Lon => &["lon", "lng", "long", "longitude", "经度", "x"],
            Role::Lat => &["lat", "latitude", "纬度", "y"],
            // Not plain `oneway`: in OpenStreetMap it binds vehicles, not people on foot.
            Role::OnewayFoot => &["oneway_foot", "oneway:foot", "foot_oneway", "walk_oneway", "oneway_ft", "步行单向"],
            Role::Foot => &["foot", "walkable", "步行"],
            Role::ActivityArea => &["activity_area_m2", "activity_area", "活动用房面积", "居民活动面积", "活动面积"],
            Role::OfficeArea => &["office_area_m2", "office_area", "办公面积", "办公用房面积"],
            Role::OpenHours => &["open_hours", "hours_per_day", "开放时间", "开放时长", "服务时间"],
            Role::VolunteerStation => &["volunteer_station", "has_volunteer_station", "志愿服务站", "志愿服务站点"],
            Role::UrbanRural => &["urban_rural", "urban", "area_type", "城乡", "城乡属性", "城乡类型"],
            Role::CommunityWorkers => &["community_workers", "workers", "社区工作者", "社区工作者数"],
            Role::SocialOrgs => {
                &["social_orgs", "social_organisations", "social_organizations", "社会组织", "社区社会组织"]
            }
            Role::SocialWorkers => &["social_workers", "社会工作者", "社工", "专业社工"],
            Role::RegisteredVolunteers => &["registered_volunteers", "volunteers", "注册志愿者", "志愿者"],
        }
    }

    /// Parses a role name as given to `--field`.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_lowercase();
        Role::ALL.into_iter().find(|r| r.key() == s || r.aliases().contains(&s.as_str()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// User-given field names per role (`--field role=NAME`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    overrides: BTreeMap<Role, String>,
}

impl FieldMap {
    /// Parses `role=NAME` pairs.
    pub fn parse<S: AsRef<str>>(pairs: &[S]) -> Result<FieldMap> {
        let mut map = FieldMap::default();
        for p in pairs {
            let p = p.as_ref();
            let (role, name) = p
                .split_once('=')
                .ok_or_else(|| Error::Option(format!("--field '{p}': expected ROLE=NAME, e.g. households=HH_2020")))?;
            let r = Role::parse(role).ok_or_else(|| {
                let roles: Vec<_> = Role::ALL.iter().map(|r| r.key()).collect();
                Error::Option(format!("--field '{p}': unknown role '{role}'; roles are {}", roles.join(", ")))
            })?;
            map.overrides.insert(r, name.trim().to_owned());
        }
        Ok(map)
    }

    /// Sets the field name for a role.
    pub fn set(&mut self, role: Role, name: impl Into<String>) {
        self.overrides.insert(role, name.into());
    }

    /// The field name given for a role, if any.
    pub fn get(&self, role: Role) -> Option<&str> {
        self.overrides.get(&role).map(String::as_str)
    }

    /// Finds the column of `role` among `fields`: the override (which must exist), else the
    /// first built-in alias present. `Ok(None)` when the role is simply absent.
    pub fn find(&self, role: Role, fields: &[String], location: &Location) -> Result<Option<usize>> {
        let lower: Vec<String> = fields.iter().map(|f| f.trim().to_lowercase()).collect();
        if let Some(name) = self.get(role) {
            let want = name.to_lowercase();
            return match fields.iter().position(|f| f == name).or_else(|| lower.iter().position(|f| *f == want)) {
                Some(c) => Ok(Some(c)),
                None => Err(Error::input(
                    location.field(name),
                    format!(
                        "no such field (given by --field {role}={name}); the fields are: {}",
                        if fields.is_empty() { "(none)".to_owned() } else { fields.join(", ") }
                    ),
                )),
            };
        }
        Ok(role.aliases().iter().find_map(|a| lower.iter().position(|f| f == a)))
    }

    /// [`FieldMap::find`] on a layer.
    pub fn find_in(&self, role: Role, layer: &Layer) -> Result<Option<usize>> {
        self.find(role, &layer.fields, &Location::file(&layer.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_chinese_and_english_aliases() {
        let m = FieldMap::default();
        let loc = Location::file("x");
        let f = fields(&["名称", "户数", "人口", "类别"]);
        assert_eq!(m.find(Role::Households, &f, &loc).unwrap(), Some(1));
        assert_eq!(m.find(Role::Population, &f, &loc).unwrap(), Some(2));
        assert_eq!(m.find(Role::Category, &f, &loc).unwrap(), Some(3));
        assert_eq!(m.find(Role::Name, &f, &loc).unwrap(), Some(0));
        assert_eq!(m.find(Role::Elderly, &f, &loc).unwrap(), None);
        let f = fields(&["HH", "Pop"]);
        assert_eq!(m.find(Role::Households, &f, &loc).unwrap(), Some(0));
        assert_eq!(m.find(Role::Population, &f, &loc).unwrap(), Some(1));
    }

    #[test]
    fn override_must_exist() {
        let m = FieldMap::parse(&["households=HH_2020"]).unwrap();
        let loc = Location::file("r.csv");
        assert_eq!(m.find(Role::Households, &fields(&["a", "HH_2020"]), &loc).unwrap(), Some(1));
        let e = m.find(Role::Households, &fields(&["a"]), &loc).unwrap_err().to_string();
        assert!(e.contains("HH_2020") && e.contains("r.csv"), "{e}");
        assert!(FieldMap::parse(&["nonsense=x"]).is_err());
        assert!(FieldMap::parse(&["households"]).is_err());
    }
}

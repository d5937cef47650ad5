//! Tests of the built-in profiles: each loads, cites its sources, and carries exactly the numbers
//! of standards.md §3–§5 (pinned here so that a typo in a TOML file fails).

use super::*;

/// Every built-in profile, loaded.
fn all() -> Vec<StandardProfile> {
    BUILT_IN.iter().map(|id| StandardProfile::built_in(id).unwrap_or_else(|e| panic!("{id}: {e}"))).collect()
}

#[test]
fn every_built_in_loads_validates_and_is_listed_once() {
    let ids: Vec<&str> = BUILT_IN_TEXTS.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, BUILT_IN, "BUILT_IN and BUILT_IN_TEXTS list the same profiles in the same order");
    assert_eq!(BUILT_IN.len(), 7);
    assert_eq!(BUILT_IN[0], DEFAULT_PROFILE);
    let base = StandardProfile::built_in(DEFAULT_PROFILE).unwrap();
    for p in all() {
        assert!(BUILT_IN.contains(&p.id.as_str()), "{}: its id is not the one it is listed under", p.id);
        assert!(!p.name_zh.is_empty() && !p.name_en.is_empty() && !p.source.is_empty(), "{}", p.id);
        assert!(StandardProfile::load(&p.id).is_ok(), "{}", p.id);
        if p.id == DEFAULT_PROFILE {
            assert_eq!(p.extends, None);
            continue;
        }
        // The provincial profiles sit on the GB 50180-2018 tiers and facilities, unchanged.
        assert_eq!(p.extends.as_deref(), Some(DEFAULT_PROFILE), "{}", p.id);
        assert_eq!(p.tiers, base.tiers, "{}", p.id);
        assert_eq!(p.categories, base.categories, "{}", p.id);
        assert!(p.categories.iter().all(|c| p.category_origin(&c.id) == Origin::Inherited), "{}", p.id);
    }
}

#[test]
fn every_rule_cites_a_source() {
    for p in all() {
        for t in &p.tiers {
            assert!(!t.source.trim().is_empty(), "{}: tier {} has no source", p.id, t.id);
        }
        for c in &p.categories {
            assert!(!c.source.trim().is_empty(), "{}: category {} has no source", p.id, c.id);
        }
        for r in &p.indicators {
            let id = r.id.as_str();
            assert!(!r.source.trim().is_empty(), "{}: indicator {id} has no source", p.id);
            assert!(!r.name_zh.trim().is_empty() && !r.name_en.trim().is_empty(), "{}: {id}", p.id);
            assert!(r.unit.as_deref().is_some_and(|u| !u.trim().is_empty()), "{}: indicator {id} has no unit", p.id);
            // A provincial profile's own rule names its own document (an inherited one names the
            // base's; gb50180-2018's elderly land rule quotes the Hunan plan).
            if p.extends.is_some() && p.indicator_origin(r.id) != Origin::Inherited {
                let document = p.name_en.split(" (").next().unwrap_or(&p.name_en);
                let document = document.split(' ').next().unwrap_or(document); // "Hunan", "National"...
                assert!(r.source.contains(document), "{}: {id}'s source does not name {document}", p.id);
            }
        }
    }
}

#[test]
fn an_indicator_has_the_same_names_in_every_profile() {
    let mut names: HashMap<IndicatorId, (String, String, String)> = HashMap::new();
    for p in all() {
        for r in &p.indicators {
            let these = (r.name_zh.clone(), r.name_en.clone(), r.unit.clone().unwrap_or_default());
            let first = names.entry(r.id).or_insert_with(|| these.clone());
            assert_eq!(*first, these, "{}: {}", p.id, r.id.as_str());
        }
    }
}

/// One pinned rule: profile, indicator, target, rural target, comparison, zones it applies to.
type Pin = (&'static str, &'static str, f64, Option<f64>, Comparison, AppliesTo);

/// Every number of standards.md §3–§5, by profile. `elderly_land_per_capita` 0.1 is the base's
/// (§3), inherited by every profile but Shandong's (0.2).
const PINS: &[Pin] = {
    use AppliesTo::{All, Rural, Urban};
    use Comparison::{AtLeast, AtMost};
    &[
        ("gb50180-2018", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("national-2021", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("national-2021", "facility_coverage", 1.0, Some(0.8), AtLeast, All),
        ("national-2021", "service_area_per_100_households", 30.0, None, AtLeast, All),
        ("national-2021", "activity_share", 0.6, None, AtLeast, All),
        ("national-2021", "workers_per_10k", 18.0, None, AtLeast, Urban),
        ("hunan-2022", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("hunan-2022", "facility_coverage", 1.0, None, AtLeast, All),
        ("hunan-2022", "service_area_per_100_households", 43.0, None, AtLeast, All),
        ("hunan-2022", "activity_share", 0.6, None, AtLeast, All),
        ("hunan-2022", "workers_per_10k", 18.0, None, AtLeast, Urban),
        ("hunan-2022", "volunteer_station_share", 0.8, None, AtLeast, All),
        ("hunan-2022", "open_hours_share", 1.0, None, AtLeast, All),
        ("hunan-2022", "elderly_health_adjacency", 1.0, None, AtLeast, All),
        ("tianjin-2022", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("tianjin-2022", "service_area_per_100_households", 30.0, None, AtLeast, All),
        ("tianjin-2022", "village_service_area", 300.0, None, AtLeast, Rural),
        ("tianjin-2022", "activity_share", 0.6, None, AtLeast, All),
        ("tianjin-2022", "workers_per_10k", 18.0, None, AtLeast, Urban),
        ("tianjin-2022", "social_orgs_per_community", 12.0, Some(6.0), AtLeast, All),
        ("tianjin-2022", "volunteer_station_share", 0.8, None, AtLeast, All),
        ("tianjin-2022", "market_coverage", 0.95, None, AtLeast, Urban),
        ("tianjin-2022", "open_hours_share", 1.0, None, AtLeast, All),
        ("shanghai-pudong-2023", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("shanghai-pudong-2023", "facility_coverage", 1.0, None, AtLeast, All),
        ("shanghai-pudong-2023", "service_area_per_100_households", 30.0, None, AtLeast, All),
        ("shanghai-pudong-2023", "activity_share", 0.6, None, AtLeast, All),
        ("shanghai-pudong-2023", "workers_per_10k", 18.0, None, AtLeast, Urban),
        ("shanghai-pudong-2023", "volunteer_station_share", 1.0, None, AtLeast, All),
        ("shanghai-pudong-2023", "elderly_circle_1n", 1.0, None, AtLeast, All),
        ("inner-mongolia-13th", "elderly_land_per_capita", 0.1, None, AtLeast, All),
        ("inner-mongolia-13th", "service_area_per_100_households", 30.0, None, AtLeast, All),
        ("inner-mongolia-13th", "service_area_total", 300.0, None, AtLeast, All),
        ("inner-mongolia-13th", "office_share", 0.3, None, AtMost, Rural),
        ("inner-mongolia-13th", "registered_volunteers_share", 0.2, None, AtLeast, All),
        ("shandong-rural-2015", "elderly_land_per_capita", 0.2, None, AtLeast, All),
        ("shandong-rural-2015", "rural_centre_area", 1000.0, None, AtLeast, Rural),
        ("shandong-rural-2015", "social_workers_per_community", 1.0, None, AtLeast, Urban),
        ("shandong-rural-2015", "registered_volunteers_share", 0.1, Some(0.05), AtLeast, All),
    ]
};

#[test]
fn built_in_targets_are_those_of_standards_md() {
    for p in all() {
        let pinned: Vec<&Pin> = PINS.iter().filter(|pin| pin.0 == p.id).collect();
        let mut asked: Vec<&str> = p.indicators.iter().map(|r| r.id.as_str()).collect();
        let mut expected: Vec<&str> = pinned.iter().map(|pin| pin.1).collect();
        asked.sort_unstable();
        expected.sort_unstable();
        assert_eq!(asked, expected, "{}: the indicators it asks for", p.id);
        for &&(_, id, target, rural, comparison, applies_to) in &pinned {
            let r = p.indicators.iter().find(|r| r.id.as_str() == id).unwrap();
            let got = (r.target, r.target_rural, r.comparison, r.applies_to);
            assert_eq!(got, (target, rural, comparison, applies_to), "{}: {id}", p.id);
        }
    }
    // The other numbers of the rules: co-location distances, opening hours, community sizes.
    let rule = |p: &str, id: IndicatorId| StandardProfile::built_in(p).unwrap().indicator(id).cloned().unwrap();
    for p in ["hunan-2022", "tianjin-2022", "shanghai-pudong-2023"] {
        let r = rule(p, IndicatorId::VolunteerStationShare);
        assert_eq!(
            (r.distance(), r.category_ids(), r.near_ids()),
            (Some(50.0), vec![s("community_service")], vec![s("volunteer_station")]),
            "{p}"
        );
    }
    for p in ["hunan-2022", "tianjin-2022"] {
        assert_eq!(rule(p, IndicatorId::OpenHoursShare).min_hours, Some(8.0), "{p}");
    }
    let r = rule("hunan-2022", IndicatorId::ElderlyHealthAdjacency);
    assert_eq!((r.distance_m, r.near_ids()), (Some(100.0), vec![s("clinic"), s("health_center")]));
    let r = rule("tianjin-2022", IndicatorId::SocialOrgsPerCommunity);
    assert_eq!((r.min_households, r.min_households_rural), (Some(500.0), Some(300.0)));
    assert_eq!(rule("shanghai-pudong-2023", IndicatorId::ElderlyCircle1n).category_ids(), [s("elderly_home")]);
    // Hunan's 43 m² carries the note on "per 100 residents" vs households (standards.md §4).
    let r = rule("hunan-2022", IndicatorId::ServiceAreaPer100Households);
    let note = r.note.unwrap_or_default();
    assert!(note.contains("per 100 residents") && note.contains("41.1"), "{note}");
    // Numbers that only the notes can carry are not dropped.
    let note = rule("inner-mongolia-13th", IndicatorId::ServiceAreaTotal).note.unwrap_or_default();
    assert!(note.contains("500"), "{note}");
    let note = rule("tianjin-2022", IndicatorId::MarketCoverage).note.unwrap_or_default();
    assert!(note.contains("central district"), "{note}");
    assert!(built_in_text("national-2021").unwrap().contains("≥ 10 % of the floor area of new residential"));
}

fn s(x: &str) -> String {
    x.to_owned()
}

#[test]
fn inherited_and_overridden_rules_are_told_apart() {
    let hunan = StandardProfile::built_in("hunan-2022").unwrap();
    assert_eq!(hunan.indicator_origin(IndicatorId::ElderlyLandPerCapita), Origin::Inherited);
    assert_eq!(hunan.indicator_origin(IndicatorId::WorkersPer10k), Origin::Own);
    let shandong = StandardProfile::built_in("shandong-rural-2015").unwrap();
    assert_eq!(shandong.indicator_origin(IndicatorId::ElderlyLandPerCapita), Origin::Overridden);
    let gb = StandardProfile::built_in("gb50180-2018").unwrap();
    assert_eq!(gb.indicator_origin(IndicatorId::ElderlyLandPerCapita), Origin::Own);
    assert_eq!(gb.category_origin("clinic"), Origin::Own);
}

#[test]
fn a_user_profile_extends_hunan_and_overrides_one_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changsha.toml");
    std::fs::write(
        &path,
        "id = \"changsha\"\nextends = \"hunan-2022\"\nname_en = \"Changsha\"\n\
         [[indicators]]\nid = \"workers_per_10k\"\ntarget = 20\nsource = \"Changsha plan §4\"\n",
    )
    .unwrap();
    let p = StandardProfile::from_toml_file(&path).unwrap();
    let hunan = StandardProfile::built_in("hunan-2022").unwrap();
    assert_eq!((p.id.as_str(), p.extends.as_deref()), ("changsha", Some("hunan-2022")));
    assert_eq!(p.indicators.len(), hunan.indicators.len());
    for (mine, theirs) in p.indicators.iter().zip(&hunan.indicators) {
        if mine.id == IndicatorId::WorkersPer10k {
            assert_eq!((mine.target, mine.source.as_str()), (20.0, "Changsha plan §4"));
            assert_eq!(
                (&mine.name_zh, mine.applies_to, &mine.unit),
                (&theirs.name_zh, theirs.applies_to, &theirs.unit)
            );
            assert_eq!(p.indicator_origin(mine.id), Origin::Overridden);
        } else {
            assert_eq!(mine, theirs, "{} is kept", mine.id.as_str());
            assert_eq!(p.indicator_origin(mine.id), Origin::Inherited);
        }
    }
    assert_eq!(p.categories, hunan.categories);
    assert_eq!(p.indicator(IndicatorId::ServiceAreaPer100Households).map(|r| r.target), Some(43.0));
}

//! The report's two languages: every fixed label in Chinese and English, and numbers formatted
//! the way each language writes them. Category, tier-free indicator and profile names come from
//! the profile itself (its `name_zh` / `name_en`), never from here.

use std::fmt::Write as _;

use crate::analysis::indicators::{Denominator, FacilityField, Note};
use crate::standards::AppliesTo;

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Lang {
    /// Simplified Chinese (`--lang zh`).
    #[default]
    #[cfg_attr(
        feature = "cli",
        value(alias = "zh-cn", alias = "zh-hans", alias = "cn", alias = "chinese", alias = "中文")
    )]
    Zh,
    /// English (`--lang en`).
    #[cfg_attr(feature = "cli", value(alias = "en-gb", alias = "en-us", alias = "english"))]
    En,
}

impl Lang {
    /// Parses `zh` / `en` (also `zh-CN`, `cn`, `english`...).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "cn" | "chinese" | "中文" => Some(Lang::Zh),
            "en" | "en-gb" | "en-us" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The HTML `lang` attribute.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A fixed label by key; the key itself when unknown (a bug caught by the tests).
    pub fn t(self, key: &'static str) -> &'static str {
        match LABELS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => self.pick(zh, en),
            None => key,
        }
    }

    /// Why an indicator was not assessed, in this language (English: the sentence of
    /// `<indicator>_note`). `category` names a category id in this language (the profile's
    /// `name_zh`); Chinese sentences list the subject categories by those names.
    pub fn note(self, note: &Note, category: &dyn Fn(&str) -> String) -> String {
        if self == Lang::En {
            return note.to_string();
        }
        let names = |ids: &str| ids.split(", ").map(category).collect::<Vec<_>>().join("、");
        // "社区服务站设施", but not "养老服务设施设施".
        let facilities = |ids: &str| {
            let n = names(ids);
            if n.ends_with("设施") { n } else { n + "设施" }
        };
        let field = |f: FacilityField| match f {
            FacilityField::LandArea => "用地面积（land_area_m2 或面状几何）",
            FacilityField::FloorArea => "建筑面积（floor_area_m2）",
            FacilityField::ActivityArea => "活动用房面积（activity_area_m2）",
            FacilityField::OfficeArea => "办公用房面积（office_area_m2）",
            FacilityField::VolunteerStation => "志愿服务站信息",
            FacilityField::HealthFacility => "医疗卫生设施信息",
            FacilityField::OpenHours => "开放时长（open_hours）",
        };
        match note {
            Note::NotApplicable { applies_to, rural } => {
                let scope = match applies_to {
                    AppliesTo::Rural => "农村",
                    AppliesTo::Urban => "城镇",
                    AppliesTo::All => "全部",
                };
                let kind = if *rural { "农村" } else { "城镇（或未注明）" };
                format!("仅适用于{scope}区域；本区域为{kind}")
            }
            Note::MissingZoneAttribute { attribute } => format!("本区域缺少 {attribute} 属性"),
            Note::NoDenominator { per } => {
                let what = match per {
                    Denominator::Residents => "常住人口",
                    Denominator::Households => "住户",
                    Denominator::FacilityFloorArea => "设施建筑面积",
                };
                format!("本区域没有{what}")
            }
            Note::FacilitiesLackField { missing, count, categories, field: f } => {
                format!("{count} 处{}中有 {missing} 处缺少{}", facilities(categories), field(*f))
            }
            Note::NoFacility { categories } => format!("本区域没有{}", facilities(categories)),
            Note::BelowHouseholdThreshold { min, households } => {
                format!("该规则适用于 {min} 户及以上；本区域为 {households} 户")
            }
            Note::NoRadius { categories } => format!("{}在本标准中没有服务半径", names(categories)),
        }
    }

    /// A count of whole things: `12,345` in English; in Chinese `12345`, and `1.23万` from
    /// 100,000 up (the way Chinese planning documents write large counts).
    pub fn count(self, n: f64) -> String {
        let n = n.round();
        match self {
            Lang::Zh if n.abs() >= 100_000.0 => format!("{}万", trim_zeros(&format!("{:.2}", n / 10_000.0))),
            Lang::Zh => format!("{n:.0}"),
            Lang::En => group_thousands(&format!("{n:.0}")),
        }
    }

    /// A measured value with up to `decimals` decimals (trailing zeros dropped), grouped in
    /// thousands in English.
    pub fn number(self, x: f64, decimals: usize) -> String {
        let text = trim_zeros(&format!("{x:.decimals$}"));
        match self {
            Lang::Zh => text,
            Lang::En => group_thousands(&text),
        }
    }

    /// A share 0–1 as a percentage with one decimal: `79.7%`.
    pub fn percent(self, share: f64) -> String {
        format!("{}%", trim_zeros(&format!("{:.1}", share * 100.0)))
    }

    /// A distance in metres: `300 m` / `1.5 km`, `300米` / `1.5千米`.
    pub fn metres(self, m: f64) -> String {
        match (self, m >= 1000.0) {
            (Lang::En, false) => format!("{} m", self.number(m, 0)),
            (Lang::En, true) => format!("{} km", self.number(m / 1000.0, 2)),
            (Lang::Zh, false) => format!("{}米", self.number(m, 0)),
            (Lang::Zh, true) => format!("{}千米", self.number(m / 1000.0, 2)),
        }
    }

    /// An area in square metres, in hectares from 1 ha up.
    pub fn area(self, m2: f64) -> String {
        match (self, m2 >= 10_000.0) {
            (Lang::En, false) => format!("{} m²", self.number(m2, 0)),
            (Lang::En, true) => format!("{} ha", self.number(m2 / 10_000.0, 1)),
            (Lang::Zh, false) => format!("{}平方米", self.number(m2, 0)),
            (Lang::Zh, true) => format!("{}公顷", self.number(m2 / 10_000.0, 1)),
        }
    }

    /// A tier id (`5min`, `10min`, `15min`, `block`) as a phrase.
    pub fn tier(self, id: &str) -> String {
        match (self, id) {
            (Lang::Zh, "block") => "居住街坊".into(),
            (Lang::En, "block") => "Residential block".into(),
            (_, id) => match id.strip_suffix("min") {
                Some(m) => match self {
                    Lang::Zh => format!("{m}分钟生活圈"),
                    Lang::En => format!("{m}-minute life circle"),
                },
                None => id.to_owned(),
            },
        }
    }

    /// "a, b and c" / "a、b和c".
    pub fn join(self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => match self {
                Lang::Zh => format!("{}和{last}", init.join("、")),
                Lang::En => format!("{} and {last}", init.join(", ")),
            },
        }
    }
}

/// `1234567.5` → `1,234,567.5`.
fn group_thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.find('.') {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, ""),
    };
    let mut out = String::from(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let _ = write!(out, "{frac}");
    out
}

/// `12.50` → `12.5`, `3.00` → `3`.
fn trim_zeros(text: &str) -> String {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text.to_owned() }
}

/// Every fixed label: key, Chinese, English.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "社区生活圈缺口报告", "Community life-circle gap report"),
    ("map_title", "生活圈缺口地图", "Life-circle gap map"),
    ("key_figures", "主要数字", "Key figures"),
    ("residences", "居住点", "Residences"),
    ("households", "户数", "Households"),
    ("population", "人口", "Population"),
    ("facilities", "设施", "Facilities"),
    ("zones", "分区", "Zones"),
    ("complete", "生活圈完整的住户比例", "Households with a complete life circle"),
    ("map", "地图", "Map"),
    ("category", "类别", "Category"),
    ("all_categories", "全部类别(缺失类别数)", "All categories (number missing)"),
    ("legend", "图例", "Legend"),
    ("zone_pass", "分区:指标全部通过", "Zone: every indicator passes"),
    ("zone_fail", "分区:有指标未通过", "Zone: an indicator fails"),
    ("zone_na", "分区:未评估", "Zone: not assessed"),
    ("res_missing", "居住点:缺失必需类别数", "Residences: required categories missing"),
    ("cells_missing", "网格:平均缺失类别数", "Cells: mean categories missing"),
    ("res_covered", "已覆盖", "Covered"),
    ("res_uncovered", "未覆盖", "Not covered"),
    ("cells_uncovered", "网格:未覆盖住户比例", "Cells: share of households not covered"),
    ("gap_area", "缺口区域(编号见表)", "Gap area (number as in the table)"),
    ("largest_gap_area", "最大缺口区域(编号见表)", "Largest gap areas (numbers as in the table)"),
    ("facilities_by_category", "设施(按类别)", "Facilities by category"),
    ("north", "北", "N"),
    ("data", "数据", "Data"),
    ("coverage", "各类设施覆盖率", "Coverage by category"),
    ("coverage_note", "按住户与人口计的覆盖比例", "Share of households and residents covered"),
    ("hh_covered", "住户覆盖率", "Households covered"),
    ("pop_covered", "人口覆盖率", "Population covered"),
    ("network", "沿步行网络", "along the walking network"),
    ("straight", "直线距离", "straight line"),
    ("not_judged", "不判定(无服务半径)", "not judged (no radius)"),
    ("indicators", "分区指标", "Zone indicators"),
    ("zone", "分区", "Zone"),
    ("indicator", "指标", "Indicator"),
    ("value", "数值", "Value"),
    ("target", "目标", "Target"),
    ("verdict", "结论", "Verdict"),
    ("source", "来源", "Source"),
    ("pass", "通过", "pass"),
    ("fail", "未通过", "fail"),
    ("not_assessed", "未评估", "not assessed"),
    ("no_indicators", "该标准未规定分区指标。", "The profile sets no zone indicators."),
    ("filter_zones", "筛选分区", "Filter zones"),
    ("sources", "指标来源", "Sources of the indicators"),
    ("largest_gaps", "最大缺口区域", "Largest gap areas"),
    ("rank", "编号", "No."),
    ("area", "面积", "Area"),
    ("cells", "网格数", "Cells"),
    (
        "no_gaps",
        "没有缺口区域:每个判定类别都覆盖了全部住户。",
        "No gap areas: every judged category covers every household.",
    ),
    ("methods", "方法与数据", "Methods and data"),
    ("profile", "标准", "Standard profile"),
    ("distance_model", "距离模型", "Distance model"),
    ("euclidean_model", "直线距离(半径除以绕行系数)", "straight line (radii divided by the detour factor)"),
    ("network_model", "沿步行网络的步行距离", "walking distance along the network"),
    ("detour", "绕行系数", "Detour factor"),
    ("judge", "判定依据", "Judged by"),
    ("judge_metres", "服务半径(米)", "radius (metres)"),
    ("judge_minutes", "步行时间(分钟)", "walking time (minutes)"),
    ("speeds", "步行速度", "Walking speeds"),
    ("speed_all", "一般人群", "everyone"),
    ("speed_elderly", "老年人", "the elderly"),
    ("radii", "各类设施服务半径", "Radius of each category"),
    ("tier", "层级", "Tier"),
    ("radius", "半径", "Radius"),
    ("walk_radius", "判定距离", "Judged within"),
    ("required", "必需", "Required"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("inputs", "输入数据", "Input data"),
    ("file", "文件", "File"),
    ("features", "要素数", "Features"),
    ("crs", "坐标系", "CRS"),
    ("dropped", "剔除与不可达", "Dropped and unreachable"),
    ("unknown_categories", "类别无法识别而跳过的设施", "Services skipped for an unknown category"),
    ("unreachable_res", "距步行网络过远(不可达)的居住点", "Residences too far from the network (unreachable)"),
    ("unreachable_fac", "距步行网络过远(不可达)的设施", "Facilities too far from the network (unreachable)"),
    ("components_dropped", "被剔除的小连通分量(节点/边)", "Small network components dropped (nodes / edges)"),
    ("not_walkable", "禁止步行而跳过的路段", "Network lines skipped as not walkable"),
    ("unassigned_res", "不在任何分区内的居住点", "Residences in no zone"),
    ("unassigned_fac", "不在任何分区内的设施", "Facilities in no zone"),
    ("overlaps", "分区重叠", "Overlapping zones"),
    ("nothing_dropped", "无", "none"),
    ("zones_source", "分区来源", "Zones"),
    ("zones_layer", "分区图层", "zones layer"),
    ("zones_grid", "规则网格", "regular grid"),
    ("zones_study_area", "整个研究范围作为一个分区", "the whole study area as one zone"),
    ("gap_cells", "缺口网格", "Gap cells"),
    ("drawn_points", "地图逐点绘制全部居住点。", "The map draws every residence as a point."),
    (
        "drawn_cells",
        "居住点多于绘制上限,地图按网格聚合显示(网格边长见下)。",
        "There are more residences than the map draws one by one: it shows them aggregated to cells (side below).",
    ),
    ("point_limit", "逐点绘制上限", "Residences drawn one by one up to"),
    ("cell_side", "聚合网格边长", "Aggregation cell side"),
    ("local_projection", "量算投影", "Measured in"),
    ("out_crs", "输出坐标系", "Output CRS"),
    ("attribution", "数据来源与版权", "Data sources and credits"),
    ("generated_by", "由 lifecircle 生成", "Made with lifecircle"),
    ("elderly_land", "老年人人均养老设施用地(2SFCA)", "Elderly-care land per resident (2SFCA)"),
    ("gap_areas_shown", "仅显示每类最大的若干缺口区域", "Only the largest gap areas of each category are drawn"),
    ("unit_households", "户", "households"),
    ("unit_people", "人", "residents"),
    (
        "category_has_no_radius",
        "该类别没有服务半径,不判定覆盖。",
        "This category has no radius: coverage is not judged.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::En.count(1234567.0), "1,234,567");
        assert_eq!(Lang::Zh.count(1234567.0), "123.46万");
        assert_eq!(Lang::Zh.count(6090.0), "6090");
        assert_eq!(Lang::En.count(999.0), "999");
        assert_eq!(Lang::En.number(11650.8, 1), "11,650.8");
        assert_eq!(Lang::En.number(-1234.5, 1), "-1,234.5");
        assert_eq!(Lang::Zh.number(11650.8, 1), "11650.8");
        assert_eq!(Lang::En.percent(0.797209), "79.7%");
        assert_eq!(Lang::En.percent(1.0), "100%");
        assert_eq!(Lang::Zh.metres(300.0), "300米");
        assert_eq!(Lang::En.metres(1500.0), "1.5 km");
        assert_eq!(Lang::En.area(1_000_000.0), "100 ha");
        assert_eq!(Lang::Zh.tier("15min"), "15分钟生活圈");
        assert_eq!(Lang::En.tier("block"), "Residential block");
        assert_eq!(Lang::En.join(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(Lang::Zh.join(&["甲".into(), "乙".into()]), "甲和乙");
    }

    #[test]
    fn notes_read_in_chinese_with_the_profile_names_and_in_english_as_written() {
        let note = Note::FacilitiesLackField {
            missing: 2,
            count: 3,
            categories: "community_service, elderly_care".into(),
            field: FacilityField::FloorArea,
        };
        let zh_name = |id: &str| if id == "elderly_care" { "养老服务设施".to_owned() } else { id.to_owned() };
        assert_eq!(
            Lang::Zh.note(&note, &zh_name),
            "3 处community_service、养老服务设施中有 2 处缺少建筑面积（floor_area_m2）"
        );
        assert_eq!(Lang::En.note(&note, &zh_name), note.to_string());
        let outside = Note::NotApplicable { applies_to: AppliesTo::Urban, rural: true };
        assert_eq!(Lang::Zh.note(&outside, &zh_name), "仅适用于城镇区域；本区域为农村");
        let few = Note::BelowHouseholdThreshold { min: 1000.0, households: 812.5 };
        assert!(Lang::Zh.note(&few, &zh_name).contains("1000 户"), "{}", Lang::Zh.note(&few, &zh_name));
    }

    #[test]
    fn every_label_has_both_languages_and_keys_are_unique() {
        let mut keys = std::collections::HashSet::new();
        for (k, zh, en) in LABELS {
            assert!(keys.insert(k), "duplicate label key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
            assert!(zh.chars().any(|c| c as u32 >= 0x3000) || zh == en, "{k}: Chinese label without Chinese");
            assert!(en.is_ascii(), "{k}: English label with non-ASCII text");
        }
    }
}

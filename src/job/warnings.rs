//! The warnings of a run: what the library found that the caller should be told (points the
//! network cannot reach, overlapping zones, points in no zone, unknown categories, repaired
//! polygons, files of earlier runs, characters the map cannot draw). Each is typed, with its
//! data; its `Display` is the English sentence the command line prints after `warning: `.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::analysis::Summary;
use crate::analysis::indicators::Overlap;
use crate::io::load::RepairedGeometry;

/// How many ids or files a warning names before "and N more".
const SHOWN: usize = 10;

/// Something a run found that the caller should be told.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Characters map.png draws as boxes because no font has them (the message names them).
    MissingGlyphs(String),
    /// Files of an earlier run still in the output folder that this run did not write.
    StaleFiles(Vec<PathBuf>),
    /// Residences farther than `max_snap_m` from the network: their walking distances are null.
    UnreachableResidences {
        /// Their ids, in input order.
        ids: Vec<String>,
        /// The snapping limit, metres (`--max-snap`).
        max_snap_m: f64,
    },
    /// Facilities farther than `max_snap_m` from the network: they serve no one.
    UnreachableFacilities {
        /// Their ids, in input order.
        ids: Vec<String>,
        /// The snapping limit, metres (`--max-snap`).
        max_snap_m: f64,
    },
    /// Two zones overlap: the points inside both were assigned to the first.
    ZoneOverlap(Overlap),
    /// Residences in no zone.
    UnassignedResidences {
        /// How many.
        count: usize,
        /// The first of their ids (summary.json lists up to 100).
        ids: Vec<String>,
    },
    /// Facilities in no zone.
    UnassignedFacilities {
        /// How many.
        count: usize,
        /// The first of their ids.
        ids: Vec<String>,
    },
    /// Services whose category is not in the profile were skipped.
    UnknownCategories {
        /// The services layer.
        services: PathBuf,
        /// Each unknown category with its count.
        counts: BTreeMap<String, usize>,
        /// The profile's id (for `lifecircle standards show`).
        standard: String,
    },
    /// Invalid polygons of one layer were repaired as they were read.
    RepairedGeometries {
        /// The layer's file.
        layer: String,
        /// The repaired features, in input order.
        features: Vec<RepairedGeometry>,
    },
}

/// The first [`SHOWN`] of `items` joined with ", ", and " and N more" beyond them.
fn first_few(items: impl ExactSizeIterator<Item = String>, count: usize) -> String {
    let shown: Vec<String> = items.take(SHOWN).collect();
    let more = if count > SHOWN { format!(" and {} more", count - SHOWN) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// The file names of `files`, the first ten named.
pub fn file_list(files: &[PathBuf]) -> String {
    let names = files.iter().map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned());
    first_few(names, files.len())
}

impl Warning {
    /// The warning about files of an earlier run, when there are any.
    pub fn stale_files(stale: &[PathBuf]) -> Option<Warning> {
        (!stale.is_empty()).then(|| Warning::StaleFiles(stale.to_vec()))
    }

    /// The warnings a summary holds, in the order the command line prints them: unreachable
    /// residences and facilities, overlapping zones, residences and facilities in no zone,
    /// unknown categories (of the services layer `services`), repaired polygons per layer.
    pub fn of_summary(summary: &Summary, services: &Path) -> Vec<Warning> {
        let mut out = Vec::new();
        if let Some(n) = &summary.network {
            let max_snap_m = n.max_snap_m;
            if !n.unreachable_residence_ids.is_empty() {
                out.push(Warning::UnreachableResidences { ids: n.unreachable_residence_ids.clone(), max_snap_m });
            }
            if !n.unreachable_facility_ids.is_empty() {
                out.push(Warning::UnreachableFacilities { ids: n.unreachable_facility_ids.clone(), max_snap_m });
            }
        }
        if let Some(z) = &summary.zones {
            out.extend(z.overlaps.iter().cloned().map(Warning::ZoneOverlap));
            if z.residences_unassigned > 0 {
                let ids = z.unassigned_residence_ids.iter().take(SHOWN).cloned().collect();
                out.push(Warning::UnassignedResidences { count: z.residences_unassigned, ids });
            }
            if z.facilities_unassigned > 0 {
                let ids = z.unassigned_facility_ids.iter().take(SHOWN).cloned().collect();
                out.push(Warning::UnassignedFacilities { count: z.facilities_unassigned, ids });
            }
        }
        if !summary.unknown_categories.is_empty() {
            out.push(Warning::UnknownCategories {
                services: services.to_path_buf(),
                counts: summary.unknown_categories.clone(),
                standard: summary.standard.clone(),
            });
        }
        for of_layer in summary.repaired_geometries.chunk_by(|a, b| a.layer == b.layer) {
            out.push(Warning::RepairedGeometries { layer: of_layer[0].layer.clone(), features: of_layer.to_vec() });
        }
        out
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unreachable = |f: &mut fmt::Formatter<'_>, ids: &[String], what: [&str; 2], max_snap_m: f64, then: &str| {
            let what = if ids.len() == 1 { what[0] } else { what[1] };
            write!(
                f,
                "{} {what} more than {max_snap_m} m from the network (--max-snap): {then}: {}",
                ids.len(),
                first_few(ids.iter().cloned(), ids.len())
            )
        };
        match self {
            Warning::MissingGlyphs(message) => f.write_str(message),
            Warning::StaleFiles(files) => write!(
                f,
                "{} files of an earlier run are still in the output folder but were not written by this run: {} (--clean removes them)",
                files.len(),
                file_list(files)
            ),
            Warning::UnreachableResidences { ids, max_snap_m } => unreachable(
                f,
                ids,
                ["residence is", "residences are"],
                *max_snap_m,
                "walking distances are null (listed in summary.json)",
            ),
            Warning::UnreachableFacilities { ids, max_snap_m } => {
                unreachable(f, ids, ["facility is", "facilities are"], *max_snap_m, "they serve no one")
            }
            Warning::ZoneOverlap(o) => write!(
                f,
                "zones '{}' and '{}' overlap: {} residences/facilities lie inside both (assigned to '{}', the first in file order)",
                o.zone, o.other, o.points, o.zone
            ),
            Warning::UnassignedResidences { count, ids } => write!(
                f,
                "{count} residences lie in no zone (listed in summary.json): {}",
                first_few(ids.iter().cloned(), *count)
            ),
            Warning::UnassignedFacilities { count, ids } => write!(
                f,
                "{count} facilities lie in no zone (listed in summary.json): {}",
                first_few(ids.iter().cloned(), *count)
            ),
            Warning::UnknownCategories { services, counts, standard } => {
                let total: usize = counts.values().sum();
                let list: Vec<String> = counts.iter().map(|(k, n)| format!("'{k}' ×{n}")).collect();
                write!(
                    f,
                    "{}: {total} services with unknown categories were skipped: {} (--strict makes this an error; see `lifecircle standards show {standard}`)",
                    services.display(),
                    list.join(", ")
                )
            }
            Warning::RepairedGeometries { layer, features } => {
                let shown: Vec<String> = features
                    .iter()
                    .take(SHOWN)
                    .map(|x| format!("feature {} (id '{}'): {}", x.feature, x.id, x.problem))
                    .collect();
                let more = if features.len() > SHOWN {
                    format!("; and {} more", features.len() - SHOWN)
                } else {
                    String::new()
                };
                let what = if features.len() == 1 { "polygon was" } else { "polygons were" };
                write!(
                    f,
                    "{layer}: {} invalid {what} repaired as read (listed in summary.json's repaired_geometries): {}{more}",
                    features.len(),
                    shown.join("; ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_name_ten_and_count_the_rest() {
        let ids: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
        let w = Warning::UnreachableResidences { ids, max_snap_m: 200.0 };
        assert_eq!(
            w.to_string(),
            "12 residences are more than 200 m from the network (--max-snap): walking distances are null (listed in summary.json): r0, r1, r2, r3, r4, r5, r6, r7, r8, r9 and 2 more"
        );
        let one = Warning::UnreachableFacilities { ids: vec!["f".into()], max_snap_m: 50.5 };
        assert_eq!(
            one.to_string(),
            "1 facility is more than 50.5 m from the network (--max-snap): they serve no one: f"
        );
        let z = Warning::UnassignedResidences { count: 11, ids: (0..10).map(|i| i.to_string()).collect() };
        assert!(z.to_string().ends_with("0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more"), "{z}");
    }
}

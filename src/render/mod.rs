//! Output meant for people: the summary table printed after an analysis and the profile listings
//! (shares are fractions in files; here they are shown as percentages), and [`png`], which
//! rasterises a map SVG with the embedded CJK font.

pub mod png;
mod table;

pub use table::{profile_list, profile_table, summary_table};

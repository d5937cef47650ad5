//! Text meant for people: the summary table printed after an analysis and the profile listings.
//! (Shares are fractions in files; here they are shown as percentages.)

mod table;

pub use table::{profile_list, profile_table, summary_table};

//! Plane geometry shared by the analysis and the network: the one Hilbert curve and the one
//! point-in-ring test of the crate.

pub mod hilbert;
pub mod ring;

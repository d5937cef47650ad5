//! lifecircle's integration tests, one test binary (one link step instead of one per file).
//! Each module runs the built `lifecircle` binary or the library on the repository's data:
//!
//! - `cli`: `analyze` and `standards` on the sample and the fixtures; its submodules `network`,
//!   `zones` (and gaps) and `report`;
//! - `bad_inputs`: the broken-file corpus in `tests/bad_inputs/` (status 2, nothing written);
//! - `golden`: the sample's outputs byte for byte against `tests/golden/` (regenerate with
//!   `LIFECIRCLE_BLESS=1 cargo test --release --test it golden::`);
//! - `import_osm`: `import-osm` on the bundled Helsinki PBF and the `.osm` XML fixture;
//! - `network_osm`: walking-network distances against an independent Dijkstra;
//! - `outputs`: the output folder's guarantees (no input replaced, locks, stale files);
//! - (the proptest oracles are unit tests of the crate: `src/properties_tests.rs`);
//! - `common`: the helpers they share (the binary, paths, temporary folders, reading outputs).
//!
//! Run one module with `cargo test --release --test it <module>::`.

mod common;

mod bad_inputs;
mod cli;
mod golden;
mod import_osm;
mod network_osm;
mod outputs;

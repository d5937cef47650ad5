//! Fuzz target `prj`: the invariants live in `lifecircle::fuzzing::prj` (src/fuzzing.rs), which
//! `cargo test` also runs on every seed and regression file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lifecircle::fuzzing::prj(data));

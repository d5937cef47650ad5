//! Time and peak memory of the readers on hostile inputs (issue 12, items 2 and 3).
//!
//! ```text
//! cargo run --release --example reader_bounds [-- --threads 4] [--case shp-300k-parts] [--dir DIR]
//! ```
//!
//! Builds each hostile input in a temporary folder, then reads it in a child process of its own
//! (so that each peak-memory figure — Linux `VmHWM` from `/proc/self/status` — is its own) and
//! prints, per case: the input's size, the outcome (the error message, or what was read), the
//! wall time, the CPU time and the peak resident memory. The cases:
//!
//! - `pbf-empty-ways`: a 4-block `.osm.pbf` of about 120 KB whose zlib blocks each inflate to
//!   31 MiB of empty ways (4 bytes each on the wire; the protobuf decoder makes a 100-byte
//!   struct of each);
//! - `pbf-dense-zeros`: one block of 31 MiB of zero deltas in dense-node arrays;
//! - `pbf-datasize`: a blob header claiming 2 GB of data in a 200-byte file;
//! - `pbf-negative-datasize`: a blob header claiming -1 bytes;
//! - `pbf-zlib-bomb`: a blob declaring a raw_size of 1 KiB whose data inflates to 31 MiB;
//! - `pbf-out-of-range`: a node at latitude 95;
//! - `shp-300k-parts`: one shapefile polygon of 300,000 parts (rings): 150,000 disjoint
//!   squares, each with a hole;
//! - `shp-claimed-parts`: a polygon record declaring 2^31 points in 60 bytes;
//! - `shx-claimed-length`: a `.shx` whose header claims 4 GB;
//! - `dbf-claimed-records`: a `.dbf` claiming 4 billion records of 65,535 bytes.
//!
//! `--threads` sets the child's rayon pool (default: all cores), to check that memory does not
//! follow the thread count; `--case` runs one case. Times are wall-clock: on a busy machine,
//! run it more than once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use flate2::Compression;
use flate2::write::ZlibEncoder;

// ------------------------------------------------------------------------------------------
// Protobuf and PBF framing
// ------------------------------------------------------------------------------------------

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u64, wire: u64) {
    varint(out, field << 3 | wire);
}

fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    key(out, field, 0);
    varint(out, v);
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

/// A frame: header (type, datasize) then the blob message as given.
fn frame(out: &mut Vec<u8>, kind: &str, blob: &[u8], datasize: Option<i64>) {
    let mut header = Vec::new();
    bytes_field(&mut header, 1, kind.as_bytes());
    varint_field(&mut header, 3, datasize.unwrap_or(blob.len() as i64) as u64);
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(blob);
}

fn raw_blob(block: &[u8]) -> Vec<u8> {
    let mut blob = Vec::new();
    bytes_field(&mut blob, 1, block);
    varint_field(&mut blob, 2, block.len() as u64);
    blob
}

fn zlib_blob(block: &[u8], raw_size: u64) -> Vec<u8> {
    let mut blob = Vec::new();
    varint_field(&mut blob, 2, raw_size);
    bytes_field(&mut blob, 3, &zlib(block));
    blob
}

/// The OSMHeader frame every file starts with (an empty HeaderBlock).
fn header_frame(out: &mut Vec<u8>) {
    frame(out, "OSMHeader", &raw_blob(&[]), None);
}

/// A PrimitiveBlock of one group holding `group` (its fields), with an empty string table.
fn block(group: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    bytes_field(&mut b, 1, &[]);
    bytes_field(&mut b, 2, group);
    b
}

const INFLATED: usize = 31 << 20;

fn empty_ways_group() -> Vec<u8> {
    // Way { id: 1 } = 08 01, as field 3 of the group: 1a 02 08 01.
    [0x1a, 0x02, 0x08, 0x01].repeat(INFLATED / 4 - 4)
}

fn dense_zeros_group() -> Vec<u8> {
    let n = INFLATED / 3 - 64;
    let mut dense = Vec::new();
    for field in [1, 8, 9] {
        bytes_field(&mut dense, field, &vec![0u8; n]);
    }
    let mut group = Vec::new();
    bytes_field(&mut group, 2, &dense);
    group
}

fn pbf_file(dir: &Path, name: &str, write: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut out = Vec::new();
    write(&mut out);
    let path = dir.join(name);
    std::fs::write(&path, out).expect("temp dir");
    path
}

// ------------------------------------------------------------------------------------------
// Shapefiles
// ------------------------------------------------------------------------------------------

fn shp_header(out: &mut Vec<u8>, file_len_words: u32, shape_type: i32, bbox: [f64; 4]) {
    out.extend_from_slice(&9994i32.to_be_bytes());
    out.extend_from_slice(&[0u8; 20]);
    out.extend_from_slice(&file_len_words.to_be_bytes());
    out.extend_from_slice(&1000i32.to_le_bytes());
    out.extend_from_slice(&shape_type.to_le_bytes());
    for v in bbox {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&[0u8; 32]);
}

/// Writes `name`.shp/.shx/.dbf with the given polygon record contents (one field `id`).
fn polygon_shapefile(dir: &Path, name: &str, records: &[Vec<u8>]) -> PathBuf {
    let shp_len: usize = 100 + records.iter().map(|r| 8 + r.len()).sum::<usize>();
    let mut shp = Vec::with_capacity(shp_len);
    shp_header(&mut shp, (shp_len / 2) as u32, 5, [0.0, 0.0, 1.0, 1.0]);
    let mut shx = Vec::new();
    shp_header(&mut shx, ((100 + 8 * records.len()) / 2) as u32, 5, [0.0, 0.0, 1.0, 1.0]);
    for (i, r) in records.iter().enumerate() {
        shx.extend_from_slice(&((shp.len() / 2) as i32).to_be_bytes());
        shx.extend_from_slice(&((r.len() / 2) as i32).to_be_bytes());
        shp.extend_from_slice(&(i as i32 + 1).to_be_bytes());
        shp.extend_from_slice(&((r.len() / 2) as i32).to_be_bytes());
        shp.extend_from_slice(r);
    }
    let path = dir.join(format!("{name}.shp"));
    std::fs::write(&path, shp).expect("temp dir");
    std::fs::write(path.with_extension("shx"), shx).expect("temp dir");
    std::fs::write(path.with_extension("dbf"), dbf(records.len() as u32, records.len())).expect("temp dir");
    path
}

/// A .dbf of one numeric field `id` (width 4) claiming `claimed` records and holding `held`.
fn dbf(claimed: u32, held: usize) -> Vec<u8> {
    let mut d = vec![0x03, 70, 1, 1];
    d.extend_from_slice(&claimed.to_le_bytes());
    d.extend_from_slice(&65u16.to_le_bytes());
    d.extend_from_slice(&5u16.to_le_bytes());
    d.extend_from_slice(&[0u8; 20]);
    let mut field = [0u8; 32];
    field[..2].copy_from_slice(b"id");
    field[11] = b'N';
    field[16] = 4;
    d.extend_from_slice(&field);
    d.push(0x0D);
    for i in 0..held {
        d.push(b' ');
        d.extend_from_slice(format!("{:>4}", i % 10_000).as_bytes());
    }
    d.push(0x1A);
    d
}

/// A polygon record of `rings` (closed).
fn polygon_record(rings: &[Vec<[f64; 2]>]) -> Vec<u8> {
    let points: usize = rings.iter().map(Vec::len).sum();
    let mut r = Vec::with_capacity(44 + 4 * rings.len() + 16 * points);
    r.extend_from_slice(&5i32.to_le_bytes());
    for v in [0.0f64, 0.0, 1.0, 1.0] {
        r.extend_from_slice(&v.to_le_bytes());
    }
    r.extend_from_slice(&(rings.len() as i32).to_le_bytes());
    r.extend_from_slice(&(points as i32).to_le_bytes());
    let mut start = 0i32;
    for ring in rings {
        r.extend_from_slice(&start.to_le_bytes());
        start += ring.len() as i32;
    }
    for ring in rings {
        for p in ring {
            r.extend_from_slice(&p[0].to_le_bytes());
            r.extend_from_slice(&p[1].to_le_bytes());
        }
    }
    r
}

fn square(x: f64, y: f64, s: f64, clockwise: bool) -> Vec<[f64; 2]> {
    let ring = vec![[x, y], [x, y + s], [x + s, y + s], [x + s, y], [x, y]];
    if clockwise { ring } else { ring.into_iter().rev().collect() }
}

// ------------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------------

/// Builds the input of `case` in `dir`.
fn build(case: &str, dir: &Path) -> PathBuf {
    match case {
        "pbf-empty-ways" => pbf_file(dir, "ways.osm.pbf", |out| {
            header_frame(out);
            let b = block(&empty_ways_group());
            for _ in 0..4 {
                frame(out, "OSMData", &zlib_blob(&b, b.len() as u64), None);
            }
        }),
        "pbf-dense-zeros" => pbf_file(dir, "dense.osm.pbf", |out| {
            header_frame(out);
            let b = block(&dense_zeros_group());
            frame(out, "OSMData", &zlib_blob(&b, b.len() as u64), None);
        }),
        "pbf-datasize" => pbf_file(dir, "datasize.osm.pbf", |out| {
            header_frame(out);
            frame(out, "OSMData", &raw_blob(&block(&[])), Some(2_000_000_000));
        }),
        "pbf-negative-datasize" => pbf_file(dir, "negative.osm.pbf", |out| {
            header_frame(out);
            frame(out, "OSMData", &raw_blob(&block(&[])), Some(-1));
        }),
        "pbf-zlib-bomb" => pbf_file(dir, "bomb.osm.pbf", |out| {
            header_frame(out);
            frame(out, "OSMData", &zlib_blob(&block(&empty_ways_group()), 1024), None);
        }),
        "pbf-out-of-range" => pbf_file(dir, "range.osm.pbf", |out| {
            header_frame(out);
            // Node { id: 123 (sint64 → 246), lat: 95e7 (granularity 100 ns), lon: 0 }.
            let mut node = Vec::new();
            varint_field(&mut node, 1, 246);
            varint_field(&mut node, 8, 2 * 950_000_000);
            varint_field(&mut node, 9, 0);
            let mut group = Vec::new();
            bytes_field(&mut group, 1, &node);
            frame(out, "OSMData", &raw_blob(&block(&group)), None);
        }),
        "shp-300k-parts" => {
            let mut rings = Vec::with_capacity(300_000);
            for i in 0..150_000 {
                let (x, y) = ((i % 400) as f64 * 2.0, (i / 400) as f64 * 2.0);
                rings.push(square(x, y, 1.0, true));
                rings.push(square(x + 0.25, y + 0.25, 0.5, false));
            }
            polygon_shapefile(dir, "parts", &[polygon_record(&rings)])
        }
        "shp-claimed-parts" => {
            let mut r = polygon_record(&[square(0.0, 0.0, 1.0, true)]);
            r[40..44].copy_from_slice(&i32::MAX.to_le_bytes());
            polygon_shapefile(dir, "claimed", &[r])
        }
        "shx-claimed-length" => {
            let path = polygon_shapefile(dir, "shx", &[polygon_record(&[square(0.0, 0.0, 1.0, true)])]);
            let shx = path.with_extension("shx");
            let mut bytes = std::fs::read(&shx).expect("temp dir");
            bytes[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
            std::fs::write(&shx, bytes).expect("temp dir");
            path
        }
        "dbf-claimed-records" => {
            let path = polygon_shapefile(dir, "dbf", &[polygon_record(&[square(0.0, 0.0, 1.0, true)])]);
            let mut d = dbf(u32::MAX, 1);
            d[10..12].copy_from_slice(&u16::MAX.to_le_bytes());
            std::fs::write(path.with_extension("dbf"), d).expect("temp dir");
            path
        }
        other => panic!("unknown case {other}"),
    }
}

const CASES: [&str; 10] = [
    "pbf-empty-ways",
    "pbf-dense-zeros",
    "pbf-datasize",
    "pbf-negative-datasize",
    "pbf-zlib-bomb",
    "pbf-out-of-range",
    "shp-300k-parts",
    "shp-claimed-parts",
    "shx-claimed-length",
    "dbf-claimed-records",
];

/// Peak resident memory of this process in MiB (Linux).
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time of this process so far (user + system, Linux `/proc/self/stat`, 10 ms ticks).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Child: reads `path` with the library and prints `outcome\tseconds\tcpu seconds\tpeak MiB`.
fn child(path: &Path) {
    let start = Instant::now();
    let cpu_start = cpu_seconds().unwrap_or(f64::NAN);
    let outcome = if path.extension().is_some_and(|e| e == "pbf") {
        match lifecircle::internals::read_pbf(path, &lifecircle::osm::KeepAll, &lifecircle::NoProgress) {
            Ok(osm) => format!("read: {} nodes, {} ways", osm.counts[0], osm.counts[1]),
            Err(e) => format!("error: {e}"),
        }
    } else {
        match lifecircle::internals::read_shapefile(path, None) {
            Ok(layer) => {
                let parts = layer.features.iter().filter_map(|f| f.geometry.as_ref()).map(parts).sum::<usize>();
                let problems: Vec<_> = layer.features.iter().filter_map(|f| f.geometry_problem.as_ref()).collect();
                match problems.first() {
                    Some(p) => format!("read, geometry problem: {}", p.1),
                    None => format!("read: {} features, {parts} polygons", layer.features.len()),
                }
            }
            Err(e) => format!("error: {e}"),
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu_start;
    let outcome = outcome.replace(['\t', '\n'], " ");
    println!("{outcome}\t{seconds:.3}\t{cpu:.2}\t{:.1}", peak_mib().unwrap_or(f64::NAN));
}

fn parts(g: &geo::Geometry<f64>) -> usize {
    match g {
        geo::Geometry::Polygon(_) => 1,
        geo::Geometry::MultiPolygon(mp) => mp.0.len(),
        _ => 0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(Path::new(&args[i + 1]));
        return;
    }
    let threads = args.iter().position(|a| a == "--threads").and_then(|i| args.get(i + 1)).cloned();
    // `--dir` keeps the inputs there (to feed them to other builds); a temporary folder otherwise.
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = args.iter().position(|a| a == "--dir").and_then(|i| args.get(i + 1)).map_or(temp.path(), Path::new);
    let exe = std::env::current_exe().expect("own path");
    println!("{:<22} {:>10} {:>8} {:>8} {:>9}  outcome", "case", "input", "wall s", "cpu s", "peak MiB");
    let only = args.iter().position(|a| a == "--case").and_then(|i| args.get(i + 1));
    for case in CASES.into_iter().filter(|c| only.is_none_or(|o| o == c)) {
        let case_dir = dir.join(case);
        std::fs::create_dir_all(&case_dir).expect("temp dir");
        let path = build(case, &case_dir);
        let size: u64 = std::fs::read_dir(&case_dir)
            .expect("temp dir")
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        let mut cmd = Command::new(&exe);
        cmd.arg("--child").arg(&path);
        if let Some(t) = &threads {
            cmd.env("RAYON_NUM_THREADS", t);
        }
        let out = cmd.output().expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut cols = text.trim_end().split('\t');
        let mut col = || cols.next().unwrap_or("-");
        let (outcome, seconds, cpu, peak) = (col(), col(), col(), col());
        let outcome = if out.status.success() {
            outcome.replace(&format!("{}/", case_dir.display()), "")
        } else {
            format!("child failed: {}", String::from_utf8_lossy(&out.stderr).trim())
        };
        println!("{case:<22} {:>10} {seconds:>8} {cpu:>8} {peak:>9}  {outcome}", format!("{size} B"));
    }
}

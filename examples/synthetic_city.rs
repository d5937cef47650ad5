//! Seeded synthetic city for benchmarking `lifecircle` at scale.
//!
//! ```text
//! cargo run --release --example synthetic_city -- \
//!     [--residences 1000000] [--categories 6] [--per-category 2000] [--seed 42] \
//!     [--centre 116.40,39.90] [--extent-km 30] [--grid-network 1000] --out DIR
//! ```
//!
//! Writes two RFC 7946 GeoJSON files (WGS84, Point features) into `DIR`:
//!
//! * `residences.geojson`: `id` `"r<n>"` (n from 0), `households` (integer 20–400) and
//!   `population` = households × 2.62 rounded to 0.1;
//! * `services.geojson`: `id` `"s<n>"` and `category`, `--per-category` facilities for each of
//!   the first `--categories` categories *that have a radius* of the built-in `gb50180-2018`
//!   profile, in profile order (for 6: middle_school, health_center, elderly_home,
//!   culture_center, sports_center, street_service_center), grouped by category;
//! * with `--grid-network N`, `network.geojson`: a street grid of N × N nodes over the square
//!   (spacing extent ÷ (N − 1), 30 m for N = 1,000 on 30 km) as LineStrings along its rows and
//!   columns, with [`GRID_GAP_SHARE`] (10 %) of the street segments left out at random (seeded)
//!   so that walks detour like in a real city; a row or column is split where a segment is
//!   missing.
//!
//! Output is byte-identical for the same arguments: one seeded PRNG, no hash-map iteration,
//! numbers written with fixed decimals (7 for coordinates, 1 for population) by integer
//! arithmetic. (Gaussian draws use `ln`/`sin`/`cos`, so another platform's libm could in
//! principle change the last digit of a coordinate; on one machine the output never changes.)
//! Residences depend only on `--seed`, `--residences`, `--centre` and `--extent-km`, so changing
//! the service counts leaves `residences.geojson` unchanged, and vice versa.
//!
//! ## Model
//!
//! Everything is generated in metres on a local plane around the centre and converted with an
//! equirectangular approximation (R = 6,371,008.8 m, x scaled by cos(lat₀)); over 30 km the
//! distortion (< 0.01 %) does not matter for a benchmark.
//!
//! * **Study area**: a square of side `--extent-km` (default 30 km) centred on `--centre`
//!   (default 116.40° E, 39.90° N, central Beijing). Points falling outside are redrawn.
//! * **Districts**: [`DISTRICTS`] = 40 Gaussian clusters. Centre ~ isotropic normal around the
//!   city centre with σ = extent × [`DISTRICT_CENTRE_SIGMA`] (0.18, ≈ 5.4 km), redrawn until
//!   inside the middle 80 % of the square; spread σᵢ log-uniform in
//!   [[`DISTRICT_SIGMA_MIN_M`], [`DISTRICT_SIGMA_MAX_M`]] = [400 m, 2,500 m]; weight
//!   wᵢ = exp(N(0, [`DISTRICT_WEIGHT_LOG_SIGMA`] = 0.8)) (lognormal: a few big, many small).
//!   Districts depend on `--seed` only, so residences and services share them.
//! * **Residences**: with probability [`RESIDENCE_BACKGROUND`] (0.10) uniform over the square,
//!   otherwise from district i chosen with probability wᵢ / Σw, at its centre + N(0, σᵢ²) per
//!   axis. Households = 20 + ⌊381 · u²⌋ (u uniform in [0, 1)), i.e. 20–400 skewed to small
//!   buildings (mean ≈ 147).
//! * **Services**: the same mixture with a larger uniform share [`SERVICE_BACKGROUND`] (0.25):
//!   facilities follow population, but less tightly (schools and parks sit at the edges too).
//!
//! ## PRNG
//!
//! [`Xoshiro256`] is xoshiro256** 1.0 (Blackman & Vigna, 2018, <https://prng.di.unimi.it/>),
//! 256-bit state, period 2²⁵⁶ − 1, seeded from a 64-bit seed through [`SplitMix64`] (Steele,
//! Lea & Flood, 2014) as its authors recommend. Each stream (districts, residences, services)
//! has its own generator seeded with `seed` XOR a fixed stream constant. Uniform doubles take
//! the top 53 bits; normal pairs come from the Box–Muller transform.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use lifecircle::StandardProfile;

/// Number of Gaussian districts.
pub const DISTRICTS: usize = 40;
/// District centres: σ of their normal around the city centre, as a fraction of the extent.
pub const DISTRICT_CENTRE_SIGMA: f64 = 0.18;
/// Smallest district spread σ, metres.
pub const DISTRICT_SIGMA_MIN_M: f64 = 400.0;
/// Largest district spread σ, metres.
pub const DISTRICT_SIGMA_MAX_M: f64 = 2500.0;
/// σ of ln(weight) of a district.
pub const DISTRICT_WEIGHT_LOG_SIGMA: f64 = 0.8;
/// Share of residences drawn uniformly over the whole square.
pub const RESIDENCE_BACKGROUND: f64 = 0.10;
/// Share of services drawn uniformly over the whole square.
pub const SERVICE_BACKGROUND: f64 = 0.25;
/// Persons per household used for `population` (China's 2020 census average).
pub const HOUSEHOLD_SIZE_PERCENT: u64 = 262;
/// Share of grid street segments left out of `--grid-network`.
pub const GRID_GAP_SHARE: f64 = 0.10;
/// Mean Earth radius, metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

const STREAM_DISTRICTS: u64 = 0x6469_7374_7269_6374; // "district"
const STREAM_RESIDENCES: u64 = 0x7265_7369_6465_6e63; // "residenc"
const STREAM_NETWORK: u64 = 0x6e65_7477_6f72_6b73; // "networks"
const STREAM_SERVICES: u64 = 0x7365_7276_6963_6573; // "services"

/// SplitMix64 (the shared fixture generator), used here only to expand a seed into xoshiro state.
pub use lifecircle::fixtures::SplitMix64;

/// xoshiro256**: fast, small, statistically strong; not cryptographic.
#[derive(Debug, Clone)]
pub struct Xoshiro256([u64; 4]);

impl Xoshiro256 {
    /// A generator whose state is four SplitMix64 outputs of `seed` (never all zero).
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        Xoshiro256([sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()])
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Two independent standard normal draws (Box–Muller).
    pub fn normal_pair(&mut self) -> (f64, f64) {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        (r * c, r * s)
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct CityParams {
    /// Number of residences.
    pub residences: usize,
    /// Number of service categories (the first that have a radius in gb50180-2018).
    pub categories: usize,
    /// Facilities per category.
    pub per_category: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Centre longitude, degrees.
    pub centre_lon: f64,
    /// Centre latitude, degrees.
    pub centre_lat: f64,
    /// Side of the square study area, metres.
    pub extent_m: f64,
}

impl Default for CityParams {
    fn default() -> Self {
        CityParams {
            residences: 1_000_000,
            categories: 6,
            per_category: 2000,
            seed: 42,
            centre_lon: 116.40,
            centre_lat: 39.90,
            extent_m: 30_000.0,
        }
    }
}

impl CityParams {
    /// A short name for caching, e.g. `r1000000-c6-p2000-s42`, with the centre and extent when
    /// not the defaults.
    pub fn slug(&self) -> String {
        let mut s = format!("r{}-c{}-p{}-s{}", self.residences, self.categories, self.per_category, self.seed);
        let d = CityParams::default();
        if (self.centre_lon, self.centre_lat, self.extent_m) != (d.centre_lon, d.centre_lat, d.extent_m) {
            s.push_str(&format!("-{}_{}_{}", self.centre_lon, self.centre_lat, self.extent_m));
        }
        s
    }
}

/// The first `k` category ids of the built-in gb50180-2018 profile that have a radius, in
/// profile order.
pub fn category_ids(k: usize) -> Result<Vec<String>, String> {
    let profile = StandardProfile::built_in("gb50180-2018").map_err(|e| e.to_string())?;
    let ids: Vec<String> =
        profile.categories.iter().filter(|c| c.radius_m.is_some()).map(|c| c.id.clone()).take(k).collect();
    if ids.len() < k {
        return Err(format!("--categories {k}: gb50180-2018 has only {} categories with a radius", ids.len()));
    }
    Ok(ids)
}

struct District {
    x: f64,
    y: f64,
    sigma: f64,
}

/// The clustered density: districts with cumulative weights, a uniform share, the square.
struct Density {
    districts: Vec<District>,
    cumulative: Vec<f64>,
    half: f64,
}

impl Density {
    fn new(seed: u64, extent_m: f64) -> Density {
        let mut rng = Xoshiro256::seed_from_u64(seed ^ STREAM_DISTRICTS);
        let half = extent_m / 2.0;
        let inner = 0.8 * half;
        let centre_sigma = DISTRICT_CENTRE_SIGMA * extent_m;
        let (ln_min, ln_max) = (DISTRICT_SIGMA_MIN_M.ln(), DISTRICT_SIGMA_MAX_M.ln());
        let mut districts = Vec::with_capacity(DISTRICTS);
        let mut cumulative = Vec::with_capacity(DISTRICTS);
        let mut total = 0.0;
        for _ in 0..DISTRICTS {
            let (x, y) = loop {
                let (a, b) = rng.normal_pair();
                let (x, y) = (a * centre_sigma, b * centre_sigma);
                if x.abs() <= inner && y.abs() <= inner {
                    break (x, y);
                }
            };
            let sigma = (ln_min + (ln_max - ln_min) * rng.uniform()).exp();
            total += (DISTRICT_WEIGHT_LOG_SIGMA * rng.normal_pair().0).exp();
            districts.push(District { x, y, sigma });
            cumulative.push(total);
        }
        Density { districts, cumulative, half }
    }

    /// A point in metres from the centre: uniform with probability `background`, else from a
    /// district; redrawn until inside the square.
    fn sample(&self, rng: &mut Xoshiro256, background: f64) -> (f64, f64) {
        if rng.uniform() < background {
            let x = (rng.uniform() * 2.0 - 1.0) * self.half;
            let y = (rng.uniform() * 2.0 - 1.0) * self.half;
            return (x, y);
        }
        let total = *self.cumulative.last().unwrap_or(&1.0);
        let pick = rng.uniform() * total;
        let i = self.cumulative.partition_point(|&c| c <= pick).min(self.districts.len() - 1);
        let d = &self.districts[i];
        loop {
            let (a, b) = rng.normal_pair();
            let (x, y) = (d.x + a * d.sigma, d.y + b * d.sigma);
            if x.abs() <= self.half && y.abs() <= self.half {
                return (x, y);
            }
        }
    }
}

/// Local metres to lon/lat degrees (equirectangular).
struct ToLonLat {
    lon0: f64,
    lat0: f64,
    deg_per_m_x: f64,
    deg_per_m_y: f64,
}

impl ToLonLat {
    fn new(lon0: f64, lat0: f64) -> ToLonLat {
        let deg_per_m_y = (1.0 / EARTH_RADIUS_M).to_degrees();
        ToLonLat { lon0, lat0, deg_per_m_x: deg_per_m_y / lat0.to_radians().cos(), deg_per_m_y }
    }
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (self.lon0 + x * self.deg_per_m_x, self.lat0 + y * self.deg_per_m_y)
    }
}

/// Appends an unsigned integer in decimal.
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `units / 10^decimals` with exactly `decimals` decimals (`units` is a fixed-point
/// integer, so the text depends on integer arithmetic only).
fn push_fixed(out: &mut Vec<u8>, units: i64, decimals: u32) {
    if units < 0 {
        out.push(b'-');
    }
    let u = units.unsigned_abs();
    let scale = 10u64.pow(decimals);
    push_u64(out, u / scale);
    if decimals > 0 {
        out.push(b'.');
        let mut frac = u % scale;
        let mut digits = [b'0'; 19];
        for k in (0..decimals as usize).rev() {
            digits[k] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend_from_slice(&digits[..decimals as usize]);
    }
}

/// Appends a coordinate with 7 decimals (≈ 1 cm).
fn push_coord(out: &mut Vec<u8>, deg: f64) {
    push_fixed(out, (deg * 1e7).round() as i64, 7);
}

fn push_point(out: &mut Vec<u8>, lon: f64, lat: f64) {
    out.extend_from_slice(br#"{"type":"Feature","geometry":{"type":"Point","coordinates":["#);
    push_coord(out, lon);
    out.push(b',');
    push_coord(out, lat);
    out.extend_from_slice(br#"]},"properties":{"id":""#);
}

/// Writes a FeatureCollection to `path` through a temporary file renamed into place, so a
/// reader never sees a half-written file. `feature(n, buf)` appends feature `n`'s JSON.
fn write_collection(path: &Path, count: usize, mut feature: impl FnMut(usize, &mut Vec<u8>)) -> io::Result<u64> {
    let tmp = path.with_extension("geojson.partial");
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut bytes = 0u64;
    buf.extend_from_slice(b"{\"type\":\"FeatureCollection\",\"features\":[\n");
    for n in 0..count {
        if n > 0 {
            buf.extend_from_slice(b",\n");
        }
        feature(n, &mut buf);
        if buf.len() >= (1 << 16) - 512 {
            w.write_all(&buf)?;
            bytes += buf.len() as u64;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n]}\n");
    w.write_all(&buf)?;
    bytes += buf.len() as u64;
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    Ok(bytes)
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    /// `DIR/residences.geojson`.
    pub residences: PathBuf,
    /// `DIR/services.geojson`.
    pub services: PathBuf,
    /// Category ids used, in order.
    pub categories: Vec<String>,
    /// Total households written.
    pub households: u64,
    /// Bytes written (both files).
    pub bytes: u64,
}

/// Generates the city into `dir` (created if needed).
pub fn generate(p: &CityParams, dir: &Path) -> Result<Generated, String> {
    if !(p.extent_m.is_finite() && p.extent_m > 0.0) {
        return Err(format!("extent {} m must be positive", p.extent_m));
    }
    if !(p.centre_lon.abs() <= 180.0 && p.centre_lat.abs() < 85.0) {
        return Err(format!("centre ({}, {}) is not a usable lon/lat", p.centre_lon, p.centre_lat));
    }
    let categories = category_ids(p.categories)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let density = Density::new(p.seed, p.extent_m);
    let to_ll = ToLonLat::new(p.centre_lon, p.centre_lat);

    let residences = dir.join("residences.geojson");
    let mut rng = Xoshiro256::seed_from_u64(p.seed ^ STREAM_RESIDENCES);
    let mut households = 0u64;
    let mut bytes = write_collection(&residences, p.residences, |n, out| {
        let (x, y) = density.sample(&mut rng, RESIDENCE_BACKGROUND);
        let (lon, lat) = to_ll.apply(x, y);
        let u = rng.uniform();
        let hh = 20 + (381.0 * u * u) as u64; // 20..=400
        households += hh;
        push_point(out, lon, lat);
        out.push(b'r');
        push_u64(out, n as u64);
        out.extend_from_slice(br#"","households":"#);
        push_u64(out, hh);
        out.extend_from_slice(br#","population":"#);
        // hh × 2.62 in tenths, rounded half up, by integer arithmetic.
        push_fixed(out, ((hh * HOUSEHOLD_SIZE_PERCENT + 5) / 10) as i64, 1);
        out.extend_from_slice(b"}}");
    })
    .map_err(|e| format!("{}: {e}", residences.display()))?;

    let services = dir.join("services.geojson");
    let mut rng = Xoshiro256::seed_from_u64(p.seed ^ STREAM_SERVICES);
    let per = p.per_category.max(1);
    bytes += write_collection(&services, p.categories * p.per_category, |n, out| {
        let (x, y) = density.sample(&mut rng, SERVICE_BACKGROUND);
        let (lon, lat) = to_ll.apply(x, y);
        push_point(out, lon, lat);
        out.push(b's');
        push_u64(out, n as u64);
        out.extend_from_slice(br#"","category":""#);
        out.extend_from_slice(categories[n / per].as_bytes());
        out.extend_from_slice(b"\"}}");
    })
    .map_err(|e| format!("{}: {e}", services.display()))?;

    Ok(Generated { residences, services, categories, households, bytes })
}

/// Writes `DIR/network.geojson`: an `n` × `n` street grid over the study square (see the
/// module header). Returns the path, the number of lines and the bytes written.
pub fn generate_grid_network(p: &CityParams, n: usize, dir: &Path) -> Result<(PathBuf, usize, u64), String> {
    if n < 2 {
        return Err(format!("--grid-network {n}: needs at least 2 nodes per side"));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let to_ll = ToLonLat::new(p.centre_lon, p.centre_lat);
    let step = p.extent_m / (n - 1) as f64;
    let at = |k: usize| -p.extent_m / 2.0 + k as f64 * step;
    let mut rng = Xoshiro256::seed_from_u64(p.seed ^ STREAM_NETWORK);
    // Runs of consecutive grid nodes: rows first (y fixed), then columns.
    let mut runs: Vec<(bool, usize, usize, usize)> = Vec::new(); // (is_row, line, first, last)
    for is_row in [true, false] {
        for line in 0..n {
            let mut first = 0;
            for k in 0..n - 1 {
                if rng.uniform() < GRID_GAP_SHARE {
                    if k > first {
                        runs.push((is_row, line, first, k));
                    }
                    first = k + 1;
                }
            }
            if n - 1 > first {
                runs.push((is_row, line, first, n - 1));
            }
        }
    }
    let path = dir.join("network.geojson");
    let bytes = write_collection(&path, runs.len(), |i, out| {
        let (is_row, line, first, last) = runs[i];
        out.extend_from_slice(br#"{"type":"Feature","geometry":{"type":"LineString","coordinates":["#);
        for k in first..=last {
            if k > first {
                out.push(b',');
            }
            let (x, y) = if is_row { (at(k), at(line)) } else { (at(line), at(k)) };
            let (lon, lat) = to_ll.apply(x, y);
            out.push(b'[');
            push_coord(out, lon);
            out.push(b',');
            push_coord(out, lat);
            out.push(b']');
        }
        out.extend_from_slice(br#"]},"properties":{"id":"l"#);
        push_u64(out, i as u64);
        out.extend_from_slice(b"\"}}");
    })
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, runs.len(), bytes))
}

fn usage() -> String {
    "usage: synthetic_city [--residences N] [--categories K] [--per-category M] [--seed S] \
     [--centre LON,LAT] [--extent-km KM] [--grid-network N] --out DIR"
        .to_owned()
}

fn parse_args(args: &[String]) -> Result<(CityParams, PathBuf, Option<usize>), String> {
    fn num<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.replace('_', "").parse().map_err(|_| format!("{flag} {v}: not a valid number"))
    }
    let mut p = CityParams::default();
    let mut out = None;
    let mut grid = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--residences" => p.residences = num(a, it.next())?,
            "--categories" => p.categories = num(a, it.next())?,
            "--per-category" => p.per_category = num(a, it.next())?,
            "--seed" => p.seed = num(a, it.next())?,
            "--extent-km" => p.extent_m = num::<f64>(a, it.next())? * 1000.0,
            "--centre" | "--center" => {
                let v = it.next().ok_or_else(|| format!("{a} needs LON,LAT"))?;
                let (lon, lat) = v.split_once(',').ok_or_else(|| format!("{a} {v}: expected LON,LAT"))?;
                p.centre_lon = num(a, Some(&lon.trim().to_owned()))?;
                p.centre_lat = num(a, Some(&lat.trim().to_owned()))?;
            }
            "--grid-network" => grid = Some(num(a, it.next())?),
            "--out" => out = Some(PathBuf::from(it.next().ok_or("--out needs a folder")?)),
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument '{other}'\n{}", usage())),
        }
    }
    let out = out.ok_or_else(|| format!("--out DIR is required\n{}", usage()))?;
    Ok((p, out, grid))
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (params, out, grid) = match parse_args(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let t = std::time::Instant::now();
    match generate(&params, &out) {
        Ok(g) => {
            println!(
                "wrote {} residences ({} households) and {} services ({}) to {} in {:.2} s ({:.1} MB)",
                params.residences,
                g.households,
                params.categories * params.per_category,
                g.categories.join(", "),
                out.display(),
                t.elapsed().as_secs_f64(),
                g.bytes as f64 / 1e6
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    let Some(n) = grid else { return std::process::ExitCode::SUCCESS };
    match generate_grid_network(&params, n, &out) {
        Ok((path, lines, bytes)) => {
            println!(
                "wrote a {n} × {n} street grid ({lines} lines, {:.1} MB) to {}",
                bytes as f64 / 1e6,
                path.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

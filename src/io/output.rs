//! `OutputDir`: the one way every command (analyze, import-osm, report) writes into its output
//! folder, so that nothing is lost and nothing planted.
//!
//! - **No output replaces an input.** Every output name is compared with every input of the run
//!   (a shapefile with all its sibling files) by canonical path and by device and inode, so the
//!   same file reached through `--out .`, a symbolic link or a hard link is refused with an error
//!   naming both.
//! - **One run at a time.** A lock file, [`LOCK`], created exclusively and held with an advisory
//!   lock (`flock`) for the whole run, guards the folder; the lock dies with its process, so a
//!   killed run never leaves the folder locked.
//! - **Nothing planted.** Files are written into a fresh staging folder with an unpredictable
//!   name inside the output folder (`.lifecircle-tmp-…`, made by `mkdir`, so never through a link),
//!   each file created with `create_new`.
//! - **All or nothing.** [`OutputDir::commit`] moves the earlier versions aside, renames the new
//!   files into place, and puts the earlier versions back if any rename fails; dropped without a
//!   commit (a failure at any step), the staging folder is removed and the folder is as it was.
//! - **A manifest.** Each run lists the files it wrote in [`MANIFEST`]. Files an earlier run listed
//!   that this run does not write are returned as stale (the CLI warns); `clean` removes exactly
//!   those, never an input and never a file no manifest lists.
//! - **Leftovers.** Staging folders (and the temporary files of earlier versions) that a crashed
//!   run left behind are removed by the next run that holds the lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest each run writes into its output folder.
pub const MANIFEST: &str = ".lifecircle-manifest.json";
/// The lock file that guards an output folder while a run writes to it.
pub const LOCK: &str = ".lifecircle.lock";
/// The name prefix of staging folders.
const STAGE_PREFIX: &str = ".lifecircle-tmp-";
/// A manifest larger than this is not read (it is ours, and a few kilobytes).
const MANIFEST_MAX_BYTES: u64 = 4 << 20;

/// How a run's manifest relates to the one already in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestMode {
    /// The run's files are the folder's results (`analyze`, `import-osm`): what the previous
    /// manifest lists and this run does not write is stale.
    Replace,
    /// The run adds to the folder's results (`report` adds the report to an analysis).
    Extend,
}

/// The manifest's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    /// Always "lifecircle".
    tool: String,
    /// The version that wrote it.
    version: String,
    /// The command of the last run that wrote into the folder.
    command: String,
    /// The files of the folder's results, in the order written.
    files: Vec<String>,
    /// Files of earlier runs that are still in the folder but no longer part of the results
    /// (kept until `--clean`, so a later run still names them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    earlier: Vec<String>,
}

/// What a commit did.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// The files written, in order (the manifest not included).
    pub written: Vec<PathBuf>,
    /// Files of an earlier run that this run did not write, left in place.
    pub stale: Vec<PathBuf>,
    /// Files of an earlier run removed (with `clean`).
    pub removed: Vec<PathBuf>,
    /// Temporary files or folders of an interrupted earlier run that were removed.
    pub leftovers_removed: usize,
}

/// A set of output files written atomically as a group into one folder.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    canonical_dir: PathBuf,
    created_dir: bool,
    stage: Option<tempfile::TempDir>,
    lock: Option<Lock>,
    inputs: Vec<InputFile>,
    names: Vec<String>,
    previous: Manifest,
    mode: ManifestMode,
    command: String,
    leftovers_removed: usize,
    committed: bool,
}

impl OutputDir {
    /// Opens `dir` for a run of `command` that reads `inputs`: creates the folder if needed,
    /// takes its lock, removes what an interrupted run left, and makes a fresh staging folder.
    /// Fails if the lock or the manifest would replace an input, or another run holds the lock.
    pub fn open(dir: &Path, command: &str, inputs: &[PathBuf], mode: ManifestMode) -> Result<OutputDir> {
        let werr = |cause| Error::Write { path: dir.into(), cause };
        let created_dir = !dir.exists();
        fs::create_dir_all(dir).map_err(werr)?;
        let canonical_dir = fs::canonicalize(dir).map_err(werr)?;
        let mut out = OutputDir {
            dir: dir.to_path_buf(),
            canonical_dir,
            created_dir,
            stage: None,
            lock: None,
            inputs: inputs.iter().flat_map(|p| InputFile::with_siblings(p)).collect(),
            names: Vec::new(),
            previous: Manifest::default(),
            mode,
            command: command.to_owned(),
            leftovers_removed: 0,
            committed: false,
        };
        out.check_name(LOCK)?;
        out.check_name(MANIFEST)?;
        out.lock = Some(Lock::acquire(dir)?);
        out.leftovers_removed = remove_leftovers(dir);
        out.previous = read_manifest(dir);
        let stage = tempfile::Builder::new().prefix(STAGE_PREFIX).rand_bytes(16).tempdir_in(dir).map_err(werr)?;
        out.stage = Some(stage);
        Ok(out)
    }

    /// The output folder as given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The staging folder: the files registered so far, under their final names, until
    /// [`OutputDir::commit`] moves them into [`OutputDir::dir`].
    pub fn staged(&self) -> &Path {
        self.stage.as_ref().map_or(self.dir.as_path(), |s| s.path())
    }

    /// Fails if any of `names` (plain file names) would replace an input of the run: the early
    /// check a command makes before it spends time on the analysis.
    pub fn check_names<S: AsRef<str>>(&self, names: &[S]) -> Result<()> {
        names.iter().try_for_each(|n| self.check_name(n.as_ref()))
    }

    /// Registers `name` (e.g. `households.geojson`) and returns the staged path to write, which
    /// does not exist yet (create it with [`create_new`]).
    pub fn file(&mut self, name: &str) -> Result<PathBuf> {
        self.check_name(name)?;
        if name == LOCK || name == MANIFEST || self.names.iter().any(|n| n == name) {
            return Err(Error::Write {
                path: self.dir.join(name),
                cause: io::Error::new(io::ErrorKind::AlreadyExists, "written twice in one run"),
            });
        }
        self.names.push(name.to_owned());
        Ok(self.staged().join(name))
    }

    /// Registers a shapefile `stem`.shp with its siblings (.shx, .dbf, .prj, .cpg) and returns
    /// the staged .shp path to write; siblings that were not written are skipped at commit.
    pub fn shapefile(&mut self, stem: &str) -> Result<PathBuf> {
        for ext in ["shx", "dbf", "prj", "cpg"] {
            self.file(&format!("{stem}.{ext}"))?;
        }
        self.file(&format!("{stem}.shp"))
    }

    /// Fails unless `name` is a plain file name that names no input of the run.
    fn check_name(&self, name: &str) -> Result<()> {
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\'])
            && !name.starts_with(STAGE_PREFIX);
        let output = self.dir.join(name);
        if !plain {
            let cause = io::Error::new(io::ErrorKind::InvalidInput, "not a plain output file name");
            return Err(Error::Write { path: output, cause });
        }
        let absolute = self.canonical_dir.join(name);
        let id = file_id(&absolute);
        for input in &self.inputs {
            if let Some(how) = input.is(&absolute, id) {
                return Err(Error::OutputIsInput { output, input: input.given.clone(), how });
            }
        }
        Ok(())
    }

    /// Moves every written file into place, with the manifest, as one step: the earlier versions
    /// are moved aside first and put back if any rename fails. With `clean`, removes the files
    /// of earlier runs that this run did not write (never an input).
    pub fn commit(mut self, clean: bool) -> Result<Committed> {
        let Some(stage) = self.stage.take() else {
            return Err(Error::Write { path: self.dir.clone(), cause: io::Error::other("committed twice") });
        };
        let written: Vec<String> = self.names.iter().filter(|n| stage.path().join(n).exists()).cloned().collect();
        let earlier_files: Vec<String> = match self.mode {
            ManifestMode::Replace => self.previous.files.iter().chain(&self.previous.earlier).cloned().collect(),
            ManifestMode::Extend => self.previous.earlier.clone(),
        };
        let mut stale: Vec<String> = Vec::new();
        for name in earlier_files {
            if !written.contains(&name) && !stale.contains(&name) && self.is_stale_file(&name) {
                stale.push(name);
            }
        }
        let mut files = match self.mode {
            ManifestMode::Replace => Vec::new(),
            ManifestMode::Extend => self
                .previous
                .files
                .iter()
                .filter(|n| !written.contains(n) && self.dir.join(n).is_file())
                .cloned()
                .collect(),
        };
        files.extend(written.iter().cloned());
        let manifest = Manifest {
            tool: "lifecircle".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: self.command.clone(),
            files,
            earlier: if clean { Vec::new() } else { stale.clone() },
        };
        let mpath = stage.path().join(MANIFEST);
        let mut text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::Write { path: mpath.clone(), cause: io::Error::other(e) })?;
        text.push('\n');
        let mut file = create_new(&mpath)?;
        file.write_all(text.as_bytes()).map_err(|cause| Error::Write { path: mpath.clone(), cause })?;
        drop(file);

        let mut all = written.clone();
        all.push(MANIFEST.to_owned());
        for name in &all {
            self.check_name(name)?;
            let fin = self.dir.join(name);
            if fs::symlink_metadata(&fin).is_ok_and(|m| m.is_dir()) {
                let cause = io::Error::new(io::ErrorKind::IsADirectory, "a folder has the output's name");
                return Err(Error::Write { path: fin, cause });
            }
        }
        let aside = stage.path().join(".earlier");
        fs::create_dir(&aside).map_err(|cause| Error::Write { path: aside.clone(), cause })?;
        let (mut moved, mut placed) = (Vec::new(), Vec::new());
        let mut step = || -> Result<()> {
            for name in &all {
                let fin = self.dir.join(name);
                if fs::symlink_metadata(&fin).is_ok() {
                    fs::rename(&fin, aside.join(name)).map_err(|cause| Error::Write { path: fin.clone(), cause })?;
                    moved.push(name);
                }
                fs::rename(stage.path().join(name), &fin).map_err(|cause| Error::Write { path: fin.clone(), cause })?;
                placed.push(name);
            }
            Ok(())
        };
        if let Err(e) = step() {
            for name in placed.iter().rev() {
                let _ = fs::remove_file(self.dir.join(name));
            }
            for name in moved.iter().rev() {
                let _ = fs::rename(aside.join(name), self.dir.join(name));
            }
            return Err(e);
        }
        let mut committed = Committed {
            written: written.iter().map(|n| self.dir.join(n)).collect(),
            leftovers_removed: self.leftovers_removed,
            ..Committed::default()
        };
        for name in stale {
            let path = self.dir.join(&name);
            if clean {
                fs::remove_file(&path).map_err(|cause| Error::Write { path: path.clone(), cause })?;
                committed.removed.push(path);
            } else {
                committed.stale.push(path);
            }
        }
        drop(stage);
        self.committed = true;
        Ok(committed)
    }

    /// Whether `name`, listed by an earlier manifest, is a file in the folder that no input of
    /// this run is (so may be named stale and removed).
    fn is_stale_file(&self, name: &str) -> bool {
        let path = self.dir.join(name);
        let plain_file = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() || m.file_type().is_symlink());
        plain_file && name != MANIFEST && name != LOCK && self.check_name(name).is_ok()
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        // Without a commit: the staging folder goes, then the lock, then the folder if this run
        // made it and nothing else is in it.
        self.stage.take();
        self.lock.take();
        if !self.committed && self.created_dir {
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Creates `path` for writing, failing if anything (a file or a link) is already there.
pub fn create_new(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|cause| Error::Write { path: path.into(), cause })
}

/// One input file of a run, as given and as it resolves.
#[derive(Debug)]
struct InputFile {
    given: PathBuf,
    /// The path with its folder resolved (a link as the last part stays that link).
    path: Option<PathBuf>,
    /// The path with every link resolved.
    target: Option<PathBuf>,
    id: Option<FileId>,
}

impl InputFile {
    fn new(given: &Path) -> InputFile {
        let path = match (given.parent(), given.file_name()) {
            (Some(parent), Some(name)) => {
                let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                fs::canonicalize(parent).ok().map(|p| p.join(name))
            }
            _ => None,
        };
        InputFile { given: given.to_path_buf(), path, target: fs::canonicalize(given).ok(), id: file_id(given) }
    }

    /// The input and, for a shapefile, every file beside it with the same stem (.shx, .dbf,
    /// .prj, .cpg, indexes…), which the reader may read too.
    fn with_siblings(given: &Path) -> Vec<InputFile> {
        let mut files = vec![InputFile::new(given)];
        let is_shp = given.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
        if let (true, Some(stem)) = (is_shp, given.file_stem().and_then(|s| s.to_str())) {
            let parent = given.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let prefix = format!("{}.", stem.to_lowercase());
            for entry in fs::read_dir(parent).into_iter().flatten().flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.to_lowercase().starts_with(&prefix) && Some(std::ffi::OsStr::new(name)) != given.file_name() {
                    files.push(InputFile::new(&parent.join(name)));
                }
            }
        }
        files
    }

    /// How the output at `absolute` (folder resolved) with identity `id` is this input, if it is.
    fn is(&self, absolute: &Path, id: Option<FileId>) -> Option<&'static str> {
        if self.path.as_deref() == Some(absolute) {
            Some("the same path")
        } else if self.target.as_deref() == Some(absolute) {
            Some("the input is a link to it")
        } else if id.is_some() && id == self.id {
            Some("the same file under another name: a hard or symbolic link")
        } else {
            None
        }
    }
}

/// A file's identity: device and inode.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    None
}

/// The held lock of an output folder; dropping it removes the lock file, then releases it.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    /// Creates (or opens, never through a link) `dir`/[`LOCK`] and locks it without waiting.
    fn acquire(dir: &Path) -> Result<Lock> {
        let path = dir.join(LOCK);
        let werr = |cause| Error::Write { path: path.clone(), cause };
        for _ in 0..8 {
            let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => open_existing(&path).map_err(werr)?,
                Err(e) => return Err(werr(e)),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(Error::Busy { dir: dir.into(), lock: path }),
                Err(fs::TryLockError::Error(e)) => return Err(werr(e)),
            }
            // A run that finished between our open and our lock removed the file we hold: the
            // lock is then on a name no longer in the folder, so take the lock again.
            if !still_named(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(werr)?;
            writeln!(file, "{}", std::process::id()).map_err(werr)?;
            return Ok(Lock { path, _file: file });
        }
        Err(Error::Busy { dir: dir.into(), lock: path })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked; the file (and so the lock) is closed after this.
        let _ = fs::remove_file(&self.path);
    }
}

/// Opens an existing lock file for writing without following a link (or blocking on a FIFO).
#[cfg(unix)]
fn open_existing(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::other("the lock file is a symbolic link: remove it"));
    }
    let file = OpenOptions::new().write(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("the lock file is not a regular file: remove it"));
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_existing(path: &Path) -> io::Result<File> {
    if !fs::symlink_metadata(path)?.is_file() {
        return Err(io::Error::other("the lock file is not a regular file: remove it"));
    }
    OpenOptions::new().write(true).open(path)
}

#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_named(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes staging folders and temporary files that an interrupted run left in `dir`; returns
/// how many. Called with the lock held, so no running run owns them.
fn remove_leftovers(dir: &Path) -> usize {
    let mut removed = 0;
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(kind) = entry.file_type() else { continue };
        let gone = if name.starts_with(STAGE_PREFIX) && kind.is_dir() {
            fs::remove_dir_all(entry.path()).is_ok()
        } else if (name.starts_with(STAGE_PREFIX) || is_old_temporary(name)) && !kind.is_dir() {
            fs::remove_file(entry.path()).is_ok()
        } else {
            false
        };
        removed += usize::from(gone);
    }
    removed
}

/// `.households.tmp-1234.geojson`: a temporary file of lifecircle 0.1 before the staging folder.
fn is_old_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else { return false };
    let Some((_, after)) = rest.split_once(".tmp-") else { return false };
    let Some((pid, ext)) = after.split_once('.') else { return false };
    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !ext.is_empty() && !ext.contains('/')
}

/// The folder's manifest, or an empty one when there is none (or it is not ours: not a regular
/// file, too large, not a manifest); names that are not plain file names are dropped.
fn read_manifest(dir: &Path) -> Manifest {
    let path = dir.join(MANIFEST);
    let regular = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MANIFEST_MAX_BYTES);
    let mut manifest: Manifest = if regular {
        fs::read(&path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    } else {
        Manifest::default()
    };
    let plain =
        |n: &String| !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\']) && !n.starts_with(STAGE_PREFIX);
    manifest.files.retain(plain);
    manifest.earlier.retain(plain);
    manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        create_new(path).unwrap().write_all(text.as_bytes()).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn files_appear_only_on_commit_and_vanish_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let mut out = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        let tmp = out.file("a.json").unwrap();
        write(&tmp, "x");
        assert!(!d.path().join("a.json").exists());
        assert!(d.path().join(LOCK).exists(), "locked while open");
        let done = out.commit(false).unwrap();
        assert_eq!(done.written, vec![d.path().join("a.json")]);
        assert_eq!(fs::read_to_string(d.path().join("a.json")).unwrap(), "x");
        assert_eq!(names(d.path()), [MANIFEST, "a.json"], "no lock, no staging folder left");

        let mut out = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        let tmp = out.file("b.json").unwrap();
        write(&tmp, "y");
        drop(out);
        assert!(!tmp.exists() && !d.path().join("b.json").exists());
        assert_eq!(names(d.path()), [MANIFEST, "a.json"], "a failed run leaves the folder as it was");
    }

    #[test]
    fn a_failed_run_in_a_new_folder_leaves_no_folder() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("new");
        let mut out = OutputDir::open(&dir, "test", &[], ManifestMode::Replace).unwrap();
        write(&out.file("a.json").unwrap(), "x");
        drop(out);
        assert!(!dir.exists());
    }

    #[test]
    fn an_output_never_replaces_an_input() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("households.geojson");
        write(&input, "precious");
        // The same path, given relative to another spelling of the folder.
        let out = OutputDir::open(&d.path().join("."), "test", std::slice::from_ref(&input), ManifestMode::Replace);
        let mut out = out.unwrap();
        let err = out.file("households.geojson").unwrap_err();
        assert!(matches!(err, Error::OutputIsInput { how: "the same path", .. }), "{err}");
        drop(out);
        // A hard link and a symbolic link to the input under the output's name.
        for link in ["hard", "soft"] {
            let outdir = d.path().join(link);
            fs::create_dir(&outdir).unwrap();
            if link == "hard" {
                fs::hard_link(&input, outdir.join("summary.json")).unwrap();
            } else {
                #[cfg(unix)]
                std::os::unix::fs::symlink(&input, outdir.join("summary.json")).unwrap();
            }
            let out = OutputDir::open(&outdir, "test", std::slice::from_ref(&input), ManifestMode::Replace).unwrap();
            let err = out.check_names(&["summary.json"]).unwrap_err();
            assert!(err.to_string().contains("would replace the input"), "{err}");
        }
        assert_eq!(fs::read_to_string(&input).unwrap(), "precious");
    }

    #[test]
    fn a_shapefile_input_guards_its_siblings() {
        let d = tempfile::tempdir().unwrap();
        for ext in ["shp", "shx", "DBF", "prj"] {
            write(&d.path().join(format!("households.{ext}")), "x");
        }
        let shp = d.path().join("households.shp");
        let out = OutputDir::open(d.path(), "test", &[shp], ManifestMode::Replace).unwrap();
        for name in ["households.shx", "households.DBF", "households.prj"] {
            assert!(out.check_names(&[name]).is_err(), "{name}");
        }
        assert!(out.check_names(&["households.geojson"]).is_ok());
    }

    #[test]
    fn a_second_run_waits_for_none_and_fails_while_the_lock_is_held() {
        let d = tempfile::tempdir().unwrap();
        let first = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        let err = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap_err();
        assert!(matches!(err, Error::Busy { .. }), "{err}");
        drop(first);
        // A lock file left by a killed run holds no lock: the next run takes it.
        write(&d.path().join(LOCK), "12345\n");
        let out = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        out.commit(false).unwrap();
        assert!(!d.path().join(LOCK).exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_lock_link_is_refused_and_its_target_untouched() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim.txt");
        write(&victim, "keep");
        let out = d.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(LOCK)).unwrap();
        assert!(OutputDir::open(&out, "test", &[], ManifestMode::Replace).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn leftovers_of_a_crashed_run_are_removed() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join(".lifecircle-tmp-abc123")).unwrap();
        write(&d.path().join(".lifecircle-tmp-abc123/households.geojson"), "half");
        write(&d.path().join(".households.tmp-4242.geojson"), "half");
        write(&d.path().join(".hidden-but-mine.txt"), "keep");
        let out = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        let done = out.commit(false).unwrap();
        assert_eq!(done.leftovers_removed, 2);
        assert_eq!(names(d.path()), [".hidden-but-mine.txt", MANIFEST]);
        assert!(is_old_temporary(".summary.tmp-1.json") && !is_old_temporary(".summary.tmp-x.json"));
    }

    #[test]
    fn stale_files_are_named_then_cleaned_and_never_inputs() {
        let d = tempfile::tempdir().unwrap();
        let run = |files: &[&str], inputs: &[PathBuf], mode, clean| {
            let mut out = OutputDir::open(d.path(), "test", inputs, mode).unwrap();
            for f in files {
                write(&out.file(f).unwrap(), f);
            }
            out.commit(clean).unwrap()
        };
        run(&["a.json", "report.html", "input.geojson"], &[], ManifestMode::Replace, false);
        write(&d.path().join("mine.txt"), "not listed");
        let input = d.path().join("input.geojson");
        let done = run(&["a.json"], std::slice::from_ref(&input), ManifestMode::Replace, false);
        assert_eq!(done.stale, vec![d.path().join("report.html")], "inputs are never stale");
        // The warning stays until cleaned; a report run adds to the results.
        let done = run(&["map.svg"], &[], ManifestMode::Extend, false);
        assert_eq!(done.stale, vec![d.path().join("report.html")]);
        let done = run(&["a.json", "map.svg"], std::slice::from_ref(&input), ManifestMode::Replace, true);
        assert_eq!(done.removed, vec![d.path().join("report.html")]);
        assert_eq!(names(d.path()), [MANIFEST, "a.json", "input.geojson", "map.svg", "mine.txt"]);
        let manifest = read_manifest(d.path());
        assert_eq!(manifest.files, ["a.json", "map.svg"]);
        assert!(manifest.earlier.is_empty());
    }

    #[test]
    fn a_folder_in_the_way_fails_the_commit_before_anything_moves() {
        let d = tempfile::tempdir().unwrap();
        write(&d.path().join("a.json"), "old");
        fs::create_dir(d.path().join("b.json")).unwrap();
        let mut out = OutputDir::open(d.path(), "test", &[], ManifestMode::Replace).unwrap();
        write(&out.file("a.json").unwrap(), "new");
        write(&out.file("b.json").unwrap(), "new");
        assert!(out.commit(false).is_err());
        assert_eq!(fs::read_to_string(d.path().join("a.json")).unwrap(), "old");
        assert_eq!(names(d.path()), ["a.json", "b.json"]);
    }
}

//! `OutputDir`: every output file is written under a temporary name in the output folder and
//! renamed into place only when all of them are complete; on failure (or drop without
//! [`OutputDir::commit`]) the temporary files are removed, so nothing half-written is left.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A set of output files written atomically as a group.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

impl OutputDir {
    /// Creates the folder if needed.
    pub fn create(dir: &Path) -> Result<OutputDir> {
        std::fs::create_dir_all(dir).map_err(|cause| Error::Write { path: dir.into(), cause })?;
        Ok(OutputDir { dir: dir.to_path_buf(), pending: Vec::new(), committed: false })
    }

    fn tmp_name(&self, stem: &str, ext: &str) -> PathBuf {
        self.dir.join(format!(".{stem}.tmp-{}.{ext}", std::process::id()))
    }

    /// Registers `name` (e.g. `households.geojson`) and returns the temporary path to write.
    pub fn file(&mut self, name: &str) -> PathBuf {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "out"));
        let tmp = self.tmp_name(stem, ext);
        self.pending.push((tmp.clone(), self.dir.join(name)));
        tmp
    }

    /// Registers a shapefile `stem`.shp with its siblings (.shx, .dbf, .prj, .cpg) and returns
    /// the temporary .shp path to write; siblings that were not written are skipped at commit.
    pub fn shapefile(&mut self, stem: &str) -> PathBuf {
        for ext in ["shx", "dbf", "prj", "cpg"] {
            let tmp = self.tmp_name(stem, ext);
            self.pending.push((tmp, self.dir.join(format!("{stem}.{ext}"))));
        }
        let tmp = self.tmp_name(stem, "shp");
        self.pending.push((tmp.clone(), self.dir.join(format!("{stem}.shp"))));
        tmp
    }

    /// Renames every written file into place; returns the final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (tmp, fin) in &self.pending {
            if !tmp.exists() {
                continue;
            }
            std::fs::rename(tmp, fin).map_err(|cause| Error::Write { path: fin.clone(), cause })?;
            done.push(fin.clone());
        }
        self.committed = true;
        Ok(done)
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.pending {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit_and_vanish_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let mut out = OutputDir::create(d.path()).unwrap();
        let tmp = out.file("a.json");
        std::fs::write(&tmp, "x").unwrap();
        assert!(!d.path().join("a.json").exists());
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(d.path().join("a.json")).unwrap(), "x");

        let mut out = OutputDir::create(d.path()).unwrap();
        let tmp = out.file("b.json");
        std::fs::write(&tmp, "y").unwrap();
        drop(out);
        assert!(!tmp.exists() && !d.path().join("b.json").exists());
    }
}

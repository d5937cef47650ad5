//! The library's error type: every variant names what the user got wrong and where
//! (file, feature index and id, field), so the CLI can print it as it is.

use std::fmt;
use std::path::PathBuf;

/// Where in an input a problem sits: the file, optionally the feature (index and id) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input file.
    pub path: PathBuf,
    /// Zero-based feature index (row number for CSV, record number for shapefiles).
    pub feature: Option<usize>,
    /// The feature's id, when it has one.
    pub id: Option<String>,
    /// The attribute (or `geometry`) concerned.
    pub field: Option<String>,
}

impl Location {
    /// A location naming only the file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location { path: path.into(), feature: None, id: None, field: None }
    }

    /// The same location narrowed to a feature.
    pub fn feature(&self, index: usize, id: Option<&str>) -> Self {
        Location { feature: Some(index), id: id.map(str::to_owned), ..self.clone() }
    }

    /// The same location narrowed to a field.
    pub fn field(&self, field: impl Into<String>) -> Self {
        Location { field: Some(field.into()), ..self.clone() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(i) = self.feature {
            write!(f, ": feature {i}")?;
            if let Some(id) = &self.id {
                write!(f, " (id '{id}')")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field '{field}'")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in lifecircle.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input could not be opened or read.
    #[error("{path}: cannot read: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error (shown in the message, so not chained as a source).
        cause: std::io::Error,
    },
    /// An input's content is wrong; the message says what and the location says where.
    #[error("{location}: {message}")]
    Input {
        /// File, feature and field.
        location: Location,
        /// What is wrong, in the user's terms.
        message: String,
    },
    /// An output could not be written.
    #[error("{path}: cannot write: {cause}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error (shown in the message, so not chained as a source).
        cause: std::io::Error,
    },
    /// A coordinate reference system problem (unknown code, unreadable .prj, failed transform).
    #[error("{context}: {cause}")]
    Crs {
        /// What was being read or written.
        context: String,
        /// The CRS error (shown in the message, so not chained as a source).
        cause: crate::crs::CrsError,
    },
    /// A standard profile is invalid (built-in or from the user's TOML).
    #[error("standard profile {profile}: {message}")]
    Profile {
        /// The profile id or file.
        profile: String,
        /// What is wrong.
        message: String,
    },
    /// A bad option value.
    #[error("{0}")]
    Option(String),
    /// A map could not be drawn (an SVG that cannot be read, an image size that cannot be made).
    #[error("cannot draw the map: {0}")]
    Render(String),
    /// An output would replace one of the run's inputs (the same path, a link to it, or the same
    /// file under another name).
    #[error(
        "{output}: this output would replace the input {input} ({how}); nothing was written: choose another output folder"
    )]
    OutputIsInput {
        /// The output file.
        output: PathBuf,
        /// The input it would replace.
        input: PathBuf,
        /// How the two are the same file ("the same path", "a hard link to it", ...).
        how: &'static str,
    },
    /// Another run holds the output folder's lock.
    #[error(
        "{dir}: another lifecircle run is writing to this folder (it holds {lock}); wait for it or choose another output folder"
    )]
    Busy {
        /// The output folder.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
}

impl Error {
    /// Shorthand for an [`Error::Input`].
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input { location, message: message.into() }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

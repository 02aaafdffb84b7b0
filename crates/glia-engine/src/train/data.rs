//! Data sets: a CSV of image paths and opinion scores (LIVEC, KonIQ, SPAQ, … or a user's own
//! ratings). Paths are relative to the CSV's folder, or absolute.

use std::path::{Path, PathBuf};

/// One photo with its opinion score.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub path: PathBuf,
    pub score: f64,
}

/// Photos that could not be used, each with the reason.
pub type Skipped = Vec<(PathBuf, String)>;

/// Which columns hold what.
#[derive(Debug, Clone)]
pub struct Columns {
    pub image: String,
    pub score: String,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            image: "image".into(),
            score: "mos".into(),
        }
    }
}

/// A loaded CSV: the usable samples, and each row that was not, with its reason.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub samples: Vec<Sample>,
    /// `(line number, reason)` of rows skipped.
    pub skipped: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: csv::Error },
    #[error(
        "{path} has no column `{column}` (columns: {found}); choose one with --image-column / --score-column"
    )]
    Column {
        path: PathBuf,
        column: String,
        found: String,
    },
}

/// Reads `csv_path`. Rows with a missing path, a score that is not a finite number, or an
/// image file that does not exist are listed in `skipped`, not fatal.
pub fn load_csv(csv_path: &Path, columns: &Columns) -> Result<Dataset, DataError> {
    let read = |source| DataError::Read {
        path: csv_path.to_owned(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(csv_path)
        .map_err(read)?;
    let headers = reader.headers().map_err(read)?.clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DataError::Column {
                path: csv_path.to_owned(),
                column: name.to_owned(),
                found: headers.iter().collect::<Vec<_>>().join(", "),
            })
    };
    let (image_col, score_col) = (find(&columns.image)?, find(&columns.score)?);
    let base = csv_path.parent().unwrap_or(Path::new("."));
    let mut data = Dataset::default();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2; // 1-based, after the header
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                data.skipped.push((line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let image = row.get(image_col).unwrap_or("");
        if image.is_empty() {
            data.skipped.push((line, "no image path".into()));
            continue;
        }
        let raw_score = row.get(score_col).unwrap_or("");
        let score = match raw_score.parse::<f64>() {
            Ok(s) if s.is_finite() => s,
            _ => {
                data.skipped
                    .push((line, format!("score {raw_score:?} is not a number")));
                continue;
            }
        };
        let path = base.join(image);
        if !path.is_file() {
            data.skipped
                .push((line, format!("image {} not found", path.display())));
            continue;
        }
        data.samples.push(Sample { path, score });
    }
    Ok(data)
}

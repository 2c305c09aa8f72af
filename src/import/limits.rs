//! The limits every imported file is held to, in one place, so that an import reads
//! with bounded memory whatever the file claims about itself.
//!
//! A spreadsheet is checked by [`super::prescan`] *before* calamine opens it: calamine
//! reserves memory for a shared-string table's declared `uniqueCount`, and builds a
//! dense grid of the used range (XLS, ODS), so a 2 KB file can ask for terabytes. A CSV
//! file is streamed and needs no size limit of its own: only one row is held at a time,
//! plus 8 bytes per row for the duplicate check.
//!
//! | Limit | Value | Why |
//! |---|---|---|
//! | [`MAX_SPREADSHEET_BYTES`] | 64 MiB | a 100,000-row paper-forms workbook is a few MiB; calamine reads XLS streams and ZIP directories whole |
//! | [`MAX_ROWS`] | 100,000 rows | of a sheet's used range, declared (`<dimension>`) or actual: a year of paper forms of a large clinic |
//! | [`MAX_COLUMNS`] | 64 columns | of the used range: the form has 7, a clinic's own columns fit many times |
//! | [`MAX_CELLS`] | 1,000,000 cells | rows × columns of the used range, what calamine allocates for a dense grid (32 bytes a cell) |
//! | [`MAX_SHARED_STRINGS`] | 1,000,000 | declared `count`/`uniqueCount` and actual `<si>` of an XLSX: calamine reserves the declared number |
//! | [`MAX_PART_BYTES`] | 256 MiB | uncompressed size of one part of the ZIP (a sheet's XML), counted while inflating |
//! | [`MAX_TOTAL_BYTES`] | 512 MiB | uncompressed size of all parts together |
//! | [`MAX_COMPRESSION_RATIO`] | 100 : 1 | per part, once it passes [`RATIO_FLOOR`] (1 MiB): real sheets compress 5–20 : 1, a zip bomb 1000 : 1 |
//! | [`MAX_ZIP_ENTRIES`] | 10,000 | parts in the ZIP: a workbook has tens |
//! | [`MAX_CSV_ROWS`] | 5,000,000 rows | of a CSV file: the duplicate check keeps 8 bytes per row (40 MB at most) |
//! | [`MAX_ROW_BYTES`] | 1 MiB | one CSV row (a quote never closed swallows the rest of the file into one "row") |
//! | [`MAX_REPEATED_ROWS`] | 100,000 rows | rows whose visit id is also in another row: each is remembered until the report is written |
//!
//! Coverage by format:
//! - XLSX/XLSM: all of the above before calamine opens the file (the chosen sheet and
//!   every other one), and rows and columns again as the cells stream in;
//! - ODS: the ZIP limits, and every table's extent with repeated rows and columns
//!   expanded (calamine reads all sheets at once, so all of them together too);
//! - XLS (Excel 97–2003, an OLE compound file): [`MAX_SPREADSHEET_BYTES`], then its
//!   `Workbook` stream read record by record (the `cfb` crate): every sheet's declared
//!   `DIMENSIONS` and the extent of its cell records, each sheet and all together. Not
//!   covered: the sizes inside records calamine reads whole (a shared-string table is
//!   bounded by the file's size only);
//! - XLSB: the ZIP limits (parts, total, ratio) before calamine opens it; its rows and
//!   columns as the cells stream in. Not covered: its binary shared-string table's
//!   declared count (calamine does not reserve it; the part size bounds it).

use std::fmt;

/// Bytes in a MiB.
const MIB: u64 = 1024 * 1024;

/// The largest spreadsheet file (any format).
pub const MAX_SPREADSHEET_BYTES: u64 = 64 * MIB;
/// Rows of a sheet's used range.
pub const MAX_ROWS: u64 = 100_000;
/// Columns of a sheet's used range.
pub const MAX_COLUMNS: u64 = 64;
/// Cells of a sheet's used range (rows × columns).
pub const MAX_CELLS: u64 = 1_000_000;
/// Strings in an XLSX shared-string table, declared or actual.
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// Uncompressed bytes of one ZIP part.
pub const MAX_PART_BYTES: u64 = 256 * MIB;
/// Uncompressed bytes of all ZIP parts together.
pub const MAX_TOTAL_BYTES: u64 = 512 * MIB;
/// Uncompressed size over compressed size of one part, past [`RATIO_FLOOR`].
pub const MAX_COMPRESSION_RATIO: u64 = 100;
/// Uncompressed bytes of a part below which its compression ratio is not held against
/// it (a small part of repeated text compresses very well and harms nobody).
pub const RATIO_FLOOR: u64 = MIB;
/// Parts in a ZIP.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;
/// Rows of a CSV file.
pub const MAX_CSV_ROWS: u64 = 5_000_000;
/// Bytes of one CSV row.
pub const MAX_ROW_BYTES: u64 = MIB;
/// Rows whose visit id is also in another row.
pub const MAX_REPEATED_ROWS: u64 = 100_000;

/// Which limit a file passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`MAX_SPREADSHEET_BYTES`].
    FileBytes,
    /// [`MAX_ROWS`] (of the named sheet part).
    Rows(String),
    /// [`MAX_COLUMNS`] (of the named sheet part).
    Columns(String),
    /// [`MAX_CELLS`] (of the named sheet part).
    Cells(String),
    /// [`MAX_SHARED_STRINGS`].
    SharedStrings,
    /// [`MAX_PART_BYTES`] (the named part).
    PartBytes(String),
    /// [`MAX_TOTAL_BYTES`].
    TotalBytes,
    /// [`MAX_COMPRESSION_RATIO`] (the named part).
    CompressionRatio(String),
    /// [`MAX_ZIP_ENTRIES`].
    ZipEntries,
    /// [`MAX_CSV_ROWS`].
    CsvRows,
    /// [`MAX_ROW_BYTES`] (the row number).
    RowBytes(usize),
    /// [`MAX_REPEATED_ROWS`].
    RepeatedRows,
}

impl Limit {
    /// The limit's value.
    pub fn max(&self) -> u64 {
        match self {
            Limit::FileBytes => MAX_SPREADSHEET_BYTES,
            Limit::Rows(_) => MAX_ROWS,
            Limit::Columns(_) => MAX_COLUMNS,
            Limit::Cells(_) => MAX_CELLS,
            Limit::SharedStrings => MAX_SHARED_STRINGS,
            Limit::PartBytes(_) => MAX_PART_BYTES,
            Limit::TotalBytes => MAX_TOTAL_BYTES,
            Limit::CompressionRatio(_) => MAX_COMPRESSION_RATIO,
            Limit::ZipEntries => MAX_ZIP_ENTRIES,
            Limit::CsvRows => MAX_CSV_ROWS,
            Limit::RowBytes(_) => MAX_ROW_BYTES,
            Limit::RepeatedRows => MAX_REPEATED_ROWS,
        }
    }

    /// Whether the values are bytes (shown in MiB).
    pub fn is_bytes(&self) -> bool {
        matches!(
            self,
            Limit::FileBytes | Limit::PartBytes(_) | Limit::TotalBytes | Limit::RowBytes(_)
        )
    }
}

/// A file past one of the limits: which, and what was found (at least; reading stops
/// as soon as a limit is passed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooBig {
    /// The limit.
    pub limit: Limit,
    /// What the file holds or declares.
    pub found: u64,
}

impl TooBig {
    /// `limit` passed with `found`.
    pub fn new(limit: Limit, found: u64) -> TooBig {
        TooBig { limit, found }
    }

    /// `Err` when `found` passes `limit`.
    pub fn check(limit: Limit, found: u64) -> Result<(), TooBig> {
        if found > limit.max() {
            Err(TooBig::new(limit, found))
        } else {
            Ok(())
        }
    }
}

/// In English, for logs and `--json`.
impl fmt::Display for TooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.limit {
            Limit::FileBytes => "the file's size".to_owned(),
            Limit::Rows(part) => format!("the rows of {part}"),
            Limit::Columns(part) => format!("the columns of {part}"),
            Limit::Cells(part) => format!("the cells (rows × columns) of {part}"),
            Limit::SharedStrings => "the shared strings".to_owned(),
            Limit::PartBytes(part) => format!("the uncompressed size of {part}"),
            Limit::TotalBytes => "the uncompressed size of all parts".to_owned(),
            Limit::CompressionRatio(part) => format!("the compression ratio of {part}"),
            Limit::ZipEntries => "the parts of the archive".to_owned(),
            Limit::CsvRows => "the rows of the CSV file".to_owned(),
            Limit::RowBytes(row) => format!("the length of row {row}"),
            Limit::RepeatedRows => "the rows that repeat a visit id".to_owned(),
        };
        let (found, max) = (self.found, self.limit.max());
        if self.limit.is_bytes() {
            write!(
                f,
                "{what} is {} MiB (at least), over the limit of {} MiB",
                mib(found),
                mib(max)
            )
        } else {
            write!(f, "{what} is {found} (at least), over the limit of {max}")
        }
    }
}

/// Bytes as MiB with one decimal, rounded up (a size just past a limit never shows as
/// the limit itself).
pub fn mib(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // shown to one decimal
    let tenths = (bytes as f64 * 10.0 / MIB as f64).ceil();
    format!("{:.1}", tenths / 10.0)
}

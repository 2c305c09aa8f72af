//! Reading a file row by row: CSV (delimiter and encoding detected, streamed through
//! [`super::text`]) or a spreadsheet (XLSX, XLS, XLSB, ODS through calamine, after
//! [`super::prescan`] has held it to [`super::limits`]).
//!
//! A [`Source`] is a file opened and understood once; every pass over its rows
//! ([`Source::each_row`]) reads it again from the start, one row at a time, so no pass
//! holds more than one row (XLSX and XLSB are streamed cell by cell; XLS and ODS come
//! from calamine's grid, which the limits keep small). A file that changes between two
//! passes is refused ([`ImportError::Changed`]).
//!
//! Nothing here knows what the columns mean; [`super::columns`] and
//! [`super::validate`] do.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use calamine::{Data, DataRef, Reader as _};
use encoding_rs::{Encoding, WINDOWS_1251};

use super::ImportError;
use super::prescan::{self, Extent, SheetFormat};
use super::text::{self, Decoded, Malformed, Rows, TextFormat, Utf8Census};

/// One cell as the file holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing there.
    Empty,
    /// Text (every CSV cell is text).
    Text(String),
    /// A spreadsheet number.
    Number(f64),
    /// A spreadsheet TRUE/FALSE.
    Bool(bool),
    /// A spreadsheet error value such as `#N/A`.
    Error(String),
}

impl Cell {
    /// The cell as a person sees it in the spreadsheet (numbers without a needless
    /// `.0`), trimmed.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.trim().to_owned(),
            Cell::Number(n) => format_number(*n),
            Cell::Bool(true) => "TRUE".into(),
            Cell::Bool(false) => "FALSE".into(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Empty, or text made only of whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// A whole number without a decimal point; anything else as Rust prints it.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// What kind of file it was, so the report can be written the same way.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceFormat {
    /// Delimited text.
    Csv {
        /// `;`, `,` or a tab.
        delimiter: u8,
        /// The text encoding (detected or given).
        encoding: &'static Encoding,
        /// The file began with a byte order mark.
        bom: bool,
    },
    /// A spreadsheet; the sheet that was read.
    Spreadsheet {
        /// Its name.
        sheet: String,
    },
}

impl SourceFormat {
    /// `csv` or `spreadsheet`, for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceFormat::Csv { .. } => "csv",
            SourceFormat::Spreadsheet { .. } => "spreadsheet",
        }
    }
}

/// How to read a file.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The text encoding of a CSV file; detected when `None`.
    pub encoding: Option<&'static Encoding>,
    /// The sheet of a spreadsheet; the first when `None`.
    pub sheet: Option<String>,
}

/// The encoding named by `label` (`utf-8`, `windows-1251`, `cp1251`, `1251`, or any
/// WHATWG label such as `koi8-r`).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim();
    if label == "1251" {
        return Some(WINDOWS_1251);
    }
    Encoding::for_label(label.as_bytes())
}

/// The file's size and modification time when it was opened: a pass that finds
/// others refuses to go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(file: &File) -> std::io::Result<Stamp> {
        let meta = file.metadata()?;
        Ok(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Csv { text: TextFormat, delimiter: u8 },
    Sheet { format: SheetFormat, sheet: String },
}

/// A file opened and understood: its format, encoding and delimiter or sheet. Its rows
/// are read by [`Source::each_row`], as many times as needed.
#[derive(Clone, Debug)]
pub struct Source {
    path: PathBuf,
    stamp: Stamp,
    kind: Kind,
    /// How the file is read (for the report and `--json`).
    pub format: SourceFormat,
}

/// What a pass over rows is told for each row: go on or stop.
pub type Visit<'a> = dyn FnMut(usize, &[Cell]) -> Result<ControlFlow<()>, ImportError> + 'a;

impl Source {
    /// Open `path`: a spreadsheet is sniffed and checked against the limits, a CSV file's
    /// encoding is decided from the whole file and its delimiter from the first line.
    pub fn open(path: &Path, options: &ReadOptions) -> Result<Source, ImportError> {
        crate::blocking::assert_may_block("reading a file to import");
        let read_error = |source| ImportError::Read {
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(read_error)?;
        let stamp = Stamp::of(&file).map_err(read_error)?;
        let sniffed = prescan::sniff(&mut file).map_err(read_error)?;
        let by_name = spreadsheet_by_name(path);
        if let Some(format) = match by_name {
            Some(false) => None,
            Some(true) => Some(sniffed.unwrap_or(SheetFormat::Xlsx)),
            None => sniffed,
        } {
            prescan::check(path, &mut file, format)?;
            file.rewind().map_err(read_error)?;
            let names = sheet_names(path, file, format)?;
            let sheet =
                choose_sheet(&names, options.sheet.as_deref()).ok_or_else(|| {
                    match &options.sheet {
                        Some(wanted) => ImportError::NoSuchSheet {
                            wanted: wanted.clone(),
                            available: names.clone(),
                        },
                        None => ImportError::Spreadsheet {
                            path: path.to_owned(),
                            reason: "the workbook has no sheets".into(),
                        },
                    }
                })?;
            return Ok(Source {
                path: path.to_owned(),
                stamp,
                format: SourceFormat::Spreadsheet {
                    sheet: sheet.clone(),
                },
                kind: Kind::Sheet { format, sheet },
            });
        }
        let (text, delimiter) = open_csv(path, &mut file, options.encoding)?;
        Ok(Source {
            path: path.to_owned(),
            stamp,
            format: SourceFormat::Csv {
                delimiter,
                encoding: text.encoding,
                bom: text.bom_len > 0,
            },
            kind: Kind::Csv { text, delimiter },
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The spreadsheet column index (0 = A) of a row's first cell. Always 0: rows are
    /// given from column A (XLS and ODS rows are padded on the left).
    pub fn first_column(&self) -> usize {
        0
    }

    /// Read the file from the start, calling `visit` with each row's number (as a
    /// spreadsheet shows it) and cells, until it says stop or the rows end. Rows with
    /// no cells at all are not given.
    pub fn each_row(&self, visit: &mut Visit<'_>) -> Result<(), ImportError> {
        crate::blocking::assert_may_block("reading a file to import");
        let read_error = |source| ImportError::Read {
            path: self.path.clone(),
            source,
        };
        let file = File::open(&self.path).map_err(read_error)?;
        if Stamp::of(&file).map_err(read_error)? != self.stamp {
            return Err(ImportError::Changed);
        }
        match &self.kind {
            Kind::Csv { text, delimiter } => self.csv_rows(file, *text, *delimiter, visit),
            Kind::Sheet { format, sheet } => sheet_rows(&self.path, file, *format, sheet, visit),
        }
    }

    fn csv_rows(
        &self,
        mut file: File,
        text: TextFormat,
        delimiter: u8,
        visit: &mut Visit<'_>,
    ) -> Result<(), ImportError> {
        skip(&mut file, text.bom_len).map_err(|source| ImportError::Read {
            path: self.path.clone(),
            source,
        })?;
        let decoded = Decoded::new(file, text.encoding, text.bom_len as u64);
        let mut rows = Rows::new(decoded, delimiter);
        let mut cells = Vec::new();
        loop {
            let (number, record) = match rows.next_row() {
                Ok(Some(next)) => next,
                Ok(None) => return Ok(()),
                Err(ImportError::Undecodable { offset, .. }) => {
                    return Err(self.undecodable(text.encoding, delimiter, offset));
                }
                Err(e) => return Err(e),
            };
            cells.clear();
            for field in record.fields() {
                let Ok(field) = std::str::from_utf8(field) else {
                    // Validated when the file was opened: it changed since.
                    return Err(ImportError::Changed);
                };
                cells.push(if field.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(field.to_owned())
                });
            }
            if visit(number, &cells)?.is_break() {
                return Ok(());
            }
        }
    }

    fn undecodable(&self, encoding: &'static Encoding, delimiter: u8, offset: u64) -> ImportError {
        let row = File::open(&self.path).map_or(0, |mut file| {
            text::row_at(&mut BufReader::new(&mut file), delimiter, offset)
        });
        ImportError::Undecodable {
            encoding: encoding.name(),
            offset,
            row,
        }
    }
}

/// The extensions (lower case) of the spreadsheets the import reads by name.
pub const SPREADSHEET_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];
/// The extensions (lower case) of the text files the import reads by name as CSV.
pub const TEXT_EXTENSIONS: &[&str] = &["csv", "txt", "tsv"];

/// `Some(true)` for a spreadsheet's extension, `Some(false)` for a text file's, `None`
/// when the name does not tell.
fn spreadsheet_by_name(path: &Path) -> Option<bool> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let extension = extension.as_str();
    if SPREADSHEET_EXTENSIONS.contains(&extension) {
        Some(true)
    } else if TEXT_EXTENSIONS.contains(&extension) {
        Some(false)
    } else {
        None
    }
}

fn skip(file: &mut File, bytes: usize) -> std::io::Result<()> {
    file.seek(std::io::SeekFrom::Start(bytes as u64)).map(drop)
}

/// The encoding (a census of the whole file) and the delimiter (its first line).
fn open_csv(
    path: &Path,
    file: &mut File,
    forced: Option<&'static Encoding>,
) -> Result<(TextFormat, u8), ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let mut head = [0u8; 4];
    let got = file.read(&mut head).map_err(read_error)?;
    file.rewind().map_err(read_error)?;
    let census = Utf8Census::of(&mut BufReader::new(&mut *file), 0).map_err(read_error)?;
    file.rewind().map_err(read_error)?;
    let decided = text::decide(&head[..got], &census, forced);
    let text = match decided {
        Ok(text) => text,
        Err(Err(e)) => return Err(e),
        Err(Ok(unsure)) => {
            let first = text::first_line(&mut BufReader::new(&mut *file)).map_err(read_error)?;
            let delimiter = text::detect_delimiter(&first);
            file.rewind().map_err(read_error)?;
            let row = text::row_at(&mut BufReader::new(&mut *file), delimiter, unsure.offset);
            return Err(ImportError::EncodingUnsure {
                row,
                offset: unsure.offset,
                mostly_utf8: unsure.mostly_utf8,
            });
        }
    };
    skip(file, text.bom_len).map_err(read_error)?;
    let first = text::first_line(&mut Decoded::new(&mut *file, text.encoding, 0)).map_err(|e| {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Malformed>())
        {
            Some(bad) => ImportError::Undecodable {
                encoding: text.encoding.name(),
                offset: bad.offset + text.bom_len as u64,
                row: 1,
            },
            None => read_error(e),
        }
    })?;
    Ok((text, text::detect_delimiter(&first)))
}

type Workbook = BufReader<File>;

fn unreadable(path: &Path, e: &dyn std::fmt::Display) -> ImportError {
    ImportError::Spreadsheet {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn sheet_names(path: &Path, file: File, format: SheetFormat) -> Result<Vec<String>, ImportError> {
    let reader = BufReader::new(file);
    let names = match format {
        SheetFormat::Xlsx => calamine::Xlsx::<Workbook>::new(reader)
            .map_err(|e| unreadable(path, &e))?
            .sheet_names(),
        SheetFormat::Xlsb => calamine::Xlsb::<Workbook>::new(reader)
            .map_err(|e| unreadable(path, &e))?
            .sheet_names(),
        SheetFormat::Ods => calamine::Ods::<Workbook>::new(reader)
            .map_err(|e| unreadable(path, &e))?
            .sheet_names(),
        SheetFormat::Xls => calamine::Xls::<Workbook>::new(reader)
            .map_err(|e| unreadable(path, &e))?
            .sheet_names(),
    };
    Ok(names)
}

/// The sheet asked for (exactly, else ignoring case and surrounding spaces), or the
/// first.
fn choose_sheet(names: &[String], wanted: Option<&str>) -> Option<String> {
    match wanted {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .cloned(),
        None => names.first().cloned(),
    }
}

/// Cells in the order a sheet's XML or records give them, gathered into rows; the
/// extent of the cells that hold a value is held to the limits as it grows.
struct RowBuilder<'v, 'a> {
    visit: &'v mut Visit<'a>,
    sheet: String,
    row: Option<u32>,
    cells: Vec<Cell>,
    extent: Extent,
}

impl RowBuilder<'_, '_> {
    /// One more cell; `Break` when the visitor said stop.
    fn push(&mut self, (row, col): (u32, u32), cell: Cell) -> Result<ControlFlow<()>, ImportError> {
        if cell == Cell::Empty {
            return Ok(ControlFlow::Continue(()));
        }
        self.extent
            .add(u64::from(row), u64::from(col), 1, 1, &self.sheet)
            .map_err(ImportError::TooBig)?;
        match self.row {
            Some(current) if current == row => {}
            Some(current) if row < current => {
                return Err(ImportError::OutOfOrder {
                    sheet: self.sheet.clone(),
                });
            }
            _ => {
                if self.flush()?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
                self.row = Some(row);
            }
        }
        let col = col as usize;
        if self.cells.len() <= col {
            self.cells.resize(col + 1, Cell::Empty);
        } else if self.cells[col] != Cell::Empty {
            return Err(ImportError::OutOfOrder {
                sheet: self.sheet.clone(),
            });
        }
        self.cells[col] = cell;
        Ok(ControlFlow::Continue(()))
    }

    /// Give the row gathered so far to the visitor.
    fn flush(&mut self) -> Result<ControlFlow<()>, ImportError> {
        let Some(row) = self.row.take() else {
            return Ok(ControlFlow::Continue(()));
        };
        let flow = (self.visit)(row as usize + 1, &self.cells)?;
        self.cells.clear();
        Ok(flow)
    }
}

fn sheet_rows(
    path: &Path,
    file: File,
    format: SheetFormat,
    sheet: &str,
    visit: &mut Visit<'_>,
) -> Result<(), ImportError> {
    let reader = BufReader::new(file);
    let mut builder = RowBuilder {
        visit,
        sheet: sheet.to_owned(),
        row: None,
        cells: Vec::new(),
        extent: Extent::default(),
    };
    // XLSX and XLSB stream their cells through two reader types with the same methods
    // and no shared trait; a cell borrows its reader, so a closure cannot hand it out.
    macro_rules! stream_cells {
        ($workbook:ty) => {{
            let mut workbook = <$workbook>::new(reader).map_err(|e| unreadable(path, &e))?;
            let mut cells = workbook
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(path, &e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| unreadable(path, &e))? {
                if builder
                    .push(cell.get_position(), cell_of_ref(cell.get_value()))?
                    .is_break()
                {
                    return Ok(());
                }
            }
        }};
    }
    match format {
        SheetFormat::Xlsx => stream_cells!(calamine::Xlsx::<Workbook>),
        SheetFormat::Xlsb => stream_cells!(calamine::Xlsb::<Workbook>),
        SheetFormat::Ods | SheetFormat::Xls => {
            let range = match format {
                SheetFormat::Ods => calamine::Ods::<Workbook>::new(reader)
                    .map_err(|e| unreadable(path, &e))?
                    .worksheet_range(sheet)
                    .map_err(|e| unreadable(path, &e))?,
                _ => calamine::Xls::<Workbook>::new(reader)
                    .map_err(|e| unreadable(path, &e))?
                    .worksheet_range(sheet)
                    .map_err(|e| unreadable(path, &e))?,
            };
            let (first_row, first_column) = range.start().unwrap_or((0, 0));
            for (i, row) in range.rows().enumerate() {
                let r = first_row + u32::try_from(i).unwrap_or(u32::MAX);
                for (j, data) in row.iter().enumerate() {
                    let c = first_column + u32::try_from(j).unwrap_or(u32::MAX);
                    if builder.push((r, c), cell_of(data))?.is_break() {
                        return Ok(());
                    }
                }
            }
        }
    }
    builder.flush().map(drop)
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        #[allow(clippy::cast_precision_loss)] // ids and scores are far below 2^52
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => Cell::Text(d.to_string()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

fn cell_of_ref(data: &DataRef<'_>) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        #[allow(clippy::cast_precision_loss)] // ids and scores are far below 2^52
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => Cell::Text(d.to_string()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The spreadsheet letter of a column index (0 = A, 26 = AA).
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + u8::try_from(index % 26).unwrap_or(0)));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn numbers_show_without_a_needless_fraction() {
        assert_eq!(Cell::Number(5.0).text(), "5");
        assert_eq!(Cell::Number(4.5).text(), "4.5");
        assert_eq!(Cell::Number(123_456_789.0).text(), "123456789");
    }

    #[test]
    fn encoding_labels_include_the_bare_code_page() {
        assert_eq!(encoding_for_label("1251"), Some(WINDOWS_1251));
        assert_eq!(encoding_for_label("cp1251"), Some(WINDOWS_1251));
        assert_eq!(encoding_for_label("no-such-encoding"), None);
    }
}

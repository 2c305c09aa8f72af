//! Reading a file into a table of cells: CSV (delimiter and encoding detected) or a
//! spreadsheet (XLSX, XLS, XLSB, ODS through calamine).
//!
//! Nothing here knows what the columns mean; [`super::columns`] and
//! [`super::validate`] do.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader as _};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};

use super::ImportError;

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

/// The file's cells, row by row; `rows[i]` is the file's row `i + first_row`.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// How the file was read.
    pub format: SourceFormat,
    /// The rows, cells left to right.
    pub rows: Vec<Vec<Cell>>,
    /// The spreadsheet row number (1-based) of `rows[0]`.
    pub first_row: usize,
    /// The spreadsheet column index (0 = A) of each row's first cell.
    pub first_column: usize,
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

/// Read `path` as the options say.
pub fn read_table(path: &Path, options: &ReadOptions) -> Result<Table, ImportError> {
    crate::blocking::assert_may_block("reading a spreadsheet");
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_owned(),
        source,
    })?;
    if is_spreadsheet(path, &bytes) {
        read_spreadsheet(path, bytes, options.sheet.as_deref())
    } else {
        read_csv(&bytes, options.encoding)
    }
}

fn is_spreadsheet(path: &Path, bytes: &[u8]) -> bool {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => true,
        "csv" | "txt" | "tsv" => false,
        // No telling extension: a ZIP (XLSX, ODS) or an OLE compound file (XLS).
        _ => bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
    }
}

fn read_spreadsheet(
    path: &Path,
    bytes: Vec<u8>,
    sheet: Option<&str>,
) -> Result<Table, ImportError> {
    let unreadable = |e: &dyn std::fmt::Display| ImportError::Spreadsheet {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .cloned()
            .ok_or_else(|| ImportError::NoSuchSheet {
                wanted: wanted.to_owned(),
                available: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable(&"the workbook has no sheets"))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| unreadable(&e))?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .map(|row| row.iter().map(cell_of).collect())
        .collect();
    Ok(Table {
        format: SourceFormat::Spreadsheet { sheet: name },
        rows,
        first_row: first_row as usize + 1,
        first_column: first_column as usize,
    })
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

/// Decode CSV bytes: a byte order mark wins, then `forced`, then UTF-8 when the bytes
/// are valid UTF-8, else Windows-1251 (what Russian Excel writes for "CSV").
pub fn decode(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> (String, &'static Encoding, bool) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), encoding, true);
    }
    let encoding = forced.unwrap_or_else(|| {
        if std::str::from_utf8(bytes).is_ok() {
            UTF_8
        } else {
            WINDOWS_1251
        }
    });
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    (text.into_owned(), encoding, false)
}

/// The delimiter of the first non-empty line: whichever of `;`, `,` and tab occurs
/// most often outside quotes; `;` on a tie (Russian Excel's choice).
pub fn detect_delimiter(text: &str) -> u8 {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [0usize; 3]; // ; , \t
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b';', b',', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// Parse CSV bytes (see [`decode`] and [`detect_delimiter`]).
pub fn read_csv(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<Table, ImportError> {
    if bytes.contains(&0) && Encoding::for_bom(bytes).is_none() {
        return Err(ImportError::NotText);
    }
    let (text, encoding, bom) = decode(bytes, forced);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    // Row numbers as a spreadsheet shows the file: a blank line is a (blank) row, a
    // quoted remark over several lines is one row. The CSV reader skips blank lines; a
    // record's position is where the reader began looking for it: after the line break
    // that ended the record before (inside it, for `\r\n`), then the blank lines.
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Csv(e.to_string()))?;
        let at = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(0);
        let mut rest = text.as_bytes().get(at..).unwrap_or_default();
        if at > 0 && text.as_bytes()[at - 1] == b'\r' && rest.starts_with(b"\n") {
            rest = &rest[1..];
        }
        loop {
            let skip = if rest.starts_with(b"\r\n") {
                2
            } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
                1
            } else {
                break;
            };
            rows.push(Vec::new());
            rest = &rest[skip..];
        }
        rows.push(
            record
                .iter()
                .map(|field| {
                    if field.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(field.to_owned())
                    }
                })
                .collect(),
        );
    }
    Ok(Table {
        format: SourceFormat::Csv {
            delimiter,
            encoding,
            bom,
        },
        rows,
        first_row: 1,
        first_column: 0,
    })
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
    fn the_delimiter_is_what_the_header_uses_most_outside_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1,2;3;4"), b';');
        assert_eq!(detect_delimiter("a,b,c\n"), b',');
        assert_eq!(detect_delimiter("\n\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("single"), b';');
    }

    #[test]
    fn encodings_are_detected_bom_then_utf8_then_1251() {
        let (text, enc, bom) = decode("\u{feff}Визит;x".as_bytes(), None);
        assert_eq!((text.as_str(), enc, bom), ("Визит;x", UTF_8, true));
        let (text, enc, bom) = decode("Визит;x".as_bytes(), None);
        assert_eq!((text.as_str(), enc, bom), ("Визит;x", UTF_8, false));
        let (bytes, _, _) = WINDOWS_1251.encode("Визит;Чистота");
        let (text, enc, bom) = decode(&bytes, None);
        assert_eq!(
            (text.as_str(), enc, bom),
            ("Визит;Чистота", WINDOWS_1251, false)
        );
        // Forced: KOI8-R bytes read as KOI8-R.
        let koi = encoding_for_label("koi8-r").unwrap();
        let (bytes, _, _) = koi.encode("Визит");
        assert_eq!(decode(&bytes, Some(koi)).0, "Визит");
        assert_eq!(encoding_for_label("1251"), Some(WINDOWS_1251));
        assert_eq!(encoding_for_label("cp1251"), Some(WINDOWS_1251));
        assert_eq!(encoding_for_label("no-such-encoding"), None);
    }

    #[test]
    fn csv_cells_keep_quotes_and_line_breaks_inside_a_field() {
        let table = read_csv("a;b\r\n1;\"x;y\nz\"\r\n\r\n2;\n".as_bytes(), None).unwrap();
        assert_eq!(
            table.rows,
            vec![
                vec![Cell::Text("a".into()), Cell::Text("b".into())],
                vec![Cell::Text("1".into()), Cell::Text("x;y\nz".into())],
                // The blank line is a blank row, as a spreadsheet shows it.
                vec![],
                vec![Cell::Text("2".into()), Cell::Empty],
            ]
        );
    }

    #[test]
    fn binary_bytes_are_not_taken_for_text() {
        assert!(matches!(
            read_csv(b"PK\x03\x04\0\0garbage", None),
            Err(ImportError::NotText)
        ));
    }

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
}

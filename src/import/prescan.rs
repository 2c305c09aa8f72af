//! The look at a spreadsheet before calamine opens it: which format it is, and whether
//! it stays within [`super::limits`].
//!
//! calamine trusts what a file declares: it reserves a shared-string table's
//! `uniqueCount`, and builds a dense grid over a sheet's used range (XLS, ODS), so a
//! 2 KB file can make it allocate terabytes, and a zip bomb inflates to gigabytes. Here
//! the ZIP (XLSX, XLSM, XLSB, ODS) is opened with the `zip` crate and every part is
//! inflated through a counter that stops as soon as a part, all parts together or the
//! compression ratio pass their limit (declared sizes are never used to allocate or to
//! decide); the XML parts calamine reads into memory are streamed through `quick-xml`
//! on the way: the shared strings' declared `count`/`uniqueCount` and actual `<si>`, each
//! worksheet's declared `<dimension>` and the actual extent of its cells that hold a
//! value (XLSX), every table's extent with repeated rows and columns expanded (ODS, whose
//! every sheet calamine reads at once). Only a few KiB of buffers are held.
//!
//! XLS is an OLE compound file of binary records: its `Workbook` stream is read with the
//! `cfb` crate and each sheet's `DIMENSIONS` and cell records checked ([`scan_biff`]).
//! XLSB's parts are checked as ZIP parts; its rows and columns are checked as they are
//! read ([`super::read`]). What is and is not covered: [`super::limits`].

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};

use super::ImportError;
use super::limits::{
    Limit, MAX_COMPRESSION_RATIO, MAX_PART_BYTES, MAX_TOTAL_BYTES, RATIO_FLOOR, TooBig,
};

/// The spreadsheet formats, by content (not by the file's name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    /// Office Open XML (XLSX, XLSM).
    Xlsx,
    /// Office Open XML with binary parts (XLSB).
    Xlsb,
    /// `OpenDocument` spreadsheet (ODS).
    Ods,
    /// Excel 97–2003 (an OLE compound file).
    Xls,
}

/// A sheet's extent so far: rows and columns of the cells that hold a value.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extent {
    bounds: Option<(u64, u64, u64, u64)>,
}

impl Extent {
    /// Add the cells from (`row`, `col`) spanning `rows` × `cols`; `Err` once the extent
    /// passes a limit, named after `part`.
    pub fn add(
        &mut self,
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
        part: &str,
    ) -> Result<(), TooBig> {
        let last_row = row.saturating_add(rows.max(1) - 1);
        let last_col = col.saturating_add(cols.max(1) - 1);
        let (r0, r1, c0, c1) = match self.bounds {
            None => (row, last_row, col, last_col),
            Some((r0, r1, c0, c1)) => {
                (r0.min(row), r1.max(last_row), c0.min(col), c1.max(last_col))
            }
        };
        self.bounds = Some((r0, r1, c0, c1));
        check_area(r1 - r0 + 1, c1 - c0 + 1, part)
    }

    /// The first row and column that hold a value (0-based).
    pub fn start(&self) -> Option<(u64, u64)> {
        self.bounds.map(|(r0, _, c0, _)| (r0, c0))
    }

    /// Rows × columns of the extent.
    pub fn cells(&self) -> u64 {
        self.bounds.map_or(0, |(r0, r1, c0, c1)| {
            (r1 - r0 + 1).saturating_mul(c1 - c0 + 1)
        })
    }
}

/// `rows` × `cols` against the row, column and cell limits.
pub fn check_area(rows: u64, cols: u64, part: &str) -> Result<(), TooBig> {
    TooBig::check(Limit::Rows(part.to_owned()), rows)?;
    TooBig::check(Limit::Columns(part.to_owned()), cols)?;
    TooBig::check(Limit::Cells(part.to_owned()), rows.saturating_mul(cols))
}

/// Which spreadsheet format `file` holds, by its first bytes and, for a ZIP, its parts;
/// `None` when it is none of them.
pub fn sniff(file: &mut File) -> io::Result<Option<SheetFormat>> {
    let mut head = [0u8; 8];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.rewind()?;
    let head = &head[..got];
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Some(SheetFormat::Xls));
    }
    if !head.starts_with(b"PK") {
        return Ok(None);
    }
    let format = match zip::ZipArchive::new(BufReader::new(&mut *file)) {
        Ok(zip) => {
            let mut names = zip.file_names_raw();
            if zip.index_for_name("mimetype").is_some()
                && zip.file_names_raw().any(|n| n == b"content.xml")
            {
                SheetFormat::Ods
            } else if names.any(|n| n.eq_ignore_ascii_case(b"xl/workbook.bin")) {
                SheetFormat::Xlsb
            } else {
                SheetFormat::Xlsx
            }
        }
        // Not a readable ZIP: calamine will say what is wrong with it.
        Err(_) => SheetFormat::Xlsx,
    };
    file.rewind()?;
    Ok(Some(format))
}

/// Check `file` (a spreadsheet of `format`) against the limits.
pub fn check(path: &Path, file: &mut File, format: SheetFormat) -> Result<(), ImportError> {
    let too_big = |e: TooBig| ImportError::TooBig(e);
    let size = file
        .metadata()
        .map_err(|source| ImportError::Read {
            path: path.to_owned(),
            source,
        })?
        .len();
    TooBig::check(Limit::FileBytes, size).map_err(too_big)?;
    let unreadable = |reason: String| ImportError::Spreadsheet {
        path: path.to_owned(),
        reason,
    };
    if format == SheetFormat::Xls {
        file.rewind().map_err(|e| unreadable(e.to_string()))?;
        return check_xls(file).map_err(|e| match e {
            Scan::TooBig(e) => too_big(e),
            Scan::Io(e) => unreadable(e.to_string()),
            Scan::Xml(e) => unreadable(e.to_string()),
        });
    }
    file.rewind().map_err(|e| unreadable(e.to_string()))?;
    let taken = Rc::new(Cell::new(0u64));
    let archive = Taken {
        inner: BufReader::new(&mut *file),
        taken: Rc::clone(&taken),
    };
    let mut zip = zip::ZipArchive::new(archive).map_err(|e| unreadable(e.to_string()))?;
    TooBig::check(Limit::ZipEntries, zip.len() as u64).map_err(too_big)?;
    let mut total = 0u64;
    for index in 0..zip.len() {
        let entry = zip.by_index(index).map_err(|e| unreadable(e.to_string()))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut counted = Counted {
            inner: entry,
            part: name.clone(),
            taken: Rc::clone(&taken),
            taken_before: taken.get(),
            read: 0,
            total_before: total,
            exceeded: None,
        };
        let lower = name.to_ascii_lowercase();
        let scanned = match format {
            SheetFormat::Xlsx if lower.ends_with("sharedstrings.xml") => {
                scan_xml(&mut counted, &mut SharedStrings::default())
            }
            SheetFormat::Xlsx
                if lower.contains("worksheets/")
                    && Path::new(&lower).extension().is_some_and(|e| e == "xml") =>
            {
                scan_xml(&mut counted, &mut Worksheet::new(&name))
            }
            SheetFormat::Ods if lower == "content.xml" => {
                scan_xml(&mut counted, &mut OdsContent::default())
            }
            _ => Ok(()),
        };
        // What the scanner did not read still counts: read it to its end.
        let drained = scanned.and_then(|()| {
            io::copy(&mut counted, &mut io::sink())
                .map(drop)
                .map_err(Scan::Io)
        });
        if let Some(e) = counted.exceeded.take() {
            return Err(too_big(e));
        }
        match drained {
            Ok(()) => {}
            Err(Scan::TooBig(e)) => return Err(too_big(e)),
            Err(Scan::Io(e)) => return Err(unreadable(format!("{name}: {e}"))),
            Err(Scan::Xml(e)) => return Err(unreadable(format!("{name}: {e}"))),
        }
        total += counted.read;
    }
    Ok(())
}

/// The file under the ZIP reader, counting the bytes taken from it: what a part's
/// inflated bytes came from so far (give or take the readers' buffers), for its
/// compression ratio as it inflates — not the part's declared compressed size, which a
/// bomb makes large to hide a ratio that only shows at the end.
struct Taken<R> {
    inner: R,
    taken: Rc<Cell<u64>>,
}

impl<R: Read> Read for Taken<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Taken<R> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}

/// An XLS file: its `Workbook` stream (BIFF8; `Book` for BIFF5) read record by record
/// from the compound file (the `cfb` crate), each sheet's declared `DIMENSIONS` and the
/// extent of its cell records held to the limits, and all sheets' extents together
/// (calamine reads every sheet when it opens the file, reserving each one's declared
/// dimensions); each sheet must start inside the stream.
fn check_xls(file: &mut File) -> Result<(), Scan> {
    let mut compound = cfb::CompoundFile::open(BufReader::new(&mut *file)).map_err(Scan::Io)?;
    let stream = match compound.open_stream("/Workbook") {
        Ok(stream) => stream,
        Err(_) => compound.open_stream("/Book").map_err(Scan::Io)?,
    };
    scan_biff(&mut BufReader::new(stream))
}

/// The BIFF records of a workbook stream, checked as [`check_xls`] says.
pub fn scan_biff(stream: &mut dyn Read) -> Result<(), Scan> {
    let mut sheets: Vec<(u32, String)> = Vec::new();
    let mut sheet = String::new();
    let mut extent = Extent::default();
    let mut all_cells = 0u64;
    let mut offset = 0u32;
    let mut header = [0u8; 4];
    let mut data = vec![0u8; usize::from(u16::MAX)];
    loop {
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(Scan::Io(e)),
        }
        let at = offset;
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let data = &mut data[..len];
        stream.read_exact(data).map_err(Scan::Io)?;
        offset = offset.saturating_add(4 + u32::try_from(len).unwrap_or(u32::MAX));
        let u16_at = |i: usize| {
            data.get(i..i + 2)
                .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let u32_at = |i: usize| {
            data.get(i..i + 4)
                .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        };
        match kind {
            // BOUNDSHEET: where each sheet's substream starts, and its name.
            0x0085 => {
                if let Some(position) = u32_at(0) {
                    sheets.push((
                        u32::try_from(position).unwrap_or(u32::MAX),
                        biff_sheet_name(data.get(6..).unwrap_or_default()),
                    ));
                }
            }
            // BOF: a substream (a sheet) starts.
            0x0809 => {
                all_cells = all_cells.saturating_add(extent.cells());
                TooBig::check(Limit::Cells("Workbook".into()), all_cells)?;
                extent = Extent::default();
                sheet = sheets
                    .iter()
                    .find(|(position, _)| *position == at)
                    .map_or_else(|| format!("Workbook@{at}"), |(_, name)| format!("«{name}»"));
            }
            // DIMENSIONS, as calamine reads it (rows as u16 in BIFF5, u32 in BIFF8; a
            // first column past 255 or after the last is taken as 0).
            0x0200 => {
                let dimensions = match len {
                    10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
                    _ => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
                };
                let (Some(first_row), Some(last_row), Some(first_col), Some(last_col)) = dimensions
                else {
                    continue;
                };
                let first_col = if first_col > 0xFF || last_col < first_col {
                    0
                } else {
                    first_col
                };
                // calamine's range is [first, last - 1]: an inverted one wraps around.
                let span = |first: u64, last: u64| {
                    if last == 0 {
                        1
                    } else if last - 1 < first {
                        u64::from(u32::MAX)
                    } else {
                        last - first
                    }
                };
                let rows = span(first_row, last_row);
                let cols = span(first_col, last_col);
                check_area(rows, cols, &sheet)?;
            }
            // Cells: NUMBER, LABEL, LABELSST, RK, BOOLERR, FORMULA, RSTRING.
            0x0203 | 0x0204 | 0x00FD | 0x027E | 0x0205 | 0x0006 | 0x00D6 => {
                if let (Some(row), Some(col)) = (u16_at(0), u16_at(2)) {
                    extent.add(row, col, 1, 1, &sheet)?;
                }
            }
            // MULRK: a row of RK cells from its first to its last column.
            0x00BD if len >= 6 => {
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(0), u16_at(2), u16_at(len - 2))
                {
                    extent.add(row, first, 1, last.saturating_sub(first) + 1, &sheet)?;
                }
            }
            _ => {}
        }
    }
    all_cells = all_cells.saturating_add(extent.cells());
    TooBig::check(Limit::Cells("Workbook".into()), all_cells)?;
    // calamine takes the stream from each sheet's position without looking (0.38
    // panics on one past the end).
    if let Some((position, name)) = sheets.iter().find(|(position, _)| *position > offset) {
        return Err(Scan::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the sheet «{name}» is said to start at byte {position} of the Workbook stream, which ends at byte {offset}"
            ),
        )));
    }
    Ok(())
}

/// A BOUNDSHEET's name: a byte count, a flag (0: one byte per character, 1: UTF-16LE),
/// the characters.
fn biff_sheet_name(bytes: &[u8]) -> String {
    let (Some(&count), Some(&wide)) = (bytes.first(), bytes.get(1)) else {
        return String::new();
    };
    let text = bytes.get(2..).unwrap_or_default();
    let count = usize::from(count);
    if wide & 1 == 1 {
        let units: Vec<u16> = text
            .chunks_exact(2)
            .take(count)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        text.iter().take(count).map(|&b| char::from(b)).collect()
    }
}

/// A ZIP part inflated through a count of its bytes that stops at the limits.
struct Counted<R> {
    inner: R,
    part: String,
    taken: Rc<Cell<u64>>,
    taken_before: u64,
    read: u64,
    total_before: u64,
    exceeded: Option<TooBig>,
}

impl<R> Counted<R> {
    /// Compressed bytes taken from the file for this part so far (at least 1).
    fn compressed(&self) -> u64 {
        self.taken.get().saturating_sub(self.taken_before).max(1)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded.is_some() {
            return Err(io::Error::other("over a limit"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let total = self.total_before + self.read;
        let exceeded = if self.read > MAX_PART_BYTES {
            Some(TooBig::new(Limit::PartBytes(self.part.clone()), self.read))
        } else if total > MAX_TOTAL_BYTES {
            Some(TooBig::new(Limit::TotalBytes, total))
        } else if self.read > RATIO_FLOOR && self.read / self.compressed() > MAX_COMPRESSION_RATIO {
            Some(TooBig::new(
                Limit::CompressionRatio(self.part.clone()),
                self.read / self.compressed(),
            ))
        } else {
            None
        };
        if let Some(e) = exceeded {
            self.exceeded = Some(e);
            return Err(io::Error::other("over a limit"));
        }
        Ok(n)
    }
}

/// Why a scan stopped.
pub enum Scan {
    /// A limit was passed.
    TooBig(TooBig),
    /// The file could not be read.
    Io(io::Error),
    /// An XML part is not XML.
    Xml(quick_xml::Error),
}

impl From<TooBig> for Scan {
    fn from(e: TooBig) -> Scan {
        Scan::TooBig(e)
    }
}

/// What a scanner looks at in one XML part.
trait XmlScanner {
    /// An element opens (`empty`: and closes at once).
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), TooBig>;
    /// An element closes.
    fn end(&mut self, _local: &str) -> Result<(), TooBig> {
        Ok(())
    }
}

fn scan_xml<R: Read>(part: &mut R, scanner: &mut dyn XmlScanner) -> Result<(), Scan> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => scanner.start(&e, false)?,
            Ok(Event::Empty(e)) => scanner.start(&e, true)?,
            Ok(Event::End(e)) => scanner.end(e.local_name().as_ref())?,
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(quick_xml::Error::Io(e)) => {
                return Err(Scan::Io(io::Error::new(e.kind(), e.to_string())));
            }
            Err(e) => return Err(Scan::Xml(e)),
        }
    }
}

/// An attribute's raw value, by local name.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| a.value.into_owned())
}

/// An attribute by its full (prefixed) name, as ODS writes them.
fn attr_qualified(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// A declared number; one too large for `u64` counts as `u64::MAX` (it passes every
/// limit).
fn number(raw: &str) -> Option<u64> {
    let text = raw.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// `xl/sharedStrings.xml`: the declared counts and the actual strings.
#[derive(Default)]
struct SharedStrings {
    strings: u64,
}

impl XmlScanner for SharedStrings {
    fn start(&mut self, e: &BytesStart<'_>, _empty: bool) -> Result<(), TooBig> {
        match e.local_name().as_ref() {
            "sst" => {
                for name in ["count", "uniqueCount"] {
                    if let Some(n) = attr(e, name).as_deref().and_then(number) {
                        TooBig::check(Limit::SharedStrings, n)?;
                    }
                }
                Ok(())
            }
            "si" => {
                self.strings += 1;
                TooBig::check(Limit::SharedStrings, self.strings)
            }
            _ => Ok(()),
        }
    }
}

/// `A1`-style reference → (row, column), both 0-based; `None` when it is not one.
pub fn cell_ref(text: &[u8]) -> Option<(u64, u64)> {
    let text = text.strip_prefix(b"$").unwrap_or(text);
    let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (col, row) = text.split_at(letters);
    let row = row.strip_prefix(b"$").unwrap_or(row);
    if col.is_empty() || row.is_empty() || !row.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let col = col.iter().fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A') + 1)
    });
    let row: u64 = std::str::from_utf8(row).ok()?.parse().unwrap_or(u64::MAX);
    Some((row.saturating_sub(1), col.saturating_sub(1)))
}

/// One worksheet of an XLSX: the declared `<dimension>` and the actual extent of the
/// cells that hold a value (`<v>`, `<is>` or `<f>`).
struct Worksheet {
    part: String,
    row: u64,
    col: u64,
    cell: Option<(u64, u64)>,
    extent: Extent,
}

impl Worksheet {
    fn new(part: &str) -> Worksheet {
        Worksheet {
            part: part.to_owned(),
            row: 0,
            col: 0,
            cell: None,
            extent: Extent::default(),
        }
    }
}

impl XmlScanner for Worksheet {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), TooBig> {
        match e.local_name().as_ref() {
            "dimension" => {
                let Some(range) = attr(e, "ref") else {
                    return Ok(());
                };
                let mut ends = range.split(':').filter_map(|end| cell_ref(end.as_bytes()));
                if let (Some(first), Some(last)) = (ends.next(), ends.next()) {
                    let rows = last.0.abs_diff(first.0) + 1;
                    let cols = last.1.abs_diff(first.1) + 1;
                    check_area(rows, cols, &self.part)?;
                }
                Ok(())
            }
            "row" => {
                if let Some(r) = attr(e, "r").as_deref().and_then(number) {
                    self.row = r.saturating_sub(1);
                }
                self.col = 0;
                Ok(())
            }
            "c" => {
                let at = attr(e, "r")
                    .and_then(|r| cell_ref(r.as_bytes()))
                    .unwrap_or((self.row, self.col));
                self.row = at.0;
                self.col = at.1.saturating_add(1);
                self.cell = (!empty).then_some(at);
                Ok(())
            }
            "v" | "is" | "f" => match self.cell.take() {
                Some((row, col)) => self.extent.add(row, col, 1, 1, &self.part),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn end(&mut self, local: &str) -> Result<(), TooBig> {
        match local {
            "c" => self.cell = None,
            "row" => self.row = self.row.saturating_add(1),
            _ => {}
        }
        Ok(())
    }
}

/// `content.xml` of an ODS: every table's extent, repeated rows and columns expanded
/// (calamine reads every sheet when it opens the file, so every one must fit, and all of
/// them together).
#[derive(Default)]
struct OdsContent {
    table: Option<String>,
    row: u64,
    row_repeats: u64,
    col: u64,
    extent: Extent,
    all_cells: u64,
}

impl XmlScanner for OdsContent {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), TooBig> {
        match e.name().as_ref() {
            "table:table" => {
                let name = attr_qualified(e, "table:name").unwrap_or_default();
                self.table = Some(format!("content.xml «{name}»"));
                self.row = 0;
                self.extent = Extent::default();
                Ok(())
            }
            "table:table-row" => {
                self.row_repeats = attr_qualified(e, "table:number-rows-repeated")
                    .as_deref()
                    .and_then(number)
                    .unwrap_or(1)
                    .max(1);
                self.col = 0;
                if empty {
                    self.row = self.row.saturating_add(self.row_repeats);
                }
                Ok(())
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeats = attr_qualified(e, "table:number-columns-repeated")
                    .as_deref()
                    .and_then(number)
                    .unwrap_or(1)
                    .max(1);
                let valued = !empty
                    || attr_qualified(e, "office:value-type").is_some()
                    || attr_qualified(e, "table:formula").is_some();
                if valued {
                    let part = self.table.clone().unwrap_or_else(|| "content.xml".into());
                    self.extent
                        .add(self.row, self.col, self.row_repeats, repeats, &part)?;
                }
                self.col = self.col.saturating_add(repeats);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn end(&mut self, local: &str) -> Result<(), TooBig> {
        match local {
            "table-row" => self.row = self.row.saturating_add(self.row_repeats),
            "table" => {
                self.all_cells = self.all_cells.saturating_add(self.extent.cells());
                TooBig::check(Limit::Cells("content.xml".into()), self.all_cells)?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_are_zero_based_rows_and_columns() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"$B$3"), Some((2, 1)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref(b"1A"), None);
        assert_eq!(cell_ref(b"A"), None);
        // Absurd references saturate instead of overflowing: they pass every limit.
        assert!(cell_ref(b"ZZZZZZZZZZZZZZZZ99999999999999999999999").is_some());
    }

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn cell(kind: u16, row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&[0; 10]);
        record(kind, &data)
    }

    fn dimensions(rows: u32, cols: u16) -> Vec<u8> {
        let mut data = 0u32.to_le_bytes().to_vec();
        data.extend_from_slice(&rows.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        data.extend_from_slice(&cols.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        record(0x0200, &data)
    }

    fn scan(records: &[Vec<u8>]) -> Result<(), TooBig> {
        match scan_biff(&mut records.concat().as_slice()) {
            Ok(()) => Ok(()),
            Err(Scan::TooBig(e)) => Err(e),
            Err(Scan::Io(e)) => panic!("{e}"),
            Err(Scan::Xml(e)) => panic!("{e}"),
        }
    }

    #[test]
    fn an_xls_sheet_is_held_to_its_dimensions_and_its_cells() {
        let bof = record(0x0809, &[0; 16]);
        let eof = record(0x000A, &[]);
        // A paper-forms sheet: 3 rows × 7 columns, declared and actual.
        let mut sheet = vec![bof.clone(), dimensions(3, 7)];
        for row in 0..3 {
            for col in 0..7 {
                sheet.push(cell(0x0203, row, col));
            }
        }
        sheet.push(eof.clone());
        assert_eq!(scan(&sheet), Ok(()));
        // Declared: 4 billion rows.
        assert!(matches!(
            scan(&[bof.clone(), dimensions(4_000_000_000, 5), eof.clone()]),
            Err(TooBig {
                limit: Limit::Rows(_),
                found: 4_000_000_000
            })
        ));
        // Actual: two cells far apart (A1 and IV65536), declared small.
        assert!(matches!(
            scan(&[
                bof.clone(),
                dimensions(1, 1),
                cell(0x027E, 0, 0),
                cell(0x027E, 65_535, 255),
                eof.clone()
            ]),
            Err(TooBig {
                limit: Limit::Columns(_),
                found: 256
            })
        ));
        // A MULRK row spans its columns.
        let mut mulrk = 7u16.to_le_bytes().to_vec();
        mulrk.extend_from_slice(&0u16.to_le_bytes());
        mulrk.extend_from_slice(&[0; 6]);
        mulrk.extend_from_slice(&199u16.to_le_bytes());
        assert!(matches!(
            scan(&[bof.clone(), record(0x00BD, &mulrk), eof.clone()]),
            Err(TooBig {
                limit: Limit::Columns(_),
                found: 200
            })
        ));
        // Every sheet's cells together: calamine holds all of them at once.
        let mut book = Vec::new();
        for _ in 0..3 {
            book.extend([
                bof.clone(),
                cell(0x0203, 0, 0),
                cell(0x0203, 60_000, 5),
                eof.clone(),
            ]);
        }
        assert!(matches!(
            scan(&book),
            Err(TooBig {
                limit: Limit::Cells(_),
                found: 1_080_018
            })
        ));
    }

    fn boundsheet(position: u32, name: &str) -> Vec<u8> {
        let mut data = position.to_le_bytes().to_vec();
        data.extend_from_slice(&[0, 0, u8::try_from(name.len()).unwrap(), 0]);
        data.extend_from_slice(name.as_bytes());
        record(0x0085, &data)
    }

    #[test]
    fn an_xls_sheet_said_to_start_past_the_end_of_its_stream_is_refused() {
        // Found by the spreadsheet fuzz target: calamine 0.38 slices the Workbook
        // stream at a BOUNDSHEET's position unchecked, and panics past its end.
        let bof = record(0x0809, &[0; 16]);
        let eof = record(0x000A, &[]);
        let globals = bof.len() + boundsheet(0, "Sheet1").len() + eof.len();
        let sheet_at = u32::try_from(globals).unwrap();
        let book = |position: u32| {
            [
                bof.clone(),
                boundsheet(position, "Sheet1"),
                eof.clone(),
                bof.clone(),
                cell(0x0203, 0, 0),
                eof.clone(),
            ]
            .concat()
        };
        assert!(scan_biff(&mut book(sheet_at).as_slice()).is_ok());
        let end = u32::try_from(book(0).len()).unwrap();
        assert!(
            scan_biff(&mut book(end).as_slice()).is_ok(),
            "at the end: no cells"
        );
        for position in [end + 1, 1_811_939_370] {
            match scan_biff(&mut book(position).as_slice()) {
                Err(Scan::Io(e)) => {
                    let message = e.to_string();
                    assert!(message.contains("Sheet1"), "{message}");
                    assert!(message.contains(&position.to_string()), "{message}");
                }
                Err(Scan::TooBig(e)) => panic!("another error for {position}: {e}"),
                Err(Scan::Xml(e)) => panic!("another error for {position}: {e}"),
                Ok(()) => panic!("a sheet at byte {position} of {end} passed"),
            }
        }
    }

    #[test]
    fn sizes_just_past_a_limit_never_show_as_the_limit() {
        use crate::import::limits::{MAX_ROW_BYTES, mib};
        assert_eq!(mib(MAX_ROW_BYTES), "1.0");
        assert_eq!(mib(MAX_ROW_BYTES + 1), "1.1");
        assert_eq!(mib(7_500 * 1024 * 1024), "7500.0");
    }

    #[test]
    fn an_extent_passes_its_limits_by_rows_columns_or_cells() {
        let mut extent = Extent::default();
        extent.add(0, 0, 1, 7, "s").unwrap();
        extent.add(99_999, 0, 1, 7, "s").unwrap();
        assert_eq!(extent.cells(), 700_000);
        assert!(matches!(
            extent.add(100_000, 0, 1, 1, "s"),
            Err(TooBig {
                limit: Limit::Rows(_),
                found: 100_001
            })
        ));
        let mut wide = Extent::default();
        assert!(matches!(
            wide.add(0, 0, 1, 65, "s"),
            Err(TooBig {
                limit: Limit::Columns(_),
                found: 65
            })
        ));
        let mut dense = Extent::default();
        assert!(matches!(
            dense.add(0, 0, 20_000, 64, "s"),
            Err(TooBig {
                limit: Limit::Cells(_),
                found: 1_280_000
            })
        ));
    }
}

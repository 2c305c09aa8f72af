//! CSV files as streams: the encoding decided from the whole file, the text decoded a
//! chunk at a time, and rows split by `csv-core` one at a time, so a file of any size is
//! read with a few buffers of 64 KiB and one row.
//!
//! The encoding ([`detect`]): a byte order mark wins, then `--encoding`; otherwise the
//! whole file is read once and
//! - every byte sequence is valid UTF-8 → UTF-8;
//! - bytes that are not UTF-8, no two Russian letters in a row in UTF-8, and valid UTF-8
//!   multibyte sequences fewer than one for every [`ACCIDENTAL_UTF8`] of them →
//!   Windows-1251 (what Russian Excel saves as "CSV"). Windows-1251 text makes a valid
//!   UTF-8 pair now and then by accident: a capital letter before `»`, `№` or a no-break
//!   space («ДОКТОР» holds `Р»`, which is UTF-8 for «л»), while each lowercase Cyrillic
//!   letter makes a sequence that is not UTF-8; one such pair must not make a whole 1251
//!   file unreadable. A UTF-8 word pasted into a 1251 file has two Russian letters in a
//!   row, which such accidents do not make;
//! - otherwise (a UTF-8 file with a stray byte, or a file of two encodings) → the file is
//!   refused ([`ImportError::EncodingUnsure`]), naming the row and the byte offset of the
//!   first byte that does not fit the rest: read either way, part of the remarks would
//!   reach the portal as mojibake («Р’СЂР°С‡»).
//!
//! Rows are numbered as a spreadsheet shows the file: a blank line is a (blank) row, a
//! quoted remark over several lines is one row.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{DecoderResult, Encoding, UTF_8, WINDOWS_1251};

use super::ImportError;
use super::limits::{Limit, MAX_ROW_BYTES, TooBig};

/// In a Windows-1251 file, valid UTF-8 multibyte sequences happen by accident, far fewer
/// than the sequences that are not UTF-8: a file is read as Windows-1251 only while it has
/// at least this many of the latter for each of the former.
pub const ACCIDENTAL_UTF8: u64 = 10;

/// Bytes read from the file at a time.
const CHUNK: usize = 64 * 1024;

/// How a CSV file's bytes become text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFormat {
    /// The encoding.
    pub encoding: &'static Encoding,
    /// Bytes of the byte order mark at the start (0 when none).
    pub bom_len: usize,
}

/// What the whole file's bytes say about UTF-8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Census {
    /// Valid UTF-8 multibyte sequences (Cyrillic letters, in a UTF-8 file).
    pub multibyte: u64,
    /// The offset of the first of them.
    pub first_multibyte: Option<u64>,
    /// Two Russian letters (А–я, Ё, ё) in a row, both valid UTF-8: a UTF-8 word, which
    /// Windows-1251 text does not make by accident.
    pub russian_pairs: u64,
    /// Byte sequences that are not UTF-8.
    pub invalid: u64,
    /// The offset of the first of them.
    pub first_invalid: Option<u64>,
    /// A NUL byte was seen (binary, or UTF-16 without a byte order mark).
    pub nul: bool,
}

impl Utf8Census {
    /// Count the UTF-8 of everything `reader` gives, from offset `start`.
    pub fn of(reader: &mut dyn Read, start: u64) -> io::Result<Utf8Census> {
        let mut census = Utf8Census::default();
        let mut buf = vec![0u8; CHUNK + 4];
        let mut carried = 0usize;
        let mut offset = start; // of buf[0]
        loop {
            let n = read_some(reader, &mut buf[carried..])?;
            let len = carried + n;
            let last = n == 0;
            let mut at = 0usize;
            while at < len {
                match std::str::from_utf8(&buf[at..len]) {
                    Ok(text) => {
                        census.note_valid(text.as_bytes(), offset + at as u64);
                        at = len;
                    }
                    Err(e) => {
                        let good = e.valid_up_to();
                        census.note_valid(&buf[at..at + good], offset + at as u64);
                        at += good;
                        match e.error_len() {
                            Some(bad) => {
                                census.invalid += 1;
                                census.first_invalid.get_or_insert(offset + at as u64);
                                at += bad;
                            }
                            // Cut by the end of the chunk: carried to the next one.
                            None if !last => break,
                            None => {
                                census.invalid += 1;
                                census.first_invalid.get_or_insert(offset + at as u64);
                                at = len;
                            }
                        }
                    }
                }
            }
            if last {
                return Ok(census);
            }
            buf.copy_within(at..len, 0);
            carried = len - at;
            offset += at as u64;
        }
    }

    fn note_valid(&mut self, bytes: &[u8], offset: u64) {
        if bytes.contains(&0) {
            self.nul = true;
        }
        let leads = bytes.iter().filter(|b| **b >= 0xC0).count() as u64;
        if leads > 0 {
            if self.first_multibyte.is_none() {
                let at = bytes.iter().position(|b| *b >= 0x80).unwrap_or(0);
                self.first_multibyte = Some(offset + at as u64);
            }
            self.multibyte += leads;
            let russian = |c: char| matches!(c, 'А'..='я' | 'Ё' | 'ё');
            // Valid UTF-8 by construction (a prefix `from_utf8` accepted).
            let text = String::from_utf8_lossy(bytes);
            let mut previous = false;
            for c in text.chars() {
                let now = russian(c);
                if now && previous {
                    self.russian_pairs += 1;
                }
                previous = now;
            }
        }
    }
}

/// Why the encoding could not be decided: the offset of the byte that does not fit the
/// rest of the file, and whether the rest is UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsure {
    /// Where the first byte that does not fit is.
    pub offset: u64,
    /// The rest of the file reads as UTF-8 (else as Windows-1251).
    pub mostly_utf8: bool,
}

/// Decide the encoding of a file from its start (`head`, for the byte order mark) and
/// its census; `forced` is `--encoding`.
pub fn decide(
    head: &[u8],
    census: &Utf8Census,
    forced: Option<&'static Encoding>,
) -> Result<TextFormat, Result<Unsure, ImportError>> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(head) {
        if encoding == UTF_8
            && let Some(offset) = census.first_invalid
        {
            return Err(Ok(Unsure {
                offset,
                mostly_utf8: true,
            }));
        }
        return Ok(TextFormat { encoding, bom_len });
    }
    if census.nul {
        return Err(Err(ImportError::NotText));
    }
    let encoding = match forced {
        Some(encoding) => encoding,
        None if census.invalid == 0 => UTF_8,
        None if census.russian_pairs == 0
            && census.multibyte.saturating_mul(ACCIDENTAL_UTF8) <= census.invalid =>
        {
            WINDOWS_1251
        }
        None => {
            let mostly_utf8 = census.multibyte >= census.invalid;
            let offset = if mostly_utf8 {
                census.first_invalid
            } else {
                census.first_multibyte
            };
            return Err(Ok(Unsure {
                offset: offset.unwrap_or(0),
                mostly_utf8,
            }));
        }
    };
    if encoding == UTF_8
        && let Some(offset) = census.first_invalid
    {
        return Err(Ok(Unsure {
            offset,
            mostly_utf8: true,
        }));
    }
    Ok(TextFormat {
        encoding,
        bom_len: 0,
    })
}

/// Read until `buf` has something or the reader ends (`Interrupted` retried).
fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// A byte stream decoded to UTF-8 a chunk at a time. A sequence the encoding cannot
/// decode is an error naming its offset in the file ([`Malformed`]).
pub struct Decoded<R> {
    raw: BufReader<R>,
    decoder: Option<encoding_rs::Decoder>,
    /// Offset in the file of the next raw byte.
    offset: u64,
    done: bool,
}

/// A byte sequence the encoding cannot decode, at `offset` in the file.
#[derive(Debug)]
pub struct Malformed {
    /// Its offset.
    pub offset: u64,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a byte sequence at offset {} cannot be decoded",
            self.offset
        )
    }
}

impl std::error::Error for Malformed {}

impl<R: Read> Decoded<R> {
    /// `raw` positioned after the byte order mark (`offset` bytes into the file),
    /// decoded as `encoding` (UTF-8 passes through as it is).
    pub fn new(raw: R, encoding: &'static Encoding, offset: u64) -> Decoded<R> {
        Decoded {
            raw: BufReader::with_capacity(CHUNK, raw),
            decoder: (encoding != UTF_8).then(|| encoding.new_decoder_without_bom_handling()),
            offset,
            done: false,
        }
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let Some(decoder) = &mut self.decoder else {
            let n = self.raw.read(out)?;
            self.offset += n as u64;
            return Ok(n);
        };
        if out.len() < 4 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer too small",
            ));
        }
        loop {
            if self.done {
                return Ok(0);
            }
            let input = self.raw.fill_buf()?;
            let last = input.is_empty();
            let (result, read, written) =
                decoder.decode_to_utf8_without_replacement(input, out, last);
            self.raw.consume(read);
            self.offset += read as u64;
            match result {
                DecoderResult::Malformed(bad, after) => {
                    let offset = self.offset - u64::from(after) - u64::from(bad);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Malformed { offset },
                    ));
                }
                DecoderResult::InputEmpty if last => self.done = true,
                _ => {}
            }
            if written > 0 || self.done {
                return Ok(written);
            }
        }
    }
}

/// One CSV record: its fields' bytes and where each ends.
#[derive(Debug, Default)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
}

impl Record {
    /// The fields.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.len].iter().map(move |&end| {
            let field = &self.bytes[start..end];
            start = end;
            field
        })
    }
}

/// Rows of a CSV stream, one at a time, numbered as a spreadsheet shows them.
pub struct Rows<R> {
    input: R,
    core: csv_core::Reader,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    /// The last byte of the record before was `\r`: a `\n` right after it is its end.
    after_cr: bool,
    /// Rows so far (records and blank lines).
    row: usize,
    /// Input bytes consumed so far.
    consumed: u64,
    record: Record,
}

impl<R: Read> Rows<R> {
    /// Rows of `input` split at `delimiter`.
    pub fn new(input: R, delimiter: u8) -> Rows<R> {
        Rows {
            input,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            after_cr: false,
            row: 0,
            consumed: 0,
            record: Record {
                bytes: vec![0; 1024],
                ends: vec![0; 16],
                len: 0,
            },
        }
    }

    /// Input bytes consumed so far (the end of the last row returned).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos == self.len && !self.eof {
            self.len = read_some(&mut self.input, &mut self.buf)?;
            self.pos = 0;
            self.eof = self.len == 0;
        }
        Ok(())
    }

    /// Skip the line breaks before a record, one blank row each (`\r\n` is one).
    fn skip_blank_lines(&mut self) -> io::Result<()> {
        loop {
            self.fill()?;
            if self.pos == self.len {
                return Ok(());
            }
            let byte = self.buf[self.pos];
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.row += 1,
                b'\r' => {
                    self.row += 1;
                    self.after_cr = true;
                }
                _ => {
                    self.after_cr = false;
                    return Ok(());
                }
            }
            if byte == b'\n' {
                self.after_cr = false;
            }
            self.pos += 1;
            self.consumed += 1;
        }
    }

    /// The next row: its number and its record; `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<(usize, &Record)>, ImportError> {
        let io_error = |e: io::Error| match e.get_ref().and_then(|i| i.downcast_ref::<Malformed>())
        {
            Some(bad) => ImportError::Undecodable {
                encoding: "",
                offset: bad.offset,
                row: 0,
            },
            None => ImportError::Csv(e.to_string()),
        };
        self.skip_blank_lines().map_err(io_error)?;
        let (mut out, mut ends) = (0usize, 0usize);
        let mut taken = 0u64;
        loop {
            self.fill().map_err(io_error)?;
            let input = &self.buf[self.pos..self.len];
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.record.bytes[out..],
                &mut self.record.ends[ends..],
            );
            if nin > 0 {
                self.after_cr = input[nin - 1] == b'\r';
            }
            self.pos += nin;
            self.consumed += nin as u64;
            taken += nin as u64;
            out += nout;
            ends += nend;
            if taken > MAX_ROW_BYTES {
                return Err(ImportError::TooBig(TooBig::new(
                    Limit::RowBytes(self.row + 1),
                    taken,
                )));
            }
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let grown = self.record.bytes.len() * 2;
                    self.record.bytes.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let grown = self.record.ends.len() * 2;
                    self.record.ends.resize(grown, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.row += 1;
                    // csv-core's ends count from the record's start, as `out` does.
                    self.record.len = ends;
                    return Ok(Some((self.row, &self.record)));
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

/// The delimiter of the first non-empty line of `head`: whichever of `;`, `,` and tab
/// occurs most often outside quotes; `;` on a tie (Russian Excel's choice).
pub fn detect_delimiter(head: &str) -> u8 {
    let line = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
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

/// The text from the start of `text` up to and with its first non-empty line (at most
/// [`MAX_ROW_BYTES`]), for [`detect_delimiter`].
pub fn first_line(text: &mut dyn Read) -> io::Result<String> {
    let mut head = Vec::new();
    let mut reader = BufReader::new(text.take(MAX_ROW_BYTES));
    loop {
        let before = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            break;
        }
        if !String::from_utf8_lossy(&head[before..]).trim().is_empty() {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The row of the byte at `offset` of a CSV file in an ASCII-compatible encoding, for
/// an error message (delimiters, quotes and line breaks are ASCII in all of them, so the
/// rows split the same before decoding).
pub fn row_at(raw: &mut dyn Read, delimiter: u8, offset: u64) -> usize {
    let mut rows = Rows::new(raw, delimiter);
    let mut row = 1;
    loop {
        let before = rows.consumed();
        match rows.next_row() {
            Ok(Some((number, _))) => {
                row = number;
                if rows.consumed() > offset {
                    return if before > offset { number } else { row };
                }
            }
            _ => return row.max(rows.row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut rows = Rows::new(text.as_bytes(), b';');
        let mut out = Vec::new();
        while let Some((n, record)) = rows.next_row().unwrap() {
            out.push((
                n,
                record
                    .fields()
                    .map(|f| String::from_utf8(f.to_vec()).unwrap())
                    .collect(),
            ));
        }
        out
    }

    #[test]
    fn blank_lines_are_rows_and_a_quoted_line_break_is_not() {
        assert_eq!(
            rows_of("a;b\r\n1;\"x;y\nz\"\r\n\r\n2;\n"),
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "x;y\nz".into()]),
                (4, vec!["2".into(), String::new()]),
            ]
        );
        assert_eq!(
            rows_of("\n\na\rb\r\rc"),
            vec![
                (3, vec!["a".into()]),
                (4, vec!["b".into()]),
                (6, vec!["c".into()]),
            ]
        );
    }

    #[test]
    fn a_row_longer_than_the_limit_is_refused_by_number() {
        let text = format!(
            "a;b\n\"{}",
            "x".repeat(usize::try_from(MAX_ROW_BYTES).unwrap() + 10)
        );
        let mut rows = Rows::new(text.as_bytes(), b';');
        rows.next_row().unwrap();
        assert!(matches!(
            rows.next_row(),
            Err(ImportError::TooBig(TooBig {
                limit: Limit::RowBytes(2),
                ..
            }))
        ));
    }

    #[test]
    fn the_census_counts_utf8_sequences_and_bytes_that_are_not() {
        let mut bytes = "Врач был внимателен".as_bytes().to_vec();
        bytes.insert(4, 0xFF);
        let census = Utf8Census::of(&mut bytes.as_slice(), 0).unwrap();
        assert_eq!(census.invalid, 1);
        assert_eq!(census.first_invalid, Some(4));
        assert_eq!(census.multibyte, 17);
        assert_eq!(census.first_multibyte, Some(0));

        let (cp1251, _, _) = WINDOWS_1251.encode("Врач был внимателен");
        let census = Utf8Census::of(&mut &cp1251[..], 0).unwrap();
        assert_eq!((census.multibyte, census.invalid > 0), (0, true));
    }

    #[test]
    fn a_sequence_cut_by_a_chunk_boundary_is_still_valid() {
        let mut text = "x".repeat(CHUNK - 1);
        text.push_str("Жжж");
        let census = Utf8Census::of(&mut text.as_bytes(), 0).unwrap();
        assert_eq!((census.invalid, census.multibyte), (0, 3));
    }

    #[test]
    fn the_encoding_is_utf8_1251_or_refused_when_mixed() {
        let decide_for = |bytes: &[u8], forced| {
            let census = Utf8Census::of(&mut &bytes[..], 0).unwrap();
            decide(bytes, &census, forced)
        };
        let utf8 = "Визит;Замечания\nv-1;Врач был внимателен\n".as_bytes();
        assert_eq!(decide_for(utf8, None).unwrap().encoding, UTF_8);
        let (cp1251, _, _) = WINDOWS_1251.encode("Визит;Замечания\nv-1;Врач был внимателен\n");
        assert_eq!(decide_for(&cp1251, None).unwrap().encoding, WINDOWS_1251);
        // A capital letter before `»` is valid UTF-8 by accident (`Р»` = «л»): a 1251 file
        // holding one is still 1251, and reads back whole.
        let text = "Визит;Замечания\nv-1;Спасибо, «ДОКТОР» внимательный\nv-2;Всё хорошо\n";
        let (cp1251, _, _) = WINDOWS_1251.encode(text);
        let census = Utf8Census::of(&mut &cp1251[..], 0).unwrap();
        assert!(census.multibyte > 0, "the accident happens: {census:?}");
        assert_eq!(decide_for(&cp1251, None).unwrap().encoding, WINDOWS_1251);
        // One bad byte in a UTF-8 file: refused, naming it.
        let mut broken = utf8.to_vec();
        broken.insert(30, 0xC0);
        match decide_for(&broken, None) {
            Err(Ok(unsure)) => assert_eq!(
                unsure,
                Unsure {
                    offset: 30,
                    mostly_utf8: true
                }
            ),
            other => panic!("{other:?}"),
        }
        // Forced UTF-8 does not read the bad byte either; forced 1251 does.
        assert!(matches!(decide_for(&broken, Some(UTF_8)), Err(Ok(_))));
        assert_eq!(
            decide_for(&broken, Some(WINDOWS_1251)).unwrap().encoding,
            WINDOWS_1251
        );
        // A UTF-8 byte order mark with a bad byte after it: refused too.
        let bom = [b"\xEF\xBB\xBF".as_slice(), &broken].concat();
        assert!(matches!(decide_for(&bom, None), Err(Ok(_))));
        assert!(matches!(
            decide_for(b"a;b\0c", None),
            Err(Err(ImportError::NotText))
        ));
    }

    #[test]
    fn decoding_streams_and_names_the_offset_of_a_bad_sequence() {
        let (cp1251, _, _) = WINDOWS_1251.encode("Визит;Чистота");
        let mut text = String::new();
        Decoded::new(&cp1251[..], WINDOWS_1251, 0)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "Визит;Чистота");
        let shift_jis = encoding_rs::SHIFT_JIS;
        let err = Decoded::new(&b"ab\x81"[..], shift_jis, 10)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let malformed = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<Malformed>())
            .unwrap();
        assert_eq!(malformed.offset, 12);
    }

    #[test]
    fn row_at_names_the_row_of_an_offset() {
        let bytes = b"a;b\n\"x\ny\";z\n\nq;\xFF\n";
        let bad = u64::try_from(bytes.iter().position(|b| *b == b'q').unwrap()).unwrap();
        assert_eq!(row_at(&mut &bytes[..], b';', bad + 2), 4);
        assert_eq!(row_at(&mut &bytes[..], b';', 6), 2);
        assert_eq!(row_at(&mut &bytes[..], b';', 0), 1);
    }

    #[test]
    fn the_delimiter_is_what_the_header_uses_most_outside_quotes() {
        assert_eq!(detect_delimiter("a;b;c\n1,2;3;4"), b';');
        assert_eq!(detect_delimiter("a,b,c\n"), b',');
        assert_eq!(detect_delimiter("\n\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("single"), b';');
    }
}

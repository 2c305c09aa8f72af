//! Hostile files for the import, made in the test (no binary blobs in the repository):
//! XLSX workbooks whose parts claim or hold more than the import's limits, a zip bomb,
//! and large CSV files. The ZIP container is written here by hand (stored or deflated
//! entries, their CRC and sizes declared honestly), so a part can inflate to gigabytes
//! from a few megabytes without the test compressing gigabytes.

use std::io::Write as _;
use std::path::Path;

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// One part of a ZIP: its name, its bytes as stored, the CRC-32 and size of its
/// content, and its method (0 stored, 8 deflated).
struct Part {
    name: String,
    data: Vec<u8>,
    crc: u32,
    size: u64,
    method: u16,
}

fn stored(name: &str, content: &[u8]) -> Part {
    Part {
        name: name.to_owned(),
        data: content.to_vec(),
        crc: crc32fast::hash(content),
        size: content.len() as u64,
        method: 0,
    }
}

/// A ZIP file of `parts` (no ZIP64: every size below 4 GiB).
fn zip(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let u16le = |v: u16| v.to_le_bytes();
    let u32le = |v: u32| v.to_le_bytes();
    for part in parts {
        let offset = u32::try_from(out.len()).unwrap();
        let size = u32::try_from(part.size).unwrap();
        let compressed = u32::try_from(part.data.len()).unwrap();
        let name = part.name.as_bytes();
        let name_len = u16::try_from(name.len()).unwrap();
        out.extend_from_slice(&u32le(0x0403_4b50));
        out.extend_from_slice(&u16le(20)); // version needed
        out.extend_from_slice(&u16le(0)); // flags
        out.extend_from_slice(&u16le(part.method));
        out.extend_from_slice(&u16le(0)); // time
        out.extend_from_slice(&u16le(0x21)); // date
        out.extend_from_slice(&u32le(part.crc));
        out.extend_from_slice(&u32le(compressed));
        out.extend_from_slice(&u32le(size));
        out.extend_from_slice(&u16le(name_len));
        out.extend_from_slice(&u16le(0)); // extra
        out.extend_from_slice(name);
        out.extend_from_slice(&part.data);

        central.extend_from_slice(&u32le(0x0201_4b50));
        central.extend_from_slice(&u16le(20)); // made by
        central.extend_from_slice(&u16le(20)); // needed
        central.extend_from_slice(&u16le(0));
        central.extend_from_slice(&u16le(part.method));
        central.extend_from_slice(&u16le(0));
        central.extend_from_slice(&u16le(0x21));
        central.extend_from_slice(&u32le(part.crc));
        central.extend_from_slice(&u32le(compressed));
        central.extend_from_slice(&u32le(size));
        central.extend_from_slice(&u16le(name_len));
        central.extend_from_slice(&u16le(0)); // extra
        central.extend_from_slice(&u16le(0)); // comment
        central.extend_from_slice(&u16le(0)); // disk
        central.extend_from_slice(&u16le(0)); // internal attributes
        central.extend_from_slice(&u32le(0)); // external attributes
        central.extend_from_slice(&u32le(offset));
        central.extend_from_slice(name);
    }
    let central_at = u32::try_from(out.len()).unwrap();
    let count = u16::try_from(parts.len()).unwrap();
    out.extend_from_slice(&central);
    out.extend_from_slice(&u32le(0x0605_4b50));
    out.extend_from_slice(&u16le(0));
    out.extend_from_slice(&u16le(0));
    out.extend_from_slice(&u16le(count));
    out.extend_from_slice(&u16le(count));
    out.extend_from_slice(&u32le(u32::try_from(central.len()).unwrap()));
    out.extend_from_slice(&u32le(central_at));
    out.extend_from_slice(&u16le(0));
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Анкеты" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// The header row of the paper form, as inline strings.
const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Визит</t></is></c><c r="B1" t="inlineStr"><is><t>Ожидание</t></is></c><c r="C1" t="inlineStr"><is><t>Результат</t></is></c><c r="D1" t="inlineStr"><is><t>Отношение</t></is></c><c r="E1" t="inlineStr"><is><t>Чистота</t></is></c></row>"#;

fn sheet(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{HEADER_ROW}{rows}</sheetData></worksheet>"#
    )
}

fn workbook(sheet: Part, shared: &str) -> Vec<u8> {
    zip(&[
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", WORKBOOK.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        sheet,
        stored("xl/sharedStrings.xml", shared.as_bytes()),
    ])
}

const ONE_STRING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>v-1</t></si></sst>"#;

/// A valid workbook of `rows` data rows (for a control: the same shape passes).
pub fn xlsx_rows(path: &Path, rows: usize) {
    use std::fmt::Write as _;
    let mut data = String::new();
    for n in 0..rows {
        let r = n + 2;
        write!(
            data,
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>v-{n}</t></is></c><c r="B{r}"><v>5</v></c><c r="C{r}"><v>4</v></c><c r="D{r}"><v>3</v></c><c r="E{r}"><v>2</v></c></row>"#
        )
        .unwrap();
    }
    let sheet = stored(
        "xl/worksheets/sheet1.xml",
        sheet(&format!("A1:E{}", rows + 1), &data).as_bytes(),
    );
    std::fs::write(path, workbook(sheet, ONE_STRING)).unwrap();
}

/// About 2 KB: a shared-string table that claims 10^12 strings (calamine reserves them).
pub fn xlsx_claiming_shared_strings(path: &Path) {
    let shared = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1000000000000" uniqueCount="1000000000000"><si><t>v-1</t></si></sst>"#;
    let rows = r#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>5</v></c><c r="C2"><v>5</v></c><c r="D2"><v>5</v></c><c r="E2"><v>5</v></c></row>"#;
    let sheet = stored("xl/worksheets/sheet1.xml", sheet("A1:E2", rows).as_bytes());
    std::fs::write(path, workbook(sheet, shared)).unwrap();
}

/// A sheet with cells in A1 and XFD1048576 only (and the dimension to match): a dense
/// grid of 17 billion cells for a reader that builds one.
pub fn xlsx_sparse_corners(path: &Path) {
    let rows = r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    let sheet = stored(
        "xl/worksheets/sheet1.xml",
        sheet("A1:XFD1048576", rows).as_bytes(),
    );
    std::fs::write(path, workbook(sheet, ONE_STRING)).unwrap();
}

/// A few MB whose sheet XML inflates to about 4 GB: one deflated MiB of rows, its
/// compressed form repeated (each copy only refers back within itself, so the
/// repeated stream inflates to the MiB repeated).
pub fn xlsx_zip_bomb(path: &Path) {
    const COPIES: u32 = 4000;
    let head = sheet("A1:E2", "");
    let head = head
        .strip_suffix("</sheetData></worksheet>")
        .unwrap()
        .as_bytes()
        .to_vec();
    let row = r#"<row><c t="inlineStr"><is><t>bomb</t></is></c><c><v>5</v></c></row>"#;
    let mut chunk = Vec::with_capacity(1 << 20);
    while chunk.len() + row.len() <= 1 << 20 {
        chunk.extend_from_slice(row.as_bytes());
    }
    let tail = b"</sheetData></worksheet>".to_vec();

    let deflate_block = |bytes: &[u8]| {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).unwrap();
        // A sync flush ends the block on a byte boundary, not final.
        encoder.flush().unwrap();
        encoder.get_ref().clone()
    };
    let mut data = deflate_block(&head);
    let block = deflate_block(&chunk);
    for _ in 0..COPIES {
        data.extend_from_slice(&block);
    }
    let mut end = DeflateEncoder::new(Vec::new(), Compression::best());
    end.write_all(&tail).unwrap();
    data.extend_from_slice(&end.finish().unwrap());

    let mut crc = crc32fast::Hasher::new();
    crc.update(&head);
    let mut chunk_crc = crc32fast::Hasher::new();
    chunk_crc.update(&chunk);
    for _ in 0..COPIES {
        crc.combine(&chunk_crc);
    }
    crc.update(&tail);
    let size = head.len() as u64 + u64::from(COPIES) * chunk.len() as u64 + tail.len() as u64;
    let sheet = Part {
        name: "xl/worksheets/sheet1.xml".into(),
        data,
        crc: crc.finalize(),
        size,
        method: 8,
    };
    std::fs::write(path, workbook(sheet, ONE_STRING)).unwrap();
}

/// A UTF-8 paper-forms CSV of about `bytes` bytes (rows of about 100 bytes, Cyrillic
/// remarks), written a row at a time; returns its rows.
pub fn big_csv(path: &Path, bytes: u64) -> usize {
    let file = std::fs::File::create(path).unwrap();
    let mut out = std::io::BufWriter::new(file);
    out.write_all(
        "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n"
            .as_bytes(),
    )
    .unwrap();
    let mut written = 0u64;
    let mut rows = 0usize;
    while written < bytes {
        let line = format!(
            "big-{rows:09};{};{};{};{};Врач внимательный, спасибо;\n",
            1 + rows % 5,
            1 + (rows + 1) % 5,
            1 + (rows + 2) % 5,
            1 + (rows + 3) % 5
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        rows += 1;
    }
    out.flush().unwrap();
    rows
}

/// One BIFF record: its type, its length, its data.
fn biff(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_le_bytes().to_vec();
    out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// A BIFF8 beginning-of-file record: `kind` 0x0005 for the workbook's globals, 0x0010
/// for a worksheet.
fn bof(kind: u16) -> Vec<u8> {
    let mut data = 0x0600u16.to_le_bytes().to_vec();
    data.extend_from_slice(&kind.to_le_bytes());
    data.extend_from_slice(&[0; 12]);
    biff(0x0809, &data)
}

/// An XLS workbook (an OLE compound file with a BIFF8 `Workbook` stream) of one sheet
/// whose `DIMENSIONS` record claims `rows` rows × `cols` columns, holding one number in
/// A1: calamine reserves the claimed cells when it opens the file.
pub fn xls_claiming_dimensions(path: &Path, rows: u32, cols: u16) {
    let name = b"Sheet1";
    let sheet_record_len = 4 + 8 + name.len();
    let globals_len = bof(0x0005).len() + sheet_record_len + 4;
    let mut boundsheet = u32::try_from(globals_len).unwrap().to_le_bytes().to_vec();
    boundsheet.extend_from_slice(&[0, 0, u8::try_from(name.len()).unwrap(), 0]);
    boundsheet.extend_from_slice(name);
    let mut stream = bof(0x0005);
    stream.extend(biff(0x0085, &boundsheet));
    stream.extend(biff(0x000A, &[]));
    assert_eq!(stream.len(), globals_len);
    stream.extend(bof(0x0010));
    let mut dimensions = 0u32.to_le_bytes().to_vec();
    dimensions.extend_from_slice(&rows.to_le_bytes());
    dimensions.extend_from_slice(&0u16.to_le_bytes());
    dimensions.extend_from_slice(&cols.to_le_bytes());
    dimensions.extend_from_slice(&0u16.to_le_bytes());
    stream.extend(biff(0x0200, &dimensions));
    let mut number = vec![0, 0, 0, 0, 0x0F, 0];
    number.extend_from_slice(&5.0f64.to_le_bytes());
    stream.extend(biff(0x0203, &number));
    stream.extend(biff(0x000A, &[]));
    let mut compound = cfb::create(path).unwrap();
    let mut workbook = compound.create_stream("/Workbook").unwrap();
    workbook.write_all(&stream).unwrap();
    workbook.flush().unwrap();
    drop(workbook);
    compound.flush().unwrap();
}

/// An ODS workbook of one table: a header row (Визит, Ожидание, Результат, Отношение,
/// Чистота), then `rows` (`table:table-row` elements as ODS writes them).
pub fn ods(path: &Path, rows: &str) {
    let cell = |text: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    };
    let header: String = ["Визит", "Ожидание", "Результат", "Отношение", "Чистота"]
        .iter()
        .map(|h| cell(h))
        .collect();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Анкеты"><table:table-row>{header}</table:table-row>{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let file = zip(&[
        stored(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        stored("content.xml", content.as_bytes()),
        stored("META-INF/manifest.xml", manifest.as_bytes()),
    ]);
    std::fs::write(path, file).unwrap();
}

/// An ODS data row: a visit id and four scores.
pub fn ods_row(id: &str, scores: [u8; 4]) -> String {
    use std::fmt::Write as _;
    let mut row = format!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{id}</text:p></table:table-cell>"#
    );
    for s in scores {
        write!(
            row,
            r#"<table:table-cell office:value-type="float" office:value="{s}"><text:p>{s}</text:p></table:table-cell>"#
        )
        .unwrap();
    }
    row.push_str("</table:table-row>");
    row
}

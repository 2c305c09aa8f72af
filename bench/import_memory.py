#!/usr/bin/env python3
"""Peak memory of `visit-rating import --dry-run` on large files (issue 23).

bench/run's import-memory section: the release binary checks
- a 200 MB UTF-8 CSV of about 2 million rows, against an empty import (the header
  alone): the goal is at most 64 MiB above it;
- the largest XLSX the import's limits allow (100,000 rows x 10 columns = 1,000,000
  cells, the MAX_CELLS limit; unique visit ids and remarks in the shared-string table),
  against the file's size.

Peak resident memory is the child's own ru_maxrss (os.wait4), no sampling. The files
are made here, in a temporary folder, and removed after. Each run is repeated
(BENCH_IMPORT_RUNS, default 3) and the largest peak kept. Prints a markdown section in
bench/run's table format (figure | ours | baseline | ratio | unit); exits 1 when the
CSV goal is missed.

Run: python3 bench/import_memory.py --app target/release/visit-rating
(BENCH_IMPORT_CSV_MB changes the CSV's size.)
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import zipfile

HEADER = "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n"
GOAL_MIB = 64


def log(text):
    print(text, file=sys.stderr, flush=True)


def write_csv(path, megabytes):
    """About `megabytes` MB of rows of about 100 bytes; returns the row count."""
    target = megabytes * 1000 * 1000
    rows = 0
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        chunk = []
        while written < target:
            line = "bench-%09d;%d;%d;%d;%d;Врач внимательный, спасибо за приём;\n" % (
                rows, 1 + rows % 5, 1 + (rows + 1) % 5, 1 + (rows + 2) % 5, 1 + (rows + 3) % 5)
            chunk.append(line)
            written += len(line.encode("utf-8"))
            rows += 1
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    return rows


def col(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(path, rows, columns):
    """A workbook of `rows` data rows x `columns` columns (a header row on top, so
    rows + 1 rows in all must stay within the limits: rows is 99,999 at most)."""
    headers = ["Визит", "Время ожидания", "Результат посещения", "Отношение персонала",
               "Чистота", "Замечания", "Не был(а)"] + ["Доп. %d" % n for n in range(columns - 7)]
    strings = []
    index = {}

    def sst(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    def esc(text):
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    last = "%s%d" % (col(columns - 1), rows + 1)
    sheet = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<dimension ref="A1:%s"/><sheetData>' % last]
    cells = "".join('<c r="%s1" t="s"><v>%d</v></c>' % (col(c), sst(h)) for c, h in enumerate(headers))
    sheet.append('<row r="1">%s</row>' % cells)
    for n in range(rows):
        r = n + 2
        parts = ['<c r="A%d" t="s"><v>%d</v></c>' % (r, sst("bench-xlsx-%06d" % n))]
        for c in range(1, 5):
            parts.append('<c r="%s%d"><v>%d</v></c>' % (col(c), r, 1 + (n + c) % 5))
        parts.append('<c r="F%d" t="s"><v>%d</v></c>' % (r, sst("Замечание %d: всё хорошо, спасибо" % n)))
        parts.append('<c r="G%d" t="s"><v>%d</v></c>' % (r, sst("нет")))
        for c in range(7, columns):
            parts.append('<c r="%s%d"><v>%d</v></c>' % (col(c), r, n))
        sheet.append('<row r="%d">%s</row>' % (r, "".join(parts)))
    sheet.append("</sheetData></worksheet>")
    shared = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              'count="%d" uniqueCount="%d">' % (len(strings), len(strings))]
    shared.extend("<si><t>%s</t></si>" % esc(s) for s in strings)
    shared.append("</sst>")
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '</Types>',
        "_rels/.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>',
        "xl/workbook.xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Анкеты" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>',
        "xl/worksheets/sheet1.xml": "".join(sheet),
        "xl/sharedStrings.xml": "".join(shared),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return rows


class Child:
    """A child process whose own peak RSS is read with os.wait4 when it ends."""

    def __init__(self, args, env):
        self.args = args
        self.env = env

    def run(self):
        read_out, write_out = os.pipe()
        read_err, write_err = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.dup2(write_out, 1)
            os.dup2(write_err, 2)
            os.close(read_out)
            os.close(read_err)
            os.execve(self.args[0], self.args, self.env)
        os.close(write_out)
        os.close(write_err)
        with os.fdopen(read_out, "rb") as out_f, os.fdopen(read_err, "rb") as err_f:
            out = out_f.read()
            err = err_f.read()
        _, status, usage = os.wait4(pid, 0)
        return os.waitstatus_to_exitcode(status), out, err, usage.ru_maxrss


def measure(app, path, env, runs):
    peaks = []
    times = []
    out = b""
    for _ in range(runs):
        started = time.monotonic()
        code, out, err, maxrss = Child([app, "import", "--dry-run", path], env).run()
        times.append(time.monotonic() - started)
        if code != 0:
            raise SystemExit("import --dry-run %s failed (%d): %s" % (path, code, err.decode()))
        peaks.append(maxrss)
    times.sort()
    return max(peaks), times[len(times) // 2], out.decode().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", required=True, help="the release visit-rating binary")
    args = parser.parse_args()
    runs = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))
    csv_mb = int(os.environ.get("BENCH_IMPORT_CSV_MB", "200"))
    work = tempfile.mkdtemp(prefix="bench-import-memory-")
    try:
        home = os.path.join(work, "home")
        os.makedirs(home)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
               "XDG_CONFIG_HOME": os.path.join(home, ".config"),
               "XDG_DATA_HOME": os.path.join(home, ".local", "share"), "LANG": "C.UTF-8"}
        empty = os.path.join(work, "empty.csv")
        with open(empty, "w", encoding="utf-8") as f:
            f.write(HEADER)
        log("import-memory: writing a %d MB CSV" % csv_mb)
        big = os.path.join(work, "big.csv")
        csv_rows = write_csv(big, csv_mb)
        log("import-memory: writing the largest XLSX the limits allow")
        xlsx = os.path.join(work, "largest.xlsx")
        xlsx_rows = write_xlsx(xlsx, 99_999, 10)

        # The empty import is not a failure: no data rows is "0 rows, 0 invalid".
        empty_kib, empty_s, _ = measure(args.app, empty, env, runs)
        big_kib, big_s, big_out = measure(args.app, big, env, runs)
        xlsx_kib, xlsx_s, xlsx_out = measure(args.app, xlsx, env, runs)
        if str(csv_rows) not in big_out or str(xlsx_rows) not in xlsx_out:
            raise SystemExit("unexpected summaries: %r / %r" % (big_out, xlsx_out))
        csv_bytes = os.path.getsize(big)
        xlsx_bytes = os.path.getsize(xlsx)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mib = lambda kib: kib / 1024.0
    above = mib(big_kib) - mib(empty_kib)
    print()
    print("## Import memory (bench/import_memory.py)")
    print()
    print("`visit-rating import --dry-run`, release build, peak resident memory of the process "
          "(its own ru_maxrss), the largest of %d runs each; %d cores." % (runs, os.cpu_count() or 0))
    print()
    print("| figure | ours | baseline | ratio | unit |")
    print("|---|---|---|---|---|")
    print("| peak RSS, %.0f MB CSV (%d rows) vs an empty CSV; goal at most %d MiB above | %.1f | %.1f | +%.1f MiB | MiB |"
          % (csv_bytes / 1e6, csv_rows, GOAL_MIB, mib(big_kib), mib(empty_kib), above))
    print("| peak RSS, largest XLSX the limits allow (%d x 10 cells) vs its size | %.1f | %.1f | %.2f | MiB |"
          % (xlsx_rows + 1, mib(xlsx_kib), xlsx_bytes / 1048576.0, mib(xlsx_kib) / (xlsx_bytes / 1048576.0)))
    print("| time to check the %.0f MB CSV, no baseline | %.1f | — | %.0f | s (rows/s) |"
          % (csv_bytes / 1e6, big_s, csv_rows / big_s))
    print("| time to check the largest XLSX, no baseline | %.1f | — | %.0f | s (rows/s) |"
          % (xlsx_s, xlsx_rows / xlsx_s))
    if above > GOAL_MIB:
        log("import-memory: %.1f MiB above the empty import, over the goal of %d MiB" % (above, GOAL_MIB))
        sys.exit(1)


if __name__ == "__main__":
    main()

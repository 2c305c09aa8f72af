#!/usr/bin/env python3
"""bench/run's measurements: runs the probes, prints the table, writes bench/results.md.

Called by bench/run with DISPLAY set to a private Xvfb and the release binaries built.
Every figure is paired with a baseline measured in this same run, so the ratio survives
a loaded machine even when the absolute numbers do not.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
APP = os.path.join(TARGET, "release", "visit-rating")
MINIMAL = os.path.join(TARGET, "release", "minimal-egui")
PROBE = os.path.join(TARGET, "release", "frame-probe")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
IDLE = float(os.environ.get("BENCH_IDLE_SECS", "30"))
SUBMITS = int(os.environ.get("BENCH_SUBMITS", "50"))
CHROME = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--window-size=1000,780"]
FORM = "file://" + os.path.join(BENCH, "form.html")
TOKEN = "bench-token"


def log(text):
    print(text, file=sys.stderr, flush=True)


def xprobe(args):
    out = subprocess.run([sys.executable, os.path.join(BENCH, "xprobe.py")] + args,
                         check=True, capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def chrome(*extra):
    return CHROME + ["--user-data-dir=" + tempfile.mkdtemp(prefix="bench-chromium-")] + list(extra)


def cold_starts():
    ours, minimal, chromium = [], [], []
    for i in range(RUNS):
        log(f"  cold start {i + 1}/{RUNS}")
        ours.append(xprobe(["--settle", "2", "--", APP, "--demo"]))
        minimal.append(xprobe(["--settle", "2", "--", MINIMAL]))
        shot = os.path.join(tempfile.mkdtemp(prefix="bench-shot-"), "form.png")
        start = time.monotonic()
        subprocess.run(chrome("--screenshot=" + shot, FORM), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        chromium.append((time.monotonic() - start) * 1000.0)
        if not os.path.getsize(shot):
            sys.exit("chromium wrote an empty screenshot")
    return ours, minimal, chromium


def idle():
    """Ours, the minimal window and Chromium idle, one after the other: with no window
    manager a newly mapped winit window takes the input focus, so side by side the last
    one would hold it. Ours gets the focus (a kiosk's window has it); the minimal window
    has no text field, so focus changes nothing there; Chromium's headless page is
    focused by itself (its caret blinks in the screenshot)."""
    common = ["--settle", "3", "--idle", str(IDLE)]
    runs = [("ours", ["--focus"] + common + ["--", APP, "--demo"]),
            ("minimal egui", common + ["--", MINIMAL]),
            ("chromium", ["--no-window"] + common + ["--"] + chrome("--remote-debugging-port=0", FORM))]
    results = []
    for name, args in runs:
        log(f"  idle {IDLE:.0f} s: {name}")
        results.append(xprobe(args))
    return results


def frame_times():
    log("  frame times (scripted session through the real form)")
    out = subprocess.run([PROBE], check=True, capture_output=True, text=True, timeout=300)
    values = {}
    for line in out.stdout.splitlines():
        name, value, _unit = line.split()
        values[name] = float(value)
    return values


def submit_vs_curl():
    log(f"  submit vs curl, {SUBMITS} each, interleaved")
    server = subprocess.Popen([APP, "mock-server", "--addr", "127.0.0.1:0", "--token", TOKEN],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip().removeprefix("listening on ")
        home = tempfile.mkdtemp(prefix="bench-home-")
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + "/.config",
                   XDG_DATA_HOME=home + "/.local/share", VISIT_RATING_TOKEN=TOKEN)
        env.pop("VISIT_RATING_URL", None)
        notes = "Врач внимательный, спасибо"
        body = json.dumps({"result_1": 5, "result_2": 4, "result_3": 5, "result_4": 3,
                           "notes": notes, "dont_visit": 0},
                          ensure_ascii=False, separators=(",", ":"))
        ours, curl = [], []
        run = os.getpid()
        for i in range(SUBMITS):
            start = time.monotonic()
            done = subprocess.run([APP, "submit", "--url", url, "--history", f"ours-{run}-{i}",
                                   "--scores", "5,4,5,3", "--notes", notes, "--json"],
                                  env=env, capture_output=True, timeout=60)
            ours.append((time.monotonic() - start) * 1000.0)
            if done.returncode != 0:
                sys.exit(f"submit failed ({done.returncode}): {done.stdout!r}")
            start = time.monotonic()
            done = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                   "-X", "POST",
                                   f"{url}/api/v2/iemk/doctors/visit/rating/curl-{run}-{i}",
                                   "-H", f"Authorization: Bearer {TOKEN}",
                                   "-H", "Content-Type: application/json",
                                   "-H", "Accept: application/json",
                                   "-H", "User-Agent: visit-rating/0.1.0",
                                   "--data-binary", body],
                                  capture_output=True, text=True, timeout=60)
            curl.append((time.monotonic() - start) * 1000.0)
            if done.stdout != "200":
                sys.exit(f"curl got {done.stdout}")
        stored = json.loads(subprocess.run(["curl", "-s", url + "/__mock/ratings"],
                                           capture_output=True, text=True).stdout)
        if len(stored) != 2 * SUBMITS:
            sys.exit(f"the server stored {len(stored)} ratings, expected {2 * SUBMITS}")
        ours_body = next(r["raw_body"] for r in stored if r["history"].startswith("ours-"))
        if ours_body != body:
            sys.exit(f"curl's body differs from ours:\n{ours_body}\n{body}")
        return ours, curl
    finally:
        server.terminate()
        server.wait()


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores, {model}, {mem_kib / 1024 / 1024:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}; load average at the start "
            f"{load[0]:.2f}")


def main():
    started = time.monotonic()
    header_machine = machine()
    ours, minimal, chromium_cold = cold_starts()
    idle_ours, idle_minimal, idle_chromium = idle()
    frames = frame_times()
    submit_ours, submit_curl = submit_vs_curl()

    med = statistics.median
    mib = lambda kib: kib / 1024.0  # noqa: E731
    first_ours = med(r["first_paint_ms"] for r in ours)
    first_min = med(r["first_paint_ms"] for r in minimal)
    rss_ours = mib(med(r["peak_rss_kib"] for r in ours))
    rss_min = mib(med(r["peak_rss_kib"] for r in minimal))
    pss_ours = mib(med(r["pss_kib"] for r in ours))
    rss_chr = mib(idle_chromium["peak_rss_kib"])
    pss_chr = mib(idle_chromium["pss_kib"])
    budget = 1000.0 / 60.0

    rows = [
        ("cold start to first painted frame vs minimal eframe (median of %d)" % RUNS,
         first_ours, first_min, "ms"),
        ("cold start to first painted frame vs headless Chromium (launch to screenshot written, median of %d)" % RUNS,
         first_ours, med(chromium_cold), "ms"),
        ("peak resident memory (VmHWM) after the window is up vs minimal eframe",
         rss_ours, rss_min, "MiB"),
        ("peak resident memory (VmHWM) vs headless Chromium (sum over its %d processes)"
         % idle_chromium["processes"], rss_ours, rss_chr, "MiB"),
        ("proportional resident memory (PSS) vs headless Chromium (sum over processes)",
         pss_ours, pss_chr, "MiB"),
        ("CPU used in %.0f s idle, form focused, vs headless Chromium" % IDLE,
         idle_ours["idle_cpu_ms"], idle_chromium["idle_cpu_ms"], "ms CPU"),
        ("CPU used in %.0f s idle, form focused, vs minimal eframe" % IDLE,
         idle_ours["idle_cpu_ms"], idle_minimal["idle_cpu_ms"], "ms CPU"),
        ("window repaints seen in %.0f s idle (pixel changes at 20 Hz) vs minimal eframe" % IDLE,
         idle_ours["idle_changes"], idle_minimal["idle_changes"], "changes"),
        ("one frame of the form (UI + tessellation), median of %d, vs 60 Hz budget"
         % frames["frames"], frames["median_ms"], budget, "ms"),
        ("one frame of the form, 99th percentile, vs 60 Hz budget", frames["p99_ms"], budget, "ms"),
        ("one frame of the form, worst (first frame excluded), vs 60 Hz budget",
         frames["max_ms"], budget, "ms"),
        ("first frame (fonts and atlas built), vs 60 Hz budget", frames["first_frame_ms"], budget, "ms"),
        ("`submit` end to end on loopback vs curl, identical request (mean of %d)" % SUBMITS,
         statistics.mean(submit_ours), statistics.mean(submit_curl), "ms"),
        ("`submit` vs curl, median", med(submit_ours), med(submit_curl), "ms"),
    ]

    def fmt(v):
        if not isinstance(v, float):
            return str(v)
        return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"

    def ratio(a, b):
        if not b:
            return "—" if a == 0 else "∞ (baseline 0)"
        r = a / b
        return f"{r:.2f}" if r >= 0.1 else f"{r:.4f}"

    lines = ["| figure | ours | baseline | ratio | unit |", "|---|---|---|---|---|"]
    for name, a, b, unit in rows:
        lines.append(f"| {name} | {fmt(a)} | {fmt(b)} | {ratio(a, b)} | {unit} |")
    lines.append("| outbox drain throughput vs a plain loop | — | — | — | ratings/s "
                 "(measured by `benches/outbox_drain.rs`: its table, «Outbox drain», is "
                 "appended at the end by bench/run) |")
    table = "\n".join(lines)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = time.monotonic() - started
    details = {
        "cold_ours_ms": [round(r["first_paint_ms"], 1) for r in ours],
        "cold_minimal_ms": [round(r["first_paint_ms"], 1) for r in minimal],
        "cold_chromium_ms": [round(v, 1) for v in chromium_cold],
        "idle": {"ours": idle_ours, "minimal": idle_minimal, "chromium": idle_chromium},
        "frames": frames,
    }
    text = (f"# bench/run results\n\n{now}; {header_machine}. Measurements took {took:.0f} s.\n\n"
            f"{table}\n\nRaw figures:\n\n```json\n{json.dumps(details, indent=1)}\n```\n")
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write(text)
    print(f"\n{now}; {header_machine}\n")
    print(table)


if __name__ == "__main__":
    main()

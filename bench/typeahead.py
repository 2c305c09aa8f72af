#!/usr/bin/env python3
"""Type-ahead in the real window: ratings typed with xdotool at a fixed gap between keys.

For each gap (milliseconds between keys, 0 = as fast as X delivers them) a fresh desk
window is started against a stand-in server in another process, and N ratings are typed
with the keyboard-only sequence of the book's "The window", each as one uninterrupted burst: visit id, Tab,
digit, Tab, digit, Tab, digit, Tab, digit, Tab, remarks, Ctrl+Enter. After each, the script
waits until the server has the rating and presses Enter for the next form. A rating is
"exact" when the server stored exactly the visit id, scores and remarks that were typed.

Prints a table, and the fastest gap at which every rating arrived exact. With --busy N,
N processes keep the processors busy meanwhile (a parallel build, a slow machine).

    python3 bench/typeahead.py --app target/release/visit-rating --gaps 40,10,0 --ratings 20

Needs: Xvfb (started here when DISPLAY is unset), xdotool, openbox (a window manager gives
the window the keyboard focus as a desktop does; without one the script focuses it itself).
Remarks are ASCII: xdotool remaps keys for characters missing from the keyboard map, and
typing Cyrillic fast garbles them in X itself, before any program sees them.

`bench/soak` drives the window with the same pieces (Rig, Window, type_rating).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "typeahead-token"
DEFAULT_APP = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                           "release", "visit-rating")
KEYSYMS = {"-": "minus", " ": "space", ",": "comma", ".": "period"}


def log(text):
    print(text, file=sys.stderr, flush=True)


def wait_for(check, limit, what):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def stopped(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Rig:
    """A display with a window manager, a stand-in server in its own process, and
    optionally processes that keep the processors busy. A context manager."""

    def __init__(self, app, busy=0):
        self.app = app
        self.busy = busy
        self.env = dict(os.environ)
        self.helpers = []
        self.work = tempfile.mkdtemp(prefix="bench-rig-")
        self.url = None

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        if not self.env.get("DISPLAY"):
            n = next(n for n in range(90, 200)
                     if not os.path.exists(f"/tmp/.X11-unix/X{n}")
                     and not os.path.exists(f"/tmp/.X{n}-lock"))
            self.helpers.append(subprocess.Popen(
                ["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{n}"), 10, "Xvfb did not start")
            self.env["DISPLAY"] = f":{n}"
        if not self.env.get("XDG_RUNTIME_DIR"):
            self.env["XDG_RUNTIME_DIR"] = os.path.join(self.work, "xdg")
            os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700)
        self.env.pop("WAYLAND_DISPLAY", None)
        if shutil.which("openbox"):
            self.helpers.append(subprocess.Popen(["openbox"], env=self.env,
                                                 stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL))
            time.sleep(0.5)
        else:
            log("bench: openbox not found; focusing the window by hand")
        # The key of the server's control endpoints (/__mock/*), ours to choose.
        self.key = os.urandom(16).hex()
        server = subprocess.Popen([self.app, "mock-server", "--addr", "127.0.0.1:0",
                                   "--token", TOKEN], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True,
                                  env=dict(self.env, VISIT_RATING_MOCK_KEY=self.key))
        self.helpers.append(server)
        self.url = server.stdout.readline().strip().removeprefix("listening on ")
        for _ in range(self.busy):
            self.helpers.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))

    def __exit__(self, *_):
        for helper in reversed(self.helpers):
            stopped(helper)
        shutil.rmtree(self.work, ignore_errors=True)

    def stored(self):
        request = urllib.request.Request(self.url + "/__mock/ratings",
                                         headers={"X-Mock-Key": self.key})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)

    def xdotool(self, *args, check=True):
        return subprocess.run(["xdotool", *args], env=self.env, check=check,
                              capture_output=True, text=True, timeout=300)


class Window:
    """The desk window against the rig's server, with a throwaway HOME, focused."""

    def __init__(self, rig, args=(), stderr=subprocess.DEVNULL, env_token=True):
        """`env_token` False: the token comes from the keyring (the caller stored it)."""
        self.rig = rig
        self.home = tempfile.mkdtemp(prefix="bench-home-")
        env = dict(rig.env, HOME=self.home, XDG_CONFIG_HOME=self.home + "/.config",
                   XDG_DATA_HOME=self.home + "/.local/share", VISIT_RATING_TOKEN=TOKEN,
                   VISIT_RATING_URL=rig.url)
        if not env_token:
            # The keyring lives under the caller's HOME (its Secret Service).
            env.pop("VISIT_RATING_TOKEN")
        self.process = subprocess.Popen([rig.app, *args], env=env,
                                        stdout=subprocess.DEVNULL, stderr=stderr)

    def __enter__(self):
        try:
            wid = wait_for(lambda: self.rig.xdotool(
                "search", "--onlyvisible", "--pid", str(self.process.pid),
                check=False).stdout.split(), 60, "the window never appeared")[-1]
            self.rig.xdotool("windowactivate", "--sync", wid, check=False)
            self.rig.xdotool("windowfocus", "--sync", wid, check=False)
            time.sleep(1.0)  # the first frames, the focus on the visit id
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_):
        stopped(self.process)
        shutil.rmtree(self.home, ignore_errors=True)

    def status(self, field):
        """A `VmRSS`-style field of /proc/PID/status, in KiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)


def keys(text):
    return [KEYSYMS.get(ch, ch) for ch in text]


def burst(gap, visit_id, digits, notes):
    """One xdotool command for the whole rating, the same gap between every two keys.
    (`xdotool type` would take every later argument as text: keys only.)"""
    sequence = keys(visit_id)
    for digit in digits:
        sequence += ["Tab", str(digit)]
    sequence += ["Tab"] + keys(notes) + ["ctrl+Return"]
    return ["key", "--delay", str(gap)] + sequence


def type_rating(rig, gap, visit_id, digits, notes, count_after):
    """Type one rating, wait until the server holds `count_after` ratings, press Enter for
    the next form (the window holds it until the thank-you screen is up)."""
    rig.xdotool(*burst(gap, visit_id, digits, notes))
    wait_for(lambda: len(rig.stored()) >= count_after, 20,
             f"{visit_id} never reached the server")
    rig.xdotool("key", "Return")
    time.sleep(0.3)


def exactness(rig, expected, prefix):
    """How many of `expected` (visit id, digits, notes) arrived exact, and how many
    ratings under `prefix` arrived for visits nobody typed."""
    got = {r["history"]: r["body"] for r in rig.stored()}
    exact = 0
    for visit_id, digits, notes in expected:
        body = got.get(visit_id)
        if body is None:
            log(f"  {visit_id} missing")
            continue
        scores = [body["result_1"], body["result_2"], body["result_3"], body["result_4"]]
        if scores == digits and body["notes"] == notes and body["dont_visit"] == 0:
            exact += 1
        else:
            log(f"  {visit_id} arrived as {scores} {body['notes']!r}")
    typed = {e[0] for e in expected}
    strays = [h for h in got if h.startswith(prefix) and h not in typed]
    for h in strays:
        log(f"  a rating for a visit nobody typed: {h}")
    return exact, len(strays)


def run_gap(rig, gap, count):
    prefix = f"ta-{gap}ms-{os.getpid()}-"
    expected = []
    before = len(rig.stored())
    with Window(rig):
        for i in range(count):
            visit_id = f"{prefix}{i + 1}"
            digits = [(i + k) % 5 + 1 for k in range(4)]
            notes = f"typed ahead at {gap} ms, rating {i + 1}"
            expected.append((visit_id, digits, notes))
            try:
                type_rating(rig, gap, visit_id, digits, notes, before + i + 1)
            except TimeoutError as e:
                log(f"  {gap} ms: {e}")
                break
    return exactness(rig, expected, prefix)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", default=DEFAULT_APP)
    parser.add_argument("--gaps", default="40,20,10,5,1,0",
                        help="milliseconds between keys, slowest first")
    parser.add_argument("--ratings", type=int, default=20)
    parser.add_argument("--busy", type=int, default=0,
                        help="processes that keep the processors busy meanwhile")
    parser.add_argument("--markdown", action="store_true",
                        help="print the section for bench/results.md on stdout")
    args = parser.parse_args()
    gaps = [int(g) for g in args.gaps.split(",")]

    rows = []
    with Rig(args.app, args.busy) as rig:
        for gap in gaps:
            log(f"typeahead: {args.ratings} ratings at {gap} ms between keys"
                f" ({args.busy} busy processes)")
            start = time.monotonic()
            exact, strays = run_gap(rig, gap, args.ratings)
            rows.append((gap, exact, strays, time.monotonic() - start))
            log(f"  {gap} ms: {exact}/{args.ratings} exact, {strays} strays")

    whole = [gap for gap, exact, strays, _ in rows if exact == args.ratings and strays == 0]
    fastest = min(whole) if whole else None
    lines = ["## Type-ahead in the real window", "",
             f"{args.ratings} ratings per gap, typed with xdotool (id, Tab, 4 digits, remarks,"
             f" Ctrl+Enter) into the desk window, {args.busy} busy processes beside it.", "",
             "| gap between keys | exact | strays | time |", "|---|---|---|---|"]
    for gap, exact, strays, took in rows:
        lines.append(f"| {gap} ms | {exact}/{args.ratings} | {strays} | {took:.0f} s |")
    lines += ["", "Fastest gap with every rating exact: "
              + (f"**{fastest} ms**" if fastest is not None else "none"), ""]
    print("\n".join(lines), file=sys.stdout if args.markdown else sys.stderr)
    sys.exit(0 if fastest is not None and fastest == min(gaps) else 1)


if __name__ == "__main__":
    main()

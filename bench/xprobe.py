#!/usr/bin/env python3
"""Launch a windowed program under an X server and measure it from the outside.

Used by bench/run. Prints one JSON object on stdout.

- first_paint_ms: from launch until a new top-level window is viewable AND shows painted
  content, polled every ~2 ms with XGetImage (libX11 through ctypes, no extra package).
  "Painted" means the window holds at least two colours, or one colour that is neither
  black nor white: a mapped but unpainted window is one flat colour (Xvfb runs with a
  black root, `-br`). The figure includes the kernel's process start, dynamic linking,
  the app's own start-up and the first present through the software renderer.
- peak_rss_kib / pss_kib: VmHWM and Pss (smaps_rollup) of the process, read
  `--settle` seconds after the first paint.
- with --idle N: CPU time (utime+stime, all threads) used during N idle seconds, and
  how many times the window's pixels changed, sampled at 20 Hz (a lower bound on frames
  painted: a frame that repaints identical pixels is not seen).
The program is killed (by its pid) at the end.
"""

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

X = ctypes.cdll.LoadLibrary("libX11.so.6")


class XImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int), ("y", ctypes.c_int),
        ("width", ctypes.c_int), ("height", ctypes.c_int),
        ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


X.XOpenDisplay.restype = ctypes.c_void_p
X.XOpenDisplay.argtypes = [ctypes.c_char_p]
X.XDefaultRootWindow.restype = ctypes.c_ulong
X.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
X.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                         ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                         ctypes.POINTER(ctypes.c_uint)]
X.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
X.XGetImage.restype = ctypes.POINTER(XImage)
X.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                        ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
X.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
X.XFree.argtypes = [ctypes.c_void_p]
X.XSetErrorHandler.argtypes = [ctypes.c_void_p]
ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lambda d, e: 0)
X.XSetErrorHandler(ctypes.cast(ERROR_HANDLER, ctypes.c_void_p))
ALL_PLANES = 0xFFFFFFFF
ZPIXMAP = 2
IS_VIEWABLE = 2


def children(display, window):
    root, parent = ctypes.c_ulong(), ctypes.c_ulong()
    kids, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
    if not X.XQueryTree(display, window, ctypes.byref(root), ctypes.byref(parent),
                        ctypes.byref(kids), ctypes.byref(count)):
        return []
    result = [kids[i] for i in range(count.value)]
    if kids:
        X.XFree(kids)
    return result


def viewable_size(display, window):
    attrs = XWindowAttributes()
    if not X.XGetWindowAttributes(display, window, ctypes.byref(attrs)):
        return None
    if attrs.map_state != IS_VIEWABLE or attrs.width < 50 or attrs.height < 50:
        return None
    return attrs.width, attrs.height


def pixels(display, window, size):
    """A sample of the window's pixels (every 7th pixel), as a bytes object."""
    width, height = size
    image = X.XGetImage(display, window, 0, 0, width, height, ALL_PLANES, ZPIXMAP)
    if not image:
        return None
    img = image.contents
    data = ctypes.string_at(img.data, img.bytes_per_line * img.height)
    X.XDestroyImage(image)
    words = memoryview(data).cast("I")
    return bytes(memoryview(bytes(words[::7])).cast("B"))


def painted(sample):
    colours = set(memoryview(sample).cast("I").tolist()[::3])
    colours = {c & 0xFFFFFF for c in colours}
    if len(colours) >= 2:
        return True
    return bool(colours) and colours.pop() not in (0x000000, 0xFFFFFF)


def tree_pids(pid):
    """pid and all its descendants."""
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            for tid in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    for child in f.read().split():
                        pids.append(int(child))
                        frontier.append(int(child))
        except OSError:
            pass
    return pids


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (all threads)
    except OSError:
        return 0


def tree_cpu_ms(pid):
    hz = os.sysconf("SC_CLK_TCK")
    return sum(cpu_ticks(p) for p in tree_pids(pid)) * 1000.0 / hz


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--idle", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--no-window", action="store_true",
                        help="a headless program: measure memory and CPU only, --settle s after launch")
    parser.add_argument("--focus", action="store_true",
                        help="give the window the input focus (xdotool) once painted, as a kiosk has it")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    display = X.XOpenDisplay(None)
    if not display:
        sys.exit("xprobe: cannot open the X display (DISPLAY=%s)" % os.environ.get("DISPLAY"))
    root = X.XDefaultRootWindow(display)
    before = set(children(display, root))

    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    result = {"command": os.path.basename(command[0])}
    window = size = None
    try:
        while not args.no_window:
            if time.monotonic() - start > args.timeout:
                sys.exit("xprobe: no painted window within %.0f s" % args.timeout)
            if proc.poll() is not None:
                sys.exit("xprobe: the program exited with %s before painting" % proc.returncode)
            for w in children(display, root):
                if w in before:
                    continue
                s = viewable_size(display, w)
                if s is None:
                    continue
                if "viewable_ms" not in result:
                    result["viewable_ms"] = (time.monotonic() - start) * 1000.0
                sample = pixels(display, w, s)
                if sample and painted(sample):
                    window, size = w, s
                    break
            if window:
                result["first_paint_ms"] = (time.monotonic() - start) * 1000.0
                break
            time.sleep(0.002)

        if window and args.focus:
            subprocess.run(["xdotool", "windowfocus", "--sync", str(window)], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        time.sleep(args.settle)
        if proc.poll() is not None:
            sys.exit("xprobe: the program exited with %s" % proc.returncode)
        result["peak_rss_kib"] = sum(status_kib(p, "VmHWM") for p in tree_pids(proc.pid))
        result["pss_kib"] = sum(pss_kib(p) for p in tree_pids(proc.pid))

        if args.idle > 0:
            cpu_before = tree_cpu_ms(proc.pid)
            t0 = time.monotonic()
            last = pixels(display, window, size) if window else None
            changes = 0
            while time.monotonic() - t0 < args.idle:
                time.sleep(0.05)
                if not window:
                    continue
                now = pixels(display, window, size)
                if now != last:
                    changes += 1
                last = now
            result["idle_s"] = time.monotonic() - t0
            result["idle_cpu_ms"] = tree_cpu_ms(proc.pid) - cpu_before
            if window:
                result["idle_changes"] = changes
            result["processes"] = len(tree_pids(proc.pid))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

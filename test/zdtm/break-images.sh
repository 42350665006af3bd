#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# break-images.sh MODE WORKDIR - damage a test's image chain after the final
# dump, the way a faulty criu would write it, so that the run must FAIL:
#
#   ZDTM_IMG_HOOK="./break-images.sh MODE" ./run.sh --pre-dump N [test...]
#
# Modes:
#   drop-pages    delete pre1's pages file (data a later dump relies on)
#   stale-parent  in the final dump, every page range it wrote that the
#                 parent also holds is turned into a PE_PARENT reference
#                 (and cut out of the pages file, stats fixed): the images
#                 stay consistent, but restore brings back older data
#   stale-data    the same, only in anonymous areas of 16 KiB or more (not
#                 heap, not stack): the test's own notes, in its .data/.bss,
#                 stay fresh, only its data turns stale
mode=$1
w=$2

case "$mode" in
drop-pages)
	rm -v "$w"/pre1/pages-*.img
	;;
stale-parent|stale-data)
	exec "${ZDTM_PYTHON:-/usr/bin/python3}" - "$w/img" "$mode" <<'PY'
import glob, os, sys
import pycriu.images as images

PAGE, PE_PARENT, PE_PRESENT = 4096, 1, 4
d, mode = sys.argv[1], sys.argv[2]
VMA_AREA_STACK, VMA_AREA_HEAP, VMA_ANON_PRIVATE = 1 << 1, 1 << 5, 1 << 9


def load(path):
    with open(path, "rb") as f:
        return images.load(f)


def save(path, img):
    with open(path, "wb") as f:
        images.dump(img, f)


def parent_ranges(name):
    ents = load(os.path.join(d, "parent", name))["entries"][1:]
    return [(e["vaddr"], e["vaddr"] + e["nr_pages"] * PAGE) for e in ents]


def data_areas(pid):
    """Big anonymous areas of the process: the test's data, not its notes."""
    mm = load(os.path.join(d, f"mm-{pid}.img"))["entries"][0]
    return [(v["start"], v["end"]) for v in mm["vmas"]
            if v["status"] & VMA_ANON_PRIVATE and v["end"] - v["start"] >= 16384
            and not v["status"] & (VMA_AREA_STACK | VMA_AREA_HEAP)]


moved = 0
for pm in glob.glob(os.path.join(d, "pagemap-*.img")):
    img = load(pm)
    head, ents = img["entries"][0], img["entries"][1:]
    up = parent_ranges(os.path.basename(pm))
    if mode == "stale-data":
        pid = os.path.basename(pm)[len("pagemap-"):-len(".img")]
        areas = data_areas(pid)
        up = [(max(a, c), min(b, e)) for a, b in up for c, e in areas if max(a, c) < min(b, e)]
    pages = os.path.join(d, f"pages-{head['pages_id']}.img")
    with open(pages, "rb") as f:
        data = f.read()
    kept, off = b"", 0
    for e in ents:
        if e.get("flags", PE_PRESENT) & PE_PARENT:
            continue
        size = e["nr_pages"] * PAGE
        s, t = e["vaddr"], e["vaddr"] + size
        if any(a <= s and t <= b for a, b in up):
            e["flags"] = PE_PARENT
            moved += e["nr_pages"]
        else:
            kept += data[off:off + size]
        off += size
    save(pm, img)
    with open(pages, "wb") as f:
        f.write(kept)
st = load(os.path.join(d, "stats-dump"))
st["entries"][0]["dump"]["pages_written"] -= moved
st["entries"][0]["dump"]["pages_skipped_parent"] += moved
save(os.path.join(d, "stats-dump"), st)
print(f"{moved} written pages turned into parent references")
PY
	;;
*)
	echo "usage: $0 drop-pages|stale-parent|stale-data WORKDIR" >&2
	exit 2
	;;
esac

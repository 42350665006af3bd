#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# check-images.py DIR... - check a chain of (pre-)dump image directories.
#
# DIR... are in dump order (pre1, pre2, ..., final); each after the first
# must have a "parent" link to the one before it. Decoded with crit's
# pycriu (an independent reader of the format), each directory must show:
#   - a stats-dump whose pages_written and pages_skipped_parent match its
#     pagemaps (pages with data here / pages left to the parent), and that
#     scanned at least as many pages as it wrote or skipped
#   - pagemap entries in increasing, non-overlapping order
#   - a pages file holding exactly the pages its pagemap says it holds
#   - no parent page without a parent, and every parent page found in the
#     parent's pagemap of the same pid (as data or further up the chain)
#   - every other image (files, ghosts, FIFO data, memfds, locks...) decodes
# Prints one line per directory; on a problem the last line says what, and
# the exit status is 1.
import os
import sys

try:
    import pycriu.images as images
except ImportError as e:
    print(f"no pycriu ({e}): install Debian's criu package, run with /usr/bin/python3")
    sys.exit(1)

PAGE_SIZE = 4096
PE_PARENT = 1 << 0
PE_LAZY = 1 << 1
PE_PRESENT = 1 << 2


class Bad(Exception):
    pass


def load(path):
    try:
        with open(path, "rb") as f:
            return images.load(f)
    except Exception as e:
        raise Bad(f"{path}: can't decode: {e!r}")


def entry_flags(e):
    if "flags" in e:
        return e["flags"]
    return PE_PARENT if e.get("in_parent") else PE_PRESENT


def read_pagemap(path):
    """(pages_id, [(start, end, flags)]) with page-aligned byte addresses."""
    entries = load(path)["entries"]
    if not entries or "pages_id" not in entries[0]:
        raise Bad(f"{path}: no pages_id head")
    ranges, last_end = [], 0
    for e in entries[1:]:
        start, nr = e["vaddr"], e["nr_pages"]
        if start % PAGE_SIZE or nr <= 0:
            raise Bad(f"{path}: bad entry {e}")
        if start < last_end:
            raise Bad(f"{path}: entry at {start:#x} overlaps or goes back")
        last_end = start + nr * PAGE_SIZE
        ranges.append((start, last_end, entry_flags(e)))
    return entries[0]["pages_id"], ranges


def covered(ranges, start, end):
    """Whether [start, end) is inside the union of ranges (sorted)."""
    for s, e, _ in ranges:
        if e <= start:
            continue
        if s > start:
            return False
        start = e
        if start >= end:
            return True
    return start >= end


def decode_all(d):
    """Every image but the raw pages must decode."""
    for name in sorted(os.listdir(d)):
        if name.endswith(".img") and not name.startswith("pages-"):
            load(os.path.join(d, name))


def check_dir(d, parent_maps):
    decode_all(d)
    st = load(os.path.join(d, "stats-dump"))["entries"][0].get("dump")
    if st is None:
        raise Bad(f"{d}/stats-dump: no dump entry")
    maps, written, in_parent = {}, 0, 0
    for name in sorted(os.listdir(d)):
        # pagemap-shmem-*: memfd contents, not the pages of a process
        if name.startswith("pagemap-shmem-") or not (
                name.startswith("pagemap-") and name.endswith(".img")):
            continue
        pages_id, ranges = read_pagemap(os.path.join(d, name))
        here = sum((e - s) // PAGE_SIZE for s, e, f in ranges
                   if f & PE_PRESENT and not f & PE_PARENT and not f & PE_LAZY)
        up = [(s, e) for s, e, f in ranges if f & PE_PARENT]
        pages = os.path.join(d, f"pages-{pages_id}.img")
        size = os.path.getsize(pages) if os.path.exists(pages) else 0
        if size != here * PAGE_SIZE:
            raise Bad(f"{pages}: {size} bytes, its pagemap {name} says {here} pages")
        if up and parent_maps is None:
            raise Bad(f"{d}/{name}: {len(up)} parent entries but no parent")
        for s, e in up:
            if not covered(parent_maps.get(name, []), s, e):
                raise Bad(f"{d}/{name}: parent pages {s:#x}-{e:#x} are not in the parent")
        written += here
        in_parent += sum((e - s) // PAGE_SIZE for s, e in up)
        maps[name] = ranges
    if not maps:
        raise Bad(f"{d}: no pagemap")
    # As CRIU counts them: private and shared anonymous pages apart.
    st_written = st["pages_written"] + st.get("shpages_written", 0)
    st_scanned = st["pages_scanned"] + st.get("shpages_scanned", 0)
    if st_written != written:
        raise Bad(f"{d}: stats say {st_written} pages written (shared too), pagemaps {written}")
    if st["pages_skipped_parent"] != in_parent:
        raise Bad(f"{d}: stats say {st['pages_skipped_parent']} pages in parent, pagemaps {in_parent}")
    if written + in_parent > st_scanned:
        raise Bad(f"{d}: {written} written + {in_parent} in parent > {st_scanned} scanned")
    print(f"{d}: scanned {st['pages_scanned']}, written {written}, in parent {in_parent}")
    return maps


def check_link(d, prev):
    link = os.path.join(d, "parent")
    if prev is None:
        if os.path.lexists(link):
            raise Bad(f"{link}: the first dump of the chain has a parent")
        return
    if not os.path.islink(link):
        raise Bad(f"{link}: missing")
    if os.path.realpath(link) != os.path.realpath(prev):
        raise Bad(f"{link} -> {os.readlink(link)}, not {prev}")


def main(dirs):
    prev, parent_maps = None, None
    try:
        for d in dirs:
            check_link(d, prev)
            parent_maps = check_dir(d, parent_maps)
            prev = d
    except Bad as e:
        print(e)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} DIR...", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""md2man.py IN.md OUT.8: turn the project's man page, written in a small
subset of Markdown (headings, paragraphs, indented or fenced code, lists,
tables, TERM + ":   text" definitions, **bold**, `code`, *emphasis*), into roff for man(1)."""
import os
import re
import sys


def inline(text):
    text = text.replace("\\", "\\e")
    text = re.sub(r"^\.", r"\\&.", text)
    text = re.sub(r"^'", r"\\&'", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"\\fI\1\\fR", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return text.replace("-", "\\-")


def table(rows, out):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    cells = [c for c in cells if not all(re.fullmatch(r":?-+:?", x) for x in c)]
    for c in cells[1:]:
        out.append(".TP")
        out.append(inline(c[0]))
        out.append(inline(" ".join(c[1:])))


def convert(lines, title):
    out = ['.TH %s 8 "" "criu-ooh" "criu-ooh manual"' % title.upper()]
    i, para = 0, []

    def flush():
        if para:
            out.append(".PP")
            out.append(inline(" ".join(para)))
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip("\n")
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if i == 0 and line.startswith("# "):
            pass  # the title line: .TH says it
        elif line.strip() and nxt.startswith(":   "):
            # definition list: "TERM" then ":   text" and indented lines
            flush()
            out.append(".TP")
            out.append(inline(line.strip()))
            desc = [nxt[4:].strip()]
            i += 2
            while i < len(lines) and lines[i].startswith("    ") and lines[i].strip():
                desc.append(lines[i].strip())
                i += 1
            out.append(inline(" ".join(desc)))
            continue
        elif line.startswith("```"):
            flush()
            out.append(".PP\n.nf\n.RS 4")
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(lines[i].rstrip("\n").replace("\\", "\\e").replace("-", "\\-"))
                i += 1
            out.append(".RE\n.fi")
        elif line.startswith("    ") or line.startswith("\t"):
            flush()
            out.append(".PP\n.nf\n.RS 4")
            while i < len(lines) and (lines[i].startswith("    ") or lines[i].startswith("\t")
                                      or not lines[i].strip()):
                if not lines[i].strip() and (i + 1 >= len(lines) or not lines[i + 1].startswith(("    ", "\t"))):
                    break
                out.append(lines[i].rstrip("\n").lstrip().replace("\\", "\\e").replace("-", "\\-"))
                i += 1
            out.append(".RE\n.fi")
            continue
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            text = line.lstrip("#").strip()
            if level <= 2:
                out.append('.SH "%s"' % inline(text).upper())
            else:
                out.append('.SS "%s"' % inline(text))
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            table(rows, out)
            continue
        elif re.match(r"^\s*[-*] ", line):
            flush()
            item = [re.sub(r"^\s*[-*] ", "", line)]
            i += 1
            while i < len(lines) and lines[i].strip() and not re.match(r"^\s*[-*] ", lines[i]) \
                    and lines[i].startswith("  "):
                item.append(lines[i].strip())
                i += 1
            out.append(".IP \\(bu 2")
            out.append(inline(" ".join(item)))
            continue
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out) + "\n"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        lines = f.readlines()
    with open(dst, "w") as f:
        # the page's name: the output file's, without its section
        f.write(convert(lines, os.path.basename(dst).rsplit(".", 1)[0]))


if __name__ == "__main__":
    main()

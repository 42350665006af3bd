#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the schema walked by schema-test.c with pycriu's descriptors.

Input lines: "M msg", "F msg field number label type typename",
"E enum value number". Prints each disagreement indented by four spaces
and exits 1 if there is any.
"""
import sys

from google.protobuf import descriptor as D
from google.protobuf import descriptor_pool

import pycriu.images.pb  # noqa: F401 (registers every CRIU message)

# Field numbers from here up are criu-ooh's own extensions, which CRIU's
# tools skip as unknown fields; they must not collide with CRIU's.
OWN_FIELDS_FROM = 1000

LABELS = {D.FieldDescriptor.LABEL_OPTIONAL: 'optional',
          D.FieldDescriptor.LABEL_REQUIRED: 'required',
          D.FieldDescriptor.LABEL_REPEATED: 'repeated'}
TYPES = {v: k[len('TYPE_'):].lower()
         for k, v in vars(D.FieldDescriptor).items() if k.startswith('TYPE_')}


def criu_field(f):
    tname = '-'
    if f.message_type:
        tname = f.message_type.full_name
    elif f.enum_type:
        tname = f.enum_type.full_name
    return (f.name, f.number, LABELS[f.label], TYPES[f.type], tname)


def main(path):
    pool = descriptor_pool.Default()
    ours_msgs, ours_fields, ours_enums = [], {}, {}
    for line in open(path):
        w = line.split()
        if w[0] == 'M':
            ours_msgs.append(w[1])
        elif w[0] == 'F':
            ours_fields.setdefault(w[1], []).append(
                (w[2], int(w[3]), w[4], w[5], w[6]))
        elif w[0] == 'E':
            ours_enums.setdefault(w[1], set()).add((w[2], int(w[3])))

    errors = []
    for name in ours_msgs:
        try:
            m = pool.FindMessageTypeByName(name)
        except KeyError:
            errors.append('message %s is not in CRIU' % name)
            continue
        criu = {f.number: criu_field(f) for f in m.fields}
        mine = {f[1]: f for f in ours_fields.get(name, [])}
        for num, f in sorted(mine.items()):
            if num >= OWN_FIELDS_FROM and num not in criu:
                continue
            if criu.get(num) != f:
                errors.append('%s: ours %s, CRIU %s' % (name, f, criu.get(num)))
        for num, f in sorted(criu.items()):
            if num in mine:
                continue
            # Leaving out an optional field of a message we do not define
            # is allowed; leaving out anything else is not.
            if f[2] == 'optional' and f[3] == 'message' and f[4] not in ours_msgs:
                continue
            errors.append('%s: CRIU field %s missing' % (name, f))
    for name, values in ours_enums.items():
        try:
            e = pool.FindEnumTypeByName(name)
        except KeyError:
            errors.append('enum %s is not in CRIU' % name)
            continue
        criu = {(v.name, v.number) for v in e.values}
        if criu != values:
            errors.append('enum %s: ours %s, CRIU %s' %
                          (name, sorted(values), sorted(criu)))
    for e in errors:
        print('    ' + e)
    if errors:
        print('    schema: %d messages, %d enums compared, %d differences' %
              (len(ours_msgs), len(ours_enums), len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_RANGE_SET_H
#define CRIU_RANGE_SET_H

#include <stdbool.h>
#include <stddef.h>

/* [start, end) of page-aligned virtual addresses. */
struct addr_range {
	unsigned long start, end;
};

/*
 * A set of address ranges. Ranges may be added in any order; after
 * range_set_normalize() they are sorted, non-empty and non-overlapping,
 * with touching ranges merged, and the look-ups below may be used.
 */
struct range_set {
	struct addr_range *r;
	unsigned int nr, cap;
};

#define RANGE_SET_INIT	{ NULL, 0, 0 }

/* Add [@start, @end); empty ranges are ignored. 0 or -ENOMEM. */
int range_set_add(struct range_set *rs, unsigned long start, unsigned long end);
void range_set_normalize(struct range_set *rs);
/* Is @addr inside any range? O(log n); needs a normalized set. */
bool range_set_contains(const struct range_set *rs, unsigned long addr);
/* Does any range overlap [@start, @end)? Needs a normalized set. */
bool range_set_overlaps(const struct range_set *rs, unsigned long start,
			unsigned long end);
/* Total bytes covered; needs a normalized set. */
unsigned long range_set_bytes(const struct range_set *rs);
/* Append @a minus @b (both normalized) to @out. 0 or -ENOMEM. */
int range_set_subtract(const struct range_set *a, const struct range_set *b,
		       struct range_set *out);
void range_set_clear(struct range_set *rs);
void range_set_free(struct range_set *rs);

#endif /* CRIU_RANGE_SET_H */

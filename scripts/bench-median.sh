# SPDX-License-Identifier: GPL-2.0
# Sourced by the bench scripts: median of the numbers on stdin, one a
# line ("-" when there are none; the mean of the middle two when even).
median()
{
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (!NR) print "-";
			else if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2;
		}'
}

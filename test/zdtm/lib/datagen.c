// SPDX-License-Identifier: GPL-2.0
/*
 * datagen.c - verifiable memory patterns.
 *
 * Each 8-byte word is a hash of (seed, word index): no state to carry, any
 * slice of a buffer can be made or checked alone, and a page that lands at
 * another address (or another buffer's page) does not match.
 */
#include <string.h>

#include "zdtmtst.h"

static inline uint64_t mix64(uint64_t x)
{
	/* splitmix64 finalizer: every input bit flips about half the output. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t word_at(uint64_t seed, size_t idx)
{
	return mix64(seed * 0xff51afd7ed558ccdULL + idx);
}

void datagen(void *buf, size_t len, uint64_t seed)
{
	size_t nr_words = len / 8, i;
	uint64_t *w = buf;
	uint64_t last;

	for (i = 0; i < nr_words; i++)
		w[i] = word_at(seed, i);
	if (len % 8) {
		last = word_at(seed, nr_words);
		memcpy((char *)buf + nr_words * 8, &last, len % 8);
	}
}

ssize_t datacheck(const void *buf, size_t len, uint64_t seed)
{
	size_t nr_words = len / 8, i;
	const uint64_t *w = buf;
	const unsigned char *b;
	uint64_t want;

	for (i = 0; i < nr_words; i++) {
		if (w[i] == word_at(seed, i))
			continue;
		want = word_at(seed, i);
		b = (const unsigned char *)&w[i];
		for (int k = 0; k < 8; k++)
			if (b[k] != ((unsigned char *)&want)[k])
				return i * 8 + k;
	}
	if (len % 8) {
		want = word_at(seed, nr_words);
		b = (const unsigned char *)buf + nr_words * 8;
		for (size_t k = 0; k < len % 8; k++)
			if (b[k] != ((unsigned char *)&want)[k])
				return nr_words * 8 + k;
	}
	return -1;
}

uint64_t test_rand(uint64_t *state)
{
	*state += 1;
	return mix64(*state);
}

static uint64_t page_seed(uint64_t seed, unsigned long key, int gen)
{
	return seed + ((uint64_t)key << 8) + (unsigned int)gen;
}

void page_fill(void *page, uint64_t seed, unsigned long key, int gen)
{
	if (gen == PAGE_ZERO)
		memset(page, 0, TEST_PAGE_SIZE);
	else
		datagen(page, TEST_PAGE_SIZE, page_seed(seed, key, gen));
}

int page_check(const void *page, uint64_t seed, unsigned long key, int gen)
{
	const uint64_t *w = page;

	if (gen != PAGE_ZERO)
		return datacheck(page, TEST_PAGE_SIZE, page_seed(seed, key, gen)) < 0 ? 0 : -1;
	for (size_t i = 0; i < TEST_PAGE_SIZE / 8; i++)
		if (w[i])
			return -1;
	return 0;
}

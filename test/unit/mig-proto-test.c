// SPDX-License-Identifier: GPL-2.0
/*
 * What serve takes from A (migrate/proto.c): a header, HELLO and FILE are
 * refused when bad, with the value in the reason, and taken when good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "unit.h"

int mig_verbose;

static void header(uint8_t *h, uint32_t magic, uint16_t version, uint16_t type, uint32_t len)
{
	mig_put32(h, magic);
	h[4] = version;
	h[5] = version >> 8;
	h[6] = type;
	h[7] = type >> 8;
	mig_put32(h + 8, len);
}

TEST(mig_header)
{
	uint8_t h[MIG_HDR_SIZE];
	uint16_t type;
	uint32_t len;

	header(h, MIG_MAGIC, MIG_VERSION, MIG_FILE, 20);
	CHECK(mig_check_header(h, &type, &len) == 0 && type == MIG_FILE && len == 20);
	header(h, MIG_MAGIC, MIG_VERSION, MIG_DATA, MIG_MAX_PAYLOAD);
	CHECK(mig_check_header(h, &type, &len) == 0);
	header(h, MIG_MAGIC ^ 1, MIG_VERSION, MIG_OK, 0);
	CHECK(mig_check_header(h, &type, &len) == -EPROTO);
	header(h, MIG_MAGIC, MIG_VERSION + 1, MIG_OK, 0);
	CHECK(mig_check_header(h, &type, &len) == -EPROTO);
	header(h, MIG_MAGIC, MIG_VERSION, MIG_TYPE_END, 0);
	CHECK(mig_check_header(h, &type, &len) == -EPROTO);
	header(h, MIG_MAGIC, MIG_VERSION, 0, 0);
	CHECK(mig_check_header(h, &type, &len) == -EPROTO);
	/* lengths past the type's bounds, the largest u32 too */
	header(h, MIG_MAGIC, MIG_VERSION, MIG_DATA, MIG_MAX_PAYLOAD + 1);
	CHECK(mig_check_header(h, &type, &len) == -EMSGSIZE);
	header(h, MIG_MAGIC, MIG_VERSION, MIG_DATA, 0xffffffffu);
	CHECK(mig_check_header(h, &type, &len) == -EMSGSIZE);
	header(h, MIG_MAGIC, MIG_VERSION, MIG_FILE, 12);
	CHECK(mig_check_header(h, &type, &len) == -EMSGSIZE);
	header(h, MIG_MAGIC, MIG_VERSION, MIG_FILE, 13 + MIG_MAX_NAME);
	CHECK(mig_check_header(h, &type, &len) == -EMSGSIZE);
	return 0;
}

static struct mig_msg *hello(uint32_t flags, uint32_t port)
{
	static struct mig_msg *m;

	if (!m)
		m = calloc(1, sizeof(*m));
	m->type = MIG_HELLO;
	m->len = 8;
	mig_put32(m->data, flags);
	mig_put32(m->data + 4, port);
	return m;
}

TEST(mig_hello)
{
	struct mig_hello h;
	struct mig_msg *m;
	char why[128];

	CHECK(mig_parse_hello(hello(0, 0), &h, why, sizeof(why)) == 0 && !h.lazy);
	CHECK(mig_parse_hello(hello(MIG_HELLO_LAZY, 65535), &h, why, sizeof(why)) == 0 &&
	      h.lazy && h.lazy_port == 65535);
	CHECK(mig_parse_hello(hello(4, 0), &h, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "unknown flags 0x4"));
	CHECK(mig_parse_hello(hello(MIG_HELLO_LAZY, 0), &h, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "lazy port 0"));
	CHECK(mig_parse_hello(hello(MIG_HELLO_LAZY, 65536), &h, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "lazy port 65536"));
	m = hello(0, 0);
	m->type = MIG_FILE;
	CHECK(mig_parse_hello(m, &h, why, sizeof(why)) == -EPROTO);
	CHECK(strstr(why, "FILE of 8 bytes before HELLO"));
	return 0;
}

static struct mig_msg *file(const char *name, size_t len, uint64_t size, uint32_t mode)
{
	static struct mig_msg *m;

	if (!m)
		m = calloc(1, sizeof(*m));
	m->type = MIG_FILE;
	m->len = 12 + len;
	mig_put64(m->data, size);
	mig_put32(m->data + 8, mode);
	memcpy(m->data + 12, name, len);
	return m;
}

#define NAME(s)	s, sizeof(s) - 1

TEST(mig_file)
{
	char why[4 * MIG_MAX_NAME + 128], longest[MIG_MAX_NAME + 2];
	struct mig_file f;

	CHECK(mig_parse_file(file(NAME("pages-1.img"), 8192, 0644), &f, why, sizeof(why)) == 0);
	CHECK(f.size == 8192 && f.mode == 0644 && f.name_len == 11 &&
	      !memcmp(f.name, "pages-1.img", 11));
	CHECK(mig_parse_file(file(NAME("a.img"), MIG_MAX_FILE, 0), &f, why, sizeof(why)) == 0);
	memset(longest, 'a', sizeof(longest));
	CHECK(mig_parse_file(file(longest, MIG_MAX_NAME, 1, 0600), &f, why, sizeof(why)) == 0);

	/* names that would leave the round's folder, or hide in it */
	CHECK(mig_parse_file(file(NAME(".."), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "not a plain file name (\"..\", 2 bytes)"));
	CHECK(mig_parse_file(file(NAME("../x.img"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(mig_parse_file(file(NAME("/etc/passwd"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "/etc/passwd"));
	CHECK(mig_parse_file(file(NAME("a/b.img"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(mig_parse_file(file(NAME(".in.x.img"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(mig_parse_file(file(NAME("a.img\0/../x"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "\"a.img\\x00/../x\", 11 bytes"));
	CHECK(mig_parse_file(file(NAME("a\nb"), 1, 0644), &f, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "a\\x0ab"));

	/* a size past the bound, the largest u64; a mode beyond 0777 */
	CHECK(mig_parse_file(file(NAME("a.img"), MIG_MAX_FILE + 1, 0644), &f, why,
			      sizeof(why)) == -EFBIG);
	CHECK(strstr(why, "a.img of 68719476737 bytes refused"));
	CHECK(mig_parse_file(file(NAME("a.img"), ~0ull, 0644), &f, why, sizeof(why)) == -EFBIG);
	CHECK(mig_parse_file(file(NAME("a.img"), 1, 04755), &f, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "mode 04755"));

	/* a length the header check would have refused, if it ever came */
	CHECK(mig_parse_file(file(longest, MIG_MAX_NAME + 1, 1, 0600), &f, why, sizeof(why)) == -EPROTO);
	CHECK(strstr(why, "FILE of 213 bytes is no FILE"));
	CHECK(mig_parse_file(file("", 0, 0, 0600), &f, why, sizeof(why)) == -EPROTO);
	return 0;
}

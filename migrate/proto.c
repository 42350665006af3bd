// SPDX-License-Identifier: GPL-2.0
/*
 * Framing of the control messages: a 12-byte header (magic, version,
 * type, payload length) and the payload. A header is checked whole
 * before a byte of its payload is read: a wrong magic or version, an
 * unknown type or a length outside the type's bounds ends the session.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "proto.h"

struct mig_type_desc {
	const char *name;
	uint32_t min, max;	/* payload bounds */
};

static const struct mig_type_desc types[MIG_TYPE_END] = {
	[MIG_HELLO]	= { "HELLO", 8, 8 },
	[MIG_HELLO_OK]	= { "HELLO_OK", 4, 4 },
	[MIG_ROUND]	= { "ROUND", 8, 8 },
	[MIG_READY]	= { "READY", 4, 4 },
	[MIG_ROUND_END]	= { "ROUND_END", 8, 8 },
	[MIG_OK]	= { "OK", 0, 0 },
	[MIG_ERROR]	= { "ERROR", 1, MIG_MAX_ERROR },
	[MIG_FILE]	= { "FILE", 13, 12 + MIG_MAX_NAME },
	[MIG_DATA]	= { "DATA", 1, MIG_MAX_PAYLOAD },
	[MIG_RESTORE]	= { "RESTORE", 0, 0 },
	[MIG_RUNNING]	= { "RUNNING", 8, 8 },
	[MIG_COMPLETE]	= { "COMPLETE", 0, 0 },
};

const char *mig_type_name(unsigned int type)
{
	if (type >= MIG_TYPE_END || !types[type].name)
		return "unknown";
	return types[type].name;
}

int mig_send(int sk, uint16_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[MIG_HDR_SIZE];
	int ret;

	mig_put_header(hdr, type, len);
	/* one segment for a small message: the header waits for its payload */
	ret = net_write(sk, hdr, sizeof(hdr), len != 0);
	if (!ret && len)
		ret = net_write(sk, payload, len, false);
	if (ret)
		mig_err("Can't send %s (%u bytes) on the control connection: %s\n",
			mig_type_name(type), len, strerror(-ret));
	return ret;
}

int mig_send_error(int sk, const char *text)
{
	size_t len = strnlen(text, MIG_MAX_ERROR);

	return mig_send(sk, MIG_ERROR, text, len ? len : 1);
}

int mig_check_header(const uint8_t *hdr, uint16_t *type, uint32_t *len)
{
	uint32_t magic = mig_get32(hdr);
	unsigned int version = hdr[4] | hdr[5] << 8;

	*type = hdr[6] | hdr[7] << 8;
	*len = mig_get32(hdr + 8);
	if (magic != MIG_MAGIC) {
		mig_err("Control connection: bad magic 0x%08x (not criu-migrate's protocol)\n", magic);
		return -EPROTO;
	}
	if (version != MIG_VERSION) {
		mig_err("Control connection: protocol version %u, this side speaks %u\n",
			version, MIG_VERSION);
		return -EPROTO;
	}
	if (*type >= MIG_TYPE_END || !types[*type].name) {
		mig_err("Control connection: unknown message type %u\n", *type);
		return -EPROTO;
	}
	if (*len < types[*type].min || *len > types[*type].max) {
		mig_err("Control connection: %s with a payload of %u bytes (allowed %u..%u)\n",
			types[*type].name, *len, types[*type].min, types[*type].max);
		return -EMSGSIZE;
	}
	return 0;
}

int mig_recv(int sk, struct mig_msg *m)
{
	uint8_t hdr[MIG_HDR_SIZE];
	int ret;

	ret = net_read(sk, hdr, sizeof(hdr));
	if (ret == -ENODATA)
		return ret;	/* closed between messages: the caller tells */
	if (ret == -EPIPE)
		mig_err("Control connection: truncated message header\n");
	else if (ret)
		mig_err("Control connection: can't read a message: %s\n", strerror(-ret));
	if (!ret)
		ret = mig_check_header(hdr, &m->type, &m->len);
	if (ret)
		return ret;
	ret = m->len ? net_read(sk, m->data, m->len) : 0;
	if (ret) {
		mig_err("Control connection: %s truncated (%u bytes announced): %s\n",
			mig_type_name(m->type), m->len, ret == -ENODATA ? "closed" : strerror(-ret));
		return -EPIPE;
	}
	m->data[m->len] = 0;
	return 0;
}

int mig_expect(int sk, struct mig_msg *m, uint16_t type)
{
	int ret = mig_recv(sk, m);

	if (ret == -ENODATA) {
		mig_err("The other side closed the control connection while %s was awaited\n",
			mig_type_name(type));
		return -EPIPE;
	}
	if (ret)
		return ret;
	if (m->type == MIG_ERROR) {
		mig_err("The other side failed: %s\n", (char *)m->data);
		return -EREMOTEIO;
	}
	if (m->type != type) {
		mig_err("Control connection: %s where %s was awaited\n",
			mig_type_name(m->type), mig_type_name(type));
		return -EPROTO;
	}
	return 0;
}

bool mig_plain_name(const char *name, size_t len)
{
	size_t i;

	if (!len || len > MIG_MAX_NAME || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int mig_parse_hello(const struct mig_msg *m, struct mig_hello *h, char *why, size_t why_len)
{
	uint32_t flags;

	if (m->type != MIG_HELLO || m->len != 8) {
		snprintf(why, why_len, "%s of %u bytes before HELLO", mig_type_name(m->type),
			 m->len);
		return -EPROTO;
	}
	flags = mig_get32(m->data);
	h->lazy = flags & MIG_HELLO_LAZY;
	h->lazy_port = mig_get32(m->data + 4);
	if (flags & ~MIG_HELLO_LAZY) {
		snprintf(why, why_len, "HELLO with unknown flags 0x%x", flags);
		return -EINVAL;
	}
	if (h->lazy && (!h->lazy_port || h->lazy_port > 65535)) {
		snprintf(why, why_len, "HELLO with a lazy port %u", h->lazy_port);
		return -EINVAL;
	}
	return 0;
}

/* @name as text: a NUL, a newline or any other unprintable byte as \xNN. */
static void quote_name(const char *name, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = name[i];

		if (c > ' ' && c < 0x7f)
			out[o++] = c;
		else
			o += snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = 0;
}

int mig_parse_file(const struct mig_msg *m, struct mig_file *f, char *why, size_t why_len)
{
	/* a header that mig_check_header() let through has 13..12+MAX_NAME bytes */
	if (m->type != MIG_FILE || m->len < 13 || m->len > 12 + MIG_MAX_NAME) {
		snprintf(why, why_len, "%s of %u bytes is no FILE", mig_type_name(m->type), m->len);
		return -EPROTO;
	}
	f->size = mig_get64(m->data);
	f->mode = mig_get32(m->data + 8);
	f->name = (const char *)m->data + 12;
	f->name_len = m->len - 12;
	if (!mig_plain_name(f->name, f->name_len)) {
		char shown[4 * MIG_MAX_NAME + 8];

		quote_name(f->name, f->name_len, shown, sizeof(shown));
		snprintf(why, why_len, "FILE with a name that is not a plain file name"
			 " (\"%s\", %zu bytes)", shown, f->name_len);
		return -EINVAL;
	}
	if (f->size > MIG_MAX_FILE) {
		snprintf(why, why_len, "FILE %.*s of %llu bytes refused (at most %llu)",
			 (int)f->name_len, f->name, (unsigned long long)f->size, MIG_MAX_FILE);
		return -EFBIG;
	}
	if (f->mode & ~0777u) {
		snprintf(why, why_len, "FILE %.*s with mode 0%o refused (permission bits only)",
			 (int)f->name_len, f->name, f->mode);
		return -EINVAL;
	}
	return 0;
}

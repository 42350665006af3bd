/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol between `criu-migrate send` (A) and `serve` (B):
 * framed messages, little-endian, every length checked before use
 * (Documentation/migrate.md).
 */
#ifndef CRIU_MIGRATE_PROTO_H
#define CRIU_MIGRATE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_MAGIC		0x474d5243u	/* "CRMG" on the wire */
#define MIG_VERSION		1
#define MIG_HDR_SIZE		12
#define MIG_MAX_PAYLOAD		(1u << 20)
#define MIG_MAX_NAME		200
#define MIG_MAX_FILE		(1ull << 36)	/* 64 GiB: one image file */
#define MIG_MAX_ERROR		1024

enum mig_type {
	MIG_HELLO = 1,		/* A: u32 flags, u32 lazy port */
	MIG_HELLO_OK,		/* B: u32 session number */
	MIG_ROUND,		/* A: u32 round, u32 kind */
	MIG_READY,		/* B: u32 page server port (0: none) */
	MIG_ROUND_END,		/* A: u32 round, u32 status (0: criu succeeded) */
	MIG_OK,			/* B: - */
	MIG_ERROR,		/* either: text */
	MIG_FILE,		/* A: u64 size, u32 mode, name */
	MIG_DATA,		/* A: bytes of the current file */
	MIG_RESTORE,		/* A: - */
	MIG_RUNNING,		/* B: u32 pid, u32 restore time (us) */
	MIG_COMPLETE,		/* B: - (lazy: every page is in place) */
	MIG_TYPE_END
};

#define MIG_HELLO_LAZY		1u	/* flag of HELLO */
#define MIG_ROUND_PRE_DUMP	1u	/* kinds of ROUND */
#define MIG_ROUND_DUMP		2u

struct mig_msg {
	uint16_t type;
	uint32_t len;
	uint8_t data[MIG_MAX_PAYLOAD + 1];	/* +1: ERROR text ends in a NUL */
};

const char *mig_type_name(unsigned int type);
int mig_send(int sk, uint16_t type, const void *payload, uint32_t len);
int mig_send_error(int sk, const char *text);
/* 0, -ENODATA when the peer closed between messages, other -errno on error. */
int mig_recv(int sk, struct mig_msg *m);
/* mig_recv() and a check that it is @type; a peer's ERROR is printed. */
int mig_expect(int sk, struct mig_msg *m, uint16_t type);

static inline uint32_t mig_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t mig_get64(const uint8_t *p)
{
	return mig_get32(p) | (uint64_t)mig_get32(p + 4) << 32;
}

static inline void mig_put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* The 12-byte header of a message of @type with @len payload bytes. */
static inline void mig_put_header(uint8_t *hdr, uint16_t type, uint32_t len)
{
	mig_put32(hdr, MIG_MAGIC);
	hdr[4] = MIG_VERSION;
	hdr[5] = MIG_VERSION >> 8;
	hdr[6] = type;
	hdr[7] = type >> 8;
	mig_put32(hdr + 8, len);
}

static inline void mig_put64(uint8_t *p, uint64_t v)
{
	mig_put32(p, v);
	mig_put32(p + 4, v >> 32);
}

/*
 * The pure checks of what B receives, for serve and the fuzz target
 * (test/fuzz/mig-fuzz.c). A header whole: 0, or -EPROTO / -EMSGSIZE
 * with the reason printed.
 */
int mig_check_header(const uint8_t *hdr, uint16_t *type, uint32_t *len);

struct mig_hello {
	bool lazy;
	uint32_t lazy_port;
};

/* HELLO's payload. 0, or -errno with the reason in @why. */
int mig_parse_hello(const struct mig_msg *m, struct mig_hello *h, char *why, size_t why_len);

struct mig_file {
	uint64_t size;
	uint32_t mode;
	const char *name;	/* in the message, not NUL-terminated */
	size_t name_len;
};

/* FILE's payload: a plain name, a size and mode in bounds. 0 or -errno, @why. */
int mig_parse_file(const struct mig_msg *m, struct mig_file *f, char *why, size_t why_len);

/* An image file name A may send: a plain name, no '/', no leading '.'. */
bool mig_plain_name(const char *name, size_t len);

#endif /* CRIU_MIGRATE_PROTO_H */

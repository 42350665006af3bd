/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_PAGE_SERVER_PROTO_H
#define CRIU_PAGE_SERVER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * CRIU's page-server wire protocol (Documentation/page-server.md). Every
 * command is one fixed 24-byte header in the sender's byte order (CRIU
 * sends its structs raw; both ends here are x86-64, little-endian),
 * optionally followed by page data. The numbers are CRIU's, so that a
 * page server of CRIU's can receive what criu-ooh sends and the other
 * way round.
 */
struct page_server_iov {
	uint32_t cmd;		/* PS_IOV_*; PE_* flags above PS_CMD_BITS */
	uint32_t nr_pages;	/* pages of data or of the hole */
	uint64_t vaddr;		/* first page's address in the process */
	uint64_t dst_id;	/* which image: PS_TYPE_* | id << PS_TYPE_BITS */
};

_Static_assert(sizeof(struct page_server_iov) == 24, "CRIU's header is 24 bytes");

/* Commands (the low PS_CMD_BITS bits of cmd). */
#define PS_IOV_ADD		1	/* nr_pages of data follow (PE_PRESENT) */
#define PS_IOV_HOLE		2	/* pages held by the parent (PE_PARENT) */
#define PS_IOV_OPEN		3	/* start the images of dst_id, no reply */
#define PS_IOV_OPEN2		4	/* the same; replies 1 byte: has a parent */
#define PS_IOV_PARENT		5	/* replies a 32-bit int: has a parent */
#define PS_IOV_ADD_F		6	/* an entry with PE_* flags in cmd's top half */
#define PS_IOV_GET		7	/* lazy pages: send these pages back */
#define PS_IOV_FLUSH		0x1023	/* replies int32 0 once all is on disk */
#define PS_IOV_FLUSH_N_CLOSE	0x1024	/* the same, and the session ends */

#define PS_CMD_BITS		16
#define PS_CMD_MASK		((1u << PS_CMD_BITS) - 1)

/* dst_id: the image's type in the low byte, its id (a pid) above. */
#define PS_TYPE_BITS		8
#define PS_TYPE_MASK		((1u << PS_TYPE_BITS) - 1)
#define PS_TYPE_PID		1	/* pagemap-ID.img of a process */
#define PS_TYPE_SHMEM		2	/* pagemap-shmem-ID.img */

/* Largest user address of x86-64 (5-level paging): ranges end below it. */
#define PS_ADDR_LIMIT		(1ULL << 56)
#define PS_PAGE_SIZE		4096ULL

static inline uint32_t ps_cmd_encode(uint32_t cmd, uint32_t flags)
{
	return flags << PS_CMD_BITS | cmd;
}

static inline uint32_t ps_cmd(uint32_t cmd)
{
	return cmd & PS_CMD_MASK;
}

static inline uint32_t ps_cmd_flags(uint32_t cmd)
{
	return cmd >> PS_CMD_BITS;
}

static inline uint64_t ps_dst_id(unsigned int type, unsigned long id)
{
	return (uint64_t)id << PS_TYPE_BITS | type;
}

/*
 * Split @dst_id into its PS_TYPE_* and id, taking the type numbers
 * older CRIUs sent (their image enum values) as well. -EPROTO for an
 * unknown type or an id that is no pid (0 or above INT_MAX).
 */
int ps_dst_id_decode(uint64_t dst_id, unsigned int *type, unsigned long *id);

/* Names for messages: "ADD_F", "unknown". */
const char *ps_cmd_name(uint32_t cmd);

/*
 * Check a received header before anything acts on it: a known command,
 * flags that make sense for it, a page-aligned range of at least one
 * page that neither wraps nor ends above PS_ADDR_LIMIT. 0, or -EPROTO
 * with the reason in @why.
 */
int ps_iov_check(const struct page_server_iov *pi, char *why, size_t why_len);

/*
 * Whether the bytes taken for a header are the start of a TLS handshake:
 * the peer runs with --tls and this end without.
 */
bool ps_iov_is_tls_hello(const struct page_server_iov *pi);

/* Bytes of data that follow @pi on the wire (0 for holes and replies). */
uint64_t ps_iov_data_len(const struct page_server_iov *pi);

/*
 * Socket I/O. Every call moves exactly @len bytes or fails: -EPIPE or
 * -ECONNRESET when the peer went away, -ETIMEDOUT when the socket's
 * timeout passed, -ECONNABORTED when the stream ends in the middle of a
 * message. No SIGPIPE is raised.
 */
int ps_send_all(int sk, const void *buf, size_t len);
/* 1 when read, 0 at a clean end of stream before any byte, -errno. */
int ps_recv_all(int sk, void *buf, size_t len);
int ps_send_iov(int sk, uint32_t cmd, uint32_t flags, uint32_t nr_pages,
		uint64_t vaddr, uint64_t dst_id);
/* 1 with *@pi filled, 0 at a clean end of stream, -errno. */
int ps_recv_iov(int sk, struct page_server_iov *pi);
/* @len bytes from the pipe @pipe_fd into the socket (splice). */
int ps_splice_to(int sk, int pipe_fd, size_t len);

/*
 * A layer that carries the bytes of a socket (TLS, tls.h): once a socket
 * is wrapped, every ps_* call on it goes through @ops. send and recv
 * move at least one byte, or return 0 at the end of the stream (recv),
 * or -errno as the plain socket calls above do. close ends the layer
 * (the socket itself is closed by ps_close()).
 */
struct ps_wrap_ops {
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void (*close)(void *ctx);
};

int ps_sk_wrap(int sk, const struct ps_wrap_ops *ops, void *ctx);
/* Close a page-server socket, ending its layer first if it has one. */
void ps_close(int sk);

/*
 * Waits on the socket end after @seconds (0: never): SO_SNDTIMEO,
 * SO_RCVTIMEO and TCP_USER_TIMEOUT, so that a dropped link fails a send
 * or a receive instead of hanging it. 0 or -errno.
 */
int ps_set_timeout(int sk, int seconds);

/*
 * TCP endpoints. @addr is a numeric IPv4 or IPv6 address (NULL: any
 * address for listening, loopback for connecting); @port 0 lets the
 * kernel choose one when listening (*@bound gets it). -errno, logged
 * with the address.
 */
int ps_listen(const char *addr, int port, int *bound);
int ps_connect(const char *addr, int port, int timeout_s);

#endif /* CRIU_PAGE_SERVER_PROTO_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * --tls (tls.h): X.509 credentials loaded once from the options, and a
 * GnuTLS session per page-server socket, handed to page-server-proto.c
 * as the layer its send and receive calls go through. Nothing here
 * knows the page-server protocol; nothing there knows TLS.
 *
 * The facts follow CRIU, so that either end may be CRIU's: the default
 * files under /etc/pki, the system's CAs trusted unless --tls-cacert
 * names the only one, a revocation list taken when there is one, the
 * listening end requiring a client certificate, GnuTLS's default
 * priority. The name check differs: the client checks the address it
 * dialled in the server's certificate (CRIU only an explicit
 * --address), and the server checks the client's address in the
 * client's certificate (CRIU its own --address); --tls-no-cn-verify
 * skips either.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cr_options.h"
#include "log.h"
#include "page-server-proto.h"
#include "tls.h"

#define TLS_DEFAULT_CACERT	"/etc/pki/CA/cacert.pem"
#define TLS_DEFAULT_CACRL	"/etc/pki/CA/cacrl.pem"
#define TLS_DEFAULT_CERT	"/etc/pki/criu/cert.pem"
#define TLS_DEFAULT_KEY		"/etc/pki/criu/private/key.pem"

/* The first byte of a TLS handshake record. */
#define TLS_HANDSHAKE_RECORD	22

struct tls_conn {
	gnutls_session_t s;
	int sk;
	int err;			/* errno of the socket's last failed call */
	char peer[INET6_ADDRSTRLEN + 32];	/* "ADDR port N", for messages */
};

static gnutls_certificate_credentials_t creds;

/* --- options ------------------------------------------------------------- */

static const char *tls_only_option(void)
{
	if (opts.tls_cacert)
		return "--tls-cacert";
	if (opts.tls_cacrl)
		return "--tls-cacrl";
	if (opts.tls_cert)
		return "--tls-cert";
	if (opts.tls_key)
		return "--tls-key";
	if (opts.tls_no_cn_verify)
		return "--tls-no-cn-verify";
	return NULL;
}

static bool cmd_connects(const char *cmd)
{
	if (!strcmp(cmd, "page-server"))
		return true;
	if (!strcmp(cmd, "dump"))
		return opts.use_page_server || opts.lazy_pages;
	if (!strcmp(cmd, "pre-dump") || !strcmp(cmd, "lazy-pages"))
		return opts.use_page_server;
	return false;
}

int tls_check_options(const char *cmd)
{
	const char *o = tls_only_option();

	if (!opts.tls && o) {
		pr_err("%s is given without --tls\n", o);
		return -EINVAL;
	}
	if (opts.tls && !cmd_connects(cmd)) {
		pr_err("--tls secures page server connections, and this %s makes none "
		       "(page-server, --page-server, or dump --lazy-pages do)\n", cmd);
		return -EINVAL;
	}
	return 0;
}

/* --- credentials --------------------------------------------------------- */

static int readable(const char *file, const char *what)
{
	int err;

	if (!access(file, R_OK))
		return 0;
	err = -errno;
	pr_perror("TLS: can't read %s %s", what, file);
	return err;
}

static int load_cas(void)
{
	const char *file = opts.tls_cacert ? opts.tls_cacert : TLS_DEFAULT_CACERT;
	int n = 0, ret;

	if (!opts.tls_cacert) {
		ret = gnutls_certificate_set_x509_system_trust(creds);
		if (ret < 0)
			pr_warn("TLS: the system's trusted CAs can't be loaded: %s\n",
				gnutls_strerror(ret));
		else
			n = ret;
	}
	if (opts.tls_cacert || !access(file, F_OK)) {
		ret = readable(file, "the CA certificates");
		if (ret)
			return ret;
		ret = gnutls_certificate_set_x509_trust_file(creds, file, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			pr_err("TLS: %s holds no usable CA certificate%s%s\n", file,
			       ret ? ": " : "", ret ? gnutls_strerror(ret) : "");
			return -EINVAL;
		}
		n += ret;
	}
	if (!n) {
		pr_err("TLS: no trusted CA (%s is not there, the system has none): "
		       "give --tls-cacert\n", file);
		return -EINVAL;
	}
	pr_info("TLS: %d trusted CA certificates%s%s\n", n,
		opts.tls_cacert ? ", only those of " : "", opts.tls_cacert ? file : "");
	return 0;
}

/* After the CAs: GnuTLS keeps only the lists a trusted CA signed. */
static int load_crl(void)
{
	const char *file = opts.tls_cacrl ? opts.tls_cacrl : TLS_DEFAULT_CACRL;
	int ret;

	if (!opts.tls_cacrl && access(file, F_OK))
		return 0;	/* the default one is optional */
	ret = readable(file, "the certificate revocation list");
	if (ret)
		return ret;
	ret = gnutls_certificate_set_x509_crl_file(creds, file, GNUTLS_X509_FMT_PEM);
	if (ret <= 0) {
		pr_err("TLS: %s holds no revocation list signed by a trusted CA%s%s\n", file,
		       ret ? ": " : "", ret ? gnutls_strerror(ret) : "");
		return -EINVAL;
	}
	pr_info("TLS: %d revocation lists from %s\n", ret, file);
	return 0;
}

static int load_key(void)
{
	const char *cert = opts.tls_cert ? opts.tls_cert : TLS_DEFAULT_CERT;
	const char *key = opts.tls_key ? opts.tls_key : TLS_DEFAULT_KEY;
	int ret;

	ret = readable(cert, "the certificate");
	if (!ret)
		ret = readable(key, "the private key");
	if (ret)
		return ret;
	ret = gnutls_certificate_set_x509_key_file(creds, cert, key, GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		pr_err("TLS: can't use the certificate %s with the key %s: %s\n", cert, key,
		       gnutls_strerror(ret));
		return -EINVAL;
	}
	pr_info("TLS: this end is %s\n", cert);
	return 0;
}

int tls_load(void)
{
	int ret;

	if (!opts.tls || creds)
		return 0;
	ret = gnutls_certificate_allocate_credentials(&creds);
	if (ret < 0) {
		pr_err("TLS: can't allocate credentials: %s\n", gnutls_strerror(ret));
		creds = NULL;
		return -ENOMEM;
	}
	ret = load_cas();
	if (!ret)
		ret = load_crl();
	if (!ret)
		ret = load_key();
	if (ret) {
		gnutls_certificate_free_credentials(creds);
		creds = NULL;
	}
	return ret;
}

/* --- the socket under a session ------------------------------------------ */

static ssize_t conn_push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	struct tls_conn *c = p;
	ssize_t n = send(c->sk, buf, len, MSG_NOSIGNAL);

	if (n < 0) {
		c->err = errno;
		gnutls_transport_set_errno(c->s, errno);
	}
	return n;
}

static ssize_t conn_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct tls_conn *c = p;
	ssize_t n = recv(c->sk, buf, len, 0);

	if (n < 0) {
		c->err = errno;
		gnutls_transport_set_errno(c->s, errno);
	}
	return n;
}

/* The handshake's timeout (--timeout) waits here. */
static int conn_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct tls_conn *c = p;
	struct pollfd pfd = { .fd = c->sk, .events = POLLIN };
	int n = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);

	if (n < 0) {
		c->err = errno;
		gnutls_transport_set_errno(c->s, errno);
	}
	return n;
}

/* A GnuTLS error of a record call as -errno, said with the peer. */
static ssize_t conn_err(struct tls_conn *c, ssize_t ret, const char *what)
{
	switch (ret) {
	case GNUTLS_E_AGAIN:	/* blocking sockets: SO_SNDTIMEO/SO_RCVTIMEO passed */
		return -ETIMEDOUT;
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
		return c->err ? -c->err : -EIO;
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		pr_err("TLS: %s ended the session: %s\n", c->peer,
		       gnutls_alert_get_name(gnutls_alert_get(c->s)));
		return -ECONNRESET;
	}
	pr_err("TLS: %s %s failed: %s\n", what, c->peer, gnutls_strerror(ret));
	return -EPROTO;
}

static ssize_t conn_send(void *ctx, const void *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t n;

	do
		n = gnutls_record_send(c->s, buf, len);
	while (n == GNUTLS_E_INTERRUPTED);
	return n < 0 ? conn_err(c, n, "sending to") : n;
}

static ssize_t conn_recv(void *ctx, void *buf, size_t len)
{
	struct tls_conn *c = ctx;
	ssize_t n;

	do
		n = gnutls_record_recv(c->s, buf, len);
	while (n == GNUTLS_E_INTERRUPTED);
	/* a peer gone without close_notify: the protocol sees an end of stream */
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return n < 0 ? conn_err(c, n, "receiving from") : n;
}

static void conn_free(struct tls_conn *c)
{
	if (c->s)
		gnutls_deinit(c->s);
	free(c);
}

/* close_notify, without waiting for the peer's. */
static void conn_close(void *ctx)
{
	struct tls_conn *c = ctx;
	int ret;

	do
		ret = gnutls_bye(c->s, GNUTLS_SHUT_WR);
	while (ret == GNUTLS_E_INTERRUPTED);
	conn_free(c);
}

static const struct ps_wrap_ops tls_ops = {
	.send = conn_send,
	.recv = conn_recv,
	.close = conn_close,
};

/* --- handshakes ---------------------------------------------------------- */

/* @name: what the peer's certificate must name, NULL for nothing. */
static int conn_new(int sk, unsigned int flags, const char *name, struct tls_conn *c)
{
	int ret;

	c->sk = sk;
	/* no resumption: tickets would only be bytes nobody asked for */
	ret = gnutls_init(&c->s, flags | GNUTLS_NO_TICKETS);
	if (ret < 0) {
		c->s = NULL;
		goto err;
	}
	ret = gnutls_set_default_priority(c->s);
	if (ret < 0)
		goto err;
	ret = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, creds);
	if (ret < 0)
		goto err;
	gnutls_session_set_verify_cert(c->s, name, 0);
	if (flags & GNUTLS_SERVER)
		gnutls_certificate_server_set_request(c->s, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_push_function(c->s, conn_push);
	gnutls_transport_set_pull_function(c->s, conn_pull);
	gnutls_transport_set_pull_timeout_function(c->s, conn_pull_timeout);
	gnutls_handshake_set_timeout(c->s, opts.timeout ? opts.timeout * 1000U :
					   GNUTLS_INDEFINITE_TIMEOUT);
	return 0;
err:
	pr_err("TLS: can't set up a session with %s: %s\n", c->peer, gnutls_strerror(ret));
	return -ENOMEM;
}

static void say_cert_refused(struct tls_conn *c)
{
	unsigned int status = gnutls_session_get_verify_cert_status(c->s);
	gnutls_datum_t out = { NULL, 0 };

	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) < 0)
		pr_err("TLS: the certificate of %s is refused (status %#x)\n", c->peer, status);
	else
		pr_err("TLS: the certificate of %s is refused: %s\n", c->peer, out.data);
	gnutls_free(out.data);
}

static const char *handshake_hint(struct tls_conn *c, int ret)
{
	if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return gnutls_alert_get_name(gnutls_alert_get(c->s));
	if (ret == GNUTLS_E_PREMATURE_TERMINATION || ret == GNUTLS_E_PULL_ERROR ||
	    ret == GNUTLS_E_PUSH_ERROR || ret == GNUTLS_E_UNEXPECTED_PACKET_LENGTH)
		return "the peer closed the connection: does it run with --tls?";
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_TIMEDOUT)
		return "no answer within --timeout";
	return NULL;
}

static int conn_handshake(struct tls_conn *c)
{
	const char *hint;
	int ret;

	do
		ret = gnutls_handshake(c->s);
	while (ret < 0 && ret != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(ret));
	if (!ret) {
		pr_info("TLS: session with %s: %s\n", c->peer,
			gnutls_session_get_desc(c->s) ? : "?");
		return 0;
	}
	hint = handshake_hint(c, ret);
	pr_err("TLS handshake with %s failed: %s%s%s%s\n", c->peer, gnutls_strerror(ret),
	       hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		say_cert_refused(c);
	/* tell the peer why, so that its error is clear too */
	if (gnutls_error_is_fatal(ret) && ret != GNUTLS_E_PREMATURE_TERMINATION)
		gnutls_alert_send_appropriate(c->s, ret);
	return ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
}

static int secure(struct tls_conn *c, unsigned int flags, const char *name)
{
	int ret;

	ret = conn_new(c->sk, flags, name, c);
	if (!ret)
		ret = conn_handshake(c);
	if (!ret)
		ret = ps_sk_wrap(c->sk, &tls_ops, c);
	if (ret)
		conn_free(c);
	return ret;
}

static int tls_secure_client(int sk, const char *addr, int port)
{
	struct tls_conn *c;

	if (!opts.tls)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	addr = addr ? addr : "127.0.0.1";	/* what ps_connect() dials */
	c->sk = sk;
	snprintf(c->peer, sizeof(c->peer), "the page server at %s port %d", addr, port);
	return secure(c, GNUTLS_CLIENT, opts.tls_no_cn_verify ? NULL : addr);
}

int tls_connect(const char *addr, int port, int timeout_s)
{
	int sk, ret;

	ret = tls_load();
	if (ret)
		return ret;
	sk = ps_connect(addr, port, timeout_s);
	if (sk < 0)
		return sk;
	ret = tls_secure_client(sk, addr, port);
	if (ret) {
		ps_close(sk);
		return ret;
	}
	return sk;
}

static int peer_addr(int sk, char *addr, size_t len, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const void *a;

	if (getpeername(sk, (struct sockaddr *)&ss, &sl)) {
		pr_perror("TLS: can't get the peer of socket %d", sk);
		return -errno;
	}
	if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	if (!inet_ntop(ss.ss_family, a, addr, len)) {
		pr_perror("TLS: can't print the peer of socket %d", sk);
		return -errno;
	}
	return 0;
}

/*
 * A peer without --tls sends a page-server command where the handshake
 * should start: say so instead of GnuTLS's "unexpected packet".
 */
static int expect_handshake(struct tls_conn *c)
{
	struct pollfd pfd = { .fd = c->sk, .events = POLLIN };
	unsigned char first;
	ssize_t n;

	n = poll(&pfd, 1, opts.timeout ? opts.timeout * 1000 : -1);
	if (n == 0) {
		pr_err("TLS: %s sent nothing within --timeout\n", c->peer);
		return -ETIMEDOUT;
	}
	if (n > 0)
		n = recv(c->sk, &first, 1, MSG_PEEK);
	if (n < 0) {
		pr_perror("TLS: waiting for %s", c->peer);
		return -errno;
	}
	if (n == 0 || first != TLS_HANDSHAKE_RECORD) {
		pr_err("TLS: %s %s: does it run without --tls?\n", c->peer,
		       n ? "sent no TLS handshake" : "closed the connection");
		return -ECONNREFUSED;
	}
	return 0;
}

int tls_secure_server(int sk, const char *who)
{
	char addr[INET6_ADDRSTRLEN];
	struct tls_conn *c;
	int port = 0, ret;

	if (!opts.tls)
		return 0;
	ret = peer_addr(sk, addr, sizeof(addr), &port);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sk = sk;
	snprintf(c->peer, sizeof(c->peer), "%s's peer %s port %d", who, addr, port);
	ret = expect_handshake(c);
	if (ret) {
		conn_free(c);
		return ret;
	}
	return secure(c, GNUTLS_SERVER, opts.tls_no_cn_verify ? NULL : addr);
}

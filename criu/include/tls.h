/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_TLS_H
#define CRIU_TLS_H

/*
 * --tls: the page server's connections (dump/pre-dump --page-server to
 * criu page-server, lazy-pages --page-server to dump --lazy-pages) over
 * TLS with X.509 certificates on both ends (GnuTLS). As in CRIU, the end
 * that listens is the TLS server and the one that connects the client;
 * each checks the other's certificate against the CA (and the CRL) and,
 * unless --tls-no-cn-verify, against the peer's address.
 *
 * Once a socket is secured, page-server-proto.c's send and receive calls
 * go through its session (ps_sk_wrap()); without --tls these calls do
 * nothing and the sockets stay plain TCP.
 */

/*
 * Refuse TLS options that would do nothing in command @cmd ("dump",
 * "restore", ...): a --tls-* file without --tls, or --tls where there is
 * no page-server connection. 0 or -EINVAL, logged.
 */
int tls_check_options(const char *cmd);

/*
 * Load the certificates, key and revocation list named by the options
 * (once; later calls return at once). Called before anything else runs,
 * so that a missing file fails the command before it touches a process.
 * 0 without --tls. 0 or -errno, logged with the file.
 */
int tls_load(void);

/*
 * A page server's client: ps_connect() to @addr:@port, then with --tls
 * the credentials and the handshake (the server's certificate must name
 * @addr, 127.0.0.1 when NULL, unless --tls-no-cn-verify). The socket or
 * -errno, logged with the peer.
 */
int tls_connect(const char *addr, int port, int timeout_s);

/*
 * With --tls, the handshake on @sk just accepted by @who ("Page server",
 * "lazy dump"); the client's certificate must name the address it comes
 * from unless --tls-no-cn-verify. 0 with @sk secured (or without --tls),
 * or -errno logged with the peer; @sk is then left as it was, for
 * ps_close().
 */
int tls_secure_server(int sk, const char *who);

#endif /* CRIU_TLS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * sig_handlers: several signals with distinct handlers, flags and masks.
 * After restore sigaction() must report each disposition as it was set,
 * and raising each signal must run the right handler with the right mask
 * and flag semantics (SA_SIGINFO, SA_NODEFER, SA_RESETHAND).
 */
#include <string.h>

#include "zdtmtst.h"

#define FLAGS_MASK	(SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | \
			 SA_ONSTACK | SA_NOCLDSTOP | SA_NOCLDWAIT)

struct disp {
	int sig;
	void *handler;		/* SIG_IGN/SIG_DFL or a function */
	int flags;
	int mask[3];		/* signals blocked while it runs; 0 ends */
	int resets;		/* SA_RESETHAND: back to SIG_DFL after one run */
};

static volatile sig_atomic_t last_sig;
static volatile sig_atomic_t last_handler;
static volatile sig_atomic_t last_code;
static sigset_t seen_mask;

static void h_plain1(int sig)
{
	last_sig = sig;
	last_handler = 1;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
}

static void h_plain2(int sig)
{
	last_sig = sig;
	last_handler = 2;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
}

static void h_info(int sig, siginfo_t *si, void *ctx)
{
	last_sig = sig;
	last_handler = 3;
	last_code = si->si_code;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
}

static void h_info2(int sig, siginfo_t *si, void *ctx)
{
	last_sig = sig;
	last_handler = 4;
	last_code = si->si_code;
	sigprocmask(SIG_BLOCK, NULL, &seen_mask);
}

static struct disp disps[] = {
	{ SIGUSR1, h_info, SA_SIGINFO | SA_RESTART, { SIGUSR2, SIGINT } },
	{ SIGUSR2, h_plain1, SA_NODEFER | SA_RESETHAND, { SIGHUP }, 1 },
	{ SIGHUP, SIG_IGN, 0, { 0 } },
	{ SIGQUIT, h_plain2, SA_RESTART | SA_ONSTACK, { SIGALRM, SIGPIPE, SIGTTIN } },
	{ SIGCHLD, h_plain1, SA_NOCLDSTOP | SA_RESTART, { 0 } },
	{ 0 /* SIGRTMIN+3 */, h_info2, SA_SIGINFO, { 0 /* SIGRTMIN+4 */, SIGWINCH } },
	{ SIGPIPE, SIG_DFL, 0, { 0 } },
};

static int handler_id(void *h)
{
	return h == h_plain1 ? 1 : h == h_plain2 ? 2 : h == h_info ? 3 : h == h_info2 ? 4 : 0;
}

static void fill_mask(const struct disp *d, sigset_t *set)
{
	sigemptyset(set);
	for (int i = 0; i < 3 && d->mask[i]; i++)
		sigaddset(set, d->mask[i]);
}

static int install(struct disp *d)
{
	struct sigaction sa = { .sa_flags = d->flags };

	if (d->flags & SA_SIGINFO)
		sa.sa_sigaction = d->handler;
	else
		sa.sa_handler = d->handler;
	fill_mask(d, &sa.sa_mask);
	if (sigaction(d->sig, &sa, NULL)) {
		fail("sigaction %d: %m", d->sig);
		return -1;
	}
	return 0;
}

static int check_disposition(const struct disp *d, struct sigaction *saved)
{
	struct sigaction now;
	sigset_t want;

	if (sigaction(d->sig, NULL, &now)) {
		fail("query sigaction %d: %m", d->sig);
		return -1;
	}
	if ((void *)now.sa_handler != d->handler) {
		fail("signal %d: handler %p, want %p", d->sig, (void *)now.sa_handler, d->handler);
		return -1;
	}
	if ((now.sa_flags & FLAGS_MASK) != (unsigned int)d->flags) {
		fail("signal %d: flags %#x, want %#x", d->sig, now.sa_flags & FLAGS_MASK, d->flags);
		return -1;
	}
	/* The restorer (libc's sigreturn trampoline) must survive too. */
	if (now.sa_flags != saved->sa_flags || now.sa_restorer != saved->sa_restorer) {
		fail("signal %d: raw flags/restorer %#x/%p, were %#x/%p", d->sig,
		     now.sa_flags, (void *)now.sa_restorer, saved->sa_flags,
		     (void *)saved->sa_restorer);
		return -1;
	}
	fill_mask(d, &want);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&want, s) != sigismember(&now.sa_mask, s)) {
			fail("signal %d: mask bit %d is %d", d->sig, s, sigismember(&now.sa_mask, s));
			return -1;
		}
	return 0;
}

/* Inside the handler: its own mask, plus itself unless SA_NODEFER. */
static int check_delivery(const struct disp *d)
{
	int id = handler_id(d->handler);
	sigset_t want;

	if (!id)
		return 0;	/* SIG_IGN/SIG_DFL: not raised */
	last_sig = last_handler = last_code = 0;
	sigemptyset(&seen_mask);
	raise(d->sig);
	if (last_sig != d->sig || last_handler != id) {
		fail("raise(%d) ran handler %d for signal %d, want handler %d",
		     d->sig, (int)last_handler, (int)last_sig, id);
		return -1;
	}
	if ((d->flags & SA_SIGINFO) && last_code != SI_TKILL) {
		fail("signal %d: si_code %d, want SI_TKILL", d->sig, (int)last_code);
		return -1;
	}
	fill_mask(d, &want);
	if (!(d->flags & SA_NODEFER))
		sigaddset(&want, d->sig);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGTERM && sigismember(&want, s) != sigismember(&seen_mask, s)) {
			fail("in handler of %d: signal %d blocked=%d", d->sig, s,
			     sigismember(&seen_mask, s));
			return -1;
		}
	return 0;
}

static int check_reset(const struct disp *d)
{
	struct sigaction now;

	if (!d->resets)
		return 0;
	if (sigaction(d->sig, NULL, &now) || now.sa_handler != SIG_DFL) {
		fail("signal %d: SA_RESETHAND did not reset the handler", d->sig);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction saved[ARRAY_SIZE(disps)];
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	disps[5].sig = SIGRTMIN + 3;
	disps[5].mask[0] = SIGRTMIN + 4;
	for (size_t i = 0; i < ARRAY_SIZE(disps); i++)
		if (install(&disps[i]) || sigaction(disps[i].sig, NULL, &saved[i]))
			return 1;

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		signal(SIGQUIT, h_plain1);
	for (size_t i = 0; i < ARRAY_SIZE(disps); i++)
		if (check_disposition(&disps[i], &saved[i]))
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(disps); i++)
		if (check_delivery(&disps[i]) || check_reset(&disps[i]))
			return 1;
	pass();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * heap_stack_grow: after restore the process must still be able to grow.
 * The heap: data put there by sbrk() before the dump is intact, the kernel's
 * brk agrees with libc's, and sbrk()/malloc() can extend it. The stack: a
 * deep recursion grows it well below the size it had at dump time, which
 * only works if the stack mapping is still a grows-down one.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HEAP_BEFORE	(1UL << 20)
#define HEAP_AFTER	(8UL << 20)
#define FRAME_SIZE	4096
#define STACK_GROW	(3UL << 20)
#define HEAP_SEED	0x6865617000ULL

static char altstack[64 * 1024];

/* A fault while growing means the restored layout is wrong: say so. */
static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
	fail("signal %d at address %p while growing heap or stack", sig, si->si_addr);
	_exit(1);
}

static int catch_faults(void)
{
	struct sigaction sa = { .sa_sigaction = segv_handler,
				.sa_flags = SA_SIGINFO | SA_ONSTACK };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL) ||
	    sigaction(SIGBUS, &sa, NULL)) {
		fail("install fault handlers: %m");
		return -1;
	}
	return 0;
}

/* Each frame fills a buffer on the stack and checks it on the way back. */
static unsigned long recurse(int depth, unsigned long *lowest)
{
	volatile unsigned char frame[FRAME_SIZE];
	unsigned long sum = 0;

	for (int i = 0; i < FRAME_SIZE; i++)
		frame[i] = (unsigned char)(depth * 31 + i);
	if ((unsigned long)frame < *lowest)
		*lowest = (unsigned long)frame;
	if (depth > 0)
		sum = recurse(depth - 1, lowest);
	for (int i = 0; i < FRAME_SIZE; i++)
		if (frame[i] != (unsigned char)(depth * 31 + i))
			return ~0UL;
	return sum == ~0UL ? sum : sum + depth;
}

static int check_stack(unsigned long dumped_start)
{
	int depth = STACK_GROW / FRAME_SIZE;
	unsigned long lowest = ~0UL, sum;
	struct test_vma vma;

	sum = recurse(depth, &lowest);
	if (sum != (unsigned long)depth * (depth + 1) / 2) {
		fail("stack frames corrupted during recursion");
		return -1;
	}
	if (test_vma_named("[stack]", &vma)) {
		fail("no [stack] mapping");
		return -1;
	}
	if (vma.start > lowest || dumped_start - vma.start < STACK_GROW / 2) {
		fail("[stack] %lx-%lx did not grow down from %lx (lowest frame %lx)",
		     vma.start, vma.end, dumped_start, lowest);
		return -1;
	}
	test_msg("stack grew from %lx to %lx", dumped_start, vma.start);
	return 0;
}

static int check_heap(char *old, char *old_end)
{
	char *cur = sbrk(0), *more, *m;
	unsigned long kbrk = syscall(SYS_brk, 0);
	ssize_t bad;

	if (cur != old_end || kbrk != (unsigned long)cur) {
		fail("brk: libc %p, kernel %#lx, at dump %p", cur, kbrk, old_end);
		return -1;
	}
	bad = datacheck(old, HEAP_BEFORE, HEAP_SEED);
	if (bad >= 0) {
		fail("heap data at %p differs", old + bad);
		return -1;
	}
	more = sbrk(HEAP_AFTER);
	if (more == (void *)-1) {
		fail("sbrk(%lu) after restore: %m", HEAP_AFTER);
		return -1;
	}
	datagen(more, HEAP_AFTER, HEAP_SEED + 1);
	if (datacheck(more, HEAP_AFTER, HEAP_SEED + 1) >= 0 ||
	    datacheck(old, HEAP_BEFORE, HEAP_SEED) >= 0) {
		fail("heap data wrong after growing it");
		return -1;
	}
	m = malloc(64 << 20);	/* big: mmap'ed by malloc */
	if (!m) {
		fail("malloc 64 MiB: %m");
		return -1;
	}
	memset(m, 0x3c, 64 << 20);
	free(m);
	return 0;
}

int main(int argc, char **argv)
{
	struct test_vma stack;
	char *heap;
	int ret;

	ret = test_init(argc, argv, 0);
	if (ret)
		return test_init_exit(ret);
	heap = sbrk(HEAP_BEFORE);
	if (heap == (void *)-1) {
		fail("sbrk: %m");
		return 1;
	}
	datagen(heap, HEAP_BEFORE, HEAP_SEED);
	if (test_vma_named("[stack]", &stack) || catch_faults())
		return 1;
	test_msg("heap %p-%p, stack %lx-%lx", heap, heap + HEAP_BEFORE, stack.start, stack.end);

	if (test_daemon())
		return 1;
	test_waitsig();

	if (test_broken())
		mprotect((void *)stack.start, 4096, PROT_NONE);
	if (check_heap(heap, heap + HEAP_BEFORE) || check_stack(stack.start))
		return 1;
	pass();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the thread-state parts of core-PID.img on live children:
 * XSAVE <-> image conversion (field mapping, exact round trip, loading
 * back into a task), rewinding of interrupted system calls, rlimits,
 * and the blocked-mask helper.
 *
 * Each test prints one line; the last line is "N passed, N failed".
 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include <elf.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#include "compel.h"
#include "core-parts.h"
#include "log.h"

#define XF_X87		0
#define XF_SSE		1
#define XF_YMM		2
#define XF_BNDREGS	3
#define XF_BNDCSR	4
#define XF_OPMASK	5
#define XF_ZMM_HI256	6
#define XF_HI16_ZMM	7
#define XF_PKRU		9
#define XF_AVX512	((1ULL << XF_OPMASK) | (1ULL << XF_ZMM_HI256) | \
			 (1ULL << XF_HI16_ZMM))

static int passed, failed;
static char why[256];

/* Record why the current test fails; returns -1 for "return fail(...)". */
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

static void run(const char *name, int (*fn)(void))
{
	why[0] = '\0';
	if (fn() == 0) {
		passed++;
		printf("ok   %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: %s\n", name, why);
	}
	fflush(stdout);
}

/* ---- a child with known FPU/vector state ---- */

struct fpu_pattern {
	uint8_t zmm0[64];
	uint8_t zmm16[64];
	uint64_t k1;
} __attribute__((aligned(64)));

/* what the child finds in its registers after the parent set them */
struct fpu_seen {
	uint8_t zmm16[64];
	uint64_t k2;
} __attribute__((aligned(64)));

static struct fpu_pattern pat;
static struct fpu_seen seen;

/*
 * Load st0 = 1.0, zmm0, zmm16 and k1, stop; when resumed, store zmm16
 * and k2 to @seen and stop again. Raw syscalls only: no library code
 * may touch the vector registers in between.
 */
static void __attribute__((noreturn)) fpu_child(void)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		_exit(1);
	asm volatile(
		"fld1\n\t"
		"vmovdqu64 (%[p]), %%zmm0\n\t"
		"vmovdqu64 64(%[p]), %%zmm16\n\t"
		"kmovq 128(%[p]), %%k1\n\t"
		"mov %[getpid], %%eax\n\tsyscall\n\t"
		"mov %%eax, %%edi\n\tmov %[stop], %%esi\n\t"
		"mov %[kill], %%eax\n\tsyscall\n\t"
		"vmovdqu64 %%zmm16, (%[s])\n\t"
		"kmovq %%k2, 64(%[s])\n\t"
		"mov %[getpid], %%eax\n\tsyscall\n\t"
		"mov %%eax, %%edi\n\tmov %[stop], %%esi\n\t"
		"mov %[kill], %%eax\n\tsyscall\n\t"
		:
		: [p] "r"(&pat), [s] "r"(&seen), [getpid] "i"(SYS_getpid),
		  [kill] "i"(SYS_kill), [stop] "i"(SIGSTOP)
		: "rax", "rdi", "rsi", "rcx", "r11", "memory");
	_exit(0);
}

static bool have_avx512(void)
{
	return (xsave_supported_features() & XF_AVX512) == XF_AVX512;
}

static void fill_pattern(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static int wait_stopped(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid(%d): %m", pid);
	if (!WIFSTOPPED(status))
		return fail("child %d did not stop (status %#x)", pid, status);
	return 0;
}

/* Fork the FPU child and wait for its first stop. */
static pid_t start_fpu_child(void)
{
	pid_t pid;

	fill_pattern(pat.zmm0, sizeof(pat.zmm0), 0x11);
	fill_pattern(pat.zmm16, sizeof(pat.zmm16), 0x5a);
	pat.k1 = 0x0123456789abcdefULL;
	pid = fork();
	if (pid < 0) {
		fail("fork: %m");
		return -1;
	}
	if (pid == 0)
		fpu_child();
	if (wait_stopped(pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void end_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int get_xsave(pid_t pid, uint8_t **buf, size_t *len)
{
	size_t size = compel_xsave_size();

	*buf = calloc(1, size);
	if (!*buf)
		return fail("no memory");
	*len = size;
	if (compel_get_xsave(pid, *buf, len))
		return fail("PTRACE_GETREGSET(NT_X86_XSTATE) of %d failed", pid);
	return 0;
}

/* Image of the child's state after pack and unpack, as a reader sees it. */
static UserX86FpregsEntry *through_protobuf(const UserX86FpregsEntry *fp)
{
	size_t len = user_x86_fpregs_entry__get_packed_size(fp);
	uint8_t *bytes = malloc(len);
	UserX86FpregsEntry *back;

	if (!bytes)
		return NULL;
	user_x86_fpregs_entry__pack(fp, bytes);
	back = user_x86_fpregs_entry__unpack(NULL, len, bytes);
	free(bytes);
	return back;
}

static int words_equal(const char *what, const void *img, size_t n_img,
		       size_t word, const void *want, size_t len)
{
	if (n_img * word < len)
		return fail("%s has %zu words, %zu bytes expected", what,
			    n_img, len);
	if (memcmp(img, want, len))
		return fail("%s does not hold the loaded value", what);
	return 0;
}

static int check_fields(const UserX86FpregsEntry *fp)
{
	static const uint32_t st0_one[4] = { 0, 0x80000000, 0x3fff, 0 };
	const UserX86XsaveEntry *xs = fp->xsave;
	uint64_t want_bv = (1ULL << XF_X87) | (1ULL << XF_SSE) |
			   (1ULL << XF_YMM) | XF_AVX512;

	if (!xs)
		return fail("no xsave entry");
	if ((xs->xstate_bv & want_bv) != want_bv)
		return fail("xstate_bv %#llx lacks %#llx",
			    (unsigned long long)xs->xstate_bv,
			    (unsigned long long)want_bv);
	if (words_equal("st_space (st0 = 1.0)", fp->st_space, fp->n_st_space,
			4, st0_one, sizeof(st0_one)) ||
	    words_equal("xmm_space (xmm0)", fp->xmm_space, fp->n_xmm_space,
			4, pat.zmm0, 16) ||
	    words_equal("ymmh_space (ymm0 upper)", xs->ymmh_space,
			xs->n_ymmh_space, 4, pat.zmm0 + 16, 16) ||
	    words_equal("zmm_upper (zmm0 upper)", xs->zmm_upper,
			xs->n_zmm_upper, 8, pat.zmm0 + 32, 32) ||
	    words_equal("hi16_zmm (zmm16)", xs->hi16_zmm, xs->n_hi16_zmm,
			8, pat.zmm16, 64))
		return -1;
	if (xs->n_opmask_reg < 8 || xs->opmask_reg[1] != pat.k1)
		return fail("opmask_reg[1] is not k1");
	if (xs->n_ymmh_space != 64 || xs->n_zmm_upper != 64 ||
	    xs->n_hi16_zmm != 128 || fp->n_padding != 24)
		return fail("component sizes differ from the XSAVE layout");
	return 0;
}

/* The image's fields hold what the child put in its registers. */
static int test_xsave_fields(void)
{
	UserX86FpregsEntry *fp = NULL;
	uint8_t *buf = NULL;
	size_t len;
	pid_t pid;
	int ret;

	if (!have_avx512())
		return fail("needs AVX-512 (this CPU lacks it)");
	pid = start_fpu_child();
	if (pid < 0)
		return -1;
	ret = get_xsave(pid, &buf, &len);
	if (!ret && xsave_to_fpregs(buf, len, &fp))
		ret = fail("xsave_to_fpregs failed");
	if (!ret)
		ret = check_fields(fp);
	fpregs_free(fp);
	free(buf);
	end_child(pid);
	return ret;
}

static int first_difference(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return (int)i;
	return -1;
}

/*
 * Dump -> protobuf -> restore gives the same buffer byte for byte: the
 * legacy area, the header and every component.
 */
static int test_xsave_roundtrip(void)
{
	UserX86FpregsEntry *fp = NULL, *back = NULL;
	uint8_t *buf = NULL, *out = NULL;
	size_t len;
	int ret, off;
	pid_t pid;

	pid = start_fpu_child();
	if (pid < 0)
		return -1;
	ret = get_xsave(pid, &buf, &len);
	if (!ret && xsave_to_fpregs(buf, len, &fp))
		ret = fail("xsave_to_fpregs failed");
	if (!ret && !(back = through_protobuf(fp)))
		ret = fail("protobuf pack/unpack failed");
	if (!ret && !(out = malloc(len)))
		ret = fail("no memory");
	if (!ret && fpregs_to_xsave(back, out, len))
		ret = fail("fpregs_to_xsave failed");
	if (!ret) {
		off = first_difference(buf, out, len);
		if (off >= 0)
			ret = fail("rebuilt buffer differs at byte %d of %zu",
				   off, len);
	}
	if (back)
		user_x86_fpregs_entry__free_unpacked(back, NULL);
	fpregs_free(fp);
	free(buf);
	free(out);
	end_child(pid);
	return ret;
}

/* Change zmm16 and k2 in the image and check the child sees the change. */
static int edit_image(UserX86FpregsEntry *fp, uint8_t *zmm16, uint64_t *k2)
{
	UserX86XsaveEntry *xs = fp->xsave;

	fill_pattern(zmm16, 64, 0xc3);
	*k2 = 0xfedcba9876543210ULL;
	if (!xs || xs->n_hi16_zmm < 8 || xs->n_opmask_reg < 3)
		return fail("image lacks AVX-512 components");
	memcpy(xs->hi16_zmm, zmm16, 64);
	xs->opmask_reg[2] = *k2;
	xs->xstate_bv |= XF_AVX512;
	return 0;
}

static int read_seen(pid_t pid, struct fpu_seen *s)
{
	struct iovec local = { .iov_base = s, .iov_len = sizeof(*s) };
	struct iovec remote = { .iov_base = &seen, .iov_len = sizeof(*s) };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof(*s))
		return fail("process_vm_readv(%d): %m", pid);
	return 0;
}

static int test_xsave_load(void)
{
	UserX86FpregsEntry *fp = NULL;
	uint8_t *buf = NULL, zmm16[64];
	struct fpu_seen s;
	uint64_t k2;
	size_t len;
	pid_t pid;
	int ret;

	pid = start_fpu_child();
	if (pid < 0)
		return -1;
	ret = get_xsave(pid, &buf, &len);
	if (!ret && xsave_to_fpregs(buf, len, &fp))
		ret = fail("xsave_to_fpregs failed");
	if (!ret)
		ret = edit_image(fp, zmm16, &k2);
	if (!ret && fpregs_to_xsave(fp, buf, len))
		ret = fail("fpregs_to_xsave failed");
	if (!ret && compel_set_xsave(pid, buf, len))
		ret = fail("PTRACE_SETREGSET refused the rebuilt buffer");
	if (!ret && ptrace(PTRACE_CONT, pid, 0, 0))
		ret = fail("PTRACE_CONT: %m");
	if (!ret)
		ret = wait_stopped(pid);
	if (!ret)
		ret = read_seen(pid, &s);
	if (!ret && memcmp(s.zmm16, zmm16, 64))
		ret = fail("child's zmm16 is not the restored value");
	if (!ret && s.k2 != k2)
		ret = fail("child's k2 is %#llx, not %#llx",
			   (unsigned long long)s.k2, (unsigned long long)k2);
	fpregs_free(fp);
	free(buf);
	end_child(pid);
	return ret;
}

/* Live state of a component this CPU lacks cannot be loaded. */
static int test_xsave_foreign(void)
{
	static const int candidates[] = { XF_BNDREGS, XF_BNDCSR, XF_PKRU };
	uint64_t features = xsave_supported_features();
	UserX86XsaveEntry xs = USER_X86_XSAVE_ENTRY__INIT;
	UserX86FpregsEntry fp = USER_X86_FPREGS_ENTRY__INIT;
	uint8_t buf[4096];
	unsigned int i;
	int bit = -1, ret, level = log_get_level();

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (!(features & (1ULL << candidates[i])))
			bit = candidates[i];
	if (bit < 0)
		return fail("this CPU has every component; nothing foreign");
	fp.xsave = &xs;
	xs.xstate_bv = (1ULL << XF_SSE) | (1ULL << bit);
	log_init(NULL, LOG_MSG);	/* the refusal is logged as an error */
	ret = fpregs_to_xsave(&fp, buf, sizeof(buf));
	log_init(NULL, level);
	if (ret != -EOPNOTSUPP)
		return fail("xstate_bv with feature %d gave %d", bit, ret);
	xs.xstate_bv = 1ULL << XF_SSE;
	if (fpregs_to_xsave(&fp, buf, sizeof(buf)))
		return fail("plain SSE state was refused");
	return 0;
}

/* ---- interrupted system calls ---- */

/*
 * @child blocks in a system call; it is seized there, dumped, restored
 * onto itself (registers from the image) and released: it must finish
 * the call and exit with 42. @feed, if any, lets the call complete.
 */
static int rewind_case(void (*child)(int), long nr, const char *name)
{
	struct user_regs_struct regs;
	CoreEntry core = CORE_ENTRY__INIT;
	unsigned char insn[2];
	int pfd[2], status, ret = 0;
	pid_t pid;

	if (pipe(pfd))
		return fail("pipe: %m");
	pid = fork();
	if (pid < 0)
		return fail("fork: %m");
	if (pid == 0) {
		close(pfd[1]);
		child(pfd[0]);
	}
	close(pfd[0]);
	usleep(100 * 1000);	/* let it block in the call */

	if (compel_seize(pid))
		ret = fail("compel_seize(%d) failed", pid);
	if (!ret && dump_thread_regs(pid, &core))
		ret = fail("dump_thread_regs failed");
	if (!ret && (core.thread_info->gpregs->ax != (uint64_t)nr ||
		     core.thread_info->gpregs->orig_ax != (uint64_t)nr))
		ret = fail("%s not rewound: ax %lld orig_ax %lld", name,
			   (long long)core.thread_info->gpregs->ax,
			   (long long)core.thread_info->gpregs->orig_ax);
	if (!ret && compel_read_mem(pid, core.thread_info->gpregs->ip, insn, 2))
		ret = fail("cannot read the code at ip");
	if (!ret && (insn[0] != 0x0f || insn[1] != 0x05))
		ret = fail("ip does not point at a syscall instruction");
	if (!ret && restore_thread_regs(pid, &core, &regs))
		ret = fail("restore_thread_regs failed");
	if (!ret && (long long)regs.orig_rax != -1)
		ret = fail("restored orig_rax is %lld", (long long)regs.orig_rax);
	if (!ret && compel_set_regs(pid, &regs))
		ret = fail("compel_set_regs failed");
	if (!ret && compel_detach(pid))
		ret = fail("compel_detach failed");
	if (write(pfd[1], "*", 1) != 1 && !ret)
		ret = fail("write to the child's pipe: %m");
	close(pfd[1]);
	if (ret)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid: %m");
	if (!ret && !(WIFEXITED(status) && WEXITSTATUS(status) == 42))
		ret = fail("child ended with status %#x, not exit 42", status);
	return ret;
}

/* Raw calls: the wrappers would turn a stray -ERESTART* into errno. */
static void __attribute__((noreturn)) nanosleep_child(int fd)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 300 * 1000 * 1000 };

	_exit(syscall(SYS_nanosleep, &ts, NULL) ? 1 : 42);
}

static void __attribute__((noreturn)) read_child(int fd)
{
	char c;

	_exit(syscall(SYS_read, fd, &c, 1) == 1 && c == '*' ? 42 : 1);
}

/* -ERESTART_RESTARTBLOCK: the sleep runs again */
static int test_rewind_nanosleep(void)
{
	return rewind_case(nanosleep_child, SYS_nanosleep, "nanosleep");
}

/* -ERESTARTSYS: the read runs again and gets the byte */
static int test_rewind_read(void)
{
	return rewind_case(read_child, SYS_read, "read");
}

/* ---- rlimits ---- */

static int set_limit(pid_t pid, int res, rlim_t cur, rlim_t max)
{
	struct rlimit rl = { .rlim_cur = cur, .rlim_max = max };

	if (prlimit(pid, res, &rl, NULL))
		return fail("prlimit(%d, %d): %m", pid, res);
	return 0;
}

static int check_limit(pid_t pid, int res, rlim_t cur, rlim_t max)
{
	struct rlimit rl;

	if (prlimit(pid, res, NULL, &rl))
		return fail("prlimit(%d, %d): %m", pid, res);
	if (rl.rlim_cur != cur || rl.rlim_max != max)
		return fail("limit %d is %llu/%llu, not %llu/%llu", res,
			    (unsigned long long)rl.rlim_cur,
			    (unsigned long long)rl.rlim_max,
			    (unsigned long long)cur, (unsigned long long)max);
	return 0;
}

static int test_rlimits(void)
{
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	CoreEntry core = CORE_ENTRY__INIT;
	RlimitEntry *nofile;
	int ret;
	pid_t pid;

	core.tc = &tc;
	pid = fork();
	if (pid < 0)
		return fail("fork: %m");
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ret = set_limit(pid, RLIMIT_NOFILE, 100, 200);
	if (!ret)
		ret = set_limit(pid, RLIMIT_CORE, 0, 4096);
	if (!ret && dump_rlimits(pid, &core))
		ret = fail("dump_rlimits failed");
	if (!ret && (!tc.rlimits || tc.rlimits->n_rlimits != RLIM_NLIMITS))
		ret = fail("image has not %d rlimits", RLIM_NLIMITS);
	if (!ret) {
		nofile = tc.rlimits->rlimits[RLIMIT_NOFILE];
		if (nofile->cur != 100 || nofile->max != 200)
			ret = fail("RLIMIT_NOFILE dumped as %llu/%llu",
				   (unsigned long long)nofile->cur,
				   (unsigned long long)nofile->max);
	}
	/*
	 * The process changes its limits; restore puts the dumped ones
	 * back. Hard limits stay where they were: raising one needs
	 * CAP_SYS_RESOURCE, which containers often lack.
	 */
	if (!ret)
		ret = set_limit(pid, RLIMIT_NOFILE, 50, 200);
	if (!ret)
		ret = set_limit(pid, RLIMIT_CORE, 4096, 4096);
	if (!ret && restore_rlimits(pid, &core))
		ret = fail("restore_rlimits failed");
	if (!ret)
		ret = check_limit(pid, RLIMIT_NOFILE, 100, 200);
	if (!ret)
		ret = check_limit(pid, RLIMIT_CORE, 0, 4096);
	end_child(pid);
	return ret;
}

/*
 * A task of another user: prlimit() wants CAP_SYS_RESOURCE for it,
 * which a container may lack; the dump must still get its limits.
 */
static int test_rlimits_other_user(void)
{
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	CoreEntry core = CORE_ENTRY__INIT;
	int ready[2], ret = 0;
	RlimitEntry *e;
	char c;
	pid_t pid;

	core.tc = &tc;
	if (pipe(ready))
		return fail("pipe: %m");
	pid = fork();
	if (pid < 0)
		return fail("fork: %m");
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 77, .rlim_max = 99 };

		close(ready[0]);
		if (setrlimit(RLIMIT_NOFILE, &rl) ||
		    setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		ret = fail("child could not change user");
	close(ready[0]);
	if (!ret && dump_rlimits(pid, &core))
		ret = fail("dump_rlimits failed");
	if (!ret) {
		e = tc.rlimits->rlimits[RLIMIT_NOFILE];
		if (e->cur != 77 || e->max != 99)
			ret = fail("RLIMIT_NOFILE dumped as %llu/%llu",
				   (unsigned long long)e->cur,
				   (unsigned long long)e->max);
		e = tc.rlimits->rlimits[RLIMIT_CPU];
		if (!ret && e->max != RLIM_INFINITY)
			ret = fail("unlimited RLIMIT_CPU dumped as %llu",
				   (unsigned long long)e->max);
	}
	end_child(pid);
	return ret;
}

/* ---- credentials, through criu dump and restore ---- */

#define CRIU_BIN	"../../criu/criu"
#define CREDS_SECBITS	(SECBIT_NOROOT | SECBIT_KEEP_CAPS)

static void creds_child_term(int sig)
{
	long sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	_exit(sb == CREDS_SECBITS ? 42 : 1);
}

/* Drop to another user with a few capabilities, a smaller bounding set. */
static int creds_child_setup(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	gid_t g[2] = { 100, 200 };

	d[0].effective = 1 << CAP_NET_BIND_SERVICE;
	d[0].permitted = (1 << CAP_NET_BIND_SERVICE) | (1 << CAP_KILL);
	d[0].inheritable = 1 << CAP_KILL;
	if (signal(SIGTERM, creds_child_term) == SIG_ERR ||
	    prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0) ||
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0) ||
	    setgroups(2, g) || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setresgid(1000, 1001, 1002) || setresuid(2000, 2001, 2002) ||
	    syscall(SYS_capset, &h, d))
		return -1;
	return 0;
}

static pid_t start_creds_child(void)
{
	int ready[2], fd;
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		fd = open("/dev/null", O_RDWR);
		if (setsid() < 0 || fd < 0 || dup2(fd, 0) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || creds_child_setup())
			_exit(1);
		close(fd);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		end_child(pid);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/* The credential lines of /proc/PID/status, concatenated. */
static int status_creds(pid_t pid, char *out, size_t size)
{
	char path[64], line[256];
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return fail("open %s: %m", path);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Uid:", 4) && strncmp(line, "Gid:", 4) &&
		    strncmp(line, "Groups:", 7) && strncmp(line, "Cap", 3))
			continue;
		used += snprintf(out + used, size - used, "%s", line);
	}
	fclose(f);
	return used < size ? 0 : fail("status too long");
}

static int run_criu(const char *fmt, pid_t pid, const char *dir)
{
	char cmd[512], args[256];

	snprintf(args, sizeof(args), fmt, pid);
	snprintf(cmd, sizeof(cmd), "%s %s -D %s -v4 -o criu.log >%s/criu.out 2>&1",
		 CRIU_BIN, args, dir, dir);
	if (system(cmd))
		return fail("'%s' failed, see %s/criu.log", cmd, dir);
	return 0;
}

/*
 * A task of another user, with some capabilities, a reduced bounding
 * set and securebits, is dumped and restored by criu: same ids,
 * groups, capability sets and securebits afterwards.
 */
static int test_creds_e2e(void)
{
	char dir[] = "/tmp/regs-creds.XXXXXX", before[1024], after[1024];
	int status, ret;
	pid_t pid;

	if (access(CRIU_BIN, X_OK))
		return fail("%s is not built", CRIU_BIN);
	if (!mkdtemp(dir))
		return fail("mkdtemp: %m");
	/* the restored task is criu's child: let it come back to us */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return fail("PR_SET_CHILD_SUBREAPER: %m");
	pid = start_creds_child();
	if (pid < 0)
		return fail("child could not set up its credentials");
	ret = status_creds(pid, before, sizeof(before));
	if (!ret)
		ret = run_criu("dump -t %d", pid, dir);
	/* dump killed it; the pid must be free again for restore */
	waitpid(pid, NULL, 0);
	if (!ret)
		ret = run_criu("restore -d", pid, dir);
	if (!ret)
		ret = status_creds(pid, after, sizeof(after));
	if (!ret && strcmp(before, after))
		ret = fail("credentials differ after restore:\n%s---\n%s",
			   before, after);
	kill(pid, ret ? SIGKILL : SIGTERM);
	if (waitpid(pid, &status, 0) == pid && !ret &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 42))
		ret = fail("securebits not restored (status %#x)", status);
	if (!ret) {
		snprintf(before, sizeof(before), "rm -rf %s", dir);
		if (system(before))
			ret = fail("cannot remove %s", dir);
	}
	return ret;
}

/* ---- signal mask ---- */

static int test_blocked_mask(void)
{
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	ThreadCoreEntry thc = THREAD_CORE_ENTRY__INIT;
	CoreEntry core = CORE_ENTRY__INIT;
	uint64_t kill_stop = (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));

	core.tc = &tc;
	core.thread_core = &thc;
	tc.blk_sigset = 0x1000 | kill_stop;
	if (core_blocked_mask(&core) != 0x1000)
		return fail("task mask gave %#llx",
			    (unsigned long long)core_blocked_mask(&core));
	thc.has_blk_sigset = 1;
	thc.blk_sigset = 0x2;
	if (core_blocked_mask(&core) != 0x2)
		return fail("the thread's own mask is not preferred");
	return 0;
}

int main(void)
{
	log_init(NULL, getenv("REGS_TEST_VERBOSE") ? LOG_DEBUG : LOG_ERROR);

	run("xsave: image fields hold the loaded registers", test_xsave_fields);
	run("xsave: dump -> protobuf -> restore is byte-exact", test_xsave_roundtrip);
	run("xsave: restored buffer loads into a live task", test_xsave_load);
	run("xsave: live state of a missing feature refused", test_xsave_foreign);
	run("regs: interrupted nanosleep runs again", test_rewind_nanosleep);
	run("regs: interrupted read runs again", test_rewind_read);
	run("rlimits: dumped limits restored by prlimit", test_rlimits);
	run("rlimits: limits of another user's task", test_rlimits_other_user);
	run("creds: other user's ids, caps, securebits via criu", test_creds_e2e);
	run("signals: blocked mask for the final step", test_blocked_mask);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

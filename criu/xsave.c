// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 FPU state as ptrace's NT_X86_XSTATE gives it, and as CRIU's
 * user_x86_fpregs_entry stores it.
 *
 * The buffer is an XSAVE area in standard (non-compacted) format:
 *
 *   0..511    legacy FXSAVE area (struct user_fpregs_struct): control
 *             words, x87 registers, XMM registers, and 96 bytes of
 *             padding whose tail the kernel uses for its own records
 *   512..575  XSAVE header: xstate_bv (which components hold a
 *             non-initial value), xcomp_bv (0 in standard format) and
 *             reserved zero bytes
 *   576..     one area per extended component; where each one lies and
 *             how big it is comes from CPUID leaf 0xD, subleaf = number
 *
 * The image keeps the legacy area field by field and each extended
 * component as a repeated field of 32- or 64-bit words, as CRIU does.
 */

#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>

#include "core-parts.h"
#include "log.h"

#define FXSAVE_SIZE		512
#define XSAVE_HDR_OFFSET	512
#define XSAVE_HDR_SIZE		64
#define XSAVE_EXT_OFFSET	(XSAVE_HDR_OFFSET + XSAVE_HDR_SIZE)

/* x87 and SSE live in the legacy area; they are always there. */
#define XFEATURE_LEGACY_MASK	0x3ULL

#define CPUID1_ECX_OSXSAVE	(1U << 27)

#define U32S(field)	(sizeof(((struct user_fpregs_struct *)0)->field) / 4)

/*
 * Extended components the image has a field for. @n_off and @p_off are
 * the offsets of the field's count and array in UserX86XsaveEntry, so
 * one loop can serve all of them.
 */
struct xcomp {
	unsigned int nr;	/* XSAVE feature bit */
	const char *name;
	size_t word;		/* 4 or 8: the field's element size */
	size_t n_off;
	size_t p_off;
};

#define XCOMP(_nr, _field, _word)					\
	{ .nr = _nr, .name = #_field, .word = _word,			\
	  .n_off = offsetof(UserX86XsaveEntry, n_##_field),		\
	  .p_off = offsetof(UserX86XsaveEntry, _field) }

static const struct xcomp xcomps[] = {
	XCOMP(2, ymmh_space, 4),	/* upper halves of YMM0-15 */
	XCOMP(3, bndreg_state, 8),	/* MPX BND0-3 */
	XCOMP(4, bndcsr_state, 8),	/* MPX BNDCFGU, BNDSTATUS */
	XCOMP(5, opmask_reg, 8),	/* AVX-512 k0-7 */
	XCOMP(6, zmm_upper, 8),		/* upper 256 bits of ZMM0-15 */
	XCOMP(7, hi16_zmm, 8),		/* ZMM16-31 */
	XCOMP(9, pkru, 4),		/* protection keys rights */
};

#define NR_XCOMPS	(sizeof(xcomps) / sizeof(xcomps[0]))

static size_t *xcomp_count(UserX86XsaveEntry *xs, const struct xcomp *c)
{
	return (size_t *)((char *)xs + c->n_off);
}

static void **xcomp_array(UserX86XsaveEntry *xs, const struct xcomp *c)
{
	return (void **)((char *)xs + c->p_off);
}

uint64_t xsave_supported_features(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return XFEATURE_LEGACY_MASK;
	if (!(ecx & CPUID1_ECX_OSXSAVE))
		return XFEATURE_LEGACY_MASK;
	/* XCR0: what the kernel actually switched on, not just what exists */
	asm volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t)edx << 32) | eax;
}

/* Where component @nr sits in a standard-format buffer, and its size. */
static void xcomp_place(unsigned int nr, size_t *off, size_t *size)
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid_count(0xd, nr, eax, ebx, ecx, edx);
	*size = eax;
	*off = ebx;
}

static int legacy_to_image(const struct user_fpregs_struct *fx,
			   UserX86FpregsEntry *fp)
{
	fp->cwd = fx->cwd;
	fp->swd = fx->swd;
	fp->twd = fx->ftw;
	fp->fop = fx->fop;
	fp->rip = fx->rip;
	fp->rdp = fx->rdp;
	fp->mxcsr = fx->mxcsr;
	fp->mxcsr_mask = fx->mxcr_mask;

	fp->n_st_space = U32S(st_space);
	fp->n_xmm_space = U32S(xmm_space);
	fp->n_padding = U32S(padding);
	fp->st_space = malloc(sizeof(fx->st_space));
	fp->xmm_space = malloc(sizeof(fx->xmm_space));
	fp->padding = malloc(sizeof(fx->padding));
	if (!fp->st_space || !fp->xmm_space || !fp->padding) {
		pr_err("out of memory for the FPU registers\n");
		return -ENOMEM;
	}
	memcpy(fp->st_space, fx->st_space, sizeof(fx->st_space));
	memcpy(fp->xmm_space, fx->xmm_space, sizeof(fx->xmm_space));
	memcpy(fp->padding, fx->padding, sizeof(fx->padding));
	return 0;
}

static int xcomp_to_image(const struct xcomp *c, const uint8_t *buf,
			  size_t len, UserX86XsaveEntry *xs)
{
	size_t off, size;
	void *words;

	xcomp_place(c->nr, &off, &size);
	if (!size || size % c->word || off < XSAVE_EXT_OFFSET) {
		pr_err("CPUID 0xD reports component %u (%s) at %zu, size %zu\n",
		       c->nr, c->name, off, size);
		return -EIO;
	}
	if (off + size > len) {
		pr_err("XSAVE buffer of %zu bytes lacks %s (%zu bytes at %zu)\n",
		       len, c->name, size, off);
		return -EIO;
	}
	words = malloc(size);
	if (!words) {
		pr_err("out of memory for %s\n", c->name);
		return -ENOMEM;
	}
	memcpy(words, buf + off, size);
	*xcomp_array(xs, c) = words;
	*xcomp_count(xs, c) = size / c->word;
	return 0;
}

static int xsave_ext_to_image(const uint8_t *buf, size_t len,
			      UserX86FpregsEntry *fp)
{
	uint64_t features = xsave_supported_features();
	uint64_t carried = XFEATURE_LEGACY_MASK;
	UserX86XsaveEntry *xs;
	unsigned int i;
	int ret;

	xs = malloc(sizeof(*xs));
	if (!xs) {
		pr_err("out of memory for the XSAVE entry\n");
		return -ENOMEM;
	}
	user_x86_xsave_entry__init(xs);
	fp->xsave = xs;
	memcpy(&xs->xstate_bv, buf + XSAVE_HDR_OFFSET, sizeof(xs->xstate_bv));

	for (i = 0; i < NR_XCOMPS; i++) {
		if (!(features & (1ULL << xcomps[i].nr)))
			continue;
		ret = xcomp_to_image(&xcomps[i], buf, len, xs);
		if (ret)
			return ret;
		carried |= 1ULL << xcomps[i].nr;
	}
	/*
	 * A component the image has no field for (AMX tiles, say) cannot
	 * be restored; claiming it live with no data would be wrong, so
	 * the restored task gets it in its initial state.
	 */
	if (xs->xstate_bv & ~carried) {
		pr_warn("XSAVE state %#llx has no image field, restored as initial\n",
			(unsigned long long)(xs->xstate_bv & ~carried));
		xs->xstate_bv &= carried;
	}
	return 0;
}

int xsave_to_fpregs(const void *buf, size_t len, UserX86FpregsEntry **out)
{
	UserX86FpregsEntry *fp;
	int ret;

	if (len < FXSAVE_SIZE) {
		pr_err("FPU state of %zu bytes is shorter than FXSAVE's %d\n",
		       len, FXSAVE_SIZE);
		return -EINVAL;
	}
	fp = malloc(sizeof(*fp));
	if (!fp) {
		pr_err("out of memory for the FPU entry\n");
		return -ENOMEM;
	}
	user_x86_fpregs_entry__init(fp);

	ret = legacy_to_image(buf, fp);
	/* a CPU without XSAVE gives just the legacy area */
	if (!ret && len >= XSAVE_EXT_OFFSET)
		ret = xsave_ext_to_image(buf, len, fp);
	if (ret) {
		fpregs_free(fp);
		return ret;
	}
	*out = fp;
	return 0;
}

void fpregs_free(UserX86FpregsEntry *fp)
{
	unsigned int i;

	if (!fp)
		return;
	if (fp->xsave) {
		for (i = 0; i < NR_XCOMPS; i++)
			free(*xcomp_array(fp->xsave, &xcomps[i]));
		free(fp->xsave);
	}
	free(fp->st_space);
	free(fp->xmm_space);
	free(fp->padding);
	free(fp);
}

/* A repeated field of the image must fit the array it fills. */
static int words_fit(const char *name, size_t n, size_t word, size_t room)
{
	if (n * word <= room)
		return 0;
	pr_err("image has %zu words of %s, %zu bytes expected\n",
	       n, name, room);
	return -EINVAL;
}

static int legacy_from_image(const UserX86FpregsEntry *fp,
			     struct user_fpregs_struct *fx)
{
	if (words_fit("st_space", fp->n_st_space, 4, sizeof(fx->st_space)) ||
	    words_fit("xmm_space", fp->n_xmm_space, 4, sizeof(fx->xmm_space)) ||
	    words_fit("padding", fp->n_padding, 4, sizeof(fx->padding)))
		return -EINVAL;

	fx->cwd = fp->cwd;
	fx->swd = fp->swd;
	fx->ftw = fp->twd;
	fx->fop = fp->fop;
	fx->rip = fp->rip;
	fx->rdp = fp->rdp;
	fx->mxcsr = fp->mxcsr;
	fx->mxcr_mask = fp->mxcsr_mask;
	memcpy(fx->st_space, fp->st_space, fp->n_st_space * 4);
	memcpy(fx->xmm_space, fp->xmm_space, fp->n_xmm_space * 4);
	memcpy(fx->padding, fp->padding, fp->n_padding * 4);
	return 0;
}

static int xcomp_from_image(const struct xcomp *c, UserX86XsaveEntry *xs,
			    uint64_t features, uint8_t *buf, size_t len)
{
	size_t n = *xcomp_count(xs, c);
	size_t off, size;

	/*
	 * A component this CPU lacks can only be in its initial state here
	 * (xstate_bv was checked), so its words need not go anywhere.
	 */
	if (!n || !(features & (1ULL << c->nr)))
		return 0;
	xcomp_place(c->nr, &off, &size);
	if (off + size > len) {
		pr_err("XSAVE buffer of %zu bytes has no room for %s at %zu\n",
		       len, c->name, off);
		return -EINVAL;
	}
	if (words_fit(c->name, n, c->word, size))
		return -EINVAL;
	memcpy(buf + off, *xcomp_array(xs, c), n * c->word);
	return 0;
}

int fpregs_to_xsave(const UserX86FpregsEntry *fp, void *buf, size_t len)
{
	uint64_t features = xsave_supported_features();
	UserX86XsaveEntry *xs = fp->xsave;
	unsigned int i;
	int ret;

	if (len < FXSAVE_SIZE) {
		pr_err("FPU buffer of %zu bytes is too small\n", len);
		return -EINVAL;
	}
	memset(buf, 0, len);
	ret = legacy_from_image(fp, buf);
	if (ret || !xs)
		return ret;

	if (len < XSAVE_EXT_OFFSET) {
		pr_err("image has XSAVE state but this CPU has no XSAVE\n");
		return -EOPNOTSUPP;
	}
	if (xs->xstate_bv & ~features) {
		pr_err("image uses XSAVE features %#llx, this CPU has %#llx\n",
		       (unsigned long long)xs->xstate_bv,
		       (unsigned long long)features);
		return -EOPNOTSUPP;
	}
	/* xcomp_bv and the reserved header bytes stay 0: standard format */
	memcpy((uint8_t *)buf + XSAVE_HDR_OFFSET, &xs->xstate_bv,
	       sizeof(xs->xstate_bv));

	for (i = 0; i < NR_XCOMPS; i++) {
		ret = xcomp_from_image(&xcomps[i], xs, features, buf, len);
		if (ret)
			return ret;
	}
	return 0;
}

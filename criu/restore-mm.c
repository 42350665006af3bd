// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuilding the address space inside the child: map every dumped area
 * at its address (file areas from the pre-opened files, shared anonymous
 * ones from a shmem file criu created), re-apply madvise flags, and
 * after the pages are in, the final protections and the mm fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "mem.h"
#include "mm.h"
#include "restore.h"
#include "vma.h"

#include "mm.pb-c.h"

MmEntry *read_mm(int dfd, int pid)
{
	struct cr_img *img;
	MmEntry *mm = NULL;
	unsigned int i;

	img = open_image(dfd, CR_FD_MM, O_RSTR, pid);
	if (!img)
		return NULL;
	if (pb_read_one_must(img, (void **)&mm, &mm_entry__descriptor))
		mm = NULL;
	for (i = 0; mm && i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->start >= v->end || (v->start | v->end) & (PAGE_SIZE - 1) ||
		    (i && v->start < mm->vmas[i - 1]->end)) {
			pr_err("%s: bad or unsorted area %llx-%llx\n", img_name(img),
			       (unsigned long long)v->start, (unsigned long long)v->end);
			pb_free(mm);
			mm = NULL;
		}
	}
	close_image(img);
	return mm;
}

/*
 * Shared memory objects are kept among the pre-opened files under keys
 * that files.img ids (counted up from 1) never reach.
 */
static uint32_t shmem_key(uint64_t shmid)
{
	return 0x80000000U | (uint32_t)(shmid & 0x7fffffff);
}

static bool vma_is_restored(const VmaEntry *v)
{
	return !(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_AREA_VSYSCALL));
}

/*
 * The protection an area is mapped with: areas that get pages start
 * writable, and so do private ones the kernel charged as writable
 * (mapping them writable is what makes it charge them); the final
 * protection is set once the pages are in.
 */
static uint32_t vma_fill_prot(const VmaEntry *v, const struct pagemap_set *ps)
{
	if (v->status & VMA_FILE_SHARED)
		return v->prot;
	if (pagemap_has_pages(ps, v->start, v->end))
		return v->prot | PROT_WRITE;
	if (v->flags & MAP_NORESERVE)
		return v->prot;
	return v->prot | PROT_WRITE;
}

static int map_one_vma(struct rst_ctx *rc, const VmaEntry *v, uint32_t prot)
{
	unsigned long flags = MAP_FIXED;
	long fd = -1, ret;

	flags |= (v->flags & MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
	if (v->flags & MAP_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if ((v->flags & MAP_NORESERVE) && (prot & PROT_WRITE))
		flags |= MAP_NORESERVE;
	if (v->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED | VMA_ANON_SHARED)) {
		/* shmid names the files.img entry, or criu's shmem file. */
		if (v->status & VMA_ANON_SHARED)
			fd = rst_file_fd(rc->sess, shmem_key(v->shmid));
		else
			fd = rst_file_fd(rc->sess, v->shmid);
		if (fd < 0) {
			pr_err("No file for area %llx-%llx (id %llu)\n",
			       (unsigned long long)v->start, (unsigned long long)v->end,
			       (unsigned long long)v->shmid);
			return -ENOENT;
		}
	} else {
		flags |= MAP_ANONYMOUS;
	}

	ret = rst_syscall(rc, "mmap", __NR_mmap, v->start, v->end - v->start,
			  prot, flags, fd, fd < 0 ? 0 : v->pgoff);
	if (ret < 0)
		return ret;
	if ((unsigned long)ret != v->start) {
		pr_err("Area %llx-%llx mapped at %lx\n", (unsigned long long)v->start,
		       (unsigned long long)v->end, ret);
		return -EFAULT;
	}
	return 0;
}

static int madvise_vma(struct rst_ctx *rc, const VmaEntry *v)
{
	unsigned int advice;
	long ret;

	if (!v->has_madv)
		return 0;
	for (advice = 0; advice < 64; advice++) {
		if (!(v->madv & (1ULL << advice)))
			continue;
		ret = rst_syscall(rc, "madvise", __NR_madvise, v->start,
				  v->end - v->start, advice, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int restore_mappings(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps, const bool *kept)
{
	unsigned int i;
	long ret;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!vma_is_restored(v))
			continue;
		/* An area kept from the parent only needs the filling protection. */
		if (kept && kept[i])
			ret = rst_syscall(rc, "mprotect", __NR_mprotect, v->start,
					  v->end - v->start, vma_fill_prot(v, ps), 0, 0, 0);
		else
			ret = map_one_vma(rc, v, vma_fill_prot(v, ps));
		if (!ret)
			ret = madvise_vma(rc, v);
		if (ret)
			return ret;
	}
	return 0;
}

int restore_vma_prot(struct rst_ctx *rc, const MmEntry *mm,
		     const struct pagemap_set *ps)
{
	unsigned int i;
	long ret;

	for (i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!vma_is_restored(v) || vma_fill_prot(v, ps) == v->prot)
			continue;
		ret = rst_syscall(rc, "mprotect", __NR_mprotect, v->start,
				  v->end - v->start, v->prot, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Shared anonymous memory: one shmem file per dumped shmid, created
 * here by mapping fresh shared memory and opening it through
 * map_files, so the child's mapping is the same kind of object
 * ("/dev/zero (deleted)") the process had.
 */
int prepare_shmem(struct rst_ctx *rc, MmEntry *mm)
{
	unsigned int i, j;
	char path[96];
	int fd, ret;

	for (i = 0; i < mm->n_vmas; i++) {
		VmaEntry *v = mm->vmas[i];
		unsigned long size = v->pgoff + (v->end - v->start);
		void *addr;

		if (!(v->status & VMA_ANON_SHARED))
			continue;
		/* The object must cover every area that maps it. */
		for (j = i + 1; j < mm->n_vmas; j++) {
			VmaEntry *w = mm->vmas[j];

			if ((w->status & VMA_ANON_SHARED) && w->shmid == v->shmid &&
			    w->pgoff + (w->end - w->start) > size)
				size = w->pgoff + (w->end - w->start);
		}
		if (rst_file_fd(rc->sess, shmem_key(v->shmid)) >= 0)
			continue;
		addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (addr == MAP_FAILED) {
			pr_perror("Can't create shared memory of %lu bytes", size);
			return -errno;
		}
		snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
			 (unsigned long)addr, (unsigned long)addr + size);
		fd = open(path, O_RDWR | O_CLOEXEC);
		ret = -errno;
		munmap(addr, size);
		if (fd < 0) {
			pr_perror("Can't open %s", path);
			return ret;
		}
		fd = rst_keep_fd(rc->sess, fd);
		if (fd < 0)
			return fd;
		ret = rst_add_file(rc->sess, shmem_key(v->shmid), fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* The kernel's struct prctl_mm_map, for PR_SET_MM_MAP. */
struct mm_map_arg {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv;
	uint32_t auxv_size;
	uint32_t exe_fd;
};

/*
 * A child forked from a built parent runs its parent's executable
 * already; the kernel refuses to replace an exe that is mapped (EBUSY),
 * and there is nothing to replace: -1 leaves it.
 */
static int exe_fd_for(const struct rst_ctx *rc, int fd)
{
	char path[64];
	struct stat cur, want;

	snprintf(path, sizeof(path), "/proc/%d/exe", rc->pid);
	if (stat(path, &cur) || fstat(fd, &want))
		return fd;
	return cur.st_dev == want.st_dev && cur.st_ino == want.st_ino ? -1 : fd;
}

int restore_mm_fields(struct rst_ctx *rc, const MmEntry *mm)
{
	struct mm_map_arg map = {
		.start_code = mm->mm_start_code, .end_code = mm->mm_end_code,
		.start_data = mm->mm_start_data, .end_data = mm->mm_end_data,
		.start_brk = mm->mm_start_brk, .brk = mm->mm_brk,
		.start_stack = mm->mm_start_stack,
		.arg_start = mm->mm_arg_start, .arg_end = mm->mm_arg_end,
		.env_start = mm->mm_env_start, .env_end = mm->mm_env_end,
	};
	unsigned long remote;
	long ret;
	int fd;

	fd = rst_file_fd(rc->sess, mm->exe_file_id);
	if (fd < 0) {
		pr_err("mm image: no file for the executable (id %u)\n", mm->exe_file_id);
		return -ENOENT;
	}
	map.exe_fd = exe_fd_for(rc, fd);
	map.auxv_size = mm->n_mm_saved_auxv * sizeof(uint64_t);
	map.auxv = rst_scratch_put(rc, mm->mm_saved_auxv, map.auxv_size);
	remote = rst_scratch_put(rc, &map, sizeof(map));
	if (!map.auxv || !remote)
		return -ENOSPC;
	ret = rst_syscall(rc, "prctl(PR_SET_MM_MAP)", __NR_prctl, PR_SET_MM,
			  PR_SET_MM_MAP, remote, sizeof(map), 0, 0);
	rst_scratch_reset(rc);
	if (ret < 0)
		return ret;
	if (mm->has_dumpable) {
		ret = rst_syscall(rc, "prctl(PR_SET_DUMPABLE)", __NR_prctl,
				  PR_SET_DUMPABLE, mm->dumpable, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	if (mm->has_thp_disabled && mm->thp_disabled) {
		ret = rst_syscall(rc, "prctl(PR_SET_THP_DISABLE)", __NR_prctl,
				  PR_SET_THP_DISABLE, 1, 0, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

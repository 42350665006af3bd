/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_VMA_H
#define CRIU_VMA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef PAGE_SIZE
#define PAGE_SIZE	4096UL
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT	12
#endif

/* vma_entry.status bits, CRIU's values. */
#define VMA_AREA_NONE		0
#define VMA_AREA_REGULAR	(1 << 0)
#define VMA_AREA_STACK		(1 << 1)
#define VMA_AREA_VSYSCALL	(1 << 2)
#define VMA_AREA_VDSO		(1 << 3)
#define VMA_AREA_HEAP		(1 << 5)
#define VMA_FILE_PRIVATE	(1 << 6)
#define VMA_FILE_SHARED		(1 << 7)
#define VMA_ANON_SHARED		(1 << 8)
#define VMA_ANON_PRIVATE	(1 << 9)
#define VMA_AREA_SYSVIPC	(1 << 10)
#define VMA_AREA_SOCKET		(1 << 11)
#define VMA_AREA_VVAR		(1 << 12)
#define VMA_AREA_AIORING	(1 << 13)
#define VMA_UNSUPP		(1U << 31)

/* One line of /proc/PID/maps, with the VmFlags of its smaps entry. */
struct vma_area {
	unsigned long start, end;
	unsigned long pgoff;		/* in bytes, as maps prints it */
	uint32_t prot;			/* PROT_* */
	uint32_t flags;			/* MAP_PRIVATE/SHARED/ANONYMOUS/GROWSDOWN */
	uint32_t status;		/* VMA_* */
	uint64_t madv;			/* 1 << MADV_* to re-apply */
	bool accounted;			/* VmFlags "ac": charged as writable */
	bool may_write;			/* VmFlags "mw": mprotect may add PROT_WRITE */
	bool lock_onfault;		/* VmFlags "lf": mlock2(MLOCK_ONFAULT) */
	char unsupp_vmflag[3];		/* the first VmFlags mnemonic not restored */
	dev_t dev;
	unsigned long ino;
	char *path;			/* file name or [name]; NULL if none */
	uint32_t file_id;		/* files.img entry for file mappings */
	uint32_t fdflags;		/* O_RDONLY or O_RDWR: how file_id is opened */
	uint64_t shmid;			/* vma_entry.shmid */
};

struct vma_list {
	struct vma_area *vmas;
	unsigned int nr;
	unsigned long vdso_start, vdso_end;	/* [vdso] */
	unsigned long vvar_start, vvar_end;	/* [vvar] and [vvar_vclock] */
};

/* Parse /proc/@pid/smaps. 0 or -errno. */
int parse_smaps(pid_t pid, struct vma_list *list);
/* Parse /proc/@pid/maps: no VmFlags (madvise, growsdown, accounting). */
int parse_maps(pid_t pid, struct vma_list *list);
void free_vma_list(struct vma_list *list);

static inline unsigned long vma_len(const struct vma_area *vma)
{
	return vma->end - vma->start;
}

static inline bool vma_is_special(const struct vma_area *vma)
{
	return vma->status & (VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_AREA_VSYSCALL);
}

#endif /* CRIU_VMA_H */

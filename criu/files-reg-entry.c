// SPDX-License-Identifier: GPL-2.0
/*
 * REG entries of files.img as the kinds that reach files by a path
 * share them: writing one (files-reg.c for descriptors and mappings,
 * files-remap.c for the O_PATH entry of a link it made), and at restore
 * the path and flags each REG entry was opened with, looked up by the
 * kinds that open an entry again through it (fifo.c, files-remap.c) and
 * by restore_fs() (fs.c). Below all of them: it calls none.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore.h"

#include "fdinfo.pb-c.h"
#include "fown.pb-c.h"
#include "regfile.pb-c.h"

int dump_reg_write_entry(struct dump_ctx *dc, const char *path,
			 const struct stat *st, uint32_t flags, uint64_t pos,
			 uint32_t id)
{
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry rfe = REG_FILE_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	int ret;

	rfe.id = id;
	rfe.flags = flags;
	rfe.pos = pos;
	rfe.fown = &fown;
	rfe.name = (char *)path;
	rfe.has_mode = true;
	rfe.mode = st->st_mode;
	if (S_ISREG(st->st_mode)) {
		rfe.has_size = true;
		rfe.size = st->st_size;
	}
	fe.type = FD_TYPES__REG;
	fe.id = rfe.id;
	fe.reg = &rfe;
	ret = pb_write_one(dc->sess->files_img, &fe, &file_entry__descriptor);
	if (ret)
		return ret;
	pr_debug("files.img: REG id %u %s flags 0%o pos %" PRIu64 "\n",
		 rfe.id, path, flags, pos);
	return 0;
}

int dump_reg_path_entry(struct dump_ctx *dc, const char *path, const struct stat *st,
			uint32_t flags, uint32_t *id)
{
	*id = dump_new_file_id(dc);
	return dump_reg_write_entry(dc, path, st, flags, 0, *id);
}

/* --- restore ------------------------------------------------------------ */

/* Paths and flags of the REG entries opened, in the order they were. */
struct reg_paths {
	uint32_t *ids;
	uint32_t *flags;		/* as restore opens them */
	char **paths;
	unsigned int nr, cap;
};

int rst_reg_remember(struct rst_session *rs, uint32_t id, const char *path,
		     uint32_t flags)
{
	struct reg_paths *rp = rs->reg_paths;
	unsigned int cap;
	uint32_t *ids;
	char **paths, *copy;

	if (!rp) {
		rp = calloc(1, sizeof(*rp));
		if (!rp)
			return -ENOMEM;
		rs->reg_paths = rp;
	}
	if (rp->nr == rp->cap) {
		cap = rp->cap ? rp->cap * 2 : 32;
		ids = realloc(rp->ids, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		rp->ids = ids;
		ids = realloc(rp->flags, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		rp->flags = ids;
		paths = realloc(rp->paths, cap * sizeof(*paths));
		if (!paths)
			return -ENOMEM;
		rp->paths = paths;
		rp->cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	rp->ids[rp->nr] = id;
	rp->flags[rp->nr] = flags;
	rp->paths[rp->nr++] = copy;
	return 0;
}

const char *rst_reg_path(const struct rst_session *rs, uint32_t id)
{
	const struct reg_paths *rp = rs->reg_paths;
	unsigned int i;

	for (i = 0; rp && i < rp->nr; i++)
		if (rp->ids[i] == id)
			return rp->paths[i];
	return NULL;
}

uint32_t rst_reg_flags(const struct rst_session *rs, uint32_t id)
{
	const struct reg_paths *rp = rs->reg_paths;
	unsigned int i;

	for (i = 0; rp && i < rp->nr; i++)
		if (rp->ids[i] == id)
			return rp->flags[i];
	return O_RDONLY;
}

void rst_reg_paths_free(struct rst_session *rs)
{
	struct reg_paths *rp = rs->reg_paths;
	unsigned int i;

	if (!rp)
		return;
	for (i = 0; i < rp->nr; i++)
		free(rp->paths[i]);
	free(rp->paths);
	free(rp->flags);
	free(rp->ids);
	free(rp);
	rs->reg_paths = NULL;
}

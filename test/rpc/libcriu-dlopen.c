// SPDX-License-Identifier: GPL-2.0
/*
 * crun 1.8 loads libcriu.so.2 with dlopen(RTLD_NOW) and resolves these
 * symbols with dlsym, failing on any missing one (src/libcrun/criu.c):
 * check that criu-ooh's library offers every one of them.
 * Usage: LD_LIBRARY_PATH=DIR libcriu-dlopen DIR/libcriu.so.2: loads it by
 * its soname, as crun does, and checks that DIR's library is the one found.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static const char *const crun_symbols[] = {
	"criu_add_ext_mount", "criu_add_external", "criu_add_inherit_fd",
	"criu_check_version", "criu_dump", "criu_get_orphan_pts_master_fd",
	"criu_init_opts", "criu_join_ns_add", "criu_feature_check", "criu_pre_dump",
	"criu_restore_child", "criu_set_ext_unix_sk", "criu_set_file_locks",
	"criu_set_freeze_cgroup", "criu_set_images_dir_fd", "criu_set_leave_running",
	"criu_set_log_file", "criu_set_log_level", "criu_set_manage_cgroups",
	"criu_set_manage_cgroups_mode", "criu_set_network_lock", "criu_set_notify_cb",
	"criu_set_orphan_pts_master", "criu_set_parent_images", "criu_set_pid",
	"criu_set_root", "criu_add_cg_root", "criu_set_shell_job",
	"criu_set_tcp_established", "criu_set_tcp_close", "criu_set_track_mem",
	"criu_set_work_dir_fd", "criu_set_lsm_profile", "criu_set_lsm_mount_context",
	"criu_set_config_file",
};

int main(int argc, char **argv)
{
	unsigned int i, missing = 0, passed = 0, failed = 0;
	char want[PATH_MAX], got[PATH_MAX];
	struct link_map *lm = NULL;
	void *h;

	if (argc != 2 || !realpath(argv[1], want))
		return 2;
	h = dlopen("libcriu.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL dlopen/load: %s\n", dlerror());
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !realpath(lm->l_name, got) || strcmp(got, want)) {
		printf("FAIL dlopen/load: libcriu.so.2 is %s, not %s\n", lm ? lm->l_name : "?", want);
		failed++;
	} else {
		printf("PASS dlopen/load\n");
		passed++;
	}
	for (i = 0; i < sizeof(crun_symbols) / sizeof(crun_symbols[0]); i++)
		if (!dlsym(h, crun_symbols[i])) {
			printf("FAIL dlopen/crun_symbols: %s missing\n", crun_symbols[i]);
			missing++;
		}
	if (!missing) {
		printf("PASS dlopen/crun_symbols\n");
		passed++;
	} else {
		failed++;
	}
	dlclose(h);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

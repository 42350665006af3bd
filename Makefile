# criu-ooh top-level build.
#
#   make            build criu/criu (installs missing build packages first)
#   make demo       checkpoint, restore and verify a sample workload
#   make test       unit tests, image fuzz smoke run, zdtm suite
#   make test-vm    the VM tiers only (also part of make test)
#   make test-apps  the apps tier only: redis, memcached, nginx, Python's
#                   http.server checkpointed under load (also in make test)
#   make run-tree   the threads and trees tests that today's dump refuses
#   make bench      dump/restore speed of 1 GiB and 4 GiB workloads
#   make bench-track, make bench-ooh   the dirty trackers compared
#   make bench-apps the apps tier's programs: dump times, frozen time,
#                   pages, restore time, redis throughput while tracked
#   make bench-migrate  live migration between two network namespaces:
#                   rounds, bytes, downtime and its parts, the slowdown
#   make bench-stop how long each dump of a pre-copy chain stops the process
#   make bench-lazy lazy restore against eager: time to running and until
#                   every page is in, local images, page server, pre-dump chain
#   make install    criu, criu-migrate, its plugins, libcriu, the man pages, an example
#                   /etc/criu/default.conf (PREFIX=/usr/local, DESTDIR)

CC		?= gcc
CFLAGS		?= -O2 -g
CFLAGS		+= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS		+= -D_GNU_SOURCE -std=gnu11
CPPFLAGS	+= -Icriu/include -Icompel/include -Iimages/gen
LDLIBS		+= -lprotobuf-c -ldl
# the task_vma BPF iterator (criu/vma-iter.c): libbpf, and clang for the object
LDLIBS		+= -lbpf
CLANG		?= clang
BPF_CFLAGS	:= -O2 -g -target bpf -Wall -I/usr/include/$(shell $(CC) -dumpmachine)
# --tls (criu/tls.c)
GNUTLS_CFLAGS	:= $(shell pkg-config --cflags gnutls 2>/dev/null)
GNUTLS_LIBS	:= $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)
CPPFLAGS	+= $(GNUTLS_CFLAGS)
LDLIBS		+= $(GNUTLS_LIBS)
# criu --version: "GitID: criu-ooh-<git describe>" (the version without git)
CRIU_OOH_GITID	:= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

PROTOS		:= $(wildcard images/*.proto)
PB_C		:= $(patsubst images/%.proto,images/gen/%.pb-c.c,$(PROTOS))
PB_H		:= $(PB_C:.c=.h)
PB_O		:= $(PB_C:.c=.o)

COMPEL_SRC	:= $(wildcard compel/*.c)
COMPEL_O	:= $(COMPEL_SRC:.c=.o)
CRIU_SRC	:= $(wildcard criu/*.c)
CRIU_O		:= $(CRIU_SRC:.c=.o)
MIGRATE_SRC	:= $(wildcard migrate/*.c)
MIGRATE_O	:= $(MIGRATE_SRC:.c=.o)

all: deps criu/criu migrate/criu-migrate plugins libcriu

# lib/c/libcriu.so.2: CRIU's libcriu API over criu swrk/service
libcriu: deps
	$(MAKE) -C lib/c

plugins: criu/criu
	$(MAKE) -C plugins/ooh

deps:
	@scripts/install-deps.sh build

images/gen/%.pb-c.c images/gen/%.pb-c.h: images/%.proto
	@mkdir -p images/gen
	protoc-c --proto_path=images --c_out=images/gen $<

criu/bpf/%.bpf.o: criu/bpf/%.bpf.c
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

criu/vma-iter-obj.o: criu/bpf/vma-iter.bpf.o

criu/options.o: CPPFLAGS += -DCRIU_OOH_GITID='"$(CRIU_OOH_GITID)"'

$(CRIU_O) $(COMPEL_O): $(PB_H) $(wildcard criu/include/*.h compel/include/*.h compel/*.h)

images/gen/%.pb-c.o: images/gen/%.pb-c.c $(PB_H)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-parameter -c -o $@ $<

compel/libcompel.a: $(COMPEL_O)
	$(AR) rcs $@ $^

criu/libimages.a: $(PB_O)
	$(AR) rcs $@ $^

# Plugins call the functions criu/plugin-api.list names (criu-plugin.h).
criu/criu: $(CRIU_O) compel/libcompel.a criu/libimages.a criu/plugin-api.list
	$(CC) $(CFLAGS) -Wl,--dynamic-list=criu/plugin-api.list -o $@ $(CRIU_O) \
		compel/libcompel.a criu/libimages.a $(LDLIBS)

# criu-migrate: the migration driver; it reads stats-dump and pstree.img
$(MIGRATE_O): $(PB_H) $(wildcard migrate/*.h)

migrate/criu-migrate: $(MIGRATE_O) criu/libimages.a
	$(CC) $(CFLAGS) -o $@ $(MIGRATE_O) criu/libimages.a -lprotobuf-c

clean:
	rm -rf images/gen criu/*.o criu/bpf/*.o compel/*.o criu/criu compel/libcompel.a criu/libimages.a
	rm -f migrate/*.o migrate/criu-migrate
	$(MAKE) -C test/unit clean || true
	$(MAKE) -C test/compel clean || true
	$(MAKE) -C plugins/ooh clean || true
	$(MAKE) -C test/zdtm clean || true
	$(MAKE) -C test/cli clean || true
	$(MAKE) -C lib/c clean || true
	$(MAKE) -C test/rpc clean || true

.PHONY: all deps plugins libcriu clean demo test test-vm test-nested test-nested-epml test-apps run-tree bench bench-track bench-ooh bench-apps bench-migrate bench-stop bench-lazy fuzz install
.SECONDARY: $(PB_C) $(PB_H)

# --- user-facing jobs -------------------------------------------------------

demo: all
	scripts/install-deps.sh test
	scripts/demo.sh

test:
	scripts/install-deps.sh test
	$(MAKE) all
	$(MAKE) -C test/unit run
	$(MAKE) -C test/compel run
	$(MAKE) -C test/regs run
	$(MAKE) -C test/zdtm run RUN_ARGS=--keep-going
	$(MAKE) -C test/zdtm run-incr
	$(MAKE) -C test/zdtm run-vmflags
	$(MAKE) -C test/trackers run
	$(MAKE) -C test/plugin run
	$(MAKE) -C test/failures run
	$(MAKE) -C test/migrate run
	$(MAKE) -C test/lazy run
	$(MAKE) -C test/cli run
	$(MAKE) -C test/rpc run
	$(MAKE) -C test/fuzz run FUZZ_SECONDS=30
	$(MAKE) -C test/vm run
	$(MAKE) -C test/ooh run
	$(MAKE) -C test/vm/nested run
	$(MAKE) -C test/apps run

# Tests written ahead of the dump of threads and trees (not in make test
# until they pass): zdtm plain and incremental, and the failures group.
run-tree: all
	scripts/install-deps.sh test
	$(MAKE) -C test/zdtm run-tree; zdtm=$$?; $(MAKE) -C test/failures run-tree && [ $$zdtm -eq 0 ]

# The VM tiers: Debian's kernels under QEMU (soft-dirty, ooh.ko), and the
# nested tier (patched KVM in the first guest, OoH end to end in the second).
test-vm: all
	$(MAKE) -C test/vm run
	$(MAKE) -C test/ooh run
	$(MAKE) -C test/vm/nested run

test-nested: all
	$(MAKE) -C test/vm/nested run

# EPML's boot of the nested tier alone: level 1 with shadow paging (make
# test-nested and make test run it after SPML's).
test-nested-epml: all
	$(MAKE) -C test/vm/nested run-epml

test-apps: all
	scripts/install-deps.sh test
	$(MAKE) -C test/apps run

fuzz: all
	scripts/install-deps.sh test
	$(MAKE) -C test/fuzz run

bench: all
	scripts/install-deps.sh bench
	scripts/bench.sh

bench-track: all
	scripts/install-deps.sh bench
	scripts/bench-track.sh

bench-ooh: all
	scripts/install-deps.sh bench
	scripts/bench-ooh.sh

bench-apps: all
	scripts/install-deps.sh bench
	scripts/bench-apps.sh

bench-migrate: all
	scripts/install-deps.sh bench
	scripts/bench-migrate.sh

bench-stop: all
	scripts/install-deps.sh bench
	scripts/bench-stop.sh

bench-lazy: all
	scripts/install-deps.sh bench
	scripts/bench-lazy.sh

# --- install ------------------------------------------------------------------

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
# criu looks for plugins in ../lib/criu next to its binary
PLUGINDIR	?= $(PREFIX)/lib/criu
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc

install: all
	install -D -m 755 criu/criu $(DESTDIR)$(SBINDIR)/criu
	install -m 755 migrate/criu-migrate $(DESTDIR)$(SBINDIR)/criu-migrate
	install -d $(DESTDIR)$(PLUGINDIR)
	install -m 644 plugins/ooh/ooh.so $(DESTDIR)$(PLUGINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man8
	scripts/md2man.py Documentation/criu.8.md $(DESTDIR)$(MANDIR)/man8/criu.8
	scripts/md2man.py Documentation/criu-migrate.8.md $(DESTDIR)$(MANDIR)/man8/criu-migrate.8
	@# an example that sets nothing; an existing file is left alone
	[ -e $(DESTDIR)$(SYSCONFDIR)/criu/default.conf ] || \
		install -D -m 644 criu/default.conf $(DESTDIR)$(SYSCONFDIR)/criu/default.conf
	$(MAKE) -C lib/c install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

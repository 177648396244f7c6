# bindif - the only build file. GNU make 3.81 compatible (macOS ships 3.81).
#   make            build/bindif and the shim (build/libbindif.so or .dylib)
#   make check      unit and integration tests (installs what is missing)
#   make cross-macos  the macOS build, made and checked on Linux
#   make demo       a throwaway namespace lab: a tun capture, then bindif
#   make install    PREFIX=/usr/local DESTDIR=

VERSION = 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib/bindif
# The same, seen from BINDIR: how the launcher finds the shim in an install
# moved as a whole (DESTDIR, a package's scratch root). A Debian package
# sets LIBDIR=/usr/lib/<multiarch>/bindif.
LIBDIR_REL = ../$(patsubst $(PREFIX)/%,%,$(LIBDIR))
MANDIR = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share
EXAMPLES = $(wildcard config/examples/*.conf)

UNAME_S := $(shell uname -s)
# The system built for: this one, or Darwin from Linux (make cross-macos),
# which then takes the same Darwin flags and files as a Mac.
TARGET_OS ?= $(UNAME_S)
CC ?= cc
RANLIB ?= ranlib
PKG_CONFIG ?= pkg-config
B = build

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
ifeq ($(CI),true)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
BASE_CFLAGS = -std=c11 -fPIC -fvisibility=hidden $(WARN) \
	-DBINDIF_VERSION='"$(VERSION)"' -DBINDIF_LIBDIR='"$(LIBDIR)"' \
	-DBINDIF_LIBDIR_REL='"$(LIBDIR_REL)"'
CONFIG_CFLAGS := $(shell $(PKG_CONFIG) --cflags libconfig 2>/dev/null)
CONFIG_LIBS := $(shell $(PKG_CONFIG) --libs libconfig 2>/dev/null)
# The launcher takes libconfig's archive where there is one: loading the
# shared library cost every run of bindif a tenth of a millisecond or more
# (the start-up budget is one). The shim cannot (the archive is not PIC).
CONFIG_A := $(wildcard $(shell $(PKG_CONFIG) --variable=libdir libconfig \
	2>/dev/null)/libconfig.a)
LAUNCHER_CONFIG_LIBS = $(if $(CONFIG_A),$(CONFIG_A),$(CONFIG_LIBS))
# jansson reads the firewall's JSON ruleset (launcher/capture.c); the
# launcher takes its archive, as libconfig's, to stay static.
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null)
JANSSON_A := $(wildcard $(shell $(PKG_CONFIG) --variable=libdir jansson \
	2>/dev/null)/libjansson.a)
LAUNCHER_JANSSON_LIBS = $(if $(JANSSON_A),$(JANSSON_A),$(JANSSON_LIBS))
# And bindif itself is static (static-pie, so still randomized) where the
# toolchain can, with these flags (a sanitizer cannot): the loader's work
# for a dynamic bindif cost every start 0.17 ms (median of 21 alternating
# runs of 100), more than the shim handshake adds. Linux only: macOS
# has no static executables.
LAUNCHER_STATIC := $(if $(and $(CONFIG_A),$(JANSSON_A),$(filter-out Darwin,$(TARGET_OS))),$(shell \
	printf 'int main(void) { return 0; }\n' | $(CC) $(CFLAGS) $(LDFLAGS) \
	-x c - -static-pie -o /dev/null 2>/dev/null && echo -static-pie))
CONFIG_LIB = $(call lib_name,$(shell $(PKG_CONFIG) --variable=libdir \
	libconfig 2>/dev/null)/libconfig)
CARES_LIB = $(call lib_name,$(shell $(PKG_CONFIG) --variable=libdir \
	libcares 2>/dev/null)/libcares)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
CARES_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcares 2>/dev/null)
CARES_LIBS := $(shell $(PKG_CONFIG) --libs libcares 2>/dev/null)
ALL_CFLAGS = $(BASE_CFLAGS) $(CONFIG_CFLAGS) $(CARES_CFLAGS) \
	$(JANSSON_CFLAGS) $(CFLAGS) $(CPPFLAGS)

CONFIG_SRCS = config/load.c config/parse.c config/values.c config/errors.c \
	config/bulk.c config/cidr.c config/compile.c config/sweep.c \
	config/select.c config/match.c config/names.c config/image.c \
	config/bundle.c
# libconfig linked in, for load.c: the launcher's and the tools'. The shim
# opens it on first use instead (shim/libs.c), as it does c-ares.
CONFIG_LINKED_SRCS = config/cfglib.c
# common/: linked into the shim and the launcher alike (the launcher
# judges its command and explains decisions with the shim's own code).
COMMON_SRCS = common/decide.c common/judge.c common/dnsconf.c \
	common/dnsconf_formats.c common/dnsconf_discover.c \
	common/dnsredirect.c common/localaddr.c
# shim/: the hooks at the top, then one folder per subsystem.
SHIM_CORE_SRCS = shim/hooks.c shim/fdtable.c shim/state.c shim/real.c \
	shim/trust.c shim/log.c shim/uaccess.c \
	shim/announce.c shim/libs.c \
	shim/udp/dgram.c shim/udp/egress.c shim/udp/flight.c \
	shim/dns/hooks_dns.c shim/dns/hooks_dnsown.c shim/dns/resolve.c \
	shim/dns/dnsresult.c \
	shim/exec/hooks_exec.c shim/exec/children.c \
	$(COMMON_SRCS)
LAUNCHER_CORE_SRCS = launcher/opts.c launcher/target.c launcher/iface.c \
	launcher/checks.c launcher/env.c launcher/explain.c launcher/uplink.c \
	launcher/uplink_report.c \
	launcher/child.c launcher/handshake.c launcher/cache.c launcher/handoff.c \
	launcher/dnsplan.c launcher/kernel_dns.c launcher/capture.c

ifeq ($(TARGET_OS),Darwin)
SHIM = $(B)/libbindif.dylib
SHIM_PLAT = common/plat_darwin.c common/plat_posix.c
SHIM_OS_SRCS = $(SHIM_PLAT) shim/export_darwin.c shim/libs_darwin.c
LAUNCHER_OS_SRCS = launcher/plat_darwin.c launcher/uplink_darwin.c \
	launcher/kernel_darwin.c launcher/handshake_darwin.c \
	launcher/ifdns_darwin.c launcher/supervise_darwin.c \
	launcher/capture_darwin.c
SHIM_LDFLAGS = -dynamiclib -Wl,-undefined,error
ALL_CFLAGS += -D__APPLE_USE_RFC_3542
SHIM_LIBS = -lpthread
# The install names the shim opens libconfig and c-ares by (shim/libs.c):
# absolute paths, as Homebrew's lib directory is not searched by default.
lib_name = $(shell otool -D $(1).dylib 2>/dev/null | sed -n 2p)
PKG_INSTALL = brew install libconfig cmocka c-ares jansson pkg-config
# The unit tests that cannot run on macOS, and why: one list, which the
# macOS workflow takes from here (make print-unit-tests).
UNIT_SKIP = $(shell awk '/^tests/ { print $$1 }' tests/unit/macos-skip.txt)
TESTABLE_OS_SRCS = common/plat_darwin.c common/plat_posix.c launcher/plat_darwin.c \
	launcher/uplink_darwin.c shim/libs_darwin.c launcher/capture_darwin.c
else
SHIM = $(B)/libbindif.so
SHIM_PLAT = common/plat_linux.c common/plat_posix.c
SHIM_OS_SRCS = $(SHIM_PLAT) shim/udp/hooks_mmsg_linux.c shim/export_linux.c \
	shim/libs_linux.c
LAUNCHER_OS_SRCS = launcher/plat_linux.c launcher/uplink_linux.c \
	launcher/kernel_linux.c launcher/kernel_bpf_linux.c \
	launcher/handshake_linux.c \
	launcher/ifdns_linux.c launcher/supervise_linux.c \
	launcher/supervise_filter_linux.c launcher/capture_linux.c
TESTABLE_OS_SRCS = common/plat_linux.c common/plat_posix.c shim/libs_linux.c launcher/plat_linux.c \
	launcher/uplink_linux.c launcher/kernel_linux.c launcher/kernel_bpf_linux.c \
	launcher/handshake_linux.c launcher/supervise_linux.c \
	launcher/supervise_filter_linux.c launcher/capture_linux.c
# Supervisor mode's filter and notifications: libseccomp, its archive in
# the static launcher.
SECCOMP_LIBS := $(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null)
SECCOMP_A := $(wildcard $(shell $(PKG_CONFIG) --variable=libdir libseccomp \
	2>/dev/null)/libseccomp.a)
LAUNCHER_SECCOMP_LIBS = $(if $(and $(LAUNCHER_STATIC),$(SECCOMP_A)),$(SECCOMP_A),$(SECCOMP_LIBS))
SHIM_LDFLAGS = -shared -Wl,--as-needed -Wl,-z,defs -Wl,-z,now
# The shim is preloaded, never dlopen'ed: its thread-locals can live in the
# static TLS block, read with one %fs load instead of a __tls_get_addr call
# each (three on every unconnected sendto; perf: 0.8 % of its samples).
ALL_CFLAGS += -ftls-model=initial-exec
SHIM_LIBS = -ldl -lpthread
# The names the shim opens libconfig and c-ares by (shim/libs.c): their
# SONAMEs, found as the loader finds a library a program needs.
lib_name = $(shell objdump -p $(1).so 2>/dev/null | \
	awk '$$1 == "SONAME" { print $$2 }')
APT_PACKAGES = build-essential binutils pkg-config libconfig-dev libcmocka-dev \
	libc-ares-dev clang curl socat netcat-openbsd python3 iproute2 \
	util-linux procps libcap2-bin dnsmasq-base dnsutils mandoc \
	bash-completion iputils-ping iputils-tracepath traceroute mtr-tiny valgrind libclang-rt-14-dev \
	strace nodejs debhelper lintian ruby llvm libseccomp-dev golang-go \
	musl-tools knot-dnsutils libjansson-dev nftables iptables clang-format \
	wireguard-tools wireguard-go openvpn
# npm fetches the macOS toolchain (tests/cross/macos.sh). Debian's npm
# would conflict with a node that brings its own, so only where none is.
APT_NPM := $(if $(shell command -v npm 2>/dev/null),,npm)
PKG_INSTALL = apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends $(APT_PACKAGES) $(APT_NPM)
endif

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
CONFIG_OBJS = $(call obj,$(CONFIG_SRCS))
SHIM_OBJS = $(call obj,$(SHIM_CORE_SRCS) $(SHIM_OS_SRCS)) $(CONFIG_OBJS)
# The launcher judges its command with the shim's own code (common/judge.c
# and the plat layer it asks about file capabilities and SIP).
LAUNCHER_SHIM_SRCS = $(COMMON_SRCS) $(SHIM_PLAT)
LAUNCHER_OBJS = $(call obj,$(LAUNCHER_CORE_SRCS) $(LAUNCHER_OS_SRCS) \
	launcher/main.c $(LAUNCHER_SHIM_SRCS) $(CONFIG_LINKED_SRCS)) \
	$(CONFIG_OBJS)

# Unit tests link one archive of everything testable; each test pulls in
# only the objects it uses, and WRAP_<test> adds its mocked system calls.
TESTABLE_OBJS = $(CONFIG_OBJS) $(call obj,$(SHIM_CORE_SRCS) \
	$(LAUNCHER_CORE_SRCS) $(TESTABLE_OS_SRCS))
UNIT_SRCS = $(filter-out $(UNIT_SKIP),$(wildcard tests/unit/test_*.c))
UNIT_BINS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
WRAP_test_plat_linux = -Wl,--wrap=setsockopt,--wrap=getsockopt
WRAP_test_plat_darwin = -Wl,--wrap=setsockopt,--wrap=getsockopt
WRAP_test_hotpath = -Wl,--wrap=setsockopt,--wrap=getsockopt \
	-Wl,--wrap=process_vm_readv,--wrap=plat_bind_real,--wrap=rules_match
WRAP_test_secure = -Wl,--wrap=getauxval
WRAP_test_handoff = -Wl,--wrap=getauxval
EXTRA_OBJS_test_plat_darwin = $(call obj,common/plat_darwin.c)

all: $(B)/bindif $(SHIM)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Where the libraries' names go in: checked, as a wrong one would only show
# in a wrapped program's first lookup.
$(B)/obj/shim/libs.o: shim/libs.c
	@mkdir -p $(dir $@)
	@[ -n "$(CONFIG_LIB)" ] && [ -n "$(CARES_LIB)" ] || { echo "make: \
	cannot tell libconfig's or libcares's shared library name (make deps)"; \
	exit 1; }
	$(CC) $(ALL_CFLAGS) -DBINDIF_LIBCONFIG='"$(CONFIG_LIB)"' \
		-DBINDIF_LIBCARES='"$(CARES_LIB)"' -MMD -MP -c $< -o $@

$(SHIM): $(SHIM_OBJS)
	$(CC) $(SHIM_LDFLAGS) $(LDFLAGS) -o $@ $(SHIM_OBJS) $(SHIM_LIBS)

$(B)/bindif: $(LAUNCHER_OBJS)
	$(CC) $(LDFLAGS) $(LAUNCHER_STATIC) -o $@ $(LAUNCHER_OBJS) \
		$(LAUNCHER_CONFIG_LIBS) $(LAUNCHER_SECCOMP_LIBS) \
		$(LAUNCHER_JANSSON_LIBS) \
		$(if $(filter Darwin,$(TARGET_OS)),,-ldl)

$(B)/libtestable.a: $(TESTABLE_OBJS) $(call obj,common/plat_darwin.c)
	rm -f $@
	$(AR) qc $@ $(TESTABLE_OBJS)   # q: members of the same base name coexist
	$(RANLIB) $@

$(B)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) \
		$(B)/libtestable.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Iconfig -Ishim -Ilauncher \
		-DFIXTURES_DIR='"tests/unit/fixtures"' -DSHIM_PATH='"$(SHIM)"' \
		$< -o $@ \
		$(EXTRA_OBJS_test_$*) $(B)/libtestable.a $(WRAP_test_$*) \
		$(CMOCKA_LIBS) $(CONFIG_LIBS) $(CARES_LIBS) $(SECCOMP_LIBS) \
		$(JANSSON_LIBS) -ldl -lpthread

$(B)/tests/tunlog: tests/integration/tunlog.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@

$(B)/tests/badptr: tests/integration/badptr.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@

$(B)/tests/stress: tests/integration/stress.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ -lpthread

# A statically linked client: the shim cannot enter it (kernel mode).
$(B)/tests/staticclient: tests/integration/staticclient.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(filter Darwin,$(TARGET_OS)),,-static) $< -o $@

# Exports its own ares_* and config_* functions, as node exports its c-ares:
# the shim's copies of those libraries must never call into it.
$(B)/tests/ownlibs: tests/integration/ownlibs.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -rdynamic $< -o $@

# Clients the shim cannot see into, for supervisor mode: Go (a cgo build,
# dynamically linked as distributions build Go, and a CGO_ENABLED=0 static
# one), musl, and one making raw connect/sendto system calls. Go builds
# offline from the standard library alone, its caches inside the build.
GO_ENV = GOCACHE=$(CURDIR)/$(B)/go/cache GOPATH=$(CURDIR)/$(B)/go/path \
	GO111MODULE=off GOFLAGS= GOPROXY=off
$(B)/tests/goclient: tests/integration/goclient.go
	@mkdir -p $(dir $@)
	$(GO_ENV) CGO_ENABLED=1 go build -o $@ $<
$(B)/tests/goclient-static: tests/integration/goclient.go
	@mkdir -p $(dir $@)
	$(GO_ENV) CGO_ENABLED=0 go build -o $@ $<
$(B)/tests/muslclient: tests/integration/staticclient.c
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 $< -o $@
$(B)/tests/rawclient: tests/integration/staticclient.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DRAW_SYSCALLS $< -o $@
# And an i386 build on x86_64 (Go cross-builds with no other package):
# its socket calls go through socketcall(2).
$(B)/tests/goclient-386: tests/integration/goclient.go
	@mkdir -p $(dir $@)
	$(GO_ENV) CGO_ENABLED=0 GOARCH=386 go build -o $@ $<
SUPERVISE_PROGS = $(if $(filter Darwin,$(TARGET_OS)),,$(B)/tests/goclient \
	$(B)/tests/goclient-static $(B)/tests/muslclient $(B)/tests/rawclient \
	$(if $(filter x86_64,$(shell uname -m)),$(B)/tests/goclient-386))

# The rest of the test programs live with the integration tests.
TEST_PROGS = $(B)/tests/tunlog $(B)/tests/badptr $(B)/tests/stress \
	$(B)/tests/staticclient $(B)/tests/ownlibs $(SUPERVISE_PROGS)

# make bench: the shim's cost next to programs that bind their own sockets,
# in a namespace lab (root). Not part of check: figures, not assertions.
BENCH_PROGS = $(B)/bench/blast $(B)/bench/sink $(B)/bench/startrun \
	$(B)/bench/lockstep \
	$(B)/bench/hotcost

$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ -lpthread

# The shim's hot path alone: the real sendto replaced, as in test_hotpath.
$(B)/bench/hotcost: bench/hotcost.c $(B)/libtestable.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ishim -Iconfig $< -o $@ $(B)/libtestable.a \
		-Wl,--wrap=plat_bind_real $(CONFIG_LIBS) $(CARES_LIBS) -ldl \
		-lpthread

bench: deps-if-missing
	@$(MAKE) --no-print-directory all $(BENCH_PROGS)
	bash bench/run.sh

# make deps: the build and test dependencies, from the platform's packages.
deps:
	$(PKG_INSTALL)

# Installs dependencies only when something is missing (CI starts bare).
deps-if-missing:
	@ok=1; \
	for p in libconfig cmocka libcares jansson; do \
		$(PKG_CONFIG) --exists $$p 2>/dev/null || ok=0; done; \
	for c in $(CC) curl socat nc ip setpriv dnsmasq dig mandoc ping \
	    tracepath traceroute mtr setcap strace node npm dh lintian ruby kdig \
	    clang-format \
	    nft iptables-nft wg wg-quick wireguard-go openvpn; do \
		command -v $$c >/dev/null 2>&1 || ok=0; done; \
	[ -x /usr/bin/python3 ] || ok=0; \
	[ "$(UNAME_S)" = Darwin ] || \
		command -v llvm-objdump >/dev/null 2>&1 || ok=0; \
	[ "$(UNAME_S)" = Darwin ] || \
		[ -r /usr/share/bash-completion/bash_completion ] || ok=0; \
	[ "$(UNAME_S)" = Darwin ] || { $(PKG_CONFIG) --exists libseccomp \
		2>/dev/null && command -v go >/dev/null 2>&1 && \
		command -v musl-gcc >/dev/null 2>&1; } || ok=0; \
	if [ $$ok = 0 ]; then echo "make: installing missing dependencies"; \
		$(MAKE) deps; fi

# The Debian package and the Homebrew formula, built and tried (Linux: the
# formula's blocks run through a stand-in for Homebrew). A make of its own,
# free of this one's variables (make sanitize's flags are not a package's).
PACKAGES_TEST = $(if $(filter Darwin,$(UNAME_S)),, \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL bash tests/build/packages.sh \
	|| failed=1;)

# make format: the tree in the one layout of .clang-format; make check
# checks it (Linux: the layout is clang-format 14's, as Debian 12 ships).
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
FORMAT_TEST = $(if $(filter Darwin,$(UNAME_S)),, \
	{ clang-format --dry-run -Werror $(FORMAT_SRCS) && \
	echo "ok - the sources are in .clang-format's layout (make format)"; } \
	|| failed=1;)

unit: deps-if-missing
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@failed=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || failed=1; done; \
	bash tests/build/exports.sh $(SHIM) || failed=1; \
	mandoc -Tlint -Wwarning man/bindif.1 man/bindif.conf.5 && \
		echo "ok - man pages lint-clean" || failed=1; \
	bash tests/build/completion.sh || failed=1; \
	bash tests/build/install.sh || failed=1; \
	$(PACKAGES_TEST) \
	$(FORMAT_TEST) \
	if [ $$failed != 0 ]; then echo "unit tests FAILED"; exit 1; fi

integration: deps-if-missing
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	bash tests/integration/run.sh

check: deps-if-missing
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@B=$(B) bash tests/cross/macos.sh --if-available
	@$(MAKE) --no-print-directory integration

# ---- macOS, built and checked here (tests/cross/macos.sh) ----
# The shim and the launcher for arm64 and x86_64 macOS, through the Darwin
# branch above (TARGET_OS=Darwin) with zig's clang, fetched once into a
# cache outside the tree; their Mach-O checked with llvm's tools. make
# check runs it when the toolchain can be had, and always under CI=true.
cross-macos: deps-if-missing
	@B=$(B) bash tests/cross/macos.sh

# The unit test programs this system runs (on macOS: all but UNIT_SKIP).
print-unit-tests:
	@echo $(UNIT_BINS)
# ---- end of macOS cross build ----

demo: deps-if-missing
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	bash tests/integration/demo.sh

# make sanitize: make check's unit and integration tests with the shim,
# the launcher and the tests built under ASan+UBSan in $(B)/sanitize. The
# ASan runtime must come first in LD_PRELOAD, before the shim: the test
# scripts put BINDIF_TEST_PRELOAD there. Leaks count in the unit tests;
# in the integration lab they would be curl's and python's, not ours.
SAN_B = $(B)/sanitize
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
SAN_MAKE = $(MAKE) --no-print-directory B=$(SAN_B) \
	CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)"
SAN_ENV = BINDIF_BUILD=$(CURDIR)/$(SAN_B) \
	BINDIF_TEST_PRELOAD=$$($(CC) -print-file-name=libasan.so) \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp
SAN_ASAN = abort_on_error=0:detect_stack_use_after_return=1

# The integration half preloads the shim into curl, python, ping...: with
# ASan that needs the ASan runtime preloaded first, and curl then hangs in
# setlocale (glibc 2.36, with or without bindif). So there the shim carries
# UBSan only, while the launcher and the test programs keep ASan+UBSan;
# ASan covers the shim's code in the unit tests, which run it in-process.
SAN_UB_B = $(B)/sanitize-ub
SAN_MIX = $(B)/sanitize-mix
SAN_UB_FLAGS = -fsanitize=undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

sanitize: deps-if-missing
	@$(SAN_ENV) ASAN_OPTIONS=detect_leaks=1:$(SAN_ASAN) $(SAN_MAKE) unit
	@# A static program cannot carry a sanitizer: built plainly.
	@# Nor badptr: its control measures what the kernel answers to bad
	@# pointers, and ASan's own execve and posix_spawn interceptors read
	@# them first (3 of 42 cases then answered otherwise). Nor stress: it
	@# forks while 32 threads allocate, and a child of GCC 12's libasan
	@# can hang on a lock another thread held (it did once, at its 90 s
	@# bound; the shim it stresses carries UBSan here either way).
	@rm -f $(SAN_B)/tests/badptr $(SAN_B)/tests/stress
	@$(MAKE) --no-print-directory B=$(SAN_B) $(SAN_B)/tests/staticclient \
		$(SAN_B)/tests/badptr $(SAN_B)/tests/stress
	@$(SAN_MAKE) all $(filter-out %/staticclient %/badptr %/stress,$(subst $(B)/,$(SAN_B)/,$(TEST_PROGS)))
	@$(MAKE) --no-print-directory B=$(SAN_UB_B) \
		CFLAGS="-O1 -g $(SAN_UB_FLAGS)" LDFLAGS="$(SAN_UB_FLAGS)" \
		$(SAN_UB_B)/libbindif.so
	@rm -rf $(SAN_MIX) && mkdir -p $(SAN_MIX)/tests
	@cp $(SAN_B)/bindif $(SAN_UB_B)/libbindif.so $(SAN_MIX)/
	@cp $(SAN_B)/tests/tunlog $(SAN_B)/tests/badptr $(SAN_B)/tests/stress \
		$(SAN_B)/tests/staticclient $(SAN_B)/tests/ownlibs \
		$(subst $(B)/,$(SAN_B)/,$(SUPERVISE_PROGS)) $(SAN_MIX)/tests/
	@BINDIF_BUILD=$(CURDIR)/$(SAN_MIX) BINDIF_SANITIZED=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:$(SAN_ASAN) \
		bash tests/integration/run.sh

# make valgrind: the unit tests under memcheck (the normal build).
# A memcheck finding exits 99 and fails; an assertion that fails only
# under valgrind (its own /proc/self/exe is static) is printed, not fatal.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	--track-origins=yes
valgrind: deps-if-missing
	@command -v valgrind >/dev/null 2>&1 || $(MAKE) deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@failed=0; for t in $(UNIT_BINS); do \
		echo "== valgrind $$t"; $(VALGRIND) $$t; rc=$$?; \
		[ $$rc = 99 ] && failed=1; [ $$rc = 0 ] || [ $$rc = 99 ] || \
		echo "WARNING: $$t: a test fails under valgrind (exit $$rc)"; \
		done; \
	if [ $$failed != 0 ]; then echo "valgrind: FAILED"; exit 1; fi; \
	echo "valgrind: $(words $(UNIT_BINS)) unit test programs clean"

# make fuzz FUZZ_SECONDS=N: each libFuzzer target of tests/fuzz/ for N
# seconds, from its committed corpus; any crash, leak or timeout fails.
# Regression inputs (tests/fuzz/regress/<target>/) are replayed first.
FUZZ_SECONDS ?= 60
FUZZ_CC = clang
FUZZ_B = $(B)/fuzz
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(BASE_CFLAGS) $(CONFIG_CFLAGS)
FUZZ_TARGETS = rules opts dnsconf image capture
FUZZ_SRCS_rules = $(CONFIG_SRCS) $(CONFIG_LINKED_SRCS)
FUZZ_SRCS_opts = $(LAUNCHER_CORE_SRCS) $(LAUNCHER_OS_SRCS) \
	$(LAUNCHER_SHIM_SRCS) $(CONFIG_SRCS) $(CONFIG_LINKED_SRCS)
FUZZ_SRCS_dnsconf = common/dnsconf.c common/dnsconf_formats.c \
	common/dnsconf_discover.c
FUZZ_SRCS_image = $(CONFIG_SRCS) $(CONFIG_LINKED_SRCS)
FUZZ_SRCS_capture = launcher/capture.c $(filter launcher/capture_%,$(LAUNCHER_OS_SRCS))
FUZZ_OPTS = -timeout=10 -rss_limit_mb=2048 -max_len=8192

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(CONFIG_SRCS) $(SHIM_CORE_SRCS) \
		$(LAUNCHER_CORE_SRCS) $(LAUNCHER_OS_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iconfig -Ishim -Ilauncher $< $(FUZZ_SRCS_$*) \
		-o $@ $(CONFIG_LIBS) $(SECCOMP_LIBS) $(JANSSON_LIBS) -ldl

fuzz: deps-if-missing
	@mkdir -p $(B) && echo 'int LLVMFuzzerTestOneInput(void) { return 0; }' \
		>$(B)/fuzzprobe.c
	@$(FUZZ_CC) -fsanitize=fuzzer $(B)/fuzzprobe.c -o $(B)/fuzzprobe \
		2>/dev/null || $(MAKE) deps
	@rm -f $(B)/fuzzprobe $(B)/fuzzprobe.c
	@$(MAKE) --no-print-directory $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_TARGETS))
	@failed=0; for t in $(FUZZ_TARGETS); do \
		bash tests/fuzz/run.sh $(FUZZ_B)/fuzz_$$t $$t $(FUZZ_SECONDS) \
			"$(FUZZ_OPTS)" || failed=1; done; \
	if [ $$failed != 0 ]; then echo "fuzz: FAILED"; exit 1; fi; \
	echo "fuzz: $(FUZZ_TARGETS) clean, $(FUZZ_SECONDS) s each"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SHAREDIR)/bindif/examples \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions \
		$(DESTDIR)$(SHAREDIR)/zsh/site-functions
	install -m 755 $(B)/bindif $(DESTDIR)$(BINDIR)/bindif
	install -m 755 $(SHIM) $(DESTDIR)$(LIBDIR)/
	install -m 644 man/bindif.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/bindif.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(EXAMPLES) $(DESTDIR)$(SHAREDIR)/bindif/examples/
	install -m 644 completions/bindif.bash \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions/bindif
	install -m 644 completions/_bindif \
		$(DESTDIR)$(SHAREDIR)/zsh/site-functions/_bindif

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bindif $(DESTDIR)$(LIBDIR)/$(notdir $(SHIM)) \
		$(DESTDIR)$(MANDIR)/man1/bindif.1 \
		$(DESTDIR)$(MANDIR)/man5/bindif.conf.5 \
		$(DESTDIR)$(SHAREDIR)/bash-completion/completions/bindif \
		$(DESTDIR)$(SHAREDIR)/zsh/site-functions/_bindif
	rm -f $(addprefix $(DESTDIR)$(SHAREDIR)/bindif/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SHAREDIR)/bindif/examples \
		$(DESTDIR)$(SHAREDIR)/bindif 2>/dev/null

# make dist: the release tarball, bindif-VERSION.tar.gz, of the files git
# tracks as they are in the tree; the Debian package and the Homebrew
# formula build from it.
DIST = $(B)/bindif-$(VERSION).tar.gz
dist:
	@mkdir -p $(B)
	@command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 \
		|| { echo "make: dist needs a git checkout"; exit 1; }
	git ls-files -z | tar --null -T - --sort=name --owner=0 --group=0 \
		--numeric-owner --mtime="@$$(git log -1 --format=%ct)" \
		--transform 's|^|bindif-$(VERSION)/|' -czf $(DIST)
	@echo "$(DIST)"

# make formula: the Homebrew formula for that tarball, $(B)/bindif.rb.
# DIST_URL is where the tarball is published (by default the one in $(B):
# brew install --formula $(B)/bindif.rb installs this checkout's release).
DIST_URL ?= file://$(CURDIR)/$(B)
HOMEPAGE ?= file://$(CURDIR)
formula: dist
	sed -e 's|@URL@|$(DIST_URL)/bindif-$(VERSION).tar.gz|' \
		-e 's|@HOMEPAGE@|$(HOMEPAGE)|' -e 's|@VERSION@|$(VERSION)|' \
		-e "s|@SHA256@|$$(sha256sum $(DIST) | cut -d' ' -f1)|" \
		packaging/homebrew/bindif.rb.in >$(B)/bindif.rb
	@echo "$(B)/bindif.rb"

# make deb: the Debian package, built by Debian's own tools from the release
# tarball in a scratch copy ($(B)/deb), so the tree stays clean; lintian
# must find no error.
deb: dist
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null \
		&& command -v lintian >/dev/null || $(MAKE) deps
	rm -rf $(B)/deb && mkdir -p $(B)/deb
	tar -xzf $(DIST) -C $(B)/deb
	cd $(B)/deb/bindif-$(VERSION) && \
		dpkg-buildpackage -b -us -uc --no-sign >../build.log 2>&1 || \
		{ tail -n 30 ../build.log; exit 1; }
	lintian --fail-on error $(B)/deb/bindif_$(VERSION)_*.deb
	@ls $(B)/deb/bindif_$(VERSION)_*.deb

clean:
	rm -rf $(B)

.PHONY: all deps deps-if-missing unit integration check demo install \
	uninstall clean bench sanitize valgrind fuzz dist deb formula \
	cross-macos print-unit-tests format

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

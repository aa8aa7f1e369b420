# tend: an init and process supervisor for containers.
# `make` builds build/tend; `make check` runs every test; `make run` shows it working.

CXX      ?= g++
PREFIX   ?= /usr/local
DESTDIR  ?=
CXXFLAGS ?= -O2 -g
LDFLAGS  ?=
VERSION  ?= $(shell git describe --tags --dirty 2>/dev/null || cat VERSION)

# SANITIZE=1 builds everything with ASan+UBSan into build/asan/ (used by .ci/run).
ifeq ($(SANITIZE),1)
B := build/asan
# GCC 12 reports false "maybe uninitialized" warnings in libstdc++ headers (std::regex,
# std::function) under ASan's instrumentation; they would fail the WERROR=1 build.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
             -Wno-maybe-uninitialized
else
B := build
SAN_FLAGS :=
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wnon-virtual-dtor -Wswitch-enum -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
# fmt is used from its headers only (src/base/fmt_impl.cc compiles it once), so no libfmt
# is linked; the static thousands separator keeps std::locale out of the binary. Includes
# name their layer ("config/config.h"), found from src/; generated headers are under
# build/gen/ in their layer's folder.
PROJECT_CPPFLAGS := -iquote src -Ibuild/gen -DFMT_STATIC_THOUSANDS_SEPARATOR="','" \
                    -D_FORTIFY_SOURCE=2 -MMD -MP
PROJECT_CXXFLAGS := -std=c++17 $(WARN) -fstack-protector-strong -ffunction-sections \
                    -fdata-sections $(SAN_FLAGS)
# libstdc++ and libgcc are linked in statically even in the default build: as PID 1 tend
# would otherwise be the only user of libstdc++.so in most images, paying ~1 MB of
# resident memory and a millisecond of start-up to load all of it.
PROJECT_LDFLAGS  := -Wl,-z,relro,-z,now -Wl,--gc-sections -static-libstdc++ -static-libgcc \
                    $(SAN_FLAGS)
ALL_CXXFLAGS = $(PROJECT_CPPFLAGS) $(CPPFLAGS) $(PROJECT_CXXFLAGS) $(CXXFLAGS)
ALL_LDFLAGS  = $(PROJECT_LDFLAGS) $(LDFLAGS)
LIBS := -lev -linih
# The dynamic build takes libev and inih from their archives too: two shared libraries
# fewer to map and relocate at every start (a third of the loader's work, 110k
# instructions), for 50 KB of binary.
DYN_LIBS := -Wl,-Bstatic $(LIBS) -Wl,-Bdynamic

ifneq ($(V),1)
Q := @
endif

# The layers of src/, lowest first: a file includes headers of its own layer and of those
# below only (DESIGN.md; tests/check-layers enforces it before every test run).
LAYERS    := base proc config log ready core control cli
MAIN_SRCS := src/init_main.cc
LIB_SRCS  := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.cc))
LIB_OBJS  := $(LIB_SRCS:src/%.cc=$(B)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.cc)
UNIT_OBJS := $(UNIT_SRCS:tests/unit/%.cc=$(B)/obj/unit/%.o)
INTEG_SRCS := $(wildcard tests/integration/*.cc)
INTEG_OBJS := $(INTEG_SRCS:tests/integration/%.cc=$(B)/obj/integration/%.o)
HELPERS   := $(patsubst tests/helpers/%.cc,$(B)/tests/%,$(wildcard tests/helpers/*.cc))
MANPAGES  := $(wildcard man/*.[1-8])

.PHONY: all static check test layers fuzz run bench deps install uninstall clean dist asan e2e soak
all: $(B)/tend $(B)/tendctl

# tendctl is tend under another name: one binary, as busybox does.
$(B)/tendctl: $(B)/tend
	$(Q)ln -sf tend $@

deps:
	$(Q)contrib/install-deps

build/gen/base/version.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)printf 'namespace tend {\nconstexpr const char kTendVersion[] = "%s";\n}\n' '$(VERSION)' > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

$(B)/obj/%.o: src/%.cc build/gen/base/version.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $<")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/obj/unit/%.o: tests/unit/%.cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $<")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -Itests/unit -c $< -o $@

$(B)/obj/integration/%.o: tests/integration/%.cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $<")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/tend: $(B)/obj/init_main.o $(LIB_OBJS)
	@$(if $(Q),echo "  LINK $@")
	$(Q)$(CXX) $(ALL_LDFLAGS) $^ $(DYN_LIBS) -o $@

# Statically linked, stripped, built for size in its own object directory; `file` must
# call it statically linked, and it must stay at or under 1.25 MiB (1 MiB until the XML-RPC
# interface, about 49 KB, came in; the status page and metrics must fit in the rest).
STATIC_OBJS := $(patsubst src/%.cc,build/sobj/%.o,$(MAIN_SRCS) $(LIB_SRCS))
# tend catches no exception (an allocation failure ends it either way), so the static
# build drops exception and unwind tables and RTTI: about 60 KB. Link-time optimisation
# inlines and drops across files (fmt's formatting above all): 33 KB more; without
# separate-code the linker does not pad the code segment to a page: 4 KB. tend is single
# threaded, so static locals need no guards; with src/base/runtime.cc's stand-ins for
# libstdc++'s throw helpers, that leaves the unwinder out: 33 KB.
STATIC_CXXFLAGS := -Os -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti \
                   -fno-asynchronous-unwind-tables -fno-threadsafe-statics -flto=auto
STATIC_LDFLAGS  := -static -s -Wl,--gc-sections -Wl,-z,noseparate-code
static: build/tend-static
build/sobj/%.o: src/%.cc build/gen/base/version.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $< (static)")
	$(Q)$(CXX) $(PROJECT_CPPFLAGS) $(CPPFLAGS) -std=c++17 $(WARN) \
	  $(CXXFLAGS) $(STATIC_CXXFLAGS) -c $< -o $@
build/tend-static: $(STATIC_OBJS)
	@$(if $(Q),echo "  LINK $@")
	$(Q)$(CXX) $(CXXFLAGS) $(STATIC_CXXFLAGS) $(LDFLAGS) $(STATIC_LDFLAGS) $^ $(LIBS) -o $@
	$(Q)file $@ | grep -q 'statically linked' || { echo "$@ is not static" >&2; exit 1; }
	$(Q)size=$$(stat -c %s $@); [ $$size -le 1310720 ] || { echo "$@ is $$size bytes, over 1.25 MiB" >&2; exit 1; }

$(B)/tests/unit_tests: $(UNIT_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK $@")
	$(Q)$(CXX) $(ALL_LDFLAGS) $^ $(DYN_LIBS) -lgtest -lgtest_main -pthread -o $@

$(B)/tests/integration_tests: $(INTEG_OBJS) $(B)/obj/base/sys.o $(B)/obj/base/values.o \
                              $(B)/obj/control/protocol.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LINK $@")
	$(Q)$(CXX) $(ALL_LDFLAGS) $^ -lgtest -lgtest_main -pthread -o $@

$(B)/tests/%: tests/helpers/%.cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $<")
	$(Q)$(CXX) $(PROJECT_CXXFLAGS) $(CXXFLAGS) $(ALL_LDFLAGS) $< -o $@

TEST_BINS := $(B)/tests/unit_tests $(B)/tests/integration_tests
test: layers $(B)/tend $(B)/tendctl build/tend-static $(TEST_BINS) $(HELPERS)
	$(Q)TEND_BUILD=$(B) TEND_STATIC=build/tend-static tests/run $(TEST_BINS) -- $(MANPAGES)

# The layer rule over every #include of src/.
layers:
	$(Q)tests/check-layers $(LAYERS)

check: deps
	$(Q)$(MAKE) --no-print-directory test

# The unit and integration tests again under AddressSanitizer and UBSan.
asan: deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test

# The supervisor's randomized simulation (tests/unit/supervisor_sim_test.cc) for as long
# as asked, under the sanitizers: make soak SOAK=3600 (seconds; not in CI). A failure
# prints its seed; TEND_SIM_SEED=N replays it.
SOAK ?= 600
soak: deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 build/asan/tests/unit_tests
	$(Q)TEND_SIM_SECONDS=$(SOAK) build/asan/tests/unit_tests --gtest_filter='SupervisorSim*'

# Fuzzing: each parser of outside input under libFuzzer with ASan and UBSan
# (tests/fuzz/README.md). `make fuzz FUZZ_SECONDS=N` runs every target for N seconds from
# its seed corpus; a crash or a broken invariant prints its reproducer and fails.
FUZZ_SECONDS ?= 30
FUZZ_CXX     ?= clang++
FUZZ_FLAGS   := -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined -Wall -Wextra -Wno-unused-parameter
FUZZ_TARGETS := $(patsubst tests/fuzz/%_fuzz.cc,%,$(wildcard tests/fuzz/*_fuzz.cc))
FUZZ_OBJS    := $(LIB_SRCS:src/%.cc=build/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_OBJS)
build/fuzz/obj/%.o: src/%.cc build/gen/base/version.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX  $< (fuzz)")
	$(Q)$(FUZZ_CXX) $(PROJECT_CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/%: tests/fuzz/%_fuzz.cc tests/fuzz/fuzz.h $(FUZZ_OBJS)
	@$(if $(Q),echo "  LINK $@")
	$(Q)$(FUZZ_CXX) $(PROJECT_CPPFLAGS) -Itests/unit $(FUZZ_FLAGS) -fsanitize=fuzzer $< \
	  $(FUZZ_OBJS) $(DYN_LIBS) -o $@
fuzz:
	$(Q)contrib/install-deps --fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build/fuzz/%)
	$(Q)tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# End to end: tend-static as PID 1 of OCI containers started with runc, as docker run
# does, with real servers (redis, postgres, nginx); as root. One line per scenario.
e2e:
	$(Q)contrib/install-deps --e2e
	$(Q)$(MAKE) --no-print-directory build/tend-static
	$(Q)python3 tests/e2e/run.py

# tend in the foreground on the example conf.d/ (a oneshot, a dependency, two workers,
# a crashing program); Ctrl-C runs the ordered shutdown.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	./$(B)/tend -c conf.d

bench: $(B)/tend $(B)/tendctl build/tend-static $(HELPERS)
	$(Q)contrib/install-deps --bench
	$(Q)TEND_SOCKET=none TEND_BUILD=$(B) bench/run
	$(Q)TEND_BUILD=$(B) bench/startup
	$(Q)TEND_SOCKET=none TEND=$(B)/tend bench/supervise
	$(Q)TEND_SOCKET=none TEND=$(B)/tend bench/logs
	$(Q)TEND=$(B)/tend bench/ctl
	$(Q)TEND=$(B)/tend bench/ready
	$(Q)TEND=$(B)/tend bench/supervisorctl

MANDIR ?= $(PREFIX)/share/man
install: $(B)/tend
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(B)/tend $(DESTDIR)$(PREFIX)/bin/tend
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/tendctl
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/supervisorctl
	install -m 644 man/tendctl.1 $(DESTDIR)$(MANDIR)/man1/tendctl.1
	install -m 644 man/tend-supervisorctl.1 $(DESTDIR)$(MANDIR)/man1/tend-supervisorctl.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 contrib/bash-completion/tendctl \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tendctl
	ln -sf tendctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tend
	install -m 644 man/tend.conf.5 $(DESTDIR)$(MANDIR)/man5/tend.conf.5
	install -m 644 man/tend.8 $(DESTDIR)$(MANDIR)/man8/tend.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tend $(DESTDIR)$(PREFIX)/bin/tendctl \
	  $(DESTDIR)$(PREFIX)/bin/supervisorctl $(DESTDIR)$(MANDIR)/man1/tend-supervisorctl.1 \
	  $(DESTDIR)$(MANDIR)/man1/tendctl.1 $(DESTDIR)$(MANDIR)/man5/tend.conf.5 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tendctl \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tend \
	  $(DESTDIR)$(MANDIR)/man8/tend.8

dist:
	git archive --prefix=tend-$(VERSION)/ -o tend-$(VERSION).tar.gz HEAD

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*.d $(B)/obj/*/*.d build/sobj/*.d build/sobj/*/*.d \
  build/fuzz/*.d build/fuzz/obj/*/*.d)

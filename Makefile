# cr: compression is routing. See README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SHAREDIR ?= $(PREFIX)/share/cr
MANPREFIX ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
# OpenBLAS: Debian's OpenMP build when it is there, so that BLAS and our own parallel
# loops share one pool of threads (measured: 861 -> 1126 training tokens/s with passive
# waiting, against 526 with the pthread build; see bench/train.sh); else pkg-config's.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
OPENBLAS_OMP := /usr/lib/$(MULTIARCH)/openblas-openmp
ifneq ($(wildcard $(OPENBLAS_OMP)/libopenblas.so),)
BLAS_CFLAGS := -I/usr/include/$(MULTIARCH)/openblas-openmp
BLAS_LIBS := -L$(OPENBLAS_OMP) -Wl,-rpath,$(OPENBLAS_OMP) -lopenblas
else
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
endif
PKG_CFLAGS := $(BLAS_CFLAGS) $(shell pkg-config --cflags libxxhash libutf8proc 2>/dev/null)
PKG_LIBS := $(BLAS_LIBS) $(shell pkg-config --libs libxxhash libutf8proc 2>/dev/null || \
    echo -lxxhash -lutf8proc)
OPT ?= -O2 -march=x86-64-v2 -mtune=native
WERROR ?=
SAN ?=
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic $(WERROR) $(SAN) $(PKG_CFLAGS) -fopenmp
LDLIBS += $(PKG_LIBS) -lm -fopenmp $(SAN)

B := build
# every program, one cmd/NAME.c each: built, installed and uninstalled from this list
PROGS := crtok crdump crmodel crenc crdec crscore crtrain crroute crtag crlatent
CORE := $(wildcard core/*.c) $(wildcard tok/*.c)
CORE_OBJ := $(CORE:%.c=$(B)/%.o)
CLI_OBJ := $(B)/cmd/cli.o
UNIT := $(patsubst tests/unit/%.c,%,$(filter-out tests/unit/check.c,$(wildcard tests/unit/test_*.c)))

all: $(PROGS:%=$(B)/%)

$(B)/%.o: %.c $(wildcard core/*.h tok/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libcr.a: $(CORE_OBJ)
	ar rcs $@ $^

$(B)/%: $(B)/cmd/%.o $(CLI_OBJ) $(B)/libcr.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(B)/libcr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libcr.a $(LDLIBS)

check:
	$(MAKE) WERROR=-Werror all $(UNIT:%=$(B)/tests/%)
	OPENBLAS_NUM_THREADS=1 sh tests/run.sh

bench: all $(B)/bench/zcost
	sh bench/run.sh

# the zstd dictionary router of bench/route.sh (Debian's libzstd-dev; bench only)
$(B)/bench/zcost: bench/zcost.c $(CLI_OBJ) $(B)/libcr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags libzstd) -o $@ $^ $(LDLIBS) $$(pkg-config --libs libzstd || echo -lzstd)

bench-tok: all
	sh bench/tok.sh

# the paper's Table 1 with the shipped experts (bench/table1.sh; CR_DATA, CR_EXPERTS)
table1: all
	sh bench/table1.sh
.PHONY: table1

man-check:
	@for f in man/*.[0-9]; do LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l $$f \
	    >/dev/null 2>$(B)/man.err || true; if [ -s $(B)/man.err ]; then echo "$$f:"; \
	    cat $(B)/man.err; exit 1; fi; done; echo "man pages ok"

# shellcheck over the shell scripts of the benchmarks, data, tests, fuzzing and CI as POSIX
# sh: any warning (or error) fails. Not part of make check (Debian's shellcheck).
LINT_SH := $(wildcard bench/*.sh bench/route/*.sh share/data/*.sh share/recipes/*.sh \
    tests/*.sh tests/cli/*.sh tests/pipeline/*.sh tests/valgrind/*.sh tests/golden/*/*.sh \
    tok/gen/*.sh fuzz/*.sh) .ci/deps .ci/run
lint:
	@command -v shellcheck >/dev/null || { echo "make lint: shellcheck is not installed" \
	    "(Debian: apt-get install shellcheck)" >&2; exit 1; }
	shellcheck -s sh -S warning $(LINT_SH)

# What make install puts under PREFIX, as cr(7) FILES says: the programs, the man pages,
# and of share/ what the programs read, the vocabulary and the shipped experts (the
# recipes and data scripts run in the source tree, from its build/ and bench/, and stay
# there). make uninstall removes the same files, and share/cr once it is empty.
MAN_PAGES := $(wildcard man/*.1 man/*.5 man/*.7)
SHARE_FILES := $(wildcard share/gpt2/* share/models/*.crm)
SHARE_DIRS := $(sort $(patsubst share/%/,%,$(dir $(SHARE_FILES))))

install: all
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 $(PROGS:%=$(B)/%) "$(DESTDIR)$(BINDIR)"
	for f in $(MAN_PAGES); do d="$(DESTDIR)$(MANPREFIX)/man$${f##*.}"; \
	    install -d "$$d" && install -m 644 $$f "$$d" || exit 1; done
	for f in $(SHARE_FILES); do d="$(DESTDIR)$(SHAREDIR)/$${f#share/}"; \
	    m=644; [ -x $$f ] && m=755; install -d "$${d%/*}" && install -m $$m $$f "$$d" || exit 1; done

uninstall:
	for p in $(PROGS); do rm -f "$(DESTDIR)$(BINDIR)/$$p"; done
	for f in $(MAN_PAGES); do rm -f "$(DESTDIR)$(MANPREFIX)/man$${f##*.}/$${f##*/}"; done
	for f in $(SHARE_FILES); do rm -f "$(DESTDIR)$(SHAREDIR)/$${f#share/}"; done
	for d in $(SHARE_DIRS:%="$(DESTDIR)$(SHAREDIR)/%") "$(DESTDIR)$(SHAREDIR)"; do \
	    [ ! -d "$$d" ] || rmdir "$$d" 2>/dev/null || echo "kept $$d: not empty"; done

# The whole suite under AddressSanitizer, UndefinedBehaviorSanitizer (any report fails:
# no recovery) and LeakSanitizer; then the pipeline cases under valgrind (tests/valgrind.sh).
# CI runs both after make check (.ci/run).
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1 CR_SAN=asan
asan:
	$(MAKE) B=build-asan OPT="-O1 -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all $(UNIT:%=build-asan/tests/%)
	$(ASAN_ENV) CR_BUILD=build-asan OPENBLAS_NUM_THREADS=1 sh tests/run.sh

valgrind: all
	OPENBLAS_NUM_THREADS=1 sh tests/valgrind.sh

clean:
	rm -rf build build-asan

.PHONY: all check bench bench-tok man-check lint install uninstall asan valgrind clean
.SECONDARY:

# The shipped experts from nothing but their data scripts: each trained from scratch
# (share/recipes/expert.sh: hours on two cores; run again after a stop, it resumes from its
# checkpoint), then converted to bf16, named and calibrated into share/models/
# (share/recipes/ship.sh). CR_DATA: the work directory.
CR_DATA ?= /tmp/cr-data
models: all
	for e in python english c; do sh share/recipes/expert.sh $$e $(CR_DATA) && \
	    sh share/recipes/ship.sh $$e $(CR_DATA) || exit 1; done
.PHONY: models

# The main job on what ships: crtag tags the samples (held-out Python, English, C, a
# Markdown file of prose and code, random bytes and random text; share/data/samples.sh)
# with the shipped experts, file by file, then the Markdown file stretch by stretch.
# random.bin is binary and skipped, so crtag's own status is 1 there.
demo: all
	@echo '$$ crtag --header share/samples'
	@$(B)/crtag --header share/samples; st=$$?; [ $$st -le 1 ] || exit $$st
	@echo; echo '$$ crtag -s share/samples/notes.md'
	@$(B)/crtag -s share/samples/notes.md
.PHONY: demo

# libFuzzer targets over every reader (fuzz/README): Debian's clang with ASan and UBSan,
# each run for FUZZ_SECONDS on its seeds in fuzz/corpus/NAME (what it finds goes to
# build-fuzz/). Not part of make check.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz:
	$(MAKE) B=build-fuzz CC=clang OPT="-O1 -fno-omit-frame-pointer -Wno-pass-failed" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=fuzz/nocov.txt" \
	    $(FUZZ_TARGETS:%=build-fuzz/fuzz/%)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh $(FUZZ_TARGETS)

# the ignore list changes what build-fuzz's objects are
$(CORE:%.c=build-fuzz/%.o): fuzz/nocov.txt

$(B)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(B)/libcr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libcr.a $(LDLIBS)
.PHONY: fuzz

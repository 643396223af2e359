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
PROGS := crtok crdump crmodel crenc crdec crscore crtrain
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

bench: all
	sh bench/run.sh

bench-tok: all
	sh bench/tok.sh

man-check:
	@for f in man/*.[0-9]; do LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l $$f \
	    >/dev/null 2>$(B)/man.err || true; if [ -s $(B)/man.err ]; then echo "$$f:"; \
	    cat $(B)/man.err; exit 1; fi; done; echo "man pages ok"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/gpt2 $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	install -m 755 $(PROGS:%=$(B)/%) $(DESTDIR)$(BINDIR)
	install -m 644 share/gpt2/* $(DESTDIR)$(SHAREDIR)/gpt2
	for f in share/models/*.crm; do [ -e $$f ] || continue; \
	    install -d $(DESTDIR)$(SHAREDIR)/models && install -m 644 $$f $(DESTDIR)$(SHAREDIR)/models; done
	for f in man/*.1; do install -m 644 $$f $(DESTDIR)$(MANPREFIX)/man1; done
	for f in man/*.5; do install -m 644 $$f $(DESTDIR)$(MANPREFIX)/man5; done
	for f in man/*.7; do [ -e $$f ] && install -m 644 $$f $(DESTDIR)$(MANPREFIX)/man7; done; true

asan:
	$(MAKE) B=build-asan OPT="-O1 -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined" \
	    all $(UNIT:%=build-asan/tests/%)
	CR_BUILD=build-asan OPENBLAS_NUM_THREADS=1 sh tests/run.sh

clean:
	rm -rf build build-asan

.PHONY: all check bench bench-tok man-check install asan clean
.SECONDARY:

# The main job on what ships: each shipped expert rebuilds this README (prose) and a Python
# file of this repository (bench/twin.py), and crscore prints TRA and CE per input: the
# expert of the text's domain rebuilds it best. Without shipped experts, a random tiny
# model stands in.
demo: all
	@mkdir -p $(B)/demo
	@ms=$$(ls share/models/*.crm 2>/dev/null); \
	if [ -z "$$ms" ]; then ms=$(B)/demo/tiny.crm; \
	    CR_SHARE=share $(B)/crmodel new -p tiny -o $$ms; fi; \
	for m in $$ms; do \
	    L=$$($(B)/crmodel info $$m | awk -F'\t' '$$1=="config"{split($$7,a," ");print a[2]}'); \
	    for f in README.md bench/twin.py; do \
	        echo "crtok -L $$L $$f | crenc -m $$m | crdec -m $$m > $(B)/demo/$${f##*/}.rec"; \
	        CR_SHARE=share $(B)/crtok -L $$L $$f | $(B)/crenc -m $$m | \
	            $(B)/crdec -m $$m > $(B)/demo/$${f##*/}.rec || exit 1; \
	    done; \
	    echo "crscore -s README.md.rec twin.py.rec  # input model tokens TRA CE majority-TRA"; \
	    (cd $(B)/demo && ../crscore -s README.md.rec twin.py.rec) || exit 1; \
	done
.PHONY: demo

# Frontdesk build. `make run` and `make test` are the two commands a newcomer needs.
#   make            build build/frontdesk (optimized)
#   make run        install missing packages, build, migrate, load demo data once, serve
#   make test       install missing packages, build with ASan/UBSan/LSan, run every test
#   make bench      run the benchmarks under bench/
#   make fuzz       build the libFuzzer targets (clang) and run each FUZZ_SECONDS (default 60)
#   make format     clang-format the sources in place; make format-check checks only

.DEFAULT_GOAL := all
CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 libsodium inih zlib libcmark-gfm gmime-3.0 libcurl opendkim libcrypto libidn2 liboath
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lstemmer -lwslay -lmagic -lspf2 -lpthread -lm

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter
OPT_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2
SAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS := $(shell find src -name '*.c' ! -name main.c | sort)
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

# Two build flavours share the source list: build/rel (make) and build/san (make test).
define flavour
$(1)_OBJS := $$(patsubst src/%.c,build/$(1)/%.o,$$(SRCS)) build/$(1)/store/migrations_gen.o
build/$(1)/%.o: src/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC    $$@"
	@$$(CC) $$(WARN) $(2) $$(PKG_CFLAGS) -Isrc -MMD -MP -c $$< -o $$@
build/$(1)/store/migrations_gen.o: build/gen/migrations_gen.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(WARN) $(2) -Isrc/store -c $$< -o $$@
build/$(1)/frontdesk: build/$(1)/main.o $$($(1)_OBJS)
	@echo "  LD    $$@"
	@$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS)
-include $$(patsubst %.o,%.d,$$($(1)_OBJS) build/$(1)/main.o)
endef
$(eval $(call flavour,rel,$(OPT_CFLAGS)))
$(eval $(call flavour,san,$(SAN_CFLAGS)))

.PHONY: all run test unit api browser bench format format-check deps deps-test clean fuzz fuzz-build \
	fuzz-smoke

all: build/frontdesk

build/frontdesk: build/rel/frontdesk
	cp $< $@.tmp && mv -f $@.tmp $@

build/gen/migrations_gen.c: $(MIGRATIONS) tools/embed_migrations.sh
	@mkdir -p $(dir $@)
	bash tools/embed_migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

deps:
	@bash scripts/deps.sh

deps-test:
	@bash scripts/deps.sh --test

run: deps
	@$(MAKE) --no-print-directory build/frontdesk
	@bash scripts/run.sh

build/unit/%: tests/unit/%.c $(san_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(WARN) $(SAN_CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS) -lcriterion

UNIT_BINS := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRCS))

test: deps-test
	@$(MAKE) --no-print-directory build/san/frontdesk $(UNIT_BINS)
	@bash tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory build/frontdesk
	@bash bench/run.sh

format:
	clang-format -i $$(find src tests/unit bench -name '*.[ch]')

format-check:
	clang-format --dry-run -Werror $$(find src tests/unit bench -name '*.[ch]')

# libFuzzer targets (fuzz/README.md): every fuzz/fuzz_*.c, linked with the sources built by
# clang with ASan+UBSan and fuzzer coverage into build/fz/; fuzz/run.sh runs each from a
# scratch copy of its seeds for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BINS := $(patsubst fuzz/%.c,build/fuzz/%,$(sort $(wildcard fuzz/fuzz_*.c)))
fz_OBJS := $(patsubst src/%.c,build/fz/%.o,$(SRCS)) build/fz/store/migrations_gen.o
build/fz/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -Isrc -MMD -MP -c $< -o $@
build/fz/store/migrations_gen.o: build/gen/migrations_gen.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -Isrc/store -c $< -o $@
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(fz_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS)
-include $(patsubst %.o,%.d,$(fz_OBJS))
.SECONDARY: $(fz_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@bash fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# The short run in `make test` (tests/run.sh), 10 s each: the scanner and Markdown targets,
# linked with only the sources they need, and the API request bodies (the whole tree built
# with clang: about a minute on two cores).
FUZZ_SMOKE_SECONDS ?= 10
build/fuzz-smoke/fuzz_scan: fuzz/fuzz_scan.c src/safety/scan.c src/safety/guard.c src/core/err.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS)
build/fuzz-smoke/fuzz_markdown: fuzz/fuzz_markdown.c src/kb/markdown.c src/core/xalloc.c \
		src/core/log.c src/core/err.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Isrc -o $@ $^ $(PKG_LIBS)

fuzz-smoke: build/fuzz-smoke/fuzz_scan build/fuzz-smoke/fuzz_markdown build/fuzz/fuzz_api_body
	@bash fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $^

clean:
	rm -rf build

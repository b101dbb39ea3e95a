# nuage — a plain Makefile over pkg-config. The two commands users need:
#   make up     install what is missing, build, serve on 127.0.0.1:4566
#   make test   install what is missing, build, run every test
# Other targets: all (build/nuage), asan, unit, integration, fuzz, bench, models, clean.

CC      ?= cc
# Linked at build time; libcurl, libpq and snappy are only compiled against: nuage
# opens them when a feature first needs them (src/core/dynlib.h).
PKGS    := openssl sqlite3 jansson expat zlib libzstd liblz4
LAZY_PKGS := libpq libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm -ldl
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers -Wno-format-truncation
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DNUAGE_VERSION='"$(VERSION)"' -Isrc -Itests/unit -g $(WARN) $(PKG_CFLAGS) -MMD -MP
REL_CFLAGS  := -O2
ASAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -Wno-unknown-warning-option -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

SRC      := $(shell find src -name '*.c' ! -path src/main.c | sort)
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

REL_OBJ  := $(SRC:%.c=build/rel/%.o)
ASAN_OBJ := $(SRC:%.c=build/asan/%.o)
FUZZ_OBJ := $(SRC:%.c=build/fuzz/%.o)

# Object files are intermediates of several targets: keep them.
.SECONDARY:

.PHONY: all asan unit unit-run integration test test-run up deps fuzz bench models clean check-banned

all: build/nuage

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(BASE_CFLAGS) $(ASAN_CFLAGS) -c $< -o $@

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@clang $(BASE_CFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

build/nuage: build/rel/src/main.o $(REL_OBJ)
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(PKG_LIBS)

build/asan/nuage: build/asan/src/main.o $(ASAN_OBJ)
	@echo "  LD asan $@"
	@$(CC) -fsanitize=address,undefined -o $@ $^ $(PKG_LIBS)

build/asan/unit: $(UNIT_SRC:%.c=build/asan/%.o) $(ASAN_OBJ)
	@echo "  LD asan $@"
	@$(CC) -fsanitize=address,undefined -o $@ $^ $(PKG_LIBS)

build/rel/unit: $(UNIT_SRC:%.c=build/rel/%.o) $(REL_OBJ)
	@echo "  LD      $@"
	@$(CC) -o $@ $^ $(PKG_LIBS)

asan: build/asan/nuage build/asan/unit

# Unit tests run under AddressSanitizer + UBSan (leaks reported as failures).
unit: build/asan/unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 build/asan/unit

deps:
	scripts/deps.sh

# The whole suite: unit tests (ASan), integration tests with real clients
# against the ASan build, the banned-function check; one summary line last.
test: deps
	$(MAKE) --no-print-directory test-run

test-run: build/nuage build/asan/nuage build/asan/unit
	scripts/test.sh

integration: build/asan/nuage
	scripts/test.sh integration

up: deps
	$(MAKE) --no-print-directory build/nuage
	build/nuage serve --data ./.nuage

fuzz: $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
	scripts/fuzz.sh $(FUZZ_TIME)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@clang $(BASE_CFLAGS) -Wno-unknown-warning-option -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(filter %.c %.o,$^) $(PKG_LIBS)

# Lambda's runtime bootstraps are compiled into runtimes.o with .incbin.
LAMBDA_EMBED := src/svc/lambda/runtime/bootstrap.py src/svc/lambda/runtime/bootstrap.mjs
build/rel/src/svc/lambda/runtimes.o build/asan/src/svc/lambda/runtimes.o build/fuzz/src/svc/lambda/runtimes.o: $(LAMBDA_EMBED)

bench: build/nuage
	@for b in bench/*.sh; do echo "== $$b"; $$b || exit 1; done

# Regenerates the committed protocol tables from botocore's models.
models:
	python3 tools/gen_models.py

check-banned:
	tools/check_banned.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

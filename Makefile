# Builds libvoicecb, runs the demo and every test, installs.
#   make demo        the main job: click2Call and callStop from C against the sandbox
#   make test        every test: Rust, C (valgrind, ASan/UBSan), C++ header, Python, Go
#   make install PREFIX=/usr/local [LIBDIR=... INCLUDEDIR=... BINDIR=... DESTDIR=...]
#                    library, header, pkg-config file, CMake package, voicecb CLI
#   make dist        dist/: the C/C++ SDK tarball, the Python wheel (manylinux) and
#                    sdist, the Go module with prebuilt libraries (packaging/dist.sh)
#   make test-dist   tests each artifact of dist/ outside the repository, the way its
#                    users use it (packaging/test-dist.sh)

CARGO   ?= cargo
CC      ?= cc
CXX     ?= c++
PREFIX  ?= /usr/local
# Absolute; LIBDIR=$(PREFIX)/lib64 or /usr/lib/x86_64-linux-gnu for those layouts.
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
REL     := target/release
OUT     := build
# The crate's version as cargo reads it (path+file:///...#voicecb@0.1.0).
VERSION := $(shell $(CARGO) pkgid --offline -p voicecb | sed 's/.*[#@]//')
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
CSTRICT := -std=c11 -Wall -Wextra -Werror -g -Iinclude
LINK_SO := -L$(REL) -lvoicecb -Wl,-rpath,$(abspath $(REL)) -lpthread
VALGRIND := valgrind --quiet --suppressions=tests/c/valgrind.supp --error-exitcode=1 --leak-check=full \
            --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible

.PHONY: build demo test lint test-rust header header-check package-check symbols test-c test-load test-python test-go test-install fuzz-build install dist test-dist clean

build:
	$(CARGO) build --release --locked
	ln -sf libvoicecb.so $(REL)/libvoicecb.so.$(MAJOR)

demo: build
	mkdir -p $(OUT)
	$(CC) $(CSTRICT) examples/click2call.c $(LINK_SO) -o $(OUT)/click2call
	tests/with-sandbox.sh $(OUT)/click2call

test: build lint test-rust header-check package-check symbols test-c test-load test-install test-python test-go fuzz-build
	@echo "make test: every suite passed"

# The formatting and lint gate, over every package of the workspace.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust:
	$(CARGO) test --workspace --locked

# Regenerates include/voicecb.h from src/ffi (tools/header, cbindgen). A
# build never does: it must not write into the source tree.
header:
	$(CARGO) run --locked --quiet -p voicecb-header -- include/voicecb.h

# A difference from the committed header means someone changed the ABI
# without regenerating it.
header-check: header
	git diff --exit-code -- include/voicecb.h

# The crate as a Rust user gets it, built on its own from the packaged files.
package-check:
	$(CARGO) package -p voicecb --locked

# Only voicecb_ symbols are exported, each function of the header is, and
# nothing of the sandbox is linked into the shipped library.
symbols: build
	tests/check-symbols.sh $(REL)/libvoicecb.so include/voicecb.h $(MAJOR)

test-c: build
	mkdir -p $(OUT)
	$(CC) $(CSTRICT) -DEXPECT_VERSION='"$(VERSION)"' tests/c/test_ffi.c $(LINK_SO) -o $(OUT)/test_ffi
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -DEXPECT_VERSION='"$(VERSION)"' \
	    tests/c/test_ffi.c $(LINK_SO) -o $(OUT)/test_ffi_asan
	$(CC) $(CSTRICT) tests/c/test_notify.c $(LINK_SO) -o $(OUT)/test_notify
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_notify.c $(LINK_SO) -o $(OUT)/test_notify_asan
	$(CC) $(CSTRICT) tests/c/test_faults.c $(LINK_SO) -o $(OUT)/test_faults
	$(CC) $(CSTRICT) tests/c/test_events.c $(LINK_SO) -o $(OUT)/test_events
	$(CC) $(CSTRICT) tests/c/test_handles.c $(LINK_SO) -o $(OUT)/test_handles
	$(CC) $(CSTRICT) -DVOICECB_TEST_USE_AFTER_FREE tests/c/test_handles.c $(LINK_SO) -o $(OUT)/test_handles_freed
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_handles.c $(LINK_SO) -o $(OUT)/test_handles_asan
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_events.c $(LINK_SO) -o $(OUT)/test_events_asan
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_faults.c $(LINK_SO) -o $(OUT)/test_faults_asan
	$(CC) $(CSTRICT) tests/c/test_check.c $(LINK_SO) -o $(OUT)/test_check
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_check.c $(LINK_SO) -o $(OUT)/test_check_asan
	$(CXX) -std=c++11 -Wall -Wextra -Werror -Iinclude tests/c/cpp_header.cpp $(LINK_SO) -o $(OUT)/cpp_header
	$(CC) $(CSTRICT) examples/click2call.c $(LINK_SO) -o $(OUT)/click2call
	$(CC) $(CSTRICT) tests/c/test_scenes.c $(LINK_SO) -o $(OUT)/test_scenes
	$(CC) $(CSTRICT) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    tests/c/test_scenes.c $(LINK_SO) -o $(OUT)/test_scenes_asan
	for e in callnotify callverify record_url; do $(CC) $(CSTRICT) examples/$$e.c $(LINK_SO) -o $(OUT)/$$e || exit 1; done
	$(OUT)/cpp_header
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/test_ffi tests/vectors/aksk.json
	tests/with-sandbox.sh env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_ffi_asan tests/vectors/aksk.json
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/click2call
	$(VALGRIND) $(OUT)/test_notify tests/vectors/notifications
	env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_notify_asan tests/vectors/notifications
	$(VALGRIND) $(OUT)/test_faults
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/test_events
	$(VALGRIND) $(OUT)/test_handles
	env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_handles_asan
	@# Uses freed handles on purpose: neither valgrind nor ASan (they report exactly that).
	$(OUT)/test_handles_freed
	tests/with-sandbox.sh env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_events_asan
	env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_faults_asan
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/test_check
	tests/with-sandbox.sh env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_check_asan
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/test_scenes
	tests/with-sandbox.sh env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(OUT)/test_scenes_asan
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/callnotify
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/callverify
	@# A bill whose record has only recordFileDownloadUrl: printed as it is, nothing asked.
	echo '{"eventType":"fee","feeLst":[{"sessionId":"s1","recordFileDownloadUrl":"https://d.example.com/r.wav"}]}' | \
	    tests/with-sandbox.sh $(VALGRIND) $(OUT)/record_url > $(OUT)/record_url.out
	grep -qx 's1 https://d.example.com/r.wav' $(OUT)/record_url.out

# A reduced load: 8 threads x 250 calls on one client under valgrind (no
# error, no leak), and 16 goroutines under the race detector. The full runs
# are `make load`.
test-load: build
	mkdir -p $(OUT)
	$(CC) $(CSTRICT) bench/c/load.c $(LINK_SO) -o $(OUT)/load
	tests/with-sandbox.sh $(VALGRIND) $(OUT)/load 8 250 -1
	tests/with-sandbox.sh sh -c 'cd bench/go && go test -race -count=1 -run TestLoadReduced .'

# Fuzzing is run by hand (fuzz/run.sh, nightly); CI only checks that the
# targets still build, with the stable toolchain.
fuzz-build:
	$(CARGO) build --manifest-path fuzz/Cargo.toml --bins --locked

# Installs into a scratch prefix and builds the example with pkg-config,
# once against the shared library and once statically; the installed CLI
# must run from the prefix. Then the multiarch and lib64 layouts, staged
# with DESTDIR (packaging/test-install-layouts.sh).
test-install: build
	mkdir -p $(OUT)
	rm -rf $(OUT)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(OUT)/prefix)
	PKG_CONFIG_PATH=$(abspath $(OUT)/prefix)/lib/pkgconfig sh -c \
	  '$(CC) $(CSTRICT) examples/click2call.c $$(pkg-config --cflags --libs voicecb) -Wl,-rpath,$(abspath $(OUT)/prefix)/lib -o $(OUT)/click2call-pc && \
	   $(CC) $(CSTRICT) examples/click2call.c $$(pkg-config --cflags voicecb) $(abspath $(OUT)/prefix)/lib/libvoicecb.a $$(pkg-config --libs-only-other --libs-only-l --static voicecb | sed "s/-lvoicecb//") -o $(OUT)/click2call-static'
	tests/with-sandbox.sh $(OUT)/click2call-pc >/dev/null
	tests/with-sandbox.sh $(OUT)/click2call-static >/dev/null
	! ldd $(OUT)/click2call-static | grep -q libvoicecb
	test -x $(OUT)/prefix/bin/voicecb
	test "$$($(OUT)/prefix/bin/voicecb --version)" = "libvoicecb/$(VERSION)"
	@echo "install: pkg-config build (shared and static) ran against the sandbox; voicecb --version ran from the prefix"
	packaging/test-install-layouts.sh

test-python: build
	bindings/python/run-tests.sh

test-go: build
	bindings/go/run-tests.sh

# What a static link of libvoicecb.a needs besides it is rustc's answer for
# this build (packaging/native-libs.sh), written into Libs.private and the
# CMake package; RELOCATABLE=1 makes both find their files relative to
# themselves (the SDK tarball).
install: build
	PREFIX='$(PREFIX)' LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' BINDIR='$(BINDIR)' DESTDIR='$(DESTDIR)' \
	  VERSION='$(VERSION)' MAJOR='$(MAJOR)' REL='$(REL)' RELOCATABLE='$(RELOCATABLE)' \
	  NATIVE_LIBS="$$(CARGO='$(CARGO)' packaging/native-libs.sh)" packaging/install.sh

dist:
	packaging/dist.sh

test-dist:
	packaging/test-dist.sh

clean:
	$(CARGO) clean
	rm -rf $(OUT)

# Benchmarks (issue 8) and load runs (issue 7); neither is part of `make test`.
#   make bench   builds what it needs, measures on this machine, writes BENCHMARKS.md
#   make load    8 threads x 10,000 calls through Rust and C, smaller runs from Python and Go
# bench/README.md has the options (python3 bench/run.py --help).
.PHONY: bench load
bench:
	python3 bench/run.py

load:
	python3 bench/run.py load

# scribecheck: the two commands of the README.
#   make demo   build, start the fake, run the suites healthy and with the sutkn bug, print where the reports are
#   make test   vet, gofmt check, every test with the race detector, then without it the packages
#               of the few tests it skips (NORACE_PKGS); it installs Debian's chromium
#               first, for the test that renders the doctor's HTML report, its prometheus package
#               for promtool, which checks the monitor's metrics and alerting rules, and the pinned official
#               SDKs, for the SDK matrix: npm ci and one Python venv per version, made by uv (pip-installed
#               from PyPI, hash-pinned) or else pip, see internal/sdks/README.md
#   make sdks   build, then `bin/scribecheck sdks install`: the pinned SDKs into the user's cache folder
#               (~/.cache/scribecheck/sdks on Linux; SCRIBECHECK_SDKS_DIR chooses another), where
#               `scribecheck sdks` and the tests run them
#   make release  static binaries for linux, darwin and windows on amd64 and arm64 into dist/, named
#               scribecheck_VERSION_OS_ARCH[.exe], with VERSION (default: git describe) stamped, and
#               dist/SHA256SUMS (check with: cd dist && sha256sum -c SHA256SUMS)
#   make bench  measure the fake on this machine (frames/s beside a bare WebSocket sink, sessions held,
#               memory per session, the whole run) and print the README's table; a few minutes
#   make fuzz   run every fuzz target for FUZZTIME each (default 30000x inputs), one after another
GO      ?= go
BIN     := bin/scribecheck

# -trimpath: no build depends on the folder the checkout is in, so a fresh
# clone reuses what the Go build cache holds from another (on the 2-core
# machine: go vet 8.3 -> 0.5 s, compiling the race-built tests 39 -> 24 s).
export GOFLAGS := -trimpath $(GOFLAGS)
DEMO    := out/demo

.PHONY: all build test demo vet fmt clean deps sdks bench fuzz release

all: build

build:
	$(GO) build -o $(BIN) ./cmd/scribecheck

vet:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path '*/node_modules/*' -not -path '*/.venv*' -not -path './.scratch/*'))"; if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

# GORACE: a race-built process sleeps 1 s before it exits (the detector's
# atexit_sleep_ms, default 1000), a second of each package's test binary; a
# race found is still reported, and fails its test.
# SCRIBECHECK_SDK_TESTS=1: the tests that run the pinned SDKs' real clients
# run too, in the same go test, whose other packages fill the CPU while the
# clients sit out the idle timeout (a bare go test skips them: testkit.RealClients).
# NORACE_PKGS then run once more without the race detector, for their tests
# that skip under it (testkit.SkipUnderRace: too slow under it, or measuring
# what it changes); testkit's TestEverySkipUnderRaceRunsInMakeTest keeps the
# list whole.
NORACE_PKGS := ./internal/monitor ./internal/wirelog

test: vet deps sdks
	SCRIBECHECK_SDK_TESTS=1 GORACE="atexit_sleep_ms=0 $(GORACE)" $(GO) test -race -count=1 ./...
	$(GO) test -count=1 $(NORACE_PKGS)

# FUZZ_TARGETS is every native fuzz target (package:Target), read from the
# packages' fuzz_test.go files; give a list to run some only. go test -fuzz
# takes one package and one target per call. A found case is written to
# PACKAGE/testdata/fuzz/TARGET/; commit it with the fix, and every go test
# runs it from then on.
# FUZZTIME is a number of inputs (Nx), not a duration: on Go 1.26 a duration
# bound can end in "context deadline exceeded", a failure that found nothing
# (a race in the fuzz coordinator, golang/go#75804, fixed in Go 1.27; CI hit
# it on FuzzReadFile when its workers stalled on a loaded machine). A count
# has no deadline to race. A duration still works: make fuzz FUZZTIME=1m.
FUZZTIME ?= 30000x
# FUZZ_COUNTED are targets with a bound of their own (Target=Nx):
# FuzzImportHAR's inputs are whole HAR files, slow to run.
FUZZ_COUNTED ?= FuzzImportHAR=2000x
FUZZ_TARGETS ?= $(shell grep -Ho '^func Fuzz[A-Za-z0-9_]*' $$(find . -name fuzz_test.go -not -path '*/node_modules/*' -not -path './.scratch/*' | sort) | sed 's|^\./||; s|/fuzz_test.go:func |:|')

fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; bound=$(FUZZTIME); \
	  for c in $(FUZZ_COUNTED); do [ "$${c%%=*}" = "$$name" ] && bound=$${c##*=}; done; \
	  echo "== fuzz $$name in ./$$pkg for $$bound"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$bound -fuzzminimizetime 5s ./$$pkg || exit 1; \
	done

# sdks installs the pinned official SDKs the way a user's binary does
# (idempotent; a part whose runtime is missing is skipped with one line, and
# its SDK specs skip saying why).
sdks: build
	@$(BIN) sdks install

# release cross-builds the binaries a user downloads: static (no cgo),
# without local paths (-trimpath) or symbols (-s -w; the build info that
# `scribecheck version` reads stays), the version and commit stamped.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev-$$(date -u +%Y%m%d))
COMMIT   ?= $(shell c=$$(git rev-parse HEAD 2>/dev/null) && { git diff --quiet HEAD -- 2>/dev/null || c=$$c-dirty; echo $$c; })
BUILDINFO := github.com/scribecheck/scribecheck/internal/buildinfo
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

release:
	rm -rf dist && mkdir -p dist
	@for p in $(PLATFORMS); do os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  out=dist/scribecheck_$(VERSION)_$${os}_$${arch}$$ext; echo "  $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto \
	    -ldflags "-s -w -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT)" -o $$out ./cmd/scribecheck || exit 1; \
	done
	@cd dist && if command -v sha256sum >/dev/null 2>&1; then sha256sum scribecheck_* >SHA256SUMS; \
	  else shasum -a 256 scribecheck_* >SHA256SUMS; fi
	@echo "dist/SHA256SUMS (check: cd dist && sha256sum -c SHA256SUMS)"

# deps installs what the tests need beyond Go modules, from Debian's packages,
# in one apt-get run: headless Chromium, which renders the HTML reports, and
# promtool (the prometheus package; where systemd runs, its server starts
# too, unused), which checks the monitor's /metrics and tests its shipped
# alerting rules. DEBS is command=package for each. Without root or apt-get it
# says so, and the tests that need them skip, saying why.
DEBS ?= chromium=chromium promtool=prometheus

deps:
	@missing=; for d in $(DEBS); do command -v $${d%%=*} >/dev/null 2>&1 || missing="$$missing $${d##*=}"; done; \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	else echo "missing and not installable here (no apt-get, or not root):$$missing; the tests that need them skip"; fi

demo: build
	rm -rf $(DEMO)
	@echo "== 1/2 the faithful fake: every auth path behaves as documented"
	$(BIN) run --target fake --out $(DEMO)/healthy
	@echo
	@echo "== 2/2 the fake with the reported bug: fresh sutkn_ tokens on ?token= get auth_error"
	@status=0; $(BIN) run --target fake --fake-bug sutkn-query-rejected --out $(DEMO)/sutkn-query-rejected || status=$$?; \
	  if [ $$status -ne 1 ]; then echo "expected exit 1 (auth failure found), got $$status"; exit 1; fi
	@echo
	@echo "== doctor: why does a token get auth_error? (the fake with the sutkn bug)"
	@status=0; $(BIN) doctor --fake-bug sutkn-query-rejected --out $(DEMO)/doctor || status=$$?; \
	  if [ $$status -ne 1 ]; then echo "expected exit 1 (cause named), got $$status"; exit 1; fi
	@echo
	@echo "== doctor --har: the same question answered from a browser's recording (a HAR of the bug, offline)"
	@status=0; $(BIN) doctor --har internal/wirelog/testdata/har/scribe-token-refused.har --out $(DEMO)/har || status=$$?; \
	  if [ $$status -ne 1 ]; then echo "expected exit 1 (a server-side refusal named), got $$status"; exit 1; fi
	@echo
	@echo "Demo reports:"
	@echo "  healthy fake:             $(DEMO)/healthy/report.html, junit.xml, auth-matrix.xml, summary.md"
	@echo "  sutkn bug reproduced:     $(DEMO)/sutkn-query-rejected/report.html, junit.xml, auth-matrix.xml, summary.md"
	@echo "  doctor, for a person:     $(DEMO)/doctor/doctor.html"
	@echo "  doctor, for CI or issues: $(DEMO)/doctor/doctor.md (and doctor.json, doctor-matrix.xml)"
	@echo "  a browser's HAR, graded:  $(DEMO)/har/har.html (and har.md, har.json, har-junit.xml)"

bench: build
	$(BIN) bench --out out/bench

fmt:
	gofmt -w .

clean:
	rm -rf bin out dist scribecheck-report scribecheck-client scribecheck-sdks

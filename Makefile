# scribecheck: the two commands of the README.
#   make demo   build, start the fake, run the suites healthy and with the sutkn bug, print where the reports are
#   make test   vet, gofmt check, and every test with the race detector
GO      ?= go
BIN     := bin/scribecheck
DEMO    := out/demo

.PHONY: all build test demo vet fmt clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/scribecheck

vet:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

test: vet
	$(GO) test -race -count=1 ./...

demo: build
	rm -rf $(DEMO)
	@echo "== 1/2 the faithful fake: every auth path behaves as documented"
	$(BIN) run --target fake --out $(DEMO)/healthy
	@echo
	@echo "== 2/2 the fake with the reported bug: fresh sutkn_ tokens on ?token= get auth_error"
	@status=0; $(BIN) run --target fake --fake-bug sutkn-query-rejected --out $(DEMO)/sutkn-query-rejected || status=$$?; \
	  if [ $$status -ne 1 ]; then echo "expected exit 1 (auth failure found), got $$status"; exit 1; fi
	@echo
	@echo "Demo reports:"
	@echo "  healthy fake:             $(DEMO)/healthy/junit.xml, $(DEMO)/healthy/auth-matrix.xml"
	@echo "  sutkn bug reproduced:     $(DEMO)/sutkn-query-rejected/junit.xml, $(DEMO)/sutkn-query-rejected/auth-matrix.xml"

fmt:
	gofmt -w .

clean:
	rm -rf bin out scribecheck-report

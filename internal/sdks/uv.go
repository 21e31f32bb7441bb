package sdks

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The Python venvs are made with uv (github.com/astral-sh/uv) where it can
// be had, and with the venv module and pip where not. uv resolves nothing
// here either: it installs the same hash-pinned locks (--require-hashes),
// downloading in parallel and linking from its cache instead of unpacking
// each venv. On the 2-core CI machine the seven venvs took 85 s with pip
// and 40 s with uv, cold, both compiling the modules' bytecode (uvVenv).
// uv comes from PyPI too: pip installs it, every wheel of one version
// pinned by hash (python/uv-lock.txt), into the install folder; nothing is
// installed outside it.
const (
	uvLock   = "python/uv-lock.txt"
	uvFolder = "python/.uv"
)

// installUV makes sure dir holds the pinned uv, installing it with py's pip
// when its stamp is not current, and returns its executable.
func installUV(ctx context.Context, dir, py string) (string, error) {
	lock, _ := carried.ReadFile(uvLock)
	target := filepath.Join(dir, filepath.FromSlash(uvFolder))
	stamp := filepath.Join(target, stampName)
	exe := uvExecutable(target)
	if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == sum(lock) {
		if _, err := os.Stat(exe); err == nil {
			return exe, nil
		}
	}
	_ = os.RemoveAll(target)
	err := quiet(ctx, dir, py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
		"--only-binary=:all:", "--require-hashes", "--target", target, "-r", filepath.Join(dir, filepath.FromSlash(uvLock)))
	if err == nil {
		_, err = os.Stat(exe)
	}
	if err == nil {
		err = os.WriteFile(stamp, []byte(sum(lock)+"\n"), 0o644)
	}
	if err != nil {
		_ = os.RemoveAll(target)
		return "", err
	}
	return exe, nil
}

// uvExecutable is where pip --target puts uv's binary.
func uvExecutable(target string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(target, "bin", "uv.exe")
	}
	return filepath.Join(target, "bin", "uv")
}

// uvVenv makes the venv abs with py and installs the lock req into it.
func uvVenv(ctx context.Context, dir, uv, py, abs, req string) error {
	if err := quietEnv(ctx, dir, uvEnv(), uv, "venv", "--quiet", "--python", py, abs); err != nil {
		return err
	}
	// --compile-bytecode, as pip does by default: without it the first run
	// of each driver compiled its SDK's modules, every driver of an install
	// at once, while the tests ran; on a fresh machine that CPU made a
	// driver miss its cap.
	return quietEnv(ctx, dir, uvEnv(), uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", VenvPython(abs, "."),
		"--require-hashes", "-r", req)
}

// uvEnv is the environment uv runs in: never a Python of its own download,
// and the index and certificates the user gave pip, where uv's own are not
// set.
func uvEnv() []string {
	env := append(os.Environ(), "UV_PYTHON_DOWNLOADS=never")
	for pip, uv := range map[string]string{"PIP_INDEX_URL": "UV_DEFAULT_INDEX", "PIP_CERT": "SSL_CERT_FILE"} {
		if v := os.Getenv(pip); v != "" && os.Getenv(uv) == "" && (uv != "UV_DEFAULT_INDEX" || os.Getenv("UV_INDEX_URL") == "") {
			env = append(env, uv+"="+v)
		}
	}
	return env
}

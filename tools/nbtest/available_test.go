package nbtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAvailable requires the stack that scripts/install.sh installs: the
// notebook tests cannot run without it, so its absence fails.
func TestAvailable(t *testing.T) {
	if err := Available(); err != nil {
		t.Fatal(err)
	}
}

// TestAvailableKernelPath checks a Go kernel's tools against the PATH its
// kernel.json gives it, with kernels registered through JUPYTER_PATH: one whose
// PATH has fake go, goimports and gopls, one whose PATH lacks them, one whose
// program is missing, and missing pieces outside the kernel. Each error must
// name the piece and the fix.
func TestAvailableKernelPath(t *testing.T) {
	jupyterPath, tools := t.TempDir(), t.TempDir()
	for _, tool := range []string{"go", "goimports", "gopls"} {
		if err := os.WriteFile(filepath.Join(tools, tool), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	kernels := map[string]string{
		"nbtest-ready":      `{"argv": ["/bin/true", "{connection_file}"], "language": "go", "env": {"PATH": "` + tools + `:${PATH}"}}`,
		"nbtest-no-tools":   `{"argv": ["/bin/true", "{connection_file}"], "language": "go", "env": {"PATH": "/nonexistent"}}`,
		"nbtest-no-program": `{"argv": ["/nonexistent/gonb", "{connection_file}"], "language": "go", "env": {"PATH": "` + tools + `"}}`,
	}
	for name, spec := range kernels {
		dir := filepath.Join(jupyterPath, "kernels", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "kernel.json"), []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "JUPYTER_PATH="+jupyterPath)
	tests := []struct {
		name   string
		kernel string
		env    []string
		want   string // "" for success
	}{
		{"tools on the kernel's PATH", "nbtest-ready", env, ""},
		{"no tools on the kernel's PATH", "nbtest-no-tools", env, `kernel "nbtest-no-tools" needs go on its PATH`},
		{"no kernel program", "nbtest-no-program", env, `kernel "nbtest-no-program": its program: /nonexistent/gonb is not an executable file`},
		{"unknown kernel", "no-such-kernel-nbtest", env, `jupyter has no kernel "no-such-kernel-nbtest"`},
		{"no jupyter on PATH", DefaultKernel, []string{"PATH=" + tools}, "jupyter is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := available(t.Context(), tt.kernel, tt.env)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("available() = %v, want success", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), installHint)):
				t.Errorf("available() = %v, want an error containing %q and ending %q", err, tt.want, installHint)
			}
		})
	}
}

// TestLookPath covers the PATH search that checks the kernel's tools.
func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"tool", "/nonexistent:" + dir, tool},
		{"data", dir, ""},
		{"tool", "", ""},
		{tool, "", tool},
		{filepath.Join(dir, "data"), "", ""},
	}
	for _, tt := range tests {
		got, err := lookPath(tt.name, tt.path)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("lookPath(%q, %q) = %q, %v; want %q", tt.name, tt.path, got, err, tt.want)
		}
	}
}

// TestExpandEnv checks the substitution Jupyter applies to kernel.json's env.
func TestExpandEnv(t *testing.T) {
	env := []string{"PATH=/a", "HOME=/h", "PATH=/usr/bin"}
	tests := []struct{ in, want string }{
		{"/go/bin:${PATH}", "/go/bin:/usr/bin"},
		{"$HOME/go/bin:$PATH", "/h/go/bin:/usr/bin"},
		{"${UNSET_NBTEST}:/x", "${UNSET_NBTEST}:/x"},
		{"/plain", "/plain"},
	}
	for _, tt := range tests {
		if got := expandEnv(tt.in, env); got != tt.want {
			t.Errorf("expandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := getenv(env, "PATH"); got != "/usr/bin" {
		t.Errorf("getenv(PATH) = %q, want the last value /usr/bin", got)
	}
}

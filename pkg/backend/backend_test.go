package backend

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	cases := []struct {
		name       string
		wantName   string
		wantDevice string // substring of Device()
		wantErr    string // substring of the error; "" means no error
	}{
		{name: "go", wantName: "go", wantDevice: "pure Go (GoMLX simplego)"},
		{name: "go:parallelism=1", wantName: "go:parallelism=1", wantDevice: "1 CPU thread"},
		{name: "bogus", wantErr: `unknown backend "bogus": use one of`},
		{name: "bogus:cuda", wantErr: `unknown backend "bogus:cuda"`},
		{name: "go:nonsense", wantErr: `backend "go:nonsense"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.name)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New(%q) error = %v, want one containing %q", tc.name, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Backend.Finalize()
			if c.Name != tc.wantName || c.Requested != tc.name {
				t.Errorf("New(%q): Name %q Requested %q, want %q and %q", tc.name, c.Name, c.Requested, tc.wantName, tc.name)
			}
			if d := c.Device(); !strings.Contains(d, tc.wantDevice) {
				t.Errorf("Device() = %q, want it to contain %q", d, tc.wantDevice)
			}
			if s := c.String(); !strings.HasPrefix(s, tc.wantName+": ") {
				t.Errorf("String() = %q, want it to start with %q", s, tc.wantName+": ")
			}
		})
	}
}

func TestNewFromEnv(t *testing.T) {
	t.Setenv(EnvVar, "go")
	c, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Backend.Finalize()
	if c.Name != "go" || c.Requested != "" || c.Note != "" {
		t.Errorf("New(\"\") with %s=go: %+v", EnvVar, c)
	}
}

// TestAutoWithoutPlugins: with no plugin to be found, auto is the pure-Go
// backend, with a note that says why.
func TestAutoWithoutPlugins(t *testing.T) {
	if out, err := helper(t, map[string]string{PluginPathEnv: t.TempDir(), EnvVar: Auto}); err != nil {
		t.Fatalf("%v\n%s", err, out)
	} else {
		want := "go: pure Go (GoMLX simplego)"
		note := "no PJRT plugin found for XLA"
		if !XLACompiled() {
			note = "XLA not compiled in"
		}
		if !strings.Contains(out, want) || !strings.Contains(out, note) {
			t.Errorf("auto without plugins reported\n%s\nwant %q and %q", out, want, note)
		}
	}
}

// TestMissingCUDAPlugin checks the exact error for GOMLX_BACKEND=xla:cuda
// when PJRT_PLUGIN_LIBRARY_PATH names a directory that does not exist. The
// plugin search path is read by gopjrt when the program starts, so the case
// runs in a child process.
func TestMissingCUDAPlugin(t *testing.T) {
	out, err := helper(t, map[string]string{PluginPathEnv: "/nonexistent", EnvVar: "xla:cuda"})
	if err == nil {
		t.Fatalf("xla:cuda without a plugin succeeded:\n%s", out)
	}
	got := strings.TrimSpace(out)
	want := `backend "xla:cuda": no PJRT plugin "cuda" in /nonexistent (PJRT_PLUGIN_LIBRARY_PATH)`
	if !hasNVIDIADevice() {
		want += "; no NVIDIA GPU is visible here (no /dev/nvidia*: in Docker, run with --gpus all)"
	}
	want += ". Install one with gopjrt's installer: go run github.com/gomlx/gopjrt/cmd/gopjrt_installer@b50d2b7d4e69 -plugin=cuda12 -version=0.8.1 -path=$HOME/.local (or -path=/usr/local as root)" +
		"; or set PJRT_PLUGIN_LIBRARY_PATH to a directory holding pjrt_c_api_cuda_plugin.so, or holding JAX's xla_cuda_plugin.so from its jax-cuda12-pjrt or jax-cuda13-pjrt wheel" +
		" (that directory is printed by: python3 -c 'import jax_plugins.xla_cuda12 as p, os; print(os.path.dirname(p.__file__))')" +
		"; or use the pure-Go backend (GOMLX_BACKEND=go, slower)"
	if !XLACompiled() {
		want = `backend "xla:cuda": XLA is not compiled into this binary (it was built with -tags noxla or without cgo); rebuild with cgo enabled and without -tags noxla, or use the pure-Go backend (GOMLX_BACKEND=go)`
	}
	if got != want {
		t.Errorf("error:\n%s\nwant:\n%s", got, want)
	}
}

// TestBrokenJAXPlugin: a file named like a JAX plugin (xla_<name>_plugin.so)
// in PJRT_PLUGIN_LIBRARY_PATH is taken for "xla:<name>"; one that does not
// load gives the "found but did not start" error, not the missing-plugin one.
// (The name is made up, so that no installed plugin can answer instead.)
func TestBrokenJAXPlugin(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "xla_gpt2tapstest_plugin.so")
	if err := os.WriteFile(file, []byte("not a shared object"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(PluginPathEnv, dir)
	_, err := New("xla:gpt2tapstest")
	var pe *PluginError
	switch {
	case !XLACompiled():
		if err == nil || !strings.Contains(err.Error(), "XLA is not compiled into this binary") {
			t.Errorf("noxla build: error %v", err)
		}
	case err == nil:
		t.Fatal("a broken plugin file loaded")
	case !errors.As(err, &pe) || !strings.Contains(err.Error(), "the PJRT plugin was found but did not start") || !strings.Contains(err.Error(), file):
		t.Errorf("error = %v, want a *PluginError saying the plugin %s was found but did not start", err, file)
	}
}

// helper runs TestHelperProcess in a child with env added and returns what
// it printed; the error is the child's exit status.
func helper(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "GPT2TAPS_BACKEND_HELPER=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	return string(out), err
}

// TestHelperProcess is the child of helper: it prints the Choice of
// New("") or the error, and exits 1 on error.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("GPT2TAPS_BACKEND_HELPER") != "1" {
		t.Log("runs only as helper's child process")
		return
	}
	c, err := New("")
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(c.String() + "\n")
	os.Exit(0)
}

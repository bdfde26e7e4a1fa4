package backend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindJAXPlugin(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "lib", "python3.12", "site-packages")
	pluginDir := filepath.Join(site, "jax_plugins", "xla_cuda12")
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(pluginDir, "xla_cuda_plugin.so")
	if err := os.WriteFile(plugin, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		dirs   []string
		plugin string
		want   string
	}{
		{"the wheel's plugin directory", []string{pluginDir}, "cuda", plugin},
		{"its jax_plugins directory", []string{filepath.Join(site, "jax_plugins")}, "cuda", plugin},
		{"second of two directories", []string{filepath.Join(root, "missing"), pluginDir}, "cuda", plugin},
		{"another platform", []string{pluginDir}, "rocm", ""},
		{"site-packages is too far up", []string{site}, "cuda", ""},
		{"no directories", nil, "cuda", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := findJAXPlugin(tc.plugin, tc.dirs)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("findJAXPlugin(%q, %v) = %q, %v; want %q", tc.plugin, tc.dirs, got, ok, tc.want)
			}
		})
	}
}

func TestJAXCUDAEnv(t *testing.T) {
	site := t.TempDir()
	plugin := filepath.Join(site, "jax_plugins", "xla_cuda12", "xla_cuda_plugin.so")
	nvcc := filepath.Join(site, "nvidia", "cuda_nvcc")
	if err := os.MkdirAll(nvcc, 0o755); err != nil {
		t.Fatal(err)
	}
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cases := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"nothing set", nil, map[string]string{"XLA_FLAGS": "--xla_gpu_cuda_data_dir=" + nvcc, "GOPJRT_CUDA_CHECKS": "0"}},
		{"other XLA flags kept", map[string]string{"XLA_FLAGS": "--xla_dump_to=/tmp/d"},
			map[string]string{"XLA_FLAGS": "--xla_dump_to=/tmp/d --xla_gpu_cuda_data_dir=" + nvcc, "GOPJRT_CUDA_CHECKS": "0"}},
		{"data dir already set", map[string]string{"XLA_FLAGS": "--xla_gpu_cuda_data_dir=/opt/cuda", "GOPJRT_CUDA_CHECKS": "1"}, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := jaxCUDAEnv(plugin, env(tc.env))
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestSearchDirs(t *testing.T) {
	t.Setenv(PluginPathEnv, "/a::/b")
	dirs, phrase, explicit := searchDirs()
	if strings.Join(dirs, ",") != "/a,/b" || !explicit || phrase != "/a:/b (PJRT_PLUGIN_LIBRARY_PATH)" {
		t.Errorf("searchDirs() = %v, %q, %v", dirs, phrase, explicit)
	}
	os.Unsetenv(PluginPathEnv)
	dirs, phrase, explicit = searchDirs()
	if explicit || len(dirs) == 0 || dirs[len(dirs)-1] != "/usr/local/lib/gomlx/pjrt" || !strings.Contains(phrase, "is not set") {
		t.Errorf("searchDirs() without %s = %v, %q, %v", PluginPathEnv, dirs, phrase, explicit)
	}
}

func TestInstallCommand(t *testing.T) {
	cases := map[string]string{
		"cpu":  "go run github.com/gomlx/gopjrt/cmd/gopjrt_installer@b50d2b7d4e69 -plugin=linux -version=v0.10.0 -path=$HOME/.local",
		"cuda": "go run github.com/gomlx/gopjrt/cmd/gopjrt_installer@b50d2b7d4e69 -plugin=cuda12 -version=0.8.1 -path=$HOME/.local",
	}
	for platform, want := range cases {
		if got := InstallCommand(platform); got != want {
			t.Errorf("InstallCommand(%q) = %q, want %q", platform, got, want)
		}
	}
}

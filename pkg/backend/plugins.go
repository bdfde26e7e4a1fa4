package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// PluginPathEnv is the environment variable gopjrt reads for the directories
// (":"-separated) that hold PJRT plugins. When it is set, only those
// directories are searched.
const PluginPathEnv = "PJRT_PLUGIN_LIBRARY_PATH"

// gopjrt's plugin installer and the plugin versions this module is built
// for; versions.env holds the same values (GOPJRT_INSTALLER,
// GOPJRT_INSTALLER_REF, PJRT_CPU_VERSION, PJRT_CUDA_PLUGIN, JAX_VERSION) and a
// test keeps them equal.
const (
	// InstallerModule is gopjrt's installer, a module of its own without
	// version tags: InstallerRef pins it to the commit of gopjrt v0.10.0.
	InstallerModule = "github.com/gomlx/gopjrt/cmd/gopjrt_installer"
	InstallerRef    = "b50d2b7d4e6946798a7711cbd660be9baf44b794"
	// CPUPluginVersion is the gopjrt release whose CPU PJRT is installed.
	CPUPluginVersion = "v0.10.0"
	// CUDAPlugin and CUDAPluginVersion pick the CUDA PJRT: JAX's
	// jax-cuda12-pjrt wheel of this JAX version, with NVIDIA's CUDA 12
	// libraries (NVIDIA driver 525 or newer; "cuda13" needs driver 580).
	CUDAPlugin        = "cuda12"
	CUDAPluginVersion = "0.8.1"
)

// InstallCommand is the shell command that installs the PJRT plugin for
// platform ("cpu" or "cuda") with gopjrt's installer into the user's
// ~/.local/lib/gomlx/pjrt, a directory gopjrt searches by default. The CPU
// plugin ("linux") needs glibc 2.41 or newer; "-plugin=amazonlinux" is the
// one for glibc 2.35 to 2.40.
func InstallCommand(platform string) string {
	plugin, version := "linux", CPUPluginVersion
	if platform == "cuda" {
		plugin, version = CUDAPlugin, CUDAPluginVersion
	}
	return fmt.Sprintf("go run %s@%s -plugin=%s -version=%s -path=$HOME/.local", InstallerModule, InstallerRef[:12], plugin, version)
}

// jaxPluginFile is how JAX's PJRT wheels (jax-cuda12-pjrt, jax-cuda13-pjrt)
// name their plugin, which gopjrt's search does not recognise: it looks for
// pjrt_c_api_<name>_plugin.so.
func jaxPluginFile(name string) string { return "xla_" + name + "_plugin.so" }

// searchDirs are the directories where gopjrt looks for plugins, and a
// phrase naming them for messages. explicit reports whether they come from
// PJRT_PLUGIN_LIBRARY_PATH.
func searchDirs() (dirs []string, phrase string, explicit bool) {
	if v, ok := os.LookupEnv(PluginPathEnv); ok {
		for _, d := range strings.Split(v, ":") {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		return dirs, fmt.Sprintf("%s (%s)", strings.Join(dirs, ":"), PluginPathEnv), true
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/gomlx/pjrt")
	return dirs, strings.Join(dirs, ", ") + " and the system library paths (" + PluginPathEnv + " is not set)", false
}

// findJAXPlugin looks for JAX's plugin file for name in dirs and in their
// subdirectories xla_<name>*/ (a site-packages/jax_plugins directory holds
// xla_cuda12/xla_cuda_plugin.so). It returns the first absolute path found.
func findJAXPlugin(name string, dirs []string) (string, bool) {
	file := jaxPluginFile(name)
	for _, d := range dirs {
		candidates := []string{filepath.Join(d, file)}
		if subs, err := filepath.Glob(filepath.Join(d, "xla_"+name+"*", file)); err == nil {
			slices.Sort(subs)
			candidates = append(candidates, subs...)
		}
		for _, c := range candidates {
			if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
				if abs, err := filepath.Abs(c); err == nil {
					return abs, true
				}
			}
		}
	}
	return "", false
}

// jaxCUDAEnv returns the environment settings that JAX's CUDA plugin needs
// when it is loaded from its wheel by gopjrt rather than by JAX: XLA_FLAGS
// pointing XLA at the CUDA tools (ptxas, libdevice) that NVIDIA's wheels put
// in site-packages/nvidia, and GOPJRT_CUDA_CHECKS=0, which stops gopjrt from
// warning that no nvidia/ directory sits next to the plugin (in a wheel it sits
// two levels up). Settings already present in env are kept.
func jaxCUDAEnv(pluginPath string, getenv func(string) string) map[string]string {
	set := map[string]string{}
	sitePackages := filepath.Dir(filepath.Dir(filepath.Dir(pluginPath))) // …/site-packages/jax_plugins/xla_cuda12/xla_cuda_plugin.so
	flags := getenv("XLA_FLAGS")
	if !strings.Contains(flags, "--xla_gpu_cuda_data_dir") {
		for _, sub := range []string{"cu13", "cuda_nvcc"} { // CUDA 13 wheels, CUDA 12 wheels
			dir := filepath.Join(sitePackages, "nvidia", sub)
			if info, err := os.Stat(dir); err == nil && info.IsDir() {
				set["XLA_FLAGS"] = strings.TrimSpace(flags + " --xla_gpu_cuda_data_dir=" + dir)
				break
			}
		}
	}
	if getenv("GOPJRT_CUDA_CHECKS") == "" {
		set["GOPJRT_CUDA_CHECKS"] = "0"
	}
	return set
}

// hasNVIDIADevice reports whether the machine shows an NVIDIA GPU to this
// process (gopjrt's own test: device files /dev/nvidia*).
func hasNVIDIADevice() bool {
	m, _ := filepath.Glob("/dev/nvidia[0-9]*")
	return len(m) > 0
}

// missingPluginError is the one error for "no PJRT plugin for this name": it
// names what was searched and what was found, and says how to install a
// plugin, how to point PJRT_PLUGIN_LIBRARY_PATH at an existing one, or how
// to run without one.
func missingPluginError(config, name string, available []string) error {
	_, searched, _ := searchDirs()
	platform := name
	if platform == "" {
		platform = "cpu"
	}
	var b strings.Builder
	if name == "" {
		fmt.Fprintf(&b, "backend %q: no PJRT plugin in %s", config, searched)
	} else {
		fmt.Fprintf(&b, "backend %q: no PJRT plugin %q in %s", config, name, searched)
	}
	if len(available) > 0 {
		fmt.Fprintf(&b, " (found: %s)", strings.Join(available, ", "))
	}
	if platform == "cuda" && !hasNVIDIADevice() {
		b.WriteString("; no NVIDIA GPU is visible here (no /dev/nvidia*: in Docker, run with --gpus all)")
	}
	fmt.Fprintf(&b, ". Install one with gopjrt's installer: %s (or -path=/usr/local as root", InstallCommand(platform))
	if platform == "cpu" {
		b.WriteString("; -plugin=amazonlinux where glibc is older than 2.41")
	}
	b.WriteString(")")
	fmt.Fprintf(&b, "; or set %s to a directory holding pjrt_c_api_%s_plugin.so", PluginPathEnv, platform)
	if platform == "cuda" {
		b.WriteString(", or holding JAX's xla_cuda_plugin.so from its jax-cuda12-pjrt or jax-cuda13-pjrt wheel (that directory is printed by: python3 -c 'import jax_plugins.xla_cuda12 as p, os; print(os.path.dirname(p.__file__))')")
	}
	b.WriteString("; or use the pure-Go backend (GOMLX_BACKEND=go, slower)")
	return &PluginError{msg: b.String()}
}

// PluginError reports a PJRT plugin that cannot be found or loaded; its
// message says what to install or set.
type PluginError struct{ msg string }

// Error returns the message.
func (e *PluginError) Error() string { return e.msg }

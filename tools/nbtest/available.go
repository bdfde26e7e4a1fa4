package nbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// installHint ends every error that installing the stack fixes.
const installHint = "run scripts/install.sh"

// Available reports whether notebooks can be executed with the GoNB kernel:
// jupyter and its nbconvert on PATH, the "gonb" kernel registered with
// Jupyter, and go, goimports and gopls on the PATH the kernel will run with.
// The error says what is missing and to run scripts/install.sh.
func Available() error {
	_, err := available(context.Background(), DefaultKernel, os.Environ())
	return err
}

// available checks the stack for kernel, as a process with env would see it,
// and returns the path of the jupyter program.
func available(ctx context.Context, kernel string, env []string) (jupyter string, err error) {
	path := getenv(env, "PATH")
	if jupyter, err = lookPath("jupyter", path); err != nil {
		return "", fmt.Errorf("jupyter is not installed (%v): %s", err, installHint)
	}
	if out, err := command(ctx, env, jupyter, "nbconvert", "--version").CombinedOutput(); err != nil {
		return "", fmt.Errorf("jupyter nbconvert does not run (%v: %s): %s", err, lastLines(out, 5), installHint)
	}
	out, err := command(ctx, env, jupyter, "kernelspec", "list", "--json").Output()
	if err != nil {
		return "", fmt.Errorf("jupyter kernelspec list: %w (is jupyter-client installed?): %s", err, installHint)
	}
	var list struct {
		Kernelspecs map[string]struct {
			Spec struct {
				Argv     []string          `json:"argv"`
				Language string            `json:"language"`
				Env      map[string]string `json:"env"`
			} `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return "", fmt.Errorf("parse jupyter kernelspec list --json: %w", err)
	}
	ks, ok := list.Kernelspecs[kernel]
	if !ok {
		return "", fmt.Errorf("jupyter has no kernel %q: %s", kernel, installHint)
	}
	if len(ks.Spec.Argv) == 0 {
		return "", fmt.Errorf("kernel %q has an empty argv in its kernel.json: %s", kernel, installHint)
	}
	kernelPath := path
	if p, ok := ks.Spec.Env["PATH"]; ok {
		kernelPath = expandEnv(p, env)
	}
	if _, err := lookPath(ks.Spec.Argv[0], kernelPath); err != nil {
		return "", fmt.Errorf("kernel %q: its program: %w: %s", kernel, err, installHint)
	}
	if ks.Spec.Language == "go" {
		for _, tool := range []string{"go", "goimports", "gopls"} {
			if _, err := lookPath(tool, kernelPath); err != nil {
				return "", fmt.Errorf("kernel %q needs %s on its PATH (kernel.json env, else the environment): %w: %s", kernel, tool, err, installHint)
			}
		}
	}
	return jupyter, nil
}

// command prepares a command that runs with env and is killed with ctx.
func command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	return cmd
}

// lookPath finds an executable named name in the directories of pathList, or
// checks name itself when it contains a slash.
func lookPath(name, pathList string) (string, error) {
	if strings.Contains(name, "/") {
		if isExecutable(name) {
			return name, nil
		}
		return "", fmt.Errorf("%s is not an executable file", name)
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH %q", name, pathList)
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// getenv returns the last value of name in env, as exec does.
func getenv(env []string, name string) string {
	value := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value = v
		}
	}
	return value
}

// expandEnv substitutes $NAME and ${NAME} in s from env, as Jupyter does for a
// kernel.json's env, leaving unknown names as they are.
func expandEnv(s string, env []string) string {
	return os.Expand(s, func(name string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
				return v
			}
		}
		return "${" + name + "}"
	})
}

// lastLines returns the last n lines of out, trimmed, for error messages.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

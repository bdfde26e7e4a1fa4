// Package docker holds the tests of the images' Dockerfiles and install
// scripts. No Docker engine runs on this project's machines and hadolint is not
// installable there, so these tests parse the Dockerfiles and check what a
// linter and a reviewer would: pinned bases from versions.env, every install
// step a script of docker/, a non-root user, the entry point, and one source of
// truth for versions.
package docker

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, …
	Args string
	Line int
}

// parseDockerfile splits a Dockerfile into instructions: comments and blank
// lines dropped, lines ending in a backslash joined with the next.
func parseDockerfile(path string) ([]instruction, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue // a comment or an empty line inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if rest, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{Cmd: strings.ToUpper(cmd), Args: strings.Join(strings.Fields(args), " "), Line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("%s: the last instruction (line %d) ends in a backslash", path, start)
	}
	return out, nil
}

// parseEnvFile reads versions.env: KEY=value lines, values optionally in
// double quotes, comments and blank lines; anything else is an error, so
// that the file stays readable by both bash and this parser.
func parseEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	line := regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=("[^"$\x60\\]*"|[^\s"'$\x60\\#]+)$`)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("%s:%d: %q is not KEY=value", path, n, text)
		}
		if _, dup := env[m[1]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is set twice", path, n, m[1])
		}
		env[m[1]] = strings.Trim(m[2], `"`)
	}
	return env, sc.Err()
}

func loadVersions(t *testing.T) map[string]string {
	t.Helper()
	env, err := parseEnvFile("../versions.env")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestParseDockerfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	text := "# syntax=docker/dockerfile:1\nARG A=1\nFROM x:${A}\n\nRUN a && \\\n  # inside\n  b\nenv X=1 \\\n    Y=2\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := parseDockerfile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []instruction{{"ARG", "A=1", 2}, {"FROM", "x:${A}", 3}, {"RUN", "a && b", 5}, {"ENV", "X=1 Y=2", 8}}
	if !slices.Equal(got, want) {
		t.Errorf("parseDockerfile:\n got %v\nwant %v", got, want)
	}
	if err := os.WriteFile(path, []byte("RUN a \\\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := parseDockerfile(path); err == nil {
		t.Error("a trailing backslash was accepted")
	}
}

func TestParseEnvFile(t *testing.T) {
	cases := []struct {
		text, wantErr string
		want          map[string]string
	}{
		{"# c\n\nA=1\nB=\"x y\"\n", "", map[string]string{"A": "1", "B": "x y"}},
		{"A=1 # comment\n", "is not KEY=value", nil},
		{"A=$(cmd)\n", "is not KEY=value", nil},
		{"export A=1\n", "is not KEY=value", nil},
		{"A=1\nA=2\n", "set twice", nil},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), "v.env")
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := parseEnvFile(path)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.text, err, tc.wantErr)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.text, got, err, tc.want)
		}
	}
}

// dockerfileSpec is what each image must do.
type dockerfileSpec struct {
	file    string
	baseArg string   // the ARG that names the base image
	steps   []string // the install scripts run, with their arguments, in order
	nvidia  bool     // sets the NVIDIA container runtime's variables
}

var dockerfiles = []dockerfileSpec{
	{"Dockerfile.cuda", "CUDA_BASE_IMAGE",
		[]string{"install-base.sh --clean-apt", "install-user.sh", "install-pjrt.sh cpu", "install-pjrt.sh cuda", "install-gonb.sh", "install-repo.sh --owner ${NB_UID}:${NB_GID}"}, true},
	{"Dockerfile.cpu", "CPU_BASE_IMAGE",
		[]string{"install-base.sh --clean-apt", "install-user.sh", "install-pjrt.sh cpu", "install-gonb.sh", "install-repo.sh --owner ${NB_UID}:${NB_GID}"}, false},
}

// scriptRun is the only form a RUN may take: the repository's install
// scripts, as copied into the image, chained with &&.
var scriptRun = regexp.MustCompile(`^bash /opt/gpt2taps/docker/([a-z-]+\.sh)((?: [^ &]+)*)$`)

func TestDockerfiles(t *testing.T) {
	versions := loadVersions(t)
	for _, spec := range dockerfiles {
		t.Run(spec.file, func(t *testing.T) {
			ins, err := parseDockerfile(spec.file)
			if err != nil {
				t.Fatal(err)
			}
			args := map[string]string{} // ARG defaults
			var steps []string
			var from, user, entry string
			var env, copies []string
			exposed := false
			for i, in := range ins {
				where := fmt.Sprintf("%s:%d: %s", spec.file, in.Line, in.Cmd)
				switch in.Cmd {
				case "ARG":
					name, def, _ := strings.Cut(in.Args, "=")
					args[name] = def
				case "FROM":
					if from != "" {
						t.Errorf("%s: a second FROM; the images are one stage", where)
					}
					if slices.ContainsFunc(ins[:i], func(p instruction) bool { return p.Cmd != "ARG" }) {
						t.Errorf("%s: only ARG may come before FROM", where)
					}
					from = in.Args
				case "RUN":
					for _, part := range strings.Split(in.Args, " && ") {
						m := scriptRun.FindStringSubmatch(part)
						if m == nil {
							t.Errorf("%s %q: install steps must be docker/ scripts (bash /opt/gpt2taps/docker/NAME.sh ARGS), which CI runs on Debian", where, part)
							continue
						}
						steps = append(steps, m[1]+m[2])
						if !slices.ContainsFunc(copies, func(c string) bool { return strings.HasPrefix(c, "versions.env ") }) ||
							!slices.ContainsFunc(copies, func(c string) bool { return strings.HasPrefix(c, "docker/ ") }) {
							t.Errorf("%s: runs %s before versions.env and docker/ are copied into the image", where, m[1])
						}
					}
				case "COPY":
					copies = append(copies, in.Args)
				case "ADD":
					t.Errorf("%s: use COPY (hadolint DL3020)", where)
				case "USER":
					user = in.Args
				case "ENV":
					env = append(env, strings.Fields(in.Args)...)
				case "EXPOSE":
					exposed = exposed || in.Args == "8888"
				case "WORKDIR":
					if !strings.HasPrefix(in.Args, "/") {
						t.Errorf("%s: WORKDIR %q is not absolute (hadolint DL3000)", where, in.Args)
					}
				case "ENTRYPOINT", "CMD":
					if !strings.HasPrefix(in.Args, "[") {
						t.Errorf("%s: use the JSON form, so that signals reach the server (hadolint DL3025)", where)
					}
					if in.Cmd == "ENTRYPOINT" {
						entry = in.Args
					}
				case "SHELL":
					if !strings.Contains(in.Args, `"pipefail"`) {
						t.Errorf("%s: set -o pipefail (hadolint DL4006)", where)
					}
				}
			}

			// The base image: an ARG whose default is versions.env's, pinned to a tag.
			if from != "${"+spec.baseArg+"}" {
				t.Errorf("FROM %q, want FROM ${%s}", from, spec.baseArg)
			}
			base := args[spec.baseArg]
			if base != versions[spec.baseArg] {
				t.Errorf("ARG %s=%q, versions.env has %q: make them equal", spec.baseArg, base, versions[spec.baseArg])
			}
			if name, tag, ok := strings.Cut(base, ":"); !ok || tag == "" || tag == "latest" || name == "" {
				t.Errorf("base image %q is not pinned to a tag (hadolint DL3006, DL3007)", base)
			}
			for _, k := range []string{"NB_USER", "NB_UID", "NB_GID"} {
				if args[k] != versions[k] {
					t.Errorf("ARG %s=%q, versions.env has %q", k, args[k], versions[k])
				}
			}

			if !slices.Equal(steps, spec.steps) {
				t.Errorf("install steps\n %q\nwant\n %q", steps, spec.steps)
			}
			for _, s := range steps {
				checkScript(t, strings.Fields(s)[0])
			}

			if user != "${NB_UID}:${NB_GID}" {
				t.Errorf("the last USER is %q, want the notebook user ${NB_UID}:${NB_GID} (non-root, hadolint DL3002)", user)
			}
			if !exposed {
				t.Error("no EXPOSE 8888")
			}
			if !strings.Contains(entry, `"tini"`) || !strings.Contains(entry, `"/opt/gpt2taps/docker/start-notebook.sh"`) {
				t.Errorf("ENTRYPOINT %s: want tini running /opt/gpt2taps/docker/start-notebook.sh", entry)
			}
			checkScript(t, "start-notebook.sh")
			for _, want := range []string{"GPT2TAPS_DIR=/opt/gpt2taps", "HF_HOME=/home/${NB_USER}/.cache/huggingface", "GOTOOLCHAIN=local", "GOEXPERIMENT=simd"} {
				if !slices.Contains(env, want) {
					t.Errorf("ENV lacks %s", want)
				}
			}
			hasNVIDIA := slices.Contains(env, "NVIDIA_VISIBLE_DEVICES=all") && slices.Contains(env, "NVIDIA_DRIVER_CAPABILITIES=compute,utility")
			if hasNVIDIA != spec.nvidia {
				t.Errorf("NVIDIA_VISIBLE_DEVICES=all and NVIDIA_DRIVER_CAPABILITIES=compute,utility set: %v, want %v", hasNVIDIA, spec.nvidia)
			}
			ignore, err := os.ReadFile(spec.file + ".dockerignore")
			if err != nil {
				t.Fatalf("%v (BuildKit reads <Dockerfile>.dockerignore)", err)
			}
			for _, want := range []string{".git", "bin/"} {
				if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
					t.Errorf("%s.dockerignore does not leave out %s", spec.file, want)
				}
			}
		})
	}
}

// checkScript checks a docker/ script: executable, bash, strict mode, reads
// versions.env through lib.sh (except the entry point), and parses (bash -n).
func checkScript(t *testing.T, name string) {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Errorf("script %s: %v", name, err)
		return
	}
	if info.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable", name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, "#!/usr/bin/env bash\n") || !strings.Contains(text, "\nset -euo pipefail\n") {
		t.Errorf("%s: want #!/usr/bin/env bash and set -euo pipefail", name)
	}
	if name != "start-notebook.sh" && !strings.Contains(text, `. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`) {
		t.Errorf("%s does not load versions.env through lib.sh", name)
	}
	if out, err := exec.Command("bash", "-n", name).CombinedOutput(); err != nil {
		t.Errorf("bash -n %s: %v\n%s", name, err, out)
	}
}

// TestVersionsAgree: versions.env says what go.mod, tools/gonb/go.mod and
// pkg/backend's installer pins say.
func TestVersionsAgree(t *testing.T) {
	v := loadVersions(t)
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	toolsmod, err := os.ReadFile("../tools/gonb/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	backendSrc, err := os.ReadFile("../pkg/backend/plugins.go")
	if err != nil {
		t.Fatal(err)
	}
	goDirective := regexp.MustCompile(`(?m)^go (\S+)$`)
	require := func(mod []byte, path string) string {
		m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(path) + ` (v\S+)`).FindSubmatch(mod)
		if m == nil {
			return "(not required)"
		}
		return string(m[1])
	}
	constant := func(name string) string {
		m := regexp.MustCompile(`(?m)^\s*` + name + `\s*=\s*"([^"]*)"`).FindSubmatch(backendSrc)
		if m == nil {
			return "(no constant)"
		}
		return string(m[1])
	}
	cases := []struct{ key, where, got string }{
		{"GO_VERSION", "go.mod's go directive", string(goDirective.FindSubmatch(gomod)[1])},
		{"GO_VERSION", "tools/gonb/go.mod's go directive", string(goDirective.FindSubmatch(toolsmod)[1])},
		{"GONB_VERSION", "tools/gonb/go.mod", require(toolsmod, "github.com/janpfeifer/gonb")},
		{"GOIMPORTS_VERSION", "tools/gonb/go.mod (golang.org/x/tools)", require(toolsmod, "golang.org/x/tools")},
		{"GOPLS_VERSION", "tools/gonb/go.mod", require(toolsmod, "golang.org/x/tools/gopls")},
		{"GOMLX_VERSION", "go.mod", require(gomod, "github.com/gomlx/gomlx")},
		{"GOPJRT_VERSION", "go.mod", require(gomod, "github.com/gomlx/gopjrt")},
		{"GOPJRT_INSTALLER", "pkg/backend InstallerModule", constant("InstallerModule")},
		{"GOPJRT_INSTALLER_REF", "pkg/backend InstallerRef", constant("InstallerRef")},
		{"PJRT_CPU_VERSION", "pkg/backend CPUPluginVersion", constant("CPUPluginVersion")},
		{"PJRT_CUDA_PLUGIN", "pkg/backend CUDAPlugin", constant("CUDAPlugin")},
		{"JAX_VERSION", "pkg/backend CUDAPluginVersion", constant("CUDAPluginVersion")},
	}
	for _, tc := range cases {
		if v[tc.key] != tc.got {
			t.Errorf("versions.env %s=%q, but %s has %q: make them agree", tc.key, v[tc.key], tc.where, tc.got)
		}
	}
}

// TestNoVersionsElsewhere: the scripts and Dockerfiles name no version that
// versions.env holds (the Dockerfiles' ARG defaults aside, which
// TestDockerfiles compares with it), so that versions.env stays the one
// place to change them.
func TestNoVersionsElsewhere(t *testing.T) {
	v := loadVersions(t)
	files, err := filepath.Glob("*.sh")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "Dockerfile.cuda", "Dockerfile.cpu", "../scripts/gpu-check.sh", "../scripts/build-variants.sh", "../scripts/check-images.sh")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "ARG ") {
				continue
			}
			for key, val := range v {
				if !strings.HasSuffix(key, "_VERSION") && !strings.HasSuffix(key, "_REF") && !strings.HasSuffix(key, "_IMAGE") {
					continue
				}
				if strings.Contains(line, val) {
					t.Errorf("%s:%d names %s's value %s: use $%s from versions.env", f, n+1, key, val, key)
				}
			}
		}
	}
}

// TestREADME: the documented docker run lines have what the issue asks for.
func TestREADME(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var runs []string
	for _, block := range regexp.MustCompile("(?s)```(?:sh|bash)?\n(.*?)```").FindAllStringSubmatch(text, -1) {
		cmd := strings.ReplaceAll(block[1], "\\\n", " ")
		for _, line := range strings.Split(cmd, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "docker run ") {
				runs = append(runs, strings.Join(strings.Fields(line), " "))
			}
		}
	}
	need := []struct{ what, pattern string }{
		{"the CUDA image with --gpus all", `--gpus all .*gpt2taps:cuda`},
		{"the CPU image", `gpt2taps:cpu`},
		{"the port", `-p 8888:8888`},
		{"a volume for the Hugging Face cache", `-v \S+:/home/jovyan/\.cache/huggingface`},
		{"the non-root user", `--user 1000:100`},
	}
	for _, n := range need {
		re := regexp.MustCompile(n.pattern)
		if !slices.ContainsFunc(runs, re.MatchString) {
			t.Errorf("README.md has no docker run line with %s (%s); its docker run lines: %q", n.what, n.pattern, runs)
		}
	}
	for _, want := range []string{"bash docker/build.sh cuda", "bash docker/build.sh cpu", "JupyterHub", "jupyterhub-singleuser"} {
		if !strings.Contains(text, want) {
			t.Errorf("README.md does not mention %q", want)
		}
	}
}

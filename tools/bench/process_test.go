package bench

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func TestLastLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"nothing", nil, ""},
		{"one line", []string{"hello\n"}, "hello"},
		{"split writes", []string{"first\nsec", "ond\n\n  \n"}, "second"},
		{"unterminated last", []string{"a\nb"}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l lastLine
			for _, w := range tc.writes {
				l.Write([]byte(w))
			}
			if got := l.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("these tests need sh: %v", err)
	}
	var out, log bytes.Buffer
	p, err := runProcess(context.Background(), []string{sh, "-c", `echo "$BENCH_X"; echo progress >&2`}, []string{"BENCH_X=42"}, &out, &log)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "42\n" || log.String() != "progress\n" {
		t.Errorf("stdout %q, stderr %q; want the environment variable and the progress line", out.String(), log.String())
	}
	if p.wall <= 0 {
		t.Errorf("wall time %v", p.wall)
	}
	if runtime.GOOS == "linux" && p.peakRSS <= 0 {
		t.Errorf("peak RSS %d, want the child's maxrss", p.peakRSS)
	}

	log.Reset()
	_, err = runProcess(context.Background(), []string{sh, "-c", "echo detail >&2; echo the real problem >&2; exit 3"}, nil, &out, &log)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "the real problem") {
		t.Errorf("error %v, want the exit status and the last line of standard error", err)
	}
}

package lesson_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

var explorerData = regexp.MustCompile(`\nexplore\("g2tx-[0-9a-f]{16}", (\{.*?\})\);\n\}\)\(\);</script></div>`)

// TestWriteExplorer: explorer.html holds part 1 and part 2 of this
// analysis, with its token ids, and the numbers it prints are the
// analysis's to the printed precision.
func TestWriteExplorer(t *testing.T) {
	ckpt := checkpoint(t, 3)
	tp, a := analyze(t, ckpt, text+"\n\n  The end.", taps.Cache{Dir: t.TempDir()})
	path := filepath.Join(t.TempDir(), lesson.ExplorerFile)
	if err := a.WriteExplorer(path); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	found := explorerData.FindAllSubmatch(page, -1)
	if len(found) != 2 {
		t.Fatalf("explorer.html holds %d explorers, want 2 (part 1 and part 2)", len(found))
	}
	for i, kind := range []string{"cosine", "steps"} {
		var d struct {
			Kind  string `json:"kind"`
			Title string `json:"title"`
			IDs   []int  `json:"ids"`
			L     int    `json:"L"`
		}
		if err := json.Unmarshal(found[i][1], &d); err != nil {
			t.Fatalf("explorer %d: %v", i, err)
		}
		if d.Kind != kind || d.L != tp.Config.NLayer || fmt.Sprint(d.IDs) != fmt.Sprint(tp.IDs) || !strings.Contains(d.Title, ckpt) {
			t.Errorf("explorer %d: kind %q, %d layers, ids %v, title %q; want %s, %d layers, the taps' ids %v, the model in the title",
				i, d.Kind, d.L, d.IDs, d.Title, kind, tp.Config.NLayer, tp.IDs)
		}
	}
	if !strings.Contains(string(page), "↵↵") || !strings.Contains(string(page), "␣") {
		t.Error("the newline and whitespace tokens are not shown visibly (↵, ␣)")
	}

	cos, err := a.CosineExplorer()
	if err != nil {
		t.Fatal(err)
	}
	steps, err := a.StepExplorer()
	if err != nil {
		t.Fatal(err)
	}
	L, T := tp.Config.NLayer, len(tp.IDs)
	for l := range L {
		for tok := range T {
			got, _ := cos.ValueText("cos", l, tok)
			if want := fixed4(a.Cosine.At(l, tok)); got != want {
				t.Errorf("cosine at layer %d, token %d: the explorer prints %s, the analysis has %v", l, tok, got, a.Cosine.At(l, tok))
			}
			got, _ = steps.ValueText("hidden", l, tok)
			v, err := strconv.ParseFloat(got, 64)
			if w := a.Steps.Hidden.At(l, tok); err != nil || math.Abs(v-w) > 5e-4*math.Abs(w) {
				t.Errorf("hidden-state step at layer %d, token %d: the explorer prints %s, the analysis has %v", l, tok, got, w)
			}
		}
		mean, std, _ := cos.MeanText("cos", l)
		if mean != fixed4(a.CosStats.Mean[l]) || std != fixed4(a.CosStats.Std[l]) {
			t.Errorf("layer %d: the explorer prints mean %s ± %s, the analysis has %v ± %v", l, mean, std, a.CosStats.Mean[l], a.CosStats.Std[l])
		}
	}
	if v, _ := steps.ValueText("attn", 0, 0); v != "NaN" {
		t.Errorf("attention step at layer 0: %s, want NaN (no layer −1)", v)
	}
}

// fixed4 prints v with 4 decimals, as printf does, but 0.0000 for a value
// that rounds to zero from below.
func fixed4(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if s == "-0.0000" {
		return "0.0000"
	}
	return s
}

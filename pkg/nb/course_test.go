package nb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpt2taps/gpt2taps/internal/env"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb/internal/cell"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

func TestSentencesFileReplacesTheList(t *testing.T) {
	_, errs, status := capture(t)
	file := filepath.Join(t.TempDir(), "s.txt")
	if err := os.WriteFile(file, []byte("She saw her.\r\nHe met her there.\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(env.SentencesFile, "")
	if got := Sentences([]string{"a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("without the variable: %q", got)
	}
	t.Setenv(env.SentencesFile, file)
	if got := Sentences([]string{"a"}); !slices.Equal(got, []string{"She saw her.", "He met her there."}) || errs.Len() != 0 {
		t.Errorf("Sentences = %q, notes %q; want the file's two lines, quietly", got, errs.String())
	}
	cell.Sentences(nil, true)
	if !strings.Contains(errs.String(), "the 2 sentences come from "+env.SentencesFile+"="+file) {
		t.Errorf("note %q", errs.String())
	}
	if err := os.WriteFile(file, []byte("One.\n\nTwo.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errs.Reset()
	if code := status(func() { Sentences(nil) }); code != 1 || !strings.Contains(errs.String(), "line 2 is blank") || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("a blank line: exit %d, stderr %q", code, errs.String())
	}
}

func TestModelNamesFromTheEnvironment(t *testing.T) {
	_, errs, _ := capture(t)
	list := []string{"gpt2", "gpt2-xl"}
	t.Setenv(env.Models, "")
	t.Setenv(env.Model, "")
	if got := ModelNames(list); !slices.Equal(got, list) {
		t.Errorf("no variable: %q", got)
	}
	t.Setenv(env.Model, "/m/one")
	if got := cell.ModelNames(list, true); !slices.Equal(got, []string{"/m/one"}) || !strings.Contains(errs.String(), "the only model is /m/one") {
		t.Errorf("GPT2TAPS_MODEL: %q, note %q", got, errs.String())
	}
	t.Setenv(env.Models, " /m/a, /m/b ,")
	if got := ModelNames(list); !slices.Equal(got, []string{"/m/a", "/m/b"}) {
		t.Errorf("GPT2TAPS_MODELS wins: %q", got)
	}
}

func TestVersionsSwapTheWord(t *testing.T) {
	_, errs, status := capture(t)
	t.Setenv(env.SentencesFile, "")
	vs := Versions([]string{"She gave her a book.", "They saw her."}, course.Words())
	if len(vs) != 3 || vs[0].Word != " her" || vs[1].Sentences[0] != "She gave him a book." || vs[2].Sentences[1] != "They saw round." {
		t.Errorf("versions %+v", vs)
	}
	runs := SplitVersions(vs, []*taps.Result{{}, {}, {}, {}, {}, {}})
	if len(runs) != 3 || runs[2].Word != " round" || len(runs[2].Results) != 2 {
		t.Errorf("SplitVersions %+v", runs)
	}
	if code := status(func() { Versions([]string{"No pronoun here."}, course.Words()) }); code != 1 || !strings.Contains(errs.String(), "sentence 0") {
		t.Errorf("a sentence without the word: exit %d, stderr %q", code, errs.String())
	}
}

func TestFigureNamedAndMatrixOf(t *testing.T) {
	if _, err := FigureNamed([]course.Figure{{Name: "a"}}, "b"); err == nil || !strings.Contains(err.Error(), "the lesson draws a") {
		t.Errorf("a missing figure: %v", err)
	}
	m := MatrixOf([]course.Series{{1, 2}, {3, 4}})
	if m.Rows != 2 || m.Cols != 2 || m.At(1, 0) != 3 {
		t.Errorf("MatrixOf = %+v", m)
	}
}

// TestBatchComesFromTheCache: Batch finds what model.RunBatchCached (nbmodel.RunBatch) put in the tap cache, one
// entry per sentence, and stops the cell with one line naming the run cell when a sentence is missing.
func TestBatchComesFromTheCache(t *testing.T) {
	_, errs, status := capture(t)
	ckpt := testckpt.Write(t, 2, 16, 2, 4)
	t.Setenv(env.Cache, t.TempDir())
	t.Setenv(env.Model, "")
	t.Setenv(env.SentencesFile, "")
	sentences := []string{"She gave her a book.", "They saw her at noon."}
	if code := status(func() { Batch(ckpt, sentences, course.HiddenRequest()) }); code != 1 || !strings.Contains(errs.String(), RunCell) {
		t.Fatalf("before the run: exit %d, stderr %q", code, errs.String())
	}
	ins := []gpt2.Input{gpt2.Text(sentences[0]), gpt2.Text(sentences[1])}
	computed, err := model.RunBatchCached(context.Background(), model.Source{Model: ckpt, Backend: "go"}, ins, course.HiddenRequest(), taps.Cache{})
	if err != nil {
		t.Fatal(err)
	}
	errs.Reset()
	var got []*taps.Result
	if code := status(func() { got = Batch(ckpt, sentences, course.HiddenRequest()) }); code != -1 {
		t.Fatalf("after the run: exit %d, stderr %q", code, errs.String())
	}
	for i := range got {
		if got[i].Info.Computed || !slices.Equal(got[i].Stacks[gpt2.HiddenState].Data, computed[i].Stacks[gpt2.HiddenState].Data) {
			t.Errorf("sentence %d: not the cached taps", i)
		}
	}
	if s := BatchSummary(got); !strings.Contains(s, "2 sentences") || !strings.Contains(s, "0 computed, 2 loaded from the tap cache") {
		t.Errorf("BatchSummary = %q", s)
	}
	errs.Reset()
	if code := status(func() { Batch(ckpt, append(sentences, "A new one with her."), course.HiddenRequest()) }); code != 1 ||
		!strings.Contains(errs.String(), "sentence 2 of 3") || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("a new sentence: exit %d, stderr %q", code, errs.String())
	}
}

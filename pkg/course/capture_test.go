package course

import (
	"testing"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/lesson"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
	"github.com/gpt2taps/gpt2taps/tools/testckpt"
)

// openSmall loads a small random checkpoint on the pure-Go backend.
func openSmall(t *testing.T, layers int, seed int64) *model.Model {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(testckpt.Write(t, layers, 32, 4, seed), b.Backend)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); b.Backend.Finalize() })
	return m
}

func batch(t *testing.T, m *model.Model, sentences []string) []*taps.Result {
	t.Helper()
	ins := make([]gpt2.Input, len(sentences))
	for i, s := range sentences {
		ins[i] = gpt2.Text(s)
	}
	res, err := m.RunBatch(ins, HiddenRequest())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLessonsOnCaptures: lessons 1, 2 and 4 on the course's sentences and
// lesson 3 on the Nietzsche text, captured from small generated checkpoints
// through model.RunBatch and model.Run, each against the independent
// computation.
func TestLessonsOnCaptures(t *testing.T) {
	m := openSmall(t, 3, 31)
	results := batch(t, m, Sentences())
	rot, err := Rotations(results, Target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRotations(t, results, rot)
	figs, err := rot.Figures()
	drawAll(t, "capture-", figs, err)

	nb, err := Neighbours(results, Target, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkNeighbours(t, results, nb)
	figs, err = nb.Figures()
	drawAll(t, "capture-", figs, err)

	var words []WordRuns
	for _, v := range Versions() {
		words = append(words, WordRuns{Word: v.Word, Results: batch(t, m, v.Sentences)})
	}
	tr, err := Trajectories(words)
	if err != nil {
		t.Fatal(err)
	}
	checkTrajectories(t, words, tr)
	figs, err = tr.Figures()
	drawAll(t, "capture-", figs, err)

	var runs []ModelRun
	for i, layers := range []int{2, 4} {
		pm := openSmall(t, layers, int64(40+i))
		res, err := pm.Run(gpt2.Text(lesson.NietzscheText), PathRequest(layers))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, ModelRun{Model: []string{"random-2", "random-4"}[i], Result: res})
	}
	paths, err := Paths(runs)
	if err != nil {
		t.Fatal(err)
	}
	for i, run := range runs {
		checkPaths(t, run.Result, paths.Models[i])
	}
	figs, err = paths.Figures()
	drawAll(t, "capture-", figs, err)
}

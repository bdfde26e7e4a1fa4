package nbmodel

import (
	"context"
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/course"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/model"
	"github.com/gpt2taps/gpt2taps/pkg/nb"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// The run cells of the course notebooks (04–07): many sentences, or many
// models, through the tap cache, where the notebook's other cells find them
// (nb.Batch, nb.VersionRuns, nbrun.Paths).

// RunBatch runs the model name ($GPT2TAPS_MODEL replaces it) on every
// sentence ($GPT2TAPS_SENTENCES_FILE replaces them) and returns what req
// asks for, one result per sentence: model.RunBatchCached, so the sentences
// not yet in the tap cache run as one batch padded to one length (one
// compiled graph), and the others are read back. Each result's Info says
// which (nb.BatchSummary counts them).
func RunBatch(name string, sentences []string, req taps.Request) []*taps.Result {
	return runBatch(nb.ModelName(name), nb.Sentences(sentences), req)
}

func runBatch(name string, sentences []string, req taps.Request) []*taps.Result {
	ins := make([]gpt2.Input, len(sentences))
	for i, s := range sentences {
		ins[i] = gpt2.Text(s)
	}
	src := model.Source{Model: name, Log: stderr}
	return nb.Must(model.RunBatchCached(context.Background(), src, ins, req, taps.Cache{Log: stderr}))
}

// RunVersions runs the model name on every version of the sentences
// (nb.Versions: words[0], which each sentence holds, replaced by each word)
// as one batch, and returns the hidden states (course.HiddenRequest) as
// lesson 4 takes them, one course.WordRuns per word.
func RunVersions(name string, sentences, words []string) []course.WordRuns {
	vs := nb.Versions(sentences, words)
	var all []string
	for _, v := range vs {
		all = append(all, v.Sentences...)
	}
	return nb.SplitVersions(vs, runBatch(nb.ModelName(name), all, course.HiddenRequest()))
}

// RunPaths runs every model of names (nb.ModelNames: $GPT2TAPS_MODELS, else
// $GPT2TAPS_MODEL, replaces the list) on the text ($GPT2TAPS_TEXT_FILE
// replaces it) with lesson 3's request for its depth (course.PathRequest),
// one model at a time through the tap cache, and prints one line per model
// saying what ran.
func RunPaths(names []string, text string) []course.ModelRun {
	ctx := context.Background()
	var runs []course.ModelRun
	for _, name := range nb.ModelNames(names) {
		dir := nb.Must(checkpoints.Resolve(ctx, name, checkpoints.Options{Progress: stderr}))
		cfg := nb.Must(gpt2.LoadConfig(dir))
		src := model.Source{Model: name, Log: stderr}
		res := nb.Must(model.RunCached(ctx, src, gpt2.Text(nb.Text(text)), course.PathRequest(cfg.NLayer), taps.Cache{Log: stderr}))
		fmt.Fprintf(stdout, "%s (%d blocks, %d tokens): %s\n", name, cfg.NLayer, len(res.IDs), res.Info)
		runs = append(runs, course.ModelRun{Model: name, Result: res})
	}
	return runs
}

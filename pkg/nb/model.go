package nb

import (
	"context"
	"fmt"
	"html"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/gpt2taps/gpt2taps/pkg/checkpoints"
	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
	"github.com/gpt2taps/gpt2taps/pkg/taps"
)

// Checkpoint is a model found on disk (in the Hugging Face cache, downloaded
// there if missing, or a directory) with its configuration read. Its weights
// are not loaded: the cell that runs GPT-2 (Run) has the model server load
// them, and only when its taps are not in the tap cache.
type Checkpoint struct {
	Name   string      // the Hub id or directory asked for
	Dir    string      // the checkpoint directory
	Config gpt2.Config // its config.json
}

// Find finds the checkpoint of the model name ($GPT2TAPS_MODEL replaces it,
// with a note), downloading it into the Hugging Face cache if needed, and
// reads its configuration. It loads no weights.
func Find(name string) *Checkpoint {
	name = modelName(name, true)
	dir := Must(checkpoints.Resolve(context.Background(), name, checkpoints.Options{Progress: stderr}))
	return &Checkpoint{Name: name, Dir: dir, Config: Must(gpt2.LoadConfig(dir))}
}

// String describes the checkpoint in a few lines, with the backend that will
// run it as far as it is known without starting one (that is the run cell's
// job, and its output, taps.Info, says what ran).
func (c *Checkpoint) String() string {
	cfg := c.Config
	var b strings.Builder
	fmt.Fprintf(&b, "model:   %s — %d blocks, width %d, %d heads, %.0f M parameters, at most %d tokens\n",
		c.Name, cfg.NLayer, cfg.NEmbd, cfg.NHead, float64(cfg.NumParams())/1e6, cfg.NPositions)
	fmt.Fprintf(&b, "files:   %s\n", c.Dir)
	b.WriteString("backend: " + plannedBackend())
	return b.String()
}

// backendEnv is the variable GoMLX reads for its backend (GoMLX's
// backends.ConfigEnvVar: this package does not link GoMLX).
const backendEnv = "GOMLX_BACKEND"

// plannedBackend says which backend the run cell will start, from what is
// known without starting one: GOMLX_BACKEND when set, else the automatic
// choice of package backend.
func plannedBackend() string {
	if b := os.Getenv(backendEnv); b != "" && b != "auto" {
		return fmt.Sprintf("%s (%s=%s); started only if the taps are not in the tap cache — the run cell says what ran", b, backendEnv, b)
	}
	return "automatic: XLA (CUDA, else CPU) when a PJRT plugin is found, else pure Go (go); started only if the taps are " +
		"not in the tap cache — the run cell says what ran"
}

// Tokens tokenizes the text ($GPT2TAPS_TEXT_FILE replaces it, with a note)
// with GPT-2's byte-level BPE and checks it fits the model.
func (c *Checkpoint) Tokens(s string) gpt2.Encoding {
	return Must(taps.Text(text(s, true)).Encode(c.Config))
}

// ShowTokens shows the tokens as a table, ten per row, each with its id;
// spaces and newlines are made visible (see gpt2.TokenLabel).
func ShowTokens(enc gpt2.Encoding) {
	const perRow = 10
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%d tokens</p>", len(enc.IDs))
	b.WriteString(`<table style="font-family:monospace;font-size:90%"><tr><th>#</th>`)
	for j := range perRow {
		fmt.Fprintf(&b, "<th>+%d</th>", j)
	}
	b.WriteString("</tr>")
	for i := 0; i < len(enc.IDs); i += perRow {
		fmt.Fprintf(&b, "<tr><th>%d</th>", i)
		for j := i; j < min(i+perRow, len(enc.IDs)); j++ {
			fmt.Fprintf(&b, "<td>%s<br><sub>%d</sub></td>", html.EscapeString(gpt2.TokenLabel(enc.Tokens[j])), enc.IDs[j])
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	showHTML(b.String())
}

// showHTML shows an HTML fragment in the cell's output, or prints a note
// outside GoNB.
func showHTML(s string) {
	if !gonbui.IsNotebook {
		fmt.Fprintln(stderr, "note: not in a GoNB notebook: the HTML output is not shown")
		return
	}
	gonbui.DisplayHTML(s)
	gonbui.Sync() // the cell's program may exit right after this call
	Check(gonbui.Error())
}

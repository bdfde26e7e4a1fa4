package nbtest

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Output kinds, as nbformat names them in an output's "output_type".
const (
	KindStream        = "stream"
	KindDisplayData   = "display_data"
	KindExecuteResult = "execute_result"
	KindError         = "error"
)

// Result is an executed notebook, as read back from the file nbconvert wrote.
type Result struct {
	// Path is the executed notebook's file.
	Path string
	// Cells are the notebook's cells, in order.
	Cells []Cell
}

// Cell is one cell of a notebook and, for a code cell, what it output.
type Cell struct {
	// Index is the cell's position in the notebook, counting every cell from 0.
	Index int
	// ID is the cell's id (nbformat 4.5) and Tags its metadata tags: the
	// stable names tests find cells by, whatever their source says.
	ID   string
	Tags []string
	// Hidden is whether the cell's source is collapsed in Jupyter (metadata
	// jupyter.source_hidden).
	Hidden bool
	// Type is "code", "markdown" or "raw".
	Type string
	// Source is the cell's text.
	Source string
	// ExecutionCount is the number shown as In [N] (0 when the cell did not run).
	ExecutionCount int
	// Outputs are the cell's outputs, in the order the kernel sent them.
	Outputs []Output
	// Start and End are when the kernel started executing the cell and when it
	// replied, from the timing metadata nbconvert records (zero when absent).
	// GoNB stamps its messages in whole seconds.
	Start, End time.Time
}

// Output is one output of a code cell.
type Output struct {
	// Kind is the nbformat output type: KindStream, KindDisplayData,
	// KindExecuteResult or KindError.
	Kind string
	// Name is the stream's name ("stdout" or "stderr") for a stream output,
	// and the error's name (ename) for an error output.
	Name string
	// Text is the stream's text, or the error's value (evalue) for an error output.
	Text string
	// MIME maps each MIME type of a display_data or execute_result output to its
	// data: the text itself for text types, base64 for binary images, and the
	// JSON text for JSON types.
	MIME map[string]string
}

// Read parses the notebook file at path, typically one that Execute wrote.
func Read(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	var nb struct {
		Cells []struct {
			CellType       string          `json:"cell_type"`
			ID             string          `json:"id"`
			Source         json.RawMessage `json:"source"`
			ExecutionCount *int            `json:"execution_count"`
			Metadata       struct {
				Execution map[string]string `json:"execution"`
				Tags      []string          `json:"tags"`
				Jupyter   struct {
					SourceHidden bool `json:"source_hidden"`
				} `json:"jupyter"`
			} `json:"metadata"`
			Outputs []struct {
				OutputType string                     `json:"output_type"`
				Name       string                     `json:"name"`
				Text       json.RawMessage            `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
				EName      string                     `json:"ename"`
				EValue     string                     `json:"evalue"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, fmt.Errorf("parse notebook %s: %w (is it an nbformat 4 .ipynb file?)", path, err)
	}
	r := &Result{Path: path, Cells: make([]Cell, len(nb.Cells))}
	for i, c := range nb.Cells {
		cell := Cell{Index: i, ID: c.ID, Tags: c.Metadata.Tags, Hidden: c.Metadata.Jupyter.SourceHidden, Type: c.CellType, Source: multiline(c.Source)}
		if c.ExecutionCount != nil {
			cell.ExecutionCount = *c.ExecutionCount
		}
		cell.Start = timestamp(c.Metadata.Execution["iopub.execute_input"])
		cell.End = timestamp(c.Metadata.Execution["shell.execute_reply"])
		for _, o := range c.Outputs {
			out := Output{Kind: o.OutputType, Name: o.Name, Text: multiline(o.Text)}
			if o.OutputType == KindError {
				out.Name, out.Text = o.EName, o.EValue
			}
			if len(o.Data) > 0 {
				out.MIME = make(map[string]string, len(o.Data))
				for mime, raw := range o.Data {
					out.MIME[mime] = multiline(raw)
				}
			}
			cell.Outputs = append(cell.Outputs, out)
		}
		r.Cells[i] = cell
	}
	return r, nil
}

// multiline decodes nbformat's "multiline string": a string or a list of
// strings to concatenate. Anything else (a JSON object under a JSON MIME type)
// is returned as its JSON text.
func multiline(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err == nil {
		return strings.Join(lines, "")
	}
	return string(raw)
}

// timestamp parses one of nbclient's timing stamps; zero if absent or malformed.
func timestamp(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Duration returns how long the cell took, from the kernel starting it to its
// reply, and whether the notebook recorded that. With GoNB the resolution is
// one second.
func (c Cell) Duration() (time.Duration, bool) {
	if c.Start.IsZero() || c.End.IsZero() {
		return 0, false
	}
	return c.End.Sub(c.Start), true
}

// Text returns the text the cell printed: its streams (stdout and stderr) and
// the text/plain form of its results and displays, in order.
func (c Cell) Text() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		switch o.Kind {
		case KindStream:
			b.WriteString(o.Text)
		case KindDisplayData, KindExecuteResult:
			b.WriteString(o.MIME["text/plain"])
		}
	}
	return b.String()
}

// Data returns the cell's display_data and execute_result outputs of the given
// MIME type (for example "text/markdown" for gonbui.DisplayMarkdown), in order.
func (c Cell) Data(mime string) []string {
	var data []string
	for _, o := range c.Outputs {
		if d, ok := o.MIME[mime]; ok {
			data = append(data, d)
		}
	}
	return data
}

// CellsOfType returns the notebook's cells of the given type ("code",
// "markdown" or "raw"), in order.
func (r *Result) CellsOfType(cellType string) []Cell {
	var cells []Cell
	for _, c := range r.Cells {
		if c.Type == cellType {
			cells = append(cells, c)
		}
	}
	return cells
}

// MarkdownCells returns the notebook's Markdown cells: its prose.
func (r *Result) MarkdownCells() []Cell { return r.CellsOfType("markdown") }

// Cell returns the cell whose id or one of whose tags is name, and whether
// there is one; the first such cell when several are tagged alike.
func (r *Result) Cell(name string) (Cell, bool) {
	for _, c := range r.Cells {
		if c.ID == name || slices.Contains(c.Tags, name) {
			return c, true
		}
	}
	return Cell{}, false
}

// CodeCells returns the notebook's code cells.
func (r *Result) CodeCells() []Cell { return r.CellsOfType("code") }

// Package env is the one place where the project's own environment variables
// are read. They override a notebook's or a command's settings, for
// classrooms, tests and scripts:
//
//	GPT2TAPS_MODEL      Hub id or checkpoint directory replacing the model
//	GPT2TAPS_TEXT_FILE  a file whose text replaces the text
//	GPT2TAPS_CACHE      the tap cache directory
//	GPT2TAPS_MODELS     comma-separated models replacing a comparison's list (notebook 03)
//	GPT2TAPS_TEXTS_DIR  a directory whose *.txt files replace a comparison's texts (notebook 03)
//	GPT2TAPS_SENTENCES_FILE
//	                    a file of sentences, one per line, replacing the course
//	                    notebooks' sentences (notebooks 04, 05 and 07)
//	GPT2TAPS_OUT_DIR    the directory where the course notebooks (04–07) save
//	                    their lesson's JSON and figures
//	GPT2TAPS_SERVER     "off" (or 0, false, no): captures never use a model server
//	                    (package modelclient), each runs in a one-shot process
//	GPT2TAPS_SERVER_IDLE
//	                    how long a model server started by a notebook cell waits
//	                    for the next capture before it exits (a Go duration: 30s,
//	                    15m; unset: the notebooks' default, package nb)
//
// GoMLX's GOMLX_BACKEND and the project's GPT2TAPS_MATMUL are read by package
// backend, Hugging Face's HF_* variables by internal/hfcache, as those
// libraries define them.
package env

import (
	"os"
	"strings"
)

// The variables' names.
const (
	Model    = "GPT2TAPS_MODEL"
	TextFile = "GPT2TAPS_TEXT_FILE"
	Cache    = "GPT2TAPS_CACHE"
	Models   = "GPT2TAPS_MODELS"
	TextsDir = "GPT2TAPS_TEXTS_DIR"
	Server   = "GPT2TAPS_SERVER"
	// ServerIdle is the model server's idle time-out for the notebooks.
	ServerIdle = "GPT2TAPS_SERVER_IDLE"

	SentencesFile = "GPT2TAPS_SENTENCES_FILE"
	OutDir        = "GPT2TAPS_OUT_DIR"
)

// Vars are the variables' values ("" or nil when unset).
type Vars struct {
	Model    string
	TextFile string
	Cache    string
	Models   []string // the comma-separated list, trimmed, empty items dropped
	TextsDir string
	Server   string // GPT2TAPS_SERVER as set ("off" switches the model server off)
	// ServerIdle is GPT2TAPS_SERVER_IDLE as set (parsed by its reader, package nb).
	ServerIdle string

	SentencesFile string
	OutDir        string
}

// Read reads the variables now.
func Read() Vars {
	v := Vars{
		Model:    os.Getenv(Model),
		TextFile: os.Getenv(TextFile),
		Cache:    os.Getenv(Cache),
		TextsDir: os.Getenv(TextsDir),
		Server:   os.Getenv(Server),

		ServerIdle: os.Getenv(ServerIdle),

		SentencesFile: os.Getenv(SentencesFile),
		OutDir:        os.Getenv(OutDir),
	}
	for _, m := range strings.Split(os.Getenv(Models), ",") {
		if m = strings.TrimSpace(m); m != "" {
			v.Models = append(v.Models, m)
		}
	}
	return v
}

// Command gpt2taps runs GPT-2 with projection taps from the command line: the
// same packages the notebooks use, for scripts, CI and people without Jupyter.
//
// Usage:
//
//	gpt2taps tokenize          --text-file F | --text "…"
//	gpt2taps capture           --model M (--text-file F | --text "…") --out taps.safetensors
//	gpt2taps random-checkpoint (--preset gpt2-large | --layers N --embd D --heads H --positions P) --seed S [--dtype F32|F16|BF16] --out DIR
//	gpt2taps lesson            --model M [--text-file F | --text "…"] --out DIR [--format png,svg] [--cache DIR]
//	gpt2taps notebooks         --model M --out DIR [--notebooks notebooks] [--text-file F] [--cache DIR]
//	gpt2taps compare           [--model M]… [--text-file F]… [--builtin NAME]… --out DIR [--format png,svg] [--cache DIR] [--random-control=false] [--plan]
//	gpt2taps course            --lesson rotations|neighbours|paths|trajectories|1-4 [--model M]… [--sentences F] [--word W]… [--text-file F | --text "…"] --out DIR [--seed S] [--pairs N] [--cache DIR]
//	gpt2taps serve             --socket S [--backend B] [--idle 10m] | --once [--backend B]
//
// --text-file - reads standard input. --model is a checkpoint directory in
// Hugging Face layout or a Hub id (gpt2, gpt2-medium, gpt2-large, gpt2-xl,
// org/name). Every error is one line on standard error and exit status 1
// (2 for a usage error).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"tokenize":          {"print a text's GPT-2 token ids and token strings as JSON", runTokenize},
	"capture":           {"run GPT-2 on a text and write the taps to a safetensors file", runCapture},
	"random-checkpoint": {"write a random GPT-2 checkpoint in Hugging Face layout", runRandomCheckpoint},
	"lesson":            {"run the lesson (both parts) and write its figures and summary.json", runLesson},
	"bench":             {"time capture against the PyTorch reference, the matmul floor and the notebook path", runBench},
	"notebooks":         {"execute the lesson notebooks headless and save the executed copies", runNotebooks},
	"compare":           {"the lesson across texts and models, with a random-weights control: figure and compare.json", runCompare},
	"course":            {courseSummary, runCourse},
	"rate":              {"measure the backend's matrix-product rate (one GPT-2-sized product) and print it as JSON", runRate},
	"serve":             {"keep one model loaded for notebook cells behind a Unix socket (started by pkg/modelclient)", runServe},
}

// usageError marks errors in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gpt2taps: unknown command %q (run gpt2taps help for the list)\n", args[0])
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "gpt2taps %s: %s\n", args[0], oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gpt2taps <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-18s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nrun gpt2taps <command> -h for a command's flags")
}

// newFlags makes a FlagSet for a subcommand whose parse errors are usage errors.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gpt2taps "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and turns parse failures into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// oneLine keeps error output to one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

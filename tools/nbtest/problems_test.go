package nbtest

import (
	"slices"
	"testing"
)

// TestProblems covers each kind of output Problems looks at, and the text it
// must let pass.
func TestProblems(t *testing.T) {
	stream := func(name, text string) Output { return Output{Kind: KindStream, Name: name, Text: text} }
	plain := func(kind, text string) Output {
		return Output{Kind: kind, MIME: map[string]string{"text/plain": text}}
	}
	tests := []struct {
		name    string
		outputs []Output
		want    []string
	}{
		{"clean", []Output{stream("stdout", "all good\nexit status 0\n")}, nil},
		{"panic in the middle of a word", []Output{stream("stdout", "no panic: here\n")}, nil},
		{"status in a sentence", []Output{stream("stdout", "the exit status 3 of the tool\n")}, nil},
		{"exit status", []Output{stream("stderr", "exit status 3\n")}, []string{"cell 0 (stderr): exit status 3"}},
		{
			"panic with trace",
			[]Output{stream("stderr", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\nexit status 2\n")},
			[]string{"cell 0 (stderr): panic: boom; exit status 2"},
		},
		{"fatal error", []Output{stream("stderr", "fatal error: all goroutines are asleep - deadlock!\n")}, []string{"cell 0 (stderr): fatal error: all goroutines are asleep - deadlock!"}},
		{"panic shown as a result", []Output{plain(KindExecuteResult, "panic: shown")}, []string{"cell 0: panic: shown"}},
		{"error output", []Output{{Kind: KindError, Name: "ERROR", Text: "failed"}}, []string{"cell 0: ERROR: failed"}},
		{
			"gonb html without a location",
			[]Output{
				{Kind: KindDisplayData, MIME: map[string]string{"text/html": "<style>x{}</style><div class=\"gonb-err\"><span>go get: &lt;none&gt;</span>\n<br/>\n</div>"}},
				{Kind: KindError, Name: "ERROR", Text: "failed"},
			},
			[]string{"cell 0: ERROR: failed; go get: <none>"},
		},
		{
			"one entry per output",
			[]Output{stream("stdout", "exit status 1\n"), stream("stderr", "exit status 4\n")},
			[]string{"cell 0 (stdout): exit status 1", "cell 0 (stderr): exit status 4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{Cells: []Cell{{Index: 0, Type: "code", Outputs: tt.outputs}}}
			if got := r.Problems(); !slices.Equal(got, tt.want) {
				t.Errorf("Problems() = %q, want %q", got, tt.want)
			}
		})
	}
}

package gpt2_test

import (
	"fmt"

	"github.com/gpt2taps/gpt2taps/pkg/gpt2"
)

func ExampleTokenLabel() {
	for _, token := range []string{" world", " ", "\n\n", "\t", " \xf0\x9f\x91", "\x8b"} {
		fmt.Printf("%-16q → [%s]\n", token, gpt2.TokenLabel(token))
	}
	// Output:
	// " world"         → [ world]
	// " "              → [␣]
	// "\n\n"           → [↵↵]
	// "\t"             → [⇥]
	// " \xf0\x9f\x91"  → [ \xf0\x9f\x91]
	// "\x8b"           → [\x8b]
}

package nbtest_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/gpt2taps/gpt2taps/tools/nbtest"
)

// ExampleResult_Problems reads a notebook that GoNB executed, whose cell
// panicked although nbconvert reported success, and lists what went wrong.
func ExampleResult_Problems() {
	r, err := nbtest.Read("testdata/executed/panic.ipynb")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range r.CodeCells() {
		first, _, _ := strings.Cut(c.Text(), "\n")
		fmt.Printf("cell %d printed %q\n", c.Index, first)
	}
	for _, p := range r.Problems() {
		fmt.Println(p)
	}
	// Output:
	// cell 1 printed "before the panic"
	// cell 2 printed "panic: nbtest: deliberate panic"
	// cell 3 printed "after the panic"
	// cell 2 (stderr): panic: nbtest: deliberate panic; exit status 2
}

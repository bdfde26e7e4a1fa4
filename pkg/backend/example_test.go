package backend_test

import (
	"fmt"
	"strings"

	"github.com/gpt2taps/gpt2taps/pkg/backend"
)

func ExampleNew() {
	c, err := backend.New("go:parallelism=1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Backend.Finalize()
	fmt.Println(c)
	// Output:
	// SimpleGo backend: parallelism set to 1
	// go:parallelism=1: pure Go (GoMLX simplego), 1 CPU thread
}

func ExampleNew_unknown() {
	_, err := backend.New("tpu")
	fmt.Println(strings.SplitN(err.Error(), ":", 2)[0])
	// Output:
	// unknown backend "tpu"
}

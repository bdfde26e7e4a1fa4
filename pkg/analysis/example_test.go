package analysis_test

import (
	"fmt"
	"log"

	"github.com/gpt2taps/gpt2taps/pkg/analysis"
)

func ExampleNewHistogram() {
	h, err := analysis.NewHistogram([]float64{0, 0.5, 1, 1.5, 2, 2}, 4)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("edges: ", h.Edges)
	fmt.Println("counts:", h.Counts) // the maximum, 2, falls in the closed last bin
	// Output:
	// edges:  [0 0.5 1 1.5 2]
	// counts: [1 1 1 3]
}

func ExamplePearson() {
	r, p, err := analysis.Pearson([]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("r = %.3f, p = %.3f\n", r, p)
	// Output:
	// r = 0.800, p = 0.200
}

func ExampleNullCosineStd() {
	fmt.Printf("GPT-2 Large (d = 1280): ±%.5f\n", analysis.NullCosineStd(1280))
	// Output:
	// GPT-2 Large (d = 1280): ±0.02795
}

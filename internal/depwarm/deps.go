package depwarm

import (
	_ "github.com/gomlx/go-huggingface/hub"
	_ "github.com/gomlx/gomlx/backends/simplego"
	_ "github.com/gomlx/gomlx/backends/stablehlo"
	_ "github.com/gomlx/gomlx/pkg/core/graph"
	_ "github.com/gomlx/gomlx/pkg/core/tensors"
	_ "github.com/gomlx/gomlx/pkg/ml/context"
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "github.com/nlpodyssey/safetensors"
	_ "github.com/tiktoken-go/tokenizer"
	_ "golang.org/x/sys/unix"
	_ "gonum.org/v1/gonum/stat"
	_ "gonum.org/v1/gonum/stat/distuv"
	_ "gonum.org/v1/plot"
	_ "gonum.org/v1/plot/palette/moreland"
	_ "gonum.org/v1/plot/plotter"
	_ "gonum.org/v1/plot/vg/vgimg"
	_ "gonum.org/v1/plot/vg/vgsvg"
)

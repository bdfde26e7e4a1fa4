package taps_test

import "github.com/gomlx/gomlx/pkg/core/tensors"

func tensorF32(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

package gemm

// kernelGo is the portable micro-kernel: the same tile as the SIMD one, in
// plain Go (float32 multiply-adds in the same order of k).
func kernelGo(kc int, a, b, c []float32, ldc int, accumulate bool) {
	var acc [mr][nr]float32
	a = a[:kc*mr]
	b = b[:kc*nr]
	for q := range kc {
		bq := (*[nr]float32)(b[q*nr:])
		aq := (*[mr]float32)(a[q*mr:])
		for r := range mr {
			x := aq[r]
			row := &acc[r]
			for j := range nr {
				row[j] += x * bq[j]
			}
		}
	}
	for r := range mr {
		dst := c[r*ldc:][:nr]
		if accumulate {
			for j, v := range acc[r] {
				dst[j] += v
			}
		} else {
			copy(dst, acc[r][:])
		}
	}
}

package gemm

// Packing copies blocks of the operands, wherever their offset tables put
// them, into the contiguous micro-panels the micro-kernel reads in order.

// packA packs rows [i0,i1) × contracting [k0,k0+kc) of A into micro-panels of
// mr rows, [kc][mr] each, padding missing rows with zeros.
func (p *plan) packA(dst []float32, batch, i0, i1, k0, kc int) {
	data := p.a.Data
	base := p.a.Batch[batch]
	contract := p.a.Contract[k0 : k0+kc]
	for ir := i0; ir < i1; ir += mr {
		panel := dst[(ir-i0)*kc:][:kc*mr]
		if p.aAffine && p.aContract == 1 && ir+mr <= i1 {
			// Rows contiguous (A stored [M,K]), a whole panel: four rows read
			// side by side, the panel written in order.
			s0 := data[base+p.a.Cross[ir]+contract[0]:][:kc]
			s1 := data[base+p.a.Cross[ir+1]+contract[0]:][:kc]
			s2 := data[base+p.a.Cross[ir+2]+contract[0]:][:kc]
			s3 := data[base+p.a.Cross[ir+3]+contract[0]:][:kc]
			for q := range kc {
				*(*[mr]float32)(panel[q*mr:]) = [mr]float32{s0[q], s1[q], s2[q], s3[q]}
			}
			continue
		}
		for r := range mr {
			i := ir + r
			if i >= i1 {
				for q := range kc {
					panel[q*mr+r] = 0
				}
				continue
			}
			row := base + p.a.Cross[i]
			if p.aAffine {
				src := data[row+contract[0]:]
				st := p.aContract
				if st == 1 {
					src = src[:kc]
					for q, v := range src {
						panel[q*mr+r] = v
					}
					continue
				}
				for q := range kc {
					panel[q*mr+r] = src[q*st]
				}
				continue
			}
			for q, off := range contract {
				panel[q*mr+r] = data[row+off]
			}
		}
	}
}

// packB packs columns [j0,j1) × contracting [k0,k0+kc) of B into
// micro-panels of nr columns, [kc][nr] each, padding missing columns with
// zeros.
func (p *plan) packB(dst []float32, batch, j0, j1, k0, kc int) {
	data := p.b.Data
	base := p.b.Batch[batch]
	contract := p.b.Contract[k0 : k0+kc]
	for jr := j0; jr < j1; jr += nr {
		panel := dst[(jr-j0)*kc:][:kc*nr]
		cols := min(nr, j1-jr)
		if p.bCrossUnit {
			// Columns contiguous (B stored [K,N]): nr values per depth at once.
			col0 := base + p.b.Cross[jr]
			if cols == nr {
				for q, off := range contract {
					*(*[nr]float32)(panel[q*nr:]) = *(*[nr]float32)(data[col0+off:])
				}
				continue
			}
			for q, off := range contract {
				row := panel[q*nr:][:nr]
				copy(row, data[col0+off:][:cols])
				clear(row[cols:])
			}
			continue
		}
		for x := range nr {
			if x >= cols {
				for q := range kc {
					panel[q*nr+x] = 0
				}
				continue
			}
			col := base + p.b.Cross[jr+x]
			if p.bAffine {
				src := data[col+contract[0]:]
				st := p.bContract
				if st == 1 {
					src = src[:kc]
					for q, v := range src {
						panel[q*nr+x] = v
					}
					continue
				}
				for q := range kc {
					panel[q*nr+x] = src[q*st]
				}
				continue
			}
			for q, off := range contract {
				panel[q*nr+x] = data[col+off]
			}
		}
	}
}

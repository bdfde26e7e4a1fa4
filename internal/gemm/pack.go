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
			if i := ir + r; i < i1 {
				packLine(panel, mr, r, data, base+p.a.Cross[i], contract, p.aAffine, p.aContract)
			} else {
				zeroLine(panel, mr, r, kc)
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
			if x < cols {
				packLine(panel, nr, x, data, base+p.b.Cross[jr+x], contract, p.bAffine, p.bContract)
			} else {
				zeroLine(panel, nr, x, kc)
			}
		}
	}
}

// packLine writes one row of A (or column of B) into lane of a micro-panel
// of the given width: panel[q*width+lane] for each contracting index q. start
// is where the line begins in data (batch and cross offsets); the contracting
// offsets are contract[0] + q·stride for an affine operand, read in place,
// and looked up in contract otherwise.
func packLine(panel []float32, width, lane int, data []float32, start int, contract []int, affine bool, stride int) {
	if !affine {
		for q, off := range contract {
			panel[q*width+lane] = data[start+off]
		}
		return
	}
	src := data[start+contract[0]:]
	if stride == 1 {
		for q, v := range src[:len(contract)] {
			panel[q*width+lane] = v
		}
		return
	}
	for q := range contract {
		panel[q*width+lane] = src[q*stride]
	}
}

// zeroLine pads lane of a micro-panel of the given width with zeros: a row
// (column) past the operand's edge.
func zeroLine(panel []float32, width, lane, kc int) {
	for q := range kc {
		panel[q*width+lane] = 0
	}
}

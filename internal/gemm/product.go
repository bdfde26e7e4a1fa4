package gemm

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Blocking. MR×NR is the micro-kernel's tile (mr rows of A, nr columns of B);
// kcMax is the depth of a packed block (a B micro-panel of kcMax×nr floats,
// 16 KiB, stays in L1); mcMax the rows of A packed at once (mcMax×kcMax
// floats, 128 KiB, stays in L2); ncMax the widest column strip of one task.
const (
	mr    = 4
	nr    = 16
	kcMax = 256
	mcMax = 128
	ncMax = 512
)

// Options says how a product runs.
type Options struct {
	// Threads is how many goroutines compute, the caller's included; < 1
	// means 1.
	Threads int
	// Start starts task on another goroutine and reports whether it did
	// (false: no worker is free, the caller then computes more itself). Nil
	// means a plain go statement.
	Start func(task func()) bool
}

// Product computes the batched product C[b,i,j] = Σ_k A(b,i,k)·B(b,j,k) into
// c, dense and row-major [batch, M, N] with batch = len(a.Batch),
// M = len(a.Cross), N = len(b.Cross), accumulating in float32. c is
// overwritten; it may hold anything before. The batch and contracting tables
// of a and b must have the same lengths, every offset must be within its
// operand's Data, and c must not overlap either operand's Data.
func Product(c []float32, a, b Operand, opts Options) error {
	p, err := newPlan(c, a, b, opts)
	if err != nil {
		return err
	}
	p.run(microKernel)
	return nil
}

// plan is one product cut into tasks.
type plan struct {
	a, b           Operand
	c              []float32
	batch, m, n, k int
	threads        int
	start          func(func()) bool

	// Tasks: batch × strips of columns × chunks of rows.
	stripW, strips int // width of a column strip (a multiple of nr), count
	chunkH, chunks int // height of a row chunk (a multiple of mr), count
	tasks          int
	next           atomic.Int64

	aContract, bContract int  // strides of the contracting tables, if affine
	aAffine, bAffine     bool // the contracting tables are affine
	bCross               int  // stride of b's cross table
	bCrossUnit           bool // b's cross table is affine with stride 1
}

func newPlan(c []float32, a, b Operand, opts Options) (*plan, error) {
	if len(a.Batch) != len(b.Batch) {
		return nil, fmt.Errorf("gemm: batch sizes differ: %d and %d", len(a.Batch), len(b.Batch))
	}
	if len(a.Contract) != len(b.Contract) {
		return nil, fmt.Errorf("gemm: contracting sizes differ: %d and %d", len(a.Contract), len(b.Contract))
	}
	for _, x := range []struct {
		name string
		op   Operand
	}{{"left", a}, {"right", b}} {
		hi, err := x.op.span(x.name)
		if err != nil {
			return nil, err
		}
		if hi > len(x.op.Data) {
			return nil, fmt.Errorf("gemm: %s operand reaches offset %d but holds %d values", x.name, hi-1, len(x.op.Data))
		}
	}
	p := &plan{
		a: a, b: b, c: c,
		batch: len(a.Batch), m: len(a.Cross), n: len(b.Cross), k: len(a.Contract),
		threads: max(opts.Threads, 1), start: opts.Start,
	}
	if want := p.batch * p.m * p.n; len(c) != want {
		return nil, fmt.Errorf("gemm: output holds %d values, want %d×%d×%d = %d", len(c), p.batch, p.m, p.n, want)
	}
	p.aContract, p.aAffine = affine(a.Contract)
	p.aAffine = p.aAffine && p.aContract >= 0
	p.bContract, p.bAffine = affine(b.Contract)
	p.bAffine = p.bAffine && p.bContract >= 0
	p.bCross, p.bCrossUnit = affine(b.Cross)
	p.bCrossUnit = p.bCrossUnit && (p.bCross == 1 || p.n == 1)
	p.cut()
	return p, nil
}

// cut chooses the tasks: column strips of at most ncMax, then, while there
// are fewer than two tasks per thread, narrower strips (down to 4·nr
// columns) and then row chunks (down to mcMax rows). Strips rather than
// chunks first because a strip re-reads all of A, a chunk all of B, and in
// this project's products A (the tokens) is the smaller.
func (p *plan) cut() {
	strips := ceilDiv(p.n, ncMax)
	chunks := 1
	want := 2 * p.threads
	for p.threads > 1 && p.batch*strips*chunks < want {
		switch {
		case ceilDiv(p.n, 2*strips) >= 4*nr:
			strips *= 2
		case ceilDiv(p.m, 2*chunks) >= mcMax:
			chunks *= 2
		default:
			want = 0
		}
	}
	p.stripW = roundUp(ceilDiv(p.n, strips), nr)
	p.strips = ceilDiv(p.n, p.stripW)
	p.chunkH = roundUp(ceilDiv(p.m, chunks), mr)
	p.chunks = ceilDiv(p.m, p.chunkH)
	p.tasks = p.batch * p.strips * p.chunks
}

// scratch is one goroutine's packing space.
type scratch struct {
	a []float32 // mcMax×kcMax: a block of A as micro-panels [kc][mr]
	b []float32 // kcMax×stripW: a strip of B as micro-panels [kc][nr]
	t [mr * nr]float32
}

var scratchPool sync.Pool

func getScratch(stripW int) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil {
		s = &scratch{a: make([]float32, mcMax*kcMax)}
	}
	if cap(s.b) < kcMax*stripW {
		s.b = make([]float32, kcMax*roundUp(stripW, ncMax))
	}
	s.b = s.b[:kcMax*stripW]
	return s
}

// kernelFunc computes the mr×nr tile C[0:mr, 0:nr] (row stride ldc) from a
// packed A micro-panel a ([kc][mr]) and B micro-panel b ([kc][nr]): C = A·B,
// or C += A·B when accumulate.
type kernelFunc func(kc int, a, b, c []float32, ldc int, accumulate bool)

// run computes every task, on up to p.threads goroutines.
func (p *plan) run(kernel kernelFunc) {
	helpers := min(p.threads, p.tasks) - 1
	var wg sync.WaitGroup
	for range helpers {
		wg.Add(1)
		task := func() {
			defer wg.Done()
			p.work(kernel)
		}
		if p.start == nil {
			go task()
		} else if !p.start(task) {
			wg.Done()
			break
		}
	}
	p.work(kernel)
	wg.Wait()
}

// work takes tasks until none is left.
func (p *plan) work(kernel kernelFunc) {
	s := getScratch(p.stripW)
	defer scratchPool.Put(s)
	for {
		t := int(p.next.Add(1) - 1)
		if t >= p.tasks {
			return
		}
		chunk := t % p.chunks
		strip := (t / p.chunks) % p.strips
		batch := t / (p.chunks * p.strips)
		i0 := chunk * p.chunkH
		j0 := strip * p.stripW
		p.task(kernel, s, batch, i0, min(i0+p.chunkH, p.m), j0, min(j0+p.stripW, p.n))
	}
}

// task computes C[batch, i0:i1, j0:j1].
func (p *plan) task(kernel kernelFunc, s *scratch, batch, i0, i1, j0, j1 int) {
	c := p.c[batch*p.m*p.n:][:p.m*p.n]
	for k0 := 0; k0 < p.k; k0 += kcMax {
		kc := min(kcMax, p.k-k0)
		p.packB(s.b, batch, j0, j1, k0, kc)
		for ib := i0; ib < i1; ib += mcMax {
			ie := min(ib+mcMax, i1)
			p.packA(s.a, batch, ib, ie, k0, kc)
			for jr := j0; jr < j1; jr += nr {
				bp := s.b[(jr-j0)*kc:][:kc*nr]
				cols := min(nr, j1-jr)
				for ir := ib; ir < ie; ir += mr {
					ap := s.a[(ir-ib)*kc:][:kc*mr]
					rows := min(mr, ie-ir)
					if rows == mr && cols == nr {
						kernel(kc, ap, bp, c[ir*p.n+jr:], p.n, k0 > 0)
						continue
					}
					// An edge tile: compute the whole tile aside, keep its valid part.
					kernel(kc, ap, bp, s.t[:], nr, false)
					for r := range rows {
						dst := c[(ir+r)*p.n+jr:][:cols]
						src := s.t[r*nr:][:cols]
						if k0 == 0 {
							copy(dst, src)
						} else {
							for x, v := range src {
								dst[x] += v
							}
						}
					}
				}
			}
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

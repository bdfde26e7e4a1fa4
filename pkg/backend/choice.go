package backend

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// kernelChoice is the process-wide choice between a SIMD kernel of the
// pure-Go backend and simplego's stock code, shared by the matmul kernel and
// the elementwise kernels: simplego's executor table is global, so the choice
// applies to every pure-Go backend of the process.
type kernelChoice struct {
	what      string        // "matmul kernel", "elementwise kernels", for messages
	are       string        // "is" or "are", for messages
	envVar    string        // MatmulEnvVar or ElementwiseEnvVar
	stockName string        // "GoMLX stock kernel", for descriptions
	simdName  func() string // the SIMD kernel's description
	install   func()        // installs the hook, once; sets simdError where it cannot run

	mu        sync.Mutex
	simdError string // why the SIMD kernel is unavailable; "" when it is
	reason    string // why the stock code is active although the SIMD kernel is available

	on atomic.Bool // the SIMD kernel is in use
}

// configure applies the environment variable; called when a pure-Go
// backend is created.
func (c *kernelChoice) configure() error {
	v := os.Getenv(c.envVar)
	if err := c.set(v, c.envVar+"="+v); err != nil {
		return fmt.Errorf("%s: %w", c.envVar, err)
	}
	return nil
}

// set chooses name ("simd", "stock" or "" for the default); why says who
// chose, for the description.
func (c *kernelChoice) set(name, why string) error {
	c.install()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch name {
	case "", MatmulSIMD:
		if c.simdError != "" {
			if name == "" {
				return nil // the default: stock, and the description says why
			}
			return fmt.Errorf("the %q %s %s not available: %s; use %q", MatmulSIMD, c.what, c.are, c.simdError, MatmulStock)
		}
		c.reason = ""
		c.on.Store(true)
	case MatmulStock:
		c.reason = "chosen with " + why
		c.on.Store(false)
	default:
		return fmt.Errorf("unknown %s %q: use %q or %q", c.what, name, MatmulSIMD, MatmulStock)
	}
	return nil
}

// kernels lists "stock", and "simd" where it can run.
func (c *kernelChoice) kernels() []string {
	if c.unavailable() != "" {
		return []string{MatmulStock}
	}
	return []string{MatmulStock, MatmulSIMD}
}

// active is "simd" or "stock".
func (c *kernelChoice) active() string {
	c.install()
	if c.on.Load() {
		return MatmulSIMD
	}
	return MatmulStock
}

// description names what runs, and for the stock code why.
func (c *kernelChoice) description() string {
	c.install()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on.Load() {
		return c.simdName()
	}
	why := c.simdError
	if why == "" {
		why = c.reason
	}
	return c.stockName + " (" + why + ")"
}

// unavailable is why the SIMD kernel cannot run, "" where it can.
func (c *kernelChoice) unavailable() string {
	c.install()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.simdError
}

// disable turns the SIMD kernel off for the process after a run-time
// surprise in simplego's internals, so that reports say so.
func (c *kernelChoice) disable(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on.Store(false)
	c.simdError = "GoMLX's simplego is not as this build expects (" + err.Error() + ")"
}

package voicecb

// LiveHandles returns the number of C clients not yet freed.
func LiveHandles() int64 { return liveHandles.Load() }

// Freed reports whether the client's C handle has been freed.
func Freed(c *Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handle == nil
}

// CheckABI runs the package's ABI check with the given versions.
func CheckABI(library, header uint32) { checkABI(library, header) }

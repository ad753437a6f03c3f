package voicecb

// LiveHandles returns the number of C clients not yet freed.
func LiveHandles() int64 { return liveHandles.Load() }

// LiveHooks returns the number of event hooks not yet freed.
func LiveHooks() int64 { return liveHooks.Load() }

// Freed reports whether the client's C handle has been freed.
func Freed(c *Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handle == nil
}

// CheckABI runs the package's ABI check with the given versions.
func CheckABI(library, header uint32) { checkABI(library, header) }

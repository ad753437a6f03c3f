// Command voicecb-bench-go is the Go side of the benchmarks and of the
// load run. It prints one JSON object per measurement; bench/run.py
// drives it.
//
//	voicecb-bench-go roundtrip [-calls N] [-warmup W] [-goroutines G] [-chunk C]
//	voicecb-bench-go paired [-rounds R] [-warmup W]
//	voicecb-bench-go start [-iters N]
//	voicecb-bench-go load [-goroutines 16] [-calls-per-goroutine N] [-max-growth-kib K]
//
// The sandbox comes from VOICECB_BASE_URL, VOICECB_APP_KEY and
// VOICECB_APP_SECRET; VOICECB_BENCH_SANDBOX_PID adds the sandbox's CPU time.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	voicecb "github.com/libvoicecb/libvoicecb/bindings/go"
)

const (
	displayNbr = "+8675512345678"
	callerNbr  = "+8613800000001"
	calleeNbr  = "+8613800000486" // "busy" in the sandbox: the call ends by itself 0.1 s later
)

func env(name, dflt string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return dflt
}

func newClient() *voicecb.Client {
	c, err := voicecb.NewClient(env("VOICECB_APP_KEY", "sandbox-app-key"), env("VOICECB_APP_SECRET", "sandbox-app-secret"),
		voicecb.WithBaseURL(env("VOICECB_BASE_URL", "http://127.0.0.1:8080")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	return c
}

var request = voicecb.Click2CallRequest{DisplayNbr: displayNbr, CallerNbr: callerNbr, CalleeNbr: calleeNbr}

func selfCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// procCPU is the CPU time of process pid in seconds, or -1.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100 // USER_HZ is 100 on Linux
}

func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return -1
}

func emit(m map[string]any) {
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func roundtrip(calls, warmup, goroutines, chunk int) {
	c := newClient()
	defer c.Close()
	ctx := context.Background()
	var errors atomic.Int64
	var start sync.WaitGroup
	start.Add(goroutines)
	release := make(chan struct{})
	ends := make([]time.Time, goroutines)
	perCall := make([][]float64, goroutines)
	var done sync.WaitGroup
	done.Add(goroutines)
	place := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := c.Click2Call(ctx, request); err != nil {
				if errors.Add(1) <= 3 {
					fmt.Fprintln(os.Stderr, "click2call:", err)
				}
			}
		}
	}
	for g := 0; g < goroutines; g++ {
		go func(g int) {
			defer done.Done()
			place(warmup / goroutines)
			start.Done()
			<-release
			for left := calls / goroutines; left > 0; {
				n := min(chunk, left)
				t := time.Now()
				place(n)
				perCall[g] = append(perCall[g], time.Since(t).Seconds()/float64(n))
				left -= n
			}
			ends[g] = time.Now()
		}(g)
	}
	start.Wait()
	pid, _ := strconv.Atoi(os.Getenv("VOICECB_BENCH_SANDBOX_PID"))
	t0, cpu0, srv0 := time.Now(), selfCPU(), procCPU(pid)
	close(release)
	done.Wait()
	cpu, srv1 := selfCPU()-cpu0, procCPU(pid)
	end := t0
	for _, e := range ends {
		if e.After(end) {
			end = e
		}
	}
	wall := end.Sub(t0).Seconds()
	var chunks []float64
	for _, c := range perCall {
		chunks = append(chunks, c...)
	}
	var server any
	if srv0 >= 0 && srv1 >= 0 {
		server = (srv1 - srv0) * 1e6 / float64(calls)
	}
	emit(map[string]any{
		"bench": "roundtrip", "variant": "go", "lang": "go", "threads": goroutines, "calls": calls,
		"errors": errors.Load(), "wall_s": wall, "us_per_call": median(chunks) * 1e6, "us_per_call_mean": wall * 1e6 / float64(calls),
		"calls_per_s": float64(calls) / wall, "client_cpu_us_per_call": cpu * 1e6 / float64(calls),
		"server_cpu_us_per_call": server,
	})
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// paired alternates chunks of 50 calls through the Go binding, 50 calls
// made from C on the same library and 50 calls through net/http signed by
// hand (the peer), the order turning every round.
func paired(rounds, warmup int) {
	c := newClient()
	defer c.Close()
	cc := newCClient()
	ctx := context.Background()
	goCalls := func(n int) int {
		errors := 0
		for i := 0; i < n; i++ {
			if _, err := c.Click2Call(ctx, request); err != nil {
				if errors++; errors == 1 {
					fmt.Fprintln(os.Stderr, "click2call:", err)
				}
			}
		}
		return errors
	}
	type side struct {
		name   string
		run    func(int) int
		rounds []float64
		cpu    float64
		errors int
	}
	sides := []*side{{name: "go", run: goCalls}, {name: "go-c", run: cc.calls}, {name: "go-nethttp", run: newHTTPPeer().calls}}
	for _, s := range sides {
		s.errors += s.run(warmup)
	}
	const chunk = 50
	for r := 0; r < rounds; r++ {
		for k := range sides {
			s := sides[(k+r)%len(sides)]
			cpu0, t := selfCPU(), time.Now()
			s.errors += s.run(chunk)
			s.rounds = append(s.rounds, time.Since(t).Seconds()/chunk*1e6)
			s.cpu += selfCPU() - cpu0
		}
	}
	for _, s := range sides {
		sorted := append([]float64(nil), s.rounds...)
		emit(map[string]any{"bench": "paired", "variant": s.name, "lang": "go", "calls": rounds * chunk, "errors": s.errors,
			"us_per_call": median(sorted), "client_cpu_us_per_call": s.cpu * 1e6 / float64(rounds*chunk), "rounds_us": s.rounds})
	}
}

func start(iters int) {
	t := time.Now()
	c, err := voicecb.NewClient("sandbox-app-key", "sandbox-app-secret")
	cold := time.Since(t)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c.Close()
	t = time.Now()
	for i := 0; i < iters; i++ {
		c, _ := voicecb.NewClient("sandbox-app-key", "sandbox-app-secret")
		c.Close()
	}
	warm := time.Since(t) / time.Duration(iters)
	emit(map[string]any{"bench": "start", "variant": "go", "lang": "go",
		"cold_us": float64(cold.Nanoseconds()) / 1e3, "warm_us": float64(warm.Nanoseconds()) / 1e3})
}

// goSide is what the Go runtime itself holds: heap and stacks it obtained
// from the OS (KiB) and the process's OS threads.
func goSide() (sysKiB, heapInuseKiB uint64, threads int) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			threads, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Threads:")))
		}
	}
	return m.Sys / 1024, m.HeapInuse / 1024, threads
}

// sockets counts this process's open sockets: the client's pooled connections.
func sockets() uint64 {
	fds, _ := os.ReadDir("/proc/self/fd")
	var n uint64
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

var checkpointSide, endSide [4]uint64

// Load places goroutines x perGoroutine calls on one client; it returns the
// calls done, the errors, and the RSS after a tenth of the calls and at the end.
func Load(c *voicecb.Client, goroutines, perGoroutine int) (done, errors, rssCheckpoint, rssEnd int64) {
	total := int64(goroutines * perGoroutine)
	checkpoint := max(total/10, 1)
	var nDone, nErr, rssCP atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perGoroutine; i++ {
				if _, err := c.Click2Call(context.Background(), request); err != nil {
					if nErr.Add(1) <= 3 {
						fmt.Fprintln(os.Stderr, "load:", err)
					}
				}
				if nDone.Add(1) == checkpoint {
					rssCP.Store(rssKiB())
					a, b, t := goSide()
					checkpointSide = [4]uint64{a, b, uint64(t), sockets()}
				}
			}
		}()
	}
	wg.Wait()
	a, b, t := goSide()
	endSide = [4]uint64{a, b, uint64(t), sockets()}
	return nDone.Load(), nErr.Load(), rssCP.Load(), rssKiB()
}

func load(goroutines, perGoroutine int, maxGrowth int64) bool {
	c := newClient()
	defer c.Close()
	t := time.Now()
	done, errors, rssCP, rssEnd := Load(c, goroutines, perGoroutine)
	wall := time.Since(t).Seconds()
	total := goroutines * perGoroutine
	growth := rssEnd - rssCP
	fmt.Printf("load go: %d goroutines x %d calls = %d calls, %d errors, %.0f calls/s; RSS %d KiB after %d calls, %d KiB after %d (%+d KiB)\n",
		goroutines, perGoroutine, done, errors, float64(total)/wall, rssCP, max(total/10, 1), rssEnd, total, growth)
	fmt.Printf("load go: the Go runtime's memory from the OS %d -> %d KiB (heap in use %d -> %d KiB), OS threads %d -> %d, sockets %d -> %d\n",
		checkpointSide[0], endSide[0], checkpointSide[1], endSide[1], checkpointSide[2], endSide[2], checkpointSide[3], endSide[3])
	emit(map[string]any{"bench": "load", "variant": "go", "threads": goroutines, "calls": done, "errors": errors,
		"wall_s": wall, "checkpoint": max(total/10, 1), "rss_checkpoint_kib": rssCP, "rss_end_kib": rssEnd, "growth_kib": growth,
		"go_sys_checkpoint_kib": checkpointSide[0], "go_sys_end_kib": endSide[0],
		"threads_checkpoint": checkpointSide[2], "threads_end": endSide[2],
		"sockets_checkpoint": checkpointSide[3], "sockets_end": endSide[3]})
	return errors == 0 && (maxGrowth < 0 || growth <= maxGrowth)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: voicecb-bench-go roundtrip|paired|start|load [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	calls := fs.Int("calls", 5000, "calls measured")
	warmup := fs.Int("warmup", 500, "calls before measuring")
	goroutines := fs.Int("goroutines", 0, "goroutines sharing the client (roundtrip 1, load 16)")
	iters := fs.Int("iters", 200, "clients made after the first")
	perG := fs.Int("calls-per-goroutine", 1000, "calls of each goroutine (load)")
	rounds := fs.Int("rounds", 40, "rounds (paired)")
	chunk := fs.Int("chunk", 50, "calls per timed chunk (roundtrip)")
	maxGrowth := fs.Int64("max-growth-kib", 1024, "largest RSS growth accepted (load); negative: no check")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	_ = fs.Parse(os.Args[2:])
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	switch os.Args[1] {
	case "roundtrip":
		roundtrip(*calls, *warmup, max(*goroutines, 1), max(*chunk, 1))
	case "start":
		start(*iters)
	case "paired":
		paired(*rounds, *warmup)
	case "load":
		g := *goroutines
		if g == 0 {
			g = 16
		}
		if !load(g, *perG, *maxGrowth) {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
}

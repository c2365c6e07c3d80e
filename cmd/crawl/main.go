// Command crawl crawls health-article sites, extracts and cleans the articles, and
// writes them as JSON Lines. Run `crawl --help` for the commands.
package main

import (
	"context"
	"os"

	"github.com/redis/go-redis/v9"
)

// quietRedis discards go-redis' internal log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func main() {
	// go-redis prints connection failures with the log package on its own; the redis
	// state store logs outages (and retries) through the command's logger already.
	redis.SetLogger(quietRedis{})
	startGCPolicy(os.LookupEnv)
	os.Exit(runMain(os.Args[1:]))
}

// runMain runs the command line with the process's streams and environment, SIGINT
// and SIGTERM handled by a stopper (signals.go), and returns the exit status.
func runMain(args []string) int {
	ctx, stop := newStopper(context.Background())
	stop.listen()
	defer stop.close()
	return execute(ctx, args, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv)
}

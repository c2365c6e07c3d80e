// Command crawl crawls health-article sites, extracts and cleans the articles, and
// writes them as JSON Lines. Run `crawl --help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// quietRedis discards go-redis' internal log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func main() {
	// go-redis prints connection failures with the log package on its own; the redis
	// state store logs outages (and retries) through the command's logger already.
	redis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv)
	stop()
	os.Exit(code)
}

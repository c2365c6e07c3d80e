package pipeline

import "github.com/healthcrawl/healthcrawl/config"

// BuildEnv creates a Runner like Build, with the whole Env: env.Near shares the
// dedupe stage's near-duplicate index with the crawl state (a store engine's
// index), so resumed and incremental runs and a fleet find earlier records.
func BuildEnv(cfg config.Pipeline, env Env) (*Runner, error) {
	return DefaultRegistry.BuildEnv(cfg, env)
}

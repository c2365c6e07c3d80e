// Package crawler crawls site targets through the fetch package's fetchers and runs
// each page through the extractor, the pipeline and the sink.
//
// # Engine
//
// RunJob crawls the selected site targets concurrently. Per site, a pool of workers
// pops entries from the site's Frontier (queue + visited set + emitted set; in memory
// by default, pluggable through JobOptions.NewFrontier), fetches each with the site's
// fetch.Fetcher (crawl.fetcher; colly behind fetch.HTTP), reads its links with a
// tokenizer pass, extracts the
// article, runs the pipeline and writes kept records to the Sink (one Write at a
// time). Requests are synchronous inside the workers: the pool bounds memory, the
// retry loop lives in one place, and cancellation simply stops the workers from
// popping. A job-wide semaphore of crawl.parallelism bounds requests in flight; the
// site's fetch.Politeness (per host: parallelism, delay, random delay of delay/2) keeps
// each host polite, taken by every round trip and every rendered page. Workers are
// crawl.parallelism + NumCPU, so extraction never holds a request slot.
//
// # Settings (config.Crawl, config.Site)
//
//	crawl.user_agent      sent with every request (robots.txt included, with the pages' Accept header)
//	                      and matched against robots.txt groups
//	crawl.parallelism     requests in flight, job-wide and per host (default 4)
//	crawl.delay           wait after each request to a host, plus up to delay/2 random (default 200ms);
//	                      sites[].delay overrides it; a robots.txt Crawl-delay (capped at 60s) raises it
//	                      for that host and sets its parallelism to 1. robots.txt is fetched through
//	                      the site's fetcher, so it takes the host's turn too (a robots.txt read while
//	                      a redirect is checked shares the turn of the request being redirected); its
//	                      requests count in Summary.RobotsRequests
//	crawl.timeout         whole request, body included (default 20s)
//	crawl.max_body_bytes  bodies are never read beyond this, counted after decompression (any
//	                      Content-Encoding, .gz files); larger pages are over_limit (default 10 MiB)
//	crawl.retries         extra attempts after the first, on network errors, timeouts, 429 and 5xx
//	                      (not 501/505), with exponential backoff from 500ms (×2 each, +≤50 % jitter,
//	                      capped at 30s); a Retry-After (seconds or HTTP date, capped at 60s) wins
//	                      when longer (default 3). robots.txt is retried with the same waits
//	                      (at most 2 retries); one helper, retryPolicy in retry.go, computes them
//	crawl.obey_robots     obey robots.txt (default true); sites[].obey_robots overrides it. When off,
//	                      robots.txt is not fetched at all (no rules, no Crawl-delay, no Sitemap lines)
//	crawl.max_sitemap_bytes  a sitemap or feed is read up to this many bytes, uncompressed
//	                      (default 50 MiB), as it downloads (fetch.Request.Stream): its entries
//	                      are held, never its bytes
//	crawl.max_links_per_page  links read from one page, in document order (default 10,000);
//	                      the rest are counted over_limit max_links_per_page in one line
//	crawl.strip_params    parameters dropped in canonicalisation (query and ;path parameters),
//	                      default config.DefaultStripParams (session ids); strip_params_extra adds
//	output.errors_path    when set, one JSON line (ErrorRecord) per failed or over-limit URL,
//	                      written and flushed as it happens (trap and max_depth ones when the
//	                      site's crawl ends, see below); the URLs found on one page or sitemap
//	                      are held until it is done, and more than 10 with the same category
//	                      and reason are written as one line with their count
//	sites[].start_urls    seeds: always fetched and followed (exclude and robots.txt still apply)
//	sites[].sitemaps      sitemaps, sitemap indexes (also .xml.gz), RSS/Atom feeds or text sitemaps;
//	                      the Sitemap: lines of the seed hosts' robots.txt are added. Pages link
//	                      feeds with <link rel=alternate type=application/rss+xml|atom+xml>.
//	                      Read as a stream (scanSitemap), one entry at a time: a broken entry
//	                      is lost alone (failed, "sitemap entry: …"); 50,000 URLs per file.
//	sites[].allowed_domains  hosts (and their subdomains) that may be fetched; default: the hosts
//	                      of start_urls (or of sitemaps when there are none)
//	sites[].follow        RE2, unanchored, against the canonical URL: pages whose links are followed;
//	                      empty = every page. A URL matching neither follow nor articles is not fetched
//	                      (when follow is set).
//	sites[].articles      pages extracted as articles (their page_type forced to article); empty = the
//	                      extractor decides and only page_type article is emitted
//	sites[].exclude       never fetched
//	sites[].max_depth     link hops from a seed (start URLs and sitemap URLs are 0); 0 = no limit
//	sites[].max_pages     pages fetched per site (sitemaps not counted); 0 = no limit
//
// Fixed limits: 10 redirects per request (loops detected), canonical URLs of at most
// 2048 bytes, 1000 sitemaps per site, 50,000 URLs per sitemap (JobOptions tunes the
// first two and the backoff).
//
// # URLs
//
// Every URL is canonicalised before the visited check (Canonicalize, Key): scheme and
// host lower-cased, default port dropped, fragment dropped, tracking parameters
// (utm_*, fbclid, gclid, mc_cid, …) and session ids (crawl.strip_params, in the query or
// as ;path parameters) dropped, query sorted, one trailing-slash policy for
// the visited key. A page whose rel=canonical names another URL is a duplicate of it
// (the canonical URL is queued instead, unless the rules reject it); each canonical URL
// is emitted at most once. The trap guard stops repeating path segments, calendar
// dates more than two years ahead, unbounded runs of same-shaped pages (digits
// ignored) that are not articles and link to nothing new, and URL spaces of copies
// (copyWatch: the links of a page whose text is another page's, parameters that keep
// making copies, hosts whose pages are mostly copies).
//
// # Charset
//
// fetch.HTTP hands bodies on as they came (colly's charset handling is kept out of
// it); bodies are decoded once with extractors.DecodeHTML, exactly as `crawl
// extract` does. Only text/html and application/xhtml+xml responses
// are extracted; bodies that look binary are failed.
//
// # Crawl state (JobOptions.Store, state.go)
//
// With a store.Store the site's frontier lives in the store: entries are leased (in
// batches of 4 × crawl.parallelism, renewed every state.lease/3) and acknowledged once
// handled, so a crawl killed midway resumes: store.BeginRun says the run is not
// finished, the frontier and visited set are kept (seeding again queues only seeds a
// crash kept from being queued), and the entries the dead process held
// (same JobOptions.Worker) are queued again at once. A URL is marked seen and queued in
// one atomic step. A record is written only after the store's emitted set accepted it
// (store.EmitOnce on the canonical key and content hash), which makes the output
// exactly-once across resumes. With a persistent store a new run is incremental: pages
// are requested with If-None-Match / If-Modified-Since from their stored validators
// (a 304 leads to the page's stored links), sitemap entries whose lastmod has not
// moved are not requested, only new and changed articles are written (Article.Change),
// articles of earlier runs not reached any more are fetched once at the end (404/410:
// gone), and Summary counts new / changed / unchanged / gone.
//
// # Scale-out (a redis state, fleet.go)
//
// Several worker processes (distinct JobOptions.Worker names) crawling with the same
// redis store share one run of each site: the first to call BeginRun begins it, the
// others join it and seed too (seeds already queued are skipped, atomically). A
// worker with nothing left to lease waits while other workers hold leases (their
// pages may queue links; an expired lease puts its URLs back), and the run is
// finished by whichever worker sees the queue empty and nothing leased. A store
// that cannot be reached makes the store calls wait (store.Redis retries with
// backoff); if it stays unreachable, the frontier error ends the site with an error,
// never as a finished run; so does a run that is gone from the store when the worker
// drains (its state was lost or reset). With state.fleet_limits the site's
// fetch.Politeness takes its turns from a per-host limiter in Redis (fleet.Limiter),
// with the same limits, so they hold for the fleet.
//
// # Accounting
//
// Every URL the crawler saw but did not emit ends in exactly one category, with a
// short reason (Summary.Categories, Summary.Reasons):
//
//	robots_disallowed  robots.txt disallows it (or robots.txt was unavailable: 5xx, network)
//	excluded           domain not allowed; matched by exclude; matched by neither follow nor
//	                   articles; a redirect out of the allowed space
//	duplicate          a variant of a URL already seen (tracking parameters, fragment, …);
//	                   a rel=canonical alias; a redirect onto a URL already seen; a canonical
//	                   URL already emitted
//	not_article        not matched by articles; page_type listing/other; meta robots noindex;
//	                   not HTML (content type); a sitemap or feed
//	dropped            a pipeline stage dropped the record ("stage: reason")
//	failed             HTTP status, timeout, network error, redirect loop or too many redirects,
//	                   binary or undecodable body, malformed sitemap, a sitemap entry that
//	                   cannot be used ("sitemap entry: …"), extractor or sink error
//	over_limit         max_pages, max_depth, body_size (max_body_bytes), url_length, trap,
//	                   max_sitemaps, sitemap_entries
//	unchanged          (persistent state only) an article emitted by an earlier run and not
//	                   written again: 304 Not Modified, sitemap lastmod not moved, or same
//	                   content hash
//	gone               (persistent state only) an article emitted by an earlier run that now
//	                   answers 404 or 410
//
// A link repeated verbatim is the same URL and is not counted again. URLs stopped by
// the trap guard or max_depth are held until the end of the site's crawl and counted
// only if no other path queued them.
package crawler

package sample_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/healthcrawl/healthcrawl/sample"
)

// Serve the sample site on a loopback port; absolute URLs in robots.txt,
// sitemap.xml and the pages follow the address it is served on.
func ExampleHandler() {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/robots.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	robots, _ := io.ReadAll(resp.Body)
	fmt.Println(strings.Contains(string(robots), "Sitemap: "+srv.URL+"/sitemap.xml"))
	fmt.Println(len(sample.ArticlePaths()), "articles,", len(sample.ListingPaths()), "listing pages")
	fmt.Println(sample.ListingPaths()[:3])
	// Output:
	// true
	// 27 articles, 9 listing pages
	// [/ /category/conditions/ /category/conditions/page/2/]
}

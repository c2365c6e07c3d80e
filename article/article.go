// Package article defines the healthcrawl record (schema v1): the contract with data teams.
//
// Field names are snake_case and stable. Additions are backwards compatible; a breaking
// change bumps SchemaVersion. Fields a page does not have are omitted, never invented.
package article

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
)

// SchemaVersion is the version of the record layout written in every record.
const SchemaVersion = 1

// Page types.
const (
	PageArticle = "article"
	PageListing = "listing"
	PageOther   = "other"
)

// Block types.
const (
	BlockParagraph = "paragraph"
	BlockList      = "list"
	BlockQuote     = "quote"
	BlockTable     = "table"
	BlockCode      = "code"
)

// Article is one extracted, cleaned record.
type Article struct {
	SchemaVersion int        `json:"schema_version" jsonschema:"required,minimum=1"`
	Source        string     `json:"source,omitempty" jsonschema:"description=The input the record came from: a URL for crawls, the argument as given for crawl extract"`
	URL           string     `json:"url,omitempty" jsonschema:"description=Address the page was fetched from (after redirects)"`
	CanonicalURL  string     `json:"canonical_url,omitempty"`
	Site          string     `json:"site,omitempty" jsonschema:"description=Name of the site target from the config"`
	FetchedAt     *time.Time `json:"fetched_at,omitempty"`
	PageType      string     `json:"page_type" jsonschema:"required,enum=article,enum=listing,enum=other"`
	Change        string     `json:"change,omitempty" jsonschema:"enum=new,enum=changed,description=Set by incremental crawls"`

	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	PublishedAt string   `json:"published_at,omitempty" jsonschema:"pattern=^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z)?$,description=First publication of the page: RFC 3339 in UTC when the time of day and its zone are known (2024-03-18T09:12:00Z)\\, YYYY-MM-DD when only the day is. From an Originally published line\\, else the publication date shown in the byline (labelled Published/Posted or unlabelled)\\, which beats a metadata date that disagrees with it\\, else metadata datePublished (also when the page shows only an Updated date: the update is modified_at)\\, else the permalink date; a modified date only when the page gives no other"`
	ModifiedAt  string   `json:"modified_at,omitempty" jsonschema:"pattern=^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z)?$,description=Last update (Updated … lines\\, dateModified): RFC 3339 in UTC when the time of day and its zone are known (2024-03-18T09:12:00Z)\\, YYYY-MM-DD when only the day is"`
	Language    string   `json:"language,omitempty" jsonschema:"description=ISO 639-1 code"`
	SiteName    string   `json:"site_name,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Image       string   `json:"image,omitempty"`
	ReviewedBy  string   `json:"reviewed_by,omitempty" jsonschema:"description=Medical reviewer, name and credentials"`
	ReviewedAt  string   `json:"reviewed_at,omitempty" jsonschema:"pattern=^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z)?$,description=Last medical review: RFC 3339 in UTC when the time of day and its zone are known (2024-03-18T09:12:00Z)\\, YYYY-MM-DD when only the day is"`

	Sections   []Section   `json:"sections,omitempty"`
	Related    []Related   `json:"related,omitempty"`
	References []Reference `json:"references,omitempty"`

	Text        string `json:"text,omitempty" jsonschema:"description=Body as plain text: blocks separated by a blank line, one list item a line"`
	WordCount   int    `json:"word_count"`
	ContentHash string `json:"content_hash,omitempty" jsonschema:"description=sha256 of text, hex"`
	RecordID    string `json:"record_id,omitempty" jsonschema:"pattern=^[0-9a-f]{32}$,description=Stable identity of this version of the record: the first 16 bytes (32 hex digits) of sha256(url + newline + content_hash); url is the record's url\\, else canonical_url\\, else source. Same page and same text give the same id in every run and format"`
}

// Section is a heading and the blocks under it. The lead (before the first heading)
// has an empty heading and level 0.
type Section struct {
	Heading string  `json:"heading"`
	Level   int     `json:"level" jsonschema:"minimum=0,maximum=6"`
	Blocks  []Block `json:"blocks"`
}

// Block is one body block.
type Block struct {
	Type    string     `json:"type" jsonschema:"required,enum=paragraph,enum=list,enum=quote,enum=table,enum=code"`
	Text    string     `json:"text,omitempty"`
	Ordered bool       `json:"ordered,omitempty"`
	Items   []ListItem `json:"items,omitempty"`
	Rows    [][]string `json:"rows,omitempty"`
	// Truncated is set when the block ends mid-word or with an ellipsis.
	Truncated bool `json:"truncated,omitempty"`
	// Role marks a block that belongs to the page's structure but not to its
	// prose: "toc" is an in-article table of contents. Such blocks stay in
	// sections (in document order) and are left out of Text and WordCount.
	Role string `json:"role,omitempty" jsonschema:"enum=toc,description=Set on blocks kept for structure but left out of text: toc = in-article table of contents"`
}

// Block roles.
const (
	RoleTOC = "toc"
)

// InText reports whether the block's text is part of the article's Text (blocks
// with a Role, such as a table of contents, are not).
func (b Block) InText() bool { return b.Role == "" }

// HeadingInText reports whether the section's heading is part of Text: not when
// every block under it is left out of Text (a "Contents" heading over a table
// of contents).
func (s Section) HeadingInText() bool {
	if len(s.Blocks) == 0 {
		return true
	}
	for _, b := range s.Blocks {
		if b.InText() {
			return true
		}
	}
	return false
}

// ListItem is one list entry. "Increased Blood Flow: Massage promotes…" has Label
// "Increased Blood Flow" and Text "Massage promotes…". Depth is 0 for top-level items.
type ListItem struct {
	Label string `json:"label,omitempty"`
	Text  string `json:"text"`
	Depth int    `json:"depth,omitempty"`
}

// Related is a related-article stub.
type Related struct {
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Snippet   string `json:"snippet,omitempty"`
	Truncated bool   `json:"truncated"`
}

// Reference is one entry of a references/sources list.
type Reference struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	DOI  string `json:"doi,omitempty"`
	PMID string `json:"pmid,omitempty"`
}

// ItemText renders a list item as one line ("Label: text").
func (it ListItem) ItemText() string {
	if it.Label == "" {
		return it.Text
	}
	if it.Text == "" {
		return it.Label
	}
	return it.Label + ": " + it.Text
}

// BlockText renders a block as plain text: list items one per line, table rows
// one per line with cells separated by " | ".
func (b Block) BlockText() string {
	switch b.Type {
	case BlockList:
		var sb strings.Builder
		for i, it := range b.Items {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(it.ItemText())
		}
		return sb.String()
	case BlockTable:
		var sb strings.Builder
		for i, r := range b.Rows {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(strings.Join(r, " | "))
		}
		return sb.String()
	default:
		return b.Text
	}
}

// Finalize recomputes the derived fields Text, WordCount and ContentHash from the
// sections: headings and blocks are separated by a blank line, one list item a line.
// Blocks with a Role (and a heading over nothing but such blocks) are left out.
func (a *Article) Finalize() {
	if a.SchemaVersion == 0 {
		a.SchemaVersion = SchemaVersion
	}
	var parts []string
	for i := range a.Sections {
		if a.Sections[i].Blocks == nil {
			// blocks is a required array in the schema: never write null.
			a.Sections[i].Blocks = []Block{}
		}
	}
	for _, s := range a.Sections {
		if h := strings.TrimSpace(s.Heading); h != "" && s.HeadingInText() {
			parts = append(parts, h)
		}
		for _, b := range s.Blocks {
			if !b.InText() {
				continue
			}
			if t := strings.TrimSpace(b.BlockText()); t != "" {
				parts = append(parts, t)
			}
		}
	}
	a.Text = strings.Join(parts, "\n\n")
	a.WordCount = CountWords(a.Text)
	if a.Text == "" {
		a.ContentHash = ""
	} else {
		sum := sha256.Sum256([]byte(a.Text))
		a.ContentHash = hex.EncodeToString(sum[:])
	}
	a.SetRecordID()
}

// RecordID is the record_id of a record at url with content hash contentHash: the
// first 16 bytes of sha256(url + "\n" + contentHash), 32 lower-case hex digits; ""
// when contentHash is empty (a record without text has no content identity).
func RecordID(url, contentHash string) string {
	if contentHash == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(url + "\n" + contentHash))
	return hex.EncodeToString(sum[:16])
}

// IdentityURL is the URL a record is known by: url (the canonical form of the URL
// it was fetched from), else canonical_url, else source.
func (a *Article) IdentityURL() string {
	for _, u := range []string{a.URL, a.CanonicalURL, a.Source} {
		if u != "" {
			return u
		}
	}
	return ""
}

// SetRecordID sets RecordID from the record's identity URL and ContentHash. Finalize
// calls it; call it again after changing the URL of a finalised record.
func (a *Article) SetRecordID() { a.RecordID = RecordID(a.IdentityURL(), a.ContentHash) }

// CountWords counts runs of letters or digits separated by anything else. Ideographic
// scripts without spaces count one word per character.
func CountWords(s string) int {
	n := 0
	in := false
	for _, r := range s {
		var word, split bool
		switch {
		case r < 0x80: // ASCII fast path
			word = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '\'' && in
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			split = true
		default:
			word = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) && in || r == '’' && in
		}
		switch {
		case split:
			n++
			in = false
		case word:
			if !in {
				n++
				in = true
			}
		default:
			in = false
		}
	}
	return n
}

// Blocks returns the number of blocks over all sections.
func (a *Article) Blocks() int {
	n := 0
	for _, s := range a.Sections {
		n += len(s.Blocks)
	}
	return n
}

// Clone returns a deep copy of a.
func (a *Article) Clone() *Article {
	c := *a
	c.Authors = append([]string(nil), a.Authors...)
	c.Tags = append([]string(nil), a.Tags...)
	c.Related = append([]Related(nil), a.Related...)
	c.References = append([]Reference(nil), a.References...)
	if a.FetchedAt != nil {
		t := *a.FetchedAt
		c.FetchedAt = &t
	}
	c.Sections = make([]Section, len(a.Sections))
	for i, s := range a.Sections {
		ns := s
		ns.Blocks = make([]Block, len(s.Blocks))
		for j, b := range s.Blocks {
			nb := b
			nb.Items = append([]ListItem(nil), b.Items...)
			if b.Rows != nil {
				nb.Rows = make([][]string, len(b.Rows))
				for k, r := range b.Rows {
					nb.Rows[k] = append([]string(nil), r...)
				}
			}
			ns.Blocks[j] = nb
		}
		c.Sections[i] = ns
	}
	if a.Sections == nil {
		c.Sections = nil
	}
	return &c
}

package keyset

import (
	"fmt"
	"testing"
)

func TestSet(t *testing.T) {
	s := New()
	if !s.Add("https://x/1") || s.Add("https://x/1") {
		t.Fatal("Add: want new the first time only")
	}
	if !s.Add("https://x/2") || s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	if !s.Has("https://x/2") || s.Has("https://x/3") || s.Has("") {
		t.Fatal("Has: wrong membership")
	}
	if !s.Delete("https://x/1") || s.Delete("https://x/1") || s.Has("https://x/1") || s.Len() != 1 {
		t.Fatal("Delete: want removed once")
	}
	// No two of many similar keys share a hash.
	for i := range 200000 {
		if !s.Add(fmt.Sprintf("https://example.com/article/%d", i)) {
			t.Fatalf("key %d collides", i)
		}
	}
	if s.Len() != 200001 {
		t.Fatalf("Len = %d, want 200001", s.Len())
	}
	if Of("a") == Of("b") || Of("a") != Of("a") {
		t.Fatal("Of: not a function of the key")
	}
}

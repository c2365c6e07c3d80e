package redistest

import (
	"context"
	"testing"
)

func TestStartRestart(t *testing.T) {
	ctx := context.Background()
	s := StartWith(t, Options{Persist: true})
	if got, err := s.Do(ctx, "SET", "k", "v1"); err != nil || got != "OK" {
		t.Fatalf("SET = %q, %v", got, err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Do(ctx, "GET", "k"); err != nil || got != "v1" {
		t.Fatalf("GET after restart = %q, %v; want v1 (persisted)", got, err)
	}
	s.Kill()
	if _, err := s.Do(ctx, "PING"); err == nil {
		t.Fatal("PING answered after Kill")
	}
	if err := s.StartAgain(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Do(ctx, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING after StartAgain = %q, %v", got, err)
	}
}

func TestNoPersistence(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	if _, err := s.Do(ctx, "SET", "k", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Do(ctx, "EXISTS", "k"); err != nil || got != "0" {
		t.Fatalf("EXISTS after restart = %q, %v; want 0 (no persistence)", got, err)
	}
}

package testutil

import "runtime"

// HeapGrowth runs build and returns the bytes of Go heap still allocated after it
// (HeapAlloc after a collection, against HeapAlloc after one before it): what the
// structures build made cost while they are reachable, without the garbage of
// their growth. build stores them where the caller keeps them alive past the call
// (runtime.KeepAlive after it), or they are collected before the second reading.
func HeapGrowth(build func()) int64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	build()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	return int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
}

package report

// CompactCount is compact, for the tests.
var CompactCount = compact

package extractors

var debugEmit = false

package match

// EstMargin exposes the retrieval cut's margin to the external tests.
var EstMargin = &estMargin

module github.com/vigil-screening/vigil

go 1.26.8

require github.com/biter777/countries v1.7.5

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)

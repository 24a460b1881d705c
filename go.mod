module github.com/vigil-screening/vigil

go 1.26.8

require github.com/biter777/countries v1.7.5

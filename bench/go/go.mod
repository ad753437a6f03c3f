module github.com/libvoicecb/libvoicecb/bench/go

go 1.24

require github.com/libvoicecb/libvoicecb/bindings/go v0.0.0

replace github.com/libvoicecb/libvoicecb/bindings/go => ../../bindings/go

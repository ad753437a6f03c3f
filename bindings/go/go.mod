module github.com/libvoicecb/libvoicecb/bindings/go

go 1.24

"""One module per command: each adds its parser and turns the namespace into a
plain call. No command imports another; what they share lives beside them."""

// Package layout holds no code: its test checks that the README's "Where
// things are" table names every package of the module, and that each package
// imports only what its row allows.
package layout

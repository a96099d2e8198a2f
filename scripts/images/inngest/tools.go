//go:build tools

// Package tools pins the Inngest server's main package, so go mod tidy keeps its dependencies.
package tools

import _ "github.com/inngest/inngest/cmd"

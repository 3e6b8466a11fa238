package assets

import (
	"embed"
	"io/fs"
)

//go:embed dashboard
var dashboardFiles embed.FS

// Dashboard holds the dashboard's static files (index.html, app.js,
// app.css, icon.svg) at its root: plain HTML, CSS and JavaScript, no build
// step, nothing loaded from elsewhere. The gateway serves them at / and
// /assets/.
var Dashboard fs.FS = mustSub(dashboardFiles, "dashboard")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above
	}
	return sub
}

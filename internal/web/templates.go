package web

import (
	"fmt"
	"html/template"
)

// pageNames are the pages; each is templates/<name>.html defining
// "content" inside templates/base.html.
var pageNames = []string{"login", "incidents", "incident", "problem", "wall", "bulk"}

// parsePages parses each page with the base layout and the partials
// (row.html: one row of the incident list, also served alone for live
// updates).
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/base.html", "templates/row.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

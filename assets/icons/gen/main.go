//go:build ignore

// Command gen draws Switchyard's icons and writes them next to it.
//
// The glyph is a railway turnout: two parallel tracks at the top merge into
// one track at the bottom, the way Switchyard merges several backends into one
// local endpoint. It is drawn white on a rounded tile whose colour is the
// tray state (ok green, degraded amber, down grey), plus a black-on-transparent
// macOS template version and the application icon for packaging.
//
// Only the standard library is used. Shapes are signed distance functions,
// rendered 4x supersampled (2x from 256 px up) with a one-sample linear ramp, composited in linear
// light and box-filtered down, so edges are anti-aliased; track positions are
// snapped to the pixel grid at every size so the small tray sizes stay crisp.
//
// Run from the repository root (or via go generate in assets/):
//
//	go run assets/icons/gen/main.go -out assets/icons
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// rgb is a colour in linear light, 0..1.
type rgb struct{ r, g, b float64 }

func srgb(hex uint32) rgb {
	lin := func(v uint32) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return rgb{lin(hex >> 16 & 0xff), lin(hex >> 8 & 0xff), lin(hex & 0xff)}
}

// Tile colours per state: top and bottom of a subtle vertical gradient.
var tiles = map[string][2]rgb{
	"ok":       {srgb(0x34C774), srgb(0x17995A)},
	"degraded": {srgb(0xFFB938), srgb(0xE88A0C)},
	"down":     {srgb(0x9AA1AB), srgb(0x6B7280)},
}

var white = rgb{1, 1, 1}

// canvas holds premultiplied linear RGBA samples at supersampled resolution.
type canvas struct {
	n    int // output size in pixels
	ss   int // samples per pixel on each axis
	w    int // sample grid width = n*ss
	r, g []float64
	b, a []float64
}

func newCanvas(n int) *canvas {
	ss := 4
	if n >= 256 { // big icons need no heavy supersampling, and it is slow
		ss = 2
	}
	w := n * ss
	return &canvas{n: n, ss: ss, w: w, r: make([]float64, w*w), g: make([]float64, w*w), b: make([]float64, w*w), a: make([]float64, w*w)}
}

// paint composites colour c (given per sample by col) over the canvas with
// the coverage of the shape whose signed distance, in output pixels, is sdf.
// Coordinates passed to sdf and col are in output pixels.
func (cv *canvas) paint(sdf func(x, y float64) float64, col func(x, y float64) rgb, alpha float64) {
	px := 1.0 / float64(cv.ss)
	for j := 0; j < cv.w; j++ {
		y := (float64(j) + 0.5) * px
		for i := 0; i < cv.w; i++ {
			x := (float64(i) + 0.5) * px
			d := sdf(x, y)
			cov := clamp(0.5-d/px, 0, 1) * alpha
			if cov == 0 {
				continue
			}
			c := col(x, y)
			k := j*cv.w + i
			cv.r[k] = c.r*cov + cv.r[k]*(1-cov)
			cv.g[k] = c.g*cov + cv.g[k]*(1-cov)
			cv.b[k] = c.b*cov + cv.b[k]*(1-cov)
			cv.a[k] = cov + cv.a[k]*(1-cov)
		}
	}
}

// erase removes the shape from the canvas (destination-out).
func (cv *canvas) erase(sdf func(x, y float64) float64) {
	px := 1.0 / float64(cv.ss)
	for j := 0; j < cv.w; j++ {
		y := (float64(j) + 0.5) * px
		for i := 0; i < cv.w; i++ {
			x := (float64(i) + 0.5) * px
			cov := clamp(0.5-sdf(x, y)/px, 0, 1)
			if cov == 0 {
				continue
			}
			k := j*cv.w + i
			cv.r[k] *= 1 - cov
			cv.g[k] *= 1 - cov
			cv.b[k] *= 1 - cov
			cv.a[k] *= 1 - cov
		}
	}
}

// image box-filters the samples down to n x n and converts to 8-bit sRGB.
func (cv *canvas) image() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, cv.n, cv.n))
	ss := cv.ss
	s2 := float64(ss * ss)
	for y := 0; y < cv.n; y++ {
		for x := 0; x < cv.n; x++ {
			var r, g, b, a float64
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					k := (y*ss+j)*cv.w + x*ss + i
					r += cv.r[k]
					g += cv.g[k]
					b += cv.b[k]
					a += cv.a[k]
				}
			}
			r, g, b, a = r/s2, g/s2, b/s2, a/s2
			if a <= 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: enc(r / a), G: enc(g / a), B: enc(b / a), A: uint8(math.Round(clamp(a, 0, 1) * 255)),
			})
		}
	}
	return img
}

func enc(l float64) uint8 {
	l = clamp(l, 0, 1)
	var c float64
	if l <= 0.0031308 {
		c = l * 12.92
	} else {
		c = 1.055*math.Pow(l, 1/2.4) - 0.055
	}
	return uint8(math.Round(c * 255))
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// --- shapes ----------------------------------------------------------------

type pt struct{ x, y float64 }

// roundRect is the SDF of a rounded square [x0,x1]x[y0,y1] with corner radius rad.
func roundRect(x0, y0, x1, y1, rad float64) func(x, y float64) float64 {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hx, hy := (x1-x0)/2-rad, (y1-y0)/2-rad
	return func(x, y float64) float64 {
		qx, qy := math.Abs(x-cx)-hx, math.Abs(y-cy)-hy
		out := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
		in := math.Min(math.Max(qx, qy), 0)
		return out + in - rad
	}
}

func circle(cx, cy, rad float64) func(x, y float64) float64 {
	return func(x, y float64) float64 { return math.Hypot(x-cx, y-cy) - rad }
}

// cubic flattens a cubic Bézier into points.
func cubic(p0, p1, p2, p3 pt, steps int) []pt {
	out := make([]pt, 0, steps+1)
	for i := 0; i <= steps; i++ {
		t := float64(i) / float64(steps)
		u := 1 - t
		a, b, c, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
		out = append(out, pt{a*p0.x + b*p1.x + c*p2.x + d*p3.x, a*p0.y + b*p1.y + c*p2.y + d*p3.y})
	}
	return out
}

// stroke is the SDF of polylines drawn with round caps and the given width.
func stroke(width float64, lines ...[]pt) func(x, y float64) float64 {
	hw := width / 2
	return func(x, y float64) float64 {
		best := math.Inf(1)
		for _, l := range lines {
			for i := 0; i+1 < len(l); i++ {
				best = math.Min(best, segDist(x, y, l[i], l[i+1]))
			}
		}
		return best - hw
	}
}

func segDist(x, y float64, a, b pt) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = clamp(((x-a.x)*dx+(y-a.y)*dy)/l2, 0, 1)
	}
	return math.Hypot(x-(a.x+t*dx), y-(a.y+t*dy))
}

func union(fs ...func(x, y float64) float64) func(x, y float64) float64 {
	return func(x, y float64) float64 {
		d := math.Inf(1)
		for _, f := range fs {
			d = math.Min(d, f(x, y))
		}
		return d
	}
}

func solid(c rgb) func(x, y float64) rgb { return func(float64, float64) rgb { return c } }

// --- the glyph --------------------------------------------------------------

// glyph is the merge drawn into a glyph area [lo, hi] on both axes: two
// source tracks with a node at their top ends curve into one trunk that ends
// in the output node at the bottom.
type glyph struct {
	width        float64 // stroke width in pixels
	node         float64 // node radius
	left, right  float64 // x of the two source tracks
	mid          float64 // x of the trunk
	top, bottom  float64 // y of the source nodes and of the output node
	split, merge float64 // y where the S-curves start and where they meet the trunk
}

// layout computes the geometry for an n-pixel icon whose glyph area is
// [lo, hi], snapping vertical stroke edges to the pixel grid.
func layout(n int, lo, hi float64, widthFrac float64) glyph {
	span := hi - lo
	w := math.Max(2, math.Round(float64(n)*widthFrac))
	snap := func(v float64) float64 { return math.Round(v-w/2) + w/2 }
	g := glyph{width: w, node: w * 1.05}
	g.left = snap(lo + span*0.18)
	g.right = snap(hi - span*0.18)
	g.mid = snap((g.left + g.right) / 2)
	g.top = lo + g.node
	g.bottom = hi - g.node
	g.split = lo + span*0.30
	g.merge = lo + span*0.70
	return g
}

func (g glyph) tracks() func(x, y float64) float64 {
	h := (g.merge - g.split) * 0.55
	arm := func(x float64) []pt {
		l := []pt{{x, g.top}}
		return append(l, cubic(pt{x, g.split}, pt{x, g.split + h}, pt{g.mid, g.merge - h}, pt{g.mid, g.merge}, 48)...)
	}
	return stroke(g.width, arm(g.left), arm(g.right), []pt{{g.mid, g.merge}, {g.mid, g.bottom}})
}

// nodes returns the three node centres: left source, right source, output.
func (g glyph) nodes() [3]pt {
	return [3]pt{{g.left, g.top}, {g.right, g.top}, {g.mid, g.bottom}}
}

// hollow reports which nodes a state draws as rings instead of dots: a
// degraded gateway has lost one source, a down one has lost them all. This
// keeps the states apart by shape too, for colour-blind eyes and templates.
func hollow(state string) [3]bool {
	switch state {
	case "degraded":
		return [3]bool{false, true, false}
	case "down":
		return [3]bool{true, true, true}
	}
	return [3]bool{}
}

// ring is the stroke width of a hollow node.
func (g glyph) ring() float64 { return math.Max(1, math.Round(g.width*0.5)) }

// --- icons ---------------------------------------------------------------------

// tile draws a colour-state icon: gradient tile, white merge glyph.
func tile(n int, state string) *image.NRGBA {
	cv := newCanvas(n)
	f := float64(n)
	m := math.Max(1, math.Round(f*0.03)) // margin so the tile is not cut by the panel
	if n <= 16 {
		m = 0.5
	}
	x0, x1 := m, f-m
	rad := (x1 - x0) * 0.24
	c := tiles[state]
	grad := func(_, y float64) rgb {
		t := clamp((y-x0)/(x1-x0), 0, 1)
		return rgb{c[0].r + (c[1].r-c[0].r)*t, c[0].g + (c[1].g-c[0].g)*t, c[0].b + (c[1].b-c[0].b)*t}
	}
	cv.paint(roundRect(x0, x0, x1, x1, rad), grad, 1)
	pad := (x1 - x0) * 0.16
	g := layout(n, x0+pad, x1-pad, 0.09)
	cv.paint(g.tracks(), solid(white), 1)
	for i, p := range g.nodes() {
		cv.paint(circle(p.x, p.y, g.node), solid(white), 1)
		if hollow(state)[i] {
			cv.paint(circle(p.x, p.y, g.node-g.ring()), grad, 1)
		}
	}
	return cv.image()
}

// template draws the macOS template version: black glyph on transparent.
// A template has no colour, so the states differ by shape only (hollow
// nodes), and down is also drawn fainter.
func template(n int, state string) *image.NRGBA {
	cv := newCanvas(n)
	f := float64(n)
	g := layout(n, f*0.06, f*0.94, 0.10)
	alpha := 1.0
	if state == "down" {
		alpha = 0.55
	}
	cv.paint(g.tracks(), solid(rgb{}), alpha)
	for i, p := range g.nodes() {
		cv.erase(circle(p.x, p.y, g.node))
		cv.paint(circle(p.x, p.y, g.node), solid(rgb{}), alpha)
		if hollow(state)[i] {
			cv.erase(circle(p.x, p.y, g.node-g.ring()))
		}
	}
	return cv.image()
}

// --- encoding ------------------------------------------------------------------

func pngBytes(img image.Image) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// ico packs PNG images into a Windows .ico (PNG entries are supported since Vista).
func ico(imgs []*image.NRGBA) []byte {
	var hdr, body bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&hdr, le, [3]uint16{0, 1, uint16(len(imgs))})
	off := 6 + 16*len(imgs)
	for _, img := range imgs {
		p := pngBytes(img)
		n := img.Bounds().Dx()
		dim := uint8(n)
		if n >= 256 {
			dim = 0
		}
		hdr.Write([]byte{dim, dim, 0, 0})
		binary.Write(&hdr, le, [2]uint16{1, 32})
		binary.Write(&hdr, le, [2]uint32{uint32(len(p)), uint32(off)})
		body.Write(p)
		off += len(p)
	}
	return append(hdr.Bytes(), body.Bytes()...)
}

func write(dir, name string, b []byte) {
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%-32s %6d bytes\n", p, len(b))
}

func main() {
	out := flag.String("out", "assets/icons", "output directory")
	quick := flag.Bool("quick", false, "skip the large application icons")
	flag.Parse()

	for _, st := range []string{"ok", "degraded", "down"} {
		for _, n := range []int{16, 22, 32, 44, 64} {
			write(*out, fmt.Sprintf("tray-%s-%d.png", st, n), pngBytes(tile(n, st)))
		}
		var set []*image.NRGBA
		for _, n := range []int{16, 20, 24, 32, 40, 48, 64} {
			set = append(set, tile(n, st))
		}
		write(*out, fmt.Sprintf("tray-%s.ico", st), ico(set))
		for _, n := range []int{22, 44} {
			write(*out, fmt.Sprintf("template-%s-%d.png", st, n), pngBytes(template(n, st)))
		}
	}

	if *quick {
		for _, n := range []int{128, 256} {
			write(*out, fmt.Sprintf("app/switchyard-%d.png", n), pngBytes(tile(n, "ok")))
		}
		return
	}
	// Application icon (packaging: .desktop, .app/.icns, Windows .exe).
	var appSet []*image.NRGBA
	for _, n := range []int{16, 24, 32, 48, 64, 128, 256, 512, 1024} {
		img := tile(n, "ok")
		write(*out, fmt.Sprintf("app/switchyard-%d.png", n), pngBytes(img))
		if n <= 256 {
			appSet = append(appSet, img)
		}
	}
	write(*out, "app/switchyard.ico", ico(appSet))
}

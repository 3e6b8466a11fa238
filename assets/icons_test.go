package assets

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

func TestIconPNG(t *testing.T) {
	for _, st := range []string{StateOK, StateDegraded, StateDown} {
		for _, size := range []int{16, 22, 32, 44, 64} {
			b := IconPNG(st, size)
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s %d: %v", st, size, err)
			}
			if got := img.Bounds().Dx(); got != size || img.Bounds().Dy() != size {
				t.Errorf("%s %d: size %v", st, size, img.Bounds())
			}
			// Corners are transparent (rounded tile), the centre is opaque.
			if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
				t.Errorf("%s %d: corner alpha %d, want 0", st, size, a)
			}
			if _, _, _, a := img.At(size/2, size/2).RGBA(); a != 0xffff {
				t.Errorf("%s %d: centre alpha %d, want opaque", st, size, a)
			}
		}
	}
}

func TestIconFormats(t *testing.T) {
	for _, st := range []string{StateOK, StateDegraded, StateDown} {
		if b := Icon(st, FormatPNG); !bytes.Equal(b, IconPNG(st, 64)) {
			t.Errorf("%s png is not the 64 px icon", st)
		}
		tpl, err := png.Decode(bytes.NewReader(Icon(st, FormatTemplate)))
		if err != nil {
			t.Fatalf("%s template: %v", st, err)
		}
		// A template is black: every visible pixel has no colour.
		b := tpl.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := tpl.At(x, y).RGBA(); r|g|bl != 0 {
					t.Fatalf("%s template pixel (%d,%d) is not black", st, x, y)
				}
			}
		}
		checkICO(t, st, Icon(st, FormatICO))
	}
	if Icon("bogus", FormatPNG) != nil || Icon(StateOK, "bmp") != nil || IconPNG(StateOK, 17) != nil {
		t.Error("unknown state, format or size should give nil")
	}
}

func checkICO(t *testing.T, st string, b []byte) {
	t.Helper()
	if len(b) < 6 {
		t.Fatalf("%s ico: %d bytes", st, len(b))
	}
	le := binary.LittleEndian
	if le.Uint16(b[0:]) != 0 || le.Uint16(b[2:]) != 1 {
		t.Fatalf("%s ico: bad header % x", st, b[:6])
	}
	n := int(le.Uint16(b[4:]))
	want := []int{16, 20, 24, 32, 40, 48, 64}
	if n != len(want) {
		t.Fatalf("%s ico: %d images, want %d", st, n, len(want))
	}
	for i := 0; i < n; i++ {
		e := b[6+16*i:]
		size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
		img, err := png.Decode(bytes.NewReader(b[off : off+size]))
		if err != nil {
			t.Fatalf("%s ico entry %d: %v", st, i, err)
		}
		if int(e[0]) != want[i] || img.Bounds().Dx() != want[i] {
			t.Errorf("%s ico entry %d: dir says %d, image is %d, want %d", st, i, e[0], img.Bounds().Dx(), want[i])
		}
	}
}

package console

import (
	"fmt"
	"math"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The overview's chart is computed here and drawn by the template as SVG:
// a bar per day, stacked low (bottom), medium, high (top). Geometry is in
// the SVG's own units; the stylesheet scales it and colours it per theme.

const (
	chartWidth  = 960.0
	chartHeight = 260.0
	plotLeft    = 48.0
	plotRight   = 8.0
	plotTop     = 12.0
	plotBottom  = 28.0
	maxXLabels  = 7
)

type chart struct {
	Width, Height            float64
	PlotLeft, PlotRight      float64
	PlotTop, PlotBottom      float64
	Segments                 []chartSegment
	YTicks                   []chartTick
	XLabels                  []chartTick
	Total                    int64
	First, Last              string
	BaselineY, LabelY, AxisX float64
}

// chartSegment is one severity's part of one day's bar.
type chartSegment struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type chartTick struct {
	At     float64
	Label  string
	Anchor string
}

func newChart(days []engine.DayCount) chart {
	c := chart{Width: chartWidth, Height: chartHeight, PlotLeft: plotLeft, PlotRight: chartWidth - plotRight,
		PlotTop: plotTop, PlotBottom: chartHeight - plotBottom}
	c.BaselineY, c.LabelY, c.AxisX = c.PlotBottom, chartHeight-8, plotLeft-6
	if len(days) == 0 {
		return c
	}
	c.First, c.Last = days[0].Day.Format("2006-01-02"), days[len(days)-1].Day.Format("2006-01-02")
	var peak int64
	for _, d := range days {
		peak = max(peak, d.Total())
		c.Total += d.Total()
	}
	top := niceCeiling(peak)
	plotH := c.PlotBottom - c.PlotTop
	slot := (c.PlotRight - c.PlotLeft) / float64(len(days))
	scale := plotH / float64(top)
	for i, d := range days {
		x, w := c.PlotLeft+float64(i)*slot+slot*0.15, slot*0.7
		y := c.PlotBottom
		for _, s := range []struct {
			n     int64
			class string
			name  string
		}{{d.Low, "sev-low", "low"}, {d.Medium, "sev-medium", "medium"}, {d.High, "sev-high", "high"}} {
			if s.n <= 0 {
				continue
			}
			h := float64(s.n) * scale
			y -= h
			c.Segments = append(c.Segments, chartSegment{X: x, Y: y, W: w, H: h, Class: s.class,
				Title: fmt.Sprintf("%s: %d %s", d.Day.Format("2006-01-02"), s.n, s.name)})
		}
	}
	for _, v := range []int64{0, top / 2, top} {
		if v == top/2 && top%2 != 0 {
			continue
		}
		c.YTicks = append(c.YTicks, chartTick{At: c.PlotBottom - float64(v)*scale, Label: fmt.Sprint(v)})
	}
	every := (len(days) + maxXLabels - 1) / maxXLabels
	for i := len(days) - 1; i >= 0; i -= every {
		tick := chartTick{At: c.PlotLeft + (float64(i)+0.5)*slot, Label: days[i].Day.Format("Jan 2"), Anchor: "middle"}
		if i == len(days)-1 {
			// The newest day's label ends at the plot's edge, not past it.
			tick.At, tick.Anchor = c.PlotRight, "end"
		}
		c.XLabels = append(c.XLabels, tick)
	}
	return c
}

// niceCeiling is the smallest round number at least n, so that the top
// of the axis sits just above the highest bar: 1, 1.2, 1.6, 2, 2.4, 3, 4,
// 5, 6 or 8 times a power of ten, even (the middle tick is whole) and at
// least 2.
func niceCeiling(n int64) int64 {
	if n <= 2 {
		return 2
	}
	p := int64(math.Pow(10, math.Floor(math.Log10(float64(n)))))
	for _, tenths := range []int64{10, 12, 16, 20, 24, 30, 40, 50, 60, 80, 100} {
		if v := tenths * p / 10; v >= n && v%2 == 0 {
			return v
		}
	}
	return 10 * p
}

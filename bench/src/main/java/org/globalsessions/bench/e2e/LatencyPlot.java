package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The latency plot: percentile distributions (HdrHistogram style) of the cells that compare
 * paths, one line per system and path: log–log, x = 1/(1−percentile) so that 10 is p90, 100 p99
 * and 1000 p99.9; y = latency in µs.
 */
final class LatencyPlot {

    private LatencyPlot() {
    }

    /** Plots the reads of {@code results} (and the writes of the set path) into a PNG at {@code png}. */
    static void write(List<ClosedLoop.Result> results, String title, Path png) {
        XYChart chart = new XYChartBuilder().width(1200).height(750).title(title)
                .xAxisTitle("1 / (1 − percentile): 10 = p90, 100 = p99, 1000 = p99.9").yAxisTitle("latency, µs").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setMarkerSize(0)
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        for (ClosedLoop.Result r : results) {
            Histogram h = r.cell().path() == Cell.Path.SET ? r.writes() : r.reads();
            if (h.getTotalCount() == 0) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (HistogramIterationValue v : h.percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo() / 100;
                if (p >= 0.9999 || v.getValueIteratedTo() <= 0) {
                    break;
                }
                x.add(1 / (1 - p));
                y.add(v.getValueIteratedTo() / 1_000.0);
            }
            if (!x.isEmpty()) {
                Cell c = r.cell();
                String name = c.path().system + ": " + c.path().description;
                XYSeries series = chart.addSeries(name, x, y);
                series.setMarker(SeriesMarkers.NONE);
            }
        }
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}

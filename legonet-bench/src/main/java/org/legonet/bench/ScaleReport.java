package org.legonet.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The scaling study as JSON (every figure), a Markdown report and an XChart plot. */
public final class ScaleReport {
    private ScaleReport() {
    }

    public static void writeJson(ScaleResults.Run run, Path file) throws IOException {
        Report.writeJsonFile(run, file);
    }

    /** Writes the report and its plot beside it ({@code NAME-removal.png}); returns the plot. */
    public static Path writeMarkdown(ScaleResults.Run run, Path mdFile) throws IOException {
        return Report.writeMarkdownWithPlot(mdFile, "removal", file -> plot(run, file), name -> markdown(run, name));
    }

    /** The Markdown report. */
    public static String markdown(ScaleResults.Run r, String plotName) {
        StringBuilder b = new StringBuilder();
        BenchResults.Machine m = r.machine();
        b.append("# LegoNet scaling study\n\n");
        b.append(f("Run %s, %.0f s in all. %s, %d cores (%d threads used), Java %s, %s, max heap %.1f GiB.%n%n",
                r.started(), r.seconds(), m.cpu(), m.cores(), m.threads(), m.java(), m.simd(),
                m.maxHeapBytes() / (double) (1L << 30)));
        b.append(f("Data: %s, both splits grown by each factor (shifts and mirror images, fresh ids); "
                        + "%,d public samples at x1 (the encoder and keys), %,d test samples. Setting at x1: %s; n grows "
                        + "with the factor, k stays. Spark: %s, %d input partitions.%n%n", r.data(), r.publicSamples(),
                r.testSamples(), r.baseSetting(), r.sparkMaster() == null ? "not run" : r.sparkMaster(),
                r.sparkPartitions()));

        b.append("## In process\n\n");
        b.append("| scale | private N | public P | n x k | test acc | samples per removal (k²N/n) | train s (encode + keys + "
                + "adapters) | peak heap GiB | store MB | Single p50 / p95 s (retrain + store) | Random100 s | UnClass s "
                + "| retrain all s | checks |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        ScaleResults.Scale first = r.scales().get(0);
        for (ScaleResults.Scale s : r.scales()) {
            BenchResults.SettingResult p = s.inProcess();
            double keys = p.trainSeconds() - s.encodeSeconds() - p.adapterSeconds();
            b.append(f("| x%d | %,d | %,d | %d x %d | %s | %,.0f (%,.0f) | %.1f (%.1f + %.1f + %.1f) | %.2f | %,.0f "
                            + "| %.4f / %.4f (%.4f + %.4f) | %s | %s | %s | %s |%n", s.factor(), s.privateSamples(),
                    s.publicSamples(), s.n(), s.k(), PaperReport.acc(p.before().test()), p.expectedSamplesPerRemoval(),
                    p.idealSamplesPerRemoval(), p.trainSeconds(), s.encodeSeconds(), keys, p.adapterSeconds(),
                    p.peakHeapBytes() / (double) (1L << 30), p.storeBytes() / 1e6,
                    p.single().p50Seconds(), p.single().p95Seconds(), p.single().p50TrainSeconds(),
                    p.single().p50StoreSeconds(), task(p.random100()), task(p.unclass()),
                    p.retrainAllSeconds() == null ? "-" : f("%.1f", p.retrainAllSeconds()), checks(p)));
        }
        b.append('\n');
        for (ScaleResults.Scale s : r.scales()) {
            if (s != first) {
                double ratio = s.inProcess().single().p50Seconds() / first.inProcess().single().p50Seconds();
                b.append(f("Single p50 at x%d is x%.2f of x%d's (%.4f s against %.4f s): %s.%n", s.factor(), ratio,
                        first.factor(), s.inProcess().single().p50Seconds(), first.inProcess().single().p50Seconds(),
                        ratio <= 1.5 ? "within 1.5x, flat as k²N/n predicts" : "NOT within 1.5x"));
            }
        }
        b.append('\n');

        if (r.scales().stream().anyMatch(s -> s.spark() != null)) {
            b.append("## Spark (").append(r.sparkMaster()).append(") against in process\n\n");
            b.append("| scale | train s: Spark (driver: encoder and keys) / in process (x) | save s | peak heap GiB | same digest | Single p50 / p95 s "
                    + "(wall with open) | Random100 s | UnClass s | verify in process |\n");
            b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (ScaleResults.Scale s : r.scales()) {
                ScaleResults.Spark sp = s.spark();
                if (sp == null) {
                    continue;
                }
                double inProc = s.inProcess().trainSeconds();
                b.append(f("| x%d | %.1f (%.1f) / %.1f (x%.2f) | %.1f | %.2f | %s (%s) | %.4f / %.4f (%.3f) | %s | %s | %s |%n",
                        s.factor(), sp.trainSeconds(), sp.driverSeconds(), inProc, sp.trainSeconds() / inProc, sp.saveSeconds(),
                        sp.peakHeapBytes() / (double) (1L << 30), sp.sameDigest() ? "yes" : "NO",
                        sp.digest().substring(0, 16), sp.single().p50Seconds(), sp.single().p95Seconds(),
                        sp.single().p50WallSeconds(), task(sp.random100()), task(sp.unclass()), sp.verify()));
            }
            b.append('\n');
        }

        ScaleResults.CostModel c = r.costModel();
        if (c != null) {
            b.append("## Cost model (on paper, from this run's constants)\n\n");
            b.append(f("%s. t = %.3g s per trained sample on one core; store part %.4f s at the largest factor, "
                    + "+%.4f s per 1,000 adapters.%n%n", c.formula(), c.secondsPerSampleTrained(), c.removalFixedSeconds(),
                    c.fixedSecondsPer1000Adapters()));
            b.append("| scale | private N | n x k | executors C | samples per removal | one-sample removal s | retrain all s |\n");
            b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
            for (ScaleResults.CostRow row : c.rows()) {
                b.append(f("| x%d | %,d | %d x %d | %d | %,.0f | %.3f | %,.0f |%n", row.factor(), row.privateSamples(),
                        row.n(), row.k(), row.executors(), row.samplesPerRemoval(), row.removalSeconds(),
                        row.retrainAllSeconds()));
            }
            b.append('\n');
        }
        if (plotName != null) {
            b.append("![one-sample removal and training time against N](").append(plotName).append(")\n\n");
        }
        b.append("## Notes\n\n");
        r.notes().forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    private static String task(BenchResults.Task t) {
        return t == null ? "-" : f("%.3f", t.seconds());
    }

    private static String checks(BenchResults.SettingResult p) {
        List<String> out = new ArrayList<>();
        out.add(p.single().verifiedExact() + "/" + p.single().runs() + " Single EXACT");
        if (p.random100() != null) {
            out.add("Random100 " + p.random100().verify());
        }
        if (p.unclass() != null) {
            out.add("UnClass " + p.unclass().verify());
        }
        return String.join(", ", out);
    }

    /** Single-removal p50 (in process and on Spark) and training time against the number of private samples. */
    static void plot(ScaleResults.Run r, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(PaperReport.WIDTH).height(PaperReport.HEIGHT)
                .title("One-sample removal as N and n grow together (k fixed)")
                .xAxisTitle("private samples N (n grows with N)").yAxisTitle("seconds").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
                .setLegendPosition(Styler.LegendPosition.OutsideS).setMarkerSize(8);
        List<Double> x = new ArrayList<>();
        List<Double> single = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        List<Double> sx = new ArrayList<>();
        List<Double> sparkSingle = new ArrayList<>();
        List<Double> sparkTrain = new ArrayList<>();
        for (ScaleResults.Scale s : r.scales()) {
            x.add((double) s.privateSamples());
            single.add(s.inProcess().single().p50Seconds());
            train.add(s.inProcess().trainSeconds());
            if (s.spark() != null) {
                sx.add((double) s.privateSamples());
                sparkSingle.add(s.spark().single().p50Seconds());
                sparkTrain.add(s.spark().trainSeconds());
            }
        }
        chart.addSeries("one-sample removal p50, in process", x, single).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("training, in process", x, train).setMarker(SeriesMarkers.SQUARE);
        if (!sx.isEmpty()) {
            chart.addSeries("one-sample removal p50, Spark " + r.sparkMaster(), sx, sparkSingle)
                    .setMarker(SeriesMarkers.DIAMOND);
            chart.addSeries("training, Spark " + r.sparkMaster(), sx, sparkTrain).setMarker(SeriesMarkers.TRIANGLE_UP);
        }
        for (XYSeries s : chart.getSeriesMap().values()) {
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static String f(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}

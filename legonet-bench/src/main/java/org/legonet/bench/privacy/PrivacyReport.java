package org.legonet.bench.privacy;

import java.awt.Color;
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
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.legonet.bench.PaperReport;
import org.legonet.bench.Report;
import org.legonet.core.store.Manifest;

/** A privacy audit as JSON (every figure), a console table, a Markdown report and an ROC plot. */
public final class PrivacyReport {
    private PrivacyReport() {
    }

    public static void writeJson(PrivacyResults.Run run, Path file) throws IOException {
        Report.writeJsonFile(run, file);
    }

    /** Writes the report and its ROC plot beside it ({@code NAME-roc.png}); returns the plot. */
    public static Path writeMarkdown(PrivacyResults.Run run, Path mdFile) throws IOException {
        return Report.writeMarkdownWithPlot(mdFile, "roc", file -> plot(run, file), name -> markdown(run, name));
    }

    /** The figures as plain-text tables for a terminal. */
    public static String console(PrivacyResults.Run r) {
        StringBuilder b = new StringBuilder();
        b.append(header(r)).append("\n\n");
        b.append(f("%-6s %-22s %11s %-15s %11s %9s%n", "attack", "pair", "pos / neg", "AUC [95% CI]", "TPR@0.1%",
                "TPR@1%"));
        for (PrivacyResults.Attack a : r.attacks()) {
            for (PrivacyResults.Pair p : a.pairs()) {
                b.append(f("%-6s %-22s %5d/%-5d %.3f [%.3f, %.3f] %10.1f%% %8.1f%%%n", a.name(), p.pair(),
                        p.positives(), p.negatives(), p.auc(), p.aucLow(), p.aucHigh(), 100 * p.tprAt01(),
                        100 * p.tprAt1()));
            }
        }
        if (!r.deletion().isEmpty()) {
            PrivacyResults.Deletion d0 = r.deletion().get(0);
            b.append(f("%nBefore/after attack: %d forgets, each sample ranked among %d candidates (chance: top-1 %.1f%%, "
                    + "top-10 %.1f%%)%n", d0.trials(), d0.candidates(), 100.0 / d0.candidates(),
                    100.0 * Math.min(10, d0.candidates()) / d0.candidates()));
            b.append(f("%-6s %-17s %8s %7s %7s %6s %14s%n", "cover", "observer", "adapters", "top-1", "top-10", "AUC",
                    "s per removal"));
            for (PrivacyResults.Deletion d : r.deletion()) {
                for (PrivacyResults.Observer o : d.observers()) {
                    b.append(f("%-6d %-17s %8.1f %6.1f%% %6.1f%% %6.3f %14.4f%n", d.cover(), o.name(), o.adaptersSeen(),
                            100 * o.top1(), 100 * o.top10(), o.auc(), d.secondsPerRemoval()));
                }
            }
        }
        if (r.exposure() != null) {
            PrivacyResults.BruteForce bf = r.exposure().bruteForce();
            b.append(f("%nWithout the key: what the model directory alone gives away of the %,d forgotten ids%n",
                    bf.forgotten()));
            b.append(f("%-12s %11s %6s  %s%n", "attack", "recovered", "false", "how"));
            for (String[] row : exposureRows(r.exposure())) {
                b.append(f("%-12s %11s %6s  %s%n", (Object[]) row));
            }
        }
        for (String n : r.notes()) {
            b.append("note: ").append(n).append('\n');
        }
        return b.toString();
    }

    /** The directory attacks as rows: attack, forgotten ids recovered, false ids, how. */
    private static List<String[]> exposureRows(PrivacyResults.Exposure e) {
        PrivacyResults.BruteForce bf = e.bruteForce();
        boolean keyed = bf.idHash().equals(Manifest.KEYED);
        String brute = f("hashed %,d ids (0..%d%s and the data's) with the salt, as an unkeyed model does: %,d of %,d "
                        + "log hashes matched in %.2f s; %s", bf.idsHashed(), bf.rangeEnd(),
                bf.rangeCapped() ? ", capped" : "", bf.hashesMatched(), bf.logHashes(), bf.seconds(),
                keyed ? "the log is keyed (hmac-sha256): hashing an id needs the id key, which is not in the directory"
                        : "the log is unkeyed (sha256): anyone can hash the ids");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"brute force", f("%,d / %,d", bf.forgottenRecovered(), bf.forgotten()),
                f("%,d", bf.hashesMatched() - bf.forgottenRecovered()), brute});
        PrivacyResults.Gaps g = e.gaps();
        if (g.applicable()) {
            rows.add(new String[] {"gaps", f("%,d / %,d", g.forgottenRecovered(), bf.forgotten()),
                    f("%,d", g.falseIds()), f("%s; %,d of them are no longer in the directory's data chunks",
                    g.basis(), g.missing())});
        } else {
            rows.add(new String[] {"gaps", "-", "-", g.basis()});
        }
        return rows;
    }

    private static String header(PrivacyResults.Run r) {
        PrivacyResults.Model m = r.model();
        PrivacyResults.Sets s = r.sets();
        return f("Privacy audit of %s (n=%d, k=%d, %s adapters, cover %d): %,d retained, %,d forgotten. Scored %,d retained, "
                        + "%,d unseen (%s), %,d forgotten; %d shadow models; seed %d; %.0f s.", m.digest().substring(0, 16),
                m.n(), m.k(), m.adapter(), m.cover(), m.retained(), m.forgotten(), s.retainedScored(), s.unseenScored(),
                s.unseenFrom(), s.forgottenScored(), r.shadows(), r.seed(), r.seconds());
    }

    /** The Markdown report. */
    public static String markdown(PrivacyResults.Run r, String plotName) {
        StringBuilder b = new StringBuilder();
        b.append("# LegoNet privacy audit\n\n");
        b.append("Run ").append(r.started()).append(". ").append(header(r)).append("\n\n");
        b.append("## Membership attacks on the model as it is\n\n");
        b.append("Positives are the first set of each pair: the attack calls high scores members. "
                + "AUC with its bootstrap 95% interval (").append(PrivacyAudit.RESAMPLES)
                .append(" resamples); TPR at a fixed false-positive rate.\n\n");
        b.append("| attack | pair | positives / negatives | AUC [95% CI] | TPR at 0.1% FPR | TPR at 1% FPR |\n");
        b.append("| --- | --- | --- | --- | --- | --- |\n");
        for (PrivacyResults.Attack a : r.attacks()) {
            for (PrivacyResults.Pair p : a.pairs()) {
                b.append(f("| %s | %s | %,d / %,d | %.3f [%.3f, %.3f] | %.1f%% | %.1f%% |%n", a.name(), p.pair(),
                        p.positives(), p.negatives(), p.auc(), p.aucLow(), p.aucHigh(), 100 * p.tprAt01(),
                        100 * p.tprAt1()));
            }
        }
        b.append('\n');
        for (PrivacyResults.Attack a : r.attacks()) {
            b.append("- ").append(a.name()).append(": ").append(a.score()).append('\n');
        }
        b.append('\n');
        if (plotName != null) {
            b.append("![ROC curves of the membership attacks, log-log](").append(plotName).append(")\n\n");
        }
        if (!r.deletion().isEmpty()) {
            PrivacyResults.Deletion d0 = r.deletion().get(0);
            b.append("## The before/after attack\n\n");
            b.append(f("%d forgets of one random retained sample each, simulated in memory with the update step; the "
                            + "sample is ranked among %d candidates (itself, %d retained, %d unseen) by its route's "
                            + "overlap with the adapters the observer sees. Chance: "
                            + "top-1 %.1f%%, top-10 %.1f%%, AUC 0.5.%n%n", d0.trials(), d0.candidates(),
                    (d0.candidates() - 1) / 2, (d0.candidates() - 1) / 2, 100.0 / d0.candidates(),
                    100.0 * Math.min(10, d0.candidates()) / d0.candidates()));
            b.append("| cover | observer | adapters seen per forget | top-1 | top-10 | AUC | seconds per removal (p50) |\n");
            b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
            for (PrivacyResults.Deletion d : r.deletion()) {
                for (PrivacyResults.Observer o : d.observers()) {
                    b.append(f("| %d | %s | %.1f | %.1f%% | %.1f%% | %.3f | %.4f (%.4f) |%n", d.cover(), o.name(),
                            o.adaptersSeen(), 100 * o.top1(), 100 * o.top10(), o.auc(), d.secondsPerRemoval(),
                            d.p50Seconds()));
                }
            }
            b.append("\n- metadata: sees the list of retrained adapters (log, receipts, metrics) and nothing else; "
                    + "candidates its list fits equally stay tied (broken at random).\n");
            b.append("- metadata+queries: the same list, and the model's answers before and after (a client of a "
                    + "public prediction API); ties broken by the rise of each candidate's loss.\n");
            b.append("- weights: sees which adapters' bits changed (the directory before and after), ties broken "
                    + "by the loss rise. A cover adapter is bit-identical after its retraining, so this observer sees "
                    + "the true adapters whatever the cover.\n\n");
        }
        if (r.exposure() != null) {
            b.append("## What the directory alone gives away\n\n");
            b.append(f("An attacker who holds the model directory and not its id key reads the salt and the deletion "
                    + "log's id hashes (manifest.json, deletions.jsonl), the retained samples' ids (the data chunks) "
                    + "and the training split sizes (the manifest), and tries to name the %,d forgotten ids.%n%n",
                    r.exposure().bruteForce().forgotten()));
            b.append("| attack | forgotten ids recovered | false ids | how |\n");
            b.append("| --- | --- | --- | --- |\n");
            for (String[] row : exposureRows(r.exposure())) {
                b.append(f("| %s | %s | %s | %s |%n", (Object[]) row));
            }
            b.append('\n');
        }
        if (!r.notes().isEmpty()) {
            b.append("## Notes\n\n");
            for (String n : r.notes()) {
                b.append("- ").append(n).append('\n');
            }
        }
        return b.toString();
    }

    /** Every attack's ROC curve on every pair, log-log (points at 0 left out), with the chance diagonal. */
    static void plot(PrivacyResults.Run r, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(PaperReport.WIDTH).height(PaperReport.HEIGHT)
                .title("Membership attacks: ROC curves").xAxisTitle("false-positive rate")
                .yAxisTitle("true-positive rate").build();
        var st = chart.getStyler();
        st.setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setMarkerSize(0);
        st.setXAxisMin(1e-4);
        st.setXAxisMax(1.0);
        st.setYAxisMin(1e-4);
        st.setYAxisMax(1.0);
        chart.addSeries("chance", List.of(1e-4, 1.0), List.of(1e-4, 1.0)).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.GRAY).setLineStyle(SeriesLines.DASH_DASH);
        for (PrivacyResults.Attack a : r.attacks()) {
            for (PrivacyResults.Pair p : a.pairs()) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (double[] pt : p.roc()) {
                    if (pt[0] > 0 && pt[1] > 0) {
                        x.add(pt[0]);
                        y.add(pt[1]);
                    }
                }
                if (!x.isEmpty()) {
                    chart.addSeries(f("%s, %s (AUC %.3f)", a.name(), p.pair(), p.auc()), x, y)
                            .setMarker(SeriesMarkers.NONE);
                }
            }
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

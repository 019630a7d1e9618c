package org.legonet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a {@code legonet bench --suite paper} run as JSON (every figure), as a Markdown report a
 * newcomer can read (the done-when checks, the head-to-head table, the LegoNet grid, the
 * segmentation table beside the paper's, the forget tasks) and as PNG plots drawn with XChart
 * (accuracy against seconds per removal with the Pareto front; accuracy against segmentation).
 */
public final class PaperReport {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The paper's segmentation table (CIFAR-10, ResNet-34, linear adapters): s, SISA, FixSISA, k=1, k=10. */
    static final double[][] PAPER_SEGMENTATION = {
            {10, 91.66, 88.32, 87.90, 90.11},
            {20, 90.10, 87.00, 87.46, 90.08},
            {50, 81.27, 85.23, 86.40, 89.53},
            {100, 72.88, 83.76, 84.85, 89.45},
    };

    /** Size of every plot the reports draw, in pixels. */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;
    private static final String FONT = Font.SANS_SERIF;

    private PaperReport() {
    }

    /** Reads a run back from its JSON file (to redraw the report without measuring again). */
    public static PaperResults.Run readJson(Path file) throws IOException {
        try {
            return JSON.copy().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                    false).readValue(file.toFile(), PaperResults.Run.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new org.legonet.core.LegoNetException(file + " is not a paper-suite results file: "
                    + e.getOriginalMessage());
        }
    }

    /** Every figure as JSON (snake_case, indented), like {@link Report#writeJson} does for the core bench. */
    public static void writeJson(PaperResults.Run run, Path file) throws IOException {
        Report.createParent(file);
        Files.write(file, JSON.writeValueAsBytes(run));
    }

    /**
     * Writes the Markdown report to {@code mdFile} and its PNG plots beside it (same folder, names
     * prefixed with the Markdown file's stem), linked from the Markdown by relative path.
     *
     * @return the plot files written
     */
    public static List<Path> writeMarkdown(PaperResults.Run run, Path mdFile) throws IOException {
        Report.createParent(mdFile);
        Path dir = mdFile.toAbsolutePath().getParent();
        String name = mdFile.getFileName().toString();
        String stem = name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
        List<Path> plots = plots(run, dir, stem);
        List<String> names = new ArrayList<>();
        for (Path p : plots) {
            names.add(p.getFileName().toString());
        }
        Files.writeString(mdFile, markdown(run, names), StandardCharsets.UTF_8);
        return plots;
    }

    // ------------------------------------------------------------------ Markdown

    /** The Markdown text; {@code plotNames} are the relative file names of the plots to link (may be empty). */
    public static String markdown(PaperResults.Run r, List<String> plotNames) {
        StringBuilder b = new StringBuilder();
        header(b, r);
        checks(b, r);
        headToHead(b, r);
        grid(b, r);
        segmentation(b, r);
        tasks(b, r);
        notes(b, r, plotNames);
        return b.toString();
    }

    private static void header(StringBuilder b, PaperResults.Run r) {
        b.append("# LegoNet against the paper's baselines").append(r.quick() ? " (quick)" : "").append("\n\n");
        b.append("Exact machine unlearning: LegoNet (a fixed encoder and n small adapters, each sample routed to k of "
                + "them) against retraining the whole network, SISA and FixSISA, all measured in this one run on this "
                + "machine.");
        if (r.quick()) {
            b.append(" This is a quick run: small slices of the data and short training, for development; its "
                    + "accuracies are not the benchmark's.");
        }
        b.append("\n\n");
        b.append(fmt("Run %s, %s s in all.%n%n", r.started(), secs(r.seconds())));
        BenchResults.Machine m = r.machine();
        if (m != null) {
            b.append(fmt("- **Machine:** %s, %d cores (%d threads used), Java %s, %s; FMA peak %.1f GFLOP/s on 1 thread, "
                            + "%.1f GFLOP/s on %d threads.%n", m.cpu(), m.cores(), m.threads(), m.java(), m.simd(),
                    m.peakGflopsOneThread(), m.peakGflops(), m.threads()));
        }
        BenchResults.Data d = r.data();
        if (d != null) {
            b.append(fmt("- **Data:** %s; %,d public, %,d private, %,d test samples, %d classes.%n", d.description(),
                    d.publicSamples(), d.privateSamples(), d.testSamples(), d.classes()));
        }
        PaperResults.Encoder e = r.encoder();
        if (e != null) {
            b.append(fmt("- **Fixed encoder:** `%s` (%s), %d-d encoding, %,d parameters, trained on the public split "
                            + "only in %s s; all splits encoded in %s s; the CNN's own classifier head reaches %s test "
                            + "accuracy.%n", e.spec(), e.recipe(), e.dim(), e.parameters(), secs(e.trainSeconds()),
                    secs(e.encodeSeconds()), acc(e.ownTestAccuracy())));
        }
        if (r.endToEndCnn() != null) {
            b.append(fmt("- **End-to-end CNN** (Retrain and SISA, all layers trainable): `%s`.%n", r.endToEndCnn()));
        }
        b.append('\n');
    }

    private static void checks(StringBuilder b, PaperResults.Run r) {
        if (r.checks() == null || r.checks().isEmpty()) {
            return;
        }
        long passed = r.checks().stream().filter(PaperResults.Check::passed).count();
        b.append("## Done-when checks\n\n");
        b.append(fmt("%d of %d pass.%n%n", passed, r.checks().size()));
        b.append("| check | result | figures |\n| --- | --- | --- |\n");
        for (PaperResults.Check c : r.checks()) {
            b.append(fmt("| %s | %s | %s |%n", cell(c.what()), c.passed() ? "PASS" : "**FAIL**", cell(c.figures())));
        }
        b.append('\n');
    }

    private static void headToHead(StringBuilder b, PaperResults.Run r) {
        if (r.methods() == null || r.methods().isEmpty()) {
            return;
        }
        PaperResults.Method retrain = retrain(r);
        b.append("## Head to head\n\n");
        b.append("One row per method and setting. *Seconds per removal*: one single-sample forget, p50 / p95 over the "
                + "number of runs in brackets. *Speed-up*: Retrain's p50 over this row's p50. *Retrained per removal*: "
                + "means over those runs. *After*: test accuracy after all of the row's removals.\n\n");
        b.append("| method | setting | family | test acc | train s | s per removal p50 / p95 (runs) | speed-up vs Retrain "
                + "| units retrained per removal | samples retrained per removal | parameters retrained per removal "
                + "| test acc after | retained acc | forgotten acc | verify |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (PaperResults.Method m : r.methods()) {
            String testAcc = acc(m.testAccuracy())
                    + (m.testAccuracyVote() == null ? "" : " (vote " + acc(m.testAccuracyVote()) + ")");
            String speedup = retrain == null ? "-" : speedup(retrain.removalP50Seconds(), m.removalP50Seconds());
            b.append(fmt("| %s | %s | %s | %s | %s | %s / %s (%d) | %s | %s %s | %s | %s | %s | %s | %s | %s |%n",
                    cell(m.method()), cell(m.setting()), cell(m.family()), testAcc, secs(m.trainSeconds()),
                    secs(m.removalP50Seconds()), secs(m.removalP95Seconds()), m.removals(), speedup,
                    num(m.removalUnits()), unitName(m, m.removalUnits()), count(m.removalSamples()), count(m.removalParameters()),
                    acc(m.testAccuracyAfter()), acc(m.retainedAccuracy()), acc(m.forgottenAccuracy()),
                    cell(m.verify())));
        }
        b.append('\n');
    }

    private static void grid(StringBuilder b, PaperResults.Run r) {
        if (r.legonet() == null || r.legonet().isEmpty()) {
            return;
        }
        b.append("## LegoNet settings\n\n");
        b.append("Every LegoNet setting measured, the grid and the segmentation table's. *Samples per removal*: the "
                + "expected samples retrained by one removal, sum of |D_j|^2 / N, beside the balanced ideal k^2 N / n "
                + "and their ratio. *Single*: one-sample forgets, each verified by rebuilding the adapters it "
                + "retrained. *Adapter train s*: keys aside, training every adapter on the encodings (the encoder is "
                + "trained once, above). *% peak*: of the FMA peak measured in this run. \"-\": task not run for this "
                + "setting.\n\n");
        b.append("| setting | test acc | adapter sizes min / mean / max | samples per removal (ideal, ratio) | adapter train s "
                + "| adapter GFLOP/s (% peak) | Single p50 / p95 s | Single verified EXACT "
                + "| Random100: adapters, s, test acc after, verify "
                + "| UnClass: s, test acc after (other classes), forgotten acc, verify | final verify |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (BenchResults.SettingResult s : r.legonet()) {
            String sizes = s.sizes() == null ? "-"
                    : fmt("%,d / %,.0f / %,d", s.sizes().min(), s.sizes().mean(), s.sizes().max());
            BenchResults.Single one = s.single();
            String single = one == null ? "-" : secs(one.p50Seconds()) + " / " + secs(one.p95Seconds());
            String exact = one == null ? "-" : one.verifiedExact() + "/" + one.runs();
            String rnd = "-";
            if (s.random100() != null) {
                BenchResults.Task t = s.random100();
                rnd = fmt("%d, %s s, %s, %s", t.adaptersRetrained(), secs(t.seconds()),
                        acc(t.after() == null ? null : t.after().test()), t.verify());
            }
            String unc = "-";
            if (s.unclass() != null) {
                BenchResults.Task t = s.unclass();
                BenchResults.Accuracies a = t.after();
                unc = fmt("%s s, %s (%s), %s, %s", secs(t.seconds()), acc(a == null ? null : a.test()),
                        acc(a == null ? null : a.testOtherClasses()), acc(a == null ? null : a.forgotten()), t.verify());
            }
            b.append(fmt("| %s | %s | %s | %,.0f (%,.0f, x%.2f) | %s | %.1f (%.0f%%) | %s | %s | %s | %s | %s |%n",
                    cell(s.setting()), acc(s.before() == null ? null : s.before().test()), sizes,
                    s.expectedSamplesPerRemoval(), s.idealSamplesPerRemoval(), s.costRatio(), secs(s.adapterSeconds()),
                    s.adapterGflops(), s.adapterPercentOfPeak(), single, exact, cell(rnd), cell(unc),
                    cell(s.finalVerify() == null ? "-" : s.finalVerify())));
        }
        b.append('\n');
    }

    private static void segmentation(StringBuilder b, PaperResults.Run r) {
        List<PaperResults.Segment> seg = segments(r);
        if (seg.isEmpty()) {
            return;
        }
        String kx = "LegoNet " + kMaxLabel(r);
        b.append("## Segmentation\n\n");
        b.append(fmt("Test accuracy as the private data is cut into more pieces: s shards for SISA and FixSISA, "
                + "n = s k adapters for LegoNet (so each adapter holds about as much data as one shard). The paper's "
                + "point is that SISA loses accuracy as s grows while LegoNet with k=10 holds it. %s%n%n",
                kx.endsWith("k=max") ? "This run's settings do not say which larger k it measured: its column is "
                        + "headed k=max." : "The paper's larger k is 10; this run's is " + kx.substring(8) + "."));
        b.append("**This run** (").append(dataName(r)).append("), test accuracy:\n\n");
        b.append("| s | SISA | FixSISA | LegoNet k=1 | ").append(kx).append(" |\n| --- | --- | --- | --- | --- |\n");
        for (PaperResults.Segment s : seg) {
            b.append(fmt("| %d | %s | %s | %s | %s |%n", s.s(), acc(s.sisa()), acc(s.fixSisa()), acc(s.legonetK1()),
                    acc(s.legonetK10())));
        }
        b.append("\n**This run**, seconds per single-sample removal (p50):\n\n");
        b.append("| s | SISA | FixSISA | LegoNet k=1 | ").append(kx).append(" |\n| --- | --- | --- | --- | --- |\n");
        for (PaperResults.Segment s : seg) {
            b.append(fmt("| %d | %s | %s | %s | %s |%n", s.s(), secs(s.sisaSeconds()), secs(s.fixSisaSeconds()),
                    secs(s.legonetK1Seconds()), secs(s.legonetK10Seconds())));
        }
        b.append("\n**The paper** (CIFAR-10, ResNet-34 encoder pretrained on ImageNet, linear adapters; published "
                + "numbers, not measured here), test accuracy in %:\n\n");
        b.append("| s | SISA | FixSISA | LegoNet k=1 | LegoNet k=10 |\n| --- | --- | --- | --- | --- |\n");
        for (double[] p : PAPER_SEGMENTATION) {
            b.append(fmt("| %.0f | %.2f | %.2f | %.2f | %.2f |%n", p[0], p[1], p[2], p[3], p[4]));
        }
        b.append('\n').append(trend(r)).append("\n\n");
    }

    /** One plain sentence, computed from the run, on whether its segmentation table follows the paper's trend. */
    static String trend(PaperResults.Run r) {
        List<PaperResults.Segment> seg = segments(r);
        String kx = "LegoNet " + kMaxLabel(r);
        List<PaperResults.Segment> sisa = seg.stream().filter(s -> s.sisa() != null).toList();
        List<PaperResults.Segment> lego = seg.stream().filter(s -> s.legonetK10() != null).toList();
        if (sisa.size() < 2 || lego.size() < 2) {
            return "Too few segmentation values in this run to compare its trend with the paper's.";
        }
        PaperResults.Segment s0 = sisa.get(0);
        PaperResults.Segment s1 = sisa.get(sisa.size() - 1);
        PaperResults.Segment l0 = lego.get(0);
        PaperResults.Segment l1 = lego.get(lego.size() - 1);
        double sisaChange = s1.sisa() - s0.sisa();
        double legoChange = l1.legonetK10() - l0.legonetK10();
        String figures = fmt("from s=%d to s=%d SISA went from %s to %s (%+.4f) and %s from %s to %s (%+.4f)", s0.s(),
                s1.s(), acc(s0.sisa()), acc(s1.sisa()), sisaChange, kx, acc(l0.legonetK10()), acc(l1.legonetK10()),
                legoChange);
        if (l0.s() != s0.s() || l1.s() != s1.s()) {
            figures += fmt(" (%s measured from s=%d to s=%d)", kx, l0.s(), l1.s());
        }
        String data = dataName(r);
        String paper = fmt("in the paper, on CIFAR-10, SISA falls %.2f points from s=10 to s=100 while LegoNet k=10 "
                        + "falls %.2f", PAPER_SEGMENTATION[0][1] - PAPER_SEGMENTATION[3][1],
                PAPER_SEGMENTATION[0][4] - PAPER_SEGMENTATION[3][4]);
        if (!(sisaChange < 0)) {
            return data + " does not agree with the paper's trend here: SISA did not lose accuracy as s grew; " + figures
                    + " (" + paper + ").";
        }
        if (!(legoChange > sisaChange)) {
            return data + " does not agree with the paper's trend here: " + kx + " lost at least as much accuracy as "
                    + "SISA; " + figures + " (" + paper + ").";
        }
        if (-legoChange > -sisaChange / 2) {
            return data + " agrees only partly with the paper's trend: " + kx + " lost less accuracy than SISA, but "
                    + "more than half as much; " + figures + " (" + paper + ").";
        }
        return data + " agrees with the paper's trend: " + figures + ", so LegoNet holds its accuracy as s grows while "
                + "SISA falls (" + paper + ").";
    }

    private static void tasks(StringBuilder b, PaperResults.Run r) {
        List<PaperResults.Method> with = r.methods() == null ? List.of()
                : r.methods().stream().filter(m -> m.random100() != null || m.unclass() != null).toList();
        if (with.isEmpty()) {
            return;
        }
        b.append("## Random100 and UnClass\n\n");
        b.append("Random100 forgets 100 random private samples in one request; UnClass forgets every private sample of "
                + "one class. \"-\": not measured.\n\n");
        b.append("| method | setting | task | forgotten | seconds | units retrained | test acc after "
                + "| forgotten acc after | how |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (PaperResults.Method m : with) {
            for (PaperResults.Task t : new PaperResults.Task[] {m.random100(), m.unclass()}) {
                if (t == null) {
                    continue;
                }
                b.append(fmt("| %s | %s | %s | %s | %s | %d %s | %s | %s | %s |%n", cell(m.method()), cell(m.setting()),
                        cell(t.task()), t.forgotten() < 0 ? "-" : fmt("%,d", t.forgotten()), secs(t.seconds()),
                        t.unitsRetrained(), unitName(m, t.unitsRetrained()), acc(t.testAccuracyAfter()), acc(t.forgottenAccuracyAfter()),
                        cell(t.how() == null ? "" : t.how())));
            }
        }
        b.append('\n');
    }

    private static void notes(StringBuilder b, PaperResults.Run r, List<String> plotNames) {
        b.append("## How to read this\n\n");
        if (r.notes() != null) {
            for (Map.Entry<String, Object> e : r.notes().entrySet()) {
                b.append("- ").append(e.getKey().replace('_', ' ')).append(": ").append(e.getValue()).append('\n');
            }
        }
        b.append("- seconds: 4 significant digits below 1 s; accuracies are fractions (0.9050 = 90.50 %), except the "
                + "paper's, which are in %.\n");
        b.append("- verify EXACT: the forgotten model equals, bit for bit, a model trained from scratch without the "
                + "forgotten samples.\n\n");
        if (plotNames != null && !plotNames.isEmpty()) {
            b.append("## Plots\n\n");
            for (String p : plotNames) {
                String alt = p.contains("segmentation") ? "test accuracy against segmentation s"
                        : p.contains("accuracy-vs-removal") ? "test accuracy against seconds per removal, Pareto front"
                        : p;
                b.append("![").append(alt).append("](").append(p).append(")\n\n");
            }
            b.append("In the first plot a point is one method in one setting; the dashed line joins the Pareto front: "
                    + "the points that no other point beats on both speed and accuracy.\n");
        }
    }

    // ------------------------------------------------------------------ helpers for the text

    private static PaperResults.Method retrain(PaperResults.Run r) {
        return r.methods().stream().filter(m -> "Retrain".equals(m.method())).findFirst().orElse(null);
    }

    private static List<PaperResults.Segment> segments(PaperResults.Run r) {
        if (r.segmentation() == null) {
            return List.of();
        }
        return r.segmentation().stream().sorted(Comparator.comparingInt(PaperResults.Segment::s)).toList();
    }

    /**
     * "k=K" for the segmentation table's larger-k column, K read from the LegoNet settings (n = s K
     * whose accuracy is the column's); "k=max" when the settings do not say.
     */
    static String kMaxLabel(PaperResults.Run r) {
        Map<Integer, Integer> votes = new TreeMap<>();
        if (r.legonet() != null) {
            for (PaperResults.Segment s : segments(r)) {
                if (s.legonetK10() == null) {
                    continue;
                }
                for (BenchResults.SettingResult x : r.legonet()) {
                    if (x.k() > 1 && x.n() == s.s() * x.k() && x.before() != null
                            && s.legonetK10().equals(x.before().test())) {
                        votes.merge(x.k(), 1, Integer::sum);
                    }
                }
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> "k=" + e.getKey()).orElse("k=max");
    }

    private static String dataName(PaperResults.Run r) {
        String d = r.data() == null ? null : r.data().description();
        return d != null && d.toLowerCase(Locale.ROOT).contains("fashion-mnist") ? "Fashion-MNIST" : "this run's data";
    }

    private static String unitName(PaperResults.Method m, double count) {
        String name = m.method() == null ? "" : m.method();
        String unit = name.contains("SISA") ? (name.startsWith("Fix") ? "shard adapter" : "shard")
                : name.equals("Retrain") ? "network" : "adapter";
        return count == 1 ? unit : unit + "s";
    }

    private static String speedup(double retrainP50, double p50) {
        if (!(retrainP50 > 0) || !(p50 > 0)) {
            return "-";
        }
        double x = retrainP50 / p50;
        return x >= 10 ? fmt("%,.0fx", x) : fmt("%.1fx", x);
    }

    private static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** Markdown table cell: no pipes or line breaks. */
    private static String cell(String s) {
        return s == null ? "-" : s.replace("|", "\\|").replace('\n', ' ');
    }

    static String acc(Double d) {
        return d == null || d.isNaN() ? "-" : fmt("%.4f", d);
    }

    /** Seconds: 4 significant digits below 1 s, 2 decimals below 100 s, 1 above. */
    static String secs(Double s) {
        if (s == null || s.isNaN() || s.isInfinite()) {
            return "-";
        }
        double a = Math.abs(s);
        if (a == 0) {
            return "0";
        }
        if (a < 1) {
            return new BigDecimal(s).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return a < 100 ? fmt("%.2f", s) : fmt("%,.1f", s);
    }

    /** A mean count: whole numbers without decimals, others with two. */
    private static String num(double x) {
        if (Double.isNaN(x)) {
            return "-";
        }
        return x == Math.rint(x) ? fmt("%,.0f", x) : fmt("%,.2f", x);
    }

    private static String count(double x) {
        return Double.isNaN(x) ? "-" : fmt("%,.0f", x);
    }

    // ------------------------------------------------------------------ plots

    /** Draws the plots into {@code dir}, file names prefixed with {@code stem}; returns the files written. */
    public static List<Path> plots(PaperResults.Run run, Path dir, String stem) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        XYChart a = accuracyVsRemoval(run);
        if (a != null) {
            out.add(save(a, dir.resolve(stem + "-accuracy-vs-removal.png")));
        }
        XYChart s = segmentationChart(run);
        if (s != null) {
            out.add(save(s, dir.resolve(stem + "-segmentation.png")));
        }
        return out;
    }

    private static Path save(XYChart chart, Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }

    /**
     * The indices of the points on the Pareto front, ordered by x: a point {x = seconds, y = accuracy}
     * is on it when no other point is at least as fast and at least as accurate and strictly better
     * in one of the two. Points with a NaN coordinate are ignored; equal points are all kept.
     */
    static List<Integer> paretoFront(List<double[]> points) {
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            if (Double.isNaN(p[0]) || Double.isNaN(p[1])) {
                continue;
            }
            boolean dominated = false;
            for (int j = 0; j < points.size() && !dominated; j++) {
                double[] q = points.get(j);
                if (j != i && !Double.isNaN(q[0]) && !Double.isNaN(q[1])) {
                    dominated = q[0] <= p[0] && q[1] >= p[1] && (q[0] < p[0] || q[1] > p[1]);
                }
            }
            if (!dominated) {
                front.add(i);
            }
        }
        front.sort(Comparator.<Integer>comparingDouble(i -> points.get(i)[0]).thenComparingInt(i -> i));
        return front;
    }

    /** A point of the accuracy plot. */
    record Point(String family, String label, double seconds, double accuracy) {
    }

    /** The accuracy plot's points: methods with a test accuracy and a positive removal time. */
    static List<Point> points(PaperResults.Run r) {
        List<Point> out = new ArrayList<>();
        if (r.methods() == null) {
            return out;
        }
        for (PaperResults.Method m : r.methods()) {
            double x = m.removalP50Seconds();
            if (m.testAccuracy() == null || m.testAccuracy().isNaN() || !(x > 0) || Double.isInfinite(x)) {
                continue;
            }
            String family = m.method();
            String label = m.setting() == null ? "" : m.setting();
            if ("LegoNet".equals(m.method())) {
                String[] parts = label.split(" ");
                String arch = parts.length > 2 ? parts[parts.length - 1] : "";
                family = "LegoNet " + (arch.startsWith("mlp") ? "MLP" : arch.isEmpty() ? "adapters" : arch.split(":")[0]);
                label = parts.length > 2 ? parts[0] + " " + parts[1] : label;
            } else if ("Retrain".equals(m.method())) {
                label = "Retrain";
            } else if (label.startsWith("s=")) {
                label = label.split(" ")[0];
            }
            out.add(new Point(family, label, x, m.testAccuracy()));
        }
        return out;
    }

    private static XYChart accuracyVsRemoval(PaperResults.Run r) {
        List<Point> pts = points(r);
        if (pts.isEmpty()) {
            return null;
        }
        XYChart c = chart("Test accuracy against the cost of forgetting one sample",
                "seconds per single-sample removal (p50, log scale)", "test accuracy");
        c.getStyler().setXAxisLogarithmic(true);
        double minX = pts.stream().mapToDouble(Point::seconds).min().orElseThrow();
        double maxX = pts.stream().mapToDouble(Point::seconds).max().orElseThrow();
        double minY = pts.stream().mapToDouble(Point::accuracy).min().orElseThrow();
        double maxY = pts.stream().mapToDouble(Point::accuracy).max().orElseThrow();
        double lo = Math.log10(minX) - 0.3;
        double hi = Math.max(Math.log10(maxX) + 0.3, lo + 1);
        double pad = Math.max(0.005, 0.08 * (maxY - minY));
        double yLo = minY - pad;
        double yHi = maxY + 2 * pad;
        c.getStyler().setXAxisMin(Math.pow(10, lo)).setXAxisMax(Math.pow(10, hi));
        c.getStyler().setYAxisMin(yLo).setYAxisMax(yHi);
        c.getStyler().setYAxisDecimalPattern("0.000");

        Map<String, List<Point>> byFamily = new LinkedHashMap<>();
        for (Point p : pts) {
            byFamily.computeIfAbsent(p.family(), f -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<String, List<Point>> e : byFamily.entrySet()) {
            XYSeries s = c.addSeries(e.getKey(), e.getValue().stream().mapToDouble(Point::seconds).toArray(),
                    e.getValue().stream().mapToDouble(Point::accuracy).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        List<double[]> xy = pts.stream().map(p -> new double[] {p.seconds(), p.accuracy()}).toList();
        List<Integer> front = paretoFront(xy);
        if (front.size() >= 2) {
            XYSeries s = c.addSeries("Pareto front", front.stream().mapToDouble(i -> pts.get(i).seconds()).toArray(),
                    front.stream().mapToDouble(i -> pts.get(i).accuracy()).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(new Color(90, 90, 90));
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f,
                    new float[] {6f, 4f}, 0f));
        }
        labels(c, pts, front, lo, hi, yLo, yHi);
        return c;
    }

    /**
     * Short labels beside the points, placed greedily (above, below, right, left) where they overlap
     * no other label or point in an approximate pixel space of the plot area; a label that fits
     * nowhere is left out (the Markdown tables carry every point).
     */
    private static void labels(XYChart c, List<Point> pts, List<Integer> front, double lo, double hi, double yLo,
                               double yHi) {
        double plotW = WIDTH - 110;
        double plotH = HEIGHT - 190;
        double charW = 6.5;
        double lineH = 13;
        List<double[]> taken = new ArrayList<>();
        double[][] px = new double[pts.size()][];
        for (int i = 0; i < pts.size(); i++) {
            Point p = pts.get(i);
            double x = (Math.log10(p.seconds()) - lo) / (hi - lo) * plotW;
            double y = (yHi - p.accuracy()) / (yHi - yLo) * plotH;
            px[i] = new double[] {x, y};
            taken.add(new double[] {x - 6, y - 6, x + 6, y + 6});
        }
        for (int f = 1; f < front.size(); f++) {
            double[] a = px[front.get(f - 1)];
            double[] z = px[front.get(f)];
            int steps = (int) Math.ceil(Math.hypot(z[0] - a[0], z[1] - a[1]) / 4);
            for (int t = 1; t < steps; t++) {
                double x = a[0] + (z[0] - a[0]) * t / steps;
                double y = a[1] + (z[1] - a[1]) * t / steps;
                taken.add(new double[] {x - 1.5, y - 1.5, x + 1.5, y + 1.5});
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pts.size(); i++) {
            order.add(i);
        }
        // baselines first: there are few of them and each should be named
        order.sort(Comparator.comparingInt(i -> pts.get(i).family().startsWith("LegoNet") ? 1 : 0));
        for (int i : order) {
            String text = pts.get(i).label();
            if (text.isEmpty()) {
                continue;
            }
            double w = text.length() * charW;
            double[][] offsets = {{0, -lineH}, {0, lineH}, {w / 2 + 10, 0}, {-w / 2 - 10, 0}, {0, -2 * lineH},
                    {0, 2 * lineH}, {w / 2 + 10, -lineH}, {-w / 2 - 10, -lineH}, {w / 2 + 10, lineH},
                    {-w / 2 - 10, lineH}};
            for (double[] o : offsets) {
                double cx = px[i][0] + o[0];
                double cy = px[i][1] + o[1];
                double[] box = {cx - w / 2, cy - lineH / 2, cx + w / 2, cy + lineH / 2};
                if (box[0] < 0 || box[2] > plotW || box[1] < 0 || box[3] > plotH || overlaps(box, taken)) {
                    continue;
                }
                taken.add(box);
                double dataX = Math.pow(10, lo + cx / plotW * (hi - lo));
                double dataY = yHi - cy / plotH * (yHi - yLo);
                c.addAnnotation(new AnnotationText(text, dataX, dataY, false));
                break;
            }
        }
    }

    private static boolean overlaps(double[] a, List<double[]> boxes) {
        for (double[] b : boxes) {
            if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) {
                return true;
            }
        }
        return false;
    }

    private static XYChart segmentationChart(PaperResults.Run r) {
        List<PaperResults.Segment> seg = segments(r);
        String kx = "LegoNet " + kMaxLabel(r);
        Map<String, Function<PaperResults.Segment, Double>> lines = new LinkedHashMap<>();
        lines.put("SISA", PaperResults.Segment::sisa);
        lines.put("FixSISA", PaperResults.Segment::fixSisa);
        lines.put("LegoNet k=1", PaperResults.Segment::legonetK1);
        lines.put(kx, PaperResults.Segment::legonetK10);
        XYChart c = chart("Test accuracy as the data is cut into more pieces", "segmentation s: SISA and FixSISA "
                + "shards, LegoNet n / k", "test accuracy");
        c.getStyler().setYAxisDecimalPattern("0.000");
        Marker[] markers = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP};
        int drawn = 0;
        int i = 0;
        // x is the position of s among the measured values (a category axis), labelled with s itself
        for (Map.Entry<String, Function<PaperResults.Segment, Double>> e : lines.entrySet()) {
            List<double[]> xy = new ArrayList<>();
            for (int at = 0; at < seg.size(); at++) {
                Double y = e.getValue().apply(seg.get(at));
                if (y != null && !y.isNaN()) {
                    xy.add(new double[] {at, y});
                }
            }
            if (!xy.isEmpty()) {
                XYSeries s = c.addSeries(e.getKey(), xy.stream().mapToDouble(p -> p[0]).toArray(),
                        xy.stream().mapToDouble(p -> p[1]).toArray());
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                s.setMarker(markers[i % markers.length]);
                s.setLineWidth(2.5f);
                drawn++;
            }
            i++;
        }
        if (drawn == 0) {
            return null;
        }
        c.getStyler().setXAxisMin(-0.3).setXAxisMax(seg.size() - 1 + 0.3);
        // XChart drops a tick layout whose labels repeat: the ticks between categories get distinct invisible labels
        c.setCustomXAxisTickLabelsFormatter(x -> {
            long at = Math.round(x);
            return Math.abs(x - at) < 1e-6 && at >= 0 && at < seg.size() ? "s=" + seg.get((int) at).s()
                    : "\u200B".repeat((int) Math.max(1, Math.round((x + 1) * 20)));
        });
        return c;
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChart(WIDTH, HEIGHT);
        c.setTitle(title);
        c.setXAxisTitle(xTitle);
        c.setYAxisTitle(yTitle);
        var st = c.getStyler();
        st.setChartTitleFont(new Font(FONT, Font.BOLD, 18));
        st.setAxisTitleFont(new Font(FONT, Font.PLAIN, 15));
        st.setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 13));
        st.setLegendFont(new Font(FONT, Font.PLAIN, 14));
        st.setAnnotationTextFont(new Font(FONT, Font.PLAIN, 11));
        st.setAnnotationTextFontColor(new Color(60, 60, 60));
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setMarkerSize(10);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setAntiAlias(true);
        return c;
    }
}

package org.legonet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.model.PrivateSet;

class PaperReportTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    @Test
    void markdownHasEveryTableAndTheFiguresOfTheRun() {
        String md = PaperReport.markdown(run(), List.of("paper-accuracy-vs-removal.png", "paper-segmentation.png"));

        assertThat(md).startsWith("# LegoNet against the paper's baselines\n");
        assertThat(md).contains("Run 2025-01-02T03:04:05Z, 1,234.5 s in all.");
        assertThat(md).contains("Test CPU, 2 cores (2 threads used), Java 17.0.15, AVX-512; FMA peak 40.0 GFLOP/s on 1 "
                + "thread, 80.0 GFLOP/s on 2 threads");
        assertThat(md).contains("`cnn:channels=16-32-64:dim=256:epochs=30` (adam 30 epochs), 256-d encoding, 123,456 "
                + "parameters", "own classifier head reaches 0.8812 test accuracy", "`cnn:e2e`");

        assertThat(md).contains("## Done-when checks", "| check | result | figures |",
                "| Retrain reaches at least 0.92 test accuracy | PASS | Retrain 0.9261 |",
                "| and at least 50x faster than SISA s=10 | **FAIL** | 12 s |", "1 of 2 pass.");

        assertThat(md).contains("## Head to head", "| method | setting | family | test acc | train s "
                + "| s per removal p50 / p95 (runs) | speed-up vs Retrain |");
        assertThat(md).contains("| SISA | s=10 r=5 | end-to-end | 0.9110 (vote 0.9050) | 150.0 | 12.34 / 13.50 (3) "
                + "| 23x | 1 shard | 36,000 | 421,642 | 0.9101 | 0.9300 | 0.9200 | - |");
        // 280.5 / 0.01234 = 22,731x; sub-second times to 4 significant digits
        assertThat(md).contains("| LegoNet | n=100 k=3 mlp:128 | fixed encoder | 0.9065 | 4.20 | 0.01234 / 0.02 (20) "
                + "| 22,731x | 2.95 adapters | 1,475 |");
        assertThat(md).contains("| Retrain | end-to-end CNN | end-to-end | 0.9261 | 300.0 | 280.5 / 280.5 (1) | 1.0x |");

        assertThat(md).contains("## LegoNet settings", "| setting | test acc | adapter sizes min / mean / max |",
                "| n=100 k=3 mlp:128 | 0.9065 | 120 / 1,500 / 2,610 | 1,475 (1,350, x1.09) | 4.00 | 12.5 (16%) "
                        + "| 0.01234 / 0.02 | 20/20 | 17, 0.4321 s, 0.9063, EXACT "
                        + "| 1.23 s, 0.8200 (0.9101), 0.0000, EXACT | EXACT |",
                "| n=50 k=5 mlp:128 | 0.9065 |", "| - | - | not run |");

        assertThat(md).contains("## Segmentation", "| s | SISA | FixSISA | LegoNet k=1 | LegoNet k=5 |",
                "| 10 | 0.9110 | 0.8800 | 0.9010 | 0.9065 |", "| 20 | 0.9000 | 0.8700 | - | 0.9060 |",
                "| 10 | 12.34 | 0.5 | 0.02 | 0.01234 |");
        assertThat(md).contains("**The paper** (CIFAR-10, ResNet-34", "| 10 | 91.66 | 88.32 | 87.90 | 90.11 |",
                "| 100 | 72.88 | 83.76 | 84.85 | 89.45 |");
        assertThat(md).contains("Fashion-MNIST agrees with the paper's trend: from s=10 to s=20 SISA went from 0.9110 "
                + "to 0.9000 (-0.0110) and LegoNet k=5 from 0.9065 to 0.9060 (-0.0005)");

        assertThat(md).contains("## Random100 and UnClass",
                "| SISA | s=10 r=5 | Random100 | 100 | 95.00 | 9 shards | 0.9080 | 0.8800 | checkpoints |",
                "| SISA | s=10 r=5 | UnClass | - | 150.0 | 10 shards | - | - | not run |",
                "| LegoNet | n=100 k=3 mlp:128 | Random100 | 100 | 0.4321 | 17 adapters | 0.9063 | 0.8900 | verify EXACT |");

        assertThat(md).contains("- removal seconds: one forget request",
                "![test accuracy against seconds per removal, Pareto front](paper-accuracy-vs-removal.png)",
                "![test accuracy against segmentation s](paper-segmentation.png)");
    }

    @Test
    void quickRunsSayQuickAndTrendSentenceReportsDisagreement() {
        PaperResults.Run r = run();
        List<PaperResults.Segment> seg = List.of(
                new PaperResults.Segment(5, 0.80, 0.78, 0.79, 0.82, 1.0, 0.1, 0.01, 0.02),
                new PaperResults.Segment(10, 0.81, 0.77, 0.78, 0.75, 1.0, 0.1, 0.01, 0.02));
        PaperResults.Run quick = new PaperResults.Run(r.started(), r.seconds(), true, r.machine(), r.data(),
                r.encoder(), r.endToEndCnn(), r.methods(), List.of(), seg, r.checks(), r.notes());

        assertThat(PaperReport.markdown(quick, List.of())).startsWith("# LegoNet against the paper's baselines (quick)")
                .contains("| s | SISA | FixSISA | LegoNet k=1 | LegoNet k=max |").doesNotContain("![");
        assertThat(PaperReport.trend(quick)).startsWith("Fashion-MNIST does not agree with the paper's trend here: "
                + "SISA did not lose accuracy as s grew; from s=5 to s=10 SISA went from 0.8000 to 0.8100 (+0.0100)");
        assertThat(PaperReport.trend(withSegments(r, 0.90, 0.88, 0.90, 0.885)))
                .startsWith("Fashion-MNIST agrees only partly with the paper's trend: LegoNet k=max lost less");
        assertThat(PaperReport.trend(withSegments(r, 0.90, 0.88, 0.90, 0.87)))
                .startsWith("Fashion-MNIST does not agree with the paper's trend here: LegoNet k=max lost at least as much");
        assertThat(PaperReport.trend(withSegments(r, 0.90, 0.88, 0.90, 0.899)))
                .startsWith("Fashion-MNIST agrees with the paper's trend: ")
                .endsWith("SISA falls 18.78 points from s=10 to s=100 while LegoNet k=10 falls 0.66).");
    }

    private static PaperResults.Run withSegments(PaperResults.Run r, double sisa10, double sisa100, double lego10,
                                                 double lego100) {
        List<PaperResults.Segment> seg = List.of(
                new PaperResults.Segment(10, sisa10, null, null, lego10, null, null, null, null),
                new PaperResults.Segment(100, sisa100, null, null, lego100, null, null, null, null));
        return new PaperResults.Run(r.started(), r.seconds(), false, r.machine(), r.data(), r.encoder(), r.endToEndCnn(),
                r.methods(), List.of(), seg, r.checks(), r.notes());
    }

    @Test
    void paretoFrontKeepsExactlyTheUndominatedPointsInOrderOfTime() {
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {280.5, 0.9261});   // 0 Retrain: the most accurate
        pts.add(new double[] {12.34, 0.9110});   // 1 SISA
        pts.add(new double[] {0.01234, 0.9065}); // 2 fastest
        pts.add(new double[] {0.1, 0.9070});     // 3
        pts.add(new double[] {0.05, 0.85});      // 4 dominated by 2
        pts.add(new double[] {0.5, 0.88});       // 5 dominated by 3
        pts.add(new double[] {2.0, 0.9070});     // 6 as accurate as 3 but slower: dominated
        pts.add(new double[] {0.1, 0.9000});     // 7 as fast as 3 but less accurate: dominated
        pts.add(new double[] {Double.NaN, 0.99}); // 8 ignored

        assertThat(PaperReport.paretoFront(pts)).containsExactly(2, 3, 1, 0);
        assertThat(PaperReport.paretoFront(List.of())).isEmpty();
        assertThat(PaperReport.paretoFront(List.of(new double[] {1, 0.5}, new double[] {1, 0.5})))
                .containsExactly(0, 1);
    }

    @Test
    void plotPointsComeFromTheMethods() {
        List<PaperReport.Point> pts = PaperReport.points(run());
        assertThat(pts).extracting(PaperReport.Point::family).containsExactly("Single adapter", "LegoNet MLP",
                "LegoNet MLP", "LegoNet linear", "FixSISA", "Retrain", "SISA");
        assertThat(pts).extracting(PaperReport.Point::label).containsExactly("mlp:128", "n=100 k=3", "n=20 k=2",
                "n=20 k=2", "s=10", "Retrain", "s=10");
    }

    @Test
    void writesMarkdownWithItsPlotsBesideIt() throws IOException {
        Path md = dir.resolve("out/paper.md");
        List<Path> plots = PaperReport.writeMarkdown(run(), md);

        assertThat(plots).extracting(p -> p.getFileName().toString())
                .containsExactly("paper-accuracy-vs-removal.png", "paper-segmentation.png");
        for (Path p : plots) {
            assertThat(p.getParent()).isEqualTo(md.toAbsolutePath().getParent());
            byte[] bytes = Files.readAllBytes(p);
            assertThat(bytes.length).isGreaterThan(PNG.length);
            assertThat(java.util.Arrays.copyOf(bytes, PNG.length)).isEqualTo(PNG);
            BufferedImage img = ImageIO.read(p.toFile());
            assertThat(img).isNotNull();
            assertThat(img.getWidth()).isEqualTo(PaperReport.WIDTH);
            assertThat(img.getHeight()).isEqualTo(PaperReport.HEIGHT);
        }
        assertThat(Files.readString(md)).contains("](paper-accuracy-vs-removal.png)", "](paper-segmentation.png)");
    }

    @Test
    void plotsWithoutDataAreSkipped() throws IOException {
        PaperResults.Run r = run();
        PaperResults.Run empty = new PaperResults.Run(r.started(), r.seconds(), false, r.machine(), r.data(),
                r.encoder(), r.endToEndCnn(), List.of(), List.of(),
                List.of(new PaperResults.Segment(10, null, null, null, null, null, null, null, null)), List.of(),
                Map.of());
        assertThat(PaperReport.plots(empty, dir, "x")).isEmpty();
        assertThat(PaperReport.markdown(empty, List.of())).contains("Too few segmentation values");
    }

    @Test
    void aSinglePointStillDraws() throws IOException {
        PaperResults.Run r = run();
        PaperResults.Run one = new PaperResults.Run(r.started(), r.seconds(), false, r.machine(), r.data(), r.encoder(),
                r.endToEndCnn(), List.of(r.methods().get(5)), List.of(),
                List.of(new PaperResults.Segment(10, 0.91, null, null, null, 12.0, null, null, null)), List.of(),
                Map.of());
        List<Path> plots = PaperReport.plots(one, dir, "one");
        assertThat(plots).hasSize(2);
        for (Path p : plots) {
            assertThat(ImageIO.read(p.toFile()).getWidth()).isEqualTo(PaperReport.WIDTH);
        }
    }

    @Test
    void jsonRoundTripsTheFigures() throws IOException {
        Path file = dir.resolve("paper.json");
        PaperReport.writeJson(run(), file);
        JsonNode t = new ObjectMapper().readTree(file.toFile());

        assertThat(t.get("started").asText()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(t.get("quick").asBoolean()).isFalse();
        assertThat(t.get("machine").get("peak_gflops").asDouble()).isEqualTo(80.0);
        assertThat(t.get("encoder").get("own_test_accuracy").asDouble()).isEqualTo(0.8812);
        JsonNode sisa = t.get("methods").get(6);
        assertThat(sisa.get("method").asText()).isEqualTo("SISA");
        assertThat(sisa.get("removal_p50_seconds").asDouble()).isEqualTo(12.34);
        assertThat(sisa.get("test_accuracy_vote").asDouble()).isEqualTo(0.9050);
        assertThat(sisa.get("random100").get("units_retrained").asInt()).isEqualTo(9);
        assertThat(t.get("methods").get(0).get("test_accuracy_after").isNull()).isTrue();
        assertThat(t.get("legonet").get(0).get("sizes").get("max").asInt()).isEqualTo(2610);
        assertThat(t.get("legonet").get(0).get("single").get("verified_exact").asInt()).isEqualTo(20);
        assertThat(t.get("segmentation").get(0).get("legonet_k10").asDouble()).isEqualTo(0.9060);
        assertThat(t.get("segmentation").get(0).get("legonet_k1").isNull()).isTrue();
        assertThat(t.get("checks").get(1).get("passed").asBoolean()).isFalse();
        assertThat(t.get("notes").get("removal_seconds").asText()).startsWith("one forget request");
    }

    // ------------------------------------------------------------------ a small synthetic run

    static PaperResults.Run run() {
        BenchResults.Machine machine = new BenchResults.Machine(2, 2, "17.0.15", "OpenJDK 64-Bit", "Linux", "Test CPU",
                "AVX-512", 40.0, 80.0, 1L << 30);
        BenchResults.Data data = new BenchResults.Data("Fashion-MNIST (IDX)", 10_000, 50_000, 10_000, 10);
        PaperResults.Encoder encoder = new PaperResults.Encoder("cnn:channels=16-32-64:dim=256:epochs=30",
                "adam 30 epochs", 256, 123_456, 100.5, 12.25, 0.8812);

        BenchResults.SettingResult n100k3 = setting(100, 3, "mlp:128", 0.9065, 0.01234, true);
        BenchResults.SettingResult n20k2 = setting(20, 2, "mlp:128", 0.9070, 0.1, false);
        BenchResults.SettingResult n20k2lin = setting(20, 2, "linear", 0.85, 0.05, false);
        BenchResults.SettingResult n50k5 = setting(50, 5, "mlp:128", 0.9065, 0.02, false);
        BenchResults.SettingResult n100k5 = setting(100, 5, "mlp:128", 0.9060, 0.03, false);

        PaperResults.Task sisaRandom = new PaperResults.Task("Random100", 100, 95.0, 9, 0.9080, 0.8800, "checkpoints");
        PaperResults.Task sisaUnclass = new PaperResults.Task("UnClass", -1, 150.0, 10, null, null, "not run");
        List<PaperResults.Method> methods = List.of(
                new PaperResults.Method("Single adapter", "mlp:128", "fixed encoder", 0.9050, null, 2.0, 1, 2.0, 2.0, 1,
                        50_000, 34_000, null, null, null, null, null, "-"),
                legonet(n100k3, new PaperResults.Task("Random100", 100, 0.4321, 17, 0.9063, 0.8900, "verify EXACT")),
                legonet(n20k2, null),
                legonet(n20k2lin, null),
                new PaperResults.Method("FixSISA", "s=10", "fixed encoder", 0.8800, null, 3.0, 20, 0.5, 0.6, 1, 5_000,
                        34_000, 0.8790, null, 0.85, null, null, "-"),
                new PaperResults.Method("Retrain", "end-to-end CNN", "end-to-end", 0.9261, null, 300.0, 1, 280.5, 280.5, 1,
                        600_000, 421_642, 0.9255, 0.95, 0.9, null, null, "-"),
                new PaperResults.Method("SISA", "s=10 r=5", "end-to-end", 0.9110, 0.9050, 150.0, 3, 12.34, 13.5, 1, 36_000,
                        421_642, 0.9101, 0.93, 0.92, sisaRandom, sisaUnclass, "-"));
        List<PaperResults.Segment> seg = List.of(
                new PaperResults.Segment(20, 0.9000, 0.8700, null, 0.9060, 6.0, 0.25, null, 0.03),
                new PaperResults.Segment(10, 0.9110, 0.8800, 0.9010, 0.9065, 12.34, 0.5, 0.02, 0.01234));
        List<PaperResults.Check> checks = List.of(
                new PaperResults.Check("Retrain reaches at least 0.92 test accuracy", true, "Retrain 0.9261"),
                new PaperResults.Check("and at least 50x faster than SISA s=10", false, "12 s"));
        Map<String, Object> notes = new LinkedHashMap<>();
        notes.put("removal_seconds", "one forget request in process");
        return new PaperResults.Run("2025-01-02T03:04:05Z", 1234.5, false, machine, data, encoder, "cnn:e2e", methods,
                List.of(n100k3, n20k2, n20k2lin, n50k5, n100k5), seg, checks, notes);
    }

    private static BenchResults.SettingResult setting(int n, int k, String adapter, double acc, double p50,
                                                      boolean tasks) {
        BenchResults.Accuracies before = new BenchResults.Accuracies(acc, null, 0.95, null);
        BenchResults.Single single = new BenchResults.Single(20, p50, 0.02, 0.015, p50 * 0.9, p50 * 0.1, 2.95, 1_475,
                17_000, 20);
        BenchResults.Task random = tasks ? new BenchResults.Task("Random100", "100 ids", 100, 0, 17, 25_000, 289_000, 0.4321,
                0.4, 0.0321, new BenchResults.Accuracies(0.9063, null, 0.95, 0.89), "EXACT", 0.5) : null;
        BenchResults.Task unclass = tasks ? new BenchResults.Task("UnClass", "label 3", 5_000, 0, 100, 45_000, 1_700_000,
                1.23, 1.1, 0.13, new BenchResults.Accuracies(0.82, 0.9101, 0.95, 0.0), "EXACT", 2.0) : null;
        return new BenchResults.SettingResult("n=" + n + " k=" + k + " " + adapter, n, k, adapter, Map.of(), 4.2, 4.0,
                12.5, 15.6, new PrivateSet.Sizes(120, 1_500, 2_610), 1_475, 1_350, 1.0926, before, single, null, 4.0, 3, random,
                null, unclass, 4.0, 11.0, 13.75, 324.0, 16.7, tasks ? "EXACT" : "not run", 1.0, 1L << 28, "d25b2788", 123_456_789L);
    }

    private static PaperResults.Method legonet(BenchResults.SettingResult r, PaperResults.Task random) {
        return new PaperResults.Method("LegoNet", r.setting(), "fixed encoder", r.before().test(), null, r.trainSeconds(),
                r.single().runs(), r.single().p50Seconds(), r.single().p95Seconds(), r.single().meanAdaptersRetrained(),
                r.single().meanSamplesRetrained(), r.single().meanAdaptersRetrained() * 17_000,
                random == null ? null : random.testAccuracyAfter(), 0.95, null, random, null, "EXACT");
    }
}

package org.legonet.dl.cnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.kernel.Simd;
import org.legonet.core.Progress;

/**
 * The Java CNN trainer: its backward pass is the gradient of its forward pass (finite differences), it learns,
 * and a fit has the same bits twice in one JVM, on 1, 2 or 3 threads, in a child JVM, and under another
 * {@code -Dlegonet.simd} setting; a diverging fit stops with a one-line error instead of yielding NaN.
 */
class CnnNetworkTest {
    /**
     * Two blocks, dropout and augmentation on, a last batch smaller than the others (80 = 3 * 24 + 8). The channel
     * counts take both the vector and the scalar paths of the per-channel loops at 4 and at 16 lanes.
     */
    static final CnnSpec SPEC = CnnSpec.parse("cnn:channels=4-18:dim=16:epochs=2:batch=24:dropout=0.25:augment=on");

    static Dataset data() {
        return Images.synthetic(80, new int[] {28, 28}, 4, 3);
    }

    static CnnNetwork fit(Dataset data, int threads) {
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork net = new CnnNetwork(SPEC, data.sampleShape(), 4, st[0], st[1], 9, threads);
        long passes = net.fit(data, Images.range(data.size()), SPEC.epochs(), 10, Progress.NONE, "test");
        assertThat(passes).isEqualTo(2L * data.size());
        return net;
    }

    static String digest(CnnWeights w) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(w.toBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theBackwardPassIsTheGradientOfTheForwardPass() {
        gradientCheck("cnn:channels=3-4:dim=5:dropout=0:augment=off");
        // channel counts whose per-channel loops run on vectors (at up to 16 lanes) and a scalar tail
        gradientCheck("cnn:channels=16-17:dim=5:dropout=0:augment=off");
    }

    private static void gradientCheck(String specText) {
        // 2 channels of 6x7: 6x7 -> 3x3 -> 1x1; the pooling drops a column, the second block's a row and column
        Dataset data = Images.synthetic(5, new int[] {2, 6, 7}, 3, 4);
        CnnSpec spec = CnnSpec.parse(specText);
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork net = new CnnNetwork(spec, data.sampleShape(), 3, st[0], st[1], 5, 1);
        int[] rows = Images.range(data.size());
        float[] p = net.parameters();
        float[] grad = new float[p.length];
        float loss = net.lossAndGradient(data, rows, grad);
        assertThat(loss).isBetween(0.3f, 3f);
        float[] scratch = new float[p.length];
        float h = 1e-3f;
        int checked = 0;
        StringBuilder bad = new StringBuilder();
        int off = 0;
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < p.length; i++) {
            float keep = p[i];
            p[i] = keep + h;
            float up = net.lossAndGradient(data, rows, scratch);
            p[i] = keep - h;
            float down = net.lossAndGradient(data, rows, scratch);
            p[i] = keep;
            // ReLU and max-pooling make the loss piecewise smooth: next to a kink only a one-sided difference
            // is the derivative (seen here for 2 of the 226 parameters of the first spec), so the closest of the three
            // must match; with kinks on both sides within h none does (seen for 2 of the 2,943 of the second)
            double central = ((double) up - down) / (2.0 * h);
            double right = ((double) up - loss) / h;
            double left = ((double) loss - down) / h;
            double best = central;
            for (double numeric : new double[] {right, left}) {
                best = Math.abs(numeric - grad[i]) < Math.abs(best - grad[i]) ? numeric : best;
            }
            diff += (best - grad[i]) * (best - grad[i]);
            norm += (double) grad[i] * grad[i];
            if (Math.abs(best - grad[i]) / (2e-3 + Math.abs(best) + Math.abs(grad[i])) >= 0.05) {
                off++;
                bad.append(String.format(" [%d: analytic %.5f, central %.5f, right %.5f, left %.5f]", i, grad[i],
                        central, right, left));
            }
            checked += Math.abs(grad[i]) > 1e-3 ? 1 : 0;
        }
        assertThat(off).as("%s: parameters whose gradient is off (at most 1%%): %s", specText, bad).isLessThanOrEqualTo(p.length / 100);
        assertThat(Math.sqrt(diff / norm)).as("%s: relative error of the whole gradient", specText).isLessThan(0.02);
        assertThat(checked).as("most gradients are not trivially zero").isGreaterThan(p.length / 2);
    }

    @Test
    void itLearnsAndItsInferenceWeightsComputeWhatTheTrainingPassesCompute() {
        Dataset data = Images.synthetic(96, new int[] {12, 12}, 4, 6);
        CnnSpec spec = CnnSpec.parse("cnn:channels=4-8:dim=16:epochs=4:batch=16:augment=off");
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork net = new CnnNetwork(spec, data.sampleShape(), 4, st[0], st[1], 1, 2);
        net.fit(data, Images.range(data.size()), spec.epochs(), 2, Progress.NONE, "test");
        CnnWeights w = net.weights();
        assertThat(w.parameterCount()).isEqualTo(net.parameterCount());
        int[] rows = Images.range(data.size());
        float[] engine = net.evalLogits(data, rows);
        CnnWeights.Workspace ws = w.workspace();
        float[] x = new float[data.dim()];
        float[] lg = new float[4];
        int right = 0;
        for (int r = 0; r < rows.length; r++) {
            data.copyRow(r, x, 0);
            w.logits(x, 0, lg, ws);
            int best = 0;
            for (int c = 0; c < 4; c++) {
                // batch norm folded into a scale and shift rounds differently: tolerance, not bits
                assertThat((double) lg[c]).as("row %d class %d", r, c)
                        .isCloseTo(engine[r * 4 + c], org.assertj.core.api.Assertions.within(1e-4 * (1 + Math.abs(lg[c]))));
                best = lg[c] > lg[best] ? c : best;
            }
            right += best == data.label(r) ? 1 : 0;
        }
        assertThat(right).as("training accuracy").isGreaterThan(rows.length * 9 / 10);
    }

    @Test
    void theSameFitHasTheSameBitsTwiceAndOnAnyThreadCount() {
        Dataset data = data();
        CnnNetwork one = fit(data, 1);
        byte[] bits = one.weights().toBytes();
        assertThat(fit(data, 1).weights().toBytes()).isEqualTo(bits);
        assertThat(fit(data, 2).weights().toBytes()).isEqualTo(bits);
        assertThat(fit(data, 3).weights().toBytes()).isEqualTo(bits);
        assertThat(Arrays.deepEquals(fit(data, 2).snapshot(), one.snapshot())).isTrue();
        // and the seed matters
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork other = new CnnNetwork(SPEC, data.sampleShape(), 4, st[0], st[1], 9, 1);
        other.fit(data, Images.range(data.size()), SPEC.epochs(), 11, Progress.NONE, "test");
        assertThat(other.weights().toBytes()).isNotEqualTo(bits);
    }

    @Test
    void aChildJvmGivesTheSameBitsUnderEverySimdSetting() throws Exception {
        String want = digest(fit(data(), 2).weights());
        String here = Simd.describe();
        assertThat(child(null, 1)).as("a child JVM with the default vectors (here %s)", here).isEqualTo(want);
        assertThat(child("scalar", 2)).as("-Dlegonet.simd=scalar").isEqualTo(want);
        assertThat(child("128", 1)).as("-Dlegonet.simd=128").isEqualTo(want);
    }

    private static String child(String simd, int threads) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-Xmx512m");
        if (simd != null) {
            cmd.add("-Dlegonet.simd=" + simd);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CnnFitMain.class.getName());
        cmd.add(Integer.toString(threads));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("child JVM output: %s", text).isZero();
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    @Test
    void aDivergingFitIsAOneLineErrorNotNaN() {
        Dataset data = Images.synthetic(32, new int[] {8, 8}, 2, 1);
        float[] st = CnnNetwork.inputStats(data);
        CnnNetwork net = new CnnNetwork(CnnSpec.parse("cnn:channels=2:dim=4:epochs=3:batch=8:lr=1e30"),
                data.sampleShape(), 2, st[0], st[1], 1, 1);
        assertThatThrownBy(() -> net.fit(data, Images.range(32), 3, 1, Progress.NONE, "test"))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("diverged").hasMessageContaining("lr")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }
}

package org.legonet.core.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.legonet.core.util.Rng;

/**
 * The backward pass of adapter training against central finite differences of its own loss, for
 * every parameter of tiny networks. The gradient comes from
 * {@link DenseAdapterTrainer#lossAndGradient}, which runs the same forward and backward code as
 * training.
 */
class GradientCheckTest {
    private static final int IN = 3;
    private static final int CLASSES = 3;
    private static final int ROWS = 5;
    private static final double EPS = 1e-2;
    /** Hidden pre-activations stay at least this far from the ReLU kink, so EPS never crosses it. */
    private static final double KINK_MARGIN = 0.1;

    private record Net(AdapterSpec spec, Adapter.Layout lay, float[] params, float[] x, int[] y) {
    }

    /** Random parameters (padding zero) and samples, from the first seed whose hidden units all stay clear of 0. */
    private static Net net(AdapterSpec spec) {
        Adapter.Layout lay = Adapter.layout(spec, IN, CLASSES);
        for (long seed = 1; ; seed++) {
            Rng rng = new Rng(seed);
            float[] p = new float[lay.total];
            for (int l = 1; l <= lay.layers(); l++) {
                for (int i = 0; i < lay.widths[l - 1]; i++) {
                    for (int j = 0; j < lay.widths[l]; j++) {
                        p[lay.weightOff[l] + i * lay.padded[l] + j] = (float) (0.8 * rng.nextGaussian());
                    }
                }
                for (int j = 0; j < lay.widths[l]; j++) {
                    p[lay.biasOff[l] + j] = (float) (0.3 * rng.nextGaussian());
                }
            }
            float[] x = new float[ROWS * IN];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            int[] y = new int[ROWS];
            for (int r = 0; r < ROWS; r++) {
                y[r] = rng.nextInt(CLASSES);
            }
            if (clearOfKinks(lay, p, x)) {
                return new Net(spec, lay, p, x, y);
            }
        }
    }

    /** Whether every hidden pre-activation of every sample is at least KINK_MARGIN away from 0. */
    private static boolean clearOfKinks(Adapter.Layout lay, float[] p, float[] x) {
        for (int r = 0; r < ROWS; r++) {
            double[] a = new double[IN];
            for (int i = 0; i < IN; i++) {
                a[i] = x[r * IN + i];
            }
            for (int l = 1; l < lay.layers(); l++) {
                double[] z = new double[lay.widths[l]];
                for (int j = 0; j < z.length; j++) {
                    double s = p[lay.biasOff[l] + j];
                    for (int i = 0; i < a.length; i++) {
                        s += a[i] * p[lay.weightOff[l] + i * lay.padded[l] + j];
                    }
                    if (Math.abs(s) < KINK_MARGIN) {
                        return false;
                    }
                    z[j] = Math.max(s, 0);
                }
                a = z;
            }
        }
        return true;
    }

    private static float loss(Net n, float[] params) {
        return DenseAdapterTrainer.lossAndGradient(n.spec(), IN, CLASSES, params, n.x(), n.y(), ROWS,
                new float[params.length]);
    }

    /** Which parameter indices belong to the padded output columns. */
    private static boolean[] padding(Adapter.Layout lay) {
        boolean[] pad = new boolean[lay.total];
        int last = lay.layers();
        for (int i = 0; i < lay.padded[last - 1]; i++) {
            for (int j = CLASSES; j < lay.padded[last]; j++) {
                pad[lay.weightOff[last] + i * lay.padded[last] + j] = true;
            }
        }
        for (int j = CLASSES; j < lay.padded[last]; j++) {
            pad[lay.biasOff[last] + j] = true;
        }
        return pad;
    }

    private static void check(String spec) {
        Net n = net(AdapterSpec.parse(spec));
        float[] grad = new float[n.lay().total];
        float[] before = n.params().clone();
        float loss = DenseAdapterTrainer.lossAndGradient(n.spec(), IN, CLASSES, n.params(), n.x(), n.y(), ROWS, grad);
        assertThat(n.params()).as("parameters are read only").containsExactly(before);
        assertThat(loss).isPositive().isCloseTo((float) referenceLoss(n), within(1e-5f));
        boolean[] pad = padding(n.lay());
        int checked = 0;
        for (int i = 0; i < grad.length; i++) {
            float[] plus = n.params().clone();
            float[] minus = n.params().clone();
            plus[i] = (float) (plus[i] + EPS);
            minus[i] = (float) (minus[i] - EPS);
            double fd = ((double) loss(n, plus) - loss(n, minus)) / ((double) plus[i] - minus[i]);
            if (pad[i]) {
                assertThat(grad[i]).as("%s: padded parameter %d", spec, i).isZero();
                assertThat(fd).as("%s: padded parameter %d does not change the loss", spec, i).isZero();
                continue;
            }
            double tol = 0.03 * Math.max(Math.abs(fd), Math.abs(grad[i])) + 2e-4;
            assertThat((double) grad[i]).as("%s: d loss / d parameter %d", spec, i).isCloseTo(fd, within(tol));
            checked++;
        }
        assertThat(checked).isEqualTo((int) n.spec().parameters(IN, CLASSES));
    }

    /** Mean cross-entropy computed independently, in double precision. */
    private static double referenceLoss(Net n) {
        Adapter.Layout lay = n.lay();
        float[] p = n.params();
        double total = 0;
        for (int r = 0; r < ROWS; r++) {
            double[] a = new double[IN];
            for (int i = 0; i < IN; i++) {
                a[i] = n.x()[r * IN + i];
            }
            for (int l = 1; l <= lay.layers(); l++) {
                double[] z = new double[lay.widths[l]];
                for (int j = 0; j < z.length; j++) {
                    double s = p[lay.biasOff[l] + j];
                    for (int i = 0; i < a.length; i++) {
                        s += a[i] * p[lay.weightOff[l] + i * lay.padded[l] + j];
                    }
                    z[j] = l < lay.layers() ? Math.max(s, 0) : s;
                }
                a = z;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double v : a) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : a) {
                sum += Math.exp(v - max);
            }
            total += max + Math.log(sum) - a[n.y()[r]];
        }
        return total / ROWS;
    }

    @Test
    void linearGradientMatchesFiniteDifferences() {
        check("linear");
    }

    @Test
    void oneHiddenLayerGradientMatchesFiniteDifferences() {
        check("mlp:4");
    }

    @Test
    void twoHiddenLayersGradientMatchesFiniteDifferences() {
        check("mlp:4,3");
    }

    @Test
    void theHookComputesTheGradientTrainingSteps() {
        // one sample, one epoch, plain SGD: the trained weights are the initial ones minus lr * gradient
        AdapterSpec spec = AdapterSpec.parse("mlp:4");
        float lr = 0.5f;
        TrainConfig sgd = new TrainConfig(spec, Optimizer.SGD, 1, 1, lr, false, 0.0f, 0.0f);
        DenseAdapterTrainer trainer = new DenseAdapterTrainer(sgd);
        TrainingSet none = new TrainingSet(new float[0], IN, new int[0], new long[0], new int[0], CLASSES);
        float[] x = {0.5f, -1.25f, 2.0f};
        int[] y = {2};
        TrainingSet one = new TrainingSet(x, IN, y, new long[] {7}, new int[] {0}, CLASSES);
        float[] initial = trainer.train(0, 99, none).parameters();
        float[] trained = trainer.train(0, 99, one).parameters();
        float[] grad = new float[initial.length];
        DenseAdapterTrainer.lossAndGradient(spec, IN, CLASSES, initial, x, y, 1, grad);
        int moved = 0;
        for (int i = 0; i < initial.length; i++) {
            assertThat(Float.floatToRawIntBits(trained[i])).as("parameter %d", i)
                    .isEqualTo(Float.floatToRawIntBits(initial[i] - lr * grad[i]));
            moved += trained[i] != initial[i] ? 1 : 0;
        }
        assertThat(moved).isGreaterThan(10);
    }
}

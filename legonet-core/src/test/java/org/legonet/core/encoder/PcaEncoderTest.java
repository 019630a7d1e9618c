package org.legonet.core.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/** Whitened PCA fitted on a public split: statistics, determinism, persistence and errors. */
class PcaEncoderTest {
    private static final int DIM = 12;

    /**
     * Correlated Gaussian data with clearly different variances per direction: x = z * M + shift,
     * where z has per-coordinate scales 6, 5, ..., and M is a fixed random mixing matrix.
     */
    private static Dataset correlated(int rows, long seed) {
        Rng rng = new Rng(seed);
        float[][] mix = new float[DIM][DIM];
        for (float[] row : mix) {
            for (int j = 0; j < DIM; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        float[] x = new float[rows * DIM];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            double[] z = new double[DIM];
            for (int i = 0; i < DIM; i++) {
                z[i] = rng.nextGaussian() * (6.0 - 0.45 * i);
            }
            for (int j = 0; j < DIM; j++) {
                double v = 3.0 + j;
                for (int i = 0; i < DIM; i++) {
                    v += z[i] * mix[i][j];
                }
                x[r * DIM + j] = (float) v;
            }
            labels[r] = r % 2;
        }
        return Dataset.withRowIds("correlated", labels, x, new int[] {DIM});
    }

    private static float[] encodeAll(Encoder e, Dataset d) {
        return Encoders.encodeAll(e, d, 1, Progress.NONE);
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    @Test
    void whitenedEncodingsOfThePublicDataHaveZeroMeanUnitVarianceAndNoCorrelation() {
        Dataset pub = correlated(800, 1);
        Encoder e = Encoders.fit("pca:6", pub, 0, Progress.NONE);
        assertThat(e.inputDim()).isEqualTo(DIM);
        assertThat(e.outputDim()).isEqualTo(6);
        float[] enc = encodeAll(e, pub);
        int n = pub.size();
        int d = e.outputDim();
        double[] mean = new double[d];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                mean[j] += enc[r * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
            assertThat(mean[j]).as("mean of dimension %d", j).isCloseTo(0.0, within(1e-3));
        }
        double[][] cov = new double[d][d];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    cov[i][j] += (enc[r * d + i] - mean[i]) * (enc[r * d + j] - mean[j]);
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double c = cov[i][j] / (n - 1);
                assertThat(c).as("covariance (%d, %d)", i, j).isCloseTo(i == j ? 1.0 : 0.0, within(2e-3));
            }
        }
    }

    @Test
    void componentsAreOrderedByVarianceAndMatchThePlainEncodingsVariance() {
        Dataset pub = correlated(800, 2);
        PcaEncoder plain = (PcaEncoder) Encoders.fit("pca:5:plain", pub, 0, Progress.NONE);
        double[] variances = plain.componentVariances();
        assertThat(variances).hasSize(5);
        for (int j = 1; j < variances.length; j++) {
            assertThat(variances[j]).as("component %d", j).isLessThan(variances[j - 1]);
        }
        assertThat(variances[4]).isPositive();
        // plain encodings are projections divided by the largest standard deviation
        float[] enc = encodeAll(plain, pub);
        int n = pub.size();
        for (int j = 0; j < 5; j++) {
            double s = 0;
            double ss = 0;
            for (int r = 0; r < n; r++) {
                s += enc[r * 5 + j];
                ss += (double) enc[r * 5 + j] * enc[r * 5 + j];
            }
            double var = (ss - s * s / n) / (n - 1);
            assertThat(var * variances[0]).as("variance of component %d", j)
                    .isCloseTo(variances[j], within(1e-3 * variances[0]));
        }
        // the whitened encoder reports the same component variances
        PcaEncoder whitened = (PcaEncoder) Encoders.fit("pca:5", pub, 0, Progress.NONE);
        assertThat(whitened.componentVariances()).containsExactly(variances);
    }

    @Test
    void componentVariancesIsACopy() {
        PcaEncoder e = (PcaEncoder) Encoders.fit("pca:3", correlated(100, 3), 0, Progress.NONE);
        double[] v = e.componentVariances();
        v[0] = -1;
        assertThat(e.componentVariances()[0]).isPositive();
    }

    @Test
    void aRowEncodedAloneEqualsTheSameRowInABatchBitForBit() {
        Dataset pub = correlated(300, 4);
        Encoder e = Encoders.fit("pca:7", pub, 0, Progress.NONE);
        int rows = 37;
        float[] x = new float[rows * DIM];
        for (int r = 0; r < rows; r++) {
            pub.copyRow(r, x, r * DIM);
        }
        float[] batch = new float[rows * 7];
        e.encode(x, rows, batch);
        for (int r = 0; r < rows; r++) {
            float[] alone = Encoders.encodeOne(e, Arrays.copyOfRange(x, r * DIM, (r + 1) * DIM));
            assertThat(bits(alone)).as("row %d", r).isEqualTo(bits(Arrays.copyOfRange(batch, r * 7, (r + 1) * 7)));
        }
    }

    @Test
    void restoringTheStateGivesTheSameEncoder() {
        Dataset pub = correlated(300, 5);
        Encoder e = Encoders.fit("pca:4", pub, 0, Progress.NONE);
        Encoder back = Encoders.restore("pca:4", DIM, e.state());
        assertThat(back).isInstanceOf(PcaEncoder.class);
        assertThat(back.fingerprint()).isEqualTo(e.fingerprint());
        assertThat(back.spec()).isEqualTo("pca:4");
        assertThat(back.outputDim()).isEqualTo(4);
        assertThat(bits(encodeAll(back, pub))).isEqualTo(bits(encodeAll(e, pub)));
        assertThat(((PcaEncoder) back).componentVariances()).containsExactly(((PcaEncoder) e).componentVariances());
    }

    @Test
    void fittingIsDeterministicAndDependsOnTheData() {
        Dataset pub = correlated(300, 6);
        String first = Encoders.fit("pca:4", pub, 0, Progress.NONE).fingerprint();
        assertThat(Encoders.fit("pca:4", pub, 0, Progress.NONE).fingerprint()).isEqualTo(first);
        assertThat(Encoders.fit("pca:4", correlated(300, 7), 0, Progress.NONE).fingerprint()).isNotEqualTo(first);
        // one changed feature value of one sample is a different public split
        float[] x = new float[pub.size() * DIM];
        for (int r = 0; r < pub.size(); r++) {
            pub.copyRow(r, x, r * DIM);
        }
        x[5 * DIM + 3] += 0.25f;
        Dataset changed = Dataset.withRowIds("changed", pub.labels(), x, new int[] {DIM});
        assertThat(Encoders.fit("pca:4", changed, 0, Progress.NONE).fingerprint()).isNotEqualTo(first);
        // the specification is part of the fingerprint
        assertThat(Encoders.fit("pca:4:plain", pub, 0, Progress.NONE).fingerprint()).isNotEqualTo(first);
    }

    @Test
    void badSpecificationsAreOneLineErrorsNamingTheProblem() {
        Dataset wide = Synthetic.blobs(6, 784, 2, 1, 0);
        assertError("pca", wide, "not of the form pca:D");
        assertError("pca:0", wide, "D must be positive");
        assertError("pca:-3", wide, "D must be positive");
        assertError("pca:x", wide, "D must be a positive integer, got 'x'");
        assertError("pca:1000", wide, "asks for 1000 components but samples have only 784 features");
        assertError("pca:4:foo", wide, "not of the form pca:D or pca:D:plain");
        assertError("pca:4:plain:x", wide, "not of the form pca:D or pca:D:plain");
    }

    @Test
    void fittingNeedsTwoPublicSamples() {
        assertError("pca:2", Synthetic.blobs(1, 5, 2, 1, 0), "needs at least 2 public samples, got 1");
    }

    private static void assertError(String spec, Dataset data, String fragment) {
        assertThatThrownBy(() -> Encoders.fit(spec, data, 0, Progress.NONE))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining(fragment)
                .hasMessageContaining(spec)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aCorruptedOrForeignStateIsAClearError() {
        Encoder e = Encoders.fit("pca:4", correlated(100, 8), 0, Progress.NONE);
        byte[] state = e.state();
        assertRestoreError("pca:4", DIM, Arrays.copyOf(state, state.length - 1));
        assertRestoreError("pca:4", DIM, new byte[0]);
        assertRestoreError("pca:4", DIM + 1, state);
        assertRestoreError("pca:5", DIM, state);
        byte[] badMagic = state.clone();
        badMagic[0] ^= 0x40;
        assertRestoreError("pca:4", DIM, badMagic);
        byte[] badDims = state.clone();
        badDims[8] = 3; // output dimension 3 in a state of the right length for 4
        assertRestoreError("pca:4", DIM, badDims);
    }

    private static void assertRestoreError(String spec, int inputDim, byte[] state) {
        assertThatThrownBy(() -> Encoders.restore(spec, inputDim, state))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("does not match its specification")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
    }
}

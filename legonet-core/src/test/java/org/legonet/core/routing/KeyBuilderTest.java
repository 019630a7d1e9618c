package org.legonet.core.routing;

import org.legonet.core.Distance;
import org.legonet.core.KeyMethod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/** Keys from public encodings: placement, balancing, determinism and errors. */
class KeyBuilderTest {
    private static final int DIM = 3;

    /**
     * Clusters of very different sizes and spreads: one dense cluster holds 60% of the samples, so
     * nearest-key routing sends far more samples to the keys near it.
     */
    static float[] skewedClusters(int rows, long seed) {
        Rng rng = new Rng(seed);
        double[][] centres = {{0, 0, 0}, {8, 0, 0}, {0, 8, 0}, {0, 0, 8}};
        double[] share = {0.6, 0.2, 0.12, 0.08};
        double[] spread = {0.5, 2.5, 2.5, 2.5};
        float[] x = new float[rows * DIM];
        for (int r = 0; r < rows; r++) {
            double u = rng.nextDouble();
            int c = 0;
            while (c < share.length - 1 && u >= share[c]) {
                u -= share[c];
                c++;
            }
            for (int d = 0; d < DIM; d++) {
                x[r * DIM + d] = (float) (centres[c][d] + spread[c] * rng.nextGaussian());
            }
        }
        return x;
    }

    static int[] counts(Keys keys, int k, float[] x, int rows) {
        int[] routes = new Router(keys, k).routeAll(x, rows, 1);
        int[] counts = new int[keys.count()];
        for (int a : routes) {
            counts[a]++;
        }
        return counts;
    }

    private static double ratio(int[] counts) {
        int max = Arrays.stream(counts).max().orElseThrow();
        int min = Arrays.stream(counts).min().orElseThrow();
        return min == 0 ? Double.POSITIVE_INFINITY : (double) max / min;
    }

    private static Keys build(float[] x, int rows, int n, int k, KeyMethod m, Distance d, boolean balance,
                              long seed) {
        return KeyBuilder.build(x, rows, DIM, n, k, m, d, balance, seed, Progress.NONE);
    }

    @Test
    void balancingEvensOutTheLoadThatNearestKeyRoutingSkews() {
        int rows = 1200;
        float[] x = skewedClusters(rows, 1);
        for (KeyMethod m : KeyMethod.values()) {
            for (int k : new int[] {1, 2}) {
                Keys raw = build(x, rows, 8, k, m, Distance.L2, false, 5);
                Keys balanced = build(x, rows, 8, k, m, Distance.L2, true, 5);
                int[] before = counts(raw, k, x, rows);
                int[] after = counts(balanced, k, x, rows);
                assertThat(ratio(before)).as("%s k=%d unbalanced counts %s", m, k, Arrays.toString(before))
                        .isGreaterThan(2.5);
                assertThat(ratio(after)).as("%s k=%d balanced counts %s", m, k, Arrays.toString(after))
                        .isLessThan(1.05);
                assertThat(Arrays.stream(after).sum()).isEqualTo(rows * k);
                // balancing moves only the offsets: the keys themselves are the same
                for (int j = 0; j < 8; j++) {
                    assertThat(balanced.key(j)).containsExactly(raw.key(j));
                }
                assertThat(raw.offsets()).containsOnly(0.0);
                assertThat(balanced.offsets()).isNotEqualTo(raw.offsets());
            }
        }
    }

    @Test
    void balanceFittedOnPublicSamplesCarriesOverToFreshSamplesOfTheSameDistribution() {
        int rows = 1200;
        float[] pub = skewedClusters(rows, 1);
        float[] fresh = skewedClusters(4000, 77);
        for (Distance d : Distance.values()) {
            Keys raw = build(pub, rows, 8, 2, KeyMethod.KMEANS, d, false, 5);
            Keys balanced = build(pub, rows, 8, 2, KeyMethod.KMEANS, d, true, 5);
            int[] before = counts(raw, 2, fresh, 4000);
            int[] after = counts(balanced, 2, fresh, 4000);
            assertThat(ratio(after)).as("%s fresh balanced counts %s", d, Arrays.toString(after)).isLessThan(1.4);
            assertThat(sumOfSquares(after)).as("%s expected removal cost", d).isLessThan(sumOfSquares(before));
        }
    }

    private static long sumOfSquares(int[] counts) {
        long s = 0;
        for (int c : counts) {
            s += (long) c * c;
        }
        return s;
    }

    @Test
    void theSameSeedGivesTheSameKeysAndAnotherSeedOtherKeys() {
        int rows = 500;
        float[] x = skewedClusters(rows, 2);
        for (KeyMethod m : KeyMethod.values()) {
            for (Distance d : Distance.values()) {
                String a = build(x, rows, 6, 2, m, d, true, 11).digest();
                assertThat(build(x, rows, 6, 2, m, d, true, 11).digest()).as("%s %s", m, d).isEqualTo(a);
                assertThat(build(x, rows, 6, 2, m, d, true, 12).digest()).as("%s %s", m, d).isNotEqualTo(a);
            }
        }
    }

    @Test
    void publicSampleKeysArePublicEncodingsPlusSmallNoise() {
        int rows = 300;
        float[] x = skewedClusters(rows, 3);
        Keys keys = build(x, rows, 10, 1, KeyMethod.PUBLIC_SAMPLE, Distance.L2, false, 4);
        boolean[] used = new boolean[rows];
        for (int j = 0; j < keys.count(); j++) {
            float[] key = keys.key(j);
            int nearest = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int d = 0; d < DIM; d++) {
                    double t = key[d] - x[r * DIM + d];
                    s += t * t;
                }
                if (s < best) {
                    best = s;
                    nearest = r;
                }
            }
            // the noise is 1% of the per-dimension RMS (a few units here): far below the data's spread
            assertThat(Math.sqrt(best)).as("key %d to its public sample", j).isLessThan(0.3).isPositive();
            assertThat(used[nearest]).as("key %d reuses public sample %d", j, nearest).isFalse();
            used[nearest] = true;
        }
    }

    @Test
    void kmeansKeysSitInsideTheData() {
        int rows = 600;
        float[] x = skewedClusters(rows, 4);
        Keys keys = build(x, rows, 4, 1, KeyMethod.KMEANS, Distance.L2, false, 9);
        // every cluster centre of the generator has a key within a short distance
        double[][] centres = {{0, 0, 0}, {8, 0, 0}, {0, 8, 0}, {0, 0, 8}};
        for (double[] c : centres) {
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < 4; j++) {
                float[] key = keys.key(j);
                double s = 0;
                for (int d = 0; d < DIM; d++) {
                    s += (key[d] - c[d]) * (key[d] - c[d]);
                }
                best = Math.min(best, Math.sqrt(s));
            }
            assertThat(best).as("nearest key to %s", Arrays.toString(c)).isLessThan(1.5);
        }
        assertThat(keys.temperature()).isPositive();
    }

    @Test
    void impossibleShapesAreErrorsNamingTheValues() {
        float[] x = skewedClusters(5, 5);
        assertThatThrownBy(() -> build(x, 5, 6, 1, KeyMethod.KMEANS, Distance.L2, true, 1))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("adapters (6) need at least as many public samples")
                .hasMessageContaining("got 5");
        assertThatThrownBy(() -> build(x, 5, 3, 4, KeyMethod.KMEANS, Distance.L2, true, 1))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("activate must be between 1 and the number of adapters, 3, got 4");
        assertThatThrownBy(() -> build(x, 5, 3, 0, KeyMethod.KMEANS, Distance.L2, true, 1))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> build(x, 5, 0, 1, KeyMethod.KMEANS, Distance.L2, true, 1))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("at least 1, got 0");
    }

    @Test
    void asManyKeysAsPublicSamplesIsAllowed() {
        float[] x = skewedClusters(5, 6);
        Keys keys = build(x, 5, 5, 2, KeyMethod.KMEANS, Distance.L2, true, 1);
        assertThat(keys.count()).isEqualTo(5);
        assertThat(Arrays.stream(counts(keys, 2, x, 5)).sum()).isEqualTo(10);
    }

    @Test
    void methodAndDistanceNamesParse() {
        assertThat(KeyMethod.parse("kmeans")).isEqualTo(KeyMethod.KMEANS);
        assertThat(KeyMethod.parse(" Public-Sample ")).isEqualTo(KeyMethod.PUBLIC_SAMPLE);
        assertThat(KeyMethod.parse(KeyMethod.PUBLIC_SAMPLE.label()))
                .isEqualTo(KeyMethod.PUBLIC_SAMPLE);
        assertThatThrownBy(() -> KeyMethod.parse("random"))
                .isInstanceOf(LegoNetException.class)
                .hasMessageContaining("'random' is not one of kmeans, public-sample");
        assertThat(Distance.parse("COSINE")).isEqualTo(Distance.COSINE);
        assertThat(Distance.parse(Distance.L2.label())).isEqualTo(Distance.L2);
        assertThatThrownBy(() -> Distance.parse("manhattan"))
                .isInstanceOf(LegoNetException.class).hasMessageContaining("'manhattan' is not one of l2, cosine");
    }
}

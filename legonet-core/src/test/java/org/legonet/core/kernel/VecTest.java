package org.legonet.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.legonet.core.util.Rng;

/** {@link Vec}'s vector kernels against the scalar loops their documentation defines, bit for bit. */
class VecTest {
    private static final float[] SPECIAL = {0.0f, -0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f};

    private static float[] values(Rng rng, int len) {
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            int pick = rng.nextInt(8);
            v[i] = pick < SPECIAL.length && rng.nextInt(3) == 0 ? SPECIAL[pick] : (float) rng.nextGaussian();
        }
        return v;
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    @Test
    void reluEqualsScalarMaxWithZero() {
        Rng rng = new Rng(11);
        for (int trial = 0; trial < 400; trial++) {
            int n = rng.nextInt(71);
            int off = rng.nextInt(9);
            float[] x = values(rng, off + n + rng.nextInt(9));
            float[] expected = x.clone();
            for (int i = 0; i < n; i++) {
                expected[off + i] = Math.max(expected[off + i], 0.0f);
            }
            float[] actual = x.clone();
            Vec.relu(actual, off, n);
            assertThat(bits(actual)).as("n=%d off=%d", n, off).isEqualTo(bits(expected));
        }
    }

    @Test
    void reluMapsNegativeZeroToPositiveZeroAndKeepsPositives() {
        float[] x = new float[37];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 3 == 0 ? -0.0f : (i % 3 == 1 ? -i : i);
        }
        Vec.relu(x, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            int expected = Float.floatToRawIntBits(i % 3 == 2 ? (float) i : 0.0f);
            assertThat(Float.floatToRawIntBits(x[i])).as("x[%d]", i).isEqualTo(expected);
        }
    }

    @Test
    void reluMaskEqualsScalarSelect() {
        Rng rng = new Rng(12);
        for (int trial = 0; trial < 400; trial++) {
            int n = rng.nextInt(71);
            float[] a = values(rng, n + rng.nextInt(5));
            float[] g = values(rng, a.length);
            float[] expected = g.clone();
            for (int i = 0; i < n; i++) {
                expected[i] = a[i] > 0.0f ? expected[i] : 0.0f;
            }
            float[] actual = g.clone();
            float[] aBefore = a.clone();
            Vec.reluMask(actual, a, n);
            assertThat(bits(actual)).as("n=%d", n).isEqualTo(bits(expected));
            assertThat(bits(a)).as("a is read only").isEqualTo(bits(aBefore));
        }
    }

    @Test
    void columnSumsEqualAscendingScalarSums() {
        Rng rng = new Rng(13);
        for (int trial = 0; trial < 400; trial++) {
            int rows = rng.nextInt(21);
            int cols = 1 + rng.nextInt(70);
            int outOff = rng.nextInt(6);
            float[] x = values(rng, rows * cols);
            float[] out = values(rng, outOff + cols + rng.nextInt(6));
            float[] expected = out.clone();
            for (int j = 0; j < cols; j++) {
                float acc = 0.0f;
                for (int r = 0; r < rows; r++) {
                    acc += x[r * cols + j];
                }
                expected[outOff + j] = acc;
            }
            Vec.columnSums(x, rows, cols, out, outOff);
            assertThat(bits(out)).as("rows=%d cols=%d", rows, cols).isEqualTo(bits(expected));
        }
    }

    @Test
    void columnSumsAreSummedInAscendingRowOrder() {
        // 1 + 2^-24 + 2^-24 is 1 in ascending order and 1 + 2^-23 in any order that adds the small ones first
        float tiny = 0x1.0p-24f;
        int cols = 35;
        float[] x = new float[3 * cols];
        for (int j = 0; j < cols; j++) {
            x[j] = 1.0f;
            x[cols + j] = tiny;
            x[2 * cols + j] = tiny;
        }
        float[] out = new float[cols];
        Vec.columnSums(x, 3, cols, out, 0);
        for (float v : out) {
            assertThat(v).isEqualTo(1.0f);
        }
    }
}

package org.legonet.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.legonet.core.util.Rng;

/**
 * {@link Gemm#mulAdd} against the naive scalar loop that defines it: {@code acc = fma(a, b, acc)}
 * in ascending reduction index. Bit for bit, for every shape, stride, offset and tail.
 */
class GemmTest {
    /** One problem: A (possibly transposed), B and C inside larger arrays with offsets and padding. */
    private record Problem(int m, int n, int k, boolean transposed, int aOff, int lda, int bOff, int ldb, int cOff,
                           int ldc, float[] a, float[] b, float[] c) {
        int ars() {
            return transposed ? 1 : lda;
        }

        int acs() {
            return transposed ? lda : 1;
        }
    }

    private static Problem problem(Rng rng, int m, int n, int k, boolean transposed) {
        int lda = (transposed ? m : k) + rng.nextInt(4);
        int ldb = n + rng.nextInt(5);
        int ldc = n + rng.nextInt(5);
        int aOff = rng.nextInt(7);
        int bOff = rng.nextInt(7);
        int cOff = rng.nextInt(7);
        int aRows = transposed ? k : m;
        float[] a = values(rng, aOff + aRows * lda + 3);
        float[] b = values(rng, bOff + k * ldb + 3);
        float[] c = values(rng, cOff + m * ldc + 3);
        return new Problem(m, n, k, transposed, aOff, lda, bOff, ldb, cOff, ldc, a, b, c);
    }

    /** Values of mixed sign and magnitude, so that fma and multiply-then-add round differently. */
    private static float[] values(Rng rng, int len) {
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(9) - 4));
        }
        return v;
    }

    private static float[] reference(Problem p, boolean fused) {
        float[] c = p.c().clone();
        for (int i = 0; i < p.m(); i++) {
            for (int j = 0; j < p.n(); j++) {
                float acc = c[p.cOff() + i * p.ldc() + j];
                for (int q = 0; q < p.k(); q++) {
                    float x = p.a()[p.aOff() + i * p.ars() + q * p.acs()];
                    float y = p.b()[p.bOff() + q * p.ldb() + j];
                    acc = fused ? Math.fma(x, y, acc) : acc + x * y;
                }
                c[p.cOff() + i * p.ldc() + j] = acc;
            }
        }
        return c;
    }

    private static float[] gemm(Problem p) {
        float[] c = p.c().clone();
        Gemm.mulAdd(p.m(), p.n(), p.k(), p.a(), p.aOff(), p.ars(), p.acs(), p.b(), p.bOff(), p.ldb(), c, p.cOff(),
                p.ldc());
        return c;
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }

    private static List<Problem> problems() {
        Rng rng = new Rng(20240611L);
        List<Problem> list = new ArrayList<>();
        // widths around every vector length and block boundary (1, 2, 4, 8, 16 lanes; blocks of 2 vectors)
        int[] widths = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 48, 49, 63, 64, 65, 70};
        for (int n : widths) {
            for (boolean t : new boolean[] {false, true}) {
                list.add(problem(rng, 1 + rng.nextInt(9), n, 1 + rng.nextInt(40), t));
            }
        }
        for (int i = 0; i < 260; i++) {
            list.add(problem(rng, 1 + rng.nextInt(70), 1 + rng.nextInt(70), 1 + rng.nextInt(70), rng.nextInt(2) == 1));
        }
        return list;
    }

    @Test
    void equalsTheScalarFmaLoopBitForBit() {
        for (Problem p : problems()) {
            assertThat(bits(gemm(p)))
                    .as("m=%d n=%d k=%d transposed=%s ldb=%d ldc=%d", p.m(), p.n(), p.k(), p.transposed(), p.ldb(),
                            p.ldc())
                    .isEqualTo(bits(reference(p, true)));
        }
    }

    @Property(tries = 300, seed = "20240611")
    void equalsTheScalarFmaLoopForAnyShape(@ForAll @IntRange(min = 1, max = 70) int m,
                                           @ForAll @IntRange(min = 1, max = 70) int n,
                                           @ForAll @IntRange(min = 1, max = 70) int k,
                                           @ForAll boolean transposed,
                                           @ForAll long valueSeed) {
        Problem p = problem(new Rng(valueSeed), m, n, k, transposed);
        assertThat(bits(gemm(p))).isEqualTo(bits(reference(p, true)));
    }

    @Test
    void theComparisonCanTellFusedFromUnfusedAccumulation() {
        // if fma and multiply-add gave the same bits on these inputs, the test above would prove less
        int differing = 0;
        for (Problem p : problems()) {
            if (!java.util.Arrays.equals(bits(reference(p, true)), bits(reference(p, false)))) {
                differing++;
            }
        }
        assertThat(differing).isGreaterThan(200);
    }

    @Test
    void leavesEverythingOutsideTheOutputBlockAlone() {
        Rng rng = new Rng(7);
        Problem p = problem(rng, 13, 37, 11, false);
        float[] c = gemm(p);
        boolean[] inside = new boolean[c.length];
        for (int i = 0; i < p.m(); i++) {
            for (int j = 0; j < p.n(); j++) {
                inside[p.cOff() + i * p.ldc() + j] = true;
            }
        }
        int changedInside = 0;
        for (int i = 0; i < c.length; i++) {
            if (inside[i]) {
                changedInside += Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(p.c()[i]) ? 1 : 0;
            } else {
                assertThat(Float.floatToRawIntBits(c[i])).as("c[%d] outside the block", i)
                        .isEqualTo(Float.floatToRawIntBits(p.c()[i]));
            }
        }
        assertThat(changedInside).isGreaterThan(13 * 37 / 2);
    }

    @Test
    void accumulatesIntoCRatherThanOverwritingIt() {
        float[] a = {1, 2};
        float[] b = {3, 4};
        float[] c = {10};
        // 1x1 = [1 2] * [3 4]^T, plus 10
        Gemm.mulAdd(1, 1, 2, a, 0, 2, 1, b, 0, 1, c, 0, 1);
        assertThat(c[0]).isEqualTo(21.0f);
    }

    @Test
    void zeroReductionLengthLeavesCUnchanged() {
        Rng rng = new Rng(3);
        Problem p = problem(rng, 5, 40, 1, false);
        float[] c = p.c().clone();
        Gemm.mulAdd(5, 40, 0, p.a(), 0, p.lda(), 1, p.b(), 0, p.ldb(), c, p.cOff(), p.ldc());
        assertThat(bits(c)).isEqualTo(bits(p.c()));
    }
}

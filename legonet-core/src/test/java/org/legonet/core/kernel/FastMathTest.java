package org.legonet.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.legonet.core.util.Rng;

/** Accuracy of {@link FastMath#exp} against {@link StrictMath#exp}, and the softmax built on it. */
class FastMathTest {
    private static final double REL_TOL = 3e-7;

    private static double relativeError(float x) {
        double exact = StrictMath.exp((double) x);
        return Math.abs(FastMath.exp(x) - exact) / exact;
    }

    @Test
    void expIsAccurateOnADenseGridOfNonPositiveArguments() {
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i <= 870_000; i++) {
            float x = -87.0f * i / 870_000;
            double e = relativeError(x);
            if (e > worst) {
                worst = e;
                worstAt = x;
            }
        }
        assertThat(worst).as("worst relative error, at x=%s", worstAt).isLessThan(REL_TOL);
    }

    @Test
    void expIsAccurateOnRandomArgumentsAndOnThePositiveSide() {
        Rng rng = new Rng(5);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (-87.0 + 175.0 * rng.nextDouble());
            if (x > 88.0f) {
                continue;
            }
            assertThat(relativeError(x)).as("x=%s", x).isLessThan(REL_TOL);
        }
    }

    @Test
    void expIsExactWhereItMustBe() {
        assertThat(FastMath.exp(0.0f)).isEqualTo(1.0f);
        assertThat(FastMath.exp(-0.0f)).isEqualTo(1.0f);
        assertThat(FastMath.exp(-87.0f)).isPositive();
    }

    @Test
    void expIsZeroBelowMinus87AndInfiniteAbove88() {
        assertThat(FastMath.exp(Math.nextDown(-87.0f))).isZero();
        assertThat(FastMath.exp(-100.0f)).isZero();
        assertThat(FastMath.exp(-1e30f)).isZero();
        assertThat(FastMath.exp(Float.NEGATIVE_INFINITY)).isZero();
        assertThat(FastMath.exp(Math.nextUp(88.0f))).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void softmaxSumsToOneAndReturnsTheLogNormaliser() {
        Rng rng = new Rng(6);
        for (int trial = 0; trial < 500; trial++) {
            int n = 1 + rng.nextInt(40);
            int off = rng.nextInt(5);
            float[] z = new float[off + n + 3];
            for (int i = 0; i < z.length; i++) {
                z[i] = (float) (rng.nextGaussian() * (1 + rng.nextInt(20)));
            }
            float[] before = z.clone();
            float logNorm = FastMath.softmaxInPlace(z, off, n);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float p = z[off + i];
                assertThat(p).isBetween(0.0f, 1.0f);
                sum += p;
                if (p > 1e-30f) {
                    // log p_i = z_i - result
                    double logit = before[off + i];
                    assertThat(Math.log(p)).isCloseTo(logit - logNorm, within(1e-4 * (1 + Math.abs(logit))));
                }
            }
            assertThat(sum).as("n=%d", n).isCloseTo(1.0, within(1e-6));
            for (int i = 0; i < z.length; i++) {
                if (i < off || i >= off + n) {
                    assertThat(z[i]).as("z[%d] outside the range", i).isEqualTo(before[i]);
                }
            }
        }
    }

    @Test
    void softmaxIsShiftInvariantAndSurvivesHugeLogits() {
        float[] z = {1.5f, -2.0f, 0.25f, 3.0f, -7.0f};
        float[] p = z.clone();
        FastMath.softmaxInPlace(p, 0, z.length);
        for (float shift : new float[] {1000.0f, -1000.0f, 37.5f}) {
            float[] q = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                q[i] = z[i] + shift;
            }
            FastMath.softmaxInPlace(q, 0, q.length);
            for (int i = 0; i < z.length; i++) {
                assertThat(q[i]).as("shift %s, class %d", shift, i).isCloseTo(p[i], within(1e-4f));
                assertThat(Float.isFinite(q[i])).isTrue();
            }
        }
        // a strictly larger logit gets a strictly larger probability
        assertThat(p[3]).isGreaterThan(p[0]).isGreaterThan(p[2]).isGreaterThan(p[1]).isGreaterThan(p[4]);
    }

    @Test
    void softmaxOfOneLogitIsOne() {
        float[] z = {42.0f};
        float logNorm = FastMath.softmaxInPlace(z, 0, 1);
        assertThat(z[0]).isEqualTo(1.0f);
        assertThat(logNorm).isEqualTo(42.0f);
    }
}

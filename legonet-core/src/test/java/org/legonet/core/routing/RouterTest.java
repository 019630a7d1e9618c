package org.legonet.core.routing;

import org.legonet.core.Distance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.legonet.core.LegoNetException;
import org.legonet.core.util.Rng;

/** Activation: the k best-scoring keys, ties to the lower index; and the keys' binary form. */
class RouterTest {
    /** Random keys with small integer coordinates (so that distances tie exactly) and some duplicates. */
    private static Keys randomKeys(Rng rng, int n, int dim, Distance distance, boolean offsets) {
        float[] k = new float[n * dim];
        for (int j = 0; j < n; j++) {
            if (j > 0 && rng.nextInt(4) == 0) {
                int copy = rng.nextInt(j);
                System.arraycopy(k, copy * dim, k, j * dim, dim);
            } else {
                for (int d = 0; d < dim; d++) {
                    k[j * dim + d] = rng.nextInt(5) - 2;
                }
            }
        }
        double[] o = new double[n];
        if (offsets) {
            for (int j = 0; j < n; j++) {
                o[j] = rng.nextInt(3) == 0 ? 0.0 : rng.nextInt(5) * 0.5;
            }
        }
        return new Keys(n, dim, distance, k, o, 1.0);
    }

    private static float[] randomPoint(Rng rng, int dim) {
        float[] x = new float[dim];
        for (int d = 0; d < dim; d++) {
            x[d] = rng.nextInt(3) == 0 ? rng.nextInt(5) - 2 : (float) (2 * rng.nextGaussian());
        }
        return x;
    }

    /** The definition: sort all keys by (score, index), keep the first k, list them ascending. */
    private static int[] bruteForce(Keys keys, float[] x, int k) {
        return IntStream.range(0, keys.count()).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> keys.score(x, 0, j)).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    @Test
    void aRouteIsTheKBestScoresWithTiesToTheLowerIndexInAscendingOrder() {
        Rng rng = new Rng(1);
        int ties = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int n = 1 + rng.nextInt(12);
            int k = 1 + rng.nextInt(n);
            int dim = 1 + rng.nextInt(4);
            Distance distance = rng.nextInt(2) == 0 ? Distance.L2 : Distance.COSINE;
            Keys keys = randomKeys(rng, n, dim, distance, rng.nextInt(2) == 0);
            float[] x = randomPoint(rng, dim);
            Route route = new Router(keys, k).route(x);
            int[] expected = bruteForce(keys, x, k);
            assertThat(route.adapters()).as("trial %d (n=%d k=%d %s)", trial, n, k, distance).containsExactly(expected);
            assertThat(route.size()).isEqualTo(k);
            for (int i = 0; i < k; i++) {
                assertThat(route.distances()[i]).isEqualTo(keys.distance(x, 0, route.adapter(i)));
            }
            double[] scores = IntStream.range(0, n).mapToDouble(j -> keys.score(x, 0, j)).toArray();
            if (Arrays.stream(scores).distinct().count() < n) {
                ties++;
            }
        }
        assertThat(ties).as("trials with tied scores").isGreaterThan(500);
    }

    @Property(tries = 500, seed = "4242")
    void aRouteDependsOnlyOnItsOwnEncodingAndTheKeys(@ForAll @IntRange(min = 1, max = 12) int n,
                                                    @ForAll @IntRange(min = 1, max = 12) int kWanted,
                                                    @ForAll @IntRange(min = 1, max = 5) int dim,
                                                    @ForAll boolean cosine,
                                                    @ForAll long seed) {
        Rng rng = new Rng(seed);
        int k = Math.min(kWanted, n);
        Keys keys = randomKeys(rng, n, dim, cosine ? Distance.COSINE : Distance.L2, true);
        int rows = 1 + rng.nextInt(30);
        float[] x = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(randomPoint(rng, dim), 0, x, r * dim, dim);
        }
        int[] all = new Router(keys, k).routeAll(x, rows, 1 + rng.nextInt(3));
        for (int r = 0; r < rows; r++) {
            float[] own = Arrays.copyOfRange(x, r * dim, (r + 1) * dim);
            assertThat(Arrays.copyOfRange(all, r * k, (r + 1) * k)).as("row %d", r)
                    .containsExactly(bruteForce(keys, own, k));
        }
    }

    @Test
    void exactTiesGoToTheLowerIndex() {
        // four identical keys: every sample is equally near all of them
        float[] k = new float[4 * 2];
        Keys keys = new Keys(4, 2, Distance.L2, k, new double[4], 1.0);
        assertThat(new Router(keys, 2).route(new float[] {3, -1}).adapters()).containsExactly(0, 1);
        // an offset breaks the tie in favour of key 3
        Keys shifted = keys.withOffsets(new double[] {0, 0, 0, 1e-9}, 1.0);
        assertThat(new Router(shifted, 2).route(new float[] {3, -1}).adapters()).containsExactly(0, 3);
    }

    @Test
    void routeAllGivesTheSameRoutesForAnyThreadCount() {
        Rng rng = new Rng(2);
        Keys keys = randomKeys(rng, 9, 3, Distance.L2, true);
        int rows = 2000;
        float[] x = new float[rows * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rng.nextGaussian());
        }
        Router router = new Router(keys, 3);
        int[] one = router.routeAll(x, rows, 1);
        int[] four = router.routeAll(x, rows, 4);
        assertThat(four).containsExactly(one);
        for (int r = 0; r < rows; r += 97) {
            assertThat(router.route(Arrays.copyOfRange(x, r * 3, r * 3 + 3)).adapters())
                    .containsExactly(Arrays.copyOfRange(one, r * 3, r * 3 + 3));
        }
    }

    @Test
    void cosineRoutingIgnoresTheLengthOfTheEncoding() {
        Rng rng = new Rng(3);
        int changedUnderL2 = 0;
        for (int trial = 0; trial < 500; trial++) {
            float[] keyValues = new float[6 * 3];
            for (int i = 0; i < keyValues.length; i++) {
                keyValues[i] = (float) rng.nextGaussian();
            }
            Keys cosine = new Keys(6, 3, Distance.COSINE, keyValues, new double[6], 1.0);
            Keys l2 = new Keys(6, 3, Distance.L2, keyValues, new double[6], 1.0);
            float[] x = randomPoint(rng, 3);
            float[] longer = new float[3];
            for (int d = 0; d < 3; d++) {
                longer[d] = 8 * x[d];
            }
            assertThat(new Router(cosine, 2).route(longer).adapters())
                    .containsExactly(new Router(cosine, 2).route(x).adapters());
            if (!Arrays.equals(new Router(l2, 2).route(longer).adapters(), new Router(l2, 2).route(x).adapters())) {
                changedUnderL2++;
            }
        }
        assertThat(changedUnderL2).as("scaling changes some L2 routes").isPositive();
    }

    @Test
    void cosineDistanceValues() {
        Keys keys = new Keys(3, 2, Distance.COSINE, new float[] {1, 0, 0, 2, -3, 0}, new double[3], 1.0);
        float[] x = {5, 0};
        assertThat(keys.distance(x, 0, 0)).isCloseTo(0.0, within(1e-12));
        assertThat(keys.distance(x, 0, 1)).isCloseTo(1.0, within(1e-12));
        assertThat(keys.distance(x, 0, 2)).isCloseTo(2.0, within(1e-12));
        // a zero vector has no direction: distance 1 to every key
        assertThat(keys.distance(new float[] {0, 0}, 0, 2)).isEqualTo(1.0);
        Keys l2 = new Keys(1, 2, Distance.L2, new float[] {1, 2}, new double[1], 1.0);
        assertThat(l2.distance(new float[] {4, -2}, 0, 0)).isEqualTo(25.0);
    }

    @Test
    void kOutsideOneToNIsAProgrammingError() {
        Keys keys = new Keys(3, 1, Distance.L2, new float[3], new double[3], 1.0);
        assertThatThrownBy(() -> new Router(keys, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k=0");
        assertThatThrownBy(() -> new Router(keys, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k=4");
        Router all = new Router(keys, 3);
        assertThat(all.adapters()).isEqualTo(3);
        assertThat(all.route(new float[] {1}).adapters()).containsExactly(0, 1, 2);
    }

    @Test
    void keysAndRoutesAreImmutable() {
        float[] values = {1, 2, 3, 4};
        double[] offsets = {0.5, 0.25};
        Keys keys = new Keys(2, 2, Distance.L2, values, offsets, 2.0);
        String digest = keys.digest();
        values[0] = 100;
        offsets[0] = 100;
        keys.offsets()[1] = 100;
        keys.key(0)[0] = 100;
        assertThat(keys.digest()).isEqualTo(digest);
        assertThat(keys.key(0)).containsExactly(1, 2);
        int[] adapters = {0, 1};
        Route route = new Route(adapters, new double[] {1, 2});
        adapters[0] = 7;
        route.adapters()[1] = 7;
        assertThat(route.adapters()).containsExactly(0, 1);
    }

    @Test
    void keysSurviveTheirBinaryFormBitForBit() {
        Rng rng = new Rng(4);
        for (Distance d : Distance.values()) {
            float[] values = new float[5 * 3];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rng.nextGaussian();
            }
            double[] offsets = {0.1, -0.2, 0.3, 0, 1e-300};
            Keys keys = new Keys(5, 3, d, values, offsets, 0.75);
            Keys back = Keys.fromBytes(keys.toBytes());
            assertThat(back.digest()).isEqualTo(keys.digest());
            assertThat(back.distance()).isEqualTo(d);
            assertThat(back.temperature()).isEqualTo(0.75);
            assertThat(back.offsets()).containsExactly(offsets);
            for (int j = 0; j < 5; j++) {
                assertThat(back.key(j)).containsExactly(keys.key(j));
            }
        }
        Keys a = new Keys(1, 1, Distance.L2, new float[] {1}, new double[1], 1.0);
        Keys b = new Keys(1, 1, Distance.L2, new float[] {1}, new double[] {1e-9}, 1.0);
        assertThat(a.digest()).isNotEqualTo(b.digest());
    }

    @Test
    void corruptedKeyBytesAreAClearError() {
        Keys keys = new Keys(3, 2, Distance.COSINE, new float[] {1, 2, 3, 4, 5, 6}, new double[3], 1.0);
        byte[] good = keys.toBytes();
        assertKeysError(new byte[10], "not a LegoNet keys file");
        byte[] magic = good.clone();
        magic[0] ^= 1;
        assertKeysError(magic, "not a LegoNet keys file");
        assertKeysError(Arrays.copyOf(good, good.length - 1), "corrupted");
        assertKeysError(Arrays.copyOf(good, good.length + 8), "corrupted");
        byte[] count = good.clone();
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 4);
        assertKeysError(count, "corrupted");
        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -2);
        assertKeysError(negative, "corrupted");
        byte[] distance = good.clone();
        ByteBuffer.wrap(distance).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 7);
        assertKeysError(distance, "corrupted");
    }

    private static void assertKeysError(byte[] bytes, String fragment) {
        assertThatThrownBy(() -> Keys.fromBytes(bytes)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining(fragment);
    }
}

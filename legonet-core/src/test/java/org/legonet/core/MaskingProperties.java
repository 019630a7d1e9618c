package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.util.Rng;

/**
 * The masking rule as properties ({@link LegoNet#predict(float[], int, AdapterMask)}): a masked
 * adapter never votes; the other members of a sample's own top-k share its weight; a sample left
 * with no voter by the mask is not answered; an empty mask changes nothing. And the point of it
 * all: under the mask of a forget request ({@link LegoNet#adaptersHolding}), the answers of the
 * model that still holds the samples are bit for bit those of the model that forgot them, so a
 * masked answer carries nothing of them.
 */
class MaskingProperties {
    private static final LegoNet.Options OPTIONS = new LegoNet.Options(2, Progress.NONE);

    @Provide
    Arbitrary<ModelConfig> configs() {
        Arbitrary<Integer> n = Arbitraries.integers().between(2, 8);
        Arbitrary<Integer> kFrac = Arbitraries.integers().between(0, 100);
        Arbitrary<Aggregate> aggregate = Arbitraries.of(Aggregate.class);
        Arbitrary<String> adapter = Arbitraries.of("linear", "mlp:6");
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(n, kFrac, aggregate, adapter, seed).as((nn, kf, agg, ad, sd) ->
                ModelConfig.defaults().withEncoder("pca:4").withShape(nn, 1 + (nn - 1) * kf / 100)
                        .withAdapter(AdapterSpec.parse(ad)).withRouting(KeyMethod.KMEANS, Distance.L2, true, agg)
                        .withTraining(Optimizer.ADAM, 2, 8, 0.01f, true, 0.9f, 1e-3f).withSeed(sd));
    }

    private static Dataset[] data(long seed) {
        Dataset all = Synthetic.blobs(260, 6, 3, seed, 1000);
        return new Dataset[] {all.slice(0, 80, "public"), all.slice(80, 230, "private"), all.slice(230, 260, "queries")};
    }

    private static float[] rows(Dataset d) {
        float[] x = new float[d.size() * d.dim()];
        for (int r = 0; r < d.size(); r++) {
            d.copyRow(r, x, r * d.dim());
        }
        return x;
    }

    private static AdapterMask randomMask(int n, Rng rng) {
        List<Integer> a = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            if (rng.nextInt(3) == 0) {
                a.add(j);
            }
        }
        return AdapterMask.of(a.stream().mapToInt(Integer::intValue).toArray());
    }

    @Property(tries = 25)
    void aMaskedAdapterNeverVotesAndTheRestOfTheRouteAnswers(@ForAll("configs") ModelConfig config,
                                                              @ForAll @IntRange(min = 0, max = 1000) int seed,
                                                              @ForAll boolean emptyAClass) {
        Dataset[] d = data(seed);
        try (LegoNet trained = LegoNet.train(config, d[0], d[1], OPTIONS, null)) {
            // a forgotten class empties some adapters: empty and masked adapters meet in one rule
            LegoNet net = emptyAClass ? trained.forgetClass(seed % 3).next() : trained;
            int n = config.adapters();
            int k = config.activate();
            float[] x = rows(d[2]);
            int q = d[2].size();
            Predictions plain = net.predict(x, q);
            Predictions none = net.predict(x, q, AdapterMask.NONE);
            AdapterMask mask = randomMask(n, new Rng(seed));
            Predictions masked = net.predict(x, q, mask);
            assertThat(masked.mask()).isEqualTo(mask);
            for (int row = 0; row < q; row++) {
                int i = row;
                assertThat(none.probabilities(i)).containsExactly(plain.probabilities(i));
                assertThat(none.answered(i)).isTrue();
                int[] route = masked.adapters(i);
                assertThat(route).containsExactly(plain.adapters(i));
                int[] voters = masked.voters(i);
                int[] expected = Arrays.stream(route).filter(j -> !mask.contains(j) && nonEmpty(net, j, x, i, q, n))
                        .toArray();
                assertThat(voters).containsExactly(expected);
                boolean anyMasked = Arrays.stream(route).anyMatch(mask::contains);
                assertThat(masked.answered(i)).isEqualTo(voters.length > 0 || !anyMasked);
                if (!masked.answered(i)) {
                    assertThat(masked.label(i)).isEqualTo(-1);
                    assertThat(masked.probabilities(i)).isNull();
                    assertThat(masked.allAnswered()).isFalse();
                } else if (voters.length == 1) {
                    // one voter: its own answer, whatever the aggregate
                    assertThat(masked.probabilities(i)).containsExactly(alone(net, voters[0], x, i, q, n));
                } else if (voters.length > 1 && config.aggregate() == Aggregate.MEAN) {
                    // the mean of the voters, summed in ascending adapter index as the model sums
                    int[] asc = voters.clone();
                    Arrays.sort(asc);
                    float[] sum = new float[net.classes()];
                    for (int j : asc) {
                        float[] p = alone(net, j, x, i, q, n);
                        for (int c = 0; c < sum.length; c++) {
                            sum[c] += (1.0f / voters.length) * p[c];
                        }
                    }
                    assertThat(masked.probabilities(i)).containsExactly(sum);
                }
                assertThat(k).isEqualTo(route.length);
            }
        }
    }

    /** Row {@code i} predicted with every adapter but {@code j} masked. */
    private static Predictions onlyWith(LegoNet net, int j, float[] x, int i, int q, int n) {
        AdapterMask others = AdapterMask.of(IntStream.range(0, n).filter(a -> a != j).toArray());
        return net.predict(Arrays.copyOfRange(x, i * (x.length / q), (i + 1) * (x.length / q)), 1, others);
    }

    /** Whether routed adapter {@code j} of row {@code i} holds samples: alone, it answers the row. */
    private static boolean nonEmpty(LegoNet net, int j, float[] x, int i, int q, int n) {
        return onlyWith(net, j, x, i, q, n).voters(0).length == 1;
    }

    /** Row {@code i}'s answer from adapter {@code j} alone. */
    private static float[] alone(LegoNet net, int j, float[] x, int i, int q, int n) {
        Predictions p = onlyWith(net, j, x, i, q, n);
        assertThat(p.voters(0)).containsExactly(j);
        return p.probabilities(0);
    }

    @Property(tries = 25)
    void underTheMaskOfAForgetTheModelAnswersAsTheModelThatForgot(@ForAll("configs") ModelConfig config,
                                                                  @ForAll @IntRange(min = 0, max = 1000) int seed,
                                                                  @ForAll @IntRange(min = 0, max = 4) int which) {
        Dataset[] d = data(seed);
        try (LegoNet net = LegoNet.train(config, d[0], d[1], OPTIONS, null)) {
            Rng rng = new Rng(seed * 31L + which);
            ForgetRequest request;
            if (which == 4) {
                request = ForgetRequest.ofClass(rng.nextInt(3));
            } else {
                long[] ids = new long[1 + which * 3];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = d[1].id(rng.nextInt(d[1].size()));
                }
                request = ForgetRequest.ofIds(Arrays.stream(ids).sorted().distinct().toArray());
            }
            AdapterMask mask = net.adaptersHolding(request);
            LegoNet.Update u = net.apply(Edit.forget(request));
            // the mask is exactly what the forget retrains
            assertThat(mask.adapters()).containsExactly(u.report().adaptersRetrained().stream()
                    .mapToInt(Integer::intValue).toArray());
            float[] x = rows(d[2]);
            int q = d[2].size();
            Predictions before = net.predict(x, q, mask);
            Predictions after = u.next().predict(x, q, mask);
            for (int i = 0; i < q; i++) {
                assertThat(before.answered(i)).isEqualTo(after.answered(i));
                assertThat(before.voters(i)).containsExactly(after.voters(i));
                if (before.answered(i)) {
                    assertThat(before.probabilities(i)).containsExactly(after.probabilities(i));
                }
            }
        }
    }

    @Property(tries = 15)
    void withCoverTheMaskIsWhatTheForgetRetrainsCoverIncluded(@ForAll("configs") ModelConfig plain,
                                                              @ForAll @IntRange(min = 0, max = 1000) int seed,
                                                              @ForAll @IntRange(min = 0, max = 4) int which,
                                                              @ForAll @IntRange(min = 0, max = 100) int coverFrac) {
        int room = plain.adapters() - plain.activate();
        ModelConfig config = plain.withCover(room * coverFrac / 100);
        Dataset[] d = data(seed);
        try (LegoNet net = LegoNet.train(config, d[0], d[1], OPTIONS, null)) {
            Rng rng = new Rng(seed * 17L + which);
            ForgetRequest request = which == 4 ? ForgetRequest.ofClass(rng.nextInt(3))
                    : ForgetRequest.ofIds(IntStream.range(0, 1 + which * 3).mapToLong(i -> d[1].id(rng.nextInt(
                            d[1].size()))).sorted().distinct().toArray());
            AdapterMask holding = net.adaptersHolding(request);
            AdapterMask mask = net.adaptersToMask(request);
            assertThat(mask.containsAll(holding)).isTrue();
            assertThat(mask.size()).isEqualTo(holding.isEmpty() ? 0
                    : Math.min(config.adapters(), holding.size() + config.cover()));
            LegoNet.Update u = net.apply(Edit.forget(request));
            // the mask, which every answer names, shows exactly what the forget's record will
            assertThat(mask.adapters()).containsExactly(u.report().adaptersRetrained().stream()
                    .mapToInt(Integer::intValue).toArray());
            // a service retraining what it masked retrains the same set and the same model
            LegoNet.Update given = net.apply(Edit.forget(request), null, false, mask);
            assertThat(given.report().adaptersRetrained()).isEqualTo(u.report().adaptersRetrained());
            assertThat(given.next().digest()).isEqualTo(u.next().digest());
            float[] x = rows(d[2]);
            int q = d[2].size();
            Predictions before = net.predict(x, q, mask);
            Predictions after = u.next().predict(x, q, mask);
            for (int i = 0; i < q; i++) {
                assertThat(before.answered(i)).isEqualTo(after.answered(i));
                if (before.answered(i)) {
                    assertThat(before.probabilities(i)).containsExactly(after.probabilities(i));
                }
            }
        }
    }

    @Property(tries = 5)
    void aMaskMustNameAdaptersOfTheModel(@ForAll @IntRange(min = 0, max = 100) int seed) {
        Dataset[] d = data(seed);
        ModelConfig config = configs().sample();
        try (LegoNet net = LegoNet.train(config, d[0], d[1], OPTIONS, null)) {
            int n = config.adapters();
            assertThatThrownBy(() -> net.predict(rows(d[2]), d[2].size(), AdapterMask.of(n)))
                    .isInstanceOf(LegoNetException.class).hasMessageContaining("adapter " + n);
        }
        assertThat(AdapterMask.parse(" 7, 3,3 ").toString()).isEqualTo("3,7");
        assertThat(AdapterMask.parse("")).isEqualTo(AdapterMask.NONE);
        assertThatThrownBy(() -> AdapterMask.parse("3,x")).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("'x'");
        assertThatThrownBy(() -> AdapterMask.of(-1)).isInstanceOf(LegoNetException.class);
    }
}

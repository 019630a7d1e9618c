package org.legonet.core.unlearn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.legonet.core.Aggregate;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Distance;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.KeyMethod;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.AdapterTraining;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.util.Digests;
import org.legonet.core.util.Rng;

/**
 * Route-hiding cover (docs/privacy.md) keeps the exactness contract: with cover C, every change
 * retrains the adapters it touches plus min(C, n - touched) others, the result is bit for bit the
 * result without cover (and so training from scratch on the retained samples, which
 * {@link Verifier} proves for the stored model), the choice is deterministic, depends on the key of
 * the id hashes, and is made of routes of retained samples.
 */
class CoverProperties {

    @Provide
    Arbitrary<ModelConfig> configs() {
        Arbitrary<Integer> n = Arbitraries.integers().between(2, 8);
        Arbitrary<Integer> kFrac = Arbitraries.integers().between(0, 100);
        Arbitrary<Integer> coverFrac = Arbitraries.integers().between(1, 100);
        Arbitrary<String> encoder = Arbitraries.of("identity", "pca:4");
        Arbitrary<String> adapter = Arbitraries.of("linear", "mlp:6");
        Arbitrary<KeyMethod> keys = Arbitraries.of(KeyMethod.class);
        Arbitrary<Boolean> balance = Arbitraries.of(true, false);
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(n, kFrac, coverFrac, encoder, adapter, keys, balance, seed)
                .as((nn, kf, cf, enc, ad, km, bal, s) -> {
                    int k = 1 + (nn - 2) * kf / 100; // leaves room for at least one cover adapter
                    int cover = Math.max(1, (nn - k) * cf / 100);
                    return ModelConfig.defaults().withEncoder(enc).withShape(nn, k)
                            .withAdapter(AdapterSpec.parse(ad)).withRouting(km, Distance.L2, bal, Aggregate.MEAN)
                            .withTraining(Optimizer.ADAM, 2, 8, 0.01f, true, 0.9f, 1e-3f).withSeed(s).withCover(cover);
                });
    }

    @Provide
    Arbitrary<List<InsertionProperties.Op>> ops() {
        return Arbitraries.of(InsertionProperties.Op.class).list().ofMinSize(1).ofMaxSize(5);
    }

    /** Id hashes under a key: a stand-in for the store's keyed hashes. */
    private static Updater.History history(Set<Long> forgotten, String key) {
        return new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return forgotten.contains(id);
            }

            @Override
            public String hashId(long id) {
                return Digests.sha256Hex((key + ":" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .substring(0, 32);
            }
        };
    }

    @Property(tries = 15)
    void withCoverEveryChangeRetrainsTouchedPlusCoverAndEqualsTrainingFromScratch(
            @ForAll("configs") ModelConfig config, @ForAll @IntRange(min = 0, max = 1000) int dataSeed,
            @ForAll @IntRange(min = 20, max = 100) int initial,
            @ForAll("ops") List<InsertionProperties.Op> ops) throws IOException {
        Dataset all = Synthetic.blobs(200, 6, 3, dataSeed, 1000);
        Dataset pub = all.slice(0, 50, "public");
        Rng rng = new Rng(dataSeed * 7919L + initial);
        int[] perm = IntStream.range(50, 200).toArray();
        rng.shuffle(perm);
        InsertionProperties.State s = InsertionProperties.State.firstHeld(all.select(perm, "pool"), initial);
        Trained trained = new LegoNetTrainer(config, 2, Progress.NONE).train(pub, s.heldSamples());
        Path dir = Files.createTempDirectory("legonet-cover-prop");
        try {
            Path modelDir = dir.resolve("model");
            ModelStore.create(modelDir, trained, ExactnessProperties.info(new Dataset[] {pub, s.heldSamples()}),
                    SmallModels.ID_KEY, false, Progress.NONE);
            LegoNetModel model = trained.model();
            PrivateSet data = trained.data();
            Set<Long> memForgotten = new HashSet<>();
            Updater.History memHistory = history(memForgotten, "key one");
            int n = config.adapters();
            try (ModelStore store = ModelStore.open(modelDir, true, SmallModels.ID_KEY)) {
                assertThat(store.model().config().cover()).isEqualTo(config.cover());
                for (InsertionProperties.Op op : ops) {
                    Edit edit = InsertionProperties.edit(op, s, rng);
                    if (edit == null) {
                        continue;
                    }
                    Updater updater = new Updater(2, Progress.NONE);
                    Step plain = updater.step(model.withCover(0), data, memHistory, edit, null, false);
                    Step covered = updater.step(model, data, memHistory, edit, null, false);
                    Step again = updater.step(model, data, memHistory, edit, null, false);
                    List<Integer> touched = plain.report().adaptersRetrained();
                    List<Integer> union = covered.report().adaptersRetrained();
                    assertThat(union).isSorted().doesNotHaveDuplicates().containsAll(touched);
                    // every committed change gets its cover, even one that touches no adapter
                    int expected = covered.changed() ? Math.min(n, touched.size() + config.cover()) : 0;
                    assertThat(union).hasSize(expected);
                    assertThat(covered.report().cover()).isEqualTo(expected - touched.size());
                    assertThat(plain.report().cover()).isZero();
                    assertThat(covered.retrained()).hasSize(expected);
                    if (covered.changed()) {
                        assertThat(covered.record().adaptersRetrained()).isEqualTo(union);
                    }
                    assertThat(covered.model().digest()).isEqualTo(plain.model().digest());
                    assertThat(again.report().adaptersRetrained()).as("deterministic").isEqualTo(union);

                    UpdateReport r = new Unlearner(store, 2, Progress.NONE).update(edit);
                    assertThat(r.digestAfter()).isEqualTo(covered.model().digest());
                    assertThat(r.adaptersRetrained()).hasSize(expected).containsAll(touched);
                    if (r.changed()) {
                        ChangeRecord logged = store.deletions().get(store.deletions().size() - 1);
                        assertThat(logged.adaptersRetrained()).isEqualTo(r.adaptersRetrained());
                    }
                    model = covered.model();
                    data = covered.data();
                    InsertionProperties.apply(edit, s, memForgotten);
                }
            }
            Trained scratch = new LegoNetTrainer(config, 1, Progress.NONE).train(pub, s.heldSamples());
            assertThat(model.digest()).isEqualTo(scratch.model().digest());
            try (ModelStore reopened = ModelStore.open(modelDir, false, SmallModels.ID_KEY)) {
                assertThat(reopened.model().digest()).isEqualTo(scratch.model().digest());
                VerifyReport v = new Verifier(2, Progress.NONE).verify(reopened, false);
                assertThat(v.exact()).as("verify: %s", v.problems()).isTrue();
            }
        } finally {
            ExactnessProperties.deleteTree(dir);
        }
    }

    /** A model of 30 adapters, each sample on 2 of them, on 400 private blobs. */
    private static Trained wide(long seed, int cover) {
        Dataset[] split = SmallModels.blobs(500, 100, 7);
        return SmallModels.train(SmallModels.config(seed).withShape(30, 2).withAdapter(AdapterSpec.parse("linear"))
                .withCover(cover), split);
    }

    @Test
    void theCoverIsAKeyedFunctionOfTheChangeMadeOfRoutesOfRetainedSamples() {
        Trained t = wide(3, 2);
        LegoNetModel model = t.model();
        PrivateSet data = t.data();
        Updater.History one = history(Set.of(), "key one");
        Updater.History two = history(Set.of(), "key two");
        int differs = 0;
        for (int i = 0; i < 20; i++) {
            int row = i * 17;
            ForgetRequest request = ForgetRequest.ofIds(data.id(row));
            int[] union = Updater.retrainedByForget(model, data, one, request);
            assertThat(Updater.retrainedByForget(model, data, one, request)).isEqualTo(union);
            int[] route = data.route(row);
            assertThat(union).hasSize(4).contains(route);
            if (!java.util.Arrays.equals(union, Updater.retrainedByForget(model, data, two, request))) {
                differs++;
            }
            // the cover is a decoy route: some other retained sample's whole route, outside the true one
            Set<Integer> in = new HashSet<>();
            for (int j : union) {
                in.add(j);
            }
            boolean decoy = false;
            for (int r : data.retainedRows()) {
                int[] other = data.route(r);
                boolean inside = true;
                boolean outside = false;
                for (int j : other) {
                    inside &= in.contains(j);
                    outside |= j != route[0] && j != route[1];
                }
                decoy |= r != row && inside && outside;
            }
            assertThat(decoy).as("forget of row %d retrains %s: no decoy route", row, java.util.Arrays.toString(union))
                    .isTrue();
        }
        assertThat(differs).as("another key chooses another cover").isGreaterThan(10);
    }

    @Test
    void theCoverDependsOnTheModelAndTheChange() {
        Trained t = wide(5, 6);
        Updater.History h = history(Set.of(), "key");
        PrivateSet data = t.data();
        Set<String> covers = new HashSet<>();
        for (int row = 0; row < 40; row++) {
            int[] union = Updater.retrainedByForget(t.model(), data, h, ForgetRequest.ofIds(data.id(row)));
            List<Integer> cover = new ArrayList<>();
            for (int j : union) {
                if (j != data.route(row)[0] && j != data.route(row)[1]) {
                    cover.add(j);
                }
            }
            assertThat(cover).hasSize(6);
            covers.add(cover.toString());
        }
        assertThat(covers).as("distinct covers over 40 forgets").hasSizeGreaterThan(30);
    }

    @Test
    void aCoverAdapterThatComesOutDifferentIsAnInternalError() {
        Trained t = wide(11, 3);
        PrivateSet data = t.data();
        int[] route = data.route(0);
        // trains every adapter outside the forgotten sample's route with another seed: broken exactness
        AdapterTraining broken = (trainer, d, which, seed, classes, progress) -> {
            Adapter[] out = AdapterPool.train(trainer, d, which, seed, classes, 1, progress);
            for (int i = 0; i < which.length; i++) {
                if (which[i] != route[0] && which[i] != route[1]) {
                    out[i] = AdapterPool.train(trainer, d, new int[] {which[i]}, seed + 1, classes, 1, progress)[0];
                }
            }
            return out;
        };
        Edit edit = Edit.forget(ForgetRequest.ofIds(data.id(0)));
        Updater.History h = history(Set.of(), "key");
        assertThatThrownBy(() -> new Updater(1, broken, Progress.NONE).step(t.model(), data, h, edit, null, false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cover adapter")
                .hasMessageContaining("exactness contract");
        // without cover the same training goes unnoticed by the step (it never retrains those adapters)
        new Updater(1, broken, Progress.NONE).step(t.model().withCover(0), data, h, edit, null, false);
    }

    @Test
    void adaptersAskedForCountAsCoverAndTheCoverTopsThemUp() {
        Trained t = wide(13, 3);
        PrivateSet data = t.data();
        Updater.History h = history(Set.of(), "key");
        int[] route = data.route(5);
        Edit edit = Edit.forget(ForgetRequest.ofIds(data.id(5)));
        int[] free = IntStream.range(0, 30).filter(j -> j != route[0] && j != route[1]).toArray();
        Step one = new Updater(2, Progress.NONE).step(t.model(), data, h, edit, null, false,
                new int[] {free[0], route[0]});
        assertThat(one.report().adaptersRetrained()).hasSize(5).contains(free[0], route[0], route[1]);
        assertThat(one.report().cover()).isEqualTo(3);
        int[] many = java.util.Arrays.copyOf(free, 5);
        Step five = new Updater(2, Progress.NONE).step(t.model(), data, h, edit, null, false, many);
        assertThat(five.report().adaptersRetrained()).hasSize(7);
        assertThat(five.report().cover()).isEqualTo(5);
        assertThat(five.model().digest()).isEqualTo(one.model().digest());
    }
}

package org.legonet.core.unlearn;

import org.legonet.core.testing.SmallModels;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.ForgetRequest;
import org.legonet.core.KeyMethod;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
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
import org.legonet.core.Aggregate;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.Distance;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * The exactness contract as properties over random settings, datasets and deletion sets:
 * forget-then-store equals training from scratch on the retained data, bit for bit; the thread
 * count never changes a bit; a private sample only ever reaches its own adapters.
 */
class ExactnessProperties {

    @Provide
    Arbitrary<ModelConfig> configs() {
        Arbitrary<Integer> n = Arbitraries.integers().between(1, 6);
        Arbitrary<Integer> kFrac = Arbitraries.integers().between(0, 100);
        Arbitrary<String> encoder = Arbitraries.of("identity", "pca:4", "pca:3:plain");
        Arbitrary<String> adapter = Arbitraries.of("linear", "mlp:8", "mlp:5,3");
        Arbitrary<KeyMethod> keys = Arbitraries.of(KeyMethod.class);
        Arbitrary<Distance> distance = Arbitraries.of(Distance.class);
        Arbitrary<Boolean> balance = Arbitraries.of(true, false);
        Arbitrary<Optimizer> optimizer = Arbitraries.of(Optimizer.class);
        Arbitrary<Integer> epochs = Arbitraries.integers().between(1, 3);
        Arbitrary<Integer> batch = Arbitraries.integers().between(1, 17);
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(n, kFrac, encoder, adapter, keys, distance, balance, optimizer)
                .as((nn, kf, enc, ad, km, dist, bal, opt) -> {
                    int k = 1 + (nn - 1) * kf / 100;
                    ModelConfig c = ModelConfig.defaults().withEncoder(enc).withShape(nn, k)
                            .withAdapter(AdapterSpec.parse(ad))
                            .withRouting(km, dist, bal, Aggregate.MEAN);
                    float lr = opt == Optimizer.ADAM ? 0.01f : 0.05f;
                    return c.withTraining(opt, 1, 8, lr, true, 0.9f, 1e-3f);
                })
                .flatMap(c -> Combinators.combine(epochs, batch, seed).as((e, b, s) ->
                        c.withTraining(c.optimizer(), e, b, c.learningRate(), c.cosine(), c.momentum(), c.weightDecay())
                                .withSeed(s)));
    }

    private static Dataset[] data(long seed, int rows) {
        Dataset all = Synthetic.blobs(rows, 6, 3, seed, 1000);
        int pub = rows / 4;
        return new Dataset[] {all.slice(0, pub, "public"), all.slice(pub, rows, "private")};
    }

    private static Dataset withoutIds(Dataset d, long[] ids) {
        int[] keep = java.util.stream.IntStream.range(0, d.size())
                .filter(r -> Arrays.binarySearch(ids, d.id(r)) < 0).toArray();
        return d.select(keep, d.name());
    }

    @Property(tries = 25)
    void forgetEqualsTrainingFromScratchOnTheRetainedData(@ForAll("configs") ModelConfig config,
                                                          @ForAll @IntRange(min = 0, max = 1000) int dataSeed,
                                                          @ForAll @IntRange(min = 1, max = 12) int removals,
                                                          @ForAll @IntRange(min = 1, max = 3) int requests)
            throws IOException {
        Dataset[] d = data(dataSeed, 160);
        Path dir = Files.createTempDirectory("legonet-prop");
        try {
            Trained trained = new LegoNetTrainer(config, 2, Progress.NONE).train(d[0], d[1]);
            Path model = dir.resolve("model");
            ModelStore.create(model, trained, info(d), SmallModels.ID_KEY, false, Progress.NONE);

            Rng rng = new Rng(dataSeed * 31L + removals);
            List<Long> removed = new ArrayList<>();
            try (ModelStore store = ModelStore.open(model, true, SmallModels.ID_KEY)) {
                Unlearner unlearner = new Unlearner(store, 2, Progress.NONE);
                for (int q = 0; q < requests; q++) {
                    long[] ids = new long[removals];
                    for (int i = 0; i < removals; i++) {
                        ids[i] = d[1].id(rng.nextInt(d[1].size()));
                    }
                    UpdateReport report = unlearner.forget(ForgetRequest.ofIds(ids));
                    assertThat(report.adaptersRetrained()).isSorted();
                    assertThat(report.adaptersRetrained().isEmpty()).isEqualTo(report.forgotten() == 0);
                    for (long id : ids) {
                        removed.add(id);
                    }
                }
            }
            long[] gone = removed.stream().mapToLong(Long::longValue).sorted().distinct().toArray();
            Trained scratch = new LegoNetTrainer(config, 1, Progress.NONE).train(d[0], withoutIds(d[1], gone));
            try (ModelStore reopened = ModelStore.open(model, false, SmallModels.ID_KEY)) {
                for (int j = 0; j < config.adapters(); j++) {
                    assertThat(reopened.model().adapter(j).digest()).as("adapter %d", j)
                            .isEqualTo(scratch.model().adapter(j).digest());
                }
                assertThat(reopened.model().digest()).isEqualTo(scratch.model().digest());
                assertThat(reopened.data().retained()).isEqualTo(d[1].size() - gone.length);
                VerifyReport v = new Verifier(2, Progress.NONE).verify(reopened, false);
                assertThat(v.exact()).as("verify: %s", v.problems()).isTrue();
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Deletion sets that empty whole adapters out. */
    enum Emptying {
        /** every sample of some adapters */
        ADAPTERS,
        /** a whole class (blobs are clustered by class, so routes follow the class) */
        CLASS,
        /** every private sample */
        EVERYTHING
    }

    @Property(tries = 20)
    void forgetThatEmptiesAdaptersEqualsTrainingFromScratchInBitsAndPredictions(
            @ForAll("configs") ModelConfig config, @ForAll @IntRange(min = 0, max = 1000) int dataSeed,
            @ForAll Emptying emptying, @ForAll @IntRange(min = 1, max = 3) int howMany,
            @ForAll boolean weighted) throws IOException {
        ModelConfig c = weighted ? config.withRouting(config.keys(), config.distance(), config.balance(),
                Aggregate.WEIGHTED) : config;
        Dataset[] d = data(dataSeed, 160);
        Path dir = Files.createTempDirectory("legonet-prop");
        try {
            Trained trained = new LegoNetTrainer(c, 2, Progress.NONE).train(d[0], d[1]);
            Path model = dir.resolve("model");
            ModelStore.create(model, trained, info(d), SmallModels.ID_KEY, false, Progress.NONE);
            java.util.TreeSet<Long> gone = new java.util.TreeSet<>();
            try (ModelStore store = ModelStore.open(model, true, SmallModels.ID_KEY)) {
                Unlearner unlearner = new Unlearner(store, 2, Progress.NONE);
                switch (emptying) {
                    case ADAPTERS -> {
                        // adapters howMany-1, 2*howMany-1, ... (at least one): all their samples, one request each
                        for (int j = howMany - 1; j < c.adapters(); j += howMany + 1) {
                            long[] ids = Arrays.stream(trained.data().members(j)).mapToLong(trained.data()::id)
                                    .filter(id -> !gone.contains(id)).toArray();
                            if (ids.length > 0) {
                                unlearner.forget(ForgetRequest.ofIds(ids));
                            }
                            Arrays.stream(ids).forEach(gone::add);
                            assertThat(store.model().adapter(j).samples()).as("adapter %d emptied", j).isZero();
                        }
                    }
                    case CLASS -> {
                        int cls = howMany - 1;
                        unlearner.forget(ForgetRequest.ofClass(cls));
                        for (int r = 0; r < d[1].size(); r++) {
                            if (d[1].label(r) == cls) {
                                gone.add(d[1].id(r));
                            }
                        }
                    }
                    case EVERYTHING -> {
                        for (int cls = 0; cls < 3; cls++) {
                            unlearner.forget(ForgetRequest.ofClass(cls));
                        }
                        Arrays.stream(d[1].ids()).forEach(gone::add);
                        assertThat(store.model().emptyAdapters()).isEqualTo(c.adapters());
                    }
                }
            }
            long[] goneIds = gone.stream().mapToLong(Long::longValue).toArray();
            Trained scratch = new LegoNetTrainer(c, 1, Progress.NONE).train(d[0], withoutIds(d[1], goneIds));
            try (ModelStore reopened = ModelStore.open(model, false, SmallModels.ID_KEY)) {
                assertThat(reopened.model().digest()).isEqualTo(scratch.model().digest());
                assertThat(reopened.model().emptyAdapters()).isEqualTo(scratch.model().emptyAdapters());
                float[] x = new float[d[0].size() * d[0].dim()];
                for (int r = 0; r < d[0].size(); r++) {
                    d[0].copyRow(r, x, r * d[0].dim());
                }
                float[] forgotten = reopened.model().predictRaw(x, d[0].size());
                assertThat(forgotten).containsExactly(scratch.model().predictRaw(x, d[0].size()));
                assertThat(forgotten).doesNotContain(Float.NaN);
                VerifyReport v = new Verifier(2, Progress.NONE).verify(reopened, false);
                assertThat(v.exact()).as("verify: %s", v.problems()).isTrue();
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Property(tries = 15)
    void threadCountNeverChangesABit(@ForAll("configs") ModelConfig config,
                                     @ForAll @IntRange(min = 0, max = 1000) int dataSeed) {
        Dataset[] d = data(dataSeed, 200);
        String one = new LegoNetTrainer(config, 1, Progress.NONE).train(d[0], d[1]).model().digest();
        String two = new LegoNetTrainer(config, 2, Progress.NONE).train(d[0], d[1]).model().digest();
        String eight = new LegoNetTrainer(config, 8, Progress.NONE).train(d[0], d[1]).model().digest();
        assertThat(two).isEqualTo(one);
        assertThat(eight).isEqualTo(one);
    }

    @Property(tries = 20)
    void aPrivateSampleReachesOnlyItsOwnAdapters(@ForAll("configs") ModelConfig config,
                                                 @ForAll @IntRange(min = 0, max = 1000) int dataSeed,
                                                 @ForAll @IntRange(min = 0, max = 119) int victim,
                                                 @ForAll boolean changeLabel) {
        Dataset[] d = data(dataSeed, 160);
        Trained before = new LegoNetTrainer(config, 2, Progress.NONE).train(d[0], d[1]);
        Dataset changed = perturb(d[1], victim, changeLabel);
        Trained after = new LegoNetTrainer(config, 2, Progress.NONE).train(d[0], changed);

        assertThat(after.model().encoder().fingerprint()).isEqualTo(before.model().encoder().fingerprint());
        assertThat(after.model().keys().digest()).isEqualTo(before.model().keys().digest());
        int row = before.data().rowOf(d[1].id(victim));
        List<Integer> touched = new ArrayList<>();
        for (int a : before.data().route(row)) {
            touched.add(a);
        }
        for (int a : after.data().route(row)) {
            touched.add(a);
        }
        for (int j = 0; j < config.adapters(); j++) {
            if (!touched.contains(j)) {
                assertThat(after.model().adapter(j).digest()).as("adapter %d not routed from the changed sample", j)
                        .isEqualTo(before.model().adapter(j).digest());
            }
        }
        for (int a : before.data().route(row)) {
            if (Arrays.stream(after.data().route(row)).anyMatch(x -> x == a)) {
                // the sample set changed; the weights may not (a ReLU net can ignore a feature change)
                assertThat(after.model().adapter(a).sampleSetDigest()).as("adapter %d trained on the changed sample", a)
                        .isNotEqualTo(before.model().adapter(a).sampleSetDigest());
            }
        }
    }

    private static Dataset perturb(Dataset d, int row, boolean label) {
        long[] ids = d.ids();
        int[] labels = d.labels();
        float[] x = new float[d.size() * d.dim()];
        for (int r = 0; r < d.size(); r++) {
            d.copyRow(r, x, r * d.dim());
        }
        if (label) {
            labels[row] = (labels[row] + 1) % 3;
        } else {
            x[row * d.dim()] += 0.5f;
        }
        return new Dataset(d.name(), ids, labels, x, d.sampleShape());
    }

    static Manifest.DatasetInfo info(Dataset[] d) {
        return new Manifest.DatasetInfo("synthetic blobs", null, "test", d[0].size() + d[1].size(), d[0].size(),
                d[1].size(), d[0].dim(), d[0].sampleShape());
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

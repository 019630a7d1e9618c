package org.legonet.core.unlearn;

import org.legonet.core.testing.SmallModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.legonet.core.Aggregate;
import org.legonet.core.Distance;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.IdConflictException;
import org.legonet.core.KeyMethod;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.UpdateReport;
import org.legonet.core.VerifyReport;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.util.Rng;

/**
 * Exact insertion as a property: random interleavings of adds and forgets (single ids, batches, a
 * class, adds and forgets in one edit, a forgotten id added again on request) always give the
 * model that training from scratch on the final retained samples gives, bit for bit (model digest
 * and every adapter's digest), both for steps chained in memory and for steps committed to a store
 * and read back, which {@link Verifier} then proves exact.
 */
class InsertionProperties {
    private static final String SALT = "0123456789abcdef0123456789abcdef";

    @Provide
    Arbitrary<ModelConfig> configs() {
        Arbitrary<Integer> n = Arbitraries.integers().between(1, 6);
        Arbitrary<Integer> kFrac = Arbitraries.integers().between(0, 100);
        Arbitrary<String> encoder = Arbitraries.of("identity", "pca:4", "pca:3:plain");
        Arbitrary<String> adapter = Arbitraries.of("linear", "mlp:6");
        Arbitrary<KeyMethod> keys = Arbitraries.of(KeyMethod.class);
        Arbitrary<Distance> distance = Arbitraries.of(Distance.class);
        Arbitrary<Boolean> balance = Arbitraries.of(true, false);
        Arbitrary<Optimizer> optimizer = Arbitraries.of(Optimizer.class);
        Arbitrary<Long> seed = Arbitraries.longs();
        return Combinators.combine(n, kFrac, encoder, adapter, keys, distance, balance, optimizer)
                .as((nn, kf, enc, ad, km, dist, bal, opt) -> {
                    int k = 1 + (nn - 1) * kf / 100;
                    float lr = opt == Optimizer.ADAM ? 0.01f : 0.05f;
                    return ModelConfig.defaults().withEncoder(enc).withShape(nn, k)
                            .withAdapter(AdapterSpec.parse(ad)).withRouting(km, dist, bal, Aggregate.MEAN)
                            .withTraining(opt, 2, 8, lr, true, 0.9f, 1e-3f);
                })
                .flatMap(c -> seed.map(c::withSeed));
    }

    /** One step of an interleaving. */
    enum Op {
        ADD_ONE, ADD_BATCH, FORGET_ONE, FORGET_BATCH, FORGET_CLASS, ADD_AND_FORGET, READD_FORGOTTEN
    }

    /** Where the samples stand: the pool of every sample the test may use, and which are held or were forgotten. */
    static final class State {
        final Dataset pool;
        /** pool row by id, for the held samples */
        final TreeMap<Long, Integer> held = new TreeMap<>();
        final Set<Long> forgotten = new HashSet<>();
        final Set<Long> neverUsed = new java.util.LinkedHashSet<>();

        State(Dataset pool) {
            this.pool = pool;
        }

        /** The first {@code initial} samples of {@code pool} held (trained on), the rest never used yet. */
        static State firstHeld(Dataset pool, int initial) {
            State s = new State(pool);
            for (int i = 0; i < pool.size(); i++) {
                if (i < initial) {
                    s.held.put(pool.id(i), i);
                } else {
                    s.neverUsed.add(pool.id(i));
                }
            }
            return s;
        }

        Dataset heldSamples() {
            return pool.select(held.values().stream().mapToInt(Integer::intValue).toArray(), "retained");
        }
    }

    @Property(tries = 20)
    void anyInterleavingOfAddsAndForgetsEqualsTrainingFromScratch(
            @ForAll("configs") ModelConfig config, @ForAll @IntRange(min = 0, max = 1000) int dataSeed,
            @ForAll @IntRange(min = 20, max = 100) int initial,
            @ForAll("ops") List<Op> ops) throws IOException {
        Dataset all = Synthetic.blobs(200, 6, 3, dataSeed, 1000);
        Dataset pub = all.slice(0, 50, "public");
        Rng rng = new Rng(dataSeed * 7919L + initial);
        // the private pool in scrambled order, so added ids do not ascend
        int[] perm = java.util.stream.IntStream.range(50, 200).toArray();
        rng.shuffle(perm);
        State s = State.firstHeld(all.select(perm, "pool"), initial);
        Trained trained = new LegoNetTrainer(config, 2, Progress.NONE).train(pub, s.heldSamples());
        Path dir = Files.createTempDirectory("legonet-insert-prop");
        try {
            Path modelDir = dir.resolve("model");
            ModelStore.create(modelDir, trained, ExactnessProperties.info(new Dataset[] {pub, s.heldSamples()}),
                    SmallModels.ID_KEY, false, Progress.NONE);
            LegoNetModel model = trained.model();
            PrivateSet data = trained.data();
            Set<Long> memForgotten = new HashSet<>();
            Updater.History memHistory = new Updater.History() {
                @Override
                public boolean wasForgotten(long id) {
                    return memForgotten.contains(id);
                }

                @Override
                public String hashId(long id) {
                    return SmallModels.ID_KEY.hashId(SALT, id);
                }
            };
            ModelStore store = ModelStore.open(modelDir, true, SmallModels.ID_KEY);
            try {
                for (Op op : ops) {
                    Edit edit = edit(op, s, rng);
                    if (edit == null) {
                        continue;
                    }
                    if (op == Op.READD_FORGOTTEN) {
                        // refused unless asked for, in memory and in the store, and nothing changes
                        Edit plain = edit.withReaddForgotten(false);
                        PrivateSet d0 = data;
                        LegoNetModel m0 = model;
                        assertThatThrownBy(() -> new Updater(1, Progress.NONE).step(m0, d0, memHistory, plain, null,
                                false)).isInstanceOf(IdConflictException.class)
                                .extracting(e -> ((IdConflictException) e).reason())
                                .isEqualTo(IdConflictException.Reason.FORGOTTEN);
                        long generation = store.manifest().generation();
                        ModelStore st = store;
                        assertThatThrownBy(() -> new Unlearner(st, 1, Progress.NONE).update(plain))
                                .isInstanceOf(IdConflictException.class);
                        assertThat(store.manifest().generation()).isEqualTo(generation);
                    }
                    Step step = new Updater(2, Progress.NONE).step(model, data, memHistory, edit, null, false);
                    model = step.model();
                    data = step.data();
                    UpdateReport r = new Unlearner(store, 2, Progress.NONE).update(edit);
                    assertThat(r.digestAfter()).isEqualTo(step.model().digest());
                    assertThat(r.added()).isEqualTo(edit.added());
                    apply(edit, s, memForgotten);
                    if (rng.nextInt(3) == 0) {
                        // a store read back holds the rows without holes, appended ones after the rest
                        store.close();
                        store = ModelStore.open(modelDir, true, SmallModels.ID_KEY);
                    }
                }
            } finally {
                store.close();
            }
            Dataset retained = s.heldSamples();
            Trained scratch = new LegoNetTrainer(config, 1, Progress.NONE).train(pub, retained);
            assertSameModel(model, scratch.model(), config);
            assertThat(data.retained()).isEqualTo(retained.size());
            try (ModelStore reopened = ModelStore.open(modelDir, false, SmallModels.ID_KEY)) {
                assertSameModel(reopened.model(), scratch.model(), config);
                assertThat(reopened.data().retained()).isEqualTo(retained.size());
                assertThat(reopened.manifest().privateData().rows() - reopened.manifest().privateData().retained())
                        .isEqualTo(reopened.manifest().deletions().samples());
                for (long id : s.forgotten) {
                    assertThat(reopened.wasForgotten(id)).isTrue();
                }
                VerifyReport v = new Verifier(2, Progress.NONE).verify(reopened, false);
                assertThat(v.exact()).as("verify: %s", v.problems()).isTrue();
                assertThat(v.samples()).isEqualTo(retained.size());
            }
        } finally {
            ExactnessProperties.deleteTree(dir);
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Arbitraries.of(Op.class).list().ofMinSize(1).ofMaxSize(6);
    }

    private static void assertSameModel(LegoNetModel actual, LegoNetModel expected, ModelConfig config) {
        for (int j = 0; j < config.adapters(); j++) {
            assertThat(actual.adapter(j).digest()).as("adapter %d", j).isEqualTo(expected.adapter(j).digest());
        }
        assertThat(actual.digest()).isEqualTo(expected.digest());
    }

    /** The edit {@code op} makes in state {@code s}, or null when it cannot apply (nothing left to add or forget). */
    static Edit edit(Op op, State s, Rng rng) {
        List<Long> fresh = new ArrayList<>(s.neverUsed);
        List<Long> held = new ArrayList<>(s.held.keySet());
        switch (op) {
            case ADD_ONE, ADD_BATCH -> {
                int n = Math.min(fresh.size(), op == Op.ADD_ONE ? 1 : 1 + rng.nextInt(12));
                return n == 0 ? null : Edit.add(samples(s, pick(fresh, n, rng)));
            }
            case FORGET_ONE, FORGET_BATCH -> {
                int n = Math.min(held.size(), op == Op.FORGET_ONE ? 1 : 1 + rng.nextInt(8));
                return n == 0 ? null : Edit.forget(ForgetRequest.ofIds(toArray(pick(held, n, rng))));
            }
            case FORGET_CLASS -> {
                return Edit.forget(ForgetRequest.ofClass(rng.nextInt(3)));
            }
            case ADD_AND_FORGET -> {
                int n = Math.min(fresh.size(), 2 + rng.nextInt(6));
                if (n < 2 || held.isEmpty()) {
                    return null;
                }
                List<Long> added = pick(fresh, n, rng);
                List<Long> gone = new ArrayList<>(pick(held, Math.min(held.size(), 1 + rng.nextInt(3)), rng));
                gone.add(added.get(0)); // forgets one of the samples it adds
                return new Edit(samples(s, added), ForgetRequest.ofIds(toArray(gone)), false);
            }
            case READD_FORGOTTEN -> {
                List<Long> back = new ArrayList<>(s.forgotten);
                back.removeAll(s.held.keySet());
                if (back.isEmpty()) {
                    return null;
                }
                back.sort(null);
                return Edit.add(samples(s, pick(back, Math.min(back.size(), 1 + rng.nextInt(3)), rng)))
                        .withReaddForgotten(true);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Updates the test's own account of the samples as the edit should have. */
    static void apply(Edit edit, State s, Set<Long> memForgotten) {
        Set<Long> addedIds = new HashSet<>();
        if (edit.add() != null) {
            for (int i = 0; i < edit.add().size(); i++) {
                long id = edit.add().id(i);
                addedIds.add(id);
                s.neverUsed.remove(id);
                s.held.put(id, s.pool.rowOf(id));
            }
        }
        if (edit.forget() != null) {
            List<Long> gone = new ArrayList<>();
            if (edit.forget().isClass()) {
                for (var e : s.held.entrySet()) {
                    if (s.pool.label(e.getValue()) == edit.forget().forgetClass()) {
                        gone.add(e.getKey());
                    }
                }
            } else {
                for (long id : edit.forget().ids()) {
                    if (s.held.containsKey(id)) {
                        gone.add(id);
                    }
                }
            }
            for (long id : gone) {
                s.held.remove(id);
                s.forgotten.add(id);
                memForgotten.add(id);
            }
        }
    }

    private static List<Long> pick(List<Long> from, int n, Rng rng) {
        List<Long> copy = new ArrayList<>(from);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(copy.remove(rng.nextInt(copy.size())));
        }
        return out;
    }

    private static long[] toArray(List<Long> ids) {
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** The pool's samples with these ids, in the order given. */
    private static Dataset samples(State s, List<Long> ids) {
        return s.pool.select(ids.stream().mapToInt(s.pool::rowOf).toArray(), "new samples");
    }
}

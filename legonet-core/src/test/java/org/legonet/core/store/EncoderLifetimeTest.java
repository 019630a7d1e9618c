package org.legonet.core.store;

import org.legonet.core.StoreException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.CountingEncoder;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.Progress;

/**
 * Who closes an encoder, and how often its state is hashed: the owner that fitted or restored it
 * closes it exactly once, and the fingerprint is computed once per fit or load, never per forget.
 */
class EncoderLifetimeTest {
    @TempDir
    Path tmp;
    private Dataset[] split;

    @BeforeEach
    void clear() {
        CountingEncoder.INSTANCES.clear();
        split = SmallModels.blobs(400, 100, 3);
    }

    private Trained train() {
        return SmallModels.train(SmallModels.config(5).withEncoder(CountingEncoder.SPEC), split);
    }

    @Test
    void aForgetNeverReadsTheEncoderState() {
        Path dir = tmp.resolve("model");
        try (Trained trained = train()) {
            ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        }
        try (ModelStore store = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            CountingEncoder restored = CountingEncoder.INSTANCES.get(1);
            assertThat(store.model().encoder()).isSameAs(restored);
            assertThat(restored.stateReads()).as("state hashed once at load").isEqualTo(1);
            Unlearner u = new Unlearner(store, 1, Progress.NONE);
            String fingerprint = store.model().encoderFingerprint();
            for (int i = 0; i < 6; i++) {
                u.forget(ForgetRequest.ofIds(store.data().id(store.data().retainedRows()[i * 7])));
            }
            assertThat(store.manifest().deletions().requests()).isEqualTo(6);
            assertThat(restored.stateReads()).as("no forget reads or hashes the encoder state").isEqualTo(1);
            assertThat(store.model().encoderFingerprint()).isEqualTo(fingerprint);
            assertThat(store.model().encoder()).isSameAs(restored);
        }
    }

    @Test
    void snapshotsCarryTheFingerprintWithoutRehashing() {
        try (Trained trained = train()) {
            CountingEncoder fitted = CountingEncoder.INSTANCES.get(0);
            int reads = fitted.stateReads();
            assertThat(reads).as("hashed once when the model was built").isEqualTo(1);
            LegoNetModel m = trained.model();
            for (int i = 0; i < 20; i++) {
                m = m.withAdapters(java.util.List.of(trained.model().adapter(i % m.adapterCount())));
            }
            assertThat(fitted.stateReads()).isEqualTo(reads);
            assertThat(m.digest()).isEqualTo(trained.model().digest());
            assertThat(m.encoderFingerprint()).isEqualTo(fitted.fingerprint());
        }
    }

    @Test
    void theOwnerClosesTheEncoderExactlyOnce() {
        Path dir = tmp.resolve("model");
        Trained trained = train();
        CountingEncoder fitted = CountingEncoder.INSTANCES.get(0);
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        assertThat(fitted.closes()).as("storing does not close the trainer's encoder").isZero();
        trained.close();
        assertThat(fitted.closes()).isEqualTo(1);

        for (int round = 0; round < 5; round++) {
            boolean write = round % 2 == 0;
            ModelStore store = ModelStore.open(dir, write, SmallModels.ID_KEY);
            CountingEncoder restored = CountingEncoder.INSTANCES.get(CountingEncoder.INSTANCES.size() - 1);
            if (write) {
                new Unlearner(store, 1, Progress.NONE).forget(ForgetRequest.ofIds(store.data().id(store.data().retainedRows()[round])));
            }
            assertThat(restored.closes()).as("a forget does not close the shared encoder").isZero();
            store.close();
            assertThat(restored.closes()).isEqualTo(1);
            store.close();
            assertThat(restored.closes()).as("closing the store twice closes the encoder once").isEqualTo(1);
        }
        assertThat(CountingEncoder.INSTANCES).hasSize(6).allSatisfy(e -> assertThat(e.closes()).isEqualTo(1));
    }

    @Test
    void aStoreThatFailsToOpenClosesTheEncoderItRestored() throws Exception {
        Path dir = tmp.resolve("model");
        try (Trained trained = train()) {
            ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        }
        // an adapter file that does not match the manifest: the encoder is restored, then the open fails
        Path adapter;
        try (var files = java.nio.file.Files.list(dir.resolve("adapters"))) {
            adapter = files.sorted().findFirst().orElseThrow();
        }
        byte[] b = java.nio.file.Files.readAllBytes(adapter);
        b[b.length - 1] ^= 1;
        java.nio.file.Files.write(adapter, b);
        assertThatThrownBy(() -> ModelStore.open(dir, false, SmallModels.ID_KEY)).isInstanceOf(StoreException.class);
        assertThat(CountingEncoder.INSTANCES).hasSize(2);
        assertThat(CountingEncoder.INSTANCES.get(1).closes()).isEqualTo(1);
    }
}

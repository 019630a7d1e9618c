package org.legonet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.ChangeRecord;
import org.legonet.core.ForgetRequest;
import org.legonet.core.IdKey;
import org.legonet.core.IdKeyException;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.StoreException;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.unlearn.Unlearner;

/** Keyed id hashes in the store: what the manifest records, what a wrong or missing key does, rekey. */
class KeyedIdHashesTest {
    private static final LegoNet.Options KEYED = new LegoNet.Options(2, Progress.NONE, SmallModels.ID_KEY);

    @TempDir
    Path tmp;

    private Path keyedModel(Dataset[] split) {
        Path dir = tmp.resolve("model");
        Trained t = SmallModels.train(SmallModels.config(3), split);
        ModelStore.create(dir, t, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        return dir;
    }

    @Test
    void aNewModelKeepsKeyedHashesAndOnlyTheKeyCheck() throws Exception {
        Dataset[] split = SmallModels.blobs(300, 60, 5);
        Path dir = keyedModel(split);
        long id = split[1].id(7);
        String salt;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Manifest.DeletionsEntry d = s.manifest().deletions();
            salt = d.salt();
            assertThat(s.manifest().formatVersion()).isEqualTo(4);
            assertThat(d.idHash()).isEqualTo(Manifest.KEYED);
            assertThat(d.keyCheck()).isEqualTo(SmallModels.ID_KEY.check(salt));
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(id));
            assertThat(s.deletions().get(0).idHashes()).containsExactly(SmallModels.ID_KEY.hashId(salt, id))
                    .doesNotContain(ModelStore.unkeyedHashId(salt, id));
            assertThat(s.wasForgotten(id)).isTrue();
        }
        for (byte[] file : StoreFiles.snapshot(dir).values()) {
            assertThat(StoreFiles.contains(file, "0123456789abcdef".getBytes(StandardCharsets.US_ASCII)))
                    .as("no file of the directory holds the key").isFalse();
        }
    }

    @Test
    void aWrongKeyFailsAtOpenAndAMissingOneOnlyWhereAnIdIsHashed() {
        Dataset[] split = SmallModels.blobs(300, 60, 5);
        Path dir = keyedModel(split);
        long id = split[1].id(7);
        for (boolean write : new boolean[] {false, true}) {
            assertThatThrownBy(() -> ModelStore.open(dir, write, IdKey.generate()))
                    .isInstanceOf(IdKeyException.class).hasMessageContaining("is not the key of")
                    .satisfies(e -> assertThat(((IdKeyException) e).missing()).isFalse())
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        List<String> started = new java.util.ArrayList<>();
        Progress recorder = new Progress() {
            @Override
            public void start(String task, long total) {
                started.add(task);
            }

            @Override
            public void step(long amount) {
            }

            @Override
            public void finish() {
            }
        };
        try (LegoNet net = LegoNet.openForUpdate(dir, new LegoNet.Options(2, recorder))) {
            started.clear();
            assertThatThrownBy(() -> net.forget(net.retainedIds()[0])).isInstanceOf(IdKeyException.class);
            assertThat(started).as("a forget without the key is refused before any adapter is retrained").isEmpty();
            assertThat(net.keyedIdHashes()).isTrue();
            assertThat(net.idKey()).isNull();
            assertThat(net.info().retained()).isEqualTo(240);
            assertThat(net.predict(split[1]).size()).isEqualTo(240);
            assertThat(net.verify().provenExact()).isTrue();
            for (Runnable needsKey : List.<Runnable>of(() -> net.idHash(id), () -> net.wasForgotten(id),
                    () -> net.forget(id), () -> net.add(split[0].slice(0, 1, "again")))) {
                assertThatThrownBy(needsKey::run).isInstanceOf(IdKeyException.class)
                        .hasMessageContaining("no id key was given")
                        .satisfies(e -> assertThat(((IdKeyException) e).missing()).isTrue());
            }
            assertThat(net.history()).isEmpty();
        }
        try (LegoNet net = LegoNet.openForUpdate(dir, KEYED)) {
            assertThat(net.forget(id).commit().wasForgotten(id)).isTrue();
        }
    }

    @Test
    void theKeyCheckAndIdHashAreCoveredByTheSettingsDigest() throws Exception {
        Dataset[] split = SmallModels.blobs(300, 60, 5);
        Path dir = keyedModel(split);
        byte[] pristine = Files.readAllBytes(dir.resolve(Manifest.FILE));
        ObjectNode m = (ObjectNode) Manifest.JSON.readTree(pristine);
        String salt = m.get("deletions").get("salt").asText();
        IdKey other = IdKey.generate();
        // a swapped key check would let another key in: refused, even for an opener holding that other key
        ((ObjectNode) m.get("deletions")).put("key_check", other.check(salt));
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertThatThrownBy(() -> ModelStore.open(dir, false, other).close()).isInstanceOf(StoreException.class)
                .hasMessageContaining("settings_digest");
        // a model made to look unkeyed, so that its next hashes would be reversible: refused
        m = (ObjectNode) Manifest.JSON.readTree(pristine);
        ((ObjectNode) m.get("deletions")).put("id_hash", Manifest.UNKEYED).remove("key_check");
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertThatThrownBy(() -> ModelStore.open(dir, false).close()).isInstanceOf(StoreException.class)
                .hasMessageContaining("settings_digest");
        m = (ObjectNode) Manifest.JSON.readTree(pristine);
        ((ObjectNode) m.get("deletions")).remove("key_check");
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertThatThrownBy(() -> ModelStore.open(dir, false).close()).isInstanceOf(StoreException.class)
                .hasMessageContaining("deletions.key_check is missing");
        m = (ObjectNode) Manifest.JSON.readTree(pristine);
        ((ObjectNode) m.get("deletions")).put("id_hash", "md5");
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
        assertThatThrownBy(() -> ModelStore.open(dir, false).close()).isInstanceOf(StoreException.class)
                .hasMessageContaining("deletions.id_hash must be");
        Files.write(dir.resolve(Manifest.FILE), pristine);
        ModelStore.open(dir, false, SmallModels.ID_KEY).close();
    }

    private static Map<String, String> digests(Path dir) {
        Map<String, String> out = new java.util.TreeMap<>();
        StoreFiles.snapshot(dir).forEach((name, bytes) -> out.put(name, org.legonet.core.util.Digests.sha256Hex(bytes)));
        return out;
    }

    @Test
    void rekeyRewritesAnUnkeyedLogOnlyWhenEveryForgottenIdIsFound() throws Exception {
        Path dir = GoldenModelTest.copy(GoldenModel.DIR_V3, tmp);
        Dataset[] data = GoldenModel.data();
        long[] all = LongStream.concat(LongStream.of(data[0].ids()), LongStream.of(data[1].ids())).toArray();
        long[] withoutOne = LongStream.of(all).filter(id -> id != GoldenModel.FORGOTTEN[1]).toArray();
        List<Map<String, String>> offered = new ArrayList<>();
        Map<String, String> before;
        try (LegoNet net = LegoNet.openForUpdate(dir, KEYED)) {
            before = digests(dir);
            assertThat(net.keyedIdHashes()).isFalse();
            assertThat(net.wasForgotten(GoldenModel.FORGOTTEN[0])).isTrue();
            assertThatThrownBy(() -> net.rekey(withoutOne, offered::add)).isInstanceOf(LegoNetException.class)
                    .hasMessageContaining("1 forgotten id hash").hasMessageContaining("nothing was written");
            assertThat(offered).isEmpty();
        }
        assertThat(digests(dir)).as("nothing was written").isEqualTo(before);
        String salt;
        String digest;
        try (LegoNet net = LegoNet.openForUpdate(dir, KEYED)) {
            digest = net.digest();
            LegoNet rekeyed = net.rekey(all, offered::add);
            assertThat(rekeyed.keyedIdHashes()).isTrue();
            assertThat(rekeyed.digest()).isEqualTo(digest);
            assertThatThrownBy(() -> rekeyed.rekey(all, offered::add)).hasMessageContaining("keyed already");
            // the rekeyed model takes updates (its generation moved on)
            rekeyed.forget(GoldenModel.TO_FORGET[0]).commit();
        }
        assertThat(offered).hasSize(1);
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            salt = s.manifest().deletions().salt();
            assertThat(s.manifest().deletions().file()).matches("deletions\\.g\\d{6}\\.jsonl");
            assertThat(Files.exists(dir.resolve("deletions.jsonl"))).isFalse();
            List<ChangeRecord> log = s.deletions();
            assertThat(log.get(0).idHashes()).containsExactly(SmallModels.ID_KEY.hashId(salt, GoldenModel.FORGOTTEN[0]),
                    SmallModels.ID_KEY.hashId(salt, GoldenModel.FORGOTTEN[1]));
            assertThat(log.get(0).digestAfter()).isEqualTo(log.get(1).digestBefore());
            for (long id : GoldenModel.FORGOTTEN) {
                assertThat(s.wasForgotten(id)).isTrue();
                assertThat(offered.get(0)).containsEntry(ModelStore.unkeyedHashId(salt, id),
                        SmallModels.ID_KEY.hashId(salt, id));
            }
            assertThat(s.wasForgotten(GoldenModel.TO_FORGET[0])).isTrue();
        }
        try (LegoNet net = LegoNet.open(dir)) {
            assertThat(net.verify().provenExact()).isTrue();
        }
    }
}

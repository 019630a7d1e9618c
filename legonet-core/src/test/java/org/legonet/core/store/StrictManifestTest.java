package org.legonet.core.store;

import org.legonet.core.StoreException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.Progress;

/**
 * A strict manifest: every required field mandatory, no unknown keys, no coercions, values checked,
 * file names of the store's own form, and no commit that overwrites or deletes a file in use.
 */
class StrictManifestTest {
    private static Dataset[] split;
    private static Trained trained;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        split = SmallModels.blobs(300, 100, 5);
        trained = SmallModels.train(SmallModels.config(3), split);
    }

    private Path create(String name) {
        Path dir = tmp.resolve(name);
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        return dir;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(Path dir) {
        return assertThatThrownBy(() -> ModelStore.open(dir, false, SmallModels.ID_KEY).close()).isInstanceOf(StoreException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n").contains("manifest.json"));
    }

    private static ObjectNode read(Path dir) throws IOException {
        return (ObjectNode) Manifest.JSON.readTree(Files.readAllBytes(dir.resolve(Manifest.FILE)));
    }

    private static void write(Path dir, JsonNode m) throws IOException {
        Files.write(dir.resolve(Manifest.FILE), Manifest.JSON.writeValueAsBytes(m));
    }

    private static void edit(Path dir, byte[] pristine, Consumer<ObjectNode> change) throws IOException {
        ObjectNode m = (ObjectNode) Manifest.JSON.readTree(pristine);
        change.accept(m);
        write(dir, m);
    }

    /** Paths of every field in the manifest a writer always writes, such as {@code adapters[0].sha256}. */
    private static void fields(JsonNode node, String path, Set<String> free, List<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                out.add(p);
                if (!free.contains(p)) {
                    fields(e.getValue(), p, free, out);
                }
            });
        } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
            fields(node.get(0), path + "[0]", free, out);
        }
    }

    private static ObjectNode parentOf(ObjectNode root, String path) {
        JsonNode n = root;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
            String s = steps[i];
            if (s.endsWith("[0]")) {
                n = n.get(s.substring(0, s.length() - 3)).get(0);
            } else {
                n = n.get(s);
            }
        }
        return (ObjectNode) n;
    }

    private static String leaf(String path) {
        String[] steps = path.split("\\.");
        return steps[steps.length - 1].replace("[0]", "");
    }

    @Test
    void everyFieldThisVersionWritesIsRequired() throws IOException {
        Path dir = create("model");
        byte[] pristine = Files.readAllBytes(dir.resolve(Manifest.FILE));
        List<String> all = new ArrayList<>();
        // free maps: training figures and the reader options of the data, whose keys are not fixed
        fields(Manifest.JSON.readTree(pristine), "", Set.of("training", "dataset.spec"), all);
        List<String> optional = List.of("dataset.source", "dataset.sample_shape", "dataset.spec");
        assertThat(all).contains("generation", "adapters[0].sha256", "private_data.chunks[0].raw.file", "config.epochs",
                "deletions.salt", "encoder.fingerprint");
        for (String path : all) {
            if (optional.contains(path)) {
                continue;
            }
            edit(dir, pristine, m -> parentOf(m, path).remove(leaf(path)));
            String shown = path.replace("[0]", "");
            assertRefused(dir).as(path).satisfies(t -> assertThat(t.getMessage().replaceAll("\\[\\d+]", ""))
                    .as(path).containsAnyOf(shown + " is missing", "format missing", "no valid format_version"));
        }
        write(dir, Manifest.JSON.readTree(pristine));
        ModelStore.open(dir, false, SmallModels.ID_KEY).close();
    }

    @Test
    void unknownKeysAreRefusedWhereverTheyAre() throws IOException {
        Path dir = create("model");
        byte[] pristine = Files.readAllBytes(dir.resolve(Manifest.FILE));
        for (String parent : List.of("", "encoder", "keys", "private_data", "deletions", "dataset", "config")) {
            edit(dir, pristine, m -> ((ObjectNode) (parent.isEmpty() ? m : m.get(parent))).put("surprise", 1));
            assertRefused(dir).as(parent).hasMessageContaining("unknown field 'surprise'");
        }
        edit(dir, pristine, m -> ((ObjectNode) m.get("adapters").get(2)).put("extra", "x"));
        assertRefused(dir).hasMessageContaining("unknown field 'extra' in adapters[2]");
        edit(dir, pristine, m -> ((ObjectNode) m.get("private_data").get("chunks").get(0).get("raw")).put("x", 0));
        assertRefused(dir).hasMessageContaining("unknown field 'x' in private_data.chunks[0].raw");
        // a newer version is refused as such, not for a field this version does not know
        edit(dir, pristine, m -> m.put("format_version", Manifest.VERSION + 1).put("new_section", "x"));
        assertRefused(dir).hasMessageContaining("format version " + (Manifest.VERSION + 1))
                .hasMessageContaining("upgrade");
        edit(dir, pristine, m -> m.put("format_version", 1));
        assertRefused(dir).hasMessageContaining("format version 1").hasMessageContaining("train the model again");
        edit(dir, pristine, m -> m.put("format_version", 0));
        assertRefused(dir).hasMessageContaining("format version 0").hasMessageContaining("does not read");
        edit(dir, pristine, m -> m.put("format_version", "1"));
        assertRefused(dir).hasMessageContaining("no valid format_version");
        edit(dir, pristine, m -> m.remove("format"));
        assertRefused(dir).hasMessageContaining("not a LegoNet manifest");
        Files.writeString(dir.resolve(Manifest.FILE), "{\"format\": \"legonet-model\", \"format\": \"legonet-model\"}");
        assertRefused(dir).hasMessageContaining("not valid JSON");
        Files.writeString(dir.resolve(Manifest.FILE), "[1, 2]");
        assertRefused(dir).hasMessageContaining("not a JSON object");
    }

    @Test
    void coverIsWrittenOnlyWhenOnAndReadStrictly() throws IOException {
        Path dir = create("model");
        byte[] pristine = Files.readAllBytes(dir.resolve(Manifest.FILE));
        assertThat(read(dir).get("config").has("cover")).as("a model without cover writes no cover field").isFalse();
        Path covered = tmp.resolve("covered");
        ModelStore.create(covered, new Trained(trained.model().withCover(2), trained.data(), trained.privateRaw(),
                trained.stats()),
                SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        assertThat(read(covered).get("config").get("cover").asInt()).isEqualTo(2);
        try (ModelStore s = ModelStore.open(covered, false, SmallModels.ID_KEY)) {
            assertThat(s.model().config().cover()).isEqualTo(2);
        }
        byte[] coveredPristine = Files.readAllBytes(covered.resolve(Manifest.FILE));
        edit(dir, pristine, m -> ((ObjectNode) m.get("config")).put("cover", 0));
        assertRefused(dir).hasMessageContaining("config.cover is invalid");
        edit(dir, pristine, m -> ((ObjectNode) m.get("config")).put("cover", "2"));
        assertRefused(dir).hasMessageContaining("config.cover must be a number");
        // a cover the settings digest does not cover: someone turned it on or changed it by hand
        edit(dir, pristine, m -> ((ObjectNode) m.get("config")).put("cover", 2));
        assertRefused(dir).hasMessageContaining("settings_digest");
        edit(covered, coveredPristine, m -> ((ObjectNode) m.get("config")).put("cover", 1));
        assertRefused(covered).hasMessageContaining("settings_digest");
        edit(covered, coveredPristine, m -> ((ObjectNode) m.get("config")).put("cover", 4));
        assertRefused(covered).hasMessageContaining("cover must leave room");
    }

    @Test
    void mistypedAndOutOfRangeValuesAreRefused() throws IOException {
        Path dir = create("model");
        byte[] pristine = Files.readAllBytes(dir.resolve(Manifest.FILE));
        Map<String, Consumer<ObjectNode>> edits = new java.util.LinkedHashMap<>();
        edits.put("generation", m -> m.put("generation", "1"));
        edits.put("generation ", m -> m.put("generation", 1.5));
        edits.put("generation  ", m -> m.putNull("generation"));
        edits.put("generation   ", m -> m.put("generation", -1));
        edits.put("classes", m -> m.put("classes", true));
        edits.put("model_digest", m -> m.put("model_digest", 7));
        edits.put("model_digest ", m -> m.put("model_digest", "ABC"));
        edits.put("adapters[1].samples", m -> ((ObjectNode) m.get("adapters").get(1)).put("samples", -3));
        edits.put("adapters[1].sha256", m -> ((ObjectNode) m.get("adapters").get(1)).put("sha256", "00"));
        edits.put("adapters[1].file", m -> ((ObjectNode) m.get("adapters").get(1)).put("file", "../../etc/passwd"));
        edits.put("adapters[1].file ", m -> ((ObjectNode) m.get("adapters").get(1)).put("file", "/tmp/adapter.bin"));
        edits.put("adapters[1].file  ", m -> ((ObjectNode) m.get("adapters").get(1))
                .put("file", "adapters/adapter-00002.g000000.bin"));
        edits.put("adapters[1].index", m -> ((ObjectNode) m.get("adapters").get(1)).put("index", 0));
        edits.put("adapters", m -> ((ArrayNode) m.get("adapters")).remove(4));
        edits.put("encoder.file", m -> ((ObjectNode) m.get("encoder")).put("file", "keys.bin"));
        edits.put("private_data.raw_format", m -> ((ObjectNode) m.get("private_data")).put("raw_format", "f64"));
        edits.put("private_data.retained", m -> ((ObjectNode) m.get("private_data")).put("retained", 199));
        edits.put("private_data.chunks[0].rows", m -> ((ObjectNode) m.get("private_data").get("chunks").get(0))
                .put("rows", Integer.MAX_VALUE));
        edits.put("deletions.samples", m -> ((ObjectNode) m.get("deletions")).put("samples", 4));
        edits.put("deletions.salt", m -> ((ObjectNode) m.get("deletions")).put("salt", "xyz"));
        edits.put("deletions.bytes", m -> ((ObjectNode) m.get("deletions")).put("bytes", -1));
        edits.put("config.epochs", m -> ((ObjectNode) m.get("config")).put("epochs", "2"));
        edits.put("config.lr_schedule", m -> ((ObjectNode) m.get("config")).put("lr_schedule", "cosin"));
        edits.put("config.adapters", m -> ((ObjectNode) m.get("config")).put("adapters", 6));
        // valid values that are not this model's: settings no model file covers are covered by settings_digest
        edits.put("settings_digest", m -> ((ObjectNode) m.get("config")).put("epochs", 3));
        edits.put("settings_digest ", m -> ((ObjectNode) m.get("config")).put("aggregate", "weighted"));
        edits.put("settings_digest  ", m -> ((ObjectNode) m.get("deletions")).put("salt", "0".repeat(32)));
        edits.put("settings_digest   ", m -> m.put("settings_digest", "0".repeat(64)));
        edits.forEach((field, change) -> {
            try {
                edit(dir, pristine, change);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            assertRefused(dir).as(field).hasMessageContaining(field.strip());
        });
    }

    @Test
    void aDamagedGenerationIsRefusedBeforeAForgetCanOverwriteFilesInUse() throws IOException {
        // the case: after forgets, the generation is damaged to 0; the next forget would write
        // under names the model uses, then delete them as superseded
        Path dir = create("model");
        long again;
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            // generation 1 retrains the adapters of row 0, generation 2 others; a forget near row 0
            // at a damaged generation 0 would write adapter files of generation 1 over those in use
            int[] first = s.data().route(0);
            int far = -1;
            int near = -1;
            for (int r = 1; r < s.data().rows(); r++) {
                int[] route = s.data().route(r);
                if (far < 0 && Arrays.stream(route).noneMatch(x -> Arrays.stream(first).anyMatch(y -> y == x))) {
                    far = r;
                }
                if (near < 0 && Arrays.equals(route, first)) {
                    near = r;
                }
            }
            assertThat(far).isPositive();
            assertThat(near).isPositive();
            again = s.data().id(near);
            Unlearner u = new Unlearner(s, 1, Progress.NONE);
            u.forget(ForgetRequest.ofIds(s.data().id(0)));
            u.forget(ForgetRequest.ofIds(s.data().id(far)));
        }
        Map<String, byte[]> before = StoreFiles.snapshot(dir);
        ObjectNode m = read(dir);
        for (long damaged : new long[] {0, 1}) {
            m.put("generation", damaged);
            write(dir, m);
            Map<String, byte[]> damagedFiles = StoreFiles.snapshot(dir);
            for (boolean write : new boolean[] {false, true}) {
                assertThatThrownBy(() -> ModelStore.open(dir, write, SmallModels.ID_KEY).close()).isInstanceOf(StoreException.class)
                        .hasMessageContaining("field adapters[").hasMessageContaining("was written by generation ")
                        .hasMessageContaining("later than the manifest's generation " + damaged);
                Map<String, byte[]> after = StoreFiles.snapshot(dir);
                after.remove(".lock");
                damagedFiles.remove(".lock");
                assertThat(after.keySet()).isEqualTo(damagedFiles.keySet());
            }
        }
        m.put("generation", 2);
        write(dir, m);
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(again));
            assertThat(new Verifier(1, Progress.NONE).verify(s, false).exact()).isTrue();
        }
        assertThat(before).isNotEmpty();
    }

    @Test
    void aCommitDeletesOnlyFilesTheNewManifestDoesNotName() {
        Path dir = create("model");
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            Unlearner u = new Unlearner(s, 1, Progress.NONE);
            for (int i = 0; i < 6; i++) {
                Set<String> previous = ModelStore.referenced(s.manifest());
                // the same region again and again: the same adapters and chunk are retrained each time
                u.forget(ForgetRequest.ofIds(s.data().id(s.data().retainedRows()[0])));
                Set<String> named = ModelStore.referenced(s.manifest());
                List<String> present = StoreFiles.names(dir);
                assertThat(present).containsAll(named);
                for (String f : previous) {
                    assertThat(present.contains(f)).as(f).isEqualTo(named.contains(f));
                }
                assertThat(present.stream().filter(n -> n.startsWith("adapters/") || n.startsWith("data/")))
                        .containsExactlyInAnyOrderElementsOf(named);
            }
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            assertThat(new Verifier(1, Progress.NONE).verify(s, false).exact()).isTrue();
        }
    }
}

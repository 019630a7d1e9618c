package org.legonet.core.store;

import org.legonet.core.StoreException;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.Trained;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.util.Digests;
import org.legonet.core.Progress;

/**
 * Random damage to every file of a model directory: a truncation, a bit flip or an edit of one
 * JSON key (removed, renamed, set to null or to a value of another type or range). Each ends in
 * a one-line {@link StoreException}, or the store opens to the very same model (same digest,
 * samples and deletion log) and a later forget reaches the same digest as on the undamaged model.
 * Never an unchecked exception, never a changed model accepted.
 *
 * <p>"Forged" damage also rewrites the checksums the manifest holds for the damaged file, so the
 * file's own reader meets the damage: it must refuse it with a one-line error or read it without
 * an unchecked exception (what it then reads is {@code verify}'s business).
 */
class StoreFuzzProperties {
    /** The undamaged model directory (generation 2, two committed forgets) and what it holds. */
    private record Pristine(Path root, Map<String, byte[]> files, String digest, String rawFingerprint, int retained,
                            int requests, long forgetId, String digestAfterForget) {
    }

    private static Pristine pristine;
    private static int next;

    private static synchronized Pristine pristine() {
        if (pristine == null) {
            try {
                Path root = Files.createTempDirectory("legonet-fuzz");
                Dataset[] split = SmallModels.blobs(220, 100, 9);
                Trained t = SmallModels.train(SmallModels.config(4), split);
                Path dir = root.resolve("pristine");
                ModelStore.create(dir, t, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
                long forgetId;
                try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
                    Unlearner u = new Unlearner(s, 1, Progress.NONE);
                    u.forget(ForgetRequest.ofIds(s.data().id(3), s.data().id(4)));
                    u.forget(ForgetRequest.ofIds(s.data().id(40)));
                    forgetId = s.data().id(s.data().retainedRows()[17]);
                }
                Files.deleteIfExists(dir.resolve(".lock"));
                Map<String, byte[]> files = StoreFiles.snapshot(dir);
                String digest;
                String raw;
                int retained;
                try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
                    digest = s.model().digest();
                    raw = s.readRaw(Progress.NONE).fingerprint();
                    retained = s.data().retained();
                }
                Path probe = write(root, files);
                String after;
                try (ModelStore s = ModelStore.open(probe, true, SmallModels.ID_KEY)) {
                    after = new Unlearner(s, 1, Progress.NONE).forget(ForgetRequest.ofIds(forgetId)).digestAfter();
                }
                AtomicFiles.deleteTree(probe);
                pristine = new Pristine(root, files, digest, raw, retained, 2, forgetId, after);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return pristine;
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (pristine != null) {
            AtomicFiles.deleteTree(pristine.root());
        }
    }

    /** A fresh copy of {@code files} under {@code root}. */
    private static synchronized Path write(Path root, Map<String, byte[]> files) throws IOException {
        Path dir = root.resolve("try-" + next++);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        return dir;
    }

    // ------------------------------------------------------------------------------------------
    // Damage

    private static byte[] flip(byte[] b, int at, int bit) {
        byte[] out = b.clone();
        if (out.length > 0) {
            out[Math.floorMod(at, out.length)] ^= (byte) (1 << bit);
        }
        return out;
    }

    private static byte[] truncate(byte[] b, int at) {
        return Arrays.copyOf(b, b.length == 0 ? 0 : Math.floorMod(at, b.length));
    }

    /** The kinds of JSON key edit. */
    enum Edit { REMOVE, RENAME, NULL, TEXT, ZERO, NEGATIVE, HUGE, FRACTION, BOOLEAN, ARRAY, OBJECT, PLUS_ONE }

    /** Every (object, key) pair under {@code node}. */
    private static void slots(JsonNode node, List<Object[]> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                out.add(new Object[] {node, e.getKey()});
                slots(e.getValue(), out);
            });
        } else if (node.isArray()) {
            node.forEach(n -> slots(n, out));
        }
    }

    /** Applies {@code edit} to the {@code pick}-th key of {@code root} (in document order). */
    private static void edit(JsonNode root, int pick, Edit edit) {
        List<Object[]> slots = new ArrayList<>();
        slots(root, slots);
        Object[] slot = slots.get(Math.floorMod(pick, slots.size()));
        ObjectNode o = (ObjectNode) slot[0];
        String key = (String) slot[1];
        JsonNode old = o.get(key);
        switch (edit) {
            case REMOVE -> o.remove(key);
            case RENAME -> {
                o.remove(key);
                o.set(key + "_", old);
            }
            case NULL -> o.putNull(key);
            case TEXT -> o.put(key, old.isTextual() ? old.asText() + "x" : "7");
            case ZERO -> o.put(key, 0);
            case NEGATIVE -> o.put(key, -1);
            case HUGE -> o.put(key, 1L << 40);
            case FRACTION -> o.put(key, 2.5);
            case BOOLEAN -> o.put(key, true);
            case ARRAY -> o.set(key, o.arrayNode().add(1));
            case OBJECT -> o.set(key, o.objectNode().put("a", 1));
            case PLUS_ONE -> {
                if (old.isIntegralNumber()) {
                    o.put(key, old.asLong() + 1);
                } else if (old.isNumber()) {
                    o.put(key, old.asDouble() * 2 + 1);
                } else if (old.isTextual() && !old.asText().isEmpty()) {
                    char[] c = old.asText().toCharArray();
                    c[0] = c[0] == 'a' ? 'b' : 'a';
                    o.put(key, new String(c));
                } else {
                    o.put(key, 1);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    private static byte[] pretty(JsonNode n) {
        try {
            return Manifest.JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(byte[] b) {
        try {
            return Manifest.JSON.readTree(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code files} with the manifest's checksum of {@code name} (and, for the log, its length) made to fit. */
    private static void forge(Map<String, byte[]> files, String name) {
        ObjectNode m = (ObjectNode) tree(files.get(Manifest.FILE));
        byte[] bytes = files.get(name);
        String sha = Digests.sha256Hex(bytes);
        if (name.equals(Manifest.LOG_FILE)) {
            ((ObjectNode) m.get("deletions")).put("sha256", sha).put("bytes", bytes.length);
        } else {
            List<Object[]> slots = new ArrayList<>();
            slots(m, slots);
            for (Object[] slot : slots) {
                ObjectNode o = (ObjectNode) slot[0];
                if (slot[1].equals("file") && o.get("file").asText().equals(name) && o.has("sha256")) {
                    o.put("sha256", sha);
                }
            }
        }
        files.put(Manifest.FILE, pretty(m));
    }

    // ------------------------------------------------------------------------------------------
    // What must happen

    private static void assertOneLine(StoreException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }

    /**
     * Opens the damaged copy: a one-line refusal, or the same model, whose raw samples read back
     * the same (or are refused in one line) and from which a forget reaches the same digest.
     * {@code forged}: only refusal in one line or a clean read are required.
     */
    private static void assertRefusedOrUnchanged(Map<String, byte[]> files, boolean forged) throws IOException {
        Pristine p = pristine();
        Path dir = write(p.root(), files);
        try {
            try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
                if (forged) {
                    try {
                        s.readRaw(Progress.NONE);
                        s.deletions();
                    } catch (StoreException e) {
                        assertOneLine(e);
                    }
                    return;
                }
                assertThat(s.model().digest()).isEqualTo(p.digest());
                assertThat(s.data().retained()).isEqualTo(p.retained());
                assertThat(s.deletions()).hasSize(p.requests());
                try {
                    assertThat(s.readRaw(Progress.NONE).fingerprint()).isEqualTo(p.rawFingerprint());
                } catch (StoreException e) {
                    assertOneLine(e);
                    return;
                }
            } catch (StoreException e) {
                assertOneLine(e);
                return;
            }
            try (ModelStore w = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
                assertThat(new Unlearner(w, 1, Progress.NONE).forget(ForgetRequest.ofIds(p.forgetId())).digestAfter())
                        .isEqualTo(p.digestAfterForget());
            }
        } finally {
            AtomicFiles.deleteTree(dir);
        }
    }

    @Provide
    Arbitrary<String> binaryFiles() {
        return Arbitraries.of(new ArrayList<>(pristine().files().keySet().stream()
                .filter(n -> n.endsWith(".bin")).toList()));
    }

    // ------------------------------------------------------------------------------------------
    // Properties

    @Property(tries = 100)
    void manifestTruncatedOrFlipped(@ForAll int at, @ForAll @IntRange(min = 0, max = 7) int bit,
                                    @ForAll boolean truncate) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>(pristine().files());
        byte[] m = files.get(Manifest.FILE);
        files.put(Manifest.FILE, truncate ? truncate(m, at) : flip(m, at, bit));
        assertRefusedOrUnchanged(files, false);
    }

    @Property(tries = 150)
    void manifestKeyEdited(@ForAll int pick, @ForAll Edit edit) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>(pristine().files());
        JsonNode m = tree(files.get(Manifest.FILE));
        edit(m, pick, edit);
        files.put(Manifest.FILE, pretty(m));
        assertRefusedOrUnchanged(files, false);
    }

    /**
     * The seed of a fresh-clone run whose flipped and forged raw chunk read back with a negative
     * label: readRaw threw the dataset's own error instead of the store's one-line refusal.
     */
    @Property(tries = 150, seed = "-182558300153411908")
    void binaryFileForgedWithANegativeLabelIsRefusedByTheStore(@ForAll("binaryFiles") String name, @ForAll int at,
                                                               @ForAll @IntRange(min = 0, max = 7) int bit,
                                                               @ForAll boolean truncate, @ForAll boolean forged)
            throws IOException {
        binaryFileTruncatedOrFlipped(name, at, bit, truncate, forged);
    }

    @Property(tries = 150)
    void binaryFileTruncatedOrFlipped(@ForAll("binaryFiles") String name, @ForAll int at,
                                      @ForAll @IntRange(min = 0, max = 7) int bit, @ForAll boolean truncate,
                                      @ForAll boolean forged) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>(pristine().files());
        byte[] b = files.get(name);
        files.put(name, truncate ? truncate(b, at) : flip(b, at, bit));
        if (forged) {
            forge(files, name);
        }
        assertRefusedOrUnchanged(files, forged);
    }

    @Property(tries = 120)
    void deletionLogDamaged(@ForAll int at, @ForAll @IntRange(min = 0, max = 7) int bit,
                            @ForAll @IntRange(min = 0, max = 2) int kind, @ForAll Edit edit,
                            @ForAll boolean forged) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>(pristine().files());
        byte[] log = files.get(Manifest.LOG_FILE);
        byte[] damaged;
        if (kind == 0) {
            damaged = truncate(log, at);
        } else if (kind == 1) {
            damaged = flip(log, at, bit);
        } else {
            String[] lines = new String(log, StandardCharsets.UTF_8).split("\n");
            int line = Math.floorMod(at, lines.length);
            JsonNode rec = tree(lines[line].getBytes(StandardCharsets.UTF_8));
            edit(rec, bit * 31 + at, edit);
            lines[line] = rec.toString();
            damaged = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        files.put(Manifest.LOG_FILE, damaged);
        if (forged) {
            forge(files, Manifest.LOG_FILE);
        }
        // a forged log that still parses is a different log: it must be refused, or hold the same records
        assertRefusedOrUnchanged(files, false);
    }
}

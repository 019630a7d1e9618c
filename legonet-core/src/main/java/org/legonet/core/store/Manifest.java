package org.legonet.core.store;

import org.legonet.core.StoreException;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code manifest.json}: the one file that defines a model directory. It names every other file with
 * its SHA-256, and replacing it (atomically) is the commit point of every change. Files it does not
 * name are leftovers of an interrupted change and are deleted when the store is next opened.
 *
 * <p>Reading is strict ({@link #parse}). Every field this version writes is required except
 * {@code dataset.source}, {@code dataset.sample_shape} and {@code dataset.spec}; the free maps are
 * {@code training} (figures shown as they are) and {@code dataset.spec} (the data's reader options).
 * Unknown keys are refused at every version, not only at newer ones: a format change that adds a
 * field raises {@code format_version}, and a newer version is refused as such before any field is
 * looked at, so forward compatibility is by version, never by ignoring what a newer writer meant.
 * Values are checked (counts, hex digests, file names of the store's own form, within the
 * directory), and what no file's checksum covers is covered here: {@code settings_digest} (the
 * configuration, class count, log salt and how id hashes are made with the key check) and {@code deletions.sha256} (the committed log). What
 * is left unchecked is only shown, never used: times, versions, the dataset's description and
 * counts, and the training figures.
 *
 * @param format         always {@value #FORMAT}
 * @param formatVersion  {@value #VERSION} when written; versions {@value #OLDEST_READ} (its log
 *                       lines have no {@code added}) and 3 (no {@code deletions.id_hash}: unkeyed
 *                       id hashes) are read too and written as {@value #VERSION} by their next
 *                       commit; a newer version, or one older than {@value #OLDEST_READ}, is
 *                       refused with a clear error
 * @param generation     increases by one with every committed change
 * @param created        when the model was trained (ISO-8601)
 * @param updated        when the last change was committed
 * @param legonetVersion the software version that wrote this manifest
 * @param config         the full model configuration ({@link org.legonet.core.ModelConfig#toMap()})
 * @param classes        size of the label set
 * @param settingsDigest SHA-256 over the settings no model file covers: the configuration (how a
 *                       forget retrains and how answers are combined), the class count and the
 *                       salt of the deletion log, and from version 4 how id hashes are made and
 *                       the key check ({@link #settingsDigest}); a damaged setting is refused
 *                       rather than used by the next forget
 * @param dataset        where the training data came from
 * @param encoder        the frozen encoder
 * @param keys           the frozen keys
 * @param privateData    the cached private samples, in chunks
 * @param adapters       one entry per adapter, in index order
 * @param modelDigest    SHA-256 over the encoder fingerprint, the key digest and the adapter digests
 * @param deletions      the deletion log
 * @param training       figures of the training run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        String format,
        int formatVersion,
        long generation,
        String created,
        String updated,
        String legonetVersion,
        Map<String, Object> config,
        int classes,
        String settingsDigest,
        DatasetInfo dataset,
        EncoderEntry encoder,
        KeysEntry keys,
        PrivateEntry privateData,
        List<AdapterEntry> adapters,
        String modelDigest,
        DeletionsEntry deletions,
        Map<String, Object> training) {

    public static final String FORMAT = "legonet-model";
    public static final int VERSION = 4;
    /** The oldest format version this version reads (and writes as {@value #VERSION} at its next commit). */
    public static final int OLDEST_READ = 2;
    /** {@code deletions.id_hash} of a model whose id hashes are keyed ({@link org.legonet.core.IdKey#hashId}). */
    public static final String KEYED = "hmac-sha256";
    /**
     * {@code deletions.id_hash} of a model trained before format version 4: its id hashes are
     * SHA-256 of the salt and the id, which anyone holding the directory can reverse by hashing
     * every possible id, until {@code rekey} rewrites them keyed.
     */
    public static final String UNKEYED = "sha256";
    public static final String FILE = "manifest.json";
    static final String ENCODER_FILE = "encoder.bin";
    static final String KEYS_FILE = "keys.bin";
    static final String LOG_FILE = "deletions.jsonl";

    /** Writes manifests and deletion-log lines; {@link StrictJson} reads them. */
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Where the training data came from.
     *
     * @param spec how to read it again (paths and reader options, as the CLI recorded them), so
     *             that {@code eval} finds the test and forgotten samples without being told
     */
    public record DatasetInfo(String description, @OptionalField String source, String fingerprint, int trainRows,
                              int publicRows, int privateRows, int featureDim, @OptionalField int[] sampleShape,
                              @OptionalField Map<String, Object> spec) {
        public DatasetInfo(String description, String source, String fingerprint, int trainRows, int publicRows,
                           int privateRows, int featureDim, int[] sampleShape) {
            this(description, source, fingerprint, trainRows, publicRows, privateRows, featureDim, sampleShape, null);
        }
    }

    public record EncoderEntry(String spec, int inputDim, int outputDim, String fingerprint, String file,
                               String sha256) {
    }

    public record KeysEntry(int count, int dim, String distance, String digest, String file, String sha256) {
    }

    /**
     * @param rows      private samples ever held: at training time plus those added since (in
     *                  format version 2, at training time only; it had no insertion)
     * @param retained  private samples held now
     * @param chunkRows most rows a chunk holds
     * @param rawFormat {@code u8} when every feature is an integer in 0..255, else {@code f32}
     */
    public record PrivateEntry(int rows, int retained, int chunkRows, String rawFormat, List<ChunkEntry> chunks) {
    }

    public record FileRef(String file, String sha256) {
    }

    /**
     * One chunk of consecutive private rows (training-time rows in ascending id, then added rows in
     * the order added; ids need not ascend across chunks): cached encodings and raw samples.
     */
    public record ChunkEntry(int index, int rows, FileRef encodings, FileRef raw) {
    }

    public record AdapterEntry(int index, int samples, String digest, String sampleSetDigest, long seed, String file,
                               String sha256) {
    }

    /**
     * @param requests changes committed (forgets and insertions)
     * @param samples  samples forgotten in all
     * @param file     the append-only log, one JSON line per change: {@code deletions.jsonl}, or
     *                 {@code deletions.gNNNNNN.jsonl} once {@code rekey} rewrote it (in generation
     *                 NNNNNN)
     * @param bytes    the committed length of the log; anything after it is an uncommitted tail
     * @param salt     hex salt of the id hashes in the log
     * @param sha256   SHA-256 of the committed part of the log (its first {@code bytes} bytes)
     * @param idHash   how the log's id hashes are made: {@value #KEYED} (keyed, with
     *                 {@code key_check}) or {@value #UNKEYED} (a model of format version 2 or 3
     *                 not rekeyed yet, without {@code key_check}); required from version 4,
     *                 absent before
     * @param keyCheck {@link org.legonet.core.IdKey#check} of the model's id key and the salt (32
     *                 hex), exactly when {@code id_hash} is {@value #KEYED}: a wrong key is refused
     *                 when the model is opened
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeletionsEntry(int requests, long samples, String file, long bytes, String salt, String sha256,
                                 @OptionalField String idHash, @OptionalField String keyCheck) {
        /** Whether the log's id hashes are keyed ({@value #KEYED}). */
        public boolean keyed() {
            return KEYED.equals(idHash);
        }

        /** The same entry after a commit of a change: what it describes of the id hashes stays, made explicit from version 4. */
        DeletionsEntry committed(int requests, long samples, long bytes, String sha256) {
            return new DeletionsEntry(requests, samples, file, bytes, salt, sha256, idHash == null ? UNKEYED : idHash,
                    keyCheck);
        }
    }

    byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be written as JSON", e);
        }
    }

    /**
     * Reads and checks a manifest. The format and its version are checked first, so that a
     * manifest of another format or of a newer version is refused as such (not for a field this
     * version does not know). Then every field is bound strictly ({@link StrictJson}: all required,
     * no unknown keys, no coercions) and every value checked ({@link #check}).
     *
     * @param where the file, for messages
     * @throws StoreException one line naming the file and the field
     */
    static Manifest parse(byte[] bytes, String where) {
        JsonNode tree = StrictJson.tree(bytes, where);
        if (!tree.isObject()) {
            throw new StoreException(where + " is not a LegoNet manifest (not a JSON object)");
        }
        JsonNode format = tree.get("format");
        if (format == null || !format.isTextual() || !FORMAT.equals(format.asText())) {
            throw new StoreException(where + " is not a LegoNet manifest (format "
                    + (format == null ? "missing" : "'" + (format.isTextual() ? format.asText() : format.toString()) + "'")
                    + ")");
        }
        JsonNode version = tree.get("format_version");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new StoreException(where + " has no valid format_version (this LegoNet reads format version "
                    + VERSION + ")");
        }
        if (version.asInt() > VERSION) {
            throw new StoreException(where + " has format version " + version.asInt()
                    + "; this LegoNet reads version " + VERSION + " (upgrade LegoNet)");
        }
        if (version.asInt() < OLDEST_READ) {
            throw new StoreException(where + " has format version " + version.asInt()
                    + ", which this LegoNet does not read (it reads versions " + OLDEST_READ + " to " + VERSION
                    + "; version 1 was written by LegoNet 0.1.0 before its manifest was made strict: train the model again)");
        }
        Manifest m = StrictJson.bind(tree, Manifest.class, where);
        m.check(where);
        return m;
    }

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern ADAPTER_FILE = Pattern.compile("adapters/adapter-(\\d{5,})\\.g(\\d{6,})\\.bin");
    private static final Pattern CHUNK_FILE = Pattern.compile("data/(enc|raw)-(\\d{5,})\\.g(\\d{6,})\\.bin");
    private static final Pattern REKEYED_LOG_FILE = Pattern.compile("deletions\\.g(\\d{6,})\\.jsonl");

    /** The name of adapter {@code index}'s file as of {@code generation}. */
    static String adapterFile(int index, long generation) {
        return String.format(Locale.ROOT, "adapters/adapter-%05d.g%06d.bin", index, generation);
    }

    /** The name of the deletion log {@code rekey} writes in {@code generation}. */
    static String rekeyedLogFile(long generation) {
        return String.format(Locale.ROOT, "deletions.g%06d.jsonl", generation);
    }

    /** Whether {@code name} is a deletion log's name (a file a model directory may hold at its top). */
    static boolean isLogFile(String name) {
        return LOG_FILE.equals(name) || REKEYED_LOG_FILE.matcher(name).matches();
    }

    /** The name of chunk {@code index}'s encodings ({@code enc}) or raw samples ({@code raw}) as of {@code generation}. */
    static String chunkFile(String kind, int index, long generation) {
        return String.format(Locale.ROOT, "data/%s-%05d.g%06d.bin", kind, index, generation);
    }

    /**
     * Checks every value: counts not negative and consistent, digests and checksums hex of the
     * right length, and file names of the expected form. A file of an adapter or chunk carries the
     * generation that wrote it, which can be no later than the manifest's own: the next commit
     * writes under {@code generation + 1}, so its new names can never collide with a name in use.
     */
    void check(String where) {
        Checker c = new Checker(where);
        c.that(generation >= 0, "generation", "is negative");
        c.present(created, "created");
        c.present(updated, "updated");
        c.present(legonetVersion, "legonet_version");
        c.present(config, "config");
        c.that(classes >= 1, "classes", "must be at least 1");
        c.hex64(settingsDigest, "settings_digest");
        c.present(dataset, "dataset");
        c.present(encoder, "encoder");
        c.present(keys, "keys");
        c.present(privateData, "private_data");
        c.present(adapters, "adapters");
        c.hex64(modelDigest, "model_digest");
        c.present(deletions, "deletions");
        c.present(training, "training");

        c.present(dataset.description(), "dataset.description");
        c.present(dataset.fingerprint(), "dataset.fingerprint");
        c.that(dataset.trainRows() >= 0 && dataset.publicRows() >= 0 && dataset.privateRows() >= 0,
                "dataset", "has a negative row count");
        c.that(dataset.featureDim() >= 1, "dataset.feature_dim", "must be at least 1");
        if (dataset.sampleShape() != null) {
            long size = 1;
            for (int d : dataset.sampleShape()) {
                c.that(d >= 1, "dataset.sample_shape", "has a dimension below 1");
                size *= d;
            }
            c.that(size == dataset.featureDim(), "dataset.sample_shape", "does not multiply to feature_dim");
        }

        c.present(encoder.spec(), "encoder.spec");
        c.that(encoder.inputDim() == dataset.featureDim(), "encoder.input_dim", "differs from dataset.feature_dim");
        c.that(encoder.outputDim() >= 1, "encoder.output_dim", "must be at least 1");
        c.hex64(encoder.fingerprint(), "encoder.fingerprint");
        c.that(ENCODER_FILE.equals(encoder.file()), "encoder.file", "must be " + ENCODER_FILE);
        c.hex64(encoder.sha256(), "encoder.sha256");

        c.that(keys.count() >= 1, "keys.count", "must be at least 1");
        c.that(keys.dim() == encoder.outputDim(), "keys.dim", "differs from encoder.output_dim");
        c.present(keys.distance(), "keys.distance");
        c.hex64(keys.digest(), "keys.digest");
        c.that(KEYS_FILE.equals(keys.file()), "keys.file", "must be " + KEYS_FILE);
        c.hex64(keys.sha256(), "keys.sha256");

        c.that(adapters.size() == keys.count(), "adapters", "lists " + adapters.size() + " adapters for "
                + keys.count() + " keys");
        for (int j = 0; j < adapters.size(); j++) {
            String at = "adapters[" + j + "]";
            AdapterEntry a = adapters.get(j);
            c.present(a, at);
            c.that(a.index() == j, at + ".index", "is " + a.index() + " at position " + j);
            c.that(a.samples() >= 0, at + ".samples", "is negative");
            c.hex64(a.digest(), at + ".digest");
            c.hex64(a.sampleSetDigest(), at + ".sample_set_digest");
            c.file(a.file(), ADAPTER_FILE, at + ".file", j, 1, 2);
            c.hex64(a.sha256(), at + ".sha256");
        }

        PrivateEntry p = privateData;
        c.that(p.rows() >= 0, "private_data.rows", "is negative");
        c.that(p.retained() >= 0 && p.retained() <= p.rows(), "private_data.retained", "is not within 0.." + p.rows());
        c.that(p.chunkRows() >= 1, "private_data.chunk_rows", "must be at least 1");
        c.that("u8".equals(p.rawFormat()) || "f32".equals(p.rawFormat()), "private_data.raw_format",
                "must be u8 or f32");
        c.present(p.chunks(), "private_data.chunks");
        long held = 0;
        for (int i = 0; i < p.chunks().size(); i++) {
            String at = "private_data.chunks[" + i + "]";
            ChunkEntry ch = p.chunks().get(i);
            c.present(ch, at);
            c.that(ch.index() == i, at + ".index", "is " + ch.index() + " at position " + i);
            c.that(ch.rows() >= 0 && ch.rows() <= p.chunkRows(), at + ".rows", "is not within 0.." + p.chunkRows());
            held += ch.rows();
            c.present(ch.encodings(), at + ".encodings");
            c.present(ch.raw(), at + ".raw");
            c.file(ch.encodings().file(), CHUNK_FILE, at + ".encodings.file", i, 2, 3, "enc");
            c.hex64(ch.encodings().sha256(), at + ".encodings.sha256");
            c.file(ch.raw().file(), CHUNK_FILE, at + ".raw.file", i, 2, 3, "raw");
            c.hex64(ch.raw().sha256(), at + ".raw.sha256");
        }
        c.that(held == p.retained(), "private_data.retained", "is " + p.retained() + " but the chunks hold " + held);

        DeletionsEntry d = deletions;
        c.that(d.requests() >= 0, "deletions.requests", "is negative");
        c.that(d.samples() >= 0 && d.samples() == p.rows() - (long) p.retained(), "deletions.samples",
                "is " + d.samples() + " but private_data holds " + (p.rows() - (long) p.retained()) + " fewer samples "
                        + "than at training");
        c.present(d.file(), "deletions.file");
        java.util.regex.Matcher rekeyed = REKEYED_LOG_FILE.matcher(d.file());
        if (formatVersion < 4 || !rekeyed.matches()) {
            c.that(LOG_FILE.equals(d.file()), "deletions.file", "must be " + LOG_FILE);
        } else {
            c.that(number(rekeyed.group(1)) <= generation, "deletions.file", "'" + d.file() + "' was written by a "
                    + "later generation than the manifest's " + generation + " (the manifest is damaged)");
        }
        c.that(d.bytes() >= 0, "deletions.bytes", "is negative");
        c.that(d.salt() != null && HEX32.matcher(d.salt()).matches(), "deletions.salt", "is not 32 hex digits");
        c.hex64(d.sha256(), "deletions.sha256");
        if (formatVersion < 4) {
            c.that(d.idHash() == null, "deletions.id_hash", "is not part of format version " + formatVersion);
            c.that(d.keyCheck() == null, "deletions.key_check", "is not part of format version " + formatVersion);
        } else {
            c.present(d.idHash(), "deletions.id_hash");
            c.that(KEYED.equals(d.idHash()) || UNKEYED.equals(d.idHash()), "deletions.id_hash",
                    "must be " + KEYED + " or " + UNKEYED);
            if (d.keyed()) {
                c.present(d.keyCheck(), "deletions.key_check");
                c.that(HEX32.matcher(d.keyCheck()).matches(), "deletions.key_check", "is not 32 hex digits");
            } else {
                c.that(d.keyCheck() == null, "deletions.key_check", "must be absent when id_hash is " + UNKEYED);
            }
        }
    }

    /**
     * The {@code settings_digest} of a model: SHA-256 over the configuration as this version writes
     * it ({@code ModelConfig.toMap()}, compact JSON), the class count and the deletion-log salt,
     * each followed by a newline but the salt; from format version 4 (an entry with {@code id_hash})
     * then {@code "\nid_hash "} and its value, and for a keyed model {@code "\nkey_check "} and the
     * key check. A damaged or swapped {@code id_hash} or {@code key_check} is refused at open.
     */
    static String settingsDigest(Map<String, Object> canonicalConfig, int classes, DeletionsEntry deletions) {
        try {
            String text = JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(canonicalConfig)
                    + "\n" + classes + "\n" + deletions.salt()
                    + (deletions.idHash() == null ? "" : "\nid_hash " + deletions.idHash())
                    + (deletions.keyCheck() == null ? "" : "\nkey_check " + deletions.keyCheck());
            return org.legonet.core.util.Digests.sha256Hex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("model configuration cannot be written as JSON", e);
        }
    }

    /** A decimal number of a file name; one too large for a long reads as {@link Long#MAX_VALUE}. */
    private static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Collects the first failed check as a one-line {@link StoreException}. */
    private final class Checker {
        private final String where;

        Checker(String where) {
            this.where = where;
        }

        void that(boolean ok, String field, String problem) {
            if (!ok) {
                throw new StoreException(where + ": field " + field + " " + problem);
            }
        }

        void present(Object value, String field) {
            that(value != null, field, "is missing");
        }

        void hex64(String value, String field) {
            present(value, field);
            that(HEX64.matcher(value).matches(), field, "is not a SHA-256 (64 lowercase hex digits)");
        }

        /** A file name of {@code form}, for entry {@code index}, of a generation no later than the manifest's. */
        void file(String name, Pattern form, String field, int index, int indexGroup, int genGroup, String... kind) {
            present(name, field);
            java.util.regex.Matcher m = form.matcher(name);
            that(m.matches() && (kind.length == 0 || m.group(1).equals(kind[0])), field,
                    "'" + name + "' is not a model file name of the expected form");
            that(number(m.group(indexGroup)) == index, field, "'" + name + "' names another entry");
            long g = number(m.group(genGroup));
            that(g <= generation, field, "'" + name + "' was written by generation " + g
                    + ", later than the manifest's generation " + generation + " (the manifest is damaged)");
        }
    }

    /**
     * The manifest of the next generation, written as version {@value #VERSION}: {@code settings_digest}
     * is that of {@code canonicalConfig} (the model's configuration as {@code ModelConfig.toMap()}
     * writes it) with {@code del}, which for a model of an older version now says how its id hashes are made.
     */
    Manifest next(String now, Map<String, Object> canonicalConfig, PrivateEntry priv, List<AdapterEntry> adapterEntries,
                  String digest, DeletionsEntry del) {
        return new Manifest(format, VERSION, generation + 1, created, now, legonetVersion, config, classes,
                settingsDigest(canonicalConfig, classes, del), dataset, encoder, keys, priv,
                new ArrayList<>(adapterEntries), digest, del, training);
    }
}

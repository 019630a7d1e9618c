package org.legonet.core.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json}: the one file that defines a model directory. It names every other file with
 * its SHA-256, and replacing it (atomically) is the commit point of every change. Files it does not
 * name are leftovers of an interrupted change and are deleted when the store is next opened.
 *
 * @param format         always {@value #FORMAT}
 * @param formatVersion  {@value #VERSION}; a newer version is refused with a clear error
 * @param generation     increases by one with every committed change
 * @param created        when the model was trained (ISO-8601)
 * @param updated        when the last change was committed
 * @param legonetVersion the software version that wrote this manifest
 * @param config         the full model configuration ({@link org.legonet.core.model.ModelConfig#toMap()})
 * @param classes        size of the label set
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
        DatasetInfo dataset,
        EncoderEntry encoder,
        KeysEntry keys,
        PrivateEntry privateData,
        List<AdapterEntry> adapters,
        String modelDigest,
        DeletionsEntry deletions,
        Map<String, Object> training) {

    public static final String FORMAT = "legonet-model";
    public static final int VERSION = 1;
    public static final String FILE = "manifest.json";

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Where the training data came from.
     *
     * @param spec how to read it again (paths and reader options, as the CLI recorded them), so
     *             that {@code eval} finds the test and forgotten samples without being told
     */
    public record DatasetInfo(String description, String source, String fingerprint, int trainRows, int publicRows,
                              int privateRows, int featureDim, int[] sampleShape, Map<String, Object> spec) {
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
     * @param rows      private samples at training time
     * @param retained  private samples held now
     * @param chunkRows rows per chunk at training time
     * @param rawFormat {@code u8} when every feature is an integer in 0..255, else {@code f32}
     */
    public record PrivateEntry(int rows, int retained, int chunkRows, String rawFormat, List<ChunkEntry> chunks) {
    }

    public record FileRef(String file, String sha256) {
    }

    /** One chunk of consecutive private samples (ascending id): cached encodings and raw samples. */
    public record ChunkEntry(int index, int rows, FileRef encodings, FileRef raw) {
    }

    public record AdapterEntry(int index, int samples, String digest, String sampleSetDigest, long seed, String file,
                               String sha256) {
    }

    /**
     * @param requests forget requests committed
     * @param samples  samples forgotten in all
     * @param file     the append-only log, one JSON line per request
     * @param bytes    the committed length of the log; anything after it is an uncommitted tail
     * @param salt     hex salt of the id hashes in the log
     */
    public record DeletionsEntry(int requests, long samples, String file, long bytes, String salt) {
    }

    byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be written as JSON", e);
        }
    }

    static Manifest parse(byte[] bytes, String where) {
        Manifest m;
        try {
            m = JSON.readValue(bytes, Manifest.class);
        } catch (java.io.IOException e) {
            throw new StoreException(where + " is not a valid LegoNet manifest: "
                    + e.getMessage().lines().findFirst().orElse("unreadable JSON"));
        }
        if (!FORMAT.equals(m.format())) {
            throw new StoreException(where + " is not a LegoNet manifest (format '" + m.format() + "')");
        }
        if (m.formatVersion() > VERSION) {
            throw new StoreException(where + " has format version " + m.formatVersion()
                    + "; this LegoNet reads version " + VERSION + " (upgrade LegoNet)");
        }
        if (m.config() == null || m.encoder() == null || m.keys() == null || m.privateData() == null
                || m.adapters() == null || m.deletions() == null || m.dataset() == null) {
            throw new StoreException(where + " is incomplete: a required section is missing");
        }
        return m;
    }

    Manifest next(String now, PrivateEntry priv, List<AdapterEntry> adapterEntries, String digest,
                  DeletionsEntry del) {
        return new Manifest(format, formatVersion, generation + 1, created, now, legonetVersion, config, classes,
                dataset, encoder, keys, priv, new ArrayList<>(adapterEntries), digest, del, training);
    }
}

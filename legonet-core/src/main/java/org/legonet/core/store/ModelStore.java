package org.legonet.core.store;

import org.legonet.core.ChangeRecord;

import org.legonet.core.CommitObserver;
import org.legonet.core.IdKey;
import org.legonet.core.IdKeyException;
import org.legonet.core.ModelLockedException;
import org.legonet.core.StoreException;
import org.legonet.core.TargetExistsException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.legonet.core.LegoNetException;
import org.legonet.core.StaleModelException;
import org.legonet.core.Version;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.TrainStats;
import org.legonet.core.model.Trained;
import org.legonet.core.routing.Keys;
import org.legonet.core.util.Digests;
import org.legonet.core.util.RowsFingerprint;
import org.legonet.core.Progress;

/**
 * A model directory: the manifest, the frozen encoder and keys, one weight file per adapter, the
 * private samples in chunks (raw features for {@code verify}, cached encodings and routes for
 * retraining) and the deletion log.
 *
 * <pre>
 * manifest.json                     the commit point; names every file below with its SHA-256
 * encoder.bin, keys.bin             frozen at training time
 * adapters/adapter-00042.g000003.bin  adapter 42 as of generation 3
 * data/enc-00007.g000003.bin        chunk 7: ids, labels, routes, encodings
 * data/raw-00007.g000003.bin        chunk 7: ids, labels, raw features
 * deletions.jsonl                   one JSON line per committed change (keyed hashes of forgotten ids, counts)
 * .lock                             held by the one writer
 * </pre>
 *
 * <p>Every change writes new files under new names, forces them to disk, then replaces
 * {@code manifest.json} atomically, then deletes the files it replaced. A crash before the
 * manifest switch leaves the old model; after it, the new one; leftovers (including superseded
 * chunks that still hold forgotten samples) are deleted the next time a writer opens the store.
 *
 * <p><b>New names never collide.</b> An adapter or chunk file carries the generation that wrote
 * it, and a commit writes under the manifest's generation plus one. Opening refuses a manifest
 * that names a file of a later generation than its own (a damaged manifest), a commit refuses to
 * write under a name the manifest uses, and the cleanup after the switch deletes only files the new
 * manifest does not name: no commit overwrites or deletes a file the model needs.
 *
 * <p><b>Readers and commits.</b> Readers take no lock, and a commit deletes the files it
 * superseded right after the manifest switch: the forgotten samples' raw rows and encodings must be
 * gone when the forget completes, so no superseded data file is kept for readers. Instead a reader
 * that finds a file of its generation missing (or otherwise unreadable) reads {@code manifest.json}
 * again; if a commit has replaced it, the reader loads the newer generation from the start, up to
 * {@value #READ_ATTEMPTS} times, and reports damage only under an unchanged manifest. So a
 * read-only {@link #open} returns one whole generation (its model digest is that manifest's), and
 * {@link #readRaw} on a read-only store whose generation was superseded since it opened moves the
 * store to the newest generation before reading. The writer holds the lock and needs none of this.
 */
public final class ModelStore implements AutoCloseable {
    /** Rows per data chunk: a forget rewrites only the chunks that held the forgotten samples. */
    public static final int CHUNK_ROWS = 1024;
    private static final String ENCODER_FILE = Manifest.ENCODER_FILE;
    private static final String KEYS_FILE = Manifest.KEYS_FILE;
    private static final String LOG_FILE = Manifest.LOG_FILE;
    /** How often a reader loads the model again when commits keep superseding what it reads. */
    static final int READ_ATTEMPTS = 10;
    private static final String LOCK_FILE = ".lock";
    private static final com.fasterxml.jackson.databind.ObjectWriter LOG_WRITER =
            Manifest.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    /** The model's id key, or null: without it the store reads, verifies and audits, but hashes no id. */
    private final IdKey idKey;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Manifest manifest;
    /** The bytes {@link #manifest} was read from (or written as): a reader compares them with the file's. */
    private byte[] manifestBytes;
    private LegoNetModel model;
    private PrivateSet data;
    /** Row (in {@link #data}) where each chunk starts; one more entry for the end. */
    private int[] chunkStart;
    private Set<String> forgottenHashes;
    /** SHA-256 state after the committed part of the deletion log: a commit extends it by its line. */
    private MessageDigest logDigest;
    private volatile CommitObserver observer = CommitObserver.NONE;
    private boolean closed;
    /** Encoders of older generations a reader moved past; closed with the store. */
    private final List<Encoder> superseded = new ArrayList<>();

    private ModelStore(Path dir, IdKey idKey, FileChannel lockChannel, FileLock lock, Snapshot snap) {
        this.dir = dir;
        this.idKey = idKey;
        this.lockChannel = lockChannel;
        this.lock = lock;
        use(snap);
    }

    private void use(Snapshot snap) {
        checkKey(dir, snap.manifest(), idKey);
        this.manifest = snap.manifest();
        this.manifestBytes = snap.manifestBytes();
        this.model = snap.model();
        this.data = snap.data();
        this.chunkStart = snap.chunkStart();
        this.forgottenHashes = snap.forgottenHashes();
        this.logDigest = snap.logDigest();
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** The current model (an immutable snapshot). */
    public LegoNetModel model() {
        return model;
    }

    /** The retained private samples as adapters see them. */
    public PrivateSet data() {
        return data;
    }

    public boolean writable() {
        return lock != null;
    }

    // ------------------------------------------------------------------------------------------
    // Creating a store

    /**
     * Writes a trained model to {@code dir}, atomically: everything goes to a sibling temporary
     * directory that is renamed into place at the end. An existing {@code dir} is replaced only when
     * {@code replace} is set and it is a LegoNet model directory (or empty).
     *
     * <p>The model may have been updated in memory since training (rows forgotten, rows added): the
     * retained rows are written, in row order, and the new directory starts with an empty log
     * holding them all ({@code private_data.rows} = the retained samples). {@code trained.privateRaw()}
     * holds the raw samples either of every row of {@code trained.data()} (forgotten rows included,
     * their content ignored) or of the retained rows only, in row order.
     *
     * <p>The steps are those of a {@link Creation}: the chunks ({@link #writeNewChunk}), then
     * {@link Creation#finish}. A cluster engine takes the same steps with the chunks written where
     * its data lives.
     *
     * @param idKey the key of the model's id hashes ({@link IdKey}), kept outside the directory:
     *              the manifest records only its check
     */
    public static void create(Path dir, Trained trained, Manifest.DatasetInfo dataset, IdKey idKey, boolean replace,
                              Progress progress) {
        try (Creation creation = begin(dir, replace)) {
            LegoNetModel model = trained.model();
            PrivateSet data = trained.data();
            int[] kept = data.retainedRows();
            Dataset raw = retainedRaw(trained.privateRaw(), data, kept);
            int chunks = (kept.length + CHUNK_ROWS - 1) / CHUNK_ROWS;
            progress.start("write model to " + creation.target().getFileName(), model.adapterCount() + chunks + 2L);
            boolean u8 = isByteValued(raw);
            int in = raw.dim();
            int dim = data.dim();
            int k = data.k();
            List<Manifest.ChunkEntry> chunkEntries = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                int from = c * CHUNK_ROWS;
                int n = Math.min(kept.length, from + CHUNK_ROWS) - from;
                long[] ids = new long[n];
                int[] labels = new int[n];
                float[] features = new float[Math.multiplyExact(n, in)];
                int[] routes = new int[Math.multiplyExact(n, k)];
                float[] enc = new float[Math.multiplyExact(n, dim)];
                for (int i = 0; i < n; i++) {
                    int r = kept[from + i];
                    ids[i] = data.id(r);
                    labels[i] = data.label(r);
                    raw.copyRow(from + i, features, i * in);
                    System.arraycopy(data.route(r), 0, routes, i * k, k);
                    data.copyEncoding(r, enc, i * dim);
                }
                chunkEntries.add(writeNewChunk(creation.staging(), c, ids, labels, features, in, u8, routes, k, enc,
                        dim));
                progress.step(1);
            }
            creation.finish(model, new Manifest.PrivateEntry(kept.length, kept.length, CHUNK_ROWS, u8 ? "u8" : "f32",
                    chunkEntries), dataset, trained.stats(), idKey, progress);
            progress.finish();
        }
    }

    /**
     * Starts writing a new model directory: checks {@code dir} ({@link #checkTarget}) and creates
     * the sibling temporary directory ({@code DIR.tmp-NONCE}, with {@code adapters/} and
     * {@code data/}) into which {@link #writeNewChunk} writes the chunks and {@link Creation#finish}
     * the rest. Closing a creation that did not finish deletes the temporary directory: nothing
     * half-written is left.
     */
    public static Creation begin(Path dir, boolean replace) {
        Path target = dir.toAbsolutePath().normalize();
        checkTarget(target, replace);
        String nonce = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + nonce);
        try {
            Files.createDirectories(tmp.resolve("adapters"));
            Files.createDirectories(tmp.resolve("data"));
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new StoreException("cannot write the model to " + target + ": " + e.getMessage(), e);
        }
        return new Creation(target, tmp, nonce);
    }

    /**
     * A new model directory being written ({@link #begin}): first the private chunks, by
     * {@link #writeNewChunk} into {@link #staging()} (on this machine or, for a cluster engine, by
     * its tasks on a file system they share with it), then {@link #finish}, which writes the
     * encoder, the keys, the adapters, the empty deletion log and the manifest last, and moves the
     * directory into place.
     */
    public static final class Creation implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final String nonce;
        private boolean done;

        private Creation(Path target, Path tmp, String nonce) {
            this.target = target;
            this.tmp = tmp;
            this.nonce = nonce;
        }

        /** The directory the model is moved to by {@link #finish}. */
        public Path target() {
            return target;
        }

        /** The temporary directory the model is written into (chunks go to its {@code data/}). */
        public Path staging() {
            return tmp;
        }

        /**
         * Writes the rest of the model next to the chunks {@code privateData} lists (written by
         * {@link #writeNewChunk} into {@link #staging()}), forces everything to disk, and moves the
         * directory into place (replacing an existing model directory if {@link #begin} was asked
         * to). Files under {@code adapters/} and {@code data/} that the manifest does not name (left
         * by a chunk writer that was stopped and run again) are deleted first. Steps
         * {@code progress} once per adapter and twice for the encoder and keys. The id hashes of
         * the new model are keyed with {@code idKey}; the manifest records its check with a new salt.
         */
        public void finish(LegoNetModel model, Manifest.PrivateEntry privateData, Manifest.DatasetInfo dataset,
                           TrainStats stats, IdKey idKey, Progress progress) {
            if (done) {
                throw new IllegalStateException("the model was written already");
            }
            java.util.Objects.requireNonNull(idKey, "idKey");
            try {
                Encoder enc = model.encoder();
                byte[] encFile = BinFile.wrap(BinFile.ENCODER, enc.state());
                AtomicFiles.writeDurable(tmp.resolve(ENCODER_FILE), encFile);
                Manifest.EncoderEntry encoderEntry = new Manifest.EncoderEntry(enc.spec(), enc.inputDim(),
                        enc.outputDim(), model.encoderFingerprint(), ENCODER_FILE, BinFile.sha256(encFile));
                Keys keys = model.keys();
                byte[] keysFile = BinFile.wrap(BinFile.KEYS, keys.toBytes());
                AtomicFiles.writeDurable(tmp.resolve(KEYS_FILE), keysFile);
                Manifest.KeysEntry keysEntry = new Manifest.KeysEntry(keys.count(), keys.dim(),
                        keys.distance().label(), keys.digest(), KEYS_FILE, BinFile.sha256(keysFile));
                progress.step(2);

                List<Manifest.AdapterEntry> adapters = new ArrayList<>();
                for (int j = 0; j < model.adapterCount(); j++) {
                    adapters.add(writeAdapter(tmp, model.adapter(j), 0));
                    progress.step(1);
                }
                Files.write(tmp.resolve(LOG_FILE), new byte[0]);
                String now = now();
                String salt = newSalt();
                Manifest.DeletionsEntry deletions = new Manifest.DeletionsEntry(0, 0, LOG_FILE, 0, salt,
                        Digests.hex(Digests.sha256().digest()), Manifest.KEYED, idKey.check(salt));
                Manifest manifest = new Manifest(Manifest.FORMAT, Manifest.VERSION, 0, now, now, Version.VERSION,
                        model.config().toMap(), model.classes(),
                        Manifest.settingsDigest(model.config().toMap(), model.classes(), deletions), dataset,
                        encoderEntry, keysEntry, privateData, adapters, model.digest(), deletions, stats.toMap());
                byte[] manifestBytes = manifest.toBytes();
                // the same checks as every open: a wrong chunk list fails here, before anything is installed
                Manifest.parse(manifestBytes, tmp.resolve(Manifest.FILE).toString());
                removeUnreferenced(tmp, manifest);
                AtomicFiles.writeDurable(tmp.resolve(Manifest.FILE), manifestBytes);
                AtomicFiles.syncDirectory(tmp.resolve("adapters"));
                AtomicFiles.syncDirectory(tmp.resolve("data"));
                AtomicFiles.syncDirectory(tmp);
                install(tmp, target, nonce);
                done = true;
            } catch (IOException e) {
                throw new StoreException("cannot write the model to " + target + ": " + e.getMessage(), e);
            }
        }

        /** Deletes the temporary directory unless {@link #finish} moved it into place. */
        @Override
        public void close() {
            if (!done) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Writes chunk {@code index} of a new model (generation 0) into {@code staging}'s {@code data/}
     * directory: the encodings file (ids, labels, routes, encodings) and the raw file (ids, labels,
     * features), each forced to disk, and returns the manifest's entry for them. The rows are the
     * chunk's consecutive rows in storage order. Each file is written under a temporary name and
     * renamed, so a writer run twice (a retried or speculative cluster task) leaves the same whole
     * files; what the manifest does not name is deleted by {@link Creation#finish}.
     *
     * @param features {@code ids.length * inputDim} raw features
     * @param u8       store the features as bytes (every feature of the whole model an integer in
     *                 0..255, see {@link #allByteValued}), else as float32
     * @param routes   {@code ids.length * k} adapter indices
     * @param encodings {@code ids.length * dim} encodings
     * @throws StoreException when a file cannot be written
     */
    public static Manifest.ChunkEntry writeNewChunk(Path staging, int index, long[] ids, int[] labels,
                                                    float[] features, int inputDim, boolean u8, int[] routes, int k,
                                                    float[] encodings, int dim) {
        if (u8 && !allByteValued(features)) {
            throw new IllegalArgumentException("chunk " + index + " has a feature that is not an integer in 0..255");
        }
        try {
            return writeChunkFiles(staging, index, 0, ids, labels, routes, k, encodings, dim,
                    RawChunk.encode(ids, labels, features, inputDim, u8), true);
        } catch (IOException e) {
            throw new StoreException("cannot write chunk " + index + " to " + staging + ": " + e.getMessage(), e);
        }
    }

    /**
     * The fingerprint of the private samples a new model's chunks hold ({@link #writeNewChunk}, in
     * {@code staging}), read back from their raw files, each checked against its entry: equal to
     * {@code Dataset.fingerprint()} of those samples in row order, which is what the manifest's
     * {@code dataset.fingerprint} records, computed one chunk at a time (every raw file is read
     * twice: once for ids and labels, once for the features).
     */
    public static String rawFingerprint(Path staging, List<Manifest.ChunkEntry> chunks, int inputDim,
                                        int[] sampleShape, boolean u8) {
        long total = 0;
        for (Manifest.ChunkEntry c : chunks) {
            total += c.rows();
        }
        RowsFingerprint f = new RowsFingerprint(Math.toIntExact(total), sampleShape);
        for (Manifest.ChunkEntry c : chunks) {
            RawChunk rc = readRawChunk(staging, c, inputDim, u8);
            for (int r = 0; r < rc.rows; r++) {
                f.row(rc.id(r), rc.label(r));
            }
        }
        for (Manifest.ChunkEntry c : chunks) {
            RawChunk rc = readRawChunk(staging, c, inputDim, u8);
            float[] x = new float[Math.multiplyExact(rc.rows, inputDim)];
            rc.features(x, 0);
            f.features(x, 0, x.length);
        }
        return f.finish();
    }

    /** Deletes the files under {@code adapters/} and {@code data/} of {@code root} that {@code m} does not name. */
    private static void removeUnreferenced(Path root, Manifest m) throws IOException {
        Set<String> referenced = referenced(m);
        boolean removed = false;
        for (String sub : List.of("adapters", "data")) {
            Path d = root.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    if (!referenced.contains(sub + "/" + p.getFileName())) {
                        Files.deleteIfExists(p);
                        removed = true;
                    }
                }
            }
            if (removed) {
                AtomicFiles.syncDirectory(d);
            }
        }
    }

    /** Fails early, before any training, when {@code dir} cannot receive a new model. */
    public static void checkTarget(Path dir, boolean replace) {
        Path target = dir.toAbsolutePath().normalize();
        if (target.getParent() == null) {
            throw new StoreException("cannot use " + target + " as a model directory");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new StoreException(target + " exists and is not a directory");
            }
            boolean empty;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target)) {
                empty = !ds.iterator().hasNext();
            } catch (IOException e) {
                throw new StoreException("cannot read " + target + ": " + e.getMessage(), e);
            }
            if (!empty && !replace) {
                throw new TargetExistsException(target);
            }
            if (!empty && !Files.exists(target.resolve(Manifest.FILE))) {
                throw new StoreException(target + " is not empty and is not a LegoNet model directory; refusing to replace it");
            }
        } else if (target.getParent() != null && Files.exists(target.getParent()) && !Files.isWritable(target.getParent())) {
            throw new StoreException("cannot create " + target + ": " + target.getParent() + " is not writable");
        }
    }

    private static void install(Path tmp, Path target, String nonce) throws IOException {
        if (Files.exists(target)) {
            Path old = target.resolveSibling(target.getFileName() + ".old-" + nonce);
            // holding the lock proves no other writer is using the directory while it is swapped
            try (FileChannel ch = FileChannel.open(target.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock held = tryLock(ch, target);
                try {
                    AtomicFiles.move(target, old);
                } finally {
                    held.release();
                }
            }
            AtomicFiles.move(tmp, target);
            AtomicFiles.syncDirectory(target.getParent());
            AtomicFiles.deleteTree(old);
        } else {
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            AtomicFiles.move(tmp, target);
        }
        AtomicFiles.syncDirectory(target.getParent());
    }

    private static void deleteQuietly(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless and named as such
        }
    }

    /** The raw samples of the rows {@code kept} of {@code data}, in that order, checked against it. */
    private static Dataset retainedRaw(Dataset raw, PrivateSet data, int[] kept) {
        Dataset out;
        if (raw.size() == kept.length) {
            out = raw;
        } else if (raw.size() == data.rows()) {
            out = raw.select(kept, raw.name());
        } else {
            throw new IllegalArgumentException(raw.size() + " raw private samples for " + data.rows() + " rows of which "
                    + kept.length + " are retained");
        }
        for (int i = 0; i < kept.length; i++) {
            if (out.id(i) != data.id(kept[i]) || out.label(i) != data.label(kept[i])) {
                throw new IllegalArgumentException("raw private sample " + i + " (id " + out.id(i)
                        + ") is not the sample of row " + kept[i] + " (id " + data.id(kept[i]) + ")");
            }
        }
        return out;
    }

    private static boolean isByteValued(Dataset raw) {
        return firstNotByteValued(raw) < 0;
    }

    /** The first row with a feature that is not an integer in 0..255 (stored exactly as one byte), or -1. */
    private static int firstNotByteValued(Dataset raw) {
        for (int r = 0; r < raw.size(); r++) {
            for (int c = 0; c < raw.dim(); c++) {
                if (!byteValued(raw.feature(r, c))) {
                    return r;
                }
            }
        }
        return -1;
    }

    /**
     * Whether every value is an integer in 0..255 (and not -0.0), stored exactly as one byte: a new
     * model's raw format is {@code u8} when this holds for every training feature, else {@code f32}.
     */
    public static boolean allByteValued(float[] features) {
        for (float v : features) {
            if (!byteValued(v)) {
                return false;
            }
        }
        return true;
    }

    private static boolean byteValued(float v) {
        return v >= 0 && v <= 255 && v == Math.rint(v) && Float.floatToRawIntBits(v) != 0x80000000;
    }

    /**
     * Refuses samples this store cannot keep exactly: in a store whose raw format is {@code u8}
     * (every training feature an integer in 0..255), a sample with any other feature value. Nothing
     * is written; callers may check before computing an update.
     *
     * @throws LegoNetException one line naming the first such sample's id
     */
    public void checkStorable(Dataset samples) {
        if (!"u8".equals(manifest.privateData().rawFormat())) {
            return;
        }
        int r = firstNotByteValued(samples);
        if (r >= 0) {
            throw new LegoNetException("sample id " + samples.id(r) + " has a feature that is not an integer in 0..255; "
                    + "this model stores its raw samples as bytes (raw format u8) and cannot keep it exactly; "
                    + "nothing was changed");
        }
    }

    /** The raw-chunk payload of {@code rows} of {@code raw}, in that order. */
    private static byte[] rawRows(Dataset raw, int[] rows, boolean u8) {
        long[] ids = new long[rows.length];
        int[] labels = new int[rows.length];
        float[] features = new float[rows.length * raw.dim()];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = raw.id(rows[i]);
            labels[i] = raw.label(rows[i]);
            raw.copyRow(rows[i], features, i * raw.dim());
        }
        return RawChunk.encode(ids, labels, features, raw.dim(), u8);
    }

    private static Manifest.AdapterEntry writeAdapter(Path root, Adapter a, long generation) throws IOException {
        String name = Manifest.adapterFile(a.index(), generation);
        byte[] file = BinFile.wrap(BinFile.ADAPTER, a.toBytes());
        AtomicFiles.writeDurable(root.resolve(name), file);
        return new Manifest.AdapterEntry(a.index(), a.samples(), a.digest(), a.sampleSetDigest(), a.seed(), name,
                BinFile.sha256(file));
    }

    /**
     * Writes chunk {@code c}: the cached encodings and routes of {@code rows} of {@code data}, and
     * the raw-samples payload of the same rows.
     */
    private static Manifest.ChunkEntry writeChunk(Path root, int c, long generation, PrivateSet data, int[] rows,
                                                  byte[] rawPayload) throws IOException {
        int dim = data.dim();
        int k = data.k();
        int n = rows.length;
        long[] ids = new long[n];
        int[] labels = new int[n];
        int[] routes = new int[Math.multiplyExact(n, k)];
        float[] enc = new float[Math.multiplyExact(n, dim)];
        for (int i = 0; i < n; i++) {
            ids[i] = data.id(rows[i]);
            labels[i] = data.label(rows[i]);
            System.arraycopy(data.route(rows[i]), 0, routes, i * k, k);
            data.copyEncoding(rows[i], enc, i * dim);
        }
        return writeChunkFiles(root, c, generation, ids, labels, routes, k, enc, dim, rawPayload, false);
    }

    /**
     * Writes the two files of chunk {@code c} of {@code generation}: the encodings file (rows,
     * dim, k; ids, labels, routes, encodings) and the raw file holding {@code rawPayload}, each
     * forced to disk; {@code viaRename} writes each under a temporary name first.
     */
    private static Manifest.ChunkEntry writeChunkFiles(Path root, int c, long generation, long[] ids, int[] labels,
                                                       int[] routes, int k, float[] enc, int dim, byte[] rawPayload,
                                                       boolean viaRename) throws IOException {
        int n = ids.length;
        ByteBuffer e = ByteBuffer.allocate(12 + n * (12 + 4 * k + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(n).putInt(dim).putInt(k);
        for (long id : ids) {
            e.putLong(id);
        }
        for (int label : labels) {
            e.putInt(label);
        }
        for (int a : routes) {
            e.putInt(a);
        }
        e.asFloatBuffer().put(enc);
        String encName = Manifest.chunkFile("enc", c, generation);
        byte[] encFile = BinFile.wrap(BinFile.ENCODINGS, e.array());
        writeFile(root.resolve(encName), encFile, viaRename);

        String rawName = Manifest.chunkFile("raw", c, generation);
        byte[] rawFile = BinFile.wrap(BinFile.RAW, rawPayload);
        writeFile(root.resolve(rawName), rawFile, viaRename);
        return new Manifest.ChunkEntry(c, n, new Manifest.FileRef(encName, BinFile.sha256(encFile)),
                new Manifest.FileRef(rawName, BinFile.sha256(rawFile)));
    }

    private static void writeFile(Path file, byte[] bytes, boolean viaRename) throws IOException {
        if (!viaRename) {
            AtomicFiles.writeDurable(file, bytes);
            return;
        }
        String nonce = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + nonce);
        try {
            AtomicFiles.writeDurable(tmp, bytes);
            AtomicFiles.move(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Opening a store

    /**
     * Opens a model directory, checking the manifest strictly ({@link Manifest#parse}) and every
     * file it loads against it. A writer ({@code write}) takes the directory's lock, fails if
     * another process holds it, and then removes what an interrupted change left behind. A reader
     * that a concurrent commit overtakes reads the newer generation (see the class comment).
     */
    public static ModelStore open(Path dir, boolean write) {
        return open(dir, write, null);
    }

    /**
     * Opens a model directory as {@link #open(Path, boolean)} does, with the key of its id hashes
     * ({@code null}: none). A key is checked against the manifest's key check at once: a wrong key
     * is an {@link IdKeyException}. Without a key the store reads, verifies and audits; hashing an
     * id ({@link #hashId(long)}, {@link #wasForgotten}, a commit that forgets or adds) needs it. A
     * model whose id hashes are not keyed ({@link #keyedIdHashes()} false) ignores the key.
     */
    public static ModelStore open(Path dir, boolean write, IdKey idKey) {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new StoreException("model directory " + root + " does not exist");
        }
        if (!Files.exists(root.resolve(Manifest.FILE))) {
            throw new StoreException(root + " is not a LegoNet model directory (no " + Manifest.FILE + ")");
        }
        FileChannel ch = null;
        FileLock lock = null;
        if (write) {
            try {
                ch = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                lock = tryLock(ch, root);
            } catch (StoreException e) {
                closeQuietly(ch);
                throw e;
            } catch (IOException e) {
                closeQuietly(ch);
                throw new StoreException("cannot lock " + root + ": " + e.getMessage(), e);
            }
        }
        try {
            Snapshot snap = snapshot(root, !write);
            try {
                if (write) {
                    recover(root, snap.manifest());
                }
                return new ModelStore(root, idKey, ch, lock, snap);
            } catch (IOException | RuntimeException e) {
                snap.model().encoder().close(); // the store was never made, so nobody else will close it
                throw e;
            }
        } catch (IOException e) {
            releaseQuietly(lock, ch);
            throw new StoreException("cannot read " + root + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            releaseQuietly(lock, ch);
            throw e;
        }
    }

    /** One generation of the store, fully read and checked. */
    private record Snapshot(byte[] manifestBytes, Manifest manifest, LegoNetModel model, PrivateSet data,
                            int[] chunkStart, Set<String> forgottenHashes, MessageDigest logDigest) {
    }

    private static byte[] readManifest(Path root) {
        try {
            return Files.readAllBytes(root.resolve(Manifest.FILE));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new StoreException(root + " is not a LegoNet model directory (no " + Manifest.FILE + ")");
        } catch (IOException e) {
            throw new StoreException("cannot read " + root.resolve(Manifest.FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the manifest and everything it names. A {@code reader} that fails while a commit has
     * replaced the manifest (a file it needed was superseded and deleted) reads the newer
     * generation instead, up to {@link #READ_ATTEMPTS} times; a failure under an unchanged manifest
     * is damage and is reported at once.
     */
    private static Snapshot snapshot(Path root, boolean reader) {
        byte[] mbytes = readManifest(root);
        for (int attempt = 1; ; attempt++) {
            try {
                Manifest m = Manifest.parse(mbytes, root.resolve(Manifest.FILE).toString());
                Loaded l = load(root, m);
                Log log;
                try {
                    log = readLog(root, m);
                } catch (RuntimeException e) {
                    l.model.encoder().close();
                    throw e;
                }
                // read by validating threads while a commit adds to it (a service validates requests as they arrive)
                Set<String> forgotten = java.util.concurrent.ConcurrentHashMap.newKeySet();
                for (ChangeRecord r : log.records()) {
                    forgotten.addAll(r.idHashes());
                }
                return new Snapshot(mbytes, m, l.model, l.data, l.chunkStart, forgotten, log.digest());
            } catch (StoreException e) {
                if (!reader) {
                    throw e;
                }
                byte[] now = readManifest(root);
                if (Arrays.equals(now, mbytes)) {
                    throw e;
                }
                if (attempt == READ_ATTEMPTS) {
                    throw new StoreException(e.getMessage() + " (commits replaced the model " + attempt
                            + " times while it was being read; try again)", e);
                }
                mbytes = now;
            }
        }
    }

    private static FileLock tryLock(FileChannel ch, Path root) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new ModelLockedException(root);
        }
        return lock;
    }

    private record Loaded(LegoNetModel model, PrivateSet data, int[] chunkStart) {
    }

    private static Loaded load(Path root, Manifest m) {
        try {
            return loadChecked(root, m);
        } catch (StoreException e) {
            throw e;
        } catch (LegoNetException e) {
            // a file or setting that passed its checksum but not its reader: the manifest was made to fit it
            throw new StoreException(root + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model configuration of a manifest, refused unless it is exactly what this version writes
     * for it: no missing, unknown or reinterpreted setting can change how a later forget retrains.
     */
    /**
     * Settings of {@link ModelConfig#toMap} written only when they are on (route-hiding cover), so
     * that a model without them has the manifest earlier versions wrote and read.
     */
    private static final Set<String> OPTIONAL_CONFIG = Set.of("cover");

    private static ModelConfig config(Path root, Manifest m) {
        Path where = root.resolve(Manifest.FILE);
        Map<String, Object> defaults = ModelConfig.defaults().toMap();
        Set<String> known = defaults.keySet();
        for (String name : known) {
            Object v = m.config().get(name);
            if (v == null) {
                throw new StoreException(where + ": field config." + name + " is missing");
            }
            Object d = defaults.get(name);
            String type = d instanceof Number ? "a number" : d instanceof Boolean ? "true or false" : "a string";
            if (d instanceof Number ? !(v instanceof Number) : d.getClass() != v.getClass()) {
                throw new StoreException(where + ": field config." + name + " must be " + type);
            }
        }
        for (String name : m.config().keySet()) {
            if (!known.contains(name) && !OPTIONAL_CONFIG.contains(name)) {
                throw new StoreException(where + ": unknown field '" + name + "' in config");
            }
            if (OPTIONAL_CONFIG.contains(name) && !(m.config().get(name) instanceof Number)) {
                throw new StoreException(where + ": field config." + name + " must be a number");
            }
        }
        ModelConfig config;
        try {
            config = ModelConfig.fromMap(m.config());
        } catch (LegoNetException e) {
            throw new StoreException(where + ": field config is invalid: " + e.getMessage(), e);
        }
        Map<String, Object> canonical = config.toMap();
        for (String name : known) {
            String stored = jsonText(m.config().get(name));
            if (!stored.equals(jsonText(canonical.get(name)))) {
                throw new StoreException(where + ": field config." + name + " is invalid (" + stored + ")");
            }
        }
        for (String name : OPTIONAL_CONFIG) {
            Object stored = m.config().get(name);
            if (stored != null && !jsonText(stored).equals(jsonText(canonical.get(name)))) {
                // e.g. "cover": 0, which this version never writes (cover off leaves the field out)
                throw new StoreException(where + ": field config." + name + " is invalid (" + jsonText(stored) + ")");
            }
        }
        if (config.adapters() != m.keys().count()) {
            throw new StoreException(where + ": field config.adapters is " + config.adapters() + " but there are "
                    + m.keys().count() + " keys");
        }
        if (!Manifest.settingsDigest(canonical, m.classes(), m.deletions()).equals(m.settingsDigest())) {
            throw new StoreException(where + ": the configuration, class count, deletion-log salt, id_hash or "
                    + "key_check is damaged (field settings_digest does not match them)");
        }
        return config;
    }

    private static String jsonText(Object value) {
        try {
            return Manifest.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    private static Loaded loadChecked(Path root, Manifest m) {
        ModelConfig config = config(root, m);
        Manifest.EncoderEntry ee = m.encoder();
        byte[] state = BinFile.read(root, ee.file(), BinFile.ENCODER, ee.sha256());
        Encoder encoder = Encoders.restore(ee.spec(), ee.inputDim(), state);
        try {
            return load(root, m, config, encoder);
        } catch (RuntimeException | Error e) {
            encoder.close();
            throw e;
        }
    }

    private static Loaded load(Path root, Manifest m, ModelConfig config, Encoder encoder) {
        Manifest.EncoderEntry ee = m.encoder();
        // hashed once here; every later snapshot of this model carries it
        String fingerprint = encoder.fingerprint();
        if (!fingerprint.equals(ee.fingerprint())) {
            throw new StoreException("encoder in " + root + " does not match its fingerprint in the manifest");
        }
        if (encoder.outputDim() != ee.outputDim()) {
            throw new StoreException("encoder in " + root + " gives " + encoder.outputDim()
                    + " values per sample, the manifest says " + ee.outputDim());
        }
        Keys keys = Keys.fromBytes(BinFile.read(root, m.keys().file(), BinFile.KEYS, m.keys().sha256()));
        if (!keys.digest().equals(m.keys().digest())) {
            throw new StoreException("keys in " + root + " do not match their digest in the manifest");
        }
        if (!keys.distance().label().equals(m.keys().distance()) || keys.distance() != config.distance()) {
            throw new StoreException("keys in " + root + " use " + keys.distance().label() + " distance, the manifest "
                    + m.keys().distance());
        }
        if (m.adapters().size() != keys.count() || keys.dim() != encoder.outputDim()) {
            throw new StoreException(root + ": manifest lists " + m.adapters().size() + " adapters for " + keys.count()
                    + " keys of dimension " + keys.dim());
        }
        Adapter[] adapters = new Adapter[keys.count()];
        for (Manifest.AdapterEntry e : m.adapters()) {
            if (e.index() < 0 || e.index() >= adapters.length || adapters[e.index()] != null) {
                throw new StoreException(root + ": manifest has a bad adapter index " + e.index());
            }
            Adapter a = Adapter.fromBytes(BinFile.read(root, e.file(), BinFile.ADAPTER, e.sha256()), e.file());
            if (!a.digest().equals(e.digest()) || a.index() != e.index()) {
                throw new StoreException("adapter file " + e.file() + " does not match its digest in the manifest");
            }
            if (a.seed() != e.seed() || !a.sampleSetDigest().equals(e.sampleSetDigest()) || a.classes() != m.classes()
                    || a.inputDim() != encoder.outputDim()) {
                throw new StoreException("adapter file " + e.file() + " does not match its manifest entry (seed, "
                        + "sample-set digest, classes or input size)");
            }
            adapters[e.index()] = a;
        }
        Manifest.PrivateEntry pe = m.privateData();
        int k = config.activate();
        int dim = encoder.outputDim();
        // read and check every chunk before allocating by the counts it gives
        List<ByteBuffer> payloads = new ArrayList<>();
        long total = 0;
        for (int ci = 0; ci < pe.chunks().size(); ci++) {
            Manifest.ChunkEntry c = pe.chunks().get(ci);
            if (c.index() != ci) {
                throw new StoreException(root + ": manifest lists chunk " + c.index() + " at position " + ci);
            }
            ByteBuffer b = ByteBuffer.wrap(BinFile.read(root, c.encodings().file(), BinFile.ENCODINGS,
                    c.encodings().sha256())).order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < 12) {
                throw new StoreException("chunk file " + c.encodings().file() + " is truncated");
            }
            int rows = b.getInt();
            if (rows != c.rows() || b.getInt() != dim || b.getInt() != k
                    || b.remaining() != (long) rows * (12L + 4L * k + 4L * dim)) {
                throw new StoreException("chunk file " + c.encodings().file() + " does not match the manifest");
            }
            payloads.add(b);
            total += rows;
        }
        int n = (int) total;
        long[] ids = new long[n];
        int[] labels = new int[n];
        int[] routes = new int[Math.multiplyExact(n, k)];
        float[] enc = new float[Math.multiplyExact(n, dim)];
        int[] chunkStart = new int[pe.chunks().size() + 1];
        int at = 0;
        for (int ci = 0; ci < payloads.size(); ci++) {
            ByteBuffer b = payloads.get(ci);
            int rows = pe.chunks().get(ci).rows();
            chunkStart[ci] = at;
            // bulk copies: a one-off command reads these before the JIT has compiled a per-value loop
            b.asLongBuffer().get(ids, at, rows);
            b.position(b.position() + 8 * rows);
            b.asIntBuffer().get(labels, at, rows);
            b.position(b.position() + 4 * rows);
            b.asIntBuffer().get(routes, at * k, rows * k);
            b.position(b.position() + 4 * rows * k);
            b.asFloatBuffer().get(enc, at * dim, rows * dim);
            at += rows;
        }
        chunkStart[pe.chunks().size()] = at;
        PrivateSet data;
        try {
            data = new PrivateSet(ids, labels, enc, dim, routes, k, new BitSet(), keys.count());
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new StoreException(root + ": cached private samples are inconsistent: " + e.getMessage(), e);
        }
        for (int r = 0; r < data.rows(); r++) {
            if (data.label(r) < 0 || data.label(r) >= m.classes()) {
                throw new StoreException(root + ": cached sample " + data.id(r) + " has label " + data.label(r)
                        + ", outside the " + m.classes() + " classes");
            }
        }
        for (Manifest.AdapterEntry e : m.adapters()) {
            if (data.size(e.index()) != e.samples() || adapters[e.index()].samples() != e.samples()) {
                throw new StoreException(root + ": adapter " + e.index() + " was trained on " + e.samples()
                        + " samples but the routing index holds " + data.size(e.index()));
            }
        }
        LegoNetModel model = new LegoNetModel(config, encoder, fingerprint, keys, m.classes(), adapters);
        if (!model.digest().equals(m.modelDigest())) {
            throw new StoreException(root + ": model digest does not match the manifest");
        }
        return new Loaded(model, data, chunkStart);
    }

    /** Removes what an interrupted change left: an uncommitted log tail, unreferenced files. */
    private static void recover(Path root, Manifest m) throws IOException {
        Path log = root.resolve(m.deletions().file());
        if (Files.exists(log) && Files.size(log) > m.deletions().bytes()) {
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.truncate(m.deletions().bytes());
                ch.force(true);
            }
        }
        removeUnreferenced(root, m);
        // a log that rekey superseded, or wrote before it was interrupted
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Manifest.isLogFile(name) && !name.equals(m.deletions().file())) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.deleteIfExists(root.resolve(Manifest.FILE + ".tmp"));
    }

    /**
     * The committed part of the deletion log: the first {@code deletions.bytes} bytes, whole lines,
     * each a strict {@link ChangeRecord} numbered in order, as many as the manifest counts and
     * forgetting as many samples. What follows is an uncommitted tail, ignored here.
     */
    private record Log(List<ChangeRecord> records, MessageDigest digest) {
    }

    private static Log readLog(Path root, Manifest m) {
        Path log = root.resolve(m.deletions().file());
        List<ChangeRecord> out = new ArrayList<>();
        byte[] all;
        try {
            all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        } catch (IOException e) {
            throw new StoreException("cannot read the deletion log " + log + ": " + e.getMessage(), e);
        }
        long committed = m.deletions().bytes();
        if (all.length < committed) {
            throw new StoreException("deletion log " + log + (Files.exists(log) ? " is shorter than the manifest records"
                    : " is missing"));
        }
        MessageDigest md = Digests.sha256();
        md.update(all, 0, (int) committed);
        if (!Digests.hex(cloneOf(md).digest()).equals(m.deletions().sha256())) {
            throw new StoreException("deletion log " + log + " is damaged: its committed part does not match the "
                    + "SHA-256 in the manifest");
        }
        if (committed > 0 && all[(int) committed - 1] != '\n') {
            throw new StoreException("deletion log " + log + " does not end a line where the manifest says it ends");
        }
        long samples = 0;
        int start = 0;
        boolean addedSeen = false;
        for (int i = 0; i < committed; i++) {
            if (all[i] != '\n') {
                continue;
            }
            int line = out.size() + 1;
            String where = "deletion log " + log + " line " + line;
            ChangeRecord r = StrictJson.read(Arrays.copyOfRange(all, start, i), ChangeRecord.class, where);
            if (r.added() != null && m.formatVersion() < 3) {
                throw new StoreException(where + ": field added is not part of format version " + m.formatVersion());
            }
            // lines written by format version 3 carry added; only lines of an older version precede them
            r.check(where, line, addedSeen);
            addedSeen |= r.added() != null;
            samples += r.forgotten();
            out.add(r);
            start = i + 1;
        }
        if (out.size() != m.deletions().requests()) {
            throw new StoreException("deletion log " + log + " holds " + out.size() + " requests, the manifest "
                    + m.deletions().requests());
        }
        if (samples != m.deletions().samples()) {
            throw new StoreException("deletion log " + log + " forgets " + samples + " samples, the manifest "
                    + m.deletions().samples());
        }
        return new Log(out, md);
    }

    private static MessageDigest cloneOf(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 state cannot be copied", e);
        }
    }

    /** The committed deletion log, oldest first. */
    public List<ChangeRecord> deletions() {
        return readLog(dir, manifest).records();
    }

    /** Adapters retrained by any committed change, ascending. */
    public int[] adaptersEverRetrained() {
        TreeSet<Integer> s = new TreeSet<>();
        for (ChangeRecord r : deletions()) {
            s.addAll(r.adaptersRetrained());
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The hash of an id, as the deletion log keeps it: keyed ({@link IdKey#hashId}) under the
     * model's salt, or for a model not yet rekeyed the {@link #unkeyedHashId unkeyed} one.
     *
     * @throws IdKeyException when the id hashes are keyed and the store was opened without the key
     */
    public String hashId(long id) {
        Manifest.DeletionsEntry d = manifest.deletions();
        if (!d.keyed()) {
            return unkeyedHashId(d.salt(), id);
        }
        if (idKey == null) {
            throw missingKey(dir);
        }
        return idKey.hashId(d.salt(), id);
    }

    /**
     * Refuses, before anything is computed, a change that would have to hash ids (every forget and
     * add does) on a model whose hashes are keyed when the store was opened without the key.
     *
     * @throws IdKeyException when the id hashes are keyed and there is no key
     */
    public void requireIdKey() {
        if (manifest.deletions().keyed() && idKey == null) {
            throw missingKey(dir);
        }
    }

    /** Whether this model's id hashes are keyed (false for a model of format version 2 or 3 not rekeyed yet). */
    public boolean keyedIdHashes() {
        return manifest.deletions().keyed();
    }

    /** The id key the store was opened with, or null. */
    public IdKey idKey() {
        return idKey;
    }

    /**
     * The unkeyed id hash of format versions 2 and 3: the first 16 bytes of SHA-256 over the salt
     * (as US-ASCII hex) and the id (8 bytes, little-endian), as 32 hex digits. Anyone who holds the
     * directory can compute it for every possible id; {@link #rekey} replaces these hashes.
     */
    public static String unkeyedHashId(String salt, long id) {
        MessageDigest md = Digests.sha256();
        md.update(salt.getBytes(StandardCharsets.US_ASCII));
        Digests.update(md, id);
        return Digests.hex(md.digest()).substring(0, 32);
    }

    /** The error of hashing an id of a keyed model without its key. */
    public static IdKeyException missingKey(Path dir) {
        return new IdKeyException("the id hashes of " + dir + " are keyed and no id key was given; give the key the "
                + "model was trained with (it is kept outside the model directory)", true, dir);
    }

    /** Refuses a key that is not the one {@code m} records the check of. */
    private static void checkKey(Path dir, Manifest m, IdKey idKey) {
        if (idKey != null && m.deletions().keyed() && !idKey.matches(m.deletions().salt(), m.deletions().keyCheck())) {
            throw new IdKeyException("the id key given is not the key of " + dir + " (its key check differs); give the "
                    + "key the model was trained with", false, dir);
        }
    }

    /** Whether {@code id} was forgotten by a committed request. */
    public boolean wasForgotten(long id) {
        return forgottenHashes.contains(hashId(id));
    }

    // ------------------------------------------------------------------------------------------
    // Raw samples

    /**
     * The retained raw samples in row order (training-time rows in ascending id, then added rows
     * in the order added), read from the chunk files (each checked against the manifest). This is what {@code verify} rebuilds the model from.
     *
     * <p>A read-only store whose generation a commit has superseded meanwhile (its raw chunks are
     * deleted, as erasure requires) moves to the newest generation and reads that one: afterwards
     * {@link #manifest()}, {@link #model()} and {@link #data()} describe the generation the samples
     * belong to, so a caller that pairs the samples with the model reads the samples first.
     */
    public Dataset readRaw(Progress progress) {
        for (int attempt = 1; ; attempt++) {
            try {
                return readRaw(manifest, progress);
            } catch (StoreException e) {
                if (writable() || !moveToNewerGeneration()) {
                    throw e;
                }
                if (attempt == READ_ATTEMPTS) {
                    throw new StoreException(e.getMessage() + " (commits replaced the model " + attempt
                            + " times while it was being read; try again)", e);
                }
            }
        }
    }

    /** For a reader: loads the newest generation if the manifest on disk is no longer the one it read. */
    private boolean moveToNewerGeneration() {
        if (Arrays.equals(readManifest(dir), manifestBytes)) {
            return false;
        }
        // models of the older generation handed out before may still encode: their encoder is closed with the store
        superseded.add(model.encoder());
        use(snapshot(dir, true));
        return true;
    }

    private Dataset readRaw(Manifest m, Progress progress) {
        List<Manifest.ChunkEntry> chunks = m.privateData().chunks();
        int total = 0;
        for (Manifest.ChunkEntry c : chunks) {
            total += c.rows();
        }
        int dim = m.encoder().inputDim();
        long[] ids = new long[total];
        int[] labels = new int[total];
        float[] features = new float[Math.multiplyExact(total, dim)];
        int at = 0;
        progress.start("read retained samples", chunks.size());
        for (Manifest.ChunkEntry c : chunks) {
            RawChunk rc = readRawChunk(m, c);
            System.arraycopy(rc.ids(), 0, ids, at, rc.rows);
            System.arraycopy(rc.labels(), 0, labels, at, rc.rows);
            rc.features(features, at * dim);
            at += rc.rows;
            progress.step(1);
        }
        progress.finish();
        int[] shape = m.dataset().sampleShape() == null ? new int[] {dim} : m.dataset().sampleShape();
        try {
            return new Dataset("retained samples of " + dir.getFileName(), ids, labels, features, shape);
        } catch (org.legonet.core.data.DataException e) {
            // the chunks passed their checksums, so the manifest was rewritten to match damaged files
            throw new StoreException("model directory " + dir + " holds raw samples that are not valid (" + e.getMessage()
                    + "); the store is damaged", e);
        }
    }

    private RawChunk readRawChunk(Manifest m, Manifest.ChunkEntry c) {
        return readRawChunk(dir, m, c);
    }

    private static RawChunk readRawChunk(Path root, Manifest m, Manifest.ChunkEntry c) {
        return readRawChunk(root, c, m.encoder().inputDim(), "u8".equals(m.privateData().rawFormat()));
    }

    /**
     * The raw samples of one chunk of the model directory {@code dir}, as {@code c} (an entry of its
     * manifest) names them, checked against the entry and the raw layout ({@code inputDim} features
     * per sample, stored as bytes when {@code u8}): what a cluster engine's task reads when it
     * verifies the model one chunk per task. A file a commit has superseded since the manifest was
     * read is missing: a {@link StoreException} names it.
     */
    public static Dataset readRawChunk(Path dir, Manifest.ChunkEntry c, int inputDim, boolean u8, int[] sampleShape) {
        RawChunk rc = readRawChunk(dir, c, inputDim, u8);
        float[] features = new float[Math.multiplyExact(rc.rows, inputDim)];
        rc.features(features, 0);
        try {
            return new Dataset("raw chunk " + c.raw().file(), rc.ids(), rc.labels(), features, sampleShape);
        } catch (org.legonet.core.data.DataException e) {
            throw new StoreException("model directory " + dir + " holds raw samples that are not valid (" + e.getMessage()
                    + "); the store is damaged", e);
        }
    }

    /** The raw file of chunk {@code c} under {@code root}, checked against its entry and the raw layout. */
    private static RawChunk readRawChunk(Path root, Manifest.ChunkEntry c, int inputDim, boolean u8) {
        RawChunk rc = RawChunk.parse(BinFile.read(root, c.raw().file(), BinFile.RAW, c.raw().sha256()), c.raw().file());
        if (rc.rows != c.rows() || rc.dim != inputDim || rc.width != (u8 ? 1 : 4)) {
            throw new StoreException("raw chunk " + c.raw().file() + " does not match the manifest");
        }
        return rc;
    }

    // ------------------------------------------------------------------------------------------
    // Committing a change

    /**
     * Commits a change (a forget, an insertion, or both): rewrites the chunks that held forgotten
     * samples without them, puts appended samples into the last chunk while it holds fewer than
     * {@code chunk_rows} rows and then into new chunks, writes the retrained adapters, appends the
     * log record, switches the manifest atomically, then deletes the superseded files (the last
     * copies of the forgotten samples). A crash before the switch leaves the old model, after it the
     * new one.
     *
     * @return the committed log record (with its sequence number and time)
     * @throws StaleModelException when the change was computed from another generation than the
     *                             store's; nothing is written
     * @throws LegoNetException    when an appended sample cannot be stored exactly ({@link #checkStorable});
     *                             nothing is written
     */
    public ChangeRecord commit(StoreChange change) {
        if (!writable()) {
            throw new IllegalStateException("the store was opened read-only");
        }
        if (change.baseGeneration() != manifest.generation()) {
            throw new StaleModelException("the update was computed from generation " + change.baseGeneration()
                    + " of the model, but generation " + manifest.generation() + " is committed; nothing was written");
        }
        PrivateSet next = change.next();
        Dataset appended = change.appended();
        ChangeRecord in = change.record();
        int n0 = data.rows();
        int m = appended.size();
        if (next.rows() != n0 + m || in.forgotten() != change.erasedRows().length + in.addedCount() - m) {
            throw new IllegalArgumentException("the change does not fit the store's private samples (" + n0 + " rows, "
                    + next.rows() + " after appending " + m + ")");
        }
        for (int i = 0; i < m; i++) {
            if (appended.id(i) != next.id(n0 + i) || appended.label(i) != next.label(n0 + i)) {
                throw new IllegalArgumentException("appended sample " + i + " is not row " + (n0 + i) + " of the change");
            }
        }
        checkStorable(appended);
        CommitObserver obs = observer;
        obs.reached(CommitObserver.Stage.STARTED);
        long gen = manifest.generation() + 1;
        List<String> superseded = new ArrayList<>();
        Set<String> inUse = referenced(manifest);
        Manifest.PrivateEntry pe = manifest.privateData();
        boolean u8 = "u8".equals(pe.rawFormat());
        try {
            List<Manifest.ChunkEntry> chunkEntries = new ArrayList<>(pe.chunks());
            // where the appended rows go: the last chunk while it has room, then new chunks
            int last = chunkEntries.size() - 1;
            int intoLast = last < 0 ? 0 : Math.min(m, pe.chunkRows() - chunkEntries.get(last).rows());
            int[] nextStart = Arrays.copyOf(chunkStart, chunkStart.length);
            nextStart[nextStart.length - 1] = n0 + intoLast;
            for (int at = n0 + intoLast; at < n0 + m; ) {
                at = Math.min(n0 + m, at + pe.chunkRows());
                nextStart = Arrays.copyOf(nextStart, nextStart.length + 1);
                nextStart[nextStart.length - 1] = at;
            }
            int chunksAfter = nextStart.length - 1;
            TreeSet<Integer> rewritten = new TreeSet<>();
            Set<Long> erasedIds = new HashSet<>();
            for (int r : change.erasedRows()) {
                rewritten.add(chunkOf(r));
                erasedIds.add(data.id(r));
            }
            if (intoLast > 0) {
                rewritten.add(last);
            }
            // every new name is checked before anything is written
            for (int c : rewritten) {
                refuseInUse(inUse, Manifest.chunkFile("enc", c, gen), Manifest.chunkFile("raw", c, gen));
            }
            for (int c = chunkEntries.size(); c < chunksAfter; c++) {
                refuseInUse(inUse, Manifest.chunkFile("enc", c, gen), Manifest.chunkFile("raw", c, gen));
            }
            for (Adapter a : change.retrained()) {
                refuseInUse(inUse, Manifest.adapterFile(a.index(), gen));
            }
            for (int c : rewritten) {
                Manifest.ChunkEntry old = chunkEntries.get(c);
                int[] rows = heldRows(next, nextStart[c], nextStart[c + 1]);
                RawChunk oldRaw = readRawChunk(manifest, old);
                byte[] raw = erasedIds.isEmpty() ? oldRaw.payload() : oldRaw.without(erasedIds);
                if (nextStart[c + 1] > n0) {
                    raw = RawChunk.concat(raw, rawRows(appended, range(0, nextStart[c + 1] - n0), u8));
                }
                int kept = RawChunk.parse(raw, old.raw().file()).rows;
                if (kept != rows.length) {
                    throw new StoreException("chunk " + c + " of " + dir + " would keep " + kept
                            + " raw samples but " + rows.length + " cached encodings");
                }
                chunkEntries.set(c, writeChunk(dir, c, gen, next, rows, raw));
                superseded.add(old.encodings().file());
                superseded.add(old.raw().file());
            }
            for (int c = chunkEntries.size(); c < chunksAfter; c++) {
                int[] rows = heldRows(next, nextStart[c], nextStart[c + 1]);
                byte[] raw = rawRows(appended, range(nextStart[c] - n0, nextStart[c + 1] - n0), u8);
                chunkEntries.add(writeChunk(dir, c, gen, next, rows, raw));
            }
            AtomicFiles.syncDirectory(dir.resolve("data"));
            obs.reached(CommitObserver.Stage.CHUNKS_WRITTEN);
            List<Manifest.AdapterEntry> adapterEntries = new ArrayList<>(manifest.adapters());
            for (Adapter a : change.retrained()) {
                superseded.add(adapterEntries.get(a.index()).file());
                adapterEntries.set(a.index(), writeAdapter(dir, a, gen));
            }
            AtomicFiles.syncDirectory(dir.resolve("adapters"));
            obs.reached(CommitObserver.Stage.ADAPTERS_WRITTEN);

            String now = now();
            ChangeRecord rec = new ChangeRecord(manifest.deletions().requests() + 1, now, in.kind(),
                    in.forgetClass(), in.forgotten(), in.addedCount(), in.idHashes(), in.adaptersRetrained(),
                    in.samplesRetrained(), in.parametersRetrained(), in.seconds(), in.digestBefore(), in.digestAfter(),
                    in.requests());
            byte[] line = (LOG_WRITER.writeValueAsString(rec) + "\n").getBytes(StandardCharsets.UTF_8);
            Path log = dir.resolve(manifest.deletions().file());
            if (!Files.exists(log) || Files.size(log) < manifest.deletions().bytes()) {
                throw new StoreException("deletion log " + log + " lost committed records while the model was open");
            }
            if (Files.size(log) != manifest.deletions().bytes()) {
                // an uncommitted tail from an interrupted request: drop it before appending
                try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                    ch.truncate(manifest.deletions().bytes());
                }
            }
            AtomicFiles.append(log, line);
            obs.reached(CommitObserver.Stage.LOG_APPENDED);
            MessageDigest nextLog = cloneOf(logDigest);
            nextLog.update(line);
            Manifest.DeletionsEntry del = manifest.deletions().committed(rec.seq(), manifest.deletions().samples()
                    + rec.forgotten(), manifest.deletions().bytes() + line.length, Digests.hex(cloneOf(nextLog).digest()));
            Manifest nextManifest = manifest.next(now, change.model().config().toMap(),
                    new Manifest.PrivateEntry(pe.rows() + rec.addedCount(),
                    next.retained(), pe.chunkRows(), pe.rawFormat(), chunkEntries), adapterEntries,
                    change.model().digest(), del);
            byte[] nextBytes = nextManifest.toBytes();
            AtomicFiles.replace(dir.resolve(Manifest.FILE), nextBytes);
            obs.reached(CommitObserver.Stage.MANIFEST_SWITCHED);

            manifest = nextManifest;
            manifestBytes = nextBytes;
            logDigest = nextLog;
            model = change.model();
            data = next;
            chunkStart = nextStart;
            if (rec.idHashes() != null) {
                forgottenHashes.addAll(rec.idHashes());
            }
            superseded.removeAll(referenced(nextManifest));
            for (String f : superseded) {
                Files.deleteIfExists(dir.resolve(f));
            }
            AtomicFiles.syncDirectory(dir.resolve("data"));
            AtomicFiles.syncDirectory(dir.resolve("adapters"));
            obs.reached(CommitObserver.Stage.CLEANED_UP);
            return rec;
        } catch (IOException e) {
            throw new StoreException("cannot commit the change to " + dir + ": " + e.getMessage()
                    + " (the model is unchanged; leftovers are removed on the next open)", e);
        }
    }

    /**
     * Rewrites the id hashes of a model whose hashes are not keyed ({@link #keyedIdHashes()} false)
     * with the key this store was opened with: every hash of the deletion log is replaced by
     * {@code keyed.get(hash)}. The new log goes to a new file ({@link Manifest#rekeyedLogFile}), the
     * manifest switches to it atomically, naming the key check, as the next generation (the model
     * is unchanged), and the old log is deleted: a crash leaves the old model or the rekeyed one.
     *
     * @param keyed the keyed hash of every unkeyed hash the log holds (computed from the ids,
     *              which the store does not keep)
     * @throws LegoNetException when a hash of the log has no keyed hash in {@code keyed}, naming
     *                          how many; nothing is written
     */
    public void rekey(Map<String, String> keyed) {
        if (!writable()) {
            throw new IllegalStateException("the store was opened read-only");
        }
        if (idKey == null) {
            throw missingKey(dir);
        }
        if (keyedIdHashes()) {
            throw new LegoNetException("the id hashes of " + dir + " are keyed already; nothing to rekey");
        }
        List<ChangeRecord> records = deletions();
        long missing = records.stream().flatMap(r -> r.idHashes().stream()).filter(h -> !keyed.containsKey(h)).count();
        if (missing > 0) {
            throw new LegoNetException(missing + " forgotten id hash" + (missing == 1 ? " of the deletion log was" : "es "
                    + "of the deletion log were") + " not found among the ids given; nothing was written");
        }
        long gen = manifest.generation() + 1;
        String file = Manifest.rekeyedLogFile(gen);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        Set<String> hashes = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            for (ChangeRecord r : records) {
                List<String> h = r.idHashes().stream().map(keyed::get).toList();
                hashes.addAll(h);
                log.write((LOG_WRITER.writeValueAsString(r.withIdHashes(h)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            byte[] bytes = log.toByteArray();
            MessageDigest md = Digests.sha256();
            md.update(bytes);
            Manifest.DeletionsEntry old = manifest.deletions();
            Manifest.DeletionsEntry del = new Manifest.DeletionsEntry(old.requests(), old.samples(), file, bytes.length,
                    old.salt(), Digests.hex(cloneOf(md).digest()), Manifest.KEYED, idKey.check(old.salt()));
            Manifest next = manifest.next(now(), model.config().toMap(), manifest.privateData(), manifest.adapters(),
                    model.digest(), del);
            byte[] nextBytes = next.toBytes();
            Manifest.parse(nextBytes, dir.resolve(Manifest.FILE).toString());
            AtomicFiles.writeDurable(dir.resolve(file), bytes);
            AtomicFiles.syncDirectory(dir);
            AtomicFiles.replace(dir.resolve(Manifest.FILE), nextBytes);
            Path superseded = dir.resolve(old.file());
            manifest = next;
            manifestBytes = nextBytes;
            logDigest = md;
            forgottenHashes = hashes;
            Files.deleteIfExists(superseded);
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new StoreException("cannot rekey " + dir + ": " + e.getMessage()
                    + " (the model is unchanged or rekeyed; leftovers are removed on the next open)", e);
        }
    }

    /** The rows of {@code from .. to-1} that {@code set} holds, ascending. */
    private static int[] heldRows(PrivateSet set, int from, int to) {
        int[] out = new int[to - from];
        int n = 0;
        for (int r = from; r < to; r++) {
            if (!set.isErased(r)) {
                out[n++] = r;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    /** The adapter and chunk files {@code m} names. */
    static Set<String> referenced(Manifest m) {
        Set<String> out = new HashSet<>();
        for (Manifest.AdapterEntry e : m.adapters()) {
            out.add(e.file());
        }
        for (Manifest.ChunkEntry c : m.privateData().chunks()) {
            out.add(c.encodings().file());
            out.add(c.raw().file());
        }
        return out;
    }

    /**
     * Refuses to write a file under a name the committed manifest uses. {@link Manifest#check}
     * makes this impossible for a manifest that opened; the check keeps a commit from ever
     * overwriting (and then deleting) a file the model needs.
     */
    private void refuseInUse(Set<String> inUse, String... names) {
        for (String name : names) {
            if (inUse.contains(name)) {
                throw new StoreException("cannot commit to " + dir + ": the new file " + name + " would replace a file "
                        + "of generation " + manifest.generation() + " (the manifest is damaged); nothing was changed");
            }
        }
    }

    /**
     * Has {@code observer} told of every step of each later {@link #commit} (on the committing
     * thread). An exception it throws aborts the commit where it stands, as a crash would; the
     * store must then be closed and opened again.
     */
    public void observeCommits(CommitObserver observer) {
        this.observer = observer == null ? CommitObserver.NONE : observer;
    }

    /** The chunk holding row {@code r}: the last chunk starting at or before it that is not empty. */
    private int chunkOf(int r) {
        int lo = 0;
        int hi = chunkStart.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (chunkStart[mid] <= r) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    // ------------------------------------------------------------------------------------------

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static String newSalt() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return Digests.hex(b);
    }

    /**
     * Releases the writer's lock and closes the encoder this store restored (which may hold a
     * native session). The store owns that encoder: every model snapshot it handed out shares it,
     * so none of them can encode after this. Closing twice does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Encoder e : superseded) {
                e.close();
            }
            model.encoder().close();
        } finally {
            releaseQuietly(lock, lockChannel);
        }
    }

    private static void releaseQuietly(FileLock lock, FileChannel ch) {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel releases the lock too
        }
        closeQuietly(ch);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do: the descriptor is gone either way
            }
        }
    }
}

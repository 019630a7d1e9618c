package org.legonet.core.store;

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
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.legonet.core.Version;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.ModelConfig;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.TrainStats;
import org.legonet.core.model.Trained;
import org.legonet.core.routing.Keys;
import org.legonet.core.util.Digests;
import org.legonet.core.util.Progress;

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
 * deletions.jsonl                   one JSON line per committed forget (salted id hashes only)
 * .lock                             held by the one writer
 * </pre>
 *
 * <p>Every change writes new files under new names, forces them to disk, then replaces
 * {@code manifest.json} atomically, then deletes the files it replaced. A crash before the
 * manifest switch leaves the old model; after it, the new one; leftovers (including superseded
 * chunks that still hold forgotten samples) are deleted the next time a writer opens the store.
 */
public final class ModelStore implements AutoCloseable {
    /** Rows per data chunk: a forget rewrites only the chunks that held the forgotten samples. */
    public static final int CHUNK_ROWS = 1024;
    private static final String ENCODER_FILE = "encoder.bin";
    private static final String KEYS_FILE = "keys.bin";
    private static final String LOG_FILE = "deletions.jsonl";
    private static final String LOCK_FILE = ".lock";
    private static final com.fasterxml.jackson.databind.ObjectWriter LOG_WRITER =
            Manifest.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Manifest manifest;
    private LegoNetModel model;
    private PrivateSet data;
    /** Row (in {@link #data}) where each chunk starts; one more entry for the end. */
    private final int[] chunkStart;
    private final Set<String> forgottenHashes;
    private volatile CommitObserver observer = CommitObserver.NONE;
    private boolean closed;

    private ModelStore(Path dir, FileChannel lockChannel, FileLock lock, Manifest manifest, LegoNetModel model,
                       PrivateSet data, int[] chunkStart, Set<String> forgottenHashes) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.manifest = manifest;
        this.model = model;
        this.data = data;
        this.chunkStart = chunkStart;
        this.forgottenHashes = forgottenHashes;
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
     * Writes a freshly trained model to {@code dir}, atomically: everything goes to a sibling
     * temporary directory that is renamed into place at the end. An existing {@code dir} is
     * replaced only when {@code replace} is set and it is a LegoNet model directory (or empty).
     */
    public static void create(Path dir, Trained trained, Manifest.DatasetInfo dataset, boolean replace,
                              Progress progress) {
        Path target = dir.toAbsolutePath().normalize();
        checkTarget(target, replace);
        String nonce = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + nonce);
        try {
            Files.createDirectories(tmp.resolve("adapters"));
            Files.createDirectories(tmp.resolve("data"));
            LegoNetModel model = trained.model();
            PrivateSet data = trained.data();
            Dataset raw = trained.privateRaw();
            int chunks = (data.rows() + CHUNK_ROWS - 1) / CHUNK_ROWS;
            progress.start("write model to " + target.getFileName(), model.adapterCount() + chunks + 2L);

            Encoder enc = model.encoder();
            byte[] encFile = BinFile.wrap(BinFile.ENCODER, enc.state());
            AtomicFiles.writeDurable(tmp.resolve(ENCODER_FILE), encFile);
            Manifest.EncoderEntry encoderEntry = new Manifest.EncoderEntry(enc.spec(), enc.inputDim(), enc.outputDim(),
                    model.encoderFingerprint(), ENCODER_FILE, BinFile.sha256(encFile));
            Keys keys = model.keys();
            byte[] keysFile = BinFile.wrap(BinFile.KEYS, keys.toBytes());
            AtomicFiles.writeDurable(tmp.resolve(KEYS_FILE), keysFile);
            Manifest.KeysEntry keysEntry = new Manifest.KeysEntry(keys.count(), keys.dim(), keys.distance().label(),
                    keys.digest(), KEYS_FILE, BinFile.sha256(keysFile));
            progress.step(2);

            List<Manifest.AdapterEntry> adapters = new ArrayList<>();
            for (int j = 0; j < model.adapterCount(); j++) {
                adapters.add(writeAdapter(tmp, model.adapter(j), 0));
                progress.step(1);
            }
            boolean u8 = isByteValued(raw);
            List<Manifest.ChunkEntry> chunkEntries = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                int from = c * CHUNK_ROWS;
                int to = Math.min(data.rows(), from + CHUNK_ROWS);
                int[] rows = new int[to - from];
                for (int r = from; r < to; r++) {
                    rows[r - from] = r;
                }
                chunkEntries.add(writeChunk(tmp, c, 0, data, rows, rawRows(raw, rows, u8)));
                progress.step(1);
            }
            Files.write(tmp.resolve(LOG_FILE), new byte[0]);
            String now = now();
            Map<String, Object> training = new LinkedHashMap<>();
            TrainStats s = trained.stats();
            training.put("encoder_fit_seconds", s.encoderFitSeconds());
            training.put("encode_seconds", s.encodeSeconds());
            training.put("keys_seconds", s.keysSeconds());
            training.put("adapter_seconds", s.adapterSeconds());
            training.put("adapter_gflops", s.adapterGflops());
            training.put("threads", s.threads());
            Manifest manifest = new Manifest(Manifest.FORMAT, Manifest.VERSION, 0, now, now, Version.VERSION,
                    model.config().toMap(), model.classes(), dataset, encoderEntry, keysEntry,
                    new Manifest.PrivateEntry(data.rows(), data.retained(), CHUNK_ROWS, u8 ? "u8" : "f32", chunkEntries),
                    adapters, model.digest(), new Manifest.DeletionsEntry(0, 0, LOG_FILE, 0, newSalt()), training);
            AtomicFiles.writeDurable(tmp.resolve(Manifest.FILE), manifest.toBytes());
            AtomicFiles.syncDirectory(tmp.resolve("adapters"));
            AtomicFiles.syncDirectory(tmp.resolve("data"));
            AtomicFiles.syncDirectory(tmp);
            install(tmp, target, nonce);
            progress.finish();
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new StoreException("cannot write the model to " + target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
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
                throw new StoreException(target + " already exists; pass --force to replace it");
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

    private static boolean isByteValued(Dataset raw) {
        for (int r = 0; r < raw.size(); r++) {
            for (int c = 0; c < raw.dim(); c++) {
                float v = raw.feature(r, c);
                if (!(v >= 0 && v <= 255 && v == Math.rint(v)) || Float.floatToRawIntBits(v) == 0x80000000) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The raw-chunk payload of {@code rows} of the training-time private set (same order as the data). */
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
        String name = String.format("adapters/adapter-%05d.g%06d.bin", a.index(), generation);
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
        ByteBuffer e = ByteBuffer.allocate(12 + n * (12 + 4 * k + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(n).putInt(dim).putInt(k);
        for (int r : rows) {
            e.putLong(data.id(r));
        }
        for (int r : rows) {
            e.putInt(data.label(r));
        }
        for (int r : rows) {
            for (int a : data.route(r)) {
                e.putInt(a);
            }
        }
        float[] enc = new float[n * dim];
        for (int i = 0; i < n; i++) {
            data.copyEncoding(rows[i], enc, i * dim);
        }
        e.asFloatBuffer().put(enc);
        String encName = String.format("data/enc-%05d.g%06d.bin", c, generation);
        byte[] encFile = BinFile.wrap(BinFile.ENCODINGS, e.array());
        AtomicFiles.writeDurable(root.resolve(encName), encFile);

        String rawName = String.format("data/raw-%05d.g%06d.bin", c, generation);
        byte[] rawFile = BinFile.wrap(BinFile.RAW, rawPayload);
        AtomicFiles.writeDurable(root.resolve(rawName), rawFile);
        return new Manifest.ChunkEntry(c, n, new Manifest.FileRef(encName, BinFile.sha256(encFile)),
                new Manifest.FileRef(rawName, BinFile.sha256(rawFile)));
    }

    // ------------------------------------------------------------------------------------------
    // Opening a store

    /**
     * Opens a model directory, checking every file it loads against the manifest. A writer
     * ({@code write}) takes the directory's lock, fails if another process holds it, and first
     * removes what an interrupted change left behind.
     */
    public static ModelStore open(Path dir, boolean write) {
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
            byte[] mbytes = Files.readAllBytes(root.resolve(Manifest.FILE));
            Manifest m = Manifest.parse(mbytes, root.resolve(Manifest.FILE).toString());
            if (write) {
                recover(root, m);
            }
            Loaded l = load(root, m);
            Set<String> forgotten;
            try {
                forgotten = readForgottenHashes(root, m);
            } catch (IOException | RuntimeException e) {
                l.model.encoder().close();
                throw e;
            }
            return new ModelStore(root, ch, lock, m, l.model, l.data, l.chunkStart, forgotten);
        } catch (IOException e) {
            releaseQuietly(lock, ch);
            throw new StoreException("cannot read " + root + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            releaseQuietly(lock, ch);
            throw e;
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
            throw new StoreException("model directory " + root + " is locked by another writer: "
                    + root.resolve(LOCK_FILE) + " is held by a running 'legonet serve' or forget; send forget requests "
                    + "to the service, or try again when it has stopped");
        }
        return lock;
    }

    private record Loaded(LegoNetModel model, PrivateSet data, int[] chunkStart) {
    }

    private static Loaded load(Path root, Manifest m) {
        ModelConfig config = ModelConfig.fromMap(m.config());
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
        Keys keys = Keys.fromBytes(BinFile.read(root, m.keys().file(), BinFile.KEYS, m.keys().sha256()));
        if (!keys.digest().equals(m.keys().digest())) {
            throw new StoreException("keys in " + root + " do not match their digest in the manifest");
        }
        if (m.adapters().size() != keys.count()) {
            throw new StoreException(root + ": manifest lists " + m.adapters().size() + " adapters for " + keys.count() + " keys");
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
            adapters[e.index()] = a;
        }
        Manifest.PrivateEntry pe = m.privateData();
        int k = config.activate();
        int dim = encoder.outputDim();
        int total = 0;
        for (Manifest.ChunkEntry c : pe.chunks()) {
            total += c.rows();
        }
        long[] ids = new long[total];
        int[] labels = new int[total];
        int[] routes = new int[total * k];
        float[] enc = new float[total * dim];
        int[] chunkStart = new int[pe.chunks().size() + 1];
        int at = 0;
        for (int ci = 0; ci < pe.chunks().size(); ci++) {
            Manifest.ChunkEntry c = pe.chunks().get(ci);
            if (c.index() != ci) {
                throw new StoreException(root + ": manifest lists chunk " + c.index() + " at position " + ci);
            }
            chunkStart[ci] = at;
            ByteBuffer b = ByteBuffer.wrap(BinFile.read(root, c.encodings().file(), BinFile.ENCODINGS,
                    c.encodings().sha256())).order(ByteOrder.LITTLE_ENDIAN);
            int rows = b.getInt();
            if (rows != c.rows() || b.getInt() != dim || b.getInt() != k
                    || b.remaining() != (long) rows * (12 + 4 * k + 4 * dim)) {
                throw new StoreException("chunk file " + c.encodings().file() + " does not match the manifest");
            }
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
        Set<String> referenced = new HashSet<>();
        for (Manifest.AdapterEntry e : m.adapters()) {
            referenced.add(e.file());
        }
        for (Manifest.ChunkEntry c : m.privateData().chunks()) {
            referenced.add(c.encodings().file());
            referenced.add(c.raw().file());
        }
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
        Files.deleteIfExists(root.resolve(Manifest.FILE + ".tmp"));
    }

    private static Set<String> readForgottenHashes(Path root, Manifest m) throws IOException {
        Set<String> out = new HashSet<>();
        for (DeletionRecord r : readLog(root, m)) {
            if (r.idHashes() != null) {
                out.addAll(r.idHashes());
            }
        }
        return out;
    }

    private static List<DeletionRecord> readLog(Path root, Manifest m) throws IOException {
        Path log = root.resolve(m.deletions().file());
        List<DeletionRecord> out = new ArrayList<>();
        if (!Files.exists(log)) {
            if (m.deletions().bytes() > 0) {
                throw new StoreException("deletion log " + log + " is missing");
            }
            return out;
        }
        byte[] all = Files.readAllBytes(log);
        if (all.length < m.deletions().bytes()) {
            throw new StoreException("deletion log " + log + " is shorter than the manifest records");
        }
        String text = new String(all, 0, (int) m.deletions().bytes(), StandardCharsets.UTF_8);
        int line = 0;
        for (String s : text.split("\n")) {
            line++;
            if (s.isBlank()) {
                continue;
            }
            try {
                out.add(Manifest.JSON.readValue(s, DeletionRecord.class));
            } catch (IOException e) {
                throw new StoreException("deletion log " + log + " line " + line + " is corrupted");
            }
        }
        if (out.size() != m.deletions().requests()) {
            throw new StoreException("deletion log " + log + " holds " + out.size() + " requests, the manifest "
                    + m.deletions().requests());
        }
        return out;
    }

    /** The committed deletion log, oldest first. */
    public List<DeletionRecord> deletions() {
        try {
            return readLog(dir, manifest);
        } catch (IOException e) {
            throw new StoreException("cannot read the deletion log of " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Adapters retrained by any committed forget, ascending. */
    public int[] adaptersEverRetrained() {
        TreeSet<Integer> s = new TreeSet<>();
        for (DeletionRecord r : deletions()) {
            s.addAll(r.adaptersRetrained());
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The salted hash of an id, as the deletion log keeps it. */
    public String hashId(long id) {
        return hashId(manifest.deletions().salt(), id);
    }

    /**
     * The salted hash of an id under {@code salt} (a model's {@code deletions.salt}, fixed for the
     * life of the model directory): what {@link #hashId(long)} computes, for callers that hash ids
     * on other threads than the one committing.
     */
    public static String hashId(String salt, long id) {
        MessageDigest md = Digests.sha256();
        md.update(salt.getBytes(StandardCharsets.US_ASCII));
        Digests.update(md, id);
        return Digests.hex(md.digest()).substring(0, 32);
    }

    /** Whether {@code id} was forgotten by a committed request. */
    public boolean wasForgotten(long id) {
        return forgottenHashes.contains(hashId(id));
    }

    // ------------------------------------------------------------------------------------------
    // Raw samples

    /**
     * The retained raw samples, ascending id, read from the chunk files (each checked against the
     * manifest). This is what {@code verify} rebuilds the model from.
     */
    public Dataset readRaw(Progress progress) {
        List<Manifest.ChunkEntry> chunks = manifest.privateData().chunks();
        int total = 0;
        for (Manifest.ChunkEntry c : chunks) {
            total += c.rows();
        }
        int dim = manifest.encoder().inputDim();
        long[] ids = new long[total];
        int[] labels = new int[total];
        float[] features = new float[Math.multiplyExact(total, dim)];
        int at = 0;
        progress.start("read retained samples", chunks.size());
        for (Manifest.ChunkEntry c : chunks) {
            RawChunk rc = readRawChunk(c);
            System.arraycopy(rc.ids(), 0, ids, at, rc.rows);
            System.arraycopy(rc.labels(), 0, labels, at, rc.rows);
            rc.features(features, at * dim);
            at += rc.rows;
            progress.step(1);
        }
        progress.finish();
        int[] shape = manifest.dataset().sampleShape() == null ? new int[] {dim} : manifest.dataset().sampleShape();
        return new Dataset("retained samples of " + dir.getFileName(), ids, labels, features, shape);
    }

    private RawChunk readRawChunk(Manifest.ChunkEntry c) {
        RawChunk rc = RawChunk.parse(BinFile.read(dir, c.raw().file(), BinFile.RAW, c.raw().sha256()), c.raw().file());
        if (rc.rows != c.rows() || rc.dim != manifest.encoder().inputDim()) {
            throw new StoreException("raw chunk " + c.raw().file() + " does not match the manifest");
        }
        return rc;
    }

    // ------------------------------------------------------------------------------------------
    // Committing a forget

    /**
     * Commits a forget: rewrites the chunks that held the forgotten samples without them, writes the
     * retrained adapters, appends the deletion record, switches the manifest atomically, then
     * deletes the superseded files (the last copies of the forgotten samples).
     *
     * @return the committed deletion record (with its sequence number and time)
     */
    public DeletionRecord commit(ForgetCommit change) {
        if (!writable()) {
            throw new IllegalStateException("the store was opened read-only");
        }
        CommitObserver obs = observer;
        obs.reached(CommitObserver.Stage.STARTED);
        long gen = manifest.generation() + 1;
        List<String> superseded = new ArrayList<>();
        try {
            TreeSet<Integer> chunks = new TreeSet<>();
            Set<Long> erasedIds = new HashSet<>();
            for (int r : change.erasedRows()) {
                chunks.add(chunkOf(r));
                erasedIds.add(data.id(r));
            }
            List<Manifest.ChunkEntry> chunkEntries = new ArrayList<>(manifest.privateData().chunks());
            PrivateSet next = change.next();
            for (int c : chunks) {
                Manifest.ChunkEntry old = chunkEntries.get(c);
                List<Integer> keep = new ArrayList<>();
                for (int r = chunkStart[c]; r < chunkStart[c + 1]; r++) {
                    if (!next.isErased(r)) {
                        keep.add(r);
                    }
                }
                int[] rows = keep.stream().mapToInt(Integer::intValue).toArray();
                RawChunk oldRaw = readRawChunk(old);
                byte[] raw = oldRaw.without(erasedIds);
                int kept = RawChunk.parse(raw, old.raw().file()).rows;
                if (kept != rows.length) {
                    throw new StoreException("chunk " + c + " of " + dir + " would keep " + kept
                            + " raw samples but " + rows.length + " cached encodings");
                }
                chunkEntries.set(c, writeChunk(dir, c, gen, next, rows, raw));
                superseded.add(old.encodings().file());
                superseded.add(old.raw().file());
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
            DeletionRecord in = change.record();
            DeletionRecord rec = new DeletionRecord(manifest.deletions().requests() + 1, now, in.kind(),
                    in.forgetClass(), in.forgotten(), in.idHashes(), in.adaptersRetrained(), in.samplesRetrained(),
                    in.parametersRetrained(), in.seconds(), in.digestBefore(), in.digestAfter(), in.requests());
            byte[] line = (LOG_WRITER.writeValueAsString(rec) + "\n").getBytes(StandardCharsets.UTF_8);
            Path log = dir.resolve(manifest.deletions().file());
            if (Files.exists(log) && Files.size(log) != manifest.deletions().bytes()) {
                // an uncommitted tail from an interrupted request: drop it before appending
                try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                    ch.truncate(manifest.deletions().bytes());
                }
            }
            AtomicFiles.append(log, line);
            obs.reached(CommitObserver.Stage.LOG_APPENDED);
            Manifest.DeletionsEntry del = new Manifest.DeletionsEntry(rec.seq(), manifest.deletions().samples()
                    + rec.forgotten(), manifest.deletions().file(), manifest.deletions().bytes() + line.length,
                    manifest.deletions().salt());
            Manifest.PrivateEntry pe = manifest.privateData();
            Manifest nextManifest = manifest.next(now, new Manifest.PrivateEntry(pe.rows(), next.retained(),
                    pe.chunkRows(), pe.rawFormat(), chunkEntries), adapterEntries, change.model().digest(), del);
            AtomicFiles.replace(dir.resolve(Manifest.FILE), nextManifest.toBytes());
            obs.reached(CommitObserver.Stage.MANIFEST_SWITCHED);

            manifest = nextManifest;
            model = change.model();
            data = next;
            if (rec.idHashes() != null) {
                forgottenHashes.addAll(rec.idHashes());
            }
            for (String f : superseded) {
                Files.deleteIfExists(dir.resolve(f));
            }
            AtomicFiles.syncDirectory(dir.resolve("data"));
            AtomicFiles.syncDirectory(dir.resolve("adapters"));
            obs.reached(CommitObserver.Stage.CLEANED_UP);
            return rec;
        } catch (IOException e) {
            throw new StoreException("cannot commit the forget to " + dir + ": " + e.getMessage()
                    + " (the model is unchanged; leftovers are removed on the next open)", e);
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

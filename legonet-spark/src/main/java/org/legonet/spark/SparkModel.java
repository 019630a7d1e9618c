package org.legonet.spark;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.DataSource;
import org.legonet.core.IdKey;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.TrainStats;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import scala.Tuple2;

/**
 * A model trained by {@link SparkTrainer}: the model itself (on the driver) and its private
 * samples' encodings and routes, cached on the executors until {@link #close()}. {@link #save}
 * writes the same model directory {@code LegoNet.save} writes; open it with {@code LegoNet.open}.
 */
public final class SparkModel implements AutoCloseable {
    private final LegoNetModel model;
    private final JavaRDD<EncodedSample> encoded;
    private final Dataset publicSplit;
    private final TrainStats stats;
    private final Progress progress;
    private boolean closed;

    SparkModel(LegoNetModel model, JavaRDD<EncodedSample> encoded, Dataset publicSplit, TrainStats stats,
               Progress progress) {
        this.model = model;
        this.encoded = encoded;
        this.publicSplit = publicSplit;
        this.stats = stats;
        this.progress = progress;
    }

    /** The model digest: SHA-256 over the encoder fingerprint, the key digest and every adapter digest. */
    public String digest() {
        return model.digest();
    }

    /** Every adapter's digest, by adapter index. */
    public List<String> adapterDigests() {
        List<String> out = new ArrayList<>(model.adapterCount());
        for (int j = 0; j < model.adapterCount(); j++) {
            out.add(model.adapter(j).digest());
        }
        return out;
    }

    /** The trained model (encoder, keys, adapters). */
    public LegoNetModel model() {
        return model;
    }

    /**
     * Where the time went: encoder fit and public encoding and key fit on the driver; "adapters" is
     * the whole Spark job (encoding and routing the private samples, the shuffle, the adapter tasks).
     */
    public TrainStats stats() {
        return stats;
    }

    /**
     * Writes the model to a new model directory, the one {@code LegoNet.save} writes for the same
     * model and data (atomically; {@code replace} as in {@code LegoNet.save}), with the private
     * samples written by the executors, never collected to the driver:
     *
     * <ol>
     *   <li>one job counts the samples and checks whether every feature is an integer in 0..255
     *       (the raw format, {@code u8} or {@code f32});</li>
     *   <li>the ids alone are sorted (a range partitioning, never round robin: SPARK-23207) and
     *       numbered, giving the first id of every chunk of {@link ModelStore#CHUNK_ROWS} rows in
     *       storage order (ascending id); only these chunk boundaries reach the driver;</li>
     *   <li>the samples are shuffled once, by a range partitioning on those boundaries
     *       ({@link ChunkPartitioner}) sorted by id within each partition, so that partition c is
     *       chunk c; one task per chunk writes its two files ({@code data/enc-*}, {@code data/raw-*})
     *       with core's writer ({@link ModelStore#writeNewChunk}) into the temporary directory
     *       {@link ModelStore#begin} made next to {@code dir}, and returns their names, row count
     *       and SHA-256s;</li>
     *   <li>one task reads the raw chunks back for the manifest's dataset fingerprint (core's
     *       definition, {@link ModelStore#rawFingerprint}, the same value the in-process save
     *       records);</li>
     *   <li>the driver writes the encoder, keys, adapters, the empty deletion log and the manifest
     *       last, and moves the directory into place ({@link ModelStore.Creation#finish}).</li>
     * </ol>
     *
     * {@code dir}'s parent must be a folder every executor can write at the same path: a local
     * folder in local mode, a shared mount (NFS and the like) on a cluster. On any failure the
     * temporary directory is deleted and {@code dir} is left as it was.
     *
     * @param source where the data came from, recorded in the manifest, or null
     * @param idKey  the key of the model's id hashes (kept outside the directory; the manifest
     *               records its check, as {@code LegoNet.save} does)
     */
    public void save(Path dir, boolean replace, DataSource source, IdKey idKey) {
        if (closed) {
            throw new IllegalStateException("the Spark model was closed");
        }
        int in = model.encoder().inputDim();
        int dim = model.encoder().outputDim();
        int k = model.config().activate();
        int chunkRows = ModelStore.CHUNK_ROWS;
        try (ModelStore.Creation creation = ModelStore.begin(dir, replace)) {
            long[] counted = SparkTrainer.job("counting the private samples", () -> encoded
                    .mapPartitions(it -> {
                        long rows = 0;
                        long notBytes = 0;
                        while (it.hasNext()) {
                            rows++;
                            notBytes += ModelStore.allByteValued(it.next().features()) ? 0 : 1;
                        }
                        return List.of(new long[] {rows, notBytes}).iterator();
                    })
                    .reduce((x, y) -> new long[] {x[0] + y[0], x[1] + y[1]}));
            int n = Math.toIntExact(counted[0]);
            boolean u8 = counted[1] == 0;
            int chunks = (n + chunkRows - 1) / chunkRows;
            progress.start("write model to " + creation.target().getFileName(), model.adapterCount() + chunks + 2L);
            String staging = creation.staging().toString();
            List<StoredChunk> written = new ArrayList<>();
            if (n > 0) {
                // the first id of every chunk, from a sort of the ids alone (8 bytes a sample)
                List<Long> firsts = SparkTrainer.job("finding the chunk boundaries", () -> encoded
                        .map(EncodedSample::id)
                        .sortBy(id -> id, true, encoded.getNumPartitions())
                        .zipWithIndex()
                        .filter(t -> t._2() % chunkRows == 0)
                        .map(Tuple2::_1)
                        .collect());
                long[] firstIds = firsts.stream().mapToLong(Long::longValue).toArray();
                if (firstIds.length != chunks) {
                    throw new LegoNetException("Spark found " + firstIds.length + " chunk boundaries, not " + chunks);
                }
                // one shuffle of the samples: partition c is chunk c, sorted by id within
                written.addAll(SparkTrainer.job("writing the private chunks", () -> encoded
                        .mapToPair(s -> new Tuple2<>(s.id(), s))
                        .repartitionAndSortWithinPartitions(new ChunkPartitioner(firstIds))
                        .mapPartitionsWithIndex((c, it) -> writeChunk(staging, c, Math.min(chunkRows, n - c * chunkRows),
                                it, in, dim, k, u8), true)
                        .collect()));
            }
            List<Manifest.ChunkEntry> entries = checkedEntries(written, n, chunkRows);
            progress.step(chunks);
            int[] shape = publicSplit.sampleShape();
            String fingerprint = SparkTrainer.job("fingerprinting the private samples", () ->
                    JavaSparkContext.fromSparkContext(encoded.context()).parallelize(List.of(0), 1)
                            .map(x -> ModelStore.rawFingerprint(Paths.get(staging), StoredChunk.entries(written), in,
                                    shape, u8))
                            .collect()).get(0);
            DataSource src = source != null ? source : DataSource.of("private samples");
            int pub = publicSplit.size();
            Manifest.DatasetInfo info = new Manifest.DatasetInfo(src.description(), src.source(), fingerprint,
                    src.trainRows() > 0 ? src.trainRows() : pub + n, pub, n, in, shape, src.spec());
            creation.finish(model, new Manifest.PrivateEntry(n, n, chunkRows, u8 ? "u8" : "f32", entries), info, stats,
                    idKey, progress);
            progress.finish();
        }
    }

    /**
     * Writes chunk {@code c} of a new model directory (runs on an executor): its {@code rows}
     * samples, which arrive sorted by id, with core's writer.
     */
    static Iterator<StoredChunk> writeChunk(String staging, int c, int rows, Iterator<Tuple2<Long, EncodedSample>> it,
                                            int in, int dim, int k, boolean u8) {
        long[] ids = new long[rows];
        int[] labels = new int[rows];
        float[] features = new float[Math.multiplyExact(rows, in)];
        float[] enc = new float[Math.multiplyExact(rows, dim)];
        int[] routes = new int[Math.multiplyExact(rows, k)];
        int i = 0;
        while (it.hasNext()) {
            EncodedSample s = it.next()._2();
            if (i == rows || (i > 0 && s.id() <= ids[i - 1])) {
                throw new IllegalStateException("chunk " + c + " got more than " + rows + " samples or not in id order");
            }
            ids[i] = s.id();
            labels[i] = s.label();
            System.arraycopy(s.features(), 0, features, i * in, in);
            System.arraycopy(s.encoding(), 0, enc, i * dim, dim);
            System.arraycopy(s.route(), 0, routes, i * k, k);
            i++;
        }
        if (i != rows) {
            throw new IllegalStateException("chunk " + c + " got " + i + " samples, not " + rows);
        }
        Manifest.ChunkEntry e = ModelStore.writeNewChunk(Paths.get(staging), c, ids, labels, features, in, u8, routes, k,
                enc, dim);
        return List.of(StoredChunk.of(e, ids[0], ids[rows - 1])).iterator();
    }

    /**
     * The chunks the executors wrote, as manifest entries in index order, checked: every chunk
     * once, full but for the last, {@code n} rows in all, ids ascending from one chunk to the next.
     */
    static List<Manifest.ChunkEntry> checkedEntries(List<StoredChunk> written, int n, int chunkRows) {
        written.sort(Comparator.comparingInt(StoredChunk::index));
        int chunks = (n + chunkRows - 1) / chunkRows;
        if (written.size() != chunks) {
            throw new LegoNetException("Spark wrote " + written.size() + " private chunks, not " + chunks);
        }
        for (int c = 0; c < chunks; c++) {
            StoredChunk s = written.get(c);
            if (s.index() != c || s.rows() != Math.min(chunkRows, n - c * chunkRows)
                    || (c > 0 && s.firstId() <= written.get(c - 1).lastId())) {
                throw new LegoNetException("Spark wrote private chunk " + s.index() + " with " + s.rows()
                        + " rows out of storage order");
            }
        }
        return StoredChunk.entries(written);
    }

    /** Drops the cached encodings on the executors and closes the encoder. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        encoded.unpersist();
        model.encoder().close();
    }
}

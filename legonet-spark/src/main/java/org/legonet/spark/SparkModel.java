package org.legonet.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.legonet.core.DataSource;
import org.legonet.core.Progress;
import org.legonet.core.TrainStats;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;

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
     * Writes the model to a new model directory with core's store (atomically; {@code replace} as
     * in {@code LegoNet.save}). The private samples (raw features, encodings, routes) are collected
     * to the driver for this, in ascending id, the row order of a model trained in process.
     *
     * @param source where the data came from, recorded in the manifest, or null
     */
    public void save(Path dir, boolean replace, DataSource source) {
        if (closed) {
            throw new IllegalStateException("the Spark model was closed");
        }
        ModelStore.checkTarget(dir, replace);
        List<EncodedSample> rows = new ArrayList<>(SparkTrainer.job("collecting the private samples", encoded::collect));
        rows.sort(Comparator.comparingLong(EncodedSample::id));
        int n = rows.size();
        int in = model.encoder().inputDim();
        int dim = model.encoder().outputDim();
        int k = model.config().activate();
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] raw = new float[Math.multiplyExact(n, in)];
        float[] enc = new float[Math.multiplyExact(n, dim)];
        int[] routes = new int[Math.multiplyExact(n, k)];
        for (int i = 0; i < n; i++) {
            EncodedSample s = rows.get(i);
            ids[i] = s.id();
            labels[i] = s.label();
            System.arraycopy(s.features(), 0, raw, i * in, in);
            System.arraycopy(s.encoding(), 0, enc, i * dim, dim);
            System.arraycopy(s.route(), 0, routes, i * k, k);
        }
        PrivateSet data = new PrivateSet(ids, labels, enc, dim, routes, k, new BitSet(), model.adapterCount());
        Dataset privateRaw = new Dataset("private samples", ids, labels, raw, publicSplit.sampleShape());
        DataSource src = source != null ? source : DataSource.of("private samples");
        int pub = publicSplit.size();
        Manifest.DatasetInfo info = new Manifest.DatasetInfo(src.description(), src.source(),
                privateRaw.fingerprint(), src.trainRows() > 0 ? src.trainRows() : pub + n, pub, n, in,
                publicSplit.sampleShape(), src.spec());
        ModelStore.create(dir, new Trained(model, data, privateRaw, stats), info, replace, progress);
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

package org.legonet.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.StoreException;
import org.legonet.core.VerifyReport;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.unlearn.Verifier;

/** Verifies a model directory on Spark: the raw samples encoded and routed, and the adapters rebuilt, by tasks. */
public final class SparkVerifier {
    /** How often a verification starts again when commits keep superseding the generation it reads. */
    private static final int ATTEMPTS = 10;

    private SparkVerifier() {
    }

    /** One raw chunk re-encoded and re-routed by its task, in the chunk's row order. */
    record Rebuilt(int index, long[] ids, int[] labels, float[] encodings, int[] routes) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Proves the model in {@code dir} exact as {@code LegoNet.open(dir).verify()} does, with the
     * work on Spark: one task per raw chunk reads the chunk file ({@code dir} must be at the same
     * path on every executor: local in local mode, a shared mount on a cluster), encodes it with the
     * stored encoder and routes it with the stored keys (both broadcast as {@link Frozen}); the
     * driver gathers the encodings and routes (not the raw features) in row order; one task per
     * adapter rebuilds it from scratch. Core's {@code Verifier} compares everything and gives the
     * verdict. Nothing is written.
     *
     * <p>A commit that supersedes the generation being read deletes its chunk files; the
     * verification then starts again on the newer generation (up to 10 times), as a read-only
     * open in process does.
     *
     * @param threads driver threads (the comparison)
     */
    public static VerifyReport verify(JavaSparkContext sc, Path dir, int threads, Progress progress) {
        for (int attempt = 1; ; attempt++) {
            long generation;
            try (ModelStore store = ModelStore.open(dir, false)) {
                generation = store.manifest().generation();
                try {
                    return verify(sc, store, threads, progress);
                } catch (StoreException e) {
                    if (attempt == ATTEMPTS || !superseded(dir, generation)) {
                        throw e;
                    }
                }
            }
        }
    }

    private static boolean superseded(Path dir, long generation) {
        try (ModelStore now = ModelStore.open(dir, false)) {
            return now.manifest().generation() != generation;
        }
    }

    private static VerifyReport verify(JavaSparkContext sc, ModelStore store, int threads, Progress progress) {
        long t0 = System.nanoTime();
        Manifest m = store.manifest();
        LegoNetModel model = store.model();
        int in = m.encoder().inputDim();
        boolean u8 = "u8".equals(m.privateData().rawFormat());
        int[] shape = m.dataset().sampleShape() != null ? m.dataset().sampleShape() : new int[] {in};
        List<StoredChunk> chunks = new ArrayList<>();
        for (Manifest.ChunkEntry c : m.privateData().chunks()) {
            chunks.add(StoredChunk.of(c, Long.MIN_VALUE, Long.MIN_VALUE));
        }
        String root = store.dir().toString();
        List<Rebuilt> parts = new ArrayList<>();
        if (!chunks.isEmpty()) {
            Broadcast<Frozen> frozen = sc.broadcast(new Frozen(model.config(), model.classes(), model.encoder(),
                    model.encoderFingerprint(), model.keys(), shape));
            progress.start("encode and route " + chunks.size() + " raw chunk" + (chunks.size() == 1 ? "" : "s")
                    + " on Spark", chunks.size());
            try {
                // one slice per chunk: parallelize cuts a list into fixed consecutive slices, one task each
                parts.addAll(SparkTrainer.job("re-encoding the raw samples", () -> sc.parallelize(chunks, chunks.size())
                        .map(c -> rebuild(frozen.value(), root, c, in, u8, shape)).collect()));
                progress.step(chunks.size());
            } finally {
                frozen.unpersist();
                progress.finish();
            }
        }
        parts.sort(Comparator.comparingInt(Rebuilt::index));
        PrivateSet rebuilt = assemble(parts, chunks, model);
        return new Verifier(threads, new SparkAdapterTraining(sc, model.config()), progress)
                .verifyRebuilt(model, store.data(), rebuilt, null, "all", t0);
    }

    /** Reads one raw chunk, encodes and routes it (runs on an executor). */
    static Rebuilt rebuild(Frozen frozen, String root, StoredChunk c, int in, boolean u8, int[] shape) {
        Dataset raw = ModelStore.readRawChunk(Paths.get(root), c.entry(), in, u8, shape);
        SparkTrainer.Routed r = SparkTrainer.encodeAndRoute(frozen, raw);
        return new Rebuilt(c.index(), raw.ids(), raw.labels(), r.encodings(), r.routes());
    }

    /** The chunks' samples in row order, as one private set. */
    private static PrivateSet assemble(List<Rebuilt> parts, List<StoredChunk> chunks, LegoNetModel model) {
        int dim = model.encoder().outputDim();
        int k = model.router().k();
        int n = 0;
        for (int c = 0; c < chunks.size(); c++) {
            if (parts.size() != chunks.size() || parts.get(c).index() != c
                    || parts.get(c).ids().length != chunks.get(c).rows()) {
                throw new LegoNetException("Spark returned the raw chunks incompletely");
            }
            n += chunks.get(c).rows();
        }
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] enc = new float[Math.multiplyExact(n, dim)];
        int[] routes = new int[Math.multiplyExact(n, k)];
        int at = 0;
        for (Rebuilt p : parts) {
            int rows = p.ids().length;
            System.arraycopy(p.ids(), 0, ids, at, rows);
            System.arraycopy(p.labels(), 0, labels, at, rows);
            System.arraycopy(p.encodings(), 0, enc, at * dim, rows * dim);
            System.arraycopy(p.routes(), 0, routes, at * k, rows * k);
            at += rows;
        }
        return new PrivateSet(ids, labels, enc, dim, routes, k, new BitSet(), model.adapterCount());
    }
}

package org.legonet.core.model;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.routing.Keys;
import org.legonet.core.routing.Router;
import org.legonet.core.util.Digests;

/**
 * A trained LegoNet: the frozen encoder, the frozen keys and the n adapters. Immutable: a forget
 * produces a new model that shares the encoder and keys and replaces the retrained adapters, so a
 * reader holding this object always sees one consistent model.
 *
 * <p><b>Encoder lifetime.</b> A model does not own its encoder: every snapshot of one model
 * (this one and those {@link #withAdapters} derives) shares the same encoder object, which may hold
 * a native session. Whoever fitted or restored the encoder closes it, once, when no snapshot is in
 * use any more: {@link org.legonet.core.store.ModelStore#close()} for a model it opened, and
 * {@link Trained#close()} for a freshly trained one. The encoder's fingerprint is computed once,
 * when the first snapshot is built (at fit, or at load where it is checked against the manifest),
 * and carried from snapshot to snapshot: a forget never reads or hashes the encoder's state.
 */
public final class LegoNetModel {
    private final ModelConfig config;
    private final Encoder encoder;
    private final String encoderFingerprint;
    private final String keysDigest;
    private final Router router;
    private final int classes;
    private final Adapter[] adapters;
    private final String digest;

    /** A model over a freshly fitted (or restored) encoder; hashes the encoder's state once. */
    public LegoNetModel(ModelConfig config, Encoder encoder, Keys keys, int classes, Adapter[] adapters) {
        this(config, encoder, encoder.fingerprint(), keys, classes, adapters);
    }

    /**
     * A model over an encoder whose {@link Encoder#fingerprint()} the caller has already computed
     * (a store checks it against its manifest at load), so the encoder's state is not hashed twice.
     *
     * @param encoderFingerprint {@code encoder.fingerprint()}
     */
    public LegoNetModel(ModelConfig config, Encoder encoder, String encoderFingerprint, Keys keys, int classes,
                        Adapter[] adapters) {
        this(config, encoder, encoderFingerprint, keys, keys.digest(), classes, adapters);
    }

    private LegoNetModel(ModelConfig config, Encoder encoder, String encoderFingerprint, Keys keys, String keysDigest,
                         int classes, Adapter[] adapters) {
        if (adapters.length != keys.count()) {
            throw new IllegalArgumentException(adapters.length + " adapters for " + keys.count() + " keys");
        }
        if (keys.dim() != encoder.outputDim()) {
            throw new LegoNetException("keys have dimension " + keys.dim() + " but the encoder produces " + encoder.outputDim());
        }
        for (int j = 0; j < adapters.length; j++) {
            if (adapters[j].index() != j || adapters[j].classes() != classes || adapters[j].inputDim() != keys.dim()) {
                throw new LegoNetException("adapter " + j + " does not fit the model (index " + adapters[j].index()
                        + ", " + adapters[j].classes() + " classes, input " + adapters[j].inputDim() + ")");
            }
        }
        this.config = config;
        this.encoder = encoder;
        this.encoderFingerprint = encoderFingerprint;
        this.keysDigest = keysDigest;
        this.router = new Router(keys, config.activate());
        this.classes = classes;
        this.adapters = adapters.clone();
        MessageDigest md = Digests.sha256();
        Digests.update(md, encoderFingerprint);
        Digests.update(md, keysDigest);
        for (Adapter a : adapters) {
            Digests.update(md, a.digest());
        }
        this.digest = Digests.hex(md.digest());
    }

    public ModelConfig config() {
        return config;
    }

    public Encoder encoder() {
        return encoder;
    }

    /** The encoder's fingerprint, computed when this model's first snapshot was built. */
    public String encoderFingerprint() {
        return encoderFingerprint;
    }

    public Keys keys() {
        return router.keys();
    }

    public Router router() {
        return router;
    }

    public int classes() {
        return classes;
    }

    public int adapterCount() {
        return adapters.length;
    }

    public Adapter adapter(int j) {
        return adapters[j];
    }

    /** SHA-256 over the encoder fingerprint, the key digest and every adapter digest, hex. */
    public String digest() {
        return digest;
    }

    /**
     * This model with some adapters replaced (by their index): a new snapshot sharing this one's
     * encoder, keys and their carried digests.
     */
    public LegoNetModel withAdapters(List<Adapter> replaced) {
        Adapter[] next = adapters.clone();
        for (Adapter a : replaced) {
            next[a.index()] = a;
        }
        return new LegoNetModel(config, encoder, encoderFingerprint, router.keys(), keysDigest, classes, next);
    }

    /**
     * Class probabilities for {@code rows} encodings: each row averages (or similarity-weights) the
     * probabilities of its k activated adapters, summed in ascending adapter index. A row's result
     * does not depend on the other rows. Reads {@code enc}, returns {@code rows * classes} values.
     */
    public float[] predictEncoded(float[] enc, int rows) {
        int k = router.k();
        int dim = router.keys().dim();
        int[] routes = new int[rows * k];
        double[] dist = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            router.route(enc, r * dim, routes, r * k, dist);
        }
        float[] weights = weights(dist, rows, k);
        List<List<Integer>> byAdapter = new ArrayList<>();
        for (int j = 0; j < adapters.length; j++) {
            byAdapter.add(new ArrayList<>());
        }
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                byAdapter.get(routes[r * k + i]).add(r * k + i);
            }
        }
        float[] out = new float[rows * classes];
        // adapters in ascending index: each row receives its k contributions in route order
        for (int j = 0; j < adapters.length; j++) {
            List<Integer> slots = byAdapter.get(j);
            if (slots.isEmpty()) {
                continue;
            }
            int m = slots.size();
            float[] x = new float[m * dim];
            for (int s = 0; s < m; s++) {
                System.arraycopy(enc, (slots.get(s) / k) * dim, x, s * dim, dim);
            }
            float[] p = new float[m * classes];
            adapters[j].predictProba(x, m, p);
            for (int s = 0; s < m; s++) {
                int slot = slots.get(s);
                int r = slot / k;
                float w = weights[slot];
                for (int c = 0; c < classes; c++) {
                    out[r * classes + c] += w * p[s * classes + c];
                }
            }
        }
        return out;
    }

    private float[] weights(double[] dist, int rows, int k) {
        float[] w = new float[rows * k];
        if (config.aggregate() == Aggregate.MEAN) {
            java.util.Arrays.fill(w, 1.0f / k);
            return w;
        }
        double t = router.keys().temperature();
        for (int r = 0; r < rows; r++) {
            double min = Double.POSITIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                min = Math.min(min, dist[r * k + i]);
            }
            double sum = 0;
            double[] e = new double[k];
            for (int i = 0; i < k; i++) {
                e[i] = StrictMath.exp(-(dist[r * k + i] - min) / t);
                sum += e[i];
            }
            for (int i = 0; i < k; i++) {
                w[r * k + i] = (float) (e[i] / sum);
            }
        }
        return w;
    }

    /** Encodes raw features ({@code rows * encoder.inputDim()}) and predicts. */
    public float[] predictRaw(float[] features, int rows) {
        if (features.length != rows * encoder.inputDim()) {
            throw new LegoNetException("expected " + encoder.inputDim() + " features per sample, got "
                    + (rows == 0 ? features.length : features.length / Math.max(rows, 1)));
        }
        float[] enc = new float[rows * encoder.outputDim()];
        encoder.encode(features, rows, enc);
        return predictEncoded(enc, rows);
    }

    /** The most probable class of each row of {@code probs} (lowest class on ties). */
    public static int[] argmax(float[] probs, int rows, int classes) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probs[r * classes + c] > probs[r * classes + best]) {
                    best = c;
                }
            }
            out[r] = best;
        }
        return out;
    }
}

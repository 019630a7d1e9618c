package org.legonet.core.model;

import org.legonet.core.ModelConfig;
import org.legonet.core.Aggregate;

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
 * <p><b>Prediction and empty adapters.</b> A query is routed to its k nearest adapters. An adapter
 * that holds no retained sample ({@link Adapter#samples()} is 0: none was ever routed to it, or all
 * of them were forgotten) keeps its seeded initial weights, which carry no information; it does
 * not vote. The query's answer combines only its non-empty routed adapters: their mean, or with
 * {@link Aggregate#WEIGHTED} their similarity weights renormalised over the non-empty ones. When
 * all k routed adapters are empty the answer is the uniform distribution over the classes (its
 * {@link #argmax} is class 0, by the lowest-class tie rule). Whether an adapter is empty is part of
 * the retained data (its sample count is in the adapter's digest), so the rule keeps every answer a
 * pure function of the retained data and the frozen keys, and a forget still equals training from
 * scratch in its predictions as in its bits (docs/prediction.md).
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
     * This model with route-hiding cover {@code c} ({@link ModelConfig#withCover}): the same
     * adapters, encoder and keys, so the same digest and answers; only what a change retrains besides
     * the adapters it touches differs.
     */
    public LegoNetModel withCover(int c) {
        return new LegoNetModel(config.withCover(c), encoder, encoderFingerprint, router.keys(), keysDigest, classes,
                adapters);
    }

    /** Adapters that hold no retained sample (they do not vote; see the class description). */
    public int emptyAdapters() {
        int empty = 0;
        for (Adapter a : adapters) {
            if (a.samples() == 0) {
                empty++;
            }
        }
        return empty;
    }

    /**
     * Class probabilities for {@code rows} encodings: each row averages (or similarity-weights) the
     * probabilities of its non-empty activated adapters, summed in ascending adapter index, and is
     * uniform when all its k activated adapters are empty (see the class description). A row's
     * result does not depend on the other rows. Reads {@code enc}, returns {@code rows * classes}
     * values.
     */
    public float[] predictEncoded(float[] enc, int rows) {
        return predictEncoded(enc, rows, new int[rows * router.k()]);
    }

    /**
     * {@link #predictEncoded(float[], int)}, also giving the k adapters each row was routed to:
     * {@code routes} receives {@code rows * k} adapter indices, row after row.
     */
    public float[] predictEncoded(float[] enc, int rows, int[] routes) {
        return predictEncoded(enc, rows, routes, null, null);
    }

    /**
     * {@link #predictEncoded(float[], int, int[])} with some adapters masked: a masked adapter does
     * not vote, exactly like an empty one, and the row's other routed adapters share its weight. The
     * route itself does not change: a row is answered only by the unmasked members of its own top-k.
     * A row left with no voter because some of its adapters are masked is not answered:
     * {@code answered[r]} is set false and its probabilities are left 0. (A row whose k adapters are
     * all empty, none masked, is uniform, as without a mask.) With no adapter masked the result is
     * bit for bit that of the unmasked call.
     *
     * @param masked   one flag per adapter, or null for none
     * @param answered receives one flag per row, or null when {@code masked} is null
     */
    public float[] predictEncoded(float[] enc, int rows, int[] routes, boolean[] masked, boolean[] answered) {
        int k = router.k();
        int dim = router.keys().dim();
        double[] dist = new double[rows * k];
        for (int r = 0; r < rows; r++) {
            router.route(enc, r * dim, routes, r * k, dist);
        }
        boolean[] votes = voting(masked);
        float[] weights = weights(routes, dist, rows, k, votes);
        List<List<Integer>> byAdapter = new ArrayList<>();
        for (int j = 0; j < adapters.length; j++) {
            byAdapter.add(new ArrayList<>());
        }
        float[] out = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            boolean voted = false;
            boolean maskedSlot = false;
            for (int i = 0; i < k; i++) {
                int j = routes[r * k + i];
                if (votes[j]) {
                    byAdapter.get(j).add(r * k + i);
                    voted = true;
                } else if (masked != null && masked[j]) {
                    maskedSlot = true;
                }
            }
            if (answered != null) {
                answered[r] = voted || !maskedSlot;
            }
            if (!voted && !maskedSlot) {
                java.util.Arrays.fill(out, r * classes, (r + 1) * classes, 1.0f / classes);
            }
        }
        // adapters in ascending index: each row receives its contributions in route order
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

    /**
     * Which adapters vote under {@code masked} (one flag per adapter, or null for none): those
     * that hold samples and are not masked. The one place the rule is written.
     */
    public boolean[] voting(boolean[] masked) {
        boolean[] votes = new boolean[adapters.length];
        for (int j = 0; j < adapters.length; j++) {
            votes[j] = adapters[j].samples() > 0 && (masked == null || !masked[j]);
        }
        return votes;
    }

    /**
     * Each route slot's weight: 0 for an adapter that does not vote (empty, or masked); the voters
     * share the row's weight, equally ({@link Aggregate#MEAN}) or by similarity renormalised over
     * the voters. A row whose adapters all vote gets exactly the weights it would without this rule.
     */
    private float[] weights(int[] routes, double[] dist, int rows, int k, boolean[] votes) {
        float[] w = new float[rows * k];
        boolean mean = config.aggregate() == Aggregate.MEAN;
        double t = router.keys().temperature();
        double[] e = new double[k];
        for (int r = 0; r < rows; r++) {
            int voters = 0;
            double min = Double.POSITIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                if (votes[routes[r * k + i]]) {
                    voters++;
                    min = Math.min(min, dist[r * k + i]);
                }
            }
            if (voters == 0) {
                continue;
            }
            if (mean) {
                for (int i = 0; i < k; i++) {
                    w[r * k + i] = votes[routes[r * k + i]] ? 1.0f / voters : 0.0f;
                }
                continue;
            }
            double sum = 0;
            for (int i = 0; i < k; i++) {
                e[i] = votes[routes[r * k + i]] ? StrictMath.exp(-(dist[r * k + i] - min) / t) : 0.0;
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

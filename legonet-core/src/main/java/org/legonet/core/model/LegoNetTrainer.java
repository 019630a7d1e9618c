package org.legonet.core.model;

import org.legonet.core.ModelConfig;
import org.legonet.core.TrainStats;

import java.util.BitSet;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.adapter.DenseAdapterTrainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.routing.KeyBuilder;
import org.legonet.core.routing.Keys;
import org.legonet.core.routing.Router;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * Trains a LegoNet from scratch: encoder and keys on the public split only, then the private split
 * is encoded once, routed, and every adapter trained on the samples that activate it.
 */
public final class LegoNetTrainer {
    private static final long ENCODER_SEED_TAG = 0x45;
    private static final long KEYS_SEED_TAG = 0x4B;

    private final ModelConfig config;
    private final int threads;
    private final Progress progress;

    public LegoNetTrainer(ModelConfig config, int threads, Progress progress) {
        if (threads < 1) {
            throw new InvalidSettingException("threads", "threads must be at least 1, got " + threads);
        }
        this.config = config;
        this.threads = threads;
        this.progress = progress;
    }

    /** The trainer every adapter of a model with this configuration uses. */
    public static AdapterTrainer adapterTrainer(ModelConfig config) {
        return new DenseAdapterTrainer(config.trainConfig());
    }

    /** The label set: from configuration, else from the public split (never from private data). */
    public static int classesOf(ModelConfig config, Dataset publicSplit) {
        return config.classes() > 0 ? config.classes() : publicSplit.labelBound();
    }

    /**
     * The fitted encoder with the encodings of both splits, so that several models sharing an
     * encoder (a benchmark grid) fit and encode once. It owns the encoder: the models trained from
     * it share it, and {@link #close()} closes it once they are done.
     *
     * @param privateSplit the private split in ascending id (as {@link #encode} returns it)
     */
    public record Encoded(Encoder encoder, Dataset publicSplit, float[] publicEncodings, Dataset privateSplit,
                          float[] privateEncodings, double fitSeconds, double encodeSeconds) implements AutoCloseable {
        /** Closes the encoder. */
        @Override
        public void close() {
            encoder.close();
        }
    }

    /** Checks the label set, then fits the encoder on the public split and encodes both splits. */
    public Encoded encode(Dataset publicSplit, Dataset privateSplit) {
        if (publicSplit.size() == 0) {
            throw new LegoNetException("the public split is empty; it is needed to fit the encoder and the keys");
        }
        if (publicSplit.dim() != privateSplit.dim()) {
            throw new LegoNetException("public samples have " + publicSplit.dim() + " features, private ones "
                    + privateSplit.dim());
        }
        checkedClasses(publicSplit, privateSplit); // fail before the encoder is fitted
        Dataset priv = sortedById(privateSplit);
        long t0 = System.nanoTime();
        Encoder encoder = fitEncoder(publicSplit);
        try {
            long t1 = System.nanoTime();
            float[] pubEnc = Encoders.encodeAll(encoder, publicSplit, threads, progress);
            float[] privEnc = Encoders.encodeAll(encoder, priv, threads, progress);
            long t2 = System.nanoTime();
            return new Encoded(encoder, publicSplit, pubEnc, priv, privEnc, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        } catch (RuntimeException | Error e) {
            encoder.close();
            throw e;
        }
    }

    /**
     * Fits the encoder, then trains keys and adapters. The caller owns the result's encoder and
     * closes it with {@link Trained#close()}; on failure it is closed here.
     */
    public Trained train(Dataset publicSplit, Dataset privateSplit) {
        Encoded e = encode(publicSplit, privateSplit); // checks the label set before fitting the encoder
        try {
            return train(e);
        } catch (RuntimeException | Error ex) {
            e.close();
            throw ex;
        }
    }

    /**
     * Trains keys and adapters on already-encoded splits. The encoder must have been fitted with
     * this trainer's encoder specification and seed (the model records them as its own).
     */
    public Trained train(Encoded e) {
        if (!e.encoder().spec().equals(config.encoder())) {
            throw new IllegalArgumentException("encodings come from " + e.encoder().spec() + ", config says " + config.encoder());
        }
        Dataset publicSplit = e.publicSplit();
        Dataset priv = e.privateSplit();
        int classes = checkedClasses(publicSplit, priv);
        Encoder encoder = e.encoder();
        float[] pubEnc = e.publicEncodings();
        float[] privEnc = e.privateEncodings();
        long t2 = System.nanoTime();
        Keys keys = fitKeys(pubEnc, publicSplit.size(), encoder.outputDim());
        long t3 = System.nanoTime();
        Router router = new Router(keys, config.activate());
        int[] routes = router.routeAll(privEnc, priv.size(), threads);
        long t4 = System.nanoTime();
        PrivateSet data = new PrivateSet(priv.ids(), priv.labels(), privEnc.clone(), encoder.outputDim(), routes,
                config.activate(), new BitSet(), config.adapters());
        AdapterTrainer trainer = adapterTrainer(config);
        Adapter[] adapters = AdapterPool.train(trainer, data, AdapterPool.all(config.adapters()), config.seed(),
                classes, threads, progress);
        long t5 = System.nanoTime();
        long flops = 0;
        for (int j = 0; j < config.adapters(); j++) {
            flops += trainer.flops(encoder.outputDim(), classes, data.size(j));
        }
        LegoNetModel model = new LegoNetModel(config, encoder, keys, classes, adapters);
        TrainStats stats = new TrainStats(e.fitSeconds(), e.encodeSeconds() + (t4 - t3) / 1e9, (t3 - t2) / 1e9,
                (t5 - t4) / 1e9, flops, threads);
        return new Trained(model, data, priv, stats);
    }

    /**
     * Fits the configured encoder on the public split, the only data it ever sees (contract point 1),
     * with the seed every engine derives for it. The caller owns the encoder and closes it.
     */
    public Encoder fitEncoder(Dataset publicSplit) {
        return Encoders.fit(config.encoder(), publicSplit, Rng.derive(config.seed(), ENCODER_SEED_TAG), progress);
    }

    /**
     * Fits the frozen keys and their balancing offsets on the public encodings ({@code rows * dim}
     * values), with the seed every engine derives for them.
     */
    public Keys fitKeys(float[] publicEncodings, int rows, int dim) {
        return KeyBuilder.build(publicEncodings, rows, dim, config.adapters(), config.activate(), config.keys(),
                config.distance(), config.balance(), Rng.derive(config.seed(), KEYS_SEED_TAG), progress);
    }

    /** The label set, checked: at least two classes, and no private label outside it. */
    private int checkedClasses(Dataset publicSplit, Dataset privateSplit) {
        int classes = labelSet(publicSplit);
        checkPrivateLabels(privateSplit, classes);
        return classes;
    }

    /**
     * The size of the label set, from the configuration or else the public split, checked to name
     * at least two classes. Engines that see the private samples in parts check each part with
     * {@link #checkPrivateLabels}.
     */
    public int labelSet(Dataset publicSplit) {
        int classes = classesOf(config, publicSplit);
        if (classes < 2) {
            throw new InvalidSettingException("classes", config.classes() > 0
                    ? "classes must be at least 2 to train a classifier, got " + classes
                    : "the public split holds only " + classes + " class; set classes in the configuration to name"
                    + " the label set");
        }
        return classes;
    }

    /** Refuses private samples whose label lies outside the label set {@link #labelSet} gave. */
    public void checkPrivateLabels(Dataset privateSamples, int classes) {
        checkLabels(privateSamples, classes, config.classes() > 0 ? "the configuration" : "the public split");
    }

    static void checkLabels(Dataset d, int classes, String fixedBy) {
        for (int i = 0; i < d.size(); i++) {
            if (d.label(i) >= classes) {
                throw new InvalidSettingException("classes", d.name() + ": sample id " + d.id(i) + " has label "
                        + d.label(i) + " outside the label set 0.." + (classes - 1)
                        + " fixed by " + fixedBy + "; set classes in the configuration to name a larger label set");
            }
        }
    }

    /** The dataset in ascending id (the order adapters see their samples in). */
    static Dataset sortedById(Dataset d) {
        boolean sorted = true;
        for (int i = 1; i < d.size() && sorted; i++) {
            sorted = d.id(i) > d.id(i - 1);
        }
        if (sorted) {
            return d;
        }
        Integer[] order = new Integer[d.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(d.id(a), d.id(b)));
        int[] rows = new int[order.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = order[i];
            if (i > 0 && d.id(rows[i]) == d.id(rows[i - 1])) {
                throw new LegoNetException(d.name() + ": id " + d.id(rows[i]) + " appears more than once");
            }
        }
        return d.select(rows, d.name());
    }
}

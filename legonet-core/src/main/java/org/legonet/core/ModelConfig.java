package org.legonet.core;

import java.util.LinkedHashMap;
import java.util.Map;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.adapter.TrainConfig;

/**
 * Everything that determines a trained model, with the project's defaults defined once here and
 * shared by the CLI, the server and the benchmark. Thread count is not part of it: it never
 * changes a result.
 *
 * <p>The defaults were chosen by measurement on Fashion-MNIST (see the README's benchmark section):
 * whitened PCA-96, 100 adapters of which each sample activates 4, MLP adapters with 128 hidden
 * units, Adam (learning rate 0.003, cosine decay), 15 epochs of batch 64, balanced k-means keys
 * with L2 routing. On Fashion-MNIST this reached 0.895-0.897 test accuracy, against 0.887-0.889
 * for PCA-64 or for n=20, k=2, at a lower expected cost per removal (k^2 N / n = 8,000 samples).
 */
public record ModelConfig(
        String encoder,
        int adapters,
        int activate,
        AdapterSpec adapter,
        KeyMethod keys,
        Distance distance,
        boolean balance,
        Aggregate aggregate,
        Optimizer optimizer,
        int epochs,
        int batchSize,
        float learningRate,
        boolean cosine,
        float momentum,
        float weightDecay,
        long seed,
        int classes,
        int cover) {

    public static final String DEFAULT_ENCODER = "pca:96";
    public static final int DEFAULT_ADAPTERS = 100;
    public static final int DEFAULT_ACTIVATE = 4;
    public static final String DEFAULT_ADAPTER = "mlp:128";
    public static final int DEFAULT_EPOCHS = 15;
    public static final int DEFAULT_BATCH = 64;
    public static final float DEFAULT_LR_ADAM = 3e-3f;
    public static final float DEFAULT_LR_SGD = 0.05f;
    public static final float DEFAULT_MOMENTUM = 0.9f;
    public static final float DEFAULT_WEIGHT_DECAY = 1e-4f;
    public static final long DEFAULT_SEED = 42L;

    public ModelConfig {
        if (encoder == null || encoder.isBlank()) {
            throw new InvalidSettingException("encoder", "encoder must be named");
        }
        if (adapters < 1) {
            throw new InvalidSettingException("adapters", "adapters must be at least 1, got " + adapters);
        }
        if (activate < 1 || activate > adapters) {
            throw new InvalidSettingException("activate", "activate must be between 1 and the number of adapters, "
                    + adapters + ", got " + activate);
        }
        if (classes < 0) {
            throw new InvalidSettingException("classes",
                    "classes must be positive (or 0 to take it from the public split), got " + classes);
        }
        if (cover < 0) {
            throw new InvalidSettingException("cover", "cover must be 0 (off) or a positive number of adapters, got "
                    + cover);
        }
        if (cover > adapters - activate) {
            throw new InvalidSettingException("cover", "cover must leave room beside the " + activate
                    + " activated adapters: at most " + (adapters - activate) + " of " + adapters + ", got " + cover);
        }
        trainConfigOf(adapter, optimizer, epochs, batchSize, learningRate, cosine, momentum, weightDecay);
    }

    private static TrainConfig trainConfigOf(AdapterSpec adapter, Optimizer optimizer, int epochs, int batchSize,
                                             float learningRate, boolean cosine, float momentum, float weightDecay) {
        return new TrainConfig(adapter, optimizer, epochs, batchSize, learningRate, cosine, momentum, weightDecay);
    }

    /** The project defaults. */
    public static ModelConfig defaults() {
        return new ModelConfig(DEFAULT_ENCODER, DEFAULT_ADAPTERS, DEFAULT_ACTIVATE, AdapterSpec.parse(DEFAULT_ADAPTER),
                KeyMethod.KMEANS, Distance.L2, true, Aggregate.MEAN, Optimizer.ADAM, DEFAULT_EPOCHS,
                DEFAULT_BATCH, DEFAULT_LR_ADAM, true, DEFAULT_MOMENTUM, DEFAULT_WEIGHT_DECAY, DEFAULT_SEED, 0, 0);
    }

    /** How each adapter is trained. */
    public TrainConfig trainConfig() {
        return trainConfigOf(adapter, optimizer, epochs, batchSize, learningRate, cosine, momentum, weightDecay);
    }

    public ModelConfig withEncoder(String v) {
        return new ModelConfig(v, adapters, activate, adapter, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, classes, cover);
    }

    public ModelConfig withShape(int n, int k) {
        return new ModelConfig(encoder, n, k, adapter, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, classes, cover);
    }

    public ModelConfig withAdapter(AdapterSpec v) {
        return new ModelConfig(encoder, adapters, activate, v, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, classes, cover);
    }

    public ModelConfig withRouting(KeyMethod k, Distance d, boolean b, Aggregate a) {
        return new ModelConfig(encoder, adapters, activate, adapter, k, d, b, a, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, classes, cover);
    }

    public ModelConfig withTraining(Optimizer o, int e, int b, float lr, boolean cos, float mom, float wd) {
        return new ModelConfig(encoder, adapters, activate, adapter, keys, distance, balance, aggregate, o, e,
                b, lr, cos, mom, wd, seed, classes, cover);
    }

    public ModelConfig withSeed(long v) {
        return new ModelConfig(encoder, adapters, activate, adapter, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, v, classes, cover);
    }

    public ModelConfig withClasses(int v) {
        return new ModelConfig(encoder, adapters, activate, adapter, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, v, cover);
    }

    /**
     * This configuration with route-hiding cover {@code c}: every committed change also retrains, from
     * scratch, {@code c} adapters it does not touch (chosen by a keyed pseudo-random function of the
     * change), so that the set of retrained adapters does not show which ones held the sample
     * (docs/privacy.md). Cover never changes a bit of the model: 0 turns it off.
     */
    public ModelConfig withCover(int c) {
        return new ModelConfig(encoder, adapters, activate, adapter, keys, distance, balance, aggregate, optimizer, epochs,
                batchSize, learningRate, cosine, momentum, weightDecay, seed, classes, c);
    }

    /** A JSON-friendly map (the manifest's {@code config}); {@link #fromMap} reads it back. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("encoder", encoder);
        m.put("adapters", adapters);
        m.put("activate", activate);
        m.put("adapter", adapter.toString());
        m.put("keys", keys.label());
        m.put("distance", distance.label());
        m.put("balance", balance);
        m.put("aggregate", aggregate.label());
        m.put("optimizer", optimizer.label());
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("learning_rate", learningRate);
        m.put("lr_schedule", cosine ? "cosine" : "constant");
        m.put("momentum", momentum);
        m.put("weight_decay", weightDecay);
        m.put("seed", seed);
        m.put("classes", classes);
        if (cover > 0) {
            // only when on: the configuration of a model without cover is what earlier versions wrote
            m.put("cover", cover);
        }
        return m;
    }

    /** Reads {@link #toMap()}. */
    public static ModelConfig fromMap(Map<String, ?> m) {
        try {
            return new ModelConfig(
                    (String) m.get("encoder"),
                    num(m, "adapters").intValue(),
                    num(m, "activate").intValue(),
                    AdapterSpec.parse((String) m.get("adapter")),
                    KeyMethod.parse((String) m.get("keys")),
                    Distance.parse((String) m.get("distance")),
                    (Boolean) m.get("balance"),
                    Aggregate.parse((String) m.get("aggregate")),
                    Optimizer.parse((String) m.get("optimizer")),
                    num(m, "epochs").intValue(),
                    num(m, "batch_size").intValue(),
                    num(m, "learning_rate").floatValue(),
                    "cosine".equals(m.get("lr_schedule")),
                    num(m, "momentum").floatValue(),
                    num(m, "weight_decay").floatValue(),
                    num(m, "seed").longValue(),
                    num(m, "classes").intValue(),
                    m.containsKey("cover") ? num(m, "cover").intValue() : 0);
        } catch (ClassCastException | NullPointerException e) {
            throw new LegoNetException("model configuration is incomplete or malformed: " + e.getMessage());
        }
    }

    private static Number num(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) {
            throw new LegoNetException("model configuration field '" + key + "' is missing or not a number");
        }
        return (Number) v;
    }
}

package org.legonet.core.adapter;

import org.legonet.core.InvalidSettingException;

/**
 * How every adapter is trained. Fixed epochs, no early stopping: an adapter is a pure function of
 * this configuration, its seed and its samples (docs/design.md, contract point 3).
 *
 * @param spec         the architecture
 * @param optimizer    Adam (decoupled weight decay) or SGD with momentum
 * @param epochs       passes over the adapter's samples
 * @param batchSize    samples per step; the last batch of an epoch may be smaller
 * @param learningRate peak step size
 * @param cosine       whether the step size follows a cosine decay to zero over all steps
 * @param momentum     SGD momentum (ignored by Adam)
 * @param weightDecay  decay rate
 */
public record TrainConfig(AdapterSpec spec, Optimizer optimizer, int epochs, int batchSize, float learningRate,
                          boolean cosine, float momentum, float weightDecay) {
    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPSILON = 1e-8f;

    public TrainConfig {
        if (epochs < 1) {
            throw new InvalidSettingException("epochs", "epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new InvalidSettingException("batchSize", "batchSize must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new InvalidSettingException("learningRate",
                    "learningRate must be positive and finite, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new InvalidSettingException("momentum", "momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new InvalidSettingException("weightDecay",
                    "weightDecay must be non-negative and finite, got " + weightDecay);
        }
    }
}

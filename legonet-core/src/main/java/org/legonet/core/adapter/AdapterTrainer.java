package org.legonet.core.adapter;

/**
 * Trains one adapter from scratch. The result must be a pure function of the trainer's
 * configuration, the seed and the training set (docs/design.md, contract point 3): no dependence on
 * other adapters, on earlier weights, on timing or on the calling thread. Implementations run the
 * whole training on the calling thread.
 */
public interface AdapterTrainer {
    /** The configuration every adapter of this trainer gets. */
    TrainConfig config();

    /** Trains adapter {@code index} with {@code seed} on {@code data}. */
    Adapter train(int index, long seed, TrainingSet data);

    /**
     * Floating-point operations of one training run on {@code samples} samples, counting the
     * multiply-adds of the dense layers (2 per multiply-add; forward, weight gradients and input
     * gradients; real class count, padding excluded). Softmax, activations and the optimiser
     * update are not counted.
     */
    long flops(int inputDim, int classes, int samples);
}

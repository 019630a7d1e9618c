package org.legonet.core.model;

import org.legonet.core.TrainStats;

import org.legonet.core.data.Dataset;

/**
 * A freshly trained model with the private samples it was trained on and the run's figures.
 *
 * <p>Whoever trains a model owns its encoder (which may hold a native session) and closes it with
 * {@link #close()} once the model is stored or no longer needed. A model trained from a shared
 * {@link LegoNetTrainer.Encoded} shares that encoder: close the {@code Encoded} instead, once.
 *
 * @param model      the model
 * @param data       the private samples as adapters see them (encodings, routes): ascending id
 *                   when freshly trained; a model updated in memory since may have forgotten rows
 *                   and rows added after them
 * @param privateRaw the raw private samples in the same row order as {@code data}: one per row,
 *                   or one per retained row
 * @param stats      where the time went
 */
public record Trained(LegoNetModel model, PrivateSet data, Dataset privateRaw, TrainStats stats)
        implements AutoCloseable {
    /** Closes the model's encoder. */
    @Override
    public void close() {
        model.encoder().close();
    }
}

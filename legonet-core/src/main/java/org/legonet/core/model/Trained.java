package org.legonet.core.model;

import org.legonet.core.data.Dataset;

/**
 * A freshly trained model with the private samples it was trained on and the run's figures.
 *
 * @param model      the model
 * @param data       the private samples as adapters see them (encodings, routes), ascending id
 * @param privateRaw the raw private samples in the same row order as {@code data}
 * @param stats      where the time went
 */
public record Trained(LegoNetModel model, PrivateSet data, Dataset privateRaw, TrainStats stats) {
}
